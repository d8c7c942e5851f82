//! Responses: an endpoint's outcome in its platform's envelope (open platform or Feishu Project),
//! downloads with their `Content-Disposition`, and the unknown route's `404 page not found`.
//! Every error goes through [`crate::contract::error::render`] here.

use crate::contract::error::{render, ApiError, ErrorScope};
use crate::contract::spec::{Catalogue, EndpointSpec, Platform};
use crate::control::response::{json_response, json_text_response, HttpResponse};
use crate::families::Reply;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use serde_json::Value;

/// Bytes left as they are in an RFC 5987 `filename*` value (attr-char); all others are
/// percent-encoded.
const RFC5987_ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Wraps an endpoint's outcome in its platform's envelope.
pub(crate) fn finish(
    spec: &EndpointSpec,
    result: Result<Reply, ApiError>,
    log_id: &str,
) -> (HttpResponse, Option<i64>) {
    let response = match result {
        Ok(Reply::Json(data)) => {
            let data = serde_json::to_string(&data).unwrap_or_else(|_| "{}".into());
            return (
                json_text_response(200, success_body(spec.platform, &data), &[]),
                Some(0),
            );
        }
        Ok(Reply::NoData) => {
            return (
                json_text_response(200, no_data_body(spec.platform).to_string(), &[]),
                Some(0),
            );
        }
        Ok(Reply::JsonText(data)) => {
            return (
                json_text_response(200, success_body(spec.platform, &data), &[]),
                Some(0),
            );
        }
        Ok(Reply::Enveloped(body)) => return (json_text_response(200, body, &[]), Some(0)),
        Ok(Reply::Raw(body)) => {
            let code = body
                .get("code")
                .or_else(|| body.pointer("/error/code"))
                .and_then(Value::as_i64);
            return (json_response(200, &body, &[]), code);
        }
        Ok(Reply::Bytes {
            content_type,
            filename,
            bytes,
        }) => bytes_response(content_type, filename, bytes),
        Ok(Reply::Partial {
            content_type,
            filename,
            bytes,
            start,
            total,
        }) => {
            let end = start + (bytes.len() as u64).max(1) - 1;
            let mut resp = bytes_response(content_type, filename, bytes);
            *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{total}")) {
                resp.headers_mut().insert(hyper::header::CONTENT_RANGE, v);
            }
            resp
        }
        Err(err) => {
            let r = render(ErrorScope::Endpoint(spec), &err, log_id);
            return (json_response(r.status, &r.body, &r.headers), Some(r.code));
        }
    };
    (response, None)
}

/// A download answer: the bytes with their Content-Type and, when named, a
/// `Content-Disposition` carrying the file name (hyper writes both names in exactly this casing,
/// which the Python SDK looks up case-sensitively).
fn bytes_response(content_type: String, filename: Option<String>, bytes: Bytes) -> HttpResponse {
    let mut resp = Response::new(Full::new(bytes));
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        resp.headers_mut().insert(CONTENT_TYPE, v);
    }
    if let Some(name) = filename {
        // RFC 5987 / 6266: percent-encoding, so a space is %20 (never `+`).
        let encoded = percent_encoding::utf8_percent_encode(&name, RFC5987_ATTR_CHAR).to_string();
        let cd = format!("attachment; filename=\"{encoded}\"; filename*=UTF-8''{encoded}");
        if let Ok(v) = HeaderValue::from_str(&cd) {
            resp.headers_mut()
                .insert(hyper::header::CONTENT_DISPOSITION, v);
        }
    }
    resp
}

/// Answers a body built whole by the handler (token endpoints), or its error, with the code
/// answered.
pub(crate) fn finish_raw(
    scope: ErrorScope<'_>,
    result: Result<Value, ApiError>,
    log_id: &str,
) -> (HttpResponse, i64) {
    match result {
        Ok(body) => (json_response(200, &body, &[]), 0),
        Err(err) => {
            let r = render(scope, &err, log_id);
            (json_response(r.status, &r.body, &r.headers), r.code)
        }
    }
}

/// The success envelope of `platform` around `data`, one compact JSON object:
/// `{"code":0,"msg":"success","data":…}` (open platform) or
/// `{"err_code":0,"err_msg":"","err":{},"data":…}` (Feishu Project).
fn success_body(platform: Platform, data: &str) -> String {
    let (head, tail) = platform.success_envelope();
    let mut body = String::with_capacity(head.len() + data.len() + tail.len());
    body.push_str(head);
    body.push_str(data);
    body.push_str(tail);
    body
}

/// The success envelope of `platform` without `data`, byte for byte as documented:
/// `{"code":0,"msg":"success"}` (OKR progress record delete) or
/// `{"err":{},"err_msg":"","err_code":0}` (seed 003's work-item upload).
fn no_data_body(platform: Platform) -> &'static str {
    match platform {
        Platform::Open => r#"{"code":0,"msg":"success"}"#,
        Platform::Project => r#"{"err":{},"err_msg":"","err_code":0}"#,
    }
}

/// The answer to an unknown route or method: 404 `text/plain` `404 page not found`
/// (FEISHU_FACTS §2, 3p).
pub(crate) fn not_found() -> HttpResponse {
    let nf = &Catalogue::get().platform.not_found;
    let mut resp = Response::new(Full::new(Bytes::from(nf.body.clone())));
    *resp.status_mut() = StatusCode::from_u16(nf.http).unwrap_or(StatusCode::NOT_FOUND);
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}
