//! Issue 11 item 7: the platform latency (a route's latency minus its time
//! at the backends) in saved states, merged exactly, and the warning for a
//! backend that takes the catalog's estimate.

use sim_core::RunOptions;
use sim_scenarios::report::RouteState;
use sim_scenarios::run::Twins;
use sim_scenarios::simulate;

use crate::load_with;

const SMALL: [(&str, &str); 2] =
    [("workload.requests", "6000"), ("workload.warmup_requests", "600")];

/// The states of `apim-hub-proxy` for replications `first..first + n`.
fn states(first: u64, n: u64) -> Vec<RouteState> {
    let scenario = load_with("apim-hub-proxy", &SMALL);
    let opts = RunOptions { first_replication: first, ..RunOptions::new(42, n) };
    let sims = simulate(&scenario, &opts, Twins::Skip, &|| {}).unwrap();
    let costs = sim_scenarios::report::state_costs(&scenario);
    sims.routes(&scenario)
        .iter()
        .zip(costs)
        .map(|(r, c)| RouteState::from_run(0, &[], r, first, c))
        .collect()
}

#[test]
fn issue_11_saved_and_merged_platform_histograms_equal_a_single_runs() {
    let whole = states(0, 4);
    let mut merged = states(0, 1);
    for (m, other) in merged.iter_mut().zip(states(1, 3)) {
        // Through the wire format, as merge reads them.
        let line = serde_json::to_string(&other).unwrap();
        m.merge(&serde_json::from_str(&line).unwrap()).unwrap();
    }
    for (w, m) in whole.iter().zip(&merged) {
        assert_eq!(m.platform, w.platform, "route {}: merged platform state", w.route);
        assert_eq!(m, w, "route {}: the whole merged state", w.route);
        w.check(4, &[]).unwrap();
        let (sum, platform) =
            (w.latency_sum_ns.parse::<u128>().unwrap(), w.platform.sum_ns.parse::<u128>().unwrap());
        // The backend's mean is 5 ms: the platform sum is smaller by about that much per request.
        let backend_ms = (sum - platform) as f64 / w.completed as f64 / 1e6;
        assert!((4.5..6.0).contains(&backend_ms), "route {}: backend {backend_ms} ms", w.route);
        let (s, p) = (w.summary().unwrap(), m.summary().unwrap());
        assert_eq!(s.platform_mean_ms, p.platform_mean_ms);
        assert_eq!(s.platform_quantile_ms(0.99), p.platform_quantile_ms(0.99));
        assert!(s.platform_mean_ms < s.mean_ms);
    }
}

#[test]
fn issue_11_a_tampered_platform_state_is_refused() {
    let good = states(0, 2).remove(0);
    // The route's end-to-end histogram in place of its platform one: the
    // same count, but its largest bucket holds the latency's maximum, some
    // 5 ms (the backend) above the platform's. (Another route's platform
    // histogram can share both by chance: it did once the token cache's
    // flushes moved the draws, issue 12.)
    let mut swapped = good.clone();
    swapped.platform.histogram = good.histogram.clone();
    let mut above = good.clone();
    above.platform.sum_ns = (good.latency_sum_ns.parse::<u128>().unwrap() + 1).to_string();
    above.platform.max_ns = good.max_ns + 1;
    let mut reps = good.clone();
    reps.platform.replication_means_ms.pop();
    for (what, s) in
        [("swapped histogram", swapped), ("above the latency", above), ("replications", reps)]
    {
        assert!(s.check(2, &[]).is_err(), "{what}: accepted");
    }
    good.check(2, &[]).unwrap();
}

#[test]
fn issue_11_a_backend_on_the_catalog_default_is_warned_about() {
    let scenario = load_with("apim-hub-proxy", &[]);
    assert!(
        scenario.routes().iter().all(|r| r.findings.iter().all(|f| f.check != "estimated_backend")),
        "the shipped backend states its law and servers"
    );
    let mut doc = crate::shipped_json("apim-hub-proxy");
    let backend = doc["nodes"]["backend"].as_object_mut().unwrap();
    backend.remove("service_ms");
    backend.remove("servers");
    let scenario =
        sim_scenarios::Scenario::from_value(std::path::Path::new("x.json"), doc).unwrap();
    for r in scenario.routes() {
        let f = r
            .findings
            .iter()
            .find(|f| f.check == "estimated_backend")
            .unwrap_or_else(|| panic!("route {}: no estimated_backend finding", r.name));
        assert_eq!(f.severity, sim_scenarios::azure::Severity::Warning);
        for want in ["nodes.backend.service_ms", "nodes.backend.servers", "catalog's estimate"] {
            assert!(f.message.contains(want), "{}", f.message);
        }
    }
}
