//! Running replications in parallel and merging them.

use rayon::prelude::*;

use crate::engine::Engine;
use crate::error::RunError;
use crate::model::Model;
use crate::stats::RunResults;

/// How many replications to run, and from which master seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// The master seed every random stream derives from.
    pub seed: u64,
    /// Independent replications (≥ 1).
    pub replications: u64,
    /// Index of the first replication: a run of replications `k..k+n`
    /// merged with one of `0..k` equals a run of `0..k+n`.
    pub first_replication: u64,
}

impl RunOptions {
    /// `replications` replications from `seed`, starting at index 0.
    pub fn new(seed: u64, replications: u64) -> Self {
        RunOptions { seed, replications, first_replication: 0 }
    }
}

/// Simulates one replication of `model`: the same `(seed, replication)`
/// always gives the same results, on any thread.
///
/// # Errors
///
/// Fails when simulated time would pass the end of the clock.
pub fn simulate_replication(
    model: &Model,
    seed: u64,
    replication: u64,
) -> Result<RunResults, RunError> {
    Engine::new(model, seed, replication).run()
}

/// Runs every replication of `model` on the current rayon pool and merges
/// them in replication order.
///
/// # Errors
///
/// Fails when a replication's simulated time would pass the end of the
/// clock (the lowest-numbered such replication is reported).
///
/// # Panics
///
/// Panics if `opts.replications` is 0.
pub fn run(model: &Model, opts: &RunOptions) -> Result<RunResults, RunError> {
    run_with_progress(model, opts, &|| {})
}

/// As [`run`], calling `on_replication_done` (from any thread) after each
/// replication finishes.
///
/// # Errors
///
/// As [`run`].
///
/// # Panics
///
/// Panics if `opts.replications` is 0.
pub fn run_with_progress(
    model: &Model,
    opts: &RunOptions,
    on_replication_done: &(dyn Fn() + Sync),
) -> Result<RunResults, RunError> {
    assert!(opts.replications > 0, "a run needs at least one replication");
    let first = opts.first_replication;
    // Collected as plain `Result`s, then checked in index order: rayon's
    // `collect::<Result<..>>()` keeps whichever error a thread hit first in
    // wall-clock time, so with several failing replications the one
    // reported depended on the thread count and scheduling (seen in
    // `tests/queueing/overflow.rs`). Scanning in index order reports the
    // lowest failing replication, as documented, on any pool.
    let outcomes: Vec<Result<RunResults, RunError>> = (first..first + opts.replications)
        .into_par_iter()
        .map(|rep| {
            let r = simulate_replication(model, opts.seed, rep);
            on_replication_done();
            r
        })
        .collect();
    let mut results = outcomes.into_iter().collect::<Result<Vec<_>, _>>()?;
    // `collect` keeps index order, so the merge (and with it the order of
    // per-replication means) does not depend on which thread finished first.
    let mut merged = results.remove(0);
    for r in &results {
        merged.merge(r);
    }
    Ok(merged)
}

/// A pilot run for warm-up detection: replication `replication` of `model`
/// with no warm-up, returning per route the means \[ms\] of consecutive
/// batches of `batch` completions, in completion order.
///
/// # Errors
///
/// As [`crate::simulate_replication`].
pub fn pilot_batch_means(
    model: &Model,
    seed: u64,
    replication: u64,
    batch: usize,
) -> Result<Vec<Vec<f64>>, RunError> {
    let mut cold = model.clone();
    for r in &mut cold.routes {
        r.workload.warmup = 0;
    }
    Engine::new(&cold, seed, replication).run_traced(batch)
}
