//! Feishu Project after the work-item upload (FOLLOWUP_APIS §4): the project-level upload
//! (`POST /open_api/:project_key/file/upload`), attachment delete (`POST /open_api/file/delete`),
//! and `X-IDEM-UUID` on every write.

mod common;

use common::*;
use feishu_mock::families::project::{FieldSlot, MAX_ATTACHMENTS_PER_FIELD};
use feishu_mock::state::store::Options;
use feishu_mock::{Config, MockServer, World};
use serde_json::{json, Value};

const USER_KEY: &str = "7000000000000000001";
const PROJECT_KEY: &str = "68382b399de4b0ec6c5a0001";
const STORY: &str = "6437110001";
const STORY_2: &str = "6437110002";
const ISSUE: &str = "6437110101";
const MAX_BYTES: u64 = 104_857_600;
const NO_DATA: &str = r#"{"err":{},"err_msg":"","err_code":0}"#;

fn err_code(r: &Resp) -> i64 {
    r.json()["err_code"].as_i64().expect("err_code")
}

fn assert_err(r: &Resp, status: u16, code: i64, msg: &str) {
    assert_eq!(err_code(r), code, "{}", r.text);
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json()["err"]["code"], code);
    assert_eq!(r.json()["err"]["msg"], msg);
    assert!(r.json().get("data").is_none(), "{}", r.text);
}

/// The default world plus a second space holding work item 6437229999.
fn world_with_second_space() -> World {
    let mut w = World::default_world();
    let mut other = w.project.spaces[0].clone();
    other.project_key = "68382b399de4b0ec6c5a0002".into();
    other.simple_name = "other".into();
    other.work_items.truncate(1);
    other.work_items[0].id = "6437229999".into();
    w.project.spaces.push(other);
    w
}

async fn start() -> MockServer {
    server_with(Config {
        world: world_with_second_space(),
        options: rule_test_options(),
        ..Config::default()
    })
    .await
}

fn attachment_form(field_key: &str, bytes: &[u8]) -> RawForm {
    RawForm::new().text("field_key", field_key).file(
        "file",
        Some("report.pdf"),
        Some("application/pdf"),
        bytes,
    )
}

async fn post_with(
    s: &MockServer,
    path: &str,
    token: &str,
    idem: Option<&str>,
    form: &RawForm,
) -> Resp {
    let mut headers = vec![("X-PLUGIN-TOKEN", token), ("X-USER-KEY", USER_KEY)];
    if let Some(k) = idem {
        headers.push(("X-IDEM-UUID", k));
    }
    post_form_with(&format!("{}{path}", s.url()), &headers, form).await
}

fn work_item_upload_path(item: &str) -> String {
    format!("/open_api/{PROJECT_KEY}/work_item/story/{item}/file/upload")
}

/// Uploads `bytes` to `field_key` of the seed story and answers the attachment's uuid.
async fn attach(s: &MockServer, token: &str, field_key: &str, bytes: &[u8]) -> String {
    let mut form = attachment_form(field_key, bytes);
    if field_key == "field_deliverable_files" {
        form = form.text("index", "0");
    }
    let r = post_with(s, &work_item_upload_path(STORY), token, None, &form).await;
    assert_eq!(r.text, NO_DATA);
    r.header("x-mock-attachment-uuid").expect("uuid header")
}

async fn delete_with(s: &MockServer, token: &str, idem: Option<&str>, body: &Value) -> Resp {
    let mut req = client()
        .post(format!("{}/open_api/file/delete", s.url()))
        .header("X-PLUGIN-TOKEN", token)
        .header("X-USER-KEY", USER_KEY)
        .json(body);
    if let Some(k) = idem {
        req = req.header("X-IDEM-UUID", k);
    }
    read(req.send().await.expect("sent")).await
}

async fn delete(s: &MockServer, token: &str, body: &Value) -> Resp {
    delete_with(s, token, None, body).await
}

