//! What a run measures, merged exactly across replications, and the
//! estimators that read it.
//!
//! Counters and sums are integers (nanoseconds), and histograms merge by
//! adding counts, so merging replications is exact and independent of the
//! order they finished in.
//!
//! - Results: [`RouteStats`] (a [`LatencyStats`] end to end and one for
//!   the platform, a [`HopStats`] per hop) and
//!   [`ResourceStats`], as found in [`crate::RunResults`]; latencies are
//!   [`LatencyHistogram`]s.
//! - Intervals over independent replications: [`mean_ci95`] (Student t),
//!   [`paired_difference`] (paired t, for two systems run with common
//!   random numbers), from the quantiles in [`student_t_975`].
//! - Warm-up detection: [`pilot_batch_means`](crate::pilot_batch_means) of a run without warm-up,
//!   cut by [`mser_truncation`] (MSER-5).

use hdrhistogram::Histogram;

/// The quantiles every report gives, with an interval each: p50, p90, p99,
/// p99.9.
pub const REPORTED_QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

/// Significant decimal digits a route's end-to-end histogram keeps: its
/// quantiles are within 0.1 % of the exact sample quantile.
pub const HISTOGRAM_SIGFIG: u8 = 3;

/// Significant decimal digits a hop's histogram keeps: its quantiles are
/// within 1 % of the exact sample quantile. Per-hop percentiles say where
/// the time goes; at 3 digits each of a route's hops took a 270 KB
/// histogram that every completion wrote into, 36 % of the run time of a
/// 100-route model (issue 13), for a precision nothing reads.
pub const HOP_HISTOGRAM_SIGFIG: u8 = 2;

/// A latency histogram: values in nanoseconds from 1 ns up, at
/// [`HISTOGRAM_SIGFIG`] significant digits for a route's end-to-end
/// latency and [`HOP_HISTOGRAM_SIGFIG`] for a hop's time. It grows to hold
/// the largest value recorded (HdrHistogram's auto-resize), so no latency
/// the engine's clock can reach is clipped; its memory follows the longest
/// latency seen, not a fixed ceiling.
pub type LatencyHistogram = Histogram<u64>;

pub(crate) fn new_histogram(sigfig: u8) -> LatencyHistogram {
    Histogram::new(sigfig).expect("constant histogram precision is valid")
}

/// Records `ns` (at least 1) into `h`, growing it as needed.
pub(crate) fn record(h: &mut LatencyHistogram, ns: u64) {
    // Growth fails only past u64::MAX / 2 ns (292 years), beyond any run the
    // engine's clock allows; keep the value at the top rather than lose it.
    if h.record(ns.max(1)).is_err() {
        h.saturating_record(ns);
    }
}

fn ms(ns: f64) -> f64 {
    ns / 1e6
}

/// Where a route's time goes at one hop, over its completed measured
/// requests (both directions of a round trip summed).
#[derive(Clone, Debug)]
pub struct HopStats {
    pub(crate) name: String,
    pub(crate) wait_ns: u128,
    pub(crate) service_ns: u128,
    pub(crate) link_ns: u128,
    pub(crate) serialization_ns: u128,
    pub(crate) handshake_ns: u128,
    pub(crate) subcall_ns: u128,
    /// Waiting for a token of the hop's pool (see [`crate::Pool`]).
    pub(crate) pool_wait_ns: u128,
    pub(crate) completed: u64,
    pub(crate) rejected: u64,
    /// Per completed request, the total time spent at this hop (wait +
    /// service + link + serialisation + handshake + sub-calls + pool wait).
    pub(crate) time: LatencyHistogram,
    /// [`REPORTED_QUANTILES`] of the hop time in each replication \[ns\].
    pub(crate) replication_quantiles_ns: Vec<[u64; 4]>,
}

impl HopStats {
    pub(crate) fn new(name: &str) -> Self {
        HopStats {
            name: name.to_string(),
            wait_ns: 0,
            service_ns: 0,
            link_ns: 0,
            serialization_ns: 0,
            handshake_ns: 0,
            subcall_ns: 0,
            pool_wait_ns: 0,
            completed: 0,
            rejected: 0,
            time: new_histogram(HOP_HISTOGRAM_SIGFIG),
            replication_quantiles_ns: Vec::new(),
        }
    }

