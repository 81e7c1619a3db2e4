//! The module structure the crate docs promise: in every crate of the
//! workspace the modules form no import cycle, and in sim-scenarios each
//! folder imports only from the folders below it.
//!
//! The check reads the sources: a module is a file (`a/b.rs` is `a::b`,
//! `a/mod.rs` is `a`), and a module depends on every module it names with
//! a `crate::` path outside comments. A module naming its own descendants is
//! a facade (re-exports, dispatch to its parts) and is not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::root;

/// sim-scenarios' folders, lowest first, as the crate docs draw them.
const LAYERS: &[&str] =
    &["text", "error", "file", "azure", "compile", "run", "report", "experiment"];

/// Module path → source text, for every `.rs` file under `src`.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> =
                rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                parts.pop();
            }
            out.insert(parts.join("::"), std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// Every `crate::a::b::…` path named outside comments.
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // e.g. `sim_core::` or `my_crate::`
            }
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            out.push(rest[..end].split("::").filter(|s| !s.is_empty()).map(String::from).collect());
        }
    }
    out
}

/// Module → the modules it depends on (facade edges to descendants left out).
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules(src);
    let mut out = BTreeMap::new();
    for (name, text) in &mods {
        let mut deps = BTreeSet::new();
        for path in crate_paths(text) {
            // The longest prefix of the path that is a module.
            let target = (0..=path.len())
                .rev()
                .map(|k| path[..k].join("::"))
                .find(|m| mods.contains_key(m))
                .unwrap_or_default();
            let is_descendant =
                name.is_empty() || target == *name || target.starts_with(&format!("{name}::"));
            if !is_descendant {
                deps.insert(target);
            }
        }
        out.insert(name.clone(), deps);
    }
    out
}

/// A cycle through `start`, if any, as the list of modules on it.
fn cycle_through(g: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack: Vec<(String, Vec<String>)> = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((m, trail)) = stack.pop() {
        for d in g.get(&m).into_iter().flatten() {
            if d == start {
                return Some([trail.clone(), vec![d.clone()]].concat());
            }
            if seen.insert(d.clone()) {
                stack.push((d.clone(), [trail.clone(), vec![d.clone()]].concat()));
            }
        }
    }
    None
}

#[test]
fn no_crate_has_an_import_cycle() {
    for krate in ["sim-core", "sim-scenarios", "sim-cli"] {
        let g = graph(&root().join(krate).join("src"));
        assert!(g.len() > 3, "{krate}: found only {} modules", g.len());
        for m in g.keys() {
            if let Some(c) = cycle_through(&g, m) {
                panic!("{krate}: import cycle {}", c.join(" -> "));
            }
        }
    }
}

#[test]
fn sim_scenarios_folders_import_only_downward() {
    let g = graph(&root().join("sim-scenarios").join("src"));
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m.split("::").next().unwrap());
    let mut checked = 0;
    for (m, deps) in &g {
        if m.is_empty() {
            continue; // lib.rs: the facade
        }
        let from = rank(m).unwrap_or_else(|| panic!("module {m} is in no layer of {LAYERS:?}"));
        for d in deps {
            let to = rank(d).unwrap_or_else(|| panic!("{m} imports {d}, which is in no layer"));
            assert!(
                to <= from,
                "{m} ({}) imports {d} ({}), a folder above it",
                LAYERS[from],
                LAYERS[to]
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} imports seen: is the parser still reading the files?");
}

#[test]
fn the_checker_sees_a_cycle() {
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycle_through(&g, "a").unwrap(), ["a", "b", "a"]);
    let paths = crate_paths("use crate::file::json::{key_path, typed};\n// crate::x\nsim_core::y");
    assert_eq!(paths, vec![vec!["file", "json"]]);
}
