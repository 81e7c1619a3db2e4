//! Random laws for service times, link latencies and message sizes, and
//! arrival processes.
//!
//! A [`Dist`] samples non-negative values in whatever unit its parameters are
//! given in: nanoseconds for durations, bytes for sizes. Samplers come from
//! `rand_distr`; constructors validate their parameters once, so sampling
//! never fails.

use rand::RngExt;
use rand_distr::{Distribution, Exp, Exp1, Gamma, LogNormal, Normal, Pareto, Uniform};

use crate::error::DistError;
use crate::rng::StreamRng;

/// The standard normal quantile of 0.99, used to fit a lognormal by its p99.
const Z_99: f64 = 2.326_347_874_040_840_8;

/// A validated probability law over non-negative values.
///
/// The unit is the caller's: the engine reads station and link laws in
/// nanoseconds and message-size laws in bytes.
#[derive(Clone, Debug)]
pub struct Dist(Law);

#[derive(Clone, Debug)]
enum Law {
    /// The value \[ns\] and its rounding, computed once.
    Constant(f64, u64),
    Exponential(Exp<f64>, f64),
    Uniform(Uniform<f64>, f64, f64),
    /// Normal truncated at 0 (resampled, not clamped).
    TruncatedNormal(Normal<f64>),
    LogNormal(LogNormal<f64>, f64, f64),
    Gamma(Gamma<f64>, f64, f64),
    Pareto(Pareto<f64>, f64, f64),
    Empirical(Empirical),
    /// With probability `p` a draw from the tail law, else from the body.
    Mixture(Box<Dist>, Box<Dist>, f64),
    /// A base law whose draws are multiplied by `factor` with probability
    /// `probability` (a two-component scale mixture: rare spikes).
    Spiked(Box<Spikes>),
}

/// The spike mixture of [`Dist::with_spikes`].
#[derive(Clone, Debug)]
struct Spikes {
    base: Dist,
    probability: f64,
    factor: f64,
}

/// A percentile table sampled by inverse transform with linear interpolation.
#[derive(Clone, Debug)]
struct Empirical {
    /// Cumulative probabilities in \[0, 1\], strictly increasing, 0 first, 1 last.
    cdf: Vec<f64>,
    /// Values at those probabilities, non-decreasing.
    values: Vec<f64>,
}

fn check(ok: bool, error: DistError) -> Result<(), DistError> {
    if ok { Ok(()) } else { Err(error) }
}

fn finite_nonneg(parameter: &'static str, value: f64) -> Result<(), DistError> {
    check(value.is_finite() && value >= 0.0, DistError::NotNonNegative { parameter, value })
}

fn finite_pos(parameter: &'static str, value: f64) -> Result<(), DistError> {
    check(value.is_finite() && value > 0.0, DistError::NotPositive { parameter, value })
}

/// The sampling library's own refusal, for parameters our checks let by.
fn sampler(e: impl std::fmt::Display) -> DistError {
    DistError::Sampler(e.to_string())
}

/// The largest p99 / mean ratio a lognormal has: `exp(z²/2)`, `z = Φ⁻¹(0.99)`.
pub(crate) fn lognormal_max_p99_ratio() -> f64 {
    (Z_99 * Z_99 / 2.0).exp()
}

impl Dist {
    /// Always `value`.
    ///
    /// # Errors
    ///
    /// Fails if `value` is negative or not finite.
    pub fn constant(value: f64) -> Result<Self, DistError> {
        finite_nonneg("value", value)?;
        Ok(Dist(Law::Constant(value, round_u64(value))))
    }

    /// Exponential with the given mean.
    ///
    /// # Errors
    ///
    /// Fails unless `mean` is finite and > 0.
    pub fn exponential(mean: f64) -> Result<Self, DistError> {
        finite_pos("mean", mean)?;
        let exp = Exp::new(1.0 / mean).map_err(sampler)?;
        Ok(Dist(Law::Exponential(exp, mean)))
    }

    /// Uniform on `[low, high)`; `low == high` is allowed and gives a constant.
    ///
    /// # Errors
    ///
    /// Fails unless `0 <= low <= high` and both are finite.
    pub fn uniform(low: f64, high: f64) -> Result<Self, DistError> {
        finite_nonneg("low", low)?;
        finite_nonneg("high", high)?;
        check(low <= high, DistError::LowAboveHigh { low, high })?;
        if low == high {
            return Self::constant(low);
        }
        let u = Uniform::new(low, high).map_err(sampler)?;
        Ok(Dist(Law::Uniform(u, low, high)))
    }

