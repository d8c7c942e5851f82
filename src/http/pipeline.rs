//! The request pipeline: one function from request to response.
//!
//! ```text
//! route (method, path) ─► auth ─► extract (JSON or streaming multipart, limits while streaming)
//!     ─► endpoint (validate against specs/, act on the store) ─► envelope
//! ```
//!
//! Every stage may fail; every failure is an [`ApiError`] rendered by [`crate::contract::error::render`] in
//! exactly one place ([`finish`]). Nothing reaches hyper as an error, and every response carries
//! `X-Tt-Logid` (FEISHU_FACTS §3).

use crate::contract::error::{render, ApiError, ErrorScope};
use crate::contract::spec::{BodyKind, Catalogue, EndpointSpec, Location, Platform};
use crate::control::faults::{check_documented, FORCE_ERROR_HEADER};
use crate::control::journal::{JournalEntry, PartRecord};
use crate::control::plane::PlaneRequest;
use crate::control::response::{
    json_response, json_text_response, HttpResponse, JSON_CONTENT_TYPE,
};
use crate::control::Emulator;
use crate::families::world::World;
use crate::families::{self, Caller, Ctx, Input, Reply, RouteAuth, RouteDef};
use crate::http::multipart::{
    read_form, read_json, read_json_bytes, FormError, FormLimits, JsonBodyError, RequestBody,
    Reservation, JSON_BUDGET_WAIT,
};
use crate::state::store::{Options, Retain};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// Largest JSON body read, in bytes; a larger one is the endpoint's parameter error (assumed).
pub const MAX_JSON_BODY_BYTES: usize = 10 * 1024 * 1024;

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

/// Everything a request may need: the current store, the world to reset to, and the server's
/// public base URL.
#[derive(Debug)]
pub struct AppState {
    emulator: RwLock<Arc<Emulator>>,
    initial_world: World,
    seed: Option<u64>,
    options: Options,
    /// Base URL that links handed to clients point at (e.g. `http://127.0.0.1:8080`), no
    /// trailing slash: `--public-url` when given ([`AppState::public_url_given`]), otherwise
    /// the fallback for a request without a usable `Host` header.
    pub public_url: String,
    /// Whether `public_url` was given (`--public-url`): then every link uses it; otherwise a
    /// link is derived from the request's `Host` ([`AppState::link_base`]).
    pub public_url_given: bool,
    /// How each request is logged on stderr.
    pub log_format: LogFormat,
    /// Longest wait for the next bytes of a request body
    /// ([`crate::http::multipart::BODY_IDLE_TIMEOUT`] unless [`crate::Config`] says otherwise).
    pub body_idle_timeout: std::time::Duration,
    /// Slowest average body rate, bytes per second, once `body_rate_grace` has passed (0: none;
    /// [`crate::http::multipart::MIN_BODY_RATE`] unless [`crate::Config`] says otherwise).
    pub min_body_rate: u64,
    /// Time from a request's head before `min_body_rate` applies.
    pub body_rate_grace: std::time::Duration,
    /// Longest time to receive a request's headers
    /// ([`crate::http::server::HEADER_READ_TIMEOUT`] unless [`crate::Config`] says otherwise).
    pub header_read_timeout: std::time::Duration,
}

/// Per-request log line format on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// `method path status code duration log_id`, space separated.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
    /// No request log.
    Off,
}

impl AppState {
    /// State for a server of `world`.
    pub fn new(
        world: World,
        seed: Option<u64>,
        options: Options,
        public_url: String,
        log_format: LogFormat,
    ) -> AppState {
        AppState {
            emulator: RwLock::new(Arc::new(Emulator::new(&world, seed, options.clone()))),
            initial_world: world,
            seed,
            options,
            public_url,
            public_url_given: false,
            log_format,
            body_idle_timeout: crate::http::multipart::BODY_IDLE_TIMEOUT,
            min_body_rate: crate::http::multipart::MIN_BODY_RATE,
            body_rate_grace: crate::http::multipart::BODY_RATE_GRACE,
            header_read_timeout: crate::http::server::HEADER_READ_TIMEOUT,
        }
    }

