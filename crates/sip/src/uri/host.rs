//! The host part of a SIP URI: a host name, an IPv4 address or an IPv6 reference.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::Cursor;
use crate::parse::Span;

/// The host of a SIP URI (RFC 3261 §25.1 `host = hostname / IPv4address / IPv6reference`),
/// borrowing its text from the URI (or from the string it was parsed from).
#[derive(Debug, Clone)]
pub enum Host<'a> {
    /// A host name, as written.
    Domain(&'a [u8]),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 reference `[...]`: the text between the brackets, and the address when it is a
    /// valid one. RFC 5118 §4.10 asks to tolerate the invalid form `[2001:db8:::192.0.2.1]`,
    /// which is kept with `addr == None`.
    Ipv6 {
        /// The text inside the brackets (owned only for a host made from an [`IpAddr`]).
        raw: Cow<'a, [u8]>,
        /// The address, if `raw` is a valid IPv6 address.
        addr: Option<Ipv6Addr>,
    },
}

impl<'a> Host<'a> {
    /// A host name; fails with [`ErrorKind::Host`] unless `name` is a valid host name, IPv4
    /// address or bracketed IPv6 reference (which are then returned as such).
    pub fn parse(name: &'a str) -> Result<Self> {
        let src = name.as_bytes();
        let mut c = Cursor::new(src);
        let host = parse_host(&mut c)?;
        if c.is_empty() {
            Ok(host.view(src))
        } else {
            Err(c.error(ErrorKind::Host))
        }
    }

    /// The host as written: a name, a dotted IPv4 address, or an IPv6 reference with its
    /// brackets.
    pub(super) fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::Domain(d) => out.extend_from_slice(d),
            Self::Ipv4(a) => out.extend_from_slice(a.to_string().as_bytes()),
            Self::Ipv6 { raw, .. } => {
                out.push(b'[');
                out.extend_from_slice(raw);
                out.push(b']');
            }
        }
    }
}

impl core::convert::From<IpAddr> for Host<'static> {
    fn from(a: IpAddr) -> Self {
        match a {
            IpAddr::V4(a) => Self::Ipv4(a),
            IpAddr::V6(a) => Self::Ipv6 {
                raw: Cow::Owned(a.to_string().into_bytes()),
                addr: Some(a),
            },
        }
    }
}

/// Hosts compare case-insensitively (RFC 3261 §19.1.4); IPv6 references by address when both
/// are valid. A name never equals an address, even one it resolves to.
impl PartialEq for Host<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Domain(a), Self::Domain(b)) => a.eq_ignore_ascii_case(b),
            (Self::Ipv4(a), Self::Ipv4(b)) => a == b,
            (Self::Ipv6 { addr: Some(a), .. }, Self::Ipv6 { addr: Some(b), .. }) => a == b,
            (Self::Ipv6 { raw: a, .. }, Self::Ipv6 { raw: b, .. }) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }
}

impl Eq for Host<'_> {}

/// A host as stored in a URI: spans into the URI's bytes (12 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HostSpan {
    /// A host name.
    Domain(Span),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// The inside of an IPv6 reference's brackets.
    Ipv6(Span),
}

impl HostSpan {
    /// The host, its text taken from `src` (the bytes the spans point into).
    pub(super) fn view(self, src: &[u8]) -> Host<'_> {
        match self {
            Self::Domain(s) => Host::Domain(s.of(src)),
            Self::Ipv4(a) => Host::Ipv4(a),
            Self::Ipv6(s) => {
                let raw = s.of(src);
                Host::Ipv6 {
                    addr: ipv6(raw),
                    raw: Cow::Borrowed(raw),
                }
            }
        }
    }
}

fn ipv6(raw: &[u8]) -> Option<Ipv6Addr> {
    core::str::from_utf8(raw)
        .ok()
        .and_then(|t| t.parse::<Ipv6Addr>().ok())
}

