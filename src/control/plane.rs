//! The test control plane under `/__mock/` (no clash with Feishu routes). JSON in and out.
//!
//! | route | what |
//! |---|---|
//! | `GET /__mock/health` | 200 `{"status":"ok"}` once the world is loaded |
//! | `POST /__mock/reset` | back to the world loaded at start-up: files, records, tokens, counters, journal, faults and clock cleared |
//! | `GET /__mock/requests?endpoint=&code=&page_size=&page_token=` | the request journal, oldest first, a page at a time |
//! | `GET /__mock/files?page_size=&page_token=` | metadata of stored files, oldest first, a page at a time |
//! | `GET /__mock/files/:file_token` | the raw bytes of one file |
//! | `POST /__mock/world[?replace=true]` | adds objects in the `--world` format; refuses (400, `problems`) empty ids, duplicates, references to unknown objects, and ids the world already has unless `replace=true` |
//! | `POST` / `GET` / `DELETE /__mock/faults` | add, list, clear fault rules |
//! | `GET` / `POST /__mock/clock` | read, or `{"advance_seconds": N}` to move emulator time |
//! | `GET /__mock/openapi.json` | the emulated contract as OpenAPI 3.1 ([`crate::control::openapi`]) |
//! | `POST /__mock/project/auth_code` | `{"plugin_id","user_key"}` → `{"code","expires_in"}`: a single-use authorization code for Feishu Project's `user_plugin_token`, as a plugin's front end would get from its JSSDK (assumed; [`crate::families::project::user_token`]) |
//!
//! Control-plane errors are HTTP 400 (bad input) or 404 (unknown route or file) with
//! `{"error": "…"}`; they are the emulator's own, not Feishu's.

use crate::control::faults::{documented_codes, FaultRule};
use crate::control::response::{json_response, HttpResponse};
use crate::control::Emulator;
use crate::families::world::World;
use crate::state::sha256_hex;
use crate::state::store::{ClockOutOfRange, MAX_CLOCK_MS};
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::Response;
use serde_json::{json, Value};

fn error(status: u16, message: impl Into<String>) -> HttpResponse {
    json_response(status, &json!({"error": message.into()}), &[])
}

fn ok(body: Value) -> HttpResponse {
    json_response(200, &body, &[])
}

/// The control plane's answer to `X-Mock-Error-Code` with a code `endpoint` does not document:
/// HTTP 400 listing the codes it does document.
pub fn undocumented(endpoint: &str, raw: &str) -> HttpResponse {
    json_response(
        400,
        &json!({
            "error": format!("X-Mock-Error-Code {raw:?} is not a code {endpoint} documents"),
            "endpoint": endpoint,
            "documented_codes": documented_codes(endpoint).unwrap_or_default(),
        }),
        &[],
    )
}

fn file_meta(f: &crate::state::store::StoredFile) -> Value {
    json!({
        "file_token": f.file_token,
        "name": f.name,
        "content_type": f.content_type,
        "size": f.size,
        "sha256": f.sha256.clone().unwrap_or_else(|| sha256_hex(&f.bytes)),
        "bytes_retained": f.bytes.len() as u64 == f.size,
        "endpoint": f.endpoint,
        "parent": f.parent,
        "uploaded_at_ms": f.uploaded_at_ms,
    })
}

/// Items in a page of `/__mock/files` or `/__mock/requests` when `page_size` is not given.
pub const DEFAULT_PAGE_SIZE: usize = 1000;
/// Largest `page_size` of the inspection lists.
pub const MAX_PAGE_SIZE: usize = 10_000;

/// The `page_size` query parameter: 1–[`MAX_PAGE_SIZE`], [`DEFAULT_PAGE_SIZE`] when absent.
fn page_size(raw: Option<&str>) -> Result<usize, String> {
    match raw.map(str::parse::<usize>) {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        _ => Err(format!(
            "page_size must be an integer from 1 to {MAX_PAGE_SIZE}"
        )),
    }
}

/// A page of an inspection list: `{"<key>": [...], "has_more": bool, "page_token": "…"}`, the
/// token present only when more follow (pass it back as `page_token`).
fn paged(key: &str, items: Value, next: Option<String>) -> HttpResponse {
    let mut body = serde_json::Map::new();
    body.insert(key.to_string(), items);
    body.insert("has_more".into(), json!(next.is_some()));
    if let Some(token) = next {
        body.insert("page_token".into(), json!(token));
    }
    ok(Value::Object(body))
}

/// A `/__mock/…` request as the pipeline read it.
#[derive(Debug)]
pub struct PlaneRequest<'a> {
    /// HTTP method (`GET`, `POST`, `DELETE`).
    pub method: &'a str,
    /// The whole path (`/__mock/files`).
    pub path: &'a str,
    /// Query parameters in order.
    pub query: &'a [(String, String)],
    /// The body as JSON; `None` when there was none or it was not JSON (at most the pipeline's
    /// JSON limit, 10 MiB).
    pub body: Option<Value>,
}

