//! Recordings of the real Feishu (issue 26): the documented, versioned exchange format that
//! `feishu-mock record` writes, `feishu-mock parity` replays against the emulator and
//! `serve --replay` answers unknown routes from ([`replay`]).
//!
//! This module knows no HTTP client, server or family: it is data, its reader and its writer.
//!
//! # Format, version 1
//! A recording is a directory:
//! ```text
//! DIR/manifest.json          {"format":"feishu-mock-recording","version":1,"created_at":…,
//!                             "open_upstream":…,"project_upstream":…,"keep_bytes":…}
//! DIR/exchanges/000001.json  one exchange per file, numbered in the order requests arrived
//! DIR/exchanges/000002.json  (six digits or more), each written whole when its answer ends
//! ```
//! An exchange file ([`Exchange`]) holds the version, its number, when it started (RFC 3339,
//! UTC), how long it took (ms), the upstream base URL, the request (method, route, query pairs
//! in order, the headers that matter, the body) and the answer (HTTP status, the headers that
//! matter, the body), and `upstream_error` when the upstream could not be reached (the answer
//! is then the proxy's own, [`UpstreamUnreachable`]).
//!
//! A body ([`Body`]) is `empty`, `json` (the JSON as sent), `text` (UTF-8 that is not JSON),
//! `form` (multipart: text parts by value; file parts as name, file name, content type, size in
//! bytes, SHA-256, Adler-32 and the first `keep_bytes` bytes in base64) or `bytes` (anything
//! else, e.g. a download: content type, size, SHA-256 and the first `keep_bytes` bytes).
//!
//! Secrets never appear: `app_secret`, `plugin_secret`, every bearer or plugin token and every
//! token a token endpoint answered are replaced by placeholders ([`placeholder`]), the same value
//! by the same placeholder throughout one recording.
//!
//! Files are written to a hidden temporary name and renamed, so a reader never sees half an
//! exchange; a file that does not parse is refused by name ([`RecordingError`]).

pub mod replay;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `format` of a recording's manifest.
pub const FORMAT: &str = "feishu-mock-recording";

/// The one version of the format this build reads and writes.
pub const VERSION: u32 = 1;

/// Name of the manifest file inside a recording directory.
pub const MANIFEST: &str = "manifest.json";

/// Name of the folder of exchange files inside a recording directory.
pub const EXCHANGES: &str = "exchanges";

/// Request headers kept in a recording (lower case); all others are left out. `authorization`
/// and `x-plugin-token` are kept with their token replaced by a placeholder.
pub const REQUEST_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "authorization",
    "x-plugin-token",
    "x-user-key",
    "x-idem-uuid",
    "range",
];

/// Answer headers kept in a recording (lower case), besides every `x-mock-*` header (which only
/// an emulator answers, e.g. `X-Mock-Attachment-Uuid`: a recording of feishu-mock keeps what
/// its client could read); all others are left out.
pub const RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "content-disposition",
    "content-range",
    "x-tt-logid",
];

/// JSON members whose string value is a secret, wherever they appear in a request or answer
/// body: the app and plugin secrets and every token a token endpoint answers.
pub const SECRET_KEYS: &[&str] = &[
    "app_secret",
    "plugin_secret",
    "app_ticket",
    "tenant_access_token",
    "app_access_token",
    "user_access_token",
    "access_token",
    "refresh_token",
    "token",
];

/// The manifest of a recording.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] when written by this build.
    pub version: u32,
    /// When recording started, RFC 3339 UTC.
    pub created_at: String,
    /// Where `/open-apis/…` went.
    pub open_upstream: String,
    /// Where `/open_api/…` went.
    pub project_upstream: String,
    /// Bytes kept of each file part and binary body (`--keep-bytes`).
    pub keep_bytes: u64,
}

/// One request and its answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exchange {
    /// [`VERSION`].
    pub version: u32,
    /// 1, 2, … in the order requests arrived at the proxy.
    pub seq: u64,
    /// When the request arrived, RFC 3339 UTC.
    pub started_at: String,
    /// From the request's arrival to the answer's last byte, ms.
    pub duration_ms: u64,
    /// Base URL the request was forwarded to.
    pub upstream: String,
    /// What the client sent.
    pub request: RecordedRequest,
    /// What the client received.
    pub response: RecordedResponse,
    /// Why the upstream gave no answer (connection refused, TLS, timeout…); the answer is then
    /// the proxy's own ([`UpstreamUnreachable`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_error: Option<String>,
}

