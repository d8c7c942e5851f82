package projectsdk

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
	"github.com/larksuite/project-oapi-sdk-golang/core"
	"github.com/larksuite/project-oapi-sdk-golang/service/attachment"
)

func readAll(t testing.TB, r io.Reader) []byte {
	t.Helper()
	if r == nil {
		return nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Seed 003: the upload answers {"err":{},"err_msg":"","err_code":0}, no data; the file keeps
// the part's filename (FileWithFileName) and Content-Type (FileMimeType), and the download
// (FOLLOWUP_APIS §4) gives both back.
func TestUploadAttachmentKeepsFileNameAndMimeTypeAndDownloadAttachmentGivesThemBack(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	pdf := []byte("%PDF-1.4 design review")
	up := upload(t, c, storyUpload("设计 review.pdf", "application/pdf", pdf), asUser())
	wantCode(t, "upload", up.APIResp, up.CodeError, 200, 0, "")
	if string(up.RawBody) != `{"err":{},"err_msg":"","err_code":0}` || up.ErrMsg != "" || up.Err.Code != 0 {
		t.Fatalf("seed 003's answer, without data: %s", up.RawBody)
	}
	uuid := up.Header.Get(uuidHeader)
	var e feishumock.Request
	for _, entry := range mock.Requests("project.work_item.file.upload", 0) {
		if strings.HasSuffix(entry.Path, "/file/upload") {
			e = entry // the other entry is the token manager's plugin_token call
		}
	}
	if len(e.Parts) != 1 || e.Parts[0].Name != "file" || str(e.Parts[0].Filename) != "设计 review.pdf" ||
		str(e.Parts[0].ContentType) != "application/pdf" || e.MockHeaders[uuidHeader] != uuid || uuid == "" {
		t.Fatalf("journal %+v", e)
	}

	down := download(t, c, space, story, uuid, asUser())
	if down.StatusCode != 200 || down.FileName != "设计 review.pdf" || !bytes.Equal(readAll(t, down.File), pdf) ||
		down.Header.Get("Content-Type") != "application/pdf" || !down.Success() {
		t.Fatalf("download: %d %q %v", down.StatusCode, down.FileName, down.Header)
	}

	// File (no name) and no FileMimeType, by the space's simple_name and the field's alias:
	// the SDK's defaults go up and come back.
	b := attachment.NewUploadAttachmentReqBuilder().ProjectKey(spaceAlias).WorkItemTypeKey("story").
		WorkItemID(story).FieldAlias("attachment").File(readerOf([]byte("raw")))
	up = upload(t, c, b, asUser())
	wantCode(t, "upload by simple_name and field_alias", up.APIResp, up.CodeError, 200, 0, "")
	down = download(t, c, spaceAlias, story, up.Header.Get(uuidHeader), asUser())
	if down.StatusCode != 200 || down.FileName != "unknown-file" || string(readAll(t, down.File)) != "raw" ||
		down.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("download of the default part: %d %q %v", down.StatusCode, down.FileName, down.Header)
	}
}

// A download that is not a file is the JSON envelope the SDK reads into CodeError: 20006
// for a uuid the work item does not hold, 1000050190 without one, the path's own codes.
func TestDownloadAttachmentRefusals(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	up := upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")), asUser())
	wantCode(t, "upload", up.APIResp, up.CodeError, 200, 0, "")
	uuid := up.Header.Get(uuidHeader)

	for _, tc := range []struct {
		what    string
		project string
		item    int64
		uuid    string
		status  int
		code    int
	}{
		{"a uuid never issued", space, story, "00000000-0000-4000-8000-000000000000", 400, 20006},
		{"another work item's attachment", space, otherStory, uuid, 400, 20006},
		{"no uuid", space, story, "", 400, 1000050190},
		{"unknown space", "no_such_space", story, uuid, 400, 1000050255},
		{"an issue addressed as a story", space, anIssue, uuid, 400, 30005},
	} {
		down := download(t, c, tc.project, tc.item, tc.uuid, asUser())
		wantCode(t, tc.what, down.APIResp, down.CodeError, tc.status, tc.code, "")
		if down.File != nil || down.FileName != "" {
			t.Fatalf("%s: a refusal is not a file", tc.what)
		}
	}
	down := download(t, c, space, story, uuid, asUser(), forced(mock, 1000050255))
	wantCode(t, "forced 1000050255", down.APIResp, down.CodeError, 400, 1000050255, "")
	down = download(t, c, space, story, uuid)
	wantCode(t, "plugin token without X-USER-KEY", down.APIResp, down.CodeError, 403, 10001, "")
	down = download(t, c, space, story, uuid, asUser())
	if down.StatusCode != 200 || string(readAll(t, down.File)) != "a" {
		t.Fatalf("the refusals changed nothing: %d %s", down.StatusCode, down.RawBody)
	}
}

// Seed 003's refusals of the work-item upload, each provoked through the typed call, and one
// forced with X-Mock-Error-Code through core.WithHeaders.
func TestUploadAttachmentRefusals(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	file := func() io.Reader { return readerOf([]byte("a")) }
	for _, tc := range []struct {
		what   string
		b      *attachment.UploadAttachmentReqBuilder
		status int
		code   int
		msg    string
	}{
		{"unknown space", attachment.NewUploadAttachmentReqBuilder().ProjectKey("no_such_space").WorkItemTypeKey("story").
			WorkItemID(story).FieldKey(attachKey).FileWithFileName("a.txt", file()), 400, 1000050255, "ErrAPIProjectNotFound"},
		{"unknown work item type", attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("epic").
			WorkItemID(story).FieldKey(attachKey).FileWithFileName("a.txt", file()), 400, 20003, ""},
		{"an issue addressed as a story", attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").
			WorkItemID(anIssue).FieldKey(attachKey).FileWithFileName("a.txt", file()), 400, 30005, ""},
		{"unknown field", attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").
			WorkItemID(story).FieldKey("field_nope").FileWithFileName("a.txt", file()), 400, 1000050190, "ErrAPIUnSetForm"},
		{"a field that holds no attachments", attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").
			WorkItemID(story).FieldKey("field_description").FileWithFileName("a.txt", file()), 400, 1000050190, ""},
		{"an unknown field alias", attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").
			WorkItemID(story).FieldAlias("nope").FileWithFileName("a.txt", file()), 400, 1000050190, ""},
		{"neither field_key nor field_alias", attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").
			WorkItemID(story).FileWithFileName("a.txt", file()), 400, 1000050190, ""},
		{"no file", attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").
			WorkItemID(story).FieldKey(attachKey), 400, 1000050190, ""},
		// FileWithFileName twice with two names: the SDK sends two "file" parts.
		{"two files", storyUpload("a.txt", "text/plain", []byte("a")).FileWithFileName("b.txt", file()), 400, 1000050174, ""},
	} {
		resp := upload(t, c, tc.b, asUser())
		wantCode(t, tc.what, resp.APIResp, resp.CodeError, tc.status, tc.code, tc.msg)
	}
	resp := upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")), asUser(), forced(mock, 1000050262))
	wantCode(t, "forced 1000050262", resp.APIResp, resp.CodeError, 400, 1000050262, "ErrAPIUploadError")
	if n := len(mock.Files()); n != 0 {
		t.Fatalf("a refused upload stored a file: %d", n)
	}
	resp = upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")), asUser())
	wantCode(t, "and then the upload", resp.APIResp, resp.CodeError, 200, 0, "")
}

// Seed 003 note 3: an attachment field holds 50 attachments; the 51st fails (1000050262,
// code assumed) and nothing is stored.
func TestAnAttachmentFieldHoldsFiftyAttachments(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	for i := 1; i <= 50; i++ {
		resp := upload(t, c, storyUpload(name(i), "text/plain", []byte{byte(i)}), asUser())
		wantCode(t, fmt.Sprintf("attachment %d", i), resp.APIResp, resp.CodeError, 200, 0, "")
	}
	resp := upload(t, c, storyUpload("51.txt", "text/plain", []byte("51")), asUser())
	wantCode(t, "the 51st attachment", resp.APIResp, resp.CodeError, 400, 1000050262, "")
	if n := len(mock.Files()); n != 50 {
		t.Fatalf("stored: %d", n)
	}
	// The same work item's other story is not full.
	other := attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").
		WorkItemID(otherStory).FieldKey(attachKey).FileWithFileName("51.txt", readerOf([]byte("51")))
	resp = upload(t, c, other, asUser())
	wantCode(t, "another work item's field", resp.APIResp, resp.CodeError, 200, 0, "")
}

// Seed 003: a file of up to 100 MB (104857600 bytes) is accepted; one byte more is refused
// with 1000050174. The SDK buffers the whole form (core/reqtranslator.go FormData.content).
func TestAFileOf100MBIsStoredAndOneBytePastIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: two 100 MB uploads")
	}
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	for _, tc := range []struct {
		size   int64
		status int
		code   int
	}{{104857600, 200, 0}, {104857601, 400, 1000050174}} {
		b := attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").
			WorkItemID(story).FieldKey(attachKey).FileWithFileName("big.bin", &pattern{tc.size})
		resp := upload(t, c, b, asUser())
		wantCode(t, fmt.Sprintf("%d bytes", tc.size), resp.APIResp, resp.CodeError, tc.status, tc.code, "")
	}
	files := mock.Files()
	if len(files) != 1 || files[0]["size"] != float64(104857600) {
		t.Fatalf("stored: %+v", files)
	}
}

