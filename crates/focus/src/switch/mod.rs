//! The MSRP switch of one room (000 §7.2.3.1–7.2.3.5, REQ: SW-1 to SW-11), as a sans-IO
//! state machine: [`Switch`].
//!
//! The switch is every participant's MSRP peer. It reads the CPIM headers of each message as
//! soon as they have arrived (cut-through, REQ: SW-7), checks the CPIM `From` against the
//! sender's identity (SW-3), and relays the message, body byte for byte and without copying
//! it (SW-6), to everyone else (`To` = the conference, SW-4) or to the participants `To`
//! names (a private message, SW-8). It answers the sender's chunks, absorbs the recipients'
//! responses, and routes REPORTs back to the sender (SW-11). It also writes system messages
//! (SW-9, SW-10).
//!
//! # Driving it
//! The host owns the connections and decodes what each participant sends with a
//! [`simpleim_msrp::Decoder`] (routing a shared connection with a
//! [`simpleim_msrp::Demux`]); it gives every [`Decoded`] item to
//! [`Switch::handle_decoded`] with the participant it came from. After every input, drain
//! in this order: [`Switch::poll_transmit`] (bytes for a participant's connection),
//! [`Switch::poll_event`], then [`Switch::poll_timeout`] (when to call
//! [`Switch::handle_timeout`]).
//!
//! ```
//! use std::time::Instant;
//!
//! use bytes::{Bytes, BytesMut};
//! use simpleim_cpim::{Address, conference_send};
//! use simpleim_focus::switch::{ParticipantMsrp, Switch, SwitchConfig, SwitchEvent};
//! use simpleim_msrp::{ByteRange, Decoded, Decoder, Limits, Method, RequestBuilder, SeededIds};
//!
//! let now = Instant::now(); // the host's clock: time is an input
//! let config = SwitchConfig::new("sip:room@conf.example.com", Box::new(SeededIds::new(7)));
//! let mut switch = Switch::<u32>::new(config);
//! for (id, name) in [(1, "alice"), (2, "bob"), (3, "carol")] {
//!     let local = format!("msrp://focus.example.com:2855/{name}-s;tcp").parse()?;
//!     let remote = format!("msrp://{name}.example.com:7777/s;tcp").parse()?;
//!     switch.add_participant(id, ParticipantMsrp::new(local, remote, format!("sip:{name}@example.com")))?;
//! }
//!
//! // Alice writes to the room (what her connection delivered, decoded by the host).
//! let cpim = conference_send(
//!     Address::uri_only("sip:alice@example.com"),
//!     Address::uri_only("sip:room@conf.example.com"),
//!     "text/plain",
//!     "Hello all",
//! )
//! .build()?;
//! let body = cpim.as_bytes();
//! let mut wire = BytesMut::new();
//! RequestBuilder::new(Method::Send, "t1000".parse()?)
//!     .to_path("msrp://focus.example.com:2855/alice-s;tcp")
//!     .from_path("msrp://alice.example.com:7777/s;tcp")
//!     .message_id("m1000")
//!     .byte_range(ByteRange { start: 1, end: Some(body.len() as u64), total: Some(body.len() as u64) })
//!     .body("message/cpim", body)
//!     .encode(&mut wire)?;
//! let mut decoder = Decoder::new(Limits::default());
//! decoder.push(&wire);
//! while let Some(item) = decoder.poll()? {
//!     switch.handle_decoded(now, 1, item);
//! }
//!
//! // The drain loop, after every input.
//! let mut to_bob = Vec::new();
//! while let Some((participant, bytes)) = switch.poll_transmit() {
//!     if participant == 2 {
//!         to_bob.extend_from_slice(&bytes); // write to Bob's connection
//!     }
//! }
//! while let Some(event) = switch.poll_event() {
//!     if let SwitchEvent::Routed { recipients, .. } = event {
//!         assert_eq!(recipients, [2, 3]);
//!     }
//! }
//! let _timer = switch.poll_timeout(); // call handle_timeout then
//!
//! let mut bob = Decoder::new(Limits::default());
//! bob.push(&to_bob);
//! let Some(Decoded::Frame(frame)) = bob.poll()? else { unreachable!() };
//! assert_eq!(frame.body, body); // byte for byte (REQ: SW-6)
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Design decisions
//! - **Message-ID of a copy**: each copy carries a fresh Message-ID from the configured
//!   generator; a bounded map (REQ: SW-11, [`SwitchLimits::max_tracked`]) leads from it back
//!   to the sender, the sender's Message-ID and its report modes. Keeping the original would
//!   let two senders' equal Message-IDs mix their reports, and let a sender choose the
//!   identifier a recipient's reports are matched by. Transaction identifiers are fresh too;
//!   Byte-Range start and total are kept, its end is `*` (a copy may be interrupted).
//! - **Back-pressure**: [`Switch::set_writable`] says whether a participant's connection
//!   takes bytes now; [`Switch::poll_transmit`] skips one that does not. Its queue is bounded
//!   ([`SwitchLimits::max_queued_bytes`]): the copy that would pass the bound is aborted with
//!   `#` and the sender gets a failure REPORT (408); the other recipients are not slowed.
//!   Past the bound plus [`SwitchLimits::control_slack`] the participant is stalled.
//! - **Cut-through**: chunks are held (shared `Bytes`, no copy) only until the CPIM headers
//!   are complete; the routing decision then replays them and every later piece is queued
//!   for every copy the moment it arrives. A chunk is answered (200) when it has been wholly
//!   queued; chunks held before the decision are answered after it (403 for a refusal:
//!   nothing of the message is ever relayed then).
//! - **Fairness**: [`Switch::poll_transmit`] serves the participants round-robin, one piece
//!   each; on one connection, pieces of different messages alternate by interruption
//!   (`+`), never by waiting for a message to end.
//! - **Private messages** (REQ: SW-8): `To` naming someone not in the room, a policy that
//!   forbids them, or a recipient without an IM release version refuse the whole SEND with
//!   403. The policy is checked for the sender, in the switch: the room-wide
//!   [`SwitchConfig::allow_private_messages`] (the operator's policy) and the per-participant
//!   [`ParticipantMsrp::may_send_private`] (the group's `<allow-private-message>` for its
//!   identity, which the composed focus sets at join from
//!   [`RoomPolicy::allows_private_messages`](crate::control::RoomPolicy::allows_private_messages)).
//!   Keeping it per participant in the switch, rather than filtering in the host, means the
//!   refusal is decided with the rest of the routing, before anything is relayed. A `To`
//!   reaches participants by URI (RFC 3261 §19.1.4 user comparison); when its URI names no
//!   one, its formal name reaches the participant whose alias equals it under the alias
//!   normalization ([`NormalizedAlias`](crate::alias::NormalizedAlias), NFC and lowercase: the
//!   key under which nicknames are unique, REQ: CHAT-1), so `"BOB"` and `"bob"` both reach
//!   `Bob`. IMDN and is-composing bodies (REQ: CHAT-1) go where `To` says whatever the
//!   private-message policy, but their `From` is checked like any other (REQ: SW-3).
//! - **Failure-Report: no** (RFC 4975 §7.1.2) means no response at all, not even a 403: the
//!   refusal is then only a [`SwitchEvent::Refused`].
//! - Chunks of one message must arrive in order until its CPIM headers are complete (400
//!   otherwise); after that, any order. A message ends at its `$` or `#` chunk.
//! - Requests other than SEND and REPORT: NICKNAME goes to the host as
//!   [`SwitchEvent::Unhandled`] (the control plane answers it); others get 501.