    /// Normal with the given mean and standard deviation, truncated at 0:
    /// negative draws are rejected and drawn again.
    ///
    /// # Errors
    ///
    /// Fails unless `mean > 0` and `sd >= 0` (a positive mean keeps the
    /// rejection rate below one half).
    pub fn truncated_normal(mean: f64, sd: f64) -> Result<Self, DistError> {
        finite_pos("mean", mean)?;
        finite_nonneg("sd", sd)?;
        if sd == 0.0 {
            return Self::constant(mean);
        }
        let n = Normal::new(mean, sd).map_err(sampler)?;
        Ok(Dist(Law::TruncatedNormal(n)))
    }

    /// Lognormal whose logarithm is normal with mean `mu` and standard
    /// deviation `sigma`.
    ///
    /// # Errors
    ///
    /// Fails unless `mu` is finite and `sigma` finite and >= 0.
    pub fn lognormal(mu: f64, sigma: f64) -> Result<Self, DistError> {
        check(mu.is_finite(), DistError::NotFinite { parameter: "mu", value: mu })?;
        finite_nonneg("sigma", sigma)?;
        check(mu + sigma * sigma / 2.0 < 700.0, DistError::MeanOverflows { mu, sigma })?;
        let ln = LogNormal::new(mu, sigma).map_err(sampler)?;
        Ok(Dist(Law::LogNormal(ln, mu, sigma)))
    }

    /// Lognormal fitted to a mean and a 99th percentile.
    ///
    /// Solves `mean = exp(mu + sigma²/2)` and `p99 = exp(mu + z·sigma)` with
    /// `z = Φ⁻¹(0.99)`, taking the smaller root `sigma = z − sqrt(z² − 2 ln(p99/mean))`.
    /// A solution exists only when `mean <= p99 <= exp(z²/2)·mean ≈ 14.97·mean`.
    ///
    /// # Errors
    ///
    /// Fails when the parameters are not positive and finite, when
    /// `p99 < mean`, or when `p99` exceeds about 14.97 times the mean.
    pub fn lognormal_mean_p99(mean: f64, p99: f64) -> Result<Self, DistError> {
        finite_pos("mean", mean)?;
        finite_pos("p99", p99)?;
        check(p99 >= mean, DistError::P99BelowMean { mean, p99 })?;
        let d = (p99 / mean).ln();
        check(
            2.0 * d <= Z_99 * Z_99,
            DistError::P99AboveMean { mean, p99, max_ratio: lognormal_max_p99_ratio() },
        )?;
        let sigma = Z_99 - (Z_99 * Z_99 - 2.0 * d).max(0.0).sqrt();
        let mu = mean.ln() - sigma * sigma / 2.0;
        Self::lognormal(mu, sigma)
    }

    /// Gamma with the given shape `k` and mean (scale = mean / k).
    ///
    /// # Errors
    ///
    /// Fails unless both are finite and > 0.
    pub fn gamma(shape: f64, mean: f64) -> Result<Self, DistError> {
        finite_pos("shape", shape)?;
        finite_pos("mean", mean)?;
        let scale = mean / shape;
        let g = Gamma::new(shape, scale).map_err(sampler)?;
        Ok(Dist(Law::Gamma(g, shape, scale)))
    }

    /// Erlang-`k`: the sum of `k` exponentials, with the given total mean.
    ///
    /// # Errors
    ///
    /// Fails unless `k >= 1` and `mean` is finite and > 0.
    pub fn erlang(k: u32, mean: f64) -> Result<Self, DistError> {
        check(k >= 1, DistError::ZeroErlangPhases)?;
        Self::gamma(f64::from(k), mean)
    }

    /// Pareto (type I) with minimum `scale` and tail index `shape`.
    ///
    /// # Errors
    ///
    /// Fails unless both are finite and > 0. A shape of 1 or less has an
    /// infinite mean; it is accepted (heavy tails are real) and
    /// [`Dist::mean`] returns `None`.
    pub fn pareto(scale: f64, shape: f64) -> Result<Self, DistError> {
        finite_pos("scale", scale)?;
        finite_pos("shape", shape)?;
        let p = Pareto::new(scale, shape).map_err(sampler)?;
        Ok(Dist(Law::Pareto(p, scale, shape)))
    }

    /// An empirical law given by a percentile table: `(percentile, value)`
    /// pairs with percentiles strictly increasing from 0 to 100 and values
    /// non-decreasing. Sampled by inverse transform, interpolating linearly.
    ///
    /// # Errors
    ///
    /// Fails when the table has fewer than two points, does not start at 0
    /// and end at 100, or is not monotone.
    pub fn empirical(points: &[(f64, f64)]) -> Result<Self, DistError> {
        check(points.len() >= 2, DistError::TooFewPoints)?;
        check(points[0].0 == 0.0, DistError::FirstPercentileNotZero)?;
        check(points[points.len() - 1].0 == 100.0, DistError::LastPercentileNotHundred)?;
        for (i, &(p, v)) in points.iter().enumerate() {
            finite_nonneg("value", v)?;
            check(p.is_finite(), DistError::PercentileNotFinite)?;
            if i > 0 {
                let (pp, pv) = points[i - 1];
                check(p > pp, DistError::PercentilesNotIncreasing { previous: pp, next: p })?;
                check(v >= pv, DistError::ValuesDecreasing { previous: pv, next: v })?;
            }
        }
        Ok(Dist(Law::Empirical(Empirical {
            cdf: points.iter().map(|p| p.0 / 100.0).collect(),
            values: points.iter().map(|p| p.1).collect(),
        })))
    }

