//! The hop plan `explain` prints: each node's role, static latency floor,
//! capacity, connections and calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_core::{Dist, Serves, Station, Workload};

use crate::azure::catalog::value;
use crate::azure::cert_checks::mutual_tls;
use crate::azure::components::CuMeter;
use crate::azure::network::{LinkMap, link_mean_ms, mean_ms, path_serves, unordered};
use crate::azure::tls::{
    Handshake, Segment, TlsVersion, connection_reuse, handshake, initiator_at, inspects, segments,
    terminator_at, traversal_rules,
};
use crate::azure::{FirewallRule, Kind, NodeModel};
use crate::file::json::fmt_num;
use crate::file::spec::RouteSpec;

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
    /// service at the node, its per-byte and per-packet cost at the mean
    /// message size (both directions on a round trip), plus the mean
    /// latency of the link to the next node and its serialisation of the
    /// mean message at its bandwidth. What a request pays at zero load
    /// without new connections or nested calls.
    pub floor_ms: f64,
    /// Its capacity (for APIM with its effective capacity on this route).
    pub capacity: String,
    /// Requests/s its servers deliver on this route at the busy share its
    /// nominal capacity is quoted at, given the mean CPU per request here
    /// (handshakes of new connections and policies included); only for
    /// kinds with a nominal figure (APIM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_capacity_per_s: Option<f64>,
    /// The connection it may open before passing a request on.
    pub new_connection: Option<String>,
    /// Nested calls it makes.
    pub calls: Vec<String>,
    /// For APIM with `policies.user_token`: the end user's token (its
    /// size, groups, group overage and whether it is forwarded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The largest request header the node accepts and where the figure
    /// comes from; `None` when not given (not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_header: Option<String>,
    /// For an Azure Firewall whose packet rate is the catalog's estimate
    /// (no packets/s or connections/s limit is published), at its first
    /// traversal: the request rate \[1/s\] at which it saturates on this
    /// route under the model's assumptions, all its traversals counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpublished_limit_per_s: Option<f64>,
    /// An Application Gateway's capacity-unit meter at the route's load;
    /// `None` for every other kind.
    #[serde(default)]
    pub meter: Option<MeterPlan>,
    /// For a node that is an input (a backend: the user's API), what it
    /// is: "input: your API, not an Azure figure", the fields that took
    /// the catalog's estimate, and its `description`.
    #[serde(default)]
    pub input: Option<String>,
}

/// What `explain` and the run's warning say about an Azure Firewall with
/// no published per-request limit ([`HopPlan::unpublished_limit_per_s`]),
/// given where it saturates and the offered rate \[1/s\].
pub fn limit_note(firewall: &str, saturates_per_s: f64, offered_per_s: f64) -> String {
    format!(
        "Azure Firewall '{firewall}' has no published per-request limit (packets/s, connections/s, CPU), so it is limited here only by the model's estimate (every packet costs an instance 1 / packets_per_s_per_instance, EST: its throughput in 1,500-byte packets): it would saturate near {} req/s on this route (offered {} req/s); a real firewall may saturate earlier on CPU or its connection table, and scales out at 60 % (not modelled): give nodes.{firewall}.packets_per_s_per_instance from a measurement",
        fmt_num(saturates_per_s.round()),
        fmt_num(offered_per_s)
    )
}

/// Time an instance spends on a message of the mean size \[ns\] (as the
/// engine rounds a constant size; a random size is taken at its mean).
fn cost_at_mean(st: &Station, size: &sim_core::Dist) -> f64 {
    st.size_cost_ns(size.mean().unwrap_or(0.0).round() as u64) as f64
}

/// The request rate \[1/s\] at which firewall `name` saturates on route
/// `r`: its instances over the work one request brings it (every request,
/// response and nested-call traversal, each at its mean size).
fn saturation_per_s(
    name: &str,
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    workload: &Workload,
) -> Option<f64> {
    let st = nodes[name].station.as_ref()?;
    let servers = f64::from(st.servers().count()?);
    let here = |p: &[String]| p.iter().filter(|n| *n == name).count() as f64;
    let (req, resp) =
        (cost_at_mean(st, workload.request_bytes()), cost_at_mean(st, workload.response_bytes()));
    let mut work = here(&r.path) * req;
    if workload.is_round_trip() {
        work += here(r.return_path.as_deref().unwrap_or(&r.path)) * resp;
    }
    for n in &r.path {
        for c in &nodes[n].calls {
            let per = (st.size_cost_ns(c.bytes.0) + st.size_cost_ns(c.bytes.1)) as f64;
            work += c.probability * here(&c.via) * per;
        }
    }
    (work > 0.0).then(|| servers * 1e9 / work)
}

