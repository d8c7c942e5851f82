//! Feishu Project user plugin tokens, emulated from the official Go SDK (issue 25; assumed —
//! no seed documents them): `POST /open_api/authen/user_plugin_token` and
//! `POST /open_api/authen/refresh_token` as project-oapi-sdk-golang v1.0.25
//! `service/plugin/api.go` calls them, and the control plane's `POST /__mock/project/auth_code`
//! that stands in for the plugin front end's authorization codes.

mod common;

use common::*;
use feishu_mock::MockServer;
use serde_json::{json, Value};

const PLUGIN_ID: &str = "MII_MOCK_PLUGIN";
const PLUGIN_SECRET: &str = "mock-plugin-secret";
const USER_KEY: &str = "7000000000000000001";
const OTHER_USER: &str = "7000000000000000002";
const UPLOAD: &str = "/open_api/68382b399de4b0ec6c5a0001/work_item/story/6437110001/file/upload";

async fn call(s: &MockServer, path: &str, plugin_token: Option<&str>, body: &Value) -> Resp {
    let mut req = client().post(format!("{}{path}", s.url())).json(body);
    if let Some(t) = plugin_token {
        req = req.header("X-PLUGIN-TOKEN", t);
    }
    read(req.send().await.expect("sent")).await
}

/// A plugin token (`type` 0), as the SDK's token manager holds it.
async fn plugin_token(s: &MockServer) -> String {
    let r = call(
        s,
        "/open_api/authen/plugin_token",
        None,
        &json!({"plugin_id": PLUGIN_ID, "plugin_secret": PLUGIN_SECRET, "type": 0}),
    )
    .await;
    r.json()["data"]["token"]
        .as_str()
        .expect("token")
        .to_string()
}

async fn auth_code(s: &MockServer, plugin_id: &str, user_key: &str) -> Resp {
    read(
        client()
            .post(format!("{}/__mock/project/auth_code", s.url()))
            .json(&json!({"plugin_id": plugin_id, "user_key": user_key}))
            .send()
            .await
            .expect("sent"),
    )
    .await
}

async fn code(s: &MockServer) -> String {
    let r = auth_code(s, PLUGIN_ID, USER_KEY).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["expires_in"], 300);
    r.json()["code"].as_str().expect("code").to_string()
}

/// The body GetUserPluginToken sends.
fn exchange(code: &str) -> Value {
    json!({"code": code, "grant_type": "authorization_code"})
}

async fn user_token(s: &MockServer, plugin: &str, code: &str) -> Resp {
    call(
        s,
        "/open_api/authen/user_plugin_token",
        Some(plugin),
        &exchange(code),
    )
    .await
}

fn assert_token_error(r: &Resp, code: i64) {
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["error"]["code"], code, "{}", r.text);
    assert_eq!(r.json()["data"], json!({}), "{}", r.text);
}

async fn upload(s: &MockServer, token: &str, user: Option<&str>) -> Resp {
    let form = RawForm::new().text("field_key", "field_attachment").file(
        "file",
        Some("a.txt"),
        Some("text/plain"),
        b"a",
    );
    post_project_form(&format!("{}{UPLOAD}", s.url()), Some(token), user, &form).await
}

