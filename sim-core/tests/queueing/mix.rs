//! A mix: several routes share one arrival process and one station, each
//! arrival drawing its route by weight.

use sim_core::{
    Arrivals, Direction, Dist, Link, Model, ModelError, RouteBuilder, RunOptions, SimDuration,
    Station, Workload,
};

use crate::determinism::run_on;
use crate::theory::mm1_sojourn_mean;
use crate::{check_conserved, check_rel, const_ms, exp_ms, servers};

const SEED: u64 = 0x00A1_0016;

/// Two routes through one M/M/1 station, weights 0.7 / 0.3, `requests`
/// Poisson arrivals at `lambda` per ms in all.
fn two_routes(lambda: f64, mu: f64, requests: u64, warmup: u64) -> (Model, usize) {
    let mut b = Model::builder();
    let server = b.station(Station::new("server", servers(1), exp_ms(1.0 / mu)));
    let work =
        Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
    // The second route's arrival process and counts are ignored in a mix
    // (a warm-up longer than its request count would not build alone).
    let ignored = Workload::new(Arrivals::poisson(1.0).unwrap(), 1).with_warmup(5);
    b.route(RouteBuilder::new("green", work).station(server));
    b.route(RouteBuilder::new("red", ignored).station(server));
    b.mix(vec![0.7, 0.3]);
    (b.build().unwrap(), server.index())
}

/// λ = 0.8 per ms in all, split 70 / 30 over two routes through one
/// M/M/1 station with μ = 1 per ms. By Poisson splitting (a Bernoulli
/// choice per arrival) each route is a Poisson stream of λ·w, but the
/// station serves both: its utilisation is the total load λ/μ = 0.8, and
/// under FIFO with one service law every request, whatever its route,
/// spends the M/M/1 sojourn of the total load, 1 / (μ − λ) = 5 ms
/// (\[Kleinrock\] §3.2; the BCMP theorem, \[BCMP\], for classes sharing an
/// FCFS station with one exponential service law).
///
/// Sample sizes as in `mm1.rs` (relative standard error of the whole mean
/// about 0.3 %); the 30 % route's estimate shares the queue's correlation
/// and stays well inside 2 %.
#[test]
fn routes_share_the_station_at_the_total_load() {
    let (lambda, mu) = (0.8, 1.0);
    let (requests, warmup, reps) = (2_550_000, 50_000, 4);
    let (model, server) = two_routes(lambda, mu, requests, warmup);
    assert_eq!(model.mix_weights(), Some(&[0.7, 0.3][..]));

    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let routes = results.routes();
    // Warm-up and the request count apply to the arrivals over both routes.
    let total: u64 = routes.iter().map(|r| r.offered()).sum();
    assert_eq!(total, reps * (requests - warmup), "seed {SEED:#x}");
    for r in routes {
        check_conserved(r, SEED);
        assert_eq!(r.rejected(), 0, "seed {SEED:#x}");
    }

    // Each measured arrival takes green with probability 0.7: the count is
    // binomial; allow five standard deviations.
    let share = routes[0].offered() as f64 / total as f64;
    let sd = (0.7 * 0.3 / total as f64).sqrt();
    println!("mix: green share {share:.6} (0.7 ± {:.6})", 5.0 * sd);
    assert!((share - 0.7).abs() <= 5.0 * sd, "green share {share} (seed {SEED:#x})");

    let utilization = results.stations()[server].utilization().unwrap();
    check_rel("mix utilization = λ·E[S] over both routes", utilization, lambda / mu, 0.01, SEED);
    let want = mm1_sojourn_mean(lambda, mu);
    check_rel("mix green mean sojourn [ms]", routes[0].mean_ms(), want, 0.02, SEED);
    check_rel("mix red mean sojourn [ms]", routes[1].mean_ms(), want, 0.02, SEED);
    // Each route's throughput is its share of λ.
    check_rel("mix green throughput [1/s]", routes[0].throughput_per_s(), 0.7 * 800.0, 0.01, SEED);
    check_rel("mix red throughput [1/s]", routes[1].throughput_per_s(), 0.3 * 800.0, 0.01, SEED);
}

