//! `run --format json`: the documented wire format, read through a schema
//! of our own so that a renamed, missing or extra field fails here.

use serde::Deserialize;
use serde_json::Value;

use super::{Mutation, SMALL, apim, aznetsim, reference, stdout_of};

/// For fields that must be present but may be `null`: serde fills a
/// missing `Option` field with `None` unless it has its own deserializer.
fn nullable<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::deserialize(d)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    schema_version: u32,
    tool: String,
    version: String,
    scenario: String,
    seed: u64,
    replications: u64,
    requests: u64,
    warmup_requests: u64,
    mode: String,
    mean_rate_per_s: f64,
    common_random_numbers: bool,
    baseline: String,
    routes: Vec<Route>,
    warnings: Vec<Warning>,
    #[serde(deserialize_with = "nullable")]
    precision: Option<serde_json::Value>,
    warmup_auto: bool,
    /// Present with `--slo` only.
    #[serde(default)]
    slo: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Warning {
    kind: String,
    message: String,
    #[serde(flatten)]
    details: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Difference {
    baseline: String,
    mean: Estimate,
    p99: Estimate,
    platform_mean: Estimate,
    platform_p99: Estimate,
    comparable: bool,
    #[serde(deserialize_with = "nullable")]
    cost: Option<CostDifference>,
}

/// Issue 16: a route's cost minus the baseline's, without an interval.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CostDifference {
    per_month: f64,
    #[serde(deserialize_with = "nullable")]
    per_million_requests: Option<f64>,
}

