//! Abuse: clients that abort mid-upload, trickle bytes, go silent, open 1000 connections at once,
//! send oversized headers or 10 000 parts. The server answers each with a documented Feishu
//! response (or closes the connection cleanly), stores nothing partial, stays responsive to
//! other clients, and its memory returns to its baseline afterwards.
//!
//! RSS is per process: every test here takes one lock, so that none runs beside the memory test.
//! Timeouts only detect hangs; nothing asserts how fast anything is.

mod common;

use common::*;
use feishu_mock::{Config, MockServer, World};
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// Longer than any answer may take: reaching it means the server hung.
const HANG: Duration = Duration::from_secs(60);

const DRIVE: &str = "/open-apis/drive/v1/medias/upload_all";
const OKR_IMAGE: &str = "/open-apis/okr/v1/images/upload";
const TASK: &str = "/open-apis/task/v2/attachments/upload";
const PROJECT: &str = "/open_api/68382b399de4b0ec6c5a0001/work_item/story/6437110001/file/upload";
const DOC_NODE: &str = "doccnFivLCfJfblZjGZtxgabcef";
const MIB: u64 = 1024 * 1024;

fn drive_form(file: &[u8]) -> RawForm {
    RawForm::new()
        .text("file_name", "a.bin")
        .text("parent_type", "doc_file")
        .text("parent_node", DOC_NODE)
        .text("size", &file.len().to_string())
        .file("file", Some("a.bin"), None, file)
}

fn bearer() -> (&'static str, String) {
    ("Authorization", format!("Bearer {TENANT_TOKEN}"))
}

/// A whole raw Drive upload of `file`.
fn drive_request(file: &[u8]) -> Vec<u8> {
    let form = drive_form(file);
    let body = form.body();
    let mut req = raw_head(
        DRIVE,
        &[bearer(), ("Content-Type", form.content_type())],
        body.len(),
    );
    req.extend_from_slice(&body);
    req
}

/// A server on the default world with frequency limits off and `tweak` applied.
async fn server_with_tweak(tweak: impl FnOnce(&mut Config)) -> MockServer {
    let mut config = Config {
        world: World::default_world(),
        options: rule_test_options(),
        ..Config::default()
    };
    tweak(&mut config);
    server_with(config).await
}

/// A Drive upload through reqwest answers 0 within [`HANG`]: the server is serving.
async fn assert_serving(server: &MockServer) {
    let resp = tokio::time::timeout(
        HANG,
        post_form(
            &format!("{}{DRIVE}", server.url()),
            Some(TENANT_TOKEN),
            &drive_form(b"still serving"),
        ),
    )
    .await
    .expect("the server answers other clients");
    assert_eq!(
        documented_code("drive.media.upload_all", resp.status, &resp.text),
        Some(0)
    );
}

/// Waits until the journal holds `n` answers of `endpoint` with `code` (the server has finished
/// with those requests).
async fn journaled(server: &MockServer, endpoint: &str, code: i64, n: usize) {
    let wait = async {
        loop {
            let got = server
                .state()
                .emulator()
                .journal
                .list(Some(endpoint), Some(code))
                .len();
            if got >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(HANG, wait)
        .await
        .unwrap_or_else(|_| panic!("{endpoint}: {n} answers of {code} never journaled"));
}

/// Sends a Drive upload cut off after `sent` bytes of its body (of `declared`), then closes.
async fn abort_upload(addr: SocketAddr, sent: usize, file_len: usize) {
    let form = drive_form(&vec![7u8; file_len]);
    let body = form.body();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = raw_head(
        DRIVE,
        &[bearer(), ("Content-Type", form.content_type())],
        body.len(),
    );
    stream.write_all(&head).await.expect("head");
    let _ = stream.write_all(&body[..sent.min(body.len() - 1)]).await;
    drop(stream);
}

#[tokio::test]
async fn an_upload_aborted_mid_body_stores_nothing_and_the_server_keeps_serving() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = server().await;
    let file_len = 64 * 1024;
    // Cut inside the text parts, at the file part's head, inside the file, and one byte short.
    let cuts = [10, 200, 300, 20_000, file_len + 300];
    for sent in cuts {
        abort_upload(server.addr(), sent, file_len).await;
    }
    journaled(&server, "drive.media.upload_all", 1061002, cuts.len()).await;
    assert_eq!(server.state().emulator().store.file_count(), 0);
    assert_eq!(server.state().emulator().store.stored_bytes(), 0);
    assert_serving(&server).await;
    assert_eq!(server.state().emulator().store.file_count(), 1);
}

#[tokio::test]
async fn a_client_sending_one_byte_per_second_does_not_hold_up_other_clients() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = server().await;
    let request = drive_request(b"slow");
    let addr = server.addr();
    let slow = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        // Four seconds of headers, one byte a second.
        for b in &request[..4] {
            stream.write_all(&[*b]).await.expect("byte");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        stream
    });
    for _ in 0..10 {
        assert_serving(&server).await;
    }
    let stream = slow.await.expect("slow client");
    assert!(!slow_client_was_answered(stream).await);
    assert_eq!(server.state().emulator().store.file_count(), 10);
}

