//! Runs the Java suite in `tests/java/` — the official `com.larksuite.oapi:oapi-sdk` (pinned in
//! `tests/java/sdk/pom.xml`) driving every endpoint it has a typed call for, on the JUnit 5
//! extension of `java/feishu-mock-junit/` (built and tested in the same Maven reactor) — against
//! this crate's `feishu-mock` binary, which the extension starts on port 0 per test class.
//!
//! `mvn -B -q test` keeps everything under `target/`: the Maven repository in `target/m2`
//! (`-Dmaven.repo.local`, filled from Maven Central on the first run and reused afterwards) and
//! the build output in `target/java/<module>` (`-DfeishuMock.buildRoot`). Without `mvn` or
//! `java` on the machine it prints a `SKIPPED` line and passes; under `CI=true` it fails instead.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Why the suite cannot run here, printed as it skips; `CI=true` turns it into a failure.
fn skip(why: &str) {
    let required = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(!required, "the Java suite needs Maven and a JDK: {why}");
    // Straight to stderr, past the harness's capture, so the skip shows in `cargo test`.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED official_java_sdk_suite_passes_against_the_binary: {why}"
    );
}

/// Whether `cmd -version`-style probing runs at all.
fn runs(program: &str, arg: &str) -> Result<(), String> {
    match Command::new(program).arg(arg).output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!("`{program} {arg}` exited with {}", out.status)),
        Err(e) => Err(format!("`{program}` cannot run: {e}")),
    }
}

/// Every `TEST-*.xml` under `build_root/*/surefire-reports`.
fn reports(build_root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for module in std::fs::read_dir(build_root)
        .into_iter()
        .flatten()
        .flatten()
    {
        let dir = module.path().join("surefire-reports");
        for f in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if name.starts_with("TEST-") && name.ends_with(".xml") {
                found.push(f.path());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn official_java_sdk_suite_passes_against_the_binary() {
    if let Err(why) = runs("java", "-version").and_then(|()| runs("mvn", "-v")) {
        skip(&why);
        return;
    }
    let target = root().join("target");
    let build_root = target.join("java");
    // Reports of an earlier run must not count for this one.
    for module in std::fs::read_dir(&build_root)
        .into_iter()
        .flatten()
        .flatten()
    {
        let _ = std::fs::remove_dir_all(module.path().join("surefire-reports"));
    }
    let out = Command::new("mvn")
        .args(["-B", "-q", "--no-transfer-progress"])
        .arg(format!(
            "-Dmaven.repo.local={}",
            target.join("m2").display()
        ))
        .arg(format!("-DfeishuMock.buildRoot={}", build_root.display()))
        .arg("test")
        .current_dir(root().join("tests").join("java"))
        .env("FEISHU_MOCK_BIN", env!("CARGO_BIN_EXE_feishu-mock"))
        // The suite starts its own emulators; a developer's running one is not for it.
        .env_remove("FEISHU_MOCK_URL")
        .output()
        .expect("mvn runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "mvn test failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let mut total = (0, 0, 0, 0);
    let files = reports(&build_root);
    for f in &files {
        let (t, fl, e, s) =
            common::junit::testsuite_counts(&std::fs::read_to_string(f).expect("report"));
        total = (total.0 + t, total.1 + fl, total.2 + e, total.3 + s);
    }
    let (tests, failures, errors, skipped) = total;
    println!(
        "java: {} passed, {} failed, {skipped} skipped",
        tests - failures - errors - skipped,
        failures + errors
    );
    assert_eq!(failures + errors, 0, "{files:?}");
    // Both modules ran: the extension's own tests and the SDK suite, one report per class.
    assert!(files.len() >= 9, "surefire reports: {files:?}");
    assert!(tests >= 60, "only {tests} tests ran: {files:?}");
}

#[test]
fn surefire_counts_are_read_from_the_testsuite_element() {
    let xml = r#"<?xml version="1.0"?><testsuites><testsuite xmlns:x="y" name="a.B" time="1" tests="8" errors="1" skipped="2" failures="3"><properties/></testsuite></testsuites>"#;
    assert_eq!(common::junit::testsuite_counts(xml), (8, 3, 1, 2));
    assert_eq!(common::junit::testsuite_counts("<other/>"), (0, 0, 0, 0));
}
