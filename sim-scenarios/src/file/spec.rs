//! The scenario file as written: serde structures that mirror the JSON.
//!
//! Every structure denies unknown fields, so a typo is an error, never a
//! silently ignored setting. Tagged objects (distributions, arrivals) are
//! flat structures with a `kind` and every possible parameter, checked per
//! kind in `compile`: that keeps serde's error paths exact down to the field.

use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use strum::VariantNames;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Short name, used in results.
    pub name: String,
    /// What the scenario represents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Master seed (default 1).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Independent replications (default 4).
    #[serde(default = "default_replications")]
    pub replications: u64,
    /// `compare` (default) or `mix`.
    #[serde(default)]
    pub mode: Mode,
    /// The demand every route carries.
    pub workload: WorkloadSpec,
    /// Components by name; each object has a `kind`.
    #[schemars(schema_with = "crate::file::spec::nodes")]
    pub nodes: BTreeMap<String, Value>,
    /// Links between nodes.
    #[serde(default)]
    pub links: Vec<LinkSpec>,
    /// Routes: named paths through the nodes.
    pub routes: Vec<RouteSpec>,
    /// Certificate authorities by name, for chains: `{"contoso-issuing":
    /// {"issued_by": "contoso-root"}}`. A CA not listed here, or listed
    /// without `issued_by`, is a root (it issues itself).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub certificate_authorities: BTreeMap<String, CertificateAuthoritySpec>,
    /// Prices to take instead of the catalog's, by catalog key (`aznetsim
    /// catalog --prices`), in USD in the key's unit: nested objects
    /// (`{"azure_firewall": {"standard": {"data_price_usd_per_gb": 0.02}}}`,
    /// what `--set prices.azure_firewall.standard.data_price_usd_per_gb=0.02`
    /// writes) or dotted keys. They change the cost only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<serde_json::Map<String, Value>>,
    /// The routing as configured (VNets, route tables, peerings): when
    /// given, `validate` derives each route's path from it and checks the
    /// written one against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<crate::file::routing::RoutingSpec>,
}

/// One certificate authority of `certificate_authorities`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateAuthoritySpec {
    /// The CA that issued this CA's certificate (absent, or the CA itself:
    /// a root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_by: Option<String>,
}

fn default_seed() -> u64 {
    1
}

fn default_replications() -> u64 {
    4
}

/// How routes share the simulation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Each route carries the whole workload alone, in its own simulation.
    #[default]
    Compare,
    /// One simulation where routes share stations, by weight.
    Mix,
}

/// The workload section.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// The arrival process.
    pub arrival: ArrivalSpec,
    /// Arrivals per route and replication, warm-up included (in mode `mix`:
    /// over all routes together).
    pub requests: u64,
    /// Leading arrivals simulated but not measured (in mode `mix`: counted
    /// over all routes together), or `"auto"`: detected by MSER-5 on a
    /// pilot replication before the run.
    #[serde(default)]
    pub warmup_requests: Warmup,
    /// Request sizes \[bytes\] (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_bytes: Option<LawSpec>,
    /// Response sizes \[bytes\] (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_bytes: Option<LawSpec>,
    /// Whether responses travel back along the reversed path.
    #[serde(default)]
    pub round_trip: bool,
    /// In compare mode, whether every route sees the same arrivals and
    /// sizes in each replication (common random numbers, default true):
    /// route differences are then measured without demand noise. Set false
    /// only to see how much that matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_random_numbers: Option<bool>,
    /// The overload guard: a replication with more than this many requests
    /// of a route in flight at once (waiting, in service or on a link)
    /// stops there, because the route cannot carry the load (default
    /// 1,000,000, about 165 MB per replication; at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<u64>,
}

/// An arrival process: `{"kind": "poisson", "rate_per_s": 2000}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivalSpec {
    /// `poisson`, `constant`, `mmpp2` or `on_off`.
    pub kind: ArrivalKind,
    /// Rate \[1/s\]: one number, or two for `mmpp2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_s: Option<Value>,
    /// `mmpp2`: mean time in each state \[ms\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_sojourn_ms: Option<[f64; 2]>,
    /// `on_off`: mean length of a burst \[ms\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_ms: Option<f64>,
    /// `on_off`: mean silence between bursts \[ms\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_ms: Option<f64>,
}

