//! What new connections cost: TCP 1 RTT + TLS 1.2 2 RTT (1.3: 1 RTT) of the
//! static round trip to the terminator, and handshake CPU at the terminator.
//!
//! Every latency here is constant and the load is tiny (10 requests per
//! second, equally spaced), so the reported means are exact.

use serde_json::{Value, json};
use sim_scenarios::azure::catalog::value;
use sim_scenarios::file::set_path;
use sim_scenarios::report::RouteReport;

use super::{load_inline, run};

// One-way link latencies and pipeline delays [ms].
pub(super) const CLIENT_FW: f64 = 0.1;
pub(super) const FW_APIM: f64 = 0.2;
pub(super) const APIM_GW: f64 = 0.4;
pub(super) const GW_BACKEND: f64 = 1.5;
pub(super) const FW_DELAY: f64 = 0.25;
pub(super) const GW_DELAY: f64 = 0.3;
const APIM_DELAY: f64 = 0.5;
const BACKEND_SERVICE: f64 = 1.0;

/// Static RTT from the client to APIM: both links twice, and the
/// firewall's pipeline delay on the way there and back.
const RTT_CLIENT_APIM: f64 = 2.0 * (CLIENT_FW + FW_APIM) + 2.0 * FW_DELAY;
/// Static RTT from APIM to the backend, through the ExpressRoute gateway:
/// only the packets from on-premises cross it (issue 11 item 2), so its
/// pipeline delay counts once.
const RTT_APIM_BACKEND: f64 = 2.0 * (APIM_GW + GW_BACKEND) + GW_DELAY;

/// client → fw → apim → gw → backend; the client and APIM never reuse a
/// connection. APIM's capacity is huge, so its service is its pipeline
/// latency plus a few microseconds.
pub(super) fn scenario() -> Value {
    let c = |v: f64| json!({ "kind": "constant", "value": v });
    json!({
        "name": "tls",
        "seed": 11,
        "replications": 2,
        "workload": {
            "arrival": { "kind": "constant", "rate_per_s": 10 },
            "requests": 300,
            "warmup_requests": 0
        },
        "nodes": {
            "client": { "kind": "client", "connection_reuse": 0 },
            "fw": { "kind": "azure_firewall", "sku": "standard", "latency_ms": c(FW_DELAY) },
            "apim": {
                "kind": "apim", "tier": "premium", "units": 1,
                "capacity_per_unit_per_s": 1e6,
                "gateway_latency_ms": c(APIM_DELAY),
                "trusts": ["public", "onprem-root"],
                "connection_reuse": 0,
                "tls_version": "1.2"
            },
            "gw": { "kind": "vnet_gateway", "gateway": "expressroute", "sku": "ErGw1AZ",
                    "latency_ms": c(GW_DELAY) },
            "backend": { "kind": "backend", "servers": 4, "service_ms": c(BACKEND_SERVICE),
                         "tls_version": "1.2" }
        },
        "links": [
            { "between": ["client", "fw"], "latency_ms": c(CLIENT_FW) },
            { "between": ["fw", "apim"], "latency_ms": c(FW_APIM) },
            { "between": ["apim", "gw"], "latency_ms": c(APIM_GW) },
            { "between": ["gw", "backend"], "latency_ms": c(GW_BACKEND) }
        ],
        "routes": [ { "name": "r", "path": ["client", "fw", "apim", "gw", "backend"] } ]
    })
}

fn with(sets: &[(&str, &str)]) -> RouteReport {
    let mut v = scenario();
    for (p, x) in sets {
        set_path(&mut v, p, x).unwrap();
    }
    let report = run(&load_inline(v));
    let r = report.routes.into_iter().next().unwrap();
    assert_eq!(r.completed, r.offered, "every request completes");
    r
}

fn hop<'a>(r: &'a RouteReport, node: &str) -> &'a sim_scenarios::report::HopReport {
    r.hops.iter().find(|h| h.node == node).unwrap()
}

fn near(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want} (± {tol})");
}

/// Handshake waits are sums of nanosecond-rounded constants.
const EXACT: f64 = 1e-5;

