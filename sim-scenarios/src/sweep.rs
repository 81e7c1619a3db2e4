//! Parameter sweeps, shards, and results that merge exactly.
//!
//! A sweep varies scenario fields (by JSON path, as `--set` does) over a
//! grid of points. Every point runs with the scenario's seed (common random
//! numbers across points, so differences between points are not noise).
//! What a point measures for a route is kept as a [`RouteState`]: integer
//! counters and sums, per-replication means and the HdrHistogram itself,
//! so that states of the same point and route merge exactly, and rows
//! (mean, percentiles, throughput, bottleneck) are always computed from a
//! state — whether it came from one process or from shards joined later.

use std::collections::BTreeMap;

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_core::stats::mean_ci95;
use sim_core::{Model, RunResults};

/// Most points a sweep may have.
pub const MAX_POINTS: usize = 100_000;

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

/// One varied field: a JSON path and the values it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vary {
    /// The JSON path, as `--set` takes it.
    pub path: String,
    /// The values, as text (read as JSON when they parse, like `--set`).
    pub values: Vec<String>,
}

impl Vary {
    /// Parses `PATH=V1,V2,...` or `PATH=START..END:STEP` (END included
    /// when the steps land on it).
    ///
    /// # Errors
    ///
    /// Fails on a missing `=`, an empty list, a range whose numbers do not
    /// parse, a step that is not positive, or more than [`MAX_POINTS`] values.
    pub fn parse(spec: &str) -> Result<Self, SweepError> {
        let err = |message: &str| SweepError::Vary { spec: spec.into(), message: message.into() };
        let (path, rhs) = spec
            .split_once('=')
            .filter(|(p, _)| !p.trim().is_empty())
            .ok_or_else(|| err("expected PATH=V1,V2,... or PATH=START..END:STEP"))?;
        let values = if let Some((range, step)) = rhs.split_once(':')
            && let Some((start, end)) = range.split_once("..")
        {
            let num = |s: &str, what: &str| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| err(&format!("{what} '{s}' is not a number")))
            };
            let (a, b, st) = (num(start, "START")?, num(end, "END")?, num(step, "STEP")?);
            if st <= 0.0 {
                return Err(err("STEP must be > 0"));
            }
            if b < a {
                return Err(err("END must not be below START"));
            }
            let n = ((b - a) / st + 1e-9).floor() as usize + 1;
            if n > MAX_POINTS {
                return Err(err(&format!("{n} values; at most {MAX_POINTS}")));
            }
            (0..n).map(|i| format_number(a + st * i as f64)).collect()
        } else {
            rhs.split(',').map(|v| v.trim().to_string()).collect::<Vec<_>>()
        };
        if values.is_empty() || values.iter().any(String::is_empty) {
            return Err(err("empty value in the list"));
        }
        Ok(Vary { path: path.trim().to_string(), values })
    }
}

/// A range value as a person writes it: `2500`, not `2500.0000000001`.
fn format_number(v: f64) -> String {
    let rounded = (v * 1e9).round() / 1e9;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

/// Every point of the grid, the first `--vary` varying slowest; one empty
/// point when nothing varies.
///
/// # Errors
///
/// Fails when the grid has more than [`MAX_POINTS`] points.
pub fn grid(varies: &[Vary]) -> Result<Vec<Vec<String>>, SweepError> {
    let size = varies.iter().try_fold(1usize, |n, v| n.checked_mul(v.values.len()));
    if size.is_none_or(|n| n > MAX_POINTS) {
        return Err(SweepError::Vary {
            spec: varies.iter().map(|v| v.path.as_str()).collect::<Vec<_>>().join(" × "),
            message: format!("the grid has more than {MAX_POINTS} points"),
        });
    }
    let mut points = vec![Vec::new()];
    for v in varies {
        points = points
            .into_iter()
            .flat_map(|p| {
                v.values.iter().map(move |x| {
                    let mut q = p.clone();
                    q.push(x.clone());
                    q
                })
            })
            .collect();
    }
    Ok(points)
}

/// `--shard K/N`: this process runs the points whose index is K modulo N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// K, from 0.
    pub index: usize,
    /// N.
    pub count: usize,
}

impl Shard {
    /// The whole sweep in one process.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `K/N`.
    ///
    /// # Errors
    ///
    /// Fails unless `0 <= K < N`.
    pub fn parse(spec: &str) -> Result<Self, SweepError> {
        let err = || SweepError::Shard { spec: spec.into() };
        let (k, n) = spec.split_once('/').ok_or_else(err)?;
        let (index, count) = (
            k.trim().parse::<usize>().map_err(|_| err())?,
            n.trim().parse::<usize>().map_err(|_| err())?,
        );
        if count == 0 || index >= count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }

