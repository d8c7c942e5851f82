//! Feishu Project (seed 003): plugin tokens, work-item attachment upload, and download.

mod common;

use common::*;
use feishu_mock::families::project::{FieldSlot, MAX_ATTACHMENTS_PER_FIELD};
use feishu_mock::MockServer;
use serde_json::{json, Value};

const PLUGIN_ID: &str = "MII_MOCK_PLUGIN";
const PLUGIN_SECRET: &str = "mock-plugin-secret";
const USER_KEY: &str = "7000000000000000001";
const PROJECT_KEY: &str = "68382b399de4b0ec6c5a0001";
const SIMPLE_NAME: &str = "doc";
const STORY: &str = "6437110001";
const ISSUE: &str = "6437110101";
const MAX_BYTES: u64 = 104_857_600;

/// Heavy-memory tests run one at a time, so that one's peak RSS is not another's.
static MEMORY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn upload_url(s: &MockServer, project: &str, type_key: &str, item: &str) -> String {
    format!(
        "{}/open_api/{project}/work_item/{type_key}/{item}/file/upload",
        s.url()
    )
}

fn download_url(s: &MockServer, project: &str, type_key: &str, item: &str) -> String {
    format!(
        "{}/open_api/{project}/work_item/{type_key}/{item}/file/download",
        s.url()
    )
}

async fn token_call(s: &MockServer, body: &Value) -> Resp {
    post_json(
        &format!("{}/open_api/authen/plugin_token", s.url()),
        None,
        body,
    )
    .await
}

/// A fresh token of `kind` (0 plugin, 1 virtual).
async fn token(s: &MockServer, kind: i64) -> String {
    let r = token_call(
        s,
        &json!({"plugin_id": PLUGIN_ID, "plugin_secret": PLUGIN_SECRET, "type": kind}),
    )
    .await;
    r.json()["data"]["token"]
        .as_str()
        .expect("token")
        .to_string()
}

async fn download(s: &MockServer, token: &str, item: &str, body: &Value) -> Resp {
    let req = client()
        .post(download_url(s, PROJECT_KEY, "story", item))
        .header("X-PLUGIN-TOKEN", token)
        .header("X-USER-KEY", USER_KEY)
        .json(body);
    read(req.send().await.expect("sent")).await
}

fn form_with(field: (&str, &str), bytes: &[u8]) -> RawForm {
    RawForm::new().text(field.0, field.1).file(
        "file",
        Some("report.pdf"),
        Some("application/pdf"),
        bytes,
    )
}

fn attachment_form(bytes: &[u8]) -> RawForm {
    form_with(("field_key", "field_attachment"), bytes)
}

