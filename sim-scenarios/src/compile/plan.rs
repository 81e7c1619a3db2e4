//! The hop plan `explain` prints: each node's role, static latency floor,
//! capacity, connections and calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::azure::catalog::value;
use crate::azure::network::{LinkMap, link_mean_ms, mean_ms};
use crate::azure::tls::{TlsVersion, rtt_ms, segments};
use crate::azure::{Kind, NodeModel};
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
    /// Its capacity.
    pub capacity: String,
    /// The connection it may open before passing a request on.
    pub new_connection: Option<String>,
    /// Nested calls it makes.
    pub calls: Vec<String>,
    /// For a node that is an input (a backend: the user's API), what it
    /// is: "input: your API, not an Azure figure", the fields that took
    /// the catalog's estimate, and its `description`.
    #[serde(default)]
    pub input: Option<String>,
}

pub(crate) fn plan(
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
                        TlsVersion::V12 => "1.2",
                        TlsVersion::V13 => "1.3",
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
                input: node.input.as_ref().map(|n| n.label()),
            }
        })
        .collect()
}
