//! URIs (REQ: SIP-3): SIP and SIPS URIs (RFC 3261 §19.1, §25.1, IPv6 references per RFC 5118),
//! tel URIs (RFC 3966) and any other absolute URI kept opaque.
//!
//! A parsed URI holds one [`Bytes`] (its exact text, a slice of its input) and the spans of its
//! parts in it; it re-emits exactly the bytes it came from.
//! Equality of SIP URIs follows RFC 3261 §19.1.4, not byte equality.

use std::borrow::Cow;

use bytes::{BufMut, Bytes};

use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{Cursor, is_ws};

mod absolute;
mod escape;
mod host;
mod params;
mod sip;
mod tel;

pub use absolute::AbsoluteUri;
pub(crate) use escape::unescape;
pub use host::Host;
pub use sip::SipUri;
pub use tel::TelUri;

/// Where a URI sits, which decides where it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UriContext {
    /// The whole input is the URI (a Request-URI).
    Whole,
    /// Inside `<...>` of a name-addr: the URI ends before the first `>`.
    Angle,
    /// An addr-spec outside `<>` in a header (RFC 3261 §20.10): the URI ends at `;`, `,` or
    /// white space, and what follows are header parameters. A `?` is rejected there, as such
    /// URIs MUST be enclosed in `<>` (RFC 3261 §20; RFC 4475 §3.3.4 regbadct).
    AddrSpec,
}

/// Parses a URI at the cursor, which walks `src`; see [`UriContext`] for where it ends. Errors
/// are located relative to the cursor's input. On success the cursor is just after the URI.
pub(crate) fn parse_at(cur: &mut Cursor<'_>, src: &Bytes, ctx: UriContext) -> Result<Uri> {
    let start = cur.pos();
    let rest = cur.rest();
    let len = match ctx {
        UriContext::Whole => rest.len(),
        UriContext::Angle => memchr::memchr(b'>', rest)
            .ok_or_else(|| ParseError::new(ErrorKind::Expected(b'>'), start + rest.len()))?,
        UriContext::AddrSpec => rest
            .iter()
            .position(|&b| b == b';' || b == b',' || is_ws(b))
            .unwrap_or(rest.len()),
    };
    let span = rest.get(..len).unwrap_or_default();
    if ctx == UriContext::AddrSpec {
        if let Some(q) = memchr::memchr(b'?', span) {
            return Err(ParseError::new(ErrorKind::NameAddr, start + q));
        }
    }
    let uri = parse_span(src, span).map_err(|e| e.shifted(start))?;
    cur.set_pos(start + len);
    Ok(uri)
}

/// Parses `span` (a slice of `src`) as a whole URI; offsets relative to `span`.
fn parse_span(src: &Bytes, span: &[u8]) -> Result<Uri> {
    let scheme_len = scheme_len(span)?;
    let scheme = span.get(..scheme_len).unwrap_or_default();
    if scheme.eq_ignore_ascii_case(b"sip") || scheme.eq_ignore_ascii_case(b"sips") {
        sip::parse_sip(src, span, scheme_len).map(Uri::Sip)
    } else if scheme.eq_ignore_ascii_case(b"tel") {
        tel::parse_tel(src, span, scheme_len).map(Uri::Tel)
    } else {
        absolute::parse_other(src, span, scheme_len).map(Uri::Other)
    }
}

/// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` followed by `:`; returns its length.
fn scheme_len(s: &[u8]) -> Result<usize> {
    if !s.first().is_some_and(u8::is_ascii_alphabetic) {
        return Err(ParseError::new(ErrorKind::Scheme, 0));
    }
    let len = s
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(s.len());
    if s.get(len) == Some(&b':') {
        Ok(len)
    } else {
        Err(ParseError::new(ErrorKind::Scheme, len))
    }
}

/// The raw bytes as text (a parsed URI is ASCII, so this borrows).
fn ascii(raw: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(raw)
}

/// Any URI a SIP message may carry (RFC 3261 §25.1 `Request-URI = SIP-URI / SIPS-URI /
/// absoluteURI`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uri {
    /// A `sip:` or `sips:` URI.
    Sip(SipUri),
    /// A `tel:` URI (RFC 3966).
    Tel(TelUri),
    /// Any other absolute URI (`http:`, `urn:`, `isbn:`, ...), kept opaque.
    Other(AbsoluteUri),
}

