//! Media types (RFC 3261 §20.15, §20.1; RFC 2045 §5.1): `Content-Type` and `Accept`, which
//! share the media-type grammar.
//!
//! ```text
//! media-type   = m-type SLASH m-subtype *(SEMI m-parameter)
//! m-parameter  = m-attribute EQUAL m-value          ; m-value = token / quoted-string
//! Accept       = "Accept" HCOLON [ accept-range *(COMMA accept-range) ]
//! accept-range = media-range *(SEMI accept-param)   ; media-range allows "*/*" and "type/*"
//! accept-param = ("q" EQUAL qvalue) / generic-param
//! ```
//! Types, subtypes and parameter names compare ASCII case-insensitively (RFC 2045 §5.1).

use core::fmt;
use std::borrow::Cow;

use bytes::Bytes;

use super::TypedHeader;
use super::value::{fmt_raw, offset_in, qvalue, write_quoted};
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{Cursor, is_token};
use crate::name::HeaderName;
use crate::params::{Params, parse_generic_params};

/// A media type with its parameters: `type/subtype;name=value`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaType {
    mtype: Bytes,
    subtype: Bytes,
    params: Params,
}

impl MediaType {
    /// A media type without parameters; `mtype` and `subtype` must be tokens.
    #[must_use]
    pub fn new(mtype: &str, subtype: &str) -> Self {
        Self {
            mtype: Bytes::copy_from_slice(mtype.as_bytes()),
            subtype: Bytes::copy_from_slice(subtype.as_bytes()),
            params: Params::new(),
        }
    }

    /// Sets parameter `name` (a token) to `value`, written as a token when it is one and as
    /// a quoted string otherwise.
    fn set_param(&mut self, name: &str, value: &str) {
        let v = if !value.is_empty() && value.bytes().all(is_token) {
            Bytes::copy_from_slice(value.as_bytes())
        } else {
            let mut q = Vec::with_capacity(value.len() + 2);
            write_quoted(&mut q, value);
            Bytes::from(q)
        };
        self.params.set(name, Some(v));
    }

    fn render(&self) -> Bytes {
        let mut out = Vec::with_capacity(self.mtype.len() + self.subtype.len() + 1);
        out.extend_from_slice(&self.mtype);
        out.push(b'/');
        out.extend_from_slice(&self.subtype);
        self.params.write_to(&mut out);
        Bytes::from(out)
    }

    /// The top-level type (`application`).
    #[must_use]
    pub const fn mtype(&self) -> &Bytes {
        &self.mtype
    }

    /// The subtype (`sdp`).
    #[must_use]
    pub const fn subtype(&self) -> &Bytes {
        &self.subtype
    }

    /// True if this is `mtype/subtype`, ignoring ASCII case.
    #[must_use]
    pub fn is(&self, mtype: &str, subtype: &str) -> bool {
        self.mtype.eq_ignore_ascii_case(mtype.as_bytes())
            && self.subtype.eq_ignore_ascii_case(subtype.as_bytes())
    }

    /// All parameters, in order (quoted values keep their quotes).
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }

    /// The value of parameter `name`, unquoted.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<Cow<'_, [u8]>> {
        self.params.find(name)?.value_text()
    }

    /// The `charset` parameter, unquoted.
    #[must_use]
    pub fn charset(&self) -> Option<Cow<'_, [u8]>> {
        self.param("charset")
    }

    /// The `boundary` parameter of a multipart type (RFC 2046 §5.1.1), unquoted.
    #[must_use]
    pub fn boundary(&self) -> Option<Cow<'_, [u8]>> {
        self.param("boundary")
    }
}

/// `m-type SLASH m-subtype *(SEMI m-parameter)` at the cursor.
fn media_type(cur: &mut Cursor<'_>, src: &Bytes) -> Result<MediaType> {
    let mtype = cur.token()?;
    if !cur.eat_sep(b'/') {
        return Err(cur.error(ErrorKind::Expected(b'/')));
    }
    let subtype = cur.token()?;
    let params = parse_generic_params(cur, src)?;
    Ok(MediaType {
        mtype: src.slice_ref(mtype),
        subtype: src.slice_ref(subtype),
        params,
    })
}

/// `Content-Type` (RFC 3261 §20.15): the media type of the body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentType {
    media: MediaType,
    raw: Bytes,
}

impl ContentType {
    /// A Content-Type `mtype/subtype` (`ContentType::new("message", "cpim")`).
    #[must_use]
    pub fn new(mtype: &str, subtype: &str) -> Self {
        let media = MediaType::new(mtype, subtype);
        Self {
            raw: media.render(),
            media,
        }
    }

    /// This value with parameter `name` set to `value` (quoted when not a token).
    #[must_use]
    pub fn with_param(mut self, name: &str, value: &str) -> Self {
        self.media.set_param(name, value);
        self.raw = self.media.render();
        self
    }

    /// The media type.
    #[must_use]
    pub const fn media(&self) -> &MediaType {
        &self.media
    }

    /// True if this is `mtype/subtype`, ignoring ASCII case.
    #[must_use]
    pub fn is(&self, mtype: &str, subtype: &str) -> bool {
        self.media.is(mtype, subtype)
    }

    /// The `charset` parameter, unquoted.
    #[must_use]
    pub fn charset(&self) -> Option<Cow<'_, [u8]>> {
        self.media.charset()
    }

    /// The `boundary` parameter, unquoted.
    #[must_use]
    pub fn boundary(&self) -> Option<Cow<'_, [u8]>> {
        self.media.boundary()
    }
}

