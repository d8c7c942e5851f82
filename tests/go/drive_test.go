package sdk

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/adler32"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
	lark "github.com/larksuite/oapi-sdk-go/v3"
	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkdrive "github.com/larksuite/oapi-sdk-go/v3/service/drive/v1"
)

const (
	docNode  = "doccnFivLCfJfblZjGZtxgabcef"
	docxNode = "doxcnXgNGAtaAraIRVeCfmabcef"
	maxAll   = 20971520 // upload_all's limit, bytes
	block    = 4194304  // the chunked upload's block size, bytes
)

var fileToken = regexp.MustCompile(`^boxcn[0-9A-Za-z]{22}$`)

func checksum(b []byte) string { return fmt.Sprint(adler32.Checksum(b)) }

func uploadAll(client *lark.Client, body *larkdrive.UploadAllMediaReqBody, opts ...larkcore.RequestOptionFunc) (*larkdrive.UploadAllMediaResp, error) {
	return client.Drive.V1.Media.UploadAll(ctx, larkdrive.NewUploadAllMediaReqBuilder().Body(body).Build(), opts...)
}

func allBody(name, node string, data []byte) *larkdrive.UploadAllMediaReqBodyBuilder {
	return larkdrive.NewUploadAllMediaReqBodyBuilder().
		FileName(name).ParentType("doc_file").ParentNode(node).
		Size(len(data)).File(bytes.NewReader(data))
}

func TestUploadAllAnswersAFileTokenAndDownloadGivesTheBytesBack(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	data := []byte("quarterly report\n")
	resp, err := uploadAll(client, allBody("report.txt", docNode, data).Checksum(checksum(data)).Build())
	mustSucceed(t, "upload_all", err, resp, &resp.CodeError)
	token := str(resp.Data.FileToken)
	if !fileToken.MatchString(token) {
		t.Fatalf("file_token %q", token)
	}
	entry := journaled(t, mock, "drive.media.upload_all", 0, 1)[0]
	if str(entry.Caller) != "app:"+mock.AppID {
		t.Fatalf("caller %q", str(entry.Caller))
	}
	// What the Go SDK sends: the file part is named by the body's json tag, with the
	// filename the SDK gives every unnamed reader.
	var file *feishumock.Part
	for i := range entry.Parts {
		if entry.Parts[i].Name == "file" {
			file = &entry.Parts[i]
		}
	}
	if file == nil || str(file.Filename) != "unknown-file" || file.Size != int64(len(data)) ||
		file.Sha256 != fmt.Sprintf("%x", sha256.Sum256(data)) {
		t.Fatalf("parts %+v", entry.Parts)
	}
	if got := mock.FileBytes(token); !bytes.Equal(got, data) {
		t.Fatalf("stored %q", got)
	}

	down, err := client.Drive.V1.Media.Download(ctx, larkdrive.NewDownloadMediaReqBuilder().FileToken(token).Build())
	mustSucceed(t, "download", err, down, &down.CodeError)
	got, _ := io.ReadAll(down.File)
	if !bytes.Equal(got, data) || down.FileName != "report.txt" || down.StatusCode != http.StatusOK {
		t.Fatalf("download %d %q %q", down.StatusCode, down.FileName, got)
	}
}

