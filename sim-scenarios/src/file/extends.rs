//! `"extends": "base.json"`: a scenario written as a JSON merge patch
//! (RFC 7396) of another file, and where each field of the result came
//! from.
//!
//! A file with `extends` holds only what differs from its base: objects
//! merge key by key, recursively; `null` deletes a key; a list, a number or
//! a string replaces what the base had. The base is named relative to the
//! extending file (a scenario read from stdin: relative to the current
//! directory) and may extend a base of its own, up to
//! [`MAX_EXTENDS_DEPTH`] files; a cycle is refused with the chain.
//!
//! The result is one plain scenario document, without `extends` and without
//! the editors' `$schema` (both are about files, not about the scenario):
//! the document a run saves, so a results directory never needs the
//! files it came from. [`Resolved`] remembers which file set each field,
//! so that an error names the file that holds the bad value (a field the
//! patch sets: the patch; one it inherits: the base), with serde's JSON
//! path unchanged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Invalid, ScenarioError};
use crate::file::json::parse_json;
use crate::file::limits::MAX_EXTENDS_DEPTH;
use crate::file::overrides::{OverrideError, set_path};

/// The key that names a scenario's base file.
pub const EXTENDS: &str = "extends";

/// The key editors read a file's JSON Schema from; the loader accepts it
/// at the top level and ignores it.
pub const SCHEMA_KEY: &str = "$schema";

/// A scenario document with every `extends` applied, and the file behind
/// each of its fields.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The document: no `extends`, no `$schema`.
    value: Value,
    /// The files of the chain: the one given first, then its base, and so
    /// on.
    files: Vec<PathBuf>,
    /// Which of `files` set each part of `value`.
    origin: Origin,
}

/// The file (an index into [`Resolved::files`]) that set a value, and,
/// where a later file changed only some of its keys, the files behind
/// those keys (a key a patch deleted with `null` included: a field found
/// missing was removed there).
#[derive(Debug, Clone, PartialEq)]
struct Origin {
    file: usize,
    keys: BTreeMap<String, Origin>,
}

impl Origin {
    fn of(file: usize) -> Self {
        Origin { file, keys: BTreeMap::new() }
    }

    /// The file behind the value at `path` (keys and list indices): the
    /// deepest part of the path some file set.
    fn file_at(&self, path: &[String]) -> usize {
        let mut here = self;
        for key in path {
            match here.keys.get(key) {
                Some(o) => here = o,
                None => break,
            }
        }
        here.file
    }

    /// Marks the value at `path` as set by `file`.
    fn set(&mut self, path: &[String], file: usize) {
        let mut here = self;
        for key in path {
            let inherited = here.file;
            here = here.keys.entry(key.clone()).or_insert_with(|| Origin::of(inherited));
        }
        *here = Origin::of(file);
    }
}

impl Resolved {
    /// A document read from one file without `extends` (or built in
    /// memory): every field is the file's.
    ///
    /// # Errors
    ///
    /// Fails when the document has an `extends` (only a file loaded from
    /// disk has a place to resolve it from) or a `$schema` that is not a
    /// string.
    pub fn single(file: &Path, mut value: Value) -> Result<Self, ScenarioError> {
        let in_file = |e: Invalid| e.in_file(file.to_path_buf());
        if value.get(EXTENDS).is_some() {
            return Err(in_file(Invalid::new(
                EXTENDS,
                "a document built in memory cannot extend a file: load the scenario from its file (every command does), so that its base is found relative to it",
            )));
        }
        take_schema(&mut value).map_err(in_file)?;
        Ok(Resolved { value, files: vec![file.to_path_buf()], origin: Origin::of(0) })
    }

    /// The document, every `extends` applied.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The file given first (the one messages about the whole scenario
    /// name).
    pub fn file(&self) -> &Path {
        &self.files[0]
    }

    /// Every file of the chain, the one given first, then its bases.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Applies a `--set PATH=VALUE` override (see [`set_path`]) to the
    /// resolved document: an error in its value then names the file given
    /// first, where the override applies, not a base.
    ///
    /// # Errors
    ///
    /// Fails as [`set_path`] does.
    pub fn set(&mut self, path: &str, raw: &str) -> Result<(), OverrideError> {
        set_path(&mut self.value, path, raw)?;
        self.origin.set(&path_keys(path), 0);
        Ok(())
    }