/// Arrival process kinds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    strum::Display,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ArrivalKind {
    /// Exponential gaps.
    Poisson,
    /// Equal gaps.
    Constant,
    /// Two-state Markov-modulated Poisson.
    Mmpp2,
    /// Poisson bursts separated by silences (MMPP-2 with one rate 0).
    OnOff,
}

/// A law as a scenario file writes it: a bare number, meaning that value
/// every time (`"latency_ms": 0.5`), or a law object
/// (`{"kind": "lognormal", "mean": 2, "p99": 8}`). Values are in the unit
/// of the field that holds the law, which its name carries (`_ms`, `_bytes`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum LawSpec {
    /// A bare number: a constant law of that value.
    Constant(f64),
    /// A law object with a `kind`.
    Law(DistSpec),
}

/// The law object error messages show as an example of what a law field
/// accepts besides a number.
pub(crate) const LAW_EXAMPLE: &str = r#"{"kind": "lognormal", "mean": 2, "p99": 8}"#;

impl<'de> Deserialize<'de> for LawSpec {
    /// A number or an object; the object is read field by field, so that
    /// error paths stay exact (`service_ms.mean`).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NumberOrLaw;
        impl<'de> serde::de::Visitor<'de> for NumberOrLaw {
            type Value = LawSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a number (a constant) or a law such as {LAW_EXAMPLE}")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<LawSpec, E> {
                Ok(LawSpec::Constant(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<LawSpec, E> {
                Ok(LawSpec::Constant(v as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<LawSpec, E> {
                Ok(LawSpec::Constant(v as f64))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<LawSpec, A::Error> {
                DistSpec::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(LawSpec::Law)
            }
        }
        d.deserialize_any(NumberOrLaw)
    }
}

/// A law object: `{"kind": "exponential", "mean": 3.0}`. Parameters are in
/// the unit of the field that holds the law (ms or bytes).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DistSpec {
    /// Which law.
    pub kind: Option<DistKind>,
    /// `constant`: the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Mean (`exponential`, `normal`, `lognormal`, `gamma`, `erlang`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// `uniform`: lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// `uniform`: upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// `normal`: standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    /// `lognormal`: 99th percentile (with `mean`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<f64>,
    /// `lognormal`: mean of the logarithm of the value in the field's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mu: Option<f64>,
    /// `lognormal`: standard deviation of the logarithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    /// `gamma`: shape; `pareto`: tail index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<f64>,
    /// `pareto`: minimum value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// `erlang`: number of phases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<u32>,
    /// `empirical`: `[percentile, value]` pairs from 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentiles: Option<Vec<(f64, f64)>>,
}

/// Probability law kinds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    strum::Display,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DistKind {
    /// Always the same value.
    Constant,
    /// Exponential.
    Exponential,
    /// Uniform.
    Uniform,
    /// Normal truncated at 0.
    Normal,
    /// Lognormal by mean and p99, or by mu and sigma.
    Lognormal,
    /// Gamma by shape and mean.
    Gamma,
    /// Erlang by phases and mean.
    Erlang,
    /// Pareto by scale and shape.
    Pareto,
    /// Percentile table.
    Empirical,
}

/// A link between two nodes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// The two nodes it joins; the order does not matter for routing.
    pub between: [String; 2],
    /// One-way latency \[ms\]; or give `network` to take it from the catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<LawSpec>,
    /// What kind of network the link is, for a catalog latency:
    /// `intra_zone`, `cross_zone`, `peering`, `global_peering` (with
    /// `regions`), `expressroute` (with `distance_km`) or `vpn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkKind>,
    /// `global_peering`: the two Azure regions, e.g. `["eastus", "westeurope"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<[String; 2]>,
    /// `expressroute`: fibre distance between the Azure region and the site \[km\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// Bandwidth per direction \[Mbit/s, 10⁶ bit/s\]; unlimited if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_mbps: Option<f64>,
}

/// Network kinds a link's latency can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NetworkKind {
    /// Inside one availability zone.
    IntraZone,
    /// Between availability zones of one region.
    CrossZone,
    /// VNet peering in one region (no extra latency over intra-zone).
    Peering,
    /// VNet peering between regions.
    GlobalPeering,
    /// An ExpressRoute circuit to on-premises.
    Expressroute,
    /// A site-to-site VPN over the Internet.
    Vpn,
}

/// A route.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// Unique name ("green", "red", ...).
    pub name: String,
    /// Node names from the origin to the destination.
    pub path: Vec<String>,
    /// Where responses go back, from the destination to the origin (round
    /// trips only); default: the reversed path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_path: Option<Vec<String>>,
    /// Share of the workload in `mix` mode: a relative weight > 0 (each
    /// arrival takes this route with probability weight / Σ weights);
    /// required in `mix`, an error in `compare`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// The rule collection (`"network"` or `"application"`) of each
    /// traversal of a firewall on this route, by node name: one rule for
    /// every traversal, or a list with one per traversal in path order.
    /// Default: the node's `rule`. Checked where the Azure kinds are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::file::spec::firewall_rules")]
    pub firewall_rules: Option<BTreeMap<String, Value>>,
    /// The host name the route's client connects to (its TLS SNI), when it
    /// differs from the client's `target_host_name`; checked against the
    /// first terminator's `certificate_names`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_host_name: Option<String>,
}

