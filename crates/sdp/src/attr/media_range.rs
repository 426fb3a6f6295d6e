//! One `format-entry` of RFC 4975 §8.6: `type/subtype`, `type/*` or `*`, with optional
//! `;name=value` parameters.

use core::fmt;
use core::ops::Range;

use bytes::Bytes;

use super::scan::{check_line_safe, check_token, err, is_token_char, sub, write_bytes};
use crate::Result;

/// A media range as listed in `accept-types`, `accept-wrapped-types` or a file type
/// (RFC 4975 §8.6 `format-entry`): `type/subtype`, `type/*` or `*`, plus parameters.
///
/// Holds a `Bytes` slice of the attribute value; comparisons of type and subtype ignore ASCII
/// case (MIME types are case-insensitive) and ignore parameters (RFC 4975 §8.6: "a
/// format-entry with one or more parameters is assumed to match the same format-entry with no
/// parameters").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaRange {
    bytes: Bytes,
    /// Position of the `/`; `None` for the bare `*`.
    slash: Option<usize>,
    /// Where the parameters start (the first `;`), or the length.
    params_at: usize,
}

impl MediaRange {
    /// `*`: any media type.
    #[must_use]
    pub fn any() -> Self {
        Self {
            bytes: Bytes::from_static(b"*"),
            slash: None,
            params_at: 1,
        }
    }

    /// `type/subtype` (either may be `*` for the subtype only). Errors are located in the text
    /// `type/subtype`.
    pub fn new(media_type: &str, subtype: &str) -> Result<Self> {
        let text = Bytes::from(format!("{media_type}/{subtype}"));
        Self::parse(&text)
    }

    /// `type/*`: any subtype of `media_type`.
    pub fn any_subtype(media_type: &str) -> Result<Self> {
        Self::new(media_type, "*")
    }

    /// Parses one entry that makes up the whole of `value`.
    pub fn parse(value: &Bytes) -> Result<Self> {
        check_line_safe(value)?;
        Self::parse_span(value, 0..value.len(), true)
    }

    /// Parses `value[span]`; errors are located in `value`. With `backslash`, parameter values
    /// are RFC 3261 quoted-strings, without it RFC 5547 DQUOTE strings.
    pub(crate) fn parse_span(value: &Bytes, span: Range<usize>, backslash: bool) -> Result<Self> {
        let base = span.start;
        let e = sub(value, span.clone());
        if e == b"*" {
            return Ok(Self {
                bytes: value.slice(span),
                slash: None,
                params_at: 1,
            });
        }
        let slash = e.iter().position(|&b| b == b'/').ok_or(err(base))?;
        check_token(sub(e, 0..slash), base)?;
        let rest = sub(e, slash + 1..e.len());
        let sub_len = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
        let subtype = sub(rest, 0..sub_len);
        if subtype != b"*" {
            check_token(subtype, base + slash + 1)?;
        }
        let params_at = slash + 1 + sub_len;
        check_params(e, params_at, base, backslash)?;
        Ok(Self {
            bytes: value.slice(span),
            slash: Some(slash),
            params_at,
        })
    }

    /// The exact bytes of the entry, parameters included.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The type (`text` in `text/plain`); `*` for the bare `*`.
    #[must_use]
    pub fn media_type(&self) -> &[u8] {
        match self.slash {
            Some(s) => sub(&self.bytes, 0..s),
            None => b"*",
        }
    }

    /// The subtype (`plain` in `text/plain`); `*` for `type/*` and for the bare `*`.
    #[must_use]
    pub fn subtype(&self) -> &[u8] {
        match self.slash {
            Some(s) => sub(&self.bytes, s + 1..self.params_at),
            None => b"*",
        }
    }

    /// The parameters as written, without the leading `;` (empty when there are none).
    #[must_use]
    pub fn params(&self) -> &[u8] {
        sub(&self.bytes, self.params_at + 1..self.bytes.len())
    }

    /// Whether this is the bare `*` (or the HTTP-style `*/*`, read the same way).
    #[must_use]
    pub fn is_any(&self) -> bool {
        self.media_type() == b"*"
    }

    /// Whether the subtype is `*` (true for `type/*` and for the bare `*`).
    #[must_use]
    pub fn is_any_subtype(&self) -> bool {
        self.subtype() == b"*"
    }

    /// Whether a body of `media_type/subtype` is acceptable under this range (RFC 4975 §8.6:
    /// `*` accepts anything, `type/*` any subtype of `type`). Case-insensitive.
    #[must_use]
    pub fn matches(&self, media_type: &[u8], subtype: &[u8]) -> bool {
        self.is_any()
            || (self.media_type().eq_ignore_ascii_case(media_type)
                && (self.is_any_subtype() || self.subtype().eq_ignore_ascii_case(subtype)))
    }

