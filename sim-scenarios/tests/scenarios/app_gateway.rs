//! Application Gateway v2 as Azure documents it (issue 11 item 1): a
//! processing latency apart from its capacity, capacity as the pooled
//! capacity units of its instances, the meter's CU count, and `explain`'s
//! floor agreeing with a run at low load.

use sim_scenarios::RunReport;
use sim_scenarios::compile::MeterPlan;
use sim_scenarios::report::{HopReport, RouteReport};

use super::{load_with, run};

fn route<'a>(r: &'a RunReport, name: &str) -> &'a RouteReport {
    r.routes.iter().find(|x| x.name == name).unwrap_or_else(|| panic!("no route {name}"))
}

fn hop<'a>(r: &'a RouteReport, node: &str) -> &'a HopReport {
    r.hops.iter().find(|h| h.node == node).unwrap_or_else(|| panic!("no hop {node}"))
}

/// Topology B at 200 req/s, short: `extra` overrides on top.
fn topology_b(extra: &[(&str, &str)]) -> RunReport {
    let mut sets = vec![
        ("workload.requests", "20000"),
        ("workload.warmup_requests", "2000"),
        ("replications", "2"),
    ];
    sets.extend_from_slice(extra);
    run(&load_with("onprem-gateway", &sets))
}

/// Every measured request of `name` completed and App GW queued it for
/// less than a millisecond on average.
fn completes_without_queueing(report: &RunReport, name: &str) {
    let r = route(report, name);
    assert!(r.offered > 0, "{name}: nothing offered");
    assert_eq!(
        r.completed, r.offered,
        "{name}: {} timed out, {} rejected",
        r.timed_out, r.rejected
    );
    let wait = hop(r, "appgw").wait_ms_mean;
    assert!(wait < 1.0, "{name}: App GW queueing {wait} ms");
}

#[test]
fn issue_11_app_gateway_carries_200_per_s_of_64_kb_responses() {
    // Before: 22.2 Mbit/s per instance as a FIFO service made every request
    // on green and third time out (30 s).
    let report = topology_b(&[(
        "workload.response_bytes",
        r#"{"kind": "lognormal", "mean": 65536, "p99": 262144}"#,
    )]);
    for name in ["green", "third"] {
        completes_without_queueing(&report, name);
    }
}

