//! Headers whose value is one number or one word: Max-Forwards, Content-Length, Expires,
//! Min-Expires, Retry-After and Call-ID.
//!
//! A number that does not fit its field is an error ([`ErrorKind::NumberOverflow`]), not a
//! clamp: RFC 4475 scalar02 and scalarlg expect such requests to be
//! answered with 400.
//!
//! [`ErrorKind::NumberOverflow`]: crate::ErrorKind::NumberOverflow

use super::value::display_raw;
use core::fmt;

use bytes::Bytes;

use super::TypedHeader;
use super::value::{comment, fmt_raw, number_as, numeric_param, parse_whole_number};
use crate::error::{ErrorKind, Result};
use crate::lex::{Cursor, is_word};
use crate::name::HeaderName;
use crate::params::{ParamItems, Params, parse_generic_params};
use crate::parse::OptSpan;

/// Defines a header whose whole value is one decimal number of type `$ty`.
macro_rules! number_header {
    ($(#[$doc:meta])* $name:ident, $ty:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            value: $ty,
            raw: Bytes,
        }

        impl $name {
            /// A header with this value, written in plain decimal.
            #[must_use]
            pub fn new(value: $ty) -> Self {
                Self { value, raw: Bytes::from(value.to_string()) }
            }

            /// The number.
            #[must_use]
            pub const fn value(&self) -> $ty {
                self.value
            }
        }

        impl TypedHeader for $name {
            const NAME: HeaderName = HeaderName::$name;
            const LIST: bool = false;
            fn parse(value: &Bytes) -> Result<Self> {
                Self::parse_owned(value.clone())
            }

            fn parse_owned(value: Bytes) -> Result<Self> {
                Ok(Self { value: parse_whole_number(&value)?, raw: value })
            }
        }

        impl fmt::Display for $name {
            /// The value as parsed (leading zeros kept), or as built.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_raw(f, &self.raw)
            }
        }
    };
}

number_header!(
    /// `Max-Forwards` (RFC 3261 §20.22): hops left, 0..=255; a larger value is
    /// `NumberOverflow`.
    MaxForwards,
    u8
);
number_header!(
    /// `Content-Length` (RFC 3261 §20.14): the body size in octets.
    ContentLength,
    u32
);
number_header!(
    /// `Expires` (RFC 3261 §20.19): delta-seconds, at most 2^32-1.
    Expires,
    u32
);
number_header!(
    /// `Min-Expires` (RFC 3261 §20.23): the smallest registration or subscription interval
    /// the server accepts, in delta-seconds.
    MinExpires,
    u32
);

/// `Retry-After` (RFC 3261 §20.33): `delta-seconds [ comment ] *( SEMI retry-param )`, with
/// the `duration` parameter checked to be delta-seconds.
#[derive(Debug, Clone)]
pub struct RetryAfter {
    seconds: u32,
    comment: OptSpan,
    duration: Option<u32>,
    /// The parameters; their source is the whole value, which is also its raw text.
    params: Params,
}

impl RetryAfter {
    /// A `Retry-After` of `seconds`, without comment or parameters.
    #[must_use]
    pub fn new(seconds: u32) -> Self {
        Self {
            seconds,
            comment: OptSpan::NONE,
            duration: None,
            params: Params::from_parts(Bytes::from(seconds.to_string()), ParamItems::new()),
        }
    }

    /// Seconds after which to retry.
    #[must_use]
    pub const fn seconds(&self) -> u32 {
        self.seconds
    }

    /// The comment, with its parentheses.
    #[must_use]
    pub fn comment(&self) -> Option<&[u8]> {
        self.comment.of(self.params.src())
    }

    /// The `duration` parameter: how long the callee will be reachable.
    #[must_use]
    pub const fn duration(&self) -> Option<u32> {
        self.duration
    }

    /// All parameters, in order.
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }

    fn key(&self) -> (u32, Option<&[u8]>, Option<u32>, &Params, &[u8]) {
        (
            self.seconds,
            self.comment(),
            self.duration,
            &self.params,
            self.params.src(),
        )
    }
}

eq_hash_by_key!(RetryAfter, key);

impl TypedHeader for RetryAfter {
    const NAME: HeaderName = HeaderName::RetryAfter;
    const LIST: bool = false;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let mut cur = Cursor::new(&value);
        let seconds = number_as(&mut cur)?;
        let save = cur.pos();
        cur.skip_ws();
        let comment = if cur.peek() == Some(b'(') {
            let at = cur.pos();
            let c = comment(&mut cur)?;
            OptSpan::new(at, at + c.len())
        } else {
            cur.set_pos(save);
            OptSpan::NONE
        };
        let items = parse_generic_params(&mut cur)?;
        cur.finish()?;
        let params = Params::from_parts(value, items);
        let duration = numeric_param(params.src(), &params, "duration")?;
        Ok(Self {
            seconds,
            comment,
            duration,
            params,
        })
    }
}

display_raw!(RetryAfter, |this| this.params.src());

/// `Call-ID` (RFC 3261 §20.8): `word [ "@" word ]`, compared byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallId(Bytes);

