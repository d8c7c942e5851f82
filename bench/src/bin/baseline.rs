//! The bare hyper baseline of the benchmarks: HTTP/1.1 on the same hyper, hyper-util and tokio
//! (multi-threaded runtime, title-case headers, TCP_NODELAY) as feishu-mock, that drains every
//! request body chunk by chunk without keeping it and answers one fixed JSON on every path.
//!
//! `baseline [PORT] [--digest sha256|sha256+adler32] [--serve-bytes N]` (port 0 by default)
//! prints `baseline listening on http://127.0.0.1:PORT` on stdout as its first line, like
//! `feishu-mock serve`, so the harness can time start-up the same way.
//!
//! - `--digest sha256`: also SHA-256s every body chunk by chunk, and `sha256+adler32` also
//!   Adler-32s it: the limit of a job that must digest what it receives (B3/B4's hash-bound
//!   baselines; feishu-mock under `--retain metadata` computes both).
//! - `--serve-bytes N`: answers every GET with N fixed bytes as `application/octet-stream` (B6's
//!   baseline for a 20 MiB download).

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

/// What the server does with each body besides draining it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Digest {
    None,
    Sha256,
    Sha256Adler32,
}

async fn handle(
    req: Request<Incoming>,
    digest: Digest,
    serve: Option<Bytes>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    use sha2::Digest as _;
    if let (Some(bytes), &hyper::Method::GET) = (&serve, req.method()) {
        let mut resp = Response::new(Full::new(bytes.clone()));
        resp.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/octet-stream"),
        );
        return Ok(resp);
    }
    let mut body = req.into_body();
    // Drain: count and drop each frame, as the emulator must at least read every byte.
    let mut seen: u64 = 0;
    let mut sha = sha2::Sha256::new();
    let mut adler = simd_adler32::Adler32::new();
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            seen += data.len() as u64;
            if digest != Digest::None {
                sha.update(data);
            }
            if digest == Digest::Sha256Adler32 {
                adler.write(data);
            }
        }
    }
    std::hint::black_box(seen);
    if digest != Digest::None {
        std::hint::black_box(sha.finalize());
        std::hint::black_box(adler.finish());
    }
    let mut resp = Response::new(Full::new(Bytes::from_static(ANSWER)));
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    Ok(resp)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let port: u16 = args
        .first()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let digest = match flag("--digest").as_deref() {
        None => Digest::None,
        Some("sha256") => Digest::Sha256,
        Some("sha256+adler32") => Digest::Sha256Adler32,
        Some(other) => panic!("--digest {other}: sha256 or sha256+adler32"),
    };
    let serve = flag("--serve-bytes")
        .map(|n| n.parse::<usize>().expect("--serve-bytes N"))
        .map(|n| Bytes::from((0..n).map(|i| (i % 251) as u8).collect::<Vec<u8>>()));
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
        let serve = serve.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, digest, serve.clone()));
            let _ = http1::Builder::new()
                .title_case_headers(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
