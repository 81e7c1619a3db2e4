//! Golden snapshots of the text a person reads: the run table, the
//! capacity table and the topology picture of topology B, byte for byte, so that a changed label or column is a
//! reviewed change. `UPDATE_GOLDEN=1 cargo test -p sim-cli --test cli golden`
//! rewrites them; review the diff (and the README samples) before
//! committing.

use std::path::{Path, PathBuf};

use super::{SMALL, TINY_SETS, apim, aznetsim, reference, stdout_of};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden").join(name)
}

fn check(name: &str, got: &str) {
    let path = golden(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; set UPDATE_GOLDEN=1 to create it", path.display()));
    assert!(
        got == want,
        "{name} changed; if deliberate, regenerate with UPDATE_GOLDEN=1 and review the diff\n--- want\n{want}\n--- got\n{got}"
    );
}

#[test]
fn the_run_table_is_pinned() {
    check("run-table.txt", &stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL)));
}

#[test]
fn the_capacity_table_is_pinned() {
    let table = stdout_of(aznetsim().arg("capacity").arg(apim()).args(TINY_SETS).args([
        "--slo",
        "p99<=200ms",
        "--route",
        "red",
        "--precision",
        "0.05",
    ]));
    check("capacity-table.txt", &table);
}

#[test]
fn the_topology_picture_is_pinned() {
    let scenario = super::root().join("scenarios/onprem-gateway.json");
    check("topology-onprem-gateway.svg", &stdout_of(aznetsim().arg("draw").arg(scenario)));
}