async fn download(s: &MockServer, token: &str, uuid: &str) -> Resp {
    let req = client()
        .post(format!(
            "{}/open_api/{PROJECT_KEY}/work_item/story/{STORY}/file/download",
            s.url()
        ))
        .header("X-PLUGIN-TOKEN", token)
        .header("X-USER-KEY", USER_KEY)
        .json(&json!({ "uuid": uuid }));
    read(req.send().await.expect("sent")).await
}

fn count(s: &MockServer, field: &str, index: Option<u32>) -> usize {
    s.state()
        .emulator()
        .families
        .project
        .attachment_count(&FieldSlot {
            project_key: PROJECT_KEY.into(),
            work_item_id: STORY.into(),
            field_key: field.into(),
            index,
        })
}

fn delete_body(uuids: &[&str]) -> Value {
    json!({"project_key": PROJECT_KEY, "work_item_id": STORY, "field_key": "field_attachment",
           "uuids": uuids})
}

// ---------------------------------------------------------------------------------------------
// Project-level upload
// ---------------------------------------------------------------------------------------------

fn resource_form(bytes: &[u8]) -> RawForm {
    RawForm::new().file("file", Some("pic.png"), Some("image/png"), bytes)
}

#[tokio::test]
async fn project_upload_answers_data_as_a_list_of_one_url_string() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let r = post_with(
        &s,
        &format!("/open_api/{PROJECT_KEY}/file/upload"),
        &t,
        None,
        &resource_form(b"\x89PNG..."),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(err_code(&r), 0);
    let data = r.json()["data"].clone();
    let urls = data.as_array().expect("data is an array");
    assert_eq!(urls.len(), 1);
    let url = urls[0].as_str().expect("a string");
    let body = client().get(url).send().await.unwrap();
    assert_eq!(body.status(), 200);
    assert_eq!(&body.bytes().await.unwrap()[..], b"\x89PNG...");
}

#[tokio::test]
async fn project_upload_snapshot() {
    let s = server_with(Config {
        seed: Some(14),
        options: rule_test_options(),
        public_url: Some("http://feishu-mock.test".into()),
        ..Config::default()
    })
    .await;
    let t = plugin_token(&s).await;
    let r = post_with(
        &s,
        "/open_api/doc/file/upload",
        &t,
        None,
        &resource_form(b"png"),
    )
    .await;
    assert_snapshot_json!("project_file_upload_ok", snapshot_of(&r));
}

#[tokio::test]
async fn project_upload_keeps_the_file_under_the_space_not_a_work_item() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let r = post_with(
        &s,
        "/open_api/doc/file/upload",
        &t,
        None,
        &resource_form(b"png"),
    )
    .await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
    let files = s.state().emulator().store.files();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].parent, PROJECT_KEY);
    assert_eq!(files[0].endpoint, "project.file.upload");
    assert_eq!(files[0].name, "pic.png");
    assert_eq!(files[0].content_type, "image/png");
    assert_eq!(count(&s, "field_attachment", None), 0);
}

#[tokio::test]
async fn project_upload_of_an_unknown_project_answers_30016() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let r = post_with(
        &s,
        "/open_api/nope/file/upload",
        &t,
        None,
        &resource_form(b"x"),
    )
    .await;
    assert_err(&r, 404, 30016, "Project Not Found");
    assert_eq!(s.state().emulator().store.file_count(), 0);
}

#[tokio::test]
async fn project_upload_without_a_file_part_answers_1000050190() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let form = RawForm::new().text("name", "x");
    let r = post_with(&s, "/open_api/doc/file/upload", &t, None, &form).await;
    assert_err(&r, 400, 1000050190, "Request Form Is Null");
}

#[tokio::test]
async fn project_upload_refuses_a_second_file_part_with_1000050174() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let form = resource_form(b"a").file("file", Some("b.png"), None, b"b");
    let r = post_with(&s, "/open_api/doc/file/upload", &t, None, &form).await;
    assert_err(&r, 400, 1000050174, "Uploaded File Size Limit 100M");
    assert_eq!(s.state().emulator().store.file_count(), 0);
}