func TestUploadAllRefusalsAsTheGoSDKSeesThem(t *testing.T) {
	// More than 5 upload_all calls a second: the documented quota is tested on its own below.
	mock := feishumock.Start(t, feishumock.WithArgs("--no-rate-limits"))
	client := newClient(t, mock, mock.AppID)
	data := []byte("hello")

	resp, err := uploadAll(client, allBody("a.txt", docNode, data).Checksum(checksum([]byte("other"))).Build())
	wantCode(t, "wrong checksum", err, resp.ApiResp, resp.CodeError, 1062008, "checksum param Invalid.", 400)

	resp, err = uploadAll(client, allBody("a.txt", "doccnNoSuchNode", data).Build())
	wantCode(t, "unknown parent_node", err, resp.ApiResp, resp.CodeError, 1061044, "parent node not exist.", 400)

	resp, err = uploadAll(client, allBody("", docNode, data).Build())
	// The SDK sends the empty text part (a set pointer is not a zero value to it).
	wantCode(t, "empty file_name", err, resp.ApiResp, resp.CodeError, 1061008, "invalid file name.", 400)

	resp, err = uploadAll(client, allBody("a.txt", docNode, data).Size(4).Build())
	wantCode(t, "size not the byte count", err, resp.ApiResp, resp.CodeError, 1062009, "", 400)

	// Too large, for real: 20971521 bytes, one past the documented limit, go up through
	// the SDK and are refused while streaming.
	big := bytes.Repeat([]byte{'x'}, maxAll+1)
	resp, err = uploadAll(client, allBody("big.bin", docNode, big).Build())
	wantCode(t, "20 MB + 1", err, resp.ApiResp, resp.CodeError, 1061043, "file size beyond limit.", 400)
	// ... and exactly the limit is accepted.
	resp, err = uploadAll(client, allBody("max.bin", docNode, big[:maxAll]).Build())
	mustSucceed(t, "exactly 20 MB", err, resp, &resp.CodeError)

	// A documented HTTP 200 error, forced: the SDK hands it back as a response, not a Go error.
	resp, err = uploadAll(client, allBody("a.txt", docNode, data).Build(), forced(mock, 1061045))
	wantCode(t, "forced 1061045", err, resp.ApiResp, resp.CodeError, 1061045, "can retry.", 200)
	journaled(t, mock, "drive.media.upload_all", 0, 1)

	// An app without the scope.
	noScope := newClient(t, mock, feishumock.NoScopeAppID)
	resp, err = uploadAll(noScope, allBody("a.txt", docNode, data).Build())
	wantCode(t, "no scope", err, resp.ApiResp, resp.CodeError, 99991672, "", 400)
	if resp.Err == nil || len(resp.Err.PermissionViolations) == 0 {
		t.Fatalf("permission_violations missing: %+v", resp.CodeError)
	}
}

func prepare(t testing.TB, client *lark.Client, name, node string, size int, opts ...larkcore.RequestOptionFunc) *larkdrive.UploadPrepareMediaResp {
	t.Helper()
	resp, err := client.Drive.V1.Media.UploadPrepare(ctx, larkdrive.NewUploadPrepareMediaReqBuilder().MediaUploadInfo(
		larkdrive.NewMediaUploadInfoBuilder().FileName(name).ParentType("docx_file").ParentNode(node).Size(size).Build()).Build(), opts...)
	if err != nil {
		t.Fatalf("upload_prepare: %v", err)
	}
	return resp
}

func part(client *lark.Client, uploadID string, seq int, data []byte, sum string, opts ...larkcore.RequestOptionFunc) (*larkdrive.UploadPartMediaResp, error) {
	body := larkdrive.NewUploadPartMediaReqBodyBuilder().UploadId(uploadID).Seq(seq).Size(len(data)).File(bytes.NewReader(data))
	if sum != "" {
		body = body.Checksum(sum)
	}
	return client.Drive.V1.Media.UploadPart(ctx, larkdrive.NewUploadPartMediaReqBuilder().Body(body.Build()).Build(), opts...)
}

func finish(client *lark.Client, uploadID string, blocks int, opts ...larkcore.RequestOptionFunc) (*larkdrive.UploadFinishMediaResp, error) {
	return client.Drive.V1.Media.UploadFinish(ctx, larkdrive.NewUploadFinishMediaReqBuilder().Body(
		larkdrive.NewUploadFinishMediaReqBodyBuilder().UploadId(uploadID).BlockNum(blocks).Build()).Build(), opts...)
}

