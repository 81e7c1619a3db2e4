//! Simulating compiled scenarios: every route (and its twin without
//! authorisation) on the current rayon pool.

pub(crate) mod warmup;

use sim_core::{RunError, RunOptions, RunResults};

use crate::compile::Scenario;

/// The raw results of one scenario run: for each compiled route, its
/// results and those of its twin without authorisation (if it has one); in
/// mode `mix`, one entry: the shared model's and its twin's. Read it
/// through [`route_views`].
pub type Simulated = Vec<(RunResults, Option<RunResults>)>;

/// Simulates every route of `scenario` and its twin without authorisation,
/// all in parallel on the current rayon pool.
///
/// # Errors
///
/// As [`run`](fn@crate::run).
pub fn simulate(
    scenario: &Scenario,
    opts: &RunOptions,
    on_replication_done: &(dyn Fn() + Sync),
) -> Result<Simulated, RunError> {
    use rayon::prelude::*;
    // The twin shares the seed, so the difference between the two is what
    // authorisation costs (common random numbers). A mix runs one model
    // holding every route, and its twin; each of its replications counts as
    // many route replications as it carries.
    let routes = scenario.routes();
    let with_auth = routes.iter().filter(|r| r.model_without_auth.is_some()).count();
    let jobs: Vec<(bool, &sim_core::Model, usize)> = match scenario.mix_model() {
        Some(mix) => std::iter::once((false, mix, routes.len()))
            .chain(scenario.mix_model_without_auth().map(|m| (true, m, with_auth)))
            .collect(),
        None => routes
            .iter()
            .flat_map(|r| {
                std::iter::once((false, &r.model, 1))
                    .chain(r.model_without_auth.as_ref().map(|m| (true, m, 1)))
            })
            .collect(),
    };
    let done: Vec<RunResults> = jobs
        .par_iter()
        .map(|(_, m, ticks)| {
            let done = || (0..*ticks).for_each(|_| on_replication_done());
            sim_core::run_with_progress(m, opts, &done)
        })
        .collect::<Result<_, _>>()?;
    let mut out: Simulated = Vec::new();
    for ((is_twin, _, _), r) in jobs.iter().zip(done) {
        if *is_twin {
            out.last_mut().expect("a twin follows its route").1 = Some(r);
        } else {
            out.push((r, None));
        }
    }
    Ok(out)
}

/// Each route of a simulated scenario as (model, results, index of the
/// route in that model): what per-route summaries are computed from.
pub fn route_views<'a>(
    scenario: &'a Scenario,
    sims: &'a Simulated,
) -> Vec<(&'a sim_core::Model, &'a RunResults, usize)> {
    route_sims(scenario, sims).into_iter().map(|(model, res, _, i)| (model, res, i)).collect()
}

/// Each route as (model, results, twin's results if the route has
/// authorisation, index of the route in that model). In mode `mix`, route
/// `i` is route `i` of the one shared model.
pub(crate) fn route_sims<'a>(
    scenario: &'a Scenario,
    sims: &'a Simulated,
) -> Vec<(&'a sim_core::Model, &'a RunResults, Option<&'a RunResults>, usize)> {
    let routes = scenario.routes().iter().enumerate();
    match (scenario.mix_model(), sims.first()) {
        (Some(mix), Some((res, twin))) => routes
            .map(|(i, r)| {
                let twin = twin.as_ref().filter(|_| r.model_without_auth.is_some());
                (mix, res, twin, i)
            })
            .collect(),
        _ => routes
            .zip(sims)
            .map(|((_, r), (res, twin))| (&r.model, res, twin.as_ref(), 0))
            .collect(),
    }
}
