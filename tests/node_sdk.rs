//! Runs the Node suite in `tests/node/` — the official `@larksuiteoapi/node-sdk` (pinned in
//! `tests/node/package.json` and its lock) driving every endpoint it has a typed call for —
//! with node's own test runner, against this crate's `feishu-mock` binary, which each test file
//! starts on port 0, waits on, and resets before each test (`tests/node/emulator.js`, the
//! README's Node recipe).
//!
//! The SDK is installed with `npm ci` into `target/node-sdk/` on first run, and again whenever
//! the lock file changes, so `cargo test` alone runs it on a machine with Node.js ≥ 18 and npm.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} cannot run (are node and npm installed?): {e}"));
    assert!(
        out.status.success(),
        "{:?} failed:\n{}\n{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `target/node-sdk/node_modules`, installed from the committed lock file.
fn node_modules() -> PathBuf {
    let suite = root().join("tests").join("node");
    let dir = root().join("target").join("node-sdk");
    let lock = std::fs::read_to_string(suite.join("package-lock.json")).expect("lock file");
    let manifest = std::fs::read_to_string(suite.join("package.json")).expect("package.json");
    let wanted = format!("{manifest}\n{lock}");
    let marker = dir.join("feishu-mock.installed");
    let modules = dir.join("node_modules");
    if modules.is_dir() && std::fs::read_to_string(&marker).ok().as_deref() == Some(&wanted) {
        return modules;
    }
    std::fs::create_dir_all(&dir).expect("target/node-sdk");
    std::fs::write(dir.join("package.json"), &manifest).expect("package.json copied");
    std::fs::write(dir.join("package-lock.json"), &lock).expect("lock copied");
    run(Command::new("npm")
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--loglevel=error",
        ])
        .current_dir(&dir));
    std::fs::write(&marker, wanted).expect("marker written");
    modules
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
    let modules = node_modules();
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
