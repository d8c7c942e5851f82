//! Task v2 attachments after the upload (FOLLOWUP_APIS §5): list, get and delete with their own
//! pages' codes (1470403 no permission, 1470404 missing), delete by editors and the uploader, the
//! `url` that lives 3 minutes and 3 downloads, and a 1470400 msg that names its cause.

mod common;

use common::*;
use feishu_mock::contract::spec::Catalogue;
use feishu_mock::state::world::{App, PreissuedToken};
use feishu_mock::{Config, MockServer, World};
use serde_json::{json, Value};

const TASK: &str = "fe96108d-b004-4a47-b2f8-6886e758b3a5";
const FOREIGN_TASK: &str = "9b4e7c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d";
const ATTACHMENTS: &str = "/open-apis/task/v2/attachments";
/// A self-built app with only `task:attachment:read`, editor of [`TASK`].
const READER_TOKEN: &str = "t-taskreader000000000000000000000000000000";

fn world() -> World {
    let mut w = World::default_world();
    w.apps.push(App {
        app_id: "cli_reader".into(),
        app_secret: "secret".into(),
        app_type: "custom".into(),
        name: "reader".into(),
        scopes: vec!["task:attachment:read".into()],
    });
    w.tenant_access_tokens.push(PreissuedToken {
        token: READER_TOKEN.into(),
        app_id: "cli_reader".into(),
    });
    for t in &mut w.task.tasks {
        if t.guid == TASK {
            t.editors.push("cli_reader".into());
        }
    }
    w
}

async fn start() -> MockServer {
    server_with(Config {
        world: world(),
        options: rule_test_options(),
        ..Config::default()
    })
    .await
}

async fn call(server: &MockServer, method: reqwest::Method, path: &str, token: &str) -> Resp {
    let req = client()
        .request(method, format!("{}{path}", server.url()))
        .header("Authorization", format!("Bearer {token}"));
    read(req.send().await.expect("sent")).await
}

async fn list(server: &MockServer, token: &str, query: &str) -> Resp {
    call(
        server,
        reqwest::Method::GET,
        &format!("{ATTACHMENTS}?{query}"),
        token,
    )
    .await
}

async fn get(server: &MockServer, token: &str, guid: &str) -> Resp {
    call(
        server,
        reqwest::Method::GET,
        &format!("{ATTACHMENTS}/{guid}"),
        token,
    )
    .await
}

async fn delete(server: &MockServer, token: &str, guid: &str) -> Resp {
    call(
        server,
        reqwest::Method::DELETE,
        &format!("{ATTACHMENTS}/{guid}"),
        token,
    )
    .await
}

