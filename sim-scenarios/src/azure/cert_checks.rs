//! The checks on certificates beyond the CA name (issue 12 item 1):
//! chains resolved through `certificate_authorities`, the host name an
//! initiator connects to against the certificate's names (`tls_name`),
//! chains (`tls_chain`), client certificates (`tls_client_certificate`),
//! what a client certificate costs a handshake, and expiry on a given day
//! (`certificate_expiry`, `validate` only).

use std::collections::{BTreeMap, BTreeSet};

use crate::azure::catalog::value;
use crate::azure::certs::{CertificateKey, name_matches};
use crate::azure::checks::{Finding, Severity};
use crate::azure::tls::{Initiator, Segment, Terminator, initiator_at, segments, terminator_at};
use crate::azure::{Kind, NodeModel};
use crate::error::Invalid;
use crate::file::dates::Date;
use crate::file::json::key_path;
use crate::file::limits::MAX_CHAIN_DEPTH;
use crate::file::names::name as check_name;
use crate::file::spec::{CertificateAuthoritySpec, RouteSpec};

/// The chain from `ca` up to its root through `issued_by` links.
fn chain_of(ca: &str, cas: &BTreeMap<String, CertificateAuthoritySpec>) -> Vec<String> {
    let mut out = vec![ca.to_string()];
    while let Some(up) = cas.get(out.last().expect("not empty")).and_then(|c| c.issued_by.clone()) {
        if out.contains(&up) {
            break;
        }
        out.push(up);
    }
    out
}

/// Checks `certificate_authorities` (names, no cycle, chains at most
/// [`MAX_CHAIN_DEPTH`] deep) and fills in every terminator's and client
/// certificate's chain and every initiator's intermediate trusts.
///
/// # Errors
///
/// A CA name that is not allowed, or an `issued_by` link that loops or
/// makes a chain too deep, at `certificate_authorities.<ca>.issued_by`.
pub(crate) fn resolve(
    nodes: &mut BTreeMap<String, NodeModel>,
    cas: &BTreeMap<String, CertificateAuthoritySpec>,
) -> Result<(), Invalid> {
    for (name, ca) in cas {
        let path = key_path("certificate_authorities", name);
        check_name(name, &path, "CA name")?;
        let ipath = key_path(&path, "issued_by");
        if let Some(up) = &ca.issued_by {
            check_name(up, &ipath, "CA name")?;
        }
        // Walk up; a CA met twice (other than a root naming itself) loops.
        let mut seen = vec![name.clone()];
        let mut at = name.clone();
        while let Some(up) = cas.get(&at).and_then(|c| c.issued_by.clone()) {
            if up == at {
                break;
            }
            if seen.contains(&up) {
                return Err(Invalid::new(
                    ipath,
                    format!(
                        "the issued_by links loop ({} → {up}): a chain ends at a root, a CA without issued_by (or issued by itself)",
                        seen.join(" → ")
                    ),
                ));
            }
            seen.push(up.clone());
            if seen.len() > MAX_CHAIN_DEPTH + 1 {
                return Err(Invalid::new(
                    ipath,
                    format!(
                        "the chain above '{name}' is more than {MAX_CHAIN_DEPTH} CAs deep; real chains have one to three"
                    ),
                ));
            }
            at = up;
        }
    }
    let is_intermediate =
        |ca: &str| cas.get(ca).and_then(|c| c.issued_by.as_deref()).is_some_and(|up| up != ca);
    for node in nodes.values_mut() {
        if let Some(t) = node.terminator.as_mut() {
            t.certs.chain = chain_of(&t.certificate_ca, cas);
        }
        if let Some(i) = node.initiator.as_mut() {
            if let Some(c) = i.certs.certificate.as_mut() {
                c.chain = chain_of(&c.ca, cas);
            }
            i.certs.intermediate_trusts = i
                .trusts
                .iter()
                .filter(|ca| is_intermediate(ca))
                .map(|ca| (ca.clone(), chain_of(ca, cas).last().expect("not empty").clone()))
                .collect();
        }
    }
    Ok(())
}

