//! Automatic warm-up: MSER-5 removes the empty-start bias.

use std::path::Path;

use serde_json::json;
use sim_core::RunOptions;
use sim_core::stats::mean_ci95;
use sim_scenarios::run::{Twins, resolve_auto_warmup};
use sim_scenarios::{Scenario, simulate};

fn mm1(warmup: serde_json::Value) -> Scenario {
    // M/M/1 at ρ = 0.95, started empty: the early requests find short
    // queues, so an unwarmed mean is biased low (theory: 1/(μ−λ) = 20 ms).
    let doc = json!({
        "name": "mm1-cold", "seed": 17, "replications": 60,
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 950 },
                      "requests": 6000, "warmup_requests": warmup },
        "nodes": {
            "client": { "kind": "client" },
            "s": { "kind": "station", "servers": 1, "service_ms": { "kind": "exponential", "mean": 1.0 } }
        },
        "links": [ { "between": ["client", "s"], "latency_ms": { "kind": "constant", "value": 0 } } ],
        "routes": [ { "name": "r", "path": ["client", "s"] } ]
    });
    Scenario::from_value(Path::new("mm1-cold.json"), doc).unwrap()
}

fn replication_means(s: &Scenario) -> Vec<f64> {
    let sims = simulate(s, &RunOptions::new(17, 60), Twins::Skip, &|| {}).unwrap();
    sims.routes(s)[0].stats().replication_means_ms()
}

#[test]
fn mser5_detects_the_transient_and_removes_the_initial_bias() {
    let (resolved, detected) = resolve_auto_warmup(&mm1(json!("auto"))).unwrap();
    let warmup = detected.expect("auto was asked for");
    assert!(warmup > 0 && warmup <= 3000, "detected warm-up {warmup}");
    assert_eq!(resolved.spec().workload.warmup_requests.count(), warmup);

    let cold = replication_means(&mm1(json!(0)));
    let warm = replication_means(&resolved);
    // Same seeds: the paired difference isolates what the warm-up removes.
    let diffs: Vec<f64> = warm.iter().zip(&cold).map(|(w, c)| w - c).collect();
    let ci = mean_ci95(&diffs).unwrap();
    let (mc, mw) = (cold.iter().sum::<f64>() / 60.0, warm.iter().sum::<f64>() / 60.0);
    eprintln!(
        "warm-up {warmup}: mean without {mc:.3} ms, with {mw:.3} ms (theory 20), difference in [{:.3}, {:.3}]",
        ci.low, ci.high
    );
    assert!(ci.low > 0.0, "the warm-up raises the mean: [{}, {}]", ci.low, ci.high);
    assert!((mw - 20.0).abs() < (mc - 20.0).abs(), "closer to theory: {mw} vs {mc}");
}

#[test]
fn a_given_count_is_left_alone() {
    let (s, detected) = resolve_auto_warmup(&mm1(json!(100))).unwrap();
    assert_eq!(detected, None);
    assert_eq!(s.spec().workload.warmup_requests.count(), 100);
}
