//! The official Node SDK for the suites that run JavaScript: `npm ci` of `tests/node/`'s pinned
//! `package.json` and `package-lock.json` into `target/<name>`, done again only when either
//! file changes.

use super::venv::run_ok;
use std::path::PathBuf;
use std::process::Command;

/// `target/<name>/node_modules` holding the SDK `tests/node/package-lock.json` pins.
pub fn ensure(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let suite = root.join("tests").join("node");
    let dir = root.join("target").join(name);
    let lock = std::fs::read_to_string(suite.join("package-lock.json")).expect("lock file");
    let manifest = std::fs::read_to_string(suite.join("package.json")).expect("package.json");
    let wanted = format!("{manifest}\n{lock}");
    let marker = dir.join("feishu-mock.installed");
    let modules = dir.join("node_modules");
    if modules.is_dir() && std::fs::read_to_string(&marker).ok().as_deref() == Some(&wanted) {
        return modules;
    }
    std::fs::create_dir_all(&dir).expect("target dir for node_modules");
    std::fs::write(dir.join("package.json"), &manifest).expect("package.json copied");
    std::fs::write(dir.join("package-lock.json"), &lock).expect("lock copied");
    run_ok(
        Command::new("npm")
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&dir),
    );
    std::fs::write(&marker, wanted).expect("marker written");
    modules
}