#[tokio::test]
async fn project_upload_accepts_104857600_bytes_and_refuses_one_more_while_streaming() {
    let s = start().await;
    let t = plugin_token(&s).await;
    for (size, code) in [(MAX_BYTES + 1, 1000050174), (MAX_BYTES, 0)] {
        let head = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n"
        );
        let tail = format!("\r\n--{BOUNDARY}--\r\n");
        let resp = client()
            .post(format!("{}/open_api/doc/file/upload", s.url()))
            .header("X-PLUGIN-TOKEN", &t)
            .header("X-USER-KEY", USER_KEY)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(streaming_body(head.into_bytes(), size, tail.into_bytes()))
            .send()
            .await
            .unwrap();
        let r = read(resp).await;
        assert_eq!(err_code(&r), code, "{size}: {}", r.text);
    }
    assert_eq!(s.state().emulator().store.file_count(), 1);
}

#[tokio::test]
async fn project_upload_checks_the_plugin_token_first() {
    let s = start().await;
    let r = post_with(
        &s,
        "/open_api/nope/file/upload",
        "p-bad",
        None,
        &resource_form(b"x"),
    )
    .await;
    assert_eq!(err_code(&r), 10022);
}

// ---------------------------------------------------------------------------------------------
// Delete
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn delete_answers_data_empty_object() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let uuid = attach(&s, &t, "field_attachment", b"x").await;
    let r = delete(&s, &t, &delete_body(&[&uuid])).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"err_code": 0, "err_msg": "", "err": {}, "data": {}})
    );
}

#[tokio::test]
async fn delete_snapshot() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let uuid = attach(&s, &t, "field_attachment", b"x").await;
    let r = delete(&s, &t, &delete_body(&[&uuid])).await;
    assert_snapshot_json!("project_file_delete_ok", snapshot_of(&r));
}

#[tokio::test]
async fn a_deleted_attachment_is_gone_from_download_mock_files_and_the_field_count() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let gone = attach(&s, &t, "field_attachment", b"gone").await;
    let kept = attach(&s, &t, "field_attachment", b"kept").await;
    assert_eq!(count(&s, "field_attachment", None), 2);
    let r = delete(&s, &t, &delete_body(&[&gone])).await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
    assert_eq!(count(&s, "field_attachment", None), 1);
    assert_eq!(err_code(&download(&s, &t, &gone).await), 20006);
    assert_eq!(download(&s, &t, &kept).await.text, "kept");
    let files: Value = client()
        .get(format!("{}/__mock/files", s.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tokens: Vec<&str> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_token"].as_str().unwrap())
        .collect();
    assert_eq!(tokens, [kept.as_str()]);
}

#[tokio::test]
async fn delete_frees_room_under_the_50_attachment_cap() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let mut uuids = Vec::new();
    for _ in 0..MAX_ATTACHMENTS_PER_FIELD {
        uuids.push(attach(&s, &t, "field_attachment", b"x").await);
    }
    let form = attachment_form("field_attachment", b"51st");
    let full = post_with(&s, &work_item_upload_path(STORY), &t, None, &form).await;
    assert_eq!(err_code(&full), 1000050262);
    let r = delete(&s, &t, &delete_body(&[&uuids[0]])).await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
    let again = post_with(&s, &work_item_upload_path(STORY), &t, None, &form).await;
    assert_eq!(again.text, NO_DATA);
}

#[tokio::test]
async fn delete_accepts_work_item_id_as_a_number_or_a_string() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let a = attach(&s, &t, "field_attachment", b"a").await;
    let b = attach(&s, &t, "field_attachment", b"b").await;
    let mut body = delete_body(&[&a]);
    body["work_item_id"] = json!(6437110001u64);
    assert_eq!(err_code(&delete(&s, &t, &body).await), 0);
    let body = delete_body(&[&b]);
    assert_eq!(err_code(&delete(&s, &t, &body).await), 0);
    assert_eq!(count(&s, "field_attachment", None), 0);
}