/// A recorded request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method, upper case.
    pub method: String,
    /// Path without the query, as sent (percent-encoding kept).
    pub route: String,
    /// Query pairs, decoded, in order.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// The headers of [`REQUEST_HEADERS`] the request carried, lower-case names.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub body: Body,
}

/// A recorded answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedResponse {
    /// HTTP status.
    pub status: u16,
    /// The headers of [`RESPONSE_HEADERS`] the answer carried, lower-case names.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub body: Body,
}

/// A request or answer body as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    /// No bytes.
    Empty,
    /// A JSON document, as sent (secrets replaced).
    Json {
        /// The document.
        json: Value,
    },
    /// UTF-8 text that is not JSON (e.g. `404 page not found`), up to [`MAX_TEXT_BYTES`].
    Text {
        /// The text.
        text: String,
    },
    /// A multipart form, part by part in order.
    Form {
        /// The parts.
        parts: Vec<Part>,
    },
    /// Any other body: described, and kept up to `keep_bytes`.
    Bytes {
        /// Its content type, when it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        /// Size in bytes.
        size: u64,
        /// SHA-256, lower-case hex.
        sha256: String,
        /// The first `keep_bytes` bytes, base64 (standard alphabet, padded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kept: Option<String>,
    },
}

/// Largest body recorded as [`Body::Json`] or [`Body::Text`], in bytes; a larger one is
/// recorded as [`Body::Bytes`].
pub const MAX_TEXT_BYTES: usize = 10 * 1024 * 1024;

/// One part of a multipart form.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    /// A part without a file name: its value (secrets replaced).
    Text {
        /// Field name.
        name: String,
        /// The value as UTF-8 (lossy).
        value: String,
    },
    /// A part with a file name (or a content type other than text).
    File {
        /// Field name.
        name: String,
        /// File name as sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
        /// Content type as sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        /// Size in bytes.
        size: u64,
        /// SHA-256, lower-case hex.
        sha256: String,
        /// Adler-32 as Drive's `checksum` field spells it (decimal), so a replay with other
        /// bytes of the same size can tell a right checksum from a wrong one.
        adler32: String,
        /// The first `keep_bytes` bytes, base64.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kept: Option<String>,
    },
}

impl Body {
    /// The JSON document, when the body is one.
    pub fn json(&self) -> Option<&Value> {
        match self {
            Body::Json { json } => Some(json),
            _ => None,
        }
    }

    /// The bytes to send again for this body, when the recording holds all of them: JSON
    /// serialized, text as is, empty, or `bytes` kept whole.
    pub fn replayable_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Body::Empty => Some(Vec::new()),
            Body::Json { json } => serde_json::to_vec(json).ok(),
            Body::Text { text } => Some(text.clone().into_bytes()),
            Body::Bytes { size, kept, .. } => {
                let bytes = decode_kept(kept.as_deref())?;
                (bytes.len() as u64 == *size).then_some(bytes)
            }
            Body::Form { .. } => None,
        }
    }
}

/// Decodes a `kept` base64 value.
pub fn decode_kept(kept: Option<&str>) -> Option<Vec<u8>> {
    use base64::Engine;
    match kept {
        None => Some(Vec::new()),
        Some(k) => base64::engine::general_purpose::STANDARD.decode(k).ok(),
    }
}

