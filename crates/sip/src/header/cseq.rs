//! `CSeq` (RFC 3261 §20.16): `1*DIGIT LWS Method`.

use super::value::display_raw;

use bytes::Bytes;

use super::TypedHeader;
use super::value::number_as;
use crate::error::{ErrorKind, Result};
use crate::lex::{Cursor, is_token};
use crate::method::Method;
use crate::name::HeaderName;

/// `CSeq` (RFC 3261 §20.16): a sequence number below 2^31 when generated, any `u32` when
/// received (a larger one is `NumberOverflow`, RFC 4475 scalar02), and the request method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CSeq {
    seq: u32,
    method: Method,
    raw: Bytes,
}

impl CSeq {
    /// A CSeq of `seq` and `method`, written `seq SP METHOD`.
    #[must_use]
    pub fn new(seq: u32, method: Method) -> Self {
        let raw = Bytes::from(format!("{seq} {method}"));
        Self { seq, method, raw }
    }

    /// The sequence number.
    #[must_use]
    pub const fn seq(&self) -> u32 {
        self.seq
    }

    /// The method.
    #[must_use]
    pub const fn method(&self) -> &Method {
        &self.method
    }
}

impl TypedHeader for CSeq {
    const NAME: HeaderName = HeaderName::CSeq;
    const LIST: bool = false;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let mut cur = Cursor::new(&value);
        let seq = number_as(&mut cur)?;
        if !cur.skip_ws() {
            return Err(cur.error(if cur.is_empty() {
                ErrorKind::Method
            } else {
                ErrorKind::Expected(b' ')
            }));
        }
        let start = cur.pos();
        let name = cur.take_while(is_token);
        let method = Method::from_part(&value, name).map_err(|e| e.shifted(start))?;
        cur.finish()?;
        Ok(Self {
            seq,
            method,
            raw: value,
        })
    }
}

display_raw!(CSeq, |this| &this.raw);

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::ParseError;

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (RFC 4475 wsinv: `cseq: 0009\r\n  INVITE`, unfolded)
    #[test]
    fn odd_whitespace_and_leading_zeros() {
        let c = CSeq::parse(&b("0009   INVITE")).unwrap();
        assert_eq!((c.seq(), c.method()), (9, &Method::Invite));
        assert_eq!(c.to_string(), "0009   INVITE");
    }

    // REQ: SIP-2 (RFC 4475 intmeth)
    #[test]
    fn extension_method() {
        let c = CSeq::parse(&b("139122385 !interesting-Method0123456789_*+`.%indeed'~")).unwrap();
        assert_eq!(c.seq(), 139_122_385);
        assert_eq!(
            c.method().as_str(),
            "!interesting-Method0123456789_*+`.%indeed'~"
        );
    }

    // REQ: SIP-2 (RFC 4475 scalar02, scalarlg)
    #[test]
    fn overlarge_sequence_numbers() {
        assert_eq!(
            CSeq::parse(&b("36893488147419103232 REGISTER")).unwrap_err(),
            ParseError::new(ErrorKind::NumberOverflow, 0)
        );
        assert_eq!(
            CSeq::parse(&b("9292394834772304023312 OPTIONS"))
                .unwrap_err()
                .kind,
            ErrorKind::NumberOverflow
        );
    }

    // REQ: SIP-2
    #[test]
    fn malformed_is_located() {
        assert_eq!(
            CSeq::parse(&b("INVITE")).unwrap_err(),
            ParseError::new(ErrorKind::Number, 0)
        );
        assert_eq!(
            CSeq::parse(&b("12")).unwrap_err(),
            ParseError::new(ErrorKind::Method, 2)
        );
        assert_eq!(
            CSeq::parse(&b("12INVITE")).unwrap_err(),
            ParseError::new(ErrorKind::Expected(b' '), 2)
        );
        assert_eq!(
            CSeq::parse(&b("12 INV@ITE")).unwrap_err(),
            ParseError::new(ErrorKind::TrailingBytes, 6)
        );
        assert_eq!(
            CSeq::parse(&b("12 INVITE x")).unwrap_err(),
            ParseError::new(ErrorKind::TrailingBytes, 10)
        );
    }

    fn method() -> impl Strategy<Value = Method> {
        prop_oneof![
            Just(Method::Invite),
            Just(Method::Bye),
            Just(Method::Message),
            "[A-Za-z!%*_+`'~.-]{1,12}".prop_map(|s| s.parse::<Method>().unwrap()),
        ]
    }

    proptest! {
        // REQ: SIP-2
        #[test]
        fn round_trip(seq in any::<u32>(), m in method()) {
            let built = CSeq::new(seq, m);
            let parsed = CSeq::parse(&Bytes::from(built.to_string())).unwrap();
            prop_assert_eq!(parsed, built);
        }
    }
}
