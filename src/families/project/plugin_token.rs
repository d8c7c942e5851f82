//! Feishu Project plugin token (FEISHU_FACTS §4): `POST /open_api/authen/plugin_token`.

use super::*;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// The `{"error":{"code","msg"},"data":{}}` answer of `plugin_token` for `code`.
fn plugin_token_error(code: i64) -> Reply {
    Reply::Raw(token_error_body(code))
}

/// The body `plugin_token` answers a request it cannot read (HTTP 200, 20006 `Invalid Param`
/// in its own envelope), for refusals made before the handler runs (a refused request head).
pub fn invalid_param_body() -> Value {
    token_error_body(INVALID_PARAM)
}

/// `POST /open_api/authen/plugin_token`: `{"plugin_id","plugin_secret","type"}` with `type` 0
/// (plugin token `p-<uuid>`, the default when absent — assumed) or 1 (virtual token
/// `v-<uuid>`). Every call mints a new token with `expire_time` 7200 s (assumed; earlier
/// tokens stay valid until their own expiry). Answers HTTP 200 in its own envelope, errors
/// included: 20006 (body not an object, ids not strings, `type` not 0/1), 10001 (unknown
/// plugin or wrong secret). A body that is not JSON at all, or that the pipeline could not read
/// (`Input::Empty`: too large, truncated, or sent with a `Content-Encoding`), is 20006 too.
pub fn plugin_token(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let Ok(body) = expect_json(ctx, input) else {
        return Ok(plugin_token_error(INVALID_PARAM));
    };
    let Some(obj) = body.as_object() else {
        return Ok(plugin_token_error(INVALID_PARAM));
    };
    let id = obj.get("plugin_id").and_then(Value::as_str);
    let secret = obj.get("plugin_secret").and_then(Value::as_str);
    let kind = match obj.get("type") {
        None | Some(Value::Null) => Some(PluginTokenKind::Plugin),
        Some(t) => match t.as_i64() {
            Some(0) => Some(PluginTokenKind::Plugin),
            Some(1) => Some(PluginTokenKind::Virtual),
            _ => None,
        },
    };
    let (Some(id), Some(secret), Some(kind)) = (id, secret, kind) else {
        return Ok(plugin_token_error(INVALID_PARAM));
    };
    if ctx.families.project.plugin_secret(id).as_deref() != Some(secret) {
        return Ok(plugin_token_error(NO_PERMISSION));
    }
    let token = ctx.families.project.issue_token(ctx.store, id, kind);
    Ok(Reply::Raw(json!({
        "error": {"code": 0, "msg": ""},
        "data": {"token": token, "expire_time": PLUGIN_TOKEN_LIFETIME_SECS},
    })))
}
