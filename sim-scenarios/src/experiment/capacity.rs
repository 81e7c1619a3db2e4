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
//! grows with the rate); the search assumes one window where the SLO holds. The
//! result is the highest rate seen to meet the SLO; `precision_per_s` is
//! the width of the final bracket, and the bottleneck is the busiest
//! resource at the lowest rate seen to break it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_core::RunOptions;

use crate::compile::Scenario;
use crate::experiment::sweep::PointError;
use crate::file::spec::ScenarioSpec;
use crate::report::summary::RouteSummary;
use crate::run::{Twins, simulate};

/// What the SLO constrains.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum SloMetric {
    /// The mean latency.
    Mean,
    /// A percentile (0 < q < 1), e.g. 0.99.
    Quantile(f64),
}

/// A `--slo` that is not `METRIC<=LIMIT`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--slo {spec}: expected METRIC<=LIMIT with METRIC mean or pNN (p50, p99, p99.9) and LIMIT in ms or s, e.g. p99<=50ms"
)]
pub struct SloError {
    /// The argument as given.
    pub spec: String,
}

/// A latency objective, e.g. `p99<=50ms`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Slo {
    /// What is constrained.
    pub metric: SloMetric,
    /// The limit \[ms\].
    pub limit_ms: f64,
}

impl Slo {
    /// Parses `p99<=50ms`, `p99.9<=1s`, `mean<=20ms`, `p50<=0.5s`.
    ///
    /// # Errors
    ///
    /// Fails with a message saying the accepted form.
    pub fn parse(s: &str) -> Result<Self, SloError> {
        let usage = || SloError { spec: s.to_string() };
        let (metric, limit) = s.split_once("<=").ok_or_else(usage)?;
        let metric = match metric.trim() {
            "mean" => SloMetric::Mean,
            m => {
                let pct: f64 =
                    m.strip_prefix('p').and_then(|p| p.parse().ok()).ok_or_else(usage)?;
                if !(pct > 0.0 && pct < 100.0) {
                    return Err(usage());
                }
                SloMetric::Quantile(pct / 100.0)
            }
        };
        let limit = limit.trim();
        let (num, scale) = if let Some(n) = limit.strip_suffix("ms") {
            (n, 1.0)
        } else if let Some(n) = limit.strip_suffix('s') {
            (n, 1000.0)
        } else {
            return Err(usage());
        };
        let v: f64 = num.trim().parse().map_err(|_| usage())?;
        if !(v.is_finite() && v > 0.0) {
            return Err(usage());
        }
        Ok(Slo { metric, limit_ms: v * scale })
    }

    /// The metric's value in a summary \[ms\]; infinite when nothing
    /// completed.
    pub fn measure(&self, summary: &RouteSummary<'_>) -> f64 {
        match self.metric {
            SloMetric::Mean => summary.mean_ms,
            SloMetric::Quantile(_) if summary.accumulators().completed == 0 => f64::INFINITY,
            SloMetric::Quantile(q) => summary.quantile_ms(q),
        }
    }

    /// Whether a run meets the SLO: the metric is within the limit and no
    /// measured request was rejected or timed out.
    pub fn is_met(&self, summary: &RouteSummary<'_>) -> bool {
        let acc = summary.accumulators();
        acc.rejected == 0 && acc.timed_out == 0 && self.measure(summary) <= self.limit_ms
    }
}

impl std::fmt::Display for Slo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.metric {
            SloMetric::Mean => write!(f, "mean<={}ms", self.limit_ms),
            SloMetric::Quantile(q) => write!(f, "p{}<={}ms", q * 100.0, self.limit_ms),
        }
    }
}

/// One evaluation of the search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// Arrival rate tried \[1/s\].
    pub rate_per_s: f64,
    /// The SLO metric there \[ms\].
    pub metric_ms: f64,
    /// Whether the SLO held.
    pub met: bool,
    /// p99 there \[ms\] (for p99-against-load charts).
    pub p99_ms: f64,
    /// The busiest resource there.
    pub bottleneck: Option<String>,
    /// Its utilisation.
    pub bottleneck_utilization: Option<f64>,
}

/// The capacity of one route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteCapacity {
    /// The route.
    pub name: String,
    /// Highest rate seen to meet the SLO \[1/s\]; `None` if none did.
    pub capacity_per_s: Option<f64>,
    /// Width of the final bracket \[1/s\]: the true capacity lies within
    /// `[capacity_per_s, capacity_per_s + precision_per_s]`.
    pub precision_per_s: f64,
    /// The SLO metric at `capacity_per_s` \[ms\].
    pub metric_at_capacity_ms: Option<f64>,
    /// The busiest resource at the lowest rate seen to break the SLO.
    pub bottleneck: Option<String>,
    /// Its utilisation there.
    pub bottleneck_utilization: Option<f64>,
    /// Every evaluation, in the order made.
    pub probes: Vec<Probe>,
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

/// Search settings.
#[derive(Debug, Clone, Copy)]
pub struct Search {
    /// Stop when the bracket is narrower than this fraction of its lower end.
    pub relative_precision: f64,
    /// At most this many doublings or halvings while bracketing.
    pub max_steps: u32,
}

