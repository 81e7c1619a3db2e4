//! Routes: from a path of node names to a `sim-core` model, with the TLS
//! connections it opens, the nested calls its proxies make, and the checks
//! an architect needs (certificate trust, firewall inspection).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sim_core::{
    Detour, Direction, Dist, Leg, LinkId, Model, RouteBuilder, Setup, SimDuration, StationId,
    Workload,
};

use crate::azure::{Kind, NodeModel};
use crate::catalog::value;
use crate::compile::{LinkMap, index_path, key_path, known, unordered};
use crate::error::Invalid;
use crate::spec::{Mode, RouteSpec, ScenarioSpec};

/// One route of a scenario: its own model carrying the whole workload
/// alone (what mode `compare` simulates), its plan and its findings.
///
/// In mode `mix` the simulation runs the scenario's one shared model
/// instead ([`crate::Scenario::mix_model`]); these per-route models are
/// kept for what the route would do alone.
#[derive(Debug, Clone)]
pub struct CompiledRoute {
    /// The route's name.
    pub name: String,
    /// The model holding just this route and the nodes and links it uses.
    pub model: Model,
    /// The same route without authorisation work (validate-jwt CPU, token
    /// exchanges, JWKS fetches, protocol transition); `None` when the route
    /// has none. Run with the same seed, it measures what authorisation adds.
    pub model_without_auth: Option<Model>,
    /// Each hop, for explanations.
    pub hops: Vec<HopPlan>,
    /// What the checks found.
    pub findings: Vec<Finding>,
}

/// A hop as planned, for `explain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HopPlan {
    /// The node.
    pub node: String,
    /// Its kind.
    pub kind: String,
    /// What it does with connections: "origin", "passes TLS through", or
    /// "terminates TCP+TLS (CA …, TLS …)".
    pub connection: String,
    /// Static latency floor of this hop \[ms\]: mean pipeline delay and
    /// service at the node (both directions on a round trip) plus the mean
    /// latency of the link to the next node.
    pub floor_ms: f64,
    /// Its capacity.
    pub capacity: String,
    /// The connection it may open before passing a request on.
    pub new_connection: Option<String>,
    /// Nested calls it makes.
    pub calls: Vec<String>,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The route cannot work as designed (`validate` exits 1).
    Error,
    /// The route works but breaks a usual policy.
    Warning,
}

