//! What a route costs to run, from the catalog's prices (issue 16): the
//! billing meters each component and link of the route has, each as a
//! fixed charge per hour at the route's configuration or a charge per
//! request from the bytes it moves. The run's report multiplies them by the
//! measured throughput (`report/cost.rs`).
//!
//! The meters, per route (`docs/design.md`, "Cost"):
//!
//! - Azure Firewall: deployment hours by SKU, plus data processed: the mean
//!   request and response bytes at **every traversal** (a route that
//!   crosses the firewall twice pays twice), nested calls through it
//!   included (a token exchange's bytes, times its probability).
//! - API Management: units × the tier's unit-month price ÷ 730 h.
//! - Application Gateway v2: the gateway-hour plus capacity-unit hours: the
//!   CUs its meter asks for at the route's load, at least 10 per instance
//!   kept (S30's rule for reserved instances).
//! - VPN and ExpressRoute gateways: gateway-hours by SKU (ErGwScale: scale
//!   unit-hours).
//! - VNet peering (`network: peering` or `global_peering`): every crossing
//!   of the link pays egress at the sending end and ingress at the receiving
//!   end, requests and responses alike.
//! - ExpressRoute: on a gateway with `data_plan: metered`, the bytes that
//!   leave Azure through the circuit (VNet to on-premises); ingress and the
//!   unlimited plan are free. The circuit's monthly port fee is not
//!   modelled (the same for every route over one circuit).
//!
//! Bytes are the workload's mean sizes (the laws' means), so the charge per
//! request is exact for the model and does not depend on the seed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_core::Workload;

use crate::azure::catalog::{self, HOURS_PER_MONTH, value};
use crate::azure::network::{LinkMap, unordered};
use crate::azure::{Kind, NodeModel};
use crate::compile::plan::HopPlan;
use crate::error::Invalid;
use crate::file::limits::PRICE_USD;
use crate::file::spec::{NetworkKind, RouteSpec, ScenarioSpec};

/// One billing meter of a route: a component's (or a link's) charge, fixed
/// per hour or per request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostLine {
    /// The node, or the link as `a<->b`, that is charged.
    pub component: String,
    /// What is metered, in words (`deployment hours`, `data processed, 2
    /// traversals`, …).
    pub meter: String,
    /// The catalog keys of the prices it uses.
    pub prices: Vec<String>,
    /// The fixed charge at the route's configuration \[USD/h\]; 0 for a
    /// data meter.
    pub usd_per_h: f64,
    /// The charge per request \[USD\]; 0 for a fixed meter.
    pub usd_per_request: f64,
    /// Bytes per request through the component: what a data meter charges
    /// for, and how a shared component's fixed charge is split between the
    /// routes of a `mix` (by bytes).
    pub bytes_per_request: f64,
}

/// Every billing meter of one route, in path order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CostPlan {
    /// The meters; a component with two meters (a fixed and a data charge)
    /// has two lines.
    pub lines: Vec<CostLine>,
}

impl CostPlan {
    /// The fixed charges summed \[USD/h\].
    pub fn usd_per_h(&self) -> f64 {
        self.lines.iter().map(|l| l.usd_per_h).sum::<f64>() + 0.0
    }

    /// The charges per request summed \[USD\].
    pub fn usd_per_request(&self) -> f64 {
        self.lines.iter().map(|l| l.usd_per_request).sum::<f64>() + 0.0
    }
}

/// The scenario's `prices` as catalog values (key, USD), checked: each key
/// names a price of the catalog and each value is a number in the limit
/// table's range.
///
/// # Errors
///
/// Names `prices.KEY` and says what is wrong: not a price (with the list's
/// command), not a number, out of range.
pub(crate) fn overrides(spec: &ScenarioSpec) -> Result<Vec<(&'static str, f64)>, Invalid> {
    let mut flat = Vec::new();
    if let Some(prices) = &spec.prices {
        flatten("", prices, &mut flat);
    }
    flat.into_iter()
        .map(|(key, v)| {
            let path = format!("prices.{key}");
            let figure = catalog::FIGURES.iter().find(|f| f.key == key && f.is_price());
            let Some(figure) = figure else {
                return Err(Invalid::new(
                    path,
                    "no such price; `aznetsim catalog --prices` lists the keys (e.g. azure_firewall.standard.data_price_usd_per_gb)",
                ));
            };
            let Some(x) = v.as_f64() else {
                return Err(Invalid::new(path, format!("must be a number in {}", figure.unit)));
            };
            Ok((figure.key, PRICE_USD.check(x, path)?))
        })
        .collect()
}

/// The leaves of nested objects as dotted keys.
fn flatten(prefix: &str, map: &serde_json::Map<String, Value>, out: &mut Vec<(String, Value)>) {
    for (k, v) in map {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(inner) => flatten(&key, inner, out),
            other => out.push((key, other.clone())),
        }
    }
}

/// One crossing of a node or a link by bytes of a request.
struct Flow<'a> {
    from: &'a str,
    to: &'a str,
    bytes: f64,
}