/// `host` at the cursor: `[IPv6]`, IPv4, or a host name (tolerating `_`). Spans are offsets
/// into the cursor's input.
pub(super) fn parse_host(c: &mut Cursor<'_>) -> Result<HostSpan> {
    let start = c.pos();
    if c.eat(b'[') {
        let inner = c.take_while(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !c.eat(b']') {
            return Err(c.error(ErrorKind::Host));
        }
        if inner.iter().filter(|&&b| b == b':').count() < 2 {
            return Err(ParseError::new(ErrorKind::Host, start));
        }
        return Ok(HostSpan::Ipv6(Span::new(
            start + 1,
            start + 1 + inner.len(),
        )));
    }
    let name = c.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    let bad = || ParseError::new(ErrorKind::Host, start);
    if name.iter().all(|&b| b.is_ascii_digit() || b == b'.') {
        // All digits: only an IPv4 address fits (a top label starts with a letter). This also
        // rejects the first group of a bare IPv6 address (`sip:2001:db8::10`, RFC 5118 §4.2).
        let addr = core::str::from_utf8(name)
            .ok()
            .and_then(|t| t.parse::<Ipv4Addr>().ok())
            .ok_or_else(bad)?;
        return Ok(HostSpan::Ipv4(addr));
    }
    // Counted once: per empty label it would make a host of many dots quadratic.
    let dots = name.iter().filter(|&&b| b == b'.').count();
    let labels_ok = name.split(|&b| b == b'.').enumerate().all(|(i, l)| {
        // A trailing dot (`example.com.`) leaves one empty last label, which is allowed.
        (l.is_empty() && i > 0 && i == dots) || (!l.is_empty() && l.first() != Some(&b'-'))
    });
    if labels_ok {
        Ok(HostSpan::Domain(Span::new(start, start + name.len())))
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::uri::Uri;
    use crate::uri::tests::{err, sip};

    // REQ: SEC-2 — empty labels are refused without recounting the dots for each one (a host
    // of 60 000 dots took seconds when every empty label rescanned the name).
    #[test]
    fn many_empty_labels_are_refused() {
        let host = Bytes::from(format!("sip:a@x{}", ".".repeat(60_000)));
        assert_eq!(Uri::parse(&host).unwrap_err().kind, ErrorKind::Host);
        assert!(sip("sip:a@example.com.").host() == Host::Domain(b"example.com."));
    }

    // REQ: SIP-3 — RFC 5118 IPv6 references.
    #[test]
    fn rfc5118_ipv6() {
        let u = sip("sip:[2001:db8::10]");
        assert!(matches!(u.host(), Host::Ipv6 { addr: Some(a), .. } if a.segments()[0] == 0x2001));
        // §4.2: an unbracketed IPv6 host fails.
        assert_eq!(err("sip:2001:db8::10"), ParseError::new(ErrorKind::Host, 4));
        assert_eq!(err("sip:user@fe80::1"), ParseError::new(ErrorKind::Host, 9));
        // §4.3: the last group inside the brackets is not a port.
        let u = sip("sip:[2001:db8::10:5070]");
        assert_eq!(u.port(), None);
        assert_eq!(sip("sip:[2001:db8::10]:5070").port(), Some(5070));
        // §4.10: the invalid 3-colon form is tolerated, kept raw.
        let u = sip("sip:user@[2001:db8:::192.0.2.1]");
        assert!(
            matches!(u.host(), Host::Ipv6 { raw, addr: None } if raw.as_ref() == b"2001:db8:::192.0.2.1")
        );
        let u = sip("sip:user@[2001:db8::192.0.2.1]");
        assert!(matches!(u.host(), Host::Ipv6 { addr: Some(_), .. }));
        assert!(matches!(
            sip("sip:ted@[::ffff:192.0.2.2]").host(),
            Host::Ipv6 { addr: Some(_), .. }
        ));
        assert_eq!(
            err("sip:[2001:db8::10"),
            ParseError::new(ErrorKind::Host, 17)
        );
        assert_eq!(err("sip:[1:2]"), ParseError::new(ErrorKind::Host, 4));
    }
}
