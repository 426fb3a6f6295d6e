//! `a=file-date` (RFC 5547 §6).

use core::fmt;
use core::ops::Range;

use bytes::Bytes;

use super::scan::{check_line_safe, err, split_items, sub, write_bytes};
use crate::Result;

/// `a=file-date:<date-param> *(SP <date-param>)` (RFC 5547 §6), each one of
/// `creation:"<date>"`, `modification:"<date>"`, `read:"<date>"`, in any order, each at most
/// once, at least one. The dates are RFC 5322 `date-time` texts, kept as written (not parsed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileDate {
    raw: Bytes,
    creation: Option<Range<usize>>,
    modification: Option<Range<usize>>,
    read: Option<Range<usize>>,
}

/// The three date parameters, in canonical order.
const KEYS: [&[u8]; 3] = [b"creation:", b"modification:", b"read:"];

impl FileDate {
    /// The attribute name.
    pub const NAME: &'static str = "file-date";

    /// Parses the date parameters. A date must be non-empty and hold no DQUOTE.
    pub fn parse(value: &Bytes) -> Result<Self> {
        check_line_safe(value)?;
        let spans = split_items(value, false)?;
        if spans.is_empty() {
            return Err(err(value.len()));
        }
        let mut dates: [Option<Range<usize>>; 3] = [None, None, None];
        for span in spans {
            let item = sub(value, span.clone());
            let (slot, key) = dates
                .iter_mut()
                .zip(KEYS)
                .find(|(_, k)| {
                    item.get(..k.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(k))
                })
                .ok_or(err(span.start))?;
            if slot.is_some() {
                return Err(err(span.start));
            }
            let open = span.start + key.len();
            // `"` date `"` and nothing after: the splitter guarantees the quote is closed.
            let text = sub(value, open..span.end);
            let ok = text.len() > 2 && text.first() == Some(&b'"') && text.last() == Some(&b'"');
            if !ok || sub(text, 1..text.len() - 1).contains(&b'"') {
                return Err(err(open));
            }
            *slot = Some(open + 1..span.end - 1);
        }
        let [creation, modification, read] = dates;
        Ok(Self {
            raw: value.clone(),
            creation,
            modification,
            read,
        })
    }

    /// A builder writing the canonical `creation:"..." modification:"..." read:"..."`.
    #[must_use]
    pub fn builder() -> FileDateBuilder {
        FileDateBuilder::default()
    }

    /// The creation date text, without its quotes.
    #[must_use]
    pub fn creation(&self) -> Option<&[u8]> {
        self.creation.clone().map(|r| sub(&self.raw, r))
    }

    /// The modification date text, without its quotes.
    #[must_use]
    pub fn modification(&self) -> Option<&[u8]> {
        self.modification.clone().map(|r| sub(&self.raw, r))
    }

    /// The last read date text, without its quotes.
    #[must_use]
    pub fn read(&self) -> Option<&[u8]> {
        self.read.clone().map(|r| sub(&self.raw, r))
    }
}

impl fmt::Display for FileDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bytes(f, &self.raw)
    }
}

super::typed_attribute!(FileDate);

/// Builds a [`FileDate`]; dates are RFC 5322 `date-time` texts such as
/// `Sun, 21 May 2006 13:02:15 +0200`.
#[derive(Debug, Clone, Default)]
pub struct FileDateBuilder {
    dates: [Option<String>; 3],
}

impl FileDateBuilder {
    /// Sets the creation date.
    #[must_use]
    pub fn creation(mut self, date: &str) -> Self {
        self.dates[0] = Some(date.to_owned());
        self
    }

    /// Sets the modification date.
    #[must_use]
    pub fn modification(mut self, date: &str) -> Self {
        self.dates[1] = Some(date.to_owned());
        self
    }

    /// Sets the last read date.
    #[must_use]
    pub fn read(mut self, date: &str) -> Self {
        self.dates[2] = Some(date.to_owned());
        self
    }

    /// The value; errors (no date, a date with a DQUOTE or a line break) are located in the
    /// written text.
    pub fn build(self) -> Result<FileDate> {
        let mut text = String::new();
        for (key, date) in KEYS.iter().zip(&self.dates) {
            if let Some(date) = date {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&String::from_utf8_lossy(key));
                text.push('"');
                text.push_str(date);
                text.push('"');
            }
        }
        FileDate::parse(&Bytes::from(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // REQ: SDP-2
    #[test]
    fn rfc5547_example() {
        let v =
            r#"creation:"Mon, 15 May 2006 15:01:31 +0300" read:"Tue, 16 May 2006 10:00:00 +0300""#;
        let d = FileDate::parse(&Bytes::from_static(v.as_bytes())).unwrap();
        assert_eq!(d.creation().unwrap(), b"Mon, 15 May 2006 15:01:31 +0300");
        assert_eq!(d.read().unwrap(), b"Tue, 16 May 2006 10:00:00 +0300");
        assert!(d.modification().is_none());
        assert_eq!(d.to_string(), v);
        let again = FileDate::parse(&Bytes::from(d.to_string())).unwrap();
        assert_eq!(again, d);
    }

    #[test]
    fn any_order_and_builder() {
        let v = r#"read:"a"  modification:"b""#;
        let d = FileDate::parse(&Bytes::from_static(v.as_bytes())).unwrap();
        assert_eq!(
            (d.read(), d.modification()),
            (Some(&b"a"[..]), Some(&b"b"[..]))
        );
        let built = FileDate::builder()
            .read("Tue, 16 May 2006 10:00:00 +0300")
            .creation("Mon, 15 May 2006 15:01:31 +0300")
            .build()
            .unwrap();
        assert_eq!(
            built.to_string(),
            r#"creation:"Mon, 15 May 2006 15:01:31 +0300" read:"Tue, 16 May 2006 10:00:00 +0300""#
        );
        assert!(FileDate::builder().build().is_err());
        assert!(FileDate::builder().read("x\"y").build().is_err());
        assert!(FileDate::builder().read("").build().is_err());
    }

    #[test]
    fn located_errors() {
        let p = |s: &'static str| FileDate::parse(&Bytes::from_static(s.as_bytes())).unwrap_err();
        assert_eq!(p(r#"creation:"a" birth:"b""#).offset, 13);
        assert_eq!(p(r#"read:"a" read:"b""#).offset, 9);
        assert_eq!(p(r#"read:a"#).offset, 5);
        assert_eq!(p(r#"read:"a"#).offset, 5);
        assert_eq!(p(r#"read:"a"x"#).offset, 5);
        assert_eq!(p("").offset, 0);
    }
}