impl CallId {
    /// A Call-ID from an identifier (typically from the configured generator).
    ///
    /// # Errors
    /// As [`TypedHeader::parse`]: the identifier must be `word [ "@" word ]`.
    pub fn new(id: impl Into<Bytes>) -> Result<Self> {
        Self::parse(&id.into())
    }

    /// The identifier.
    #[must_use]
    pub const fn as_bytes(&self) -> &Bytes {
        &self.0
    }
}

impl TypedHeader for CallId {
    const NAME: HeaderName = HeaderName::CallId;
    const LIST: bool = false;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let mut cur = Cursor::new(&value);
        if cur.take_while(is_word).is_empty() {
            return Err(cur.error(if cur.is_empty() {
                ErrorKind::Empty
            } else {
                ErrorKind::UnexpectedByte
            }));
        }
        if cur.eat(b'@') && cur.take_while(is_word).is_empty() {
            return Err(cur.error(ErrorKind::UnexpectedByte));
        }
        if !cur.is_empty() {
            return Err(cur.error(ErrorKind::TrailingBytes));
        }
        Ok(Self(value))
    }
}

display_raw!(CallId, |this| &this.0);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ParseError;

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (RFC 4475 wsinv: leading zeros; display keeps them)
    #[test]
    fn numbers_with_leading_zeros() {
        let mf = MaxForwards::parse(&b("0068")).unwrap();
        assert_eq!(mf.value(), 68);
        assert_eq!(mf.to_string(), "0068");
        assert_eq!(ContentLength::parse(&b("150")).unwrap().value(), 150);
        assert_eq!(MaxForwards::new(70).to_string(), "70");
        assert_eq!(Expires::new(0).to_string(), "0");
        assert_eq!(MinExpires::parse(&b("3600")).unwrap().value(), 3600);
    }

    // REQ: SIP-2 (RFC 4475 scalar02, intmeth Max-Forwards: 255)
    #[test]
    fn overlarge_numbers_are_errors() {
        assert_eq!(MaxForwards::parse(&b("255")).unwrap().value(), 255);
        assert_eq!(
            MaxForwards::parse(&b("300")).unwrap_err(),
            ParseError::new(ErrorKind::NumberOverflow, 0)
        );
        let huge = "1".to_owned() + &"0".repeat(104);
        assert_eq!(
            Expires::parse(&Bytes::from(huge)).unwrap_err().kind,
            ErrorKind::NumberOverflow
        );
        assert_eq!(
            Expires::parse(&b("4294967296")).unwrap_err().kind,
            ErrorKind::NumberOverflow
        );
        assert_eq!(Expires::parse(&b("4294967295")).unwrap().value(), u32::MAX);
        assert_eq!(
            ContentLength::parse(&b("-1")).unwrap_err(),
            ParseError::new(ErrorKind::Number, 0)
        );
        assert_eq!(
            ContentLength::parse(&b("12a")).unwrap_err(),
            ParseError::new(ErrorKind::TrailingBytes, 2)
        );
    }

    // REQ: SIP-2 (RFC 4475 scalarlg Retry-After)
    #[test]
    fn retry_after() {
        assert_eq!(
            RetryAfter::parse(&b("949302838503028349304023988"))
                .unwrap_err()
                .kind,
            ErrorKind::NumberOverflow
        );
        let r = RetryAfter::parse(&b("18000;duration=3600")).unwrap();
        assert_eq!((r.seconds(), r.duration()), (18000, Some(3600)));
        let r = RetryAfter::parse(&b("120 (I'm in a meeting) ;duration=60;x")).unwrap();
        assert_eq!(r.comment().unwrap(), b"(I'm in a meeting)");
        assert_eq!(r.duration(), Some(60));
        assert!(r.params().contains("x"));
        assert_eq!(r.to_string(), "120 (I'm in a meeting) ;duration=60;x");
        assert_eq!(
            RetryAfter::parse(&b("5;duration=99999999999")).unwrap_err(),
            ParseError::new(ErrorKind::NumberOverflow, 11)
        );
        assert_eq!(RetryAfter::new(30).to_string(), "30");
    }

    // REQ: SIP-2 (RFC 4475 intmeth, wsinv)
    #[test]
    fn call_ids() {
        let v = b("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
        assert_eq!(CallId::parse(&v).unwrap().as_bytes(), &v);
        let c = CallId::parse(&b("wsinv.ndaksdj@192.0.2.1")).unwrap();
        assert_eq!(c.to_string(), "wsinv.ndaksdj@192.0.2.1");
        assert_eq!(
            CallId::parse(&b("a b")).unwrap_err(),
            ParseError::new(ErrorKind::TrailingBytes, 1)
        );
        assert_eq!(
            CallId::parse(&b("a@")).unwrap_err(),
            ParseError::new(ErrorKind::UnexpectedByte, 2)
        );
        assert_eq!(CallId::parse(&b("")).unwrap_err().kind, ErrorKind::Empty);
        assert!(CallId::new("abc@host").is_ok());
    }
}
