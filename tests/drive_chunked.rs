//! Drive media, the whole workflow (FOLLOWUP_APIS §1–2, issue 13): chunked upload
//! (`upload_prepare` → `upload_part` × N → `upload_finish`), download with `Range`, temporary
//! download links. Every rule on both sides of its boundary, and a snapshot of each new shape.

mod common;

use common::*;
use feishu_mock::state::store::{Options, Retain};
use feishu_mock::{Config, MockServer};
use serde_json::{json, Value};

const DOC_NODE: &str = "doccnFivLCfJfblZjGZtxgabcef";
const PREPARE: &str = "/open-apis/drive/v1/medias/upload_prepare";
const PART: &str = "/open-apis/drive/v1/medias/upload_part";
const FINISH: &str = "/open-apis/drive/v1/medias/upload_finish";
const TMP_URLS: &str = "/open-apis/drive/v1/medias/batch_get_tmp_download_url";
const BLOCK: usize = 4_194_304;
const DAY_SECS: i64 = 86_400;

/// Deterministic, non-repeating-per-block bytes.
fn file_bytes(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| (i % 251) as u8 ^ (i / BLOCK) as u8)
        .collect()
}

fn prepare_body(size: u64) -> Value {
    json!({"file_name": "video.mp4", "parent_type": "docx_file", "parent_node": DOC_NODE, "size": size})
}

async fn prepare_with(server: &MockServer, token: &str, body: &Value) -> Resp {
    post_json(&format!("{}{PREPARE}", server.url()), Some(token), body).await
}

/// Prepares an upload of `size` bytes and returns its upload_id.
async fn prepare(server: &MockServer, token: &str, size: u64) -> String {
    let resp = prepare_with(server, token, &prepare_body(size)).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    resp.json()["data"]["upload_id"]
        .as_str()
        .expect("upload_id")
        .to_string()
}

fn part_form(
    upload_id: &str,
    seq: &str,
    size: &str,
    checksum: Option<&str>,
    bytes: &[u8],
) -> RawForm {
    let mut form = RawForm::new()
        .text("upload_id", upload_id)
        .text("seq", seq)
        .text("size", size);
    if let Some(sum) = checksum {
        form = form.text("checksum", sum);
    }
    form.file("file", None, None, bytes)
}

async fn part_raw(server: &MockServer, token: &str, form: &RawForm) -> Resp {
    post_form(&format!("{}{PART}", server.url()), Some(token), form).await
}

/// Sends block `seq` of `file` (the size it must have).
async fn part(server: &MockServer, token: &str, upload_id: &str, seq: usize, file: &[u8]) -> Resp {
    let block = &file[seq * BLOCK..((seq + 1) * BLOCK).min(file.len())];
    let form = part_form(
        upload_id,
        &seq.to_string(),
        &block.len().to_string(),
        None,
        block,
    );
    part_raw(server, token, &form).await
}

async fn finish(server: &MockServer, token: &str, upload_id: &str, block_num: i64) -> Resp {
    post_json(
        &format!("{}{FINISH}", server.url()),
        Some(token),
        &json!({"upload_id": upload_id, "block_num": block_num}),
    )
    .await
}

