//! The TLS model: who terminates, who initiates, which connections a
//! path opens and what their handshakes cost in round trips.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::azure::catalog::value;
pub(crate) use crate::azure::certs::CertificateKey;
use crate::azure::certs::{CertificateFields, ClientCerts, ServerCerts, server};
use crate::azure::network::{LinkMap, link_mean_ms, mean_ms};
use crate::azure::{FirewallRule, Kind, NodeModel};
use crate::error::Invalid;
use crate::file::json::{index_path, key_path};
use crate::file::limits::fraction;
use crate::file::spec::RouteSpec;

/// The server side of TLS at a node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Terminator {
    /// The CA that issued the node's certificate.
    pub certificate_ca: String,
    /// Round trips of the TLS handshake (TLS 1.2: 2, TLS 1.3: 1).
    pub tls_rtts: f64,
    /// The TLS version, for explanations.
    pub tls_version: TlsVersion,
    /// Server CPU per full handshake \[ms\].
    pub handshake_cpu_ms: f64,
    /// Names, chain, client certificates required, expiry.
    pub certs: ServerCerts,
}

/// The client side of connections a node opens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Initiator {
    /// CAs whose certificates it accepts.
    pub trusts: Vec<String>,
    /// Whether a custom CA can be installed at all (some Azure services
    /// cannot be given one).
    pub custom_ca_support: bool,
    /// Probability that a request finds a warm connection.
    pub connection_reuse: f64,
    /// The name it connects to, its client certificate.
    pub certs: ClientCerts,
}

/// TLS protocol version a terminator negotiates: `"1.2"` or `"1.3"` (a bare
/// number is accepted too, since `--set x.tls_version=1.3` reads as one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) enum TlsVersion {
    /// TLS 1.2: a full handshake costs 2 round trips.
    #[serde(rename = "1.2")]
    V12,
    /// TLS 1.3: a full handshake costs 1 round trip.
    #[serde(rename = "1.3")]
    V13,
}

impl<'de> Deserialize<'de> for TlsVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let text = v.as_str().map(str::to_string).or_else(|| v.as_f64().map(|n| n.to_string()));
        match text.as_deref() {
            Some("1.2") => Ok(TlsVersion::V12),
            Some("1.3") => Ok(TlsVersion::V13),
            _ => Err(serde::de::Error::custom(format!(
                "unknown TLS version {v}, expected \"1.2\" or \"1.3\""
            ))),
        }
    }
}

/// Server-side TLS settings shared by terminating kinds (fields of their
/// node objects: `certificate_ca`, `tls_version`, `certificate_key`, and
/// the certificate's `certificate_names`, `host_name`,
/// `sends_intermediates`, `client_certificate_trusts`,
/// `certificate_expires`).
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsSpec {
    pub(crate) certificate_ca: Option<String>,
    pub(crate) tls_version: Option<TlsVersion>,
    pub(crate) certificate_key: Option<CertificateKey>,
    pub(crate) certificate: CertificateFields,
}

/// A terminator from its TLS fields (`path`: the node's JSON path).
///
/// # Errors
///
/// Fails on a certificate field that does not hold (see
/// [`crate::azure::certs::server`]).
pub(crate) fn terminator(
    t: &TlsSpec,
    default_ca: &str,
    cpu_ms: Option<f64>,
    path: &str,
) -> Result<Terminator, Invalid> {
    let tls_version = t.tls_version.unwrap_or(TlsVersion::V12);
    let key_cpu = match t.certificate_key.unwrap_or(CertificateKey::Rsa2048) {
        CertificateKey::Rsa2048 => value("tls.rsa2048_handshake_cpu_ms"),
        CertificateKey::EcdsaP256 => value("tls.ecdsa_p256_handshake_cpu_ms"),
    };
    let certificate_ca = t.certificate_ca.clone().unwrap_or_else(|| default_ca.to_string());
    let mut certs = server(&t.certificate, path)?;
    certs.chain = vec![certificate_ca.clone()];
    Ok(Terminator {
        certificate_ca,
        tls_rtts: match tls_version {
            TlsVersion::V12 => value("tls.tls12_handshake_rtts"),
            TlsVersion::V13 => value("tls.tls13_handshake_rtts"),
        },
        tls_version,
        handshake_cpu_ms: cpu_ms.unwrap_or(key_cpu),
        certs,
    })
}

