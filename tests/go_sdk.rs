//! Runs the Go suites against this crate's `feishu-mock` binary with `go test`:
//!
//! - `tests/go/`: the official Go SDK of the open platform (`github.com/larksuite/oapi-sdk-go/v3`,
//!   pinned in `tests/go/go.mod` and `go.sum`) driving every endpoint it has a typed call for,
//!   and Feishu Project on the wire format of `project-oapi-sdk-golang` (see
//!   `tests/go/project_wire_test.go`), each test on its own emulator started by the helper;
//! - `tests/go-project/`: Feishu Project's official Go SDK
//!   (`github.com/larksuite/project-oapi-sdk-golang` v1.0.25, pinned in its `go.mod` and
//!   `go.sum`) driving every Project call it has a typed call for. When
//!   `FEISHU_MOCK_PROJECT_SDK_DIR` names a checkout of the SDK's tag v1.0.25, the suite runs on
//!   it through a `go.work` written to `target/go-project/` (a `replace` of the module by that
//!   directory; the committed `go.mod` is left as it is). Otherwise the module comes from the Go
//!   module proxy; a proxy that refuses it (HTTP 403, 404 or 410, as `proxy.golang.org` answers
//!   `403 This module version is not available` for every version) makes the test print one
//!   `SKIPPED` line and pass, `CI=true` included: the registry, not the machine, lacks it;
//! - `go/feishumock/`: the `go test` helper itself (`feishumock.Start(t)`), whose own tests
//!   prove its failure messages and bounded waits.
//!
//! Modules are downloaded through the Go module proxy into `target/go/` on first run (the
//! module cache, the build cache, GOPATH and Go's config directory all live there, so nothing
//! lands outside `target/`). Without `go` on PATH (or `$GO`) the test prints a `SKIPPED` line
//! and passes, except under `CI=true`, where a missing Go fails it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// A `go` command in `dir` with every Go cache under `target/go/`, no `go.work` unless
/// `env` names one, and the binary under test in `FEISHU_MOCK_BIN`.
fn go_command(dir: &Path, env: &[(&str, OsString)]) -> Command {
    let cache = root().join("target").join("go");
    let mut cmd = Command::new(go_binary());
    cmd.current_dir(dir)
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
        .env("GOWORK", "off");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// `go test -count=1 ./...` in `dir` (see [`go_command`]); returns stdout.
fn go_test(dir: &Path, env: &[(&str, OsString)]) -> String {
    let out = go_command(dir, env)
        .args(["test", "-count=1", "-timeout=5m", "./..."])
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
    let stdout = go_test(&root().join("tests").join("go"), &[]);
    assert_ran(&stdout, "github.com/feishu-mock/feishu-mock/tests/go");
}

#[test]
fn go_test_helper_passes_its_own_tests() {
    if !go_available("go_test_helper_passes_its_own_tests") {
        return;
    }
    let stdout = go_test(&root().join("go").join("feishumock"), &[]);
    assert_ran(&stdout, "github.com/feishu-mock/feishu-mock/go/feishumock");
}

/// Feishu Project's official Go SDK, as `tests/go-project/go.mod` pins it.
const PROJECT_SDK: &str = "github.com/larksuite/project-oapi-sdk-golang";
const PROJECT_SDK_VERSION: &str = "v1.0.25";
/// Names a checkout of [`PROJECT_SDK`] at [`PROJECT_SDK_VERSION`] to run the suite on.
const PROJECT_SDK_DIR_VAR: &str = "FEISHU_MOCK_PROJECT_SDK_DIR";

/// The `go.work` that runs `tests/go-project/` on the SDK checkout `sdk`, written to
/// `target/go-project/go.work`; the committed `go.mod` stays as it is.
fn project_sdk_workspace(suite: &Path, sdk: &Path) -> PathBuf {
    let sdk = sdk
        .canonicalize()
        .unwrap_or_else(|e| panic!("{PROJECT_SDK_DIR_VAR}={}: {e}", sdk.display()));
    let go_mod = std::fs::read_to_string(sdk.join("go.mod")).unwrap_or_default();
    assert!(
        go_mod
            .lines()
            .any(|l| l.trim() == format!("module {PROJECT_SDK}")),
        "{PROJECT_SDK_DIR_VAR}={}: no go.mod of module {PROJECT_SDK} there",
        sdk.display()
    );
    let dir = root().join("target").join("go-project");
    std::fs::create_dir_all(&dir).expect("target/go-project");
    let work = dir.join("go.work");
    let text = format!(
        "go 1.23\n\nuse {}\n\nreplace {PROJECT_SDK} {PROJECT_SDK_VERSION} => {}\n",
        suite.display(),
        sdk.display()
    );
    std::fs::write(&work, text).expect("go.work written");
    work
}

/// The HTTP status with which the module proxy refused the SDK (403, 404 or 410), or `None`
/// when `go mod download` got it. Any other failure (no network, a checksum mismatch) fails.
fn proxy_refusal(out: &Output) -> Option<u16> {
    if out.status.success() {
        return None;
    }
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let status = [403u16, 404, 410].into_iter().find(|s| {
        text.contains(&format!(
            "{PROJECT_SDK}/@v/{PROJECT_SDK_VERSION}.info: {s} "
        )) || text.contains(&format!("{PROJECT_SDK}/@v/{PROJECT_SDK_VERSION}.mod: {s} "))
            || text.contains(&format!("{PROJECT_SDK}/@v/{PROJECT_SDK_VERSION}.zip: {s} "))
    });
    assert!(
        status.is_some(),
        "go mod download {PROJECT_SDK}@{PROJECT_SDK_VERSION} failed for another reason than \
         the proxy refusing it:\n{text}"
    );
    status
}

#[test]
fn feishu_project_go_sdk_suite_passes_against_the_binary() {
    if !go_available("feishu_project_go_sdk_suite_passes_against_the_binary") {
        return;
    }
    let suite = root().join("tests").join("go-project");
    let env: Vec<(&str, OsString)> =
        match std::env::var_os(PROJECT_SDK_DIR_VAR).filter(|v| !v.is_empty()) {
            Some(sdk) => vec![(
                "GOWORK",
                project_sdk_workspace(&suite, Path::new(&sdk)).into(),
            )],
            None => {
                let out = go_command(&suite, &[])
                    .args(["mod", "download", "-json", PROJECT_SDK])
                    .output()
                    .expect("go mod download runs");
                if let Some(status) = proxy_refusal(&out) {
                    let proxy = go_command(&suite, &[])
                        .args(["env", "GOPROXY"])
                        .output()
                        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                        .unwrap_or_default();
                    println!(
                    "SKIPPED: Feishu Project Go SDK: {PROJECT_SDK}@{PROJECT_SDK_VERSION} is not \
                     served by {proxy} ({status}); set {PROJECT_SDK_DIR_VAR} to a checkout of \
                     its tag {PROJECT_SDK_VERSION}"
                );
                    return;
                }
                vec![]
            }
        };
    let stdout = go_test(&suite, &env);
    assert_ran(
        &stdout,
        "github.com/feishu-mock/feishu-mock/tests/go-project",
    );
}