// FOLLOWUP_APIS §4.4: a write repeated with the same X-IDEM-UUID within 24 hours of a
// success is 10430 (HTTP 429) and stores nothing; a refused write does not use its key up.
func TestWithIdemUUIDRefusesARepeatOfASuccessOnly(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	bad := attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").
		WorkItemID(story).FieldKey("field_nope").FileWithFileName("a.txt", readerOf([]byte("a")))
	resp := upload(t, c, bad, asUser(), core.WithIdemUUID("k1"))
	wantCode(t, "unknown field", resp.APIResp, resp.CodeError, 400, 1000050190, "")
	resp = upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")), asUser(), core.WithIdemUUID("k1"))
	wantCode(t, "a failed write does not use its key up", resp.APIResp, resp.CodeError, 200, 0, "")
	resp = upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")), asUser(), core.WithIdemUUID("k1"))
	wantCode(t, "repeat", resp.APIResp, resp.CodeError, 429, 10430, "API Request Idempotent Limit")
	resp = upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")), asUser(), core.WithIdemUUID("k2"))
	wantCode(t, "another key", resp.APIResp, resp.CodeError, 200, 0, "")
	resp = upload(t, c, storyUpload("a.txt", "text/plain", []byte("a")), asUser(), forced(mock, 10430))
	wantCode(t, "forced 10430", resp.APIResp, resp.CodeError, 429, 10430, "")
	if n := len(mock.Files()); n != 2 {
		t.Fatalf("stored: %d", n)
	}
}

