//! The test control plane under `/__mock/`: health, reset, journal, files, world, errors on
//! demand, fault rules, quotas, clock and loose mode.

mod common;

use common::*;
use feishu_mock::state::store::Options;
use feishu_mock::Config;
use serde_json::{json, Value};

const UPLOAD_ALL: &str = "/open-apis/drive/v1/medias/upload_all";
const DOC_NODE: &str = "doccnFivLCfJfblZjGZtxgabcef";

fn upload_form(bytes: &[u8]) -> RawForm {
    RawForm::new()
        .text("file_name", "a.txt")
        .text("parent_type", "doc_file")
        .text("parent_node", DOC_NODE)
        .text("size", &bytes.len().to_string())
        .file("file", Some("a.txt"), Some("text/plain"), bytes)
}

async fn upload(server: &feishu_mock::MockServer, bytes: &[u8]) -> Resp {
    post_form(
        &format!("{}{UPLOAD_ALL}", server.url()),
        Some(TENANT_TOKEN),
        &upload_form(bytes),
    )
    .await
}

async fn get(url: String) -> Resp {
    read(client().get(url).send().await.unwrap()).await
}

async fn admin(
    server: &feishu_mock::MockServer,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Resp {
    let mut req = client().request(method.parse().unwrap(), format!("{}{path}", server.url()));
    if let Some(b) = body {
        req = req.json(&b);
    }
    read(req.send().await.unwrap()).await
}

async fn forced(server: &feishu_mock::MockServer, code: &str) -> Resp {
    let form = upload_form(b"x");
    post_form_with(
        &format!("{}{UPLOAD_ALL}", server.url()),
        &[
            ("Authorization", &format!("Bearer {TENANT_TOKEN}")),
            ("X-Mock-Error-Code", code),
        ],
        &form,
    )
    .await
}

#[tokio::test]
async fn health_answers_200_once_the_world_is_loaded() {
    let server = server().await;
    let resp = get(format!("{}/__mock/health", server.url())).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["status"], "ok");
}

#[tokio::test]
async fn reset_restores_the_loaded_world_and_clears_files_tokens_journal_faults_and_clock() {
    let server = server().await;
    let token = upload(&server, b"abc").await.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    let minted = mint_tenant_token(&server, "cli_mock", "mock-secret").await;
    admin(
        &server,
        "POST",
        "/__mock/world",
        Some(json!({"drive": {"nodes": [{"token": "doccnAddedLater", "type": "doc"}]}})),
    )
    .await;
    admin(
        &server,
        "POST",
        "/__mock/faults",
        Some(json!({"endpoint": "drive.media.upload_all", "error_code": 1061045})),
    )
    .await;
    admin(
        &server,
        "POST",
        "/__mock/clock",
        Some(json!({"advance_seconds": 3600})),
    )
    .await;

    let resp = admin(&server, "POST", "/__mock/reset", None).await;
    assert_eq!(resp.status, 200);

    let emulator = server.state().emulator();
    assert!(emulator.store.file(&token).is_none(), "files cleared");
    assert!(
        emulator.store.live_token(&minted).is_none(),
        "minted tokens cleared"
    );
    assert!(
        emulator.store.live_token(TENANT_TOKEN).is_some(),
        "pre-issued tokens restored"
    );
    assert!(
        emulator.families.drive.node("doccnAddedLater").is_none(),
        "runtime world dropped"
    );
    assert!(emulator.faults.list().is_empty(), "faults cleared");
    assert!(
        emulator.journal.list(None, None).is_empty(),
        "journal cleared"
    );
    let now = emulator.store.now_ms();
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!((now - wall).abs() < 60_000, "clock back to real time");
    assert_eq!(
        upload(&server, b"x").await.code(),
        0,
        "faults no longer fire"
    );
}

