//! Each component kind: its file structure and what it compiles to.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_core::{Dist, Servers, Station};

use crate::azure::catalog::value;
use crate::azure::tls::{CertificateKey, TlsSpec, TlsVersion, initiator, terminator};
use crate::azure::{Call, Context, InputNote, Kind, NODE_KINDS, NodeModel, ONPREM_CA, PUBLIC_CA};
use crate::error::Invalid;
use crate::file::json::{fmt_num, key_path, typed};
use crate::file::laws::{Unit, dist, exp_ms, lognormal_median, queue_limit};
use crate::file::limits::{
    BYTES, CAPACITY_PER_S, CAPACITY_UNITS, LIFETIME_MIN, MAX_USERS, POSITIVE_DURATION_MS,
    THROUGHPUT_GBPS, count, fraction,
};
use crate::file::spec::{ClientSpec, LawSpec, NetworkKind, StationSpec};

macro_rules! tls_of {
    ($s:expr) => {
        TlsSpec {
            certificate_ca: $s.certificate_ca.clone(),
            tls_version: $s.tls_version,
            certificate_key: $s.certificate_key,
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FirewallSku {
    Basic,
    Standard,
    Premium,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Idps {
    Off,
    Alert,
    Deny,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FirewallSpec {
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
    latency_ms: Option<LawSpec>,
    #[serde(default)]
    queue_limit: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, strum::IntoStaticStr)]
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

/// A nested call to an identity provider with a token cache.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    #[serde(default)]
    request_bytes: Option<u64>,
    #[serde(default)]
    response_bytes: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ValidateJwtSpec {
    #[serde(default)]
    cpu_ms: Option<f64>,
    /// Where JWKS keys are fetched from (nodes after APIM, the provider last).
    #[serde(default)]
    jwks_via: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApimPolicies {
    #[serde(default)]
    validate_jwt: Option<ValidateJwtSpec>,
    #[serde(default)]
    token_exchange: Option<TokenCallSpec>,
    #[serde(default)]
    forward_request_timeout_ms: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApimSpec {
    kind: String,
    tier: ApimTier,
    #[serde(default)]
    units: Option<u32>,
    #[serde(default)]
    capacity_per_unit_per_s: Option<f64>,
    #[serde(default)]
    gateway_latency_ms: Option<LawSpec>,
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
pub(crate) enum AppGatewaySku {
    StandardV2,
    WafV2,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppGatewaySpec {
    kind: String,
    sku: AppGatewaySku,
    #[serde(default)]
    instances: Option<u32>,
    #[serde(default)]
    capacity_units_per_instance: Option<f64>,
    #[serde(default)]
    latency_ms: Option<LawSpec>,
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
pub(crate) enum GatewayType {
    Vpn,
    Expressroute,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VnetGatewaySpec {
    kind: String,
    gateway: GatewayType,
    sku: String,
    #[serde(default)]
    units: Option<u32>,
    #[serde(default)]
    latency_ms: Option<LawSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnpremFirewallSpec {
    kind: String,
    #[serde(default)]
    instances: Option<u32>,
    #[serde(default)]
    throughput_gbps: Option<f64>,
    #[serde(default)]
    latency_ms: Option<LawSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnpremApiGatewaySpec {
    kind: String,
    #[serde(default)]
    nodes: Option<u32>,
    #[serde(default)]
    capacity_per_node_per_s: Option<f64>,
    #[serde(default)]
    latency_ms: Option<LawSpec>,
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
pub(crate) struct BackendSpec {
    kind: String,
    /// What the backend stands for (shown by `explain` and `draw`).
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    servers: Option<Value>,
    #[serde(default)]
    service_ms: Option<LawSpec>,
    #[serde(default)]
    response_service_ms: Option<LawSpec>,
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
pub(crate) struct IdentityProviderSpec {
    kind: String,
    #[serde(default)]
    token_ms: Option<LawSpec>,
    #[serde(default)]
    certificate_ca: Option<String>,
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
}

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

/// Miss probability of a token cache: given directly, or derived from the
/// number of users and the token lifetime (each user misses once per
/// lifetime: misses/s = users / lifetime, requests/s = rate).
pub(crate) fn token_call(
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
            let lifetime_min = LIFETIME_MIN.or(
                spec.token_lifetime_min,
                mean_lifetime,
                cpath("token_lifetime_min"),
            )?;
            let users = count(Some(users), 1, MAX_USERS, cpath("users"), "users")?;
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
    let size = |v: Option<u64>, default: u64, f: &str| -> Result<u64, Invalid> {
        let b = v.unwrap_or(default);
        // u64 → f64 only to compare with the limit: exact below 2⁵³.
        BYTES.check(b as f64, cpath(f))?;
        Ok(b)
    };
    Ok(Call {
        name: name.to_string(),
        via: spec.via.clone(),
        via_path: cpath("via"),
        probability,
        bytes: (
            size(spec.request_bytes, 2048, "request_bytes")?,
            size(spec.response_bytes, 4096, "response_bytes")?,
        ),
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
    })
}

/// The law "always 0 ns".
fn zero() -> Dist {
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
        kind,
        station_without_auth: Some(station.clone()),
        station: Some(station),
        terminator: None,
        initiator: None,
        calls: Vec::new(),
        timeout_ms: None,
        capacity,
        wan: None,
        input: None,
    }
}

pub(crate) fn client(s: &ClientSpec, path: &str) -> Result<NodeModel, Invalid> {
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
        wan: None,
        input: None,
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
    let mut st = Station::new(name, at_least_one(instances), zero())
        .with_ns_per_byte(8.0 / gbps)
        .with_delay(lat);
    if let Some(q) = queue_limit(s.queue_limit, &key_path(path, "queue_limit"))? {
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

pub(crate) fn apim(
    name: &str,
    s: &ApimSpec,
    path: &str,
    ctx: &Context,
) -> Result<NodeModel, Invalid> {
    let tier = s.tier.key();
    let max_units = value(&format!("apim.{tier}.max_units")) as u32;
    let units = count(s.units, 1, max_units, key_path(path, "units"), &format!("{tier} units"))?;
    let per_unit_path = key_path(path, "capacity_per_unit_per_s");
    let per_unit = CAPACITY_PER_S.or(
        s.capacity_per_unit_per_s,
        value(&format!("apim.{tier}.capacity_per_unit_per_s")),
        per_unit_path.clone(),
    )?;
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
    // One unit serves `per_unit` requests per second; a request's work is
    // split 3:1 between its request and its response (EST).
    let unit_ms = 1000.0 / per_unit;
    let servers = at_least_one(units);
    let gateway_latency = latency(&s.gateway_latency_ms, path, "gateway_latency_ms", || {
        lognormal_median(value("apim.gateway_latency_ms"), value("apim.gateway_latency_sigma"))
    })?;
    let build = |jwt_ms: f64| -> Result<Station, Invalid> {
        Ok(Station::new(name, servers, exp_ms(unit_ms * 0.75 + jwt_ms, &per_unit_path)?)
            .with_response_service(exp_ms(unit_ms * 0.25, &per_unit_path)?)
            .with_delay(gateway_latency.clone())
            .with_response_delay(zero()))
    };
    let station = build(if ctx.with_auth { jwt_cpu_ms } else { 0.0 })?;
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
    let timeout = POSITIVE_DURATION_MS.or(
        policies.forward_request_timeout_ms,
        value("apim.forward_request_timeout_ms"),
        key_path(&ppath, "forward_request_timeout_ms"),
    )?;
    Ok(NodeModel {
        kind: Kind::Apim,
        station_without_auth: Some(build(0.0)?),
        station: Some(station),
        terminator: Some(terminator(&tls_of!(s), PUBLIC_CA, None)),
        initiator: Some(initiator(&s.trusts, &[PUBLIC_CA], s.connection_reuse, path, true)?),
        calls: if ctx.with_auth { calls } else { Vec::new() },
        timeout_ms: Some(timeout),
        capacity: format!(
            "{units} unit{} × {} requests/s",
            if units == 1 { "" } else { "s" },
            fmt_num(per_unit)
        ),
        wan: None,
        input: None,
    })
}

pub(crate) fn app_gateway(
    name: &str,
    s: &AppGatewaySpec,
    path: &str,
) -> Result<NodeModel, Invalid> {
    let instances = count(
        s.instances,
        value("app_gateway.min_instances") as u32,
        value("app_gateway.max_instances") as u32,
        key_path(path, "instances"),
        "Application Gateway instances",
    )?;
    let cu_path = key_path(path, "capacity_units_per_instance");
    let cu = CAPACITY_UNITS.or(
        s.capacity_units_per_instance,
        value("app_gateway.cu_per_instance"),
        cu_path.clone(),
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
    let per_request =
        Dist::constant(per_request_ms * 1e6).map_err(|e| Invalid::new(&cu_path, e.to_string()))?;
    let st = Station::new(name, at_least_one(instances), per_request)
        .with_response_service(zero())
        .with_ns_per_byte(ns_per_byte)
        .with_delay(lat)
        .with_response_delay(zero());
    let mut model =
        plain(Kind::AppGateway, st, format!("{instances} instances × {} CU ({sku})", fmt_num(cu)));
    model.terminator = Some(terminator(&tls_of!(s), PUBLIC_CA, Some(tls_cpu_ms)));
    model.initiator = Some(initiator(&s.trusts, &[PUBLIC_CA], s.connection_reuse, path, true)?);
    model.timeout_ms = Some(value("app_gateway.request_timeout_ms"));
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
    let st = Station::new(name, at_least_one(1), zero())
        .with_packet_cost(ns_per_packet, mtu)
        .with_delay(lat);
    let mut model = plain(
        Kind::VnetGateway,
        st,
        format!(
            "{label}: {} Mbit/s, {} packets/s ({mtu}-byte packets)",
            fmt_num(mbps),
            fmt_num(pps)
        ),
    );
    model.wan = Some(match s.gateway {
        GatewayType::Vpn => NetworkKind::Vpn,
        GatewayType::Expressroute => NetworkKind::Expressroute,
    });
    Ok(model)
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
    model.terminator = Some(terminator(&tls_of!(s), ONPREM_CA, None));
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
    let st = Station::new(name, Servers::Unbounded, service).with_response_service(zero());
    let mut model = plain(Kind::IdentityProvider, st, "unbounded (a cloud service)".into());
    model.terminator = Some(terminator(&tls_of!(s), PUBLIC_CA, None));
    Ok(model)
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
        assert_eq!(NODE_KINDS.len(), 10);
        for tier in ["developer", "basic", "standard", "premium", "basicv2", "premiumv2"] {
            let t: ApimTier = serde_json::from_value(Value::from(tier)).unwrap();
            assert_eq!(t.key(), tier);
        }
    }
}
