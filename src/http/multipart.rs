//! Request bodies: a streaming multipart form reader over multer with per-endpoint limits, a
//! bounded JSON reader, and [`RequestBody`], which drains whatever a handler did not read.
//!
//! Multipart as the official SDKs send it (FEISHU_FACTS §5): file parts are recognised by field
//! name alone, with or without a filename or Content-Type; parts come in any order; text parts may
//! carry their own Content-Type (Java's `text/plain; charset=ISO-8859-1`). Empty text parts are
//! kept, so that each field's rule decides whether empty means absent.
//!
//! Limits are enforced while streaming: a file part that grows past the endpoint's `max_bytes` is
//! answered as soon as the limit is crossed, and the rest of the body is discarded unread into
//! memory by [`RequestBody`]'s drain, so that a client still sending gets its answer.
//!
//! What is kept of a file part follows the store's retention ([`FormLimits::retain`]): its bytes
//! under `--retain bytes`, only a digest (size, SHA-256, Adler-32, first [`HEAD_BYTES`] bytes)
//! under `--retain metadata`. Handlers read either through [`FilePart`]'s accessors.

use crate::state::store::Retain;
pub use crate::state::upload::{FilePart, Form, PartContent, SpooledPart, HEAD_BYTES};
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

/// Largest text part, in bytes; a larger one is a parameter error (assumed).
pub const MAX_TEXT_PART_BYTES: usize = 1024 * 1024;
/// Most parts in one form; one more is a parameter error (assumed).
pub const MAX_PARTS: usize = 64;
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
                        if self.too_slow()
                            && !self.inner.as_ref().is_some_and(|b| b.is_end_stream())
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

/// Why a form could not be read. Each maps to a documented code of the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// No `multipart/form-data` Content-Type with a boundary.
    NotMultipart,
    /// The body is not a well-formed multipart stream, or a text part is not UTF-8.
    Malformed(String),
    /// A file part grew past `limit` bytes.
    FileTooLarge {
        /// The part's field name.
        field: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// More file parts than the endpoint allows.
    TooManyFiles {
        /// The limit.
        limit: usize,
    },
    /// A text part larger than [`MAX_TEXT_PART_BYTES`].
    TextTooLarge {
        /// The part's field name.
        field: String,
    },
    /// More than [`MAX_PARTS`] parts.
    TooManyParts,
    /// The form's closing delimiter arrived but the body did not end where HTTP framed it: the
    /// connection failed or went silent before the last byte its `Content-Length` (or chunked
    /// framing) announced, the byte count differs from `Content-Length`, or more than
    /// [`MAX_EPILOGUE_BYTES`] follow the closing delimiter. Nothing of such a request is kept.
    Truncated(String),
    /// A text part, or a part's filename, holds a NUL byte (assumed: no field of any endpoint
    /// takes one, and C-string consumers would cut the value there).
    Nul {
        /// The part's field name.
        field: String,
    },
    /// A large part could not be spooled to, or read back from, its temporary file: a failure
    /// of the emulator's machine, answered as the endpoint's internal error (never under
    /// [`Retain::Metadata`], which spools nothing).
    Spool(String),
}

/// Limits for one endpoint's form.
#[derive(Debug, Clone)]
pub struct FormLimits {
    /// Field names whose parts are files (aliases included).
    pub file_fields: Vec<String>,
    /// Largest file part, in bytes.
    pub max_file_bytes: u64,
    /// Most file parts.
    pub max_files: usize,
    /// The body's declared length (`Content-Length`), when known: the body must end with
    /// exactly that many bytes ([`FormError::Truncated`] otherwise). Parts beyond
    /// [`PART_MEMORY_BYTES`] go to a temporary file whatever the length.
    pub body_bytes: Option<u64>,
    /// The store's retention. [`Retain::Bytes`] keeps each file part's bytes (memory and spool
    /// as above); [`Retain::Metadata`] keeps none: size, SHA-256, Adler-32 and the first
    /// [`HEAD_BYTES`] bytes are computed while the part streams and every chunk is dropped once
    /// seen, so file parts take no memory budget and never touch the disk. Limits and errors
    /// are the same in both modes.
    pub retain: Retain,
}

