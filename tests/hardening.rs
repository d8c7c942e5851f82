//! Issue 12: nothing half-received is stored, hostile input gets a documented answer, the
//! control plane refuses what would corrupt it. Each test checks both sides of its bound.

mod common;

use common::*;
use feishu_mock::MockServer;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longer than any answer may take: reaching it means the server hung.
const HANG: Duration = Duration::from_secs(60);

const DRIVE: &str = "/open-apis/drive/v1/medias/upload_all";
const OKR_IMAGE: &str = "/open-apis/okr/v1/images/upload";
const TASK: &str = "/open-apis/task/v2/attachments/upload";
const PROJECT: &str = "/open_api/68382b399de4b0ec6c5a0001/work_item/story/6437110001/file/upload";
const PROGRESS: &str = "/open-apis/okr/v1/progress_records";
const PLUGIN_TOKEN: &str = "/open_api/authen/plugin_token";
const DOC_NODE: &str = "doccnFivLCfJfblZjGZtxgabcef";
const USER_KEY: &str = "7000000000000000001";

/// One valid upload of each of the four upload endpoints: (endpoint, path, form, headers).
async fn uploads(server: &MockServer) -> Vec<(&'static str, &'static str, RawForm, Headers)> {
    let bearer = ("Authorization", format!("Bearer {TENANT_TOKEN}"));
    let project_token = plugin_token(server).await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    vec![
        (
            "drive.media.upload_all",
            DRIVE,
            RawForm::new()
                .text("file_name", "a.bin")
                .text("parent_type", "doc_file")
                .text("parent_node", DOC_NODE)
                .text("size", "5")
                .file("file", Some("a.bin"), None, b"hello"),
            vec![bearer.clone()],
        ),
        (
            "okr.image.upload",
            OKR_IMAGE,
            RawForm::new()
                .text("target_id", "6974586812998174252")
                .text("target_type", "2")
                .file("data", Some("a.png"), Some("image/png"), png),
            vec![bearer.clone()],
        ),
        (
            "task.attachment.upload",
            TASK,
            RawForm::new()
                .text("resource_id", "fe96108d-b004-4a47-b2f8-6886e758b3a5")
                .file("file", Some("a.txt"), None, b"hello"),
            vec![bearer],
        ),
        (
            "project.work_item.file.upload",
            PROJECT,
            RawForm::new().text("field_key", "field_attachment").file(
                "file",
                Some("a.txt"),
                None,
                b"hello",
            ),
            vec![
                ("X-PLUGIN-TOKEN", project_token),
                ("X-USER-KEY", USER_KEY.to_string()),
            ],
        ),
    ]
}