/// `station` node: the generic building block.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StationSpec {
    /// Always `"station"`.
    pub kind: String,
    /// Server count (≥ 1) or `"unbounded"`.
    #[schemars(schema_with = "crate::file::spec::servers")]
    pub servers: Value,
    /// Waiting places (not counting those in service); unlimited if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_limit: Option<u32>,
    /// Service time per request \[ms\].
    pub service_ms: LawSpec,
    /// Service time per response \[ms\] (default: `service_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_service_ms: Option<LawSpec>,
    /// Extra service per byte of the message \[ns/byte\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_ns_per_byte: Option<f64>,
}

/// `client` node: where requests originate. It serves nothing.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// Always `"client"`.
    pub kind: String,
    /// CAs whose certificates the client accepts (default `["public"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusts: Option<Vec<String>>,
    /// Whether a custom CA can be installed on it at all (default: the
    /// `service`'s catalog row, else true; false for Azure services that
    /// only trust public CAs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_ca_support: Option<bool>,
    /// Probability that a request finds a warm connection (default: catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_reuse: Option<f64>,
    /// The host name the client connects to (its TLS SNI); default: the
    /// first terminator's `host_name`. A route may override it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_host_name: Option<String>,
    /// A client certificate the client presents (mTLS): `{"ca": ...,
    /// "key": "rsa2048" | "ecdsa_p256", "expires": "YYYY-MM-DD"}`, read
    /// where the TLS kinds are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<Value>,
    /// What the client runs on (`app_service_windows`, `aks_pod`, `vm`,
    /// …): sets `custom_ca_support` from the catalog's
    /// `client.<service>.custom_ca_support` row, whose note says how to
    /// trust a CA there (or why it cannot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ClientService>,
}

/// The Azure (or other) service a client runs on, as files name it; each
/// has a row `client.<name>.custom_ca_support` in the catalog.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::EnumIter,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ClientService {
    /// Multitenant App Service, Windows.
    AppServiceWindows,
    /// Multitenant App Service, Linux.
    AppServiceLinux,
    /// An app in an App Service Environment (v3).
    AppServiceEnvironment,
    /// Azure Functions on Windows, .NET.
    FunctionsWindowsDotnet,
    /// Azure Functions on Linux, Python.
    FunctionsLinuxPython,
    /// Azure Functions on Linux, Node.js.
    FunctionsLinuxNode,
    /// Logic Apps Standard (single-tenant).
    LogicAppsStandard,
    /// Logic Apps Consumption (multitenant).
    LogicAppsConsumption,
    /// A pod in Azure Kubernetes Service.
    AksPod,
    /// A virtual machine (or a scale set).
    Vm,
    /// API Management in the Consumption tier, calling onwards.
    ApimConsumption,
}

