//! Refusals before a request reaches its endpoint: a request header the emulator will not
//! accept (`Content-Encoding`), and the answers to a request head refused at the HTTP layer
//! ([`HeadRefusal`], rewritten from hyper's own by [`crate::http::head_guard`]).

use crate::contract::error::{render, ApiError, ErrorScope};
use crate::contract::spec::BodyKind;
use crate::control::response::JSON_CONTENT_TYPE;
use crate::families::{self, RouteAuth};
use crate::http::app::AppState;
use crate::http::log::{journal, log_request, Trace};
use crate::http::routing::{route, Route};
use hyper::{HeaderMap, Method, StatusCode};
use serde_json::{json, Value};
use std::time::Instant;

/// A request header the emulator refuses before reading the body: the endpoint's parameter
/// error (a token endpoint's own, in its own envelope; the control plane's 400).
///
/// Refusals of the head itself come earlier, at the HTTP layer ([`HeadRefusal`]): a request
/// with both `Content-Length` and `Transfer-Encoding` (the request-smuggling shape) is refused
/// there with 400 before hyper reads it ([`crate::http::head_guard`]). One pipelined behind
/// another request in the same read is not held there and never reaches here with both
/// either: hyper drops the `Content-Length`, reads the body as chunked and closes the connection
/// after the answer (RFC 9112 §6.3), so nothing sent after that body is ever read as a request
/// (`tests/hardening.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderRefusal {
    /// A `Content-Encoding` other than `identity`: bodies are never decoded (assumed; the SDKs
    /// send none).
    ContentEncoding,
}

impl HeaderRefusal {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            HeaderRefusal::ContentEncoding => "request bodies with a Content-Encoding are refused",
        }
    }
}

/// The refusal `headers` call for, if any.
pub(crate) fn header_refusal(headers: &HeaderMap) -> Option<HeaderRefusal> {
    let encoded = headers
        .get_all(hyper::header::CONTENT_ENCODING)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("?").split(','))
        .any(|c| !c.trim().eq_ignore_ascii_case("identity"));
    encoded.then_some(HeaderRefusal::ContentEncoding)
}

/// A request refused at the HTTP layer, before [`handle`] ever sees it: hyper's own refusals of
/// a request head, rewritten by [`crate::http::head_guard`], and the request-smuggling shape that
/// the guard refuses itself. Each is answered with its HTTP status, `Connection: close`, and the
/// body of [`head_refusal_answer`] (`specs/platform.json` `http_refusals`, assumed: the Feishu
/// docs are silent on all four).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadRefusal {
    /// 400: a head hyper cannot parse: a NUL or other invalid byte in a header, a bad method or
    /// request target, a `Content-Length` that is not a decimal number or two that differ, a
    /// `Transfer-Encoding` whose last coding is not `chunked` or on HTTP/1.0.
    Malformed,
    /// 431: a head over [`crate::http::limits::MAX_HEAD_BYTES`] bytes or with more than
    /// [`crate::http::head_guard::MAX_HEADERS`] header lines.
    TooLarge,
    /// 414: a request target over 65 534 bytes (hyper's bound).
    UriTooLong,
    /// 400: both `Content-Length` and `Transfer-Encoding` (RFC 9112 §6.1: the request-smuggling
    /// shape).
    LengthAndChunked,
}

impl HeadRefusal {
    /// The HTTP status answered.
    pub fn status(self) -> u16 {
        match self {
            HeadRefusal::Malformed | HeadRefusal::LengthAndChunked => 400,
            HeadRefusal::TooLarge => 431,
            HeadRefusal::UriTooLong => 414,
        }
    }

    /// The refusal behind hyper's automatic answer with `status`, if it is one.
    pub fn from_status(status: u16) -> Option<HeadRefusal> {
        match status {
            400 => Some(HeadRefusal::Malformed),
            431 => Some(HeadRefusal::TooLarge),
            414 => Some(HeadRefusal::UriTooLong),
            _ => None,
        }
    }

    pub(crate) fn reason(self) -> &'static str {
        match self {
            HeadRefusal::Malformed => "malformed request head",
            HeadRefusal::TooLarge => "request header fields too large",
            HeadRefusal::UriTooLong => "request target too long",
            HeadRefusal::LengthAndChunked => {
                "both Content-Length and Transfer-Encoding: the request is refused"
            }
        }
    }
}

/// The body of the answer to a [`HeadRefusal`] of the request whose request line named
/// `method` and `target` (`None` when it could not be read).
#[derive(Debug, Clone)]
pub struct RefusedHead {
    /// The `Content-Type` header value.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// The `X-Tt-Logid` header value.
    pub log_id: String,
}

