//! The request flow: one function from request to response.
//!
//! ```text
//! route (method, path) ─► auth ─► quota ─► forced error / fault ─► extract (JSON or streaming
//!     multipart, limits while streaming) ─► endpoint (validate against specs/, act on the store)
//!     ─► envelope ─► journal and log
//! ```
//!
//! Every stage may fail; every failure is an [`ApiError`] rendered by
//! [`crate::contract::error::render`] in exactly one place ([`crate::http::respond`]). Nothing
//! reaches hyper as an error, and every response carries `X-Tt-Logid` (FEISHU_FACTS §3).

use crate::contract::error::{ApiError, ErrorScope};
use crate::contract::spec::{BodyKind, EndpointSpec};
use crate::control::faults::{check_documented, FORCE_ERROR_HEADER};
use crate::control::journal::PartRecord;
use crate::control::plane::PlaneRequest;
use crate::control::response::{json_response, HttpResponse};
use crate::control::Emulator;
use crate::families::{self, Caller, Ctx, Input, Reply, RouteAuth, RouteDef};
use crate::http::app::{AppState, ConnectionReset, LogFormat};
use crate::http::body::RequestBody;
use crate::http::budget::Reservation;
use crate::http::extract::{extract, is_json_media, retain_for, MAX_JSON_BODY_BYTES};
use crate::http::json::{read_json, JsonBodyError, JSON_BUDGET_WAIT};
use crate::http::log::{journal, log_request, Trace};
use crate::http::refusal::{header_refusal, HeaderRefusal};
use crate::http::replay::replayed_or_not_found;
use crate::http::respond::{finish, finish_raw};
use crate::http::routing::{route, Route};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{HeaderMap, Method, Request};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

/// Handles one request. Every outcome is a documented Feishu response, except a fault rule's
/// deliberate connection reset.
pub async fn handle(
    state: Arc<AppState>,
    req: Request<Incoming>,
) -> Result<HttpResponse, ConnectionReset> {
    // Read only for the request log's duration.
    let started = (state.log_format != LogFormat::Off).then(Instant::now);
    let emulator = state.emulator();
    let store = &emulator.store;
    let time_ms = store.now_ms();
    let log_id = store.log_id_at(time_ms);
    let (parts, body) = req.into_parts();
    let body = RequestBody::with_limits(
        body,
        state.body_idle_timeout,
        state.min_body_rate,
        state.body_rate_grace,
    );
    let path = parts.uri.path();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let mut trace = Trace::default();
    let is_control = path == "/__mock" || path.starts_with("/__mock/");
    let refusal = header_refusal(&parts.headers);
    let mut response = {
        match route(&parts.method, path) {
            None if is_control && refusal.is_some() => {
                trace.endpoint = "admin".into();
                let reason = refusal.map(HeaderRefusal::reason).unwrap_or_default();
                json_response(400, &json!({ "error": reason }), &[])
            }
            None if is_control => {
                trace.endpoint = "admin".into();
                let body = match parts.method {
                    Method::GET | Method::HEAD => None,
                    _ => read_json(body, MAX_JSON_BODY_BYTES).await.ok(),
                };
                let request = PlaneRequest {
                    method: parts.method.as_str(),
                    path,
                    query: &query,
                    body,
                };
                crate::control::plane::handle(&emulator, &|| state.reset(), request)
            }
            None => {
                let (method, headers) = (&parts.method, &parts.headers);
                replayed_or_not_found(
                    &state, &emulator, method, path, &query, headers, body, &log_id, &mut trace,
                )
                .await
            }
            Some((token_route @ (Route::TenantToken | Route::AppToken), _)) => {
                let tenant = matches!(token_route, Route::TenantToken);
                trace.endpoint = if tenant {
                    "auth.tenant_access_token".into()
                } else {
                    "auth.app_access_token".into()
                };
                let read = match refusal {
                    // The body is never decoded: a refused header is an unreadable body.
                    Some(_) => Err(JsonBodyError::NotJson),
                    None => read_json(body, MAX_JSON_BODY_BYTES).await,
                };
                let result = match read {
                    Ok(v) if tenant => families::auth::tenant_access_token(store, &v),
                    Ok(v) => families::auth::app_access_token(store, &v),
                    Err(_) => Err(ApiError::new(families::auth::INVALID_PARAM)),
                };
                let (response, code) = finish_raw(ErrorScope::Auth, result, &log_id);
                trace.code = Some(code);
                response
            }
            Some((Route::Family(def, spec), path_params)) => {
                trace.endpoint = spec.name.as_str().into();
                let request = RouteRequest {
                    state: &state,
                    emulator: &emulator,
                    def,
                    spec,
                    headers: &parts.headers,
                    query,
                    path_params,
                    log_id: &log_id,
                    refusal,
                };
                let result = match run_route(request, body, &mut trace).await {
                    Ok(result) => result,
                    Err(ConnectionReset) => {
                        log_request(&state, &parts.method, path, 0, None, started, &log_id);
                        journal(&emulator, &parts.method, path, time_ms, 0, &log_id, trace);
                        return Err(ConnectionReset);
                    }
                };
                let (response, code) = match result {
                    Outcome::Family(result, extra) => {
                        let (mut response, code) = finish(spec, result, &log_id);
                        trace.mock_headers.clone_from(&extra);
                        for (k, v) in extra {
                            if let (Ok(k), Ok(v)) = (
                                HeaderName::from_bytes(k.as_bytes()),
                                HeaderValue::from_str(&v),
                            ) {
                                response.headers_mut().append(k, v);
                            }
                        }
                        (response, code)
                    }
                    Outcome::Control(response) => (response, None),
                };
                trace.code = code;
                response
            }
        }
    };
    let status = response.status().as_u16();
    log_request(
        &state,
        &parts.method,
        path,
        status,
        trace.code,
        started,
        &log_id,
    );
    journal(
        &emulator,
        &parts.method,
        path,
        time_ms,
        status,
        &log_id,
        trace,
    );
    // The log id's own bytes become the header's: nothing is copied.
    static X_TT_LOGID: HeaderName = HeaderName::from_static("x-tt-logid");
    if let Ok(v) = HeaderValue::from_maybe_shared(bytes::Bytes::from(log_id)) {
        response.headers_mut().insert(&X_TT_LOGID, v);
    }
    Ok(response)
}

