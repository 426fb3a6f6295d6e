//! Addresses of From, To, Contact and friends (REQ: SIP-3; RFC 3261 §20.10, §25.1):
//! `( name-addr / addr-spec ) *( SEMI generic-param )`, with
//! `name-addr = [ display-name ] LAQUOT addr-spec RAQUOT`.

use std::borrow::Cow;

use bytes::{BufMut, Bytes};

use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{Cursor, is_token, is_ws, unquote};
use crate::params::{ParamIndex, ParamItems, Params, parse_generic_params};
use crate::parse::{OptSpan, Span};
use crate::uri::{Uri, UriContext, parse_at};

/// An address with its header parameters: `"Alice" <sip:alice@example.com>;tag=1928`.
///
/// A parsed value re-emits its exact bytes. The `with_*` builders re-serialize it in the
/// bracketed form (`[display-name SP] "<" URI ">" *(";" param)`).
///
/// The value holds its bytes once (shared by its parameter list, whose source is the whole
/// value) and its URI, which shares the same buffer.
#[derive(Clone)]
pub struct NameAddr {
    /// Boxed: a URI is 112 bytes and a name-addr travels by value through several layers of
    /// `Result`/`Option` on the way to the caller; unboxed (200 bytes instead of 96) it
    /// measured 3-5% slower on `benches/sip_parse.rs` level b, the allocation included.
    uri: Box<Uri>,
    /// The header parameters; their source is the whole value, which [`NameAddr::raw`]
    /// returns.
    params: Params,
    display_name: OptSpan,
    angle: bool,
}

impl NameAddr {
    /// Parses one whole value (`src` is the trimmed header value or list element). Error
    /// offsets count from the start of `src`.
    pub fn parse(src: &Bytes) -> Result<Self> {
        Self::parse_owned(src.clone())
    }

    /// [`NameAddr::parse`], keeping `src` without another reference count.
    pub(crate) fn parse_owned(src: Bytes) -> Result<Self> {
        let mut cur = Cursor::new(&src);
        let parsed = parse_name_addr(&mut cur, &src)?;
        cur.finish()?;
        Ok(parsed.assemble(src))
    }

    /// A bracketed address for `uri`, with no display name and no parameters.
    #[must_use]
    pub fn new(uri: impl Into<Uri>) -> Self {
        Self::build(uri.into(), None, true, &Params::EMPTY)
    }

    /// Sets the display name, written as a quoted string (`"` and `\` are escaped, CR and LF
    /// become spaces).
    #[must_use]
    pub fn with_display_name(self, name: &str) -> Self {
        let mut q = Vec::with_capacity(name.len() + 2);
        crate::header::write_quoted(&mut q, name);
        Self::build(*self.uri, Some(&q), true, &self.params)
    }

    /// Sets (or replaces) a header parameter; `value` is written as given (a token, a host or
    /// a quoted string with its quotes).
    #[must_use]
    pub fn with_param(self, name: &str, value: Option<&str>) -> Self {
        let mut params = self.params.clone();
        params.set(name, value.map(str::as_bytes));
        let display_name = self.display_name().map(<[u8]>::to_vec);
        Self::build(*self.uri, display_name.as_deref(), self.angle, &params)
    }

    /// Sets the `tag` parameter (RFC 3261 §19.3); the caller passes a token.
    #[must_use]
    pub fn with_tag(self, tag: &str) -> Self {
        self.with_param("tag", Some(tag))
    }

    /// Serializes the parts into a new value.
    fn build(uri: Uri, display_name: Option<&[u8]>, angle: bool, params: &Params) -> Self {
        let mut out = Vec::with_capacity(uri.raw().len() + 16);
        let mut display = OptSpan::NONE;
        if let Some(d) = display_name {
            display = OptSpan::new(0, d.len());
            out.extend_from_slice(d);
            out.push(b' ');
        }
        if angle {
            out.push(b'<');
        }
        out.extend_from_slice(uri.raw());
        if angle {
            out.push(b'>');
        }
        let items = params.write_spans(&mut out);
        Self {
            uri: Box::new(uri),
            params: Params::from_parts(Bytes::from(out), items),
            display_name: display,
            angle,
        }
    }

    /// The display name as written: a quoted string with its quotes, or a run of tokens.
    #[must_use]
    pub fn display_name(&self) -> Option<&[u8]> {
        self.display_name.of(self.raw())
    }

