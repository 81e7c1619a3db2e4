//! The analytic estimate against closed forms and the simulation, where it
//! claims to be exact.
//!
//! Each case is one the estimate used to get wrong: a finite queue taken as
//! infinite, random message sizes taken at their mean, and Erlang C past 709
//! Erlangs (NaN).

use std::time::Instant;

use sim_core::analytic::{Accuracy, estimate};
use sim_core::{
    Arrivals, Direction, Dist, Link, Model, RouteBuilder, RunOptions, Servers, Station, Workload,
};

use crate::theory::{mg1_sojourn_mean, mmc_sojourn_mean_many, mmck};
use crate::{check_conserved, check_rel, const_ms, exp_ms, servers};

const SEED: u64 = 0x00A1_0020;

/// M/M/3 with 2 waiting places (K = 5) at λ = 2.7 per ms, μ = 1 per ms:
/// the estimate used to ignore the limit (Erlang C: 3.72 ms); M/M/3/5 gives
/// the admitted requests' mean sojourn and the blocking probability.
#[test]
fn queue_limit_is_mmck_exactly() {
    let (lambda, mu, c, limit) = (2.7, 1.0, 3, 2);
    let (requests, warmup, reps) = (210_000, 10_000, 4);
    let mut b = Model::builder();
    let pool =
        b.station(Station::new("pool", servers(c), exp_ms(1.0 / mu)).with_queue_limit(limit));
    let work =
        Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
    b.route(RouteBuilder::new("only", work).station(pool));
    let model = b.build().unwrap();

    let (blocking, sojourn) = mmck(lambda, mu, c, c + limit);
    let est = estimate(&model, 0).expect("a finite queue is never overloaded");
    assert_eq!(est.class, Accuracy::Exact);
    check_rel("M/M/3/5 estimate vs exact [ms]", est.mean_ms, sojourn, 1e-9, SEED);

    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    let rejected = route.rejected() as f64 / route.offered() as f64;
    check_rel("M/M/3/5 blocking, simulated vs exact", rejected, blocking, 0.03, SEED);
    check_rel(
        "M/M/3/5 mean sojourn, simulated vs exact [ms]",
        route.mean_ms(),
        sojourn,
        0.01,
        SEED,
    );
}

/// Exponential message sizes of mean 12 500 bytes on 100 Mbit/s (1 ms on
/// the wire on average), Poisson at 0.7 per ms, 0.5 ms propagation, a
/// zero-time sink: the transmitter is M/M/1 (exponential sizes give
/// exponential transmission times), `W = 0.5 + 1 + 0.7 / 0.3 ≈ 3.83 ms`
/// by Pollaczek–Khinchine with `E[S²] = 2 E[S]²`; sizes taken at their
/// mean (M/D/1) gave 2.67 ms.
#[test]
fn random_sizes_enter_the_transmitter_with_their_variance() {
    let (lambda, propagation) = (0.7, 0.5);
    let (requests, warmup, reps) = (420_000, 20_000, 4);
    let mut b = Model::builder();
    let sink = b.station(Station::new("sink", Servers::Unbounded, const_ms(0.0)));
    let wire = b.link(Link::new("wire", const_ms(propagation)).with_bandwidth_bps(1e8));
    let work = Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests)
        .with_warmup(warmup)
        .with_request_bytes(Dist::exponential(12_500.0).unwrap());
    b.route(
        RouteBuilder::new("wire", work)
            .origin("client")
            .link(wire, Direction::Forward)
            .station(sink),
    );
    let model = b.build().unwrap();

    let exact = mg1_sojourn_mean(lambda, 1.0, 1.0) + propagation;
    let est = estimate(&model, 0).expect("ρ = 0.7");
    assert_eq!(est.class, Accuracy::Exact);
    check_rel("exponential sizes: estimate vs exact [ms]", est.mean_ms, exact, 1e-9, SEED);

    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    check_rel("exponential sizes: simulated vs exact [ms]", route.mean_ms(), exact, 0.02, SEED);
}

/// The same per-byte law at a one-server station: `S = S₀ + b X`, so
/// `Var S = Var S₀ + b² Var X` and Pollaczek–Khinchine is exact.
#[test]
fn per_byte_service_with_random_sizes_is_pollaczek_khinchine() {
    let lambda = 0.5; // per ms
    let mut b = Model::builder();
    // 0.2 ms constant + 40 ns per byte × exponential sizes of mean 10 000 bytes.
    let s = b.station(Station::new("s", servers(1), const_ms(0.2)).with_ns_per_byte(40.0));
    let work = Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), 1000)
        .with_request_bytes(Dist::exponential(10_000.0).unwrap());
    b.route(RouteBuilder::new("r", work).station(s));
    let model = b.build().unwrap();
    let (mean, var) = (0.2 + 0.4, 0.4 * 0.4);
    let exact = mg1_sojourn_mean(lambda, mean, var / (mean * mean));
    let est = estimate(&model, 0).unwrap();
    assert_eq!(est.class, Accuracy::Exact);
    check_rel("per-byte service: estimate vs exact [ms]", est.mean_ms, exact, 1e-9, SEED);
}

/// 1,000 servers at 90 % load: Erlang C used to be NaN past 709 Erlangs.
/// The estimate is finite, agrees with the Erlang B recursion, takes well
/// under a second, and the simulation agrees within 1 %.
#[test]
fn thousand_servers_at_ninety_percent_load() {
    let (lambda, mu, c) = (900.0, 1.0, 1000); // per ms
    let (requests, warmup, reps) = (110_000, 10_000, 2);
    let mut b = Model::builder();
    let pool = b.station(Station::new("pool", servers(c), exp_ms(1.0 / mu)));
    let work =
        Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
    b.route(RouteBuilder::new("only", work).station(pool));
    let model = b.build().unwrap();

    let start = Instant::now();
    let est = estimate(&model, 0).expect("ρ = 0.9");
    let took = start.elapsed();
    assert!(took.as_secs_f64() < 1.0, "the estimate took {took:?}");
    assert!(est.mean_ms.is_finite());
    assert_eq!(est.class, Accuracy::Exact);
    let exact = mmc_sojourn_mean_many(lambda, mu, c);
    check_rel("M/M/1000 estimate vs Erlang B recursion [ms]", est.mean_ms, exact, 1e-9, SEED);

    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    check_rel("M/M/1000 simulated vs estimate [ms]", route.mean_ms(), est.mean_ms, 0.01, SEED);
}
