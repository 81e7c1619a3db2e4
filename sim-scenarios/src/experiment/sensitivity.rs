//! Which estimate decides the answer: every EST figure a scenario's routes
//! use, set to the low and then the high end of its catalog range
//! ([`crate::azure::catalog::RANGES`]), one at a time, each rerun with the
//! scenario's seed and replications (common random numbers); the figures
//! ranked by how far they move each route's difference from the baseline.
//!
//! The intervals of a run measure simulation noise only; the ranges are
//! judgement. One figure moves at a time, so what two estimates do together
//! (an interaction) is not seen.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sim_core::{RunError, RunOptions};

use crate::azure::catalog::{self, FIGURES, Tag};
use crate::compile::Scenario;
use crate::error::ScenarioError;
use crate::report::{Estimate, ReportError, ReportOptions, RunReport, report_against};
use crate::run::{Twins, simulate};

/// How the figures are varied and what the numbers mean, as the report
/// states it.
pub const METHOD: &str = "one figure at a time: each EST figure the routes use set to the low, then the high end of its catalog range (judgement, see `aznetsim catalog`), the others at their defaults; every run with the same seed and replications (common random numbers); swing = |difference at high - difference at low|. The 95 % intervals cover simulation noise only, not the ranges; interactions between figures are not measured";

/// The estimates a sensitivity run varies on a scenario, and those it
/// leaves out with the reason.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The figures varied, in catalog order, each with its two scenarios.
    pub figures: Vec<Varied>,
    /// EST figures the routes look up but that are not varied.
    pub skipped: Vec<Skipped>,
}

impl Plan {
    /// Runs the plan takes: the scenario as it is, then each figure low and
    /// high.
    pub fn runs(&self) -> usize {
        1 + 2 * self.figures.len()
    }
}

/// One estimate and the scenario compiled at each end of its range.
#[derive(Debug, Clone)]
pub struct Varied {
    /// The figure, at its catalog value.
    pub figure: catalog::Figure,
    /// Its range.
    pub range: catalog::Range,
    /// The scenario with the figure at `range.low`.
    pub low: Scenario,
    /// The scenario with the figure at `range.high`.
    pub high: Scenario,
}

/// An EST figure the routes look up that a sensitivity run does not vary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The figure's key.
    pub key: String,
    /// Why it is not varied.
    pub reason: String,
}

/// What the driver reports: see `docs/design.md` ("Sensitivity").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SensitivityReport {
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    pub scenario: String,
    pub seed: u64,
    pub replications: u64,
    pub requests: u64,
    pub baseline: String,
    /// How figures were varied and what the intervals cover ([`METHOD`]).
    pub method: String,
    /// Every route at the catalog's values.
    pub base: Vec<RoutePoint>,
    /// One tornado per difference from the baseline (or, for a scenario
    /// with one route, of its mean).
    pub tornadoes: Vec<Tornado>,
    /// Every figure varied, in catalog order, with every route at each end.
    pub figures: Vec<FigureRuns>,
    /// EST figures the routes look up that were not varied, with why.
    pub skipped: Vec<Skipped>,
    /// Warnings of the runs (saturation, too few samples …), each once,
    /// prefixed with the first run that gave it and how many others did.
    pub warnings: Vec<String>,
}

/// One route of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct RoutePoint {
    pub route: String,
    /// Mean latency \[ms\]; `None` when nothing completed.
    pub mean_ms: Option<f64>,
    /// 99th percentile \[ms\].
    pub p99_ms: Option<f64>,
    /// Mean minus the baseline's, replication by replication \[ms\];
    /// `None` for the baseline and when either completed nothing.
    pub vs_baseline_mean_ms: Option<f64>,
    /// As `vs_baseline_mean_ms`, of the p99 \[ms\].
    pub vs_baseline_p99_ms: Option<f64>,
}

/// One figure's two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct FigureRuns {
    pub key: String,
    pub tag: String,
    pub unit: String,
    /// The catalog's value.
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// The range's reasoning.
    pub why: String,
    pub at_low: Vec<RoutePoint>,
    pub at_high: Vec<RoutePoint>,
}

/// The figures ranked by how far they move one quantity: a route's
/// difference from the baseline (mean and p99), or a lone route's mean and
/// p99.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tornado {
    /// The route.
    pub route: String,
    /// The route it is compared with; `None` when the quantity is the
    /// route's own latency (a scenario with one route).
    pub baseline: Option<String>,
    /// The quantity's mean at the catalog's values, with its 95 % interval
    /// (simulation noise only) \[ms\].
    pub mean: Estimate,
    /// As `mean`, of the p99.
    pub p99: Estimate,
    /// The width of `mean`'s interval \[ms\]: a yardstick of simulation
    /// noise; a mean swing below it cannot be told from noise. `None`
    /// with one replication.
    pub noise_ms: Option<f64>,
    /// One bar per figure, the largest mean swing first.
    pub bars: Vec<Bar>,
}