#[tokio::test]
async fn delete_finds_the_field_by_field_alias_and_by_simple_name() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let a = attach(&s, &t, "field_attachment", b"a").await;
    let body = json!({"project_key": "doc", "work_item_id": STORY, "field_alias": "attachment",
                      "uuids": [a]});
    assert_eq!(err_code(&delete(&s, &t, &body).await), 0);
}

#[tokio::test]
async fn delete_finds_a_uuid_in_any_element_of_a_compound_field() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let a = attach(&s, &t, "field_deliverable_files", b"a").await;
    let body = json!({"project_key": PROJECT_KEY, "work_item_id": STORY,
                      "field_key": "field_deliverable_files", "uuids": [a]});
    assert_eq!(err_code(&delete(&s, &t, &body).await), 0);
    assert_eq!(count(&s, "field_deliverable_files", Some(0)), 0);
}

#[tokio::test]
async fn delete_of_an_unknown_uuid_answers_30019_and_deletes_nothing() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let a = attach(&s, &t, "field_attachment", b"a").await;
    let r = delete(&s, &t, &delete_body(&[&a, "no-such-uuid"])).await;
    assert_err(&r, 404, 30019, "File Not Found");
    assert_eq!(count(&s, "field_attachment", None), 1);
    assert_snapshot_json!("project_file_delete_30019", snapshot_of(&r));
}

#[tokio::test]
async fn delete_of_a_uuid_held_by_another_field_or_work_item_answers_30019() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let in_compound = attach(&s, &t, "field_deliverable_files", b"a").await;
    let r = delete(&s, &t, &delete_body(&[&in_compound])).await;
    assert_eq!(err_code(&r), 30019, "{}", r.text);
    let mut body = delete_body(&[&in_compound]);
    body["work_item_id"] = json!(STORY_2);
    body["field_key"] = json!("field_deliverable_files");
    assert_eq!(err_code(&delete(&s, &t, &body).await), 30019);
    assert_eq!(count(&s, "field_deliverable_files", Some(0)), 1);
}

#[tokio::test]
async fn delete_twice_answers_30019_the_second_time() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let a = attach(&s, &t, "field_attachment", b"a").await;
    assert_eq!(err_code(&delete(&s, &t, &delete_body(&[&a])).await), 0);
    assert_eq!(err_code(&delete(&s, &t, &delete_body(&[&a])).await), 30019);
}

#[tokio::test]
async fn delete_without_field_key_or_field_alias_answers_20025() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let a = attach(&s, &t, "field_attachment", b"a").await;
    let body = json!({"project_key": PROJECT_KEY, "work_item_id": STORY, "uuids": [a]});
    assert_err(
        &delete(&s, &t, &body).await,
        400,
        20025,
        "Field_key/Field_alias Missing",
    );
    assert_eq!(count(&s, "field_attachment", None), 1);
}

#[tokio::test]
async fn delete_with_both_field_key_and_field_alias_answers_20006() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let a = attach(&s, &t, "field_attachment", b"a").await;
    let mut body = delete_body(&[&a]);
    body["field_alias"] = json!("attachment");
    assert_err(&delete(&s, &t, &body).await, 400, 20006, "Invalid Param");
    assert_eq!(count(&s, "field_attachment", None), 1);
}

#[tokio::test]
async fn delete_of_a_field_that_is_not_an_attachment_field_answers_20070() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let a = attach(&s, &t, "field_attachment", b"a").await;
    for field in ["field_description", "nope", "field_issue_attachment"] {
        let mut body = delete_body(&[&a]);
        body["field_key"] = json!(field);
        assert_err(&delete(&s, &t, &body).await, 400, 20070, "Field is InValid");
    }
}

#[tokio::test]
async fn delete_without_a_required_member_answers_20005() {
    let s = start().await;
    let t = plugin_token(&s).await;
    for member in ["project_key", "work_item_id", "uuids"] {
        let mut body = delete_body(&["x"]);
        body.as_object_mut().unwrap().remove(member);
        assert_err(&delete(&s, &t, &body).await, 400, 20005, "Missing Param");
    }
}

