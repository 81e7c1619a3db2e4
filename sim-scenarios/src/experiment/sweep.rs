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

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::report::state::RouteState;
use crate::run::Twins;

/// Most points a sweep may have.
pub const MAX_POINTS: usize = 100_000;

/// A bad `--vary` or `--shard`.
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
            // Counted in f64 first: a huge range must not overflow usize.
            let steps = ((b - a) / st + 1e-9).floor() + 1.0;
            if steps.is_nan() || steps > MAX_POINTS as f64 {
                return Err(err(&format!("{} values; at most {MAX_POINTS}", fmt_count(steps))));
            }
            let n = steps as usize;
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

/// A count that may be beyond any integer, as a person reads it.
fn fmt_count(n: f64) -> String {
    if n < 1e15 { format!("{n}") } else { format!("{n:e}") }
}

/// A range value as a person writes it: `2500`, not `2500.0000000001`.
pub(crate) fn format_number(v: f64) -> String {
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

/// What a sweep reports while it runs, from any thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepProgress {
    /// A replication of one route of a point finished (the unit a
    /// progress bar counts, so it moves from the first seconds).
    Replication,
    /// Every replication of a point finished.
    Point,
}

/// Runs the points of `shard` of the grid over `base` (a scenario document
/// after `--set`) and returns their states in point order. Points run in
/// parallel on the current rayon pool, each with the scenario's seed and
/// replications; `on_progress` is called after each route replication and
/// after each point.
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
    on_progress: &(dyn Fn(SweepProgress) + Sync),
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
            let r = run_point(file, base, varies, *i, values, &|| {
                on_progress(SweepProgress::Replication)
            });
            on_progress(SweepProgress::Point);
            r
        })
        .collect();
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

pub(crate) fn run_point(
    file: &std::path::Path,
    base: &Value,
    varies: &[Vary],
    point: usize,
    values: &[String],
    on_replication_done: &(dyn Fn() + Sync),
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
        crate::file::overrides::set_path(&mut doc, &v.path, x).map_err(|e| {
            fail(Box::new(crate::file::overrides::OverrideError {
                path: format!("--vary {}", e.path),
                message: e.message,
            }))
        })?;
    }
    let scenario =
        crate::compile::Scenario::from_value(file, doc).map_err(|e| fail(Box::new(e)))?;
    let spec = scenario.spec();
    let opts = sim_core::RunOptions::new(spec.seed, spec.replications);
    // Rows carry no authorisation cost: the twins are not run.
    let sims = crate::run::simulate(&scenario, &opts, Twins::Skip, on_replication_done)
        .map_err(|e| fail(Box::new(e)))?;
    let costs = crate::report::state_costs(&scenario);
    Ok(sims
        .routes(&scenario)
        .iter()
        .zip(costs)
        .map(|(run, cost)| RouteState::from_run(point, values, run, opts.first_replication, cost))
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
        // Issue 10 (fuzz): a range of more steps than usize holds overflowed.
        let e = Vary::parse("x=0..1e308:5e-324").unwrap_err().to_string();
        assert!(e.contains("values; at most"), "{e}");
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
}
