//! The SIP control plane of the focus (the Controlling Function of OMA SIMPLE IM, seeds 002
//! §7.2.1, 000 §7.2.3.2): rooms, the INVITE checks of REQ: FOC-1 in their order, joining
//! (FOC-2), leaving (FOC-6), CANCEL (FOC-7), as a sans-IO state machine.
//!
//! A [`Control`] owns a [`TransactionLayer`] over the host's transport handle `H`. The host
//! gives it every SIP message it receives with the handle it came on, and the time; the
//! control answers through the transaction layer, which retransmits over UDP (RFC 3261 §17).
//!
//! ## Methods
//! - getters: [`Control::rooms`], [`Control::room`], [`Control::participants`],
//!   [`Control::participant_count`], [`Control::pending_count`];
//! - inputs: [`Control::handle_sip`], [`Control::handle_timeout`],
//!   [`Control::handle_transport_error`];
//! - commands: [`Control::add_room`], [`Control::remove_room`], [`Control::end_room`],
//!   [`Control::remove_participant`], [`Control::accept_join`], [`Control::reject_join`];
//! - outputs, drained after every input and command in this order: [`Control::poll_transmit`]
//!   until `None`, then [`Control::poll_event`] until `None`, then [`Control::poll_timeout`].
//!
//! ## What it answers
//! | request | answer |
//! |---|---|
//! | INVITE (new) | the FOC-1 checks in order (see [`Control::handle_sip`]), then 200 with the SDP answer, Contact = room identity with `isfocus`, Allow, Server |
//! | BYE | 200, [`ControlEvent::Left`] |
//! | CANCEL | the transaction layer: 200, and 487 for the INVITE if it waits for the host |
//! | INVITE (new) to a pre-defined group without a session | its members invited first (FOC-3, see `start`): 180 once, 200 on the first member's 200, else the [`FinalStatusPolicy`] status |
//! | re-INVITE / UPDATE with an offer | 200 with an answer chosen from the offer when the MSRP path stays the same, else 488 (FOC-5) |
//! | UPDATE without a body | 200 (a session refresh) |
//! | any of these with Session-Expires below the Min-SE | 422 with Min-SE (FOC-9); else the 2xx carries the negotiated Session-Expires |
//!
//! Session timers (RFC 4028, REQ: FOC-9) run for every participant when
//! [`ControlConfig::session_timer`] is set (the default): the focus refreshes at half the
//! interval when it is the refresher (UPDATE when the participant's Allow lists it, else a
//! re-INVITE offering the current media, REQ: FOC-5), and removes with a BYE a participant
//! whose session expired ([`LeaveReason::SessionExpired`]).
//! | OPTIONS | 200 with Allow, Accept, Server |
//! | REFER in a participant's dialog | the invitee INVITEd, 202, NOTIFYs of the outcome (RFC 3515); 403 + Warning 119 when anonymous and not allowed (ALIAS-1) |
//! | REFER outside a dialog | 403 + Warning 399 "Not a participant" |
//! | a request in an unknown dialog | 481 |
//! | one of [`ControlConfig::host_methods`], outside a participant's dialog | [`ControlEvent::HostRequest`]: the host answers with [`Control::respond`] |
//! | another known method (SUBSCRIBE, MESSAGE, ...) | 405 with Allow |
//! | an unknown method | 501 |
//!
//! `Allow` lists what the control answers itself: INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE,
//! and the [`ControlConfig::host_methods`] (the composed focus adds SUBSCRIBE for the
//! conference event package).
//!
//! The host may also send requests of its own through the control's transaction layer
//! ([`Control::send_request`], e.g. NOTIFY); their responses come back as
//! [`ControlEvent::HostResponse`] or [`ControlEvent::HostRequestFailed`].
//!
//! ## Example
//! ```
//! use std::time::Instant;
//!
//! use simpleim_focus::control::{
//!     Control, ControlConfig, ControlEvent, MsrpEndpoint, RoomConfig,
//! };
//! use simpleim_sip::dialog::SentBy;
//! use simpleim_sip::transaction::{TransactionConfig, TransportHandle};
//! use simpleim_sip::{Message, SeededIds, SipUri, Uri};
//!
//! #[derive(Debug, Clone, PartialEq, Eq, Hash)]
//! struct Conn(u32); // the host's TCP connection id
//! impl TransportHandle for Conn {
//!     fn is_reliable(&self) -> bool {
//!         true
//!     }
//! }
//!
//! let config = ControlConfig::new(
//!     SentBy::new("TCP", "conf.example.com", None),
//!     MsrpEndpoint::tcp("conf.example.com", 2855),
//!     Box::new(SeededIds::new(1)), // seed from a real random source in production
//!     TransactionConfig::new(Box::new(SeededIds::new(2))),
//! );
//! let mut control = Control::<Conn>::new(config);
//! let Ok(Uri::Sip(group)) = Uri::parse(&"sip:chat@conf.example.com".into()) else {
//!     unreachable!()
//! };
//! let room = control.add_room(RoomConfig::new(group))?;
//!
//! let invite = b"INVITE sip:chat@conf.example.com SIP/2.0\r\n\
//! Via: SIP/2.0/TCP pc.example.com;branch=z9hG4bK1\r\n\
//! Max-Forwards: 70\r\n\
//! From: <sip:alice@example.com>;tag=a1\r\n\
//! To: <sip:chat@conf.example.com>\r\n\
//! Call-ID: c1\r\n\
//! CSeq: 1 INVITE\r\n\
//! Contact: <sip:alice@pc.example.com;transport=tcp>\r\n\
//! Accept-Contact: *;+g.oma.sip-im\r\n\
//! P-Asserted-Identity: <sip:alice@example.com>\r\n\
//! Content-Type: application/sdp\r\n\
//! Content-Length: 157\r\n\r\n\
//! v=0\r\no=- 1 1 IN IP4 pc.example.com\r\ns=-\r\nc=IN IP4 pc.example.com\r\nt=0 0\r\n\
//! m=message 7777 TCP/MSRP *\r\na=accept-types:message/cpim\r\n\
//! a=path:msrp://pc.example.com:7777/s1;tcp\r\n";
//! let now = Instant::now(); // the host's clock: only ever an input
//! let message = Message::parse_datagram(bytes::Bytes::from_static(invite))?;
//! control.handle_sip(now, Conn(7), message);
//!
//! // The drain loop, after every input and command.
//! let mut answers = Vec::new();
//! while let Some(t) = control.poll_transmit() {
//!     answers.push(t); // the host writes t.bytes() on t.handle
//! }
//! let mut events = Vec::new();
//! while let Some(e) = control.poll_event() {
//!     events.push(e);
//! }
//! let _next = control.poll_timeout(); // call handle_timeout then
//!
//! let Message::Response(ok) = &answers[0].message else { unreachable!() };
//! assert_eq!(ok.code(), 200);
//! assert!(matches!(&events[0], ControlEvent::Joined { room: r, .. } if *r == room));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod adhoc;
mod config;
mod directory;
mod error;
mod event;
mod files;
mod invite;
mod policy;
mod refer;
mod session;
mod start;
mod temporary;
mod timers;

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::time::Instant;

