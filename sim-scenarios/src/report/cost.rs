//! What each route costs at the simulated load: the route's billing meters
//! (`compile/cost.rs`) times the measured throughput, per month of
//! [`HOURS_PER_MONTH`] hours and per million requests, with a line per
//! meter.
//!
//! In mode `compare` each route is a design of its own and pays the whole
//! fixed charge of every component it uses. In mode `mix` the routes share
//! one deployment: a component's fixed charge is split between the routes
//! that use it by the bytes each sends through it (its offered rate × its
//! bytes per request there; by offered rate when no bytes cross it), so
//! the routes' costs add up to the deployment's.
//!
//! Costs have no confidence interval: the charge per request is exact for
//! the model (the size laws' means × the prices) and the fixed charges are
//! constant; only the data charges per month follow the measured
//! throughput, whose relative standard error is about 1/√completed.

use serde::{Deserialize, Serialize};

use crate::azure::catalog::{HOURS_PER_MONTH, PRICE_CURRENCY};
use crate::compile::{CostLine, CostPlan};

/// One route's cost at the simulated load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    /// The currency of every figure (`USD`).
    pub currency: String,
    /// Hours in the month `per_month` is taken over (730).
    pub hours_per_month: f64,
    /// Cost per month at the measured throughput, fixed charges included.
    pub per_month: f64,
    /// Cost per million completed requests; `None` when none completed.
    pub per_million_requests: Option<f64>,
    /// The fixed charges per month (deployment, units, gateway hours).
    pub fixed_per_month: f64,
    /// The data charges per month (firewall processing, peering, metered
    /// egress).
    pub data_per_month: f64,
    /// One line per meter, in path order.
    pub lines: Vec<CostReportLine>,
}

/// One billing meter of a route at the simulated load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostReportLine {
    /// The node, or the link as `a<->b`.
    pub component: String,
    /// What is metered.
    pub meter: String,
    /// The catalog keys of the prices used.
    pub prices: Vec<String>,
    /// Its cost per month.
    pub per_month: f64,
    /// The share of the component's fixed charge this route pays: 1 in
    /// mode `compare`, the route's share of the bytes through it in `mix`;
    /// `null` for a data meter (paid per byte).
    pub share: Option<f64>,
}

/// Seconds in the month costs are taken over.
fn seconds_per_month() -> f64 {
    HOURS_PER_MONTH * 3600.0
}

/// The share of each fixed line's charge that its route pays: 1 unless
/// `mix`, where a component's fixed charge is split between the routes
/// that use it by `weights[i]` (the route's offered rate) × its bytes per
/// request there, by the weights alone when no bytes cross it; `None` for
/// a data line.
pub fn fixed_shares(plans: &[&CostPlan], weights: &[f64], mix: bool) -> Vec<Vec<Option<f64>>> {
    let share = |route: usize, line: &CostLine| -> f64 {
        if !mix {
            return 1.0;
        }
        // Every route's fixed line on this component, with its bytes.
        let users: Vec<(usize, f64)> = plans
            .iter()
            .enumerate()
            .filter_map(|(j, p)| {
                p.lines
                    .iter()
                    .find(|l| l.component == line.component && l.usd_per_h > 0.0)
                    .map(|l| (j, weights[j] * l.bytes_per_request))
            })
            .collect();
        let by = |w: &dyn Fn(usize, f64) -> f64| {
            let total: f64 = users.iter().map(|&(j, b)| w(j, b)).sum();
            (total > 0.0)
                .then(|| users.iter().find(|u| u.0 == route).map_or(0.0, |&(j, b)| w(j, b)) / total)
        };
        by(&|_, b| b).or_else(|| by(&|j, _| weights[j])).unwrap_or(1.0 / users.len().max(1) as f64)
    };
    plans
        .iter()
        .enumerate()
        .map(|(i, p)| p.lines.iter().map(|l| (l.usd_per_h > 0.0).then(|| share(i, l))).collect())
        .collect()
}

/// What a saved route state keeps of its cost (results format 4): the
/// route's fixed charges after a `mix` split \[USD/h\] and its charge per
/// request \[USD\], so that a merged or swept row prices its throughput.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateCost {
    /// Fixed charges, this route's share \[USD/h\].
    pub usd_per_h: f64,
    /// Charges per completed request \[USD\].
    pub usd_per_request: f64,
}

impl StateCost {
    /// Each route's state cost (`weights`: the routes' offered rates).
    pub fn of(plans: &[&CostPlan], weights: &[f64], mix: bool) -> Vec<StateCost> {
        plans
            .iter()
            .zip(fixed_shares(plans, weights, mix))
            .map(|(p, shares)| StateCost {
                usd_per_h: p
                    .lines
                    .iter()
                    .zip(&shares)
                    .map(|(l, s)| l.usd_per_h * s.unwrap_or(0.0))
                    .sum::<f64>()
                    + 0.0,
                usd_per_request: p.usd_per_request(),
            })
            .collect()
    }

    /// Cost per month at `throughput_per_s` completed requests a second.
    pub fn per_month(&self, throughput_per_s: f64) -> f64 {
        self.usd_per_h * HOURS_PER_MONTH
            + self.usd_per_request * throughput_per_s * seconds_per_month()
    }

    /// Cost per million completed requests; `None` when none completed.
    pub fn per_million(&self, throughput_per_s: f64) -> Option<f64> {
        let requests = throughput_per_s * seconds_per_month();
        (requests > 0.0).then(|| self.per_month(throughput_per_s) / requests * 1e6)
    }
}

