package projectsdk

import (
	"bytes"
	"testing"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
	sdk "github.com/larksuite/project-oapi-sdk-golang"
	"github.com/larksuite/project-oapi-sdk-golang/core"
	"github.com/larksuite/project-oapi-sdk-golang/v2/service/attachment"
	"github.com/larksuite/project-oapi-sdk-golang/v2/service/workitem"
)

// newClientV2 is the SDK's second client (clientV2.go), whose WorkItem service holds
// DeleteFile, with a token cache of its own (see newClient).
func newClientV2(t testing.TB, mock *feishumock.Mock, opts ...sdk.ClientOptionFunc) *sdk.ClientV2 {
	t.Helper()
	base := []sdk.ClientOptionFunc{
		sdk.WithOpenBaseUrl(mock.URL),
		sdk.WithTokenCache(feishumock.NewTokenCache()),
		sdk.WithLogger(testLogger{t}),
	}
	return sdk.NewClientV2(feishumock.PluginID, feishumock.PluginSecret, append(base, opts...)...)
}

// uploadV2 stores one attachment through ClientV2's UploadAttachment (v2/service/attachment,
// the same request as the first client's) and returns its uuid.
func uploadV2(t testing.TB, c *sdk.ClientV2, item int64, name string, data []byte) string {
	t.Helper()
	req := attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").WorkItemID(item).
		FieldKey(attachKey).FileWithFileName(name, readerOf(data)).FileMimeType("text/plain").Build()
	resp, err := c.Attachment.UploadAttachment(ctx, req, asUser())
	if err != nil {
		t.Fatalf("UploadAttachment (v2): Go error %v", err)
	}
	wantCode(t, "upload (v2)", resp.APIResp, resp.CodeError, 200, 0, "")
	uuid := resp.Header.Get(uuidHeader)
	if uuid == "" {
		t.Fatalf("no %s: %v", uuidHeader, resp.Header)
	}
	return uuid
}

func deleteFile(t testing.TB, c *sdk.ClientV2, b *workitem.DeleteFileReqBuilder, opts ...core.RequestOptionFunc) *workitem.DeleteFileResp {
	t.Helper()
	resp, err := c.WorkItem.DeleteFile(ctx, b.Build(), opts...)
	if err != nil {
		t.Fatalf("DeleteFile: Go error %v", err)
	}
	return resp
}

// FOLLOWUP_APIS §4.3: POST /open_api/file/delete removes the listed attachments of one field
// of one work item; DeleteFileReqBody sends work_item_id as a JSON number.
func TestDeleteFileRemovesTheAttachmentsItNames(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClientV2(t, mock)
	first := uploadV2(t, c, story, "a.txt", []byte("a"))
	second := uploadV2(t, c, story, "b.txt", []byte("b"))

	resp := deleteFile(t, c, workitem.NewDeleteFileReqBuilder().ProjectKey(space).WorkItemID(story).
		FieldKey(attachKey).Uuids([]string{first}), asUser())
	wantCode(t, "delete", resp.APIResp, resp.CodeError, 200, 0, "")
	if files := mock.Files(); len(files) != 1 {
		t.Fatalf("stored after the delete: %+v", files)
	}

	// The download of the first client: the deleted uuid is gone, the other one is there.
	v1 := newClient(t, mock)
	down := download(t, v1, space, story, first, asUser())
	wantCode(t, "download of a deleted attachment", down.APIResp, down.CodeError, 400, 20006, "")
	down = download(t, v1, space, story, second, asUser())
	if down.StatusCode != 200 || !bytes.Equal(readAll(t, down.File), []byte("b")) {
		t.Fatalf("the other attachment: %d %s", down.StatusCode, down.RawBody)
	}

	// By the field's alias and the space's simple_name.
	c = newClientV2(t, mock)
	resp = deleteFile(t, c, workitem.NewDeleteFileReqBuilder().ProjectKey(spaceAlias).WorkItemID(story).
		FieldAlias("attachment").Uuids([]string{second}), asUser())
	wantCode(t, "delete by alias", resp.APIResp, resp.CodeError, 200, 0, "")
	if files := mock.Files(); len(files) != 0 {
		t.Fatalf("stored after both deletes: %+v", files)
	}
}

// A deleted attachment no longer counts toward the field's 50 (seed 003 note 3).
func TestDeleteFileFreesASlotOfAFullAttachmentField(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClientV2(t, mock)
	var last string
	for i := 1; i <= 50; i++ {
		last = uploadV2(t, c, story, name(i), []byte{byte(i)})
	}
	full := attachment.NewUploadAttachmentReqBuilder().ProjectKey(space).WorkItemTypeKey("story").WorkItemID(story).
		FieldKey(attachKey).FileWithFileName("51.txt", readerOf([]byte("51"))).Build()
	up, err := c.Attachment.UploadAttachment(ctx, full, asUser())
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "the 51st", up.APIResp, up.CodeError, 400, 1000050262, "")
	resp := deleteFile(t, c, workitem.NewDeleteFileReqBuilder().ProjectKey(space).WorkItemID(story).
		FieldKey(attachKey).Uuids([]string{last}), asUser())
	wantCode(t, "delete", resp.APIResp, resp.CodeError, 200, 0, "")
	uploadV2(t, c, story, "51.txt", []byte("51"))
}