/// A matched family route and what it needs.
struct RouteRequest<'a> {
    state: &'a AppState,
    emulator: &'a Emulator,
    def: &'static RouteDef,
    spec: &'static EndpointSpec,
    headers: &'a HeaderMap,
    query: Vec<(String, String)>,
    path_params: Vec<(String, String)>,
    log_id: &'a str,
    /// A header that refuses the request before its body is read.
    refusal: Option<HeaderRefusal>,
}

/// Authenticates, applies quotas and faults, extracts and runs a family route.
///
/// Order: authentication (99991661/3/8/72, Project's own) → frequency limit (99991400) →
/// `X-Mock-Error-Code` → fault rules → body extraction with limits → the endpoint.
async fn run_route(
    r: RouteRequest<'_>,
    body: RequestBody,
    trace: &mut Trace,
) -> Result<Outcome, ConnectionReset> {
    let emulator = r.emulator;
    let store = &emulator.store;
    let caller: Caller = match r.def.auth {
        RouteAuth::Bearer => match families::auth::authenticate_bearer(store, r.headers, r.spec) {
            Ok(c) => c,
            Err(e) => return Ok(Outcome::Family(Err(e), Vec::new())),
        },
        RouteAuth::Plugin => match families::project::authenticate(
            &emulator.families.project,
            store.now_ms(),
            r.headers,
        ) {
            Ok(c) => c,
            Err(e) => return Ok(Outcome::Family(Err(e), Vec::new())),
        },
        RouteAuth::None => Caller::Anonymous,
    };
    if emulator.journal.enabled() {
        // Only the journal shows who called.
        trace.caller = caller.describe();
    }
    if store.options.rate_limits && r.def.auth == RouteAuth::Bearer {
        if let Some(app_id) = caller.app_id() {
            if let Err(e) =
                emulator
                    .quota
                    .check(app_id, &r.spec.name, &r.spec.quota, store.now_ms())
            {
                return Ok(Outcome::Family(Err(e), Vec::new()));
            }
        }
    }
    static FORCE_ERROR: HeaderName = HeaderName::from_static(FORCE_ERROR_HEADER);
    if let Some(raw) = r.headers.get(&FORCE_ERROR) {
        // Checked by the control plane's rules: an undocumented code never reaches here as a
        // Feishu answer.
        let raw = raw.to_str().unwrap_or("");
        if let Some(path) = r.def.pattern {
            if let Some(codes) = families::project::token_route_codes(path) {
                return Ok(forced_token_error(path, codes, raw));
            }
        }
        return Ok(forced_error(r.spec, raw));
    }
    if r.def.auth != RouteAuth::None {
        if let Some(action) = emulator.faults.fire(&r.spec.name, caller.app_id()) {
            if let Some(ms) = action.delay_ms {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            if action.reset_connection {
                return Err(ConnectionReset);
            }
            if let Some(code) = action.error_code {
                return Ok(Outcome::Family(Err(ApiError::new(code)), Vec::new()));
            }
        }
    }
    let content_type = r.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let kind = r.def.body.unwrap_or(r.spec.body);
    // Only a form's reader uses the declared length.
    let content_length = (kind == BodyKind::Multipart)
        .then(|| r.headers.get(hyper::header::CONTENT_LENGTH))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let retain = retain_for(r.spec, store.options.retain);
    // A JSON route without credentials is a token endpoint (Project's plugin_token): it answers
    // an unreadable body itself, in its own envelope, so it is handed `Input::Empty`.
    let own_envelope = kind == BodyKind::Json && r.def.auth == RouteAuth::None;
    // Seed 001's header table: `Content-Type: application/json; charset=utf-8`, required.
    let wrong_type = kind == BodyKind::Json && !own_envelope && !is_json_media(content_type);
    let mut _json_budget = Reservation::default();
    let input = if r.refusal.is_some() || wrong_type {
        if !own_envelope {
            return Ok(Outcome::Family(
                Err(ApiError::new(r.spec.param_error)),
                Vec::new(),
            ));
        }
        Input::Empty
    } else {
        let wait = JSON_BUDGET_WAIT;
        match extract(
            r.spec,
            kind,
            content_type,
            content_length,
            retain,
            body,
            wait,
        )
        .await
        {
            Ok((input, held)) => {
                // A JSON body's share of the in-flight budget, given back when the request
                // ends (after the handler).
                _json_budget = held;
                input
            }
            Err(_) if own_envelope => Input::Empty,
            Err(e) => return Ok(Outcome::Family(Err(e), Vec::new())),
        }
    };
    if emulator.journal.enabled() {
        if let Input::Form(form) = &input {
            trace.parts = form
                .files
                .iter()
                .map(|f| PartRecord {
                    name: f.field.clone(),
                    filename: f.filename.clone(),
                    size: f.len(),
                    sha256: f.sha256().to_string(),
                    content_type: f.content_type.clone(),
                })
                .collect();
        }
    }
    let ctx = Ctx {
        store,
        families: &emulator.families,
        spec: r.spec,
        caller,
        query: r.query,
        path_params: r.path_params,
        public_url: r.state.link_base(r.headers),
        log_id: r.log_id,
        headers: &Headers(r.headers),
        response_headers: Default::default(),
    };
    let result = (r.def.handler)(&ctx, input);
    Ok(Outcome::Family(result, ctx.response_headers.into_inner()))
}

/// A request's headers as a handler reads them ([`families::RequestHeaders`]).
#[derive(Debug)]
struct Headers<'a>(&'a HeaderMap);

