//! The README's table of the fields each node kind takes (issue 17 item
//! 10) is checked against the fields the loader accepts: a node with an
//! unknown field is refused with the list of those it takes, straight from
//! the code.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{EXIT_INVALID, aznetsim, failure_of, reference, root};

/// The README table: kind → its fields, as written.
fn readme_table() -> BTreeMap<String, Vec<String>> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("| kind | fields |").expect("the table of fields per kind");
    readme[start..]
        .lines()
        .skip(2)
        .map(str::trim)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let kind = cells[1].trim_matches('`').to_string();
            let fields =
                cells[2].split(',').map(|f| f.trim().trim_matches('`').to_string()).collect();
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
    list.split(',')
        .map(|f| {
            f.trim().trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).to_string()
        })
        .collect()
}

#[test]
fn every_kind_takes_exactly_the_fields_the_readme_lists() {
    let table = readme_table();
    let kinds: Vec<&str> = sim_scenarios::azure::NODE_KINDS.to_vec();
    assert_eq!(table.keys().map(String::as_str).collect::<Vec<_>>(), {
        let mut k = kinds.clone();
        k.sort_unstable();
        k
    });
    for kind in kinds {
        let mut want = accepted(kind);
        want.retain(|f| f != "kind");
        assert_eq!(table[kind], want, "README's fields of {kind}");
    }
}
