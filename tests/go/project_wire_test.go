package sdk

// Feishu Project (seed 003) as github.com/larksuite/project-oapi-sdk-golang v1.0.25 speaks it.
//
// That module is not served by the Go module proxy this project can reach (it answers
// "403 This module version is not available" for every version), so this file cannot import
// it. projectClient below sends, byte for byte where it matters, what the SDK's code sends;
// each request shape names the SDK file it follows (paths in the v1.0.25 tag):
//
//   - token: core/tokenmanager.go getAccessTokenThenCache — POST /open_api/authen/plugin_token,
//     JSON {"plugin_id","plugin_secret","type"} (core/constants.go PluginAccessTokenInternalUrlPath),
//     Content-Type "application/json; charset=utf-8" (core/reqtranslator.go payload), cached
//     per plugin id for expire_time minus 3 minutes (core/constants.go expiryDelta), no retry on
//     a refused token (core/httptransport.go Request);
//   - headers: X-PLUGIN-TOKEN, X-USER-KEY (core.WithUserKey), X-IDEM-UUID (core.WithIdemUUID)
//     (core/constants.go, core/reqoption.go);
//   - uploads: core/reqtranslator.go FormData.content — every file is a part named "file" whose
//     filename is the name given to FileWithFileName ("unknown-file" for File) and whose
//     Content-Type is FileMimeType's ("application/octet-stream" by default); text fields
//     field_key / field_alias (service/attachment/builder.go);
//   - answers: core/apiresp.go — JSON is read only when Content-Type contains
//     "application/json"; CodeError is {"err_code","err_msg","err":{"code","msg","log_id"}};
//     a download succeeds only on HTTP 200 (service/attachment/api.go DownloadAttachment) and
//     its file name is mime.ParseMediaType(Content-Disposition)["filename"] (FileNameByHeader);
//   - user tokens: service/plugin/api.go GetUserPluginToken — POST
//     /open_api/authen/user_plugin_token {"code","grant_type":"authorization_code"} — and
//     RefreshToken — POST /open_api/authen/refresh_token {"refresh_token","type"} — both with
//     the token manager's X-PLUGIN-TOKEN; answers modelled in service/plugin/model.go.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
)

const (
	space      = feishumock.ProjectKey
	spaceAlias = "doc"
	story      = "6437110001"
)

type projectClient struct {
	t       testing.TB
	base    string
	plugin  string
	secret  string
	kind    int
	token   string
	expires time.Time
}

// projectCodeError is the SDK's core.CodeError.
type projectCodeError struct {
	ErrCode int    `json:"err_code"`
	ErrMsg  string `json:"err_msg"`
	Err     struct {
		Code  int    `json:"code"`
		Msg   string `json:"msg"`
		LogID string `json:"log_id"`
	} `json:"err"`
}

type projectResp struct {
	status int
	header http.Header
	body   []byte
	projectCodeError
	Data json.RawMessage `json:"data"`
}

func newProjectClient(t testing.TB, mock *feishumock.Mock) *projectClient {
	return &projectClient{t: t, base: mock.URL, plugin: feishumock.PluginID, secret: feishumock.PluginSecret}
}

// tokenAnswer is the SDK's core.GetAccessTokenResp.
type tokenAnswer struct {
	Error *struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	} `json:"error"`
	Data *struct {
		ExpireTime int    `json:"expire_time"`
		Token      string `json:"token"`
	} `json:"data"`
}

func (c *projectClient) fetchToken(kind int) (tokenAnswer, int) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"plugin_id": c.plugin, "plugin_secret": c.secret, "type": kind})
	resp := c.send(http.MethodPost, "/open_api/authen/plugin_token", "application/json; charset=utf-8", body, nil, true)
	var out tokenAnswer
	if err := json.Unmarshal(resp.body, &out); err != nil {
		c.t.Fatalf("plugin_token: %v in %s", err, resp.body)
	}
	return out, resp.status
}

