//! One-direction stations: a hop whose station serves only requests, only
//! responses, or neither (a gateway one direction of the traffic bypasses).

use sim_core::{
    Arrivals, Direction, Link, Model, RouteBuilder, RunOptions, Serves, Station, Workload,
};

use crate::{check_conserved, const_ms, servers};

const SEED: u64 = 0x00A1_0B02;

/// origin ─1 ms─► gw ─2 ms─► backend and back, everything constant, one
/// request every 10 ms (nothing waits). The gateway takes 0.3 ms for a
/// request and 0.7 ms for a response, so each direction is seen apart.
fn mean_at_gateway(serves: Serves) -> (f64, f64) {
    let mut b = Model::builder();
    let gw = b.station(
        Station::new("gw", servers(1), const_ms(0.3)).with_response_service(const_ms(0.7)),
    );
    let backend = b.station(Station::new("backend", servers(1), const_ms(1.0)));
    let l0 = b.link(Link::new("origin-gw", const_ms(1.0)));
    let l1 = b.link(Link::new("gw-backend", const_ms(2.0)));
    let work = Workload::new(Arrivals::constant(100.0).unwrap(), 2_000)
        .with_warmup(100)
        .with_round_trip(true);
    b.route(
        RouteBuilder::new("r", work)
            .origin("client")
            .link(l0, Direction::Forward)
            .station_serving(gw, serves)
            .link(l1, Direction::Forward)
            .station(backend),
    );
    let model = b.build().unwrap();
    assert_eq!(model.routes()[0].hops()[1].serves(), serves);
    let results = sim_core::run(&model, &RunOptions::new(SEED, 1)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    (route.hops()[1].service_ms_mean(), route.mean_ms())
}

/// Issue 11 item 2: the hop's service time is the request part, the
/// response part, both or none, and the end-to-end time moves by exactly
/// that (links 2 × 3 ms, backend 1 ms).
#[test]
fn issue_11_a_station_serves_only_the_directions_it_is_given() {
    for (serves, at_gw) in [
        (Serves::Both, 1.0),
        (Serves::Requests, 0.3),
        (Serves::Responses, 0.7),
        (Serves::Neither, 0.0),
    ] {
        let (service, mean) = mean_at_gateway(serves);
        assert!((service - at_gw).abs() < 1e-9, "{serves:?}: {service} ms at the gateway");
        assert!((mean - (7.0 + at_gw)).abs() < 1e-9, "{serves:?}: {mean} ms end to end");
    }
    assert_eq!(Serves::of(true, false), Serves::Requests);
    assert_eq!(Serves::of(false, false), Serves::Neither);
}

/// A connection's handshake CPU is spent when the terminator serves the
/// request, so a terminator that requests bypass is refused.
#[test]
fn issue_11_a_terminator_must_serve_requests() {
    let mut b = Model::builder();
    let gw = b.station(Station::new("gw", servers(1), const_ms(0.3)));
    let l0 = b.link(Link::new("origin-gw", const_ms(1.0)));
    let work = Workload::new(Arrivals::constant(100.0).unwrap(), 10).with_round_trip(true);
    let setup = sim_core::Setup::new(1.0, const_ms(1.0)).with_terminator_cpu(1, const_ms(1.0));
    b.route(
        RouteBuilder::new("r", work)
            .origin("client")
            .setup(setup)
            .link(l0, Direction::Forward)
            .station_serving(gw, Serves::Responses),
    );
    assert!(b.build().is_err());
}