use simpleim_sip::dialog::{Dialog, DialogId, SentBy, SessionTimer};
use simpleim_sip::header::{Allow, Warning};
use simpleim_sip::transaction::{
    ClientKey, ServerKey, TransactionEvent, TransactionKey, TransactionLayer, Transmit,
    TransportHandle,
};
use simpleim_sip::{
    HeaderName, Host, Message, Method, Request, Response, ResponseBuilder, SipUri, Uri,
};

pub use adhoc::ADHOC_GROUP_TOO_LARGE;
pub use config::{
    ControlConfig, ControlLimits, GroupServices, IM_CLIENT_PRODUCT, IM_SERVER_PRODUCT,
    MsrpEndpoint, RoomConfig,
};
pub use directory::{GroupDefinition, GroupDirectory, MemoryDirectory};
pub use error::{CommandError, RoomError};
pub use event::{ControlEvent, LeaveReason, MsrpSession, ParticipantId, RejectReason, RoomId};
pub use files::{FILE_TOO_LARGE, FileTransferConfig, ONLY_FILE_PUSH, TransferLeg};
pub use invite::{
    ANONYMITY_NOT_ALLOWED, CONFERENCE_URI_DOES_NOT_EXIST, ISFOCUS_ALREADY_ASSIGNED,
    TOO_MANY_PARTICIPANTS, WARN_ANONYMITY, WARN_MISC,
};
pub use policy::{GroupPolicy, Members, RoomPolicy};
pub use refer::{ALREADY_IN_ROOM, NOT_A_PARTICIPANT};
pub use start::FinalStatusPolicy;
pub use temporary::{LMM_ICSI, LmmConfig, SERVICE_NOT_AUTHORISED};

use invite::PendingJoin;
pub(crate) use invite::asks_anonymity;
use start::{Leg, Start};

