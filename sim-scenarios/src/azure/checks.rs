//! Architecture checks on a route: certificate trust, firewall inspection,
//! APIM egress, asymmetric return paths.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::azure::tls::segments;
use crate::azure::{Kind, NodeModel};
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
    /// Which check: `tls_trust`, `firewall_bypass`, `apim_egress`.
    pub check: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Certificate trust on every TLS connection, firewall inspection of
/// spoke traffic, and APIM egress through the firewall.
pub(crate) fn findings(r: &RouteSpec, nodes: &BTreeMap<String, NodeModel>) -> Vec<Finding> {
    let mut out = Vec::new();
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
        let next = &r.path[1];
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
    if let Some(back) = &r.return_path {
        let firewalls = |p: &[String]| -> BTreeSet<String> {
            p.iter().filter(|n| nodes[n.as_str()].kind.is_stateful_firewall()).cloned().collect()
        };
        let (there, back_fw) = (firewalls(&r.path), firewalls(back));
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
