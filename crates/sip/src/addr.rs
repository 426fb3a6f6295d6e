//! Addresses of From, To, Contact and friends (REQ: SIP-3; RFC 3261 §20.10, §25.1):
//! `( name-addr / addr-spec ) *( SEMI generic-param )`, with
//! `name-addr = [ display-name ] LAQUOT addr-spec RAQUOT`.

use std::borrow::Cow;

use bytes::{BufMut, Bytes};

use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{Cursor, is_token, is_ws, unquote};
use crate::params::{Param, Params, parse_generic_params};
use crate::uri::{Uri, UriContext, parse_at};

/// An address with its header parameters: `"Alice" <sip:alice@example.com>;tag=1928`.
///
/// A parsed value re-emits its exact bytes. The `with_*` builders re-serialize it in the
/// bracketed form (`[display-name SP] "<" URI ">" *(";" param)`).
#[derive(Debug, Clone)]
pub struct NameAddr {
    display_name: Option<Bytes>,
    uri: Uri,
    params: Params,
    angle: bool,
    raw: Bytes,
}

impl NameAddr {
    /// Parses one whole value (`src` is the trimmed header value or list element). Error
    /// offsets count from the start of `src`.
    pub fn parse(src: &Bytes) -> Result<Self> {
        let mut cur = Cursor::new(src);
        let na = parse_name_addr(&mut cur, src)?;
        cur.finish()?;
        Ok(na)
    }

    /// A bracketed address for `uri`, with no display name and no parameters.
    #[must_use]
    pub fn new(uri: impl Into<Uri>) -> Self {
        let mut na = Self {
            display_name: None,
            uri: uri.into(),
            params: Params::new(),
            angle: true,
            raw: Bytes::new(),
        };
        na.rebuild();
        na
    }

    /// Sets the display name, written as a quoted string (`"` and `\` are escaped, CR and LF
    /// become spaces).
    #[must_use]
    pub fn with_display_name(mut self, name: &str) -> Self {
        let mut q = Vec::with_capacity(name.len() + 2);
        crate::header::write_quoted(&mut q, name);
        self.display_name = Some(Bytes::from(q));
        self.angle = true;
        self.rebuild();
        self
    }

    /// Sets (or replaces) a header parameter; `value` is written as given (a token, a host or
    /// a quoted string with its quotes).
    #[must_use]
    pub fn with_param(mut self, name: &str, value: Option<&str>) -> Self {
        let value = value.map(|v| Bytes::copy_from_slice(v.as_bytes()));
        self.params.set(name, value);
        self.rebuild();
        self
    }

    /// Sets the `tag` parameter (RFC 3261 §19.3); the caller passes a token.
    #[must_use]
    pub fn with_tag(self, tag: &str) -> Self {
        self.with_param("tag", Some(tag))
    }

    fn rebuild(&mut self) {
        let mut out = Vec::with_capacity(self.uri.raw().len() + 16);
        if let Some(d) = &self.display_name {
            out.extend_from_slice(d);
            out.push(b' ');
        }
        if self.angle {
            out.push(b'<');
        }
        out.extend_from_slice(self.uri.raw());
        if self.angle {
            out.push(b'>');
        }
        self.params.write_to(&mut out);
        self.raw = Bytes::from(out);
    }

    /// The display name as written: a quoted string with its quotes, or a run of tokens.
    #[must_use]
    pub fn display_name(&self) -> Option<&Bytes> {
        self.display_name.as_ref()
    }

    /// The display name as text: unquoted, quoted-pairs resolved, invalid UTF-8 replaced.
    #[must_use]
    pub fn display_name_text(&self) -> Option<Cow<'_, str>> {
        let d = self.display_name.as_deref()?;
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
    pub fn tag(&self) -> Option<&Bytes> {
        self.params.get("tag").flatten()
    }

    /// True for the `name-addr` form (URI in `<>`), false for a bare `addr-spec`.
    #[must_use]
    pub fn angle(&self) -> bool {
        self.angle
    }

    /// The exact bytes of the value.
    #[must_use]
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// Appends the value's bytes to `out`.
    pub fn write_to(&self, out: &mut impl BufMut) {
        out.put_slice(&self.raw);
    }
}

/// Parses `( name-addr / addr-spec ) *( SEMI generic-param )` at the cursor, which walks
/// `src`. Stops after the parameters, leaving anything else (a `,`) to the caller.
pub(crate) fn parse_name_addr(cur: &mut Cursor<'_>, src: &Bytes) -> Result<NameAddr> {
    cur.skip_ws();
    let start = cur.pos();
    let display_name = match cur.peek() {
        Some(b'"') => {
            let q = cur.quoted_string()?;
            cur.skip_ws();
            if cur.peek() != Some(b'<') {
                return Err(cur.error(ErrorKind::NameAddr));
            }
            Some(src.slice_ref(q))
        }
        Some(b'<') => None,
        _ => token_display_name(cur, src)?,
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
    let params = parse_generic_params(cur, src)?;
    let raw = src.slice_ref(cur.input().get(start..cur.pos()).unwrap_or_default());
    Ok(NameAddr {
        display_name,
        uri,
        params,
        angle,
        raw: trim_end(src, raw),
    })
}

/// `display-name = *(token LWS)` before a `<` (LWS may be absent, RFC 4475 §3.1.1.6 lwsdisp).
/// Returns `None` (cursor unmoved) when the value is an addr-spec instead.
fn token_display_name(cur: &mut Cursor<'_>, src: &Bytes) -> Result<Option<Bytes>> {
    let start = cur.pos();
    let run = cur.take_while(|b| is_token(b) || is_ws(b));
    match cur.peek() {
        Some(b'<') => Ok(Some(src.slice_ref(crate::lex::trim_ws(run)))),
        // Anything else before a `<` is a display name that needed quotes (RFC 4475 §3.1.2.6
        // baddn: `Bell, Alexander <sip:...>`).
        Some(_) if memchr::memchr(b'<', cur.rest()).is_some() && !looks_like_uri(run) => {
            Err(cur.error(ErrorKind::NameAddr))
        }
        _ => {
            cur.set_pos(start);
            Ok(None)
        }
    }
}

/// True when `run` followed by the cursor's `:` starts a URI (a scheme-like single word).
fn looks_like_uri(run: &[u8]) -> bool {
    !run.is_empty() && !run.iter().any(|&b| is_ws(b))
}

fn trim_end(src: &Bytes, raw: Bytes) -> Bytes {
    let t = raw.trim_ascii_end();
    if t.len() == raw.len() {
        raw
    } else {
        src.slice_ref(t)
    }
}

/// Equal display names (as written), URIs (RFC 3261 §19.1.4) and header parameters (names
/// case-insensitive, in any order).
impl PartialEq for NameAddr {
    fn eq(&self, o: &Self) -> bool {
        let covers = |a: &Params, b: &Params| {
            a.iter().all(|p: &Param| {
                b.find(&String::from_utf8_lossy(&p.name))
                    .is_some_and(|q| q.value == p.value)
            })
        };
        self.display_name == o.display_name
            && self.uri == o.uri
            && self.params.len() == o.params.len()
            && covers(&self.params, &o.params)
    }
}

impl Eq for NameAddr {}

impl core::fmt::Display for NameAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
}
