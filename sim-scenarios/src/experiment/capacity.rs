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

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_core::RunOptions;

use crate::compile::Scenario;
use crate::experiment::sweep::PointError;
use crate::file::overrides::set_path;
use crate::report::rows::Row;
use crate::report::state::RouteState;

/// What the SLO constrains.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum SloMetric {
    /// The mean latency.
    Mean,
    /// A percentile (0 < q < 1), e.g. 0.99.
    Quantile(f64),
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
    pub fn parse(s: &str) -> Result<Self, String> {
        let usage = || {
            format!(
                "--slo {s}: expected METRIC<=LIMIT with METRIC mean or pNN (p50, p99, p99.9) and LIMIT in ms or s, e.g. p99<=50ms"
            )
        };
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

    /// The metric's value in a row \[ms\].
    pub fn measure(&self, row: &Row, state: &RouteState) -> f64 {
        match self.metric {
            SloMetric::Mean => row.mean_ms,
            SloMetric::Quantile(q) => {
                let h =
                    crate::report::state::decode_histogram(&state.histogram).expect("encoded here");
                if state.completed == 0 {
                    f64::INFINITY
                } else {
                    h.value_at_quantile(q).min(state.max_ns) as f64 / 1e6
                }
            }
        }
    }

    /// Whether a run meets the SLO: the metric is within the limit and no
    /// measured request was rejected or timed out.
    pub fn is_met(&self, row: &Row, state: &RouteState) -> bool {
        row.rejected == 0 && row.timed_out == 0 && self.measure(row, state) <= self.limit_ms
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

/// The arrival rate of a scenario document \[1/s\] and a setter scaling it.
fn base_rate(doc: &Value) -> Option<f64> {
    match doc.pointer("/workload/arrival/rate_per_s")? {
        Value::Number(n) => n.as_f64(),
        Value::Array(a) => a.iter().filter_map(Value::as_f64).reduce(f64::max),
        _ => None,
    }
}

fn scaled(doc: &Value, factor: f64) -> Value {
    let mut d = doc.clone();
    let new = match d.pointer("/workload/arrival/rate_per_s") {
        Some(Value::Number(n)) => Value::from(n.as_f64().unwrap_or(0.0) * factor),
        Some(Value::Array(a)) => {
            Value::from(a.iter().map(|v| v.as_f64().unwrap_or(0.0) * factor).collect::<Vec<_>>())
        }
        _ => return d,
    };
    set_path(&mut d, "workload.arrival.rate_per_s", &new.to_string()).expect("the path exists");
    d
}

/// Finds each route's capacity (routes in parallel, each alone in its
/// scenario), or only `route`'s.
///
/// # Errors
///
/// Fails when `route` names no route, the scenario has no arrival rate, or
/// a candidate scenario is invalid or its run fails.
pub fn capacity(
    file: &Path,
    base: &Value,
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
    let rate0 = base_rate(base)
        .ok_or_else(|| fail("the scenario has no workload.arrival.rate_per_s".into()))?;
    let names: Vec<String> = base
        .pointer("/routes")
        .and_then(Value::as_array)
        .map(|rs| rs.iter().filter_map(|r| r.get("name")?.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
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
            let mut doc = base.clone();
            let only = doc["routes"][*i].clone();
            doc["routes"] = Value::Array(vec![only]);
            search_route(file, &doc, name, rate0, slo, search, on_probe)
        })
        .collect()
}

fn search_route(
    file: &Path,
    doc: &Value,
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
        let scenario =
            Scenario::from_value(file, scaled(doc, factor)).map_err(|e| fail(Box::new(e)))?;
        let spec = scenario.spec();
        let opts = RunOptions::new(spec.seed, spec.replications);
        let sims = crate::run::simulate(&scenario, &opts, &|| {}).map_err(|e| fail(Box::new(e)))?;
        let (model, results, index) = crate::run::route_views(&scenario, &sims)[0];
        let state = RouteState::from_results(probes.len(), &[], model, results, index, 0);
        let row = state.row().map_err(|e| fail(Box::new(e)))?;
        let met = slo.is_met(&row, &state);
        probes.push(Probe {
            rate_per_s: rate,
            metric_ms: slo.measure(&row, &state),
            met,
            p99_ms: row.p99_ms,
            bottleneck: row.bottleneck.clone(),
            bottleneck_utilization: row.bottleneck_utilization,
        });
        on_probe();
        Ok((met, row.bottleneck_utilization.is_some_and(|u| u >= 0.98)))
    };
    // Bracket: lo meets the SLO, hi breaks it (factors of the base rate).
    // Rates stay where a run's horizon is sensible: at most 1e9 per second,
    // and at least the rate at which the workload spans 1e9 s.
    let requests = doc.pointer("/workload/requests").and_then(Value::as_f64).unwrap_or(1.0);
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
        let d = serde_json::json!({"workload": {"arrival": {"rate_per_s": [100.0, 10.0]}}});
        assert_eq!(base_rate(&d), Some(100.0));
        let s = scaled(&d, 2.0);
        assert_eq!(s["workload"]["arrival"]["rate_per_s"], serde_json::json!([200.0, 20.0]));
    }
}
