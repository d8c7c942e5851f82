package sdk

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkauth "github.com/larksuite/oapi-sdk-go/v3/service/auth/v3"
	larkdrive "github.com/larksuite/oapi-sdk-go/v3/service/drive/v1"
)

func TestTenantTokenTypedCallsAnswerAtTopLevel(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)

	typed, err := client.GetTenantAccessTokenBySelfBuiltApp(ctx, &larkcore.SelfBuiltTenantAccessTokenReq{
		AppID: mock.AppID, AppSecret: mock.AppSecret})
	if err != nil || typed.Code != 0 || !strings.HasPrefix(typed.TenantAccessToken, "t-") || typed.Expire != 7200 {
		t.Fatalf("GetTenantAccessTokenBySelfBuiltApp: %v %+v", err, typed)
	}

	// The generated auth/v3 call: code 0; the token is at the body's top level (as on Feishu),
	// so the generated Data member stays nil and the token is read from the raw body.
	resp, err := client.Auth.V3.TenantAccessToken.Internal(ctx, larkauth.NewInternalTenantAccessTokenReqBuilder().
		Body(larkauth.NewInternalTenantAccessTokenReqBodyBuilder().AppId(mock.AppID).AppSecret(mock.AppSecret).Build()).Build())
	mustSucceed(t, "tenant_access_token/internal", err, resp, &resp.CodeError)
	var top struct {
		Token  string `json:"tenant_access_token"`
		Expire int    `json:"expire"`
	}
	if err := json.Unmarshal(resp.RawBody, &top); err != nil || top.Token != typed.TenantAccessToken || top.Expire > 7200 || top.Expire < 7100 {
		t.Fatalf("the same token is handed out again while 30 minutes remain: %s (first %s)", resp.RawBody, typed.TenantAccessToken)
	}

	bad, err := client.Auth.V3.TenantAccessToken.Internal(ctx, larkauth.NewInternalTenantAccessTokenReqBuilder().
		Body(larkauth.NewInternalTenantAccessTokenReqBodyBuilder().AppId(mock.AppID).AppSecret("wrong").Build()).Build())
	if err != nil || bad.Code != 10003 || bad.StatusCode != 200 {
		t.Fatalf("wrong secret: %v %+v", err, bad)
	}
}

func TestTheSDKFetchesTheTenantTokenOnceAndCachesIt(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	for i := 0; i < 3; i++ {
		resp, err := uploadAll(client, allBody("a.txt", docNode, []byte("abc")).Build())
		mustSucceed(t, "upload_all", err, resp, &resp.CodeError)
	}
	journaled(t, mock, "auth.tenant_access_token", 0, 1)
	for _, e := range journaled(t, mock, "drive.media.upload_all", 0, 3) {
		if str(e.Caller) != "app:"+mock.AppID {
			t.Fatalf("caller %q", str(e.Caller))
		}
	}
}

func TestAnExpiredTokenIsRefusedAndTheSDKRetriesOnceWithItsCachedToken(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	resp, err := uploadAll(client, allBody("a.txt", docNode, []byte("abc")).Build())
	mustSucceed(t, "upload_all", err, resp, &resp.CodeError)
	mock.AdvanceClock(7200)
	// The SDK caches by wall time: its token is still fresh to it, expired to the emulator.
	resp, err = uploadAll(client, allBody("a.txt", docNode, []byte("abc")).Build())
	wantCode(t, "expired tenant token", err, resp.ApiResp, resp.CodeError, 99991663, "", 400)
	// 99991663 makes the SDK send the request once more (core/httptransport.go doRequest), with
	// the same cached token: two refusals, no new token fetched.
	journaled(t, mock, "drive.media.upload_all", 99991663, 2)
	journaled(t, mock, "auth.tenant_access_token", 0, 1)
}

func TestWrongAppSecretFailsTheCallBeforeItIsSent(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClientWithSecret(t, mock, mock.AppID, "not-the-secret")
	_, err := uploadAll(client, allBody("a.txt", docNode, []byte("abc")).Build())
	var ce larkcore.CodeError
	if !errors.As(err, &ce) || ce.Code != 10003 {
		t.Fatalf("want the token call's CodeError 10003, got %T %v", err, err)
	}
	journaled(t, mock, "auth.tenant_access_token", 10003, 1)
	journaled(t, mock, "drive.media.upload_all", feishumock.AnyCode, 0)
}

func TestUserAccessTokenThroughTheRequestOption(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	resp, err := uploadAll(client, allBody("a.txt", docNode, []byte("abc")).Build(),
		larkcore.WithUserAccessToken(mock.UserAccessToken))
	mustSucceed(t, "upload_all as the user", err, resp, &resp.CodeError)
	e := journaled(t, mock, "drive.media.upload_all", 0, 1)[0]
	if !strings.HasPrefix(str(e.Caller), "user:") {
		t.Fatalf("caller %q", str(e.Caller))
	}
	links, err := client.Drive.V1.Media.BatchGetTmpDownloadUrl(ctx, larkdrive.NewBatchGetTmpDownloadUrlMediaReqBuilder().
		FileTokens([]string{str(resp.Data.FileToken)}).Build(), larkcore.WithUserAccessToken("u-not-issued"))
	wantCode(t, "unknown user token", err, links.ApiResp, links.CodeError, 99991668, "", 400)
	journaled(t, mock, "auth.tenant_access_token", feishumock.AnyCode, 0)
}
