//! From a parsed scenario file to validated `sim-core` models.
//!
//! All validation of user input happens here, before any simulation: every
//! error carries the JSON path of the offending value and says what would be
//! valid.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;
use sim_core::{Arrivals, Dist, Link, Servers, Station, Workload};

use crate::azure::{Context, Kind, NODE_KINDS, NodeModel, compile_node};
use crate::error::{Invalid, ScenarioError};
use crate::routes::{CompiledMix, CompiledRoute};
use crate::spec::{
    ArrivalKind, ArrivalSpec, DistKind, DistSpec, LinkSpec, Mode, ScenarioSpec, StationSpec,
};

/// Longest duration any single parameter may have: 10⁹ ms (about 11.6 days).
pub const MAX_DURATION_MS: f64 = 1e9;

/// Largest message size a parameter may have: 10¹² bytes (1 TB).
pub const MAX_BYTES: f64 = 1e12;

/// Longest simulated horizon a run may need: 10¹⁰ s (about 317 years), well
/// inside the engine's u64 nanosecond clock.
const MAX_HORIZON_S: f64 = 1e10;

/// Most replications a scenario may ask for.
pub const MAX_REPLICATIONS: u64 = 100_000;

/// A validated scenario, compiled into one `sim-core` model per route, and
/// in mode `mix` into one more model holding every route.
#[derive(Debug, Clone)]
pub struct Scenario {
    file: PathBuf,
    spec: ScenarioSpec,
    routes: Vec<CompiledRoute>,
    mix: Option<CompiledMix>,
}

impl Scenario {
    /// Reads, parses and validates a scenario file.
    ///
    /// # Errors
    ///
    /// Fails when the file cannot be read, is not JSON, or describes an
    /// invalid scenario; the error names the file and the JSON path.
    pub fn load(file: &Path) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(file)
            .map_err(|source| ScenarioError::Io { file: file.to_path_buf(), source })?;
        let value = parse_json(file, &text)?;
        Self::from_value(file, value)
    }

    /// Validates an already-parsed JSON document (e.g. after overrides).
    ///
    /// # Errors
    ///
    /// Fails when the document describes an invalid scenario.
    pub fn from_value(file: &Path, value: Value) -> Result<Self, ScenarioError> {
        compile(value)
            .map_err(|e| e.in_file(file.to_path_buf()))
            .map(|(spec, routes, mix)| Scenario { file: file.to_path_buf(), spec, routes, mix })
    }

    /// The file it came from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The scenario as parsed (after any overrides).
    pub fn spec(&self) -> &ScenarioSpec {
        &self.spec
    }

    /// The compiled routes, in file order.
    pub fn routes(&self) -> &[CompiledRoute] {
        &self.routes
    }

    /// In mode `mix`, the one model every route shares: route `i` of the
    /// model is route `i` of the file, stations and links are shared by
    /// name, and each arrival of the workload takes a route by weight (see
    /// [`sim_core::ModelBuilder::mix`]). `None` in mode `compare`.
    pub fn mix_model(&self) -> Option<&sim_core::Model> {
        self.mix.as_ref().map(|m| &m.model)
    }

    /// In mode `mix`, the shared model without authorisation work, when a
    /// route has any: run with the same seed, it measures what
    /// authorisation adds to each route.
    pub fn mix_model_without_auth(&self) -> Option<&sim_core::Model> {
        self.mix.as_ref().and_then(|m| m.model_without_auth.as_ref())
    }
}

/// Parses JSON text, reporting malformed or truncated input by line and
/// column, and by the JSON path where the parser was (e.g. a number too
/// large for a double, such as `1e999`, names its field).
///
/// # Errors
///
/// Fails on any JSON syntax error.
pub fn parse_json(file: &Path, text: &str) -> Result<Value, ScenarioError> {
    let syntax = |e: serde_json::Error, path: &str| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => {
                "the file ends too early (truncated?); check that every { and [ is closed".into()
            }
            _ => strip_position(&e.to_string()),
        };
        ScenarioError::Syntax {
            file: file.to_path_buf(),
            line: e.line(),
            column: e.column(),
            // "." is the whole document: it adds nothing to line and column.
            message: if path == "." { what } else { format!("{what} (in {path})") },
        }
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let value: Value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // A key that failed to parse shows as a trailing "?": name the
        // object that holds it instead.
        let path = e.path().to_string();
        let path = match path.strip_suffix('?').map(|p| p.strip_suffix('.').unwrap_or(p)) {
            Some("") => ".".to_string(),
            Some(p) => p.to_string(),
            None => path,
        };
        syntax(e.into_inner(), &path)
    })?;
    // Trailing characters after the document.
    de.end().map_err(|e| syntax(e, "."))?;
    Ok(value)
}

