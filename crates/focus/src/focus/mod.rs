//! The composed conference focus: [`Focus`], one object the host drives over SIP and MSRP.
//!
//! It owns the SIP control plane ([`Control`]), one MSRP [`Switch`] per room, each room's
//! alias table ([`AliasRegistry`]) and conference state ([`ConferenceState`]), one MSRP
//! [`Decoder`](simpleim_msrp::Decoder) per connection, and one RFC 6665
//! [`Notifier`](simpleim_sip::dialog::Notifier) per conference-event subscriber. As DESIGN.md
//! asks, it drains its children inside its own `handle_*` methods: a child's event becomes
//! the focus's command to another child, or its transmit.
//!
//! # The wiring
//! - **Joining** (REQ: FOC-2, ALIAS-2, ALIAS-3): the control checks an INVITE (FOC-1) and
//!   holds it ([`ControlConfig::confirm_joins`](crate::control::ControlConfig)); the focus
//!   reserves an alias in the room's [`AliasRegistry`] (`bob` → `bob-2` on a clash, a
//!   numbered `anonymous@anonymous.invalid` URI for an anonymous joiner) and accepts the
//!   join: an anonymous joiner, or one whose alias was changed, gets the `multipart/mixed`
//!   200 OK of [`alias_join_body`](crate::alias::alias_join_body) (a `message/cpim` part
//!   naming its alias, and the SDP answer); the others the plain SDP answer. Once the 200
//!   is gone, the participant is added to the room's switch with its MSRP session, identity
//!   (the alias URI when anonymous, SEC-1), alias, max-size and accept-types (REQ: SW-2),
//!   whether it may receive private messages (an IM release version in its User-Agent, SW-8 b)
//!   and whether it may send them (the room policy's
//!   [`allows_private_messages`](crate::control::RoomPolicy::allows_private_messages) for its
//!   identity, SW-8 a: [`ParticipantMsrp::may_send_private`](crate::switch::ParticipantMsrp),
//!   enforced by the switch), to the conference state, and the subscribers are notified.
//! - **MSRP connections**: one decoder per connection. The first request's To-Path (its first
//!   URI, matched by [`Demux`] against the URI the focus gave each
//!   participant in its SDP answer) binds the connection to that participant; a bodiless SEND
//!   (RFC 4975 §5.4) is answered 200 and not relayed; a request naming no session here, or
//!   another participant than the one the connection is bound to, gets 481. Until its
//!   connection is bound, what the switch has for a participant waits in the switch
//!   (`set_writable(false)`). When the focus is the active side (the participant's SDP said
//!   `a=setup:passive`, or `actpass` and the focus prefers `active`), it asks the host to
//!   connect ([`Focus::poll_connect`]) once the ACK arrived, and sends a bodiless SEND on the
//!   new connection.
//! - **Shared connections** (RFC 4975 §5.4, RFC 4976): an MSRP relay carries all its
//!   clients' sessions towards the focus on one connection, so a connection may carry
//!   several room participants, each bound by the first request naming it. The switch says
//!   which bytes end a frame ([`Switch::poll_transmit_framed`]); while one participant's
//!   frame is being written on a shared connection, the others' bytes wait in their switch,
//!   so frames never interleave. A participant leaving a shared connection leaves it to the
//!   others (one leaving in the middle of its frame breaks the stream: the connection
//!   closes and the others leave too); the last one closes it. A transfer leg has its
//!   connection to itself.
//! - **Leaving** (REQ: FOC-6): a BYE, [`Focus::remove_participant`], [`Focus::end_room`], a
//!   missing ACK, **a closed MSRP connection** ([`Focus::handle_msrp_closed`], which sends a
//!   BYE), a connection that failed to open, a framing error, or a stalled reader (which also
//!   send a BYE): the participant leaves the switch (its in-flight copies fail), the alias
//!   table, the conference state (subscribers are notified), and its connection is handed
//!   back ([`FocusEvent::CloseConnection`]).
//! - **NICKNAME** (RFC 7701, REQ: CHAT-1): the switch hands it over
//!   ([`SwitchEvent::Unhandled`]); the alias table decides
//!   ([`AliasRegistry::rename`]: 200, 424 malformed, 425 in use or reserved), the answer goes
//!   through the switch (between frames), and on success the switch's alias, the conference
//!   state and the subscribers follow.
//! - **File transfers** (RFC 5547, when [`ControlConfig::file_transfer`](crate::control::ControlConfig)
//!   is set): a participant's INVITE to the room with a file push offer (`a=sendonly`,
//!   `a=file-selector`) opens an inbound transfer leg: the control plane checks that the
//!   sender is in the room (403), that it is a push (488) within the size limit (488), and
//!   answers `a=recvonly`; the file arrives on the leg's own MSRP
//!   [`Session`](simpleim_msrp::Session) (413 over the limit) and, once whole, the focus
//!   offers it to every other participant with an INVITE of its own
//!   ([`Control::offer_file`], From the room with the sender's alias) and sends the same
//!   `Bytes` on each accepted leg, ending it with BYE once acknowledged
//!   ([`FocusEvent::FileReceived`], [`FocusEvent::FileDelivered`],
//!   [`FocusEvent::FileFailed`]). A recipient may connect before its 2xx arrives (RFC 4975
//!   §5.4): its frames are kept for the leg. Legs are dialogs, not members: they do not
//!   count against a room's capacity.
//! - **Conference event package** (RFC 4575, REQ: FOC-8, ALIAS-4, SEC-1): a SUBSCRIBE with
//!   `Event: conference` to a room's URI, from an asserted identity the room's policy would
//!   let join, gets a [`Notifier`](simpleim_sip::dialog::Notifier): 200, then a NOTIFY with the
//!   full document, the subscriber's own entry marked `yourown` (its session in the room with
//!   the same identity, if any); every change (join, leave, nickname) sends each subscriber a
//!   partial document; refreshes get the full document again; `Expires: 0` and expiry end
//!   it; at most [`FocusLimits::max_subscriptions`] (503 beyond). Anonymous participants
//!   appear only under their alias.
//! - **Pager mode and presence** (REQ: GRP-1, PRES-1): with [`FocusConfig::pager`], a
//!   MESSAGE to a group or to the conference factory with a recipient list is answered 202
//!   and exploded to the members ([`pager`]; [`Focus::poll_pager_event`]); with
//!   [`FocusConfig::presence`] and the deferred service, registrations are published as IM
//!   availability ([`presence`]; [`Focus::poll_presence_event`]).
//!
//! # Methods
//! - getters: [`Focus::control`], [`Focus::switch`], [`Focus::alias`],
//!   [`Focus::participant_connection`], [`Focus::subscription_count`];
//! - inputs (`now` first): [`Focus::handle_sip`], [`Focus::handle_msrp_connected`],
//!   [`Focus::handle_msrp`], [`Focus::handle_msrp_closed`],
//!   [`Focus::handle_msrp_connect_failed`], [`Focus::set_msrp_writable`],
//!   [`Focus::handle_sip_transport_error`], [`Focus::handle_timeout`];
//! - commands: [`Focus::add_room`], [`Focus::remove_room`], [`Focus::end_room`],
//!   [`Focus::remove_participant`], [`Focus::send_system_message`];
//! - outputs, drained after every input and command in this order:
//!   [`Focus::poll_transmit`] until `None`, [`Focus::poll_connect`] until `None`,
//!   [`Focus::poll_event`] until `None`, then [`Focus::poll_timeout`].
//!
//! # Example: the drain loop
//! ```
//! use std::time::Instant;
//!
//! use simpleim_focus::control::{ControlConfig, MsrpEndpoint, RoomConfig};
//! use simpleim_focus::{Focus, FocusConfig, FocusEvent, FocusTransmit};
//! use simpleim_sip::dialog::SentBy;
//! use simpleim_sip::transaction::{TransactionConfig, TransportHandle};
//! use simpleim_sip::{Message, SeededIds, Uri};
//!
//! #[derive(Debug, Clone, PartialEq, Eq, Hash)]
//! struct Sip(u32); // the host's SIP transport handle
//! impl TransportHandle for Sip {
//!     fn is_reliable(&self) -> bool {
//!         true
//!     }
//! }
//! type Msrp = u32; // the host's MSRP connection handle
//!
//! let control = ControlConfig::new(
//!     SentBy::new("TCP", "conf.example.com", None),
//!     MsrpEndpoint::tcp("conf.example.com", 2855),
//!     Box::new(SeededIds::new(1)), // seed from a real random source in production
//!     TransactionConfig::new(Box::new(SeededIds::new(2))),
//! );
//! let mut seed = 100;
//! let ids = Box::new(move || {
//!     seed += 1;
//!     Box::new(simpleim_msrp::SeededIds::new(seed)) as Box<dyn simpleim_msrp::IdGenerator>
//! });
//! let mut focus = Focus::<Sip, Msrp>::new(FocusConfig::new(control, ids));
//! let Ok(Uri::Sip(group)) = Uri::parse(&"sip:chat@conf.example.com".into()) else {
//!     unreachable!()
//! };
//! let room = focus.add_room(RoomConfig::new(group))?;
//!
//! let invite = b"INVITE sip:chat@conf.example.com SIP/2.0\r\n\
//! Via: SIP/2.0/TCP pc.example.com;branch=z9hG4bK1\r\n\
//! Max-Forwards: 70\r\n\
//! From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n\
//! To: <sip:chat@conf.example.com>\r\n\
//! Call-ID: c1\r\n\
//! CSeq: 1 INVITE\r\n\
//! Contact: <sip:alice@pc.example.com;transport=tcp>\r\n\
//! Accept-Contact: *;+g.oma.sip-im\r\n\
//! P-Asserted-Identity: <sip:alice@example.com>\r\n\
//! Content-Type: application/sdp\r\n\
//! Content-Length: 175\r\n\r\n\
//! v=0\r\no=- 1 1 IN IP4 pc.example.com\r\ns=-\r\nc=IN IP4 pc.example.com\r\nt=0 0\r\n\
//! m=message 7777 TCP/MSRP *\r\na=accept-types:message/cpim\r\n\
//! a=path:msrp://pc.example.com:7777/s1;tcp\r\na=setup:active\r\n";
//! let now = Instant::now(); // the host's clock: only ever an input
//! let message = Message::parse_datagram(bytes::Bytes::from_static(invite))?;
//! focus.handle_sip(now, Sip(7), message);
//!
//! // The drain loop, after every input and command.
//! let mut sip_out = Vec::new();
//! while let Some(t) = focus.poll_transmit() {
//!     match t {
//!         FocusTransmit::Sip(t) => sip_out.push(t), // write t.bytes() on t.handle
//!         FocusTransmit::Msrp { conn: _, bytes: _ } => {} // write bytes on the connection
//!     }
//! }
//! while let Some(_connect) = focus.poll_connect() {
//!     // open a TCP connection, then call handle_msrp_connected(now, conn, Some(participant))
//! }
//! let mut events = Vec::new();
//! while let Some(e) = focus.poll_event() {
//!     events.push(e);
//! }
//! let _next = focus.poll_timeout(); // call handle_timeout then
//!
//! let Message::Response(ok) = &sip_out[0].message else { unreachable!() };
//! assert_eq!(ok.code(), 200);
//! assert!(matches!(&events[0], FocusEvent::Joined { room: r, .. } if *r == room));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod connection;
mod deferred;
mod event;
mod files;
mod ids;
pub mod pager;
mod participants;
pub mod presence;
mod subscribe;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::ops::Bound;
use std::time::Instant;

