package sdk

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feishu-mock/feishu-mock/go/feishumock"
	lark "github.com/larksuite/oapi-sdk-go/v3"
	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larktask "github.com/larksuite/oapi-sdk-go/v3/service/task/v2"
)

const (
	task          = "fe96108d-b004-4a47-b2f8-6886e758b3a5"
	otherTask     = "e6e37dcc-f75a-5936-f589-12fb4b5c80c2"
	someoneElse   = "9b4e7c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d" // only the second user may edit it
	unknownTaskID = "00000000-0000-4000-8000-000000000000"
)

func uploadAttachment(client *lark.Client, taskID string, file io.Reader, opts ...larkcore.RequestOptionFunc) (*larktask.UploadAttachmentResp, error) {
	return client.Task.V2.Attachment.Upload(ctx, larktask.NewUploadAttachmentReqBuilder().UserIdType("open_id").InputAttachment(
		larktask.NewInputAttachmentBuilder().ResourceType("task").ResourceId(taskID).File(file).Build()).Build(), opts...)
}

func TestTaskAttachmentUploadListGetDownloadDelete(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	data := []byte("minutes of the meeting\n")
	path := filepath.Join(t.TempDir(), "minutes.txt")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	// An *os.File gives the SDK its name for the part's filename.
	up, err := uploadAttachment(client, task, f)
	mustSucceed(t, "upload", err, up, &up.CodeError)
	if len(up.Data.Items) != 1 {
		t.Fatalf("upload: %s", up.RawBody)
	}
	a := up.Data.Items[0]
	if str(a.Name) != "minutes.txt" || *a.Size != len(data) || str(a.Resource.Type) != "task" || str(a.Resource.Id) != task ||
		str(a.Uploader.Id) != mock.AppID || str(a.Uploader.Type) != "app" || str(a.Guid) == "<nil>" || a.UploadedAt == nil {
		t.Fatalf("attachment: %s", up.RawBody)
	}
	if a.Url != nil {
		t.Fatalf("the upload answer has no url (seed 002): %s", up.RawBody)
	}
	guid := str(a.Guid)

	// A plain reader is sent as "unknown-file", the Go SDK's name for every unnamed file.
	up2, err := uploadAttachment(client, task, bytes.NewReader([]byte("second")))
	mustSucceed(t, "upload of a reader", err, up2, &up2.CodeError)
	if str(up2.Data.Items[0].Name) != "unknown-file" {
		t.Fatalf("name %q", str(up2.Data.Items[0].Name))
	}

	list, err := client.Task.V2.Attachment.List(ctx, larktask.NewListAttachmentReqBuilder().
		ResourceType("task").ResourceId(task).PageSize(1).Build())
	mustSucceed(t, "list", err, list, &list.CodeError)
	if len(list.Data.Items) != 1 || str(list.Data.Items[0].Guid) != guid || !*list.Data.HasMore || list.Data.Items[0].Url == nil {
		t.Fatalf("list page 1: %s", list.RawBody)
	}
	list, err = client.Task.V2.Attachment.List(ctx, larktask.NewListAttachmentReqBuilder().
		ResourceType("task").ResourceId(task).PageSize(1).PageToken(str(list.Data.PageToken)).Build())
	mustSucceed(t, "list page 2", err, list, &list.CodeError)
	if len(list.Data.Items) != 1 || str(list.Data.Items[0].Guid) != str(up2.Data.Items[0].Guid) || *list.Data.HasMore {
		t.Fatalf("list page 2: %s", list.RawBody)
	}

	got, err := client.Task.V2.Attachment.Get(ctx, larktask.NewGetAttachmentReqBuilder().AttachmentGuid(guid).UserIdType("open_id").Build())
	mustSucceed(t, "get", err, got, &got.CodeError)
	if str(got.Data.Attachment.Guid) != guid || got.Data.Attachment.Url == nil {
		t.Fatalf("get: %s", got.RawBody)
	}
	status, body := fetch(t, str(got.Data.Attachment.Url))
	if status != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("url: %d %q", status, body)
	}

	del, err := client.Task.V2.Attachment.Delete(ctx, larktask.NewDeleteAttachmentReqBuilder().AttachmentGuid(guid).Build())
	mustSucceed(t, "delete", err, del, &del.CodeError)
	got, err = client.Task.V2.Attachment.Get(ctx, larktask.NewGetAttachmentReqBuilder().AttachmentGuid(guid).Build())
	wantCode(t, "get after delete", err, got.ApiResp, got.CodeError, 1470404, "附件不存在或已删除。", 404)
	del, err = client.Task.V2.Attachment.Delete(ctx, larktask.NewDeleteAttachmentReqBuilder().AttachmentGuid(guid).Build())
	wantCode(t, "delete twice", err, del.ApiResp, del.CodeError, 1470404, "附件不存在或已删除。", 404)
}

