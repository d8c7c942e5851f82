package projectsdk

import (
	"errors"
	"strings"
	"testing"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
	sdk "github.com/larksuite/project-oapi-sdk-golang"
	"github.com/larksuite/project-oapi-sdk-golang/core"
)

const tokenPath = "/open_api/authen/plugin_token"

// FEISHU_FACTS §4: plugin_token answers {"error":{"code","msg"},"data":{"token","expire_time"}}
// with HTTP 200, errors included; type 0 is a plugin token, 1 a virtual one.
func TestGetPluginTokenAnswersAPluginOrAVirtualTokenForTwoHours(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	for _, tc := range []struct {
		kind   int
		prefix string
	}{{0, "p-"}, {1, "v-"}} {
		resp, err := c.Plugin.GetPluginToken(ctx, tc.kind)
		if err != nil || resp.StatusCode != 200 || resp.Error == nil || !resp.Success() || resp.Data == nil ||
			!strings.HasPrefix(resp.Data.Token, tc.prefix) || resp.Data.ExpireTime != 7200 {
			t.Fatalf("type %d: %v %s", tc.kind, err, resp.RawBody)
		}
	}
	resp, err := c.Plugin.GetPluginToken(ctx, 2)
	if err != nil || resp.StatusCode != 200 || resp.Error.Code != 20006 || resp.Error.Msg != "Invalid Param" || resp.Success() {
		t.Fatalf("type 2: %v %s", err, resp.RawBody)
	}

	wrong := newClientOf(t, mock, feishumock.PluginID, "not-the-secret")
	resp, err = wrong.Plugin.GetPluginToken(ctx, 0)
	if err != nil || resp.StatusCode != 200 || resp.Error.Code != 10001 || resp.Success() || resp.Data == nil || resp.Data.Token != "" {
		t.Fatalf("wrong secret: %v %s", err, resp.RawBody)
	}
	unknown := newClientOf(t, mock, "MII_NO_SUCH_PLUGIN", feishumock.PluginSecret)
	resp, err = unknown.Plugin.GetPluginToken(ctx, 0)
	if err != nil || resp.Error.Code != 10001 {
		t.Fatalf("unknown plugin: %v %s", err, resp.RawBody)
	}
}

// The token manager (core/tokenmanager.go) fails every call of a client with a wrong secret
// before sending it: plugin_token's refusal is the call's Go error.
func TestAWrongPluginSecretFailsEveryCallBeforeItIsSent(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClientOf(t, mock, feishumock.PluginID, "not-the-secret")
	_, err := c.Attachment.UploadAttachment(ctx, storyUpload("a.txt", "text/plain", []byte("a")).Build(), asUser())
	var refused *core.AccessTokenErr
	if !errors.As(err, &refused) || refused.Code != 10001 || refused.Msg != "No Permission" {
		t.Fatalf("want the token manager's AccessTokenErr 10001, got %v", err)
	}
	if n := calls(t, mock, tokenPath); n != 1 {
		t.Fatalf("plugin_token calls: %d", n)
	}
	if got := mock.Requests("project.work_item.file.upload", feishumock.AnyCode); len(got) != 1 {
		t.Fatalf("only the token request reaches the emulator: %+v", got)
	}
}

// The token manager asks once and sends the cached token as X-PLUGIN-TOKEN; it keeps it for
// expire_time minus 3 minutes of wall time and never retries a refused one, so a token the
// emulator's clock has expired is refused (10022, HTTP 401) call after call.
func TestTheTokenManagerFetchesOnceAndAnExpiredTokenIsRefusedWithoutRetry(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	for i := 0; i < 3; i++ {
		resp := upload(t, c, storyUpload(name(i), "text/plain", []byte("a")), asUser())
		wantCode(t, "upload", resp.APIResp, resp.CodeError, 200, 0, "")
	}
	if n := calls(t, mock, tokenPath); n != 1 {
		t.Fatalf("plugin_token calls: %d, want 1", n)
	}
	mock.AdvanceClock(7200)
	for i := 0; i < 2; i++ {
		resp := upload(t, c, storyUpload("late.txt", "text/plain", []byte("a")), asUser())
		wantCode(t, "expired plugin token", resp.APIResp, resp.CodeError, 401, 10022, "")
	}
	if n := calls(t, mock, tokenPath); n != 1 {
		t.Fatalf("plugin_token calls after the expiry: %d, want 1 (no retry)", n)
	}
	if n := len(mock.Files()); n != 3 {
		t.Fatalf("stored: %d", n)
	}
}

