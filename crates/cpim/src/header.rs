//! One header line of a CPIM header block (RFC 3862 §3.1):
//!
//! ```text
//! Header       = Header-name ":" *( ";" Parameter ) SP Header-value CRLF
//! Header-name  = [ Name-prefix "." ] Name
//! Parameter    = Param-name [ "=" Param-value ]
//! Param-value  = Token / Number / String
//! ```
//!
//! It keeps its exact bytes (a `Bytes` slice of the message). The encapsulated MIME headers
//! are a [`crate::mime::MimeHeaders`] block.

use std::borrow::Cow;

use bytes::Bytes;

use crate::chars::{is_ctl, is_namechar, is_tokenchar};
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{string_len, unescape};
use crate::ns::NsRef;

/// A CPIM header: `[Prefix.]Name:[;params] value`, exactly as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header {
    line: Bytes,
    offset: usize,
    dot: Option<usize>,
    name_end: usize,
    params_end: usize,
    value_start: usize,
    pub(crate) ns: NsRef,
}

impl Header {
    /// Parses one line (without its CRLF) that starts at `offset` in the message. `lenient`
    /// accepts a missing SP before an empty value (`Subject:`).
    pub(crate) fn parse(line: Bytes, offset: usize, lenient: bool) -> Result<Self> {
        let at = |kind, i: usize| ParseError::new(kind, offset + i);
        let b: &[u8] = line.as_ref();
        let mut i = 0;
        let mut dot = None;
        while let Some(&c) = b.get(i) {
            if c == b'.' && dot.is_none() && i > 0 {
                dot = Some(i);
            } else if !is_namechar(c) {
                break;
            }
            i += 1;
        }
        let name_end = i;
        if name_end == 0 || dot.is_some_and(|d| d + 1 == name_end) {
            return Err(at(ErrorKind::HeaderName, 0));
        }
        if b.get(i) != Some(&b':') {
            let kind = match b.get(i) {
                Some(b'.') | None => ErrorKind::HeaderName,
                Some(_) if b.get(i..).is_some_and(|r| r.contains(&b':')) => ErrorKind::HeaderName,
                Some(_) => ErrorKind::HeaderColon,
            };
            return Err(at(kind, i));
        }
        i += 1;
        // *( ";" Parameter )
        while b.get(i) == Some(&b';') {
            i += 1;
            let start = i;
            while b.get(i).copied().is_some_and(is_namechar) {
                i += 1;
            }
            if i == start {
                return Err(at(ErrorKind::HeaderValue, i));
            }
            if b.get(i) == Some(&b'=') {
                i += 1;
                if b.get(i) == Some(&b'"') {
                    let len = b
                        .get(i..)
                        .and_then(string_len)
                        .ok_or(at(ErrorKind::QuotedString, i))?;
                    i += len;
                } else {
                    let start = i;
                    while b.get(i).copied().is_some_and(is_tokenchar) {
                        i += 1;
                    }
                    if i == start {
                        return Err(at(ErrorKind::HeaderValue, i));
                    }
                }
            }
        }
        let params_end = i;
        let value_start = match b.get(i) {
            Some(b' ') => i + 1,
            None if lenient => i,
            _ => return Err(at(ErrorKind::HeaderColon, i)),
        };
        if let Some(p) = b
            .get(value_start..)
            .and_then(|v| v.iter().position(|&c| is_ctl(c) && c != b'\t'))
        {
            return Err(at(ErrorKind::HeaderValue, value_start + p));
        }
        Ok(Self {
            line,
            offset,
            dot,
            name_end,
            params_end,
            value_start,
            ns: NsRef::Cpim,
        })
    }

    /// The whole line, without its CRLF.
    #[must_use]
    pub fn line(&self) -> &Bytes {
        &self.line
    }

    /// Where the line starts, in bytes from the start of the message.
    #[must_use]
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The header name as written, prefix included (`MyFeatures.VitalMessageOption`).
    #[must_use]
    pub fn full_name(&self) -> &[u8] {
        self.line.get(..self.name_end).unwrap_or_default()
    }

    /// The namespace prefix, if the name has one (`MyFeatures`).
    #[must_use]
    pub fn prefix(&self) -> Option<&[u8]> {
        self.dot.and_then(|d| self.line.get(..d))
    }

    /// The name without its prefix (`VitalMessageOption`).
    #[must_use]
    pub fn name(&self) -> &[u8] {
        let start = self.dot.map_or(0, |d| d + 1);
        self.line.get(start..self.name_end).unwrap_or_default()
    }

    /// How the prefix resolved (see [`crate::Namespaces::uri_of`]).
    #[must_use]
    pub const fn ns(&self) -> NsRef {
        self.ns
    }

