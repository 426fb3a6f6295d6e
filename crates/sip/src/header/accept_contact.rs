//! `Accept-Contact` and `Reject-Contact` (RFC 3841 §10): caller preferences as feature sets.
//!
//! ```text
//! ac-value  = "*" *(SEMI ac-params)
//! ac-params = feature-param / req-param / explicit-param / generic-param
//! rc-value  = "*" *(SEMI rc-params)
//! ```
//! Feature parameters are `+`-prefixed tags or base tags (RFC 3840 §9), optionally with a
//! quoted value (`+sip.instance="<urn:uuid:...>"`). Both headers are defined by one macro.

use super::value::display_raw;
use std::borrow::Cow;

use bytes::Bytes;

use super::TypedHeader;
use super::value::write_quoted;
use crate::error::Result;
use crate::lex::Cursor;
use crate::name::HeaderName;
use crate::params::{ParamItems, Params, parse_generic_params};

/// Defines a caller-preferences header `* *(SEMI params)`.
macro_rules! caller_prefs_header {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            /// The parameters; their source is the whole value, which is also its raw text.
            params: Params,
        }

        eq_hash_by_key!($name, key);

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $name {
            /// A bare `*`, to which features are added with the `with_*` methods.
            #[must_use]
            pub fn new() -> Self {
                Self { params: Params::from_parts(Bytes::from_static(b"*"), ParamItems::new()) }
            }

            /// This value with feature `name` (a `+`-prefixed feature tag or a base tag),
            /// optionally with a value that is written quoted (`+sip.instance="<urn:...>"`).
            #[must_use]
            pub fn with_feature(mut self, name: &str, value: Option<&str>) -> Self {
                let value = value.map(|v| {
                    let mut q = Vec::with_capacity(v.len() + 2);
                    write_quoted(&mut q, v);
                    q
                });
                self.params.set(name, value.as_deref());
                self.render();
                self
            }

            /// Writes `*;params` and makes it the parameters' source.
            fn render(&mut self) {
                let mut out = vec![b'*'];
                let items = self.params.write_spans(&mut out);
                self.params = Params::from_parts(Bytes::from(out), items);
            }

            fn key(&self) -> (&Params, &[u8]) {
                (&self.params, self.params.src())
            }

            /// True if the feature (or any parameter) `name` is present (case-insensitive).
            #[must_use]
            pub fn has_feature(&self, name: &str) -> bool {
                self.params.contains(name)
            }

            /// The value of feature `name`, unquoted; `None` if absent or without value.
            #[must_use]
            pub fn feature_value(&self, name: &str) -> Option<Cow<'_, [u8]>> {
                self.params.find(name)?.value_text()
            }

            /// All parameters, in order.
            #[must_use]
            pub const fn params(&self) -> &Params {
                &self.params
            }
        }

        impl TypedHeader for $name {
            const NAME: HeaderName = HeaderName::$name;
            const LIST: bool = true;
            fn parse(value: &Bytes) -> Result<Self> {
                Self::parse_owned(value.clone())
            }

            fn parse_owned(value: Bytes) -> Result<Self> {
                let mut cur = Cursor::new(&value);
                cur.expect(b'*')?;
                let items = parse_generic_params(&mut cur)?;
                cur.finish()?;
                Ok(Self { params: Params::from_parts(value, items) })
            }
        }

        display_raw!($name, |this| this.params.src());
    };
}

caller_prefs_header!(
    /// One `Accept-Contact` value (RFC 3841 §10): the features a target should have, e.g.
    /// `*;+g.oma.sip-im;require;explicit` (OMA IM).
    AcceptContact
);
caller_prefs_header!(
    /// One `Reject-Contact` value (RFC 3841 §10): features of targets not to reach.
    RejectContact
);

impl AcceptContact {
    /// True if the `require` parameter is present (RFC 3841 §7.2.3: discard non-matching
    /// contacts).
    #[must_use]
    pub fn require(&self) -> bool {
        self.params.contains("require")
    }

    /// True if the `explicit` parameter is present (RFC 3841 §7.2.3: only contacts that
    /// explicitly declared the features match).
    #[must_use]
    pub fn explicit(&self) -> bool {
        self.params.contains("explicit")
    }

    /// This value with the `require` parameter.
    #[must_use]
    pub fn with_require(mut self) -> Self {
        self.params.set("require", None);
        self.render();
        self
    }

    /// This value with the `explicit` parameter.
    #[must_use]
    pub fn with_explicit(mut self) -> Self {
        self.params.set("explicit", None);
        self.render();
        self
    }
}

/// The OMA SIMPLE IM feature tag, required in `Accept-Contact` of IM requests (OMA SIMPLE IM).
pub const OMA_SIP_IM: &str = "+g.oma.sip-im";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, ParseError};

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (OMA SIMPLE IM: `+g.oma.sip-im` with `require` and `explicit`)
    #[test]
    fn oma_im_feature() {
        let a = AcceptContact::parse(&b("*;+g.oma.sip-im;require;explicit")).unwrap();
        assert!(a.has_feature(OMA_SIP_IM));
        assert!(a.has_feature("+G.OMA.SIP-IM"));
        assert!(a.require() && a.explicit());
        assert_eq!(a.feature_value(OMA_SIP_IM), None);
        let built = AcceptContact::new()
            .with_feature(OMA_SIP_IM, None)
            .with_require()
            .with_explicit();
        assert_eq!(built.to_string(), "*;+g.oma.sip-im;require;explicit");
        assert_eq!(built, a);
    }

    // REQ: SIP-2 (RFC 3841 §10, RFC 5627 instance)
    #[test]
    fn quoted_values_and_whitespace() {
        let a = AcceptContact::parse(&b(
            "* ; +sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\" ;methods=\"INVITE,BYE\"",
        ))
        .unwrap();
        assert_eq!(
            a.feature_value("+sip.instance").unwrap().as_ref(),
            b"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"
        );
        assert_eq!(a.feature_value("methods").unwrap().as_ref(), b"INVITE,BYE");
        assert!(!a.require());
        let r = RejectContact::new().with_feature("+g.3gpp.icsi-ref", Some("urn:x\"y"));
        assert_eq!(r.to_string(), "*;+g.3gpp.icsi-ref=\"urn:x\\\"y\"");
        let back = RejectContact::parse(&Bytes::from(r.to_string())).unwrap();
        assert_eq!(
            back.feature_value("+g.3gpp.icsi-ref").unwrap().as_ref(),
            b"urn:x\"y"
        );
    }

    // REQ: SIP-2
    #[test]
    fn errors_are_located() {
        assert_eq!(
            AcceptContact::parse(&b("+g.oma.sip-im")).unwrap_err(),
            ParseError::new(ErrorKind::Expected(b'*'), 0)
        );
        assert_eq!(
            RejectContact::parse(&b("*;;")).unwrap_err(),
            ParseError::new(ErrorKind::Token, 2)
        );
        assert_eq!(
            AcceptContact::parse(&b("*;a=\"open")).unwrap_err(),
            ParseError::new(ErrorKind::QuotedString, 4)
        );
    }
}