/// The billing meters of route `r` (its hop plans `hops` give Application
/// Gateway's meter).
pub(crate) fn plan(
    spec: &ScenarioSpec,
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    workload: &Workload,
    hops: &[HopPlan],
) -> CostPlan {
    let mean = |d: &sim_core::Dist| d.mean().unwrap_or(0.0);
    let req_b = mean(workload.request_bytes());
    let resp_b = if workload.is_round_trip() { mean(workload.response_bytes()) } else { 0.0 };
    // Every link crossing with its bytes per request: the request along the
    // path, the response along the return path, each nested call there and
    // back, times its probability.
    let mut flows: Vec<Flow<'_>> = Vec::new();
    for w in r.path.windows(2) {
        flows.push(Flow { from: &w[0], to: &w[1], bytes: req_b });
    }
    if workload.is_round_trip() {
        let back: Vec<&String> = match &r.return_path {
            Some(b) => b.iter().collect(),
            None => r.path.iter().rev().collect(),
        };
        for w in back.windows(2) {
            flows.push(Flow { from: w[0], to: w[1], bytes: resp_b });
        }
    }
    for caller in &r.path {
        for c in &nodes[caller].calls {
            let walk: Vec<&str> =
                std::iter::once(caller.as_str()).chain(c.via.iter().map(String::as_str)).collect();
            for w in walk.windows(2) {
                flows.push(Flow { from: w[0], to: w[1], bytes: c.probability * c.bytes.0 as f64 });
                flows.push(Flow { from: w[1], to: w[0], bytes: c.probability * c.bytes.1 as f64 });
            }
        }
    }
    // Bytes through each node per request: what enters it (the origin's
    // requests leave it, so a node's traversals are the flows into it).
    let mut through: Vec<(&str, f64, u32)> = Vec::new();
    for f in &flows {
        match through.iter_mut().find(|(n, _, _)| *n == f.to) {
            Some(t) => {
                t.1 += f.bytes;
                t.2 += 1;
            }
            None => through.push((f.to, f.bytes, 1)),
        }
    }
    let mut lines = Vec::new();
    // Components in order of first appearance (path, then calls' nodes).
    let mut seen: Vec<&str> = Vec::new();
    for f in &flows {
        for n in [f.from, f.to] {
            if !seen.contains(&n) {
                seen.push(n);
            }
        }
    }
    for name in seen {
        let (bytes, crossings) =
            through.iter().find(|t| t.0 == name).map_or((0.0, 0), |t| (t.1, t.2));
        node_lines(spec, name, &nodes[name], bytes, crossings, r, hops, &mut lines);
    }
    link_lines(spec, nodes, links, &flows, &mut lines);
    CostPlan { lines }
}

/// A node's field in the scenario file, as a string.
fn field<'a>(spec: &'a ScenarioSpec, node: &str, key: &str) -> Option<&'a str> {
    spec.nodes.get(node)?.get(key)?.as_str()
}

/// A node's count field (`units`), or 1.
fn units(spec: &ScenarioSpec, node: &str) -> f64 {
    spec.nodes.get(node).and_then(|n| n.get("units")).and_then(Value::as_f64).unwrap_or(1.0)
}

fn fixed(
    component: &str,
    meter: String,
    prices: Vec<String>,
    usd_per_h: f64,
    bytes: f64,
) -> CostLine {
    CostLine {
        component: component.to_string(),
        meter,
        prices,
        usd_per_h,
        usd_per_request: 0.0,
        bytes_per_request: bytes,
    }
}

