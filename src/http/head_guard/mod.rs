//! The IO between a connection's socket and hyper: gives hyper's own refusals of a request head
//! a body, and refuses the request-smuggling shape hyper lets through.
//!
//! hyper's HTTP/1 server answers a head it cannot accept before the service ever runs, with an
//! empty body: `400 Bad Request` (a NUL or other invalid byte in a header, a `Content-Length`
//! that is not a number or two that differ, a bad method, target or version, a
//! `Transfer-Encoding` not ending in `chunked`), `431 Request Header Fields Too Large` (a head
//! over [`crate::http::limits::MAX_HEAD_BYTES`] or with more than [`MAX_HEADERS`] lines) and
//! `414 URI Too Long`. And it serves a request with both `Content-Length` and
//! `Transfer-Encoding`, reading the body as chunked and hiding the `Content-Length` from the
//! service. [`HeadGuard`] sees the bytes hyper does:
//!
//! - **Holding each head.** The bytes that follow a response (or open the connection) begin
//!   the next request's head. They are held back from hyper until the head is complete
//!   (`httparse`, the parser hyper uses), broken, or over [`crate::http::limits::MAX_HEAD_BYTES`];
//!   then they are handed on and the guard passes every byte straight through until the next
//!   response: bodies are never scanned or copied. A head that arrives in one read (the usual
//!   case) is judged where hyper's buffer holds it, and not copied either.
//! - **Refusing `Content-Length` with `Transfer-Encoding`.** A complete head with both is
//!   never handed to hyper: the guard answers [`HeadRefusal::LengthAndChunked`] (400) itself,
//!   closes the connection, and hyper reads end of stream. Nothing of the request is stored.
//! - **Giving hyper's refusals a body.** A write that is hyper's automatic answer (status
//!   400, 414 or 431, `Content-Length: 0`, no `X-Tt-Logid`, which every answer of the service
//!   carries) is replaced by the same status and headers with the body of
//!   [`head_refusal_answer`] for the route named by the held head's request line.
//!
//! What is not covered (hyper still refuses or frames these safely, as before): a request
//! pipelined behind another one in the same read is not held (its `Content-Length` +
//! `Transfer-Encoding` is read as chunked and the connection closed after its answer, so
//! nothing behind it is read as a request), and hyper's refusal of such a request is answered
//! as for an unknown route (its request line was never seen at the start of a read).

use crate::http::app::AppState;
use crate::http::refusal::{head_refusal_answer, HeadRefusal, RefusedHead};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Most header lines in a request head: hyper's default (`DEFAULT_MAX_HEADERS`), past which
/// hyper answers 431.
pub const MAX_HEADERS: usize = 100;

/// Bytes read from the socket at a time while a head is held.
const HEAD_READ_CHUNK: usize = 16 * 1024;

/// Longest automatic answer of hyper's recognised: a status line, `Connection`,
/// `Content-Length` and `Date` are about 110 bytes.
const MAX_AUTOMATIC_ANSWER: usize = 512;

/// Where the guard is in the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The next bytes begin a request head: they are held until it is complete.
    Head,
    /// Bytes go to hyper as they come.
    Pass,
    /// The request was refused by the guard: hyper reads end of stream.
    Refused,
}

/// An accepted connection's socket as hyper sees it (see the module documentation).
#[derive(Debug)]
pub struct HeadGuard<S> {
    io: S,
    state: Arc<AppState>,
    phase: Phase,
    /// Bytes read but not yet handed to hyper (`held[handed..]`).
    held: Vec<u8>,
    handed: usize,
    /// The method and request target of the head held last, until the next response.
    line: RequestLine,
    /// An answer of the guard's own, being written (`out[out_at..]` remains).
    out: Vec<u8>,
    out_at: usize,
    /// The head's end limit (`crate::http::limits::MAX_HEAD_BYTES`).
    max_head: usize,
}