#[test]
fn tls_1_2_costs_three_round_trips_to_each_terminator() {
    assert_eq!(value("tcp.handshake_rtts") + value("tls.tls12_handshake_rtts"), 3.0);
    let r = with(&[]);
    near(hop(&r, "client").handshake_ms_mean, 3.0 * RTT_CLIENT_APIM, EXACT, "client → apim");
    near(hop(&r, "apim").handshake_ms_mean, 3.0 * RTT_APIM_BACKEND, EXACT, "apim → backend");
    // Pass-through devices open nothing.
    for node in ["fw", "gw", "backend"] {
        assert_eq!(hop(&r, node).handshake_ms_mean, 0.0, "{node}");
    }
    // The explanation shows the same arithmetic.
    let s = load_inline(scenario());
    let plan = &s.routes()[0].hops;
    let c = plan[0].new_connection.as_deref().unwrap();
    assert!(c.starts_with("to apim (3 RTT of 1.100 ms = 3.300 ms"), "{c}");
    let a = plan[2].new_connection.as_deref().unwrap();
    assert!(a.starts_with("to backend (3 RTT of 4.100 ms = 12.300 ms"), "{a}");
    assert!(a.ends_with("with probability 1.00"), "{a}");
    assert!(plan[1].new_connection.is_none() && plan[3].new_connection.is_none());
}

#[test]
fn tls_1_3_costs_two_round_trips() {
    assert_eq!(value("tcp.handshake_rtts") + value("tls.tls13_handshake_rtts"), 2.0);
    // Quoted: `--set x=1.3` reads a JSON number, and the version is a string.
    let r =
        with(&[("nodes.apim.tls_version", "\"1.3\""), ("nodes.backend.tls_version", "\"1.3\"")]);
    near(hop(&r, "client").handshake_ms_mean, 2.0 * RTT_CLIENT_APIM, EXACT, "client → apim");
    near(hop(&r, "apim").handshake_ms_mean, 2.0 * RTT_APIM_BACKEND, EXACT, "apim → backend");
    // The version belongs to the terminator: only APIM on 1.3.
    let r = with(&[("nodes.apim.tls_version", "\"1.3\"")]);
    near(hop(&r, "client").handshake_ms_mean, 2.0 * RTT_CLIENT_APIM, EXACT, "client → apim");
    near(hop(&r, "apim").handshake_ms_mean, 3.0 * RTT_APIM_BACKEND, EXACT, "apim → backend");
}

#[test]
fn warm_connections_cost_nothing() {
    let r = with(&[("nodes.client.connection_reuse", "1"), ("nodes.apim.connection_reuse", "1")]);
    for h in &r.hops {
        assert_eq!(h.handshake_ms_mean, 0.0, "{}", h.node);
    }
    near(hop(&r, "backend").service_ms_mean, BACKEND_SERVICE, EXACT, "backend service");
    near(hop(&r, "apim").service_ms_mean, APIM_DELAY, 0.005, "apim service");
    // The whole route is then the static floor: links and pipelines (the
    // requests, towards on-premises, bypass the ExpressRoute gateway).
    let floor = CLIENT_FW + FW_APIM + APIM_GW + GW_BACKEND + FW_DELAY;
    near(r.latency_ms.mean.unwrap(), floor + APIM_DELAY + BACKEND_SERVICE, 0.005, "latency");
    // Half reuse at the client: half the requests pay.
    let r = with(&[("nodes.client.connection_reuse", "0.5")]);
    let h = hop(&r, "client").handshake_ms_mean;
    near(h, 0.5 * 3.0 * RTT_CLIENT_APIM, 0.15 * 3.0 * RTT_CLIENT_APIM, "half reuse");
}

#[test]
fn terminators_spend_handshake_cpu_in_their_service() {
    let rsa = value("tls.rsa2048_handshake_cpu_ms");
    let ecdsa = value("tls.ecdsa_p256_handshake_cpu_ms");
    assert!(rsa > ecdsa && ecdsa > 0.0);
    let r = with(&[]);
    near(hop(&r, "backend").service_ms_mean, BACKEND_SERVICE + rsa, EXACT, "backend, RSA");
    near(hop(&r, "apim").service_ms_mean, APIM_DELAY + rsa, 0.005, "apim, RSA");
    // Pass-through devices spend none.
    near(hop(&r, "fw").service_ms_mean, FW_DELAY, EXACT, "fw");
    // Nor does the ExpressRoute gateway see these one-way requests: they
    // go to on-premises, past it (issue 11 item 2).
    near(hop(&r, "gw").service_ms_mean, 0.0, EXACT, "gw");

    let r = with(&[("nodes.backend.certificate_key", "ecdsa_p256")]);
    near(hop(&r, "backend").service_ms_mean, BACKEND_SERVICE + ecdsa, EXACT, "backend, ECDSA");
    near(hop(&r, "apim").service_ms_mean, APIM_DELAY + rsa, 0.005, "apim still RSA");
    // The key does not change the round trips.
    near(hop(&r, "apim").handshake_ms_mean, 3.0 * RTT_APIM_BACKEND, EXACT, "apim → backend");
}
