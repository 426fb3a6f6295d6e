//! What a [`Deferred`](super::Deferred) service outputs: messages to send
//! ([`DeferredTransmit`]), MSRP connections to open ([`PushConnect`]) and events
//! ([`DeferredEvent`]).

use core::fmt;

use bytes::Bytes;
use simpleim_msrp::MsrpUri;
use simpleim_sip::{Request, Response};

use super::error::StoreError;
use super::store::StoredId;
use super::user::Aor;

/// Identifies one push of stored messages (INVITE, MSRP session, BYE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PushId(pub(crate) u64);

impl fmt::Display for PushId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "push#{}", self.0)
    }
}

/// Something to send, naming where it goes. SIP messages go through the parent's
/// transaction layer, which retransmits them and matches their responses.
#[derive(Debug, Clone)]
pub enum DeferredTransmit<H, C> {
    /// The answer to the request last given to
    /// [`Deferred::handle_request`](super::Deferred::handle_request), on the handle it came
    /// on: every request gets at most one, queued before `handle_request` returns (none for
    /// an ACK, nor for a MESSAGE or INVITE handed over as
    /// [`DeferredEvent::Forward`]). A parent with a transaction layer sends it on the server
    /// transaction of that request.
    Response {
        /// The handle the request came on.
        handle: H,
        /// The response (boxed: SIP messages are large next to MSRP bytes).
        response: Box<Response>,
    },
    /// A request of the service's (a push's INVITE, CANCEL or BYE), for a new client
    /// transaction on `handle`. Its final response comes back through
    /// [`Deferred::handle_response`](super::Deferred::handle_response), a transaction that
    /// ends without one through
    /// [`Deferred::handle_request_failed`](super::Deferred::handle_request_failed).
    Request {
        /// The handle to send it on (the one the user's REGISTER came on).
        handle: H,
        /// The request.
        request: Box<Request>,
    },
    /// The ACK of a 2xx to a push's INVITE (RFC 3261 §13.2.2.4): not a transaction; a
    /// parent with a transaction layer sends it with its `send_ack`, which answers
    /// retransmissions of the 2xx with it.
    Ack {
        /// The handle to send it on.
        handle: H,
        /// The ACK.
        request: Box<Request>,
    },
    /// Bytes for an MSRP connection, in order.
    Msrp {
        /// The connection.
        conn: C,
        /// The bytes.
        bytes: Bytes,
    },
}

/// An MSRP connection the service asks the parent to open, being the active side of a push
/// (RFC 6135): connect to `to` (TLS when [`MsrpUri::is_secure`]), then call
/// [`Deferred::handle_msrp_connected`](super::Deferred::handle_msrp_connected) with
/// `Some(push)`, or
/// [`Deferred::handle_msrp_connect_failed`](super::Deferred::handle_msrp_connect_failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushConnect {
    /// The push the connection is for.
    pub push: PushId,
    /// The hop to connect to: the leftmost URI of the client's `a=path`.
    pub to: MsrpUri,
}

/// Why a registration ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeregisterReason {
    /// A REGISTER with Expires 0.
    Unregistered,
    /// Its Expires ran out without a refresh.
    Expired,
}

/// How a push ended. Whatever the end, the messages not confirmed stay stored and the next
/// registration pushes them again (REQ: DEF-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PushEnd {
    /// Every stored message was delivered (or skipped as undeliverable); the BYE went.
    Completed,
    /// The user de-registered, or its registration expired (seed 004 §7.3.4.1: "stop").
    Deregistered,
    /// The INVITE got this final non-2xx status.
    Rejected {
        /// The status.
        status: u16,
    },
    /// The INVITE got no final response in time (the service cancelled it after
    /// [`DeferredConfig::invite_timeout`](super::DeferredConfig::invite_timeout)), or its
    /// transaction failed.
    NoAnswer {
        /// 408 for a timeout (the service's or the transaction layer's), 503 for a transport
        /// error.
        status: u16,
    },
    /// The SDP answer was unusable (no MSRP line, a wrong setup, no path, or accept-types
    /// without the encapsulation's type); the ACK and a BYE went.
    BadAnswer,
    /// The parent could not open the MSRP connection.
    ConnectFailed,
    /// The MSRP connection did not come (or name the push) in time.
    ConnectTimeout,
    /// The MSRP connection closed, or broke MSRP framing, during the push.
    ConnectionLost,
    /// An MSRP SEND failed: an error response, a failure REPORT, or no response in time.
    SendFailed {
        /// The MSRP status (408 for a timeout).
        status: u16,
    },
    /// The client sent BYE.
    ByePeer,
    /// The store failed while the push read it.
    StoreFailed,
}

