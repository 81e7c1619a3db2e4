//! Pictures of a scenario's topology: SVG (`aznetsim draw`, and
//! `topology.svg` of `run --report` with each hop's mean time and
//! utilisation), Graphviz dot and Mermaid.
//!
//! The SVG layout is layered: bands left to right for the spokes, the hub
//! (with the Azure services below it) and on-premises, each a labelled box
//! (the places of [`sim_scenarios::compile::Place`]). Inside a band, a
//! node's column is its earliest position along the routes (a node only a
//! nested call reaches comes one column after the node before it on the
//! call), and nodes of one column stack in the order the routes first
//! reach them. Links are grey bands labelled with their network, mean
//! one-way latency and bandwidth; every crossing of a link by a route is a
//! line of the route's colour (the charts' colour, from its name) inside
//! the band, parallel to the others, with an arrow in the direction of the
//! request; nested calls are dashed. Pure functions of their input: the
//! same topology gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sim_scenarios::RunReport;
use sim_scenarios::azure::Kind;
use sim_scenarios::compile::{Place, Topology, TopologyLink, TopologyNode};
use sim_scenarios::file::NetworkKind;

use crate::output::colour::{hex, series_colours};
use crate::output::table::{ms, opt_pct};

const FONT: &str = "sans-serif";
/// Font sizes \[px\].
const TITLE_PX: f64 = 17.0;
const NAME_PX: f64 = 13.0;
const TEXT_PX: f64 = 11.0;
const LABEL_PX: f64 = 10.0;
/// Line height of node text \[px\].
const LINE: f64 = 15.0;
const MARGIN: f64 = 20.0;
const TITLE_H: f64 = 52.0;
/// Padding inside a place's box, and the height of its label \[px\].
const GROUP_PAD: f64 = 14.0;
const GROUP_LABEL: f64 = 20.0;
/// Gaps between bands, between stacked places of a band, between rows.
const BAND_GAP: f64 = 36.0;
const STACK_GAP: f64 = 24.0;
const ROW_GAP: f64 = 58.0;
/// Distance between parallel route lines in a link \[px\].
const LANE: f64 = 5.0;
const NODE_MIN_W: f64 = 150.0;
const COL_GAP_MIN: f64 = 120.0;

const LINK_FILL: &str = "#DCE1E8";
const CALL_COLOUR: &str = "#555555";
const TEXT_DARK: &str = "#1F2328";
const TEXT_GREY: &str = "#59636E";
const CUSTOM_CA: &str = "#A04A00";

/// Roughly how wide `text` is at `px` (DejaVu Sans, the widest common
/// sans-serif, averages about 0.6 em; bold a little more).
fn width(text: &str, px: f64) -> f64 {
    text.chars().count() as f64 * px * 0.62
}

/// `text` for SVG character data and attribute values; control
/// characters (which XML 1.0 forbids) are written as `\u{..}`.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with one decimal, as written in the SVG.
fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// What the kind is called in a picture, and its badge.
fn kind_label(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Client => ("client", "CL"),
        Kind::Station => ("station", "ST"),
        Kind::AzureFirewall => ("Azure Firewall", "FW"),
        Kind::Apim => ("API Management", "APIM"),
        Kind::AppGateway => ("Application Gateway", "AGW"),
        Kind::VnetGateway => ("VNet gateway", "GW"),
        Kind::OnpremFirewall => ("on-premises firewall", "FW"),
        Kind::OnpremApiGateway => ("on-premises API gateway", "API"),
        Kind::Backend => ("backend", "APP"),
        Kind::IdentityProvider => ("identity provider", "IdP"),
        Kind::MicrosoftGraph => ("Microsoft Graph", "MSG"),
        Kind::DomainController => ("domain controller", "DC"),
    }
}

/// The badge colour of a node: Azure blue for Azure kinds, slate for
/// on-premises ones, grey for the rest.
fn badge_colour(n: &TopologyNode) -> &'static str {
    match n.place {
        Place::Hub | Place::AzureService => "#0A6CBD",
        Place::OnPremises => "#4B5563",
        Place::Spoke => "#2F6F8F",
        Place::Unplaced => "#7A828C",
    }
}

/// A link's label lines: the network (and distance), then the mean
/// one-way latency and the bandwidth.
fn link_label(l: &TopologyLink) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(net) = l.network {
        let name = match net {
            NetworkKind::IntraZone => "intra-zone",
            NetworkKind::CrossZone => "cross-zone",
            NetworkKind::Peering => "VNet peering",
            NetworkKind::GlobalPeering => "global VNet peering",
            NetworkKind::Expressroute => "ExpressRoute",
            NetworkKind::Vpn => "site-to-site VPN",
        };
        lines.push(match l.distance_km {
            Some(km) => format!("{name} {} km", crate::output::charts::number(km)),
            None => name.to_string(),
        });
    }
    let mut second = format!("{} ms", ms(l.latency_ms_mean));
    if let Some(mbps) = l.bandwidth_mbps {
        let _ = write!(second, " · {} Mbps", crate::output::charts::number(mbps));
    }
    lines.push(second);
    lines
}

/// A route's time and utilisation at one node, from a run.
#[derive(Debug, Clone, PartialEq)]
struct HopStat {
    route: usize,
    /// Mean per completed request over every visit \[ms\].
    total_ms: f64,
    visits: usize,
    utilization: Option<f64>,
}

