//! The binary: `feishu-mock serve` prints its address first, takes flags and env vars, loads
//! `--world` files, and shuts down gracefully on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_feishu-mock");

/// Starts the binary and returns it with the first stdout line. Its request log (stderr) is
/// discarded unless the command already set stderr.
fn start(cmd: &mut Command) -> (Child, String) {
    start_logging(cmd.stderr(Stdio::null()))
}

/// Like [`start`], keeping stderr as the command set it.
fn start_logging(cmd: &mut Command) -> (Child, String) {
    let mut child = cmd.stdout(Stdio::piped()).spawn().expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("first line");
    (child, line.trim_end().to_string())
}

fn url_of(line: &str) -> String {
    line.strip_prefix("feishu-mock listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_string()
}

fn stop(mut child: Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().expect("exits")
}

#[tokio::test]
async fn serve_port_0_prints_exactly_the_listening_line_first_and_serves_the_seed_curl_example() {
    let (child, line) = start(Command::new(BIN).args(["serve", "--port", "0"]));
    let re = regex::Regex::new(r"^feishu-mock listening on http://127\.0\.0\.1:\d+$").unwrap();
    assert!(re.is_match(&line), "{line}");
    let url = url_of(&line);
    let form = common::RawForm::new()
        .text("file_name", "demo.jpeg")
        .text("parent_type", "doc_image")
        .text("parent_node", "doccnFivLCfJfblZjGZtxgabcef")
        .text("size", "1024")
        .file("file", Some("demo.jpeg"), Some("image/jpeg"), &[0u8; 1024]);
    let resp = common::post_form(
        &format!("{url}/open-apis/drive/v1/medias/upload_all"),
        Some(common::TENANT_TOKEN),
        &form,
    )
    .await;
    assert_eq!(resp.code(), 0, "{}", resp.text);
    assert!(
        stop(child).success(),
        "SIGTERM is a graceful, successful exit"
    );
}

#[tokio::test]
async fn port_and_host_are_settable_by_environment_variables() {
    let (child, line) = start(
        Command::new(BIN)
            .arg("serve")
            .env("FEISHU_MOCK_PORT", "0")
            .env("FEISHU_MOCK_HOST", "127.0.0.1"),
    );
    let url = url_of(&line);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":8080"), "port 0 takes a free port: {url}");
    stop(child);
}

#[tokio::test]
async fn world_file_replaces_the_default_world() {
    let dir = std::env::temp_dir().join(format!("feishu-mock-world-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("world.json");
    std::fs::write(
        &path,
        r#"{"apps":[{"app_id":"cli_other","app_secret":"s3cret","scopes":["drive:drive"]}]}"#,
    )
    .unwrap();
    let (child, line) = start(
        Command::new(BIN)
            .args(["serve", "--port", "0", "--world"])
            .arg(&path),
    );
    let url = url_of(&line);
    let token_url = format!("{url}/open-apis/auth/v3/tenant_access_token/internal");
    let other = common::post_json(
        &token_url,
        None,
        &serde_json::json!({"app_id": "cli_other", "app_secret": "s3cret"}),
    )
    .await;
    assert_eq!(other.code(), 0);
    let default_app = common::post_json(
        &token_url,
        None,
        &serde_json::json!({"app_id": "cli_mock", "app_secret": "mock-secret"}),
    )
    .await;
    assert_eq!(default_app.code(), 10003, "the default world is not loaded");
    stop(child);
}

#[test]
fn an_invalid_world_file_is_refused_at_start_up() {
    let path = std::env::temp_dir().join(format!("feishu-mock-bad-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"appz": []}"#).unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--world"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot load world"));
}

#[tokio::test]
async fn the_same_seed_issues_the_same_tokens_run_to_run() {
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let (child, line) = start(Command::new(BIN).args(["serve", "--port", "0", "--seed", "7"]));
        let url = url_of(&line);
        let resp = common::post_json(
            &format!("{url}/open-apis/auth/v3/tenant_access_token/internal"),
            None,
            &serde_json::json!({"app_id": "cli_mock", "app_secret": "mock-secret"}),
        )
        .await;
        tokens.push(
            resp.json()["tenant_access_token"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        stop(child);
    }
    assert_eq!(tokens[0], tokens[1]);
}

#[tokio::test]
async fn log_format_json_writes_one_line_per_request_without_tokens() {
    let (child, line) = start_logging(
        Command::new(BIN)
            .args(["serve", "--port", "0", "--log-format", "json"])
            .stderr(Stdio::piped()),
    );
    let url = url_of(&line);
    let resp = common::post_json(
        &format!("{url}/open-apis/auth/v3/tenant_access_token/internal"),
        None,
        &serde_json::json!({"app_id": "cli_mock", "app_secret": "mock-secret"}),
    )
    .await;
    let log_id = resp.header("x-tt-logid").unwrap();
    let token = resp.json()["tenant_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut child = child;
    let stderr = child.stderr.take().unwrap();
    stop(child);
    let text = std::io::read_to_string(stderr).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    let entry = &lines[0];
    assert_eq!(entry["method"], "POST");
    assert_eq!(
        entry["path"],
        "/open-apis/auth/v3/tenant_access_token/internal"
    );
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["code"], 0);
    assert!(entry["duration_ms"].is_number());
    assert_eq!(entry["log_id"], log_id.as_str());
    assert!(!text.contains(&token) && !text.contains("mock-secret"));
}

#[tokio::test]
async fn no_rate_limits_flag_lets_more_than_5_drive_uploads_through_in_a_second() {
    let (child, line) = start(Command::new(BIN).args(["serve", "--port", "0", "--no-rate-limits"]));
    let url = url_of(&line);
    for _ in 0..7 {
        let form = common::RawForm::new()
            .text("file_name", "a")
            .text("parent_type", "doc_file")
            .text("parent_node", "doccnFivLCfJfblZjGZtxgabcef")
            .text("size", "1")
            .file("file", None, None, b"x");
        let resp = common::post_form(
            &format!("{url}/open-apis/drive/v1/medias/upload_all"),
            Some(common::TENANT_TOKEN),
            &form,
        )
        .await;
        assert_eq!(resp.code(), 0, "{}", resp.text);
    }
    stop(child);
}