/// serde_json appends " at line L column C"; the error already says where.
fn strip_position(msg: &str) -> String {
    msg.rfind(" at line ").map_or(msg, |i| &msg[..i]).to_string()
}

/// The JSON path of `key` inside `base`, quoting keys that are not plain
/// identifiers.
pub(crate) fn key_path(base: &str, key: &str) -> String {
    let plain =
        !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let base = if base == "." { "" } else { base };
    match (plain, base.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{base}.{key}"),
        (false, _) => format!("{base}[{key:?}]"),
    }
}

pub(crate) fn index_path(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

/// Deserialises `value` into `T`, prefixing serde's path with `base`.
pub(crate) fn typed<T: DeserializeOwned>(value: &Value, base: &str) -> Result<T, Invalid> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut inner = e.path().to_string();
        let message = e.into_inner().to_string();
        // serde reports a missing field at its parent; point at the field.
        if let Some(field) =
            message.strip_prefix("missing field `").and_then(|m| m.split('`').next())
        {
            inner = if matches!(inner.as_str(), "." | "") {
                field.to_string()
            } else {
                format!("{inner}.{field}")
            };
        }
        let path = match inner.as_str() {
            "." | "" => base.to_string(),
            p if base == "." || base.is_empty() => p.to_string(),
            p if p.starts_with('[') => format!("{base}{p}"),
            p => format!("{base}.{p}"),
        };
        Invalid::new(path, explain_serde(&message))
    })
}