#[allow(clippy::too_many_arguments)]
fn node_lines(
    spec: &ScenarioSpec,
    name: &str,
    node: &NodeModel,
    bytes: f64,
    crossings: u32,
    r: &RouteSpec,
    hops: &[HopPlan],
    out: &mut Vec<CostLine>,
) {
    match node.kind {
        Kind::AzureFirewall => {
            // The SKU was checked when the node compiled.
            let sku = field(spec, name, "sku").unwrap_or("standard");
            let hour = format!("azure_firewall.{sku}.price_usd_per_h");
            let data = format!("azure_firewall.{sku}.data_price_usd_per_gb");
            out.push(fixed(
                name,
                "deployment hours".into(),
                vec![hour.clone()],
                value(&hour),
                bytes,
            ));
            let traversals = r.path.iter().filter(|n| *n == name).count();
            out.push(CostLine {
                component: name.to_string(),
                meter: format!(
                    "data processed: {} ({traversals} traversal{} by the route, each request and response, and {crossings} crossing{} with nested calls)",
                    gb_text(bytes),
                    if traversals == 1 { "" } else { "s" },
                    if crossings == 1 { "" } else { "s" },
                ),
                prices: vec![data.clone()],
                usd_per_h: 0.0,
                usd_per_request: bytes / 1e9 * value(&data),
                bytes_per_request: bytes,
            });
        }
        Kind::Apim => {
            let tier = field(spec, name, "tier").unwrap_or("developer");
            let key = format!("apim.{tier}.price_usd_per_unit_month");
            let u = units(spec, name);
            out.push(fixed(
                name,
                format!("unit-hours: {u} unit{} of tier {tier}", if u == 1.0 { "" } else { "s" }),
                vec![key.clone()],
                u * value(&key) / HOURS_PER_MONTH,
                bytes,
            ));
        }
        Kind::AppGateway => {
            let sku = field(spec, name, "sku").unwrap_or("standard_v2");
            let hour = format!("app_gateway.{sku}.price_usd_per_h");
            let cu = format!("app_gateway.{sku}.price_usd_per_cu_h");
            let meter = hops.iter().find(|h| h.node == name).and_then(|h| h.meter.as_ref());
            let (demand, instances) = meter.map_or((0.0, 1), |m| (m.demand_cu, m.instances));
            let kept = f64::from(instances) * value("app_gateway.cu_per_instance");
            let billed = demand.max(kept);
            out.push(fixed(
                name,
                format!(
                    "gateway-hours and {} CU-hours per hour (the meter's {} CU at this load, at least {kept} CU for {instances} instance{} kept)",
                    crate::file::json::fmt_num((billed * 1000.0).round() / 1000.0),
                    crate::file::json::fmt_num((demand * 1000.0).round() / 1000.0),
                    if instances == 1 { "" } else { "s" }
                ),
                vec![hour.clone(), cu.clone()],
                value(&hour) + billed * value(&cu),
                bytes,
            ));
        }
        Kind::VnetGateway => {
            let sku = field(spec, name, "sku").unwrap_or("").to_ascii_lowercase();
            let (key, per) = if field(spec, name, "gateway") == Some("vpn") {
                (format!("vpn_gateway.{sku}.price_usd_per_h"), 1.0)
            } else if sku == "ergwscale" {
                (
                    "expressroute_gateway.ergwscale.price_usd_per_unit_h".to_string(),
                    units(spec, name),
                )
            } else {
                (format!("expressroute_gateway.{sku}.price_usd_per_h"), 1.0)
            };
            let what = if per == 1.0 {
                "gateway-hours".to_string()
            } else {
                format!("scale unit-hours: {per} units")
            };
            out.push(fixed(name, what, vec![key.clone()], per * value(&key), bytes));
        }
        _ => {}
    }
}

fn link_lines(
    spec: &ScenarioSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    flows: &[Flow<'_>],
    out: &mut Vec<CostLine>,
) {
    // Links in order of first crossing, each with its bytes per request.
    let mut order: Vec<((String, String), f64, f64)> = Vec::new();
    for f in flows {
        let key = unordered(f.from, f.to);
        let Some(link) = links.get(&key) else { continue };
        // Bytes leaving Azure on an ExpressRoute circuit: from the gateway
        // (the Azure end) towards the other end.
        let egress = match link.network {
            Some(NetworkKind::Expressroute)
                if nodes[f.from].kind == Kind::VnetGateway
                    && field(spec, f.from, "data_plan") == Some("metered") =>
            {
                f.bytes
            }
            _ => 0.0,
        };
        match order.iter_mut().find(|o| o.0 == key) {
            Some(o) => {
                o.1 += f.bytes;
                o.2 += egress;
            }
            None => order.push((key, f.bytes, egress)),
        }
    }
    for ((a, b), bytes, egress) in order {
        let link = &links[&(a.clone(), b.clone())];
        let component = format!("{}<->{}", link.ends.0, link.ends.1);
        let peering = match link.network {
            Some(NetworkKind::Peering) => Some("peering"),
            Some(NetworkKind::GlobalPeering) => Some("global_peering"),
            _ => None,
        };
        if let Some(p) = peering {
            let (inb, outb) = (
                format!("network.{p}_in_price_usd_per_gb"),
                format!("network.{p}_out_price_usd_per_gb"),
            );
            out.push(CostLine {
                component,
                meter: format!(
                    "{} {}: egress at the sending end and ingress at the receiving end of every crossing",
                    gb_text(bytes),
                    p.replace('_', " ")
                ),
                usd_per_request: bytes / 1e9 * (value(&inb) + value(&outb)),
                prices: vec![outb, inb],
                usd_per_h: 0.0,
                bytes_per_request: bytes,
            });
        } else if egress > 0.0 {
            let key = "expressroute.metered_egress_price_usd_per_gb";
            out.push(CostLine {
                component,
                meter: format!(
                    "{} ExpressRoute metered egress (VNet to on-premises; ingress free)",
                    gb_text(egress)
                ),
                prices: vec![key.to_string()],
                usd_per_h: 0.0,
                usd_per_request: egress / 1e9 * value(key),
                bytes_per_request: egress,
            });
        }
    }
}

/// Bytes per request in words (`18,432 bytes per request`).
fn gb_text(bytes: f64) -> String {
    format!("{} bytes per request", crate::file::json::fmt_num(bytes.round()))
}
