package projectsdk

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
	sdk "github.com/larksuite/project-oapi-sdk-golang"
	"github.com/larksuite/project-oapi-sdk-golang/core"
	"github.com/larksuite/project-oapi-sdk-golang/service/attachment"
)

// The default world's Feishu Project objects (specs/world.json).
const (
	space      = feishumock.ProjectKey
	spaceAlias = "doc" // the space's simple_name
	story      = int64(6437110001)
	otherStory = int64(6437110002)
	anIssue    = int64(6437110101) // a work item of type "issue"
	attachKey  = "field_attachment"
	uuidHeader = "X-Mock-Attachment-Uuid"
)

var ctx = context.Background()

// testLogger sends the SDK's log lines to the test's log.
type testLogger struct{ t testing.TB }

func (l testLogger) Debug(_ context.Context, a ...interface{}) {
	l.t.Log(append([]any{"debug"}, a...)...)
}
func (l testLogger) Info(_ context.Context, a ...interface{}) {
	l.t.Log(append([]any{"info"}, a...)...)
}
func (l testLogger) Warn(_ context.Context, a ...interface{}) {
	l.t.Log(append([]any{"warn"}, a...)...)
}
func (l testLogger) Error(_ context.Context, a ...interface{}) {
	l.t.Log(append([]any{"error"}, a...)...)
}

// newClient is the SDK's client for the default world's plugin on this test's emulator, with
// a token cache of its own: the SDK's default cache is process-wide and keyed by plugin id
// alone (core/cache.go, core/tokenmanager.go accessTokenKey), so a token of an earlier test's
// emulator would otherwise be sent here. WithTokenCache replaces the process-wide cache for
// every client (core/cache.go NewCache), so a test uses one client at a time.
func newClient(t testing.TB, mock *feishumock.Mock, opts ...sdk.ClientOptionFunc) *sdk.Client {
	t.Helper()
	return newClientOf(t, mock, feishumock.PluginID, feishumock.PluginSecret, opts...)
}

func newClientOf(t testing.TB, mock *feishumock.Mock, id, secret string, opts ...sdk.ClientOptionFunc) *sdk.Client {
	t.Helper()
	base := []sdk.ClientOptionFunc{
		sdk.WithOpenBaseUrl(mock.URL),
		sdk.WithTokenCache(feishumock.NewTokenCache()),
		sdk.WithLogger(testLogger{t}),
		sdk.WithReqTimeout(2 * time.Minute),
	}
	return sdk.NewClient(id, secret, append(base, opts...)...)
}

// asUser is core.WithUserKey of the default world's Project user.
func asUser() core.RequestOptionFunc { return core.WithUserKey(feishumock.UserKey) }

// forced makes the emulator answer this one request with `code` (X-Mock-Error-Code),
// through the SDK's per-request headers.
func forced(mock *feishumock.Mock, code int64) core.RequestOptionFunc {
	return core.WithHeaders(mock.ErrorHeader(code))
}

// storyUpload is an UploadAttachment request for the story's attachment field with one file.
func storyUpload(name, mimeType string, data []byte) *attachment.UploadAttachmentReqBuilder {
	return attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").
		WorkItemID(story).FieldKey(attachKey).FileWithFileName(name, readerOf(data)).FileMimeType(mimeType)
}

// readerOf is a plain io.Reader (not an *os.File: the SDK names files only by builder).
func readerOf(data []byte) io.Reader { return &onlyReader{data: data} }

type onlyReader struct{ data []byte }

func (r *onlyReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func upload(t testing.TB, c *sdk.Client, b *attachment.UploadAttachmentReqBuilder, opts ...core.RequestOptionFunc) *attachment.UploadAttachmentResp {
	t.Helper()
	resp, err := c.Attachment.UploadAttachment(ctx, b.Build(), opts...)
	if err != nil {
		t.Fatalf("UploadAttachment: Go error %v", err)
	}
	return resp
}

func download(t testing.TB, c *sdk.Client, project string, item int64, uuid string, opts ...core.RequestOptionFunc) *attachment.DownloadAttachmentResp {
	t.Helper()
	req := attachment.NewDownloadAttachmentReqBuilder().ProjectKey(project).WorkItemTypeKey("story").
		WorkItemID(item).UUID(uuid).Build()
	resp, err := c.Attachment.DownloadAttachment(ctx, req, opts...)
	if err != nil {
		t.Fatalf("DownloadAttachment: Go error %v", err)
	}
	return resp
}

func special(t testing.TB, c *sdk.Client, b *attachment.SpecialUploadAttachmentReqBuilder, opts ...core.RequestOptionFunc) *attachment.SpecialUploadAttachmentResp {
	t.Helper()
	resp, err := c.Attachment.SpecialUploadAttachment(ctx, b.Build(), opts...)
	if err != nil {
		t.Fatalf("SpecialUploadAttachment: Go error %v", err)
	}
	return resp
}

// wantCode checks a typed answer of a Project route: the HTTP status, CodeError's err_code
// (and err_msg when given), and for a refusal the inner err.code and a log id that is also
// the answer's request id (X-Tt-Logid).
func wantCode(t testing.TB, what string, api *core.APIResp, ce core.CodeError, status, code int, msg string) {
	t.Helper()
	if api == nil {
		t.Fatalf("%s: no APIResp", what)
	}
	bad := api.StatusCode != status || ce.ErrCode != code || ce.Success() != (code == 0) ||
		(msg != "" && ce.ErrMsg != msg)
	if code != 0 && (ce.Err.Code != code || ce.Err.LogID == "" || ce.Err.LogID != api.RequestId()) {
		bad = true
	}
	if bad {
		t.Fatalf("%s: HTTP %d %s (request id %q), want HTTP %d err_code %d %q", what, api.StatusCode, api.RawBody,
			api.RequestId(), status, code, msg)
	}
}

// calls is the number of requests to path in the emulator's journal.
func calls(t testing.TB, mock *feishumock.Mock, path string) int {
	t.Helper()
	n := 0
	for _, e := range mock.Requests("", feishumock.AnyCode) {
		if e.Path == path {
			n++
		}
	}
	return n
}

// fetch GETs a link the emulator handed out, without credentials.
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

// pattern streams n bytes of 'p' without holding them in memory.
type pattern struct{ left int64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	for i := range b {
		b[i] = 'p'
	}
	p.left -= int64(len(b))
	return len(b), nil
}

func name(i int) string { return fmt.Sprintf("%02d.txt", i) }
