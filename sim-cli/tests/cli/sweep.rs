//! `aznetsim sweep`: a grid of scenario variants, one row per point and
//! route on stdout (CSV or JSON Lines), in point order; bad `--vary` and
//! `--shard` arguments are usage errors that say what is accepted.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{
    EXIT_INVALID, SMALL_SETS, TINY_SETS, apim, aznetsim, failure_of, parse_csv, stdout_of,
};

/// The fixed columns after `point`, the varied paths and `route`
/// (`ROW_COLUMNS` in sim-scenarios/src/sweep.rs): the documented interface,
/// spelled out so that a renamed or reordered column fails here.
const COLUMNS: [&str; 22] = [
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
    // Issue 16: what the route costs at its throughput (list prices).
    "cost_per_month_usd",
    "cost_per_million_usd",
];

/// The routes of apim-hub-proxy.json, in file order.
const ROUTES: [&str; 2] = ["green", "red"];

/// Measured arrivals per route and point: (requests − warm-up) ×
/// replications, with SMALL_SETS and TINY_SETS.
const OFFERED: u64 = (5000 - 500) * 2;
const OFFERED_TINY: u64 = (2000 - 200) * 2;

/// stdout of a successful sweep of apim-hub-proxy.json with `sets`.
fn sweep(sets: [&str; 6], args: &[&str]) -> String {
    stdout_of(aznetsim().arg("sweep").arg(apim()).args(sets).args(args))
}

/// The header a sweep over `paths` prints.
fn header(paths: &[&str]) -> Vec<String> {
    let mut h = vec!["point".to_string()];
    h.extend(paths.iter().map(|p| p.to_string()));
    h.push("route".into());
    h.extend(COLUMNS.iter().map(|c| c.to_string()));
    h
}

fn num(row: &[String], header: &[String], column: &str) -> f64 {
    let i = header.iter().position(|h| h == column).unwrap_or_else(|| panic!("no {column}"));
    row[i].parse().unwrap_or_else(|e| panic!("{column} = {:?}: {e}", row[i]))
}

#[test]
fn csv_has_the_documented_header_and_a_row_per_point_and_route_in_point_order() {
    let rates = ["500", "1000", "1500"];
    let text = sweep(SMALL_SETS, &["--vary", "workload.arrival.rate_per_s=500,1000,1500"]);
    // The data alone: no progress, no blank line, the header first.
    assert!(text.starts_with("point,workload.arrival.rate_per_s,route,offered,"), "{text}");
    let records = parse_csv(&text);
    let (head, rows) = records.split_first().unwrap();
    assert_eq!(*head, header(&["workload.arrival.rate_per_s"]));
    assert_eq!(rows.len(), rates.len() * ROUTES.len(), "{text}");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), head.len(), "row {i}: {row:?}");
        let (point, route) = (i / ROUTES.len(), ROUTES[i % ROUTES.len()]);
        assert_eq!(row[0], point.to_string(), "row {i}");
        assert_eq!(row[1], rates[point], "row {i}");
        assert_eq!(row[2], route, "row {i}");
        assert_eq!(num(row, head, "offered"), OFFERED as f64, "row {i}");
        let completed = num(row, head, "completed");
        let lost = num(row, head, "rejected") + num(row, head, "timed_out");
        assert!(completed > 0.0 && completed + lost <= OFFERED as f64, "row {i}: {row:?}");
        let q: Vec<f64> = ["p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"]
            .iter()
            .map(|c| num(row, head, c))
            .collect();
        assert!(q[0] > 0.0 && q.windows(2).all(|w| w[0] <= w[1]), "row {i}: {q:?}");
        assert!(num(row, head, "mean_ms") > 0.0);
        // Throughput follows the offered rate, below it: the measured span
        // also holds the tail of the last requests, long in a short run.
        let rate: f64 = rates[point].parse().unwrap();
        let throughput = num(row, head, "throughput_per_s");
        assert!(throughput > 0.75 * rate && throughput < rate, "row {i}: {throughput}/s at {rate}");
        if point > 0 {
            let before = num(&rows[i - ROUTES.len()], head, "throughput_per_s");
            assert!(throughput > before, "row {i}: {throughput}/s, {before}/s at a lower rate");
        }
        let at = |c: &str| head.iter().position(|h| h == c).unwrap();
        assert!(!row[at("bottleneck")].is_empty(), "row {i}: no bottleneck");
        assert_eq!(row[at("stable")], "true", "row {i}: light load is stable");
        // Issue 16: a cost, growing with the load (the data charges).
        let cost = num(row, head, "cost_per_month_usd");
        if point > 0 {
            let before = num(&rows[i - ROUTES.len()], head, "cost_per_month_usd");
            assert!(cost > before, "row {i}: {cost} USD/month, {before} at a lower rate");
        }
        let u = num(row, head, "bottleneck_utilization");
        assert!(u > 0.0 && u <= 1.0, "row {i}: utilisation {u}");
    }
}