    /// The load error of an invalid value: in the file that holds it, with
    /// its JSON path; a field from a base says which file extends it.
    pub(crate) fn error(&self, e: Invalid) -> ScenarioError {
        let file = self.origin.file_at(&path_keys(&e.path));
        if file == 0 {
            return e.in_file(self.files[0].clone());
        }
        let message = format!(
            "{} (read through `extends` from {})",
            e.message,
            self.files[file - 1].display()
        );
        Invalid::new(e.path, message).in_file(self.files[file].clone())
    }
}

/// Reads `text`, the content of `file`, and resolves its `extends` chain;
/// bases are read from disk, each relative to the file that names it.
///
/// # Errors
///
/// Fails when a file of the chain is not JSON or not an object, cannot be
/// read, the chain is a cycle or longer than [`MAX_EXTENDS_DEPTH`] files,
/// or `extends` or `$schema` is not a string; the error names the file
/// and the key.
pub fn resolve(file: &Path, text: &str) -> Result<Resolved, ScenarioError> {
    let mut files = vec![file.to_path_buf()];
    let value = parse_json(file, text)?;
    let (value, origin) = chain(value, 0, &mut files)?;
    Ok(Resolved { value, files, origin })
}

/// The document of `files[index]` (parsed as `value`) with its bases
/// applied below it, and the origin of each part.
fn chain(
    mut value: Value,
    index: usize,
    files: &mut Vec<PathBuf>,
) -> Result<(Value, Origin), ScenarioError> {
    let in_file = |e: Invalid, files: &[PathBuf]| e.in_file(files[index].clone());
    if !value.is_object() {
        return Err(in_file(Invalid::new(".", "a scenario must be a JSON object"), files));
    }
    take_schema(&mut value).map_err(|e| in_file(e, files))?;
    let Some(base) = value.as_object_mut().and_then(|m| m.remove(EXTENDS)) else {
        return Ok((value, Origin::of(index)));
    };
    let Value::String(name) = base else {
        return Err(in_file(
            Invalid::new(
                EXTENDS,
                format!(
                    "expected the path of the base scenario, relative to this file (e.g. \"apim-hub-proxy.json\"), got {base}"
                ),
            ),
            files,
        ));
    };
    let dir = files[index].parent().unwrap_or(Path::new(""));
    let base_file = dir.join(&name);
    let names = |files: &[PathBuf], last: &Path| {
        let mut all: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        all.push(last.display().to_string());
        all.join(" extends ")
    };
    if files.len() >= MAX_EXTENDS_DEPTH {
        return Err(in_file(
            Invalid::new(
                EXTENDS,
                format!(
                    "the chain {} is longer than {MAX_EXTENDS_DEPTH} files, the limit: extend a file nearer the start",
                    names(files, &base_file)
                ),
            ),
            files,
        ));
    }
    let text = std::fs::read_to_string(&base_file).map_err(|e| {
        in_file(
            Invalid::new(
                EXTENDS,
                format!(
                    "cannot read the base scenario {}: {e}; the path is relative to this file",
                    base_file.display()
                ),
            ),
            files,
        )
    })?;
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if files.iter().any(|f| same(f, &base_file)) {
        return Err(in_file(
            Invalid::new(
                EXTENDS,
                format!(
                    "a cycle: {}; a file cannot extend itself, directly or through its bases",
                    names(files, &base_file)
                ),
            ),
            files,
        ));
    }
    files.push(base_file.clone());
    let base_index = files.len() - 1;
    let base_value = parse_json(&base_file, &text)?;
    let (mut merged, mut origin) = chain(base_value, base_index, files)?;
    merge(&mut merged, &mut origin, value, index);
    Ok((merged, origin))
}

/// Removes the top-level `$schema`, which must be a string.
fn take_schema(value: &mut Value) -> Result<(), Invalid> {
    match value.as_object_mut().and_then(|m| m.remove(SCHEMA_KEY)) {
        None | Some(Value::String(_)) => Ok(()),
        Some(other) => Err(Invalid::new(
            SCHEMA_KEY,
            format!(
                "expected the address of the JSON Schema editors check the file with, in quotes (e.g. \"../docs/scenario.schema.json\"), got {other}"
            ),
        )),
    }
}