/// Whether the server sent anything to a client still inside its headers.
async fn slow_client_was_answered(mut stream: TcpStream) -> bool {
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buf)).await,
        Ok(Ok(n)) if n > 0
    )
}

#[tokio::test]
async fn a_client_trickling_headers_is_disconnected_at_the_header_read_timeout() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = server_with_tweak(|c| c.header_read_timeout = Duration::from_secs(1)).await;
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let request = drive_request(b"never finished");
    let trickle = async {
        // Far longer than the timeout if the server never closed: one byte a second.
        for b in &request {
            if stream.write_all(&[*b]).await.is_err() {
                break;
            }
            let mut buf = [0u8; 1024];
            match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return Vec::new(),
                Ok(Ok(n)) => return buf[..n].to_vec(),
                Err(_) => {}
            }
        }
        panic!("the whole request went out: the header read timeout never fired");
    };
    let sent_back = tokio::time::timeout(HANG, trickle)
        .await
        .expect("closed before the hang limit");
    // hyper closes without an answer, or with a bare 408 status line: never a Feishu answer
    // for a request that was never read.
    let text = String::from_utf8_lossy(&sent_back);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    assert_serving(&server).await;
}

#[tokio::test]
async fn a_body_gone_silent_is_answered_with_1061002_at_the_body_idle_timeout_and_stores_nothing() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = server_with_tweak(|c| c.body_idle_timeout = Duration::from_secs(1)).await;
    let form = drive_form(&[1u8; 4096]);
    let body = form.body();
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let head = raw_head(
        DRIVE,
        &[bearer(), ("Content-Type", form.content_type())],
        body.len(),
    );
    stream.write_all(&head).await.expect("head");
    stream
        .write_all(&body[..body.len() / 2])
        .await
        .expect("half");
    let mut out = Vec::new();
    tokio::time::timeout(HANG, stream.read_to_end(&mut out))
        .await
        .expect("answered before the hang limit")
        .expect("read");
    let answer = RawAnswer::parse(&out).expect("an answer");
    assert_eq!(
        documented_code("drive.media.upload_all", answer.status, &answer.text),
        Some(1061002)
    );
    assert_eq!(server.state().emulator().store.file_count(), 0);
    assert_serving(&server).await;
}

#[tokio::test]
async fn a_thousand_concurrent_connections_each_get_a_documented_answer_or_a_clean_close() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = server().await;
    let addr = server.addr();
    let clients: Vec<_> = (0..1000)
        .map(|i| {
            let request = drive_request(format!("client {i}").as_bytes());
            tokio::spawn(
                async move { tokio::time::timeout(HANG, raw_exchange(addr, &request)).await },
            )
        })
        .collect();
    // Another client is served while the thousand are open.
    assert_serving(&server).await;
    let mut accepted = 0;
    for c in clients {
        let answer = c
            .await
            .expect("client task")
            .expect("answered or closed before the hang limit");
        if let Some(a) = answer {
            if documented_code("drive.media.upload_all", a.status, &a.text) == Some(0) {
                accepted += 1;
            }
        }
    }
    assert!(accepted > 0);
    // Nothing partial: one stored file per accepted upload, plus assert_serving's.
    assert_eq!(server.state().emulator().store.file_count(), accepted + 1);
    assert_serving(&server).await;
}

#[tokio::test]
async fn oversized_headers_are_refused_with_431_in_the_routes_envelope_and_the_server_keeps_serving(
) {
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = server().await;
    let huge_value = "a".repeat(512 * 1024);
    let one_huge = raw_head(DRIVE, &[bearer(), ("X-Huge", huge_value)], 0);
    let many: Vec<(&str, String)> = (0..200).map(|_| ("X-Many", "x".to_string())).collect();
    let too_many = raw_head(DRIVE, &many, 0);
    for request in [one_huge, too_many] {
        let answer = tokio::time::timeout(HANG, raw_exchange(server.addr(), &request))
            .await
            .expect("answered before the hang limit")
            .expect("an answer");
        // Refused before the service runs, answered in the route's envelope
        // (src/http/head_guard.rs): Drive's parameter error.
        assert_eq!(answer.status, 431, "{}", answer.head);
        let body: serde_json::Value = serde_json::from_str(&answer.text).expect("JSON");
        assert_eq!(body["code"], 1061002, "{body}");
    }
    assert_serving(&server).await;
}

