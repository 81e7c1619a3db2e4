//! The capacity search against queueing theory.

use std::path::Path;

use serde_json::{Value, json};
use sim_scenarios::experiment::{RouteCapacity, Search, Slo};
use sim_scenarios::{Scenario, capacity};

/// M/M/1 with service rate μ = 1000/s: the mean sojourn is 1/(μ − λ), so the
/// highest rate with mean <= T is λ* = μ − 1/T. For T = 2.5 ms, λ* = 600/s.
#[test]
fn mm1_capacity_under_a_mean_slo_matches_theory() {
    let doc = json!({
        "name": "mm1", "seed": 11, "replications": 4,
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 100 },
                      "requests": 200000, "warmup_requests": 20000 },
        "nodes": {
            "client": { "kind": "client" },
            "server": { "kind": "station", "servers": 1,
                        "service_ms": { "kind": "exponential", "mean": 1.0 } }
        },
        "links": [ { "between": ["client", "server"], "latency_ms": { "kind": "constant", "value": 0 } } ],
        "routes": [ { "name": "only", "path": ["client", "server"] } ]
    });
    let slo = Slo::parse("mean<=2.5ms").unwrap();
    let found = capacity(
        &Scenario::from_value(Path::new("mm1.json"), doc).unwrap(),
        None,
        slo,
        Search::default(),
        &|_| {},
    )
    .unwrap();
    let r = &found[0];
    let cap = r.capacity_per_s.expect("a rate meets the SLO");
    let theory = 1000.0 - 1.0 / 2.5e-3;
    // The search's own precision, plus the estimator's noise at ρ = 0.6
    // (about 0.3 % of the mean, i.e. about 1.3 requests/s in λ).
    let tolerance = r.precision_per_s + 6.0;
    assert!(r.precision_per_s <= 0.01 * cap + 1e-9, "precision {}", r.precision_per_s);
    assert!(
        (cap - theory).abs() <= tolerance,
        "capacity {cap}/s, theory {theory}/s, ± {tolerance}"
    );
    // The bracket is consistent: the capacity meets the SLO, the next probe up does not.
    assert!(r.metric_at_capacity_ms.unwrap() <= 2.5);
    assert!(!r.ceiling_reached);
    assert_eq!(r.holds_at_twice_the_length, Some(true));
    // The 95 % interval holds the exact capacity and the point estimate.
    let [lo, hi] = r.capacity_interval_per_s;
    let (lo, hi) = (lo.expect("a lower end"), hi.expect("an upper end"));
    assert!(lo <= cap && cap <= hi, "[{lo}, {hi}] around {cap}");
    assert!(lo <= theory && theory <= hi, "[{lo}, {hi}] misses {theory}");
    assert_eq!(r.interval_method, sim_scenarios::experiment::INTERVAL_METHOD);
    assert_eq!(r.bottleneck.as_deref(), Some("server"));
    eprintln!(
        "capacity {cap:.1}/s ± {:.1} (theory {theory}), {} runs",
        r.precision_per_s,
        r.probes.len()
    );
}

#[test]
fn an_slo_below_the_unloaded_latency_has_no_capacity() {
    let doc = json!({
        "name": "slow", "seed": 1, "replications": 2,
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 10 }, "requests": 2000 },
        "nodes": {
            "client": { "kind": "client" },
            "server": { "kind": "station", "servers": 1,
                        "service_ms": { "kind": "constant", "value": 10 } }
        },
        "links": [ { "between": ["client", "server"], "latency_ms": { "kind": "constant", "value": 0 } } ],
        "routes": [ { "name": "only", "path": ["client", "server"] } ]
    });
    let search = Search { max_steps: 12, ..Search::default() };
    let found = capacity(
        &Scenario::from_value(Path::new("slow.json"), doc).unwrap(),
        None,
        Slo::parse("p99<=5ms").unwrap(),
        search,
        &|_| {},
    )
    .unwrap();
    assert_eq!(found[0].capacity_per_s, None);
    assert_eq!(found[0].holds_at_twice_the_length, None);
}