/// The methods the control answers itself, for `Allow` (RFC 3261 §20.5).
pub const ALLOWED_METHODS: [Method; 7] = [
    Method::Invite,
    Method::Ack,
    Method::Bye,
    Method::Cancel,
    Method::Options,
    Method::Update,
    Method::Refer,
];

/// A room: its configuration and who is in it.
#[derive(Debug)]
struct Room {
    config: RoomConfig,
    /// The rooms's key in `Control::room_index`.
    key: RoomKey,
    /// Participants in, in order of joining.
    members: Vec<ParticipantId>,
    /// Joins waiting for the host.
    pending: usize,
    /// What a temporary room is for (REQ: LMM-1, FOC-4); `None` for a configured room.
    temporary: Option<temporary::TemporaryKind>,
}

/// A room identity for lookup: scheme security, user, host (lower case) and port. URI
/// parameters play no part: a Request-URI with `;transport=tcp` still reaches its room.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RoomKey {
    secure: bool,
    user: Vec<u8>,
    host: String,
    port: Option<u16>,
}

impl RoomKey {
    fn of(uri: &SipUri) -> Self {
        Self {
            secure: uri.is_secure(),
            user: uri
                .user_unescaped()
                .map(|u| u.into_owned())
                .unwrap_or_default(),
            host: match uri.host() {
                Host::Domain(name) => String::from_utf8_lossy(name).to_ascii_lowercase(),
                Host::Ipv4(a) => a.to_string(),
                Host::Ipv6 { addr: Some(a), .. } => a.to_string(),
                Host::Ipv6 { raw, addr: None } => {
                    String::from_utf8_lossy(&raw).to_ascii_lowercase()
                }
            },
            port: uri.port(),
        }
    }
}

/// A participant in a room.
#[derive(Debug)]
struct Participant<H> {
    room: RoomId,
    /// Its authenticated identity (REQ: SEC-1).
    identity: Uri,
    /// Where its requests came from: the focus's requests to it go there.
    handle: H,
    dialog: Dialog,
    session: MsrpSession,
    /// The SDP answer last sent (for re-INVITE/UPDATE answers: same `o=` session, version + 1).
    sdp_version: u64,
    sdp_session_id: u64,
    /// The INVITE server transaction until the ACK comes.
    invite: Option<ServerKey>,
    /// Its session timer (REQ: FOC-9).
    timer: SessionTimer,
    /// Whether its Allow lists UPDATE (REQ: FOC-5: the focus's refreshes use UPDATE then).
    peer_allows_update: bool,
    /// The focus's refresh in flight.
    refreshing: Option<ClientKey>,
    /// The file, when this is a transfer leg and not a member (RFC 5547).
    transfer: Option<TransferLeg>,
}

/// The SIP control plane of the focus; see the [module documentation](self).
#[derive(Debug)]
pub struct Control<H> {
    config: ControlConfig,
    layer: TransactionLayer<H>,
    rooms: HashMap<RoomId, Room>,
    room_index: HashMap<RoomKey, RoomId>,
    participants: HashMap<ParticipantId, Participant<H>>,
    by_dialog: HashMap<DialogId, ParticipantId>,
    pending: HashMap<ParticipantId, PendingJoin<H>>,
    pending_by_key: HashMap<ServerKey, ParticipantId>,
    awaiting_ack: HashMap<ServerKey, ParticipantId>,
    /// Requests handed to the host, with the handle they came on, until answered.
    host_requests: HashMap<ServerKey, H>,
    /// Requests the host sent, until their transaction ends.
    host_clients: HashSet<ClientKey>,
    events: VecDeque<ControlEvent>,
    /// What requests must be to be served (RFC 3261 §8.2): the sip crate's defaults, with
    /// `recipient-list-invite` (RFC 5366) when a conference factory is configured.
    policy: simpleim_sip::Policy,
    /// Pre-defined group sessions being started (REQ: FOC-3), by room.
    starts: HashMap<RoomId, Start<H>>,
    /// The focus's INVITEs to members, until their final response.
    legs: HashMap<ClientKey, Leg<H>>,
    /// Where the focus's own INVITEs go (the SIP/IP core); default: the handle the
    /// inviter's INVITE came on.
    outbound: Option<H>,
    /// Session-timer deadlines, by time (stale entries are skipped).
    timer_deadlines: BTreeSet<(Instant, ParticipantId)>,
    /// The focus's session refreshes in flight (REQ: FOC-5, FOC-9).
    refreshes: HashMap<ClientKey, timers::Refresh>,
    /// Transfer legs open or being offered (RFC 5547), against
    /// `FileTransferConfig::max_transfers`.
    transfers: usize,
    next_room: u64,
    next_participant: u64,
}

