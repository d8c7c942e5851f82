//! The Python package (`python/`, built by maturin with `bindings = "bin"`) and the suite that
//! runs on its pytest plugin.
//!
//! The wheel is built once per run into `target/wheels/test/` by maturin (installed from PyPI
//! into `target/py-build`), from this crate's dev profile with the binary stripped, so it
//! reuses what `cargo test` has just compiled. Then:
//!
//! - `tests/python/` (pytest, the official Python SDK `lark-oapi` 1.7.5) runs in
//!   `target/py-venv` with the wheel installed: every test gets the plugin's `feishu_mock`
//!   fixture, whose emulator is the wheel's own binary;
//! - a fresh venv gets only `pip install <wheel> lark-oapi pytest`, and a ten-line user test
//!   using nothing but the fixture uploads and reads the journal.
//!
//! Everything is installed by this file on first run, so `cargo test` alone runs it on a
//! machine with Python 3 (with venv) and access to PyPI.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const MATURIN: &str = "maturin==1.16.0";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn host_python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} cannot run: {e}"));
    assert!(
        out.status.success(),
        "{:?} failed:\n{}\n{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn pip(python: &Path) -> Command {
    let mut cmd = Command::new(python);
    cmd.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]);
    cmd
}

/// A venv at `dir` (created when missing) whose `marker` file holds `wanted` after `install`
/// ran once; returns its python.
fn venv(dir: &Path, wanted: &str, install: impl FnOnce(&Path)) -> PathBuf {
    let python = dir.join("bin").join("python");
    let marker = dir.join("feishu-mock.installed");
    if python.exists() && std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted) {
        return python;
    }
    if !python.exists() {
        run(Command::new(host_python()).arg("-m").arg("venv").arg(dir));
    }
    install(&python);
    std::fs::write(&marker, wanted).expect("marker written");
    python
}

fn sha256_of(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{:x}", Sha256::digest(&bytes))
}

/// Builds the wheel once per test binary and returns its path.
fn wheel() -> &'static Path {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let maturin_python = venv(&root().join("target").join("py-build"), MATURIN, |py| {
            run(pip(py).arg(MATURIN));
        });
        let out_dir = root().join("target").join("wheels").join("test");
        let _ = std::fs::remove_dir_all(&out_dir);
        run(Command::new(maturin_python.with_file_name("maturin"))
            .args(["build", "--strip", "--quiet", "--out"])
            .arg(&out_dir)
            .current_dir(root().join("python")));
        let wheel = std::fs::read_dir(&out_dir)
            .expect("wheel dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "whl"))
            .expect("maturin wrote a wheel");
        wheel
    })
}

/// `target/py-venv`: `tests/python/requirements.txt` plus the wheel, reinstalled only when
/// either changed.
fn suite_venv() -> PathBuf {
    let requirements = root().join("tests").join("python").join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).expect("requirements.txt");
    let wheel = wheel();
    let dir = root().join("target").join("py-venv");
    // Requirements first (slow, rarely changes), then the wheel (fast, changes with the code).
    let python = venv(&dir, &wanted, |py| {
        run(pip(py).arg("-r").arg(&requirements));
    });
    let wheel_marker = dir.join("feishu-mock.wheel");
    let wheel_hash = sha256_of(wheel);
    if std::fs::read_to_string(&wheel_marker).ok() != Some(wheel_hash.clone()) {
        run(pip(&python)
            .args(["--force-reinstall", "--no-deps"])
            .arg(wheel));
        std::fs::write(&wheel_marker, wheel_hash).expect("marker written");
    }
    python
}

fn pytest(python: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .args(args)
        .current_dir(dir)
        // The plugin must start its own emulator, with the wheel's binary.
        .env_remove("FEISHU_MOCK_URL")
        .env_remove("FEISHU_MOCK_BIN")
        .output()
        .expect("pytest runs")
}

fn assert_passed(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    assert!(out.status.success(), "pytest failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("passed"), "pytest ran no test:\n{stdout}");
    stdout
}

#[test]
fn official_python_sdk_suite_passes_on_the_wheels_pytest_fixture() {
    let python = suite_venv();
    let out = pytest(&python, &root(), &["tests/python"]);
    let stdout = assert_passed(&out);
    assert!(!stdout.contains("skipped"), "{stdout}");
}

/// The user's side of the issue: nothing but `pip install` of the wheel, the SDK and pytest.
const USER_TEST: &str = r#"import io, lark_oapi as lark
from lark_oapi.api.drive.v1 import UploadAllMediaRequest, UploadAllMediaRequestBody

def test_upload(feishu_mock):
    client = lark.Client.builder().app_id(feishu_mock.app_id).app_secret(feishu_mock.app_secret).domain(feishu_mock.url).build()
    body = (UploadAllMediaRequestBody.builder().file_name("a.txt").parent_type("doc_file")
            .parent_node("doccnFivLCfJfblZjGZtxgabcef").size(5).file(io.BytesIO(b"hello")).build())
    resp = client.drive.v1.media.upload_all(UploadAllMediaRequest.builder().request_body(body).build())
    assert resp.success(), resp.msg
    assert feishu_mock.requests(endpoint="drive.media.upload_all")[0]["code"] == 0
"#;

#[test]
fn a_fresh_venv_with_only_the_wheel_sdk_and_pytest_runs_a_ten_line_fixture_test() {
    assert_eq!(USER_TEST.lines().count(), 10);
    let wheel = wheel();
    let dir = root().join("target").join("py-fresh-venv");
    let _ = std::fs::remove_dir_all(&dir);
    // The host's pip installs into the new venv (`--python`): ensurepip would add ~9 s, and
    // byte-compiling lark_oapi's thousands of modules ~20 s more, for nothing this test proves.
    run(Command::new(host_python())
        .args(["-m", "venv", "--without-pip"])
        .arg(&dir));
    let python = dir.join("bin").join("python");
    run(Command::new(host_python())
        .args(["-m", "pip", "--python"])
        .arg(&python)
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
        ])
        .arg(wheel)
        .args(["lark-oapi==1.7.5", "pytest==8.3.3"]));
    assert!(
        dir.join("bin").join("feishu-mock").is_file(),
        "the wheel puts feishu-mock on the venv's PATH"
    );
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(project.path().join("test_upload.py"), USER_TEST).expect("test file");
    let out = pytest(&python, project.path(), &[]);
    let stdout = assert_passed(&out);
    assert!(stdout.contains("1 passed"), "{stdout}");
}
