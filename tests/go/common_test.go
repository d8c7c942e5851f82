package sdk

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
	lark "github.com/larksuite/oapi-sdk-go/v3"
	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
)

var ctx = context.Background()

// testLogger sends the SDK's own log lines to the test log (shown on failure or with -v).
type testLogger struct{ t testing.TB }

func (l testLogger) Debug(_ context.Context, args ...interface{}) {}
func (l testLogger) Info(_ context.Context, args ...interface{})  {}
func (l testLogger) Warn(_ context.Context, args ...interface{}) {
	l.t.Log(append([]any{"sdk warn:"}, args...)...)
}
func (l testLogger) Error(_ context.Context, args ...interface{}) {
	l.t.Log(append([]any{"sdk error:"}, args...)...)
}

// newClient is the official client for the emulator, exactly as for Feishu but for
// lark.WithOpenBaseUrl, with its own token cache (feishumock.TokenCache): the SDK's default
// cache is process-wide and keyed by app id and secret, not by base URL. larkcore.NewCache
// makes the latest client's cache the process-wide one, so these tests build their clients
// after starting their emulator and never run in parallel.
func newClient(t testing.TB, mock *feishumock.Mock, appID string) *lark.Client {
	return newClientWithSecret(t, mock, appID, feishumock.AppSecret)
}

func newClientWithSecret(t testing.TB, mock *feishumock.Mock, appID, secret string) *lark.Client {
	return lark.NewClient(appID, secret,
		lark.WithOpenBaseUrl(mock.URL),
		lark.WithTokenCache(feishumock.NewTokenCache()),
		lark.WithLogger(testLogger{t}),
		lark.WithLogLevel(larkcore.LogLevelWarn),
		lark.WithReqTimeout(2*time.Minute))
}

// forced is the SDK request option that sends X-Mock-Error-Code: code.
func forced(mock *feishumock.Mock, code int64) larkcore.RequestOptionFunc {
	return larkcore.WithHeaders(mock.ErrorHeader(code))
}

// mustSucceed fails unless the call returned no error and code 0.
func mustSucceed(t testing.TB, what string, err error, resp interface{ Success() bool }, ce *larkcore.CodeError) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: SDK error %v", what, err)
	}
	if !resp.Success() {
		t.Fatalf("%s: code %d msg %q", what, ce.Code, ce.Msg)
	}
}

// wantCode checks the SDK's view of a refused call: no Go error, Success() false, the
// documented code and msg, the HTTP status, and a log id in the error object.
func wantCode(t testing.TB, what string, err error, apiResp *larkcore.ApiResp, ce larkcore.CodeError, code int, msg string, status int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: SDK error %v (want code %d)", what, err, code)
	}
	if ce.Code != code || (msg != "" && ce.Msg != msg) {
		t.Fatalf("%s: code %d msg %q, want %d %q", what, ce.Code, ce.Msg, code, msg)
	}
	if apiResp == nil || apiResp.StatusCode != status {
		got := 0
		if apiResp != nil {
			got = apiResp.StatusCode
		}
		t.Fatalf("%s: HTTP %d, want %d", what, got, status)
	}
	if ce.Err == nil || ce.Err.LogID == "" {
		t.Fatalf("%s: no error.log_id in %+v", what, ce)
	}
	if apiResp.RequestId() == "" {
		t.Fatalf("%s: no X-Tt-Logid header", what)
	}
}

// journaled checks that the emulator saw exactly n requests to endpoint answered with code.
func journaled(t testing.TB, mock *feishumock.Mock, endpoint string, code int64, n int) []feishumock.Request {
	t.Helper()
	got := mock.Requests(endpoint, code)
	if len(got) != n {
		t.Fatalf("journal %s code %d: %d entries, want %d: %+v", endpoint, code, len(got), n, got)
	}
	return got
}

// fetch GETs a link handed out by the emulator (no Authorization), returning status and body.
func fetch(t testing.TB, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func num(p *int) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}
