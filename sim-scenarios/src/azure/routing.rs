//! Routing as configured (issue 12 item 3): the optional `routing` section
//! checked into a model of VNets, subnets, route tables, peerings and the
//! on-premises prefixes a gateway learns; each route's path derived from
//! it hop by hop; and the checks that compare the derivation with the
//! path as written.
//!
//! The rules follow Microsoft's pages (sources `UDR-OVERVIEW`,
//! `VNET-PEERING-MANAGE`, `VPN-GW-TRANSIT`, `APIM-FORCE-TUNNEL`,
//! `HYBRID-MD`, S42):
//! - a subnet's effective routes are the system routes (each address range
//!   of its VNet → virtual network; each range of a peered VNet → VNet
//!   peering; 0.0.0.0/0 → Internet; the private ranges 10/8, 172.16/12,
//!   192.168/16 and 100.64/10 → none unless the VNet uses them), the
//!   prefixes the gateway learns over BGP (in the gateway's VNet, and in a
//!   peered VNet whose peering has `use_remote_gateways` and
//!   `allow_gateway_transit`), and the UDRs of its route table;
//! - the longest prefix wins; on equal prefixes a UDR beats a BGP route,
//!   which beats a system route; VNet and peering system routes beat BGP
//!   routes even when these are more specific;
//! - a service tag matches only a destination reached by that tag (a node
//!   in `services`, or APIM's management plane for `ApiManagement`); such
//!   a destination is otherwise matched only by 0.0.0.0/0 (its addresses
//!   are public and unknown here);
//! - traffic entering from on-premises follows the gateway subnet's routes;
//! - a firewall forwarding traffic that did not originate in its VNet into a
//!   peered VNet needs `allow_forwarded_traffic` on that peering, and
//!   traffic between on-premises and a peered VNet through the gateway needs
//!   gateway transit.
//!
//! Proxies open new connections, so a route is derived segment by
//! segment, between the nodes of its written path that are not firewalls
//! or gateways (its origin, proxies, destination). On-premises routing is
//! not modelled: between the gateway and an on-premises destination the
//! derived path keeps the on-premises nodes as written.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use serde::Serialize;

use crate::azure::checks::{Finding, Severity};
use crate::azure::{FirewallRule, Kind, NodeModel};
use crate::error::Invalid;
use crate::file::json::{a_or_an, index_path, key_path};
use crate::file::limits::count_entries;
use crate::file::names::is_valid_node_name;
use crate::file::routing::NextHopKind;
use crate::file::spec::{RouteSpec, ScenarioSpec};

/// The service tag of APIM's management plane (its control-plane traffic
/// must not be forced through a firewall).
pub(crate) const APIM_MANAGEMENT_TAG: &str = "ApiManagement";

/// The most routing decisions one segment may take before it is a loop.
const MAX_STEPS: usize = 32;

/// An IPv4 prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prefix {
    net: u32,
    len: u8,
}

impl Prefix {
    fn mask(len: u8) -> u32 {
        if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) }
    }

    /// Parses `a.b.c.d/n`; the address must be the network's first one.
    fn parse(text: &str) -> Result<Prefix, String> {
        let (addr, len) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not a prefix: write it as a.b.c.d/n"))?;
        let ip: Ipv4Addr = addr.parse().map_err(|_| {
            format!("{addr:?} is not an IPv4 address: write the prefix as a.b.c.d/n")
        })?;
        let len: u8 = len
            .parse()
            .ok()
            .filter(|l| *l <= 32)
            .ok_or_else(|| format!("{len:?} is not a prefix length from 0 to 32"))?;
        let net = u32::from(ip);
        let prefix = Prefix { net: net & Self::mask(len), len };
        if prefix.net != net {
            return Err(format!(
                "{text} has host bits set: the network is {prefix}; write that, or the address range you mean"
            ));
        }
        Ok(prefix)
    }

    fn contains(self, ip: u32) -> bool {
        ip & Self::mask(self.len) == self.net
    }

    fn covers(self, other: Prefix) -> bool {
        self.len <= other.len && self.contains(other.net)
    }

    fn overlaps(self, other: Prefix) -> bool {
        self.covers(other) || other.covers(self)
    }
}

impl std::fmt::Display for Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.net), self.len)
    }
}

fn parse_ip(text: &str, path: &str) -> Result<u32, Invalid> {
    text.parse::<Ipv4Addr>().map(u32::from).map_err(|_| {
        Invalid::new(path, format!("{text:?} is not an IPv4 address: write it as a.b.c.d"))
    })
}

fn ip_text(ip: u32) -> String {
    Ipv4Addr::from(ip).to_string()
}

/// What a route matches: a prefix or a service tag.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Prefix(Prefix),
    Tag(String),
}

/// Where a route sends traffic, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Next {
    /// Inside VNet `vnet` (its own ranges, or a `vnet_local` UDR).
    VnetLocal,
    /// Into peered VNet `.0` (index).
    Peering(usize),
    /// To the VNet gateway (BGP-learned, or a UDR to a VPN gateway).
    Gateway(String),
    /// To this firewall node.
    Appliance(String),
    /// To the Internet / the Azure backbone.
    Internet,
    /// Dropped.
    Drop,
}

/// Who put a route in a subnet's table, in Azure's order of preference
/// on equal prefixes (a UDR first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    User,
    Bgp,
    System,
}

/// One route of a subnet's effective table.
#[derive(Debug, Clone)]
struct Route {
    target: Target,
    next: Next,
    origin: Origin,
    /// How `explain` and messages name it.
    label: String,
}

#[derive(Debug, Clone)]
struct Subnet {
    name: String,
    prefix: Prefix,
    table: Option<String>,
}

#[derive(Debug, Clone)]
struct Vnet {
    name: String,
    space: Vec<Prefix>,
    subnets: Vec<Subnet>,
}

#[derive(Debug, Clone)]
struct Peering {
    a: usize,
    b: usize,
    /// Gateway transit works: `use_remote_gateways` and
    /// `allow_gateway_transit` both set.
    transit: bool,
    forwarded: bool,
    path: String,
}

/// Where a node is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    Subnet { vnet: usize, subnet: usize, ip: u32 },
    Onprem { ip: u32 },
    Service { tag: String },
}

/// Where a packet is going.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dest {
    Ip(u32),
    Tag(String),
}

/// The checked `routing` section.
#[derive(Debug, Clone)]
pub(crate) struct Routing {
    vnets: Vec<Vnet>,
    tables: BTreeMap<String, Vec<Route>>,
    peerings: Vec<Peering>,
    gateway: Option<(String, usize)>,
    onprem_prefixes: Vec<Prefix>,
    places: BTreeMap<String, Place>,
}

