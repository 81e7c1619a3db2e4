//! What a route measured, in a form that merges exactly and survives a
//! round trip through JSON (`states.jsonl`, shards, `merge`).

use std::collections::BTreeMap;

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};

use std::borrow::Cow;

use crate::report::cost::StateCost;
use crate::report::rows::Row;
use crate::report::summary::{Accumulators, LatencyAccumulators, Resource, RouteSummary};
use crate::run::RouteRun;
use crate::text::Shown;

/// Why saved states cannot be merged or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// Two states that should be of one point and route are not.
    #[error(
        "cannot merge point {point} route '{}' with point {other_point} route '{}'",
        Shown(route),
        Shown(other_route)
    )]
    Mismatch {
        /// The first state's point.
        point: usize,
        /// The first state's route.
        route: String,
        /// The second state's point.
        other_point: usize,
        /// The second state's route.
        other_route: String,
    },
    /// A replication is in both states.
    #[error(
        "point {point} route '{}': replication {replication} appears twice; merge results of disjoint shards or seeds",
        Shown(route)
    )]
    ReplicationTwice {
        /// The point.
        point: usize,
        /// The route.
        route: String,
        /// The replication.
        replication: u64,
    },
    /// A histogram does not decode.
    #[error(transparent)]
    Histogram(#[from] HistogramError),
    /// Two states of one point and route price it differently (results of
    /// different prices).
    #[error(
        "point {point} route '{}': the states' cost meters differ (run with other prices); merge results of one scenario",
        Shown(route)
    )]
    CostDiffers {
        /// The point.
        point: usize,
        /// The route.
        route: String,
    },
    /// Two histograms do not add up (different ranges or precisions).
    #[error("histograms do not merge: {0}")]
    HistogramsDiffer(String),
}

/// A saved histogram that does not decode.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HistogramError {
    /// The text is not base64.
    #[error("histogram is not base64: {0}")]
    NotBase64(#[from] base64::DecodeError),
    /// The bytes are not a V2 (deflate) HdrHistogram.
    #[error("histogram does not decode: {0}")]
    Decode(String),
}

/// A saved state that contradicts itself or its results directory: an
/// edited, truncated or foreign line of `states.jsonl`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// A decimal-integer field holds something else.
    #[error("{field} is {value:?}, not a decimal integer")]
    NotAnInteger {
        /// The field, e.g. `latency_sum_ns`.
        field: String,
        /// What it holds.
        value: String,
    },
    /// Counts or sums that must agree do not.
    #[error("{0}")]
    Inconsistent(String),
    /// The histogram does not decode.
    #[error(transparent)]
    Histogram(#[from] HistogramError),
}

/// A decimal integer of a saved state: digits only (no sign, no blanks, no
/// fraction), at most 2¹²⁸ − 1.
///
/// # Errors
///
/// [`StateError::NotAnInteger`] naming `field`.
pub fn parse_decimal(field: &str, value: &str) -> Result<u128, StateError> {
    let bad = || StateError::NotAnInteger { field: field.into(), value: value.into() };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    value.parse().map_err(|_| bad())
}

/// Time integrals of one capacity-limited resource a route uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceState {
    /// Station or link name.
    pub name: String,
    /// ∫ busy dt \[server·ns\], as a decimal integer (it may exceed 2⁶⁴).
    pub busy_ns: String,
    /// ∫ capacity dt \[server·ns\], as a decimal integer.
    pub capacity_ns: String,
}

/// Everything one route measured at one point, in a form that merges
/// exactly and survives a round trip through JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteState {
    /// Index of the point in the grid.
    pub point: usize,
    /// The varied values at this point, in `--vary` order.
    pub values: Vec<String>,
    /// The route.
    pub route: String,
    /// Measured arrivals.
    pub offered: u64,
    /// Of those, completed.
    pub completed: u64,
    /// Rejected by a full queue.
    pub rejected: u64,
    /// Still in flight at the route's timeout.
    pub timed_out: u64,
    /// Failed: throttled, or a nested call failed after its retries
    /// (results format 3).
    pub failed: u64,
    /// Retries of nested calls (format 3).
    pub retries: u64,
    /// Requests and call attempts a rate limit throttled (format 3).
    pub throttled: u64,
    /// Still in flight when the overload guard stopped a replication
    /// (`workload.max_in_flight`); absent when none was stopped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unfinished: u64,
    /// Sum of completed latencies \[ns\], as a decimal integer.
    pub latency_sum_ns: String,
    /// Exact maximum latency \[ns\].
    pub max_ns: u64,
    /// Measurement span summed over replications \[ns\], decimal integer.
    pub span_ns: String,
    /// (replication index, mean latency \[ms\]) for each replication.
    pub replication_means_ms: Vec<(u64, f64)>,
    /// Capacity-limited resources on the route.
    pub resources: Vec<ResourceState>,
    /// The end-to-end latency histogram \[ns\], HdrHistogram V2 compressed
    /// (deflate), base64: what HdrHistogram log tools read.
    pub histogram: String,
    /// The platform latency (each completed request's latency minus its
    /// time at the route's backends), kept as the end-to-end latency is.
    pub platform: LatencyState,
    /// The route's cost meters at this point: its fixed charges and its
    /// charge per request (results format 4), which price the throughput.
    pub cost: StateCost,
}

