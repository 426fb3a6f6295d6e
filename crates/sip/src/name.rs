//! Header names: the canonical spelling of the headers this crate knows, and their compact
//! forms (RFC 3261 §7.3.3, §20; RFC 3841, 3892, 4028, 4474, 3515, 6665).
//!
//! Names compare ASCII case-insensitively (RFC 3261 §7.3.1); a compact form is the same header
//! as its long form.

/// A header name, resolved to a known header or [`HeaderName::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum HeaderName {
    /// `Accept`
    Accept,
    /// `Accept-Contact` (compact `a`)
    AcceptContact,
    /// `Accept-Encoding`
    AcceptEncoding,
    /// `Accept-Language`
    AcceptLanguage,
    /// `Alert-Info`
    AlertInfo,
    /// `Allow`
    Allow,
    /// `Allow-Events` (compact `u`)
    AllowEvents,
    /// `Authentication-Info`
    AuthenticationInfo,
    /// `Authorization`
    Authorization,
    /// `Call-ID` (compact `i`)
    CallId,
    /// `Call-Info`
    CallInfo,
    /// `Contact` (compact `m`)
    Contact,
    /// `Content-Disposition`
    ContentDisposition,
    /// `Content-Encoding` (compact `e`)
    ContentEncoding,
    /// `Content-Language`
    ContentLanguage,
    /// `Content-Length` (compact `l`)
    ContentLength,
    /// `Content-Type` (compact `c`)
    ContentType,
    /// `CSeq`
    CSeq,
    /// `Date`
    Date,
    /// `Error-Info`
    ErrorInfo,
    /// `Event` (compact `o`)
    Event,
    /// `Expires`
    Expires,
    /// `From` (compact `f`)
    From,
    /// `Identity` (compact `y`)
    Identity,
    /// `Identity-Info` (compact `n`)
    IdentityInfo,
    /// `In-Reply-To`
    InReplyTo,
    /// `Max-Forwards`
    MaxForwards,
    /// `MIME-Version`
    MimeVersion,
    /// `Min-Expires`
    MinExpires,
    /// `Min-SE`
    MinSe,
    /// `Organization`
    Organization,
    /// `P-Asserted-Identity`
    PAssertedIdentity,
    /// `P-Preferred-Identity`
    PPreferredIdentity,
    /// `Priority`
    Priority,
    /// `Privacy`
    Privacy,
    /// `Proxy-Authenticate`
    ProxyAuthenticate,
    /// `Proxy-Authorization`
    ProxyAuthorization,
    /// `Proxy-Require`
    ProxyRequire,
    /// `RAck`
    RAck,
    /// `Reason`
    Reason,
    /// `Record-Route`
    RecordRoute,
    /// `Refer-To` (compact `r`)
    ReferTo,
    /// `Referred-By` (compact `b`)
    ReferredBy,
    /// `Reject-Contact` (compact `j`)
    RejectContact,
    /// `Reply-To`
    ReplyTo,
    /// `Request-Disposition` (compact `d`)
    RequestDisposition,
    /// `Require`
    Require,
    /// `Retry-After`
    RetryAfter,
    /// `Route`
    Route,
    /// `RSeq`
    RSeq,
    /// `Server`
    Server,
    /// `Session-Expires` (compact `x`)
    SessionExpires,
    /// `SIP-ETag`
    SipETag,
    /// `SIP-If-Match`
    SipIfMatch,
    /// `Subject` (compact `s`)
    Subject,
    /// `Subscription-State`
    SubscriptionState,
    /// `Supported` (compact `k`)
    Supported,
    /// `Timestamp`
    Timestamp,
    /// `To` (compact `t`)
    To,
    /// `Unsupported`
    Unsupported,
    /// `User-Agent`
    UserAgent,
    /// `Via` (compact `v`)
    Via,
    /// `Warning`
    Warning,
    /// `WWW-Authenticate`
    WwwAuthenticate,
    /// Any other header; its name is kept as written in the message.
    Other,
}