    /// A two-part mixture: each draw comes from `tail` with probability
    /// `tail_probability`, else from `body` (e.g. a network's usual
    /// latency and its rarer slow episodes).
    ///
    /// # Errors
    ///
    /// Fails unless `tail_probability` is in \[0, 1\].
    pub fn mixture(body: Dist, tail: Dist, tail_probability: f64) -> Result<Self, DistError> {
        check(
            (0.0..=1.0).contains(&tail_probability),
            DistError::NotProbability { parameter: "tail_probability", value: tail_probability },
        )?;
        Ok(Dist(Law::Mixture(Box::new(body), Box::new(tail), tail_probability)))
    }

    /// This law with rare spikes: each draw is multiplied by `factor` with
    /// probability `probability`, independently (a two-component scale
    /// mixture, `(1 − p)·F(x) + p·F(x / factor)`). With probability 0 or
    /// factor 1 the law is returned unchanged (and draws as before).
    ///
    /// The mean is the base mean × `(1 + p·(factor − 1))`; the second
    /// moment the base second moment × `(1 − p + p·factor²)`. A spiked law
    /// consumes one uniform draw more than its base per sample (the draw
    /// that decides whether this one is a spike, taken first).
    ///
    /// # Errors
    ///
    /// Fails unless `probability` is in \[0, 1\] and `factor` is finite and
    /// at least 1 (a spike is slower, never faster).
    pub fn with_spikes(self, probability: f64, factor: f64) -> Result<Self, DistError> {
        check(
            probability.is_finite() && (0.0..=1.0).contains(&probability),
            DistError::NotProbability { parameter: "spike probability", value: probability },
        )?;
        check(
            factor.is_finite() && factor >= 1.0,
            DistError::BelowOne { parameter: "spike factor", value: factor },
        )?;
        if probability == 0.0 || factor == 1.0 {
            return Ok(self);
        }
        Ok(Dist(Law::Spiked(Box::new(Spikes { base: self, probability, factor }))))
    }

    /// The law's mean, or `None` when it is infinite (Pareto with shape <= 1).
    pub fn mean(&self) -> Option<f64> {
        match &self.0 {
            Law::Constant(v, _) => Some(*v),
            Law::Exponential(_, m) => Some(*m),
            Law::Uniform(_, lo, hi) => Some((lo + hi) / 2.0),
            Law::TruncatedNormal(n) => {
                let (mu, sd) = (n.mean(), n.std_dev());
                let a = -mu / sd;
                Some(mu + sd * phi(a) / (1.0 - big_phi(a)))
            }
            Law::LogNormal(_, mu, sigma) => Some((mu + sigma * sigma / 2.0).exp()),
            Law::Gamma(_, k, scale) => Some(k * scale),
            Law::Pareto(_, xm, a) => (*a > 1.0).then(|| a * xm / (a - 1.0)),
            Law::Empirical(e) => Some(
                e.cdf
                    .windows(2)
                    .zip(e.values.windows(2))
                    .map(|(p, v)| (p[1] - p[0]) * (v[0] + v[1]) / 2.0)
                    .sum(),
            ),
            Law::Mixture(body, tail, p) => Some((1.0 - p) * body.mean()? + p * tail.mean()?),
            Law::Spiked(s) => Some(s.base.mean()? * (1.0 + s.probability * (s.factor - 1.0))),
        }
    }

