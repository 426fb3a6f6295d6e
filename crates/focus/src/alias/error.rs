//! Why an alias was not given, and the status the focus answers with.

use super::normalize::Malformation;

/// Why an alias request failed. [`AliasError::msrp_status`] is the RFC 7701 answer to a
/// `NICKNAME` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum AliasError {
    /// The requested nickname is malformed (blame: the participant). RFC 7701: 424.
    #[error("malformed nickname: {0:?}")]
    Malformed(Malformation),
    /// Another participant holds a nickname with the same normalized key, and the request
    /// asked for that exact nickname (blame: the participant). RFC 7701: 425.
    #[error("nickname already in use")]
    InUse,
    /// The policy reserves this nickname (e.g. a system-message sender name) (blame: the
    /// participant). RFC 7701: 425 ("reserved or already in use").
    #[error("nickname reserved")]
    Reserved,
    /// No free alias could be made within the length limit, or the room's alias table is full
    /// (blame: server limits). MSRP 403.
    #[error("no alias available")]
    Exhausted,
    /// The owner already holds an alias: release or rename it (blame: the caller).
    #[error("this owner already holds an alias")]
    AlreadyHeld,
    /// The owner holds no alias to rename (blame: the caller, or a NICKNAME from a session that
    /// never joined). MSRP 403.
    #[error("this owner holds no alias")]
    UnknownOwner,
}

/// RFC 7701, as registered with IANA: 424 "Malformed nickname".
pub const MALFORMED_NICKNAME: u16 = 424;
/// RFC 7701, as registered with IANA: 425 "Nickname reserved or already in use".
pub const NICKNAME_IN_USE: u16 = 425;
/// RFC 4975: 403 "Action-not-allowed".
pub const ACTION_NOT_ALLOWED: u16 = 403;

impl AliasError {
    /// The MSRP status to answer a `NICKNAME` request with (RFC 7701, REQ: CHAT-1):
    /// 424 when malformed, 425 when in use or reserved, 403 otherwise.
    #[must_use]
    pub const fn msrp_status(&self) -> u16 {
        match self {
            Self::Malformed(_) => MALFORMED_NICKNAME,
            Self::InUse | Self::Reserved => NICKNAME_IN_USE,
            Self::Exhausted | Self::AlreadyHeld | Self::UnknownOwner => ACTION_NOT_ALLOWED,
        }
    }
}
