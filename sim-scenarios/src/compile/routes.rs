//! Routes: from a path of node names to a `sim-core` model, with the TLS
//! connections it opens, the nested calls its proxies make, and the checks
//! an architect needs (certificate trust, firewall inspection).

use std::collections::{BTreeMap, BTreeSet};

use sim_core::{
    Detour, Direction, Dist, Leg, LinkId, Model, Pool, PoolId, RouteBuilder, Setup, SimDuration,
    StationId, Workload,
};

use crate::azure::cert_checks::{DatedCertificate, dated, expiry_findings, mutual_tls};
use crate::azure::checks::{Finding, findings};
use crate::azure::network::{
    LinkMap, fastpath_findings, gateway_serves_message, known, path_serves, unordered,
};
use crate::azure::routing::Routing;
use crate::azure::tls::{
    connection_reuse, handshake, initiator_at, inspects, segments, terminator_at, traversal_rules,
};
use crate::azure::{Call, DerivedRoute, Kind, NodeModel};
use crate::compile::plan::{HopPlan, plan};
use crate::error::Invalid;
use crate::file::dates::Date;
use crate::file::json::{a_or_an, fmt_num, index_path, key_path};
use crate::file::spec::{Mode, RouteSpec, ScenarioSpec};

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
    /// Its billing meters at the catalog's prices (and the file's
    /// `prices`).
    pub cost: super::cost::CostPlan,
    /// What the checks found.
    pub findings: Vec<Finding>,
    /// The certificates with an expiry date its connections present, for
    /// [`CompiledRoute::expiry_findings`] (dates are checked on demand,
    /// never in a run).
    pub certificates: Vec<DatedCertificate>,
    /// The route's paths as the scenario's `routing` section derives them,
    /// next to the written ones; `None` without a `routing` section.
    pub derived: Option<DerivedRoute>,
}