/// Issue: `capacity --slo 'mean<=60s'` on generic-green-red reported
/// 524,288,000 req/s from a run of 2,000 requests, on a backend that
/// saturates near 2,667 req/s (8 servers, 3 ms each). An unstable probe
/// never meets the SLO, so the capacity stays below the saturation rate.
#[test]
fn a_loose_slo_on_a_saturating_route_is_capped_by_stability() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/generic-green-red.json");
    let mut doc =
        sim_scenarios::file::parse_json(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
    for (p, v) in [("workload.requests", "2000"), ("workload.warmup_requests", "200")] {
        sim_scenarios::file::set_path(&mut doc, p, v).unwrap();
    }
    let found = capacity(
        &Scenario::from_value(&file, doc).unwrap(),
        Some("red"),
        Slo::parse("mean<=60s").unwrap(),
        Search::default(),
        &|_| {},
    )
    .unwrap();
    let r = &found[0];
    let cap = r.capacity_per_s.expect("a capacity");
    assert!(cap < 8.0 / 3e-3, "capacity {cap}/s is above what the backend serves");
    assert!(!r.ceiling_reached);
    assert!(r.probes.iter().all(|p| p.stable || !p.met), "an unstable probe met the SLO");
    assert!(r.probes.iter().any(|p| !p.stable && p.metric_ms <= 60_000.0));
    assert_eq!(r.bottleneck.as_deref(), Some("backend"));
}

/// A route with no capacity-limited resource never breaks a loose SLO: the
/// search says it reached its ceiling instead of claiming a capacity.
#[test]
fn a_search_that_never_breaks_the_slo_says_it_reached_the_ceiling() {
    let doc = json!({
        "name": "wire", "seed": 1, "replications": 2,
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 1e8 }, "requests": 2000 },
        "nodes": {
            "client": { "kind": "client" },
            "server": { "kind": "station", "servers": "unbounded",
                        "service_ms": { "kind": "constant", "value": 0.5 } }
        },
        "links": [ { "between": ["client", "server"], "latency_ms": { "kind": "constant", "value": 1 } } ],
        "routes": [ { "name": "only", "path": ["client", "server"] } ]
    });
    let found = capacity(
        &Scenario::from_value(Path::new("wire.json"), doc).unwrap(),
        None,
        Slo::parse("mean<=5ms").unwrap(),
        Search::default(),
        &|_| {},
    )
    .unwrap();
    let r = &found[0];
    assert!(r.ceiling_reached, "{r:?}");
    assert!(r.breaks_at_per_s.is_none() && r.capacity_interval_per_s[1].is_none());
    assert!(r.warnings().iter().any(|w| w.to_string().contains("search ceiling")));
}

/// With a token cache sized by users, fewer requests per user miss at
/// higher rates, so p99 falls with load until the backend saturates: the
/// SLO breaks at the scenario's own rate and holds higher up. The search
/// looks upward and finds that window.
#[test]
fn latency_that_falls_with_load_is_searched_upward() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/apim-hub-proxy.json");
    let mut doc =
        sim_scenarios::file::parse_json(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
    for (p, v) in [
        ("workload.requests", "10000"),
        ("workload.warmup_requests", "1000"),
        ("replications", "2"),
    ] {
        sim_scenarios::file::set_path(&mut doc, p, v).unwrap();
    }
    // The catalog's backend (lognormal, median 20 ms, σ 0.8) on 64 servers,
    // as topology A shipped it before issue 11: its tail is what makes
    // the p99 fall as the token cache warms up with the load.
    doc["nodes"]["backend"].as_object_mut().unwrap().remove("service_ms");
    doc["nodes"]["backend"]["servers"] = serde_json::json!(64);
    let slo = Slo::parse("p99<=165ms").unwrap();
    let found = capacity(
        &Scenario::from_value(&file, doc).unwrap(),
        Some("green"),
        slo,
        Search::default(),
        &|_| {},
    )
    .unwrap();
    let r = &found[0];
    let first = &r.probes[0];
    assert!(!first.met, "the SLO breaks at the scenario's own rate: {first:?}");
    let cap = r.capacity_per_s.expect("found above the scenario's rate");
    assert!(cap > 1000.0, "capacity {cap}");
    assert!(r.metric_at_capacity_ms.unwrap() <= 165.0);
}

