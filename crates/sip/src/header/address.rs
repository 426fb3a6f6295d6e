//! Headers whose value is an address (REQ: SIP-2, SIP-3): From, To, Contact, Refer-To,
//! Referred-By, P-Asserted-Identity, P-Preferred-Identity, Route, Record-Route, Reply-To, and
//! the `<absoluteURI>` headers Error-Info, Call-Info and Alert-Info.
//!
//! Every type but [`Contact`] is a newtype over [`NameAddr`] and dereferences to it, so
//! `to.tag()`, `from.uri()` and `route.params()` work on all of them.

use core::fmt;
use core::ops::Deref;
use std::borrow::Cow;

use bytes::Bytes;

use super::TypedHeader;
use super::value::{fmt_raw, numeric_param, offset_in, qvalue};
use crate::addr::NameAddr;
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::is_ws;
use crate::name::HeaderName;

/// No extra rule beyond the `NameAddr` grammar.
fn any_form(_: &NameAddr) -> Result<()> {
    Ok(())
}

/// RFC 3261 §25.1 `route-param = name-addr *( SEMI rr-param )` (and likewise for the
/// `<absoluteURI>` headers): the URI must be in `<>`.
fn bracketed(na: &NameAddr) -> Result<()> {
    if na.angle() {
        Ok(())
    } else {
        Err(ParseError::new(ErrorKind::Expected(b'<'), 0))
    }
}

/// `"<" absoluteURI ">" *( SEMI generic-param )` (Error-Info, Call-Info, Alert-Info): bracketed
/// and without a display name.
fn bracketed_uri_only(na: &NameAddr) -> Result<()> {
    match na.display_name() {
        Some(_) => Err(ParseError::new(ErrorKind::Expected(b'<'), 0)),
        None => bracketed(na),
    }
}