/// How a new connection's handshake reads in `explain`.
fn handshake_text(r: &RouteSpec, h: &Handshake) -> String {
    let tcp_rtts = value("tcp.handshake_rtts");
    if !h.is_proxied() {
        return format!("{} RTT of {:.3} ms = {:.3} ms", h.round_trips(), h.rtt_ms, h.ms());
    }
    let legs: Vec<String> = h
        .tcp
        .iter()
        .map(|(a, b, rtt)| {
            format!("TCP {tcp_rtts} RTT of {rtt:.3} ms {} → {}", r.path[*a], r.path[*b])
        })
        .collect();
    format!(
        "{} + TLS {} RTT of {:.3} ms end to end = {} RTT, {:.3} ms; TCP proxied by application rules",
        legs.join(" + "),
        h.tls_rtts,
        h.rtt_ms,
        h.round_trips(),
        h.ms()
    )
}

/// What an Application Gateway's capacity-unit meter asks for at a route's
/// load (S30: the dimension with the highest use sets the CUs), against
/// what the run simulates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeterPlan {
    /// Compute units: new TLS connections/s over the certificate key's
    /// rate per CU, plus (WAF_v2) requests/s over 10 per CU.
    pub compute_cu: f64,
    /// Connection units: requests in flight through the gateway (Little's
    /// law with the route's floor from this hop on, a lower bound on the
    /// persistent connections) over 2,500 per CU. Metered, not queued.
    pub connections_cu: f64,
    /// Throughput units: request and response Mbit/s over 2.22 per CU.
    pub throughput_cu: f64,
    /// The CUs asked for: the largest of the three.
    pub demand_cu: f64,
    /// Instances that guarantee them: CU ÷ 10, rounded up (S31).
    pub instances_asked: u32,
    /// Instances the run simulates (manual count, or autoscale's minimum).
    pub instances: u32,
    /// CUs one instance delivers in the run (EST unless the file sets it).
    pub ceiling_cu: f64,
    /// Autoscale's largest count; `None` for manual scale.
    pub autoscale_max: Option<u32>,
    /// The sentence `explain` and the run's warnings print.
    pub note: String,
}

impl MeterPlan {
    /// Whether the meter asks for more instances than the run simulates.
    pub fn exceeds_instances(&self) -> bool {
        self.instances_asked > self.instances
    }

    fn new(
        m: &CuMeter,
        requests_per_s: f64,
        new_conns_per_s: f64,
        in_flight: f64,
        mbps: f64,
    ) -> Self {
        let d = m.demand(requests_per_s, new_conns_per_s, in_flight, mbps);
        let (demand_cu, asked) = (d.cu(), d.instances());
        let pool = f64::from(m.instances) * m.ceiling_cu;
        let mut note = format!(
            "the meter asks for {} CU = {asked} instance{} at this load (compute {}, connections at least {}, throughput {} CU: the largest counts; instances = CU ÷ {} guaranteed each); simulated: {} × {} CU ceiling ({}) = {} CU",
            fmt_num(round3(demand_cu)),
            if asked == 1 { "" } else { "s" },
            fmt_num(round3(d.compute_cu)),
            fmt_num(round3(d.connections_cu)),
            fmt_num(round3(d.throughput_cu)),
            fmt_num(value("app_gateway.cu_per_instance")),
            m.instances,
            fmt_num(m.ceiling_cu),
            m.ceiling_source,
            fmt_num(pool),
        );
        if asked > m.instances {
            match m.autoscale_max {
                Some(top) => {
                    note.push_str(&format!(
                        "; autoscale would add {} after its scale-out delay of {}-{} min, not simulated: the run holds min_instances {}",
                        asked.min(top) - m.instances,
                        fmt_num(value("app_gateway.scale_out_delay_min_min")),
                        fmt_num(value("app_gateway.scale_out_delay_max_min")),
                        m.instances
                    ));
                    if asked > top {
                        note.push_str(&format!(", and it needs more than max_instances {top}"));
                    }
                }
                None => note.push_str(&format!(
                    "; manual scale adds none: set instances to at least {asked}, or the run rests on the ceiling beyond the guaranteed {} CU",
                    fmt_num(f64::from(m.instances) * value("app_gateway.cu_per_instance"))
                )),
            }
        }
        if demand_cu >= pool {
            note.push_str("; the simulated pool cannot carry this load: the gateway saturates");
        }
        MeterPlan {
            compute_cu: d.compute_cu,
            connections_cu: d.connections_cu,
            throughput_cu: d.throughput_cu,
            demand_cu,
            instances_asked: asked,
            instances: m.instances,
            ceiling_cu: m.ceiling_cu,
            autoscale_max: m.autoscale_max,
            note,
        }
    }
}

