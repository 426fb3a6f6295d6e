//! What the switch reports ([`SwitchEvent`]) and the errors of its commands
//! ([`SwitchError`]).

use simpleim_msrp::{FrameHead, MessageId};

/// How a message is distributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// CPIM `To` named the conference: everyone but the sender (REQ: SW-4).
    Conference,
    /// CPIM `To` named participants (REQ: SW-8).
    Private,
}

/// Why a SEND was refused as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefuseReason {
    /// The MSRP request itself is malformed (a header that does not parse, no Message-ID):
    /// 400.
    Malformed,
    /// The body is not `message/cpim` (REQ: SW-1): 415.
    NotCpim,
    /// The CPIM headers do not parse, or the message ended before they did: 400.
    MalformedCpim,
    /// CPIM `From` is missing or is not the sender's identity (REQ: SW-3): 403.
    SpoofedFrom,
    /// CPIM `To` is missing: 403.
    NoRecipient,
    /// A private message, and the room's policy forbids them, in the whole room
    /// ([`SwitchConfig::allow_private_messages`](super::SwitchConfig)) or to this sender
    /// ([`ParticipantMsrp::may_send_private`](super::ParticipantMsrp)) (REQ: SW-8 a): 403.
    PrivateNotAllowed,
    /// A private message to a participant whose next hop did not announce an IM release
    /// version (REQ: SW-8 b): 403.
    RecipientCannotTakePrivate,
    /// A private message naming someone who is not in the room: 403.
    NoSuchParticipant,
    /// Larger than [`SwitchLimits::max_message_bytes`](super::SwitchLimits), or CPIM headers
    /// larger than the held-bytes limit: 413.
    TooLarge,
    /// The message stopped coming before its CPIM headers were complete (idle timeout):
    /// 408.
    Incomplete,
    /// Too many messages in progress from this sender, or a message whose chunks arrive out
    /// of order before its CPIM headers are complete: 413 / 400.
    Overloaded,
}

/// Why one recipient did not get (all of) a message; the sender gets a failure REPORT with
/// the status when it asked for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SkipReason {
    /// The message is larger than the recipient's `max-size` (REQ: SW-5): 413.
    MaxSize,
    /// The recipient does not accept `message/cpim` or the wrapped type: 415.
    NotAccepted,
    /// The recipient's queue went over its bound (a slow reader): 408, copy aborted with `#`.
    QueueFull,
    /// The recipient answered a relayed chunk with an error (the status it sent).
    RecipientError,
    /// The recipient did not answer a relayed chunk in time: 408.
    Timeout,
    /// The recipient left mid-message: 481.
    Left,
    /// The sender's message stopped coming (idle timeout): 408.
    SenderIdle,
}

/// Something the host should know, from [`Switch::poll_event`](super::Switch::poll_event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SwitchEvent<P> {
    /// A message's CPIM headers were checked and it is being relayed (cut-through: the rest
    /// may still be arriving). For a private message (REQ: SW-8) `recipients` are the
    /// participants it is delivered to.
    Routed {
        /// The sender.
        from: P,
        /// The sender's Message-ID.
        message_id: MessageId,
        /// Conference or private.
        kind: MessageKind,
        /// Who gets a copy (after the max-size and type checks).
        recipients: Vec<P>,
    },
    /// The sender's last chunk has been relayed.
    Completed {
        /// The sender.
        from: P,
        /// The sender's Message-ID.
        message_id: MessageId,
    },
    /// A SEND was refused with `status` and nothing of it relayed.
    ///
    /// With [`RefuseReason::Overloaded`] the refusal is of that one chunk: a chunk that
    /// arrives before the chunk carrying the CPIM headers is answered 400, and if the
    /// sender's first chunk comes later the message may still be routed (its copies then
    /// miss the refused bytes; a conforming sender stops the message on the 400, RFC 4975
    /// §7.3.2). The other reasons refuse the whole message.
    Refused {
        /// The sender.
        from: P,
        /// The sender's Message-ID, when it had a valid one.
        message_id: Option<MessageId>,
        /// The MSRP status answered (unless the SEND said `Failure-Report: no`).
        status: u16,
        /// Why.
        reason: RefuseReason,
    },
    /// One recipient did not get (all of) a message.
    RecipientFailed {
        /// The sender.
        from: P,
        /// The sender's Message-ID.
        message_id: MessageId,
        /// The recipient.
        recipient: P,
        /// The status of the failure REPORT (sent when the sender asked for one).
        status: u16,
        /// Why.
        reason: SkipReason,
    },
    /// A recipient's REPORT was forwarded to the original sender (REQ: SW-11).
    ReportRouted {
        /// The recipient that reported.
        from: P,
        /// The original sender.
        to: P,
        /// The sender's Message-ID.
        message_id: MessageId,
        /// The REPORT's status code.
        status: u16,
    },
    /// A system message could not be delivered to `to`.
    SystemMessageFailed {
        /// The participant.
        to: P,
        /// The system message's Message-ID.
        message_id: MessageId,
        /// The status (the response's, or 408).
        status: u16,
    },
    /// A request that is not the switch's business (NICKNAME, RFC 7701): hand it to the
    /// control plane, which answers it. Boxed: a head is large next to the other events.
    Unhandled {
        /// The participant.
        from: P,
        /// The request's head.
        head: Box<FrameHead>,
    },
    /// A participant's connection stopped taking bytes and its queue passed every bound: its
    /// queue was dropped, nothing more is written to it. Close its connection and remove it.
    Stalled {
        /// The participant.
        participant: P,
    },
}

/// Errors of the switch's commands (blame: the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SwitchError {
    /// The participant is already in the room.
    #[error("participant already added")]
    DuplicateParticipant,
    /// [`SwitchLimits::max_participants`](super::SwitchLimits) reached.
    #[error("too many participants")]
    TooManyParticipants,
    /// No such participant.
    #[error("unknown participant")]
    UnknownParticipant,
    /// The configuration names no conference URI (needed for system messages).
    #[error("no conference URI configured")]
    NoConferenceUri,
    /// The system message could not be written (a bad service type or content type).
    #[error("cannot build the system message: {0}")]
    Build(#[from] simpleim_cpim::BuildError),
    /// The system message is larger than the limits allow.
    #[error("system message too large")]
    TooLarge,
}
