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
mod layout;
mod okr;
mod project;
mod requests;
mod richtext;
mod tasks;
mod world;

use crate::control::response::HttpResponse;
use crate::control::Emulator;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Response, StatusCode};

/// The inspector's path prefix.
pub const UI_PREFIX: &str = "/__mock/ui";

/// Policy of every inspector answer: its own script and style sheet, images from the emulator
/// only, inline `style` attributes for rich-text colours, nothing else.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const SCRIPT: &str = include_str!("ui.js");
const STYLE: &str = include_str!("ui.css");
const FAVICON: &str = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>\
<rect width='16' height='16' rx='3' fill='#14213d'/><path d='M4 4h8v2H6v2h5v2H6v3H4z' fill='#f5a623'/></svg>";

/// Raster image types a thumbnail may be shown inline with (never SVG, which can script).
const INLINE_IMAGES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/x-icon",
    "image/vnd.microsoft.icon",
];

/// Whether `path` is the inspector's (`/__mock/ui` or below it).
pub fn is_ui_path(path: &str) -> bool {
    path.strip_prefix(UI_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

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

/// Whether a stored file of `content_type` is shown inline as a thumbnail.
pub(crate) fn inline_image(content_type: &str) -> bool {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    INLINE_IMAGES.iter().any(|t| t.eq_ignore_ascii_case(ct))
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

/// `ms` since the epoch as `2026-11-01 12:00:00.123 UTC`.
pub(crate) fn format_ms(ms: i64) -> String {
    use time::macros::format_description;
    let fmt = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3] UTC"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// A duration of `ms` milliseconds as `1 h 59 min`, `4 min 10 s` or `12 s` (0 for negative).
pub(crate) fn format_remaining(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {sec} s")
    } else {
        format!("{sec} s")
    }
}

/// A token as the inspector shows it: its first 6 and last 4 characters around `…`; a token
/// of 14 characters or fewer keeps only its first third, so that no token is ever shown whole.
pub(crate) fn shorten_token(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let n = chars.len();
    if n > 14 {
        let head: String = chars[..6].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}…{tail}")
    } else {
        let head: String = chars[..n / 3].iter().collect();
        format!("{head}…")
    }
}

/// A byte count as `1.5 KiB`.
pub(crate) fn format_size(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `n` and `noun`, with an `s` unless `n` is 1.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A human label of an endpoint spec name.
pub(crate) fn endpoint_label(endpoint: &str) -> &str {
    match endpoint {
        "drive.media.upload_all" => "Drive media upload_all",
        "okr.image.upload" => "OKR image upload",
        "okr.progress_record.create" => "OKR progress record",
        "task.attachment.upload" => "Task attachment upload",
        "project.work_item.file.upload" => "Project attachment upload",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ui_prefix_and_below_is_the_inspector() {
        assert!(is_ui_path("/__mock/ui"));
        assert!(is_ui_path("/__mock/ui/"));
        assert!(is_ui_path("/__mock/ui/files"));
        assert!(!is_ui_path("/__mock/uix"));
        assert!(!is_ui_path("/open-apis/__mock/ui"));
    }

    #[test]
    fn sizes_and_times_read_as_people_write_them() {
        assert_eq!(format_size(12), "12 B");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(20 * 1024 * 1024), "20.0 MiB");
        assert_eq!(format_ms(0), "1970-01-01 00:00:00.000 UTC");
        assert_eq!(format_remaining(7_199_000), "1 h 59 min");
        assert_eq!(format_remaining(250_000), "4 min 10 s");
        assert_eq!(format_remaining(-5), "0 s");
        assert_eq!(format_remaining(90_000_000), "1 d 1 h");
    }

    #[test]
    fn tokens_are_never_shown_whole() {
        assert_eq!(
            shorten_token("t-43b270c035ddffdcf79c9eb548d06318ca4abcef"),
            "t-43b2…bcef"
        );
        assert_eq!(
            shorten_token("u-7f1bcd13fc57d46bac21793a18e560"),
            "u-7f1b…e560"
        );
        assert_eq!(shorten_token("t-short"), "t-…");
        assert_eq!(
            shorten_token("飞书令牌飞书令牌飞书令牌飞书令牌"),
            "飞书令牌飞书…飞书令牌"
        );
        assert_eq!(shorten_token(""), "…");
    }
}
