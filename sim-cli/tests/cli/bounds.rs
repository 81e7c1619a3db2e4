//! Bounded work from the command line (issue 10 item 6): threads capped
//! near the core count, a precision floor, and a work estimate that refuses
//! months of simulation unless `--yes`.

use super::{EXIT_INVALID, SMALL, apim, aznetsim, failure_of, reference, stdout_of};

#[test]
fn issue_10_threads_past_the_cap_are_lowered_with_a_note_and_change_nothing() {
    let default =
        stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL).args(["--format", "json"]));
    let out = aznetsim()
        .arg("run")
        .arg(reference())
        .args(SMALL)
        .args(["--format", "json", "--threads", "10000"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("aznetsim: note: --threads 10000 is more than this machine uses"),
        "{stderr}"
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), default);
}

#[test]
fn issue_10_a_precision_no_search_reaches_is_refused() {
    let stderr = failure_of(
        aznetsim().arg("capacity").arg(apim()).args([
            "--slo",
            "p99<=200ms",
            "--precision",
            "1e-17",
        ]),
        EXIT_INVALID,
    );
    assert!(stderr.contains("--precision 1e-17: at most 0.01 % (1e-4) is resolved"), "{stderr}");
}

#[test]
fn issue_10_months_of_work_are_refused_unless_yes() {
    let cases: [&[&str]; 3] = [
        &["run", "--requests", "1e9", "--replications", "100"],
        &["run", "--precision", "1%", "--max-replications", "1e8"],
        &["sweep", "--vary", "seed=1..100:1", "--requests", "1e8"],
    ];
    for args in cases {
        let stderr =
            failure_of(aznetsim().arg(args[0]).arg(reference()).args(&args[1..]), EXIT_INVALID);
        assert!(stderr.contains("past the limit of 1e10"), "{args:?}: {stderr}");
        assert!(stderr.contains("pass --yes to start anyway"), "{args:?}: {stderr}");
    }
    let stderr = failure_of(
        aznetsim().arg("capacity").arg(apim()).args(["--slo", "p99<=200ms", "--requests", "1e9"]),
        EXIT_INVALID,
    );
    assert!(stderr.contains("30 rates tried"), "{stderr}");
}
