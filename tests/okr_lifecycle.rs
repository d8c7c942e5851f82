//! OKR progress records after create (FOLLOWUP_APIS §3): `GET`, `PUT` and `DELETE
//! /open-apis/okr/v1/progress_records/:progress_id` — their app types, the six-row error table,
//! update's body read with create's own rules, who may change a record (assumed), and a deleted
//! record being gone.

mod common;

use common::*;
use feishu_mock::contract::spec::Catalogue;
use feishu_mock::state::store::{Options, Retain};
use feishu_mock::state::world::{App, PreissuedToken, PreissuedUserToken};
use feishu_mock::{Config, MockServer, World};
use serde_json::{json, Value};

const RECORDS: &str = "/open-apis/okr/v1/progress_records";
const OBJECTIVE: &str = "6974586812998174252";
const KEY_RESULT: &str = "7041430377642082323";
const WORLD_IMAGE: &str = "boxbcMTBQO9ofLjWkDuPxkxOA2c";
const COLLEAGUE: &str = "ou_3bbe8a09c20e89cce9bff989ed840674";
/// A store app (`isv`) with every OKR scope.
const ISV_TOKEN: &str = "t-15v0000000000000000000000000000000000000";
/// A second self-built app with every OKR scope (not the one that creates the records).
const OTHER_APP_TOKEN: &str = "t-07he000000000000000000000000000000000000";
/// A user token of the objectives' owner, issued through the other app.
const OWNER_VIA_OTHER_APP: &str = "u-owner000000000000000000000000";
/// A user token of the colleague (who owns no objective), issued through the other app.
const COLLEAGUE_VIA_OTHER_APP: &str = "u-colleague000000000000000000000";
/// A self-built app with only the read scope.
const READER_TOKEN: &str = "t-reader00000000000000000000000000000000";

fn okr_scopes() -> Vec<String> {
    vec![
        "okr:okr".into(),
        "okr:okr.progress.file:upload".into(),
        "okr:okr.progress:writeonly".into(),
    ]
}

fn world() -> World {
    let mut w = World::default_world();
    for (app_id, app_type, scopes, token) in [
        ("cli_isv", "isv", okr_scopes(), ISV_TOKEN),
        ("cli_other", "custom", okr_scopes(), OTHER_APP_TOKEN),
        (
            "cli_reader",
            "custom",
            vec!["okr:okr.progress:readonly".to_string()],
            READER_TOKEN,
        ),
    ] {
        w.apps.push(App {
            app_id: app_id.into(),
            app_secret: "secret".into(),
            app_type: app_type.into(),
            name: app_id.into(),
            scopes,
        });
        w.tenant_access_tokens.push(PreissuedToken {
            token: token.into(),
            app_id: app_id.into(),
        });
    }
    for (token, open_id) in [
        (OWNER_VIA_OTHER_APP, USER_OPEN_ID),
        (COLLEAGUE_VIA_OTHER_APP, COLLEAGUE),
    ] {
        w.user_access_tokens.push(PreissuedUserToken {
            token: token.into(),
            app_id: "cli_other".into(),
            open_id: open_id.into(),
        });
    }
    w
}

async fn server_opts(options: Options, seed: Option<u64>) -> MockServer {
    server_with(Config {
        world: world(),
        seed,
        options,
        ..Config::default()
    })
    .await
}

async fn start() -> MockServer {
    server_opts(rule_test_options(), None).await
}

