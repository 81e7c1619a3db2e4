//! Capacity planning: the highest arrival rate a route sustains while it
//! meets a latency SLO.
//!
//! The search scales every rate of the workload's arrival process by one
//! factor (so a bursty MMPP keeps its shape) and simulates the route alone
//! at each candidate, always with the scenario's seed and replications
//! (common random numbers: the measured latency then grows with the load
//! without sampling noise between candidates). It doubles (or halves) from
//! the scenario's own rate until it brackets the SLO, then bisects until
//! the bracket is narrower than the requested relative precision. When no
//! lower rate meets the SLO it also looks upward until the route saturates,
//! since latency can fall with load (e.g. a token cache whose hit ratio
//! grows with the rate); the search assumes one window where the SLO holds.
//!
//! A rate meets the SLO only if its run was stable (no resource 98 % busy
//! or more), so a loose SLO cannot be met past saturation. The point
//! estimate is the highest rate seen to meet the SLO; `precision_per_s` is
//! the width of the final bracket (the search's resolution only). The
//! statement about the true capacity is the 95 % interval
//! ([`INTERVAL_METHOD`]), whose ends the search locates by stepping outward
//! from the bracket. The capacity is then re-run at twice the run length.
//! The bottleneck is the busiest resource at the lowest rate seen to break
//! the SLO. When it is a `backend` (an input: the user's API, not an Azure
//! component), the search runs again with every backend's servers
//! unbounded, and that capacity is the platform's: the Azure design's
//! limit rather than the invented backend's.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_core::RunOptions;
use sim_core::stats::{REPORTED_QUANTILES, RouteStats};

use crate::compile::Scenario;
use crate::experiment::slo::{Slo, SloMetric};
use crate::experiment::sweep::PointError;
use crate::file::spec::{ScenarioSpec, Warmup};
use crate::report::summary::RouteSummary;
use crate::run::{Twins, simulate};

/// One evaluation of the search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// Arrival rate tried \[1/s\].
    pub rate_per_s: f64,
    /// The SLO metric there \[ms\] (pooled over the replications).
    pub metric_ms: f64,
    /// 95 % interval of the SLO metric across replications \[ms\] (see
    /// [`INTERVAL_METHOD`]); `None` with one replication or a percentile
    /// other than p50, p90, p99 and p99.9.
    pub metric_ci95_ms: Option<[f64; 2]>,
    /// Whether the SLO held: the metric within the limit, nothing rejected
    /// or timed out, and the run stable.
    pub met: bool,
    /// Whether the route carried its load: no resource on it was 98 % busy
    /// or more (an unstable run never meets the SLO: its latency grows with
    /// the run length).
    pub stable: bool,
    /// Measured requests rejected or timed out (any breaks the SLO).
    pub lost: u64,
    /// p99 there \[ms\] (for p99-against-load charts).
    pub p99_ms: f64,
    /// The busiest resource there.
    pub bottleneck: Option<String>,
    /// Its utilisation.
    pub bottleneck_utilization: Option<f64>,
}

impl Probe {
    /// Met, and the upper end of the metric's 95 % interval is within the
    /// limit.
    pub fn meets_with_confidence(&self, slo: &Slo) -> bool {
        self.met && self.metric_ci95_ms.is_some_and(|[_, hi]| hi <= slo.limit_ms)
    }

    /// Unstable, lost requests, or the lower end of the metric's 95 %
    /// interval is above the limit.
    pub fn breaks_with_confidence(&self, slo: &Slo) -> bool {
        !self.stable
            || self.lost > 0
            || self.metric_ci95_ms.is_some_and(|[lo, _]| lo > slo.limit_ms)
    }
}

/// How `capacity_interval_per_s` is computed (also in the JSON, as
/// `interval_method`).
pub const INTERVAL_METHOD: &str = "at every rate tried, a 95 % Student-t interval of the SLO metric across the replications (method of independent replications: each replication's mean, or its own sample p50/p90/p99/p99.9, is one observation); a rate meets with confidence when it meets the SLO and the interval's upper end is within the limit, and breaks with confidence when the lower end is above the limit, the run is unstable or a request was lost; the interval runs from the highest rate that meets with confidence to the lowest that breaks with confidence, each end located to --precision (conservatively, outward). Each end errs inward with about 2.5 % probability, so the interval holds the steady-state capacity about 95 % of the time (validation/capacity_coverage.py); null where no rate tried qualifies";