/// The whole chunked upload of `file`; returns the file token.
async fn upload_chunked(server: &MockServer, file: &[u8]) -> String {
    let id = prepare(server, TENANT_TOKEN, file.len() as u64).await;
    let blocks = file.len().div_ceil(BLOCK);
    for seq in 0..blocks {
        let resp = part(server, TENANT_TOKEN, &id, seq, file).await;
        assert_eq!(resp.code(), 0, "{}", resp.text);
    }
    let resp = finish(server, TENANT_TOKEN, &id, blocks as i64).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    resp.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn get(url: &str, token: Option<&str>, range: Option<&str>) -> (Resp, Vec<u8>) {
    let mut req = client().get(url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    if let Some(r) = range {
        req = req.header("Range", r);
    }
    let resp = req.send().await.expect("sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body").to_vec();
    let text = String::from_utf8_lossy(&bytes).to_string();
    (
        Resp {
            status,
            headers,
            text,
        },
        bytes,
    )
}

async fn download(server: &MockServer, file_token: &str, range: Option<&str>) -> (Resp, Vec<u8>) {
    let url = format!(
        "{}/open-apis/drive/v1/medias/{file_token}/download",
        server.url()
    );
    get(&url, Some(TENANT_TOKEN), range).await
}

async fn tmp_urls(server: &MockServer, tokens: &[&str]) -> Resp {
    let query: Vec<String> = tokens.iter().map(|t| format!("file_tokens={t}")).collect();
    let url = format!("{}{TMP_URLS}?{}", server.url(), query.join("&"));
    get(&url, Some(TENANT_TOKEN), None).await.0
}

fn assert_code(resp: &Resp, status: u16, code: i64) {
    assert_eq!(resp.code(), code, "{}", resp.text);
    assert_eq!(resp.status, status, "{}", resp.text);
    assert!(resp.json()["error"]["log_id"].is_string(), "{}", resp.text);
}

fn uploads(server: &MockServer) -> usize {
    server.state().emulator().families.drive.upload_count()
}

fn files(server: &MockServer) -> usize {
    server.state().emulator().store.file_count()
}

/// A tenant token of another app holding drive:drive.
async fn other_app_token(server: &MockServer) -> String {
    let resp = post_json(
        &format!("{}/__mock/world", server.url()),
        None,
        &json!({"apps": [{"app_id": "cli_other", "app_secret": "s", "scopes": ["drive:drive"]}]}),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    mint_tenant_token(server, "cli_other", "s").await
}

async fn advance_clock(server: &MockServer, secs: i64) {
    let resp = post_json(
        &format!("{}/__mock/clock", server.url()),
        None,
        &json!({"advance_seconds": secs}),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
}

// The workflow end to end.

#[tokio::test]
async fn a_file_past_20_mb_goes_through_prepare_parts_finish_and_downloads_byte_for_byte() {
    let server = server().await;
    let file = file_bytes(20_971_520 + 5);
    let token = upload_chunked(&server, &file).await;
    assert!(token.starts_with("boxcn") && token.len() == 27, "{token}");
    let (resp, bytes) = download(&server, &token, None).await;
    assert_eq!(resp.status, 200);
    assert_eq!(bytes, file);
    assert_eq!(
        resp.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(
        resp.header("content-disposition").as_deref(),
        Some("attachment; filename=\"video.mp4\"; filename*=UTF-8''video.mp4")
    );
    let stored = server.state().emulator().store.file(&token).unwrap();
    assert_eq!(stored.size, file.len() as u64);
    assert_eq!(stored.endpoint, "drive.media.upload_finish");
    assert_eq!(stored.parent, DOC_NODE);
    assert_eq!(uploads(&server), 0, "a finished upload is forgotten");
}

#[tokio::test]
async fn the_finished_file_is_listed_by_the_control_plane_and_each_call_is_journaled() {
    let server = server().await;
    let token = upload_chunked(&server, &file_bytes(BLOCK + 10)).await;
    let listed = get(&format!("{}/__mock/files", server.url()), None, None)
        .await
        .0;
    assert!(listed.text.contains(&token), "{}", listed.text);
    let journal = get(&format!("{}/__mock/requests", server.url()), None, None)
        .await
        .0
        .json();
    let endpoints: Vec<&str> = journal["requests"]
        .as_array()
        .expect("journal entries")
        .iter()
        .filter_map(|e| e["endpoint"].as_str())
        .filter(|e| e.starts_with("drive."))
        .collect();
    assert_eq!(
        endpoints,
        [
            "drive.media.upload_prepare",
            "drive.media.upload_part",
            "drive.media.upload_part",
            "drive.media.upload_finish"
        ]
    );
}

#[tokio::test]
async fn blocks_may_arrive_in_any_order() {
    let server = server().await;
    let file = file_bytes(2 * BLOCK + 3);
    let id = prepare(&server, TENANT_TOKEN, file.len() as u64).await;
    for seq in [2, 0, 1] {
        assert_eq!(part(&server, TENANT_TOKEN, &id, seq, &file).await.code(), 0);
    }
    let token = finish(&server, TENANT_TOKEN, &id, 3).await.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(download(&server, &token, None).await.1, file);
}

#[tokio::test]
async fn a_block_sent_again_with_the_same_seq_replaces_the_earlier_one() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 3).await;
    part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "3", None, b"old"),
    )
    .await;
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "3", None, b"new"),
    )
    .await;
    assert_eq!(resp.code(), 0);
    let token = finish(&server, TENANT_TOKEN, &id, 1).await.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(download(&server, &token, None).await.1, b"new");
}

#[tokio::test]
async fn another_token_of_the_same_app_may_continue_the_upload() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 3).await;
    let resp = part_raw(
        &server,
        TENANT_TOKEN_2,
        &part_form(&id, "0", "3", None, b"abc"),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    assert_eq!(finish(&server, TENANT_TOKEN_2, &id, 1).await.code(), 0);
}

// upload_prepare.

