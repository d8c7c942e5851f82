//! Drive media upload_all, seed 004 (`specs/drive.media.upload_all.json`): every rule and every
//! code a request can trigger, both sides of each boundary.

mod common;

use common::*;
use serde_json::Value;

const DOC_NODE: &str = "doccnFivLCfJfblZjGZtxgabcef";
const PATH: &str = "/open-apis/drive/v1/medias/upload_all";

/// The seed's cURL example: text fields then a 1024-byte file, with the fields given in
/// `overrides` replaced (`None` leaves the part out).
fn form_with(overrides: &[(&str, Option<&str>)], file: &[u8]) -> RawForm {
    let size = file.len().to_string();
    let defaults = [
        ("file_name", "demo.jpeg"),
        ("parent_type", "doc_image"),
        ("parent_node", DOC_NODE),
        ("size", size.as_str()),
    ];
    let mut form = RawForm::new();
    for (name, value) in defaults {
        match overrides.iter().find(|(n, _)| *n == name) {
            Some((_, Some(v))) => form = form.text(name, v),
            Some((_, None)) => {}
            None => form = form.text(name, value),
        }
    }
    for (name, value) in overrides {
        if !defaults.iter().any(|(n, _)| n == name) {
            if let Some(v) = value {
                form = form.text(name, v);
            }
        }
    }
    form.file("file", Some("demo.jpeg"), Some("image/jpeg"), file)
}

async fn upload(server: &feishu_mock::MockServer, form: &RawForm) -> Resp {
    post_form(&format!("{}{PATH}", server.url()), Some(TENANT_TOKEN), form).await
}

/// Asserts the documented HTTP status and code, and that nothing was stored.
fn assert_refused(server: &feishu_mock::MockServer, resp: &Resp, status: u16, code: i64) {
    assert_eq!(resp.code(), code, "{}", resp.text);
    assert_eq!(resp.status, status, "{}", resp.text);
    assert!(resp.json()["error"]["log_id"].is_string());
    assert_eq!(
        server.state().emulator().store.file_count(),
        0,
        "a rejected request stored something"
    );
}

fn file_token(resp: &Resp) -> String {
    assert_eq!(resp.code(), 0, "{}", resp.text);
    assert_eq!(resp.status, 200);
    resp.json()["data"]["file_token"]
        .as_str()
        .expect("file_token")
        .to_string()
}