/// A number as a person would write it: plain for everyday magnitudes,
/// scientific otherwise (never a 300-digit decimal).
pub(crate) fn fmt_num(v: f64) -> String {
    if v == 0.0 || (1e-4..1e15).contains(&v.abs()) || !v.is_finite() {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Makes serde's messages actionable where it can.
fn explain_serde(msg: &str) -> String {
    let msg = strip_position(msg);
    if msg.contains("expected u64") || msg.contains("expected u32") {
        format!("{msg}: use a whole number within range")
    } else if msg.starts_with("unknown field") {
        format!("{msg} (check the spelling; unknown fields are never ignored)")
    } else {
        msg
    }
}

type Compiled = (ScenarioSpec, Vec<CompiledRoute>, Option<CompiledMix>);

fn compile(value: Value) -> Result<Compiled, Invalid> {
    if !value.is_object() {
        return Err(Invalid::new(".", "a scenario must be a JSON object"));
    }
    let spec: ScenarioSpec = typed(&value, ".")?;
    if spec.name.trim().is_empty() {
        return Err(Invalid::new("name", "must not be empty"));
    }
    if spec.replications == 0 || spec.replications > MAX_REPLICATIONS {
        return Err(Invalid::new(
            "replications",
            format!("must be between 1 and {MAX_REPLICATIONS}, got {}", spec.replications),
        ));
    }
    let workload = workload(&spec)?;
    let rate = workload.arrivals().mean_rate_per_s();
    let with_auth = nodes(&spec, rate, true)?;
    let without_auth = nodes(&spec, rate, false)?;
    let links = links(&spec, &with_auth)?;
    check_gateways(&with_auth, &links)?;
    // Compare mode: every route's model draws its arrivals and sizes from
    // the same named streams, so all routes see the same demand in each
    // replication (common random numbers; their differences are then due
    // to the routes). A mix model shares one arrival process already.
    let per_route =
        if spec.mode == Mode::Compare && spec.workload.common_random_numbers != Some(false) {
            workload.clone().with_stream_name("demand")
        } else {
            workload.clone()
        };
    let routes = crate::routes::routes(&spec, &with_auth, &without_auth, &links, &per_route)?;
    let mix = if spec.mode == Mode::Mix {
        Some(crate::routes::mix(&spec, &with_auth, &without_auth, &links, &workload, &routes)?)
    } else {
        None
    };
    Ok((spec, routes, mix))
}

fn workload(spec: &ScenarioSpec) -> Result<Workload, Invalid> {
    let w = &spec.workload;
    if w.requests == 0 {
        return Err(Invalid::new("workload.requests", "must be at least 1"));
    }
    if w.warmup_requests.count() >= w.requests {
        return Err(Invalid::new(
            "workload.warmup_requests",
            format!(
                "warm-up ({}) must be smaller than workload.requests ({}): lower it (e.g. --set workload.warmup_requests=N) or raise the request count",
                w.warmup_requests.count(),
                w.requests
            ),
        ));
    }
    let arrivals = arrivals(&w.arrival, "workload.arrival")?;
    let horizon_s = w.requests as f64 / arrivals.mean_rate_per_s();
    if horizon_s > MAX_HORIZON_S {
        return Err(Invalid::new(
            "workload.requests",
            format!(
                "{} requests at {} per second would span {horizon_s:.3e} simulated seconds; the limit is {MAX_HORIZON_S:e}: raise the rate or lower the count",
                w.requests,
                arrivals.mean_rate_per_s()
            ),
        ));
    }
    let mut out = Workload::new(arrivals, w.requests)
        .with_warmup(w.warmup_requests.count())
        .with_round_trip(w.round_trip);
    if let Some(d) = &w.request_bytes {
        out = out.with_request_bytes(dist(d, "workload.request_bytes", Unit::Bytes)?);
    }
    if let Some(d) = &w.response_bytes {
        out = out.with_response_bytes(dist(d, "workload.response_bytes", Unit::Bytes)?);
    }
    Ok(out)
}

fn rate(v: &Value, path: &str) -> Result<f64, Invalid> {
    let r = v.as_f64().ok_or_else(|| {
        Invalid::new(path, format!("expected a number of requests per second, got {v}"))
    })?;
    if !(1e-6..=1e9).contains(&r) {
        return Err(Invalid::new(
            path,
            format!("must be between 1e-6 and 1e9 requests per second, got {}", fmt_num(r)),
        ));
    }
    Ok(r)
}

fn duration_field(v: Option<f64>, path: String, kind: &str) -> Result<f64, Invalid> {
    let v =
        v.ok_or_else(|| Invalid::new(&path, format!("arrival kind '{kind}' needs this field")))?;
    if !(v.is_finite() && v > 0.0 && v <= MAX_DURATION_MS) {
        return Err(Invalid::new(
            path,
            format!("must be > 0 and at most {MAX_DURATION_MS:e} ms, got {}", fmt_num(v)),
        ));
    }
    Ok(v)
}

fn arrivals(a: &ArrivalSpec, path: &str) -> Result<Arrivals, Invalid> {
    let rate_path = key_path(path, "rate_per_s");
    let rate_value = a.rate_per_s.as_ref().ok_or_else(|| {
        Invalid::new(&rate_path, "missing: every arrival process needs rate_per_s")
    })?;
    let refuse = |field: &str, present: bool| -> Result<(), Invalid> {
        if present {
            Err(Invalid::new(
                key_path(path, field),
                format!("does not apply to arrival kind '{}'", arrival_kind_name(a.kind)),
            ))
        } else {
            Ok(())
        }
    };
    let core = match a.kind {
        ArrivalKind::Poisson | ArrivalKind::Constant => {
            refuse("mean_sojourn_ms", a.mean_sojourn_ms.is_some())?;
            refuse("on_ms", a.on_ms.is_some())?;
            refuse("off_ms", a.off_ms.is_some())?;
            let r = rate(rate_value, &rate_path)?;
            if a.kind == ArrivalKind::Poisson {
                Arrivals::poisson(r)
            } else {
                Arrivals::constant(r)
            }
        }
        ArrivalKind::OnOff => {
            refuse("mean_sojourn_ms", a.mean_sojourn_ms.is_some())?;
            let r = rate(rate_value, &rate_path)?;
            let on = duration_field(a.on_ms, key_path(path, "on_ms"), "on_off")?;
            let off = duration_field(a.off_ms, key_path(path, "off_ms"), "on_off")?;
            Arrivals::mmpp2([r, 0.0], [on, off])
        }
        ArrivalKind::Mmpp2 => {
            refuse("on_ms", a.on_ms.is_some())?;
            refuse("off_ms", a.off_ms.is_some())?;
            let rates = rate_value.as_array().filter(|r| r.len() == 2).ok_or_else(|| {
                Invalid::new(
                    &rate_path,
                    "mmpp2 needs two rates, one per state: [high, low] requests per second",
                )
            })?;
            let mut rs = [0.0; 2];
            for (i, v) in rates.iter().enumerate() {
                let p = index_path(&rate_path, i);
                let r = v.as_f64().filter(|r| (0.0..=1e9).contains(r)).ok_or_else(|| {
                    Invalid::new(&p, format!("must be between 0 and 1e9 per second, got {v}"))
                })?;
                rs[i] = r;
            }
            if rs.iter().all(|&r| r < 1e-6) {
                return Err(Invalid::new(
                    rate_path,
                    "at least one rate must be >= 1e-6 per second",
                ));
            }
            let sojourn_path = key_path(path, "mean_sojourn_ms");
            let s = a.mean_sojourn_ms.ok_or_else(|| {
                Invalid::new(&sojourn_path, "mmpp2 needs the mean time in each state [ms]")
            })?;
            for (i, v) in s.iter().enumerate() {
                duration_field(Some(*v), index_path(&sojourn_path, i), "mmpp2")?;
            }
            Arrivals::mmpp2(rs, s)
        }
    };
    core.map_err(|e| Invalid::new(path, e.to_string()))
}

fn arrival_kind_name(k: ArrivalKind) -> &'static str {
    match k {
        ArrivalKind::Poisson => "poisson",
        ArrivalKind::Constant => "constant",
        ArrivalKind::Mmpp2 => "mmpp2",
        ArrivalKind::OnOff => "on_off",
    }
}

/// The unit of a distribution's field: it scales parameters into engine
/// units and bounds them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Unit {
    /// Milliseconds in the file, nanoseconds in the engine.
    Millis,
    /// Bytes in both.
    Bytes,
}

