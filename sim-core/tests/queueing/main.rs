//! The engine against queueing theory.
//!
//! Each submodule checks one behaviour of `sim-core` against a closed-form
//! result (formulas in [`theory`], each with its reference). At the sample
//! sizes used, statistical tolerances are four or more standard errors of
//! the estimate wide, yet a modelling or accounting bug of a few percent
//! fails them; accounting identities are checked exactly. The seeds are
//! fixed, so every run of this binary sees the same numbers. Run with
//! `cargo test -p sim-core --test queueing -- --nocapture` to see measured
//! values next to theory.

mod bandwidth;
mod capacity_change;
mod determinism;
mod detour;
mod estimate;
mod feature_determinism;
mod finite_queue;
mod hop_sums;
mod md1;
mod mix;
mod mm1;
mod mmc;
mod mmpp;
mod nested_call_limits;
mod overflow;
mod overload;
mod packets;
mod platform;
mod pool;
mod return_path;
mod revisit;
mod round_trip;
mod serves;
mod setup;
mod tandem;
mod theory;
mod throttle;
mod timeout;

use sim_core::stats::RouteStats;
use sim_core::{Dist, Servers};

/// Nanoseconds per millisecond: laws are given to the engine in ns.
const NS_PER_MS: f64 = 1e6;

/// Exponential law with mean `mean_ms` \[ms\], in the engine's nanoseconds.
fn exp_ms(mean_ms: f64) -> Dist {
    Dist::exponential(mean_ms * NS_PER_MS).expect("positive mean")
}

/// Constant law of `value_ms` \[ms\], in the engine's nanoseconds.
fn const_ms(value_ms: f64) -> Dist {
    Dist::constant(value_ms * NS_PER_MS).expect("non-negative value")
}

/// `c` servers (c ≥ 1).
fn servers(c: u32) -> Servers {
    Servers::finite(c).expect("at least one server")
}

/// Prints `got` next to `want` and fails unless they agree within relative
/// tolerance `tol`; `seed` is named on failure so the run can be reproduced.
fn check_rel(what: &str, got: f64, want: f64, tol: f64, seed: u64) {
    let err = got / want - 1.0;
    println!(
        "{what:<60} measured {got:>12.6}  theory {want:>12.6}  error {:>+7.3} %  (tolerance {:.2} %)",
        err * 100.0,
        tol * 100.0
    );
    assert!(
        err.abs() <= tol,
        "{what}: measured {got}, theory {want}, relative error {err:+.4} exceeds {tol} (seed {seed:#x})"
    );
}

/// Every measured request completed, was rejected, timed out or failed:
/// none is lost, none is counted twice.
fn check_conserved(route: &RouteStats, seed: u64) {
    assert_eq!(
        route.completed() + route.rejected() + route.timed_out() + route.failed(),
        route.offered(),
        "route {}: completed {} + rejected {} + timed out {} + failed {} != offered {} (seed {seed:#x})",
        route.name(),
        route.completed(),
        route.rejected(),
        route.timed_out(),
        route.failed(),
        route.offered()
    );
}

/// Milliseconds as the engine reports an exact integer count of
/// nanoseconds: `ns / 1e6`, one correctly rounded division, so a mean over
/// identical integer latencies compares equal with `==`.
fn ns_to_ms(ns: u64) -> f64 {
    ns as f64 / NS_PER_MS
}

/// Constant law of `ns` nanoseconds.
fn const_ns(ns: u64) -> Dist {
    Dist::constant(ns as f64).expect("non-negative value")
}

/// Sum over a route's hops of every time component (wait, service, link,
/// serialisation, handshake, sub-call, pool wait) \[ms\]: must equal the end-to-end mean.
fn hop_component_sum_ms(route: &RouteStats) -> f64 {
    route
        .hops()
        .iter()
        .map(|h| {
            h.wait_ms_mean()
                + h.service_ms_mean()
                + h.link_ms_mean()
                + h.serialization_ms_mean()
                + h.handshake_ms_mean()
                + h.subcall_ms_mean()
                + h.pool_wait_ms_mean()
        })
        .sum()
}

