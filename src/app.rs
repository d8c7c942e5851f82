//! The request pipeline: one function from request to response.
//!
//! ```text
//! route (method, path) ─► auth ─► extract (JSON or streaming multipart, limits while streaming)
//!     ─► endpoint (validate against specs/, act on the store) ─► envelope
//! ```
//!
//! Every stage may fail; every failure is an [`ApiError`] rendered by [`crate::error::render`] in
//! exactly one place ([`finish`]). Nothing reaches hyper as an error, and every response carries
//! `X-Tt-Logid` (FEISHU_FACTS §3).

use crate::endpoints::{self, Caller, Ctx, Input, Reply, RouteAuth, RouteDef};
use crate::error::{render, ApiError, ErrorScope};
use crate::multipart::{read_form, read_json, FormError, FormLimits, JsonBodyError, RequestBody};
use crate::spec::{BodyKind, Catalogue, EndpointSpec, Location, Platform};
use crate::store::Store;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

/// Largest JSON body read, in bytes; a larger one is the endpoint's parameter error (assumed).
pub const MAX_JSON_BODY_BYTES: usize = 10 * 1024 * 1024;

/// `Content-Type` of every JSON answer (FEISHU_FACTS §3).
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The response type of the pipeline.
pub type HttpResponse = Response<Full<Bytes>>;

/// Everything a request may need: the store and the server's public base URL.
#[derive(Debug)]
pub struct AppState {
    /// World, tokens, files.
    pub store: Store,
    /// Base URL that links handed to clients point at (e.g. `http://127.0.0.1:8080`), no
    /// trailing slash.
    pub public_url: String,
}

/// What a route leads to.
#[derive(Debug, Clone, Copy)]
enum Route {
    /// `POST /open-apis/auth/v3/tenant_access_token/internal`.
    TenantToken,
    /// `POST /open-apis/auth/v3/app_access_token/internal`.
    AppToken,
    /// A route of a family module: a documented endpoint or a natural next call.
    Family(&'static RouteDef, &'static EndpointSpec),
}