    /// The base of links handed to the client of a request with `headers`: `--public-url` when
    /// given, else `http://` + the request's `Host` when it is a plain `host[:port]` (letters,
    /// digits, `.-:[]_`), else [`AppState::public_url`]. A server bound to `0.0.0.0` thus hands
    /// out links its clients can reach, never `http://0.0.0.0:…`.
    pub fn link_base(&self, headers: &HeaderMap) -> String {
        if self.public_url_given {
            return self.public_url.clone();
        }
        let host = headers
            .get(hyper::header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.len() <= 255
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
            });
        match host {
            Some(h) => format!("http://{h}"),
            None => self.public_url.clone(),
        }
    }

    /// The current emulator. A request keeps the emulator it started with, even across a
    /// reset.
    pub fn emulator(&self) -> Arc<Emulator> {
        self.emulator
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the store with a fresh one on the world loaded at start-up (`POST /__mock/reset`):
    /// stored files, records, issued tokens, counters, journal, faults and clock start over.
    pub fn reset(&self) {
        let fresh = Arc::new(Emulator::new(
            &self.initial_world,
            self.seed,
            self.options.clone(),
        ));
        *self.emulator.write().unwrap_or_else(|p| p.into_inner()) = fresh;
    }
}

/// A request the emulator answers by closing the connection (a fault rule's
/// `reset_connection`). hyper drops the connection when the service returns it.
#[derive(Debug)]
pub struct ConnectionReset;

impl std::fmt::Display for ConnectionReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by a fault rule")
    }
}

impl std::error::Error for ConnectionReset {}

/// What the journal learns about a request while it runs.
#[derive(Debug, Default)]
struct Trace {
    endpoint: String,
    caller: Option<String>,
    code: Option<i64>,
    parts: Vec<PartRecord>,
    mock_headers: Vec<(String, String)>,
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
#[cfg(test)]
fn match_route(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    match_segments(&pattern, &path)
}

/// Matches the `/`-separated segments of a path against those of a route pattern (`:name`
/// binds a non-empty segment, percent-decoded), returning the path parameters.
fn match_segments(pattern: &[&str], path: &[&str]) -> Option<Vec<(String, String)>> {
    if pattern.len() != path.len() {
        return None;
    }
    // Literal segments first: they turn nearly every route away before anything is decoded.
    let literal_differs = pattern
        .iter()
        .zip(path)
        .any(|(p, g)| !p.starts_with(':') && p != g);
    if literal_differs {
        return None;
    }
    let mut params = Vec::new();
    for (p, g) in pattern.iter().zip(path) {
        if let Some(name) = p.strip_prefix(':') {
            if g.is_empty() {
                return None;
            }
            params.push((name.to_string(), percent_decode(g)));
        }
    }
    Some(params)
}

/// A family route as matched: its method and its pattern's segments, taken from the route
/// table and the specs once.
struct CompiledRoute {
    method: &'static str,
    segments: Vec<&'static str>,
    def: &'static RouteDef,
    spec: &'static EndpointSpec,
}

/// Every family route, compiled once (the specs' `route` and `method` unless the route
/// overrides them), in the route table's order.
fn compiled_routes() -> &'static [CompiledRoute] {
    static COMPILED: std::sync::OnceLock<Vec<CompiledRoute>> = std::sync::OnceLock::new();
    COMPILED.get_or_init(|| {
        let catalogue = Catalogue::get();
        families::routes()
            .map(|def| {
                let spec = catalogue.endpoint(def.spec);
                let pattern = def.pattern.unwrap_or(spec.route.as_str());
                CompiledRoute {
                    method: def.method.unwrap_or(spec.method.as_str()),
                    segments: pattern.split('/').collect(),
                    def,
                    spec,
                }
            })
            .collect()
    })
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
            families::auth::TENANT_ACCESS_TOKEN_PATH => return Some((Route::TenantToken, vec![])),
            families::auth::APP_ACCESS_TOKEN_PATH => return Some((Route::AppToken, vec![])),
            _ => {}
        }
    }
    let segments: Vec<&str> = path.split('/').collect();
    compiled_routes()
        .iter()
        .filter(|r| r.method.eq_ignore_ascii_case(method.as_str()))
        .find_map(|r| {
            match_segments(&r.segments, &segments)
                .map(|params| (Route::Family(r.def, r.spec), params))
        })
}

