//! Runs the Go suites against this crate's `feishu-mock` binary with `go test`:
//!
//! - `tests/go/`: the official Go SDK of the open platform (`github.com/larksuite/oapi-sdk-go/v3`,
//!   pinned in `tests/go/go.mod` and `go.sum`) driving every endpoint it has a typed call for,
//!   and Feishu Project on the wire format of `project-oapi-sdk-golang` (see
//!   `tests/go/project_wire_test.go`), each test on its own emulator started by the helper;
//! - `go/feishumock/`: the `go test` helper itself (`feishumock.Start(t)`), whose own tests
//!   prove its failure messages and bounded waits.
//!
//! Modules are downloaded through the Go module proxy into `target/go/` on first run (the
//! module cache, the build cache, GOPATH and Go's config directory all live there, so nothing
//! lands outside `target/`). Without `go` on PATH (or `$GO`) the test prints a `SKIPPED` line
//! and passes, except under `CI=true`, where a missing Go fails it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn go_binary() -> String {
    std::env::var("GO").unwrap_or_else(|_| "go".into())
}

/// Whether `go version` runs; without it the test is skipped, or fails under `CI=true`.
fn go_available(test: &str) -> bool {
    let go = go_binary();
    let found = Command::new(&go)
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if found {
        return true;
    }
    let ci = std::env::var("CI").map(|v| v == "true").unwrap_or(false);
    assert!(
        !ci,
        "{test}: `{go} version` does not run, and CI=true requires the Go suites"
    );
    println!("SKIPPED {test}: `{go}` not found (install Go 1.23+ to run the Go SDK suites)");
    false
}

/// `go test -count=1 ./...` in `dir` with every Go cache under `target/go/`; returns stdout.
fn go_test(dir: &Path) -> String {
    let cache = root().join("target").join("go");
    let out = Command::new(go_binary())
        .args(["test", "-count=1", "-timeout=5m", "./..."])
        .current_dir(dir)
        .env("FEISHU_MOCK_BIN", env!("CARGO_BIN_EXE_feishu-mock"))
        .env_remove("FEISHU_MOCK_URL")
        .env("GOMODCACHE", cache.join("mod"))
        .env("GOCACHE", cache.join("build"))
        .env("GOPATH", cache.join("path"))
        // Go's env file and telemetry counters live in the user config directory.
        .env("XDG_CONFIG_HOME", cache.join("config"))
        // The module cache is read-only by default, which `cargo clean` cannot remove as a
        // user other than root.
        .env("GOFLAGS", "-modcacherw")
        // Run the Go on the machine (1.23 or newer, as the go.mod files ask); never download one.
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("go test runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    assert!(
        out.status.success(),
        "go test in {} failed:\n{stdout}\n{stderr}",
        dir.display()
    );
    stdout
}

/// Every package line is `ok`, and `package` is among them (so some test ran).
fn assert_ran(stdout: &str, package: &str) {
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains(package)),
        "no `ok` line for {package}:\n{stdout}"
    );
    assert!(
        !stdout.contains("no test files") && !stdout.contains("FAIL"),
        "{stdout}"
    );
}

#[test]
fn official_go_sdk_suite_passes_against_the_binary() {
    if !go_available("official_go_sdk_suite_passes_against_the_binary") {
        return;
    }
    let stdout = go_test(&root().join("tests").join("go"));
    assert_ran(&stdout, "github.com/feishu-mock/feishu-mock/tests/go");
}

#[test]
fn go_test_helper_passes_its_own_tests() {
    if !go_available("go_test_helper_passes_its_own_tests") {
        return;
    }
    let stdout = go_test(&root().join("go").join("feishumock"));
    assert_ran(&stdout, "github.com/feishu-mock/feishu-mock/go/feishumock");
}
