//! Running a scenario and the results it reports: the JSON wire format
//! scripts rely on.
//!
//! # Wire format (`schema_version` 2)
//!
//! One document per run:
//!
//! | field | meaning |
//! |---|---|
//! | `schema_version` | 2 (1 had numbers where 2 has `null` for a route that completed nothing); bumped on any incompatible change |
//! | `tool`, `version` | `"aznetsim"` and its version |
//! | `scenario` | the scenario's `name` |
//! | `seed`, `replications` | what the run used (after command-line overrides) |
//! | `requests`, `warmup_requests` | arrivals per replication, per route (`compare`) or over all routes together (`mix`), and the unmeasured leading ones |
//! | `mode` | `"compare"`: each route carried the whole workload alone; `"mix"`: one simulation in which the routes shared the stations, each arrival taking a route by weight |
//! | `routes[i].name` | route name |
//! | `routes[i].offered` | measured requests that arrived (all replications) |
//! | `routes[i].completed`, `routes[i].rejected`, `routes[i].timed_out`, `routes[i].failed` | of those, completed, rejected by a full queue, still in flight at the route's timeout, and failed (throttled with HTTP 429 on the path, or a nested call whose last attempt was throttled, failed or timed out); `offered = completed + rejected + timed_out + failed` (+ `stopped.unfinished`) |
//! | `routes[i].retries`, `routes[i].throttled` | retries of nested calls (each walks the call's path again and loads it), and requests or call attempts a rate limit throttled (retried ones included) |
//! | `routes[i].calls[k].{call,node,attempts,throttled,errors,timed_out,retries}` | per nested call (token exchange, JWKS fetch, protocol transition): attempts started (retries included) and how many were throttled (429), failed by the call's failure probability, or timed out at the caller, and how many were retries |
//! | `routes[i].latency_ms.{mean,p50,p90,p99,p999,max}` | end-to-end latency of the *completed* requests \[ms\]; the mean and max are exact, percentiles have 3 significant digits and never exceed `max`; all `null` when the route completed none |
//! | `routes[i].platform_ms.{mean,mean_ci95,p50,p90,p99,p999,max}` and `…_ci95` | the platform latency \[ms\]: each completed request's latency minus its time at the route's backends (wait, service and delay at `backend` nodes, the user's API: an input, not an Azure figure), with the estimators and intervals of `latency_ms`; equal to `latency_ms` on a route without a backend |
//! | `routes[i].rejected_share`, `routes[i].timed_out_share`, `routes[i].failed_share` | `rejected / offered`, `timed_out / offered` and `failed / offered`; `null` when nothing was offered |
//! | `mean_rate_per_s` | the workload's long-run mean arrival rate \[1/s\], per route (`compare`) or in total (`mix`): `rate_per_s` for `poisson` and `constant`; for `on_off`, `rate_per_s` is the rate *during bursts* and the mean is `rate_per_s × on_ms / (on_ms + off_ms)`; for `mmpp2`, the rates weighted by their mean sojourns |
//! | `common_random_numbers` | true when every route saw the same demand in each replication (mode `compare` without `common_random_numbers: false`) |
//! | `baseline` | the route the others are compared with (`--baseline`, default the first) |
//! | `warmup_auto` | true when `warmup_requests` was `"auto"` and the count was detected (MSER-5 on five pilot replications) |
//! | `slo[k].{objective, route, metric, unit, limit, value, ci95, met, uncertain}` | with `run --slo` only (absent otherwise): each route's verdict against each objective: the figure (`value`, in `unit`: `"ms"` or `"share"` of the measured requests), its 95 % interval, `met` (the figure within `limit`) and `uncertain` (the interval contains the limit) |
//! | `precision` | with `--precision`: `{target, on, replications, reached, worst_relative_half_width}`; `null` otherwise |
//! | `warnings[k].{kind, message, …}` | typed warnings with advice: `too_few_samples`, `saturated`, `unstable`, `short_warmup`, `one_replication`, `analytic_mismatch`, `incomplete` (over 0.1 % of the measured requests timed out or were rejected), `nothing_completed`, `not_comparable`, `precision_not_reached`, `firewall_limit_unpublished` (an Azure Firewall's per-request limit is the catalog's estimate: where it would saturate) |
//! | `routes[i].latency_ms.{p50,p90,p99,p999}_ci95` | `[low, high]`: 95 % interval of each percentile: each replication's sample percentile is one observation, Student t across replications (independent replications, Law 2015 §9.4); `null` with one replication |
//! | `routes[i].vs_baseline.{baseline, mean, p99, platform_mean, platform_p99, comparable}` | this route minus the baseline (`platform_*`: of the platform latency), replication by replication (with `common_random_numbers`, both saw the same demand): `{estimate, ci95}`; `comparable` is false when the two routes' shares of completed requests differ by more than 1 % (the difference then compares different requests); `null` for the baseline itself and when either route completed nothing |
//! | `routes[i].cost.{currency,hours_per_month,per_month,per_million_requests,fixed_per_month,data_per_month}` | what the route costs at its measured throughput, at list prices (the catalog's, or the file's `prices`): an estimate; a month is 730 h; `per_million_requests` is `null` when nothing completed. In mode `mix` shared components' fixed charges are split by bytes (`report/cost.rs`) |
//! | `routes[i].cost.lines[k].{component,meter,prices,per_month,share}` | one line per billing meter: the node or link (`a<->b`), what is metered, the catalog keys of its prices, its cost per month and the share of the component's fixed charge the route pays (`null` for a data meter) |
//! | `routes[i].vs_baseline.cost.{per_month,per_million_requests}` | this route's cost minus the baseline's; no interval (the charge per request is exact for the model, the fixed charges constant) |
//! | `routes[i].analytic_mean_ms` | queueing-theory estimate of the mean (`sim_core::analytic`: product form, M/G/1 Pollaczek–Khinchine, M/M/c/K, Allen–Cunneen); `null` when a station without a queue limit or a link is overloaded, and in mode mix |
//! | `routes[i].analytic_class` | `"exact"` when that formula is the model's true mean (Poisson arrivals into exponential FIFO stations, one last single-server or finite exponential queue; the simulation should agree within its interval plus 1 %), `"approximation"` otherwise (stated tolerance 15 % at low load); `null` when there is no estimate |
//! | `routes[i].latency_ms.mean_ci95` | `[low, high]`: 95 % Student-t interval of the mean across replications; `null` with one replication |
//! | `routes[i].throughput_per_s` | completed requests per second of the measurement span |
//! | `routes[i].bottleneck` | the station or link with the highest utilisation on the route (`null` if none is capacity-limited) |
//! | `routes[i].bottleneck_utilization` | its utilisation |
//! | `routes[i].auth_added_ms.{mean,p50,p99}` | what end-user authorisation (validate-jwt, token exchange, JWKS fetches, protocol transition) adds: the route minus its twin without it, same seed; `null` for routes without authorisation |
//! | `routes[i].findings[k].{severity,check,message}` | what the route checks found: `error` (`tls_trust`: an initiator does not trust the terminator's CA; `tls_termination`: the route ends at a node that passes traffic on; `ping_pong`: the path bounces back through a pass-through node or loops; `asymmetric_path`) or `warning` (`firewall_bypass`, `apim_egress`, `estimated_backend`: a backend on the route takes its service law or servers from the catalog's estimate) |
//! | `routes[i].hops[j].node` | the node at position `j` of the path |
//! | `routes[i].hops[j].{wait_ms_mean,service_ms_mean,link_ms_mean,serialization_ms_mean}` | mean per completed request: queueing wait and service at the node, latency and serialisation (transmitter wait included) of the link to the next node; both directions of a round trip summed |
//! | `routes[i].hops[j].handshake_ms_mean` | mean wait for new connections opened at this node (TCP/TLS round trips to the next terminator); the terminator's handshake CPU is in its `service_ms_mean` |
//! | `routes[i].hops[j].subcall_ms_mean` | mean time in nested calls this node makes (e.g. a token exchange), start to end |
//! | `routes[i].hops[j].pool_wait_ms_mean` | mean wait for a free pooled connection from this node to the next terminator (APIM's backend connections per authority); 0 without a pool. All seven components add up to `latency_ms.mean` |
//! | `routes[i].hops[j].utilization` | busy fraction of the node's servers over the measurement window (`null` for a client or an unbounded station) |
//! | `routes[i].hops[j].busy_servers_mean` | mean number of messages in service (`null` for a client) |
//! | `routes[i].hops[j].link_utilization` | busy fraction of the busier direction of the link to the next node (`null` unless it has a bandwidth) |
//! | `routes[i].hops[j].rejected` | measured requests rejected at this node |
//! | `routes[i].hops[j].{time_p50_ms,time_p99_ms}` and `…_ci95` | percentiles of the time a request spends at this hop (all six components, both directions), to 2 significant digits (within 1 % above the exact sample percentile; a route's own percentiles keep 3, within 0.1 %), with their 95 % intervals across replications |

