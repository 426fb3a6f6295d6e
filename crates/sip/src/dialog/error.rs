//! What can go wrong with a dialog: [`DialogError`] for the dialog's own operations, and
//! [`RequestRejection`] for an incoming in-dialog request that must be refused (RFC 3261
//! §12.2.2, §14.2), with the status to answer.

use crate::builder::ResponseBuilder;
use crate::error::{BuildError, ParseError};
use crate::header::{RetryAfter, TypedHeader};
use crate::ids::{IdGenerator, IdKind};
use crate::message::{Headers, Request, Response};
use crate::method::Method;
use crate::name::HeaderName;

/// Why a dialog operation failed. Grouped by who is at fault: the peer's message, a message
/// that does not belong here, or the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DialogError {
    // --- the peer's message is malformed ---------------------------------------------------
    /// A header the dialog needs is absent (Call-ID, CSeq, From, To, or the Contact of a
    /// message that creates or refreshes the dialog, RFC 3261 §12.1).
    #[error("missing {0} header")]
    MissingHeader(HeaderName),
    /// A header the dialog needs does not parse; the error locates it in the message.
    #[error("malformed {name} header: {error}")]
    MalformedHeader {
        /// The header.
        name: HeaderName,
        /// Where and how it failed.
        error: ParseError,
    },

    // --- the message does not fit here -----------------------------------------------------
    /// The message cannot create a dialog: a request other than INVITE, SUBSCRIBE or REFER, a
    /// request already in a dialog (its To has a tag), a response that is not a 101-199 with
    /// a To tag or a 2xx, or a response to another request (RFC 3261 §12.1).
    #[error("cannot create a dialog: {0}")]
    NotDialogCreating(&'static str),
    /// The message belongs to another dialog: its Call-ID or tags differ (RFC 3261 §12).
    #[error("the message belongs to another dialog")]
    OtherDialog,

    // --- the caller misused the API ---------------------------------------------------------
    /// The dialog has terminated: nothing more can be sent in it.
    #[error("the dialog has terminated")]
    Terminated,
    /// An INVITE transaction is in progress in this dialog, in either direction: a new one
    /// must wait for its final response (RFC 3261 §14.1).
    #[error("an INVITE transaction is in progress in this dialog")]
    InviteInProgress,
    /// The method is not built this way: ACK with [`Dialog::ack`](super::Dialog::ack),
    /// CANCEL by the transaction layer from the INVITE (RFC 3261 §9.1).
    #[error("{0} is not sent with Dialog::request")]
    Method(Method),
    /// The local sequence number cannot grow any more (RFC 3261 §8.1.1.5: 32 bits).
    #[error("the local CSeq sequence number is exhausted")]
    CSeqExhausted,
    /// The message could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// Why an incoming in-dialog request is refused, and how to answer it
/// ([`RequestRejection::response`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestRejection {
    /// 481: the request names no dialog this UA has, or one that has terminated (RFC 3261
    /// §12.2.2).
    #[error("481 no such dialog")]
    NoDialog,
    /// 500: the CSeq sequence number is lower than the remote sequence number, so the request
    /// is out of order (RFC 3261 §12.2.2).
    #[error("500 CSeq {cseq} is lower than the remote sequence number {remote}")]
    OutOfOrder {
        /// The request's sequence number.
        cseq: u32,
        /// The dialog's remote sequence number.
        remote: u32,
    },
    /// 500 with Retry-After: an INVITE arrived while an earlier INVITE received on the dialog
    /// has no final response yet (RFC 3261 §14.2).
    #[error("500 an earlier INVITE is still being answered")]
    InviteInProgress,
    /// 491: an INVITE arrived while this UA's own INVITE on the dialog is in progress
    /// (RFC 3261 §14.2, glare).
    #[error("491 an INVITE of ours is pending")]
    Glare,
    /// 400: a header the dialog needs is absent or malformed.
    #[error("400 missing or malformed {0} header")]
    Malformed(HeaderName),
}

