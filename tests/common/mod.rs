//! Shared helpers for the integration tests: a real server on port 0, the default world's
//! credentials, raw multipart bodies (to send exactly what each SDK sends), and snapshots.
#![allow(dead_code)]

pub mod junit;
pub mod node;
pub mod venv;

use feishu_mock::state::store::Options;
use feishu_mock::{Config, MockServer, World};
use serde_json::Value;

/// The docs' own tenant token, pre-issued in the default world (app `cli_mock`).
pub const TENANT_TOKEN: &str = "t-43b270c035ddffdcf79c9eb548d06318ca4abcef";
/// The second pre-issued tenant token of the default world.
pub const TENANT_TOKEN_2: &str = "t-e13d5ec1954e82e458f3ce04491c54ea8c9abcef";
/// The docs' own user token, for `ou_2cefb2f014f8d0c6c2d2eb7bafb0e54f`.
pub const USER_TOKEN: &str = "u-7f1bcd13fc57d46bac21793a18e560";
/// The default world's user.
pub const USER_OPEN_ID: &str = "ou_2cefb2f014f8d0c6c2d2eb7bafb0e54f";

/// Options for rule tests: frequency limits off, so that a suite may send many requests in
/// one second; the quota tests turn them on.
pub fn rule_test_options() -> Options {
    Options {
        rate_limits: false,
        ..Options::default()
    }
}

/// A server on the default world, random seed, frequency limits off.
pub async fn server() -> MockServer {
    MockServer::start_with(Config {
        world: World::default_world(),
        options: rule_test_options(),
        ..Config::default()
    })
    .await
    .expect("server starts")
}

/// A server on the default world with a fixed seed, for snapshots; frequency limits off.
pub async fn seeded_server(seed: u64) -> MockServer {
    MockServer::start_with(Config {
        seed: Some(seed),
        options: rule_test_options(),
        ..Config::default()
    })
    .await
    .expect("server starts")
}

/// A server with `config` exactly as given (frequency limits on unless it says otherwise).
pub async fn server_with(config: Config) -> MockServer {
    MockServer::start_with(config).await.expect("server starts")
}

/// An HTTP client that neither pools across tests nor follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Headers as sent (names lower-cased by the client).
    pub headers: reqwest::header::HeaderMap,
    /// Body as text.
    pub text: String,
}

impl Resp {
    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text))
    }
    /// `code` of an open-platform body.
    pub fn code(&self) -> i64 {
        self.json()["code"].as_i64().expect("code")
    }
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

/// Reads a reqwest response whole.
pub async fn read(resp: reqwest::Response) -> Resp {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    Resp {
        status,
        headers,
        text,
    }
}

/// One part of a hand-built multipart body.
#[derive(Debug, Clone)]
pub struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// A hand-built `multipart/form-data` body, so that tests send byte for byte what each SDK
/// sends (parts without filename or Content-Type, empty parts, any order).
#[derive(Debug, Clone, Default)]
pub struct RawForm {
    parts: Vec<Part>,
}

/// The boundary of [`RawForm`] bodies (the seeds' own).
pub const BOUNDARY: &str = "---7MA4YWxkTrZu0gW";

impl RawForm {
    /// An empty form.
    pub fn new() -> RawForm {
        RawForm::default()
    }
    /// Adds a text part.
    pub fn text(mut self, name: &str, value: &str) -> RawForm {
        self.parts.push(Part {
            name: name.into(),
            filename: None,
            content_type: None,
            body: value.as_bytes().to_vec(),
        });
        self
    }
    /// Adds a text part with its own Content-Type (as the Java SDK sends).
    pub fn text_typed(mut self, name: &str, value: &str, content_type: &str) -> RawForm {
        self.parts.push(Part {
            name: name.into(),
            filename: None,
            content_type: Some(content_type.into()),
            body: value.as_bytes().to_vec(),
        });
        self
    }
    /// Adds a file part; `filename` and `content_type` may be absent (Python sync sends
    /// neither).
    pub fn file(
        mut self,
        name: &str,
        filename: Option<&str>,
        content_type: Option<&str>,
        bytes: &[u8],
    ) -> RawForm {
        self.parts.push(Part {
            name: name.into(),
            filename: filename.map(str::to_string),
            content_type: content_type.map(str::to_string),
            body: bytes.to_vec(),
        });
        self
    }
    /// The Content-Type header value.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={BOUNDARY}")
    }
    /// The body bytes.
    pub fn body(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for p in &self.parts {
            out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            let mut cd = format!("Content-Disposition: form-data; name=\"{}\"", p.name);
            if let Some(f) = &p.filename {
                cd.push_str(&format!("; filename=\"{f}\""));
            }
            out.extend_from_slice(cd.as_bytes());
            out.extend_from_slice(b"\r\n");
            if let Some(ct) = &p.content_type {
                out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&p.body);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        out
    }
}

