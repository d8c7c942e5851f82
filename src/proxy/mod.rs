//! `feishu-mock record`: a recording reverse proxy in front of the real Feishu (issue 26).
//!
//! The client points its SDK at the proxy. `/open_api/…` goes to the Feishu Project upstream,
//! everything else (`/open-apis/…`) to the open-platform upstream. Each request is forwarded as
//! sent (hop-by-hop headers and `Host` aside) and each answer returned as received, bodies
//! streamed both ways: a 100 MB upload passes through in chunks and is never held whole
//! ([`tee`]). When an answer's last byte has passed, the exchange is written to the recording
//! ([`crate::recording`]) with its secrets replaced ([`redact`]).
//!
//! An upstream that cannot be reached is answered by the proxy itself with the assumed
//! [`crate::recording::UpstreamUnreachable`] row (HTTP 502, a Feishu-shaped body, the reason in
//! `X-Mock-Upstream-Error`), and the exchange records the reason in `upstream_error`.
//!
//! HTTPS upstreams go through rustls (hyper-rustls, ring, the webpki roots); `http://` ones
//! (tests, a local emulator) through plain TCP.

pub mod redact;
mod request_side;
pub mod tee;

use crate::recording::{
    Body, Exchange, Manifest, RecordedRequest, RecordedResponse, UpstreamUnreachable, Writer,
    FORMAT, REQUEST_HEADERS, RESPONSE_HEADERS, VERSION,
};
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{HeaderMap, Request, Response};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use request_side::{tee_request, RequestSide};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// Error type of streamed bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A streamed body.
pub type ProxyBody = BoxBody<Bytes, BoxError>;

/// Default open-platform upstream.
pub const OPEN_UPSTREAM: &str = "https://open.feishu.cn";

/// Default Feishu Project upstream.
pub const PROJECT_UPSTREAM: &str = "https://project.feishu.cn";

/// Longest wait to connect to an upstream.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Headers never forwarded (RFC 9110 §7.6.1 hop-by-hop fields, and `Host`, which the client
/// sets for the upstream).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// How to run the recording proxy.
#[derive(Debug, Clone)]
pub struct RecordConfig {
    /// Directory to write (new or empty).
    pub out: PathBuf,
    /// Base URL of the open platform (no trailing slash).
    pub open_upstream: String,
    /// Base URL of Feishu Project (no trailing slash).
    pub project_upstream: String,
    /// Address to bind.
    pub host: String,
    /// Port to bind; 0 takes a free port.
    pub port: u16,
    /// Bytes kept of each file part and binary body.
    pub keep_bytes: u64,
}

/// The proxy's shared state.
#[derive(Debug)]
pub struct ProxyState {
    config: RecordConfig,
    writer: Writer,
    seq: AtomicU64,
    redactor: Mutex<redact::Redactor>,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, ProxyBody>,
    unreachable: UpstreamUnreachable,
    /// Exchanges begun and not yet written (or abandoned): shutdown waits for them.
    open_exchanges: AtomicUsize,
}

/// Binds the proxy and creates the recording (its manifest).
pub async fn bind(config: RecordConfig) -> Result<(TcpListener, Arc<ProxyState>), String> {
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        created_at: now_rfc3339(),
        open_upstream: config.open_upstream.clone(),
        project_upstream: config.project_upstream.clone(),
        keep_bytes: config.keep_bytes,
    };
    for url in [&config.open_upstream, &config.project_upstream] {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "upstream must start with http:// or https://: {url}"
            ));
        }
    }
    let listener = TcpListener::bind((config.host.as_str(), config.port))
        .await
        .map_err(|e| format!("cannot bind {}:{}: {e}", config.host, config.port))?;
    let writer = Writer::create(&config.out, &manifest).map_err(|e| e.to_string())?;
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    http.set_nodelay(true);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client = Client::builder(TokioExecutor::new()).build(https);
    let state = ProxyState {
        config,
        writer,
        seq: AtomicU64::new(0),
        redactor: Mutex::new(redact::Redactor::default()),
        client,
        unreachable: UpstreamUnreachable::get(),
        open_exchanges: AtomicUsize::new(0),
    };
    Ok((listener, Arc::new(state)))
}

/// Longest wait at shutdown for open exchanges to finish and be written.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves until `shutdown` resolves; open exchanges finish and are written first (up to
/// [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    state: Arc<ProxyState>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let service = hyper::service::service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(forward(state, req).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .title_case_headers(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    let _ = tokio::time::timeout_at(deadline, graceful.shutdown()).await;
    while state.open_exchanges.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A proxy running inside the current tokio runtime (tests); stops when dropped.
