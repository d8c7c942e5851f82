package projectsdk

import (
	"strings"
	"testing"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
	sdk "github.com/larksuite/project-oapi-sdk-golang"
	"github.com/larksuite/project-oapi-sdk-golang/core"
	"github.com/larksuite/project-oapi-sdk-golang/service/plugin"
)

func userToken(t testing.TB, c *sdk.Client, code string, opts ...core.RequestOptionFunc) *plugin.GetUserPluginTokenResp {
	t.Helper()
	resp, err := c.Plugin.GetUserPluginToken(ctx, code, opts...)
	if err != nil {
		t.Fatalf("GetUserPluginToken: Go error %v", err)
	}
	if resp.StatusCode != 200 || resp.Error == nil {
		t.Fatalf("GetUserPluginToken: the token envelope with HTTP 200, got %d %s", resp.StatusCode, resp.RawBody)
	}
	return resp
}

func refresh(t testing.TB, c *sdk.Client, b *plugin.RefreshTokenReqBuilder, opts ...core.RequestOptionFunc) *plugin.RefreshTokenResp {
	t.Helper()
	resp, err := c.Plugin.RefreshToken(ctx, b.Build(), opts...)
	if err != nil {
		t.Fatalf("RefreshToken: Go error %v", err)
	}
	if resp.StatusCode != 200 || resp.Error == nil {
		t.Fatalf("RefreshToken: the token envelope with HTTP 200, got %d %s", resp.StatusCode, resp.RawBody)
	}
	return resp
}

// Emulated from the SDK (assumed, specs/project.work_item.file.upload.json): a single-use
// authorization code buys a user plugin token (u-, 7200 s) and a single-use refresh token;
// RefreshToken (type 1) trades the refresh token for a new pair. A user plugin token acts as
// its user without X-USER-KEY.
func TestGetUserPluginTokenTradesACodeAndRefreshTokenRenewsThePair(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	code := mock.ProjectAuthCode(feishumock.PluginID, feishumock.UserKey)
	got := userToken(t, c, code)
	u := got.Data
	if got.Error.Code != 0 || u == nil || !strings.HasPrefix(u.Token, "u-") || u.ExpireTime != 7200 ||
		u.UserKey != feishumock.UserKey || u.RefreshToken == "" || u.RefreshTokenExpireTime != 14*24*3600 || u.TenantKey == "" {
		t.Fatalf("user_plugin_token: %s", got.RawBody)
	}
	if n := calls(t, mock, tokenPath); n != 1 {
		t.Fatalf("the call carries the token manager's plugin token: %d plugin_token calls", n)
	}
	if again := userToken(t, c, code); again.Error.Code != 10001 || again.Error.Msg != "No Permission" {
		t.Fatalf("a used code: %s", again.RawBody)
	}

	up := upload(t, c, storyUpload("u.txt", "text/plain", []byte("u")), core.WithAccessToken(u.Token))
	wantCode(t, "upload with the user plugin token", up.APIResp, up.CodeError, 200, 0, "")
	up = upload(t, c, storyUpload("u.txt", "text/plain", []byte("u")), core.WithAccessToken(u.Token),
		core.WithUserKey("7999999999999999999"))
	wantCode(t, "a user plugin token with a key of no user", up.APIResp, up.CodeError, 403, 10001, "")

	next := refresh(t, c, plugin.NewRefreshTokenReqBuilder().RefreshToken(u.RefreshToken).TokenType(1))
	r := next.Data
	if next.Error.Code != 0 || r == nil || !strings.HasPrefix(r.Token, "u-") || r.Token == u.Token ||
		r.RefreshToken == "" || r.RefreshToken == u.RefreshToken || r.ExpireTime != 7200 || r.RefreshTokenExpireTime != 14*24*3600 {
		t.Fatalf("refresh_token: %s", next.RawBody)
	}
	if strings.Contains(string(next.RawBody), "user_key") {
		t.Fatalf("RefreshToken's answer has no user_key: %s", next.RawBody)
	}
	up = upload(t, c, storyUpload("r.txt", "text/plain", []byte("r")), core.WithAccessToken(r.Token))
	wantCode(t, "upload with the refreshed token", up.APIResp, up.CodeError, 200, 0, "")
	if again := refresh(t, c, plugin.NewRefreshTokenReqBuilder().RefreshToken(u.RefreshToken).TokenType(1)); again.Error.Code != 10001 {
		t.Fatalf("a used refresh token: %s", again.RawBody)
	}
	// TokenType left at 0 is dropped by the SDK's omitempty (RefreshTokenReqBody): refused.
	if bad := refresh(t, c, plugin.NewRefreshTokenReqBuilder().RefreshToken(r.RefreshToken)); bad.Error.Code != 20006 || bad.Error.Msg != "Invalid Param" {
		t.Fatalf("refresh_token without type: %s", bad.RawBody)
	}
	// The refusal did not use the refresh token up.
	if ok := refresh(t, c, plugin.NewRefreshTokenReqBuilder().RefreshToken(r.RefreshToken).TokenType(1)); ok.Error.Code != 0 {
		t.Fatalf("refresh after a refused one: %s", ok.RawBody)
	}
}