/// A plugin token of the default world's plugin.
async fn plugin_token(server: &MockServer) -> String {
    let r = post_json(
        &format!("{}/open_api/authen/plugin_token", server.url()),
        None,
        &json!({"plugin_id": "MII_MOCK_PLUGIN", "plugin_secret": "mock-plugin-secret", "type": 0}),
    )
    .await;
    r.json()["data"]["token"]
        .as_str()
        .expect("token")
        .to_string()
}

/// `form` followed by `extra` text parts named `x`.
fn with_parts(form: RawForm, extra: usize) -> RawForm {
    (0..extra).fold(form, |f, _| f.text("x", "v"))
}

#[tokio::test]
async fn a_form_of_10000_parts_is_refused_with_each_endpoints_parameter_error_and_stores_nothing() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = server().await;
    let project_token = plugin_token(&server).await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    // (endpoint, path, form, headers, the endpoint's parameter error)
    type Case = (
        &'static str,
        &'static str,
        RawForm,
        Vec<(&'static str, String)>,
        i64,
    );
    let cases: Vec<Case> = vec![
        (
            "drive.media.upload_all",
            DRIVE,
            drive_form(b"x"),
            vec![bearer()],
            1061002,
        ),
        (
            "okr.image.upload",
            OKR_IMAGE,
            RawForm::new()
                .text("target_id", "6974586812998174252")
                .text("target_type", "2")
                .file("data", Some("a.png"), Some("image/png"), png),
            vec![bearer()],
            1001001,
        ),
        (
            "task.attachment.upload",
            TASK,
            RawForm::new()
                .text("resource_id", "fe96108d-b004-4a47-b2f8-6886e758b3a5")
                .file("file", Some("a.txt"), None, b"x"),
            vec![bearer()],
            1470400,
        ),
        (
            "project.work_item.file.upload",
            PROJECT,
            RawForm::new().text("field_key", "field_attachment").file(
                "file",
                Some("a.txt"),
                None,
                b"x",
            ),
            vec![
                ("X-PLUGIN-TOKEN", project_token.clone()),
                ("X-USER-KEY", "7000000000000000001".to_string()),
            ],
            1000050190,
        ),
    ];
    for (endpoint, path, form, mut headers, code) in cases {
        let form = with_parts(form, 10_000 - 4);
        let body = form.body();
        headers.push(("Content-Type", form.content_type()));
        let mut request = raw_head(path, &headers, body.len());
        request.extend_from_slice(&body);
        let answer = tokio::time::timeout(HANG, raw_exchange(server.addr(), &request))
            .await
            .expect("answered before the hang limit")
            .expect("an answer");
        assert_eq!(
            documented_code(endpoint, answer.status, &answer.text),
            Some(code),
            "{endpoint}"
        );
    }
    assert_eq!(server.state().emulator().store.file_count(), 0);
    assert_serving(&server).await;
}

/// One round of abuse: aborted 2 MiB uploads, 10 000-part forms, 200 concurrent connections.
async fn abuse_round(server: &MockServer) {
    let addr = server.addr();
    for i in 0..8 {
        abort_upload(addr, (2 * MIB as usize) - 1000 * i, 2 * MIB as usize).await;
    }
    for _ in 0..4 {
        let form = with_parts(drive_form(b"x"), 10_000);
        let body = form.body();
        let mut request = raw_head(
            DRIVE,
            &[bearer(), ("Content-Type", form.content_type())],
            body.len(),
        );
        request.extend_from_slice(&body);
        tokio::time::timeout(HANG, raw_exchange(addr, &request))
            .await
            .expect("answered before the hang limit");
    }
    let clients: Vec<_> = (0..200)
        .map(|_| {
            let request = drive_request(&[0u8; 16 * 1024]);
            tokio::spawn(
                async move { tokio::time::timeout(HANG, raw_exchange(addr, &request)).await },
            )
        })
        .collect();
    for c in clients {
        c.await.expect("client").expect("no hang");
    }
}

#[tokio::test]
async fn memory_returns_to_its_baseline_after_rounds_of_abuse() {
    let _serial = ONE_AT_A_TIME.lock().await;
    // Metadata retention: accepted files keep no bytes, so any growth would be the abuse's.
    let server =
        server_with_tweak(|c| c.options.retain = feishu_mock::state::store::Retain::Metadata).await;
    // A first round warms the allocator, the runtime's worker buffers and the spool path.
    abuse_round(&server).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let baseline = rss_bytes();
    for _ in 0..3 {
        abuse_round(&server).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = rss_bytes();
    let growth = after.saturating_sub(baseline);
    assert!(
        growth < 16 * MIB,
        "RSS grew by {growth} bytes over three rounds of abuse ({baseline} → {after})"
    );
    assert_serving(&server).await;
}