async fn call(
    server: &MockServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Resp {
    let mut req = client()
        .request(method, format!("{}{path}", server.url()))
        .header("Authorization", format!("Bearer {token}"));
    if let Some(b) = body {
        req = req.json(b);
    }
    read(req.send().await.expect("request sent")).await
}

async fn get(server: &MockServer, id: &str, token: &str) -> Resp {
    call(
        server,
        reqwest::Method::GET,
        &format!("{RECORDS}/{id}"),
        token,
        None,
    )
    .await
}

async fn put(server: &MockServer, id: &str, token: &str, body: &Value) -> Resp {
    call(
        server,
        reqwest::Method::PUT,
        &format!("{RECORDS}/{id}"),
        token,
        Some(body),
    )
    .await
}

async fn delete(server: &MockServer, id: &str, token: &str) -> Resp {
    call(
        server,
        reqwest::Method::DELETE,
        &format!("{RECORDS}/{id}"),
        token,
        None,
    )
    .await
}

fn paragraph(text: &str) -> Value {
    json!({"blocks": [{"type": "paragraph", "paragraph": {"elements": [
        {"type": "textRun", "textRun": {"text": text}}
    ]}}]})
}

/// Creates a record on `target_id` (target_type `target_type`) with `cli_mock` and answers its
/// `data`.
async fn create_on(server: &MockServer, target_id: &str, target_type: i64, rate: Value) -> Value {
    let mut body = json!({
        "source_title": "周报系统",
        "source_url": "https://www.zhoubao.com",
        "target_id": target_id,
        "target_type": target_type,
        "content": paragraph("第一版"),
    });
    if !rate.is_null() {
        body["progress_rate"] = rate;
    }
    let resp = post_json(
        &format!("{}{RECORDS}", server.url()),
        Some(TENANT_TOKEN),
        &body,
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    resp.json()["data"].clone()
}

async fn create(server: &MockServer) -> String {
    let data = create_on(server, OBJECTIVE, 2, json!({"percent": 40, "status": 0})).await;
    data["progress_id"].as_str().unwrap().to_string()
}

fn assert_code(resp: &Resp, code: i64) {
    assert_eq!(resp.code(), code, "{}", resp.text);
    let (status, msg) = match code {
        1001001 => (400, "invalid parameters"),
        1001002 => (400, "no permission"),
        1001003 => (400, "user not found"),
        1001004 => (400, "okr data not found"),
        1009998 => (500, "system exception"),
        1009999 => (500, "internal server error"),
        _ => unreachable!(),
    };
    assert_eq!(resp.status, status, "{}", resp.text);
    assert_eq!(resp.json()["msg"], msg);
    assert!(resp.json().get("data").is_none(), "{}", resp.text);
}

fn record(server: &MockServer, id: &str) -> Option<feishu_mock::families::okr::ProgressRecord> {
    server.state().emulator().families.okr.progress_record(id)
}

// ---------------------------------------------------------------------------------------------
// The contract as data
// ---------------------------------------------------------------------------------------------

#[test]
fn update_reads_content_with_exactly_the_field_rules_of_create() {
    let c = Catalogue::get();
    let create = c.endpoint("okr.progress_record.create");
    let update = c.endpoint("okr.progress_record.update");
    let under = |name: &str| {
        ["user_id_type", "content", "progress_rate"]
            .iter()
            .any(|top| name == *top || name.starts_with(&format!("{top}.")))
    };
    let from_create: Vec<String> = create
        .fields
        .iter()
        .filter(|f| under(&f.name))
        .map(|f| serde_json::to_string(f).unwrap())
        .collect();
    let in_update: Vec<String> = update
        .fields
        .iter()
        .filter(|f| under(&f.name))
        .map(|f| serde_json::to_string(f).unwrap())
        .collect();
    assert!(from_create.len() > 40, "{}", from_create.len());
    assert_eq!(in_update, from_create);
    assert!(update.field("content").required);
    for name in ["source_title", "source_url", "target_id", "target_type"] {
        assert!(
            !update.fields.iter().any(|f| f.name == name),
            "update has no {name}"
        );
    }
}

#[test]
fn get_update_and_delete_document_the_six_rows_of_create() {
    let c = Catalogue::get();
    let create = c.endpoint("okr.progress_record.create");
    for name in [
        "okr.progress_record.get",
        "okr.progress_record.update",
        "okr.progress_record.delete",
    ] {
        let spec = c.endpoint(name);
        let rows: Vec<(u16, i64, &str)> = spec
            .errors
            .iter()
            .map(|e| (e.http, e.code, e.msg.as_str()))
            .collect();
        let want: Vec<(u16, i64, &str)> = create
            .errors
            .iter()
            .map(|e| (e.http, e.code, e.msg.as_str()))
            .collect();
        assert_eq!(rows, want, "{name}");
    }
    assert_eq!(
        c.endpoint("okr.progress_record.get").auth.app_types,
        ["custom", "isv"]
    );
    assert_eq!(
        c.endpoint("okr.progress_record.update").auth.app_types,
        ["custom"]
    );
    assert_eq!(
        c.endpoint("okr.progress_record.delete").scopes,
        ["okr:okr", "okr:okr.progress:delete"]
    );
}

// ---------------------------------------------------------------------------------------------
// GET
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_answers_the_record_as_created() {
    let server = start().await;
    let created = create_on(&server, OBJECTIVE, 2, json!({"percent": 40, "status": 0})).await;
    let id = created["progress_id"].as_str().unwrap();
    let resp = get(&server, id, TENANT_TOKEN).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    assert_eq!(resp.json()["data"], created);
}

#[tokio::test]
async fn get_snapshot_of_a_record() {
    let server = server_opts(rule_test_options(), Some(14)).await;
    let id = create(&server).await;
    let resp = get(&server, &id, TENANT_TOKEN).await;
    let mut snap = snapshot_of(&resp);
    snap["body"]["data"]["modify_time"] = json!("[ms]");
    assert_snapshot_json!("okr_progress_record_get", snap);
}

#[tokio::test]
async fn get_is_open_to_store_apps() {
    let server = start().await;
    let id = create(&server).await;
    assert_eq!(get(&server, &id, ISV_TOKEN).await.code(), 0);
}

#[tokio::test]
async fn get_is_open_to_an_app_with_only_a_read_scope() {
    let server = start().await;
    let id = create(&server).await;
    assert_eq!(get(&server, &id, READER_TOKEN).await.code(), 0);
}

#[tokio::test]
async fn update_needs_a_write_scope_that_a_read_scope_is_not() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        READER_TOKEN,
        &json!({"content": paragraph("x")}),
    )
    .await;
    assert_eq!(resp.code(), 99991672, "{}", resp.text);
    let resp = delete(&server, &id, READER_TOKEN).await;
    assert_eq!(resp.code(), 99991672, "{}", resp.text);
}

