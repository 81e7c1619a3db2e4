//! One summary of a route, computed one way for `run`, `sweep`,
//! `capacity` and `merge`: the counts, the mean, percentiles that never
//! exceed the exact maximum, the throughput and the busiest resource.
//!
//! It is built from exact accumulators (integer counts and time integrals,
//! the HdrHistogram), which a live run ([`RouteSummary::of`]) and a saved
//! [`RouteState`](crate::report::state::RouteState) both hold, so a
//! summary of merged shards equals the summary of the unsharded run.

use std::borrow::Cow;

use hdrhistogram::Histogram;
use sim_core::stats::{mean_ci95, quantile_at_most_max_ns};

use crate::report::warnings::UNSTABLE;
use crate::run::RouteRun;

/// Time integrals of one capacity-limited resource (a station or a link
/// with a bandwidth) a route crosses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Station or link name.
    pub name: String,
    /// ∫ busy dt \[server·ns\].
    pub busy_ns: u128,
    /// ∫ capacity dt \[server·ns\].
    pub capacity_ns: u128,
}

impl Resource {
    /// Busy fraction; `None` when it had no capacity over the window.
    pub fn utilization(&self) -> Option<f64> {
        (self.capacity_ns > 0).then(|| self.busy_ns as f64 / self.capacity_ns as f64)
    }

    /// The capacity-limited resources route `run` crosses, in path order,
    /// each once (a station crossed twice is one resource); a link stands
    /// for its busier direction.
    pub fn on_route(run: &RouteRun<'_>) -> Vec<Resource> {
        let (model, results) = (run.model, run.results);
        let mut out: Vec<Resource> = Vec::new();
        let mut push = |name: &str, busy_ns: u128, capacity_ns: u128| {
            if out.iter().all(|r| r.name != name) {
                out.push(Resource { name: name.to_string(), busy_ns, capacity_ns });
            }
        };
        for hop in model.routes()[run.index].hops() {
            if let Some(s) = hop.station() {
                let st = &results.stations()[s.index()];
                if let Some(cap) = st.capacity_ns() {
                    push(st.name(), st.busy_ns(), cap);
                }
            }
            if let Some((l, _)) = hop.link()
                && model.links()[l.index()].bandwidth_bps().is_some()
            {
                let t = results.transmitters();
                let (f, b) = (&t[2 * l.index()], &t[2 * l.index() + 1]);
                let busier = if f.busy_ns() >= b.busy_ns() { f } else { b };
                push(
                    model.links()[l.index()].name(),
                    busier.busy_ns(),
                    busier.capacity_ns().unwrap_or(0),
                );
            }
        }
        out
    }
}

/// The exact accumulators of one latency measure (the end-to-end latency
/// or the platform latency) of a route's completed requests.
#[derive(Debug, Clone)]
pub struct LatencyAccumulators<'a> {
    /// Sum of the latencies \[ns\].
    pub sum_ns: u128,
    /// Exact maximum \[ns\].
    pub max_ns: u64,
    /// Mean of each replication \[ms\].
    pub replication_means_ms: Vec<f64>,
    /// Histogram \[ns\].
    pub histogram: Cow<'a, Histogram<u64>>,
}

impl<'a> LatencyAccumulators<'a> {
    /// The accumulators of a live run's measure.
    pub fn of(stats: &'a sim_core::stats::LatencyStats) -> Self {
        LatencyAccumulators {
            sum_ns: stats.sum_ns(),
            max_ns: stats.max_ns(),
            replication_means_ms: stats.replication_means_ms(),
            histogram: Cow::Borrowed(stats.histogram()),
        }
    }

    /// Exact mean \[ms\] of `completed` values (0 when none completed).
    pub fn mean_ms(&self, completed: u64) -> f64 {
        if completed == 0 { 0.0 } else { self.sum_ns as f64 / completed as f64 / 1e6 }
    }

    /// 95 % Student-t interval of the mean across replications \[ms\].
    pub fn mean_ci95_ms(&self) -> Option<[f64; 2]> {
        mean_ci95(&self.replication_means_ms).map(|i| [i.low, i.high])
    }

    /// The `q`-quantile \[ms\] of `completed` values, never above the exact
    /// maximum; 0 when nothing completed.
    pub fn quantile_ms(&self, q: f64, completed: u64) -> f64 {
        quantile_at_most_max_ns(&self.histogram, q, self.max_ns, completed) as f64 / 1e6
    }
}