// accessToken is the SDK token manager: a cached token, else plugin_token.
func (c *projectClient) accessToken() string {
	c.t.Helper()
	if c.token != "" && time.Now().Before(c.expires) {
		return c.token
	}
	out, _ := c.fetchToken(c.kind)
	if out.Error == nil || out.Error.Code != 0 || out.Data == nil {
		c.t.Fatalf("plugin_token refused: %+v", out)
	}
	c.token = out.Data.Token
	c.expires = time.Now().Add(time.Duration(out.Data.ExpireTime)*time.Second - 3*time.Minute)
	return c.token
}

func (c *projectClient) send(method, path, contentType string, body []byte, header http.Header, skipAuth bool) projectResp {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", "oapi-sdk-go/v1.0.22")
	req.Header.Set("Content-Type", contentType)
	if !skipAuth && req.Header.Get("X-PLUGIN-TOKEN") == "" {
		req.Header.Set("X-PLUGIN-TOKEN", c.accessToken())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	out := projectResp{status: resp.StatusCode, header: resp.Header, body: raw}
	return out
}

// decode is APIResp.JSONUnmarshalBody: JSON only with a JSON Content-Type.
func (r *projectResp) decode(t testing.TB) {
	t.Helper()
	if !strings.Contains(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("the SDK refuses to read a %q answer: HTTP %d %q", r.header.Get("Content-Type"), r.status, r.body)
	}
	if err := json.Unmarshal(r.body, r); err != nil {
		t.Fatalf("%v in %s", err, r.body)
	}
}

type projectFile struct {
	name, mime string
	data       []byte
}

// form is core.FormData.content: files as parts named "file", then text fields.
func form(files []projectFile, fields map[string]string) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range files {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, f.name))
		h.Set("Content-Type", f.mime)
		p, _ := w.CreatePart(h)
		_, _ = p.Write(f.data)
	}
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	_ = w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func userKey() http.Header { return http.Header{"X-User-Key": []string{feishumock.UserKey}} }

func withIdem(h http.Header, key string) http.Header {
	h = h.Clone()
	h.Set("X-IDEM-UUID", key)
	return h
}

// uploadAttachment is AttachmentService.UploadAttachment.
func (c *projectClient) uploadAttachment(project, typ, item string, files []projectFile, fields map[string]string, header http.Header) projectResp {
	c.t.Helper()
	ct, body := form(files, fields)
	r := c.send(http.MethodPost, fmt.Sprintf("/open_api/%s/work_item/%s/%s/file/upload", project, typ, item), ct, body, header, false)
	r.decode(c.t)
	return r
}

// specialUpload is AttachmentService.SpecialUploadAttachment.
func (c *projectClient) specialUpload(project string, files []projectFile, header http.Header) ([]string, projectResp) {
	c.t.Helper()
	ct, body := form(files, nil)
	r := c.send(http.MethodPost, fmt.Sprintf("/open_api/%s/file/upload", project), ct, body, header, false)
	r.decode(c.t)
	var urls []string
	if r.ErrCode == 0 {
		if err := json.Unmarshal(r.Data, &urls); err != nil {
			c.t.Fatalf("SpecialUploadAttachmentResp.Data is []string: %v in %s", err, r.body)
		}
	}
	return urls, r
}

// download is AttachmentService.DownloadAttachment: the file on HTTP 200, else the envelope.
func (c *projectClient) download(project, typ, item, uuid string, header http.Header) (string, []byte, projectResp) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]string{"uuid": uuid})
	r := c.send(http.MethodPost, fmt.Sprintf("/open_api/%s/work_item/%s/%s/file/download", project, typ, item),
		"application/json; charset=utf-8", body, header, false)
	if r.status == http.StatusOK {
		_, params, _ := mime.ParseMediaType(r.header.Get("Content-Disposition"))
		return params["filename"], r.body, r
	}
	r.decode(c.t)
	return "", nil, r
}

func wantProjectCode(t testing.TB, what string, r projectResp, status, code int, msg string) {
	t.Helper()
	refused := code != 0 && (r.Err.Code != code || r.Err.LogID == "")
	if r.status != status || r.ErrCode != code || (msg != "" && r.ErrMsg != msg) || refused {
		t.Fatalf("%s: HTTP %d %s, want %d err_code %d %q", what, r.status, r.body, status, code, msg)
	}
}

