//! The deferred-messaging service inside the focus (REQ: DEF-1, DEF-2, DEF-3): with
//! [`FocusConfig::deferred`](super::FocusConfig::deferred) set, the focus's control plane
//! hands it MESSAGE and REGISTER (and the BYE of a push's dialog), its requests go through
//! the control's transaction layer, and its pushes' MSRP connections are driven through
//! [`Focus::handle_push_msrp_connected`] and the methods beside it.
//!
//! - The composed focus has no proxy function, so a message for a registered user is
//!   stored and pushed at once ([`OnlineDelivery::StoreAndPush`] is forced).
//! - Give the service an MSRP endpoint of its own (another port than the rooms'), so that
//!   the host knows from the listening socket which connections are pushes.
//! - Stored messages are stamped with the wall-clock time the host gives through
//!   [`Focus::set_wall_clock`] (the focus reads no clock).

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use simpleim_sip::transaction::{ServerKey, TransportHandle};
use simpleim_sip::{Method, Request, Response};

use super::Focus;
use super::event::FocusTransmit;
use crate::deferred::{
    DeferredConfig, DeferredEvent, DeferredStore, DeferredTransmit, OnlineDelivery, PushConnect,
    PushId, Timestamp,
};

/// What [`FocusConfig::deferred`](super::FocusConfig::deferred) takes: the service's
/// configuration and its store.
pub struct DeferredSetup {
    /// The service's configuration.
    pub config: DeferredConfig,
    /// Where messages and transcripts are kept.
    pub store: Box<dyn DeferredStore + Send>,
}

impl fmt::Debug for DeferredSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredSetup")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl DeferredSetup {
    /// The service with `config` and `store`.
    #[must_use]
    pub fn new(mut config: DeferredConfig, store: Box<dyn DeferredStore + Send>) -> Self {
        config.online = OnlineDelivery::StoreAndPush;
        Self { config, store }
    }
}

/// The methods the control plane hands to the service.
pub(super) const DEFERRED_METHODS: [Method; 3] = [Method::Message, Method::Register, Method::Bye];