impl ClientService {
    /// The service's name in scenario files and catalog keys.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// `warmup_requests`: a count, or `"auto"` (MSER-5 on a pilot run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warmup {
    /// Discard this many leading arrivals.
    Requests(u64),
    /// Detect the end of the transient: MSER-5 on a pilot replication.
    Auto,
}

impl Default for Warmup {
    fn default() -> Self {
        Warmup::Requests(0)
    }
}

impl Warmup {
    /// The count, with `"auto"` counting as 0 until it is resolved.
    pub fn count(self) -> u64 {
        match self {
            Warmup::Requests(n) => n,
            Warmup::Auto => 0,
        }
    }
}

impl Serialize for Warmup {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Warmup::Requests(n) => s.serialize_u64(*n),
            Warmup::Auto => s.serialize_str("auto"),
        }
    }
}

impl<'de> Deserialize<'de> for Warmup {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) if s == "auto" => Ok(Warmup::Auto),
            Value::Number(n) if n.as_u64().is_some() => {
                Ok(Warmup::Requests(n.as_u64().unwrap_or(0)))
            }
            other => Err(serde::de::Error::custom(format!(
                "expected a whole number of requests or \"auto\", got {other}"
            ))),
        }
    }
}

/// The parameter sets each law accepts (a law matches exactly one set).
pub(crate) fn dist_field_sets(k: DistKind) -> &'static [&'static [&'static str]] {
    match k {
        DistKind::Constant => &[&["value"]],
        DistKind::Exponential => &[&["mean"]],
        DistKind::Uniform => &[&["low", "high"]],
        DistKind::Normal => &[&["mean", "sd"]],
        DistKind::Lognormal => &[&["mean", "p99"], &["mu", "sigma"]],
        DistKind::Gamma => &[&["shape", "mean"]],
        DistKind::Erlang => &[&["k", "mean"]],
        DistKind::Pareto => &[&["scale", "shape"]],
        DistKind::Empirical => &[&["percentiles"]],
    }
}

// ---- The JSON Schema of the values whose serde form is written by hand
// (laws, arrival processes, warm-up, server counts, firewall rules): each
// built from the same tables the loader checks against (`dist_field_sets`,
// `arrival_fields`), so the schema accepts what the loader accepts.
// `azure::schema` assembles the whole document.

/// The parameters of a law object, and what each accepts.
fn law_parameter(name: &str) -> Value {
    match name {
        "k" => {
            json!({"type": "integer", "minimum": 1, "description": "`erlang`: number of phases"})
        }
        "percentiles" => json!({
            "type": "array",
            "description": "`empirical`: [percentile, value] pairs from [0, v0] to [100, vN]",
            "items": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}], "items": false, "minItems": 2}
        }),
        other => {
            let what = match other {
                "value" => "`constant`: the value",
                "mean" => "the mean",
                "low" => "`uniform`: lower bound",
                "high" => "`uniform`: upper bound",
                "sd" => "`normal`: standard deviation",
                "p99" => "`lognormal`: 99th percentile",
                "mu" => "`lognormal`: mean of the logarithm",
                "sigma" => "`lognormal`: standard deviation of the logarithm",
                "shape" => "`gamma`: shape; `pareto`: tail index",
                "scale" => "`pareto`: minimum value",
                _ => "",
            };
            json!({"type": "number", "description": what})
        }
    }
}

impl JsonSchema for DistSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Law".into()
    }

    /// One branch per law kind and parameter set (a lognormal by mean and
    /// p99 or by mu and sigma), from the table the loader checks.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let branches: Vec<Value> = DistKind::VARIANTS
            .iter()
            .flat_map(|name| {
                let kind: DistKind = name.parse().expect("a name strum lists");
                dist_field_sets(kind).iter().map(move |set| {
                    let mut props = Map::new();
                    props.insert("kind".into(), json!({"const": name}));
                    for p in *set {
                        props.insert((*p).into(), law_parameter(p));
                    }
                    let mut required = vec!["kind"];
                    required.extend(set.iter());
                    json!({
                        "type": "object",
                        "title": format!("{name}: {}", set.join(" + ")),
                        "properties": props,
                        "required": required,
                        "additionalProperties": false,
                    })
                })
            })
            .collect();
        json_schema!({
            "description": "A law object: its kind and that kind's parameters, in the unit of the field that holds it (ms or bytes)",
            "oneOf": branches,
        })
    }
}