    /// Whether point `i` belongs to this shard. Points are dealt round-robin,
    /// so shards get similar loads when cost grows along a range.
    pub fn owns(&self, point: usize) -> bool {
        point % self.count == self.index
    }
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

fn u128_of(s: &str) -> u128 {
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

fn push_resource(out: &mut Vec<ResourceState>, name: &str, busy: u128, cap: u128) {
    // A station crossed twice is one resource.
    if out.iter().all(|r| r.name != name) {
        out.push(ResourceState {
            name: name.to_string(),
            busy_ns: busy.to_string(),
            capacity_ns: cap.to_string(),
        });
    }
}

/// One line of sweep output: a point and a route.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Row {
    pub point: usize,
    pub values: Vec<String>,
    pub route: String,
    pub offered: u64,
    pub completed: u64,
    pub rejected: u64,
    pub timed_out: u64,
    pub mean_ms: f64,
    pub mean_ci95_ms: Option<[f64; 2]>,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub throughput_per_s: f64,
    pub bottleneck: Option<String>,
    pub bottleneck_utilization: Option<f64>,
}

/// The fixed columns of sweep CSV, after `point`, the varied paths and
/// `route`.
pub const ROW_COLUMNS: &[&str] = &[
    "offered",
    "completed",
    "rejected",
    "timed_out",
    "mean_ms",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "p999_ms",
    "max_ms",
    "throughput_per_s",
    "bottleneck",
    "bottleneck_utilization",
];

/// A CSV field, quoted when it needs to be (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV header: `point`, each varied path, `route`, then [`ROW_COLUMNS`].
pub fn csv_header(paths: &[String]) -> String {
    let mut cols = vec!["point".to_string()];
    cols.extend(paths.iter().map(|p| csv_field(p)));
    cols.push("route".into());
    cols.extend(ROW_COLUMNS.iter().map(|c| c.to_string()));
    cols.join(",")
}

impl Row {
    /// The row as CSV (same columns as [`csv_header`]).
    pub fn to_csv(&self) -> String {
        let opt = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
        let mut cols = vec![self.point.to_string()];
        cols.extend(self.values.iter().map(|v| csv_field(v)));
        cols.push(csv_field(&self.route));
        cols.extend([
            self.offered.to_string(),
            self.completed.to_string(),
            self.rejected.to_string(),
            self.timed_out.to_string(),
            self.mean_ms.to_string(),
            self.p50_ms.to_string(),
            self.p90_ms.to_string(),
            self.p99_ms.to_string(),
            self.p999_ms.to_string(),
            self.max_ms.to_string(),
            self.throughput_per_s.to_string(),
            csv_field(self.bottleneck.as_deref().unwrap_or("")),
            opt(self.bottleneck_utilization),
        ]);
        cols.join(",")
    }

    /// The row as one JSON object (JSON Lines): `point`, `values` (path →
    /// value, read as JSON where it parses), `route`, then the columns of
    /// [`ROW_COLUMNS`] and `mean_ci95_ms`.
    pub fn to_json(&self, paths: &[String]) -> Value {
        let values: serde_json::Map<String, Value> = paths
            .iter()
            .zip(&self.values)
            .map(|(p, v)| {
                (p.clone(), serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.clone())))
            })
            .collect();
        let mut m = BTreeMap::new();
        m.insert("point", Value::from(self.point));
        m.insert("values", Value::Object(values));
        m.insert("route", Value::from(self.route.clone()));
        m.insert("offered", Value::from(self.offered));
        m.insert("completed", Value::from(self.completed));
        m.insert("rejected", Value::from(self.rejected));
        m.insert("timed_out", Value::from(self.timed_out));
        m.insert("mean_ms", Value::from(self.mean_ms));
        m.insert(
            "mean_ci95_ms",
            self.mean_ci95_ms.map_or(Value::Null, |[a, b]| Value::from(vec![a, b])),
        );
        m.insert("p50_ms", Value::from(self.p50_ms));
        m.insert("p90_ms", Value::from(self.p90_ms));
        m.insert("p99_ms", Value::from(self.p99_ms));
        m.insert("p999_ms", Value::from(self.p999_ms));
        m.insert("max_ms", Value::from(self.max_ms));
        m.insert("throughput_per_s", Value::from(self.throughput_per_s));
        m.insert("bottleneck", self.bottleneck.clone().map_or(Value::Null, Value::from));
        m.insert(
            "bottleneck_utilization",
            self.bottleneck_utilization.map_or(Value::Null, Value::from),
        );
        serde_json::to_value(m).expect("a map of JSON values serialises")
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

/// A point that could not run: its values and why.
#[derive(Debug)]
pub struct PointError {
    /// Which run: "sweep point 3", "capacity search, route red".
    pub what: String,
    /// Index of the point.
    pub point: usize,
    /// `path=value` pairs of the point.
    pub values: String,
    /// What went wrong.
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for PointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.values.is_empty() {
            write!(f, "{}", self.what)
        } else {
            write!(f, "{} ({})", self.what, self.values)
        }
    }
}