impl<H, C> Focus<H, C>
where
    H: TransportHandle + Clone,
    C: Clone + Eq + Hash + Ord + fmt::Debug,
{
    /// The wall-clock time at `now` is `at` (for the dates of stored messages and
    /// transcripts, REQ: DEF-1, DEF-3). The focus keeps the pair and counts from it.
    pub fn set_wall_clock(&mut self, now: Instant, at: Timestamp) {
        self.wall_clock = Some((now, at));
    }

    /// The wall-clock time at `now`, from the last [`Focus::set_wall_clock`] (the Unix epoch
    /// plus the time since the first input when never set).
    pub(super) fn wall(&mut self, now: Instant) -> Timestamp {
        let (base, at) = *self
            .wall_clock
            .get_or_insert((now, Timestamp::from_unix_millis(0)));
        let since = now.saturating_duration_since(base).as_millis();
        let since = u64::try_from(since).unwrap_or(u64::MAX);
        Timestamp::from_unix_millis(at.unix_millis().saturating_add(since))
    }

    /// The deferred-messaging service, when configured.
    #[must_use]
    pub fn deferred(
        &self,
    ) -> Option<&crate::deferred::Deferred<H, C, Box<dyn DeferredStore + Send>>> {
        self.deferred.as_ref()
    }

    /// The deferred-messaging service, to change its store (e.g. to flush it at shutdown).
    pub fn deferred_mut(
        &mut self,
    ) -> Option<&mut crate::deferred::Deferred<H, C, Box<dyn DeferredStore + Send>>> {
        self.deferred.as_mut()
    }

    /// A request the control plane handed over that is the service's: MESSAGE, REGISTER,
    /// or a request in a push's dialog. False when it is not (no service, or another
    /// method).
    pub(super) fn deferred_request(
        &mut self,
        now: Instant,
        key: ServerKey,
        request: &Request,
    ) -> bool {
        let at = self.wall(now);
        let Some(d) = self.deferred.as_mut() else {
            return false;
        };
        // A MESSAGE to a room is not a user's (the pager's, when configured: REQ: GRP-1).
        let to_room = matches!(simpleim_sip::Uri::parse(&request.uri_bytes()),
            Ok(simpleim_sip::Uri::Sip(u)) if self.control.room_of(&u).is_some());
        let ours = (matches!(request.method(), Method::Message | Method::Register) && !to_room)
            || d.owns_request(request);
        if !ours {
            return false;
        }
        let Some(handle) = self.control.host_request_handle(key).cloned() else {
            return true;
        };
        d.handle_request(now, at, handle, request);
        self.drain_deferred(now, Some(key));
        true
    }

    /// Moves what the service has to send to the control plane and the host: its answer to
    /// the request under `key`, its own requests and ACKs, MSRP bytes; then its events.
    pub(super) fn drain_deferred(&mut self, now: Instant, key: Option<ServerKey>) {
        let mut out = Vec::new();
        let mut connects = Vec::new();
        let mut events = Vec::new();
        if let Some(d) = self.deferred.as_mut() {
            while let Some(t) = d.poll_transmit() {
                out.push(t);
            }
            while let Some(c) = d.poll_connect() {
                connects.push(c);
            }
            while let Some(e) = d.poll_event() {
                events.push(e);
            }
        }
        for t in out {
            match t {
                DeferredTransmit::Response { response, .. } => {
                    if let Some(key) = key {
                        let _ = self.control.respond(now, key, *response);
                    }
                }
                DeferredTransmit::Request { handle, request } => {
                    if let Ok(k) = self.control.send_request(now, handle, (*request).clone()) {
                        self.deferred_requests.insert(k, *request);
                    }
                }
                DeferredTransmit::Ack { handle, request } => {
                    let _ = self.control.send_ack(now, handle, *request);
                }
                DeferredTransmit::Msrp { conn, bytes } => {
                    self.transmit.push_back(FocusTransmit::Msrp { conn, bytes });
                }
            }
        }
        self.push_connects.extend(connects);
        // REQ: PRES-1: registrations become availability publications.
        self.presence_on_deferred(now, &events);
        self.deferred_events.extend(events);
    }

    /// A response to one of the service's requests (`true` when it was one).
    pub(super) fn deferred_response(
        &mut self,
        now: Instant,
        key: simpleim_sip::transaction::ClientKey,
        response: &Response,
    ) -> bool {
        if !self.deferred_requests.contains_key(&key) {
            return false;
        }
        if response.code() >= 200 {
            self.deferred_requests.remove(&key);
        }
        if let Some(d) = self.deferred.as_mut() {
            d.handle_response(now, response);
        }
        self.drain_deferred(now, None);
        true
    }

    /// One of the service's requests got no response (`true` when it was one).
    pub(super) fn deferred_request_failed(
        &mut self,
        now: Instant,
        key: simpleim_sip::transaction::ClientKey,
        status: u16,
    ) -> bool {
        let Some(request) = self.deferred_requests.remove(&key) else {
            return false;
        };
        if let Some(d) = self.deferred.as_mut() {
            d.handle_request_failed(now, &request, status);
        }
        self.drain_deferred(now, None);
        true
    }

    /// A connection for a push is ready: accepted on the service's MSRP port (`None`), or
    /// opened for a [`Focus::poll_push_connect`] (`Some(push)`).
    pub fn handle_push_msrp_connected(
        &mut self,
        now: Instant,
        conn: C,
        opened_for: Option<PushId>,
    ) {
        if let Some(d) = self.deferred.as_mut() {
            d.handle_msrp_connected(now, conn, opened_for);
        }
        self.drain_deferred(now, None);
        self.drive(now);
    }

    /// Bytes read from a push's connection.
    pub fn handle_push_msrp(&mut self, now: Instant, conn: C, data: &[u8]) {
        if let Some(d) = self.deferred.as_mut() {
            d.handle_msrp(now, conn, data);
        }
        self.drain_deferred(now, None);
        self.drive(now);
    }

    /// A push's connection closed.
    pub fn handle_push_msrp_closed(&mut self, now: Instant, conn: C) {
        if let Some(d) = self.deferred.as_mut() {
            d.handle_msrp_closed(now, conn);
        }
        self.drain_deferred(now, None);
        self.drive(now);
    }

    /// A connection asked for by [`Focus::poll_push_connect`] could not be opened.
    pub fn handle_push_connect_failed(&mut self, now: Instant, push: PushId) {
        if let Some(d) = self.deferred.as_mut() {
            d.handle_msrp_connect_failed(now, push);
        }
        self.drain_deferred(now, None);
        self.drive(now);
    }

    /// The next connection a push asks the host to open (`a=setup:active` for the service).
    #[must_use]
    pub fn poll_push_connect(&mut self) -> Option<PushConnect> {
        self.push_connects.pop_front()
    }

    /// The next event of the deferred-messaging service (stored, registered, delivered,
    /// pushes, connections to close).
    #[must_use]
    pub fn poll_deferred_event(&mut self) -> Option<DeferredEvent<H, C>> {
        self.deferred_events.pop_front()
    }
}