/// One latency measure besides the end-to-end one (the platform
/// latency), in the form of [`RouteState`]'s own fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyState {
    /// Sum of the completed requests' values \[ns\], as a decimal integer.
    pub sum_ns: String,
    /// Exact maximum \[ns\].
    pub max_ns: u64,
    /// (replication index, mean \[ms\]) for each replication.
    pub replication_means_ms: Vec<(u64, f64)>,
    /// The histogram \[ns\], as [`RouteState::histogram`].
    pub histogram: String,
}

impl LatencyState {
    fn of(stats: &sim_core::stats::LatencyStats, first_replication: u64) -> Self {
        LatencyState {
            sum_ns: stats.sum_ns().to_string(),
            max_ns: stats.max_ns(),
            replication_means_ms: numbered(stats.replication_means_ms(), first_replication),
            histogram: encode_histogram(stats.histogram()),
        }
    }

    /// Adds another state's values (other replications of the same route).
    fn merge(&mut self, other: &LatencyState) -> Result<(), MergeError> {
        self.histogram = added(&self.histogram, &other.histogram)?;
        self.sum_ns = (u128_of(&self.sum_ns) + u128_of(&other.sum_ns)).to_string();
        self.max_ns = self.max_ns.max(other.max_ns);
        self.replication_means_ms.extend_from_slice(&other.replication_means_ms);
        self.replication_means_ms.sort_by_key(|(r, _)| *r);
        Ok(())
    }

    fn accumulators(&self) -> Result<LatencyAccumulators<'static>, MergeError> {
        Ok(LatencyAccumulators {
            sum_ns: u128_of(&self.sum_ns),
            max_ns: self.max_ns,
            replication_means_ms: self.replication_means_ms.iter().map(|(_, m)| *m).collect(),
            histogram: Cow::Owned(decode_histogram(&self.histogram)?),
        })
    }
}

/// Per-replication means numbered from `first`.
fn numbered(means: Vec<f64>, first: u64) -> Vec<(u64, f64)> {
    means.into_iter().enumerate().map(|(i, m)| (first + i as u64, m)).collect()
}

/// The sum of two encoded histograms, encoded.
fn added(a: &str, b: &str) -> Result<String, MergeError> {
    let mut h = decode_histogram(a)?;
    h.add(decode_histogram(b)?).map_err(|e| MergeError::HistogramsDiffer(format!("{e:?}")))?;
    Ok(encode_histogram(&h))
}

