//! The catalog says what it models: a figure marked `used_by` is looked up
//! when some scenario compiles, and a figure marked "not modelled yet" is
//! never looked up. The scenarios are every shipped file and variants of
//! them that reach every kind, SKU, tier, IDPS mode, zone alignment and
//! network kind, with the optional fields left to their catalog defaults.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use sim_scenarios::Scenario;
use sim_scenarios::azure::catalog::{FIGURES, record_lookups};

use super::{root, shipped_json};

/// Every shipped scenario file's name (without `.json`).
pub(super) fn shipped_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A shipped scenario with node `node` replaced by `spec`.
fn with_node(name: &str, node: &str, spec: Value) -> (String, Value) {
    let mut doc = shipped_json(name);
    assert!(doc["nodes"].get(node).is_some(), "{name} has no node {node}");
    doc["nodes"][node] = spec;
    (format!("{name} with {node} = {}", doc["nodes"][node]), doc)
}

/// A shipped scenario with link `index` taking its latency from `network`.
fn with_network(name: &str, index: usize, network: Value) -> (String, Value) {
    let mut doc = shipped_json(name);
    let link = doc["links"][index].as_object_mut().unwrap();
    let between = link["between"].clone();
    *link = network.as_object().unwrap().clone();
    link.insert("between".into(), between);
    (format!("{name} with link {index} = {network}"), doc)
}

/// Every scenario the test compiles, named for the failure message.
fn variants() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> =
        shipped_names().into_iter().map(|n| (n.clone(), shipped_json(&n))).collect();
    // Azure Firewall: every SKU, IDPS mode and zone alignment, defaults.
    for sku in ["basic", "standard", "premium"] {
        for aligned in [false, true] {
            let fw = json!({"kind": "azure_firewall", "sku": sku, "zone_aligned": aligned});
            out.push(with_node("apim-hub-proxy", "hub-fw", fw));
        }
    }
    // Issue 12: every service a client may run on (the trusts it may hold).
    for service in <sim_scenarios::file::ClientService as strum::VariantNames>::VARIANTS {
        let client = json!({"kind": "client", "service": service});
        out.push(with_node("apim-hub-proxy", "client", client));
    }
    // Rule collections, spikes and a measured packet rate (issue 11 item 5).
    for extra in [
        json!({"rule": "application"}),
        json!({"spikes": {"probability": 0.02, "factor": 4}}),
        json!({"packets_per_s_per_instance": 200000}),
    ] {
        let mut fw = json!({"kind": "azure_firewall", "sku": "standard"});
        fw.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        out.push(with_node("apim-hub-proxy", "hub-fw", fw));
    }
    for idps in ["off", "alert", "deny"] {
        let fw = json!({"kind": "azure_firewall", "sku": "premium", "idps": idps});
        out.push(with_node("apim-hub-proxy", "hub-fw", fw));
    }
    // APIM: every tier with its policies kept.
    let apim = shipped_json("apim-hub-proxy")["nodes"]["apim"].clone();
    for tier in ["developer", "basic", "standard", "premium", "basicv2", "standardv2", "premiumv2"]
    {
        let mut spec = apim.clone();
        spec["tier"] = json!(tier);
        spec["units"] = json!(1);
        out.push(with_node("apim-hub-proxy", "apim", spec));
    }
    // Application Gateway: both SKUs, every other field defaulted.
    let appgw = shipped_json("onprem-gateway")["nodes"]["appgw"].clone();
    for sku in ["standard_v2", "waf_v2"] {
        let mut spec = json!({"kind": "app_gateway", "sku": sku});
        for keep in ["trusts", "certificate_ca"] {
            if let Some(v) = appgw.get(keep) {
                spec[keep] = v.clone();
            }
        }
        out.push(with_node("onprem-gateway", "appgw", spec));
    }
    // Application Gateway: an ECDSA certificate, and autoscale whose meter
    // asks for more than its minimum (WAF_v2 at 200 req/s wants 3).
    let mut ecdsa = appgw.clone();
    ecdsa["certificate_key"] = json!("ecdsa_p256");
    out.push(with_node("onprem-gateway", "appgw", ecdsa));
    let mut autoscale = appgw.clone();
    autoscale.as_object_mut().unwrap().remove("instances");
    autoscale["sku"] = json!("waf_v2");
    autoscale["autoscale"] = json!({"min_instances": 1});
    out.push(with_node("onprem-gateway", "appgw", autoscale));
    // A client certificate with each key (issue 12 item 1: the shipped
    // mTLS scenario's client signs with ECDSA).
    let mut client = shipped_json("onprem-gateway-mtls")["nodes"]["client"].clone();
    client["client_certificate"]["key"] = json!("rsa2048");
    out.push(with_node("onprem-gateway-mtls", "client", client));
    // Virtual network gateways: every SKU of each type.
    for sku in ["ErGw1AZ", "ErGw2AZ", "ErGw3AZ", "ErGwScale"] {
        let gw = json!({"kind": "vnet_gateway", "gateway": "expressroute", "sku": sku});
        out.push(with_node("apim-hub-proxy", "er-gw", gw));
    }
    for sku in ["VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"] {
        let gw = json!({"kind": "vnet_gateway", "gateway": "vpn", "sku": sku});
        out.push(with_node("apim-hub-proxy-vpn", "vpn-gw", gw));
    }
    // ExpressRoute FastPath on both SKUs that allow it (issue 11 item 2).
    for extra in [json!({"sku": "ErGw3AZ"}), json!({"sku": "ErGwScale", "units": 10})] {
        let mut gw = json!({"kind": "vnet_gateway", "gateway": "expressroute", "fastpath": true});
        gw.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        out.push(with_node("apim-hub-proxy", "er-gw", gw));
    }
    // Issue 16: an ExpressRoute circuit on a metered data plan (egress is
    // charged per GB).
    let gw = json!({"kind": "vnet_gateway", "gateway": "expressroute", "sku": "ErGw2AZ",
        "data_plan": "metered"});
    out.push(with_node("apim-hub-proxy", "er-gw", gw));
    // A VPN gateway shared by several sites, active-active.
    let gw = json!({"kind": "vnet_gateway", "gateway": "vpn", "sku": "VpnGw2AZ",
        "active_active": true, "site_connections": 3});
    out.push(with_node("apim-hub-proxy-vpn", "vpn-gw", gw));
    // An ExpressRoute circuit with the catalog's bandwidth.
    let mut doc = shipped_json("apim-hub-proxy");
    let links = doc["links"].as_array_mut().unwrap();
    let er = links.iter_mut().find(|l| l["network"] == "expressroute").unwrap();
    er.as_object_mut().unwrap().remove("bandwidth_mbps");
    out.push(("apim-hub-proxy without the circuit's bandwidth_mbps".into(), doc));
    // Every other kind with its catalog defaults.
    for (name, node) in [
        ("onprem-gateway", "onprem-fw"),
        ("onprem-gateway", "onprem-apigw"),
        ("onprem-gateway", "onprem-idp"),
        ("onprem-gateway", "backend"),
        ("apim-hub-proxy", "entra"),
    ] {
        let mut spec = shipped_json(name)["nodes"][node].clone();
        let obj = spec.as_object_mut().unwrap();
        obj.retain(|k, _| ["kind", "trusts", "certificate_ca"].contains(&k.as_str()));
        out.push(with_node(name, node, spec));
    }
    // Every network kind of a link, and every published region pair.
    // Issue 11 item 4: each tenant's token-endpoint limit, and a token
    // exchange with a retry policy and a failure probability.
    for tenant in ["entra_id", "external_id", "external_id_trial"] {
        // No rate_limit: every default comes from the catalog.
        let idp = json!({"kind": "identity_provider", "tenant": tenant});
        out.push(with_node("apim-hub-proxy-no-token-cache", "entra", idp));
    }
    let mut apim = shipped_json("apim-hub-proxy-no-token-cache")["nodes"]["apim"].clone();
    apim["policies"]["token_exchange"]["retry"] = json!({"count": 2, "interval_s": 1});
    out.push(with_node("apim-hub-proxy-no-token-cache", "apim", apim));
    // Issue 12 item 2: APIM's token cache kept externally.
    let mut apim = shipped_json("apim-hub-proxy")["nodes"]["apim"].clone();
    apim["policies"]["token_exchange"]["cache"] = json!("external");
    out.push(with_node("apim-hub-proxy", "apim", apim));
    out.push(with_network("apim-hub-proxy", 2, json!({"network": "cross_zone"})));
    for f in FIGURES {
        let Some(pair) = f.key.strip_prefix("network.inter_region.") else { continue };
        let Some(pair) = pair.strip_suffix(".rtt_p50_ms") else { continue };
        let (a, b) = pair.split_once('_').unwrap();
        let link = json!({"network": "global_peering", "regions": [a, b]});
        out.push(with_network("apim-hub-proxy", 2, link));
    }
    out
}