pub(crate) mod cost;
pub(crate) mod rows;
pub(crate) mod state;
pub(crate) mod summary;
pub(crate) mod verdict;
pub(crate) mod warnings;

pub use cost::{
    CostDifference, CostReport, CostReportLine, StateCost, costs, fixed_shares, state_costs,
};
pub use rows::{ROW_COLUMNS, Row, csv_header};
pub use state::{
    HistogramError, MergeError, ResourceState, RouteState, StateError, decode_histogram,
    encode_histogram, merge_states, parse_decimal,
};
pub use summary::{Accumulators, LatencyAccumulators, Resource, RouteSummary};
pub use verdict::SloVerdict;
pub use warnings::{INCOMPLETE, SATURATED, UNSTABLE, Warning, WarningKind};

use serde::{Deserialize, Serialize};

use crate::azure::checks::Finding;
use crate::compile::Scenario;
use crate::file::spec::Mode;
use crate::run::{RouteRun, Simulated};

/// The tool's name, as every saved document states it.
pub const TOOL: &str = "aznetsim";

/// The tool's version, as every saved document states it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Version of the JSON wire format.
pub const SCHEMA_VERSION: u32 = 2;

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
    /// The workload's long-run mean arrival rate \[1/s\] (see
    /// [`Scenario::mean_rate_per_s`]).
    #[serde(default)]
    pub mean_rate_per_s: f64,
    #[serde(default)]
    pub common_random_numbers: bool,
    #[serde(default)]
    pub baseline: String,
    pub routes: Vec<RouteReport>,
    #[serde(default)]
    pub warnings: Vec<warnings::Warning>,
    #[serde(default)]
    pub precision: Option<PrecisionOutcome>,
    /// `warmup_requests` was detected (MSER-5), not given.
    #[serde(default)]
    pub warmup_auto: bool,
    /// With `run --slo`: each route's verdict against each objective
    /// (absent otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slo: Vec<SloVerdict>,
}