    /// The parameters as written, each with its leading `;` (`;lang=fr`), possibly empty.
    #[must_use]
    pub fn raw_params(&self) -> &[u8] {
        self.line
            .get(self.name_end + 1..self.params_end)
            .unwrap_or_default()
    }

    /// The parameters: name and value (a `String` value unquoted and unescaped; `None` for
    /// a parameter without `=`).
    pub fn params(&self) -> impl Iterator<Item = (&[u8], Option<Cow<'_, [u8]>>)> + '_ {
        let raw = self.raw_params();
        let mut i = 0;
        core::iter::from_fn(move || {
            if raw.get(i) != Some(&b';') {
                return None;
            }
            i += 1;
            let start = i;
            while raw.get(i).copied().is_some_and(is_namechar) {
                i += 1;
            }
            let name = raw.get(start..i).unwrap_or_default();
            if raw.get(i) != Some(&b'=') {
                return Some((name, None));
            }
            i += 1;
            let vstart = i;
            let value = if raw.get(i) == Some(&b'"') {
                let len = raw.get(i..).and_then(string_len).unwrap_or(0);
                i += len;
                let inner = raw.get(vstart + 1..i.saturating_sub(1)).unwrap_or_default();
                unescape(inner).unwrap_or(Cow::Borrowed(inner))
            } else {
                while raw.get(i).copied().is_some_and(is_tokenchar) {
                    i += 1;
                }
                Cow::Borrowed(raw.get(vstart..i).unwrap_or_default())
            };
            Some((name, Some(value)))
        })
    }

    /// The value of parameter `name` (compared ASCII case-insensitively).
    #[must_use]
    pub fn param(&self, name: &str) -> Option<Cow<'_, [u8]>> {
        self.params()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .and_then(|(_, v)| v)
    }

    /// The value exactly as written (escapes not resolved).
    #[must_use]
    pub fn raw_value(&self) -> &[u8] {
        self.line.get(self.value_start..).unwrap_or_default()
    }

    /// The value as a `Bytes` slice of the message (escapes not resolved).
    #[must_use]
    pub fn raw_value_bytes(&self) -> Bytes {
        self.line.slice(self.value_start.min(self.line.len())..)
    }

    /// Where the value starts, in bytes from the start of the message.
    #[must_use]
    pub const fn value_offset(&self) -> usize {
        self.offset + self.value_start
    }

    /// The value with its `\` escapes resolved (RFC 3862 §3.2); an error is located in the
    /// message.
    pub fn value(&self) -> Result<Cow<'_, [u8]>> {
        unescape(self.raw_value()).map_err(|(k, i)| ParseError::new(k, self.value_offset() + i))
    }

    /// True when the local name is `name` (ASCII case-insensitive, for tolerance).
    #[must_use]
    pub fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn h(s: &str) -> Result<Header> {
        Header::parse(Bytes::copy_from_slice(s.as_bytes()), 100, false)
    }

    #[test]
    fn names_params_values() {
        let x = h("Subject:;lang=fr beau temps").unwrap();
        assert_eq!(x.name(), b"Subject");
        assert_eq!(x.prefix(), None);
        assert_eq!(x.param("lang").as_deref(), Some(&b"fr"[..]));
        assert_eq!(x.raw_value(), b"beau temps");
        let y = h("MyFeatures.VitalMessageOption: Confirmation-requested").unwrap();
        assert_eq!(y.prefix(), Some(&b"MyFeatures"[..]));
        assert_eq!(y.name(), b"VitalMessageOption");
        let z = h(r#"X:;a;b="q\"x" v"#).unwrap();
        let ps: Vec<_> = z.params().collect();
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[1].1.as_deref(), Some(&b"q\"x"[..]));
    }

    #[test]
    fn located_errors() {
        assert_eq!(
            h("From:x").unwrap_err(),
            ParseError::new(ErrorKind::HeaderColon, 105)
        );
        assert_eq!(h("From x").unwrap_err().kind, ErrorKind::HeaderColon);
        assert_eq!(
            h("Fr@m: x").unwrap_err(),
            ParseError::new(ErrorKind::HeaderName, 102)
        );
        assert_eq!(
            h(": x").unwrap_err(),
            ParseError::new(ErrorKind::HeaderName, 100)
        );
        assert_eq!(h("a.: x").unwrap_err().kind, ErrorKind::HeaderName);
        assert_eq!(h("a.b.c: x").unwrap_err().kind, ErrorKind::HeaderName);
        assert_eq!(
            h("S: a\u{1}b").unwrap_err(),
            ParseError::new(ErrorKind::HeaderValue, 104)
        );
        assert!(Header::parse(Bytes::from_static(b"Subject:"), 0, true).is_ok());
    }
}
