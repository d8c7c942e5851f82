//! The error catalogue and the single error → response mapping.
//!
//! Every failure of every request becomes an [`ApiError`] carrying only a Feishu code and the
//! details that go with it; [`render`] looks the code up in `specs/` (the endpoint's own table
//! first, then the platform's) for its HTTP status and message, and builds the body in the
//! envelope of the endpoint's platform. No other code spells a Feishu error message.

use crate::contract::spec::{Catalogue, EndpointSpec, ErrorSpec, Platform, Violation};
use serde_json::{json, Map, Value};

/// A permission the caller lacks (`error.permission_violations[]`, FEISHU_FACTS §2).
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionViolation {
    /// `action_scope_required`.
    pub kind: String,
    /// The scope.
    pub subject: String,
    /// Human text.
    pub description: String,
}

/// A documented Feishu error, before it is rendered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApiError {
    /// Feishu's code; its status and message come from `specs/`.
    pub code: i64,
    /// `error.field_violations[]`.
    pub field_violations: Vec<Violation>,
    /// `error.permission_violations[]`.
    pub permission_violations: Vec<PermissionViolation>,
    /// Values for `{name}` placeholders in the message.
    pub vars: Vec<(String, String)>,
    /// Extra response headers (e.g. rate-limit headers).
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    /// An error with `code` and nothing else.
    pub fn new(code: i64) -> ApiError {
        ApiError {
            code,
            ..ApiError::default()
        }
    }

    /// Adds a `{name}` value for the message template.
    pub fn var(mut self, name: &str, value: impl Into<String>) -> ApiError {
        self.vars.push((name.to_string(), value.into()));
        self
    }
}

impl From<Violation> for ApiError {
    fn from(v: Violation) -> ApiError {
        ApiError {
            code: v.code,
            field_violations: vec![v],
            ..ApiError::default()
        }
    }
}

/// Which table an error is looked up in and which envelope it is written in.
#[derive(Debug, Clone, Copy)]
pub enum ErrorScope<'a> {
    /// One of the five endpoints: its own table, then its platform's.
    Endpoint(&'a EndpointSpec),
    /// The open-platform token endpoints (`/open-apis/auth/v3/...`).
    Auth,
    /// Any other open-platform route.
    Open,
    /// Any other Project route.
    Project,
}

/// A rendered error: HTTP status, headers and JSON body.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The Feishu code answered (the endpoint's internal error when `err.code` was
    /// undocumented).
    pub code: i64,
    /// HTTP status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Value,
}