/// One route's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct RouteReport {
    pub name: String,
    pub offered: u64,
    pub completed: u64,
    pub rejected: u64,
    pub timed_out: u64,
    /// Failed: throttled (HTTP 429) on the path, or a nested call that
    /// failed after its retries; no latency.
    #[serde(default)]
    pub failed: u64,
    /// Retries of nested calls (each loads the call's path again).
    #[serde(default)]
    pub retries: u64,
    /// Requests and call attempts a rate limit throttled, retried ones
    /// included.
    #[serde(default)]
    pub throttled: u64,
    #[serde(default)]
    pub rejected_share: Option<f64>,
    #[serde(default)]
    pub timed_out_share: Option<f64>,
    #[serde(default)]
    pub failed_share: Option<f64>,
    /// Set when the overload guard stopped replications of this route: its
    /// figures are those up to the stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<OverloadStop>,
    pub latency_ms: LatencyReport,
    /// The route's latency minus the time its requests spent at its
    /// backends (their queueing wait, service and delay): what the
    /// platform adds. Equal to `latency_ms` on a route without a backend.
    pub platform_ms: LatencyReport,
    pub throughput_per_s: f64,
    pub bottleneck: Option<String>,
    pub bottleneck_utilization: Option<f64>,
    pub auth_added_ms: Option<AuthCost>,
    #[serde(default)]
    pub vs_baseline: Option<Difference>,
    #[serde(default)]
    pub analytic_mean_ms: Option<f64>,
    #[serde(default)]
    pub analytic_class: Option<AnalyticClass>,
    pub findings: Vec<Finding>,
    /// What the route costs at the measured throughput (list prices:
    /// an estimate), with a line per billing meter.
    #[serde(default)]
    pub cost: Option<CostReport>,
    /// Per nested call: its attempts and how they ended.
    #[serde(default)]
    pub calls: Vec<CallReport>,
    pub hops: Vec<HopReport>,
}

