//! The component catalog: every default figure the simulator uses, with its
//! unit, how reliable it is and where it comes from.
//!
//! The figures are transcribed from `azure-figures.md`, mainly its section 8
//! ("Suggested defaults") and the tables that section points to. Each
//! [`Figure`] cites at least one entry of [`SOURCES`]: the `S1`..`S57` list of
//! that file, plus `EST` for estimates with nothing published behind them and
//! `RFC9293` for the TCP handshake, then pages cited since under descriptive
//! ids (`ER-STAFF`, `APPGW-FAQ`, `MSAL-THROTTLING`, …).
//!
//! Keys are dotted, lowercase and end in their unit, for example
//! `azure_firewall.standard.throughput_per_instance_gbps`. Latencies are
//! one-way per traversal unless the key says `rtt`. A `*_sigma` figure is
//! the shape σ of a lognormal whose median is the `*_ms` figure beside it; no
//! source publishes a distribution shape, so every sigma is an estimate.
//! Lower and upper bounds of a uniform draw are `*_min_<unit>` and
//! `*_max_<unit>` (so `..._delay_min_min` is a minimum in minutes).
//!
//! Tags follow `azure-figures.md`. Where a default is not itself a published
//! value: [`Tag::Der`] when it follows from published figures by the
//! arithmetic given in its note (rounding, or a pick inside a derived range,
//! included); [`Tag::Est`] when nothing published gives its value. Where the
//! file gives two tags (`SEC/OLD`, `OFF/OLD`), the catalog keeps the one that
//! says why the value might be wrong and mentions the other in the note.
//!
//! ```
//! use sim_scenarios::azure::catalog::{Tag, figure, value};
//!
//! assert_eq!(value("expressroute.max_packet_bytes"), 1400.0);
//! let fw = figure("azure_firewall.standard.throughput_per_instance_gbps");
//! assert_eq!((fw.value, fw.unit, fw.tag), (1.5, "Gbps", Tag::Der));
//! ```

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

mod figures;
mod ranges;
mod sources;

/// How reliable a figure is: the tags of `azure-figures.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tag {
    /// Microsoft documentation (Learn, azure-docs sources, training modules),
    /// or an IETF standard.
    Off,
    /// A measurement someone published: one lab, one point in time.
    Meas,
    /// A third party repeating a list price or a Microsoft figure, not
    /// checked against the original.
    Sec,
    /// Derived from published figures; the note shows the arithmetic.
    Der,
    /// An estimate: no published figure was found.
    Est,
    /// Official, but the version read is old and the figure may have changed.
    Old,
}

impl Tag {
    /// Every tag, most reliable first.
    pub const ALL: [Tag; 6] = [Tag::Off, Tag::Meas, Tag::Sec, Tag::Der, Tag::Est, Tag::Old];

    /// What the tag says about a figure, in a sentence for the reader of
    /// `aznetsim catalog`.
    pub const fn meaning(self) -> &'static str {
        match self {
            Tag::Off => {
                "official: Microsoft documentation (Learn, azure-docs), or an IETF standard"
            }
            Tag::Meas => "measured: a published measurement (one lab, one point in time)",
            Tag::Sec => {
                "second-hand: a third party repeating a Microsoft figure, not checked against the original"
            }
            Tag::Der => "derived from published figures: the note shows the arithmetic",
            Tag::Est => "estimate: no published figure was found",
            Tag::Old => "official but old: the version read may be out of date",
        }
    }

    /// The tag as written in `azure-figures.md`: `OFF`, `MEAS`, `SEC`, `DER`,
    /// `EST` or `OLD`.
    pub const fn label(self) -> &'static str {
        match self {
            Tag::Off => "OFF",
            Tag::Meas => "MEAS",
            Tag::Sec => "SEC",
            Tag::Der => "DER",
            Tag::Est => "EST",
            Tag::Old => "OLD",
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One entry of the source list that figures cite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// Identifier cited by figures: `S1`..`S57` as in `azure-figures.md`,
    /// `EST`, `RFC9293`, or a descriptive id for pages cited since.
    pub id: &'static str,
    /// What the source is.
    pub title: &'static str,
    /// Public address (URL or repository path); empty for `EST`.
    pub address: &'static str,
    /// Date or version of the text that was read; empty for `EST`.
    pub date: &'static str,
}

