//! [`RequestBody`]: a request body with its timeouts (idle, slowest rate) that is drained in
//! the background when a handler drops it before its end, so that a client still sending gets
//! its answer; and the bounds on that drain.

use bytes::Bytes;
use futures_util::Stream;
use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Most bytes discarded from a body after its answer was decided; past this the connection is
/// closed (bytes).
pub const DRAIN_MAX_BYTES: u64 = 1024 * 1024 * 1024;
/// Longest time spent discarding an unread body before the connection is closed.
pub const DRAIN_MAX_TIME: Duration = Duration::from_secs(60);
/// Longest wait for the next bytes of a request body once reading has begun: a client silent for
/// longer (stalled, or trickling headers' worth of nothing) is answered with the endpoint's
/// parameter error and its connection is closed, so that it holds no task, buffer or spool file
/// for longer than this (assumed; Feishu's front end times out idle uploads too).
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Slowest average rate a request body may arrive at once [`BODY_RATE_GRACE`] has passed, in
/// bytes per second (`--min-body-rate`; 0 disables): a slower body is cut off and answered with
/// the endpoint's parameter error, its connection closed (assumed; a 200 MB body at 1 KB/s would
/// otherwise hold its connection and task for two days).
pub const MIN_BODY_RATE: u64 = 8 * 1024;
/// Time from a request's head before [`MIN_BODY_RATE`] applies (`--body-rate-grace`).
pub const BODY_RATE_GRACE: Duration = Duration::from_secs(10);

/// Why a request body stopped before its end.
#[derive(Debug)]
pub enum BodyError {
    /// The connection failed or the client aborted mid-body.
    Transport(hyper::Error),
    /// No bytes arrived for the body-idle timeout ([`BODY_IDLE_TIMEOUT`] by default).
    Idle(Duration),
    /// After the grace period, the body's average rate fell below the minimum (bytes per
    /// second).
    TooSlow(u64),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::Transport(e) => write!(f, "request body: {e}"),
            BodyError::Idle(d) => write!(f, "request body idle for {} ms", d.as_millis()),
            BodyError::TooSlow(rate) => {
                write!(f, "request body slower than {rate} bytes/s on average")
            }
        }
    }
}

impl std::error::Error for BodyError {}

/// A request body that is drained in the background if dropped before its end, so that a client
/// that is still sending (Python `requests` writes the whole body before it reads) receives the
/// answer instead of a reset connection. The drain discards bytes and is bounded by
/// [`DRAIN_MAX_BYTES`] and [`DRAIN_MAX_TIME`], and stops at the body-idle timeout.
///
/// While a handler reads, a client that sends nothing for the idle timeout ends the body with
/// [`BodyError::Idle`]; only time spent waiting on the client counts, never time the server
/// spends between reads.
#[derive(Debug)]
pub struct RequestBody {
    inner: Option<Incoming>,
    idle_timeout: Duration,
    /// Deadline of the current wait for the client; `None` while no wait is under way.
    idle: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Minimum average rate (bytes per second; 0: none) once `grace` has passed since `started`.
    min_rate: u64,
    grace: Duration,
    started: tokio::time::Instant,
    /// Body bytes received so far.
    received: u64,
}

impl RequestBody {
    /// Wraps hyper's body; the body ends with [`BodyError::Idle`] when the client sends nothing
    /// for `idle_timeout`.
    pub fn with_idle_timeout(inner: Incoming, idle_timeout: Duration) -> RequestBody {
        RequestBody::with_limits(inner, idle_timeout, 0, BODY_RATE_GRACE)
    }

    /// Like [`RequestBody::with_idle_timeout`], and the body also ends with
    /// [`BodyError::TooSlow`] when, `grace` after the request's head, fewer than `min_rate`
    /// bytes per second have arrived on average (`min_rate` 0: no minimum).
    pub fn with_limits(
        inner: Incoming,
        idle_timeout: Duration,
        min_rate: u64,
        grace: Duration,
    ) -> RequestBody {
        RequestBody {
            inner: Some(inner),
            idle_timeout,
            idle: None,
            min_rate,
            grace,
            started: tokio::time::Instant::now(),
            received: 0,
        }
    }

    /// Whether the body has fallen below its minimum rate.
    fn too_slow(&self) -> bool {
        if self.min_rate == 0 {
            return false;
        }
        let elapsed = self.started.elapsed();
        elapsed > self.grace
            && (self.received as f64) < self.min_rate as f64 * elapsed.as_secs_f64()
    }
}

impl Stream for RequestBody {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let Some(inner) = self.inner.as_mut() else {
                return Poll::Ready(None);
            };
            match Pin::new(inner).poll_frame(cx) {
                Poll::Pending => {
                    let timeout = self.idle_timeout;
                    let idle = self
                        .idle
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                    if idle.as_mut().poll(cx).is_ready() {
                        // Dropping the body unread closes the connection after the answer;
                        // nothing is left to drain from a silent client.
                        self.inner = None;
                        self.idle = None;
                        return Poll::Ready(Some(Err(BodyError::Idle(timeout))));
                    }
                    return Poll::Pending;
                }
                Poll::Ready(None) => {
                    self.inner = None;
                    self.idle = None;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => {
                    self.inner = None;
                    self.idle = None;
                    return Poll::Ready(Some(Err(BodyError::Transport(e))));
                }
                Poll::Ready(Some(Ok(frame))) => {
                    self.idle = None;
                    if let Ok(data) = frame.into_data() {
                        self.received += data.len() as u64;
                        if !self.inner.as_ref().is_some_and(|b| b.is_end_stream())
                            && self.too_slow()
                        {
                            // Dropping the body unread closes the connection after the answer.
                            self.inner = None;
                            return Poll::Ready(Some(Err(BodyError::TooSlow(self.min_rate))));
                        }
                        return Poll::Ready(Some(Ok(data)));
                    }
                    // Trailers: skip.
                }
            }
        }
    }
}

impl Drop for RequestBody {
    fn drop(&mut self) {
        let Some(mut body) = self.inner.take() else {
            return;
        };
        if body.is_end_stream() {
            return;
        }
        let idle_timeout = self.idle_timeout;
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let drain = async {
                    let mut seen: u64 = 0;
                    while let Ok(Some(Ok(frame))) =
                        tokio::time::timeout(idle_timeout, body.frame()).await
                    {
                        if let Some(data) = frame.data_ref() {
                            seen += data.len() as u64;
                            if seen > DRAIN_MAX_BYTES {
                                break;
                            }
                        }
                    }
                };
                let _ = tokio::time::timeout(DRAIN_MAX_TIME, drain).await;
            });
        }
    }
}
