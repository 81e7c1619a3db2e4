//! Each component kind: its file structure and what it compiles to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_core::{Dist, Servers, SimDuration, Station};

use crate::azure::catalog::value;
use crate::azure::certs::{CertificateFields, ClientCertificateSpec, client as client_certs};
use crate::azure::inspection::{InspectionSpec, ServiceTrust, inspection};
use crate::azure::tls::{
    CertificateKey, TlsSpec, TlsVersion, initiator, initiator_with_default, terminator,
};
use crate::azure::{
    Call, Context, FirewallModel, InputNote, Kind, NODE_KINDS, NodeModel, ONPREM_CA, PUBLIC_CA,
};
use crate::error::Invalid;
use crate::file::json::{fmt_num, key_path, typed};
use crate::file::laws::{Unit, dist, exp_ms, lognormal_median, queue_limit};
use crate::file::limits::{
    CAPACITY_PER_S, CAPACITY_UNITS, DURATION_S, FLUSHES_PER_DAY, MAX_BACKEND_CONNECTIONS_PER_UNIT,
    MAX_CORES_PER_UNIT, MAX_REGIONS, PACKETS_PER_S, POSITIVE_DURATION_MS, SPIKE_FACTOR,
    THROUGHPUT_GBPS, count, fraction,
};
use crate::file::spec::{ClientSpec, LawSpec, NetworkKind, StationSpec};
use identity::{
    CacheKind, KerberosSpec, UserTokenSpec, exchange, graph_call, kerberos_call, max_header_bytes,
    miss_probability, misses_note, user_token,
};

macro_rules! tls_of {
    ($s:expr) => {
        TlsSpec {
            certificate_ca: $s.certificate_ca.clone(),
            tls_version: $s.tls_version,
            certificate_key: $s.certificate_key,
            certificate: CertificateFields {
                certificate_names: $s.certificate_names.clone(),
                host_name: $s.host_name.clone(),
                sends_intermediates: $s.sends_intermediates,
                client_certificate_trusts: $s.client_certificate_trusts.clone(),
                certificate_expires: $s.certificate_expires.clone(),
            },
        }
    };
}

// After the macro, so that identity's kinds use it too.
pub(crate) mod identity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FirewallSku {
    Basic,
    Standard,
    Premium,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Idps {
    Off,
    Alert,
    Deny,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FirewallSpec {
    kind: String,
    /// The SKU: `basic`, `standard` or `premium`.
    sku: FirewallSku,
    /// Backend instances (default: the SKU's minimum; Basic is fixed at 1).
    #[serde(default)]
    instances: Option<u32>,
    /// Whether client and firewall instance are in one availability zone (default false: the cross-zone latency).
    #[serde(default)]
    zone_aligned: Option<bool>,
    /// Intrusion detection (Premium): `off` (default), `alert` or `deny` (lower throughput and per-flow ceilings).
    #[serde(default)]
    idps: Option<Idps>,
    /// Throughput one instance processes (default: the catalog's per SKU).
    #[serde(default)]
    throughput_per_instance_gbps: Option<f64>,
    /// Ceiling of one TCP connection (default: the catalog's per SKU and IDPS mode).
    #[serde(default)]
    per_flow_gbps: Option<f64>,
    /// Latency per traversal (default: the catalog's lognormal, with its spikes).
    #[serde(default)]
    latency_ms: Option<LawSpec>,
    /// Waiting places; unlimited if absent.
    #[serde(default)]
    queue_limit: Option<u32>,
    /// The rule collection traffic matches on this firewall (every
    /// traversal, unless a route's `firewall_rules` says otherwise).
    #[serde(default)]
    rule: Option<FirewallRule>,
    /// Latency spikes on the traversal law (default: the catalog's, on
    /// the catalog's law only).
    #[serde(default)]
    spikes: Option<SpikesSpec>,
    /// Packets per second one instance processes (default EST: the
    /// per-instance throughput in full-size packets).
    #[serde(default)]
    packets_per_s_per_instance: Option<f64>,
    /// Premium TLS inspection on its application-rule traversals: the
    /// firewall terminates TLS with certificates from `inspection_ca` and
    /// opens its own TLS to the server.
    #[serde(default)]
    tls_inspection: Option<bool>,
    /// The intermediate CA of inspection (default `azfw-intermediate`).
    #[serde(default)]
    inspection_ca: Option<String>,
    /// The root that issued `inspection_ca` (default `enterprise-root`).
    #[serde(default)]
    inspection_root_ca: Option<String>,
    /// CAs the inspecting firewall trusts on its connections to servers
    /// (default `["public"]`).
    #[serde(default)]
    trusts: Option<Vec<String>>,
    /// Probability that the inspecting firewall's connection to the server
    /// is warm (default: that of the client connection it terminates).
    #[serde(default)]
    connection_reuse: Option<f64>,
}

/// Which rule collection a firewall traversal matches (`rule-processing`:
/// network rules first, then application rules for HTTP, HTTPS and MSSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FirewallRule {
    /// L4 filtering: the connection passes through (no SNAT towards
    /// private destinations).
    Network,
    /// The firewall is a transparent proxy: TCP ends there, a new TCP
    /// connection goes on, always SNATed; TLS passes through (SNI).
    Application,
}

impl FirewallRule {
    /// The rule's name in scenario files.
    pub(crate) fn name(self) -> &'static str {
        match self {
            FirewallRule::Network => "network",
            FirewallRule::Application => "application",
        }
    }
}

/// `spikes: { "probability": p, "factor": f }`: a share `p` of traversals
/// take `f` times their drawn latency. Probability 0 switches spikes off.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpikesSpec {
    /// Share of traversals that spike (0 switches spikes off).
    #[serde(default)]
    probability: Option<f64>,
    /// How many times slower a spiked traversal is (1 to 10).
    #[serde(default)]
    factor: Option<f64>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub(crate) enum ApimTier {
    Developer,
    Basic,
    Standard,
    Premium,
    Basicv2,
    Standardv2,
    Premiumv2,
}

impl ApimTier {
    /// The tier's name in catalog keys, as in scenario files.
    fn key(self) -> &'static str {
        self.into()
    }
}

/// A nested call through `via` with a cache in front of it: a token
/// exchange with an identity provider (or, as `graph_call`, APIM's group
/// lookup at Microsoft Graph).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenCallSpec {
    /// Nodes the call walks through, the identity provider last.
    via: Vec<String>,
    /// Share of requests that find a cached token.
    #[serde(default)]
    cache_hit_ratio: Option<f64>,
    /// Distinct end users (with `token_lifetime_min`, derives the hit ratio).
    #[serde(default)]
    users: Option<u64>,
    /// Token lifetime \[min\] (default: the catalog's mean Entra lifetime).
    #[serde(default)]
    token_lifetime_min: Option<f64>,
    /// Size of the token request (default 0).
    #[serde(default)]
    request_bytes: Option<u64>,
    /// Size of the token response (default 0).
    #[serde(default)]
    response_bytes: Option<u64>,
    /// How the caller retries a failed exchange (APIM's `retry` policy
    /// around `send-request`); none by default.
    #[serde(default)]
    retry: Option<RetrySpec>,
    /// Share of exchanges that fail apart from throttling (an error answer).
    #[serde(default)]
    failure_probability: Option<f64>,
    /// The caller stops waiting for one exchange after this long \[ms\].
    #[serde(default)]
    timeout_ms: Option<f64>,
    /// Where APIM keeps the tokens: `built_in` (default: volatile, one
    /// per region) or `external` (Redis-compatible: survives updates and
    /// scale events, one for every region). APIM only.
    #[serde(default)]
    cache: Option<CacheKind>,
    /// Events a day that empty the cache (updates, scale events,
    /// restarts); each cached user then misses once. Default: the
    /// catalog's for the cache kind (APIM), 0 elsewhere.
    #[serde(default)]
    cache_flushes_per_day: Option<f64>,
}

