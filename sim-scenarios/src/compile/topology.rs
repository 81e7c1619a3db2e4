//! The landing zone as a picture sees it: where each node sits (spoke,
//! hub, Azure service, on-premises), what each link is, who terminates TLS
//! with which CA, and the routes and nested calls through them.
//!
//! A scenario file says nothing about placement; it follows from the
//! kinds and the links (`docs/design.md`, "Topology pictures"):
//!
//! - a `client` is in a spoke, one spoke per client;
//! - Azure Firewall, API Management, Application Gateway and VNet
//!   gateways are in the hub;
//! - on-premises firewalls, API gateways and backends are on-premises;
//! - an identity provider or a generic station sits with the nodes it is
//!   linked to, the VNet gateways left out: on-premises when that part of
//!   the network holds an on-premises kind, else an identity provider is
//!   an Azure service (Entra ID lives outside the VNets) and a station is
//!   in the hub;
//! - a scenario of generic stations only (no Azure or on-premises kind)
//!   has no places: its nodes are [`Place::Unplaced`].
//!
//! A node's region comes from the `global_peering` links it ends
//! (`regions[i]` is the region of `between[i]`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::azure::network::{LinkMap, unordered};
use crate::azure::tls::TlsVersion;
use crate::azure::{Kind, NodeModel};
use crate::file::spec::{NetworkKind, ScenarioSpec};

/// Where a node sits in the landing zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// A spoke virtual network (the workload's clients).
    Spoke,
    /// The hub virtual network (firewall, gateways, API Management).
    Hub,
    /// A managed Azure service outside the virtual networks (Entra ID).
    AzureService,
    /// The on-premises site, reached through a VNet gateway.
    OnPremises,
    /// No placement: a scenario of generic stations.
    Unplaced,
}

impl Place {
    /// How pictures label the place.
    pub fn label(self) -> &'static str {
        match self {
            Place::Spoke => "spoke",
            Place::Hub => "hub",
            Place::AzureService => "Azure services",
            Place::OnPremises => "on-premises",
            Place::Unplaced => "network",
        }
    }
}

/// A node as drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopologyNode {
    /// Its name in the scenario.
    pub name: String,
    /// Its kind.
    #[serde(serialize_with = "kind_name")]
    pub kind: Kind,
    /// Where it sits.
    pub place: Place,
    /// The Azure region, when a `global_peering` link names it.
    pub region: Option<String>,
    /// For nodes that terminate TLS: the CA that issued their certificate
    /// and the TLS version, e.g. `("onprem-root", "1.2")`.
    pub tls: Option<(String, &'static str)>,
    /// For nodes that open connections (clients and proxies): the CAs they
    /// trust.
    pub trusts: Vec<String>,
    /// The nested calls it makes (token exchange, JWKS fetch, protocol
    /// transition).
    pub calls: Vec<TopologyCall>,
}

fn kind_name<S: serde::Serializer>(k: &Kind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.name())
}

/// A nested call a node makes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopologyCall {
    /// What it is for, as the scenario names it (`token_exchange`,
    /// `jwks_fetch`, `protocol_transition`).
    pub name: String,
    /// The nodes it crosses after the caller, the callee last.
    pub via: Vec<String>,
    /// Probability that a request makes it (a cache miss).
    pub probability: f64,
}

/// A link as drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopologyLink {
    /// The two nodes, in file order.
    pub ends: [String; 2],
    /// The network kind, when the file gives one.
    pub network: Option<NetworkKind>,
    /// `expressroute`: fibre distance \[km\].
    pub distance_km: Option<f64>,
    /// Mean one-way latency \[ms\].
    pub latency_ms_mean: f64,
    /// Bandwidth per direction \[Mbit/s\]; `None`: unlimited.
    pub bandwidth_mbps: Option<f64>,
}

/// A route as drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopologyRoute {
    /// Its name (its colour in pictures follows from it).
    pub name: String,
    /// Node names from the origin to the destination.
    pub path: Vec<String>,
    /// Where responses return, when not along the reversed path.
    pub return_path: Option<Vec<String>>,
}

/// What a picture of a scenario shows; nodes in name order, links and
/// routes in file order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topology {
    /// The scenario's name.
    pub scenario: String,
    /// Every node.
    pub nodes: Vec<TopologyNode>,
    /// Every link.
    pub links: Vec<TopologyLink>,
    /// Every route.
    pub routes: Vec<TopologyRoute>,
}