/// One figure's bar of a [`Tornado`] \[ms\].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Bar {
    pub key: String,
    pub mean_at_low: Option<f64>,
    pub mean_at_high: Option<f64>,
    /// `|mean_at_high - mean_at_low|`; `None` when either is.
    pub mean_swing: Option<f64>,
    pub p99_at_low: Option<f64>,
    pub p99_at_high: Option<f64>,
    pub p99_swing: Option<f64>,
}

/// Why a sensitivity run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SensitivityError {
    /// A figure's value makes the scenario invalid.
    #[error("catalog figure '{key}' at {value} (its range's {end}): {source}")]
    Scenario {
        /// The figure.
        key: &'static str,
        /// The value tried.
        value: f64,
        /// `low` or `high`.
        end: &'static str,
        /// What compiling said.
        #[source]
        source: Box<ScenarioError>,
    },
    /// The scenario as given does not recompile (it always does).
    #[error("{0}")]
    Base(#[source] Box<ScenarioError>),
    /// A run failed.
    #[error("{what}: {source}")]
    Run {
        /// Which run: the base, or a figure at an end.
        what: String,
        /// What the engine said.
        #[source]
        source: RunError,
    },
    /// The baseline route does not exist.
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// The plan for `scenario`: every EST figure its routes look up while it
/// compiles, except those the scenario already gives a value
/// ([`Scenario::catalog_values`]), those without a range and those that do
/// not change the compiled model at either end (the file sets every field
/// they feed).
///
/// # Errors
///
/// Fails when a figure at an end of its range makes the scenario invalid.
pub fn plan(scenario: &Scenario) -> Result<Plan, SensitivityError> {
    let (base, keys) = catalog::record_lookups(|| scenario.with_spec(scenario.spec().clone()));
    let base = base.map_err(|e| SensitivityError::Base(Box::new(e)))?;
    let fingerprint = |s: &Scenario| format!("{:?}{:?}", s.routes(), s.mix_model());
    let at_base = fingerprint(&base);
    let mut plan = Plan { figures: Vec::new(), skipped: Vec::new() };
    for f in FIGURES.iter().filter(|f| f.tag == Tag::Est && !f.is_price() && keys.contains(f.key)) {
        let skip = |reason: &str| Skipped { key: f.key.to_string(), reason: reason.to_string() };
        if scenario.catalog_values().iter().any(|(k, _)| *k == f.key) {
            plan.skipped.push(skip("given a value for this run"));
            continue;
        }
        let Some(range) = catalog::range(f.key) else {
            plan.skipped.push(skip("no range in the catalog"));
            continue;
        };
        let at = |value: f64, end: &'static str| {
            scenario.with_catalog_values(&[(f.key, value)]).map_err(|e| {
                SensitivityError::Scenario { key: f.key, value, end, source: Box::new(e) }
            })
        };
        let (low, high) = (at(range.low, "low")?, at(range.high, "high")?);
        if fingerprint(&low) == at_base && fingerprint(&high) == at_base {
            plan.skipped
                .push(skip("changes nothing at either end: the scenario sets the fields it feeds"));
            continue;
        }
        plan.figures.push(Varied { figure: *f, range: *range, low, high });
    }
    Ok(plan)
}