/// Uploads one file to `task` with `token` and answers its guid.
async fn upload(server: &MockServer, token: &str, task: &str, bytes: &[u8]) -> String {
    let form = RawForm::new()
        .text("resource_type", "task")
        .text("resource_id", task)
        .file("file", Some("a.txt"), Some("text/plain"), bytes);
    let resp = post_form(
        &format!("{}{ATTACHMENTS}/upload", server.url()),
        Some(token),
        &form,
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    resp.json()["data"]["items"][0]["guid"]
        .as_str()
        .unwrap()
        .to_string()
}

fn assert_code(resp: &Resp, status: u16, code: i64, msg: &str) {
    assert_eq!((resp.status, resp.code()), (status, code), "{}", resp.text);
    assert_eq!(resp.json()["msg"], msg, "{}", resp.text);
}

async fn url_of(server: &MockServer, guid: &str) -> String {
    get(server, TENANT_TOKEN, guid).await.json()["data"]["attachment"]["url"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn fetch(url: &str) -> Resp {
    read(client().get(url).send().await.expect("sent")).await
}

/// Sets the editors of `task` through the control plane (replacing the task: explicit since
/// issue 12).
async fn set_editors(server: &MockServer, task: &str, editors: &[&str]) {
    let resp = client()
        .post(format!("{}/__mock/world?replace=true", server.url()))
        .json(&json!({"task": {"tasks": [{"guid": task, "editors": editors}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

// ---------------------------------------------------------------------------------------------
// The contract as data
// ---------------------------------------------------------------------------------------------

#[test]
fn list_get_and_delete_answer_403_for_no_permission_and_404_for_missing_while_upload_keeps_seed_002(
) {
    let c = Catalogue::get();
    for name in [
        "task.attachment.list",
        "task.attachment.get",
        "task.attachment.delete",
    ] {
        let spec = c.endpoint(name);
        assert_eq!(spec.error(1470403).unwrap().http, 403);
        assert!(spec.error(1470403).unwrap().msg.contains("权限"), "{name}");
        assert_eq!(spec.error(1470404).unwrap().http, 404);
        assert!(
            spec.error(1470404).unwrap().msg.contains("不存在"),
            "{name}"
        );
        assert!(spec.error(1470400).unwrap().detail, "{name}");
    }
    let upload = c.endpoint("task.attachment.upload");
    assert_eq!(upload.error(1470403).unwrap().msg, "资源不存在或已删除。");
    assert_eq!(upload.error(1470404).unwrap().msg, "缺少上传附件的权限。");
    assert_eq!(
        c.endpoint("task.attachment.delete").scopes,
        ["task:attachment:write"]
    );
}

// ---------------------------------------------------------------------------------------------
// Codes of their own pages
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_of_an_unknown_task_answers_1470404() {
    let server = start().await;
    let resp = list(&server, TENANT_TOKEN, "resource_id=no-such-task").await;
    assert_code(&resp, 404, 1470404, "任务不存在或已删除。");
    assert_snapshot_json!("task_list_unknown_task", snapshot_of(&resp));
}

#[tokio::test]
async fn list_of_a_task_the_caller_may_not_read_answers_1470403() {
    let server = start().await;
    let resp = list(
        &server,
        TENANT_TOKEN,
        &format!("resource_id={FOREIGN_TASK}"),
    )
    .await;
    assert_code(&resp, 403, 1470403, "无权限查看任务的附件。");
    assert_snapshot_json!("task_list_no_permission", snapshot_of(&resp));
}

#[tokio::test]
async fn get_of_an_unknown_attachment_answers_1470404() {
    let server = start().await;
    let resp = get(
        &server,
        TENANT_TOKEN,
        "00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_code(&resp, 404, 1470404, "附件不存在或已删除。");
    assert_snapshot_json!("task_get_unknown_attachment", snapshot_of(&resp));
}

#[tokio::test]
async fn get_by_a_caller_who_may_not_read_the_task_answers_1470403() {
    let server = start().await;
    let guid = upload(&server, TENANT_TOKEN, TASK, b"x").await;
    set_editors(&server, TASK, &["cli_mock"]).await;
    let resp = get(&server, USER_TOKEN, &guid).await;
    assert_code(&resp, 403, 1470403, "无权限查看附件。");
    assert_eq!(get(&server, TENANT_TOKEN, &guid).await.code(), 0);
}

#[tokio::test]
async fn delete_of_an_unknown_attachment_answers_1470404() {
    let server = start().await;
    let resp = delete(
        &server,
        TENANT_TOKEN,
        "00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_code(&resp, 404, 1470404, "附件不存在或已删除。");
}

#[tokio::test]
async fn delete_takes_a_guid_of_at_most_100_chars() {
    let server = start().await;
    let resp = delete(&server, TENANT_TOKEN, &"a".repeat(100)).await;
    assert_eq!(resp.code(), 1470404, "{}", resp.text);
    let resp = delete(&server, TENANT_TOKEN, &"a".repeat(101)).await;
    assert_eq!((resp.status, resp.code()), (400, 1470400), "{}", resp.text);
    assert!(resp.json()["msg"]
        .as_str()
        .unwrap()
        .starts_with("请求参数有误。attachment_guid: at most 100 chars"));
}

#[tokio::test]
async fn a_read_scope_lists_and_gets_but_does_not_delete() {
    let server = start().await;
    let guid = upload(&server, TENANT_TOKEN, TASK, b"x").await;
    assert_eq!(
        list(&server, READER_TOKEN, &format!("resource_id={TASK}"))
            .await
            .code(),
        0
    );
    assert_eq!(get(&server, READER_TOKEN, &guid).await.code(), 0);
    assert_eq!(delete(&server, READER_TOKEN, &guid).await.code(), 99991672);
}

// ---------------------------------------------------------------------------------------------
// Who may delete
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_editor_who_did_not_upload_may_delete() {
    let server = start().await;
    let guid = upload(&server, TENANT_TOKEN, TASK, b"x").await;
    let resp = delete(&server, USER_TOKEN, &guid).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
}

#[tokio::test]
async fn the_uploader_may_delete_after_losing_the_edit_right() {
    let server = start().await;
    let guid = upload(&server, USER_TOKEN, TASK, b"x").await;
    set_editors(&server, TASK, &["cli_mock_noscope"]).await;
    // The app is no longer an editor and did not upload it.
    let resp = delete(&server, TENANT_TOKEN, &guid).await;
    assert_code(&resp, 403, 1470403, "无权限删除附件。");
    // The user uploaded it.
    let resp = delete(&server, USER_TOKEN, &guid).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
}

#[tokio::test]
async fn an_app_that_uploaded_may_delete_after_losing_the_edit_right() {
    let server = start().await;
    let guid = upload(&server, TENANT_TOKEN, TASK, b"x").await;
    set_editors(&server, TASK, &[]).await;
    assert_code(
        &delete(&server, USER_TOKEN, &guid).await,
        403,
        1470403,
        "无权限删除附件。",
    );
    assert_eq!(delete(&server, TENANT_TOKEN, &guid).await.code(), 0);
}

#[tokio::test]
async fn a_refused_delete_keeps_the_attachment_and_its_bytes() {
    let server = start().await;
    let guid = upload(&server, TENANT_TOKEN, TASK, b"x").await;
    set_editors(&server, TASK, &[]).await;
    delete(&server, USER_TOKEN, &guid).await;
    assert_eq!(server.state().emulator().store.file_count(), 1);
    assert_eq!(get(&server, TENANT_TOKEN, &guid).await.code(), 1470403);
    set_editors(&server, TASK, &["cli_mock"]).await;
    assert_eq!(get(&server, TENANT_TOKEN, &guid).await.code(), 0);
}

// ---------------------------------------------------------------------------------------------
// url: 3 minutes, 3 downloads
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_url_serves_3_downloads_and_refuses_the_4th_with_1470403() {
    let server = start().await;
    let guid = upload(&server, TENANT_TOKEN, TASK, b"bytes").await;
    let url = url_of(&server, &guid).await;
    for n in 1..=3 {
        let resp = fetch(&url).await;
        assert_eq!((resp.status, resp.text.as_str()), (200, "bytes"), "#{n}");
    }
    let fourth = fetch(&url).await;
    assert_code(&fourth, 403, 1470403, "无权限查看附件。");
    assert_snapshot_json!("task_url_used_up", snapshot_of(&fourth));
}

#[tokio::test]
async fn a_url_works_for_3_minutes_of_emulator_time() {
    let server = start().await;
    let guid = upload(&server, TENANT_TOKEN, TASK, b"bytes").await;
    let url = url_of(&server, &guid).await;
    let store = &server.state().emulator().store;
    store.advance_clock_ms(3 * 60 * 1000 - 5_000);
    assert_eq!(fetch(&url).await.status, 200);
    store.advance_clock_ms(5_000);
    assert_code(&fetch(&url).await, 403, 1470403, "无权限查看附件。");
}

#[tokio::test]
async fn a_fresh_get_or_list_hands_out_a_new_url() {
    let server = start().await;
    let guid = upload(&server, TENANT_TOKEN, TASK, b"bytes").await;
    let old = url_of(&server, &guid).await;
    server
        .state()
        .emulator()
        .store
        .advance_clock_ms(10 * 60 * 1000);
    assert_eq!(fetch(&old).await.code(), 1470403);
    let fresh = url_of(&server, &guid).await;
    assert_ne!(fresh, old);
    assert_eq!(fetch(&fresh).await.text, "bytes");
    let listed = list(&server, TENANT_TOKEN, &format!("resource_id={TASK}")).await;
    let from_list = listed.json()["data"]["items"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(from_list, fresh);
    assert_eq!(fetch(&from_list).await.text, "bytes");
}

#[tokio::test]
async fn a_url_without_a_code_or_with_another_attachments_code_answers_1470403() {
    let server = start().await;
    let a = upload(&server, TENANT_TOKEN, TASK, b"a").await;
    let b = upload(&server, TENANT_TOKEN, TASK, b"b").await;
    let url_a = url_of(&server, &a).await;
    let bare = url_a.split('?').next().unwrap().to_string();
    assert_eq!(fetch(&bare).await.code(), 1470403);
    let swapped = url_a.replace(&a, &b);
    assert_eq!(fetch(&swapped).await.code(), 1470403);
    assert_eq!(fetch(&url_a).await.text, "a");
}

#[tokio::test]
async fn a_deleted_attachments_url_answers_1470404() {
    let server = start().await;
    let guid = upload(&server, TENANT_TOKEN, TASK, b"x").await;
    let url = url_of(&server, &guid).await;
    assert_eq!(delete(&server, TENANT_TOKEN, &guid).await.code(), 0);
    assert_code(&fetch(&url).await, 404, 1470404, "附件不存在或已删除。");
}

// ---------------------------------------------------------------------------------------------
// 1470400 names its cause
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_1470400_msg_names_the_field_and_rule_on_both_sides_of_page_size() {
    let server = start().await;
    let resp = list(
        &server,
        TENANT_TOKEN,
        &format!("resource_id={TASK}&page_size=101"),
    )
    .await;
    assert_code(
        &resp,
        400,
        1470400,
        "请求参数有误。page_size: ≤ 100, got 101",
    );
    assert_snapshot_json!("task_list_page_size_101", snapshot_of(&resp));
    let resp = list(
        &server,
        TENANT_TOKEN,
        &format!("resource_id={TASK}&page_size=0"),
    )
    .await;
    assert_code(&resp, 400, 1470400, "请求参数有误。page_size: ≥ 1, got 0");
    for ok in ["1", "100"] {
        let resp = list(
            &server,
            TENANT_TOKEN,
            &format!("resource_id={TASK}&page_size={ok}"),
        )
        .await;
        assert_eq!(resp.code(), 0, "{ok}");
    }
}

#[tokio::test]
async fn a_1470400_msg_names_a_missing_resource_id() {
    let server = start().await;
    let resp = list(&server, TENANT_TOKEN, "resource_type=task").await;
    assert_code(&resp, 400, 1470400, "请求参数有误。resource_id: required");
    let resp = list(
        &server,
        TENANT_TOKEN,
        &format!("resource_id={TASK}&resource_type=project"),
    )
    .await;
    assert_eq!(resp.code(), 1470400);
    assert!(resp.json()["msg"]
        .as_str()
        .unwrap()
        .starts_with("请求参数有误。resource_type: one of [task]"));
}

#[tokio::test]
async fn a_forced_1470400_keeps_the_documented_msg_alone() {
    let server = start().await;
    let resp = read(
        client()
            .get(format!("{}{ATTACHMENTS}?resource_id={TASK}", server.url()))
            .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
            .header("X-Mock-Error-Code", "1470400")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_code(&resp, 400, 1470400, "请求参数有误。");
}

#[tokio::test]
async fn list_ignores_the_sdks_undocumented_updated_mesc() {
    let server = start().await;
    let resp = list(
        &server,
        TENANT_TOKEN,
        &format!("resource_id={TASK}&updated_mesc=1700000000000"),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    let _: Value = resp.json();
}
