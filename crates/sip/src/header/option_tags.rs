//! Headers that are comma-separated lists of single tokens: option tags (`Supported`,
//! `Require`, `Proxy-Require`, `Unsupported`, RFC 3261 §19.2, §20.32, §20.29, §20.37, §20.40),
//! methods (`Allow`, §20.5) and event types (`Allow-Events`, RFC 6665 §8.2.2).
//!
//! One element is one token; the message layer splits the list at commas. All six headers are
//! defined by one macro, so they share parsing, building and display.

use super::value::display_raw;

use bytes::Bytes;

use super::TypedHeader;
use crate::error::Result;
use crate::lex::Cursor;
use crate::method::Method;
use crate::name::HeaderName;

/// Defines a list header whose element is one token. The struct holds the token's bytes in
/// `raw` and what `from_token` (an associated `fn(Bytes) -> Result<Self>`) derives from it.
macro_rules! token_list_header {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $fty:ty),* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            $($field: $fty,)*
            raw: Bytes,
        }

        impl $name {
            /// The element as written.
            #[must_use]
            pub const fn as_bytes(&self) -> &Bytes {
                &self.raw
            }
        }

        impl TypedHeader for $name {
            const NAME: HeaderName = HeaderName::$name;
            const LIST: bool = true;
            const ALLOW_EMPTY: bool =
                matches!(HeaderName::$name, HeaderName::Supported | HeaderName::Allow);
            fn parse(value: &Bytes) -> Result<Self> {
                Self::parse_owned(value.clone())
            }

            fn parse_owned(value: Bytes) -> Result<Self> {
                let mut cur = Cursor::new(&value);
                let token = cur.token()?.len();
                cur.finish()?;
                // A trimmed element is all token: keep the value whole.
                let raw = if token == value.len() {
                    value
                } else {
                    value.slice(..token)
                };
                Self::from_token(raw)
            }
        }

        display_raw!($name, |this| &this.raw);
    };
}

/// Defines `new(tag: &str)`, `value()` and `from_token` for the headers whose element is a
/// plain token.
macro_rules! token_constructor {
    ($($name:ident),*) => {$(
        impl $name {
            /// An element naming `tag`, which must be a token (`timer`, `100rel`, `presence`).
            #[must_use]
            pub fn new(tag: &str) -> Self {
                Self { raw: Bytes::copy_from_slice(tag.as_bytes()) }
            }

            /// The element's value: the token.
            #[must_use]
            pub const fn value(&self) -> &Bytes {
                &self.raw
            }

            #[allow(clippy::unnecessary_wraps, reason = "the shape `parse` calls")]
            fn from_token(raw: Bytes) -> Result<Self> {
                Ok(Self { raw })
            }
        }
    )*};
}

token_list_header!(
    /// One option tag of `Supported` (RFC 3261 §20.37): an extension the sender understands.
    Supported {}
);
token_list_header!(
    /// One option tag of `Require` (RFC 3261 §20.32): an extension the UAS must support.
    Require {}
);
token_list_header!(
    /// One option tag of `Proxy-Require` (RFC 3261 §20.29): an extension proxies must support.
    ProxyRequire {}
);
token_list_header!(
    /// One option tag of `Unsupported` (RFC 3261 §20.40): an extension the UAS does not
    /// support.
    Unsupported {}
);
token_list_header!(
    /// One event type of `Allow-Events` (RFC 6665 §8.2.2): an event package (with optional
    /// templates, `presence.winfo`) the sender accepts subscriptions to.
    AllowEvents {}
);
token_list_header!(
    /// One method of `Allow` (RFC 3261 §20.5): a method the sender supports (case-sensitive).
    Allow { value: Method }
);
token_constructor!(Supported, Require, ProxyRequire, Unsupported, AllowEvents);

impl Allow {
    /// An element naming `method`.
    #[must_use]
    pub fn new(method: Method) -> Self {
        let raw = Bytes::copy_from_slice(method.as_bytes());
        Self { value: method, raw }
    }

    /// The element's value: the method.
    #[must_use]
    pub const fn value(&self) -> &Method {
        &self.value
    }

    fn from_token(raw: Bytes) -> Result<Self> {
        Ok(Self {
            value: Method::from_bytes(&raw)?,
            raw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, ParseError};

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2
    #[test]
    fn option_tags() {
        let s = Supported::parse(&b("timer")).unwrap();
        assert_eq!(s.value(), &b("timer"));
        assert_eq!(Require::parse(&b("100rel")).unwrap().to_string(), "100rel");
        assert_eq!(ProxyRequire::new("sec-agree").to_string(), "sec-agree");
        assert_eq!(Unsupported::new("foo").value(), &b("foo"));
        assert_eq!(
            AllowEvents::parse(&b("presence.winfo")).unwrap().value(),
            &b("presence.winfo")
        );
        assert_eq!(Supported::new("timer"), s);
    }

    // REQ: SIP-2 (RFC 4475 intmeth: unusual tokens)
    #[test]
    fn allow_methods() {
        let a = Allow::parse(&b("INVITE")).unwrap();
        assert_eq!(a.value(), &Method::Invite);
        let a = Allow::parse(&b("!interesting-Method0123456789_*+`.%indeed'~")).unwrap();
        assert!(matches!(a.value(), Method::Extension(_)));
        assert_eq!(Allow::new(Method::Message).to_string(), "MESSAGE");
        assert_eq!(
            Allow::parse(&b("MESSAGE")).unwrap(),
            Allow::new(Method::Message)
        );
    }

    // REQ: SIP-2 (RFC 4475 badinv01: empty list elements)
    #[test]
    fn malformed_elements() {
        assert_eq!(
            Supported::parse(&b("")).unwrap_err(),
            ParseError::new(ErrorKind::Token, 0)
        );
        assert_eq!(
            Require::parse(&b("a b")).unwrap_err(),
            ParseError::new(ErrorKind::TrailingBytes, 2)
        );
        assert_eq!(
            Allow::parse(&b(";")).unwrap_err(),
            ParseError::new(ErrorKind::Token, 0)
        );
    }
}
