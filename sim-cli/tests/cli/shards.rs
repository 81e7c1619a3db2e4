//! `sweep --shard K/N --out DIR` then `merge`: the shards of a sweep, run
//! anywhere and joined later, print exactly what the whole sweep prints;
//! results that are not slices of one sweep are refused.

use std::path::{Path, PathBuf};

use super::{EXIT_INVALID, TINY_SETS, apim, aznetsim, failure_of, parse_csv, stdout_of};

/// A 2-D grid of five points (the second field has one value): shards of
/// three get two, two and one points.
const GRID: [&str; 4] =
    ["--vary", "workload.arrival.rate_per_s=500..1500:250", "--vary", "nodes.apim.units=2"];

fn sweep(extra: &[&str]) -> String {
    stdout_of(aznetsim().arg("sweep").arg(apim()).args(TINY_SETS).args(GRID).args(extra))
}

/// Runs shard `k` of `n` into `dir` and returns its stdout.
pub(super) fn shard(k: usize, n: usize, dir: &Path, extra: &[&str]) -> String {
    stdout_of(
        aznetsim()
            .arg("sweep")
            .arg(apim())
            .args(TINY_SETS)
            .args(GRID)
            .arg(format!("--shard={k}/{n}"))
            .arg("--out")
            .arg(dir)
            .arg("--quiet")
            .args(extra),
    )
}

fn merge(dirs: &[PathBuf], extra: &[&str]) -> String {
    stdout_of(aznetsim().arg("merge").args(dirs).args(extra))
}

#[test]
fn sharded_and_merged_equals_the_unsharded_sweep_byte_for_byte() {
    let whole_csv = sweep(&[]);
    let whole_jsonl = sweep(&["--format", "jsonl"]);
    assert_eq!(parse_csv(&whole_csv).len(), 1 + 5 * 2, "{whole_csv}");

    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<PathBuf> = (0..3).map(|k| tmp.path().join(format!("shard-{k}"))).collect();
    for (k, dir) in dirs.iter().enumerate() {
        let own = shard(k, 3, dir, &[]);
        // A shard prints its own points (K, K+N, ...), with the header.
        let points: Vec<usize> =
            parse_csv(&own)[1..].iter().map(|r| r[0].parse().unwrap()).collect();
        let want: Vec<usize> = (0..5).filter(|p| p % 3 == k).flat_map(|p| [p, p]).collect();
        assert_eq!(points, want, "shard {k}/3:\n{own}");
        assert!(dir.join("manifest.json").is_file() && dir.join("states.jsonl").is_file());
    }

    assert_eq!(merge(&dirs, &[]), whole_csv, "merged CSV differs from the unsharded sweep");
    assert_eq!(
        merge(&dirs, &["--format", "jsonl"]),
        whole_jsonl,
        "merged JSON Lines differ from the unsharded sweep"
    );
    // The order of the directories does not matter.
    let shuffled = [dirs[2].clone(), dirs[0].clone(), dirs[1].clone()];
    assert_eq!(merge(&shuffled, &[]), whole_csv);
}

#[test]
fn merging_slices_of_different_experiments_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("seed-42"), tmp.path().join("seed-7"));
    shard(0, 5, &a, &[]);
    shard(1, 5, &b, &["--set", "seed=7"]);
    let stderr = failure_of(aznetsim().arg("merge").arg(&a).arg(&b), EXIT_INVALID);
    assert!(
        stderr.contains(&format!(
            "{}: not from the same experiment as {}",
            b.display(),
            a.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("seed is 7 here, 42 there"), "what disagrees: {stderr}");
    assert!(stderr.contains("seed"), "the message says what must match: {stderr}");
}

#[test]
fn merging_the_same_shard_twice_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shard-0");
    shard(0, 5, &dir, &[]);
    let stderr = failure_of(aznetsim().arg("merge").arg(&dir).arg(&dir), EXIT_INVALID);
    assert!(stderr.contains("shard 0/5 is given twice"), "{stderr}");
}

#[test]
fn merging_an_incomplete_set_of_shards_names_the_missing_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shard-0");
    shard(0, 3, &dir, &[]);
    let stderr = failure_of(aznetsim().arg("merge").arg(&dir), EXIT_INVALID);
    assert!(stderr.contains("shards 1/3, 2/3 are missing"), "{stderr}");
}

#[test]
fn merging_a_directory_that_holds_no_results_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let stderr = failure_of(aznetsim().arg("merge").arg(tmp.path()), EXIT_INVALID);
    assert!(
        stderr.contains(&format!(
            "is {} a results directory written with --out?",
            tmp.path().display()
        )),
        "{stderr}"
    );
}

/// Issue 17 item 7: `merge --out DIR --report` gives a sharded sweep the
/// directory, and the charts, the unsharded sweep would have written.
#[test]
fn merge_out_report_writes_the_whole_sweeps_directory_and_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    sweep(&["--out", whole.to_str().unwrap(), "--report", "--quiet"]);
    let dirs: Vec<PathBuf> = (0..2).map(|k| tmp.path().join(format!("shard-{k}"))).collect();
    for (k, dir) in dirs.iter().enumerate() {
        shard(k, 2, dir, &[]);
    }
    let merged = tmp.path().join("merged");
    let out = aznetsim()
        .arg("merge")
        .args(&dirs)
        .arg("--out")
        .arg(&merged)
        .arg("--report")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("results saved in {}", merged.display())), "{stderr}");
    assert_eq!(super::entries(&merged), super::entries(&whole));
    for file in
        ["summary.csv", "states.jsonl", "manifest.json", "scenario.json", "p99-against-load.svg"]
    {
        assert_eq!(
            std::fs::read(merged.join(file)).unwrap(),
            std::fs::read(whole.join(file)).unwrap(),
            "{file} differs from the unsharded sweep's"
        );
    }
    // The merged directory is a results directory merge reads again.
    assert_eq!(merge(&[merged], &[]), String::from_utf8(out.stdout).unwrap());
}

#[test]
fn merge_report_needs_out_and_a_sweep() {
    let stderr = failure_of(aznetsim().args(["merge", "x", "--report"]), EXIT_INVALID);
    assert!(stderr.contains("--out"), "{stderr}");
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    stdout_of(
        aznetsim().arg("run").arg(apim()).args(super::SMALL).arg("-q").arg("--out").arg(&run),
    );
    let out =
        aznetsim().arg("merge").arg(&run).arg("--out").arg(tmp.path().join("m")).output().unwrap();
    assert_eq!(out.status.code(), Some(EXIT_INVALID));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("this is a run directory, already whole"), "{stderr}");
    assert!(!tmp.path().join("m").exists(), "nothing written");
}