impl<H: TransportHandle> Control<H> {
    /// A control plane with no rooms.
    #[must_use]
    pub fn new(mut config: ControlConfig) -> Self {
        // The layer takes the transaction configuration; what stays behind in `config` is a
        // placeholder nobody reads (the live one is `transactions().config()`).
        let transaction = core::mem::replace(
            &mut config.transaction,
            simpleim_sip::transaction::TransactionConfig::new(Box::new(
                simpleim_sip::SeededIds::new(0),
            )),
        );
        let mut policy = simpleim_sip::Policy::default();
        if config.conference_factory.is_some() {
            policy.extensions.push("recipient-list-invite");
        }
        for e in &config.extensions {
            if !policy.extensions.contains(e) {
                policy.extensions.push(e);
            }
        }
        // A MESSAGE handed to the host (deferred messaging) may carry any body.
        if config.host_methods.contains(&Method::Message) {
            policy.content_types = vec!["*/*"];
        }
        Self {
            config,
            layer: TransactionLayer::new(transaction),
            rooms: HashMap::new(),
            room_index: HashMap::new(),
            participants: HashMap::new(),
            by_dialog: HashMap::new(),
            pending: HashMap::new(),
            pending_by_key: HashMap::new(),
            awaiting_ack: HashMap::new(),
            host_requests: HashMap::new(),
            host_clients: HashSet::new(),
            events: VecDeque::new(),
            policy,
            starts: HashMap::new(),
            legs: HashMap::new(),
            outbound: None,
            timer_deadlines: BTreeSet::new(),
            refreshes: HashMap::new(),
            transfers: 0,
            next_room: 1,
            next_participant: 1,
        }
    }

    // --- getters ----------------------------------------------------------------------

    /// The transaction layer (its configuration, states and
    /// [`Stats`](simpleim_sip::transaction::Stats)).
    #[must_use]
    pub fn transactions(&self) -> &TransactionLayer<H> {
        &self.layer
    }

    /// The rooms, in the order they were added.
    #[must_use]
    pub fn rooms(&self) -> Vec<(RoomId, &SipUri)> {
        let mut out: Vec<_> = self
            .rooms
            .iter()
            .map(|(id, r)| (*id, &r.config.identity))
            .collect();
        out.sort_by_key(|(id, _)| *id);
        out
    }

    /// The configuration of a room.
    #[must_use]
    pub fn room(&self, room: RoomId) -> Option<&RoomConfig> {
        self.rooms.get(&room).map(|r| &r.config)
    }

    /// The participants of a room, in order of joining (empty for an unknown room).
    #[must_use]
    pub fn participants(&self, room: RoomId) -> &[ParticipantId] {
        self.rooms.get(&room).map_or(&[], |r| r.members.as_slice())
    }

    /// The participants of every room.
    #[must_use]
    pub fn participant_count(&self) -> usize {
        self.participants.len()
    }

    /// The joins waiting for the host, or for a member to answer (a pre-defined group's
    /// session being started, REQ: FOC-3).
    #[must_use]
    pub fn pending_count(&self) -> usize {
        let starting = self.starts.values().filter(|s| s.join.is_some()).count();
        self.pending.len() + starting
    }

    /// How many of the focus's INVITEs to members await their final response (REQ: FOC-3).
    #[must_use]
    pub fn invitations_in_progress(&self) -> usize {
        self.legs.len()
    }

    /// The MSRP session of a participant.
    #[must_use]
    pub fn session(&self, participant: ParticipantId) -> Option<&MsrpSession> {
        self.participants.get(&participant).map(|p| &p.session)
    }

    /// The configuration (the live transaction configuration is
    /// [`Control::transactions`]`().config()`).
    #[must_use]
    pub fn config(&self) -> &ControlConfig {
        &self.config
    }

    /// The room whose identity is `uri` (user, host and port; URI parameters play no part).
    #[must_use]
    pub fn room_of(&self, uri: &SipUri) -> Option<RoomId> {
        self.room_index.get(&RoomKey::of(uri)).copied()
    }

    /// The authenticated originator of `request` as the INVITE checks find it (REQ: SEC-1):
    /// P-Asserted-Identity, or the From URI when
    /// [`ControlConfig::require_asserted_identity`] is off.
    #[must_use]
    pub fn asserted_identity(&self, request: &Request) -> Option<Uri> {
        self.originator(request)
    }

