//! Wall-clock times of stored messages: [`Timestamp`], milliseconds since the Unix epoch,
//! always given by the caller (nothing here reads a clock), written as RFC 3339 (the CPIM
//! `DateTime`, RFC 3862 §4.4, and the transcript documents) or as an RFC 1123 date (the SIP
//! `Date` header, RFC 3261 §20.17, that seed 004 App. H adds to a `message/sip` body).

use core::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds in a day.
const DAY_MS: u64 = 86_400_000;
/// 9999-12-31T23:59:59.999Z: the last instant a four-digit RFC 3339 year can write. Later
/// times are written as this one.
const MAX_MS: u64 = 253_402_300_799_999;

/// When a message was received, in milliseconds since 1970-01-01T00:00:00Z (UTC, leap
/// seconds ignored as Unix time does). The caller reads its clock and passes the value in;
/// the library only stores, compares and formats it.
///
/// ```
/// use simpleim_focus::deferred::Timestamp;
///
/// let t = Timestamp::from_unix_seconds(1_014_296_523);
/// assert_eq!(t.to_rfc3339(), "2002-02-21T13:02:03Z");
/// assert_eq!(t.to_sip_date(), "Thu, 21 Feb 2002 13:02:03 GMT");
/// assert_eq!(Timestamp::parse_rfc3339("2002-02-21T14:02:03+01:00"), Some(t));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp(u64);

impl Timestamp {
    /// A time `ms` milliseconds after the Unix epoch.
    #[must_use]
    pub const fn from_unix_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// A time `s` seconds after the Unix epoch (saturating).
    #[must_use]
    pub const fn from_unix_seconds(s: u64) -> Self {
        Self(s.saturating_mul(1000))
    }

    /// The time of a [`SystemTime`] the caller read (a time before the epoch is the epoch).
    #[must_use]
    pub fn from_system_time(t: SystemTime) -> Self {
        let ms = t
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub const fn unix_millis(self) -> u64 {
        self.0
    }

    /// RFC 3339 in UTC: `2002-02-21T13:02:03Z`, with `.mmm` when the milliseconds are not
    /// zero. Times past year 9999 are written as 9999-12-31T23:59:59.999Z.
    #[must_use]
    pub fn to_rfc3339(self) -> String {
        let c = Civil::of(self.0);
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        );
        if c.millis != 0 {
            s.push_str(&format!(".{:03}", c.millis));
        }
        s.push('Z');
        s
    }

    /// The SIP `Date` form (RFC 3261 §20.17, the RFC 1123 date of RFC 2822 in GMT):
    /// `Thu, 21 Feb 2002 13:02:03 GMT`. Milliseconds are dropped.
    #[must_use]
    pub fn to_sip_date(self) -> String {
        const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let c = Civil::of(self.0);
        let weekday = DAYS.get(c.weekday).copied().unwrap_or("Thu");
        let month = MONTHS
            .get(usize::from(c.month).saturating_sub(1))
            .copied()
            .unwrap_or("Jan");
        format!(
            "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
            c.day, c.year, c.hour, c.minute, c.second
        )
    }

    /// Reads an RFC 3339 `date-time` (any offset; fractions beyond milliseconds are
    /// dropped). `None` for malformed text or a time before the epoch.
    #[must_use]
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let dt = simpleim_cpim::DateTime::from_text(text).ok()?;
        let days = days_from_civil(i64::from(dt.year), dt.month, dt.day);
        let seconds = days
            .checked_mul(86_400)?
            .checked_add(i64::from(dt.hour) * 3600)?
            .checked_add(i64::from(dt.minute) * 60)?
            // A leap second (60) counts as the next second's first instant.
            .checked_add(i64::from(dt.second))?
            .checked_sub(i64::from(dt.offset_minutes) * 60)?;
        let ms = seconds
            .checked_mul(1000)?
            .checked_add(i64::from(dt.nanosecond / 1_000_000))?;
        u64::try_from(ms).ok().map(Self)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// A time split into calendar fields (proleptic Gregorian, UTC).
struct Civil {
    year: u64,
    month: u8,
    day: u8,
    hour: u64,
    minute: u64,
    second: u64,
    millis: u64,
    /// 0 = Sunday.
    weekday: usize,
}

impl Civil {
    fn of(ms: u64) -> Self {
        let ms = ms.min(MAX_MS);
        let days = ms / DAY_MS;
        let in_day = ms % DAY_MS;
        let (year, month, day) = civil_from_days(days);
        Self {
            year,
            month,
            day,
            hour: in_day / 3_600_000,
            minute: in_day / 60_000 % 60,
            second: in_day / 1000 % 60,
            millis: in_day % 1000,
            // 1970-01-01 was a Thursday.
            weekday: usize::try_from((days + 4) % 7).unwrap_or(4),
        }
    }
}

/// Year, month (1-12) and day (1-31) of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`, for non-negative counts).
fn civil_from_days(days: u64) -> (u64, u8, u8) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (
        year,
        u8::try_from(month).unwrap_or(1),
        u8::try_from(day).unwrap_or(1),
    )
}

/// Days since 1970-01-01 of a calendar date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let epoch = Timestamp::from_unix_millis(0);
        assert_eq!(epoch.to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(epoch.to_sip_date(), "Thu, 01 Jan 1970 00:00:00 GMT");
        let leap = Timestamp::parse_rfc3339("2024-02-29T23:59:59.5Z").unwrap();
        assert_eq!(leap.to_rfc3339(), "2024-02-29T23:59:59.500Z");
        assert_eq!(leap.to_sip_date(), "Thu, 29 Feb 2024 23:59:59 GMT");
        for ms in [
            0,
            1,
            999,
            86_399_999,
            951_782_400_000,
            4_102_444_800_123,
            MAX_MS,
        ] {
            let t = Timestamp::from_unix_millis(ms);
            assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t), "{ms}");
        }
        assert_eq!(
            Timestamp::from_unix_millis(u64::MAX).to_rfc3339(),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(Timestamp::parse_rfc3339("1969-12-31T23:59:59Z"), None);
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }
}