#[derive(Debug)]
pub struct RecordingProxy {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

impl RecordingProxy {
    /// Starts a proxy with `config`.
    pub async fn start(config: RecordConfig) -> Result<RecordingProxy, String> {
        let (listener, state) = bind(config).await?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(serve(listener, state, async {
            let _ = rx.await;
        }));
        Ok(RecordingProxy {
            addr,
            shutdown: Some(tx),
            done: Some(done),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting and waits for open exchanges to be written.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// What is known of an exchange before its answer's body has passed.
struct Pending {
    state: Arc<ProxyState>,
    seq: u64,
    started_at: String,
    started: Instant,
    upstream: String,
    request: RecordedRequest,
    request_side: RequestSide,
    status: u16,
    response_headers: std::collections::BTreeMap<String, String>,
    upstream_error: Option<String>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.state.open_exchanges.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Pending {
    /// Completes the exchange with the answer's body, redacts and writes it.
    async fn write(mut self, response_body: Body) {
        let side = std::mem::replace(
            &mut self.request_side,
            RequestSide::Plain(Arc::new(Mutex::new(tee::BodyAcc::new(None, 0)))),
        );
        self.request.body = side.finish().await;
        let mut exchange = Exchange {
            version: VERSION,
            seq: self.seq,
            started_at: std::mem::take(&mut self.started_at),
            duration_ms: self.started.elapsed().as_millis() as u64,
            upstream: std::mem::take(&mut self.upstream),
            request: self.request.clone(),
            response: RecordedResponse {
                status: self.status,
                headers: std::mem::take(&mut self.response_headers),
                body: response_body,
            },
            upstream_error: self.upstream_error.take(),
        };
        self.state
            .redactor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .redact(&mut exchange);
        if let Err(e) = self.state.writer.write(&exchange) {
            eprintln!("feishu-mock record: {e}");
        }
    }
}

/// Forwards one request and returns the answer as it streams.
async fn forward(state: Arc<ProxyState>, req: Request<Incoming>) -> Response<ProxyBody> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    let seq = state.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let (parts, body) = req.into_parts();
    let route = parts.uri.path().to_string();
    let raw_query = parts.uri.query().map(str::to_string);
    let upstream = if route.starts_with("/open_api/") {
        state.config.project_upstream.clone()
    } else {
        state.config.open_upstream.clone()
    };
    let upstream = upstream.trim_end_matches('/').to_string();
    let target = match &raw_query {
        Some(q) => format!("{upstream}{route}?{q}"),
        None => format!("{upstream}{route}"),
    };
    let request = RecordedRequest {
        method: parts.method.to_string(),
        route: route.clone(),
        query: raw_query
            .as_deref()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
        headers: kept_headers(&parts.headers, REQUEST_HEADERS),
        body: Body::Empty,
    };
    let content_type = header(&parts.headers, "content-type");
    let file_fields = crate::parity::route::file_fields(parts.method.as_str(), &route);
    let (outgoing, request_side) = tee_request(
        body,
        content_type.as_deref(),
        state.config.keep_bytes,
        file_fields,
    );
    let mut builder = Request::builder().method(parts.method.clone()).uri(&target);
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            builder = builder.header(name, value);
        }
    }
    state.open_exchanges.fetch_add(1, Ordering::SeqCst);
    let mut pending = Pending {
        state: state.clone(),
        seq,
        started_at,
        started,
        upstream: upstream.clone(),
        request,
        request_side,
        status: 0,
        response_headers: Default::default(),
        upstream_error: None,
    };
    let sent = match builder.body(outgoing) {
        Ok(r) => state.client.request(r).await.map_err(|e| error_chain(&e)),
        Err(e) => Err(e.to_string()),
    };
    match sent {
        Ok(answer) => {
            let (aparts, abody) = answer.into_parts();
            pending.status = aparts.status.as_u16();
            pending.response_headers = kept_headers(&aparts.headers, RESPONSE_HEADERS);
            for (name, value) in &aparts.headers {
                if name.as_str().starts_with("x-mock-") {
                    if let Ok(v) = value.to_str() {
                        pending
                            .response_headers
                            .insert(name.as_str().to_string(), v.to_string());
                    }
                }
            }
            let acc = tee::BodyAcc::new(
                header(&aparts.headers, "content-type").as_deref(),
                state.config.keep_bytes,
            );
            let mut response = Response::new(
                ResponseTee {
                    inner: abody,
                    acc,
                    pending: Some(pending),
                }
                .boxed(),
            );
            *response.status_mut() = aparts.status;
            for (name, value) in &aparts.headers {
                if !HOP_BY_HOP.contains(&name.as_str()) {
                    response.headers_mut().append(name, value.clone());
                }
            }
            response
        }
        Err(reason) => {
            let row = &state.unreachable;
            let body = row.body(&route);
            let text = serde_json::to_vec(&body).unwrap_or_default();
            pending.status = row.http;
            pending.response_headers = [(
                "content-type".to_string(),
                "application/json; charset=utf-8".to_string(),
            )]
            .into();
            pending.upstream_error = Some(format!("{upstream}: {reason}"));
            tokio::spawn(pending.write(Body::Json { json: body }));
            let mut response = Response::new(
                Full::new(Bytes::from(text))
                    .map_err(|never| match never {})
                    .boxed(),
            );
            *response.status_mut() =
                hyper::StatusCode::from_u16(row.http).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&reason.replace(['\r', '\n'], " ")) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static("x-mock-upstream-error"), v);
            }
            response
        }
    }
}

/// The answer's body on its way to the client: each chunk is seen by the accumulator, and the
/// exchange is written when the body ends (or is dropped, when the client went away).
struct ResponseTee {
    inner: Incoming,
    acc: tee::BodyAcc,
    pending: Option<Pending>,
}

impl ResponseTee {
    fn complete(&mut self) {
        if let Some(pending) = self.pending.take() {
            let body = self.acc.finish();
            tokio::spawn(pending.write(body));
        }
    }
}

impl hyper::body::Body for ResponseTee {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.acc.push(data);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.complete();
                Poll::Ready(Some(Err(Box::new(e))))
            }
            Poll::Ready(None) => {
                this.complete();
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for ResponseTee {
    fn drop(&mut self) {
        self.complete();
    }
}

/// The headers of `names` that `headers` carries, lower-case names, values as text.
fn kept_headers(headers: &HeaderMap, names: &[&str]) -> std::collections::BTreeMap<String, String> {
    names
        .iter()
        .filter_map(|n| Some((n.to_string(), header(headers, n)?)))
        .collect()
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// An error and its sources, one line (`client error (Connect): tcp connect error: …`).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Now, RFC 3339 UTC with milliseconds.
fn now_rfc3339() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}
