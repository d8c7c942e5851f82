//! The HTTP layer: bytes on the wire to typed requests and back, one purpose a file.
//!
//! Lowest first (a file imports only the files listed before it; `tests/layers.rs`):
//! - [`limits`]: the HTTP layer's own bounds (head size, head and JSON body limits).
//! - [`body`]: [`body::RequestBody`], a body with its timeouts, drained when dropped early.
//! - [`budget`]: the in-flight memory budget bodies are read within.
//! - [`json`]: whole JSON bodies within a limit and the budget.
//! - [`multipart`]: the streaming multipart form reader with its per-endpoint limits.
//! - [`app`]: [`app::AppState`], the state every request reads, and [`app::ConnectionReset`].
//! - [`log`]: the journal entry and the stderr log line of each request.
//! - [`routing`]: method and path to a route with its path parameters.
//! - [`respond`]: outcomes in their platform's envelope, downloads, the 404.
//! - [`extract`]: a body read as its endpoint's spec says, failures mapped to its codes.
//! - [`refusal`]: refused request headers and refused request heads.
//! - [`in_memory`]: [`in_memory::answer_in_memory`], an endpoint without a socket.
//! - [`replay`]: the not-found path, answered from a recording under `serve --replay`.
//! - [`flow`]: [`flow::handle`], a request through route → auth → quota/fault → extract →
//!   family → envelope → journal/log.
//! - [`head_guard`]: the IO guard that holds each request head and answers hyper's refusals of
//!   one in the route's envelope.
//! - [`server`]: the listener with graceful shutdown and [`server::MockServer`] for Rust test
//!   suites.
//!
//! May import: every layer below it ([`crate::contract`], [`crate::state`],
//! [`crate::families`], [`crate::control`]).

pub mod app;
pub mod body;
pub mod budget;
pub mod extract;
pub mod flow;
pub mod head_guard;
pub mod in_memory;
pub mod json;
pub mod limits;
pub mod log;
pub mod multipart;
pub mod refusal;
pub mod replay;
pub mod respond;
pub mod routing;
pub mod server;
