"""Task v2 attachment list, get and delete through the official Python SDK's typed calls
(lark-oapi 1.7.5), FOLLOWUP_APIS §5: their own codes (1470403 no permission, 1470404 missing)
and the url that serves 3 downloads."""
import io
import urllib.error
import urllib.request

from lark_oapi.api.task.v2 import (
    DeleteAttachmentRequest,
    GetAttachmentRequest,
    InputAttachment,
    ListAttachmentRequest,
    UploadAttachmentRequest,
)

TASK = "fe96108d-b004-4a47-b2f8-6886e758b3a5"
FOREIGN_TASK = "9b4e7c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def upload_one(client, data):
    body = InputAttachment.builder().resource_id(TASK).file(io.BytesIO(data)).build()
    resp = client.task.v2.attachment.upload(
        UploadAttachmentRequest.builder().request_body(body).build()
    )
    assert resp.success(), (resp.code, resp.msg)
    return resp.data.items[0].guid


def get(client, guid):
    return client.task.v2.attachment.get(
        GetAttachmentRequest.builder().attachment_guid(guid).user_id_type("open_id").build()
    )


def delete(client, guid):
    return client.task.v2.attachment.delete(
        DeleteAttachmentRequest.builder().attachment_guid(guid).build()
    )


def list_task(client, resource_id, page_size=None):
    b = ListAttachmentRequest.builder().resource_type("task").resource_id(resource_id)
    if page_size is not None:
        b = b.page_size(page_size)
    return client.task.v2.attachment.list(b.build())


def fetch(url):
    try:
        with urllib.request.urlopen(url) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_sdk_gets_an_attachment_whose_url_serves_3_downloads(client):
    guid = upload_one(client, b"three times")
    resp = get(client, guid)
    assert resp.success(), (resp.code, resp.msg)
    url = resp.data.attachment.url
    for _ in range(3):
        assert fetch(url) == (200, b"three times")
    status, body = fetch(url)
    assert status == 403 and b"1470403" in body
    fresh = get(client, guid).data.attachment.url
    assert fresh != url
    assert fetch(fresh) == (200, b"three times")


def test_sdk_deletes_an_attachment_and_then_sees_1470404(client):
    guid = upload_one(client, b"to delete")
    resp = delete(client, guid)
    assert resp.success(), (resp.code, resp.msg)
    gone = get(client, guid)
    assert gone.code == 1470404
    assert gone.msg == "附件不存在或已删除。"
    assert delete(client, guid).code == 1470404
    listed = list_task(client, TASK, page_size=100)
    assert guid not in [a.guid for a in (listed.data.items or [])]


def test_sdk_list_sees_1470404_for_an_unknown_task_and_1470403_for_a_foreign_one(client):
    unknown = list_task(client, UNKNOWN)
    assert unknown.code == 1470404
    assert unknown.msg == "任务不存在或已删除。"
    foreign = list_task(client, FOREIGN_TASK)
    assert foreign.code == 1470403
    assert foreign.msg == "无权限查看任务的附件。"


def test_sdk_list_sees_a_1470400_msg_that_names_page_size(client):
    resp = list_task(client, TASK, page_size=101)
    assert resp.code == 1470400
    assert resp.msg == "请求参数有误。page_size: ≤ 100, got 101"


def test_sdk_get_of_an_unknown_attachment_sees_1470404(client):
    resp = get(client, UNKNOWN)
    assert resp.code == 1470404
    assert resp.get_log_id()
