//! Architecture checks on a route: a destination that terminates TLS, no
//! path that bounces back or loops, certificate trust, firewall
//! inspection, APIM egress, asymmetric return paths.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::azure::tls::{segments, traversal_rules};
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
    /// `asymmetric_path`, `header_size` (errors), `firewall_bypass`, `fastpath_limits`, `apim_egress`,
    /// `snat_return`, `estimated_backend` (warnings).
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
        let (iname, tname) = (&r.path[seg.initiator], &r.path[seg.terminator]);
        let init = nodes[iname].initiator.as_ref().expect("initiator");
        let ca = &nodes[tname].terminator.as_ref().expect("terminator").certificate_ca;
        if init.trusts.contains(ca) {
            continue;
        }
        let fix = if init.custom_ca_support {
            format!(
                "add \"{ca}\" to nodes.{iname}.trusts, or put an Application Gateway in front of '{tname}' with '{ca}' as a trusted root certificate"
            )
        } else {
            format!(
                "'{iname}' cannot be given a custom CA (custom_ca_support: false): put an Application Gateway in front of '{tname}' with '{ca}' as a trusted root certificate, so that '{iname}' only sees a certificate from a public CA"
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
