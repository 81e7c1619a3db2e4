//! Progress that shows where a command is (issue 17 item 6), seen on a
//! terminal: each command runs under `script`, which gives it a pseudo
//! terminal as stderr (stdout goes to /dev/null). Skipped where `script`
//! (util-linux) is missing.

use std::process::Command;

use super::{TINY_SETS, apim};

/// What `aznetsim ARGS` draws on its terminal, or `None` without `script`.
fn on_a_terminal(args: &[&str]) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("aznetsim");
    let mut line = format!("'{}'", bin.display());
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    line.push_str(" > /dev/null");
    let out = Command::new("script").args(["-qec", &line, "/dev/null"]).output().ok()?;
    assert!(out.status.success(), "{line}: {}", String::from_utf8_lossy(&out.stdout));
    Some(String::from_utf8_lossy(&out.stdout).replace('\r', "\n"))
}

/// `command` on topology A, small, with `extra`.
fn small(command: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![command.to_string(), apim().display().to_string()];
    args.extend(TINY_SETS.iter().chain(extra).map(|s| s.to_string()));
    args
}

fn drawn(command: &str, extra: &[&str]) -> Option<String> {
    let args = small(command, extra);
    on_a_terminal(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn run_counts_the_replications_the_user_set() {
    let Some(screen) = drawn("run", &[]) else { return };
    // Two replications of two routes (and their authorisation twins): 2.
    assert!(screen.contains("/2 replications"), "{screen}");
    assert!(!screen.contains("/4 replications") && !screen.contains("/8 replications"), "{screen}");
}

#[test]
fn sweep_counts_route_replications_and_points() {
    let Some(screen) = drawn("sweep", &["--vary", "workload.arrival.rate_per_s=500,1000"]) else {
        return;
    };
    // 2 points x 2 routes x 2 replications, and the points done.
    assert!(screen.contains("/8 replications"), "{screen}");
    // Redraws are rate-limited: which counts show depends on timing.
    assert!(screen.contains("/2 points)"), "{screen}");
}

#[test]
fn capacity_shows_each_route_its_rate_and_bracket() {
    let extra = ["--slo", "p99<=200ms", "--precision", "20%"];
    let Some(screen) = drawn("capacity", &extra) else { return };
    for route in ["green", "red"] {
        assert!(screen.contains(&format!("{route}: run ")), "{screen}");
    }
    assert!(
        screen.contains("/s meets the SLO; bracket [")
            || screen.contains("/s breaks it; bracket ["),
        "{screen}"
    );
}

#[test]
fn quiet_draws_nothing_on_a_terminal() {
    let Some(screen) = drawn("capacity", &["--slo", "p99<=200ms", "--precision", "20%", "-q"])
    else {
        return;
    };
    assert!(!screen.contains("bracket"), "{screen}");
}
