//! Explicit return paths: responses come back along other links and
//! stations than the request took.

use sim_core::{
    Arrivals, Direction, Dist, Leg, Link, Model, ModelError, RouteBuilder, RunOptions, Servers,
    Station, Workload,
};

use crate::check_hop_sum;

const SEED: u64 = 0x7e7;

fn constant(ns: f64) -> Dist {
    Dist::constant(ns).unwrap()
}

/// origin → A → B, back B → C → origin; every time constant, load tiny:
/// the latency is the exact sum of the legs walked.
#[test]
fn responses_walk_the_return_path_exactly() {
    let mut b = Model::builder();
    let one = Servers::finite(1).unwrap();
    let a = b.station(Station::new("a", one, constant(1_000.0)));
    let bb = b.station(Station::new("b", one, constant(2_000.0)));
    let c = b.station(Station::new("c", one, constant(4_000.0)));
    let oa = b.link(Link::new("o-a", constant(100.0)));
    let ab = b.link(Link::new("a-b", constant(200.0)));
    let bc = b.link(Link::new("b-c", constant(400.0)));
    let co = b.link(Link::new("c-o", constant(800.0)));
    // 1,000 requests, one per millisecond: nobody ever waits.
    let work = Workload::new(Arrivals::constant(1000.0).unwrap(), 1_000).with_round_trip(true);
    let route = RouteBuilder::new("r", work)
        .origin("o")
        .link(oa, Direction::Forward)
        .station(a)
        .link(ab, Direction::Forward)
        .station(bb)
        .with_return_path(vec![
            Leg::Link(bc, Direction::Forward),
            Leg::Station(c),
            Leg::Link(co, Direction::Forward),
        ]);
    b.route(route);
    let model = b.build().unwrap();
    let results = sim_core::run(&model, &RunOptions::new(SEED, 1)).expect("the run completes");
    let r = &results.routes()[0];
    // Out: 100 + 1000 + 200 + 2000; back: 400 + 4000 + 800 (A is not revisited).
    let expected_ms = (100.0 + 1000.0 + 200.0 + 2000.0 + 400.0 + 4000.0 + 800.0) / 1e6;
    assert_eq!(r.completed(), 1_000);
    assert!((r.mean_ms() - expected_ms).abs() < 1e-12, "{} vs {expected_ms}", r.mean_ms());
    assert!((r.max_ms() - expected_ms).abs() < 1e-12);
    // A serves only requests, C only responses.
    let a_busy = results.stations()[a.index()].busy_mean().unwrap();
    let c_busy = results.stations()[c.index()].busy_mean().unwrap();
    assert!((c_busy / a_busy - 4.0).abs() < 1e-2, "a {a_busy}, c {c_busy}");
    check_hop_sum(r, SEED);
}

#[test]
fn a_return_path_must_end_at_the_origin_and_needs_a_round_trip() {
    // `ends_at_station`: the return path's last leg is a station, not the
    // link into the bare origin.
    let build = |round_trip: bool, ends_at_station: bool| {
        let mut b = Model::builder();
        let a = b.station(Station::new("a", Servers::finite(1).unwrap(), constant(1.0)));
        let oa = b.link(Link::new("o-a", constant(1.0)));
        let work = Workload::new(Arrivals::poisson(1.0).unwrap(), 10).with_round_trip(round_trip);
        let mut legs = vec![Leg::Link(oa, Direction::Backward)];
        if ends_at_station {
            legs.push(Leg::Station(a));
        }
        b.route(
            RouteBuilder::new("r", work)
                .origin("o")
                .link(oa, Direction::Forward)
                .station(a)
                .with_return_path(legs),
        );
        b.build()
    };
    assert!(build(true, false).is_ok());
    assert!(matches!(build(false, false), Err(ModelError::InvalidRoute { .. })));
    assert!(matches!(build(true, true), Err(ModelError::InvalidRoute { .. })));
}