/// The exact accumulators a summary is computed from.
#[derive(Debug, Clone)]
pub struct Accumulators<'a> {
    /// Route name.
    pub name: &'a str,
    /// Measured arrivals.
    pub offered: u64,
    /// Of those, completed.
    pub completed: u64,
    /// Rejected by a full queue.
    pub rejected: u64,
    /// Still in flight at the route's timeout.
    pub timed_out: u64,
    /// Failed: throttled, or a nested call failed after its retries.
    pub failed: u64,
    /// Retries of nested calls.
    pub retries: u64,
    /// Requests and call attempts a rate limit throttled (HTTP 429).
    pub throttled: u64,
    /// Sum of completed latencies \[ns\].
    pub latency_sum_ns: u128,
    /// Exact maximum latency \[ns\].
    pub max_ns: u64,
    /// Measurement span summed over replications \[ns\].
    pub span_ns: u128,
    /// Mean latency of each replication \[ms\].
    pub replication_means_ms: Vec<f64>,
    /// End-to-end latency histogram \[ns\].
    pub histogram: Cow<'a, Histogram<u64>>,
    /// Platform latency: each request's latency minus its time at the
    /// route's backends (external stations).
    pub platform: LatencyAccumulators<'a>,
    /// Capacity-limited resources on the route.
    pub resources: Vec<Resource>,
}

/// What one route measured, summarised.
#[derive(Debug, Clone)]
pub struct RouteSummary<'a> {
    acc: Accumulators<'a>,
    /// Mean latency of completed requests \[ms\] (0 when none completed).
    pub mean_ms: f64,
    /// 95 % Student-t interval of the mean across replications \[ms\].
    pub mean_ci95_ms: Option<[f64; 2]>,
    /// Mean platform latency \[ms\] (the latency without the backends'
    /// time; 0 when none completed).
    pub platform_mean_ms: f64,
    /// Its 95 % Student-t interval across replications \[ms\].
    pub platform_mean_ci95_ms: Option<[f64; 2]>,
    /// Completed requests per second of the measurement span.
    pub throughput_per_s: f64,
    /// The busiest capacity-limited resource and its utilisation (the
    /// first of equal maxima, so the choice is deterministic).
    pub busiest: Option<(String, f64)>,
}

impl<'a> RouteSummary<'a> {
    /// Summarises the accumulators.
    pub fn new(acc: Accumulators<'a>) -> Self {
        let mean_ms = if acc.completed == 0 {
            0.0
        } else {
            acc.latency_sum_ns as f64 / acc.completed as f64 / 1e6
        };
        let throughput_per_s =
            if acc.span_ns == 0 { 0.0 } else { acc.completed as f64 / (acc.span_ns as f64 / 1e9) };
        let busiest = acc
            .resources
            .iter()
            .filter_map(|r| Some((r.name.clone(), r.utilization()?)))
            .fold(None::<(String, f64)>, |best, (n, u)| match best {
                Some((_, bu)) if bu >= u => best,
                _ => Some((n, u)),
            });
        RouteSummary {
            mean_ms,
            mean_ci95_ms: mean_ci95(&acc.replication_means_ms).map(|i| [i.low, i.high]),
            platform_mean_ms: acc.platform.mean_ms(acc.completed),
            platform_mean_ci95_ms: acc.platform.mean_ci95_ms(),
            throughput_per_s,
            busiest,
            acc,
        }
    }

    /// Summarises route `run` of a live run.
    pub fn of(run: &RouteRun<'a>) -> Self {
        let st: &'a sim_core::stats::RouteStats = &run.results.routes()[run.index];
        RouteSummary::new(Accumulators {
            name: st.name(),
            offered: st.offered(),
            completed: st.completed(),
            rejected: st.rejected(),
            timed_out: st.timed_out(),
            failed: st.failed(),
            retries: st.retries(),
            throttled: st.throttled(),
            latency_sum_ns: st.latency_sum_ns(),
            max_ns: st.max_ns(),
            span_ns: st.span_ns(),
            replication_means_ms: st.replication_means_ms(),
            histogram: Cow::Borrowed(st.histogram()),
            platform: LatencyAccumulators::of(st.platform()),
            resources: Resource::on_route(run),
        })
    }

    /// The accumulators it was computed from.
    pub fn accumulators(&self) -> &Accumulators<'a> {
        &self.acc
    }

    /// The `q`-quantile of end-to-end latency \[ms\] (`q` in \[0, 1\]), never
    /// above the exact maximum; 0 when nothing completed.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let (acc, h) = (&self.acc, self.acc.histogram.as_ref());
        quantile_at_most_max_ns(h, q, acc.max_ns, acc.completed) as f64 / 1e6
    }

    /// The `q`-quantile of platform latency \[ms\] (see
    /// [`Self::quantile_ms`]).
    pub fn platform_quantile_ms(&self, q: f64) -> f64 {
        self.acc.platform.quantile_ms(q, self.acc.completed)
    }

    /// Whether the route carried its load: no capacity-limited resource on
    /// it was busy [`UNSTABLE`] (98 %) of the arrival window or more. A
    /// resource that busy had a queue that never emptied: its latency grows
    /// with the length of the run, so no figure of this run is a steady
    /// state.
    pub fn is_stable(&self) -> bool {
        self.busiest.as_ref().is_none_or(|(_, u)| *u < UNSTABLE)
    }

    /// Exact maximum latency \[ms\].
    pub fn max_ms(&self) -> f64 {
        self.acc.max_ns as f64 / 1e6
    }
}
