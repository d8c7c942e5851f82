//! The architecture as a rule: `src/` is six layers, and imports run downward only —
//! contract → recording → state → families → control → http, with the command modules (`cli`,
//! `proxy`, `parity`) above them all (lib.rs `# Layout`). A module may import its
//! own layer and the layers below it; a family never imports another family. This test reads
//! every `crate::` path in `src/` (no tool beyond the standard library) and fails, naming the
//! file and line, on any import that runs back up or across families.

use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: &[&str] = &[
    "contract",
    "recording",
    "state",
    "families",
    "control",
    "http",
];

/// Modules above every layer: the commands, which drive the whole emulator. No layer may
/// import them.
const TOP: &[&str] = &["cli", "proxy", "parity"];

fn rank(layer: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|l| *l == layer)
        .or_else(|| TOP.contains(&layer).then_some(LAYERS.len()))
}

/// The name of a rank, for messages.
fn layer_name(rank: usize) -> &'static str {
    LAYERS.get(rank).copied().unwrap_or("top")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// (layer, family) of a file below `src/`: `src/families/okr/image.rs` → ("families", "okr").
fn place_of(rel: &Path) -> (Option<String>, Option<String>) {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    let layer = parts.first().cloned();
    let family = match (parts.first().map(String::as_str), parts.get(1)) {
        (Some("families"), Some(f)) if parts.len() > 2 => Some(f.clone()),
        _ => None,
    };
    (layer, family)
}

/// Every (line number, layer, family) a `crate::…` path in `text` names, outside comments.
fn crate_paths(text: &str) -> Vec<(usize, String, Option<String>)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let segs: Vec<&str> = after
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or("")
                .split("::")
                .collect();
            let layer = segs.first().copied().unwrap_or("").to_string();
            let family = (layer == "families")
                .then(|| segs.get(1).map(|s| s.to_string()))
                .flatten();
            found.push((n + 1, layer, family));
            rest = after;
        }
    }
    found
}

/// Family modules (folders under `src/families/`).
fn families(src: &Path) -> Vec<String> {
    std::fs::read_dir(src.join("families"))
        .expect("src/families")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect()
}

#[test]
fn imports_run_downward_only_and_no_family_imports_another() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let family_names = families(&src);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).expect("below src");
        let (layer, family) = place_of(rel);
        let Some(own) = layer.as_deref().and_then(rank) else {
            // lib.rs, main.rs: above every layer.
            continue;
        };
        let text = std::fs::read_to_string(file).expect("readable");
        for (line, target, target_family) in crate_paths(&text) {
            checked += 1;
            let Some(to) = rank(&target) else {
                wrong.push(format!(
                    "{}:{line}: crate::{target} is no layer",
                    rel.display()
                ));
                continue;
            };
            if to > own {
                wrong.push(format!(
                    "{}:{line}: {} imports crate::{target}, a layer above it",
                    rel.display(),
                    layer_name(own)
                ));
            }
            if let (Some(from), Some(to_family)) = (&family, &target_family) {
                if from != to_family && family_names.contains(to_family) {
                    wrong.push(format!(
                        "{}:{line}: family {from} imports family {to_family}",
                        rel.display()
                    ));
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} crate:: paths found: is src/ laid out as expected?"
    );
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_layer_check_catches_an_upward_and_a_sideways_import() {
    // The check itself: a state file naming a family, and a family naming another.
    let up = crate_paths("use crate::families::okr::OkrState;");
    assert_eq!(
        up,
        vec![(1, "families".to_string(), Some("okr".to_string()))]
    );
    assert!(rank("families") > rank("state"));
    let (layer, family) = place_of(Path::new("families/task/upload.rs"));
    assert_eq!(
        (layer.as_deref(), family.as_deref()),
        (Some("families"), Some("task"))
    );
    assert!(crate_paths("// use crate::http::pipeline;").is_empty());
    // The recording format sits low; the proxy and the parity runner above everything.
    assert!(rank("recording") < rank("state"));
    assert!(rank("proxy") > rank("http") && rank("parity") > rank("http"));
    assert_eq!(
        place_of(Path::new("proxy/tee.rs")).0.as_deref(),
        Some("proxy")
    );
    assert_eq!(place_of(Path::new("families/mod.rs")).1, None);
}
