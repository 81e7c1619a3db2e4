//! The TLS model: who terminates, who initiates, which connections a
//! path opens and what their handshakes cost in round trips.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::azure::NodeModel;
use crate::azure::catalog::value;
use crate::azure::network::{LinkMap, link_mean_ms, mean_ms};
use crate::error::Invalid;
use crate::file::json::key_path;
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
}

/// TLS protocol version a terminator negotiates: `"1.2"` or `"1.3"` (a bare
/// number is accepted too, since `--set x.tls_version=1.3` reads as one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CertificateKey {
    Rsa2048,
    EcdsaP256,
}

/// Server-side TLS settings shared by terminating kinds (fields of their
/// node objects: `certificate_ca`, `tls_version`, `certificate_key`).
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsSpec {
    pub(crate) certificate_ca: Option<String>,
    pub(crate) tls_version: Option<TlsVersion>,
    pub(crate) certificate_key: Option<CertificateKey>,
}

pub(crate) fn terminator(t: &TlsSpec, default_ca: &str, cpu_ms: Option<f64>) -> Terminator {
    let tls_version = t.tls_version.unwrap_or(TlsVersion::V12);
    let key_cpu = match t.certificate_key.unwrap_or(CertificateKey::Rsa2048) {
        CertificateKey::Rsa2048 => value("tls.rsa2048_handshake_cpu_ms"),
        CertificateKey::EcdsaP256 => value("tls.ecdsa_p256_handshake_cpu_ms"),
    };
    Terminator {
        certificate_ca: t.certificate_ca.clone().unwrap_or_else(|| default_ca.to_string()),
        tls_rtts: match tls_version {
            TlsVersion::V12 => value("tls.tls12_handshake_rtts"),
            TlsVersion::V13 => value("tls.tls13_handshake_rtts"),
        },
        tls_version,
        handshake_cpu_ms: cpu_ms.unwrap_or(key_cpu),
    }
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
    })
}

/// A TLS connection on a path: the initiator's hop and the terminator's hop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    pub(crate) initiator: usize,
    pub(crate) terminator: usize,
}

/// TLS connections along a path: from each initiator (the client, then each
/// proxy) to the next node that terminates TLS; L4 devices in between pass
/// the connection through.
pub(crate) fn segments(r: &RouteSpec, nodes: &BTreeMap<String, NodeModel>) -> Vec<Segment> {
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
