//! Python virtual environments under `target/` for the suites that drive real Python tools: made
//! on first use with the host's `python3` (or `$PYTHON`), filled from a pinned requirements file,
//! and made again only when that file changes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `cmd`, panicking with its output when it fails.
pub fn run_ok(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} does not run: {e}"));
    assert!(
        out.status.success(),
        "{:?} failed:\n{}\n{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The venv `target/<name>` holding `requirements` (a path below the crate), created or
/// refreshed as needed; returns its `bin/` directory.
pub fn ensure(name: &str, requirements: &Path) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target").join(name);
    let bin = venv.join("bin");
    let wanted = std::fs::read_to_string(root.join(requirements)).expect("requirements file");
    let marker = venv.join("requirements.installed");
    if bin.join("python").exists()
        && std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str())
    {
        return bin;
    }
    if !bin.join("python").exists() {
        let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run_ok(Command::new(host).arg("-m").arg("venv").arg(&venv));
    }
    run_ok(
        Command::new(bin.join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(root.join(requirements)),
    );
    std::fs::write(&marker, wanted).expect("marker written");
    bin
}