// A plugin token acts for the user in X-USER-KEY and needs one; a virtual token
// (WithAccessTokenType(AccessTokenTypeVirtualPlugin)) may leave it out.
func TestAPluginTokenNeedsXUserKeyAndAVirtualTokenDoesNot(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	resp := upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")))
	wantCode(t, "plugin token without X-USER-KEY", resp.APIResp, resp.CodeError, 403, 10001, "")
	resp = upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")), core.WithUserKey("7999999999999999999"))
	wantCode(t, "a user key of no user", resp.APIResp, resp.CodeError, 403, 10001, "")
	resp = upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")), asUser())
	wantCode(t, "plugin token with X-USER-KEY", resp.APIResp, resp.CodeError, 200, 0, "")

	// A new client (and cache): the SDK's cache key is the plugin id alone, not the type.
	v := newClient(t, mock, sdk.WithAccessTokenType(core.AccessTokenTypeVirtualPlugin))
	resp = upload(t, v, storyUpload("v.txt", "text/plain", []byte("v")))
	wantCode(t, "virtual token without X-USER-KEY", resp.APIResp, resp.CodeError, 200, 0, "")
	if n := calls(t, mock, tokenPath); n != 2 {
		t.Fatalf("plugin_token calls: %d, want one per client", n)
	}
}

// core.WithAccessToken replaces the token manager's token; one never issued is 10022.
func TestATokenNeverIssuedIsRefusedWithCheckTokenFailed(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	resp := upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")), asUser(),
		core.WithAccessToken("p-00000000-0000-4000-8000-000000000000"))
	wantCode(t, "a token never issued", resp.APIResp, resp.CodeError, 401, 10022, "")
	if n := calls(t, mock, tokenPath); n != 0 {
		t.Fatalf("the SDK fetched a token although one was given: %d", n)
	}
}

// X-Mock-Error-Code on plugin_token answers in plugin_token's own envelope (HTTP 200), which
// the SDK reads: GetPluginToken gets the code, the token manager turns it into the call's Go
// error. A code plugin_token does not answer is refused by the control plane.
func TestAForcedPluginTokenErrorIsAnsweredInTheTokenEnvelope(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	for _, code := range []int{10001, 20006} {
		resp, err := c.Plugin.GetPluginToken(ctx, 0, forced(mock, int64(code)))
		if err != nil {
			t.Fatalf("forced %d: Go error %v", code, err)
		}
		if resp.StatusCode != 200 || resp.Error == nil || resp.Error.Code != code || resp.Success() {
			t.Fatalf("forced %d: %v %s", code, err, resp.RawBody)
		}
	}
	// The control plane's 400 {"error":"…","documented_codes":[…]} is no token envelope: the
	// SDK cannot read it, and says so.
	if resp, err := c.Plugin.GetPluginToken(ctx, 0, forced(mock, 1000050262)); err == nil {
		t.Fatalf("an upload code on plugin_token must be refused by the control plane: %s", resp.RawBody)
	}
	got := mock.Requests("", feishumock.AnyCode)
	if last := got[len(got)-1]; last.Path != tokenPath || last.Status != 400 || last.Code != nil {
		t.Fatalf("journal: %+v", last)
	}
}

// sdk.WithHeaders is sent on every request of the client, the token manager's plugin_token
// included (core/reqtranslator.go newHTTPRequest): an upload code forced client-wide reaches
// plugin_token first, which is the control plane's 400 there, so the call fails with a Go
// error before the upload is sent (never a body the token manager dereferences as nil).
// Force errors per request, with core.WithHeaders.
func TestAnErrorForcedClientWideStopsAtThePluginTokenCall(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock, sdk.WithHeaders(mock.ErrorHeader(1000050262)))
	if _, err := c.Attachment.UploadAttachment(ctx, storyUpload("a.txt", "text/plain", []byte("a")).Build(), asUser()); err == nil {
		t.Fatal("the token manager read the control plane's answer as a token")
	}
	got := mock.Requests("", feishumock.AnyCode)
	if len(got) != 1 || got[0].Path != tokenPath || got[0].Status != 400 {
		t.Fatalf("journal: %+v", got)
	}
}
