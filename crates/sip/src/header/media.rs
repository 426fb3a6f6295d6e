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

use super::value::display_raw;
use std::borrow::Cow;

use bytes::Bytes;

use super::TypedHeader;
use super::value::{offset_in, qvalue, write_quoted};
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{Cursor, is_token};
use crate::name::HeaderName;
use crate::params::{ParamItems, Params, parse_generic_params};
use crate::parse::Span;

/// A media type with its parameters: `type/subtype;name=value`.
///
/// One [`Bytes`] (the value it was parsed from, shared with its parameter list) and spans.
#[derive(Debug, Clone)]
pub struct MediaType {
    mtype: Span,
    subtype: Span,
    /// The parameters; their source is the whole value, which is also its raw text.
    params: Params,
}

eq_hash_by_key!(MediaType, key);

impl MediaType {
    /// A media type without parameters; `mtype` and `subtype` must be tokens.
    #[must_use]
    pub fn new(mtype: &str, subtype: &str) -> Self {
        Self::render(mtype.as_bytes(), subtype.as_bytes(), &Params::EMPTY)
    }

    /// Writes `mtype/subtype;params` into a new value.
    fn render(mtype: &[u8], subtype: &[u8], params: &Params) -> Self {
        let mut out = Vec::with_capacity(mtype.len() + subtype.len() + 1);
        out.extend_from_slice(mtype);
        out.push(b'/');
        out.extend_from_slice(subtype);
        let items = params.write_spans(&mut out);
        Self {
            mtype: Span::new(0, mtype.len()),
            subtype: Span::new(mtype.len() + 1, mtype.len() + 1 + subtype.len()),
            params: Params::from_parts(Bytes::from(out), items),
        }
    }

    /// Sets parameter `name` (a token) to `value`, written as a token when it is one and as
    /// a quoted string otherwise.
    fn set_param(&mut self, name: &str, value: &str) {
        let v = if !value.is_empty() && value.bytes().all(is_token) {
            value.as_bytes().to_vec()
        } else {
            let mut q = Vec::with_capacity(value.len() + 2);
            write_quoted(&mut q, value);
            q
        };
        let mut params = self.params.clone();
        params.set(name, Some(&v));
        *self = Self::render(self.mtype(), self.subtype(), &params);
    }

    /// The whole value's bytes.
    fn raw(&self) -> &Bytes {
        self.params.src()
    }

    /// The top-level type (`application`).
    #[must_use]
    pub fn mtype(&self) -> &[u8] {
        self.mtype.of(self.raw())
    }

    /// The subtype (`sdp`).
    #[must_use]
    pub fn subtype(&self) -> &[u8] {
        self.subtype.of(self.raw())
    }

    /// True if this is `mtype/subtype`, ignoring ASCII case.
    #[must_use]
    pub fn is(&self, mtype: &str, subtype: &str) -> bool {
        self.mtype().eq_ignore_ascii_case(mtype.as_bytes())
            && self.subtype().eq_ignore_ascii_case(subtype.as_bytes())
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

    fn key(&self) -> (&[u8], &[u8], &Params) {
        (self.mtype(), self.subtype(), &self.params)
    }
}

/// `m-type SLASH m-subtype *(SEMI m-parameter)` at the whole of `value`, which the result
/// takes.
fn media_type(value: Bytes) -> Result<MediaType> {
    let mut cur = Cursor::new(&value);
    let (mtype, subtype, items) = media_type_at(&mut cur)?;
    cur.finish()?;
    Ok(MediaType {
        mtype,
        subtype,
        params: Params::from_parts(value, items),
    })
}

/// `m-type SLASH m-subtype *(SEMI m-parameter)` at the cursor: the spans of the type and
/// subtype, and the parameters.
fn media_type_at(cur: &mut Cursor<'_>) -> Result<(Span, Span, ParamItems)> {
    let at = cur.pos();
    let mtype = cur.token()?;
    let mtype = Span::new(at, at + mtype.len());
    if !cur.eat_sep(b'/') {
        return Err(cur.error(ErrorKind::Expected(b'/')));
    }
    let at = cur.pos();
    let subtype = cur.token()?;
    let subtype = Span::new(at, at + subtype.len());
    let items = parse_generic_params(cur)?;
    Ok((mtype, subtype, items))
}

/// `Content-Type` (RFC 3261 §20.15): the media type of the body.
#[derive(Debug, Clone)]
pub struct ContentType {
    /// The media type, whose source is the whole value.
    media: MediaType,
}

eq_hash_by_key!(ContentType, key);

impl ContentType {
    /// A Content-Type `mtype/subtype` (`ContentType::new("message", "cpim")`).
    #[must_use]
    pub fn new(mtype: &str, subtype: &str) -> Self {
        Self {
            media: MediaType::new(mtype, subtype),
        }
    }

    /// This value with parameter `name` set to `value` (quoted when not a token).
    #[must_use]
    pub fn with_param(mut self, name: &str, value: &str) -> Self {
        self.media.set_param(name, value);
        self
    }

    fn key(&self) -> (&MediaType, &[u8]) {
        (&self.media, self.media.raw())
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
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        Ok(Self {
            media: media_type(value)?,
        })
    }
}

display_raw!(ContentType, |this| this.media.raw());

/// One `Accept` range (RFC 3261 §20.1): a media range (`*/*`, `text/*`, `text/plain`) with
/// an optional `q` weight.
#[derive(Debug, Clone)]
pub struct Accept {
    /// The media range, whose source is the whole value.
    media: MediaType,
    q: Option<u16>,
}

eq_hash_by_key!(Accept, key);

impl Accept {
    /// A range `mtype/subtype` (either may be `*`).
    #[must_use]
    pub fn new(mtype: &str, subtype: &str) -> Self {
        Self {
            media: MediaType::new(mtype, subtype),
            q: None,
        }
    }

    fn key(&self) -> (&MediaType, Option<u16>, &[u8]) {
        (&self.media, self.q, self.media.raw())
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
        let (mt, st) = (self.media.mtype(), self.media.subtype());
        (mt == b"*" || mt.eq_ignore_ascii_case(mtype.as_bytes()))
            && (st == b"*" || st.eq_ignore_ascii_case(subtype.as_bytes()))
    }
}

impl TypedHeader for Accept {
    const NAME: HeaderName = HeaderName::Accept;
    const LIST: bool = true;
    const ALLOW_EMPTY: bool = true;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let media = media_type(value)?;
        let value = media.raw();
        let q = match media.params.find("q") {
            None => None,
            Some(p) => {
                let v = p.value.unwrap_or_default();
                let at = offset_in(value, p.name).saturating_add(p.name.len());
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
        Ok(Self { media, q })
    }
}

display_raw!(Accept, |this| this.media.raw());

#[cfg(test)]
mod tests {
    use super::*;

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (RFC 4475 mpart01: multipart boundary; wsinv application/sdp)
    #[test]
    fn content_types() {
        let c = ContentType::parse(&b("multipart/mixed;boundary=7a9cbec02ceef655")).unwrap();
        assert!(c.is("Multipart", "MIXED"));
        assert_eq!(c.boundary().unwrap().as_ref(), b"7a9cbec02ceef655");
        let c = ContentType::parse(&b("text/plain ; charset = \"UTF-8\"")).unwrap();
        assert_eq!(c.charset().unwrap().as_ref(), b"UTF-8");
        assert_eq!(c.media().mtype(), b"text");
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
