//! OKR, seeds 000 (`specs/okr.image.upload.json`) and 001
//! (`specs/okr.progress_record.create.json`): every rule and every code a request can trigger,
//! both sides of each boundary, the download link, and the seed's complete request example.

mod common;

use common::*;
use feishu_mock::state::world::{App, PreissuedToken, PreissuedUserToken};
use feishu_mock::{MockServer, World};
use serde_json::{json, Value};

const UPLOAD: &str = "/open-apis/okr/v1/images/upload";
const CREATE: &str = "/open-apis/okr/v1/progress_records";
/// Objectives and the key result of the default world.
const OBJECTIVE: &str = "6974586812998174252";
const SEED_OBJECTIVE: &str = "7043693679567028244";
const KEY_RESULT: &str = "7041430377642082323";
/// The docs' own image tokens, pre-held by the default world.
const WORLD_IMAGE: &str = "boxbcMTBQO9ofLjWkDuPxkxOA2c";
const WORLD_IMAGE_2: &str = "boxbcc6DmPfgi4rNXIaGfptc9HX";
/// The default world's second user.
const COLLEAGUE: &str = "ou_3bbe8a09c20e89cce9bff989ed840674";
/// Tokens added by [`special_world`].
const ISV_TOKEN: &str = "t-15v0000000000000000000000000000000000000";
const GHOST_USER_TOKEN: &str = "u-ghost0000000000000000000000000";

