//! What the Azure kinds compile to: the `sim-core` model of each shipped
//! Azure scenario, checked against the route paths and the catalog.

use sim_core::{Leg, Model, Servers, Station, StationId};
use sim_scenarios::Scenario;
use sim_scenarios::azure::catalog::value;
use sim_scenarios::compile::CompiledRoute;

use super::{AZURE_SCENARIOS, load_with, shipped};

fn route<'a>(s: &'a Scenario, name: &str) -> &'a CompiledRoute {
    s.routes().iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no route {name}"))
}

/// The station named `name` in `model` (exactly one).
fn station<'a>(model: &'a Model, name: &str) -> &'a Station {
    let found: Vec<&Station> = model.stations().iter().filter(|s| s.name() == name).collect();
    assert_eq!(found.len(), 1, "stations named {name}: {}", found.len());
    found[0]
}

/// The station ids the route's hops visit, by hop (`None` for the origin).
fn hop_stations(model: &Model) -> Vec<Option<StationId>> {
    model.routes()[0].hops().iter().map(|h| h.station()).collect()
}

fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "{what}: got {got}, want {want}");
}

#[test]
fn hops_follow_the_route_path_in_every_azure_scenario() {
    for name in AZURE_SCENARIOS {
        let s = Scenario::load(&shipped(name)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.routes().len(), s.spec().routes.len(), "{name}");
        for (r, spec) in s.routes().iter().zip(&s.spec().routes) {
            assert_eq!(r.name, spec.name, "{name}");
            let model = &r.model;
            assert_eq!(model.routes().len(), 1, "{name}/{}: one route per model", r.name);
            let hops = model.routes()[0].hops();
            let names: Vec<&str> = hops.iter().map(|h| h.name()).collect();
            assert_eq!(names, spec.path, "{name}/{}", r.name);
            // The origin is a client (no station); every other hop is served
            // by the station of the same name. Each hop but the last has the
            // link to the next one.
            assert!(hops[0].station().is_none(), "{name}/{}: origin", r.name);
            for (j, h) in hops.iter().enumerate() {
                if j > 0 {
                    let id = h.station().unwrap_or_else(|| panic!("{name}/{}: hop {j}", r.name));
                    assert_eq!(model.stations()[id.index()].name(), h.name(), "{name}/{}", r.name);
                }
                let last = j + 1 == hops.len();
                assert_eq!(h.link().is_none(), last, "{name}/{}: link of hop {j}", r.name);
                if let Some((l, _)) = h.link() {
                    let link = model.links()[l.index()].name();
                    assert!(
                        link.contains(h.name()) && link.contains(hops[j + 1].name()),
                        "{name}/{}: hop {j} link {link}",
                        r.name
                    );
                }
            }
            // One station per node: a node visited twice is one queue.
            let mut station_names: Vec<&str> = model.stations().iter().map(|s| s.name()).collect();
            station_names.sort_unstable();
            let n = station_names.len();
            station_names.dedup();
            assert_eq!(station_names.len(), n, "{name}/{}: duplicate stations", r.name);
            // The HopPlan for explain lists the same hops.
            let planned: Vec<&str> = r.hops.iter().map(|h| h.node.as_str()).collect();
            assert_eq!(planned, spec.path, "{name}/{}", r.name);
        }
    }
}

#[test]
fn green_crosses_one_firewall_twice_and_red_once() {
    let s = Scenario::load(&shipped("apim-hub-proxy")).unwrap();
    let green = &route(&s, "green").model;
    let fw = hop_stations(green);
    // client, hub-fw, apim, hub-fw, er-gw, backend
    assert!(fw[1].is_some());
    assert_eq!(fw[1], fw[3], "both hub-fw hops of green must be the same station");
    let id = fw[1].unwrap();
    assert_eq!(green.stations()[id.index()].name(), "hub-fw");
    let visits = fw.iter().filter(|s| **s == Some(id)).count();
    assert_eq!(visits, 2);
    // The token exchange and JWKS calls cross that same firewall, not a copy.
    let detour_stations: Vec<StationId> = green.routes()[0]
        .hops()
        .iter()
        .flat_map(|h| h.detours())
        .flat_map(|d| d.legs())
        .filter_map(|l| if let Leg::Station(s) = l { Some(*s) } else { None })
        .collect();
    assert!(detour_stations.contains(&id), "the calls cross hub-fw");
    station(green, "hub-fw");

    let red = &route(&s, "red").model;
    let ids = hop_stations(red);
    let fw_id = ids[2].unwrap();
    assert_eq!(red.stations()[fw_id.index()].name(), "hub-fw");
    assert_eq!(ids.iter().filter(|s| **s == Some(fw_id)).count(), 1);
    station(red, "hub-fw");
}

