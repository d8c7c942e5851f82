//! Runs the real-client suite in `tests/python/` — the official Python SDK `lark-oapi` 1.7.5
//! talking to a server of this crate — and fails with pytest's output when any test fails.
//!
//! The SDK is installed into a venv under `target/py-venv` on first run (and again whenever
//! `tests/python/requirements.txt` changes), so `cargo test` alone runs everything on a fresh
//! machine with Python 3 and access to PyPI.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Creates or refreshes `target/py-venv` and returns its python.
fn ensure_venv() -> PathBuf {
    let root = manifest_dir();
    let venv = root.join("target").join("py-venv");
    let python = venv.join("bin").join("python");
    let requirements = root.join("tests").join("python").join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).expect("requirements.txt");
    let marker = venv.join("requirements.installed");
    if python.exists() && std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str())
    {
        return python;
    }
    let ok = |cmd: &mut Command| {
        let out = cmd.output().expect("command runs");
        assert!(
            out.status.success(),
            "{:?} failed:\n{}\n{}",
            cmd,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    if !python.exists() {
        let host_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        ok(Command::new(host_python).arg("-m").arg("venv").arg(&venv));
    }
    ok(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements));
    std::fs::write(&marker, wanted).expect("marker written");
    python
}

fn run_pytest(python: &Path, url: &str) -> std::process::Output {
    Command::new(python)
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/python",
        ])
        .current_dir(manifest_dir())
        .env("FEISHU_MOCK_URL", url)
        .output()
        .expect("pytest runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdk_suite_passes_against_the_emulator() {
    let server = common::server().await;
    let url = server.url();
    let out = tokio::task::spawn_blocking(move || {
        let python = ensure_venv();
        run_pytest(&python, &url)
    })
    .await
    .expect("pytest task");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    assert!(out.status.success(), "pytest failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("passed"), "pytest ran no test:\n{stdout}");
}
