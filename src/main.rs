//! `feishu-mock serve`: parse the command line, load the world, serve.

use clap::Parser;
use feishu_mock::cli::{Cli, Command};
use feishu_mock::http::server::{bind, display_addr, serve, Config};
use feishu_mock::state::store::Options;
use feishu_mock::World;
use std::io::Write;

/// The binary allocates many small, short-lived JSON nodes per request and keeps a growing
/// store; mimalloc serves both faster than the system allocator (bench/, scenario B2). The
/// library leaves the allocator to its host.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let args = match cli.command {
        Command::Serve(args) => args,
        Command::Openapi => {
            let doc = feishu_mock::control::openapi::document();
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            return;
        }
        Command::Health(probe) => match probe.probe() {
            Ok(()) => std::process::exit(0),
            Err(e) => {
                eprintln!("feishu-mock health: {e}");
                std::process::exit(1);
            }
        },
    };
    let world = match &args.world {
        None => World::default_world(),
        Some(path) => {
            let loaded = std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|t| World::from_json(&t).map_err(|e| e.to_string()));
            match loaded {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("feishu-mock: cannot load world {}: {e}", path.display());
                    std::process::exit(2);
                }
            }
        }
    };
    let config = Config {
        host: args.host.clone(),
        port: args.port,
        world,
        seed: args.seed,
        public_url: args.public_url.clone(),
        options: Options {
            rate_limits: !args.no_rate_limits,
            journal_limit: args.journal_limit,
            loose: args.loose,
            retain: args.retain,
            max_stored_bytes: Some(args.max_stored_bytes),
            max_stored_objects: args.max_stored_objects,
            max_issued_tokens: args.max_issued_tokens,
        },
        log_format: args.log_format,
        header_read_timeout: feishu_mock::http::server::HEADER_READ_TIMEOUT,
        body_idle_timeout: feishu_mock::http::multipart::BODY_IDLE_TIMEOUT,
        min_body_rate: args.min_body_rate,
        body_rate_grace: std::time::Duration::from_secs(args.body_rate_grace),
    };
    let (listener, state) = match bind(config).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("feishu-mock: cannot bind {}:{}: {e}", args.host, args.port);
            std::process::exit(2);
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("feishu-mock: {e}");
            std::process::exit(2);
        }
    };
    if let Some(warning) = feishu_mock::http::server::exposure_warning(addr) {
        eprintln!("{warning}");
    }
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "feishu-mock listening on http://{}",
        display_addr(addr)
    );
    let _ = out.flush();
    if let Err(e) = serve(listener, state, shutdown_signal()).await {
        eprintln!("feishu-mock: {e}");
        std::process::exit(1);
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