/// What became of one nested call's attempts (token exchange, JWKS fetch,
/// protocol transition) over the measured requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallReport {
    /// The call.
    pub call: String,
    /// The node that makes it.
    pub node: String,
    /// Attempts started, retries included.
    pub attempts: u64,
    /// Attempts the callee's rate limit throttled (HTTP 429).
    pub throttled: u64,
    /// Attempts that failed by the call's failure probability.
    pub errors: u64,
    /// Attempts the caller stopped waiting for (the call's timeout).
    pub timed_out: u64,
    /// Attempts that were retries.
    pub retries: u64,
}

/// Whether a route's queueing-theory estimate is exact for its model or an
/// approximation (`sim_core::analytic::Accuracy`, in the wire format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnalyticClass {
    /// The formula is the model's true mean.
    Exact,
    /// A standard approximation.
    Approximation,
}

impl AnalyticClass {
    /// The relative difference the class allows between estimate and
    /// simulated mean, on top of the mean's 95 % interval (see
    /// `sim_core::analytic::Accuracy::tolerance`).
    pub fn tolerance(self) -> f64 {
        sim_core::analytic::Accuracy::from(self).tolerance()
    }
}

impl From<sim_core::analytic::Accuracy> for AnalyticClass {
    fn from(a: sim_core::analytic::Accuracy) -> Self {
        match a {
            sim_core::analytic::Accuracy::Exact => AnalyticClass::Exact,
            sim_core::analytic::Accuracy::Approximation => AnalyticClass::Approximation,
        }
    }
}

impl From<AnalyticClass> for sim_core::analytic::Accuracy {
    fn from(a: AnalyticClass) -> Self {
        match a {
            AnalyticClass::Exact => sim_core::analytic::Accuracy::Exact,
            AnalyticClass::Approximation => sim_core::analytic::Accuracy::Approximation,
        }
    }
}

impl std::fmt::Display for AnalyticClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(sim_core::analytic::Accuracy::from(*self).as_str())
    }
}

/// What end-user authorisation adds to a route \[ms\]: the route minus its
/// twin without authorisation work, both run with the same seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct AuthCost {
    pub mean: f64,
    pub p50: f64,
    pub p99: f64,
}

/// How the overload guard stopped a route (`workload.max_in_flight`): the
/// route cannot carry its load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverloadStop {
    /// Replications stopped (of the run's replications).
    pub replications: u64,
    /// The limit passed: requests of the route in flight at once.
    pub max_in_flight: u64,
    /// Measured requests still in flight at the stops, neither completed
    /// nor lost: `offered = completed + rejected + timed_out + failed +
    /// unfinished`.
    pub unfinished: u64,
}

/// End-to-end latency of a route's completed requests \[ms\]; every figure
/// is `None` (`null`) when the route completed none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct LatencyReport {
    pub mean: Option<f64>,
    pub mean_ci95: Option<[f64; 2]>,
    pub p50: Option<f64>,
    #[serde(default)]
    pub p50_ci95: Option<[f64; 2]>,
    pub p90: Option<f64>,
    #[serde(default)]
    pub p90_ci95: Option<[f64; 2]>,
    pub p99: Option<f64>,
    #[serde(default)]
    pub p99_ci95: Option<[f64; 2]>,
    pub p999: Option<f64>,
    #[serde(default)]
    pub p999_ci95: Option<[f64; 2]>,
    pub max: Option<f64>,
}

impl LatencyReport {
    /// The report of one latency measure; every figure `None` unless
    /// `done` (the route completed requests).
    fn of(l: &sim_core::stats::LatencyStats, done: bool) -> Self {
        let some = |v: f64| done.then_some(v);
        let ci = |k: usize| l.quantile_ci95_ms(k).map(|(lo, hi)| [lo, hi]).filter(|_| done);
        LatencyReport {
            mean: some(l.mean_ms()),
            mean_ci95: l.mean_ci95_ms().map(|(lo, hi)| [lo, hi]).filter(|_| done),
            p50: some(l.quantile_ms(0.50)),
            p50_ci95: ci(0),
            p90: some(l.quantile_ms(0.90)),
            p90_ci95: ci(1),
            p99: some(l.quantile_ms(0.99)),
            p99_ci95: ci(2),
            p999: some(l.quantile_ms(0.999)),
            p999_ci95: ci(3),
            max: some(l.max_ms()),
        }
    }
}