#[tokio::test]
async fn seed_curl_example_is_accepted_and_the_bytes_are_kept() {
    let server = server().await;
    let bytes: Vec<u8> = (0..1024u32).map(|i| (i % 251) as u8).collect();
    let form = form_with(
        &[(
            "extra",
            Some(r#"{"drive_route_token":"doxcnXgNGAtaAraIRVeCfmabcef"}"#),
        )],
        &bytes,
    );
    let resp = upload(&server, &form).await;
    let token = file_token(&resp);
    let stored = server
        .state()
        .emulator()
        .store
        .file(&token)
        .expect("stored");
    assert_eq!(stored.bytes.as_ref(), bytes.as_slice());
    assert_eq!(stored.name, "demo.jpeg");
    assert_eq!(stored.parent, DOC_NODE);
}

#[tokio::test]
async fn file_tokens_are_boxcn_and_22_base62_chars_and_unique() {
    let server = server().await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20 {
        let token = file_token(&upload(&server, &form_with(&[], b"abc")).await);
        assert_eq!(token.len(), 27, "{token}");
        assert!(token.starts_with("boxcn"));
        assert!(token[5..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(seen.insert(token));
    }
}

#[tokio::test]
async fn success_response_shape_snapshot() {
    let server = seeded_server(42).await;
    let resp = upload(&server, &form_with(&[], &[7u8; 1024])).await;
    assert_snapshot_json!("drive_upload_all_success", snapshot_of(&resp));
}

#[tokio::test]
async fn error_response_shape_snapshot() {
    let server = seeded_server(42).await;
    let resp = upload(
        &server,
        &form_with(&[("parent_node", Some("doccnMissing"))], b"x"),
    )
    .await;
    assert_snapshot_json!("drive_upload_all_1061044", snapshot_of(&resp));
}

// file_name: required, 1–250 chars.

#[tokio::test]
async fn file_name_of_250_chars_is_accepted() {
    let server = server().await;
    let name = "a".repeat(250);
    file_token(&upload(&server, &form_with(&[("file_name", Some(&name))], b"x")).await);
}

#[tokio::test]
async fn file_name_of_250_multibyte_chars_is_accepted_because_chars_are_counted_not_bytes() {
    let server = server().await;
    let name = "图".repeat(250);
    file_token(&upload(&server, &form_with(&[("file_name", Some(&name))], b"x")).await);
}

#[tokio::test]
async fn file_name_of_251_chars_is_refused_with_1061008() {
    let server = server().await;
    let name = "a".repeat(251);
    let resp = upload(&server, &form_with(&[("file_name", Some(&name))], b"x")).await;
    assert_refused(&server, &resp, 400, 1061008);
    assert_eq!(resp.json()["msg"], "invalid file name.");
}

#[tokio::test]
async fn empty_file_name_is_refused_with_1061008() {
    let server = server().await;
    let resp = upload(&server, &form_with(&[("file_name", Some(""))], b"x")).await;
    assert_refused(&server, &resp, 400, 1061008);
}

#[tokio::test]
async fn missing_file_name_is_refused_with_1061002() {
    let server = server().await;
    let resp = upload(&server, &form_with(&[("file_name", None)], b"x")).await;
    assert_refused(&server, &resp, 400, 1061002);
    assert_eq!(resp.json()["msg"], "params error.");
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "file_name"
    );
}

// parent_type: one of the 11 documented keys.

#[tokio::test]
async fn every_documented_parent_type_is_accepted() {
    let server = server().await;
    let keys = [
        "doc_image",
        "docx_image",
        "sheet_image",
        "doc_file",
        "docx_file",
        "sheet_file",
        "vc_virtual_background",
        "bitable_image",
        "bitable_file",
        "moments",
        "ccm_import_open",
    ];
    for key in keys {
        let resp = upload(&server, &form_with(&[("parent_type", Some(key))], b"x")).await;
        assert_eq!(resp.code(), 0, "{key}: {}", resp.text);
    }
}

#[tokio::test]
async fn unknown_parent_type_is_refused_with_1061002() {
    let server = server().await;
    for bad in ["docx", "DOC_IMAGE", "image"] {
        let resp = upload(&server, &form_with(&[("parent_type", Some(bad))], b"x")).await;
        assert_refused(&server, &resp, 400, 1061002);
    }
}

#[tokio::test]
async fn missing_parent_type_is_refused_with_1061002() {
    let server = server().await;
    let resp = upload(&server, &form_with(&[("parent_type", None)], b"x")).await;
    assert_refused(&server, &resp, 400, 1061002);
}

// parent_node: must exist.

#[tokio::test]
async fn every_drive_node_of_the_default_world_is_an_upload_point() {
    let server = server().await;
    for node in [
        "doccnFivLCfJfblZjGZtxgabcef",
        "doxcnXgNGAtaAraIRVeCfmabcef",
        "shtcnmBA4f6Kg1jlpV1ZZoabcef",
        "bascnCMII2ORej2RItqpZZabcef",
    ] {
        let resp = upload(&server, &form_with(&[("parent_node", Some(node))], b"x")).await;
        assert_eq!(resp.code(), 0, "{node}: {}", resp.text);
    }
}

#[tokio::test]
async fn unknown_parent_node_is_refused_with_1061044() {
    let server = server().await;
    let resp = upload(
        &server,
        &form_with(&[("parent_node", Some("doccnNoSuchNode"))], b"x"),
    )
    .await;
    assert_refused(&server, &resp, 400, 1061044);
    assert_eq!(resp.json()["msg"], "parent node not exist.");
}

#[tokio::test]
async fn missing_parent_node_is_refused_with_1061002() {
    let server = server().await;
    let resp = upload(&server, &form_with(&[("parent_node", None)], b"x")).await;
    assert_refused(&server, &resp, 400, 1061002);
}

// size: an integer ≤ 20971520 equal to the file's byte count.

#[tokio::test]
async fn missing_size_is_refused_with_1061002() {
    let server = server().await;
    let resp = upload(&server, &form_with(&[("size", None)], b"x")).await;
    assert_refused(&server, &resp, 400, 1061002);
}

#[tokio::test]
async fn size_that_is_not_an_integer_is_refused_with_1061002() {
    let server = server().await;
    for bad in ["abc", "1.0", "-1", " 1", "1e3"] {
        let resp = upload(&server, &form_with(&[("size", Some(bad))], b"x")).await;
        assert_refused(&server, &resp, 400, 1061002);
    }
}

#[tokio::test]
async fn declared_size_above_20971520_is_refused_with_1061043() {
    let server = server().await;
    let resp = upload(&server, &form_with(&[("size", Some("20971521"))], b"x")).await;
    assert_refused(&server, &resp, 400, 1061043);
    assert_eq!(resp.json()["msg"], "file size beyond limit.");
}

#[tokio::test]
async fn size_different_from_the_bytes_is_refused_with_1062009() {
    let server = server().await;
    for declared in ["1023", "1025", "0"] {
        let resp = upload(
            &server,
            &form_with(&[("size", Some(declared))], &[1u8; 1024]),
        )
        .await;
        assert_refused(&server, &resp, 400, 1062009);
    }
}

#[tokio::test]
async fn empty_file_with_size_0_is_accepted_assumed() {
    let server = server().await;
    file_token(&upload(&server, &form_with(&[], b"")).await);
}

#[tokio::test]
async fn file_of_exactly_20971520_bytes_is_accepted() {
    let server = server().await;
    let token = file_token(&drive_upload_streamed(&server, 20_971_520, "20971520").await);
    assert_eq!(
        server
            .state()
            .emulator()
            .store
            .file(&token)
            .unwrap()
            .bytes
            .len(),
        20_971_520
    );
}

#[tokio::test]
async fn file_of_20971521_bytes_is_refused_with_1061043_while_streaming() {
    let server = server().await;
    let resp = drive_upload_streamed(&server, 20_971_521, "20971520").await;
    assert_refused(&server, &resp, 400, 1061043);
}

// checksum: Adler-32 of the bytes, as a decimal string.

#[tokio::test]
async fn correct_adler32_checksum_is_accepted() {
    let server = server().await;
    let data = b"Wikipedia";
    // Adler-32("Wikipedia") = 0x11E60398 = 300286872, the textbook example.
    file_token(
        &upload(
            &server,
            &form_with(&[("checksum", Some("300286872"))], data),
        )
        .await,
    );
}

#[tokio::test]
async fn wrong_checksum_is_refused_with_1062008() {
    let server = server().await;
    let resp = upload(
        &server,
        &form_with(&[("checksum", Some("300286873"))], b"Wikipedia"),
    )
    .await;
    assert_refused(&server, &resp, 400, 1062008);
    assert_eq!(resp.json()["msg"], "checksum param Invalid.");
}

#[tokio::test]
async fn non_decimal_checksum_is_refused_with_1062008() {
    let server = server().await;
    for bad in ["0x11E60398", "abc", "-1"] {
        let resp = upload(
            &server,
            &form_with(&[("checksum", Some(bad))], b"Wikipedia"),
        )
        .await;
        assert_refused(&server, &resp, 400, 1062008);
    }
}

#[tokio::test]
async fn empty_checksum_part_means_absent() {
    let server = server().await;
    file_token(&upload(&server, &form_with(&[("checksum", Some(""))], b"x")).await);
}

// extra: a JSON object string.

#[tokio::test]
async fn extra_that_is_not_a_json_object_is_refused_with_1061002() {
    let server = server().await;
    for bad in ["drive_route_token", "[1]", "\"s\"", "{broken"] {
        let resp = upload(&server, &form_with(&[("extra", Some(bad))], b"x")).await;
        assert_refused(&server, &resp, 400, 1061002);
    }
}

#[tokio::test]
async fn empty_extra_part_means_absent() {
    let server = server().await;
    file_token(&upload(&server, &form_with(&[("extra", Some(""))], b"x")).await);
}

// file: exactly one part.

#[tokio::test]
async fn missing_file_is_refused_with_1061002() {
    let server = server().await;
    let form = RawForm::new()
        .text("file_name", "a")
        .text("parent_type", "doc_image")
        .text("parent_node", DOC_NODE)
        .text("size", "1");
    let resp = upload(&server, &form).await;
    assert_refused(&server, &resp, 400, 1061002);
}

#[tokio::test]
async fn a_second_file_part_is_refused_with_1061002() {
    let server = server().await;
    let form = form_with(&[], b"x").file("file", Some("b"), None, b"y");
    let resp = upload(&server, &form).await;
    assert_refused(&server, &resp, 400, 1061002);
}

// Multipart as the official SDKs send it (FEISHU_FACTS §5).

#[tokio::test]
async fn file_part_without_filename_or_content_type_is_accepted_as_python_sync_sends_it() {
    let server = server().await;
    let form = RawForm::new()
        .text("file_name", "a.png")
        .text("parent_type", "doc_image")
        .text("parent_node", DOC_NODE)
        .text("size", "3")
        .text("checksum", "")
        .text("extra", "")
        .file("file", None, None, b"abc");
    file_token(&upload(&server, &form).await);
}

#[tokio::test]
async fn parts_in_any_order_are_accepted_as_go_sends_them() {
    let server = server().await;
    let form = RawForm::new()
        .file(
            "file",
            Some("unknown-file"),
            Some("application/octet-stream"),
            b"abc",
        )
        .text("size", "3")
        .text("parent_node", DOC_NODE)
        .text("file_name", "a.png")
        .text("parent_type", "doc_image");
    file_token(&upload(&server, &form).await);
}

#[tokio::test]
async fn text_parts_with_their_own_content_type_are_accepted_as_java_sends_them() {
    let server = server().await;
    let ct = "text/plain; charset=ISO-8859-1";
    let form = RawForm::new()
        .text_typed("file_name", "a.png", ct)
        .text_typed("parent_type", "doc_image", ct)
        .text_typed("parent_node", DOC_NODE, ct)
        .text_typed("size", "3", ct)
        .file("file", Some("unknown"), None, b"abc");
    file_token(&upload(&server, &form).await);
}

#[tokio::test]
async fn a_json_body_instead_of_multipart_is_refused_with_1061002() {
    let server = server().await;
    let body: Value = serde_json::json!({"file_name": "a", "parent_type": "doc_image"});
    let resp = post_json(
        &format!("{}{PATH}", server.url()),
        Some(TENANT_TOKEN),
        &body,
    )
    .await;
    assert_refused(&server, &resp, 400, 1061002);
}

#[tokio::test]
async fn a_malformed_multipart_body_is_refused_with_1061002_in_json() {
    let server = server().await;
    for body in [
        b"garbage without any boundary".to_vec(),
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"size\"\r\n\r\n12")
            .into_bytes(),
        format!("--{BOUNDARY}\r\nNo-Disposition: x\r\n\r\n1\r\n--{BOUNDARY}--\r\n").into_bytes(),
    ] {
        let resp = client()
            .post(format!("{}{PATH}", server.url()))
            .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
            .header("Content-Type", RawForm::new().content_type())
            .body(body)
            .send()
            .await
            .expect("sent");
        let resp = read(resp).await;
        assert_refused(&server, &resp, 400, 1061002);
    }
}

#[tokio::test]
async fn user_access_token_may_upload() {
    let server = server().await;
    let resp = post_form(
        &format!("{}{PATH}", server.url()),
        Some(USER_TOKEN),
        &form_with(&[], b"x"),
    )
    .await;
    file_token(&resp);
}

#[tokio::test]
async fn a_file_larger_than_one_part_memory_share_is_kept_intact_with_or_without_a_declared_length()
{
    let server = server().await;
    let bytes: Vec<u8> = (0..(9 * 1024 * 1024u32)).map(|i| (i % 253) as u8).collect();
    // Content-Length known: held in memory as it arrives.
    let token = file_token(&upload(&server, &form_with(&[], &bytes)).await);
    assert_eq!(
        server
            .state()
            .emulator()
            .store
            .file(&token)
            .unwrap()
            .bytes
            .as_ref(),
        bytes.as_slice()
    );
    // Chunked (no length): past the per-part memory share it is spooled and read back.
    let form = form_with(&[], &bytes);
    let body = form.body();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let resp = client()
        .post(format!("{}{PATH}", server.url()))
        .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
        .header("Content-Type", form.content_type())
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .expect("sent");
    let token = file_token(&read(resp).await);
    assert_eq!(
        server
            .state()
            .emulator()
            .store
            .file(&token)
            .unwrap()
            .bytes
            .as_ref(),
        bytes.as_slice()
    );
}