/// What a client certificate adds to a full handshake on a segment:
/// the client's signature (CertificateVerify), the server's verification
/// CPU (the signature and the certificate's own, issued by its CA) and
/// the extra round trips (none: TLS 1.2 and 1.3 send the client's
/// certificate in the flight that already carries its Finished).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MutualTls {
    /// The initiator's signature \[ms\], on the handshake's critical path.
    pub(crate) sign_ms: f64,
    /// The terminator's verification CPU \[ms\].
    pub(crate) verify_ms: f64,
    /// Extra round trips.
    pub(crate) extra_rtts: f64,
}

/// The mTLS cost on a segment whose terminator requires a client
/// certificate and whose initiator presents one; `None` otherwise.
pub(crate) fn mutual_tls(init: &Initiator, term: &Terminator) -> Option<MutualTls> {
    term.certs.client_certificate_trusts.as_ref()?;
    let c = init.certs.certificate.as_ref()?;
    let (sign, verify) = match c.key {
        CertificateKey::Rsa2048 => ("tls.rsa2048_handshake_cpu_ms", "tls.rsa2048_verify_ms"),
        CertificateKey::EcdsaP256 => {
            ("tls.ecdsa_p256_handshake_cpu_ms", "tls.ecdsa_p256_verify_ms")
        }
    };
    Some(MutualTls {
        sign_ms: value(sign),
        verify_ms: value("tls.client_certificate_verifications") * value(verify),
        extra_rtts: value("tls.client_certificate_extra_rtts"),
    })
}

/// `hop 'a' → 'b' (path[i] → path[j])`, as findings name a segment.
fn hop(r: &RouteSpec, seg: Segment) -> String {
    format!(
        "hop '{}' → '{}' (path[{}] → path[{}])",
        r.path[seg.initiator], r.path[seg.terminator], seg.initiator, seg.terminator
    )
}

fn error(check: &str, message: String) -> Finding {
    Finding { severity: Severity::Error, check: check.into(), message }
}

/// The host name, chain and client-certificate checks of every TLS
/// connection of route `r` (`path`: its JSON path, `routes[i]`):
/// `tls_name`, `tls_chain` and `tls_client_certificate`, all errors.
pub(crate) fn findings(
    r: &RouteSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for seg in segments(r, nodes) {
        let (iname, tname) = (&r.path[seg.initiator], &r.path[seg.terminator]);
        let inode = &nodes[iname];
        // At an inspecting firewall the roles are its inspection's.
        let init = initiator_at(r, nodes, seg.initiator).expect("segments start at initiators");
        let term = terminator_at(r, nodes, seg.terminator).expect("segments end at terminators");
        let at = format!("route '{}', {}", r.name, hop(r, seg));
        out.extend(name_finding(r, path, seg, &at, inode, init, term));
        out.extend(chain_findings(&at, (iname, inode, init), (tname, term)));
        out.extend(client_certificate_finding(&at, (iname, inode, init), (tname, term)));
    }
    out
}

fn name_finding(
    r: &RouteSpec,
    path: &str,
    seg: Segment,
    at: &str,
    inode: &NodeModel,
    init: &Initiator,
    term: &Terminator,
) -> Option<Finding> {
    let (iname, tname) = (&r.path[seg.initiator], &r.path[seg.terminator]);
    let route_name = (seg.initiator == 0).then_some(r.target_host_name.as_ref()).flatten();
    let (name, field) = match (route_name, &init.certs.connects_to, &term.certs.host_name) {
        (Some(n), _, _) => (n.to_ascii_lowercase(), key_path(path, "target_host_name")),
        (None, Some((n, f)), _) => (n.clone(), format!("nodes.{iname}.{f}")),
        (None, None, Some(n)) => (n.clone(), format!("nodes.{tname}.host_name")),
        (None, None, None) => return None,
    };
    let names = &term.certs.names;
    if names.is_empty() || names.iter().any(|p| name_matches(p, &name)) {
        return None;
    }
    let setting = if inode.kind == Kind::AppGateway {
        " (the backend setting's host name override; \"pick host name from backend target\" uses the target's name)"
    } else if inode.kind == Kind::Apim {
        " (the host of the backend URL)"
    } else {
        ""
    };
    Some(error(
        "tls_name",
        format!(
            "{at}: '{iname}' connects to '{name}' (SNI, from {field}), but the certificate of '{tname}' is for {} only, so the handshake fails with a name mismatch; fix: set {field}{setting} to a name on the certificate, or reissue the certificate with '{name}' and add it to nodes.{tname}.certificate_names",
            names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
        ),
    ))
}

