//! The `DateTime` header (RFC 3862 §4.4): an RFC 3339 `date-time`, such as
//! `2000-12-13T13:40:00-08:00`. Parsed into fields with the original text kept; nothing here
//! reads a clock (the caller gives the time it wants written).

use bytes::Bytes;

use crate::error::{ErrorKind, ParseError, Result};

/// An RFC 3339 `date-time`, as fields plus the exact text it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// Full year (`0000`–`9999`).
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–28/29/30/31.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
    /// Second, 0–60 (60 for a leap second).
    pub second: u8,
    /// Fraction of a second in nanoseconds (digits beyond the ninth are dropped).
    pub nanosecond: u32,
    /// Offset from UTC in minutes (`Z` and `+00:00` are 0; `-00:00` too, see RFC 3339 §4.3).
    pub offset_minutes: i16,
    text: Bytes,
}

impl DateTime {
    /// Parses `text` (which starts at `offset` in the message, for error locations).
    pub fn parse(text: Bytes, offset: usize) -> Result<Self> {
        let t: &[u8] = text.as_ref();
        let err = |i: usize| ParseError::new(ErrorKind::DateTime, offset + i);
        let num = |from: usize, n: usize| -> Result<u32> {
            let d = t.get(from..from + n).ok_or(err(from))?;
            d.iter().try_fold(0u32, |acc, &c| {
                if c.is_ascii_digit() {
                    Ok(acc * 10 + u32::from(c - b'0'))
                } else {
                    Err(err(from))
                }
            })
        };
        let lit = |at: usize, set: &[u8]| -> Result<()> {
            match t.get(at) {
                Some(c) if set.contains(c) => Ok(()),
                _ => Err(err(at)),
            }
        };
        let year = num(0, 4)?;
        lit(4, b"-")?;
        let month = num(5, 2)?;
        lit(7, b"-")?;
        let day = num(8, 2)?;
        lit(10, b"Tt")?;
        let hour = num(11, 2)?;
        lit(13, b":")?;
        let minute = num(14, 2)?;
        lit(16, b":")?;
        let second = num(17, 2)?;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(err(5)),
        };
        if day == 0 || day > days {
            return Err(err(8));
        }
        if hour > 23 {
            return Err(err(11));
        }
        if minute > 59 {
            return Err(err(14));
        }
        if second > 60 {
            return Err(err(17));
        }
        let mut i = 19;
        let mut nanosecond = 0u32;
        if t.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            let mut scale = 100_000_000u32;
            while let Some(&c) = t.get(i).filter(|c| c.is_ascii_digit()) {
                nanosecond += u32::from(c - b'0') * scale;
                scale /= 10;
                i += 1;
            }
            if i == start {
                return Err(err(i));
            }
        }
        let offset_minutes = match t.get(i) {
            Some(b'Z' | b'z') => {
                i += 1;
                0
            }
            Some(&sign @ (b'+' | b'-')) => {
                let oh = num(i + 1, 2)?;
                lit(i + 3, b":")?;
                let om = num(i + 4, 2)?;
                if oh > 23 || om > 59 {
                    return Err(err(i + 1));
                }
                let m = i16::try_from(oh * 60 + om).map_err(|_| err(i + 1))?;
                i += 6;
                if sign == b'-' { -m } else { m }
            }
            _ => return Err(err(i)),
        };
        if i != t.len() {
            return Err(err(i));
        }
        let narrow = |v: u32, at: usize| u8::try_from(v).map_err(|_| err(at));
        Ok(Self {
            year: u16::try_from(year).map_err(|_| err(0))?,
            month: narrow(month, 5)?,
            day: narrow(day, 8)?,
            hour: narrow(hour, 11)?,
            minute: narrow(minute, 14)?,
            second: narrow(second, 17)?,
            nanosecond,
            offset_minutes,
            text,
        })
    }

    /// Parses a `date-time` given by the caller (e.g. for a builder).
    pub fn from_text(text: &str) -> Result<Self> {
        Self::parse(Bytes::copy_from_slice(text.as_bytes()), 0)
    }

    /// The exact text it was parsed from.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rfc_examples() {
        let d = DateTime::from_text("2000-12-13T13:40:00-08:00").unwrap();
        assert_eq!(
            (d.year, d.month, d.day, d.hour, d.minute, d.second),
            (2000, 12, 13, 13, 40, 0)
        );
        assert_eq!(d.offset_minutes, -480);
        let z = DateTime::from_text("1985-04-12T23:20:50.52Z").unwrap();
        assert_eq!(z.nanosecond, 520_000_000);
        assert_eq!(z.offset_minutes, 0);
        assert_eq!(z.as_bytes(), b"1985-04-12T23:20:50.52Z");
        assert!(DateTime::from_text("1990-12-31T23:59:60Z").is_ok());
        assert!(DateTime::from_text("2004-02-29T00:00:00+05:30").is_ok());
    }

    #[test]
    fn errors_located() {
        let e = |s: &str| DateTime::parse(Bytes::copy_from_slice(s.as_bytes()), 50).unwrap_err();
        assert_eq!(
            e("2001-02-29T00:00:00Z"),
            ParseError::new(ErrorKind::DateTime, 58)
        );
        assert_eq!(
            e("2001-13-01T00:00:00Z"),
            ParseError::new(ErrorKind::DateTime, 55)
        );
        assert_eq!(
            e("2001-01-01 00:00:00Z"),
            ParseError::new(ErrorKind::DateTime, 60)
        );
        assert_eq!(
            e("2001-01-01T00:00:00"),
            ParseError::new(ErrorKind::DateTime, 69)
        );
        assert_eq!(
            e("2001-01-01T00:00:00Zx"),
            ParseError::new(ErrorKind::DateTime, 70)
        );
        assert_eq!(
            e("2001-01-01T00:00:00."),
            ParseError::new(ErrorKind::DateTime, 70)
        );
    }
}