use bytes::Bytes;
use simpleim_msrp::{Demux, IdGenerator, MessageId};
use simpleim_sip::Message;
use simpleim_sip::dialog::DialogId;
use simpleim_sip::transaction::{ClientKey, TransportHandle};

pub use config::{FocusConfig, FocusLimits, IdFactory};
pub use deferred::DeferredSetup;
pub use event::{CloseReason, Connect, FocusError, FocusEvent, FocusTransmit, SubscriptionId};

use crate::alias::{AliasRegistry, ChatAlias};
use crate::conference_info::ConferenceState;
use crate::control::{Control, ControlEvent, ParticipantId, RoomConfig, RoomError, RoomId};
use crate::switch::{Switch, SwitchConfig, SwitchEvent};

use connection::Connection;
use participants::Participant;
use subscribe::Sub;

/// One room: its switch, alias table and conference state.
struct Room {
    /// The room's SIP URI, as text.
    identity: String,
    switch: Switch<ParticipantId>,
    aliases: AliasRegistry<ParticipantId>,
    state: ConferenceState<ParticipantId>,
}

/// The composed conference focus; see the [module documentation](self).
///
/// `H` is the host's SIP transport handle, `C` its MSRP connection handle.
pub struct Focus<H, C> {
    control: Control<H>,
    switch_limits: crate::switch::SwitchLimits,
    allow_private_messages: bool,
    msrp_limits: simpleim_msrp::Limits,
    limits: FocusLimits,
    max_subscription_expires: u32,
    id_factory: IdFactory,
    ids: Box<dyn IdGenerator>,
    rooms: BTreeMap<RoomId, Room>,
    participants: HashMap<ParticipantId, Participant<C>>,
    demux: Demux<ParticipantId>,
    connections: HashMap<C, Connection>,
    subs: BTreeMap<SubscriptionId, Sub<H>>,
    subs_by_dialog: HashMap<DialogId, SubscriptionId>,
    notifies: HashMap<ClientKey, (SubscriptionId, simpleim_sip::Request)>,
    next_sub: u64,
    transmit: VecDeque<FocusTransmit<H, C>>,
    connects: VecDeque<Connect>,
    events: VecDeque<FocusEvent<C>>,
    /// The room served last by [`Focus::poll_transmit`] (round-robin).
    cursor: Option<RoomId>,
    /// Bind deadlines of unbound connections and of participants without a connection
    /// ([`FocusLimits::bind_timeout`]); an entry whose subject is bound or gone by then is
    /// ignored.
    deadlines: BTreeSet<(Instant, Pending<C>)>,
    /// The deferred-messaging service (REQ: DEF-1..3), when configured.
    deferred:
        Option<crate::deferred::Deferred<H, C, Box<dyn crate::deferred::DeferredStore + Send>>>,
    /// Its requests in flight, by client transaction.
    deferred_requests: HashMap<ClientKey, simpleim_sip::Request>,
    /// Connections its pushes ask for.
    push_connects: VecDeque<crate::deferred::PushConnect>,
    /// Its events.
    deferred_events: VecDeque<crate::deferred::DeferredEvent<H, C>>,
    /// Room messages held for their transcripts until routed (REQ: DEF-3).
    held: VecDeque<deferred::HeldMessage>,
    /// The wall clock: an instant and the time it was (see [`Focus::set_wall_clock`]).
    wall_clock: Option<(Instant, crate::deferred::Timestamp)>,
    /// Participants whose shared connection broke in the middle of another's frame: removed
    /// (with a BYE) at the next drive.
    broken: Vec<ParticipantId>,
    /// File transfer legs (RFC 5547), by leg id.
    transfers: BTreeMap<ParticipantId, files::Transfer>,
    /// Files offered to recipients, until their leg opens.
    offered: HashMap<ParticipantId, files::Offered<C>>,
    /// Pager-mode group messages (REQ: GRP-1), when configured.
    pager: Option<pager::Pager>,
    /// The presence source (REQ: PRES-1), when configured.
    presence: Option<presence::PresenceSource>,
}