/// Issue 16: what a route costs at its throughput.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Cost {
    currency: String,
    hours_per_month: f64,
    per_month: f64,
    #[serde(deserialize_with = "nullable")]
    per_million_requests: Option<f64>,
    fixed_per_month: f64,
    data_per_month: f64,
    lines: Vec<CostLine>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CostLine {
    component: String,
    meter: String,
    prices: Vec<String>,
    per_month: f64,
    #[serde(deserialize_with = "nullable")]
    share: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Estimate {
    estimate: f64,
    #[serde(deserialize_with = "nullable")]
    ci95: Option<[f64; 2]>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Route {
    name: String,
    offered: u64,
    completed: u64,
    rejected: u64,
    timed_out: u64,
    failed: u64,
    retries: u64,
    throttled: u64,
    #[serde(deserialize_with = "nullable")]
    rejected_share: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    timed_out_share: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    failed_share: Option<f64>,
    latency_ms: Latency,
    platform_ms: Latency,
    #[serde(deserialize_with = "nullable")]
    vs_baseline: Option<Difference>,
    #[serde(deserialize_with = "nullable")]
    analytic_mean_ms: Option<f64>,
    /// "exact" or "approximation", null exactly when there is no estimate.
    #[serde(deserialize_with = "nullable")]
    analytic_class: Option<String>,
    throughput_per_s: f64,
    #[serde(deserialize_with = "nullable")]
    bottleneck: Option<String>,
    #[serde(deserialize_with = "nullable")]
    bottleneck_utilization: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    auth_added_ms: Option<AuthCost>,
    findings: Vec<Finding>,
    #[serde(deserialize_with = "nullable")]
    cost: Option<Cost>,
    calls: Vec<Call>,
    hops: Vec<Hop>,
}

/// A nested call's attempts and how they ended.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Call {
    call: String,
    node: String,
    attempts: u64,
    throttled: u64,
    errors: u64,
    timed_out: u64,
    retries: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct AuthCost {
    mean: f64,
    p50: f64,
    p99: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Finding {
    severity: String,
    check: String,
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Latency {
    #[serde(deserialize_with = "nullable")]
    mean: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    mean_ci95: Option<[f64; 2]>,
    #[serde(deserialize_with = "nullable")]
    p50: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    p50_ci95: Option<[f64; 2]>,
    #[serde(deserialize_with = "nullable")]
    p90: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    p90_ci95: Option<[f64; 2]>,
    #[serde(deserialize_with = "nullable")]
    p99: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    p99_ci95: Option<[f64; 2]>,
    #[serde(deserialize_with = "nullable")]
    p999: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    p999_ci95: Option<[f64; 2]>,
    #[serde(deserialize_with = "nullable")]
    max: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hop {
    node: String,
    wait_ms_mean: f64,
    service_ms_mean: f64,
    link_ms_mean: f64,
    serialization_ms_mean: f64,
    handshake_ms_mean: f64,
    subcall_ms_mean: f64,
    pool_wait_ms_mean: f64,
    #[serde(deserialize_with = "nullable")]
    utilization: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    busy_servers_mean: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    link_utilization: Option<f64>,
    rejected: u64,
    time_p50_ms: f64,
    #[serde(deserialize_with = "nullable")]
    time_p50_ci95: Option<[f64; 2]>,
    time_p99_ms: f64,
    #[serde(deserialize_with = "nullable")]
    time_p99_ci95: Option<[f64; 2]>,
}

/// Runs the reference scenario with `args` and parses its JSON.
fn run_json(args: &[&str]) -> Report {
    let stdout = stdout_of(aznetsim().arg("run").arg(reference()).args(args).arg("--format=json"));
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout does not match the documented schema: {e}\n{stdout}"))
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs())
}

fn assert_percentiles_ordered(r: &Route) {
    let l = &r.latency_ms;
    let chain = [l.p50, l.p90, l.p99, l.p999, l.max].map(|v| v.expect("the route completed"));
    let (p50, mean, max) = (chain[0], l.mean.unwrap(), chain[4]);
    assert!(p50 > 0.0, "{}: p50 {p50}", r.name);
    assert!(
        chain.windows(2).all(|w| w[0] <= w[1]),
        "{}: p50 <= p90 <= p99 <= p999 <= max fails: {chain:?}",
        r.name
    );
    assert!(mean > 0.0 && mean <= max, "{}: mean {mean} max {max}", r.name);
}

#[test]
fn reference_run_matches_the_documented_schema() {
    let report = run_json(&SMALL);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(reference()).unwrap()).unwrap();

    assert_eq!(report.schema_version, 2);
    assert!(report.common_random_numbers, "compare mode shares the demand");
    assert_eq!(report.mean_rate_per_s, 2000.0, "poisson: rate_per_s is the mean");
    assert!(report.slo.is_empty(), "no --slo, no verdicts");
    for r in &report.routes {
        // Nothing lost on the reference run, and every difference compares
        // the same requests.
        assert_eq!((r.rejected_share, r.timed_out_share), (Some(0.0), Some(0.0)), "{}", r.name);
        assert!(r.vs_baseline.as_ref().is_none_or(|d| d.comparable), "{}", r.name);
        // Generic stations only, no backend: the platform latency is all of it.
        assert_eq!(r.platform_ms.mean, r.latency_ms.mean, "{}", r.name);
        assert_eq!(r.platform_ms.p99, r.latency_ms.p99, "{}", r.name);
        if let Some(d) = &r.vs_baseline {
            assert_eq!(d.platform_mean.estimate, d.mean.estimate, "{}", r.name);
            assert_eq!(d.platform_p99.estimate, d.p99.estimate, "{}", r.name);
        }
    }
    assert_eq!(report.tool, "aznetsim");
    assert_eq!(report.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(report.scenario, "generic-green-red");
    assert_eq!(report.seed, 42, "the scenario's seed, no --seed given");
    assert_eq!((report.replications, report.requests, report.warmup_requests), (2, 5000, 500));
    assert_eq!(report.mode, "compare");
    let names: Vec<&str> = report.routes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["green", "red"]);

    for (r, spec) in report.routes.iter().zip(file["routes"].as_array().unwrap()) {
        // Every measured arrival of every replication is accounted for.
        assert_eq!(r.offered, 2 * (5000 - 500), "{}", r.name);
        assert_eq!(r.offered, r.completed + r.rejected + r.timed_out + r.failed, "{}", r.name);
        assert_eq!((r.failed, r.retries, r.throttled, r.failed_share), (0, 0, 0, Some(0.0)));
        assert!(r.calls.is_empty(), "generic stations make no nested call");
        // Generic stations: no authorisation twin, nothing for the checks.
        assert!(r.auth_added_ms.is_none(), "{}", r.name);
        assert!(r.findings.is_empty(), "{}: {:?}", r.name, r.findings);
        // Per-hop percentiles come with intervals, and p50 <= p99.
        for h in &r.hops {
            assert!(h.time_p50_ms <= h.time_p99_ms, "{}: {}", r.name, h.node);
            let [lo, hi] = h.time_p99_ci95.expect("two replications");
            assert!(lo <= hi, "{}: {}", r.name, h.node);
            assert!(h.time_p50_ci95.is_some());
        }
        // The queueing-theory estimate is close at this load.
        let est = r.analytic_mean_ms.expect("no station is overloaded");
        // Lognormal service at several servers: an approximation, and it says so.
        assert_eq!(r.analytic_class.as_deref(), Some("approximation"), "{}", r.name);
        assert!(
            (r.latency_ms.mean.unwrap() - est).abs() < 0.05 * est,
            "{}: {} vs {est}",
            r.name,
            r.latency_ms.mean.unwrap()
        );
        // 4,500 measured requests per replication are too few for p99.9,
        // and the report says so with advice.
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.kind == "too_few_samples" && w.message.contains(&r.name)),
            "{:?}",
            report.warnings
        );
        // Percentile intervals bracket their estimate; the baseline (the
        // first route) has no difference with itself, the others do.
        for (p, ci) in [
            (r.latency_ms.p50, r.latency_ms.p50_ci95),
            (r.latency_ms.p90, r.latency_ms.p90_ci95),
            (r.latency_ms.p99, r.latency_ms.p99_ci95),
            (r.latency_ms.p999, r.latency_ms.p999_ci95),
        ] {
            let ([lo, hi], p) = (ci.expect("two replications give an interval"), p.unwrap());
            assert!(
                lo <= hi && (lo - p).abs() < p && (hi - p).abs() < p,
                "{}: {p} in [{lo}, {hi}]?",
                r.name
            );
        }
        match &r.vs_baseline {
            None => assert_eq!(r.name, report.baseline),
            Some(d) => {
                assert_eq!(d.baseline, report.baseline);
                let [lo, hi] = d.mean.ci95.expect("an interval");
                assert!(lo <= d.mean.estimate && d.mean.estimate <= hi);
                assert!(d.p99.estimate.is_finite());
            }
        }
        assert_eq!(r.hops.iter().map(|h| h.rejected).sum::<u64>(), r.rejected, "{}", r.name);

        assert_percentiles_ordered(r);
        let [lo, hi] = r.latency_ms.mean_ci95.expect("two replications give an interval");
        assert!(
            lo <= r.latency_ms.mean.unwrap() && r.latency_ms.mean.unwrap() <= hi,
            "{}: {lo} {hi}",
            r.name
        );

        // Offered 2000/s to a stable system: throughput follows the load.
        assert!(
            (1600.0..2400.0).contains(&r.throughput_per_s),
            "{}: {}",
            r.name,
            r.throughput_per_s
        );

        // Hops follow the path, and their components add up to the mean.
        let path: Vec<&str> =
            spec["path"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        let nodes: Vec<&str> = r.hops.iter().map(|h| h.node.as_str()).collect();
        assert_eq!(nodes, path, "{}", r.name);
        let sum: f64 = r
            .hops
            .iter()
            .map(|h| {
                h.wait_ms_mean
                    + h.service_ms_mean
                    + h.link_ms_mean
                    + h.serialization_ms_mean
                    + h.handshake_ms_mean
                    + h.subcall_ms_mean
                    + h.pool_wait_ms_mean
            })
            .sum();
        assert!(
            close(sum, r.latency_ms.mean.unwrap(), 1e-9),
            "{}: hops sum to {sum}, mean {}",
            r.name,
            r.latency_ms.mean.unwrap()
        );

        for (j, h) in r.hops.iter().enumerate() {
            let what = format!("{} hop {j} ({})", r.name, h.node);
            for v in [
                h.wait_ms_mean,
                h.service_ms_mean,
                h.link_ms_mean,
                h.serialization_ms_mean,
                h.handshake_ms_mean,
                h.subcall_ms_mean,
                h.pool_wait_ms_mean,
            ] {
                assert!(v.is_finite() && v >= 0.0, "{what}: {v}");
            }
            let node = &file["nodes"][&h.node];
            if node["kind"] == "client" {
                assert_eq!((h.utilization, h.busy_servers_mean), (None, None), "{what}");
            } else {
                // Utilisation is the busy fraction of the servers.
                let u = h.utilization.unwrap_or_else(|| panic!("{what}: no utilisation"));
                let busy = h.busy_servers_mean.unwrap_or_else(|| panic!("{what}: no busy servers"));
                let servers = node["servers"].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&u), "{what}: {u}");
                assert!(close(busy, u * servers, 1e-9), "{what}: busy {busy}, {u} x {servers}");
            }
            // Only a link with a bandwidth has a utilisation.
            let next = path.get(j + 1);
            let bandwidth = file["links"].as_array().unwrap().iter().any(|l| {
                let ends = [l["between"][0].as_str(), l["between"][1].as_str()];
                next.is_some_and(|n| ends.contains(&Some(*n)) && ends.contains(&Some(&h.node)))
                    && l.get("bandwidth_mbps").is_some()
            });
            match h.link_utilization {
                Some(u) => assert!(bandwidth && (0.0..=1.0).contains(&u), "{what}: {u}"),
                None => assert!(!bandwidth, "{what}: bandwidth-limited link without utilisation"),
            }
        }

        // The bottleneck is the busiest capacity-limited resource.
        let busiest = r
            .hops
            .iter()
            .flat_map(|h| [h.utilization, h.link_utilization])
            .flatten()
            .fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(r.bottleneck_utilization, Some(busiest), "{}", r.name);
        let bottleneck = r.bottleneck.as_deref().expect("stations limit capacity");
        if let Some(h) = r.hops.iter().find(|h| h.node == bottleneck) {
            assert_eq!(h.utilization, Some(busiest), "{}: {bottleneck}", r.name);
        }
    }

    // The green route crosses the hub firewall twice: one station, so one
    // utilisation, seen from both hops.
    let green = &report.routes[0];
    let fw: Vec<&Hop> = green.hops.iter().filter(|h| h.node == "hub-fw").collect();
    assert_eq!(fw.len(), 2);
    assert!(fw[0].utilization.is_some());
    assert_eq!(fw[0].utilization, fw[1].utilization);
    assert_eq!(fw[0].busy_servers_mean, fw[1].busy_servers_mean);
}

