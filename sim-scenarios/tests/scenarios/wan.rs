//! Issue 11 item 2: ExpressRoute gateways on the direction Azure documents,
//! FastPath and its limits, the circuit's bandwidth, and VPN gateways with
//! active-active tunnels, shared sites, MSS-clamped packets and a WAN tail.

use serde_json::{Value, json};
use sim_core::{Servers, Serves};
use sim_scenarios::Scenario;
use sim_scenarios::azure::catalog::value;
use sim_scenarios::compile::CompiledRoute;
use sim_scenarios::report::HopReport;

use super::{load_inline, load_with, run, shipped_json};

/// A short run: few requests, one replication.
const SMALL: [(&str, &str); 3] =
    [("workload.requests", "3000"), ("workload.warmup_requests", "300"), ("replications", "1")];

fn route<'a>(s: &'a Scenario, name: &str) -> &'a CompiledRoute {
    s.routes().iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no route {name}"))
}

/// What the hop of node `node` on route `name` serves.
fn serves(s: &Scenario, name: &str, node: &str) -> Serves {
    let hops = route(s, name).model.routes()[0].hops();
    hops.iter().find(|h| h.name() == node).unwrap().serves()
}

/// The gateway's hop after a short run of route `name`.
fn gateway_hop(s: &Scenario, name: &str, node: &str) -> HopReport {
    let report = run(s);
    let r = report.routes.iter().find(|r| r.name == name).unwrap();
    r.hops.iter().find(|h| h.node == node).unwrap().clone()
}

/// An on-premises client calling into Azure: on-prem client → ExpressRoute
/// gateway → `next` (a firewall or an app in the hub) → app.
fn reverse(gateway: Value, via_firewall: bool, round_trip: bool) -> Scenario {
    let mut path = vec!["client", "er-gw", "app"];
    if via_firewall {
        path.insert(2, "hub-fw");
    }
    let mut links = vec![
        json!({"between": ["client", "er-gw"], "network": "expressroute", "distance_km": 50}),
        json!({"between": ["er-gw", "hub-fw"], "network": "intra_zone"}),
        json!({"between": ["hub-fw", "app"], "network": "intra_zone"}),
    ];
    if !via_firewall {
        links.push(json!({"between": ["er-gw", "app"], "network": "intra_zone"}));
    }
    load_inline(json!({
        "name": "reverse",
        "seed": 7,
        "replications": 1,
        "workload": {
            "arrival": {"kind": "poisson", "rate_per_s": 200},
            "requests": 3000, "warmup_requests": 300,
            "request_bytes": {"kind": "constant", "value": 16384},
            "response_bytes": {"kind": "constant", "value": 16384},
            "round_trip": round_trip
        },
        "nodes": {
            "client": {"kind": "client"},
            "er-gw": gateway,
            "hub-fw": {"kind": "azure_firewall", "sku": "standard"},
            "app": {"kind": "station", "servers": 8,
                    "service_ms": {"kind": "constant", "value": 1}}
        },
        "links": links,
        "routes": [{"name": "in", "path": path}]
    }))
}

fn er(sku: &str) -> Value {
    json!({"kind": "vnet_gateway", "gateway": "expressroute", "sku": sku})
}

/// The required test: on a cloud → on-premises route the requests spend
/// no time at the ExpressRoute gateway (they go to the MSEE directly) and
/// the responses do. One-way, the gateway hop has no time at all; on the
/// round trip it has the responses' time.
#[test]
fn issue_11_er_requests_to_onprem_skip_the_gateway_and_responses_cross_it() {
    let one_way: Vec<(&str, &str)> =
        SMALL.iter().copied().chain([("workload.round_trip", "false")]).collect();
    let s = load_with("apim-hub-proxy", &one_way);
    assert_eq!(serves(&s, "red", "er-gw"), Serves::Responses);
    let h = gateway_hop(&s, "red", "er-gw");
    assert_eq!((h.service_ms_mean, h.wait_ms_mean), (0.0, 0.0));
    assert_eq!(h.utilization, Some(0.0));
    let s = load_with("apim-hub-proxy", &SMALL);
    let h = gateway_hop(&s, "green", "er-gw");
    // The response pipeline latency (EST 0.3 ms median) plus its packets.
    assert!(h.service_ms_mean > 0.3, "responses at the gateway: {} ms", h.service_ms_mean);
    // The explain plan agrees: the gateway's floor is the response's only.
    let plan = &route(&s, "green").hops[4];
    assert!(plan.connection.contains("serves responses only"), "{}", plan.connection);
}

