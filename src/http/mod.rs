//! The HTTP layer: bytes on the wire to typed requests and back.
//!
//! What lives here: the IO guard that holds each request head and answers hyper's refusals
//! of one in the route's envelope ([`head_guard`]), the streaming multipart and JSON body readers with their limits
//! ([`multipart`]), the pipeline that takes a request through route → auth → quota/fault →
//! extract → family → envelope → journal/log ([`pipeline`]), and the listener with graceful
//! shutdown and [`server::MockServer`] for Rust test suites ([`server`]).
//!
//! May import: every layer below it ([`crate::contract`], [`crate::state`],
//! [`crate::families`], [`crate::control`]).

pub mod head_guard;
pub mod multipart;
pub mod pipeline;
pub mod server;
