//! The reference route against SimPy in the same run (issue 13): one
//! command prints aznetsim's single-core throughput on the reference
//! route, the SimPy model of the same route (`benches/simpy/tandem.py`)
//! and their ratio, with the machine's load average.
//!
//! The Rust side times whole replications of
//! [`aznetsim_benches::reference`] (200,000 requests, the first tenth
//! warm-up) by `sim_core::simulate_replication` on the calling thread; the
//! Python side runs `python3 benches/simpy/tandem.py`, whose median it
//! reads. The order is Rust, SimPy, Rust (half the Rust runs before and
//! half after), so a drift of the machine's load weighs on both sides.
//! Throughput is in simulated requests, warm-up included, on both sides.
//!
//! `cargo bench -p aznetsim-benches --bench simpy_ratio` (about a minute
//! on an idle machine: 3 SimPy runs of ~8 s, 10 Rust runs of ~0.15 s)
//! exits 1 when the Rust median is below the target (1.6 M simulated
//! requests/s, the hand-written same-parts simulator's) and 2 when SimPy
//! cannot run. Under `cargo test --benches` (smoke mode) it runs 2,000
//! requests on each side once, without a target, and skips SimPy when
//! `python3 -c "import simpy"` fails.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use aznetsim_benches::{REFERENCE_SERVERS, SEED, chain, median};

/// The target: simulated requests per second on one core.
const TARGET_PER_S: f64 = 1.6e6;
/// Arrivals per second of the reference route.
const RATE_PER_S: f64 = 10_000.0;

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` prints them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Simulated requests per second of `runs` replications, each timed alone.
fn rust_rates(requests: u64, runs: usize) -> Vec<f64> {
    let model = chain(&REFERENCE_SERVERS, RATE_PER_S, requests);
    (0..runs)
        .map(|_| {
            let t0 = Instant::now();
            let r = sim_core::simulate_replication(&model, SEED, 0).expect("the run completes");
            let wall = t0.elapsed().as_secs_f64();
            assert_eq!(
                r.routes()[0].completed(),
                requests - requests / 10,
                "all measured complete"
            );
            requests as f64 / wall
        })
        .collect()
}

/// The SimPy model's median \[simulated requests/s\], or why it did not run.
fn simpy_rate(requests: u64, runs: usize) -> Result<f64, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("simpy/tandem.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["--runs", &runs.to_string(), "--requests", &requests.to_string()])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    for line in text.lines() {
        println!("  simpy | {line}");
    }
    let median = text
        .lines()
        .find_map(|l| l.strip_prefix("median: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.replace(',', "").parse().ok());
    median.ok_or_else(|| format!("no median line in the output of {}", script.display()))
}

fn simpy_installed() -> bool {
    Command::new("python3").args(["-c", "import simpy"]).output().is_ok_and(|o| o.status.success())
}

fn main() -> ExitCode {
    let full = std::env::args().any(|a| a == "--bench");
    let (requests, rust_runs, simpy_runs) = if full { (200_000, 10, 3) } else { (2_000, 2, 1) };
    println!(
        "simpy_ratio ({}): reference route, {requests} requests a replication, one thread",
        if full { "full" } else { "smoke run: pass --bench for the real one" }
    );
    let before = load_average();
    let mut rates = rust_rates(requests, rust_runs / 2);
    let simpy = if full || simpy_installed() {
        Some(simpy_rate(requests, simpy_runs))
    } else {
        println!("  simpy not installed: skipped (pip install simpy==4.1.2)");
        None
    };
    rates.extend(rust_rates(requests, rust_runs - rust_runs / 2));
    let after = load_average();
    let rust = median(rates);
    println!("  load average before: {before}; after: {after} (1, 5, 15 min)");
    println!("  aznetsim: {:.3} M simulated requests/s (median of {rust_runs})", rust / 1e6);
    match simpy {
        Some(Ok(simpy)) => {
            println!("  simpy:    {simpy:.0} simulated requests/s (median of {simpy_runs})");
            println!("  ratio aznetsim / simpy: {:.1}", rust / simpy);
        }
        Some(Err(why)) => {
            println!("  simpy did not run: {why}");
            return ExitCode::from(2);
        }
        None => {}
    }
    if !full {
        return ExitCode::SUCCESS;
    }
    let met = rust >= TARGET_PER_S;
    println!(
        "  target ≥ {:.1} M simulated requests/s: {}",
        TARGET_PER_S / 1e6,
        if met { "met" } else { "not met (on a loaded machine this is indicative only)" }
    );
    if met { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