/// One hop of a derived path: the node reached and the route that sent
/// the packet there (`None` for the segment's first node).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DerivedHop {
    /// The node.
    pub node: String,
    /// The route that decided this hop, as `explain` shows it (the UDR's
    /// JSON path, or the system or BGP route).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// A path derived from the routing, from one node to another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DerivedPath {
    /// The hops, the first node first.
    pub hops: Vec<DerivedHop>,
    /// Why the packet goes no further, when it does not reach its
    /// destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl DerivedPath {
    /// The node names in order.
    pub fn nodes(&self) -> Vec<String> {
        self.hops.iter().map(|h| h.node.clone()).collect()
    }
}

/// A route's paths as derived from the routing, next to the written ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DerivedRoute {
    /// The request's path as written.
    pub written: Vec<String>,
    /// The request's path derived from the routing.
    pub request: DerivedPath,
    /// The response's path as written (`return_path`, or the reversed
    /// path).
    pub written_return: Vec<String>,
    /// The response's path derived from the routing.
    pub response: DerivedPath,
    /// Each nested call's path: `(the call, its written path from the
    /// caller, the derived one)`.
    pub calls: Vec<DerivedCall>,
}

/// A nested call's path, written and derived.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DerivedCall {
    /// The caller and the call (`apim token_exchange`).
    pub call: String,
    /// From the caller to the callee, as written (`via`).
    pub written: Vec<String>,
    /// As derived.
    pub derived: DerivedPath,
}

fn name_check(name: &str, path: &str, what: &str) -> Result<(), Invalid> {
    if is_valid_node_name(name) {
        Ok(())
    } else {
        Err(Invalid::new(
            path,
            format!(
                "{what} name {name:?} is not allowed: it may hold letters, digits, '-' and '_' only, start with a letter, a digit or '_', and have at most 64 characters; rename it"
            ),
        ))
    }
}

/// A node's address: an IPv4 address `inside` its range, not given to
/// another node (recorded in `addresses`).
fn address(
    addresses: &mut BTreeMap<u32, String>,
    node: &str,
    text: &str,
    at: &str,
    inside: impl Fn(u32) -> bool,
    outside: impl Fn() -> String,
) -> Result<u32, Invalid> {
    let ip = parse_ip(text, at)?;
    if !inside(ip) {
        return Err(Invalid::new(at, outside()));
    }
    if let Some(other) = addresses.insert(ip, node.to_string()) {
        return Err(Invalid::new(
            at,
            format!("{text} is already the address of '{other}'; each node needs its own"),
        ));
    }
    Ok(ip)
}

fn prefix_at(text: &str, path: &str) -> Result<Prefix, Invalid> {
    Prefix::parse(text).map_err(|m| Invalid::new(path, m))
}

/// Gives nodes their places, each once, where its kind can be.
struct Placer<'a> {
    nodes: &'a BTreeMap<String, NodeModel>,
    places: BTreeMap<String, Place>,
    /// Where each node was placed (its JSON path).
    at: BTreeMap<String, String>,
}

impl Placer<'_> {
    fn place(&mut self, node: &str, at: String, p: Place) -> Result<(), Invalid> {
        name_check(node, &at, "node")?;
        let Some(model) = self.nodes.get(node) else {
            return Err(Invalid::new(
                at,
                format!(
                    "'{node}' is not a node of the scenario; known nodes: {}",
                    crate::azure::network::known(self.nodes)
                ),
            ));
        };
        if let Some(first) = self.at.get(node) {
            return Err(Invalid::new(
                at,
                format!(
                    "'{node}' is already placed at {first}; a node has one address: remove one"
                ),
            ));
        }
        let kind = model.kind;
        let wrong = match &p {
            Place::Subnet { .. } if kind.is_onprem() => {
                Some("on-premises, so it goes in routing.onprem.nodes")
            }
            Place::Subnet { .. } if kind == Kind::IdentityProvider => Some(
                "a service outside the VNets, so it goes in routing.services with its service tag",
            ),
            Place::Onprem { .. }
                if !kind.is_onprem() && !matches!(kind, Kind::Client | Kind::Station) =>
            {
                Some("an Azure component, so it goes in a subnet's nodes")
            }
            Place::Service { .. } if !matches!(kind, Kind::IdentityProvider | Kind::Station) => {
                Some(
                    "not a service outside the VNets, so it goes in a subnet's nodes (or routing.onprem.nodes)",
                )
            }
            _ => None,
        };
        if let Some(why) = wrong {
            return Err(Invalid::new(
                at,
                format!("'{node}' is {} {}: {why}", a_or_an(kind.name()), kind.name()),
            ));
        }
        self.at.insert(node.to_string(), at);
        self.places.insert(node.to_string(), p);
        Ok(())
    }
}

/// The service tags a UDR may name here (the ones a scenario can reach),
/// checked so that a typo is not silently a route that matches nothing.
const SERVICE_TAGS: &[&str] =
    &["ApiManagement", "AzureActiveDirectory", "AzureCloud", "AzureMonitor", "Storage", "Sql"];

