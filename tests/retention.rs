//! Bounded stored memory: `--retain metadata` keeps name, size, sha256 and type only, and
//! `--max-stored-bytes` refuses an upload that would pass it with the platform's quota code,
//! storing nothing.

mod common;

use common::*;
use feishu_mock::state::store::{Options, Retain};
use feishu_mock::Config;

async fn server_opts(retain: Retain, max_stored_bytes: Option<u64>) -> feishu_mock::MockServer {
    server_with(Config {
        options: Options {
            rate_limits: false,
            retain,
            max_stored_bytes,
            ..Options::default()
        },
        ..Config::default()
    })
    .await
}

fn drive_form(bytes: &[u8]) -> RawForm {
    RawForm::new()
        .text("file_name", "a.bin")
        .text("parent_type", "doc_file")
        .text("parent_node", "doccnFivLCfJfblZjGZtxgabcef")
        .text("size", &bytes.len().to_string())
        .file("file", None, None, bytes)
}

async fn drive(server: &feishu_mock::MockServer, bytes: &[u8]) -> Resp {
    post_form(
        &format!("{}/open-apis/drive/v1/medias/upload_all", server.url()),
        Some(TENANT_TOKEN),
        &drive_form(bytes),
    )
    .await
}

#[tokio::test]
async fn retain_metadata_keeps_name_size_sha256_and_type_but_not_the_bytes() {
    let server = server_opts(Retain::Metadata, None).await;
    let resp = drive(&server, b"hello").await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    let token = resp.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    let emulator = server.state().emulator();
    assert_eq!(emulator.store.stored_bytes(), 0);
    let files = read(
        client()
            .get(format!("{}/__mock/files", server.url()))
            .send()
            .await
            .unwrap(),
    )
    .await
    .json();
    let meta = &files["files"][0];
    assert_eq!(meta["file_token"], token.as_str());
    assert_eq!(meta["name"], "a.bin");
    assert_eq!(meta["size"], 5);
    assert_eq!(
        meta["sha256"],
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(meta["bytes_retained"], false);
    let raw = read(
        client()
            .get(format!("{}/__mock/files/{token}", server.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(raw.status, 404);
}

#[tokio::test]
async fn retain_bytes_is_the_default_and_counts_stored_bytes() {
    let server = server().await;
    drive(&server, &[1u8; 1000]).await;
    assert_eq!(server.state().emulator().store.stored_bytes(), 1000);
}

#[tokio::test]
async fn drive_upload_past_max_stored_bytes_gets_1061101_and_stores_nothing() {
    let server = server_opts(Retain::Bytes, Some(1500)).await;
    assert_eq!(drive(&server, &[1u8; 1000]).await.code(), 0);
    let resp = drive(&server, &[2u8; 501]).await;
    assert_eq!(resp.code(), 1061101, "{}", resp.text);
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["msg"], "file quota exceeded.");
    assert_eq!(server.state().emulator().store.file_count(), 1);
    assert_eq!(
        drive(&server, &[3u8; 500]).await.code(),
        0,
        "exactly at the cap fits"
    );
}

#[tokio::test]
async fn task_upload_past_max_stored_bytes_gets_1470500_and_stores_none_of_its_files() {
    let server = server_opts(Retain::Bytes, Some(1500)).await;
    let form = RawForm::new()
        .text("resource_id", "fe96108d-b004-4a47-b2f8-6886e758b3a5")
        .file("file", Some("a"), None, &[1u8; 1000])
        .file("file", Some("b"), None, &[2u8; 1000]);
    let resp = post_form(
        &format!("{}/open-apis/task/v2/attachments/upload", server.url()),
        Some(USER_TOKEN),
        &form,
    )
    .await;
    assert_eq!(resp.code(), 1470500, "{}", resp.text);
    assert_eq!(resp.status, 500);
    assert_eq!(server.state().emulator().store.file_count(), 0);
    assert_eq!(server.state().emulator().store.stored_bytes(), 0);
}

#[tokio::test]
async fn okr_image_past_max_stored_bytes_gets_1009998_and_stores_nothing() {
    let server = server_opts(Retain::Bytes, Some(10)).await;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0u8; 32]);
    let form = RawForm::new()
        .file("data", None, None, &png)
        .text("target_id", "6974586812998174252")
        .text("target_type", "2");
    let resp = post_form(
        &format!("{}/open-apis/okr/v1/images/upload", server.url()),
        Some(TENANT_TOKEN),
        &form,
    )
    .await;
    assert_eq!(resp.code(), 1009998, "{}", resp.text);
    assert_eq!(resp.status, 500);
    assert_eq!(server.state().emulator().store.file_count(), 0);
}

/// Uploads `form` to the default world's work item 6437110001 (story in space `doc`) with
/// `token` as its plugin token.
async fn project_upload(server: &feishu_mock::MockServer, token: &str, form: &RawForm) -> Resp {
    post_project_form(
        &format!(
            "{}/open_api/doc/work_item/story/6437110001/file/upload",
            server.url()
        ),
        Some(token),
        Some("7000000000000000001"),
        form,
    )
    .await
}

#[tokio::test]
async fn project_upload_past_max_stored_bytes_gets_1000050262_and_stores_nothing() {
    let server = server_opts(Retain::Bytes, Some(10)).await;
    let token = plugin_token(&server).await;
    let form = RawForm::new().text("field_key", "field_attachment").file(
        "file",
        Some("a.txt"),
        Some("text/plain"),
        &[7u8; 64],
    );
    let resp = project_upload(&server, &token, &form).await;
    assert_eq!(resp.json()["err_code"], 1000050262, "{}", resp.text);
    assert_eq!(server.state().emulator().store.file_count(), 0);
}

// ---------------------------------------------------------------------------------------------
// `--retain metadata` reads file parts as digests: the same answers, no bytes held or spooled
// ---------------------------------------------------------------------------------------------

const MIB: u64 = 1024 * 1024;
const DRIVE_MAX: usize = 20_971_520;
const DRIVE_PATH: &str = "/open-apis/drive/v1/medias/upload_all";

/// Adler-32 by its definition (RFC 1950), independent of the server's.
fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `len` bytes that are not all alike, so that size, Adler-32 and SHA-256 all depend on each.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 4093) as u8).collect()
}