fn chain_findings(
    at: &str,
    (iname, inode, init): (&str, &NodeModel, &Initiator),
    (tname, term): (&str, &Terminator),
) -> Vec<Finding> {
    let chain = &term.certs.chain;
    let root = chain.last().expect("a chain holds at least the issuing CA");
    let mut out = Vec::new();
    let app_gw = inode.kind == Kind::AppGateway;
    if app_gw && !init.trusts.contains(root) {
        let uploaded: Vec<&str> = init
            .certs
            .intermediate_trusts
            .iter()
            .filter(|(ca, _)| chain.contains(ca))
            .map(|(ca, _)| ca.as_str())
            .collect();
        if let Some(ca) = uploaded.first() {
            out.push(error(
                "tls_chain",
                format!(
                    "{at}: '{iname}' has '{ca}' as a trusted root certificate, but '{ca}' is an intermediate CA (chain of '{tname}': {}), and Application Gateway v2 accepts a backend only if its chain ends at one of its trusted *root* certificates; fix: upload the root '{root}' instead: replace '{ca}' with '{root}' in nodes.{iname}.trusts",
                    chain.join(" → ")
                ),
            ));
            return out;
        }
    }
    // The first CA of the chain the initiator accepts as an anchor
    // (Application Gateway: only the root).
    let anchor = chain.iter().position(|ca| init.trusts.contains(ca) && (!app_gw || ca == root));
    if let Some(k) = anchor.filter(|&k| k > 0 && !term.certs.sends_intermediates) {
        let or_trust = if app_gw || !init.custom_ca_support {
            String::new()
        } else {
            format!(", or add the issuing CA '{}' to nodes.{iname}.trusts", chain[0])
        };
        out.push(error(
            "tls_chain",
            format!(
                "{at}: '{tname}' does not send its intermediate certificates (sends_intermediates: false) and '{iname}' trusts '{}', {} CA{} above the issuing CA '{}', so it cannot build the chain {}; fix: make '{tname}' send its full chain (leaf and intermediates) and set nodes.{tname}.sends_intermediates to true{or_trust}",
                chain[k],
                k,
                if k == 1 { "" } else { "s" },
                chain[0],
                chain.join(" → ")
            ),
        ));
    }
    out
}

fn client_certificate_finding(
    at: &str,
    (iname, inode, init): (&str, &NodeModel, &Initiator),
    (tname, term): (&str, &Terminator),
) -> Option<Finding> {
    let required = term.certs.client_certificate_trusts.as_ref();
    let presented = init.certs.certificate.as_ref();
    if inode.kind == Kind::AppGateway && (required.is_some() || presented.is_some()) {
        let fix = match required {
            Some(_) => format!(
                "let '{tname}' accept '{iname}' without one (remove nodes.{tname}.client_certificate_trusts and restrict it to the gateway's subnet), or let API Management (which presents client certificates in every tier) open this connection"
            ),
            None => format!("remove nodes.{iname}.client_certificate"),
        };
        return Some(error(
            "tls_client_certificate",
            format!(
                "{at}: Application Gateway v2 cannot present a client certificate to a backend (its mutual authentication checks clients on its listeners; Application Gateway for Containers is the product with backend mTLS){}; fix: {fix}",
                if required.is_some() {
                    format!(", but '{tname}' requires one")
                } else {
                    String::new()
                }
            ),
        ));
    }
    let required = required?;
    let Some(c) = presented else {
        return Some(error(
            "tls_client_certificate",
            format!(
                "{at}: '{tname}' requires a client certificate issued by {} (client_certificate_trusts), but '{iname}' presents none, so the handshake fails; fix: give nodes.{iname}.client_certificate {{\"ca\": \"{}\", \"key\": \"rsa2048\"}}, or remove nodes.{tname}.client_certificate_trusts",
                quoted(required),
                required[0]
            ),
        ));
    };
    if c.chain.iter().any(|ca| required.contains(ca)) {
        return None;
    }
    let root = c.chain.last().expect("not empty");
    Some(error(
        "tls_client_certificate",
        format!(
            "{at}: '{iname}' presents a client certificate issued by '{}', but '{tname}' accepts only client certificates issued by {}; fix: add '{root}' to nodes.{tname}.client_certificate_trusts, or issue the certificate of '{iname}' from one of them (nodes.{iname}.client_certificate.ca)",
            c.ca,
            quoted(required)
        ),
    ))
}

