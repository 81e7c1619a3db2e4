//! M/M/1 at load 0.8: mean and tail of the time in system.

use sim_core::{Arrivals, Model, RouteBuilder, RunOptions, Station, Workload};

use crate::theory::{mm1_sojourn_mean, mm1_sojourn_quantile};
use crate::{check_conserved, check_rel, exp_ms, servers};

const SEED: u64 = 0x00A1_0001;

/// λ = 0.8 per ms, μ = 1 per ms: the sojourn time is Exp(μ − λ), mean 5 ms.
///
/// At ρ = 0.8 successive sojourn times are strongly correlated (the queue
/// relaxes over about 1 / (μ (1 − √ρ)²) ≈ 90 service times), so the
/// estimate needs millions of requests: 4 replications of 2.5 M measured
/// requests after 50 k of warm-up give a relative standard error of the mean
/// of about 0.3 %, well inside the 2 % tolerance.
#[test]
fn mean_and_quantiles_match_exponential_sojourn() {
    let (lambda, mu) = (0.8, 1.0);
    let (requests, warmup, reps) = (2_550_000, 50_000, 4);
    let mut b = Model::builder();
    let server = b.station(Station::new("server", servers(1), exp_ms(1.0 / mu)));
    let work =
        Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
    b.route(RouteBuilder::new("only", work).station(server));
    let model = b.build().unwrap();

    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let route = &results.routes()[0];
    assert_eq!(route.offered(), reps * (requests - warmup));
    assert_eq!(route.rejected(), 0);
    check_conserved(route, SEED);
    if let Some((lo, hi)) = route.mean_ci95_ms() {
        println!("mm1: 95 % CI of the mean across replications [{lo:.4}, {hi:.4}] ms");
    }

    check_rel("mm1 mean sojourn [ms]", route.mean_ms(), mm1_sojourn_mean(lambda, mu), 0.02, SEED);
    for q in [0.5, 0.9, 0.99] {
        check_rel(
            &format!("mm1 p{} sojourn [ms]", q * 100.0),
            route.quantile_ms(q),
            mm1_sojourn_quantile(lambda, mu, q),
            0.02,
            SEED,
        );
    }
    // Utilisation of a single server is λ/μ (the fraction of time busy).
    let utilization = results.stations()[server.index()].utilization().unwrap();
    check_rel("mm1 utilization", utilization, lambda / mu, 0.01, SEED);
}
