//! Issue 26: `record`, `parity` and `serve --replay`, with upstreams on loopback only.
//!
//! - A second feishu-mock is a faithful upstream: a recording of every emulated endpoint
//!   (success and error paths) through the proxy replays with no difference, and holds none of
//!   the secrets the client used.
//! - A small upstream written here deviates on purpose (a changed `msg`, an extra member,
//!   another status, a route the emulator does not emulate): parity names every deviation.
//! - Bad input: an unreachable upstream, a recording of another format version, a truncated
//!   exchange file, a recording directory already in use.

mod common;

use common::{client, read, rule_test_options, RawForm, Resp, TENANT_TOKEN};
use feishu_mock::parity::{self, Outcome, ParityConfig};
use feishu_mock::proxy::{RecordConfig, RecordingProxy};
use feishu_mock::recording::{replay::ReplayStore, Recording};
use feishu_mock::{Config, MockServer, World};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A real 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];
const DOC_NODE: &str = "doxcnXgNGAtaAraIRVeCfmabcef";
const OBJECTIVE: &str = "6974586812998174252";
const TASK: &str = "fe96108d-b004-4a47-b2f8-6886e758b3a5";
const PROJECT_KEY: &str = "68382b399de4b0ec6c5a0001";
const STORY: &str = "6437110001";
const USER_KEY: &str = "7000000000000000001";
const APP_SECRET: &str = "mock-secret";
const PLUGIN_SECRET: &str = "mock-plugin-secret";

/// A fresh directory below target/tmp for one recording.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("tmp")
        .join(format!("rec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn upstream() -> MockServer {
    MockServer::start_with(Config {
        seed: Some(7),
        options: rule_test_options(),
        ..Config::default()
    })
    .await
    .expect("upstream starts")
}

async fn proxy_to(url: &str, out: &Path) -> RecordingProxy {
    RecordingProxy::start(RecordConfig {
        out: out.to_path_buf(),
        open_upstream: url.to_string(),
        project_upstream: url.to_string(),
        host: "127.0.0.1".into(),
        port: 0,
        keep_bytes: 1 << 20,
    })
    .await
    .expect("proxy starts")
}

/// One request through `base`.
async fn call(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Option<Body>,
) -> Resp {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = client().request(method, format!("{base}{path}"));
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req = match body {
        None => req,
        Some(Body::Json(v)) => req.json(&v),
        Some(Body::Form(f)) => req.header("Content-Type", f.content_type()).body(f.body()),
    };
    read(req.send().await.expect("sent")).await
}

enum Body {
    Json(Value),
    Form(RawForm),
}

fn bearer(t: &str) -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {t}"))]
}

fn plugin(t: &str) -> Vec<(&'static str, String)> {
    vec![
        ("X-PLUGIN-TOKEN", t.to_string()),
        ("X-USER-KEY", USER_KEY.to_string()),
    ]
}

fn paragraph(text: &str) -> Value {
    json!({"blocks": [{"type": "paragraph", "paragraph": {"elements": [
        {"type": "textRun", "textRun": {"text": text}}
    ]}}]})
}

