//! Task v2 attachment upload (seed 002) and its natural next calls: list, get, delete and the
//! download link. One test per documented rule and code, named after it.

mod common;

use common::*;
use feishu_mock::{MockServer, World};
use serde_json::Value;

const TASK: &str = "fe96108d-b004-4a47-b2f8-6886e758b3a5";
const TASK_2: &str = "e6e37dcc-f75a-5936-f589-12fb4b5c80c2";
/// A task only Mock Colleague may edit (neither the default user nor the app `cli_mock`).
const FOREIGN_TASK: &str = "9b4e7c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d";
const UPLOAD: &str = "/open-apis/task/v2/attachments/upload";
const LIMIT: u64 = 52_428_800;

/// Memory-heavy tests run one at a time, so that one's peak RSS is not another's growth.
static BIG_BODIES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn task_form(resource_id: &str) -> RawForm {
    RawForm::new()
        .text("resource_type", "task")
        .text("resource_id", resource_id)
}

async fn upload(server: &MockServer, token: &str, query: &str, form: &RawForm) -> Resp {
    post_form(
        &format!("{}{UPLOAD}{query}", server.url()),
        Some(token),
        form,
    )
    .await
}

async fn get(server: &MockServer, token: Option<&str>, path: &str) -> Resp {
    let mut req = client().get(format!("{}{path}", server.url()));
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    read(req.send().await.expect("sent")).await
}

async fn delete(server: &MockServer, token: &str, path: &str) -> Resp {
    let req = client()
        .delete(format!("{}{path}", server.url()))
        .header("Authorization", format!("Bearer {token}"));
    read(req.send().await.expect("sent")).await
}

async fn list(server: &MockServer, token: &str, query: &str) -> Resp {
    get(
        server,
        Some(token),
        &format!("/open-apis/task/v2/attachments?{query}"),
    )
    .await
}

fn items(resp: &Resp) -> Vec<Value> {
    resp.json()["data"]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {}", resp.text))
        .clone()
}

fn stored(server: &MockServer) -> (usize, usize) {
    let emulator = server.state().emulator();
    (
        emulator.families.task.attachment_count(),
        emulator.store.file_count(),
    )
}

/// Replaces `uploaded_at` (the clock) after checking it is a ms timestamp as a string.
fn redact_uploaded_at(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if k == "uploaded_at" {
                    let ms: i64 = val.as_str().expect("string").parse().expect("digits");
                    assert!(ms > 1_600_000_000_000, "ms since the epoch: {ms}");
                    *val = Value::String("[uploaded_at]".into());
                } else {
                    redact_uploaded_at(val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact_uploaded_at),
        _ => {}
    }
}

/// Multipart framing of `texts`, then `small` complete file parts of `file` bytes each, then the
/// head of one more file part: the (head, tail) for a streamed last file.
fn frame_after_files(texts: &[(&str, &str)], small: usize) -> (Vec<u8>, Vec<u8>) {
    let mut head = Vec::new();
    for (k, v) in texts {
        head.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for i in 0..small {
        head.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"small{i}.txt\"\r\n\r\nsmall file {i}\r\n")
                .as_bytes(),
        );
    }
    head.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    (head, format!("\r\n--{BOUNDARY}--\r\n").into_bytes())
}

async fn post_streamed(server: &MockServer, head: Vec<u8>, filler: u64, tail: Vec<u8>) -> Resp {
    let resp = client()
        .post(format!("{}{UPLOAD}", server.url()))
        .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(streaming_body(head, filler, tail))
        .send()
        .await
        .expect("sent");
    read(resp).await
}

// ---- success shape ----------------------------------------------------------------------------

#[tokio::test]
async fn upload_answers_items_in_the_seed_shape() {
    let server = seeded_server(7).await;
    let form = task_form(TASK).file("file", Some("foo.jpg"), Some("image/jpeg"), &[7u8; 62]);
    let resp = upload(&server, USER_TOKEN, "", &form).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let mut snap = snapshot_of(&resp);
    redact_uploaded_at(&mut snap);
    assert_snapshot_json!("task_upload_success", snap);
}