    /// The `q`-quantile of the time a request spends at this hop \[ms\],
    /// to the histogram's 2 significant digits ([`HOP_HISTOGRAM_SIGFIG`]:
    /// the top of a bucket at most 1 % wide, so within 1 % above the exact
    /// sample quantile); 0 when nothing completed.
    ///
    /// Unlike [`RouteStats::quantile_ms`] this is not capped at an exact
    /// maximum (a hop keeps none), so it may exceed the longest time seen
    /// by up to the bucket width (1 %).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.completed == 0 { 0.0 } else { ms(self.time.value_at_quantile(q) as f64) }
    }

    /// The 95 % interval of the `i`-th of [`REPORTED_QUANTILES`] of the hop
    /// time \[ms\], by independent replications (as
    /// [`RouteStats::quantile_ci95_ms`]).
    ///
    /// # Panics
    ///
    /// Panics if `i >= 4`.
    pub fn quantile_ci95_ms(&self, i: usize) -> Option<(f64, f64)> {
        replication_quantile_ci95_ms(&self.replication_quantiles_ns, i)
    }

    fn per_request_ms(&self, sum_ns: u128) -> f64 {
        if self.completed == 0 { 0.0 } else { ms(sum_ns as f64 / self.completed as f64) }
    }

    /// The hop's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Mean queueing wait per completed request \[ms\].
    pub fn wait_ms_mean(&self) -> f64 {
        self.per_request_ms(self.wait_ns)
    }

    /// Mean service time per completed request \[ms\].
    pub fn service_ms_mean(&self) -> f64 {
        self.per_request_ms(self.service_ns)
    }

    /// Mean latency of the link to the next hop per completed request \[ms\].
    pub fn link_ms_mean(&self) -> f64 {
        self.per_request_ms(self.link_ns)
    }

    /// Mean serialisation per completed request, waiting for the link's
    /// transmitter included \[ms\].
    pub fn serialization_ms_mean(&self) -> f64 {
        self.per_request_ms(self.serialization_ns)
    }

    /// Mean wait for new connections (handshake round trips) per completed
    /// request \[ms\].
    pub fn handshake_ms_mean(&self) -> f64 {
        self.per_request_ms(self.handshake_ns)
    }

    /// Mean time in nested calls this hop made, per completed request \[ms\].
    pub fn subcall_ms_mean(&self) -> f64 {
        self.per_request_ms(self.subcall_ns)
    }

    /// Mean wait for a token of the pool this hop holds (e.g. a free
    /// connection to the backend) per completed request \[ms\]; 0 for a
    /// hop without a pool.
    pub fn pool_wait_ms_mean(&self) -> f64 {
        self.per_request_ms(self.pool_wait_ns)
    }

    /// Measured requests rejected at this hop (full queue).
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Distribution of the time a request spends at this hop \[ns\], to
    /// [`HOP_HISTOGRAM_SIGFIG`] significant digits.
    pub fn time_histogram(&self) -> &LatencyHistogram {
        &self.time
    }

    fn merge(&mut self, other: &HopStats) {
        self.wait_ns += other.wait_ns;
        self.service_ns += other.service_ns;
        self.link_ns += other.link_ns;
        self.serialization_ns += other.serialization_ns;
        self.handshake_ns += other.handshake_ns;
        self.subcall_ns += other.subcall_ns;
        self.pool_wait_ns += other.pool_wait_ns;
        self.completed += other.completed;
        self.rejected += other.rejected;
        self.time.add(&other.time).expect("histograms of one precision add, growing as needed");
        self.replication_quantiles_ns.extend_from_slice(&other.replication_quantiles_ns);
    }
}

/// What became of the attempts of one nested call (see
/// [`crate::Detour`]) that measured requests made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallStats {
    pub(crate) name: String,
    pub(crate) hop: u16,
    pub(crate) attempts: u64,
    pub(crate) throttled: u64,
    pub(crate) errors: u64,
    pub(crate) timed_out: u64,
    pub(crate) retries: u64,
}

impl CallStats {
    pub(crate) fn new(name: &str, hop: u16) -> Self {
        CallStats {
            name: name.to_string(),
            hop,
            attempts: 0,
            throttled: 0,
            errors: 0,
            timed_out: 0,
            retries: 0,
        }
    }

    /// The call's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Index of the hop that makes the call.
    pub fn hop(&self) -> usize {
        usize::from(self.hop)
    }

    /// Attempts started, retries included.
    pub fn attempts(&self) -> u64 {
        self.attempts
    }

    /// Attempts a rate limit throttled (HTTP 429).
    pub fn throttled(&self) -> u64 {
        self.throttled
    }

    /// Attempts that failed by the call's failure probability.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Attempts the caller stopped waiting for (the call's timeout).
    pub fn timed_out(&self) -> u64 {
        self.timed_out
    }

    /// Attempts that were retries of a failed one (`attempts` minus the
    /// first attempts).
    pub fn retries(&self) -> u64 {
        self.retries
    }

    fn merge(&mut self, other: &CallStats) {
        self.attempts += other.attempts;
        self.throttled += other.throttled;
        self.errors += other.errors;
        self.timed_out += other.timed_out;
        self.retries += other.retries;
    }
}

