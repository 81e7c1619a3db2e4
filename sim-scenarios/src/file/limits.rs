//! The limit table: the range of every kind of value a scenario file can
//! set (durations, rates, sizes, bandwidths, capacities, shapes, counts),
//! and the checks that apply it with the value's JSON path.
//!
//! Every number a file gives is checked against one row of this table at
//! load, so nothing `validate` accepts fails later in a run for want of a
//! range: the bounds keep each parameter, and the simulated horizon of the
//! whole run, inside the engine's u64 nanosecond clock (about 584 years).
//! `docs/design.md` ("Limits") lists the same rows.

use crate::error::Invalid;
use crate::file::json::fmt_num;

/// Longest duration any single parameter may have: 10⁹ ms (about 11.6 days).
pub const MAX_DURATION_MS: f64 = 1e9;

/// Largest message size a parameter may have: 10¹² bytes (1 TB).
pub const MAX_BYTES: f64 = 1e12;

/// Longest simulated horizon a run may need: 10¹⁰ s (about 317 years), well
/// inside the engine's u64 nanosecond clock (1.8·10¹⁰ s).
pub(crate) const MAX_HORIZON_S: f64 = 1e10;

/// Most replications a scenario may ask for.
pub const MAX_REPLICATIONS: u64 = 100_000;

/// Most files an `extends` chain may hold, the file given included: a
/// variant of a variant of a base is 3.
pub const MAX_EXTENDS_DEPTH: usize = 16;

/// Most requests a workload may have per route and replication.
pub const MAX_REQUESTS: u64 = 1_000_000_000_000;

/// Largest finite server count of a station: beyond it, use `"unbounded"`.
pub const MAX_SERVERS: u32 = 100_000;

/// Most waiting places a queue may have (`queue_limit`).
pub const MAX_QUEUE_LIMIT: u32 = 1_000_000;

/// Most phases an Erlang law may have (`k`): sampling costs one draw per
/// phase.
pub const MAX_ERLANG_PHASES: u32 = 1_000;

/// Most cores an APIM unit may be given (`cores_per_unit`).
pub const MAX_CORES_PER_UNIT: u32 = 1_024;

/// Most concurrent backend connections per APIM unit
/// (`backend_connections_per_unit`).
pub const MAX_BACKEND_CONNECTIONS_PER_UNIT: u32 = 1_000_000;

/// Most distinct users a token cache may be sized for.
pub const MAX_USERS: u64 = 1_000_000_000_000;

/// Earliest year a date may have (`certificate_expires`, `--today`).
pub const MIN_YEAR: i64 = 1970;

/// Latest year a date may have.
pub const MAX_YEAR: i64 = 9999;

/// Most names a certificate may list (`certificate_names`: CN and SANs).
pub const MAX_CERTIFICATE_NAMES: usize = 100;

/// Most characters of a host name (RFC 1035: 253 in text form).
pub const MAX_HOST_NAME_CHARS: usize = 253;

/// Most CAs above a certificate's issuer in one chain
/// (`certificate_authorities`, `issued_by` links).
pub const MAX_CHAIN_DEPTH: usize = 8;

/// Longest warning window before a certificate expires
/// (`validate --cert-warning-days`) \[days\].
pub const MAX_CERT_WARNING_DAYS: u32 = 3650;

/// Most entries one list or map of the `routing` section may hold (VNets,
/// address ranges, subnets, nodes of a subnet, routes of a table,
/// peerings, prefixes): far above any landing zone (Azure allows 400
/// routes in a route table), low enough that deriving every route stays
/// instant.
pub const MAX_ROUTING_ENTRIES: usize = 1_000;

/// `len` entries at `path` if there are at most [`MAX_ROUTING_ENTRIES`].
pub(crate) fn count_entries(len: usize, path: &str) -> Result<(), Invalid> {
    if len > MAX_ROUTING_ENTRIES {
        return Err(Invalid::new(
            path,
            format!("holds {len} entries; at most {MAX_ROUTING_ENTRIES} are allowed here"),
        ));
    }
    Ok(())
}

/// Most regions an APIM instance may list (`regions`).
pub const MAX_REGIONS: u32 = 100;

/// Events a day that empty a cache (`cache_flushes_per_day`): from none
/// to one a second.
pub const FLUSHES_PER_DAY: Limit = range(0.0, 86_400.0, "events per day", "");

/// Groups a user belongs to (`groups_per_user`).
pub const GROUPS: Limit = range(0.0, 1e6, "groups", "");

/// A header size limit \[bytes\]: at least one byte.
pub const HEADER_BYTES: Limit = range(1.0, 1e9, "bytes", "one byte");

/// How far into a law's tail a single draw is allowed to reach: the law's
/// quantile at 1 − 10⁻⁹ must be at most [`MAX_TAIL_MS`] (10¹² ms, about 32
/// years). A draw beyond the engine's clock would stop the run.
pub(crate) const TAIL_PROBABILITY: f64 = 1e-9;