#[tokio::test]
async fn upload_item_has_uuid_guid_boxcn_token_size_and_is_cover_false() {
    let server = server().await;
    let form = task_form(TASK).file("file", Some("a.txt"), None, b"hello");
    let resp = upload(&server, USER_TOKEN, "", &form).await;
    let item = &items(&resp)[0];
    let guid = item["guid"].as_str().unwrap();
    let hex: Vec<usize> = guid.split('-').map(str::len).collect();
    assert_eq!(hex, [8, 4, 4, 4, 12], "{guid}");
    let token = item["file_token"].as_str().unwrap();
    assert!(token.starts_with("boxcn") && token.len() == 27, "{token}");
    assert_eq!(item["size"], 5);
    assert_eq!(item["name"], "a.txt");
    assert_eq!(
        item["resource"],
        serde_json::json!({"type": "task", "id": TASK})
    );
    assert_eq!(item["is_cover"], false);
    assert!(
        item.get("url").is_none(),
        "the seed's upload answer has no url"
    );
}

#[tokio::test]
async fn upload_keeps_the_order_of_the_file_parts() {
    let server = server().await;
    let form = task_form(TASK)
        .file("file", Some("c.txt"), None, b"ccc")
        .file("file", Some("a.txt"), None, b"a")
        .file("file", Some("b.txt"), None, b"bb");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    let got: Vec<(String, i64)> = items(&resp)
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().into(),
                i["size"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("c.txt".into(), 3),
            ("a.txt".into(), 1),
            ("b.txt".into(), 2)
        ]
    );
}

#[tokio::test]
async fn upload_accepts_five_files() {
    let server = server().await;
    let mut form = task_form(TASK);
    for i in 0..5 {
        form = form.file("file", Some(&format!("f{i}.txt")), None, b"x");
    }
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(items(&resp).len(), 5);
    assert_eq!(stored(&server), (5, 5));
}

#[tokio::test]
async fn upload_rejects_a_sixth_file_with_1470400_and_stores_nothing() {
    let server = server().await;
    let mut form = task_form(TASK);
    for i in 0..6 {
        form = form.file("file", Some(&format!("f{i}.txt")), None, b"x");
    }
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    assert_eq!((resp.status, resp.code()), (400, 1470400), "{}", resp.text);
    assert_eq!(stored(&server), (0, 0));
    assert_snapshot_json!("task_upload_sixth_file", snapshot_of(&resp));
}

#[tokio::test]
async fn upload_accepts_node_file_array_parts() {
    let server = server().await;
    let form = task_form(TASK)
        .file("file[]", Some("one.txt"), None, b"1")
        .file("file[]", Some("two.txt"), None, b"22");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let names: Vec<Value> = items(&resp).iter().map(|i| i["name"].clone()).collect();
    assert_eq!(names, ["one.txt", "two.txt"]);
}

#[tokio::test]
async fn upload_names_a_part_without_filename_unknown_file() {
    let server = server().await;
    // Python sync: no filename, no Content-Type; a part with an empty filename likewise.
    let form =
        task_form(TASK)
            .file("file", None, None, b"python")
            .file("file", Some(""), None, b"empty");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    let names: Vec<Value> = items(&resp).iter().map(|i| i["name"].clone()).collect();
    assert_eq!(names, ["unknown-file", "unknown-file"]);
}

#[tokio::test]
async fn upload_accepts_a_0_byte_file() {
    let server = server().await;
    let form = task_form(TASK).file("file", Some("empty.txt"), None, b"");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(items(&resp)[0]["size"], 0);
}

#[tokio::test]
async fn upload_uploaded_at_is_the_clock_in_ms_as_a_string() {
    let server = server().await;
    let before = server.state().emulator().store.now_ms();
    let form = task_form(TASK).file("file", Some("a"), None, b"a");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    let after = server.state().emulator().store.now_ms();
    let at: i64 = items(&resp)[0]["uploaded_at"]
        .as_str()
        .expect("a string")
        .parse()
        .expect("digits");
    assert!(before <= at && at <= after, "{before} ≤ {at} ≤ {after}");
}

// ---- resource_type / resource_id / file / user_id_type -------------------------------------------

#[tokio::test]
async fn upload_defaults_resource_type_to_task_when_absent_or_empty() {
    let server = server().await;
    let absent = RawForm::new()
        .text("resource_id", TASK)
        .file("file", Some("a"), None, b"a");
    let empty = RawForm::new()
        .text("resource_type", "")
        .text("resource_id", TASK)
        .file("file", Some("a"), None, b"a");
    for form in [absent, empty] {
        let resp = upload(&server, TENANT_TOKEN, "", &form).await;
        assert_eq!(resp.status, 200, "{}", resp.text);
        assert_eq!(items(&resp)[0]["resource"]["type"], "task");
    }
}