/// The reverse direction: an on-premises client calling into Azure sends
/// its requests through the gateway, and the responses bypass it.
#[test]
fn issue_11_er_requests_from_onprem_cross_the_gateway() {
    let s = reverse(er("ErGw1AZ"), true, true);
    assert_eq!(serves(&s, "in", "er-gw"), Serves::Requests);
    let s = reverse(er("ErGw1AZ"), true, false);
    let h = gateway_hop(&s, "in", "er-gw");
    // 12 packets of 16 KB at 1 Gbit/s (11.2 µs each) plus the latency.
    assert!(h.service_ms_mean > 0.3, "requests at the gateway: {} ms", h.service_ms_mean);
    assert!(route(&s, "in").findings.is_empty(), "{:?}", route(&s, "in").findings);
}

/// FastPath takes the on-premises → Azure data path off the gateway when
/// it applies (the next hop in the gateway's VNet, no UDR, no peering).
#[test]
fn issue_11_fastpath_removes_the_gateway_time() {
    let mut gw = er("ErGw3AZ");
    gw["fastpath"] = json!(true);
    let with = reverse(gw.clone(), false, false);
    assert_eq!(serves(&with, "in", "er-gw"), Serves::Neither);
    let h = gateway_hop(&with, "in", "er-gw");
    assert_eq!(h.service_ms_mean, 0.0);
    let without = gateway_hop(&reverse(er("ErGw3AZ"), false, false), "in", "er-gw");
    assert!(without.service_ms_mean > 0.2, "{} ms", without.service_ms_mean);
    // ErGwScale with ten units qualifies too.
    let mut scale = er("ErGwScale");
    scale["units"] = json!(10);
    scale["fastpath"] = json!(true);
    assert_eq!(serves(&reverse(scale, false, true), "in", "er-gw"), Serves::Neither);
}

/// FastPath on a gateway that cannot have it is refused, with the fix.
#[test]
fn issue_11_fastpath_on_ergw1az_is_refused() {
    let mut doc = shipped_json("onprem-gateway");
    doc["nodes"]["er-gw"]["fastpath"] = json!(true);
    let e = Scenario::from_value(std::path::Path::new("x.json"), doc).unwrap_err().to_string();
    assert!(e.contains("nodes.er-gw.fastpath"), "{e}");
    assert!(e.contains("ErGw3AZ or ErGwScale") && e.contains("not ErGw1AZ"), "{e}");
    let mut doc = shipped_json("apim-hub-proxy");
    doc["nodes"]["er-gw"] = json!({"kind": "vnet_gateway", "gateway": "expressroute",
        "sku": "ErGwScale", "units": 4, "fastpath": true});
    let e = Scenario::from_value(std::path::Path::new("x.json"), doc).unwrap_err().to_string();
    assert!(e.contains("at least 10 scale units"), "{e}");
    for (field, v) in [("fastpath", json!(true)), ("circuit", json!("direct"))] {
        let mut doc = shipped_json("apim-hub-proxy-vpn");
        doc["nodes"]["vpn-gw"][field] = v;
        let e = Scenario::from_value(std::path::Path::new("x.json"), doc).unwrap_err().to_string();
        assert!(e.contains(&format!("nodes.vpn-gw.{field}")) && e.contains("ExpressRoute"), "{e}");
    }
}

