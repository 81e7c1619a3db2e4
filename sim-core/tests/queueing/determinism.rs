//! A run is a pure function of (model, seed): thread count, repetition and
//! the split into replications do not change a single bit.

use std::fmt::Write;

use rayon::ThreadPoolBuilder;
use sim_core::stats::ResourceStats;
use sim_core::{Model, RunOptions, RunResults, simulate_replication};

use crate::rich_model;

const SEED: u64 = 0x00A1_000B;
const REPS: u64 = 4;

/// Every number a run reports, floats as their bit patterns.
pub(crate) fn fingerprint(r: &RunResults) -> String {
    let bits = |x: f64| format!("{:016x}", x.to_bits());
    let opt = |x: Option<f64>| x.map_or("none".to_string(), bits);
    let mut s = format!("replications {}\n", r.replications());
    for route in r.routes() {
        let _ = writeln!(
            s,
            "route {} offered {} completed {} rejected {} timed out {} mean {} max {} throughput {} ci {:?}",
            route.name(),
            route.offered(),
            route.completed(),
            route.rejected(),
            route.timed_out(),
            bits(route.mean_ms()),
            bits(route.max_ms()),
            bits(route.throughput_per_s()),
            route.mean_ci95_ms().map(|(l, h)| (bits(l), bits(h)))
        );
        for q in [0.5, 0.9, 0.99, 0.999] {
            let _ = writeln!(s, "  q{q} {}", bits(route.quantile_ms(q)));
        }
        let means: Vec<String> = route.replication_means_ms().into_iter().map(bits).collect();
        let _ = writeln!(s, "  replication means {means:?}");
        for h in route.hops() {
            let _ = writeln!(
                s,
                "  hop {} wait {} service {} link {} serialization {} handshake {} subcall {} rejected {} p99 {}",
                h.name(),
                bits(h.wait_ms_mean()),
                bits(h.service_ms_mean()),
                bits(h.link_ms_mean()),
                bits(h.serialization_ms_mean()),
                bits(h.handshake_ms_mean()),
                bits(h.subcall_ms_mean()),
                h.rejected(),
                h.time_histogram().value_at_quantile(0.99)
            );
        }
    }
    let resources = r.stations().iter().chain(r.transmitters());
    for x in resources {
        let x: &ResourceStats = x;
        let _ = writeln!(
            s,
            "resource {} utilization {} busy {} max queue {}",
            x.name(),
            opt(x.utilization()),
            opt(x.busy_mean()),
            x.max_queue()
        );
    }
    s
}

pub(crate) fn run_on(threads: usize, model: &Model, opts: &RunOptions) -> String {
    let pool = ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    fingerprint(&pool.install(|| sim_core::run(model, opts).expect("the run completes")))
}

/// The same model and seed give bit-identical results on one thread, on two,
/// and again on two; another seed gives different results.
#[test]
fn results_do_not_depend_on_threads_or_repetition() {
    let model = rich_model(60_000);
    let opts = RunOptions::new(SEED, REPS);
    let one = run_on(1, &model, &opts);
    let two = run_on(2, &model, &opts);
    let again = run_on(2, &model, &opts);
    println!("determinism: fingerprint of seed {SEED:#x}:\n{one}");
    assert_eq!(one, two, "1 thread vs 2 threads (seed {SEED:#x})");
    assert_eq!(two, again, "two runs on 2 threads (seed {SEED:#x})");
    let other = run_on(2, &model, &RunOptions::new(SEED + 1, REPS));
    assert_ne!(one, other, "seeds {SEED:#x} and {:#x} gave identical results", SEED + 1);
}

/// Replication k of a run is `simulate_replication(model, seed, k)`, and runs
/// of disjoint replication ranges merge into the run of their union (what
/// sharded sweeps rely on).
#[test]
fn replications_are_independent_of_the_run_that_holds_them() {
    let model = rich_model(30_000);
    let whole = sim_core::run(&model, &RunOptions::new(SEED, REPS)).expect("the run completes");
    let mut merged_singles: Option<RunResults> = None;
    for k in 0..REPS {
        let single = simulate_replication(&model, SEED, k).expect("the run completes");
        for (i, route) in single.routes().iter().enumerate() {
            let alone = route.replication_means_ms();
            let in_run = whole.routes()[i].replication_means_ms()[k as usize];
            assert_eq!(alone.len(), 1);
            assert_eq!(
                alone[0].to_bits(),
                in_run.to_bits(),
                "route {i}, replication {k} (seed {SEED:#x})"
            );
        }
        match &mut merged_singles {
            None => merged_singles = Some(single),
            Some(m) => m.merge(&single),
        }
    }
    assert_eq!(fingerprint(&merged_singles.unwrap()), fingerprint(&whole), "seed {SEED:#x}");

    let first =
        sim_core::run(&model, &RunOptions::new(SEED, 1 + REPS / 2)).expect("the run completes");
    let mut rest = RunOptions::new(SEED, REPS - 1 - REPS / 2);
    rest.first_replication = 1 + REPS / 2;
    let mut sharded = first;
    sharded.merge(&sim_core::run(&model, &rest).expect("the run completes"));
    assert_eq!(fingerprint(&sharded), fingerprint(&whole), "seed {SEED:#x}");
}