impl TypedHeader for ContentType {
    const NAME: HeaderName = HeaderName::ContentType;
    const LIST: bool = false;
    fn parse(value: &Bytes) -> Result<Self> {
        let mut cur = Cursor::new(value);
        let media = media_type(&mut cur, value)?;
        cur.finish()?;
        Ok(Self {
            media,
            raw: value.clone(),
        })
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_raw(f, &self.raw)
    }
}

/// One `Accept` range (RFC 3261 §20.1): a media range (`*/*`, `text/*`, `text/plain`) with
/// an optional `q` weight.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Accept {
    media: MediaType,
    q: Option<u16>,
    raw: Bytes,
}

impl Accept {
    /// A range `mtype/subtype` (either may be `*`).
    #[must_use]
    pub fn new(mtype: &str, subtype: &str) -> Self {
        let media = MediaType::new(mtype, subtype);
        Self {
            raw: media.render(),
            media,
            q: None,
        }
    }

    /// The media range; `q` is among its parameters.
    #[must_use]
    pub const fn media(&self) -> &MediaType {
        &self.media
    }

    /// The `q` weight in thousandths (`q=0.5` is 500), `None` when absent (meaning 1000).
    #[must_use]
    pub const fn q(&self) -> Option<u16> {
        self.q
    }

    /// True if the range covers `mtype/subtype`: `*/*`, `mtype/*` or an exact match,
    /// ignoring ASCII case.
    #[must_use]
    pub fn matches(&self, mtype: &str, subtype: &str) -> bool {
        let m = &self.media;
        let star = |b: &Bytes| b.as_ref() == b"*";
        (star(&m.mtype) || m.mtype.eq_ignore_ascii_case(mtype.as_bytes()))
            && (star(&m.subtype) || m.subtype.eq_ignore_ascii_case(subtype.as_bytes()))
    }
}

impl TypedHeader for Accept {
    const NAME: HeaderName = HeaderName::Accept;
    const LIST: bool = true;
    const ALLOW_EMPTY: bool = true;
    fn parse(value: &Bytes) -> Result<Self> {
        let mut cur = Cursor::new(value);
        let media = media_type(&mut cur, value)?;
        cur.finish()?;
        let q = match media.params.find("q") {
            None => None,
            Some(p) => {
                let v = p.value.as_deref().unwrap_or_default();
                let at = offset_in(value, &p.name).saturating_add(p.name.len());
                Some(qvalue(v).ok_or(ParseError::new(
                    ErrorKind::Number,
                    if v.is_empty() {
                        at
                    } else {
                        offset_in(value, v)
                    },
                ))?)
            }
        };
        Ok(Self {
            media,
            q,
            raw: value.clone(),
        })
    }
}

impl fmt::Display for Accept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_raw(f, &self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    // REQ: SIP-2 (RFC 4475 mpart01: multipart boundary; wsinv application/sdp)
    #[test]
    fn content_types() {
        let c = ContentType::parse(&b("multipart/mixed;boundary=7a9cbec02ceef655")).unwrap();
        assert!(c.is("Multipart", "MIXED"));
        assert_eq!(c.boundary().unwrap().as_ref(), b"7a9cbec02ceef655");
        let c = ContentType::parse(&b("text/plain ; charset = \"UTF-8\"")).unwrap();
        assert_eq!(c.charset().unwrap().as_ref(), b"UTF-8");
        assert_eq!(c.media().mtype(), &b("text"));
        assert_eq!(c.to_string(), "text/plain ; charset = \"UTF-8\"");
        let built = ContentType::new("multipart", "mixed").with_param("boundary", "a b:c");
        assert_eq!(built.to_string(), "multipart/mixed;boundary=\"a b:c\"");
        let back = ContentType::parse(&Bytes::from(built.to_string())).unwrap();
        assert_eq!(back.boundary().unwrap().as_ref(), b"a b:c");
        assert_eq!(back, built);
        assert_eq!(
            ContentType::new("application", "sdp").to_string(),
            "application/sdp"
        );
    }

    // REQ: SIP-2
    #[test]
    fn content_type_errors() {
        let e = |s: &'static str| ContentType::parse(&b(s)).unwrap_err();
        assert_eq!(
            e("application"),
            ParseError::new(ErrorKind::Expected(b'/'), 11)
        );
        assert_eq!(e("application/"), ParseError::new(ErrorKind::Token, 12));
        assert_eq!(
            e("text/plain;charset=\"x"),
            ParseError::new(ErrorKind::QuotedString, 19)
        );
        assert_eq!(
            e("text/plain x"),
            ParseError::new(ErrorKind::TrailingBytes, 11)
        );
    }

    // REQ: SIP-2 (RFC 3261 §20.1; RFC 4475 transports `Accept: application/sdp`)
    #[test]
    fn accept_ranges() {
        let a = Accept::parse(&b("application/sdp")).unwrap();
        assert!(a.matches("application", "SDP") && a.q().is_none());
        let a = Accept::parse(&b("text/*;q=0.5")).unwrap();
        assert_eq!(a.q(), Some(500));
        assert!(a.matches("text", "html") && !a.matches("image", "png"));
        let a = Accept::parse(&b("*/*;q=1.000;level=1")).unwrap();
        assert_eq!(a.q(), Some(1000));
        assert!(a.matches("x", "y"));
        assert_eq!(Accept::parse(&b("a/b;q=0")).unwrap().q(), Some(0));
        assert_eq!(Accept::parse(&b("a/b;q=0.25")).unwrap().q(), Some(250));
        assert_eq!(
            Accept::parse(&b("a/b;q=1.5")).unwrap_err(),
            ParseError::new(ErrorKind::Number, 6)
        );
        assert_eq!(
            Accept::parse(&b("a/b;q")).unwrap_err(),
            ParseError::new(ErrorKind::Number, 5)
        );
        assert_eq!(Accept::new("message", "cpim").to_string(), "message/cpim");
    }
}