impl CompiledRoute {
    /// `certificate_expiry` findings on `today`: an error for each
    /// certificate of the route that has expired, a warning for each that
    /// expires within `warning_days`. The run never calls this: results
    /// do not depend on the date.
    pub fn expiry_findings(&self, today: Date, warning_days: u32) -> Vec<Finding> {
        expiry_findings(&self.certificates, today, warning_days)
    }
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
pub(crate) const MAX_WEIGHT: f64 = 1e9;

pub(crate) fn routes(
    spec: &ScenarioSpec,
    nodes: &BTreeMap<String, NodeModel>,
    nodes_without_auth: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    workload: &Workload,
    routing: Option<&Routing>,
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
                        fmt_num(w)
                    ),
                ));
            }
            _ => {}
        }
        check_path(r, &path, nodes, links)?;
        check_return_path(r, &path, nodes, links, workload.is_round_trip())?;
        traversal_rules(r, &path, nodes)?;
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
        let hops = plan(r, nodes, links, workload);
        let mut found = findings(r, &path, nodes);
        found.extend(fastpath_findings(r, &path, nodes, links));
        found.extend(crate::azure::cert_checks::findings(r, &path, nodes));
        let derived = routing.map(|routing| {
            let mut transit = Vec::new();
            let d = routing.route(r, nodes, &mut transit);
            found.extend(crate::azure::routing::findings(routing, &d, &transit, r, &path, nodes));
            d
        });
        out.push(CompiledRoute {
            name: r.name.clone(),
            model,
            model_without_auth,
            cost: super::cost::plan(spec, r, nodes, links, workload, &hops),
            hops,
            findings: found,
            certificates: dated(r, nodes),
            derived,
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

/// The message for a node named twice in a row in a list of hops: the
/// fix is to name it once, not to link it to itself.
fn repeated(name: &str) -> String {
    format!(
        "'{name}' is repeated: a hop goes from one node to the next, so name each node once per visit; remove the second '{name}'"
    )
}

/// Nodes exist, no node follows itself, consecutive nodes are linked, and
/// a client starts the path and only there.
pub(crate) fn check_path(
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
            if prev == name {
                return Err(Invalid::new(&npath, repeated(name)));
            }
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
    let first = &r.path[0];
    if nodes[first].kind != Kind::Client {
        let clients: Vec<&str> =
            nodes.iter().filter(|(_, n)| n.kind == Kind::Client).map(|(k, _)| k.as_str()).collect();
        let fix = if clients.is_empty() {
            format!("add a node {{\"kind\": \"client\"}}, link it to '{first}' and put it first")
        } else {
            format!("put a client first (here: {}), linked to '{first}'", clients.join(", "))
        };
        return Err(Invalid::new(
            index_path(&ppath, 0),
            format!(
                "a route starts at a client, where requests originate (and the first TLS connection opens), but '{first}' is {} {}: {fix}",
                a_or_an(nodes[first].kind.name()),
                nodes[first].kind.name()
            ),
        ));
    }
    Ok(())
}

/// A return path starts at the destination, ends at the origin, and follows
/// links.
pub(crate) fn check_return_path(
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
        if k > 0 && back[k - 1] == *name {
            return Err(Invalid::new(&npath, repeated(name)));
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

/// A nested call is answered by the kind of node it is for (an identity
/// provider for token exchanges, JWKS fetches and protocol transition,
/// Microsoft Graph for group lookups, a domain controller for Kerberos
/// delegation): its `via` ends at one.
fn check_call_callee(call: &Call, nodes: &BTreeMap<String, NodeModel>) -> Result<(), Invalid> {
    let Some(last) = call.via.last() else { return Ok(()) };
    let kind = nodes[last].kind;
    if kind == call.callee {
        return Ok(());
    }
    let want = call.callee.name();
    let callees: Vec<&str> =
        nodes.iter().filter(|(_, n)| n.kind == call.callee).map(|(k, _)| k.as_str()).collect();
    let fix = if callees.is_empty() {
        format!("add a node {{\"kind\": \"{want}\"}}, link it to the last hop and name it last")
    } else {
        format!(
            "name the {} last (here: {}), linked to the hop before it",
            want.replace('_', " "),
            callees.join(", ")
        )
    };
    Err(Invalid::new(
        index_path(&call.via_path, call.via.len() - 1),
        format!(
            "the {} call ends at '{last}', {} {}, but only {} {} answers it: {fix}",
            call.name,
            a_or_an(kind.name()),
            kind.name(),
            a_or_an(want),
            want.replace('_', " "),
        ),
    ))
}

/// The model of one route alone.
pub(crate) fn build(
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
pub(crate) struct Ids {
    stations: BTreeMap<String, StationId>,
    links: BTreeMap<(String, String), LinkId>,
    /// Connection pools by (proxy, authority).
    pools: BTreeMap<(String, String), PoolId>,
}

/// Adds route `r` to `b`, with the stations and links it uses that `ids`
/// does not hold yet.
pub(crate) fn add_route(
    b: &mut sim_core::ModelBuilder,
    ids: &mut Ids,
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    workload: &Workload,
) -> Result<(), Invalid> {
    let Ids { stations, links: used_links, pools } = ids;
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
    let serves = path_serves(r, nodes, links);
    let rules = traversal_rules(r, "", nodes).expect("checked when the route compiled alone");
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
            route.station_serving(station_id(b, name), serves[j])
        };
        for call in &node.calls {
            let mut d = Detour::new(&call.name, call.probability)
                .with_bytes(call.bytes.0, call.bytes.1)
                .with_failure_probability(call.failure_probability);
            if let Some(ms) = call.callee_service_ms {
                let law = Dist::constant(ms * 1e6).expect("a catalog figure is finite");
                d = d.with_callee_service(law);
            }
            if let Some(r) = call.retry {
                d = d.with_retry(r);
            }
            if let Some(t) = call.timeout_ms.and_then(SimDuration::from_millis_f64) {
                d = d.with_timeout(t);
            }
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
                if prev == hop {
                    return Err(Invalid::new(&hpath, repeated(hop)));
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
            check_call_callee(call, nodes)?;
            route = route.detour(d);
        }
        if let Some(t) = node.user_token.as_ref().filter(|t| t.forwarded) {
            // The token APIM passes on rides in every request after it.
            route = route.add_request_bytes(t.mean_bytes);
        }
        if let Some(seg) = segs.iter().find(|s| s.initiator == j) {
            if let Some(tokens) = node.backend_connections {
                // One pool per HTTP authority: this node's connections to
                // the terminator, shared by every route that opens them. An
                // inspecting firewall ends the connection but is not the
                // authority: the server behind it is.
                let mut end = seg.terminator;
                while inspects(r, nodes, end) {
                    match segs.iter().find(|s| s.initiator == end) {
                        Some(next) => end = next.terminator,
                        None => break,
                    }
                }
                let authority = &r.path[end];
                let key = (name.clone(), authority.clone());
                let id = *pools.entry(key).or_insert_with(|| {
                    let tokens = std::num::NonZeroU32::new(tokens).expect("counts are at least 1");
                    b.pool(Pool::new(format!("{name} → {authority} connections"), tokens))
                });
                route = route.hold(id);
            }
            let init = initiator_at(r, nodes, seg.initiator).expect("segments start at initiators");
            let term =
                terminator_at(r, nodes, seg.terminator).expect("segments end at terminators");
            let h = handshake(r, nodes, links, *seg, &rules);
            // A client certificate: the initiator's signature delays the
            // handshake, the terminator's verification is CPU there.
            let (sign_ms, verify_ms) = mutual_tls(init, term)
                .map_or((0.0, 0.0), |m| (m.sign_ms + m.extra_rtts * h.rtt_ms, m.verify_ms));
            let delay_ns = (h.ms() + sign_ms) * 1e6;
            let setup = Setup::new(
                1.0 - connection_reuse(r, nodes, &segs, *seg),
                Dist::constant(delay_ns).expect("finite"),
            )
            .with_terminator_cpu(
                seg.terminator,
                Dist::constant((term.handshake_cpu_ms + verify_ms) * 1e6).expect("finite"),
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
            // A VNet gateway serves the response if it enters from the
            // side the gateway serves (see `gateway_serves_message`).
            let served = k + 1 == back.len()
                || gateway_serves_message(name, &back[k - 1], &back[k + 1..], nodes, links);
            if nodes[name].kind != Kind::Client && served {
                legs.push(Leg::Station(station_id(b, name)));
            }
        }
        route = route.with_return_path(legs);
    }
    b.route(route);
    Ok(())
}
