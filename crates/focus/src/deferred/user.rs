//! [`Aor`]: the key under which a user's registration and stored messages are kept.

use core::fmt;

use bytes::Bytes;
use simpleim_sip::{Host, Uri};

/// A user's address of record, normalized so that the spellings RFC 3261 §19.1.4 calls equal
/// give one key: for `sip:`/`sips:` URIs the scheme and host in lower case, the user part
/// unescaped and compared byte for byte (it is case-sensitive), the port kept, and URI
/// parameters and headers dropped (`sip:Bob@EXAMPLE.com;transport=tcp` is
/// `sip:Bob@example.com`); for `tel:` URIs the number without visual separators
/// (RFC 3966 §5.1.1) and without parameters; other URIs whole, in lower case.
///
/// ```
/// use simpleim_focus::deferred::Aor;
///
/// let a = Aor::parse("sip:Bob@EXAMPLE.com;transport=tcp").unwrap();
/// assert_eq!(a.as_str(), "sip:Bob@example.com");
/// assert_eq!(Aor::parse("sip:B%6fb@example.com"), Some(a));
/// assert_eq!(Aor::parse("tel:+1-201-555-0123").unwrap().as_str(), "tel:+12015550123");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Aor(String);

impl Aor {
    /// The key of `uri`.
    #[must_use]
    pub fn from_uri(uri: &Uri) -> Self {
        match uri {
            Uri::Sip(sip) => {
                let scheme = if sip.is_secure() { "sips" } else { "sip" };
                let mut s = format!("{scheme}:");
                if let Some(user) = sip.user_unescaped() {
                    s.push_str(&String::from_utf8_lossy(&user));
                    s.push('@');
                }
                match sip.host() {
                    Host::Domain(d) => s.push_str(&String::from_utf8_lossy(d).to_ascii_lowercase()),
                    Host::Ipv4(a) => s.push_str(&a.to_string()),
                    Host::Ipv6 { addr: Some(a), .. } => s.push_str(&format!("[{a}]")),
                    Host::Ipv6 { raw, addr: None } => {
                        s.push('[');
                        s.push_str(&String::from_utf8_lossy(&raw).to_ascii_lowercase());
                        s.push(']');
                    }
                }
                if let Some(port) = sip.port() {
                    s.push_str(&format!(":{port}"));
                }
                Self(s)
            }
            Uri::Tel(tel) => {
                let number: String = String::from_utf8_lossy(tel.number())
                    .chars()
                    .filter(|c| !matches!(c, '-' | '.' | '(' | ')'))
                    .collect();
                Self(format!("tel:{}", number.to_ascii_lowercase()))
            }
            Uri::Other(_) => Self(uri.to_string().to_ascii_lowercase()),
        }
    }

    /// The key of the URI written in `text`; `None` when it is not a URI.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::parse_bytes(&Bytes::copy_from_slice(text.trim().as_bytes()))
    }

    /// The key of the URI in `bytes`; `None` when it is not a URI.
    #[must_use]
    pub fn parse_bytes(bytes: &Bytes) -> Option<Self> {
        Uri::parse(bytes).ok().map(|u| Self::from_uri(&u))
    }

    /// The normalized URI text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Aor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        let k = |s: &str| Aor::parse(s).map(|a| a.0);
        assert_eq!(
            k("SIP:alice@Example.COM:5060").as_deref(),
            Some("sip:alice@example.com:5060")
        );
        assert_eq!(
            k("sips:alice@example.com").as_deref(),
            Some("sips:alice@example.com")
        );
        assert_eq!(k("sip:192.0.2.1").as_deref(), Some("sip:192.0.2.1"));
        assert_eq!(
            k("sip:a@[2001:DB8::1]").as_deref(),
            Some("sip:a@[2001:db8::1]")
        );
        assert_eq!(
            k("IM:Bob@Example.com").as_deref(),
            Some("im:bob@example.com")
        );
        assert_ne!(k("sip:Alice@example.com"), k("sip:alice@example.com"));
        assert_eq!(k("not a uri"), None);
    }
}