/// One latency measure of a route's completed measured requests: an exact
/// sum and maximum, a histogram at [`HISTOGRAM_SIGFIG`] significant digits,
/// and each replication's mean and [`REPORTED_QUANTILES`]. A route keeps
/// two: its end-to-end latency and its platform latency (the end-to-end
/// latency minus the time spent at external stations, see
/// [`crate::Station::with_external`]).
#[derive(Clone, Debug)]
pub struct LatencyStats {
    pub(crate) histogram: LatencyHistogram,
    /// Values recorded (the route's completed requests).
    pub(crate) count: u64,
    pub(crate) sum_ns: u128,
    pub(crate) max_ns: u64,
    /// Mean of each replication \[ns\], in replication order.
    pub(crate) replication_means_ns: Vec<f64>,
    /// [`REPORTED_QUANTILES`] of each replication \[ns\], in replication order.
    pub(crate) replication_quantiles_ns: Vec<[u64; 4]>,
}

impl LatencyStats {
    pub(crate) fn new() -> Self {
        LatencyStats {
            histogram: new_histogram(HISTOGRAM_SIGFIG),
            count: 0,
            sum_ns: 0,
            max_ns: 0,
            replication_means_ns: Vec::new(),
            replication_quantiles_ns: Vec::new(),
        }
    }

    /// Records one completed request's latency \[ns\].
    pub(crate) fn record(&mut self, ns: u64) {
        record(&mut self.histogram, ns);
        self.count += 1;
        self.sum_ns += u128::from(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// Closes a one-replication measure: its mean and quantiles become the
    /// replication's.
    pub(crate) fn close_replication(&mut self) {
        let mean = if self.count == 0 { 0.0 } else { self.sum_ns as f64 / self.count as f64 };
        self.replication_means_ns = vec![mean];
        self.replication_quantiles_ns = vec![REPORTED_QUANTILES.map(|q| self.quantile_ns(q))];
    }

    /// Exact mean \[ms\] (from integer sums, not from the histogram); 0 when
    /// nothing was recorded.
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 { 0.0 } else { ms(self.sum_ns as f64 / self.count as f64) }
    }

    /// The `q`-quantile \[ms\] (`q` in \[0, 1\]), to the histogram's 3
    /// significant digits and never above [`Self::max_ms`]; 0 when nothing
    /// was recorded.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        ms(self.quantile_ns(q) as f64)
    }

    /// As [`Self::quantile_ms`], in \[ns\].
    pub(crate) fn quantile_ns(&self, q: f64) -> u64 {
        quantile_at_most_max_ns(&self.histogram, q, self.max_ns, self.count)
    }

    /// Exact maximum \[ms\].
    pub fn max_ms(&self) -> f64 {
        ms(self.max_ns as f64)
    }

    /// Exact maximum \[ns\].
    pub fn max_ns(&self) -> u64 {
        self.max_ns
    }

    /// Exact sum of the recorded latencies \[ns\] (merges by addition).
    pub fn sum_ns(&self) -> u128 {
        self.sum_ns
    }

    /// The histogram \[ns\].
    pub fn histogram(&self) -> &LatencyHistogram {
        &self.histogram
    }

    /// The 95 % confidence interval of the mean \[ms\] across replications
    /// (see [`mean_ci95`]); `None` with fewer than two replications.
    pub fn mean_ci95_ms(&self) -> Option<(f64, f64)> {
        mean_ci95(&self.replication_means_ms()).map(|ci| (ci.low, ci.high))
    }

    /// The 95 % confidence interval of the `i`-th of [`REPORTED_QUANTILES`]
    /// \[ms\]: each replication's sample quantile is one independent
    /// observation, and the interval is Student's t on those (the method of
    /// independent replications, Law, *Simulation Modeling and Analysis*,
    /// 5th ed., §9.4; it needs enough samples per replication for the
    /// quantile itself to be stable). `None` with fewer than two replications.
    ///
    /// # Panics
    ///
    /// Panics if `i >= 4`.
    pub fn quantile_ci95_ms(&self, i: usize) -> Option<(f64, f64)> {
        replication_quantile_ci95_ms(&self.replication_quantiles_ns, i)
    }

    /// Mean of each replication \[ms\].
    pub fn replication_means_ms(&self) -> Vec<f64> {
        self.replication_means_ns.iter().map(|&m| ms(m)).collect()
    }

    /// The [`REPORTED_QUANTILES`] of each replication \[ms\], in replication
    /// order (each capped at that replication's exact maximum).
    pub fn replication_quantiles_ms(&self) -> Vec<[f64; 4]> {
        self.replication_quantiles_ns.iter().map(|q| q.map(|v| ms(v as f64))).collect()
    }

    fn merge(&mut self, other: &LatencyStats) {
        self.histogram
            .add(&other.histogram)
            .expect("histograms of one precision add, growing as needed");
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
        self.replication_means_ns.extend_from_slice(&other.replication_means_ns);
        self.replication_quantiles_ns.extend_from_slice(&other.replication_quantiles_ns);
    }
}

