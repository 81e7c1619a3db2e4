//! Certificates beyond the CA name (issue 12 item 1), as the file gives
//! them: the names on a server certificate and the name an initiator
//! connects to (SNI), whether a server sends its intermediates, client
//! certificates (mTLS) and expiry dates. Each is optional: a scenario that
//! gives none keeps the CA-name check of `checks::findings` alone. The
//! checks on them, chains and what a client certificate costs are in
//! `cert_checks.rs`.
//!
//! What Azure does, with the pages behind it (catalog sources
//! `APPGW-TLS-OVERVIEW`, `APPGW-HTTP-SETTINGS`, `APPGW-MTLS`,
//! `APIM-BACKEND-CLIENT-CERT`):
//! - Application Gateway v2 sets SNI to the backend setting's host name
//!   (or, with "pick host name from backend target", the pool member's
//!   FQDN) and requires the backend certificate's CN to match it; it
//!   accepts a backend whose certificate chains to one of its *trusted
//!   root certificates*, building the chain from the certificates the
//!   server sends (so a server should send its intermediates);
//! - Application Gateway v2's mutual authentication checks *clients* on
//!   its listeners; no page documents it presenting a client certificate
//!   to a backend (Application Gateway for Containers can);
//! - API Management presents a client certificate to a backend in every
//!   tier and validates the backend's chain and name by default.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::file::dates::Date;
use crate::file::json::{index_path, key_path};
use crate::file::limits::{MAX_CERTIFICATE_NAMES, MAX_HOST_NAME_CHARS};
use crate::file::names::name as check_name;

/// A certificate's key: what its signature costs (`certificate_key` on a
/// terminator, `client_certificate.key` on an initiator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CertificateKey {
    /// RSA-2048 (the default).
    Rsa2048,
    /// ECDSA on P-256.
    EcdsaP256,
}

/// A terminator's certificate fields as the file gives them (besides
/// `certificate_ca`, `tls_version` and `certificate_key`).
#[derive(Debug, Clone, Default)]
pub(crate) struct CertificateFields {
    pub(crate) certificate_names: Option<Vec<String>>,
    pub(crate) host_name: Option<String>,
    pub(crate) sends_intermediates: Option<bool>,
    pub(crate) client_certificate_trusts: Option<Vec<String>>,
    pub(crate) certificate_expires: Option<String>,
}

/// `client_certificate` on an initiator, as the file writes it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClientCertificateSpec {
    /// The CA that issued it.
    ca: String,
    /// Its key (default `rsa2048`): what the client's signature costs.
    #[serde(default)]
    key: Option<CertificateKey>,
    /// When it expires, `YYYY-MM-DD`.
    #[serde(default)]
    expires: Option<String>,
}

/// The certificate facts of a terminator, beyond its CA.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ServerCerts {
    /// The names on the certificate (CN and SANs), lowercase; empty: not
    /// declared, names are not checked.
    pub(crate) names: Vec<String>,
    /// The name the node is reached at: what initiators connect to unless
    /// they say otherwise.
    pub(crate) host_name: Option<String>,
    /// Whether the server sends its intermediate certificates.
    pub(crate) sends_intermediates: bool,
    /// CAs whose client certificates it requires; `None`: no mTLS.
    pub(crate) client_certificate_trusts: Option<Vec<String>>,
    /// When the certificate expires.
    pub(crate) expires: Option<Date>,
    /// The chain above the leaf: its issuing CA first, its root last
    /// (resolved from `certificate_authorities`; one CA when none is
    /// declared: the CA is its own root).
    pub(crate) chain: Vec<String>,
}

/// A client certificate an initiator presents.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClientCertificate {
    /// Its issuing CA.
    pub(crate) ca: String,
    /// Its key.
    pub(crate) key: CertificateKey,
    /// When it expires.
    pub(crate) expires: Option<Date>,
    /// Its chain, issuing CA first (resolved like a server's).
    pub(crate) chain: Vec<String>,
}

/// The certificate facts of an initiator, beyond what it trusts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ClientCerts {
    /// The host name it connects to (SNI) and the field that sets it
    /// (`backend_host_name`, `target_host_name`); `None`: the
    /// terminator's `host_name`.
    pub(crate) connects_to: Option<(String, &'static str)>,
    /// The client certificate it presents, if any.
    pub(crate) certificate: Option<ClientCertificate>,
    /// Entries of `trusts` that are intermediate CAs, with their roots
    /// (resolved from `certificate_authorities`).
    pub(crate) intermediate_trusts: Vec<(String, String)>,
}

/// A host name: letters, digits, `-` and `.` (RFC 1123 labels), at most
/// [`MAX_HOST_NAME_CHARS`]; `wildcard` allows a leftmost `*` label.
fn host_name(s: &str, path: &str, wildcard: bool) -> Result<String, Invalid> {
    let body = if wildcard { s.strip_prefix("*.").unwrap_or(s) } else { s };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if s.len() > MAX_HOST_NAME_CHARS || !body.split('.').all(label_ok) {
        let star = if wildcard {
            " (a wildcard only as the whole leftmost label: *.contoso.local)"
        } else {
            ""
        };
        return Err(Invalid::new(
            path,
            format!(
                "{s:?} is not a host name: dot-separated labels of letters, digits and '-'{star}, at most {MAX_HOST_NAME_CHARS} characters"
            ),
        ));
    }
    Ok(s.to_ascii_lowercase())
}

