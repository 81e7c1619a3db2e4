//! Per-packet service cost: a packets-per-second limit.

use sim_core::{
    Arrivals, Detour, Direction, Dist, Link, Model, RouteBuilder, RunOptions, Station, Workload,
};

use crate::{check_conserved, check_hop_sum, check_rel, const_ns, ns_to_ms, servers};

const SEED: u64 = 0x00A1_0013;

const NS_PER_PACKET: u64 = 1_500;
const MTU: u32 = 1_500;
const SERVICE: u64 = 200_000;
const LINK: u64 = 300_000;

/// A message of `bytes` is ⌈bytes / MTU⌉ packets.
fn packets(bytes: u64) -> u64 {
    bytes.div_ceil(u64::from(MTU))
}

/// Constant arrivals every 1 ms of constant-size requests through a 0.3 ms
/// link to a station with a 0.2 ms law plus 1.5 µs per 1500-byte packet:
/// nobody waits, so every service is 0.2 ms + ⌈B/1500⌉·1.5 µs exactly and
/// every latency 0.3 ms more. A zero-byte message is no packet and costs
/// nothing extra. With a per-byte cost as well, both add.
#[test]
fn service_adds_cost_per_packet_exactly() {
    for (bytes, ns_per_byte) in
        [(0, 0.0), (1, 0.0), (1_500, 0.0), (1_501, 0.0), (4_000, 0.0), (64_000, 0.0), (4_000, 2.0)]
    {
        let mut b = Model::builder();
        let station = Station::new("pps", servers(1), const_ns(SERVICE))
            .with_packet_cost(NS_PER_PACKET as f64, MTU)
            .with_ns_per_byte(ns_per_byte);
        assert_eq!(station.packets(bytes), packets(bytes));
        let s = b.station(station);
        let l = b.link(Link::new("wire", const_ns(LINK)));
        let work = Workload::new(Arrivals::constant(1000.0).unwrap(), 5_000)
            .with_warmup(100)
            .with_request_bytes(Dist::constant(bytes as f64).unwrap());
        b.route(
            RouteBuilder::new("only", work).origin("client").link(l, Direction::Forward).station(s),
        );
        let model = b.build().unwrap();
        let results = sim_core::run(&model, &RunOptions::new(SEED, 2)).expect("the run completes");
        let route = &results.routes()[0];
        check_conserved(route, SEED);
        let service =
            SERVICE + packets(bytes) * NS_PER_PACKET + (ns_per_byte * bytes as f64) as u64;
        println!(
            "packets: {bytes} bytes ({} packets, {ns_per_byte} ns/byte): service {} ms, expected {} ms",
            packets(bytes),
            route.hops()[1].service_ms_mean(),
            ns_to_ms(service)
        );
        assert_eq!(route.hops()[1].service_ms_mean(), ns_to_ms(service), "{bytes} bytes");
        assert_eq!(route.mean_ms(), ns_to_ms(LINK + service), "{bytes} bytes");
        assert_eq!(route.max_ms(), ns_to_ms(LINK + service), "{bytes} bytes");
        check_rel(
            &format!("packets: utilization at {bytes} bytes"),
            results.stations()[s.index()].utilization().unwrap(),
            service as f64 / 1e6,
            1e-9,
            SEED,
        );
    }
}

/// Sizes are per message: on a round trip the response (0 bytes here)
/// pays no packet cost on its way back through the station, and a nested
/// call's visits are charged for the call's own sizes
/// (`Detour::with_bytes`): 3000 bytes out (2 packets), 0 back.
///
/// ```text
/// client ─wire─► gw (packets) ─wire─► end          (round trip, 4000 B / 0 B)
///                 └ call: ─side─► mid (packets) ─side─► auth (packets), and back
/// ```
#[test]
fn responses_and_calls_pay_for_their_own_sizes() {
    let (req, call_req) = (4_000u64, 3_000u64);
    let s_resp = 100_000;
    let mut b = Model::builder();
    let cost = |s: Station| s.with_packet_cost(NS_PER_PACKET as f64, MTU);
    let gw = b.station(
        cost(Station::new("gw", servers(1), const_ns(SERVICE)))
            .with_response_service(const_ns(s_resp)),
    );
    let end = b.station(Station::new("end", servers(1), const_ns(SERVICE)));
    let mid = b.station(
        cost(Station::new("mid", servers(1), const_ns(SERVICE)))
            .with_response_service(const_ns(s_resp)),
    );
    let auth = b.station(cost(Station::new("auth", servers(1), const_ns(SERVICE))));
    let wire = b.link(Link::new("wire", const_ns(LINK)));
    let side = b.link(Link::new("side", const_ns(LINK)));
    let work = Workload::new(Arrivals::constant(100.0).unwrap(), 5_000)
        .with_warmup(100)
        .with_request_bytes(Dist::constant(req as f64).unwrap())
        .with_response_bytes(Dist::constant(0.0).unwrap())
        .with_round_trip(true);
    b.route(
        RouteBuilder::new("rt", work)
            .origin("client")
            .link(wire, Direction::Forward)
            .station(gw)
            .detour(
                Detour::new("call", 1.0)
                    .link(side, Direction::Forward)
                    .station(mid)
                    .link(side, Direction::Forward)
                    .station(auth)
                    .with_bytes(call_req, 0),
            )
            .link(wire, Direction::Forward)
            .station(end),
    );
    let model = b.build().unwrap();
    let results = sim_core::run(&model, &RunOptions::new(SEED, 2)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    let hops = route.hops();
    // gw: request with 4000 B (3 packets), response with 0 B (none).
    let gw_service = SERVICE + packets(req) * NS_PER_PACKET + s_resp;
    assert_eq!(hops[1].service_ms_mean(), ns_to_ms(gw_service));
    // The end does not charge per packet.
    assert_eq!(hops[2].service_ms_mean(), ns_to_ms(SERVICE));
    // The call: side, mid (2 packets), side, auth (2 packets), side back,
    // mid's response (0 B), side back.
    let call = 4 * LINK
        + (SERVICE + packets(call_req) * NS_PER_PACKET)
        + (SERVICE + packets(call_req) * NS_PER_PACKET)
        + s_resp;
    assert_eq!(hops[1].subcall_ms_mean(), ns_to_ms(call));
    let total = 4 * LINK + gw_service + SERVICE + call;
    assert_eq!(route.mean_ms(), ns_to_ms(total));
    assert_eq!(route.max_ms(), ns_to_ms(total));
    check_hop_sum(route, SEED);
    // mid is busy for its two visits in every 10 ms.
    let mid_busy = SERVICE + packets(call_req) * NS_PER_PACKET + s_resp;
    check_rel(
        "packets: utilization of mid (call out and back)",
        results.stations()[mid.index()].utilization().unwrap(),
        mid_busy as f64 / 10e6,
        1e-9,
        SEED,
    );
}