/// A real 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The first bytes of each of the nine formats, with the Content-Type the link serves.
const FORMATS: &[(&str, &[u8], &str)] = &[
    ("jpeg", b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01", "image/jpeg"),
    ("png", PNG, "image/png"),
    ("webp", b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0", "image/webp"),
    ("gif", b"GIF89a\x01\0\x01\0\x80\0\0", "image/gif"),
    ("bmp", b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0", "image/bmp"),
    ("ico", b"\0\0\x01\0\x01\0\x10\x10\0\0", "image/x-icon"),
    ("tiff", b"MM\0*\0\0\0\x08\0\x01", "image/tiff"),
    (
        "heic",
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0",
        "image/heic",
    ),
    (
        "heif-mif1",
        b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic\0\0\0\0",
        "image/heic",
    ),
];

/// The default world plus a store app (`isv`) with the OKR scopes and a tenant token, and a user
/// token whose user is not in the world.
fn special_world() -> World {
    let mut w = World::default_world();
    w.apps.push(App {
        app_id: "cli_isv".into(),
        app_secret: "isv-secret".into(),
        app_type: "isv".into(),
        name: "store app".into(),
        scopes: vec![
            "okr:okr".into(),
            "okr:okr.progress.file:upload".into(),
            "okr:okr.progress:writeonly".into(),
        ],
    });
    w.tenant_access_tokens.push(PreissuedToken {
        token: ISV_TOKEN.into(),
        app_id: "cli_isv".into(),
    });
    w.user_access_tokens.push(PreissuedUserToken {
        token: GHOST_USER_TOKEN.into(),
        app_id: "cli_mock".into(),
        open_id: "ou_00000000000000000000000000ghost".into(),
    });
    w
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn image_form(target_id: &str, target_type: &str, bytes: &[u8]) -> RawForm {
    RawForm::new()
        .file("data", None, None, bytes)
        .text("target_id", target_id)
        .text("target_type", target_type)
}

async fn upload_with(server: &MockServer, token: &str, form: &RawForm) -> Resp {
    post_form(&format!("{}{UPLOAD}", server.url()), Some(token), form).await
}

async fn upload(server: &MockServer, form: &RawForm) -> Resp {
    upload_with(server, TENANT_TOKEN, form).await
}

/// Uploads a PNG for the default objective and returns (file_token, url).
async fn uploaded_png(server: &MockServer) -> (String, String) {
    let resp = upload(server, &image_form(OBJECTIVE, "2", PNG)).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    let data = &resp.json()["data"];
    (
        data["file_token"].as_str().unwrap().to_string(),
        data["url"].as_str().unwrap().to_string(),
    )
}

async fn create_with(server: &MockServer, token: &str, query: &str, body: &Value) -> Resp {
    post_json(
        &format!("{}{CREATE}{query}", server.url()),
        Some(token),
        body,
    )
    .await
}

async fn create(server: &MockServer, body: &Value) -> Resp {
    create_with(server, TENANT_TOKEN, "", body).await
}

/// A minimal valid body: one text paragraph on the default objective.
fn minimal() -> Value {
    json!({
        "source_title": "周报系统",
        "source_url": "https://www.zhoubao.com",
        "target_id": OBJECTIVE,
        "target_type": 2,
        "content": {"blocks": [{"type": "paragraph", "paragraph": {"elements": [
            {"type": "textRun", "textRun": {"text": "周报内容"}}
        ]}}]}
    })
}

/// [`minimal`] with `key` set to `value` at the top level (`Value::Null` removes it).
fn minimal_with(key: &str, value: Value) -> Value {
    let mut b = minimal();
    if value.is_null() {
        b.as_object_mut().unwrap().remove(key);
    } else {
        b[key] = value;
    }
    b
}

/// [`minimal`] whose content is one paragraph with `style` and one element `element`.
fn with_paragraph(style: Value, element: Value) -> Value {
    let mut paragraph = json!({"elements": [element]});
    if !style.is_null() {
        paragraph["style"] = style;
    }
    minimal_with(
        "content",
        json!({"blocks": [{"type": "paragraph", "paragraph": paragraph}]}),
    )
}

/// [`minimal`] with a list style `list` on its paragraph.
fn with_list(list: Value) -> Value {
    with_paragraph(
        json!({"list": list}),
        json!({"type": "textRun", "textRun": {"text": "x"}}),
    )
}

/// [`minimal`] with a text run styled `style`.
fn with_text_style(style: Value) -> Value {
    with_paragraph(
        Value::Null,
        json!({"type": "textRun", "textRun": {"text": "x", "style": style}}),
    )
}

/// [`minimal`] with one gallery image `item`.
fn with_image(item: Value) -> Value {
    minimal_with(
        "content",
        json!({"blocks": [{"type": "gallery", "gallery": {"imageList": [item]}}]}),
    )
}

/// Asserts HTTP 400 with `code` and its seed message, and that nothing was stored.
fn assert_refused(server: &MockServer, resp: &Resp, code: i64) {
    assert_eq!(resp.code(), code, "{}", resp.text);
    assert_eq!(resp.status, 400, "{}", resp.text);
    let msg = match code {
        1001001 => "invalid parameters",
        1001002 => "no permission",
        1001003 => "user not found",
        1001004 => "okr data not found",
        _ => unreachable!(),
    };
    assert_eq!(resp.json()["msg"], msg);
    assert!(resp.json()["error"]["log_id"].is_string());
    let okr = &server.state().emulator().families.okr;
    assert_eq!(okr.progress_record_count(), 0, "a rejected request stored");
    assert_eq!(
        server.state().emulator().store.file_count(),
        0,
        "a rejected request stored"
    );
}

fn assert_accepted(resp: &Resp) -> Value {
    assert_eq!(resp.code(), 0, "{}", resp.text);
    assert_eq!(resp.status, 200);
    resp.json()["data"].clone()
}

/// The first JSON value after `marker` in seed 001.
fn seed_001_json(marker: &str) -> Value {
    let text = include_str!("../specs/seeds/001_b554ef9b2932c24f.txt");
    let at = text.find(marker).expect("marker in seed 001");
    let from = at
        + text[at..]
            .find('{')
            .expect("a JSON object after the marker");
    serde_json::Deserializer::from_str(&text[from..])
        .into_iter::<Value>()
        .next()
        .expect("a value")
        .expect("the seed's example is JSON")
}

// ---------------------------------------------------------------------------------------------
// Image upload (seed 000)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn image_upload_answers_a_boxbc_file_token_and_a_url_on_this_server() {
    let server = server().await;
    let resp = upload(&server, &image_form(OBJECTIVE, "2", PNG)).await;
    let data = assert_accepted(&resp);
    let token = data["file_token"].as_str().unwrap();
    assert_eq!(token.len(), 27, "{token}");
    assert!(token.starts_with("boxbc"));
    assert!(token[5..].bytes().all(|b| b.is_ascii_alphanumeric()));
    let url = data["url"].as_str().unwrap();
    let prefix = format!(
        "{}/stream/api/downloadFile/?file_token={token}&ticket=",
        server.url()
    );
    assert!(url.starts_with(&prefix), "{url}");
    assert!(server
        .state()
        .emulator()
        .families
        .okr
        .image(token)
        .is_some());
}

#[tokio::test]
async fn image_upload_snapshot_of_the_seed_request_example() {
    let server = seeded_server(3).await;
    let resp = upload(&server, &image_form(OBJECTIVE, "2", PNG)).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    let mut snap = snapshot_of(&resp);
    let url = snap["body"]["data"]["url"].as_str().unwrap().to_string();
    snap["body"]["data"]["url"] = json!(url.replace(&server.url(), "http://[public_url]"));
    assert_snapshot_json!("okr_image_upload_ok", snap);
}

#[tokio::test]
async fn image_upload_url_follows_the_public_url_setting() {
    let server = MockServer::start_with(feishu_mock::Config {
        public_url: Some("https://okr.mock.example/".into()),
        ..feishu_mock::Config::default()
    })
    .await
    .unwrap();
    let (token, url) = uploaded_png(&server).await;
    assert!(
        url.starts_with(&format!(
            "https://okr.mock.example/stream/api/downloadFile/?file_token={token}&ticket="
        )),
        "{url}"
    );
}

#[tokio::test]
async fn image_upload_url_serves_the_bytes_without_authorization() {
    let server = server().await;
    let (_, url) = uploaded_png(&server).await;
    let resp = client().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PNG);
}

#[tokio::test]
async fn image_upload_accepts_each_of_the_nine_formats_and_serves_its_content_type() {
    let server = server().await;
    for (name, bytes, content_type) in FORMATS {
        let resp = upload(&server, &image_form(OBJECTIVE, "2", bytes)).await;
        let data = assert_accepted(&resp);
        let got = client()
            .get(data["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(got.headers()["content-type"], *content_type, "{name}");
        assert_eq!(got.bytes().await.unwrap().as_ref(), *bytes, "{name}");
    }
}

#[tokio::test]
async fn image_upload_recognises_the_format_from_the_bytes_not_the_filename() {
    let server = server().await;
    let form = RawForm::new()
        .file("data", Some("report.pdf"), Some("application/pdf"), PNG)
        .text("target_id", OBJECTIVE)
        .text("target_type", "2");
    let data = assert_accepted(&upload(&server, &form).await);
    let got = client()
        .get(data["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.headers()["content-type"], "image/png");
}

#[tokio::test]
async fn image_upload_rejects_a_pdf_named_png_with_1001001() {
    let server = server().await;
    let form = RawForm::new()
        .file(
            "data",
            Some("x.png"),
            Some("image/png"),
            b"%PDF-1.7\n%\xE2\xE3",
        )
        .text("target_id", OBJECTIVE)
        .text("target_type", "2");
    let resp = upload(&server, &form).await;
    assert_refused(&server, &resp, 1001001);
    assert_eq!(resp.json()["error"]["field_violations"][0]["field"], "data");
}

#[tokio::test]
async fn image_upload_rejects_an_empty_data_part_with_1001001() {
    let server = server().await;
    let resp = upload(&server, &image_form(OBJECTIVE, "2", b"")).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn image_upload_rejects_a_missing_data_part_with_1001001() {
    let server = server().await;
    let form = RawForm::new()
        .text("target_id", OBJECTIVE)
        .text("target_type", "2");
    assert_refused(&server, &upload(&server, &form).await, 1001001);
}

#[tokio::test]
async fn image_upload_rejects_a_second_data_part_with_1001001() {
    let server = server().await;
    let form = image_form(OBJECTIVE, "2", PNG).file("data", None, None, PNG);
    assert_refused(&server, &upload(&server, &form).await, 1001001);
}

#[tokio::test]
async fn image_upload_rejects_a_missing_target_id_with_1001001() {
    let server = server().await;
    let form = RawForm::new()
        .file("data", None, None, PNG)
        .text("target_type", "2");
    assert_refused(&server, &upload(&server, &form).await, 1001001);
}

#[tokio::test]
async fn image_upload_rejects_an_empty_target_id_with_1001001() {
    let server = server().await;
    let resp = upload(&server, &image_form("", "2", PNG)).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn image_upload_rejects_a_missing_target_type_with_1001001() {
    let server = server().await;
    let form = RawForm::new()
        .file("data", None, None, PNG)
        .text("target_id", OBJECTIVE);
    assert_refused(&server, &upload(&server, &form).await, 1001001);
}

#[tokio::test]
async fn image_upload_rejects_target_type_outside_2_and_3_with_1001001() {
    let server = server().await;
    for bad in ["1", "4", "two", "2.0", ""] {
        let resp = upload(&server, &image_form(OBJECTIVE, bad, PNG)).await;
        assert_refused(&server, &resp, 1001001);
        assert_eq!(
            resp.json()["error"]["field_violations"][0]["field"],
            "target_type",
            "{bad}"
        );
    }
}

#[tokio::test]
async fn image_upload_accepts_a_key_result_with_target_type_3() {
    let server = server().await;
    assert_accepted(&upload(&server, &image_form(KEY_RESULT, "3", PNG)).await);
}

#[tokio::test]
async fn image_upload_rejects_an_unknown_target_with_1001004() {
    let server = server().await;
    let resp = upload(&server, &image_form("7000000000000000000", "2", PNG)).await;
    assert_refused(&server, &resp, 1001004);
}

#[tokio::test]
async fn image_upload_rejects_an_objective_sent_as_target_type_3_with_1001004() {
    let server = server().await;
    let resp = upload(&server, &image_form(OBJECTIVE, "3", PNG)).await;
    assert_refused(&server, &resp, 1001004);
}

#[tokio::test]
async fn image_upload_rejects_a_key_result_sent_as_target_type_2_with_1001004() {
    let server = server().await;
    let resp = upload(&server, &image_form(KEY_RESULT, "2", PNG)).await;
    assert_refused(&server, &resp, 1001004);
}

#[tokio::test]
async fn image_upload_rejects_a_store_app_with_1001002() {
    let server = MockServer::start(special_world()).await.unwrap();
    let resp = upload_with(&server, ISV_TOKEN, &image_form(OBJECTIVE, "2", PNG)).await;
    assert_refused(&server, &resp, 1001002);
}

#[tokio::test]
async fn image_upload_rejects_a_user_token_of_a_user_not_in_the_world_with_1001003() {
    let server = MockServer::start(special_world()).await.unwrap();
    let resp = upload_with(&server, GHOST_USER_TOKEN, &image_form(OBJECTIVE, "2", PNG)).await;
    assert_refused(&server, &resp, 1001003);
}

#[tokio::test]
async fn image_upload_accepts_a_user_access_token() {
    let server = server().await;
    assert_accepted(&upload_with(&server, USER_TOKEN, &image_form(OBJECTIVE, "2", PNG)).await);
}

#[tokio::test]
async fn image_upload_rejects_a_body_that_is_not_multipart_with_1001001() {
    let server = server().await;
    let resp = post_json(
        &format!("{}{UPLOAD}", server.url()),
        Some(TENANT_TOKEN),
        &json!({"target_id": OBJECTIVE, "target_type": 2}),
    )
    .await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn image_upload_checks_the_token_before_any_parameter() {
    let server = server().await;
    let form = RawForm::new();
    let url = format!("{}{UPLOAD}", server.url());
    assert_eq!(post_form(&url, None, &form).await.code(), 99991661);
    assert_eq!(
        post_form(&url, Some("t-unknown"), &form).await.code(),
        99991663
    );
}

#[tokio::test]
async fn image_upload_accepts_exactly_20971520_bytes() {
    let server = server().await;
    let mut data = PNG.to_vec();
    data.resize(20_971_520, 0);
    assert_accepted(&upload(&server, &image_form(OBJECTIVE, "2", &data)).await);
}

#[tokio::test]
async fn image_upload_rejects_20971521_bytes_with_1001001_while_streaming() {
    let server = server().await;
    let (mut head, tail) = file_part_frame(
        &[("target_id", OBJECTIVE), ("target_type", "2")],
        "data",
        None,
    );
    head.extend_from_slice(PNG);
    let body = streaming_body(head, 20_971_521 - PNG.len() as u64, tail);
    let resp = client()
        .post(format!("{}{UPLOAD}", server.url()))
        .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
        .header("Content-Type", RawForm::new().content_type())
        .body(body)
        .send()
        .await
        .unwrap();
    let resp = read(resp).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn image_download_rejects_a_wrong_ticket_with_1001002() {
    let server = server().await;
    let (token, _) = uploaded_png(&server).await;
    let url = format!(
        "{}/stream/api/downloadFile/?file_token={token}&ticket=wrong",
        server.url()
    );
    let resp = read(client().get(url).send().await.unwrap()).await;
    assert_eq!((resp.status, resp.code()), (400, 1001002), "{}", resp.text);
}

#[tokio::test]
async fn image_download_rejects_an_unknown_file_token_with_1001004() {
    let server = server().await;
    let url = format!(
        "{}/stream/api/downloadFile/?file_token=boxbcNope&ticket=x",
        server.url()
    );
    let resp = read(client().get(url).send().await.unwrap()).await;
    assert_eq!((resp.status, resp.code()), (400, 1001004), "{}", resp.text);
}

// ---------------------------------------------------------------------------------------------
// Progress record create (seed 001): the seed example and the answer
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn progress_record_accepts_the_seeds_complete_request_example() {
    let server = seeded_server(1).await;
    let body = seed_001_json("请求体示例");
    assert_eq!(body["target_id"], SEED_OBJECTIVE);
    let resp = create(&server, &body).await;
    let data = assert_accepted(&resp);
    let mut snap = snapshot_of(&resp);
    let modify_time = data["modify_time"].as_str().unwrap();
    assert!(modify_time.parse::<i64>().is_ok());
    snap["body"]["data"]["modify_time"] = json!("[modify_time]");
    assert_snapshot_json!("okr_progress_record_create_seed_example", snap);
}

#[tokio::test]
async fn progress_record_answers_the_seed_example_content_exactly_as_the_seeds_response() {
    let server = server().await;
    let resp = create(&server, &seed_001_json("请求体示例")).await;
    let data = assert_accepted(&resp);
    let expected = seed_001_json("响应体示例");
    assert_eq!(data["content"], expected["data"]["content"]);
}

#[tokio::test]
async fn progress_record_answers_a_19_digit_progress_id_unique_per_record() {
    let server = server().await;
    let a = assert_accepted(&create(&server, &minimal()).await);
    let b = assert_accepted(&create(&server, &minimal()).await);
    for d in [&a, &b] {
        let id = d["progress_id"].as_str().unwrap();
        assert_eq!(id.len(), 19, "{id}");
        assert!(id.bytes().all(|c| c.is_ascii_digit()));
    }
    assert_ne!(a["progress_id"], b["progress_id"]);
}

#[tokio::test]
async fn progress_record_answers_modify_time_as_a_string_of_ms_since_the_epoch() {
    let server = server().await;
    let before = server.state().emulator().store.now_ms();
    let data = assert_accepted(&create(&server, &minimal()).await);
    let after = server.state().emulator().store.now_ms();
    let t: i64 = data["modify_time"].as_str().unwrap().parse().unwrap();
    assert!((before..=after).contains(&t), "{before} {t} {after}");
}

#[tokio::test]
async fn progress_record_is_kept_in_the_store() {
    let server = server().await;
    let mut body = minimal();
    body["source_url_pc"] = json!("https://pc.example");
    let data = assert_accepted(&create(&server, &body).await);
    let rec = server
        .state()
        .emulator()
        .families
        .okr
        .progress_record(data["progress_id"].as_str().unwrap())
        .expect("record kept");
    assert_eq!(rec.target_id, OBJECTIVE);
    assert_eq!(rec.target_type, 2);
    assert_eq!(rec.source_title, "周报系统");
    assert_eq!(rec.source_url_pc.as_deref(), Some("https://pc.example"));
    assert_eq!(rec.content().as_ref(), Some(&data["content"]));
    assert_eq!(rec.modify_time_ms.to_string(), data["modify_time"]);
}

#[tokio::test]
async fn progress_record_answers_no_progress_rate_when_none_was_sent() {
    let server = server().await;
    let data = assert_accepted(&create(&server, &minimal()).await);
    assert!(data.get("progress_rate").is_none(), "{data}");
}

#[tokio::test]
async fn progress_record_answers_progress_rate_with_percent_rounded_to_2_decimals() {
    let server = server().await;
    let body = minimal_with("progress_rate", json!({"percent": 50.216, "status": 1}));
    let data = assert_accepted(&create(&server, &body).await);
    assert_eq!(
        data["progress_rate"],
        json!({"percent": 50.22, "status": 1})
    );
}

#[tokio::test]
async fn progress_record_defaults_percent_to_0() {
    let server = server().await;
    let body = minimal_with("progress_rate", json!({"status": 0}));
    let data = assert_accepted(&create(&server, &body).await);
    assert_eq!(data["progress_rate"], json!({"percent": 0, "status": 0}));
}

// ---------------------------------------------------------------------------------------------
// snake_case input, camelCase answer
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn progress_record_accepts_snake_case_keys_and_answers_camel_case() {
    let server = server().await;
    let color = json!({"red": 1, "green": 2, "blue": 3, "alpha": 0.5});
    let body = minimal_with(
        "content",
        json!({"blocks": [
            {"type": "paragraph", "paragraph": {
                "style": {"list": {"type": "bullet", "indent_level": 2}},
                "elements": [
                    {"type": "textRun", "text_run": {"text": "x", "style": {
                        "strike_through": true, "back_color": color, "text_color": color}}},
                    {"type": "docsLink", "docs_link": {"url": "https://x.feishu.cn/docx/a", "title": "t"}},
                    {"type": "person", "person": {"open_id": COLLEAGUE}}
                ]}},
            {"type": "gallery", "gallery": {"image_list": [
                {"file_token": WORLD_IMAGE, "width": 458.0, "height": 372}
            ]}}
        ]}),
    );
    let data = assert_accepted(&create(&server, &body).await);
    let expected = json!({"blocks": [
        {"type": "paragraph", "paragraph": {
            "style": {"list": {"type": "bullet", "indentLevel": 2}},
            "elements": [
                {"type": "textRun", "textRun": {"text": "x", "style": {
                    "strikeThrough": true, "backColor": color, "textColor": color}}},
                {"type": "docsLink", "docsLink": {"url": "https://x.feishu.cn/docx/a", "title": "t"}},
                {"type": "person", "person": {"openId": COLLEAGUE}}
            ]}},
        {"type": "gallery", "gallery": {"imageList": [
            {"fileToken": WORLD_IMAGE, "width": 458, "height": 372}
        ]}}
    ]});
    assert_eq!(data["content"], expected);
}

#[tokio::test]
async fn progress_record_applies_the_rules_to_snake_case_keys_too() {
    let server = server().await;
    let resp = create(
        &server,
        &with_list(json!({"type": "number", "indent_level": 17})),
    )
    .await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_prefers_the_camel_case_key_when_both_are_sent() {
    let server = server().await;
    let body = with_list(json!({"type": "number", "indentLevel": 3, "indent_level": 99}));
    let data = assert_accepted(&create(&server, &body).await);
    assert_eq!(
        data["content"]["blocks"][0]["paragraph"]["style"]["list"]["indentLevel"],
        3
    );
}

#[tokio::test]
async fn progress_record_drops_undocumented_members_from_its_answer() {
    let server = server().await;
    let mut body = minimal();
    body["content"]["blocks"][0]["color"] = json!("red");
    body["content"]["extra"] = json!(1);
    let data = assert_accepted(&create(&server, &body).await);
    assert!(data["content"].get("extra").is_none());
    assert!(data["content"]["blocks"][0].get("color").is_none());
}

// ---------------------------------------------------------------------------------------------
// Required fields and top-level types
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn progress_record_accepts_the_minimal_body() {
    let server = server().await;
    assert_accepted(&create(&server, &minimal()).await);
}

#[tokio::test]
async fn progress_record_rejects_missing_source_title_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("source_title", Value::Null)).await;
    assert_refused(&server, &resp, 1001001);
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "source_title"
    );
}

#[tokio::test]
async fn progress_record_rejects_empty_source_title_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("source_title", json!(""))).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_missing_source_url_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("source_url", Value::Null)).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_missing_target_id_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("target_id", Value::Null)).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_missing_target_type_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("target_type", Value::Null)).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_missing_content_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("content", Value::Null)).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_a_body_that_is_not_json_with_1001001() {
    let server = server().await;
    let resp = client()
        .post(format!("{}{CREATE}", server.url()))
        .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
        .header("Content-Type", "application/json; charset=utf-8")
        .body("{\"source_title\":")
        .send()
        .await
        .unwrap();
    assert_refused(&server, &read(resp).await, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_a_json_array_body_with_1001001() {
    let server = server().await;
    let resp = create(&server, &json!([minimal()])).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_target_type_two_as_text_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("target_type", json!("two"))).await;
    assert_refused(&server, &resp, 1001001);
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "target_type"
    );
}

#[tokio::test]
async fn progress_record_rejects_target_type_2_as_a_string_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("target_type", json!("2"))).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_target_type_outside_2_and_3_with_1001001() {
    let server = server().await;
    for bad in [json!(1), json!(4), json!(2.5)] {
        let resp = create(&server, &minimal_with("target_type", bad.clone())).await;
        assert_refused(&server, &resp, 1001001);
    }
}

#[tokio::test]
async fn progress_record_rejects_content_that_is_not_an_object_with_1001001() {
    let server = server().await;
    for bad in [json!("text"), json!([]), json!(1)] {
        let resp = create(&server, &minimal_with("content", bad)).await;
        assert_refused(&server, &resp, 1001001);
    }
}

#[tokio::test]
async fn progress_record_rejects_blocks_that_are_not_an_array_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("content", json!({"blocks": {}}))).await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_a_block_that_is_not_an_object_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("content", json!({"blocks": ["x"]}))).await;
    assert_refused(&server, &resp, 1001001);
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "content.blocks[0]"
    );
}