/// Handles a `/__mock/…` request against `emulator`; `reset` replaces the whole emulator with
/// a fresh one on the start-up world (`POST /__mock/reset`).
pub fn handle(emulator: &Emulator, reset: &dyn Fn(), req: PlaneRequest<'_>) -> HttpResponse {
    let PlaneRequest {
        method,
        path,
        query,
        body,
    } = req;
    let store = &emulator.store;
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(page) = crate::control::ui::handle(emulator, method, path, query) {
        return page;
    }
    let rest = path.trim_start_matches("/__mock").trim_end_matches('/');
    match (method, rest) {
        ("GET", "/health") => ok(json!({"status": "ok"})),
        ("GET", "/openapi.json") => ok(crate::control::openapi::document()),
        ("POST", "/reset") => {
            reset();
            ok(json!({"reset": true}))
        }
        ("GET", "/requests") => {
            let code = match q("code").map(str::parse::<i64>) {
                None => None,
                Some(Ok(c)) => Some(c),
                Some(Err(_)) => return error(400, "code must be an integer"),
            };
            let limit = match page_size(q("page_size")) {
                Ok(n) => n,
                Err(e) => return error(400, e),
            };
            let after = match q("page_token").map(str::parse::<u64>) {
                None => 0,
                Some(Ok(seq)) => seq,
                Some(Err(_)) => {
                    return error(400, "page_token is not a token this list handed out")
                }
            };
            let (entries, next) = emulator.journal.page(q("endpoint"), code, after, limit);
            paged("requests", json!(entries), next.map(|seq| seq.to_string()))
        }
        ("GET", "/files") => {
            let limit = match page_size(q("page_size")) {
                Ok(n) => n,
                Err(e) => return error(400, e),
            };
            let after = match q("page_token").map(|t| {
                t.split_once(':')
                    .and_then(|(ms, token)| Some((ms.parse::<i64>().ok()?, token)))
            }) {
                None => None,
                Some(Some(cursor)) => Some(cursor),
                Some(None) => return error(400, "page_token is not a token this list handed out"),
            };
            let (files, has_more) = store.files_page(after, limit);
            let next = files
                .last()
                .filter(|_| has_more)
                .map(|f| format!("{}:{}", f.uploaded_at_ms, f.file_token));
            let files: Vec<Value> = files.iter().map(file_meta).collect();
            paged("files", json!(files), next)
        }
        ("GET", r) if r.starts_with("/files/") => {
            let token = &r["/files/".len()..];
            match store.file(token) {
                Some(f) if f.bytes.len() as u64 != f.size => error(
                    404,
                    format!("bytes of {token} not retained (--retain metadata)"),
                ),
                Some(f) => {
                    let mut resp = Response::new(Full::new(f.bytes.clone()));
                    if let Ok(v) = HeaderValue::from_str(&f.content_type) {
                        resp.headers_mut().insert(CONTENT_TYPE, v);
                    }
                    resp
                }
                None => error(404, format!("no stored file {token}")),
            }
        }
        ("POST", "/project/auth_code") => {
            let member = |name: &str| {
                body.as_ref()
                    .and_then(|b| b.get(name))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let (Some(plugin_id), Some(user_key)) = (member("plugin_id"), member("user_key"))
            else {
                return error(
                    400,
                    "body must be {\"plugin_id\": string, \"user_key\": string}",
                );
            };
            match emulator
                .families
                .project
                .mint_auth_code(store, &plugin_id, &user_key)
            {
                Ok(code) => ok(json!({
                    "code": code,
                    "expires_in": crate::families::project::AUTH_CODE_LIFETIME_SECS,
                })),
                Err(problem) => error(400, problem),
            }
        }
        ("POST", "/world") => match body.ok_or(()) {
            Ok(v) => match serde_json::from_value::<World>(v) {
                Ok(w) => {
                    let replace = match q("replace") {
                        None | Some("false") => false,
                        Some("true") => true,
                        Some(other) => {
                            return error(
                                400,
                                format!("replace must be true or false, not {other:?}"),
                            )
                        }
                    };
                    let problems = crate::control::world_check::problems(emulator, &w, replace);
                    if !problems.is_empty() {
                        return json_response(
                            400,
                            &json!({
                                "error": format!("world fragment refused: {}", problems.join("; ")),
                                "problems": problems,
                            }),
                            &[],
                        );
                    }
                    emulator.add_world(&w);
                    ok(json!({"added": true, "replace": replace}))
                }
                Err(e) => error(400, format!("not a world fragment: {e}")),
            },
            Err(_) => error(400, "body must be JSON in the --world format"),
        },
        ("POST", "/faults") => match body.ok_or(()) {
            Ok(v) => match serde_json::from_value::<FaultRule>(v) {
                Ok(rule) => match emulator.faults.add(rule) {
                    Ok(rule) => ok(json!({"fault": rule})),
                    Err(e) => json_response(
                        400,
                        &json!({"error": e.message, "documented_codes": e.documented_codes}),
                        &[],
                    ),
                },
                Err(e) => error(400, format!("not a fault rule: {e}")),
            },
            Err(_) => error(400, "body must be a JSON fault rule"),
        },
        ("GET", "/faults") => ok(json!({"faults": emulator.faults.list()})),
        ("DELETE", "/faults") => {
            emulator.faults.clear();
            ok(json!({"faults": []}))
        }
        ("GET", "/clock") => ok(json!({"now_ms": store.now_ms()})),
        ("POST", "/clock") => match body.ok_or(()) {
            Ok(v) => match v.get("advance_seconds") {
                Some(Value::Number(n)) if n.as_u64().is_some() => {
                    let secs = n.as_u64().unwrap_or_default();
                    match secs
                        .checked_mul(1000)
                        .ok_or(ClockOutOfRange)
                        .and_then(|ms| store.try_advance_clock_ms(ms))
                    {
                        Ok(now_ms) => ok(json!({"now_ms": now_ms})),
                        Err(ClockOutOfRange) => error(
                            400,
                            format!(
                                "advance_seconds {secs} would move the clock past \
                                 9999-12-31T23:59:59.999Z (now_ms at most {MAX_CLOCK_MS}); \
                                 the clock is unchanged"
                            ),
                        ),
                    }
                }
                _ => error(
                    400,
                    "advance_seconds must be a non-negative integer number of seconds",
                ),
            },
            Err(_) => error(400, "body must be {\"advance_seconds\": N}"),
        },
        _ => error(404, format!("unknown control route {method} {path}")),
    }
}