impl Unit {
    fn scale(self) -> f64 {
        match self {
            Unit::Millis => 1e6,
            Unit::Bytes => 1.0,
        }
    }

    fn max(self) -> f64 {
        match self {
            Unit::Millis => MAX_DURATION_MS,
            Unit::Bytes => MAX_BYTES,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Millis => "ms",
            Unit::Bytes => "bytes",
        }
    }
}

const DIST_KINDS: &str =
    "constant, exponential, uniform, normal, lognormal, gamma, erlang, pareto, empirical";

fn dist_kind_name(k: DistKind) -> &'static str {
    match k {
        DistKind::Constant => "constant",
        DistKind::Exponential => "exponential",
        DistKind::Uniform => "uniform",
        DistKind::Normal => "normal",
        DistKind::Lognormal => "lognormal",
        DistKind::Gamma => "gamma",
        DistKind::Erlang => "erlang",
        DistKind::Pareto => "pareto",
        DistKind::Empirical => "empirical",
    }
}

/// The parameter sets each law accepts (a law matches exactly one set).
fn dist_field_sets(k: DistKind) -> &'static [&'static [&'static str]] {
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

impl DistSpec {
    fn present(&self) -> Vec<&'static str> {
        let fields: [(&'static str, bool); 12] = [
            ("value", self.value.is_some()),
            ("mean", self.mean.is_some()),
            ("low", self.low.is_some()),
            ("high", self.high.is_some()),
            ("sd", self.sd.is_some()),
            ("p99", self.p99.is_some()),
            ("mu", self.mu.is_some()),
            ("sigma", self.sigma.is_some()),
            ("shape", self.shape.is_some()),
            ("scale", self.scale.is_some()),
            ("k", self.k.is_some()),
            ("percentiles", self.percentiles.is_some()),
        ];
        fields.iter().filter(|f| f.1).map(|f| f.0).collect()
    }
}

/// Checks a law's parameters field by field and builds it in engine units.
pub(crate) fn dist(spec: &DistSpec, path: &str, unit: Unit) -> Result<Dist, Invalid> {
    let kind = spec.kind.ok_or_else(|| {
        Invalid::new(key_path(path, "kind"), format!("missing; expected one of: {DIST_KINDS}"))
    })?;
    let name = dist_kind_name(kind);
    let present = spec.present();
    let sets = dist_field_sets(kind);
    let takes = sets.iter().map(|s| s.join(" + ")).collect::<Vec<_>>().join(", or ");
    if let Some(extra) = present.iter().find(|f| !sets.iter().any(|s| s.contains(f))) {
        return Err(Invalid::new(
            key_path(path, extra),
            format!("does not apply to a {name} law, which takes {takes}"),
        ));
    }
    let Some(set) = sets.iter().find(|s| s.iter().all(|f| present.contains(f))) else {
        return Err(Invalid::new(path, format!("a {name} law needs {takes}")));
    };
    if let Some(extra) = present.iter().find(|f| !set.contains(f)) {
        return Err(Invalid::new(
            key_path(path, extra),
            format!("cannot be combined with {}; a {name} law takes {takes}", set.join(" + ")),
        ));
    }
    let field = |f: &str| key_path(path, f);
    let max = unit.max();
    let u = unit.name();
    // Each field: finite, within the unit's range, and > 0 where a zero or
    // negative value makes no law.
    let num = |f: &str, v: Option<f64>, positive: bool| -> Result<f64, Invalid> {
        let v = v.expect("present fields were checked");
        let ok = v.is_finite() && if positive { v > 0.0 } else { v >= 0.0 } && v <= max;
        if ok {
            Ok(v)
        } else {
            let bound = if positive { "> 0" } else { ">= 0" };
            Err(Invalid::new(
                field(f),
                format!("must be {bound} and at most {max:e} {u}, got {}", fmt_num(v)),
            ))
        }
    };
    let s = unit.scale();
    let built = match (kind, set[0]) {
        (DistKind::Constant, _) => Dist::constant(num("value", spec.value, false)? * s),
        (DistKind::Exponential, _) => Dist::exponential(num("mean", spec.mean, true)? * s),
        (DistKind::Uniform, _) => {
            let (lo, hi) = (num("low", spec.low, false)?, num("high", spec.high, false)?);
            if lo > hi {
                return Err(Invalid::new(field("high"), format!("must not be below low ({lo})")));
            }
            Dist::uniform(lo * s, hi * s)
        }
        (DistKind::Normal, _) => Dist::truncated_normal(
            num("mean", spec.mean, true)? * s,
            num("sd", spec.sd, false)? * s,
        ),
        (DistKind::Lognormal, "mean") => {
            let mean = num("mean", spec.mean, true)?;
            let p99 = num("p99", spec.p99, true)?;
            // Fit in the file's unit first, so that a message quotes the
            // user's numbers; the fit's shape does not depend on the unit.
            Dist::lognormal_mean_p99(mean, p99)
                .map_err(|e| Invalid::new(field("p99"), format!("{e} ({u})")))?;
            Dist::lognormal_mean_p99(mean * s, p99 * s)
        }
        (DistKind::Lognormal, _) => {
            let mu = spec.mu.expect("present");
            if !mu.is_finite() {
                return Err(Invalid::new(field("mu"), "must be finite"));
            }
            let sigma = spec.sigma.expect("present");
            if !(sigma.is_finite() && (0.0..=10.0).contains(&sigma)) {
                return Err(Invalid::new(
                    field("sigma"),
                    format!("must be between 0 and 10, got {}", fmt_num(sigma)),
                ));
            }
            let mean = (mu + sigma * sigma / 2.0).exp();
            if mean > max {
                return Err(Invalid::new(
                    path,
                    format!(
                        "mu and sigma give a mean of {mean:e} {u}, above the limit of {max:e} {u}"
                    ),
                ));
            }
            Dist::lognormal(mu + s.ln(), sigma)
        }
        (DistKind::Gamma, _) => {
            Dist::gamma(num("shape", spec.shape, true)?, num("mean", spec.mean, true)? * s)
        }
        (DistKind::Erlang, _) => {
            let k = spec.k.expect("present");
            if k == 0 {
                return Err(Invalid::new(field("k"), "must be at least 1"));
            }
            Dist::erlang(k, num("mean", spec.mean, true)? * s)
        }
        (DistKind::Pareto, _) => {
            Dist::pareto(num("scale", spec.scale, true)? * s, num("shape", spec.shape, true)?)
        }
        (DistKind::Empirical, _) => {
            let pts = spec.percentiles.as_ref().expect("present");
            let ppath = field("percentiles");
            for (i, &(p, v)) in pts.iter().enumerate() {
                if !(p.is_finite() && (0.0..=100.0).contains(&p)) {
                    return Err(Invalid::new(
                        format!("{ppath}[{i}][0]"),
                        format!("a percentile must be between 0 and 100, got {}", fmt_num(p)),
                    ));
                }
                if !(v.is_finite() && v >= 0.0 && v <= max) {
                    return Err(Invalid::new(
                        format!("{ppath}[{i}][1]"),
                        format!("must be >= 0 and at most {max:e} {u}, got {}", fmt_num(v)),
                    ));
                }
            }
            // Check in the file's unit first so a message quotes the user's
            // numbers.
            Dist::empirical(pts).map_err(|e| {
                Invalid::new(
                    &ppath,
                    format!("{e}: give [percentile, value] pairs from [0, v] to [100, v]"),
                )
            })?;
            let scaled: Vec<(f64, f64)> = pts.iter().map(|&(p, v)| (p, v * s)).collect();
            Dist::empirical(&scaled)
        }
    };
    built.map_err(|e| Invalid::new(path, e.to_string()))
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
    Ok(out)
}

pub(crate) fn servers(v: &Value, path: &str) -> Result<Servers, Invalid> {
    match v {
        Value::String(s) if s == "unbounded" => Ok(Servers::Unbounded),
        Value::Number(n) => {
            n.as_u64().and_then(|c| u32::try_from(c).ok()).and_then(Servers::finite).ok_or_else(
                || {
                    Invalid::new(
                        path,
                        format!(
                            "must be a whole number from 1 to {} or \"unbounded\", got {n}",
                            u32::MAX
                        ),
                    )
                },
            )
        }
        other => Err(Invalid::new(
            path,
            format!("must be a whole number of servers (>= 1) or \"unbounded\", got {other}"),
        )),
    }
}

pub(crate) fn station(name: &str, s: &StationSpec, path: &str) -> Result<Station, Invalid> {
    let servers = servers(&s.servers, &key_path(path, "servers"))?;
    let service = dist(&s.service_ms, &key_path(path, "service_ms"), Unit::Millis)?;
    let mut st = Station::new(name, servers, service);
    if let Some(limit) = s.queue_limit {
        st = st.with_queue_limit(limit);
    }
    if let Some(r) = &s.response_service_ms {
        st = st.with_response_service(dist(
            r,
            &key_path(path, "response_service_ms"),
            Unit::Millis,
        )?);
    }
    if let Some(b) = s.service_ns_per_byte {
        if !(b.is_finite() && (0.0..=1e9).contains(&b)) {
            return Err(Invalid::new(
                key_path(path, "service_ns_per_byte"),
                format!("must be >= 0 and at most 1e9 ns per byte, got {}", fmt_num(b)),
            ));
        }
        st = st.with_ns_per_byte(b);
    }
    Ok(st)
}

/// A link as compiled, keyed by the unordered pair of nodes it joins.
#[derive(Debug, Clone)]
pub(crate) struct CompiledLink {
    /// The nodes in file order: crossing from `ends.0` to `ends.1` is forward.
    pub(crate) ends: (String, String),
    pub(crate) link: Link,
}

pub(crate) type LinkMap = BTreeMap<(String, String), CompiledLink>;

pub(crate) fn unordered(a: &str, b: &str) -> (String, String) {
    if a <= b { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) }
}

