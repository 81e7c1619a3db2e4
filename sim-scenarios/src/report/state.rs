//! What a route measured, in a form that merges exactly and survives a
//! round trip through JSON (`states.jsonl`, shards, `merge`).

use std::collections::BTreeMap;

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};
use sim_core::stats::mean_ci95;
use sim_core::{Model, RunResults};

use crate::report::rows::Row;

/// A bad `--vary`, `--shard` or merge input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// `--vary` is not `PATH=V1,V2,...` or `PATH=START..END:STEP`.
    #[error("--vary {spec}: {message}")]
    Vary {
        /// The argument as given.
        spec: String,
        /// What is wrong.
        message: String,
    },
    /// `--shard` is not `K/N` with `0 <= K < N`.
    #[error(
        "--shard {spec}: expected K/N with 0 <= K < N (K counts from 0, like a Kubernetes completion index)"
    )]
    Shard {
        /// The argument as given.
        spec: String,
    },
    /// Two states of one point and route cannot be merged, or the saved
    /// results are not of one sweep.
    #[error("{0}")]
    Merge(String),
}

/// Time integrals of one capacity-limited resource a route uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub fn decode_histogram(s: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| format!("histogram is not base64: {e}"))?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("histogram does not decode: {e:?}"))
}

impl RouteState {
    /// Captures route `index` of a run of `model`.
    pub fn from_results(
        point: usize,
        values: &[String],
        model: &Model,
        results: &RunResults,
        index: usize,
        first_replication: u64,
    ) -> Self {
        let stats = &results.routes()[index];
        let route = &model.routes()[index];
        let mut resources = Vec::new();
        for hop in route.hops() {
            if let Some(s) = hop.station() {
                let st = &results.stations()[s.index()];
                if let Some(cap) = st.capacity_ns() {
                    push_resource(&mut resources, st.name(), st.busy_ns(), cap);
                }
            }
            if let Some((l, _)) = hop.link()
                && model.links()[l.index()].bandwidth_bps().is_some()
            {
                // The busier direction stands for the link.
                let t = results.transmitters();
                let (f, b) = (&t[2 * l.index()], &t[2 * l.index() + 1]);
                let busier = if f.busy_ns() >= b.busy_ns() { f } else { b };
                push_resource(
                    &mut resources,
                    model.links()[l.index()].name(),
                    busier.busy_ns(),
                    busier.capacity_ns().unwrap_or(0),
                );
            }
        }
        RouteState {
            point,
            values: values.to_vec(),
            route: stats.name().to_string(),
            offered: stats.offered(),
            completed: stats.completed(),
            rejected: stats.rejected(),
            timed_out: stats.timed_out(),
            latency_sum_ns: stats.latency_sum_ns().to_string(),
            max_ns: stats.max_ns(),
            span_ns: stats.span_ns().to_string(),
            replication_means_ms: stats
                .replication_means_ms()
                .into_iter()
                .enumerate()
                .map(|(i, m)| (first_replication + i as u64, m))
                .collect(),
            resources,
            histogram: encode_histogram(stats.histogram()),
        }
    }

    /// Adds another state of the same point and route (other replications).
    ///
    /// # Errors
    ///
    /// Fails when the point or route differ, a replication appears in both,
    /// or a histogram does not decode.
    pub fn merge(&mut self, other: &RouteState) -> Result<(), SweepError> {
        if self.point != other.point || self.route != other.route || self.values != other.values {
            return Err(SweepError::Merge(format!(
                "cannot merge point {} route '{}' with point {} route '{}'",
                self.point, self.route, other.point, other.route
            )));
        }
        if let Some((rep, _)) = other
            .replication_means_ms
            .iter()
            .find(|(r, _)| self.replication_means_ms.iter().any(|(s, _)| s == r))
        {
            return Err(SweepError::Merge(format!(
                "point {} route '{}': replication {rep} appears twice; merge results of disjoint shards or seeds",
                self.point, self.route
            )));
        }
        let mut h = decode_histogram(&self.histogram).map_err(SweepError::Merge)?;
        h.add(decode_histogram(&other.histogram).map_err(SweepError::Merge)?)
            .map_err(|e| SweepError::Merge(format!("histograms do not merge: {e:?}")))?;
        self.histogram = encode_histogram(&h);
        self.offered += other.offered;
        self.completed += other.completed;
        self.rejected += other.rejected;
        self.timed_out += other.timed_out;
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

    /// The row a sweep prints for this state.
    ///
    /// # Errors
    ///
    /// Fails when the histogram does not decode.
    pub fn row(&self) -> Result<Row, SweepError> {
        let h = decode_histogram(&self.histogram).map_err(SweepError::Merge)?;
        let q = |p: f64| {
            if self.completed == 0 {
                0.0
            } else {
                (h.value_at_quantile(p).min(self.max_ns)) as f64 / 1e6
            }
        };
        let sum = u128_of(&self.latency_sum_ns) as f64;
        let span = u128_of(&self.span_ns) as f64;
        let bottleneck = self
            .resources
            .iter()
            .filter_map(|r| {
                let cap = u128_of(&r.capacity_ns);
                (cap > 0).then(|| (r.name.clone(), u128_of(&r.busy_ns) as f64 / cap as f64))
            })
            .fold(None::<(String, f64)>, |best, (n, u)| match best {
                Some((_, bu)) if bu >= u => best,
                _ => Some((n, u)),
            });
        let means: Vec<f64> = self.replication_means_ms.iter().map(|(_, m)| *m).collect();
        Ok(Row {
            point: self.point,
            values: self.values.clone(),
            route: self.route.clone(),
            offered: self.offered,
            completed: self.completed,
            rejected: self.rejected,
            timed_out: self.timed_out,
            mean_ms: if self.completed == 0 { 0.0 } else { sum / self.completed as f64 / 1e6 },
            mean_ci95_ms: mean_ci95(&means).map(|i| [i.low, i.high]),
            p50_ms: q(0.5),
            p90_ms: q(0.9),
            p99_ms: q(0.99),
            p999_ms: q(0.999),
            max_ms: self.max_ns as f64 / 1e6,
            throughput_per_s: if span == 0.0 { 0.0 } else { self.completed as f64 / (span / 1e9) },
            bottleneck_utilization: bottleneck.as_ref().map(|b| b.1),
            bottleneck: bottleneck.map(|b| b.0),
        })
    }
}

pub(crate) fn push_resource(out: &mut Vec<ResourceState>, name: &str, busy: u128, cap: u128) {
    // A station crossed twice is one resource.
    if out.iter().all(|r| r.name != name) {
        out.push(ResourceState {
            name: name.to_string(),
            busy_ns: busy.to_string(),
            capacity_ns: cap.to_string(),
        });
    }
}

/// Joins states of the same (point, route) and orders them by point, then
/// by route order of first appearance.
///
/// # Errors
///
/// Fails when two states of one key cannot merge.
pub fn merge_states(states: Vec<RouteState>) -> Result<Vec<RouteState>, SweepError> {
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