    /// The display name as text: unquoted, quoted-pairs resolved, invalid UTF-8 replaced.
    #[must_use]
    pub fn display_name_text(&self) -> Option<Cow<'_, str>> {
        let d = self.display_name()?;
        let bytes = match d {
            [b'"', inner @ .., b'"'] => unquote(inner),
            _ => Cow::Borrowed(d),
        };
        Some(match bytes {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
        })
    }

    /// The URI.
    #[must_use]
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The header parameters (after the URI, or after `>`), in order.
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The `tag` parameter (RFC 3261 §19.3).
    #[must_use]
    pub fn tag(&self) -> Option<&[u8]> {
        self.params.get("tag").flatten()
    }

    /// The `tag` parameter as a [`Bytes`] sharing the value's buffer (to key a dialog without
    /// copying).
    #[must_use]
    pub fn tag_bytes(&self) -> Option<Bytes> {
        self.params.get_bytes("tag")
    }

    /// True for the `name-addr` form (URI in `<>`), false for a bare `addr-spec`.
    #[must_use]
    pub fn angle(&self) -> bool {
        self.angle
    }

    /// The exact bytes of the value.
    #[must_use]
    pub fn raw(&self) -> &Bytes {
        self.params.src()
    }

    /// Appends the value's bytes to `out`.
    pub fn write_to(&self, out: &mut impl BufMut) {
        out.put_slice(self.raw());
    }
}

/// A name-addr parsed from some bytes, before it takes them.
struct Parsed {
    uri: Uri,
    items: ParamItems,
    display_name: Option<Span>,
    angle: bool,
    /// Where the value starts and ends in its bytes.
    start: usize,
    end: usize,
}

impl Parsed {
    /// The value over `src`, the bytes it was parsed from.
    fn assemble(self, src: Bytes) -> NameAddr {
        let start = self.start;
        // The value's own bytes: the whole input unless white space surrounds it; the spans are
        // made relative to them.
        let params = if start == 0 && self.end == src.len() {
            Params::from_parts(src, self.items)
        } else {
            Params::from_parts(Bytes::new(), self.items)
                .rebased(Span::new(start, self.end).bytes_of(&src), start)
        };
        let back = u32::try_from(start).unwrap_or(u32::MAX);
        let shift = |s: Span| Span {
            start: s.start.saturating_sub(back),
            end: s.end.saturating_sub(back),
        };
        NameAddr {
            uri: Box::new(self.uri),
            params,
            display_name: OptSpan::from_option(self.display_name.map(shift)),
            angle: self.angle,
        }
    }
}

/// Parses `( name-addr / addr-spec ) *( SEMI generic-param )` at the cursor, which walks
/// `src`. Stops after the parameters, leaving anything else (a `,`) to the caller.
fn parse_name_addr(cur: &mut Cursor<'_>, src: &Bytes) -> Result<Parsed> {
    cur.skip_ws();
    let start = cur.pos();
    let display_name = match cur.peek() {
        Some(b'"') => {
            let q = cur.quoted_string()?;
            cur.skip_ws();
            if cur.peek() != Some(b'<') {
                return Err(cur.error(ErrorKind::NameAddr));
            }
            Some(Span::new(start, start + q.len()))
        }
        Some(b'<') => None,
        _ => token_display_name(cur)?,
    };
    let angle = cur.eat(b'<');
    let uri = if angle {
        let lt = cur.pos() - 1;
        // RFC 3261 §25.1: no LWS inside the brackets (RFC 4475 §3.1.2.7 badaspec).
        if cur.peek().is_some_and(is_ws) {
            return Err(cur.error(ErrorKind::NameAddr));
        }
        if memchr::memchr(b'>', cur.rest()).is_none() {
            return Err(ParseError::new(ErrorKind::NameAddr, lt));
        }
        let uri = parse_at(cur, src, UriContext::Angle)?;
        cur.expect(b'>')?;
        uri
    } else {
        parse_at(cur, src, UriContext::AddrSpec)?
    };
    let items = parse_generic_params(cur)?;
    Ok(Parsed {
        uri,
        items,
        display_name,
        angle,
        start,
        end: cur.pos(),
    })
}