/// See [`TAIL_PROBABILITY`].
pub(crate) const MAX_TAIL_MS: f64 = 1e12;

/// One row of the limit table: the range a kind of value must lie in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// Smallest value allowed.
    pub min: f64,
    /// Largest value allowed.
    pub max: f64,
    /// Whether `min` itself is refused (a shape that must be above 1).
    pub min_exclusive: bool,
    /// The unit, as messages print it.
    pub unit: &'static str,
    /// Why `min` is what it is, when it is not 0: said when a value is
    /// below it.
    pub why_min: &'static str,
}

const fn range(min: f64, max: f64, unit: &'static str, why_min: &'static str) -> Limit {
    Limit { min, max, min_exclusive: false, unit, why_min }
}

/// A duration that may be 0 (a constant, a bound, a standard deviation,
/// a pipeline latency) \[ms\].
pub const DURATION_MS: Limit = range(0.0, MAX_DURATION_MS, "ms", "");

/// A duration in seconds that may be 0, as HTTP and policies give them (a
/// `Retry-After`, a retry interval) \[s\].
pub const DURATION_S: Limit = range(0.0, MAX_DURATION_MS / 1000.0, "s", "");

/// Most requests a token bucket holds (a rate limit's burst).
pub const MAX_BURST: u32 = 1_000_000_000;

/// A duration that must be positive (a mean, a timeout, a lifetime, a CPU
/// cost, a sojourn) \[ms\]: at least 1 ns, the clock's resolution.
pub const POSITIVE_DURATION_MS: Limit =
    range(1e-6, MAX_DURATION_MS, "ms", "1 ns, the resolution of the simulated clock");

/// An arrival rate \[1/s\].
pub const RATE_PER_S: Limit =
    range(1e-6, 1e9, "requests per second", "one request in about 11.6 days");

/// A message size that may be 0 \[bytes\].
pub const BYTES: Limit = range(0.0, MAX_BYTES, "bytes", "");

/// A message size that must be positive (a mean size) \[bytes\].
pub const POSITIVE_BYTES: Limit = range(1e-6, MAX_BYTES, "bytes", "a size that rounds to 0");

/// A link's bandwidth per direction \[Mbit/s\]: from 1 kbit/s to 1 Pbit/s.
pub const BANDWIDTH_MBPS: Limit =
    range(1e-3, 1e9, "Mbit/s", "1 kbit/s, below which one packet takes seconds");

/// A device's throughput \[Gbit/s\]: from 1 kbit/s to 1 Pbit/s.
pub const THROUGHPUT_GBPS: Limit =
    range(1e-6, 1e6, "Gbps", "1 kbit/s, below which one packet takes seconds");

/// A processing capacity (requests per second per unit or node).
pub const CAPACITY_PER_S: Limit =
    range(1e-3, 1e9, "requests per second", "one request in about 17 minutes");

/// Application Gateway capacity units per instance.
pub const CAPACITY_UNITS: Limit =
    range(1e-3, 1e6, "capacity units", "a thousandth of a unit (2.2 kbit/s)");

/// A per-byte service cost \[ns/byte\].
pub const NS_PER_BYTE: Limit = range(0.0, 1e9, "ns per byte", "");

/// A token lifetime \[min\]: as long as the longest duration at most.
pub const LIFETIME_MIN: Limit =
    range(1e-3, MAX_DURATION_MS / 60_000.0, "min", "60 ms, shorter than one token exchange");

/// A price \[USD per hour, GB, unit-month or CU-hour\]: 0 (free) to a
/// million.
pub const PRICE_USD: Limit = range(0.0, 1e6, "USD", "");

/// A gamma law's shape: below 0.01 its tail reaches past the clock.
pub const GAMMA_SHAPE: Limit =
    range(0.01, 1e6, "", "a coefficient of variation of 10, beyond which the tail is unbounded");

/// A Pareto law's tail index: above 1, or its mean is infinite.
pub const PARETO_SHAPE: Limit = Limit {
    min: 1.0,
    max: 1e6,
    min_exclusive: true,
    unit: "",
    why_min: "a Pareto law with shape <= 1 has an infinite mean: no run converges, every longer run has a larger mean",
};

/// A lognormal's σ (the standard deviation of the logarithm).
pub const LOGNORMAL_SIGMA: Limit = range(0.0, 10.0, "", "");

/// A latency spike's factor (`spikes.factor`): at most 10, so that a
/// spiked draw of a law within the tail bound stays inside the clock.
pub const SPIKE_FACTOR: Limit =
    range(1.0, 10.0, "", "a spike is slower than the traversal, never faster");

/// A device's packet rate \[packets/s\].
pub const PACKETS_PER_S: Limit = range(1.0, 1e12, "packets per second", "one packet a second");

