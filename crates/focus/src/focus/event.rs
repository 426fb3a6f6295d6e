//! What a [`Focus`](super::Focus) outputs: bytes to send ([`FocusTransmit`]), connections to
//! open ([`Connect`]), and events ([`FocusEvent`]); and the errors of its commands
//! ([`FocusError`]).

use bytes::Bytes;
use simpleim_msrp::MsrpUri;
use simpleim_sip::Uri;
use simpleim_sip::dialog::NotifierTermination;
use simpleim_sip::transaction::Transmit;

use crate::alias::ChatAlias;
use crate::control::{CommandError, LeaveReason, ParticipantId, RejectReason, RoomId};
use crate::switch::{SwitchError, SwitchEvent};

/// Something to send, naming where it goes.
#[derive(Debug, Clone)]
pub enum FocusTransmit<H, C> {
    /// A SIP message for the transport handle it names (the transaction layer retransmits
    /// over UDP by itself). Boxed: a SIP transmit is large next to the far more frequent
    /// MSRP pieces.
    Sip(Box<Transmit<H>>),
    /// Bytes for an MSRP connection, in order. Several may make up one frame.
    Msrp {
        /// The connection.
        conn: C,
        /// The bytes.
        bytes: Bytes,
    },
}

/// An MSRP connection the focus opens, being the active side (RFC 4975 §5.4, RFC 6135): the
/// host connects to `to` (TLS when [`MsrpUri::is_secure`]) and then calls
/// [`Focus::handle_msrp_connected`](super::Focus::handle_msrp_connected) with
/// `Some(participant)`, or
/// [`Focus::handle_msrp_connect_failed`](super::Focus::handle_msrp_connect_failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// The participant the connection is for.
    pub participant: ParticipantId,
    /// The hop to connect to: the leftmost URI of the participant's `a=path` (its host and
    /// port).
    pub to: MsrpUri,
}

/// Why the focus asks the host to close an MSRP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The participant it served left; no session uses it any more.
    Unused,
    /// The bytes it carried are not MSRP (a framing error, RFC 4975 §7.3); the participant
    /// bound to it is removed.
    ProtocolError,
    /// Its participant stopped reading and its queue passed every bound (REQ: SEC-2); the
    /// participant is removed.
    Stalled,
    /// [`FocusLimits::max_connections`](super::FocusLimits) was reached.
    TooManyConnections,
    /// No request bound it to a session within
    /// [`FocusLimits::bind_timeout`](super::FocusLimits::bind_timeout) (REQ: SEC-2).
    BindTimeout,
}

/// Identifies one conference-event subscription (REQ: FOC-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionId(pub(crate) u64);