/// The FastPath/peering finding fires on a hub-and-spoke route (the
/// responses from on-premises go on to the hub firewall by a UDR, and to a
/// spoke over peering), and the gateway stays on their path; with
/// ExpressRoute Direct the finding is gone and FastPath applies.
#[test]
fn issue_11_fastpath_limits_finding_on_hub_spoke_and_not_with_direct() {
    let sets = [("nodes.er-gw.sku", "ErGw3AZ"), ("nodes.er-gw.fastpath", "true")];
    let s = load_with("apim-hub-proxy", &sets);
    for name in ["green", "red"] {
        let f: Vec<_> =
            route(&s, name).findings.iter().filter(|f| f.check == "fastpath_limits").collect();
        assert_eq!(f.len(), 1, "{name}: {f:?}");
        assert!(f[0].message.contains("ExpressRoute Direct"), "{}", f[0].message);
        assert!(f[0].message.contains("nodes.er-gw.circuit"), "{}", f[0].message);
        assert_eq!(serves(&s, name, "er-gw"), Serves::Responses, "{name}");
    }
    let direct: Vec<(&str, &str)> =
        sets.iter().copied().chain([("nodes.er-gw.circuit", "\"direct\"")]).collect();
    let s = load_with("apim-hub-proxy", &direct);
    for name in ["green", "red"] {
        assert!(route(&s, name).findings.iter().all(|f| f.check != "fastpath_limits"), "{name}");
        assert_eq!(serves(&s, name, "er-gw"), Serves::Neither, "{name}");
    }
}

/// The VPN gateway terminates IPsec both ways: it serves both directions.
/// Active-active gives the site two tunnels, each with the per-tunnel
/// limits; the gateway's aggregate still binds (VpnGw3AZ: 2 × 1,500 Mbit/s
/// is more than its 2,500).
#[test]
fn issue_11_vpn_active_active_doubles_the_tunnel_capacity() {
    let one = load_with("apim-hub-proxy-vpn", &[("nodes.vpn-gw.sku", "VpnGw4AZ")]);
    assert_eq!(serves(&one, "red", "vpn-gw"), Serves::Both);
    let two = load_with(
        "apim-hub-proxy-vpn",
        &[("nodes.vpn-gw.sku", "VpnGw4AZ"), ("nodes.vpn-gw.active_active", "true")],
    );
    let gw = |s: &Scenario| {
        let m = &route(s, "red").model;
        m.stations().iter().find(|st| st.name() == "vpn-gw").unwrap().clone()
    };
    let (a, b) = (gw(&one), gw(&two));
    assert_eq!(a.servers(), Servers::finite(1).unwrap());
    assert_eq!(b.servers(), Servers::finite(2).unwrap());
    assert_eq!(a.size_cost_ns(1350), b.size_cost_ns(1350), "each tunnel keeps its limits");
    // VpnGw3AZ: the aggregate (2,500) splits over the two tunnels.
    let three = load_with(
        "apim-hub-proxy-vpn",
        &[("nodes.vpn-gw.sku", "VpnGw3AZ"), ("nodes.vpn-gw.active_active", "true")],
    );
    let per_tunnel_ns = 1350.0 * 8.0 / (value("vpn_gateway.vpngw3az.aggregate_mbps") / 2.0 * 1e6);
    let got = gw(&three).size_cost_ns(1350) as f64;
    assert!((got - per_tunnel_ns * 1e9).abs() <= 1.0, "{got} ns per packet");
    // Three sites share the aggregate: a third each.
    let shared = load_with(
        "apim-hub-proxy-vpn",
        &[("nodes.vpn-gw.sku", "VpnGw2AZ"), ("nodes.vpn-gw.site_connections", "3")],
    );
    let want = 1350.0 * 8.0 / (value("vpn_gateway.vpngw2az.aggregate_mbps") / 3.0 * 1e6) * 1e9;
    let got = gw(&shared).size_cost_ns(1350) as f64;
    assert!((got - want).abs() <= 1.0, "{got} ns per packet, want {want}");
}