impl<S> HeadGuard<S> {
    /// Guards `io`; `max_head` is the largest head hyper accepts, in bytes.
    pub fn new(io: S, state: Arc<AppState>, max_head: usize) -> HeadGuard<S> {
        HeadGuard {
            io,
            state,
            phase: Phase::Head,
            held: Vec::new(),
            handed: 0,
            line: RequestLine::default(),
            out: Vec::new(),
            out_at: 0,
            max_head,
        }
    }

    /// Looks at the held bytes after `new_from` arrived: hands them on once the head is
    /// complete, broken or too large, or refuses it.
    fn inspect(&mut self, new_from: usize) {
        match judge(&self.held, new_from) {
            Verdict::Pass(line) => {
                self.line.set(line);
                self.phase = Phase::Pass;
            }
            Verdict::PassLine(first_line) => {
                self.line.set_raw(first_line);
                self.phase = Phase::Pass;
            }
            Verdict::Refuse(line) => {
                self.line.set(line);
                self.refuse(HeadRefusal::LengthAndChunked);
            }
            Verdict::Partial if self.held.len() > self.max_head => self.release(),
            Verdict::Partial => {}
        }
    }

    /// Hands the held bytes to hyper as they are, remembering their request line.
    fn release(&mut self) {
        self.line.set(request_line(&self.held));
        self.phase = Phase::Pass;
    }

    /// Answers `refusal` itself and ends the stream hyper reads.
    fn refuse(&mut self, refusal: HeadRefusal) {
        let answer = self.answer(refusal);
        let status =
            hyper::StatusCode::from_u16(refusal.status()).unwrap_or(hyper::StatusCode::BAD_REQUEST);
        let head = format!(
            "HTTP/1.1 {} {}\r\nConnection: close\r\nDate: {}\r\n\r\n",
            status.as_str(),
            status.canonical_reason().unwrap_or(""),
            http_date()
        );
        self.out = with_body(head.as_bytes(), &answer);
        self.out_at = 0;
        self.held.clear();
        self.handed = 0;
        self.phase = Phase::Refused;
    }

    fn answer(&self, refusal: HeadRefusal) -> RefusedHead {
        let (method, target) = match self.line.get() {
            Some((m, t)) => (Some(m), Some(t)),
            None => (None, None),
        };
        head_refusal_answer(&self.state, refusal, method, target)
    }

    /// A response left through a write that began with `first`: the next bytes read begin a
    /// head, unless it was an interim `100 Continue` (the body follows) or bytes are still
    /// waiting for hyper (pipelined: not held).
    fn wrote(&mut self, first: &[u8]) {
        if first.starts_with(b"HTTP/1.1 1") {
            return;
        }
        self.line.clear();
        if self.handed >= self.held.len() && self.phase == Phase::Pass {
            self.forget_held();
            self.phase = Phase::Head;
        }
    }

    /// Empties `held`, giving back the memory of a large head (an idle kept-alive connection
    /// keeps at most [`HEAD_READ_CHUNK`] bytes of it).
    fn forget_held(&mut self) {
        if self.held.capacity() > 2 * HEAD_READ_CHUNK {
            self.held = Vec::new();
        } else {
            self.held.clear();
        }
        self.handed = 0;
    }
}