#[tokio::test]
async fn prepare_answers_block_size_4194304_and_block_num_ceil_of_size() {
    let server = server().await;
    for (size, blocks) in [
        (0u64, 0u64),
        (1, 1),
        (4_194_304, 1),
        (4_194_305, 2),
        (20_971_521, 6),
    ] {
        let resp = prepare_with(&server, TENANT_TOKEN, &prepare_body(size)).await;
        let data = &resp.json()["data"];
        assert_eq!(data["block_size"], 4_194_304, "{}", resp.text);
        assert_eq!(data["block_num"], blocks, "size {size}: {}", resp.text);
        let id = data["upload_id"].as_str().unwrap();
        assert!(
            id.len() == 19 && id.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
    }
}

#[tokio::test]
async fn prepare_size_of_21474836480_is_accepted_and_one_more_byte_is_1061043() {
    let server = server().await;
    let resp = prepare_with(&server, TENANT_TOKEN, &prepare_body(21_474_836_480)).await;
    assert_eq!(resp.json()["data"]["block_num"], 5120, "{}", resp.text);
    let resp = prepare_with(&server, TENANT_TOKEN, &prepare_body(21_474_836_481)).await;
    assert_code(&resp, 400, 1061043);
}

#[tokio::test]
async fn prepare_size_below_0_or_not_an_integer_is_1061002() {
    let server = server().await;
    for size in [json!(-1), json!("1024"), json!(1.5)] {
        let mut body = prepare_body(0);
        body["size"] = size;
        assert_code(
            &prepare_with(&server, TENANT_TOKEN, &body).await,
            400,
            1061002,
        );
    }
    assert_eq!(uploads(&server), 0);
}

#[tokio::test]
async fn prepare_file_name_of_250_chars_is_accepted_and_251_or_empty_is_1061008() {
    let server = server().await;
    let mut body = prepare_body(1);
    body["file_name"] = json!("图".repeat(250));
    assert_eq!(prepare_with(&server, TENANT_TOKEN, &body).await.code(), 0);
    for name in ["a".repeat(251), String::new()] {
        body["file_name"] = json!(name);
        assert_code(
            &prepare_with(&server, TENANT_TOKEN, &body).await,
            400,
            1061008,
        );
    }
    assert_eq!(uploads(&server), 1);
}

#[tokio::test]
async fn prepare_missing_field_unknown_parent_type_or_non_json_body_is_1061002() {
    let server = server().await;
    for field in ["file_name", "parent_type", "parent_node", "size"] {
        let mut body = prepare_body(1);
        body.as_object_mut().unwrap().remove(field);
        let resp = prepare_with(&server, TENANT_TOKEN, &body).await;
        assert_code(&resp, 400, 1061002);
        assert_eq!(resp.json()["error"]["field_violations"][0]["field"], field);
    }
    let mut body = prepare_body(1);
    body["parent_type"] = json!("video");
    assert_code(
        &prepare_with(&server, TENANT_TOKEN, &body).await,
        400,
        1061002,
    );
    let resp = client()
        .post(format!("{}{PREPARE}", server.url()))
        .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_code(&read(resp).await, 400, 1061002);
    assert_eq!(uploads(&server), 0);
}

#[tokio::test]
async fn prepare_extra_must_be_a_json_object_string() {
    let server = server().await;
    let mut body = prepare_body(1);
    body["extra"] = json!(r#"{"drive_route_token":"doxcnXgNGAtaAraIRVeCfmabcef"}"#);
    assert_eq!(prepare_with(&server, TENANT_TOKEN, &body).await.code(), 0);
    for bad in [
        json!("[1]"),
        json!("not json"),
        json!({"drive_route_token": "x"}),
    ] {
        body["extra"] = bad;
        assert_code(
            &prepare_with(&server, TENANT_TOKEN, &body).await,
            400,
            1061002,
        );
    }
}

#[tokio::test]
async fn prepare_unknown_parent_node_is_1061044() {
    let server = server().await;
    let mut body = prepare_body(1);
    body["parent_node"] = json!("doccnMissing");
    assert_code(
        &prepare_with(&server, TENANT_TOKEN, &body).await,
        400,
        1061044,
    );
    assert_eq!(uploads(&server), 0);
}

#[tokio::test]
async fn under_loose_an_unknown_parent_node_is_created_by_prepare() {
    let server = server_with(Config {
        options: Options {
            rate_limits: false,
            loose: true,
            ..Options::default()
        },
        ..Config::default()
    })
    .await;
    let mut body = prepare_body(1);
    body["parent_node"] = json!("doxcnLooseNode");
    assert_eq!(prepare_with(&server, TENANT_TOKEN, &body).await.code(), 0);
    let node = server
        .state()
        .emulator()
        .families
        .drive
        .node("doxcnLooseNode");
    assert_eq!(node.map(|n| n.node_type).as_deref(), Some("docx"));
}

// upload_part.

#[tokio::test]
async fn part_for_an_upload_id_never_issued_is_1061021() {
    let server = server().await;
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form("7111211691345512356", "0", "1", None, b"x"),
    )
    .await;
    assert_code(&resp, 400, 1061021);
    assert_eq!(resp.json()["msg"], "upload id expire.");
}

#[tokio::test]
async fn an_upload_id_works_until_24_hours_after_prepare_and_then_is_1061021() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 2).await;
    advance_clock(&server, DAY_SECS - 1).await;
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "2", None, b"ab"),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    advance_clock(&server, 1).await;
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "2", None, b"ab"),
    )
    .await;
    assert_code(&resp, 400, 1061021);
    assert_code(&finish(&server, TENANT_TOKEN, &id, 1).await, 400, 1061021);
}

#[tokio::test]
async fn an_abandoned_upload_frees_its_blocks_when_it_expires_and_a_reset_drops_it() {
    let server = server().await;
    let file = file_bytes(BLOCK + 1);
    let id = prepare(&server, TENANT_TOKEN, file.len() as u64).await;
    part(&server, TENANT_TOKEN, &id, 0, &file).await;
    let drive = || server.state().emulator();
    assert_eq!(drive().families.drive.upload_bytes_held(), BLOCK as u64);
    advance_clock(&server, DAY_SECS).await;
    prepare(&server, TENANT_TOKEN, 1).await;
    assert_eq!(
        drive().families.drive.upload_count(),
        1,
        "the expired upload is gone"
    );
    assert_eq!(drive().families.drive.upload_bytes_held(), 0);
    let resp = post_json(&format!("{}/__mock/reset", server.url()), None, &json!({})).await;
    assert_eq!(resp.status, 200);
    assert_eq!(drive().families.drive.upload_count(), 0);
}

