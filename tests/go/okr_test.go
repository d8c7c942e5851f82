package sdk

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
	lark "github.com/larksuite/oapi-sdk-go/v3"
	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkokr "github.com/larksuite/oapi-sdk-go/v3/service/okr/v1"
)

const (
	objective = "6974586812998174252"
	keyResult = "7041430377642082323"
)

var progressID = regexp.MustCompile(`^[0-9]{19}$`)

func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func uploadImage(client *lark.Client, data []byte, target string, targetType int, opts ...larkcore.RequestOptionFunc) (*larkokr.UploadImageResp, error) {
	return client.Okr.V1.Image.Upload(ctx, larkokr.NewUploadImageReqBuilder().Body(
		larkokr.NewUploadImageReqBodyBuilder().Data(bytes.NewReader(data)).TargetId(target).TargetType(targetType).Build()).Build(), opts...)
}

func TestOkrImageUploadAnswersATokenAndADownloadLink(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	data := pngBytes(t)
	resp, err := uploadImage(client, data, objective, 2)
	mustSucceed(t, "image upload", err, resp, &resp.CodeError)
	if !strings.HasPrefix(str(resp.Data.FileToken), "boxbc") {
		t.Fatalf("file_token %q", str(resp.Data.FileToken))
	}
	status, body := fetch(t, str(resp.Data.Url))
	if status != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("url: %d, %d bytes", status, len(body))
	}
	e := journaled(t, mock, "okr.image.upload", 0, 1)[0]
	// The journal lists file parts: the image goes up as part "data" with the Go SDK's
	// filename for an unnamed reader.
	if len(e.Parts) != 1 || e.Parts[0].Name != "data" || str(e.Parts[0].Filename) != "unknown-file" || e.Parts[0].Size != int64(len(data)) {
		t.Fatalf("parts %+v", e.Parts)
	}

	resp, err = uploadImage(client, data, keyResult, 3)
	mustSucceed(t, "image upload for a key result", err, resp, &resp.CodeError)
}

func TestOkrImageUploadRefusals(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	data := pngBytes(t)
	resp, err := uploadImage(client, []byte("GIF? no, plain text"), objective, 2)
	wantCode(t, "not an image", err, resp.ApiResp, resp.CodeError, 1001001, "invalid parameters", 400)
	resp, err = uploadImage(client, data, "1234", 2)
	wantCode(t, "unknown objective", err, resp.ApiResp, resp.CodeError, 1001004, "okr data not found", 400)
	resp, err = uploadImage(client, data, objective, 3)
	wantCode(t, "an objective named as a key result", err, resp.ApiResp, resp.CodeError, 1001004, "okr data not found", 400)
	resp, err = uploadImage(client, data, objective, 4)
	wantCode(t, "target_type 4", err, resp.ApiResp, resp.CodeError, 1001001, "invalid parameters", 400)
	resp, err = uploadImage(client, data, objective, 2, forced(mock, 1009999))
	wantCode(t, "forced 1009999", err, resp.ApiResp, resp.CodeError, 1009999, "internal server error", 500)
	resp, err = uploadImage(newClient(t, mock, feishumock.NoScopeAppID), data, objective, 2)
	wantCode(t, "no scope", err, resp.ApiResp, resp.CodeError, 99991672, "", 400)
	journaled(t, mock, "okr.image.upload", 0, 0)
}

func paragraph(text string, indent int) *larkokr.ContentBlockElement {
	return larkokr.NewContentBlockElementBuilder().Type("paragraph").Paragraph(
		larkokr.NewContentParagraphBuilder().
			Style(larkokr.NewContentParagraphStyleBuilder().List(
				larkokr.NewContentListBuilder().Type("bullet").IndentLevel(indent).Build()).Build()).
			Elements([]*larkokr.ContentParagraphElement{
				larkokr.NewContentParagraphElementBuilder().Type("textRun").TextRun(
					larkokr.NewContentTextRunBuilder().Text(text).Style(
						larkokr.NewContentTextStyleBuilder().Bold(true).TextColor(
							larkokr.NewContentColorBuilder().Red(255).Green(0).Blue(0).Alpha(1).Build()).Build()).Build()).Build(),
			}).Build()).Build()
}

