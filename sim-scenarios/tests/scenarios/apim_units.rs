//! APIM as Azure documents it (issue 11 item 3): units of several cores,
//! pooled backend connections with the per-authority limit, the JWKS
//! fetch's own figure, the send-request timeout, and `explain`'s effective
//! capacity.

use serde_json::{Value, json};
use sim_scenarios::RunReport;
use sim_scenarios::report::{HopReport, RouteReport};

use super::{load_inline, run};

/// client → apim → ExpressRoute gateway (ErGw3AZ, far from its limits) →
/// backend (and entra beside apim), round trip, Poisson
/// at `rate` per second. `apim` and `backend` are merged into the
/// defaults: a Premium instance of two units without policies, and a
/// backend of constant 1 ms with room for everyone.
fn scenario(rate: f64, requests: u64, apim: Value, backend: Value, client: Value) -> Value {
    let mut apim_node = json!({"kind": "apim", "tier": "premium", "units": 2});
    merge(&mut apim_node, apim);
    let mut backend_node = json!({
        "kind": "backend", "servers": 100000,
        "service_ms": {"kind": "constant", "value": 1.0},
        "response_service_ms": {"kind": "constant", "value": 0.0}
    });
    merge(&mut backend_node, backend);
    let mut client_node = json!({"kind": "client"});
    merge(&mut client_node, client);
    json!({
        "name": "apim-units",
        "seed": 11,
        "replications": 2,
        "workload": {
            "arrival": {"kind": "poisson", "rate_per_s": rate},
            "requests": requests,
            "warmup_requests": requests / 10,
            "request_bytes": {"kind": "constant", "value": 1024},
            "response_bytes": {"kind": "constant", "value": 1024},
            "round_trip": true
        },
        "nodes": {
            "client": client_node,
            "apim": apim_node,
            "gw": {"kind": "vnet_gateway", "gateway": "expressroute", "sku": "ErGw3AZ"},
            "backend": backend_node,
            "entra": {"kind": "identity_provider", "token_ms": {"kind": "constant", "value": 500.0}}
        },
        "links": [
            {"between": ["client", "apim"], "latency_ms": {"kind": "constant", "value": 0.5}},
            {"between": ["apim", "gw"], "latency_ms": {"kind": "constant", "value": 0.25}},
            {"between": ["gw", "backend"], "latency_ms": {"kind": "constant", "value": 0.25}},
            {"between": ["apim", "entra"], "latency_ms": {"kind": "constant", "value": 1.0}}
        ],
        "routes": [{"name": "r", "path": ["client", "apim", "gw", "backend"]}]
    })
}

fn merge(into: &mut Value, from: Value) {
    if let Value::Object(m) = from {
        for (k, v) in m {
            into[k] = v;
        }
    }
}

fn only(r: &RunReport) -> &RouteReport {
    &r.routes[0]
}

fn hop<'a>(r: &'a RouteReport, node: &str) -> &'a HopReport {
    r.hops.iter().find(|h| h.node == node).unwrap_or_else(|| panic!("no hop {node}"))
}

/// Warm client connections: every request reuses one.
fn warm() -> Value {
    json!({"connection_reuse": 1.0})
}

/// Issue 11 "What proves it": two Premium units without policies carry the
/// catalog's 2 × 4,000 req/s, every request completed, below 90 % busy.
/// One FIFO server per unit (the old model) is exactly saturated there.
#[test]
fn issue_11_two_premium_units_carry_8000_per_s_below_90_percent_busy() {
    let report = run(&load_inline(scenario(8000.0, 80_000, json!({}), json!({}), warm())));
    let r = only(&report);
    assert_eq!(r.completed, r.offered, "every request completes");
    let apim = hop(r, "apim");
    let busy = apim.utilization.unwrap();
    assert!(busy < 0.9, "APIM {busy} busy at 8,000 req/s");
    // The calibration: the catalog's rate is read at 80 % busy
    // (apim.nominal_utilization), so that is what the run measures.
    assert!((busy - 0.8).abs() < 0.02, "APIM {busy} busy, calibrated to 0.8");
    assert!(apim.wait_ms_mean < 0.5, "APIM queue wait {} ms", apim.wait_ms_mean);
    assert!((r.throughput_per_s / 8000.0 - 1.0).abs() < 0.03, "{}", r.throughput_per_s);
}

/// A new client connection's 1.4 ms of RSA CPU occupies one core: with
/// every request opening one (reuse 0) at 400 req/s on one unit of four
/// cores, the cores are busy 400 × (0.8 + 1.4) ms = 0.88 on average and
/// nobody waits to speak of. Had a handshake blocked the unit (the old
/// model: one server per unit), the unit would be 66 % busy and requests
/// would wait about 2 ms.
#[test]
fn issue_11_a_handshake_occupies_one_core_only() {
    let apim = json!({"units": 1});
    let report = run(&load_inline(scenario(
        400.0,
        40_000,
        apim,
        json!({}),
        json!({"connection_reuse": 0.0}),
    )));
    let a = hop(only(&report), "apim");
    let cores = a.busy_servers_mean.unwrap();
    let want = 400.0 * (0.8 + 1.4) / 1000.0;
    assert!((cores / want - 1.0).abs() < 0.04, "{cores} cores busy, want {want}");
    assert!(a.wait_ms_mean < 0.07, "APIM queue wait {} ms", a.wait_ms_mean);
    assert!((a.utilization.unwrap() - want / 4.0).abs() < 0.01);
}

