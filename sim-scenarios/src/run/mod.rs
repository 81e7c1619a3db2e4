//! Simulating compiled scenarios: every route (and, when asked, its twin
//! without authorisation) on the current rayon pool.

pub(crate) mod warmup;

pub use warmup::{PILOT_REPLICATION, WarmupError, resolve_auto_warmup};

use sim_core::stats::RouteStats;
use sim_core::{Model, RunError, RunOptions, RunResults};

use crate::compile::Scenario;

/// Whether [`simulate`] also runs each route's twin without authorisation
/// (what `auth_added_ms` is measured from). Only `run` reports it; sweeps
/// and capacity probes skip it and take half the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Twins {
    /// Simulate the twins too.
    Run,
    /// Simulate the routes only.
    Skip,
}

/// The results of one model and of its twin without authorisation.
#[derive(Debug, Clone)]
struct ModelRun {
    results: RunResults,
    without_auth: Option<RunResults>,
}

/// The raw results of one scenario run: in mode `compare` one model run
/// per route, in file order; in mode `mix` one, the shared model's. Read it
/// route by route with [`Simulated::routes`].
#[derive(Debug, Clone)]
pub struct Simulated {
    runs: Vec<ModelRun>,
}

/// One route of a simulated scenario: what every per-route summary is
/// computed from.
#[derive(Debug, Clone, Copy)]
pub struct RouteRun<'a> {
    /// The model the route ran in (its own, or the shared one in `mix`).
    pub model: &'a Model,
    /// That model's results.
    pub results: &'a RunResults,
    /// The route's index in `model`.
    pub index: usize,
    /// The twin's results when the route has authorisation work and the
    /// twins were run; route `index` of them is this route's twin.
    pub without_auth: Option<&'a RunResults>,
}

impl RouteRun<'_> {
    /// The route's statistics.
    pub fn stats(&self) -> &RouteStats {
        &self.results.routes()[self.index]
    }

    /// The twin's statistics, when there is one.
    pub fn stats_without_auth(&self) -> Option<&RouteStats> {
        self.without_auth.map(|t| &t.routes()[self.index])
    }
}

impl Simulated {
    /// Each route of `scenario` (the scenario these results came from), in
    /// file order. In mode `mix`, route `i` is route `i` of the one shared
    /// model.
    pub fn routes<'a>(&'a self, scenario: &'a Scenario) -> Vec<RouteRun<'a>> {
        let routes = scenario.routes().iter().enumerate();
        match (scenario.mix_model(), self.runs.first()) {
            (Some(mix), Some(run)) => routes
                .map(|(i, r)| RouteRun {
                    model: mix,
                    results: &run.results,
                    index: i,
                    without_auth: run
                        .without_auth
                        .as_ref()
                        .filter(|_| r.model_without_auth.is_some()),
                })
                .collect(),
            _ => routes
                .zip(&self.runs)
                .map(|((_, r), run)| RouteRun {
                    model: &r.model,
                    results: &run.results,
                    index: 0,
                    without_auth: run.without_auth.as_ref(),
                })
                .collect(),
        }
    }

    /// Adds the replications of `other`, a later batch of the same
    /// scenario (as [`RunResults::merge`]).
    pub fn merge(&mut self, other: &Simulated) {
        for (a, b) in self.runs.iter_mut().zip(&other.runs) {
            a.results.merge(&b.results);
            if let (Some(ta), Some(tb)) = (a.without_auth.as_mut(), b.without_auth.as_ref()) {
                ta.merge(tb);
            }
        }
    }
}

/// Simulates every route of `scenario` (and, with [`Twins::Run`], its twin
/// without authorisation), all in parallel on the current rayon pool.
/// `on_replication_done` is called from any thread after each replication
/// of a route, twins not counted (in mode `mix`, a replication of the
/// shared model counts once per route it carries).
///
/// # Errors
///
/// Fails when a replication's simulated time would pass the end of the
/// engine's clock (an extreme law or a hopelessly overloaded station).
pub fn simulate<'a>(
    scenario: &'a Scenario,
    opts: &RunOptions,
    twins: Twins,
    on_replication_done: &(dyn Fn() + Sync),
) -> Result<Simulated, RunError> {
    use rayon::prelude::*;
    // The twin shares the seed, so the difference between the two is what
    // authorisation costs (common random numbers).
    let twin = |m: Option<&'a Model>| m.filter(|_| twins == Twins::Run);
    let models: Vec<(&Model, usize, Option<&Model>)> = match scenario.mix_model() {
        Some(mix) => {
            vec![(mix, scenario.routes().len(), twin(scenario.mix_model_without_auth()))]
        }
        None => scenario
            .routes()
            .iter()
            .map(|r| (&r.model, 1, twin(r.model_without_auth.as_ref())))
            .collect(),
    };
    let jobs: Vec<(&Model, usize)> = models
        .iter()
        .flat_map(|&(m, ticks, t)| std::iter::once((m, ticks)).chain(t.map(|t| (t, 0))))
        .collect();
    let mut done = jobs
        .par_iter()
        .map(|&(m, ticks)| {
            let tick = || (0..ticks).for_each(|_| on_replication_done());
            sim_core::run_with_progress(m, opts, &tick)
        })
        .collect::<Result<Vec<RunResults>, _>>()?
        .into_iter();
    let runs = models
        .iter()
        .map(|(_, _, t)| {
            let results = done.next().expect("one result per job");
            ModelRun { results, without_auth: t.map(|_| done.next().expect("the twin's")) }
        })
        .collect();
    Ok(Simulated { runs })
}