fn links(spec: &ScenarioSpec, nodes: &BTreeMap<String, NodeModel>) -> Result<LinkMap, Invalid> {
    let mut out = LinkMap::new();
    for (i, l) in spec.links.iter().enumerate() {
        let path = index_path("links", i);
        check_link_ends(l, &path, nodes)?;
        let key = unordered(&l.between[0], &l.between[1]);
        if out.contains_key(&key) {
            return Err(Invalid::new(
                key_path(&path, "between"),
                format!(
                    "'{}' and '{}' are already linked by an earlier entry; keep one link per pair",
                    l.between[0], l.between[1]
                ),
            ));
        }
        let latency = link_latency(l, &path)?;
        let mut link = Link::new(format!("{}<->{}", l.between[0], l.between[1]), latency);
        if let Some(mbps) = l.bandwidth_mbps {
            if !(mbps.is_finite() && mbps > 0.0 && mbps <= 1e7) {
                return Err(Invalid::new(
                    key_path(&path, "bandwidth_mbps"),
                    format!("must be > 0 and at most 1e7 Mbit/s, got {}", fmt_num(mbps)),
                ));
            }
            link = link.with_bandwidth_bps(mbps * 1e6);
        }
        out.insert(key, CompiledLink { ends: (l.between[0].clone(), l.between[1].clone()), link });
    }
    Ok(out)
}

