//! `a=chatroom` (RFC 7701 §8): the chat room capabilities of an MSRP session.

use core::fmt;

use bytes::Bytes;
use smallvec::SmallVec;

use super::scan::{check_line_safe, check_token, join_sp, split_items, write_bytes};
use crate::Result;

/// `a=chatroom[:<token> *(SP <token>)]` (RFC 7701 §8): in an offer or answer, the chat room
/// extensions an endpoint or focus supports, e.g. `nickname` (the NICKNAME request) and
/// `private-messages`. Unknown tokens are kept.
///
/// With no tokens it is written as the flag `a=chatroom`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Chatroom {
    raw: Bytes,
    tokens: SmallVec<[Bytes; 2]>,
}

impl Chatroom {
    /// The attribute name.
    pub const NAME: &'static str = "chatroom";
    /// The token for nickname support (RFC 7701 §7).
    pub const NICKNAME: &'static str = "nickname";
    /// The token for private messages support (RFC 7701 §6).
    pub const PRIVATE_MESSAGES: &'static str = "private-messages";

    /// Parses zero or more SP-separated tokens.
    pub fn parse(value: &Bytes) -> Result<Self> {
        check_line_safe(value)?;
        let mut tokens = SmallVec::new();
        for span in split_items(value, false)? {
            let t = value.slice(span.clone());
            check_token(&t, span.start)?;
            tokens.push(t);
        }
        Ok(Self {
            raw: value.clone(),
            tokens,
        })
    }

    /// The value listing `tokens` separated by SP. Errors are located in that text.
    pub fn from_tokens<I>(tokens: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        Self::parse(&join_sp(tokens, true)?)
    }

    /// The tokens, in order.
    pub fn tokens(&self) -> impl ExactSizeIterator<Item = &Bytes> {
        self.tokens.iter()
    }

    /// Whether `token` is listed (case-insensitive).
    #[must_use]
    pub fn has(&self, token: &str) -> bool {
        self.tokens
            .iter()
            .any(|t| t.eq_ignore_ascii_case(token.as_bytes()))
    }

    /// Whether `nickname` is listed.
    #[must_use]
    pub fn nickname(&self) -> bool {
        self.has(Self::NICKNAME)
    }

    /// Whether `private-messages` is listed.
    #[must_use]
    pub fn private_messages(&self) -> bool {
        self.has(Self::PRIVATE_MESSAGES)
    }

    /// Whether there are no tokens, the value being written `a=chatroom`.
    #[must_use]
    pub fn is_flag(&self) -> bool {
        self.raw.is_empty()
    }
}

impl fmt::Display for Chatroom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bytes(f, &self.raw)
    }
}

super::typed_attribute!(Chatroom, |s| s.is_flag());

#[cfg(test)]
mod tests {
    use super::*;

    // REQ: SDP-2
    #[test]
    fn rfc7701_examples() {
        let c = Chatroom::parse(&Bytes::from_static(b"nickname private-messages")).unwrap();
        assert!(c.nickname() && c.private_messages());
        assert_eq!(c.tokens().len(), 2);
        assert_eq!(c.to_string(), "nickname private-messages");
        assert!(!c.is_flag());

        let only = Chatroom::parse(&Bytes::from_static(b"nickname")).unwrap();
        assert!(only.nickname() && !only.private_messages());

        let flag = Chatroom::parse(&Bytes::new()).unwrap();
        assert!(flag.is_flag() && flag.tokens().len() == 0);
    }

    #[test]
    fn unknown_tokens_kept_and_round_trip() {
        let c = Chatroom::parse(&Bytes::from_static(b"x-future nickname")).unwrap();
        assert!(c.has("X-FUTURE"));
        let again = Chatroom::parse(&Bytes::from(c.to_string())).unwrap();
        assert_eq!(again, c);
        let built =
            Chatroom::from_tokens([Chatroom::NICKNAME, Chatroom::PRIVATE_MESSAGES]).unwrap();
        assert_eq!(built.to_string(), "nickname private-messages");
        assert_eq!(
            Chatroom::from_tokens(Vec::<&str>::new())
                .unwrap()
                .to_string(),
            ""
        );
    }

    #[test]
    fn located_errors() {
        let e = Chatroom::parse(&Bytes::from_static(b"nickname priv/ate")).unwrap_err();
        assert_eq!((e.offset, e.line), (13, 0));
        assert!(Chatroom::from_tokens(["a\r\nb"]).is_err());
    }
}