// FOLLOWUP_APIS §4: the project-level upload answers data: ["<url>"] (the SDK's
// SpecialUploadAttachmentResp.Data is []string), and the link serves the bytes.
func TestSpecialUploadAttachmentAnswersAListOfOneURL(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	png := []byte("\x89PNG\r\n\x1a\n not really")
	resp := special(t, c, attachment.NewSpecialUploadAttachmentReqBuilder().ProjectKey(space).
		FileWithFileName("shot.png", readerOf(png)).FileMimeType("image/png"), asUser())
	wantCode(t, "special upload", resp.APIResp, resp.CodeError, 200, 0, "")
	if len(resp.Data) != 1 || !strings.HasPrefix(resp.Data[0], mock.URL) {
		t.Fatalf("data: %s", resp.RawBody)
	}
	if status, body := fetch(t, resp.Data[0]); status != 200 || !bytes.Equal(body, png) {
		t.Fatalf("url: %d", status)
	}
	e := mock.Requests("project.file.upload", 0)
	if len(e) != 1 || len(e[0].Parts) != 1 || str(e[0].Parts[0].Filename) != "shot.png" || str(e[0].Parts[0].ContentType) != "image/png" {
		t.Fatalf("journal: %+v", e)
	}
	// File() with the SDK's defaults; by simple_name.
	resp = special(t, c, attachment.NewSpecialUploadAttachmentReqBuilder().ProjectKey(spaceAlias).File(readerOf(png)), asUser())
	wantCode(t, "special upload by simple_name", resp.APIResp, resp.CodeError, 200, 0, "")
}

func TestSpecialUploadAttachmentRefusals(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClient(t, mock)
	png := func() io.Reader { return readerOf([]byte("png")) }
	resp := special(t, c, attachment.NewSpecialUploadAttachmentReqBuilder().ProjectKey(space).
		FileWithFileName("a.png", png()).FileWithFileName("b.png", png()), asUser())
	wantCode(t, "two file parts", resp.APIResp, resp.CodeError, 400, 1000050174, "")
	resp = special(t, c, attachment.NewSpecialUploadAttachmentReqBuilder().ProjectKey("no_such_space").
		FileWithFileName("a.png", png()), asUser())
	wantCode(t, "unknown project", resp.APIResp, resp.CodeError, 404, 30016, "")
	resp = special(t, c, attachment.NewSpecialUploadAttachmentReqBuilder().ProjectKey(space), asUser())
	wantCode(t, "no file", resp.APIResp, resp.CodeError, 400, 1000050190, "")
	resp = special(t, c, attachment.NewSpecialUploadAttachmentReqBuilder().ProjectKey(space).FileWithFileName("a.png", png()))
	wantCode(t, "plugin token without X-USER-KEY", resp.APIResp, resp.CodeError, 403, 10001, "")
	resp = special(t, c, attachment.NewSpecialUploadAttachmentReqBuilder().ProjectKey(space).
		FileWithFileName("a.png", png()), asUser(), forced(mock, 1000050262))
	wantCode(t, "forced 1000050262", resp.APIResp, resp.CodeError, 400, 1000050262, "")

	resp = special(t, c, attachment.NewSpecialUploadAttachmentReqBuilder().ProjectKey(space).
		FileWithFileName("a.png", png()), asUser(), core.WithIdemUUID("special-1"))
	wantCode(t, "first write with a key", resp.APIResp, resp.CodeError, 200, 0, "")
	resp = special(t, c, attachment.NewSpecialUploadAttachmentReqBuilder().ProjectKey(space).
		FileWithFileName("a.png", png()), asUser(), core.WithIdemUUID("special-1"))
	wantCode(t, "the same key again", resp.APIResp, resp.CodeError, 429, 10430, "API Request Idempotent Limit")
	if n := len(mock.Files()); n != 1 {
		t.Fatalf("stored: %d", n)
	}
}