/// `display-name = *(token LWS)` before a `<` (LWS may be absent, RFC 4475 §3.1.1.6 lwsdisp).
/// Returns `None` (cursor unmoved) when the value is an addr-spec instead; else the span of
/// the name, trimmed, in the cursor's input.
fn token_display_name(cur: &mut Cursor<'_>) -> Result<Option<Span>> {
    let start = cur.pos();
    let run = cur.take_while(|b| is_token(b) || is_ws(b));
    match cur.peek() {
        Some(b'<') => {
            let name = crate::lex::trim_ws(run);
            let at = start + run.iter().position(|&b| !is_ws(b)).unwrap_or(run.len());
            Ok(Some(Span::new(at, at + name.len())))
        }
        // Anything else before a `<` is a display name that needed quotes (RFC 4475 §3.1.2.6
        // baddn: `Bell, Alexander <sip:...>`).
        Some(b) if b != b':' && memchr::memchr(b'<', cur.rest()).is_some() => {
            Err(cur.error(ErrorKind::NameAddr))
        }
        _ => {
            cur.set_pos(start);
            Ok(None)
        }
    }
}

/// Equal display names (as written), URIs (RFC 3261 §19.1.4) and header parameters (names
/// case-insensitive, in any order).
impl PartialEq for NameAddr {
    fn eq(&self, o: &Self) -> bool {
        let covers = |a: &Params, b: &Params| {
            let b = ParamIndex::new(b, |n| Cow::Borrowed(n));
            a.iter()
                .all(|p| b.find(p.name).is_some_and(|q| q.value == p.value))
        };
        self.display_name() == o.display_name()
            && self.uri == o.uri
            && self.params.len() == o.params.len()
            && covers(&self.params, &o.params)
    }
}

impl Eq for NameAddr {}

impl core::fmt::Debug for NameAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NameAddr")
            .field("raw", self.raw())
            .field(
                "display_name",
                &self.display_name().map(String::from_utf8_lossy),
            )
            .field("uri", &self.uri)
            .field("params", &self.params)
            .field("angle", &self.angle)
            .finish()
    }
}

