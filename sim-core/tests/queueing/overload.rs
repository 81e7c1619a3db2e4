//! The overload guard (issue 10, item 6): a route that cannot carry its
//! load stops when too many of its requests are in flight, instead of
//! growing its queue (and memory, ~165 bytes a request) without bound.

use sim_core::{
    Arrivals, DEFAULT_MAX_IN_FLIGHT, Model, RouteBuilder, RunOptions, Station, Workload,
};

use crate::{exp_ms, servers};

const SEED: u64 = 0x00A1_0010;

/// One exponential server of mean 1 ms fed at `rate_per_s`, guarded at
/// `limit` requests in flight.
fn mm1(rate_per_s: f64, requests: u64, limit: Option<u64>) -> Model {
    let mut b = Model::builder();
    let server = b.station(Station::new("server", servers(1), exp_ms(1.0)));
    let mut work = Workload::new(Arrivals::poisson(rate_per_s).unwrap(), requests).with_warmup(100);
    if let Some(l) = limit {
        work = work.with_max_in_flight(l);
    }
    b.route(RouteBuilder::new("only", work).station(server));
    b.build().unwrap()
}

/// At 10× overload the queue grows by 9 requests a millisecond: with a
/// limit of 5,000 every replication stops within about 560 ms of simulated
/// time, long before its 200,000 arrivals, and keeps its figures so far.
#[test]
fn issue_10_ten_times_overload_stops_at_the_limit() {
    let reps = 3;
    let model = mm1(10_000.0, 200_000, Some(5_000));
    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("no overflow");
    let r = &results.routes()[0];
    assert_eq!(r.overload_stops(), reps, "every replication is stopped");
    // Every measured request is accounted for: the ones in flight at the
    // stop are unfinished, neither completed nor lost.
    assert_eq!(r.completed() + r.rejected() + r.timed_out() + r.unfinished(), r.offered());
    // The stop comes at the limit: 5,001 in flight, of which all but a
    // warm-up remainder are measured.
    assert!(r.unfinished() <= reps * 5_001 && r.unfinished() >= reps * 4_900, "{}", r.unfinished());
    assert!(r.offered() < reps * 10_000, "stopped early: {} offered", r.offered());
    // About 1,000 completions a second of a 1 ms server, 10× the arrivals.
    assert!(r.completed() > 0 && r.completed() < r.offered() / 5, "{}", r.completed());
    let u = results.stations()[0].utilization().expect("one server");
    assert!(u > 0.99, "the server was busy all the time: {u}");
}

/// Below the limit nothing changes: a stable route is never stopped, and
/// its default limit is documented.
#[test]
fn a_stable_route_is_never_stopped() {
    assert_eq!(DEFAULT_MAX_IN_FLIGHT, 1_000_000);
    let model = mm1(500.0, 20_000, None);
    assert_eq!(model.routes()[0].workload().max_in_flight(), DEFAULT_MAX_IN_FLIGHT);
    let results = sim_core::run(&model, &RunOptions::new(SEED, 2)).expect("no overflow");
    let r = &results.routes()[0];
    assert_eq!((r.overload_stops(), r.unfinished()), (0, 0));
    assert_eq!(r.completed(), r.offered());
    // A limit of one stops at the second request in flight, even if no
    // event is left to process.
    let tight = mm1(10_000.0, 20_000, Some(1));
    let results = sim_core::run(&tight, &RunOptions::new(SEED, 1)).expect("no overflow");
    assert_eq!(results.routes()[0].overload_stops(), 1);
}