#[tokio::test]
async fn upload_rejects_a_resource_type_other_than_task_with_1470400() {
    let server = server().await;
    for bad in ["tasklist", "TASK"] {
        let form = RawForm::new()
            .text("resource_type", bad)
            .text("resource_id", TASK)
            .file("file", Some("a"), None, b"a");
        let resp = upload(&server, TENANT_TOKEN, "", &form).await;
        assert_eq!((resp.status, resp.code()), (400, 1470400), "{bad}");
    }
    assert_eq!(stored(&server), (0, 0));
}

#[tokio::test]
async fn upload_rejects_a_missing_resource_id_with_1470400() {
    let server = server().await;
    let form = RawForm::new()
        .text("resource_type", "task")
        .file("file", Some("a"), None, b"a");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    assert_eq!((resp.status, resp.code()), (400, 1470400));
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "resource_id"
    );
    assert_snapshot_json!("task_upload_missing_resource_id", snapshot_of(&resp));
}

#[tokio::test]
async fn upload_rejects_an_empty_resource_id_with_1470400() {
    let server = server().await;
    let form = task_form("").file("file", Some("a"), None, b"a");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    assert_eq!((resp.status, resp.code()), (400, 1470400));
}

#[tokio::test]
async fn upload_rejects_a_resource_id_over_100_chars_with_1470400() {
    let server = server().await;
    let form = task_form(&"a".repeat(101)).file("file", Some("a"), None, b"a");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    assert_eq!((resp.status, resp.code()), (400, 1470400));
    // 100 chars pass the length rule and reach the existence check.
    let form = task_form(&"任".repeat(100)).file("file", Some("a"), None, b"a");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    assert_eq!((resp.status, resp.code()), (403, 1470403));
}

#[tokio::test]
async fn upload_without_a_file_part_is_rejected_with_1470400() {
    let server = server().await;
    let resp = upload(&server, TENANT_TOKEN, "", &task_form(TASK)).await;
    assert_eq!((resp.status, resp.code()), (400, 1470400));
    assert_eq!(resp.json()["error"]["field_violations"][0]["field"], "file");
}

#[tokio::test]
async fn upload_rejects_a_body_that_is_not_multipart_with_1470400() {
    let server = server().await;
    let resp = post_json(
        &format!("{}{UPLOAD}", server.url()),
        Some(TENANT_TOKEN),
        &serde_json::json!({"resource_id": TASK}),
    )
    .await;
    assert_eq!((resp.status, resp.code()), (400, 1470400));
}

#[tokio::test]
async fn upload_rejects_an_unknown_user_id_type_with_1470400() {
    let server = server().await;
    let form = task_form(TASK).file("file", Some("a"), None, b"a");
    let resp = upload(&server, USER_TOKEN, "?user_id_type=email", &form).await;
    assert_eq!((resp.status, resp.code()), (400, 1470400));
    assert_eq!(stored(&server), (0, 0));
}

// ---- task existence and edit right ------------------------------------------------------------

#[tokio::test]
async fn upload_to_an_unknown_task_answers_http_403_with_1470403() {
    let server = server().await;
    let form =
        task_form("00000000-0000-4000-8000-000000000000").file("file", Some("a"), None, b"a");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    assert_eq!((resp.status, resp.code()), (403, 1470403));
    assert_eq!(stored(&server), (0, 0));
    assert_snapshot_json!("task_upload_unknown_task", snapshot_of(&resp));
}

#[tokio::test]
async fn upload_by_a_user_who_may_not_edit_the_task_answers_http_404_with_1470404() {
    let server = server().await;
    let form = task_form(FOREIGN_TASK).file("file", Some("a"), None, b"a");
    let resp = upload(&server, USER_TOKEN, "", &form).await;
    assert_eq!((resp.status, resp.code()), (404, 1470404));
    assert_eq!(stored(&server), (0, 0));
    assert_snapshot_json!("task_upload_not_editable", snapshot_of(&resp));
}

#[tokio::test]
async fn upload_by_an_app_not_among_the_task_editors_answers_1470404() {
    let server = server().await;
    let form = task_form(FOREIGN_TASK).file("file", Some("a"), None, b"a");
    let resp = upload(&server, TENANT_TOKEN, "", &form).await;
    assert_eq!((resp.status, resp.code()), (404, 1470404));
}

