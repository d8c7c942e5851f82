//! Shared by the endpoint targets: a fresh store on the default world per input, a valid
//! baseline request per endpoint that the fuzzer mutates (drop, rename, reorder, duplicate,
//! replace values, filenames and content types, cut into chunks), and the invariants every
//! answer must keep:
//!
//! - the body is JSON in the endpoint's envelope with a code its tables document, sent with that
//!   code's documented HTTP status (0 with 200);
//! - never the endpoint's "internal error" codes (nothing in memory can fail);
//! - a refused request stores nothing (files, records, attachments);
//! - a body cut short ([`Truncation`]: half-closed before its `Content-Length`, or reset) is
//!   never accepted (issue 12: truncated and reset bodies).
#![allow(dead_code)]

use arbitrary::Arbitrary;
use bytes::Bytes;
use feishu_mock::http::in_memory::{answer_in_memory, BodyEnd, InMemoryAnswer, InMemoryRequest};
use feishu_mock::families::Caller;
use feishu_mock::contract::error::{lookup, ErrorScope};
use feishu_mock::contract::spec::Catalogue;
use feishu_mock::control::Emulator;
use feishu_mock::state::store::Options;
use feishu_mock::World;
use std::sync::OnceLock;

/// The boundary of baseline bodies.
pub const BOUNDARY: &str = "fuzzBoundary7MA4YWxkTrZu0gW";

/// A current-thread runtime shared by every input.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    })
}

/// A fresh emulator on the default world, seeded, frequency limits off.
pub fn fresh_store() -> Emulator {
    static WORLD: OnceLock<World> = OnceLock::new();
    let world = WORLD.get_or_init(World::default_world);
    Emulator::new(
        world,
        Some(7),
        Options {
            rate_limits: false,
            ..Options::default()
        },
    )
}

/// Everything a refused request must leave as it was.
#[derive(Debug, PartialEq, Eq)]
pub struct Stored {
    files: usize,
    progress_records: usize,
    okr_images: usize,
    task_attachments: usize,
}

/// What `store` holds now.
pub fn stored(emulator: &Emulator) -> Stored {
    Stored {
        files: emulator.store.file_count(),
        progress_records: emulator.families.okr.progress_record_count(),
        okr_images: emulator.families.okr.image_count(),
        task_attachments: emulator.families.task.attachment_count(),
    }
}

/// Runs `req` on a fresh store and checks the invariants of the module doc.
pub fn run_and_check(req: InMemoryRequest, never: &[i64]) {
    let store = fresh_store();
    let before = stored(&store);
    let endpoint = req.endpoint.clone();
    let cut_short = req.end != BodyEnd::Whole;
    let answer = runtime().block_on(answer_in_memory(&store, req));
    check_answer(&endpoint, &answer, never);
    assert!(
        !(cut_short && answer.code == Some(0)),
        "a body cut short was accepted: {answer:?}"
    );
    if answer.code != Some(0) {
        assert_eq!(
            stored(&store),
            before,
            "refused request stored something: {answer:?}"
        );
    }
}

/// The answer is documented JSON for `endpoint`, and none of `never`.
pub fn check_answer(endpoint: &str, answer: &InMemoryAnswer, never: &[i64]) {
    let spec = Catalogue::get().endpoint(endpoint);
    let body: serde_json::Value = serde_json::from_slice(&answer.body)
        .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {answer:?}"));
    let code = answer
        .code
        .unwrap_or_else(|| panic!("answer has no code: {body}"));
    let in_body = body
        .get("code")
        .or_else(|| body.get("err_code"))
        .and_then(serde_json::Value::as_i64);
    assert_eq!(in_body, Some(code), "{body}");
    assert!(!never.contains(&code), "internal error {code}: {body}");
    if code == 0 {
        assert_eq!(answer.status, 200, "{body}");
    } else {
        let row = lookup(ErrorScope::Endpoint(spec), code)
            .unwrap_or_else(|| panic!("undocumented code {code} for {endpoint}: {body}"));
        assert_eq!(answer.status, row.http, "status of {code}: {body}");
    }
}

/// Splits `body` at the offsets `cuts` names (each taken modulo the length), so that part
/// headers and boundaries straddle chunk edges.
pub fn chunks(body: Vec<u8>, cuts: &[u16]) -> Vec<Bytes> {
    let body = Bytes::from(body);
    if body.is_empty() {
        return vec![body];
    }
    let mut at: Vec<usize> = cuts.iter().map(|c| *c as usize % body.len()).collect();
    at.push(0);
    at.push(body.len());
    at.sort_unstable();
    at.dedup();
    at.windows(2).map(|w| body.slice(w[0]..w[1])).collect()
}