/// One default parameter of the simulator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    /// Dotted lowercase key ending in the unit, e.g. `apim.gateway_latency_ms`.
    pub key: &'static str,
    /// The value, in [`Figure::unit`]; finite and ≥ 0.
    pub value: f64,
    /// The unit of [`Figure::value`] (`"1"` for a dimensionless shape).
    pub unit: &'static str,
    /// How reliable the value is.
    pub tag: Tag,
    /// Ids of the [`SOURCES`] entries the value rests on (at least one).
    pub sources: &'static [&'static str],
    /// What the figure is and, where uncertain, why.
    pub note: &'static str,
    /// What the figure feeds in the model, as `component: field`: the
    /// component is a node kind of the scenario file ([`super::NODE_KINDS`])
    /// or `link` / `route`, the field the default it provides (for example
    /// `apim: units' capacity (tier premium)`). `None` when the model does
    /// not use the figure yet: it is listed for reference only.
    ///
    /// A test compiles every shipped scenario and every kind and SKU, and
    /// checks that exactly the figures with a `used_by` are looked up.
    pub used_by: Option<&'static str>,
}

impl Figure {
    /// The component that [`Figure::used_by`] names (the text before its
    /// `:`), or `None` for a figure not modelled yet.
    pub fn used_by_component(&self) -> Option<&'static str> {
        self.used_by.map(|u| u.split_once(':').map_or(u, |(c, _)| c).trim())
    }

    /// The component the key belongs to: its first dotted segment, e.g.
    /// `azure_firewall` for `azure_firewall.latency_sigma`.
    pub fn key_component(&self) -> &'static str {
        self.key.split_once('.').map_or(self.key, |(c, _)| c)
    }

    /// Whether the figure belongs to `component`: its key starts with
    /// `component.`, or it feeds that component ([`Figure::used_by`]). So
    /// `vnet_gateway` selects the `vpn_gateway.*` and
    /// `expressroute_gateway.*` figures, and `link` the network latencies.
    pub fn is_for(&self, component: &str) -> bool {
        self.key_component() == component || self.used_by_component() == Some(component)
    }

    /// Whether the figure is a price (its unit is in [`PRICE_CURRENCY`]):
    /// it feeds a route's cost, never its latency, so `aznetsim
    /// sensitivity` does not vary it.
    pub fn is_price(&self) -> bool {
        self.unit.starts_with(PRICE_CURRENCY)
    }
}

/// The currency of every price in the catalog.
pub const PRICE_CURRENCY: &str = "USD";

/// Where the catalog's prices apply: one region and currency for the whole
/// table, and what kind of price they are.
pub const PRICE_REGION: &str = "US list prices (East US where a page names a region), pay as you go: no reservation, savings plan, discount or tax; prices differ by region";

/// Hours in the month a cost per month is taken over: 8,760 h / 12, the
/// month Azure's pricing pages and calculator use (S30's examples).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Every source a figure may cite: `S1`..`S57` of `azure-figures.md`, then
/// `EST` ("estimate, no published figure") and `RFC9293`, then pages cited
/// since under descriptive ids.
pub static SOURCES: &[Source] = sources::LIST;

/// Every default figure the simulator uses, grouped by component.
pub static FIGURES: &[Figure] = figures::LIST;

pub use ranges::Range;

/// A plausible (low, high) range for the estimates: what `aznetsim
/// sensitivity` sets each EST figure to (see [`Range`]).
pub static RANGES: &[Range] = ranges::LIST;

/// The range of the figure with this key, or `None` (only estimates have
/// one).
pub fn range(key: &str) -> Option<&'static Range> {
    RANGES.iter().find(|r| r.key == key)
}