/// End-to-end results of one route, over its measured requests.
#[derive(Clone, Debug)]
pub struct RouteStats {
    pub(crate) name: String,
    pub(crate) offered: u64,
    pub(crate) completed: u64,
    pub(crate) rejected: u64,
    pub(crate) timed_out: u64,
    /// Measured requests that failed: throttled on the path, or a nested
    /// call that failed after its retries.
    pub(crate) failed: u64,
    /// Retries of nested calls, over all calls.
    pub(crate) retries: u64,
    /// Requests and call attempts a rate limit throttled.
    pub(crate) throttled: u64,
    /// Per nested call, in path order.
    pub(crate) calls: Vec<CallStats>,
    /// Measured requests still in flight when the overload guard stopped a
    /// replication.
    pub(crate) unfinished: u64,
    /// Replications the overload guard stopped.
    pub(crate) overload_stops: u64,
    /// End-to-end latency.
    pub(crate) latency: LatencyStats,
    /// End-to-end latency minus the time at external stations; `None` on
    /// a route without external stations, whose platform latency is its
    /// end-to-end latency value for value: one histogram recorded and kept
    /// instead of two equal ones (issue 13).
    pub(crate) platform: Option<LatencyStats>,
    /// Sum over replications of (last measured completion − first measured
    /// arrival) \[ns\].
    pub(crate) span_ns: u128,
    pub(crate) hops: Vec<HopStats>,
}

impl RouteStats {
    pub(crate) fn new(name: &str, hop_names: impl Iterator<Item = String>) -> Self {
        RouteStats {
            name: name.to_string(),
            offered: 0,
            completed: 0,
            rejected: 0,
            timed_out: 0,
            failed: 0,
            retries: 0,
            throttled: 0,
            calls: Vec::new(),
            unfinished: 0,
            overload_stops: 0,
            latency: LatencyStats::new(),
            platform: None,
            span_ns: 0,
            hops: hop_names.map(|n| HopStats::new(&n)).collect(),
        }
    }

    /// The route's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Measured requests that arrived.
    pub fn offered(&self) -> u64 {
        self.offered
    }

    /// Measured requests that completed.
    pub fn completed(&self) -> u64 {
        self.completed
    }

    /// Measured requests rejected by a full queue.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Measured requests still in flight at the route's timeout (`offered
    /// = completed + rejected + timed_out + failed + unfinished`).
    pub fn timed_out(&self) -> u64 {
        self.timed_out
    }

    /// Measured requests that failed: throttled by a rate-limited station
    /// on the path, or a nested call whose last attempt failed (throttled,
    /// failed or timed out). They have no latency.
    pub fn failed(&self) -> u64 {
        self.failed
    }

    /// Retries of nested calls made by measured requests (each loads the
    /// call's path again).
    pub fn retries(&self) -> u64 {
        self.retries
    }

    /// Requests and call attempts of measured requests that a rate limit
    /// throttled (HTTP 429), retried ones included.
    pub fn throttled(&self) -> u64 {
        self.throttled
    }

    /// Per nested call, in path order: its attempts and their outcomes.
    pub fn calls(&self) -> &[CallStats] {
        &self.calls
    }

    /// These statistics with a platform latency of their own (a route with
    /// external stations); without, [`Self::platform`] is the end-to-end
    /// latency.
    pub(crate) fn with_platform(mut self) -> Self {
        self.platform = Some(LatencyStats::new());
        self
    }