#[tokio::test]
async fn delete_refuses_ill_typed_or_empty_members_with_20006() {
    let s = start().await;
    let t = plugin_token(&s).await;
    for (member, value) in [
        ("project_key", json!(1)),
        ("project_key", json!("")),
        ("work_item_id", json!("abc")),
        ("work_item_id", json!(1.5)),
        ("work_item_id", json!("64371100011111111111")),
        ("uuids", json!("x")),
        ("uuids", json!([])),
        ("uuids", json!([1])),
        ("uuids", json!([""])),
        ("field_key", json!(7)),
    ] {
        let mut body = delete_body(&["x"]);
        body[member] = value.clone();
        let r = delete(&s, &t, &body).await;
        assert_eq!(err_code(&r), 20006, "{member} = {value}: {}", r.text);
        assert_err(&r, 400, 20006, "Invalid Param");
    }
    let r = read(
        client()
            .post(format!("{}/open_api/file/delete", s.url()))
            .header("X-PLUGIN-TOKEN", &t)
            .header("X-USER-KEY", USER_KEY)
            .body("not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_err(&r, 400, 20006, "Invalid Param");
}

#[tokio::test]
async fn delete_in_an_unknown_project_answers_30016() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let mut body = delete_body(&["x"]);
    body["project_key"] = json!("nope");
    assert_err(
        &delete(&s, &t, &body).await,
        404,
        30016,
        "Project Not Found",
    );
}

#[tokio::test]
async fn delete_of_an_unknown_work_item_answers_30005() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let mut body = delete_body(&["x"]);
    body["work_item_id"] = json!("6437119999");
    assert_err(
        &delete(&s, &t, &body).await,
        404,
        30005,
        "WorkItem Not Found",
    );
}

#[tokio::test]
async fn delete_of_a_work_item_of_another_space_answers_20014() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let mut body = delete_body(&["x"]);
    body["work_item_id"] = json!("6437229999");
    assert_err(
        &delete(&s, &t, &body).await,
        400,
        20014,
        "Project And WorkItem Not Match",
    );
}

#[tokio::test]
async fn delete_looks_the_field_up_in_the_work_items_own_type() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let r = post_with(
        &s,
        &format!("/open_api/{PROJECT_KEY}/work_item/issue/{ISSUE}/file/upload"),
        &t,
        None,
        &attachment_form("field_issue_attachment", b"i"),
    )
    .await;
    let uuid = r.header("x-mock-attachment-uuid").unwrap();
    let body = json!({"project_key": PROJECT_KEY, "work_item_id": ISSUE,
                      "field_key": "field_issue_attachment", "uuids": [uuid]});
    assert_eq!(err_code(&delete(&s, &t, &body).await), 0);
}

#[tokio::test]
async fn delete_checks_the_plugin_token_first() {
    let s = start().await;
    let r = delete(&s, "p-bad", &json!({})).await;
    assert_eq!(err_code(&r), 10022);
}

// ---------------------------------------------------------------------------------------------
// X-IDEM-UUID
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_repeated_upload_with_the_same_idem_uuid_answers_10430_and_stores_once() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let form = attachment_form("field_attachment", b"once");
    let path = work_item_upload_path(STORY);
    let first = post_with(&s, &path, &t, Some("idem-1"), &form).await;
    assert_eq!(first.text, NO_DATA);
    let again = post_with(&s, &path, &t, Some("idem-1"), &form).await;
    assert_err(&again, 429, 10430, "API Request Idempotent Limit");
    assert!(again.header("x-mock-attachment-uuid").is_none());
    assert_eq!(count(&s, "field_attachment", None), 1);
    assert_eq!(s.state().emulator().store.file_count(), 1);
    assert_snapshot_json!("project_upload_idempotent_repeat", snapshot_of(&again));
}

