//! Bounded stored memory: `--retain metadata` keeps name, size, sha256 and type only, and
//! `--max-stored-bytes` refuses an upload that would pass it with the platform's quota code,
//! storing nothing.

mod common;

use common::*;
use feishu_mock::store::{Options, Retain};
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
    let store = server.state().store();
    assert_eq!(store.stored_bytes(), 0);
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
    assert_eq!(server.state().store().stored_bytes(), 1000);
}

#[tokio::test]
async fn drive_upload_past_max_stored_bytes_gets_1061101_and_stores_nothing() {
    let server = server_opts(Retain::Bytes, Some(1500)).await;
    assert_eq!(drive(&server, &[1u8; 1000]).await.code(), 0);
    let resp = drive(&server, &[2u8; 501]).await;
    assert_eq!(resp.code(), 1061101, "{}", resp.text);
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["msg"], "file quota exceeded.");
    assert_eq!(server.state().store().file_count(), 1);
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
    assert_eq!(server.state().store().file_count(), 0);
    assert_eq!(server.state().store().stored_bytes(), 0);
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
    assert_eq!(server.state().store().file_count(), 0);
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
    let resp = read(
        client()
            .post(format!(
                "{}/open_api/doc/work_item/story/6437110001/file/upload",
                server.url()
            ))
            .header("X-PLUGIN-TOKEN", token)
            .header("X-USER-KEY", "7000000000000000001")
            .header("Content-Type", form.content_type())
            .body(form.body())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(resp.json()["err_code"], 1000050262, "{}", resp.text);
    assert_eq!(server.state().store().file_count(), 0);
}