    /// The remote target of a participant's dialog (its Contact).
    #[must_use]
    pub fn remote_target(&self, participant: ParticipantId) -> Option<&Uri> {
        self.participants
            .get(&participant)
            .map(|p| p.dialog.remote_target())
    }

    /// The handle set by [`Control::set_outbound_handle`] (the SIP/IP core), if any.
    #[must_use]
    pub fn outbound_handle(&self) -> Option<&H> {
        self.outbound.as_ref()
    }

    /// Whether `uri` is the conference factory's ([`ControlConfig::conference_factory`];
    /// user, host and port compared as for rooms).
    #[must_use]
    pub fn is_conference_factory(&self, uri: &SipUri) -> bool {
        self.config
            .conference_factory
            .as_ref()
            .is_some_and(|f| RoomKey::of(f) == RoomKey::of(uri))
    }

    /// The handle a [`ControlEvent::HostRequest`] came on, until it is answered.
    #[must_use]
    pub fn host_request_handle(&self, key: ServerKey) -> Option<&H> {
        self.host_requests.get(&key)
    }

    // --- inputs -----------------------------------------------------------------------

    /// A SIP message received on `handle`. Requests are answered as the
    /// [module documentation](self) lists; a new INVITE goes through the checks of REQ:
    /// FOC-1 in the seed's order (002 §7.2.1.3), the first failure deciding the response:
    ///
    /// 0. RFC 3261 §8.2 validation ([`Request::validate`]); more than
    ///    [`ControlLimits::max_pending`] joins waiting: 503.
    /// 1. `+g.oma.sip-im` in Accept-Contact, else 403.
    /// 2. The Request-URI is a room, else 404 with Warning 399 "Conference URI does not
    ///    exist".
    /// 3. No Contact with `isfocus`, else 403 with Warning 399 "isfocus already assigned".
    /// 4. An asserted identity (P-Asserted-Identity, REQ: SEC-1) that
    ///    [`RoomPolicy::authorize`] accepts, else 403.
    /// 5. [`RoomPolicy::may_join`], else 403.
    /// 6. With `Privacy: id`, [`RoomPolicy::may_be_anonymous`], else 403 with Warning 119
    ///    "Anonymity not allowed" (REQ: ALIAS-1).
    /// 7. Room capacity, else 486 with Warning 399 "Too many participants".
    /// 8. An SDP offer with an acceptable MSRP line, else 488 with the negotiator's Warning
    ///    (304 or 305), 400 for a malformed offer.
    pub fn handle_sip(&mut self, now: Instant, handle: H, message: Message) {
        self.layer.handle_message(now, handle, message);
        self.drive(now);
    }

