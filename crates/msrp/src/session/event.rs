//! What a [`Session`](crate::Session) reports ([`Event`]), what a send is configured with
//! ([`SendOptions`]) and the errors of its commands ([`SendError`], [`RespondError`]).

use bytes::Bytes;

use crate::error::{EncodeError, ParseError};
use crate::frame::{FrameHead, TransactionId};
use crate::header::{ByteRange, ReportMode, Status};

use super::ids::MessageId;

/// Something the host should know, from [`Session::poll_event`](crate::Session::poll_event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A complete incoming message (RFC 4975 §7.3.1), delivered once.
    Message {
        /// Its Message-ID.
        message_id: MessageId,
        /// The Content-Type of its chunks, as written.
        content_type: Bytes,
        /// The whole message in one buffer: the received bytes themselves when it came in
        /// one piece, else one copy assembled from its chunks.
        body: Bytes,
        /// The head of its first chunk (Byte-Range starting at 1, or the first to arrive):
        /// the other MIME headers (Content-Disposition, ...), From-Path, extension headers.
        /// Boxed: a head is large next to the other events.
        head: Box<FrameHead>,
    },
    /// An incoming message will not be delivered; whatever had arrived is dropped.
    MessageAborted {
        /// Its Message-ID.
        message_id: MessageId,
        /// Why.
        reason: AbortReason,
    },
    /// Every chunk of an outgoing message has been written and, with `Failure-Report: yes`,
    /// acknowledged by a 200 response (hop-by-hop success, RFC 4975 §5.3). With `partial`
    /// it comes once the transaction timeout has passed without an error response (no 200
    /// ever comes, §7.1.4); with `no`, as soon as the last chunk is written. Emitted once;
    /// a [`Event::Delivered`] may precede it with `partial`.
    Sent {
        /// The message.
        message_id: MessageId,
    },
    /// A success REPORT for an outgoing message (RFC 4975 §7.1.3, §7.3.2): end-to-end
    /// delivery of `byte_range`.
    Delivered {
        /// The message.
        message_id: MessageId,
        /// The range the report covers (the whole message when the report had none).
        byte_range: ByteRange,
        /// True when the reports received so far cover every byte of the message; no
        /// further event comes for it then.
        complete: bool,
    },
    /// An outgoing message failed; nothing more is sent for it and no further event comes
    /// for it (RFC 4975 §7.1.1: the sender "MUST inform the user").
    SendFailed {
        /// The message.
        message_id: MessageId,
        /// The status: the response's code and comment, the REPORT's Status, 408 for a
        /// timeout (§10.4 treats a 408 response like a local timeout), 408 with the text
        /// "session closed" when the session ended first.
        status: Status,
        /// Where the failure was learnt.
        source: FailureSource,
        /// The range a failure REPORT names, if it had one.
        byte_range: Option<ByteRange>,
    },
    /// The session ended before success REPORTs covered an outgoing message that asked for
    /// them (RFC 4975 §7.1.1: "if the success report has not been received by the time the
    /// session is ended, the device SHOULD inform the user"), or the message was let go to
    /// make room (see [`SessionConfig::max_outgoing`](crate::SessionConfig::max_outgoing)).
    DeliveryUnconfirmed {
        /// The message.
        message_id: MessageId,
    },
    /// A NICKNAME request (RFC 7701): the host decides and answers with
    /// [`Session::respond`](crate::Session::respond): 200, 424 (malformed nickname), 425
    /// (nickname reserved or already in use), or 403 (not allowed by policy).
    NicknameRequest {
        /// The request's transaction, to answer.
        tid: TransactionId,
        /// The nickname asked for, unquoted.
        nickname: String,
    },
    /// The answer to a NICKNAME request this session sent (RFC 7701), or 408 when none came
    /// in time.
    NicknameResult {
        /// The request's transaction, as [`Session::send_nickname`](crate::Session::send_nickname)
        /// returned it.
        tid: TransactionId,
        /// The status code.
        status: u16,
        /// The response's comment, if any.
        comment: Option<String>,
    },
    /// Every relay answered the session's AUTH with 200 (RFC 4976 §5.1): messages flow, with
    /// `use_path` in front of the peer's path. Also after each refresh.
    RelayAuthenticated {
        /// The Use-Path of the outermost relay's 200.
        use_path: crate::uri::Path,
        /// Its Expires, in seconds (0 when it had none).
        expires: u32,
    },
    /// A relay refused the AUTH: wrong credentials (a second 401), none for its realm, 403,
    /// an Expires it would not take, no response (408), or a 200 without Use-Path or whose
    /// `rspauth` does not prove the relay knows the password (status 200). Messages stay
    /// queued; [`Session::authenticate`](crate::Session::authenticate) tries again.
    RelayAuthFailed {
        /// The relay.
        relay: crate::uri::MsrpUri,
        /// The status of its last response (408 for none).
        status: u16,
    },
    /// The session is over; it sends and reports nothing more. Always the last event.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

/// Why an incoming message was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AbortReason {
    /// The sender ended a chunk with `#` (RFC 4975 §7.1).
    Sender,
    /// This session refused it, answering (or reporting) `status`: 413 (too large, or over
    /// the reassembly limits), 415 (media type not accepted), 400 (inconsistent chunks).
    Refused {
        /// The status sent.
        status: u16,
    },
    /// No chunk arrived for
    /// [`SessionConfig::reassembly_timeout`](crate::SessionConfig::reassembly_timeout).
    Timeout,
}