func createRecord(client *lark.Client, target string, content *larkokr.ContentBlock, opts ...larkcore.RequestOptionFunc) (*larkokr.CreateProgressRecordResp, error) {
	return client.Okr.V1.ProgressRecord.Create(ctx, larkokr.NewCreateProgressRecordReqBuilder().UserIdType("open_id").Body(
		larkokr.NewCreateProgressRecordReqBodyBuilder().
			SourceTitle("from go").SourceUrl("https://example.com/go").
			TargetId(target).TargetType(2).Content(content).
			ProgressRate(larkokr.NewProgressRateNewBuilder().Percent(42.125).Status(1).Build()).Build()).Build(), opts...)
}

func TestProgressRecordCreateGetUpdateDelete(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	img, err := uploadImage(client, pngBytes(t), objective, 2)
	mustSucceed(t, "image", err, img, &img.CodeError)
	content := larkokr.NewContentBlockBuilder().Blocks([]*larkokr.ContentBlockElement{
		paragraph("on track", 1),
		larkokr.NewContentBlockElementBuilder().Type("gallery").Gallery(larkokr.NewContentGalleryBuilder().ImageList(
			[]*larkokr.ContentImageItem{larkokr.NewContentImageItemBuilder().FileToken(str(img.Data.FileToken)).
				Src(str(img.Data.Url)).Width(4).Height(3).Build()}).Build()).Build(),
	}).Build()

	created, err := createRecord(client, objective, content)
	mustSucceed(t, "create", err, created, &created.CodeError)
	id := str(created.Data.ProgressId)
	if !progressID.MatchString(id) || created.Data.ModifyTime == nil {
		t.Fatalf("create: %s", created.RawBody)
	}
	// The answer's camelCase content maps onto the Go SDK's typed model.
	blocks := created.Data.Content.Blocks
	if len(blocks) != 2 || str(blocks[0].Paragraph.Elements[0].TextRun.Text) != "on track" ||
		*blocks[0].Paragraph.Style.List.IndentLevel != 1 ||
		*blocks[0].Paragraph.Elements[0].TextRun.Style.TextColor.Red != 255 ||
		str(blocks[1].Gallery.ImageList[0].FileToken) != str(img.Data.FileToken) {
		t.Fatalf("content: %s", created.RawBody)
	}
	if rate := created.Data.ProgressRate; rate == nil || *rate.Percent != 42.13 || *rate.Status != 1 {
		t.Fatalf("progress_rate (percent rounded to 2 decimals): %s", created.RawBody)
	}

	got, err := client.Okr.V1.ProgressRecord.Get(ctx, larkokr.NewGetProgressRecordReqBuilder().ProgressId(id).UserIdType("open_id").Build())
	mustSucceed(t, "get", err, got, &got.CodeError)
	if str(got.Data.ProgressId) != id || str(got.Data.Content.Blocks[0].Paragraph.Elements[0].TextRun.Text) != "on track" {
		t.Fatalf("get: %s", got.RawBody)
	}

	mock.AdvanceClock(60)
	updated, err := client.Okr.V1.ProgressRecord.Update(ctx, larkokr.NewUpdateProgressRecordReqBuilder().ProgressId(id).UserIdType("open_id").Body(
		larkokr.NewUpdateProgressRecordReqBodyBuilder().Content(larkokr.NewContentBlockBuilder().Blocks(
			[]*larkokr.ContentBlockElement{paragraph("at risk", 2)}).Build()).Build()).Build())
	mustSucceed(t, "update", err, updated, &updated.CodeError)
	if str(updated.Data.Content.Blocks[0].Paragraph.Elements[0].TextRun.Text) != "at risk" ||
		str(updated.Data.ModifyTime) <= str(created.Data.ModifyTime) || *updated.Data.ProgressRate.Percent != 42.13 {
		t.Fatalf("update (modify_time moves, progress_rate kept): %s", updated.RawBody)
	}

	// An update breaks create's own rules: indentLevel 17.
	bad, err := client.Okr.V1.ProgressRecord.Update(ctx, larkokr.NewUpdateProgressRecordReqBuilder().ProgressId(id).Body(
		larkokr.NewUpdateProgressRecordReqBodyBuilder().Content(larkokr.NewContentBlockBuilder().Blocks(
			[]*larkokr.ContentBlockElement{paragraph("x", 17)}).Build()).Build()).Build())
	wantCode(t, "update with indentLevel 17", err, bad.ApiResp, bad.CodeError, 1001001, "", 400)

	deleted, err := client.Okr.V1.ProgressRecord.Delete(ctx, larkokr.NewDeleteProgressRecordReqBuilder().ProgressId(id).Build())
	mustSucceed(t, "delete", err, deleted, &deleted.CodeError)
	if deleted.Msg != "success" {
		t.Fatalf("delete: %s", deleted.RawBody)
	}
	got, err = client.Okr.V1.ProgressRecord.Get(ctx, larkokr.NewGetProgressRecordReqBuilder().ProgressId(id).Build())
	wantCode(t, "get after delete", err, got.ApiResp, got.CodeError, 1001004, "okr data not found", 400)
	deleted, err = client.Okr.V1.ProgressRecord.Delete(ctx, larkokr.NewDeleteProgressRecordReqBuilder().ProgressId(id).Build())
	wantCode(t, "delete twice", err, deleted.ApiResp, deleted.CodeError, 1001004, "okr data not found", 400)
}

