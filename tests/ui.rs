//! The inspector at `/__mock/ui`: its pages over plain HTTP (escaping, routing, filters), then
//! in headless Chromium after a scripted scenario — uploads on the five endpoints, a progress
//! record using every block type, a forced error and a fault — with assertions on the rendered
//! DOM and screenshots in `target/ui-screenshots/`.

mod browser;
mod common;

use common::*;
use feishu_mock::MockServer;
use serde_json::{json, Value};

const XSS_NAME: &str = "<img src=x onerror=alert(1)>";
const XSS_RUN: &str = "<script>alert(1)</script> stays text";
const DOC_NODE: &str = "doccnFivLCfJfblZjGZtxgabcef";
const OBJECTIVE: &str = "6974586812998174252";
const TASK: &str = "fe96108d-b004-4a47-b2f8-6886e758b3a5";
const PROJECT_URL: &str =
    "/open_api/68382b399de4b0ec6c5a0001/work_item/story/6437110001/file/upload";

/// A `w`×`h` RGB PNG of a colour gradient (stored deflate blocks: no compressor needed).
fn png(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(data);
        out.extend_from_slice(&c);
        out.extend_from_slice(&crc32(&c).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, 200]);
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, b) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        z.extend_from_slice(&(b.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(b.len() as u16)).to_le_bytes());
        z.extend_from_slice(b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + byte as u32) % 65521;
        b = (b + a) % 65521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn drive_form(name: &str, content_type: &str, bytes: &[u8]) -> RawForm {
    RawForm::new()
        .text("file_name", name)
        .text("parent_type", "doc_file")
        .text("parent_node", DOC_NODE)
        .text("size", &bytes.len().to_string())
        .file("file", Some(name), Some(content_type), bytes)
}

/// What the scenario made.
struct Made {
    chart_token: String,
    xss_token: String,
    okr_image_token: String,
    progress_id: String,
}

fn run(text: &str, style: Value) -> Value {
    json!({"type": "textRun", "textRun": {"text": text, "style": style}})
}

fn para(elements: Value, list: Option<Value>) -> Value {
    let mut p = json!({"elements": elements});
    if let Some(l) = list {
        p["style"] = json!({"list": l});
    }
    json!({"type": "paragraph", "paragraph": p})
}

