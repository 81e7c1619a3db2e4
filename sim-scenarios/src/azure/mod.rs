//! Azure (and on-premises) component kinds: what each one compiles to.
//!
//! Every kind becomes a `sim-core` station (or, for a client, a bare origin)
//! whose capacity and latency come from the catalog (`catalog/figures.rs`,
//! each figure with its source) unless the scenario overrides them. A
//! component's *capacity* (what it can process per second) is its servers
//! and service times; its *latency* (a pipeline delay such as a firewall's
//! per-traversal latency) is a station delay that occupies no server.
//!
//! Kinds also carry the TLS facts the route checks need: who terminates
//! TCP and TLS (proxies and servers do; L4 firewalls and gateways pass
//! through), which CA issued the terminator's certificate, and which CAs an
//! initiator trusts.

pub mod catalog;
pub(crate) mod cert_checks;
pub(crate) mod certs;
pub(crate) mod checks;
pub(crate) mod components;
pub(crate) mod inspection;
pub(crate) mod network;
pub(crate) mod routing;
pub mod schema;
pub(crate) mod tls;

pub use cert_checks::DatedCertificate;
pub use checks::{Finding, Severity};
pub use inspection::{INSPECTION_CA, INSPECTION_ROOT_CA};
pub use routing::{DerivedCall, DerivedHop, DerivedPath, DerivedRoute};

use std::collections::BTreeMap;

use sim_core::Station;

use crate::error::Invalid;
use crate::file::json::key_path;
use crate::file::spec::{NetworkKind, ScenarioSpec};
pub(crate) use components::FirewallRule;
use components::compile_node;
use tls::{Initiator, Terminator};

/// The CA name meaning "a certificate every client trusts".
pub const PUBLIC_CA: &str = "public";

/// Default CA of on-premises certificates.
pub const ONPREM_CA: &str = "onprem-root";

/// Every node kind a scenario may use, as files name them.
pub const NODE_KINDS: &[&str] = <Kind as strum::VariantNames>::VARIANTS;

/// What a node is, for checks and explanations. Its names in scenario
/// files (`Display`, `FromStr`, [`NODE_KINDS`]) all come from the one
/// `strum` attribute below.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    /// Where requests start.
    Client,
    /// A generic station.
    Station,
    /// Azure Firewall (stateful, L4 for this traffic: passes TLS through).
    AzureFirewall,
    /// API Management gateway (terminates TLS, calls onwards).
    Apim,
    /// Application Gateway v2 (terminates TLS, re-encrypts to the backend).
    AppGateway,
    /// VPN or ExpressRoute virtual network gateway.
    VnetGateway,
    /// An on-premises firewall (stateful, passes TLS through).
    OnpremFirewall,
    /// An on-premises API gateway (terminates TLS, calls onwards).
    OnpremApiGateway,
    /// The API itself (terminates TLS).
    Backend,
    /// An identity provider's token endpoint (terminates TLS).
    IdentityProvider,
    /// Microsoft Graph, where an application looks up the groups of a
    /// user whose token has a group overage claim (terminates TLS).
    MicrosoftGraph,
    /// An on-premises Active Directory domain controller: the KDC a
    /// gateway asks for delegated Kerberos tickets.
    DomainController,
}

impl Kind {
    /// The kind's name in scenario files.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// A stateful firewall: requests and responses must cross the same one.
    pub fn is_stateful_firewall(self) -> bool {
        matches!(self, Kind::AzureFirewall | Kind::OnpremFirewall)
    }

    /// A proxy: terminates the incoming connection and opens the next one.
    pub fn is_proxy(self) -> bool {
        matches!(self, Kind::Apim | Kind::AppGateway | Kind::OnpremApiGateway)
    }

    /// Lives on-premises (reached from Azure through a VNet gateway).
    pub fn is_onprem(self) -> bool {
        matches!(
            self,
            Kind::OnpremFirewall | Kind::OnpremApiGateway | Kind::Backend | Kind::DomainController
        )
    }
}

/// A nested call a node makes (a token exchange, a JWKS fetch, a protocol
/// transition), along `via` (node names after the caller).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    /// What the call is for.
    pub name: String,
    /// The nodes it walks through, the caller excluded, the callee last.
    pub via: Vec<String>,
    /// JSON path of `via`, for errors.
    pub via_path: String,
    /// Probability that a request makes it (a cache miss).
    pub probability: f64,
    /// Request and response sizes \[bytes\].
    pub bytes: (u64, u64),
    /// Whether it is end-user authorisation (removed in the no-auth twin).
    pub is_auth: bool,
    /// The callee's service time for this call \[ms\] when it is not the
    /// callee's own law (a JWKS fetch at the identity provider's key
    /// endpoint): a constant.
    pub callee_service_ms: Option<f64>,
    /// How the caller retries a failed attempt (throttled, failed, timed
    /// out); `None`: the first failure fails the request.
    pub retry: Option<sim_core::Retry>,
    /// Probability that an attempt fails (an error answer, not a 429).
    pub failure_probability: f64,
    /// The caller stops waiting for an attempt after this long \[ms\].
    pub timeout_ms: Option<f64>,
    /// The kind of node that answers it (the last of `via`).
    pub callee: Kind,
    /// What `explain` adds about its probability (a cache's misses split
    /// into lifetimes and flushes, the share of users in group overage).
    pub note: Option<String>,
}