func TestProgressRecordRefusals(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	ok := larkokr.NewContentBlockBuilder().Blocks([]*larkokr.ContentBlockElement{paragraph("fine", 1)}).Build()

	resp, err := createRecord(client, objective, larkokr.NewContentBlockBuilder().Blocks(
		[]*larkokr.ContentBlockElement{paragraph("too deep", 17)}).Build())
	wantCode(t, "indentLevel 17", err, resp.ApiResp, resp.CodeError, 1001001, "", 400)
	if resp.Err == nil || len(resp.Err.FieldViolations) == 0 || !strings.Contains(resp.Err.FieldViolations[0].Field, "indentLevel") {
		t.Fatalf("field_violations: %s", resp.RawBody)
	}
	resp, err = createRecord(client, objective, larkokr.NewContentBlockBuilder().Blocks(
		[]*larkokr.ContentBlockElement{paragraph("deepest", 16)}).Build())
	mustSucceed(t, "indentLevel 16", err, resp, &resp.CodeError)
	resp, err = createRecord(client, "1234", ok)
	wantCode(t, "unknown objective", err, resp.ApiResp, resp.CodeError, 1001004, "okr data not found", 400)
	resp, err = createRecord(client, objective, ok, forced(mock, 1009998))
	wantCode(t, "forced 1009998", err, resp.ApiResp, resp.CodeError, 1009998, "system exception", 500)
	resp, err = createRecord(newClient(t, mock, feishumock.NoScopeAppID), objective, ok)
	wantCode(t, "no scope", err, resp.ApiResp, resp.CodeError, 99991672, "", 400)

	got, err := client.Okr.V1.ProgressRecord.Get(ctx, larkokr.NewGetProgressRecordReqBuilder().ProgressId("not-digits").Build())
	wantCode(t, "progress_id not digits", err, got.ApiResp, got.CodeError, 1001001, "invalid parameters", 400)
	got, err = client.Okr.V1.ProgressRecord.Get(ctx, larkokr.NewGetProgressRecordReqBuilder().ProgressId("7000000000000000000").Build(), forced(mock, 1009999))
	wantCode(t, "forced 1009999", err, got.ApiResp, got.CodeError, 1009999, "internal server error", 500)
	upd, err := client.Okr.V1.ProgressRecord.Update(ctx, larkokr.NewUpdateProgressRecordReqBuilder().ProgressId("7000000000000000000").Body(
		larkokr.NewUpdateProgressRecordReqBodyBuilder().Content(ok).Build()).Build())
	wantCode(t, "update of no record", err, upd.ApiResp, upd.CodeError, 1001004, "okr data not found", 400)
	del, err := client.Okr.V1.ProgressRecord.Delete(ctx, larkokr.NewDeleteProgressRecordReqBuilder().ProgressId("7000000000000000000").Build())
	wantCode(t, "delete of no record", err, del.ApiResp, del.CodeError, 1001004, "okr data not found", 400)
}
