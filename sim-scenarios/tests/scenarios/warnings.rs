//! Each warning fires where it should, with its advice.

use std::path::Path;

use serde_json::{Value, json};
use sim_core::RunOptions;
use sim_scenarios::report::WarningKind;
use sim_scenarios::run::Twins;
use sim_scenarios::{Scenario, report, simulate};

fn warnings_of(
    arrival: Value,
    mean_ms: f64,
    requests: u64,
    warmup: u64,
    reps: u64,
) -> Vec<WarningKind> {
    let doc = json!({
        "name": "w", "seed": 9, "replications": reps,
        "workload": { "arrival": arrival, "requests": requests, "warmup_requests": warmup },
        "nodes": {
            "client": { "kind": "client" },
            "s": { "kind": "station", "servers": 1, "service_ms": { "kind": "exponential", "mean": mean_ms } }
        },
        "links": [ { "between": ["client", "s"], "latency_ms": { "kind": "constant", "value": 0 } } ],
        "routes": [ { "name": "r", "path": ["client", "s"] } ]
    });
    let s = Scenario::from_value(Path::new("w.json"), doc).unwrap();
    let sims = simulate(&s, &RunOptions::new(9, reps), Twins::Run, &|| {}).unwrap();
    report(&s, 9, reps, &sims).warnings.into_iter().map(|w| w.kind).collect()
}

fn poisson(rate: f64) -> Value {
    json!({ "kind": "poisson", "rate_per_s": rate })
}

#[test]
fn few_samples_for_p999() {
    let w = warnings_of(poisson(100.0), 1.0, 20_000, 2_000, 2);
    assert!(
        w.iter().any(
            |k| matches!(k, WarningKind::TooFewSamples { percentile, .. } if percentile == "p99.9")
        ),
        "{w:?}"
    );
    // Enough samples: no such warning.
    let w = warnings_of(poisson(100.0), 1.0, 120_000, 10_000, 2);
    assert!(!w.iter().any(|k| matches!(k, WarningKind::TooFewSamples { .. })), "{w:?}");
}

#[test]
fn saturated_unstable_and_short_warmup() {
    let w = warnings_of(poisson(940.0), 1.0, 20_000, 200, 2);
    assert!(
        w.iter()
            .any(|k| matches!(k, WarningKind::Saturated { utilization, .. } if *utilization > 0.9)),
        "{w:?}"
    );
    assert!(w.iter().any(|k| matches!(k, WarningKind::ShortWarmup { .. })), "{w:?}");
    let w = warnings_of(poisson(1500.0), 1.0, 20_000, 2_000, 2);
    assert!(w.iter().any(|k| matches!(k, WarningKind::Unstable { .. })), "{w:?}");
    assert!(
        !w.iter().any(|k| matches!(k, WarningKind::Saturated { .. })),
        "unstable is not also saturated: {w:?}"
    );
    let w = warnings_of(poisson(300.0), 1.0, 20_000, 2_000, 2);
    assert!(
        !w.iter().any(|k| matches!(
            k,
            WarningKind::Saturated { .. }
                | WarningKind::Unstable { .. }
                | WarningKind::ShortWarmup { .. }
        )),
        "{w:?}"
    );
}

#[test]
fn one_replication() {
    let w = warnings_of(poisson(100.0), 1.0, 2_000, 200, 1);
    assert!(w.contains(&WarningKind::OneReplication), "{w:?}");
}

/// Bursty on/off arrivals at a low mean load queue far more than Poisson at
/// the same rate: the estimate (which treats them as Poisson) disagrees, and
/// the warning points at the model.
#[test]
fn simulation_far_from_theory_at_low_load() {
    let bursty = json!({ "kind": "on_off", "rate_per_s": 3000, "on_ms": 20, "off_ms": 180 });
    let w = warnings_of(bursty, 1.0, 40_000, 4_000, 2);
    assert!(w.iter().any(|k| matches!(k, WarningKind::AnalyticMismatch { .. })), "{w:?}");
    let w = warnings_of(poisson(300.0), 1.0, 40_000, 4_000, 2);
    assert!(!w.iter().any(|k| matches!(k, WarningKind::AnalyticMismatch { .. })), "{w:?}");
}