/// `x` to three decimals, for a sentence.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Mean of a size law \[bytes\] (0 when it has none).
fn mean_bytes(d: &Dist) -> f64 {
    d.mean().unwrap_or(0.0)
}

/// A station's size cost for a message of the mean size \[ms\], as the
/// engine charges it (exact per byte; per packet, at the mean size).
fn size_ms(s: &Station, bytes: f64) -> f64 {
    s.size_cost_ns(bytes.round() as u64) as f64 / 1e6
}

pub(crate) fn plan(
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    workload: &Workload,
) -> Vec<HopPlan> {
    let round_trip = workload.is_round_trip();
    let (req_b, resp_b) =
        (mean_bytes(workload.request_bytes()), mean_bytes(workload.response_bytes()));
    let segs = segments(r, nodes);
    let serves = path_serves(r, nodes, links);
    let rules = traversal_rules(r, "", nodes).expect("checked when the route compiled");
    let last = r.path.len() - 1;
    // Bytes the request carries past hop j beyond its own: the token each
    // APIM before it (itself included) forwards.
    let added = |j: usize| -> f64 {
        r.path[..=j]
            .iter()
            .filter_map(|n| nodes[n].user_token.as_ref().filter(|t| t.forwarded))
            .map(|t| t.mean_bytes as f64)
            .sum()
    };
    let floors: Vec<f64> = (0..r.path.len())
        .map(|j| {
            let both = round_trip && j < last;
            let req_here = req_b + if j > 0 { added(j - 1) } else { 0.0 };
            let station_ms = nodes[&r.path[j]].station.as_ref().map_or(0.0, |s| {
                let req =
                    mean_ms(s.delay_ns()) + mean_ms(Some(s.service_ns())) + size_ms(s, req_here);
                let resp = mean_ms(s.response_delay_ns())
                    + mean_ms(Some(s.response_service_ns()))
                    + size_ms(s, resp_b);
                // A direction the station does not serve walks past it free.
                let on = |served: bool, ms: f64| if served { ms } else { 0.0 };
                on(serves[j].has_requests(), req) + on(both && serves[j].has_responses(), resp)
            });
            let link_ms = if j < last {
                let (a, b) = (&r.path[j], &r.path[j + 1]);
                // Serialisation at the link's bandwidth, of the mean message.
                let per_byte_ms = links
                    .get(&unordered(a, b))
                    .and_then(|l| l.link.bandwidth_bps())
                    .map_or(0.0, |bps| 8e3 / bps);
                let there = link_mean_ms(links, a, b) + (req_b + added(j)) * per_byte_ms;
                let back = link_mean_ms(links, a, b) + resp_b * per_byte_ms;
                there + if round_trip { back } else { 0.0 }
            } else {
                0.0
            };
            station_ms + link_ms
        })
        .collect();
    let rate = workload.arrivals().mean_rate_per_s();
    r.path
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let node = &nodes[name];
            let both = round_trip && j < last;
            let inspected = node.inspection.as_ref().filter(|_| inspects(r, nodes, j));
            let connection = match (&node.terminator, node.kind, rules[j]) {
                (_, Kind::Client, _) => "origin".to_string(),
                _ if inspected.is_some() => {
                    let i = inspected.expect("checked");
                    format!(
                        "inspects TLS (application rules, Premium): terminates the client's TCP+TLS with a certificate it generates from CA '{}' (issued by '{}') and opens its own TCP+TLS to the next terminator, SNAT",
                        i.terminator.certificate_ca, i.root_ca
                    )
                }
                (Some(t), _, _) => format!(
                    "terminates TCP+TLS (certificate from CA '{}', TLS {})",
                    t.certificate_ca,
                    match t.tls_version {
                        TlsVersion::V12 => "1.2",
                        TlsVersion::V13 => "1.3",
                    }
                ),
                (None, Kind::VnetGateway, _) => format!(
                    "passes TCP/TLS through; {}",
                    match serves[j] {
                        Serves::Both => "serves both directions",
                        Serves::Requests => "serves requests only (responses bypass it)",
                        Serves::Responses => "serves responses only (requests bypass it)",
                        Serves::Neither => "bypassed both ways (FastPath, or no on-premises side)",
                    }
                ),
                (None, _, Some(FirewallRule::Application)) => {
                    "proxies TCP (application rules: a transparent proxy ends TCP and opens a new connection, SNAT: the next hop sees the firewall's address); passes TLS through (SNI)".to_string()
                }
                (None, _, Some(FirewallRule::Network)) if node.inspection.is_some() => {
                    "passes TCP/TLS through (network rules: TLS inspection is an opt-in of application rules, so this traversal is not inspected)".to_string()
                }
                (None, _, Some(FirewallRule::Network)) => {
                    "passes TCP/TLS through (network rules)".to_string()
                }
                (None, _, None) => "passes TCP/TLS through".to_string(),
            };
            let new_connection = segs.iter().find(|s| s.initiator == j).map(|s| {
                let reuse = connection_reuse(r, nodes, &segs, *s);
                let term = terminator_at(r, nodes, s.terminator).expect("terminator");
                let h = handshake(r, nodes, links, *s, &rules);
                let init = initiator_at(r, nodes, s.initiator).expect("initiator");
                let mtls = mutual_tls(init, term).map_or(String::new(), |m| {
                    format!(
                        "; client certificate: + {:.3} ms to sign here ({} RTT more), + {:.3} ms CPU to verify there",
                        m.sign_ms + m.extra_rtts * h.rtt_ms,
                        m.extra_rtts,
                        m.verify_ms
                    )
                });
                format!(
                    "to {} ({}, + {:.3} ms CPU there{mtls}) with probability {:.2}",
                    r.path[s.terminator],
                    handshake_text(r, &h),
                    term.handshake_cpu_ms,
                    1.0 - reuse
                )
            });
            let effective = effective_capacity(r, nodes, &segs, j, both);
            let capacity = match (effective, node.nominal_per_s) {
                (Some((eff, cpu_ms, handshake_ms)), Some((nominal, busy))) => format!(
                    "{}; effective on this route {} requests/s at {} % busy (nominal {}), saturating at {}: {:.3} ms CPU per request, {:.3} ms of it new client connections",
                    node.capacity,
                    fmt_num(eff.round()),
                    fmt_num(busy * 100.0),
                    fmt_num(nominal),
                    fmt_num((eff / busy).round()),
                    cpu_ms,
                    handshake_ms
                ),
                _ => node.capacity.clone(),
            };
            let first_visit = r.path.iter().position(|n| n == name) == Some(j);
            let unpublished_limit_per_s = node
                .firewall
                .filter(|f| first_visit && !f.packets_per_s_published)
                .and_then(|_| saturation_per_s(name, r, nodes, workload));
            HopPlan {
                node: name.clone(),
                kind: node.kind.name().to_string(),
                connection,
                floor_ms: floors[j],
                capacity: match links.get(&unordered(name, r.path.get(j + 1).unwrap_or(name))) {
                    Some(l) if j < last && l.default_bandwidth.is_some() => {
                        let (key, mbps) = l.default_bandwidth.expect("checked");
                        format!(
                            "{capacity}; link to {}: {} Mbit/s (catalog default {key}; give bandwidth_mbps)",
                            r.path[j + 1],
                            fmt_num(mbps)
                        )
                    }
                    _ => capacity,
                },
                effective_capacity_per_s: effective.map(|(eff, ..)| eff),
                new_connection,
                calls: node
                    .calls
                    .iter()
                    .map(|c| call_plan(c, nodes))
                    .collect(),
                token: node.user_token.as_ref().map(|t| t.describe()),
                max_header: node
                    .max_header_bytes
                    .as_ref()
                    .map(|(b, source)| format!("at most {b} bytes per request header ({source})")),
                unpublished_limit_per_s,
                // Once per gateway: its first hop meters every visit.
                meter: node.meter.as_ref().filter(|_| !r.path[..j].contains(name)).map(|m| {
                    meter(m, r, nodes, &segs, j, rate, &floors, req_b + if round_trip { resp_b } else { 0.0 })
                }),
                input: node.input.as_ref().map(|n| n.label()),
            }
        })
        .collect()
}

