//! What is kept of each request: the journal entry (`GET /__mock/requests`) and the log line on
//! stderr, with every token shape redacted.

use crate::control::journal::{JournalEntry, PartRecord};
use crate::control::Emulator;
use crate::http::app::{AppState, LogFormat};
use hyper::Method;
use serde_json::json;
use std::time::Instant;

/// What the journal learns about a request while it runs.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    /// The endpoint's spec name (borrowed from the specs), or what the request was instead.
    pub(crate) endpoint: std::borrow::Cow<'static, str>,
    pub(crate) caller: Option<String>,
    pub(crate) code: Option<i64>,
    pub(crate) parts: Vec<PartRecord>,
    pub(crate) mock_headers: Vec<(String, String)>,
}

pub(crate) fn journal(
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
        endpoint: trace.endpoint.into_owned(),
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
pub(crate) fn log_request(
    state: &AppState,
    method: &Method,
    path: &str,
    status: u16,
    code: Option<i64>,
    started: Option<Instant>,
    log_id: &str,
) {
    if state.log_format == LogFormat::Off {
        return;
    }
    let path = &*redact_tokens(path);
    let ms = started.map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0);
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
