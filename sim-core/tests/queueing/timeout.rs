//! Route timeouts: requests still in flight at the deadline fail, are
//! counted apart, and never pollute the latency of completed requests.

use sim_core::{
    Arrivals, Direction, Link, Model, RouteBuilder, RunOptions, RunResults, SimDuration, Station,
    Workload,
};

use crate::theory::{exp_mean_below, mm1_sojourn_tail};
use crate::{check_conserved, check_rel, const_ns, exp_ms, ns_to_ms, servers};

const SEED: u64 = 0x00A1_0012;

/// An M/M/1 (μ = 1 per ms) fed at `lambda` per ms with a route timeout,
/// the first `warmup` requests not measured.
fn mm1_with_timeout(
    lambda: f64,
    timeout_ms: f64,
    requests: u64,
    warmup: u64,
    reps: u64,
) -> RunResults {
    let mut b = Model::builder();
    let server = b.station(Station::new("server", servers(1), exp_ms(1.0)));
    let work =
        Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
    b.route(
        RouteBuilder::new("only", work)
            .station(server)
            .with_timeout(SimDuration::from_millis_f64(timeout_ms).unwrap()),
    );
    let model = b.build().unwrap();
    sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes")
}

/// λ = 1.2 against μ = 1 per ms from an empty system (no warm-up): the
/// queue grows without bound, the first requests complete in time and,
/// past the first few hundred, everyone is late. Every request is still
/// accounted for exactly once, no completed request took longer than the
/// timeout, and the server stays busy (timed-out work is still done).
#[test]
fn overload_times_out_and_counts_every_request() {
    let timeout = 20.0;
    let results = mm1_with_timeout(1.2, timeout, 200_000, 0, 2);
    let route = &results.routes()[0];
    println!(
        "timeout overload: offered {} = completed {} + rejected {} + timed out {}, max {} ms",
        route.offered(),
        route.completed(),
        route.rejected(),
        route.timed_out(),
        route.max_ms()
    );
    check_conserved(route, SEED);
    assert_eq!(route.rejected(), 0);
    assert!(route.timed_out() > route.offered() / 2, "most requests are late (seed {SEED:#x})");
    assert!(route.completed() > 0);
    assert!(route.max_ms() <= timeout, "max {} ms (seed {SEED:#x})", route.max_ms());
    assert!(route.quantile_ms(1.0) <= timeout * 1.001);
    let u = results.stations()[0].utilization().unwrap();
    assert!(u > 0.99, "the overloaded server is always busy: {u}");
}

/// λ = 0.8, μ = 1 per ms (ρ = 0.8) with a 10 ms timeout: the M/M/1 sojourn
/// is Exp(μ − λ) under FIFO, so a fraction e^{−0.2·10} = e^{−2} ≈ 0.135
/// times out and the completed requests' mean is the exponential's mean
/// below 10 ms, ≈ 3.43 ms (against 5 ms without the timeout). A timeout
/// does not remove work, so the queue is the plain M/M/1's. At λ = 0.3 and
/// 50 ms (P = e^{−35} ≈ 6·10⁻¹⁶ per request) nobody times out.
#[test]
fn light_load_matches_exponential_sojourn_tail() {
    let (lambda, timeout) = (0.8, 10.0);
    let results = mm1_with_timeout(lambda, timeout, 1_050_000, 50_000, 4);
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    assert!(route.max_ms() <= timeout);
    let late = route.timed_out() as f64 / route.offered() as f64;
    check_rel(
        "timeout M/M/1 timed-out fraction",
        late,
        mm1_sojourn_tail(lambda, 1.0, timeout),
        0.03,
        SEED,
    );
    check_rel(
        "timeout M/M/1 mean of completed [ms]",
        route.mean_ms(),
        exp_mean_below(1.0 - lambda, timeout),
        0.02,
        SEED,
    );
    check_rel(
        "timeout M/M/1 utilization",
        results.stations()[0].utilization().unwrap(),
        lambda,
        0.01,
        SEED,
    );

    let light = mm1_with_timeout(0.3, 50.0, 200_000, 10_000, 2);
    let route = &light.routes()[0];
    check_conserved(route, SEED);
    assert_eq!(route.timed_out(), 0, "seed {SEED:#x}");
    assert_eq!(route.completed(), route.offered());
}

/// The deadline is inclusive: a request that takes exactly the timeout
/// completes, one nanosecond less of timeout fails it. Constant everything:
/// 0.3 ms link + 0.5 ms service = 0.8 ms for every request.
#[test]
fn deadline_is_inclusive_to_the_nanosecond() {
    let latency: u64 = 800_000;
    for (timeout_ns, completes) in [(latency + 1, true), (latency, true), (latency - 1, false)] {
        let mut b = Model::builder();
        let server = b.station(Station::new("server", servers(1), const_ns(500_000)));
        let l = b.link(Link::new("wire", const_ns(300_000)));
        let work = Workload::new(Arrivals::constant(1000.0).unwrap(), 2_000).with_warmup(100);
        b.route(
            RouteBuilder::new("only", work)
                .origin("client")
                .link(l, Direction::Forward)
                .station(server)
                .with_timeout(SimDuration::from_nanos(timeout_ns)),
        );
        let model = b.build().unwrap();
        assert_eq!(model.routes()[0].timeout(), Some(SimDuration::from_nanos(timeout_ns)));
        let results = sim_core::run(&model, &RunOptions::new(SEED, 1)).expect("the run completes");
        let route = &results.routes()[0];
        check_conserved(route, SEED);
        if completes {
            assert_eq!(route.completed(), 1_900, "timeout {timeout_ns} ns");
            assert_eq!(route.mean_ms(), ns_to_ms(latency));
        } else {
            assert_eq!(route.timed_out(), 1_900, "timeout {timeout_ns} ns");
            assert_eq!(route.completed(), 0);
            assert_eq!(route.mean_ms(), 0.0);
        }
        // Late or not, the work was done.
        check_rel(
            &format!("timeout {timeout_ns} ns: utilization"),
            results.stations()[0].utilization().unwrap(),
            0.5,
            1e-9,
            SEED,
        );
    }
}