#[tokio::test]
async fn progress_record_accepts_content_without_blocks() {
    let server = server().await;
    let data = assert_accepted(&create(&server, &minimal_with("content", json!({}))).await);
    assert_eq!(data["content"], json!({}));
}

// ---------------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn progress_record_rejects_source_url_without_http_scheme_with_1001001() {
    let server = server().await;
    for bad in ["www.zhoubao.com", "ftp://zhoubao.com", ""] {
        let resp = create(&server, &minimal_with("source_url", json!(bad))).await;
        assert_refused(&server, &resp, 1001001);
    }
}

#[tokio::test]
async fn progress_record_accepts_http_and_https_source_urls() {
    let server = server().await;
    for good in ["http://a", "https://", "https://www.zhoubao.com/x?y=1"] {
        assert_accepted(&create(&server, &minimal_with("source_url", json!(good))).await);
    }
}

#[tokio::test]
async fn progress_record_rejects_source_url_pc_without_http_scheme_with_1001001() {
    let server = server().await;
    let resp = create(
        &server,
        &minimal_with("source_url_pc", json!("open.feishu.cn")),
    )
    .await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_source_url_mobile_without_http_scheme_with_1001001() {
    let server = server().await;
    let resp = create(
        &server,
        &minimal_with("source_url_mobile", json!("open.feishu.cn")),
    )
    .await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_accepts_https_source_url_pc_and_mobile() {
    let server = server().await;
    let mut body = minimal();
    body["source_url_pc"] = json!("https://open.feishu.cn");
    body["source_url_mobile"] = json!("https://open.feishu.cn/m");
    assert_accepted(&create(&server, &body).await);
}

#[tokio::test]
async fn progress_record_rejects_a_link_url_that_is_not_http_with_1001001() {
    let server = server().await;
    let resp = create(
        &server,
        &with_text_style(json!({"link": {"url": "example.com"}})),
    )
    .await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_a_docs_link_url_that_is_not_http_with_1001001() {
    let server = server().await;
    let body = with_paragraph(
        Value::Null,
        json!({"type": "docsLink", "docsLink": {"url": "docx/xxxx", "title": "t"}}),
    );
    assert_refused(&server, &create(&server, &body).await, 1001001);
}

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn progress_record_rejects_an_unknown_target_with_1001004() {
    let server = server().await;
    let resp = create(
        &server,
        &minimal_with("target_id", json!("7000000000000000000")),
    )
    .await;
    assert_refused(&server, &resp, 1001004);
}

#[tokio::test]
async fn progress_record_rejects_an_objective_sent_as_target_type_3_with_1001004() {
    let server = server().await;
    let resp = create(&server, &minimal_with("target_type", json!(3))).await;
    assert_refused(&server, &resp, 1001004);
}

#[tokio::test]
async fn progress_record_accepts_a_key_result_with_target_type_3() {
    let server = server().await;
    let mut body = minimal_with("target_id", json!(KEY_RESULT));
    body["target_type"] = json!(3);
    assert_accepted(&create(&server, &body).await);
}

#[tokio::test]
async fn progress_record_reads_a_json_integer_target_id_as_its_decimal_text() {
    let server = server().await;
    let body = minimal_with("target_id", json!(6974586812998174252u64));
    let data = assert_accepted(&create(&server, &body).await);
    let rec = server
        .state()
        .emulator()
        .families
        .okr
        .progress_record(data["progress_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(rec.target_id, OBJECTIVE);
}

#[tokio::test]
async fn progress_record_rejects_an_empty_target_id_with_1001001() {
    let server = server().await;
    let resp = create(&server, &minimal_with("target_id", json!(""))).await;
    assert_refused(&server, &resp, 1001001);
}

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn progress_record_rejects_a_block_type_other_than_paragraph_or_gallery_with_1001001() {
    let server = server().await;
    let mut body = minimal();
    body["content"]["blocks"][0]["type"] = json!("table");
    assert_refused(&server, &create(&server, &body).await, 1001001);
}

#[tokio::test]
async fn progress_record_accepts_each_of_the_five_list_types() {
    let server = server().await;
    for t in ["number", "bullet", "checkBox", "checkedBox", "indent"] {
        let body = with_list(json!({"type": t, "indentLevel": 1}));
        assert_accepted(&create(&server, &body).await);
    }
}

#[tokio::test]
async fn progress_record_rejects_an_unknown_list_type_with_1001001() {
    let server = server().await;
    for bad in ["checkbox", "ordered", ""] {
        let resp = create(&server, &with_list(json!({"type": bad}))).await;
        assert_refused(&server, &resp, 1001001);
    }
}

#[tokio::test]
async fn progress_record_rejects_an_unknown_element_type_with_1001001() {
    let server = server().await;
    let body = with_paragraph(
        Value::Null,
        json!({"type": "text_run", "textRun": {"text": "x"}}),
    );
    let resp = create(&server, &body).await;
    assert_refused(&server, &resp, 1001001);
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "content.blocks[0].paragraph.elements[0].type"
    );
}

#[tokio::test]
async fn progress_record_accepts_each_of_the_four_statuses() {
    let server = server().await;
    for s in [-1, 0, 1, 2] {
        let body = minimal_with("progress_rate", json!({"percent": 1, "status": s}));
        assert_accepted(&create(&server, &body).await);
    }
}

#[tokio::test]
async fn progress_record_rejects_a_status_outside_minus_1_to_2_with_1001001() {
    let server = server().await;
    for bad in [-2, 3] {
        let body = minimal_with("progress_rate", json!({"status": bad}));
        assert_refused(&server, &create(&server, &body).await, 1001001);
    }
}

#[tokio::test]
async fn progress_record_accepts_each_user_id_type() {
    let server = server().await;
    for t in ["open_id", "union_id", "user_id"] {
        let resp = create_with(
            &server,
            TENANT_TOKEN,
            &format!("?user_id_type={t}"),
            &minimal(),
        )
        .await;
        assert_accepted(&resp);
    }
}

#[tokio::test]
async fn progress_record_rejects_an_unknown_user_id_type_with_1001001() {
    let server = server().await;
    let resp = create_with(&server, TENANT_TOKEN, "?user_id_type=email", &minimal()).await;
    assert_refused(&server, &resp, 1001001);
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "user_id_type"
    );
}

// ---------------------------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn progress_record_accepts_indent_level_1_and_16() {
    let server = server().await;
    for n in [1, 16] {
        let body = with_list(json!({"type": "number", "indentLevel": n}));
        assert_accepted(&create(&server, &body).await);
    }
}

#[tokio::test]
async fn progress_record_rejects_indent_level_0_with_1001001() {
    let server = server().await;
    let resp = create(
        &server,
        &with_list(json!({"type": "number", "indentLevel": 0})),
    )
    .await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_indent_level_17_with_1001001() {
    let server = server().await;
    let resp = create(
        &server,
        &with_list(json!({"type": "number", "indentLevel": 17})),
    )
    .await;
    assert_refused(&server, &resp, 1001001);
    let snap = snapshot_of(&resp);
    assert_snapshot_json!("okr_progress_record_indent_level_17", snap);
}

#[tokio::test]
async fn progress_record_rejects_a_list_number_given_as_text_with_1001001() {
    let server = server().await;
    let resp = create(
        &server,
        &with_list(json!({"type": "number", "number": "1"})),
    )
    .await;
    assert_refused(&server, &resp, 1001001);
}

#[tokio::test]
async fn progress_record_accepts_colour_components_0_and_255() {
    let server = server().await;
    for n in [0, 255] {
        let c = json!({"red": n, "green": n, "blue": n, "alpha": 1});
        let body = with_text_style(json!({"textColor": c, "backColor": c}));
        assert_accepted(&create(&server, &body).await);
    }
}

#[tokio::test]
async fn progress_record_rejects_a_colour_component_of_256_with_1001001() {
    let server = server().await;
    for (color, component) in [
        ("textColor", "red"),
        ("textColor", "green"),
        ("textColor", "blue"),
        ("backColor", "red"),
        ("backColor", "green"),
        ("backColor", "blue"),
    ] {
        let body = with_text_style(json!({ color: { component: 256 } }));
        let resp = create(&server, &body).await;
        assert_refused(&server, &resp, 1001001);
        assert_eq!(
            resp.json()["error"]["field_violations"][0]["field"],
            format!("content.blocks[0].paragraph.elements[0].textRun.style.{color}.{component}")
        );
    }
}

#[tokio::test]
async fn progress_record_rejects_a_negative_colour_component_with_1001001() {
    let server = server().await;
    let body = with_text_style(json!({"backColor": {"blue": -1}}));
    assert_refused(&server, &create(&server, &body).await, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_a_fractional_colour_component_with_1001001() {
    let server = server().await;
    let body = with_text_style(json!({"textColor": {"red": 12.5}}));
    assert_refused(&server, &create(&server, &body).await, 1001001);
}

#[tokio::test]
async fn progress_record_accepts_alpha_0_and_1() {
    let server = server().await;
    for a in [json!(0), json!(1), json!(0.1)] {
        let body = with_text_style(json!({"backColor": {"alpha": a}}));
        assert_accepted(&create(&server, &body).await);
    }
}

#[tokio::test]
async fn progress_record_rejects_alpha_minus_0_01_with_1001001() {
    let server = server().await;
    for color in ["textColor", "backColor"] {
        let body = with_text_style(json!({ color: {"alpha": -0.01} }));
        assert_refused(&server, &create(&server, &body).await, 1001001);
    }
}

#[tokio::test]
async fn progress_record_rejects_alpha_1_01_with_1001001() {
    let server = server().await;
    for color in ["textColor", "backColor"] {
        let body = with_text_style(json!({ color: {"alpha": 1.01} }));
        assert_refused(&server, &create(&server, &body).await, 1001001);
    }
}

#[tokio::test]
async fn progress_record_rejects_alpha_given_as_text_with_1001001() {
    let server = server().await;
    let body = with_text_style(json!({"backColor": {"alpha": "0.5"}}));
    assert_refused(&server, &create(&server, &body).await, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_bold_given_as_text_with_1001001() {
    let server = server().await;
    let body = with_text_style(json!({"bold": "true"}));
    assert_refused(&server, &create(&server, &body).await, 1001001);
}

#[tokio::test]
async fn progress_record_accepts_percent_at_both_bounds() {
    let server = server().await;
    for p in [json!(-99999999999i64), json!(99999999999i64), json!(0)] {
        let body = minimal_with("progress_rate", json!({"percent": p}));
        assert_accepted(&create(&server, &body).await);
    }
}

#[tokio::test]
async fn progress_record_rejects_percent_above_99999999999_with_1001001() {
    let server = server().await;
    for p in [json!(100000000000i64), json!(99999999999.5)] {
        let body = minimal_with("progress_rate", json!({ "percent": p }));
        assert_refused(&server, &create(&server, &body).await, 1001001);
    }
}

#[tokio::test]
async fn progress_record_rejects_percent_below_minus_99999999999_with_1001001() {
    let server = server().await;
    for p in [json!(-100000000000i64), json!(-99999999999.5)] {
        let body = minimal_with("progress_rate", json!({ "percent": p }));
        assert_refused(&server, &create(&server, &body).await, 1001001);
    }
}

#[tokio::test]
async fn progress_record_rejects_percent_given_as_text_with_1001001() {
    let server = server().await;
    let body = minimal_with("progress_rate", json!({"percent": "50"}));
    assert_refused(&server, &create(&server, &body).await, 1001001);
}

#[tokio::test]
async fn progress_record_rejects_an_image_width_given_as_text_with_1001001() {
    let server = server().await;
    let body = with_image(json!({"fileToken": WORLD_IMAGE, "width": "458"}));
    assert_refused(&server, &create(&server, &body).await, 1001001);
}

// ---------------------------------------------------------------------------------------------
// People and images
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn progress_record_accepts_a_person_of_the_world() {
    let server = server().await;
    let body = with_paragraph(
        Value::Null,
        json!({"type": "person", "person": {"openId": COLLEAGUE}}),
    );
    assert_accepted(&create(&server, &body).await);
}

#[tokio::test]
async fn progress_record_rejects_a_person_not_in_the_world_with_1001003() {
    let server = server().await;
    let body = with_paragraph(
        Value::Null,
        json!({"type": "person", "person": {"openId": "ou_nobody"}}),
    );
    let resp = create(&server, &body).await;
    assert_refused(&server, &resp, 1001003);
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "content.blocks[0].paragraph.elements[0].person.openId"
    );
}

#[tokio::test]
async fn progress_record_rejects_a_user_token_of_a_user_not_in_the_world_with_1001003() {
    let server = MockServer::start(special_world()).await.unwrap();
    let resp = create_with(&server, GHOST_USER_TOKEN, "", &minimal()).await;
    assert_refused(&server, &resp, 1001003);
}

#[tokio::test]
async fn progress_record_accepts_an_image_uploaded_here_in_its_gallery() {
    let server = server().await;
    let (token, url) = uploaded_png(&server).await;
    let body = with_image(json!({"fileToken": token, "src": url, "width": 1, "height": 1}));
    let data = assert_accepted(&create(&server, &body).await);
    assert_eq!(
        data["content"]["blocks"][0]["gallery"]["imageList"][0]["fileToken"],
        token
    );
}

#[tokio::test]
async fn progress_record_accepts_the_worlds_pre_held_images() {
    let server = server().await;
    for token in [WORLD_IMAGE, WORLD_IMAGE_2] {
        let body = with_image(json!({ "fileToken": token }));
        assert_accepted(&create(&server, &body).await);
    }
}

#[tokio::test]
async fn progress_record_rejects_a_file_token_not_issued_by_the_image_upload_with_1001001() {
    let server = server().await;
    let body = with_image(json!({"fileToken": "boxbcNeverUploaded0000000000"}));
    let resp = create(&server, &body).await;
    assert_refused(&server, &resp, 1001001);
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "content.blocks[0].gallery.imageList[0].fileToken"
    );
}

// ---------------------------------------------------------------------------------------------
// Callers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn progress_record_rejects_a_store_app_with_1001002() {
    let server = MockServer::start(special_world()).await.unwrap();
    let resp = create_with(&server, ISV_TOKEN, "", &minimal()).await;
    assert_refused(&server, &resp, 1001002);
}

#[tokio::test]
async fn progress_record_accepts_a_user_access_token() {
    let server = server().await;
    assert_accepted(&create_with(&server, USER_TOKEN, "", &minimal()).await);
}

#[tokio::test]
async fn progress_record_requires_an_okr_scope_with_99991672() {
    let server = server().await;
    let token = post_json(
        &format!(
            "{}/open-apis/auth/v3/tenant_access_token/internal",
            server.url()
        ),
        None,
        &json!({"app_id": "cli_mock_noscope", "app_secret": "mock-secret"}),
    )
    .await
    .json()["tenant_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = create_with(&server, &token, "", &minimal()).await;
    assert_eq!(resp.code(), 99991672, "{}", resp.text);
    assert_eq!(
        server
            .state()
            .emulator()
            .families
            .okr
            .progress_record_count(),
        0
    );
}

async fn server_retaining(
    retain: feishu_mock::state::store::Retain,
    max_stored_bytes: Option<u64>,
) -> MockServer {
    server_with(feishu_mock::Config {
        options: feishu_mock::state::store::Options {
            rate_limits: false,
            retain,
            max_stored_bytes,
            ..feishu_mock::state::store::Options::default()
        },
        ..feishu_mock::Config::default()
    })
    .await
}

#[tokio::test]
async fn a_record_whose_content_would_pass_max_stored_bytes_answers_1009998_and_keeps_nothing() {
    let content_bytes = minimal()["content"].to_string().len() as u64;
    // Room for exactly two records' contents.
    let server = server_retaining(
        feishu_mock::state::store::Retain::Bytes,
        Some(2 * content_bytes),
    )
    .await;
    for _ in 0..2 {
        assert_accepted(&create(&server, &minimal()).await);
    }
    let emulator = server.state().emulator();
    assert_eq!(emulator.store.stored_bytes(), 2 * content_bytes);
    let refused = create(&server, &minimal()).await;
    assert_eq!(refused.status, 500, "{}", refused.text);
    assert_eq!(refused.code(), 1009998);
    assert_eq!(refused.json()["msg"], "system exception");
    assert_eq!(emulator.families.okr.progress_record_count(), 2);
    assert_eq!(emulator.store.stored_bytes(), 2 * content_bytes);
}

#[tokio::test]
async fn under_retain_metadata_a_record_keeps_its_content_size_but_not_its_content() {
    let server = server_retaining(feishu_mock::state::store::Retain::Metadata, Some(1)).await;
    let data = assert_accepted(&create(&server, &minimal()).await);
    assert_eq!(data["content"], minimal()["content"], "answered in full");
    let emulator = server.state().emulator();
    let rec = emulator
        .families
        .okr
        .progress_record(data["progress_id"].as_str().unwrap())
        .expect("record kept");
    assert_eq!(rec.content(), None);
    assert_eq!(rec.content_bytes, data["content"].to_string().len() as u64);
    assert_eq!(rec.target_id, OBJECTIVE);
    // Nothing kept counts against the cap, however small.
    assert_eq!(emulator.store.stored_bytes(), 0);
}
