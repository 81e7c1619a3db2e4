//! Bandwidth-limited links serialise messages by size, FIFO.

use sim_core::{
    Arrivals, Direction, Dist, Link, Model, RouteBuilder, RunOptions, Servers, Station, Workload,
};

use crate::theory::mg1_sojourn_mean;
use crate::{check_conserved, check_rel, const_ms, servers};

const SEED: u64 = 0x00A1_0008;

/// 10⁸ bit/s: a byte takes 80 ns, so every size below serialises in a whole
/// number of nanoseconds and the deterministic case is exact.
const BPS: f64 = 1e8;

/// Constant arrivals every 1 ms, 1250-byte requests (1250·8 / 10⁸ s =
/// 0.1 ms on the wire), 2 ms propagation, 0.5 ms constant service: nobody
/// ever waits, so every request takes exactly 0.1 + 2 + 0.5 = 2.6 ms. On a
/// round trip the 6250-byte response adds 0.5 ms of serialisation and 2 ms
/// of propagation on the way back: 5.1 ms, exactly.
#[test]
fn deterministic_latency_is_serialisation_plus_propagation() {
    for round_trip in [false, true] {
        let mut b = Model::builder();
        let sink = b.station(Station::new("sink", servers(1), const_ms(0.5)));
        let wire = b.link(Link::new("wire", const_ms(2.0)).with_bandwidth_bps(BPS));
        let work = Workload::new(Arrivals::constant(1000.0).unwrap(), 20_000)
            .with_warmup(1_000)
            .with_request_bytes(Dist::constant(1250.0).unwrap())
            .with_response_bytes(Dist::constant(6250.0).unwrap())
            .with_round_trip(round_trip);
        b.route(
            RouteBuilder::new("wire", work)
                .origin("client")
                .link(wire, Direction::Forward)
                .station(sink),
        );
        let model = b.build().unwrap();
        let results = sim_core::run(&model, &RunOptions::new(SEED, 2)).expect("the run completes");
        let route = &results.routes()[0];
        check_conserved(route, SEED);
        assert_eq!(route.completed(), 2 * 19_000);

        let (serialization, link, total) =
            if round_trip { (0.6, 4.0, 5.1) } else { (0.1, 2.0, 2.6) };
        println!(
            "bandwidth deterministic (round trip {round_trip}): mean {} ms, max {} ms, expected {total} ms",
            route.mean_ms(),
            route.max_ms()
        );
        // Integer nanoseconds all the way: exact equality.
        assert_eq!(route.mean_ms(), total, "round trip {round_trip}");
        assert_eq!(route.max_ms(), total, "round trip {round_trip}");
        let hop = &route.hops()[0];
        assert_eq!(hop.serialization_ms_mean(), serialization, "round trip {round_trip}");
        assert_eq!(hop.link_ms_mean(), link, "round trip {round_trip}");
        // The histogram holds one value, to its 3 significant digits.
        for q in [0.0, 0.5, 0.99, 1.0] {
            let p = route.quantile_ms(q);
            assert!((p / total - 1.0).abs() < 1e-3, "q {q}: {p} ms vs {total} ms");
        }
        // Forward transmitter busy 0.1 ms in every 1 ms; responses use the
        // backward one (0.5 ms in every 1 ms), not the forward one.
        let forward = results.transmitters()[2 * wire.index()].utilization().unwrap();
        let backward = results.transmitters()[2 * wire.index() + 1].utilization().unwrap();
        let label = format!("bandwidth deterministic (round trip {round_trip})");
        check_rel(&format!("{label} forward utilization"), forward, 0.1, 1e-3, SEED);
        if round_trip {
            check_rel(&format!("{label} backward utilization"), backward, 0.5, 1e-3, SEED);
        } else {
            assert_eq!(backward, 0.0);
        }
    }
}

