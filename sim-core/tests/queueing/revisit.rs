//! A route that visits one station twice: one queue, twice the load.

use sim_core::{
    Arrivals, Direction, Link, Model, RouteBuilder, RunOptions, RunResults, Station, StationId,
    Workload,
};

use crate::theory::mm1_sojourn_mean;
use crate::{check_conserved, check_rel, const_ms, exp_ms, servers};

const SEED: u64 = 0x00A1_0005;

const LAMBDA: f64 = 0.4;
const S_A: f64 = 1.0;
const S_B: f64 = 1.25;
const ORIGIN_A: f64 = 0.2;
const A_B: f64 = 0.3;

/// origin ─0.2 ms─► A ─0.3 ms─► B, then (when `twice`) back to A over the
/// same link in the backward direction. Returns the results and A's id.
fn simulate(twice: bool, requests: u64, reps: u64) -> (RunResults, StationId) {
    let mut b = Model::builder();
    let a = b.station(Station::new("a", servers(1), exp_ms(S_A)));
    let st_b = b.station(Station::new("b", servers(1), exp_ms(S_B)));
    let oa = b.link(Link::new("origin-a", const_ms(ORIGIN_A)));
    let ab = b.link(Link::new("a-b", const_ms(A_B)));
    let work =
        Workload::new(Arrivals::poisson(LAMBDA * 1e3).unwrap(), requests).with_warmup(50_000);
    let mut route = RouteBuilder::new("route", work)
        .origin("client")
        .link(oa, Direction::Forward)
        .station(a)
        .link(ab, Direction::Forward)
        .station(st_b);
    if twice {
        route = route.link(ab, Direction::Backward).station(a);
    }
    b.route(route);
    let model = b.build().unwrap();
    (sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes"), a)
}

/// Visiting A twice doubles its load: λ_A = 2λ, so ρ_A goes from 0.4 to 0.8.
///
/// With FIFO stations whose exponential service law does not depend on the
/// visit, the network (the two visits as two classes) has product form
/// (Kelly, *Reversibility and Stochastic Networks*, 1979, ch. 3; \[BCMP\]),
/// and by the arrival theorem every visit sees the station in equilibrium:
/// each visit to A is an M/M/1 sojourn at the total load, 1/(μ_A − 2λ),
/// and the mean end-to-end time is the sum over visits and links.
#[test]
fn revisited_station_carries_double_load() {
    let (once, a1) = simulate(false, 1_050_000, 4);
    let (twice, a2) = simulate(true, 1_550_000, 4);
    for r in [&once, &twice] {
        check_conserved(&r.routes()[0], SEED);
    }

    let u_once = once.stations()[a1.index()].utilization().unwrap();
    let u_twice = twice.stations()[a2.index()].utilization().unwrap();
    check_rel("revisit utilization of a, one visit", u_once, LAMBDA * S_A, 0.01, SEED);
    check_rel("revisit utilization of a, two visits", u_twice, 2.0 * LAMBDA * S_A, 0.01, SEED);
    check_rel("revisit utilization ratio (two / one visit)", u_twice / u_once, 2.0, 0.01, SEED);

    let w_b = mm1_sojourn_mean(LAMBDA, 1.0 / S_B);
    let theory_once = ORIGIN_A + A_B + mm1_sojourn_mean(LAMBDA, 1.0 / S_A) + w_b;
    check_rel("revisit mean, one visit [ms]", once.routes()[0].mean_ms(), theory_once, 0.02, SEED);

    let w_a = mm1_sojourn_mean(2.0 * LAMBDA, 1.0 / S_A);
    let theory_twice = ORIGIN_A + 2.0 * A_B + 2.0 * w_a + w_b;
    let route = &twice.routes()[0];
    check_rel("revisit mean, two visits [ms]", route.mean_ms(), theory_twice, 0.02, SEED);
    // Both visits share one queue, so each sees the same M/M/1 at load 0.8.
    let hops = route.hops();
    assert_eq!(hops.len(), 4);
    for i in [1, 3] {
        let got = hops[i].wait_ms_mean() + hops[i].service_ms_mean();
        check_rel(&format!("revisit sojourn at hop {i} (a) [ms]"), got, w_a, 0.03, SEED);
    }
}
