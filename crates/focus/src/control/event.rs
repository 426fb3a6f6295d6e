//! What a [`Control`](super::Control) reports: [`ControlEvent`], and the identifiers and
//! values it carries.

use core::fmt;

use bytes::Bytes;
use simpleim_msrp::MsrpUri;
use simpleim_sdp::attr::{MediaRange, Path};
use simpleim_sip::transaction::{ClientKey, ServerKey};
use simpleim_sip::{Request, Response, SipUri, Uri};

/// A room, as numbered by [`Control::add_room`](super::Control::add_room) (never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomId(pub(crate) u64);

/// A participant (one INVITE dialog), numbered when its INVITE passes the checks (never
/// reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParticipantId(pub(crate) u64);

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "room-{}", self.0)
    }
}

impl fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "participant-{}", self.0)
    }
}

/// The MSRP session negotiated with a participant (RFC 4975 §8, RFC 6135): what the MSRP
/// switch needs to serve it.
#[derive(Debug, Clone)]
pub struct MsrpSession {
    /// The URI the focus allocated for this participant (the rightmost URI of the focus's
    /// `a=path`): the participant sends to it, the switch matches its session-id.
    pub local: MsrpUri,
    /// The participant's `a=path`: its rightmost URI is the To-Path target, its leftmost the
    /// hop to connect to.
    pub remote_path: Path,
    /// The participant's `a=max-size`: the largest message it wishes to receive.
    pub max_size: Option<u64>,
    /// The accept-types agreed.
    pub accept_types: Vec<MediaRange>,
    /// The accept-wrapped-types agreed (empty when none).
    pub accept_wrapped_types: Vec<MediaRange>,
    /// Whether the focus opens the TCP connection (its negotiated role is `active`); else it
    /// waits for the participant to connect.
    pub focus_connects: bool,
    /// Whether both ends support CEMA (RFC 6714).
    pub cema: bool,
}

/// Why a participant left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeaveReason {
    /// It sent BYE (seed 002 §7.2.1.9, REQ: FOC-6).
    Bye,
    /// The host removed it ([`Control::remove_participant`](super::Control::remove_participant));
    /// a BYE was sent.
    Removed,
    /// The room ended ([`Control::end_room`](super::Control::end_room)); a BYE was sent.
    RoomEnded,
    /// No ACK came for the 200 within `64*T1` (RFC 3261 §13.3.1.4); a BYE was sent.
    NoAck,
    /// Its session expired: no refresh in time, or the focus's refresh found the dialog
    /// gone (RFC 4028 §10, REQ: FOC-9); a BYE was sent.
    SessionExpired,
}

/// Why an INVITE was not accepted (REQ: FOC-1 order; the status that was sent is beside it in
/// [`ControlEvent::Rejected`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The request failed RFC 3261 §8.2 validation (the status says which check).
    Invalid,
    /// More joins waiting for the host than [`ControlLimits::max_pending`] (503).
    ///
    /// [`ControlLimits::max_pending`]: super::ControlLimits::max_pending
    Overloaded,
    /// Step 1: no `+g.oma.sip-im` in Accept-Contact (403).
    NotIm,
    /// Step 2: the Request-URI is not a room of this focus (404).
    UnknownConference,
    /// Step 3: the Contact has `isfocus` (403).
    IsFocusAssigned,
    /// Step 4: no asserted identity, or the initiation policy refused it (403).
    NotAuthorized,
    /// Step 5: the joining policy refused it (403).
    JoinNotAllowed,
    /// Step 6: `Privacy: id` and anonymity is not allowed for the originator (403).
    AnonymityNotAllowed,
    /// The room has its maximum number of participants (486).
    RoomFull,
    /// Step 7: no acceptable MSRP media (488), with the negotiator's reason; or a missing or
    /// malformed SDP offer (488 or 400).
    Media(String),
    /// The host refused a pending join ([`Control::reject_join`](super::Control::reject_join)).
    Host,
    /// The INVITE was cancelled before its final response (REQ: FOC-7; 487).
    Cancelled,
    /// A pre-defined group's session could not start: every member failed (REQ: FOC-3).
    MembersFailed,
    /// An ad-hoc group's list names more invitees than allowed (REQ: FOC-4; 403).
    GroupTooLarge,
    /// The group does not support the service asked for (seed 003 step 2; 404).
    ServiceNotSupported,
    /// The User-Agent's release is not one the focus accepts (seed 003 step 4; 403 with
    /// Error-Info).
    ReleaseNotSupported,
    /// The session interval asked for is below the focus's Min-SE (RFC 4028 §9, REQ:
    /// FOC-9; 422 with Min-SE).
    IntervalTooSmall,
    /// A response could not be built or sent (a bug or API misuse; 500 where possible).
    Internal,
}