/// Reads a multipart form from `body` under `limits`, stopping as soon as a limit is crossed.
///
/// `body` is any stream of chunks (hyper's body through [`RequestBody`], or in-memory chunks
/// for fuzzing); an error of the stream is [`FormError::Malformed`].
pub async fn read_form<S, E>(
    body: S,
    content_type: Option<&str>,
    limits: &FormLimits,
) -> Result<Form, FormError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let content_type = content_type.ok_or(FormError::NotMultipart)?;
    let is_form = content_type
        .split(';')
        .next()
        .map(|m| m.trim().eq_ignore_ascii_case("multipart/form-data"))
        .unwrap_or(false);
    if !is_form {
        return Err(FormError::NotMultipart);
    }
    let boundary = multer::parse_boundary(content_type).map_err(|_| FormError::NotMultipart)?;
    let framed = Framed::new(body);
    let mut multipart = multer::Multipart::new(framed.clone(), boundary);
    let mut form = Form::default();
    let mut parts = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(FormError::Malformed(e.to_string())),
        };
        parts += 1;
        if parts > MAX_PARTS {
            return Err(FormError::TooManyParts);
        }
        let name = field.name().unwrap_or_default().to_string();
        if limits.file_fields.contains(&name) {
            if form.files.len() >= limits.max_files {
                return Err(FormError::TooManyFiles {
                    limit: limits.max_files,
                });
            }
            let filename = field.file_name().map(str::to_string);
            if filename.as_deref().is_some_and(|f| f.contains('\0')) {
                return Err(FormError::Nul { field: name });
            }
            let content_type = field.content_type().map(|m| m.to_string());
            let too_large = || FormError::FileTooLarge {
                field: name.clone(),
                limit: limits.max_file_bytes,
            };
            // A spooled part stays in its file: nothing is read back here, whether or not the
            // body then ends where HTTP framed it.
            let content = match limits.retain {
                Retain::Bytes => {
                    read_part(field, limits.max_file_bytes)
                        .await?
                        .ok_or_else(too_large)?
                        .into_content()
                        .await?
                }
                Retain::Metadata => digest_part(field, limits.max_file_bytes)
                    .await?
                    .ok_or_else(too_large)?,
            };
            form.files
                .push(FilePart::new(name, filename, content_type, content));
        } else {
            let bytes = read_part(field, MAX_TEXT_PART_BYTES as u64)
                .await?
                .ok_or_else(|| FormError::TextTooLarge {
                    field: name.clone(),
                })?
                .into_bytes()
                .await?;
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| FormError::Malformed(format!("text part {name} is not UTF-8")))?;
            if text.contains('\0') {
                return Err(FormError::Nul { field: name });
            }
            form.texts.push((name, text));
        }
    }
    drop(multipart);
    framed.finish(limits.body_bytes).await?;
    Ok(form)
}

/// A part as [`read_part`] read it whole.
enum Held {
    /// In memory, within [`PART_MEMORY_BYTES`] and the budget.
    Memory(Bytes),
    /// In an anonymous temporary file, not read back.
    Spool(Spool),
}

impl Held {
    /// The bytes of a text part (at most [`MAX_TEXT_PART_BYTES`]): in memory already, or read
    /// back from its temporary file (spooled only when the budget ran out).
    async fn into_bytes(self) -> Result<Bytes, FormError> {
        match self {
            Held::Memory(bytes) => Ok(bytes),
            Held::Spool(spool) => spool.into_part().await?.read_back().map_err(spool_error),
        }
    }

    /// A file part's content: its bytes, or its temporary file, not read back.
    async fn into_content(self) -> Result<PartContent, FormError> {
        Ok(match self {
            Held::Memory(bytes) => PartContent::Bytes {
                bytes,
                sha256: OnceLock::new(),
            },
            Held::Spool(spool) => PartContent::Spooled(Arc::new(spool.into_part().await?)),
        })
    }
}

