//! Dialog identifiers (RFC 3261 §12): [`DialogId`] and the [`Role`] a user agent plays.

use bytes::Bytes;

use crate::header::{CallId, From, To};
use crate::ids::{IdGenerator, IdKind};
use crate::message::{Headers, Request, Response};

/// The role a user agent plays in a transaction: client or server. A dialog remembers the
/// role its UA played in the transaction that created it; a session timer, the role in the
/// transaction that negotiated it (RFC 4028 names the refresher `uac` or `uas` relative to
/// that transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// User agent client: sent the request.
    Uac,
    /// User agent server: received it.
    Uas,
}

/// What names a dialog at one user agent (RFC 3261 §12): the Call-ID, the local tag and the
/// remote tag, compared byte for byte. The remote tag is empty for a peer that sent none
/// (RFC 2543 compatibility, §12.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// The Call-ID.
    pub call_id: Bytes,
    /// This UA's tag: the From tag of its requests, the To tag of its responses.
    pub local_tag: Bytes,
    /// The peer's tag.
    pub remote_tag: Bytes,
}

impl DialogId {
    /// A dialog id from its parts.
    #[must_use]
    pub fn new(
        call_id: impl Into<Bytes>,
        local_tag: impl Into<Bytes>,
        remote_tag: impl Into<Bytes>,
    ) -> Self {
        Self {
            call_id: call_id.into(),
            local_tag: local_tag.into(),
            remote_tag: remote_tag.into(),
        }
    }

    /// The dialog a received request belongs to, seen from its UAS (RFC 3261 §12.2.2): the
    /// local tag is the To tag, the remote tag the From tag. `None` when the request has no
    /// To tag (it is outside any dialog) or its Call-ID, From or To is absent or malformed.
    #[must_use]
    pub fn of_incoming_request(req: &Request) -> Option<Self> {
        let (call_id, from, to) = parts(req.headers())?;
        Some(Self {
            call_id,
            local_tag: to?,
            remote_tag: from.unwrap_or_default(),
        })
    }

    /// The dialog a request this UA sends belongs to, or a response to it (RFC 3261
    /// §12.1.2): the local tag is the From tag, the remote tag the To tag. `None` when the
    /// message has no To tag or its Call-ID, From or To is absent or malformed.
    #[must_use]
    pub fn of_outgoing(headers: &Headers) -> Option<Self> {
        let (call_id, from, to) = parts(headers)?;
        Some(Self {
            call_id,
            local_tag: from.unwrap_or_default(),
            remote_tag: to?,
        })
    }

    /// [`DialogId::of_outgoing`] for a received response.
    #[must_use]
    pub fn of_incoming_response(resp: &Response) -> Option<Self> {
        Self::of_outgoing(resp.headers())
    }
}

/// The Call-ID, the From tag and the To tag of a message; `None` when Call-ID, From or To is
/// absent or malformed.
pub(super) fn parts(h: &Headers) -> Option<(Bytes, Option<Bytes>, Option<Bytes>)> {
    let call_id = h.typed::<CallId>()?.ok()?;
    let from = h.typed::<From>()?.ok()?;
    let to = h.typed::<To>()?.ok()?;
    Some((call_id.as_bytes().clone(), from.tag_bytes(), to.tag_bytes()))
}

/// An id generator that hands out one fixed tag. Through it [`Response::for_request`] adds
/// the dialog's own tag to the To of a response (RFC 3261 §12.1.1: a UAS keeps one tag for
/// the dialog).
pub(super) struct FixedTag<'a>(pub(super) &'a Bytes);

impl IdGenerator for FixedTag<'_> {
    fn next_id(&mut self, _kind: IdKind) -> Bytes {
        self.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn msg(text: &str) -> Message {
        Message::parse_datagram(Bytes::from(text.replace('\n', "\r\n"))).unwrap()
    }

    // RFC 3261 §12: a dialog id from each side.
    #[test]
    fn ids_from_each_side() {
        let bye = msg("BYE sip:alice@pc33.atlanta.com SIP/2.0\n\
Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\n\
From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n\
To: Alice <sip:alice@atlanta.com>;tag=1928301774\n\
Call-ID: a84b4c76e66710\n\
CSeq: 231 BYE\n\
Content-Length: 0\n\n");
        let req = bye.as_request().unwrap();
        // Alice receives it: local is the To tag.
        assert_eq!(
            DialogId::of_incoming_request(req),
            Some(DialogId::new(
                &b"a84b4c76e66710"[..],
                &b"1928301774"[..],
                &b"a6c85cf"[..]
            ))
        );
        // Bob sent it: local is the From tag.
        assert_eq!(
            DialogId::of_outgoing(req.headers()),
            Some(DialogId::new(
                &b"a84b4c76e66710"[..],
                &b"a6c85cf"[..],
                &b"1928301774"[..]
            ))
        );
    }

    #[test]
    fn no_to_tag_is_no_dialog() {
        let m = msg("MESSAGE sip:b@example.com SIP/2.0\n\
Via: SIP/2.0/UDP a;branch=z9hG4bK1\n\
From: <sip:a@example.com>;tag=1\n\
To: <sip:b@example.com>\n\
Call-ID: c\n\
CSeq: 1 MESSAGE\n\
Content-Length: 0\n\n");
        let req = m.as_request().unwrap();
        assert_eq!(DialogId::of_incoming_request(req), None);
        assert_eq!(DialogId::of_outgoing(req.headers()), None);
    }
}
