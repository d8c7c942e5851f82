//! The streaming multipart form reader over multer, with per-endpoint limits (whole JSON bodies
//! are [`crate::http::json`]'s, the body's timeouts and drain [`crate::http::body`]'s).
//!
//! Multipart as the official SDKs send it (FEISHU_FACTS §5): file parts are recognised by field
//! name alone, with or without a filename or Content-Type; parts come in any order; text parts may
//! carry their own Content-Type (Java's `text/plain; charset=ISO-8859-1`). Empty text parts are
//! kept, so that each field's rule decides whether empty means absent.
//!
//! Limits are enforced while streaming: a file part that grows past the endpoint's `max_bytes` is
//! answered as soon as the limit is crossed, and the rest of the body is discarded unread into
//! memory by [`crate::http::body::RequestBody`]'s drain, so that a client still sending gets its answer.
//!
//! What is kept of a file part follows the store's retention ([`FormLimits::retain`]): its bytes
//! under `--retain bytes`, only a digest (size, SHA-256, Adler-32, first [`HEAD_BYTES`] bytes)
//! under `--retain metadata`. Handlers read either through [`FilePart`]'s accessors.

use crate::http::budget::{Reservation, PART_MEMORY_BYTES};
use crate::state::store::Retain;
pub use crate::state::upload::{FilePart, Form, PartContent, SpooledPart, HEAD_BYTES};
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

/// Largest text part, in bytes; a larger one is a parameter error (assumed).
pub const MAX_TEXT_PART_BYTES: usize = 1024 * 1024;
/// Most parts in one form; one more is a parameter error (assumed).
pub const MAX_PARTS: usize = 64;

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
    let mut reserved = Reservation::default();
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
                let fits_part = reserved.held() + chunk.len() <= PART_MEMORY_BYTES;
                if spool.is_none() && fits_part && reserved.grow(chunk.len()) {
                    chunks.push(chunk);
                    continue;
                }
                if spool.is_none() {
                    let mut file = Spool::create().await?;
                    for held in chunks.drain(..) {
                        file.write(&held).await?;
                    }
                    reserved = Reservation::default();
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
