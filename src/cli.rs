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
    /// Most bytes kept across all stored files; an upload past it gets the platform's quota
    /// code (Drive 1061101) and stores nothing. Unlimited when unset.
    #[arg(long, env = "FEISHU_MOCK_MAX_STORED_BYTES")]
    pub max_stored_bytes: Option<u64>,
    /// Request log on stderr: text, json or off.
    #[arg(long, env = "FEISHU_MOCK_LOG_FORMAT", value_enum, default_value_t = crate::http::pipeline::LogFormat::Text)]
    pub log_format: crate::http::pipeline::LogFormat,
}