impl Topology {
    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<&TopologyNode> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

/// The kinds that fix a node's place by themselves.
fn place_of_kind(kind: Kind) -> Option<Place> {
    match kind {
        Kind::Client => Some(Place::Spoke),
        Kind::AzureFirewall | Kind::Apim | Kind::AppGateway | Kind::VnetGateway => Some(Place::Hub),
        Kind::OnpremFirewall | Kind::OnpremApiGateway | Kind::Backend | Kind::DomainController => {
            Some(Place::OnPremises)
        }
        Kind::MicrosoftGraph => Some(Place::AzureService),
        Kind::Station | Kind::IdentityProvider => None,
    }
}

/// The places of every node (the rule of the module).
fn places(nodes: &BTreeMap<String, NodeModel>, links: &LinkMap) -> BTreeMap<String, Place> {
    if nodes.values().all(|n| matches!(n.kind, Kind::Station | Kind::Client)) {
        return nodes.keys().map(|k| (k.clone(), Place::Unplaced)).collect();
    }
    // Parts of the network with the VNet gateways taken out: a union-find
    // over node indices in name order.
    let names: Vec<&String> = nodes.keys().collect();
    let index = |n: &str| names.iter().position(|m| *m == n).expect("linked nodes exist");
    let mut parent: Vec<usize> = (0..names.len()).collect();
    for (a, b) in links.keys() {
        if nodes[a].kind == Kind::VnetGateway || nodes[b].kind == Kind::VnetGateway {
            continue;
        }
        let (ra, rb) = (root(&mut parent, index(a)), root(&mut parent, index(b)));
        parent[ra.max(rb)] = ra.min(rb);
    }
    let mut onprem_part = vec![false; names.len()];
    for (i, name) in names.iter().enumerate() {
        if nodes[*name].kind.is_onprem() {
            let r = root(&mut parent, i);
            onprem_part[r] = true;
        }
    }
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let kind = nodes[*name].kind;
            let place = place_of_kind(kind).unwrap_or_else(|| {
                if onprem_part[root(&mut parent, i)] {
                    Place::OnPremises
                } else if kind == Kind::IdentityProvider {
                    Place::AzureService
                } else {
                    Place::Hub
                }
            });
            ((*name).clone(), place)
        })
        .collect()
}

/// The representative of `i`'s set in the union-find `parent`.
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The topology of a validated scenario.
pub(crate) fn topology(
    spec: &ScenarioSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
) -> Topology {
    let places = places(nodes, links);
    let mut regions: BTreeMap<&str, &str> = BTreeMap::new();
    for l in &spec.links {
        if let Some(r) = &l.regions {
            for (end, region) in l.between.iter().zip(r) {
                regions.entry(end).or_insert(region);
            }
        }
    }
    let nodes_out = nodes
        .iter()
        .map(|(name, n)| TopologyNode {
            name: name.clone(),
            kind: n.kind,
            place: places[name],
            region: regions.get(name.as_str()).map(|r| (*r).to_string()),
            tls: n.terminator.as_ref().map(|t| {
                let version = match t.tls_version {
                    TlsVersion::V12 => "1.2",
                    TlsVersion::V13 => "1.3",
                };
                (t.certificate_ca.clone(), version)
            }),
            trusts: n.initiator.as_ref().map(|i| i.trusts.clone()).unwrap_or_default(),
            calls: n
                .calls
                .iter()
                .map(|c| TopologyCall {
                    name: c.name.clone(),
                    via: c.via.clone(),
                    probability: c.probability,
                })
                .collect(),
        })
        .collect();
    let links_out = spec
        .links
        .iter()
        .map(|l| {
            let compiled = &links[&unordered(&l.between[0], &l.between[1])];
            TopologyLink {
                ends: l.between.clone(),
                network: l.network,
                distance_km: l.distance_km,
                latency_ms_mean: compiled.link.latency_ns().mean().unwrap_or(0.0) / 1e6,
                bandwidth_mbps: l.bandwidth_mbps,
            }
        })
        .collect();
    let routes = spec
        .routes
        .iter()
        .map(|r| TopologyRoute {
            name: r.name.clone(),
            path: r.path.clone(),
            return_path: r.return_path.clone(),
        })
        .collect();
    Topology { scenario: spec.name.clone(), nodes: nodes_out, links: links_out, routes }
}