/// A model that exercises every feature at once, for the accounting and
/// determinism tests: two routes sharing stations, a revisited station, a
/// round trip, random link latencies, bandwidth on both directions of a
/// link, random message sizes with a per-byte service cost, MMPP arrivals,
/// a finite queue that rejects, and capacity changes (down, then up).
///
/// ```text
/// "rt":  client ─l1(bw)─► a ─l2(bw)─► b ─l2 backward─► a ─l3─► c   (round trip)
/// "mix": client ─l1(bw)─► b ─l3'─► c                              (one way, MMPP)
/// ```
fn rich_model(requests_per_route: u64) -> sim_core::Model {
    use sim_core::{Arrivals, Direction, Link, Model, RouteBuilder, SimTime, Station, Workload};
    let mut b = Model::builder();
    let a = b.station(
        Station::new("a", servers(2), exp_ms(0.5))
            .with_response_service(Dist::lognormal_mean_p99(0.3e6, 2e6).unwrap())
            .with_ns_per_byte(20.0),
    );
    let st_b = b.station(
        Station::new("b", servers(1), Dist::gamma(2.0, 0.3e6).unwrap()).with_queue_limit(6),
    );
    let c = b.station(Station::new("c", Servers::Unbounded, Dist::uniform(0.1e6, 0.9e6).unwrap()));
    let l1 = b.link(Link::new("l1", exp_ms(0.3)).with_bandwidth_bps(1e9));
    let l2 = b.link(
        Link::new("l2", Dist::truncated_normal(0.4e6, 0.2e6).unwrap()).with_bandwidth_bps(5e8),
    );
    let l3 = b.link(Link::new("l3", const_ms(0.25)));
    let l4 = b.link(Link::new("l4", Dist::pareto(0.1e6, 2.5).unwrap()));
    let rt = Workload::new(Arrivals::poisson(600.0).unwrap(), requests_per_route)
        .with_warmup(requests_per_route / 10)
        .with_request_bytes(Dist::uniform(500.0, 3000.0).unwrap())
        .with_response_bytes(Dist::lognormal_mean_p99(16_384.0, 131_072.0).unwrap())
        .with_round_trip(true);
    b.route(
        RouteBuilder::new("rt", rt)
            .origin("client")
            .link(l1, Direction::Forward)
            .station(a)
            .link(l2, Direction::Forward)
            .station(st_b)
            .link(l2, Direction::Backward)
            .station(a)
            .link(l3, Direction::Forward)
            .station(c),
    );
    let mix =
        Workload::new(Arrivals::mmpp2([1500.0, 100.0], [20.0, 40.0]).unwrap(), requests_per_route)
            .with_warmup(requests_per_route / 10)
            .with_request_bytes(Dist::constant(1200.0).unwrap());
    b.route(
        RouteBuilder::new("mix", mix)
            .origin("other-client")
            .link(l1, Direction::Forward)
            .station(st_b)
            .link(l4, Direction::Forward)
            .station(c),
    );
    // a drops to one server for 10 s (its queue builds up, then drains);
    // b gets a second server later on.
    let s = |ms: u64| SimTime::from_nanos(ms * 1_000_000);
    b.schedule_servers(s(20_000), a, servers(1));
    b.schedule_servers(s(30_000), a, servers(2));
    b.schedule_servers(s(40_000), st_b, servers(2));
    b.build().unwrap()
}

/// The per-hop components add up to the end-to-end mean (both are exact
/// integer sums; only the final divisions round).
fn check_hop_sum(route: &RouteStats, seed: u64) {
    let sum = hop_component_sum_ms(route);
    let err = sum / route.mean_ms() - 1.0;
    assert!(
        err.abs() < 1e-9,
        "route {}: Σ hop components {sum} ms vs end-to-end mean {} ms (seed {seed:#x})",
        route.name(),
        route.mean_ms()
    );
}