/// Per node, each route's hop statistics (routes in report order).
fn hop_stats(report: &RunReport) -> BTreeMap<String, Vec<HopStat>> {
    let mut out: BTreeMap<String, Vec<HopStat>> = BTreeMap::new();
    for (i, r) in report.routes.iter().enumerate() {
        for h in &r.hops {
            let total = h.wait_ms_mean
                + h.service_ms_mean
                + h.link_ms_mean
                + h.serialization_ms_mean
                + h.handshake_ms_mean
                + h.subcall_ms_mean
                + h.pool_wait_ms_mean;
            let stats = out.entry(h.node.clone()).or_default();
            match stats.iter_mut().find(|s| s.route == i) {
                Some(s) => {
                    s.total_ms += total;
                    s.visits += 1;
                }
                None => stats.push(HopStat {
                    route: i,
                    total_ms: total,
                    visits: 1,
                    utilization: h.utilization,
                }),
            }
        }
    }
    out
}

/// One line of text inside a node box.
#[derive(Debug, Clone)]
struct NodeLine {
    text: String,
    px: f64,
    colour: String,
    bold: bool,
    /// A coloured dot before the text (a route's), or a padlock.
    mark: Mark,
}

#[derive(Debug, Clone, PartialEq)]
enum Mark {
    None,
    Dot(String),
    Lock,
}

fn node_lines(
    n: &TopologyNode,
    stats: Option<&[HopStat]>,
    route_names: &[String],
    colours: &[String],
) -> Vec<NodeLine> {
    let line = |text: String, px: f64, colour: &str, bold: bool, mark: Mark| NodeLine {
        text,
        px,
        colour: colour.to_string(),
        bold,
        mark,
    };
    let (kind, _) = kind_label(n.kind);
    let mut lines = vec![
        line(n.name.clone(), NAME_PX, TEXT_DARK, true, Mark::None),
        line(kind.to_string(), TEXT_PX, TEXT_GREY, false, Mark::None),
    ];
    if let Some((ca, version)) = &n.tls {
        let colour = if ca == sim_scenarios::azure::PUBLIC_CA { TEXT_GREY } else { CUSTOM_CA };
        lines.push(line(format!("TLS {version} · CA {ca}"), TEXT_PX, colour, false, Mark::Lock));
    }
    if !n.trusts.is_empty() {
        lines.push(line(
            format!("trusts {}", n.trusts.join(", ")),
            TEXT_PX,
            TEXT_GREY,
            false,
            Mark::None,
        ));
    }
    for s in stats.unwrap_or_default() {
        let visits = if s.visits > 1 { format!(" ({}×)", s.visits) } else { String::new() };
        // A client has no utilisation: it serves nothing.
        let busy = s.utilization.map_or_else(String::new, |u| format!(" · {}", opt_pct(Some(u))));
        lines.push(line(
            format!("{} {} ms{visits}{busy}", route_names[s.route], ms(s.total_ms)),
            TEXT_PX,
            TEXT_DARK,
            false,
            Mark::Dot(colours[s.route].clone()),
        ));
    }
    lines
}

/// A rectangle: left, top, width, height \[px\].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }

    fn overlap_area(&self, o: &Rect) -> f64 {
        let w = (self.x + self.w).min(o.x + o.w) - self.x.max(o.x);
        let h = (self.y + self.h).min(o.y + o.h) - self.y.max(o.y);
        w.max(0.0) * h.max(0.0)
    }

    fn centre(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// Whether the segment from `a` to `b` passes through this rectangle
    /// (sampled finely enough for boxes of this size).
    #[cfg(test)]
    fn crossed_by(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        (1..200).any(|i| {
            let t = f64::from(i) / 200.0;
            let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            x > self.x && x < self.x + self.w && y > self.y && y < self.y + self.h
        })
    }
}

/// The bands of the layout, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Band {
    Spokes,
    Hub,
    OnPremises,
    Flat,
}

fn band_of(p: Place) -> Band {
    match p {
        Place::Spoke => Band::Spokes,
        Place::Hub | Place::AzureService => Band::Hub,
        Place::OnPremises => Band::OnPremises,
        Place::Unplaced => Band::Flat,
    }
}

/// A place's box: its label and the nodes in it.
#[derive(Debug, Clone)]
struct Group {
    label: String,
    rect: Rect,
}

/// Where everything goes.
#[derive(Debug, Clone)]
struct Layout {
    nodes: Vec<Rect>,
    groups: Vec<Group>,
    width: f64,
    height: f64,
}

/// Each node's layer: its earliest position along the routes; a node
/// reached only by a nested call one after the node before it on the
/// call; any other one after a linked node, else 0.
fn layers(t: &Topology) -> Vec<usize> {
    let index = |name: &str| t.nodes.iter().position(|n| n.name == name);
    let mut layer: Vec<Option<usize>> = vec![None; t.nodes.len()];
    for r in &t.routes {
        for (j, name) in r.path.iter().enumerate() {
            if let Some(i) = index(name) {
                layer[i] = Some(layer[i].map_or(j, |l| l.min(j)));
            }
        }
    }
    // Calls and links may reach further nodes through nodes placed in an
    // earlier pass: repeat until nothing changes (at most once per node).
    for _ in 0..t.nodes.len() {
        let mut changed = false;
        for (c, n) in t.nodes.iter().enumerate() {
            for call in &n.calls {
                let mut before = layer[c];
                for name in &call.via {
                    let Some(i) = index(name) else { continue };
                    if layer[i].is_none()
                        && let Some(b) = before
                    {
                        layer[i] = Some(b + 1);
                        changed = true;
                    }
                    before = layer[i];
                }
            }
        }
        for l in &t.links {
            let (Some(a), Some(b)) = (index(&l.ends[0]), index(&l.ends[1])) else { continue };
            match (layer[a], layer[b]) {
                (Some(la), None) => {
                    layer[b] = Some(la + 1);
                    changed = true;
                }
                (None, Some(lb)) => {
                    layer[a] = Some(lb + 1);
                    changed = true;
                }
                _ => {}
            }
        }
        if !changed {
            break;
        }
    }
    layer.into_iter().map(|l| l.unwrap_or(0)).collect()
}

