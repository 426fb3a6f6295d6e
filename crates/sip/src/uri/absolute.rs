//! Absolute URIs of schemes other than `sip`, `sips` and `tel`, kept opaque.

use bytes::Bytes;

use super::escape::check_chars;
use crate::error::{ErrorKind, ParseError, Result};

/// Any other absolute URI (`scheme ":" rest`), kept opaque: `http://www.example.com`,
/// `urn:service:sos`, `isbn:2983792873`, `soap.beep://192.0.2.103:3002`.
#[derive(Debug, Clone)]
pub struct AbsoluteUri {
    raw: Bytes,
    /// The length of the scheme; the rest starts after its `:`.
    scheme_len: u32,
}

/// `absoluteURI = scheme ":" ( hier-part / opaque-part )` (RFC 3261 §25.1), checked only for
/// bytes no URI may hold.
pub(super) fn parse_other(src: &Bytes, s: &[u8], scheme_len: usize) -> Result<AbsoluteUri> {
    let at = scheme_len + 1;
    let rest = s.get(at..).unwrap_or_default();
    if rest.is_empty() {
        return Err(ParseError::new(ErrorKind::Empty, at));
    }
    // uric = reserved / unreserved / escaped, with `#` and `[ ]` tolerated.
    let allowed = |b: u8| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"' | b'%');
    check_chars(rest, at, allowed, ErrorKind::UnexpectedByte)?;
    Ok(AbsoluteUri {
        raw: src.slice_ref(s),
        scheme_len: u32::try_from(scheme_len).unwrap_or(u32::MAX),
    })
}

impl AbsoluteUri {
    /// The scheme as written.
    #[must_use]
    pub fn scheme(&self) -> &[u8] {
        self.raw.get(..self.scheme_len as usize).unwrap_or_default()
    }

    /// Everything after the scheme's `:`.
    #[must_use]
    pub fn rest(&self) -> &[u8] {
        self.raw
            .get(self.scheme_len as usize + 1..)
            .unwrap_or_default()
    }

    /// The exact bytes of the URI.
    #[must_use]
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }
}

/// Schemes compare case-insensitively, the rest byte for byte.
impl PartialEq for AbsoluteUri {
    fn eq(&self, o: &Self) -> bool {
        self.scheme().eq_ignore_ascii_case(o.scheme()) && self.rest() == o.rest()
    }
}

impl Eq for AbsoluteUri {}

#[cfg(test)]
mod tests {
    use crate::uri::Uri;
    use crate::uri::tests::parse;

    // REQ: SIP-3 — other schemes are kept opaque.
    #[test]
    fn other_schemes() {
        for s in [
            "soap.beep://192.0.2.103:3002",
            "isbn:2983792873",
            "http://www.example.com",
            "urn:service:sos",
            "nobodyKnowsThisScheme:totallyopaquecontent",
            "name:John_Smith",
        ] {
            let u = parse(s).unwrap();
            assert!(matches!(u, Uri::Other(_)), "{s}");
            assert_eq!(u.to_string(), s);
        }
        assert_eq!(parse("soap.beep://x").unwrap().scheme(), b"soap.beep");
        assert_eq!(parse("HTTP://x"), parse("http://x"));
    }
}
