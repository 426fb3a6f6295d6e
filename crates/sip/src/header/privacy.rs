//! `Privacy` (RFC 3323 §4.2, RFC 3325 §9.3): `priv-value *(";" priv-value)`.

use super::value::display_raw;

use bytes::Bytes;
use smallvec::SmallVec;

use super::TypedHeader;
use crate::error::Result;
use crate::lex::Cursor;
use crate::name::HeaderName;

/// One privacy level (RFC 3323 §4.2; `id` from RFC 3325 §9.3). Compared case-insensitively
/// on parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrivValue {
    /// `header`: hide headers that reveal the user.
    Header,
    /// `session`: anonymize the media.
    Session,
    /// `user`: user-level privacy.
    User,
    /// `none`: no privacy.
    None,
    /// `critical`: fail rather than leak.
    Critical,
    /// `id`: do not pass on the asserted identity (RFC 3325).
    Id,
    /// Any other token, as written.
    Other(Bytes),
}

const KNOWN: [(&str, PrivValue); 6] = [
    ("header", PrivValue::Header),
    ("session", PrivValue::Session),
    ("user", PrivValue::User),
    ("none", PrivValue::None),
    ("critical", PrivValue::Critical),
    ("id", PrivValue::Id),
];

impl PrivValue {
    /// The value named by `t`, a slice of `src` (which an extension value shares).
    fn from_token(src: &Bytes, t: &[u8]) -> Self {
        KNOWN
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(t))
            .map_or_else(|| Self::Other(src.slice_ref(t)), |(_, v)| v.clone())
    }

    /// The value as written on the wire (lower case for the known ones).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Other(b) => b,
            known => KNOWN
                .iter()
                .find(|(_, v)| v == known)
                .map_or(&b""[..], |(n, _)| n.as_bytes()),
        }
    }
}

/// `Privacy` (RFC 3323 §4.2): the privacy levels the user asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Privacy {
    values: SmallVec<[PrivValue; 2]>,
    raw: Bytes,
}

impl Privacy {
    /// A Privacy header with these values, joined by `;` (`Privacy::new([PrivValue::Id])`).
    #[must_use]
    pub fn new(values: impl IntoIterator<Item = PrivValue>) -> Self {
        let values: SmallVec<[PrivValue; 2]> = values.into_iter().collect();
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push(b';');
            }
            out.extend_from_slice(v.as_bytes());
        }
        Self {
            values,
            raw: Bytes::from(out),
        }
    }

    /// True if `value` is among the levels.
    #[must_use]
    pub fn contains(&self, value: PrivValue) -> bool {
        self.values.contains(&value)
    }

    /// The levels, in order.
    pub fn iter(&self) -> impl Iterator<Item = &PrivValue> {
        self.values.iter()
    }
}

impl TypedHeader for Privacy {
    const NAME: HeaderName = HeaderName::Privacy;
    const LIST: bool = false;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let mut cur = Cursor::new(&value);
        let mut values = SmallVec::new();
        loop {
            let t = cur.token()?;
            values.push(PrivValue::from_token(&value, t));
            if !cur.eat_sep(b';') {
                break;
            }
        }
        cur.finish()?;
        Ok(Self { values, raw: value })
    }
}

display_raw!(Privacy, |this| &this.raw);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, ParseError};

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (OMA IM: anonymity requested with Privacy `id`, RFC 3325)
    #[test]
    fn values() {
        let p = Privacy::parse(&b("id")).unwrap();
        assert!(p.contains(PrivValue::Id));
        assert!(!p.contains(PrivValue::Header));
        let p = Privacy::parse(&b("header; ID ;critical;x-extra")).unwrap();
        assert!(p.contains(PrivValue::Header) && p.contains(PrivValue::Id));
        assert!(p.contains(PrivValue::Critical));
        assert!(p.contains(PrivValue::Other(b("x-extra"))));
        assert_eq!(p.iter().count(), 4);
        assert_eq!(p.to_string(), "header; ID ;critical;x-extra");
        let built = Privacy::new([PrivValue::Header, PrivValue::Id]);
        assert_eq!(built.to_string(), "header;id");
        assert_eq!(Privacy::parse(&b("header;id")).unwrap(), built);
    }

    // REQ: SIP-2
    #[test]
    fn errors_are_located() {
        assert_eq!(
            Privacy::parse(&b("id;;user")).unwrap_err(),
            ParseError::new(ErrorKind::Token, 3)
        );
        assert_eq!(
            Privacy::parse(&b("")).unwrap_err(),
            ParseError::new(ErrorKind::Token, 0)
        );
        assert_eq!(
            Privacy::parse(&b("id, user")).unwrap_err(),
            ParseError::new(ErrorKind::TrailingBytes, 2)
        );
    }
}
