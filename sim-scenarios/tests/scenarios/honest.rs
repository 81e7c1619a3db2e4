//! Nothing hidden, nothing overclaimed: lost requests are counted and
//! flagged, a route that completed nothing has no latency figures, and no
//! latency is clipped.

use std::path::Path;

use serde_json::{Value, json};
use sim_scenarios::report::{RunReport, WarningKind};
use sim_scenarios::{Scenario, run};

use super::load_with;

/// Two routes from one client: `fast` through station `a`, `other` through
/// station `b` described by `b`.
fn two_routes(b: Value, requests: u64) -> RunReport {
    let doc = json!({
        "name": "honest", "seed": 5, "replications": 2,
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 100 },
                      "requests": requests, "warmup_requests": requests / 10 },
        "nodes": {
            "client": { "kind": "client" },
            "a": { "kind": "station", "servers": 1,
                   "service_ms": { "kind": "exponential", "mean": 1.0 } },
            "b": b
        },
        "links": [
            { "between": ["client", "a"], "latency_ms": { "kind": "constant", "value": 0.1 } },
            { "between": ["client", "b"], "latency_ms": { "kind": "constant", "value": 0.1 } }
        ],
        "routes": [
            { "name": "fast", "path": ["client", "a"] },
            { "name": "other", "path": ["client", "b"] }
        ]
    });
    let s = Scenario::from_value(Path::new("honest.json"), doc).unwrap();
    run(&s, 5, 2, &|| {}).unwrap()
}

fn kinds(r: &RunReport) -> Vec<&WarningKind> {
    r.warnings.iter().map(|w| &w.kind).collect()
}

#[test]
fn timed_out_requests_are_counted_shared_flagged_and_break_the_comparison() {
    // A 40 ms forward-request timeout at APIM: many requests time out, and
    // the survivors look fast (today's trap: the route looked faster).
    let r = load_with(
        "apim-hub-proxy",
        &[
            ("workload.requests", "20000"),
            ("workload.warmup_requests", "2000"),
            ("nodes.apim.policies.forward_request_timeout_ms", "40"),
            // Topology A's backend before issue 11 (the catalog's lognormal,
            // median 20 ms, σ 0.8, on 64 servers): its tail makes green
            // and red lose different shares to the timeout.
            ("nodes.backend.service_ms", r#"{"kind": "lognormal", "mean": 27.54, "p99": 128.6}"#),
            ("nodes.backend.servers", "64"),
        ],
    );
    let report = run(&r, 42, 2, &|| {}).unwrap();
    for route in &report.routes {
        assert!(route.timed_out > 0, "{}", route.name);
        let share = route.timed_out_share.unwrap();
        assert!((share - route.timed_out as f64 / route.offered as f64).abs() < 1e-12);
        assert!(
            kinds(&report)
                .iter()
                .any(|k| matches!(k, WarningKind::Incomplete { route: n, .. } if *n == route.name)),
            "no incomplete warning for {}: {:?}",
            route.name,
            report.warnings
        );
    }
    // green and red lose different shares: their difference is marked.
    let red = &report.routes[1];
    let d = red.vs_baseline.as_ref().unwrap();
    assert!(!d.comparable, "{d:?}");
    assert!(kinds(&report).iter().any(|k| matches!(k, WarningKind::NotComparable { .. })));
    // The estimate is of a system that keeps every request: no mismatch
    // warning blaming units and laws.
    assert!(!kinds(&report).iter().any(|k| matches!(k, WarningKind::AnalyticMismatch { .. })));
}

#[test]
fn a_route_that_completes_nothing_has_no_latency_and_no_difference() {
    // One server busy for a day with a warm-up request, no waiting room:
    // every measured request is rejected.
    let blocked = json!({ "kind": "station", "servers": 1, "queue_limit": 0,
                          "service_ms": { "kind": "constant", "value": 8.64e7 } });
    let report = two_routes(blocked, 1000);
    let other = &report.routes[1];
    assert_eq!(other.completed, 0);
    assert_eq!(other.rejected, other.offered);
    assert_eq!(other.rejected_share, Some(1.0));
    let l = &other.latency_ms;
    for v in [l.mean, l.p50, l.p90, l.p99, l.p999, l.max] {
        assert_eq!(v, None, "{l:?}");
    }
    assert_eq!(l.mean_ci95, None);
    assert!(other.vs_baseline.is_none(), "no difference with a route that completed nothing");
    assert!(
        kinds(&report)
            .iter()
            .any(|k| matches!(k, WarningKind::NothingCompleted { route, .. } if route == "other")),
        "{:?}",
        report.warnings
    );
    // The JSON says null, not 0.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["routes"][1]["latency_ms"]["p99"], Value::Null);
    assert_eq!(json["routes"][0]["latency_ms"]["p99"].as_f64().map(|v| v > 0.0), Some(true));
}

#[test]
fn latencies_above_one_hour_are_not_clipped() {
    // Two hours in the station, for every request (unbounded servers).
    let slow = json!({ "kind": "station", "servers": "unbounded",
                       "service_ms": { "kind": "constant", "value": 7.2e6 } });
    let report = two_routes(slow, 200);
    let l = &report.routes[1].latency_ms;
    let (mean, p99, max) = (l.mean.unwrap(), l.p99.unwrap(), l.max.unwrap());
    assert!((mean - 7.2e6).abs() < 1.0, "mean {mean}");
    // Three significant digits and never above the exact maximum.
    assert!(p99 <= max && (p99 - 7.2e6).abs() <= 0.001 * 7.2e6, "p99 {p99} max {max}");
}

#[test]
fn the_difference_header_facts_follow_the_demand() {
    let short = [("workload.requests", "3000"), ("workload.warmup_requests", "300")];
    let crn = |name: &str, extra: Option<(&str, &str)>| {
        let sets: Vec<(&str, &str)> = short.iter().copied().chain(extra).collect();
        run(&load_with(name, &sets), 42, 2, &|| {}).unwrap().common_random_numbers
    };
    assert!(crn("apim-hub-proxy", None));
    assert!(!crn("apim-hub-proxy", Some(("workload.common_random_numbers", "false"))));
    assert!(!crn("apim-hub-proxy-mix", None));
}