/// Handles one request. Every outcome is a documented Feishu response, except a fault rule's
/// deliberate connection reset.
pub async fn handle(
    state: Arc<AppState>,
    req: Request<Incoming>,
) -> Result<HttpResponse, ConnectionReset> {
    let started = Instant::now();
    let emulator = state.emulator();
    let store = &emulator.store;
    let log_id = store.log_id();
    let time_ms = store.now_ms();
    let (parts, body) = req.into_parts();
    let body = RequestBody::with_limits(
        body,
        state.body_idle_timeout,
        state.min_body_rate,
        state.body_rate_grace,
    );
    let path = parts.uri.path().to_string();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let mut trace = Trace::default();
    let is_control = path == "/__mock" || path.starts_with("/__mock/");
    let refusal = header_refusal(&parts.headers);
    let mut response = {
        match route(&parts.method, &path) {
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
                    path: &path,
                    query: &query,
                    body,
                };
                crate::control::plane::handle(&emulator, &|| state.reset(), request)
            }
            None => {
                trace.endpoint = "not_found".into();
                not_found()
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
                trace.endpoint = spec.name.clone();
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
                        log_request(&state, &parts.method, &path, 0, None, started, &log_id);
                        journal(&emulator, &parts.method, &path, time_ms, 0, &log_id, trace);
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
    if let Ok(v) = HeaderValue::from_str(&log_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-tt-logid"), v);
    }
    let status = response.status().as_u16();
    log_request(
        &state,
        &parts.method,
        &path,
        status,
        trace.code,
        started,
        &log_id,
    );
    journal(
        &emulator,
        &parts.method,
        &path,
        time_ms,
        status,
        &log_id,
        trace,
    );
    Ok(response)
}

fn journal(
    emulator: &Emulator,
    method: &Method,
    path: &str,
    time_ms: i64,
    status: u16,
    log_id: &str,
    trace: Trace,
) {
    if !emulator.journal.enabled() {
        return;
    }
    emulator.journal.push(JournalEntry {
        time_ms,
        method: method.to_string(),
        path: path.to_string(),
        endpoint: trace.endpoint,
        caller: trace.caller,
        status,
        code: trace.code,
        log_id: log_id.to_string(),
        parts: trace.parts,
        mock_headers: trace.mock_headers.into_iter().collect(),
    });
}

/// One line per request on stderr: method, path, status, code, duration (ms), log id. Tokens
/// are never logged: a token shape in the path (a client that put its token in the URL) is
/// redacted by [`redact_tokens`].
fn log_request(
    state: &AppState,
    method: &Method,
    path: &str,
    status: u16,
    code: Option<i64>,
    started: Instant,
    log_id: &str,
) {
    if state.log_format == LogFormat::Off {
        return;
    }
    let path = &*redact_tokens(path);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let code_text = code.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
    // One write per line: stderr is unbuffered, and `eprintln!` writes each formatted piece
    // with a syscall of its own (a dozen per line, most of the logging's cost); a failed write
    // (stderr closed) is ignored rather than failing the request.
    let line = match state.log_format {
        LogFormat::Off => return,
        LogFormat::Text => format!("{method} {path} {status} {code_text} {ms:.1}ms {log_id}\n"),
        LogFormat::Json => {
            let line = json!({
                "method": method.as_str(),
                "path": path,
                "status": status,
                "code": code,
                "duration_ms": (ms * 10.0).round() / 10.0,
                "log_id": log_id,
            });
            format!("{line}\n")
        }
    };
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// `text` with every token shape replaced by its prefix and `***`: open-platform tokens
/// (`t-`, `a-`, `u-` + 20 or more token characters), JWT user tokens (`eyJ…`), and Feishu
/// Project tokens (`p-`, `v-`, `u-` + a UUID).
pub fn redact_tokens(text: &str) -> std::borrow::Cow<'_, str> {
    static SHAPES: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let shapes = SHAPES.get_or_init(|| {
        regex::Regex::new(
            r"(?x)
              \b(?P<p>[pvu]-)[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}
            | \b(?P<o>[tau]-)[0-9A-Za-z_]{20,}
            | \b(?P<j>eyJ)[0-9A-Za-z_\-]+(?:\.[0-9A-Za-z_\-]*)*",
        )
        .expect("token shapes compile")
    });
    shapes.replace_all(text, |c: &regex::Captures<'_>| {
        let prefix = c
            .name("p")
            .or_else(|| c.name("o"))
            .or_else(|| c.name("j"))
            .map_or("", |m| m.as_str());
        format!("{prefix}***")
    })
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
enum HeaderRefusal {
    /// A `Content-Encoding` other than `identity`: bodies are never decoded (assumed; the SDKs
    /// send none).
    ContentEncoding,
}

impl HeaderRefusal {
    fn reason(self) -> &'static str {
        match self {
            HeaderRefusal::ContentEncoding => "request bodies with a Content-Encoding are refused",
        }
    }
}

