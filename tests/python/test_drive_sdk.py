"""Drive media upload_all through the official Python SDK (lark-oapi 1.7.5), seed 004."""
import io
import re
import zlib

from lark_oapi.api.drive.v1 import UploadAllMediaRequest, UploadAllMediaRequestBody

DOC_NODE = "doccnFivLCfJfblZjGZtxgabcef"


def upload(client, data, parent_node=DOC_NODE, checksum=None, size=None):
    body = (
        UploadAllMediaRequestBody.builder()
        .file_name("demo.jpeg")
        .parent_type("doc_image")
        .parent_node(parent_node)
        .size(len(data) if size is None else size)
        .file(io.BytesIO(data))
    )
    if checksum is not None:
        body = body.checksum(checksum)
    req = UploadAllMediaRequest.builder().request_body(body.build()).build()
    return client.drive.v1.media.upload_all(req)


def test_sdk_fetches_its_own_token_and_upload_all_returns_a_boxcn_file_token(client):
    resp = upload(client, b"\x89PNG" + b"x" * 1020)
    assert resp.success(), (resp.code, resp.msg)
    assert re.fullmatch(r"boxcn[0-9A-Za-z]{22}", resp.data.file_token)
    assert re.fullmatch(r"\d{14}[0-9A-F]{20}", resp.get_log_id() or "")


def test_sdk_upload_all_with_adler32_checksum_is_accepted(client):
    data = b"feishu-mock" * 100
    resp = upload(client, data, checksum=str(zlib.adler32(data)))
    assert resp.success(), (resp.code, resp.msg)


def test_sdk_sees_1061044_for_an_unknown_parent_node(client):
    resp = upload(client, b"x" * 10, parent_node="doccnDoesNotExist")
    assert not resp.success()
    assert resp.code == 1061044
    assert resp.msg == "parent node not exist."
    assert resp.get_log_id()


def test_sdk_sees_1062009_when_size_differs_from_the_bytes(client):
    resp = upload(client, b"x" * 10, size=11)
    assert resp.code == 1062009
