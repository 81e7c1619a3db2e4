//! Networks: links between nodes, their latency by network kind (from the
//! catalog), and the rules of what Azure can reach directly.

use std::collections::BTreeMap;

use sim_core::{Dist, Link};

use crate::azure::{Kind, NodeModel};
use crate::error::Invalid;
use crate::file::json::{index_path, key_path};
use crate::file::laws::{Unit, dist};
use crate::file::limits::{BANDWIDTH_MBPS, DISTANCE_KM};
use crate::file::spec::{LinkSpec, ScenarioSpec};

/// A link as compiled, keyed by the unordered pair of nodes it joins.
#[derive(Debug, Clone)]
pub(crate) struct CompiledLink {
    /// The nodes in file order: crossing from `ends.0` to `ends.1` is forward.
    pub(crate) ends: (String, String),
    pub(crate) link: Link,
}

pub(crate) type LinkMap = BTreeMap<(String, String), CompiledLink>;

pub(crate) fn unordered(a: &str, b: &str) -> (String, String) {
    if a <= b { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) }
}

pub(crate) fn links(
    spec: &ScenarioSpec,
    nodes: &BTreeMap<String, NodeModel>,
) -> Result<LinkMap, Invalid> {
    let mut out = LinkMap::new();
    for (i, l) in spec.links.iter().enumerate() {
        let path = index_path("links", i);
        check_link_ends(l, &path, nodes)?;
        let key = unordered(&l.between[0], &l.between[1]);
        if out.contains_key(&key) {
            return Err(Invalid::new(
                key_path(&path, "between"),
                format!(
                    "'{}' and '{}' are already linked by an earlier entry; keep one link per pair",
                    l.between[0], l.between[1]
                ),
            ));
        }
        check_network_kind(l, &path, nodes)?;
        let latency = link_latency(l, &path)?;
        let mut link = Link::new(format!("{}<->{}", l.between[0], l.between[1]), latency);
        if let Some(mbps) = l.bandwidth_mbps {
            BANDWIDTH_MBPS.check(mbps, key_path(&path, "bandwidth_mbps"))?;
            link = link.with_bandwidth_bps(mbps * 1e6);
        }
        out.insert(key, CompiledLink { ends: (l.between[0].clone(), l.between[1].clone()), link });
    }
    Ok(out)
}

pub(crate) fn check_link_ends(
    l: &LinkSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
) -> Result<(), Invalid> {
    for (j, end) in l.between.iter().enumerate() {
        if !nodes.contains_key(end) {
            return Err(Invalid::new(
                index_path(&key_path(path, "between"), j),
                format!("unknown node '{end}'; known nodes: {}", known(nodes)),
            ));
        }
    }
    if l.between[0] == l.between[1] {
        return Err(Invalid::new(
            key_path(path, "between"),
            format!("a link joins two different nodes, got '{}' twice", l.between[0]),
        ));
    }
    // Azure components reach on-premises nodes only through a VNet gateway.
    let is_azure = |k: Kind| matches!(k, Kind::AzureFirewall | Kind::Apim | Kind::AppGateway);
    let (a, b) = (&l.between[0], &l.between[1]);
    let (ka, kb) = (nodes[a].kind, nodes[b].kind);
    if (is_azure(ka) && kb.is_onprem()) || (ka.is_onprem() && is_azure(kb)) {
        return Err(Invalid::new(
            key_path(path, "between"),
            format!(
                "'{a}' ({}) and '{b}' ({}) cannot be linked directly: Azure components reach on-premises nodes only through a vnet_gateway; link each of them to a vnet_gateway instead",
                ka.name(),
                kb.name()
            ),
        ));
    }
    Ok(())
}