/// Checks one latency measure of a state against its `completed` count:
/// the histogram decodes and holds `completed` values, its largest bucket
/// holds `max_ns`, the sum lies between `completed` times the smallest
/// value and `completed × max_ns`; the replications are exactly
/// `0..replications`, each mean finite and between 0 and the maximum.
/// Messages name the fields with `prefix` (`""` or `"platform."`).
fn check_measure(
    prefix: &str,
    m: &LatencyState,
    completed: u64,
    replications: u64,
) -> Result<(), StateError> {
    let bad = |m: String| Err(StateError::Inconsistent(m));
    let sum_field =
        if prefix.is_empty() { "latency_sum_ns".to_string() } else { format!("{prefix}sum_ns") };
    let sum = parse_decimal(&sum_field, &m.sum_ns)?;
    let h = decode_histogram(&m.histogram)?;
    if h.len() != completed {
        return bad(format!(
            "the {prefix}histogram holds {} values, completed is {completed}",
            h.len()
        ));
    }
    if completed == 0 {
        if m.max_ns != 0 || sum != 0 {
            return bad(format!(
                "nothing completed, yet {prefix}max_ns is {} and {sum_field} {sum}",
                m.max_ns
            ));
        }
    } else {
        // The engine records max(ns, 1): the histogram's top bucket is
        // that of the exact maximum.
        if !h.equivalent(h.max(), m.max_ns.max(1)) {
            return bad(format!(
                "{prefix}max_ns {} is not in the {prefix}histogram's largest bucket (about {})",
                m.max_ns,
                h.max()
            ));
        }
        let n = u128::from(completed);
        let low = if h.min() > 1 { n * u128::from(h.lowest_equivalent(h.min())) } else { 0 };
        if sum < low || sum > n * u128::from(m.max_ns) {
            return bad(format!(
                "{sum_field} {sum} is outside what {completed} values between the {prefix}histogram's smallest and {prefix}max_ns {} can sum to",
                m.max_ns
            ));
        }
    }
    let reps: Vec<u64> = m.replication_means_ms.iter().map(|(r, _)| *r).collect();
    if !reps.iter().copied().eq(0..replications) {
        return bad(format!(
            "the {prefix}replications are {reps:?}, the manifest says 0..{replications}"
        ));
    }
    let max_ms = m.max_ns as f64 / 1e6;
    if let Some((r, mean)) = m
        .replication_means_ms
        .iter()
        .find(|(_, v)| !v.is_finite() || *v < 0.0 || *v > max_ms * (1.0 + 1e-9) + 1e-9)
    {
        return bad(format!(
            "replication {r} has the {prefix}mean {mean} ms, outside 0..=max {max_ms} ms"
        ));
    }
    Ok(())
}

pub(crate) fn u128_of(s: &str) -> u128 {
    s.parse().unwrap_or(0)
}

/// Encodes a histogram in the standard V2 compressed form, base64.
pub fn encode_histogram(h: &Histogram<u64>) -> String {
    let mut buf = Vec::new();
    V2DeflateSerializer::new().serialize(h, &mut buf).expect("serialising to memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(buf)
}

/// Decodes [`encode_histogram`]'s output.
///
/// # Errors
///
/// Fails on bad base64 or a bad histogram encoding.
pub fn decode_histogram(s: &str) -> Result<Histogram<u64>, HistogramError> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s.trim())?;
    let mut h: Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| HistogramError::Decode(format!("{e:?}")))?;
    // As the engine's: it grows to take a merged histogram's larger values.
    h.auto(true);
    Ok(h)
}

