//! M/D/1: mean time in system against Pollaczek–Khinchine.

use sim_core::{Arrivals, Model, RouteBuilder, RunOptions, Station, Workload};

use crate::theory::mg1_sojourn_mean;
use crate::{check_conserved, check_rel, const_ms, servers};

const SEED: u64 = 0x00A1_0003;

/// λ = 0.8 per ms, constant service D = 1 ms (ρ = 0.8): the P-K formula
/// gives W = D + ρD / (2(1 − ρ)) = 3 ms, against 5 ms for exponential
/// service of the same mean.
#[test]
fn mean_sojourn_matches_pollaczek_khinchine() {
    let (lambda, d) = (0.8, 1.0);
    let (requests, warmup, reps) = (1_550_000, 50_000, 4);
    let mut b = Model::builder();
    let server = b.station(Station::new("server", servers(1), const_ms(d)));
    let work =
        Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
    b.route(RouteBuilder::new("only", work).station(server));
    let model = b.build().unwrap();

    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    check_rel(
        "md1 mean sojourn [ms]",
        route.mean_ms(),
        mg1_sojourn_mean(lambda, d, 0.0),
        0.02,
        SEED,
    );
    // Service is exactly D for everyone, to the nanosecond.
    assert_eq!(route.hops()[0].service_ms_mean(), d, "seed {SEED:#x}");
}