impl RequestRejection {
    /// The status code to answer with.
    #[must_use]
    pub const fn status(&self) -> u16 {
        match self {
            Self::NoDialog => 481,
            Self::OutOfOrder { .. } | Self::InviteInProgress => 500,
            Self::Glare => 491,
            Self::Malformed(_) => 400,
        }
    }

    /// The refusal for a request that carries a To tag but matches no dialog of this UA
    /// (RFC 3261 §12.2.2): [`RequestRejection::NoDialog`], or `None` for an ACK, which is
    /// never answered, and for a request without a To tag, which is outside any dialog.
    #[must_use]
    pub fn for_unknown_dialog(req: &Request) -> Option<Self> {
        if *req.method() == Method::Ack {
            return None;
        }
        let in_dialog = matches!(
            req.headers().typed::<crate::header::To>(),
            Some(Ok(to)) if to.tag().is_some()
        );
        in_dialog.then_some(Self::NoDialog)
    }

    /// The response to `req` (built with [`Response::for_request`]): for
    /// [`RequestRejection::InviteInProgress`] with a Retry-After of 0 to 10 seconds drawn from
    /// `ids` (RFC 3261 §14.2 asks for a random value). Add headers before `build()`.
    pub fn response(&self, req: &Request, ids: &mut impl IdGenerator) -> ResponseBuilder {
        let retry = matches!(self, Self::InviteInProgress).then(|| {
            let draw = ids.next_id(IdKind::Tag);
            let n = draw
                .iter()
                .fold(0u32, |n, &b| n.wrapping_mul(31).wrapping_add(u32::from(b)));
            n % 11
        });
        let b = Response::for_request(req, self.status(), ids);
        match retry {
            Some(seconds) => b.typed(&RetryAfter::new(seconds)),
            None => b,
        }
    }
}

/// The first value of header `T`, required: absent is [`DialogError::MissingHeader`],
/// malformed [`DialogError::MalformedHeader`].
pub(super) fn required<T: TypedHeader>(h: &Headers) -> Result<T, DialogError> {
    match h.typed::<T>() {
        None => Err(DialogError::MissingHeader(T::NAME)),
        Some(r) => r.map_err(|error| DialogError::MalformedHeader {
            name: T::NAME,
            error,
        }),
    }
}

/// The first value of header `T`, if present; malformed is an error.
pub(super) fn optional<T: TypedHeader>(h: &Headers) -> Result<Option<T>, DialogError> {
    h.typed::<T>()
        .transpose()
        .map_err(|error| DialogError::MalformedHeader {
            name: T::NAME,
            error,
        })
}

impl DialogError {
    /// The header at fault, for an error about the peer's message.
    #[must_use]
    pub const fn header(&self) -> Option<HeaderName> {
        match self {
            Self::MissingHeader(name) | Self::MalformedHeader { name, .. } => Some(*name),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(RequestRejection::NoDialog.status(), 481);
        assert_eq!(
            RequestRejection::OutOfOrder { cseq: 1, remote: 2 }.status(),
            500
        );
        assert_eq!(RequestRejection::InviteInProgress.status(), 500);
        assert_eq!(RequestRejection::Glare.status(), 491);
        assert_eq!(RequestRejection::Malformed(HeaderName::CSeq).status(), 400);
        assert_eq!(
            RequestRejection::Glare.to_string(),
            "491 an INVITE of ours is pending"
        );
    }

    #[test]
    fn blame_is_named() {
        assert_eq!(
            DialogError::MissingHeader(HeaderName::Contact).header(),
            Some(HeaderName::Contact)
        );
        assert_eq!(DialogError::Terminated.header(), None);
        assert_eq!(
            DialogError::MissingHeader(HeaderName::Contact).to_string(),
            "missing Contact header"
        );
    }
}
