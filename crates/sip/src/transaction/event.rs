//! What a [`TransactionLayer`](super::TransactionLayer) puts out ([`Transmit`],
//! [`TransactionEvent`]), the states it reports, its counters, and the errors of its commands.

use bytes::Bytes;

use super::key::{ClientKey, ServerKey, TransactionKey};
use crate::error::BuildError;
use crate::message::{Message, Request, Response};
use crate::name::HeaderName;

/// A message for the host to send on `handle`, from
/// [`poll_transmit`](super::TransactionLayer::poll_transmit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit<H> {
    /// Where it goes: the handle the TU chose for a request, the handle a request came in on
    /// for its responses (the latest one, if its retransmissions came on another).
    pub handle: H,
    /// The message.
    pub message: Message,
}

impl<H> Transmit<H> {
    /// The bytes to write (a datagram, or the next message on a stream).
    #[must_use]
    pub fn bytes(&self) -> &Bytes {
        self.message.as_bytes()
    }
}

/// Something the TU should know, from [`poll_event`](super::TransactionLayer::poll_event).
/// Every transaction the TU knows of ends with exactly one [`TransactionEvent::Terminated`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransactionEvent<H> {
    /// A request that created a server transaction (not a retransmission, not ACK or CANCEL):
    /// answer it with [`send_response`](super::TransactionLayer::send_response), exactly one
    /// final response (RFC 3261 §8.2.6, §17.2).
    NewRequest {
        /// The new server transaction.
        key: ServerKey,
        /// The request.
        request: Request,
        /// The handle it came in on.
        handle: H,
    },
    /// A response to a client transaction (§17.1.1.2, §17.1.2.2), delivered once: a
    /// provisional response identical to one already delivered, a retransmitted final
    /// response and a 2xx from a To tag already delivered are not delivered again. After a 2xx
    /// to INVITE, build the ACK (§13.2.2.4) and send it with
    /// [`send_ack`](super::TransactionLayer::send_ack). A 2xx with a new To tag (a forked
    /// INVITE answered by another UAS) is a new delivery.
    Response {
        /// The client transaction.
        key: ClientKey,
        /// The response.
        response: Response,
    },
    /// A retransmission of a 2xx to INVITE that was delivered as
    /// [`TransactionEvent::Response`] but whose ACK the layer does not hold (the TU has not
    /// called [`send_ack`](super::TransactionLayer::send_ack) for it): send the ACK again
    /// (§13.2.2.4). Once the ACK is sent through `send_ack` the layer answers later
    /// retransmissions with it by itself and this event stops.
    Retransmitted2xx {
        /// The INVITE client transaction.
        key: ClientKey,
        /// The retransmitted 2xx.
        response: Response,
    },
    /// A 2xx to INVITE that matches no transaction, passed up only with
    /// [`TransactionConfig::pass_stray_2xx`](super::TransactionConfig::pass_stray_2xx)
    /// (RFC 3261 §18.1.2; RFC 6026 §8.9 discards it). The TU may ACK it and send a BYE.
    Stray2xx {
        /// The handle it came in on.
        handle: H,
        /// The response.
        response: Response,
    },
    /// An ACK that matches no transaction (for instance one for a 2xx whose transaction has
    /// ended): the TU may match it to a dialog, or ignore it (§17.2.3: it goes to the core).
    StrayAck {
        /// The handle it came in on.
        handle: H,
        /// The ACK.
        request: Request,
    },
    /// A CANCEL matched this INVITE server transaction before its final response (§9.2). The
    /// layer has answered the CANCEL 200 and, with
    /// [`TransactionConfig::cancel_with_487`](super::TransactionConfig::cancel_with_487) (the
    /// default), the INVITE 487: the TU stops working on it. Otherwise the TU should answer
    /// the INVITE 487 now.
    Cancelled {
        /// The INVITE server transaction.
        key: ServerKey,
        /// The CANCEL (its Reason header, RFC 3326, may say why).
        cancel: Request,
    },
    /// The ACK for the 2xx this INVITE server transaction sent (§13.3.1.4): 2xx
    /// retransmissions stop. Delivered once; it may carry the SDP answer to an offer in the
    /// 2xx. Duplicates are absorbed.
    Acked {
        /// The INVITE server transaction.
        key: ServerKey,
        /// The ACK.
        ack: Request,
    },
    /// The 2xx this INVITE server transaction sent was retransmitted for `64*T1` without an
    /// ACK (§13.3.1.4): the TU should end the session with a BYE. [`Terminated`] follows.
    ///
    /// [`Terminated`]: TransactionEvent::Terminated
    AckTimeout {
        /// The INVITE server transaction.
        key: ServerKey,
    },
    /// A transaction failed for lack of an answer (§17.1.1.2 Timer B, §17.1.2.2 Timer F,
    /// §17.2.1 Timer H, §9.1 no final response `64*T1` after a CANCEL): for a client
    /// transaction the TU treats it as a 408 (§8.1.3.1). [`Terminated`] follows.
    ///
    /// [`Terminated`]: TransactionEvent::Terminated
    Timeout {
        /// The transaction.
        key: TransactionKey,
    },
    /// The host reported a transport error on this transaction's handle
    /// ([`handle_transport_error`](super::TransactionLayer::handle_transport_error),
    /// §17.1.1.2, §17.1.2.2, §17.2.4): for a client transaction the TU treats it as a 503
    /// (§8.1.3.1). [`Terminated`] follows.
    ///
    /// [`Terminated`]: TransactionEvent::Terminated
    TransportError {
        /// The transaction.
        key: TransactionKey,
    },
    /// The transaction is over and forgotten; its key is never used again. Always the last
    /// event of a transaction. A CANCEL client transaction that ends unsent (its INVITE got a
    /// final response before any provisional, §9.1) ends with this event alone.
    Terminated {
        /// The transaction.
        key: TransactionKey,
    },
}