#[tokio::test]
async fn get_of_an_unknown_19_digit_id_answers_1001004() {
    let server = start().await;
    create(&server).await;
    assert_code(
        &get(&server, "7041857032248410131", TENANT_TOKEN).await,
        1001004,
    );
}

#[tokio::test]
async fn get_of_an_id_that_is_not_1_to_19_digits_answers_1001001() {
    let server = start().await;
    for bad in ["70418570322484101310", "abc", "-1", "1.5"] {
        assert_code(&get(&server, bad, TENANT_TOKEN).await, 1001001);
    }
    // The other side of the boundary: 1 and 19 digits are ids (of no record here).
    for ok in ["1", "9999999999999999999"] {
        assert_code(&get(&server, ok, TENANT_TOKEN).await, 1001004);
    }
}

#[tokio::test]
async fn get_validates_user_id_type() {
    let server = start().await;
    let id = create(&server).await;
    let path = |t: &str| format!("{RECORDS}/{id}?user_id_type={t}");
    let bad = call(
        &server,
        reqwest::Method::GET,
        &path("email"),
        TENANT_TOKEN,
        None,
    )
    .await;
    assert_code(&bad, 1001001);
    for t in ["open_id", "union_id", "user_id"] {
        let ok = call(&server, reqwest::Method::GET, &path(t), TENANT_TOKEN, None).await;
        assert_eq!(ok.code(), 0, "{t}: {}", ok.text);
    }
}

#[tokio::test]
async fn get_answers_a_forced_1009999_as_documented() {
    let server = start().await;
    let id = create(&server).await;
    let resp = read(
        client()
            .get(format!("{}{RECORDS}/{id}", server.url()))
            .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
            .header("X-Mock-Error-Code", "1009999")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_code(&resp, 1009999);
}

// ---------------------------------------------------------------------------------------------
// PUT
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn update_replaces_content_and_answers_the_updated_record() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        TENANT_TOKEN,
        &json!({"content": paragraph("第二版")}),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    let data = resp.json()["data"].clone();
    assert_eq!(data["progress_id"], id.as_str());
    assert_eq!(data["content"], paragraph("第二版"));
    assert_eq!(get(&server, &id, TENANT_TOKEN).await.json()["data"], data);
}

#[tokio::test]
async fn update_snapshot_of_an_updated_record() {
    let server = server_opts(rule_test_options(), Some(14)).await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        TENANT_TOKEN,
        &json!({"content": paragraph("第二版"), "progress_rate": {"percent": 75.456, "status": 1}}),
    )
    .await;
    let mut snap = snapshot_of(&resp);
    snap["body"]["data"]["modify_time"] = json!("[ms]");
    assert_snapshot_json!("okr_progress_record_update", snap);
}

#[tokio::test]
async fn update_keeps_progress_rate_when_it_is_omitted() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        TENANT_TOKEN,
        &json!({"content": paragraph("x")}),
    )
    .await;
    assert_eq!(
        resp.json()["data"]["progress_rate"],
        json!({"percent": 40, "status": 0})
    );
}