impl families::RequestHeaders for Headers<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.0.get_all(name).iter().find_map(|v| v.to_str().ok())
    }
}

/// The error forced by `X-Mock-Error-Code: <code>`: the endpoint's documented status and
/// message for that code. A code the endpoint does not document is answered by the control plane
/// itself (HTTP 400, listing the documented codes) — see [`crate::control::plane::undocumented`].
fn forced_error(spec: &EndpointSpec, raw: &str) -> Outcome {
    match raw.trim().parse::<i64>() {
        Ok(code) if check_documented(&spec.name, code).is_ok() => {
            Outcome::Family(Err(ApiError::new(code)), Vec::new())
        }
        _ => Outcome::Control(crate::control::plane::undocumented(&spec.name, raw)),
    }
}

/// The error forced by `X-Mock-Error-Code` on a Project token route (`path`): one of the
/// `codes` that route answers, in its own token envelope with HTTP 200, as its real refusals
/// are; any other code is answered by the control plane (HTTP 400, listing `codes`).
fn forced_token_error(path: &str, codes: &[i64], raw: &str) -> Outcome {
    match raw.trim().parse::<i64>() {
        Ok(code) if codes.contains(&code) => Outcome::Family(
            Ok(Reply::Raw(families::project::token_error_body(code))),
            Vec::new(),
        ),
        _ => Outcome::Control(crate::control::plane::undocumented_of(
            &format!("POST {path}"),
            raw,
            codes,
        )),
    }
}

/// How a family route ends: the family's answer (or its documented error), or a response of
/// the control plane (the 400 for an undocumented forced code).
enum Outcome {
    /// The family's answer, with the `X-Mock-*` headers it added.
    Family(Result<Reply, ApiError>, Vec<(String, String)>),
    Control(HttpResponse),
}
