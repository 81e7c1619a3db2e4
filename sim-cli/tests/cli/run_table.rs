//! `run` (table output): what a person reads, and a quiet stderr.

use super::{SMALL, aznetsim, reference, stdout_of};

const COLUMNS: [&str; 8] = ["mean", "p50", "p90", "p99", "p99.9", "max", "req/s", "bottleneck"];

#[test]
fn table_names_every_route_under_the_documented_columns() {
    // No --quiet: stderr is captured, not a terminal, so there is no bar
    // (`stdout_of` checks that stderr is empty).
    let table = stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL));

    let header = table
        .lines()
        .find(|l| l.starts_with("route "))
        .unwrap_or_else(|| panic!("no header line starting with 'route':\n{table}"));
    let columns: Vec<&str> = header.split_whitespace().collect();
    for c in COLUMNS {
        assert!(columns.contains(&c), "column {c:?} missing from {header:?}");
    }
    for route in ["green", "red"] {
        let row = table.lines().find(|l| l.split_whitespace().next() == Some(route));
        let row = row.unwrap_or_else(|| panic!("no row for route {route}:\n{table}"));
        // One cell per column (the bottleneck cell is "name (NN%)").
        assert!(row.split_whitespace().count() >= header.split_whitespace().count(), "{row:?}");
        assert!(
            table.contains(&format!("route {route}: where the time goes")),
            "no hop breakdown for {route}:\n{table}"
        );
    }
}

/// Only half of what its name says: stderr is a pipe here, so there is no
/// bar with or without `--quiet`, and this shows that `-q` leaves stdout
/// alone. When the bar is shown is unit-tested in `output/progress.rs`
/// (`is_shown`).
#[test]
fn quiet_changes_nothing_but_the_bar() {
    let loud = stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL));
    let quiet = stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL).arg("--quiet"));
    let short = stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL).arg("-q"));
    assert_eq!(loud, quiet);
    assert_eq!(loud, short);
}