impl RouteState {
    /// Checks a state read back from a results directory against itself
    /// and what its directory says: every decimal field is a decimal
    /// integer; `offered = completed + rejected + timed_out + failed +
    /// unfinished`; a request fails only by a throttle or a failed call
    /// (`failed > 0` needs `throttled > 0` or a nested call, which a
    /// state does not record, so only `throttled <= offered + retries`
    /// per call is not checked: a route may make several calls);
    /// for the end-to-end latency and for the platform latency alike, the
    /// histogram decodes and holds `completed` values, its largest bucket
    /// holds the maximum, and the sum lies between `completed` times the
    /// smallest value and `completed ×` the maximum; the replications are
    /// exactly `0..replications`, each mean finite and between 0 and the
    /// maximum; the platform latency's sum, maximum and replication means
    /// are at most the latency's; every resource was busy at most its capacity, each named
    /// once; the cost meters are finite and not negative; the varied
    /// values are `values`.
    ///
    /// # Errors
    ///
    /// The first disagreement found, saying what disagrees.
    pub fn check(&self, replications: u64, values: &[String]) -> Result<(), StateError> {
        let bad = |m: String| Err(StateError::Inconsistent(m));
        if self.values != values {
            return bad(format!(
                "point {} has the varied values {:?}, the grid of the manifest has {:?} there",
                self.point, self.values, values
            ));
        }
        parse_decimal("span_ns", &self.span_ns)?;
        let total = self
            .completed
            .checked_add(self.rejected)
            .and_then(|n| n.checked_add(self.timed_out))
            .and_then(|n| n.checked_add(self.failed))
            .and_then(|n| n.checked_add(self.unfinished));
        if total != Some(self.offered) {
            return bad(format!(
                "offered {} is not completed {} + rejected {} + timed_out {} + failed {} + unfinished {}",
                self.offered,
                self.completed,
                self.rejected,
                self.timed_out,
                self.failed,
                self.unfinished
            ));
        }
        check_measure("", &self.end_to_end(), self.completed, replications)?;
        check_measure("platform.", &self.platform, self.completed, replications)?;
        // A request's platform latency is its latency minus its time at the
        // backends: never more, in sum and at the maximum.
        let (sum, platform_sum) = (u128_of(&self.latency_sum_ns), u128_of(&self.platform.sum_ns));
        if platform_sum > sum || self.platform.max_ns > self.max_ns {
            return bad(format!(
                "the platform latency (sum {platform_sum} ns, max {} ns) exceeds the latency (sum {sum} ns, max {} ns) it is part of",
                self.platform.max_ns, self.max_ns
            ));
        }
        if let Some(((r, m), (_, p))) = self
            .replication_means_ms
            .iter()
            .zip(&self.platform.replication_means_ms)
            .find(|((_, m), (_, p))| *p > *m * (1.0 + 1e-9) + 1e-9)
        {
            return bad(format!(
                "replication {r} has the platform mean {p} ms, above its mean latency {m} ms"
            ));
        }
        for (field, v) in [
            ("cost.usd_per_h", self.cost.usd_per_h),
            ("cost.usd_per_request", self.cost.usd_per_request),
        ] {
            if !v.is_finite() || v < 0.0 {
                return bad(format!("{field} is {v}, not a price (finite and >= 0)"));
            }
        }
        for (i, r) in self.resources.iter().enumerate() {
            let busy = parse_decimal(&format!("resources[{i}].busy_ns"), &r.busy_ns)?;
            let capacity = parse_decimal(&format!("resources[{i}].capacity_ns"), &r.capacity_ns)?;
            if busy > capacity {
                return bad(format!(
                    "resource '{}' was busy {busy} server·ns, more than its capacity {capacity}",
                    Shown(&r.name)
                ));
            }
            if self.resources[..i].iter().any(|o| o.name == r.name) {
                return bad(format!("resource '{}' appears twice", Shown(&r.name)));
            }
        }
        Ok(())
    }

    /// Captures route `run` of a live run at sweep point `point`, with its
    /// cost meters (`report::state_costs`).
    pub fn from_run(
        point: usize,
        values: &[String],
        run: &RouteRun<'_>,
        first_replication: u64,
        cost: StateCost,
    ) -> Self {
        let stats = run.stats();
        RouteState {
            point,
            values: values.to_vec(),
            route: stats.name().to_string(),
            offered: stats.offered(),
            completed: stats.completed(),
            rejected: stats.rejected(),
            timed_out: stats.timed_out(),
            failed: stats.failed(),
            retries: stats.retries(),
            throttled: stats.throttled(),
            unfinished: stats.unfinished(),
            latency_sum_ns: stats.latency_sum_ns().to_string(),
            max_ns: stats.max_ns(),
            span_ns: stats.span_ns().to_string(),
            replication_means_ms: numbered(stats.replication_means_ms(), first_replication),
            resources: Resource::on_route(run)
                .into_iter()
                .map(|r| ResourceState {
                    name: r.name,
                    busy_ns: r.busy_ns.to_string(),
                    capacity_ns: r.capacity_ns.to_string(),
                })
                .collect(),
            histogram: encode_histogram(stats.histogram()),
            platform: LatencyState::of(stats.platform(), first_replication),
            cost,
        }
    }

    /// The end-to-end fields as a [`LatencyState`].
    fn end_to_end(&self) -> LatencyState {
        LatencyState {
            sum_ns: self.latency_sum_ns.clone(),
            max_ns: self.max_ns,
            replication_means_ms: self.replication_means_ms.clone(),
            histogram: self.histogram.clone(),
        }
    }