/// What a bind deadline is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Pending<C> {
    Connection(C),
    Participant(ParticipantId),
    /// A transfer leg whose file is through: the focus ends it if the sender does not.
    Transfer(ParticipantId),
}

impl<H: fmt::Debug, C: fmt::Debug> fmt::Debug for Focus<H, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Focus")
            .field("control", &self.control)
            .field("rooms", &self.rooms.keys().collect::<Vec<_>>())
            .field("participants", &self.participants.len())
            .field("connections", &self.connections.len())
            .field("subscriptions", &self.subs.len())
            .finish_non_exhaustive()
    }
}

impl<H, C> Focus<H, C>
where
    H: TransportHandle + Clone,
    C: Clone + Eq + Hash + Ord + fmt::Debug,
{
    /// A focus with no rooms.
    #[must_use]
    pub fn new(config: FocusConfig) -> Self {
        let FocusConfig {
            mut control,
            switch_limits,
            allow_private_messages,
            msrp_limits,
            limits,
            max_subscription_expires,
            mut ids,
            deferred,
            pager,
            presence,
        } = config;
        if pager.is_some() {
            pager::enable(&mut control);
        }
        if deferred.is_some() {
            for m in deferred::DEFERRED_METHODS {
                if !control.host_methods.contains(&m) {
                    control.host_methods.push(m);
                }
            }
            // An OMA client's REGISTER requires caller preferences (seed 004 §6.1.1.1).
            if !control.extensions.contains(&"pref") {
                control.extensions.push("pref");
            }
        }
        let deferred = deferred.map(|s| crate::deferred::Deferred::new(s.config, s.store));
        let own = ids();
        let pager = pager.map(|c| pager::Pager::new(c, ids::SipIds(ids())));
        Self {
            control: Control::new(control),
            switch_limits,
            allow_private_messages,
            msrp_limits,
            limits,
            max_subscription_expires,
            id_factory: ids,
            ids: own,
            rooms: BTreeMap::new(),
            participants: HashMap::new(),
            demux: Demux::new(),
            connections: HashMap::new(),
            subs: BTreeMap::new(),
            subs_by_dialog: HashMap::new(),
            notifies: HashMap::new(),
            next_sub: 1,
            transmit: VecDeque::new(),
            connects: VecDeque::new(),
            events: VecDeque::new(),
            cursor: None,
            deadlines: BTreeSet::new(),
            deferred,
            deferred_requests: HashMap::new(),
            push_connects: VecDeque::new(),
            deferred_events: VecDeque::new(),
            wall_clock: None,
            held: VecDeque::new(),
            broken: Vec::new(),
            transfers: BTreeMap::new(),
            offered: HashMap::new(),
            pager,
            presence: presence.map(presence::PresenceSource::new),
        }
    }

    // --- getters ---------------------------------------------------------------------------

    /// The SIP control plane (rooms, participants, transaction statistics).
    #[must_use]
    pub fn control(&self) -> &Control<H> {
        &self.control
    }

    /// A room's MSRP switch (its participants, queued bytes).
    #[must_use]
    pub fn switch(&self, room: RoomId) -> Option<&Switch<ParticipantId>> {
        self.rooms.get(&room).map(|r| &r.switch)
    }

    /// The alias a participant holds in its room.
    #[must_use]
    pub fn alias(&self, participant: ParticipantId) -> Option<&ChatAlias> {
        let room = self.participants.get(&participant)?.room;
        self.rooms.get(&room)?.aliases.get(&participant)
    }

    /// The conference state of a room (what subscribers are told).
    #[must_use]
    pub fn conference_state(&self, room: RoomId) -> Option<&ConferenceState<ParticipantId>> {
        self.rooms.get(&room).map(|r| &r.state)
    }

    /// The MSRP connection a participant is bound to, once it is.
    #[must_use]
    pub fn participant_connection(&self, participant: ParticipantId) -> Option<&C> {
        self.participants.get(&participant)?.conn.as_ref()
    }

    /// How many conference-event subscriptions are active.
    #[must_use]
    pub fn subscription_count(&self) -> usize {
        self.subs.len()
    }

    // --- inputs ----------------------------------------------------------------------------

    /// A SIP message received on `handle`: INVITE, ACK, BYE, CANCEL, re-INVITE, UPDATE,
    /// OPTIONS go to the control plane (see [`Control::handle_sip`]); SUBSCRIBE to the
    /// conference event package (REQ: FOC-8); responses to the focus's BYE and NOTIFY
    /// requests to their transactions.
    pub fn handle_sip(&mut self, now: Instant, handle: H, message: Message) {
        self.control.handle_sip(now, handle, message);
        self.drive(now);
    }

    /// The host's SIP transport for `handle` failed (RFC 3261 §17.1.1.2, §17.2.4).
    pub fn handle_sip_transport_error(&mut self, now: Instant, handle: &H) {
        self.control.handle_transport_error(now, handle);
        self.drive(now);
    }

    /// Time has passed: SIP retransmissions and timeouts, MSRP transaction timeouts,
    /// subscription expiry. Early calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.control.handle_timeout(now);
        for room in self.rooms.values_mut() {
            room.switch.handle_timeout(now);
        }
        let due: Vec<SubscriptionId> = self
            .subs
            .iter()
            .filter(|(_, s)| s.notifier.poll_timeout().is_some_and(|t| t <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(sub) = self.subs.get_mut(&id) {
                sub.notifier.handle_timeout(now);
            }
            self.drain_notifier(now, id, None);
        }
        self.expire_binds(now);
        self.transfers_timeout(now);
        if let Some(d) = self.deferred.as_mut() {
            if d.poll_timeout().is_some_and(|t| t <= now) {
                d.handle_timeout(now);
            }
        }
        self.drain_deferred(now, None);
        self.presence_timeout(now);
        self.drive(now);
    }

    // --- commands --------------------------------------------------------------------------

    /// Adds a room: the control plane serves its URI, and it gets its own switch, alias
    /// table and conference state.
    ///
    /// # Errors
    /// As [`Control::add_room`].
    pub fn add_room(&mut self, config: RoomConfig) -> Result<RoomId, RoomError> {
        let identity = config.identity.to_string();
        let display = config.display_name.clone();
        let group = config.group_identity.as_ref().map(ToString::to_string);
        let id = self.control.add_room(config)?;
        self.serve_room(id, identity, group, display);
        Ok(id)
    }

    /// The switch, alias table and conference state of a room the control plane knows.
    fn serve_room(
        &mut self,
        id: RoomId,
        identity: String,
        group: Option<String>,
        display: Option<String>,
    ) {
        let mut switch_config =
            SwitchConfig::new(Bytes::from(identity.clone()), (self.id_factory)());
        if let Some(group) = group {
            switch_config.conference_uris.push(Bytes::from(group));
        }
        switch_config.limits = self.switch_limits;
        switch_config.allow_private_messages = self.allow_private_messages;
        let mut state = ConferenceState::new(&identity, self.limits.max_members);
        if display.is_some() {
            state.set_description(Some(crate::conference_info::ConferenceDescription {
                display_text: display,
                ..Default::default()
            }));
        }
        self.rooms.insert(
            id,
            Room {
                identity,
                switch: Switch::new(switch_config),
                aliases: AliasRegistry::new(self.limits.max_members),
                state,
            },
        );
    }

    /// A temporary room is over: its subscriptions end (`noresource`) and it is forgotten.
    fn release_room(&mut self, now: Instant, room: RoomId) {
        self.end_subscriptions(now, room);
        self.rooms.remove(&room);
        if self.cursor == Some(room) {
            self.cursor = None;
        }
        self.events.push_back(FocusEvent::RoomReleased { room });
    }

    /// Ends a room's session: a BYE to every participant (REQ: FOC-6). The room stays and
    /// may be joined again; its subscriptions stay.
    ///
    /// # Errors
    /// As [`Control::end_room`].
    pub fn end_room(&mut self, now: Instant, room: RoomId) -> Result<(), FocusError> {
        let r = self.control.end_room(now, room);
        self.drive(now);
        Ok(r?)
    }

    /// Ends a room ([`Focus::end_room`]), ends its subscriptions (`reason=noresource`) and
    /// forgets it; new INVITEs and SUBSCRIBEs to it get 404.
    ///
    /// # Errors
    /// As [`Control::remove_room`].
    pub fn remove_room(&mut self, now: Instant, room: RoomId) -> Result<(), FocusError> {
        let r = self.control.remove_room(now, room);
        self.drive(now);
        r?;
        self.end_subscriptions(now, room);
        self.rooms.remove(&room);
        if self.cursor == Some(room) {
            self.cursor = None;
        }
        self.drive(now);
        Ok(())
    }

    /// Where the focus's own INVITEs go (REQ: FOC-3), e.g. the SIP/IP core's proxy; see
    /// [`Control::set_outbound_handle`].
    pub fn set_outbound_handle(&mut self, handle: H) {
        self.control.set_outbound_handle(handle);
    }

    /// Removes a participant: a BYE (REQ: FOC-6), then everything [`FocusEvent::Left`]
    /// stands for.
    ///
    /// # Errors
    /// As [`Control::remove_participant`].
    pub fn remove_participant(
        &mut self,
        now: Instant,
        participant: ParticipantId,
    ) -> Result<(), FocusError> {
        let r = self.control.remove_participant(now, participant);
        self.drive(now);
        Ok(r?)
    }

    /// Sends a system message (REQ: SW-9, SW-10) in `room` to one participant, or to all
    /// with `to = None`; see [`Switch::send_system_message`].
    ///
    /// # Errors
    /// [`FocusError::UnknownRoom`]; the switch's refusal.
    pub fn send_system_message(
        &mut self,
        now: Instant,
        room: RoomId,
        to: Option<ParticipantId>,
        service_type: &str,
        content_type: &str,
        body: Bytes,
    ) -> Result<Vec<(ParticipantId, MessageId)>, FocusError> {
        let r = self
            .rooms
            .get_mut(&room)
            .ok_or(FocusError::UnknownRoom(room))?
            .switch
            .send_system_message(now, to, service_type, content_type, body);
        self.drive(now);
        Ok(r?)
    }

    // --- outputs ---------------------------------------------------------------------------

    /// The next thing to send: SIP messages and the focus's own MSRP answers first, then the
    /// rooms' switches, served round-robin (bytes for participants whose connection is not
    /// bound, or not writable, wait in their switch).
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<FocusTransmit<H, C>> {
        if let Some(t) = self.transmit.pop_front() {
            return Some(t);
        }
        let after = match self.cursor {
            Some(c) => Bound::Excluded(c),
            None => Bound::Unbounded,
        };
        let upto = match self.cursor {
            Some(c) => Bound::Included(c),
            None => Bound::Excluded(RoomId(0)),
        };
        let order: Vec<RoomId> = self
            .rooms
            .range((after, Bound::Unbounded))
            .chain(self.rooms.range((Bound::Unbounded, upto)))
            .map(|(id, _)| *id)
            .collect();
        for id in order {
            let Some(room) = self.rooms.get_mut(&id) else {
                continue;
            };
            while let Some((p, bytes, ends)) = room.switch.poll_transmit_framed() {
                // Bytes for a participant without a connection cannot happen (it is not
                // writable until bound); were it to, they are dropped.
                if let Some(conn) = self.participants.get(&p).and_then(|p| p.conn.clone()) {
                    self.cursor = Some(id);
                    // A relay's connection carries several sessions: one frame at a time.
                    self.wrote(&conn, p, ends);
                    return Some(FocusTransmit::Msrp { conn, bytes });
                }
            }
        }
        self.transfers_poll_transmit()
    }

    /// The next MSRP connection the host must open (the focus is the active side).
    #[must_use]
    pub fn poll_connect(&mut self) -> Option<Connect> {
        self.connects.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<FocusEvent<C>> {
        self.events.pop_front()
    }

    /// When to call [`Focus::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let switches = self.rooms.values().filter_map(|r| r.switch.poll_timeout());
        let subs = self.subs.values().filter_map(|s| s.notifier.poll_timeout());
        self.control
            .poll_timeout()
            .into_iter()
            .chain(switches)
            .chain(subs)
            .chain(self.deadlines.first().map(|(t, _)| *t))
            .chain(self.deferred.as_ref().and_then(|d| d.poll_timeout()))
            .chain(self.transfers_poll_timeout())
            .chain(self.presence.as_ref().and_then(|p| p.poll_timeout()))
            .min()
    }

    // --- the children ----------------------------------------------------------------------

    /// Drains the children after an input or command, until nothing more happens: the
    /// control plane's events (joins, leaves, SUBSCRIBE, NOTIFY responses) and the switches'
    /// events (NICKNAME, stalled readers, the rest passed on), then the SIP transmits.
    fn drive(&mut self, now: Instant) {
        loop {
            for p in core::mem::take(&mut self.broken) {
                let _ = self.control.remove_participant(now, p);
            }
            self.start_transfers(now);
            let mut progressed = false;
            while let Some(event) = self.control.poll_event() {
                progressed = true;
                self.on_control_event(now, event);
            }
            let mut switch_events = Vec::new();
            for (id, room) in &mut self.rooms {
                while let Some(e) = room.switch.poll_event() {
                    switch_events.push((*id, e));
                }
            }
            for (room, event) in switch_events {
                progressed = true;
                self.on_switch_event(now, room, event);
            }
            if !progressed {
                break;
            }
        }
        while let Some(t) = self.control.poll_transmit() {
            self.transmit.push_back(FocusTransmit::Sip(Box::new(t)));
        }
    }

    fn on_control_event(&mut self, now: Instant, event: ControlEvent) {
        match event {
            ControlEvent::JoinPending {
                room,
                participant,
                identity,
                from,
                anonymous,
            } => self.on_join_pending(now, room, participant, &identity, &from, anonymous),
            ControlEvent::Joined {
                room,
                participant,
                identity,
                anonymous,
                msrp,
                release,
                private_messages,
                from,
                ..
            } => {
                // A member the focus invited (REQ: FOC-3) joined without a JoinPending: its
                // alias is assigned now, from its display name.
                if self.alias(participant).is_none() {
                    self.assign_member_alias(room, participant, &identity, &from);
                }
                self.on_joined(
                    now,
                    room,
                    participant,
                    identity,
                    anonymous,
                    &msrp,
                    release,
                    private_messages,
                );
            }
            ControlEvent::Confirmed { participant, .. } => self.on_confirmed(participant),
            ControlEvent::RoomCreated {
                room,
                identity,
                group,
                display_name,
            } => {
                let group = group.map(|g| g.to_string());
                self.serve_room(room, identity.to_string(), group, display_name);
                self.events.push_back(FocusEvent::RoomCreated {
                    room,
                    identity: identity.to_string(),
                });
            }
            ControlEvent::RoomReleased { room } => self.release_room(now, room),
            ControlEvent::Left {
                room,
                participant,
                reason,
            } => {
                if !self.on_transfer_left(participant) {
                    self.on_left(now, room, participant, reason);
                }
            }
            ControlEvent::TransferOpened {
                room,
                participant,
                leg,
                msrp,
            } => self.on_transfer_opened(now, room, participant, &leg, &msrp),
            ControlEvent::TransferFailed {
                room,
                participant,
                leg,
                status,
            } => self.on_transfer_failed(room, participant, &leg, status),
            ControlEvent::Rejected { room, status, why } => {
                self.events
                    .push_back(FocusEvent::Rejected { room, status, why });
            }
            ControlEvent::HostRequest { key, request } => {
                if self.pager_request(now, key, &request)
                    || self.deferred_request(now, key, &request)
                {
                    return;
                }
                if *request.method() == simpleim_sip::Method::Bye {
                    // Outside every participant's dialog and every push's (RFC 3261 §15.1.2).
                    self.reply(now, key, &request, 481);
                } else {
                    self.on_subscribe(now, key, &request);
                }
            }
            ControlEvent::HostResponse { key, response } => {
                if self.pager_response_in(now, key, &response)
                    || self.presence_response(now, key, &response)
                    || self.deferred_response(now, key, &response)
                {
                    return;
                }
                if let Some((id, _)) = self.notifies.remove(&key) {
                    if let Some(sub) = self.subs.get_mut(&id) {
                        sub.notifier.handle_response(now, &response);
                    }
                    self.drain_notifier(now, id, None);
                }
            }
            ControlEvent::HostRequestFailed { key, status } => {
                if self.pager_request_failed(now, key, status)
                    || self.presence_request_failed(now, key, status)
                    || self.deferred_request_failed(now, key, status)
                {
                    return;
                }
                if let Some((id, request)) = self.notifies.remove(&key) {
                    if let Some(sub) = self.subs.get_mut(&id) {
                        sub.notifier.handle_request_failed(now, &request);
                    }
                    self.drain_notifier(now, id, None);
                }
            }
        }
    }

    fn on_switch_event(&mut self, now: Instant, room: RoomId, event: SwitchEvent<ParticipantId>) {
        match event {
            SwitchEvent::Unhandled { from, head } => self.on_nickname(now, room, from, &head),
            SwitchEvent::Stalled { participant } => {
                self.drop_connection(participant, CloseReason::Stalled);
                let _ = self.control.remove_participant(now, participant);
            }
            event => {
                // REQ: DEF-3: a routed room message goes into the transcripts.
                match &event {
                    SwitchEvent::Routed {
                        from, message_id, ..
                    } => self.transcribe(now, room, *from, message_id.as_str(), true),
                    SwitchEvent::Refused {
                        from,
                        message_id: Some(message_id),
                        ..
                    } => self.transcribe(now, room, *from, message_id.as_str(), false),
                    _ => {}
                }
                self.events.push_back(FocusEvent::Msrp { room, event });
            }
        }
    }
}