#[tokio::test]
async fn update_replaces_progress_rate_when_it_is_given() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        TENANT_TOKEN,
        &json!({"content": paragraph("x"), "progress_rate": {"status": 2}}),
    )
    .await;
    assert_eq!(
        resp.json()["data"]["progress_rate"],
        json!({"percent": 0, "status": 2})
    );
}

#[tokio::test]
async fn update_moves_modify_time_on_the_emulator_clock() {
    let server = start().await;
    let created = create_on(&server, OBJECTIVE, 2, Value::Null).await;
    let id = created["progress_id"].as_str().unwrap();
    let before: i64 = created["modify_time"].as_str().unwrap().parse().unwrap();
    server.state().emulator().store.advance_clock_ms(3_600_000);
    let resp = put(
        &server,
        id,
        TENANT_TOKEN,
        &json!({"content": paragraph("x")}),
    )
    .await;
    let after: i64 = resp.json()["data"]["modify_time"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(after >= before + 3_600_000, "{before} → {after}");
}

#[tokio::test]
async fn update_requires_content() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        TENANT_TOKEN,
        &json!({"progress_rate": {"status": 1}}),
    )
    .await;
    assert_code(&resp, 1001001);
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "content"
    );
    let resp = put(&server, &id, TENANT_TOKEN, &json!({"content": null})).await;
    assert_code(&resp, 1001001);
}

#[tokio::test]
async fn update_refuses_a_body_that_is_not_json_with_1001001() {
    let server = start().await;
    let id = create(&server).await;
    let resp = read(
        client()
            .put(format!("{}{RECORDS}/{id}", server.url()))
            .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
            .header("Content-Type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_code(&resp, 1001001);
}

#[tokio::test]
async fn update_applies_creates_indent_level_rule_on_both_sides_of_16() {
    let server = start().await;
    let id = create(&server).await;
    let with_indent = |level: Value| {
        json!({"content": {"blocks": [
            {"type": "paragraph", "paragraph": {"elements": []}},
            {"type": "paragraph", "paragraph": {
                "style": {"list": {"type": "bullet", "indentLevel": level}},
                "elements": [{"type": "textRun", "textRun": {"text": "x"}}]}}
        ]}})
    };
    let resp = put(&server, &id, TENANT_TOKEN, &with_indent(json!(17))).await;
    assert_code(&resp, 1001001);
    assert_eq!(
        resp.json()["error"]["field_violations"][0]["field"],
        "content.blocks[1].paragraph.style.list.indentLevel"
    );
    let resp = put(&server, &id, TENANT_TOKEN, &with_indent(json!(16))).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    let resp = put(&server, &id, TENANT_TOKEN, &with_indent(json!(0))).await;
    assert_code(&resp, 1001001);
    let resp = put(&server, &id, TENANT_TOKEN, &with_indent(json!(1))).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
}

#[tokio::test]
async fn update_answers_the_same_refusal_as_create_for_the_same_content() {
    let server = start().await;
    let id = create(&server).await;
    let bad_content = json!({"blocks": [{"type": "paragraph", "paragraph": {"elements": [
        {"type": "textRun", "textRun": {"text": "x", "style": {"textColor": {"red": 256}}}}
    ]}}]});
    let on_create = post_json(
        &format!("{}{RECORDS}", server.url()),
        Some(TENANT_TOKEN),
        &json!({
            "source_title": "t", "source_url": "https://x", "target_id": OBJECTIVE,
            "target_type": 2, "content": bad_content,
        }),
    )
    .await;
    let on_update = put(&server, &id, TENANT_TOKEN, &json!({"content": bad_content})).await;
    assert_code(&on_update, 1001001);
    assert_eq!(
        on_update.json()["error"]["field_violations"],
        on_create.json()["error"]["field_violations"]
    );
}

#[tokio::test]
async fn update_accepts_snake_case_keys_as_create_does() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        TENANT_TOKEN,
        &json!({"content": {"blocks": [{"type": "paragraph", "paragraph": {"elements": [
            {"type": "textRun", "text_run": {"text": "蛇形"}}
        ]}}]}}),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    assert_eq!(resp.json()["data"]["content"], paragraph("蛇形"));
}

#[tokio::test]
async fn update_ignores_create_only_fields() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        TENANT_TOKEN,
        &json!({"content": paragraph("x"), "source_title": "", "target_type": 9}),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    assert_eq!(record(&server, &id).unwrap().source_title, "周报系统");
}