/// With fewer than a thousand measured requests the p99.9 falls in the
/// histogram bucket of the largest sample, whose upper edge lies above the
/// exact maximum: the report must not say p99.9 > max.
#[test]
fn percentiles_never_exceed_the_exact_max() {
    let report =
        run_json(&["--requests=600", "--replications=1", "--set=workload.warmup_requests=100"]);
    assert!(report.precision.is_none() && !report.warmup_auto);
    for r in &report.routes {
        assert_eq!(r.offered, 500);
        assert_percentiles_ordered(r);
        assert_eq!(r.latency_ms.mean_ci95, None, "{}: one replication has no interval", r.name);
    }
}

/// The test-side schema is strict both ways, so the test above fails when a
/// documented field disappears (nullable ones included) or an undocumented
/// one appears.
#[test]
fn the_test_schema_refuses_missing_and_extra_fields() {
    let stdout = stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL).arg("--format=json"));
    let good: Value = serde_json::from_str(&stdout).unwrap();
    serde_json::from_value::<Report>(good.clone()).expect("the real output parses");
    let edits: [(&str, Mutation); 4] = [
        ("missing nullable", |v| {
            v["routes"][0].as_object_mut().unwrap().remove("bottleneck");
        }),
        ("missing nested nullable", |v| {
            v["routes"][1]["latency_ms"].as_object_mut().unwrap().remove("mean_ci95");
        }),
        ("missing", |v| {
            v["routes"][0]["hops"][2].as_object_mut().unwrap().remove("link_ms_mean");
        }),
        ("extra", |v| v["routes"][0]["hops"][0]["colour"] = "green".into()),
    ];
    for (what, edit) in edits {
        let mut v = good.clone();
        edit(&mut v);
        assert!(serde_json::from_value::<Report>(v).is_err(), "{what} field accepted");
    }
}

/// Issue 13: every route with authorisation work was simulated twice, its
/// twin without authorisation behind `auth_added_ms`, so a default run cost
/// twice what it reported. The twins now run with `--auth-cost` only, and
/// they change nothing else in the report.
#[test]
fn issue_13_authorisation_twins_run_only_with_auth_cost() {
    let run = |extra: &[&str]| -> Value {
        let mut cmd = aznetsim();
        cmd.arg("run").arg(apim()).args(SMALL).args(extra).arg("--format=json");
        serde_json::from_str(&stdout_of(&mut cmd)).expect("JSON on stdout")
    };
    let plain = run(&[]);
    let mut with_twins = run(&["--auth-cost"]);
    for r in plain["routes"].as_array().expect("routes") {
        assert!(r["auth_added_ms"].is_null(), "{}: no twin without --auth-cost", r["name"]);
    }
    for r in with_twins["routes"].as_array_mut().expect("routes") {
        let added = r["auth_added_ms"]["mean"].as_f64();
        assert!(added.is_some_and(|m| m > 0.0), "{}: APIM validates JWTs: {added:?}", r["name"]);
        r["auth_added_ms"] = Value::Null;
    }
    assert_eq!(plain, with_twins, "the twins change nothing but auth_added_ms");
}
