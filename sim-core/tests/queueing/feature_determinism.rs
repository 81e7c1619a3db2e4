//! Connection set-ups, nested calls and timeouts keep a run a pure function
//! of (model, seed).

use sim_core::{
    Arrivals, Detour, Direction, Dist, Link, Model, RouteBuilder, RunOptions, Servers, Setup,
    SimDuration, Station, Workload,
};

use crate::determinism::run_on;
use crate::{check_conserved, check_hop_sum, const_ms, exp_ms, servers};

const SEED: u64 = 0x00A1_0015;
const REPS: u64 = 4;

/// Two routes sharing a firewall and an identity provider:
///
/// ```text
/// "api" (round trip, Poisson, 15 ms timeout):
///   client ─setup(p 0.4, random RTTs; gw's CPU)─ in(bw) ─► gw ─call "token" (p 0.5)─► ...
///          ... ─setup(p 0.2; backend's CPU)─ be ─► backend (queue limit 5)
///   "token": gw ─side(random)─► fw ─idp(bw)─► idp and back, 800 B out, 2 KB back
/// "batch" (one way, MMPP): client ─in─► fw ─idp─► idp
/// ```
fn feature_model(requests_per_route: u64) -> Model {
    let mut b = Model::builder();
    let gw = b.station(Station::new("gw", servers(2), exp_ms(0.4)));
    let fw = b.station(
        Station::new("fw", servers(1), Dist::gamma(2.0, 0.15e6).unwrap())
            .with_response_service(exp_ms(0.05))
            .with_packet_cost(2_000.0, 1_500),
    );
    let idp = b.station(
        Station::new("idp", servers(2), Dist::lognormal_mean_p99(1.0e6, 4.0e6).unwrap())
            .with_queue_limit(20),
    );
    let backend = b.station(Station::new("backend", servers(1), exp_ms(0.9)).with_queue_limit(5));
    let edge = b.station(Station::new("edge", Servers::Unbounded, const_ms(0.05)));
    let l_in = b.link(Link::new("in", exp_ms(0.4)).with_bandwidth_bps(1e9));
    let side = b.link(Link::new("side", Dist::uniform(0.1e6, 0.5e6).unwrap()));
    let l_idp = b.link(Link::new("idp", const_ms(1.0)).with_bandwidth_bps(2e8));
    let be = b.link(Link::new("be", Dist::truncated_normal(0.5e6, 0.2e6).unwrap()));
    let api = Workload::new(Arrivals::poisson(800.0).unwrap(), requests_per_route)
        .with_warmup(requests_per_route / 10)
        .with_request_bytes(Dist::uniform(200.0, 5_000.0).unwrap())
        .with_response_bytes(Dist::lognormal_mean_p99(8_000.0, 60_000.0).unwrap())
        .with_round_trip(true);
    b.route(
        RouteBuilder::new("api", api)
            .origin("client")
            .setup(
                Setup::new(0.4, Dist::uniform(2e6, 4e6).unwrap())
                    .with_terminator_cpu(1, Dist::exponential(0.3e6).unwrap()),
            )
            .link(l_in, Direction::Forward)
            .station(gw)
            .detour(
                Detour::new("token", 0.5)
                    .link(side, Direction::Forward)
                    .station(fw)
                    .link(l_idp, Direction::Forward)
                    .station(idp)
                    .with_bytes(800, 2_000),
            )
            .setup(Setup::new(0.2, const_ms(1.0)).with_terminator_cpu(2, const_ms(0.2)))
            .link(be, Direction::Forward)
            .station(backend)
            .with_timeout(SimDuration::from_millis_f64(15.0).unwrap()),
    );
    let batch =
        Workload::new(Arrivals::mmpp2([900.0, 50.0], [30.0, 60.0]).unwrap(), requests_per_route)
            .with_warmup(requests_per_route / 10)
            .with_request_bytes(Dist::constant(3_100.0).unwrap());
    b.route(
        RouteBuilder::new("batch", batch)
            .origin("jobs")
            .link(l_in, Direction::Forward)
            .station(fw)
            .detour(Detour::new("audit", 0.1).station(edge))
            .link(l_idp, Direction::Forward)
            .station(idp),
    );
    b.build().unwrap()
}

/// The same model and seed give bit-identical results on one thread and on
/// two (and again on two); another seed differs. The model is checked to
/// exercise every new feature: set-ups, calls, timeouts and rejections.
#[test]
fn features_do_not_depend_on_threads() {
    let model = feature_model(40_000);
    let opts = RunOptions::new(SEED, REPS);
    let results = sim_core::run(&model, &opts).expect("the run completes");
    let api = &results.routes()[0];
    println!(
        "feature determinism: api offered {} completed {} rejected {} timed out {}, handshake {:.4} ms, sub-call {:.4} ms",
        api.offered(),
        api.completed(),
        api.rejected(),
        api.timed_out(),
        api.hops()[0].handshake_ms_mean(),
        api.hops()[1].subcall_ms_mean()
    );
    for route in results.routes() {
        check_conserved(route, SEED);
        check_hop_sum(route, SEED);
    }
    assert!(api.timed_out() > 0 && api.rejected() > 0, "seed {SEED:#x}");
    assert!(api.hops()[0].handshake_ms_mean() > 0.0 && api.hops()[1].handshake_ms_mean() > 0.0);
    assert!(api.hops()[1].subcall_ms_mean() > 0.0);
    assert!(results.routes()[1].hops()[1].subcall_ms_mean() > 0.0);

    let one = run_on(1, &model, &opts);
    let two = run_on(2, &model, &opts);
    let again = run_on(2, &model, &opts);
    assert_eq!(one, two, "1 thread vs 2 threads (seed {SEED:#x})");
    assert_eq!(two, again, "two runs on 2 threads (seed {SEED:#x})");
    assert_eq!(one, crate::determinism::fingerprint(&results), "pool vs global pool");
    let other = run_on(2, &model, &RunOptions::new(SEED + 1, REPS));
    assert_ne!(one, other, "seeds {SEED:#x} and {:#x} gave identical results", SEED + 1);
}
