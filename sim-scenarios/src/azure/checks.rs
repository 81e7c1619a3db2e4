//! Architecture checks on a route: a destination that terminates TLS, no
//! path that bounces back or loops, certificate trust, firewall
//! inspection, APIM egress, asymmetric return paths.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::azure::inspection::{ServiceTrust, service_note};
use crate::azure::tls::{initiator_at, inspects, segments, terminator_at, traversal_rules};
use crate::azure::{FirewallRule, Kind, NodeModel};
use crate::file::json::a_or_an;
use crate::file::spec::RouteSpec;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The route cannot work as designed (`validate` exits 1).
    Error,
    /// The route works but breaks a usual policy.
    Warning,
}

impl std::fmt::Display for Severity {
    /// The lowercase label used in tables, messages and JSON.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Something a route check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// Which check: `tls_termination`, `ping_pong`, `tls_trust`,
    /// `tls_name`, `tls_chain`, `tls_client_certificate`,
    /// `tls_inspection_trust`, `tls_inspection_server_trust`,
    /// `asymmetric_path`, `header_size` (errors), `certificate_expiry` (an error when
    /// expired, a warning within the window; `validate` only), `firewall_bypass`, `fastpath_limits`, `apim_egress`,
    /// `snat_return`, `estimated_backend`, `client_service` (warnings); with a `routing`
    /// section also `route_mismatch`, `asymmetric_route`,
    /// `apim_management_forced_tunnel`, `fastpath_udr`, `peering_transit`
    /// (errors).
    pub check: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Passes traffic on without answering it: an L4 firewall or a gateway
/// (a generic station may stand for anything, a client starts routes).
fn passes_through(n: &NodeModel) -> bool {
    n.terminator.is_none() && !matches!(n.kind, Kind::Station | Kind::Client)
}

/// A path that comes straight back through a node that only passes
/// traffic on (`a → fw → a`), or crosses one hop twice (a loop): one
/// finding, for the first such place.
fn ping_pong(r: &RouteSpec, path: &str, nodes: &BTreeMap<String, NodeModel>) -> Option<Finding> {
    let p = &r.path;
    let finding = |j: usize, what: String| Finding {
        severity: Severity::Error,
        check: "ping_pong".into(),
        message: format!("route '{}' ({path}.path[{j}]): {what}", r.name),
    };
    if let Some(j) =
        (1..p.len() - 1).find(|&j| p[j - 1] == p[j + 1] && passes_through(&nodes[&p[j]]))
    {
        let (a, b) = (&p[j - 1], &p[j]);
        return Some(finding(
            j + 1,
            format!(
                "goes '{a}' → '{b}' → '{a}', but '{b}' ({}) only passes traffic on, so it would not send it back: remove '{b}' and the second '{a}' from the path",
                nodes[b].kind.name()
            ),
        ));
    }
    let hop = |j: usize| (&p[j - 1], &p[j]);
    let (k, j) = (2..p.len()).find_map(|j| (1..j).find(|&k| hop(k) == hop(j)).map(|k| (k, j)))?;
    Some(finding(
        j,
        format!(
            "crosses '{}' → '{}' a second time (first at path[{k}]), so the path loops: remove path[{k}] to path[{}]",
            p[j - 1],
            p[j],
            j - 1
        ),
    ))
}

/// Certificate trust on every TLS connection, a destination that answers,
/// no path that bounces back, firewall inspection of spoke traffic, and
/// APIM egress through the firewall. `path` is the route's JSON path
/// (`routes[i]`).
pub(crate) fn findings(
    r: &RouteSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let last = r.path.len() - 1;
    let end = &nodes[&r.path[last]];
    if passes_through(end) {
        out.push(Finding {
            severity: Severity::Error,
            check: "tls_termination".into(),
            message: format!(
                "route '{}' ({path}.path[{last}]): ends at '{}', {} {}, which passes the connection on and answers nothing, so no TLS connection ends there: end the route at the node that serves the request (a backend, an API gateway or APIM) linked after it",
                r.name,
                r.path[last],
                a_or_an(end.kind.name()),
                end.kind.name()
            ),
        });
    }
    out.extend(ping_pong(r, path, nodes));
    for seg in segments(r, nodes) {
        // An inspecting firewall's ends have their own checks
        // (`inspection::findings`), which say its fixes.
        if inspects(r, nodes, seg.initiator) || inspects(r, nodes, seg.terminator) {
            continue;
        }
        let (iname, tname) = (&r.path[seg.initiator], &r.path[seg.terminator]);
        let init = initiator_at(r, nodes, seg.initiator).expect("initiator");
        let term = terminator_at(r, nodes, seg.terminator).expect("terminator");
        let ca = &term.certificate_ca;
        // Any CA of the chain will do here; whether the chain can be
        // built up to it is `tls_chain`'s question (certs.rs).
        if term.certs.chain.iter().any(|c| init.trusts.contains(c)) {
            continue;
        }
        // What to trust: the chain's root (the CA itself without a chain).
        let root = term.certs.chain.last().unwrap_or(ca);
        let service = service_note(&nodes[iname]);
        let fix = if init.custom_ca_support {
            format!(
                "add \"{root}\" to nodes.{iname}.trusts{service}, or put an Application Gateway in front of '{tname}' with '{root}' as a trusted root certificate"
            )
        } else {
            format!(
                "'{iname}' cannot be given a custom CA (custom_ca_support: false{service}): put an Application Gateway in front of '{tname}' with '{root}' as a trusted root certificate, so that '{iname}' only sees a certificate from a public CA"
            )
        };
        out.push(Finding {
            severity: Severity::Error,
            check: "tls_trust".into(),
            message: format!(
                "route '{}', hop {} → {}: '{iname}' does not trust CA '{ca}', which issued the certificate of '{tname}'; fix: {fix}",
                r.name, seg.initiator, seg.terminator
            ),
        });
    }
    out.extend(inspection_findings(r, path, nodes));
    // Inspection is only a question where the landing zone has a firewall.
    let has_firewall = nodes.values().any(|n| n.kind == Kind::AzureFirewall);
    let first = &nodes[&r.path[0]];
    if has_firewall && first.kind == Kind::Client {
        // A client on the on-premises side enters Azure through a VNet
        // gateway: the question is what it reaches after the gateway.
        let next =
            r.path[1..].iter().find(|n| nodes[*n].kind != Kind::VnetGateway).unwrap_or(&r.path[1]);
        if !nodes[next].kind.is_stateful_firewall() {
            out.push(Finding {
                severity: Severity::Warning,
                check: "firewall_bypass".into(),
                message: format!(
                    "route '{}': traffic from '{}' reaches '{next}' without crossing a firewall (e.g. directly over VNet peering), so the hub firewall does not inspect it; route it through the firewall if policy requires all spoke traffic to be inspected",
                    r.name, r.path[0]
                ),
            });
        }
    }
    for (j, name) in r.path.iter().enumerate() {
        let node = &nodes[name];
        if node.kind != Kind::Apim {
            continue;
        }
        if let Some(next) = r.path.get(j + 1)
            && nodes[next].kind != Kind::AzureFirewall
        {
            out.push(Finding {
                severity: Severity::Warning,
                check: "apim_egress".into(),
                message: format!(
                    "route '{}': APIM '{name}' reaches '{next}' without going through the Azure Firewall; force APIM egress through the firewall (except the ApiManagement service tag)",
                    r.name
                ),
            });
        }
        for call in &node.calls {
            if call
                .via
                .first()
                .is_some_and(|h| nodes.get(h).is_some_and(|n| n.kind != Kind::AzureFirewall))
            {
                out.push(Finding {
                    severity: Severity::Warning,
                    check: "apim_egress".into(),
                    message: format!(
                        "route '{}': APIM '{name}''s {} call leaves through '{}', not the Azure Firewall; send-request egress must go through the firewall too",
                        r.name, call.name, call.via[0]
                    ),
                });
            }
        }
    }
    for name in r.path.iter().collect::<BTreeSet<_>>() {
        if let Some(note) = nodes[name].input.as_ref().filter(|n| !n.estimated.is_empty()) {
            let fields = note.estimated.join(" and ");
            let paths: Vec<String> =
                note.estimated.iter().map(|f| format!("nodes.{name}.{f}")).collect();
            out.push(Finding {
                severity: Severity::Warning,
                check: "estimated_backend".into(),
                message: format!(
                    "route '{}': backend '{name}' takes {fields} from the catalog's estimate (EST: an invented API, not an Azure figure), so the route's latency and capacity depend on it: give {} with your API's measured figures (platform_ms leaves the backend out)",
                    r.name,
                    paths.join(" and "),
                ),
            });
        }
    }
    out.extend(header_size(r, path, nodes));
    if let Some(back) = &r.return_path {
        let firewalls = |p: &[String]| -> BTreeSet<String> {
            p.iter().filter(|n| nodes[n.as_str()].kind.is_stateful_firewall()).cloned().collect()
        };
        let (there, back_fw) = (firewalls(&r.path), firewalls(back));
        // A firewall the request crosses with application rules only SNATs
        // it: the destination answers the firewall's own address, so the
        // response comes back through it whatever the return path's
        // routing says (snat-private-range). The session is not broken;
        // the return path as written is not what happens, though.
        let rules = traversal_rules(r, path, nodes).expect("checked when the route compiled");
        let snat_only = |fw: &str| {
            (0..r.path.len())
                .filter(|&j| r.path[j] == fw)
                .all(|j| rules[j] == Some(FirewallRule::Application))
        };
        for fw in there.difference(&back_fw).filter(|fw| snat_only(fw)) {
            out.push(Finding {
                severity: Severity::Warning,
                check: "snat_return".into(),
                message: format!(
                    "route '{}': the request crosses Azure Firewall '{fw}' with {} rules, which SNAT it (the destination sees the firewall's address), so the response comes back through '{fw}' whatever the routing: the asymmetric-path check does not apply, but the simulation follows return_path as written: add '{fw}' to return_path to simulate the response's real path",
                    r.name,
                    FirewallRule::Application.name()
                ),
            });
        }
        let there: BTreeSet<String> =
            there.into_iter().filter(|fw| back_fw.contains(fw) || !snat_only(fw)).collect();
        for fw in there.symmetric_difference(&back_fw) {
            let (seen, missed) =
                if there.contains(fw) { ("request", "response") } else { ("response", "request") };
            out.push(Finding {
                severity: Severity::Error,
                check: "asymmetric_path".into(),
                message: format!(
                    "route '{}': the {seen} crosses stateful firewall '{fw}' but the {missed} does not; the firewall drops packets of sessions it has not seen: make the return path cross the same firewalls as the request"
                , r.name),
            });
        }
    }
    out
}

/// The inspection checks of route `r` (`path` its JSON path): every
/// initiator in front of an inspected traversal trusts the inspection CA
/// (`tls_inspection_trust`), the firewall trusts the CA of the server
/// behind it (`tls_inspection_server_trust`), and a client's explicit
/// `custom_ca_support` agrees with its service (`client_service`,
/// warning).
fn inspection_findings(
    r: &RouteSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for seg in segments(r, nodes) {
        let (iname, tname) = (&r.path[seg.initiator], &r.path[seg.terminator]);
        let init = initiator_at(r, nodes, seg.initiator).expect("segments start at initiators");
        // The override that leaves this traversal (hop `k`) uninspected:
        // one rule, or one per traversal in path order when the path
        // crosses the firewall again.
        let no_inspection = |k: usize| {
            let fw = &r.path[k];
            let hops: Vec<usize> = (0..r.path.len()).filter(|&h| r.path[h] == *fw).collect();
            let rules = if hops.len() == 1 {
                "\"network\"".to_string()
            } else {
                let each: Vec<&str> = hops
                    .iter()
                    .map(|&h| {
                        if h == k || !inspects(r, nodes, h) {
                            "\"network\""
                        } else {
                            "\"application\""
                        }
                    })
                    .collect();
                format!("[{}]", each.join(", "))
            };
            format!(
                "match this traversal with network rules ({path}.firewall_rules: {{\"{fw}\": {rules}}}), which pass TLS through uninspected, or remove tls_inspection from nodes.{fw}"
            )
        };
        if inspects(r, nodes, seg.terminator) {
            let insp = nodes[tname].inspection.as_ref().expect("inspecting firewall");
            let ca = &insp.terminator.certificate_ca;
            let trusted = init.trusts.contains(ca) || init.trusts.contains(&insp.root_ca);
            let fix = if init.custom_ca_support {
                format!(
                    "add \"{}\" (the root) or \"{ca}\" to nodes.{iname}.trusts{}; or {}",
                    insp.root_ca,
                    service_note(&nodes[iname.as_str()]),
                    no_inspection(seg.terminator)
                )
            } else {
                let why = nodes[iname.as_str()]
                    .service
                    .as_ref()
                    .map_or_else(|| "custom_ca_support: false".to_string(), ServiceTrust::describe);
                format!(
                    "'{iname}' cannot be given a custom CA at all ({why}): {}",
                    no_inspection(seg.terminator)
                )
            };
            out.extend((!trusted).then(|| Finding {
                severity: Severity::Error,
                check: "tls_inspection_trust".into(),
                message: format!(
                    "route '{}', hop {} → {}: '{iname}' does not trust the inspection CA of Azure Firewall '{tname}', which terminates TLS here with certificates it generates from intermediate CA '{ca}' (issued by '{}'), so the client rejects them; fix: {fix}",
                    r.name, seg.initiator, seg.terminator, insp.root_ca
                ),
            }));
        }
        if inspects(r, nodes, seg.initiator) {
            let ca = &terminator_at(r, nodes, seg.terminator)
                .expect("segments end at terminators")
                .certificate_ca;
            out.extend((!init.trusts.contains(ca)).then(|| Finding {
                severity: Severity::Error,
                check: "tls_inspection_server_trust".into(),
                message: format!(
                    "route '{}', hop {} → {}: Azure Firewall '{iname}' inspects TLS and opens its own connection to '{tname}', whose certificate is from CA '{ca}', which the firewall does not trust, so it drops the connection as if the server had closed it (FW-PREMIUM-CERTS); fix: add \"{ca}\" to nodes.{iname}.trusts (the CA certificates the firewall trusts; note the known issue that customer-signed certificates from intranet servers may not be trusted, FW-KNOWN-ISSUES), or {}",
                    r.name,
                    seg.initiator,
                    seg.terminator,
                    no_inspection(seg.initiator)
                ),
            }));
        }
    }
    let client = &r.path[0];
    if let Some(t) = &nodes[client].service
        && let Some(given) = t.explicit.filter(|g| *g != t.supported)
    {
        out.push(Finding {
            severity: Severity::Warning,
            check: "client_service".into(),
            message: format!(
                "route '{}': client '{client}' sets custom_ca_support: {given}, but its {} says {}; the file's value is used: remove custom_ca_support to take the catalog's, or keep it if you know a way the catalog does not",
                r.name,
                t.describe(),
                if t.supported { "it can" } else { "it cannot" }
            ),
        });
    }
    out
}

/// The end user's token that APIM forwards, against the header limit of
/// every node after it that receives it: up to and including a gateway
/// that swaps it for a Kerberos ticket (the nodes after that one never see
/// it). A token larger than the limit is refused with HTTP 400.
fn header_size(r: &RouteSpec, path: &str, nodes: &BTreeMap<String, NodeModel>) -> Vec<Finding> {
    let mut out = Vec::new();
    let max_groups = crate::azure::catalog::value("entra.jwt_max_groups");
    for (j, name) in r.path.iter().enumerate() {
        let Some(t) = nodes[name].user_token.as_ref().filter(|t| t.forwarded) else { continue };
        for (k, later) in r.path.iter().enumerate().skip(j + 1) {
            let n = &nodes[later];
            if let Some((limit, source)) = &n.max_header_bytes
                && t.max_bytes > *limit
            {
                out.push(Finding {
                    severity: Severity::Error,
                    check: "header_size".into(),
                    message: format!(
                        "route '{}' ({path}.path[{k}]): APIM '{name}' forwards the end user's token, {} bytes in its Authorization header with {} groups, but '{later}' accepts at most {limit} ({source}), so it answers 400 Bad Request (request header too long); fix: raise nodes.{later}.max_header_bytes to the server's real limit and configure the server to match, emit fewer groups (filter the groups claim to the application's groups, or use app roles; above {} groups the token carries an overage claim and APIM asks Microsoft Graph), or stop forwarding the token (policies.user_token.forwarded: false, with a set-header policy that removes it)",
                        r.name,
                        t.max_bytes,
                        t.groups,
                        crate::file::json::fmt_num(max_groups)
                    ),
                });
            }
            if n.swaps_token {
                break;
            }
        }
    }
    out
}