    /// Adds another state of the same point and route (other replications).
    ///
    /// # Errors
    ///
    /// Fails when the point or route differ, a replication appears in both,
    /// or a histogram does not decode.
    pub fn merge(&mut self, other: &RouteState) -> Result<(), MergeError> {
        if self.point != other.point || self.route != other.route || self.values != other.values {
            return Err(MergeError::Mismatch {
                point: self.point,
                route: self.route.clone(),
                other_point: other.point,
                other_route: other.route.clone(),
            });
        }
        if self.cost != other.cost {
            return Err(MergeError::CostDiffers { point: self.point, route: self.route.clone() });
        }
        if let Some((rep, _)) = other
            .replication_means_ms
            .iter()
            .find(|(r, _)| self.replication_means_ms.iter().any(|(s, _)| s == r))
        {
            return Err(MergeError::ReplicationTwice {
                point: self.point,
                route: self.route.clone(),
                replication: *rep,
            });
        }
        self.histogram = added(&self.histogram, &other.histogram)?;
        self.platform.merge(&other.platform)?;
        self.offered += other.offered;
        self.completed += other.completed;
        self.rejected += other.rejected;
        self.timed_out += other.timed_out;
        self.failed += other.failed;
        self.retries += other.retries;
        self.throttled += other.throttled;
        self.unfinished += other.unfinished;
        self.latency_sum_ns =
            (u128_of(&self.latency_sum_ns) + u128_of(&other.latency_sum_ns)).to_string();
        self.max_ns = self.max_ns.max(other.max_ns);
        self.span_ns = (u128_of(&self.span_ns) + u128_of(&other.span_ns)).to_string();
        self.replication_means_ms.extend_from_slice(&other.replication_means_ms);
        self.replication_means_ms.sort_by_key(|(r, _)| *r);
        for r in &other.resources {
            match self.resources.iter_mut().find(|s| s.name == r.name) {
                Some(s) => {
                    s.busy_ns = (u128_of(&s.busy_ns) + u128_of(&r.busy_ns)).to_string();
                    s.capacity_ns = (u128_of(&s.capacity_ns) + u128_of(&r.capacity_ns)).to_string();
                }
                None => self.resources.push(r.clone()),
            }
        }
        Ok(())
    }

    /// The summary of this state.
    ///
    /// # Errors
    ///
    /// Fails when the histogram does not decode.
    pub fn summary(&self) -> Result<RouteSummary<'_>, MergeError> {
        let histogram = decode_histogram(&self.histogram)?;
        Ok(RouteSummary::new(Accumulators {
            name: &self.route,
            offered: self.offered,
            completed: self.completed,
            rejected: self.rejected,
            timed_out: self.timed_out,
            failed: self.failed,
            retries: self.retries,
            throttled: self.throttled,
            latency_sum_ns: u128_of(&self.latency_sum_ns),
            max_ns: self.max_ns,
            span_ns: u128_of(&self.span_ns),
            replication_means_ms: self.replication_means_ms.iter().map(|(_, m)| *m).collect(),
            histogram: Cow::Owned(histogram),
            platform: self.platform.accumulators()?,
            resources: self
                .resources
                .iter()
                .map(|r| Resource {
                    name: r.name.clone(),
                    busy_ns: u128_of(&r.busy_ns),
                    capacity_ns: u128_of(&r.capacity_ns),
                })
                .collect(),
        }))
    }

    /// The row a sweep prints for this state.
    ///
    /// # Errors
    ///
    /// Fails when the histogram does not decode.
    pub fn row(&self) -> Result<Row, MergeError> {
        let mut row = Row::of(self.point, &self.values, &self.summary()?);
        row.cost_per_month_usd = Some(self.cost.per_month(row.throughput_per_s));
        row.cost_per_million_usd = self.cost.per_million(row.throughput_per_s);
        Ok(row)
    }
}

/// Joins states of the same (point, route) and orders them by point, then
/// by route order of first appearance.
///
/// # Errors
///
/// Fails when two states of one key cannot merge.
pub fn merge_states(states: Vec<RouteState>) -> Result<Vec<RouteState>, MergeError> {
    let mut route_order: Vec<String> = Vec::new();
    let mut by_key: BTreeMap<(usize, usize), RouteState> = BTreeMap::new();
    for s in states {
        let r = match route_order.iter().position(|x| *x == s.route) {
            Some(i) => i,
            None => {
                route_order.push(s.route.clone());
                route_order.len() - 1
            }
        };
        match by_key.get_mut(&(s.point, r)) {
            Some(existing) => existing.merge(&s)?,
            None => {
                by_key.insert((s.point, r), s);
            }
        }
    }
    Ok(by_key.into_values().collect())
}

/// Whether a count is zero (a field left out of the saved line).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_round_trip_through_base64() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        for v in [1, 1000, 123_456, 9_999_999] {
            h.record(v).unwrap();
        }
        let back = decode_histogram(&encode_histogram(&h)).unwrap();
        assert_eq!(back, h);
    }
}
