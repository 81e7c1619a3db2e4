//! Azure Firewall Premium TLS inspection, the services a client runs on
//! (whether they can be given a custom CA at all), and the route checks on
//! both (the checks are in `checks.rs`).
//!
//! An inspecting firewall terminates the client's TLS with a certificate
//! it generates from its intermediate CA, and opens its own TLS to the
//! server (FW-PREMIUM-CERTS, FW-PREMIUM-FEATURES). So on an inspected
//! traversal it is a terminator and an initiator at once
//! ([`crate::azure::tls::terminator_at`], `initiator_at`): every initiator
//! in front of it must trust the inspection CA (or its root), and the
//! firewall must trust the server's CA or it drops the connection.
//! Inspection is an opt-in of application rules: a traversal that matches
//! network rules passes TLS through.

use crate::azure::catalog::{figure, value};
use crate::azure::tls::{Initiator, Terminator, TlsSpec, initiator_with_default, terminator};
use crate::azure::{NodeModel, PUBLIC_CA};
use crate::error::Invalid;
use crate::file::json::key_path;
use crate::file::spec::ClientService;

/// Default name of the intermediate CA an inspecting firewall generates
/// its certificates from.
pub const INSPECTION_CA: &str = "azfw-intermediate";

/// Default name of the enterprise root that issued [`INSPECTION_CA`].
pub const INSPECTION_ROOT_CA: &str = "enterprise-root";

/// The TLS roles of an inspecting firewall's inspected traversals.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Inspection {
    /// Towards the client: certificates generated from the intermediate CA
    /// (`inspection_ca`), with the firewall's TLS CPU per handshake.
    pub terminator: Terminator,
    /// Towards the server: the CAs the firewall trusts (`trusts`) and the
    /// `connection_reuse` the file gives (unused when
    /// `reuse_follows_client`).
    pub initiator: Initiator,
    /// Whether the firewall's connection to the server is new exactly as
    /// often as the client's connection it terminates (no
    /// `connection_reuse` in the file: a transparent proxy maps one to
    /// one; see `tls::connection_reuse`).
    pub reuse_follows_client: bool,
    /// The root that issued the intermediate (`inspection_root_ca`): a
    /// client may trust either (FW-PREMIUM-CERTS).
    pub root_ca: String,
}

/// The inspection fields of an `azure_firewall` node, as the file gives
/// them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InspectionSpec<'a> {
    pub(crate) tls_inspection: Option<bool>,
    pub(crate) inspection_ca: &'a Option<String>,
    pub(crate) inspection_root_ca: &'a Option<String>,
    pub(crate) trusts: &'a Option<Vec<String>>,
    pub(crate) connection_reuse: Option<f64>,
}

/// The firewall's inspection roles, or `None` when `tls_inspection` is off.
/// `premium`: whether the SKU is Premium; `path` is the node's JSON path.
///
/// # Errors
///
/// `tls_inspection` on a SKU other than Premium, an inspection field given
/// without `tls_inspection: true` (it would be ignored), or a connection
/// reuse outside 0..1.
pub(crate) fn inspection(
    s: InspectionSpec<'_>,
    premium: bool,
    path: &str,
) -> Result<Option<Inspection>, Invalid> {
    if s.tls_inspection != Some(true) {
        let given = [
            ("inspection_ca", s.inspection_ca.is_some()),
            ("inspection_root_ca", s.inspection_root_ca.is_some()),
            ("trusts", s.trusts.is_some()),
            ("connection_reuse", s.connection_reuse.is_some()),
        ];
        if let Some((field, _)) = given.iter().find(|(_, g)| *g) {
            return Err(Invalid::new(
                key_path(path, field),
                format!(
                    "only applies when the firewall inspects TLS (it then terminates TLS and opens its own to the server); set tls_inspection to true or remove {field}"
                ),
            ));
        }
        return Ok(None);
    }
    if !premium {
        return Err(Invalid::new(
            key_path(path, "tls_inspection"),
            "TLS inspection exists on the premium SKU only (FW-PREMIUM-FEATURES); set sku to premium or remove tls_inspection",
        ));
    }
    let ca = s.inspection_ca.clone().unwrap_or_else(|| INSPECTION_CA.to_string());
    // The client's handshake costs the firewall a sign with the generated
    // certificate, and now and then the generation of one (EST figures).
    let cpu_ms = value("azure_firewall.premium.inspection_handshake_cpu_ms")
        + value("azure_firewall.premium.inspection_certificate_miss")
            * value("azure_firewall.premium.inspection_certificate_generation_ms");
    Ok(Some(Inspection {
        terminator: terminator(&TlsSpec::default(), &ca, Some(cpu_ms), path)?,
        initiator: initiator_with_default(
            s.trusts,
            &[PUBLIC_CA],
            s.connection_reuse,
            // Not read while `reuse_follows_client`: every inspected
            // connection has a client connection in front of it.
            1.0,
            path,
        )?,
        reuse_follows_client: s.connection_reuse.is_none(),
        root_ca: s.inspection_root_ca.clone().unwrap_or_else(|| INSPECTION_ROOT_CA.to_string()),
    }))
}

/// What a client's `service` says about custom CAs: its catalog row
/// (`client.<service>.custom_ca_support`) and the file's own value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ServiceTrust {
    /// The service.
    pub service: ClientService,
    /// Whether the catalog says it can be given a custom CA.
    pub supported: bool,
    /// The catalog row's note: how to trust a CA there, or why it cannot.
    pub how: &'static str,
    /// The catalog key of the row.
    pub key: &'static str,
    /// `custom_ca_support` as the file gives it, if it does.
    pub explicit: Option<bool>,
}

impl ServiceTrust {
    /// The catalog's row for `service`, with the file's `explicit` value.
    pub(crate) fn of(service: ClientService, explicit: Option<bool>) -> Self {
        let row = figure(&format!("client.{}.custom_ca_support", service.name()));
        ServiceTrust { service, supported: row.value != 0.0, how: row.note, key: row.key, explicit }
    }

    /// Whether the client can be given a custom CA: the file's value,
    /// else the catalog's.
    pub(crate) fn custom_ca_support(&self) -> bool {
        self.explicit.unwrap_or(self.supported)
    }

    /// "service S (catalog K: how)", for messages.
    pub(crate) fn describe(&self) -> String {
        format!("service {}, catalog {}: {}", self.service.name(), self.key, self.how)
    }
}

/// The note on a node's service for trust messages: `; <service>` or
/// nothing.
pub(crate) fn service_note(node: &NodeModel) -> String {
    node.service.as_ref().map_or_else(String::new, |t| format!("; {}", t.describe()))
}