thread_local! {
    /// The keys looked up on this thread while [`record_lookups`] runs.
    static LOOKUPS: RefCell<Option<BTreeSet<&'static str>>> = const { RefCell::new(None) };
    /// The values [`with_values`] gives figures on this thread, innermost
    /// last.
    static VALUES: RefCell<Vec<(&'static str, f64)>> = const { RefCell::new(Vec::new()) };
}

/// The figure with this key, or `None`. Inside [`with_values`] its
/// `value` is the one given there.
pub fn try_figure(key: &str) -> Option<Figure> {
    let found = FIGURES.iter().find(|f| f.key == key)?;
    LOOKUPS.with_borrow_mut(|keys| {
        if let Some(keys) = keys {
            keys.insert(found.key);
        }
    });
    let set = VALUES.with_borrow(|v| v.iter().rev().find(|(k, _)| *k == found.key).map(|p| p.1));
    Some(Figure { value: set.unwrap_or(found.value), ..*found })
}

/// Runs `work` with the figures of `values` (key, value in the figure's
/// unit) taking those values instead of the catalog's on this thread: what
/// a sensitivity run sets each estimate to. Calls nest, the inner value
/// winning; the catalog's values return when `work` ends (also by a
/// panic). Lookups are made while a scenario compiles, on the caller's
/// thread, so a scenario compiled inside sees the values.
pub fn with_values<R>(values: &[(&'static str, f64)], work: impl FnOnce() -> R) -> R {
    /// Drops the values pushed, however `work` ends.
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            VALUES.with_borrow_mut(|v| v.truncate(self.0));
        }
    }
    let _restore = Restore(VALUES.with_borrow_mut(|v| {
        let before = v.len();
        v.extend_from_slice(values);
        before
    }));
    work()
}

/// Runs `work` and returns its result with the keys of every figure it
/// looked up (through [`try_figure`], [`figure`] or [`value`]) on this
/// thread. Calls nest: an outer recording also sees the inner one's keys.
///
/// This is how the tests prove that a figure marked [`Figure::used_by`] is
/// really read by the model; lookups are made while a scenario compiles, on
/// the caller's thread.
pub fn record_lookups<R>(work: impl FnOnce() -> R) -> (R, BTreeSet<&'static str>) {
    let outer = LOOKUPS.with_borrow_mut(|keys| keys.replace(BTreeSet::new()));
    let result = work();
    let mine = LOOKUPS.with_borrow_mut(|keys| {
        let mine = keys.take().unwrap_or_default();
        *keys = outer.map(|mut o| {
            o.extend(mine.iter().copied());
            o
        });
        mine
    });
    (result, mine)
}

/// The figure with this key (its value as [`try_figure`] gives it).
///
/// # Panics
///
/// If the catalog has no such key. Keys are fixed in the code that asks for
/// them and every one is covered by a test, so a miss is a programming error;
/// use [`try_figure`] for keys that come from user input.
pub fn figure(key: &str) -> Figure {
    try_figure(key).unwrap_or_else(|| {
        panic!("catalog has no figure '{key}'; `aznetsim catalog` lists the known keys")
    })
}

/// The value of the figure with this key, in its unit (inside
/// [`with_values`], the value given there).
///
/// # Panics
///
/// As [`figure`], if the catalog has no such key.
pub fn value(key: &str) -> f64 {
    figure(key).value
}

/// The source with this id, or `None`.
pub fn source(id: &str) -> Option<&'static Source> {
    SOURCES.iter().find(|s| s.id == id)
}

/// What the `used by` column says of a figure the model does not read.
pub const NOT_MODELLED: &str = "not modelled yet";