impl std::error::Error for PointError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

/// Runs the points of `shard` of the grid over `base` (a scenario document
/// after `--set`) and returns their states in point order. Points run in
/// parallel on the current rayon pool, each with the scenario's seed and
/// replications; `on_point_done` is called after each.
///
/// # Errors
///
/// Fails on the first point (in point order) whose overrides make the
/// scenario invalid or whose run fails.
pub fn run_sweep(
    file: &std::path::Path,
    base: &Value,
    varies: &[Vary],
    shard: Shard,
    on_point_done: &(dyn Fn() + Sync),
) -> Result<Vec<RouteState>, PointError> {
    use rayon::prelude::*;
    let points = grid(varies).map_err(|e| PointError {
        what: "sweep grid".into(),
        point: 0,
        values: String::new(),
        source: Box::new(e),
    })?;
    let mine: Vec<(usize, &Vec<String>)> =
        points.iter().enumerate().filter(|(i, _)| shard.owns(*i)).collect();
    let results: Vec<Result<Vec<RouteState>, PointError>> = mine
        .par_iter()
        .map(|(i, values)| {
            let r = run_point(file, base, varies, *i, values);
            on_point_done();
            r
        })
        .collect();
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

fn run_point(
    file: &std::path::Path,
    base: &Value,
    varies: &[Vary],
    point: usize,
    values: &[String],
) -> Result<Vec<RouteState>, PointError> {
    let fail = |source: Box<dyn std::error::Error + Send + Sync>| PointError {
        what: format!("sweep point {point}"),
        point,
        values: varies
            .iter()
            .zip(values)
            .map(|(v, x)| format!("{}={x}", v.path))
            .collect::<Vec<_>>()
            .join(", "),
        source,
    };
    let mut doc = base.clone();
    for (v, x) in varies.iter().zip(values) {
        crate::overrides::set_path(&mut doc, &v.path, x).map_err(|e| {
            fail(Box::new(crate::overrides::OverrideError {
                path: format!("--vary {}", e.path),
                message: e.message,
            }))
        })?;
    }
    let scenario =
        crate::compile::Scenario::from_value(file, doc).map_err(|e| fail(Box::new(e)))?;
    let spec = scenario.spec();
    let opts = sim_core::RunOptions::new(spec.seed, spec.replications);
    let sims = crate::report::simulate(&scenario, &opts, &|| {}).map_err(|e| fail(Box::new(e)))?;
    Ok(crate::report::route_views(&scenario, &sims)
        .into_iter()
        .map(|(model, results, index)| {
            RouteState::from_results(point, values, model, results, index, opts.first_replication)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_lists_and_ranges() {
        let v = Vary::parse("workload.arrival.rate_per_s=1000,2000").unwrap();
        assert_eq!(v.values, ["1000", "2000"]);
        let v = Vary::parse("nodes.apim.units=1..4:1").unwrap();
        assert_eq!(v.values, ["1", "2", "3", "4"]);
        let v = Vary::parse("x=0.1..0.3:0.1").unwrap();
        assert_eq!(v.values, ["0.1", "0.2", "0.3"]);
        assert!(Vary::parse("x").is_err());
        assert!(Vary::parse("x=1..3:0").is_err());
        assert!(Vary::parse("x=3..1:1").is_err());
        assert!(Vary::parse("x=a..3:1").is_err());
        assert!(Vary::parse("x=1,,2").is_err());
    }

    #[test]
    fn grid_is_a_cartesian_product_first_slowest() {
        let a = Vary::parse("a=1,2").unwrap();
        let b = Vary::parse("b=x,y,z").unwrap();
        let g = grid(&[a, b]).unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], ["1", "x"]);
        assert_eq!(g[1], ["1", "y"]);
        assert_eq!(g[3], ["2", "x"]);
        assert_eq!(grid(&[]).unwrap(), vec![Vec::<String>::new()]);
    }

    #[test]
    fn shards_partition_the_points() {
        assert!(Shard::parse("2/2").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("x/2").is_err());
        let shards: Vec<Shard> = (0..3).map(|k| Shard::parse(&format!("{k}/3")).unwrap()).collect();
        for p in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.owns(p)).count(), 1);
        }
    }

    #[test]
    fn histograms_round_trip_through_base64() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        for v in [1, 1000, 123_456, 9_999_999] {
            h.record(v).unwrap();
        }
        let back = decode_histogram(&encode_histogram(&h)).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