#[tokio::test]
async fn another_app_continuing_the_upload_is_1062007() {
    let server = server().await;
    let other = other_app_token(&server).await;
    let id = prepare(&server, TENANT_TOKEN, 3).await;
    let resp = part_raw(&server, &other, &part_form(&id, "0", "3", None, b"abc")).await;
    assert_code(&resp, 400, 1062007);
    assert_eq!(resp.json()["msg"], "upload user not match.");
    part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "3", None, b"abc"),
    )
    .await;
    assert_code(&finish(&server, &other, &id, 1).await, 400, 1062007);
    assert_eq!(finish(&server, TENANT_TOKEN, &id, 1).await.code(), 0);
}

#[tokio::test]
async fn a_user_continuing_an_upload_its_app_prepared_is_1062007() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 3).await;
    let resp = part_raw(&server, USER_TOKEN, &part_form(&id, "0", "3", None, b"abc")).await;
    assert_code(&resp, 400, 1062007);
    let id = prepare(&server, USER_TOKEN, 3).await;
    let resp = part_raw(&server, USER_TOKEN, &part_form(&id, "0", "3", None, b"abc")).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
}

#[tokio::test]
async fn seq_below_block_num_is_accepted_and_seq_equal_to_block_num_is_1062011() {
    let server = server().await;
    let file = file_bytes(BLOCK + 2);
    let id = prepare(&server, TENANT_TOKEN, file.len() as u64).await;
    assert_eq!(part(&server, TENANT_TOKEN, &id, 1, &file).await.code(), 0);
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "2", "2", None, b"ab"),
    )
    .await;
    assert_code(&resp, 400, 1062011);
    assert_eq!(resp.json()["msg"], "block num out of bounds.");
}

#[tokio::test]
async fn negative_or_non_integer_seq_and_missing_fields_are_1061002() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 2).await;
    for seq in ["-1", "0.5", "x"] {
        let resp = part_raw(
            &server,
            TENANT_TOKEN,
            &part_form(&id, seq, "2", None, b"ab"),
        )
        .await;
        assert_code(&resp, 400, 1061002);
    }
    let no_file = RawForm::new()
        .text("upload_id", &id)
        .text("seq", "0")
        .text("size", "2");
    assert_code(
        &part_raw(&server, TENANT_TOKEN, &no_file).await,
        400,
        1061002,
    );
    let no_seq = RawForm::new()
        .text("upload_id", &id)
        .text("size", "2")
        .file("file", None, None, b"ab");
    assert_code(
        &part_raw(&server, TENANT_TOKEN, &no_seq).await,
        400,
        1061002,
    );
    assert_code(&finish(&server, TENANT_TOKEN, &id, 1).await, 400, 1062010);
}

#[tokio::test]
async fn a_block_other_than_the_last_must_be_exactly_4194304_bytes_else_1062009() {
    let server = server().await;
    let file = file_bytes(BLOCK + 2);
    let id = prepare(&server, TENANT_TOKEN, file.len() as u64).await;
    let short = &file[..BLOCK - 1];
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", &short.len().to_string(), None, short),
    )
    .await;
    assert_code(&resp, 400, 1062009);
    assert_eq!(
        resp.json()["msg"],
        "the actual size is inconsistent with the parameter declaration size."
    );
    assert_eq!(part(&server, TENANT_TOKEN, &id, 0, &file).await.code(), 0);
}

#[tokio::test]
async fn the_last_block_must_be_the_remainder_else_1062009() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, BLOCK as u64 + 2).await;
    for bytes in [&b"a"[..], b"abc"] {
        let resp = part_raw(
            &server,
            TENANT_TOKEN,
            &part_form(&id, "1", &bytes.len().to_string(), None, bytes),
        )
        .await;
        assert_code(&resp, 400, 1062009);
    }
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "1", "2", None, b"ab"),
    )
    .await;
    assert_eq!(resp.code(), 0);
}

#[tokio::test]
async fn a_byte_count_different_from_size_is_1062009() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 3).await;
    for bytes in [&b"ab"[..], b"abcd"] {
        let resp = part_raw(
            &server,
            TENANT_TOKEN,
            &part_form(&id, "0", "3", None, bytes),
        )
        .await;
        assert_code(&resp, 400, 1062009);
    }
}

#[tokio::test]
async fn a_block_of_4194304_bytes_is_accepted_and_one_byte_more_is_refused_while_streaming_with_1062009(
) {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 2 * BLOCK as u64).await;
    for (filler, code) in [(BLOCK as u64, 0), (BLOCK as u64 + 1, 1062009)] {
        let (head, tail) = file_part_frame(
            &[("upload_id", &id), ("seq", "0"), ("size", "4194304")],
            "file",
            None,
        );
        let resp = client()
            .post(format!("{}{PART}", server.url()))
            .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
            .header("Content-Type", RawForm::new().content_type())
            .body(streaming_body(head, filler, tail))
            .send()
            .await
            .unwrap();
        let resp = read(resp).await;
        assert_eq!(resp.code(), code, "{filler}: {}", resp.text);
    }
}