/// Something the host should know, from [`Focus::poll_event`](super::Focus::poll_event).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FocusEvent<C> {
    /// The focus created a room: a temporary one (a large message, REQ: LMM-1; an ad-hoc
    /// group, REQ: FOC-4), released by itself ([`FocusEvent::RoomReleased`]), or one for a
    /// group of the directory (REQ: FOC-3), kept like an added room.
    RoomCreated {
        /// The room.
        room: RoomId,
        /// Its session identity.
        identity: String,
    },
    /// A temporary room is over and forgotten.
    RoomReleased {
        /// The room.
        room: RoomId,
    },
    /// A participant is in: the 200 OK went with its SDP answer (and its alias, REQ:
    /// ALIAS-3), the switch serves it (REQ: SW-2), subscribers were notified (REQ: FOC-2).
    Joined {
        /// The room.
        room: RoomId,
        /// The participant.
        participant: ParticipantId,
        /// Its authenticated identity (P-Asserted-Identity, REQ: SEC-1). Never shown to the
        /// others when `anonymous`.
        identity: Uri,
        /// The alias it is known by in the room (REQ: ALIAS-2).
        alias: ChatAlias,
        /// Whether it takes part anonymously.
        anonymous: bool,
    },
    /// A participant left and was released everywhere (REQ: FOC-6).
    Left {
        /// The room.
        room: RoomId,
        /// The participant.
        participant: ParticipantId,
        /// Why.
        reason: LeaveReason,
    },
    /// An INVITE was answered with a failure.
    Rejected {
        /// The room, when the Request-URI named one.
        room: Option<RoomId>,
        /// The status sent.
        status: u16,
        /// Why.
        why: RejectReason,
    },
    /// A participant's NICKNAME was granted (RFC 7701, REQ: CHAT-1): answered 200,
    /// subscribers notified.
    NicknameChanged {
        /// The room.
        room: RoomId,
        /// The participant.
        participant: ParticipantId,
        /// Its new alias.
        alias: ChatAlias,
    },
    /// A participant's NICKNAME was refused with `status` (424 malformed, 425 in use or
    /// reserved, 403 otherwise; REQ: CHAT-1).
    NicknameRefused {
        /// The room.
        room: RoomId,
        /// The participant.
        participant: ParticipantId,
        /// The MSRP status answered.
        status: u16,
    },
    /// What a room's switch reported: messages routed (REQ: SW-4, SW-8) or refused (SW-3),
    /// recipients that failed, reports routed back (SW-11), system messages undelivered.
    Msrp {
        /// The room.
        room: RoomId,
        /// The switch's event.
        event: SwitchEvent<ParticipantId>,
    },
    /// A conference-event subscription was accepted (REQ: FOC-8): its 200 and first NOTIFY
    /// (the full document) are on their way.
    SubscriptionAdded {
        /// The room.
        room: RoomId,
        /// The subscription.
        subscription: SubscriptionId,
        /// The subscriber (SEC-1: its authenticated identity).
        subscriber: Uri,
    },
    /// A conference-event subscription ended.
    SubscriptionEnded {
        /// The room.
        room: RoomId,
        /// The subscription.
        subscription: SubscriptionId,
        /// Why.
        reason: NotifierTermination,
    },
    /// Close this MSRP connection (and do not call
    /// [`Focus::handle_msrp_closed`](super::Focus::handle_msrp_closed) for it: the focus
    /// has forgotten it).
    CloseConnection {
        /// The connection.
        conn: C,
        /// Why.
        reason: CloseReason,
    },

    /// A participant's file for the room arrived whole on its transfer leg (RFC 5547, see
    /// [`FileTransferConfig`](crate::control::FileTransferConfig)), and the focus offered it
    /// to `recipients` other participants.
    FileReceived {
        /// The room.
        room: RoomId,
        /// The sender.
        from: ParticipantId,
        /// The file's name, as its `a=file-selector` gave it.
        name: Option<String>,
        /// Its size in octets.
        size: u64,
        /// How many participants it is offered to.
        recipients: usize,
    },
    /// A file reached a recipient: every chunk acknowledged on its transfer leg.
    FileDelivered {
        /// The room.
        room: RoomId,
        /// The sender.
        from: ParticipantId,
        /// The recipient.
        to: ParticipantId,
    },
    /// A file did not get through: `to` is the recipient whose leg failed (its INVITE's
    /// final status, or the MSRP status), or `None` when the file never arrived whole from
    /// the sender (413 for a file over the limit, 400 for one that does not match its
    /// selector's size, 499 when the sender aborted it).
    FileFailed {
        /// The room.
        room: RoomId,
        /// The sender.
        from: ParticipantId,
        /// The recipient, if the failure is on its leg.
        to: Option<ParticipantId>,
        /// The status.
        status: u16,
    },
}

/// Why a command of the [`Focus`](super::Focus) failed (blame: the caller, or a message that
/// could not be built).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FocusError {
    /// The control plane refused it (an unknown room or participant, a BYE that could not be
    /// built or sent).
    #[error(transparent)]
    Control(#[from] CommandError),
    /// The room's switch refused it (a system message that cannot be built, ...).
    #[error(transparent)]
    Switch(#[from] SwitchError),
    /// No such room.
    #[error("no room {0}")]
    UnknownRoom(RoomId),
}