func TestProjectPluginTokenAsTheSDKTokenManagerAsksForIt(t *testing.T) {
	mock := feishumock.Start(t)
	c := newProjectClient(t, mock)
	out, status := c.fetchToken(0)
	if status != 200 || out.Error == nil || out.Error.Code != 0 || !strings.HasPrefix(out.Data.Token, "p-") || out.Data.ExpireTime != 7200 {
		t.Fatalf("plugin token: %d %+v", status, out)
	}
	out, _ = c.fetchToken(1)
	if !strings.HasPrefix(out.Data.Token, "v-") {
		t.Fatalf("virtual token: %+v", out.Data)
	}
	c.secret = "wrong"
	out, status = c.fetchToken(0)
	if status != 200 || out.Error == nil || out.Error.Code != 10001 {
		t.Fatalf("wrong secret: %d %+v", status, out)
	}

	// The token manager fetches once and reuses the token for every call.
	c = newProjectClient(t, mock)
	for i := 0; i < 3; i++ {
		r := c.uploadAttachment(space, "story", story, []projectFile{{"a.txt", "text/plain", []byte("a")}},
			map[string]string{"field_key": "field_attachment"}, userKey())
		wantProjectCode(t, "upload", r, 200, 0, "")
	}
	tokens := 0
	for _, e := range mock.Requests("", feishumock.AnyCode) {
		if e.Path == "/open_api/authen/plugin_token" {
			tokens++
		}
	}
	if tokens != 3+1 {
		t.Fatalf("plugin_token calls: %d, want the 3 above and 1 by the token manager", tokens)
	}
	// A virtual token may leave X-USER-KEY out.
	v := newProjectClient(t, mock)
	v.kind = 1
	r := v.uploadAttachment(space, "story", story, []projectFile{{"b.txt", "text/plain", []byte("b")}},
		map[string]string{"field_key": "field_attachment"}, nil)
	wantProjectCode(t, "upload with a virtual token", r, 200, 0, "")
	// A plugin token may not.
	r = c.uploadAttachment(space, "story", story, []projectFile{{"b.txt", "text/plain", []byte("b")}},
		map[string]string{"field_key": "field_attachment"}, nil)
	wantProjectCode(t, "plugin token without X-USER-KEY", r, 403, 10001, "")
	// The emulator's clock passes the token's 7200 s; the SDK's cache does not know.
	mock.AdvanceClock(7200)
	r = c.uploadAttachment(space, "story", story, []projectFile{{"b.txt", "text/plain", []byte("b")}},
		map[string]string{"field_key": "field_attachment"}, userKey())
	wantProjectCode(t, "expired plugin token", r, 401, 10022, "")
}

