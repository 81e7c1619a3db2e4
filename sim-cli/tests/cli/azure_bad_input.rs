//! Invalid Azure components, links and policies: exit code 2 from `run`
//! and `validate`, nothing on stdout, one message naming the file, the JSON
//! path and what would be valid. Each case breaks a shipped scenario in
//! exactly one place.

use serde_json::{Value, json};
use sim_scenarios::azure::catalog::value;

use super::bad_input::check_failure;
use super::{Mutation, aznetsim, resolved, root};

struct Case {
    /// Also the file name, so a message naming the wrong file shows.
    name: &'static str,
    /// The shipped scenario it breaks.
    base: &'static str,
    edit: Mutation,
    /// The JSON path the message must name.
    path: &'static str,
    /// Fragments the message must contain: what is wrong and what is
    /// allowed.
    says: Vec<String>,
}

fn case(
    name: &'static str,
    base: &'static str,
    edit: Mutation,
    path: &'static str,
    says: &[&str],
) -> Case {
    Case { name, base, edit, path, says: says.iter().map(|s| (*s).to_string()).collect() }
}

fn at<'a>(v: &'a mut Value, pointer: &str) -> &'a mut Value {
    v.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} exists"))
}

fn set(v: &mut Value, pointer: &str, new: Value) {
    *at(v, pointer) = new;
}

fn insert(v: &mut Value, pointer: &str, key: &str, new: Value) {
    at(v, pointer).as_object_mut().expect("an object").insert(key.into(), new);
}

fn push(v: &mut Value, pointer: &str, new: Value) {
    at(v, pointer).as_array_mut().expect("an array").push(new);
}

const A: &str = "apim-hub-proxy";
const A_VPN: &str = "apim-hub-proxy-vpn";
const A_NO_CACHE: &str = "apim-hub-proxy-no-token-cache";
const B: &str = "onprem-gateway";
const B_PAAS: &str = "onprem-gateway-paas-client";

