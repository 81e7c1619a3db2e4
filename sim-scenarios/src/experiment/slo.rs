//! Service-level objectives: one grammar for `run --slo` (a check that
//! gates CI) and `capacity --slo` (the objective a search holds).
//!
//! ```text
//! [ROUTE:]METRIC<=LIMIT
//!   METRIC  mean | pNN (p50, p90, p99, p99.9, any 0 < NN < 100) | rejected | timed_out | failed
//!   LIMIT   a latency with its unit: 200ms, 0.2s, 500us
//!           or, for rejected / timed_out / failed, a share: 0.1% or 0.001
//! ```
//!
//! Without `ROUTE:` an objective applies to every route. `run` judges each
//! route's figure in its report ([`check_run`]); `capacity` takes latency
//! objectives only (it already requires that nothing is rejected or times
//! out).
//!
//! # The verdict of `run --slo`
//!
//! A route breaks an objective when its point estimate (the figure the run
//! table prints: pooled over every replication) is above the limit, or
//! when it completed nothing (a latency objective then has no figure). The
//! 95 % interval across replications is printed beside it; when the
//! interval contains the limit the verdict stands but is marked *not
//! certain at this precision*: more replications (or `--precision`) may
//! turn it. A failed request (throttled, or a nested call that failed
//! after its retries) is not a success: a mean objective breaks when any
//! measured request failed, a `pNN` objective when more than `100 − NN` %
//! of them failed, whatever the completed ones' latency. Failing only on the point estimate keeps the gate
//! deterministic and unbiased (it neither fails nor passes a route because
//! its run was short); the mark says when it is a coin toss.

use serde::{Deserialize, Serialize};

use crate::report::summary::RouteSummary;
use crate::report::{RouteReport, RunReport, SloVerdict};

/// What a latency SLO constrains.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum SloMetric {
    /// The mean latency.
    Mean,
    /// A percentile (0 < q < 1), e.g. 0.99.
    Quantile(f64),
}

/// A `--slo` that does not follow the grammar, with what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--slo {spec}: {problem}; expected [ROUTE:]METRIC<=LIMIT, e.g. p99<=200ms, red:mean<=50ms or rejected<=0.1%"
)]
pub struct SloError {
    /// The argument as given.
    pub spec: String,
    /// What is wrong with it.
    pub problem: String,
}

/// A latency objective, e.g. `p99<=50ms`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Slo {
    /// What is constrained.
    pub metric: SloMetric,
    /// The limit \[ms\].
    pub limit_ms: f64,
}

/// What an objective bounds: a latency, or a share of the measured
/// requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Objective {
    /// A latency figure.
    Latency(Slo),
    /// At most this share (0 to 1) of the measured requests rejected by a
    /// full queue.
    Rejected(f64),
    /// At most this share (0 to 1) of the measured requests timed out.
    TimedOut(f64),
    /// At most this share (0 to 1) of the measured requests failed
    /// (throttled, or a nested call that failed after its retries).
    Failed(f64),
}

/// An objective, for one route or for every route.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteObjective {
    /// The route it is for; `None`: every route.
    pub route: Option<String>,
    /// What it bounds.
    pub objective: Objective,
    /// The argument as given, for messages.
    pub spec: String,
}

/// A number followed by a unit, e.g. `200ms`; whether it is finite and > 0.
fn positive(n: &str) -> Option<f64> {
    n.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0)
}

impl Slo {
    /// Parses a latency objective without a route: `p99<=50ms`,
    /// `p99.9<=1s`, `mean<=20ms`, `p50<=500us`.
    ///
    /// # Errors
    ///
    /// Fails with what is wrong (the metric, the comparison, the unit or
    /// the number) and the accepted form; also for `rejected`/`timed_out`
    /// and a route prefix, which [`RouteObjective::parse`] takes.
    pub fn parse(s: &str) -> Result<Self, SloError> {
        let o = RouteObjective::parse(s)?;
        match (o.route, o.objective) {
            (None, Objective::Latency(slo)) => Ok(slo),
            (Some(_), _) => Err(SloError {
                spec: s.into(),
                problem: "a ROUTE: prefix is not taken here (use --route)".into(),
            }),
            (None, _) => Err(SloError {
                spec: s.into(),
                problem: "only a latency objective is taken here (mean or pNN)".into(),
            }),
        }
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

    /// Whether a run meets the SLO: the metric is within the limit, no
    /// measured request was rejected, timed out or failed, and the run was stable
    /// ([`RouteSummary::is_stable`]: an unstable run's latency grows with
    /// its length, so no limit it seems to meet is a capacity).
    pub fn is_met(&self, summary: &RouteSummary<'_>) -> bool {
        let acc = summary.accumulators();
        summary.is_stable()
            && acc.rejected == 0
            && acc.timed_out == 0
            && acc.failed == 0
            && self.measure(summary) <= self.limit_ms
    }

    /// The metric's name: `mean`, `p99`, `p99.9`.
    pub fn metric_name(&self) -> String {
        match self.metric {
            SloMetric::Mean => "mean".into(),
            SloMetric::Quantile(q) => format!("p{}", round9(q * 100.0)),
        }
    }
}

/// `v` rounded to 9 decimals, so `0.999 * 100` prints as `99.9`.
fn round9(v: f64) -> f64 {
    (v * 1e9).round() / 1e9
}

impl std::fmt::Display for Slo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}<={}ms", self.metric_name(), round9(self.limit_ms))
    }
}