// ---- uploader ---------------------------------------------------------------------------------

#[tokio::test]
async fn uploader_with_a_user_token_is_the_user_in_the_requested_user_id_type() {
    let server = server().await;
    let cases = [
        ("", USER_OPEN_ID),
        ("?user_id_type=open_id", USER_OPEN_ID),
        (
            "?user_id_type=union_id",
            "on_94a1ee5551019f18cd73d9f111898cf2",
        ),
        ("?user_id_type=user_id", "3e4b9d1a"),
    ];
    for (query, id) in cases {
        let form = task_form(TASK).file("file", Some("a"), None, b"a");
        let resp = upload(&server, USER_TOKEN, query, &form).await;
        assert_eq!(
            items(&resp)[0]["uploader"],
            serde_json::json!({"id": id, "type": "user", "role": "creator"}),
            "{query}"
        );
    }
}

#[tokio::test]
async fn uploader_with_a_tenant_token_is_the_app() {
    let server = server().await;
    let form = task_form(TASK).file("file", Some("a"), None, b"a");
    let resp = upload(&server, TENANT_TOKEN, "?user_id_type=union_id", &form).await;
    assert_eq!(
        items(&resp)[0]["uploader"],
        serde_json::json!({"id": "cli_mock", "type": "app", "role": "creator"})
    );
}

#[tokio::test]
async fn uploader_id_is_left_out_for_user_id_without_the_employee_id_scope() {
    let mut world = World::default_world();
    for app in &mut world.apps {
        app.scopes
            .retain(|s| s != "contact:user.employee_id:readonly");
    }
    let server = MockServer::start(world).await.expect("server");
    let form = task_form(TASK).file("file", Some("a"), None, b"a");
    let resp = upload(&server, USER_TOKEN, "?user_id_type=user_id", &form).await;
    assert_eq!(
        items(&resp)[0]["uploader"],
        serde_json::json!({"type": "user", "role": "creator"})
    );
}

// ---- auth -------------------------------------------------------------------------------------

#[tokio::test]
async fn upload_without_a_token_answers_99991661_and_stores_nothing() {
    let server = server().await;
    let form = task_form(TASK).file("file", Some("a"), None, b"a");
    let resp = post_form(&format!("{}{UPLOAD}", server.url()), None, &form).await;
    assert_eq!((resp.status, resp.code()), (400, 99991661));
    assert_eq!(stored(&server), (0, 0));
}

