//! Running a scenario and the results it reports: the JSON wire format
//! scripts rely on.
//!
//! # Wire format (`schema_version` 1)
//!
//! One document per run:
//!
//! | field | meaning |
//! |---|---|
//! | `schema_version` | 1; bumped on any incompatible change |
//! | `tool`, `version` | `"aznetsim"` and its version |
//! | `scenario` | the scenario's `name` |
//! | `seed`, `replications` | what the run used (after command-line overrides) |
//! | `requests`, `warmup_requests` | arrivals per route and replication, and the unmeasured leading ones |
//! | `mode` | `"compare"`: each route carried the whole workload alone |
//! | `routes\[i\].name` | route name |
//! | `routes\[i\].offered` | measured requests that arrived (all replications) |
//! | `routes\[i\].completed`, `routes\[i\].rejected` | of those, completed and rejected by a full queue; `offered = completed + rejected` |
//! | `routes\[i\].latency_ms.{mean,p50,p90,p99,p999,max}` | end-to-end latency \[ms\]; the mean and max are exact, percentiles have 3 significant digits and never exceed `max` |
//! | `routes\[i\].latency_ms.mean_ci95` | `\[low, high\]`: 95 % Student-t interval of the mean across replications; `null` with one replication |
//! | `routes\[i\].throughput_per_s` | completed requests per second of the measurement span |
//! | `routes\[i\].bottleneck` | the station or link with the highest utilisation on the route (`null` if none is capacity-limited) |
//! | `routes\[i\].bottleneck_utilization` | its utilisation |
//! | `routes\[i\].hops\[j\].node` | the node at position `j` of the path |
//! | `routes\[i\].hops\[j\].{wait_ms_mean,service_ms_mean,link_ms_mean,serialization_ms_mean}` | mean per completed request: queueing wait and service at the node, latency and serialisation (transmitter wait included) of the link to the next node; both directions of a round trip summed. They add up to `latency_ms.mean` |
//! | `routes\[i\].hops\[j\].utilization` | busy fraction of the node's servers over the measurement window (`null` for a client or an unbounded station) |
//! | `routes\[i\].hops\[j\].busy_servers_mean` | mean number of messages in service (`null` for a client) |
//! | `routes\[i\].hops\[j\].link_utilization` | busy fraction of the busier direction of the link to the next node (`null` unless it has a bandwidth) |
//! | `routes\[i\].hops\[j\].rejected` | measured requests rejected at this node |

use serde::{Deserialize, Serialize};
use sim_core::{RunOptions, RunResults};

use crate::compile::Scenario;

/// Version of the JSON wire format.
pub const SCHEMA_VERSION: u32 = 1;

/// The results of one run: see the module documentation for every field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct RunReport {
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    pub scenario: String,
    pub seed: u64,
    pub replications: u64,
    pub requests: u64,
    pub warmup_requests: u64,
    pub mode: String,
    pub routes: Vec<RouteReport>,
}

/// One route's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct RouteReport {
    pub name: String,
    pub offered: u64,
    pub completed: u64,
    pub rejected: u64,
    pub latency_ms: LatencyReport,
    pub throughput_per_s: f64,
    pub bottleneck: Option<String>,
    pub bottleneck_utilization: Option<f64>,
    pub hops: Vec<HopReport>,
}

/// End-to-end latency of a route \[ms\].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct LatencyReport {
    pub mean: f64,
    pub mean_ci95: Option<[f64; 2]>,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// Where a route's time goes at one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct HopReport {
    pub node: String,
    pub wait_ms_mean: f64,
    pub service_ms_mean: f64,
    pub link_ms_mean: f64,
    pub serialization_ms_mean: f64,
    pub utilization: Option<f64>,
    pub busy_servers_mean: Option<f64>,
    pub link_utilization: Option<f64>,
    pub rejected: u64,
}

/// Runs every route of `scenario` (all replications, on the current rayon
/// pool) and reports the results. `on_replication_done` is called from any
/// thread after each route replication.
pub fn run(
    scenario: &Scenario,
    seed: u64,
    replications: u64,
    on_replication_done: &(dyn Fn() + Sync),
) -> RunReport {
    use rayon::prelude::*;
    let opts = RunOptions::new(seed, replications);
    let results: Vec<RunResults> = scenario
        .routes()
        .par_iter()
        .map(|r| sim_core::run_with_progress(&r.model, &opts, on_replication_done))
        .collect();
    let spec = scenario.spec();
    RunReport {
        schema_version: SCHEMA_VERSION,
        tool: "aznetsim".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario: spec.name.clone(),
        seed,
        replications,
        requests: spec.workload.requests,
        warmup_requests: spec.workload.warmup_requests,
        mode: "compare".into(),
        routes: scenario
            .routes()
            .iter()
            .zip(&results)
            .map(|(r, res)| route_report(&r.model, res))
            .collect(),
    }
}

fn route_report(model: &sim_core::Model, res: &RunResults) -> RouteReport {
    let route = &model.routes()[0];
    let stats = &res.routes()[0];
    let mut hops = Vec::new();
    // (name, utilisation) of every capacity-limited resource on the route.
    let mut limited: Vec<(String, f64)> = Vec::new();
    for (hop, hs) in route.hops().iter().zip(stats.hops()) {
        let station = hop.station().map(|s| &res.stations()[s.index()]);
        let utilization = station.and_then(|s| s.utilization());
        let link_utilization = hop.link().and_then(|(l, _)| {
            model.links()[l.index()].bandwidth_bps()?;
            let t = res.transmitters();
            let (f, b) = (&t[2 * l.index()], &t[2 * l.index() + 1]);
            f.utilization().into_iter().chain(b.utilization()).reduce(f64::max)
        });
        if let Some(u) = utilization {
            limited.push((hop.name().to_string(), u));
        }
        if let (Some(u), Some((l, _))) = (link_utilization, hop.link()) {
            limited.push((model.links()[l.index()].name().to_string(), u));
        }
        hops.push(HopReport {
            node: hop.name().to_string(),
            wait_ms_mean: hs.wait_ms_mean(),
            service_ms_mean: hs.service_ms_mean(),
            link_ms_mean: hs.link_ms_mean(),
            serialization_ms_mean: hs.serialization_ms_mean(),
            utilization,
            busy_servers_mean: station.and_then(|s| s.busy_mean()),
            link_utilization,
            rejected: hs.rejected(),
        });
    }
    // The first of equal maxima wins, so the choice is deterministic.
    let bottleneck = limited.into_iter().fold(None::<(String, f64)>, |best, (n, u)| match best {
        Some((_, bu)) if bu >= u => best,
        _ => Some((n, u)),
    });
    // A histogram quantile is the top of its 3-significant-digit bucket, so
    // the one holding the largest sample can exceed the exact maximum; the
    // true quantile never does.
    let max = stats.max_ms();
    let quantile = |q: f64| stats.quantile_ms(q).min(max);
    RouteReport {
        name: stats.name().to_string(),
        offered: stats.offered(),
        completed: stats.completed(),
        rejected: stats.rejected(),
        latency_ms: LatencyReport {
            mean: stats.mean_ms(),
            mean_ci95: stats.mean_ci95_ms().map(|(l, h)| [l, h]),
            p50: quantile(0.50),
            p90: quantile(0.90),
            p99: quantile(0.99),
            p999: quantile(0.999),
            max,
        },
        throughput_per_s: stats.throughput_per_s(),
        bottleneck_utilization: bottleneck.as_ref().map(|b| b.1),
        bottleneck: bottleneck.map(|b| b.0),
        hops,
    }
}
