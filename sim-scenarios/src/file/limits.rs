//! Limits every value of a scenario file is checked against, and the
//! checks that apply them with the value's JSON path.

use crate::error::Invalid;
use crate::file::json::fmt_num;

/// Longest duration any single parameter may have: 10⁹ ms (about 11.6 days).
pub const MAX_DURATION_MS: f64 = 1e9;

/// Largest message size a parameter may have: 10¹² bytes (1 TB).
pub const MAX_BYTES: f64 = 1e12;

/// Longest simulated horizon a run may need: 10¹⁰ s (about 317 years), well
/// inside the engine's u64 nanosecond clock.
pub(crate) const MAX_HORIZON_S: f64 = 1e10;

/// Most replications a scenario may ask for.
pub const MAX_REPLICATIONS: u64 = 100_000;

pub(crate) fn positive(
    v: Option<f64>,
    default: f64,
    path: String,
    unit: &str,
) -> Result<f64, Invalid> {
    match v {
        None => Ok(default),
        Some(x) if x.is_finite() && x > 0.0 && x <= 1e12 => Ok(x),
        Some(x) => Err(Invalid::new(path, format!("must be > 0 {unit}, got {}", fmt_num(x)))),
    }
}

pub(crate) fn fraction(v: Option<f64>, default: f64, path: String) -> Result<f64, Invalid> {
    match v {
        None => Ok(default),
        Some(x) if (0.0..=1.0).contains(&x) => Ok(x),
        Some(x) => Err(Invalid::new(path, format!("must be between 0 and 1, got {}", fmt_num(x)))),
    }
}

pub(crate) fn count(
    v: Option<u32>,
    default: u32,
    max: u32,
    path: String,
    what: &str,
) -> Result<u32, Invalid> {
    let c = v.unwrap_or(default);
    if c == 0 || c > max {
        return Err(Invalid::new(path, format!("{what} must be from 1 to {max}, got {c}")));
    }
    Ok(c)
}
