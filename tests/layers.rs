//! The architecture as a rule: `src/` is six layers, and imports run downward only —
//! contract → recording → state → families → control → http, with the command modules (`cli`,
//! `proxy`, `parity`) above them all (lib.rs `# Layout`). A module may import its
//! own layer and the layers below it; a family never imports another family. This test reads
//! every `crate::` path in `src/` (no tool beyond the standard library) and fails, naming the
//! file and line, on any import that runs back up or across families; and, inside each folder,
//! on any circle between its files and subfolders (`no_folder_holds_an_import_circle`).

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

// ---------------------------------------------------------------------------------------------
// Inside a folder, too, imports run one way.
//
// Each folder's graph has its children as nodes: its files other than `mod.rs`, and its
// subfolders (a subfolder stands for everything below it). `mod.rs` is the folder itself: it
// declares and assembles its children, and they use the interface it declares, so neither is
// an edge between siblings. An edge a → b exists when any file of a names a module of b: a
// `crate::…` path (one level of `{…}` is expanded), a `super::…` path, or a path through a name
// that a `use` brought in as a module. Test modules (`#[cfg(test)] mod tests`) are left out. A
// circle in any folder's graph fails the test, naming the folder and the files on it.

use std::collections::{BTreeMap, BTreeSet};

/// The module path of a file below `src/`: `control/ui/mod.rs` → [control, ui];
/// `http/flow.rs` → [http, flow]; `lib.rs`, `main.rs` → [].
fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// The longest prefix of `path` that is a module of `modules`.
fn resolve(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path of the form `head::a::b` (and `head::{a::b, c}`) in `code`, with `head` one of
/// `heads`, as (head, segments after it) — one entry per brace alternative.
fn paths_after(code: &str, heads: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let before = code[..i].chars().next_back();
        let starts_word = !before.is_some_and(|c| ident_char(c) || c == ':');
        let rest = &code[i..];
        let head = heads
            .iter()
            .find(|h| starts_word && rest.starts_with(*h) && rest[h.len()..].starts_with("::"));
        let Some(head) = head else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let mut tail = &rest[head.len() + 2..];
        let mut segs = Vec::new();
        loop {
            let end = tail.find(|c: char| !ident_char(c)).unwrap_or(tail.len());
            if end > 0 {
                segs.push(tail[..end].to_string());
            }
            tail = &tail[end..];
            if let Some(after) = tail.strip_prefix("::") {
                if let Some(group) = after.strip_prefix('{') {
                    let inner = &group[..group.find('}').unwrap_or(group.len())];
                    for alt in inner.split(',') {
                        let mut s = segs.clone();
                        s.extend(
                            alt.split("::")
                                .map(|x| x.split_whitespace().next().unwrap_or("").to_string())
                                .filter(|x| !x.is_empty() && x != "self" && x != "*"),
                        );
                        found.push((head.to_string(), s));
                    }
                    break;
                }
                tail = after;
                continue;
            }
            found.push((head.to_string(), segs));
            break;
        }
        i = code.len() - tail.len();
    }
    found
}

/// The modules (from the crate root) that the file `rel` with `text` names.
fn named_modules(rel: &str, text: &str, modules: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let own = module_of(rel);
    // `super` is the module's parent: a file's folder, or a folder's (`mod.rs`) own parent.
    let parent: Vec<String> = own[..own.len().saturating_sub(1)].to_vec();
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
    let code: Vec<&str> = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect();
    let code = code.join("\n");
    let mut out = BTreeSet::new();
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (head, segs) in paths_after(&code, &["crate", "super"]) {
        let base = if head == "crate" {
            Vec::new()
        } else {
            parent.clone()
        };
        let full: Vec<String> = base.into_iter().chain(segs.iter().cloned()).collect();
        if let Some(m) = resolve(&full, modules) {
            // A `use` that names a module makes its last segment a name for it.
            if m.len() == full.len() {
                if let Some(last) = m.last() {
                    aliases.insert(last.clone(), m.clone());
                }
            }
            out.insert(m);
        }
    }
    let names: Vec<&str> = aliases.keys().map(String::as_str).collect();
    for (head, segs) in paths_after(&code, &names) {
        let full: Vec<String> = aliases[&head].iter().cloned().chain(segs).collect();
        if let Some(m) = resolve(&full, modules) {
            out.insert(m);
        }
    }
    out.remove(&own);
    out
}

/// For each folder (module path), its sibling graph: node → nodes it names.
type FolderGraphs = BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>>;

/// The folder graphs of `files` (path below `src/` → text).
fn folder_graphs(files: &BTreeMap<String, String>) -> FolderGraphs {
    let modules: BTreeSet<Vec<String>> = files.keys().map(|f| module_of(f)).collect();
    let mut graphs = FolderGraphs::new();
    for (rel, text) in files {
        let from = module_of(rel);
        for to in named_modules(rel, text, &modules) {
            // Every folder holding both, below which they part: an edge between the children
            // of that folder they lie in, when those differ.
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            let (Some(a), Some(b)) = (from.get(common), to.get(common)) else {
                continue; // one contains the other: a folder and its own children
            };
            graphs
                .entry(from[..common].to_vec())
                .or_default()
                .entry(a.clone())
                .or_default()
                .insert(b.clone());
        }
    }
    graphs
}

