//! The server's shared state: the current [`Emulator`] (swapped whole by a reset), the world
//! it resets to, the public base URL for links, the request log's format and the body and head
//! timeouts; and [`ConnectionReset`], the one way a request ends without an answer.

use crate::control::Emulator;
use crate::families::world::World;
use crate::families::PublicUrl;
use crate::state::store::Options;
use hyper::HeaderMap;
use std::sync::{Arc, RwLock};

/// Everything a request may need: the current store, the world to reset to, and the server's
/// public base URL.
#[derive(Debug)]
pub struct AppState {
    emulator: RwLock<Arc<Emulator>>,
    initial_world: World,
    seed: Option<u64>,
    options: Options,
    /// Base URL that links handed to clients point at (e.g. `http://127.0.0.1:8080`), no
    /// trailing slash: `--public-url` when given ([`AppState::public_url_given`]), otherwise
    /// the fallback for a request without a usable `Host` header.
    pub public_url: String,
    /// Whether `public_url` was given (`--public-url`): then every link uses it; otherwise a
    /// link is derived from the request's `Host` ([`AppState::link_base`]).
    pub public_url_given: bool,
    /// How each request is logged on stderr.
    pub log_format: LogFormat,
    /// Longest wait for the next bytes of a request body
    /// ([`crate::http::body::BODY_IDLE_TIMEOUT`] unless [`crate::Config`] says otherwise).
    pub body_idle_timeout: std::time::Duration,
    /// Slowest average body rate, bytes per second, once `body_rate_grace` has passed (0: none;
    /// [`crate::http::body::MIN_BODY_RATE`] unless [`crate::Config`] says otherwise).
    pub min_body_rate: u64,
    /// Time from a request's head before `min_body_rate` applies.
    pub body_rate_grace: std::time::Duration,
    /// Longest time to receive a request's headers
    /// ([`crate::http::limits::HEADER_READ_TIMEOUT`] unless [`crate::Config`] says otherwise).
    pub header_read_timeout: std::time::Duration,
    /// Recorded answers for the routes the emulator does not emulate (`serve --replay`).
    pub replay: Option<Arc<crate::recording::replay::ReplayStore>>,
}

/// Per-request log line format on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// `method path status code duration log_id`, space separated.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
    /// No request log.
    Off,
}

impl AppState {
    /// State for a server of `world`.
    pub fn new(
        world: World,
        seed: Option<u64>,
        options: Options,
        public_url: String,
        log_format: LogFormat,
    ) -> AppState {
        AppState {
            emulator: RwLock::new(Arc::new(Emulator::new(&world, seed, options.clone()))),
            initial_world: world,
            seed,
            options,
            public_url,
            public_url_given: false,
            log_format,
            body_idle_timeout: crate::http::body::BODY_IDLE_TIMEOUT,
            min_body_rate: crate::http::body::MIN_BODY_RATE,
            body_rate_grace: crate::http::body::BODY_RATE_GRACE,
            header_read_timeout: crate::http::limits::HEADER_READ_TIMEOUT,
            replay: None,
        }
    }

    /// The base of links handed to the client of a request with `headers`: `--public-url` when
    /// given, else `http://` + the request's `Host` when it is a plain `host[:port]` (letters,
    /// digits, `.-:[]_`), else [`AppState::public_url`]. A server bound to `0.0.0.0` thus hands
    /// out links its clients can reach, never `http://0.0.0.0:…`.
    pub fn link_base<'a>(&'a self, headers: &'a HeaderMap) -> PublicUrl<'a> {
        if self.public_url_given {
            return PublicUrl::whole(&self.public_url);
        }
        // The Host is checked where a link is written (PublicUrl's Display).
        let host = headers
            .get(hyper::header::HOST)
            .and_then(|v| v.to_str().ok());
        PublicUrl::from_host(host, &self.public_url)
    }

    /// The current emulator. A request keeps the emulator it started with, even across a
    /// reset.
    pub fn emulator(&self) -> Arc<Emulator> {
        self.emulator
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the store with a fresh one on the world loaded at start-up (`POST /__mock/reset`):
    /// stored files, records, issued tokens, counters, journal, faults and clock start over, and
    /// a replayed recording answers from its first exchange again.
    pub fn reset(&self) {
        let fresh = Arc::new(Emulator::new(
            &self.initial_world,
            self.seed,
            self.options.clone(),
        ));
        *self.emulator.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        if let Some(replay) = &self.replay {
            replay.rewind();
        }
    }
}

/// A request the emulator answers by closing the connection (a fault rule's
/// `reset_connection`). hyper drops the connection when the service returns it.
#[derive(Debug)]
pub struct ConnectionReset;

impl std::fmt::Display for ConnectionReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by a fault rule")
    }
}

impl std::error::Error for ConnectionReset {}