/// One row per case: the table reads best unwrapped.
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let premium_max = value("apim.premium.max_units");
    let fw_max = value("azure_firewall.standard.max_instances");
    let mut cases = vec![
        // Component kinds and their SKUs.
        case("firewall-unknown-sku", A, |v| set(v, "/nodes/hub-fw/sku", json!("ultra")), "nodes.hub-fw.sku", &["ultra", "`basic`, `standard`, `premium`"]),
        case("apim-unknown-tier", A, |v| set(v, "/nodes/apim/tier", json!("gold")), "nodes.apim.tier", &["gold", "`developer`", "`basic`", "`standard`", "`premium`", "`basicv2`", "`standardv2`", "`premiumv2`"]),
        case("firewall-zero-instances", A, |v| set(v, "/nodes/hub-fw/instances", json!(0)), "nodes.hub-fw.instances", &["got 0"]),
        case("firewall-idps-on-standard", A, |v| insert(v, "/nodes/hub-fw", "idps", json!("alert")), "nodes.hub-fw.idps", &["premium"]),
        case("firewall-unknown-idps-mode", A, |v| { set(v, "/nodes/hub-fw/sku", json!("premium")); insert(v, "/nodes/hub-fw", "idps", json!("block")); }, "nodes.hub-fw.idps", &["block", "`off`, `alert`, `deny`"]),
        case("gateway-unknown-sku", A, |v| set(v, "/nodes/er-gw/sku", json!("ErGw9AZ")), "nodes.er-gw.sku", &["ErGw9AZ", "ErGw1AZ, ErGw2AZ, ErGw3AZ, ErGwScale"]),
        case("vpn-gateway-with-an-expressroute-sku", A_VPN, |v| set(v, "/nodes/vpn-gw/sku", json!("ErGw2AZ")), "nodes.vpn-gw.sku", &["ErGw2AZ", "VpnGw1AZ, VpnGw2AZ, VpnGw3AZ, VpnGw4AZ, VpnGw5AZ", "set nodes.vpn-gw.gateway to \"expressroute\""]),
        case("gateway-units-without-ergwscale", A, |v| insert(v, "/nodes/er-gw", "units", json!(2)), "nodes.er-gw.units", &["ErGwScale"]),
        case("unknown-tls-version", A, |v| insert(v, "/nodes/apim", "tls_version", json!("1.1")), "nodes.apim.tls_version", &["1.1", "\"1.2\"", "\"1.3\""]),
        // Topology: Azure reaches on-premises only through a VNet gateway.
        case("gateway-without-onprem-link", A, |v| {
            insert(v, "/nodes", "gw2", json!({"kind": "vnet_gateway", "gateway": "vpn", "sku": "VpnGw1AZ"}));
            push(v, "/links", json!({"between": ["hub-fw", "gw2"], "network": "intra_zone"}));
        }, "nodes.gw2", &["'gw2'", "no link to an on-premises node", "onprem_firewall, onprem_api_gateway or backend"]),
        case("apim-linked-to-onprem-backend", A, |v| push(v, "/links", json!({"between": ["apim", "backend"], "latency_ms": {"kind": "constant", "value": 1}})), "links[6].between", &["'apim'", "'backend'", "vnet_gateway"]),
        case("firewall-linked-to-onprem-firewall", B, |v| push(v, "/links", json!({"between": ["onprem-fw", "hub-fw"], "network": "expressroute"})), "links[8].between", &["'onprem-fw'", "'hub-fw'", "vnet_gateway"]),
        // Application Gateway: its ceiling and autoscale bounds.
        case("app-gateway-ceiling-below-the-guarantee", B, |v| insert(v, "/nodes/appgw", "capacity_units_per_instance", json!(5)), "nodes.appgw.capacity_units_per_instance", &["is 5", "10 CUs every instance guarantees", "give at least 10"]),
        case("app-gateway-instances-and-autoscale", B, |v| insert(v, "/nodes/appgw", "autoscale", json!({"min_instances": 2})), "nodes.appgw.instances", &["either instances", "or autoscale"]),
        case("app-gateway-autoscale-min-zero", B, |v| { at(v, "/nodes/appgw").as_object_mut().unwrap().remove("instances"); insert(v, "/nodes/appgw", "autoscale", json!({"min_instances": 0})); }, "nodes.appgw.autoscale.min_instances", &["from 1 to 125, got 0", "Azure accepts 0"]),
        case("app-gateway-autoscale-max-below-min", B, |v| { at(v, "/nodes/appgw").as_object_mut().unwrap().remove("instances"); insert(v, "/nodes/appgw", "autoscale", json!({"min_instances": 4, "max_instances": 3})); }, "nodes.appgw.autoscale.max_instances", &["is 3, below min_instances 4"]),
        case("app-gateway-autoscale-max-above-125", B, |v| { at(v, "/nodes/appgw").as_object_mut().unwrap().remove("instances"); insert(v, "/nodes/appgw", "autoscale", json!({"min_instances": 2, "max_instances": 126})); }, "nodes.appgw.autoscale.max_instances", &["from 1 to 125, got 126"]),
        case("app-gateway-linked-to-onprem-gateway", B, |v| push(v, "/links", json!({"between": ["appgw", "onprem-apigw"], "network": "vpn"})), "links[8].between", &["'appgw'", "'onprem-apigw'", "vnet_gateway"]),
        // Links by network kind.
        case("global-peering-unknown-regions", A, |v| set(v, "/links/4", json!({"between": ["hub-fw", "entra"], "network": "global_peering", "regions": ["eastus", "marsnorth"]})), "links[4].regions", &["'marsnorth'", "known pairs", "eastus-westeurope", "latency_ms"]),
        case("global-peering-without-regions", A, |v| set(v, "/links/4", json!({"between": ["hub-fw", "entra"], "network": "global_peering"})), "links[4].regions", &["two regions"]),
        case("latency-and-network", A, |v| insert(v, "/links/0", "latency_ms", json!({"kind": "constant", "value": 1})), "links[0].network", &["latency_ms or network, not both"]),
        case("unknown-network-kind", A, |v| set(v, "/links/0/network", json!("satellite")), "links[0].network", &["satellite", "`intra_zone`", "`expressroute`", "`vpn`"]),
        // Nested calls and token caches.
        case("token-exchange-via-unknown-node", A, |v| set(v, "/nodes/apim/policies/token_exchange/via", json!(["ghost", "entra"])), "nodes.apim.policies.token_exchange.via[0]", &["unknown node 'ghost'", "known nodes: apim, backend, client, entra, er-gw, hub-fw"]),
        case("token-exchange-via-unlinked-pair", A, |v| set(v, "/nodes/apim/policies/token_exchange/via", json!(["hub-fw", "backend"])), "nodes.apim.policies.token_exchange.via[1]", &["no link between 'hub-fw' and 'backend'"]),
        case("token-exchange-via-unlinked-first-hop", A, |v| set(v, "/nodes/apim/policies/token_exchange/via", json!(["entra"])), "nodes.apim.policies.token_exchange.via[0]", &["no link between 'apim' and 'entra'"]),
        case("cache-hit-ratio-above-one", A_NO_CACHE, |v| set(v, "/nodes/apim/policies/token_exchange/cache_hit_ratio", json!(1.5)), "nodes.apim.policies.token_exchange.cache_hit_ratio", &["between 0 and 1", "got 1.5"]),
        case("protocol-transition-via-unknown-node", B, |v| set(v, "/nodes/onprem-apigw/protocol_transition/via", json!(["ghost"])), "nodes.onprem-apigw.protocol_transition.via[0]", &["unknown node 'ghost'"]),
        // Issue 17: mistakes that loaded as a silently wrong model.
        case("route-not-starting-at-a-client", A, |v| set(v, "/routes/0/path", json!(["hub-fw", "apim", "hub-fw", "er-gw", "backend"])), "routes[0].path[0]", &["starts at a client", "'hub-fw' is an azure_firewall", "put a client first (here: client)"]),
        case("node-repeated-in-a-row", A, |v| set(v, "/routes/1/path", json!(["client", "apim", "hub-fw", "hub-fw", "er-gw", "backend"])), "routes[1].path[3]", &["'hub-fw' is repeated", "remove the second 'hub-fw'"]),
        case("token-exchange-not-ending-at-an-identity-provider", A_VPN, |v| set(v, "/nodes/apim/policies/token_exchange/via", json!(["hub-fw", "vpn-gw"])), "nodes.apim.policies.token_exchange.via[1]", &["ends at 'vpn-gw', a vnet_gateway", "name the identity provider last (here: entra)"]),
        case("vpn-on-a-peering-link", A_VPN, |v| set(v, "/links/0/network", json!("vpn")), "links[0].network", &["neither 'client' (client) nor 'hub-fw' (azure_firewall)", "use \"peering\""]),
        case("vpn-link-on-an-expressroute-gateway", A, |v| set(v, "/links/5/network", json!("vpn")), "links[5].network", &["'er-gw' is an ExpressRoute gateway", "set network to \"expressroute\""]),
        case("expressroute-link-on-a-vpn-gateway", A_VPN, |v| set(v, "/links/5/network", json!("expressroute")), "links[5].network", &["'vpn-gw' is a VPN gateway", "set network to \"vpn\""]),
        // Certificate authorities.
        case("custom-ca-without-support", B_PAAS, |v| set(v, "/nodes/client/trusts", json!(["public", "onprem-root"])), "nodes.client.trusts", &["'onprem-root'", "custom_ca_support is false", "remove it from trusts"]),
        case("connection-reuse-above-one", A, |v| insert(v, "/nodes/client", "connection_reuse", json!(1.2)), "nodes.client.connection_reuse", &["between 0 and 1", "got 1.2"]),
    ];
    // Bounds from the catalog.
    let mut units = case("apim-units-above-maximum", A, |v| set(v, "/nodes/apim/units", json!(value("apim.premium.max_units") as u64 + 1)), "nodes.apim.units", &[]);
    units.says = vec![format!("from 1 to {premium_max}"), format!("got {}", premium_max + 1.0)];
    cases.push(units);
    let mut instances = case("firewall-instances-above-maximum", A, |v| set(v, "/nodes/hub-fw/instances", json!(value("azure_firewall.standard.max_instances") as u64 + 1)), "nodes.hub-fw.instances", &[]);
    instances.says = vec![format!("from 1 to {fw_max}"), format!("got {}", fw_max + 1.0)];
    cases.push(instances);
    cases
}

