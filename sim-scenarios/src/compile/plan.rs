//! The hop plan `explain` prints: each node's role, static latency floor,
//! capacity, connections and calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_core::{Dist, Station, Workload};

use crate::azure::catalog::value;
use crate::azure::components::CuMeter;
use crate::azure::network::{LinkMap, link_mean_ms, mean_ms, unordered};
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
    /// service at the node, its per-byte and per-packet cost at the mean
    /// message size (both directions on a round trip), plus the mean
    /// latency of the link to the next node and its serialisation of the
    /// mean message at its bandwidth. What a request pays at zero load
    /// without new connections or nested calls.
    pub floor_ms: f64,
    /// Its capacity.
    pub capacity: String,
    /// The connection it may open before passing a request on.
    pub new_connection: Option<String>,
    /// Nested calls it makes.
    pub calls: Vec<String>,
    /// An Application Gateway's capacity-unit meter at the route's load;
    /// `None` for every other kind.
    #[serde(default)]
    pub meter: Option<MeterPlan>,
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
    let last = r.path.len() - 1;
    let floors: Vec<f64> = (0..r.path.len())
        .map(|j| {
            let both = round_trip && j < last;
            let station_ms = nodes[&r.path[j]].station.as_ref().map_or(0.0, |s| {
                let req = mean_ms(s.delay_ns()) + mean_ms(Some(s.service_ns())) + size_ms(s, req_b);
                let resp = mean_ms(s.response_delay_ns())
                    + mean_ms(Some(s.response_service_ns()))
                    + size_ms(s, resp_b);
                req + if both { resp } else { 0.0 }
            });
            let link_ms = if j < last {
                let (a, b) = (&r.path[j], &r.path[j + 1]);
                // Serialisation at the link's bandwidth, of the mean message.
                let per_byte_ms = links
                    .get(&unordered(a, b))
                    .and_then(|l| l.link.bandwidth_bps())
                    .map_or(0.0, |bps| 8e3 / bps);
                let there = link_mean_ms(links, a, b) + req_b * per_byte_ms;
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
                floor_ms: floors[j],
                capacity: node.capacity.clone(),
                new_connection,
                calls: node
                    .calls
                    .iter()
                    .map(|c| format!("{} via {} with probability {:.4}", c.name, c.via.join(" → "), c.probability))
                    .collect(),
                // Once per gateway: its first hop meters every visit.
                meter: node.meter.as_ref().filter(|_| !r.path[..j].contains(name)).map(|m| {
                    meter(m, r, nodes, &segs, j, rate, &floors, req_b + if round_trip { resp_b } else { 0.0 })
                }),
            }
        })
        .collect()
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
        .filter_map(|s| nodes[&r.path[s.initiator]].initiator.as_ref())
        .map(|i| rate * (1.0 - i.connection_reuse))
        .sum();
    // Little's law: a request holds its connection from this hop until its
    // response has left it, at least the floor from here on.
    let in_flight = rate * floors[j..].iter().sum::<f64>() / 1e3;
    MeterPlan::new(m, rate * visits, new_conns, in_flight, rate * visits * bytes * 8.0 / 1e6)
}
