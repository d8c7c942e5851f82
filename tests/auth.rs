//! Tokens (FEISHU_FACTS §1), Bearer checking (§2), envelope and headers (§3), unknown routes.

mod common;

use common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const UPLOAD_ALL: &str = "/open-apis/drive/v1/medias/upload_all";
const TENANT: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const APP: &str = "/open-apis/auth/v3/app_access_token/internal";

fn credentials() -> serde_json::Value {
    json!({"app_id": "cli_mock", "app_secret": "mock-secret"})
}

async fn tenant_token(server: &feishu_mock::MockServer) -> (String, i64) {
    let resp = post_json(&format!("{}{TENANT}", server.url()), None, &credentials()).await;
    let body = resp.json();
    assert_eq!(body["code"], 0, "{}", resp.text);
    (
        body["tenant_access_token"].as_str().unwrap().to_string(),
        body["expire"].as_i64().unwrap(),
    )
}

fn small_upload() -> RawForm {
    RawForm::new()
        .text("file_name", "a.txt")
        .text("parent_type", "doc_file")
        .text("parent_node", "doccnFivLCfJfblZjGZtxgabcef")
        .text("size", "1")
        .file("file", None, None, b"x")
}

#[tokio::test]
async fn tenant_access_token_is_t_dash_40_hex_at_top_level_with_expire_7200() {
    let server = server().await;
    let resp = post_json(&format!("{}{TENANT}", server.url()), None, &credentials()).await;
    assert_eq!(resp.status, 200);
    let body = resp.json();
    assert_eq!(body["code"], 0);
    assert_eq!(body["msg"], "ok");
    assert!(body.get("data").is_none(), "token fields are top level");
    assert_eq!(body["expire"], 7200);
    let token = body["tenant_access_token"].as_str().unwrap();
    assert_eq!(token.len(), 42);
    assert!(token.starts_with("t-"));
    assert!(token[2..].bytes().all(|b| b.is_ascii_hexdigit()));
}

#[tokio::test]
async fn tenant_token_request_without_content_type_is_accepted_as_python_sends_it() {
    let server = server().await;
    let resp = client()
        .post(format!("{}{TENANT}", server.url()))
        .body(credentials().to_string())
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("content-type").is_some());
    let resp = read(resp).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
}

#[tokio::test]
async fn app_access_token_returns_both_tokens_equal_for_a_self_built_app() {
    let server = server().await;
    let resp = post_json(&format!("{}{APP}", server.url()), None, &credentials()).await;
    let body = resp.json();
    assert_eq!(body["code"], 0);
    assert_eq!(body["expire"], 7200);
    assert!(body["app_access_token"].as_str().unwrap().starts_with("t-"));
    assert_eq!(body["app_access_token"], body["tenant_access_token"]);
}

#[tokio::test]
async fn token_is_reused_while_at_least_30_minutes_remain() {
    let server = server().await;
    let (first, _) = tenant_token(&server).await;
    // 5390 s later 1810 s remain: the same token with a smaller expire.
    server.state().emulator().store.advance_clock_ms(5_390_000);
    let (again, expire) = tenant_token(&server).await;
    assert_eq!(again, first);
    assert!((1800..=1810).contains(&expire), "expire {expire}");
}

#[tokio::test]
async fn below_30_minutes_a_new_token_is_minted_and_the_old_one_stays_valid() {
    let server = server().await;
    let (first, _) = tenant_token(&server).await;
    // 5410 s later 1790 s remain: a new token.
    server.state().emulator().store.advance_clock_ms(5_410_000);
    let (second, expire) = tenant_token(&server).await;
    assert_ne!(second, first);
    assert_eq!(expire, 7200);
    for token in [&first, &second] {
        let resp = post_form(
            &format!("{}{UPLOAD_ALL}", server.url()),
            Some(token),
            &small_upload(),
        )
        .await;
        assert_eq!(resp.code(), 0, "{}", resp.text);
    }
}