/// Checks the `routing` section against the nodes; `None` without one.
///
/// # Errors
///
/// A prefix that does not parse, a subnet outside its VNet or overlapping
/// another, overlapping VNets, an address outside its subnet or given
/// twice, a node placed twice or not at all, a next hop that is not in the
/// scenario, a peering of unknown VNets or with settings its VNets cannot
/// have: each at its JSON path, with the fix.
pub(crate) fn compile(
    spec: &ScenarioSpec,
    nodes: &BTreeMap<String, NodeModel>,
) -> Result<Option<Routing>, Invalid> {
    let Some(r) = &spec.routing else { return Ok(None) };
    let base = "routing";
    if r.vnets.is_empty() {
        return Err(Invalid::new(
            key_path(base, "vnets"),
            "give at least one VNet with its address_space and subnets",
        ));
    }
    count_entries(r.vnets.len(), &key_path(base, "vnets"))?;
    count_entries(r.route_tables.len(), &key_path(base, "route_tables"))?;
    count_entries(r.peerings.len(), &key_path(base, "peerings"))?;
    let mut placer = Placer { nodes, places: BTreeMap::new(), at: BTreeMap::new() };
    let mut vnets = Vec::new();
    let mut addresses: BTreeMap<u32, String> = BTreeMap::new();
    for (vi, (vname, v)) in r.vnets.iter().enumerate() {
        let vpath = key_path(&key_path(base, "vnets"), vname);
        name_check(vname, &vpath, "VNet")?;
        let spath = key_path(&vpath, "address_space");
        if v.address_space.is_empty() {
            return Err(Invalid::new(
                spath,
                "give the VNet at least one address range, e.g. [\"10.0.0.0/16\"]",
            ));
        }
        count_entries(v.address_space.len(), &spath)?;
        let mut space = Vec::new();
        for (k, text) in v.address_space.iter().enumerate() {
            let p = prefix_at(text, &index_path(&spath, k))?;
            for (other, o) in vnets
                .iter()
                .map(|x: &Vnet| (&x.name, &x.space))
                .chain(std::iter::once((vname, &space)))
            {
                if let Some(q) = o.iter().find(|q| q.overlaps(p)) {
                    return Err(Invalid::new(
                        index_path(&spath, k),
                        format!(
                            "{p} overlaps {q} of VNet '{other}'; address spaces must not overlap (peered VNets cannot): give a range of its own"
                        ),
                    ));
                }
            }
            space.push(p);
        }
        let mut subnets: Vec<Subnet> = Vec::new();
        count_entries(v.subnets.len(), &key_path(&vpath, "subnets"))?;
        for (si, (sname, s)) in v.subnets.iter().enumerate() {
            let sp = key_path(&key_path(&vpath, "subnets"), sname);
            name_check(sname, &sp, "subnet")?;
            let ppath = key_path(&sp, "prefix");
            let prefix = prefix_at(&s.prefix, &ppath)?;
            if !space.iter().any(|q| q.covers(prefix)) {
                let ranges: Vec<String> = space.iter().map(ToString::to_string).collect();
                return Err(Invalid::new(
                    ppath,
                    format!(
                        "{prefix} is outside VNet '{vname}' ({}): give a prefix inside its address space, or add a range to {spath}",
                        ranges.join(", ")
                    ),
                ));
            }
            if let Some(o) = subnets.iter().find(|o| o.prefix.overlaps(prefix)) {
                return Err(Invalid::new(
                    ppath,
                    format!(
                        "{prefix} overlaps subnet '{}' ({}); subnets of a VNet must not overlap",
                        o.name, o.prefix
                    ),
                ));
            }
            if let Some(t) = &s.route_table
                && !r.route_tables.contains_key(t)
            {
                let known: Vec<&str> = r.route_tables.keys().map(String::as_str).collect();
                return Err(Invalid::new(
                    key_path(&sp, "route_table"),
                    format!(
                        "no route table '{t}' in routing.route_tables (known: {}); add it or fix the name",
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    ),
                ));
            }
            count_entries(s.nodes.len(), &key_path(&sp, "nodes"))?;
            for (node, addr) in &s.nodes {
                let at = key_path(&key_path(&sp, "nodes"), node);
                let ip = address(
                    &mut addresses,
                    node,
                    addr,
                    &at,
                    |ip| prefix.contains(ip),
                    || {
                        format!(
                            "{addr} is outside subnet '{sname}' ({prefix}): give an address inside it"
                        )
                    },
                )?;
                if let Some(model) = nodes.get(node) {
                    let required = match model.kind {
                        Kind::VnetGateway => Some("GatewaySubnet"),
                        Kind::AzureFirewall => Some("AzureFirewallSubnet"),
                        _ => None,
                    };
                    if let Some(req) = required
                        && sname != req
                    {
                        return Err(Invalid::new(
                            at,
                            format!(
                                "'{node}' is {} {}, which Azure deploys only in a subnet named {req}: rename subnet '{sname}' to {req}",
                                a_or_an(model.kind.name()),
                                model.kind.name()
                            ),
                        ));
                    }
                }
                placer.place(node, at, Place::Subnet { vnet: vi, subnet: si, ip })?;
            }
            subnets.push(Subnet { name: sname.clone(), prefix, table: s.route_table.clone() });
        }
        vnets.push(Vnet { name: vname.clone(), space, subnets });
    }
    let vnet_index = |name: &str, at: &str| -> Result<usize, Invalid> {
        r.vnets.keys().position(|k| k == name).ok_or_else(|| {
            let known: Vec<&str> = r.vnets.keys().map(String::as_str).collect();
            Invalid::new(
                at,
                format!("no VNet '{name}' in routing.vnets (known: {})", known.join(", ")),
            )
        })
    };
    // On-premises and services.
    let mut gateway = None;
    let mut onprem_prefixes = Vec::new();
    if let Some(o) = &r.onprem {
        let op = key_path(base, "onprem");
        let gpath = key_path(&op, "gateway");
        match (nodes.get(&o.gateway), placer.places.get(&o.gateway)) {
            (Some(n), Some(Place::Subnet { vnet, .. })) if n.kind == Kind::VnetGateway => {
                gateway = Some((o.gateway.clone(), *vnet));
            }
            _ => {
                return Err(Invalid::new(
                    gpath,
                    format!(
                        "'{}' is not a vnet_gateway node placed in a GatewaySubnet: name the gateway that connects on-premises, and give it an address in its VNet's GatewaySubnet",
                        o.gateway
                    ),
                ));
            }
        }
        let ppath = key_path(&op, "prefixes");
        if o.prefixes.is_empty() {
            return Err(Invalid::new(
                ppath,
                "give the prefixes on-premises advertises over BGP, e.g. [\"192.168.0.0/16\"]",
            ));
        }
        count_entries(o.prefixes.len(), &ppath)?;
        for (k, text) in o.prefixes.iter().enumerate() {
            let p = prefix_at(text, &index_path(&ppath, k))?;
            if p.len > 0 {
                for v in &vnets {
                    if let Some(q) = v.space.iter().find(|q| q.overlaps(p)) {
                        return Err(Invalid::new(
                            index_path(&ppath, k),
                            format!(
                                "{p} overlaps {q} of VNet '{}': on-premises and Azure ranges must not overlap",
                                v.name
                            ),
                        ));
                    }
                }
            }
            onprem_prefixes.push(p);
        }
        count_entries(o.nodes.len(), &key_path(&op, "nodes"))?;
        for (node, addr) in &o.nodes {
            let at = key_path(&key_path(&op, "nodes"), node);
            let inside = |ip: u32| onprem_prefixes.iter().any(|p| p.len > 0 && p.contains(ip));
            let ip = address(&mut addresses, node, addr, &at, inside, || {
                format!(
                    "{addr} is in none of routing.onprem.prefixes: give an address inside them, or add its range"
                )
            })?;
            placer.place(node, at, Place::Onprem { ip })?;
        }
    }
    count_entries(r.services.len(), &key_path(base, "services"))?;
    for (node, tag) in &r.services {
        let at = key_path(&key_path(base, "services"), node);
        if !SERVICE_TAGS.contains(&tag.as_str()) {
            return Err(Invalid::new(
                at,
                format!(
                    "{tag:?} is not a service tag known here; use one of: {}",
                    SERVICE_TAGS.join(", ")
                ),
            ));
        }
        placer.place(node, at, Place::Service { tag: tag.clone() })?;
    }
    // Peerings.
    let mut peerings: Vec<Peering> = Vec::new();
    let has_gateway = |v: usize| gateway.as_ref().is_some_and(|(_, g)| *g == v);
    for (k, p) in r.peerings.iter().enumerate() {
        let pp = index_path(&key_path(base, "peerings"), k);
        let between = key_path(&pp, "between");
        let a = vnet_index(&p.between[0], &index_path(&between, 0))?;
        let b = vnet_index(&p.between[1], &index_path(&between, 1))?;
        if a == b {
            return Err(Invalid::new(between, "a VNet is not peered with itself: name two VNets"));
        }
        if peerings.iter().any(|q| (q.a, q.b) == (a, b) || (q.a, q.b) == (b, a)) {
            return Err(Invalid::new(
                between,
                "these two VNets are already peered by an earlier entry: remove one",
            ));
        }
        if (p.use_remote_gateways || p.allow_gateway_transit) && has_gateway(a) == has_gateway(b) {
            let field =
                if p.use_remote_gateways { "use_remote_gateways" } else { "allow_gateway_transit" };
            return Err(Invalid::new(
                key_path(&pp, field),
                "gateway transit needs exactly one of the two VNets to hold the gateway (routing.onprem.gateway): the other one uses it; a VNet with its own gateway cannot use a remote one",
            ));
        }
        peerings.push(Peering {
            a,
            b,
            transit: p.use_remote_gateways && p.allow_gateway_transit,
            forwarded: p.allow_forwarded_traffic,
            path: pp,
        });
    }
    // Route tables.
    let mut tables = BTreeMap::new();
    for (tname, udrs) in &r.route_tables {
        let tp = key_path(&key_path(base, "route_tables"), tname);
        name_check(tname, &tp, "route table")?;
        count_entries(udrs.len(), &tp)?;
        let tags = udrs.iter().filter(|u| Prefix::parse(&u.prefix).is_err()).count();
        let max_tags = crate::azure::catalog::value("routing.service_tag_routes_per_table_max");
        if tags as f64 > max_tags {
            return Err(Invalid::new(
                tp,
                format!(
                    "{tags} routes name a service tag; Azure allows at most {max_tags} in one route table (UDR-OVERVIEW): use prefixes for the others"
                ),
            ));
        }
        let mut routes = Vec::new();
        for (k, u) in udrs.iter().enumerate() {
            let up = index_path(&tp, k);
            let target = if u.prefix.contains('/')
                || u.prefix.chars().next().is_some_and(|c| c.is_ascii_digit())
            {
                Target::Prefix(prefix_at(&u.prefix, &key_path(&up, "prefix"))?)
            } else if SERVICE_TAGS.contains(&u.prefix.as_str()) {
                Target::Tag(u.prefix.clone())
            } else {
                return Err(Invalid::new(
                    key_path(&up, "prefix"),
                    format!(
                        "{:?} is neither a prefix (a.b.c.d/n) nor a service tag known here ({})",
                        u.prefix,
                        SERVICE_TAGS.join(", ")
                    ),
                ));
            };
            if let Some(earlier) = routes.iter().position(|q: &Route| q.target == target) {
                return Err(Invalid::new(
                    key_path(&up, "prefix"),
                    format!(
                        "{} is already routed by {}; a route table holds one route per prefix: remove one",
                        u.prefix,
                        index_path(&tp, earlier)
                    ),
                ));
            }
            let apath = key_path(&up, "appliance");
            let next = match (u.next_hop, &u.appliance) {
                (NextHopKind::VirtualAppliance, Some(a)) => {
                    let by_ip = a
                        .parse::<Ipv4Addr>()
                        .ok()
                        .and_then(|ip| addresses.get(&u32::from(ip)).cloned());
                    let node = by_ip.unwrap_or_else(|| a.clone());
                    match nodes.get(&node) {
                        Some(n)
                            if n.kind == Kind::AzureFirewall
                                && placer.places.contains_key(&node) =>
                        {
                            Next::Appliance(node)
                        }
                        _ => {
                            let firewalls: Vec<&str> = nodes
                                .iter()
                                .filter(|(_, n)| n.kind == Kind::AzureFirewall)
                                .map(|(k, _)| k.as_str())
                                .collect();
                            return Err(Invalid::new(
                                apath,
                                format!(
                                    "{a:?} is not an Azure Firewall of the scenario placed in a subnet (by name or private IP); firewalls: {}",
                                    if firewalls.is_empty() {
                                        "none".to_string()
                                    } else {
                                        firewalls.join(", ")
                                    }
                                ),
                            ));
                        }
                    }
                }
                (NextHopKind::VirtualAppliance, None) => {
                    return Err(Invalid::new(
                        apath,
                        "missing: a virtual_appliance route names its firewall (a node name or its private IP)",
                    ));
                }
                (_, Some(_)) => {
                    return Err(Invalid::new(
                        apath,
                        "only a virtual_appliance route names an appliance: remove it",
                    ));
                }
                (NextHopKind::VirtualNetworkGateway, None) => match &gateway {
                    Some((g, _)) if nodes[g].wan == Some(crate::file::spec::NetworkKind::Vpn) => {
                        Next::Gateway(g.clone())
                    }
                    _ => {
                        return Err(Invalid::new(
                            key_path(&up, "next_hop"),
                            "virtual_network_gateway needs a VPN gateway as routing.onprem.gateway: Azure refuses a UDR to an ExpressRoute gateway (its routes come over BGP, UDR-OVERVIEW)",
                        ));
                    }
                },
                (NextHopKind::Internet, None) => Next::Internet,
                (NextHopKind::None, None) => Next::Drop,
                (NextHopKind::VnetLocal, None) => Next::VnetLocal,
            };
            let shown = match &next {
                Next::Appliance(n) => format!("virtual_appliance '{n}'"),
                _ => u.next_hop.to_string(),
            };
            routes.push(Route {
                target,
                next,
                origin: Origin::User,
                label: format!("{up}: {} → {shown}", u.prefix),
            });
        }
        tables.insert(tname.clone(), routes);
    }
    let routing =
        Routing { vnets, tables, peerings, gateway, onprem_prefixes, places: placer.places };
    // Every node a route or a nested call crosses needs a place.
    for (i, route) in spec.routes.iter().enumerate() {
        let rpath = index_path("routes", i);
        for (j, n) in route.path.iter().enumerate() {
            if nodes.contains_key(n) && !routing.places.contains_key(n) {
                return Err(Invalid::new(
                    index_path(&key_path(&rpath, "path"), j),
                    format!(
                        "'{n}' has no address in routing, so its routes cannot be derived: add it to a subnet's nodes (routing.vnets.V.subnets.S.nodes), to routing.onprem.nodes, or to routing.services"
                    ),
                ));
            }
        }
    }
    for (name, n) in nodes {
        for c in &n.calls {
            if let Some(missing) =
                c.via.iter().find(|v| nodes.contains_key(*v) && !routing.places.contains_key(*v))
            {
                return Err(Invalid::new(
                    &c.via_path,
                    format!(
                        "'{missing}' on the {} call of '{name}' has no address in routing: add it to a subnet's nodes, to routing.onprem.nodes, or to routing.services",
                        c.name
                    ),
                ));
            }
        }
    }
    Ok(Some(routing))
}