/// Declares a newtype over [`NameAddr`] implementing [`TypedHeader`] for the header of the
/// same name, with `Deref`, `Display` and `From<NameAddr>`.
macro_rules! address_header {
    ($(#[$doc:meta])* $ty:ident, list: $list:expr, check: $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub NameAddr);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$ty;
            const LIST: bool = $list;
            fn parse(value: &Bytes) -> Result<Self> {
                Self::parse_owned(value.clone())
            }

            fn parse_owned(value: Bytes) -> Result<Self> {
                let na = NameAddr::parse_owned(value)?;
                $check(&na)?;
                Ok(Self(na))
            }
        }

        impl Deref for $ty {
            type Target = NameAddr;
            fn deref(&self) -> &NameAddr {
                &self.0
            }
        }

        impl core::convert::From<NameAddr> for $ty {
            fn from(na: NameAddr) -> Self {
                Self(na)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

address_header!(
    /// `From` (RFC 3261 §20.20): the request's originator, with the `tag` that names its side
    /// of the dialog.
    From, list: false, check: any_form
);
address_header!(
    /// `To` (RFC 3261 §20.39): the logical recipient; the `tag` is added by the UAS.
    To, list: false, check: any_form
);
address_header!(
    /// `Refer-To` (RFC 3515 §2.1): the URI to refer to; see [`ReferTo::method`].
    ReferTo, list: false, check: any_form
);
address_header!(
    /// `Referred-By` (RFC 3892): who sent the REFER.
    ReferredBy, list: false, check: any_form
);
address_header!(
    /// One `P-Asserted-Identity` value (RFC 3325 §9.1).
    PAssertedIdentity, list: true, check: any_form
);
address_header!(
    /// One `P-Preferred-Identity` value (RFC 3325 §9.2).
    PPreferredIdentity, list: true, check: any_form
);
address_header!(
    /// One `Route` value (RFC 3261 §20.34): always a bracketed name-addr.
    Route, list: true, check: bracketed
);
address_header!(
    /// One `Record-Route` value (RFC 3261 §20.30): always a bracketed name-addr.
    RecordRoute, list: true, check: bracketed
);
address_header!(
    /// `Reply-To` (RFC 3261 §20.31).
    ReplyTo, list: false, check: any_form
);
address_header!(
    /// One `Error-Info` value (RFC 3261 §20.18): `<absoluteURI>` and parameters.
    ErrorInfo, list: true, check: bracketed_uri_only
);
address_header!(
    /// One `Call-Info` value (RFC 3261 §20.9): `<absoluteURI>;purpose=...`.
    CallInfo, list: true, check: bracketed_uri_only
);
address_header!(
    /// One `Alert-Info` value (RFC 3261 §20.4): `<absoluteURI>` of a ring tone.
    AlertInfo, list: true, check: bracketed_uri_only
);

impl ReferTo {
    /// The `method` parameter of a SIP Refer-To URI (RFC 3515 §2.1: the method of the request
    /// the referee sends; INVITE when absent).
    #[must_use]
    pub fn method(&self) -> Option<&[u8]> {
        self.uri().as_sip()?.method()
    }
}

impl CallInfo {
    /// The `purpose` parameter (`icon`, `info`, `card`, or a token).
    #[must_use]
    pub fn purpose(&self) -> Option<&[u8]> {
        self.params().get("purpose").flatten()
    }
}

/// One `Contact` value (RFC 3261 §20.10): `*` in a REGISTER that removes all bindings, or an
/// address with `q`, `expires` and feature parameters (RFC 3840, RFC 5627 `+sip.instance`,
/// RFC 4579 `isfocus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *`.
    Wildcard,
    /// An address with its parameters.
    Address(NameAddr),
}

impl TypedHeader for Contact {
    const NAME: HeaderName = HeaderName::Contact;
    const LIST: bool = true;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        if value.as_ref() == b"*" {
            return Ok(Self::Wildcard);
        }
        // The address starts after any leading white space: error offsets count from the
        // start of `value`, which the address takes.
        let lead = value.iter().take_while(|&&b| is_ws(b)).count();
        let na = NameAddr::parse_owned(value)?;
        let src = na.raw().as_ref();
        let _: Option<u32> =
            numeric_param(src, na.params(), "expires").map_err(|e| e.shifted(lead))?;
        if let Some(p) = na.params().find("q") {
            let v = p.value.unwrap_or_default();
            if qvalue(v).is_none() {
                let at = if v.is_empty() {
                    offset_in(src, p.name) + p.name.len()
                } else {
                    offset_in(src, v)
                };
                return Err(ParseError::new(ErrorKind::Number, lead + at));
            }
        }
        Ok(Self::Address(na))
    }
}

impl Contact {
    /// The address, unless this is the wildcard.
    #[must_use]
    pub fn address(&self) -> Option<&NameAddr> {
        match self {
            Self::Wildcard => None,
            Self::Address(na) => Some(na),
        }
    }

    /// True for `Contact: *`.
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        matches!(self, Self::Wildcard)
    }

    /// The `q` parameter in thousandths (`q=0.7` → 700), if present and valid.
    #[must_use]
    pub fn q(&self) -> Option<u16> {
        qvalue(self.address()?.params().get("q")??)
    }

    /// The `expires` parameter in seconds, if present and valid.
    #[must_use]
    pub fn expires(&self) -> Option<u32> {
        let v = self.address()?.params().get("expires")??;
        crate::lex::parse_u32(v).ok()
    }

    /// True if the feature parameter `name` is present (case-insensitive; a leading `+` is
    /// optional on either side, so `has_feature("g.oma.sip-im")` finds `+g.oma.sip-im`).
    #[must_use]
    pub fn has_feature(&self, name: &str) -> bool {
        let want = name.strip_prefix('+').unwrap_or(name).as_bytes();
        self.address().is_some_and(|na| {
            na.params().iter().any(|p| {
                p.name
                    .strip_prefix(b"+")
                    .unwrap_or(p.name)
                    .eq_ignore_ascii_case(want)
            })
        })
    }

    /// True if the contact is a conference focus (RFC 4579 §3.3 `isfocus`).
    #[must_use]
    pub fn is_focus(&self) -> bool {
        self.has_feature("isfocus")
    }

    /// The `+sip.instance` value, unquoted (RFC 5627 §4.1: `"<urn:uuid:...>"`).
    #[must_use]
    pub fn instance(&self) -> Option<Cow<'_, [u8]>> {
        self.address()?.params().find("+sip.instance")?.value_text()
    }
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Wildcard => f.write_str("*"),
            Self::Address(na) => fmt_raw(f, na.raw()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uri::Uri;

    // REQ: SIP-2 — which headers are lists, checked at compile time.
    const _: () = assert!(!From::LIST && !To::LIST);
    const _: () = assert!(Contact::LIST);
    const _: () = assert!(Route::LIST && RecordRoute::LIST && CallInfo::LIST && !ReplyTo::LIST);

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2, SIP-3
    #[test]
    fn from_and_to() {
        let f = From::parse(&b("\"Alice\" <sip:alice@atlanta.com>;tag=1928301774")).unwrap();
        assert_eq!(f.tag().unwrap(), b"1928301774");
        assert_eq!(f.display_name_text().unwrap(), "Alice");
        assert_eq!(
            f.to_string(),
            "\"Alice\" <sip:alice@atlanta.com>;tag=1928301774"
        );
        let t = To::parse(&b("sip:%75se%72@example.com")).unwrap();
        assert_eq!(t.uri(), &Uri::parse(&b("sip:user@example.com")).unwrap());
        assert!(t.tag().is_none());
        assert_eq!(To::NAME, HeaderName::To);
        assert_eq!(
            To::parse(&b("Watson, Thomas <sip:t.watson@example.org>")).unwrap_err(),
            ParseError::new(ErrorKind::NameAddr, 6)
        );
    }

    // REQ: SIP-2, SIP-3 — Contact parameters and features.
    #[test]
    fn contact() {
        assert!(Contact::parse(&b("*")).unwrap().is_wildcard());
        assert_eq!(Contact::Wildcard.to_string(), "*");
        let c = Contact::parse(&b(
            "<sip:focus@conf.example.com;transport=tcp>;isfocus;+g.oma.sip-im;q=0.7;expires=3600;+sip.instance=\"<urn:uuid:0001>\"",
        ))
        .unwrap();
        assert!(c.is_focus());
        assert!(c.has_feature("+g.oma.sip-im"));
        assert!(c.has_feature("g.oma.sip-im"));
        assert!(!c.has_feature("video"));
        assert_eq!(c.q(), Some(700));
        assert_eq!(c.expires(), Some(3600));
        assert_eq!(&*c.instance().unwrap(), b"<urn:uuid:0001>");
        assert_eq!(
            c.address().unwrap().uri().as_sip().unwrap().transport(),
            Some(&b"tcp"[..])
        );
        assert_eq!(Contact::parse(&b("<sip:a@b>;q=1")).unwrap().q(), Some(1000));
        assert_eq!(Contact::parse(&b("<sip:a@b>;q=0")).unwrap().q(), Some(0));
        assert_eq!(
            Contact::parse(&b("<sip:a@b>;q=1.5")).unwrap_err(),
            ParseError::new(ErrorKind::Number, 12)
        );
        assert_eq!(
            Contact::parse(&b("<sip:a@b>;expires=x"))
                .unwrap_err()
                .offset,
            18
        );
        // RFC 4475 §3.3.4 regbadct.
        assert_eq!(
            Contact::parse(&b("sip:user@example.com?Route=%3Csip:sip.example.com%3E")).unwrap_err(),
            ParseError::new(ErrorKind::NameAddr, 20)
        );
        // RFC 4475 §3.1.1.1 esc01.
        let c = Contact::parse(&b(
            "<sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>",
        ))
        .unwrap();
        assert!(c.address().unwrap().uri().as_sip().unwrap().lr());
    }

    // REQ: SIP-2, SIP-3 — the other address headers.
    #[test]
    fn other_address_headers() {
        let r = ReferTo::parse(&b("<sip:bob@example.com;method=BYE?Replaces=abc%40x>")).unwrap();
        assert_eq!(r.method(), Some(&b"BYE"[..]));
        assert_eq!(
            ReferTo::parse(&b("sip:bob@example.com")).unwrap().method(),
            None
        );
        assert!(ReferredBy::parse(&b("<sip:alice@example.com>")).is_ok());
        assert!(PAssertedIdentity::parse(&b("\"Cullen Jennings\" <sip:fluffy@cisco.com>")).is_ok());
        assert!(PAssertedIdentity::parse(&b("tel:+14085264000")).is_ok());
        assert!(PPreferredIdentity::parse(&b("<sip:x@y>")).is_ok());
        let rr = RecordRoute::parse(&b("<sip:p1.example.com;lr>")).unwrap();
        assert!(rr.uri().as_sip().unwrap().lr());
        assert_eq!(
            Route::parse(&b("sip:p1.example.com;lr")).unwrap_err(),
            ParseError::new(ErrorKind::Expected(b'<'), 0)
        );
        assert!(ReplyTo::parse(&b("Bob <sip:bob@biloxi.com>")).is_ok());
        let ci = CallInfo::parse(&b(
            "<http://wwww.example.com/alice/photo.jpg> ;purpose=icon",
        ))
        .unwrap();
        assert_eq!(ci.purpose().unwrap(), b"icon");
        assert!(matches!(ci.uri(), Uri::Other(_)));
        assert!(AlertInfo::parse(&b("<http://www.example.com/sounds/moo.wav>")).is_ok());
        assert!(ErrorInfo::parse(&b("<sip:not-in-service-recording@atlanta.com>")).is_ok());
        assert!(ErrorInfo::parse(&b("Name <http://x>")).is_err());
        assert!(ErrorInfo::parse(&b("http://x")).is_err());
    }
}