type Headers = Vec<(&'static str, String)>;

fn file_count(server: &MockServer) -> usize {
    server.state().emulator().store.file_count()
}

/// How a raw request ends after its bytes are written.
#[derive(Debug, Clone, Copy)]
enum End {
    /// Half-close: the client sends FIN and keeps reading.
    HalfClose,
    /// Reset: the client goes away with an RST.
    Reset,
}

/// Writes `request`, ends the connection as `end` says, and reads whatever comes back.
async fn send_and_end(server: &MockServer, request: &[u8], end: End) -> Option<RawAnswer> {
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    stream.write_all(request).await.expect("request written");
    match end {
        End::HalfClose => {
            stream.shutdown().await.expect("half-close");
            let mut out = Vec::new();
            let _ = tokio::time::timeout(HANG, stream.read_to_end(&mut out))
                .await
                .expect("answered or closed before the hang limit");
            RawAnswer::parse(&out)
        }
        End::Reset => {
            stream.set_zero_linger().expect("linger 0");
            drop(stream);
            // Give the server time to act on what it received.
            tokio::time::sleep(Duration::from_millis(300)).await;
            None
        }
    }
}

/// `head` (ending in its blank line) with a chunked body: `body` as one chunk, then the final
/// chunk when `last` is set.
fn chunked(path: &str, headers: &Headers, body: &[u8], last: bool) -> Vec<u8> {
    let mut req = format!("POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("Transfer-Encoding: chunked\r\n\r\n");
    let mut req = req.into_bytes();
    req.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
    req.extend_from_slice(body);
    req.extend_from_slice(b"\r\n");
    if last {
        req.extend_from_slice(b"0\r\n\r\n");
    }
    req
}

/// A refused answer, if any, must be the endpoint's documented non-zero code.
fn assert_refused(endpoint: &str, answer: Option<RawAnswer>) {
    if let Some(a) = answer {
        let code = documented_code(endpoint, a.status, &a.text);
        assert!(
            code.is_some_and(|c| c != 0),
            "{endpoint}: a truncated body was answered {} {}",
            a.status,
            a.text
        );
    }
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_never_stored_on_any_upload_endpoint() {
    let server = server().await;
    for end in [End::HalfClose, End::Reset] {
        for (endpoint, path, form, mut headers) in uploads(&server).await {
            let body = form.body();
            headers.push(("Content-Type", form.content_type()));
            // A complete form, but Content-Length claims 100 bytes more than are sent.
            let mut request = raw_head(path, &headers, body.len() + 100);
            request.extend_from_slice(&body);
            let answer = send_and_end(&server, &request, end).await;
            assert_refused(endpoint, answer);
            assert_eq!(file_count(&server), 0, "{endpoint} {end:?}: stored");
        }
    }
    // The other side of the bound: the same requests, whole, are stored.
    for (i, (endpoint, path, form, mut headers)) in uploads(&server).await.into_iter().enumerate() {
        let body = form.body();
        headers.push(("Content-Type", form.content_type()));
        let mut request = raw_head(path, &headers, body.len());
        request.extend_from_slice(&body);
        let answer = send_and_end(&server, &request, End::HalfClose)
            .await
            .expect("an answer");
        assert_eq!(
            documented_code(endpoint, answer.status, &answer.text),
            Some(0),
            "{endpoint}: {}",
            answer.text
        );
        assert_eq!(file_count(&server), i + 1, "{endpoint}");
    }
}

#[tokio::test]
async fn a_chunked_body_without_its_final_chunk_is_never_stored() {
    let server = server().await;
    for end in [End::HalfClose, End::Reset] {
        for (endpoint, path, form, mut headers) in uploads(&server).await {
            headers.push(("Content-Type", form.content_type()));
            let request = chunked(path, &headers, &form.body(), false);
            let answer = send_and_end(&server, &request, end).await;
            assert_refused(endpoint, answer);
            assert_eq!(file_count(&server), 0, "{endpoint} {end:?}: stored");
        }
    }
    for (i, (endpoint, path, form, mut headers)) in uploads(&server).await.into_iter().enumerate() {
        headers.push(("Content-Type", form.content_type()));
        let request = chunked(path, &headers, &form.body(), true);
        let answer = send_and_end(&server, &request, End::HalfClose)
            .await
            .expect("an answer");
        assert_eq!(
            documented_code(endpoint, answer.status, &answer.text),
            Some(0),
            "{endpoint}: {}",
            answer.text
        );
        assert_eq!(file_count(&server), i + 1, "{endpoint}");
    }
}

#[tokio::test]
async fn a_truncated_body_from_a_client_that_stays_silent_is_refused_at_the_idle_timeout() {
    let server = server_with(feishu_mock::Config {
        options: rule_test_options(),
        body_idle_timeout: Duration::from_millis(500),
        ..feishu_mock::Config::default()
    })
    .await;
    let (endpoint, path, form, mut headers) = uploads(&server).await.remove(0);
    let body = form.body();
    headers.push(("Content-Type", form.content_type()));
    let mut request = raw_head(path, &headers, body.len() + 1);
    request.extend_from_slice(&body);
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    stream.write_all(&request).await.expect("written");
    let mut out = Vec::new();
    tokio::time::timeout(HANG, stream.read_to_end(&mut out))
        .await
        .expect("closed before the hang limit")
        .expect("read");
    let answer = RawAnswer::parse(&out).expect("an answer");
    assert_eq!(
        documented_code(endpoint, answer.status, &answer.text),
        Some(1061002)
    );
    assert_eq!(file_count(&server), 0);
}

#[tokio::test]
async fn an_epilogue_after_the_closing_delimiter_is_read_and_bounded() {
    let server = server().await;
    let (endpoint, path, form, mut headers) = uploads(&server).await.remove(0);
    headers.push(("Content-Type", form.content_type()));
    for (epilogue, code, stored) in [
        (2, 0, 1),                     // a line break, as clients send it
        (64 * 1024, 0, 2),             // within the bound
        (8 * 1024 * 1024, 1061002, 2), // far past it: refused, nothing more stored
    ] {
        let mut body = form.body();
        body.extend(std::iter::repeat_n(b'\n', epilogue));
        let mut request = raw_head(path, &headers, body.len());
        request.extend_from_slice(&body);
        let answer = raw_exchange(server.addr(), &request)
            .await
            .expect("an answer");
        assert_eq!(
            documented_code(endpoint, answer.status, &answer.text),
            Some(code),
            "{epilogue}"
        );
        assert_eq!(file_count(&server), stored, "{epilogue}");
    }
}

async fn clock(server: &MockServer, body: Value) -> Resp {
    read(
        client()
            .post(format!("{}/__mock/clock", server.url()))
            .json(&body)
            .send()
            .await
            .expect("sent"),
    )
    .await
}

#[tokio::test]
async fn the_clock_refuses_advances_that_overflow_or_are_not_whole_seconds() {
    let server = server().await;
    let before = server.state().emulator().store.now_ms();
    for body in [
        json!({"advance_seconds": 9223372036854775807u64}),
        json!({"advance_seconds": 18446744073709551615u64}),
        json!({"advance_seconds": 1e300}),
        json!({"advance_seconds": 1.5}),
        json!({"advance_seconds": -1}),
        json!({"advance_seconds": null}),
    ] {
        let resp = clock(&server, body.clone()).await;
        assert_eq!(resp.status, 400, "{body}: {}", resp.text);
        assert!(resp.json()["error"].is_string(), "{body}");
    }
    let after = server.state().emulator().store.now_ms();
    assert!(
        after - before < 60_000,
        "the clock moved: {before} → {after}"
    );
    // Both sides of the ceiling, 9999-12-31T23:59:59.999Z.
    let max_ms: i64 = 253_402_300_799_999;
    let room_secs = (max_ms - after) / 1000 - 60;
    let resp = clock(&server, json!({"advance_seconds": room_secs})).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let resp = clock(&server, json!({"advance_seconds": 120})).await;
    assert_eq!(resp.status, 400, "{}", resp.text);
    let now = server.state().emulator().store.now_ms();
    assert!(now > 0 && now <= max_ms);
    // Log ids still spell the time.
    let resp = post_json(
        &format!(
            "{}/open-apis/auth/v3/tenant_access_token/internal",
            server.url()
        ),
        None,
        &json!({"app_id": "cli_mock", "app_secret": "mock-secret"}),
    )
    .await;
    let log_id = resp.header("x-tt-logid").expect("log id");
    assert!(log_id.starts_with("9999"), "{log_id}");
}

async fn post_raw_json(
    server: &MockServer,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut req = client()
        .post(format!("{}{path}", server.url()))
        .body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    read(req.send().await.expect("sent")).await
}

#[tokio::test]
async fn plugin_token_answers_every_malformed_body_in_its_own_envelope() {
    let server = server().await;
    let json_ct = ("Content-Type", "application/json");
    for (headers, body) in [
        (vec![json_ct], b"not json".to_vec()),
        (vec![json_ct], b"".to_vec()),
        (vec![json_ct], b"{".to_vec()),
        (vec![json_ct], b"[]".to_vec()),
        (vec![json_ct], b"{}".to_vec()),
        (
            vec![json_ct, ("Content-Encoding", "gzip")],
            br#"{"plugin_id":"MII_MOCK_PLUGIN","plugin_secret":"mock-plugin-secret"}"#.to_vec(),
        ),
        (vec![json_ct], vec![b' '; 10 * 1024 * 1024 + 1]),
    ] {
        let resp = post_raw_json(&server, PLUGIN_TOKEN, &headers, &body).await;
        assert_eq!(resp.status, 200, "{}", resp.text);
        assert_eq!(resp.json()["error"]["code"], 20006, "{}", resp.text);
        assert!(resp.json().get("err_code").is_none(), "{}", resp.text);
    }
    // The other side: a well-formed body gets a token.
    let resp = post_raw_json(
        &server,
        PLUGIN_TOKEN,
        &[json_ct],
        br#"{"plugin_id":"MII_MOCK_PLUGIN","plugin_secret":"mock-plugin-secret","type":0}"#,
    )
    .await;
    assert_eq!(resp.json()["error"]["code"], 0, "{}", resp.text);
}

#[tokio::test]
async fn open_token_endpoints_answer_malformed_bodies_with_10003() {
    let server = server().await;
    for path in [
        "/open-apis/auth/v3/tenant_access_token/internal",
        "/open-apis/auth/v3/app_access_token/internal",
    ] {
        for (headers, body) in [
            (vec![], b"not json".to_vec()),
            (
                vec![("Content-Encoding", "gzip")],
                br#"{"app_id":"cli_mock","app_secret":"mock-secret"}"#.to_vec(),
            ),
        ] {
            let resp = post_raw_json(&server, path, &headers, &body).await;
            assert_eq!(resp.status, 200, "{}", resp.text);
            assert_eq!(resp.json()["code"], 10003, "{}", resp.text);
        }
        // No Content-Type at all is accepted (the Python SDK sends none).
        let resp = post_raw_json(
            &server,
            path,
            &[],
            br#"{"app_id":"cli_mock","app_secret":"mock-secret"}"#,
        )
        .await;
        assert_eq!(resp.json()["code"], 0, "{}", resp.text);
    }
}

fn progress_body() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "source_title": "t",
        "source_url": "https://example.com",
        "target_id": "6974586812998174252",
        "target_type": 2,
        "content": {"blocks": []},
    }))
    .expect("json")
}