/// The answer to `refusal` of a request to `method` `target`, by route (assumed,
/// `specs/platform.json` `http_refusals`):
/// - an endpoint's route (method and path match): the endpoint's parameter error
///   (`param_error`) in its platform's envelope, as for a refused `Content-Encoding`; the token
///   endpoints' in their own: `10003` (open platform), `20006` (Project's `plugin_token`);
/// - the control plane (`/__mock/...`): its `{"error": reason}`;
/// - anything else, or a request line that cannot be read: `text/plain` `"<status> <reason
///   phrase>"`, as Go's `net/http` answers (the gateway whose `404 page not found` the emulator
///   already answers for an unknown route).
///
/// The refusal is logged and journalled like any request, with status `refusal.status()`.
pub fn head_refusal_answer(
    state: &AppState,
    refusal: HeadRefusal,
    method: Option<&str>,
    target: Option<&str>,
) -> RefusedHead {
    let started = Some(Instant::now());
    let emulator = state.emulator();
    let log_id = emulator.store.log_id();
    let time_ms = emulator.store.now_ms();
    let method = method.and_then(|m| Method::from_bytes(m.as_bytes()).ok());
    // A target too long for `Uri` (414) is still an origin-form path and query.
    let path = target.map(|t| match t.parse::<hyper::Uri>() {
        Ok(u) => u.path().to_string(),
        Err(_) => t.split(['?', '#']).next().unwrap_or_default().to_string(),
    });
    let mut trace = Trace {
        endpoint: "http_refusal".into(),
        ..Trace::default()
    };
    let json = |body: &Value| serde_json::to_vec(body).unwrap_or_default();
    let (content_type, body) = match (&method, &path) {
        (Some(m), Some(p)) => match route(m, p) {
            Some((Route::TenantToken | Route::AppToken, _)) => {
                let err = ApiError::new(families::auth::INVALID_PARAM);
                let r = render(ErrorScope::Auth, &err, &log_id);
                trace.code = Some(r.code);
                (JSON_CONTENT_TYPE, json(&r.body))
            }
            // A token endpoint in its own envelope (Project's plugin_token), as for any body it
            // cannot read.
            Some((Route::Family(def, spec), _))
                if def.auth == RouteAuth::None && def.body == Some(BodyKind::Json) =>
            {
                trace.endpoint = spec.name.as_str().into();
                let body = families::project::plugin_token::invalid_param_body();
                trace.code = body.pointer("/error/code").and_then(Value::as_i64);
                (JSON_CONTENT_TYPE, json(&body))
            }
            Some((Route::Family(_, spec), _)) => {
                trace.endpoint = spec.name.as_str().into();
                let r = render(
                    ErrorScope::Endpoint(spec),
                    &ApiError::new(spec.param_error),
                    &log_id,
                );
                trace.code = Some(r.code);
                (JSON_CONTENT_TYPE, json(&r.body))
            }
            None if p == "/__mock" || p.starts_with("/__mock/") => {
                trace.endpoint = "admin".into();
                (
                    JSON_CONTENT_TYPE,
                    json(&json!({ "error": refusal.reason() })),
                )
            }
            None => plain_refusal(refusal),
        },
        _ => plain_refusal(refusal),
    };
    let status = refusal.status();
    // An unreadable request line is logged and journalled as `- -`.
    let log_method = method.unwrap_or_else(|| Method::from_bytes(b"-").unwrap_or_default());
    let log_path = path.unwrap_or_else(|| "-".into());
    log_request(
        state,
        &log_method,
        &log_path,
        status,
        trace.code,
        started,
        &log_id,
    );
    journal(
        &emulator,
        &log_method,
        &log_path,
        time_ms,
        status,
        &log_id,
        trace,
    );
    RefusedHead {
        content_type,
        body,
        log_id,
    }
}

/// `text/plain` `"<status> <reason phrase>"`, as Go's `net/http` refuses a request head.
fn plain_refusal(refusal: HeadRefusal) -> (&'static str, Vec<u8>) {
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let text = format!(
        "{} {}",
        status.as_str(),
        status.canonical_reason().unwrap_or("Bad Request")
    );
    ("text/plain; charset=utf-8", text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Catalogue;

    #[test]
    fn every_head_refusal_is_an_assumed_row_of_platform_http_refusals() {
        let rows = &Catalogue::get().platform.http_refusals;
        for refusal in [
            HeadRefusal::Malformed,
            HeadRefusal::TooLarge,
            HeadRefusal::UriTooLong,
            HeadRefusal::LengthAndChunked,
        ] {
            assert!(
                rows.iter()
                    .any(|r| r.http == refusal.status() && r.grade == "assumed"),
                "{refusal:?}"
            );
        }
        assert!(rows.iter().any(|r| r
            .when
            .contains(&format!("{} bytes", crate::http::limits::MAX_HEAD_BYTES))));
        assert!(!Catalogue::get().platform.http_refusal_body.is_empty());
    }
}