/// A mix exercising sizes, a round trip, a link with bandwidth shared by
/// both routes, a finite queue that rejects, a timeout and a route of
/// weight 0: results are bit-identical on one and two threads, every
/// measured request is accounted for, and the route of weight 0 carries
/// nothing.
#[test]
fn a_mix_is_deterministic_and_conserves_requests() {
    let mut b = Model::builder();
    let a = b.station(Station::new("a", servers(2), exp_ms(0.4)).with_ns_per_byte(50.0));
    let s = b.station(Station::new("b", servers(1), exp_ms(0.5)).with_queue_limit(3));
    let l1 = b.link(Link::new("l1", exp_ms(0.2)).with_bandwidth_bps(2e8));
    let l2 = b.link(Link::new("l2", const_ms(0.1)));
    let (requests, warmup) = (40_000, 4_000);
    let first = Workload::new(Arrivals::mmpp2([2500.0, 800.0], [30.0, 30.0]).unwrap(), requests)
        .with_warmup(warmup)
        .with_request_bytes(Dist::uniform(500.0, 3000.0).unwrap())
        .with_response_bytes(Dist::constant(8000.0).unwrap())
        .with_round_trip(true);
    let other = |bytes: f64| {
        Workload::new(Arrivals::poisson(1.0).unwrap(), 1)
            .with_request_bytes(Dist::constant(bytes).unwrap())
    };
    b.route(
        RouteBuilder::new("rt", first)
            .origin("client")
            .link(l1, Direction::Forward)
            .station(a)
            .link(l2, Direction::Forward)
            .station(s),
    );
    b.route(
        RouteBuilder::new("one-way", other(1200.0))
            .origin("client")
            .link(l1, Direction::Forward)
            .station(a)
            .with_timeout(SimDuration::from_nanos(2_000_000)),
    );
    b.route(RouteBuilder::new("idle", other(10.0)).station(s));
    b.mix(vec![2.0, 1.0, 0.0]);
    let model = b.build().unwrap();

    let opts = RunOptions::new(SEED, 4);
    let one = run_on(1, &model, &opts);
    let two = run_on(2, &model, &opts);
    assert_eq!(one, two, "1 thread vs 2 threads (seed {SEED:#x})");
    assert_ne!(one, run_on(2, &model, &RunOptions::new(SEED + 1, 4)), "seed {SEED:#x}");

    let results = sim_core::run(&model, &opts).expect("the run completes");
    let routes = results.routes();
    let total: u64 = routes.iter().map(|r| r.offered()).sum();
    assert_eq!(total, 4 * (requests - warmup), "seed {SEED:#x}");
    for r in routes {
        check_conserved(r, SEED);
    }
    assert!(routes[0].rejected() > 0, "the finite queue rejects (seed {SEED:#x})");
    assert!(routes[1].timed_out() > 0, "the timeout fires (seed {SEED:#x})");
    assert_eq!(routes[2].offered(), 0, "weight 0 carries nothing (seed {SEED:#x})");
    assert_eq!(routes[2].throughput_per_s(), 0.0);
    // Both routes load station a: its utilisation is one number.
    assert!(results.stations()[a.index()].utilization().unwrap() > 0.0);
}

/// Weights are checked when the model is built.
#[test]
fn invalid_weights_are_refused() {
    let build = |weights: Vec<f64>| {
        let mut b = Model::builder();
        let s = b.station(Station::new("s", servers(1), exp_ms(1.0)));
        let w = Workload::new(Arrivals::poisson(10.0).unwrap(), 100);
        b.route(RouteBuilder::new("a", w.clone()).station(s));
        b.route(RouteBuilder::new("b", w).station(s));
        b.mix(weights);
        b.build()
    };
    let reason = |weights: Vec<f64>| match build(weights) {
        Err(ModelError::InvalidMix { reason }) => reason,
        other => panic!("expected InvalidMix, got {other:?}"),
    };
    assert!(reason(vec![1.0]).contains("1 weights for 2 routes"));
    assert!(reason(vec![1.0, -0.5]).contains("weight 1 must be finite and >= 0"));
    assert!(reason(vec![f64::NAN, 1.0]).contains("weight 0"));
    assert!(reason(vec![f64::INFINITY, 1.0]).contains("weight 0"));
    assert!(reason(vec![0.0, 0.0]).contains("positive"));
    assert!(reason(vec![f64::MAX, f64::MAX]).contains("finite sum"));
    assert!(build(vec![0.0, 1.0]).is_ok());
    // The first route's warm-up must still be shorter than its request count.
    let mut b = Model::builder();
    let s = b.station(Station::new("s", servers(1), exp_ms(1.0)));
    let w = Workload::new(Arrivals::poisson(10.0).unwrap(), 100).with_warmup(100);
    b.route(RouteBuilder::new("a", w).station(s));
    b.mix(vec![1.0]);
    assert!(matches!(b.build(), Err(ModelError::WarmupTooLong { .. })));
}