/// The capacity of one route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteCapacity {
    /// The route.
    pub name: String,
    /// The point estimate \[1/s\]: the lower end of the bisection, a rate
    /// that met the SLO (with [`breaks_at_per_s`](Self::breaks_at_per_s)
    /// one bracket above it); `None` if no rate tried met it.
    pub capacity_per_s: Option<f64>,
    /// Width of the final bisection bracket \[1/s\]: the search's
    /// resolution, not a statement about the true capacity (that is
    /// [`capacity_interval_per_s`](Self::capacity_interval_per_s)).
    pub precision_per_s: f64,
    /// The lowest rate seen to break the SLO above the capacity \[1/s\];
    /// `None` when none did.
    pub breaks_at_per_s: Option<f64>,
    /// The search reached its ceiling (1e9/s, or its step limit) without a
    /// rate breaking the SLO: the capacity is at least `capacity_per_s`.
    pub ceiling_reached: bool,
    /// 95 % interval for the capacity \[1/s\], `[low, high]`, by
    /// [`INTERVAL_METHOD`]; an end is `None` when no rate tried qualifies
    /// for it (e.g. one replication, an unsupported percentile, or no rate
    /// breaking the SLO).
    pub capacity_interval_per_s: [Option<f64>; 2],
    /// How the interval was computed.
    pub interval_method: String,
    /// The SLO metric at `capacity_per_s` \[ms\].
    pub metric_at_capacity_ms: Option<f64>,
    /// Whether the SLO still holds at the capacity in a run twice as long
    /// (twice the requests and warm-up): it does unless that run breaks it
    /// with confidence (unstable, lost requests or the metric's interval
    /// above the limit; without an interval, the metric above the limit).
    /// `false` means the figures drift with run length (a queue that grows
    /// slowly, a warm-up too short): lengthen the run. `None` without a
    /// capacity.
    pub holds_at_twice_the_length: Option<bool>,
    /// The run at twice the length, at `capacity_per_s`.
    pub twice_the_length: Option<Probe>,
    /// The busiest resource at the lowest rate seen to break the SLO.
    pub bottleneck: Option<String>,
    /// Its utilisation there.
    pub bottleneck_utilization: Option<f64>,
    /// Whether the bottleneck is an input, a `backend` (the user's API),
    /// rather than an Azure component.
    #[serde(default)]
    pub bottleneck_is_input: bool,
    /// When the bottleneck is an input: the same search with every
    /// backend's servers unbounded (their service times still count, they
    /// never queue), so the capacity is the Azure design's, not the
    /// backend's. `None` otherwise.
    #[serde(default)]
    pub without_backend_limits: Option<Box<RouteCapacity>>,
    /// Every evaluation at the scenario's run length, in the order made
    /// (bracketing, bisection, then the interval's ends).
    pub probes: Vec<Probe>,
}

/// A capacity result that needs a reader's attention, with what to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CapacityWarning {
    /// No rate up to the ceiling broke the SLO.
    CeilingReached {
        /// The route.
        route: String,
        /// The highest rate tried \[1/s\].
        rate_per_s: f64,
    },
    /// The capacity does not hold in a run twice as long.
    NotHeldAtTwiceTheLength {
        /// The route.
        route: String,
        /// The capacity \[1/s\].
        rate_per_s: f64,
        /// The metric there at twice the length \[ms\].
        metric_ms: f64,
        /// Whether that run was stable.
        stable: bool,
    },
}

impl std::fmt::Display for CapacityWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CapacityWarning::CeilingReached { route, rate_per_s } => write!(
                f,
                "route {route}: no rate up to {rate_per_s:.0}/s broke the SLO, so its capacity is at least that (the search ceiling), not a measured limit; check that the route has a capacity-limited resource"
            ),
            CapacityWarning::NotHeldAtTwiceTheLength { route, rate_per_s, metric_ms, stable } => {
                write!(
                    f,
                    "route {route}: the capacity {rate_per_s:.0}/s does not hold in a run twice as long ({}metric {metric_ms:.3} ms): the result depends on the run length; raise workload.requests and warmup_requests",
                    if *stable { "" } else { "unstable, " }
                )
            }
        }
    }
}