/// Every component a figure belongs to or feeds, sorted: the first segment
/// of each key and the component of each [`Figure::used_by`]. These are the
/// names [`markdown_table_for`] accepts.
pub fn components() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = FIGURES
        .iter()
        .flat_map(|f| std::iter::once(f.key_component()).chain(f.used_by_component()))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The whole catalog as two Markdown tables: the figures (key, value, unit,
/// tag, sources, used by, note), then what the tags and the `used by`
/// column mean, then the sources (id, title, address, date).
pub fn markdown_table() -> String {
    tables(&FIGURES.iter().collect::<Vec<_>>(), SOURCES.iter().collect())
}

/// As [`markdown_table`], for the figures of one component only (see
/// [`Figure::is_for`]) and the sources they cite; `None` when no figure
/// belongs to `component` (the known names are [`components`]).
pub fn markdown_table_for(component: &str) -> Option<String> {
    let figures: Vec<&Figure> = FIGURES.iter().filter(|f| f.is_for(component)).collect();
    let cited =
        SOURCES.iter().filter(|s| figures.iter().any(|f| f.sources.contains(&s.id))).collect();
    if figures.is_empty() { None } else { Some(tables(&figures, cited)) }
}

/// The price table: every price figure ([`Figure::is_price`]) and the
/// sources it cites, as [`markdown_table`], under a line saying the
/// region, the currency and that they are list prices and estimates.
pub fn prices_markdown_table() -> String {
    prices_markdown_table_of(&FIGURES.iter().filter(|f| f.is_price()).collect::<Vec<_>>())
}

/// As [`prices_markdown_table`], for the prices among `figures` (one
/// component's, say).
pub fn prices_markdown_table_of(figures: &[&Figure]) -> String {
    let figures: Vec<&Figure> = figures.iter().copied().filter(|f| f.is_price()).collect();
    let cited =
        SOURCES.iter().filter(|s| figures.iter().any(|f| f.sources.contains(&s.id))).collect();
    format!(
        "Prices in {PRICE_CURRENCY}: {PRICE_REGION}. They are list prices, most quoted second-hand (SEC) or estimated (EST): a cost computed from them is an estimate; give a price of your agreement with --set prices.KEY=VALUE. A month is {HOURS_PER_MONTH} h.\n\n{}",
        tables(&figures, cited)
    )
}

/// The figures table, the legend, then the table of `sources`.
fn tables(figures: &[&Figure], sources: Vec<&Source>) -> String {
    use fmt::Write as _;

    let mut out = String::from(
        "| key | value | unit | tag | sources | used by | note | range |\n| --- | ---: | --- | --- | --- | --- | --- | --- |\n",
    );
    for f in figures {
        let range = range(f.key)
            .map_or_else(String::new, |r| format!("{}..{}: {}", r.low, r.high, escape(r.why)));
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {range} |",
            f.key,
            f.value,
            f.unit,
            f.tag,
            f.sources.join(", "),
            escape(f.used_by.unwrap_or(NOT_MODELLED)),
            escape(f.note)
        );
    }
    let modelled = figures.iter().filter(|f| f.used_by.is_some()).count();
    let _ = writeln!(
        out,
        "\n{modelled} of {} figures are used by the model.\n\nTags (how reliable a figure is):\n",
        figures.len()
    );
    for t in Tag::ALL {
        let _ = writeln!(out, "- {}: {}", t.label(), t.meaning());
    }
    let _ = writeln!(
        out,
        "\nUsed by: the component (node kind, link or route) and the field whose default the figure \
         gives; \"{NOT_MODELLED}\": the model does not read the figure, it is listed for reference.\n\
         Range: for an estimate, the low and high values `aznetsim sensitivity` sets it to, and why; \
         a judgement, not a published interval."
    );
    out.push_str("\n| id | title | address | date |\n| --- | --- | --- | --- |\n");
    for s in sources {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            s.id,
            escape(s.title),
            escape(s.address),
            escape(s.date)
        );
    }
    out
}