/// An ExpressRoute circuit's fibre distance \[km\].
pub const DISTANCE_KM: Limit = range(0.0, 40_000.0, "km", "");

impl Limit {
    fn below_min(&self, v: f64) -> bool {
        if self.min_exclusive { v <= self.min } else { v < self.min }
    }

    /// Whether `v` lies within the row (finite, and neither below nor above
    /// the range).
    pub fn contains(&self, v: f64) -> bool {
        v.is_finite() && !self.below_min(v) && v <= self.max
    }

    /// `v` if it lies within the row, or an error at `path` saying the
    /// range (and why its lower end is what it is).
    pub(crate) fn check(&self, v: f64, path: impl Into<String>) -> Result<f64, Invalid> {
        if self.contains(v) {
            return Ok(v);
        }
        let unit = if self.unit.is_empty() { String::new() } else { format!(" {}", self.unit) };
        let (max, got) = (fmt_limit(self.max), fmt_num(v));
        let message = if v.is_finite() && v > 0.0 && self.min > 0.0 && self.below_min(v) {
            let bound = if self.min_exclusive { "above" } else { "at least" };
            format!("must be {bound} {}{unit} ({}), got {got}", fmt_limit(self.min), self.why_min)
        } else if self.min_exclusive {
            format!("must be above {} and at most {max}{unit}, got {got}", fmt_limit(self.min))
        } else if self.min >= 1.0 {
            format!("must be from {} to {max}{unit}, got {got}", fmt_limit(self.min))
        } else if self.min > 0.0 {
            format!("must be > 0 and at most {max}{unit}, got {got}")
        } else {
            format!("must be >= 0 and at most {max}{unit}, got {got}")
        };
        Err(Invalid::new(path, message))
    }

    /// An optional value checked against the row, or `default`.
    pub(crate) fn or(&self, v: Option<f64>, default: f64, path: String) -> Result<f64, Invalid> {
        v.map_or(Ok(default), |x| self.check(x, path))
    }
}

/// A bound as the table writes it: `1e9`, `1e-6`, `0.01`, `40000`.
pub(crate) fn fmt_limit(v: f64) -> String {
    if v != 0.0 && !(1e-3..1e5).contains(&v.abs()) { format!("{v:e}") } else { fmt_num(v) }
}

pub(crate) fn fraction(v: Option<f64>, default: f64, path: String) -> Result<f64, Invalid> {
    match v {
        None => Ok(default),
        Some(x) if (0.0..=1.0).contains(&x) => Ok(x),
        Some(x) => Err(Invalid::new(path, format!("must be between 0 and 1, got {}", fmt_num(x)))),
    }
}

/// A whole count from 1 to `max`.
pub(crate) fn count<T>(
    v: Option<T>,
    default: T,
    max: T,
    path: String,
    what: &str,
) -> Result<T, Invalid>
where
    T: Copy + PartialOrd + From<u8> + std::fmt::Display,
{
    let c = v.unwrap_or(default);
    if c < T::from(1) || c > max {
        return Err(Invalid::new(path, format!("{what} must be from 1 to {max}, got {c}")));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_say_their_range_and_why() {
        let e = POSITIVE_DURATION_MS.check(5e-324, "x").unwrap_err();
        assert_eq!(
            e.message,
            "must be at least 1e-6 ms (1 ns, the resolution of the simulated clock), got 5e-324"
        );
        let e = POSITIVE_DURATION_MS.check(0.0, "x").unwrap_err();
        assert_eq!(e.message, "must be > 0 and at most 1e9 ms, got 0");
        let e = DURATION_MS.check(-1.0, "x").unwrap_err();
        assert_eq!(e.message, "must be >= 0 and at most 1e9 ms, got -1");
        let e = PARETO_SHAPE.check(1.0, "x").unwrap_err();
        assert!(e.message.starts_with("must be above 1 (a Pareto law"), "{}", e.message);
        let e = PARETO_SHAPE.check(2e6, "x").unwrap_err();
        assert_eq!(e.message, "must be above 1 and at most 1e6, got 2000000");
        let e = PARETO_SHAPE.check(0.5, "x").unwrap_err();
        assert!(e.message.contains("infinite mean"), "{}", e.message);
        assert!(!RATE_PER_S.contains(f64::NAN));
        assert!(PARETO_SHAPE.contains(1.5) && DURATION_MS.contains(0.0));
        // A row whose floor is 1 or more says its range, not "> 0".
        let e = SPIKE_FACTOR.check(20.0, "x").unwrap_err();
        assert_eq!(e.message, "must be from 1 to 10, got 20");
        let e = PACKETS_PER_S.check(0.0, "x").unwrap_err();
        assert_eq!(e.message, "must be from 1 to 1e12 packets per second, got 0");
        assert_eq!(
            count(Some(0u32), 1, 5, "c".into(), "n").unwrap_err().message,
            "n must be from 1 to 5, got 0"
        );
    }
}
