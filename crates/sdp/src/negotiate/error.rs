//! Why a negotiation failed, grouped by who is at fault (REQ: SDP-3).

use crate::ParseError;

/// A failed offer/answer exchange.
///
/// [`status`](Self::status) is the SIP response to send (or that the peer's answer deserved);
/// [`warning`](Self::warning) the RFC 3261 §20.43 Warning code and text to put beside it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiationError {
    /// The offer is well formed but no media line can be accepted (RFC 3264 §6: the whole
    /// offer is then refused with 488 Not Acceptable Here). `warning` is 304 "Media type not
    /// available" when no offered line is an MSRP one with a port, else 305 "Incompatible
    /// media format";
    /// `reason` says why the first MSRP line was refused.
    #[error("offer not acceptable ({warning}): {reason}")]
    NotAcceptable {
        /// RFC 3261 Warning code, 304 or 305.
        warning: u16,
        /// A short explanation, suitable as the Warning text.
        reason: String,
    },
    /// The peer's description is malformed where negotiation needs it (an `o=` or `m=` line
    /// lenient parsing let through).
    #[error("malformed description: {0}")]
    Malformed(ParseError),
    /// The peer's answer does not fit our offer (RFC 3264 §6): another number of media lines,
    /// another media type, types we did not offer, a setup role that contradicts ours, or no
    /// line accepted at all.
    #[error("answer does not match the offer: {reason}")]
    AnswerMismatch {
        /// What did not match.
        reason: String,
    },
    /// Our own capabilities or origin produce an invalid description (API misuse: for
    /// instance an origin address holding a space).
    #[error("local description invalid: {0}")]
    Local(ParseError),
}

impl NegotiationError {
    /// The SIP status code to answer an offer with: 488 when it is not acceptable or its
    /// answer does not match, 400 when it is malformed, 500 for a local error.
    #[must_use]
    pub const fn status(&self) -> u16 {
        match self {
            Self::NotAcceptable { .. } | Self::AnswerMismatch { .. } => 488,
            Self::Malformed(_) => 400,
            Self::Local(_) => 500,
        }
    }

    /// The Warning header code and text (RFC 3261 §20.43) for a 488, when there is one.
    #[must_use]
    pub fn warning(&self) -> Option<(u16, &str)> {
        match self {
            Self::NotAcceptable { warning, reason } => Some((*warning, reason)),
            Self::AnswerMismatch { reason } => Some((305, reason)),
            Self::Malformed(_) | Self::Local(_) => None,
        }
    }

    pub(crate) fn mismatch(reason: impl Into<String>) -> Self {
        Self::AnswerMismatch {
            reason: reason.into(),
        }
    }
}