/// The effective capacity of hop `j` on route `r` for a node with a
/// nominal figure: (requests/s at the nominal busy share, mean CPU per
/// request \[ms\], of which handshakes \[ms\]). The CPU is the station's mean
/// request service (with policies), its response service on a round trip
/// (`both`), and the handshake CPU of the new connections the previous
/// initiator opens to it (1 − its connection reuse, times the terminator's
/// CPU per handshake). `None` for other nodes.
fn effective_capacity(
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    segs: &[Segment],
    j: usize,
    both: bool,
) -> Option<(f64, f64, f64)> {
    let node = &nodes[&r.path[j]];
    let (_, busy) = node.nominal_per_s?;
    let station = node.station.as_ref()?;
    let servers = f64::from(station.servers().count()?);
    let handshake_ms = segs
        .iter()
        .find(|s| s.terminator == j)
        .and_then(|s| {
            let init = initiator_at(r, nodes, s.initiator)?;
            let term = terminator_at(r, nodes, j)?;
            let verify_ms = mutual_tls(init, term).map_or(0.0, |m| m.verify_ms);
            Some((1.0 - connection_reuse(r, nodes, segs, *s)) * (term.handshake_cpu_ms + verify_ms))
        })
        .unwrap_or(0.0);
    let response_ms = if both { mean_ms(Some(station.response_service_ns())) } else { 0.0 };
    let cpu_ms = mean_ms(Some(station.service_ns())) + response_ms + handshake_ms;
    Some((busy * servers * 1000.0 / cpu_ms, cpu_ms, handshake_ms))
}