#[tokio::test]
async fn upload_by_an_app_without_task_attachment_write_answers_99991672() {
    let server = server().await;
    let token = post_json(
        &format!(
            "{}/open-apis/auth/v3/tenant_access_token/internal",
            server.url()
        ),
        None,
        &serde_json::json!({"app_id": "cli_mock_noscope", "app_secret": "mock-secret"}),
    )
    .await
    .json()["tenant_access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let form = task_form(TASK).file("file", Some("a"), None, b"a");
    let resp = upload(&server, &token, "", &form).await;
    assert_eq!((resp.status, resp.code()), (400, 99991672));
    assert_eq!(
        resp.json()["error"]["permission_violations"][0]["subject"],
        "task:attachment:write"
    );
}

// ---- size limits, streamed --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_accepts_a_part_of_exactly_52428800_bytes() {
    let _one_at_a_time = BIG_BODIES.lock().await;
    let server = server().await;
    let (head, tail) = file_part_frame(&[("resource_id", TASK)], "file", Some("big.bin"));
    let resp = post_streamed(&server, head, LIMIT, tail).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(items(&resp)[0]["size"], LIMIT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_refuses_a_part_of_52428801_bytes_with_1470400_without_growing_memory_by_its_size() {
    let _one_at_a_time = BIG_BODIES.lock().await;
    let server = server().await;
    let (head, tail) = file_part_frame(&[("resource_id", TASK)], "file", Some("big.bin"));
    let before = rss_bytes();
    let peak = PeakRss::start();
    let resp = post_streamed(&server, head, LIMIT + 1, tail).await;
    let growth = peak.peak().saturating_sub(before);
    assert_eq!((resp.status, resp.code()), (400, 1470400), "{}", resp.text);
    assert_eq!(stored(&server), (0, 0));
    assert!(
        growth < LIMIT / 4,
        "peak RSS grew by {growth} bytes for a {} byte part",
        LIMIT + 1
    );
    assert_snapshot_json!("task_upload_file_too_large", snapshot_of(&resp));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_fifth_file_stores_none_of_the_first_four() {
    let _one_at_a_time = BIG_BODIES.lock().await;
    let server = server().await;
    let (head, tail) = frame_after_files(&[("resource_id", TASK)], 4);
    let resp = post_streamed(&server, head, LIMIT + 1, tail).await;
    assert_eq!((resp.status, resp.code()), (400, 1470400), "{}", resp.text);
    assert_eq!(stored(&server), (0, 0));
    let listed = list(&server, TENANT_TOKEN, &format!("resource_id={TASK}")).await;
    assert_eq!(items(&listed).len(), 0);
}

// ---- list -------------------------------------------------------------------------------------

async fn upload_names(server: &MockServer, task: &str, names: &[&str]) -> Vec<Value> {
    let mut form = task_form(task);
    for n in names {
        form = form.file("file", Some(n), None, n.as_bytes());
    }
    let resp = upload(server, TENANT_TOKEN, "", &form).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    items(&resp)
}

#[tokio::test]
async fn list_answers_the_task_attachments_in_upload_order_with_a_url() {
    let server = server().await;
    upload_names(&server, TASK, &["1", "2"]).await;
    upload_names(&server, TASK_2, &["other"]).await;
    upload_names(&server, TASK, &["3"]).await;
    let resp = list(
        &server,
        USER_TOKEN,
        &format!("resource_type=task&resource_id={TASK}"),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let listed = items(&resp);
    let names: Vec<&str> = listed.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["1", "2", "3"]);
    assert_eq!(resp.json()["data"]["has_more"], false);
    assert!(resp.json()["data"].get("page_token").is_none());
    let url = listed[0]["url"].as_str().expect("url");
    assert!(url.starts_with(&server.url()), "{url}");
}

#[tokio::test]
async fn list_pages_with_page_size_and_page_token() {
    let server = server().await;
    upload_names(&server, TASK, &["a", "b", "c", "d", "e"]).await;
    let q = format!("resource_id={TASK}&page_size=2");
    let mut names = Vec::new();
    let mut pages = 0;
    let mut token: Option<String> = None;
    loop {
        let query = match &token {
            Some(t) => format!("{q}&page_token={t}"),
            None => q.clone(),
        };
        let resp = list(&server, TENANT_TOKEN, &query).await;
        let data = resp.json()["data"].clone();
        let page = items(&resp);
        assert!(page.len() <= 2);
        names.extend(page.iter().map(|i| i["name"].as_str().unwrap().to_string()));
        pages += 1;
        if data["has_more"] == true {
            token = Some(data["page_token"].as_str().expect("page_token").to_string());
        } else {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
}

#[tokio::test]
async fn list_page_size_defaults_to_50() {
    let server = server().await;
    for _ in 0..11 {
        upload_names(&server, TASK, &["1", "2", "3", "4", "5"]).await;
    }
    let resp = list(&server, TENANT_TOKEN, &format!("resource_id={TASK}")).await;
    assert_eq!(items(&resp).len(), 50);
    assert_eq!(resp.json()["data"]["has_more"], true);
}

#[tokio::test]
async fn list_rejects_page_size_outside_1_to_100_with_1470400() {
    let server = server().await;
    for size in ["0", "101", "x"] {
        let resp = list(
            &server,
            TENANT_TOKEN,
            &format!("resource_id={TASK}&page_size={size}"),
        )
        .await;
        assert_eq!((resp.status, resp.code()), (400, 1470400), "{size}");
    }
    let resp = list(
        &server,
        TENANT_TOKEN,
        &format!("resource_id={TASK}&page_size=100"),
    )
    .await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn list_rejects_a_foreign_page_token_with_1470400() {
    let server = server().await;
    let resp = list(
        &server,
        TENANT_TOKEN,
        &format!("resource_id={TASK}&page_token=not-ours"),
    )
    .await;
    assert_eq!((resp.status, resp.code()), (400, 1470400));
}

#[tokio::test]
async fn list_without_resource_id_is_rejected_with_1470400() {
    let server = server().await;
    let resp = list(&server, TENANT_TOKEN, "resource_type=task").await;
    assert_eq!((resp.status, resp.code()), (400, 1470400));
}

#[tokio::test]
async fn list_of_an_unknown_task_answers_1470404_as_its_page_says() {
    let server = server().await;
    let resp = list(&server, TENANT_TOKEN, "resource_id=nope").await;
    assert_eq!((resp.status, resp.code()), (404, 1470404));
}

#[tokio::test]
async fn list_by_a_caller_who_may_not_read_the_task_answers_1470403_as_its_page_says() {
    let server = server().await;
    let resp = list(&server, USER_TOKEN, &format!("resource_id={FOREIGN_TASK}")).await;
    assert_eq!((resp.status, resp.code()), (403, 1470403));
}

// ---- get, delete, download --------------------------------------------------------------------

#[tokio::test]
async fn get_answers_the_attachment_with_its_url() {
    let server = server().await;
    let up = upload_names(&server, TASK, &["doc.txt"]).await;
    let guid = up[0]["guid"].as_str().unwrap();
    let resp = get(
        &server,
        Some(TENANT_TOKEN),
        &format!("/open-apis/task/v2/attachments/{guid}"),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let att = &resp.json()["data"]["attachment"];
    assert_eq!(att["guid"], guid);
    assert_eq!(att["file_token"], up[0]["file_token"]);
    assert!(att["url"].is_string());
}

#[tokio::test]
async fn get_of_an_unknown_attachment_answers_1470404_as_its_page_says() {
    let server = server().await;
    let resp = get(
        &server,
        Some(TENANT_TOKEN),
        "/open-apis/task/v2/attachments/00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!((resp.status, resp.code()), (404, 1470404));
}

#[tokio::test]
async fn url_serves_the_uploaded_bytes_without_a_token() {
    let server = server().await;
    let form = task_form(TASK).file(
        "file",
        Some("photo.png"),
        Some("image/png"),
        b"\x89PNG-bytes",
    );
    let guid = items(&upload(&server, TENANT_TOKEN, "", &form).await)[0]["guid"]
        .as_str()
        .unwrap()
        .to_string();
    let att = get(
        &server,
        Some(TENANT_TOKEN),
        &format!("/open-apis/task/v2/attachments/{guid}"),
    )
    .await
    .json()["data"]["attachment"]
        .clone();
    let resp = client()
        .get(att["url"].as_str().unwrap())
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"\x89PNG-bytes");
}

#[tokio::test]
async fn delete_removes_the_attachment_from_get_list_and_url() {
    let server = server().await;
    let up = upload_names(&server, TASK, &["keep", "drop"]).await;
    let guid = up[1]["guid"].as_str().unwrap();
    let path = format!("/open-apis/task/v2/attachments/{guid}");
    let url = get(&server, Some(TENANT_TOKEN), &path).await.json()["data"]["attachment"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = delete(&server, TENANT_TOKEN, &path).await;
    assert_eq!((resp.status, resp.code()), (200, 0), "{}", resp.text);
    assert_eq!(resp.json()["data"], serde_json::json!({}));
    let again = get(&server, Some(TENANT_TOKEN), &path).await;
    assert_eq!((again.status, again.code()), (404, 1470404));
    let listed = list(&server, TENANT_TOKEN, &format!("resource_id={TASK}")).await;
    let names: Vec<Value> = items(&listed).iter().map(|i| i["name"].clone()).collect();
    assert_eq!(names, ["keep"]);
    let download = read(client().get(&url).send().await.unwrap()).await;
    assert_eq!((download.status, download.code()), (404, 1470404));
    let twice = delete(&server, TENANT_TOKEN, &path).await;
    assert_eq!((twice.status, twice.code()), (404, 1470404));
    assert_eq!(
        server.state().emulator().store.file_count(),
        1,
        "the deleted attachment's bytes are gone"
    );
}

#[tokio::test]
async fn delete_by_a_caller_neither_editor_nor_uploader_answers_1470403() {
    let mut world = World::default_world();
    // The user may edit nothing in this world; the app may edit the seed task.
    for t in &mut world.task.tasks {
        t.editors.retain(|e| e != USER_OPEN_ID);
    }
    let server = MockServer::start(world).await.expect("server");
    let guid = upload_names(&server, TASK, &["x"]).await[0]["guid"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/open-apis/task/v2/attachments/{guid}");
    let resp = delete(&server, USER_TOKEN, &path).await;
    assert_eq!((resp.status, resp.code()), (403, 1470403));
    assert_eq!(get(&server, Some(TENANT_TOKEN), &path).await.status, 200);
}