/// A caller's retry policy, as APIM's `retry` policy states it (fixed
/// interval).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RetrySpec {
    /// Retries after the first attempt (APIM: 1 to 50).
    count: u32,
    /// Wait before each retry \[s\] (0: retry at once, APIM's
    /// `first-fast-retry`).
    interval_s: f64,
    /// After a 429, wait its `Retry-After` instead of the interval (a
    /// policy expression reading the header); default true.
    #[serde(default)]
    honour_retry_after: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ValidateJwtSpec {
    /// CPU time of one validation (default: the catalog's).
    #[serde(default)]
    cpu_ms: Option<f64>,
    /// Where JWKS keys are fetched from (nodes after APIM, the provider last).
    #[serde(default)]
    jwks_via: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApimPolicies {
    /// The validate-jwt policy: CPU per request and the JWKS fetch.
    #[serde(default)]
    validate_jwt: Option<ValidateJwtSpec>,
    /// An on-behalf-of token exchange with an identity provider (send-request), with its cache.
    #[serde(default)]
    token_exchange: Option<TokenCallSpec>,
    /// Timeout of a request to the backend (default: the catalog's forward-request default).
    #[serde(default)]
    forward_request_timeout_ms: Option<f64>,
    /// Timeout of the nested calls APIM makes (send-request) \[ms\].
    #[serde(default)]
    send_request_timeout_ms: Option<f64>,
    /// The end user's token: its groups, size and whether it is
    /// forwarded.
    #[serde(default)]
    user_token: Option<UserTokenSpec>,
    /// The Graph lookup for users in group overage (`via`,
    /// `cache_hit_ratio`, sizes, retry, failure probability, timeout).
    #[serde(default)]
    graph_call: Option<TokenCallSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApimSpec {
    kind: String,
    /// The tier: `developer`, `basic`, `standard`, `premium`, `basicv2`, `standardv2` or `premiumv2`.
    tier: ApimTier,
    /// Scale units (default 1; at most the tier's maximum).
    #[serde(default)]
    units: Option<u32>,
    /// Regions the instance is deployed in (Premium: multi-region); each
    /// region has its own built-in cache.
    #[serde(default)]
    regions: Option<u32>,
    /// Requests per second one unit serves at the catalog's busy share (default: the catalog's per tier).
    #[serde(default)]
    capacity_per_unit_per_s: Option<f64>,
    /// Cores of one unit (EST default per tier).
    #[serde(default)]
    cores_per_unit: Option<u32>,
    /// Concurrent connections per backend authority per unit.
    #[serde(default)]
    backend_connections_per_unit: Option<u32>,
    /// Gateway processing latency per request (default: the catalog's lognormal).
    #[serde(default)]
    gateway_latency_ms: Option<LawSpec>,
    /// CA that issued the certificate it presents (default `"public"`; on-premises kinds `"onprem-root"`).
    #[serde(default)]
    certificate_ca: Option<String>,
    /// TLS version it accepts: `"1.2"` (default, 2 round trips per new connection) or `"1.3"` (1).
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    /// Key of its certificate: `rsa2048` (default) or `ecdsa_p256` (cheaper handshakes).
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
    /// The names on its certificate (CN and SANs; `*.x` wildcards).
    #[serde(default)]
    certificate_names: Option<Vec<String>>,
    /// The name it is reached at (what initiators connect to by default).
    #[serde(default)]
    host_name: Option<String>,
    /// Whether it sends its intermediate certificates (default true).
    #[serde(default)]
    sends_intermediates: Option<bool>,
    /// CAs whose client certificates it requires (mTLS).
    #[serde(default)]
    client_certificate_trusts: Option<Vec<String>>,
    /// When its certificate expires, `YYYY-MM-DD`.
    #[serde(default)]
    certificate_expires: Option<String>,
    /// CAs whose certificates it accepts when it opens the next connection (default `["public"]`).
    #[serde(default)]
    trusts: Option<Vec<String>>,
    /// Probability that a request finds a warm connection to the next terminator (default: the catalog's).
    #[serde(default)]
    connection_reuse: Option<f64>,
    /// The host name it connects to (SNI); default: the next
    /// terminator's `host_name`.
    #[serde(default)]
    backend_host_name: Option<String>,
    /// The client certificate it presents to backends that ask for one.
    #[serde(default)]
    client_certificate: Option<ClientCertificateSpec>,
    /// Policies: validate-jwt, token exchange and timeouts.
    #[serde(default)]
    policies: Option<ApimPolicies>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AppGatewaySku {
    StandardV2,
    WafV2,
}

/// Autoscale bounds of an Application Gateway v2 \[instances\].
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AutoscaleSpec {
    /// Fewest instances (the run simulates this many).
    min_instances: u32,
    /// Default: the catalog's largest count (S31 advises it).
    #[serde(default)]
    max_instances: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppGatewaySpec {
    kind: String,
    /// The SKU: `standard_v2` or `waf_v2`.
    sku: AppGatewaySku,
    /// Manual scale: a fixed instance count.
    #[serde(default)]
    instances: Option<u32>,
    /// Autoscale: simulated at `min_instances` until capacity can vary in
    /// time (issue 14); the meter says what it would ask for.
    #[serde(default)]
    autoscale: Option<AutoscaleSpec>,
    /// The CUs one instance can deliver (its ceiling), at least the
    /// guaranteed 10.
    #[serde(default)]
    capacity_units_per_instance: Option<f64>,
    /// Processing latency per request (default: the catalog's lognormal; WAF_v2 adds its estimate).
    #[serde(default)]
    latency_ms: Option<LawSpec>,
    /// CA that issued the certificate it presents (default `"public"`; on-premises kinds `"onprem-root"`).
    #[serde(default)]
    certificate_ca: Option<String>,
    /// TLS version it accepts: `"1.2"` (default, 2 round trips per new connection) or `"1.3"` (1).
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    /// Key of its certificate: `rsa2048` (default) or `ecdsa_p256` (cheaper handshakes).
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
    /// The names on its certificate (CN and SANs; `*.x` wildcards).
    #[serde(default)]
    certificate_names: Option<Vec<String>>,
    /// The name it is reached at (what initiators connect to by default).
    #[serde(default)]
    host_name: Option<String>,
    /// Whether it sends its intermediate certificates (default true).
    #[serde(default)]
    sends_intermediates: Option<bool>,
    /// CAs whose client certificates it requires (mTLS).
    #[serde(default)]
    client_certificate_trusts: Option<Vec<String>>,
    /// When its certificate expires, `YYYY-MM-DD`.
    #[serde(default)]
    certificate_expires: Option<String>,
    /// CAs whose certificates it accepts when it opens the next connection (default `["public"]`).
    #[serde(default)]
    trusts: Option<Vec<String>>,
    /// Probability that a request finds a warm connection to the next terminator (default: the catalog's).
    #[serde(default)]
    connection_reuse: Option<f64>,
    /// The host name it connects to (SNI); default: the next
    /// terminator's `host_name`.
    #[serde(default)]
    backend_host_name: Option<String>,
    /// The client certificate it presents to backends that ask for one.
    #[serde(default)]
    client_certificate: Option<ClientCertificateSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum GatewayType {
    Vpn,
    Expressroute,
}

/// The kind of an ExpressRoute circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CircuitKind {
    /// Through a connectivity provider (the usual case).
    Provider,
    /// ExpressRoute Direct: ports owned at the peering location.
    Direct,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VnetGatewaySpec {
    kind: String,
    /// The gateway type: `vpn` or `expressroute`.
    gateway: GatewayType,
    /// The SKU: VpnGw1AZ … VpnGw5AZ, ErGw1AZ … ErGw3AZ or ErGwScale (with `units`).
    sku: String,
    /// ErGwScale: scale units (default: the catalog's).
    #[serde(default)]
    units: Option<u32>,
    /// Latency per traversal (default: the catalog's lognormal per gateway type).
    #[serde(default)]
    latency_ms: Option<LawSpec>,
    /// ExpressRoute: FastPath on the connection.
    #[serde(default)]
    fastpath: Option<bool>,
    /// ExpressRoute: the circuit's kind (default provider).
    #[serde(default)]
    circuit: Option<CircuitKind>,
    /// VPN: two gateway instances, each with a tunnel to the site.
    #[serde(default)]
    active_active: Option<bool>,
    /// VPN: site-to-site connections sharing the gateway, the simulated
    /// route's site one of them (default 1).
    #[serde(default)]
    site_connections: Option<u32>,
    /// ExpressRoute: the circuit's data plan, which decides whether its
    /// egress is charged (default unlimited: cost only, see
    /// `compile/cost.rs`).
    #[serde(default)]
    data_plan: Option<DataPlan>,
}

/// An ExpressRoute circuit's data plan (ER-DATA-PLANS): metered circuits
/// pay for egress (VNet to on-premises) per GB, unlimited ones do not;
/// ingress is free on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DataPlan {
    /// Egress charged per GB.
    Metered,
    /// No data charge (a higher monthly port fee, not modelled).
    Unlimited,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnpremFirewallSpec {
    kind: String,
    /// Firewall instances sharing the load (default 1).
    #[serde(default)]
    instances: Option<u32>,
    /// Throughput of one instance (default: the catalog's estimate).
    #[serde(default)]
    throughput_gbps: Option<f64>,
    /// Latency per traversal (default: the catalog's lognormal).
    #[serde(default)]
    latency_ms: Option<LawSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnpremApiGatewaySpec {
    kind: String,
    /// Gateway nodes (default: the catalog's).
    #[serde(default)]
    nodes: Option<u32>,
    /// Requests per second one node serves (default: the catalog's estimate).
    #[serde(default)]
    capacity_per_node_per_s: Option<f64>,
    /// Processing latency per request (default: the catalog's lognormal).
    #[serde(default)]
    latency_ms: Option<LawSpec>,
    /// CA that issued the certificate it presents (default `"public"`; on-premises kinds `"onprem-root"`).
    #[serde(default)]
    certificate_ca: Option<String>,
    /// TLS version it accepts: `"1.2"` (default, 2 round trips per new connection) or `"1.3"` (1).
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    /// Key of its certificate: `rsa2048` (default) or `ecdsa_p256` (cheaper handshakes).
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
    /// The names on its certificate (CN and SANs; `*.x` wildcards).
    #[serde(default)]
    certificate_names: Option<Vec<String>>,
    /// The name it is reached at (what initiators connect to by default).
    #[serde(default)]
    host_name: Option<String>,
    /// Whether it sends its intermediate certificates (default true).
    #[serde(default)]
    sends_intermediates: Option<bool>,
    /// CAs whose client certificates it requires (mTLS).
    #[serde(default)]
    client_certificate_trusts: Option<Vec<String>>,
    /// When its certificate expires, `YYYY-MM-DD`.
    #[serde(default)]
    certificate_expires: Option<String>,
    /// CAs whose certificates it accepts when it opens the next connection (default `["public"]`).
    #[serde(default)]
    trusts: Option<Vec<String>>,
    /// Probability that a request finds a warm connection to the next terminator (default: the catalog's).
    #[serde(default)]
    connection_reuse: Option<f64>,
    /// The host name it connects to (SNI); default: the next
    /// terminator's `host_name`.
    #[serde(default)]
    backend_host_name: Option<String>,
    /// The client certificate it presents to backends that ask for one.
    #[serde(default)]
    client_certificate: Option<ClientCertificateSpec>,
    /// Exchange the end user's token for an on-premises one.
    #[serde(default)]
    protocol_transition: Option<TokenCallSpec>,
    /// Kerberos constrained delegation with protocol transition at a
    /// domain controller.
    #[serde(default)]
    kerberos: Option<KerberosSpec>,
    /// The largest request header it accepts \[bytes\], or "nginx" /
    /// "http_sys" for their defaults.
    #[serde(default)]
    max_header_bytes: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackendSpec {
    kind: String,
    /// What the backend stands for (shown by `explain` and `draw`).
    #[serde(default)]
    description: Option<String>,
    /// Concurrent workers (≥ 1) or `"unbounded"` (default: the catalog's
    /// estimate, shown as such).
    #[serde(default)]
    #[schemars(schema_with = "crate::file::spec::optional_servers")]
    servers: Option<Value>,
    /// Service time per request (default: the catalog's estimate, flagged as an invented backend: give your API's).
    #[serde(default)]
    service_ms: Option<LawSpec>,
    /// Service time per response (default: `service_ms`).
    #[serde(default)]
    response_service_ms: Option<LawSpec>,
    /// Waiting places; unlimited if absent.
    #[serde(default)]
    queue_limit: Option<u32>,
    /// CA that issued the certificate it presents (default `"public"`; on-premises kinds `"onprem-root"`).
    #[serde(default)]
    certificate_ca: Option<String>,
    /// TLS version it accepts: `"1.2"` (default, 2 round trips per new connection) or `"1.3"` (1).
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    /// Key of its certificate: `rsa2048` (default) or `ecdsa_p256` (cheaper handshakes).
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
    /// The names on its certificate (CN and SANs; `*.x` wildcards).
    #[serde(default)]
    certificate_names: Option<Vec<String>>,
    /// The name it is reached at (what initiators connect to by default).
    #[serde(default)]
    host_name: Option<String>,
    /// Whether it sends its intermediate certificates (default true).
    #[serde(default)]
    sends_intermediates: Option<bool>,
    /// CAs whose client certificates it requires (mTLS).
    #[serde(default)]
    client_certificate_trusts: Option<Vec<String>>,
    /// When its certificate expires, `YYYY-MM-DD`.
    #[serde(default)]
    certificate_expires: Option<String>,
    /// The largest request header it accepts \[bytes\], or "nginx" /
    /// "http_sys" for their defaults.
    #[serde(default)]
    max_header_bytes: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IdentityProviderSpec {
    kind: String,
    /// Time to issue one token (default: the catalog's lognormal).
    #[serde(default)]
    token_ms: Option<LawSpec>,
    /// Which Entra service answers: its token-endpoint rate limit.
    #[serde(default)]
    tenant: Option<Tenant>,
    /// The token endpoint's rate limit (defaults from `tenant`).
    #[serde(default)]
    rate_limit: Option<RateLimitSpec>,
    /// CA that issued the certificate it presents (default `"public"`; on-premises kinds `"onprem-root"`).
    #[serde(default)]
    certificate_ca: Option<String>,
    /// TLS version it accepts: `"1.2"` (default, 2 round trips per new connection) or `"1.3"` (1).
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    /// Key of its certificate: `rsa2048` (default) or `ecdsa_p256` (cheaper handshakes).
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
    /// The names on its certificate (CN and SANs; `*.x` wildcards).
    #[serde(default)]
    certificate_names: Option<Vec<String>>,
    /// The name it is reached at (what initiators connect to by default).
    #[serde(default)]
    host_name: Option<String>,
    /// Whether it sends its intermediate certificates (default true).
    #[serde(default)]
    sends_intermediates: Option<bool>,
    /// CAs whose client certificates it requires (mTLS).
    #[serde(default)]
    client_certificate_trusts: Option<Vec<String>>,
    /// When its certificate expires, `YYYY-MM-DD`.
    #[serde(default)]
    certificate_expires: Option<String>,
}

/// The Entra service behind an identity provider, for its token-endpoint
/// rate limit.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub(crate) enum Tenant {
    /// Entra ID (workforce): its limit is not published (EST).
    EntraId,
    /// Entra External ID: 200 requests/s per tenant (published).
    ExternalId,
    /// An External ID trial tenant: 20 requests/s (published).
    ExternalIdTrial,
}

impl Tenant {
    /// The catalog key of its sustained token-endpoint rate.
    fn rate_key(self) -> &'static str {
        match self {
            Tenant::EntraId => "identity_provider.rate_limit_per_s",
            Tenant::ExternalId => "identity_provider.external_id.rate_limit_per_s",
            Tenant::ExternalIdTrial => "identity_provider.external_id_trial.rate_limit_per_s",
        }
    }
}

/// A token endpoint's rate limit: a token bucket.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RateLimitSpec {
    /// Sustained requests per second.
    #[serde(default)]
    pub(crate) per_s: Option<f64>,
    /// Requests the bucket holds.
    #[serde(default)]
    pub(crate) burst: Option<u32>,
    /// The `Retry-After` of a 429 \[s\].
    #[serde(default)]
    pub(crate) retry_after_s: Option<f64>,
}

/// A latency law from the file at `path.field`, or `default`.
pub(crate) fn latency(
    spec: &Option<LawSpec>,
    path: &str,
    field: &str,
    default: impl FnOnce() -> Dist,
) -> Result<Dist, Invalid> {
    match spec {
        Some(d) => dist(d, &key_path(path, field), Unit::Millis),
        None => Ok(default()),
    }
}

/// Where a token call's cache lives, as the caller knows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CacheContext {
    /// Regions of the caller (each with its own built-in cache).
    pub(crate) regions: u32,
    /// Whether the caller is APIM (whose cache kind and flush defaults
    /// the catalog has).
    pub(crate) apim: bool,
}

/// Miss probability of a token cache: given directly, or derived from the
/// number of users and the token lifetime (each user misses once per
/// lifetime and once after each flush: see [`identity::CacheMisses`]), times the
/// regions of a built-in cache.
pub(crate) fn token_call(
    name: &str,
    spec: &TokenCallSpec,
    path: &str,
    ctx: &Context,
    cache: CacheContext,
) -> Result<Call, Invalid> {
    let cpath = |f: &str| key_path(path, f);
    if !cache.apim && spec.cache.is_some() {
        return Err(Invalid::new(
            cpath("cache"),
            "the cache kind is APIM's (built_in or external); this gateway's cache is its own: remove it",
        ));
    }
    let kind = spec.cache.unwrap_or(CacheKind::BuiltIn);
    let (flush_key, copies) = match kind {
        CacheKind::BuiltIn => ("apim.cache_flushes_per_day", cache.regions),
        CacheKind::External => ("apim.external_cache_flushes_per_day", 1),
    };
    let flushes_per_day = match (spec.cache_flushes_per_day, cache.apim) {
        (Some(f), _) => FLUSHES_PER_DAY.check(f, cpath("cache_flushes_per_day"))?,
        (None, true) if spec.users.is_some() => value(flush_key),
        (None, _) => 0.0,
    };
    if spec.cache_flushes_per_day.is_some() && spec.users.is_none() {
        return Err(Invalid::new(
            cpath("cache_flushes_per_day"),
            "flushes add one miss per cached user, so they need users (with token_lifetime_min); give users, or fold the flushes into cache_hit_ratio",
        ));
    }
    let mean_lifetime = (value("identity_provider.token_lifetime_min_min")
        + value("identity_provider.token_lifetime_max_min"))
        / 2.0;
    let (probability, misses) = miss_probability(
        (spec.cache_hit_ratio, "cache_hit_ratio"),
        spec.users,
        (spec.token_lifetime_min, mean_lifetime, "token_lifetime_min"),
        flushes_per_day / 86_400.0,
        copies,
        ctx.rate_per_s,
        path,
    )?;
    let source = match (spec.cache_flushes_per_day.is_some(), kind) {
        (true, _) => "from the file",
        (false, CacheKind::BuiltIn) if cache.apim => {
            "EST: built-in cache, lost on updates and scale events"
        }
        (false, CacheKind::External) => "EST: external cache, kept through APIM's events",
        (false, _) => "none given",
    };
    let mut call = exchange(
        name,
        Kind::IdentityProvider,
        spec,
        probability,
        (2048.0, 4096.0),
        value("identity_provider.failure_probability"),
        path,
    )?;
    call.note = misses.map(|m| misses_note(&m, flushes_per_day, source));
    Ok(call)
}

/// A retry policy, bounded as APIM's `retry` policy is.
pub(crate) fn retry(r: &RetrySpec, path: &str) -> Result<sim_core::Retry, Invalid> {
    let max = value("apim.retry_max_count") as u32;
    let count = count(Some(r.count), 1, max, key_path(path, "count"), "retries")?;
    let interval_s = DURATION_S.check(r.interval_s, key_path(path, "interval_s"))?;
    let interval = SimDuration::from_millis_f64(interval_s * 1000.0)
        .ok_or_else(|| Invalid::new(key_path(path, "interval_s"), "not a duration"))?;
    Ok(sim_core::Retry::new(count, interval)
        .honouring_retry_after(r.honour_retry_after.unwrap_or(true)))
}

/// Compiles one node. `typed` deserialises the node's JSON into a kind's
/// structure with exact error paths.
pub(crate) fn compile_node(
    name: &str,
    kind: &str,
    value_json: &Value,
    path: &str,
    ctx: &Context,
) -> Result<NodeModel, Invalid> {
    let kind: Kind = kind.parse().map_err(|_| {
        Invalid::new(
            key_path(path, "kind"),
            format!("unknown node kind '{kind}'; expected one of: {}", NODE_KINDS.join(", ")),
        )
    })?;
    crate::file::names::check_node_object(value_json, path)?;
    // Each kind has its own flat structure, so that serde_path_to_error
    // keeps exact JSON paths (an internally tagged enum would buffer the
    // object and lose them).
    Ok(match kind {
        Kind::Client => client(&typed::<ClientSpec>(value_json, path)?, path)?,
        Kind::Station => {
            let s = typed::<StationSpec>(value_json, path)?;
            let st = crate::file::laws::station(name, &s, path)?;
            plain(Kind::Station, st, String::new())
        }
        Kind::AzureFirewall => firewall(name, &typed(value_json, path)?, path)?,
        Kind::Apim => apim(name, &typed(value_json, path)?, path, ctx)?,
        Kind::AppGateway => app_gateway(name, &typed(value_json, path)?, path)?,
        Kind::VnetGateway => vnet_gateway(name, &typed(value_json, path)?, path)?,
        Kind::OnpremFirewall => onprem_firewall(name, &typed(value_json, path)?, path)?,
        Kind::OnpremApiGateway => onprem_api_gateway(name, &typed(value_json, path)?, path, ctx)?,
        Kind::Backend => backend(name, &typed(value_json, path)?, path)?,
        Kind::IdentityProvider => identity_provider(name, &typed(value_json, path)?, path)?,
        Kind::MicrosoftGraph => identity::microsoft_graph(name, &typed(value_json, path)?, path)?,
        Kind::DomainController => {
            identity::domain_controller(name, &typed(value_json, path)?, path)?
        }
    })
}

/// The JSON Schema of a node of `kind`: the structure [`compile_node`]
/// reads for it (the kind's `kind` is set by the caller).
pub(crate) fn node_schema(kind: Kind, g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    match kind {
        Kind::Client => ClientSpec::json_schema(g),
        Kind::Station => StationSpec::json_schema(g),
        Kind::AzureFirewall => FirewallSpec::json_schema(g),
        Kind::Apim => ApimSpec::json_schema(g),
        Kind::AppGateway => AppGatewaySpec::json_schema(g),
        Kind::VnetGateway => VnetGatewaySpec::json_schema(g),
        Kind::OnpremFirewall => OnpremFirewallSpec::json_schema(g),
        Kind::OnpremApiGateway => OnpremApiGatewaySpec::json_schema(g),
        Kind::Backend => BackendSpec::json_schema(g),
        Kind::IdentityProvider => IdentityProviderSpec::json_schema(g),
        Kind::MicrosoftGraph => identity::MicrosoftGraphSpec::json_schema(g),
        Kind::DomainController => identity::DomainControllerSpec::json_schema(g),
    }
}

/// The law "always 0 ns".
pub(crate) fn zero() -> Dist {
    // Infallible: 0 is a valid constant.
    Dist::constant(0.0).expect("0 is a valid constant")
}

/// `c` servers, where `count` has checked that `c >= 1`.
fn at_least_one(c: u32) -> Servers {
    // Infallible: `count` refuses 0, the only count `finite` refuses.
    Servers::finite(c.max(1)).expect("a count of at least 1")
}

pub(crate) fn plain(kind: Kind, station: Station, capacity: String) -> NodeModel {
    NodeModel {
        station_without_auth: Some(station.clone()),
        station: Some(station),
        ..bare(kind, capacity)
    }
}

/// A node of `kind` with no station, no TLS role, no calls and none of the
/// kind-specific parts: what every constructor starts from.
fn bare(kind: Kind, capacity: String) -> NodeModel {
    NodeModel {
        kind,
        station: None,
        station_without_auth: None,
        terminator: None,
        initiator: None,
        calls: Vec::new(),
        timeout_ms: None,
        capacity,
        wan: None,
        fastpath: false,
        circuit_direct: false,
        backend_connections: None,
        nominal_per_s: None,
        firewall: None,
        meter: None,
        input: None,
        inspection: None,
        service: None,
        user_token: None,
        max_header_bytes: None,
        swaps_token: false,
    }
}

pub(crate) fn client(s: &ClientSpec, path: &str) -> Result<NodeModel, Invalid> {
    let service = s.service.map(|sv| ServiceTrust::of(sv, s.custom_ca_support));
    let custom =
        service.as_ref().map_or(s.custom_ca_support.unwrap_or(true), |t| t.custom_ca_support());
    let init = initiator(&s.trusts, &[PUBLIC_CA], s.connection_reuse, path, custom)?;
    if !custom && let Some(ca) = init.trusts.iter().find(|c| *c != PUBLIC_CA) {
        let why = match (&service, s.custom_ca_support) {
            (Some(t), None) => format!(
                "its {} cannot be given one: remove it from trusts, or set custom_ca_support to true if you know a way the catalog does not",
                t.describe()
            ),
            _ => "custom_ca_support is false: this client cannot be given a custom CA; remove it from trusts".to_string(),
        };
        return Err(Invalid::new(key_path(path, "trusts"), format!("lists '{ca}', but {why}")));
    }
    let certificate = match &s.client_certificate {
        Some(v) => Some(typed::<ClientCertificateSpec>(v, &key_path(path, "client_certificate"))?),
        None => None,
    };
    let init =
        init.with_certs(client_certs(&s.target_host_name, "target_host_name", &certificate, path)?);
    Ok(NodeModel {
        initiator: Some(init),
        service,
        ..bare(Kind::Client, "origin of requests".into())
    })
}

pub(crate) fn firewall(name: &str, s: &FirewallSpec, path: &str) -> Result<NodeModel, Invalid> {
    let sku = match s.sku {
        FirewallSku::Basic => "basic",
        FirewallSku::Standard => "standard",
        FirewallSku::Premium => "premium",
    };
    let (default_instances, max_instances) = match s.sku {
        FirewallSku::Basic => (value("azure_firewall.basic.instances"), 1.0),
        FirewallSku::Standard => {
            (value("azure_firewall.min_instances"), value("azure_firewall.standard.max_instances"))
        }
        FirewallSku::Premium => {
            (value("azure_firewall.min_instances"), value("azure_firewall.premium.max_instances"))
        }
    };
    let instances = count(
        s.instances,
        default_instances as u32,
        max_instances as u32,
        key_path(path, "instances"),
        &format!("a {sku} firewall's instances"),
    )?;
    let idps = s.idps.unwrap_or(Idps::Off);
    if idps != Idps::Off && s.sku != FirewallSku::Premium {
        return Err(Invalid::new(
            key_path(path, "idps"),
            "IDPS exists on the premium SKU only; set sku to premium or remove idps",
        ));
    }
    // IDPS alert-and-deny lowers the SKU ceiling from 100 to 22 Gbps (S1):
    // each instance carries the same fraction.
    let deny_factor = if idps == Idps::Deny {
        value("azure_firewall.premium.idps_deny_max_throughput_gbps")
            / value("azure_firewall.premium.max_throughput_gbps")
    } else {
        1.0
    };
    let per_instance = THROUGHPUT_GBPS.or(
        s.throughput_per_instance_gbps,
        value(&format!("azure_firewall.{sku}.throughput_per_instance_gbps")) * deny_factor,
        key_path(path, "throughput_per_instance_gbps"),
    )?;
    let flow_default = if idps == Idps::Deny {
        value("azure_firewall.premium.per_flow_idps_deny_gbps")
    } else {
        value(&format!("azure_firewall.{sku}.per_flow_gbps"))
    };
    let per_flow =
        THROUGHPUT_GBPS.or(s.per_flow_gbps, flow_default, key_path(path, "per_flow_gbps"))?;
    // One message is one flow: it is processed no faster than the per-flow
    // cap, and holds an instance meanwhile. Each packet costs an instance
    // whichever binds: its bytes at that rate, or the instance's packet
    // rate (the CPU dimension: no figure is published, so the default
    // takes the per-instance throughput as packet-bound at full-size
    // packets, EST).
    let gbps = per_instance.min(per_flow);
    let mtu = value("azure_firewall.packet_bytes");
    let rated_pps = per_instance * 1e9 / (value("azure_firewall.rated_packet_bytes") * 8.0);
    let pps = PACKETS_PER_S.or(
        s.packets_per_s_per_instance,
        rated_pps,
        key_path(path, "packets_per_s_per_instance"),
    )?;
    let ns_per_packet = (mtu * 8.0 / gbps).max(1e9 / pps);
    let aligned = s.zone_aligned.unwrap_or(false);
    let lat = latency(&s.latency_ms, path, "latency_ms", || {
        let key = if aligned {
            "azure_firewall.latency_aligned_ms"
        } else {
            "azure_firewall.latency_unaligned_ms"
        };
        lognormal_median(value(key), value("azure_firewall.latency_sigma"))
    })?;
    // The catalog's spikes ride on the catalog's law; a law given in the
    // file stands for a measurement, spikes included, unless `spikes` says
    // otherwise.
    let spath = key_path(path, "spikes");
    let (probability, factor) = match (&s.spikes, &s.latency_ms) {
        (None, Some(_)) => (0.0, 1.0),
        (spikes, _) => {
            let (p, f) = spikes.as_ref().map_or((None, None), |x| (x.probability, x.factor));
            (
                fraction(
                    p,
                    value("azure_firewall.spike_probability"),
                    key_path(&spath, "probability"),
                )?,
                SPIKE_FACTOR.or(
                    f,
                    value("azure_firewall.spike_factor"),
                    key_path(&spath, "factor"),
                )?,
            )
        }
    };
    let lat =
        lat.with_spikes(probability, factor).map_err(|e| Invalid::new(&spath, e.to_string()))?;
    let mut st = Station::new(name, at_least_one(instances), zero())
        .with_packet_cost(ns_per_packet, mtu as u32)
        .with_delay(lat);
    if let Some(q) = queue_limit(s.queue_limit, &key_path(path, "queue_limit"))? {
        st = st.with_queue_limit(q);
    }
    let spikes = if probability > 0.0 {
        let given = s
            .spikes
            .as_ref()
            .map_or((false, false), |x| (x.probability.is_some(), x.factor.is_some()));
        let est = if given == (true, true) { "" } else { " (EST)" };
        format!("; spikes {} % × {}{est}", fmt_num(probability * 100.0), fmt_num(factor))
    } else {
        String::new()
    };
    let mut model = plain(
        Kind::AzureFirewall,
        st,
        format!(
            "{instances} instances × {} Gbps (per flow {} Gbps), {} packets/s each{}{spikes}",
            fmt_num(per_instance),
            fmt_num(per_flow),
            fmt_num(pps.round()),
            if s.packets_per_s_per_instance.is_some() { "" } else { " (EST)" },
        ),
    );
    let spec = InspectionSpec {
        tls_inspection: s.tls_inspection,
        inspection_ca: &s.inspection_ca,
        inspection_root_ca: &s.inspection_root_ca,
        trusts: &s.trusts,
        connection_reuse: s.connection_reuse,
    };
    model.inspection = inspection(spec, s.sku == FirewallSku::Premium, path)?;
    // Inspection is an opt-in of application rules: an inspecting
    // firewall's traversals match them unless the file says otherwise.
    let default_rule =
        if model.inspection.is_some() { FirewallRule::Application } else { FirewallRule::Network };
    model.firewall = Some(FirewallModel {
        rule: s.rule.unwrap_or(default_rule),
        packets_per_s_published: s.packets_per_s_per_instance.is_some(),
    });
    Ok(model)
}

/// An APIM instance: `units` multi-core units, so `units × cores` servers
/// share one queue. A request takes CPU on one core: its share of the
/// unit's capacity figure, validate-jwt, and (through the route's set-up)
/// the TLS handshake of a new client connection. The capacity figure is
/// read as the rate one unit delivers with its cores `nominal_utilization`
/// busy, without policies and with warm connections, so the CPU per request
/// is `nominal_utilization × cores / rate` (docs/design.md, "APIM units").
pub(crate) fn apim(
    name: &str,
    s: &ApimSpec,
    path: &str,
    ctx: &Context,
) -> Result<NodeModel, Invalid> {
    let tier = s.tier.key();
    let max_units = value(&format!("apim.{tier}.max_units")) as u32;
    let units = count(s.units, 1, max_units, key_path(path, "units"), &format!("{tier} units"))?;
    let regions = count(s.regions, 1, MAX_REGIONS, key_path(path, "regions"), "regions")?;
    if regions > 1 && s.tier != ApimTier::Premium {
        return Err(Invalid::new(
            key_path(path, "regions"),
            format!(
                "a {tier} instance is deployed in one region (multi-region deployment is a Premium feature): set tier to premium or regions to 1"
            ),
        ));
    }
    let per_unit_path = key_path(path, "capacity_per_unit_per_s");
    let per_unit = CAPACITY_PER_S.or(
        s.capacity_per_unit_per_s,
        value(&format!("apim.{tier}.capacity_per_unit_per_s")),
        per_unit_path.clone(),
    )?;
    let cores = count(
        s.cores_per_unit,
        value(&format!("apim.{tier}.cores_per_unit")) as u32,
        MAX_CORES_PER_UNIT,
        key_path(path, "cores_per_unit"),
        "cores per unit",
    )?;
    let connections_key = if s.tier == ApimTier::Developer {
        "apim.developer.backend_connections_per_unit"
    } else {
        "apim.backend_connections_per_unit"
    };
    let connections = count(
        s.backend_connections_per_unit,
        value(connections_key) as u32,
        MAX_BACKEND_CONNECTIONS_PER_UNIT,
        key_path(path, "backend_connections_per_unit"),
        "backend connections per unit",
    )?;
    apim_ca_certificates(s, path)?;
    let policies = s.policies.clone().unwrap_or_default();
    let ppath = key_path(path, "policies");
    let jwt_cpu_ms = match &policies.validate_jwt {
        Some(v) => POSITIVE_DURATION_MS.or(
            v.cpu_ms,
            value("apim.validate_jwt_cpu_ms"),
            key_path(&key_path(&ppath, "validate_jwt"), "cpu_ms"),
        )?,
        None => 0.0,
    };
    // CPU of one request on one core; split 3:1 between its request and
    // its response (EST).
    let busy = value("apim.nominal_utilization");
    let cpu_ms = busy * f64::from(cores) * 1000.0 / per_unit;
    let servers = at_least_one(units * cores);
    let gateway_latency = latency(&s.gateway_latency_ms, path, "gateway_latency_ms", || {
        lognormal_median(value("apim.gateway_latency_ms"), value("apim.gateway_latency_sigma"))
    })?;
    let build = |jwt_ms: f64| -> Result<Station, Invalid> {
        Ok(Station::new(name, servers, exp_ms(cpu_ms * 0.75 + jwt_ms, &per_unit_path)?)
            .with_response_service(exp_ms(cpu_ms * 0.25, &per_unit_path)?)
            .with_delay(gateway_latency.clone())
            .with_response_delay(zero()))
    };
    let station = build(if ctx.with_auth { jwt_cpu_ms } else { 0.0 })?;
    let send_timeout = POSITIVE_DURATION_MS.or(
        policies.send_request_timeout_ms,
        value("apim.send_request_timeout_ms"),
        key_path(&ppath, "send_request_timeout_ms"),
    )?;
    let mut calls = Vec::new();
    if let Some(t) = &policies.token_exchange {
        let cache = CacheContext { regions, apim: true };
        let mut call =
            token_call("token_exchange", t, &key_path(&ppath, "token_exchange"), ctx, cache)?;
        // The call's own timeout (the send-request policy's `timeout`
        // attribute) wins over the policies' default for send-request.
        call.timeout_ms = Some(call.timeout_ms.unwrap_or(send_timeout));
        calls.push(call);
    }
    if let Some(v) = &policies.validate_jwt
        && let Some(via) = &v.jwks_via
    {
        // Each unit refreshes its JWKS once per cache period.
        let fetches_per_s = f64::from(units) / value("apim.jwks_cache_s");
        calls.push(Call {
            name: "jwks_fetch".into(),
            via: via.clone(),
            via_path: key_path(&key_path(&ppath, "validate_jwt"), "jwks_via"),
            probability: (fetches_per_s / ctx.rate_per_s).min(1.0),
            bytes: (1024, 4096),
            is_auth: true,
            // The provider's key endpoint, not its token endpoint.
            callee_service_ms: Some(value("apim.jwks_fetch_ms")),
            retry: None,
            failure_probability: 0.0,
            timeout_ms: None,
            callee: Kind::IdentityProvider,
            note: None,
        });
    }
    let token = match &policies.user_token {
        Some(u) => Some(user_token(u, &key_path(&ppath, "user_token"))?),
        None => None,
    };
    let gpath = key_path(&ppath, "graph_call");
    match (&policies.graph_call, &token) {
        (Some(g), Some(t)) => calls.push(graph_call(g, t, &gpath, send_timeout)?),
        (Some(_), None) => {
            return Err(Invalid::new(
                gpath,
                "APIM calls Graph for the users whose token has a group overage claim: describe the token in policies.user_token (groups_per_user or group_overage_share)",
            ));
        }
        (None, Some(t)) if t.overage_share > 0.0 => {
            return Err(Invalid::new(
                key_path(&ppath, "user_token"),
                format!(
                    "{} of users' tokens have a group overage claim instead of groups, so an authorisation that needs their groups must ask Microsoft Graph: add policies.graph_call (via the firewall to a microsoft_graph node), or use app roles instead of groups",
                    crate::file::json::fmt_num(t.overage_share * 100.0) + " %"
                ),
            ));
        }
        (None, _) => {}
    }
    let timeout = POSITIVE_DURATION_MS.or(
        policies.forward_request_timeout_ms,
        value("apim.forward_request_timeout_ms"),
        key_path(&ppath, "forward_request_timeout_ms"),
    )?;
    let plural = |n: u32, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    Ok(NodeModel {
        kind: Kind::Apim,
        station_without_auth: Some(build(0.0)?),
        station: Some(station),
        terminator: Some(terminator(&tls_of!(s), PUBLIC_CA, None, path)?),
        initiator: Some(
            initiator_with_default(
                &s.trusts,
                &[PUBLIC_CA],
                s.connection_reuse,
                value("apim.backend_connection_reuse"),
                path,
            )?
            .with_certs(client_certs(
                &s.backend_host_name,
                "backend_host_name",
                &s.client_certificate,
                path,
            )?),
        ),
        calls: if ctx.with_auth { calls } else { Vec::new() },
        timeout_ms: Some(timeout),
        capacity: format!(
            "{} × {} (EST) = {} cores at {} ms CPU per request; nominal {} × {} requests/s at {} % busy; {} backend connections per authority",
            plural(units, "unit"),
            plural(cores, "core"),
            units * cores,
            fmt_num(cpu_ms),
            plural(units, "unit"),
            fmt_num(per_unit),
            fmt_num(busy * 100.0),
            units * connections,
        ),
        backend_connections: Some(units * connections),
        nominal_per_s: Some((f64::from(units) * per_unit, busy)),
        user_token: token,
        ..bare(Kind::Apim, String::new())
    })
}

/// The custom CAs an APIM instance may trust: a classic tier installs at
/// most `apim.max_ca_certificates` CA certificates per instance
/// (APIM-CA-CERTS). The v2 tiers take CA details in a backend's
/// credentials instead, with no per-instance CA count published, so they
/// are not bounded here.
///
/// # Errors
///
/// A classic-tier node whose `trusts` lists more custom (non-public) CAs
/// than the limit.
fn apim_ca_certificates(s: &ApimSpec, path: &str) -> Result<(), Invalid> {
    if matches!(s.tier, ApimTier::Basicv2 | ApimTier::Standardv2 | ApimTier::Premiumv2) {
        return Ok(());
    }
    let max = value("apim.max_ca_certificates");
    let mut custom: Vec<&str> =
        s.trusts.iter().flatten().map(String::as_str).filter(|ca| *ca != PUBLIC_CA).collect();
    custom.sort_unstable();
    custom.dedup();
    if custom.len() as f64 > max {
        return Err(Invalid::new(
            key_path(path, "trusts"),
            format!(
                "lists {} custom CAs ({}), but an API Management instance of the {} tier accepts at most {} CA certificates (catalog apim.max_ca_certificates, APIM-CA-CERTS): trust a common root instead of each issuing CA, or keep at most {} of them",
                custom.len(),
                custom.join(", "),
                s.tier.key(),
                fmt_num(max),
                fmt_num(max)
            ),
        ));
    }
    Ok(())
}

/// What an Application Gateway's capacity-unit meter needs: the gateway's
/// side of "CUs asked for at this load" (the load comes from the route,
/// `compile/plan.rs`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CuMeter {
    /// WAF_v2: each request costs compute units (S30).
    pub waf: bool,
    /// New TLS connections a compute unit completes per second with this
    /// certificate key \[1/s\].
    pub tls_conns_per_s_per_cu: f64,
    /// Instances simulated (manual count, or autoscale's minimum).
    pub instances: u32,
    /// CUs one instance can deliver (the station's ceiling).
    pub ceiling_cu: f64,
    /// "EST" for the catalog's default ceiling, "from the file" otherwise.
    pub ceiling_source: &'static str,
    /// Autoscale's largest instance count; `None` for manual scale.
    pub autoscale_max: Option<u32>,
}

/// What the meter counts at a load, each dimension in capacity units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CuDemand {
    /// Compute: new TLS connections and (WAF) requests.
    pub compute_cu: f64,
    /// Persistent connections held open.
    pub connections_cu: f64,
    /// Throughput, request and response bytes.
    pub throughput_cu: f64,
}

impl CuDemand {
    /// The capacity units the meter asks for: the dimension with the
    /// highest use (S30).
    pub(crate) fn cu(&self) -> f64 {
        self.compute_cu.max(self.connections_cu).max(self.throughput_cu)
    }

    /// Instances that guarantee those CUs: peak CU ÷ 10 (S31), at least 1.
    pub(crate) fn instances(&self) -> u32 {
        let per_instance = value("app_gateway.cu_per_instance");
        ((self.cu() / per_instance).ceil() as u32).max(1)
    }
}

impl CuMeter {
    /// The meter at `requests_per_s` requests (`new_conns_per_s` of them
    /// opening a TLS connection), `connections` held open at once and
    /// `mbps` of request and response bytes.
    pub(crate) fn demand(
        &self,
        requests_per_s: f64,
        new_conns_per_s: f64,
        connections: f64,
        mbps: f64,
    ) -> CuDemand {
        let waf = if self.waf {
            requests_per_s / value("app_gateway.waf_v2.req_per_s_per_cu")
        } else {
            0.0
        };
        CuDemand {
            compute_cu: new_conns_per_s / self.tls_conns_per_s_per_cu + waf,
            connections_cu: connections / value("app_gateway.persistent_conns_per_cu"),
            throughput_cu: mbps / value("app_gateway.throughput_per_cu_mbps"),
        }
    }
}

/// Application Gateway v2: a processing latency (a pipeline delay, EST)
/// apart from its capacity, and its capacity as the pooled CUs of its
/// instances (instances × the per-instance ceiling) served by one FIFO
/// server: each message occupies it for its share of the pool's compute
/// (WAF requests, TLS handshakes) and throughput (bytes at 2.22 Mbit/s per
/// CU), so the station saturates where the meter's CUs exceed the pool and
/// a message pays only its share of the whole pool's capacity.
pub(crate) fn app_gateway(
    name: &str,
    s: &AppGatewaySpec,
    path: &str,
) -> Result<NodeModel, Invalid> {
    let max = value("app_gateway.max_instances") as u32;
    let (instances, autoscale_max) = match (&s.autoscale, s.instances) {
        (Some(_), Some(_)) => {
            return Err(Invalid::new(
                key_path(path, "instances"),
                "give either instances (manual scale) or autoscale, not both",
            ));
        }
        (Some(a), None) => {
            let apath = key_path(path, "autoscale");
            let min = count(
                Some(a.min_instances),
                1,
                max,
                key_path(&apath, "min_instances"),
                "autoscale min_instances",
            )
            .map_err(|e| {
                Invalid::new(
                    e.path.clone(),
                    format!(
                        "{}; Azure accepts 0, but the run simulates the minimum until capacity can vary in time, so it needs at least 1",
                        e.message
                    ),
                )
            })?;
            let top = count(
                a.max_instances,
                max,
                max,
                key_path(&apath, "max_instances"),
                "autoscale max_instances",
            )?;
            if top < min {
                return Err(Invalid::new(
                    key_path(&apath, "max_instances"),
                    format!(
                        "is {top}, below min_instances {min}; max_instances must be at least min_instances"
                    ),
                ));
            }
            (min, Some(top))
        }
        (None, manual) => (
            count(
                manual,
                value("app_gateway.min_instances") as u32,
                max,
                key_path(path, "instances"),
                "Application Gateway instances",
            )?,
            None,
        ),
    };
    let cu_path = key_path(path, "capacity_units_per_instance");
    let guaranteed = value("app_gateway.cu_per_instance");
    let ceiling = CAPACITY_UNITS.or(
        s.capacity_units_per_instance,
        value("app_gateway.cu_ceiling_per_instance"),
        cu_path.clone(),
    )?;
    if ceiling < guaranteed {
        return Err(Invalid::new(
            &cu_path,
            format!(
                "is {}, below the {} CUs every instance guarantees (S30); it is the most an instance delivers: give at least {}",
                fmt_num(ceiling),
                fmt_num(guaranteed),
                fmt_num(guaranteed)
            ),
        ));
    }
    let pool_cu = f64::from(instances) * ceiling;
    let ceiling_source =
        if s.capacity_units_per_instance.is_some() { "from the file" } else { "EST" };
    let (sku, waf) = match s.sku {
        AppGatewaySku::StandardV2 => ("standard_v2", false),
        AppGatewaySku::WafV2 => ("waf_v2", true),
    };
    // WAF_v2: a compute unit handles ~10 requests per second (S30).
    let per_request_ms =
        if waf { 1000.0 / (value("app_gateway.waf_v2.req_per_s_per_cu") * pool_cu) } else { 0.0 };
    // A capacity unit carries 2.22 Mbit/s (S30), in both directions.
    let ns_per_byte = 8.0 * 1e9 / (value("app_gateway.throughput_per_cu_mbps") * 1e6 * pool_cu);
    // A compute unit completes ~50 new RSA-2048 TLS connections per second
    // (S30); another key costs what its signature costs relative to RSA.
    let tls = tls_of!(s);
    let rsa_ms = value("tls.rsa2048_handshake_cpu_ms");
    let key_ms = terminator(&tls, PUBLIC_CA, None, path)?.handshake_cpu_ms;
    let tls_conns_per_s_per_cu =
        value("app_gateway.standard_v2.tls_conns_per_s_per_cu") * rsa_ms / key_ms;
    let tls_cpu_ms = 1000.0 / (tls_conns_per_s_per_cu * pool_cu);
    let lat = latency(&s.latency_ms, path, "latency_ms", || {
        let extra = if waf { value("app_gateway.waf_v2.extra_latency_ms") } else { 0.0 };
        lognormal_median(
            value("app_gateway.standard_v2.latency_ms") + extra,
            value("app_gateway.latency_sigma"),
        )
    })?;
    let per_request =
        Dist::constant(per_request_ms * 1e6).map_err(|e| Invalid::new(&cu_path, e.to_string()))?;
    let st = Station::new(name, at_least_one(1), per_request)
        .with_response_service(zero())
        .with_ns_per_byte(ns_per_byte)
        .with_delay(lat)
        .with_response_delay(zero());
    let scale = match autoscale_max {
        Some(top) => format!("autoscale {instances}..{top}, simulated at {instances}"),
        None => format!("{instances} instances"),
    };
    let mut model = plain(
        Kind::AppGateway,
        st,
        format!(
            "{scale} × {} CU ceiling ({ceiling_source}; {} guaranteed) = {} CU pooled ({sku})",
            fmt_num(ceiling),
            fmt_num(guaranteed),
            fmt_num(pool_cu)
        ),
    );
    model.terminator = Some(terminator(&tls, PUBLIC_CA, Some(tls_cpu_ms), path)?);
    model.initiator =
        Some(initiator(&s.trusts, &[PUBLIC_CA], s.connection_reuse, path, true)?.with_certs(
            client_certs(&s.backend_host_name, "backend_host_name", &s.client_certificate, path)?,
        ));
    model.timeout_ms = Some(value("app_gateway.request_timeout_ms"));
    model.meter = Some(CuMeter {
        waf,
        tls_conns_per_s_per_cu,
        instances,
        ceiling_cu: ceiling,
        ceiling_source,
        autoscale_max,
    });
    Ok(model)
}

/// VPN SKUs accepted, as written in scenario files and as catalog keys.
pub(crate) const VPN_SKUS: &[(&str, &str)] = &[
    ("VpnGw1AZ", "vpngw1az"),
    ("VpnGw2AZ", "vpngw2az"),
    ("VpnGw3AZ", "vpngw3az"),
    ("VpnGw4AZ", "vpngw4az"),
    ("VpnGw5AZ", "vpngw5az"),
];

/// ExpressRoute gateway SKUs accepted.
pub(crate) const ER_SKUS: &[(&str, &str)] = &[
    ("ErGw1AZ", "ergw1az"),
    ("ErGw2AZ", "ergw2az"),
    ("ErGw3AZ", "ergw3az"),
    ("ErGwScale", "ergwscale"),
];

pub(crate) fn vnet_gateway(
    name: &str,
    s: &VnetGatewaySpec,
    path: &str,
) -> Result<NodeModel, Invalid> {
    let skus = match s.gateway {
        GatewayType::Vpn => VPN_SKUS,
        GatewayType::Expressroute => ER_SKUS,
    };
    let Some(&(label, key)) = skus.iter().find(|(l, _)| l.eq_ignore_ascii_case(&s.sku)) else {
        let allowed: Vec<&str> = skus.iter().map(|s| s.0).collect();
        // An ExpressRoute SKU on a VPN gateway, or the reverse: the type is
        // what is wrong.
        let (other, other_type) = match s.gateway {
            GatewayType::Vpn => (ER_SKUS, "expressroute"),
            GatewayType::Expressroute => (VPN_SKUS, "vpn"),
        };
        let hint = if other.iter().any(|(l, _)| l.eq_ignore_ascii_case(&s.sku)) {
            format!(
                " ('{}' is a SKU of the other type: for it, set {} to \"{other_type}\")",
                s.sku,
                key_path(path, "gateway")
            )
        } else {
            String::new()
        };
        return Err(Invalid::new(
            key_path(path, "sku"),
            format!(
                "unknown SKU {:?} for this gateway type; expected one of: {}{hint}",
                s.sku,
                allowed.join(", ")
            ),
        ));
    };
    let field = |f: &str| key_path(path, f);
    let only = |present: bool, f: &str, why: &str| -> Result<(), Invalid> {
        if present { Err(Invalid::new(field(f), why.to_string())) } else { Ok(()) }
    };
    only(
        s.units.is_some() && key != "ergwscale",
        "units",
        "units apply to ErGwScale only; remove it",
    )?;
    let is_vpn = s.gateway == GatewayType::Vpn;
    let vpn_only = "applies to VPN gateways only (\"gateway\": \"vpn\"); remove it";
    let er_only =
        "applies to ExpressRoute gateways only (\"gateway\": \"expressroute\"); remove it";
    only(!is_vpn && s.active_active.is_some(), "active_active", vpn_only)?;
    only(!is_vpn && s.site_connections.is_some(), "site_connections", vpn_only)?;
    only(is_vpn && s.fastpath.is_some(), "fastpath", er_only)?;
    only(is_vpn && s.circuit.is_some(), "circuit", er_only)?;
    only(is_vpn && s.data_plan.is_some(), "data_plan", er_only)?;
    let fastpath = s.fastpath.unwrap_or(false);
    let (mbps, pps, servers, mtu, lat_key, detail) = match s.gateway {
        GatewayType::Vpn => vpn_capacity(key, s, path)?,
        GatewayType::Expressroute => {
            let (mbps, pps) = if key == "ergwscale" {
                let units = count(
                    s.units,
                    value("expressroute_gateway.ergwscale.min_units") as u32,
                    value("expressroute_gateway.ergwscale.max_units") as u32,
                    field("units"),
                    "ErGwScale units",
                )?;
                let min_fastpath = value("expressroute_gateway.ergwscale.fastpath_min_units");
                if fastpath && f64::from(units) < min_fastpath {
                    return Err(Invalid::new(
                        field("fastpath"),
                        format!(
                            "FastPath on ErGwScale needs at least {} scale units, got {units}: set units to {} or more, or remove fastpath",
                            fmt_num(min_fastpath),
                            fmt_num(min_fastpath)
                        ),
                    ));
                }
                (
                    value("expressroute_gateway.ergwscale.bandwidth_mbps_per_unit")
                        * f64::from(units),
                    value("expressroute_gateway.ergwscale.pps_per_unit") * f64::from(units),
                )
            } else {
                if fastpath && key != "ergw3az" {
                    return Err(Invalid::new(
                        field("fastpath"),
                        format!(
                            "FastPath needs an ErGw3AZ or ErGwScale gateway (at least {} units), not {label}: set sku to ErGw3AZ or ErGwScale, or remove fastpath",
                            fmt_num(value("expressroute_gateway.ergwscale.fastpath_min_units"))
                        ),
                    ));
                }
                (
                    value(&format!("expressroute_gateway.{key}.bandwidth_mbps")),
                    value(&format!("expressroute_gateway.{key}.pps")),
                )
            };
            let mtu = value("expressroute.max_packet_bytes") as u32;
            let direct = s.circuit == Some(CircuitKind::Direct);
            let detail = format!(
                "{}; traffic from on-premises only{}",
                if direct { "ExpressRoute Direct circuit" } else { "provider circuit" },
                if fastpath { ", bypassed by FastPath where it applies" } else { "" }
            );
            (mbps, pps, 1, mtu, "expressroute_gateway", detail)
        }
    };
    // Each full packet costs whichever limit binds: bandwidth or packets/s.
    let ns_per_packet = (f64::from(mtu) * 8.0 / (mbps * 1e6)).max(1.0 / pps) * 1e9;
    let lat = latency(&s.latency_ms, path, "latency_ms", || {
        lognormal_median(
            value(&format!("{lat_key}.latency_ms")),
            value(&format!("{lat_key}.latency_sigma")),
        )
    })?;
    let st = Station::new(name, at_least_one(servers), zero())
        .with_packet_cost(ns_per_packet, mtu)
        .with_delay(lat);
    let per = if servers > 1 { format!("{servers} tunnels × ") } else { String::new() };
    let mut model = plain(
        Kind::VnetGateway,
        st,
        format!(
            "{label}: {per}{} Mbit/s, {} packets/s ({mtu}-byte packets); {detail}",
            fmt_num(mbps),
            fmt_num(pps)
        ),
    );
    model.wan = Some(match s.gateway {
        GatewayType::Vpn => NetworkKind::Vpn,
        GatewayType::Expressroute => NetworkKind::Expressroute,
    });
    model.fastpath = fastpath;
    model.circuit_direct = s.circuit == Some(CircuitKind::Direct);
    Ok(model)
}

/// A VPN gateway's capacity for the simulated site: (Mbit/s and packets/s
/// per tunnel, tunnels, packet size, catalog prefix, a note). The site has
/// one tunnel, two when the gateway is active-active (one per instance);
/// every site connection uses as many, and their total may not exceed the
/// SKU's tunnel count. The sites share the SKU's aggregate throughput
/// equally (EST: the others are assumed as busy as the simulated one), so
/// a tunnel carries the smaller of its own limit and its share; the
/// packets/s limit scales with it (no aggregate packet rate is published).
/// Packets are MSS-clamped (VPN-MSS).
fn vpn_capacity(
    key: &str,
    s: &VnetGatewaySpec,
    path: &str,
) -> Result<(f64, f64, u32, u32, &'static str, String), Invalid> {
    let fig = |f: &str| value(&format!("vpn_gateway.{key}.{f}"));
    let max_tunnels = fig("max_s2s_tunnels") as u32;
    let active_active = s.active_active.unwrap_or(false);
    let per_site = if active_active { 2 } else { 1 };
    let sites = s.site_connections.unwrap_or(1);
    let spath = key_path(path, "site_connections");
    if sites == 0 {
        return Err(Invalid::new(spath, "must be at least 1 (the simulated route's own site)"));
    }
    if u64::from(sites) * u64::from(per_site) > u64::from(max_tunnels) {
        let bigger = VPN_SKUS
            .iter()
            .find(|(_, k)| {
                value(&format!("vpn_gateway.{k}.max_s2s_tunnels")) as u64
                    >= u64::from(sites) * u64::from(per_site)
            })
            .map_or(String::new(), |(l, _)| format!("set sku to {l} (or larger), or "));
        return Err(Invalid::new(
            spath,
            format!(
                "{sites} site connections need {} tunnels{}, but {} allows at most {max_tunnels} site-to-site tunnels: {bigger}connect at most {} sites",
                u64::from(sites) * u64::from(per_site),
                if active_active { " (two per site on an active-active gateway)" } else { "" },
                s.sku,
                max_tunnels / per_site
            ),
        ));
    }
    let (per_tunnel, aggregate) = (fig("per_tunnel_mbps"), fig("aggregate_mbps"));
    let share = aggregate / f64::from(sites);
    let mbps = per_tunnel.min(share / f64::from(per_site));
    let pps = fig("per_tunnel_pps") * mbps / per_tunnel;
    let detail = format!(
        "{}{sites} site connection{} sharing the {} Mbit/s aggregate",
        if active_active { "active-active, " } else { "" },
        if sites == 1 { "" } else { "s" },
        fmt_num(aggregate)
    );
    Ok((mbps, pps, per_site, value("vpn_gateway.mss_bytes") as u32, "vpn_gateway", detail))
}

pub(crate) fn onprem_firewall(
    name: &str,
    s: &OnpremFirewallSpec,
    path: &str,
) -> Result<NodeModel, Invalid> {
    let instances = count(s.instances, 1, 1000, key_path(path, "instances"), "instances")?;
    let gbps = THROUGHPUT_GBPS.or(
        s.throughput_gbps,
        value("onprem_firewall.throughput_gbps"),
        key_path(path, "throughput_gbps"),
    )?;
    let lat = latency(&s.latency_ms, path, "latency_ms", || {
        lognormal_median(
            value("onprem_firewall.latency_ms"),
            value("onprem_firewall.latency_sigma"),
        )
    })?;
    let st = Station::new(name, at_least_one(instances), zero())
        .with_ns_per_byte(8.0 / gbps)
        .with_delay(lat);
    Ok(plain(Kind::OnpremFirewall, st, format!("{instances} × {} Gbps", fmt_num(gbps))))
}

pub(crate) fn onprem_api_gateway(
    name: &str,
    s: &OnpremApiGatewaySpec,
    path: &str,
    ctx: &Context,
) -> Result<NodeModel, Invalid> {
    let nodes = count(
        s.nodes,
        value("onprem_api_gateway.nodes") as u32,
        1000,
        key_path(path, "nodes"),
        "gateway nodes",
    )?;
    let per_node_path = key_path(path, "capacity_per_node_per_s");
    let per_node = CAPACITY_PER_S.or(
        s.capacity_per_node_per_s,
        value("onprem_api_gateway.capacity_per_node_per_s"),
        per_node_path.clone(),
    )?;
    let lat = latency(&s.latency_ms, path, "latency_ms", || {
        lognormal_median(
            value("onprem_api_gateway.latency_ms"),
            value("onprem_api_gateway.latency_sigma"),
        )
    })?;
    let unit_ms = 1000.0 / per_node;
    let st = Station::new(name, at_least_one(nodes), exp_ms(unit_ms * 0.75, &per_node_path)?)
        .with_response_service(exp_ms(unit_ms * 0.25, &per_node_path)?)
        .with_delay(lat)
        .with_response_delay(zero());
    let mut model = plain(
        Kind::OnpremApiGateway,
        st,
        format!("{nodes} nodes × {} requests/s", fmt_num(per_node)),
    );
    model.terminator = Some(terminator(&tls_of!(s), ONPREM_CA, None, path)?);
    model.initiator = Some(
        initiator(&s.trusts, &[PUBLIC_CA, ONPREM_CA], s.connection_reuse, path, true)?.with_certs(
            client_certs(&s.backend_host_name, "backend_host_name", &s.client_certificate, path)?,
        ),
    );
    if ctx.with_auth
        && let Some(t) = &s.protocol_transition
    {
        model.calls.push(token_call(
            "protocol_transition",
            t,
            &key_path(path, "protocol_transition"),
            ctx,
            CacheContext { regions: 1, apim: false },
        )?);
    }
    if let Some(k) = &s.kerberos {
        // Checked in the twin without authorisation too; made only with it.
        let call = kerberos_call(k, &key_path(path, "kerberos"), ctx.rate_per_s)?;
        if ctx.with_auth {
            model.calls.push(call);
        }
        model.swaps_token = true;
    }
    if let Some(v) = &s.max_header_bytes {
        model.max_header_bytes = Some(max_header_bytes(v, &key_path(path, "max_header_bytes"))?);
    }
    Ok(model)
}

/// A backend: the user's API, an input. Its station is external (left
/// out of the routes' platform latency); the fields the file leaves out
/// take the catalog's estimate and are named in its [`InputNote`], so
/// `validate` and `run` can warn.
pub(crate) fn backend(name: &str, s: &BackendSpec, path: &str) -> Result<NodeModel, Invalid> {
    if let Some(d) = &s.description {
        crate::file::names::description(d, key_path(path, "description"))?;
    }
    let servers = match &s.servers {
        Some(v) => crate::file::laws::servers(v, &key_path(path, "servers"))?,
        None => at_least_one(8),
    };
    let service = latency(&s.service_ms, path, "service_ms", || {
        lognormal_median(value("backend.service_ms"), value("backend.service_sigma"))
    })?;
    let estimated = [("service_ms", s.service_ms.is_none()), ("servers", s.servers.is_none())]
        .into_iter()
        .filter_map(|(field, missing)| missing.then_some(field))
        .collect();
    let mut st = Station::new(name, servers, service).with_external();
    if let Some(r) = &s.response_service_ms {
        st = st.with_response_service(dist(
            r,
            &key_path(path, "response_service_ms"),
            Unit::Millis,
        )?);
    }
    if let Some(q) = queue_limit(s.queue_limit, &key_path(path, "queue_limit"))? {
        st = st.with_queue_limit(q);
    }
    let capacity = match servers.count() {
        Some(c) => format!("{c} servers"),
        None => "unbounded".into(),
    };
    let mut model = plain(Kind::Backend, st, capacity);
    model.terminator = Some(terminator(&tls_of!(s), ONPREM_CA, None, path)?);
    if let Some(v) = &s.max_header_bytes {
        model.max_header_bytes = Some(max_header_bytes(v, &key_path(path, "max_header_bytes"))?);
    }
    model.input = Some(InputNote { description: s.description.clone(), estimated });
    Ok(model)
}

pub(crate) fn identity_provider(
    name: &str,
    s: &IdentityProviderSpec,
    path: &str,
) -> Result<NodeModel, Invalid> {
    let service = latency(&s.token_ms, path, "token_ms", || {
        lognormal_median(
            value("identity_provider.token_ms"),
            value("identity_provider.token_sigma"),
        )
    })?;
    let tenant = s.tenant.unwrap_or(Tenant::EntraId);
    // One second of the rate by default (EST), at least one request.
    let (limit, per_s, burst, retry_after_s) = identity::rate_limit(
        &s.rate_limit,
        path,
        value(tenant.rate_key()),
        |per_s| per_s * value("identity_provider.rate_limit_burst_s"),
        value("identity_provider.retry_after_s"),
    )?;
    // The catalog's figure is an estimate for Entra ID, published for
    // External ID; another rate is the file's own.
    let estimate = if per_s != value(tenant.rate_key()) {
        ""
    } else if tenant == Tenant::EntraId {
        " (EST: Entra ID does not publish its limit)"
    } else {
        " (published)"
    };
    let capacity = format!(
        "unbounded servers; {} tokens/s{estimate}, burst {burst}, 429 with Retry-After {} s beyond",
        fmt_num(per_s),
        fmt_num(retry_after_s)
    );
    identity::limited_endpoint(
        Kind::IdentityProvider,
        name,
        service,
        limit,
        capacity,
        &tls_of!(s),
        path,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_and_tier_names_are_the_file_names() {
        for name in NODE_KINDS {
            let kind: Kind = name.parse().unwrap();
            assert_eq!(kind.name(), *name);
            assert_eq!(kind.to_string(), *name);
        }
        assert_eq!(NODE_KINDS.len(), 12);
        for tier in ["developer", "basic", "standard", "premium", "basicv2", "premiumv2"] {
            let t: ApimTier = serde_json::from_value(Value::from(tier)).unwrap();
            assert_eq!(t.key(), tier);
        }
    }

    #[test]
    fn the_meter_takes_the_largest_dimension_as_the_pricing_page_computes_it() {
        // S30, example 4: 25 new TLS connections/s and 8.88 Mbit/s need
        // max(25 / 50, 8.88 / 2.22) = 4 CU.
        let m = CuMeter {
            waf: false,
            tls_conns_per_s_per_cu: 50.0,
            instances: 2,
            ceiling_cu: 100.0,
            ceiling_source: "EST",
            autoscale_max: None,
        };
        let d = m.demand(100.0, 25.0, 0.0, 8.88);
        assert!((d.compute_cu - 0.5).abs() < 1e-12);
        assert!((d.cu() - 4.0).abs() < 1e-12);
        assert_eq!(d.instances(), 1);
        // 30,000 connections held open: 12 CU, two instances at 10 CU each.
        let d = m.demand(100.0, 25.0, 30_000.0, 8.88);
        assert!((d.cu() - 12.0).abs() < 1e-12);
        assert_eq!(d.instances(), 2);
        // WAF_v2: 200 requests/s at 10 per compute unit add 20 CU.
        let waf = CuMeter { waf: true, ..m };
        assert!((waf.demand(200.0, 25.0, 0.0, 8.88).cu() - 20.5).abs() < 1e-12);
    }
}