/// A route minus the baseline route, replication by replication (both
/// routes saw the same demand: common random numbers) \[ms\].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Difference {
    pub baseline: String,
    pub mean: Estimate,
    pub p99: Estimate,
    /// The same differences of the platform latency (`platform_ms`).
    pub platform_mean: Estimate,
    pub platform_p99: Estimate,
    /// Whether both routes completed (nearly) the same requests: false when
    /// their shares of completed requests differ by more than
    /// [`COMPARABLE_SHARES`]; the latencies of two different sets of
    /// requests (e.g. one route's slow ones timed out) are then no fair
    /// comparison.
    #[serde(default = "comparable_by_default")]
    pub comparable: bool,
    /// This route's cost minus the baseline's (exact given the counts: no
    /// interval).
    #[serde(default)]
    pub cost: Option<CostDifference>,
}

/// Largest difference between two routes' shares of completed requests
/// (completed / offered) for which their latencies are compared as equals.
pub const COMPARABLE_SHARES: f64 = 0.01;

fn comparable_by_default() -> bool {
    true
}

/// A point estimate with its 95 % interval (`null` with one replication).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Estimate {
    pub estimate: f64,
    pub ci95: Option<[f64; 2]>,
}

impl Estimate {
    /// `a` minus `b`, replication by replication: the mean of the paired
    /// differences and its Student-t interval.
    fn of(a: &[f64], b: &[f64]) -> Estimate {
        let d = sim_core::stats::paired_difference(a, b);
        Estimate { estimate: d.mean, ci95: d.ci95.map(|i| [i.low, i.high]) }
    }
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
    pub handshake_ms_mean: f64,
    pub subcall_ms_mean: f64,
    /// Mean wait for a pooled connection (a token of the node's pool to the
    /// next terminator, e.g. APIM's 2,048 backend connections per unit).
    #[serde(default)]
    pub pool_wait_ms_mean: f64,
    pub utilization: Option<f64>,
    pub busy_servers_mean: Option<f64>,
    pub link_utilization: Option<f64>,
    pub rejected: u64,
    #[serde(default)]
    pub time_p50_ms: f64,
    #[serde(default)]
    pub time_p50_ci95: Option<[f64; 2]>,
    #[serde(default)]
    pub time_p99_ms: f64,
    #[serde(default)]
    pub time_p99_ci95: Option<[f64; 2]>,
}

/// What a report says about how its run was made, beyond the scenario,
/// seed and replications.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions<'a> {
    /// The route differences are taken against (default: the first).
    pub baseline: Option<&'a str>,
    /// With `--precision`: the target and what came of it.
    pub precision: Option<PrecisionOutcome>,
    /// Whether the warm-up was detected (`"warmup_requests": "auto"`).
    pub warmup_auto: bool,
}

/// Why a report cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The baseline names no route.
    #[error("--baseline {name}: no such route; routes: {}", routes.join(", "))]
    UnknownBaseline {
        /// The name given.
        name: String,
        /// The routes there are.
        routes: Vec<String>,
    },
}

/// The report of a simulated scenario, differences against the first route.
pub fn report(scenario: &Scenario, seed: u64, replications: u64, sims: &Simulated) -> RunReport {
    report_against(scenario, seed, replications, sims, &ReportOptions::default())
        .expect("the first route is always a valid baseline")
}

