//! `a=setup` and `a=connection` (RFC 4145 §4, §5), the MSRP connection model (RFC 6135).

use core::fmt;

use bytes::Bytes;

use super::scan::err;
use crate::Result;

/// `a=setup:<role>` (RFC 4145 §4): which end opens the TCP connection.
///
/// Read case-insensitively (ABNF literals), written in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    /// `active`: this endpoint opens the connection.
    Active,
    /// `passive`: this endpoint accepts the connection.
    Passive,
    /// `actpass`: either; the answerer decides. What an MSRP offerer SHOULD offer (RFC 6135).
    ActPass,
    /// `holdconn`: no connection for now.
    HoldConn,
}

impl Setup {
    /// The attribute name.
    pub const NAME: &'static str = "setup";

    /// Parses `active`, `passive`, `actpass` or `holdconn`.
    pub fn parse(value: &Bytes) -> Result<Self> {
        [Self::Active, Self::Passive, Self::ActPass, Self::HoldConn]
            .into_iter()
            .find(|s| s.as_str().as_bytes().eq_ignore_ascii_case(value))
            .ok_or(err(0))
    }

    /// The value text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Passive => "passive",
            Self::ActPass => "actpass",
            Self::HoldConn => "holdconn",
        }
    }

    /// The role to answer with, given the `offer`ed role and what the local end can do
    /// (`local`), per the RFC 4145 §4.1 table as used by RFC 6135 (REQ: SDP-3):
    ///
    /// | offer | answer |
    /// |---|---|
    /// | `active` | `passive` |
    /// | `passive` | `active` |
    /// | `actpass` | `active` or `passive` |
    /// | `holdconn` | `holdconn` |
    ///
    /// `local` is the local preference: `Active` (can only connect), `Passive` (can only
    /// listen), `ActPass` (either: the answer to `actpass` is then `active`, the choice
    /// RFC 6135 recommends because it matches the RFC 4975 model, where the answerer
    /// connects), or `HoldConn` (no connection now: always answered `holdconn`). `None` when
    /// the two cannot agree (both only `active`, or both only `passive`); the media line must
    /// then be rejected.
    #[must_use]
    pub const fn answer_for(offer: Self, local: Self) -> Option<Self> {
        match (offer, local) {
            (Self::HoldConn, _) | (_, Self::HoldConn) => Some(Self::HoldConn),
            (Self::Active, Self::Active) | (Self::Passive, Self::Passive) => None,
            (Self::Active, _) => Some(Self::Passive),
            (Self::Passive, _) => Some(Self::Active),
            (Self::ActPass, Self::Passive) => Some(Self::Passive),
            (Self::ActPass, _) => Some(Self::Active),
        }
    }

    /// Whether the end that wrote this role opens the connection, once negotiated (`active`).
    #[must_use]
    pub const fn connects(self) -> bool {
        matches!(self, Self::Active)
    }
}

impl fmt::Display for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

super::typed_attribute!(Setup);

/// `a=connection:<new|existing>` (RFC 4145 §5): whether a new connection is wanted or the
/// existing one is reused.
///
/// Read case-insensitively (ABNF literals), written in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Connection {
    /// `new`: open a new connection.
    New,
    /// `existing`: keep using the existing connection.
    Existing,
}

impl Connection {
    /// The attribute name.
    pub const NAME: &'static str = "connection";

    /// Parses `new` or `existing`.
    pub fn parse(value: &Bytes) -> Result<Self> {
        [Self::New, Self::Existing]
            .into_iter()
            .find(|c| c.as_str().as_bytes().eq_ignore_ascii_case(value))
            .ok_or(err(0))
    }

    /// The value text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Existing => "existing",
        }
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

super::typed_attribute!(Connection);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use Setup::{ActPass, Active, HoldConn, Passive};

    // REQ: SDP-2
    #[test]
    fn parse_and_write() {
        for s in [Active, Passive, ActPass, HoldConn] {
            let text = s.to_string();
            assert_eq!(Setup::parse(&Bytes::from(text)).unwrap(), s);
        }
        assert_eq!(
            Setup::parse(&Bytes::from_static(b"ActPass")).unwrap(),
            ActPass
        );
        let e = Setup::parse(&Bytes::from_static(b"both")).unwrap_err();
        assert_eq!((e.kind, e.offset, e.line), (ErrorKind::Attribute, 0, 0));
        assert!(Setup::parse(&Bytes::from_static(b"active ")).is_err());
        for c in [Connection::New, Connection::Existing] {
            assert_eq!(Connection::parse(&Bytes::from(c.to_string())).unwrap(), c);
        }
        assert!(Connection::parse(&Bytes::from_static(b"old")).is_err());
        assert_eq!(Setup::NAME, "setup");
        assert_eq!(Connection::NAME, "connection");
    }

    // REQ: SDP-3
    #[test]
    fn rfc4145_answer_table() {
        // offer, local preference, expected answer.
        let table = [
            (Active, ActPass, Some(Passive)),
            (Active, Passive, Some(Passive)),
            (Active, Active, None),
            (Passive, ActPass, Some(Active)),
            (Passive, Active, Some(Active)),
            (Passive, Passive, None),
            (ActPass, ActPass, Some(Active)),
            (ActPass, Active, Some(Active)),
            (ActPass, Passive, Some(Passive)),
            (HoldConn, ActPass, Some(HoldConn)),
            (HoldConn, Active, Some(HoldConn)),
            (Active, HoldConn, Some(HoldConn)),
        ];
        for (offer, local, answer) in table {
            assert_eq!(Setup::answer_for(offer, local), answer, "{offer} / {local}");
        }
    }

    // REQ: SDP-3
    #[test]
    fn rfc6135_offer_actpass_answerer_connects() {
        let answer = Setup::answer_for(ActPass, ActPass).unwrap();
        assert!(answer.connects());
    }
}