/// Runs `plan` on `scenario` (whose warm-up must be a count, not
/// `"auto"`, so that every run measures the same requests): the scenario as
/// it is, then each figure at each end, with the scenario's seed and
/// replications, on the current rayon pool. Differences are taken against
/// `baseline` (default: the first route). `on_run_done` is called from any
/// thread after each of the [`Plan::runs`] runs.
///
/// # Errors
///
/// Fails when the baseline is not a route or a run fails.
pub fn sensitivity(
    scenario: &Scenario,
    plan: &Plan,
    baseline: Option<&str>,
    on_run_done: &(dyn Fn() + Sync),
) -> Result<SensitivityReport, SensitivityError> {
    let spec = scenario.spec();
    let (seed, replications) = (spec.seed, spec.replications);
    let options = ReportOptions { baseline, ..ReportOptions::default() };
    // Check the baseline before simulating anything.
    let names: Vec<&str> = scenario.routes().iter().map(|r| r.name.as_str()).collect();
    if let Some(b) = baseline.filter(|b| !names.contains(b)) {
        return Err(ReportError::UnknownBaseline {
            name: b.to_string(),
            routes: names.iter().map(|n| n.to_string()).collect(),
        }
        .into());
    }
    let mut runs: Vec<(String, &Scenario)> =
        vec![("the run at the catalog's values".into(), scenario)];
    for v in &plan.figures {
        let key = v.figure.key;
        runs.push((format!("{key} at {} (low)", v.range.low), &v.low));
        runs.push((format!("{key} at {} (high)", v.range.high), &v.high));
    }
    let reports = runs
        .par_iter()
        .map(|(what, s)| {
            let opts = RunOptions::new(seed, replications);
            let sims = simulate(s, &opts, Twins::Skip, &|| {})
                .map_err(|source| SensitivityError::Run { what: what.clone(), source })?;
            let report = report_against(s, seed, replications, &sims, &options)?;
            on_run_done();
            Ok(report)
        })
        .collect::<Result<Vec<RunReport>, SensitivityError>>()?;
    let base = &reports[0];
    let figures: Vec<FigureRuns> = plan
        .figures
        .iter()
        .enumerate()
        .map(|(i, v)| FigureRuns {
            key: v.figure.key.into(),
            tag: v.figure.tag.label().into(),
            unit: v.figure.unit.into(),
            value: v.figure.value,
            low: v.range.low,
            high: v.range.high,
            why: v.range.why.into(),
            at_low: points(&reports[1 + 2 * i]),
            at_high: points(&reports[2 + 2 * i]),
        })
        .collect();
    // Each warning once, with the first run that gave it and how many did.
    let mut seen: Vec<(String, &str, usize)> = Vec::new();
    for ((what, _), r) in runs.iter().zip(&reports) {
        for w in &r.warnings {
            match seen.iter_mut().find(|(m, _, _)| *m == w.message) {
                Some(s) => s.2 += 1,
                None => seen.push((w.message.clone(), what, 1)),
            }
        }
    }
    let warnings = seen
        .into_iter()
        .map(|(message, first, n)| match n {
            1 => format!("{first}: {message}"),
            n => format!("{first} and {} other runs of {}: {message}", n - 1, runs.len()),
        })
        .collect();
    Ok(SensitivityReport {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: crate::report::TOOL.into(),
        version: crate::report::VERSION.into(),
        scenario: spec.name.clone(),
        seed,
        replications,
        requests: spec.workload.requests,
        baseline: base.baseline.clone(),
        method: METHOD.into(),
        base: points(base),
        tornadoes: tornadoes(base, &figures),
        figures,
        skipped: plan.skipped.clone(),
        warnings,
    })
}

/// Every route of a run.
fn points(r: &RunReport) -> Vec<RoutePoint> {
    r.routes
        .iter()
        .map(|x| RoutePoint {
            route: x.name.clone(),
            mean_ms: x.latency_ms.mean,
            p99_ms: x.latency_ms.p99,
            vs_baseline_mean_ms: x.vs_baseline.as_ref().map(|d| d.mean.estimate),
            vs_baseline_p99_ms: x.vs_baseline.as_ref().map(|d| d.p99.estimate),
        })
        .collect()
}