/// The meter of the Application Gateway at hop `j`, at `rate` requests/s
/// of `bytes` (request and response) each: every visit of the route to the
/// gateway counts, and so does every connection the route opens to it.
#[allow(clippy::too_many_arguments)]
fn meter(
    m: &CuMeter,
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    segs: &[Segment],
    j: usize,
    rate: f64,
    floors: &[f64],
    bytes: f64,
) -> MeterPlan {
    let name = &r.path[j];
    let visits = r.path.iter().filter(|n| *n == name).count() as f64;
    let new_conns: f64 = segs
        .iter()
        .filter(|s| r.path[s.terminator] == *name)
        .map(|s| rate * (1.0 - connection_reuse(r, nodes, segs, *s)))
        .sum();
    // Little's law: a request holds its connection from this hop until its
    // response has left it, at least the floor from here on.
    let in_flight = rate * floors[j..].iter().sum::<f64>() / 1e3;
    MeterPlan::new(m, rate * visits, new_conns, in_flight, rate * visits * bytes * 8.0 / 1e6)
}

/// A nested call as `explain` prints it: its path and probability, then
/// what answers it (the callee's capacity: an identity provider's rate
/// limit, estimated or published) and what the caller does when an attempt
/// fails (retry, failure probability, timeout).
fn call_plan(c: &crate::azure::Call, nodes: &BTreeMap<String, NodeModel>) -> String {
    let mut s =
        format!("{} via {} with probability {:.4}", c.name, c.via.join(" → "), c.probability);
    if let Some(note) = &c.note {
        s += &format!(" ({note})");
    }
    if let Some(callee) = c.via.last().and_then(|n| nodes.get(n)) {
        s += &format!("; {}: {}", c.via.last().map_or("", String::as_str), callee.capacity);
    }
    s += &match c.retry {
        Some(r) => format!(
            "; a failed attempt is retried up to {} times, {} s apart{}",
            r.retries(),
            crate::file::json::fmt_num(r.interval().as_nanos() as f64 / 1e9),
            if r.honours_retry_after() { " (after a 429: its Retry-After)" } else { "" }
        ),
        None => "; no retry: a failed attempt fails the request".into(),
    };
    if c.failure_probability > 0.0 {
        s += &format!("; an attempt fails with probability {}", c.failure_probability);
    }
    if let Some(t) = c.timeout_ms {
        s += &format!(
            "; the caller gives up on an attempt after {} ms",
            crate::file::json::fmt_num(t)
        );
    }
    s
}