/// Drives every emulated endpoint through `base`, success and error paths, and returns the
/// tokens the client was handed (which the recording must not hold).
async fn drive_every_endpoint(base: &str) -> (Vec<String>, usize) {
    let mut calls = 0;
    let mut n = || calls += 1;
    let creds = json!({"app_id": "cli_mock", "app_secret": APP_SECRET});
    let r = call(
        base,
        "POST",
        "/open-apis/auth/v3/tenant_access_token/internal",
        &[],
        Some(Body::Json(creds.clone())),
    )
    .await;
    n();
    let t = r.json()["tenant_access_token"]
        .as_str()
        .expect("token")
        .to_string();
    call(
        base,
        "POST",
        "/open-apis/auth/v3/tenant_access_token/internal",
        &[],
        Some(Body::Json(
            json!({"app_id": "cli_mock", "app_secret": "wrong-secret"}),
        )),
    )
    .await;
    n();
    let r = call(
        base,
        "POST",
        "/open-apis/auth/v3/app_access_token/internal",
        &[],
        Some(Body::Json(creds)),
    )
    .await;
    n();
    let app_token = r.json()["app_access_token"]
        .as_str()
        .expect("app token")
        .to_string();

    // Drive: upload_all, its errors, the chunked upload, links and download.
    let file = b"hello parity".to_vec();
    let sum = simd_adler32::adler32(&file.as_slice()).to_string();
    let upload_form = |node: &str| {
        RawForm::new()
            .text("file_name", "a.txt")
            .text("parent_type", "docx_file")
            .text("parent_node", node)
            .text("size", &file.len().to_string())
            .text("checksum", &sum)
            .file("file", Some("a.txt"), Some("text/plain"), &file)
    };
    let all = "/open-apis/drive/v1/medias/upload_all";
    call(
        base,
        "POST",
        all,
        &[],
        Some(Body::Form(upload_form(DOC_NODE))),
    )
    .await;
    n();
    call(
        base,
        "POST",
        all,
        &bearer("t-unknown0000"),
        Some(Body::Form(upload_form(DOC_NODE))),
    )
    .await;
    n();
    let r = call(
        base,
        "POST",
        all,
        &bearer(&t),
        Some(Body::Form(upload_form(DOC_NODE))),
    )
    .await;
    n();
    let file_token = r.json()["data"]["file_token"]
        .as_str()
        .expect("file_token")
        .to_string();
    call(
        base,
        "POST",
        all,
        &bearer(&t),
        Some(Body::Form(upload_form("doxcnNoSuchNode00000000abcef"))),
    )
    .await;
    n();
    let r = call(base, "POST", "/open-apis/drive/v1/medias/upload_prepare", &bearer(&t), Some(Body::Json(json!({"file_name": "b.bin", "parent_type": "docx_file", "parent_node": DOC_NODE, "size": file.len()})))).await;
    n();
    let upload_id = r.json()["data"]["upload_id"]
        .as_str()
        .expect("upload_id")
        .to_string();
    let part = RawForm::new()
        .text("upload_id", &upload_id)
        .text("seq", "0")
        .text("size", &file.len().to_string())
        .text("checksum", &sum)
        .file("file", None, None, &file);
    call(
        base,
        "POST",
        "/open-apis/drive/v1/medias/upload_part",
        &bearer(&t),
        Some(Body::Form(part)),
    )
    .await;
    n();
    let r = call(
        base,
        "POST",
        "/open-apis/drive/v1/medias/upload_finish",
        &bearer(&t),
        Some(Body::Json(json!({"upload_id": upload_id, "block_num": 1}))),
    )
    .await;
    n();
    assert_eq!(r.code(), 0, "{}", r.text);
    call(
        base,
        "GET",
        &format!("/open-apis/drive/v1/medias/batch_get_tmp_download_url?file_tokens={file_token}"),
        &bearer(&t),
        None,
    )
    .await;
    n();
    let r = call(
        base,
        "GET",
        &format!("/open-apis/drive/v1/medias/{file_token}/download"),
        &bearer(&t),
        None,
    )
    .await;
    n();
    assert_eq!(r.text.as_bytes(), file.as_slice());
    call(
        base,
        "GET",
        "/open-apis/drive/v1/medias/boxcnNoSuchFile000000000000/download",
        &bearer(&t),
        None,
    )
    .await;
    n();

    // OKR: image, the progress record's life, an unknown target.
    let image = RawForm::new()
        .file("data", Some("a.png"), Some("image/png"), PNG)
        .text("target_id", OBJECTIVE)
        .text("target_type", "2");
    let r = call(
        base,
        "POST",
        "/open-apis/okr/v1/images/upload",
        &bearer(&t),
        Some(Body::Form(image)),
    )
    .await;
    n();
    assert_eq!(r.code(), 0, "{}", r.text);
    let records = "/open-apis/okr/v1/progress_records";
    let body = json!({"source_title": "周报", "source_url": "https://www.zhoubao.com", "target_id": OBJECTIVE, "target_type": 2, "content": paragraph("一")});
    let r = call(
        base,
        "POST",
        records,
        &bearer(&t),
        Some(Body::Json(body.clone())),
    )
    .await;
    n();
    let progress = r.json()["data"]["progress_id"]
        .as_str()
        .expect("progress_id")
        .to_string();
    call(
        base,
        "GET",
        &format!("{records}/{progress}"),
        &bearer(&t),
        None,
    )
    .await;
    n();
    call(
        base,
        "PUT",
        &format!("{records}/{progress}"),
        &bearer(&t),
        Some(Body::Json(json!({"content": paragraph("二")}))),
    )
    .await;
    n();
    call(
        base,
        "DELETE",
        &format!("{records}/{progress}"),
        &bearer(&t),
        None,
    )
    .await;
    n();
    call(
        base,
        "GET",
        &format!("{records}/{progress}"),
        &bearer(&t),
        None,
    )
    .await;
    n();
    let mut unknown = body;
    unknown["target_id"] = json!("1");
    call(
        base,
        "POST",
        records,
        &bearer(&t),
        Some(Body::Json(unknown)),
    )
    .await;
    n();

    // Task: upload, list, get, delete, an unknown task.
    let task_form = |task: &str| {
        RawForm::new()
            .text("resource_type", "task")
            .text("resource_id", task)
            .file("file", Some("a.txt"), Some("text/plain"), b"task file")
    };
    let r = call(
        base,
        "POST",
        "/open-apis/task/v2/attachments/upload",
        &bearer(&t),
        Some(Body::Form(task_form(TASK))),
    )
    .await;
    n();
    let guid = r.json()["data"]["items"][0]["guid"]
        .as_str()
        .expect("guid")
        .to_string();
    call(
        base,
        "GET",
        &format!("/open-apis/task/v2/attachments?resource_type=task&resource_id={TASK}"),
        &bearer(&t),
        None,
    )
    .await;
    n();
    call(
        base,
        "GET",
        &format!("/open-apis/task/v2/attachments/{guid}"),
        &bearer(&t),
        None,
    )
    .await;
    n();
    call(
        base,
        "DELETE",
        &format!("/open-apis/task/v2/attachments/{guid}"),
        &bearer(&t),
        None,
    )
    .await;
    n();
    call(
        base,
        "POST",
        "/open-apis/task/v2/attachments/upload",
        &bearer(&t),
        Some(Body::Form(task_form(
            "00000000-0000-0000-0000-000000000000",
        ))),
    )
    .await;
    n();

    // Feishu Project: tokens, attachment upload, download, project upload, delete, a bad token.
    let r = call(
        base,
        "POST",
        "/open_api/authen/plugin_token",
        &[],
        Some(Body::Json(
            json!({"plugin_id": "MII_MOCK_PLUGIN", "plugin_secret": PLUGIN_SECRET, "type": 0}),
        )),
    )
    .await;
    n();
    let pt = r.json()["data"]["token"]
        .as_str()
        .expect("plugin token")
        .to_string();
    call(
        base,
        "POST",
        "/open_api/authen/plugin_token",
        &[],
        Some(Body::Json(
            json!({"plugin_id": "MII_MOCK_PLUGIN", "plugin_secret": "nope", "type": 0}),
        )),
    )
    .await;
    n();
    let item = format!("/open_api/{PROJECT_KEY}/work_item/story/{STORY}/file");
    let attach = RawForm::new().text("field_key", "field_attachment").file(
        "file",
        Some("r.pdf"),
        Some("application/pdf"),
        b"%PDF-1.4 parity",
    );
    let r = call(
        base,
        "POST",
        &format!("{item}/upload"),
        &plugin(&pt),
        Some(Body::Form(attach.clone())),
    )
    .await;
    n();
    let uuid = r.header("x-mock-attachment-uuid").expect("uuid");
    call(
        base,
        "POST",
        &format!("{item}/download"),
        &plugin(&pt),
        Some(Body::Json(json!({"uuid": uuid}))),
    )
    .await;
    n();
    let resource = RawForm::new().file("file", Some("p.png"), Some("image/png"), PNG);
    call(
        base,
        "POST",
        &format!("/open_api/{PROJECT_KEY}/file/upload"),
        &plugin(&pt),
        Some(Body::Form(resource)),
    )
    .await;
    n();
    call(base, "POST", "/open_api/file/delete", &plugin(&pt), Some(Body::Json(json!({"project_key": PROJECT_KEY, "work_item_id": STORY, "field_key": "field_attachment", "uuids": [uuid]})))).await;
    n();
    call(
        base,
        "POST",
        &format!("{item}/upload"),
        &plugin("p-nope"),
        Some(Body::Form(attach)),
    )
    .await;
    n();

    // A route the emulator does not emulate.
    call(
        base,
        "POST",
        "/open-apis/im/v1/messages?receive_id_type=open_id",
        &bearer(&t),
        Some(Body::Json(
            json!({"receive_id": "ou_x", "msg_type": "text", "content": "{\"text\":\"hi\"}"}),
        )),
    )
    .await;
    n();
    (vec![t, app_token, pt], calls)
}