#[tokio::test]
async fn a_right_adler32_checksum_is_accepted_and_a_wrong_one_is_1062008() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 11).await;
    let data = b"feishu-mock";
    let sum = simd_adler32::adler32(&data.as_slice()).to_string();
    let wrong = (simd_adler32::adler32(&data.as_slice()) ^ 1).to_string();
    for bad in [wrong.as_str(), "abc"] {
        let resp = part_raw(
            &server,
            TENANT_TOKEN,
            &part_form(&id, "0", "11", Some(bad), data),
        )
        .await;
        assert_code(&resp, 400, 1062008);
        assert_eq!(resp.json()["msg"], "checksum param Invalid.");
    }
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "11", Some(&sum), data),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    // Python sends an unset checksum as an empty part: absent.
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "11", Some(""), data),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
}

#[tokio::test]
async fn a_rejected_part_leaves_the_upload_as_it_was() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 3).await;
    part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "3", None, b"abc"),
    )
    .await;
    let bad = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "3", Some("1"), b"xyz"),
    )
    .await;
    assert_code(&bad, 400, 1062008);
    let bad = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "3", None, b"xy"),
    )
    .await;
    assert_code(&bad, 400, 1062009);
    let token = finish(&server, TENANT_TOKEN, &id, 1).await.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(download(&server, &token, None).await.1, b"abc");
}

// upload_finish.

#[tokio::test]
async fn finish_with_a_block_missing_is_1062010_and_the_upload_stays() {
    let server = server().await;
    let file = file_bytes(BLOCK + 1);
    let id = prepare(&server, TENANT_TOKEN, file.len() as u64).await;
    part(&server, TENANT_TOKEN, &id, 1, &file).await;
    let resp = finish(&server, TENANT_TOKEN, &id, 2).await;
    assert_code(&resp, 400, 1062010);
    assert_eq!(
        resp.json()["msg"],
        "block missing, please upload all blocks."
    );
    assert_eq!(files(&server), 0);
    part(&server, TENANT_TOKEN, &id, 0, &file).await;
    assert_eq!(finish(&server, TENANT_TOKEN, &id, 2).await.code(), 0);
    assert_eq!(files(&server), 1);
}

#[tokio::test]
async fn finish_with_a_block_num_other_than_prepare_answered_is_1061002() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 1).await;
    part_raw(&server, TENANT_TOKEN, &part_form(&id, "0", "1", None, b"a")).await;
    for n in [0, 2, -1] {
        assert_code(&finish(&server, TENANT_TOKEN, &id, n).await, 400, 1061002);
    }
    assert_eq!(finish(&server, TENANT_TOKEN, &id, 1).await.code(), 0);
}

#[tokio::test]
async fn a_finished_upload_id_is_consumed_and_answers_1061021() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 1).await;
    part_raw(&server, TENANT_TOKEN, &part_form(&id, "0", "1", None, b"a")).await;
    assert_eq!(finish(&server, TENANT_TOKEN, &id, 1).await.code(), 0);
    assert_code(&finish(&server, TENANT_TOKEN, &id, 1).await, 400, 1061021);
    let resp = part_raw(&server, TENANT_TOKEN, &part_form(&id, "0", "1", None, b"a")).await;
    assert_code(&resp, 400, 1061021);
    assert_eq!(files(&server), 1);
}

#[tokio::test]
async fn an_empty_file_is_prepared_with_block_num_0_and_finished_without_parts() {
    let server = server().await;
    let id = prepare(&server, TENANT_TOKEN, 0).await;
    let resp = part_raw(&server, TENANT_TOKEN, &part_form(&id, "0", "0", None, b"")).await;
    assert_code(&resp, 400, 1062011);
    let resp = finish(&server, TENANT_TOKEN, &id, 0).await;
    let token = resp.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    let (resp, bytes) = download(&server, &token, None).await;
    assert_eq!((resp.status, bytes.len()), (200, 0));
}

#[tokio::test]
async fn finish_past_max_stored_bytes_is_1061101_and_the_upload_stays() {
    let server = server_with(Config {
        options: Options {
            rate_limits: false,
            max_stored_bytes: Some(4),
            ..Options::default()
        },
        ..Config::default()
    })
    .await;
    let id = prepare(&server, TENANT_TOKEN, 5).await;
    part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "5", None, b"abcde"),
    )
    .await;
    let resp = finish(&server, TENANT_TOKEN, &id, 1).await;
    assert_code(&resp, 400, 1061101);
    assert_eq!(files(&server), 0);
    assert_eq!(uploads(&server), 1);
    let id = prepare(&server, TENANT_TOKEN, 4).await;
    part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "4", None, b"abcd"),
    )
    .await;
    assert_eq!(finish(&server, TENANT_TOKEN, &id, 1).await.code(), 0);
}

