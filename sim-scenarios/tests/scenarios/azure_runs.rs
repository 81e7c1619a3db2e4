//! Short runs of the shipped Azure scenarios: what the results must show.

use sim_scenarios::RunReport;
use sim_scenarios::report::{HopReport, RouteReport};

use super::{load_with, run};

/// A short run: few requests, two replications.
const SMALL: [(&str, &str); 3] =
    [("workload.requests", "4000"), ("workload.warmup_requests", "400"), ("replications", "2")];

fn run_small(name: &str, extra: &[(&str, &str)]) -> RunReport {
    let sets: Vec<(&str, &str)> = SMALL.iter().chain(extra).copied().collect();
    run(&load_with(name, &sets))
}

fn route<'a>(r: &'a RunReport, name: &str) -> &'a RouteReport {
    r.routes.iter().find(|x| x.name == name).unwrap_or_else(|| panic!("no route {name}"))
}

fn hop<'a>(r: &'a RouteReport, node: &str) -> &'a HopReport {
    r.hops.iter().find(|h| h.node == node).unwrap_or_else(|| panic!("no hop {node}"))
}

#[test]
fn green_loads_the_hub_firewall_twice_as_much_as_red() {
    let report = run_small("apim-hub-proxy", &[]);
    let (green, red) = (route(&report, "green"), route(&report, "red"));
    // Both hub-fw hops of green are one station: they report the same
    // utilisation.
    let green_fw: Vec<f64> = green
        .hops
        .iter()
        .filter(|h| h.node == "hub-fw")
        .map(|h| h.utilization.expect("a firewall has finite servers"))
        .collect();
    assert_eq!(green_fw.len(), 2);
    assert_eq!(green_fw[0], green_fw[1], "one firewall, one utilisation");
    let red_fw = hop(red, "hub-fw").utilization.unwrap();
    assert!(red_fw > 0.0);
    let ratio = green_fw[0] / red_fw;
    // Each request and response crosses it twice on green, once on red; the
    // nested calls (about 1 % of requests, small messages) cross it equally.
    assert!((1.8..=2.2).contains(&ratio), "green/red hub-fw utilisation {ratio}");
}

#[test]
fn authorisation_cost_is_reported_and_the_token_cache_matters() {
    let cached = run_small("apim-hub-proxy", &[]);
    let uncached = run_small("apim-hub-proxy-no-token-cache", &[]);
    for name in ["green", "red"] {
        let c = route(&cached, name).auth_added_ms.as_ref().expect("APIM validates JWTs");
        assert!(c.mean > 0.0, "{name}: cached auth_added_ms.mean {}", c.mean);
        let u = route(&uncached, name).auth_added_ms.as_ref().expect("APIM validates JWTs");
        // Every request exchanges a token with Entra ID (lognormal, median
        // 150 ms) through the firewall.
        assert!(u.mean >= 100.0, "{name}: uncached auth_added_ms.mean {}", u.mean);
        assert!(u.mean > 20.0 * c.mean, "{name}: uncached {} vs cached {}", u.mean, c.mean);
        // The token exchange is this node's sub-call time.
        let sub = hop(route(&uncached, name), "apim").subcall_ms_mean;
        assert!(sub >= 100.0, "{name}: apim subcall {sub}");
    }
}

#[test]
fn a_route_without_authorisation_reports_none() {
    let report = run_small("apim-hub-proxy", &[]);
    assert!(report.routes.iter().all(|r| r.auth_added_ms.is_some()));
    // Without validate_jwt and token_exchange there is nothing to remove.
    let mut value = super::shipped_json("apim-hub-proxy");
    value["nodes"]["apim"].as_object_mut().unwrap().remove("policies");
    for (p, v) in SMALL {
        sim_scenarios::file::set_path(&mut value, p, v).unwrap();
    }
    let s = super::load_inline(value);
    assert!(s.routes().iter().all(|r| r.model_without_auth.is_none()));
    let report = run(&s);
    assert!(report.routes.iter().all(|r| r.auth_added_ms.is_none()));
}

#[test]
fn hop_components_add_up_to_the_mean_latency() {
    for name in ["apim-hub-proxy", "apim-hub-proxy-no-token-cache", "onprem-gateway"] {
        let report = run_small(name, &[]);
        for r in &report.routes {
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
            let mean = r.latency_ms.mean.unwrap();
            assert!(
                (sum - mean).abs() <= 1e-6 * mean,
                "{name}/{}: components sum to {sum}, mean is {mean}",
                r.name
            );
            assert!(r.completed > 0 && r.timed_out == 0, "{name}/{}", r.name);
            // Handshakes happen (10 % of requests open a connection).
            let handshakes: f64 = r.hops.iter().map(|h| h.handshake_ms_mean).sum();
            assert!(handshakes > 0.0, "{name}/{}", r.name);
        }
    }
}
