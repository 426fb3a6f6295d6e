//! MSRP URIs (RFC 4975 §6, §9; REQ: MSRP-3) and the path header values made of them.
//!
//! An [`MsrpUri`] holds one [`Bytes`] (its exact text, a slice of the buffer it was parsed
//! from, never a copy) and the spans of its parts, so it is cheap to clone and re-emits the
//! exact bytes it came from. A [`Path`] (the value of To-Path, From-Path or Use-Path) is one
//! or more of them.
//!
//! Two URIs name the same session when they *match* by the RFC 4975 §6.1 rules
//! ([`MsrpUri::matches`]), or, with CEMA (RFC 6714), when their session-ids are equal
//! ([`MsrpUri::session_id_matches`]). `==` is byte equality of the text, which is stricter.
//!
//! ```
//! use bytes::Bytes;
//! use simpleim_msrp::{Host, MsrpUri, Path, Scheme};
//!
//! let to = Path::parse(Bytes::from_static(
//!     b"msrp://relay.example.com:2855/aeiug;tcp msrp://bob.example.com:8888/9di4eae923wzd;tcp",
//! ))?;
//! assert_eq!(to.len(), 2);
//! assert_eq!(to.first().host(), Host::Name("relay.example.com"));
//! assert_eq!(to.last().session_id(), Some("9di4eae923wzd"));
//!
//! let mine = MsrpUri::new(
//!     Scheme::Msrp,
//!     Host::Name("BOB.example.com"),
//!     Some(8888),
//!     Some("9di4eae923wzd"),
//!     "TCP",
//! )?;
//! assert_eq!(mine.to_string(), "msrp://BOB.example.com:8888/9di4eae923wzd;TCP");
//! assert!(mine.matches(to.last())); // host and transport case-insensitively
//! assert_ne!(&mine, to.last()); // but not the same bytes
//! # Ok::<(), simpleim_msrp::UriError>(())
//! ```

use core::fmt;
use core::str::FromStr;

use bytes::Bytes;

mod error;
mod grammar;
mod host;
mod path;

pub use error::{UriError, UriErrorKind};
use grammar::{Parts, Span};
pub use host::Host;
use host::HostSpan;
pub use path::{MAX_PATH_URIS, Path, PathIter, PathLimits};

/// The longest URI [`MsrpUri::parse`] accepts, in bytes. RFC 4975 sets no limit; real URIs
/// are well under 200 bytes, and a bound keeps the work per URI small.
pub const MAX_URI_LEN: usize = 4096;

/// The scheme of an MSRP URI (RFC 4975 §6), written in any case on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `msrp`: MSRP over an unprotected connection.
    Msrp,
    /// `msrps`: the connection MUST be protected with TLS (RFC 4975 §6).
    Msrps,
}