func TestProjectUploadKeepsTheSDKsFileNameAndMimeTypeAndDownloadGivesThemBack(t *testing.T) {
	mock := feishumock.Start(t)
	c := newProjectClient(t, mock)
	pdf := []byte("%PDF-1.4 design review")
	r := c.uploadAttachment(space, "story", story, []projectFile{{"设计 review.pdf", "application/pdf", pdf}},
		map[string]string{"field_key": "field_attachment"}, userKey())
	wantProjectCode(t, "upload", r, 200, 0, "")
	if string(r.body) != `{"err":{},"err_msg":"","err_code":0}` {
		t.Fatalf("seed 003's answer, without data: %s", r.body)
	}
	uuid := r.header.Get("X-Mock-Attachment-Uuid")
	var e feishumock.Request
	for _, entry := range journaled(t, mock, "project.work_item.file.upload", 0, 2) {
		if strings.HasSuffix(entry.Path, "/file/upload") {
			e = entry // the other entry is the token manager's plugin_token call
		}
	}
	if len(e.Parts) != 1 || e.Parts[0].Name != "file" || str(e.Parts[0].Filename) != "设计 review.pdf" ||
		str(e.Parts[0].ContentType) != "application/pdf" || e.MockHeaders["X-Mock-Attachment-Uuid"] != uuid {
		t.Fatalf("journal %+v", e)
	}
	name, data, dr := c.download(space, "story", story, uuid, userKey())
	if dr.status != 200 || name != "设计 review.pdf" || !bytes.Equal(data, pdf) || dr.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %q %q %v", dr.status, name, data, dr.header)
	}

	// File (no name, no type): the SDK's defaults go up and come back.
	r = c.uploadAttachment(spaceAlias, "story", story, []projectFile{{"unknown-file", "application/octet-stream", []byte("raw")}},
		map[string]string{"field_alias": "attachment"}, userKey())
	wantProjectCode(t, "upload by simple_name and field_alias", r, 200, 0, "")
	name, data, dr = c.download(space, "story", story, r.header.Get("X-Mock-Attachment-Uuid"), userKey())
	if dr.status != 200 || name != "unknown-file" || string(data) != "raw" || dr.header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("download of the default part: %d %q %q", dr.status, name, data)
	}

	_, _, dr = c.download(space, "story", story, "00000000-0000-4000-8000-000000000000", userKey())
	if dr.status == 200 || dr.ErrCode == 0 || dr.Err.LogID == "" {
		t.Fatalf("download of an unknown uuid must be a JSON refusal the SDK can read: %d %s", dr.status, dr.body)
	}
	_, _, dr = c.download(space, "story", "6437110002", uuid, userKey())
	if dr.status == 200 || dr.ErrCode == 0 {
		t.Fatalf("download of another work item's uuid: %d %s", dr.status, dr.body)
	}
}

func TestProjectSpecialUploadAnswersAListOfOneURL(t *testing.T) {
	mock := feishumock.Start(t)
	c := newProjectClient(t, mock)
	png := pngBytes(t)
	urls, r := c.specialUpload(space, []projectFile{{"shot.png", "image/png", png}}, userKey())
	wantProjectCode(t, "special upload", r, 200, 0, "")
	if len(urls) != 1 {
		t.Fatalf("data: %s", r.body)
	}
	if status, body := fetch(t, urls[0]); status != 200 || !bytes.Equal(body, png) {
		t.Fatalf("url: %d", status)
	}
	// FileWithFileName twice with two names: the SDK sends two "file" parts.
	_, r = c.specialUpload(space, []projectFile{{"a.png", "image/png", png}, {"b.png", "image/png", png}}, userKey())
	wantProjectCode(t, "two file parts", r, 400, 1000050174, "")
	_, r = c.specialUpload("no_such_space", []projectFile{{"a.png", "image/png", png}}, userKey())
	wantProjectCode(t, "unknown project", r, 404, 30016, "")
	_, r = c.specialUpload(space, nil, userKey())
	wantProjectCode(t, "no file", r, 400, 1000050190, "")
	_, r = c.specialUpload(space, []projectFile{{"a.png", "image/png", png}}, withIdem(userKey(), "special-1"))
	wantProjectCode(t, "first write with a key", r, 200, 0, "")
	_, r = c.specialUpload(space, []projectFile{{"a.png", "image/png", png}}, withIdem(userKey(), "special-1"))
	wantProjectCode(t, "the same key again", r, 429, 10430, "API Request Idempotent Limit")
}

func TestProjectIdemUUIDRefusesARepeatOfASuccessOnly(t *testing.T) {
	mock := feishumock.Start(t)
	c := newProjectClient(t, mock)
	file := []projectFile{{"a.txt", "text/plain", []byte("a")}}
	field := map[string]string{"field_key": "field_attachment"}
	r := c.uploadAttachment(space, "story", story, file, map[string]string{"field_key": "field_nope"}, withIdem(userKey(), "k1"))
	wantProjectCode(t, "unknown field", r, 400, 1000050190, "ErrAPIUnSetForm")
	r = c.uploadAttachment(space, "story", story, file, field, withIdem(userKey(), "k1"))
	wantProjectCode(t, "a failed write does not use its key up", r, 200, 0, "")
	r = c.uploadAttachment(space, "story", story, file, field, withIdem(userKey(), "k1"))
	wantProjectCode(t, "repeat", r, 429, 10430, "API Request Idempotent Limit")
	r = c.uploadAttachment(space, "story", story, file, field, withIdem(userKey(), "k2"))
	wantProjectCode(t, "another key", r, 200, 0, "")
	if n := len(mock.Files()); n != 2 {
		t.Fatalf("stored: %d", n)
	}
}