impl RouteObjective {
    /// Parses `[ROUTE:]METRIC<=LIMIT` (see the module documentation).
    ///
    /// # Errors
    ///
    /// Fails with what is wrong: no `<=`, an unknown metric, a percentile
    /// outside (0, 100), a latency without a unit (`ms`, `s`, `us`), a
    /// share outside \[0, 1\], a number that does not parse.
    pub fn parse(s: &str) -> Result<Self, SloError> {
        let err = |problem: &str| SloError { spec: s.into(), problem: problem.into() };
        let Some((lhs, limit)) = s.split_once("<=") else {
            return Err(err(if s.contains('<') || s.contains('>') {
                "the comparison must be <= (an objective is an upper limit)"
            } else {
                "no <= between the metric and the limit"
            }));
        };
        let (route, metric) = match lhs.rsplit_once(':') {
            Some((r, m)) if r.trim().is_empty() => {
                return Err(err(&format!("empty route before ':{m}'")));
            }
            Some((r, m)) => (Some(r.trim().to_string()), m.trim()),
            None => (None, lhs.trim()),
        };
        let limit = limit.trim();
        let share = || -> Result<f64, SloError> {
            let v = match limit.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().ok().map(|p| p / 100.0),
                None => limit.parse::<f64>().ok(),
            };
            v.filter(|v| (0.0..=1.0).contains(v)).ok_or_else(|| {
                err(&format!("'{limit}' is not a share: give a percentage such as 0.1% or a fraction such as 0.001, from 0 to 100 %"))
            })
        };
        let objective = match metric {
            "rejected" => Objective::Rejected(share()?),
            "timed_out" => Objective::TimedOut(share()?),
            "failed" => Objective::Failed(share()?),
            m => {
                let metric = if m == "mean" {
                    SloMetric::Mean
                } else {
                    let pct = m.strip_prefix('p').and_then(positive).ok_or_else(|| {
                        err(&format!("unknown metric '{m}': use mean, pNN (p50, p99, p99.9), rejected, timed_out or failed"))
                    })?;
                    if pct >= 100.0 {
                        return Err(err(&format!("percentile '{m}' must be below p100")));
                    }
                    SloMetric::Quantile(pct / 100.0)
                };
                let (num, scale) = if let Some(n) = limit.strip_suffix("ms") {
                    (n, 1.0)
                } else if let Some(n) = limit.strip_suffix("us") {
                    (n, 1e-3)
                } else if let Some(n) = limit.strip_suffix('s') {
                    (n, 1000.0)
                } else {
                    return Err(err(&format!(
                        "the limit '{limit}' has no unit: write ms, s or us, e.g. {limit}ms"
                    )));
                };
                let v = positive(num).ok_or_else(|| {
                    err(&format!("the limit '{limit}' is not a positive number with its unit"))
                })?;
                Objective::Latency(Slo { metric, limit_ms: v * scale })
            }
        };
        Ok(RouteObjective { route, objective, spec: s.into() })
    }

    /// Checks, before any simulation, that the route exists and that `run`
    /// reports the metric (mean, p50, p90, p99, p99.9, rejected,
    /// timed_out).
    ///
    /// # Errors
    ///
    /// Names the routes there are, or the metrics `run` reports.
    pub fn check_for_run(&self, routes: &[&str]) -> Result<(), SloError> {
        let err = |problem: String| SloError { spec: self.spec.clone(), problem };
        if let Some(r) = &self.route
            && !routes.contains(&r.as_str())
        {
            return Err(err(format!("no route '{r}'; routes: {}", routes.join(", "))));
        }
        if let Objective::Latency(Slo { metric: SloMetric::Quantile(q), .. }) = self.objective
            && report_quantile_index(q).is_none()
        {
            return Err(err(format!(
                "run reports mean, p50, p90, p99 and p99.9, not p{} (capacity takes any percentile)",
                round9(q * 100.0)
            )));
        }
        Ok(())
    }
}

/// Which of the run report's percentiles (p50, p90, p99, p99.9) `q` is.
fn report_quantile_index(q: f64) -> Option<usize> {
    [0.5, 0.9, 0.99, 0.999].iter().position(|r| (r - q).abs() < 1e-9)
}