    /// These statistics with one (empty) [`CallStats`] per nested call
    /// `(name, hop)`.
    pub(crate) fn with_calls<'a>(mut self, calls: impl Iterator<Item = (&'a str, u16)>) -> Self {
        self.calls = calls.map(|(name, hop)| CallStats::new(name, hop)).collect();
        self
    }

    /// Measured requests still in flight when the overload guard stopped a
    /// replication (see [`crate::Workload::with_max_in_flight`]); 0 unless
    /// [`Self::overload_stops`] is positive.
    pub fn unfinished(&self) -> u64 {
        self.unfinished
    }

    /// Replications the overload guard stopped: the route could not carry
    /// its load, and these results are its figures up to the stop.
    pub fn overload_stops(&self) -> u64 {
        self.overload_stops
    }

    /// End-to-end latency of the completed measured requests.
    pub fn latency(&self) -> &LatencyStats {
        &self.latency
    }

    /// Platform latency of the completed measured requests: each one's
    /// end-to-end latency minus its wait, service and pipeline delay at the
    /// route's external stations ([`crate::Station::with_external`]). Equal
    /// to [`Self::latency`] on a route without external stations.
    pub fn platform(&self) -> &LatencyStats {
        self.platform.as_ref().unwrap_or(&self.latency)
    }

    /// Exact mean end-to-end latency \[ms\] (see [`LatencyStats::mean_ms`]).
    pub fn mean_ms(&self) -> f64 {
        self.latency.mean_ms()
    }

    /// The `q`-quantile of end-to-end latency \[ms\] (see
    /// [`LatencyStats::quantile_ms`]).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency.quantile_ms(q)
    }

    /// Exact maximum end-to-end latency \[ms\].
    pub fn max_ms(&self) -> f64 {
        self.latency.max_ms()
    }

    /// The 95 % confidence interval of the mean end-to-end latency \[ms\]
    /// (see [`LatencyStats::mean_ci95_ms`]).
    pub fn mean_ci95_ms(&self) -> Option<(f64, f64)> {
        self.latency.mean_ci95_ms()
    }

    /// Completed measured requests per second of the measurement span
    /// (first measured arrival to last measured completion, summed over
    /// replications).
    pub fn throughput_per_s(&self) -> f64 {
        if self.span_ns == 0 { 0.0 } else { self.completed as f64 / (self.span_ns as f64 / 1e9) }
    }

    /// Sum of the end-to-end latencies of completed measured requests \[ns\]
    /// (exact; merges by addition).
    pub fn latency_sum_ns(&self) -> u128 {
        self.latency.sum_ns()
    }

    /// Exact maximum end-to-end latency \[ns\].
    pub fn max_ns(&self) -> u64 {
        self.latency.max_ns()
    }

    /// Measurement span summed over replications \[ns\] (first measured
    /// arrival to last measured completion in each).
    pub fn span_ns(&self) -> u128 {
        self.span_ns
    }

    /// The end-to-end latency histogram \[ns\].
    pub fn histogram(&self) -> &LatencyHistogram {
        self.latency.histogram()
    }

    /// Per-hop breakdown, in path order.
    pub fn hops(&self) -> &[HopStats] {
        &self.hops
    }

    /// The end-to-end [`REPORTED_QUANTILES`] of each replication \[ms\] (see
    /// [`LatencyStats::replication_quantiles_ms`]).
    pub fn replication_quantiles_ms(&self) -> Vec<[f64; 4]> {
        self.latency.replication_quantiles_ms()
    }

    /// The 95 % confidence interval of the `i`-th end-to-end quantile
    /// \[ms\] (see [`LatencyStats::quantile_ci95_ms`]).
    ///
    /// # Panics
    ///
    /// Panics if `i >= 4`.
    pub fn quantile_ci95_ms(&self, i: usize) -> Option<(f64, f64)> {
        self.latency.quantile_ci95_ms(i)
    }

    /// Mean end-to-end latency of each replication \[ms\].
    pub fn replication_means_ms(&self) -> Vec<f64> {
        self.latency.replication_means_ms()
    }

    pub(crate) fn merge(&mut self, other: &RouteStats) {
        self.offered += other.offered;
        self.completed += other.completed;
        self.rejected += other.rejected;
        self.timed_out += other.timed_out;
        self.failed += other.failed;
        self.retries += other.retries;
        self.throttled += other.throttled;
        for (a, b) in self.calls.iter_mut().zip(&other.calls) {
            a.merge(b);
        }
        self.unfinished += other.unfinished;
        self.overload_stops += other.overload_stops;
        // Before the end-to-end latency merges: a platform measure that
        // only `other` keeps starts from this side's end-to-end latency,
        // which it equals here.
        if self.platform.is_some() || other.platform.is_some() {
            let mine = self.platform.get_or_insert_with(|| self.latency.clone());
            mine.merge(other.platform());
        }
        self.latency.merge(&other.latency);
        self.span_ns += other.span_ns;
        for (a, b) in self.hops.iter_mut().zip(&other.hops) {
            a.merge(b);
        }
    }
}

/// The 95 % interval \[ms\] of the `i`-th of [`REPORTED_QUANTILES`] over
/// replications, each replication's quantile \[ns\] one observation.
///
/// # Panics
///
/// Panics if `i >= 4`.
fn replication_quantile_ci95_ms(per_replication_ns: &[[u64; 4]], i: usize) -> Option<(f64, f64)> {
    let xs: Vec<f64> = per_replication_ns.iter().map(|q| ms(q[i] as f64)).collect();
    mean_ci95(&xs).map(|ci| (ci.low, ci.high))
}

/// Time-integrated occupancy of a station or of one direction of a
/// bandwidth-limited link, over the measurement window (first measured
/// arrival to last arrival).
#[derive(Clone, Debug)]
pub struct ResourceStats {
    pub(crate) name: String,
    /// ∫ busy servers dt over the window \[server·ns\].
    pub(crate) busy_ns: u128,
    /// ∫ servers present dt over the window \[server·ns\]: the scheduled
    /// count, or the busy count while servers removed by a scale-in finish
    /// their message; `None` when unbounded.
    pub(crate) capacity_ns: Option<u128>,
    /// Window length summed over replications \[ns\].
    pub(crate) window_ns: u128,
    /// Longest queue seen (waiting, not in service).
    pub(crate) max_queue: u64,
}

impl ResourceStats {
    /// The resource's name (`link/direction` for transmitters).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Fraction of server capacity busy over the window, in \[0, 1\]; `None`
    /// for an unbounded station or an empty window.
    pub fn utilization(&self) -> Option<f64> {
        match self.capacity_ns {
            Some(c) if c > 0 => Some(self.busy_ns as f64 / c as f64),
            _ => None,
        }
    }