/// A node that forwards packets without answering them.
fn forwards(kind: Kind) -> bool {
    matches!(kind, Kind::AzureFirewall | Kind::VnetGateway | Kind::OnpremFirewall)
}

/// The positions of a path's segment ends: its first and last node and
/// every node between that is not a firewall or a gateway.
fn ends(path: &[String], nodes: &BTreeMap<String, NodeModel>) -> Vec<usize> {
    (0..path.len())
        .filter(|&j| j == 0 || j + 1 == path.len() || !forwards(nodes[&path[j]].kind))
        .collect()
}

impl Routing {
    fn dest_of(&self, node: &str) -> Dest {
        match &self.places[node] {
            Place::Subnet { ip, .. } | Place::Onprem { ip } => Dest::Ip(*ip),
            Place::Service { tag } => Dest::Tag(tag.clone()),
        }
    }

    fn peered(&self, a: usize, b: usize) -> Option<&Peering> {
        self.peerings.iter().find(|p| (p.a, p.b) == (a, b) || (p.a, p.b) == (b, a))
    }

    /// The VNets whose subnets learn the gateway's BGP routes: its own and
    /// those peered with gateway transit.
    fn learns_bgp(&self, v: usize) -> bool {
        self.gateway
            .as_ref()
            .is_some_and(|(_, g)| *g == v || self.peered(v, *g).is_some_and(|p| p.transit))
    }