// Codes live 300 s of emulator time and belong to one plugin; both calls check
// X-PLUGIN-TOKEN first (10022 in the token envelope, HTTP 200).
func TestUserPluginTokenRefusals(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	if got := userToken(t, c, "no-such-code"); got.Error.Code != 10001 {
		t.Fatalf("unknown code: %s", got.RawBody)
	}
	if got := userToken(t, c, ""); got.Error.Code != 20006 {
		t.Fatalf("empty code: %s", got.RawBody)
	}
	code := mock.ProjectAuthCode(feishumock.PluginID, feishumock.UserKey)
	never := core.WithAccessToken("p-00000000-0000-4000-8000-000000000000")
	if got := userToken(t, c, code, never); got.Error.Code != 10022 || got.Error.Msg != "Check Token Failed" {
		t.Fatalf("a plugin token never issued: %s", got.RawBody)
	}
	if got := refresh(t, c, plugin.NewRefreshTokenReqBuilder().RefreshToken("r").TokenType(1), never); got.Error.Code != 10022 {
		t.Fatalf("refresh with a plugin token never issued: %s", got.RawBody)
	}
	// The code was not used by the refusal; 300 s later it has expired.
	mock.AdvanceClock(301)
	if got := userToken(t, c, code); got.Error.Code != 10001 {
		t.Fatalf("an expired code: %s", got.RawBody)
	}
	code = mock.ProjectAuthCode(feishumock.PluginID, feishumock.UserKey)
	mock.AdvanceClock(299)
	if got := userToken(t, c, code); got.Error.Code != 0 {
		t.Fatalf("a code 299 s old: %s", got.RawBody)
	}
}

// X-Mock-Error-Code on the user token calls answers in their token envelope with HTTP 200,
// as their real refusals do, so the typed answer carries the code.
func TestAForcedUserTokenErrorIsAnsweredInTheTokenEnvelope(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	code := mock.ProjectAuthCode(feishumock.PluginID, feishumock.UserKey)
	for _, forcedCode := range []int{10022, 10001, 20006} {
		if got := userToken(t, c, code, forced(mock, int64(forcedCode))); got.Error.Code != forcedCode {
			t.Fatalf("forced %d: %s", forcedCode, got.RawBody)
		}
		if got := refresh(t, c, plugin.NewRefreshTokenReqBuilder().RefreshToken("r").TokenType(1), forced(mock, int64(forcedCode))); got.Error.Code != forcedCode {
			t.Fatalf("forced %d on refresh_token: %s", forcedCode, got.RawBody)
		}
	}
	// The forced answers did not use the code.
	if got := userToken(t, c, code); got.Error.Code != 0 {
		t.Fatalf("the code after forced errors: %s", got.RawBody)
	}
}