#[tokio::test]
async fn update_refuses_an_unknown_person_with_1001003() {
    let server = start().await;
    let id = create(&server).await;
    let body = json!({"content": {"blocks": [{"type": "paragraph", "paragraph": {"elements": [
        {"type": "person", "person": {"openId": "ou_nobody"}}
    ]}}]}});
    assert_code(&put(&server, &id, TENANT_TOKEN, &body).await, 1001003);
    let known = json!({"content": {"blocks": [{"type": "paragraph", "paragraph": {"elements": [
        {"type": "person", "person": {"openId": COLLEAGUE}}
    ]}}]}});
    assert_eq!(put(&server, &id, TENANT_TOKEN, &known).await.code(), 0);
}

#[tokio::test]
async fn update_refuses_a_gallery_token_not_issued_with_1001001() {
    let server = start().await;
    let id = create(&server).await;
    let gallery = |token: &str| {
        json!({"content": {"blocks": [{"type": "gallery", "gallery": {"imageList": [
            {"fileToken": token, "width": 10, "height": 10}
        ]}}]}})
    };
    assert_code(
        &put(&server, &id, TENANT_TOKEN, &gallery("boxbcNOTISSUED")).await,
        1001001,
    );
    assert_eq!(
        put(&server, &id, TENANT_TOKEN, &gallery(WORLD_IMAGE))
            .await
            .code(),
        0
    );
}

#[tokio::test]
async fn a_refused_update_leaves_the_record_as_it_was() {
    let server = start().await;
    let id = create(&server).await;
    let before = record(&server, &id).unwrap();
    server.state().emulator().store.advance_clock_ms(1000);
    let bad = json!({"content": {"blocks": [{"type": "table"}]}, "progress_rate": {"status": 1}});
    assert_code(&put(&server, &id, TENANT_TOKEN, &bad).await, 1001001);
    assert_code(
        &put(
            &server,
            &id,
            OTHER_APP_TOKEN,
            &json!({"content": paragraph("x")}),
        )
        .await,
        1001002,
    );
    assert_eq!(record(&server, &id).unwrap(), before);
}

#[tokio::test]
async fn update_of_an_unknown_record_answers_1001004() {
    let server = start().await;
    let resp = put(
        &server,
        "7041857032248410131",
        TENANT_TOKEN,
        &json!({"content": paragraph("x")}),
    )
    .await;
    assert_code(&resp, 1001004);
}

#[tokio::test]
async fn update_by_a_store_app_answers_1001002() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(&server, &id, ISV_TOKEN, &json!({"content": paragraph("x")})).await;
    assert_code(&resp, 1001002);
}

#[tokio::test]
async fn update_by_another_app_answers_1001002() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        OTHER_APP_TOKEN,
        &json!({"content": paragraph("x")}),
    )
    .await;
    assert_code(&resp, 1001002);
}

#[tokio::test]
async fn update_by_the_objectives_owner_through_another_app_is_allowed() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        OWNER_VIA_OTHER_APP,
        &json!({"content": paragraph("x")}),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
}

#[tokio::test]
async fn the_owner_of_a_key_results_objective_may_update_its_records() {
    let server = start().await;
    let data = create_on(&server, KEY_RESULT, 3, Value::Null).await;
    let id = data["progress_id"].as_str().unwrap();
    let resp = put(
        &server,
        id,
        OWNER_VIA_OTHER_APP,
        &json!({"content": paragraph("x")}),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
}

#[tokio::test]
async fn update_by_a_user_who_owns_nothing_through_another_app_answers_1001002() {
    let server = start().await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        COLLEAGUE_VIA_OTHER_APP,
        &json!({"content": paragraph("x")}),
    )
    .await;
    assert_code(&resp, 1001002);
}

#[tokio::test]
async fn update_past_max_stored_bytes_answers_1009998_and_keeps_the_old_record() {
    let options = Options {
        max_stored_bytes: Some(400),
        ..rule_test_options()
    };
    let server = server_opts(options, None).await;
    let id = create(&server).await;
    let before = record(&server, &id).unwrap();
    let big = paragraph(&"长".repeat(200));
    assert_code(
        &put(&server, &id, TENANT_TOKEN, &json!({"content": big})).await,
        1009998,
    );
    assert_eq!(record(&server, &id).unwrap(), before);
    // A replacement of the same size fits: the old content's bytes are released.
    for _ in 0..5 {
        let resp = put(
            &server,
            &id,
            TENANT_TOKEN,
            &json!({"content": paragraph("第一版")}),
        )
        .await;
        assert_eq!(resp.code(), 0, "{}", resp.text);
    }
}