/// A temporary file that could not be made, written or read back.
fn spool_error(e: impl std::fmt::Display) -> FormError {
    FormError::Spool(e.to_string())
}

/// A part being written to an anonymous temporary file, with its size, Adler-32 and first
/// [`HEAD_BYTES`] bytes computed as it goes (what handlers check without reading it back).
struct Spool {
    file: tokio::fs::File,
    len: u64,
    adler32: simd_adler32::Adler32,
    head: BytesMut,
}

impl Spool {
    /// A new, empty temporary file (made on the blocking pool).
    async fn create() -> Result<Spool, FormError> {
        let file = tokio::task::spawn_blocking(tempfile::tempfile)
            .await
            .map_err(spool_error)?
            .map_err(spool_error)?;
        Ok(Spool {
            file: tokio::fs::File::from_std(file),
            len: 0,
            adler32: simd_adler32::Adler32::new(),
            head: BytesMut::new(),
        })
    }

    /// Appends `chunk`.
    async fn write(&mut self, chunk: &[u8]) -> Result<(), FormError> {
        use tokio::io::AsyncWriteExt;
        if self.head.len() < HEAD_BYTES {
            let take = chunk.len().min(HEAD_BYTES - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.adler32.write(chunk);
        self.len += chunk.len() as u64;
        self.file.write_all(chunk).await.map_err(spool_error)
    }

    /// Everything written, flushed to the OS, as the part a handler reads through
    /// [`FilePart`].
    async fn into_part(mut self) -> Result<SpooledPart, FormError> {
        use tokio::io::AsyncWriteExt;
        self.file.flush().await.map_err(spool_error)?;
        Ok(SpooledPart::new(
            self.file.into_std().await,
            self.len,
            self.adler32.finish(),
            self.head.freeze(),
        ))
    }
}

/// Most bytes of a form's epilogue (what follows its closing delimiter, RFC 2046; clients leave
/// it empty or send a line break) read and discarded after the form reader stopped, so that the
/// body's end is seen; more is [`FormError::Truncated`] (assumed). Bytes the form reader had
/// already buffered past the delimiter do not count.
pub const MAX_EPILOGUE_BYTES: u64 = 1024 * 1024;

/// A body stream shared between the multipart reader and [`read_form`], which reads on after
/// the closing delimiter until the body ends where HTTP framed it: multer stops at the closing
/// delimiter, and a request must not be accepted before its last byte has arrived (a client
/// that announced more bytes and then half-closed or reset sent a truncated request).
struct Framed<S>(Arc<Mutex<FramedInner<S>>>);

struct FramedInner<S> {
    stream: Pin<Box<S>>,
    /// The stream has answered `None`: it is never polled again.
    ended: bool,
    /// Bytes seen so far.
    seen: u64,
}

impl<S> Clone for Framed<S> {
    fn clone(&self) -> Self {
        Framed(self.0.clone())
    }
}

impl<S, E> Framed<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn new(stream: S) -> Framed<S> {
        Framed(Arc::new(Mutex::new(FramedInner {
            stream: Box::pin(stream),
            ended: false,
            seen: 0,
        })))
    }

    /// Reads the rest of the body (the epilogue, at most [`MAX_EPILOGUE_BYTES`]) and checks
    /// that it ended cleanly with `declared` bytes in all, when a `Content-Length` declared
    /// them.
    async fn finish(self, declared: Option<u64>) -> Result<(), FormError> {
        use futures_util::StreamExt;
        let mut this = self;
        let mut epilogue: u64 = 0;
        while let Some(chunk) = this.next().await {
            let chunk = chunk.map_err(|e| FormError::Truncated(e.into().to_string()))?;
            epilogue += chunk.len() as u64;
            if epilogue > MAX_EPILOGUE_BYTES {
                return Err(FormError::Truncated(format!(
                    "more than {MAX_EPILOGUE_BYTES} bytes after the closing delimiter"
                )));
            }
        }
        let seen = this.0.lock().unwrap_or_else(|p| p.into_inner()).seen;
        match declared {
            Some(n) if n != seen => Err(FormError::Truncated(format!(
                "Content-Length {n}, body {seen} bytes"
            ))),
            _ => Ok(()),
        }
    }
}

impl<S, E> Stream for Framed<S>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    type Item = Result<Bytes, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if inner.ended {
            return Poll::Ready(None);
        }
        let polled = inner.stream.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(None) => inner.ended = true,
            Poll::Ready(Some(Ok(chunk))) => inner.seen += chunk.len() as u64,
            Poll::Ready(Some(Err(_))) => inner.ended = true,
            Poll::Pending => {}
        }
        polled
    }
}