async fn add_world(s: &MockServer, fragment: Value) {
    let r = read(
        client()
            .post(format!("{}/__mock/world", s.url()))
            .json(&fragment)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn user_plugin_token_trades_a_code_for_a_u_token_acting_as_its_user() {
    let s = server().await;
    let plugin = plugin_token(&s).await;
    let r = user_token(&s, &plugin, &code(&s).await).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = r.json();
    assert_eq!(b["error"], json!({"code": 0, "msg": ""}));
    let data = &b["data"];
    let token = data["token"].as_str().unwrap();
    assert_eq!(token.strip_prefix("u-").expect("u- prefix").len(), 36);
    assert_eq!(data["expire_time"], 7200);
    assert!(data["refresh_token"].as_str().unwrap().starts_with("r-"));
    assert_eq!(data["refresh_token_expire_time"], 14 * 24 * 3600);
    assert_eq!(data["user_key"], USER_KEY);
    assert!(data["saas_tenant_key"].is_string());

    // The user token acts as its user: no X-USER-KEY needed, its own accepted.
    let r = upload(&s, token, None).await;
    assert_eq!(r.json()["err_code"], 0, "{}", r.text);
    let r = upload(&s, token, Some(USER_KEY)).await;
    assert_eq!(r.json()["err_code"], 0, "{}", r.text);
    // Another user's key beside it is refused.
    add_world(
        &s,
        json!({"project": {"users": [{"user_key": OTHER_USER}]}}),
    )
    .await;
    let r = upload(&s, token, Some(OTHER_USER)).await;
    assert_eq!(
        (r.status, r.json()["err_code"].as_i64()),
        (403, Some(10001))
    );
    // It expires like a plugin token.
    s.state().emulator().store.advance_clock_ms(7200 * 1000);
    let r = upload(&s, token, None).await;
    assert_eq!(
        (r.status, r.json()["err_code"].as_i64()),
        (401, Some(10022))
    );
}

#[tokio::test]
async fn an_authorization_code_is_single_use_of_one_plugin_and_lives_300_seconds() {
    let s = server().await;
    let plugin = plugin_token(&s).await;
    let c = code(&s).await;
    assert_eq!(user_token(&s, &plugin, &c).await.json()["error"]["code"], 0);
    assert_token_error(&user_token(&s, &plugin, &c).await, 10001);

    let late = code(&s).await;
    let on_time = code(&s).await;
    s.state().emulator().store.advance_clock_ms(299 * 1000);
    assert_eq!(
        user_token(&s, &plugin, &on_time).await.json()["error"]["code"],
        0
    );
    s.state().emulator().store.advance_clock_ms(1000);
    assert_token_error(&user_token(&s, &plugin, &late).await, 10001);

    // A code minted for another plugin is not this plugin's to use, and stays usable.
    add_world(
        &s,
        json!({"project": {"plugins": [{"plugin_id": "MII_OTHER", "plugin_secret": "other"}]}}),
    )
    .await;
    let r = auth_code(&s, "MII_OTHER", USER_KEY).await;
    let theirs = r.json()["code"].as_str().unwrap().to_string();
    assert_token_error(&user_token(&s, &plugin, &theirs).await, 10001);
    let other = call(
        &s,
        "/open_api/authen/plugin_token",
        None,
        &json!({"plugin_id": "MII_OTHER", "plugin_secret": "other", "type": 0}),
    )
    .await;
    let other = other.json()["data"]["token"].as_str().unwrap().to_string();
    assert_eq!(
        user_token(&s, &other, &theirs).await.json()["error"]["code"],
        0
    );
}

#[tokio::test]
async fn user_plugin_token_checks_the_plugin_token_before_the_body() {
    let s = server().await;
    let plugin = plugin_token(&s).await;
    let c = code(&s).await;
    let path = "/open_api/authen/user_plugin_token";
    assert_token_error(&call(&s, path, None, &exchange(&c)).await, 10022);
    assert_token_error(&call(&s, path, Some("p-unknown"), &json!([])).await, 10022);
    assert_token_error(&call(&s, path, Some(&plugin), &json!([])).await, 20006);
    assert_token_error(
        &call(&s, path, Some(&plugin), &json!({"code": c})).await,
        20006,
    );
    assert_token_error(
        &call(
            &s,
            path,
            Some(&plugin),
            &json!({"code": c, "grant_type": "refresh_token"}),
        )
        .await,
        20006,
    );
    assert_token_error(
        &call(
            &s,
            path,
            Some(&plugin),
            &json!({"code": 7, "grant_type": "authorization_code"}),
        )
        .await,
        20006,
    );
    // None of the refusals used the code up.
    assert_eq!(user_token(&s, &plugin, &c).await.json()["error"]["code"], 0);
}

#[tokio::test]
async fn refresh_token_with_type_1_trades_once_for_a_new_pair() {
    let s = server().await;
    let plugin = plugin_token(&s).await;
    let first = user_token(&s, &plugin, &code(&s).await).await.json()["data"].clone();
    let refresh = first["refresh_token"].as_str().unwrap();
    let path = "/open_api/authen/refresh_token";

    assert_token_error(
        &call(&s, path, Some(&plugin), &json!({"refresh_token": refresh})).await,
        20006,
    );
    assert_token_error(
        &call(
            &s,
            path,
            Some(&plugin),
            &json!({"refresh_token": refresh, "type": 0}),
        )
        .await,
        20006,
    );
    assert_token_error(
        &call(
            &s,
            path,
            None,
            &json!({"refresh_token": refresh, "type": 1}),
        )
        .await,
        10022,
    );
    let r = call(
        &s,
        path,
        Some(&plugin),
        &json!({"refresh_token": refresh, "type": 1}),
    )
    .await;
    assert_eq!(r.json()["error"]["code"], 0, "{}", r.text);
    let data = &r.json()["data"];
    let token = data["token"].as_str().unwrap();
    assert!(token.starts_with("u-") && token != first["token"]);
    assert_eq!(data["expire_time"], 7200);
    assert_ne!(data["refresh_token"], first["refresh_token"]);
    assert_eq!(data["refresh_token_expire_time"], 14 * 24 * 3600);
    assert!(data.get("user_key").is_none(), "{}", r.text);
    assert_eq!(upload(&s, token, None).await.json()["err_code"], 0);
    // The old token still works until its own expiry; the old refresh token is used up.
    assert_eq!(
        upload(&s, first["token"].as_str().unwrap(), None)
            .await
            .json()["err_code"],
        0
    );
    assert_token_error(
        &call(
            &s,
            path,
            Some(&plugin),
            &json!({"refresh_token": refresh, "type": 1}),
        )
        .await,
        10001,
    );

    // A refresh token lives 14 days.
    let next = data["refresh_token"].as_str().unwrap().to_string();
    let fresh_plugin = {
        s.state()
            .emulator()
            .store
            .advance_clock_ms(14 * 24 * 3600 * 1000);
        plugin_token(&s).await
    };
    assert_token_error(
        &call(
            &s,
            path,
            Some(&fresh_plugin),
            &json!({"refresh_token": next, "type": 1}),
        )
        .await,
        10001,
    );
}

#[tokio::test]
async fn auth_code_refuses_an_unknown_plugin_or_user_and_a_malformed_body() {
    let s = server().await;
    assert_eq!(auth_code(&s, "MII_NOPE", USER_KEY).await.status, 400);
    assert_eq!(auth_code(&s, PLUGIN_ID, "7999").await.status, 400);
    let r = read(
        client()
            .post(format!("{}/__mock/project/auth_code", s.url()))
            .json(&json!({"user_key": USER_KEY}))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.json()["error"].is_string());
}