func TestTaskAttachmentRefusals(t *testing.T) {
	mock := feishumock.Start(t)
	client := newClient(t, mock, mock.AppID)
	file := func() io.Reader { return strings.NewReader("x") }

	up, err := uploadAttachment(client, unknownTaskID, file())
	wantCode(t, "unknown task (seed 002: 403)", err, up.ApiResp, up.CodeError, 1470403, "资源不存在或已删除。", 403)
	up, err = uploadAttachment(client, someoneElse, file())
	wantCode(t, "not an editor (seed 002: 404)", err, up.ApiResp, up.CodeError, 1470404, "缺少上传附件的权限。", 404)
	up, err = uploadAttachment(client, task, file(), forced(mock, 1470500))
	wantCode(t, "forced 1470500", err, up.ApiResp, up.CodeError, 1470500, "服务器错误。", 500)
	up, err = uploadAttachment(newClient(t, mock, feishumock.NoScopeAppID), task, file())
	wantCode(t, "no scope", err, up.ApiResp, up.CodeError, 99991672, "", 400)
	// Too large, for real: one byte past 50 MB.
	up, err = uploadAttachment(client, otherTask, bytes.NewReader(make([]byte, 52428801)))
	wantCode(t, "50 MB + 1", err, up.ApiResp, up.CodeError, 1470400, "", 400)
	journaled(t, mock, "task.attachment.upload", 0, 0)

	list, err := client.Task.V2.Attachment.List(ctx, larktask.NewListAttachmentReqBuilder().
		ResourceType("task").ResourceId(task).PageSize(101).Build())
	wantCode(t, "page_size 101", err, list.ApiResp, list.CodeError, 1470400, "请求参数有误。page_size: ≤ 100, got 101", 400)
	list, err = client.Task.V2.Attachment.List(ctx, larktask.NewListAttachmentReqBuilder().
		ResourceType("task").ResourceId(task).PageSize(100).Build())
	mustSucceed(t, "page_size 100", err, list, &list.CodeError)
	list, err = client.Task.V2.Attachment.List(ctx, larktask.NewListAttachmentReqBuilder().
		ResourceType("task").ResourceId(unknownTaskID).Build())
	wantCode(t, "list of an unknown task", err, list.ApiResp, list.CodeError, 1470404, "任务不存在或已删除。", 404)
	list, err = client.Task.V2.Attachment.List(ctx, larktask.NewListAttachmentReqBuilder().
		ResourceType("task").ResourceId(someoneElse).Build())
	wantCode(t, "list of a task the app may not read", err, list.ApiResp, list.CodeError, 1470403, "无权限查看任务的附件。", 403)

	got, err := client.Task.V2.Attachment.Get(ctx, larktask.NewGetAttachmentReqBuilder().AttachmentGuid(unknownTaskID).Build(), forced(mock, 1470500))
	wantCode(t, "forced get 1470500", err, got.ApiResp, got.CodeError, 1470500, "服务器错误。", 500)
	del, err := client.Task.V2.Attachment.Delete(ctx, larktask.NewDeleteAttachmentReqBuilder().AttachmentGuid(strings.Repeat("g", 101)).Build())
	wantCode(t, "a 101-char guid", err, del.ApiResp, del.CodeError, 1470400, "", 400)
}