#[test]
fn a_two_dimensional_grid_has_a_row_per_point_and_route_first_vary_slowest() {
    let text = sweep(
        TINY_SETS,
        &["--vary", "workload.arrival.rate_per_s=500..1000:250", "--vary", "nodes.apim.units=1,2"],
    );
    let records = parse_csv(&text);
    let (head, rows) = records.split_first().unwrap();
    assert_eq!(*head, header(&["workload.arrival.rate_per_s", "nodes.apim.units"]));
    let mut want = Vec::new();
    for rate in ["500", "750", "1000"] {
        for units in ["1", "2"] {
            for route in ROUTES {
                want.push((want.len() / ROUTES.len(), rate, units, route));
            }
        }
    }
    assert_eq!(rows.len(), 3 * 2 * ROUTES.len(), "{text}");
    for (row, (point, rate, units, route)) in rows.iter().zip(want) {
        assert_eq!(row[..4], [point.to_string(), rate.into(), units.into(), route.into()]);
    }
}

#[test]
fn jsonl_lines_are_json_objects_with_the_documented_keys() {
    let text = sweep(TINY_SETS, &["--vary", "nodes.apim.units=1,2", "--format", "jsonl"]);
    let mut keys: BTreeSet<&str> = COLUMNS.into_iter().collect();
    keys.extend(["point", "values", "route", "mean_ci95_ms", "platform_mean_ci95_ms"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2 * ROUTES.len(), "{text}");
    for (i, line) in lines.iter().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let got: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(got, keys, "line {i}");
        assert_eq!(v["point"], i / ROUTES.len(), "line {i}");
        assert_eq!(v["route"], ROUTES[i % ROUTES.len()], "line {i}");
        // The varied values by path, read as JSON (a number here).
        assert_eq!(v["values"], serde_json::json!({"nodes.apim.units": i / ROUTES.len() + 1}));
        assert_eq!(v["offered"], OFFERED_TINY);
        let [lo, hi] = [0, 1].map(|k| v["mean_ci95_ms"][k].as_f64().expect("a 95 % interval"));
        let mean = v["mean_ms"].as_f64().unwrap();
        assert!(lo <= mean && mean <= hi, "line {i}: {mean} outside [{lo}, {hi}]");
        assert!(v["p99_ms"].as_f64().unwrap() >= v["p50_ms"].as_f64().unwrap());
        assert!(v["bottleneck"].is_string() && v["bottleneck_utilization"].is_f64());
    }
}

/// A sweep that is never run: its arguments are refused first.
fn refused(args: &[&str]) -> String {
    failure_of(aznetsim().arg("sweep").arg(apim()).args(TINY_SETS).args(args), EXIT_INVALID)
}