/// Where and how a body is cut short: it keeps its first `at % len` bytes (always fewer than
/// the whole), then the client half-closes after a `Content-Length` announcing the whole body
/// (`reset` false), or the connection is reset (`reset` true).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct Truncation {
    /// Where the body is cut (modulo its length).
    pub at: u32,
    /// Reset rather than half-close.
    pub reset: bool,
}

/// `body` in the chunks `cuts` names, cut short as `truncation` says (nothing to cut in an
/// empty body: it is sent whole).
pub fn cut_body(body: Vec<u8>, cuts: &[u16], truncation: Option<Truncation>) -> (Vec<Bytes>, BodyEnd) {
    match truncation {
        Some(t) if !body.is_empty() => {
            let declared = body.len() as u64;
            let at = t.at as usize % body.len();
            let end = if t.reset {
                BodyEnd::Reset
            } else {
                BodyEnd::HalfClosed { declared }
            };
            let mut body = body;
            body.truncate(at);
            (chunks(body, cuts), end)
        }
        _ => (chunks(body, cuts), BodyEnd::Whole),
    }
}

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub struct Part {
    /// Field name, written as it is between quotes.
    pub name: String,
    /// `filename="…"`, if any.
    pub filename: Option<String>,
    /// The part's Content-Type, if any.
    pub content_type: Option<String>,
    /// The bytes.
    pub body: Vec<u8>,
}

impl Part {
    /// A text part.
    pub fn text(name: &str, value: &str) -> Part {
        Part {
            name: name.into(),
            filename: None,
            content_type: None,
            body: value.as_bytes().to_vec(),
        }
    }
    /// A file part.
    pub fn file(name: &str, filename: &str, content_type: &str, body: &[u8]) -> Part {
        Part {
            name: name.into(),
            filename: Some(filename.into()),
            content_type: Some(content_type.into()),
            body: body.to_vec(),
        }
    }
}