/// The complete report of a simulated scenario: per-route figures,
/// differences against the baseline, what the options say about the run,
/// and, last, the warnings about all of it.
///
/// # Errors
///
/// Fails with the route names when the baseline names no route.
pub fn report_against(
    scenario: &Scenario,
    seed: u64,
    replications: u64,
    sims: &Simulated,
    options: &ReportOptions<'_>,
) -> Result<RunReport, ReportError> {
    let names: Vec<&str> = scenario.routes().iter().map(|r| r.name.as_str()).collect();
    let base = match options.baseline {
        None => 0,
        Some(b) => {
            names.iter().position(|n| *n == b).ok_or_else(|| ReportError::UnknownBaseline {
                name: b.to_string(),
                routes: names.iter().map(|n| n.to_string()).collect(),
            })?
        }
    };
    let runs = sims.routes(scenario);
    // Per route, end to end then platform: each replication's mean and p99.
    let per_rep: Vec<[(Vec<f64>, Vec<f64>); 2]> = runs
        .iter()
        .map(|run| {
            let st = run.stats();
            [st.latency(), st.platform()].map(|l| {
                (
                    l.replication_means_ms(),
                    l.replication_quantiles_ms().iter().map(|q| q[2]).collect(),
                )
            })
        })
        .collect();
    let spec = scenario.spec();
    let mut report = RunReport {
        schema_version: SCHEMA_VERSION,
        tool: TOOL.into(),
        version: VERSION.into(),
        scenario: spec.name.clone(),
        seed,
        replications,
        requests: spec.workload.requests,
        warmup_requests: spec.workload.warmup_requests.count(),
        mode: if scenario.mix_model().is_some() { "mix" } else { "compare" }.into(),
        mean_rate_per_s: scenario.mean_rate_per_s(),
        common_random_numbers: spec.mode == Mode::Compare
            && spec.workload.common_random_numbers != Some(false),
        baseline: names[base].to_string(),
        warnings: Vec::new(),
        precision: options.precision.clone(),
        warmup_auto: options.warmup_auto,
        slo: Vec::new(),
        routes: scenario
            .routes()
            .iter()
            .zip(&runs)
            .map(|(r, run)| {
                let mut report = route_report(run);
                report.findings = r.findings.clone();
                // Mix routes share their load: estimated only alone.
                if scenario.mix_model().is_none()
                    && let Some(e) = sim_core::analytic::estimate(run.model, run.index)
                {
                    report.analytic_mean_ms = Some(e.mean_ms);
                    report.analytic_class = Some(e.class.into());
                }
                report
            })
            .collect(),
    };
    let plans: Vec<&crate::compile::CostPlan> = scenario.routes().iter().map(|r| &r.cost).collect();
    let throughputs: Vec<f64> = report.routes.iter().map(|r| r.throughput_per_s).collect();
    let weights: Vec<f64> = (0..plans.len()).map(|i| scenario.offered_per_s(i)).collect();
    let mix = scenario.mix_model().is_some();
    for (r, c) in report.routes.iter_mut().zip(costs(&plans, &throughputs, &weights, mix)) {
        r.cost = Some(c);
    }
    let completed_share =
        |r: &RouteReport| (r.offered > 0).then(|| r.completed as f64 / r.offered as f64);
    let base_cost = report.routes[base].cost.clone();
    let base_share = completed_share(&report.routes[base]);
    for (k, r) in report.routes.iter_mut().enumerate() {
        // No difference with a route that completed nothing: there is no
        // latency to take it of.
        let (Some(share), Some(base_share)) = (completed_share(r), base_share) else { continue };
        if k == base || r.completed == 0 || base_share == 0.0 {
            continue;
        }
        r.vs_baseline = Some(Difference {
            baseline: names[base].to_string(),
            mean: Estimate::of(&per_rep[k][0].0, &per_rep[base][0].0),
            p99: Estimate::of(&per_rep[k][0].1, &per_rep[base][0].1),
            platform_mean: Estimate::of(&per_rep[k][1].0, &per_rep[base][1].0),
            platform_p99: Estimate::of(&per_rep[k][1].1, &per_rep[base][1].1),
            comparable: (share - base_share).abs() <= COMPARABLE_SHARES,
            cost: r.cost.as_ref().zip(base_cost.as_ref()).map(|(a, b)| CostDifference::of(a, b)),
        });
    }
    report.warnings = warnings::check(&report);
    report.warnings.extend(warnings::firewall_limits(scenario));
    for r in scenario.routes() {
        for h in &r.hops {
            if let Some(m) = h.meter.as_ref().filter(|m| m.exceeds_instances()) {
                report.warnings.push(warnings::app_gateway_scale(&r.name, &h.node, m));
            }
        }
    }
    Ok(report)
}