impl<S: AsyncWrite + Unpin> HeadGuard<S> {
    /// Writes what remains of the guard's own answer.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.out_at < self.out.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.out[self.out_at..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.out_at += n;
        }
        if !self.out.is_empty() {
            self.out = Vec::new();
            self.out_at = 0;
        }
        Poll::Ready(Ok(()))
    }

    /// Replaces hyper's automatic answer `head` (refusing with `refusal`) with one that has a
    /// body; hyper is told all of `head` was written.
    fn poll_replace(
        &mut self,
        cx: &mut Context<'_>,
        head: &[u8],
        refusal: HeadRefusal,
    ) -> Poll<io::Result<usize>> {
        let answer = self.answer(refusal);
        self.out = with_body(head, &answer);
        self.out_at = 0;
        self.line.clear();
        // Whatever is left is written by the flush hyper sends next.
        if let Poll::Ready(Err(e)) = self.poll_drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(head.len()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for HeadGuard<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.handed < this.held.len() && this.phase != Phase::Head {
                let n = buf.remaining().min(this.held.len() - this.handed);
                buf.put_slice(&this.held[this.handed..this.handed + n]);
                this.handed += n;
                if this.handed == this.held.len() {
                    this.forget_held();
                }
                return Poll::Ready(Ok(()));
            }
            match this.phase {
                Phase::Pass => return Pin::new(&mut this.io).poll_read(cx, buf),
                Phase::Refused => {
                    // End of stream for hyper; the answer is finished by its shutdown.
                    if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
                        return Poll::Ready(Err(e));
                    }
                    return Poll::Ready(Ok(()));
                }
                Phase::Head => {}
            }
            if this.held.is_empty() {
                // Read straight into hyper's buffer and leave a whole head there: in the usual
                // case (a head in one read) nothing is copied; only an unfinished head is moved
                // into `held`, and a refused one is taken back.
                let before = buf.filled().len();
                ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
                let new = &buf.filled()[before..];
                if new.is_empty() {
                    this.phase = Phase::Pass;
                    return Poll::Ready(Ok(()));
                }
                match judge(new, 0) {
                    Verdict::Pass(line) => {
                        this.line.set(line);
                        this.phase = Phase::Pass;
                        return Poll::Ready(Ok(()));
                    }
                    Verdict::PassLine(first_line) => {
                        this.line.set_raw(first_line);
                        this.phase = Phase::Pass;
                        return Poll::Ready(Ok(()));
                    }
                    Verdict::Refuse(line) => {
                        this.line.set(line);
                        this.refuse(HeadRefusal::LengthAndChunked);
                        buf.set_filled(before);
                        return Poll::Ready(Ok(()));
                    }
                    Verdict::Partial => {
                        this.held.extend_from_slice(new);
                        buf.set_filled(before);
                        if this.held.len() > this.max_head {
                            this.release();
                        }
                        continue;
                    }
                }
            }
            let start = this.held.len();
            this.held.resize(start + HEAD_READ_CHUNK, 0);
            let mut chunk = ReadBuf::new(&mut this.held[start..]);
            let polled = Pin::new(&mut this.io).poll_read(cx, &mut chunk);
            let n = chunk.filled().len();
            this.held.truncate(start + n);
            ready!(polled)?;
            if n == 0 {
                // End of stream: hyper gets what there is, then the end.
                this.release();
                if this.held.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            this.inspect(start);
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeadGuard<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        if let Some(refusal) = automatic_refusal(buf) {
            return this.poll_replace(cx, buf, refusal);
        }
        let written = ready!(Pin::new(&mut this.io).poll_write(cx, buf))?;
        if written > 0 {
            this.wrote(buf);
        }
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        let mut slices = bufs.iter().filter(|b| !b.is_empty());
        let first: &[u8] = slices.next().map_or(&[], |b| b);
        if slices.next().is_none() {
            if let Some(refusal) = automatic_refusal(first) {
                return this.poll_replace(cx, first, refusal);
            }
        }
        let written = ready!(Pin::new(&mut this.io).poll_write_vectored(cx, bufs))?;
        if written > 0 {
            this.wrote(first);
        }
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// The request line of the head held last, kept in one buffer that the connection's next heads
/// reuse (nothing is allocated for a head once a line as long has been seen).
#[derive(Debug, Default)]
struct RequestLine {
    /// The head's first line as received, or the method then the target.
    text: Vec<u8>,
    /// What `text` holds.
    held: Held,
}

/// What a [`RequestLine`] holds.
#[derive(Debug, Default, Clone, Copy)]
enum Held {
    /// No line.
    #[default]
    None,
    /// A head's first line, read (by [`request_line`]) only when asked for: a line is needed
    /// only when hyper refuses the head.
    Raw,
    /// The method (this many bytes), then the target.
    Parsed(usize),
}

impl RequestLine {
    /// Holds the method and target `line`, or none.
    fn set(&mut self, line: Option<(&str, &str)>) {
        self.reuse();
        if let Some((method, target)) = line {
            self.text.extend_from_slice(method.as_bytes());
            self.text.extend_from_slice(target.as_bytes());
            self.held = Held::Parsed(method.len());
        }
    }

    /// Holds `first_line`, a head's first line (its line feed included), unread.
    fn set_raw(&mut self, first_line: &[u8]) {
        self.reuse();
        self.text.extend_from_slice(first_line);
        self.held = Held::Raw;
    }

    /// Empties the buffer for the next line; the target of an earlier, very long head is not
    /// kept for the connection's life.
    fn reuse(&mut self) {
        self.text.clear();
        if self.text.capacity() > HEAD_READ_CHUNK {
            self.text = Vec::new();
        }
        self.held = Held::None;
    }

    /// Holds none.
    fn clear(&mut self) {
        self.held = Held::None;
    }

    /// The method and target held.
    fn get(&self) -> Option<(&str, &str)> {
        match self.held {
            Held::None => None,
            Held::Raw => request_line(&self.text),
            Held::Parsed(method_len) => std::str::from_utf8(&self.text)
                .ok()
                .map(|t| t.split_at(method_len)),
        }
    }
}

/// What the bytes that begin a request say about it.
#[derive(Debug, PartialEq, Eq)]
enum Verdict<'a> {
    /// The head is not complete yet.
    Partial,
    /// Hand it to hyper: a whole head, or one hyper will refuse itself; its method and target.
    Pass(Option<(&'a str, &'a str)>),
    /// As [`Verdict::Pass`], found without parsing the head: its first line, from which
    /// [`request_line`] reads the method and target it would have.
    PassLine(&'a [u8]),
    /// A whole head with both `Content-Length` and `Transfer-Encoding`; its method and target.
    Refuse(Option<(&'a str, &'a str)>),
}

/// Judges `bytes`, the start of a request, of which those from `new_from` just arrived.
fn judge(bytes: &[u8], new_from: usize) -> Verdict<'_> {
    match scan_head(bytes) {
        Scan::Unfinished => Verdict::Partial,
        Scan::Plain(first_line) => Verdict::PassLine(first_line),
        Scan::Parse if !may_end_head(&bytes[new_from.saturating_sub(3)..]) => Verdict::Partial,
        Scan::Parse => full_judge(bytes),
    }
}

/// What a look at the line feeds of a head tells.
#[derive(Debug, PartialEq, Eq)]
enum Scan<'a> {
    /// No empty line yet (nor a `Transfer-Encoding` line): the head is not complete.
    Unfinished,
    /// The head can only be passed (see [`scan_head`]); its first line.
    Plain(&'a [u8]),
    /// The head must be parsed.
    Parse,
}

/// Looks at the lines of `bytes` up to the first empty line without parsing them. A head none
/// of whose lines begins with `Transfer-Encoding` cannot be refused, and one that does not
/// begin with the empty lines `httparse` skips is ended by its first empty line (complete or
/// broken, never partial): it is passed with its first line, which holds all `httparse` reads
/// of the request line. Any other head is parsed ([`full_judge`]).
fn scan_head(bytes: &[u8]) -> Scan<'_> {
    const TE: &[u8] = b"transfer-encoding";
    if matches!(bytes.first(), None | Some(b'\r' | b'\n')) {
        return Scan::Parse;
    }
    let mut first_line = None;
    for i in memchr::memchr_iter(b'\n', bytes) {
        let first_line = *first_line.get_or_insert(&bytes[..=i]);
        let rest = &bytes[i + 1..];
        if rest.starts_with(b"\n") || rest.starts_with(b"\r\n") {
            return Scan::Plain(first_line);
        }
        // The first letter turns nearly every line away before the name is compared.
        if rest.len() >= TE.len()
            && rest[0] | 0x20 == b't'
            && rest[..TE.len()].eq_ignore_ascii_case(TE)
        {
            return Scan::Parse;
        }
    }
    Scan::Unfinished
}