/// Matches `path` against a route pattern with `:name` segments, returning the path parameters.
fn match_route(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    let mut pat = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (pat.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(p), Some(g)) => {
                if let Some(name) = p.strip_prefix(':') {
                    if g.is_empty() {
                        return None;
                    }
                    let value = percent_decode(g);
                    params.push((name.to_string(), value));
                } else if p != g {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn route(method: &Method, path: &str) -> Option<(Route, Vec<(String, String)>)> {
    if method == Method::POST {
        match path {
            "/open-apis/auth/v3/tenant_access_token/internal" => {
                return Some((Route::TenantToken, vec![]))
            }
            "/open-apis/auth/v3/app_access_token/internal" => {
                return Some((Route::AppToken, vec![]))
            }
            _ => {}
        }
    }
    let catalogue = Catalogue::get();
    for def in endpoints::routes() {
        let spec = catalogue.endpoint(def.spec);
        let route_method = def.method.unwrap_or(spec.method.as_str());
        let pattern = def.pattern.unwrap_or(spec.route.as_str());
        if route_method.eq_ignore_ascii_case(method.as_str()) {
            if let Some(params) = match_route(pattern, path) {
                return Some((Route::Family(def, spec), params));
            }
        }
    }
    None
}

/// Handles one request. Never fails: every outcome is a documented Feishu response.
pub async fn handle(state: Arc<AppState>, req: Request<Incoming>) -> HttpResponse {
    let log_id = state.store.log_id();
    let (parts, body) = req.into_parts();
    let body = RequestBody::new(body);
    let path = parts.uri.path().to_string();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let mut response = match route(&parts.method, &path) {
        None => not_found(),
        Some((Route::TenantToken, _)) => {
            let result = match read_json(body, MAX_JSON_BODY_BYTES).await {
                Ok(v) => endpoints::auth::tenant_access_token(&state.store, &v),
                Err(_) => Err(ApiError::new(endpoints::auth::INVALID_PARAM)),
            };
            finish_raw(ErrorScope::Auth, result, &log_id)
        }
        Some((Route::AppToken, _)) => {
            let result = match read_json(body, MAX_JSON_BODY_BYTES).await {
                Ok(v) => endpoints::auth::app_access_token(&state.store, &v),
                Err(_) => Err(ApiError::new(endpoints::auth::INVALID_PARAM)),
            };
            finish_raw(ErrorScope::Auth, result, &log_id)
        }
        Some((Route::Family(def, spec), path_params)) => {
            let result = run_route(
                &state,
                def,
                spec,
                &parts.headers,
                query,
                path_params,
                body,
                &log_id,
            )
            .await;
            finish(spec, result, &log_id)
        }
    };
    if let Ok(v) = HeaderValue::from_str(&log_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-tt-logid"), v);
    }
    response
}

/// Authenticates, extracts and runs a family route.
#[allow(clippy::too_many_arguments)]
async fn run_route(
    state: &AppState,
    def: &'static RouteDef,
    spec: &'static EndpointSpec,
    headers: &HeaderMap,
    query: Vec<(String, String)>,
    path_params: Vec<(String, String)>,
    body: RequestBody,
    log_id: &str,
) -> Result<Reply, ApiError> {
    let caller: Caller = match def.auth {
        RouteAuth::Bearer => endpoints::auth::authenticate_bearer(&state.store, headers, spec)?,
        RouteAuth::Plugin => endpoints::project::authenticate(&state.store, headers, spec)?,
        RouteAuth::None => Caller::Anonymous,
    };
    let input = extract(spec, def.body.unwrap_or(spec.body), headers, body).await?;
    let ctx = Ctx {
        store: &state.store,
        spec,
        caller,
        query,
        path_params,
        public_url: &state.public_url,
        log_id,
    };
    (def.handler)(&ctx, input)
}

/// Reads the body as the spec says, enforcing its limits while streaming.
async fn extract(
    spec: &'static EndpointSpec,
    kind: BodyKind,
    headers: &HeaderMap,
    body: RequestBody,
) -> Result<Input, ApiError> {
    match kind {
        BodyKind::None => Ok(Input::Empty),
        BodyKind::Json => match read_json(body, MAX_JSON_BODY_BYTES).await {
            Ok(v) => Ok(Input::Json(v)),
            Err(JsonBodyError::TooLarge | JsonBodyError::Io | JsonBodyError::NotJson) => {
                Err(ApiError::new(spec.param_error))
            }
        },
        BodyKind::Multipart => {
            let limits = FormLimits {
                file_fields: spec.file_field_names(),
                max_file_bytes: spec.max_file_bytes(),
                max_files: spec.max_files(),
            };
            let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
            read_form(body, content_type, &limits)
                .await
                .map(Input::Form)
                .map_err(|e| form_error(spec, e))
        }
    }
}

/// Maps a form-reading failure to the endpoint's documented code: a file past `max_bytes` or one
/// file too many answers the code the spec names for that rule; a failure to spill a large part
/// to disk is the endpoint's internal error; anything else is the endpoint's parameter error.
fn form_error(spec: &EndpointSpec, e: FormError) -> ApiError {
    let file_field = spec.fields.iter().find(|f| f.location == Location::File);
    let rule = match &e {
        FormError::FileTooLarge { .. } => "max_bytes",
        FormError::TooManyFiles { .. } => "max_count",
        _ => "",
    };
    if let FormError::Spill(_) = e {
        return ApiError::new(spec.internal_error);
    }
    match (file_field, rule) {
        (Some(f), "max_bytes" | "max_count") => {
            let limit = match &e {
                FormError::FileTooLarge { limit, .. } => format!("at most {limit} bytes"),
                FormError::TooManyFiles { limit } => format!("at most {limit} files"),
                _ => String::new(),
            };
            f.violation(rule, spec.param_error, "", limit).into()
        }
        _ => ApiError::new(spec.param_error),
    }
}

/// Wraps an endpoint's outcome in its platform's envelope.
fn finish(spec: &EndpointSpec, result: Result<Reply, ApiError>, log_id: &str) -> HttpResponse {
    match result {
        Ok(Reply::Json(data)) => {
            let body = match spec.platform {
                Platform::Open => json!({"code": 0, "msg": "success", "data": data}),
                Platform::Project => json!({"err_code": 0, "err_msg": "", "err": {}, "data": data}),
            };
            json_response(200, &body, &[])
        }
        Ok(Reply::Raw(body)) => json_response(200, &body, &[]),
        Ok(Reply::Bytes {
            content_type,
            filename,
            bytes,
        }) => {
            let mut resp = Response::new(Full::new(bytes));
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                resp.headers_mut().insert(CONTENT_TYPE, v);
            }
            if let Some(name) = filename {
                let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
                let cd = format!("attachment; filename=\"{encoded}\"; filename*=UTF-8''{encoded}");
                if let Ok(v) = HeaderValue::from_str(&cd) {
                    resp.headers_mut()
                        .insert(hyper::header::CONTENT_DISPOSITION, v);
                }
            }
            resp
        }
        Err(err) => {
            let r = render(ErrorScope::Endpoint(spec), &err, log_id);
            json_response(r.status, &r.body, &r.headers)
        }
    }
}

/// Answers a body built whole by the handler (token endpoints), or its error.
fn finish_raw(
    scope: ErrorScope<'_>,
    result: Result<Value, ApiError>,
    log_id: &str,
) -> HttpResponse {
    match result {
        Ok(body) => json_response(200, &body, &[]),
        Err(err) => {
            let r = render(scope, &err, log_id);
            json_response(r.status, &r.body, &r.headers)
        }
    }
}

/// A JSON response with Feishu's Content-Type.
pub fn json_response(status: u16, body: &Value, headers: &[(String, String)]) -> HttpResponse {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Full::new(Bytes::from(bytes)));
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

/// The answer to an unknown route or method: 404 `text/plain` `404 page not found`
/// (FEISHU_FACTS §2, 3p).
fn not_found() -> HttpResponse {
    let nf = &Catalogue::get().platform.not_found;
    let mut resp = Response::new(Full::new(Bytes::from(nf.body.clone())));
    *resp.status_mut() = StatusCode::from_u16(nf.http).unwrap_or(StatusCode::NOT_FOUND);
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_patterns_bind_path_parameters() {
        let p = match_route(
            "/open_api/:project_key/work_item/:work_item_type_key/:work_item_id/file/upload",
            "/open_api/doc/work_item/story/6437110001/file/upload",
        )
        .unwrap();
        assert_eq!(p[0], ("project_key".to_string(), "doc".to_string()));
        assert_eq!(p[2].1, "6437110001");
        assert!(match_route("/a/:b", "/a/").is_none());
        assert!(match_route("/a/:b", "/a/x/y").is_none());
    }
}
