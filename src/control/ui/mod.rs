//! The inspector: server-rendered HTML pages under `/__mock/ui` that show what a client sent
//! and what the emulator kept.
//!
//! | page | what |
//! |---|---|
//! | `/__mock/ui`, `/__mock/ui/requests` | the request journal, newest first, filterable by endpoint, caller and code, live |
//! | `/__mock/ui/files` | every stored file by endpoint and owner, thumbnails, downloads |
//! | `/__mock/ui/okr` | progress records rendered as rich text beside their raw JSON |
//! | `/__mock/ui/tasks` | Task attachments by task: guid, name, size, uploader, download |
//! | `/__mock/ui/project` | Project attachments by work item field with its count against 50, space-level files |
//! | `/__mock/ui/controls` | clock; apps, users, plugins; live tokens (shortened); quotas in use; fault rules, counts; reset, clear faults, advance clock |
//! | `/__mock/ui/file/:file_token` | a stored file: raster images inline, anything else as a download |
//!
//! Pages are written with maud, which escapes every interpolated string; the script and the
//! style sheet are served by the emulator itself (`ui.js`, `ui.css`) and a
//! `Content-Security-Policy` forbids anything else, inline scripts included. The buttons call
//! the control plane's own routes (`POST /__mock/reset`, `DELETE /__mock/faults`,
//! `POST /__mock/clock`) with `fetch`, so the page and the API never disagree. The inspector's
//! own requests are not journalled ([`crate::control::journal::Journal::push`]), so watching
//! the journal does not push out what it shows.
//!
//! May import what [`crate::control`] may: the contract, the state, the families.

mod files;
mod format;
mod layout;
mod okr;
mod project;
mod requests;
mod richtext;
mod tasks;
mod world;

use crate::control::response::HttpResponse;
use crate::control::routes::{is_ui_path, UI_PREFIX};
use crate::control::Emulator;
use bytes::Bytes;
use format::inline_image;
use http_body_util::Full;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Response, StatusCode};

/// Policy of every inspector answer: its own script and style sheet, images from the emulator
/// only, inline `style` attributes for rich-text colours, nothing else.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const SCRIPT: &str = include_str!("ui.js");
const STYLE: &str = include_str!("ui.css");
const FAVICON: &str = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>\
<rect width='16' height='16' rx='3' fill='#14213d'/><path d='M4 4h8v2H6v2h5v2H6v3H4z' fill='#f5a623'/></svg>";

/// Answers an inspector request, or `None` when `path` is not under `/__mock/ui`.
pub fn handle(
    emulator: &Emulator,
    method: &str,
    path: &str,
    query: &[(String, String)],
) -> Option<HttpResponse> {
    if !is_ui_path(path) {
        return None;
    }
    if method != "GET" && method != "HEAD" {
        return Some(answer(
            405,
            "text/plain; charset=utf-8",
            "the inspector is read-only: its buttons call the control plane".into(),
        ));
    }
    let rest = path[UI_PREFIX.len()..].trim_end_matches('/');
    let html = "text/html; charset=utf-8";
    Some(match rest {
        "" | "/requests" => answer(200, html, requests::page(emulator, query)),
        "/requests/entries" => answer(200, html, requests::entries_fragment(emulator, query)),
        "/files" => answer(200, html, files::page(emulator)),
        "/okr" => answer(200, html, okr::page(emulator)),
        "/tasks" => answer(200, html, tasks::page(emulator)),
        "/project" => answer(200, html, project::page(emulator)),
        "/controls" => answer(200, html, world::page(emulator)),
        r if r.starts_with("/file/") => file(emulator, &r["/file/".len()..], query),
        "/favicon.svg" => answer(200, "image/svg+xml", FAVICON.into()),
        "/ui.js" => answer(200, "text/javascript; charset=utf-8", SCRIPT.into()),
        "/ui.css" => answer(200, "text/css; charset=utf-8", STYLE.into()),
        _ => answer(404, html, layout::not_found(path)),
    })
}

/// A stored file's bytes for the inspector (`/__mock/ui/file/:token`): raster images inline
/// for thumbnails and galleries, anything else (or `?download=1`) as an attachment under a
/// sandboxing policy, so that an uploaded HTML or SVG file never runs in the inspector's origin.
/// Not journalled, unlike `GET /__mock/files/:token`.
fn file(emulator: &Emulator, token: &str, query: &[(String, String)]) -> HttpResponse {
    let Some(f) = emulator.store.file(token) else {
        return answer(
            404,
            "text/plain; charset=utf-8",
            format!("no stored file {token}"),
        );
    };
    if f.bytes.len() as u64 != f.size {
        return answer(
            404,
            "text/plain; charset=utf-8",
            format!("bytes of {token} not retained"),
        );
    }
    let download = query.iter().any(|(k, v)| k == "download" && v == "1");
    let inline = inline_image(&f.content_type) && !download;
    let mut resp = Response::new(Full::new(f.bytes.clone()));
    let h = resp.headers_mut();
    let ct = if inline {
        f.content_type.as_str()
    } else {
        "application/octet-stream"
    };
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(ct).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if !inline {
        let name =
            percent_encoding::utf8_percent_encode(&f.name, percent_encoding::NON_ALPHANUMERIC);
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{name}")) {
            h.insert("content-disposition", v);
        }
    }
    resp
}

fn answer(status: u16, content_type: &'static str, body: String) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    resp
}