/// Why a stored message was skipped by a push (it stays stored).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Larger than the client's `a=max-size`.
    TooLarge {
        /// The encapsulated size.
        size: u64,
        /// The client's limit.
        max: u64,
    },
    /// It could not be encapsulated (a stored Content-Type or address that does not fit a
    /// CPIM header, a stored request without a header section).
    Encapsulation,
    /// Its MSRP Message-ID is already in use in the push's session.
    DuplicateMessageId,
}

/// Why the service asks the parent to close an MSRP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectionCloseReason {
    /// Its push ended; nothing uses it any more.
    Unused,
    /// It broke MSRP framing.
    ProtocolError,
    /// [`DeferredLimits::max_connections`](super::DeferredLimits) was reached.
    TooManyConnections,
    /// Nothing bound it to a push in time.
    BindTimeout,
}

/// Something the parent should know, from [`Deferred::poll_event`](super::Deferred::poll_event).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum DeferredEvent<H, C> {
    /// A MESSAGE was stored for `user` (answered 202, REQ: DEF-1).
    Stored {
        /// The recipient.
        user: Aor,
        /// Its id in the store.
        id: StoredId,
    },
    /// A MESSAGE could not be stored (answered 480, REQ: DEF-1).
    NotStored {
        /// The recipient.
        user: Aor,
        /// The store's refusal.
        error: StoreError,
    },
    /// A MESSAGE or INVITE for a registered user, under
    /// [`OnlineDelivery::Forward`](super::OnlineDelivery::Forward): the parent routes it and
    /// answers it (the service sent nothing). Should delivery fail, the parent may keep a
    /// MESSAGE with [`Deferred::defer`](super::Deferred::defer) and answer 202.
    Forward {
        /// The handle it came on.
        handle: H,
        /// The request (boxed).
        request: Box<Request>,
    },
    /// A third-party REGISTER registered `user` or refreshed its registration (answered 200
    /// with the same Expires, REQ: DEF-2).
    Registered {
        /// The user.
        user: Aor,
        /// The Expires stored (and echoed), in seconds.
        expires: u32,
        /// True for a refresh of a registration that was still valid.
        refreshed: bool,
    },
    /// A registration ended.
    Deregistered {
        /// The user.
        user: Aor,
        /// Why.
        reason: DeregisterReason,
    },
    /// A push started: its INVITE is on its way.
    PushStarted {
        /// The push.
        push: PushId,
        /// The user.
        user: Aor,
    },
    /// A stored message got its MSRP 200 and was taken from the store.
    Delivered {
        /// The push.
        push: PushId,
        /// The user.
        user: Aor,
        /// The message's id (now gone from the store).
        id: StoredId,
    },
    /// A stored message was delivered but the store did not remove it: it may be pushed
    /// again.
    TakeFailed {
        /// The message's id.
        id: StoredId,
        /// The store's failure.
        error: StoreError,
    },
    /// A stored message was skipped by a push and stays stored.
    Skipped {
        /// The push.
        push: PushId,
        /// The message's id.
        id: StoredId,
        /// Why.
        reason: SkipReason,
    },
    /// A push ended.
    PushEnded {
        /// The push.
        push: PushId,
        /// The user.
        user: Aor,
        /// How.
        end: PushEnd,
        /// Messages it delivered.
        delivered: usize,
    },
    /// The parent should close this MSRP connection (the service forgot it).
    CloseConnection {
        /// The connection.
        conn: C,
        /// Why.
        reason: ConnectionCloseReason,
    },
}