func TestProjectUploadRefusals(t *testing.T) {
	mock := feishumock.Start(t)
	c := newProjectClient(t, mock)
	file := []projectFile{{"a.txt", "text/plain", []byte("a")}}
	field := map[string]string{"field_key": "field_attachment"}

	r := c.uploadAttachment("no_such_space", "story", story, file, field, userKey())
	wantProjectCode(t, "unknown project", r, 400, 1000050255, "")
	r = c.uploadAttachment(space, "epic", story, file, field, userKey())
	wantProjectCode(t, "unknown work item type", r, 400, 20003, "")
	r = c.uploadAttachment(space, "story", "6437110101", file, field, userKey())
	wantProjectCode(t, "an issue addressed as a story", r, 400, 30005, "")
	r = c.uploadAttachment(space, "story", story, file, map[string]string{"field_key": "field_description"}, userKey())
	wantProjectCode(t, "not an attachment field", r, 400, 1000050190, "")
	r = c.uploadAttachment(space, "story", story, nil, field, userKey())
	wantProjectCode(t, "no file part", r, 400, 1000050190, "")
	r = c.uploadAttachment(space, "story", story, file, field, http.Header{
		"X-User-Key": []string{feishumock.UserKey}, "X-Plugin-Token": []string{"p-00000000-0000-4000-8000-000000000000"}})
	wantProjectCode(t, "a token never issued", r, 401, 10022, "")
	r = c.uploadAttachment(space, "story", story, file, field, withIdem(userKey(), "forced"))
	wantProjectCode(t, "upload", r, 200, 0, "")
	forcedHeader := userKey()
	forcedHeader.Set("X-Mock-Error-Code", "1000050262")
	r = c.uploadAttachment(space, "story", story, file, field, forcedHeader)
	wantProjectCode(t, "forced 1000050262", r, 400, 1000050262, "")
}

func TestProjectAttachmentFieldHoldsFiftyAttachments(t *testing.T) {
	mock := feishumock.Start(t)
	c := newProjectClient(t, mock)
	field := map[string]string{"field_key": "field_attachment"}
	for i := 1; i <= 50; i++ {
		r := c.uploadAttachment(space, "story", story, []projectFile{{fmt.Sprintf("%d.txt", i), "text/plain", []byte{byte(i)}}}, field, userKey())
		wantProjectCode(t, fmt.Sprintf("attachment %d", i), r, 200, 0, "")
	}
	r := c.uploadAttachment(space, "story", story, []projectFile{{"51.txt", "text/plain", []byte("51")}}, field, userKey())
	wantProjectCode(t, "the 51st attachment", r, 400, 1000050262, "")
	// Another field of the same work item is not full.
	r = c.uploadAttachment(space, "story", story, []projectFile{{"51.txt", "text/plain", []byte("51")}},
		map[string]string{"field_key": "field_deliverable_files", "index": "0"}, userKey())
	if r.ErrCode != 0 && r.ErrCode != 1000050190 {
		t.Fatalf("a compound field: %s", r.body)
	}
}

// pattern streams n bytes without holding them in memory.
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