    /// The effective routes of a subnet.
    fn effective(&self, v: usize, s: usize) -> Vec<Route> {
        let vnet = &self.vnets[v];
        let mut out = Vec::new();
        for p in &vnet.space {
            out.push(Route {
                target: Target::Prefix(*p),
                next: Next::VnetLocal,
                origin: Origin::System,
                label: format!("system route {p} → virtual network '{}'", vnet.name),
            });
        }
        for peer in self.peerings.iter().filter(|p| p.a == v || p.b == v) {
            let other = if peer.a == v { peer.b } else { peer.a };
            for p in &self.vnets[other].space {
                out.push(Route {
                    target: Target::Prefix(*p),
                    next: Next::Peering(other),
                    origin: Origin::System,
                    label: format!("system route {p} → VNet peering '{}'", self.vnets[other].name),
                });
            }
        }
        out.push(Route {
            target: Target::Prefix(Prefix { net: 0, len: 0 }),
            next: Next::Internet,
            origin: Origin::System,
            label: "system route 0.0.0.0/0 → Internet".into(),
        });
        for (net, len) in
            [(0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16), (0x6440_0000, 10)]
        {
            let p = Prefix { net, len };
            if !vnet.space.iter().any(|q| p.covers(*q) || q.covers(p)) {
                out.push(Route {
                    target: Target::Prefix(p),
                    next: Next::Drop,
                    origin: Origin::System,
                    label: format!("system route {p} → none (reserved private range)"),
                });
            }
        }
        if let Some((g, _)) = &self.gateway
            && self.learns_bgp(v)
        {
            for p in &self.onprem_prefixes {
                out.push(Route {
                    target: Target::Prefix(*p),
                    next: Next::Gateway(g.clone()),
                    origin: Origin::Bgp,
                    label: format!("BGP route {p} → virtual network gateway '{g}'"),
                });
            }
        }
        if let Some(t) = &vnet.subnets[s].table {
            out.extend(self.tables[t].iter().cloned());
        }
        out
    }

    /// The route a packet from subnet (v, s) to `dest` takes.
    fn lookup(&self, v: usize, s: usize, dest: &Dest) -> Option<Route> {
        let routes = self.effective(v, s);
        // (specificity, preference): a tag route is more specific than any
        // prefix that can match a tagged destination (only 0.0.0.0/0).
        let rank = |r: &Route| -> Option<(u8, Origin)> {
            match (&r.target, dest) {
                (Target::Prefix(p), Dest::Ip(ip)) if p.contains(*ip) => Some((p.len, r.origin)),
                (Target::Prefix(p), Dest::Tag(_)) if p.len == 0 => Some((0, r.origin)),
                (Target::Tag(t), Dest::Tag(d)) if t == d => Some((33, r.origin)),
                _ => None,
            }
        };
        let vnet_system = routes.iter().any(|r| {
            r.origin == Origin::System
                && matches!(r.next, Next::VnetLocal | Next::Peering(_))
                && rank(r).is_some()
        });
        routes
            .into_iter()
            .filter(|r| !(vnet_system && r.origin == Origin::Bgp))
            .filter_map(|r| rank(&r).map(|k| (k, r)))
            .min_by(|(a, _), (b, _)| b.0.cmp(&a.0).then(a.1.cmp(&b.1)))
            .map(|(_, r)| r)
    }

    fn node_at(&self, v: usize, ip: u32) -> Option<String> {
        self.places.iter().find_map(|(n, p)| match p {
            Place::Subnet { vnet, ip: a, .. } if *vnet == v && *a == ip => Some(n.clone()),
            _ => None,
        })
    }

    fn vnet_of_ip(&self, ip: u32) -> Option<usize> {
        self.vnets.iter().position(|v| v.space.iter().any(|p| p.contains(ip)))
    }

