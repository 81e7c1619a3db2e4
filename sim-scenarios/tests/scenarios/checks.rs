//! Route checks: certificate trust (error), firewall bypass and APIM egress
//! (warnings).

use serde_json::{Value, json};
use sim_scenarios::Scenario;
use sim_scenarios::azure::{Finding, Severity};
use sim_scenarios::compile::CompiledRoute;

use super::{load_inline, load_with, shipped};

fn route<'a>(s: &'a Scenario, name: &str) -> &'a CompiledRoute {
    s.routes().iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no route {name}"))
}

fn errors(r: &CompiledRoute) -> Vec<&Finding> {
    r.findings.iter().filter(|f| f.severity == Severity::Error).collect()
}

fn with_check<'a>(r: &'a CompiledRoute, check: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.check == check).collect()
}

#[test]
fn a_client_without_custom_ca_support_cannot_reach_the_onprem_gateway_directly() {
    let s = Scenario::load(&shipped("onprem-gateway-paas-client")).unwrap();
    let red = route(&s, "red");
    let errs = errors(red);
    assert_eq!(errs.len(), 1, "{:#?}", red.findings);
    let e = errs[0];
    assert_eq!(e.check, "tls_trust");
    let m = &e.message;
    // The hop (positions and node), the CA, and the fix.
    for fragment in [
        "route 'red'",
        "hop 0 → 4",
        "'client'",
        "'onprem-apigw'",
        "CA 'onprem-root'",
        "custom_ca_support: false",
        "Application Gateway",
        "trusted root",
    ] {
        assert!(m.contains(fragment), "tls_trust message lacks {fragment:?}: {m}");
    }
    // A client that cannot take a custom CA is not told to trust it.
    assert!(!m.contains("to nodes.client.trusts"), "{m}");
    for name in ["green", "third"] {
        let r = route(&s, name);
        assert!(errors(r).is_empty(), "{name}: {:#?}", r.findings);
    }
}