#[tokio::test]
async fn update_under_retain_metadata_keeps_no_content_but_answers_it() {
    let options = Options {
        retain: Retain::Metadata,
        ..rule_test_options()
    };
    let server = server_opts(options, None).await;
    let id = create(&server).await;
    let resp = put(
        &server,
        &id,
        TENANT_TOKEN,
        &json!({"content": paragraph("x")}),
    )
    .await;
    assert_eq!(resp.json()["data"]["content"], paragraph("x"));
    let kept = record(&server, &id).unwrap();
    assert_eq!(kept.content_json, None);
    assert_eq!(kept.content_bytes, paragraph("x").to_string().len() as u64);
}

// ---------------------------------------------------------------------------------------------
// DELETE
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn delete_answers_success_without_data_as_documented() {
    let server = start().await;
    let id = create(&server).await;
    let resp = delete(&server, &id, TENANT_TOKEN).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text, r#"{"code":0,"msg":"success"}"#);
    assert!(resp.header("x-tt-logid").is_some());
}

#[tokio::test]
async fn delete_snapshot() {
    let server = server_opts(rule_test_options(), Some(14)).await;
    let id = create(&server).await;
    let resp = delete(&server, &id, TENANT_TOKEN).await;
    assert_snapshot_json!("okr_progress_record_delete", snapshot_of(&resp));
}

#[tokio::test]
async fn a_deleted_record_is_gone_for_get_update_and_delete() {
    let server = start().await;
    let id = create(&server).await;
    let other = create(&server).await;
    assert_eq!(delete(&server, &id, TENANT_TOKEN).await.code(), 0);
    assert_code(&get(&server, &id, TENANT_TOKEN).await, 1001004);
    assert_code(
        &put(
            &server,
            &id,
            TENANT_TOKEN,
            &json!({"content": paragraph("x")}),
        )
        .await,
        1001004,
    );
    assert_code(&delete(&server, &id, TENANT_TOKEN).await, 1001004);
    let okr = &server.state().emulator().families.okr;
    assert!(okr.progress_record(&id).is_none());
    assert_eq!(okr.progress_record_count(), 1);
    let ids: Vec<String> = okr
        .progress_records()
        .into_iter()
        .map(|r| r.progress_id)
        .collect();
    assert_eq!(ids, vec![other.clone()]);
    assert_eq!(get(&server, &other, TENANT_TOKEN).await.code(), 0);
}

#[tokio::test]
async fn delete_by_another_app_answers_1001002_and_keeps_the_record() {
    let server = start().await;
    let id = create(&server).await;
    assert_code(&delete(&server, &id, OTHER_APP_TOKEN).await, 1001002);
    assert_code(&delete(&server, &id, ISV_TOKEN).await, 1001002);
    assert_code(
        &delete(&server, &id, COLLEAGUE_VIA_OTHER_APP).await,
        1001002,
    );
    assert!(record(&server, &id).is_some());
}

#[tokio::test]
async fn delete_by_the_owner_through_another_app_is_allowed() {
    let server = start().await;
    let id = create(&server).await;
    assert_eq!(delete(&server, &id, OWNER_VIA_OTHER_APP).await.code(), 0);
    assert!(record(&server, &id).is_none());
}

#[tokio::test]
async fn delete_of_an_id_that_is_not_digits_answers_1001001() {
    let server = start().await;
    assert_code(&delete(&server, "x1", TENANT_TOKEN).await, 1001001);
    assert_code(&delete(&server, "1", TENANT_TOKEN).await, 1001004);
}

#[tokio::test]
async fn delete_releases_the_records_bytes_under_max_stored_bytes() {
    let options = Options {
        max_stored_bytes: Some(200),
        ..rule_test_options()
    };
    let server = server_opts(options, None).await;
    let store = &server.state().emulator().store;
    let id = create(&server).await;
    let held = store.stored_bytes();
    assert!(held > 0);
    assert_eq!(delete(&server, &id, TENANT_TOKEN).await.code(), 0);
    assert_eq!(store.stored_bytes(), 0);
}