pub(crate) fn initiator(
    trusts: &Option<Vec<String>>,
    default: &[&str],
    reuse: Option<f64>,
    path: &str,
    custom_ca_support: bool,
) -> Result<Initiator, Invalid> {
    let default_reuse = value("tls.connection_reuse");
    let mut init = initiator_with_default(trusts, default, reuse, default_reuse, path)?;
    init.custom_ca_support = custom_ca_support;
    Ok(init)
}

/// An initiator (that accepts custom CAs) whose connection reuse defaults
/// to `default_reuse` instead of the catalog's generic figure: a proxy that
/// pools its backend connections.
pub(crate) fn initiator_with_default(
    trusts: &Option<Vec<String>>,
    default: &[&str],
    reuse: Option<f64>,
    default_reuse: f64,
    path: &str,
) -> Result<Initiator, Invalid> {
    Ok(Initiator {
        trusts: trusts
            .clone()
            .unwrap_or_else(|| default.iter().map(|s| (*s).to_string()).collect()),
        custom_ca_support: true,
        connection_reuse: fraction(reuse, default_reuse, key_path(path, "connection_reuse"))?,
        certs: ClientCerts::default(),
    })
}

impl Initiator {
    /// The same initiator with its certificate facts.
    pub(crate) fn with_certs(self, certs: ClientCerts) -> Initiator {
        Initiator { certs, ..self }
    }
}

/// A TLS connection on a path: the initiator's hop and the terminator's hop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    pub(crate) initiator: usize,
    pub(crate) terminator: usize,
}

/// TLS connections along a path: from each initiator (the client, then each
/// proxy, and each Azure Firewall traversal that inspects TLS) to the next
/// node that terminates TLS; L4 devices in between pass the connection
/// through.
pub(crate) fn segments(r: &RouteSpec, nodes: &BTreeMap<String, NodeModel>) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut initiator = initiator_at(r, nodes, 0).map(|_| 0);
    for j in 1..r.path.len() {
        if terminator_at(r, nodes, j).is_some() {
            if let Some(i) = initiator {
                out.push(Segment { initiator: i, terminator: j });
            }
            initiator = initiator_at(r, nodes, j).map(|_| j);
        }
    }
    out
}

/// Whether hop `j` of `r` is a traversal of an Azure Firewall that
/// inspects TLS: the firewall has `tls_inspection` and the traversal
/// matches application rules. TLS inspection is an opt-in of application
/// rules (FW-PREMIUM-FEATURES); a traversal that matches network rules
/// passes TLS through uninspected.
pub(crate) fn inspects(r: &RouteSpec, nodes: &BTreeMap<String, NodeModel>, j: usize) -> bool {
    let node = &nodes[&r.path[j]];
    if node.inspection.is_none() {
        return false;
    }
    // An invalid `firewall_rules` is reported when the route compiles;
    // until then the node's own rule stands.
    let rule = traversal_rules(r, "", nodes)
        .map_or_else(|_| node.firewall.map(|f| f.rule), |rules| rules[j]);
    rule == Some(FirewallRule::Application)
}

/// The TLS roles at hop `j` of `r`, server side and client side: the
/// node's own, or, where the hop is an inspecting firewall traversal
/// ([`inspects`]), the firewall's generated certificate towards the client
/// and its own connection to the server.
fn roles_at<'a>(
    r: &RouteSpec,
    nodes: &'a BTreeMap<String, NodeModel>,
    j: usize,
) -> (Option<&'a Terminator>, Option<&'a Initiator>) {
    let node = &nodes[&r.path[j]];
    match node.inspection.as_ref().filter(|_| inspects(r, nodes, j)) {
        Some(i) => (Some(&i.terminator), Some(&i.initiator)),
        None => (node.terminator.as_ref(), node.initiator.as_ref()),
    }
}

/// The server side of TLS at hop `j` of `r` (see [`roles_at`]).
pub(crate) fn terminator_at<'a>(
    r: &RouteSpec,
    nodes: &'a BTreeMap<String, NodeModel>,
    j: usize,
) -> Option<&'a Terminator> {
    roles_at(r, nodes, j).0
}

/// The client side of TLS at hop `j` of `r` (see [`roles_at`]).
pub(crate) fn initiator_at<'a>(
    r: &RouteSpec,
    nodes: &'a BTreeMap<String, NodeModel>,
    j: usize,
) -> Option<&'a Initiator> {
    roles_at(r, nodes, j).1
}

