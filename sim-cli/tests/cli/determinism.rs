//! A run is a pure function of (scenario, seed): not of the thread count,
//! not of the run.

use super::{SMALL, aznetsim, reference, stdout_of};

fn json(extra: &[&str]) -> String {
    stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL).arg("--format=json").args(extra))
}

#[test]
fn json_is_byte_identical_whatever_the_thread_count() {
    let one = json(&["--threads=1"]);
    assert_eq!(one, json(&["--threads=2"]), "--threads 1 and --threads 2 differ");
    assert_eq!(one, json(&["--threads=3"]), "--threads 1 and --threads 3 differ");
    assert_eq!(one, json(&[]), "--threads 1 and the default pool differ");
}

#[test]
fn json_is_byte_identical_across_runs() {
    assert_eq!(json(&["--threads=2"]), json(&["--threads=2"]));
}

#[test]
fn another_seed_changes_the_results() {
    let default = json(&[]);
    assert!(default.contains("\"seed\": 42"), "the scenario's seed is 42:\n{default}");
    let other = json(&["--seed=43"]);
    assert!(other.contains("\"seed\": 43"));
    // Beyond the seed field itself: the latencies change.
    assert_ne!(default.replace("\"seed\": 42", ""), other.replace("\"seed\": 43", ""));
}

#[test]
fn set_seed_is_the_seed_flag() {
    let flag = json(&["--seed", "7"]);
    assert_eq!(flag, json(&["--set", "seed=7"]));
    assert!(flag.contains("\"seed\": 7"));
    assert_ne!(flag, json(&[]), "seed 7 must differ from the scenario's 42");
}