async fn get_json(url: String) -> serde_json::Value {
    read(client().get(url).send().await.unwrap()).await.json()
}

fn drive_form_with_checksum(bytes: &[u8], checksum: &str) -> RawForm {
    RawForm::new()
        .text("file_name", "big.bin")
        .text("parent_type", "doc_file")
        .text("parent_node", "doccnFivLCfJfblZjGZtxgabcef")
        .text("size", &bytes.len().to_string())
        .text("checksum", checksum)
        .file("file", Some("big.bin"), None, bytes)
}

#[tokio::test]
async fn retain_metadata_accepts_a_20971520_byte_drive_upload_by_its_adler32_and_lists_its_size_and_sha256(
) {
    let server = server_opts(Retain::Metadata, None).await;
    let bytes = pattern(DRIVE_MAX);
    let form = drive_form_with_checksum(&bytes, &adler32(&bytes).to_string());
    let resp = post_form(
        &format!("{}{DRIVE_PATH}", server.url()),
        Some(TENANT_TOKEN),
        &form,
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    let token = resp.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    let want = sha256_hex(&bytes);
    let files = get_json(format!("{}/__mock/files", server.url())).await;
    let meta = &files["files"][0];
    assert_eq!(meta["file_token"], token.as_str());
    assert_eq!(meta["size"], DRIVE_MAX);
    assert_eq!(meta["sha256"], want.as_str());
    assert_eq!(meta["bytes_retained"], false);
    assert_eq!(server.state().emulator().store.stored_bytes(), 0);
    // The journal's part is described by the same digest.
    let journal = get_json(format!("{}/__mock/requests", server.url())).await;
    let part = &journal["requests"][0]["parts"][0];
    assert_eq!(part["size"], DRIVE_MAX);
    assert_eq!(part["sha256"], want.as_str());
}

#[tokio::test]
async fn retain_metadata_refuses_a_wrong_drive_checksum_with_1062008_and_stores_nothing() {
    let server = server_opts(Retain::Metadata, None).await;
    let bytes = pattern(3 * MIB as usize);
    let wrong = (adler32(&bytes) ^ 1).to_string();
    let resp = post_form(
        &format!("{}{DRIVE_PATH}", server.url()),
        Some(TENANT_TOKEN),
        &drive_form_with_checksum(&bytes, &wrong),
    )
    .await;
    assert_eq!(resp.code(), 1062008, "{}", resp.text);
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["msg"], "checksum param Invalid.");
    assert_eq!(server.state().emulator().store.file_count(), 0);
}

#[tokio::test]
async fn retain_metadata_refuses_a_20971521_byte_part_with_1061043_while_streaming() {
    let server = server_opts(Retain::Metadata, None).await;
    let resp =
        drive_upload_streamed(&server, DRIVE_MAX as u64 + 1, &(DRIVE_MAX + 1).to_string()).await;
    assert_eq!(resp.code(), 1061043, "{}", resp.text);
    assert_eq!(resp.status, 400);
    assert_eq!(server.state().emulator().store.file_count(), 0);
    let ok = drive_upload_streamed(&server, DRIVE_MAX as u64, &DRIVE_MAX.to_string()).await;
    assert_eq!(ok.code(), 0, "exactly at the limit: {}", ok.text);
}