/// Judges a head with `httparse`: [`Verdict::Refuse`] when it is complete and names both
/// `Content-Length` and `Transfer-Encoding`.
fn full_judge(bytes: &[u8]) -> Verdict<'_> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(bytes) {
        Ok(httparse::Status::Complete(_)) => {
            let named = |name: &str| {
                req.headers
                    .iter()
                    .any(|h| h.name.eq_ignore_ascii_case(name))
            };
            let smuggling = named("content-length") && named("transfer-encoding");
            let line = req.method.zip(req.path);
            if smuggling {
                Verdict::Refuse(line)
            } else {
                Verdict::Pass(line)
            }
        }
        Ok(httparse::Status::Partial) => Verdict::Partial,
        Err(_) => Verdict::Pass(request_line(bytes)),
    }
}

/// Whether `bytes` hold a line feed followed by an empty line (`\n\n` or `\n\r\n`), the only
/// way a head ends.
fn may_end_head(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\n', bytes).any(|i| {
        let rest = &bytes[i + 1..];
        rest.starts_with(b"\n") || rest.starts_with(b"\r\n")
    })
}

/// The method and request target of the request line that `head` begins with, if it is one.
fn request_line(head: &[u8]) -> Option<(&str, &str)> {
    let mut no_headers: [httparse::Header<'_>; 0] = [];
    let mut req = httparse::Request::new(&mut no_headers);
    // Filled as far as it parses: the request line is whole once the version is read.
    let _ = req.parse(head);
    req.version?;
    req.method.zip(req.path)
}

/// The refusal behind `bytes` when they are hyper's automatic answer to a head: a whole
/// response head with status 400, 414 or 431, `Content-Length: 0` and no `X-Tt-Logid` (every
/// answer of the service has one).
fn automatic_refusal(bytes: &[u8]) -> Option<HeadRefusal> {
    if bytes.len() > MAX_AUTOMATIC_ANSWER
        || !(bytes.starts_with(b"HTTP/1.1 ") || bytes.starts_with(b"HTTP/1.0 "))
        || !bytes.ends_with(b"\r\n\r\n")
    {
        return None;
    }
    let status = std::str::from_utf8(bytes.get(9..12)?).ok()?.parse().ok()?;
    let refusal = HeadRefusal::from_status(status)?;
    let lower = bytes.to_ascii_lowercase();
    let has = |needle: &[u8]| memchr::memmem::find(&lower, needle).is_some();
    (has(b"\r\ncontent-length: 0\r\n") && !has(b"\r\nx-tt-logid:")).then_some(refusal)
}

/// `head` (a whole response head) with its `Content-Length` replaced by `answer`'s body and
/// headers.
fn with_body(head: &[u8], answer: &RefusedHead) -> Vec<u8> {
    let head = head.strip_suffix(b"\r\n\r\n").unwrap_or(head);
    let mut out = Vec::with_capacity(head.len() + answer.body.len() + 160);
    for (i, line) in head.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if i > 0 && line.to_ascii_lowercase().starts_with(b"content-length:") {
            continue;
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "Content-Type: {}\r\nX-Tt-Logid: {}\r\nContent-Length: {}\r\n\r\n",
            answer.content_type,
            answer.log_id,
            answer.body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&answer.body);
    out
}

/// The current time as an HTTP date (`Thu, 03 Dec 2026 10:11:39 GMT`, RFC 9110 §5.6.7).
fn http_date() -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
