//! Calendar dates as scenario files and flags write them (`"2027-03-31"`):
//! certificate expiry dates and `validate --today`. A date is a day count
//! from 1970-01-01 in the proleptic Gregorian calendar (UTC), so two dates
//! compare and subtract as integers.
//!
//! The conversion is Howard Hinnant's `days_from_civil` / `civil_from_days`
//! ("chrono-Compatible Low-Level Date Algorithms", 2013), exact for every
//! date this module accepts; about thirty lines, so no date crate.

use crate::file::limits::{MAX_YEAR, MIN_YEAR};

/// A calendar day (UTC), from [`MIN_YEAR`] to [`MAX_YEAR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

impl Date {
    /// The date `y-m-d`, or `None` when the day does not exist (a 30
    /// February, a month 13) or the year lies outside the limit table.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<Date> {
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        if !(MIN_YEAR..=MAX_YEAR).contains(&y) || !(1..=12).contains(&m) {
            return None;
        }
        if d == 0 || d > month_days[m as usize - 1] {
            return None;
        }
        // days_from_civil: years start in March, so the leap day ends one.
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = i64::from((m + 9) % 12);
        let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date { days: era * 146_097 + doe - 719_468 })
    }

    /// The day that holds `secs` seconds after 1970-01-01T00:00:00Z, or
    /// `None` outside the accepted years.
    pub fn from_unix_seconds(secs: i64) -> Option<Date> {
        let d = Date { days: secs.div_euclid(86_400) };
        let (y, _, _) = d.ymd();
        (MIN_YEAR..=MAX_YEAR).contains(&y).then_some(d)
    }

    /// Today, by the system clock (UTC).
    ///
    /// # Errors
    ///
    /// Fails when the clock is before 1970 or after [`MAX_YEAR`].
    pub fn today() -> Result<Date, String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| "the system clock is before 1970: give --today YYYY-MM-DD".to_string())?;
        Date::from_unix_seconds(i64::try_from(now.as_secs()).unwrap_or(i64::MAX))
            .ok_or_else(|| "the system clock is out of range: give --today YYYY-MM-DD".into())
    }

    /// (year, month, day): civil_from_days.
    pub fn ymd(self) -> (i64, u32, u32) {
        let z = self.days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (yoe + era * 400 + i64::from(m <= 2), m, d)
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days - self.days
    }
}

impl std::fmt::Display for Date {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl std::str::FromStr for Date {
    type Err = String;

    /// `YYYY-MM-DD`, exactly (four-digit year, two-digit month and day).
    fn from_str(s: &str) -> Result<Date, String> {
        let bad = || {
            format!(
                "{s:?} is not a date: write YYYY-MM-DD, a day that exists, in the years {MIN_YEAR} to {MAX_YEAR} (e.g. \"2027-03-31\")"
            )
        };
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            s.get(r).filter(|t| t.bytes().all(|c| c.is_ascii_digit()))?.parse().ok()
        };
        match (digits(0..4), digits(5..7), digits(8..10)) {
            (Some(y), Some(m), Some(d)) => Date::from_ymd(i64::from(y), m, d).ok_or_else(bad),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_count_days_as_the_calendar_does() {
        let epoch: Date = "1970-01-01".parse().unwrap();
        assert_eq!(epoch.days, 0);
        let d: Date = "2000-03-01".parse().unwrap();
        // 30 years of 365 days, 7 leap days (1972..1996), then Jan + Feb 2000 (leap).
        assert_eq!(d.days, 30 * 365 + 7 + 31 + 29);
        assert_eq!(d.to_string(), "2000-03-01");
        let a: Date = "2026-12-31".parse().unwrap();
        let b: Date = "2027-01-30".parse().unwrap();
        assert_eq!(a.days_until(b), 30);
        assert_eq!(b.days_until(a), -30);
        for s in ["2024-02-29", "1999-12-31", "2100-02-28", "9999-12-31"] {
            assert_eq!(s.parse::<Date>().unwrap().to_string(), s);
        }
        for bad in
            ["2023-02-29", "2100-02-29", "2027-13-01", "2027-00-10", "27-01-01", "2027/01/01"]
        {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert!("2027-1-01".parse::<Date>().is_err() && "+027-01-01".parse::<Date>().is_err());
        assert_eq!(Date::from_unix_seconds(86_400 * 365 - 1), "1970-12-31".parse().ok());
    }
}
