//! `run` (table output): what a person reads, and a quiet stderr.

use super::{EXIT_CHECK_FAILED, SMALL, aznetsim, reference, stdout_of};

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

/// Issue 10 (item 6): under 10× overload an unbounded queue grew ~150
/// bytes per queued request, whatever the design promised. The overload
/// guard stops a route past `workload.max_in_flight` requests in flight:
/// its row says so, the figures so far are printed, a warning names the
/// cause, and `run` exits 1.
#[test]
fn issue_10_overload_guard_stops_the_route_and_exits_1() {
    let overload =
        ["--set", "workload.arrival.rate_per_s=20000", "--set", "workload.max_in_flight=2000"];
    let out = aznetsim()
        .arg("run")
        .arg(reference())
        .args(SMALL)
        .args(overload)
        .output()
        .expect("aznetsim runs");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(EXIT_CHECK_FAILED), "{stdout}\n{stderr}");
    for route in ["green", "red"] {
        let row = stdout.lines().find(|l| l.split_whitespace().next() == Some(route));
        let row = row.unwrap_or_else(|| panic!("no row for {route}:\n{stdout}"));
        assert!(row.contains("STOPPED: overload"), "{row}");
        assert!(stdout.contains(&format!("{route} STOPPED: the route cannot carry this load")));
        assert!(
            stderr.contains(&format!("route {route}: the route cannot carry this load")),
            "{stderr}"
        );
    }
    let json = aznetsim()
        .arg("run")
        .arg(reference())
        .args(SMALL)
        .args(overload)
        .arg("--format=json")
        .output()
        .expect("aznetsim runs");
    assert_eq!(json.status.code(), Some(EXIT_CHECK_FAILED));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    for r in report["routes"].as_array().expect("routes") {
        let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
        let stop = &r["stopped"];
        assert_eq!(stop["replications"], 2, "{r}");
        assert_eq!(stop["max_in_flight"], 2000, "{r}");
        let unfinished = stop["unfinished"].as_u64().expect("unfinished");
        assert!(unfinished > 1000, "{r}");
        assert_eq!(n("offered"), n("completed") + n("rejected") + n("timed_out") + unfinished);
        assert!(n("offered") < 2 * 4500, "stopped before the last arrival: {r}");
    }
    // The default limit does not touch a run that carries its load.
    let plain = stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL));
    assert!(!plain.contains("STOPPED"), "{plain}");
}

/// A run the overload guard stopped is saved with its unfinished requests,
/// so `merge` reads it back (offered = completed + rejected + timed_out +
/// unfinished) instead of calling the saved counts inconsistent.
#[test]
fn a_run_stopped_by_the_guard_is_saved_and_merges() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let out_dir = dir.path().join("stopped");
    let out = aznetsim()
        .arg("run")
        .arg(reference())
        .args(SMALL)
        .args([
            "--set",
            "workload.arrival.rate_per_s=20000",
            "--set",
            "workload.max_in_flight=2000",
        ])
        .arg("--quiet")
        .arg("--out")
        .arg(&out_dir)
        .output()
        .expect("aznetsim runs");
    assert_eq!(
        out.status.code(),
        Some(EXIT_CHECK_FAILED),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let states = std::fs::read_to_string(out_dir.join("states.jsonl")).expect("states.jsonl");
    assert!(states.contains("\"unfinished\":"), "{states}");
    let merged = aznetsim().arg("merge").arg(&out_dir).output().expect("aznetsim runs");
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
}