// The accepting side of the boundary (exactly 104857600 bytes) is proved in tests/project.rs
// (upload_accepts_exactly_104857600_bytes); storing it from here would add ~4 s to the suite.
func TestProjectFileOneBytePast100MBIsRefused(t *testing.T) {
	mock := feishumock.Start(t)
	c := newProjectClient(t, mock)
	token := c.accessToken()
	for _, tc := range []struct {
		size   int64
		status int
		code   int
	}{{104857601, 400, 1000050174}} {
		began := time.Now()
		// The SDK buffers the whole form; the same bytes are streamed here to spare memory.
		pr, pw := io.Pipe()
		w := multipart.NewWriter(pw)
		go func() {
			_ = w.WriteField("field_key", "field_attachment")
			h := make(textproto.MIMEHeader)
			h.Set("Content-Disposition", `form-data; name="file"; filename="big.bin"`)
			h.Set("Content-Type", "application/octet-stream")
			part, _ := w.CreatePart(h)
			_, err := io.Copy(part, &pattern{tc.size})
			if err == nil {
				err = w.Close()
			}
			pw.CloseWithError(err)
		}()
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/open_api/%s/work_item/story/%s/file/upload", mock.URL, space, story), pr)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("X-PLUGIN-TOKEN", token)
		req.Header.Set("X-USER-KEY", feishumock.UserKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%d bytes: %v", tc.size, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		pr.Close()
		r := projectResp{status: resp.StatusCode, header: resp.Header, body: raw}
		r.decode(t)
		wantProjectCode(t, fmt.Sprintf("%d bytes", tc.size), r, tc.status, tc.code, "")
		t.Logf("%d bytes: %s", tc.size, time.Since(began))
	}
}

// userPluginToken is the SDK's plugin.UserPluginToken / plugin.RefreshToken.
type userPluginToken struct {
	ExpireTime             int    `json:"expire_time"`
	Token                  string `json:"token"`
	RefreshToken           string `json:"refresh_token"`
	RefreshTokenExpireTime int    `json:"refresh_token_expire_time"`
	UserKey                string `json:"user_key"`
	TenantKey              string `json:"saas_tenant_key"`
}

// userTokenCall is GetUserPluginToken or RefreshToken: the body with the plugin token.
func (c *projectClient) userTokenCall(path string, body any) (int, *userPluginToken) {
	c.t.Helper()
	raw, _ := json.Marshal(body)
	r := c.send(http.MethodPost, path, "application/json; charset=utf-8", raw, nil, false)
	var out struct {
		Error *struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		} `json:"error"`
		Data *userPluginToken `json:"data"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &out) != nil || out.Error == nil {
		c.t.Fatalf("%s: HTTP %d %s", path, r.status, r.body)
	}
	return out.Error.Code, out.Data
}

func TestProjectUserPluginTokenAndRefreshTokenAsTheSDKCallsThem(t *testing.T) {
	mock := feishumock.Start(t)
	c := newProjectClient(t, mock)
	code := mock.ProjectAuthCode(feishumock.PluginID, feishumock.UserKey)
	exchange := map[string]string{"code": code, "grant_type": "authorization_code"}
	got, user := c.userTokenCall("/open_api/authen/user_plugin_token", exchange)
	if got != 0 || !strings.HasPrefix(user.Token, "u-") || user.ExpireTime != 7200 || user.UserKey != feishumock.UserKey ||
		user.RefreshToken == "" || user.RefreshTokenExpireTime <= 0 {
		t.Fatalf("user_plugin_token: %d %+v", got, user)
	}
	if got, _ := c.userTokenCall("/open_api/authen/user_plugin_token", exchange); got != 10001 {
		t.Fatalf("a used code: %d", got)
	}
	// WithAccessToken(user token): the call acts as the user, without X-USER-KEY.
	r := c.uploadAttachment(space, "story", story, []projectFile{{"u.txt", "text/plain", []byte("u")}},
		map[string]string{"field_key": "field_attachment"}, http.Header{"X-Plugin-Token": []string{user.Token}})
	wantProjectCode(t, "upload with a user plugin token", r, 200, 0, "")

	got, next := c.userTokenCall("/open_api/authen/refresh_token", map[string]any{"refresh_token": user.RefreshToken, "type": 1})
	if got != 0 || !strings.HasPrefix(next.Token, "u-") || next.Token == user.Token || next.RefreshToken == user.RefreshToken {
		t.Fatalf("refresh_token: %d %+v", got, next)
	}
	// TokenType left at 0 is dropped by the SDK's omitempty: refused.
	if got, _ := c.userTokenCall("/open_api/authen/refresh_token", map[string]any{"refresh_token": next.RefreshToken}); got != 20006 {
		t.Fatalf("refresh_token without type: %d", got)
	}
}