    /// The path from `from` to `to`, hop by hop. `onprem_between` are the
    /// on-premises nodes written between the gateway and the on-premises
    /// end of the segment (kept as written: on-premises routing is not
    /// modelled). Findings of transit the peerings do not allow go to
    /// `transit`.
    fn derive(
        &self,
        from: &str,
        to: &str,
        onprem_between: &[String],
        transit: &mut Vec<String>,
    ) -> DerivedPath {
        let mut hops = vec![DerivedHop { node: from.to_string(), decided_by: None }];
        if !self.places.contains_key(from) || !self.places.contains_key(to) {
            return DerivedPath {
                hops,
                stopped: Some(format!("'{to}' has no address in routing")),
            };
        }
        let dest = self.dest_of(to);
        let stop = |hops: Vec<DerivedHop>, why: String| DerivedPath { hops, stopped: Some(why) };
        let source_vnet = match &self.places[from] {
            Place::Subnet { vnet, .. } => Some(*vnet),
            _ => None,
        };
        let mut current = from.to_string();
        // Leaving on-premises: through the gateway, into its subnet's routes.
        if let Place::Onprem { .. } = self.places[from] {
            if matches!(self.places[to], Place::Onprem { .. }) {
                hops.extend(onprem_between.iter().map(|n| DerivedHop {
                    node: n.clone(),
                    decided_by: Some("on-premises routing (not modelled: as written)".into()),
                }));
                hops.push(DerivedHop {
                    node: to.to_string(),
                    decided_by: Some("on-premises routing (not modelled: as written)".into()),
                });
                return DerivedPath { hops, stopped: None };
            }
            let Some((g, gv)) = &self.gateway else {
                return stop(hops, "on-premises reaches Azure only through routing.onprem.gateway, which is not given".into());
            };
            if let Dest::Ip(ip) = dest
                && let Some(dv) = self.vnet_of_ip(ip)
                && dv != *gv
                && !self.peered(dv, *gv).is_some_and(|p| p.transit)
            {
                transit.push(self.transit_message(
                    dv,
                    *gv,
                    format!(
                        "on-premises learns no route to {} in VNet '{}'",
                        ip_text(ip),
                        self.vnets[dv].name
                    ),
                ));
                return stop(
                    hops,
                    format!("on-premises has no route to {} (no gateway transit)", ip_text(ip)),
                );
            }
            hops.extend(onprem_between.iter().map(|n| DerivedHop {
                node: n.clone(),
                decided_by: Some("on-premises routing (not modelled: as written)".into()),
            }));
            hops.push(DerivedHop {
                node: g.clone(),
                decided_by: Some(format!("BGP: '{g}' advertises the VNet ranges to on-premises")),
            });
            current = g.clone();
        }
        let mut seen = BTreeSet::new();
        for _ in 0..MAX_STEPS {
            if current == to {
                return DerivedPath { hops, stopped: None };
            }
            if !seen.insert(current.clone()) {
                return stop(hops, format!("routing loop: the packet comes back to '{current}'"));
            }
            let Place::Subnet { vnet: v, subnet: s, .. } = self.places[&current] else {
                return stop(hops, format!("'{current}' is not in a subnet"));
            };
            let Some(route) = self.lookup(v, s, &dest) else {
                return stop(hops, "no route matches".into());
            };
            let label = Some(route.label.clone());
            let forwarded = current != from && source_vnet != Some(v);
            let next = match &route.next {
                Next::Drop => {
                    transit.extend(self.missing_bgp(v, &dest));
                    return stop(hops, format!("dropped by {}", route.label));
                }
                Next::Internet => match &dest {
                    Dest::Tag(_) => to.to_string(),
                    Dest::Ip(ip) => {
                        transit.extend(self.missing_bgp(v, &dest));
                        return stop(
                            hops,
                            format!(
                                "{} sends {} to the Internet, where a private address is not reachable",
                                route.label,
                                ip_text(*ip)
                            ),
                        );
                    }
                },
                Next::VnetLocal => match &dest {
                    Dest::Ip(ip) => match self.node_at(v, *ip) {
                        Some(n) => n,
                        None => {
                            return stop(
                                hops,
                                format!(
                                    "{} but no node of VNet '{}' has {}",
                                    route.label,
                                    self.vnets[v].name,
                                    ip_text(*ip)
                                ),
                            );
                        }
                    },
                    Dest::Tag(_) => {
                        return stop(
                            hops,
                            format!("{} for a service outside the VNet", route.label),
                        );
                    }
                },
                Next::Peering(p) => {
                    let peering = self.peered(v, *p).expect("a peering route has its peering");
                    let from_gateway = self.gateway.as_ref().is_some_and(|(g, _)| *g == current);
                    if from_gateway && !peering.transit {
                        if let Dest::Ip(ip) = dest {
                            let lead = format!(
                                "on-premises learns no route to {} in VNet '{}'",
                                ip_text(ip),
                                self.vnets[*p].name
                            );
                            transit.push(self.transit_message(*p, v, lead));
                        }
                        return stop(hops, format!("gateway transit is off on {}", peering.path));
                    }
                    if forwarded && !from_gateway && !peering.forwarded {
                        transit.push(format!(
                            "'{current}' forwards traffic that did not originate in VNet '{}' into VNet '{}', but the peering does not allow forwarded traffic: set {} to true",
                            self.vnets[v].name,
                            self.vnets[*p].name,
                            key_path(&peering.path, "allow_forwarded_traffic")
                        ));
                        return stop(hops, format!("{} drops forwarded traffic", peering.path));
                    }
                    match &dest {
                        Dest::Ip(ip) => match self.node_at(*p, *ip) {
                            Some(n) => n,
                            None => {
                                return stop(
                                    hops,
                                    format!(
                                        "no node of VNet '{}' has {}",
                                        self.vnets[*p].name,
                                        ip_text(*ip)
                                    ),
                                );
                            }
                        },
                        Dest::Tag(_) => return stop(hops, "a peering route for a service".into()),
                    }
                }
                Next::Gateway(g) => {
                    if current == *g {
                        return stop(hops, format!("'{g}' would send it back to itself"));
                    }
                    hops.push(DerivedHop { node: g.clone(), decided_by: label });
                    match &self.places[to] {
                        Place::Onprem { .. } => {
                            hops.extend(onprem_between.iter().map(|n| DerivedHop {
                                node: n.clone(),
                                decided_by: Some(
                                    "on-premises routing (not modelled: as written)".into(),
                                ),
                            }));
                            hops.push(DerivedHop {
                                node: to.to_string(),
                                decided_by: Some(
                                    "on-premises routing (not modelled: as written)".into(),
                                ),
                            });
                            return DerivedPath { hops, stopped: None };
                        }
                        _ => {
                            return stop(
                                hops,
                                format!("'{g}' sends it to on-premises, not to '{to}'"),
                            );
                        }
                    }
                }
                Next::Appliance(fw) => {
                    if let Place::Subnet { vnet: fv, .. } = self.places[fw]
                        && fv != v
                        && self.peered(v, fv).is_none()
                    {
                        return stop(
                            hops,
                            format!(
                                "{}: '{fw}' is in VNet '{}', neither this VNet nor a peered one",
                                route.label, self.vnets[fv].name
                            ),
                        );
                    }
                    fw.clone()
                }
            };
            hops.push(DerivedHop { node: next.clone(), decided_by: label });
            current = next;
        }
        stop(hops, format!("more than {MAX_STEPS} routing decisions: a loop"))
    }

    /// Why a VNet and on-premises do not learn each other's routes: `lead`
    /// says what is missing.
    fn transit_message(&self, spoke: usize, hub: usize, lead: String) -> String {
        match self.peered(spoke, hub) {
            Some(p) => format!(
                "{lead}, because peering {} does not have gateway transit: set use_remote_gateways and allow_gateway_transit to true at {}",
                p.path, p.path
            ),
            None => format!(
                "{lead}, because VNet '{}' is not peered with the gateway's VNet '{}': add a peering with use_remote_gateways and allow_gateway_transit to routing.peerings",
                self.vnets[spoke].name, self.vnets[hub].name
            ),
        }
    }

    /// The gateway-transit finding for a packet from VNet `v` to `dest`
    /// that found no route, when `dest` is on-premises and `v` does not
    /// learn the gateway's routes.
    fn missing_bgp(&self, v: usize, dest: &Dest) -> Option<String> {
        let (Dest::Ip(ip), Some((_, gv))) = (dest, &self.gateway) else { return None };
        (self.onprem_prefixes.iter().any(|p| p.len > 0 && p.contains(*ip)) && !self.learns_bgp(v))
            .then(|| {
                self.transit_message(
                    v,
                    *gv,
                    format!(
                        "VNet '{}' learns no route to on-premises {}",
                        self.vnets[v].name,
                        ip_text(*ip)
                    ),
                )
            })
    }