/// The 2,048 backend connections per authority per unit bind on a slow
/// backend: 3,000 req/s × 1 s needs 3,000 connections, one unit has 2,048,
/// so requests wait for one (reported as the hop's connection wait). With
/// a 1 ms backend about three are in use and nobody waits.
#[test]
fn issue_11_the_connection_limit_binds_on_a_slow_backend_only() {
    let slow = json!({"service_ms": {"kind": "constant", "value": 1000.0}});
    let report = run(&load_inline(scenario(3000.0, 30_000, json!({"units": 1}), slow, warm())));
    let r = only(&report);
    let waited = hop(r, "apim").pool_wait_ms_mean;
    assert!(waited > 100.0, "connection wait {waited} ms at 3,000 concurrent for 2,048");
    let fast = run(&load_inline(scenario(3000.0, 30_000, json!({"units": 1}), json!({}), warm())));
    assert_eq!(hop(only(&fast), "apim").pool_wait_ms_mean, 0.0);
    // Twice the connections (or two units) and the slow backend fits.
    let more = json!({"units": 1, "backend_connections_per_unit": 4096});
    let slow = json!({"service_ms": {"kind": "constant", "value": 1000.0}});
    let roomy = run(&load_inline(scenario(3000.0, 30_000, more, slow, warm())));
    assert_eq!(hop(only(&roomy), "apim").pool_wait_ms_mean, 0.0);
}

/// The JWKS fetch costs the catalog's apim.jwks_fetch_ms (100 ms) at the
/// provider, not its 500 ms token time: at one request every 2,000 s each
/// request finds the hourly JWKS cache cold, so every request fetches
/// (1 ms of link each way around the 100 ms).
#[test]
fn issue_11_the_jwks_fetch_uses_its_own_figure() {
    let apim = json!({"policies": {"validate_jwt": {"jwks_via": ["entra"]}}});
    let mut s = scenario(0.0005, 60, apim, json!({}), warm());
    s["workload"]["warmup_requests"] = json!(0);
    let report = run(&load_inline(s));
    let sub = hop(only(&report), "apim").subcall_ms_mean;
    assert!((sub - 102.0).abs() < 1e-6, "JWKS call {sub} ms, want 100 + 2 × 1");
}

/// A token exchange longer than the send-request timeout (60 s) fails its
/// attempt, and with no retry policy its request fails; a longer configured
/// timeout lets it through.
#[test]
fn issue_11_a_token_call_past_the_send_request_timeout_times_out() {
    let slow_idp = |timeout: Option<f64>| {
        let mut policies = json!({"token_exchange": {"via": ["entra"], "cache_hit_ratio": 0.0}});
        if let Some(t) = timeout {
            policies["send_request_timeout_ms"] = json!(t);
        }
        let mut s = scenario(10.0, 40, json!({"policies": policies}), json!({}), warm());
        s["nodes"]["entra"]["token_ms"] = json!({"kind": "constant", "value": 70_000.0});
        run(&load_inline(s))
    };
    let failed = slow_idp(None);
    let r = only(&failed);
    assert_eq!(r.failed, r.offered, "every exchange takes 72 s > 60 s");
    assert_eq!(r.completed, 0);
    let allowed = slow_idp(Some(100_000.0));
    assert_eq!(only(&allowed).failed, 0);
    assert_eq!(only(&allowed).completed, only(&allowed).offered);
}

/// `explain`'s effective capacity: with warm client connections and no
/// policies it is the nominal 8,000 req/s exactly; each new client
/// connection (10 % at the catalog's reuse, 1.4 ms of RSA CPU) and
/// validate-jwt CPU lower it by the CPU they add to the 0.8 ms a request
/// takes.
#[test]
fn explain_shows_the_effective_capacity_next_to_the_nominal_one() {
    let effective = |apim: Value, client: Value| {
        let s = load_inline(scenario(1000.0, 1000, apim, json!({}), client));
        let h = s.routes()[0].hops.iter().find(|h| h.node == "apim").unwrap().clone();
        (h.effective_capacity_per_s.unwrap(), h.capacity)
    };
    let (warm_eff, text) = effective(json!({}), warm());
    assert!((warm_eff - 8000.0).abs() < 1e-6, "{warm_eff}");
    assert!(text.contains("nominal 8000"), "{text}");
    let (cold, _) = effective(json!({}), json!({}));
    let want = 8000.0 * 0.8 / (0.8 + 0.1 * 1.4);
    assert!((cold - want).abs() < 1e-6, "{cold} vs {want}");
    let jwt = json!({"policies": {"validate_jwt": {"cpu_ms": 0.2}}});
    let (with_jwt, _) = effective(jwt, warm());
    assert!((with_jwt - 8000.0 * 0.8 / 1.0).abs() < 1e-6, "{with_jwt}");
    let s = load_inline(scenario(1000.0, 1000, json!({}), json!({}), json!({})));
    let backend = s.routes()[0].hops.iter().find(|h| h.node == "backend").unwrap();
    assert_eq!(backend.effective_capacity_per_s, None);
}
