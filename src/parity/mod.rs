//! `feishu-mock parity DIR`: replays a recording of the real Feishu against the emulator and
//! compares what a client's code can see (issue 26).
//!
//! The exchanges are replayed in recorded order against an emulator started in-process on the
//! world the recording implies ([`world::derive`], on top of `--world FILE` or the default
//! world; frequency limits off, since a replay runs faster than the recording did), or against
//! a running one (`--url`, whose world is then the caller's). Values the upstream answered —
//! tokens, file tokens, GUIDs, ids — are mapped to the ones the emulator answered at the same
//! place ([`compare::learn`]), and later requests are sent with them. File parts whose bytes
//! the recording does not hold (`--keep-bytes`) are sent as the kept bytes padded with zeros
//! to their recorded size; a text part `checksum` that was the file's Adler-32 is recomputed
//! for those bytes.
//!
//! Per exchange: status, `code`/`err_code`, `msg`/`err_msg` and shape ([`compare`]). Routes the
//! emulator does not emulate are listed as "not emulated" and not sent; exchanges the upstream
//! never answered are listed as "unanswered". [`Report`] prints a table per endpoint and
//! writes JUnit XML and JSON.

pub mod compare;
pub mod route;
pub mod world;

use crate::families::world::World;
use crate::http::server::{Config, MockServer};
use crate::recording::{Body, Exchange, Part, Recording};
use crate::state::store::Options;
use bytes::Bytes;
use compare::Seen;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

/// Seed of the in-process emulator, so that a parity run repeats.
pub const SEED: u64 = 26;

/// How to run a parity check.
#[derive(Debug, Clone, Default)]
pub struct ParityConfig {
    /// The recording.
    pub dir: PathBuf,
    /// A running emulator's base URL; in-process when `None`.
    pub url: Option<String>,
    /// A world file added to (in-process only).
    pub world: Option<PathBuf>,
}

/// How one exchange fared.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Status, code, msg and shape as recorded.
    Identical,
    /// At least one difference.
    Differs(Vec<String>),
    /// A route the emulator does not emulate.
    NotEmulated,
    /// The upstream never answered it while recording.
    Unanswered,
    /// The emulator could not be reached.
    Failed(String),
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::Identical => "identical",
            Outcome::Differs(_) => "differs",
            Outcome::NotEmulated => "not emulated",
            Outcome::Unanswered => "unanswered",
            Outcome::Failed(_) => "failed",
        }
    }
}

/// One exchange's result.
#[derive(Debug, Clone)]
pub struct ExchangeResult {
    /// The exchange's number.
    pub seq: u64,
    /// `METHOD pattern` of the emulated route, else `METHOD route`.
    pub endpoint: String,
    /// The recorded route.
    pub route: String,
    /// How it fared.
    pub outcome: Outcome,
}

/// A parity run's results.
#[derive(Debug, Clone)]
pub struct Report {
    /// The recording's directory.
    pub dir: PathBuf,
    /// One per exchange, in order.
    pub results: Vec<ExchangeResult>,
    /// Wall time of the replay, seconds (world derivation and emulator start included).
    pub seconds: f64,
}

