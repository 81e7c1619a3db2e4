//! Running until the results are precise enough.
//!
//! Replications are added in fixed batches (the scenario's replication
//! count each time) until every route's 95 % interval — of the mean, or of
//! p99 — has a relative half-width at or below the target, or a maximum
//! number of replications is reached. Each batch continues the replication
//! numbering, so the streams are those a single run of that many
//! replications would use: the same command always gives the same bytes.

use sim_core::{RunError, RunOptions};

use crate::compile::Scenario;
use crate::report::{PrecisionOn, PrecisionOutcome};
use crate::run::{Simulated, Twins, simulate};

/// The worst relative half-width over the routes, `None` when an interval
/// cannot be computed (one replication, or an estimate of 0).
pub(crate) fn worst(scenario: &Scenario, sims: &Simulated, on: PrecisionOn) -> Option<f64> {
    sims.routes(scenario)
        .iter()
        .map(|run| {
            let st = run.stats();
            let (est, ci) = match on {
                PrecisionOn::Mean => (st.mean_ms(), st.mean_ci95_ms()),
                PrecisionOn::P99 => {
                    let qs = st.replication_quantiles_ms();
                    let m = qs.iter().map(|q| q[2]).sum::<f64>() / qs.len().max(1) as f64;
                    (m, st.quantile_ci95_ms(2))
                }
            };
            let (lo, hi) = ci?;
            (est > 0.0).then(|| (hi - lo) / 2.0 / est)
        })
        .try_fold(0.0_f64, |w, r| r.map(|r| w.max(r)))
}

/// How precise a run must be, and how far it may go to get there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionTarget {
    /// Largest relative half-width of the 95 % interval, e.g. 0.01.
    pub relative_half_width: f64,
    /// Which estimate it applies to.
    pub on: PrecisionOn,
    /// Most replications to run.
    pub max_replications: u64,
}

/// Simulates in batches of `batch` replications until the target is met
/// or its maximum replications are reached.
///
/// # Errors
///
/// As [`simulate`].
pub fn simulate_to_precision(
    scenario: &Scenario,
    seed: u64,
    batch: u64,
    target: &PrecisionTarget,
    twins: Twins,
    on_replication_done: &(dyn Fn() + Sync),
) -> Result<(Simulated, PrecisionOutcome), RunError> {
    let PrecisionTarget { relative_half_width: target, on, max_replications } = *target;
    let batch = batch.max(2);
    let mut done = batch.min(max_replications.max(2));
    let mut sims = simulate(scenario, &RunOptions::new(seed, done), twins, on_replication_done)?;
    loop {
        let w = worst(scenario, &sims, on);
        let reached = w.is_some_and(|w| w <= target);
        if reached || done >= max_replications {
            let outcome = PrecisionOutcome {
                target,
                on,
                replications: done,
                reached,
                worst_relative_half_width: w,
            };
            return Ok((sims, outcome));
        }
        let more = batch.min(max_replications - done);
        let opts = RunOptions { seed, replications: more, first_replication: done };
        sims.merge(&simulate(scenario, &opts, twins, on_replication_done)?);
        done += more;
    }
}