#[tokio::test]
async fn progress_records_require_a_json_content_type_and_refuse_encodings() {
    let server = server().await;
    let bearer = format!("Bearer {TENANT_TOKEN}");
    let auth = ("Authorization", bearer.as_str());
    for ct in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
    ] {
        let resp = post_raw_json(
            &server,
            PROGRESS,
            &[auth, ("Content-Type", ct)],
            &progress_body(),
        )
        .await;
        assert_eq!(resp.code(), 0, "{ct}: {}", resp.text);
    }
    let records = server
        .state()
        .emulator()
        .journal
        .list(Some("okr.progress_record.create"), Some(0))
        .len();
    for headers in [
        vec![auth, ("Content-Type", "application/xml")],
        vec![auth, ("Content-Type", "text/plain")],
        vec![auth, ("Content-Type", "application/jsonx")],
        vec![auth],
        vec![
            auth,
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        vec![
            auth,
            ("Content-Type", "application/json"),
            ("Content-Encoding", "identity, br"),
        ],
    ] {
        let resp = post_raw_json(&server, PROGRESS, &headers, &progress_body()).await;
        assert_eq!(resp.status, 400, "{headers:?}: {}", resp.text);
        assert_eq!(resp.code(), 1001001, "{headers:?}: {}", resp.text);
    }
    // `Content-Encoding: identity` is no encoding.
    let resp = post_raw_json(
        &server,
        PROGRESS,
        &[
            auth,
            ("Content-Type", "application/json"),
            ("Content-Encoding", "identity"),
        ],
        &progress_body(),
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    assert_eq!(
        server
            .state()
            .emulator()
            .journal
            .list(Some("okr.progress_record.create"), Some(0))
            .len(),
        records + 1
    );
}

/// An upload request (`uploads(…)[index]`) whose head carries `extra` header lines, in the
/// order given, after the endpoint's own, with `Connection: close`: (endpoint, head, body).
async fn upload_with(
    server: &MockServer,
    index: usize,
    extra: &[(&'static str, String)],
) -> (&'static str, Vec<u8>, Vec<u8>) {
    let (endpoint, path, form, mut headers) = uploads(server).await.remove(index);
    headers.push(("Content-Type", form.content_type()));
    headers.extend_from_slice(extra);
    let body = form.body();
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in &headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    (endpoint, head.into_bytes(), body)
}

/// Sends `head` + `body` on a fresh connection and reads the answer until the server closes.
async fn exchange(server: &MockServer, head: &[u8], body: &[u8]) -> RawAnswer {
    let mut request = head.to_vec();
    request.extend_from_slice(body);
    tokio::time::timeout(HANG, raw_exchange(server.addr(), &request))
        .await
        .expect("answered before the hang limit")
        .expect("an answer, not a bare close")
}

/// `answer` is an HTTP-level refusal with `status`, `Connection: close`, an `X-Tt-Logid`, and
/// `endpoint`'s parameter error in its platform's envelope.
fn assert_head_refused(endpoint: &str, status: u16, answer: &RawAnswer) {
    use feishu_mock::contract::spec::Catalogue;
    let spec = Catalogue::get().endpoint(endpoint);
    assert_eq!(answer.status, status, "{endpoint}: {answer:?}");
    let head = answer.head.to_ascii_lowercase();
    assert!(
        head.contains("\r\nconnection: close"),
        "{endpoint}: {answer:?}"
    );
    assert!(head.contains("\r\nx-tt-logid: "), "{endpoint}: {answer:?}");
    assert!(
        head.contains("\r\ncontent-type: application/json; charset=utf-8"),
        "{endpoint}: {answer:?}"
    );
    let body: Value = serde_json::from_str(&answer.text)
        .unwrap_or_else(|e| panic!("{endpoint}: not JSON ({e}): {answer:?}"));
    let code = body.get("code").or_else(|| body.get("err_code"));
    assert_eq!(
        code.and_then(Value::as_i64),
        Some(spec.param_error),
        "{endpoint}: {answer:?}"
    );
    match spec.platform {
        feishu_mock::contract::spec::Platform::Open => {
            assert!(
                body["msg"].is_string() && body["error"]["log_id"].is_string(),
                "{body}"
            )
        }
        feishu_mock::contract::spec::Platform::Project => {
            assert!(
                body["err_msg"].is_string() && body["err"]["code"].is_i64(),
                "{body}"
            )
        }
    }
}

/// `answer` is the endpoint's success.
fn assert_served(endpoint: &str, answer: &RawAnswer) {
    assert_eq!(
        documented_code(endpoint, answer.status, &answer.text),
        Some(0),
        "{endpoint}: {answer:?}"
    );
}

/// `head` padded with an `X-Pad` header line to exactly `len` bytes.
fn head_of_len(head: &[u8], len: usize) -> Vec<u8> {
    let line = "X-Pad: \r\n".len();
    let pad = len - head.len() - line;
    let mut out = head[..head.len() - 2].to_vec();
    out.extend_from_slice(format!("X-Pad: {}\r\n\r\n", "a".repeat(pad)).as_bytes());
    assert_eq!(out.len(), len);
    out
}

#[tokio::test]
async fn a_head_over_max_head_bytes_is_answered_431_in_the_routes_envelope_and_one_at_it_is_served()
{
    use feishu_mock::http::limits::MAX_HEAD_BYTES;
    let server = server().await;
    // Drive (open platform) and the Project work-item upload.
    for index in [0, 3] {
        let (endpoint, head, body) = upload_with(&server, index, &[]).await;
        let length = format!("Content-Length: {}\r\n\r\n", body.len());
        let head = [&head[..head.len() - 2], length.as_bytes()].concat();
        let at = head_of_len(&head, MAX_HEAD_BYTES);
        assert_served(endpoint, &exchange(&server, &at, &body).await);
        let over = head_of_len(&head, MAX_HEAD_BYTES + 1);
        let files = file_count(&server);
        assert_head_refused(endpoint, 431, &exchange(&server, &over, &body).await);
        assert_eq!(file_count(&server), files, "{endpoint}: nothing stored");
    }
}

#[tokio::test]
async fn more_than_100_header_lines_are_answered_431_and_100_are_served() {
    let server = server().await;
    let (endpoint, head, body) = upload_with(&server, 0, &[]).await;
    let length = format!("Content-Length: {}\r\n", body.len());
    let lines = head.split(|&b| b == b'\n').count() - 3 + 1; // header lines, with Content-Length
    for (total, refused) in [(100, false), (101, true)] {
        let mut request = head[..head.len() - 2].to_vec();
        for i in lines..total {
            request.extend_from_slice(format!("X-Pad-{i}: a\r\n").as_bytes());
        }
        request.extend_from_slice(length.as_bytes());
        request.extend_from_slice(b"\r\n");
        let answer = exchange(&server, &request, &body).await;
        if refused {
            assert_head_refused(endpoint, 431, &answer);
        } else {
            assert_served(endpoint, &answer);
        }
    }
}

#[tokio::test]
async fn an_invalid_content_length_is_answered_400_in_the_routes_envelope() {
    let server = server().await;
    for index in [0, 3] {
        let (endpoint, head, body) = upload_with(&server, index, &[]).await;
        let len = body.len().to_string();
        let with = |lines: &[String]| {
            let mut h = head[..head.len() - 2].to_vec();
            for l in lines {
                h.extend_from_slice(format!("Content-Length: {l}\r\n").as_bytes());
            }
            h.extend_from_slice(b"\r\n");
            h
        };
        for bad in [
            vec!["abc".to_string()],
            vec!["-1".to_string()],
            vec![len.clone(), format!("{}", body.len() + 1)],
        ] {
            let files = file_count(&server);
            let answer = exchange(&server, &with(&bad), &body).await;
            assert_head_refused(endpoint, 400, &answer);
            assert_eq!(
                file_count(&server),
                files,
                "{endpoint} {bad:?}: nothing stored"
            );
        }
        // The other side: one valid length, or the same one twice.
        assert_served(
            endpoint,
            &exchange(&server, &with(std::slice::from_ref(&len)), &body).await,
        );
        assert_served(
            endpoint,
            &exchange(&server, &with(&[len.clone(), len.clone()]), &body).await,
        );
    }
}

#[tokio::test]
async fn a_nul_in_a_header_value_is_answered_400_in_the_routes_envelope() {
    let server = server().await;
    for index in [0, 3] {
        let (endpoint, _, body) = upload_with(&server, index, &[]).await;
        let length = ("Content-Length", body.len().to_string());
        let (_, head, _) =
            upload_with(&server, index, &[("X-Note", "a\0b".into()), length.clone()]).await;
        assert_head_refused(endpoint, 400, &exchange(&server, &head, &body).await);
        let (_, head, _) = upload_with(&server, index, &[("X-Note", "a b".into()), length]).await;
        assert_served(endpoint, &exchange(&server, &head, &body).await);
    }
}

#[tokio::test]
async fn a_refused_head_on_the_control_plane_or_an_unknown_route_gets_their_own_answer() {
    let server = server().await;
    let answer = exchange(
        &server,
        b"POST /__mock/reset HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n",
        b"",
    )
    .await;
    assert_eq!(answer.status, 400);
    let body: Value = serde_json::from_str(&answer.text).expect("control plane JSON");
    assert!(body["error"].is_string(), "{body}");
    for target in ["/nowhere", "/open-apis/nowhere"] {
        let request = format!("POST {target} HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n");
        let answer = exchange(&server, request.as_bytes(), b"").await;
        assert_eq!(
            (answer.status, answer.text.as_str()),
            (400, "400 Bad Request")
        );
        assert!(answer.head.contains("text/plain"), "{answer:?}");
    }
    // Journalled like any request, with the status answered.
    let refused = server
        .state()
        .emulator()
        .journal
        .list(Some("http_refusal"), None);
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused.iter().all(|e| e.status == 400), "{refused:?}");
}

#[tokio::test]
async fn a_refused_head_on_a_token_endpoint_gets_its_own_envelope() {
    let server = server().await;
    for path in [
        "/open-apis/auth/v3/tenant_access_token/internal",
        "/open-apis/auth/v3/app_access_token/internal",
    ] {
        let request = format!("POST {path} HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n");
        let answer = exchange(&server, request.as_bytes(), b"").await;
        assert_eq!(answer.status, 400, "{answer:?}");
        let body: Value = serde_json::from_str(&answer.text).expect("JSON");
        assert_eq!(body["code"], 10003, "{body}");
    }
    let request = format!("POST {PLUGIN_TOKEN} HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n");
    let answer = exchange(&server, request.as_bytes(), b"").await;
    assert_eq!(answer.status, 400, "{answer:?}");
    let body: Value = serde_json::from_str(&answer.text).expect("JSON");
    assert_eq!(body["error"]["code"], 20006, "{body}");
    assert!(body["data"].is_object(), "{body}");
}

#[tokio::test]
async fn a_request_target_over_65534_bytes_is_answered_414_and_one_of_65534_is_served() {
    let server = server().await;
    let (endpoint, path, form, mut headers) = uploads(&server).await.remove(0);
    headers.push(("Content-Type", form.content_type()));
    let body = form.body();
    for (len, refused) in [(65_534, false), (65_535, true)] {
        let target = format!("{path}?x={}", "a".repeat(len - path.len() - 3));
        assert_eq!(target.len(), len);
        let answer = exchange(&server, &raw_head(&target, &headers, body.len()), &body).await;
        if refused {
            assert_head_refused(endpoint, 414, &answer);
        } else {
            assert_served(endpoint, &answer);
        }
    }
}

#[tokio::test]
async fn content_length_with_transfer_encoding_is_refused_in_either_order_and_nothing_is_stored() {
    let server = server().await;
    for index in [0, 3] {
        let (endpoint, path, form, _) = uploads(&server).await.remove(index);
        let (_, _, body) = upload_with(&server, index, &[]).await;
        let te = ("Transfer-Encoding", "chunked".to_string());
        let cl = ("Content-Length", "4".to_string());
        for order in [[cl.clone(), te.clone()], [te.clone(), cl.clone()]] {
            let (_, head, _) = upload_with(&server, index, &order).await;
            let mut request = head;
            request.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
            request.extend_from_slice(&body);
            request.extend_from_slice(b"\r\n0\r\n\r\n");
            // A whole second request behind it, the smuggling shape.
            let (_, _, _, headers) = uploads(&server).await.remove(index);
            let mut second_headers = headers;
            second_headers.push(("Content-Type", form.content_type()));
            request.extend_from_slice(&raw_head(path, &second_headers, body.len()));
            request.extend_from_slice(&body);
            let files = file_count(&server);
            let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
            let _ = stream.write_all(&request).await;
            let mut out = Vec::new();
            let _ = tokio::time::timeout(HANG, stream.read_to_end(&mut out))
                .await
                .expect("closed before the hang limit");
            let text = String::from_utf8_lossy(&out);
            assert_eq!(text.matches("HTTP/1.1 ").count(), 1, "one answer: {text}");
            let answer = RawAnswer::parse(&out).expect("an answer");
            assert_head_refused(endpoint, 400, &answer);
            assert_eq!(
                file_count(&server),
                files,
                "{endpoint} {order:?}: nothing stored"
            );
        }
        // The other side: Transfer-Encoding alone is served.
        let (_, head, _) = upload_with(&server, index, &[te]).await;
        let answer = exchange(&server, &head, &chunked_body(&body)).await;
        assert_served(endpoint, &answer);
    }
}

#[tokio::test]
async fn content_length_with_transfer_encoding_is_refused_when_the_head_arrives_in_pieces() {
    let server = server().await;
    let (endpoint, _, body) = upload_with(&server, 0, &[]).await;
    let both = [
        ("Content-Length", "4".to_string()),
        ("Transfer-Encoding", "chunked".to_string()),
    ];
    let (_, head, _) = upload_with(&server, 0, &both).await;
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    // The head in three writes, each given time to be read on its own.
    for piece in head.chunks(head.len() / 3 + 1) {
        stream.write_all(piece).await.expect("written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stream.write_all(&chunked_body(&body)).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(HANG, stream.read_to_end(&mut out))
        .await
        .expect("closed before the hang limit");
    assert_head_refused(endpoint, 400, &RawAnswer::parse(&out).expect("an answer"));
    assert_eq!(file_count(&server), 0);
}

/// `body` as one chunk and the final chunk.
fn chunked_body(body: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n0\r\n\r\n");
    out
}

#[tokio::test]
async fn a_pipelined_request_with_both_lengths_cannot_smuggle_a_third_one() {
    // Pipelined behind a first request in the same write, the second is not held by the guard:
    // hyper reads its body as chunked and closes after its answer, so the third is never read.
    let server = server().await;
    let (endpoint, path, form, mut headers) = uploads(&server).await.remove(0);
    headers.push(("Content-Type", form.content_type()));
    let body = form.body();
    let keep_alive = |h: Vec<u8>| {
        String::from_utf8(h)
            .expect("ascii")
            .replace("Connection: close\r\n", "")
            .into_bytes()
    };
    let mut request = keep_alive(raw_head(path, &headers, body.len()));
    request.extend_from_slice(&body);
    let mut with_length = headers.clone();
    with_length.push(("Content-Length", "4".to_string()));
    request.extend_from_slice(&keep_alive(chunked(path, &with_length, &body, true)));
    request.extend_from_slice(&raw_head(path, &headers, body.len()));
    request.extend_from_slice(&body);
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    stream.write_all(&request).await.expect("written");
    let mut out = Vec::new();
    tokio::time::timeout(HANG, stream.read_to_end(&mut out))
        .await
        .expect("closed before the hang limit")
        .expect("read");
    let text = String::from_utf8_lossy(&out);
    assert_eq!(
        text.matches("HTTP/1.1 200 ").count(),
        2,
        "two answers: {text}"
    );
    assert_eq!(
        file_count(&server),
        2,
        "{endpoint}: the second read as chunked, the third never read"
    );
}

#[tokio::test]
async fn keep_alive_and_pipelined_requests_are_served_and_a_later_bad_head_is_refused() {
    let server = server().await;
    let (endpoint, path, form, mut headers) = uploads(&server).await.remove(0);
    headers.push(("Content-Type", form.content_type()));
    let body = form.body();
    let one = {
        let mut r = String::from_utf8(raw_head(path, &headers, body.len()))
            .expect("ascii")
            .replace("Connection: close\r\n", "")
            .into_bytes();
        r.extend_from_slice(&body);
        r
    };
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    // One after the other, each answer awaited.
    for _ in 0..2 {
        stream.write_all(&one).await.expect("written");
        let answer = read_one_answer(&mut stream).await;
        assert_served(endpoint, &answer);
    }
    // Two in one write.
    stream
        .write_all(&[one.clone(), one.clone()].concat())
        .await
        .expect("written");
    for _ in 0..2 {
        assert_served(endpoint, &read_one_answer(&mut stream).await);
    }
    // Then a broken head on the same connection: refused in the route's envelope.
    stream
        .write_all(
            format!("POST {path} HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n").as_bytes(),
        )
        .await
        .expect("written");
    let mut out = Vec::new();
    tokio::time::timeout(HANG, stream.read_to_end(&mut out))
        .await
        .expect("closed before the hang limit")
        .expect("read");
    assert_head_refused(endpoint, 400, &RawAnswer::parse(&out).expect("an answer"));
    assert_eq!(file_count(&server), 4);
}

/// Reads one response with a `Content-Length` from a kept-alive `stream`.
async fn read_one_answer(stream: &mut TcpStream) -> RawAnswer {
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    while !out.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(HANG, stream.read(&mut byte))
            .await
            .expect("answered before the hang limit")
            .expect("read");
        assert_eq!(n, 1, "closed mid-head: {}", String::from_utf8_lossy(&out));
        out.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&out).to_ascii_lowercase();
    let len: usize = head
        .split("\r\n")
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("a Content-Length");
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await.expect("body");
    out.extend_from_slice(&body);
    RawAnswer::parse(&out).expect("an answer")
}

#[tokio::test]
async fn a_nul_in_a_text_part_or_filename_is_refused() {
    let server = server().await;
    let url = format!("{}{DRIVE}", server.url());
    let form = |name: &str, filename: &str| {
        RawForm::new()
            .text("file_name", name)
            .text("parent_type", "doc_file")
            .text("parent_node", DOC_NODE)
            .text("size", "1")
            .file("file", Some(filename), None, b"x")
    };
    for (name, filename) in [("a\0b.txt", "a.txt"), ("a.txt", "a\0.txt")] {
        let resp = post_form(&url, Some(TENANT_TOKEN), &form(name, filename)).await;
        assert_eq!(resp.status, 400, "{}", resp.text);
        assert_eq!(resp.code(), 1061002, "{}", resp.text);
    }
    assert_eq!(file_count(&server), 0);
    let resp = post_form(&url, Some(TENANT_TOKEN), &form("a\u{1}b.txt", "a.txt")).await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
}

fn options_with(
    tweak: impl FnOnce(&mut feishu_mock::state::store::Options),
) -> feishu_mock::Config {
    let mut options = rule_test_options();
    tweak(&mut options);
    feishu_mock::Config {
        options,
        ..feishu_mock::Config::default()
    }
}

async fn project_token_status(server: &MockServer, token: &str) -> i64 {
    // A download of an unknown uuid: 20006 with a live token, 10022 with a dead one.
    let resp = read(
        client()
            .post(format!(
                "{}/open_api/68382b399de4b0ec6c5a0001/work_item/story/6437110001/file/download",
                server.url()
            ))
            .header("X-PLUGIN-TOKEN", token)
            .header("X-USER-KEY", USER_KEY)
            .json(&json!({"uuid": "nope"}))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    resp.json()["err_code"].as_i64().expect("err_code")
}

#[tokio::test]
async fn expired_tokens_of_every_kind_are_reclaimed() {
    let server = server().await;
    let emulator = server.state().emulator();
    let store = &emulator.store;
    let world_tokens = store.token_count();
    // Open platform: a new token per window, each expired by the next.
    for _ in 0..3 * feishu_mock::state::store::TOKEN_SWEEP_EVERY {
        store.issue_token("cli_mock", feishu_mock::state::store::TokenKind::Tenant);
        store.advance_clock_ms(7201 * 1000);
    }
    assert!(
        store.token_count() <= world_tokens + feishu_mock::state::store::TOKEN_SWEEP_EVERY,
        "{} open-platform tokens kept",
        store.token_count()
    );
    // The world's pre-issued tokens never expire and are never reclaimed.
    let resp = post_form(
        &format!("{}{DRIVE}", server.url()),
        Some(TENANT_TOKEN),
        &uploads(&server).await.remove(0).2,
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    // Project: every call mints; a window later they are all expired and get reclaimed.
    let first = plugin_token(&server).await;
    for _ in 0..feishu_mock::state::store::TOKEN_SWEEP_EVERY {
        plugin_token(&server).await;
    }
    let project = &emulator.families.project;
    let before = project.token_count();
    assert!(before > feishu_mock::state::store::TOKEN_SWEEP_EVERY / 2);
    assert_eq!(project_token_status(&server, &first).await, 20006, "live");
    store.advance_clock_ms(7201 * 1000);
    assert_eq!(
        project_token_status(&server, &first).await,
        10022,
        "expired"
    );
    for _ in 0..feishu_mock::state::store::TOKEN_SWEEP_EVERY {
        plugin_token(&server).await;
    }
    assert!(
        project.token_count() <= feishu_mock::state::store::TOKEN_SWEEP_EVERY + 1,
        "{} project tokens kept (were {before})",
        project.token_count()
    );
}

#[tokio::test]
async fn issued_tokens_are_capped_within_one_expiry_window() {
    let cap = 50;
    let server = server_with(options_with(|o| o.max_issued_tokens = cap)).await;
    // At the cap: every token issued is still valid.
    let mut tokens = Vec::new();
    for _ in 0..cap {
        tokens.push(plugin_token(&server).await);
    }
    for t in &tokens {
        assert_eq!(project_token_status(&server, t).await, 20006);
    }
    // Past it: the table never holds more than the cap; the oldest go first, the newest work.
    for _ in 0..4 * cap {
        tokens.push(plugin_token(&server).await);
    }
    let project = &server.state().emulator().families.project;
    assert!(project.token_count() <= cap, "{}", project.token_count());
    assert_eq!(project_token_status(&server, &tokens[0]).await, 10022);
    assert_eq!(
        project_token_status(&server, tokens.last().expect("a token")).await,
        20006
    );
}

async fn get_json(server: &MockServer, path: &str) -> Resp {
    read(
        client()
            .get(format!("{}{path}", server.url()))
            .send()
            .await
            .expect("sent"),
    )
    .await
}

#[tokio::test]
async fn inspection_lists_are_paged() {
    let server = server().await;
    let url = format!("{}{DRIVE}", server.url());
    let form = uploads(&server).await.remove(0).2;
    for _ in 0..7 {
        assert_eq!(post_form(&url, Some(TENANT_TOKEN), &form).await.code(), 0);
    }
    let all = get_json(&server, "/__mock/files").await.json();
    assert_eq!(all["files"].as_array().expect("files").len(), 7);
    assert_eq!(all["has_more"], false);
    assert!(all.get("page_token").is_none());
    // Pages of 3: 3, 3, 1, in the same order as the whole list, nothing twice.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &token {
            None => "/__mock/files?page_size=3".to_string(),
            Some(t) => format!("/__mock/files?page_size=3&page_token={t}"),
        };
        let page = get_json(&server, &path).await.json();
        let files = page["files"].as_array().expect("files").clone();
        assert!(files.len() <= 3);
        seen.extend(files.iter().map(|f| f["file_token"].clone()));
        pages += 1;
        if page["has_more"] == false {
            break;
        }
        token = Some(page["page_token"].as_str().expect("token").to_string());
    }
    assert_eq!(pages, 3);
    let whole: Vec<Value> = all["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["file_token"].clone())
        .collect();
    assert_eq!(seen, whole);
    // A page exactly as large as what is left says so.
    let page = get_json(&server, "/__mock/files?page_size=7").await.json();
    assert_eq!(page["has_more"], false);
    let page = get_json(&server, "/__mock/files?page_size=6").await.json();
    assert_eq!(page["has_more"], true);
    // The journal: 7 uploads, paged by 5.
    let path = "/__mock/requests?endpoint=drive.media.upload_all&page_size=5";
    let first = get_json(&server, path).await.json();
    assert_eq!(first["requests"].as_array().expect("requests").len(), 5);
    assert_eq!(first["has_more"], true);
    let next = format!(
        "{path}&page_token={}",
        first["page_token"].as_str().expect("t")
    );
    let second = get_json(&server, &next).await.json();
    assert_eq!(second["requests"].as_array().expect("requests").len(), 2);
    assert_eq!(second["has_more"], false);
    // Bounds of page_size, and foreign tokens.
    for bad in [
        "/__mock/files?page_size=0",
        "/__mock/files?page_size=10001",
        "/__mock/files?page_size=x",
        "/__mock/files?page_token=garbage",
        "/__mock/requests?page_size=0",
        "/__mock/requests?page_token=garbage",
    ] {
        let resp = get_json(&server, bad).await;
        assert_eq!(resp.status, 400, "{bad}: {}", resp.text);
        assert!(resp.json()["error"].is_string());
    }
    for good in ["/__mock/files?page_size=1", "/__mock/files?page_size=10000"] {
        assert_eq!(get_json(&server, good).await.status, 200, "{good}");
    }
}

async fn add_world(server: &MockServer, query: &str, fragment: Value) -> Resp {
    read(
        client()
            .post(format!("{}/__mock/world{query}", server.url()))
            .json(&fragment)
            .send()
            .await
            .expect("sent"),
    )
    .await
}

#[tokio::test]
async fn the_world_refuses_silent_replacement_and_dangling_references() {
    let server = server().await;
    let task_upload = || async {
        let (_, path, form, _) = uploads(&server).await.remove(2);
        post_form(
            &format!("{}{path}", server.url()),
            Some(TENANT_TOKEN),
            &form,
        )
        .await
        .code()
    };
    // Re-adding cli_mock with no scopes would turn every call into 99991672: refused, by name.
    let no_scopes = json!({"apps": [{"app_id": "cli_mock", "app_secret": "mock-secret"}]});
    let resp = add_world(&server, "", no_scopes.clone()).await;
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert!(resp.text.contains("cli_mock"), "{}", resp.text);
    assert_eq!(task_upload().await, 0, "the world is unchanged");
    // Replacement is explicit.
    let resp = add_world(&server, "?replace=true", no_scopes).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(task_upload().await, 99991672);
    assert_eq!(
        add_world(&server, "?replace=maybe", json!({})).await.status,
        400
    );

    // Dangling references and empty ids: refused, every problem named; nothing added.
    for (fragment, named) in [
        (
            json!({"tenant_access_tokens": [{"token": "t-new", "app_id": "cli_ghost"}]}),
            "cli_ghost",
        ),
        (
            json!({"user_access_tokens": [{"token": "u-new", "app_id": "cli_mock", "open_id": "ou_ghost"}]}),
            "ou_ghost",
        ),
        (
            json!({"okr": {"key_results": [{"id": "kr-new", "objective_id": "404"}]}}),
            "404",
        ),
        (
            json!({"okr": {"images": [{"file_token": "boxbcNew", "target_id": "kr-ghost", "target_type": 3}]}}),
            "kr-ghost",
        ),
        (
            json!({"drive": {"nodes": [{"token": "", "type": "doc"}]}}),
            "empty",
        ),
        (
            json!({"drive": {"nodes": [{"token": "doxcnTwice", "type": "docx"}, {"token": "doxcnTwice", "type": "docx"}]}}),
            "twice",
        ),
        (
            json!({"task": {"tasks": [{"guid": "g-new", "editors": ["ou_ghost"]}]}}),
            "ou_ghost",
        ),
    ] {
        let resp = add_world(&server, "", fragment.clone()).await;
        assert_eq!(resp.status, 400, "{fragment}: {}", resp.text);
        assert!(resp.text.contains(named), "{fragment}: {}", resp.text);
        assert!(resp.json()["problems"].is_array());
    }
    // The other side: the same references, satisfied, are added.
    let resp = add_world(
        &server,
        "",
        json!({
            "apps": [{"app_id": "cli_ghost", "app_secret": "s"}],
            "users": [{"open_id": "ou_ghost"}],
            "tenant_access_tokens": [{"token": "t-new", "app_id": "cli_ghost"}],
            "user_access_tokens": [{"token": "u-new", "app_id": "cli_mock", "open_id": "ou_ghost"}],
            "okr": {
                "objectives": [{"id": "obj-new"}],
                "key_results": [{"id": "kr-new", "objective_id": "obj-new"}],
                "images": [{"file_token": "boxbcNew", "target_id": "kr-new", "target_type": 3}]
            },
            "drive": {"nodes": [{"token": "doxcnOnce", "type": "docx"}]},
            "task": {"tasks": [{"guid": "g-new", "editors": ["ou_ghost", "cli_ghost"]}]}
        }),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
}

/// The first stdout line and the stderr printed before it, of the binary serving with `args`.
fn serve_output(args: &[&str]) -> (String, String) {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_feishu-mock"))
        .arg("serve")
        .args(args)
        .args(["--port", "0", "--log-format", "off"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    // The warning, if any, is written before the listening line; stop the server and read it.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let mut err = String::new();
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err);
    (line, err)
}

#[test]
fn binding_beyond_loopback_warns_on_stderr() {
    let (line, err) = serve_output(&["--host", "0.0.0.0"]);
    assert!(
        line.starts_with("feishu-mock listening on http://0.0.0.0:"),
        "{line}"
    );
    assert!(
        err.contains("WARNING") && err.contains("reachable from the network"),
        "{err}"
    );
    let (line, err) = serve_output(&["--host", "127.0.0.1"]);
    assert!(
        line.starts_with("feishu-mock listening on http://127.0.0.1:"),
        "{line}"
    );
    assert!(!err.contains("WARNING"), "{err}");
}

/// The `url` an OKR image upload answers, sent with `host` as its Host header.
async fn image_url(server: &MockServer, host: &str) -> String {
    let (_, path, form, headers) = uploads(server).await.remove(1);
    let mut headers: Vec<(&str, String)> = headers;
    headers.push(("Content-Type", form.content_type()));
    let body = form.body();
    let mut request =
        format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n").into_bytes();
    for (k, v) in &headers {
        request.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    request.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    request.extend_from_slice(&body);
    let answer = raw_exchange(server.addr(), &request).await.expect("answer");
    let json: Value = serde_json::from_str(&answer.text).expect("json");
    json["data"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{json}"))
        .to_string()
}

#[tokio::test]
async fn links_follow_the_request_host_unless_a_public_url_is_given() {
    let server = server().await;
    let url = image_url(&server, "mock.example:9999").await;
    assert!(
        url.starts_with("http://mock.example:9999/stream/api/downloadFile/"),
        "{url}"
    );
    let url = image_url(&server, "[::1]:8080").await;
    assert!(url.starts_with("http://[::1]:8080/"), "{url}");
    // A Host that is not a plain host[:port] is never copied into a link.
    for hostile in ["evil.example/x?", "a@b", "a\"b"] {
        let url = image_url(&server, hostile).await;
        assert!(
            url.starts_with(&format!("{}/", server.url())),
            "{hostile}: {url}"
        );
    }
    // --public-url wins over any Host.
    let fixed = server_with(feishu_mock::Config {
        public_url: Some("https://mock.ci.example/".into()),
        options: rule_test_options(),
        ..feishu_mock::Config::default()
    })
    .await;
    let url = image_url(&fixed, "mock.example:9999").await;
    assert!(url.starts_with("https://mock.ci.example/stream/"), "{url}");
}

fn drive_form_of(len: usize) -> RawForm {
    RawForm::new()
        .text("file_name", "a.bin")
        .text("parent_type", "doc_file")
        .text("parent_node", DOC_NODE)
        .text("size", &len.to_string())
        .file("file", Some("a.bin"), None, &vec![7u8; len])
}

#[tokio::test]
async fn max_stored_bytes_applies_under_retain_metadata_too() {
    use feishu_mock::state::store::Retain;
    for retain in [Retain::Bytes, Retain::Metadata] {
        let server = server_with(options_with(|o| {
            o.retain = retain;
            o.max_stored_bytes = Some(10_000);
        }))
        .await;
        let url = format!("{}{DRIVE}", server.url());
        for _ in 0..2 {
            let resp = post_form(&url, Some(TENANT_TOKEN), &drive_form_of(4096)).await;
            assert_eq!(resp.code(), 0, "{retain:?}: {}", resp.text);
        }
        let resp = post_form(&url, Some(TENANT_TOKEN), &drive_form_of(4096)).await;
        assert_eq!(resp.code(), 1061101, "{retain:?}: {}", resp.text);
        // Exactly at the cap fits.
        let resp = post_form(&url, Some(TENANT_TOKEN), &drive_form_of(10_000 - 8192)).await;
        assert_eq!(resp.code(), 0, "{retain:?}: {}", resp.text);
        assert_eq!(file_count(&server), 3);
        assert_eq!(server.state().emulator().store.counted_bytes(), 10_000);
    }
}

#[tokio::test]
async fn max_stored_objects_caps_every_endpoint_in_every_mode() {
    use feishu_mock::state::store::Retain;
    for retain in [Retain::Bytes, Retain::Metadata] {
        let server = server_with(options_with(|o| {
            o.retain = retain;
            o.max_stored_objects = 3;
        }))
        .await;
        let bearer = format!("Bearer {TENANT_TOKEN}");
        // Three objects: a Drive file, a Task attachment, a progress record.
        let drive = uploads(&server).await.remove(0).2;
        let url = format!("{}{DRIVE}", server.url());
        assert_eq!(post_form(&url, Some(TENANT_TOKEN), &drive).await.code(), 0);
        let (_, task_path, task_form, _) = uploads(&server).await.remove(2);
        let task_url = format!("{}{task_path}", server.url());
        let resp = post_form(&task_url, Some(TENANT_TOKEN), &task_form).await;
        assert_eq!(resp.code(), 0, "{}", resp.text);
        let guid = resp.json()["data"]["items"][0]["guid"]
            .as_str()
            .unwrap_or_else(|| panic!("{}", resp.text))
            .to_string();
        let record = |server: &MockServer| {
            let server_url = server.url();
            let bearer = bearer.clone();
            async move {
                read(
                    client()
                        .post(format!("{server_url}{PROGRESS}"))
                        .header("Authorization", bearer)
                        .header("Content-Type", "application/json")
                        .body(progress_body())
                        .send()
                        .await
                        .expect("sent"),
                )
                .await
            }
        };
        assert_eq!(record(&server).await.code(), 0);
        assert_eq!(server.state().emulator().store.stored_objects(), 3);
        // At the cap: every endpoint answers its quota code and stores nothing.
        let resp = post_form(&url, Some(TENANT_TOKEN), &drive).await;
        assert_eq!(resp.code(), 1061101, "{retain:?}: {}", resp.text);
        let resp = record(&server).await;
        assert_eq!(resp.code(), 1009998, "{retain:?}: {}", resp.text);
        let resp = post_form(&task_url, Some(TENANT_TOKEN), &task_form).await;
        assert_eq!(resp.code(), 1470500, "{retain:?}: {}", resp.text);
        for (endpoint, path, form, mut headers) in uploads(&server).await.into_iter().skip(1) {
            if endpoint == "task.attachment.upload" {
                continue;
            }
            headers.push(("Content-Type", form.content_type()));
            let mut request = raw_head(path, &headers, form.body().len());
            request.extend_from_slice(&form.body());
            let answer = raw_exchange(server.addr(), &request).await.expect("answer");
            let code = documented_code(endpoint, answer.status, &answer.text);
            assert!(
                matches!(code, Some(1009998 | 1000050262)),
                "{endpoint} {retain:?}: {}",
                answer.text
            );
        }
        assert_eq!(server.state().emulator().store.stored_objects(), 3);
        assert_eq!(file_count(&server), 2);
        // Deleting an attachment frees its place.
        let resp = read(
            client()
                .delete(format!(
                    "{}/open-apis/task/v2/attachments/{guid}",
                    server.url()
                ))
                .header("Authorization", &bearer)
                .send()
                .await
                .expect("sent"),
        )
        .await;
        assert_eq!(resp.code(), 0, "{}", resp.text);
        let resp = post_form(&url, Some(TENANT_TOKEN), &drive).await;
        assert_eq!(resp.code(), 0, "{retain:?}: {}", resp.text);
    }
}

#[test]
fn a_token_in_a_url_path_never_reaches_the_log() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_feishu-mock"))
        .args(["serve", "--port", "0", "--log-format", "text"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let addr = line
        .trim()
        .strip_prefix("feishu-mock listening on http://")
        .expect("address")
        .to_string();
    for path in [
        format!("/open-apis/{TENANT_TOKEN}"),
        "/open_api/p-123e4567-e89b-12d3-a456-426614174000/x".to_string(),
        "/health".to_string(),
    ] {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .expect("request");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let mut log = String::new();
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log);
    assert!(!log.contains(TENANT_TOKEN), "{log}");
    assert!(!log.contains("123e4567"), "{log}");
    assert!(log.contains("GET /open-apis/t-*** 404"), "{log}");
    assert!(log.contains("GET /open_api/p-***/x 404"), "{log}");
    assert!(log.contains("GET /health 404"), "{log}");
}

async fn plugin_token_of(server: &MockServer, id: &str, secret: &str) -> String {
    let resp = post_json(
        &format!("{}{PLUGIN_TOKEN}", server.url()),
        None,
        &json!({"plugin_id": id, "plugin_secret": secret, "type": 0}),
    )
    .await;
    resp.json()["data"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", resp.text))
        .to_string()
}

async fn project_call(
    server: &MockServer,
    space: &str,
    token: &str,
    upload: bool,
    uuid: &str,
) -> (u16, Value) {
    let base = format!(
        "{}/open_api/{space}/work_item/story/6437110001/file",
        server.url()
    );
    let req = if upload {
        let form = RawForm::new().text("field_key", "field_attachment").file(
            "file",
            Some("a.txt"),
            None,
            b"secret",
        );
        client()
            .post(format!("{base}/upload"))
            .header("Content-Type", form.content_type())
            .body(form.body())
    } else {
        client()
            .post(format!("{base}/download"))
            .json(&json!({ "uuid": uuid }))
    };
    let resp = read(
        req.header("X-PLUGIN-TOKEN", token)
            .header("X-USER-KEY", USER_KEY)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let mut body: Value = serde_json::from_str(&resp.text).unwrap_or(Value::Null);
    // The uploaded attachment's uuid travels in an emulator header (seed 003 answers no data).
    if let (Some(uuid), Some(obj)) = (resp.header("x-mock-attachment-uuid"), body.as_object_mut()) {
        obj.insert("uuid".into(), Value::String(uuid));
    }
    (resp.status, body)
}

#[tokio::test]
async fn a_plugin_reads_and_writes_only_the_spaces_it_is_bound_to() {
    let server = server().await;
    let story = json!({"type_key": "story", "fields": [
        {"field_key": "field_attachment", "field_type_key": "multi_file"}]});
    let resp = add_world(
        &server,
        "",
        json!({"project": {
            "spaces": [{"project_key": "other0001", "simple_name": "other",
                        "work_item_types": [story],
                        "work_items": [{"id": "6437110001", "work_item_type_key": "story"}]}],
            "plugins": [
                {"plugin_id": "MII_FOREIGN", "plugin_secret": "s", "spaces": ["other"]},
                {"plugin_id": "MII_EVERYWHERE", "plugin_secret": "s"}
            ]
        }}),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let mock = plugin_token(&server).await;
    let foreign = plugin_token_of(&server, "MII_FOREIGN", "s").await;
    let everywhere = plugin_token_of(&server, "MII_EVERYWHERE", "s").await;
    let home = "68382b399de4b0ec6c5a0001";
    // Each plugin in its own space: accepted.
    let (_, up) = project_call(&server, home, &mock, true, "").await;
    assert_eq!(up["err_code"], 0, "{up}");
    let uuid = up["uuid"].as_str().expect("uuid").to_string();
    let (status, _) = project_call(&server, home, &mock, false, &uuid).await;
    assert_eq!(status, 200);
    let (_, up) = project_call(&server, "other", &foreign, true, "").await;
    assert_eq!(up["err_code"], 0, "{up}");
    // A foreign plugin: 10001 No Permission (HTTP 403), for download and upload alike.
    for (space, token, upload) in [
        (home, &foreign, false),
        (home, &foreign, true),
        ("other0001", &mock, true),
    ] {
        let (status, body) = project_call(&server, space, token, upload, &uuid).await;
        assert_eq!(status, 403, "{space} {upload}: {body}");
        assert_eq!(body["err_code"], 10001, "{body}");
    }
    assert_eq!(file_count(&server), 2);
    // A plugin bound to no space in particular may use every space.
    let (status, _) = project_call(&server, home, &everywhere, false, &uuid).await;
    assert_eq!(status, 200);
    // Binding to a space the world does not have is refused.
    let resp = add_world(
        &server,
        "",
        json!({"project": {"plugins": [{"plugin_id": "MII_LOST", "plugin_secret": "s", "spaces": ["nowhere"]}]}}),
    )
    .await;
    assert_eq!(resp.status, 400, "{}", resp.text);
}

/// Sends a Drive upload of `file_len` bytes in `chunk`-byte pieces every `every`, and reads the
/// answer (the server may answer and close early).
async fn trickled_upload(
    server: &MockServer,
    file_len: usize,
    chunk: usize,
    every: Duration,
) -> Option<RawAnswer> {
    let form = drive_form_of(file_len);
    let body = form.body();
    let head = raw_head(
        DRIVE,
        &[
            ("Authorization", format!("Bearer {TENANT_TOKEN}")),
            ("Content-Type", form.content_type()),
        ],
        body.len(),
    );
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    stream.write_all(&head).await.expect("head");
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        for piece in body.chunks(chunk) {
            if wr.write_all(piece).await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    });
    let mut out = Vec::new();
    tokio::time::timeout(HANG, rd.read_to_end(&mut out))
        .await
        .expect("answered before the hang limit")
        .ok();
    writer.abort();
    RawAnswer::parse(&out)
}

#[tokio::test]
async fn a_body_slower_than_the_minimum_rate_is_cut_off_after_the_grace_period() {
    let server = server_with(feishu_mock::Config {
        options: rule_test_options(),
        min_body_rate: 8 * 1024,
        body_rate_grace: Duration::from_secs(1),
        ..feishu_mock::Config::default()
    })
    .await;
    // ~32 KiB/s for ~2 s: above the minimum past the grace period, accepted.
    let answer = trickled_upload(&server, 64 * 1024, 2048, Duration::from_millis(60))
        .await
        .expect("an answer");
    assert_eq!(
        documented_code("drive.media.upload_all", answer.status, &answer.text),
        Some(0),
        "{}",
        answer.text
    );
    // ~1 KiB/s: cut off once the grace period is over, with Drive's parameter error.
    let started = std::time::Instant::now();
    let answer = trickled_upload(&server, 64 * 1024, 100, Duration::from_millis(100))
        .await
        .expect("an answer");
    assert_eq!(
        documented_code("drive.media.upload_all", answer.status, &answer.text),
        Some(1061002),
        "{}",
        answer.text
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(file_count(&server), 1);
}

#[tokio::test]
async fn a_body_cut_anywhere_then_half_closed_or_reset_stores_nothing() {
    let server = server().await;
    // Cut points spread over each whole body (a property over cut positions, deterministic so
    // that a failure repeats): inside text parts, at boundaries, inside the file, one byte short.
    for (endpoint, path, form, mut headers) in uploads(&server).await {
        let body = form.body();
        headers.push(("Content-Type", form.content_type()));
        let mut cuts: Vec<usize> = (1..8).map(|i| body.len() * i / 8).collect();
        cuts.push(body.len() - 1);
        for (i, cut) in cuts.into_iter().enumerate() {
            let end = if i % 2 == 0 {
                End::HalfClose
            } else {
                End::Reset
            };
            for chunked_body in [false, true] {
                let request = if chunked_body {
                    // A whole chunk holding the first `cut` bytes, and no final chunk.
                    chunked(path, &headers, &body[..cut], false)
                } else {
                    let mut r = raw_head(path, &headers, body.len());
                    r.extend_from_slice(&body[..cut]);
                    r
                };
                let answer = send_and_end(&server, &request, end).await;
                assert_refused(endpoint, answer);
                assert_eq!(
                    file_count(&server),
                    0,
                    "{endpoint}: cut at {cut} of {} ({end:?}, chunked {chunked_body})",
                    body.len()
                );
            }
        }
    }
}
