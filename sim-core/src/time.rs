//! Simulated time: an integer count of nanoseconds.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds in one millisecond.
const NS_PER_MS: f64 = 1e6;

/// An instant of simulated time, in nanoseconds since the start of a run.
///
/// Time is an integer so that event order never depends on floating-point
/// rounding; `u64` nanoseconds span about 584 years of simulated time.
/// Convert to milliseconds only when reporting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);

    /// The instant `ns` nanoseconds after the start.
    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }

    /// Nanoseconds since the start.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Milliseconds since the start, for reporting.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / NS_PER_MS
    }

    /// The time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of `ns` nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        SimDuration(ns)
    }

    /// The span in nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The span in milliseconds, for reporting.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / NS_PER_MS
    }

    /// Converts a duration in milliseconds to nanoseconds, rounding to the
    /// nearest nanosecond. This is the one place where scenario milliseconds
    /// become engine time.
    ///
    /// Returns `None` when `ms` is negative, not finite, or too large for
    /// `u64` nanoseconds (about 584 years).
    pub fn from_millis_f64(ms: f64) -> Option<Self> {
        let ns = (ms * NS_PER_MS).round();
        // u64::MAX as f64 rounds up to 2^64, so compare with `<`.
        (ms.is_finite() && ns >= 0.0 && ns < u64::MAX as f64).then_some(SimDuration(ns as u64))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;

    /// Advances the instant.
    ///
    /// # Panics
    ///
    /// Panics if the result overflows `u64` nanoseconds; scenario validation
    /// bounds every duration so that a valid run cannot reach that.
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.checked_add(d.0).expect("simulated time overflowed u64 nanoseconds"))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub for SimTime {
    type Output = SimDuration;

    /// The span between two instants.
    ///
    /// # Panics
    ///
    /// Panics if `rhs` is later than `self`.
    fn sub(self, rhs: SimTime) -> SimDuration {
        SimDuration(self.0.checked_sub(rhs.0).expect("subtracted a later instant"))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6} ms", self.as_millis_f64())
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6} ms", self.as_millis_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_round_once_to_nearest_nanosecond() {
        assert_eq!(SimDuration::from_millis_f64(0.3).unwrap().as_nanos(), 300_000);
        assert_eq!(SimDuration::from_millis_f64(1.000_000_4).unwrap().as_nanos(), 1_000_000);
        assert_eq!(SimDuration::from_millis_f64(1.000_000_6).unwrap().as_nanos(), 1_000_001);
        assert_eq!(SimDuration::from_millis_f64(0.0).unwrap(), SimDuration::ZERO);
    }

    #[test]
    fn invalid_millis_are_refused() {
        assert!(SimDuration::from_millis_f64(-1.0).is_none());
        assert!(SimDuration::from_millis_f64(f64::NAN).is_none());
        assert!(SimDuration::from_millis_f64(f64::INFINITY).is_none());
        assert!(SimDuration::from_millis_f64(1e20).is_none());
    }

    #[test]
    fn arithmetic_is_exact() {
        let t = SimTime::from_nanos(5) + SimDuration::from_nanos(7);
        assert_eq!(t.as_nanos(), 12);
        assert_eq!(t - SimTime::from_nanos(2), SimDuration::from_nanos(10));
        assert_eq!(SimTime::from_nanos(2).saturating_since(t), SimDuration::ZERO);
    }
}