/// POSTs `form` to `url` with `headers` besides its Content-Type.
pub async fn post_form_with(url: &str, headers: &[(&str, &str)], form: &RawForm) -> Resp {
    let mut req = client()
        .post(url)
        .header("Content-Type", form.content_type())
        .body(form.body());
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    read(req.send().await.expect("request sent")).await
}

/// POSTs `form` to `url` with `Authorization: Bearer token` (no header when `token` is None).
pub async fn post_form(url: &str, token: Option<&str>, form: &RawForm) -> Resp {
    match token {
        Some(t) => post_form_with(url, &[("Authorization", &format!("Bearer {t}"))], form).await,
        None => post_form_with(url, &[], form).await,
    }
}

/// POSTs `form` to `url` with Feishu Project's `X-PLUGIN-TOKEN` and `X-USER-KEY` (each left
/// out when None).
pub async fn post_project_form(
    url: &str,
    token: Option<&str>,
    user: Option<&str>,
    form: &RawForm,
) -> Resp {
    let mut headers = Vec::new();
    if let Some(t) = token {
        headers.push(("X-PLUGIN-TOKEN", t));
    }
    if let Some(u) = user {
        headers.push(("X-USER-KEY", u));
    }
    post_form_with(url, &headers, form).await
}

/// POSTs a JSON value with a Bearer token.
pub async fn post_json(url: &str, token: Option<&str>, body: &Value) -> Resp {
    let mut req = client().post(url).json(body);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    read(req.send().await.expect("request sent")).await
}

/// The part of a response that a snapshot locks: status, the headers that matter, and the body
/// with log ids (which carry the time) redacted.
pub fn snapshot_of(resp: &Resp) -> Value {
    let mut body =
        serde_json::from_str::<Value>(&resp.text).unwrap_or(Value::String(resp.text.clone()));
    redact(&mut body);
    serde_json::json!({
        "status": resp.status,
        "content_type": resp.header("content-type"),
        "x_tt_logid_present": resp.header("x-tt-logid").is_some(),
        "body": body,
    })
}

fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if k == "log_id" {
                    *val = Value::String("[log_id]".into());
                } else if k == "troubleshooter" {
                    *val = Value::String("[troubleshooter]".into());
                } else {
                    redact(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Asserts a JSON snapshot stored in the top-level `snapshots/` folder.
#[macro_export]
macro_rules! assert_snapshot_json {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_json_snapshot!($name, $value);
        });
    };
}

/// Resident set size of this test process, in bytes (Linux `/proc/self/statm`).
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Samples [`rss_bytes`] every 5 ms in the background until dropped; `peak()` is the highest
/// value seen.
pub struct PeakRss {
    peak: std::sync::Arc<std::sync::atomic::AtomicU64>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl PeakRss {
    /// Starts sampling.
    pub fn start() -> PeakRss {
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        use std::sync::Arc;
        let peak = Arc::new(AtomicU64::new(rss_bytes()));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(rss_bytes(), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        });
        PeakRss { peak, stop }
    }
    /// Highest RSS seen so far, in bytes.
    pub fn peak(&self) -> u64 {
        self.peak
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(rss_bytes())
    }
}

impl Drop for PeakRss {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A request body of `head`, then `filler` zero bytes generated chunk by chunk (never held in
/// memory whole), then `tail`: for sending large file parts without the client's memory growing.
pub fn streaming_body(head: Vec<u8>, filler: u64, tail: Vec<u8>) -> reqwest::Body {
    const CHUNK: u64 = 64 * 1024;
    let zeros = bytes::Bytes::from(vec![0u8; CHUNK as usize]);
    let middle = futures_util::stream::unfold(filler, move |left| {
        let zeros = zeros.clone();
        async move {
            if left == 0 {
                None
            } else {
                let n = left.min(CHUNK);
                Some((
                    Ok::<_, std::io::Error>(zeros.slice(0..n as usize)),
                    left - n,
                ))
            }
        }
    });
    let head = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from(head))]);
    let tail = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from(tail))]);
    use futures_util::StreamExt;
    reqwest::Body::wrap_stream(head.chain(middle).chain(tail))
}

/// Streams a Drive upload_all to the default world's doc node declaring `size`, whose file part
/// is `file_bytes` zero bytes generated chunk by chunk (no Content-Length, so the server cannot
/// know the size up front).
pub async fn drive_upload_streamed(
    server: &feishu_mock::MockServer,
    file_bytes: u64,
    size: &str,
) -> Resp {
    drive_upload_streamed_with(server, file_bytes, size, None).await
}