mod address;
mod config;
mod event;
mod host;
mod inbound;
mod peer;
mod relay;
mod reports;
mod send;
mod system;
mod track;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::Bytes;
use simpleim_msrp::{Decoded, IdGenerator, Method};

pub use config::{ParticipantMsrp, SwitchConfig, SwitchLimits};
pub use event::{MessageKind, RefuseReason, SkipReason, SwitchError, SwitchEvent};

use inbound::{InChunk, Inbound};
use peer::{CopyKey, Peer};
use track::Tracks;

/// The MSRP switch of one room, generic over the host's participant key `P`.
///
/// Methods, as quinn-proto groups them:
/// - **participants**: [`Switch::add_participant`], [`Switch::remove_participant`],
///   [`Switch::set_writable`], [`Switch::participant`];
/// - **inputs**: [`Switch::handle_decoded`], [`Switch::handle_timeout`];
/// - **commands**: [`Switch::send_system_message`];
/// - **outputs**, drained in this order after every input: [`Switch::poll_transmit`],
///   [`Switch::poll_event`], [`Switch::poll_timeout`].
///
/// See the [module documentation](self) for a full run and the design decisions.
pub struct Switch<P> {
    conference_uris: Vec<Bytes>,
    allow_private: bool,
    limits: SwitchLimits,
    ids: Box<dyn IdGenerator>,
    peers: BTreeMap<P, Peer<P>>,
    ready: VecDeque<P>,
    events: VecDeque<SwitchEvent<P>>,
    inbound: BTreeMap<CopyKey<P>, Inbound<P>>,
    streaming: BTreeMap<P, InChunk>,
    tracks: Tracks<P>,
}