#[tokio::test]
async fn a_fresh_idem_uuid_or_none_stores_again() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let form = attachment_form("field_attachment", b"x");
    let path = work_item_upload_path(STORY);
    for key in [Some("idem-1"), Some("idem-2"), None, None] {
        let r = post_with(&s, &path, &t, key, &form).await;
        assert_eq!(r.text, NO_DATA, "{key:?}");
    }
    assert_eq!(count(&s, "field_attachment", None), 4);
}

#[tokio::test]
async fn the_same_idem_uuid_with_another_token_or_another_api_is_a_fresh_request() {
    let s = start().await;
    let t1 = plugin_token(&s).await;
    let t2 = plugin_token(&s).await;
    assert_ne!(t1, t2);
    let form = attachment_form("field_attachment", b"x");
    let path = work_item_upload_path(STORY);
    assert_eq!(
        post_with(&s, &path, &t1, Some("k"), &form).await.text,
        NO_DATA
    );
    assert_eq!(
        post_with(&s, &path, &t2, Some("k"), &form).await.text,
        NO_DATA
    );
    let r = post_with(
        &s,
        "/open_api/doc/file/upload",
        &t1,
        Some("k"),
        &resource_form(b"x"),
    )
    .await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
    assert_eq!(count(&s, "field_attachment", None), 2);
}

#[tokio::test]
async fn a_refused_write_does_not_use_up_its_idem_uuid() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let path = work_item_upload_path(STORY);
    let bad = post_with(&s, &path, &t, Some("k"), &attachment_form("nope", b"x")).await;
    assert_eq!(err_code(&bad), 1000050190);
    let good = post_with(
        &s,
        &path,
        &t,
        Some("k"),
        &attachment_form("field_attachment", b"x"),
    )
    .await;
    assert_eq!(good.text, NO_DATA);
}

#[tokio::test]
async fn an_idem_uuid_is_remembered_for_24_hours_of_emulator_time() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let form = attachment_form("field_attachment", b"x");
    let path = work_item_upload_path(STORY);
    assert_eq!(
        post_with(&s, &path, &t, Some("k"), &form).await.text,
        NO_DATA
    );
    let clock = &s.state().emulator().store;
    clock.advance_clock_ms(24 * 3600 * 1000 - 60_000);
    // The plugin token itself lives 2 hours, so the window is read on the state directly.
    let project = &s.state().emulator().families.project;
    assert!(project
        .claim_idem(&t, "project.work_item.file.upload", "k", clock.now_ms())
        .is_none());
    clock.advance_clock_ms(60_000);
    assert!(project
        .claim_idem(&t, "project.work_item.file.upload", "k", clock.now_ms())
        .is_some());
}

#[tokio::test]
async fn a_repeated_delete_with_the_same_idem_uuid_answers_10430() {
    let s = start().await;
    let t = plugin_token(&s).await;
    let a = attach(&s, &t, "field_attachment", b"a").await;
    let b = attach(&s, &t, "field_attachment", b"b").await;
    let first = delete_with(&s, &t, Some("d"), &delete_body(&[&a])).await;
    assert_eq!(err_code(&first), 0);
    let again = delete_with(&s, &t, Some("d"), &delete_body(&[&b])).await;
    assert_err(&again, 429, 10430, "API Request Idempotent Limit");
    assert_eq!(count(&s, "field_attachment", None), 1);
}

#[tokio::test]
async fn a_repeated_upload_under_max_stored_bytes_refusal_can_be_retried_with_its_key() {
    let s = server_with(Config {
        options: Options {
            max_stored_bytes: Some(3),
            ..rule_test_options()
        },
        ..Config::default()
    })
    .await;
    let t = plugin_token(&s).await;
    let path = work_item_upload_path(STORY);
    let big = post_with(
        &s,
        &path,
        &t,
        Some("k"),
        &attachment_form("field_attachment", b"four"),
    )
    .await;
    assert_eq!(err_code(&big), 1000050262);
    let small = post_with(
        &s,
        &path,
        &t,
        Some("k"),
        &attachment_form("field_attachment", b"ok"),
    )
    .await;
    assert_eq!(small.text, NO_DATA);
}