impl HeaderName {
    /// Resolves a name as written on the wire (any case, long or compact form).
    #[must_use]
    pub fn from_bytes(name: &[u8]) -> Self {
        // Dispatch on (length, first letter), then compare the candidates without copying:
        // this runs once per header line on the hot path.
        let (Some(&first), [_, ..]) = (name.first(), name) else {
            return Self::Other;
        };
        if name.len() == 1 {
            return Self::from_compact(first).unwrap_or(Self::Other);
        }
        let candidates: &[(&[u8], Self)] = match (name.len(), first.to_ascii_lowercase()) {
            (2, b't') => &[(b"to", Self::To)],
            (3, b'v') => &[(b"via", Self::Via)],
            (4, b'c') => &[(b"cseq", Self::CSeq)],
            (4, b'd') => &[(b"date", Self::Date)],
            (4, b'f') => &[(b"from", Self::From)],
            (4, b'r') => &[(b"rack", Self::RAck), (b"rseq", Self::RSeq)],
            (5, b'a') => &[(b"allow", Self::Allow)],
            (5, b'e') => &[(b"event", Self::Event)],
            (5, b'r') => &[(b"route", Self::Route)],
            (6, b'a') => &[(b"accept", Self::Accept)],
            (6, b'm') => &[(b"min-se", Self::MinSe)],
            (6, b'r') => &[(b"reason", Self::Reason)],
            (6, b's') => &[(b"server", Self::Server)],
            (7, b'c') => &[(b"call-id", Self::CallId), (b"contact", Self::Contact)],
            (7, b'e') => &[(b"expires", Self::Expires)],
            (7, b'p') => &[(b"privacy", Self::Privacy)],
            (7, b'r') => &[(b"require", Self::Require)],
            (7, b's') => &[(b"subject", Self::Subject)],
            (7, b'w') => &[(b"warning", Self::Warning)],
            (8, b'i') => &[(b"identity", Self::Identity)],
            (8, b'p') => &[(b"priority", Self::Priority)],
            (8, b'r') => &[(b"refer-to", Self::ReferTo), (b"reply-to", Self::ReplyTo)],
            (8, b's') => &[(b"sip-etag", Self::SipETag)],
            (9, b'c') => &[(b"call-info", Self::CallInfo)],
            (9, b's') => &[(b"supported", Self::Supported)],
            (9, b't') => &[(b"timestamp", Self::Timestamp)],
            (10, b'a') => &[(b"alert-info", Self::AlertInfo)],
            (10, b'e') => &[(b"error-info", Self::ErrorInfo)],
            (10, b'u') => &[(b"user-agent", Self::UserAgent)],
            (11, b'i') => &[(b"in-reply-to", Self::InReplyTo)],
            (11, b'm') => &[(b"min-expires", Self::MinExpires)],
            (11, b'r') => &[
                (b"referred-by", Self::ReferredBy),
                (b"retry-after", Self::RetryAfter),
            ],
            (11, b'u') => &[(b"unsupported", Self::Unsupported)],
            (12, b'a') => &[(b"allow-events", Self::AllowEvents)],
            (12, b'c') => &[(b"content-type", Self::ContentType)],
            (12, b'm') => &[
                (b"max-forwards", Self::MaxForwards),
                (b"mime-version", Self::MimeVersion),
            ],
            (12, b'o') => &[(b"organization", Self::Organization)],
            (12, b'r') => &[(b"record-route", Self::RecordRoute)],
            (12, b's') => &[(b"sip-if-match", Self::SipIfMatch)],
            (13, b'a') => &[(b"authorization", Self::Authorization)],
            (13, b'i') => &[(b"identity-info", Self::IdentityInfo)],
            (13, b'p') => &[(b"proxy-require", Self::ProxyRequire)],
            (14, b'a') => &[(b"accept-contact", Self::AcceptContact)],
            (14, b'c') => &[(b"content-length", Self::ContentLength)],
            (14, b'r') => &[(b"reject-contact", Self::RejectContact)],
            (15, b'a') => &[
                (b"accept-encoding", Self::AcceptEncoding),
                (b"accept-language", Self::AcceptLanguage),
            ],
            (15, b's') => &[(b"session-expires", Self::SessionExpires)],
            (16, b'c') => &[
                (b"content-encoding", Self::ContentEncoding),
                (b"content-language", Self::ContentLanguage),
            ],
            (16, b'w') => &[(b"www-authenticate", Self::WwwAuthenticate)],
            (18, b'p') => &[(b"proxy-authenticate", Self::ProxyAuthenticate)],
            (18, b's') => &[(b"subscription-state", Self::SubscriptionState)],
            (19, b'a') => &[(b"authentication-info", Self::AuthenticationInfo)],
            (19, b'c') => &[(b"content-disposition", Self::ContentDisposition)],
            (19, b'p') => &[
                (b"p-asserted-identity", Self::PAssertedIdentity),
                (b"proxy-authorization", Self::ProxyAuthorization),
            ],
            (19, b'r') => &[(b"request-disposition", Self::RequestDisposition)],
            (20, b'p') => &[(b"p-preferred-identity", Self::PPreferredIdentity)],
            _ => return Self::Other,
        };
        candidates
            .iter()
            .find(|(lower, _)| eq_lower(name, lower))
            .map_or(Self::Other, |&(_, n)| n)
    }

