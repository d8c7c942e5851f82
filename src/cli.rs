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
}
