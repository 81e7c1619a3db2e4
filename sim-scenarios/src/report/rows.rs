//! One summary line per point and route: CSV and JSON Lines.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::report::summary::RouteSummary;

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
    pub failed: u64,
    pub retries: u64,
    pub throttled: u64,
    pub mean_ms: Option<f64>,
    pub mean_ci95_ms: Option<[f64; 2]>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub platform_mean_ms: Option<f64>,
    pub platform_mean_ci95_ms: Option<[f64; 2]>,
    pub platform_p50_ms: Option<f64>,
    pub platform_p99_ms: Option<f64>,
    pub throughput_per_s: f64,
    pub bottleneck: Option<String>,
    pub bottleneck_utilization: Option<f64>,
    pub stable: bool,
    /// Cost per month at the throughput \[USD\] (list prices: an
    /// estimate); `None` for a row made without the route's cost meters.
    pub cost_per_month_usd: Option<f64>,
    /// Cost per million completed requests \[USD\]; `None` when none
    /// completed.
    pub cost_per_million_usd: Option<f64>,
}

/// The fixed columns of sweep CSV, after `point`, the varied paths and
/// `route`.
pub const ROW_COLUMNS: &[&str] = &[
    "offered",
    "completed",
    "rejected",
    "timed_out",
    "failed",
    "retries",
    "throttled",
    "mean_ms",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "p999_ms",
    "max_ms",
    "platform_mean_ms",
    "platform_p50_ms",
    "platform_p99_ms",
    "throughput_per_s",
    "bottleneck",
    "bottleneck_utilization",
    "stable",
    "cost_per_month_usd",
    "cost_per_million_usd",
];

/// A CSV field, quoted when it needs to be (RFC 4180).
pub(crate) fn csv_field(s: &str) -> String {
    // A name printed to a terminal: control characters as visible escapes.
    let s = crate::text::escape(s);
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
    /// The row of `summary` at sweep point `point` with `values`.
    pub fn of(point: usize, values: &[String], summary: &RouteSummary<'_>) -> Self {
        let acc = summary.accumulators();
        // Nothing completed: no latency figures (empty in CSV, null in JSON).
        let some = |v: f64| (acc.completed > 0).then_some(v);
        Row {
            point,
            values: values.to_vec(),
            route: acc.name.to_string(),
            offered: acc.offered,
            completed: acc.completed,
            rejected: acc.rejected,
            timed_out: acc.timed_out,
            failed: acc.failed,
            retries: acc.retries,
            throttled: acc.throttled,
            mean_ms: some(summary.mean_ms),
            mean_ci95_ms: summary.mean_ci95_ms.filter(|_| acc.completed > 0),
            p50_ms: some(summary.quantile_ms(0.5)),
            p90_ms: some(summary.quantile_ms(0.9)),
            p99_ms: some(summary.quantile_ms(0.99)),
            p999_ms: some(summary.quantile_ms(0.999)),
            max_ms: some(summary.max_ms()),
            platform_mean_ms: some(summary.platform_mean_ms),
            platform_mean_ci95_ms: summary.platform_mean_ci95_ms.filter(|_| acc.completed > 0),
            platform_p50_ms: some(summary.platform_quantile_ms(0.5)),
            platform_p99_ms: some(summary.platform_quantile_ms(0.99)),
            throughput_per_s: summary.throughput_per_s,
            bottleneck: summary.busiest.as_ref().map(|b| b.0.clone()),
            bottleneck_utilization: summary.busiest.as_ref().map(|b| b.1),
            stable: summary.is_stable(),
            cost_per_month_usd: None,
            cost_per_million_usd: None,
        }
    }

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
            self.failed.to_string(),
            self.retries.to_string(),
            self.throttled.to_string(),
            opt(self.mean_ms),
            opt(self.p50_ms),
            opt(self.p90_ms),
            opt(self.p99_ms),
            opt(self.p999_ms),
            opt(self.max_ms),
            opt(self.platform_mean_ms),
            opt(self.platform_p50_ms),
            opt(self.platform_p99_ms),
            self.throughput_per_s.to_string(),
            csv_field(self.bottleneck.as_deref().unwrap_or("")),
            opt(self.bottleneck_utilization),
            self.stable.to_string(),
            opt(self.cost_per_month_usd),
            opt(self.cost_per_million_usd),
        ]);
        cols.join(",")
    }

    /// The row as one JSON object (JSON Lines): `point`, `values` (path →
    /// value, read as JSON where it parses), `route`, then the columns of
    /// [`ROW_COLUMNS`], `mean_ci95_ms` and `platform_mean_ci95_ms`.
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
        m.insert("failed", Value::from(self.failed));
        m.insert("retries", Value::from(self.retries));
        m.insert("throttled", Value::from(self.throttled));
        m.insert("mean_ms", self.mean_ms.map_or(Value::Null, Value::from));
        m.insert(
            "mean_ci95_ms",
            self.mean_ci95_ms.map_or(Value::Null, |[a, b]| Value::from(vec![a, b])),
        );
        m.insert("p50_ms", self.p50_ms.map_or(Value::Null, Value::from));
        m.insert("p90_ms", self.p90_ms.map_or(Value::Null, Value::from));
        m.insert("p99_ms", self.p99_ms.map_or(Value::Null, Value::from));
        m.insert("p999_ms", self.p999_ms.map_or(Value::Null, Value::from));
        m.insert("max_ms", self.max_ms.map_or(Value::Null, Value::from));
        m.insert("platform_mean_ms", self.platform_mean_ms.map_or(Value::Null, Value::from));
        m.insert(
            "platform_mean_ci95_ms",
            self.platform_mean_ci95_ms.map_or(Value::Null, |[a, b]| Value::from(vec![a, b])),
        );
        m.insert("platform_p50_ms", self.platform_p50_ms.map_or(Value::Null, Value::from));
        m.insert("platform_p99_ms", self.platform_p99_ms.map_or(Value::Null, Value::from));
        m.insert("throughput_per_s", Value::from(self.throughput_per_s));
        m.insert("bottleneck", self.bottleneck.clone().map_or(Value::Null, Value::from));
        m.insert(
            "bottleneck_utilization",
            self.bottleneck_utilization.map_or(Value::Null, Value::from),
        );
        m.insert("stable", Value::from(self.stable));
        m.insert("cost_per_month_usd", self.cost_per_month_usd.map_or(Value::Null, Value::from));
        m.insert(
            "cost_per_million_usd",
            self.cost_per_million_usd.map_or(Value::Null, Value::from),
        );
        serde_json::to_value(m).expect("a map of JSON values serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