/// A node compiled from the scenario.
#[derive(Debug, Clone)]
pub(crate) struct NodeModel {
    /// Its kind.
    pub kind: Kind,
    /// The station it becomes; `None` for a client.
    pub station: Option<Station>,
    /// The same station without authorisation work (validate-jwt CPU);
    /// equal to `station` for kinds without any.
    pub station_without_auth: Option<Station>,
    /// TLS server side, for nodes that terminate.
    pub terminator: Option<Terminator>,
    /// TLS client side, for nodes that open connections.
    pub initiator: Option<Initiator>,
    /// Nested calls it makes.
    pub calls: Vec<Call>,
    /// Requests through this node fail after this long \[ms\].
    pub timeout_ms: Option<f64>,
    /// A human summary of its capacity, with the catalog keys behind it.
    pub capacity: String,
    /// Concurrent connections it may hold open to one backend (one HTTP
    /// authority: the next terminator on a path); requests beyond them wait
    /// for a connection. `None`: unlimited.
    pub backend_connections: Option<u32>,
    /// The requests/s its capacity figure promises (APIM: units × the
    /// catalog's rate) and the share of its servers busy at that rate, for
    /// `explain`'s effective capacity; `None` for kinds without such a
    /// figure.
    pub nominal_per_s: Option<(f64, f64)>,
    /// For a VNet gateway, the network its on-premises side crosses
    /// (`vpn` or `expressroute`); `None` for every other kind.
    pub wan: Option<NetworkKind>,
    /// For an ExpressRoute gateway, whether FastPath is enabled.
    pub fastpath: bool,
    /// For an ExpressRoute gateway, whether its circuit is ExpressRoute
    /// Direct (not a provider circuit).
    pub circuit_direct: bool,
    /// For an Azure Firewall, its default rule collection and whether its
    /// packet rate was given (measured) or is the catalog's estimate;
    /// `None` for every other kind.
    pub firewall: Option<FirewallModel>,
    /// For an Application Gateway, what its capacity-unit meter needs;
    /// `None` for every other kind.
    pub meter: Option<components::CuMeter>,
    /// Set for a node the user supplies (a backend: their API), whose
    /// figures are inputs rather than Azure's.
    pub input: Option<InputNote>,
    /// For an Azure Firewall with `tls_inspection`, the TLS roles of its
    /// inspected traversals; `None` for every other node.
    pub inspection: Option<inspection::Inspection>,
    /// For a client that names its `service`, that service's catalog row
    /// and what the file said; `None` for every other node.
    pub service: Option<inspection::ServiceTrust>,
    /// For APIM with `policies.user_token`: the end user's token (its
    /// size is added to the requests it passes on when forwarded).
    pub user_token: Option<components::identity::UserToken>,
    /// The largest request header the node accepts \[bytes\] and where
    /// the figure comes from; `None`: not checked.
    pub max_header_bytes: Option<(u64, String)>,
    /// Whether the node replaces the bearer token with a Kerberos ticket
    /// (an on-premises gateway doing constrained delegation), so nodes
    /// after it never see the token.
    pub swaps_token: bool,
}

/// What an Azure Firewall node adds to its station.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FirewallModel {
    /// The rule collection its traversals match unless a route overrides it.
    pub rule: FirewallRule,
    /// Whether `packets_per_s_per_instance` was given in the file.
    pub packets_per_s_published: bool,
}

/// What the outputs say about a node that is an input (a `backend`):
/// the user's API, not an Azure component, so its time is left out of
/// the routes' platform latency.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InputNote {
    /// The scenario's own words for it (`description`).
    pub description: Option<String>,
    /// The fields that took the catalog's estimate because the file left
    /// them out (`service_ms`, `servers`): the result then depends on an
    /// invented backend.
    pub estimated: Vec<&'static str>,
}

impl InputNote {
    /// The label `explain` shows.
    pub(crate) fn label(&self) -> String {
        let mut s = String::from("input: your API, not an Azure figure");
        if !self.estimated.is_empty() {
            s.push_str(&format!(
                " ({} from the catalog's estimate: give your API's own)",
                self.estimated.join(" and ")
            ));
        }
        if let Some(d) = &self.description {
            s.push_str(" — ");
            s.push_str(d);
        }
        s
    }
}

/// What a node needs to know about the scenario to compile.
pub(crate) struct Context {
    /// Mean arrival rate of the workload \[1/s\] (for per-request shares of
    /// periodic work such as JWKS refreshes).
    pub(crate) rate_per_s: f64,
    /// Whether authorisation work is modelled (false: the no-auth twin).
    pub(crate) with_auth: bool,
}

/// Compiles every node (`with_auth` false: the twin without authorisation
/// work, used to measure what authorisation adds).
pub(crate) fn nodes(
    spec: &ScenarioSpec,
    rate_per_s: f64,
    with_auth: bool,
) -> Result<BTreeMap<String, NodeModel>, Invalid> {
    if spec.nodes.is_empty() {
        return Err(Invalid::new("nodes", "a scenario needs at least one node"));
    }
    let ctx = Context { rate_per_s, with_auth };
    let mut out = BTreeMap::new();
    for (name, value) in &spec.nodes {
        let path = key_path("nodes", name);
        if name.trim().is_empty() {
            return Err(Invalid::new(path, "node names must not be empty"));
        }
        if !value.is_object() {
            return Err(Invalid::new(path, "a node must be a JSON object with a kind"));
        }
        let kind = value
            .get("kind")
            .ok_or_else(|| {
                Invalid::new(
                    key_path(&path, "kind"),
                    format!("missing; expected one of: {}", NODE_KINDS.join(", ")),
                )
            })?
            .as_str()
            .ok_or_else(|| Invalid::new(key_path(&path, "kind"), "must be a string"))?;
        let node = compile_node(name, kind, value, &path, &ctx)?;
        out.insert(name.clone(), node);
    }
    cert_checks::resolve(&mut out, &spec.certificate_authorities)?;
    Ok(out)
}