/// Bytes of parts held in memory while they stream in, across every request in flight; a part
/// that would pass it goes on to an anonymous temporary file, so that parts refused for crossing
/// their limit never grow memory by their size, however many arrive at once (DESIGN habit 2),
/// while parts that fit — the common case — are never written out and read back.
pub const MEMORY_BUDGET_BYTES: usize = 32 * 1024 * 1024;

/// Bytes of one part held in memory before it goes on to a temporary file, within
/// [`MEMORY_BUDGET_BYTES`]: a single refused part then grows memory by at most this much,
/// whatever its size, while parts up to it (the common case) never touch the disk.
pub const PART_MEMORY_BYTES: usize = 4 * 1024 * 1024;

/// Bytes currently reserved from [`MEMORY_BUDGET_BYTES`].
static IN_MEMORY: AtomicUsize = AtomicUsize::new(0);

/// Woken whenever a [`Reservation`] gives bytes back, for JSON bodies waiting for the budget.
static RELEASED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// A share of [`MEMORY_BUDGET_BYTES`], given back when dropped.
#[derive(Debug, Default)]
pub struct Reservation(usize);

impl Reservation {
    /// Bytes this reservation holds.
    pub fn held(&self) -> usize {
        self.0
    }

    /// Takes `n` bytes from the budget as one reservation, or `None` when they do not fit now.
    pub fn try_new(n: usize) -> Option<Reservation> {
        let mut r = Reservation(0);
        r.grow(n).then_some(r)
    }

    /// Takes `n` more bytes from the budget, waiting up to `wait` for other requests to give
    /// bytes back; `false` when they still do not fit.
    async fn grow_within(&mut self, n: usize, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let released = RELEASED.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if self.grow(n) {
                return true;
            }
            if tokio::time::timeout_at(deadline, released).await.is_err() {
                return false;
            }
        }
    }

    /// Takes `n` more bytes from the budget, or returns `false` when they do not fit.
    fn grow(&mut self, n: usize) -> bool {
        let taken = IN_MEMORY.fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
            held.checked_add(n).filter(|t| *t <= MEMORY_BUDGET_BYTES)
        });
        if taken.is_ok() {
            self.0 += n;
        }
        taken.is_ok()
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.0 > 0 {
            IN_MEMORY.fetch_sub(self.0, Ordering::AcqRel);
            RELEASED.notify_waiters();
        }
    }
}

/// Bytes currently reserved from [`MEMORY_BUDGET_BYTES`] across all requests in flight.
pub fn in_memory_bytes() -> usize {
    IN_MEMORY.load(Ordering::Acquire)
}

