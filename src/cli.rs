//! Command-line interface (clap derive). Every flag has an environment variable.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// feishu-mock: an in-memory emulator of Feishu's upload APIs (OKR images and progress
/// records, Task v2 attachments, Drive media, Feishu Project work-item attachments).
#[derive(Debug, Parser)]
#[command(name = "feishu-mock", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the emulator until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Print the emulated contract as an OpenAPI 3.1 document (JSON), generated from specs/
    /// and the route table; the same as `GET /__mock/openapi.json`.
    Openapi,
    /// Probe a running emulator's `GET /__mock/health`: exit 0 when it answers 200, 1 otherwise
    /// (a container HEALTHCHECK without curl).
    Health(HealthArgs),
    /// Record the real Feishu: a reverse proxy that forwards every request to the upstreams and
    /// writes each exchange, secrets replaced, to a recording directory.
    Record(RecordArgs),
    /// Replay a recording against the emulator and compare status, code, msg and shape per
    /// exchange; exit 1 when anything differs.
    Parity(ParityArgs),
}

/// Flags of `record`.
#[derive(Debug, Clone, clap::Args)]
pub struct RecordArgs {
    /// Directory to write the recording to (created; must be new or empty).
    #[arg(long, env = "FEISHU_MOCK_RECORD_OUT")]
    pub out: PathBuf,
    /// Where `/open-apis/…` requests go.
    #[arg(long, env = "FEISHU_MOCK_OPEN_UPSTREAM", default_value = crate::proxy::OPEN_UPSTREAM)]
    pub open_upstream: String,
    /// Where `/open_api/…` (Feishu Project) requests go.
    #[arg(long, env = "FEISHU_MOCK_PROJECT_UPSTREAM", default_value = crate::proxy::PROJECT_UPSTREAM)]
    pub project_upstream: String,
    /// Address to bind.
    #[arg(long, env = "FEISHU_MOCK_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to bind; 0 takes a free port.
    #[arg(long, env = "FEISHU_MOCK_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Bytes kept of each uploaded file and binary answer (the rest is described by size,
    /// SHA-256 and Adler-32 only).
    #[arg(long, env = "FEISHU_MOCK_KEEP_BYTES", default_value_t = 0)]
    pub keep_bytes: u64,
}

/// Flags of `parity`.
#[derive(Debug, Clone, clap::Args)]
pub struct ParityArgs {
    /// The recording directory (written by `record`).
    pub dir: PathBuf,
    /// Replay against a running emulator at this base URL instead of one started in-process.
    #[arg(long)]
    pub url: Option<String>,
    /// A world file the in-process emulator starts from, before what the recording implies is
    /// added (default: the embedded world).
    #[arg(long)]
    pub world: Option<PathBuf>,
    /// Write the results as JUnit XML to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the results as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Flags of `health`.
#[derive(Debug, Clone, clap::Args)]
pub struct HealthArgs {
    /// Base URL of the emulator (`http://HOST:PORT`); when set, `--host` and `--port` are ignored.
    #[arg(long)]
    pub url: Option<String>,
    /// Host to probe.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to probe: the same variable `serve` reads, so a probe follows the configured port.
    #[arg(long, env = "FEISHU_MOCK_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Give up after this many milliseconds (connect, write and read each).
    #[arg(long, default_value_t = 2000)]
    pub timeout_ms: u64,
}

impl HealthArgs {
    /// `host:port` to connect to, from `--url` or `--host`/`--port`.
    fn authority(&self) -> Result<String, String> {
        let Some(url) = &self.url else {
            return Ok(match self.host.contains(':') {
                true => format!("[{}]:{}", self.host, self.port),
                false => format!("{}:{}", self.host, self.port),
            });
        };
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("--url must start with http://: {url}"))?;
        let authority = rest.split('/').next().unwrap_or_default();
        match authority.rsplit_once(':') {
            Some((_, port)) if !port.ends_with(']') => Ok(authority.to_string()),
            _ => Ok(format!("{authority}:80")),
        }
    }

    /// Sends `GET /__mock/health` and returns `Ok` on HTTP 200, or what went wrong.
    pub fn probe(&self) -> Result<(), String> {
        use std::io::{Read, Write};
        use std::net::ToSocketAddrs;
        let timeout = std::time::Duration::from_millis(self.timeout_ms.max(1));
        let authority = self.authority()?;
        let addr = authority
            .to_socket_addrs()
            .map_err(|e| format!("{authority}: {e}"))?
            .next()
            .ok_or_else(|| format!("{authority}: no address"))?;
        let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout)
            .map_err(|e| format!("{authority}: {e}"))?;
        stream.set_read_timeout(Some(timeout)).ok();
        stream.set_write_timeout(Some(timeout)).ok();
        let request = format!(
            "GET /__mock/health HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| format!("{authority}: {e}"))?;
        let mut answer = Vec::new();
        stream
            .take(64 * 1024)
            .read_to_end(&mut answer)
            .map_err(|e| format!("{authority}: {e}"))?;
        let answer = String::from_utf8_lossy(&answer);
        let status_line = answer.lines().next().unwrap_or_default();
        match status_line.split(' ').nth(1) {
            Some("200") => Ok(()),
            _ => Err(format!("{authority}: answered {status_line:?}")),
        }
    }
}