impl RouteCapacity {
    /// What needs attention in this result.
    pub fn warnings(&self) -> Vec<CapacityWarning> {
        let mut out = Vec::new();
        if self.ceiling_reached {
            let top = self.probes.iter().map(|p| p.rate_per_s).fold(0.0, f64::max);
            out.push(CapacityWarning::CeilingReached { route: self.name.clone(), rate_per_s: top });
        }
        if let (Some(false), Some(p)) = (self.holds_at_twice_the_length, &self.twice_the_length) {
            out.push(CapacityWarning::NotHeldAtTwiceTheLength {
                route: self.name.clone(),
                rate_per_s: p.rate_per_s,
                metric_ms: p.metric_ms,
                stable: p.stable,
            });
        }
        out
    }
}

/// The document `aznetsim capacity --format json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityReport {
    /// Version of the wire format (shared with `run`).
    pub schema_version: u32,
    /// `"aznetsim"`.
    pub tool: String,
    /// Its version.
    pub version: String,
    /// The scenario's name.
    pub scenario: String,
    /// The objective, e.g. `p99<=50ms`.
    pub slo: String,
    /// Seed and replications of every evaluation.
    pub seed: u64,
    /// Replications of every evaluation.
    pub replications: u64,
    /// One entry per route searched.
    pub routes: Vec<RouteCapacity>,
}

/// Where a route's search is, after each simulation: for a progress line.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchProgress<'a> {
    /// The route searched.
    pub route: &'a str,
    /// Simulations made so far for this route.
    pub runs: usize,
    /// The rate just tried \[1/s\].
    pub rate_per_s: f64,
    /// Whether it met the SLO.
    pub met: bool,
    /// The bracket so far \[1/s\]: the highest rate that met the SLO and
    /// the lowest above it that did not (`None` until one is seen).
    pub bracket_per_s: [Option<f64>; 2],
}

impl<'a> SearchProgress<'a> {
    /// The progress after `probes` (the last one just made).
    fn after(route: &'a str, probes: &[Probe]) -> Self {
        let last = probes.last().expect("called after a probe");
        let met = probes.iter().filter(|p| p.met).map(|p| p.rate_per_s).reduce(f64::max);
        let broke = probes
            .iter()
            .filter(|p| !p.met && met.is_none_or(|m| p.rate_per_s > m))
            .map(|p| p.rate_per_s)
            .reduce(f64::min);
        SearchProgress {
            route,
            runs: probes.len(),
            rate_per_s: last.rate_per_s,
            met: last.met,
            bracket_per_s: [met, broke],
        }
    }
}

/// Search settings.
#[derive(Debug, Clone, Copy)]
pub struct Search {
    /// Stop when the bracket is narrower than this fraction of its lower end.
    pub relative_precision: f64,
    /// At most this many doublings or halvings while bracketing (and steps
    /// outward for each end of the interval).
    pub max_steps: u32,
}

impl Default for Search {
    fn default() -> Self {
        Search { relative_precision: 0.01, max_steps: 30 }
    }
}

/// The highest rate the search tries \[1/s\].
const CEILING_PER_S: f64 = 1e9;

/// The arrival rate of a scenario \[1/s\] (the higher one of an MMPP).
fn base_rate(spec: &ScenarioSpec) -> Option<f64> {
    match spec.workload.arrival.rate_per_s.as_ref()? {
        Value::Number(n) => n.as_f64(),
        Value::Array(a) => a.iter().filter_map(Value::as_f64).reduce(f64::max),
        _ => None,
    }
}

/// `spec` with every rate of its arrival process scaled by `factor` (so a
/// bursty MMPP keeps its shape).
fn scaled(spec: &ScenarioSpec, factor: f64) -> ScenarioSpec {
    let mut s = spec.clone();
    s.workload.arrival.rate_per_s = match &spec.workload.arrival.rate_per_s {
        Some(Value::Number(n)) => Some(Value::from(n.as_f64().unwrap_or(0.0) * factor)),
        Some(Value::Array(a)) => Some(Value::from(
            a.iter().map(|v| v.as_f64().unwrap_or(0.0) * factor).collect::<Vec<_>>(),
        )),
        other => other.clone(),
    };
    s
}

