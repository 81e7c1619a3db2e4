//! The analytic cross-check against queueing theory.

use std::path::Path;

use serde_json::json;
use sim_core::RunOptions;
use sim_core::analytic::{erlang_c, mean_latency_ms};
use sim_scenarios::run::Twins;
use sim_scenarios::{Scenario, simulate};

/// M/M/c mean sojourn: Erlang C wait plus service (Kleinrock vol. 1, §3.5).
fn mmc_sojourn_ms(c: u32, lambda_per_ms: f64, mean_ms: f64) -> f64 {
    let a = lambda_per_ms * mean_ms;
    erlang_c(c, a) * mean_ms / (f64::from(c) - a) + mean_ms
}

/// A Jackson network: client → A (M/M/2) → B (M/M/3) → A again, with
/// constant links; A sees every request twice. Product form: the mean is the
/// sum of each visit's M/M/c sojourn at the station's total load, plus links.
#[test]
fn estimate_equals_product_form_on_a_jackson_network() {
    let doc = json!({
        "name": "jackson", "seed": 5, "replications": 4,
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 400 },
                      "requests": 400000, "warmup_requests": 40000 },
        "nodes": {
            "client": { "kind": "client" },
            "a": { "kind": "station", "servers": 2, "service_ms": { "kind": "exponential", "mean": 2.0 } },
            "b": { "kind": "station", "servers": 3, "service_ms": { "kind": "exponential", "mean": 6.0 } }
        },
        "links": [
            { "between": ["client", "a"], "latency_ms": { "kind": "constant", "value": 0.5 } },
            { "between": ["a", "b"], "latency_ms": { "kind": "constant", "value": 1.0 } }
        ],
        "routes": [ { "name": "r", "path": ["client", "a", "b", "a"] } ]
    });
    let file = Path::new("jackson.json");
    let scenario = Scenario::from_value(file, doc).unwrap();
    let model = &scenario.routes()[0].model;
    let estimate = mean_latency_ms(model, 0).unwrap();
    let lambda = 0.4; // per ms
    let theory = 2.0 * mmc_sojourn_ms(2, 2.0 * lambda, 2.0) // A, visited twice at twice the rate
        + mmc_sojourn_ms(3, lambda, 6.0)
        + 0.5 + 1.0 + 1.0; // client→a, a→b, b→a
    assert!((estimate - theory).abs() < 1e-9 * theory, "estimate {estimate}, theory {theory}");
    // And the simulation agrees within 2 %.
    let sims = simulate(&scenario, &RunOptions::new(5, 4), Twins::Skip, &|| {}).unwrap();
    let simulated = sims.routes(&scenario)[0].stats().mean_ms();
    eprintln!(
        "Jackson network: theory {theory:.4} ms, estimate {estimate:.4} ms, simulated {simulated:.4} ms"
    );
    assert!((simulated - theory).abs() < 0.02 * theory, "simulated {simulated}, theory {theory}");
}

/// General service: the estimate is the Allen–Cunneen approximation, exact
/// for M/D/1 (Pollaczek–Khinchine): W = ρ/(2μ(1−ρ)) + 1/μ.
#[test]
fn estimate_is_pollaczek_khinchine_for_md1() {
    let doc = json!({
        "name": "md1", "seed": 5, "replications": 2,
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 800 }, "requests": 1000 },
        "nodes": {
            "client": { "kind": "client" },
            "s": { "kind": "station", "servers": 1, "service_ms": { "kind": "constant", "value": 1.0 } }
        },
        "links": [ { "between": ["client", "s"], "latency_ms": { "kind": "constant", "value": 0 } } ],
        "routes": [ { "name": "r", "path": ["client", "s"] } ]
    });
    let scenario = Scenario::from_value(Path::new("md1.json"), doc).unwrap();
    let est = mean_latency_ms(&scenario.routes()[0].model, 0).unwrap();
    let rho: f64 = 0.8;
    let pk = rho / (2.0 * (1.0 - rho)) + 1.0;
    assert!((est - pk).abs() < 1e-9, "estimate {est}, P-K {pk}");
}

#[test]
fn an_overloaded_route_has_no_estimate() {
    let doc = json!({
        "name": "over", "seed": 5, "replications": 2,
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 2000 }, "requests": 1000 },
        "nodes": {
            "client": { "kind": "client" },
            "s": { "kind": "station", "servers": 1, "service_ms": { "kind": "exponential", "mean": 1.0 } }
        },
        "links": [ { "between": ["client", "s"], "latency_ms": { "kind": "constant", "value": 0 } } ],
        "routes": [ { "name": "r", "path": ["client", "s"] } ]
    });
    let scenario = Scenario::from_value(Path::new("over.json"), doc).unwrap();
    assert_eq!(mean_latency_ms(&scenario.routes()[0].model, 0), None);
}
