//! The host of an MSRP URI's authority (RFC 3986 §3.2.2) and how two hosts compare
//! (RFC 4975 §6.1 rule 2).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Span;
use super::grammar::{hex_val, is_unreserved};

/// The host of an MSRP URI, borrowing its text from the URI.
///
/// `PartialEq` is structural: names compare byte for byte, as written. The RFC 4975 §6.1
/// comparison (names case-insensitively, IP addresses as addresses) is [`Host::matches`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host<'a> {
    /// A registered name (RFC 3986 `reg-name`), as written: percent-escapes are kept.
    Name(&'a str),
    /// An IPv4 address (RFC 3986 `IPv4address`, dotted decimal without leading zeros).
    V4(Ipv4Addr),
    /// An IPv6 address, written in the URI between `[` and `]`.
    V6(Ipv6Addr),
}

impl Host<'_> {
    /// Whether the host is an IP address rather than a name.
    #[must_use]
    pub const fn is_ip(&self) -> bool {
        matches!(self, Self::V4(_) | Self::V6(_))
    }

    /// RFC 4975 §6.1 rule 2: IP addresses compare as addresses (`[::1]` matches
    /// `[0:0::1]`); names compare as case-insensitive strings after decoding percent-escaped
    /// unreserved characters (RFC 3986 §6.2.2.2), so `Example.COM` matches `ex%61mple.com`.
    /// A name never matches an address, and an IPv4 address never matches an IPv6 one
    /// (IPv4-mapped included): the RFC compares what the URIs say, not where they lead.
    #[must_use]
    pub fn matches(&self, other: &Host<'_>) -> bool {
        match (self, other) {
            (Self::Name(a), Host::Name(b)) => names_match(a.as_bytes(), b.as_bytes()),
            (Self::V4(a), Host::V4(b)) => a == b,
            (Self::V6(a), Host::V6(b)) => a == b,
            _ => false,
        }
    }
}

/// The host as it appears in a URI: a name as written, an IPv4 address dotted, an IPv6
/// address in its canonical (RFC 5952) form between brackets. A parsed URI's own text may
/// write an IPv6 address differently; [`MsrpUri`](super::MsrpUri) displays that text.
impl core::fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Name(n) => f.write_str(n),
            Self::V4(a) => write!(f, "{a}"),
            Self::V6(a) => write!(f, "[{a}]"),
        }
    }
}

impl From<IpAddr> for Host<'static> {
    fn from(a: IpAddr) -> Self {
        match a {
            IpAddr::V4(a) => Self::V4(a),
            IpAddr::V6(a) => Self::V6(a),
        }
    }
}

impl From<Ipv4Addr> for Host<'static> {
    fn from(a: Ipv4Addr) -> Self {
        Self::V4(a)
    }
}

impl From<Ipv6Addr> for Host<'static> {
    fn from(a: Ipv6Addr) -> Self {
        Self::V6(a)
    }
}

/// A host as a URI stores it: a span of its text, or the address itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HostSpan {
    /// A registered name.
    Name(Span),
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address.
    V6(Ipv6Addr),
}

/// One unit of a name after RFC 3986 §6.2.2 normalization: a character (literal, or an
/// escaped unreserved one decoded), lowercased; or an escaped octet that stays escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Char(u8),
    Escaped(u8),
}

/// The normalized units of a reg-name. A `%` without two hex digits (never in a parsed
/// name) stays a plain character.
fn units(name: &[u8]) -> impl Iterator<Item = Unit> + '_ {
    let mut i = 0;
    core::iter::from_fn(move || {
        let b = *name.get(i)?;
        let escaped = if b == b'%' {
            name.get(i + 1)
                .copied()
                .and_then(hex_val)
                .zip(name.get(i + 2).copied().and_then(hex_val))
                .map(|(h, l)| (h << 4) | l)
        } else {
            None
        };
        Some(match escaped {
            Some(o) => {
                i += 3;
                if is_unreserved(o) {
                    Unit::Char(o.to_ascii_lowercase())
                } else {
                    Unit::Escaped(o)
                }
            }
            None => {
                i += 1;
                Unit::Char(b.to_ascii_lowercase())
            }
        })
    })
}

/// Names compare case-insensitively after decoding escaped unreserved characters.
fn names_match(a: &[u8], b: &[u8]) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    // Only escapes can make different texts equal.
    (a.contains(&b'%') || b.contains(&b'%')) && units(a).eq(units(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    // REQ: MSRP-3 — §6.1 rule 2: names case-insensitively, after percent-decoding.
    #[test]
    fn names() {
        let n = Host::Name;
        assert!(n("Example.COM").matches(&n("example.com")));
        assert!(n("ex%61mple.com").matches(&n("EXAMPLE.com")));
        assert!(n("ex%41mple.com").matches(&n("example.com")));
        assert!(n("a%2Db").matches(&n("a-b")));
        // Escaped reserved characters stay escaped: `%21` is not `!`.
        assert!(!n("a%21").matches(&n("a!")));
        assert!(n("a%2c").matches(&n("a%2C")));
        assert!(!n("example.com").matches(&n("example.org")));
        assert!(!n("example.com").matches(&n("example.com.")));
        assert_ne!(n("A"), n("a"), "PartialEq is structural");
    }

    // REQ: MSRP-3 — §6.1 rule 2: IP addresses compare as addresses.
    #[test]
    fn addresses() {
        let v6 = |s: &str| Host::V6(s.parse().unwrap());
        assert!(v6("::1").matches(&v6("0:0::1")));
        assert!(v6("2001:db8::1").matches(&v6("2001:DB8:0:0::1")));
        assert!(!v6("::1").matches(&v6("::2")));
        let v4 = Host::from(Ipv4Addr::new(192, 0, 2, 1));
        assert!(v4.matches(&Host::from(IpAddr::from([192, 0, 2, 1]))));
        assert!(!v4.matches(&Host::Name("192.0.2.1.example")));
        assert!(!v4.matches(&v6("::ffff:192.0.2.1")));
        assert!(!Host::Name("x").matches(&v4));
        assert!(v4.is_ip() && !Host::Name("x").is_ip());
        assert_eq!(v6("2001:db8:0::1").to_string(), "[2001:db8::1]");
        assert_eq!(v4.to_string(), "192.0.2.1");
    }
}