impl Scheme {
    /// The scheme in lower case, as new URIs are written.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Msrp => "msrp",
            Self::Msrps => "msrps",
        }
    }

    /// Whether the connection must use TLS.
    #[must_use]
    pub const fn is_secure(self) -> bool {
        matches!(self, Self::Msrps)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An MSRP URI (RFC 4975 §6): `msrp://[userinfo@]host[:port][/session-id];transport[;params]`.
///
/// Parsed from a [`Bytes`] it keeps a slice of that buffer and the spans of its parts;
/// [`as_str`](Self::as_str) and `Display` give back the exact text.
///
/// # Grammar
/// RFC 4975 §9 `MSRP-URI`, with the authority of RFC 3986 §3.2, and these readings where
/// the ABNF leaves room:
/// - a `reg-name` may not hold `;` (it would swallow the transport) and may not be empty;
/// - a `:` in the userinfo is refused, as it carries a password (§6: "MUST NOT");
/// - the port, when its `:` is there, has at least one digit and a value up to 65535;
/// - `[...]` must hold an IPv6 address (`IPvFuture` is not supported);
/// - the session-id may hold `/`, as in RFC 4975 itself (draft -19's ABNF lost it);
/// - an IP address without a port is accepted, although §6 says the authority "MUST also
///   contain a port": nothing is ambiguous about it, and [`new`](Self::new) never writes one.
///
/// # Equality
/// `PartialEq`, `Eq` and `Hash` compare the text byte for byte, so that a `HashSet` of URIs
/// and `==` never surprise. Whether two URIs designate the same session is a different,
/// looser question, answered by [`matches`](Self::matches) (RFC 4975 §6.1) or
/// [`session_id_matches`](Self::session_id_matches) (RFC 6714 CEMA).
#[derive(Clone)]
pub struct MsrpUri {
    raw: Bytes,
    parts: Parts,
}

impl MsrpUri {
    /// Parses all of `raw` as an MSRP URI, keeping `raw` (no copy). Fails on input longer
    /// than [`MAX_URI_LEN`] with [`UriErrorKind::TooLong`]; error offsets count from the
    /// first byte of `raw`.
    pub fn parse(raw: Bytes) -> Result<Self, UriError> {
        Self::parse_limited(raw, MAX_URI_LEN)
    }

    /// Parses `s` as an MSRP URI, copying it into a new buffer.
    pub fn parse_str(s: &str) -> Result<Self, UriError> {
        // Checked before copying, so that an oversized input is not copied.
        if s.len() > MAX_URI_LEN {
            return Err(UriError::new(UriErrorKind::TooLong, MAX_URI_LEN));
        }
        Self::parse(Bytes::copy_from_slice(s.as_bytes()))
    }

    /// [`parse`](Self::parse) with a length limit of `max_len` bytes.
    pub(crate) fn parse_limited(raw: Bytes, max_len: usize) -> Result<Self, UriError> {
        if raw.len() > max_len || u32::try_from(raw.len()).is_err() {
            return Err(UriError::new(UriErrorKind::TooLong, max_len));
        }
        let parts = grammar::parse(&raw)?;
        Ok(Self { raw, parts })
    }

    /// A new URI from its parts, written as `scheme://host[:port][/session_id];transport`.
    ///
    /// Fails if a part does not fit the grammar (the error offset then counts from the start
    /// of the URI text being built): a name that is not a `reg-name` ([`UriErrorKind::Host`]
    /// or [`UriErrorKind::Escape`]), an empty or bad session-id, a transport that is not
    /// `1*ALPHANUM`. Also fails with [`UriErrorKind::Port`] for an IP address without a port,
    /// since RFC 4975 §6 says such an authority "MUST also contain a port" (parsing accepts
    /// one, to be lenient with what peers send).
    pub fn new(
        scheme: Scheme,
        host: Host<'_>,
        port: Option<u16>,
        session_id: Option<&str>,
        transport: &str,
    ) -> Result<Self, UriError> {
        let mut text = format!("{scheme}://");
        let host_at = text.len();
        if let Host::Name(name) = host {
            if name.is_empty() {
                return Err(UriError::new(UriErrorKind::Host, host_at));
            }
            // Checked here so that a `/`, `;` or `@` cannot smuggle in other parts.
            grammar::check_escaped(
                name.as_bytes(),
                host_at,
                grammar::is_reg_name_char,
                UriErrorKind::Host,
            )?;
        }
        text.push_str(&host.to_string());
        match port {
            Some(p) => text.push_str(&format!(":{p}")),
            None if host.is_ip() => return Err(UriError::new(UriErrorKind::Port, text.len())),
            None => {}
        }
        if let Some(id) = session_id {
            text.push('/');
            let at = text.len();
            if let Some(i) = id.bytes().position(|b| !grammar::is_session_id_char(b)) {
                return Err(UriError::new(UriErrorKind::SessionId, at + i));
            }
            text.push_str(id);
        }
        text.push(';');
        let at = text.len();
        if let Some(i) = transport.bytes().position(|b| !b.is_ascii_alphanumeric()) {
            return Err(UriError::new(UriErrorKind::Transport, at + i));
        }
        text.push_str(transport);
        // The parse checks what is left (an empty session-id or transport) and places the
        // error.
        Self::parse_limited(Bytes::from(text), MAX_URI_LEN)
    }

    /// The text of a span of this URI. Every part of a parsed URI is ASCII.
    fn text(&self, span: Span) -> &str {
        core::str::from_utf8(span.of(&self.raw)).unwrap_or_default()
    }

    /// The scheme.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        self.parts.scheme
    }

    /// The userinfo before the `@`, if any, as written (percent-escapes kept). RFC 4975 §6:
    /// it names a user account for which the session is valid, not the session; it plays no
    /// part in [`matches`](Self::matches).
    #[must_use]
    pub fn userinfo(&self) -> Option<&str> {
        self.parts.userinfo.map(|s| self.text(s))
    }

    /// The host.
    #[must_use]
    pub fn host(&self) -> Host<'_> {
        match self.parts.host {
            HostSpan::Name(s) => Host::Name(self.text(s)),
            HostSpan::V4(a) => Host::V4(a),
            HostSpan::V6(a) => Host::V6(a),
        }
    }

    /// The explicit port, if any. There is no default port to assume (RFC 4975 §6: the
    /// registered port "is not a default").
    #[must_use]
    pub fn port(&self) -> Option<u16> {
        self.parts.port
    }

    /// The authority as written: `[userinfo@]host[:port]`.
    #[must_use]
    pub fn authority(&self) -> &str {
        self.text(self.parts.authority)
    }

    /// The session-id, if any; a URI without one names an MSRP device, not a session
    /// (RFC 4975 §6).
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.parts.session_id.map(|s| self.text(s))
    }

    /// The session-id as a slice of the URI's buffer (no copy), to key maps with.
    pub(crate) fn session_id_bytes(&self) -> Option<Bytes> {
        self.parts
            .session_id
            .map(|s| self.raw.slice(s.start()..s.end()))
    }

    /// The transport as written (`tcp`, `TCP`, `ws`, ...).
    #[must_use]
    pub fn transport(&self) -> &str {
        self.text(self.parts.transport)
    }

    /// Whether the scheme is `msrps` (the connection must use TLS).
    #[must_use]
    pub fn is_secure(&self) -> bool {
        self.parts.scheme.is_secure()
    }

    /// The URI parameters after the transport, in order, as `(name, value)`.
    #[must_use]
    pub fn params(&self) -> UriParams<'_> {
        let rest = self
            .raw
            .get(self.parts.params as usize..)
            .unwrap_or_default();
        UriParams {
            rest: core::str::from_utf8(rest).unwrap_or_default(),
        }
    }

    /// The parameter named `name` (tokens compare case-insensitively, RFC 4975 §9): `None`
    /// if absent, `Some(None)` if present without a value.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// RFC 4975 §6.1: whether `self` and `other` designate the same resource.
    ///
    /// 1. The schemes are equal (case-insensitively).
    /// 2. The hosts match ([`Host::matches`]: IP addresses as addresses, names
    ///    case-insensitively after percent-decoding unreserved characters). The userinfo is
    ///    not considered.
    /// 3. The ports are equal; a URI with an explicit port never matches one without, and
    ///    there is no default port.
    /// 4. The session-ids are equal, case-sensitively; a URI without one matches only a URI
    ///    without one.
    /// 5. The transports are equal, case-insensitively.
    ///
    /// URI parameters other than the transport are not considered: §6.1 lists the complete
    /// set of rules. The relation is an equivalence (reflexive, symmetric, transitive).
    #[must_use]
    pub fn matches(&self, other: &Self) -> bool {
        self.parts.scheme == other.parts.scheme
            && self.port() == other.port()
            && self.session_id() == other.session_id()
            && self.transport().eq_ignore_ascii_case(other.transport())
            && self.host().matches(&other.host())
    }

    /// The CEMA rule (RFC 6714): whether both URIs carry a session-id and the two are equal,
    /// case-sensitively. The authority, scheme and transport are not considered, as the
    /// To-Path a CEMA peer sends names the intermediary's authority, not ours.
    #[must_use]
    pub fn session_id_matches(&self, other: &Self) -> bool {
        matches!((self.session_id(), other.session_id()), (Some(a), Some(b)) if a == b)
    }
}