/// Uploads on the five endpoints, a progress record using every block type, a forced error
/// (`X-Mock-Error-Code: 1061043`) and a fault rule that fires once.
async fn scenario(server: &MockServer) -> Made {
    let base = server.url();
    let drive = format!("{base}/open-apis/drive/v1/medias/upload_all");
    let chart = png(96, 64);
    let r = post_form(
        &drive,
        Some(TENANT_TOKEN),
        &drive_form("chart.png", "image/png", &chart),
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    let chart_token = r.json()["data"]["file_token"].as_str().unwrap().to_string();
    let r = post_form(
        &drive,
        Some(TENANT_TOKEN),
        &drive_form(XSS_NAME, "text/plain", b"hello"),
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    let xss_token = r.json()["data"]["file_token"].as_str().unwrap().to_string();
    let auth = format!("Bearer {TENANT_TOKEN}");
    let r = post_form_with(
        &drive,
        &[("Authorization", &auth), ("X-Mock-Error-Code", "1061043")],
        &drive_form("too-big.bin", "application/octet-stream", b"x"),
    )
    .await;
    assert_eq!(r.code(), 1061043, "{}", r.text);

    let form = RawForm::new()
        .file(
            "data",
            Some("progress.png"),
            Some("image/png"),
            &png(64, 48),
        )
        .text("target_id", OBJECTIVE)
        .text("target_type", "2");
    let r = post_form(
        &format!("{base}/open-apis/okr/v1/images/upload"),
        Some(TENANT_TOKEN),
        &form,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    let okr_image_token = r.json()["data"]["file_token"].as_str().unwrap().to_string();

    let red = json!({"red": 216, "green": 57, "blue": 49, "alpha": 1});
    let pink = json!({"red": 251, "green": 191, "blue": 188, "alpha": 1});
    let blocks = json!([
        para(json!([run("Bold words", json!({"bold": true})), run(" then ", json!({})),
                    run("struck", json!({"strikeThrough": true}))]), None),
        para(json!([run("Red text", json!({"textColor": red})), run(" on pink", json!({"backColor": pink})),
                    run(" and a link", json!({"link": {"url": "https://example.com/weekly"}}))]), None),
        para(json!([{"type": "docsLink", "docsLink": {"url": "https://example.feishu.cn/docx/doxcnABC", "title": "Design doc"}},
                    run(" reviewed by ", json!({})),
                    {"type": "person", "person": {"openId": USER_OPEN_ID}}]), None),
        para(json!([run("First bullet", json!({}))]), Some(json!({"type": "bullet", "indentLevel": 1}))),
        para(json!([run("Nested bullet", json!({}))]), Some(json!({"type": "bullet", "indentLevel": 2}))),
        para(json!([run("Step one", json!({}))]), Some(json!({"type": "number", "indentLevel": 1, "number": 1}))),
        para(json!([run("Step two", json!({}))]), Some(json!({"type": "number", "indentLevel": 1, "number": 2}))),
        para(json!([run("To do", json!({}))]), Some(json!({"type": "checkBox", "indentLevel": 1}))),
        para(json!([run("Done", json!({}))]), Some(json!({"type": "checkedBox", "indentLevel": 1}))),
        para(json!([run("Indented note", json!({}))]), Some(json!({"type": "indent", "indentLevel": 3}))),
        para(json!([run(XSS_RUN, json!({"bold": true}))]), None),
        {"type": "gallery", "gallery": {"imageList": [{"fileToken": okr_image_token, "width": 64, "height": 48}]}},
    ]);
    let record = json!({
        "source_title": "Weekly report",
        "source_url": "https://example.com/weekly",
        "target_id": OBJECTIVE,
        "target_type": 2,
        "content": {"blocks": blocks},
        "progress_rate": {"percent": 42.5, "status": 0},
    });
    let r = post_json(
        &format!("{base}/open-apis/okr/v1/progress_records"),
        Some(TENANT_TOKEN),
        &record,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    let progress_id = r.json()["data"]["progress_id"]
        .as_str()
        .unwrap()
        .to_string();

    let r = client()
        .post(format!("{base}/__mock/faults"))
        .json(&json!({"endpoint": "task.attachment.upload", "error_code": 1470500, "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let task_url = format!("{base}/open-apis/task/v2/attachments/upload");
    let task_form = || {
        RawForm::new()
            .text("resource_type", "task")
            .text("resource_id", TASK)
            .file(
                "file",
                Some("notes.txt"),
                Some("text/plain"),
                b"meeting notes",
            )
    };
    let r = post_form(&task_url, Some(TENANT_TOKEN), &task_form()).await;
    assert_eq!(r.code(), 1470500, "the fault fires: {}", r.text);
    let r = post_form(&task_url, Some(TENANT_TOKEN), &task_form()).await;
    assert_eq!(r.code(), 0, "{}", r.text);

    upload_spec_pdf(server).await;

    Made {
        chart_token,
        xss_token,
        okr_image_token,
        progress_id,
    }
}

/// Uploads `spec.pdf` to work item 7000000000000000001's `field_attachment` with a fresh plugin
/// token, which it returns.
async fn upload_spec_pdf(server: &MockServer) -> String {
    let plugin = plugin_token(server).await;
    let form = RawForm::new().text("field_key", "field_attachment").file(
        "file",
        Some("spec.pdf"),
        Some("application/pdf"),
        b"%PDF-1.4 mock",
    );
    let r = post_project_form(
        &format!("{}{PROJECT_URL}", server.url()),
        Some(&plugin),
        Some("7000000000000000001"),
        &form,
    )
    .await;
    assert_eq!(r.json()["err_code"], 0, "{}", r.text);
    plugin
}

async fn get(url: &str) -> Resp {
    read(client().get(url).send().await.expect("GET")).await
}

// ---- plain HTTP --------------------------------------------------------------------------------

#[tokio::test]
async fn every_page_is_html_with_a_strict_policy_and_escapes_what_clients_sent() {
    let server = server().await;
    let made = scenario(&server).await;
    let base = server.url();
    for page in [
        "",
        "/",
        "/requests",
        "/files",
        "/okr",
        "/tasks",
        "/project",
        "/controls",
    ] {
        let r = get(&format!("{base}/__mock/ui{page}")).await;
        assert_eq!(r.status, 200, "{page}: {}", r.text);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("text/html; charset=utf-8")
        );
        let csp = r.header("content-security-policy").expect("CSP");
        assert!(
            csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
            "{csp}"
        );
        assert!(
            !r.text.contains("<img src=x"),
            "{page} holds a raw <img>: XSS"
        );
        assert!(
            !r.text.contains("<script>alert"),
            "{page} holds a raw <script>: XSS"
        );
        assert!(
            !r.text.contains("http://") || page == "/okr",
            "{page} links outside"
        );
    }
    let files = get(&format!("{base}/__mock/ui/files")).await.text;
    assert!(
        files.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "escaped name shown"
    );
    assert!(files.contains(&made.chart_token) && files.contains(&made.xss_token));
    assert!(
        files.contains("chart.png") && files.contains("notes.txt") && files.contains("spec.pdf")
    );
    assert!(
        files.contains("field field_attachment · 1 of 50 attachments"),
        "{files}"
    );
    let okr = get(&format!("{base}/__mock/ui/okr")).await.text;
    assert!(okr.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(okr.contains(&made.progress_id));
    assert!(okr.contains(&format!("src=\"/__mock/ui/file/{}\"", made.okr_image_token)));
    assert!(okr.contains("@Mock User"));
    let controls = get(&format!("{base}/__mock/ui/controls")).await.text;
    assert!(controls.contains("task.attachment.upload") && controls.contains("error 1470500"));
    for asset in ["ui.js", "ui.css"] {
        let r = get(&format!("{base}/__mock/ui/{asset}")).await;
        assert_eq!(r.status, 200, "{asset}");
        assert!(
            !r.text.contains("https://"),
            "{asset} loads nothing from outside"
        );
    }
}

#[tokio::test]
async fn the_journal_page_filters_by_endpoint_caller_and_code_and_shows_the_parts() {
    let server = server().await;
    scenario(&server).await;
    let base = server.url();
    let only = get(&format!("{base}/__mock/ui/requests/entries?code=1061043"))
        .await
        .text;
    assert_eq!(only.matches("<details").count(), 1, "{only}");
    // Forced before the body is read: code and documented msg, no parts.
    assert!(
        only.contains("code 1061043") && only.contains("file size beyond limit."),
        "{only}"
    );
    let task = get(&format!(
        "{base}/__mock/ui/requests/entries?endpoint=task.attachment.upload"
    ))
    .await
    .text;
    assert_eq!(task.matches("<details").count(), 2, "{task}");
    let plugin = get(&format!(
        "{base}/__mock/ui/requests/entries?caller=plugin:MII_MOCK_PLUGIN"
    ))
    .await
    .text;
    assert_eq!(plugin.matches("<details").count(), 1, "{plugin}");
    assert!(
        plugin.contains("X-PLUGIN-TOKEN")
            && plugin.contains("-F &apos;file=@spec.pdf;type=application/pdf&apos;")
            || plugin.contains("-F 'file=@spec.pdf;type=application/pdf'"),
        "{plugin}"
    );
    let bad = get(&format!("{base}/__mock/ui/requests?code=abc")).await;
    assert_eq!(bad.status, 200);
    assert!(bad.text.contains("Code must be an integer."));
}

#[tokio::test]
async fn the_inspector_is_never_journalled_and_lives_only_under_mock_ui() {
    let server = server().await;
    let base = server.url();
    for _ in 0..3 {
        get(&format!("{base}/__mock/ui/requests/entries")).await;
        get(&format!("{base}/__mock/ui")).await;
    }
    let journal = get(&format!("{base}/__mock/requests")).await.json();
    let paths: Vec<&str> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert!(
        paths.iter().all(|p| !p.starts_with("/__mock/ui")),
        "{paths:?}"
    );
    // Under a Feishu prefix it is an unknown route: the gateway's plain 404.
    for path in [
        "/open-apis/__mock/ui",
        "/open_api/__mock/ui/files",
        "/open-apis/okr/v1/__mock/ui",
    ] {
        let r = get(&format!("{base}{path}")).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.text, "404 page not found", "{path}");
    }
    let r = get(&format!("{base}/__mock/uix")).await;
    assert_eq!(r.status, 404);
    let r = get(&format!("{base}/__mock/ui/nope")).await;
    assert_eq!(r.status, 404);
    let r = read(
        client()
            .post(format!("{base}/__mock/ui/requests"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn stored_files_are_served_inline_only_as_raster_images_and_never_run_in_the_inspector() {
    let server = server().await;
    let made = scenario(&server).await;
    let base = server.url();
    let drive = format!("{base}/open-apis/drive/v1/medias/upload_all");
    let html = b"<script>alert(1)</script>";
    let r = post_form(
        &drive,
        Some(TENANT_TOKEN),
        &drive_form("page.html", "text/html", html),
    )
    .await;
    let html_token = r.json()["data"]["file_token"].as_str().unwrap().to_string();

    let png = read(
        client()
            .get(format!("{base}/__mock/ui/file/{}", made.chart_token))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(png.status, 200);
    assert_eq!(png.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(png.header("content-disposition"), None);
    let page = read(
        client()
            .get(format!("{base}/__mock/ui/file/{html_token}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(
        page.header("content-disposition").as_deref(),
        Some("attachment; filename*=UTF-8''page%2Ehtml")
    );
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .contains("sandbox"));
    assert_eq!(page.text.as_bytes(), html);
    let dl = read(
        client()
            .get(format!(
                "{base}/__mock/ui/file/{}?download=1",
                made.chart_token
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(dl
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    let missing = get(&format!("{base}/__mock/ui/file/boxcnNope")).await;
    assert_eq!(missing.status, 404);
    let journal = get(&format!("{base}/__mock/requests")).await.json();
    assert!(
        !journal.to_string().contains("/__mock/ui/"),
        "inspector loads are not journalled"
    );
}

// ---- World, Tasks and Project ------------------------------------------------------------------

const TASK_NAME: &str = "minutes.txt";
const TASK_BYTES: &[u8] = b"minutes of the weekly";
const PROJECT_KEY: &str = "68382b399de4b0ec6c5a0001";
const WORK_ITEM: &str = "6437110001";

/// What [`world_scenario`] made.
struct WorldMade {
    minted: String,
    plugin: String,
    task_guid: String,
    xss_guid: String,
}

/// A token as the inspector shows it: first 6 and last 4 characters.
fn shortened(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// A server with frequency limits on (the default), so that quotas are counted.
async fn counting_server() -> MockServer {
    server_with(feishu_mock::Config::default()).await
}

/// On a counting server: a minted tenant token, two Drive uploads (2 of 10000 today), two Task
/// attachments (one named like an XSS attack), a Project attachment with a plugin token.
async fn world_scenario(server: &MockServer) -> WorldMade {
    let base = server.url();
    // Today's count must not roll over between the uploads and the page: away from midnight.
    let now = get(&format!("{base}/__mock/clock")).await.json()["now_ms"]
        .as_i64()
        .unwrap();
    if now.rem_euclid(86_400_000) > 86_400_000 - 120_000 {
        let r = client()
            .post(format!("{base}/__mock/clock"))
            .json(&json!({"advance_seconds": 180}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let minted = mint_tenant_token(server, "cli_mock", "mock-secret").await;
    let drive = format!("{base}/open-apis/drive/v1/medias/upload_all");
    for name in ["a.txt", "b.txt"] {
        let r = post_form(
            &drive,
            Some(&minted),
            &drive_form(name, "text/plain", b"ab"),
        )
        .await;
        assert_eq!(r.code(), 0, "{}", r.text);
    }
    let task_url = format!("{base}/open-apis/task/v2/attachments/upload");
    let mut guids = Vec::new();
    for (name, bytes) in [(TASK_NAME, TASK_BYTES), (XSS_NAME, &b"x"[..])] {
        let form = RawForm::new()
            .text("resource_type", "task")
            .text("resource_id", TASK)
            .file("file", Some(name), Some("text/plain"), bytes);
        let r = post_form(&task_url, Some(TENANT_TOKEN), &form).await;
        assert_eq!(r.code(), 0, "{}", r.text);
        guids.push(
            r.json()["data"]["items"][0]["guid"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let plugin = upload_spec_pdf(server).await;
    WorldMade {
        minted,
        plugin,
        task_guid: guids[0].clone(),
        xss_guid: guids[1].clone(),
    }
}

#[tokio::test]
async fn the_world_page_lists_apps_users_shortened_live_tokens_and_quotas_in_use() {
    let server = counting_server().await;
    let made = world_scenario(&server).await;
    let page = get(&format!("{}/__mock/ui/controls", server.url()))
        .await
        .text;
    for want in [
        "<td class=\"app-id\" data-label=\"app_id\"><code>cli_mock</code></td>",
        "<td class=\"app-id\" data-label=\"app_id\"><code>cli_mock_noscope</code></td>",
        "<code>task:attachment:write</code>",
        "<td class=\"open-id\" data-label=\"open_id\"><code>ou_2cefb2f014f8d0c6c2d2eb7bafb0e54f</code></td>",
        "<td class=\"user-id\" data-label=\"user_id\"><code>3e4b9d1a</code></td>",
        "<td class=\"user-name\" data-label=\"name\">Mock User</td>",
        "<code>MII_MOCK_PLUGIN</code>",
        // The world's pre-issued tokens, the minted one and the plugin token, shortened.
        "<td class=\"token\" data-label=\"token\"><code>t-43b2…bcef</code></td>",
        "<td class=\"token\" data-label=\"token\"><code>u-7f1b…e560</code></td>",
        &format!(
            "<td class=\"token\" data-label=\"token\"><code>{}</code></td>",
            shortened(&made.minted)
        ),
        &format!(
            "<td class=\"token\" data-label=\"token\"><code>{}</code></td>",
            shortened(&made.plugin)
        ),
        // Two uploads today against 10000; no per-minute limit for Drive, no daily one for Task.
        "<td class=\"q-day\" data-label=\"today\">2 / 10000</td>",
        "<td class=\"q-minute\" data-label=\"this minute\">—</td>",
    ] {
        assert!(
            page.contains(want),
            "{want} missing from the World page:\n{page}"
        );
    }
    for secret in [
        made.minted.as_str(),
        made.plugin.as_str(),
        TENANT_TOKEN,
        TENANT_TOKEN_2,
        USER_TOKEN,
        "mock-secret",
        "mock-plugin-secret",
    ] {
        assert!(!page.contains(secret), "{secret} shown whole");
    }
    assert_eq!(
        page.matches("(in 1 h 59 min)").count(),
        2,
        "minted and plugin token expiry"
    );
    assert_eq!(
        page.matches("never (issued by the world file)").count(),
        3,
        "the world's two tenant tokens and its user token"
    );
    // Nothing is counted under --no-rate-limits, and the page says so.
    let quiet = common::server().await;
    world_scenario(&quiet).await;
    let page = get(&format!("{}/__mock/ui/controls", quiet.url()))
        .await
        .text;
    assert!(page.contains("Frequency limits are off (--no-rate-limits): nothing is counted."));
    assert!(!page.contains("q-day"));
}

#[tokio::test]
async fn the_tasks_and_project_pages_list_attachments_per_task_and_per_field() {
    let server = counting_server().await;
    let made = world_scenario(&server).await;
    let base = server.url();
    let tasks = get(&format!("{base}/__mock/ui/tasks")).await;
    assert_eq!(tasks.status, 200);
    let tasks = tasks.text;
    for want in [
        format!("<code class=\"task-guid\">{TASK}</code> “Seed task”"),
        format!("<tr data-guid=\"{}\"><td class=\"guid\" data-label=\"attachment guid\"><code>{}</code></td><td class=\"name\" data-label=\"name\">{TASK_NAME}</td><td class=\"size\" data-label=\"size\" title=\"21 bytes\">21 B</td>", made.task_guid, made.task_guid),
        "<td class=\"name\" data-label=\"name\">&lt;img src=x onerror=alert(1)&gt;</td>".to_string(),
        "2 attachments on 1 task".to_string(),
        "app <code>cli_mock</code>".to_string(),
    ] {
        assert!(tasks.contains(&want), "{want} missing from the Tasks page:\n{tasks}");
    }
    assert!(tasks.contains(&made.xss_guid));
    assert!(!tasks.contains("<img src=x"), "XSS");
    // The download link serves the attachment's bytes.
    let href = tasks
        .split(&format!("data-guid=\"{}\"", made.task_guid))
        .nth(1)
        .and_then(|row| row.split("href=\"").nth(1))
        .and_then(|h| h.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        href.starts_with("/__mock/ui/file/boxcn") && href.ends_with("?download=1"),
        "{href}"
    );
    let bytes = get(&format!("{base}{href}")).await;
    assert_eq!(bytes.status, 200);
    assert_eq!(bytes.text.as_bytes(), TASK_BYTES);

    let project = get(&format!("{base}/__mock/ui/project")).await.text;
    for want in [
        format!("<dd class=\"project-key\"><code>{PROJECT_KEY}</code></dd>"),
        "<dd class=\"type-key\"><code>story</code></dd>".to_string(),
        format!("<dd class=\"work-item-id\"><code>{WORK_ITEM}</code></dd>"),
        "<dd class=\"field-key\"><code>field_attachment</code></dd>".to_string(),
        "<dd class=\"count\">1/50</dd>".to_string(),
        "<td class=\"name\" data-label=\"name\">spec.pdf</td>".to_string(),
        "1 attachment in 1 work item field, 0 space-level files".to_string(),
    ] {
        assert!(
            project.contains(&want),
            "{want} missing from the Project page:\n{project}"
        );
    }
    // Navigation reaches both pages from every page.
    for page in ["requests", "files", "okr", "tasks", "project", "controls"] {
        let html = get(&format!("{base}/__mock/ui/{page}")).await.text;
        assert!(
            html.contains("href=\"/__mock/ui/tasks\"")
                && html.contains("href=\"/__mock/ui/project\""),
            "{page} lacks the nav entries"
        );
    }
}

// ---- headless Chromium -------------------------------------------------------------------------

/// Why the browser test cannot run here, printed as it skips; `CI=true` or
/// `FEISHU_MOCK_REQUIRE_BROWSER=1` turn a missing browser into a failure.
fn no_browser(why: &str) {
    let required = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("FEISHU_MOCK_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "the inspector's browser test needs Chromium: {why}"
    );
    // Straight to stderr, past the harness's capture, so the skip shows in `cargo test`.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED inspector_in_headless_chromium: {why}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspector_in_headless_chromium() {
    let chromium = match tokio::task::spawn_blocking(browser::chromium)
        .await
        .unwrap()
    {
        Ok(p) => p,
        Err(why) => return no_browser(&why),
    };
    let server = server().await;
    let made = scenario(&server).await;
    let base = server.url();
    let shots = browser::screenshot_dir();
    let mut b = browser::Browser::launch(&chromium).await;

    // Files, at laptop width.
    b.viewport(1280, 900, false).await;
    b.goto(&format!("{base}/__mock/ui/files")).await;
    let names: Vec<String> = serde_json::from_value(
        b.eval("[...document.querySelectorAll('article.file .name')].map(e => e.textContent)")
            .await,
    )
    .unwrap();
    for want in [
        "chart.png",
        XSS_NAME,
        "progress.png",
        "notes.txt",
        "spec.pdf",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} not shown in {names:?}"
        );
    }
    let thumb = b
        .eval(&format!(
            "document.querySelector('article.file[data-token=\"{}\"] .thumb img').naturalWidth",
            made.chart_token
        ))
        .await;
    assert_eq!(thumb, json!(96), "the thumbnail loaded");
    assert_eq!(
        b.eval("document.querySelectorAll('img[src=\"x\"]').length")
            .await,
        json!(0)
    );
    b.screenshot(&shots.join("files-laptop.png")).await;

    // OKR rich text.
    b.goto(&format!("{base}/__mock/ui/okr")).await;
    let run = |text: &str| {
        format!(
            "(() => {{ const s = [...document.querySelectorAll('.rt-run')].find(e => e.textContent === {});
               let el = s; while (el.firstElementChild) el = el.firstElementChild; return el; }})()",
            json!(text)
        )
    };
    let weight = b
        .eval(&format!(
            "Number(getComputedStyle({}).fontWeight)",
            run("Bold words")
        ))
        .await;
    assert!(
        weight.as_f64().unwrap() >= 700.0,
        "bold run is bold: {weight}"
    );
    let normal = b
        .eval(&format!(
            "Number(getComputedStyle({}).fontWeight)",
            run(" then ")
        ))
        .await;
    assert!(
        normal.as_f64().unwrap() < 600.0,
        "plain run is not bold: {normal}"
    );
    let deco = b
        .eval(&format!(
            "getComputedStyle({}).textDecorationLine",
            run("struck")
        ))
        .await;
    assert_eq!(deco, json!("line-through"));
    let color = b
        .eval(&format!("getComputedStyle({}).color", run("Red text")))
        .await;
    assert_eq!(color, json!("rgb(216, 57, 49)"));
    let back = b
        .eval(&format!(
            "getComputedStyle({}).backgroundColor",
            run(" on pink")
        ))
        .await;
    assert_eq!(back, json!("rgb(251, 191, 188)"));
    let href = b
        .eval(&format!("{}.closest('a').href", run(" and a link")))
        .await;
    assert_eq!(href, json!("https://example.com/weekly"));
    assert_eq!(
        b.eval("document.querySelector('a.rt-doc').textContent")
            .await,
        json!("DOC Design doc")
    );
    assert_eq!(
        b.eval("document.querySelector('.rt-mention').textContent")
            .await,
        json!("@Mock User")
    );
    let left = |list: &str, indent: u32| {
        format!(
            "document.querySelector('.rt-p[data-list=\"{list}\"][data-indent=\"{indent}\"]').getBoundingClientRect().left"
        )
    };
    let l1 = b.eval(&left("bullet", 1)).await.as_f64().unwrap();
    let l2 = b.eval(&left("bullet", 2)).await.as_f64().unwrap();
    let l3 = b.eval(&left("indent", 3)).await.as_f64().unwrap();
    assert!(
        l2 - l1 > 15.0,
        "the nested bullet sits one level in: {l1} → {l2}"
    );
    assert!(l3 > l2, "indent level 3 sits further in: {l3}");
    let markers: Vec<String> = serde_json::from_value(
        b.eval("[...document.querySelectorAll('.rt-marker')].map(e => e.textContent)")
            .await,
    )
    .unwrap();
    assert_eq!(markers, ["•", "◦", "1.", "2.", "☐", "☑"]);
    let gallery = b
        .eval(&format!(
            "document.querySelector('.rt-image[data-token=\"{}\"] img').naturalWidth",
            made.okr_image_token
        ))
        .await;
    assert_eq!(gallery, json!(64), "the gallery image loaded");
    assert!(b.eval(&format!("{}.textContent", run(XSS_RUN))).await == json!(XSS_RUN));
    assert_eq!(
        b.eval("document.scripts.length").await,
        json!(1),
        "only ui.js runs"
    );
    let raw = b
        .eval("document.querySelector('pre.json').textContent")
        .await;
    assert!(raw.as_str().unwrap().contains("\"strikeThrough\": true"));
    b.screenshot(&shots.join("okr-laptop.png")).await;

    // Requests: the forced error, opened by keyboard; filters; live.
    b.goto(&format!("{base}/__mock/ui/requests")).await;
    let entry = "[...document.querySelectorAll('details.entry')].find(d => d.querySelector('.code')?.textContent === 'code 1061043')";
    assert_eq!(
        b.eval(&format!("!!{entry}")).await,
        json!(true),
        "1061043 in the journal"
    );
    b.eval(&format!("{entry}.querySelector('summary').focus()"))
        .await;
    b.press("Enter").await;
    assert_eq!(
        b.eval(&format!("{entry}.open")).await,
        json!(true),
        "Enter opens an entry"
    );
    let curl = b
        .eval(&format!("{entry}.querySelector('pre.curl').textContent"))
        .await;
    let curl = curl.as_str().unwrap().to_string();
    assert!(
        curl.contains(&format!("'{base}/open-apis/drive/v1/medias/upload_all'")),
        "{curl}"
    );
    assert!(curl.contains("Authorization: Bearer $TOKEN"), "{curl}");
    let detail = b
        .eval(&format!("{entry}.querySelector('.detail').textContent"))
        .await;
    assert!(
        detail.as_str().unwrap().contains("file size beyond limit."),
        "{detail}"
    );
    // An upload that was read shows its parts.
    let chart =
        "[...document.querySelectorAll('td.filename')].some(t => t.textContent === 'chart.png')";
    assert_eq!(
        b.eval(chart).await,
        json!(true),
        "the chart.png part is listed"
    );
    b.screenshot(&shots.join("requests-laptop.png")).await;
    // A request made while the page is open shows up without a reload, the open entry stays open.
    b.eval("window.__marker = 1").await;
    let r = post_form(
        &format!("{base}/open-apis/drive/v1/medias/upload_all"),
        Some(TENANT_TOKEN),
        &drive_form("live.txt", "text/plain", b"live"),
    )
    .await;
    assert_eq!(r.code(), 0);
    let live =
        "[...document.querySelectorAll('td.filename')].some(t => t.textContent === 'live.txt')";
    assert!(b.wait_for(live, 10).await, "the new request appears live");
    assert_eq!(
        b.eval("window.__marker").await,
        json!(1),
        "no reload happened"
    );
    assert_eq!(
        b.eval(&format!("{entry}.open")).await,
        json!(true),
        "the open entry stayed open"
    );
    b.goto(&format!(
        "{base}/__mock/ui/requests?endpoint=task.attachment.upload"
    ))
    .await;
    let codes: Vec<String> = serde_json::from_value(
        b.eval("[...document.querySelectorAll('details.entry .code')].map(e => e.textContent)")
            .await,
    )
    .unwrap();
    assert_eq!(codes, ["code 0", "code 1470500"], "newest first, filtered");

    // Controls: the buttons call the control plane.
    b.goto(&format!("{base}/__mock/ui/controls")).await;
    assert_eq!(
        b.eval("document.querySelector('td.fired').textContent")
            .await,
        json!("1")
    );
    let before = get(&format!("{base}/__mock/clock")).await.json()["now_ms"]
        .as_i64()
        .unwrap();
    b.eval("document.getElementById('advance-seconds').value = '7200'")
        .await;
    b.eval("document.querySelector('#advance-clock button').click()")
        .await;
    assert!(
        b.wait_for(
            "document.getElementById('action-status').textContent.includes('advanced')",
            10
        )
        .await
    );
    let after = get(&format!("{base}/__mock/clock")).await.json()["now_ms"]
        .as_i64()
        .unwrap();
    assert!(
        after - before >= 7_200_000,
        "clock moved by the button: {before} → {after}"
    );
    b.goto(&format!("{base}/__mock/ui/controls")).await;
    b.eval("document.querySelector('button[data-action=\"clear-faults\"]').click()")
        .await;
    assert!(
        b.wait_for(
            "document.getElementById('action-status').textContent.includes('cleared')",
            10
        )
        .await
    );
    let faults = get(&format!("{base}/__mock/faults")).await.json();
    assert_eq!(faults["faults"], json!([]), "faults cleared by the button");
    b.screenshot(&shots.join("controls-laptop.png")).await;

    // Phone width: no page scrolls sideways.
    b.viewport(390, 844, true).await;
    for page in ["requests", "files", "okr", "controls"] {
        b.goto(&format!("{base}/__mock/ui/{page}")).await;
        let fits = b
            .eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
            .await;
        assert_eq!(fits, json!(true), "{page} overflows at phone width");
        b.screenshot(&shots.join(format!("{page}-phone.png"))).await;
    }

    let journal = get(&format!("{base}/__mock/requests")).await.json();
    let paths: Vec<&str> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert!(
        paths
            .iter()
            .all(|p| !p.starts_with("/__mock/ui") && *p != "/favicon.ico"),
        "browsing the inspector left no trace in the journal: {paths:?}"
    );

    // Reset (confirm answered yes) empties what the pages show.
    b.viewport(1280, 900, false).await;
    b.goto(&format!("{base}/__mock/ui/controls")).await;
    b.eval("window.confirm = () => true").await;
    b.eval("document.querySelector('button[data-action=\"reset\"]').click()")
        .await;
    assert!(
        b.wait_for(
            "document.getElementById('action-status').textContent.includes('reset')",
            10
        )
        .await
    );
    let files = get(&format!("{base}/__mock/files")).await.json();
    assert_eq!(files["files"], json!([]), "reset by the button");

    assert!(b.dialogs().is_empty(), "a dialog opened: {:?}", b.dialogs());
    eprintln!("inspector screenshots in {}", shots.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn world_tasks_and_project_pages_in_headless_chromium() {
    let chromium = match tokio::task::spawn_blocking(browser::chromium)
        .await
        .unwrap()
    {
        Ok(p) => p,
        Err(why) => return no_browser(&why),
    };
    let server = counting_server().await;
    let made = world_scenario(&server).await;
    let base = server.url();
    let shots = browser::screenshot_dir();
    let mut b = browser::Browser::launch(&chromium).await;
    let texts = |selector: &str| {
        format!(
            "[...document.querySelectorAll({})].map(e => e.textContent)",
            json!(selector)
        )
    };

    // World: apps, a user, live tokens shortened, quotas in use.
    b.viewport(1280, 900, false).await;
    b.goto(&format!("{base}/__mock/ui/controls")).await;
    let apps: Vec<String> = serde_json::from_value(b.eval(&texts("td.app-id")).await).unwrap();
    assert_eq!(apps, ["cli_mock", "cli_mock_noscope"]);
    let user = b
        .eval(&format!(
            "[...document.querySelector('tr[data-open-id={}]').cells].map(c => c.textContent)",
            json!(USER_OPEN_ID)
        ))
        .await;
    assert_eq!(
        user,
        json!([
            USER_OPEN_ID,
            "3e4b9d1a",
            "on_94a1ee5551019f18cd73d9f111898cf2",
            "Mock User"
        ])
    );
    let tokens: Vec<String> = serde_json::from_value(b.eval(&texts("td.token")).await).unwrap();
    for want in [shortened(&made.minted), shortened(&made.plugin)] {
        assert!(tokens.contains(&want), "{want} not among {tokens:?}");
    }
    let minted_row = b
        .eval(&format!(
            "[...[...document.querySelectorAll('td.token')].find(t => t.textContent === {}).parentElement.cells].slice(1, 3).map(c => c.textContent)",
            json!(shortened(&made.minted))
        ))
        .await;
    assert_eq!(minted_row, json!(["tenant", "cli_mock"]));
    for whole in [&made.minted, &made.plugin, TENANT_TOKEN] {
        assert_eq!(
            b.eval(&format!(
                "document.documentElement.outerHTML.includes({})",
                json!(whole)
            ))
            .await,
            json!(false),
            "a whole token is in the DOM"
        );
    }
    let drive_row =
        "document.querySelector('tr[data-app=\"cli_mock\"][data-endpoint=\"drive.media.upload_all\"]')";
    assert_eq!(
        b.eval(&format!(
            "{drive_row}.querySelector('td.q-day').textContent"
        ))
        .await,
        json!("2 / 10000"),
        "two Drive uploads counted today"
    );
    let second = b
        .eval(&format!(
            "{drive_row}.querySelector('td.q-second').textContent"
        ))
        .await;
    assert!(
        ["0 / 5", "1 / 5", "2 / 5"].contains(&second.as_str().unwrap()),
        "this second: {second}"
    );
    let task_row = "document.querySelector('tr[data-app=\"cli_mock\"][data-endpoint=\"task.attachment.upload\"]')";
    assert_eq!(
        b.eval(&format!("{task_row}.querySelector('td.q-day').textContent"))
            .await,
        json!("—"),
        "Task has no daily limit"
    );
    b.screenshot(&shots.join("world-laptop.png")).await;

    // Tasks: the uploaded name, the XSS name as text.
    b.goto(&format!("{base}/__mock/ui/tasks")).await;
    let names: Vec<String> = serde_json::from_value(
        b.eval(&texts(&format!(
            "section.task[data-task=\"{TASK}\"] td.name"
        )))
        .await,
    )
    .unwrap();
    assert_eq!(names, [TASK_NAME, XSS_NAME], "upload order, as text");
    assert_eq!(
        b.eval("document.querySelectorAll('img').length").await,
        json!(0),
        "the XSS name made no element"
    );
    assert_eq!(
        b.eval(&format!(
            "document.querySelector('tr[data-guid={}] a.download').getAttribute('download')",
            json!(made.xss_guid)
        ))
        .await,
        json!(XSS_NAME)
    );
    b.screenshot(&shots.join("tasks-laptop.png")).await;

    // Project: the field with its count against 50.
    b.goto(&format!("{base}/__mock/ui/project")).await;
    let field = format!(
        "document.querySelector('article.field[data-project-key=\"{PROJECT_KEY}\"][data-work-item-id=\"{WORK_ITEM}\"][data-field=\"field_attachment\"]')"
    );
    assert_eq!(
        b.eval(&format!("{field}.querySelector('dd.count').textContent"))
            .await,
        json!("1/50")
    );
    assert_eq!(
        b.eval(&format!("{field}.querySelector('dd.type-key').textContent"))
            .await,
        json!("story")
    );
    assert_eq!(
        b.eval(&format!("{field}.querySelector('td.name').textContent"))
            .await,
        json!("spec.pdf")
    );
    b.screenshot(&shots.join("project-laptop.png")).await;

    // The nav reaches them; at phone width nothing scrolls sideways.
    b.viewport(390, 844, true).await;
    for page in ["tasks", "project", "controls"] {
        b.goto(&format!("{base}/__mock/ui/{page}")).await;
        assert_eq!(
            b.eval("document.querySelector('nav a[aria-current=\"page\"]').getAttribute('href')")
                .await,
            json!(format!("/__mock/ui/{page}"))
        );
        let fits = b
            .eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
            .await;
        assert_eq!(fits, json!(true), "{page} overflows at phone width");
        let name = if page == "controls" { "world" } else { page };
        b.screenshot(&shots.join(format!("{name}-phone.png"))).await;
    }
    assert!(b.dialogs().is_empty(), "a dialog opened: {:?}", b.dialogs());
}

#[tokio::test]
async fn the_world_page_shows_at_most_200_tokens_of_a_kind_and_says_so() {
    let server = common::server().await;
    let url = format!("{}/__mock/ui/controls", server.url());
    let plugin_rows = |page: &str| {
        page.matches("<td class=\"kind\" data-label=\"kind\">plugin</td>")
            .count()
    };
    for _ in 0..200 {
        plugin_token(&server).await;
    }
    let page = get(&url).await.text;
    assert_eq!(plugin_rows(&page), 200, "200 live plugin tokens: all shown");
    assert!(
        !page.contains("at most 200 of each kind"),
        "nothing held back"
    );
    plugin_token(&server).await;
    let page = get(&url).await.text;
    assert_eq!(plugin_rows(&page), 200, "the 201st is not shown");
    assert!(
        page.contains("at most 200 of each kind"),
        "the page says it holds some back"
    );
}
