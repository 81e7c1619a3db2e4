//! `run --slo` (issue 17 item 4): exit 1 when a route breaks an objective,
//! with the figure, its interval and, when the interval contains the limit,
//! a verdict marked not certain.

use serde_json::Value;

use super::{EXIT_CHECK_FAILED, EXIT_INVALID, SMALL, aznetsim, failure_of, reference};

/// `run` of the reference scenario, small, with `args`: (exit code, stdout,
/// stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = aznetsim().arg("run").arg(reference()).args(SMALL).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The `slo` verdicts of a JSON run with `args`.
fn verdicts(args: &[&str]) -> (i32, Vec<Value>) {
    let (code, stdout, _) = run(&[args, &["--format", "json"]].concat());
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    (code, doc["slo"].as_array().cloned().unwrap_or_default())
}

#[test]
fn objectives_that_hold_exit_0_with_every_route_judged() {
    let (code, stdout, stderr) = run(&["--slo", "p99<=1s", "--slo", "rejected<=0.1%"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("scenario generic-green-red"), "results first:\n{stdout}");
    for route in ["green", "red"] {
        assert!(
            stderr.contains(&format!("slo: route {route} ok against p99<=1s: p99 ")),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!("route {route} ok against rejected<=0.1%: rejected 0.0000 %")),
            "{stderr}"
        );
    }
    assert!(stderr.contains("95% interval ["), "the interval is printed:\n{stderr}");
    assert!(!stderr.contains("not certain"), "{stderr}");
}

#[test]
fn a_broken_objective_exits_1_after_the_results_naming_the_route() {
    let (code, stdout, stderr) = run(&["--slo", "red:p99<=1ms"]);
    assert_eq!(code, EXIT_CHECK_FAILED, "{stderr}");
    assert!(stdout.contains("route "), "the table is printed first:\n{stdout}");
    assert!(stderr.contains("slo: route red BROKEN against red:p99<=1ms: p99 "), "{stderr}");
    assert!(stderr.contains("limit 1.000 ms"), "{stderr}");
    assert!(!stderr.contains("slo: route green"), "the objective is for red only:\n{stderr}");
    // In the JSON document too, for scripts.
    let (code, v) = verdicts(&["--slo", "red:p99<=1ms", "--slo", "mean<=10s"]);
    assert_eq!(code, EXIT_CHECK_FAILED);
    assert_eq!(v.len(), 3, "{v:?}");
    assert_eq!((v[0]["route"].as_str(), v[0]["met"].as_bool()), (Some("red"), Some(false)));
    assert_eq!(v[0]["metric"], "p99");
    assert_eq!(v[0]["unit"], "ms");
    assert!(v[0]["value"].as_f64().unwrap() > 1.0);
    let [lo, hi] = [v[0]["ci95"][0].as_f64().unwrap(), v[0]["ci95"][1].as_f64().unwrap()];
    assert!(lo <= hi);
    assert!(v[1..].iter().all(|x| x["met"] == true && x["objective"] == "mean<=10s"));
}

#[test]
fn a_limit_inside_the_interval_is_not_certain_and_the_point_estimate_decides() {
    let (_, stdout, _) = run(&["--format", "json"]);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let green = &doc["routes"][0]["latency_ms"];
    let (mean, lo) = (green["mean"].as_f64().unwrap(), green["mean_ci95"][0].as_f64().unwrap());
    // Just above the estimate: met, but the interval reaches past it.
    let above = format!("green:mean<={}ms", mean + (mean - lo) / 10.0);
    let (code, v) = verdicts(&["--slo", &above]);
    assert_eq!(code, 0);
    assert_eq!((v[0]["met"].as_bool(), v[0]["uncertain"].as_bool()), (Some(true), Some(true)));
    // Just below: broken, and just as uncertain.
    let below = format!("green:mean<={}ms", mean - (mean - lo) / 10.0);
    let (code, stdout, stderr) = run(&["--slo", &below]);
    assert_eq!(code, EXIT_CHECK_FAILED, "{stdout}");
    assert!(
        stderr.contains("BROKEN") && stderr.contains("not certain at this precision"),
        "{stderr}"
    );
}

#[test]
fn one_replication_has_no_interval_and_says_so() {
    let out = aznetsim()
        .arg("run")
        .arg(reference())
        .args(["--requests", "5000", "--set", "workload.warmup_requests=500"])
        .args(["--replications", "1", "--slo", "p99<=1s"])
        .output()
        .unwrap();
    let (code, stderr) = (out.status.code().unwrap(), String::from_utf8(out.stderr).unwrap());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("no interval (one replication"), "{stderr}");
}

#[test]
fn a_bad_objective_is_refused_before_simulating() {
    let cases = [
        ("blue:p99<=1s", "no route 'blue'; routes: green, red"),
        ("p95<=1s", "run reports mean, p50, p90, p99 and p99.9, not p95"),
        ("p99<=200", "the limit '200' has no unit: write ms, s or us, e.g. 200ms"),
        ("p99>=200ms", "the comparison must be <="),
    ];
    for (slo, want) in cases {
        let stderr = failure_of(
            aznetsim().arg("run").arg(reference()).args(SMALL).args(["--slo", slo]),
            EXIT_INVALID,
        );
        assert!(stderr.contains(&format!("--slo {slo}: {want}")), "{slo}: {stderr}");
    }
}