/// Every circle of `graph`, each as the nodes on it in order (one per strongly connected
/// component of more than one node).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(n) = todo.pop() {
            for m in graph.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let mut found: Vec<Vec<String>> = Vec::new();
    for node in graph.keys() {
        if found.iter().any(|c| c.contains(node)) || !reach(node).contains(node) {
            continue;
        }
        let mut component: Vec<String> = graph
            .keys()
            .filter(|m| *m == node || (reach(node).contains(*m) && reach(m).contains(node)))
            .cloned()
            .collect();
        component.sort();
        found.push(component);
    }
    found
}

/// The files below `src/` (or below `LAYERS_SRC`, to check another tree by hand).
fn src_files() -> BTreeMap<String, String> {
    let src = std::env::var_os("LAYERS_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(&src).expect("below src");
            (
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read_to_string(f).expect("readable"),
            )
        })
        .collect()
}

#[test]
fn no_folder_holds_an_import_circle() {
    let graphs = folder_graphs(&src_files());
    let edges: usize = graphs
        .values()
        .flat_map(|g| g.values())
        .map(BTreeSet::len)
        .sum();
    assert!(
        edges > 40,
        "only {edges} edges between siblings: is src/ laid out as expected?"
    );
    let mut wrong = Vec::new();
    for (folder, graph) in &graphs {
        for circle in circles(graph) {
            wrong.push(format!("src/{}: {}", folder.join("/"), circle.join(" ↔ ")));
        }
    }
    assert!(wrong.is_empty(), "import circles:\n{}", wrong.join("\n"));
}

#[test]
fn the_circle_check_catches_the_circles_issue_24_named() {
    // The three shapes the issue found: two files naming each other through `crate::`, a circle
    // of three through `super::` and an imported module name, and one that runs through a
    // subfolder's page back to its parent's file.
    let files: BTreeMap<String, String> = [
        ("lib.rs", "pub mod control; pub mod http;"),
        (
            "control/mod.rs",
            "pub mod plane; pub mod openapi; pub mod journal; pub mod ui;",
        ),
        (
            "control/plane.rs",
            "fn f() { crate::control::openapi::document(); }",
        ),
        (
            "control/openapi.rs",
            "use crate::control::plane::CONTROL_ROUTES;",
        ),
        (
            "control/journal.rs",
            "fn g() { crate::control::ui::is_ui_path(\"\"); }",
        ),
        ("control/ui/mod.rs", "mod requests;"),
        (
            "control/ui/requests.rs",
            "use crate::control::{journal::JournalEntry, Emulator};",
        ),
        ("http/mod.rs", "pub mod a; pub mod b; pub mod c;"),
        ("http/a.rs", "use super::b::X;"),
        (
            "http/b.rs",
            "use crate::http::{self, c};\nfn h() { c::go(); }",
        ),
        ("http/c.rs", "use crate::http::a;\nfn i() { a::run(); }"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let graphs = folder_graphs(&files);
    let found: Vec<(String, Vec<String>)> = graphs
        .iter()
        .flat_map(|(f, g)| circles(g).into_iter().map(move |c| (f.join("/"), c)))
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found,
        vec![
            ("control".to_string(), s(&["journal", "ui"])),
            ("control".to_string(), s(&["openapi", "plane"])),
            ("http".to_string(), s(&["a", "b", "c"])),
        ]
    );
    // And a folder's own mod.rs with its children is containment, not a circle.
    let tree: BTreeMap<String, String> = [
        (
            "families/mod.rs",
            "pub mod drive; fn r() { drive::ROUTES; }",
        ),
        (
            "families/drive/mod.rs",
            "pub mod upload_all; use crate::families::Ctx;",
        ),
        ("families/drive/upload_all.rs", "use super::DriveState;"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert!(folder_graphs(&tree).values().all(|g| circles(g).is_empty()));
}

/// Longest a file below `src/` may be (lines), issue 24: a file that grows past it is split by
/// what its parts do.
const MAX_SOURCE_LINES: usize = 600;

/// The files of `files` longer than [`MAX_SOURCE_LINES`], with their lengths.
fn too_long(files: &BTreeMap<String, String>) -> Vec<String> {
    files
        .iter()
        .map(|(path, text)| (path, text.lines().count()))
        .filter(|(_, lines)| *lines > MAX_SOURCE_LINES)
        .map(|(path, lines)| format!("src/{path}: {lines} lines"))
        .collect()
}

#[test]
fn no_source_file_is_longer_than_600_lines() {
    let files = src_files();
    assert!(files.len() > 50, "only {} files below src/", files.len());
    let wrong = too_long(&files);
    assert!(
        wrong.is_empty(),
        "files over {MAX_SOURCE_LINES} lines (split them by what their parts do):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_length_check_counts_lines_on_both_sides_of_600() {
    let file = |lines: usize| "x\n".repeat(lines);
    let tree: BTreeMap<String, String> = [("a.rs", file(600)), ("b.rs", file(601))]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(too_long(&tree), vec!["src/b.rs: 601 lines".to_string()]);
}
