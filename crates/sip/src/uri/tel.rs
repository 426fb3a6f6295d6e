//! tel URIs (RFC 3966).

use bytes::Bytes;

use super::params::{by_unescaped_name, params_cover, parse_uri_params};
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::Cursor;
use crate::params::Params;
use crate::parse::Span;

/// A tel URI (RFC 3966): `tel:+1-201-555-0123;ext=1234` or a local number with a
/// `phone-context` parameter.
///
/// One [`Bytes`] (the URI's text, shared with its parameter list) and spans into it.
#[derive(Clone)]
pub struct TelUri {
    /// The parameters; their source is the whole URI.
    params: Params,
    number: Span,
}

/// `visual-separator = "-" / "." / "(" / ")"` (RFC 3966 §3).
fn is_visual_separator(b: u8) -> bool {
    matches!(b, b'-' | b'.' | b'(' | b')')
}

/// `telephone-uri = "tel:" telephone-subscriber` (RFC 3966 §3), `s` being a slice of `src`.
pub(super) fn parse_tel(src: &Bytes, s: &[u8], scheme_len: usize) -> Result<TelUri> {
    let mut c = Cursor::new(s);
    c.set_pos(scheme_len + 1);
    let at = c.pos();
    let global = c.eat(b'+');
    let number = c.take_while(|b| {
        is_visual_separator(b) || b.is_ascii_digit() || (!global && is_local_digit(b))
    });
    let full = s.get(at..c.pos()).unwrap_or_default();
    let has_digit = number
        .iter()
        .any(|&b| b.is_ascii_digit() || (!global && is_local_digit(b)));
    if !has_digit {
        return Err(ParseError::new(ErrorKind::UriUser, at));
    }
    let number = Span::new(at, at + full.len());
    let params = parse_uri_params(&mut c)?;
    if !c.is_empty() {
        return Err(c.error(ErrorKind::TrailingBytes));
    }
    let params = Params::from_parts(src.slice_ref(s), params);
    // RFC 3966 §5.1.5: a local number needs a phone-context.
    if !global && !params.contains("phone-context") {
        return Err(ParseError::new(ErrorKind::UriParam, s.len()));
    }
    Ok(TelUri { params, number })
}

fn is_local_digit(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b'*' || b == b'#'
}

impl TelUri {
    /// The number as written, with its `+` and visual separators.
    #[must_use]
    pub fn number(&self) -> &[u8] {
        self.number.of(self.raw())
    }

    /// True for a global number (`+` followed by digits).
    #[must_use]
    pub fn is_global(&self) -> bool {
        self.number().first() == Some(&b'+')
    }

    /// The `phone-context` parameter of a local number.
    #[must_use]
    pub fn phone_context(&self) -> Option<&[u8]> {
        self.params.get("phone-context").flatten()
    }

    /// The parameters in order.
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The exact bytes of the URI.
    #[must_use]
    pub fn raw(&self) -> &Bytes {
        self.params.src()
    }

    fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        self.number()
            .iter()
            .filter(|&&b| !is_visual_separator(b))
            .map(u8::to_ascii_lowercase)
    }
}

/// RFC 3966 §4: numbers compare without visual separators; parameters compare as a set,
/// case-insensitively.
impl PartialEq for TelUri {
    fn eq(&self, o: &Self) -> bool {
        let (mine, theirs) = (
            by_unescaped_name(&self.params),
            by_unescaped_name(&o.params),
        );
        // RFC 3966 §4: parameters compare as a set; each name in one must be in the other.
        self.digits().eq(o.digits())
            && params_cover(&mine, &theirs)
            && params_cover(&theirs, &mine)
            && mine.firsts().all(|(n, _)| theirs.find_key(n).is_some())
            && theirs.firsts().all(|(n, _)| mine.find_key(n).is_some())
    }
}

impl Eq for TelUri {}

impl core::fmt::Debug for TelUri {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TelUri")
            .field("raw", self.raw())
            .field("number", &String::from_utf8_lossy(self.number()))
            .field("params", &self.params)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uri::Uri;
    use crate::uri::tests::{err, parse};

    // REQ: SIP-3 — RFC 3966 tel URIs.
    #[test]
    fn global_and_local_numbers() {
        let Ok(Uri::Tel(t)) = parse("tel:+1-201-555-0123;ext=1234") else {
            panic!("tel")
        };
        assert!(t.is_global());
        assert_eq!(t.number(), b"+1-201-555-0123");
        assert_eq!(t.params().get("ext"), Some(Some(&b"1234"[..])));
        assert_eq!(
            parse("tel:+12015550123;ext=1234"),
            parse("tel:+1-201-555-0123;EXT=1234")
        );
        assert_ne!(parse("tel:+12015550123"), parse("tel:+12015550124"));
        let Ok(Uri::Tel(t)) = parse("tel:7042;phone-context=example.com") else {
            panic!("local tel")
        };
        assert!(!t.is_global());
        assert_eq!(t.phone_context().unwrap(), b"example.com");
        assert_eq!(err("tel:7042"), ParseError::new(ErrorKind::UriParam, 8));
        assert_eq!(err("tel:+"), ParseError::new(ErrorKind::UriUser, 4));
    }
}