/// The fields each arrival kind takes besides `kind`, as the loader
/// checks them (`file::laws::arrivals`).
pub(crate) fn arrival_fields(kind: ArrivalKind) -> &'static [&'static str] {
    match kind {
        ArrivalKind::Poisson | ArrivalKind::Constant => &["rate_per_s"],
        ArrivalKind::OnOff => &["rate_per_s", "on_ms", "off_ms"],
        ArrivalKind::Mmpp2 => &["rate_per_s", "mean_sojourn_ms"],
    }
}

impl JsonSchema for ArrivalSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Arrivals".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let pair = |what: &str| json!({"type": "array", "items": {"type": "number", "minimum": 0}, "minItems": 2, "maxItems": 2, "description": what});
        let branches: Vec<Value> = ArrivalKind::VARIANTS
            .iter()
            .map(|name| {
                let kind: ArrivalKind = name.parse().expect("a name strum lists");
                let mut props = Map::new();
                props.insert("kind".into(), json!({"const": name}));
                for f in arrival_fields(kind) {
                    let p = match (*f, kind) {
                        ("rate_per_s", ArrivalKind::Mmpp2) => {
                            pair("rates of the two states [1/s]: [high, low]")
                        }
                        ("rate_per_s", ArrivalKind::OnOff) => {
                            json!({"type": "number", "description": "rate during bursts [1/s]"})
                        }
                        ("rate_per_s", _) => {
                            json!({"type": "number", "description": "arrival rate [1/s]"})
                        }
                        ("mean_sojourn_ms", _) => pair("mean time in each state [ms]"),
                        ("on_ms", _) => {
                            json!({"type": "number", "description": "mean length of a burst [ms]"})
                        }
                        _ => json!({"type": "number", "description": "mean silence between bursts [ms]"}),
                    };
                    props.insert((*f).into(), p);
                }
                let mut required = vec!["kind"];
                required.extend(arrival_fields(kind).iter());
                json!({
                    "type": "object",
                    "title": *name,
                    "properties": props,
                    "required": required,
                    "additionalProperties": false,
                })
            })
            .collect();
        json_schema!({
            "description": "An arrival process: its kind and that kind's fields",
            "oneOf": branches,
        })
    }
}

impl JsonSchema for Warmup {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Warmup".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Leading arrivals simulated but not measured, or \"auto\" (MSER-5 on a pilot replication)",
            "oneOf": [{"type": "integer", "minimum": 0}, {"const": "auto"}],
        })
    }
}

/// The name of the definition of one node, which the layer that knows the
/// kinds supplies (`azure::schema`): a `oneOf` by `kind`.
pub(crate) const NODE_DEFINITION: &str = "Node";

/// The `nodes` map: node names (the name rule) to nodes.
pub(crate) fn nodes(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "Components by name; each object has a `kind`",
        "type": "object",
        "propertyNames": {"pattern": "^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$"},
        "additionalProperties": {"$ref": format!("#/$defs/{NODE_DEFINITION}")},
    })
}

/// A server count: at least 1, or `"unbounded"`.
pub(crate) fn servers(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "Server count (≥ 1) or \"unbounded\"",
        "oneOf": [{"type": "integer", "minimum": 1}, {"const": "unbounded"}],
    })
}

/// An optional server count (`null` is absent).
pub(crate) fn optional_servers(generator: &mut SchemaGenerator) -> Schema {
    let mut s = servers(generator);
    if let Some(Value::Array(branches)) = s.get_mut("oneOf") {
        branches.push(json!({"type": "null"}));
    }
    s
}

/// A route's `firewall_rules`: by firewall node, one rule or one per
/// traversal.
pub(crate) fn firewall_rules(_: &mut SchemaGenerator) -> Schema {
    let rule = json!({"enum": ["network", "application"]});
    json_schema!({
        "type": ["object", "null"],
        "additionalProperties": {"oneOf": [rule, {"type": "array", "items": rule, "minItems": 1}]},
    })
}
