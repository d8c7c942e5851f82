//! The listener, the connection loop, graceful shutdown, and [`MockServer`] for Rust test suites.
//!
//! HTTP/1.1 with title-case response headers, so that `X-Tt-Logid` leaves in exactly that casing
//! (FEISHU_FACTS §3: the Python SDK reads it case-sensitively).
//!
//! # Slow and hostile clients
//! Every connection is its own task, so a slow client never holds up another. Its cost is
//! bounded in time: headers must arrive within [`HEADER_READ_TIMEOUT`] (else the connection is
//! closed without an answer), and a body that goes silent for
//! [`crate::http::body::BODY_IDLE_TIMEOUT`] is answered with the endpoint's parameter error and
//! the connection closed.
//!
//! A head over [`MAX_HEAD_BYTES`] or with more than [`crate::http::head_guard::MAX_HEADERS`]
//! header lines is answered `431 Request Header Fields Too Large`, a head hyper cannot parse
//! `400 Bad Request`, each with a body in the named route's envelope and a closed connection;
//! a head with both `Content-Length` and `Transfer-Encoding` is refused with 400 before hyper
//! reads it ([`crate::http::head_guard`], [`crate::http::refusal::HeadRefusal`]).

use crate::families::world::World;
use crate::http::app::{AppState, LogFormat};
use crate::http::flow::handle;
use crate::http::head_guard::HeadGuard;
use crate::http::limits::{HEADER_READ_TIMEOUT, MAX_HEAD_BYTES};
use crate::state::store::Options;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Pause before accepting again after `accept()` failed (e.g. out of file descriptors).
pub const ACCEPT_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind (default `127.0.0.1`).
    pub host: String,
    /// Port to bind; 0 takes a free port.
    pub port: u16,
    /// The world to load.
    pub world: World,
    /// Seed for tokens, GUIDs and log ids; `None` draws from the OS.
    pub seed: Option<u64>,
    /// Base URL for links handed to clients; defaults to the listening address.
    pub public_url: Option<String>,
    /// Rate limits, journal size, loose mode.
    pub options: Options,
    /// Request log on stderr.
    pub log_format: LogFormat,
    /// Longest time to receive a request's headers ([`HEADER_READ_TIMEOUT`]).
    pub header_read_timeout: Duration,
    /// Longest wait for the next bytes of a request body
    /// ([`crate::http::body::BODY_IDLE_TIMEOUT`]).
    pub body_idle_timeout: Duration,
    /// Slowest average body rate in bytes per second once `body_rate_grace` has passed
    /// ([`crate::http::body::MIN_BODY_RATE`]; 0: no minimum).
    pub min_body_rate: u64,
    /// Time from a request's head before `min_body_rate` applies
    /// ([`crate::http::body::BODY_RATE_GRACE`]).
    pub body_rate_grace: Duration,
    /// Recorded answers for routes the emulator does not emulate (`serve --replay`).
    pub replay: Option<Arc<crate::recording::replay::ReplayStore>>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            host: "127.0.0.1".into(),
            port: 0,
            world: World::default_world(),
            seed: None,
            public_url: None,
            options: Options::default(),
            log_format: LogFormat::Off,
            header_read_timeout: HEADER_READ_TIMEOUT,
            body_idle_timeout: crate::http::body::BODY_IDLE_TIMEOUT,
            min_body_rate: crate::http::body::MIN_BODY_RATE,
            body_rate_grace: crate::http::body::BODY_RATE_GRACE,
            replay: None,
        }
    }
}

/// Binds `config.host:config.port` and builds the shared state.
pub async fn bind(config: Config) -> std::io::Result<(TcpListener, Arc<AppState>)> {
    let listener = TcpListener::bind((config.host.as_str(), config.port)).await?;
    let addr = listener.local_addr()?;
    let public_url_given = config.public_url.is_some();
    // Without --public-url, links follow each request's Host; this fallback (a request without
    // one) names a loopback address rather than an unspecified one such as 0.0.0.0.
    let mut reachable = addr;
    if addr.ip().is_unspecified() {
        reachable.set_ip(match addr.ip() {
            std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let public_url = config
        .public_url
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| format!("http://{}", display_addr(reachable)));
    let mut state = AppState::new(
        config.world,
        config.seed,
        config.options,
        public_url,
        config.log_format,
    );
    state.public_url_given = public_url_given;
    state.body_idle_timeout = config.body_idle_timeout;
    state.min_body_rate = config.min_body_rate;
    state.body_rate_grace = config.body_rate_grace;
    state.replay = config.replay;
    state.header_read_timeout = config.header_read_timeout;
    Ok((listener, Arc::new(state)))
}

/// The warning printed on stderr when the emulator listens on `addr` beyond the loopback
/// interface (`--host 0.0.0.0` and the like), if it does.
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    if addr.ip().is_loopback() {
        return None;
    }
    Some(format!(
        "feishu-mock: WARNING: listening on {} is reachable from the network: anyone who can \
         reach this machine can read and replace the stored files, the world and the tokens \
         (the /__mock/ control plane has no authentication). Bind 127.0.0.1 unless that is \
         what you want.",
        display_addr(addr)
    ))
}

/// `HOST:PORT`, with IPv6 hosts in brackets.
pub fn display_addr(addr: SocketAddr) -> String {
    addr.to_string()
}

/// Serves connections from `listener` until `shutdown` resolves, then lets open connections
/// finish their current request.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(s) => s,
                    // Out of file descriptors and the like: keep serving the others, after a
                    // pause so that a persistent failure does not spin a core.
                    Err(_) => {
                        tokio::time::sleep(ACCEPT_RETRY_PAUSE).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let header_read_timeout = state.header_read_timeout;
                let guarded = HeadGuard::new(stream, state.clone(), MAX_HEAD_BYTES);
                let state = state.clone();
                let service = service_fn(move |req| {
                    let state = state.clone();
                    async move { handle(state, req).await }
                });
                let conn = http1::Builder::new()
                    .title_case_headers(true)
                    .timer(TokioTimer::new())
                    .header_read_timeout(header_read_timeout)
                    .max_header_size(MAX_HEAD_BYTES)
                    .serve_connection(TokioIo::new(guarded), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), graceful.shutdown()).await;
    Ok(())
}

/// An emulator running inside the current tokio runtime, for Rust test suites. It listens on
/// `127.0.0.1` on a free port and shuts down when dropped.
///
/// ```no_run
/// # async fn demo() {
/// let server = feishu_mock::MockServer::start(feishu_mock::World::default_world()).await.unwrap();
/// let url = server.url(); // e.g. "http://127.0.0.1:40123"
/// # }
/// ```
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl MockServer {
    /// Starts an emulator on `world` with a random seed.
    pub async fn start(world: World) -> std::io::Result<MockServer> {
        MockServer::start_with(Config {
            world,
            ..Config::default()
        })
        .await
    }

    /// Starts an emulator with `config` (host and port included).
    pub async fn start_with(config: Config) -> std::io::Result<MockServer> {
        let (listener, state) = bind(config).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let serve_state = state.clone();
        tokio::spawn(async move {
            let _ = serve(listener, serve_state, async {
                let _ = rx.await;
            })
            .await;
        });
        Ok(MockServer {
            addr,
            state,
            shutdown: Some(tx),
        })
    }

    /// Base URL, `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", display_addr(self.addr))
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's state, for assertions on what was stored (`state().store()`).
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