/// Something the host (or the composed focus) should know, from
/// [`Control::poll_event`](super::Control::poll_event).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ControlEvent {
    /// The focus created a room: serve it like an added room. A temporary one (a large
    /// message, REQ: LMM-1; an ad-hoc group, REQ: FOC-4) has a fresh session identity (the
    /// Contact of the 200, with `isfocus`) and is released by itself
    /// ([`ControlEvent::RoomReleased`]); a group of the directory (REQ: FOC-3) is kept.
    RoomCreated {
        /// The room.
        room: RoomId,
        /// Its session identity.
        identity: SipUri,
        /// The group it serves, if any (accepted as the conference in a CPIM `To`).
        group: Option<SipUri>,
        /// Its display name.
        display_name: Option<String>,
    },
    /// A temporary room is over (nobody left in it) and forgotten.
    RoomReleased {
        /// The room.
        room: RoomId,
    },
    /// An INVITE passed every check and waits for the host
    /// ([`ControlConfig::confirm_joins`](super::ControlConfig::confirm_joins)): answer with
    /// [`Control::accept_join`](super::Control::accept_join) or
    /// [`Control::reject_join`](super::Control::reject_join). A CANCEL may end it first
    /// ([`ControlEvent::Rejected`] with [`RejectReason::Cancelled`]).
    JoinPending {
        /// The room.
        room: RoomId,
        /// The participant it will be.
        participant: ParticipantId,
        /// The authenticated originator (P-Asserted-Identity, REQ: SEC-1).
        identity: Uri,
        /// The From of the INVITE (display name and URI as the user chose them; for an
        /// anonymous user the alias it asks for, seed 001 §7.2.3.2).
        from: Bytes,
        /// Whether it asked for anonymity (`Privacy: id`) and may have it.
        anonymous: bool,
    },
    /// A participant is in: the 200 OK has gone (REQ: FOC-2).
    Joined {
        /// The room.
        room: RoomId,
        /// The participant.
        participant: ParticipantId,
        /// The authenticated originator (P-Asserted-Identity, REQ: SEC-1). Never show it to
        /// others when `anonymous` is set.
        identity: Uri,
        /// The From of the INVITE, as written.
        from: Bytes,
        /// Whether it takes part anonymously (`Privacy: id`, allowed by the policy).
        anonymous: bool,
        /// Whether the policy lets it send private messages (`<allow-private-message>`).
        private_messages: bool,
        /// The MSRP session (boxed: it is most of the event).
        msrp: Box<MsrpSession>,
        /// The OMA IM release version in its User-Agent (`IM-client/OMA1.0` → `OMA1.0`) or
        /// Server (`IM-serv/...`), if any (seed 000 §7.2.3.4 b).
        release: Option<Bytes>,
    },
    /// The participant's ACK for the 200 arrived: the dialog is confirmed. If
    /// [`MsrpSession::focus_connects`] the focus opens the MSRP connection now (seed 003:
    /// "Upon receiving a SIP ACK ... establish TCP connection").
    Confirmed {
        /// The room.
        room: RoomId,
        /// The participant.
        participant: ParticipantId,
    },
    /// A participant left; its MSRP session is to be released (REQ: FOC-6).
    Left {
        /// The room.
        room: RoomId,
        /// The participant.
        participant: ParticipantId,
        /// Why.
        reason: LeaveReason,
    },
    /// An INVITE was answered with a failure (observability).
    Rejected {
        /// The room, when the Request-URI named one.
        room: Option<RoomId>,
        /// The status sent (or, for [`RejectReason::Cancelled`], 487).
        status: u16,
        /// Why.
        why: RejectReason,
    },
    /// A request of one of the [`ControlConfig::host_methods`](super::ControlConfig) outside
    /// any participant's dialog: the host answers it, exactly once, with
    /// [`Control::respond`](super::Control::respond); the handle it came on is
    /// [`Control::host_request_handle`](super::Control::host_request_handle).
    HostRequest {
        /// Its server transaction.
        key: ServerKey,
        /// The request (boxed: it is most of the event).
        request: Box<Request>,
    },
    /// A response to a request the host sent with
    /// [`Control::send_request`](super::Control::send_request).
    HostResponse {
        /// Its client transaction.
        key: ClientKey,
        /// The response (boxed).
        response: Box<Response>,
    },
    /// A request the host sent got no response: 408 for a timeout, 503 for a transport error
    /// (RFC 3261 §8.1.3.1).
    HostRequestFailed {
        /// Its client transaction.
        key: ClientKey,
        /// The status to treat it as.
        status: u16,
    },
    /// A transfer leg is established (RFC 5547; see [`Control::offer_file`](super::Control::offer_file)): an inbound
    /// one was answered 200, an outbound one got its 2xx (a `Confirmed` follows). Its MSRP
    /// session carries the file; it ends like a participant's ([`ControlEvent::Left`]).
    TransferOpened {
        /// The room.
        room: RoomId,
        /// The leg's id (used like a participant's: its dialog, its removal).
        participant: ParticipantId,
        /// The file and the participant at the other end.
        leg: Box<super::TransferLeg>,
        /// The leg's MSRP session.
        msrp: Box<MsrpSession>,
    },
    /// An outbound transfer leg was not established: the participant's final status, 408
    /// without a response, 503 for a transport error, 488 for an answer that does not fit.
    TransferFailed {
        /// The room.
        room: RoomId,
        /// The leg's id, as [`Control::offer_file`](super::Control::offer_file) returned it.
        participant: ParticipantId,
        /// The file and the participant it was for.
        leg: Box<super::TransferLeg>,
        /// The status.
        status: u16,
    },
}