/// The report of one route, without findings, differences or estimate.
fn route_report(run: &RouteRun<'_>) -> RouteReport {
    let (model, res) = (run.model, run.results);
    let route = &model.routes()[run.index];
    let stats = run.stats();
    let summary = RouteSummary::of(run);
    // Nothing completed: no latency figure at all, rather than zeros.
    let done = stats.completed() > 0;
    let share = |n: u64| (stats.offered() > 0).then(|| n as f64 / stats.offered() as f64);
    let hops = route
        .hops()
        .iter()
        .zip(stats.hops())
        .map(|(hop, hs)| {
            let station = hop.station().map(|s| &res.stations()[s.index()]);
            HopReport {
                node: hop.name().to_string(),
                wait_ms_mean: hs.wait_ms_mean(),
                service_ms_mean: hs.service_ms_mean(),
                link_ms_mean: hs.link_ms_mean(),
                serialization_ms_mean: hs.serialization_ms_mean(),
                handshake_ms_mean: hs.handshake_ms_mean(),
                subcall_ms_mean: hs.subcall_ms_mean(),
                pool_wait_ms_mean: hs.pool_wait_ms_mean(),
                utilization: station.and_then(|s| s.utilization()),
                busy_servers_mean: station.and_then(|s| s.busy_mean()),
                link_utilization: hop.link().and_then(|(l, _)| {
                    model.links()[l.index()].bandwidth_bps()?;
                    let t = res.transmitters();
                    let (f, b) = (&t[2 * l.index()], &t[2 * l.index() + 1]);
                    f.utilization().into_iter().chain(b.utilization()).reduce(f64::max)
                }),
                rejected: hs.rejected(),
                time_p50_ms: hs.quantile_ms(0.5),
                time_p50_ci95: hs.quantile_ci95_ms(0).map(|(l, h)| [l, h]),
                time_p99_ms: hs.quantile_ms(0.99),
                time_p99_ci95: hs.quantile_ci95_ms(2).map(|(l, h)| [l, h]),
            }
        })
        .collect();
    RouteReport {
        name: stats.name().to_string(),
        offered: stats.offered(),
        completed: stats.completed(),
        rejected: stats.rejected(),
        timed_out: stats.timed_out(),
        failed: stats.failed(),
        retries: stats.retries(),
        throttled: stats.throttled(),
        rejected_share: share(stats.rejected()),
        timed_out_share: share(stats.timed_out()),
        failed_share: share(stats.failed()),
        stopped: (stats.overload_stops() > 0).then(|| OverloadStop {
            replications: stats.overload_stops(),
            max_in_flight: route.workload().max_in_flight(),
            unfinished: stats.unfinished(),
        }),
        latency_ms: LatencyReport::of(stats.latency(), done),
        platform_ms: LatencyReport::of(stats.platform(), done),
        throughput_per_s: summary.throughput_per_s,
        bottleneck_utilization: summary.busiest.as_ref().map(|b| b.1),
        bottleneck: summary.busiest.map(|b| b.0),
        auth_added_ms: run.stats_without_auth().map(|without| AuthCost {
            mean: stats.mean_ms() - without.mean_ms(),
            p50: stats.quantile_ms(0.5) - without.quantile_ms(0.5),
            p99: stats.quantile_ms(0.99) - without.quantile_ms(0.99),
        }),
        vs_baseline: None,
        analytic_mean_ms: None,
        analytic_class: None,
        findings: Vec::new(),
        cost: None,
        calls: stats
            .calls()
            .iter()
            .map(|c| CallReport {
                call: c.name().to_string(),
                node: route.hops()[c.hop()].name().to_string(),
                attempts: c.attempts(),
                throttled: c.throttled(),
                errors: c.errors(),
                timed_out: c.timed_out(),
                retries: c.retries(),
            })
            .collect(),
        hops,
    }
}

/// Which estimate must be precise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrecisionOn {
    /// The mean latency.
    Mean,
    /// The 99th percentile.
    P99,
}

/// A precision target and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionOutcome {
    /// Target relative half-width of the 95 % interval (0.01 = 1 %).
    pub target: f64,
    /// Which estimate.
    pub on: PrecisionOn,
    /// Replications run in the end.
    pub replications: u64,
    /// Whether every route met the target (false: the maximum was reached).
    pub reached: bool,
    /// The worst route's relative half-width at the end.
    pub worst_relative_half_width: Option<f64>,
}
