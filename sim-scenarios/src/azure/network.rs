//! Networks: links between nodes, their latency by network kind (from the
//! catalog), and the rules of what Azure can reach directly.

use std::collections::BTreeMap;

use sim_core::{Dist, Link, Serves};

use crate::azure::{Kind, NodeModel};
use crate::error::Invalid;
use crate::file::json::{index_path, key_path};
use crate::file::laws::{Unit, dist};
use crate::file::limits::{BANDWIDTH_MBPS, DISTANCE_KM};
use crate::file::spec::{LinkSpec, NetworkKind, RouteSpec, ScenarioSpec};

/// A link as compiled, keyed by the unordered pair of nodes it joins.
#[derive(Debug, Clone)]
pub(crate) struct CompiledLink {
    /// The nodes in file order: crossing from `ends.0` to `ends.1` is forward.
    pub(crate) ends: (String, String),
    pub(crate) link: Link,
    /// The network kind the file gave, if any.
    pub(crate) network: Option<NetworkKind>,
    /// Set when the bandwidth is the catalog's default, not the file's: the
    /// catalog key and the value \[Mbit/s\], for `explain`.
    pub(crate) default_bandwidth: Option<(&'static str, f64)>,
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
        // An ExpressRoute circuit has a provisioned bandwidth: the
        // catalog's when the file gives none.
        let default_bandwidth = match (l.bandwidth_mbps, l.network) {
            (None, Some(NetworkKind::Expressroute)) => {
                let key = "expressroute.circuit_bandwidth_mbps";
                Some((key, crate::azure::catalog::value(key)))
            }
            _ => None,
        };
        if let Some(mbps) = l.bandwidth_mbps {
            BANDWIDTH_MBPS.check(mbps, key_path(&path, "bandwidth_mbps"))?;
        }
        if let Some(mbps) = l.bandwidth_mbps.or(default_bandwidth.map(|d| d.1)) {
            link = link.with_bandwidth_bps(mbps * 1e6);
        }
        out.insert(
            key,
            CompiledLink {
                ends: (l.between[0].clone(), l.between[1].clone()),
                link,
                network: l.network,
                default_bandwidth,
            },
        );
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
                NetworkKind::Vpn => vpn_wan_latency(),
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

/// One-way latency of a site-to-site VPN over the Internet (EST): a
/// lognormal body (half the catalog's WAN RTT, its σ) and, with the
/// catalog's small tail probability, a slower lognormal whose median is
/// the body's times the tail factor: Internet paths have congested or
/// rerouted episodes that a narrow lognormal cannot show. Each message
/// draws independently (episodes are not correlated in time).
pub(crate) fn vpn_wan_latency() -> Dist {
    use crate::azure::catalog::value;
    let median_ns = value("vpn.wan_rtt_ms") / 2.0 * 1e6;
    let lognormal = |median: f64, sigma: f64| {
        Dist::lognormal(median.ln(), sigma).expect("catalog medians are positive")
    };
    let body = lognormal(median_ns, value("vpn.wan_rtt_sigma"));
    let tail = lognormal(median_ns * value("vpn.wan_tail_factor"), value("vpn.wan_tail_sigma"));
    Dist::mixture(body, tail, value("vpn.wan_tail_probability"))
        .expect("the catalog's tail probability is in [0, 1]")
}

/// Whether `other`, a neighbour of gateway `gw` on a path, is on the
/// gateway's on-premises side: an on-premises node, or any node (a
/// client, another gateway) it reaches over its `vpn` or `expressroute`
/// network.
pub(crate) fn is_onprem_side(
    gw: &str,
    other: &str,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
) -> bool {
    nodes[other].kind.is_onprem()
        || links.get(&unordered(gw, other)).is_some_and(|l| {
            matches!(l.network, Some(NetworkKind::Vpn | NetworkKind::Expressroute))
        })
}

/// Why FastPath does not apply to a message that enters ExpressRoute
/// gateway `gw` from on-premises and then walks `onward` (its next nodes
/// in Azure, in travel order), or `None` when it does. Without
/// ExpressRoute Direct, FastPath does not apply to VNet peering (a spoke
/// beyond the gateway's VNet) nor with a UDR on the gateway subnet (which
/// steering traffic to a firewall needs): that traffic keeps crossing
/// the gateway (`about-fastpath.md`, S42).
pub(crate) fn fastpath_blocker(
    gw: &str,
    onward: &[String],
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
) -> Option<String> {
    let first = onward.first()?;
    if nodes[first].kind == Kind::AzureFirewall {
        return Some(format!(
            "it goes on to firewall '{first}', which needs a UDR on the gateway subnet"
        ));
    }
    let mut prev = gw;
    for next in onward {
        let net = links.get(&unordered(prev, next)).and_then(|l| l.network);
        if matches!(net, Some(NetworkKind::Peering | NetworkKind::GlobalPeering)) {
            return Some(format!(
                "it reaches '{next}' over VNet peering ('{prev}' → '{next}'), in a spoke"
            ));
        }
        prev = next;
    }
    None
}

/// Whether ExpressRoute gateway (or VPN gateway) `gw` serves a message that
/// enters it from `from` and walks on through `onward`. A VPN gateway
/// terminates IPsec both ways and serves everything. An ExpressRoute
/// gateway is on the data path only of traffic sent from on-premises:
/// traffic from the VNet goes to the MSEE directly (MicrosoftDocs/azure-docs
/// #121271, #29124, #82788; ER-STAFF), and with FastPath the on-premises →
/// Azure data path bypasses it too, where FastPath applies.
pub(crate) fn gateway_serves_message(
    gw: &str,
    from: &str,
    onward: &[String],
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
) -> bool {
    let node = &nodes[gw];
    if node.wan != Some(NetworkKind::Expressroute) {
        return true;
    }
    if !is_onprem_side(gw, from, nodes, links) {
        return false;
    }
    !(node.fastpath
        && (node.circuit_direct || fastpath_blocker(gw, onward, nodes, links).is_none()))
}

/// What each hop of a route's path serves: every station both directions,
/// except VNet gateways, per [`gateway_serves_message`] (the request
/// enters from the previous hop, the response from the next). A
/// gateway that ends the path serves its request.
pub(crate) fn path_serves(
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
) -> Vec<Serves> {
    let p = &r.path;
    (0..p.len())
        .map(|j| {
            if nodes[&p[j]].kind != Kind::VnetGateway || j == 0 {
                return Serves::Both;
            }
            let requests = gateway_serves_message(&p[j], &p[j - 1], &p[j + 1..], nodes, links);
            let responses = j + 1 < p.len() && {
                let back: Vec<String> = p[..j].iter().rev().cloned().collect();
                gateway_serves_message(&p[j], &p[j + 1], &back, nodes, links)
            };
            Serves::of(requests, responses || j + 1 == p.len())
        })
        .collect()
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
        // An on-premises node, or a client on the on-premises side (linked
        // over the gateway's own network).
        let reaches_onprem = links.keys().any(|(a, b)| {
            let other = if a == name {
                b
            } else if b == name {
                a
            } else {
                return false;
            };
            nodes.contains_key(other) && is_onprem_side(name, other, nodes, links)
        });
        if !reaches_onprem {
            return Err(Invalid::new(
                key_path("nodes", name),
                format!(
                    "VNet gateway '{name}' has no link to an on-premises node (onprem_firewall, onprem_api_gateway or backend, or a client linked over its vpn or expressroute network); add one to links"
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

/// The `fastpath_limits` warning: on each ExpressRoute gateway of the path
/// with FastPath and a provider circuit, the traffic from on-premises that
/// FastPath cannot take (to a spoke over VNet peering, or steered to a
/// firewall by a UDR), which the simulation sends through the gateway as
/// without FastPath.
pub(crate) fn fastpath_findings(
    r: &RouteSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
) -> Vec<crate::azure::Finding> {
    let p = &r.path;
    let mut out = Vec::new();
    for j in 1..p.len() {
        let gw = &p[j];
        let node = &nodes[gw];
        if !node.fastpath || node.circuit_direct {
            continue;
        }
        let back: Vec<String> = p[..j].iter().rev().cloned().collect();
        let directions =
            [("requests", Some(&p[j - 1]), &p[j + 1..]), ("responses", p.get(j + 1), &back[..])];
        for (what, from, onward) in directions {
            let Some(from) = from else { continue };
            if !is_onprem_side(gw, from, nodes, links) {
                continue;
            }
            let Some(why) = fastpath_blocker(gw, onward, nodes, links) else { continue };
            out.push(crate::azure::Finding {
                severity: crate::azure::Severity::Warning,
                check: "fastpath_limits".into(),
                message: format!(
                    "route '{}' ({path}.path[{j}]): FastPath on '{gw}' does not take the {what} from on-premises, because {why}; FastPath over VNet peering and UDRs is supported only with ExpressRoute Direct (about-fastpath.md), so the simulation sends them through the gateway as without FastPath; if the circuit is ExpressRoute Direct, set {} to \"direct\" (FastPath for peering and UDRs is limited GA in some regions)",
                    r.name,
                    key_path(&key_path("nodes", gw), "circuit")
                ),
            });
        }
    }
    out
}
