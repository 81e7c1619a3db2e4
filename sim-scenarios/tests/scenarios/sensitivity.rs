//! `aznetsim sensitivity`: each EST figure at the ends of its range, the
//! route differences rerun with the same seed, the figures ranked by swing.

use serde_json::{Value, json};
use sim_scenarios::Scenario;
use sim_scenarios::azure::catalog::{FIGURES, Tag, range, record_lookups};
use sim_scenarios::experiment::{SensitivityReport, plan, sensitivity};

use super::{load_inline, shipped_json};

/// Two routes that differ by one on-premises firewall traversal; every law
/// constant once the firewall's shape σ is 0, and arrivals evenly spaced,
/// so nothing queues: the difference is exactly the firewall's latency,
/// the catalog's `onprem_firewall.latency_ms`.
fn linear(firewall: Value) -> Value {
    let constant = |v: f64| json!({"kind": "constant", "value": v});
    json!({
        "name": "linear", "seed": 5, "replications": 3,
        "workload": {
            "arrival": {"kind": "constant", "rate_per_s": 100},
            "requests": 400, "warmup_requests": 0
        },
        "nodes": {
            "client": {"kind": "client"},
            "fw": firewall,
            "api": {"kind": "station", "servers": 1, "service_ms": constant(1.0)}
        },
        "links": [
            {"between": ["client", "api"], "latency_ms": constant(0.5)},
            {"between": ["client", "fw"], "latency_ms": constant(0.5)},
            {"between": ["fw", "api"], "latency_ms": constant(0.0)}
        ],
        "routes": [
            {"name": "direct", "path": ["client", "api"]},
            {"name": "via-fw", "path": ["client", "fw", "api"]}
        ]
    })
}

/// The sensitivity report of `scenario`, on the current thread pool.
fn report(scenario: &Scenario) -> SensitivityReport {
    let p = plan(scenario).unwrap();
    sensitivity(scenario, &p, None, &|| {}).unwrap()
}

#[test]
fn a_linear_difference_swings_by_the_hand_computed_value() {
    let scenario = load_inline(linear(json!({"kind": "onprem_firewall"})))
        .with_catalog_values(&[("onprem_firewall.latency_sigma", 0.0)])
        .unwrap();
    let doc = report(&scenario);
    let t = &doc.tornadoes[0];
    assert_eq!((t.route.as_str(), t.baseline.as_deref()), ("via-fw", Some("direct")));
    // At the catalog's value: the difference is the 0.2 ms median, exactly.
    assert!((t.mean.estimate - 0.2).abs() < 1e-6, "{}", t.mean.estimate);
    let bar = &t.bars[0];
    assert_eq!(bar.key, "onprem_firewall.latency_ms");
    let r = range("onprem_firewall.latency_ms").unwrap();
    // Difference at low = low, at high = high: swing = high - low (0.95 ms).
    assert!((bar.mean_at_low.unwrap() - r.low).abs() < 1e-6, "{bar:?}");
    assert!((bar.mean_at_high.unwrap() - r.high).abs() < 1e-6, "{bar:?}");
    assert!((bar.mean_swing.unwrap() - (r.high - r.low)).abs() < 1e-6, "{bar:?}");
    assert!((bar.p99_swing.unwrap() - (r.high - r.low)).abs() < 0.01, "{bar:?}");
    // The shape was given a value for the run: skipped, and said so.
    assert!(doc.figures.iter().all(|f| f.key != "onprem_firewall.latency_sigma"));
    let skipped = doc.skipped.iter().find(|s| s.key == "onprem_firewall.latency_sigma");
    assert_eq!(skipped.map(|s| s.reason.as_str()), Some("given a value for this run"));
    // Without message sizes the throughput moves nothing: ranked below.
    let rest: Vec<&str> = t.bars[1..].iter().map(|b| b.key.as_str()).collect();
    assert_eq!(rest, ["onprem_firewall.throughput_gbps"]);
    assert_eq!(t.bars[1].mean_swing, Some(0.0));
    // The routes' own latencies move with the figure too.
    let f = doc.figures.iter().find(|f| f.key == "onprem_firewall.latency_ms").unwrap();
    let via = |p: &[sim_scenarios::experiment::RoutePoint]| p[1].mean_ms.unwrap();
    assert!((via(&f.at_high) - via(&f.at_low) - (r.high - r.low)).abs() < 1e-6);
}

#[test]
fn figures_the_scenario_sets_are_not_varied() {
    let fw = json!({
        "kind": "onprem_firewall",
        "latency_ms": {"kind": "constant", "value": 0.3},
        "throughput_gbps": 5
    });
    let scenario = load_inline(linear(fw));
    let doc = report(&scenario);
    // The latency and its shape are never looked up; the throughput is,
    // but the file's value wins, so varying it would change nothing.
    assert!(doc.figures.is_empty(), "{:?}", doc.figures);
    assert!(doc.skipped.iter().all(|s| !s.key.starts_with("onprem_firewall.latency")));
    let t = doc.skipped.iter().find(|s| s.key == "onprem_firewall.throughput_gbps");
    assert!(t.is_some_and(|s| s.reason.contains("changes nothing")), "{:?}", doc.skipped);
    assert!(doc.tornadoes[0].bars.is_empty());
    assert!((doc.tornadoes[0].mean.estimate - 0.3).abs() < 1e-6);
}

#[test]
fn the_same_scenario_gives_the_same_report_on_any_thread_count() {
    let mut doc = shipped_json("apim-hub-proxy");
    doc["workload"]["requests"] = json!(3000);
    doc["workload"]["warmup_requests"] = json!(300);
    doc["replications"] = json!(2);
    let scenario = load_inline(doc);
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        serde_json::to_string(&pool.install(|| report(&scenario))).unwrap()
    };
    let one = on(1);
    assert_eq!(one, on(3));
    // And every figure varied is an EST figure with a range.
    let parsed: SensitivityReport = serde_json::from_str(&one).unwrap();
    assert!(!parsed.figures.is_empty());
    for f in &parsed.figures {
        assert_eq!(f.tag, "EST");
        assert!(range(&f.key).is_some(), "{}", f.key);
    }
}

#[test]
fn every_estimate_a_shipped_scenario_uses_has_a_range() {
    let mut missing = Vec::new();
    for name in super::catalog_use::shipped_names() {
        let (loaded, keys) = record_lookups(|| {
            Scenario::from_value(std::path::Path::new("s.json"), shipped_json(&name))
        });
        loaded.unwrap();
        for f in
            FIGURES.iter().filter(|f| f.tag == Tag::Est && !f.is_price() && keys.contains(f.key))
        {
            if range(f.key).is_none() {
                missing.push(format!("{}: used by {name}", f.key));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "EST figures without a range in catalog/ranges.rs (add one with its reasoning):\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_value_the_model_cannot_take_is_refused_with_its_key() {
    let scenario = load_inline(linear(json!({"kind": "onprem_firewall"})));
    for (key, v, says) in [
        ("onprem_firewall.latency_ms", 0.0, "must be finite and above 0"),
        ("onprem_firewall.latency_ms", f64::NAN, "must be finite"),
        ("no.such_ms", 1.0, "no such figure"),
    ] {
        let e = scenario.with_catalog_values(&[(key, v)]).unwrap_err().to_string();
        assert!(e.contains(&format!("catalog.{key}")) && e.contains(says), "{e}");
    }
}