/// The keys every variant looks up while it compiles (each must compile).
fn looked_up() -> BTreeSet<&'static str> {
    let mut keys = BTreeSet::new();
    for (what, doc) in variants() {
        let (loaded, seen) =
            record_lookups(|| Scenario::from_value(Path::new("variant.json"), doc));
        if let Err(e) = loaded {
            panic!("{what} does not compile: {e}");
        }
        keys.extend(seen);
    }
    keys
}

#[test]
fn exactly_the_figures_marked_used_by_are_looked_up() {
    let keys = looked_up();
    let mut wrong = Vec::new();
    for f in FIGURES {
        match (f.used_by, keys.contains(f.key)) {
            (Some(by), false) => {
                wrong.push(format!("{}: marked used by \"{by}\" but never looked up", f.key));
            }
            (None, true) => wrong.push(format!(
                "{}: looked up by the model but marked not modelled yet; say what it feeds",
                f.key
            )),
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "catalog marks disagree with the model:\n{}", wrong.join("\n"));
}

#[test]
fn recording_sees_only_its_own_lookups() {
    let (_, outer) = record_lookups(|| {
        let (_, inner) =
            record_lookups(|| sim_scenarios::azure::catalog::value("tcp.handshake_rtts"));
        assert_eq!(inner.into_iter().collect::<Vec<_>>(), ["tcp.handshake_rtts"]);
        sim_scenarios::azure::catalog::value("tls.connection_reuse")
    });
    assert_eq!(
        outer.into_iter().collect::<Vec<_>>(),
        ["tcp.handshake_rtts", "tls.connection_reuse"]
    );
    // Outside a recording nothing is kept, and a missing key records nothing.
    sim_scenarios::azure::catalog::value("tls.tls13_handshake_rtts");
    let (_, none) = record_lookups(|| sim_scenarios::azure::catalog::try_figure("no.such_ms"));
    assert!(none.is_empty());
}
