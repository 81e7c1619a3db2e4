//! Peak memory of the 100-route mix at 1 and 16 replications (issue 13:
//! all replications' results were held until the merge, 195 MB for one and
//! 3.0 GB for sixteen). The target: 16 replications within 2× of one.
//!
//! Each measurement runs in a fresh child process (this executable again,
//! told so by an environment variable), which runs `sim_core::run` on its
//! default rayon pool and reports its peak resident set (`VmHWM` of
//! `/proc/self/status`, Linux only). `cargo bench --bench memory` runs
//! 100,000 arrivals per replication and exits 1 if the target is missed;
//! under `cargo test --benches` (smoke mode) 5,000 arrivals, 1 and 4
//! replications, checking only that both children report.

use std::process::{Command, ExitCode};

use aznetsim_benches::{SEED, mix_100};
use sim_core::RunOptions;

/// Set in a child: its replication count and arrivals.
const CHILD: &str = "AZNETSIM_MEMORY_CHILD";
/// The target: peak at 16 replications at most this times the peak at 1.
const MAX_RATIO: f64 = 2.0;

/// The peak resident set of this process \[KiB\].
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn child(spec: &str) -> ExitCode {
    let (reps, requests) = spec.split_once(',').expect("REPS,REQUESTS");
    let (reps, requests) = (reps.parse().expect("a count"), requests.parse().expect("a count"));
    let results = sim_core::run(&mix_100(requests), &RunOptions::new(SEED, reps)).expect("runs");
    assert_eq!(results.replications(), reps);
    match peak_rss_kib() {
        Some(kib) => {
            println!("{kib}");
            ExitCode::SUCCESS
        }
        None => ExitCode::FAILURE,
    }
}

fn main() -> ExitCode {
    if let Ok(spec) = std::env::var(CHILD) {
        return child(&spec);
    }
    let full = std::env::args().any(|a| a == "--bench");
    let (requests, many) = if full { (100_000u64, 16u64) } else { (5_000, 4) };
    let exe = std::env::current_exe().expect("this executable");
    let peak = |reps: u64| -> Option<u64> {
        let out =
            Command::new(&exe).env(CHILD, format!("{reps},{requests}")).output().expect("runs");
        assert!(out.status.success() || out.status.code() == Some(1), "child failed: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    println!(
        "memory ({}): 100-route mix, {requests} arrivals per replication, {} threads",
        if full { "full" } else { "smoke run: pass --bench for the real one" },
        rayon::current_num_threads()
    );
    let (Some(one), Some(more)) = (peak(1), peak(many)) else {
        println!("  no /proc/self/status here: peak memory not measured");
        return ExitCode::SUCCESS;
    };
    let ratio = more as f64 / one as f64;
    println!("  peak RSS at 1 replication:   {:>8.1} MiB", one as f64 / 1024.0);
    println!("  peak RSS at {many} replications: {:>8.1} MiB", more as f64 / 1024.0);
    println!("  ratio {ratio:.2} (target at 16 replications: at most {MAX_RATIO})");
    if full && ratio > MAX_RATIO { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