/// A link's network kind fits the nodes it joins: `vpn` and `expressroute`
/// are the on-premises side of a VNet gateway of that type, and a gateway
/// reaches on-premises over that network, not over an Azure one. Generic
/// stations stand for anything, so a link to one is not checked.
pub(crate) fn check_network_kind(
    l: &LinkSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
) -> Result<(), Invalid> {
    use crate::file::spec::NetworkKind;
    let Some(net) = l.network else { return Ok(()) };
    let npath = key_path(path, "network");
    let [a, b] = &l.between;
    let (na, nb) = (&nodes[a], &nodes[b]);
    if na.kind == Kind::Station || nb.kind == Kind::Station {
        return Ok(());
    }
    let gateway_name = |wan: NetworkKind| match wan {
        NetworkKind::Vpn => "a VPN gateway",
        _ => "an ExpressRoute gateway",
    };
    let is_wan = matches!(net, NetworkKind::Vpn | NetworkKind::Expressroute);
    // (gateway, other end), the gateway first.
    let ends = match (na.kind, nb.kind) {
        (Kind::VnetGateway, _) => Some((a, b)),
        (_, Kind::VnetGateway) => Some((b, a)),
        _ => None,
    };
    match ends {
        None if is_wan => {
            let azure_net = if na.kind == Kind::Client || nb.kind == Kind::Client {
                "peering"
            } else {
                "intra_zone"
            };
            Err(Invalid::new(
                npath,
                format!(
                    "\"{net}\" is the on-premises side of {} (a vnet_gateway with \"gateway\": \"{net}\"), but neither '{a}' ({}) nor '{b}' ({}) is one: use \"{azure_net}\" for this link, and \"{net}\" on the link from the gateway to on-premises",
                    gateway_name(net),
                    na.kind.name(),
                    nb.kind.name()
                ),
            ))
        }
        None => Ok(()),
        Some((gw, other)) => {
            let wan = nodes[gw].wan.expect("every vnet_gateway has a wan");
            let no = &nodes[other];
            // Either end, when both are gateways (VNet-to-VNet).
            let mismatched = [gw, other]
                .into_iter()
                .find_map(|g| nodes[g].wan.filter(|w| *w != net).map(|w| (g, w)));
            if let (true, Some((g, w))) = (is_wan, mismatched) {
                return Err(Invalid::new(
                    npath,
                    format!(
                        "'{g}' is {} and does not speak \"{net}\": set network to \"{w}\", or make '{g}' a gateway of type \"{net}\" ({})",
                        gateway_name(w),
                        key_path(&key_path("nodes", g), "gateway")
                    ),
                ));
            }
            // The far side of a WAN link: on-premises, another gateway of the
            // same type (VNet-to-VNet), or a client (on-premises itself, or
            // connected point-to-site).
            let onprem_side =
                no.kind.is_onprem() || matches!(no.kind, Kind::VnetGateway | Kind::Client);
            if is_wan && !onprem_side {
                return Err(Invalid::new(
                    npath,
                    format!(
                        "\"{net}\" is the on-premises side of '{gw}', but '{other}' ({}) is in Azure: use \"intra_zone\" between '{gw}' and '{other}', and \"{net}\" from '{gw}' to the on-premises node",
                        no.kind.name()
                    ),
                ));
            }
            if !is_wan && no.kind.is_onprem() {
                return Err(Invalid::new(
                    npath,
                    format!(
                        "'{gw}' reaches on-premises '{other}' over its {} connection, not over \"{net}\": set network to \"{wan}\" (or give latency_ms for a measured latency)",
                        if wan == NetworkKind::Vpn { "VPN" } else { "ExpressRoute" }
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// A link's one-way latency: given, or from the catalog by network kind.
pub(crate) fn link_latency(l: &LinkSpec, path: &str) -> Result<Dist, Invalid> {
    use crate::azure::catalog::value;
    use crate::file::spec::NetworkKind;
    let lognormal = |median_ms: f64, sigma: f64| {
        Dist::lognormal((median_ms * 1e6).ln(), sigma).expect("catalog medians are positive")
    };
    let refuse = |field: &str, present: bool, why: &str| -> Result<(), Invalid> {
        if present { Err(Invalid::new(key_path(path, field), why.to_string())) } else { Ok(()) }
    };
    let net = l.network;
    refuse(
        "regions",
        l.regions.is_some() && net != Some(NetworkKind::GlobalPeering),
        "regions apply to network \"global_peering\" only",
    )?;
    refuse(
        "distance_km",
        l.distance_km.is_some() && net != Some(NetworkKind::Expressroute),
        "distance_km applies to network \"expressroute\" only",
    )?;
    match (&l.latency_ms, net) {
        (Some(_), Some(_)) => Err(Invalid::new(
            key_path(path, "network"),
            "give latency_ms or network, not both (network takes the latency from the catalog)",
        )),
        (None, None) => Err(Invalid::new(
            key_path(path, "latency_ms"),
            "missing: give latency_ms, or network (intra_zone, cross_zone, peering, global_peering, expressroute, vpn) for the catalog's figure",
        )),
        (Some(d), None) => dist(d, &key_path(path, "latency_ms"), Unit::Millis),
        (None, Some(kind)) => {
            Ok(match kind {
                NetworkKind::IntraZone | NetworkKind::Peering => lognormal(
                    value("network.intra_zone_ms") + value("network.peering_extra_ms"),
                    value("network.intra_zone_sigma"),
                ),
                NetworkKind::CrossZone => {
                    lognormal(value("network.cross_zone_ms"), value("network.cross_zone_sigma"))
                }
                NetworkKind::Vpn => {
                    lognormal(value("vpn.wan_rtt_ms") / 2.0, value("vpn.wan_rtt_sigma"))
                }
                NetworkKind::Expressroute => {
                    let km = l.distance_km.unwrap_or(0.0);
                    DISTANCE_KM.check(km, key_path(path, "distance_km"))?;
                    let rtt = value("expressroute.circuit_rtt_base_ms")
                        + value("expressroute.circuit_rtt_per_100km_ms") * km / 100.0;
                    lognormal(rtt / 2.0, value("expressroute.circuit_rtt_sigma"))
                }
                NetworkKind::GlobalPeering => {
                    let rpath = key_path(path, "regions");
                    let [a, b] = l.regions.clone().ok_or_else(|| {
                    Invalid::new(&rpath, "global_peering needs the two regions, e.g. [\"eastus\", \"westeurope\"]")
                })?;
                    let (a, b) = (a.to_lowercase(), b.to_lowercase());
                    let key = |x: &str, y: &str| format!("network.inter_region.{x}_{y}.rtt_p50_ms");
                    let rtt = crate::azure::catalog::try_figure(&key(&a, &b))
                    .or_else(|| crate::azure::catalog::try_figure(&key(&b, &a)))
                    .ok_or_else(|| {
                        let known: Vec<String> = crate::azure::catalog::FIGURES
                            .iter()
                            .filter_map(|f| f.key.strip_prefix("network.inter_region."))
                            .filter_map(|k| k.strip_suffix(".rtt_p50_ms"))
                            .map(|k| k.replace('_', "-"))
                            .collect();
                        Invalid::new(
                            &rpath,
                            format!("no published latency between '{a}' and '{b}'; known pairs: {}; or give latency_ms", known.join(", ")),
                        )
                    })?
                    .value;
                    lognormal(rtt / 2.0, value("network.inter_region_sigma"))
                }
            })
        }
    }
}

/// Every VNet gateway must reach on-premises: a link to an on-premises node.
pub(crate) fn check_gateways(
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
) -> Result<(), Invalid> {
    for (name, node) in nodes {
        if node.kind != Kind::VnetGateway {
            continue;
        }
        let reaches_onprem = links.keys().any(|(a, b)| {
            let other = if a == name {
                b
            } else if b == name {
                a
            } else {
                return false;
            };
            nodes.get(other).is_some_and(|n| n.kind.is_onprem())
        });
        if !reaches_onprem {
            return Err(Invalid::new(
                key_path("nodes", name),
                format!(
                    "VNet gateway '{name}' has no link to an on-premises node (onprem_firewall, onprem_api_gateway or backend); add one to links"
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn known(nodes: &BTreeMap<String, NodeModel>) -> String {
    nodes.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
}

pub(crate) fn mean_ms(d: Option<&Dist>) -> f64 {
    d.and_then(Dist::mean).unwrap_or(0.0) / 1e6
}

pub(crate) fn link_mean_ms(links: &LinkMap, a: &str, b: &str) -> f64 {
    links.get(&unordered(a, b)).map_or(0.0, |l| mean_ms(Some(l.link.latency_ns())))
}