/// Makes text safe inside a Markdown table cell.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule a catalog must satisfy, as a list of problems (empty when
    /// the catalog is sound). Kept separate from the tests so the tests can
    /// feed it broken catalogs and check that each rule bites.
    fn problems(figures: &[Figure], sources: &[Source]) -> Vec<String> {
        let mut out = Vec::new();
        let mut ids: Vec<&str> = sources.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        for pair in ids.windows(2).filter(|p| p[0] == p[1]) {
            out.push(format!("source id '{}' is listed twice", pair[0]));
        }
        let mut keys: Vec<&str> = figures.iter().map(|f| f.key).collect();
        keys.sort_unstable();
        for pair in keys.windows(2).filter(|p| p[0] == p[1]) {
            out.push(format!("figure key '{}' is listed twice", pair[0]));
        }
        for f in figures {
            let key = f.key;
            let well_formed = key.contains('.')
                && !key.starts_with('.')
                && !key.ends_with('.')
                && !key.contains("..")
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._".contains(c));
            if !well_formed {
                out.push(format!("key '{key}' is not dotted lowercase [a-z0-9_.]"));
            }
            if !f.value.is_finite() || f.value < 0.0 {
                out.push(format!("figure '{key}' has value {}; must be finite and >= 0", f.value));
            }
            if f.sources.is_empty() {
                out.push(format!("figure '{key}' cites no source"));
            }
            for id in f.sources {
                if !sources.iter().any(|s| s.id == *id) {
                    out.push(format!("figure '{key}' cites unknown source '{id}'"));
                }
            }
            if f.sources.contains(&"EST") && f.tag != Tag::Est {
                out.push(format!("figure '{key}' cites EST but is tagged {}", f.tag));
            }
            if f.unit.trim().is_empty() {
                out.push(format!("figure '{key}' has no unit"));
            }
            if f.note.trim().is_empty() {
                out.push(format!("figure '{key}' has no note"));
            }
            match (f.used_by, f.used_by_component()) {
                (Some(by), Some(c)) if !by.contains(':') || !COMPONENTS.contains(&c) => {
                    out.push(format!(
                        "figure '{key}' is used by '{by}'; write 'component: field' with a component of {}",
                        COMPONENTS.join(", ")
                    ));
                }
                (Some(by), _)
                    if by.split_once(':').is_some_and(|(_, field)| field.trim().is_empty()) =>
                {
                    out.push(format!("figure '{key}' is used by '{by}', which names no field"));
                }
                _ => {}
            }
        }
        out
    }

    /// What a `used_by` may name before its `:`: a node kind, a link or a
    /// route.
    const COMPONENTS: &[&str] = &[
        "client",
        "station",
        "azure_firewall",
        "apim",
        "app_gateway",
        "vnet_gateway",
        "onprem_firewall",
        "onprem_api_gateway",
        "backend",
        "identity_provider",
        "microsoft_graph",
        "domain_controller",
        "link",
        "route",
    ];

    #[test]
    fn used_by_components_are_the_node_kinds_a_link_or_a_route() {
        assert_eq!(&COMPONENTS[..12], crate::azure::NODE_KINDS);
    }

    /// Every key named in the brief the lead engineer compiles node kinds
    /// from; each must resolve.
    const REQUIRED: &[&str] = &[
        "azure_firewall.standard.throughput_per_instance_gbps",
        "azure_firewall.latency_aligned_ms",
        "azure_firewall.latency_unaligned_ms",
        "azure_firewall.latency_sigma",
        "azure_firewall.standard.per_flow_gbps",
        "azure_firewall.premium.per_flow_idps_deny_gbps",
        "azure_firewall.standard.max_instances",
        "azure_firewall.min_instances",
        "apim.developer.capacity_per_unit_per_s",
        "apim.basic.capacity_per_unit_per_s",
        "apim.standard.capacity_per_unit_per_s",
        "apim.premium.capacity_per_unit_per_s",
        "apim.basicv2.capacity_per_unit_per_s",
        "apim.standardv2.capacity_per_unit_per_s",
        "apim.premiumv2.capacity_per_unit_per_s",
        "apim.developer.max_units",
        "apim.basic.max_units",
        "apim.standard.max_units",
        "apim.premium.max_units",
        "apim.basicv2.max_units",
        "apim.standardv2.max_units",
        "apim.premiumv2.max_units",
        "apim.gateway_latency_ms",
        "apim.gateway_latency_sigma",
        "apim.validate_jwt_cpu_ms",
        "apim.jwks_fetch_ms",
        "apim.jwks_cache_s",
        "apim.send_request_timeout_ms",
        "apim.forward_request_timeout_ms",
        "app_gateway.standard_v2.tls_conns_per_s_per_cu",
        "app_gateway.waf_v2.req_per_s_per_cu",
        "app_gateway.cu_per_instance",
        "app_gateway.min_instances",
        "app_gateway.max_instances",
        "app_gateway.standard_v2.latency_ms",
        "app_gateway.waf_v2.extra_latency_ms",
        "app_gateway.cu_ceiling_per_instance",
        "app_gateway.persistent_conns_per_cu",
        "app_gateway.latency_sigma",
        "app_gateway.request_timeout_ms",
        "app_gateway.throughput_per_cu_mbps",
        "vpn_gateway.vpngw1az.aggregate_mbps",
        "vpn_gateway.vpngw2az.aggregate_mbps",
        "vpn_gateway.vpngw3az.aggregate_mbps",
        "vpn_gateway.vpngw4az.aggregate_mbps",
        "vpn_gateway.vpngw5az.aggregate_mbps",
        "vpn_gateway.vpngw1az.per_tunnel_mbps",
        "vpn_gateway.vpngw2az.per_tunnel_mbps",
        "vpn_gateway.vpngw3az.per_tunnel_mbps",
        "vpn_gateway.vpngw4az.per_tunnel_mbps",
        "vpn_gateway.vpngw5az.per_tunnel_mbps",
        "vpn_gateway.vpngw1az.per_tunnel_pps",
        "vpn_gateway.vpngw2az.per_tunnel_pps",
        "vpn_gateway.vpngw3az.per_tunnel_pps",
        "vpn_gateway.vpngw4az.per_tunnel_pps",
        "vpn_gateway.vpngw5az.per_tunnel_pps",
        "vpn_gateway.latency_ms",
        "vpn_gateway.latency_sigma",
        "expressroute_gateway.ergw1az.bandwidth_mbps",
        "expressroute_gateway.ergw1az.pps",
        "expressroute_gateway.ergw2az.bandwidth_mbps",
        "expressroute_gateway.ergw2az.pps",
        "expressroute_gateway.ergw3az.bandwidth_mbps",
        "expressroute_gateway.ergw3az.pps",
        "expressroute_gateway.ergwscale.bandwidth_mbps_per_unit",
        "expressroute_gateway.ergwscale.pps_per_unit",
        "expressroute_gateway.ergwscale.max_units",
        "expressroute_gateway.latency_ms",
        "expressroute_gateway.latency_sigma",
        "expressroute.max_packet_bytes",
        "expressroute.circuit_rtt_base_ms",
        "expressroute.circuit_rtt_per_100km_ms",
        "vpn.wan_rtt_ms",
        "network.intra_zone_ms",
        "network.intra_zone_sigma",
        "network.cross_zone_ms",
        "network.cross_zone_sigma",
        "network.peering_extra_ms",
        "onprem_firewall.latency_ms",
        "onprem_firewall.throughput_gbps",
        "onprem_api_gateway.latency_ms",
        "onprem_api_gateway.capacity_per_node_per_s",
        "backend.service_ms",
        "backend.service_sigma",
        "tls.rsa2048_handshake_cpu_ms",
        "tls.ecdsa_p256_handshake_cpu_ms",
        "tls.tls12_handshake_rtts",
        "tls.tls13_handshake_rtts",
        "tcp.handshake_rtts",
        "tls.connection_reuse",
        "identity_provider.token_ms",
        "identity_provider.token_sigma",
        "identity_provider.token_lifetime_min_min",
        "identity_provider.token_lifetime_max_min",
    ];

    #[test]
    fn catalog_has_no_problems() {
        let found = problems(FIGURES, SOURCES);
        assert!(found.is_empty(), "catalog problems:\n{}", found.join("\n"));
    }

    #[test]
    fn checker_catches_broken_figures() {
        const fn bad(key: &'static str, value: f64, sources: &'static [&'static str]) -> Figure {
            Figure {
                key,
                value,
                unit: "ms",
                tag: Tag::Off,
                sources,
                note: "made up",
                used_by: None,
            }
        }
        let broken = [
            bad("made_up.unknown_source_ms", 1.0, &["S999"]),
            bad("made_up.no_source_ms", 1.0, &[]),
            bad("made_up.nan_ms", f64::NAN, &["S1"]),
            bad("made_up.infinite_ms", f64::INFINITY, &["S1"]),
            bad("made_up.negative_ms", -1.0, &["S1"]),
            bad("made_up.est_tagged_off_ms", 1.0, &["EST"]),
            bad("Made_Up.Upper_ms", 1.0, &["S1"]),
            bad("made_up.twice_ms", 1.0, &["S1"]),
            bad("made_up.twice_ms", 2.0, &["S1"]),
            Figure { unit: " ", note: "", ..bad("made_up.blank_ms", 1.0, &["S1"]) },
            Figure {
                used_by: Some("apim gateway latency"),
                ..bad("made_up.no_colon_ms", 1.0, &["S1"])
            },
            Figure { used_by: Some("vnet: bandwidth"), ..bad("made_up.no_kind_ms", 1.0, &["S1"]) },
            Figure { used_by: Some("apim:  "), ..bad("made_up.no_field_ms", 1.0, &["S1"]) },
        ];
        let found = problems(&broken, SOURCES).join("\n");
        for expected in [
            "'made_up.unknown_source_ms' cites unknown source 'S999'",
            "'made_up.no_source_ms' cites no source",
            "'made_up.nan_ms' has value NaN",
            "'made_up.infinite_ms' has value inf",
            "'made_up.negative_ms' has value -1",
            "'made_up.est_tagged_off_ms' cites EST but is tagged OFF",
            "key 'Made_Up.Upper_ms' is not dotted lowercase",
            "figure key 'made_up.twice_ms' is listed twice",
            "'made_up.blank_ms' has no unit",
            "'made_up.blank_ms' has no note",
            "'made_up.no_colon_ms' is used by 'apim gateway latency'; write 'component: field'",
            "'made_up.no_kind_ms' is used by 'vnet: bandwidth'; write 'component: field'",
            "'made_up.no_field_ms' is used by 'apim:  ', which names no field",
        ] {
            assert!(found.contains(expected), "checker missed: {expected}\nit found:\n{found}");
        }
        // Sound figures next to them add nothing: not modelled, or used.
        assert!(problems(&[bad("made_up.fine_ms", 1.0, &["S1"])], SOURCES).is_empty());
        let used = Figure {
            used_by: Some("apim: units (default)"),
            ..bad("made_up.used_ms", 1.0, &["S1"])
        };
        assert!(problems(&[used], SOURCES).is_empty());
    }

    #[test]
    fn checker_catches_duplicate_source_ids() {
        let twice = [SOURCES[0], SOURCES[0]];
        let found = problems(&[], &twice);
        assert_eq!(found, [format!("source id '{}' is listed twice", SOURCES[0].id)]);
    }

    #[test]
    fn sources_are_s1_to_s57_then_added_ones_then_est_and_rfc9293() {
        let ids: Vec<&str> = SOURCES.iter().map(|s| s.id).collect();
        let mut expected: Vec<String> = (1..=57).map(|n| format!("S{n}")).collect();
        expected.extend(["EST".to_owned(), "RFC9293".to_owned()]);
        // Pages cited since come after, each once.
        assert_eq!(ids[..expected.len()], expected);
        let later: std::collections::BTreeSet<&str> =
            ids[expected.len()..].iter().copied().collect();
        assert_eq!(later.len(), ids.len() - expected.len(), "a source id is repeated");
        assert!(later.iter().all(|id| !expected.iter().any(|e| e == id)), "{later:?}");
        assert_eq!(source("EST").map(|s| s.title), Some("estimate, no published figure"));
        for s in SOURCES.iter().filter(|s| s.id != "EST") {
            assert!(!s.title.is_empty() && !s.address.is_empty() && !s.date.is_empty(), "{s:?}");
        }
    }

    #[test]
    fn every_required_key_resolves() {
        let missing: Vec<&str> =
            REQUIRED.iter().copied().filter(|k| try_figure(k).is_none()).collect();
        assert!(missing.is_empty(), "missing keys: {missing:?}");
    }

    #[test]
    fn values_match_azure_figures() {
        // Spot checks of values the brief pins, so a typo in the table shows.
        for (key, expected) in [
            ("app_gateway.throughput_per_cu_mbps", 2.22),
            ("apim.forward_request_timeout_ms", 240_000.0),
            ("expressroute.max_packet_bytes", 1400.0),
            ("expressroute.circuit_rtt_base_ms", 2.0),
            ("expressroute.circuit_rtt_per_100km_ms", 1.0),
            ("vpn.wan_rtt_ms", 10.0),
            ("network.intra_zone_ms", 0.03),
            ("network.cross_zone_ms", 0.5),
            ("network.peering_extra_ms", 0.0),
            ("tls.rsa2048_handshake_cpu_ms", 1.4),
            // Azure Firewall performance, ms.date 03/28/2026 (S1): IDPS deny.
            ("azure_firewall.premium.idps_deny_max_throughput_gbps", 22.0),
            ("azure_firewall.premium.per_flow_idps_deny_gbps", 0.6),
            ("tls.ecdsa_p256_handshake_cpu_ms", 0.05),
            ("tls.tls12_handshake_rtts", 2.0),
            ("tls.tls13_handshake_rtts", 1.0),
            ("tcp.handshake_rtts", 1.0),
            ("tls.connection_reuse", 0.9),
            ("identity_provider.token_ms", 150.0),
            ("identity_provider.token_sigma", 0.8),
            ("identity_provider.token_lifetime_min_min", 60.0),
            ("identity_provider.token_lifetime_max_min", 90.0),
        ] {
            assert_eq!(value(key), expected, "{key}");
        }
        assert_eq!(figure("tls.connection_reuse").tag, Tag::Est);
        // v2 APIM capacities are flagged estimates copied from the classic tier.
        for tier in ["basic", "standard", "premium"] {
            let v2 = figure(&format!("apim.{tier}v2.capacity_per_unit_per_s"));
            assert_eq!(v2.tag, Tag::Est);
            assert!(v2.note.contains("EST"), "{}", v2.key);
            assert_eq!(v2.value, value(&format!("apim.{tier}.capacity_per_unit_per_s")));
        }
        // Bounds of uniform draws are ordered.
        for prefix in [
            "azure_firewall.scale_out_delay",
            "apim.classic.scale_out_delay",
            "app_gateway.scale_out_delay",
        ] {
            assert!(value(&format!("{prefix}_min_min")) <= value(&format!("{prefix}_max_min")));
        }
        assert!(
            value("identity_provider.token_lifetime_min_min")
                <= value("identity_provider.token_lifetime_max_min")
        );
    }

    #[test]
    #[should_panic(expected = "catalog has no figure 'no.such_key_ms'")]
    fn figure_panics_on_an_unknown_key() {
        figure("no.such_key_ms");
    }

    #[test]
    fn markdown_table_mentions_every_key_and_source() {
        let table = markdown_table();
        for f in FIGURES {
            assert!(table.contains(&format!("| `{}` |", f.key)), "{}", f.key);
        }
        for s in SOURCES {
            assert!(table.contains(&format!("\n| {} |", s.id)), "{}", s.id);
        }
        let rows = table.lines().filter(|l| l.starts_with('|')).count();
        assert_eq!(rows, FIGURES.len() + SOURCES.len() + 4);
        // The used-by column, the tags' meanings and the count under the table.
        assert!(table.contains(
            "| `apim.gateway_latency_ms` | 3 | ms | EST | EST | apim: gateway_latency_ms (median of the default law) | gateway processing"
        ), "{table}");
        assert!(
            table.contains("| `apim.jwks_fetch_ms` | 100 | ms | MEAS | S25 | apim: policies.validate_jwt.jwks_via (time of one fetch at the provider) |"),
            "{table}"
        );
        assert!(
            table.contains(
                "| `apim.self_hosted.min_replicas` | 2 | replicas | OFF | S26 | not modelled yet |"
            ),
            "{table}"
        );
        for t in Tag::ALL {
            assert!(table.contains(&format!("\n- {}: {}\n", t.label(), t.meaning())), "{t}");
        }
        // An estimate shows its range and why; other figures an empty cell.
        assert!(table.contains(
            "| apim: gateway_latency_ms (median of the default law) | gateway processing per request without policies; nothing published | 1..10: a reverse proxy"
        ), "{table}");
        assert!(table.contains("| 0.05..1: an unknown appliance"), "{table}");
        assert!(
            table.lines().any(|l| l.starts_with("| `tcp.handshake_rtts` |") && l.ends_with("|  |"))
        );
        let used = FIGURES.iter().filter(|f| f.used_by.is_some()).count();
        assert!(
            table
                .contains(&format!("\n{used} of {} figures are used by the model.", FIGURES.len()))
        );
        let legend = table.find("Tags (how reliable").unwrap();
        assert!(table.find("| `").unwrap() < legend && legend < table.find("| id |").unwrap());
    }

    #[test]
    fn a_component_table_holds_its_figures_and_their_sources_only() {
        let apim = markdown_table_for("apim").unwrap();
        let keys: Vec<&str> = apim.lines().filter_map(|l| l.strip_prefix("| `")).collect();
        assert!(!keys.is_empty());
        for k in &keys {
            let key = k.split('`').next().unwrap();
            let f = figure(key);
            assert!(f.key.starts_with("apim.") || f.used_by_component() == Some("apim"), "{key}");
        }
        // The token lifetime is an identity_provider figure that APIM uses.
        assert!(apim.contains("| `identity_provider.token_lifetime_min_min` |"));
        assert!(!apim.contains("| `azure_firewall."));
        // Only cited sources: APIM cites no RFC.
        assert!(!apim.contains("\n| RFC9293 |"));
        // vnet_gateway: both gateway types' figures, by what they feed.
        let gw = markdown_table_for("vnet_gateway").unwrap();
        assert!(gw.contains("| `vpn_gateway.vpngw1az.per_tunnel_mbps` |"));
        assert!(gw.contains("| `expressroute_gateway.ergw1az.bandwidth_mbps` |"));
        assert_eq!(markdown_table_for("no_such_component"), None);
        let all = components();
        for c in ["apim", "vnet_gateway", "vpn_gateway", "link", "route", "tls"] {
            assert!(all.contains(&c), "{c} in {all:?}");
        }
        assert!(all.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn escape_protects_table_cells() {
        assert_eq!(escape("a | b"), "a \\| b");
    }
}