fn check_link_ends(
    l: &LinkSpec,
    path: &str,
    nodes: &BTreeMap<String, NodeModel>,
) -> Result<(), Invalid> {
    for (j, end) in l.between.iter().enumerate() {
        if !nodes.contains_key(end) {
            return Err(Invalid::new(
                index_path(&key_path(path, "between"), j),
                format!("unknown node '{end}'; known nodes: {}", known(nodes)),
            ));
        }
    }
    if l.between[0] == l.between[1] {
        return Err(Invalid::new(
            key_path(path, "between"),
            format!("a link joins two different nodes, got '{}' twice", l.between[0]),
        ));
    }
    // Azure components reach on-premises nodes only through a VNet gateway.
    let is_azure = |k: Kind| matches!(k, Kind::AzureFirewall | Kind::Apim | Kind::AppGateway);
    let (a, b) = (&l.between[0], &l.between[1]);
    let (ka, kb) = (nodes[a].kind, nodes[b].kind);
    if (is_azure(ka) && kb.is_onprem()) || (ka.is_onprem() && is_azure(kb)) {
        return Err(Invalid::new(
            key_path(path, "between"),
            format!(
                "'{a}' ({}) and '{b}' ({}) cannot be linked directly: Azure components reach on-premises nodes only through a vnet_gateway; link each of them to a vnet_gateway instead",
                ka.name(),
                kb.name()
            ),
        ));
    }
    Ok(())
}

