//! The generated field reference (`docs/scenario-fields.md`, issue 15 item
//! 5, replacing the README's hand-written table of issue 17 item 10) and
//! the JSON Schema (`docs/scenario.schema.json`) are what `aznetsim schema`
//! prints, and the reference lists for each node kind exactly the fields
//! the loader accepts (from its refusal of an unknown one).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{EXIT_INVALID, aznetsim, failure_of, reference, root, stdout_of};

/// Compares a committed generated file with the command's output;
/// `UPDATE_GOLDEN=1` rewrites it.
fn committed_is_generated(file: &str, args: &[&str]) {
    let generated = stdout_of(aznetsim().args(args));
    let path = root().join(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{file} is stale: run `cargo run -p sim-cli -- {} > {file}` to regenerate",
        args.join(" ")
    );
}

#[test]
fn issue_15_the_committed_field_reference_and_schema_are_generated() {
    committed_is_generated("docs/scenario-fields.md", &["schema", "--markdown"]);
    committed_is_generated("docs/scenario.schema.json", &["schema"]);
}

/// The reference's node kinds → their top-level fields (nested `a.b`
/// rows left out), as written.
fn reference_fields() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(root().join("docs/scenario-fields.md")).unwrap();
    let kinds = text.split("## Node kinds").nth(1).expect("a Node kinds section");
    kinds
        .split("\n### `")
        .skip(1)
        .map(|section| {
            let kind = section.split('`').next().unwrap().to_string();
            let fields = section
                .lines()
                .filter_map(|l| l.strip_prefix("| `"))
                .filter_map(|l| l.split('`').next())
                .filter(|f| !f.contains('.'))
                .map(str::to_string)
                .collect();
            (kind, fields)
        })
        .collect()
}

/// The fields the loader accepts for `kind`, from its refusal of `zzz`.
fn accepted(kind: &str) -> Vec<String> {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(reference()).unwrap()).unwrap();
    doc["nodes"]["zz-probe"] = json!({"kind": kind, "zzz": 1});
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), doc.to_string()).unwrap();
    let stderr = failure_of(aznetsim().arg("validate").arg(tmp.path()), EXIT_INVALID);
    let list = stderr.split("expected one of").nth(1).unwrap_or_else(|| panic!("{kind}: {stderr}"));
    let list = list.split(" (").next().unwrap();
    let mut out: Vec<String> = list
        .split(',')
        .map(|f| {
            f.trim().trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).to_string()
        })
        .filter(|f| f != "kind")
        .collect();
    out.sort();
    out
}

#[test]
fn every_kind_takes_exactly_the_fields_the_reference_lists() {
    let table = reference_fields();
    let mut kinds: Vec<&str> = sim_scenarios::azure::NODE_KINDS.to_vec();
    kinds.sort_unstable();
    assert_eq!(table.keys().map(String::as_str).collect::<Vec<_>>(), kinds);
    for kind in kinds {
        assert_eq!(table[kind], accepted(kind), "docs/scenario-fields.md's fields of {kind}");
    }
}
