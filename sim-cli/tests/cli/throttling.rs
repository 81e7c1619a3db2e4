//! Issue 11 item 4 end to end: the no-cache scenario's 429s in the run
//! table, the JSON, `--slo`, sweep CSV, saved states and `merge`.

use std::path::PathBuf;

use serde_json::Value;

use super::{EXIT_CHECK_FAILED, TINY_SETS, aznetsim, parse_csv, root, stdout_of};

fn no_cache() -> PathBuf {
    root().join("scenarios/apim-hub-proxy-no-token-cache.json")
}

/// The measured requests of [`TINY_SETS`]: 1,800 per replication, two.
const OFFERED: u64 = 2 * 1_800;

#[test]
fn issue_11_throttled_requests_fail_and_every_output_says_so() {
    let json =
        stdout_of(aznetsim().arg("run").arg(no_cache()).args(TINY_SETS).arg("--format=json"));
    let v: Value = serde_json::from_str(&json).unwrap();
    for r in v["routes"].as_array().unwrap() {
        let n = |k: &str| r[k].as_u64().unwrap();
        assert_eq!(n("offered"), OFFERED);
        assert_eq!(n("completed") + n("rejected") + n("timed_out") + n("failed"), OFFERED);
        // 2 s of arrivals at 1,000/s against 200/s with a burst of 200:
        // about 400 + 200 pass per replication, mostly in the measured part.
        assert!(n("failed") > OFFERED / 2, "{r}");
        assert_eq!(n("throttled"), n("failed"));
        let call = &r["calls"][0];
        assert_eq!(
            (call["call"].as_str(), call["node"].as_str()),
            (Some("token_exchange"), Some("apim"))
        );
        assert_eq!(call["throttled"], r["throttled"]);
    }
    let table = stdout_of(aznetsim().arg("run").arg(no_cache()).args(TINY_SETS));
    assert!(table.contains("failed  retries"), "{table}");
    assert!(table.contains("green: token_exchange at apim: 3600 attempts"), "{table}");
    // A failed request is not a success: most failed, so neither the share
    // objective nor the median is met, whatever the survivors' latency.
    for slo in ["failed<=1%", "green:p50<=10s"] {
        let out = aznetsim()
            .arg("run")
            .arg(no_cache())
            .args(TINY_SETS)
            .args(["--slo", slo])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(EXIT_CHECK_FAILED), "{slo}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("BROKEN"), "{slo}: {stderr}");
    }
}

/// Two shards of a sweep of the no-cache scenario, merged: the saved
/// states carry `failed`, `retries` and `throttled` (format 3), and the
/// merge prints what the unsharded sweep prints, failures included.
#[test]
fn issue_11_a_merge_of_runs_with_failures_keeps_them() {
    let vary = ["--vary", "nodes.entra.rate_limit.per_s=100,200"];
    let whole = stdout_of(aznetsim().arg("sweep").arg(no_cache()).args(TINY_SETS).args(vary));
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<PathBuf> = (0..2).map(|k| tmp.path().join(format!("s{k}"))).collect();
    for (k, dir) in dirs.iter().enumerate() {
        stdout_of(
            aznetsim()
                .arg("sweep")
                .arg(no_cache())
                .args(TINY_SETS)
                .args(vary)
                .arg(format!("--shard={k}/2"))
                .arg("--out")
                .arg(dir)
                .arg("--quiet"),
        );
        let states = std::fs::read_to_string(dir.join("states.jsonl")).unwrap();
        for line in states.lines() {
            let s: Value = serde_json::from_str(line).unwrap();
            assert!(s["failed"].as_u64().unwrap() > 0 && s["throttled"] == s["failed"], "{line}");
        }
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["format_version"], 4);
    }
    let merged = stdout_of(aznetsim().arg("merge").args(&dirs));
    assert_eq!(merged, whole);
    let rows = parse_csv(&merged);
    let failed = rows[0].iter().position(|c| c == "failed").unwrap();
    let got: Vec<u64> = rows[1..].iter().map(|r| r[failed].parse().unwrap()).collect();
    // Half the limit, more failures.
    assert!(got[0] > got[2] && got[1] > got[3], "{merged}");
}