#[tokio::test]
async fn under_retain_metadata_blocks_are_digested_and_the_file_sha256_is_the_whole_files() {
    let server = server_with(Config {
        options: Options {
            rate_limits: false,
            retain: Retain::Metadata,
            ..Options::default()
        },
        ..Config::default()
    })
    .await;
    let file = file_bytes(3 * BLOCK + 7);
    let id = prepare(&server, TENANT_TOKEN, file.len() as u64).await;
    let held = || server.state().emulator().families.drive.upload_bytes_held();
    part(&server, TENANT_TOKEN, &id, 0, &file).await;
    assert_eq!(held(), 0, "an in-order block is digested and dropped");
    part(&server, TENANT_TOKEN, &id, 2, &file).await;
    assert_eq!(held(), BLOCK as u64, "a block ahead of the digest waits");
    part(&server, TENANT_TOKEN, &id, 1, &file).await;
    part(&server, TENANT_TOKEN, &id, 3, &file).await;
    // The same bytes again change nothing.
    part(&server, TENANT_TOKEN, &id, 1, &file).await;
    assert_eq!(held(), 0);
    let resp = finish(&server, TENANT_TOKEN, &id, 4).await;
    let token = resp.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = server.state().emulator().store.file(&token).unwrap();
    assert_eq!(stored.sha256.as_deref(), Some(sha256_hex(&file).as_str()));
    assert_eq!(stored.size, file.len() as u64);
    assert!(stored.bytes.is_empty());
}

