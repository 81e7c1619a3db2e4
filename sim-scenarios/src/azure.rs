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

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_core::{Dist, Servers, Station};

use crate::catalog::value;
use crate::compile::{Unit, dist, fmt_num, key_path, typed};
use crate::error::Invalid;
use crate::spec::{ClientSpec, DistSpec, StationSpec};

/// The CA name meaning "a certificate every client trusts".
pub const PUBLIC_CA: &str = "public";

/// Default CA of on-premises certificates.
pub const ONPREM_CA: &str = "onprem-root";

/// Every node kind a scenario may use.
pub const NODE_KINDS: &[&str] = &[
    "client",
    "station",
    "azure_firewall",
    "apim",
    "app_gateway",
    "vnet_gateway",
    "onprem_firewall",
    "onprem_api_gateway",
    "backend",
    "identity_provider",
];

/// What a node is, for checks and explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

impl Kind {
    /// The kind's name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Client => "client",
            Kind::Station => "station",
            Kind::AzureFirewall => "azure_firewall",
            Kind::Apim => "apim",
            Kind::AppGateway => "app_gateway",
            Kind::VnetGateway => "vnet_gateway",
            Kind::OnpremFirewall => "onprem_firewall",
            Kind::OnpremApiGateway => "onprem_api_gateway",
            Kind::Backend => "backend",
            Kind::IdentityProvider => "identity_provider",
        }
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
        matches!(self, Kind::OnpremFirewall | Kind::OnpremApiGateway | Kind::Backend)
    }
}

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
enum FirewallSku {
    Basic,
    Standard,
    Premium,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
enum Idps {
    Off,
    Alert,
    Deny,
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
enum CertificateKey {
    Rsa2048,
    EcdsaP256,
}

/// Server-side TLS settings shared by terminating kinds (fields of their
/// node objects: `certificate_ca`, `tls_version`, `certificate_key`).
#[derive(Debug, Clone, Default)]
struct TlsSpec {
    certificate_ca: Option<String>,
    tls_version: Option<TlsVersion>,
    certificate_key: Option<CertificateKey>,
}

macro_rules! tls_of {
    ($s:expr) => {
        TlsSpec {
            certificate_ca: $s.certificate_ca.clone(),
            tls_version: $s.tls_version,
            certificate_key: $s.certificate_key,
        }
    };
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FirewallSpec {
    kind: String,
    sku: FirewallSku,
    #[serde(default)]
    instances: Option<u32>,
    #[serde(default)]
    zone_aligned: Option<bool>,
    #[serde(default)]
    idps: Option<Idps>,
    #[serde(default)]
    throughput_per_instance_gbps: Option<f64>,
    #[serde(default)]
    per_flow_gbps: Option<f64>,
    #[serde(default)]
    latency_ms: Option<DistSpec>,
    #[serde(default)]
    queue_limit: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum ApimTier {
    Developer,
    Basic,
    Standard,
    Premium,
    Basicv2,
    Standardv2,
    Premiumv2,
}

impl ApimTier {
    fn key(self) -> &'static str {
        match self {
            ApimTier::Developer => "developer",
            ApimTier::Basic => "basic",
            ApimTier::Standard => "standard",
            ApimTier::Premium => "premium",
            ApimTier::Basicv2 => "basicv2",
            ApimTier::Standardv2 => "standardv2",
            ApimTier::Premiumv2 => "premiumv2",
        }
    }
}

/// A nested call to an identity provider with a token cache.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TokenCallSpec {
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
    #[serde(default)]
    request_bytes: Option<u64>,
    #[serde(default)]
    response_bytes: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ValidateJwtSpec {
    #[serde(default)]
    cpu_ms: Option<f64>,
    /// Where JWKS keys are fetched from (nodes after APIM, the provider last).
    #[serde(default)]
    jwks_via: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ApimPolicies {
    #[serde(default)]
    validate_jwt: Option<ValidateJwtSpec>,
    #[serde(default)]
    token_exchange: Option<TokenCallSpec>,
    #[serde(default)]
    forward_request_timeout_ms: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ApimSpec {
    kind: String,
    tier: ApimTier,
    #[serde(default)]
    units: Option<u32>,
    #[serde(default)]
    capacity_per_unit_per_s: Option<f64>,
    #[serde(default)]
    gateway_latency_ms: Option<DistSpec>,
    #[serde(default)]
    certificate_ca: Option<String>,
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
    #[serde(default)]
    trusts: Option<Vec<String>>,
    #[serde(default)]
    connection_reuse: Option<f64>,
    #[serde(default)]
    policies: Option<ApimPolicies>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
enum AppGatewaySku {
    StandardV2,
    WafV2,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct AppGatewaySpec {
    kind: String,
    sku: AppGatewaySku,
    #[serde(default)]
    instances: Option<u32>,
    #[serde(default)]
    capacity_units_per_instance: Option<f64>,
    #[serde(default)]
    latency_ms: Option<DistSpec>,
    #[serde(default)]
    certificate_ca: Option<String>,
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
    #[serde(default)]
    trusts: Option<Vec<String>>,
    #[serde(default)]
    connection_reuse: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
enum GatewayType {
    Vpn,
    Expressroute,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct VnetGatewaySpec {
    kind: String,
    gateway: GatewayType,
    sku: String,
    #[serde(default)]
    units: Option<u32>,
    #[serde(default)]
    latency_ms: Option<DistSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct OnpremFirewallSpec {
    kind: String,
    #[serde(default)]
    instances: Option<u32>,
    #[serde(default)]
    throughput_gbps: Option<f64>,
    #[serde(default)]
    latency_ms: Option<DistSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct OnpremApiGatewaySpec {
    kind: String,
    #[serde(default)]
    nodes: Option<u32>,
    #[serde(default)]
    capacity_per_node_per_s: Option<f64>,
    #[serde(default)]
    latency_ms: Option<DistSpec>,
    #[serde(default)]
    certificate_ca: Option<String>,
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
    #[serde(default)]
    trusts: Option<Vec<String>>,
    #[serde(default)]
    connection_reuse: Option<f64>,
    /// Exchange the end user's token for an on-premises one.
    #[serde(default)]
    protocol_transition: Option<TokenCallSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct BackendSpec {
    kind: String,
    #[serde(default)]
    servers: Option<Value>,
    #[serde(default)]
    service_ms: Option<DistSpec>,
    #[serde(default)]
    response_service_ms: Option<DistSpec>,
    #[serde(default)]
    queue_limit: Option<u32>,
    #[serde(default)]
    certificate_ca: Option<String>,
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct IdentityProviderSpec {
    kind: String,
    #[serde(default)]
    token_ms: Option<DistSpec>,
    #[serde(default)]
    certificate_ca: Option<String>,
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
}

/// What a node needs to know about the scenario to compile.
pub(crate) struct Context {
    /// Mean arrival rate of the workload \[1/s\] (for per-request shares of
    /// periodic work such as JWKS refreshes).
    pub(crate) rate_per_s: f64,
    /// Whether authorisation work is modelled (false: the no-auth twin).
    pub(crate) with_auth: bool,
}

/// Lognormal with median `median_ms` and shape `sigma`, in nanoseconds.
fn lognormal_median(median_ms: f64, sigma: f64) -> Dist {
    Dist::lognormal((median_ms * 1e6).ln(), sigma).expect("catalog medians are positive")
}

fn exp_ms(mean_ms: f64) -> Dist {
    Dist::exponential(mean_ms * 1e6).expect("catalog means are positive")
}

fn positive(v: Option<f64>, default: f64, path: String, unit: &str) -> Result<f64, Invalid> {
    match v {
        None => Ok(default),
        Some(x) if x.is_finite() && x > 0.0 && x <= 1e12 => Ok(x),
        Some(x) => Err(Invalid::new(path, format!("must be > 0 {unit}, got {}", fmt_num(x)))),
    }
}

fn fraction(v: Option<f64>, default: f64, path: String) -> Result<f64, Invalid> {
    match v {
        None => Ok(default),
        Some(x) if (0.0..=1.0).contains(&x) => Ok(x),
        Some(x) => Err(Invalid::new(path, format!("must be between 0 and 1, got {}", fmt_num(x)))),
    }
}

fn count(v: Option<u32>, default: u32, max: u32, path: String, what: &str) -> Result<u32, Invalid> {
    let c = v.unwrap_or(default);
    if c == 0 || c > max {
        return Err(Invalid::new(path, format!("{what} must be from 1 to {max}, got {c}")));
    }
    Ok(c)
}

fn latency(
    spec: &Option<DistSpec>,
    path: &str,
    field: &str,
    default: impl FnOnce() -> Dist,
) -> Result<Dist, Invalid> {
    match spec {
        Some(d) => dist(d, &key_path(path, field), Unit::Millis),
        None => Ok(default()),
    }
}

fn terminator(t: &TlsSpec, default_ca: &str, cpu_ms: Option<f64>) -> Terminator {
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

fn initiator(
    trusts: &Option<Vec<String>>,
    default: &[&str],
    reuse: Option<f64>,
    path: &str,
    custom_ca_support: bool,
) -> Result<Initiator, Invalid> {
    Ok(Initiator {
        trusts: trusts
            .clone()
            .unwrap_or_else(|| default.iter().map(|s| (*s).to_string()).collect()),
        custom_ca_support,
        connection_reuse: fraction(
            reuse,
            value("tls.connection_reuse"),
            key_path(path, "connection_reuse"),
        )?,
    })
}

/// Miss probability of a token cache: given directly, or derived from the
/// number of users and the token lifetime (each user misses once per
/// lifetime: misses/s = users / lifetime, requests/s = rate).
fn token_call(
    name: &str,
    spec: &TokenCallSpec,
    path: &str,
    ctx: &Context,
) -> Result<Call, Invalid> {
    let cpath = |f: &str| key_path(path, f);
    if spec.via.is_empty() {
        return Err(Invalid::new(
            cpath("via"),
            "name the nodes the call walks through, the identity provider last",
        ));
    }
    let probability = match (spec.cache_hit_ratio, spec.users) {
        (Some(_), Some(_)) => {
            return Err(Invalid::new(
                cpath("users"),
                "give either cache_hit_ratio or users (with token_lifetime_min), not both",
            ));
        }
        (Some(h), None) => 1.0 - fraction(Some(h), 0.0, cpath("cache_hit_ratio"))?,
        (None, Some(users)) => {
            let mean_lifetime = (value("identity_provider.token_lifetime_min_min")
                + value("identity_provider.token_lifetime_max_min"))
                / 2.0;
            let lifetime_min = positive(
                spec.token_lifetime_min,
                mean_lifetime,
                cpath("token_lifetime_min"),
                "min",
            )?;
            (users as f64 / (lifetime_min * 60.0) / ctx.rate_per_s).min(1.0)
        }
        (None, None) => 1.0,
    };
    if spec.token_lifetime_min.is_some() && spec.users.is_none() {
        return Err(Invalid::new(
            cpath("token_lifetime_min"),
            "only used with users (to derive the cache hit ratio); give users or remove it",
        ));
    }
    Ok(Call {
        name: name.to_string(),
        via: spec.via.clone(),
        via_path: cpath("via"),
        probability,
        bytes: (spec.request_bytes.unwrap_or(2048), spec.response_bytes.unwrap_or(4096)),
        is_auth: true,
    })
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
    let model = match kind {
        "client" => client(&typed::<ClientSpec>(value_json, path)?, path)?,
        "station" => {
            let s = typed::<StationSpec>(value_json, path)?;
            let st = crate::compile::station(name, &s, path)?;
            plain(Kind::Station, st, String::new())
        }
        "azure_firewall" => firewall(name, &typed(value_json, path)?, path)?,
        "apim" => apim(name, &typed(value_json, path)?, path, ctx)?,
        "app_gateway" => app_gateway(name, &typed(value_json, path)?, path)?,
        "vnet_gateway" => vnet_gateway(name, &typed(value_json, path)?, path)?,
        "onprem_firewall" => onprem_firewall(name, &typed(value_json, path)?, path)?,
        "onprem_api_gateway" => onprem_api_gateway(name, &typed(value_json, path)?, path, ctx)?,
        "backend" => backend(name, &typed(value_json, path)?, path)?,
        "identity_provider" => identity_provider(name, &typed(value_json, path)?, path)?,
        other => {
            return Err(Invalid::new(
                key_path(path, "kind"),
                format!("unknown node kind '{other}'; expected one of: {}", NODE_KINDS.join(", ")),
            ));
        }
    };
    Ok(model)
}

fn plain(kind: Kind, station: Station, capacity: String) -> NodeModel {
    NodeModel {
        kind,
        station_without_auth: Some(station.clone()),
        station: Some(station),
        terminator: None,
        initiator: None,
        calls: Vec::new(),
        timeout_ms: None,
        capacity,
    }
}

fn client(s: &ClientSpec, path: &str) -> Result<NodeModel, Invalid> {
    let custom = s.custom_ca_support.unwrap_or(true);
    let init = initiator(&s.trusts, &[PUBLIC_CA], s.connection_reuse, path, custom)?;
    if !custom && let Some(ca) = init.trusts.iter().find(|c| *c != PUBLIC_CA) {
        return Err(Invalid::new(
            key_path(path, "trusts"),
            format!(
                "lists '{ca}', but custom_ca_support is false: this client cannot be given a custom CA; remove it from trusts"
            ),
        ));
    }
    Ok(NodeModel {
        kind: Kind::Client,
        station: None,
        station_without_auth: None,
        terminator: None,
        initiator: Some(init),
        calls: Vec::new(),
        timeout_ms: None,
        capacity: "origin of requests".into(),
    })
}

fn firewall(name: &str, s: &FirewallSpec, path: &str) -> Result<NodeModel, Invalid> {
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
    // IDPS alert-and-deny lowers the SKU ceiling from 100 to 10 Gbps (S1):
    // each instance carries the same fraction.
    let deny_factor = if idps == Idps::Deny {
        value("azure_firewall.premium.idps_deny_max_throughput_gbps")
            / value("azure_firewall.premium.max_throughput_gbps")
    } else {
        1.0
    };
    let per_instance = positive(
        s.throughput_per_instance_gbps,
        value(&format!("azure_firewall.{sku}.throughput_per_instance_gbps")) * deny_factor,
        key_path(path, "throughput_per_instance_gbps"),
        "Gbps",
    )?;
    let flow_default = if idps == Idps::Deny {
        value("azure_firewall.premium.per_flow_idps_deny_gbps")
    } else {
        value(&format!("azure_firewall.{sku}.per_flow_gbps"))
    };
    let per_flow =
        positive(s.per_flow_gbps, flow_default, key_path(path, "per_flow_gbps"), "Gbps")?;
    // One message is one flow: it is processed no faster than the per-flow
    // cap, and holds an instance meanwhile.
    let gbps = per_instance.min(per_flow);
    let aligned = s.zone_aligned.unwrap_or(false);
    let lat = latency(&s.latency_ms, path, "latency_ms", || {
        let key = if aligned {
            "azure_firewall.latency_aligned_ms"
        } else {
            "azure_firewall.latency_unaligned_ms"
        };
        lognormal_median(value(key), value("azure_firewall.latency_sigma"))
    })?;
    let servers = Servers::finite(instances).expect("checked above");
    let mut st = Station::new(name, servers, Dist::constant(0.0).expect("0 is valid"))
        .with_ns_per_byte(8.0 / gbps)
        .with_delay(lat);
    if let Some(q) = s.queue_limit {
        st = st.with_queue_limit(q);
    }
    Ok(plain(
        Kind::AzureFirewall,
        st,
        format!(
            "{instances} instances × {} Gbps (per flow {} Gbps)",
            fmt_num(per_instance),
            fmt_num(per_flow)
        ),
    ))
}

fn apim(name: &str, s: &ApimSpec, path: &str, ctx: &Context) -> Result<NodeModel, Invalid> {
    let tier = s.tier.key();
    let max_units = value(&format!("apim.{tier}.max_units")) as u32;
    let units = count(s.units, 1, max_units, key_path(path, "units"), &format!("{tier} units"))?;
    let per_unit = positive(
        s.capacity_per_unit_per_s,
        value(&format!("apim.{tier}.capacity_per_unit_per_s")),
        key_path(path, "capacity_per_unit_per_s"),
        "requests per second",
    )?;
    let policies = s.policies.clone().unwrap_or_default();
    let ppath = key_path(path, "policies");
    let jwt_cpu_ms = match &policies.validate_jwt {
        Some(v) => positive(
            v.cpu_ms,
            value("apim.validate_jwt_cpu_ms"),
            key_path(&key_path(&ppath, "validate_jwt"), "cpu_ms"),
            "ms",
        )?,
        None => 0.0,
    };
    // One unit serves `per_unit` requests per second; a request's work is
    // split 3:1 between its request and its response (EST).
    let unit_ms = 1000.0 / per_unit;
    let servers = Servers::finite(units).expect("checked above");
    let build = |jwt_ms: f64| {
        Station::new(name, servers, exp_ms(unit_ms * 0.75 + jwt_ms))
            .with_response_service(exp_ms(unit_ms * 0.25))
            .with_delay(
                latency(&s.gateway_latency_ms, path, "gateway_latency_ms", || {
                    lognormal_median(
                        value("apim.gateway_latency_ms"),
                        value("apim.gateway_latency_sigma"),
                    )
                })
                .expect("checked below"),
            )
            .with_response_delay(Dist::constant(0.0).expect("0 is valid"))
    };
    // Check the latency override once, with its path.
    latency(&s.gateway_latency_ms, path, "gateway_latency_ms", || Dist::constant(0.0).expect("0"))?;
    let station = build(if ctx.with_auth { jwt_cpu_ms } else { 0.0 });
    let mut calls = Vec::new();
    if let Some(t) = &policies.token_exchange {
        calls.push(token_call("token_exchange", t, &key_path(&ppath, "token_exchange"), ctx)?);
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
        });
    }
    let timeout = positive(
        policies.forward_request_timeout_ms,
        value("apim.forward_request_timeout_ms"),
        key_path(&ppath, "forward_request_timeout_ms"),
        "ms",
    )?;
    Ok(NodeModel {
        kind: Kind::Apim,
        station_without_auth: Some(build(0.0)),
        station: Some(station),
        terminator: Some(terminator(&tls_of!(s), PUBLIC_CA, None)),
        initiator: Some(initiator(&s.trusts, &[PUBLIC_CA], s.connection_reuse, path, true)?),
        calls: if ctx.with_auth { calls } else { Vec::new() },
        timeout_ms: Some(timeout),
        capacity: format!("{units} units × {} requests/s", fmt_num(per_unit)),
    })
}

fn app_gateway(name: &str, s: &AppGatewaySpec, path: &str) -> Result<NodeModel, Invalid> {
    let instances = count(
        s.instances,
        value("app_gateway.min_instances") as u32,
        value("app_gateway.max_instances") as u32,
        key_path(path, "instances"),
        "Application Gateway instances",
    )?;
    let cu = positive(
        s.capacity_units_per_instance,
        value("app_gateway.cu_per_instance"),
        key_path(path, "capacity_units_per_instance"),
        "capacity units",
    )?;
    let (sku, per_request_ms) = match s.sku {
        AppGatewaySku::StandardV2 => ("standard_v2", 0.0),
        // WAF_v2: a compute unit handles ~10 requests per second (S30).
        AppGatewaySku::WafV2 => {
            ("waf_v2", 1000.0 / (value("app_gateway.waf_v2.req_per_s_per_cu") * cu))
        }
    };
    // A capacity unit carries 2.22 Mbit/s (S30), in both directions.
    let ns_per_byte = 8.0 * 1e9 / (value("app_gateway.throughput_per_cu_mbps") * 1e6 * cu);
    // A compute unit completes ~50 new RSA-2048 TLS connections per second.
    let tls_cpu_ms = 1000.0 / (value("app_gateway.standard_v2.tls_conns_per_s_per_cu") * cu);
    let lat = latency(&s.latency_ms, path, "latency_ms", || {
        lognormal_median(
            value(&format!("app_gateway.{sku}.latency_ms")),
            value("app_gateway.latency_sigma"),
        )
    })?;
    let st = Station::new(
        name,
        Servers::finite(instances).expect("checked above"),
        Dist::constant(per_request_ms * 1e6).expect("non-negative"),
    )
    .with_response_service(Dist::constant(0.0).expect("0 is valid"))
    .with_ns_per_byte(ns_per_byte)
    .with_delay(lat)
    .with_response_delay(Dist::constant(0.0).expect("0 is valid"));
    let mut model =
        plain(Kind::AppGateway, st, format!("{instances} instances × {} CU ({sku})", fmt_num(cu)));
    model.terminator = Some(terminator(&tls_of!(s), PUBLIC_CA, Some(tls_cpu_ms)));
    model.initiator = Some(initiator(&s.trusts, &[PUBLIC_CA], s.connection_reuse, path, true)?);
    model.timeout_ms = Some(value("app_gateway.request_timeout_ms"));
    Ok(model)
}

/// VPN SKUs accepted, as written in scenario files and as catalog keys.
const VPN_SKUS: &[(&str, &str)] = &[
    ("VpnGw1AZ", "vpngw1az"),
    ("VpnGw2AZ", "vpngw2az"),
    ("VpnGw3AZ", "vpngw3az"),
    ("VpnGw4AZ", "vpngw4az"),
    ("VpnGw5AZ", "vpngw5az"),
];

/// ExpressRoute gateway SKUs accepted.
const ER_SKUS: &[(&str, &str)] = &[
    ("ErGw1AZ", "ergw1az"),
    ("ErGw2AZ", "ergw2az"),
    ("ErGw3AZ", "ergw3az"),
    ("ErGwScale", "ergwscale"),
];

fn vnet_gateway(name: &str, s: &VnetGatewaySpec, path: &str) -> Result<NodeModel, Invalid> {
    let skus = match s.gateway {
        GatewayType::Vpn => VPN_SKUS,
        GatewayType::Expressroute => ER_SKUS,
    };
    let Some(&(label, key)) = skus.iter().find(|(l, _)| l.eq_ignore_ascii_case(&s.sku)) else {
        let allowed: Vec<&str> = skus.iter().map(|s| s.0).collect();
        return Err(Invalid::new(
            key_path(path, "sku"),
            format!(
                "unknown SKU '{}' for this gateway type; expected one of: {}",
                s.sku,
                allowed.join(", ")
            ),
        ));
    };
    if s.units.is_some() && key != "ergwscale" {
        return Err(Invalid::new(
            key_path(path, "units"),
            "units apply to ErGwScale only; remove it",
        ));
    }
    let mtu = value("expressroute.max_packet_bytes") as u32;
    let (mbps, pps, lat_key) = match s.gateway {
        // A site-to-site connection is one tunnel: its cap binds, not the
        // SKU aggregate.
        GatewayType::Vpn => (
            value(&format!("vpn_gateway.{key}.per_tunnel_mbps")),
            value(&format!("vpn_gateway.{key}.per_tunnel_pps")),
            "vpn_gateway",
        ),
        GatewayType::Expressroute if key == "ergwscale" => {
            let units = count(
                s.units,
                value("expressroute_gateway.ergwscale.min_units") as u32,
                value("expressroute_gateway.ergwscale.max_units") as u32,
                key_path(path, "units"),
                "ErGwScale units",
            )?;
            (
                value("expressroute_gateway.ergwscale.bandwidth_mbps_per_unit") * f64::from(units),
                value("expressroute_gateway.ergwscale.pps_per_unit") * f64::from(units),
                "expressroute_gateway",
            )
        }
        GatewayType::Expressroute => (
            value(&format!("expressroute_gateway.{key}.bandwidth_mbps")),
            value(&format!("expressroute_gateway.{key}.pps")),
            "expressroute_gateway",
        ),
    };
    // Each full packet costs whichever limit binds: bandwidth or packets/s.
    let ns_per_packet = (f64::from(mtu) * 8.0 / (mbps * 1e6)).max(1.0 / pps) * 1e9;
    let lat = latency(&s.latency_ms, path, "latency_ms", || {
        lognormal_median(
            value(&format!("{lat_key}.latency_ms")),
            value(&format!("{lat_key}.latency_sigma")),
        )
    })?;
    let st = Station::new(name, Servers::finite(1).expect("1"), Dist::constant(0.0).expect("0"))
        .with_packet_cost(ns_per_packet, mtu)
        .with_delay(lat);
    Ok(plain(
        Kind::VnetGateway,
        st,
        format!(
            "{label}: {} Mbit/s, {} packets/s ({mtu}-byte packets)",
            fmt_num(mbps),
            fmt_num(pps)
        ),
    ))
}

fn onprem_firewall(name: &str, s: &OnpremFirewallSpec, path: &str) -> Result<NodeModel, Invalid> {
    let instances = count(s.instances, 1, 1000, key_path(path, "instances"), "instances")?;
    let gbps = positive(
        s.throughput_gbps,
        value("onprem_firewall.throughput_gbps"),
        key_path(path, "throughput_gbps"),
        "Gbps",
    )?;
    let lat = latency(&s.latency_ms, path, "latency_ms", || {
        lognormal_median(
            value("onprem_firewall.latency_ms"),
            value("onprem_firewall.latency_sigma"),
        )
    })?;
    let st = Station::new(
        name,
        Servers::finite(instances).expect("checked"),
        Dist::constant(0.0).expect("0"),
    )
    .with_ns_per_byte(8.0 / gbps)
    .with_delay(lat);
    Ok(plain(Kind::OnpremFirewall, st, format!("{instances} × {} Gbps", fmt_num(gbps))))
}

fn onprem_api_gateway(
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
    let per_node = positive(
        s.capacity_per_node_per_s,
        value("onprem_api_gateway.capacity_per_node_per_s"),
        key_path(path, "capacity_per_node_per_s"),
        "requests per second",
    )?;
    let lat = latency(&s.latency_ms, path, "latency_ms", || {
        lognormal_median(
            value("onprem_api_gateway.latency_ms"),
            value("onprem_api_gateway.latency_sigma"),
        )
    })?;
    let unit_ms = 1000.0 / per_node;
    let st = Station::new(name, Servers::finite(nodes).expect("checked"), exp_ms(unit_ms * 0.75))
        .with_response_service(exp_ms(unit_ms * 0.25))
        .with_delay(lat)
        .with_response_delay(Dist::constant(0.0).expect("0"));
    let mut model = plain(
        Kind::OnpremApiGateway,
        st,
        format!("{nodes} nodes × {} requests/s", fmt_num(per_node)),
    );
    model.terminator = Some(terminator(&tls_of!(s), ONPREM_CA, None));
    model.initiator =
        Some(initiator(&s.trusts, &[PUBLIC_CA, ONPREM_CA], s.connection_reuse, path, true)?);
    if ctx.with_auth
        && let Some(t) = &s.protocol_transition
    {
        model.calls.push(token_call(
            "protocol_transition",
            t,
            &key_path(path, "protocol_transition"),
            ctx,
        )?);
    }
    Ok(model)
}

fn backend(name: &str, s: &BackendSpec, path: &str) -> Result<NodeModel, Invalid> {
    let servers = match &s.servers {
        Some(v) => crate::compile::servers(v, &key_path(path, "servers"))?,
        None => Servers::finite(8).expect("8"),
    };
    let service = latency(&s.service_ms, path, "service_ms", || {
        lognormal_median(value("backend.service_ms"), value("backend.service_sigma"))
    })?;
    let mut st = Station::new(name, servers, service);
    if let Some(r) = &s.response_service_ms {
        st = st.with_response_service(dist(
            r,
            &key_path(path, "response_service_ms"),
            Unit::Millis,
        )?);
    }
    if let Some(q) = s.queue_limit {
        st = st.with_queue_limit(q);
    }
    let capacity = match servers.count() {
        Some(c) => format!("{c} servers"),
        None => "unbounded".into(),
    };
    let mut model = plain(Kind::Backend, st, capacity);
    model.terminator = Some(terminator(&tls_of!(s), ONPREM_CA, None));
    Ok(model)
}

fn identity_provider(
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
    let st = Station::new(name, Servers::Unbounded, service)
        .with_response_service(Dist::constant(0.0).expect("0"));
    let mut model = plain(Kind::IdentityProvider, st, "unbounded (a cloud service)".into());
    model.terminator = Some(terminator(&tls_of!(s), PUBLIC_CA, None));
    Ok(model)
}