#[tokio::test]
async fn a_minted_token_expires_after_its_expire_with_99991663() {
    let server = server().await;
    let (token, expire) = tenant_token(&server).await;
    server
        .state()
        .emulator()
        .store
        .advance_clock_ms(expire * 1000 - 5_000);
    let url = format!("{}{UPLOAD_ALL}", server.url());
    assert_eq!(
        post_form(&url, Some(&token), &small_upload()).await.code(),
        0
    );
    server.state().emulator().store.advance_clock_ms(10_000);
    let resp = post_form(&url, Some(&token), &small_upload()).await;
    assert_eq!(resp.code(), 99991663);
    assert_eq!(resp.status, 400);
}

#[tokio::test]
async fn preissued_doc_tokens_never_expire() {
    let server = server().await;
    server
        .state()
        .emulator()
        .store
        .advance_clock_ms(365 * 24 * 3600 * 1000);
    let url = format!("{}{UPLOAD_ALL}", server.url());
    for token in [TENANT_TOKEN, TENANT_TOKEN_2, USER_TOKEN] {
        let resp = post_form(&url, Some(token), &small_upload()).await;
        assert_eq!(resp.code(), 0, "{token}: {}", resp.text);
    }
}

#[tokio::test]
async fn wrong_secret_unknown_app_or_malformed_body_get_10003() {
    let server = server().await;
    for path in [TENANT, APP] {
        for body in [
            json!({"app_id": "cli_mock", "app_secret": "wrong"}),
            json!({"app_id": "cli_nobody", "app_secret": "mock-secret"}),
            json!({"app_id": "cli_mock"}),
            json!({"app_id": 1, "app_secret": "mock-secret"}),
            json!([]),
        ] {
            let resp = post_json(&format!("{}{path}", server.url()), None, &body).await;
            assert_eq!(resp.status, 200, "{path} {body}");
            assert_eq!(resp.code(), 10003, "{path} {body}");
            assert_eq!(resp.json()["msg"], "invalid param");
            assert_eq!(resp.json()["data"], json!({}));
        }
        let resp = read(
            client()
                .post(format!("{}{path}", server.url()))
                .body("{not json")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(resp.code(), 10003);
    }
}

#[tokio::test]
async fn missing_authorization_gets_99991661_before_any_parameter_is_read() {
    let server = server().await;
    let resp = post_form(
        &format!("{}{UPLOAD_ALL}", server.url()),
        None,
        &RawForm::new(),
    )
    .await;
    assert_eq!(resp.code(), 99991661);
    assert_eq!(resp.status, 400);
    assert_eq!(
        resp.json()["msg"],
        "Missing access token for authorization. Please make a request with token attached."
    );
}

#[tokio::test]
async fn authorization_without_bearer_prefix_or_token_gets_99991661() {
    let server = server().await;
    for header in [
        format!("Basic {TENANT_TOKEN}"),
        TENANT_TOKEN.to_string(),
        "Bearer ".to_string(),
        "bearer x".to_string(),
    ] {
        let form = small_upload();
        let resp = post_form_with(
            &format!("{}{UPLOAD_ALL}", server.url()),
            &[("Authorization", &header)],
            &form,
        )
        .await;
        assert_eq!(resp.code(), 99991661, "{header}");
    }
}

#[tokio::test]
async fn unknown_tenant_token_gets_99991663_whatever_the_body() {
    let server = server().await;
    let resp = read(
        client()
            .post(format!("{}{UPLOAD_ALL}", server.url()))
            .header(
                "Authorization",
                "Bearer t-0000000000000000000000000000000000000000",
            )
            .header("Content-Type", "multipart/form-data; boundary=x")
            .body("definitely not multipart")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(resp.code(), 99991663);
    assert_eq!(resp.status, 400);
    assert_eq!(
        resp.json()["msg"],
        "Invalid access token for authorization. Please make a request with token attached."
    );
}

#[tokio::test]
async fn unknown_user_token_gets_99991668() {
    let server = server().await;
    for token in ["u-doesnotexist", "eyJhbGciOiJFUzI1NiJ9.e30.sig"] {
        let resp = post_form(
            &format!("{}{UPLOAD_ALL}", server.url()),
            Some(token),
            &small_upload(),
        )
        .await;
        assert_eq!(resp.code(), 99991668, "{token}");
        assert_eq!(resp.status, 400);
    }
}

#[tokio::test]
async fn app_without_the_endpoint_scopes_gets_99991672_naming_them() {
    let server = server().await;
    let resp = post_json(
        &format!("{}{TENANT}", server.url()),
        None,
        &json!({"app_id": "cli_mock_noscope", "app_secret": "mock-secret"}),
    )
    .await;
    let token = resp.json()["tenant_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = post_form(
        &format!("{}{UPLOAD_ALL}", server.url()),
        Some(&token),
        &small_upload(),
    )
    .await;
    assert_eq!(resp.code(), 99991672);
    assert_eq!(resp.status, 400);
    let body = resp.json();
    let msg = body["msg"].as_str().unwrap();
    assert!(msg.starts_with("Access denied. One of the following scopes is required: [bitable:app, docs:doc, docs:document.media:upload, drive:drive, sheets:spreadsheet]."), "{msg}");
    let subjects: Vec<&str> = body["error"]["permission_violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            assert_eq!(v["type"], "action_scope_required");
            v["subject"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        subjects,
        [
            "bitable:app",
            "docs:doc",
            "docs:document.media:upload",
            "drive:drive",
            "sheets:spreadsheet"
        ]
    );
    assert_eq!(server.state().emulator().store.file_count(), 0);
}

#[tokio::test]
async fn error_bodies_carry_log_id_and_troubleshooter_matching_x_tt_logid() {
    let server = server().await;
    let resp = post_form(
        &format!("{}{UPLOAD_ALL}", server.url()),
        None,
        &small_upload(),
    )
    .await;
    let body = resp.json();
    let log_id = body["error"]["log_id"].as_str().unwrap();
    assert_eq!(resp.header("x-tt-logid").as_deref(), Some(log_id));
    assert!(body["error"]["troubleshooter"]
        .as_str()
        .unwrap()
        .contains(log_id));
    assert_eq!(log_id.len(), 34);
    assert!(log_id[..14].bytes().all(|b| b.is_ascii_digit()));
}

#[tokio::test]
async fn json_answers_are_application_json_charset_utf_8() {
    let server = server().await;
    let resp = post_json(&format!("{}{TENANT}", server.url()), None, &credentials()).await;
    assert_eq!(
        resp.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
}

/// Sends a raw HTTP/1.1 request and returns the raw response head, so header casing is visible.
async fn raw_head(server: &feishu_mock::MockServer, request: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf).to_string()
}

#[tokio::test]
async fn x_tt_logid_is_sent_in_exactly_that_casing_on_every_response() {
    let server = server().await;
    let body = credentials().to_string();
    for request in [
        format!(
            "POST {TENANT} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        format!("POST {UPLOAD_ALL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
        "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_string(),
    ] {
        let head = raw_head(&server, &request).await;
        assert!(head.contains("\r\nX-Tt-Logid: "), "{head}");
    }
}

#[tokio::test]
async fn unknown_route_gets_404_text_plain_404_page_not_found() {
    let server = server().await;
    let resp = read(
        client()
            .get(format!("{}/open-apis/nothing/here", server.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.text, "404 page not found");
    assert!(resp
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    assert!(resp.header("x-tt-logid").is_some());
}

#[tokio::test]
async fn wrong_method_on_a_known_path_gets_404_page_not_found() {
    let server = server().await;
    for method in [reqwest::Method::GET, reqwest::Method::PUT] {
        let resp = read(
            client()
                .request(method.clone(), format!("{}{UPLOAD_ALL}", server.url()))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(resp.status, 404, "{method}");
        assert_eq!(resp.text, "404 page not found");
    }
}

#[tokio::test]
async fn auth_error_response_shape_snapshot() {
    let server = seeded_server(42).await;
    let resp = post_form(
        &format!("{}{UPLOAD_ALL}", server.url()),
        Some("t-unknown"),
        &small_upload(),
    )
    .await;
    assert_snapshot_json!("auth_99991663", snapshot_of(&resp));
}

#[tokio::test]
async fn token_response_shape_snapshot() {
    let server = seeded_server(42).await;
    let resp = post_json(&format!("{}{TENANT}", server.url()), None, &credentials()).await;
    assert_snapshot_json!("auth_tenant_access_token", snapshot_of(&resp));
}