/// The order routes, then calls, then names reach the nodes: how nodes
/// of one column stack.
fn first_reached(t: &Topology) -> Vec<usize> {
    fn push<'a>(name: &'a str, order: &mut Vec<&'a str>) {
        if !order.contains(&name) {
            order.push(name);
        }
    }
    let mut order: Vec<&str> = Vec::new();
    for r in &t.routes {
        for name in &r.path {
            push(name, &mut order);
        }
    }
    for n in &t.nodes {
        for c in &n.calls {
            for name in &c.via {
                push(name, &mut order);
            }
        }
    }
    for n in &t.nodes {
        push(&n.name, &mut order);
    }
    t.nodes.iter().map(|n| order.iter().position(|o| *o == n.name).unwrap_or(0)).collect()
}

/// The group a node is drawn in: one per spoke (client), one per other
/// place.
fn group_key(n: &TopologyNode) -> (Place, String) {
    match n.place {
        Place::Spoke => (Place::Spoke, n.name.clone()),
        p => (p, String::new()),
    }
}

fn layout(t: &Topology, node_w: f64, node_h: f64, col_gap: f64) -> Layout {
    let layer = layers(t);
    let reached = first_reached(t);
    let mut bands: Vec<Band> = t.nodes.iter().map(|n| band_of(n.place)).collect();
    bands.sort_unstable();
    bands.dedup();
    let mut rects = vec![Rect { x: 0.0, y: 0.0, w: node_w, h: node_h }; t.nodes.len()];
    let mut groups = Vec::new();
    let mut x = MARGIN;
    let mut bottom: f64 = 0.0;
    for band in bands {
        let members: Vec<usize> =
            (0..t.nodes.len()).filter(|&i| band_of(t.nodes[i].place) == band).collect();
        let boxed = band != Band::Flat;
        let pad = if boxed { GROUP_PAD } else { 0.0 };
        let label_h = if boxed { GROUP_LABEL } else { 0.0 };
        let mut keys: Vec<(Place, String)> =
            members.iter().map(|&i| group_key(&t.nodes[i])).collect();
        keys.sort();
        keys.dedup();
        // Spokes stack in the order the routes reach their clients.
        keys.sort_by_key(|k| {
            let first = members.iter().filter(|&&i| group_key(&t.nodes[i]) == *k);
            (k.0, first.map(|&i| reached[i]).min().unwrap_or(0))
        });
        // Columns: the layers of the band's first place (the hub, above the
        // Azure services); a node of a place below takes the first column
        // at or after its layer, so that it adds no column in between.
        let mut cols: Vec<usize> = members
            .iter()
            .filter(|&&i| group_key(&t.nodes[i]) == keys[0])
            .map(|&i| layer[i])
            .collect();
        cols.sort_unstable();
        cols.dedup();
        let last = cols.last().copied().unwrap_or(0);
        let mut beyond: Vec<usize> =
            members.iter().map(|&i| layer[i]).filter(|l| *l > last).collect();
        beyond.sort_unstable();
        beyond.dedup();
        cols.extend(beyond);
        let col_of = |i: usize| cols.iter().position(|c| *c >= layer[i]).expect("listed");
        let band_w = 2.0 * pad + cols.len() as f64 * node_w + (cols.len() - 1) as f64 * col_gap;
        let mut y = MARGIN + TITLE_H;
        for key in keys {
            let mut in_group: Vec<usize> =
                members.iter().copied().filter(|&i| group_key(&t.nodes[i]) == key).collect();
            in_group.sort_by_key(|&i| (reached[i], i));
            let mut rows_in_col = vec![0usize; cols.len()];
            let top = y + label_h + pad;
            let mut rows = 0;
            for i in in_group {
                let c = col_of(i);
                let row = rows_in_col[c];
                rows_in_col[c] += 1;
                rows = rows.max(row + 1);
                rects[i] = Rect {
                    x: x + pad + c as f64 * (node_w + col_gap),
                    y: top + row as f64 * (node_h + ROW_GAP),
                    w: node_w,
                    h: node_h,
                };
            }
            let h = label_h + 2.0 * pad + rows as f64 * node_h + (rows - 1) as f64 * ROW_GAP;
            if boxed {
                let mut label = key.0.label().to_string();
                if key.0 == Place::Spoke
                    && t.nodes.iter().filter(|n| n.place == Place::Spoke).count() > 1
                {
                    let _ = write!(label, " · {}", key.1);
                }
                let mut regions: Vec<&str> = t
                    .nodes
                    .iter()
                    .filter(|n| group_key(n) == key)
                    .filter_map(|n| n.region.as_deref())
                    .collect();
                regions.sort_unstable();
                regions.dedup();
                if !regions.is_empty() {
                    let _ = write!(label, " · {}", regions.join(", "));
                }
                groups.push(Group { label, rect: Rect { x, y, w: band_w, h } });
            }
            y += h + STACK_GAP;
            bottom = bottom.max(y - STACK_GAP);
        }
        x += band_w + BAND_GAP.max(col_gap - 20.0);
    }
    let width = x - BAND_GAP.max(col_gap - 20.0) + MARGIN;
    Layout { nodes: rects, groups, width, height: bottom }
}

/// One crossing of a link, from node `from` to node `to` (indices): by
/// route `route`, or by a nested call when `None`; `label` is the route's
/// or the call's name.
#[derive(Debug, Clone, PartialEq)]
struct Crossing<'a> {
    route: Option<usize>,
    from: usize,
    to: usize,
    label: &'a str,
}

