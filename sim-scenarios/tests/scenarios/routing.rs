//! Issue 12 item 3: routing as configured. The `routing` section derives
//! each route's path (longest prefix match over system, BGP and
//! user-defined routes; peerings; the gateway subnet's routes for traffic
//! from on-premises), and five checks compare the derivation with the
//! written paths: `route_mismatch`, `asymmetric_route`,
//! `apim_management_forced_tunnel`, `fastpath_udr`, `peering_transit`.
//! Each is triggered on a small change of the shipped routing scenario and
//! fixed as its message says.

use serde_json::{Value, json};
use sim_scenarios::Scenario;
use sim_scenarios::azure::{Finding, Severity};
use sim_scenarios::compile::CompiledRoute;

use super::{load_inline, shipped, shipped_json};

const ROUTING: &str = "apim-hub-proxy-routing";

fn route<'a>(s: &'a Scenario, name: &str) -> &'a CompiledRoute {
    s.routes().iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no route {name}"))
}

fn with_check<'a>(s: &'a Scenario, check: &str) -> Vec<&'a Finding> {
    s.routes().iter().flat_map(|r| &r.findings).filter(|f| f.check == check).collect()
}

fn errors(s: &Scenario) -> Vec<&Finding> {
    s.routes().iter().flat_map(|r| &r.findings).filter(|f| f.severity == Severity::Error).collect()
}

/// The shipped routing scenario after `change`.
fn changed(change: impl FnOnce(&mut Value)) -> Scenario {
    let mut doc = shipped_json(ROUTING);
    change(&mut doc);
    load_inline(doc)
}

fn table<'a>(doc: &'a mut Value, name: &str) -> &'a mut Vec<Value> {
    doc["routing"]["route_tables"][name].as_array_mut().unwrap()
}

/// The routes of a table other than the one for `prefix`.
fn without_route(doc: &mut Value, name: &str, prefix: &str) {
    table(doc, name).retain(|r| r["prefix"] != prefix);
}

