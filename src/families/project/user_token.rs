//! User plugin tokens of Feishu Project, emulated from the official Go SDK (assumed: no seed
//! or followup page documents them). project-oapi-sdk-golang v1.0.25 `service/plugin/api.go`
//! calls, with the plugin token its token manager holds in `X-PLUGIN-TOKEN`:
//!
//! - `POST /open_api/authen/user_plugin_token` `{"code","grant_type":"authorization_code"}`
//!   (`GetUserPluginToken`) → `data` `{"token","expire_time","refresh_token",
//!   "refresh_token_expire_time","user_key","saas_tenant_key"}` (`UserPluginToken`,
//!   `service/plugin/model.go`);
//! - `POST /open_api/authen/refresh_token` `{"refresh_token","type":1}` (`RefreshToken`; the
//!   builder says `type` is always 1) → `data` `{"token","expire_time","refresh_token",
//!   "refresh_token_expire_time"}` (`RefreshToken`).
//!
//! Both answer HTTP 200 in the token envelope `{"error":{"code","msg"},"data":{…}}`
//! (`GetUserPluginTokenResp`, `RefreshTokenResp`), errors included, as `plugin_token` does:
//! 10022 (`X-PLUGIN-TOKEN` absent, unknown or expired; checked first), 20006 (body not an
//! object, a member missing or of another type, `grant_type` not `authorization_code`, `type`
//! not 1), 10001 (a code or refresh token that is unknown, expired, used, or another plugin's).
//! Codes come from the control plane (`POST /__mock/project/auth_code`), standing in for the
//! plugin front end's JSSDK; each code and each refresh token is single use. A user plugin
//! token (`u-<uuid>`) lives [`PLUGIN_TOKEN_LIFETIME_SECS`] and acts as its user on every
//! Project route; a refresh token lives [`REFRESH_TOKEN_LIFETIME_SECS`].

use super::*;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// The token envelope with error `code` and `data {}`.
fn token_error(code: i64) -> Reply {
    Reply::Raw(token_error_body(code))
}

/// The plugin of the live token in `X-PLUGIN-TOKEN`.
fn calling_plugin(ctx: &Ctx<'_>) -> Option<String> {
    let token = ctx.header("x-plugin-token").map(str::trim)?;
    ctx.families
        .project
        .live_token(token, ctx.store.now_ms())
        .map(|t| t.plugin_id)
}

/// The JSON object body, or `None` for anything else (not JSON, unreadable, not an object).
fn body_object(ctx: &Ctx<'_>, input: Input) -> Option<serde_json::Map<String, Value>> {
    match expect_json(ctx, input) {
        Ok(Value::Object(obj)) => Some(obj),
        _ => None,
    }
}

/// The calling plugin and the JSON object body, checked in that order: the token before any
/// parameter, as on every Project route. Errors (as token envelopes): 10022, 20006.
fn caller_and_body(
    ctx: &Ctx<'_>,
    input: Input,
) -> Result<(String, serde_json::Map<String, Value>), Reply> {
    let plugin_id = calling_plugin(ctx).ok_or_else(|| token_error(CHECK_TOKEN_FAILED))?;
    let obj = body_object(ctx, input).ok_or_else(|| token_error(INVALID_PARAM))?;
    Ok((plugin_id, obj))
}

/// Issues a user plugin token and its refresh token for `grant` and answers them in the token
/// envelope; `who` adds `user_key` and `saas_tenant_key` (user_plugin_token's answer, not
/// refresh_token's).
fn issued(ctx: &Ctx<'_>, grant: &UserGrant, who: bool) -> Reply {
    let (token, refresh) = ctx.families.project.issue_user_token(ctx.store, grant);
    let mut data = json!({
        "token": token,
        "expire_time": PLUGIN_TOKEN_LIFETIME_SECS,
        "refresh_token": refresh,
        "refresh_token_expire_time": REFRESH_TOKEN_LIFETIME_SECS,
    });
    if who {
        data["user_key"] = json!(grant.user_key);
        data["saas_tenant_key"] = json!(SAAS_TENANT_KEY);
    }
    Reply::Raw(json!({"error": {"code": 0, "msg": ""}, "data": data}))
}

/// `POST /open_api/authen/user_plugin_token`: trades a single-use authorization code for a
/// user plugin token and its refresh token (module docs; assumed).
pub fn user_plugin_token(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let (plugin_id, obj) = match caller_and_body(ctx, input) {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal),
    };
    let code = obj.get("code").and_then(Value::as_str).map(str::trim);
    let grant_type = obj.get("grant_type").and_then(Value::as_str);
    let (Some(code), Some("authorization_code")) = (code.filter(|c| !c.is_empty()), grant_type)
    else {
        return Ok(token_error(INVALID_PARAM));
    };
    let project = &ctx.families.project;
    let Some(grant) = project.take_auth_code(code, &plugin_id, ctx.store.now_ms()) else {
        return Ok(token_error(NO_PERMISSION));
    };
    Ok(issued(ctx, &grant, true))
}

/// `POST /open_api/authen/refresh_token`: trades a single-use refresh token for a new user
/// plugin token and refresh token; the old user token stays valid until its own expiry
/// (module docs; assumed).
pub fn refresh_token(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let (plugin_id, obj) = match caller_and_body(ctx, input) {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal),
    };
    let refresh = obj
        .get("refresh_token")
        .and_then(Value::as_str)
        .map(str::trim);
    let kind = obj.get("type").and_then(Value::as_i64);
    let (Some(refresh), Some(1)) = (refresh.filter(|r| !r.is_empty()), kind) else {
        return Ok(token_error(INVALID_PARAM));
    };
    let project = &ctx.families.project;
    let Some(grant) = project.take_refresh_token(refresh, &plugin_id, ctx.store.now_ms()) else {
        return Ok(token_error(NO_PERMISSION));
    };
    Ok(issued(ctx, &grant, false))
}