    /// Time has passed: retransmissions and timeouts of the transaction layer. Early calls
    /// do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.layer.handle_timeout(now);
        self.drive(now);
        self.run_timers(now);
        self.drive(now);
    }

    /// The host's transport for `handle` failed (RFC 3261 §17.1.1.2, §17.2.4).
    pub fn handle_transport_error(&mut self, now: Instant, handle: &H) {
        self.layer.handle_transport_error(now, handle);
        self.drive(now);
    }

    // --- outputs ----------------------------------------------------------------------

    /// The next SIP message to send, naming its handle.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit<H>> {
        self.layer.poll_transmit()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ControlEvent> {
        self.events.pop_front()
    }

    /// When to call [`Control::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.layer.poll_timeout(), self.next_timer()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // --- commands: rooms --------------------------------------------------------------

    /// Adds a room.
    ///
    /// # Errors
    /// [`RoomError::Duplicate`] when a room has the same identity, [`RoomError::TooManyRooms`]
    /// at [`ControlLimits::max_rooms`].
    pub fn add_room(&mut self, config: RoomConfig) -> Result<RoomId, RoomError> {
        let key = RoomKey::of(&config.identity);
        if let Some(id) = self.room_index.get(&key) {
            return Err(RoomError::Duplicate(*id));
        }
        if self.rooms.len() >= self.config.limits.max_rooms {
            return Err(RoomError::TooManyRooms {
                limit: self.config.limits.max_rooms,
            });
        }
        let id = RoomId(self.next_room);
        self.next_room = self.next_room.saturating_add(1);
        self.room_index.insert(key.clone(), id);
        self.rooms.insert(
            id,
            Room {
                config,
                key,
                members: Vec::new(),
                pending: 0,
                temporary: None,
            },
        );
        Ok(id)
    }

    /// Ends a room ([`Control::end_room`]) and forgets it; new INVITEs to it get 404.
    ///
    /// # Errors
    /// [`CommandError::UnknownRoom`].
    pub fn remove_room(&mut self, now: Instant, room: RoomId) -> Result<RoomConfig, CommandError> {
        self.end_room(now, room)?;
        let pending: Vec<ParticipantId> = self
            .pending
            .iter()
            .filter(|(_, p)| p.room == room)
            .map(|(id, _)| *id)
            .collect();
        for id in pending {
            // 480: the room went away while the join waited.
            let _ = self.reject_join(now, id, 480);
        }
        let removed = self
            .rooms
            .remove(&room)
            .ok_or(CommandError::UnknownRoom(room))?;
        self.room_index.remove(&removed.key);
        Ok(removed.config)
    }

    /// Ends the room's session: a BYE to every participant ([`LeaveReason::RoomEnded`],
    /// seed 002 §7.2.2.5, REQ: FOC-6). The room stays, and may be joined again.
    ///
    /// # Errors
    /// [`CommandError::UnknownRoom`]; the first failure to send a BYE (the others are
    /// still sent, and every participant is removed).
    pub fn end_room(&mut self, now: Instant, room: RoomId) -> Result<(), CommandError> {
        let members = self
            .rooms
            .get(&room)
            .map(|r| r.members.clone())
            .ok_or(CommandError::UnknownRoom(room))?;
        let mut first = Ok(());
        for p in members {
            if !self.participants.contains_key(&p) {
                continue; // already gone (a large message's room ends with its sender)
            }
            let r = self.remove(now, p, LeaveReason::RoomEnded);
            if first.is_ok() {
                first = r;
            }
        }
        self.drive(now);
        first
    }

    /// Sends the focus's own INVITEs (to the members of a pre-defined group, REQ: FOC-3) on
    /// `handle`, e.g. the connection to the SIP/IP core's proxy. Without it they go on the
    /// handle the inviter's INVITE came on.
    pub fn set_outbound_handle(&mut self, handle: H) {
        self.outbound = Some(handle);
    }

    /// Removes a participant: a BYE through its dialog (seed 002 §7.2.1.9, REQ: FOC-6) and
    /// [`ControlEvent::Left`] with [`LeaveReason::Removed`].
    ///
    /// # Errors
    /// [`CommandError::UnknownParticipant`]; a failure to build or send the BYE (the
    /// participant is removed all the same).
    pub fn remove_participant(
        &mut self,
        now: Instant,
        participant: ParticipantId,
    ) -> Result<(), CommandError> {
        let r = self.remove(now, participant, LeaveReason::Removed);
        self.drive(now);
        r
    }

    // --- commands: the host's own requests and responses ------------------------------

    /// Answers a [`ControlEvent::HostRequest`] (a provisional response keeps it waiting).
    ///
    /// # Errors
    /// [`CommandError::UnknownRequest`]; the transaction layer's refusal.
    pub fn respond(
        &mut self,
        now: Instant,
        key: ServerKey,
        response: Response,
    ) -> Result<(), CommandError> {
        if !self.host_requests.contains_key(&key) {
            return Err(CommandError::UnknownRequest(key));
        }
        let last = response.code() >= 200;
        let r = self.layer.send_response(now, key, response);
        if last || r.is_err() {
            self.host_requests.remove(&key);
        }
        self.drive(now);
        Ok(r?)
    }

    /// Sends the host's ACK for a 2xx to an INVITE it sent with [`Control::send_request`]
    /// (RFC 3261 §13.2.2.4; not a transaction: the layer answers retransmissions of the 2xx
    /// with it).
    ///
    /// # Errors
    /// The transaction layer's refusal.
    pub fn send_ack(&mut self, now: Instant, handle: H, ack: Request) -> Result<(), CommandError> {
        self.layer.send_ack(now, handle, ack)?;
        Ok(())
    }

    /// Sends a request of the host's (a NOTIFY of a subscription, ...) on `handle` through the
    /// transaction layer, which retransmits it; its response comes as
    /// [`ControlEvent::HostResponse`], or [`ControlEvent::HostRequestFailed`].
    ///
    /// # Errors
    /// The transaction layer's refusal.
    pub fn send_request(
        &mut self,
        now: Instant,
        handle: H,
        request: Request,
    ) -> Result<ClientKey, CommandError> {
        let key = self.layer.send_request(now, handle, request)?;
        self.host_clients.insert(key);
        self.drive(now);
        Ok(key)
    }

    // --- the transaction layer's events ------------------------------------------------

    /// Drains the transaction layer's events (a parent drains its child inside its own
    /// input, DESIGN.md): they become responses, requests and our events.
    fn drive(&mut self, now: Instant) {
        while let Some(event) = self.layer.poll_event() {
            match event {
                TransactionEvent::NewRequest {
                    key,
                    request,
                    handle,
                } => self.on_request(now, key, &request, handle),
                TransactionEvent::Cancelled { key, .. } => self.on_cancelled(now, key),
                TransactionEvent::Acked { key, .. } => self.on_acked(key),
                TransactionEvent::AckTimeout { key } => {
                    if let Some(p) = self.awaiting_ack.remove(&key) {
                        let _ = self.remove(now, p, LeaveReason::NoAck);
                    }
                }
                TransactionEvent::Response { key, response }
                    if self.refreshes.contains_key(&key) =>
                {
                    self.on_refresh_response(now, key, &response);
                }
                TransactionEvent::Timeout {
                    key: TransactionKey::Client(key),
                }
                | TransactionEvent::TransportError {
                    key: TransactionKey::Client(key),
                } if self.refreshes.contains_key(&key) => self.on_refresh_failed(now, key),
                TransactionEvent::Response { key, response } if self.legs.contains_key(&key) => {
                    self.on_leg_response(now, key, &response);
                }
                TransactionEvent::Timeout {
                    key: TransactionKey::Client(key),
                } if self.legs.contains_key(&key) => self.on_leg_failed(now, key, 408),
                TransactionEvent::TransportError {
                    key: TransactionKey::Client(key),
                } if self.legs.contains_key(&key) => self.on_leg_failed(now, key, 503),
                TransactionEvent::Response { key, response }
                    if self.host_clients.contains(&key) =>
                {
                    self.events.push_back(ControlEvent::HostResponse {
                        key,
                        response: Box::new(response),
                    });
                }
                TransactionEvent::Timeout {
                    key: TransactionKey::Client(key),
                } if self.host_clients.contains(&key) => {
                    self.events
                        .push_back(ControlEvent::HostRequestFailed { key, status: 408 });
                }
                TransactionEvent::TransportError {
                    key: TransactionKey::Client(key),
                } if self.host_clients.contains(&key) => {
                    self.events
                        .push_back(ControlEvent::HostRequestFailed { key, status: 503 });
                }
                TransactionEvent::Terminated {
                    key: TransactionKey::Client(k),
                } => {
                    self.host_clients.remove(&k);
                }
                TransactionEvent::Terminated {
                    key: TransactionKey::Server(k),
                } => {
                    self.host_requests.remove(&k);
                    self.awaiting_ack.remove(&k);
                    if let Some(p) = self.pending_by_key.remove(&k) {
                        // The INVITE transaction is gone: its join cannot be answered.
                        if self.abandon_start(now, p) {
                            self.reject_event(None, 500, RejectReason::Internal);
                        } else {
                            self.drop_pending(p, 500, RejectReason::Internal);
                        }
                    }
                }
                // Responses to our BYEs, stray ACKs and 2xx, timeouts and transport errors of
                // client transactions: the participant is already gone, nothing to do.
                _ => {}
            }
        }
    }

    /// A new request (not ACK, not CANCEL).
    fn on_request(&mut self, now: Instant, key: ServerKey, request: &Request, handle: H) {
        if let Err(rejection) = request.validate_with(&self.policy) {
            let policy = self.policy.clone();
            let b = rejection.response(request, &policy, &mut self.ids());
            let b = if rejection.status == 501 || rejection.status == 405 {
                self.with_allow(b)
            } else {
                b
            };
            self.send(now, key, b);
            if *request.method() == Method::Invite {
                self.reject_event(None, rejection.status, RejectReason::Invalid);
            }
            return;
        }
        let in_dialog = DialogId::of_incoming_request(request)
            .filter(|id| !id.local_tag.is_empty() && !id.remote_tag.is_empty());
        let for_host = self.config.host_methods.contains(request.method())
            && in_dialog
                .as_ref()
                .is_none_or(|id| !self.by_dialog.contains_key(id));
        if for_host {
            self.host_requests.insert(key, handle);
            self.events.push_back(ControlEvent::HostRequest {
                key,
                request: Box::new(request.clone()),
            });
            return;
        }
        match (request.method(), in_dialog) {
            (Method::Invite, None) => self.on_invite(now, key, request, handle),
            (Method::Options, None) => {
                let b = Response::for_request(request, 200, &mut self.ids())
                    .header(HeaderName::Accept, "application/sdp");
                let b = self.with_allow(b);
                self.send(now, key, b);
            }
            (_, Some(id)) => self.on_in_dialog(now, key, request, &id),
            (Method::Refer, None) => {
                // RFC 4579 §5.5 through a participant's dialog only: who is not in the room
                // cannot add others to it.
                let b = Response::for_request(request, 403, &mut self.ids());
                let b = self.warning(b, WARN_MISC, NOT_A_PARTICIPANT);
                self.send(now, key, b);
            }
            (Method::Bye | Method::Update, None) => {
                // A dialog's request without a To tag cannot be ours.
                let b = Response::for_request(request, 481, &mut self.ids());
                self.send(now, key, b);
            }
            (m, None) => {
                let code = if ALLOWED_METHODS.contains(m) {
                    481
                } else {
                    405
                };
                let b = Response::for_request(request, code, &mut self.ids());
                let b = if code == 405 { self.with_allow(b) } else { b };
                self.send(now, key, b);
            }
        }
    }

    /// The sent-by of a request going out on `handle`: the configured one, on the handle's
    /// transport when it names one (RFC 3261 §18.1.1).
    pub(super) fn sent_by_for(&self, handle: &H) -> SentBy {
        self.config.sent_by.on_transport(handle.transport())
    }

    /// [`Control::sent_by_for`] the handle of participant `pid`.
    pub(super) fn sent_by_of(&self, pid: ParticipantId) -> SentBy {
        match self.participants.get(&pid) {
            Some(p) => self.sent_by_for(&p.handle),
            None => self.config.sent_by.clone(),
        }
    }

    /// The generator for tags and ids, as a sized `IdGenerator`.
    fn ids(&mut self) -> &mut (dyn simpleim_sip::IdGenerator + Send) {
        &mut *self.config.ids
    }

    /// `b` with Allow (RFC 3261 §20.5).
    fn with_allow(&self, b: ResponseBuilder) -> ResponseBuilder {
        let mut b = b;
        let host = self
            .config
            .host_methods
            .iter()
            .filter(|m| !ALLOWED_METHODS.contains(m));
        for m in ALLOWED_METHODS.iter().chain(host) {
            b = b.typed(&Allow::new(m.clone()));
        }
        b
    }

    /// `b` with a Warning of ours.
    fn warning(&self, b: ResponseBuilder, code: u16, text: &str) -> ResponseBuilder {
        b.typed(&Warning::new(code, &self.config.warn_agent, text))
    }

    /// Builds and sends a response; a failure to build answers 500 instead (best effort).
    fn send(&mut self, now: Instant, key: ServerKey, b: ResponseBuilder) {
        let b = b.typed(&self.config.server.clone());
        match b.build() {
            Ok(response) => {
                let _ = self.layer.send_response(now, key, response);
            }
            Err(_) => {
                if let Some(request) = self.layer.server_request(key).cloned() {
                    let fallback = Response::for_request(&request, 500, &mut self.ids()).build();
                    if let Ok(r) = fallback {
                        let _ = self.layer.send_response(now, key, r);
                    }
                }
            }
        }
    }

    fn reject_event(&mut self, room: Option<RoomId>, status: u16, why: RejectReason) {
        self.events
            .push_back(ControlEvent::Rejected { room, status, why });
    }

    /// Removes a participant, sending a BYE unless it left by BYE itself.
    fn remove(
        &mut self,
        now: Instant,
        participant: ParticipantId,
        reason: LeaveReason,
    ) -> Result<(), CommandError> {
        let mut p = self
            .participants
            .remove(&participant)
            .ok_or(CommandError::UnknownParticipant(participant))?;
        if p.transfer.is_some() {
            self.transfers = self.transfers.saturating_sub(1);
        }
        self.by_dialog.remove(p.dialog.id());
        if let Some(k) = p.invite.take() {
            self.awaiting_ack.remove(&k);
        }
        if let Some(room) = self.rooms.get_mut(&p.room) {
            room.members.retain(|m| *m != participant);
        }
        self.events.push_back(ControlEvent::Left {
            room: p.room,
            participant,
            reason,
        });
        let sent = if reason == LeaveReason::Bye {
            Ok(())
        } else {
            self.send_bye(now, &mut p)
        };
        self.after_leave(now, p.room, participant);
        sent
    }

    fn send_bye(&mut self, now: Instant, p: &mut Participant<H>) -> Result<(), CommandError> {
        let sent_by = self.sent_by_for(&p.handle);
        let mut ids = &mut *self.config.ids;
        let bye = p.dialog.request(Method::Bye, &sent_by, &mut ids)?.build()?;
        self.layer.send_request(now, p.handle.clone(), bye)?;
        Ok(())
    }
}
