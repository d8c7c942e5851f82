"""Calls the official Python SDK (lark-oapi) makes against BASE, for tests/record_parity.rs.

usage: sdk_calls.py MODE BASE
  record  the tenant token (the SDK fetches it itself), Drive upload_all and an IM message
  replay  the IM message only (a route feishu-mock does not emulate)
Prints one JSON object: what each typed call answered.
"""
import io
import json
import sys

import lark_oapi as lark
from lark_oapi.api.drive.v1 import UploadAllMediaRequest, UploadAllMediaRequestBody
from lark_oapi.api.im.v1 import CreateMessageRequest, CreateMessageRequestBody

NODE = "doxcnXgNGAtaAraIRVeCfmabcef"
FILE = b"python sdk through the proxy"

mode, base = sys.argv[1], sys.argv[2]
client = (
    lark.Client.builder()
    .app_id("cli_mock")
    .app_secret("mock-secret")
    .domain(base)
    .log_level(lark.LogLevel.ERROR)
    .build()
)
out = {}
if mode == "record":
    body = (
        UploadAllMediaRequestBody.builder()
        .file_name("sdk.txt")
        .parent_type("docx_file")
        .parent_node(NODE)
        .size(len(FILE))
        .file(io.BytesIO(FILE))
        .build()
    )
    resp = client.drive.v1.media.upload_all(UploadAllMediaRequest.builder().request_body(body).build())
    out["upload_all"] = {
        "code": resp.code,
        "msg": resp.msg,
        "file_token": resp.data.file_token if resp.data else None,
    }
message = (
    CreateMessageRequest.builder()
    .receive_id_type("open_id")
    .request_body(
        CreateMessageRequestBody.builder()
        .receive_id("ou_x")
        .msg_type("text")
        .content(json.dumps({"text": "hi"}))
        .build()
    )
    .build()
)
resp = client.im.v1.message.create(message)
out["message"] = {
    "code": resp.code,
    "msg": resp.msg,
    "message_id": resp.data.message_id if resp.data else None,
    "chat_id": resp.data.chat_id if resp.data else None,
    "log_id": resp.get_log_id(),
}
print(json.dumps(out))