/// One route's figure for an objective: (metric, unit, limit, value, interval).
fn figure(
    o: &Objective,
    r: &RouteReport,
) -> (String, &'static str, f64, Option<f64>, Option<[f64; 2]>) {
    let l = &r.latency_ms;
    match *o {
        Objective::Latency(slo) => {
            let (value, ci) = match slo.metric {
                SloMetric::Mean => (l.mean, l.mean_ci95),
                SloMetric::Quantile(q) => match report_quantile_index(q) {
                    Some(0) => (l.p50, l.p50_ci95),
                    Some(1) => (l.p90, l.p90_ci95),
                    Some(2) => (l.p99, l.p99_ci95),
                    Some(3) => (l.p999, l.p999_ci95),
                    // check_for_run refused it before the run.
                    _ => (None, None),
                },
            };
            (slo.metric_name(), "ms", slo.limit_ms, value, ci)
        }
        Objective::Rejected(max) => ("rejected".into(), "share", max, r.rejected_share, None),
        Objective::TimedOut(max) => ("timed_out".into(), "share", max, r.timed_out_share, None),
        Objective::Failed(max) => ("failed".into(), "share", max, r.failed_share, None),
    }
}

/// Whether the route's failed requests break a latency objective on their
/// own: a failed request is not a success, so it counts as slower than any
/// limit. A mean then cannot be met; a `q`-quantile cannot when more than
/// `1 − q` of the measured requests failed (the quantile of all of them is
/// a failure).
fn failures_break(o: &Objective, r: &RouteReport) -> bool {
    let failed = r.failed_share.unwrap_or(0.0);
    match *o {
        Objective::Latency(Slo { metric: SloMetric::Mean, .. }) => r.failed > 0,
        Objective::Latency(Slo { metric: SloMetric::Quantile(q), .. }) => failed > 1.0 - q,
        _ => false,
    }
}

/// Every route's verdict against every objective, in objective order and,
/// for an objective on every route, in route order.
pub fn check_run(report: &RunReport, objectives: &[RouteObjective]) -> Vec<SloVerdict> {
    let mut out = Vec::new();
    for o in objectives {
        for r in report.routes.iter().filter(|r| o.route.as_ref().is_none_or(|n| *n == r.name)) {
            let (metric, unit, limit, value, ci95) = figure(&o.objective, r);
            let met = value.is_some_and(|v| v <= limit) && !failures_break(&o.objective, r);
            let uncertain = ci95.is_some_and(|[lo, hi]| lo <= limit && limit < hi);
            out.push(SloVerdict {
                objective: o.spec.clone(),
                route: r.name.clone(),
                metric,
                unit: unit.into(),
                limit,
                value,
                ci95,
                met,
                uncertain,
            });
        }
    }
    out
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
        assert_eq!(Slo::parse("p50<=500us").unwrap().limit_ms, 0.5);
        let p999 = Slo::parse("p99.9 <= 1s").unwrap();
        assert!((p999.limit_ms - 1000.0).abs() < 1e-9);
        assert!(matches!(p999.metric, SloMetric::Quantile(q) if (q - 0.999).abs() < 1e-12));
        assert_eq!(p999.to_string(), "p99.9<=1000ms");
        for bad in ["p99<50ms", "p100<=5ms", "x<=5ms", "p99<=5", "p99<=-1ms", "mean<=fast"] {
            assert!(Slo::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_mistake_is_named() {
        let problem = |s: &str| RouteObjective::parse(s).unwrap_err().problem;
        assert!(problem("p99<=200").contains("no unit: write ms, s or us, e.g. 200ms"));
        assert!(problem("p99>=200ms").contains("must be <="));
        assert!(problem("P99<=200ms").contains("unknown metric 'P99'"));
        assert!(problem("p100<=1ms").contains("below p100"));
        assert!(problem("rejected<=5ms").contains("not a share"));
        assert!(problem("rejected<=150%").contains("not a share"));
        assert!(problem(":p99<=1ms").contains("empty route"));
        let e = Slo::parse("red:p99<=1ms").unwrap_err();
        assert!(e.to_string().starts_with("--slo red:p99<=1ms: a ROUTE: prefix"), "{e}");
    }

    #[test]
    fn routes_and_shares() {
        let o = RouteObjective::parse("red:p99<=200ms").unwrap();
        assert_eq!(o.route.as_deref(), Some("red"));
        assert_eq!(
            o.objective,
            Objective::Latency(Slo { metric: SloMetric::Quantile(0.99), limit_ms: 200.0 })
        );
        let o = RouteObjective::parse("rejected<=0.1%").unwrap();
        assert_eq!((o.route, o.objective), (None, Objective::Rejected(0.001)));
        let o = RouteObjective::parse("green:timed_out<=0.002").unwrap();
        assert_eq!(o.objective, Objective::TimedOut(0.002));
        let routes = ["green", "red"];
        assert!(RouteObjective::parse("red:mean<=1ms").unwrap().check_for_run(&routes).is_ok());
        let e = RouteObjective::parse("blue:mean<=1ms").unwrap().check_for_run(&routes);
        assert!(e.unwrap_err().problem.contains("no route 'blue'; routes: green, red"));
        let e = RouteObjective::parse("p95<=1ms").unwrap().check_for_run(&routes);
        assert!(e.unwrap_err().problem.contains("not p95"));
    }
}