    /// Mean number of messages in service over the window (offered load in
    /// Erlangs); `None` for an empty window.
    pub fn busy_mean(&self) -> Option<f64> {
        (self.window_ns > 0).then(|| self.busy_ns as f64 / self.window_ns as f64)
    }

    /// ∫ busy servers dt over the window, summed over replications
    /// \[server·ns\].
    pub fn busy_ns(&self) -> u128 {
        self.busy_ns
    }

    /// ∫ servers dt over the window \[server·ns\]; `None` when unbounded.
    pub fn capacity_ns(&self) -> Option<u128> {
        self.capacity_ns
    }

    /// Window length summed over replications \[ns\].
    pub fn window_ns(&self) -> u128 {
        self.window_ns
    }

    /// Longest queue seen in any replication.
    pub fn max_queue(&self) -> u64 {
        self.max_queue
    }

    pub(crate) fn merge(&mut self, other: &ResourceStats) {
        self.busy_ns += other.busy_ns;
        self.capacity_ns = self.capacity_ns.zip(other.capacity_ns).map(|(a, b)| a + b);
        self.window_ns += other.window_ns;
        self.max_queue = self.max_queue.max(other.max_queue);
    }
}

/// A two-sided confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// The `q`-quantile of a latency histogram \[ns\], never above the exact
/// maximum `max_ns`; 0 when `count` (the samples recorded) is 0.
///
/// A histogram quantile is the top of its 3-significant-digit bucket, so
/// the bucket holding the largest sample can exceed the exact maximum; the
/// true quantile never does. Every reported end-to-end quantile goes
/// through here, from a live run ([`RouteStats::quantile_ms`]) or from a
/// saved histogram.
pub fn quantile_at_most_max_ns(h: &LatencyHistogram, q: f64, max_ns: u64, count: u64) -> u64 {
    if count == 0 { 0 } else { h.value_at_quantile(q).min(max_ns) }
}

/// Everything one run (all replications of one model) measured.
#[derive(Clone, Debug)]
pub struct RunResults {
    pub(crate) routes: Vec<RouteStats>,
    pub(crate) stations: Vec<ResourceStats>,
    /// Two per link: forward then backward direction.
    pub(crate) transmitters: Vec<ResourceStats>,
    /// Per token pool: tokens held, against the pool's size.
    pub(crate) pools: Vec<ResourceStats>,
    pub(crate) replications: u64,
    /// Events processed, warm-up included, summed over replications.
    pub(crate) events: u64,
}

impl RunResults {
    /// Per route, in model order.
    pub fn routes(&self) -> &[RouteStats] {
        &self.routes
    }

    /// Per station, by [`crate::StationId`] index.
    pub fn stations(&self) -> &[ResourceStats] {
        &self.stations
    }

    /// Per link direction: index `2·link` forward, `2·link + 1` backward.
    pub fn transmitters(&self) -> &[ResourceStats] {
        &self.transmitters
    }

    /// Per token pool, by [`crate::PoolId`] index: busy means tokens held.
    pub fn pools(&self) -> &[ResourceStats] {
        &self.pools
    }

    /// Replications merged into these results.
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// Events the engine processed (arrivals, service and transmission
    /// completions, link arrivals, capacity changes), warm-up included,
    /// summed over replications: the unit of the engine's speed.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Adds another run's replications (of the same model) to these.
    pub fn merge(&mut self, other: &RunResults) {
        for (a, b) in self.routes.iter_mut().zip(&other.routes) {
            a.merge(b);
        }
        for (a, b) in self.stations.iter_mut().zip(&other.stations) {
            a.merge(b);
        }
        for (a, b) in self.transmitters.iter_mut().zip(&other.transmitters) {
            a.merge(b);
        }
        for (a, b) in self.pools.iter_mut().zip(&other.pools) {
            a.merge(b);
        }
        self.replications += other.replications;
        self.events += other.events;
    }
}

/// The 95 % confidence interval of the mean of independent replication
/// results: `x̄ ± t(0.975, n−1) · s / √n` (Student t; Law, *Simulation
/// Modeling and Analysis*, 5th ed., §9.4.1).
///
/// Returns `None` for fewer than two values (no variance estimate), and a
/// zero-width interval when every value is equal.
pub fn mean_ci95(values: &[f64]) -> Option<Interval> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0);
    let half = student_t_975(n as u64 - 1) * (var / nf).sqrt();
    Some(Interval { low: mean - half, high: mean + half })
}

/// The mean difference between two paired series and its 95 % interval;
/// see [`paired_difference`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairedDifference {
    /// Mean of the differences `a[i] − b[i]`; 0 when there are none.
    pub mean: f64,
    /// The 95 % confidence interval of that mean (as [`mean_ci95`]); `None`
    /// with fewer than two pairs.
    pub ci95: Option<Interval>,
}

