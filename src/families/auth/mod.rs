//! Open-platform tokens (FEISHU_FACTS §1) and Bearer checking (FEISHU_FACTS §2).
//!
//! `POST /open-apis/auth/v3/tenant_access_token/internal` and
//! `POST /open-apis/auth/v3/app_access_token/internal` take `{"app_id","app_secret"}` (with or
//! without a Content-Type) and answer the token at top level with `expire` in seconds. Every
//! endpoint then checks `Authorization: Bearer <token>` before looking at any parameter.

pub mod token;

pub use token::{app_access_token, tenant_access_token};

use crate::contract::error::{ApiError, PermissionViolation};
use crate::contract::spec::EndpointSpec;
use crate::families::Caller;
use crate::state::store::{Store, TokenKind};
use hyper::header::AUTHORIZATION;
use hyper::HeaderMap;

/// `POST` route of the tenant token endpoint (FEISHU_FACTS §1).
pub const TENANT_ACCESS_TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";
/// `POST` route of the app token endpoint (FEISHU_FACTS §1).
pub const APP_ACCESS_TOKEN_PATH: &str = "/open-apis/auth/v3/app_access_token/internal";

/// Token endpoints: unknown app, wrong secret or malformed body (FEISHU_FACTS §1, 3p).
pub const INVALID_PARAM: i64 = 10003;
/// No `Authorization` header, or no `Bearer ` prefix.
pub const MISSING_ACCESS_TOKEN: i64 = 99991661;
/// Tenant or app token unknown or expired.
pub const INVALID_TENANT_TOKEN: i64 = 99991663;
/// User token unknown or expired.
pub const INVALID_USER_TOKEN: i64 = 99991668;
/// The app holds none of the endpoint's scopes.
pub const SCOPE_REQUIRED: i64 = 99991672;

/// Checks `Authorization: Bearer <token>` for `spec`, before any parameter is read.
///
/// Errors, in this order: 99991661 (no header or no `Bearer ` prefix, or an empty token),
/// 99991668 (a user token — `u-…` or a JWT `eyJ…` — unknown or expired), 99991663 (any other
/// token unknown or expired), 99991672 (the app holds none of `spec.scopes`, with
/// `permission_violations` naming them).
pub fn authenticate_bearer(
    store: &Store,
    headers: &HeaderMap,
    spec: &EndpointSpec,
) -> Result<Caller, ApiError> {
    let header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::new(MISSING_ACCESS_TOKEN))?;
    let looks_like_user = token.starts_with("u-") || token.starts_with("eyJ");
    let (caller, token_type) = store
        .with_live_token(token, |issued| match (issued.kind, &issued.open_id) {
            (TokenKind::User, Some(open_id)) => (
                Caller::User {
                    app_id: issued.app_id.clone(),
                    open_id: open_id.clone(),
                },
                "user",
            ),
            _ => (
                Caller::Tenant {
                    app_id: issued.app_id.clone(),
                },
                "tenant",
            ),
        })
        .ok_or_else(|| {
            ApiError::new(if looks_like_user {
                INVALID_USER_TOKEN
            } else {
                INVALID_TENANT_TOKEN
            })
        })?;
    let app_id = caller.app_id().unwrap_or_default();
    let granted = store
        .with_app(app_id, |a| spec.scopes.iter().any(|s| a.scopes.contains(s)))
        .unwrap_or(false);
    if !spec.scopes.is_empty() && !granted {
        let mut err = ApiError::new(SCOPE_REQUIRED)
            .var("scopes", spec.scopes.join(", "))
            .var("scopes_query", spec.scopes.join(","))
            .var("app_id", app_id.to_string())
            .var("token_type", token_type);
        err.permission_violations = spec
            .scopes
            .iter()
            .map(|s| PermissionViolation {
                kind: "action_scope_required".into(),
                subject: s.clone(),
                description: s.clone(),
            })
            .collect();
        return Err(err);
    }
    Ok(caller)
}