#[tokio::test]
async fn journal_records_each_request_with_parts_but_never_bytes() {
    let server = server().await;
    upload(&server, b"hello").await;
    forced(&server, "1061044").await;
    get(format!("{}/nowhere", server.url())).await;
    let resp = get(format!("{}/__mock/requests", server.url())).await;
    let entries = resp.json()["requests"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 3);
    let first = &entries[0];
    assert_eq!(first["method"], "POST");
    assert_eq!(first["path"], UPLOAD_ALL);
    assert_eq!(first["endpoint"], "drive.media.upload_all");
    assert_eq!(first["caller"], "app:cli_mock");
    assert_eq!(first["status"], 200);
    assert_eq!(first["code"], 0);
    assert_eq!(first["log_id"].as_str().unwrap().len(), 34);
    let part = &first["parts"][0];
    assert_eq!(part["name"], "file");
    assert_eq!(part["filename"], "a.txt");
    assert_eq!(part["size"], 5);
    assert_eq!(part["content_type"], "text/plain");
    // sha256("hello")
    assert_eq!(
        part["sha256"],
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert!(!resp.text.contains("hello"), "bytes never appear");
    assert_eq!(entries[1]["code"], 1061044);
    assert_eq!(entries[2]["status"], 404);
}

#[tokio::test]
async fn journal_filters_by_endpoint_and_code() {
    let server = server().await;
    upload(&server, b"a").await;
    forced(&server, "1061044").await;
    let by_code = get(format!("{}/__mock/requests?code=1061044", server.url())).await;
    assert_eq!(by_code.json()["requests"].as_array().unwrap().len(), 1);
    let by_endpoint = get(format!(
        "{}/__mock/requests?endpoint=drive.media.upload_all",
        server.url()
    ))
    .await;
    assert_eq!(by_endpoint.json()["requests"].as_array().unwrap().len(), 2);
    let none = get(format!(
        "{}/__mock/requests?endpoint=okr.image.upload",
        server.url()
    ))
    .await;
    assert_eq!(none.json()["requests"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn journal_is_capped_at_journal_limit_entries() {
    let server = server_with(Config {
        options: Options {
            journal_limit: 2,
            rate_limits: false,
            ..Options::default()
        },
        ..Config::default()
    })
    .await;
    for _ in 0..5 {
        get(format!("{}/nowhere", server.url())).await;
    }
    let resp = get(format!("{}/__mock/requests", server.url())).await;
    assert_eq!(resp.json()["requests"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn files_lists_metadata_and_serves_raw_bytes_of_what_was_stored() {
    let server = server().await;
    let token = upload(&server, b"raw bytes").await.json()["data"]["file_token"]
        .as_str()
        .unwrap()
        .to_string();
    let list = get(format!("{}/__mock/files", server.url())).await.json();
    let meta = &list["files"][0];
    assert_eq!(meta["file_token"], token.as_str());
    assert_eq!(meta["size"], 9);
    assert_eq!(meta["endpoint"], "drive.media.upload_all");
    assert_eq!(meta["parent"], DOC_NODE);
    let raw = get(format!("{}/__mock/files/{token}", server.url())).await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.text, "raw bytes");
    assert_eq!(raw.header("content-type").as_deref(), Some("text/plain"));
    let missing = get(format!("{}/__mock/files/boxcnNope", server.url())).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn world_adds_apps_and_drive_nodes_at_runtime() {
    let server = server().await;
    let resp = admin(
        &server,
        "POST",
        "/__mock/world",
        Some(json!({
            "apps": [{"app_id": "cli_late", "app_secret": "s", "scopes": ["drive:drive"]}],
            "drive": {"nodes": [{"token": "doxcnLate", "type": "docx"}]}
        })),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let token = mint_tenant_token(&server, "cli_late", "s").await;
    let form = RawForm::new()
        .text("file_name", "a")
        .text("parent_type", "docx_image")
        .text("parent_node", "doxcnLate")
        .text("size", "1")
        .file("file", None, None, b"x");
    let resp = post_form(
        &format!("{}{UPLOAD_ALL}", server.url()),
        Some(&token),
        &form,
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
}

#[tokio::test]
async fn world_refuses_a_fragment_that_is_not_the_world_format() {
    let server = server().await;
    let resp = admin(&server, "POST", "/__mock/world", Some(json!({"appz": []}))).await;
    assert_eq!(resp.status, 400);
}

#[tokio::test]
async fn x_mock_error_code_answers_that_documented_code_with_its_status_and_msg() {
    let server = server().await;
    for (code, status, msg) in [
        ("1061045", 200, "can retry."),
        ("1061001", 200, "internal error."),
        ("1062004", 202, "cover generating."),
        ("1061004", 403, "forbidden."),
        ("1061005", 401, "auth failed."),
    ] {
        let resp = forced(&server, code).await;
        assert_eq!(resp.status, status, "{code}");
        assert_eq!(resp.json()["code"], code.parse::<i64>().unwrap());
        assert_eq!(resp.json()["msg"], msg);
    }
    assert_eq!(
        server.state().emulator().store.file_count(),
        0,
        "forced errors store nothing"
    );
}

#[tokio::test]
async fn x_mock_error_code_comes_after_authentication() {
    let server = server().await;
    let form = upload_form(b"x");
    let resp = post_form_with(
        &format!("{}{UPLOAD_ALL}", server.url()),
        &[("X-Mock-Error-Code", "1061045")],
        &form,
    )
    .await;
    assert_eq!(resp.code(), 99991661);
}

#[tokio::test]
async fn x_mock_error_code_the_endpoint_does_not_document_gets_a_400_listing_its_codes() {
    let server = server().await;
    for code in ["1470400", "abc"] {
        let resp = forced(&server, code).await;
        assert_eq!(resp.status, 400);
        let body = resp.json();
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("does not document")
                || body["error"].as_str().unwrap().contains("not a code")
        );
        let codes = body["documented_codes"].as_array().unwrap();
        assert_eq!(codes.len(), 35);
        assert!(codes.contains(&json!(1061045)));
    }
}

#[tokio::test]
async fn a_fault_rule_with_times_n_fires_exactly_n_times() {
    let server = server().await;
    let rule = admin(
        &server,
        "POST",
        "/__mock/faults",
        Some(json!({"endpoint": "drive.media.upload_all", "error_code": 1061045, "times": 3})),
    )
    .await;
    assert_eq!(rule.status, 200, "{}", rule.text);
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(upload(&server, b"x").await.code());
    }
    assert_eq!(codes, [1061045, 1061045, 1061045, 0, 0]);
    let listed = get(format!("{}/__mock/faults", server.url())).await.json();
    assert_eq!(listed["faults"][0]["fired"], 3);
}

#[tokio::test]
async fn a_fault_rule_matches_only_its_app_when_it_names_one() {
    let server = server().await;
    admin(
        &server,
        "POST",
        "/__mock/faults",
        Some(json!({"endpoint": "drive.media.upload_all", "app_id": "cli_other", "error_code": 1061045})),
    )
    .await;
    assert_eq!(upload(&server, b"x").await.code(), 0);
}

#[tokio::test]
async fn fault_rules_with_a_probability_repeat_under_the_same_seed() {
    async fn run() -> Vec<i64> {
        let server = server_with(Config {
            seed: Some(5),
            options: rule_test_options(),
            ..Config::default()
        })
        .await;
        admin(
            &server,
            "POST",
            "/__mock/faults",
            Some(json!({"endpoint": "drive.media.upload_all", "error_code": 1061045, "probability": 0.5})),
        )
        .await;
        let mut codes = Vec::new();
        for _ in 0..16 {
            codes.push(upload(&server, b"x").await.code());
        }
        codes
    }
    let first = run().await;
    assert_eq!(first, run().await);
    assert!(first.contains(&0) && first.contains(&1061045), "{first:?}");
}

#[tokio::test]
async fn a_fault_rule_can_reset_the_connection() {
    let server = server().await;
    admin(
        &server,
        "POST",
        "/__mock/faults",
        Some(json!({"endpoint": "drive.media.upload_all", "reset_connection": true, "times": 1})),
    )
    .await;
    let form = upload_form(b"x");
    let first = client()
        .post(format!("{}{UPLOAD_ALL}", server.url()))
        .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
        .header("Content-Type", form.content_type())
        .body(form.body())
        .send()
        .await;
    assert!(first.is_err(), "the connection is closed without an answer");
    assert_eq!(upload(&server, b"x").await.code(), 0);
    assert_eq!(server.state().emulator().store.file_count(), 1);
}

#[tokio::test]
async fn a_fault_rule_can_add_a_delay_and_still_answer() {
    let server = server().await;
    admin(
        &server,
        "POST",
        "/__mock/faults",
        Some(json!({"endpoint": "drive.media.upload_all", "delay_ms": 20, "times": 1})),
    )
    .await;
    assert_eq!(upload(&server, b"x").await.code(), 0);
}

#[tokio::test]
async fn fault_rules_are_listed_and_cleared() {
    let server = server().await;
    admin(
        &server,
        "POST",
        "/__mock/faults",
        Some(json!({"endpoint": "drive.media.upload_all", "error_code": 1061045})),
    )
    .await;
    assert_eq!(
        get(format!("{}/__mock/faults", server.url())).await.json()["faults"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    admin(&server, "DELETE", "/__mock/faults", None).await;
    assert_eq!(
        get(format!("{}/__mock/faults", server.url())).await.json()["faults"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(upload(&server, b"x").await.code(), 0);
}

#[tokio::test]
async fn a_fault_rule_with_an_undocumented_code_or_unknown_endpoint_is_refused() {
    let server = server().await;
    let resp = admin(
        &server,
        "POST",
        "/__mock/faults",
        Some(json!({"endpoint": "drive.media.upload_all", "error_code": 1470400})),
    )
    .await;
    assert_eq!(resp.status, 400);
    assert!(resp.json()["documented_codes"]
        .as_array()
        .unwrap()
        .contains(&json!(1061002)));
    let resp = admin(
        &server,
        "POST",
        "/__mock/faults",
        Some(json!({"endpoint": "nope", "error_code": 1})),
    )
    .await;
    assert_eq!(resp.status, 400);
}

#[tokio::test]
async fn the_sixth_drive_upload_in_one_second_gets_99991400_and_the_first_after_a_clock_advance_succeeds(
) {
    let server = server_with(Config::default()).await;
    // Start at the beginning of a fresh second so all six fall in one window.
    let now = server.state().emulator().store.now_ms();
    server
        .state()
        .emulator()
        .store
        .advance_clock_ms(1000 - now.rem_euclid(1000));
    // Freeze: each request takes far less than the ~1 s left in the window only if the
    // machine is fast; advancing to the start of a second gives the full second.
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(upload(&server, b"x").await);
    }
    let sixth = codes.pop().unwrap();
    for c in &codes {
        assert_eq!(c.code(), 0, "{}", c.text);
    }
    assert_eq!(sixth.code(), 99991400);
    assert_eq!(sixth.status, 429);
    assert_eq!(sixth.json()["msg"], "request trigger frequency limit");
    assert_eq!(sixth.header("x-ogw-ratelimit-limit").as_deref(), Some("5"));
    let reset: i64 = sixth
        .header("x-ogw-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(reset, 1);
    admin(
        &server,
        "POST",
        "/__mock/clock",
        Some(json!({"advance_seconds": 1})),
    )
    .await;
    assert_eq!(upload(&server, b"x").await.code(), 0);
}

#[tokio::test]
async fn rate_limits_are_per_app() {
    let server = server_with(Config::default()).await;
    let now = server.state().emulator().store.now_ms();
    server
        .state()
        .emulator()
        .store
        .advance_clock_ms(1000 - now.rem_euclid(1000));
    for _ in 0..5 {
        upload(&server, b"x").await;
    }
    let resp = post_form(
        &format!("{}{UPLOAD_ALL}", server.url()),
        Some(USER_TOKEN),
        &upload_form(b"x"),
    )
    .await;
    assert_eq!(
        resp.code(),
        99991400,
        "a user token of the same app shares its quota"
    );
    admin(
        &server,
        "POST",
        "/__mock/world",
        Some(json!({"apps": [{"app_id": "cli_b", "app_secret": "s", "scopes": ["drive:drive"]}]})),
    )
    .await;
    let token = mint_tenant_token(&server, "cli_b", "s").await;
    let resp = post_form(
        &format!("{}{UPLOAD_ALL}", server.url()),
        Some(&token),
        &upload_form(b"x"),
    )
    .await;
    assert_eq!(resp.code(), 0, "another app has its own quota");
}

#[tokio::test]
async fn no_rate_limits_turns_quotas_off() {
    let server = server().await;
    for _ in 0..8 {
        assert_eq!(upload(&server, b"x").await.code(), 0);
    }
}

#[tokio::test]
async fn a_token_expires_after_a_clock_advance_with_99991663() {
    let server = server().await;
    let token = mint_tenant_token(&server, "cli_mock", "mock-secret").await;
    let resp = admin(
        &server,
        "POST",
        "/__mock/clock",
        Some(json!({"advance_seconds": 7201})),
    )
    .await;
    assert_eq!(resp.status, 200);
    let resp = post_form(
        &format!("{}{UPLOAD_ALL}", server.url()),
        Some(&token),
        &upload_form(b"x"),
    )
    .await;
    assert_eq!(resp.code(), 99991663);
}

#[tokio::test]
async fn clock_refuses_a_negative_or_missing_advance() {
    let server = server().await;
    for body in [
        json!({"advance_seconds": -1}),
        json!({}),
        json!({"advance_seconds": "10"}),
    ] {
        let resp = admin(&server, "POST", "/__mock/clock", Some(body.clone())).await;
        assert_eq!(resp.status, 400, "{body}");
    }
}

#[tokio::test]
async fn loose_mode_creates_an_unknown_drive_node_on_first_use() {
    let strict = server().await;
    let form = RawForm::new()
        .text("file_name", "a")
        .text("parent_type", "docx_image")
        .text("parent_node", "doxcnMadeUp")
        .text("size", "1")
        .file("file", None, None, b"x");
    let resp = post_form(
        &format!("{}{UPLOAD_ALL}", strict.url()),
        Some(TENANT_TOKEN),
        &form,
    )
    .await;
    assert_eq!(resp.code(), 1061044, "strict is the default");
    let loose = server_with(Config {
        options: Options {
            loose: true,
            rate_limits: false,
            ..Options::default()
        },
        ..Config::default()
    })
    .await;
    let resp = post_form(
        &format!("{}{UPLOAD_ALL}", loose.url()),
        Some(TENANT_TOKEN),
        &form,
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    assert_eq!(
        loose
            .state()
            .emulator()
            .families
            .drive
            .node("doxcnMadeUp")
            .unwrap()
            .node_type,
        "docx"
    );
}

#[tokio::test]
async fn unknown_control_route_is_a_404_of_the_control_plane() {
    let server = server().await;
    let resp = get(format!("{}/__mock/nothing", server.url())).await;
    assert_eq!(resp.status, 404);
    assert!(resp.json()["error"].is_string());
}

#[tokio::test]
async fn every_endpoint_answers_a_forced_code_with_its_documented_status_and_msg() {
    let server = server().await;
    let project_token = plugin_token(&server).await;
    let cases = [
        (
            "/open-apis/okr/v1/images/upload",
            "1009999",
            500,
            "internal server error",
        ),
        (
            "/open-apis/okr/v1/progress_records",
            "1009998",
            500,
            "system exception",
        ),
        (
            "/open-apis/task/v2/attachments/upload",
            "1470500",
            500,
            "服务器错误。",
        ),
        (UPLOAD_ALL, "1061045", 200, "can retry."),
    ];
    for (path, code, status, msg) in cases {
        let resp = read(
            client()
                .post(format!("{}{path}", server.url()))
                .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
                .header("X-Mock-Error-Code", code)
                .body("not even a valid body")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(resp.status, status, "{path}: {}", resp.text);
        assert_eq!(resp.json()["code"], code.parse::<i64>().unwrap(), "{path}");
        assert_eq!(resp.json()["msg"], msg, "{path}");
    }
    let spec =
        feishu_mock::contract::spec::Catalogue::get().endpoint("project.work_item.file.upload");
    let row = spec.error(1000050262).unwrap();
    let resp = read(
        client()
            .post(format!(
                "{}/open_api/doc/work_item/story/6437110001/file/upload",
                server.url()
            ))
            .header("X-PLUGIN-TOKEN", project_token)
            .header("X-USER-KEY", "7000000000000000001")
            .header("X-Mock-Error-Code", "1000050262")
            .body("not multipart")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(resp.status, row.http, "{}", resp.text);
    assert_eq!(resp.json()["err_code"], 1000050262);
    assert_eq!(resp.json()["err"]["msg"], "Upload File Fail");
    assert_eq!(server.state().emulator().store.file_count(), 0);
}

#[tokio::test]
async fn loose_mode_creates_unknown_okr_targets_tasks_and_work_items_on_first_use() {
    let loose = server_with(Config {
        options: Options {
            loose: true,
            rate_limits: false,
            ..Options::default()
        },
        ..Config::default()
    })
    .await;
    let strict = server().await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let okr = RawForm::new()
        .file("data", None, None, png)
        .text("target_id", "1234567890123456789")
        .text("target_type", "3");
    let task = RawForm::new()
        .text("resource_id", "11111111-2222-3333-4444-555555555555")
        .file("file", Some("a.txt"), None, b"x");
    for (server, want_ok) in [(&loose, true), (&strict, false)] {
        let r = post_form(
            &format!("{}/open-apis/okr/v1/images/upload", server.url()),
            Some(TENANT_TOKEN),
            &okr,
        )
        .await;
        assert_eq!(r.code() == 0, want_ok, "okr: {}", r.text);
        let r = post_form(
            &format!("{}/open-apis/task/v2/attachments/upload", server.url()),
            Some(USER_TOKEN),
            &task,
        )
        .await;
        assert_eq!(r.code() == 0, want_ok, "task: {}", r.text);
        let token = plugin_token(server).await;
        let form = RawForm::new().text("field_key", "field_attachment").file(
            "file",
            Some("a.txt"),
            Some("text/plain"),
            b"x",
        );
        let r = post_project_form(
            &format!(
                "{}/open_api/doc/work_item/story/6437119999/file/upload",
                server.url()
            ),
            Some(&token),
            Some("7000000000000000001"),
            &form,
        )
        .await;
        assert_eq!(r.json()["err_code"] == 0, want_ok, "project: {}", r.text);
    }
}