/// Finds the row for `code` in `scope`'s tables.
pub fn lookup(scope: ErrorScope<'_>, code: i64) -> Option<&'static ErrorSpec> {
    let cat = Catalogue::get();
    match scope {
        ErrorScope::Endpoint(spec) => cat
            .endpoints
            .iter()
            .find(|e| e.name == spec.name)
            .and_then(|e| e.error(code))
            .or_else(|| cat.platform_error(spec.platform, code)),
        ErrorScope::Auth => cat
            .auth_error(code)
            .or_else(|| cat.platform_error(Platform::Open, code)),
        ErrorScope::Open => cat.platform_error(Platform::Open, code),
        ErrorScope::Project => cat.platform_error(Platform::Project, code),
    }
}

fn fill(template: &str, vars: &[(String, String)]) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// The specific cause a `detail` row appends to its message: the place, the rule and the value
/// (`resource_id: required`, `page_size: ≤ 100, got 101`).
fn cause(v: &Violation) -> String {
    if v.value.is_empty() {
        format!("{}: {}", v.field, v.description)
    } else {
        format!("{}: {}, got {}", v.field, v.description, v.value)
    }
}

/// Renders `err` in `scope`'s envelope with `log_id`.
///
/// A code that no table of the scope documents is a defect of the emulator; it is answered as the
/// endpoint's `internal_error` (or the row found for it) rather than with an undocumented code,
/// and the test suite checks that every code the code base produces is documented.
pub fn render(scope: ErrorScope<'_>, err: &ApiError, log_id: &str) -> Rendered {
    let (row, code) = match lookup(scope, err.code) {
        Some(row) => (row, err.code),
        None => {
            let fallback = match scope {
                ErrorScope::Endpoint(spec) => spec.internal_error,
                _ => err.code,
            };
            match lookup(scope, fallback) {
                Some(row) => (row, fallback),
                None => {
                    // Only reachable with an undocumented code outside any endpoint: answer the
                    // open platform's missing-token row shape with the code kept, never a panic.
                    let row = Catalogue::get()
                        .platform
                        .open
                        .first()
                        .expect("platform.json has open errors");
                    (row, err.code)
                }
            }
        }
    };
    let mut msg = fill(&row.msg, &err.vars);
    if row.detail {
        if let Some(v) = err.field_violations.first() {
            msg.push_str(&cause(v));
        }
    }
    let platform = match scope {
        ErrorScope::Endpoint(spec) => spec.platform,
        ErrorScope::Project => Platform::Project,
        _ => Platform::Open,
    };
    let body = match platform {
        Platform::Open => {
            let mut error = Map::new();
            error.insert("log_id".into(), json!(log_id));
            let troubleshooter = fill(
                &Catalogue::get().platform.troubleshooter,
                &[
                    ("log_id".into(), log_id.into()),
                    ("code".into(), code.to_string()),
                ],
            );
            error.insert("troubleshooter".into(), json!(troubleshooter));
            if !err.field_violations.is_empty() {
                let fv: Vec<Value> = err
                    .field_violations
                    .iter()
                    .map(|v| json!({"field": v.field, "value": v.value, "description": v.description}))
                    .collect();
                error.insert("field_violations".into(), Value::Array(fv));
            }
            if !err.permission_violations.is_empty() {
                let pv: Vec<Value> = err
                    .permission_violations
                    .iter()
                    .map(|v| json!({"type": v.kind, "subject": v.subject, "description": v.description}))
                    .collect();
                error.insert("permission_violations".into(), Value::Array(pv));
            }
            let mut body = Map::new();
            body.insert("code".into(), json!(code));
            body.insert("msg".into(), json!(msg));
            if matches!(scope, ErrorScope::Auth) {
                // FEISHU_FACTS §1 (3p): token endpoint errors carry an empty `data`.
                body.insert("data".into(), json!({}));
            }
            body.insert("error".into(), Value::Object(error));
            Value::Object(body)
        }
        Platform::Project => json!({
            "err_code": code,
            "err_msg": row.name.clone().unwrap_or_else(|| msg.clone()),
            "err": {"code": code, "msg": msg, "log_id": log_id},
        }),
    };
    Rendered {
        code,
        status: row.http,
        headers: err.headers.clone(),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_codes_take_status_and_msg_from_the_endpoint_table() {
        let spec = Catalogue::get().endpoint("drive.media.upload_all");
        let r = render(ErrorScope::Endpoint(spec), &ApiError::new(1061044), "L");
        assert_eq!(r.status, 400);
        assert_eq!(r.body["msg"], "parent node not exist.");
        assert_eq!(r.body["error"]["log_id"], "L");
    }

    #[test]
    fn platform_codes_are_found_from_any_endpoint() {
        let spec = Catalogue::get().endpoint("drive.media.upload_all");
        let r = render(ErrorScope::Endpoint(spec), &ApiError::new(99991663), "L");
        assert_eq!(r.status, 400);
        assert!(r.body["msg"]
            .as_str()
            .unwrap()
            .starts_with("Invalid access token"));
    }

    #[test]
    fn an_undocumented_code_falls_back_to_the_endpoint_internal_error() {
        let spec = Catalogue::get().endpoint("drive.media.upload_all");
        let r = render(ErrorScope::Endpoint(spec), &ApiError::new(42), "L");
        assert_eq!(r.body["code"], 1061001);
    }
}