func TestChunkedUploadOfAFilePast20MBThenDownloadWholeAndByRange(t *testing.T) {
	// Seven calls to upload_part would pass the documented 5/s quota.
	mock := feishumock.Start(t, feishumock.WithArgs("--no-rate-limits"))
	client := newClient(t, mock, mock.AppID)
	size := maxAll + 1000 // past upload_all's limit: 6 blocks, the last of 1000 bytes
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7 % 251)
	}

	prep := prepare(t, client, "video.mp4", docxNode, size)
	mustSucceed(t, "upload_prepare", nil, prep, &prep.CodeError)
	id := str(prep.Data.UploadId)
	if len(id) != 19 || *prep.Data.BlockSize != block || *prep.Data.BlockNum != 6 {
		t.Fatalf("prepare %q %s %s", id, num(prep.Data.BlockSize), num(prep.Data.BlockNum))
	}

	// Refusals on the way, each leaving the upload as it was.
	resp, err := part(client, id, 0, data[:block], checksum(data[1:block+1]))
	wantCode(t, "wrong block checksum", err, resp.ApiResp, resp.CodeError, 1062008, "checksum param Invalid.", 400)
	resp, err = part(client, id, 6, data[:1000], "")
	wantCode(t, "seq past block_num", err, resp.ApiResp, resp.CodeError, 1062011, "block num out of bounds.", 400)
	resp, err = part(client, id, 5, data[5*block:5*block+999], "")
	wantCode(t, "last block one byte short", err, resp.ApiResp, resp.CodeError, 1062009, "", 400)
	fin, err := finish(client, id, 6)
	wantCode(t, "finish with no block", err, fin.ApiResp, fin.CodeError, 1062010, "block missing, please upload all blocks.", 400)
	resp, err = part(client, id, 0, data[:block], "", forced(mock, 1061045))
	wantCode(t, "forced 1061045", err, resp.ApiResp, resp.CodeError, 1061045, "can retry.", 200)

	for seq := 0; seq < 6; seq++ {
		end := (seq + 1) * block
		if end > size {
			end = size
		}
		chunk := data[seq*block : end]
		resp, err := part(client, id, seq, chunk, checksum(chunk))
		mustSucceed(t, fmt.Sprintf("upload_part %d", seq), err, resp, &resp.CodeError)
	}
	fin, err = finish(client, id, 6)
	mustSucceed(t, "upload_finish", err, fin, &fin.CodeError)
	token := str(fin.Data.FileToken)
	if !fileToken.MatchString(token) {
		t.Fatalf("file_token %q", token)
	}
	fin, err = finish(client, id, 6)
	wantCode(t, "finish twice", err, fin.ApiResp, fin.CodeError, 1061021, "upload id expire.", 400)

	down, err := client.Drive.V1.Media.Download(ctx, larkdrive.NewDownloadMediaReqBuilder().FileToken(token).Build())
	mustSucceed(t, "download", err, down, &down.CodeError)
	got, _ := io.ReadAll(down.File)
	if !bytes.Equal(got, data) || down.FileName != "video.mp4" {
		t.Fatalf("download: %d bytes, name %q", len(got), down.FileName)
	}

	// A Range download answers 206 Partial Content, as documented. The typed Download of
	// oapi-sdk-go v3.13.0 reads only HTTP 200 as a file (service/drive/v1/resource.go,
	// Download) and tries to parse the 206 body as JSON: a Go error, no bytes.
	rangeHeader := larkcore.WithHeaders(http.Header{"Range": []string{"bytes=0-1023"}})
	_, err = client.Drive.V1.Media.Download(ctx, larkdrive.NewDownloadMediaReqBuilder().FileToken(token).Build(), rangeHeader)
	if err == nil || !strings.Contains(err.Error(), "StatusCode: 206") {
		t.Fatalf("typed Range download: %v", err)
	}
	// The SDK's generic call (same client, same token handling) carries the 206 through.
	raw, err := client.Get(ctx, "/open-apis/drive/v1/medias/"+token+"/download", nil,
		larkcore.AccessTokenTypeTenant, rangeHeader)
	if err != nil {
		t.Fatal(err)
	}
	if raw.StatusCode != http.StatusPartialContent || !bytes.Equal(raw.RawBody, data[:1024]) ||
		raw.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-1023/%d", size) {
		t.Fatalf("range: %d %q %d bytes", raw.StatusCode, raw.Header.Get("Content-Range"), len(raw.RawBody))
	}
	raw, err = client.Get(ctx, "/open-apis/drive/v1/medias/"+token+"/download", nil, larkcore.AccessTokenTypeTenant,
		larkcore.WithHeaders(http.Header{"Range": []string{fmt.Sprintf("bytes=%d-", size)}}))
	if err != nil {
		t.Fatal(err)
	}
	if raw.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw.RawBody), `"code":1061002`) {
		t.Fatalf("range past the end: %d %s", raw.StatusCode, raw.RawBody)
	}
}

func TestUploadPrepareRefusals(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	resp := prepare(t, client, "a.bin", "doxcnNoSuchNode", 10)
	wantCode(t, "unknown parent_node", nil, resp.ApiResp, resp.CodeError, 1061044, "parent node not exist.", 400)
	resp = prepare(t, client, "a.bin", docxNode, 21474836481)
	wantCode(t, "past the maximum", nil, resp.ApiResp, resp.CodeError, 1061043, "file size beyond limit.", 400)
	resp = prepare(t, client, strings.Repeat("n", 251), docxNode, 10)
	wantCode(t, "251-char file_name", nil, resp.ApiResp, resp.CodeError, 1061008, "invalid file name.", 400)
	resp = prepare(t, client, strings.Repeat("n", 250), docxNode, 10)
	mustSucceed(t, "250-char file_name", nil, resp, &resp.CodeError)
	resp = prepare(t, client, "a.bin", docxNode, 10, forced(mock, 1061001))
	wantCode(t, "forced 1061001", nil, resp.ApiResp, resp.CodeError, 1061001, "internal error.", 200)
	fin, err := finish(client, "7000000000000000000", 1)
	wantCode(t, "finish of an upload never prepared", err, fin.ApiResp, fin.CodeError, 1061021, "upload id expire.", 400)
}

