"""OKR image upload and progress record create through the official Python SDK (lark-oapi 1.7.5),
seeds 000 and 001. The SDK writes rich text in snake_case (text_run, image_list, file_token, ...)."""
import io
import json
import re
import urllib.request

from lark_oapi.api.okr.v1 import (
    ContentBlock,
    ContentBlockElement,
    ContentColor,
    ContentGallery,
    ContentImageItem,
    ContentList,
    ContentParagraph,
    ContentParagraphElement,
    ContentParagraphStyle,
    ContentPerson,
    ContentTextRun,
    ContentTextStyle,
    CreateProgressRecordRequest,
    CreateProgressRecordRequestBody,
    ProgressRateNew,
    UploadImageRequest,
    UploadImageRequestBody,
)

OBJECTIVE = "6974586812998174252"
COLLEAGUE = "ou_3bbe8a09c20e89cce9bff989ed840674"

# A real 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f00050001ff89993d1d"
    "0000000049454e44ae426082"
)


def upload(client, data, target_id=OBJECTIVE, target_type=2):
    body = (
        UploadImageRequestBody.builder()
        .data(io.BytesIO(data))
        .target_id(target_id)
        .target_type(target_type)
        .build()
    )
    return client.okr.v1.image.upload(UploadImageRequest.builder().request_body(body).build())


def text_paragraph(text, indent_level=1):
    run = (
        ContentTextRun.builder()
        .text(text)
        .style(
            ContentTextStyle.builder()
            .bold(True)
            .strike_through(True)
            .text_color(ContentColor.builder().red(216).green(57).blue(49).alpha(1.0).build())
            .build()
        )
        .build()
    )
    person = ContentPerson.builder().open_id(COLLEAGUE).build()
    paragraph = (
        ContentParagraph.builder()
        .style(
            ContentParagraphStyle.builder()
            .list(ContentList.builder().type("number").indent_level(indent_level).number(1).build())
            .build()
        )
        .elements(
            [
                ContentParagraphElement.builder().type("textRun").text_run(run).build(),
                ContentParagraphElement.builder().type("person").person(person).build(),
            ]
        )
        .build()
    )
    return ContentBlockElement.builder().type("paragraph").paragraph(paragraph).build()


def gallery(file_token, src):
    item = ContentImageItem.builder().file_token(file_token).src(src).width(458.0).height(372.0).build()
    return (
        ContentBlockElement.builder()
        .type("gallery")
        .gallery(ContentGallery.builder().image_list([item]).build())
        .build()
    )


def create(client, blocks, target_id=OBJECTIVE, percent=50.21):
    body = (
        CreateProgressRecordRequestBody.builder()
        .source_title("周报系统")
        .source_url("https://www.zhoubao.com")
        .target_id(target_id)
        .target_type(2)
        .content(ContentBlock.builder().blocks(blocks).build())
        .progress_rate(ProgressRateNew.builder().percent(percent).status(0).build())
        .build()
    )
    req = (
        CreateProgressRecordRequest.builder()
        .user_id_type("open_id")
        .request_body(body)
        .build()
    )
    return client.okr.v1.progress_record.create(req)


def test_sdk_uploads_an_image_and_its_url_serves_the_bytes(client):
    resp = upload(client, PNG)
    assert resp.success(), (resp.code, resp.msg)
    assert re.fullmatch(r"boxbc[0-9A-Za-z]{22}", resp.data.file_token)
    with urllib.request.urlopen(resp.data.url) as got:
        assert got.headers["Content-Type"] == "image/png"
        assert got.read() == PNG


def test_sdk_creates_a_progress_record_whose_gallery_uses_the_uploaded_image(client):
    image = upload(client, PNG)
    assert image.success(), (image.code, image.msg)
    resp = create(client, [text_paragraph("周报内容"), gallery(image.data.file_token, image.data.url)])
    assert resp.success(), (resp.code, resp.msg)
    assert re.fullmatch(r"\d{19}", resp.data.progress_id)
    assert re.fullmatch(r"\d{13}", resp.data.modify_time)
    assert resp.data.progress_rate.percent == 50.21
    assert resp.data.progress_rate.status == 0
    # The answer is in Feishu's camelCase, which the SDK's snake_case models do not read back.
    raw = json.loads(resp.raw.content)
    blocks = raw["data"]["content"]["blocks"]
    assert blocks[0]["paragraph"]["style"]["list"] == {"indentLevel": 1, "number": 1, "type": "number"}
    assert blocks[0]["paragraph"]["elements"][0]["textRun"]["style"]["strikeThrough"] is True
    assert blocks[0]["paragraph"]["elements"][1]["person"] == {"openId": COLLEAGUE}
    assert blocks[1]["gallery"]["imageList"] == [
        {"fileToken": image.data.file_token, "height": 372, "src": image.data.url, "width": 458}
    ]


def test_sdk_sees_1001004_for_an_image_of_an_unknown_objective(client):
    resp = upload(client, PNG, target_id="7000000000000000000")
    assert resp.code == 1001004
    assert resp.msg == "okr data not found"
    assert resp.get_log_id()


def test_sdk_sees_1001001_for_bytes_that_are_no_image(client):
    resp = upload(client, b"%PDF-1.7 not an image")
    assert resp.code == 1001001
    assert resp.msg == "invalid parameters"


def test_sdk_sees_1001001_for_indent_level_17(client):
    resp = create(client, [text_paragraph("x", indent_level=17)])
    assert resp.code == 1001001


def test_sdk_sees_1001001_for_a_gallery_token_never_uploaded(client):
    resp = create(client, [gallery("boxbcNeverUploaded0000000000", "https://example.com/x.png")])
    assert resp.code == 1001001


def test_sdk_target_id_given_as_int_as_the_sdk_types_it_is_accepted(client):
    image = upload(client, PNG, target_id=int(OBJECTIVE))
    assert image.success(), (image.code, image.msg)
    resp = create(client, [text_paragraph("x")], target_id=int(OBJECTIVE))
    assert resp.success(), (resp.code, resp.msg)
