//! The hop plan `explain` prints: each node's role, static latency floor,
//! capacity, connections and calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_core::Serves;

use crate::azure::catalog::value;
use crate::azure::network::{LinkMap, link_mean_ms, mean_ms, path_serves, unordered};
use crate::azure::tls::{Segment, TlsVersion, rtt_ms, segments};
use crate::azure::{Kind, NodeModel};
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
    /// service at the node (both directions on a round trip) plus the mean
    /// latency of the link to the next node.
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
}

pub(crate) fn plan(
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    round_trip: bool,
) -> Vec<HopPlan> {
    let segs = segments(r, nodes);
    let serves = path_serves(r, nodes, links);
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
                let on = |served: bool, ms: f64| if served { ms } else { 0.0 };
                on(serves[j].has_requests(), req) + on(both && serves[j].has_responses(), resp)
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
                        TlsVersion::V12 => "1.2",
                        TlsVersion::V13 => "1.3",
                    }
                ),
                (None, Kind::VnetGateway) => format!(
                    "passes TCP/TLS through; {}",
                    match serves[j] {
                        Serves::Both => "serves both directions",
                        Serves::Requests => "serves requests only (responses bypass it)",
                        Serves::Responses => "serves responses only (requests bypass it)",
                        Serves::Neither => "bypassed both ways (FastPath, or no on-premises side)",
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
            HopPlan {
                node: name.clone(),
                kind: node.kind.name().to_string(),
                connection,
                floor_ms: station_ms + link_ms,
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
                    .map(|c| format!("{} via {} with probability {:.4}", c.name, c.via.join(" → "), c.probability))
                    .collect(),
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
            let init = nodes[&r.path[s.initiator]].initiator.as_ref()?;
            let term = node.terminator.as_ref()?;
            Some((1.0 - init.connection_reuse) * term.handshake_cpu_ms)
        })
        .unwrap_or(0.0);
    let response_ms = if both { mean_ms(Some(station.response_service_ns())) } else { 0.0 };
    let cpu_ms = mean_ms(Some(station.service_ns())) + response_ms + handshake_ms;
    Some((busy * servers * 1000.0 / cpu_ms, cpu_ms, handshake_ms))
}
