"""OKR progress record get, update and delete through the official Python SDK's typed calls
(lark-oapi 1.7.5), FOLLOWUP_APIS §3.

Feishu answers content in camelCase (seed 001's response example: textRun, indentLevel), which
the SDK's snake_case models do not map: text runs read back as None through the typed model, so
these tests read the answered content from the raw body, as a user of the SDK must.
"""
import json
from lark_oapi.api.okr.v1 import (
    ContentBlock,
    ContentBlockElement,
    ContentList,
    ContentParagraph,
    ContentParagraphElement,
    ContentParagraphStyle,
    ContentTextRun,
    CreateProgressRecordRequest,
    CreateProgressRecordRequestBody,
    DeleteProgressRecordRequest,
    GetProgressRecordRequest,
    ProgressRateNew,
    UpdateProgressRecordRequest,
    UpdateProgressRecordRequestBody,
)

OBJECTIVE = "6974586812998174252"


def paragraph(text, indent_level=1):
    return (
        ContentBlockElement.builder()
        .type("paragraph")
        .paragraph(
            ContentParagraph.builder()
            .style(
                ContentParagraphStyle.builder()
                .list(ContentList.builder().type("bullet").indent_level(indent_level).build())
                .build()
            )
            .elements(
                [
                    ContentParagraphElement.builder()
                    .type("textRun")
                    .text_run(ContentTextRun.builder().text(text).build())
                    .build()
                ]
            )
            .build()
        )
        .build()
    )


def create(client, text="第一版"):
    body = (
        CreateProgressRecordRequestBody.builder()
        .source_title("周报系统")
        .source_url("https://www.zhoubao.com")
        .target_id(OBJECTIVE)
        .target_type(2)
        .content(ContentBlock.builder().blocks([paragraph(text)]).build())
        .progress_rate(ProgressRateNew.builder().percent(40).status(0).build())
        .build()
    )
    resp = client.okr.v1.progress_record.create(
        CreateProgressRecordRequest.builder().request_body(body).build()
    )
    assert resp.success(), (resp.code, resp.msg)
    return resp.data.progress_id


def first_text(resp):
    """The first text run of the answered content, read from the raw body (camelCase)."""
    data = json.loads(resp.raw.content)["data"]
    return data["content"]["blocks"][0]["paragraph"]["elements"][0]["textRun"]["text"]


def get(client, progress_id):
    return client.okr.v1.progress_record.get(
        GetProgressRecordRequest.builder()
        .user_id_type("open_id")
        .progress_id(int(progress_id))
        .build()
    )


def update(client, progress_id, blocks, rate=None):
    b = UpdateProgressRecordRequestBody.builder().content(
        ContentBlock.builder().blocks(blocks).build()
    )
    if rate is not None:
        b = b.progress_rate(rate)
    return client.okr.v1.progress_record.update(
        UpdateProgressRecordRequest.builder()
        .progress_id(int(progress_id))
        .user_id_type("open_id")
        .request_body(b.build())
        .build()
    )


def delete(client, progress_id):
    return client.okr.v1.progress_record.delete(
        DeleteProgressRecordRequest.builder().progress_id(int(progress_id)).build()
    )


def test_sdk_gets_the_record_it_created(client):
    progress_id = create(client)
    resp = get(client, progress_id)
    assert resp.success(), (resp.code, resp.msg)
    assert str(resp.data.progress_id) == str(progress_id)
    assert first_text(resp) == "第一版"
    assert resp.data.content.blocks[0].type == "paragraph"
    assert resp.data.progress_rate.percent == 40
    assert int(resp.data.modify_time) > 0


def test_sdk_updates_content_and_keeps_progress_rate_when_omitted(client):
    progress_id = create(client)
    resp = update(client, progress_id, [paragraph("第二版", indent_level=16)])
    assert resp.success(), (resp.code, resp.msg)
    assert first_text(resp) == "第二版"
    assert resp.data.progress_rate.percent == 40
    got = json.loads(get(client, progress_id).raw.content)["data"]
    assert got["content"]["blocks"][0]["paragraph"]["style"]["list"]["indentLevel"] == 16


def test_sdk_update_replaces_progress_rate_when_given(client):
    progress_id = create(client)
    rate = ProgressRateNew.builder().percent(75.456).status(1).build()
    resp = update(client, progress_id, [paragraph("x")], rate)
    assert resp.success(), (resp.code, resp.msg)
    assert resp.data.progress_rate.percent == 75.46
    assert resp.data.progress_rate.status == 1


def test_sdk_update_sees_1001001_for_indent_level_17_as_create_does(client):
    progress_id = create(client)
    resp = update(client, progress_id, [paragraph("x", indent_level=17)])
    assert resp.code == 1001001
    assert resp.msg == "invalid parameters"
    assert first_text(get(client, progress_id)) == "第一版"


def test_sdk_deletes_a_record_and_then_sees_1001004_everywhere(client):
    progress_id = create(client)
    resp = delete(client, progress_id)
    assert resp.success(), (resp.code, resp.msg)
    assert resp.code == 0
    assert get(client, progress_id).code == 1001004
    assert update(client, progress_id, [paragraph("x")]).code == 1001004
    again = delete(client, progress_id)
    assert again.code == 1001004
    assert again.msg == "okr data not found"


def test_sdk_get_of_an_unknown_record_sees_1001004(client):
    resp = get(client, "7041857032248410131")
    assert resp.code == 1001004
    assert resp.get_log_id()