/// Encodes bytes for a `kept` value (`None` when there are none).
pub fn encode_kept(bytes: &[u8]) -> Option<String> {
    use base64::Engine;
    (!bytes.is_empty()).then(|| base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Placeholders standing for secrets, stable within one recording: the n-th distinct secret
/// becomes `REDACTED-<n>` (four digits or more), kept behind its prefix when it has the form of
/// a Feishu token (`t-`, `u-`, `a-`, `p-`: `t-REDACTED-0001`), so a replay still tells a tenant
/// from a user token.
pub fn placeholder(secret: &str, n: usize) -> String {
    let prefix = match secret.as_bytes() {
        [c, b'-', ..] if c.is_ascii_lowercase() => &secret[..2],
        _ => "",
    };
    format!("{prefix}REDACTED-{n:04}")
}

/// Whether `value` is a placeholder of [`placeholder`].
pub fn is_placeholder(value: &str) -> bool {
    let rest = match value.as_bytes() {
        [c, b'-', ..] if c.is_ascii_lowercase() => &value[2..],
        _ => value,
    };
    rest.strip_prefix("REDACTED-")
        .is_some_and(|n| n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The answer the proxy gives when the upstream cannot be reached, and the row of
/// `specs/recording.json` it comes from (assumed: Feishu documents no such answer, as it is not
/// Feishu's; a Feishu-shaped body so that an SDK reads a failure, status 502).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct UpstreamUnreachable {
    /// HTTP status answered.
    pub http: u16,
    /// `code` (open platform) or `err_code` (Feishu Project).
    pub code: i64,
    /// `msg` or `err_msg`.
    pub msg: String,
    /// `assumed`.
    pub grade: String,
}

/// `specs/recording.json`: what the recording proxy answers on its own.
#[derive(Debug, Clone, Deserialize)]
struct RecordingSpec {
    upstream_unreachable: UpstreamUnreachable,
}

impl UpstreamUnreachable {
    /// The row, from the embedded `specs/recording.json`.
    pub fn get() -> UpstreamUnreachable {
        let spec: RecordingSpec = serde_json::from_str(include_str!("../../specs/recording.json"))
            .expect("specs/recording.json parses");
        spec.upstream_unreachable
    }

    /// The body for a route: `{"code":…,"msg":…}` under `/open-apis/`,
    /// `{"err_code":…,"err_msg":…,"err":{}}` under `/open_api/`.
    pub fn body(&self, route: &str) -> Value {
        if route.starts_with("/open_api/") {
            serde_json::json!({ "err_code": self.code, "err_msg": self.msg, "err": {} })
        } else {
            serde_json::json!({ "code": self.code, "msg": self.msg })
        }
    }
}

/// Why a recording cannot be read or written.
#[derive(Debug)]
pub enum RecordingError {
    /// A file could not be read or written.
    Io(PathBuf, std::io::Error),
    /// A file is not a whole JSON document of the expected shape (truncated, edited…).
    Malformed(PathBuf, String),
    /// The recording is of another format or version.
    Version {
        /// The file.
        path: PathBuf,
        /// The version found (0 when none).
        found: u32,
    },
    /// `record --out` names a directory that already holds files.
    NotEmpty(PathBuf),
}

impl std::fmt::Display for RecordingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordingError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            RecordingError::Malformed(p, e) => write!(
                f,
                "{}: not a whole exchange of format {FORMAT} version {VERSION} (truncated or edited?): {e}",
                p.display()
            ),
            RecordingError::Version { path, found } => write!(
                f,
                "{}: recording format version {found}; this feishu-mock reads version {VERSION} only",
                path.display()
            ),
            RecordingError::NotEmpty(p) => write!(
                f,
                "{}: already holds files; record into a new or empty directory",
                p.display()
            ),
        }
    }
}

impl std::error::Error for RecordingError {}

/// A recording read whole: its manifest and its exchanges in order.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The manifest.
    pub manifest: Manifest,
    /// Exchanges by ascending `seq`.
    pub exchanges: Vec<Exchange>,
    /// The exchange files, in the same order (for messages).
    pub files: Vec<PathBuf>,
}

impl Recording {
    /// Reads the recording in `dir`. Every file must parse and be of [`VERSION`]; the first
    /// that is not is the error, by name. Hidden files (temporary names) are skipped.
    pub fn open(dir: &Path) -> Result<Recording, RecordingError> {
        let manifest_path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|e| RecordingError::Io(manifest_path.clone(), e))?;
        let raw: Value = serde_json::from_str(&text)
            .map_err(|e| RecordingError::Malformed(manifest_path.clone(), e.to_string()))?;
        check_version(&manifest_path, &raw, true)?;
        let manifest: Manifest = serde_json::from_value(raw)
            .map_err(|e| RecordingError::Malformed(manifest_path.clone(), e.to_string()))?;
        let folder = dir.join(EXCHANGES);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(|e| RecordingError::Io(folder.clone(), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                !name.starts_with('.') && name.ends_with(".json")
            })
            .collect();
        files.sort();
        let mut exchanges = Vec::with_capacity(files.len());
        for path in &files {
            let text =
                std::fs::read_to_string(path).map_err(|e| RecordingError::Io(path.clone(), e))?;
            let raw: Value = serde_json::from_str(&text)
                .map_err(|e| RecordingError::Malformed(path.clone(), e.to_string()))?;
            check_version(path, &raw, false)?;
            let exchange: Exchange = serde_json::from_value(raw)
                .map_err(|e| RecordingError::Malformed(path.clone(), e.to_string()))?;
            exchanges.push(exchange);
        }
        let mut paired: Vec<(Exchange, PathBuf)> = exchanges.into_iter().zip(files).collect();
        paired.sort_by_key(|(e, _)| e.seq);
        let (exchanges, files) = paired.into_iter().unzip();
        Ok(Recording {
            manifest,
            exchanges,
            files,
        })
    }
}