func TestUploadPartOfAnotherAppsUploadIsRefused(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	prep := prepare(t, client, "a.bin", docxNode, 5)
	mustSucceed(t, "prepare", nil, prep, &prep.CodeError)
	mock.AddToWorld(map[string]any{"apps": []any{map[string]any{
		"app_id": "cli_other", "app_secret": "other-secret", "scopes": []string{"drive:drive"}}}})
	other := newClientWithSecret(t, mock, "cli_other", "other-secret")
	resp, err := part(other, str(prep.Data.UploadId), 0, []byte("hello"), "")
	wantCode(t, "another app's upload", err, resp.ApiResp, resp.CodeError, 1062007, "upload user not match.", 400)
}

func TestDownloadAndTemporaryLinks(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	data := []byte("linked bytes")
	up, err := uploadAll(client, allBody("linked.txt", docNode, data).Build())
	mustSucceed(t, "upload_all", err, up, &up.CodeError)
	token := str(up.Data.FileToken)

	links, err := client.Drive.V1.Media.BatchGetTmpDownloadUrl(ctx, larkdrive.NewBatchGetTmpDownloadUrlMediaReqBuilder().FileTokens([]string{token}).Build())
	mustSucceed(t, "batch_get_tmp_download_url", err, links, &links.CodeError)
	if len(links.Data.TmpDownloadUrls) != 1 || str(links.Data.TmpDownloadUrls[0].FileToken) != token {
		t.Fatalf("links %+v", links.Data)
	}
	link := str(links.Data.TmpDownloadUrls[0].TmpDownloadUrl)
	status, body := fetch(t, link)
	if status != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("link: %d %q", status, body)
	}

	six := []string{token, token, token, token, token, token}
	links, err = client.Drive.V1.Media.BatchGetTmpDownloadUrl(ctx, larkdrive.NewBatchGetTmpDownloadUrlMediaReqBuilder().FileTokens(six).Build())
	wantCode(t, "six file_tokens", err, links.ApiResp, links.CodeError, 1061002, "params error.", 400)
	links, err = client.Drive.V1.Media.BatchGetTmpDownloadUrl(ctx, larkdrive.NewBatchGetTmpDownloadUrlMediaReqBuilder().FileTokens([]string{token}).Build(), forced(mock, 1061004))
	wantCode(t, "forced 1061004", err, links.ApiResp, links.CodeError, 1061004, "forbidden.", 403)

	down, err := client.Drive.V1.Media.Download(ctx, larkdrive.NewDownloadMediaReqBuilder().FileToken("boxcnNoSuchToken0000000000").Build())
	wantCode(t, "download of an unknown token", err, down.ApiResp, down.CodeError, 1061003, "not found.", 404)
	down, err = client.Drive.V1.Media.Download(ctx, larkdrive.NewDownloadMediaReqBuilder().FileToken(token).Build(), forced(mock, 1061001))
	wantCode(t, "forced 1061001", err, down.ApiResp, down.CodeError, 1061001, "internal error.", 500)

	// Links live 24 hours of emulator time.
	mock.AdvanceClock(24*3600 + 1)
	if status, _ := fetch(t, link); status != http.StatusNotFound {
		t.Fatalf("a link past 24 hours: %d", status)
	}
}

func TestUploadAllPastFivePerSecondIsRefusedWith99991400(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	// 16 calls within at most 3 one-second windows: at least one passes the 5/s quota.
	refused := 0
	for i := 0; i < 16; i++ {
		resp, err := uploadAll(client, allBody("a.txt", docNode, []byte("abc")).Build())
		if err != nil {
			t.Fatal(err)
		}
		if resp.Code == 99991400 {
			wantCode(t, "past the quota", err, resp.ApiResp, resp.CodeError, 99991400, "request trigger frequency limit", 429)
			if resp.Header.Get("x-ogw-ratelimit-limit") != "5" || resp.Header.Get("x-ogw-ratelimit-reset") == "" {
				t.Fatalf("rate-limit headers: %v", resp.Header)
			}
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("16 calls at once were all accepted")
	}
	journaled(t, mock, "drive.media.upload_all", 99991400, refused)
}