#[test]
fn azure_firewall_capacity_comes_from_the_catalog() {
    let s = Scenario::load(&shipped("apim-hub-proxy")).unwrap();
    for r in s.routes() {
        let fw = station(&r.model, "hub-fw");
        assert_eq!(fw.servers(), Servers::finite(2).unwrap(), "{}", r.name);
        let gbps = value("azure_firewall.standard.throughput_per_instance_gbps")
            .min(value("azure_firewall.standard.per_flow_gbps"));
        assert_eq!(gbps, 1.5, "catalog figure changed: update the brief's 8/1.5");
        close(full_packet_ns(fw), (1500.0 * 8.0 / gbps).round(), "hub-fw ns per full packet");
        // Capacity is per packet only (issue 11 item 5(c)): no fixed
        // service, and the latency is a pipeline delay that occupies no
        // server.
        assert_eq!(fw.ns_per_byte(), 0.0);
        assert_eq!((fw.packets(1500), fw.packets(1501), fw.packets(1)), (1, 2, 1));
        assert_eq!(fw.service_ns().mean(), Some(0.0));
        assert!(fw.delay_ns().is_some());
    }
    // More instances, more servers; the per-instance figure is the same.
    let s = load_with("apim-hub-proxy", &[("nodes.hub-fw.instances", "5")]);
    let fw = station(&route(&s, "green").model, "hub-fw");
    assert_eq!(fw.servers(), Servers::finite(5).unwrap());
    // Premium: its own per-instance figure.
    let s = load_with("onprem-gateway-tls13", &[]);
    let fw = station(&route(&s, "red").model, "hub-fw");
    let gbps = value("azure_firewall.premium.throughput_per_instance_gbps")
        .min(value("azure_firewall.premium.per_flow_gbps"));
    close(full_packet_ns(fw), (1500.0 * 8.0 / gbps).round(), "premium ns per full packet");
}

/// What one full 1,500-byte packet costs a firewall instance \[ns\].
fn full_packet_ns(fw: &Station) -> f64 {
    assert_eq!(value("azure_firewall.packet_bytes"), 1500.0, "catalog packet size changed");
    fw.size_cost_ns(1500) as f64
}

#[test]
fn idps_deny_follows_the_2026_firewall_performance_page() {
    // Azure Firewall performance, ms.date 03/28/2026: Premium with TLS
    // inspection and IDPS in deny mode carries 22 Gbps of the SKU's 100, and
    // one TCP connection up to 600 Mbps (the 2022 page: 10 Gbps, 300 Mbps).
    let deny = [("nodes.hub-fw.sku", "premium"), ("nodes.hub-fw.idps", "deny")];
    let s = load_with("apim-hub-proxy", &deny);
    let fw = station(&route(&s, "green").model, "hub-fw");
    close(full_packet_ns(fw), (1500.0_f64 * 8.0 / 0.6).round(), "one flow at 600 Mbit/s");
    // Without the per-flow cap, an instance carries 9 Gbps × 22 / 100.
    let uncapped = [deny[0], deny[1], ("nodes.hub-fw.per_flow_gbps", "100")];
    let s = load_with("apim-hub-proxy", &uncapped);
    let fw = station(&route(&s, "green").model, "hub-fw");
    close(
        full_packet_ns(fw),
        (1500.0_f64 * 8.0 / (9.0 * 0.22)).round(),
        "an instance at 1.98 Gbit/s",
    );
}

/// A unit is `cores_per_unit` cores sharing the instance's queue, and a
/// request's CPU on one core is calibrated so that a unit without policies
/// delivers the catalog's rate with its cores `apim.nominal_utilization`
/// busy (issue 11 item 3).
#[test]
fn apim_servers_are_cores_of_units_and_service_matches_capacity() {
    let per_unit = value("apim.premium.capacity_per_unit_per_s");
    let cores = value("apim.premium.cores_per_unit");
    let busy = value("apim.nominal_utilization");
    let jwt_ms = value("apim.validate_jwt_cpu_ms");
    let cpu_ms = busy * cores * 1000.0 / per_unit;
    for units in ["2", "5"] {
        let s = load_with("apim-hub-proxy", &[("nodes.apim.units", units)]);
        for r in s.routes() {
            let apim = station(&r.model, "apim");
            let u: u32 = units.parse().unwrap();
            assert_eq!(apim.servers(), Servers::finite(u * cores as u32).unwrap(), "{}", r.name);
            // A request and its response together hold a core for
            // busy × cores / capacity, plus the validate-jwt CPU on the request.
            let req = apim.service_ns().mean().unwrap() / 1e6;
            let resp = apim.response_service_ns().mean().unwrap() / 1e6;
            close(req + resp, cpu_ms + jwt_ms, "apim CPU per request [ms]");
            assert!(req > resp, "the request side does more of the work");
            // The twin without authorisation drops exactly the JWT CPU.
            let twin = r.model_without_auth.as_ref().expect("apim-hub-proxy has auth");
            let t = station(twin, "apim");
            let twin_req = t.service_ns().mean().unwrap() / 1e6;
            close(req - twin_req, jwt_ms, "validate-jwt CPU [ms]");
            assert_eq!(t.servers(), apim.servers());
            // Capacity shown by explain.
            let hop = r.hops.iter().find(|h| h.node == "apim").unwrap();
            assert!(hop.capacity.contains(&format!("{units} units")), "{}", hop.capacity);
        }
    }
    // An explicit validate_jwt.cpu_ms replaces the catalog's, and
    // cores_per_unit the tier's.
    let sets =
        [("nodes.apim.policies.validate_jwt.cpu_ms", "2.5"), ("nodes.apim.cores_per_unit", "8")];
    let s = load_with("apim-hub-proxy", &sets);
    let apim = station(&route(&s, "red").model, "apim");
    assert_eq!(apim.servers(), Servers::finite(16).unwrap());
    let total =
        (apim.service_ns().mean().unwrap() + apim.response_service_ns().mean().unwrap()) / 1e6;
    close(total, busy * 8.0 * 1000.0 / per_unit + 2.5, "apim CPU with cpu_ms 2.5, 8 cores");
}