/// A proxy (M/M/1, μ = 1000/s) before a backend `api` with `backend` as
/// its node, one way, warm connections, searched under mean <= 4.5 ms.
fn proxy_then_backend(backend: Value, replications: u64, requests: u64) -> Vec<RouteCapacity> {
    let doc = json!({
        "name": "proxy-then-backend", "seed": 7, "replications": replications,
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 100 },
                      "requests": requests, "warmup_requests": requests / 10,
                      "round_trip": false },
        "nodes": {
            "client": { "kind": "client", "connection_reuse": 1.0,
                        "trusts": ["public", "onprem-root"] },
            "proxy": { "kind": "station", "servers": 1,
                       "service_ms": { "kind": "exponential", "mean": 1.0 } },
            "api": backend
        },
        "links": [
            { "between": ["client", "proxy"], "latency_ms": 0 },
            { "between": ["proxy", "api"], "latency_ms": 0 }
        ],
        "routes": [ { "name": "only", "path": ["client", "proxy", "api"] } ]
    });
    let scenario = Scenario::from_value(Path::new("proxy-then-backend.json"), doc).unwrap();
    capacity(&scenario, None, Slo::parse("mean<=4.5ms").unwrap(), Search::default(), &|_| {})
        .unwrap()
}

/// Issue 11 item 7: when the bottleneck is a backend (an input, the user's
/// API), the search also gives the platform's capacity with every backend
/// unbounded. The backend is M/M/1 with μ = 500/s: a Jackson network, so
/// the mean sojourn is 1/(1000 − λ) + 1/(500 − λ), and mean <= 4.5 ms
/// gives λ* ≈ 195.4/s, limited by the backend. With the backend unbounded
/// (M/M/∞, mean 2 ms) it is 1/(1000 − λ) + 2 ms, so λ* = 600/s, limited by
/// the proxy.
#[test]
fn issue_11_capacity_without_backend_limits_when_the_backend_is_the_bottleneck() {
    let backend = json!({ "kind": "backend", "servers": 1,
                          "service_ms": { "kind": "exponential", "mean": 2.0 } });
    let found = proxy_then_backend(backend, 4, 100_000);
    let r = &found[0];
    // λ* solves 1/(1000 − λ) + 1/(500 − λ) = 0.0045.
    let (mut lo, mut hi) = (0.0, 499.0);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if 1.0 / (1000.0 - mid) + 1.0 / (500.0 - mid) <= 0.0045 { lo = mid } else { hi = mid }
    }
    let cap = r.capacity_per_s.expect("a rate meets the SLO");
    assert!((cap - lo).abs() <= r.precision_per_s + 6.0, "capacity {cap}/s, theory {lo}/s");
    assert_eq!(r.bottleneck.as_deref(), Some("api"));
    assert!(r.bottleneck_is_input, "the backend is an input");
    let p = r.without_backend_limits.as_deref().expect("the platform's capacity");
    let platform = p.capacity_per_s.expect("a rate meets the SLO without backend limits");
    assert!((platform - 600.0).abs() <= p.precision_per_s + 12.0, "platform capacity {platform}/s");
    assert_eq!(p.bottleneck.as_deref(), Some("proxy"));
    assert!(!p.bottleneck_is_input && p.without_backend_limits.is_none());
}

/// And when the bottleneck is not a backend, there is nothing to exclude.
#[test]
fn issue_11_no_second_search_when_the_platform_is_the_bottleneck() {
    let backend = json!({ "kind": "backend", "servers": "unbounded", "service_ms": 2.0 });
    let found = proxy_then_backend(backend, 2, 20_000);
    assert_eq!(found[0].bottleneck.as_deref(), Some("proxy"));
    assert!(!found[0].bottleneck_is_input);
    assert!(found[0].without_backend_limits.is_none());
}