/// Where the failure of an outgoing message was learnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureSource {
    /// An error response to one of its chunks (RFC 4975 §7.2).
    Response,
    /// A failure REPORT (RFC 4975 §7.1.4).
    Report,
    /// No response within the transaction timeout (RFC 4975 §7.1.1).
    Timeout,
    /// The session closed before it was sent and acknowledged.
    Closed,
    /// This endpoint could not write a chunk of it. [`Session::send_message`] checks
    /// everything a chunk is made of, so this does not happen in practice.
    ///
    /// [`Session::send_message`]: crate::Session::send_message
    Local,
}

/// Why a session closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// [`Session::close`](crate::Session::close) was called.
    Local,
    /// The host reported the connection gone
    /// ([`Session::handle_connection_lost`](crate::Session::handle_connection_lost)).
    ConnectionLost,
    /// The bytes given to [`Session::handle_bytes`](crate::Session::handle_bytes) broke
    /// MSRP framing; without a length header no later frame can be found (see
    /// [`Decoder`](crate::Decoder)).
    Framing(ParseError),
}

/// How to send a message: the report headers of its chunks (RFC 4975 §7.1.1), its
/// Message-ID, extra headers.
///
/// ```
/// use simpleim_msrp::{ReportMode, SendOptions};
///
/// let options = SendOptions::new()
///     .success_report(true)
///     .failure_report(ReportMode::Partial)
///     .header("Content-Disposition", "inline");
/// assert!(options.success_report);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendOptions {
    /// Ask for success REPORTs (`Success-Report: yes`; default no).
    pub success_report: bool,
    /// `Failure-Report` (default `yes`): `yes` runs the transaction timer and expects a
    /// response to every chunk, `partial` expects only error responses, `no` expects
    /// nothing (RFC 4975 §5.3, §7.1.1).
    pub failure_report: ReportMode,
    /// The Message-ID to use (default: a fresh one from the session's generator).
    pub message_id: Option<MessageId>,
    /// Extra headers written on every chunk, in order; MIME headers (`Content-*`) go just
    /// before Content-Type. To-Path, From-Path, Content-Type, Message-ID, Byte-Range and the
    /// report headers are the session's.
    pub headers: Vec<(String, String)>,
}

impl Default for SendOptions {
    fn default() -> Self {
        Self {
            success_report: false,
            failure_report: ReportMode::Yes,
            message_id: None,
            headers: Vec::new(),
        }
    }
}

impl SendOptions {
    /// The defaults: no success report, `Failure-Report: yes`, a fresh Message-ID.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`SendOptions::success_report`].
    #[must_use]
    pub fn success_report(mut self, yes: bool) -> Self {
        self.success_report = yes;
        self
    }

    /// Sets [`SendOptions::failure_report`].
    #[must_use]
    pub fn failure_report(mut self, mode: ReportMode) -> Self {
        self.failure_report = mode;
        self
    }

    /// Sets [`SendOptions::message_id`].
    #[must_use]
    pub fn message_id(mut self, id: MessageId) -> Self {
        self.message_id = Some(id);
        self
    }

    /// Adds an extra header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Why [`Session::send_message`](crate::Session::send_message) or
/// [`Session::send_nickname`](crate::Session::send_nickname) refused. These are all the
/// caller's to fix, except [`SendError::Closed`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The session is closed.
    #[error("the session is closed")]
    Closed,
    /// [`SessionConfig::max_outgoing`](crate::SessionConfig::max_outgoing) messages are
    /// queued or waiting for their responses; try again after some complete.
    #[error("{limit} outgoing messages pending")]
    QueueFull {
        /// The limit.
        limit: usize,
    },
    /// The message is larger than the peer's `a=max-size`
    /// ([`SessionConfig::remote_max_size`](crate::SessionConfig::remote_max_size)).
    #[error("message of {size} bytes over the peer's max-size {max}")]
    TooLarge {
        /// The message's size.
        size: u64,
        /// The peer's limit.
        max: u64,
    },
    /// The Message-ID given in [`SendOptions::message_id`] (or, repeatedly, the one the
    /// generator made) belongs to a message still pending in this session.
    #[error("Message-ID {0} is in use")]
    DuplicateMessageId(MessageId),
    /// The frame could not be written: an invalid Content-Type, header name or value, or
    /// nickname (see the inner error).
    #[error("cannot encode the request: {0}")]
    Encode(#[from] EncodeError),
    /// [`Session::authenticate`](crate::Session::authenticate) without relays in
    /// [`SessionConfig::relays`](crate::SessionConfig::relays).
    #[error("no relays configured")]
    NoRelays,
}

/// Why [`Session::respond`](crate::Session::respond) refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RespondError {
    /// No request waiting for the host's answer has this transaction identifier (it was
    /// answered already, or never asked for one).
    #[error("no request {0} waits for an answer")]
    UnknownTransaction(TransactionId),
    /// The status code is not a three-digit code from 200 up (MSRP has no provisional
    /// responses).
    #[error("invalid status code {0}")]
    InvalidStatus(u16),
    /// The response could not be written (a comment with a control character).
    #[error("cannot encode the response: {0}")]
    Encode(#[from] EncodeError),
    /// The session is closed.
    #[error("the session is closed")]
    Closed,
}