impl<P: fmt::Debug> fmt::Debug for Switch<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Switch")
            .field("conference_uris", &self.conference_uris)
            .field("participants", &self.peers.keys().collect::<Vec<_>>())
            .field("messages_in_progress", &self.inbound.len())
            .field("tracked", &self.tracks.len())
            .finish_non_exhaustive()
    }
}

impl<P: Copy + Eq + Ord + Hash + fmt::Debug> Switch<P> {
    /// An empty room.
    #[must_use]
    pub fn new(config: SwitchConfig) -> Self {
        Self {
            conference_uris: config.conference_uris,
            allow_private: config.allow_private_messages,
            tracks: Tracks::new(config.limits.max_tracked),
            limits: config.limits,
            ids: config.ids,
            peers: BTreeMap::new(),
            ready: VecDeque::new(),
            events: VecDeque::new(),
            inbound: BTreeMap::new(),
            streaming: BTreeMap::new(),
        }
    }

    // --- participants ----------------------------------------------------------------------

    /// A participant joined: its MSRP session and identity (REQ: SW-2).
    ///
    /// # Errors
    /// [`SwitchError::DuplicateParticipant`], [`SwitchError::TooManyParticipants`].
    pub fn add_participant(&mut self, key: P, info: ParticipantMsrp) -> Result<(), SwitchError> {
        if self.peers.contains_key(&key) {
            return Err(SwitchError::DuplicateParticipant);
        }
        if self.peers.len() >= self.limits.max_participants {
            return Err(SwitchError::TooManyParticipants);
        }
        self.peers.insert(key, Peer::new(info));
        Ok(())
    }

    /// The session and identity of a participant.
    #[must_use]
    pub fn participant(&self, key: P) -> Option<&ParticipantMsrp> {
        self.peers.get(&key).map(|p| &p.info)
    }

    /// How many participants are in the room.
    #[must_use]
    pub fn participant_count(&self) -> usize {
        self.peers.len()
    }

    /// A participant left: what was queued for it is dropped; the copies it was receiving
    /// fail (failure REPORT 481 to their senders); the messages it was sending are aborted
    /// (`#`) at their recipients. Returns false when it was not in the room.
    pub fn remove_participant(&mut self, key: P) -> bool {
        if self.peers.remove(&key).is_none() {
            return false;
        }
        self.streaming.remove(&key);
        self.abort_messages_from(key);
        self.fail_copies_to(key, 481, SkipReason::Left);
        self.refresh_ready();
        true
    }

    /// Whether the participant's connection takes bytes now (default true). While false,
    /// [`Switch::poll_transmit`] keeps its bytes queued, up to the bounds of
    /// [`SwitchLimits`].
    pub fn set_writable(&mut self, key: P, writable: bool) {
        if let Some(p) = self.peers.get_mut(&key) {
            p.writable = writable;
        }
        self.refresh_ready();
    }

    /// Bytes queued for a participant.
    #[must_use]
    pub fn queued_bytes(&self, key: P) -> usize {
        self.peers.get(&key).map_or(0, |p| p.queued)
    }

    // --- inputs ----------------------------------------------------------------------------