    /// The header a compact form stands for.
    #[must_use]
    pub fn from_compact(c: u8) -> Option<Self> {
        Some(match c.to_ascii_lowercase() {
            b'a' => Self::AcceptContact,
            b'u' => Self::AllowEvents,
            b'i' => Self::CallId,
            b'm' => Self::Contact,
            b'e' => Self::ContentEncoding,
            b'l' => Self::ContentLength,
            b'c' => Self::ContentType,
            b'o' => Self::Event,
            b'f' => Self::From,
            b'y' => Self::Identity,
            b'n' => Self::IdentityInfo,
            b'r' => Self::ReferTo,
            b'b' => Self::ReferredBy,
            b'j' => Self::RejectContact,
            b'd' => Self::RequestDisposition,
            b'x' => Self::SessionExpires,
            b's' => Self::Subject,
            b'k' => Self::Supported,
            b't' => Self::To,
            b'v' => Self::Via,
            _ => return None,
        })
    }

    /// The compact form of this header, if it has one.
    #[must_use]
    pub const fn compact(self) -> Option<&'static str> {
        Some(match self {
            Self::AcceptContact => "a",
            Self::AllowEvents => "u",
            Self::CallId => "i",
            Self::Contact => "m",
            Self::ContentEncoding => "e",
            Self::ContentLength => "l",
            Self::ContentType => "c",
            Self::Event => "o",
            Self::From => "f",
            Self::Identity => "y",
            Self::IdentityInfo => "n",
            Self::ReferTo => "r",
            Self::ReferredBy => "b",
            Self::RejectContact => "j",
            Self::RequestDisposition => "d",
            Self::SessionExpires => "x",
            Self::Subject => "s",
            Self::Supported => "k",
            Self::To => "t",
            Self::Via => "v",
            _ => return None,
        })
    }

    /// The canonical spelling, or `None` for [`HeaderName::Other`].
    #[must_use]
    pub const fn canonical(self) -> Option<&'static str> {
        Some(match self {
            Self::Accept => "Accept",
            Self::AcceptContact => "Accept-Contact",
            Self::AcceptEncoding => "Accept-Encoding",
            Self::AcceptLanguage => "Accept-Language",
            Self::AlertInfo => "Alert-Info",
            Self::Allow => "Allow",
            Self::AllowEvents => "Allow-Events",
            Self::AuthenticationInfo => "Authentication-Info",
            Self::Authorization => "Authorization",
            Self::CallId => "Call-ID",
            Self::CallInfo => "Call-Info",
            Self::Contact => "Contact",
            Self::ContentDisposition => "Content-Disposition",
            Self::ContentEncoding => "Content-Encoding",
            Self::ContentLanguage => "Content-Language",
            Self::ContentLength => "Content-Length",
            Self::ContentType => "Content-Type",
            Self::CSeq => "CSeq",
            Self::Date => "Date",
            Self::ErrorInfo => "Error-Info",
            Self::Event => "Event",
            Self::Expires => "Expires",
            Self::From => "From",
            Self::Identity => "Identity",
            Self::IdentityInfo => "Identity-Info",
            Self::InReplyTo => "In-Reply-To",
            Self::MaxForwards => "Max-Forwards",
            Self::MimeVersion => "MIME-Version",
            Self::MinExpires => "Min-Expires",
            Self::MinSe => "Min-SE",
            Self::Organization => "Organization",
            Self::PAssertedIdentity => "P-Asserted-Identity",
            Self::PPreferredIdentity => "P-Preferred-Identity",
            Self::Priority => "Priority",
            Self::Privacy => "Privacy",
            Self::ProxyAuthenticate => "Proxy-Authenticate",
            Self::ProxyAuthorization => "Proxy-Authorization",
            Self::ProxyRequire => "Proxy-Require",
            Self::RAck => "RAck",
            Self::Reason => "Reason",
            Self::RecordRoute => "Record-Route",
            Self::ReferTo => "Refer-To",
            Self::ReferredBy => "Referred-By",
            Self::RejectContact => "Reject-Contact",
            Self::ReplyTo => "Reply-To",
            Self::RequestDisposition => "Request-Disposition",
            Self::Require => "Require",
            Self::RetryAfter => "Retry-After",
            Self::Route => "Route",
            Self::RSeq => "RSeq",
            Self::Server => "Server",
            Self::SessionExpires => "Session-Expires",
            Self::SipETag => "SIP-ETag",
            Self::SipIfMatch => "SIP-If-Match",
            Self::Subject => "Subject",
            Self::SubscriptionState => "Subscription-State",
            Self::Supported => "Supported",
            Self::Timestamp => "Timestamp",
            Self::To => "To",
            Self::Unsupported => "Unsupported",
            Self::UserAgent => "User-Agent",
            Self::Via => "Via",
            Self::Warning => "Warning",
            Self::WwwAuthenticate => "WWW-Authenticate",
            Self::Other => return None,
        })
    }

    /// True for headers that may appear at most once (RFC 3261 §7.3.1, Table 2/3; RFC 4475
    /// §3.3.8): a second occurrence makes the request invalid.
    #[must_use]
    pub const fn is_single(self) -> bool {
        matches!(
            self,
            Self::CallId
                | Self::CSeq
                | Self::From
                | Self::To
                | Self::MaxForwards
                | Self::ContentLength
                | Self::ContentType
                | Self::Expires
                | Self::MinExpires
                | Self::SessionExpires
                | Self::MinSe
                | Self::ReferTo
                | Self::Event
                | Self::SubscriptionState
                | Self::RSeq
                | Self::RAck
                | Self::Date
        )
    }
}