/// The state of a client transaction (RFC 3261 §17.1.1.2 Figure 5, §17.1.2.2 Figure 6; RFC
/// 6026 §7.2 Accepted). A terminated transaction has no state: it is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientState {
    /// INVITE sent, no response yet (Timers A and B).
    Calling,
    /// Non-INVITE request sent, no response yet (Timers E and F). A CANCEL held back until
    /// its INVITE gets a provisional response (§9.1) is in this state too, unsent.
    Trying,
    /// A provisional response arrived.
    Proceeding,
    /// A final response arrived (non-2xx for INVITE, any for non-INVITE); waiting for its
    /// retransmissions to pass (Timers D, K).
    Completed,
    /// A 2xx to INVITE arrived; further 2xx go to the TU until Timer M (RFC 6026).
    Accepted,
}

/// The state of a server transaction (RFC 3261 §17.2.1 Figure 7, §17.2.2 Figure 8; RFC 6026
/// §7.1 Accepted). A terminated transaction has no state: it is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerState {
    /// Non-INVITE request received, no response yet.
    Trying,
    /// Waiting for the TU's final response; provisional responses may have been sent.
    Proceeding,
    /// A final response was sent (non-2xx for INVITE: Timers G and H; any for non-INVITE:
    /// Timer J).
    Completed,
    /// The ACK for a non-2xx final response arrived (Timer I).
    Confirmed,
    /// A 2xx to INVITE was sent; the layer retransmits it until the ACK, and absorbs INVITE
    /// retransmissions until Timer L (RFC 6026, §13.3.1.4).
    Accepted,
}

/// Counters of what the layer did without telling the TU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Requests and responses sent again on a timer (A, E, G, the 2xx retransmissions).
    pub retransmissions_sent: u64,
    /// Incoming retransmissions absorbed: requests answered with the last response (or
    /// nothing), responses already delivered, duplicate ACKs.
    pub retransmissions_absorbed: u64,
    /// ACKs sent again for a retransmitted 2xx (the ACK from
    /// [`send_ack`](super::TransactionLayer::send_ack) or for a non-2xx final response).
    pub acks_resent: u64,
    /// Responses matching no transaction, discarded (§18.1.2, RFC 6026 §8.9).
    pub stray_responses: u64,
    /// Messages the layer could not match (a missing or malformed Via, CSeq, Call-ID, From or
    /// To, or a CSeq method other than the request's): requests are answered 400 when their
    /// Via allows it, the rest is dropped.
    pub malformed: u64,
    /// Requests answered 503 because [`TransactionConfig::max_transactions`] were alive.
    ///
    /// [`TransactionConfig::max_transactions`]: super::TransactionConfig::max_transactions
    pub rejected_overload: u64,
    /// CANCELs that matched no transaction, answered 481 (§9.2).
    pub cancels_unmatched: u64,
}

/// Why a command was refused. Nothing is sent and no state changes when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The request's top Via has no branch starting with the magic cookie `z9hG4bK` (RFC 3261
    /// §8.1.1.7). The TU builds it with an [`IdGenerator`](crate::IdGenerator) and
    /// [`IdKind::Branch`](crate::IdKind::Branch): the branch keys the client transaction.
    #[error("the top Via has no RFC 3261 branch (z9hG4bK...)")]
    NoBranch,
    /// A header the layer needs is missing or malformed, or the CSeq method is not the
    /// request's (for a response: not the transaction's).
    #[error("header {0} is missing, malformed or does not match")]
    Malformed(HeaderName),
    /// ACK is not sent through a transaction: for a non-2xx the client transaction sends it
    /// itself (§17.1.1.3), for a 2xx use [`send_ack`](super::TransactionLayer::send_ack).
    #[error("ACK is not a transaction: use send_ack for a 2xx")]
    AckNotAllowed,
    /// [`send_ack`](super::TransactionLayer::send_ack) was given another method.
    #[error("send_ack takes an ACK")]
    NotAnAck,
    /// A client transaction with this branch and method exists: every new request needs a
    /// new branch (§8.1.1.7).
    #[error("a client transaction with this branch and method exists")]
    DuplicateBranch,
    /// A CANCEL whose INVITE client transaction does not exist (same branch, §9.1) or has its
    /// final response already.
    #[error("no INVITE client transaction to cancel")]
    NothingToCancel,
    /// [`TransactionConfig::max_transactions`](super::TransactionConfig::max_transactions)
    /// transactions are alive.
    #[error("too many transactions (limit {limit})")]
    TooManyTransactions {
        /// The configured limit.
        limit: usize,
    },
    /// The server transaction does not exist (never did, or has terminated).
    #[error("no server transaction {0}")]
    UnknownTransaction(ServerKey),
    /// The transaction has sent its final response; only a 2xx to INVITE may be sent again
    /// (RFC 6026 Accepted state).
    #[error("the transaction already has its final response")]
    AlreadyFinal,
    /// A provisional response other than 100 to a non-INVITE request (RFC 4320 §4.1: "MUST
    /// NOT").
    #[error("no provisional response other than 100 to a non-INVITE request")]
    ProvisionalToNonInvite,
    /// A message the layer builds for the caller ([`cancel_request`](super::cancel_request))
    /// could not be written.
    #[error("the message could not be built: {0}")]
    Build(#[from] BuildError),
}