/// The uuid of the attachment an upload stored, from `X-Mock-Attachment-Uuid` (seed 003's
/// answer names none).
fn uploaded_uuid(r: &Resp) -> String {
    assert_eq!(r.text, r#"{"err":{},"err_msg":"","err_code":0}"#);
    r.header("x-mock-attachment-uuid")
        .expect("X-Mock-Attachment-Uuid")
}

fn err_code(r: &Resp) -> i64 {
    r.json()["err_code"].as_i64().expect("err_code")
}

fn slot(item: &str, field: &str, index: Option<u32>) -> FieldSlot {
    FieldSlot {
        project_key: PROJECT_KEY.into(),
        work_item_id: item.into(),
        field_key: field.into(),
        index,
    }
}

fn count(s: &MockServer, item: &str, field: &str, index: Option<u32>) -> usize {
    s.state()
        .emulator()
        .families
        .project
        .attachment_count(&slot(item, field, index))
}

/// Uploads `form` to the seed story as the world's user with a fresh plugin token.
async fn upload(s: &MockServer, form: &RawForm) -> Resp {
    let t = token(s, 0).await;
    post_project_form(
        &upload_url(s, PROJECT_KEY, "story", STORY),
        Some(&t),
        Some(USER_KEY),
        form,
    )
    .await
}

// ---- plugin_token ----

#[tokio::test]
async fn plugin_token_type_0_issues_a_p_uuid_token_valid_for_7200_seconds() {
    let s = server().await;
    let r = token_call(
        &s,
        &json!({"plugin_id": PLUGIN_ID, "plugin_secret": PLUGIN_SECRET, "type": 0}),
    )
    .await;
    assert_eq!(r.status, 200);
    let b = r.json();
    assert_eq!(b["error"], json!({"code": 0, "msg": ""}));
    assert_eq!(b["data"]["expire_time"], 7200);
    let t = b["data"]["token"].as_str().unwrap();
    let uuid = t.strip_prefix("p-").expect("p- prefix");
    assert_eq!(uuid.len(), 36);
    assert_eq!(uuid.matches('-').count(), 4);
}

#[tokio::test]
async fn plugin_token_type_1_issues_a_v_uuid_virtual_token() {
    let s = server().await;
    assert!(token(&s, 1).await.starts_with("v-"));
}

#[tokio::test]
async fn plugin_token_refuses_a_wrong_secret_with_10001_in_its_own_envelope() {
    let s = server().await;
    let r = token_call(
        &s,
        &json!({"plugin_id": PLUGIN_ID, "plugin_secret": "nope", "type": 0}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["error"]["code"], 10001);
    assert_eq!(r.json()["error"]["msg"], "No Permission");
    let r = token_call(
        &s,
        &json!({"plugin_id": "MII_NOBODY", "plugin_secret": PLUGIN_SECRET}),
    )
    .await;
    assert_eq!(r.json()["error"]["code"], 10001);
}

#[tokio::test]
async fn plugin_token_refuses_a_type_other_than_0_or_1_and_missing_ids_with_20006() {
    let s = server().await;
    for body in [
        json!({"plugin_id": PLUGIN_ID, "plugin_secret": PLUGIN_SECRET, "type": 2}),
        json!({"plugin_id": PLUGIN_ID, "type": 0}),
        json!([1, 2]),
    ] {
        let r = token_call(&s, &body).await;
        assert_eq!(r.json()["error"]["code"], 20006, "{body}");
        assert_eq!(r.json()["error"]["msg"], "Invalid Param");
    }
}

#[tokio::test]
async fn plugin_token_envelopes_snapshot() {
    let s = seeded_server(7).await;
    let ok = token_call(
        &s,
        &json!({"plugin_id": PLUGIN_ID, "plugin_secret": PLUGIN_SECRET, "type": 0}),
    )
    .await;
    assert_snapshot_json!("project_plugin_token_ok", snapshot_of(&ok));
    let bad = token_call(
        &s,
        &json!({"plugin_id": PLUGIN_ID, "plugin_secret": "nope", "type": 0}),
    )
    .await;
    assert_snapshot_json!("project_plugin_token_wrong_secret", snapshot_of(&bad));
}

// ---- auth ----

#[tokio::test]
async fn upload_refuses_an_unknown_token_with_10022_check_token_failed() {
    let s = server().await;
    let r = post_project_form(
        &upload_url(&s, PROJECT_KEY, "story", STORY),
        Some("p-00000000-0000-4000-8000-000000000000"),
        Some(USER_KEY),
        &attachment_form(b"x"),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(err_code(&r), 10022);
    assert_eq!(r.json()["err_msg"], "Check Token Failed");
    assert_eq!(count(&s, STORY, "field_attachment", None), 0);
}

#[tokio::test]
async fn upload_without_x_plugin_token_answers_10022_assumed() {
    let s = server().await;
    let r = post_project_form(
        &upload_url(&s, PROJECT_KEY, "story", STORY),
        None,
        Some(USER_KEY),
        &attachment_form(b"x"),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(err_code(&r), 10022);
}

#[tokio::test]
async fn upload_refuses_an_expired_token_with_10022() {
    let s = server().await;
    let t = token(&s, 0).await;
    s.state().emulator().store.advance_clock_ms(7200 * 1000);
    let r = post_project_form(
        &upload_url(&s, PROJECT_KEY, "story", STORY),
        Some(&t),
        Some(USER_KEY),
        &attachment_form(b"x"),
    )
    .await;
    assert_eq!(err_code(&r), 10022);
}

#[tokio::test]
async fn upload_with_a_plugin_token_needs_x_user_key_else_10001_assumed() {
    let s = server().await;
    let t = token(&s, 0).await;
    let url = upload_url(&s, PROJECT_KEY, "story", STORY);
    let r = post_project_form(&url, Some(&t), None, &attachment_form(b"x")).await;
    assert_eq!(r.status, 403);
    assert_eq!(err_code(&r), 10001);
    assert_eq!(r.json()["err_msg"], "No Permission");
    assert_snapshot_json!("project_upload_missing_user_key", snapshot_of(&r));
}

#[tokio::test]
async fn upload_refuses_an_unknown_x_user_key_with_10001_assumed() {
    let s = server().await;
    for kind in [0, 1] {
        let t = token(&s, kind).await;
        let r = post_project_form(
            &upload_url(&s, PROJECT_KEY, "story", STORY),
            Some(&t),
            Some("123"),
            &attachment_form(b"x"),
        )
        .await;
        assert_eq!(err_code(&r), 10001, "token type {kind}");
    }
}

#[tokio::test]
async fn upload_with_a_virtual_token_needs_no_x_user_key() {
    let s = server().await;
    let t = token(&s, 1).await;
    let r = post_project_form(
        &upload_url(&s, PROJECT_KEY, "story", STORY),
        Some(&t),
        None,
        &attachment_form(b"x"),
    )
    .await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
}

#[tokio::test]
async fn project_header_names_are_case_insensitive() {
    let s = server().await;
    let t = token(&s, 0).await;
    let form = attachment_form(b"x");
    let req = client()
        .post(upload_url(&s, PROJECT_KEY, "story", STORY))
        .header("Content-Type", form.content_type())
        .header("x-plugin-token", &t)
        .header("x-user-key", USER_KEY)
        .body(form.body());
    let r = read(req.send().await.unwrap()).await;
    assert_eq!(err_code(&r), 0);
}

// ---- path ----

#[tokio::test]
async fn upload_accepts_the_space_simple_name_as_project_key() {
    let s = server().await;
    let t = token(&s, 0).await;
    let r = post_project_form(
        &upload_url(&s, SIMPLE_NAME, "story", STORY),
        Some(&t),
        Some(USER_KEY),
        &attachment_form(b"x"),
    )
    .await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
    assert_eq!(count(&s, STORY, "field_attachment", None), 1);
}

#[tokio::test]
async fn upload_refuses_an_unknown_project_key_with_1000050255() {
    let s = server().await;
    let t = token(&s, 0).await;
    let r = post_project_form(
        &upload_url(&s, "nosuchspace", "story", STORY),
        Some(&t),
        Some(USER_KEY),
        &attachment_form(b"x"),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(err_code(&r), 1000050255);
    assert_eq!(r.json()["err_msg"], "ErrAPIProjectNotFound");
    assert_eq!(r.json()["err"]["msg"], "Project Not Found");
    assert_snapshot_json!("project_upload_project_not_found", snapshot_of(&r));
}

#[tokio::test]
async fn upload_refuses_an_unknown_work_item_type_with_20003_assumed() {
    let s = server().await;
    let t = token(&s, 0).await;
    let r = post_project_form(
        &upload_url(&s, PROJECT_KEY, "epic", STORY),
        Some(&t),
        Some(USER_KEY),
        &attachment_form(b"x"),
    )
    .await;
    assert_eq!(err_code(&r), 20003);
}

#[tokio::test]
async fn upload_refuses_an_unknown_work_item_or_one_of_another_type_with_30005_assumed() {
    let s = server().await;
    let t = token(&s, 0).await;
    for (type_key, item) in [("story", "999"), ("story", ISSUE), ("issue", STORY)] {
        let r = post_project_form(
            &upload_url(&s, PROJECT_KEY, type_key, item),
            Some(&t),
            Some(USER_KEY),
            &attachment_form(b"x"),
        )
        .await;
        assert_eq!(err_code(&r), 30005, "{type_key}/{item}");
    }
}

// ---- form ----

#[tokio::test]
async fn upload_answers_exactly_seed_003s_success_body_without_data() {
    let s = server().await;
    let r = upload(&s, &attachment_form(b"%PDF-1.4 hello")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text, r#"{"err":{},"err_msg":"","err_code":0}"#);
    assert!(r.json().get("data").is_none());
}

#[tokio::test]
async fn upload_names_the_stored_uuid_in_x_mock_attachment_uuid_only() {
    let s = server().await;
    let r = upload(&s, &attachment_form(b"%PDF-1.4 hello")).await;
    let uuid = uploaded_uuid(&r);
    assert_eq!(uuid.len(), 36);
    let f = s.state().emulator().store.file(&uuid).expect("stored");
    assert_eq!(&f.bytes[..], b"%PDF-1.4 hello");
    assert_eq!(f.name, "report.pdf");
    assert_eq!(f.size, 14);
    assert_eq!(f.content_type, "application/pdf");
    assert_eq!(count(&s, STORY, "field_attachment", None), 1);
}

#[tokio::test]
async fn upload_uuid_is_in_the_journal_and_in_mock_files() {
    let s = server().await;
    let r = upload(&s, &attachment_form(b"hello")).await;
    let uuid = uploaded_uuid(&r);
    let journal: Value = client()
        .get(format!(
            "{}/__mock/requests?endpoint=project.work_item.file.upload",
            s.url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = journal["requests"].as_array().unwrap();
    let last = entries.last().unwrap();
    assert!(last["path"].as_str().unwrap().ends_with("/file/upload"));
    assert_eq!(
        last["mock_headers"]["X-Mock-Attachment-Uuid"],
        uuid.as_str()
    );
    let files: Value = client()
        .get(format!("{}/__mock/files", s.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(files["files"][0]["file_token"], uuid.as_str());
    assert_eq!(files["files"][0]["parent"], STORY);
    assert_eq!(
        files["files"][0]["endpoint"],
        "project.work_item.file.upload"
    );
}

#[tokio::test]
async fn a_refused_upload_carries_no_attachment_uuid() {
    let s = server().await;
    let r = upload(&s, &form_with(("field_key", "nope"), b"x")).await;
    assert_eq!(err_code(&r), 1000050190);
    assert!(r.header("x-mock-attachment-uuid").is_none());
}

#[tokio::test]
async fn upload_success_envelope_snapshot() {
    let s = seeded_server(11).await;
    let r = upload(&s, &attachment_form(b"hello")).await;
    assert_snapshot_json!("project_upload_ok", snapshot_of(&r));
}

#[tokio::test]
async fn upload_finds_the_field_by_field_alias() {
    let s = server().await;
    let r = upload(&s, &form_with(("field_alias", "attachment"), b"x")).await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
    assert_eq!(count(&s, STORY, "field_attachment", None), 1);
}

#[tokio::test]
async fn upload_lets_field_key_decide_when_both_are_sent() {
    let s = server().await;
    let form = RawForm::new()
        .text("field_key", "field_attachment")
        .text("field_alias", "description")
        .file("file", Some("a.txt"), Some("text/plain"), b"x");
    let r = upload(&s, &form).await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
    assert_eq!(count(&s, STORY, "field_attachment", None), 1);
}

#[tokio::test]
async fn upload_without_field_key_or_field_alias_answers_1000050190() {
    let s = server().await;
    let form = RawForm::new()
        .text("field_key", "")
        .file("file", Some("a.txt"), None, b"x");
    let r = upload(&s, &form).await;
    assert_eq!(err_code(&r), 1000050190);
    assert_eq!(r.json()["err_msg"], "ErrAPIUnSetForm");
    assert_eq!(r.json()["err"]["msg"], "Request Form Is Null");
    assert_snapshot_json!("project_upload_unset_form", snapshot_of(&r));
}

#[tokio::test]
async fn upload_refuses_an_unknown_field_or_one_that_is_not_an_attachment_field_with_1000050190() {
    let s = server().await;
    for field in [
        ("field_key", "field_nope"),
        ("field_key", "field_description"),
        ("field_alias", "description"),
        ("field_key", "field_deliverables"),
        ("field_key", "field_issue_attachment"),
    ] {
        let r = upload(&s, &form_with(field, b"x")).await;
        assert_eq!(err_code(&r), 1000050190, "{field:?}");
    }
    assert_eq!(s.state().emulator().store.file_count(), 0);
}

#[tokio::test]
async fn upload_without_a_form_answers_1000050190() {
    let s = server().await;
    let t = token(&s, 0).await;
    let req = client()
        .post(upload_url(&s, PROJECT_KEY, "story", STORY))
        .header("X-PLUGIN-TOKEN", &t)
        .header("X-USER-KEY", USER_KEY)
        .json(&json!({"field_key": "field_attachment"}));
    let r = read(req.send().await.unwrap()).await;
    assert_eq!(err_code(&r), 1000050190);
}

#[tokio::test]
async fn upload_without_a_file_part_answers_1000050190() {
    let s = server().await;
    let form = RawForm::new().text("field_key", "field_attachment");
    let r = upload(&s, &form).await;
    assert_eq!(err_code(&r), 1000050190);
}

#[tokio::test]
async fn upload_refuses_a_second_file_part_with_1000050174_and_stores_nothing() {
    let s = server().await;
    let form = attachment_form(b"one").file("file", Some("two.txt"), None, b"two");
    let r = upload(&s, &form).await;
    assert_eq!(err_code(&r), 1000050174);
    assert_eq!(s.state().emulator().store.file_count(), 0);
}

#[tokio::test]
async fn upload_accepts_an_empty_file_part_and_stores_nothing() {
    let s = server().await;
    let r = upload(&s, &attachment_form(b"")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text, r#"{"err":{},"err_msg":"","err_code":0}"#);
    assert!(r.header("x-mock-attachment-uuid").is_none());
    assert_eq!(count(&s, STORY, "field_attachment", None), 0);
    assert_eq!(s.state().emulator().store.file_count(), 0);
}

#[tokio::test]
async fn upload_names_a_file_part_without_filename_unknown_and_types_it_octet_stream() {
    let s = server().await;
    let form = RawForm::new()
        .text("field_key", "field_attachment")
        .file("file", None, None, b"raw");
    let r = upload(&s, &form).await;
    let f = s.state().emulator().store.file(&uploaded_uuid(&r)).unwrap();
    assert_eq!(f.name, "unknown");
    assert_eq!(f.content_type, "application/octet-stream");
}

#[tokio::test]
async fn upload_into_a_compound_field_needs_a_decimal_index() {
    let s = server().await;
    let key = ("field_key", "field_deliverable_files");
    let r = upload(&s, &form_with(key, b"x")).await;
    assert_eq!(err_code(&r), 1000050190, "no index");
    for bad in ["-1", "one", "1.5"] {
        let r = upload(&s, &form_with(key, b"x").text("index", bad)).await;
        assert_eq!(err_code(&r), 1000050190, "index {bad}");
    }
    let r = upload(&s, &form_with(key, b"x").text("index", "2")).await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
    assert_eq!(count(&s, STORY, "field_deliverable_files", Some(2)), 1);
    let r = upload(
        &s,
        &form_with(("field_alias", "deliverable_files"), b"x").text("index", "0"),
    )
    .await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
    assert_eq!(count(&s, STORY, "field_deliverable_files", Some(0)), 1);
}

#[tokio::test]
async fn upload_refuses_an_index_for_a_field_outside_compound_fields_with_1000050190() {
    let s = server().await;
    let r = upload(&s, &attachment_form(b"x").text("index", "0")).await;
    assert_eq!(err_code(&r), 1000050190);
}

// ---- the cap ----

#[tokio::test]
async fn upload_rejects_the_51st_attachment_with_1000050262() {
    let s = server().await;
    let t = token(&s, 0).await;
    let url = upload_url(&s, PROJECT_KEY, "story", STORY);
    for i in 0..MAX_ATTACHMENTS_PER_FIELD {
        let r = post_project_form(&url, Some(&t), Some(USER_KEY), &attachment_form(b"x")).await;
        assert_eq!(err_code(&r), 0, "upload {i}");
    }
    let files_before = s.state().emulator().store.file_count();
    let r = post_project_form(&url, Some(&t), Some(USER_KEY), &attachment_form(b"x")).await;
    assert_eq!(r.status, 400);
    assert_eq!(err_code(&r), 1000050262);
    assert_eq!(r.json()["err_msg"], "ErrAPIUploadError");
    assert_eq!(count(&s, STORY, "field_attachment", None), 50);
    assert_eq!(s.state().emulator().store.file_count(), files_before);
    assert_snapshot_json!("project_upload_cap_reached", snapshot_of(&r));
}

#[tokio::test]
async fn the_cap_counts_per_work_item_and_per_compound_element() {
    let s = server().await;
    let t = token(&s, 0).await;
    let url = upload_url(&s, PROJECT_KEY, "story", STORY);
    let key = ("field_key", "field_deliverable_files");
    for _ in 0..MAX_ATTACHMENTS_PER_FIELD {
        let form = form_with(key, b"x").text("index", "0");
        let r = post_project_form(&url, Some(&t), Some(USER_KEY), &form).await;
        assert_eq!(err_code(&r), 0);
    }
    let full = form_with(key, b"x").text("index", "0");
    let r = post_project_form(&url, Some(&t), Some(USER_KEY), &full).await;
    assert_eq!(err_code(&r), 1000050262);
    let other_index = form_with(key, b"x").text("index", "1");
    let r = post_project_form(&url, Some(&t), Some(USER_KEY), &other_index).await;
    assert_eq!(err_code(&r), 0);
    let other_item = upload_url(&s, PROJECT_KEY, "story", "6437110002");
    let form = form_with(key, b"x").text("index", "0");
    let r = post_project_form(&other_item, Some(&t), Some(USER_KEY), &form).await;
    assert_eq!(err_code(&r), 0);
}

#[tokio::test]
async fn an_empty_file_into_a_full_field_still_answers_success() {
    let s = server().await;
    let t = token(&s, 0).await;
    let url = upload_url(&s, PROJECT_KEY, "story", STORY);
    for _ in 0..MAX_ATTACHMENTS_PER_FIELD {
        post_project_form(&url, Some(&t), Some(USER_KEY), &attachment_form(b"x")).await;
    }
    let r = post_project_form(&url, Some(&t), Some(USER_KEY), &attachment_form(b"")).await;
    assert_eq!(err_code(&r), 0);
    assert_eq!(count(&s, STORY, "field_attachment", None), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cap_holds_under_100_concurrent_uploads_exactly_50_succeed() {
    let s = server().await;
    let t = token(&s, 0).await;
    let url = upload_url(&s, PROJECT_KEY, "story", STORY);
    let mut tasks = Vec::new();
    for i in 0..100 {
        let (url, t) = (url.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            let form = attachment_form(format!("file {i}").as_bytes());
            let r = post_project_form(&url, Some(&t), Some(USER_KEY), &form).await;
            err_code(&r)
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 50);
    assert_eq!(codes.iter().filter(|c| **c == 1000050262).count(), 50);
    assert_eq!(count(&s, STORY, "field_attachment", None), 50);
    assert_eq!(s.state().emulator().store.file_count(), 50);
}

// ---- size ----

async fn upload_streamed(s: &MockServer, filler: u64) -> Resp {
    let t = token(s, 0).await;
    let (head, tail) = file_part_frame(
        &[("field_key", "field_attachment")],
        "file",
        Some("big.bin"),
    );
    let req = client()
        .post(upload_url(s, PROJECT_KEY, "story", STORY))
        .header("Content-Type", RawForm::new().content_type())
        .header("X-PLUGIN-TOKEN", &t)
        .header("X-USER-KEY", USER_KEY)
        .body(streaming_body(head, filler, tail));
    read(req.send().await.expect("sent")).await
}

#[tokio::test]
async fn upload_refuses_104857601_bytes_with_1000050174_without_growing_memory_by_the_body() {
    let _one_at_a_time = MEMORY.lock().await;
    let s = server().await;
    let before = rss_bytes();
    let peak = PeakRss::start();
    let r = upload_streamed(&s, MAX_BYTES + 1).await;
    let grown = peak.peak().saturating_sub(before);
    assert_eq!(err_code(&r), 1000050174, "{}", r.text);
    assert_eq!(r.json()["err"]["msg"], "Uploaded File Size Limit 100M");
    assert_eq!(s.state().emulator().store.file_count(), 0);
    assert!(
        grown < MAX_BYTES / 4,
        "peak RSS grew by {grown} bytes for a refused {} byte part",
        MAX_BYTES + 1
    );
    assert_snapshot_json!("project_upload_too_large", snapshot_of(&r));
}

#[tokio::test]
async fn upload_accepts_exactly_104857600_bytes() {
    let _one_at_a_time = MEMORY.lock().await;
    let s = server().await;
    let r = upload_streamed(&s, MAX_BYTES).await;
    assert_eq!(err_code(&r), 0, "{}", r.text);
    let uuid = uploaded_uuid(&r);
    let f = s.state().emulator().store.file(&uuid).unwrap();
    assert_eq!(f.bytes.len() as u64, MAX_BYTES);
    assert!(f.bytes.iter().all(|b| *b == 0));
}

// ---- download ----

#[tokio::test]
async fn download_returns_exactly_what_was_uploaded_with_its_type_and_name() {
    let s = server().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let form = RawForm::new().text("field_key", "field_attachment").file(
        "file",
        Some("图表.png"),
        Some("image/png"),
        &bytes,
    );
    let r = upload(&s, &form).await;
    let uuid = uploaded_uuid(&r);
    let t = token(&s, 0).await;
    let resp = client()
        .post(download_url(&s, PROJECT_KEY, "story", STORY))
        .header("X-PLUGIN-TOKEN", &t)
        .header("X-USER-KEY", USER_KEY)
        .json(&json!({ "uuid": uuid }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let cd = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.contains("filename*=UTF-8''%E5%9B%BE%E8%A1%A8.png"),
        "{cd}"
    );
    assert_eq!(&resp.bytes().await.unwrap()[..], &bytes[..]);
}

#[tokio::test]
async fn download_of_a_uuid_the_work_item_does_not_hold_answers_20006_with_a_non_200_status() {
    let s = server().await;
    let r = upload(&s, &attachment_form(b"x")).await;
    let uuid = uploaded_uuid(&r);
    let t = token(&s, 0).await;
    let r = download(&s, &t, "6437110002", &json!({ "uuid": uuid })).await;
    assert_eq!(r.status, 400);
    assert_eq!(err_code(&r), 20006);
    let r = download(&s, &t, STORY, &json!({"uuid": "nope"})).await;
    assert_eq!(err_code(&r), 20006);
    assert_snapshot_json!("project_download_unknown_uuid", snapshot_of(&r));
}

#[tokio::test]
async fn download_without_a_uuid_answers_1000050190() {
    let s = server().await;
    let t = token(&s, 0).await;
    let r = download(&s, &t, STORY, &json!({})).await;
    assert_eq!(err_code(&r), 1000050190);
}

#[tokio::test]
async fn download_checks_the_token_first() {
    let s = server().await;
    let r = download(&s, "p-bad", STORY, &json!({"uuid": "x"})).await;
    assert_eq!(err_code(&r), 10022);
}

#[tokio::test]
async fn plugin_token_with_a_body_that_is_not_json_answers_20006_in_its_own_envelope() {
    let s = server().await;
    let req = client()
        .post(format!("{}/open_api/authen/plugin_token", s.url()))
        .body("plugin_id=MII_MOCK_PLUGIN");
    let r = read(req.send().await.unwrap()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["error"]["code"], 20006, "{}", r.text);
}

#[tokio::test]
async fn download_content_disposition_percent_encodes_a_space_as_20_never_plus() {
    let s = server().await;
    let form = RawForm::new().text("field_key", "field_attachment").file(
        "file",
        Some("a b.pdf"),
        Some("application/pdf"),
        b"%PDF",
    );
    let r = upload(&s, &form).await;
    let uuid = uploaded_uuid(&r);
    let t = token(&s, 0).await;
    let resp = client()
        .post(download_url(&s, PROJECT_KEY, "story", STORY))
        .header("X-PLUGIN-TOKEN", &t)
        .header("X-USER-KEY", USER_KEY)
        .json(&json!({ "uuid": uuid }))
        .send()
        .await
        .unwrap();
    let cd = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.contains("filename*=UTF-8''a%20b.pdf"), "{cd}");
}