impl Uri {
    /// Parses `src` as one URI; the whole input must be the URI. Error offsets count from the
    /// start of `src`. A Request-URI in angle brackets (`<sip:...>`, RFC 4475 §3.1.2.11) fails.
    pub fn parse(src: &Bytes) -> Result<Self> {
        parse_at(&mut Cursor::new(src), src, UriContext::Whole)
    }

    /// The scheme as written (`sip`, `SIPS`, `tel`, `http`, ...).
    #[must_use]
    pub fn scheme(&self) -> &[u8] {
        let raw = self.raw();
        let end = memchr::memchr(b':', raw).unwrap_or(0);
        raw.get(..end).unwrap_or_default()
    }

    /// The exact bytes of the URI.
    #[must_use]
    pub fn raw(&self) -> &Bytes {
        match self {
            Self::Sip(u) => u.raw(),
            Self::Tel(u) => u.raw(),
            Self::Other(u) => u.raw(),
        }
    }

    /// The SIP URI, if this is one.
    #[must_use]
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Self::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// Appends the URI's bytes to `out`.
    pub fn write_to(&self, out: &mut impl BufMut) {
        out.put_slice(self.raw());
    }
}

impl core::fmt::Display for Uri {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&ascii(self.raw()))
    }
}

impl core::convert::From<SipUri> for Uri {
    fn from(u: SipUri) -> Self {
        Self::Sip(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn parse(s: &'static str) -> Result<Uri> {
        Uri::parse(&Bytes::from_static(s.as_bytes()))
    }

    pub(super) fn sip(s: &'static str) -> SipUri {
        match parse(s) {
            Ok(Uri::Sip(u)) => u,
            other => panic!("{s}: {other:?}"),
        }
    }

    pub(super) fn err(s: &'static str) -> ParseError {
        parse(s).expect_err(s)
    }

    // REQ: SIP-3 — errors are located.
    #[test]
    fn errors_are_located() {
        // RFC 4475 §3.1.2.11 ltgtruri: a bracketed Request-URI is not a URI.
        assert_eq!(
            err("<sip:user@example.com>"),
            ParseError::new(ErrorKind::Scheme, 0)
        );
        assert_eq!(err("sip:us%4g@h"), ParseError::new(ErrorKind::Escape, 6));
        assert_eq!(
            err("sip:user@h;p=%G1"),
            ParseError::new(ErrorKind::Escape, 13)
        );
        assert_eq!(err("sip:u ser@h"), ParseError::new(ErrorKind::UriUser, 5));
        assert_eq!(err("sip:@h"), ParseError::new(ErrorKind::UriUser, 4));
        assert_eq!(
            err("sip:user@h:99999"),
            ParseError::new(ErrorKind::Port, 11)
        );
        assert_eq!(err("sip:user@h:50a"), ParseError::new(ErrorKind::Port, 11));
        assert_eq!(err("sip:user@-h.com"), ParseError::new(ErrorKind::Host, 9));
        assert_eq!(
            err("sip:user@256.1.1.1"),
            ParseError::new(ErrorKind::Host, 9)
        );
        assert_eq!(
            err("sip:user@h;=x"),
            ParseError::new(ErrorKind::UriParam, 11)
        );
        assert_eq!(
            err("sip:user@h?x"),
            ParseError::new(ErrorKind::UriHeader, 12)
        );
        assert_eq!(
            err("sip:user@h x"),
            ParseError::new(ErrorKind::TrailingBytes, 10)
        );
        assert_eq!(err("sip"), ParseError::new(ErrorKind::Scheme, 3));
        assert_eq!(err("1sip:x"), ParseError::new(ErrorKind::Scheme, 0));
        assert_eq!(err("http:"), ParseError::new(ErrorKind::Empty, 5));
    }

    // REQ: SIP-3 — display is byte-exact.
    #[test]
    fn display_is_byte_exact() {
        for s in [
            "SIP:ALICE@AtLanTa.CoM;Transport=udp",
            "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
            "sips:[2001:db8::10]:5061;transport=tcp?x=%20",
        ] {
            let u = parse(s).unwrap();
            assert_eq!(u.to_string(), s);
            let mut out = Vec::new();
            u.write_to(&mut out);
            assert_eq!(out, s.as_bytes());
        }
    }

    proptest::proptest! {
        // REQ: SIP-3 — arbitrary input never panics.
        #[test]
        fn never_panics(s in "[ -~]{0,40}") {
            let _ = Uri::parse(&Bytes::from(s));
        }
    }
}