    /// Whether every type that `other` names is also accepted by `self`: `*` covers
    /// everything, `text/*` covers `text/*` and `text/plain`, `text/plain` only itself.
    #[must_use]
    pub fn covers(&self, other: &Self) -> bool {
        if self.is_any() {
            return true;
        }
        if other.is_any() || !self.media_type().eq_ignore_ascii_case(other.media_type()) {
            return false;
        }
        self.is_any_subtype()
            || (!other.is_any_subtype() && self.subtype().eq_ignore_ascii_case(other.subtype()))
    }

    /// Whether `self` and `other` name the same type and subtype (parameters ignored).
    #[must_use]
    pub fn same_type(&self, other: &Self) -> bool {
        self.media_type().eq_ignore_ascii_case(other.media_type())
            && self.subtype().eq_ignore_ascii_case(other.subtype())
    }
}

/// Checks `*( ";" attribute "=" value )` from `e[at..]`.
fn check_params(e: &[u8], mut at: usize, base: usize, backslash: bool) -> Result<()> {
    while at < e.len() {
        if e.get(at) != Some(&b';') {
            return Err(err(base + at));
        }
        at += 1;
        let name_len = sub(e, at..e.len())
            .iter()
            .position(|&b| !is_token_char(b) || b == b'=')
            .unwrap_or(e.len() - at);
        if name_len == 0 || e.get(at + name_len) != Some(&b'=') {
            return Err(err(base + at + name_len));
        }
        at += name_len + 1;
        if e.get(at) == Some(&b'"') {
            at = quoted_end(e, at, backslash).ok_or(err(base + at))?;
        } else {
            let len = sub(e, at..e.len())
                .iter()
                .position(|&b| b == b';')
                .unwrap_or(e.len() - at);
            check_token(sub(e, at..at + len), base + at)?;
            at += len;
        }
    }
    Ok(())
}

/// Given `e[open] == '"'`, the index just past the closing quote.
fn quoted_end(e: &[u8], open: usize, backslash: bool) -> Option<usize> {
    let mut escaped = false;
    for (i, &b) in e.iter().enumerate().skip(open + 1) {
        if escaped {
            escaped = false;
        } else if backslash && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            return Some(i + 1);
        }
    }
    None
}

impl AsRef<[u8]> for MediaRange {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Display for MediaRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bytes(f, &self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mr(s: &'static str) -> MediaRange {
        MediaRange::parse(&Bytes::from_static(s.as_bytes())).unwrap()
    }

    #[test]
    fn parts() {
        let r = mr("text/plain;charset=UTF-8");
        assert_eq!(r.media_type(), b"text");
        assert_eq!(r.subtype(), b"plain");
        assert_eq!(r.params(), b"charset=UTF-8");
        assert!(r.matches(b"TEXT", b"Plain"));
        assert!(!r.matches(b"text", b"html"));
        let w = mr("image/*");
        assert!(w.is_any_subtype() && !w.is_any());
        assert!(w.matches(b"image", b"png"));
        assert!(mr("*").matches(b"application", b"octet-stream"));
        assert_eq!(mr("*").media_type(), b"*");
    }

    #[test]
    fn quoted_parameters() {
        let r = mr(r#"text/plain;a="x \" y";b=c"#);
        assert_eq!(r.params(), br#"a="x \" y";b=c"#);
        assert_eq!(r.to_string(), r#"text/plain;a="x \" y";b=c"#);
    }

    #[test]
    fn covers() {
        assert!(mr("*").covers(&mr("text/*")));
        assert!(mr("text/*").covers(&mr("text/plain")));
        assert!(!mr("text/plain").covers(&mr("text/*")));
        assert!(!mr("text/*").covers(&mr("*")));
        assert!(mr("text/plain;x=y").covers(&mr("TEXT/PLAIN")));
    }

    #[test]
    fn located_errors() {
        let e = MediaRange::parse(&Bytes::from_static(b"text")).unwrap_err();
        assert_eq!(e.offset, 0);
        let e = MediaRange::parse(&Bytes::from_static(b"text/pl@in")).unwrap_err();
        assert_eq!(e.offset, 7);
        let e = MediaRange::parse(&Bytes::from_static(b"text/plain;=x")).unwrap_err();
        assert_eq!(e.offset, 11);
        let e = MediaRange::parse(&Bytes::from_static(b"text/plain;a=\"x")).unwrap_err();
        assert_eq!(e.offset, 13);
        assert!(MediaRange::new("te xt", "plain").is_err());
        assert_eq!(
            MediaRange::any_subtype("video").unwrap().to_string(),
            "video/*"
        );
    }
}