/// Refuses a document of another format or version.
fn check_version(path: &Path, raw: &Value, manifest: bool) -> Result<(), RecordingError> {
    let found = raw.get("version").and_then(Value::as_u64).unwrap_or(0) as u32;
    let format_ok = !manifest || raw.get("format").and_then(Value::as_str) == Some(FORMAT);
    if !format_ok || found != VERSION {
        return Err(RecordingError::Version {
            path: path.to_path_buf(),
            found,
        });
    }
    Ok(())
}

/// Writes a recording: the manifest at creation, then one exchange file at a time.
#[derive(Debug)]
pub struct Writer {
    dir: PathBuf,
}

impl Writer {
    /// Creates `dir` (or takes an empty one) and writes its manifest. A directory that already
    /// holds files is refused ([`RecordingError::NotEmpty`]): a recording is never mixed with
    /// another.
    pub fn create(dir: &Path, manifest: &Manifest) -> Result<Writer, RecordingError> {
        if let Ok(mut entries) = std::fs::read_dir(dir) {
            if entries.next().is_some() {
                return Err(RecordingError::NotEmpty(dir.to_path_buf()));
            }
        }
        let folder = dir.join(EXCHANGES);
        std::fs::create_dir_all(&folder).map_err(|e| RecordingError::Io(folder.clone(), e))?;
        let writer = Writer {
            dir: dir.to_path_buf(),
        };
        writer.write_whole(&dir.join(MANIFEST), manifest)?;
        Ok(writer)
    }

    /// The recording's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `exchange` as `exchanges/<seq>.json`, whole or not at all.
    pub fn write(&self, exchange: &Exchange) -> Result<PathBuf, RecordingError> {
        let path = self
            .dir
            .join(EXCHANGES)
            .join(format!("{:06}.json", exchange.seq));
        self.write_whole(&path, exchange)?;
        Ok(path)
    }

    /// Serializes `value` to a hidden temporary file beside `path`, then renames it.
    fn write_whole<T: Serialize>(&self, path: &Path, value: &T) -> Result<(), RecordingError> {
        let text = serde_json::to_vec_pretty(value)
            .map_err(|e| RecordingError::Malformed(path.to_path_buf(), e.to_string()))?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("x");
        let tmp = path.with_file_name(format!(".{name}.tmp"));
        std::fs::write(&tmp, text).map_err(|e| RecordingError::Io(tmp.clone(), e))?;
        std::fs::rename(&tmp, path).map_err(|e| RecordingError::Io(path.to_path_buf(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_keep_a_token_prefix_and_are_recognised() {
        assert_eq!(placeholder("t-abc", 1), "t-REDACTED-0001");
        assert_eq!(placeholder("mock-secret", 12), "REDACTED-0012");
        assert!(is_placeholder("u-REDACTED-0003"));
        assert!(is_placeholder("REDACTED-12345"));
        assert!(!is_placeholder(
            "t-43b270c035ddffdcf79c9eb548d06318ca4abcef"
        ));
        assert!(!is_placeholder("REDACTED-12"));
    }

    #[test]
    fn the_unreachable_upstream_answer_is_an_assumed_feishu_shaped_502() {
        let row = UpstreamUnreachable::get();
        assert_eq!((row.http, row.grade.as_str()), (502, "assumed"));
        assert!(row.body("/open-apis/x").get("code").is_some());
        assert!(row.body("/open_api/x").get("err_code").is_some());
    }
}