    /// Derives a route's request and response paths, segment by segment,
    /// and its nested calls' paths. Findings of transit the peerings do not
    /// allow go to `transit`.
    pub(crate) fn route(
        &self,
        r: &RouteSpec,
        nodes: &BTreeMap<String, NodeModel>,
        transit: &mut Vec<String>,
    ) -> DerivedRoute {
        let written = r.path.clone();
        let written_return =
            r.return_path.clone().unwrap_or_else(|| written.iter().rev().cloned().collect());
        let e = ends(&written, nodes);
        let onprem_of = |seg: &[String]| -> Vec<String> {
            seg.iter().filter(|n| nodes[n.as_str()].kind == Kind::OnpremFirewall).cloned().collect()
        };
        let mut request = DerivedPath { hops: Vec::new(), stopped: None };
        let mut response = DerivedPath { hops: Vec::new(), stopped: None };
        let mut back_segments = Vec::new();
        for w in e.windows(2) {
            let (a, b) = (&written[w[0]], &written[w[1]]);
            let between = onprem_of(&written[w[0]..=w[1]]);
            let there = self.derive(a, b, &between, transit);
            let mut back_between = between.clone();
            back_between.reverse();
            // A firewall that SNATs (application rules) is where the
            // destination answers: the response goes back to it first.
            let snat = there
                .hops
                .iter()
                .rev()
                .find(|h| snat_only(r, &h.node, nodes))
                .map(|h| h.node.clone());
            let back = match snat {
                Some(fw) if fw != *b => {
                    let mut first = self.derive(b, &fw, &[], transit);
                    if first.stopped.is_none() {
                        let rest = self.derive(&fw, a, &back_between, transit);
                        first.hops.extend(rest.hops.into_iter().skip(1));
                        first.stopped = rest.stopped;
                    }
                    first
                }
                _ => self.derive(b, a, &back_between, transit),
            };
            join(&mut request, there);
            back_segments.push(back);
        }
        for back in back_segments.into_iter().rev() {
            join(&mut response, back);
        }
        let mut calls = Vec::new();
        let mut callers: Vec<&String> =
            written.iter().collect::<BTreeSet<_>>().into_iter().collect();
        callers.sort();
        for caller in callers {
            for c in &nodes[caller].calls {
                let Some(callee) = c.via.last() else { continue };
                let mut w = vec![caller.clone()];
                w.extend(c.via.iter().cloned());
                calls.push(DerivedCall {
                    call: format!("{caller} {}", c.name),
                    written: w,
                    derived: self.derive(caller, callee, &[], transit),
                });
            }
        }
        DerivedRoute { written, request, written_return, response, calls }
    }

    /// The route APIM's subnet gives its management plane (the
    /// `ApiManagement` service tag), when it is forced through a firewall
    /// or to on-premises: `(the route's label, where it goes)`.
    pub(crate) fn apim_management(&self, apim: &str) -> Option<(String, String)> {
        let Some(Place::Subnet { vnet, subnet, .. }) = self.places.get(apim) else { return None };
        let route = self.lookup(*vnet, *subnet, &Dest::Tag(APIM_MANAGEMENT_TAG.into()))?;
        match route.next {
            Next::Appliance(fw) => Some((route.label, format!("firewall '{fw}'"))),
            Next::Gateway(g) => Some((route.label, format!("on-premises through '{g}'"))),
            _ => None,
        }
    }

    /// The JSON path of a node's subnet (`routing.vnets.hub.subnets.GatewaySubnet`).
    fn subnet_path(&self, node: &str) -> String {
        match self.places.get(node) {
            Some(Place::Subnet { vnet, subnet, .. }) => {
                let v = &self.vnets[*vnet];
                key_path(
                    &key_path(&key_path(&key_path("routing", "vnets"), &v.name), "subnets"),
                    &v.subnets[*subnet].name,
                )
            }
            _ => format!("the subnet of '{node}'"),
        }
    }

    /// The prefix of a node's subnet.
    fn subnet_prefix(&self, node: &str) -> Option<Prefix> {
        match self.places.get(node)? {
            Place::Subnet { vnet, subnet, .. } => Some(self.vnets[*vnet].subnets[*subnet].prefix),
            _ => None,
        }
    }

    /// The route table of a node's subnet, by name.
    pub(crate) fn table_of(&self, node: &str) -> Option<&str> {
        match self.places.get(node)? {
            Place::Subnet { vnet, subnet, .. } => {
                self.vnets[*vnet].subnets[*subnet].table.as_deref()
            }
            _ => None,
        }
    }
}

/// Appends a segment to a path, its first node being the last one there.
fn join(path: &mut DerivedPath, seg: DerivedPath) {
    if path.stopped.is_some() {
        return;
    }
    let skip = usize::from(!path.hops.is_empty());
    path.hops.extend(seg.hops.into_iter().skip(skip));
    path.stopped = seg.stopped;
}

/// A firewall the route crosses with application rules only (it SNATs).
fn snat_only(r: &RouteSpec, node: &str, nodes: &BTreeMap<String, NodeModel>) -> bool {
    let Some(fw) = nodes.get(node).and_then(|n| n.firewall) else { return false };
    match r.firewall_rules.as_ref().and_then(|m| m.get(node)) {
        Some(v) => match v {
            serde_json::Value::String(s) => s == "application",
            serde_json::Value::Array(a) => a.iter().all(|x| x.as_str() == Some("application")),
            _ => false,
        },
        None => fw.rule == FirewallRule::Application,
    }
}

/// The stateful firewalls of a path.
fn firewalls(p: &[String], nodes: &BTreeMap<String, NodeModel>) -> BTreeSet<String> {
    p.iter().filter(|n| nodes[n.as_str()].kind.is_stateful_firewall()).cloned().collect()
}

fn arrow(p: &[String]) -> String {
    p.join(" → ")
}

