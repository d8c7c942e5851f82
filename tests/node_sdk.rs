//! Runs the Node suite in `tests/node/` — the official `@larksuiteoapi/node-sdk` (pinned in
//! `tests/node/package.json` and its lock) driving every endpoint it has a typed call for —
//! with node's own test runner, against this crate's `feishu-mock` binary, which each test file
//! starts on port 0, waits on, and resets before each test (`tests/node/emulator.js`, the
//! README's Node recipe).
//!
//! The SDK is installed with `npm ci` into `target/node-sdk/` on first run, and again whenever
//! the lock file changes, so `cargo test` alone runs it on a machine with Node.js ≥ 18 and npm.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn test_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/node")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".test.js"))
        .collect();
    files.sort();
    files
}

#[test]
fn official_node_sdk_suite_passes_against_the_binary() {
    let modules = common::node::ensure("node-sdk");
    let files = test_files(&root().join("tests").join("node"));
    assert!(files.len() >= 4, "test files: {files:?}");
    let out = Command::new("node")
        .arg("--test")
        .args(&files)
        .current_dir(root())
        .env("NODE_PATH", &modules)
        .env("FEISHU_MOCK_BIN", env!("CARGO_BIN_EXE_feishu-mock"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    assert!(
        out.status.success(),
        "node --test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("\n# fail 0"), "{stdout}");
    assert!(!stdout.contains("\n# pass 0"), "no test ran:\n{stdout}");
}