/// One tornado per route compared with the baseline; with one route, one
/// of its own latency.
fn tornadoes(base: &RunReport, figures: &[FigureRuns]) -> Vec<Tornado> {
    let lone = base.routes.len() == 1;
    let mut out = Vec::new();
    for (k, r) in base.routes.iter().enumerate() {
        // (mean, p99) of the quantity in a run's route point.
        let quantity = |p: &RoutePoint| {
            if lone { (p.mean_ms, p.p99_ms) } else { (p.vs_baseline_mean_ms, p.vs_baseline_p99_ms) }
        };
        let (mean, p99, baseline) = match (&r.vs_baseline, lone) {
            (_, true) => {
                let ci = r.latency_ms.mean_ci95;
                let Some(m) = r.latency_ms.mean else { continue };
                let p99 = Estimate {
                    estimate: r.latency_ms.p99.unwrap_or(m),
                    ci95: r.latency_ms.p99_ci95,
                };
                (Estimate { estimate: m, ci95: ci }, p99, None)
            }
            (Some(d), false) => (d.mean.clone(), d.p99.clone(), Some(d.baseline.clone())),
            (None, false) => continue,
        };
        let swing = |a: Option<f64>, b: Option<f64>| Some((b? - a?).abs());
        let mut bars: Vec<Bar> = figures
            .iter()
            .map(|f| {
                let (ml, pl) = quantity(&f.at_low[k]);
                let (mh, ph) = quantity(&f.at_high[k]);
                Bar {
                    key: f.key.clone(),
                    mean_at_low: ml,
                    mean_at_high: mh,
                    mean_swing: swing(ml, mh),
                    p99_at_low: pl,
                    p99_at_high: ph,
                    p99_swing: swing(pl, ph),
                }
            })
            .collect();
        // Largest mean swing first; a figure without one last; then the
        // p99 swing, then the key, so the order never depends on the run.
        let desc = |a: Option<f64>, b: Option<f64>| {
            b.unwrap_or(f64::NEG_INFINITY).total_cmp(&a.unwrap_or(f64::NEG_INFINITY))
        };
        bars.sort_by(|a, b| {
            desc(a.mean_swing, b.mean_swing)
                .then(desc(a.p99_swing, b.p99_swing))
                .then(a.key.cmp(&b.key))
        });
        let noise_ms = mean.ci95.map(|[l, h]| h - l);
        out.push(Tornado { route: r.name.clone(), baseline, mean, p99, noise_ms, bars });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Difference;

    /// A route point whose difference from the baseline is `d` (mean and
    /// p99 alike); `None`: it completed nothing.
    fn at(route: &str, d: Option<f64>) -> RoutePoint {
        RoutePoint {
            route: route.into(),
            mean_ms: d,
            p99_ms: d,
            vs_baseline_mean_ms: d,
            vs_baseline_p99_ms: d,
        }
    }

    fn figure(key: &str, low: Option<f64>, high: Option<f64>) -> FigureRuns {
        FigureRuns {
            key: key.into(),
            tag: "EST".into(),
            unit: "ms".into(),
            value: 1.0,
            low: 0.5,
            high: 2.0,
            why: "test".into(),
            at_low: vec![at("a", None), at("b", low)],
            at_high: vec![at("a", None), at("b", high)],
        }
    }

    #[test]
    fn bars_are_ranked_by_swing_then_key_and_a_missing_one_comes_last() {
        let base = RunReport {
            routes: vec![],
            ..serde_json::from_str::<RunReport>(
                r#"{"schema_version":2,"tool":"aznetsim","version":"0","scenario":"s","seed":1,
                "replications":2,"requests":10,"warmup_requests":0,"mode":"compare","routes":[]}"#,
            )
            .unwrap()
        };
        let mut base = base;
        for (name, diff) in [("a", None), ("b", Some(1.0))] {
            let mut r: crate::report::RouteReport = serde_json::from_value(serde_json::json!({
                "name": name, "offered": 1, "completed": 1, "rejected": 0, "timed_out": 0,
                "latency_ms": {"mean": 1.0, "mean_ci95": null, "p50": 1.0, "p90": 1.0, "p99": 1.0,
                               "p999": 1.0, "max": 1.0},
                "platform_ms": {"mean": 1.0, "mean_ci95": null, "p50": 1.0, "p90": 1.0, "p99": 1.0,
                                "p999": 1.0, "max": 1.0},
                "throughput_per_s": 1.0, "bottleneck": null, "bottleneck_utilization": null,
                "auth_added_ms": null, "findings": [], "hops": []
            }))
            .unwrap();
            r.vs_baseline = diff.map(|d| Difference {
                baseline: "a".into(),
                mean: Estimate { estimate: d, ci95: Some([d - 0.1, d + 0.1]) },
                p99: Estimate { estimate: d, ci95: None },
                platform_mean: Estimate { estimate: d, ci95: None },
                platform_p99: Estimate { estimate: d, ci95: None },
                comparable: true,
                cost: None,
            });
            base.routes.push(r);
        }
        let figures = [
            figure("small", Some(1.0), Some(1.5)),
            figure("none", None, Some(3.0)),
            figure("large_b", Some(-2.0), Some(2.0)),
            figure("large_a", Some(2.0), Some(-2.0)),
            figure("zero", Some(1.0), Some(1.0)),
        ];
        let t = tornadoes(&base, &figures);
        assert_eq!(t.len(), 1, "one difference: b against a");
        let keys: Vec<&str> = t[0].bars.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["large_a", "large_b", "small", "zero", "none"]);
        assert_eq!(t[0].bars[0].mean_swing, Some(4.0));
        assert_eq!(t[0].bars[4].mean_swing, None);
        assert!((t[0].noise_ms.unwrap() - 0.2).abs() < 1e-12);
        assert_eq!(t[0].baseline.as_deref(), Some("a"));
    }
}