impl std::fmt::Display for Severity {
    /// The lowercase label used in tables, messages and JSON.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Something a route check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// Which check: `tls_trust`, `firewall_bypass`, `apim_egress`.
    pub check: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The one model of a `mix` scenario: every route, sharing stations and
/// links by name, fed by the workload's single arrival process, each
/// arrival drawing its route by weight.
#[derive(Debug, Clone)]
pub(crate) struct CompiledMix {
    /// Every route, in file order.
    pub(crate) model: Model,
    /// The same without authorisation work; `None` when no route has any.
    pub(crate) model_without_auth: Option<Model>,
}

/// Most a route's `weight` may be: weights are relative shares.
const MAX_WEIGHT: f64 = 1e9;

/// A TLS connection on a path: the initiator's hop and the terminator's hop.
#[derive(Debug, Clone, Copy)]
struct Segment {
    initiator: usize,
    terminator: usize,
}

pub(crate) fn routes(
    spec: &ScenarioSpec,
    nodes: &BTreeMap<String, NodeModel>,
    nodes_without_auth: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    workload: &Workload,
) -> Result<Vec<CompiledRoute>, Invalid> {
    if spec.routes.is_empty() {
        return Err(Invalid::new("routes", "a scenario needs at least one route"));
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for (i, r) in spec.routes.iter().enumerate() {
        let path = index_path("routes", i);
        if r.name.trim().is_empty() {
            return Err(Invalid::new(key_path(&path, "name"), "must not be empty"));
        }
        if !names.insert(r.name.as_str()) {
            return Err(Invalid::new(
                key_path(&path, "name"),
                format!(
                    "route name '{}' is used by an earlier route; names must be unique",
                    r.name
                ),
            ));
        }
        let wpath = key_path(&path, "weight");
        match (spec.mode, r.weight) {
            (Mode::Compare, Some(_)) => {
                return Err(Invalid::new(
                    wpath,
                    "weights apply only in mode \"mix\"; remove it for a route comparison",
                ));
            }
            (Mode::Mix, None) => {
                return Err(Invalid::new(
                    wpath,
                    "missing: mode \"mix\" needs a weight on every route, its share of the workload (e.g. 0.7 and 0.3)",
                ));
            }
            (Mode::Mix, Some(w)) if !(w.is_finite() && w > 0.0 && w <= MAX_WEIGHT) => {
                return Err(Invalid::new(
                    wpath,
                    format!(
                        "must be > 0 and at most {MAX_WEIGHT:e} (a relative share of the workload), got {}",
                        crate::compile::fmt_num(w)
                    ),
                ));
            }
            _ => {}
        }
        check_path(r, &path, nodes, links)?;
        check_return_path(r, &path, nodes, links, workload.is_round_trip())?;
        let model = build(r, &path, nodes, links, workload)?;
        let has_auth = r.path.iter().any(|n| {
            let node = &nodes[n];
            node.calls.iter().any(|c| c.is_auth)
                || node.station.as_ref().map(|s| s.service_ns().mean())
                    != node.station_without_auth.as_ref().map(|s| s.service_ns().mean())
        });
        let model_without_auth = if has_auth {
            Some(build(r, &path, nodes_without_auth, links, workload)?)
        } else {
            None
        };
        out.push(CompiledRoute {
            name: r.name.clone(),
            model,
            model_without_auth,
            hops: plan(r, nodes, links, workload.is_round_trip()),
            findings: findings(r, nodes),
        });
    }
    Ok(out)
}

/// The shared model of a `mix` scenario (and its twin without
/// authorisation when a route has any), from routes already checked and
/// compiled one by one.
pub(crate) fn mix(
    spec: &ScenarioSpec,
    nodes: &BTreeMap<String, NodeModel>,
    nodes_without_auth: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    workload: &Workload,
    compiled: &[CompiledRoute],
) -> Result<CompiledMix, Invalid> {
    let weights: Vec<f64> =
        spec.routes.iter().map(|r| r.weight.expect("checked by routes()")).collect();
    let build_mix = |nodes: &BTreeMap<String, NodeModel>| {
        let mut b = Model::builder();
        let mut ids = Ids::default();
        for r in &spec.routes {
            add_route(&mut b, &mut ids, r, nodes, links, workload)?;
        }
        b.mix(weights.clone());
        b.build().map_err(|e| Invalid::new("routes", e.to_string()))
    };
    let model = build_mix(nodes)?;
    let model_without_auth = if compiled.iter().any(|r| r.model_without_auth.is_some()) {
        Some(build_mix(nodes_without_auth)?)
    } else {
        None
    };
    Ok(CompiledMix { model, model_without_auth })
}

/// Nodes exist, consecutive nodes are linked, a client only starts a path.
fn check_path(
    r: &RouteSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
) -> Result<(), Invalid> {
    let ppath = key_path(path, "path");
    if r.path.len() < 2 {
        return Err(Invalid::new(
            &ppath,
            format!(
                "a route needs at least two nodes (origin and destination), got {}",
                r.path.len()
            ),
        ));
    }
    for (j, name) in r.path.iter().enumerate() {
        let npath = index_path(&ppath, j);
        let node = nodes.get(name).ok_or_else(|| {
            Invalid::new(&npath, format!("unknown node '{name}'; known nodes: {}", known(nodes)))
        })?;
        if node.kind == Kind::Client && j > 0 {
            return Err(Invalid::new(
                &npath,
                format!(
                    "client '{name}' can only start a route (it serves nothing); remove it or move it first"
                ),
            ));
        }
        if j > 0 {
            let prev = &r.path[j - 1];
            if !links.contains_key(&unordered(prev, name)) {
                return Err(Invalid::new(
                    &npath,
                    format!(
                        "no link between '{prev}' and '{name}'; add {{\"between\": [\"{prev}\", \"{name}\"], \"latency_ms\": ...}} to links"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A return path starts at the destination, ends at the origin, and follows
/// links.
fn check_return_path(
    r: &RouteSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    round_trip: bool,
) -> Result<(), Invalid> {
    let Some(back) = &r.return_path else { return Ok(()) };
    let bpath = key_path(path, "return_path");
    if !round_trip {
        return Err(Invalid::new(bpath, "a return path needs workload.round_trip: true"));
    }
    let (first, last) = (&r.path[0], &r.path[r.path.len() - 1]);
    if back.len() < 2 || back.first() != Some(last) || back.last() != Some(first) {
        return Err(Invalid::new(
            bpath,
            format!("must start at the destination '{last}' and end at the origin '{first}'"),
        ));
    }
    for (k, name) in back.iter().enumerate() {
        let npath = index_path(&bpath, k);
        let node = nodes.get(name).ok_or_else(|| {
            Invalid::new(&npath, format!("unknown node '{name}'; known nodes: {}", known(nodes)))
        })?;
        if node.kind == Kind::Client && k + 1 < back.len() {
            return Err(Invalid::new(
                &npath,
                format!("client '{name}' can only end a return path"),
            ));
        }
        if k > 0 && !links.contains_key(&unordered(&back[k - 1], name)) {
            return Err(Invalid::new(
                &npath,
                format!("no link between '{}' and '{name}'; add one to links", back[k - 1]),
            ));
        }
    }
    Ok(())
}

/// TLS connections along a path: from each initiator (the client, then each
/// proxy) to the next node that terminates TLS; L4 devices in between pass
/// the connection through.
fn segments(r: &RouteSpec, nodes: &BTreeMap<String, NodeModel>) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut initiator = nodes[&r.path[0]].initiator.as_ref().map(|_| 0);
    for (j, name) in r.path.iter().enumerate().skip(1) {
        let node = &nodes[name];
        if node.terminator.is_some() {
            if let Some(i) = initiator {
                out.push(Segment { initiator: i, terminator: j });
            }
            initiator = node.initiator.as_ref().map(|_| j);
        }
    }
    out
}

fn mean_ms(d: Option<&Dist>) -> f64 {
    d.and_then(Dist::mean).unwrap_or(0.0) / 1e6
}

fn link_mean_ms(links: &LinkMap, a: &str, b: &str) -> f64 {
    links.get(&unordered(a, b)).map_or(0.0, |l| mean_ms(Some(l.link.latency_ns())))
}

/// Static round trip between two hops of a path \[ms\]: link latencies both
/// ways and the pipeline delays of the devices in between.
fn rtt_ms(
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    seg: Segment,
) -> f64 {
    let p = &r.path;
    let links_ms: f64 =
        (seg.initiator..seg.terminator).map(|k| 2.0 * link_mean_ms(links, &p[k], &p[k + 1])).sum();
    let devices_ms: f64 = (seg.initiator + 1..seg.terminator)
        .filter_map(|k| nodes[&p[k]].station.as_ref())
        .map(|s| mean_ms(s.delay_ns()) + mean_ms(s.response_delay_ns()))
        .sum();
    links_ms + devices_ms
}

/// The model of one route alone.
fn build(
    r: &RouteSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    workload: &Workload,
) -> Result<Model, Invalid> {
    let mut b = Model::builder();
    add_route(&mut b, &mut Ids::default(), r, nodes, links, workload)?;
    b.build().map_err(|e| Invalid::new(path, e.to_string()))
}

/// Stations and links already in a model under construction, by name:
/// routes added to one model share them.
#[derive(Debug, Default)]
struct Ids {
    stations: BTreeMap<String, StationId>,
    links: BTreeMap<(String, String), LinkId>,
}

/// Adds route `r` to `b`, with the stations and links it uses that `ids`
/// does not hold yet.
fn add_route(
    b: &mut sim_core::ModelBuilder,
    ids: &mut Ids,
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    workload: &Workload,
) -> Result<(), Invalid> {
    let Ids { stations, links: used_links } = ids;
    let mut station_id = |b: &mut sim_core::ModelBuilder, name: &str| {
        *stations.entry(name.to_string()).or_insert_with(|| {
            b.station(nodes[name].station.clone().expect("only stations are visited"))
        })
    };
    let mut link_id = |b: &mut sim_core::ModelBuilder, from: &str, to: &str| {
        let key = unordered(from, to);
        let l = &links[&key];
        let id = *used_links.entry(key).or_insert_with(|| b.link(l.link.clone()));
        (id, if l.ends.0 == from { Direction::Forward } else { Direction::Backward })
    };
    let segs = segments(r, nodes);
    let mut route = RouteBuilder::new(&r.name, workload.clone());
    let mut timeout_ms: Option<f64> = None;
    for (j, name) in r.path.iter().enumerate() {
        let node = &nodes[name];
        if j > 0 {
            let (id, dir) = link_id(b, &r.path[j - 1], name);
            route = route.link(id, dir);
        }
        route = if node.kind == Kind::Client {
            route.origin(name)
        } else {
            route.station(station_id(b, name))
        };
        for call in &node.calls {
            let mut d =
                Detour::new(&call.name, call.probability).with_bytes(call.bytes.0, call.bytes.1);
            let mut prev = name.as_str();
            for (k, hop) in call.via.iter().enumerate() {
                let hpath = index_path(&call.via_path, k);
                let target = nodes.get(hop).ok_or_else(|| {
                    Invalid::new(
                        &hpath,
                        format!("unknown node '{hop}'; known nodes: {}", known(nodes)),
                    )
                })?;
                if target.kind == Kind::Client {
                    return Err(Invalid::new(
                        &hpath,
                        format!("'{hop}' is a client; a call goes through stations"),
                    ));
                }
                if !links.contains_key(&unordered(prev, hop)) {
                    return Err(Invalid::new(
                        &hpath,
                        format!("no link between '{prev}' and '{hop}'; add one to links"),
                    ));
                }
                let (id, dir) = link_id(b, prev, hop);
                d = d.link(id, dir).station(station_id(b, hop));
                prev = hop;
            }
            route = route.detour(d);
        }
        if let Some(seg) = segs.iter().find(|s| s.initiator == j) {
            let init = node.initiator.as_ref().expect("segments start at initiators");
            let term = nodes[&r.path[seg.terminator]]
                .terminator
                .as_ref()
                .expect("segments end at terminators");
            let rtts = value("tcp.handshake_rtts") + term.tls_rtts;
            let delay_ns = rtts * rtt_ms(r, nodes, links, *seg) * 1e6;
            let setup =
                Setup::new(1.0 - init.connection_reuse, Dist::constant(delay_ns).expect("finite"))
                    .with_terminator_cpu(
                        seg.terminator,
                        Dist::constant(term.handshake_cpu_ms * 1e6).expect("finite"),
                    );
            route = route.setup(setup);
        }
        if let Some(t) = node.timeout_ms {
            timeout_ms = Some(timeout_ms.map_or(t, |m: f64| m.min(t)));
        }
    }
    if let Some(t) = timeout_ms.and_then(SimDuration::from_millis_f64) {
        route = route.with_timeout(t);
    }
    if let Some(back) = &r.return_path {
        let mut legs = Vec::new();
        for (k, name) in back.iter().enumerate().skip(1) {
            let (id, dir) = link_id(b, &back[k - 1], name);
            legs.push(Leg::Link(id, dir));
            if nodes[name].kind != Kind::Client {
                legs.push(Leg::Station(station_id(b, name)));
            }
        }
        route = route.with_return_path(legs);
    }
    b.route(route);
    Ok(())
}

fn plan(
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    round_trip: bool,
) -> Vec<HopPlan> {
    let segs = segments(r, nodes);
    let last = r.path.len() - 1;
    r.path
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let node = &nodes[name];
            let both = round_trip && j < last;
            let station_ms = node.station.as_ref().map_or(0.0, |s| {
                let req = mean_ms(s.delay_ns()) + mean_ms(Some(s.service_ns()));
                let resp = mean_ms(s.response_delay_ns()) + mean_ms(Some(s.response_service_ns()));
                req + if both { resp } else { 0.0 }
            });
            let link_ms = if j < last {
                link_mean_ms(links, name, &r.path[j + 1]) * if round_trip { 2.0 } else { 1.0 }
            } else {
                0.0
            };
            let connection = match (&node.terminator, node.kind) {
                (_, Kind::Client) => "origin".to_string(),
                (Some(t), _) => format!(
                    "terminates TCP+TLS (certificate from CA '{}', TLS {})",
                    t.certificate_ca,
                    match t.tls_version {
                        crate::azure::TlsVersion::V12 => "1.2",
                        crate::azure::TlsVersion::V13 => "1.3",
                    }
                ),
                (None, _) => "passes TCP/TLS through".to_string(),
            };
            let new_connection = segs.iter().find(|s| s.initiator == j).map(|s| {
                let init = node.initiator.as_ref().expect("initiator");
                let term = nodes[&r.path[s.terminator]].terminator.as_ref().expect("terminator");
                let rtt = rtt_ms(r, nodes, links, *s);
                format!(
                    "to {} ({} RTT of {:.3} ms = {:.3} ms, + {:.3} ms CPU there) with probability {:.2}",
                    r.path[s.terminator],
                    value("tcp.handshake_rtts") + term.tls_rtts,
                    rtt,
                    (value("tcp.handshake_rtts") + term.tls_rtts) * rtt,
                    term.handshake_cpu_ms,
                    1.0 - init.connection_reuse
                )
            });
            HopPlan {
                node: name.clone(),
                kind: node.kind.name().to_string(),
                connection,
                floor_ms: station_ms + link_ms,
                capacity: node.capacity.clone(),
                new_connection,
                calls: node
                    .calls
                    .iter()
                    .map(|c| format!("{} via {} with probability {:.4}", c.name, c.via.join(" → "), c.probability))
                    .collect(),
            }
        })
        .collect()
}

/// Certificate trust on every TLS connection, firewall inspection of
/// spoke traffic, and APIM egress through the firewall.
fn findings(r: &RouteSpec, nodes: &BTreeMap<String, NodeModel>) -> Vec<Finding> {
    let mut out = Vec::new();
    for seg in segments(r, nodes) {
        let (iname, tname) = (&r.path[seg.initiator], &r.path[seg.terminator]);
        let init = nodes[iname].initiator.as_ref().expect("initiator");
        let ca = &nodes[tname].terminator.as_ref().expect("terminator").certificate_ca;
        if init.trusts.contains(ca) {
            continue;
        }
        let fix = if init.custom_ca_support {
            format!(
                "add \"{ca}\" to nodes.{iname}.trusts, or put an Application Gateway in front of '{tname}' with '{ca}' as a trusted root certificate"
            )
        } else {
            format!(
                "'{iname}' cannot be given a custom CA (custom_ca_support: false): put an Application Gateway in front of '{tname}' with '{ca}' as a trusted root certificate, so that '{iname}' only sees a certificate from a public CA"
            )
        };
        out.push(Finding {
            severity: Severity::Error,
            check: "tls_trust".into(),
            message: format!(
                "route '{}', hop {} → {}: '{iname}' does not trust CA '{ca}', which issued the certificate of '{tname}'; fix: {fix}",
                r.name, seg.initiator, seg.terminator
            ),
        });
    }
    // Inspection is only a question where the landing zone has a firewall.
    let has_firewall = nodes.values().any(|n| n.kind == Kind::AzureFirewall);
    let first = &nodes[&r.path[0]];
    if has_firewall && first.kind == Kind::Client {
        let next = &r.path[1];
        if !nodes[next].kind.is_stateful_firewall() {
            out.push(Finding {
                severity: Severity::Warning,
                check: "firewall_bypass".into(),
                message: format!(
                    "route '{}': traffic from '{}' reaches '{next}' without crossing a firewall (e.g. directly over VNet peering), so the hub firewall does not inspect it; route it through the firewall if policy requires all spoke traffic to be inspected",
                    r.name, r.path[0]
                ),
            });
        }
    }
    for (j, name) in r.path.iter().enumerate() {
        let node = &nodes[name];
        if node.kind != Kind::Apim {
            continue;
        }
        if let Some(next) = r.path.get(j + 1)
            && nodes[next].kind != Kind::AzureFirewall
        {
            out.push(Finding {
                severity: Severity::Warning,
                check: "apim_egress".into(),
                message: format!(
                    "route '{}': APIM '{name}' reaches '{next}' without going through the Azure Firewall; force APIM egress through the firewall (except the ApiManagement service tag)",
                    r.name
                ),
            });
        }
        for call in &node.calls {
            if call
                .via
                .first()
                .is_some_and(|h| nodes.get(h).is_some_and(|n| n.kind != Kind::AzureFirewall))
            {
                out.push(Finding {
                    severity: Severity::Warning,
                    check: "apim_egress".into(),
                    message: format!(
                        "route '{}': APIM '{name}''s {} call leaves through '{}', not the Azure Firewall; send-request egress must go through the firewall too",
                        r.name, call.name, call.via[0]
                    ),
                });
            }
        }
    }
    if let Some(back) = &r.return_path {
        let firewalls = |p: &[String]| -> BTreeSet<String> {
            p.iter().filter(|n| nodes[n.as_str()].kind.is_stateful_firewall()).cloned().collect()
        };
        let (there, back_fw) = (firewalls(&r.path), firewalls(back));
        for fw in there.symmetric_difference(&back_fw) {
            let (seen, missed) =
                if there.contains(fw) { ("request", "response") } else { ("response", "request") };
            out.push(Finding {
                severity: Severity::Error,
                check: "asymmetric_path".into(),
                message: format!(
                    "route '{}': the {seen} crosses stateful firewall '{fw}' but the {missed} does not; the firewall drops packets of sessions it has not seen: make the return path cross the same firewalls as the request"
                , r.name),
            });
        }
    }
    out
}