/// A link's one-way latency: given, or from the catalog by network kind.
fn link_latency(l: &LinkSpec, path: &str) -> Result<Dist, Invalid> {
    use crate::catalog::value;
    use crate::spec::NetworkKind;
    let lognormal = |median_ms: f64, sigma: f64| {
        Dist::lognormal((median_ms * 1e6).ln(), sigma).expect("catalog medians are positive")
    };
    let refuse = |field: &str, present: bool, why: &str| -> Result<(), Invalid> {
        if present { Err(Invalid::new(key_path(path, field), why.to_string())) } else { Ok(()) }
    };
    let net = l.network;
    refuse(
        "regions",
        l.regions.is_some() && net != Some(NetworkKind::GlobalPeering),
        "regions apply to network \"global_peering\" only",
    )?;
    refuse(
        "distance_km",
        l.distance_km.is_some() && net != Some(NetworkKind::Expressroute),
        "distance_km applies to network \"expressroute\" only",
    )?;
    match (&l.latency_ms, net) {
        (Some(_), Some(_)) => Err(Invalid::new(
            key_path(path, "network"),
            "give latency_ms or network, not both (network takes the latency from the catalog)",
        )),
        (None, None) => Err(Invalid::new(
            key_path(path, "latency_ms"),
            "missing: give latency_ms, or network (intra_zone, cross_zone, peering, global_peering, expressroute, vpn) for the catalog's figure",
        )),
        (Some(d), None) => dist(d, &key_path(path, "latency_ms"), Unit::Millis),
        (None, Some(kind)) => {
            Ok(match kind {
                NetworkKind::IntraZone | NetworkKind::Peering => lognormal(
                    value("network.intra_zone_ms") + value("network.peering_extra_ms"),
                    value("network.intra_zone_sigma"),
                ),
                NetworkKind::CrossZone => {
                    lognormal(value("network.cross_zone_ms"), value("network.cross_zone_sigma"))
                }
                NetworkKind::Vpn => {
                    lognormal(value("vpn.wan_rtt_ms") / 2.0, value("vpn.wan_rtt_sigma"))
                }
                NetworkKind::Expressroute => {
                    let km = l.distance_km.unwrap_or(0.0);
                    if !(km.is_finite() && (0.0..=40_000.0).contains(&km)) {
                        return Err(Invalid::new(
                            key_path(path, "distance_km"),
                            format!("must be between 0 and 40000 km, got {}", fmt_num(km)),
                        ));
                    }
                    let rtt = value("expressroute.circuit_rtt_base_ms")
                        + value("expressroute.circuit_rtt_per_100km_ms") * km / 100.0;
                    lognormal(rtt / 2.0, value("expressroute.circuit_rtt_sigma"))
                }
                NetworkKind::GlobalPeering => {
                    let rpath = key_path(path, "regions");
                    let [a, b] = l.regions.clone().ok_or_else(|| {
                    Invalid::new(&rpath, "global_peering needs the two regions, e.g. [\"eastus\", \"westeurope\"]")
                })?;
                    let (a, b) = (a.to_lowercase(), b.to_lowercase());
                    let key = |x: &str, y: &str| format!("network.inter_region.{x}_{y}.rtt_p50_ms");
                    let rtt = crate::catalog::try_figure(&key(&a, &b))
                    .or_else(|| crate::catalog::try_figure(&key(&b, &a)))
                    .ok_or_else(|| {
                        let known: Vec<String> = crate::catalog::FIGURES
                            .iter()
                            .filter_map(|f| f.key.strip_prefix("network.inter_region."))
                            .filter_map(|k| k.strip_suffix(".rtt_p50_ms"))
                            .map(|k| k.replace('_', "-"))
                            .collect();
                        Invalid::new(
                            &rpath,
                            format!("no published latency between '{a}' and '{b}'; known pairs: {}; or give latency_ms", known.join(", ")),
                        )
                    })?
                    .value;
                    lognormal(rtt / 2.0, value("network.inter_region_sigma"))
                }
            })
        }
    }
}