/// The multipart body of `parts` with `boundary`, written without escaping (a name with a quote
/// or a line break makes a malformed body, which is what a fuzzer wants).
pub fn encode(parts: &[Part], boundary: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        out.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{}\"", p.name).as_bytes(),
        );
        if let Some(f) = &p.filename {
            out.extend_from_slice(format!("; filename=\"{f}\"").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        if let Some(ct) = &p.content_type {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&p.body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// One endpoint's form: a valid baseline and the names and values mutations draw from.
pub struct FormProfile {
    /// The endpoint spec's name.
    pub endpoint: &'static str,
    /// A request the endpoint accepts.
    pub baseline: Vec<Part>,
    /// Field names, the endpoint's own and look-alikes.
    pub names: &'static [&'static str],
    /// Values valid for some field, and near misses.
    pub values: Vec<Vec<u8>>,
    /// Query strings to choose from (the first is the baseline's).
    pub queries: Vec<Vec<(String, String)>>,
    /// Path parameters to choose from (the first is the baseline's).
    pub paths: Vec<Vec<(String, String)>>,
    /// Callers to choose from (the first is the baseline's).
    pub callers: Vec<Caller>,
    /// Codes the endpoint must never answer here (internal errors).
    pub never: &'static [i64],
}

/// A field name: one of the profile's, or any text.
#[derive(Arbitrary, Debug)]
pub enum Name {
    /// `names[i % len]`.
    Known(u8),
    /// Any text.
    Other(String),
}

/// A part's value.
#[derive(Arbitrary, Debug)]
pub enum Val {
    /// `values[i % len]`.
    Known(u8),
    /// Empty.
    Empty,
    /// Any text.
    Text(String),
    /// Any bytes.
    Bytes(Vec<u8>),
    /// A decimal number.
    Int(i64),
    /// `values[i % len]` repeated `n` times (long values, past max_chars).
    Repeat(u8, u16),
}

/// One mutation of the baseline form.
#[derive(Arbitrary, Debug)]
pub enum Op {
    /// Remove part `i`.
    Drop(u8),
    /// Exchange parts `i` and `j`.
    Swap(u8, u8),
    /// Send part `i` twice.
    Duplicate(u8),
    /// Replace part `i`'s value.
    Set(u8, Val),
    /// Rename part `i`.
    Rename(u8, Name),
    /// Give part `i` a filename, or take it away.
    Filename(u8, Option<String>),
    /// Give part `i` a Content-Type, or take it away.
    ContentType(u8, Option<String>),
    /// Insert a new part at `i`.
    Insert(u8, Name, Val, bool),
}

/// A mutated request of one endpoint.
#[derive(Arbitrary, Debug)]
pub struct FormCase {
    ops: Vec<Op>,
    cuts: Vec<u16>,
    query: u8,
    path: u8,
    caller: u8,
    /// Send the Content-Type header without the multipart type or with another boundary.
    header: u8,
    /// Cut the body short.
    truncation: Option<Truncation>,
}

impl FormProfile {
    fn value(&self, v: &Val) -> Vec<u8> {
        let known = |i: &u8| self.values[*i as usize % self.values.len()].clone();
        match v {
            Val::Known(i) => known(i),
            Val::Empty => Vec::new(),
            Val::Text(s) => s.as_bytes().to_vec(),
            Val::Bytes(b) => b.clone(),
            Val::Int(n) => n.to_string().into_bytes(),
            Val::Repeat(i, n) => known(i).repeat((*n as usize).min(2048)),
        }
    }

    fn name(&self, n: &Name) -> String {
        match n {
            Name::Known(i) => self.names[*i as usize % self.names.len()].to_string(),
            Name::Other(s) => s.clone(),
        }
    }

    /// Applies `case` to the baseline and runs it, checking the invariants.
    pub fn run(&self, case: FormCase) {
        let mut parts = self.baseline.clone();
        for op in case.ops.iter().take(32) {
            let at = |i: &u8, len: usize| (*i as usize) % len.max(1);
            match op {
                Op::Drop(i) if !parts.is_empty() => {
                    parts.remove(at(i, parts.len()));
                }
                Op::Swap(i, j) if !parts.is_empty() => {
                    let (a, b) = (at(i, parts.len()), at(j, parts.len()));
                    parts.swap(a, b);
                }
                Op::Duplicate(i) if !parts.is_empty() => {
                    let p = parts[at(i, parts.len())].clone();
                    parts.push(p);
                }
                Op::Set(i, v) if !parts.is_empty() => {
                    let n = at(i, parts.len());
                    parts[n].body = self.value(v);
                }
                Op::Rename(i, name) if !parts.is_empty() => {
                    let n = at(i, parts.len());
                    parts[n].name = self.name(name);
                }
                Op::Filename(i, f) if !parts.is_empty() => {
                    let n = at(i, parts.len());
                    parts[n].filename = f.clone();
                }
                Op::ContentType(i, ct) if !parts.is_empty() => {
                    let n = at(i, parts.len());
                    parts[n].content_type = ct.clone();
                }
                Op::Insert(i, name, v, file) => {
                    let n = (*i as usize) % (parts.len() + 1);
                    let part = Part {
                        name: self.name(name),
                        filename: file.then(|| "x.bin".to_string()),
                        content_type: file.then(|| "application/octet-stream".to_string()),
                        body: self.value(v),
                    };
                    parts.insert(n, part);
                }
                _ => {}
            }
        }
        let content_type = match case.header % 8 {
            0 => None,
            1 => Some("application/json".to_string()),
            2 => Some("multipart/form-data".to_string()),
            3 => Some("multipart/form-data; boundary=other".to_string()),
            _ => Some(format!("multipart/form-data; boundary={BOUNDARY}")),
        };
        let pick = |i: u8, len: usize| i as usize % len;
        let (chunks, end) = cut_body(encode(&parts, BOUNDARY), &case.cuts, case.truncation);
        let req = InMemoryRequest {
            endpoint: self.endpoint.to_string(),
            caller: self.callers[pick(case.caller, self.callers.len())].clone(),
            query: self.queries[pick(case.query, self.queries.len())].clone(),
            path_params: self.paths[pick(case.path, self.paths.len())].clone(),
            content_type,
            chunks,
            end,
        };
        run_and_check(req, self.never);
    }
}

/// The default world's app `cli_mock` calling with its tenant token.
pub fn tenant() -> Caller {
    Caller::Tenant {
        app_id: "cli_mock".into(),
    }
}

/// The default world's user calling through `cli_mock`.
pub fn user() -> Caller {
    Caller::User {
        app_id: "cli_mock".into(),
        open_id: "ou_2cefb2f014f8d0c6c2d2eb7bafb0e54f".into(),
    }
}

/// A user that the world does not hold.
pub fn ghost_user() -> Caller {
    Caller::User {
        app_id: "cli_mock".into(),
        open_id: "ou_ghost".into(),
    }
}

/// `(k, v)` pairs as owned strings.
pub fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