/// Every file of a recording, as one text.
fn whole_recording(dir: &Path) -> String {
    let mut text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest");
    for entry in std::fs::read_dir(dir.join("exchanges")).expect("exchanges") {
        text.push_str(&std::fs::read_to_string(entry.expect("entry").path()).expect("file"));
    }
    text
}

#[tokio::test]
async fn a_recording_of_every_emulated_endpoint_from_a_faithful_upstream_replays_with_no_difference(
) {
    let up = upstream().await;
    let dir = fresh_dir("faithful");
    let proxy = proxy_to(&up.url(), &dir).await;
    let (tokens, calls) = drive_every_endpoint(&proxy.url()).await;
    proxy.stop().await;

    let recording = Recording::open(&dir).expect("recording reads");
    assert_eq!(recording.exchanges.len(), calls, "one exchange per request");
    let text = whole_recording(&dir);
    for secret in tokens
        .iter()
        .map(String::as_str)
        .chain([APP_SECRET, PLUGIN_SECRET])
    {
        assert!(
            !text.contains(secret),
            "the recording holds the secret {secret}"
        );
    }
    assert!(!text.contains(TENANT_TOKEN));

    let report = parity::run(&ParityConfig {
        dir: dir.clone(),
        ..ParityConfig::default()
    })
    .await
    .expect("parity runs");
    let table = report.table();
    println!("{table}");
    let differing: Vec<_> = report
        .results
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Identical | Outcome::NotEmulated))
        .collect();
    assert!(differing.is_empty(), "{differing:#?}\n{table}");
    assert!(!report.has_differences());
    let not_emulated: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::NotEmulated)
        .map(|r| r.route.as_str())
        .collect();
    assert_eq!(not_emulated, ["/open-apis/im/v1/messages"]);
    // Every emulated endpoint appears in the table.
    for endpoint in [
        "POST /open-apis/drive/v1/medias/upload_all",
        "GET /open-apis/drive/v1/medias/:file_token/download",
        "POST /open-apis/okr/v1/images/upload",
        "DELETE /open-apis/okr/v1/progress_records/:progress_id",
        "DELETE /open-apis/task/v2/attachments/:attachment_guid",
        "POST /open_api/:project_key/work_item/:work_item_type_key/:work_item_id/file/upload",
        "POST /open_api/file/delete",
        "POST /open_api/authen/plugin_token",
    ] {
        assert!(table.contains(endpoint), "{endpoint} missing:\n{table}");
    }
}

#[tokio::test]
async fn the_same_recording_replayed_against_a_running_emulator_by_url_has_no_difference() {
    let up = upstream().await;
    let dir = fresh_dir("by-url");
    let proxy = proxy_to(&up.url(), &dir).await;
    drive_every_endpoint(&proxy.url()).await;
    proxy.stop().await;
    // A running emulator's world is its own: it must hold what the recording needs.
    let world = parity::world::derive(&Recording::open(&dir).unwrap(), &World::default_world())
        .expect("world");
    let target = MockServer::start_with(Config {
        world,
        options: rule_test_options(),
        ..Config::default()
    })
    .await
    .unwrap();
    let report = parity::run(&ParityConfig {
        dir,
        url: Some(target.url()),
        ..ParityConfig::default()
    })
    .await
    .expect("parity runs");
    assert!(!report.has_differences(), "{}", report.table());
}

// ---------------------------------------------------------------------------------------------
// A deliberately deviating upstream
// ---------------------------------------------------------------------------------------------

/// The message the deviating upstream answers for `POST /open-apis/im/v1/messages`.
fn message_answer() -> Value {
    json!({"code": 0, "msg": "success", "data": {
        "message_id": "om_dc13264520392913993dd051dba21dcf",
        "root_id": "", "parent_id": "", "msg_type": "text",
        "create_time": "1609073151345", "update_time": "1609073151345",
        "deleted": false, "updated": false, "chat_id": "oc_5ad11d72b830411d72b836c20",
        "sender": {"id": "cli_mock", "id_type": "app_id", "sender_type": "app", "tenant_key": "736588c9260f175e"},
        "body": {"content": "{\"text\":\"hi\"}"}
    }})
}

