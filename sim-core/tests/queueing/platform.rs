//! Platform latency: a route's latency minus the time its requests spend
//! at external stations (wait, service and pipeline delay), issue 11
//! item 7.

use sim_core::{
    Arrivals, Direction, Link, Model, RouteBuilder, RunOptions, RunResults, Station, Workload,
};

use crate::{const_ns, exp_ms, ns_to_ms, servers};

const SEED: u64 = 0x0011_0007;

/// Constant parts \[ns\].
const LINK: u64 = 700_000;
const S_FW: u64 = 150_000;
const S_BACKEND: u64 = 4_000_000;
const D_BACKEND: u64 = 1_000_000;

/// `origin ─LINK─► fw ─LINK─► backend`, a round trip: the firewall serves
/// the request and the response, the backend (external when `external`)
/// serves with `backend` and then delays by `D_BACKEND`.
fn run(
    backend: sim_core::Dist,
    backend_servers: u32,
    rate_per_s: f64,
    external: bool,
) -> RunResults {
    let mut b = Model::builder();
    let fw = b.station(Station::new("fw", servers(1), const_ns(S_FW)));
    let mut be =
        Station::new("backend", servers(backend_servers), backend).with_delay(const_ns(D_BACKEND));
    if external {
        be = be.with_external();
    }
    let be = b.station(be);
    let of = b.link(Link::new("origin-fw", const_ns(LINK)));
    let fb = b.link(Link::new("fw-backend", const_ns(LINK)));
    let work = Workload::new(Arrivals::poisson(rate_per_s).unwrap(), 20_000)
        .with_warmup(2_000)
        .with_round_trip(true);
    b.route(
        RouteBuilder::new("r", work)
            .origin("client")
            .link(of, Direction::Forward)
            .station(fw)
            .link(fb, Direction::Forward)
            .station(be),
    );
    let model = b.build().unwrap();
    sim_core::run(&model, &RunOptions::new(SEED, 3)).expect("the run completes")
}

#[test]
fn issue_11_platform_latency_is_latency_minus_the_backend_on_a_constant_route() {
    // One request every 20 ms on average against a firewall busy 0.3 ms
    // per request: it rarely waits, and the backend (unlimited servers)
    // never does. The backend's time is exactly its service plus its
    // delay; the platform's is four links and two firewall services,
    // plus the firewall's rare waits.
    let res = run(const_ns(S_BACKEND), 100_000, 50.0, true);
    let r = &res.routes()[0];
    let backend_ns = S_BACKEND + D_BACKEND;
    let floor_ns = 4 * LINK + 2 * S_FW;
    let h = r.platform().histogram();
    assert!(h.equivalent(h.min(), floor_ns), "the fastest platform time is the path's floor");
    let fw_wait_ns = r.hops()[1].wait_ms_mean() * r.completed() as f64 * 1e6;
    let want_sum = (floor_ns * r.completed()) as f64 + fw_wait_ns;
    assert!(
        (r.platform().sum_ns() as f64 - want_sum).abs() < 1.0 + 1e-12 * want_sum,
        "platform sum {} ns, want {want_sum}",
        r.platform().sum_ns()
    );
    // Request by request: latency − platform = the backend's time, exactly.
    assert_eq!(
        r.latency_sum_ns() - r.platform().sum_ns(),
        u128::from(backend_ns) * u128::from(r.completed())
    );
    assert_eq!(r.max_ns() - r.platform().max_ns(), backend_ns, "the slowest is slowest in both");
    assert!((r.mean_ms() - r.platform().mean_ms() - ns_to_ms(backend_ns)).abs() < 1e-9);
    for q in [0.5, 0.99] {
        let d = r.quantile_ms(q) - r.platform().quantile_ms(q);
        assert!((d - ns_to_ms(backend_ns)).abs() < 0.01, "p{q}: latency − platform = {d} ms");
    }
    assert_eq!(r.platform().replication_means_ms().len(), 3);
    let (low, high) = r.platform().mean_ci95_ms().expect("three replications");
    assert!(low <= r.platform().mean_ms() && r.platform().mean_ms() <= high);
}

#[test]
fn issue_11_platform_latency_leaves_out_the_backend_queue_too() {
    // A busy external backend (2 servers at 80 %): its queueing wait is
    // its time too, and the identity holds exactly over every request.
    let res = run(exp_ms(8.0), 2, 200.0, true);
    let r = &res.routes()[0];
    let hop = &r.hops()[2];
    let backend_ns = (hop.wait_ms_mean() + hop.service_ms_mean()) * r.completed() as f64 * 1e6;
    let diff = (r.latency_sum_ns() - r.platform().sum_ns()) as f64;
    assert!((diff - backend_ns).abs() < 1e-6 * backend_ns, "{diff} ns vs {backend_ns} ns");
    assert!(hop.wait_ms_mean() > 1.0, "the backend queues: {} ms", hop.wait_ms_mean());
    assert!(r.platform().mean_ms() < 3.5, "platform {} ms", r.platform().mean_ms());
}

#[test]
fn issue_11_without_external_stations_platform_is_the_latency() {
    let res = run(exp_ms(8.0), 2, 200.0, false);
    let r = &res.routes()[0];
    assert_eq!(r.platform().sum_ns(), r.latency_sum_ns());
    assert_eq!(r.platform().histogram(), r.histogram());
    assert_eq!(r.platform().replication_means_ms(), r.replication_means_ms());
}