#[test]
fn malformed_vary_is_a_usage_error_that_shows_the_accepted_forms() {
    for (spec, says) in [
        ("workload.arrival.rate_per_s", "expected PATH=V1,V2,... or PATH=START..END:STEP"),
        ("=1,2", "expected PATH=V1,V2,... or PATH=START..END:STEP"),
        ("workload.arrival.rate_per_s=500..x:100", "END 'x' is not a number"),
        ("workload.arrival.rate_per_s=a..900:100", "START 'a' is not a number"),
        ("workload.arrival.rate_per_s=500..900:0", "STEP must be > 0"),
        ("workload.arrival.rate_per_s=500..900:-100", "STEP must be > 0"),
        ("workload.arrival.rate_per_s=900..500:100", "END must not be below START"),
        ("workload.arrival.rate_per_s=500,,900", "empty value"),
    ] {
        let stderr = refused(&["--vary", spec]);
        assert!(
            stderr.starts_with(&format!("aznetsim: error: --vary {spec}: "))
                && stderr.contains(says),
            "--vary {spec}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[test]
fn a_vary_path_that_does_not_exist_is_named_with_what_exists() {
    // A missing object on the way: the message lists the keys there.
    let stderr = refused(&["--vary", "workload.arival.rate_per_s=500,1000"]);
    assert!(stderr.contains("workload.arival.rate_per_s"), "{stderr}");
    assert!(stderr.contains("'arival' does not exist at 'workload'"), "{stderr}");
    assert!(stderr.contains("it has: arrival,"), "{stderr}");
    // A new last key: validation refuses the unknown field by its path.
    let stderr = refused(&["--vary", "workload.arrival.rate=500,1000"]);
    assert!(stderr.contains("workload.arrival.rate: unknown field `rate`"), "{stderr}");
    assert!(stderr.contains("`rate_per_s`"), "{stderr}");
    // An index past the end of a list.
    let stderr = refused(&["--vary", "routes.5.name=a,b"]);
    assert!(stderr.contains("routes.5.name") && stderr.contains("list of 2"), "{stderr}");
}

#[test]
fn a_value_of_the_wrong_type_names_the_point_and_the_json_path() {
    let stderr = refused(&["--vary", "nodes.apim.units=1,two"]);
    assert!(stderr.contains("sweep point 1 (nodes.apim.units=two)"), "{stderr}");
    assert!(stderr.contains("nodes.apim.units: invalid type: string \"two\""), "{stderr}");
    assert!(stderr.contains("apim-hub-proxy.json"), "the file is named: {stderr}");
    // A value of the right type that validation refuses.
    let stderr = refused(&["--vary", "workload.arrival.rate_per_s=500,-1"]);
    assert!(stderr.contains("sweep point 1 (workload.arrival.rate_per_s=-1)"), "{stderr}");
    assert!(stderr.contains("workload.arrival.rate_per_s"), "{stderr}");
}

#[test]
fn a_shard_out_of_range_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shard");
    for spec in ["2/2", "0/0", "3/2", "1", "a/2", "-1/2"] {
        let stderr = refused(&[
            "--vary",
            "nodes.apim.units=1,2",
            &format!("--shard={spec}"),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(stderr.contains(&format!("--shard {spec}")), "{spec}: {stderr}");
        assert!(stderr.contains("K/N with 0 <= K < N"), "{spec}: {stderr}");
    }
    assert!(!out.exists(), "a refused sweep created {}", out.display());
}

#[test]
fn a_shard_needs_out() {
    let stderr = refused(&["--vary", "nodes.apim.units=1,2", "--shard", "0/2"]);
    assert!(stderr.contains("--shard needs --out DIR"), "{stderr}");
}

#[test]
fn the_rows_do_not_depend_on_the_thread_count() {
    let args = ["--vary", "workload.arrival.rate_per_s=500..1250:250", "--format", "jsonl"];
    let one = sweep(TINY_SETS, &[&args[..], &["--threads", "1"]].concat());
    let two = sweep(TINY_SETS, &[&args[..], &["--threads", "2"]].concat());
    assert_eq!(one.lines().count(), 4 * ROUTES.len());
    assert_eq!(one, two, "--threads 1 and --threads 2 differ");
}

/// A point past the route's capacity is flagged: `stable` is false and a
/// warning on stderr says which rows are overload.
#[test]
fn a_saturated_point_is_not_stable_and_is_warned_about() {
    // The ExpressRoute circuit (the catalog's 1,000 Mbit/s) carries about
    // 7,500 requests/s of topology A's responses.
    let out = aznetsim()
        .arg("sweep")
        .arg(apim())
        .args(TINY_SETS)
        .args(["--vary", "workload.arrival.rate_per_s=500,15000"])
        .output()
        .unwrap();
    let (stdout, stderr) =
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap());
    assert!(out.status.success(), "{stderr}");
    let records = parse_csv(&stdout);
    let (head, rows) = records.split_first().unwrap();
    let stable = head.iter().position(|c| c == "stable").unwrap();
    for row in rows {
        let want = if row[1] == "500" { "true" } else { "false" };
        assert_eq!(row[stable], want, "{row:?}");
    }
    assert!(stderr.contains("2 of 4 rows are not stable"), "{stderr}");
}