fn quoted(list: &[String]) -> String {
    list.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ")
}

/// A certificate with an expiry date on a route: whose it is, the field
/// that holds the date, the date.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedCertificate {
    /// `route 'r', hop 'a' → 'b' (path[i] → path[j])`.
    at: String,
    /// `the certificate of 'b'` or `the client certificate of 'a'`.
    what: String,
    /// The JSON path of the date (`nodes.b.certificate_expires`).
    field: String,
    /// The date.
    expires: Date,
}

/// Every dated certificate a route's connections present: each
/// terminator's, and each client certificate a terminator asks for.
pub(crate) fn dated(r: &RouteSpec, nodes: &BTreeMap<String, NodeModel>) -> Vec<DatedCertificate> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for seg in segments(r, nodes) {
        let (iname, tname) = (&r.path[seg.initiator], &r.path[seg.terminator]);
        let init = initiator_at(r, nodes, seg.initiator).expect("initiator");
        let term = terminator_at(r, nodes, seg.terminator).expect("terminator");
        let at = format!("route '{}', {}", r.name, hop(r, seg));
        if let Some(d) = term.certs.expires
            && seen.insert(format!("nodes.{tname}.certificate_expires"))
        {
            out.push(DatedCertificate {
                at: at.clone(),
                what: format!("the certificate of '{tname}'"),
                field: format!("nodes.{tname}.certificate_expires"),
                expires: d,
            });
        }
        if let Some(d) = init.certs.certificate.as_ref().and_then(|c| c.expires)
            && term.certs.client_certificate_trusts.is_some()
            && seen.insert(format!("nodes.{iname}.client_certificate.expires"))
        {
            out.push(DatedCertificate {
                at,
                what: format!("the client certificate of '{iname}'"),
                field: format!("nodes.{iname}.client_certificate.expires"),
                expires: d,
            });
        }
    }
    out
}

/// `certificate_expiry` findings on `today`: an error for a certificate
/// that has expired (its last valid day is before `today`), a warning for
/// one that expires within `warning_days`.
pub(crate) fn expiry_findings(
    certs: &[DatedCertificate],
    today: Date,
    warning_days: u32,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in certs {
        let left = today.days_until(c.expires);
        let (severity, what) = if left < 0 {
            (Severity::Error, format!("expired on {} ({} days before {today})", c.expires, -left))
        } else if left <= i64::from(warning_days) {
            (
                Severity::Warning,
                format!(
                    "expires on {} ({left} day{} after {today}, within the {warning_days}-day warning window)",
                    c.expires,
                    if left == 1 { "" } else { "s" }
                ),
            )
        } else {
            continue;
        };
        let consequence = if severity == Severity::Error {
            "every new connection fails"
        } else {
            "new connections will fail from the day after"
        };
        out.push(Finding {
            severity,
            check: "certificate_expiry".into(),
            message: format!(
                "{}: {} {what}, so {consequence}; fix: renew it and set {} to the new date",
                c.at, c.what, c.field
            ),
        });
    }
    out
}
