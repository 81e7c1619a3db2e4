//! A finite queue under overload: rejections are counted, never lost.

use sim_core::{Arrivals, Model, RouteBuilder, RunOptions, Station, Workload};

use crate::theory::mm1k;
use crate::{check_conserved, check_rel, exp_ms, servers};

const SEED: u64 = 0x00A1_0006;

/// λ = 1.5 per ms against μ = 1 per ms (ρ = 1.5) with 4 waiting places:
/// M/M/1/K with K = 5 in system. The blocking probability is
/// P_K = (1 − ρ) ρ^K / (1 − ρ^{K+1}) ≈ 0.365 and accepted requests spend
/// W = L / (λ (1 − P_K)) in the system (\[GSTH\] §2.5). Poisson arrivals see
/// time averages (PASTA, Wolff 1982), so the fraction of arrivals rejected
/// estimates P_K.
#[test]
fn overload_rejects_at_mm1k_rate_and_counts_every_request() {
    let (lambda, mu, limit) = (1.5, 1.0, 4);
    let (requests, warmup, reps) = (520_000, 20_000, 4);
    let mut b = Model::builder();
    let server =
        b.station(Station::new("server", servers(1), exp_ms(1.0 / mu)).with_queue_limit(limit));
    let work =
        Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
    b.route(RouteBuilder::new("only", work).station(server));
    let model = b.build().unwrap();

    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let route = &results.routes()[0];
    assert_eq!(route.offered(), reps * (requests - warmup), "seed {SEED:#x}");
    assert!(route.rejected() > 0, "an overloaded finite queue must reject (seed {SEED:#x})");
    check_conserved(route, SEED);
    assert_eq!(route.hops()[0].rejected(), route.rejected(), "seed {SEED:#x}");
    // The queue never holds more than its limit.
    assert_eq!(results.stations()[server.index()].max_queue(), u64::from(limit), "seed {SEED:#x}");

    let (blocking, sojourn) = mm1k(lambda, mu, limit + 1);
    let measured = route.rejected() as f64 / route.offered() as f64;
    println!(
        "finite queue: offered {} = completed {} + rejected {}",
        route.offered(),
        route.completed(),
        route.rejected()
    );
    check_rel("finite queue blocking probability", measured, blocking, 0.02, SEED);
    check_rel("finite queue mean sojourn, accepted [ms]", route.mean_ms(), sojourn, 0.02, SEED);
    // Throughput of the server: λ (1 − P_K) = μ · P(busy).
    let utilization = results.stations()[server.index()].utilization().unwrap();
    check_rel("finite queue utilization", utilization, lambda / mu * (1.0 - blocking), 0.01, SEED);
}