async fn okr_image(server: &feishu_mock::MockServer, bytes: &[u8]) -> Resp {
    let form = RawForm::new()
        .file("data", Some("a.png"), Some("image/png"), bytes)
        .text("target_id", "6974586812998174252")
        .text("target_type", "2");
    post_form(
        &format!("{}/open-apis/okr/v1/images/upload", server.url()),
        Some(TENANT_TOKEN),
        &form,
    )
    .await
}

#[tokio::test]
async fn retain_metadata_still_recognises_an_okr_image_from_its_magic_bytes() {
    let server = server_opts(Retain::Metadata, None).await;
    let mut gif = b"GIF89a\x01\0\x01\0\x80\0\0".to_vec();
    gif.extend_from_slice(&pattern(5 * MIB as usize));
    let resp = okr_image(&server, &gif).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    let url = resp.json()["data"]["url"].as_str().unwrap().to_string();
    let link = read(client().get(url).send().await.unwrap()).await;
    assert_eq!(link.status, 200);
    assert_eq!(link.header("content-type").as_deref(), Some("image/gif"));
    assert_eq!(link.text, "", "metadata retention serves an empty body");
    let files = get_json(format!("{}/__mock/files", server.url())).await;
    assert_eq!(files["files"][0]["size"], gif.len());
    assert_eq!(files["files"][0]["sha256"], sha256_hex(&gif).as_str());
}

#[tokio::test]
async fn retain_metadata_refuses_a_non_image_okr_upload_with_1001001_and_stores_nothing() {
    let server = server_opts(Retain::Metadata, None).await;
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend_from_slice(&pattern(64 * 1024));
    let resp = okr_image(&server, &pdf).await;
    assert_eq!(resp.code(), 1001001, "{}", resp.text);
    assert_eq!(server.state().emulator().store.file_count(), 0);
}

/// An ISO-BMFF `ftyp` box of `len` bytes, major brand `mif1`, whose last compatible brand is
/// `heic`: HEIC only if that brand is looked at.
fn heif_with_heic_brand_last(len: usize) -> Vec<u8> {
    let mut b = (len as u32).to_be_bytes().to_vec();
    b.extend_from_slice(b"ftypmif1\0\0\0\0");
    while b.len() < len - 4 {
        b.extend_from_slice(b"mif1");
    }
    b.extend_from_slice(b"heic");
    b.extend_from_slice(&[0u8; 100]);
    b
}

#[tokio::test]
async fn okr_heif_brands_are_looked_for_in_the_first_256_bytes_under_either_retention() {
    use feishu_mock::http::multipart::HEAD_BYTES;
    assert_eq!(HEAD_BYTES, 256);
    for retain in [Retain::Bytes, Retain::Metadata] {
        let server = server_opts(retain, None).await;
        let within = okr_image(&server, &heif_with_heic_brand_last(HEAD_BYTES)).await;
        assert_eq!(within.code(), 0, "{retain:?}: {}", within.text);
        let beyond = okr_image(&server, &heif_with_heic_brand_last(HEAD_BYTES + 4)).await;
        assert_eq!(beyond.code(), 1001001, "{retain:?}: {}", beyond.text);
    }
}

#[tokio::test]
async fn retain_metadata_task_upload_reports_each_files_size() {
    let server = server_opts(Retain::Metadata, None).await;
    let big = pattern(6 * MIB as usize);
    let form = RawForm::new()
        .text("resource_id", "fe96108d-b004-4a47-b2f8-6886e758b3a5")
        .file("file", Some("a"), None, b"abc")
        .file("file", Some("b"), None, &big);
    let resp = post_form(
        &format!("{}/open-apis/task/v2/attachments/upload", server.url()),
        Some(USER_TOKEN),
        &form,
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    let items = resp.json()["data"]["items"].clone();
    assert_eq!(items[0]["size"], 3);
    assert_eq!(items[1]["size"], big.len());
    let files = get_json(format!("{}/__mock/files", server.url())).await;
    let sha: Vec<&str> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sha256"].as_str().unwrap())
        .collect();
    assert!(sha.contains(&sha256_hex(&big).as_str()), "{files}");
    assert_eq!(server.state().emulator().store.stored_bytes(), 0);
}

#[tokio::test]
async fn retain_metadata_project_upload_reports_the_size() {
    let server = server_opts(Retain::Metadata, None).await;
    let token = plugin_token(&server).await;
    let bytes = pattern(5 * MIB as usize + 7);
    let form = RawForm::new().text("field_key", "field_attachment").file(
        "file",
        Some("a.bin"),
        Some("application/octet-stream"),
        &bytes,
    );
    let resp = project_upload(&server, &token, &form).await;
    assert_eq!(resp.json()["err_code"], 0, "{}", resp.text);
    assert!(resp.json().get("data").is_none(), "{}", resp.text);
    let files = get_json(format!("{}/__mock/files", server.url())).await;
    assert_eq!(files["files"][0]["size"], bytes.len());
    assert_eq!(files["files"][0]["sha256"], sha256_hex(&bytes).as_str());
}
