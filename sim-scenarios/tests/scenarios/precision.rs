//! Running until the mean is precise enough.

use std::path::Path;

use serde_json::json;
use sim_scenarios::experiment::{PrecisionTarget, simulate_to_precision};
use sim_scenarios::report::PrecisionOn;
use sim_scenarios::run::Twins;
use sim_scenarios::{Scenario, report};

fn target(relative_half_width: f64, on: PrecisionOn, max_replications: u64) -> PrecisionTarget {
    PrecisionTarget { relative_half_width, on, max_replications }
}

fn scenario() -> Scenario {
    let doc = json!({
        "name": "mm1", "seed": 3, "replications": 4,
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 500 },
                      "requests": 5000, "warmup_requests": 500 },
        "nodes": {
            "client": { "kind": "client" },
            "s": { "kind": "station", "servers": 1, "service_ms": { "kind": "exponential", "mean": 1.0 } }
        },
        "links": [ { "between": ["client", "s"], "latency_ms": { "kind": "constant", "value": 0 } } ],
        "routes": [ { "name": "r", "path": ["client", "s"] } ]
    });
    Scenario::from_value(Path::new("mm1.json"), doc).unwrap()
}

#[test]
fn adds_batches_until_the_target_is_met_and_is_deterministic() {
    let s = scenario();
    let (sims, outcome) =
        simulate_to_precision(&s, 3, 4, &target(0.01, PrecisionOn::Mean, 400), Twins::Run, &|| {})
            .unwrap();
    assert!(outcome.reached, "{outcome:?}");
    assert!(outcome.worst_relative_half_width.unwrap() <= 0.01);
    assert_eq!(outcome.replications % 4, 0, "whole batches");
    assert!(outcome.replications > 4, "one batch of 5,000 requests is not 1 % precise");
    // The interval really is that narrow, and the run is a pure function.
    let rep = report(&s, 3, outcome.replications, &sims);
    let [lo, hi] = rep.routes[0].latency_ms.mean_ci95.unwrap();
    assert!((hi - lo) / 2.0 <= 0.01 * rep.routes[0].latency_ms.mean.unwrap() + 1e-12);
    let (again, second) =
        simulate_to_precision(&s, 3, 4, &target(0.01, PrecisionOn::Mean, 400), Twins::Run, &|| {})
            .unwrap();
    assert_eq!(second, outcome);
    assert_eq!(report(&s, 3, second.replications, &again), rep);
}

#[test]
fn stops_at_the_maximum_and_says_so() {
    let s = scenario();
    let (_, outcome) =
        simulate_to_precision(&s, 3, 4, &target(0.0001, PrecisionOn::P99, 8), Twins::Run, &|| {})
            .unwrap();
    assert!(!outcome.reached);
    assert_eq!(outcome.replications, 8);
}