/// Probability that the connection of `seg` (one of `segs`, the route's
/// [`segments`]) is warm: its initiator's `connection_reuse`, except at an
/// inspecting firewall without a `connection_reuse` of its own. A
/// transparent proxy opens one server connection per client connection it
/// terminates (FW-PREMIUM-FEATURES: it "re-encrypts the traffic which is
/// sent to the original destination"), so its connection is new as often
/// as the one it terminates: the reuse of the segment ending at it.
pub(crate) fn connection_reuse(
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    segs: &[Segment],
    seg: Segment,
) -> f64 {
    let follows = inspects(r, nodes, seg.initiator)
        && nodes[&r.path[seg.initiator]]
            .inspection
            .as_ref()
            .is_some_and(|i| i.reuse_follows_client);
    match segs.iter().find(|s| s.terminator == seg.initiator).filter(|_| follows) {
        Some(inner) => connection_reuse(r, nodes, segs, *inner),
        None => {
            initiator_at(r, nodes, seg.initiator)
                .expect("segments start at initiators")
                .connection_reuse
        }
    }
}

/// Static round trip between two hops of a path \[ms\]: link latencies both
/// ways and the pipeline delays of the devices in between.
pub(crate) fn rtt_ms(
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    seg: Segment,
) -> f64 {
    let p = &r.path;
    let links_ms: f64 =
        (seg.initiator..seg.terminator).map(|k| 2.0 * link_mean_ms(links, &p[k], &p[k + 1])).sum();
    // A device one direction bypasses (an ExpressRoute gateway) delays
    // only the other direction's packets.
    let serves = crate::azure::network::path_serves(r, nodes, links);
    let devices_ms: f64 = (seg.initiator + 1..seg.terminator)
        .filter_map(|k| nodes[&p[k]].station.as_ref().map(|s| (s, serves[k])))
        .map(|(s, sv)| {
            let way = |on: bool, d| if on { mean_ms(d) } else { 0.0 };
            way(sv.has_requests(), s.delay_ns()) + way(sv.has_responses(), s.response_delay_ns())
        })
        .sum();
    links_ms + devices_ms
}

/// The rule collection of each hop of a route's path: `Some` for an Azure
/// Firewall traversal (the route's `firewall_rules` for that node, else
/// the node's `rule`), `None` for every other hop. `path` is the route's
/// JSON path, for errors.
///
/// # Errors
///
/// Fails when `firewall_rules` names a node that is not an Azure Firewall
/// on the path, gives something other than a rule or a list of rules, or
/// a list whose length is not the node's number of traversals.
pub(crate) fn traversal_rules(
    r: &RouteSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
) -> Result<Vec<Option<FirewallRule>>, Invalid> {
    let mut out: Vec<Option<FirewallRule>> =
        r.path.iter().map(|n| nodes[n].firewall.map(|f| f.rule)).collect();
    let Some(overrides) = &r.firewall_rules else { return Ok(out) };
    let fpath = key_path(path, "firewall_rules");
    let parse = |v: &Value, at: &str| -> Result<FirewallRule, Invalid> {
        serde_json::from_value(v.clone()).map_err(|_| {
            Invalid::new(at, format!("expected \"network\" or \"application\", got {v}"))
        })
    };
    for (name, v) in overrides {
        let npath = key_path(&fpath, name);
        let hops: Vec<usize> = (0..r.path.len()).filter(|&j| r.path[j] == *name).collect();
        match nodes.get(name) {
            Some(n) if n.kind == Kind::AzureFirewall && !hops.is_empty() => {}
            _ => {
                let firewalls: Vec<&str> = r
                    .path
                    .iter()
                    .filter(|n| nodes[n.as_str()].kind == Kind::AzureFirewall)
                    .map(String::as_str)
                    .collect();
                let here = if firewalls.is_empty() {
                    "this route crosses no Azure Firewall: remove firewall_rules".to_string()
                } else {
                    format!("the Azure Firewalls on this path are: {}", firewalls.join(", "))
                };
                return Err(Invalid::new(
                    npath,
                    format!("'{name}' is not an Azure Firewall on this route's path; {here}"),
                ));
            }
        }
        let rules = match v {
            Value::Array(list) => {
                if list.len() != hops.len() {
                    return Err(Invalid::new(
                        npath,
                        format!(
                            "gives {} rules, but the path crosses '{name}' {} time{}: give one rule per traversal in path order, or one rule for all",
                            list.len(),
                            hops.len(),
                            if hops.len() == 1 { "" } else { "s" }
                        ),
                    ));
                }
                list.iter()
                    .enumerate()
                    .map(|(k, x)| parse(x, &index_path(&npath, k)))
                    .collect::<Result<Vec<_>, _>>()?
            }
            one => vec![parse(one, &npath)?; hops.len()],
        };
        for (j, rule) in hops.into_iter().zip(rules) {
            out[j] = Some(rule);
        }
    }
    Ok(out)
}

