//! The bare hyper baseline of the benchmarks: HTTP/1.1 on the same hyper, hyper-util and tokio
//! (multi-threaded runtime, title-case headers, TCP_NODELAY) as feishu-mock, that drains every
//! request body chunk by chunk without keeping it and answers one fixed JSON on every path.
//!
//! `baseline [PORT]` (default 0) prints `baseline listening on http://127.0.0.1:PORT` on stdout
//! as its first line, like `feishu-mock serve`, so the harness can time start-up the same way.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io::Write;
use tokio::net::TcpListener;

/// The fixed answer: Feishu's success envelope with an empty `data`.
const ANSWER: &[u8] = br#"{"code":0,"msg":"success","data":{}}"#;

async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut body = req.into_body();
    // Drain: count and drop each frame, as the emulator must at least read every byte.
    let mut seen: u64 = 0;
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            seen += data.len() as u64;
        }
    }
    std::hint::black_box(seen);
    let mut resp = Response::new(Full::new(Bytes::from_static(ANSWER)));
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    Ok(resp)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let mut out = std::io::stdout();
    writeln!(out, "baseline listening on http://{addr}")?;
    out.flush()?;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(_) => continue,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .title_case_headers(true)
                .serve_connection(TokioIo::new(stream), service_fn(handle))
                .await;
        });
    }
}