#[test]
fn issue_11_waf_v2_at_200_per_s_is_not_saturated() {
    // Before: a 10 ms service per request on each of two instances
    // saturated below 200 req/s.
    let report = topology_b(&[("nodes.appgw.sku", r#""waf_v2""#)]);
    for name in ["green", "third"] {
        completes_without_queueing(&report, name);
        let u = hop(route(&report, name), "appgw").utilization.expect("App GW has a server");
        assert!(u < 0.5, "{name}: App GW {u} busy");
    }
}

#[test]
fn app_gateway_saturates_where_the_pool_of_capacity_units_is_exceeded() {
    // Two instances × 10 CU = 20 CU = 44.4 Mbit/s; 200 req/s of 2 KB
    // requests and 32 KB responses need 55.7 Mbit/s = 25.1 CU.
    let sets = [
        ("nodes.appgw.capacity_units_per_instance", "10"),
        ("workload.response_bytes", r#"{"kind": "constant", "value": 32768}"#),
    ];
    let scenario = load_with("onprem-gateway", &sets);
    let green = scenario.routes().iter().find(|r| r.name == "green").unwrap();
    let m = meter(&scenario, "green");
    assert!((m.throughput_cu - 200.0 * (2048.0 + 32768.0) * 8.0 / 1e6 / 2.22).abs() < 1e-9);
    assert!(m.note.contains("the gateway saturates"), "{}", m.note);
    assert!(sim_core::analytic::estimate(&green.model, 0).is_none(), "the model is overloaded");
    // The same load on the default ceiling (2 × 100 CU) is far from it.
    let report = topology_b(&sets[1..]);
    let u = hop(route(&report, "green"), "appgw").utilization.unwrap();
    assert!(u < 0.2, "green: App GW {u} busy with 200 CU pooled");
}

/// The meter of route `name`'s App GW hop.
fn meter(scenario: &sim_scenarios::Scenario, name: &str) -> MeterPlan {
    let r = scenario.routes().iter().find(|r| r.name == name).unwrap();
    r.hops.iter().find_map(|h| h.meter.clone()).expect("an App GW hop has a meter")
}

#[test]
fn the_meter_counts_capacity_units_as_hand_computed() {
    // 200 req/s of 2,048 + 8,192 bytes = 16.384 Mbit/s = 7.3802 CU at
    // 2.22 Mbit/s per CU; 10 % new connections from the client = 20 RSA
    // handshakes/s = 0.4 CU at 50 per CU. The largest, 7.38 CU, needs one
    // instance at the guaranteed 10 CU.
    let scenario = load_with("onprem-gateway", &[]);
    let m = meter(&scenario, "green");
    let throughput = 200.0 * (2048.0 + 8192.0) * 8.0 / 1e6 / 2.22;
    assert!((m.throughput_cu - throughput).abs() < 1e-9, "{m:?}");
    assert!((m.compute_cu - 0.4).abs() < 1e-9, "{m:?}");
    assert!((m.demand_cu - throughput).abs() < 1e-9, "{m:?}");
    assert_eq!((m.instances_asked, m.instances), (1, 2));
    assert!(
        m.note.starts_with("the meter asks for 7.38 CU = 1 instance at this load"),
        "{}",
        m.note
    );
    // Third crosses App GW once too (the firewall twice): the same meter.
    assert_eq!(meter(&scenario, "third").throughput_cu, m.throughput_cu);
    // WAF_v2: 200 req/s at 10 per CU = 20 CU of compute, plus the
    // handshakes: 20.4 CU, three instances, more than the two simulated.
    let waf = load_with("onprem-gateway", &[("nodes.appgw.sku", r#""waf_v2""#)]);
    let m = meter(&waf, "green");
    assert!((m.compute_cu - 20.4).abs() < 1e-9, "{m:?}");
    assert_eq!(m.instances_asked, 3);
    assert!(m.note.contains("manual scale adds none: set instances to at least 3"), "{}", m.note);
    // ECDSA P-256: a handshake costs 0.05 / 1.4 of an RSA-2048 one.
    let ecdsa = load_with("onprem-gateway", &[("nodes.appgw.certificate_key", r#""ecdsa_p256""#)]);
    let m = meter(&ecdsa, "green");
    assert!((m.compute_cu - 20.0 / (50.0 * 1.4 / 0.05)).abs() < 1e-12, "{m:?}");
}

#[test]
fn autoscale_simulates_its_minimum_and_says_what_the_meter_asks_for() {
    let sets = [
        ("nodes.appgw.instances", "null"),
        ("nodes.appgw.autoscale", r#"{"min_instances": 2, "max_instances": 10}"#),
        ("nodes.appgw.sku", r#""waf_v2""#),
    ];
    let scenario = load_with("onprem-gateway", &sets);
    let m = meter(&scenario, "green");
    assert_eq!((m.instances, m.autoscale_max, m.instances_asked), (2, Some(10), 3));
    assert!(
        m.note
            .contains("autoscale would add 1 after its scale-out delay of 3-5 min, not simulated"),
        "{}",
        m.note
    );
    let report = run(&scenario);
    let warned: Vec<&str> = report
        .warnings
        .iter()
        .filter(|w| w.message.contains("the meter asks for"))
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(warned.len(), 2, "green and third: {warned:?}");
    assert!(warned[0].starts_with("route green: appgw: the meter asks for 20.4 CU = 3 instances"));
    // Standard_v2 at the same load asks for one instance: no warning.
    let quiet = topology_b(&[]);
    assert!(!quiet.warnings.iter().any(|w| w.message.contains("meter")), "{:?}", quiet.warnings);
}

#[test]
fn explain_floor_equals_a_run_at_low_load_on_every_hop() {
    // No new connections and no nested calls (the floor leaves both out),
    // 10 req/s: what remains is every per-request and per-byte cost.
    let scenario = load_with(
        "onprem-gateway",
        &[
            ("workload.arrival.rate_per_s", "10"),
            ("workload.requests", "40000"),
            ("workload.warmup_requests", "1000"),
            ("replications", "4"),
            ("nodes.client.connection_reuse", "1"),
            ("nodes.appgw.connection_reuse", "1"),
            ("nodes.onprem-apigw.connection_reuse", "1"),
            ("nodes.onprem-apigw.protocol_transition.cache_hit_ratio", "1"),
        ],
    );
    let report = run(&scenario);
    for compiled in scenario.routes() {
        let r = route(&report, &compiled.name);
        let floor: f64 = compiled.hops.iter().map(|h| h.floor_ms).sum();
        let mean = r.latency_ms.mean.unwrap();
        let [lo, hi] = r.latency_ms.mean_ci95.unwrap();
        // The 95 % half-width is about two standard errors: allow about four,
        // plus the little queueing 10 req/s leaves.
        let tolerance = (hi - lo) + 0.05;
        assert!(
            (mean - floor).abs() <= tolerance,
            "{}: run {mean} ms vs explain floor {floor} ms (±{tolerance})",
            compiled.name
        );
        for (plan, hop) in compiled.hops.iter().zip(&r.hops) {
            assert_eq!(plan.node, hop.node);
            let measured = hop.wait_ms_mean
                + hop.service_ms_mean
                + hop.link_ms_mean
                + hop.serialization_ms_mean;
            // A hop's mean rests on one law's noise: 2 % of its size (the
            // backend's lognormal) and 0.02 ms.
            let tolerance = 0.02 * plan.floor_ms + 0.02;
            assert!(
                (measured - plan.floor_ms).abs() <= tolerance,
                "{} hop {}: run {measured} ms vs floor {} ms",
                compiled.name,
                plan.node,
                plan.floor_ms
            );
        }
    }
}
