//! `feishu-mock health`, the container's HEALTHCHECK: exit 0 when `GET /__mock/health` answers
//! 200, 1 otherwise, on the port `serve` reads from `FEISHU_MOCK_PORT`; and `serve` as the image
//! runs it, on `FEISHU_MOCK_HOST=0.0.0.0`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_feishu-mock");

/// `serve` configured only by the image's environment variables; returns it and its port.
fn serve_as_the_image_does() -> (Child, u16) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("FEISHU_MOCK_HOST", "0.0.0.0")
        .env("FEISHU_MOCK_PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("first line");
    let port = line
        .trim_end()
        .strip_prefix("feishu-mock listening on http://0.0.0.0:")
        .unwrap_or_else(|| panic!("not listening on 0.0.0.0: {line}"))
        .parse()
        .expect("port");
    (child, port)
}

fn health(args: &[&str], port_env: Option<u16>) -> (bool, String) {
    let mut cmd = Command::new(BIN);
    cmd.arg("health").args(args).env_clear();
    if let Some(port) = port_env {
        cmd.env("FEISHU_MOCK_PORT", port.to_string());
    }
    let out = cmd.output().expect("health runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[test]
fn health_follows_feishu_mock_port_and_exits_0_while_serving_on_0_0_0_0() {
    let (child, port) = serve_as_the_image_does();
    assert_eq!(health(&[], Some(port)), (true, String::new()));
    assert!(health(&["--port", &port.to_string()], None).0);
    assert!(health(&["--url", &format!("http://127.0.0.1:{port}")], None).0);
    assert!(health(&["--url", &format!("http://localhost:{port}/")], None).0);
    stop(child);
}

#[test]
fn health_exits_1_naming_the_address_when_nothing_listens() {
    let (child, port) = serve_as_the_image_does();
    stop(child);
    let (ok, stderr) = health(&[], Some(port));
    assert!(!ok);
    assert!(
        stderr.starts_with(&format!("feishu-mock health: 127.0.0.1:{port}: ")),
        "{stderr}"
    );
}

#[test]
fn health_exits_1_when_the_port_answers_something_other_than_200() {
    // A listener that answers every request with 503, as a server that is up but not ready.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    });
    let (ok, stderr) = health(&["--port", &port.to_string()], None);
    server.join().unwrap();
    assert!(!ok);
    assert!(stderr.contains("503"), "{stderr}");
}