/// A room message held for its transcript until the switch routes it (REQ: DEF-3).
#[derive(Debug)]
pub(super) struct HeldMessage {
    pub(super) participant: crate::control::ParticipantId,
    pub(super) message_id: String,
    pub(super) cpim: bytes::Bytes,
}

/// How many room messages wait for their routing at most (older ones are not transcribed).
const MAX_HELD: usize = 64;

impl<H, C> Focus<H, C>
where
    H: TransportHandle + Clone,
    C: Clone + Eq + Hash + Ord + fmt::Debug,
{
    /// A SEND about to enter a room's switch: when the deferred service keeps transcripts
    /// and the whole message is in this one chunk (`Byte-Range: 1-N/N`), its `message/cpim`
    /// body is held (a `Bytes` clone, no copy) until the switch routes it.
    pub(super) fn hold_for_transcript(
        &mut self,
        participant: crate::control::ParticipantId,
        frame: &simpleim_msrp::Frame,
    ) {
        if self.deferred.is_none() || frame.head.method() != Some(&simpleim_msrp::Method::Send) {
            return;
        }
        let whole = match frame.head.byte_range() {
            Ok(Some(r)) => r.start == 1 && r.total.is_some() && r.end == r.total,
            Ok(None) => true,
            Err(_) => false,
        };
        let cpim = frame.head.content_type().is_some_and(|t| {
            const CPIM: &[u8] = b"message/cpim";
            t.get(..CPIM.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(CPIM))
        });
        let Ok(Some(id)) = frame.head.message_id() else {
            return;
        };
        if !whole || !cpim || frame.flag != simpleim_msrp::Flag::Complete {
            return;
        }
        if self.held.len() >= MAX_HELD {
            self.held.pop_front();
        }
        self.held.push_back(HeldMessage {
            participant,
            message_id: id.to_owned(),
            cpim: frame.body.clone(),
        });
    }

    /// The switch routed (or refused) a message: a held one becomes a transcript entry
    /// (originator and destination from its CPIM From and To, the payload's Content-Type,
    /// the room as the session) or is dropped.
    pub(super) fn transcribe(
        &mut self,
        now: Instant,
        room: crate::control::RoomId,
        participant: crate::control::ParticipantId,
        message_id: &str,
        routed: bool,
    ) {
        let Some(at) = self
            .held
            .iter()
            .position(|h| h.participant == participant && h.message_id == message_id)
        else {
            return;
        };
        let Some(held) = self.held.remove(at) else {
            return;
        };
        if !routed {
            return;
        }
        let Ok(cpim) = simpleim_cpim::CpimMessage::parse(held.cpim) else {
            return;
        };
        let head = cpim.head();
        let originator = head
            .from()
            .and_then(Result::ok)
            .map(|a| String::from_utf8_lossy(a.uri()).into_owned())
            .unwrap_or_default();
        let destination = head
            .to()
            .next()
            .and_then(Result::ok)
            .map(|a| String::from_utf8_lossy(a.uri()).into_owned())
            .unwrap_or_default();
        let content_type = head
            .mime_header("Content-Type")
            .map(|h| String::from_utf8_lossy(h.value()).trim().to_owned())
            .unwrap_or_default();
        let session = self
            .rooms
            .get(&room)
            .map(|r| r.identity.clone())
            .unwrap_or_default();
        let received = self.wall(now);
        let entry = crate::deferred::TranscriptEntry::new(
            originator,
            destination,
            received,
            session,
            content_type,
            cpim.payload(),
        );
        if let Some(d) = self.deferred.as_mut() {
            let _ = d.store_mut().append_transcript(entry);
        }
    }
}
