//! CPIM addresses (RFC 3862 §4.1): `[ Formal-name ] "<" URI ">"`, with
//! `Formal-name = 1*( Token SP ) / String`.
//!
//! The URI is kept as the bytes between the angle brackets and never parsed: routing code
//! compares it, or hands it to a URI parser of its own choice.

use bytes::{BufMut, Bytes, BytesMut};

use crate::chars::{is_tokenchar, trim_wsp};
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{quote_into, string_len, unescape};

/// `From`, `To`, `cc` and the IMDN route headers: an optional formal (display) name and a URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    formal_name: Option<Bytes>,
    uri: Bytes,
}

impl Address {
    /// An address with a formal name (any UTF-8 text; it is quoted as needed when written).
    pub fn new(formal_name: Option<&str>, uri: impl Into<Bytes>) -> Self {
        Self {
            formal_name: formal_name.map(|n| Bytes::copy_from_slice(n.as_bytes())),
            uri: uri.into(),
        }
    }

    /// An address without formal name.
    pub fn uri_only(uri: impl Into<Bytes>) -> Self {
        Self {
            formal_name: None,
            uri: uri.into(),
        }
    }

    /// The formal name, unquoted and unescaped (`Bob the Builder`), if any.
    #[must_use]
    pub fn formal_name(&self) -> Option<&[u8]> {
        self.formal_name.as_deref()
    }

    /// The URI, as written between `<` and `>`.
    #[must_use]
    pub fn uri(&self) -> &Bytes {
        &self.uri
    }

    /// True when the URI carries the `conf=isfocus` parameter (REQ: SW-9): the address names
    /// the conference focus itself. Compared ASCII case-insensitively, white space ignored
    /// around `;` and `=` as the seeds write it (`<sip:room@example.com; conf=isfocus >`).
    #[must_use]
    pub fn is_focus(&self) -> bool {
        let before_headers = self.uri.split(|&b| b == b'?').next().unwrap_or_default();
        before_headers.split(|&b| b == b';').skip(1).any(|p| {
            let mut kv = p.splitn(2, |&b| b == b'=');
            let k = trim_wsp(kv.next().unwrap_or_default());
            let v = trim_wsp(kv.next().unwrap_or_default());
            k.eq_ignore_ascii_case(b"conf") && v.eq_ignore_ascii_case(b"isfocus")
        })
    }

    /// Parses a header value (escapes not yet resolved) that starts at `offset` in the
    /// message. `value` is a `Bytes` so the URI can be a slice of it.
    pub(crate) fn parse(value: &Bytes, offset: usize) -> Result<Self> {
        let v: &[u8] = value.as_ref();
        let err = |i: usize| ParseError::new(ErrorKind::Address, offset + i);
        let lead = v.iter().position(|&b| b != b' ').unwrap_or(v.len());
        let (formal_name, lt) = if v.get(lead) == Some(&b'"') {
            let len = v
                .get(lead..)
                .and_then(string_len)
                .ok_or(ParseError::new(ErrorKind::QuotedString, offset + lead))?;
            let inner = v.get(lead + 1..lead + len - 1).unwrap_or_default();
            let name =
                unescape(inner).map_err(|(k, i)| ParseError::new(k, offset + lead + 1 + i))?;
            let rest = lead + len;
            let lt = rest
                + v.get(rest..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&b| b == b' ')
                    .count();
            (Some(Bytes::copy_from_slice(&name)), lt)
        } else {
            let lt = memchr::memchr(b'<', v).ok_or(err(v.len()))?;
            let name = trim_wsp(v.get(lead..lt).unwrap_or_default());
            let name = if name.is_empty() {
                None
            } else {
                let resolved =
                    unescape(name).map_err(|(k, i)| ParseError::new(k, offset + lead + i))?;
                Some(Bytes::copy_from_slice(&resolved))
            };
            (name, lt)
        };
        if v.get(lt) != Some(&b'<') {
            return Err(err(lt));
        }
        let gt = lt
            + 1
            + memchr::memchr(b'>', v.get(lt + 1..).unwrap_or_default()).ok_or(err(v.len()))?;
        if gt == lt + 1 {
            return Err(err(gt));
        }
        if !trim_wsp(v.get(gt + 1..).unwrap_or_default()).is_empty() {
            return Err(err(gt + 1));
        }
        Ok(Self {
            formal_name,
            uri: value.slice(lt + 1..gt),
        })
    }

    /// Writes the address as a header value: a single-token formal name bare
    /// (`SysAdmin <sip:...>`), any other name as a quoted `String` (`"Bob the Builder" <...>`).
    pub fn encode(&self, out: &mut BytesMut) {
        if let Some(name) = &self.formal_name {
            if !name.is_empty() && name.iter().all(|&b| is_tokenchar(b)) {
                out.put_slice(name);
            } else {
                quote_into(name, out);
            }
            out.put_u8(b' ');
        }
        out.put_u8(b'<');
        out.put_slice(&self.uri);
        out.put_u8(b'>');
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn p(s: &'static str) -> Result<Address> {
        Address::parse(&Bytes::from_static(s.as_bytes()), 10)
    }

    #[test]
    fn forms() {
        let a = p("\"Bob the Builder\" <im:bob@example.com>").unwrap();
        assert_eq!(a.formal_name(), Some(&b"Bob the Builder"[..]));
        assert_eq!(&a.uri()[..], b"im:bob@example.com");
        let b = p("MR SANDERS <im:piglet@100akerwood.com>").unwrap();
        assert_eq!(b.formal_name(), Some(&b"MR SANDERS"[..]));
        let c = p("<sip:x@y>").unwrap();
        assert_eq!(c.formal_name(), None);
        let d = p("SysAdmin <sip:imconference@example.com; conf=isfocus >").unwrap();
        assert!(d.is_focus());
        assert!(!c.is_focus());
    }

    #[test]
    fn errors_located() {
        assert_eq!(
            p("bob@example.com").unwrap_err(),
            ParseError::new(ErrorKind::Address, 25)
        );
        assert_eq!(
            p("\"Bob <x>").unwrap_err(),
            ParseError::new(ErrorKind::QuotedString, 10)
        );
        assert_eq!(
            p("<x> junk").unwrap_err(),
            ParseError::new(ErrorKind::Address, 13)
        );
        assert_eq!(p("\"a\"b <x>").unwrap_err().kind, ErrorKind::Address);
    }

    #[test]
    fn encode_round_trip() {
        for a in [
            Address::new(Some("Bob the Builder"), "im:bob@example.com"),
            Address::new(Some("SysAdmin"), "sip:room@host;conf=isfocus"),
            Address::new(Some("quote \" and \\ é"), "im:x@y"),
            Address::uri_only("im:z@w"),
        ] {
            let mut out = BytesMut::new();
            a.encode(&mut out);
            assert_eq!(
                p(Box::leak(
                    String::from_utf8(out.to_vec()).unwrap().into_boxed_str()
                ))
                .unwrap(),
                a
            );
        }
    }
}