#[test]
fn a_client_that_can_trust_the_ca_is_told_both_fixes() {
    let s = load_with("onprem-gateway", &[("nodes.client.trusts", r#"["public"]"#)]);
    let red = route(&s, "red");
    let errs = errors(red);
    assert_eq!(errs.len(), 1, "{:#?}", red.findings);
    let m = &errs[0].message;
    assert_eq!(errs[0].check, "tls_trust");
    for fragment in [
        "hop 0 → 4",
        "'onprem-apigw'",
        "'onprem-root'",
        "add \"onprem-root\" to nodes.client.trusts",
        "Application Gateway",
        "trusted root",
    ] {
        assert!(m.contains(fragment), "tls_trust message lacks {fragment:?}: {m}");
    }
    // Application Gateway trusts the on-prem CA itself: green and third pass.
    assert!(errors(route(&s, "green")).is_empty());
    assert!(errors(route(&s, "third")).is_empty());
}

#[test]
fn an_initiator_past_the_first_hop_is_checked_too() {
    // Application Gateway no longer trusts the on-premises CA: green and
    // third fail at its hop, red (the client trusts it) does not.
    let s = load_with("onprem-gateway", &[("nodes.appgw.trusts", r#"["public"]"#)]);
    assert!(errors(route(&s, "red")).is_empty());
    for (name, hops) in [("green", "hop 2 → 5"), ("third", "hop 2 → 6")] {
        let errs = errors(route(&s, name));
        assert_eq!(errs.len(), 1, "{name}");
        assert!(errs[0].message.contains(hops), "{name}: {}", errs[0].message);
        assert!(errs[0].message.contains("'appgw'"), "{name}: {}", errs[0].message);
    }
}

#[test]
fn shipped_topologies_have_no_errors() {
    for name in [
        "onprem-gateway",
        "onprem-gateway-tls13",
        "apim-hub-proxy",
        "apim-hub-proxy-vpn",
        "apim-hub-proxy-no-token-cache",
    ] {
        let s = Scenario::load(&shipped(name)).unwrap();
        for r in s.routes() {
            assert!(errors(r).is_empty(), "{name}/{}: {:#?}", r.name, r.findings);
        }
    }
}

#[test]
fn red_bypasses_the_firewall_and_green_does_not() {
    let s = Scenario::load(&shipped("apim-hub-proxy")).unwrap();
    let red = with_check(route(&s, "red"), "firewall_bypass");
    assert_eq!(red.len(), 1, "{:#?}", route(&s, "red").findings);
    assert_eq!(red[0].severity, Severity::Warning);
    assert!(red[0].message.contains("'apim'"), "{}", red[0].message);
    assert!(with_check(route(&s, "green"), "firewall_bypass").is_empty());
    // APIM's egress goes through the firewall on both routes.
    for r in s.routes() {
        assert!(with_check(r, "apim_egress").is_empty(), "{}: {:#?}", r.name, r.findings);
    }
    // Topology B: every route starts at the firewall.
    let s = Scenario::load(&shipped("onprem-gateway")).unwrap();
    for r in s.routes() {
        assert!(r.findings.is_empty(), "{}: {:#?}", r.name, r.findings);
    }
}

/// client → fw → apim → fw → gw → backend, with the token exchange going
/// straight from APIM to the identity provider.
fn token_exchange_bypassing_the_firewall() -> Value {
    let c = |v: f64| json!({ "kind": "constant", "value": v });
    json!({
        "name": "egress",
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 10 }, "requests": 100 },
        "nodes": {
            "client": { "kind": "client" },
            "fw": { "kind": "azure_firewall", "sku": "standard" },
            "apim": { "kind": "apim", "tier": "developer",
                      "trusts": ["public", "onprem-root"],
                      "policies": { "token_exchange": { "via": ["idp"], "cache_hit_ratio": 0.9 } } },
            "idp": { "kind": "identity_provider" },
            "gw": { "kind": "vnet_gateway", "gateway": "vpn", "sku": "VpnGw1AZ" },
            "backend": { "kind": "backend", "servers": 8, "service_ms": 20 }
        },
        "links": [
            { "between": ["client", "fw"], "latency_ms": c(0.1) },
            { "between": ["fw", "apim"], "latency_ms": c(0.1) },
            { "between": ["apim", "idp"], "latency_ms": c(2.0) },
            { "between": ["fw", "idp"], "latency_ms": c(2.0) },
            { "between": ["fw", "gw"], "latency_ms": c(0.1) },
            { "between": ["gw", "backend"], "network": "vpn" }
        ],
        "routes": [ { "name": "r", "path": ["client", "fw", "apim", "fw", "gw", "backend"] } ]
    })
}

#[test]
fn a_token_exchange_that_skips_the_firewall_is_flagged() {
    let s = load_inline(token_exchange_bypassing_the_firewall());
    let r = &s.routes()[0];
    let egress = with_check(r, "apim_egress");
    assert_eq!(egress.len(), 1, "{:#?}", r.findings);
    assert_eq!(egress[0].severity, Severity::Warning);
    let m = &egress[0].message;
    assert!(m.contains("token_exchange") && m.contains("'idp'"), "{m}");
    assert!(errors(r).is_empty(), "{:#?}", r.findings);
    assert!(with_check(r, "firewall_bypass").is_empty());

    // Through the firewall, nothing to say.
    let mut v = token_exchange_bypassing_the_firewall();
    v["nodes"]["apim"]["policies"]["token_exchange"]["via"] = json!(["fw", "idp"]);
    let s = load_inline(v);
    assert!(s.routes()[0].findings.is_empty(), "{:#?}", s.routes()[0].findings);
}

#[test]
fn apim_reaching_onwards_without_the_firewall_is_flagged() {
    let mut v = token_exchange_bypassing_the_firewall();
    v["nodes"]["apim"]["policies"]["token_exchange"]["via"] = json!(["fw", "idp"]);
    v["links"].as_array_mut().unwrap().push(json!(
        { "between": ["apim", "gw"], "latency_ms": { "kind": "constant", "value": 0.1 } }
    ));
    v["routes"][0]["path"] = json!(["client", "fw", "apim", "gw", "backend"]);
    let s = load_inline(v);
    let r = &s.routes()[0];
    let egress = with_check(r, "apim_egress");
    assert_eq!(egress.len(), 1, "{:#?}", r.findings);
    assert!(egress[0].message.contains("reaches 'gw'"), "{}", egress[0].message);
}