impl core::fmt::Display for NameAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.raw()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uri::{Host, SipUri};

    fn na(s: &'static str) -> Result<NameAddr> {
        NameAddr::parse(&Bytes::from_static(s.as_bytes()))
    }

    // Header parameters compare through an index: one scan of a list per parameter of the
    // other is quadratic in a 64 KiB value.
    #[test]
    // Many parameters in opposite orders compare equal (an O(n log n) index).
    fn comparing_many_params_is_not_quadratic() {
        let params: Vec<String> = (0..20_000).map(|i| format!(";p{i}=v")).collect();
        let a = format!("<sip:a@h>{}", params.concat());
        let b = format!(
            "<sip:a@h>{}",
            params.iter().rev().cloned().collect::<String>()
        );
        let (a, b) = (
            NameAddr::parse(&Bytes::from(a)).unwrap(),
            NameAddr::parse(&Bytes::from(b)).unwrap(),
        );
        assert_eq!(a, b);
    }

    // REQ: SIP-3 — the forms of RFC 3261 §20.10 / §25.1.
    #[test]
    fn forms() {
        let a =
            na("\"Mr. Watson\" <sip:watson@worcester.bell-telephone.com>;tag=9fxced76sl").unwrap();
        assert_eq!(a.display_name_text().unwrap(), "Mr. Watson");
        assert_eq!(a.tag().unwrap(), b"9fxced76sl");
        assert_eq!(a.tag_bytes().unwrap(), "9fxced76sl");
        assert!(a.angle());
        let a = na("Anonymous <sip:c8oqz84zk7z@privacy.org>").unwrap();
        assert_eq!(a.display_name().unwrap(), b"Anonymous");
        let a = na("sip:caller@example.net;tag=93334").unwrap();
        assert!(!a.angle());
        assert_eq!(a.tag().unwrap(), b"93334");
        // In addr-spec form the parameters belong to the header, not the URI.
        assert!(a.uri().as_sip().unwrap().params().is_empty());
        let a = na("<sip:+19725552222@gw1.example.net;unknownparam>").unwrap();
        assert!(a.uri().as_sip().unwrap().params().contains("unknownparam"));
        assert!(a.params().is_empty());
        let a = na("sip:+19725552222@gw1.example.net;unknownparam").unwrap();
        assert!(a.params().contains("unknownparam"));
        let a = na("\"a \\\"quoted\\\" name\"<sip:x@y>").unwrap();
        assert_eq!(a.display_name_text().unwrap(), "a \"quoted\" name");
        let a = na("Some  Body <sip:x@y> ; tag = 1").unwrap();
        assert_eq!(a.display_name().unwrap(), b"Some  Body");
        assert_eq!(a.tag().unwrap(), b"1");
        assert!(matches!(
            na("isbn:2983792873").unwrap().uri(),
            Uri::Other(_)
        ));
        assert!(matches!(
            na("<http://www.example.com>;tag=3234233").unwrap().uri(),
            Uri::Other(_)
        ));
        assert!(na("<sip:user@example.com?Route=%3Csip:sip.example.com%3E>").is_ok());
        assert!(na("\"T. desk phone\" <sip:ted@[::ffff:192.0.2.2]>").is_ok());
    }

    // REQ: SIP-3 — RFC 4475 §3.1.1.6 lwsdisp.
    #[test]
    fn no_space_before_angle() {
        let a = na("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(a.display_name_text().unwrap(), "caller");
        assert_eq!(a.tag().unwrap(), b"323");
    }

    // REQ: SIP-3 — RFC 4475 invalid forms, with located errors.
    #[test]
    fn rfc4475_invalid() {
        // quotbal
        assert_eq!(
            na("\"Mr. J. User <sip:j.user@example.com>").unwrap_err(),
            ParseError::new(ErrorKind::QuotedString, 0)
        );
        // baddn
        assert_eq!(
            na("Bell, Alexander <sip:a.g.bell@example.com>;tag=43").unwrap_err(),
            ParseError::new(ErrorKind::NameAddr, 4)
        );
        assert_eq!(
            na("a@b <sip:x@y>").unwrap_err(),
            ParseError::new(ErrorKind::NameAddr, 1)
        );
        // badaspec
        assert_eq!(
            na("\"Watson, Thomas\" < sip:t.watson@example.org >").unwrap_err(),
            ParseError::new(ErrorKind::NameAddr, 18)
        );
        assert_eq!(
            na("<sip:t.watson@example.org >").unwrap_err(),
            ParseError::new(ErrorKind::TrailingBytes, 25)
        );
        // regbadct
        assert_eq!(
            na("sip:user@example.com?Route=%3Csip:sip.example.com%3E").unwrap_err(),
            ParseError::new(ErrorKind::NameAddr, 20)
        );
        assert_eq!(
            na("<sip:x@y;tag=1").unwrap_err(),
            ParseError::new(ErrorKind::NameAddr, 0)
        );
        assert_eq!(
            na("\"x\" sip:x@y").unwrap_err(),
            ParseError::new(ErrorKind::NameAddr, 4)
        );
        assert_eq!(
            na("<sip:x@y> junk").unwrap_err(),
            ParseError::new(ErrorKind::TrailingBytes, 10)
        );
        assert_eq!(na("").unwrap_err(), ParseError::new(ErrorKind::Scheme, 0));
    }

    // REQ: SIP-3 — Display re-emits the input; the builder serializes.
    #[test]
    fn display_and_builder() {
        for s in [
            "caller<sip:caller@example.com>;tag=323",
            "sip:a@b ;tag=x",
            "<sip:a@b>",
        ] {
            assert_eq!(na(s).unwrap().to_string(), s);
        }
        let uri = SipUri::new(Host::parse("example.com").unwrap()).with_user("alice");
        let a = NameAddr::new(uri)
            .with_display_name("Alice \"A\"")
            .with_tag("abc");
        assert_eq!(
            a.to_string(),
            "\"Alice \\\"A\\\"\" <sip:alice@example.com>;tag=abc"
        );
        assert_eq!(
            a,
            na("\"Alice \\\"A\\\"\" <sip:alice@example.com>;TAG=abc").unwrap()
        );
        assert_eq!(a.display_name_text().unwrap(), "Alice \"A\"");
        let b = na("sip:a@b;tag=1").unwrap().with_tag("2");
        assert_eq!(b.to_string(), "sip:a@b;tag=2");
        let mut out = Vec::new();
        b.write_to(&mut out);
        assert_eq!(out, b"sip:a@b;tag=2");
    }
}