/// An upstream that forwards to an emulator and deviates on purpose: upload_all answers
/// `msg` "Success", a Task upload carries an extra member `data.extra`, app_access_token
/// answers HTTP 201, and it answers `POST /open-apis/im/v1/messages` itself.
async fn deviating_upstream() -> (String, MockServer) {
    use http_body_util::{BodyExt, Full};
    let inner = upstream().await;
    let inner_url = inner.url();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for _ in 0..10_000 {
            let Ok((stream, _)) = listener.accept().await else {
                break;
            };
            let inner_url = inner_url.clone();
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let inner_url = inner_url.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let bytes = body
                            .collect()
                            .await
                            .map(|c| c.to_bytes())
                            .unwrap_or_default();
                        let path = parts.uri.path().to_string();
                        let pq = parts
                            .uri
                            .path_and_query()
                            .map(|p| p.to_string())
                            .unwrap_or_default();
                        let (mut status, headers, mut text) = if path == "/open-apis/im/v1/messages"
                        {
                            (200, vec![], message_answer().to_string().into_bytes())
                        } else {
                            let method =
                                reqwest::Method::from_bytes(parts.method.as_str().as_bytes())
                                    .unwrap();
                            let mut req = client()
                                .request(method, format!("{inner_url}{pq}"))
                                .body(bytes);
                            for (k, v) in &parts.headers {
                                if k != "host" && k != "content-length" {
                                    req = req.header(k.as_str(), v.as_bytes());
                                }
                            }
                            let answer = req.send().await.expect("inner answers");
                            let status = answer.status().as_u16();
                            let headers: Vec<(String, String)> = answer
                                .headers()
                                .iter()
                                .filter(|(k, _)| *k != "content-length")
                                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                                .collect();
                            (status, headers, answer.bytes().await.unwrap().to_vec())
                        };
                        let mut json: Option<Value> = serde_json::from_slice(&text).ok();
                        match path.as_str() {
                            "/open-apis/drive/v1/medias/upload_all" if status == 200 => {
                                if let Some(j) = json.as_mut() {
                                    j["msg"] = json!("Success");
                                }
                            }
                            "/open-apis/task/v2/attachments/upload" if status == 200 => {
                                if let Some(j) = json.as_mut() {
                                    j["data"]["extra"] = json!(true);
                                }
                            }
                            "/open-apis/auth/v3/app_access_token/internal" => status = 201,
                            _ => {}
                        }
                        if let Some(j) = json {
                            text = j.to_string().into_bytes();
                        }
                        let mut resp = hyper::Response::new(Full::new(bytes::Bytes::from(text)));
                        *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                        resp.headers_mut().insert(
                            "content-type",
                            "application/json; charset=utf-8".parse().unwrap(),
                        );
                        for (k, v) in headers {
                            if let (Ok(k), Ok(v)) = (
                                hyper::header::HeaderName::from_bytes(k.as_bytes()),
                                v.parse(),
                            ) {
                                resp.headers_mut().insert(k, v);
                            }
                        }
                        Ok::<_, std::convert::Infallible>(resp)
                    }
                });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, inner)
}

/// Records a few calls against the deviating upstream; returns the recording's directory.
async fn record_deviations(name: &str) -> PathBuf {
    let (url, _inner) = deviating_upstream().await;
    let dir = fresh_dir(name);
    let proxy = proxy_to(&url, &dir).await;
    let base = proxy.url();
    let creds = json!({"app_id": "cli_mock", "app_secret": APP_SECRET});
    let r = call(
        &base,
        "POST",
        "/open-apis/auth/v3/tenant_access_token/internal",
        &[],
        Some(Body::Json(creds.clone())),
    )
    .await;
    let t = r.json()["tenant_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        &base,
        "POST",
        "/open-apis/auth/v3/app_access_token/internal",
        &[],
        Some(Body::Json(creds)),
    )
    .await;
    let file = b"deviation";
    let form = RawForm::new()
        .text("file_name", "a.txt")
        .text("parent_type", "docx_file")
        .text("parent_node", DOC_NODE)
        .text("size", &file.len().to_string())
        .file("file", Some("a.txt"), Some("text/plain"), file);
    let r = call(
        &base,
        "POST",
        "/open-apis/drive/v1/medias/upload_all",
        &bearer(&t),
        Some(Body::Form(form)),
    )
    .await;
    assert_eq!(r.json()["msg"], "Success");
    let task = RawForm::new()
        .text("resource_type", "task")
        .text("resource_id", TASK)
        .file("file", Some("a.txt"), Some("text/plain"), b"x");
    call(
        &base,
        "POST",
        "/open-apis/task/v2/attachments/upload",
        &bearer(&t),
        Some(Body::Form(task)),
    )
    .await;
    let r = call(
        &base,
        "POST",
        "/open-apis/im/v1/messages?receive_id_type=open_id",
        &bearer(&t),
        Some(Body::Json(
            json!({"receive_id": "ou_x", "msg_type": "text", "content": "{\"text\":\"hi\"}"}),
        )),
    )
    .await;
    assert_eq!(r.json(), message_answer());
    proxy.stop().await;
    dir
}

