//! The shape of the code, checked: the layers of docs/architecture.md (each top-level
//! module of src/ names only the modules it is allowed to), no cycles between them, the
//! reviewer's state code apart from its drawing code, and source files that fit in a head.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and the modules it may use. Lower layers first; the order is
/// the one docs/architecture.md draws. A module missing here is an error, so a new one
/// has to be placed on purpose.
const LAYERS: &[(&str, &[&str])] = &[
    // L0: the contract and small helpers every part may use. `sanitize` is the leaf
    // under them all: the client makes a server's words safe as they arrive.
    ("sanitize", &[]),
    ("api", &["sanitize"]),
    ("fs", &[]),
    ("output", &["sanitize"]),
    ("logging", &["sanitize"]),
    // Which threads give way to the terminal's when the CPU is short.
    ("priority", &[]),
    // L1: foundations.
    ("sqlite", &["fs", "priority"]),
    ("config", &["api", "fs", "logging", "output", "sanitize"]),
    // The adjudication queue file, written by `agree` and read by the reviewer.
    ("queue", &["api", "fs", "sanitize"]),
    // L2: the parts with storage. They never use each other.
    (
        "server",
        &[
            "api", "fs", "logging", "output", "priority", "sanitize", "sqlite",
        ],
    ),
    (
        "journal",
        &["api", "fs", "logging", "output", "sanitize", "sqlite"],
    ),
    // L3: the terminal app.
    (
        "review",
        &[
            "api", "config", "fs", "journal", "logging", "output", "priority", "queue", "sanitize",
        ],
    ),
    // L3: agreement between reviewers, from their exports and journals.
    ("agreement", &["api", "fs", "journal", "queue", "sanitize"]),
    // L4: the command line's types (the seed command's bounds are the server's).
    ("cli", &["api", "config", "server"]),
    // L5: the edge, which wires everything.
    (
        "commands",
        &[
            "agreement",
            "api",
            "cli",
            "config",
            "fs",
            "journal",
            "logging",
            "output",
            "priority",
            "queue",
            "review",
            "sanitize",
            "server",
            "sqlite",
        ],
    ),
];

/// Macros exported at the crate root, and the module that defines each.
const ROOT_MACROS: &[(&str, &str)] = &[("say_err", "output"), ("outln", "output")];

/// The longest source file (tests aside) that still fits in a head.
const MAX_SOURCE_LINES: usize = 800;

/// Files of src/review/ that may use the drawing code: the drawing code itself and the
/// loop that owns the terminal.
fn may_use_view(rel: &str) -> bool {
    rel.starts_with("review/view/")
        || rel == "review/view.rs"
        || rel.starts_with("review/run/")
        || rel == "review/run.rs"
        || is_test_file(rel)
}

fn is_test_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    rel.contains("/tests/") || name.ends_with("tests.rs") || name == "fixtures.rs"
}

/// Every `.rs` file under `dir`, as paths relative to `src`.
fn rust_files(src: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(src, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path.strip_prefix(src).unwrap_or(&path).to_path_buf());
        }
    }
}

/// The module path of a file: `review/update/mod.rs` is `[review, update]`.
fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The text without comments, so prose that names a module is not an edge.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") { "" } else { line }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level names a file's code reaches: `crate::x`, `$crate::x`, `crate::{x, y}`,
/// root macros, and `super::` chains that climb to the crate root.
fn top_level_names(code: &str, depth: usize) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        // `crate::` inside a longer identifier (`verdict_crate::`) is not the crate root.
        let before = rest[..at].chars().last();
        let after = &rest[at + "crate::".len()..];
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            if let Some(group) = after.strip_prefix('{') {
                let body = &group[..group.find('}').unwrap_or(group.len())];
                for item in body.split(',') {
                    let id = ident_at(item.trim());
                    if !id.is_empty() {
                        names.insert(id.to_string());
                    }
                }
            } else {
                let id = ident_at(after);
                if !id.is_empty() {
                    names.insert(id.to_string());
                }
            }
        }
        rest = after;
    }
    // `super::super::x` from a file `depth` modules deep reaches the root at `depth` supers.
    let mut rest = code;
    while let Some(at) = rest.find("super::") {
        let mut climbs = 0;
        let mut tail = &rest[at..];
        while let Some(t) = tail.strip_prefix("super::") {
            climbs += 1;
            tail = t;
        }
        if climbs >= depth {
            let id = ident_at(tail);
            if !id.is_empty() {
                names.insert(id.to_string());
            }
        }
        rest = &rest[at + "super::".len() * climbs..];
    }
    for (mac, _) in ROOT_MACROS {
        if code.contains(&format!("{mac}!")) {
            names.insert((*mac).to_string());
        }
    }
    names
}

