//! SIP request methods (RFC 3261 §7.1, §25.1 `Method`).
//!
//! Methods are case-sensitive (RFC 3261 §7.1): `INVITE` is [`Method::Invite`], while `invite`
//! is an extension method of its own.

use core::fmt;
use core::str::FromStr;

use bytes::Bytes;

use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::is_token;

/// A request method: one of the methods this family speaks, or an extension token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `INVITE` (RFC 3261)
    Invite,
    /// `ACK` (RFC 3261)
    Ack,
    /// `BYE` (RFC 3261)
    Bye,
    /// `CANCEL` (RFC 3261)
    Cancel,
    /// `OPTIONS` (RFC 3261)
    Options,
    /// `REGISTER` (RFC 3261)
    Register,
    /// `PRACK` (RFC 3262)
    Prack,
    /// `SUBSCRIBE` (RFC 6665)
    Subscribe,
    /// `NOTIFY` (RFC 6665)
    Notify,
    /// `PUBLISH` (RFC 3903)
    Publish,
    /// `INFO` (RFC 6086)
    Info,
    /// `REFER` (RFC 3515)
    Refer,
    /// `MESSAGE` (RFC 3428)
    Message,
    /// `UPDATE` (RFC 3311)
    Update,
    /// Any other method token, as written. [`Method::from_bytes`] only produces it for a
    /// valid token that is not one of the names above.
    Extension(Bytes),
}

/// The known methods with their wire names, in one table for both directions.
const KNOWN: [(&str, Method); 14] = [
    ("INVITE", Method::Invite),
    ("ACK", Method::Ack),
    ("BYE", Method::Bye),
    ("CANCEL", Method::Cancel),
    ("OPTIONS", Method::Options),
    ("REGISTER", Method::Register),
    ("PRACK", Method::Prack),
    ("SUBSCRIBE", Method::Subscribe),
    ("NOTIFY", Method::Notify),
    ("PUBLISH", Method::Publish),
    ("INFO", Method::Info),
    ("REFER", Method::Refer),
    ("MESSAGE", Method::Message),
    ("UPDATE", Method::Update),
];

impl Method {
    /// Resolves a method token (case-sensitive). An unknown token becomes
    /// [`Method::Extension`] holding a slice of `src`, not a copy.
    ///
    /// # Errors
    /// [`ErrorKind::Method`] at the first byte that is not a token character, or at 0 when
    /// `src` is empty.
    pub fn from_bytes(src: &Bytes) -> Result<Self> {
        Self::from_part(src, src)
    }

    /// [`Method::from_bytes`] on `token`, a slice of `src`: only an extension method takes
    /// a (shared) slice of `src`.
    pub(crate) fn from_part(src: &Bytes, token: &[u8]) -> Result<Self> {
        if token.is_empty() {
            return Err(ParseError::new(ErrorKind::Method, 0));
        }
        if let Some(bad) = token.iter().position(|&b| !is_token(b)) {
            return Err(ParseError::new(ErrorKind::Method, bad));
        }
        // A `match` on the bytes compiles to a switch on the length, then one comparison.
        Ok(match token {
            b"INVITE" => Self::Invite,
            b"ACK" => Self::Ack,
            b"BYE" => Self::Bye,
            b"CANCEL" => Self::Cancel,
            b"OPTIONS" => Self::Options,
            b"REGISTER" => Self::Register,
            b"PRACK" => Self::Prack,
            b"SUBSCRIBE" => Self::Subscribe,
            b"NOTIFY" => Self::Notify,
            b"PUBLISH" => Self::Publish,
            b"INFO" => Self::Info,
            b"REFER" => Self::Refer,
            b"MESSAGE" => Self::Message,
            b"UPDATE" => Self::Update,
            _ => Self::Extension(if token.len() == src.len() {
                src.clone()
            } else {
                src.slice_ref(token)
            }),
        })
    }

    /// The method as written on the wire. For an [`Method::Extension`] built by hand from
    /// bytes that are not UTF-8, this is the empty string (tokens are ASCII, so a parsed one
    /// always has its text).
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Extension(b) => core::str::from_utf8(b).unwrap_or_default(),
            known => KNOWN
                .iter()
                .find(|(_, m)| m == known)
                .map_or("", |(name, _)| name),
        }
    }

    /// The method's bytes as written on the wire.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Extension(b) => b,
            known => known.as_str().as_bytes(),
        }
    }
}

impl FromStr for Method {
    type Err = ParseError;

    /// Like [`Method::from_bytes`], copying an extension name.
    fn from_str(s: &str) -> Result<Self> {
        Self::from_bytes(&Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // REQ: SIP-2
    #[test]
    fn known_methods_round_trip() {
        for (name, m) in &KNOWN {
            let parsed: Method = name.parse().unwrap();
            assert_eq!(&parsed, m);
            assert_eq!(parsed.as_str(), *name);
            assert_eq!(parsed.to_string(), *name);
        }
    }

    // REQ: SIP-2
    #[test]
    fn methods_are_case_sensitive() {
        let m: Method = "invite".parse().unwrap();
        assert_eq!(m, Method::Extension(Bytes::from_static(b"invite")));
        assert_eq!(m.as_str(), "invite");
    }

    // REQ: SIP-2 (RFC 4475 intmeth)
    #[test]
    fn unusual_extension_token() {
        let src = Bytes::from_static(b"!interesting-Method0123456789_*+`.%indeed'~");
        let m = Method::from_bytes(&src).unwrap();
        assert_eq!(m.as_bytes(), &src[..]);
        let Method::Extension(b) = &m else {
            panic!("expected an extension")
        };
        assert_eq!(b.as_ptr(), src.as_ptr(), "zero-copy");
    }

    // REQ: SIP-2
    #[test]
    fn invalid_methods_are_located() {
        assert_eq!(
            "INV ITE".parse::<Method>().unwrap_err(),
            ParseError::new(ErrorKind::Method, 3)
        );
        assert_eq!(
            "".parse::<Method>().unwrap_err(),
            ParseError::new(ErrorKind::Method, 0)
        );
    }
}
