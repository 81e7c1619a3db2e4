//! One replication of one of the models `benches/benches/models.rs` times,
//! for a profiler: instruction counts (`valgrind --tool=callgrind`) are
//! repeatable on a loaded machine where wall time is not.
//!
//! ```text
//! cargo build --release -p aznetsim-benches --example one_model
//! valgrind --tool=callgrind target/release/examples/one_model mix_100_routes
//! ```
//!
//! It prints the model's events, so that instructions per event compare
//! across models; without an argument it lists the models.

use std::process::ExitCode;

use aznetsim_benches::{SEED, timed_models};

fn main() -> ExitCode {
    let name = std::env::args().nth(1).unwrap_or_default();
    let mut cases = timed_models();
    let Some(i) = cases.iter().position(|(n, _)| *n == name) else {
        let names: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
        eprintln!("usage: one_model MODEL, where MODEL is one of {}", names.join(", "));
        return ExitCode::from(2);
    };
    let (_, models) = cases.swap_remove(i);
    let events: u64 = models
        .iter()
        .map(|m| sim_core::simulate_replication(m, SEED, 0).expect("the run completes").events())
        .sum();
    println!("{name}: {events} events");
    ExitCode::SUCCESS
}