/// Reads one part whole (text parts, and file parts under [`Retain::Bytes`]); `Ok(None)` when it
/// grows past `limit` bytes (the rest is not read).
///
/// Chunks are kept as they arrive (no copy) while the part is within [`PART_MEMORY_BYTES`] and
/// [`MEMORY_BUDGET_BYTES`] allows, and joined once at the end. Past either, the part goes on to
/// an anonymous temporary file (deleted by the OS when dropped), its size, Adler-32 and first
/// [`HEAD_BYTES`] bytes computed as it is written. A file part stays there
/// ([`PartContent::Spooled`]) until its handler accepts it: only then does
/// [`FilePart::bytes`] read it back, for the store to keep (bounded by `--max-stored-bytes`).
/// A body cut short, reset, refused by a later part or refused by its handler (a wrong field,
/// an unknown work item, a bad checksum) never reads its spooled parts back (issue 12 item 5).
/// A text part spooled because the budget ran out (at most [`MAX_TEXT_PART_BYTES`]) is read
/// back as soon as it ends. A temporary file that cannot be made or written is
/// [`FormError::Spool`]. `--retain metadata` spools nothing (parts are digested while they
/// stream).
async fn read_part(mut field: multer::Field<'_>, limit: u64) -> Result<Option<Held>, FormError> {
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut reserved = Reservation(0);
    let mut seen: u64 = 0;
    let mut spool: Option<Spool> = None;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                seen += chunk.len() as u64;
                if seen > limit {
                    return Ok(None);
                }
                // Every part, whatever the body's declared length, is held only up to
                // PART_MEMORY_BYTES within the budget shared by all requests in flight (issue
                // 12: stalled bodies, and bodies refused at their end for another reason, must
                // not hold memory by their size).
                let fits_part = reserved.0 + chunk.len() <= PART_MEMORY_BYTES;
                if spool.is_none() && fits_part && reserved.grow(chunk.len()) {
                    chunks.push(chunk);
                    continue;
                }
                if spool.is_none() {
                    let mut file = Spool::create().await?;
                    for held in chunks.drain(..) {
                        file.write(&held).await?;
                    }
                    reserved = Reservation(0);
                    spool = Some(file);
                }
                if let Some(file) = spool.as_mut() {
                    file.write(&chunk).await?;
                }
            }
            Ok(None) => {
                return Ok(Some(match spool {
                    Some(file) => Held::Spool(file),
                    None => Held::Memory(join(chunks, seen as usize)),
                }));
            }
            Err(e) => return Err(FormError::Malformed(e.to_string())),
        }
    }
}

/// Reads one file part without keeping it: its size, SHA-256 (lower-case hex), Adler-32 and first
/// [`HEAD_BYTES`] bytes, computed chunk by chunk as it streams; each chunk is dropped once seen.
/// `Ok(None)` when it grows past `limit` bytes (the rest is not read).
async fn digest_part(
    mut field: multer::Field<'_>,
    limit: u64,
) -> Result<Option<PartContent>, FormError> {
    use sha2::Digest;
    let mut sha256 = sha2::Sha256::new();
    let mut adler32 = simd_adler32::Adler32::new();
    let mut head = BytesMut::new();
    let mut seen: u64 = 0;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                seen += chunk.len() as u64;
                if seen > limit {
                    return Ok(None);
                }
                if head.len() < HEAD_BYTES {
                    let take = chunk.len().min(HEAD_BYTES - head.len());
                    head.extend_from_slice(&chunk[..take]);
                }
                sha256.update(&chunk);
                adler32.write(&chunk);
            }
            Ok(None) => {
                return Ok(Some(PartContent::Digest {
                    len: seen,
                    sha256: format!("{:x}", sha256.finalize()),
                    adler32: adler32.finish(),
                    head: head.freeze(),
                }));
            }
            Err(e) => return Err(FormError::Malformed(e.to_string())),
        }
    }
}

/// The chunks of a part as one buffer of `len` bytes: the chunk itself when there is one, else
/// a single copy into an allocation of exactly `len`.
fn join(chunks: Vec<Bytes>, len: usize) -> Bytes {
    if chunks.len() == 1 {
        return chunks.into_iter().next().unwrap_or_default();
    }
    let mut whole = Vec::with_capacity(len);
    for c in &chunks {
        whole.extend_from_slice(c);
    }
    Bytes::from(whole)
}

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
