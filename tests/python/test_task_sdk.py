"""Task v2 attachment upload through the official Python SDK (lark-oapi 1.7.5), seed 002.

The SDK's typed model (InputAttachment) holds a single `file`, which its sync path sends as one
`file` part with no filename and no Content-Type. Two files therefore go up either as two typed
calls, or in one call through the SDK's generic `client.request` with a MultipartEncoder of two
`file` parts; both land, and the typed `list` shows them in upload order.
"""
import io
import json

import lark_oapi as lark
from lark_oapi.api.task.v2 import (
    GetAttachmentRequest,
    InputAttachment,
    ListAttachmentRequest,
    UploadAttachmentRequest,
)
from requests_toolbelt import MultipartEncoder

TASK = "fe96108d-b004-4a47-b2f8-6886e758b3a5"
TASK_2 = "e6e37dcc-f75a-5936-f589-12fb4b5c80c2"
FOREIGN_TASK = "9b4e7c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d"


def upload_one(client, data, resource_id=TASK):
    body = InputAttachment.builder().resource_id(resource_id).file(io.BytesIO(data)).build()
    req = UploadAttachmentRequest.builder().request_body(body).build()
    return client.task.v2.attachment.upload(req)


def list_task(client, resource_id, page_size=None):
    b = ListAttachmentRequest.builder().resource_type("task").resource_id(resource_id)
    if page_size is not None:
        b = b.page_size(page_size)
    return client.task.v2.attachment.list(b.build())


def test_sdk_uploads_two_files_in_two_typed_calls_and_lists_them(client):
    first = upload_one(client, b"first file", resource_id=TASK_2)
    second = upload_one(client, b"second, longer file", resource_id=TASK_2)
    for resp in (first, second):
        assert resp.success(), (resp.code, resp.msg)
        assert len(resp.data.items) == 1
    item = first.data.items[0]
    assert item.name == "unknown-file"  # the sync SDK sends no filename
    assert item.size == len(b"first file")
    assert item.resource.type == "task" and item.resource.id == TASK_2
    assert item.uploader.type == "app" and item.uploader.id == "cli_mock"
    assert item.is_cover is False
    assert int(item.uploaded_at) > 0

    listed = list_task(client, TASK_2)
    assert listed.success(), (listed.code, listed.msg)
    guids = [a.guid for a in listed.data.items]
    assert guids[-2:] == [first.data.items[0].guid, second.data.items[0].guid]
    assert listed.data.has_more is False


def test_sdk_generic_request_uploads_two_file_parts_in_one_call_in_order(client):
    enc = MultipartEncoder(
        fields=[
            ("resource_type", "task"),
            ("resource_id", TASK),
            ("file", ("a.txt", io.BytesIO(b"aaa"), "text/plain")),
            ("file", ("b.bin", io.BytesIO(b"bbbbbb"), "application/octet-stream")),
        ]
    )
    req = (
        lark.BaseRequest.builder()
        .http_method(lark.HttpMethod.POST)
        .uri("/open-apis/task/v2/attachments/upload")
        .token_types({lark.AccessTokenType.TENANT})
        .headers({"Content-Type": enc.content_type})
        .body(enc)
        .build()
    )
    resp = client.request(req)
    assert resp.success(), (resp.code, resp.msg)
    items = json.loads(resp.raw.content)["data"]["items"]
    assert [(i["name"], i["size"]) for i in items] == [("a.txt", 3), ("b.bin", 6)]

    listed = list_task(client, TASK, page_size=100)
    assert listed.success(), (listed.code, listed.msg)
    names = [a.name for a in listed.data.items]
    assert names[-2:] == ["a.txt", "b.bin"]

    got = client.task.v2.attachment.get(
        GetAttachmentRequest.builder().attachment_guid(items[1]["guid"]).build()
    )
    assert got.success(), (got.code, got.msg)
    assert got.data.attachment.url.startswith("http")


def test_sdk_sees_1470403_for_an_unknown_task(client):
    resp = upload_one(client, b"x", resource_id="00000000-0000-4000-8000-000000000000")
    assert resp.code == 1470403
    assert resp.msg == "资源不存在或已删除。"
    assert resp.get_log_id()


def test_sdk_sees_1470404_for_a_task_the_app_may_not_edit(client):
    resp = upload_one(client, b"x", resource_id=FOREIGN_TASK)
    assert resp.code == 1470404
    assert resp.msg == "缺少上传附件的权限。"
