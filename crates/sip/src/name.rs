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
        if let [c] = name {
            return Self::from_compact(*c).unwrap_or(Self::Other);
        }
        let mut buf = [0u8; 24];
        let Some(lower) = buf.get_mut(..name.len()) else {
            return Self::Other;
        };
        for (d, s) in lower.iter_mut().zip(name) {
            *d = s.to_ascii_lowercase();
        }
        match &*lower {
            b"accept" => Self::Accept,
            b"accept-contact" => Self::AcceptContact,
            b"accept-encoding" => Self::AcceptEncoding,
            b"accept-language" => Self::AcceptLanguage,
            b"alert-info" => Self::AlertInfo,
            b"allow" => Self::Allow,
            b"allow-events" => Self::AllowEvents,
            b"authentication-info" => Self::AuthenticationInfo,
            b"authorization" => Self::Authorization,
            b"call-id" => Self::CallId,
            b"call-info" => Self::CallInfo,
            b"contact" => Self::Contact,
            b"content-disposition" => Self::ContentDisposition,
            b"content-encoding" => Self::ContentEncoding,
            b"content-language" => Self::ContentLanguage,
            b"content-length" => Self::ContentLength,
            b"content-type" => Self::ContentType,
            b"cseq" => Self::CSeq,
            b"date" => Self::Date,
            b"error-info" => Self::ErrorInfo,
            b"event" => Self::Event,
            b"expires" => Self::Expires,
            b"from" => Self::From,
            b"identity" => Self::Identity,
            b"identity-info" => Self::IdentityInfo,
            b"in-reply-to" => Self::InReplyTo,
            b"max-forwards" => Self::MaxForwards,
            b"mime-version" => Self::MimeVersion,
            b"min-expires" => Self::MinExpires,
            b"min-se" => Self::MinSe,
            b"organization" => Self::Organization,
            b"p-asserted-identity" => Self::PAssertedIdentity,
            b"p-preferred-identity" => Self::PPreferredIdentity,
            b"priority" => Self::Priority,
            b"privacy" => Self::Privacy,
            b"proxy-authenticate" => Self::ProxyAuthenticate,
            b"proxy-authorization" => Self::ProxyAuthorization,
            b"proxy-require" => Self::ProxyRequire,
            b"rack" => Self::RAck,
            b"reason" => Self::Reason,
            b"record-route" => Self::RecordRoute,
            b"refer-to" => Self::ReferTo,
            b"referred-by" => Self::ReferredBy,
            b"reject-contact" => Self::RejectContact,
            b"reply-to" => Self::ReplyTo,
            b"request-disposition" => Self::RequestDisposition,
            b"require" => Self::Require,
            b"retry-after" => Self::RetryAfter,
            b"route" => Self::Route,
            b"rseq" => Self::RSeq,
            b"server" => Self::Server,
            b"session-expires" => Self::SessionExpires,
            b"sip-etag" => Self::SipETag,
            b"sip-if-match" => Self::SipIfMatch,
            b"subject" => Self::Subject,
            b"subscription-state" => Self::SubscriptionState,
            b"supported" => Self::Supported,
            b"timestamp" => Self::Timestamp,
            b"to" => Self::To,
            b"unsupported" => Self::Unsupported,
            b"user-agent" => Self::UserAgent,
            b"via" => Self::Via,
            b"warning" => Self::Warning,
            b"www-authenticate" => Self::WwwAuthenticate,
            _ => Self::Other,
        }
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