    /// The squared coefficient of variation (variance / mean²), used by
    /// analytic approximations; `None` when the variance is infinite.
    pub fn scv(&self) -> Option<f64> {
        let m = self.mean()?;
        if m == 0.0 {
            return Some(0.0);
        }
        let var = match &self.0 {
            Law::Constant(..) => 0.0,
            Law::Exponential(_, m) => m * m,
            Law::Uniform(_, lo, hi) => (hi - lo).powi(2) / 12.0,
            Law::TruncatedNormal(n) => {
                let (mu, sd) = (n.mean(), n.std_dev());
                let a = -mu / sd;
                let lambda = phi(a) / (1.0 - big_phi(a));
                sd * sd * (1.0 + a * lambda - lambda * lambda)
            }
            Law::LogNormal(_, _, s) => ((s * s).exp() - 1.0) * m * m,
            Law::Gamma(_, k, scale) => k * scale * scale,
            Law::Pareto(_, xm, a) => {
                if *a <= 2.0 {
                    return None;
                }
                xm * xm * a / ((a - 1.0).powi(2) * (a - 2.0))
            }
            Law::Empirical(e) => {
                // Piecewise-uniform segments: E[X²] over each segment.
                let ex2: f64 = e
                    .cdf
                    .windows(2)
                    .zip(e.values.windows(2))
                    .map(|(p, v)| (p[1] - p[0]) * (v[0] * v[0] + v[0] * v[1] + v[1] * v[1]) / 3.0)
                    .sum();
                ex2 - m * m
            }
            Law::Mixture(body, tail, p) => {
                // E[X²] of each part is mean² (1 + scv).
                let second =
                    |d: &Dist| -> Option<f64> { Some(d.mean()?.powi(2) * (1.0 + d.scv()?)) };
                (1.0 - p) * second(body)? + p * second(tail)? - m * m
            }
            Law::Spiked(s) => {
                let (bm, bscv) = (s.base.mean()?, s.base.scv()?);
                let base_second = (1.0 + bscv) * bm * bm;
                let p = s.probability;
                base_second * (1.0 - p + p * s.factor * s.factor) - m * m
            }
        };
        Some(var.max(0.0) / (m * m))
    }

    /// Whether every draw is the same value.
    pub fn is_constant(&self) -> bool {
        matches!(self.0, Law::Constant(..))
    }

    /// Whether the law is exponential (memoryless): the analytic estimate
    /// is exact product form only for such service times.
    pub(crate) fn is_exponential(&self) -> bool {
        matches!(self.0, Law::Exponential(..))
    }

    /// One draw, as a real number.
    pub fn sample(&self, rng: &mut StreamRng) -> f64 {
        match &self.0 {
            Law::Constant(v, _) => *v,
            Law::Exponential(d, _) => d.sample(rng),
            Law::Uniform(d, _, _) => d.sample(rng),
            Law::TruncatedNormal(d) => loop {
                let x = d.sample(rng);
                if x >= 0.0 {
                    break x;
                }
            },
            Law::LogNormal(d, _, _) => d.sample(rng),
            Law::Gamma(d, _, _) => d.sample(rng),
            Law::Pareto(d, _, _) => d.sample(rng),
            Law::Empirical(e) => {
                let u: f64 = rng.random();
                // First index whose cumulative probability exceeds u.
                let i = e.cdf.partition_point(|&c| c <= u).clamp(1, e.cdf.len() - 1);
                let (p0, p1) = (e.cdf[i - 1], e.cdf[i]);
                let (v0, v1) = (e.values[i - 1], e.values[i]);
                v0 + (v1 - v0) * (u - p0) / (p1 - p0)
            }
            Law::Mixture(body, tail, p) => {
                let u: f64 = rng.random();
                if u < *p { tail.sample(rng) } else { body.sample(rng) }
            }
            Law::Spiked(s) => {
                let u: f64 = rng.random();
                let x = s.base.sample(rng);
                if u < s.probability { x * s.factor } else { x }
            }
        }
    }

    /// One draw rounded to the nearest integer unit (nanosecond or byte),
    /// saturating at `u64::MAX`.
    pub fn sample_u64(&self, rng: &mut StreamRng) -> u64 {
        match self.0 {
            Law::Constant(_, ns) => ns,
            _ => round_u64(self.sample(rng)),
        }
    }
}

/// `x.round() as u64` for every `f64` (half away from zero, negative and
/// NaN to 0, saturating at `u64::MAX`), without the call: x86-64's
/// baseline has no rounding instruction, so `f64::round` is a libm call,
/// 16 per request on the reference route (issue 13). Truncation by `as`
/// is one instruction; below 2⁵² the fraction `x − trunc(x)` is exact
/// (both lie in one binade or the difference is below 1), at or above it
/// every `f64` is an integer and the fraction is 0, and for NaN or
/// negative `x` the comparison is false. Equality with `round` over edge
/// cases and random bit patterns is tested.
#[inline]
pub(crate) fn round_u64(x: f64) -> u64 {
    let t = x as u64;
    t.saturating_add(u64::from(x - t as f64 >= 0.5))
}

