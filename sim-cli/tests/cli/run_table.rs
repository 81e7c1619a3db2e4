//! `run` (table output): what a person reads, and a quiet stderr.

use super::{SMALL, aznetsim, reference, stdout_of};

const COLUMNS: [&str; 10] =
    ["mean", "p50", "p90", "p99", "p99.9", "max", "req/s", "rejected", "timed out", "busiest"];

#[test]
fn table_names_every_route_under_the_documented_columns() {
    // No --quiet: stderr is captured, not a terminal, so there is no bar
    // (`stdout_of` checks that stderr is empty).
    let table = stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL));

    let header = table
        .lines()
        .find(|l| l.starts_with("route "))
        .unwrap_or_else(|| panic!("no header line starting with 'route':\n{table}"));
    // Columns are separated by two spaces or more; a name may hold one.
    let columns: Vec<&str> = header.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    for c in COLUMNS {
        assert!(columns.contains(&c), "column {c:?} missing from {columns:?}");
    }
    for route in ["green", "red"] {
        let row = table.lines().find(|l| l.split_whitespace().next() == Some(route));
        let row = row.unwrap_or_else(|| panic!("no row for route {route}:\n{table}"));
        // One cell per column (the busiest cell is "name (NN%)").
        assert!(row.split_whitespace().count() >= columns.len(), "{row:?}");
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

/// Results alone on stdout: a scenario that fails a route check prints its
/// table, names the failed check once on stderr, and exits 1.
#[test]
fn a_failed_check_goes_to_stderr_once_and_exits_1() {
    let file = super::shipped_scenarios()
        .into_iter()
        .find(|f| f.ends_with("onprem-gateway-paas-client.json"))
        .unwrap();
    let out = aznetsim().arg("run").arg(&file).args(SMALL).output().unwrap();
    let (stdout, stderr) =
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap());
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stdout.contains("route red: where the time goes"), "the results are printed");
    assert!(!stdout.contains("tls_trust") && !stdout.contains("warning"), "{stdout}");
    assert_eq!(stderr.matches("[tls_trust]").count(), 1, "{stderr}");
    assert!(stderr.lines().all(|l| l.starts_with("aznetsim: ")), "{stderr}");
}

/// The difference table says what it pairs: the same demand only with
/// common random numbers.
#[test]
fn the_difference_header_says_whether_the_demand_was_shared() {
    let table =
        |extra: &[&str]| stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL).args(extra));
    assert!(table(&[]).contains("the same demand in every replication: common random numbers"));
    let off = table(&["--set", "workload.common_random_numbers=false"]);
    assert!(off.contains("independent demand"), "{off}");
    assert!(!off.contains("same demand"), "{off}");
}
