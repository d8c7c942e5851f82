//! Whole JSON bodies: read within a byte limit and the in-flight memory budget
//! ([`crate::http::budget`]), waiting at most [`JSON_BUDGET_WAIT`] for it.

use crate::http::budget::Reservation;
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use std::time::Duration;

/// Longest wait for the in-flight memory budget ([`MEMORY_BUDGET_BYTES`]) while a JSON body
/// arrives; past it the request is refused with [`JsonBodyError::Busy`] (assumed: Feishu
/// documents no "server busy" code for these endpoints, so the emulator answers its internal
/// error, a retryable one in every SDK).
pub const JSON_BUDGET_WAIT: Duration = Duration::from_secs(10);

/// Why a JSON body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonBodyError {
    /// Larger than the limit.
    TooLarge,
    /// The connection failed mid-body.
    Io,
    /// Not JSON.
    NotJson,
    /// The in-flight memory budget stayed exhausted for the whole wait
    /// ([`JSON_BUDGET_WAIT`]): answered with the endpoint's internal error (assumed).
    Busy,
}

/// A whole JSON body and its share of the in-flight memory budget, which it gives back when
/// dropped (at the end of the request that read it).
#[derive(Debug)]
pub struct JsonBytes {
    /// The body's bytes.
    pub bytes: Bytes,
    /// The budget the bytes hold.
    pub reserved: Reservation,
}

/// Reads a whole JSON body of at most `limit` bytes, whatever its Content-Type (FEISHU_FACTS §1:
/// the Python SDK sends token requests with none), under the in-flight memory budget (see
/// [`read_json_bytes`]); the budget is given back once the body is parsed.
pub async fn read_json<S, E>(body: S, limit: usize) -> Result<serde_json::Value, JsonBodyError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let read = read_json_bytes(body, limit, JSON_BUDGET_WAIT).await?;
    serde_json::from_slice(&read.bytes).map_err(|_| JsonBodyError::NotJson)
}

/// Reads a whole body of at most `limit` bytes without parsing it, for a handler that parses
/// it its own way (errors: [`JsonBodyError::TooLarge`], [`JsonBodyError::Io`],
/// [`JsonBodyError::Busy`]).
///
/// Every chunk is reserved from [`MEMORY_BUDGET_BYTES`] (shared with multipart parts) as it
/// arrives, before it is kept. When the budget is exhausted the reader waits — the client is
/// held back by TCP flow control, nothing more is read — until other requests give bytes back,
/// for at most `wait` in all; then the request is refused with [`JsonBodyError::Busy`] and its
/// bytes are given back. JSON bodies are not spooled to disk: they are parsed whole, so a
/// spooled body would be read back into memory anyway (issue 12 item 5). The wait is bounded,
/// so two bodies each waiting for bytes the other holds cannot deadlock.
pub async fn read_json_bytes<S, E>(
    mut body: S,
    limit: usize,
    wait: Duration,
) -> Result<JsonBytes, JsonBodyError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    use futures_util::StreamExt;
    let mut reserved = Reservation::default();
    let deadline = tokio::time::Instant::now() + wait;
    let Some(first) = body.next().await else {
        return Ok(JsonBytes {
            bytes: Bytes::new(),
            reserved,
        });
    };
    let first = first.map_err(|_| JsonBodyError::Io)?;
    if first.len() > limit {
        return Err(JsonBodyError::TooLarge);
    }
    reserve_until(&mut reserved, first.len(), deadline).await?;
    let Some(second) = body.next().await else {
        // The usual small body arrives in one chunk: no copy.
        return Ok(JsonBytes {
            bytes: first,
            reserved,
        });
    };
    // Joined into one buffer as the chunks arrive; the buffer's capacity is reserved before it
    // grows (doubling, up to `limit`), so that what the reservation holds covers the buffer.
    let mut buf = BytesMut::new();
    let mut chunk = first;
    let mut upcoming = Some(second);
    loop {
        let len = buf.len() + chunk.len();
        if len > limit {
            return Err(JsonBodyError::TooLarge);
        }
        if len > buf.capacity() {
            let cap = len.next_power_of_two().min(limit).max(len);
            if cap > reserved.held() {
                let more = cap - reserved.held();
                reserve_until(&mut reserved, more, deadline).await?;
            }
            buf.reserve(cap - buf.len());
        }
        buf.extend_from_slice(&chunk);
        let Some(next) = upcoming.take() else {
            break;
        };
        chunk = next.map_err(|_| JsonBodyError::Io)?;
        upcoming = body.next().await;
    }
    Ok(JsonBytes {
        bytes: buf.freeze(),
        reserved,
    })
}

/// Takes `n` more bytes for `reserved`, waiting for the budget until `deadline`.
async fn reserve_until(
    reserved: &mut Reservation,
    n: usize,
    deadline: tokio::time::Instant,
) -> Result<(), JsonBodyError> {
    if reserved.grow(n) {
        // Room now: no waiting, so no clock.
        return Ok(());
    }
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    if reserved.grow_within(n, left).await {
        Ok(())
    } else {
        Err(JsonBodyError::Busy)
    }
}

#[cfg(test)]
pub(crate) mod budget_tests {
    use super::*;
    use crate::http::budget::{in_memory_bytes, MEMORY_BUDGET_BYTES};

    fn body(chunks: &[&[u8]]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        futures_util::stream::iter(
            chunks
                .iter()
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>(),
        )
    }

    /// Serialises the tests that exhaust the budget, so that one's release is not another's.
    pub(crate) static EXHAUSTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    /// Takes whatever is left of the budget (other tests may hold some of it meanwhile).
    pub(crate) fn exhaust() -> Reservation {
        loop {
            let left = MEMORY_BUDGET_BYTES.saturating_sub(in_memory_bytes());
            if let Some(r) = Reservation::try_new(left) {
                return r;
            }
        }
    }

    #[tokio::test]
    async fn a_json_body_holds_budget_for_its_buffer_until_it_is_dropped() {
        let read = read_json_bytes(body(&[b"{\"a\":", b"1", b"}"]), 1024, JSON_BUDGET_WAIT)
            .await
            .expect("read");
        assert_eq!(&read.bytes[..], b"{\"a\":1}");
        assert!(read.reserved.held() >= read.bytes.len());
        let single = read_json_bytes(body(&[b"{}"]), 1024, JSON_BUDGET_WAIT)
            .await
            .expect("read");
        assert_eq!(single.reserved.held(), 2);
    }

    #[tokio::test]
    async fn a_json_body_past_the_exhausted_budget_is_refused_busy_after_the_wait() {
        let _one = EXHAUSTING.lock().await;
        let hold = exhaust();
        let started = tokio::time::Instant::now();
        let read = read_json_bytes(body(&[b"{}"]), 1024, Duration::from_millis(50)).await;
        assert_eq!(read.err(), Some(JsonBodyError::Busy));
        assert!(started.elapsed() >= Duration::from_millis(50));
        drop(hold);
    }

    #[tokio::test]
    async fn a_json_body_waiting_for_the_budget_is_read_once_bytes_are_given_back() {
        let _one = EXHAUSTING.lock().await;
        let hold = exhaust();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(hold);
        });
        let read = read_json_bytes(body(&[b"{", b"}"]), 1024, Duration::from_secs(10)).await;
        assert_eq!(&read.expect("read once released").bytes[..], b"{}");
        release.await.expect("release");
    }
}