/// Expected cost of one full packet at a gateway \[ns\].
fn packet_ns(mbps: f64, pps: f64, mtu: u64) -> f64 {
    (mtu as f64 * 8.0 / (mbps * 1e6)).max(1.0 / pps) * 1e9
}

fn check_gateway(st: &Station, mbps: f64, pps: f64, what: &str) {
    // ExpressRoute's largest packet; VPN's MSS clamp (issue 11 item 2).
    let (mtu, want_mtu) = if what.starts_with("Vpn") {
        (value("vpn_gateway.mss_bytes") as u64, 1350)
    } else {
        (value("expressroute.max_packet_bytes") as u64, 1400)
    };
    assert_eq!(mtu, want_mtu, "catalog packet size changed");
    let per_packet = packet_ns(mbps, pps, mtu);
    assert_eq!(st.servers(), Servers::finite(1).unwrap(), "{what}");
    assert_eq!(st.ns_per_byte(), 0.0, "{what}: the cost is per packet, not per byte");
    assert_eq!(st.packets(0), 0, "{what}");
    assert_eq!(st.packets(1), 1, "{what}");
    assert_eq!(st.packets(mtu), 1, "{what}");
    assert_eq!(st.packets(mtu + 1), 2, "{what}");
    assert_eq!(st.size_cost_ns(0), 0, "{what}");
    for bytes in [1, 100, mtu, mtu + 1, 10 * mtu, 16384] {
        let want = per_packet * bytes.div_ceil(mtu) as f64;
        let got = st.size_cost_ns(bytes) as f64;
        assert!((got - want).abs() <= 1.0, "{what}: {bytes} bytes cost {got} ns, want {want}");
    }
}

#[test]
fn vnet_gateway_cost_per_packet_is_the_binding_limit() {
    // The shipped ones.
    let s = Scenario::load(&shipped("apim-hub-proxy")).unwrap();
    let (mbps, pps) = (
        value("expressroute_gateway.ergw2az.bandwidth_mbps"),
        value("expressroute_gateway.ergw2az.pps"),
    );
    check_gateway(station(&route(&s, "green").model, "er-gw"), mbps, pps, "ErGw2AZ");
    // 1400 × 8 / 2 Gbit/s = 5.6 µs beats 1 / 200k pps = 5 µs.
    assert_eq!(station(&route(&s, "green").model, "er-gw").size_cost_ns(1400), 5600);
    let s = Scenario::load(&shipped("apim-hub-proxy-vpn")).unwrap();
    let (mbps, pps) = (
        value("vpn_gateway.vpngw2az.per_tunnel_mbps"),
        value("vpn_gateway.vpngw2az.per_tunnel_pps"),
    );
    check_gateway(station(&route(&s, "red").model, "vpn-gw"), mbps, pps, "VpnGw2AZ");

    // Every SKU, through the same node.
    for (sku, key) in [("ErGw1AZ", "ergw1az"), ("ErGw2AZ", "ergw2az"), ("ErGw3AZ", "ergw3az")] {
        let s = load_with("apim-hub-proxy", &[("nodes.er-gw.sku", sku)]);
        let st = station(&route(&s, "red").model, "er-gw");
        let (mbps, pps) = (
            value(&format!("expressroute_gateway.{key}.bandwidth_mbps")),
            value(&format!("expressroute_gateway.{key}.pps")),
        );
        check_gateway(st, mbps, pps, sku);
    }
    for units in [1u32, 3, 10] {
        let s = load_with(
            "apim-hub-proxy",
            &[("nodes.er-gw.sku", "ErGwScale"), ("nodes.er-gw.units", &units.to_string())],
        );
        let st = station(&route(&s, "red").model, "er-gw");
        let u = f64::from(units);
        check_gateway(
            st,
            value("expressroute_gateway.ergwscale.bandwidth_mbps_per_unit") * u,
            value("expressroute_gateway.ergwscale.pps_per_unit") * u,
            &format!("ErGwScale × {units}"),
        );
    }
    for n in 1..=5 {
        let sku = format!("VpnGw{n}AZ");
        let s = load_with("apim-hub-proxy-vpn", &[("nodes.vpn-gw.sku", &sku)]);
        let st = station(&route(&s, "red").model, "vpn-gw");
        let (mbps, pps) = (
            value(&format!("vpn_gateway.vpngw{n}az.per_tunnel_mbps")),
            value(&format!("vpn_gateway.vpngw{n}az.per_tunnel_pps")),
        );
        check_gateway(st, mbps, pps, &sku);
    }
}