/// The routing checks of one route (`path`: its JSON path, `routes[i]`):
/// `route_mismatch`, `asymmetric_route`, `apim_management_forced_tunnel`,
/// `fastpath_udr` and `peering_transit`.
pub(crate) fn findings(
    routing: &Routing,
    d: &DerivedRoute,
    transit: &[String],
    r: &RouteSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let error = |check: &str, message: String| Finding {
        severity: Severity::Error,
        check: check.into(),
        message,
    };
    for t in transit.iter().collect::<BTreeSet<_>>() {
        out.push(error("peering_transit", format!("route '{}': {t}", r.name)));
    }
    let pairs = [
        ("request", key_path(path, "path"), &d.written, &d.request),
        ("response", key_path(path, "return_path"), &d.written_return, &d.response),
    ];
    for (what, at, written, derived) in pairs {
        let got = derived.nodes();
        if let Some(why) = &derived.stopped {
            out.push(error(
                "route_mismatch",
                format!(
                    "route '{}': the routing does not deliver the {what}: derived {} and then {why}; written {}: fix the routing (routing.route_tables, routing.peerings) or {at}",
                    r.name,
                    arrow(&got),
                    arrow(written)
                ),
            ));
        } else if got != *written {
            let j = written.iter().zip(&got).take_while(|(a, b)| a == b).count();
            let decided =
                derived.hops.get(j).and_then(|h| h.decided_by.clone()).unwrap_or_default();
            let fix = if what == "response" && r.return_path.is_none() {
                format!("give {at} as derived, or change the routing")
            } else {
                format!("write {at} as derived, or change the routing")
            };
            out.push(error(
                "route_mismatch",
                format!(
                    "route '{}': the {what} path as written is {}, but the routing sends it {} (they part after '{}': {decided}); {fix}",
                    r.name,
                    arrow(written),
                    arrow(&got),
                    got.get(j.saturating_sub(1)).map_or("", String::as_str)
                ),
            ));
        }
    }
    for c in &d.calls {
        let got = c.derived.nodes();
        if c.derived.stopped.is_some() || got != c.written {
            let why =
                c.derived.stopped.as_ref().map_or(String::new(), |s| format!(" and then {s}"));
            out.push(error(
                "route_mismatch",
                format!(
                    "route '{}': the {} call goes {}, but the routing sends it {}{why}: change its via or the caller's route table",
                    r.name,
                    c.call,
                    arrow(&c.written),
                    arrow(&got)
                ),
            ));
        }
    }
    // Per segment: a stateful firewall must see both directions.
    if d.request.stopped.is_none() && d.response.stopped.is_none() {
        let e = ends(&d.written, nodes);
        let req = d.request.nodes();
        let resp = d.response.nodes();
        let segment = |p: &[String], a: &str, b: &str| -> Option<Vec<String>> {
            let i = p.iter().position(|n| n == a)?;
            let k = p[i..].iter().position(|n| n == b)? + i;
            Some(p[i..=k].to_vec())
        };
        for w in e.windows(2) {
            let (a, b) = (&d.written[w[0]], &d.written[w[1]]);
            let (Some(there), Some(back)) = (segment(&req, a, b), segment(&resp, b, a)) else {
                continue;
            };
            let (f_there, f_back) = (firewalls(&there, nodes), firewalls(&back, nodes));
            for fw in f_there.symmetric_difference(&f_back) {
                let (seen, missed) = if f_there.contains(fw) {
                    ("request", "response")
                } else {
                    ("response", "request")
                };
                let hint = match &routing.gateway {
                    Some((g, _)) if back.contains(g) && seen == "request" => format!(
                        " (traffic from on-premises enters through '{g}' and follows its subnet's routes: give {} a route table with {} → virtual_appliance '{fw}')",
                        routing.subnet_path(g),
                        routing.subnet_prefix(a).map_or_else(
                            || format!("a route for the address of '{a}'"),
                            |p| format!("{p} (the subnet of '{a}')")
                        )
                    ),
                    _ => format!(
                        " (give the subnet of '{}' a route to '{}' through '{fw}', or remove the route that sends the {seen} through it)",
                        if seen == "request" { b } else { a },
                        if seen == "request" { a } else { b }
                    ),
                };
                out.push(error(
                    "asymmetric_route",
                    format!(
                        "route '{}', segment {a} → {b}: the {seen} crosses stateful firewall '{fw}' ({}) but the {missed} does not ({}), so the firewall drops the session it has only half seen{hint}",
                        r.name,
                        arrow(if seen == "request" { &there } else { &back }),
                        arrow(if seen == "request" { &back } else { &there })
                    ),
                ));
            }
        }
    }
    for (j, n) in r.path.iter().enumerate() {
        if nodes[n].kind != Kind::Apim || r.path[..j].contains(n) {
            continue;
        }
        if let Some((label, to)) = routing.apim_management(n) {
            let table = routing.table_of(n).unwrap_or("?");
            out.push(error(
                "apim_management_forced_tunnel",
                format!(
                    "route '{}' ({path}.path[{j}]): APIM '{n}' sends its management traffic (service tag {APIM_MANAGEMENT_TAG}) to {to} by {label}; the control plane's answers then leave from the wrong address and APIM loses its management endpoint (APIM-FORCE-TUNNEL, HYBRID-MD): add {{\"prefix\": \"{APIM_MANAGEMENT_TAG}\", \"next_hop\": \"internet\"}} to routing.route_tables.{table}",
                    r.name
                ),
            ));
        }
    }
    // FastPath and the gateway subnet's UDRs.
    let mut told = BTreeSet::new();
    for p in [&d.request, &d.response] {
        for (k, h) in p.hops.iter().enumerate() {
            let node = &nodes[&h.node];
            if node.kind != Kind::VnetGateway || !node.fastpath || node.circuit_direct {
                continue;
            }
            let Some(next) = p.hops.get(k + 1) else { continue };
            let Some(by) = &next.decided_by else { continue };
            if nodes[&next.node].kind == Kind::AzureFirewall
                && by.starts_with("routing.route_tables")
                && told.insert(by.clone())
            {
                out.push(Finding {
                    severity: Severity::Error,
                    check: "fastpath_udr".into(),
                    message: format!(
                        "route '{}': FastPath on '{}' with a provider circuit, and the gateway subnet's UDR {by} steers traffic from on-premises to firewall '{}': UDRs over FastPath are supported only for ExpressRoute Direct (about-fastpath.md, S42), so the firewall's inspection of this traffic is not assured (FastPath sends traffic from on-premises straight to the VMs, past the gateway where the UDR applies; the simulation keeps it on the gateway and the firewall, as the UDR says): set {} to false, or use ExpressRoute Direct ({} \"direct\")",
                        r.name,
                        h.node,
                        next.node,
                        key_path(&key_path("nodes", &h.node), "fastpath"),
                        key_path(&key_path("nodes", &h.node), "circuit"),
                    ),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_parse_and_compare() {
        let p = Prefix::parse("10.0.0.0/16").unwrap();
        assert!(p.contains(u32::from(Ipv4Addr::new(10, 0, 200, 1))));
        assert!(!p.contains(u32::from(Ipv4Addr::new(10, 1, 0, 1))));
        assert!(p.covers(Prefix::parse("10.0.1.0/24").unwrap()));
        assert!(Prefix::parse("0.0.0.0/0").unwrap().covers(p));
        assert!(Prefix::parse("10.0.0.1/16").unwrap_err().contains("host bits"));
        assert!(Prefix::parse("10.0.0.0/33").is_err());
        assert!(Prefix::parse("10.0.0/8").is_err());
        assert!(Prefix::parse("10.0.0.0").is_err());
        assert_eq!(Prefix::parse("192.168.0.0/16").unwrap().to_string(), "192.168.0.0/16");
    }
}