fn load_error(change: impl FnOnce(&mut Value)) -> String {
    let mut doc = shipped_json(ROUTING);
    change(&mut doc);
    match Scenario::from_value(std::path::Path::new("inline.json"), doc) {
        Ok(_) => panic!("the changed scenario loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_routing_scenario_derives_exactly_its_written_paths() {
    let s = Scenario::load(&shipped(ROUTING)).unwrap();
    assert!(errors(&s).is_empty(), "{:#?}", errors(&s));
    for r in s.routes() {
        let d = r.derived.as_ref().expect("a routing section derives every route");
        assert_eq!(d.request.stopped, None, "{}", r.name);
        assert_eq!(d.request.nodes(), d.written, "{}", r.name);
        assert_eq!(d.response.nodes(), d.written_return, "{}", r.name);
        assert_eq!(d.calls.len(), 2, "token exchange and JWKS fetch");
        for c in &d.calls {
            assert_eq!(c.derived.nodes(), c.written, "{}: {}", r.name, c.call);
        }
        // Every hop after the first says which route decided it.
        assert!(d.request.hops[1..].iter().all(|h| h.decided_by.is_some()), "{:#?}", d.request);
    }
    let green = route(&s, "green").derived.as_ref().unwrap();
    assert_eq!(
        green.request.hops[1].decided_by.as_deref(),
        Some(
            "routing.route_tables.spoke-inspected-rt[1]: 10.0.0.0/16 → virtual_appliance 'hub-fw'"
        )
    );
    assert_eq!(
        green.response.hops[2].decided_by.as_deref(),
        Some("routing.route_tables.gateway-rt[0]: 10.0.2.0/27 → virtual_appliance 'hub-fw'")
    );
}

#[test]
fn a_scenario_without_routing_derives_nothing_and_keeps_its_findings() {
    // Topology A as shipped has no routing section: nothing derived, and
    // its only finding is the one it always had.
    let s = Scenario::load(&shipped("apim-hub-proxy")).unwrap();
    assert!(s.routes().iter().all(|r| r.derived.is_none()));
    let checks: Vec<&str> =
        s.routes().iter().flat_map(|r| &r.findings).map(|f| f.check.as_str()).collect();
    assert_eq!(checks, ["firewall_bypass"]);
    // The routing section changes no model: the routing scenario's routes
    // simulate what topology A's do (same paths, same nodes but a second
    // client for red).
    let routed = Scenario::load(&shipped(ROUTING)).unwrap();
    for (a, b) in s.routes().iter().zip(routed.routes()) {
        let floor = |r: &CompiledRoute| r.hops.iter().map(|h| h.floor_ms).sum::<f64>();
        assert!((floor(a) - floor(b)).abs() < 1e-9, "{}", a.name);
    }
}

#[test]
fn derivation_longest_prefix_wins_over_a_default_route() {
    // Red's subnet sends 0.0.0.0/0 to the firewall, but the peering's
    // system route for the hub (10.0.0.0/16) is longer: APIM directly.
    let s = Scenario::load(&shipped(ROUTING)).unwrap();
    let red = route(&s, "red").derived.as_ref().unwrap();
    assert_eq!(red.request.hops[1].node, "apim");
    assert_eq!(
        red.request.hops[1].decided_by.as_deref(),
        Some("system route 10.0.0.0/16 → VNet peering 'hub'")
    );
    // Without APIM's UDR for on-premises, the BGP route (/16) beats the
    // UDR for 0.0.0.0/0: APIM reaches the gateway past the firewall.
    let s = changed(|d| without_route(d, "apim-rt", "192.168.0.0/16"));
    let green = route(&s, "green").derived.as_ref().unwrap();
    assert_eq!(
        green.request.nodes(),
        ["client", "hub-fw", "apim", "er-gw", "backend"],
        "{:#?}",
        green.request
    );
}

#[test]
fn derivation_a_udr_beats_the_system_and_bgp_routes_of_the_same_prefix() {
    // Green's 10.0.0.0/16 UDR has the peering route's prefix: the UDR wins.
    let s = Scenario::load(&shipped(ROUTING)).unwrap();
    let green = route(&s, "green").derived.as_ref().unwrap();
    assert_eq!(green.request.hops[1].node, "hub-fw");
    // APIM's 192.168.0.0/16 UDR has the BGP route's prefix: the UDR wins.
    let apim_next = &green.request.hops[3];
    assert_eq!(apim_next.node, "hub-fw");
    assert!(apim_next.decided_by.as_deref().unwrap().starts_with("routing.route_tables.apim-rt"));
    // Removed, the spoke's own route decides: the peering's.
    let s = changed(|d| without_route(d, "spoke-inspected-rt", "10.0.0.0/16"));
    let green = route(&s, "green").derived.as_ref().unwrap();
    assert_eq!(green.request.hops[1].node, "apim");
}

#[test]
fn derivation_a_service_tag_route_beats_the_default_route() {
    // A UDR for Entra ID's tag sends the token exchange straight out,
    // past the firewall its via names: a route_mismatch on the call.
    let s = changed(|d| {
        table(d, "apim-rt").push(json!({"prefix": "AzureActiveDirectory", "next_hop": "internet"}));
    });
    let green = route(&s, "green").derived.as_ref().unwrap();
    let exchange = green.calls.iter().find(|c| c.call == "apim token_exchange").unwrap();
    assert_eq!(exchange.derived.nodes(), ["apim", "entra"]);
    let found = with_check(&s, "route_mismatch");
    assert!(
        found.iter().any(|f| f.message.contains("the apim token_exchange call goes apim → hub-fw → entra, but the routing sends it apim → entra")),
        "{found:#?}"
    );
}

#[test]
fn route_mismatch_shows_both_paths_and_is_fixed_by_writing_the_derived_one() {
    // Red written through the firewall, which its subnet does not do.
    let s = changed(|d| {
        d["links"]
            .as_array_mut()
            .unwrap()
            .push(json!({"between": ["client-direct", "hub-fw"], "network": "peering"}));
        d["routes"][1]["path"] =
            json!(["client-direct", "hub-fw", "apim", "hub-fw", "er-gw", "backend"]);
    });
    let found = with_check(&s, "route_mismatch");
    assert!(!found.is_empty());
    let m = &found[0].message;
    for fragment in [
        "route 'red'",
        "client-direct → hub-fw → apim → hub-fw → er-gw → backend",
        "client-direct → apim → hub-fw → er-gw → backend",
        "system route 10.0.0.0/16 → VNet peering 'hub'",
        "routes[1].path",
    ] {
        assert!(m.contains(fragment), "lacks {fragment:?}: {m}");
    }
    // As the message says: the written path as derived (the shipped red).
    let fixed = Scenario::load(&shipped(ROUTING)).unwrap();
    assert!(with_check(&fixed, "route_mismatch").is_empty());
}

#[test]
fn asymmetric_route_when_the_gateway_subnet_has_no_udr_back_through_the_firewall() {
    let s = Scenario::load(&shipped("apim-hub-proxy-asymmetric")).unwrap();
    let found = with_check(&s, "asymmetric_route");
    assert_eq!(found.len(), 2, "green and red: {found:#?}");
    let m = &found[0].message;
    for fragment in [
        "route 'green', segment apim → backend",
        "stateful firewall 'hub-fw'",
        "backend → er-gw → apim",
        "routing.vnets.hub.subnets.GatewaySubnet",
        "10.0.2.0/27 (the subnet of 'apim') → virtual_appliance 'hub-fw'",
    ] {
        assert!(m.contains(fragment), "lacks {fragment:?}: {m}");
    }
    let checks: std::collections::BTreeSet<&str> =
        errors(&s).iter().map(|f| f.check.as_str()).collect();
    assert_eq!(checks, ["asymmetric_route", "route_mismatch"].into());
    // Fixed as the message says: a route table on the GatewaySubnet with
    // APIM's subnet through the firewall (and the spoke's, for green's
    // client). That is the shipped routing scenario.
    let mut doc: Value = shipped_json("apim-hub-proxy-asymmetric");
    doc["routing"]["vnets"]["hub"]["subnets"]["GatewaySubnet"]["route_table"] = json!("gateway-rt");
    doc["routing"]["route_tables"]["gateway-rt"] = json!([
        {"prefix": "10.0.2.0/27", "next_hop": "virtual_appliance", "appliance": "hub-fw"},
        {"prefix": "10.1.0.0/16", "next_hop": "virtual_appliance", "appliance": "hub-fw"}
    ]);
    assert!(errors(&load_inline(doc)).is_empty());
}

#[test]
fn apim_management_forced_tunnel_when_the_tag_follows_the_default_route() {
    let s = Scenario::load(&shipped("apim-hub-proxy-forced-tunnel")).unwrap();
    let found = with_check(&s, "apim_management_forced_tunnel");
    assert_eq!(found.len(), 2, "once per route through APIM: {found:#?}");
    let m = &found[0].message;
    for fragment in [
        "route 'green' (routes[0].path[2])",
        "APIM 'apim'",
        "service tag ApiManagement",
        "routing.route_tables.apim-rt[0]: 0.0.0.0/0 → virtual_appliance 'hub-fw'",
        r#"add {"prefix": "ApiManagement", "next_hop": "internet"} to routing.route_tables.apim-rt"#,
    ] {
        assert!(m.contains(fragment), "lacks {fragment:?}: {m}");
    }
    let checks: std::collections::BTreeSet<&str> =
        errors(&s).iter().map(|f| f.check.as_str()).collect();
    assert_eq!(checks, ["apim_management_forced_tunnel"].into());
    // Fixed as the message says.
    let mut doc: Value = shipped_json("apim-hub-proxy-forced-tunnel");
    table(&mut doc, "apim-rt").push(json!({"prefix": "ApiManagement", "next_hop": "internet"}));
    assert!(errors(&load_inline(doc)).is_empty());
    // The tag through the firewall explicitly, and a default route learned
    // from on-premises (forced tunnelling over ExpressRoute), break it too.
    let s = changed(|d| {
        without_route(d, "apim-rt", "ApiManagement");
        table(d, "apim-rt").push(json!({"prefix": "ApiManagement", "next_hop": "virtual_appliance", "appliance": "hub-fw"}));
    });
    assert_eq!(with_check(&s, "apim_management_forced_tunnel").len(), 2);
    let s = changed(|d| {
        without_route(d, "apim-rt", "ApiManagement");
        without_route(d, "apim-rt", "0.0.0.0/0");
        d["routing"]["onprem"]["prefixes"] = json!(["192.168.0.0/16", "0.0.0.0/0"]);
    });
    let found = with_check(&s, "apim_management_forced_tunnel");
    assert!(found[0].message.contains("on-premises through 'er-gw'"), "{found:#?}");
}

#[test]
fn fastpath_udr_on_a_provider_circuit_and_fixed_by_expressroute_direct() {
    let s = changed(|d| {
        d["nodes"]["er-gw"]["sku"] = json!("ErGw3AZ");
        d["nodes"]["er-gw"]["fastpath"] = json!(true);
    });
    let found = with_check(&s, "fastpath_udr");
    assert_eq!(found.len(), 2, "{found:#?}");
    let m = &found[0].message;
    for fragment in [
        "FastPath on 'er-gw'",
        "routing.route_tables.gateway-rt[0]",
        "firewall 'hub-fw'",
        "ExpressRoute Direct",
        "nodes.er-gw.fastpath",
        "nodes.er-gw.circuit",
    ] {
        assert!(m.contains(fragment), "lacks {fragment:?}: {m}");
    }
    for fix in [("circuit", json!("direct")), ("fastpath", json!(false))] {
        let s = changed(|d| {
            d["nodes"]["er-gw"]["sku"] = json!("ErGw3AZ");
            d["nodes"]["er-gw"]["fastpath"] = json!(true);
            d["nodes"]["er-gw"][fix.0] = fix.1.clone();
        });
        assert!(with_check(&s, "fastpath_udr").is_empty(), "{}", fix.0);
    }
}

/// The routing scenario with a route from the direct subnet through the
/// firewall to on-premises: its answers come from on-premises through the
/// gateway and the firewall into the spoke, which needs gateway transit
/// (on-premises learns the spoke's range) and forwarded traffic.
fn onprem_route(d: &mut Value) {
    // The spoke learns the on-premises prefix over BGP (gateway transit),
    // which beats its 0.0.0.0/0 UDR: it needs the prefix itself.
    table(d, "spoke-direct-rt").push(
        json!({"prefix": "192.168.0.0/16", "next_hop": "virtual_appliance", "appliance": "hub-fw"}),
    );
    d["nodes"]["client-direct"]["trusts"] = json!(["public", "onprem-root"]);
    d["links"]
        .as_array_mut()
        .unwrap()
        .push(json!({"between": ["client-direct", "hub-fw"], "network": "peering"}));
    d["routes"].as_array_mut().unwrap().push(json!(
        {"name": "to-onprem", "path": ["client-direct", "hub-fw", "er-gw", "backend"]}
    ));
}

/// A route from the direct subnet, without a route table, straight to the
/// gateway: it needs the on-premises prefixes from gateway transit.
fn via_gateway(d: &mut Value) {
    d["links"]
        .as_array_mut()
        .unwrap()
        .push(json!({"between": ["client-direct", "er-gw"], "network": "peering"}));
    d["routes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "via-gw", "path": ["client-direct", "er-gw", "backend"]}));
    d["routing"]["route_tables"]["spoke-direct-rt"] = json!([]);
    d["nodes"]["client-direct"]["trusts"] = json!(["public", "onprem-root"]);
}

#[test]
fn peering_transit_without_gateway_transit_or_forwarded_traffic() {
    let s = changed(onprem_route);
    assert!(errors(&s).is_empty(), "{:#?}", errors(&s));
    let to = route(&s, "to-onprem").derived.as_ref().unwrap();
    assert_eq!(to.response.nodes(), ["backend", "er-gw", "hub-fw", "client-direct"]);

    // Without gateway transit, on-premises learns no route to the spoke.
    let s = changed(|d| {
        onprem_route(d);
        d["routing"]["peerings"][0]["use_remote_gateways"] = json!(false);
    });
    let found = with_check(&s, "peering_transit");
    assert_eq!(found.len(), 1, "{found:#?}");
    let m = &found[0].message;
    for fragment in ["route 'to-onprem'", "10.1.1.4", "gateway transit", "routing.peerings[0]"] {
        assert!(m.contains(fragment), "lacks {fragment:?}: {m}");
    }
    // Without forwarded traffic, the firewall cannot hand the answer on.
    let s = changed(|d| {
        onprem_route(d);
        d["routing"]["peerings"][0]["allow_forwarded_traffic"] = json!(false);
    });
    let found = with_check(&s, "peering_transit");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("set routing.peerings[0].allow_forwarded_traffic to true"));
    // A spoke sending straight to the gateway needs transit to learn the
    // on-premises prefixes at all.
    let s = changed(|d| {
        via_gateway(d);
        d["routing"]["peerings"][0]["allow_gateway_transit"] = json!(false);
    });
    let found: Vec<&Finding> =
        route(&s, "via-gw").findings.iter().filter(|f| f.check == "peering_transit").collect();
    assert!(found.iter().any(|f| f.message.contains("192.168.10.5")), "{found:#?}");
    // Fixed as the messages say: both settings on (the shipped peering).
    let s = changed(via_gateway);
    // (Its answers still cross the firewall by the GatewaySubnet's UDR for
    // the spoke: an asymmetric route, a separate finding.)
    let found: Vec<&Finding> =
        route(&s, "via-gw").findings.iter().filter(|f| f.check == "peering_transit").collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn bad_routing_input_names_the_json_path_and_the_fix() {
    for (change, expected) in [
        (
            Box::new(|d: &mut Value| {
                d["routing"]["vnets"]["hub"]["subnets"]["apim"]["prefix"] = json!("10.2.0.0/27")
            }) as Box<dyn Fn(&mut Value)>,
            "routing.vnets.hub.subnets.apim.prefix: 10.2.0.0/27 is outside VNet 'hub' (10.0.0.0/16)",
        ),
        (
            Box::new(|d: &mut Value| {
                d["routing"]["vnets"]["spoke"]["address_space"] = json!(["10.0.0.0/8"])
            }),
            "routing.vnets.spoke.address_space[0]: 10.0.0.0/8 overlaps 10.0.0.0/16 of VNet 'hub'",
        ),
        (
            Box::new(|d: &mut Value| {
                d["routing"]["route_tables"]["apim-rt"][0]["appliance"] = json!("fw2")
            }),
            "routing.route_tables.apim-rt[0].appliance: \"fw2\" is not an Azure Firewall of the scenario",
        ),
        (
            Box::new(|d: &mut Value| {
                d["routing"]["vnets"]["hub"]["subnets"]["apim"]["nodes"]["apim"] = json!("10.0.9.4")
            }),
            "routing.vnets.hub.subnets.apim.nodes.apim: 10.0.9.4 is outside subnet 'apim' (10.0.2.0/27)",
        ),
        (
            Box::new(|d: &mut Value| {
                d["routing"]["vnets"]["spoke"]["subnets"]["direct"]["nodes"] = json!({});
            }),
            "routes[1].path[0]: 'client-direct' has no address in routing",
        ),
        (
            Box::new(|d: &mut Value| {
                d["routing"]["vnets"]["hub"]["subnets"]["apim"]["prefix"] = json!("10.0.2.1/27")
            }),
            "host bits set: the network is 10.0.2.0/27",
        ),
        (
            Box::new(|d: &mut Value| {
                d["routing"]["route_tables"]["apim-rt"][3]["prefix"] = json!("ApiManagment")
            }),
            "routing.route_tables.apim-rt[3].prefix: \"ApiManagment\" is neither a prefix",
        ),
        (
            Box::new(|d: &mut Value| d["routing"]["peerings"][0]["between"][1] = json!("hubb")),
            "routing.peerings[0].between[1]: no VNet 'hubb'",
        ),
        (
            Box::new(|d: &mut Value| {
                let subnets = d["routing"]["vnets"]["hub"]["subnets"].as_object_mut().unwrap();
                let fw = subnets.remove("AzureFirewallSubnet").unwrap();
                subnets.insert("firewall".into(), fw);
            }),
            "which Azure deploys only in a subnet named AzureFirewallSubnet",
        ),
    ] {
        let e = load_error(change);
        assert!(e.contains(expected), "expected {expected:?} in: {e}");
    }
}