/// For a type whose exact text is its `raw: Bytes` field (all ASCII): the accessors
/// `as_str`, `as_bytes` and `raw`, and `PartialEq`, `Eq`, `Hash` and `Display` by that text.
/// `$what` names the type in the docs.
macro_rules! exact_text_identity {
    ($t:ty, $what:literal) => {
        impl $t {
            #[doc = concat!("The exact text of the ", $what, ".")]
            #[must_use]
            pub fn as_str(&self) -> &str {
                core::str::from_utf8(&self.raw).unwrap_or_default()
            }

            #[doc = concat!("The exact bytes of the ", $what, ".")]
            #[must_use]
            pub fn as_bytes(&self) -> &[u8] {
                &self.raw
            }

            #[doc = concat!(
                        "The buffer holding the ", $what, "'s exact bytes; clone it to share them ",
                        "without copying."
                    )]
            #[must_use]
            pub fn raw(&self) -> &Bytes {
                &self.raw
            }
        }

        /// Byte equality of the text (see the type's "Equality").
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.raw == other.raw
            }
        }

        impl Eq for $t {}

        impl core::hash::Hash for $t {
            fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
                self.raw.hash(state);
            }
        }

        /// The exact text.
        impl core::fmt::Display for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
use exact_text_identity;

exact_text_identity!(MsrpUri, "URI");

impl fmt::Debug for MsrpUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MsrpUri").field(&self.as_str()).finish()
    }
}

impl FromStr for MsrpUri {
    type Err = UriError;

    fn from_str(s: &str) -> Result<Self, UriError> {
        Self::parse_str(s)
    }
}

impl TryFrom<Bytes> for MsrpUri {
    type Error = UriError;

    fn try_from(raw: Bytes) -> Result<Self, UriError> {
        Self::parse(raw)
    }
}

/// The parameters of an [`MsrpUri`] after its transport, as `(name, value)`; from
/// [`MsrpUri::params`].
#[derive(Debug, Clone)]
pub struct UriParams<'a> {
    /// `*( ";" URI-parameter )`, already checked by the parser.
    rest: &'a str,
}

impl<'a> Iterator for UriParams<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest.strip_prefix(';')?;
        let (param, tail) = rest.split_at_checked(rest.find(';').unwrap_or(rest.len()))?;
        self.rest = tail;
        Some(match param.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (param, None),
        })
    }
}

#[cfg(test)]
mod tests;