// FOLLOWUP_APIS §4.3's refusals through the typed call: the SDK leaves unset members out
// (omitempty), so an empty Uuids list is a missing one (20005), not an empty one.
func TestDeleteFileRefusals(t *testing.T) {
	mock := feishumock.Start(t)
	c := newClientV2(t, mock)
	held := uploadV2(t, c, story, "a.txt", []byte("a"))
	never := "00000000-0000-4000-8000-000000000000"
	b := workitem.NewDeleteFileReqBuilder
	for _, tc := range []struct {
		what   string
		req    *workitem.DeleteFileReqBuilder
		status int
		code   int
	}{
		{"a uuid the field does not hold", b().ProjectKey(space).WorkItemID(story).FieldKey(attachKey).Uuids([]string{never}), 404, 30019},
		{"another work item's field", b().ProjectKey(space).WorkItemID(otherStory).FieldKey(attachKey).Uuids([]string{held}), 404, 30019},
		{"no field_key nor field_alias", b().ProjectKey(space).WorkItemID(story).Uuids([]string{held}), 400, 20025},
		{"both field_key and field_alias", b().ProjectKey(space).WorkItemID(story).FieldKey(attachKey).FieldAlias("attachment").Uuids([]string{held}), 400, 20006},
		{"not an attachment field", b().ProjectKey(space).WorkItemID(story).FieldKey("field_description").Uuids([]string{held}), 400, 20070},
		{"Uuids of none (omitted)", b().ProjectKey(space).WorkItemID(story).FieldKey(attachKey).Uuids([]string{}), 400, 20005},
		{"no ProjectKey", b().WorkItemID(story).FieldKey(attachKey).Uuids([]string{held}), 400, 20005},
		{"no WorkItemID", b().ProjectKey(space).FieldKey(attachKey).Uuids([]string{held}), 400, 20005},
		{"unknown space", b().ProjectKey("no_such_space").WorkItemID(story).FieldKey(attachKey).Uuids([]string{held}), 404, 30016},
		{"unknown work item", b().ProjectKey(space).WorkItemID(6437119999).FieldKey(attachKey).Uuids([]string{held}), 404, 30005},
	} {
		resp := deleteFile(t, c, tc.req, asUser())
		wantCode(t, tc.what, resp.APIResp, resp.CodeError, tc.status, tc.code, "")
	}
	resp := deleteFile(t, c, b().ProjectKey(space).WorkItemID(story).FieldKey(attachKey).Uuids([]string{held}), asUser(), forced(mock, 30019))
	wantCode(t, "forced 30019", resp.APIResp, resp.CodeError, 404, 30019, "")
	resp = deleteFile(t, c, b().ProjectKey(space).WorkItemID(story).FieldKey(attachKey).Uuids([]string{held}))
	wantCode(t, "plugin token without X-USER-KEY", resp.APIResp, resp.CodeError, 403, 10001, "")
	if n := len(mock.Files()); n != 1 {
		t.Fatalf("a refused delete removed something: %d left", n)
	}

	// X-IDEM-UUID is checked last, just before anything changes (specs/project.file.delete.json,
	// assumed): the exact repeat of a delete finds its uuid gone (30019); the same key on a
	// delete that would succeed is 10430 and deletes nothing.
	other := uploadV2(t, c, story, "b.txt", []byte("b"))
	resp = deleteFile(t, c, b().ProjectKey(space).WorkItemID(story).FieldKey(attachKey).Uuids([]string{held}), asUser(), core.WithIdemUUID("del-1"))
	wantCode(t, "delete with a key", resp.APIResp, resp.CodeError, 200, 0, "")
	resp = deleteFile(t, c, b().ProjectKey(space).WorkItemID(story).FieldKey(attachKey).Uuids([]string{held}), asUser(), core.WithIdemUUID("del-1"))
	wantCode(t, "the exact repeat", resp.APIResp, resp.CodeError, 404, 30019, "")
	resp = deleteFile(t, c, b().ProjectKey(space).WorkItemID(story).FieldKey(attachKey).Uuids([]string{other}), asUser(), core.WithIdemUUID("del-1"))
	wantCode(t, "the same key again", resp.APIResp, resp.CodeError, 429, 10430, "API Request Idempotent Limit")
	resp = deleteFile(t, c, b().ProjectKey(space).WorkItemID(story).FieldKey(attachKey).Uuids([]string{other}), asUser(), forced(mock, 10430))
	wantCode(t, "forced 10430", resp.APIResp, resp.CodeError, 429, 10430, "")
	if n := len(mock.Files()); n != 1 {
		t.Fatalf("stored: %d, want the second attachment only", n)
	}
}