#[tokio::test]
async fn parity_names_every_deviation_of_a_deviating_upstream_and_fails() {
    let dir = record_deviations("deviating").await;
    let report = parity::run(&ParityConfig {
        dir: dir.clone(),
        ..ParityConfig::default()
    })
    .await
    .expect("parity runs");
    let table = report.table();
    assert!(report.has_differences(), "{table}");
    let of = |route: &str| {
        report
            .results
            .iter()
            .find(|r| r.route == route)
            .map(|r| r.outcome.clone())
            .unwrap_or_else(|| panic!("{route} not replayed:\n{table}"))
    };
    assert_eq!(
        of("/open-apis/drive/v1/medias/upload_all"),
        Outcome::Differs(vec![r#"msg "Success" → "success""#.into()])
    );
    assert_eq!(
        of("/open-apis/task/v2/attachments/upload"),
        Outcome::Differs(vec!["missing member data.extra (bool)".into()])
    );
    assert_eq!(
        of("/open-apis/auth/v3/app_access_token/internal"),
        Outcome::Differs(vec!["status 201 → 200".into()])
    );
    assert_eq!(
        of("/open-apis/auth/v3/tenant_access_token/internal"),
        Outcome::Identical
    );
    assert_eq!(of("/open-apis/im/v1/messages"), Outcome::NotEmulated);
    assert!(table.contains("not emulated"), "{table}");

    // The reports a CI reads: JUnit with one failure per differing exchange, and JSON.
    let junit = report.junit();
    assert_eq!(junit.matches("<failure").count(), 3, "{junit}");
    assert!(
        junit.contains("<skipped message=\"not emulated\"/>"),
        "{junit}"
    );
    let json = report.json();
    assert_eq!(json["differing"], 3);
    assert_eq!(json["exchanges"], 5);
}

#[tokio::test]
async fn the_parity_command_exits_1_on_a_difference_and_writes_junit_and_json() {
    let dir = record_deviations("cli").await;
    let junit = dir.join("parity.xml");
    let json_out = dir.join("parity.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_feishu-mock"))
        .arg("parity")
        .arg(&dir)
        .arg("--junit")
        .arg(&junit)
        .arg("--json")
        .arg(&json_out)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("POST /open-apis/drive/v1/medias/upload_all"),
        "{stdout}"
    );
    assert!(stdout.contains("not emulated"), "{stdout}");
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .contains("<failure"));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(report["differing"], 3);
}

