//! Issue 15 item 5, end to end: every command takes a file with
//! `extends`; a variant runs to the same bytes as the full file it
//! replaced; a results directory saves the resolved scenario, so it is
//! self-contained; `--set` applies after resolution.

use serde_json::Value;

use super::{EXIT_INVALID, SMALL, SMALL_SETS, aznetsim, failure_of, resolved, root, stdout_of};

#[test]
fn issue_15_a_variant_runs_to_the_bytes_of_the_file_it_replaced() {
    let patch = root().join("scenarios/apim-hub-proxy-vpn.json");
    let full = root().join("sim-scenarios/tests/replaced/apim-hub-proxy-vpn.json");
    let run = |file: &std::path::Path| {
        stdout_of(aznetsim().arg("run").arg(file).args(SMALL).args(["--format", "json"]))
    };
    assert_eq!(run(&patch), run(&full));
}

#[test]
fn issue_15_every_command_takes_an_extending_file() {
    let patch = root().join("scenarios/onprem-gateway-tls13.json");
    stdout_of(aznetsim().arg("validate").arg(&patch));
    let explain = stdout_of(aznetsim().arg("explain").arg(&patch));
    assert!(explain.starts_with("scenario onprem-gateway-tls13 ("), "{explain}");
    assert!(stdout_of(aznetsim().arg("draw").arg(&patch)).contains("<svg"));
    let sweep = stdout_of(aznetsim().arg("sweep").arg(&patch).args(SMALL_SETS).args([
        "--vary",
        "workload.arrival.rate_per_s=100,200",
        "--quiet",
    ]));
    assert!(sweep.lines().count() > 2, "{sweep}");
    let capacity = stdout_of(aznetsim().arg("capacity").arg(&patch).args(SMALL_SETS).args([
        "--slo",
        "p99<=400ms",
        "--route",
        "red",
        "--precision",
        "20%",
        "--quiet",
    ]));
    assert!(capacity.contains("red"), "{capacity}");
    // An override reaches a field the base holds.
    let e = failure_of(
        aznetsim().arg("validate").arg(&patch).args(["--set", "nodes.onprem-fw.instances=0"]),
        EXIT_INVALID,
    );
    assert!(e.contains("onprem-gateway-tls13.json: nodes.onprem-fw.instances"), "{e}");
}

#[test]
fn issue_15_a_results_directory_saves_the_resolved_scenario() {
    let patch = root().join("scenarios/apim-hub-proxy-mix.json");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    stdout_of(aznetsim().arg("run").arg(&patch).args(SMALL).arg("--quiet").arg("--out").arg(&dir));
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("scenario.json")).unwrap()).unwrap();
    assert!(saved.get("extends").is_none() && saved.get("$schema").is_none(), "{saved}");
    let mut want = resolved(&patch);
    want["workload"]["requests"] = saved["workload"]["requests"].clone();
    want["workload"]["warmup_requests"] = saved["workload"]["warmup_requests"].clone();
    want["replications"] = saved["replications"].clone();
    assert_eq!(saved, want);
    // Moved away from the scenarios folder, it still loads alone, and
    // `merge` re-reads the directory.
    let moved = tmp.path().join("elsewhere");
    std::fs::rename(&dir, &moved).unwrap();
    stdout_of(aznetsim().arg("validate").arg(moved.join("scenario.json")));
    stdout_of(aznetsim().arg("merge").arg(&moved));
}