/// Every VNet gateway must reach on-premises: a link to an on-premises node.
fn check_gateways(nodes: &BTreeMap<String, NodeModel>, links: &LinkMap) -> Result<(), Invalid> {
    for (name, node) in nodes {
        if node.kind != Kind::VnetGateway {
            continue;
        }
        let reaches_onprem = links.keys().any(|(a, b)| {
            let other = if a == name {
                b
            } else if b == name {
                a
            } else {
                return false;
            };
            nodes.get(other).is_some_and(|n| n.kind.is_onprem())
        });
        if !reaches_onprem {
            return Err(Invalid::new(
                key_path("nodes", name),
                format!(
                    "VNet gateway '{name}' has no link to an on-premises node (onprem_firewall, onprem_api_gateway or backend); add one to links"
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn known(nodes: &BTreeMap<String, NodeModel>) -> String {
    nodes.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_quote_unusual_names() {
        assert_eq!(key_path("nodes", "hub-fw"), "nodes.hub-fw");
        assert_eq!(key_path("nodes", "a.b"), "nodes[\"a.b\"]");
        assert_eq!(key_path(".", "seed"), "seed");
    }

    #[test]
    fn syntax_errors_name_the_json_path() {
        let f = Path::new("s.json");
        let msg = |text: &str| parse_json(f, text).unwrap_err().to_string();
        // serde_json refuses numbers beyond f64 while parsing, before any
        // validation could name the field.
        assert_eq!(
            msg(r#"{"links": [{"latency_ms": {"value": 1e999}}]}"#),
            "s.json:1:41: not valid JSON: number out of range (in links[0].latency_ms.value)"
        );
        // A key that fails to parse names its object, not "?".
        assert!(msg(r#"{"nodes": {"a": {"kind" 1}}}"#).ends_with("(in nodes.a)"));
        assert!(msg("{\"nodes\": {").contains("truncated"));
        assert!(!msg("{} x").contains("(in"), "trailing characters are at the top level");
    }

    #[test]
    fn dist_rejects_fields_of_other_kinds() {
        let spec = DistSpec {
            kind: Some(DistKind::Exponential),
            mean: Some(1.0),
            p99: Some(3.0),
            ..DistSpec::default()
        };
        let e = dist(&spec, "x", Unit::Millis).unwrap_err();
        assert_eq!(e.path, "x.p99");
        let spec = DistSpec {
            kind: Some(DistKind::Lognormal),
            mean: Some(1.0),
            sigma: Some(3.0),
            ..DistSpec::default()
        };
        let e = dist(&spec, "x", Unit::Millis).unwrap_err();
        assert_eq!(e.path, "x");
        assert!(e.message.contains("mean + p99"), "{}", e.message);
    }

    #[test]
    fn millis_become_nanoseconds() {
        let spec =
            DistSpec { kind: Some(DistKind::Constant), value: Some(0.3), ..DistSpec::default() };
        assert_eq!(dist(&spec, "x", Unit::Millis).unwrap().mean(), Some(300_000.0));
        assert_eq!(dist(&spec, "x", Unit::Bytes).unwrap().mean(), Some(0.3));
    }
}
