//! Drivers built on running and reporting: a plain run, runs to a
//! precision, sweeps and shards, capacity searches, sensitivity to the
//! catalog's estimates.

pub(crate) mod capacity;
pub(crate) mod precision;
pub(crate) mod sensitivity;
pub(crate) mod slo;
pub(crate) mod sweep;

pub use capacity::{
    CapacityReport, CapacityWarning, INTERVAL_METHOD, Probe, RouteCapacity, Search, SearchProgress,
    capacity,
};
pub use precision::{PrecisionTarget, simulate_to_precision};
pub use sensitivity::{
    Bar, FigureRuns, METHOD, Plan, RoutePoint, SensitivityError, SensitivityReport, Skipped,
    Tornado, Varied, plan, sensitivity,
};
pub use slo::{Objective, RouteObjective, Slo, SloError, SloMetric, check_run};
pub use sweep::{MAX_POINTS, PointError, Shard, SweepError, SweepProgress, Vary, grid, run_sweep};

use sim_core::{RunError, RunOptions};

use crate::compile::Scenario;
use crate::report::{RunReport, report};
use crate::run::{Twins, simulate};

/// Runs every route of `scenario` (all replications, on the current rayon
/// pool) and reports the results. `on_replication_done` is called from any
/// thread after each route replication (in mode `mix`, a replication of the
/// shared model counts once per route it carries, and of its twin once per
/// route with authorisation: the same total as in mode `compare`).
///
/// # Errors
///
/// Fails when a replication's simulated time would pass the end of the
/// engine's clock (an extreme law or a hopelessly overloaded station).
pub fn run(
    scenario: &Scenario,
    seed: u64,
    replications: u64,
    on_replication_done: &(dyn Fn() + Sync),
) -> Result<RunReport, RunError> {
    let opts = RunOptions::new(seed, replications);
    let sims = simulate(scenario, &opts, Twins::Run, on_replication_done)?;
    Ok(report(scenario, seed, replications, &sims))
}