/// The paired-t comparison of two systems: the mean of `a[i] − b[i]` and
/// its Student-t 95 % interval (Law, *Simulation Modeling and Analysis*,
/// 5th ed., §10.2.1). Pairs are formed by index, so replication `i` of one
/// run meets replication `i` of the other: with common random numbers
/// (same seed, same stream names) the pairs are positively correlated and
/// the interval is narrower than that of two independent means.
///
/// Only the first `min(a.len(), b.len())` pairs are used. With none the
/// mean is 0; with one there is no interval; equal differences give a
/// zero-width interval.
pub fn paired_difference(a: &[f64], b: &[f64]) -> PairedDifference {
    let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let n = diffs.len().max(1) as f64;
    PairedDifference { mean: diffs.iter().sum::<f64>() / n, ci95: mean_ci95(&diffs) }
}

/// MSER truncation point (White, 1997; MSER-5 when applied to batch means
/// of 5, Franklin & White 2008): the number `d` of leading observations
/// whose removal minimises the standard error of the remaining mean,
/// `Σ_{i>d} (y_i − ȳ_d)² / (n − d)²`, searched over `d <= n/2` (beyond
/// that the statistic is unreliable). Returns 0 for fewer than 4 values.
pub fn mser_truncation(y: &[f64]) -> usize {
    let n = y.len();
    if n < 4 {
        return 0;
    }
    // Suffix sums give every candidate in O(n).
    let mut sum = vec![0.0; n + 1];
    let mut sq = vec![0.0; n + 1];
    for i in (0..n).rev() {
        sum[i] = sum[i + 1] + y[i];
        sq[i] = sq[i + 1] + y[i] * y[i];
    }
    let mut best = (f64::INFINITY, 0);
    for d in 0..=n / 2 {
        let k = (n - d) as f64;
        let mean = sum[d] / k;
        let sse = (sq[d] - k * mean * mean).max(0.0);
        let stat = sse / (k * k);
        if stat < best.0 {
            best = (stat, d);
        }
    }
    best.1
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom: exact
/// table values (to 3 decimals) for df ≤ 30, then the Cornish–Fisher
/// expansion around the normal quantile (Abramowitz & Stegun 26.7.5),
/// accurate to about 1e-4 there.
///
/// # Panics
///
/// Panics if `df` is 0.
pub fn student_t_975(df: u64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    assert!(df > 0, "Student t needs at least one degree of freedom");
    if df <= 30 {
        return TABLE[df as usize - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let v = df as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_edge_cases() {
        assert_eq!(mean_ci95(&[]), None);
        assert_eq!(mean_ci95(&[3.0]), None);
        assert_eq!(mean_ci95(&[2.0, 2.0, 2.0]), Some(Interval { low: 2.0, high: 2.0 }));
    }

    #[test]
    fn ci_matches_hand_computation() {
        // mean 2, s = 1, n = 3: half-width 4.303 / sqrt(3).
        let ci = mean_ci95(&[1.0, 2.0, 3.0]).unwrap();
        let half = 4.303 / 3f64.sqrt();
        assert!((ci.low - (2.0 - half)).abs() < 1e-12);
        assert!((ci.high - (2.0 + half)).abs() < 1e-12);
    }

    #[test]
    fn paired_difference_edge_cases() {
        let none = paired_difference(&[], &[1.0]);
        assert_eq!(none, PairedDifference { mean: 0.0, ci95: None });
        let one = paired_difference(&[3.0, 9.0], &[1.0]);
        assert_eq!(one, PairedDifference { mean: 2.0, ci95: None });
        let flat = paired_difference(&[3.0, 4.0, 5.0], &[1.0, 2.0, 3.0]);
        let zero = Interval { low: 2.0, high: 2.0 };
        assert_eq!(flat, PairedDifference { mean: 2.0, ci95: Some(zero) });
    }

    #[test]
    fn paired_difference_matches_hand_computation() {
        // Differences 1, 2, 3: mean 2, s = 1, n = 3, half-width 4.303 / sqrt(3).
        let d = paired_difference(&[11.0, 22.0, 33.0], &[10.0, 20.0, 30.0]);
        assert_eq!(d.mean, 2.0);
        let ci = d.ci95.unwrap();
        let half = 4.303 / 3f64.sqrt();
        assert!((ci.low - (2.0 - half)).abs() < 1e-12);
        assert!((ci.high - (2.0 + half)).abs() < 1e-12);
    }

    #[test]
    fn t_quantiles_are_continuous_past_the_table() {
        // Exact values: t(0.975; 31) = 2.0395, t(0.975; 60) = 2.0003, t(0.975; 120) = 1.9799.
        assert!((student_t_975(31) - 2.0395).abs() < 5e-4);
        assert!((student_t_975(60) - 2.0003).abs() < 5e-4);
        assert!((student_t_975(120) - 1.9799).abs() < 5e-4);
        assert!((student_t_975(1_000_000) - 1.96).abs() < 1e-3);
    }

    #[test]
    fn route_quantiles_never_exceed_the_exact_max() {
        let mut r = RouteStats::new("r", std::iter::empty());
        assert_eq!(r.quantile_ms(0.5), 0.0);
        let v = 1_234_567;
        r.latency.record(v);
        r.completed = 1;
        assert_eq!(r.max_ns(), v);
        // The bucket's top lies above the one sample; the cap brings it back.
        assert!(r.latency.histogram.value_at_quantile(0.5) > v);
        assert_eq!(r.latency.quantile_ns(0.5), v);
        assert_eq!(r.quantile_ms(0.5), r.max_ms());
    }

    /// Issue 13: a route without external stations recorded every latency
    /// into two equal histograms (end to end and platform). It keeps one,
    /// `platform()` reads it, and a merge with a side that keeps its own
    /// platform measure starts that measure from the end-to-end latency.
    #[test]
    fn issue_13_platform_latency_is_kept_once_without_external_stations() {
        let mut plain = RouteStats::new("r", std::iter::empty());
        for v in [1_000, 2_000] {
            plain.latency.record(v);
        }
        assert!(plain.platform.is_none());
        assert_eq!(plain.platform().sum_ns(), 3_000);
        assert_eq!(plain.platform().histogram().len(), 2);
        let mut external = RouteStats::new("r", std::iter::empty()).with_platform();
        external.latency.record(5_000);
        external.platform.as_mut().expect("its own measure").record(500);
        let mut merged = plain.clone();
        merged.merge(&external);
        let p = merged.platform();
        assert_eq!((p.sum_ns(), p.max_ns(), p.histogram().len()), (3_500, 2_000, 3));
        assert_eq!(merged.latency().sum_ns(), 8_000);
        // Two routes without: still one measure.
        plain.merge(&plain.clone());
        assert!(plain.platform.is_none());
        assert_eq!(plain.platform().sum_ns(), 6_000);
    }

    /// Issue 13: every hop's histogram kept 3 digits (270 KB each, written
    /// by every completion). Hops keep 2, routes 3, and a hop's quantile is
    /// within its documented 1 % above the exact sample quantile.
    #[test]
    fn issue_13_hop_histograms_keep_two_digits_and_routes_three() {
        let mut hop = HopStats::new("h");
        let route = RouteStats::new("r", std::iter::empty());
        assert_eq!(hop.time_histogram().sigfig(), HOP_HISTOGRAM_SIGFIG);
        assert_eq!(HOP_HISTOGRAM_SIGFIG, 2);
        assert_eq!(route.histogram().sigfig(), HISTOGRAM_SIGFIG);
        assert_eq!(HISTOGRAM_SIGFIG, 3);
        // Values spread over six decades; the exact sample quantiles by sorting.
        let mut values: Vec<u64> = (1..=20_000u64).map(|i| i * i * 37 % 9_999_991 + 1).collect();
        for &v in &values {
            record(&mut hop.time, v);
        }
        hop.completed = values.len() as u64;
        values.sort_unstable();
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = values[((q * values.len() as f64).ceil() as usize).max(1) - 1] as f64;
            let got = hop.quantile_ms(q) * 1e6;
            assert!(got >= exact && got <= exact * 1.01, "q {q}: {got} vs exact {exact}");
        }
        let small = hop.time_histogram().distinct_values();
        let mut fine = new_histogram(HISTOGRAM_SIGFIG);
        fine.record(9_999_991).unwrap();
        assert!(
            fine.distinct_values() >= 6 * small,
            "{} counts against {small}",
            fine.distinct_values()
        );
    }

    #[test]
    fn utilization_handles_unbounded_and_empty() {
        let r = ResourceStats {
            name: "s".into(),
            busy_ns: 5,
            capacity_ns: None,
            window_ns: 10,
            max_queue: 0,
        };
        assert_eq!(r.utilization(), None);
        assert_eq!(r.busy_mean(), Some(0.5));
        let e = ResourceStats {
            name: "s".into(),
            busy_ns: 0,
            capacity_ns: Some(0),
            window_ns: 0,
            max_queue: 0,
        };
        assert_eq!(e.utilization(), None);
        assert_eq!(e.busy_mean(), None);
    }

    #[test]
    fn mser_cuts_an_initial_ramp_and_nothing_from_a_flat_series() {
        // 20 low values, then a long stable stretch with small noise.
        let mut y: Vec<f64> = (0..20).map(|i| f64::from(i) * 0.1).collect();
        y.extend((0..200).map(|i| 10.0 + if i % 2 == 0 { 0.1 } else { -0.1 }));
        let d = mser_truncation(&y);
        assert!((18..=22).contains(&d), "cut {d}");
        let flat: Vec<f64> = (0..100).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        assert!(mser_truncation(&flat) <= 1);
        assert_eq!(mser_truncation(&[1.0, 2.0]), 0);
    }
}