/// Flags of `serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to bind.
    #[arg(long, env = "FEISHU_MOCK_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to bind; 0 takes a free port.
    #[arg(long, env = "FEISHU_MOCK_PORT", default_value_t = 8080)]
    pub port: u16,
    /// World file (JSON, the format of specs/world.json); the embedded default world when unset.
    #[arg(long, env = "FEISHU_MOCK_WORLD")]
    pub world: Option<PathBuf>,
    /// Seed for tokens, GUIDs and log ids, so that runs repeat.
    #[arg(long, env = "FEISHU_MOCK_SEED")]
    pub seed: Option<u64>,
    /// Base URL that links handed to clients point at (default: the listening address).
    #[arg(long, env = "FEISHU_MOCK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Do not enforce the documented frequency limits (OKR 100/min, Task 10/s, Drive 5/s and
    /// 10000/day per app).
    #[arg(long, env = "FEISHU_MOCK_NO_RATE_LIMITS")]
    pub no_rate_limits: bool,
    /// Entries kept by the request journal (GET /__mock/requests); 0 keeps none.
    #[arg(long, env = "FEISHU_MOCK_JOURNAL_LIMIT", default_value_t = crate::state::store::DEFAULT_JOURNAL_LIMIT)]
    pub journal_limit: usize,
    /// Create unknown OKR targets, tasks, Drive nodes and work items on first use instead of
    /// refusing them.
    #[arg(long, env = "FEISHU_MOCK_LOOSE")]
    pub loose: bool,
    /// What is kept of accepted files: bytes (downloads serve them) or metadata (name, size,
    /// sha256, type; memory stays flat under sustained load).
    #[arg(long, env = "FEISHU_MOCK_RETAIN", value_enum, default_value_t = crate::state::store::Retain::Bytes)]
    pub retain: crate::state::store::Retain,
    /// Most bytes stored [default: 4294967296 (4 GiB) under --retain bytes; none under --retain
    /// metadata]. Under --retain bytes it counts the bytes kept (files' bytes and progress
    /// record contents); under --retain metadata nothing is kept, so only a cap given here
    /// applies, and it counts files' sizes as uploaded. An upload or record past it gets the
    /// platform's quota code (Drive 1061101) and stores nothing.
    #[arg(long, env = "FEISHU_MOCK_MAX_STORED_BYTES")]
    pub max_stored_bytes: Option<u64>,
    /// Most objects kept (stored files of every endpoint and OKR progress records), in every
    /// retention mode (under --retain metadata, what bounds memory); past it an upload or
    /// record gets the same quota code and stores nothing.
    #[arg(long, env = "FEISHU_MOCK_MAX_STORED_OBJECTS", default_value_t = crate::state::store::DEFAULT_MAX_STORED_OBJECTS)]
    pub max_stored_objects: usize,
    /// Most tokens issued at runtime kept at once (open-platform tokens, and Feishu Project
    /// plugin tokens, each): past it the tokens closest to expiry are forgotten first. Expired
    /// tokens are always reclaimed.
    #[arg(long, env = "FEISHU_MOCK_MAX_ISSUED_TOKENS", default_value_t = crate::state::store::DEFAULT_MAX_ISSUED_TOKENS, value_parser = clap::value_parser!(usize))]
    pub max_issued_tokens: usize,
    /// Slowest average rate, in bytes per second, a request body may arrive at once
    /// --body-rate-grace has passed; a slower body is answered with the endpoint's parameter
    /// error and its connection closed. 0: no minimum.
    #[arg(long, env = "FEISHU_MOCK_MIN_BODY_RATE", default_value_t = crate::http::body::MIN_BODY_RATE)]
    pub min_body_rate: u64,
    /// Seconds from a request's head before --min-body-rate applies.
    #[arg(long, env = "FEISHU_MOCK_BODY_RATE_GRACE", default_value_t = crate::http::body::BODY_RATE_GRACE.as_secs())]
    pub body_rate_grace: u64,
    /// Request log on stderr: text, json or off.
    #[arg(long, env = "FEISHU_MOCK_LOG_FORMAT", value_enum, default_value_t = crate::http::app::LogFormat::Text)]
    pub log_format: crate::http::app::LogFormat,
    /// A recording (written by `record`) whose answers serve the routes the emulator does not
    /// emulate, after the emulator's token check; unmatched requests keep the 404.
    #[arg(long, env = "FEISHU_MOCK_REPLAY")]
    pub replay: Option<PathBuf>,
}