/// What is wrong with the tree under `src`, one sentence each; empty when nothing is.
fn check(src: &Path) -> Vec<String> {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = LAYERS
        .iter()
        .map(|(m, deps)| (*m, deps.iter().copied().collect()))
        .collect();
    let macros: BTreeMap<&str, &str> = ROOT_MACROS.iter().copied().collect();
    let mut problems = Vec::new();
    let mut files = Vec::new();
    rust_files(src, src, &mut files);
    files.sort();
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in &files {
        let rel = file.to_string_lossy().replace('\\', "/");
        if rel == "lib.rs" || rel == "main.rs" {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(src.join(file)) else {
            problems.push(format!("{rel}: cannot be read"));
            continue;
        };
        if !is_test_file(&rel) && text.lines().count() > MAX_SOURCE_LINES {
            problems.push(format!(
                "{rel}: {} lines, over {MAX_SOURCE_LINES}: split it by feature",
                text.lines().count()
            ));
        }
        let path = module_path(&rel);
        let Some(top) = path.first().cloned() else {
            continue;
        };
        if !allowed.contains_key(top.as_str()) {
            problems.push(format!(
                "{rel}: the module `{top}` is in no layer: add it to LAYERS and docs/architecture.md"
            ));
            continue;
        }
        let code = code_of(&text);
        if top == "review" && !may_use_view(&rel) {
            let uses_view = code.contains("crate::review::view")
                || code.contains("super::view")
                || (path.len() > 2 && path[1] != "view" && code.contains("super::super::view"));
            if uses_view {
                problems.push(format!(
                    "{rel}: state code uses the drawing code (`view`): move what it needs into review/typeset/"
                ));
            }
        }
        for name in top_level_names(&code, path.len()) {
            let target = macros
                .get(name.as_str())
                .map_or(name.clone(), |m| m.to_string());
            if target == top || !allowed.contains_key(target.as_str()) {
                continue;
            }
            edges
                .entry(top.clone())
                .or_default()
                .entry(target)
                .or_insert_with(|| rel.clone());
        }
    }
    for (from, tos) in &edges {
        for (to, first_file) in tos {
            if !allowed[from.as_str()].contains(to.as_str()) {
                problems.push(format!(
                    "{first_file}: `{from}` uses `{to}`, which its layer may not (allowed: {})",
                    allowed[from.as_str()]
                        .iter()
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        problems.push(format!("a cycle between modules: {}", cycle.join(" -> ")));
    }
    problems
}

/// One cycle in the module graph, as the modules along it, if there is any.
fn find_cycle(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeMap<String, String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flat_map(|m| m.keys()) {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(cycle) = visit(node, edges, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn the_layers_hold() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = check(&src);
    assert!(
        problems.is_empty(),
        "the code's shape breaks docs/architecture.md:\n  {}",
        problems.join("\n  ")
    );
}

/// A tree written for the test, so the checker is shown to catch what it is for.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn a_wrong_edge_and_a_cycle_are_caught() {
    let dir = tree(&[
        (
            "lib.rs",
            "pub mod api; pub mod journal; pub mod review; pub mod server;\n",
        ),
        ("api/mod.rs", "pub struct Key;\n"),
        // The journal reaching up into the terminal app: against the layers.
        (
            "journal/mod.rs",
            "use crate::review::Model;\npub struct Entry;\n",
        ),
        // The server and the journal using each other: same layer, and a cycle.
        ("journal/store.rs", "use super::super::server::Db;\n"),
        (
            "server/mod.rs",
            "use crate::{api, journal::Entry};\npub struct Db;\n",
        ),
        (
            "review/mod.rs",
            "use crate::journal::Entry;\npub struct Model;\n",
        ),
    ]);
    let problems = check(dir.path());
    let says = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(says("`journal` uses `review`"), "{problems:#?}");
    assert!(says("`journal` uses `server`"), "{problems:#?}");
    assert!(says("`server` uses `journal`"), "{problems:#?}");
    assert!(says("a cycle between modules"), "{problems:#?}");
    assert!(
        !says("`review` uses `journal`"),
        "an allowed edge was refused: {problems:#?}"
    );
}

#[test]
fn prose_is_no_edge_and_state_code_may_not_draw() {
    let dir = tree(&[
        (
            "api/mod.rs",
            "//! Unlike crate::review, this names nobody.\n",
        ),
        ("review/mod.rs", "pub mod model; pub mod view;\n"),
        ("review/model.rs", "use super::view::theme::Look;\n"),
        ("review/view/mod.rs", "use super::model::Model;\n"),
        ("newpart/mod.rs", "pub struct Thing;\n"),
    ]);
    let problems = check(dir.path());
    let says = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(!says("`api` uses"), "{problems:#?}");
    assert!(
        says("review/model.rs: state code uses the drawing code"),
        "{problems:#?}"
    );
    assert!(!says("review/view/mod.rs"), "{problems:#?}");
    assert!(says("the module `newpart` is in no layer"), "{problems:#?}");
}

#[test]
fn a_file_too_long_to_hold_in_a_head_is_named() {
    let long = "pub fn f() {}\n".repeat(MAX_SOURCE_LINES + 1);
    let dir = tree(&[
        ("api/mod.rs", long.as_str()),
        ("api/client_tests.rs", long.as_str()),
    ]);
    let problems = check(dir.path());
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("api/mod.rs: 801 lines")),
        "{problems:#?}"
    );
    assert!(
        !problems.iter().any(|p| p.contains("client_tests")),
        "{problems:#?}"
    );
}