/// `name` equals `lower` ignoring ASCII case, where `lower` is made of `a-z`, `0-9` and `-`.
/// Setting bit 0x20 lower-cases a letter and leaves `-` and digits alone; the only other bytes
/// it maps onto one of them are control bytes (CR onto `-`, 0x10-0x19 onto digits), which are
/// refused separately. Branch-free, so the compiler can compare many bytes at once.
#[inline]
fn eq_lower(name: &[u8], lower: &[u8]) -> bool {
    name.len() == lower.len()
        && name.iter().zip(lower).fold(0u8, |acc, (&a, &b)| {
            acc | ((a | 0x20) ^ b) | u8::from(a < 0x20)
        }) == 0
}

impl core::fmt::Display for HeaderName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.canonical().unwrap_or("(other)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_long_forms_resolve_alike() {
        for (c, long) in [
            ("i", "Call-ID"),
            ("m", "Contact"),
            ("f", "From"),
            ("t", "To"),
            ("v", "Via"),
            ("l", "Content-Length"),
            ("c", "Content-Type"),
            ("k", "Supported"),
            ("s", "Subject"),
            ("e", "Content-Encoding"),
            ("o", "Event"),
            ("u", "Allow-Events"),
            ("r", "Refer-To"),
            ("b", "Referred-By"),
            ("x", "Session-Expires"),
            ("a", "Accept-Contact"),
            ("j", "Reject-Contact"),
            ("d", "Request-Disposition"),
            ("y", "Identity"),
            ("n", "Identity-Info"),
        ] {
            let n = HeaderName::from_bytes(c.as_bytes());
            assert_eq!(n, HeaderName::from_bytes(long.as_bytes()), "{c}");
            assert_eq!(
                n,
                HeaderName::from_bytes(long.to_ascii_uppercase().as_bytes())
            );
            assert_eq!(n.canonical(), Some(long));
            assert_eq!(n.compact(), Some(c));
        }
    }

    #[test]
    fn every_canonical_name_round_trips() {
        for n in ALL {
            let c = n.canonical().unwrap();
            assert_eq!(HeaderName::from_bytes(c.as_bytes()), *n, "{c}");
        }
        assert_eq!(HeaderName::from_bytes(b"X-Custom"), HeaderName::Other);
        assert_eq!(HeaderName::from_bytes(b"q"), HeaderName::Other);
        assert_eq!(HeaderName::from_bytes(&[b'a'; 100]), HeaderName::Other);
        // Bytes that only look alike with bit 0x20 set.
        assert_eq!(HeaderName::from_bytes(b"Call\rID"), HeaderName::Other);
        assert_eq!(HeaderName::from_bytes(b"TO"), HeaderName::To);
        assert_eq!(HeaderName::from_bytes(b"tO"), HeaderName::To);
        assert_eq!(HeaderName::from_bytes(b"T\x0f"), HeaderName::Other);
    }

    const ALL: &[HeaderName] = &[
        HeaderName::Accept,
        HeaderName::AcceptContact,
        HeaderName::AcceptEncoding,
        HeaderName::AcceptLanguage,
        HeaderName::AlertInfo,
        HeaderName::Allow,
        HeaderName::AllowEvents,
        HeaderName::AuthenticationInfo,
        HeaderName::Authorization,
        HeaderName::CallId,
        HeaderName::CallInfo,
        HeaderName::Contact,
        HeaderName::ContentDisposition,
        HeaderName::ContentEncoding,
        HeaderName::ContentLanguage,
        HeaderName::ContentLength,
        HeaderName::ContentType,
        HeaderName::CSeq,
        HeaderName::Date,
        HeaderName::ErrorInfo,
        HeaderName::Event,
        HeaderName::Expires,
        HeaderName::From,
        HeaderName::Identity,
        HeaderName::IdentityInfo,
        HeaderName::InReplyTo,
        HeaderName::MaxForwards,
        HeaderName::MimeVersion,
        HeaderName::MinExpires,
        HeaderName::MinSe,
        HeaderName::Organization,
        HeaderName::PAssertedIdentity,
        HeaderName::PPreferredIdentity,
        HeaderName::Priority,
        HeaderName::Privacy,
        HeaderName::ProxyAuthenticate,
        HeaderName::ProxyAuthorization,
        HeaderName::ProxyRequire,
        HeaderName::RAck,
        HeaderName::Reason,
        HeaderName::RecordRoute,
        HeaderName::ReferTo,
        HeaderName::ReferredBy,
        HeaderName::RejectContact,
        HeaderName::ReplyTo,
        HeaderName::RequestDisposition,
        HeaderName::Require,
        HeaderName::RetryAfter,
        HeaderName::Route,
        HeaderName::RSeq,
        HeaderName::Server,
        HeaderName::SessionExpires,
        HeaderName::SipETag,
        HeaderName::SipIfMatch,
        HeaderName::Subject,
        HeaderName::SubscriptionState,
        HeaderName::Supported,
        HeaderName::Timestamp,
        HeaderName::To,
        HeaderName::Unsupported,
        HeaderName::UserAgent,
        HeaderName::Via,
        HeaderName::Warning,
        HeaderName::WwwAuthenticate,
    ];
}