/// Standard normal density.
fn phi(x: f64) -> f64 {
    (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal distribution function (Abramowitz & Stegun 7.1.26 via erfc,
/// absolute error below 1.5e-7: enough for analytic estimates).
fn big_phi(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-z * z).exp();
    if x >= 0.0 { 1.0 - erfc / 2.0 } else { erfc / 2.0 }
}

/// How requests arrive at the origin of a route.
#[derive(Clone, Debug)]
pub struct Arrivals(ArrivalLaw);

#[derive(Clone, Debug)]
pub(crate) enum ArrivalLaw {
    /// Exponential gaps with this rate \[1/ns\].
    Poisson { rate_per_ns: f64 },
    /// Equal gaps of this length \[ns\], kept as a real number so that
    /// rounding never drifts.
    Constant { gap_ns: f64 },
    /// Markov-modulated Poisson with two states: rates \[1/ns\] and mean
    /// sojourn times \[ns\] in each state.
    Mmpp2 { rate_per_ns: [f64; 2], sojourn_ns: [f64; 2] },
}

impl Arrivals {
    /// Poisson arrivals at `rate_per_s` requests per second.
    ///
    /// # Errors
    ///
    /// Fails unless the rate is finite, > 0 and at most 10⁹ per second.
    pub fn poisson(rate_per_s: f64) -> Result<Self, DistError> {
        check_rate(rate_per_s)?;
        Ok(Arrivals(ArrivalLaw::Poisson { rate_per_ns: rate_per_s / 1e9 }))
    }

    /// Evenly spaced arrivals at `rate_per_s` requests per second.
    ///
    /// # Errors
    ///
    /// Fails unless the rate is finite, > 0 and at most 10⁹ per second.
    pub fn constant(rate_per_s: f64) -> Result<Self, DistError> {
        check_rate(rate_per_s)?;
        Ok(Arrivals(ArrivalLaw::Constant { gap_ns: 1e9 / rate_per_s }))
    }

    /// A two-state Markov-modulated Poisson process (MMPP-2): Poisson at
    /// `rate_per_s[i]` while in state `i`, staying in state `i` for an
    /// exponential time of mean `mean_sojourn_ms[i]`. With one rate 0 this is
    /// the classic bursty on/off source. The run starts in state 0.
    ///
    /// # Errors
    ///
    /// Fails unless both rates are finite and >= 0 with at least one > 0,
    /// and both sojourn means are finite and > 0.
    pub fn mmpp2(rate_per_s: [f64; 2], mean_sojourn_ms: [f64; 2]) -> Result<Self, DistError> {
        for r in rate_per_s {
            check(
                r.is_finite() && (0.0..=1e9).contains(&r),
                DistError::InvalidStateRate { rate_per_s: r },
            )?;
        }
        check(rate_per_s.iter().any(|&r| r > 0.0), DistError::NoPositiveRate)?;
        for s in mean_sojourn_ms {
            finite_pos("mean sojourn", s)?;
        }
        Ok(Arrivals(ArrivalLaw::Mmpp2 {
            rate_per_ns: rate_per_s.map(|r| r / 1e9),
            sojourn_ns: mean_sojourn_ms.map(|s| s * 1e6),
        }))
    }

    /// The long-run mean arrival rate, in requests per second.
    pub fn mean_rate_per_s(&self) -> f64 {
        match self.0 {
            ArrivalLaw::Poisson { rate_per_ns } => rate_per_ns * 1e9,
            ArrivalLaw::Constant { gap_ns } => 1e9 / gap_ns,
            ArrivalLaw::Mmpp2 { rate_per_ns, sojourn_ns } => {
                (rate_per_ns[0] * sojourn_ns[0] + rate_per_ns[1] * sojourn_ns[1])
                    / (sojourn_ns[0] + sojourn_ns[1])
                    * 1e9
            }
        }
    }

    /// The squared coefficient of variation of the gaps between arrivals
    /// (1 for Poisson, 0 for constant), for analytic approximations; `None`
    /// for processes whose gaps are correlated (MMPP).
    pub fn gap_scv(&self) -> Option<f64> {
        match self.0 {
            ArrivalLaw::Poisson { .. } => Some(1.0),
            ArrivalLaw::Constant { .. } => Some(0.0),
            ArrivalLaw::Mmpp2 { .. } => None,
        }
    }

    pub(crate) fn law(&self) -> &ArrivalLaw {
        &self.0
    }
}

fn check_rate(rate_per_s: f64) -> Result<(), DistError> {
    check(
        rate_per_s.is_finite() && rate_per_s > 0.0 && rate_per_s <= 1e9,
        DistError::InvalidRate { rate_per_s },
    )
}

/// The running state of an arrival process inside one replication.
#[derive(Debug)]
pub(crate) struct ArrivalClock {
    /// Exact (real-valued) time of the last arrival \[ns\]; arrival instants are
    /// rounded from it, so rounding errors never accumulate.
    clock_ns: f64,
    count: u64,
    state: usize,
    /// End of the current MMPP sojourn \[ns\].
    switch_at_ns: f64,
}

impl ArrivalClock {
    pub(crate) fn new(arrivals: &Arrivals, rng: &mut StreamRng) -> Self {
        let switch_at_ns = match arrivals.law() {
            ArrivalLaw::Mmpp2 { sojourn_ns, .. } => exp_draw(rng, sojourn_ns[0]),
            _ => f64::INFINITY,
        };
        ArrivalClock { clock_ns: 0.0, count: 0, state: 0, switch_at_ns }
    }

    /// The instant \[ns\] of the next arrival.
    pub(crate) fn next_ns(&mut self, arrivals: &Arrivals, rng: &mut StreamRng) -> u64 {
        self.count += 1;
        match *arrivals.law() {
            ArrivalLaw::Poisson { rate_per_ns } => {
                self.clock_ns += exp_draw(rng, 1.0 / rate_per_ns)
            }
            ArrivalLaw::Constant { gap_ns } => self.clock_ns = gap_ns * self.count as f64,
            ArrivalLaw::Mmpp2 { rate_per_ns, sojourn_ns } => loop {
                // Memorylessness: a gap that crosses a state switch is
                // restarted from the switch instant in the new state.
                let rate = rate_per_ns[self.state];
                let candidate = if rate > 0.0 {
                    self.clock_ns + exp_draw(rng, 1.0 / rate)
                } else {
                    f64::INFINITY
                };
                if candidate <= self.switch_at_ns {
                    self.clock_ns = candidate;
                    break;
                }
                self.clock_ns = self.switch_at_ns;
                self.state ^= 1;
                self.switch_at_ns = self.clock_ns + exp_draw(rng, sojourn_ns[self.state]);
            },
        }
        round_u64(self.clock_ns)
    }
}

/// An exponential draw with the given mean (ziggurat `Exp1`, scaled).
fn exp_draw(rng: &mut StreamRng, mean: f64) -> f64 {
    let e: f64 = Exp1.sample(rng);
    e * mean
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamId, stream_rng};

    fn rng() -> StreamRng {
        stream_rng(7, 0, StreamId::named("test", "dist"))
    }

    fn sample_mean(d: &Dist, n: usize) -> f64 {
        let mut r = rng();
        (0..n).map(|_| d.sample(&mut r)).sum::<f64>() / n as f64
    }

    /// Issue 11 item 2: a mixture's mean and variance are the weighted
    /// moments of its parts (hand-computed: body constant 10, tail
    /// constant 110, p = 0.1 → mean 20, E[X²] = 0.9·100 + 0.1·12,100 = 1,300,
    /// variance 900, scv 2.25), its draws agree, and a probability outside
    /// [0, 1] is refused.
    #[test]
    fn issue_11_mixture_moments_and_draws() {
        let c = |v: f64| Dist::constant(v).unwrap();
        let m = Dist::mixture(c(10.0), c(110.0), 0.1).unwrap();
        assert_eq!(m.mean(), Some(20.0));
        assert!((m.scv().unwrap() - 2.25).abs() < 1e-12);
        assert!((sample_mean(&m, 200_000) - 20.0).abs() < 0.3);
        let mut r = rng();
        let tail = (0..100_000).filter(|_| m.sample(&mut r) > 50.0).count();
        assert!((9_500..10_500).contains(&tail), "tail draws: {tail}");
        assert_eq!(Dist::mixture(c(10.0), c(110.0), 0.0).unwrap().mean(), Some(10.0));
        for bad in [-0.1, 1.1, f64::NAN] {
            assert!(matches!(
                Dist::mixture(c(1.0), c(2.0), bad),
                Err(DistError::NotProbability { .. })
            ));
        }
        // An infinite-mean part makes the mixture's mean infinite.
        let heavy = Dist::pareto(1.0, 0.9).unwrap();
        assert_eq!(Dist::mixture(c(1.0), heavy, 0.01).unwrap().mean(), None);
    }

    /// Issue 13: `round_u64` replaces `f64::round` (a libm call) in the
    /// event loop, so it must agree with `x.round() as u64` on every `f64`:
    /// the halves and their neighbours, the binade edges up to 2⁶⁴, signed
    /// zeros, infinities and NaNs, then a million random bit patterns and a
    /// million random durations of a realistic size (below 10¹² ns).
    #[test]
    fn issue_13_round_u64_equals_round_for_every_f64() {
        let reference = |x: f64| x.round() as u64;
        let mut edge = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            0.49999999999999994,
            0.5000000000000001,
            1.5,
            2.5,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::from_bits(1),
            u64::MAX as f64,
            (1u64 << 63) as f64,
        ];
        for e in 0..=64 {
            let p = 2f64.powi(e);
            for x in [p, p + 0.5, p - 0.5, p + 1.5] {
                for y in [x, f64::from_bits(x.to_bits() + 1), f64::from_bits(x.to_bits() - 1)] {
                    edge.extend([y, -y]);
                }
            }
        }
        for x in edge {
            assert_eq!(round_u64(x), reference(x), "{x:e} ({:#x})", x.to_bits());
        }
        let mut r = rng();
        for _ in 0..1_000_000 {
            let x = f64::from_bits(r.random::<u64>());
            assert_eq!(round_u64(x), reference(x), "{x:e} ({:#x})", x.to_bits());
            let ns = r.random::<f64>() * 1e12;
            assert_eq!(round_u64(ns), reference(ns), "{ns:e}");
        }
    }

    /// A constant's draw is its value rounded once, at construction.
    #[test]
    fn constant_draws_are_precomputed_rounding() {
        let mut r = rng();
        for v in [0.0, 0.4999, 0.5, 100_000.0, 123_456.5, 1e15 + 0.5] {
            let d = Dist::constant(v).unwrap();
            assert_eq!(d.sample_u64(&mut r), v.round() as u64, "{v}");
        }
    }

    #[test]
    fn sample_means_match_law_means() {
        let laws = [
            Dist::constant(3.0).unwrap(),
            Dist::exponential(3.0).unwrap(),
            Dist::uniform(1.0, 5.0).unwrap(),
            Dist::truncated_normal(1.0, 1.0).unwrap(),
            Dist::lognormal_mean_p99(3.0, 20.0).unwrap(),
            Dist::gamma(2.5, 3.0).unwrap(),
            Dist::erlang(4, 3.0).unwrap(),
            Dist::pareto(1.0, 3.0).unwrap(),
            Dist::empirical(&[(0.0, 1.0), (50.0, 2.0), (90.0, 5.0), (100.0, 10.0)]).unwrap(),
            Dist::lognormal(0.0, 0.5).unwrap().with_spikes(0.05, 5.0).unwrap(),
        ];
        for d in &laws {
            let m = d.mean().unwrap();
            let got = sample_mean(d, 400_000);
            assert!((got - m).abs() / m < 0.01, "{d:?}: sample mean {got}, law mean {m}");
        }
    }

    #[test]
    fn lognormal_fit_hits_mean_and_p99() {
        let d = Dist::lognormal_mean_p99(16384.0, 131072.0).unwrap();
        let mut r = rng();
        let mut xs: Vec<f64> = (0..400_000).map(|_| d.sample(&mut r)).collect();
        xs.sort_by(f64::total_cmp);
        let p99 = xs[(xs.len() as f64 * 0.99) as usize];
        assert!((p99 / 131072.0 - 1.0).abs() < 0.02, "p99 {p99}");
        assert!((d.mean().unwrap() / 16384.0 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn impossible_parameters_are_refused() {
        assert!(Dist::lognormal_mean_p99(10.0, 5.0).is_err());
        assert!(Dist::lognormal_mean_p99(10.0, 160.0).is_err());
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::exponential(-1.0).is_err());
        assert!(Dist::constant(f64::NAN).is_err());
        assert!(Dist::uniform(3.0, 1.0).is_err());
        assert!(Dist::empirical(&[(0.0, 1.0)]).is_err());
        assert!(Dist::empirical(&[(0.0, 2.0), (100.0, 1.0)]).is_err());
        assert!(Dist::empirical(&[(10.0, 1.0), (100.0, 2.0)]).is_err());
        assert!(Arrivals::poisson(0.0).is_err());
        assert!(Arrivals::mmpp2([0.0, 0.0], [1.0, 1.0]).is_err());
    }

    /// The texts callers print (scenario errors quote them): pinned.
    #[test]
    fn refusals_keep_their_messages() {
        let msg = |r: Result<Dist, DistError>| r.unwrap_err().to_string();
        assert_eq!(
            msg(Dist::lognormal_mean_p99(10.0, 160.0)),
            "p99 (160) is 16.00 times the mean (10); no lognormal has p99 above 14.97 times its mean: lower p99 or give mu/sigma"
        );
        assert_eq!(
            msg(Dist::lognormal_mean_p99(10.0, 5.0)),
            "p99 (5) is below the mean (10); a lognormal's p99 is at least its mean"
        );
        assert_eq!(msg(Dist::exponential(-1.0)), "mean must be finite and > 0, got -1");
        assert_eq!(msg(Dist::constant(f64::NAN)), "value must be finite and >= 0, got NaN");
        assert_eq!(msg(Dist::uniform(3.0, 1.0)), "low (3) must not exceed high (1)");
        assert_eq!(msg(Dist::lognormal(f64::INFINITY, 1.0)), "mu must be finite, got inf");
        assert_eq!(msg(Dist::lognormal(800.0, 1.0)), "mu and sigma give a mean that overflows");
        assert_eq!(msg(Dist::erlang(0, 1.0)), "k must be at least 1");
        assert_eq!(
            msg(Dist::empirical(&[(0.0, 2.0), (100.0, 1.0)])),
            "values must not decrease (2 then 1)"
        );
        assert_eq!(
            msg(Dist::empirical(&[(0.0, 1.0), (0.0, 2.0), (100.0, 3.0)])),
            "percentiles must increase strictly (0 then 0)"
        );
        let arrivals = |r: Result<Arrivals, DistError>| r.unwrap_err().to_string();
        assert_eq!(
            arrivals(Arrivals::poisson(0.0)),
            "rate must be finite, > 0 and at most 1e9 per second, got 0"
        );
        assert_eq!(
            arrivals(Arrivals::mmpp2([-1.0, 0.0], [1.0, 1.0])),
            "rates must be finite, >= 0 and at most 1e9 per second, got -1"
        );
        assert_eq!(
            arrivals(Arrivals::mmpp2([0.0, 0.0], [1.0, 1.0])),
            "at least one rate must be > 0"
        );
    }

    /// Issue 11 item 5(b): a spiked law's mean and variance are the
    /// mixture's (checked against a million draws), a spike is the base
    /// draw times the factor, and probability 0 or factor 1 leaves the law
    /// (and its stream) untouched.
    #[test]
    fn spikes_are_a_scale_mixture() {
        let base = Dist::lognormal(0.0, 0.5).unwrap();
        let d = base.clone().with_spikes(0.02, 5.0).unwrap();
        let (bm, bscv) = (base.mean().unwrap(), base.scv().unwrap());
        let mean = d.mean().unwrap();
        assert!((mean - bm * (1.0 + 0.02 * 4.0)).abs() < 1e-12);
        let second = (1.0 + bscv) * bm * bm * (0.98 + 0.02 * 25.0);
        assert!((d.scv().unwrap() - (second - mean * mean) / (mean * mean)).abs() < 1e-12);
        let mut r = rng();
        let xs: Vec<f64> = (0..1_000_000).map(|_| d.sample(&mut r)).collect();
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
        assert!((m / mean - 1.0).abs() < 0.01, "mean {m} vs {mean}");
        let law_var = d.scv().unwrap() * mean * mean;
        assert!((var / law_var - 1.0).abs() < 0.03, "variance {var} vs {law_var}");
        // Each draw is the base's own draw (after the spike decision), ×5 or ×1.
        let (mut a, mut b) = (rng(), rng());
        let mut spikes = 0;
        for _ in 0..10_000 {
            let u: f64 = b.random();
            let x = base.sample(&mut b);
            let y = d.sample(&mut a);
            if u < 0.02 {
                spikes += 1;
                assert_eq!(y, x * 5.0);
            } else {
                assert_eq!(y, x);
            }
        }
        assert!((150..250).contains(&spikes), "{spikes} spikes in 10,000 at 2 %");
        for off in [base.clone().with_spikes(0.0, 5.0), base.clone().with_spikes(0.3, 1.0)] {
            let off = off.unwrap();
            let (mut a, mut b) = (rng(), rng());
            assert!((0..100).all(|_| off.sample(&mut a) == base.sample(&mut b)));
        }
        let msg = |r: Result<Dist, DistError>| r.unwrap_err().to_string();
        assert_eq!(
            msg(base.clone().with_spikes(1.5, 5.0)),
            "spike probability must be from 0 to 1, got 1.5"
        );
        assert_eq!(
            msg(base.with_spikes(0.01, 0.5)),
            "spike factor must be finite and >= 1, got 0.5"
        );
    }

    #[test]
    fn scv_of_known_laws() {
        assert_eq!(Dist::exponential(2.0).unwrap().scv(), Some(1.0));
        assert_eq!(Dist::constant(2.0).unwrap().scv(), Some(0.0));
        assert!((Dist::erlang(4, 2.0).unwrap().scv().unwrap() - 0.25).abs() < 1e-12);
        assert!((Dist::uniform(0.0, 2.0).unwrap().scv().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn arrival_rates_are_met() {
        for (a, rate) in [
            (Arrivals::poisson(1000.0).unwrap(), 1000.0),
            (Arrivals::constant(3.0).unwrap(), 3.0),
            (Arrivals::mmpp2([3000.0, 0.0], [10.0, 20.0]).unwrap(), 1000.0),
        ] {
            assert!((a.mean_rate_per_s() - rate).abs() < 1e-9);
            let mut r = rng();
            let mut clock = ArrivalClock::new(&a, &mut r);
            let n = 2_000_000;
            let mut last = 0;
            for _ in 0..n {
                last = clock.next_ns(&a, &mut r);
            }
            let got = n as f64 / (last as f64 / 1e9);
            assert!((got / rate - 1.0).abs() < 0.02, "{a:?}: {got}/s");
        }
    }

    #[test]
    fn constant_arrivals_do_not_drift() {
        let a = Arrivals::constant(3.0).unwrap();
        let mut r = rng();
        let mut clock = ArrivalClock::new(&a, &mut r);
        let last = (0..3000).map(|_| clock.next_ns(&a, &mut r)).last().unwrap();
        assert_eq!(last, 1_000_000_000_000);
    }
}
