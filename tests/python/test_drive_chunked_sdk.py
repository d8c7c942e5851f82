"""Drive media, the whole workflow through the official Python SDK (lark-oapi 1.7.5): a 25 MB
file through upload_prepare / upload_part / upload_finish, downloaded whole and with a Range,
and fetched again through a temporary download link (FOLLOWUP_APIS §1–2, issue 13).

Needs only the `client` and `url` fixtures."""
import io
import urllib.request
import zlib

import lark_oapi as lark
from lark_oapi.api.drive.v1 import (
    BatchGetTmpDownloadUrlMediaRequest,
    DownloadMediaRequest,
    MediaUploadInfo,
    UploadFinishMediaRequest,
    UploadFinishMediaRequestBody,
    UploadPartMediaRequest,
    UploadPartMediaRequestBody,
    UploadPrepareMediaRequest,
)

DOC_NODE = "doccnFivLCfJfblZjGZtxgabcef"
SIZE = 25 * 1024 * 1024 + 123


def file_bytes(n):
    block = bytes(range(251)) * (4 * 1024 * 1024 // 251 + 1)
    return (block * (n // len(block) + 1))[:n]


def prepare(client, size, name="video.mp4"):
    info = (
        MediaUploadInfo.builder()
        .file_name(name)
        .parent_type("docx_file")
        .parent_node(DOC_NODE)
        .size(size)
        .build()
    )
    resp = client.drive.v1.media.upload_prepare(
        UploadPrepareMediaRequest.builder().request_body(info).build()
    )
    assert resp.success(), (resp.code, resp.msg)
    return resp.data


def upload_part(client, upload_id, seq, block, checksum=None):
    body = (
        UploadPartMediaRequestBody.builder()
        .upload_id(upload_id)
        .seq(seq)
        .size(len(block))
        .file(io.BytesIO(block))
    )
    if checksum is not None:
        body = body.checksum(checksum)
    return client.drive.v1.media.upload_part(
        UploadPartMediaRequest.builder().request_body(body.build()).build()
    )


def finish(client, upload_id, block_num):
    body = UploadFinishMediaRequestBody.builder().upload_id(upload_id).block_num(block_num).build()
    return client.drive.v1.media.upload_finish(
        UploadFinishMediaRequest.builder().request_body(body).build()
    )


def upload_chunked(client, data):
    plan = prepare(client, len(data))
    assert plan.block_size == 4194304
    for seq in range(plan.block_num):
        block = data[seq * plan.block_size:(seq + 1) * plan.block_size]
        resp = upload_part(client, plan.upload_id, seq, block, checksum=str(zlib.adler32(block)))
        assert resp.success(), (seq, resp.code, resp.msg)
    resp = finish(client, plan.upload_id, plan.block_num)
    assert resp.success(), (resp.code, resp.msg)
    return resp.data.file_token


def download(client, file_token, range_header=None):
    req = DownloadMediaRequest.builder().file_token(file_token).build()
    option = lark.RequestOption.builder()
    if range_header:
        option = option.headers({"Range": range_header})
    return client.drive.v1.media.download(req, option.build())


def test_a_25_mb_file_goes_up_in_blocks_and_comes_back_whole_by_range_and_by_link(client):
    data = file_bytes(SIZE)
    plan = prepare(client, SIZE)
    assert plan.block_num == 7
    assert len(plan.upload_id) == 19 and plan.upload_id.isdigit()

    token = upload_chunked(client, data)
    assert token.startswith("boxcn") and len(token) == 27

    whole = download(client, token)
    assert whole.success(), (whole.code, whole.msg)
    assert whole.file_name == "video.mp4"
    assert whole.file.read() == data

    part = download(client, token, "bytes=4194300-4194309")
    assert part.success(), (part.code, part.msg)
    assert part.raw.status_code == 206
    assert part.raw.headers["Content-Range"] == "bytes 4194300-4194309/%d" % SIZE
    assert part.file.read() == data[4194300:4194310]

    req = BatchGetTmpDownloadUrlMediaRequest.builder().file_tokens([token, token]).build()
    links = client.drive.v1.media.batch_get_tmp_download_url(req)
    assert links.success(), (links.code, links.msg)
    assert [u.file_token for u in links.data.tmp_download_urls] == [token, token]
    with urllib.request.urlopen(links.data.tmp_download_urls[0].tmp_download_url) as r:
        assert r.read() == data


def test_sdk_sees_the_chunked_upload_errors(client):
    plan = prepare(client, 4194304 + 1)
    resp = upload_part(client, plan.upload_id, 2, b"x")
    assert (resp.code, resp.msg) == (1062011, "block num out of bounds.")
    resp = upload_part(client, plan.upload_id, 1, b"x", checksum="1")
    assert (resp.code, resp.msg) == (1062008, "checksum param Invalid.")
    resp = upload_part(client, plan.upload_id, 1, b"xy")
    assert resp.code == 1062009
    assert upload_part(client, plan.upload_id, 1, b"x").success()
    resp = finish(client, plan.upload_id, plan.block_num)
    assert (resp.code, resp.msg) == (1062010, "block missing, please upload all blocks.")
    resp = upload_part(client, "7111211691345512356", 0, b"x")
    assert (resp.code, resp.msg) == (1061021, "upload id expire.")


def test_sdk_download_of_an_unknown_token_reads_the_json_error(client):
    resp = download(client, "boxcnUnknownUnknownUnknown1")
    assert not resp.success()
    assert (resp.code, resp.msg) == (1061003, "not found.")
    assert resp.get_log_id()