fn base(name: &str) -> Value {
    let file = root().join("scenarios").join(format!("{name}.json"));
    resolved(&file)
}

#[test]
fn every_base_scenario_loads() {
    // Otherwise every case below would fail for the wrong reason.
    for name in [A, A_VPN, A_NO_CACHE, B, B_PAAS] {
        let file = root().join("scenarios").join(format!("{name}.json"));
        let out = aznetsim().arg("validate").arg(&file).output().unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{name}: {:?}", out.status);
    }
}

#[test]
fn every_invalid_azure_scenario_exits_2_naming_file_path_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let mut failures = Vec::new();
    for c in &cases {
        let mut doc = base(c.base);
        (c.edit)(&mut doc);
        let file = dir.path().join(format!("{}.json", c.name));
        std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        let shown = file.display().to_string();
        for command in ["validate", "run"] {
            let out = aznetsim().arg(command).arg(&file).output().unwrap();
            let mut problems: Vec<String> =
                c.says.iter().flat_map(|s| check_failure(&out, &shown, Some(c.path), s)).collect();
            problems.sort();
            problems.dedup();
            if !problems.is_empty() {
                failures.push(format!(
                    "{} ({command}): {}\n  stderr: {}",
                    c.name,
                    problems.join("; "),
                    String::from_utf8_lossy(&out.stderr).trim_end()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} checks failed:\n{}",
        failures.len(),
        2 * cases.len(),
        failures.join("\n")
    );
}