/// The refusal `headers` call for, if any.
fn header_refusal(headers: &HeaderMap) -> Option<HeaderRefusal> {
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
    /// 431: a head over [`crate::http::server::MAX_HEAD_BYTES`] bytes or with more than
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

    fn reason(self) -> &'static str {
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
    let started = Instant::now();
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
                trace.endpoint = spec.name.clone();
                let body = families::project::plugin_token::invalid_param_body();
                trace.code = body.pointer("/error/code").and_then(Value::as_i64);
                (JSON_CONTENT_TYPE, json(&body))
            }
            Some((Route::Family(_, spec), _)) => {
                trace.endpoint = spec.name.clone();
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

/// Whether `content_type` is `application/json`, with any parameters (`charset=utf-8` as the
/// SDKs send it).
fn is_json_media(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
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
    trace.caller = caller.describe();
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
    if let Some(raw) = r.headers.get(FORCE_ERROR_HEADER) {
        // Checked by the control plane's rules: an undocumented code never reaches here as a
        // Feishu answer.
        return Ok(forced_error(r.spec, raw.to_str().unwrap_or("")));
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
    let content_length = r
        .headers
        .get(hyper::header::CONTENT_LENGTH)
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
    let link_base = r.state.link_base(r.headers);
    let ctx = Ctx {
        store,
        families: &emulator.families,
        spec: r.spec,
        caller,
        query: r.query,
        path_params: r.path_params,
        public_url: &link_base,
        log_id: r.log_id,
        headers: r
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        response_headers: Default::default(),
    };
    let result = (r.def.handler)(&ctx, input);
    Ok(Outcome::Family(result, ctx.response_headers.into_inner()))
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

/// How a family route ends: the family's answer (or its documented error), or a response of
/// the control plane (the 400 for an undocumented forced code).
enum Outcome {
    /// The family's answer, with the `X-Mock-*` headers it added.
    Family(Result<Reply, ApiError>, Vec<(String, String)>),
    Control(HttpResponse),
}

/// How the file parts of a request to `spec` are read: whole when the spec says so
/// (`read_files_whole`), else as the store's retention asks.
fn retain_for(spec: &EndpointSpec, retain: Retain) -> Retain {
    if spec.read_files_whole {
        Retain::Bytes
    } else {
        retain
    }
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

/// Reads the body as the spec says, enforcing its limits while streaming; a JSON body comes
/// with its share of the in-flight memory budget, to be dropped when the request ends. A JSON
/// body refused by the budget ([`JsonBodyError::Busy`]) is the endpoint's internal error
/// (assumed: no busy code is documented); any other unreadable one its parameter error.
/// `json_wait` is how long a JSON body waits for the budget ([`JSON_BUDGET_WAIT`]).
async fn extract<S, E>(
    spec: &'static EndpointSpec,
    kind: BodyKind,
    content_type: Option<&str>,
    content_length: Option<u64>,
    retain: Retain,
    body: S,
    json_wait: std::time::Duration,
) -> Result<(Input, Reservation), ApiError>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    match kind {
        BodyKind::None => Ok((Input::Empty, Reservation::default())),
        // Parsed by the handler (`expect_json`), which answers the same param_error for a body
        // that is not JSON.
        BodyKind::Json => match read_json_bytes(body, MAX_JSON_BODY_BYTES, json_wait).await {
            Ok(read) => Ok((Input::Json(read.bytes), read.reserved)),
            Err(JsonBodyError::Busy) => Err(ApiError::new(spec.internal_error)),
            Err(JsonBodyError::TooLarge | JsonBodyError::Io | JsonBodyError::NotJson) => {
                Err(ApiError::new(spec.param_error))
            }
        },
        BodyKind::Multipart => {
            let limits = FormLimits {
                file_fields: spec.file_field_names(),
                max_file_bytes: spec.max_file_bytes(),
                max_files: spec.max_files(),
                body_bytes: content_length,
                retain,
            };
            read_form(body, content_type, &limits)
                .await
                .map(|form| (Input::Form(form), Reservation::default()))
                .map_err(|e| form_error(spec, e))
        }
    }
}

/// One request to a documented endpoint, held in memory, for [`answer_in_memory`].
#[derive(Debug, Clone)]
pub struct InMemoryRequest {
    /// The endpoint spec's name (`drive.media.upload_all`, `okr.image.upload`,
    /// `okr.progress_record.create`, `task.attachment.upload`,
    /// `project.work_item.file.upload`).
    pub endpoint: String,
    /// The caller, as authentication would have established it.
    pub caller: Caller,
    /// Query parameters in order.
    pub query: Vec<(String, String)>,
    /// Path parameters (`:name` segments of the route), e.g. Project's `project_key`.
    pub path_params: Vec<(String, String)>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body in the chunks it arrives in; where a chunk ends exercises the streaming reader.
    pub chunks: Vec<Bytes>,
    /// How the body ends after `chunks`.
    pub end: BodyEnd,
}

/// How an in-memory request's body ends, as hyper hands it to the readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyEnd {
    /// Where HTTP framed it: the chunks are the whole body.
    #[default]
    Whole,
    /// The client announced `declared` bytes in its `Content-Length`, sent only the chunks
    /// (fewer) and half-closed: hyper ends the body with an incomplete-message error.
    HalfClosed {
        /// The `Content-Length` the client sent, in bytes.
        declared: u64,
    },
    /// The connection was reset after the chunks (a chunked body without its final `0`
    /// chunk, or any body): hyper ends the body with an error.
    Reset,
}

/// What [`answer_in_memory`] answers.
#[derive(Debug, Clone)]
pub struct InMemoryAnswer {
    /// HTTP status.
    pub status: u16,
    /// The Feishu code of the body (`code` or `err_code`); `None` for answers without one.
    pub code: Option<i64>,
    /// The body as sent.
    pub body: Bytes,
}

/// Runs one documented endpoint on an in-memory request against `store`, without a socket:
/// body extraction with the endpoint's limits, validation, the endpoint itself and its
/// envelope — the same functions a request over HTTP goes through after authentication,
/// quotas and faults (which are skipped: the caller is given). For fuzzing and property tests.
///
/// Panics when `endpoint` names no spec.
pub async fn answer_in_memory(emulator: &Emulator, req: InMemoryRequest) -> InMemoryAnswer {
    let store = &emulator.store;
    use http_body_util::BodyExt;
    let spec = Catalogue::get().endpoint(&req.endpoint);
    let def = families::routes()
        .find(|d| d.spec == spec.name && d.pattern.is_none())
        .unwrap_or_else(|| panic!("no documented route for {}", spec.name));
    let log_id = "in-memory";
    let (content_length, failure) = match req.end {
        BodyEnd::Whole => (None, None),
        BodyEnd::HalfClosed { declared } => (
            Some(declared),
            Some(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
        ),
        BodyEnd::Reset => (
            None,
            Some(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
        ),
    };
    let body = futures_util::stream::iter(
        req.chunks
            .into_iter()
            .map(Ok::<Bytes, std::io::Error>)
            .chain(failure.map(Err)),
    );
    let kind = def.body.unwrap_or(spec.body);
    let retain = retain_for(spec, store.options.retain);
    let content_type = req.content_type.as_deref();
    let wait = JSON_BUDGET_WAIT;
    let result = match extract(spec, kind, content_type, content_length, retain, body, wait).await {
        Ok((input, _held)) => {
            let ctx = Ctx {
                store,
                families: &emulator.families,
                spec,
                caller: req.caller,
                query: req.query,
                path_params: req.path_params,
                public_url: "http://in-memory",
                log_id,
                headers: Vec::new(),
                response_headers: Default::default(),
            };
            (def.handler)(&ctx, input)
        }
        Err(e) => Err(e),
    };
    let (response, code) = finish(spec, result, log_id);
    let status = response.status().as_u16();
    let body = match response.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    InMemoryAnswer { status, code, body }
}

/// Maps a form-reading failure to the endpoint's documented code: a file past `max_bytes` or one
/// file too many answers the code the spec names for that rule; a part that could not be spooled
/// to disk is the endpoint's internal error; anything else is the endpoint's parameter error.
fn form_error(spec: &EndpointSpec, e: FormError) -> ApiError {
    if let FormError::Spool(_) = e {
        return ApiError::new(spec.internal_error);
    }
    if let FormError::Nul { field } = &e {
        // Named by its own field when the spec has one (a file part's filename: the file field).
        let named = spec.fields.iter().find(|f| &f.name == field);
        return match named {
            Some(f) => f
                .violation(
                    "no_nul",
                    spec.param_error,
                    "",
                    "must not contain NUL".into(),
                )
                .into(),
            None => ApiError::new(spec.param_error),
        };
    }
    let file_field = spec.fields.iter().find(|f| f.location == Location::File);
    let rule = match &e {
        FormError::FileTooLarge { .. } => "max_bytes",
        FormError::TooManyFiles { .. } => "max_count",
        _ => "",
    };
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
fn finish(
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
fn finish_raw(
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
    let (head, tail) = match platform {
        Platform::Open => (r#"{"code":0,"msg":"success","data":"#, "}"),
        Platform::Project => (r#"{"err_code":0,"err_msg":"","err":{},"data":"#, "}"),
    };
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

    /// A progress record's JSON body with the in-flight budget exhausted for the whole wait is
    /// the endpoint's internal error (1009999, assumed); with the budget free, the body is read
    /// and handed to the handler with its share of the budget.
    #[tokio::test]
    async fn a_json_body_refused_by_the_budget_is_the_endpoints_internal_error() {
        use crate::http::multipart::{budget_tests, Reservation};
        let spec = Catalogue::get().endpoint("okr.progress_record.create");
        let body = || futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("{}"))]);
        let wait = std::time::Duration::from_millis(50);
        let _one = budget_tests::EXHAUSTING.lock().await;
        let free = extract(
            spec,
            BodyKind::Json,
            None,
            None,
            Retain::Bytes,
            body(),
            wait,
        )
        .await;
        let (input, held) = free.expect("read with the budget free");
        assert!(matches!(input, Input::Json(b) if &b[..] == b"{}"));
        assert_eq!(held.held(), 2);
        let hold: Reservation = budget_tests::exhaust();
        let busy = extract(
            spec,
            BodyKind::Json,
            None,
            None,
            Retain::Bytes,
            body(),
            wait,
        )
        .await;
        assert_eq!(busy.err().map(|e| e.code), Some(spec.internal_error));
        assert_eq!(spec.internal_error, 1009999);
        drop(hold);
    }

    #[test]
    fn token_shapes_are_redacted_and_other_paths_are_not() {
        for (path, want) in [
            (
                "/open-apis/t-43b270c035ddffdcf79c9eb548d06318ca4abcef/x",
                "/open-apis/t-***/x",
            ),
            ("/a/u-7f1bcd13fc57d46bac21793a18e560", "/a/u-***"),
            ("/a/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "/a/eyJ***"),
            ("/x/p-123e4567-e89b-12d3-a456-426614174000/y", "/x/p-***/y"),
            ("/x/v-123E4567-E89B-12D3-A456-426614174000", "/x/v-***"),
        ] {
            assert_eq!(redact_tokens(path), want, "{path}");
        }
        for keep in [
            "/open-apis/drive/v1/medias/upload_all",
            "/open_api/68382b399de4b0ec6c5a0001/work_item/story/6437110001/file/upload",
            "/open-apis/task/v2/attachments/fe96108d-b004-4a47-b2f8-6886e758b3a5",
            "/__mock/files/boxcnrHpsg1QDqXAAAyachabcef",
            "/docs/meta-information_abcdefghijklmnopq",
        ] {
            assert_eq!(redact_tokens(keep), keep);
        }
    }

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
            .contains(&format!("{} bytes", crate::http::server::MAX_HEAD_BYTES))));
        assert!(!Catalogue::get().platform.http_refusal_body.is_empty());
    }

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