/// RFC 7396 MergePatch(target, patch), recording in `origin` the file
/// (`by`) behind every key the patch sets or deletes.
fn merge(target: &mut Value, origin: &mut Origin, patch: Value, by: usize) {
    let Value::Object(patch) = patch else {
        *target = patch;
        *origin = Origin::of(by);
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
        *origin = Origin::of(by);
    }
    let Value::Object(map) = target else { unreachable!("made an object above") };
    for (key, value) in patch {
        if value.is_null() {
            map.remove(&key);
            origin.keys.insert(key, Origin::of(by));
            continue;
        }
        let inherited = origin.file;
        let child = origin.keys.entry(key.clone()).or_insert_with(|| Origin::of(inherited));
        match map.get_mut(&key) {
            Some(existing) => merge(existing, child, value, by),
            None => {
                let mut fresh = Value::Null;
                merge(&mut fresh, child, value, by);
                *child = Origin::of(by);
                map.insert(key, fresh);
            }
        }
    }
}

/// The keys and list indices of a JSON path as messages print it
/// (`nodes.hub-fw.latency_ms`, `routes[0].path[2]`, `nodes["a.b"]`).
fn path_keys(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("[\"") {
            // A quoted key: a JSON string up to its closing quote.
            let quoted = &rest[1..];
            let mut keys = serde_json::Deserializer::from_str(quoted).into_iter::<String>();
            match keys.next() {
                Some(Ok(key)) => {
                    let used = keys.byte_offset();
                    out.push(key);
                    rest = quoted[used..].strip_prefix(']').unwrap_or(&quoted[used..]);
                }
                _ => {
                    out.push(r.to_string());
                    break;
                }
            }
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            out.push(r[..end].to_string());
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merged(target: Value, patch: Value) -> Value {
        let mut t = target;
        let mut o = Origin::of(1);
        merge(&mut t, &mut o, patch, 0);
        t
    }

    /// The examples of RFC 7396, appendix A.
    #[test]
    fn merge_follows_rfc_7396_appendix_a() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (target, patch, want) in cases {
            assert_eq!(merged(target.clone(), patch.clone()), want, "{target} + {patch}");
        }
    }

    #[test]
    fn origins_name_the_file_that_set_or_deleted_a_key() {
        let mut t =
            json!({"nodes": {"a": {"kind": "x", "n": 1}, "b": {"kind": "y"}}, "routes": [1]});
        let mut o = Origin::of(1);
        merge(&mut t, &mut o, json!({"nodes": {"a": {"n": 2, "kind": null}, "c": {"k": 1}}}), 0);
        let at = |o: &Origin, p: &str| o.file_at(&path_keys(p));
        assert_eq!(at(&o, "nodes.a.n"), 0);
        assert_eq!(at(&o, "nodes.a.kind"), 0, "deleted by the patch");
        assert_eq!(at(&o, "nodes.a"), 1, "the object is the base's");
        assert_eq!(at(&o, "nodes.b.kind"), 1);
        assert_eq!(at(&o, "nodes.c.k.deeper"), 0);
        assert_eq!(at(&o, "routes[0]"), 1);
        o.set(&path_keys("routes[0]"), 0);
        assert_eq!(at(&o, "routes[0]"), 0);
        assert_eq!(at(&o, "routes[1]"), 1);
    }

    #[test]
    fn paths_split_into_keys() {
        assert_eq!(path_keys("nodes.hub-fw.latency_ms"), ["nodes", "hub-fw", "latency_ms"]);
        assert_eq!(path_keys("routes[0].path[2]"), ["routes", "0", "path", "2"]);
        assert_eq!(path_keys("nodes[\"a.b\"].kind"), ["nodes", "a.b", "kind"]);
        assert_eq!(path_keys("nodes[\"a]\"].kind"), ["nodes", "a]", "kind"]);
        assert_eq!(path_keys("routes.0.name"), ["routes", "0", "name"]);
        assert!(path_keys(".").is_empty());
    }
}