/// Every crossing of a link: each route's path (and return path) step by
/// step, in route order, then each node's nested calls.
fn crossings(t: &Topology) -> Vec<Crossing<'_>> {
    let index = |name: &str| t.nodes.iter().position(|n| n.name == name);
    let mut out = Vec::new();
    let mut walk = |names: Vec<&str>, route: Option<usize>, label| {
        for w in names.windows(2) {
            let (Some(from), Some(to)) = (index(w[0]), index(w[1])) else { continue };
            out.push(Crossing { route, from, to, label });
        }
    };
    for (i, r) in t.routes.iter().enumerate() {
        walk(r.path.iter().map(String::as_str).collect(), Some(i), &r.name);
        if let Some(back) = &r.return_path {
            walk(back.iter().map(String::as_str).collect(), Some(i), &r.name);
        }
    }
    for n in &t.nodes {
        for c in &n.calls {
            let mut names = vec![n.name.as_str()];
            names.extend(c.via.iter().map(String::as_str));
            walk(names, None, &c.name);
        }
    }
    out
}

/// Every link's crossings, keyed by the unordered pair of node indices.
fn lanes<'a>(t: &'a Topology) -> BTreeMap<(usize, usize), Vec<Crossing<'a>>> {
    let mut out: BTreeMap<(usize, usize), Vec<Crossing<'a>>> = BTreeMap::new();
    for c in crossings(t) {
        out.entry((c.from.min(c.to), c.from.max(c.to))).or_default().push(c);
    }
    out
}

/// Each route's colour as `#RRGGBB`, by the charts' rule.
fn route_colours(t: &Topology) -> Vec<String> {
    let names: Vec<&str> = t.routes.iter().map(|r| r.name.as_str()).collect();
    series_colours(&names).into_iter().map(hex).collect()
}

/// The SVG picture of `t`; with `run`, each node also shows every route's
/// mean time there (the hop: queueing, service, handshakes, nested calls
/// and the link to the next node, both directions) and its utilisation.
pub(crate) fn svg(t: &Topology, run: Option<&RunReport>) -> String {
    draw(t, run).svg
}

/// A picture and where its parts went, for the tests of the layout.
#[derive(Debug)]
struct Drawing {
    svg: String,
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the layout tests"))]
    layout: Layout,
    /// Each link's label, and whether it found a place overlapping nothing.
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the layout tests"))]
    labels: Vec<(Rect, bool)>,
}