/// Poisson arrivals at 0.8 per ms, constant 12 500-byte messages (1 ms on the
/// wire): the transmitter is an M/D/1 queue at ρ = 0.8, so the serialisation
/// component (waiting for the transmitter included) has the
/// Pollaczek–Khinchine mean D + ρD / (2(1 − ρ)) = 3 ms, and with 1 ms of
/// propagation and a zero-time sink the end-to-end mean is 4 ms.
#[test]
fn loaded_transmitter_is_md1() {
    let lambda = 0.8;
    let d = 12_500.0 * 8.0 / BPS * 1e3; // [ms]
    let propagation = 1.0;
    let (requests, warmup, reps) = (1_550_000, 50_000, 4);
    let mut b = Model::builder();
    let sink = b.station(Station::new("sink", Servers::Unbounded, const_ms(0.0)));
    let wire = b.link(Link::new("wire", const_ms(propagation)).with_bandwidth_bps(BPS));
    let work = Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests)
        .with_warmup(warmup)
        .with_request_bytes(Dist::constant(12_500.0).unwrap());
    b.route(
        RouteBuilder::new("wire", work)
            .origin("client")
            .link(wire, Direction::Forward)
            .station(sink),
    );
    let model = b.build().unwrap();

    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    let w = mg1_sojourn_mean(lambda, d, 0.0);
    check_rel(
        "bandwidth M/D/1 serialisation [ms]",
        route.hops()[0].serialization_ms_mean(),
        w,
        0.02,
        SEED,
    );
    check_rel("bandwidth M/D/1 end-to-end [ms]", route.mean_ms(), w + propagation, 0.02, SEED);
    let forward = &results.transmitters()[2 * wire.index()];
    check_rel(
        "bandwidth transmitter utilization",
        forward.utilization().unwrap(),
        lambda * d,
        0.01,
        SEED,
    );
    // Nothing travels backward on a one-way route.
    assert_eq!(results.transmitters()[2 * wire.index() + 1].utilization(), Some(0.0));
}

/// A hop that adds bytes to the request it passes on (a proxy inserting a
/// header): the request before it keeps its size, the link after it
/// serialises the larger one, and responses keep theirs. Constant arrivals
/// every 1 ms, nobody waits: 1250 bytes on the first wire (0.1 ms), 1250
/// plus 3750 = 5000 bytes on the second (0.4 ms), 6250 bytes back on each
/// (0.5 ms), 1 ms propagation per crossing, zero-time stations: 0.1, 0.4,
/// 1.0 and 4 × 1 ms make 5.5 ms exactly. The analytic estimate (an
/// approximation here: its links see Poisson-like departures) grows by at
/// least the 0.3 ms the added bytes take on the second wire.
#[test]
fn added_request_bytes_grow_the_request_from_the_hop_on() {
    let estimate = |added: u64| {
        let model = grown(added);
        sim_core::analytic::mean_latency_ms(&model, 0).unwrap()
    };
    assert!(estimate(3750) - estimate(0) >= 0.3 - 1e-9, "{} vs {}", estimate(3750), estimate(0));
    let model = grown(3750);
    assert_eq!(model.routes()[0].hops()[1].added_request_bytes(), 3750);
    let results = sim_core::run(&model, &RunOptions::new(SEED, 1)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    assert_eq!(route.mean_ms(), 5.5);
    assert_eq!(route.hops()[0].serialization_ms_mean(), 0.1 + 0.5);
    assert_eq!(route.hops()[1].serialization_ms_mean(), 0.4 + 0.5);
}

/// The route of the test above with `added` bytes added at the proxy (in
/// two parts, which add up).
fn grown(added: u64) -> Model {
    let mut b = Model::builder();
    let proxy = b.station(Station::new("proxy", servers(1), const_ms(0.0)));
    let sink = b.station(Station::new("sink", servers(1), const_ms(0.0)));
    let first = b.link(Link::new("first", const_ms(1.0)).with_bandwidth_bps(BPS));
    let second = b.link(Link::new("second", const_ms(1.0)).with_bandwidth_bps(BPS));
    let work = Workload::new(Arrivals::constant(1000.0).unwrap(), 10_000)
        .with_warmup(500)
        .with_request_bytes(Dist::constant(1250.0).unwrap())
        .with_response_bytes(Dist::constant(6250.0).unwrap())
        .with_round_trip(true);
    b.route(
        RouteBuilder::new("grown", work)
            .origin("client")
            .link(first, Direction::Forward)
            .station(proxy)
            .add_request_bytes(added / 3)
            .add_request_bytes(added - added / 3)
            .link(second, Direction::Forward)
            .station(sink),
    );
    b.build().unwrap()
}

/// Bytes added before any hop are refused with a typed error.
#[test]
fn added_request_bytes_need_a_hop() {
    let mut b = Model::builder();
    let sink = b.station(Station::new("sink", servers(1), const_ms(0.5)));
    let work = Workload::new(Arrivals::constant(1000.0).unwrap(), 100);
    b.route(RouteBuilder::new("early", work).add_request_bytes(10).station(sink));
    let err = b.build().unwrap_err().to_string();
    assert!(err.contains("add the hop before add_request_bytes"), "{err}");
}