/// [`drive_upload_streamed`] with a `checksum` part (Adler-32 as a decimal string) when given.
pub async fn drive_upload_streamed_with(
    server: &feishu_mock::MockServer,
    file_bytes: u64,
    size: &str,
    checksum: Option<&str>,
) -> Resp {
    let mut texts = vec![
        ("file_name", "big.bin"),
        ("parent_type", "doc_file"),
        ("parent_node", "doccnFivLCfJfblZjGZtxgabcef"),
        ("size", size),
    ];
    texts.extend(checksum.map(|c| ("checksum", c)));
    let (head, tail) = file_part_frame(&texts, "file", Some("big.bin"));
    let resp = client()
        .post(format!(
            "{}/open-apis/drive/v1/medias/upload_all",
            server.url()
        ))
        .header("Authorization", format!("Bearer {TENANT_TOKEN}"))
        .header("Content-Type", RawForm::new().content_type())
        .body(streaming_body(head, file_bytes, tail))
        .send()
        .await
        .expect("sent");
    read(resp).await
}

/// The multipart framing around one file part of `filler` bytes: (head, tail) to pass to
/// [`streaming_body`], with `texts` sent before the file.
pub fn file_part_frame(
    texts: &[(&str, &str)],
    file_field: &str,
    filename: Option<&str>,
) -> (Vec<u8>, Vec<u8>) {
    let mut head = Vec::new();
    for (k, v) in texts {
        head.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    let filename = filename
        .map(|f| format!("; filename=\"{f}\""))
        .unwrap_or_default();
    head.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{file_field}\"{filename}\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n").into_bytes();
    (head, tail)
}

/// The Feishu code of an answer of `endpoint` (a spec name), after checking that it is one the
/// endpoint documents, sent with its documented HTTP status (0 with 200), in JSON. Unknown
/// routes' `404 page not found` text answers `None`. Panics with the answer otherwise.
pub fn documented_code(endpoint: &str, status: u16, text: &str) -> Option<i64> {
    use feishu_mock::contract::error::{lookup, ErrorScope};
    use feishu_mock::contract::spec::Catalogue;
    let not_found = &Catalogue::get().platform.not_found;
    if status == not_found.http && text == not_found.body {
        return None;
    }
    let spec = Catalogue::get().endpoint(endpoint);
    let body: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{endpoint}: HTTP {status} answer is not JSON ({e}): {text}"));
    let code = body
        .get("code")
        .or_else(|| body.get("err_code"))
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{endpoint}: answer without a code: {text}"));
    if code == 0 {
        assert_eq!(status, 200, "{endpoint}: code 0 with HTTP {status}: {text}");
    } else {
        let row = lookup(ErrorScope::Endpoint(spec), code)
            .unwrap_or_else(|| panic!("{endpoint}: undocumented code {code}: {text}"));
        assert_eq!(
            status, row.http,
            "{endpoint}: code {code} with HTTP {status}: {text}"
        );
    }
    Some(code)
}

/// One HTTP/1.1 exchange over a raw TCP connection: writes `request` whole, then reads until
/// the server closes (send `Connection: close`). `None` when the server closed without a byte.
pub async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> Option<RawAnswer> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // A server that closes early may reset the rest of the write; the answer still counts.
    let _ = stream.write_all(request).await;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    RawAnswer::parse(&out)
}

/// A response read from a raw connection.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    /// HTTP status.
    pub status: u16,
    /// Header lines as sent.
    pub head: String,
    /// Body as text.
    pub text: String,
}

impl RawAnswer {
    /// Parses a whole HTTP/1.1 response; `None` for no bytes at all.
    pub fn parse(bytes: &[u8]) -> Option<RawAnswer> {
        if bytes.is_empty() {
            return None;
        }
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| {
                panic!("not an HTTP response: {:?}", String::from_utf8_lossy(bytes))
            });
        let head = String::from_utf8_lossy(&bytes[..split]).to_string();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {head}"));
        let text = String::from_utf8_lossy(&bytes[split + 4..]).to_string();
        Some(RawAnswer { status, head, text })
    }
}

/// The request head of a POST to `path` with `headers` and a body of `content_length` bytes,
/// closing the connection after the answer.
pub fn raw_head(path: &str, headers: &[(&str, String)], content_length: usize) -> Vec<u8> {
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {content_length}\r\n\r\n"));
    head.into_bytes()
}

/// A fresh tenant access token of `app_id`, fetched the way the SDKs do.
pub async fn mint_tenant_token(server: &MockServer, app_id: &str, app_secret: &str) -> String {
    let resp = post_json(
        &format!(
            "{}/open-apis/auth/v3/tenant_access_token/internal",
            server.url()
        ),
        None,
        &serde_json::json!({"app_id": app_id, "app_secret": app_secret}),
    )
    .await;
    resp.json()["tenant_access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}", resp.text))
        .to_string()
}

/// A Project plugin token (`p-…`) of the default world's plugin `MII_MOCK_PLUGIN`.
pub async fn plugin_token(server: &MockServer) -> String {
    let resp = post_json(
        &format!("{}/open_api/authen/plugin_token", server.url()),
        None,
        &serde_json::json!({"plugin_id": "MII_MOCK_PLUGIN", "plugin_secret": "mock-plugin-secret", "type": 0}),
    )
    .await;
    resp.json()["data"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no plugin token: {}", resp.text))
        .to_string()
}