/// Whether `name` is covered by a certificate name `pattern`: equal
/// (case-insensitive), or `*.rest` where `name` is one label followed by
/// `.rest` (RFC 6125 §6.4.3: the wildcard matches one label only, so
/// `*.contoso.local` covers `api.contoso.local`, not `contoso.local` nor
/// `a.b.contoso.local`).
pub(crate) fn name_matches(pattern: &str, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(rest) => {
            name.split_once('.').is_some_and(|(first, tail)| !first.is_empty() && tail == rest)
        }
        None => pattern == name,
    }
}

fn date(s: &Option<String>, path: &str) -> Result<Option<Date>, Invalid> {
    s.as_deref().map(|t| t.parse::<Date>().map_err(|e| Invalid::new(path, e))).transpose()
}

fn ca_list(list: &[String], path: &str) -> Result<(), Invalid> {
    for (j, ca) in list.iter().enumerate() {
        check_name(ca, index_path(path, j), "CA name")?;
    }
    Ok(())
}

/// A terminator's certificate facts from its TLS fields (`path`: the
/// node's JSON path). The chain is filled in by
/// [`crate::azure::cert_checks::resolve`].
///
/// # Errors
///
/// A host name that is not one, too many names, a CA name that is not
/// allowed, an empty `client_certificate_trusts`, or a date that is not
/// `YYYY-MM-DD`.
pub(crate) fn server(t: &CertificateFields, path: &str) -> Result<ServerCerts, Invalid> {
    let names = match &t.certificate_names {
        None => Vec::new(),
        Some(list) => {
            let npath = key_path(path, "certificate_names");
            if list.is_empty() || list.len() > MAX_CERTIFICATE_NAMES {
                return Err(Invalid::new(
                    npath,
                    format!(
                        "lists {} names; a certificate has from 1 to {MAX_CERTIFICATE_NAMES} (its CN and SANs): give them, or remove the field to leave names unchecked",
                        list.len()
                    ),
                ));
            }
            list.iter()
                .enumerate()
                .map(|(j, n)| host_name(n, &index_path(&npath, j), true))
                .collect::<Result<_, _>>()?
        }
    };
    let host = t
        .host_name
        .as_deref()
        .map(|h| host_name(h, &key_path(path, "host_name"), false))
        .transpose()?;
    if let Some(list) = &t.client_certificate_trusts {
        let cpath = key_path(path, "client_certificate_trusts");
        if list.is_empty() {
            return Err(Invalid::new(
                cpath,
                "is empty: list the CAs whose client certificates this node accepts, or remove the field (no client certificate required)",
            ));
        }
        ca_list(list, &cpath)?;
    }
    Ok(ServerCerts {
        names,
        host_name: host,
        sends_intermediates: t.sends_intermediates.unwrap_or(true),
        client_certificate_trusts: t.client_certificate_trusts.clone(),
        expires: date(&t.certificate_expires, &key_path(path, "certificate_expires"))?,
        chain: Vec::new(),
    })
}

/// An initiator's certificate facts: the host name it connects to (the
/// value of its field `field`) and its client certificate.
///
/// # Errors
///
/// A host name that is not one, a CA name that is not allowed, or a date
/// that is not `YYYY-MM-DD`.
pub(crate) fn client(
    connects_to: &Option<String>,
    field: &'static str,
    certificate: &Option<ClientCertificateSpec>,
    path: &str,
) -> Result<ClientCerts, Invalid> {
    let connects_to = connects_to
        .as_deref()
        .map(|h| host_name(h, &key_path(path, field), false).map(|n| (n, field)))
        .transpose()?;
    let cpath = key_path(path, "client_certificate");
    let certificate = match certificate {
        None => None,
        Some(c) => {
            check_name(&c.ca, key_path(&cpath, "ca"), "CA name")?;
            Some(ClientCertificate {
                ca: c.ca.clone(),
                key: c.key.unwrap_or(CertificateKey::Rsa2048),
                expires: date(&c.expires, &key_path(&cpath, "expires"))?,
                chain: vec![c.ca.clone()],
            })
        }
    };
    Ok(ClientCerts { connects_to, certificate, intermediate_trusts: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_one_label_as_tls_does() {
        assert!(name_matches("*.contoso.local", "api.contoso.local"));
        assert!(name_matches("*.contoso.local", "API.Contoso.Local"));
        assert!(!name_matches("*.contoso.local", "contoso.local"));
        assert!(!name_matches("*.contoso.local", "a.b.contoso.local"));
        assert!(name_matches("api.contoso.local", "api.contoso.local"));
        assert!(!name_matches("api.contoso.local", "apigw.contoso.local"));
    }

    #[test]
    fn host_names_are_labels_and_a_wildcard_only_leads() {
        assert!(host_name("api.contoso.local", "x", false).is_ok());
        assert!(host_name("*.contoso.local", "x", true).is_ok());
        for bad in ["*.contoso.local", "a..b", "-a.b", "a b", "", "a.*.b"] {
            assert!(host_name(bad, "x", false).is_err(), "{bad}");
        }
        assert!(host_name("a.*.b", "x", true).is_err() && host_name("*", "x", true).is_err());
        assert!(host_name(&"a".repeat(254), "x", false).is_err());
    }
}