fn draw(t: &Topology, run: Option<&RunReport>) -> Drawing {
    let route_names: Vec<String> = t.routes.iter().map(|r| r.name.clone()).collect();
    let colours = route_colours(t);
    let stats = run.map(hop_stats).unwrap_or_default();
    let lines: Vec<Vec<NodeLine>> = t
        .nodes
        .iter()
        .map(|n| node_lines(n, stats.get(&n.name).map(Vec::as_slice), &route_names, &colours))
        .collect();
    let node_w = lines
        .iter()
        .flatten()
        .map(|l| width(&l.text, l.px) * if l.bold { 1.1 } else { 1.0 } + 24.0 + 34.0)
        .fold(NODE_MIN_W, f64::max)
        .ceil();
    let node_h = lines.iter().map(Vec::len).max().unwrap_or(1) as f64 * LINE + 14.0;
    let labels: Vec<Vec<String>> = t.links.iter().map(link_label).collect();
    let col_gap = labels
        .iter()
        .flatten()
        .map(|l| width(l, LABEL_PX) + 28.0)
        .fold(COL_GAP_MIN, f64::max)
        .ceil();
    let lay = layout(t, node_w, node_h, col_gap);
    let lanes = lanes(t);

    let mut body = String::new();
    // Places.
    for g in &lay.groups {
        let r = g.rect;
        let _ = writeln!(
            body,
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="10" fill="#F6F8FA" stroke="#AEB7C2" stroke-dasharray="6 4"/>"##,
            px(r.x),
            px(r.y),
            px(r.w),
            px(r.h)
        );
        let _ = writeln!(
            body,
            r##"<text x="{}" y="{}" font-size="12" font-weight="bold" fill="{TEXT_GREY}">{}</text>"##,
            px(r.x + 10.0),
            px(r.y + 16.0),
            xml(&g.label)
        );
    }
    // Links, with their lanes: the band, then each crossing.
    let index = |name: &str| t.nodes.iter().position(|n| n.name == name);
    let mut taken: Vec<Rect> = lay.nodes.clone();
    taken.extend(lay.groups.iter().map(|g| Rect {
        x: g.rect.x,
        y: g.rect.y,
        w: width(&g.label, 12.0) + 20.0,
        h: 22.0,
    }));
    let mut label_svg = String::new();
    let mut lane_svg = String::new();
    let mut placed = Vec::new();
    for (k, l) in t.links.iter().enumerate() {
        let (Some(a), Some(b)) = (index(&l.ends[0]), index(&l.ends[1])) else { continue };
        let key = (a.min(b), a.max(b));
        let (p, q) = (lay.nodes[key.0].centre(), lay.nodes[key.1].centre());
        let len = ((q.0 - p.0).powi(2) + (q.1 - p.1).powi(2)).sqrt().max(1.0);
        let normal = (-(q.1 - p.1) / len, (q.0 - p.0) / len);
        let these = lanes.get(&key).map_or(&[][..], Vec::as_slice);
        let band = (these.len() as f64 * LANE + 6.0).max(8.0);
        let _ = writeln!(
            body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{LINK_FILL}" stroke-width="{}" stroke-linecap="round"/>"#,
            px(p.0),
            px(p.1),
            px(q.0),
            px(q.1),
            px(band)
        );
        for (j, lane) in these.iter().enumerate() {
            let off = (j as f64 - (these.len() as f64 - 1.0) / 2.0) * LANE;
            let (s, e) = (lay.nodes[lane.from].centre(), lay.nodes[lane.to].centre());
            let (s, e) = (
                (s.0 + normal.0 * off, s.1 + normal.1 * off),
                (e.0 + normal.0 * off, e.1 + normal.1 * off),
            );
            let (colour, style) = match lane.route {
                Some(r) => (colours[r].as_str(), r#" stroke-width="2.2""#.to_string()),
                None => (CALL_COLOUR, r#" stroke-width="1.4" stroke-dasharray="5 3""#.to_string()),
            };
            let _ = writeln!(
                lane_svg,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}"{style}/>"#,
                px(s.0),
                px(s.1),
                px(e.0),
                px(e.1)
            );
            if lane.route.is_some() {
                // An arrow in the direction of the request, past the
                // middle so that those of opposite lanes do not meet.
                let d = ((e.0 - s.0) / len, (e.1 - s.1) / len);
                let m = (s.0 + (e.0 - s.0) * 0.56, s.1 + (e.1 - s.1) * 0.56);
                let tip = (m.0 + d.0 * 5.0, m.1 + d.1 * 5.0);
                let back = (m.0 - d.0 * 4.0, m.1 - d.1 * 4.0);
                let (n0, n1) = (-d.1 * 2.6, d.0 * 2.6);
                let _ = writeln!(
                    lane_svg,
                    r#"<polygon points="{},{} {},{} {},{}" fill="{colour}"/>"#,
                    px(tip.0),
                    px(tip.1),
                    px(back.0 + n0),
                    px(back.1 + n1),
                    px(back.0 - n0),
                    px(back.1 - n1)
                );
            }
        }
        // The label: beside the band, at the first free place.
        let text = &labels[k];
        let lw = text.iter().map(|s| width(s, LABEL_PX)).fold(0.0, f64::max) + 8.0;
        let lh = text.len() as f64 * 12.0 + 4.0;
        let side = band / 2.0 + 4.0;
        let mut candidates = Vec::new();
        for extra in [0.0, 16.0] {
            for at in [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8] {
                let m = (p.0 + (q.0 - p.0) * at, p.1 + (q.1 - p.1) * at);
                for sign in [-1.0, 1.0] {
                    // The label's side nearest the band sits `side` away.
                    let cx = m.0 + normal.0 * sign * (side + extra + lw / 2.0);
                    let cy = m.1 + normal.1 * sign * (side + extra + lh / 2.0);
                    candidates.push(Rect { x: cx - lw / 2.0, y: cy - lh / 2.0, w: lw, h: lh });
                }
            }
        }
        let free = candidates.iter().find(|c| !taken.iter().any(|o| o.overlaps(c))).copied();
        // With no free place, the one that hides the least.
        let rect = free.unwrap_or_else(|| {
            let hidden = |c: &Rect| taken.iter().map(|o| c.overlap_area(o)).sum::<f64>();
            candidates
                .iter()
                .copied()
                .min_by(|a, b| hidden(a).total_cmp(&hidden(b)))
                .expect("candidates")
        });
        taken.push(rect);
        placed.push((rect, free.is_some()));
        let _ = writeln!(
            label_svg,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="white" fill-opacity="0.85"/>"#,
            px(rect.x),
            px(rect.y),
            px(rect.w),
            px(rect.h)
        );
        for (i, line) in text.iter().enumerate() {
            let _ = writeln!(
                label_svg,
                r#"<text x="{}" y="{}" font-size="{LABEL_PX}" text-anchor="middle" fill="{TEXT_GREY}">{}</text>"#,
                px(rect.x + rect.w / 2.0),
                px(rect.y + 13.0 + i as f64 * 12.0),
                xml(line)
            );
        }
    }
    body.push_str(&lane_svg);
    // Nodes, over the lanes.
    for (i, n) in t.nodes.iter().enumerate() {
        let r = lay.nodes[i];
        let (_, badge) = kind_label(n.kind);
        let _ = writeln!(
            body,
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="white" stroke="#8C959F" stroke-width="1.2"/>"##,
            px(r.x),
            px(r.y),
            px(r.w),
            px(r.h)
        );
        let _ = writeln!(
            body,
            r#"<rect x="{}" y="{}" width="26" height="18" rx="3" fill="{}"/><text x="{}" y="{}" font-size="{}" font-weight="bold" text-anchor="middle" fill="white">{}</text>"#,
            px(r.x + 6.0),
            px(r.y + 7.0),
            badge_colour(n),
            px(r.x + 19.0),
            px(r.y + 19.5),
            if badge.len() > 3 { 7.5 } else { 9.0 },
            badge
        );
        for (j, l) in lines[i].iter().enumerate() {
            let y = r.y + 20.0 + j as f64 * LINE;
            let mut tx = r.x + 38.0;
            match &l.mark {
                Mark::Dot(c) => {
                    let _ = writeln!(
                        body,
                        r#"<circle cx="{}" cy="{}" r="4" fill="{c}"/>"#,
                        px(tx + 4.0),
                        px(y - 4.0)
                    );
                    tx += 12.0;
                }
                Mark::Lock => {
                    let _ = writeln!(
                        body,
                        r#"<path d="M{},{} v-3 a3,3 0 0 1 6,0 v3" fill="none" stroke="{}" stroke-width="1.3"/><rect x="{}" y="{}" width="8" height="6" rx="1" fill="{}"/>"#,
                        px(tx + 1.0),
                        px(y - 5.0),
                        l.colour,
                        px(tx),
                        px(y - 6.0),
                        l.colour
                    );
                    tx += 12.0;
                }
                Mark::None => {}
            }
            let weight = if l.bold { r#" font-weight="bold""# } else { "" };
            let _ = writeln!(
                body,
                r#"<text x="{}" y="{}" font-size="{}"{weight} fill="{}">{}</text>"#,
                px(tx),
                px(y),
                l.px,
                l.colour,
                xml(&l.text)
            );
        }
    }
    body.push_str(&label_svg);

    // The legend: routes, calls, and what the numbers mean.
    let mut legend = String::new();
    let mut y = lay.height + 30.0;
    let mut widest: f64 = 0.0;
    for (i, r) in t.routes.iter().enumerate() {
        let summary = run.and_then(|rep| rep.routes.iter().find(|x| x.name == r.name)).map(|x| {
            format!(
                " · mean {} ms, p99 {} ms",
                x.latency_ms.mean.map_or_else(|| "-".into(), ms),
                x.latency_ms.p99.map_or_else(|| "-".into(), ms)
            )
        });
        let text = format!("{}: {}{}", r.name, r.path.join(" → "), summary.unwrap_or_default());
        let back = r.return_path.as_ref().map(|b| format!(" (returns {})", b.join(" → ")));
        let text = text + &back.unwrap_or_default();
        widest = widest.max(width(&text, 12.0) + 40.0);
        let _ = writeln!(
            legend,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"/><text x="{}" y="{}" font-size="12" fill="{TEXT_DARK}">{}</text>"#,
            px(MARGIN),
            px(y - 4.0),
            px(MARGIN + 26.0),
            px(y - 4.0),
            colours[i],
            px(MARGIN + 34.0),
            px(y),
            xml(&text)
        );
        y += 18.0;
    }
    let calls: Vec<String> = t
        .nodes
        .iter()
        .flat_map(|n| {
            n.calls.iter().map(move |c| format!("{} {} via {}", n.name, c.name, c.via.join(" → ")))
        })
        .collect();
    let mut notes = Vec::new();
    if !calls.is_empty() {
        notes.push(format!("dashed: nested calls ({})", calls.join("; ")));
    }
    notes.push(
        "grey bands: links (network, mean one-way latency, bandwidth per direction); arrows: request direction".to_string(),
    );
    if t.nodes.iter().any(|n| n.tls.is_some()) {
        notes.push("padlock: terminates TLS, with the CA that issued its certificate".to_string());
    }
    if run.is_some() {
        notes.push(
            "per route at each node: mean hop time per completed request (queue, service, handshakes, nested calls and the link on, both directions) · utilisation".to_string(),
        );
    }
    for note in notes {
        widest = widest.max(width(&note, 11.0) + 20.0);
        let _ = writeln!(
            legend,
            r#"<text x="{}" y="{}" font-size="11" fill="{TEXT_GREY}">{}</text>"#,
            px(MARGIN),
            px(y),
            xml(&note)
        );
        y += 16.0;
    }
    let total_w = lay.width.max(widest + 2.0 * MARGIN).ceil();
    let total_h = (y + MARGIN - 6.0).ceil();
    let title = match run {
        Some(rep) => format!(
            "{}: topology after a run (seed {}, {} replications × {} requests)",
            t.scenario, rep.seed, rep.replications, rep.requests
        ),
        None => format!("{}: topology", t.scenario),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" viewBox="0 0 {total_w} {total_h}" font-family="{FONT}">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="{TITLE_PX}" font-weight="bold" fill="{TEXT_DARK}">{}</text>"#,
        px(MARGIN),
        px(MARGIN + 14.0),
        xml(&title)
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="11" fill="{TEXT_GREY}">each route a colour (as in the charts), one line per crossing of a link</text>"#,
        px(MARGIN),
        px(MARGIN + 32.0)
    );
    out.push_str(&body);
    out.push_str(&legend);
    out.push_str("</svg>\n");
    Drawing { svg: out, layout: lay, labels: placed }
}

/// The text of a node in dot and Mermaid: name, kind, TLS role.
fn node_text(n: &TopologyNode) -> Vec<String> {
    let mut lines = vec![n.name.clone(), kind_label(n.kind).0.to_string()];
    if let Some((ca, version)) = &n.tls {
        lines.push(format!("TLS {version} · CA {ca}"));
    }
    if !n.trusts.is_empty() {
        lines.push(format!("trusts {}", n.trusts.join(", ")));
    }
    lines
}

/// The places to draw as boxes, in band order, each with its nodes.
fn clusters(t: &Topology) -> Vec<(String, Vec<usize>)> {
    let mut keys: Vec<(Place, String)> = t.nodes.iter().map(group_key).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| k.0 != Place::Unplaced)
        .map(|k| {
            let label = if k.1.is_empty() {
                k.0.label().to_string()
            } else {
                format!("{} · {}", k.0.label(), k.1)
            };
            let members = (0..t.nodes.len()).filter(|&i| group_key(&t.nodes[i]) == k).collect();
            (label, members)
        })
        .collect()
}

/// `lines` quoted for dot or Mermaid: joined by `newline`, each
/// character written as `escape` says (or as itself), control characters
/// as `\u{..}` (with a doubled backslash for dot, which reads escapes).
fn quoted<S: AsRef<str>>(
    lines: &[S],
    newline: &str,
    escape: fn(char) -> Option<&'static str>,
    control_backslash: &str,
) -> String {
    let mut out = String::from("\"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str(newline);
        }
        for c in line.as_ref().chars() {
            match escape(c) {
                Some(e) => out.push_str(e),
                None if c.is_control() => {
                    out.push_str(&c.escape_unicode().to_string().replace('\\', control_backslash));
                }
                None => out.push(c),
            }
        }
    }
    out.push('"');
    out
}

