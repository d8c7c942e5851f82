//! HTTP responses as the control plane and the pipeline build them: the response type and
//! JSON answers with Feishu's Content-Type (FEISHU_FACTS §3).

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use serde_json::Value;

/// The response type of the pipeline and the control plane.
pub type HttpResponse = Response<Full<Bytes>>;

/// `Content-Type` of every JSON answer (FEISHU_FACTS §3).
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A JSON response with Feishu's Content-Type.
pub fn json_response(status: u16, body: &Value, headers: &[(String, String)]) -> HttpResponse {
    json_text_response(status, body.to_string(), headers)
}

/// A JSON response whose body is already serialized, with Feishu's Content-Type and `headers`.
pub fn json_text_response(status: u16, body: String, headers: &[(String, String)]) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}
