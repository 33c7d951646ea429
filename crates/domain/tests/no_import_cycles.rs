//! No two files of a domain crate import each other, directly or through others. A circle of
//! imports is how one concern grows into another until neither can be read, moved or tested on
//! its own (the domain once had a 14-file circle through event, workflow, escalation and task).
//!
//! Each `.rs` file is a module (`mod.rs` and `lib.rs` name their directory). A file imports the
//! module a `crate::a::b` or `super::x` path names (the longest prefix that is a file), comments
//! left out; a module naming its own child does not count. Cycles between crates cannot happen:
//! cargo refuses them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The domain's crates, bottom layer first.
const CRATES: &[&str] = &["model", "calendar", "routing", "events", "decisions", "rates", "ports", "domain"];

type Module = Vec<String>;

#[test]
fn no_domain_crate_has_files_that_import_each_other_in_a_circle() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    for name in CRATES {
        let files = sources(&crates.join(name).join("src"));
        assert!(!files.is_empty(), "crates/{name}/src has no sources");
        for cycle in cycles(&graph(&files)) {
            found.push(format!("crates/{name}: {}", cycle.join(" -> ")));
        }
    }
    assert!(found.is_empty(), "files importing each other in a circle:\n{}", found.join("\n"));
}

#[test]
fn the_check_finds_a_circle_through_three_files_and_ignores_children_and_comments() {
    let files: BTreeMap<Module, String> = [
        ("lib.rs", "mod a; mod b; mod c;"),
        ("a.rs", "use crate::b::Thing;"),
        ("b.rs", "use crate::{c::{X, Y}, d};"),
        ("c/mod.rs", "mod inner; use super::a::f; // crate::b\n"),
        ("c/inner.rs", "use super::super::b;"),
        ("d.rs", "// use crate::a;\nfn f() -> crate::lib_item::T {}"),
    ]
    .into_iter()
    .map(|(path, text)| (module_of(Path::new(path)), text.to_owned()))
    .collect();
    let g = graph(&files);
    assert_eq!(g[&vec!["d".to_owned()]], BTreeSet::new(), "comments and the crate root do not count");
    let found = cycles(&g);
    assert_eq!(found, [vec!["a", "b", "c", "a"]], "{g:?}");
}

/// Every `.rs` file under `src`, by module path.
fn sources(src: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path: PathBuf = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a readable source");
                out.insert(module_of(path.strip_prefix(src).expect("under src")), text);
            }
        }
    }
    out
}

fn module_of(relative: &Path) -> Module {
    let mut parts: Module = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    let stem = last.strip_suffix(".rs").unwrap_or(&last).to_owned();
    if stem != "mod" && stem != "lib" {
        parts.push(stem);
    }
    parts
}

/// Module → the modules it imports.
fn graph(files: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let resolve = |path: &[String]| -> Option<Module> {
        (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| files.contains_key(m))
    };
    let mut edges = BTreeMap::new();
    for (module, text) in files {
        let mut targets = BTreeSet::new();
        for path in named_paths(&without_comments(text)) {
            let (kind, rest) = path.split_first().expect("a path has a head");
            let mut base: Module = if kind == "crate" { Vec::new() } else { parent(module) };
            let mut rest = rest;
            while let Some((_, tail)) = rest.split_first().filter(|(h, _)| *h == "super") {
                base = parent(&base);
                rest = tail;
            }
            base.extend(rest.iter().cloned());
            if let Some(t) = resolve(&base) {
                let own_child = t.starts_with(module) && !module.is_empty();
                if &t != module && !own_child {
                    targets.insert(t);
                }
            }
        }
        edges.insert(module.clone(), targets);
    }
    edges
}

fn parent(m: &[String]) -> Module {
    m[..m.len().saturating_sub(1)].to_vec()
}

fn without_comments(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The paths that start with `crate::` or `super::`, each as its segments (`crate`, `a`, `b`);
/// a brace list (`crate::{a::X, b}`) gives one path per item.
fn named_paths(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !is_ident(chars[i - 1]);
        let head = ["crate::", "super::"]
            .into_iter()
            .find(|h| chars[i..].starts_with(&h.chars().collect::<Vec<_>>()));
        match head.filter(|_| starts_word) {
            Some(h) => {
                let prefix = vec![h.trim_end_matches("::").to_owned()];
                i = path_at(&chars, i + h.len(), prefix, &mut out);
            }
            None => i += 1,
        }
    }
    out
}

/// Reads the segments after `prefix` from `i`, pushing the paths found; returns where it stopped.
fn path_at(chars: &[char], mut i: usize, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    loop {
        if chars.get(i) == Some(&'{') {
            // One path per item of the list, each continuing the prefix.
            i += 1;
            loop {
                while chars.get(i).is_some_and(|c| c.is_whitespace() || *c == ',') {
                    i += 1;
                }
                match chars.get(i) {
                    None => return i,
                    Some('}') => return i + 1,
                    _ => {
                        let before = i;
                        i = path_at(chars, i, prefix.clone(), out);
                        // Skip what is not a path (`self`, `*`, `as x`) up to the next item.
                        while chars.get(i).is_some_and(|c| *c != ',' && *c != '}') {
                            i += 1;
                        }
                        if i == before {
                            i += 1;
                        }
                    }
                }
            }
        }
        let start = i;
        while chars.get(i).is_some_and(|c| is_ident(*c)) {
            i += 1;
        }
        if i > start {
            prefix.push(chars[start..i].iter().collect());
        }
        if i > start && chars[i..].starts_with(&[':', ':']) {
            i += 2;
            continue;
        }
        out.push(prefix);
        return i;
    }
}

/// The import circles: for each strongly connected component of more than one module, a circle
/// in it, as module names (`a -> b -> a`).
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<String>> {
    let name = |m: &Module| if m.is_empty() { "(root)".to_owned() } else { m.join("::") };
    let mut out = Vec::new();
    for component in components(edges) {
        // Walk from the smallest member, always to an unvisited member while one is reachable.
        let start = component.iter().next().expect("non-empty").clone();
        let mut walk = vec![start.clone()];
        let mut at = start.clone();
        loop {
            let next = edges[&at]
                .iter()
                .find(|t| component.contains(*t) && !walk.contains(t))
                .or_else(|| edges[&at].get(&start).filter(|_| walk.len() > 1));
            match next {
                Some(t) if *t == start => {
                    walk.push(start.clone());
                    break;
                }
                Some(t) => {
                    walk.push(t.clone());
                    at = t.clone();
                }
                // A dead end inside the component: name its members instead of a circle.
                None => {
                    walk = component.iter().cloned().collect();
                    break;
                }
            }
        }
        out.push(walk.iter().map(name).collect());
    }
    out
}

/// Strongly connected components of more than one module (Tarjan).
fn components(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<BTreeSet<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        found: Vec<BTreeSet<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        let edges = s.edges;
        for w in edges.get(v).into_iter().flatten() {
            let Some((w, _)) = edges.get_key_value(w) else { continue };
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                component.insert(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut s =
        State { edges, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}