/// `spec` run twice as long: twice the requests and the warm-up.
fn twice_as_long(spec: &ScenarioSpec) -> ScenarioSpec {
    let mut s = spec.clone();
    s.workload.requests = spec.workload.requests.saturating_mul(2);
    if let Warmup::Requests(n) = spec.workload.warmup_requests {
        s.workload.warmup_requests = Warmup::Requests(n.saturating_mul(2));
    }
    s
}

/// The 95 % interval of the SLO metric across replications \[ms\], when the
/// metric is the mean or one of [`REPORTED_QUANTILES`].
fn metric_ci95(slo: &Slo, stats: &RouteStats, summary: &RouteSummary<'_>) -> Option<[f64; 2]> {
    match slo.metric {
        SloMetric::Mean => summary.mean_ci95_ms,
        SloMetric::Quantile(q) => {
            let i = REPORTED_QUANTILES.iter().position(|r| (r - q).abs() < 1e-9)?;
            stats.quantile_ci95_ms(i).map(|(l, h)| [l, h])
        }
    }
}

/// Finds each route's capacity (routes in parallel, each alone in its
/// scenario), or only `route`'s; `on_probe` is called from any thread after
/// each simulation with where that route's search is.
///
/// # Errors
///
/// Fails when `route` names no route, the scenario has no arrival rate, or
/// a candidate scenario is invalid or its run fails.
pub fn capacity(
    scenario: &Scenario,
    route: Option<&str>,
    slo: Slo,
    search: Search,
    on_probe: &(dyn Fn(&SearchProgress<'_>) + Sync),
) -> Result<Vec<RouteCapacity>, PointError> {
    use rayon::prelude::*;
    let fail = |msg: String| PointError {
        what: "capacity search".into(),
        point: 0,
        values: String::new(),
        source: msg.into(),
    };
    let spec = scenario.spec();
    let rate0 = base_rate(spec)
        .ok_or_else(|| fail("the scenario has no workload.arrival.rate_per_s".into()))?;
    let names: Vec<String> = spec.routes.iter().map(|r| r.name.clone()).collect();
    let chosen: Vec<(usize, String)> = match route {
        Some(r) => {
            let i = names.iter().position(|n| n == r).ok_or_else(|| {
                fail(format!("--route {r}: no such route; routes: {}", names.join(", ")))
            })?;
            vec![(i, r.to_string())]
        }
        None => names.iter().cloned().enumerate().collect(),
    };
    chosen
        .par_iter()
        .map(|(i, name)| {
            // The route alone, with its scenario's other settings.
            let mut alone = spec.clone();
            alone.routes = vec![spec.routes[*i].clone()];
            let mut found = search_route(scenario, &alone, name, rate0, slo, search, on_probe)?;
            if found.bottleneck.as_deref().is_some_and(|b| is_backend(&alone, b)) {
                found.bottleneck_is_input = true;
                let unbounded = without_backend_limits(&alone);
                let platform =
                    search_route(scenario, &unbounded, name, rate0, slo, search, on_probe)?;
                found.without_backend_limits = Some(Box::new(platform));
            }
            Ok(found)
        })
        .collect()
}

/// Whether `node` is a `backend` of `spec` (an input: the user's API).
fn is_backend(spec: &ScenarioSpec, node: &str) -> bool {
    spec.nodes.get(node).is_some_and(|n| n["kind"] == "backend")
}

/// `spec` with every backend's servers unbounded: what the platform
/// carries when the backends never queue.
fn without_backend_limits(spec: &ScenarioSpec) -> ScenarioSpec {
    let mut s = spec.clone();
    for n in s.nodes.values_mut().filter(|n| n["kind"] == "backend") {
        n["servers"] = Value::from("unbounded");
    }
    s
}

/// Simulates `spec` at `rate0 * factor` and summarises it against `slo`.
fn probe(
    base: &Scenario,
    spec: &ScenarioSpec,
    name: &str,
    rate0: f64,
    factor: f64,
    slo: &Slo,
    run: usize,
) -> Result<Probe, PointError> {
    let rate = rate0 * factor;
    let fail = |source: Box<dyn std::error::Error + Send + Sync>| PointError {
        what: format!("capacity search, route {name}, run {run}"),
        point: run - 1,
        values: format!("workload.arrival.rate_per_s={rate}"),
        source,
    };
    let scenario = base.with_spec(scaled(spec, factor)).map_err(|e| fail(Box::new(e)))?;
    let opts = RunOptions::new(spec.seed, spec.replications);
    // The SLO is on the route's own latency: no authorisation twin.
    let sims = simulate(&scenario, &opts, Twins::Skip, &|| {}).map_err(|e| fail(Box::new(e)))?;
    let routes = sims.routes(&scenario);
    let summary = RouteSummary::of(&routes[0]);
    let stats = routes[0].stats();
    let busiest = summary.busiest.clone();
    let acc = summary.accumulators();
    Ok(Probe {
        rate_per_s: rate,
        metric_ms: slo.measure(&summary),
        metric_ci95_ms: metric_ci95(slo, stats, &summary),
        met: slo.is_met(&summary),
        stable: summary.is_stable(),
        lost: acc.rejected + acc.timed_out + acc.failed,
        p99_ms: summary.quantile_ms(0.99),
        bottleneck_utilization: busiest.as_ref().map(|b| b.1),
        bottleneck: busiest.map(|b| b.0),
    })
}

/// Bisects between `yes`, where `holds` is true, and `no`, where it is not,
/// until they are within `precision` (relative to the smaller) of each
/// other; returns the final `(yes, no)`. Every bisection of the search goes
/// through here: the capacity bracket and both ends of the interval.
fn bisect(
    mut yes: f64,
    mut no: f64,
    precision: f64,
    mut holds: impl FnMut(f64) -> Result<bool, PointError>,
) -> Result<(f64, f64), PointError> {
    while (yes - no).abs() > precision * yes.min(no) {
        let mid = (yes + no) / 2.0;
        if holds(mid)? { yes = mid } else { no = mid }
    }
    Ok((yes, no))
}

fn search_route(
    base: &Scenario,
    spec: &ScenarioSpec,
    name: &str,
    rate0: f64,
    slo: Slo,
    search: Search,
    on_probe: &(dyn Fn(&SearchProgress<'_>) + Sync),
) -> Result<RouteCapacity, PointError> {
    let mut probes: Vec<Probe> = Vec::new();
    let eval = |probes: &mut Vec<Probe>, factor: f64| -> Result<Probe, PointError> {
        let p = probe(base, spec, name, rate0, factor, &slo, probes.len() + 1)?;
        probes.push(p.clone());
        on_probe(&SearchProgress::after(name, probes));
        Ok(p)
    };
    // Bracket: lo meets the SLO, hi breaks it (factors of the base rate).
    // Rates stay where a run's horizon is sensible: at most 1e9 per second,
    // and at least the rate at which the workload spans 1e9 s.
    let requests = spec.workload.requests as f64;
    let min_rate = (requests / 1e9).max(1e-6);
    let (mut lo, mut hi): (Option<f64>, Option<f64>) = (None, None);
    let mut f = 1.0;
    for _ in 0..=search.max_steps {
        if rate0 * f > CEILING_PER_S || rate0 * f < min_rate {
            break;
        }
        if eval(&mut probes, f)?.met {
            lo = Some(f);
            if hi.is_some() {
                break;
            }
            f *= 2.0;
        } else {
            hi = Some(f);
            if lo.is_some() {
                break;
            }
            f /= 2.0;
        }
    }
    // Latency that falls with load (a token cache derived from users: more
    // requests per user, fewer misses per request) can break the SLO at low
    // rates and meet it at higher ones: before giving up, look upward from
    // the scenario's rate until the route saturates.
    if lo.is_none() {
        let mut f = 2.0;
        for _ in 0..search.max_steps {
            if rate0 * f > CEILING_PER_S {
                break;
            }
            let p = eval(&mut probes, f)?;
            if p.met {
                lo = Some(f);
                hi = None;
                // Then find where it breaks above.
                let mut g = f * 2.0;
                while rate0 * g <= CEILING_PER_S {
                    if eval(&mut probes, g)?.met {
                        lo = Some(g);
                        g *= 2.0;
                    } else {
                        hi = Some(g);
                        break;
                    }
                }
                break;
            }
            if !p.stable {
                break;
            }
            f *= 2.0;
        }
    }
    if let (Some(mut l), Some(mut h)) = (lo, hi) {
        (l, h) = bisect(l, h, search.relative_precision, |f| Ok(eval(&mut probes, f)?.met))?;
        lo = Some(l);
        hi = Some(h);
    }

    // The interval's ends: step outward from the bracket (doubling the
    // step) until a rate meets, or breaks, with confidence, then bisect
    // between that rate and the nearest one that does not, to the same
    // precision. Rates that qualify are kept, so each end is conservative.
    let mut ends = [None, None];
    let factors = |probes: &[Probe], keep: &dyn Fn(&Probe) -> bool| -> Vec<f64> {
        probes.iter().filter(|p| keep(p)).map(|p| p.rate_per_s / rate0).collect()
    };
    if let Some(l) = lo {
        let sure = |p: &Probe| p.meets_with_confidence(&slo);
        let mut outer =
            factors(&probes, &|p| sure(p)).into_iter().filter(|&f| f <= l).reduce(f64::max);
        // The lowest rate above `outer` known not to meet with confidence.
        let mut inner = factors(&probes, &|_| true)
            .into_iter()
            .filter(|&f| f <= l && outer.is_none_or(|o| f > o))
            .fold(l, f64::min);
        if outer != Some(l) {
            let mut step = (search.relative_precision * l).max(hi.map_or(0.0, |h| h - l));
            for _ in 0..search.max_steps {
                if outer.is_some() {
                    break;
                }
                let f = if inner - step > 0.0 { inner - step } else { inner / 2.0 };
                if rate0 * f < min_rate {
                    break;
                }
                let p = eval(&mut probes, f)?;
                if sure(&p) {
                    outer = Some(f);
                } else if p.breaks_with_confidence(&slo) {
                    // Below a window where the SLO holds (latency that
                    // falls with load): no lower end.
                    break;
                } else {
                    inner = f;
                }
                step *= 2.0;
            }
            if let Some(o) = outer {
                let holds = |f| Ok(sure(&eval(&mut probes, f)?));
                outer = Some(bisect(o, inner, search.relative_precision, holds)?.0);
            }
        }
        ends[0] = outer.map(|o| rate0 * o);
    }
    {
        let floor = lo.unwrap_or(0.0);
        let sure = |p: &Probe| p.breaks_with_confidence(&slo);
        let mut outer =
            factors(&probes, &|p| sure(p)).into_iter().filter(|&f| f >= floor).reduce(f64::min);
        if let (Some(l), Some(h)) = (lo, hi) {
            // The highest rate below `outer` known not to break with
            // confidence.
            let mut inner = factors(&probes, &|_| true)
                .into_iter()
                .filter(|&f| f >= l && outer.is_none_or(|o| f < o))
                .fold(l, f64::max);
            let mut step = (search.relative_precision * h).max(h - l);
            for _ in 0..search.max_steps {
                if outer.is_some() || rate0 * (inner + step) > CEILING_PER_S {
                    break;
                }
                let f = inner + step;
                if sure(&eval(&mut probes, f)?) {
                    outer = Some(f)
                } else {
                    inner = f
                }
                step *= 2.0;
            }
            if let Some(o) = outer {
                let holds = |f| Ok(sure(&eval(&mut probes, f)?));
                outer = Some(bisect(o, inner, search.relative_precision, holds)?.0);
            }
        }
        ends[1] = outer.map(|o| rate0 * o);
    }

    let at = |f: Option<f64>, probes: &[Probe]| {
        f.and_then(|f| {
            probes.iter().find(|p| (p.rate_per_s - rate0 * f).abs() <= 1e-9 * rate0 * f).cloned()
        })
    };
    let breaking = at(hi, &probes);
    let metric_at_capacity_ms = at(lo, &probes).map(|p| p.metric_ms);
    let twice_the_length = match lo {
        Some(l) => {
            let long = twice_as_long(spec);
            let p = probe(base, &long, name, rate0, l, &slo, probes.len() + 1)?;
            on_probe(&SearchProgress {
                runs: probes.len() + 1,
                rate_per_s: p.rate_per_s,
                met: p.met,
                ..SearchProgress::after(name, &probes)
            });
            Some(p)
        }
        None => None,
    };
    let holds_at_twice_the_length = twice_the_length.as_ref().map(|p| {
        let broken =
            if p.metric_ci95_ms.is_some() { p.breaks_with_confidence(&slo) } else { !p.met };
        !broken
    });
    let method = match (slo.metric, spec.replications) {
        (_, r) if r < 2 => {
            "no interval: it needs at least 2 replications (set replications)".to_string()
        }
        (SloMetric::Quantile(q), _) if !REPORTED_QUANTILES.iter().any(|r| (r - q).abs() < 1e-9) => {
            format!(
                "no interval: per-replication percentiles are kept for p50, p90, p99 and p99.9 only, not p{}",
                q * 100.0
            )
        }
        _ => INTERVAL_METHOD.to_string(),
    };
    Ok(RouteCapacity {
        name: name.to_string(),
        capacity_per_s: lo.map(|l| rate0 * l),
        precision_per_s: match (lo, hi) {
            (Some(l), Some(h)) => rate0 * (h - l),
            _ => 0.0,
        },
        breaks_at_per_s: hi.filter(|_| lo.is_some()).map(|h| rate0 * h),
        ceiling_reached: lo.is_some() && hi.is_none(),
        capacity_interval_per_s: ends,
        interval_method: method,
        metric_at_capacity_ms,
        holds_at_twice_the_length,
        twice_the_length,
        bottleneck: breaking.as_ref().and_then(|p| p.bottleneck.clone()),
        bottleneck_utilization: breaking.and_then(|p| p.bottleneck_utilization),
        bottleneck_is_input: false,
        without_backend_limits: None,
        probes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_scale_including_mmpp() {
        let mut spec: ScenarioSpec = serde_json::from_value(serde_json::json!({
            "name": "s",
            "workload": {"arrival": {"kind": "mmpp2", "rate_per_s": [100.0, 10.0]}, "requests": 10},
            "nodes": {}, "routes": []
        }))
        .unwrap();
        assert_eq!(base_rate(&spec), Some(100.0));
        let s = scaled(&spec, 2.0);
        assert_eq!(s.workload.arrival.rate_per_s, Some(serde_json::json!([200.0, 20.0])));
        spec.workload.arrival.rate_per_s = Some(serde_json::json!(50));
        assert_eq!(scaled(&spec, 0.5).workload.arrival.rate_per_s, Some(serde_json::json!(25.0)));
    }

    #[test]
    fn confidence_needs_an_interval_except_for_instability_and_losses() {
        let slo = Slo::parse("p99<=10ms").unwrap();
        let p = |metric_ms: f64, ci: Option<[f64; 2]>, stable: bool, lost: u64| Probe {
            rate_per_s: 1.0,
            metric_ms,
            metric_ci95_ms: ci,
            met: stable && lost == 0 && metric_ms <= 10.0,
            stable,
            lost,
            p99_ms: metric_ms,
            bottleneck: None,
            bottleneck_utilization: None,
        };
        // Met, interval inside the limit: meets with confidence.
        assert!(p(8.0, Some([7.0, 9.0]), true, 0).meets_with_confidence(&slo));
        // Met but the interval straddles the limit: neither.
        let straddle = p(9.5, Some([9.0, 11.0]), true, 0);
        assert!(!straddle.meets_with_confidence(&slo) && !straddle.breaks_with_confidence(&slo));
        // No interval (one replication): never with confidence, either way...
        let alone = p(20.0, None, true, 0);
        assert!(!alone.meets_with_confidence(&slo) && !alone.breaks_with_confidence(&slo));
        // ...except that instability and lost requests are facts, not estimates.
        assert!(p(1.0, None, false, 0).breaks_with_confidence(&slo));
        assert!(p(1.0, Some([0.9, 1.1]), true, 3).breaks_with_confidence(&slo));
        assert!(!p(1.0, Some([0.9, 1.1]), false, 0).meets_with_confidence(&slo));
        // The interval above the limit.
        assert!(p(12.0, Some([11.0, 13.0]), true, 0).breaks_with_confidence(&slo));
    }
}
