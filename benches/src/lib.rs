//! The models the benchmarks in `benches/` run, built once here so that
//! every benchmark (throughput, memory) runs the same ones.
//!
//! Every station is M/M/c at load 0.7 (exponential service whose mean is
//! set from its arrival rate), so no queue grows and a run's cost is the
//! engine's, not an overload's.

use std::path::Path;

use sim_core::{
    Arrivals, Direction, Dist, Link, Model, ModelBuilder, RouteBuilder, Servers, Station,
    StationId, Workload,
};

/// Offered load ρ = λ·E\[S\]/c at every station.
pub const LOAD: f64 = 0.7;
/// One-way latency of every link \[ns\]: 0.1 ms.
pub const LINK_NS: f64 = 100_000.0;
/// The master seed of every benchmark run.
pub const SEED: u64 = 42;

/// A station of `servers` servers at [`LOAD`] when `rate_per_s` requests a
/// second visit it.
fn station(b: &mut ModelBuilder, name: String, servers: u32, rate_per_s: f64) -> StationId {
    // ρ = λ·E[S]/c, so E[S] = ρ·c/λ; λ is per second, E[S] in ns.
    let mean_ns = LOAD * f64::from(servers) / rate_per_s * 1e9;
    b.station(Station::new(
        name,
        Servers::finite(servers).expect("server counts are positive"),
        Dist::exponential(mean_ns).expect("a positive mean"),
    ))
}

fn workload(rate_per_s: f64, requests: u64) -> Workload {
    Workload::new(Arrivals::poisson(rate_per_s).expect("a valid rate"), requests)
        .with_warmup(requests / 10)
}

/// A one-way chain of stations with `servers[i]` servers each, joined by
/// constant 0.1 ms links, fed by Poisson arrivals at `rate_per_s`;
/// `requests` arrivals per replication, the first tenth warm-up.
///
/// `chain(&[2, 4, 8, 2, 4], 10_000.0, 200_000)` is the reference route the
/// SimPy model `benches/simpy/tandem.py` mirrors: every request costs ten
/// events (its arrival, five service completions, four link crossings).
pub fn chain(servers: &[u32], rate_per_s: f64, requests: u64) -> Model {
    let mut b = Model::builder();
    let stations: Vec<StationId> = servers
        .iter()
        .enumerate()
        .map(|(i, &c)| station(&mut b, format!("s{i}"), c, rate_per_s))
        .collect();
    let mut route = RouteBuilder::new("chain", workload(rate_per_s, requests)).station(stations[0]);
    for (i, &s) in stations.iter().enumerate().skip(1) {
        let link = b.link(Link::new(
            format!("l{i}"),
            Dist::constant(LINK_NS).expect("a non-negative constant"),
        ));
        route = route.link(link, Direction::Forward).station(s);
    }
    b.route(route);
    b.build().expect("the benchmark model is valid")
}

/// Servers of the reference route's five stations.
pub const REFERENCE_SERVERS: [u32; 5] = [2, 4, 8, 2, 4];

/// The reference route (see [`chain`]): 200,000 requests at 10,000/s.
pub fn reference() -> Model {
    chain(&REFERENCE_SERVERS, 10_000.0, 200_000)
}

/// A 50-station chain of 2-server stations at 10,000/s, `requests`
/// arrivals per replication: 100 events a request.
pub fn chain_50(requests: u64) -> Model {
    chain(&[2; 50], 10_000.0, requests)
}

/// Shared stations of [`mix_100`].
const MIX_STATIONS: usize = 10;
/// Stations each route of [`mix_100`] and [`own_stations_100`] visits.
const PATH: usize = 5;

/// 100 routes in one mix (equal weights, 10,000 arrivals a second in all)
/// through 10 shared 8-server stations: route k visits stations k, k+1,
/// …, k+4 (mod 10), so each station carries half the arrivals. `requests`
/// arrivals over all routes per replication.
pub fn mix_100(requests: u64) -> Model {
    let rate = 10_000.0;
    let per_station = rate * PATH as f64 / MIX_STATIONS as f64;
    let mut b = Model::builder();
    let stations: Vec<StationId> =
        (0..MIX_STATIONS).map(|i| station(&mut b, format!("s{i}"), 8, per_station)).collect();
    for k in 0..100 {
        let mut route = RouteBuilder::new(format!("r{k}"), workload(rate, requests));
        for j in 0..PATH {
            route = route.station(stations[(k + j) % MIX_STATIONS]);
        }
        b.route(route);
    }
    b.mix(vec![1.0; 100]);
    b.build().expect("the benchmark model is valid")
}

/// 100 routes, each through 5 stations of its own (500 stations, one
/// server each), each fed by its own Poisson arrivals at 100/s;
/// `requests_per_route` arrivals per route and replication.
pub fn own_stations_100(requests_per_route: u64) -> Model {
    let rate = 100.0;
    let mut b = Model::builder();
    for k in 0..100 {
        let mut route = RouteBuilder::new(format!("r{k}"), workload(rate, requests_per_route));
        for j in 0..PATH {
            route = route.station(station(&mut b, format!("r{k}s{j}"), 1, rate));
        }
        b.route(route);
    }
    b.build().expect("the benchmark model is valid")
}

/// The shipped topology A scenario (`scenarios/apim-hub-proxy.json`) as a
/// user runs it: one model per route, no authorisation twins.
pub fn topology_a() -> Vec<Model> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/apim-hub-proxy.json");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let value = sim_scenarios::file::parse_json(&file, &text).expect("the shipped scenario parses");
    let scenario =
        sim_scenarios::Scenario::from_value(&file, value).expect("the shipped scenario is valid");
    scenario.routes().iter().map(|r| r.model.clone()).collect()
}

/// The models `benches/benches/models.rs` times, by name, at the sizes it
/// runs (one replication each); `examples/one_model.rs` runs one of them
/// under a profiler.
pub fn timed_models() -> Vec<(&'static str, Vec<Model>)> {
    vec![
        ("reference_route_5_stations", vec![reference()]),
        ("topology_a_as_shipped", topology_a()),
        ("chain_50_stations", vec![chain_50(20_000)]),
        ("mix_100_routes", vec![mix_100(200_000)]),
        ("own_stations_100_routes_500_stations", vec![own_stations_100(2_000)]),
    ]
}

/// The median of `xs` (the mean of the middle two for an even count).
///
/// # Panics
///
/// Panics if `xs` is empty.
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}
