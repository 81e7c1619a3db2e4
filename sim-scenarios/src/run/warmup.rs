//! `"warmup_requests": "auto"`: the end of the transient, detected by
//! MSER-5 on a pilot run.
//!
//! The pilot is five replications of each route with no warm-up, numbered
//! apart from the real replications (their streams are their own).
//! Latencies in completion order are averaged in batches of 5, and the
//! batch means averaged across the pilot replications; MSER (White 1997)
//! picks the number of leading batches whose removal minimises the
//! standard error of the remaining mean. The warm-up is five times that,
//! the largest over the routes, and at most half the requests.

use sim_core::stats::mser_truncation;
use sim_core::{RunError, pilot_batch_means};

use crate::compile::Scenario;
use crate::error::ScenarioError;
use crate::file::spec::Warmup;

/// Replication index of the pilot run: far from those of real runs.
pub const PILOT_REPLICATION: u64 = 1 << 63;

/// Batch size of MSER-5.
const BATCH: usize = 5;

/// Pilot replications whose batch means are averaged before MSER.
const PILOTS: u64 = 5;

/// Why an automatic warm-up could not be resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WarmupError {
    /// The pilot run failed.
    #[error("pilot run for warmup_requests \"auto\": {0}")]
    Run(#[from] RunError),
    /// The scenario with the chosen warm-up does not load.
    #[error("scenario with the detected warm-up: {0}")]
    Scenario(#[from] ScenarioError),
}

/// The scenario with `"auto"` replaced by the detected count, and that
/// count (`None` when the scenario gave a number).
///
/// # Errors
///
/// Fails when the pilot run fails.
pub fn resolve_auto_warmup(scenario: &Scenario) -> Result<(Scenario, Option<u64>), WarmupError> {
    let spec = scenario.spec();
    if spec.workload.warmup_requests != Warmup::Auto {
        return Ok((scenario.clone(), None));
    }
    let models: Vec<&sim_core::Model> = match scenario.mix_model() {
        Some(m) => vec![m],
        None => scenario.routes().iter().map(|r| &r.model).collect(),
    };
    let mut warmup = 0u64;
    for m in models {
        // Per route, the batch means averaged over the pilot replications
        // (a single path is too noisy for MSER near saturation).
        let runs = (0..PILOTS)
            .map(|k| pilot_batch_means(m, spec.seed, PILOT_REPLICATION + k, BATCH))
            .collect::<Result<Vec<_>, _>>()?;
        for route in 0..runs[0].len() {
            let len = runs.iter().map(|r| r[route].len()).min().unwrap_or(0);
            let avg: Vec<f64> = (0..len)
                .map(|i| runs.iter().map(|r| r[route][i]).sum::<f64>() / PILOTS as f64)
                .collect();
            warmup = warmup.max((mser_truncation(&avg) * BATCH) as u64);
        }
    }
    // Keep at least half of the requests measured.
    let warmup = warmup.min(spec.workload.requests / 2);
    let mut spec = spec.clone();
    spec.workload.warmup_requests = Warmup::Requests(warmup);
    Ok((scenario.with_spec(spec)?, Some(warmup)))
}