/// Loads the recording, builds the world, replays and compares.
pub async fn run(config: &ParityConfig) -> Result<Report, String> {
    let started = Instant::now();
    let recording = Recording::open(&config.dir).map_err(|e| e.to_string())?;
    let base = match &config.world {
        None => World::default_world(),
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| World::from_json(&t).map_err(|e| e.to_string()))
            .map_err(|e| format!("cannot load world {}: {e}", path.display()))?,
    };
    let (_server, base_url) = match &config.url {
        Some(url) => (None, url.trim_end_matches('/').to_string()),
        None => {
            let world = world::derive(&recording, &base)?;
            let server = MockServer::start_with(Config {
                world,
                seed: Some(SEED),
                options: Options {
                    rate_limits: false,
                    ..Options::default()
                },
                ..Config::default()
            })
            .await
            .map_err(|e| format!("cannot start the emulator: {e}"))?;
            let url = server.url();
            (Some(server), url)
        }
    };
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let mut map: HashMap<String, String> = HashMap::new();
    let mut results = Vec::with_capacity(recording.exchanges.len());
    for ex in &recording.exchanges {
        let endpoint = route::endpoint_of(&ex.request.method, &ex.request.route);
        let outcome = match &endpoint {
            _ if ex.upstream_error.is_some() => Outcome::Unanswered,
            None => Outcome::NotEmulated,
            Some(_) => match send(&client, &base_url, ex, &map).await {
                Err(e) => Outcome::Failed(e),
                Ok(emulated) => {
                    let recorded = recorded_seen(ex);
                    if let (Some(r), Some(e)) = (&recorded.json, &emulated.json) {
                        compare::learn(r, e, &mut map);
                    }
                    for (name, r) in &recorded.mock_headers {
                        if let Some(e) = emulated.mock_headers.get(name) {
                            if r != e {
                                map.entry(r.clone()).or_insert_with(|| e.clone());
                            }
                        }
                    }
                    let d = compare::differences(&recorded, &emulated);
                    if d.is_empty() {
                        Outcome::Identical
                    } else {
                        Outcome::Differs(d)
                    }
                }
            },
        };
        results.push(ExchangeResult {
            seq: ex.seq,
            endpoint: endpoint
                .unwrap_or_else(|| format!("{} {}", ex.request.method, ex.request.route)),
            route: ex.request.route.clone(),
            outcome,
        });
    }
    Ok(Report {
        dir: config.dir.clone(),
        results,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What the recording says the client saw.
fn recorded_seen(ex: &Exchange) -> Seen {
    Seen {
        status: ex.response.status,
        json: ex.response.body.json().cloned(),
        media: ex.response.headers.get("content-type").map(|c| media(c)),
        mock_headers: ex
            .response
            .headers
            .iter()
            .filter(|(k, _)| k.starts_with("x-mock-"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

fn media(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// A recorded value, or what the emulator answered in its place.
fn mapped(map: &HashMap<String, String>, value: &str) -> String {
    map.get(value).cloned().unwrap_or_else(|| value.to_string())
}

fn map_json(map: &HashMap<String, String>, value: &mut Value) {
    match value {
        Value::String(s) => *s = mapped(map, s),
        Value::Array(items) => items.iter_mut().for_each(|v| map_json(map, v)),
        Value::Object(m) => m.values_mut().for_each(|v| map_json(map, v)),
        _ => {}
    }
}

/// Boundary of the forms parity sends.
const BOUNDARY: &str = "feishu-mock-parity-boundary-26";

/// Replays `ex` (its values mapped) against the emulator at `base`.
async fn send(
    client: &Client<HttpConnector, Full<Bytes>>,
    base: &str,
    ex: &Exchange,
    map: &HashMap<String, String>,
) -> Result<Seen, String> {
    let req = &ex.request;
    let path: Vec<String> = req.route.split('/').map(|s| mapped(map, s)).collect();
    let mut uri = format!("{base}{}", path.join("/"));
    if !req.query.is_empty() {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &req.query {
            q.append_pair(k, &mapped(map, v));
        }
        uri.push('?');
        uri.push_str(&q.finish());
    }
    let mut builder = hyper::Request::builder()
        .method(req.method.as_str())
        .uri(&uri);
    for (name, value) in &req.headers {
        let value = match name.as_str() {
            "content-type" | "content-length" => continue,
            "authorization" => match value.strip_prefix("Bearer ") {
                Some(t) => format!("Bearer {}", mapped(map, t)),
                None => value.clone(),
            },
            _ => mapped(map, value),
        };
        builder = builder.header(name.as_str(), value);
    }
    let recorded_type = req.headers.get("content-type").cloned();
    let (content_type, body) = match &req.body {
        Body::Empty => (recorded_type, Vec::new()),
        Body::Json { json } => {
            let mut json = json.clone();
            map_json(map, &mut json);
            (recorded_type, serde_json::to_vec(&json).unwrap_or_default())
        }
        Body::Text { text } => (recorded_type, text.clone().into_bytes()),
        Body::Bytes { size, kept, .. } => (recorded_type, filled(kept.as_deref(), *size)),
        Body::Form { parts } => (
            Some(format!("multipart/form-data; boundary={BOUNDARY}")),
            form_body(parts, map),
        ),
    };
    if let Some(ct) = content_type {
        builder = builder.header("content-type", ct);
    }
    let request = builder
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let answer = client
        .request(request)
        .await
        .map_err(|e| format!("{base}: {e}"))?;
    let status = answer.status().as_u16();
    let mock_headers = answer
        .headers()
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("x-mock-"))
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let media = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(media);
    let bytes = answer
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    let json = match media.as_deref() {
        Some(m) if m.contains("json") => serde_json::from_slice(&bytes).ok(),
        _ => None,
    };
    Ok(Seen {
        status,
        json,
        media,
        mock_headers,
    })
}

/// The kept bytes, padded with zeros to `size`.
fn filled(kept: Option<&str>, size: u64) -> Vec<u8> {
    let mut bytes = crate::recording::decode_kept(kept).unwrap_or_default();
    bytes.resize(size as usize, 0);
    bytes
}

/// A multipart body of `parts`, text values mapped, file bytes as [`filled`]; a `checksum`
/// that was the recorded file's Adler-32 is recomputed for the bytes sent.
fn form_body(parts: &[Part], map: &HashMap<String, String>) -> Vec<u8> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for p in parts {
        if let Part::File {
            adler32,
            kept,
            size,
            ..
        } = p
        {
            files.push((adler32.clone(), filled(kept.as_deref(), *size)));
        }
    }
    let mut out = Vec::new();
    let mut file_index = 0;
    for p in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Part::Text { name, value } => {
                let mut value = mapped(map, value);
                if name == "checksum" {
                    if let Some((_, bytes)) = files.iter().find(|(sum, _)| *sum == value) {
                        value = simd_adler32::adler32(&bytes.as_slice()).to_string();
                    }
                }
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File {
                name,
                filename,
                content_type,
                ..
            } => {
                let mut head = format!("Content-Disposition: form-data; name=\"{name}\"");
                if let Some(f) = filename {
                    head.push_str(&format!("; filename=\"{f}\""));
                }
                head.push_str("\r\n");
                if let Some(ct) = content_type {
                    head.push_str(&format!("Content-Type: {ct}\r\n"));
                }
                head.push_str("\r\n");
                out.extend_from_slice(head.as_bytes());
                if let Some((_, bytes)) = files.get(file_index) {
                    out.extend_from_slice(bytes);
                }
                file_index += 1;
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// Counts of one endpoint.
#[derive(Debug, Default, Clone)]
struct Tally {
    exchanges: usize,
    identical: usize,
    differing: usize,
    not_emulated: usize,
    unanswered: usize,
    failed: usize,
    how: BTreeMap<String, usize>,
}

impl Report {
    /// Whether any exchange differs (or could not be replayed): the exit status 1 of the CLI.
    pub fn has_differences(&self) -> bool {
        self.results
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Differs(_) | Outcome::Failed(_)))
    }

    fn tallies(&self) -> BTreeMap<String, Tally> {
        let mut out: BTreeMap<String, Tally> = BTreeMap::new();
        for r in &self.results {
            let t = out.entry(r.endpoint.clone()).or_default();
            t.exchanges += 1;
            match &r.outcome {
                Outcome::Identical => t.identical += 1,
                Outcome::Differs(d) => {
                    t.differing += 1;
                    for line in d {
                        *t.how.entry(line.clone()).or_default() += 1;
                    }
                }
                Outcome::NotEmulated => t.not_emulated += 1,
                Outcome::Unanswered => t.unanswered += 1,
                Outcome::Failed(e) => {
                    t.failed += 1;
                    *t.how.entry(format!("failed: {e}")).or_default() += 1;
                }
            }
        }
        out
    }

    /// The table per endpoint: exchanges, identical, differing, and how (each difference with
    /// how many exchanges showed it), then a total line.
    pub fn table(&self) -> String {
        let tallies = self.tallies();
        let width = tallies.keys().map(|k| k.len()).max().unwrap_or(8).max(8);
        let mut out = format!(
            "{:<width$}  {:>9}  {:>9}  {:>9}  how\n",
            "endpoint", "exchanges", "identical", "differing"
        );
        for (endpoint, t) in &tallies {
            let how = if t.not_emulated == t.exchanges {
                "not emulated".to_string()
            } else if t.unanswered == t.exchanges {
                "unanswered while recording".to_string()
            } else {
                t.how
                    .iter()
                    .map(|(line, n)| format!("{line} ({n}×)"))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            out.push_str(&format!(
                "{:<width$}  {:>9}  {:>9}  {:>9}  {how}\n",
                endpoint, t.exchanges, t.identical, t.differing
            ));
        }
        let count = |f: fn(&Outcome) -> bool| self.results.iter().filter(|r| f(&r.outcome)).count();
        out.push_str(&format!(
            "{} exchanges: {} identical, {} differing, {} not emulated, {} unanswered, {} failed, in {:.2} s\n",
            self.results.len(),
            count(|o| matches!(o, Outcome::Identical)),
            count(|o| matches!(o, Outcome::Differs(_))),
            count(|o| matches!(o, Outcome::NotEmulated)),
            count(|o| matches!(o, Outcome::Unanswered)),
            count(|o| matches!(o, Outcome::Failed(_))),
            self.seconds
        ));
        out
    }

    /// JUnit XML: one test case per exchange (class: its endpoint), a failure per differing
    /// exchange listing its differences, "skipped" for routes not emulated.
    pub fn junit(&self) -> String {
        let failures = self
            .results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Differs(_) | Outcome::Failed(_)))
            .count();
        let skipped = self
            .results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::NotEmulated | Outcome::Unanswered))
            .count();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.push_str(&format!(
            "<testsuites><testsuite name=\"feishu-mock parity\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">\n",
            self.results.len(),
            self.seconds
        ));
        for r in &self.results {
            out.push_str(&format!(
                "  <testcase classname=\"{}\" name=\"{:06} {}\">",
                xml(&r.endpoint),
                r.seq,
                xml(&r.route)
            ));
            match &r.outcome {
                Outcome::Identical => {}
                Outcome::Differs(d) => out.push_str(&format!(
                    "<failure message=\"{}\">{}</failure>",
                    xml(d.first().map(String::as_str).unwrap_or("")),
                    xml(&d.join("\n"))
                )),
                Outcome::Failed(e) => out.push_str(&format!("<error message=\"{}\"/>", xml(e))),
                other => out.push_str(&format!("<skipped message=\"{}\"/>", other.label())),
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("</testsuite></testsuites>\n");
        out
    }

    /// The results as JSON: totals, one entry per endpoint, one per exchange.
    pub fn json(&self) -> Value {
        let endpoints: Vec<Value> = self
            .tallies()
            .into_iter()
            .map(|(endpoint, t)| {
                json!({
                    "endpoint": endpoint,
                    "exchanges": t.exchanges,
                    "identical": t.identical,
                    "differing": t.differing,
                    "not_emulated": t.not_emulated,
                    "unanswered": t.unanswered,
                    "failed": t.failed,
                    "differences": t.how,
                })
            })
            .collect();
        let results: Vec<Value> = self
            .results
            .iter()
            .map(|r| {
                let differences = match &r.outcome {
                    Outcome::Differs(d) => d.clone(),
                    Outcome::Failed(e) => vec![e.clone()],
                    _ => Vec::new(),
                };
                json!({
                    "seq": r.seq,
                    "endpoint": r.endpoint,
                    "route": r.route,
                    "outcome": r.outcome.label(),
                    "differences": differences,
                })
            })
            .collect();
        json!({
            "recording": self.dir.display().to_string(),
            "seconds": self.seconds,
            "exchanges": self.results.len(),
            "differing": self.results.iter().filter(|r| matches!(r.outcome, Outcome::Differs(_))).count(),
            "endpoints": endpoints,
            "results": results,
        })
    }
}

/// `text` with XML's five special characters escaped.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