/// More site connections than the SKU has tunnels are refused, naming a
/// SKU that has enough.
#[test]
fn issue_11_more_site_connections_than_the_sku_allows_are_refused() {
    let load = |sets: &[(&str, &str)]| {
        let mut doc = shipped_json("apim-hub-proxy-vpn");
        for (p, v) in sets {
            sim_scenarios::file::set_path(&mut doc, p, v).unwrap();
        }
        Scenario::from_value(std::path::Path::new("x.json"), doc).map(|_| ())
    };
    let e = load(&[("nodes.vpn-gw.sku", "VpnGw1AZ"), ("nodes.vpn-gw.site_connections", "31")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("nodes.vpn-gw.site_connections") && e.contains("at most 30"), "{e}");
    assert!(e.contains("set sku to VpnGw4AZ"), "{e}");
    // Active-active: two tunnels per site, so 16 sites need 32.
    let aa = [
        ("nodes.vpn-gw.sku", "VpnGw1AZ"),
        ("nodes.vpn-gw.active_active", "true"),
        ("nodes.vpn-gw.site_connections", "16"),
    ];
    let e = load(&aa).unwrap_err().to_string();
    assert!(e.contains("32 tunnels") && e.contains("two per site"), "{e}");
    assert!(load(&[("nodes.vpn-gw.site_connections", "15")]).is_ok());
    assert!(load(&[("nodes.vpn-gw.site_connections", "0")]).is_err());
}

/// A `network: expressroute` link without `bandwidth_mbps` has the
/// catalog's circuit bandwidth, shown as such by explain; a given one wins.
#[test]
fn issue_11_expressroute_circuit_bandwidth_from_the_catalog() {
    let mut doc = shipped_json("apim-hub-proxy");
    let links = doc["links"].as_array_mut().unwrap();
    let er = links.iter_mut().find(|l| l["network"] == "expressroute").unwrap();
    er.as_object_mut().unwrap().remove("bandwidth_mbps");
    let s = Scenario::from_value(std::path::Path::new("x.json"), doc).unwrap();
    let m = &route(&s, "red").model;
    let link = m.links().iter().find(|l| l.name() == "er-gw<->backend").unwrap();
    assert_eq!(link.bandwidth_bps(), Some(value("expressroute.circuit_bandwidth_mbps") * 1e6));
    let plan = route(&s, "red").hops.iter().find(|h| h.node == "er-gw").unwrap();
    assert!(plan.capacity.contains("catalog default expressroute.circuit_bandwidth_mbps"));
    let s = load_with("apim-hub-proxy", &[("links.5.bandwidth_mbps", "500")]);
    let m = &route(&s, "red").model;
    let link = m.links().iter().find(|l| l.name() == "er-gw<->backend").unwrap();
    assert_eq!(link.bandwidth_bps(), Some(500e6));
    assert!(!route(&s, "red").hops[3].capacity.contains("catalog default"));
}

/// VPN packets are MSS-clamped (1,350 bytes), and the Internet latency
/// has a tail: the mixture's mean, above the body's.
#[test]
fn issue_11_vpn_packets_are_mss_clamped_and_the_wan_has_a_tail() {
    let s = load_with("apim-hub-proxy-vpn", &[]);
    let m = &route(&s, "red").model;
    let gw = m.stations().iter().find(|st| st.name() == "vpn-gw").unwrap();
    assert_eq!((gw.packets(1350), gw.packets(1351)), (1, 2));
    let wan = m
        .links()
        .iter()
        .find(|l| l.name().contains("vpn-gw") && !l.name().contains("hub"))
        .unwrap();
    let body_median = value("vpn.wan_rtt_ms") / 2.0 * 1e6;
    let body = body_median * (value("vpn.wan_rtt_sigma").powi(2) / 2.0).exp();
    let tail = body_median
        * value("vpn.wan_tail_factor")
        * (value("vpn.wan_tail_sigma").powi(2) / 2.0).exp();
    let p = value("vpn.wan_tail_probability");
    let want = (1.0 - p) * body + p * tail;
    let got = wan.latency_ns().mean().unwrap();
    assert!((got - want).abs() < 1e-6 * want && got > body, "{got} ns, want {want}");
}