    /// Something decoded from `from`'s connection (and routed to its session): a whole
    /// frame, the head of a streamed request, or a piece of its body. Unknown participants
    /// are ignored.
    pub fn handle_decoded(&mut self, now: Instant, from: P, item: Decoded) {
        if !self.peers.contains_key(&from) {
            return;
        }
        match item {
            Decoded::Frame(frame) => {
                self.on_head(now, from, &frame.head);
                self.on_body(now, from, frame.body, true, Some(frame.flag));
            }
            Decoded::Head(head) => self.on_head(now, from, &head),
            Decoded::Body(part) => self.on_body(now, from, part.data, part.last, part.flag),
        }
        self.refresh_ready();
    }

    fn on_head(&mut self, now: Instant, from: P, head: &simpleim_msrp::FrameHead) {
        // A chunk left unfinished (the host fed a new head first) ends as aborted.
        if let Some(chunk) = self.streaming.remove(&from) {
            if let Some(m) = chunk.message {
                self.end_in_chunk(now, from, m, chunk.tid, simpleim_msrp::Flag::Aborted);
            }
        }
        if head.is_response() {
            self.on_response(from, head);
            return;
        }
        match head.method() {
            Some(Method::Send) => self.on_send_head(now, from, head),
            Some(Method::Report) => self.on_report(from, head),
            Some(Method::Nickname) => self.events.push_back(SwitchEvent::Unhandled {
                from,
                head: Box::new(head.clone()),
            }),
            _ => self.respond(
                from,
                head.transaction_id(),
                501,
                simpleim_msrp::ReportMode::Yes,
            ),
        }
    }

    /// Time has passed: relayed chunks without a response count as failed (408), idle
    /// messages are dropped. Early calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.expire(now);
        self.refresh_ready();
    }

    // --- outputs ---------------------------------------------------------------------------

    /// The next bytes to write to a participant's connection. Several calls may make up one
    /// frame (head, body pieces shared with the sender's buffer, end-line); write them in
    /// order. Participants are served round-robin.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<(P, Bytes)> {
        self.poll_transmit_framed().map(|(p, b, _)| (p, b))
    }

    /// As [`Switch::poll_transmit`], with whether the bytes end a frame: until they do, the
    /// participant's connection is in the middle of one of its frames, and a host that
    /// carries several participants' sessions on one connection (an MSRP relay's, RFC 4976)
    /// must not write another's bytes there ([`Switch::set_writable`] holds them).
    #[must_use]
    pub fn poll_transmit_framed(&mut self) -> Option<(P, Bytes, bool)> {
        while let Some(key) = self.ready.pop_front() {
            let Some(peer) = self.peers.get_mut(&key) else {
                continue;
            };
            peer.in_ready = false;
            if !peer.writable {
                continue;
            }
            let Some((bytes, ends)) = peer.pop() else {
                continue;
            };
            if peer.has_output() {
                peer.in_ready = true;
                self.ready.push_back(key);
            }
            return Some((key, bytes, ends));
        }
        None
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<SwitchEvent<P>> {
        self.events.pop_front()
    }

    /// When to call [`Switch::handle_timeout`].
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let responses = self
            .peers
            .values()
            .flat_map(|p| p.outstanding.values().map(|(_, d)| *d));
        let idle = self
            .inbound
            .values()
            .map(|m| m.last_activity + self.limits.inbound_idle_timeout);
        responses.chain(idle).min()
    }

    /// Queues the participants that have output and can take it; stalls those whose queue
    /// passed every bound (REQ: SEC-2).
    fn refresh_ready(&mut self) {
        let hard = self
            .limits
            .max_queued_bytes
            .saturating_add(self.limits.control_slack);
        let mut stalled = Vec::new();
        for (key, peer) in &mut self.peers {
            if !peer.stalled && peer.queued > hard {
                peer.stall();
                stalled.push(*key);
            }
            if !peer.in_ready && peer.writable && peer.has_output() {
                peer.in_ready = true;
                self.ready.push_back(*key);
            }
        }
        for key in stalled {
            self.events
                .push_back(SwitchEvent::Stalled { participant: key });
            self.fail_copies_to(key, 408, SkipReason::QueueFull);
        }
    }
}