#[tokio::test]
async fn under_retain_metadata_a_digested_block_replaced_by_other_bytes_makes_the_later_blocks_missing(
) {
    let server = server_with(Config {
        options: Options {
            rate_limits: false,
            retain: Retain::Metadata,
            ..Options::default()
        },
        ..Config::default()
    })
    .await;
    let file = file_bytes(BLOCK + 3);
    let id = prepare(&server, TENANT_TOKEN, file.len() as u64).await;
    part(&server, TENANT_TOKEN, &id, 0, &file).await;
    part(&server, TENANT_TOKEN, &id, 1, &file).await;
    let other = vec![9u8; BLOCK];
    let form = part_form(&id, "0", &BLOCK.to_string(), None, &other);
    assert_eq!(part_raw(&server, TENANT_TOKEN, &form).await.code(), 0);
    assert_code(&finish(&server, TENANT_TOKEN, &id, 2).await, 400, 1062010);
    part(&server, TENANT_TOKEN, &id, 1, &file).await;
    let resp = finish(&server, TENANT_TOKEN, &id, 2).await;
    let token = resp.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut expected = other.clone();
    expected.extend_from_slice(&file[BLOCK..]);
    let stored = server.state().emulator().store.file(&token).unwrap();
    assert_eq!(
        stored.sha256.as_deref(),
        Some(sha256_hex(&expected).as_str())
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

// download.

#[tokio::test]
async fn download_of_an_upload_all_file_keeps_its_content_type_and_name() {
    let server = server().await;
    let form = RawForm::new()
        .text("file_name", "图 片.png")
        .text("parent_type", "doc_image")
        .text("parent_node", DOC_NODE)
        .text("size", "4")
        .file("file", Some("x.png"), Some("image/png"), b"\x89PNG");
    let resp = post_form(
        &format!("{}/open-apis/drive/v1/medias/upload_all", server.url()),
        Some(TENANT_TOKEN),
        &form,
    )
    .await;
    let token = resp.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    let (resp, bytes) = download(&server, &token, None).await;
    assert_eq!(bytes, b"\x89PNG");
    assert_eq!(resp.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(
        resp.header("content-disposition").as_deref(),
        Some("attachment; filename=\"%E5%9B%BE%20%E7%89%87.png\"; filename*=UTF-8''%E5%9B%BE%20%E7%89%87.png")
    );
}

#[tokio::test]
async fn download_writes_content_type_content_disposition_and_content_range_in_exactly_that_casing()
{
    let server = server().await;
    let token = upload_chunked(&server, b"hello world").await;
    let path = format!("/open-apis/drive/v1/medias/{token}/download");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer {TENANT_TOKEN}\r\nRange: bytes=0-4\r\n\r\n"
    );
    let answer = raw_exchange(server.addr(), request.as_bytes())
        .await
        .unwrap();
    assert_eq!(answer.status, 206);
    assert!(
        answer
            .head
            .contains("\r\nContent-Type: application/octet-stream"),
        "{}",
        answer.head
    );
    assert!(
        answer.head.contains("\r\nContent-Disposition: attachment;"),
        "{}",
        answer.head
    );
    assert!(
        answer.head.contains("\r\nContent-Range: bytes 0-4/11"),
        "{}",
        answer.head
    );
    assert_eq!(answer.text, "hello");
}

#[tokio::test]
async fn a_range_is_answered_206_with_content_range_and_its_end_clamped_to_the_file() {
    let server = server().await;
    let file = file_bytes(100);
    let token = upload_chunked(&server, &file).await;
    for (range, start, end) in [
        ("bytes=0-1024", 0usize, 99usize),
        ("bytes=10-19", 10, 19),
        ("bytes=99-", 99, 99),
        ("bytes=-5", 95, 99),
        ("bytes=0-0", 0, 0),
    ] {
        let (resp, bytes) = download(&server, &token, Some(range)).await;
        assert_eq!(resp.status, 206, "{range}");
        assert_eq!(bytes, &file[start..=end], "{range}");
        assert_eq!(
            resp.header("content-range"),
            Some(format!("bytes {start}-{end}/100")),
            "{range}"
        );
    }
}

#[tokio::test]
async fn a_range_starting_at_the_end_or_malformed_or_multiple_is_1061002() {
    let server = server().await;
    let token = upload_chunked(&server, &file_bytes(100)).await;
    for range in [
        "bytes=100-",
        "bytes=100-200",
        "bytes=5-4",
        "bytes=0-1,5-6",
        "lines=1-2",
    ] {
        let (resp, _) = download(&server, &token, Some(range)).await;
        assert_code(&resp, 400, 1061002);
        assert_eq!(
            resp.header("content-type").as_deref(),
            Some("application/json; charset=utf-8")
        );
    }
}

#[tokio::test]
async fn download_of_an_unknown_token_or_a_task_attachment_is_404_1061003_in_json() {
    let server = server().await;
    let (resp, _) = download(&server, "boxcnUnknownUnknownUnknown1", None).await;
    assert_code(&resp, 404, 1061003);
    assert_eq!(resp.json()["msg"], "not found.");
    assert_eq!(
        resp.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
    let task = RawForm::new()
        .text("resource_type", "task")
        .text("resource_id", "d300a75f-c56a-4be9-80d1-e47653028ceb")
        .file("file", Some("a.txt"), None, b"abc");
    let resp = post_form(
        &format!("{}/open-apis/task/v2/attachments/upload", server.url()),
        Some(TENANT_TOKEN),
        &task,
    )
    .await;
    if let Some(token) = resp.json()["data"]["items"][0]["file_token"].as_str() {
        assert_code(&download(&server, token, None).await.0, 404, 1061003);
    }
}

// batch_get_tmp_download_url and the links.

#[tokio::test]
async fn five_tokens_get_one_link_each_in_order_and_a_sixth_is_1061002() {
    let server = server().await;
    let a = upload_chunked(&server, b"aaa").await;
    let b = upload_chunked(&server, b"bbb").await;
    let tokens = [a.as_str(), b.as_str(), a.as_str(), b.as_str(), a.as_str()];
    let resp = tmp_urls(&server, &tokens).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    let items = resp.json()["data"]["tmp_download_urls"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 5);
    for (item, token) in items.iter().zip(tokens) {
        assert_eq!(item["file_token"], token);
        assert_eq!(item.as_object().unwrap().len(), 2, "{item}");
    }
    let mut six = tokens.to_vec();
    six.push(b.as_str());
    assert_code(&tmp_urls(&server, &six).await, 400, 1061002);
    assert_code(&tmp_urls(&server, &[]).await, 400, 1061002);
}

#[tokio::test]
async fn an_unknown_token_among_good_ones_is_1061002_naming_it() {
    let server = server().await;
    let a = upload_chunked(&server, b"aaa").await;
    let resp = tmp_urls(&server, &[&a, "boxcnUnknownUnknownUnknown1"]).await;
    assert_code(&resp, 400, 1061002);
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["value"],
        "boxcnUnknownUnknownUnknown1"
    );
}

#[tokio::test]
async fn a_link_serves_the_bytes_without_a_token_with_range_for_24_hours() {
    let server = server().await;
    let file = file_bytes(50);
    let token = upload_chunked(&server, &file).await;
    let resp = tmp_urls(&server, &[&token]).await;
    let link = resp.json()["data"]["tmp_download_urls"][0]["tmp_download_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        link.starts_with(&format!("{}/__mock/drive/tmp_download/", server.url())),
        "{link}"
    );
    let (resp, bytes) = get(&link, None, None).await;
    assert_eq!((resp.status, bytes.as_slice()), (200, file.as_slice()));
    let (resp, bytes) = get(&link, None, Some("bytes=10-14")).await;
    assert_eq!((resp.status, bytes.as_slice()), (206, &file[10..15]));
    advance_clock(&server, DAY_SECS - 1).await;
    assert_eq!(get(&link, None, None).await.0.status, 200);
    advance_clock(&server, 1).await;
    assert_code(&get(&link, None, None).await.0, 404, 1061003);
}

// The platform around the new routes: scopes, quotas, errors on demand, fault rules.

#[tokio::test]
async fn an_app_without_drive_scopes_gets_99991672_on_every_new_route() {
    let server = server().await;
    let token = mint_tenant_token(&server, "cli_mock_noscope", "mock-secret").await;
    let resp = prepare_with(&server, &token, &prepare_body(1)).await;
    assert_code(&resp, 400, 99991672);
    assert_code(
        &part_raw(&server, &token, &part_form("1", "0", "1", None, b"a")).await,
        400,
        99991672,
    );
    assert_code(&finish(&server, &token, "1", 1).await, 400, 99991672);
    let url = format!("{}/open-apis/drive/v1/medias/boxcnX/download", server.url());
    assert_code(&get(&url, Some(&token), None).await.0, 400, 99991672);
    let url = format!("{}{TMP_URLS}?file_tokens=boxcnX", server.url());
    assert_code(&get(&url, Some(&token), None).await.0, 400, 99991672);
}

#[tokio::test]
async fn the_sixth_upload_part_in_one_second_is_99991400_and_each_route_has_its_own_quota() {
    let server = server_with(Config::default()).await;
    // Start at the beginning of a fresh second so all requests fall in one window.
    let store = &server.state().emulator().store;
    store.advance_clock_ms(1000 - store.now_ms().rem_euclid(1000));
    let id = prepare(&server, TENANT_TOKEN, 1).await;
    let mut codes = Vec::new();
    for _ in 0..6 {
        let resp = part_raw(&server, TENANT_TOKEN, &part_form(&id, "0", "1", None, b"a")).await;
        codes.push((resp.status, resp.code()));
    }
    assert_eq!(codes[..5], [(200, 0); 5]);
    assert_eq!(codes[5], (429, 99991400));
    assert_eq!(finish(&server, TENANT_TOKEN, &id, 1).await.code(), 0);
}

#[tokio::test]
async fn x_mock_error_code_and_fault_rules_reach_the_new_routes() {
    let server = server().await;
    let form = part_form("1", "0", "1", None, b"a");
    let resp = post_form_with(
        &format!("{}{PART}", server.url()),
        &[
            ("Authorization", &format!("Bearer {TENANT_TOKEN}")),
            ("X-Mock-Error-Code", "1061045"),
        ],
        &form,
    )
    .await;
    assert_code(&resp, 200, 1061045);
    let resp = post_json(
        &format!("{}/__mock/faults", server.url()),
        None,
        &json!({"endpoint": "drive.media.upload_finish", "error_code": 1061022, "times": 1}),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let id = prepare(&server, TENANT_TOKEN, 1).await;
    part_raw(&server, TENANT_TOKEN, &part_form(&id, "0", "1", None, b"a")).await;
    assert_code(&finish(&server, TENANT_TOKEN, &id, 1).await, 500, 1061022);
    assert_eq!(finish(&server, TENANT_TOKEN, &id, 1).await.code(), 0);
    let url = format!("{}/open-apis/drive/v1/medias/boxcnX/download", server.url());
    let resp = client()
        .get(url)
        .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
        .header("X-Mock-Error-Code", "1061004")
        .send()
        .await
        .unwrap();
    assert_code(&read(resp).await, 403, 1061004);
}

// Snapshots of every new shape.

#[tokio::test]
async fn snapshots_of_the_chunked_upload_answers() {
    let server = seeded_server(42).await;
    let resp = prepare_with(&server, TENANT_TOKEN, &prepare_body(5)).await;
    assert_snapshot_json!("drive_upload_prepare_success", snapshot_of(&resp));
    let id = resp.json()["data"]["upload_id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = finish(&server, TENANT_TOKEN, &id, 1).await;
    assert_snapshot_json!("drive_upload_finish_1062010", snapshot_of(&resp));
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "4", None, b"abcd"),
    )
    .await;
    assert_snapshot_json!("drive_upload_part_1062009", snapshot_of(&resp));
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "5", Some("1"), b"abcde"),
    )
    .await;
    assert_snapshot_json!("drive_upload_part_1062008", snapshot_of(&resp));
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "1", "5", None, b"abcde"),
    )
    .await;
    assert_snapshot_json!("drive_upload_part_1062011", snapshot_of(&resp));
    let resp = part_raw(
        &server,
        USER_TOKEN,
        &part_form(&id, "0", "5", None, b"abcde"),
    )
    .await;
    assert_snapshot_json!("drive_upload_part_1062007", snapshot_of(&resp));
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "5", None, b"abcde"),
    )
    .await;
    assert_snapshot_json!("drive_upload_part_success", snapshot_of(&resp));
    let resp = finish(&server, TENANT_TOKEN, &id, 1).await;
    assert_snapshot_json!("drive_upload_finish_success", snapshot_of(&resp));
    let token = resp.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = part_raw(
        &server,
        TENANT_TOKEN,
        &part_form(&id, "0", "5", None, b"abcde"),
    )
    .await;
    assert_snapshot_json!("drive_upload_part_1061021", snapshot_of(&resp));
    let resp = tmp_urls(&server, &[&token]).await;
    let mut shape = snapshot_of(&resp);
    let link = &mut shape["body"]["data"]["tmp_download_urls"][0]["tmp_download_url"];
    assert!(link.as_str().unwrap().starts_with(&server.url()));
    *link = json!("[link]");
    assert_snapshot_json!("drive_batch_get_tmp_download_url_success", shape);
    let resp = tmp_urls(&server, &["boxcnUnknownUnknownUnknown1"]).await;
    assert_snapshot_json!(
        "drive_batch_get_tmp_download_url_1061002",
        snapshot_of(&resp)
    );
    let (resp, _) = download(&server, "boxcnUnknownUnknownUnknown1", None).await;
    assert_snapshot_json!("drive_download_1061003", snapshot_of(&resp));
    let (resp, _) = download(&server, &token, Some("bytes=1-2")).await;
    let mut shape = snapshot_of(&resp);
    shape["content_range"] = json!(resp.header("content-range"));
    shape["content_disposition"] = json!(resp.header("content-disposition"));
    assert_snapshot_json!("drive_download_206", shape);
}