/// Lines as one dot string: `"` and `\` escaped, lines joined by dot's
/// `\n`.
fn dot_quote<S: AsRef<str>>(lines: &[S]) -> String {
    let escape = |c| match c {
        '"' => Some("\\\""),
        '\\' => Some("\\\\"),
        _ => None,
    };
    quoted(lines, "\\n", escape, "\\\\")
}

/// The topology as a Graphviz digraph: places as clusters, links as grey
/// undirected edges with their label, each crossing by a route as an edge
/// of its colour, nested calls dashed.
pub(crate) fn dot(t: &Topology) -> String {
    let colours = route_colours(t);
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", dot_quote(&[&t.scenario]));
    let _ = writeln!(
        out,
        "  graph [rankdir=LR, fontname=\"sans-serif\", labelloc=t, label={}];",
        dot_quote(&[format!("{}: topology", t.scenario)])
    );
    out.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"sans-serif\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"sans-serif\", fontsize=9];\n");
    let node_line = |n: &TopologyNode| {
        format!("{} [label={}];", dot_quote(&[&n.name]), dot_quote(&node_text(n)))
    };
    let clustered = clusters(t);
    for (k, (label, members)) in clustered.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{k} {{");
        let _ = writeln!(
            out,
            "    label={}; style=\"rounded,dashed\"; color=\"#AEB7C2\";",
            dot_quote(&[label])
        );
        for &i in members {
            let _ = writeln!(out, "    {}", node_line(&t.nodes[i]));
        }
        out.push_str("  }\n");
    }
    for n in t.nodes.iter().filter(|n| n.place == Place::Unplaced) {
        let _ = writeln!(out, "  {}", node_line(n));
    }
    for l in &t.links {
        let _ = writeln!(
            out,
            "  {} -> {} [dir=none, color=\"#C4CBD4\", penwidth=5, label={}];",
            dot_quote(&[&l.ends[0]]),
            dot_quote(&[&l.ends[1]]),
            dot_quote(&link_label(l))
        );
    }
    for c in crossings(t) {
        let (from, to) = (dot_quote(&[&t.nodes[c.from].name]), dot_quote(&[&t.nodes[c.to].name]));
        let style = match c.route {
            Some(r) => format!("color=\"{0}\", fontcolor=\"{0}\", penwidth=2", colours[r]),
            None => format!("style=dashed, color=\"{CALL_COLOUR}\", fontcolor=\"{CALL_COLOUR}\""),
        };
        let label = dot_quote(&[c.label]);
        let _ = writeln!(out, "  {from} -> {to} [{style}, constraint=false, label={label}];");
    }
    out.push_str("}\n");
    out
}

