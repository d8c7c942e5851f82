//! The HTTP layer's own bounds on a request head, shared by the head guard, the server and the
//! state every request reads. Body limits live with their readers ([`crate::http::multipart`],
//! [`crate::http::extract::MAX_JSON_BODY_BYTES`]).

use std::time::Duration;

/// Longest time a client may take to send a request's headers (from its first byte, or from the
/// connection's start); past it the connection is closed (slow-header clients, "slowloris").
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest request head (request line and header lines, with their line ends and the empty
/// line), in bytes; a larger one is answered 431 (assumed: the Feishu docs name no limit; about
/// hyper's default read buffer of 408 KiB, which it stays under).
pub const MAX_HEAD_BYTES: usize = 400 * 1024;