impl Default for Search {
    fn default() -> Self {
        Search { relative_precision: 0.01, max_steps: 30 }
    }
}

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

/// Finds each route's capacity (routes in parallel, each alone in its
/// scenario), or only `route`'s.
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
    on_probe: &(dyn Fn() + Sync),
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
            search_route(scenario, &alone, name, rate0, slo, search, on_probe)
        })
        .collect()
}

fn search_route(
    base: &Scenario,
    spec: &ScenarioSpec,
    name: &str,
    rate0: f64,
    slo: Slo,
    search: Search,
    on_probe: &(dyn Fn() + Sync),
) -> Result<RouteCapacity, PointError> {
    let mut probes: Vec<Probe> = Vec::new();
    // Each probe: whether the SLO held, and whether the route saturated.
    let mut eval = |factor: f64| -> Result<(bool, bool), PointError> {
        let rate = rate0 * factor;
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| PointError {
            what: format!("capacity search, route {name}, run {}", probes.len() + 1),
            point: probes.len(),
            values: format!("workload.arrival.rate_per_s={rate}"),
            source,
        };
        let scenario = base.with_spec(scaled(spec, factor)).map_err(|e| fail(Box::new(e)))?;
        let opts = RunOptions::new(spec.seed, spec.replications);
        // The SLO is on the route's own latency: no authorisation twin.
        let sims =
            simulate(&scenario, &opts, Twins::Skip, &|| {}).map_err(|e| fail(Box::new(e)))?;
        let summary = RouteSummary::of(&sims.routes(&scenario)[0]);
        let met = slo.is_met(&summary);
        let busiest = summary.busiest.clone();
        probes.push(Probe {
            rate_per_s: rate,
            metric_ms: slo.measure(&summary),
            met,
            p99_ms: summary.quantile_ms(0.99),
            bottleneck_utilization: busiest.as_ref().map(|b| b.1),
            bottleneck: busiest.map(|b| b.0),
        });
        on_probe();
        Ok((met, summary.busiest.as_ref().is_some_and(|b| b.1 >= 0.98)))
    };
    // Bracket: lo meets the SLO, hi breaks it (factors of the base rate).
    // Rates stay where a run's horizon is sensible: at most 1e9 per second,
    // and at least the rate at which the workload spans 1e9 s.
    let requests = spec.workload.requests as f64;
    let min_rate = (requests / 1e9).max(1e-6);
    let (mut lo, mut hi): (Option<f64>, Option<f64>) = (None, None);
    let mut f = 1.0;
    for _ in 0..=search.max_steps {
        if rate0 * f > 1e9 || rate0 * f < min_rate {
            break;
        }
        if eval(f)?.0 {
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
            if rate0 * f > 1e9 {
                break;
            }
            let (met, saturated) = eval(f)?;
            if met {
                lo = Some(f);
                hi = None;
                // Then find where it breaks above.
                let mut g = f * 2.0;
                while rate0 * g <= 1e9 {
                    if eval(g)?.0 {
                        lo = Some(g);
                        g *= 2.0;
                    } else {
                        hi = Some(g);
                        break;
                    }
                }
                break;
            }
            if saturated {
                break;
            }
            f *= 2.0;
        }
    }
    if let (Some(mut l), Some(mut h)) = (lo, hi) {
        while (h - l) > search.relative_precision * l {
            let mid = (l + h) / 2.0;
            if eval(mid)?.0 { l = mid } else { h = mid }
        }
        lo = Some(l);
        hi = Some(h);
    }
    let at = |f: Option<f64>| {
        f.and_then(|f| probes.iter().find(|p| (p.rate_per_s - rate0 * f).abs() <= 1e-9 * rate0 * f))
    };
    let breaking = at(hi).cloned();
    Ok(RouteCapacity {
        name: name.to_string(),
        capacity_per_s: lo.map(|l| rate0 * l),
        precision_per_s: match (lo, hi) {
            (Some(l), Some(h)) => rate0 * (h - l),
            _ => 0.0,
        },
        metric_at_capacity_ms: at(lo).map(|p| p.metric_ms),
        bottleneck: breaking.as_ref().and_then(|p| p.bottleneck.clone()),
        bottleneck_utilization: breaking.and_then(|p| p.bottleneck_utilization),
        probes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slo_forms() {
        assert_eq!(
            Slo::parse("p99<=50ms").unwrap(),
            Slo { metric: SloMetric::Quantile(0.99), limit_ms: 50.0 }
        );
        assert_eq!(
            Slo::parse("mean<=0.02s").unwrap(),
            Slo { metric: SloMetric::Mean, limit_ms: 20.0 }
        );
        let p999 = Slo::parse("p99.9 <= 1s").unwrap();
        assert!((p999.limit_ms - 1000.0).abs() < 1e-9);
        assert!(matches!(p999.metric, SloMetric::Quantile(q) if (q - 0.999).abs() < 1e-12));
        for bad in ["p99<50ms", "p100<=5ms", "x<=5ms", "p99<=5", "p99<=-1ms", "mean<=fast"] {
            assert!(Slo::parse(bad).is_err(), "{bad}");
        }
    }

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
}