/// The static cost of a new connection on a segment: its TCP handshakes
/// and its TLS handshake.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Handshake {
    /// TCP handshakes in the order they happen: (from hop, to hop, static
    /// round trip \[ms\]). One, initiator to terminator, unless Azure
    /// Firewalls with application rules proxy TCP in between: then the
    /// client's TCP ends at the first of them, which opens the next one
    /// (after the TLS ClientHello, whose SNI it needs), and so on. A
    /// proxy's own pipeline latency is split half to each leg it ends, so
    /// the legs' round trips sum to the end-to-end one: the proxied
    /// handshake has one more round trip per proxy but the same static
    /// time.
    pub(crate) tcp: Vec<(usize, usize, f64)>,
    /// Round trips of the TLS handshake, end to end (no proxy terminates TLS).
    pub(crate) tls_rtts: f64,
    /// The static round trip initiator ↔ terminator \[ms\].
    pub(crate) rtt_ms: f64,
}

impl Handshake {
    /// Whether an application-rule firewall splits the TCP handshake.
    pub(crate) fn is_proxied(&self) -> bool {
        self.tcp.len() > 1
    }

    /// Round trips in all, TCP legs and TLS.
    pub(crate) fn round_trips(&self) -> f64 {
        value("tcp.handshake_rtts") * self.tcp.len() as f64 + self.tls_rtts
    }

    /// Static time of the whole handshake \[ms\].
    pub(crate) fn ms(&self) -> f64 {
        let tcp: f64 = self.tcp.iter().map(|t| t.2).sum();
        value("tcp.handshake_rtts") * tcp + self.tls_rtts * self.rtt_ms
    }
}

/// The handshake of a new connection on `seg`, with `rules` the route's
/// [`traversal_rules`].
pub(crate) fn handshake(
    r: &RouteSpec,
    nodes: &BTreeMap<String, NodeModel>,
    links: &LinkMap,
    seg: Segment,
    rules: &[Option<FirewallRule>],
) -> Handshake {
    let mut stops: Vec<usize> = (seg.initiator + 1..seg.terminator)
        .filter(|&k| rules[k] == Some(FirewallRule::Application))
        .collect();
    stops.insert(0, seg.initiator);
    stops.push(seg.terminator);
    // A proxying firewall's traversal latency is the path through it, not
    // processing at an end: a SYN it answers crosses half of it, in and
    // out, so each leg takes half of its round trip and the legs sum to
    // the end-to-end round trip (the proxy's own connection set-up, not
    // published, adds nothing here).
    // An inspecting firewall that ends (or opens) the segment is the same
    // path-through device: half of its traversal belongs to each of the
    // two connections it joins, so the client's and the firewall's
    // handshakes sum to the end-to-end round trips of the uninspected path.
    let half_through = |k: usize| -> f64 {
        if (k == seg.initiator || k == seg.terminator) && !inspects(r, nodes, k) {
            return 0.0;
        }
        nodes[&r.path[k]]
            .station
            .as_ref()
            .map_or(0.0, |s| (mean_ms(s.delay_ns()) + mean_ms(s.response_delay_ns())) / 2.0)
    };
    let tcp = stops
        .windows(2)
        .map(|w| {
            let leg = Segment { initiator: w[0], terminator: w[1] };
            let rtt = rtt_ms(r, nodes, links, leg) + half_through(w[0]) + half_through(w[1]);
            (w[0], w[1], rtt)
        })
        .collect();
    let term = terminator_at(r, nodes, seg.terminator).expect("segments end at terminators");
    let rtt =
        rtt_ms(r, nodes, links, seg) + half_through(seg.initiator) + half_through(seg.terminator);
    Handshake { tcp, tls_rtts: term.tls_rtts, rtt_ms: rtt }
}