/// Each route's [`StateCost`] in `scenario`: what its saved states keep.
pub fn state_costs(scenario: &crate::compile::Scenario) -> Vec<StateCost> {
    let plans: Vec<&CostPlan> = scenario.routes().iter().map(|r| &r.cost).collect();
    let weights: Vec<f64> = (0..plans.len()).map(|i| scenario.offered_per_s(i)).collect();
    StateCost::of(&plans, &weights, scenario.mix_model().is_some())
}

/// Each route's cost: `plans[i]` at `throughputs[i]` completed requests per
/// second, shared fixed charges split as [`fixed_shares`] says.
pub fn costs(
    plans: &[&CostPlan],
    throughputs: &[f64],
    weights: &[f64],
    mix: bool,
) -> Vec<CostReport> {
    plans
        .iter()
        .zip(throughputs)
        .zip(fixed_shares(plans, weights, mix))
        .map(|((plan, &thr), shares)| {
            let requests = thr * seconds_per_month();
            let lines: Vec<CostReportLine> = plan
                .lines
                .iter()
                .zip(shares)
                .map(|(l, share)| CostReportLine {
                    component: l.component.clone(),
                    meter: l.meter.clone(),
                    prices: l.prices.clone(),
                    per_month: l.usd_per_h * HOURS_PER_MONTH * share.unwrap_or(1.0)
                        + l.usd_per_request * requests,
                    share,
                })
                .collect();
            let sum = |fixed: bool| -> f64 {
                // + 0.0: an empty sum of floats is −0.0, printed "-0".
                lines
                    .iter()
                    .filter(|l| l.share.is_some() == fixed)
                    .map(|l| l.per_month)
                    .sum::<f64>()
                    + 0.0
            };
            let (fixed_per_month, data_per_month) = (sum(true), sum(false));
            let per_month = fixed_per_month + data_per_month;
            CostReport {
                currency: PRICE_CURRENCY.to_string(),
                hours_per_month: HOURS_PER_MONTH,
                per_month,
                per_million_requests: (requests > 0.0).then(|| per_month / requests * 1e6),
                fixed_per_month,
                data_per_month,
                lines,
            }
        })
        .collect()
}

/// A route's cost minus the baseline's \[currency per month, per million
/// requests\]: exact given the counts, so no interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostDifference {
    /// Per month.
    pub per_month: f64,
    /// Per million requests; `None` when either route completed none.
    pub per_million_requests: Option<f64>,
}

impl CostDifference {
    /// `a` minus `b`.
    pub fn of(a: &CostReport, b: &CostReport) -> Self {
        CostDifference {
            per_month: a.per_month - b.per_month,
            per_million_requests: a
                .per_million_requests
                .zip(b.per_million_requests)
                .map(|(x, y)| x - y),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(component: &str, usd_per_h: f64, usd_per_request: f64, bytes: f64) -> CostLine {
        CostLine {
            component: component.into(),
            meter: "m".into(),
            prices: Vec::new(),
            usd_per_h,
            usd_per_request,
            bytes_per_request: bytes,
        }
    }

    #[test]
    fn compare_pays_whole_fixed_charges_and_data_by_throughput() {
        let p =
            CostPlan { lines: vec![line("fw", 1.25, 0.0, 100.0), line("fw", 0.0, 1e-6, 100.0)] };
        let c = &costs(&[&p], &[1000.0], &[1000.0], false)[0];
        assert_eq!(c.fixed_per_month, 1.25 * 730.0);
        let requests = 1000.0 * 730.0 * 3600.0;
        assert!((c.data_per_month - 1e-6 * requests).abs() < 1e-6);
        assert!((c.per_million_requests.unwrap() - c.per_month / requests * 1e6).abs() < 1e-9);
        assert_eq!(c.lines[0].share, Some(1.0));
        assert_eq!(c.lines[1].share, None);
        // Nothing completed: no cost per request, the fixed charge stays.
        let idle = &costs(&[&p], &[0.0], &[1000.0], false)[0];
        assert_eq!((idle.per_month, idle.per_million_requests), (1.25 * 730.0, None));
    }

    #[test]
    fn mix_splits_a_shared_fixed_charge_by_bytes_and_adds_up() {
        let a =
            CostPlan { lines: vec![line("fw", 2.0, 0.0, 3000.0), line("apim", 1.0, 0.0, 10.0)] };
        let b = CostPlan { lines: vec![line("fw", 2.0, 0.0, 1000.0)] };
        let c = costs(&[&a, &b], &[100.0, 100.0], &[100.0, 100.0], true);
        assert_eq!(c[0].lines[0].share, Some(0.75));
        assert_eq!(c[1].lines[0].share, Some(0.25));
        // APIM is used by one route only: it pays it all.
        assert_eq!(c[0].lines[1].share, Some(1.0));
        let fw: f64 = c.iter().map(|r| r.lines[0].per_month).sum();
        assert!((fw - 2.0 * 730.0).abs() < 1e-9);
        // No bytes through it: split by throughput.
        let a = CostPlan { lines: vec![line("gw", 1.0, 0.0, 0.0)] };
        let b = CostPlan { lines: vec![line("gw", 1.0, 0.0, 0.0)] };
        let c = costs(&[&a, &b], &[300.0, 100.0], &[300.0, 100.0], true);
        assert_eq!((c[0].lines[0].share, c[1].lines[0].share), (Some(0.75), Some(0.25)));
        // The state keeps the split fixed charge and the charge per request.
        let st = StateCost::of(&[&a, &b], &[300.0, 100.0], true);
        assert_eq!(st[0].usd_per_h, 0.75);
        assert!((st[0].per_month(300.0) - c[0].per_month).abs() < 1e-9);
    }
}