/// Lines as one Mermaid label: characters Mermaid or its HTML labels
/// would read written as entity codes, lines joined by `<br/>`.
fn mermaid_quote<S: AsRef<str>>(lines: &[S]) -> String {
    let escape = |c| match c {
        '"' => Some("#quot;"),
        '<' => Some("#lt;"),
        '>' => Some("#gt;"),
        '#' => Some("#35;"),
        '&' => Some("#amp;"),
        _ => None,
    };
    quoted(lines, "<br/>", escape, "\\")
}

/// The topology as a Mermaid flowchart: places as subgraphs, links as
/// thick grey lines with their label, each crossing by a route as an arrow
/// of its colour, nested calls dotted.
pub(crate) fn mermaid(t: &Topology) -> String {
    let colours = route_colours(t);
    let id = |name: &str| {
        t.nodes.iter().position(|n| n.name == name).map_or_else(String::new, |i| format!("n{i}"))
    };
    let mut out = String::new();
    let _ =
        writeln!(out, "---\ntitle: {}\n---", mermaid_quote(&[format!("{}: topology", t.scenario)]));
    out.push_str("flowchart LR\n");
    for (k, (label, members)) in clusters(t).iter().enumerate() {
        let _ = writeln!(out, "  subgraph g{k}[{}]", mermaid_quote(&[label]));
        for &i in members {
            let _ = writeln!(out, "    n{i}[{}]", mermaid_quote(&node_text(&t.nodes[i])));
        }
        out.push_str("  end\n");
    }
    for (i, n) in t.nodes.iter().enumerate().filter(|(_, n)| n.place == Place::Unplaced) {
        let _ = writeln!(out, "  n{i}[{}]", mermaid_quote(&node_text(n)));
    }
    // Mermaid styles edges by their index, in the order they are written.
    let mut styles = Vec::new();
    for l in &t.links {
        let _ = writeln!(
            out,
            "  {} ---|{}| {}",
            id(&l.ends[0]),
            mermaid_quote(&link_label(l)),
            id(&l.ends[1])
        );
        styles.push("stroke:#C4CBD4,stroke-width:6px".to_string());
    }
    for c in crossings(t) {
        let arrow = if c.route.is_some() { "-->" } else { "-.->" };
        let label = mermaid_quote(&[c.label]);
        let _ = writeln!(out, "  n{} {arrow}|{label}| n{}", c.from, c.to);
        styles.push(match c.route {
            Some(r) => format!("stroke:{0},stroke-width:2px,color:{0}", colours[r]),
            None => format!("stroke:{CALL_COLOUR},stroke-dasharray:4 3"),
        });
    }
    for (k, s) in styles.iter().enumerate() {
        let _ = writeln!(out, "  linkStyle {k} {s}");
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use sim_scenarios::Scenario;

    use super::*;

    fn scenario(file: &str) -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios").join(file);
        Scenario::load(&path).unwrap()
    }

    fn shipped() -> Vec<Scenario> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let mut files: Vec<_> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .map(|p| Scenario::load(p).unwrap())
            .collect()
    }

    #[test]
    fn labels_and_boxes_never_overlap_and_links_cross_no_other_node() {
        for s in shipped() {
            let t = s.topology();
            let d = draw(t, None);
            let name = &t.scenario;
            for (k, (rect, free)) in d.labels.iter().enumerate() {
                assert!(free, "{name}: the label of link {k} found no free place");
                for (j, (other, _)) in d.labels.iter().enumerate().take(k) {
                    assert!(!rect.overlaps(other), "{name}: labels of links {j} and {k} overlap");
                }
            }
            let nodes = &d.layout.nodes;
            for i in 0..nodes.len() {
                for j in 0..i {
                    assert!(!nodes[i].overlaps(&nodes[j]), "{name}: nodes {i} and {j} overlap");
                }
            }
            let groups = &d.layout.groups;
            for i in 0..groups.len() {
                for j in 0..i {
                    assert!(
                        !groups[i].rect.overlaps(&groups[j].rect),
                        "{name}: {} and {} overlap",
                        groups[i].label,
                        groups[j].label
                    );
                }
            }
            for l in &t.links {
                let a = t.nodes.iter().position(|n| n.name == l.ends[0]).unwrap();
                let b = t.nodes.iter().position(|n| n.name == l.ends[1]).unwrap();
                for (i, r) in nodes.iter().enumerate() {
                    if i != a && i != b {
                        assert!(
                            !r.crossed_by(nodes[a].centre(), nodes[b].centre()),
                            "{name}: link {:?} crosses node {}",
                            l.ends,
                            t.nodes[i].name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_second_spoke_in_another_region_gets_its_own_place_and_free_labels() {
        // Topology A with a second spoke, globally peered with the hub, and
        // a route with its own return path: the new link crosses another.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/apim-hub-proxy.json");
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        doc["nodes"]["spoke-b-vm"] = serde_json::json!({ "kind": "client" });
        doc["links"].as_array_mut().unwrap().push(serde_json::json!({
            "between": ["spoke-b-vm", "hub-fw"], "network": "global_peering",
            "regions": ["westeurope", "eastus"]
        }));
        doc["routes"].as_array_mut().unwrap().push(serde_json::json!({
            "name": "blue", "path": ["spoke-b-vm", "hub-fw", "apim", "hub-fw", "er-gw", "backend"],
            "return_path": ["backend", "er-gw", "hub-fw", "apim", "hub-fw", "spoke-b-vm"]
        }));
        let s = Scenario::from_value(&path, doc).unwrap();
        let d = draw(s.topology(), None);
        let labels: Vec<&str> = d.layout.groups.iter().map(|g| g.label.as_str()).collect();
        assert!(labels.contains(&"spoke · spoke-b-vm · westeurope"), "{labels:?}");
        assert!(labels.contains(&"hub · eastus"), "{labels:?}");
        for (k, (_, free)) in d.labels.iter().enumerate() {
            assert!(free, "the label of link {k} found no free place");
        }
        // Blue crosses 5 links each way: 10 lines of its colour.
        assert_eq!(d.svg.matches(r##"stroke="#1F77B4" stroke-width="2.2""##).count(), 10);
    }

    #[test]
    fn places_follow_the_kinds_and_the_links() {
        let a = scenario("apim-hub-proxy.json");
        let place = |s: &Scenario, n: &str| s.topology().node(n).unwrap().place;
        assert_eq!(place(&a, "client"), Place::Spoke);
        assert_eq!(place(&a, "hub-fw"), Place::Hub);
        assert_eq!(place(&a, "apim"), Place::Hub);
        assert_eq!(place(&a, "er-gw"), Place::Hub);
        assert_eq!(place(&a, "backend"), Place::OnPremises);
        // Entra ID, linked to the hub firewall: an Azure service.
        assert_eq!(place(&a, "entra"), Place::AzureService);
        // The on-premises identity provider sits with the on-premises gateway.
        let b = scenario("onprem-gateway.json");
        assert_eq!(place(&b, "onprem-idp"), Place::OnPremises);
        let generic = scenario("generic-green-red.json");
        assert!(generic.topology().nodes.iter().all(|n| n.place == Place::Unplaced));
    }

    #[test]
    fn columns_follow_the_routes() {
        // Topology A: the client, then the firewall and APIM (both one hop
        // from it), Entra after the firewall, the gateway, the backend.
        let a = scenario("apim-hub-proxy.json");
        let t = a.topology();
        let d = draw(t, None);
        let x = |n: &str| d.layout.nodes[t.nodes.iter().position(|m| m.name == n).unwrap()].x;
        assert!(x("client") < x("hub-fw"));
        assert_eq!(x("hub-fw"), x("apim"));
        assert!(x("hub-fw") < x("entra") || x("hub-fw") < x("er-gw"));
        assert!(x("er-gw") < x("backend"));
    }

    #[test]
    fn text_is_escaped_for_xml_dot_and_mermaid() {
        assert_eq!(xml("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
        assert_eq!(xml("x\u{1b}y"), "x\\u{1b}y");
        assert_eq!(dot_quote(&["a\"b\\c", "d"]), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(dot_quote(&["\u{7}"]), "\"\\\\u{7}\"");
        assert_eq!(mermaid_quote(&["a\"<b>#&"]), "\"a#quot;#lt;b#gt;#35;#amp;\"");
    }
}