#[tokio::test]
async fn serve_replay_answers_a_recorded_route_the_emulator_does_not_emulate_after_its_token_check()
{
    let dir = record_deviations("replay").await;
    let recording = Recording::open(&dir).unwrap();
    let store = ReplayStore::new(&recording, |ex| {
        parity::route::endpoint_of(&ex.request.method, &ex.request.route).is_none()
    });
    assert_eq!(
        store.len(),
        1,
        "only the route the emulator does not emulate"
    );
    let server = MockServer::start_with(Config {
        replay: Some(Arc::new(store)),
        options: rule_test_options(),
        ..Config::default()
    })
    .await
    .unwrap();
    let base = server.url();
    let path = "/open-apis/im/v1/messages?receive_id_type=open_id";
    let body = json!({"receive_id": "ou_x", "msg_type": "text", "content": "{\"text\":\"hi\"}"});
    let r = call(
        &base,
        "POST",
        path,
        &bearer(TENANT_TOKEN),
        Some(Body::Json(body.clone())),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), message_answer());
    let logid = r.header("x-tt-logid").expect("a fresh X-Tt-Logid");
    let recorded_logid = recording
        .exchanges
        .last()
        .unwrap()
        .response
        .headers
        .get("x-tt-logid")
        .cloned();
    assert_ne!(Some(logid), recorded_logid);
    assert_eq!(r.header("x-mock-replayed").as_deref(), Some("5"));
    // The token check comes first: no token, or one the emulator never issued.
    let r = call(&base, "POST", path, &[], Some(Body::Json(body.clone()))).await;
    assert_eq!((r.status, r.code()), (400, 99991661));
    let r = call(
        &base,
        "POST",
        path,
        &bearer("t-neverissued"),
        Some(Body::Json(body)),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, 99991663));
    // Unmatched requests keep the 404: another query, another route.
    let r = call(
        &base,
        "POST",
        "/open-apis/im/v1/messages?receive_id_type=chat_id",
        &bearer(TENANT_TOKEN),
        None,
    )
    .await;
    assert_eq!((r.status, r.text.as_str()), (404, "404 page not found"));
    let r = call(
        &base,
        "GET",
        "/open-apis/im/v1/chats",
        &bearer(TENANT_TOKEN),
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    // The journal marks the replayed answer.
    let journal = read(
        client()
            .get(format!("{base}/__mock/requests"))
            .send()
            .await
            .unwrap(),
    )
    .await
    .json();
    let first = &journal["requests"][0];
    assert_eq!(first["endpoint"], "replayed", "{journal}");
    assert_eq!(first["mock_headers"]["X-Mock-Replayed"], "5");
    assert_eq!(first["caller"], "app:cli_mock");
    // The inspector's Requests page names it.
    let page = read(
        client()
            .get(format!("{base}/__mock/ui/requests"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(page.text.contains("replayed"), "{}", page.text);
}

#[tokio::test]
async fn emulated_routes_are_never_answered_from_a_recording() {
    // A recording whose upload_all answer deviates: serve --replay still runs the emulator.
    let dir = record_deviations("emulated").await;
    let store = ReplayStore::new(&Recording::open(&dir).unwrap(), |_| true);
    let server = MockServer::start_with(Config {
        replay: Some(Arc::new(store)),
        options: rule_test_options(),
        ..Config::default()
    })
    .await
    .unwrap();
    let file = b"deviation";
    let form = RawForm::new()
        .text("file_name", "a.txt")
        .text("parent_type", "docx_file")
        .text("parent_node", DOC_NODE)
        .text("size", &file.len().to_string())
        .file("file", Some("a.txt"), Some("text/plain"), file);
    let r = call(
        &server.url(),
        "POST",
        "/open-apis/drive/v1/medias/upload_all",
        &bearer(TENANT_TOKEN),
        Some(Body::Form(form)),
    )
    .await;
    assert_eq!(r.json()["msg"], "success", "{}", r.text);
    assert!(r.header("x-mock-replayed").is_none());
}

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_unreachable_upstream_answers_an_assumed_feishu_shaped_502_and_the_recording_says_so() {
    // A port that was free a moment ago: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = fresh_dir("unreachable");
    let proxy = proxy_to(&format!("http://{closed}"), &dir).await;
    let r = call(
        &proxy.url(),
        "POST",
        "/open-apis/auth/v3/tenant_access_token/internal",
        &[],
        Some(Body::Json(
            json!({"app_id": "cli_mock", "app_secret": APP_SECRET}),
        )),
    )
    .await;
    assert_eq!(r.status, 502);
    assert_eq!(r.json(), json!({"code": -1, "msg": "upstream unreachable"}));
    assert!(r.header("x-mock-upstream-error").is_some());
    let r = call(
        &proxy.url(),
        "POST",
        "/open_api/authen/plugin_token",
        &[],
        Some(Body::Json(json!({}))),
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"err_code": -1, "err_msg": "upstream unreachable", "err": {}})
    );
    proxy.stop().await;
    let recording = Recording::open(&dir).unwrap();
    assert_eq!(recording.exchanges.len(), 2);
    let ex = &recording.exchanges[0];
    assert!(
        ex.upstream_error
            .as_deref()
            .is_some_and(|e| e.contains(&closed.to_string())),
        "{ex:?}"
    );
    assert_eq!(ex.response.status, 502);
    assert!(!whole_recording(&dir).contains(APP_SECRET));
    // Parity lists it as unanswered, not as a difference.
    let report = parity::run(&ParityConfig {
        dir,
        ..ParityConfig::default()
    })
    .await
    .unwrap();
    assert!(report
        .results
        .iter()
        .all(|r| r.outcome == Outcome::Unanswered));
    assert!(!report.has_differences());
}

/// A small valid recording to break.
async fn small_recording(name: &str) -> PathBuf {
    let up = upstream().await;
    let dir = fresh_dir(name);
    let proxy = proxy_to(&up.url(), &dir).await;
    call(
        &proxy.url(),
        "POST",
        "/open-apis/auth/v3/tenant_access_token/internal",
        &[],
        Some(Body::Json(
            json!({"app_id": "cli_mock", "app_secret": APP_SECRET}),
        )),
    )
    .await;
    proxy.stop().await;
    dir
}

/// Runs the parity command with reports asked for; answers (exit code, stderr) and checks that
/// no report was written.
fn parity_cli_refuses(dir: &Path) -> (Option<i32>, String) {
    let junit = dir.with_extension("xml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_feishu-mock"))
        .arg("parity")
        .arg(dir)
        .arg("--junit")
        .arg(&junit)
        .output()
        .expect("runs");
    assert!(!junit.exists(), "nothing half-written");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_recording_of_another_format_version_is_refused_by_name() {
    let dir = small_recording("version").await;
    let manifest = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("\"version\": 1", "\"version\": 2");
    std::fs::write(&manifest, text).unwrap();
    let (code, stderr) = parity_cli_refuses(&dir);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("manifest.json")
            && stderr.contains("version 2")
            && stderr.contains("version 1 only"),
        "{stderr}"
    );
    // An exchange file of another version, under a current manifest, is refused too.
    std::fs::write(
        &manifest,
        std::fs::read_to_string(&manifest)
            .unwrap()
            .replace("\"version\": 2", "\"version\": 1"),
    )
    .unwrap();
    let ex = dir.join("exchanges").join("000001.json");
    std::fs::write(
        &ex,
        std::fs::read_to_string(&ex)
            .unwrap()
            .replacen("\"version\": 1", "\"version\": 3", 1),
    )
    .unwrap();
    let err = Recording::open(&dir).unwrap_err().to_string();
    assert!(
        err.contains("000001.json") && err.contains("version 3"),
        "{err}"
    );
}

#[tokio::test]
async fn a_truncated_exchange_file_is_refused_by_name() {
    let dir = small_recording("truncated").await;
    let ex = dir.join("exchanges").join("000001.json");
    let text = std::fs::read_to_string(&ex).unwrap();
    std::fs::write(&ex, &text[..text.len() / 2]).unwrap();
    let (code, stderr) = parity_cli_refuses(&dir);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("000001.json") && stderr.contains("truncated"),
        "{stderr}"
    );
    // The whole file parses again: the same recording replays.
    std::fs::write(&ex, text).unwrap();
    assert!(Recording::open(&dir).is_ok());
}

#[tokio::test]
async fn record_refuses_a_directory_that_already_holds_files() {
    let dir = small_recording("reuse").await;
    let before = whole_recording(&dir);
    let err = RecordingProxy::start(RecordConfig {
        out: dir.clone(),
        open_upstream: "http://127.0.0.1:9".into(),
        project_upstream: "http://127.0.0.1:9".into(),
        host: "127.0.0.1".into(),
        port: 0,
        keep_bytes: 0,
    })
    .await
    .unwrap_err();
    assert!(err.contains("already holds files"), "{err}");
    assert_eq!(whole_recording(&dir), before);
}

