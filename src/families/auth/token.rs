//! The token endpoints (FEISHU_FACTS §1): `POST /open-apis/auth/v3/tenant_access_token/internal`
//! and `POST /open-apis/auth/v3/app_access_token/internal`.

use super::INVALID_PARAM;
use crate::contract::error::ApiError;
use crate::state::store::{Store, TokenKind};
use serde_json::{json, Value};

fn credentials(store: &Store, body: &Value) -> Result<String, ApiError> {
    let app_id = body.get("app_id").and_then(Value::as_str);
    let secret = body.get("app_secret").and_then(Value::as_str);
    match (app_id, secret) {
        (Some(id), Some(secret)) => match store.app(id) {
            Some(app) if app.app_secret == secret => Ok(app.app_id),
            _ => Err(ApiError::new(INVALID_PARAM)),
        },
        _ => Err(ApiError::new(INVALID_PARAM)),
    }
}

/// `tenant_access_token/internal`: `{"code":0,"msg":"ok","tenant_access_token":"t-…","expire":N}`
/// where N is the remaining lifetime in seconds (7200 when fresh). Errors: 10003.
pub fn tenant_access_token(store: &Store, body: &Value) -> Result<Value, ApiError> {
    let app_id = credentials(store, body)?;
    let (token, expire) = store.issue_token(&app_id, TokenKind::Tenant);
    Ok(json!({"code": 0, "msg": "ok", "tenant_access_token": token, "expire": expire}))
}

/// `app_access_token/internal`: both `app_access_token` and `tenant_access_token`. For a
/// self-built app the two are the same token (assumed, as on the real platform for internal
/// apps). Errors: 10003.
pub fn app_access_token(store: &Store, body: &Value) -> Result<Value, ApiError> {
    let app_id = credentials(store, body)?;
    let (token, expire) = store.issue_token(&app_id, TokenKind::Tenant);
    Ok(json!({
        "code": 0,
        "msg": "ok",
        "app_access_token": token,
        "tenant_access_token": token,
        "expire": expire,
    }))
}
