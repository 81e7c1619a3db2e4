//! Laws, arrival processes, stations and the workload of a scenario file,
//! as `sim-core` types, with exact JSON paths in every error.

use serde_json::Value;
use sim_core::{Arrivals, Dist, Servers, Station, Workload};
use strum::VariantNames;

use crate::error::Invalid;
use crate::file::json::{a_or_an, fmt_num, index_path, key_path};
use crate::file::limits::{
    BYTES, DURATION_MS, GAMMA_SHAPE, LOGNORMAL_SIGMA, Limit, MAX_ERLANG_PHASES, MAX_HORIZON_S,
    MAX_QUEUE_LIMIT, MAX_REQUESTS, MAX_SERVERS, MAX_TAIL_MS, NS_PER_BYTE, PARETO_SHAPE,
    POSITIVE_BYTES, POSITIVE_DURATION_MS, RATE_PER_S, TAIL_PROBABILITY,
};
use crate::file::spec::{
    ArrivalKind, ArrivalSpec, DistKind, DistSpec, LawSpec, ScenarioSpec, StationSpec,
    arrival_fields, dist_field_sets,
};

pub(crate) fn workload(spec: &ScenarioSpec) -> Result<Workload, Invalid> {
    let w = &spec.workload;
    if w.requests == 0 || w.requests > MAX_REQUESTS {
        return Err(Invalid::new(
            "workload.requests",
            format!("must be from 1 to {MAX_REQUESTS}, got {}", w.requests),
        ));
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
    if w.max_in_flight == Some(0) {
        return Err(Invalid::new(
            "workload.max_in_flight",
            "must be at least 1 request in flight (the default is 1000000): raise it".to_string(),
        ));
    }
    let mut out = Workload::new(arrivals, w.requests)
        .with_warmup(w.warmup_requests.count())
        .with_round_trip(w.round_trip)
        .with_max_in_flight(w.max_in_flight.unwrap_or(sim_core::DEFAULT_MAX_IN_FLIGHT));
    if let Some(d) = &w.request_bytes {
        out = out.with_request_bytes(dist(d, "workload.request_bytes", Unit::Bytes)?);
    }
    if let Some(d) = &w.response_bytes {
        out = out.with_response_bytes(dist(d, "workload.response_bytes", Unit::Bytes)?);
    }
    Ok(out)
}

pub(crate) fn rate(v: &Value, path: &str) -> Result<f64, Invalid> {
    let r = v.as_f64().ok_or_else(|| {
        Invalid::new(path, format!("expected a number of requests per second, got {v}"))
    })?;
    RATE_PER_S.check(r, path)
}

pub(crate) fn duration_field(v: Option<f64>, path: String, kind: &str) -> Result<f64, Invalid> {
    let v =
        v.ok_or_else(|| Invalid::new(&path, format!("arrival kind '{kind}' needs this field")))?;
    POSITIVE_DURATION_MS.check(v, path)
}

pub(crate) fn arrivals(a: &ArrivalSpec, path: &str) -> Result<Arrivals, Invalid> {
    let rate_path = key_path(path, "rate_per_s");
    let rate_value = a.rate_per_s.as_ref().ok_or_else(|| {
        Invalid::new(&rate_path, "missing: every arrival process needs rate_per_s")
    })?;
    // The fields the kind does not take (`arrival_fields`, which the
    // schema is built from too) are refused.
    let takes = arrival_fields(a.kind);
    for (field, present) in [
        ("mean_sojourn_ms", a.mean_sojourn_ms.is_some()),
        ("on_ms", a.on_ms.is_some()),
        ("off_ms", a.off_ms.is_some()),
    ] {
        if present && !takes.contains(&field) {
            return Err(Invalid::new(
                key_path(path, field),
                format!("does not apply to arrival kind '{}'", a.kind),
            ));
        }
    }
    let core = match a.kind {
        ArrivalKind::Poisson | ArrivalKind::Constant => {
            let r = rate(rate_value, &rate_path)?;
            if a.kind == ArrivalKind::Poisson {
                Arrivals::poisson(r)
            } else {
                Arrivals::constant(r)
            }
        }
        ArrivalKind::OnOff => {
            let r = rate(rate_value, &rate_path)?;
            let on = duration_field(a.on_ms, key_path(path, "on_ms"), "on_off")?;
            let off = duration_field(a.off_ms, key_path(path, "off_ms"), "on_off")?;
            Arrivals::mmpp2([r, 0.0], [on, off])
        }
        ArrivalKind::Mmpp2 => {
            let rates = rate_value.as_array().filter(|r| r.len() == 2).ok_or_else(|| {
                Invalid::new(
                    &rate_path,
                    "mmpp2 needs two rates, one per state: [high, low] requests per second",
                )
            })?;
            let mut rs = [0.0; 2];
            for (i, v) in rates.iter().enumerate() {
                let p = index_path(&rate_path, i);
                // 0 (a silent state) or a rate of the table: a tiny
                // positive rate would draw gaps past the clock.
                let r = v.as_f64().filter(|&r| r == 0.0 || RATE_PER_S.contains(r)).ok_or_else(
                    || {
                        Invalid::new(
                            &p,
                            format!(
                                "must be 0 or between 1e-6 and 1e9 requests per second, got {v}"
                            ),
                        )
                    },
                )?;
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

    /// The limit row of a parameter that may be 0, and of one that must be
    /// positive.
    fn limits(self) -> (Limit, Limit) {
        match self {
            Unit::Millis => (DURATION_MS, POSITIVE_DURATION_MS),
            Unit::Bytes => (BYTES, POSITIVE_BYTES),
        }
    }

    /// How far a law's tail may reach (see [`TAIL_PROBABILITY`]).
    fn max_tail(self) -> f64 {
        match self {
            Unit::Millis => MAX_TAIL_MS,
            Unit::Bytes => MAX_TAIL_MS * BYTES.max / DURATION_MS.max,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Millis => "ms",
            Unit::Bytes => "bytes",
        }
    }
}

/// "a normal", "an exponential", "an Erlang"-style article for a law kind.
fn article(kind: DistKind) -> String {
    let name = kind.to_string();
    format!("{} {name}", a_or_an(&name))
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

/// Checks a law (a bare number or a law object) field by field and builds
/// it in engine units.
pub(crate) fn dist(spec: &LawSpec, path: &str, unit: Unit) -> Result<Dist, Invalid> {
    match spec {
        LawSpec::Constant(v) => {
            let v = unit.limits().0.check(*v, path.to_string())?;
            Dist::constant(v * unit.scale()).map_err(|e| Invalid::new(path, e.to_string()))
        }
        LawSpec::Law(d) => law(d, path, unit),
    }
}

/// Checks a law object's parameters field by field and builds it in
/// engine units.
fn law(spec: &DistSpec, path: &str, unit: Unit) -> Result<Dist, Invalid> {
    let kind = spec.kind.ok_or_else(|| {
        Invalid::new(
            key_path(path, "kind"),
            format!("missing; expected one of: {}", DistKind::VARIANTS.join(", ")),
        )
    })?;
    let name = kind;
    let present = spec.present();
    let sets = dist_field_sets(kind);
    let takes = sets.iter().map(|s| s.join(" + ")).collect::<Vec<_>>().join(", or ");
    if let Some(extra) = present.iter().find(|f| !sets.iter().any(|s| s.contains(f))) {
        return Err(Invalid::new(
            key_path(path, extra),
            format!("does not apply to {} law, which takes {takes}", article(name)),
        ));
    }
    let Some(set) = sets.iter().find(|s| s.iter().all(|f| present.contains(f))) else {
        return Err(Invalid::new(path, format!("{} law needs {takes}", article(name))));
    };
    if let Some(extra) = present.iter().find(|f| !set.contains(f)) {
        return Err(Invalid::new(
            key_path(path, extra),
            format!(
                "cannot be combined with {}; {} law takes {takes}",
                set.join(" + "),
                article(name)
            ),
        ));
    }
    let field = |f: &str| key_path(path, f);
    let (non_negative, positive_limit) = unit.limits();
    let (max, u) = (non_negative.max, unit.name());
    // Each field: finite and within its row of the limit table (> 0 where a
    // zero or negative value makes no law).
    // The fields of the matched set are present; a miss is named, not a panic.
    let present = |v: Option<f64>, f: &str| {
        v.ok_or_else(|| {
            Invalid::new(field(f), format!("missing; {} law takes {takes}", article(name)))
        })
    };
    let num = |f: &str, v: Option<f64>, positive: bool| -> Result<f64, Invalid> {
        let v = present(v, f)?;
        if positive { positive_limit.check(v, field(f)) } else { non_negative.check(v, field(f)) }
    };
    let s = unit.scale();
    // The draw a law reaches once in 1/TAIL_PROBABILITY draws, in the file's
    // unit, for the laws whose parameters alone do not bound it.
    let mut tail = None;
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
            // The fit's sigma: ln(p99/mean) = zσ − σ²/2, the smaller root.
            let z = Z_99;
            let sigma = z - (z * z - 2.0 * (p99 / mean).ln()).max(0.0).sqrt();
            tail = Some(((mean.ln() - sigma * sigma / 2.0) + Z_TAIL * sigma).exp());
            Dist::lognormal_mean_p99(mean * s, p99 * s)
        }
        (DistKind::Lognormal, _) => {
            let mu = present(spec.mu, "mu")?;
            if !mu.is_finite() {
                return Err(Invalid::new(field("mu"), "must be finite"));
            }
            let sigma = LOGNORMAL_SIGMA.check(present(spec.sigma, "sigma")?, field("sigma"))?;
            let mean = (mu + sigma * sigma / 2.0).exp();
            if mean > max {
                return Err(Invalid::new(
                    path,
                    format!(
                        "mu and sigma give a mean of {mean:e} {u}, above the limit of {max:e} {u}"
                    ),
                ));
            }
            tail = Some((mu + Z_TAIL * sigma).exp());
            Dist::lognormal(mu + s.ln(), sigma)
        }
        (DistKind::Gamma, _) => {
            let shape = GAMMA_SHAPE.check(present(spec.shape, "shape")?, field("shape"))?;
            Dist::gamma(shape, num("mean", spec.mean, true)? * s)
        }
        (DistKind::Erlang, _) => {
            let k = spec.k.unwrap_or(0);
            if k == 0 || k > MAX_ERLANG_PHASES {
                return Err(Invalid::new(
                    field("k"),
                    format!(
                        "must be a whole number of phases from 1 to {MAX_ERLANG_PHASES}, got {k}"
                    ),
                ));
            }
            Dist::erlang(k, num("mean", spec.mean, true)? * s)
        }
        (DistKind::Pareto, _) => {
            let scale = num("scale", spec.scale, true)?;
            let shape = PARETO_SHAPE.check(present(spec.shape, "shape")?, field("shape"))?;
            // P(X > x) = (scale / x)^shape.
            tail = Some(scale * TAIL_PROBABILITY.powf(-1.0 / shape));
            Dist::pareto(scale * s, shape)
        }
        (DistKind::Empirical, _) => {
            let ppath = field("percentiles");
            let pts = spec.percentiles.as_ref().ok_or_else(|| {
                Invalid::new(&ppath, format!("missing; {} law takes {takes}", article(name)))
            })?;
            for (i, &(p, v)) in pts.iter().enumerate() {
                if !(p.is_finite() && (0.0..=100.0).contains(&p)) {
                    return Err(Invalid::new(
                        format!("{ppath}[{i}][0]"),
                        format!("a percentile must be between 0 and 100, got {}", fmt_num(p)),
                    ));
                }
                non_negative.check(v, format!("{ppath}[{i}][1]"))?;
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
    if let Some(t) = tail
        && (t.is_nan() || t > unit.max_tail())
    {
        return Err(Invalid::new(
            path,
            format!(
                "{} law whose tail reaches {} {u} once in {} draws; the limit is {} {u} (a draw past the simulated clock would stop the run): give a lighter tail (a smaller sigma, a larger shape) or a smaller scale",
                article(name),
                fmt_num(t),
                fmt_num(1.0 / TAIL_PROBABILITY),
                fmt_num(unit.max_tail())
            ),
        ));
    }
    built.map_err(|e| Invalid::new(path, e.to_string()))
}

/// Φ⁻¹(0.99), as the lognormal fit by mean and p99 uses it.
const Z_99: f64 = 2.326_347_874_040_841;

/// Φ⁻¹(1 − 10⁻⁹), for [`TAIL_PROBABILITY`].
const Z_TAIL: f64 = 5.997_807_015_007_686;

pub(crate) fn servers(v: &Value, path: &str) -> Result<Servers, Invalid> {
    match v {
        Value::String(s) if s == "unbounded" => Ok(Servers::Unbounded),
        Value::Number(n) => n
            .as_u64()
            .and_then(|c| u32::try_from(c).ok())
            .filter(|&c| c <= MAX_SERVERS)
            .and_then(Servers::finite)
            .ok_or_else(|| {
                Invalid::new(
                    path,
                    format!(
                        "must be a whole number from 1 to {MAX_SERVERS} or \"unbounded\", got {n}"
                    ),
                )
            }),
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
    if let Some(limit) = queue_limit(s.queue_limit, &key_path(path, "queue_limit"))? {
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
        st = st.with_ns_per_byte(NS_PER_BYTE.check(b, key_path(path, "service_ns_per_byte"))?);
    }
    Ok(st)
}

/// A `queue_limit`, checked against [`MAX_QUEUE_LIMIT`].
pub(crate) fn queue_limit(v: Option<u32>, path: &str) -> Result<Option<u32>, Invalid> {
    match v {
        Some(q) if q > MAX_QUEUE_LIMIT => Err(Invalid::new(
            path,
            format!(
                "must be at most {MAX_QUEUE_LIMIT} waiting places, got {q}; leave it out for an unlimited queue"
            ),
        )),
        _ => Ok(v),
    }
}

/// Lognormal with median `median_ms` and shape `sigma`, in nanoseconds.
pub(crate) fn lognormal_median(median_ms: f64, sigma: f64) -> Dist {
    // Infallible: called with catalog figures only, which are fixed, finite
    // and positive (the catalog's tests check every one).
    Dist::lognormal((median_ms * 1e6).ln(), sigma).expect("catalog medians are positive")
}

/// Exponential with mean `mean_ms`, in nanoseconds; `path` names the
/// field the mean derives from.
pub(crate) fn exp_ms(mean_ms: f64, path: &str) -> Result<Dist, Invalid> {
    Dist::exponential(mean_ms * 1e6).map_err(|e| Invalid::new(path, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::spec::{DistKind, DistSpec, LawSpec};

    #[test]
    fn dist_rejects_fields_of_other_kinds() {
        let spec = DistSpec {
            kind: Some(DistKind::Exponential),
            mean: Some(1.0),
            p99: Some(3.0),
            ..DistSpec::default()
        };
        let e = dist(&LawSpec::Law(spec), "x", Unit::Millis).unwrap_err();
        assert_eq!(e.path, "x.p99");
        let spec = DistSpec {
            kind: Some(DistKind::Lognormal),
            mean: Some(1.0),
            sigma: Some(3.0),
            ..DistSpec::default()
        };
        let e = dist(&LawSpec::Law(spec), "x", Unit::Millis).unwrap_err();
        assert_eq!(e.path, "x");
        assert!(e.message.contains("mean + p99"), "{}", e.message);
    }

    #[test]
    fn millis_become_nanoseconds() {
        let spec = LawSpec::Law(DistSpec {
            kind: Some(DistKind::Constant),
            value: Some(0.3),
            ..DistSpec::default()
        });
        assert_eq!(dist(&spec, "x", Unit::Millis).unwrap().mean(), Some(300_000.0));
        assert_eq!(dist(&spec, "x", Unit::Bytes).unwrap().mean(), Some(0.3));
        // A bare number is the same constant law.
        let bare = LawSpec::Constant(0.3);
        assert_eq!(dist(&bare, "x", Unit::Millis).unwrap().mean(), Some(300_000.0));
        assert_eq!(dist(&bare, "x", Unit::Bytes).unwrap().mean(), Some(0.3));
        let e = dist(&LawSpec::Constant(-1.0), "x", Unit::Millis).unwrap_err();
        assert_eq!(e.path, "x", "a bare number has no .value to name");
        assert!(e.message.contains("got -1"), "{}", e.message);
    }

    #[test]
    fn law_and_arrival_names_are_serde_names() {
        use crate::file::spec::ArrivalKind;
        for name in DistKind::VARIANTS {
            let k: DistKind = serde_json::from_value(Value::from(*name)).unwrap();
            assert_eq!(k.to_string(), *name);
        }
        for name in ArrivalKind::VARIANTS {
            let k: ArrivalKind = serde_json::from_value(Value::from(*name)).unwrap();
            assert_eq!(k.to_string(), *name);
        }
        assert_eq!(ArrivalKind::OnOff.to_string(), "on_off");
        assert_eq!(DistKind::VARIANTS.len(), 9);
    }
}
