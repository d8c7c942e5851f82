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
///
/// Built with mimalloc's `no_thp` (it does not ask for transparent huge pages, so memory goes
/// back in 64 KiB pieces rather than whole 2 MiB ones) and a janitor thread (see
/// [`give_freed_memory_back`]): after a burst an idle emulator returns what it freed (issue 12
/// item 5, `bench/burst.py`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's option index of `arena_purge_mult` (`mi_option_t` in its v3 `mimalloc.h`; the
/// Rust bindings name no constant for it): the arenas' purge delay is `purge_delay` (1000 ms)
/// times this (10 by default).
const MI_OPTION_ARENA_PURGE_MULT: libmimalloc_sys::mi_option_t = 24;

/// How often the allocator's janitor asks mimalloc to give back what it freed.
const COLLECT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Gives memory the emulator freed back to the OS within about 2 s, even when it then goes
/// idle (issue 12 item 5: RSS 10 s after a burst). mimalloc keeps freed memory for
/// `purge_delay` (1 s; 10 s in its arenas) and purges it only when it is next called, so an
/// emulator idle after a burst of large uploads kept 30–100 MiB it no longer used. The arena
/// delay is cut to 1 s, and a janitor thread calls `mi_collect(false)` once a second, which
/// purges what has expired program-wide (it never purges early: under load, freed pages are
/// reused before they expire, so throughput is unchanged; `bench/run.sh` B2–B4, README).
fn give_freed_memory_back() {
    // SAFETY: sets one option's value; mimalloc documents its setters as not thread-safe, and
    // this runs first in `main`, before the runtime or any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_PURGE_MULT, 1) }
    let janitor = std::thread::Builder::new()
        .name("mimalloc-collect".into())
        .spawn(|| loop {
            std::thread::sleep(COLLECT_EVERY);
            // SAFETY: mi_collect may be called from any thread at any time.
            unsafe { libmimalloc_sys::mi_collect(false) }
        });
    if let Err(e) = janitor {
        eprintln!("feishu-mock: freed memory goes back to the OS only under load: {e}");
    }
}

fn main() {
    give_freed_memory_back();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("feishu-mock: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    }
}

/// `main` once the allocator is set and the runtime runs.
async fn run() {
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
        Command::Record(args) => std::process::exit(record(args).await),
        Command::Parity(args) => std::process::exit(parity(args).await),
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
    let replay = match &args.replay {
        None => None,
        Some(dir) => match feishu_mock::recording::Recording::open(dir) {
            // Emulated routes are never answered from a recording.
            Ok(rec) => Some(std::sync::Arc::new(
                feishu_mock::recording::replay::ReplayStore::new(&rec, |ex| {
                    feishu_mock::parity::route::endpoint_of(&ex.request.method, &ex.request.route)
                        .is_none()
                }),
            )),
            Err(e) => {
                eprintln!("feishu-mock: cannot replay: {e}");
                std::process::exit(2);
            }
        },
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
            max_stored_bytes: args.max_stored_bytes,
            max_stored_objects: args.max_stored_objects,
            max_issued_tokens: args.max_issued_tokens,
        },
        log_format: args.log_format,
        header_read_timeout: feishu_mock::http::limits::HEADER_READ_TIMEOUT,
        body_idle_timeout: feishu_mock::http::body::BODY_IDLE_TIMEOUT,
        min_body_rate: args.min_body_rate,
        body_rate_grace: std::time::Duration::from_secs(args.body_rate_grace),
        replay,
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
        // One write, newline included: `eprintln!` writes the text and its newline apart on
        // unbuffered stderr, and a log that merges both streams (`podman logs`) could then put
        // the listening line between them.
        let _ = std::io::stderr()
            .lock()
            .write_all(format!("{warning}\n").as_bytes());
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

/// `feishu-mock record`: runs the recording proxy until SIGINT or SIGTERM; the exit status.
async fn record(args: feishu_mock::cli::RecordArgs) -> i32 {
    let config = feishu_mock::proxy::RecordConfig {
        out: args.out.clone(),
        open_upstream: args.open_upstream.trim_end_matches('/').to_string(),
        project_upstream: args.project_upstream.trim_end_matches('/').to_string(),
        host: args.host,
        port: args.port,
        keep_bytes: args.keep_bytes,
    };
    let (listener, state) = match feishu_mock::proxy::bind(config).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("feishu-mock record: {e}");
            return 2;
        }
    };
    let addr = listener.local_addr().map(display_addr).unwrap_or_default();
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "feishu-mock record listening on http://{addr}, writing {}",
        args.out.display()
    );
    let _ = out.flush();
    feishu_mock::proxy::serve(listener, state, shutdown_signal()).await;
    0
}

/// `feishu-mock parity`: prints the table, writes the reports; 0 when nothing differs, 1 when
/// something does, 2 when the recording cannot be replayed.
async fn parity(args: feishu_mock::cli::ParityArgs) -> i32 {
    let config = feishu_mock::parity::ParityConfig {
        dir: args.dir.clone(),
        url: args.url.clone(),
        world: args.world.clone(),
    };
    let report = match feishu_mock::parity::run(&config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("feishu-mock parity: {e}");
            return 2;
        }
    };
    let _ = write!(std::io::stdout(), "{}", report.table());
    let mut written = Ok(());
    if let Some(path) = &args.junit {
        written = written.and(std::fs::write(path, report.junit()).map_err(|e| (path, e)));
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report.json()).unwrap_or_default();
        written = written.and(std::fs::write(path, text).map_err(|e| (path, e)));
    }
    if let Err((path, e)) = written {
        eprintln!("feishu-mock parity: cannot write {}: {e}", path.display());
        return 2;
    }
    i32::from(report.has_differences())
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