#[tokio::test]
async fn a_large_upload_streams_through_the_proxy_and_is_described_not_kept() {
    // 15 MiB through the proxy to Drive's upload_all: the recording describes the file part
    // by size and SHA-256 and keeps no byte of it (`--keep-bytes 0`).
    let up = upstream().await;
    let dir = fresh_dir("large");
    let proxy = RecordingProxy::start(RecordConfig {
        out: dir.clone(),
        open_upstream: up.url(),
        project_upstream: up.url(),
        host: "127.0.0.1".into(),
        port: 0,
        keep_bytes: 0,
    })
    .await
    .unwrap();
    let size: usize = 15 << 20;
    let file = vec![7u8; size];
    let form = RawForm::new()
        .text("file_name", "big.bin")
        .text("parent_type", "docx_file")
        .text("parent_node", DOC_NODE)
        .text("size", &size.to_string())
        .file("file", Some("big.bin"), None, &file);
    let r = call(
        &proxy.url(),
        "POST",
        "/open-apis/drive/v1/medias/upload_all",
        &bearer(TENANT_TOKEN),
        Some(Body::Form(form)),
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    proxy.stop().await;
    let ex = &Recording::open(&dir).unwrap().exchanges[0];
    let feishu_mock::recording::Body::Form { parts } = &ex.request.body else {
        panic!("{:?}", ex.request.body);
    };
    use sha2::Digest;
    let want = format!("{:x}", sha2::Sha256::digest(&file));
    assert!(parts.iter().any(|p| matches!(p,
        feishu_mock::recording::Part::File { size: s, sha256, kept: None, .. } if *s == size as u64 && *sha256 == want)),
        "{parts:?}");
    assert!(
        std::fs::metadata(dir.join("exchanges").join("000001.json"))
            .unwrap()
            .len()
            < 10_000
    );
}

// ---------------------------------------------------------------------------------------------
// The official Python SDK
// ---------------------------------------------------------------------------------------------

/// Runs `tests/record/sdk_calls.py MODE BASE` in the lark-oapi venv; answers its JSON.
fn python_sdk(mode: &str, base: &str) -> Value {
    let bin = common::venv::ensure("record-venv", Path::new("tests/python/requirements.txt"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/record/sdk_calls.py");
    let out = std::process::Command::new(bin.join("python"))
        .arg(script)
        .args([mode, base])
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_made_by_the_python_sdk_replays_and_its_message_is_served_by_serve_replay() {
    let (url, _inner) = deviating_upstream().await;
    let dir = fresh_dir("python-sdk");
    let proxy = proxy_to(&url, &dir).await;
    let base = proxy.url();
    let answered = tokio::task::spawn_blocking(move || python_sdk("record", &base))
        .await
        .unwrap();
    proxy.stop().await;
    assert_eq!(answered["upload_all"]["code"], 0, "{answered}");
    assert_eq!(
        answered["message"]["message_id"],
        message_answer()["data"]["message_id"]
    );

    // The SDK fetched its own token: neither the secret nor the token is in the recording.
    let recording = Recording::open(&dir).unwrap();
    let routes: Vec<&str> = recording
        .exchanges
        .iter()
        .map(|e| e.request.route.as_str())
        .collect();
    assert_eq!(
        routes,
        [
            "/open-apis/auth/v3/tenant_access_token/internal",
            "/open-apis/drive/v1/medias/upload_all",
            "/open-apis/im/v1/messages"
        ]
    );
    let text = whole_recording(&dir);
    assert!(!text.contains(APP_SECRET));
    // The SDK's file part has neither a file name nor a content type: it is still described
    // as a file (its field is the spec's file field), never written by value.
    assert!(!text.contains("python sdk through the proxy"));
    let feishu_mock::recording::Body::Form { parts } = &recording.exchanges[1].request.body else {
        panic!("a form");
    };
    assert!(parts.iter().any(|p| matches!(p,
        feishu_mock::recording::Part::File { name, filename: None, content_type: None, size: 28, .. } if name == "file")),
        "{parts:?}");
    let token_pattern = regex::Regex::new(r"t-[0-9a-f]{40}").unwrap();
    assert!(
        !token_pattern.is_match(&text),
        "a tenant token in the recording"
    );

    // Parity: the SDK's form replays; only the deviating upstream's msg differs.
    let report = parity::run(&ParityConfig {
        dir: dir.clone(),
        ..ParityConfig::default()
    })
    .await
    .unwrap();
    let outcomes: Vec<Outcome> = report.results.iter().map(|r| r.outcome.clone()).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Identical,
            Outcome::Differs(vec![r#"msg "Success" → "success""#.into()]),
            Outcome::NotEmulated
        ],
        "{}",
        report.table()
    );

    // serve --replay answers the SDK's typed message call from the recording.
    let store = ReplayStore::new(&recording, |ex| {
        parity::route::endpoint_of(&ex.request.method, &ex.request.route).is_none()
    });
    let server = MockServer::start_with(Config {
        replay: Some(Arc::new(store)),
        options: rule_test_options(),
        ..Config::default()
    })
    .await
    .unwrap();
    let base = server.url();
    let replayed = tokio::task::spawn_blocking(move || python_sdk("replay", &base))
        .await
        .unwrap();
    let message = &replayed["message"];
    assert_eq!(message["code"], 0, "{replayed}");
    assert_eq!(
        message["message_id"],
        message_answer()["data"]["message_id"]
    );
    assert_eq!(message["chat_id"], message_answer()["data"]["chat_id"]);
    assert_ne!(
        message["log_id"], answered["message"]["log_id"],
        "a fresh X-Tt-Logid"
    );
}

/// A token request sent as `application/x-www-form-urlencoded` (what `curl -d` sends; the token
/// endpoints read any body) is recorded as JSON or text with its secret replaced, never as kept
/// bytes, even with `--keep-bytes` covering it; and parity learns the app from it, so the calls
/// after it replay with the emulator's own token and do not differ.
#[tokio::test]
async fn a_token_request_sent_form_urlencoded_is_recorded_without_its_secret_and_replays() {
    let up = upstream().await;
    let dir = fresh_dir("urlencoded-token");
    let proxy = proxy_to(&up.url(), &dir).await;
    let base = proxy.url();
    let creds = json!({"app_id": "cli_mock", "app_secret": APP_SECRET}).to_string();
    let answer = client()
        .post(format!(
            "{base}/open-apis/auth/v3/tenant_access_token/internal"
        ))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(creds)
        .send()
        .await
        .expect("sent");
    let token = read(answer).await.json()["tenant_access_token"]
        .as_str()
        .expect("the upstream reads the JSON text whatever its type")
        .to_string();
    // Pairs, as a form would send them: the secret must not survive either.
    let pairs = format!("app_id=cli_mock&app_secret={APP_SECRET}");
    client()
        .post(format!(
            "{base}/open-apis/auth/v3/app_access_token/internal"
        ))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(pairs)
        .send()
        .await
        .expect("sent");
    call(
        &base,
        "POST",
        "/open-apis/drive/v1/medias/upload_all",
        &bearer(&token),
        Some(Body::Form(
            RawForm::new()
                .text("file_name", "a.txt")
                .text("parent_type", "docx_file")
                .text("parent_node", DOC_NODE)
                .text("size", "5")
                .file("file", Some("a.txt"), Some("text/plain"), b"hello"),
        )),
    )
    .await;
    proxy.stop().await;

    let text = whole_recording(&dir);
    for secret in [APP_SECRET, token.as_str()] {
        assert!(
            !text.contains(secret),
            "the recording holds {secret}:\n{text}"
        );
    }
    // Kept bytes are base64: the secret would hide there from the search above.
    let exchange = |n: u32| -> Value {
        let path = dir.join("exchanges").join(format!("{n:06}.json"));
        serde_json::from_str(&std::fs::read_to_string(path).expect("exchange")).expect("JSON")
    };
    let json_text = exchange(1)["request"]["body"].clone();
    assert_eq!(json_text["kind"], "json", "{json_text}");
    assert_eq!(json_text["json"]["app_id"], "cli_mock");
    let placeholder = json_text["json"]["app_secret"]
        .as_str()
        .expect("a placeholder");
    assert_ne!(placeholder, APP_SECRET);
    let pairs = exchange(2)["request"]["body"].clone();
    assert_eq!(pairs["kind"], "text", "{pairs}");
    assert_eq!(
        pairs["text"],
        format!("app_id=cli_mock&app_secret={placeholder}"),
        "the same secret, the same placeholder"
    );
    let report = parity::run(&ParityConfig {
        dir: dir.clone(),
        ..ParityConfig::default()
    })
    .await
    .expect("parity runs");
    let table = report.table();
    let upload = report
        .results
        .iter()
        .find(|r| r.route == "/open-apis/drive/v1/medias/upload_all")
        .expect("the upload was recorded");
    assert_eq!(upload.outcome, Outcome::Identical, "{table}");
}

/// An upstream that answers a documented refusal (99991400, the frequency limit) at once, before
/// reading the request body, as a gateway refusing early does.
async fn early_refusing_upstream() -> String {
    use http_body_util::Full;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for _ in 0..100 {
            let Ok((stream, _)) = listener.accept().await else {
                break;
            };
            let service =
                hyper::service::service_fn(|req: hyper::Request<hyper::body::Incoming>| async {
                    // The answer goes first; the body is read (and dropped) after it, as the
                    // emulator's own early refusals drain what the client still sends.
                    tokio::spawn(http_body_util::BodyExt::collect(req.into_body()));
                    let body = json!({"code": 99991400, "msg": "request trigger frequency limit"});
                    let answer = hyper::Response::builder()
                        .status(429)
                        .header("Content-Type", "application/json; charset=utf-8")
                        .body(Full::new(bytes::Bytes::from(body.to_string())))
                        .unwrap();
                    Ok::<_, std::convert::Infallible>(answer)
                });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    url
}

/// A form is recorded as the client sent it even when the upstream answers before reading it:
/// every part, the file part's size and SHA-256 whole, not the part the upstream happened to read.
#[tokio::test]
async fn a_form_the_upstream_refuses_before_reading_it_is_recorded_whole() {
    use sha2::Digest;
    let up = early_refusing_upstream().await;
    let dir = fresh_dir("early-refusal");
    let proxy = proxy_to(&up, &dir).await;
    let file: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let r = call(
        &proxy.url(),
        "POST",
        "/open-apis/drive/v1/medias/upload_all",
        &bearer(TENANT_TOKEN),
        Some(Body::Form(
            RawForm::new()
                .text("file_name", "big.bin")
                .text("parent_type", "docx_file")
                .text("parent_node", DOC_NODE)
                .text("size", &file.len().to_string())
                .file("file", Some("big.bin"), None, &file),
        )),
    )
    .await;
    assert_eq!(r.status, 429);
    proxy.stop().await;
    let text = std::fs::read_to_string(dir.join("exchanges").join("000001.json")).expect("one");
    let exchange: Value = serde_json::from_str(&text).expect("JSON");
    let parts = exchange["request"]["body"]["parts"]
        .as_array()
        .expect("a form")
        .clone();
    let names: Vec<_> = parts.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["file_name", "parent_type", "parent_node", "size", "file"],
        "{text}"
    );
    assert_eq!(parts[4]["size"], file.len() as u64);
    assert_eq!(
        parts[4]["sha256"],
        format!("{:x}", sha2::Sha256::digest(&file))
    );
    assert_eq!(exchange["response"]["status"], 429);
}
