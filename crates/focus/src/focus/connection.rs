//! MSRP connections: decoding, binding a connection to its participant by the To-Path of its
//! first request, bodiless SENDs (RFC 4975 §5.4), 481 for unknown sessions (§7.3), and what
//! the host tells about connections (connected, closed, writable).

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use simpleim_msrp::{
    ByteRange, Decoded, Decoder, FrameHead, Method, Path, ReportMode, RequestBuilder,
    ResponseBuilder, TransactionId,
};
use simpleim_sip::transaction::TransportHandle;

use super::event::{CloseReason, FocusEvent, FocusTransmit};
use super::{Focus, Pending};
use crate::control::ParticipantId;

/// One MSRP connection.
pub(super) struct Connection {
    decoder: Decoder,
    /// The participants whose sessions it carries, once a request named them: one, or
    /// several room participants behind an MSRP relay (RFC 4975 §5.4, RFC 4976), which
    /// reaches the focus for all its clients on one connection. A transfer leg has its
    /// connection to itself.
    pub(super) bound: Vec<ParticipantId>,
    /// On a shared connection, the participant whose frame is being written: the others'
    /// bytes wait in their switch until its frame ends.
    pub(super) writer: Option<ParticipantId>,
    /// The participant the body parts being streamed belong to (`None`: dropped).
    current: Option<ParticipantId>,
    /// Whether the host's connection takes bytes now.
    pub(super) writable: bool,
}

impl<H, C> Focus<H, C>
where
    H: TransportHandle + Clone,
    C: Clone + Eq + Hash + Ord + fmt::Debug,
{
    /// An MSRP connection is ready: accepted from a participant (`opened_for: None`), or
    /// opened by the host for a [`Connect`](super::Connect) (`Some(participant)`: it is bound
    /// to that participant at once, and the focus sends a bodiless SEND on it, RFC 4975
    /// §5.4). Beyond [`FocusLimits::max_connections`](super::FocusLimits) the connection is
    /// refused with [`FocusEvent::CloseConnection`].
    pub fn handle_msrp_connected(
        &mut self,
        now: Instant,
        conn: C,
        opened_for: Option<ParticipantId>,
    ) {
        if !self.connections.contains_key(&conn)
            && self.connections.len() >= self.limits.max_connections
        {
            self.events.push_back(FocusEvent::CloseConnection {
                conn,
                reason: CloseReason::TooManyConnections,
            });
            return;
        }
        if !self.connections.contains_key(&conn) {
            self.connections.insert(
                conn.clone(),
                Connection {
                    decoder: Decoder::new(self.msrp_limits),
                    bound: Vec::new(),
                    writer: None,
                    current: None,
                    writable: true,
                },
            );
            self.deadlines.insert((
                now + self.limits.bind_timeout,
                Pending::Connection(conn.clone()),
            ));
        }
        if let Some(p) = opened_for {
            let free = self.participants.get(&p).is_some_and(|x| x.conn.is_none());
            // A transfer leg's session opens the connection with its file (RFC 4975 §5.4).
            if free && self.bind(&conn, p) && !self.is_transfer(p) {
                self.send_bodiless(p);
            }
        }
        self.drive(now);
    }

    /// A [`Connect`](super::Connect) failed: the participant cannot be reached and is removed
    /// (BYE, REQ: FOC-6).
    pub fn handle_msrp_connect_failed(&mut self, now: Instant, participant: ParticipantId) {
        if self
            .participants
            .get(&participant)
            .is_some_and(|p| p.conn.is_none())
        {
            let _ = self.control.remove_participant(now, participant);
        }
        self.drive(now);
    }

    /// Bytes read from an MSRP connection. Each request is routed by the first URI of its
    /// To-Path to the participant the focus gave that URI; the connection's first request
    /// binds it. Requests for no session here (or for another participant than the bound one)
    /// get 481; a bodiless SEND gets 200 and goes no further; everything else goes to the
    /// room's switch. A framing error closes the connection
    /// ([`CloseReason::ProtocolError`]) and removes its participant. Bytes on a connection
    /// the focus does not know (never connected, or handed back) are ignored.
    pub fn handle_msrp(&mut self, now: Instant, conn: C, data: &[u8]) {
        let Some(c) = self.connections.get_mut(&conn) else {
            return;
        };
        c.decoder.push(data);
        while let Some(polled) = self.connections.get_mut(&conn).map(|c| c.decoder.poll()) {
            match polled {
                Ok(Some(item)) => self.on_decoded(now, &conn, item),
                Ok(None) => break,
                Err(_) => {
                    let bound = self
                        .connections
                        .get(&conn)
                        .map(|c| c.bound.clone())
                        .unwrap_or_default();
                    self.forget_connection(&conn, CloseReason::ProtocolError);
                    for p in bound {
                        let _ = self.control.remove_participant(now, p);
                    }
                    break;
                }
            }
        }
        self.drive(now);
    }

    /// An MSRP connection closed. Its participant, if any, is removed with a BYE (REQ:
    /// FOC-6): an MSRP session does not outlive its connection here (RFC 4975 §5.4 leaves
    /// reconnecting to a new SDP exchange).
    pub fn handle_msrp_closed(&mut self, now: Instant, conn: C) {
        let Some(c) = self.connections.remove(&conn) else {
            return;
        };
        self.forget_early(&conn);
        for p in c.bound {
            if let Some(x) = self.participants.get_mut(&p) {
                x.conn = None;
            }
            let _ = self.control.remove_participant(now, p);
        }
        self.drive(now);
    }

    /// Whether the host's connection takes bytes now (back-pressure, default true): while
    /// false, the switch keeps its participant's bytes queued, within its bounds (REQ:
    /// SEC-2).
    pub fn set_msrp_writable(&mut self, conn: &C, writable: bool) {
        let Some(c) = self.connections.get_mut(conn) else {
            return;
        };
        c.writable = writable;
        self.refresh_writable(conn);
    }

    // --- internals -------------------------------------------------------------------------

    /// Closes the connections and removes the participants still unbound at their deadline
    /// (REQ: SEC-2, FOC-6).
    pub(super) fn expire_binds(&mut self, now: Instant) {
        while let Some((at, _)) = self.deadlines.first() {
            if *at > now {
                break;
            }
            let Some((_, pending)) = self.deadlines.pop_first() else {
                break;
            };
            match pending {
                Pending::Connection(conn) => {
                    if self
                        .connections
                        .get(&conn)
                        .is_some_and(|c| c.bound.is_empty())
                    {
                        self.forget_connection(&conn, CloseReason::BindTimeout);
                    }
                }
                Pending::Participant(p) => {
                    if self.participants.get(&p).is_some_and(|x| x.conn.is_none()) {
                        let _ = self.control.remove_participant(now, p);
                    }
                }
                Pending::Transfer(leg) => self.expire_transfer(now, leg),
            }
        }
    }

    fn on_decoded(&mut self, now: Instant, conn: &C, item: Decoded) {
        // Everything on a transfer leg's connection is its session's (RFC 5547).
        let first = self.first_bound(conn);
        if let Some(leg) = first.filter(|b| self.is_transfer(*b)) {
            self.transfer_decoded(now, leg, item);
            return;
        }
        if let Some(leg) = first.filter(|b| self.is_offered(*b)) {
            self.hold_early(conn, leg, item);
            return;
        }
        let head = match &item {
            Decoded::Frame(f) => Some(&f.head),
            Decoded::Head(h) => Some(h),
            Decoded::Body(_) => None,
        };
        let Some(head) = head else {
            let current = self.connections.get(conn).and_then(|c| c.current);
            if let Some(p) = current {
                self.forward(now, p, item);
            }
            return;
        };
        if let Some(c) = self.connections.get_mut(conn) {
            c.current = None;
        }
        let target = self.route(head);
        if head.is_response() {
            let Some(p) = target.filter(|p| self.carries(conn, *p)) else {
                return; // a response for nothing of ours on this connection
            };
            let ours = self
                .participants
                .get_mut(&p)
                .and_then(|x| x.bind_tid.take_if(|t| *t == head.transaction_id()));
            if ours.is_none() {
                self.forward(now, p, item);
            }
            return;
        }
        if let (Some(leg), None) = (target.filter(|t| self.is_offered(*t)), first) {
            let head = head.clone();
            if !self.hold_early(conn, leg, item) {
                self.answer(conn, first, &head, 481);
            }
            return;
        }
        let p = match target {
            Some(p) if self.carries(conn, p) => p,
            // A session not bound yet: its first request binds it here, beside the sessions
            // already here when they are all room participants (a relay's connection).
            Some(p)
                if self.participants.get(&p).is_some_and(|x| x.conn.is_none())
                    && self.bind(conn, p) =>
            {
                p
            }
            // RFC 4975 §7.3: the To-Path must name a session associated with this connection.
            _ => {
                let answer_to = target.filter(|p| self.carries(conn, *p)).or(first);
                self.answer(conn, answer_to, head, 481);
                return;
            }
        };
        if self.is_transfer(p) {
            self.transfer_decoded(now, p, item);
            return;
        }
        let bodiless = matches!(&item, Decoded::Frame(f)
            if f.head.method() == Some(&Method::Send)
                && f.body.is_empty()
                && f.head.content_type().is_none());
        if bodiless {
            // RFC 4975 §5.4: a SEND without body opens (binds) the connection; nothing to relay.
            self.answer(conn, Some(p), head, 200);
            return;
        }
        if let Some(c) = self.connections.get_mut(conn) {
            c.current = Some(p);
        }
        self.forward(now, p, item);
    }

    /// The participant a frame is for: the first URI of its To-Path, as the focus gave it.
    fn route(&self, head: &FrameHead) -> Option<ParticipantId> {
        let to = head.header_bytes("To-Path")?;
        let path = Path::parse(to).ok()?;
        self.demux.route(path.first()).copied()
    }

    fn forward(&mut self, now: Instant, p: ParticipantId, item: Decoded) {
        let Some(room) = self.participants.get(&p).map(|x| x.room) else {
            return;
        };
        if let Decoded::Frame(f) = &item {
            self.hold_for_transcript(p, f);
        }
        if let Some(r) = self.rooms.get_mut(&room) {
            r.switch.handle_decoded(now, p, item);
        }
    }

    /// Answers a request with `code` (unless its Failure-Report forbids it, RFC 4975
    /// §7.1.2): through the switch when the connection is bound (between relayed frames),
    /// else directly.
    fn answer(&mut self, conn: &C, bound: Option<ParticipantId>, head: &FrameHead, code: u16) {
        let failure = head
            .failure_report()
            .ok()
            .flatten()
            .unwrap_or(ReportMode::Yes);
        if failure == ReportMode::No || (failure == ReportMode::Partial && code == 200) {
            return;
        }
        let mut out = BytesMut::new();
        if ResponseBuilder::for_request(head, code)
            .encode(&mut out)
            .is_err()
        {
            return;
        }
        self.write(conn, bound, out.freeze());
    }

    fn write(&mut self, conn: &C, bound: Option<ParticipantId>, bytes: Bytes) {
        let room = bound.and_then(|p| self.participants.get(&p).map(|x| (p, x.room)));
        match room.and_then(|(p, r)| self.rooms.get_mut(&r).map(|r| (p, r))) {
            Some((p, r)) => {
                let _ = r.switch.push_frame(p, bytes);
            }
            None => self.transmit.push_back(FocusTransmit::Msrp {
                conn: conn.clone(),
                bytes,
            }),
        }
    }

    /// Binds `conn` to `p`: the switch may write to it now. A connection carries one
    /// transfer leg, or any number of room participants.
    fn bind(&mut self, conn: &C, p: ParticipantId) -> bool {
        let is_leg = |b: ParticipantId| self.is_transfer(b) || self.is_offered(b);
        // A leg's connection is its own: it is alone, or comes first.
        let refused = self
            .first_bound(conn)
            .is_some_and(|first| is_leg(p) || is_leg(first));
        let Some(c) = self.connections.get_mut(conn).filter(|_| !refused) else {
            return false;
        };
        let Some(x) = self.participants.get_mut(&p) else {
            return false;
        };
        x.conn = Some(conn.clone());
        c.bound.push(p);
        self.refresh_writable(conn);
        true
    }

    /// The first participant `conn` carries (its only one, for a transfer leg).
    fn first_bound(&self, conn: &C) -> Option<ParticipantId> {
        self.connections.get(conn)?.bound.first().copied()
    }

    /// Whether `conn` carries `p`'s session.
    fn carries(&self, conn: &C, p: ParticipantId) -> bool {
        self.connections
            .get(conn)
            .is_some_and(|c| c.bound.contains(&p))
    }

    /// Tells each switch whether its participants on `conn` may write: the connection is
    /// writable, and no other participant is in the middle of a frame there.
    pub(super) fn refresh_writable(&mut self, conn: &C) {
        let Some(c) = self.connections.get(conn) else {
            return;
        };
        let states: Vec<(ParticipantId, bool)> = c
            .bound
            .iter()
            .map(|p| (*p, c.writable && c.writer.is_none_or(|w| w == *p)))
            .collect();
        for (p, writable) in states {
            self.set_switch_writable(p, writable);
        }
    }

    /// `p`'s switch wrote `ends`-marked bytes to `conn`: on a shared connection, a frame
    /// begun holds the others, a frame ended releases them.
    pub(super) fn wrote(&mut self, conn: &C, p: ParticipantId, ends: bool) {
        let Some(c) = self.connections.get_mut(conn) else {
            return;
        };
        if c.bound.len() < 2 {
            c.writer = None;
            return;
        }
        let before = c.writer;
        c.writer = if ends { None } else { Some(p) };
        if before != c.writer {
            self.refresh_writable(conn);
        }
    }

    fn set_switch_writable(&mut self, p: ParticipantId, writable: bool) {
        let Some(room) = self.participants.get(&p).map(|x| x.room) else {
            return;
        };
        if let Some(r) = self.rooms.get_mut(&room) {
            r.switch.set_writable(p, writable);
        }
    }

    /// The bodiless SEND the active side sends first (RFC 4975 §5.4).
    fn send_bodiless(&mut self, p: ParticipantId) {
        let tid: TransactionId = self.ids.transaction_id();
        let message_id = self.ids.message_id();
        let Some(x) = self.participants.get_mut(&p) else {
            return;
        };
        let mut out = BytesMut::new();
        let written = RequestBuilder::new(Method::Send, tid)
            .to_path(x.remote.as_str())
            .from_path(x.local.as_str())
            .message_id(message_id.as_str())
            .byte_range(ByteRange {
                start: 1,
                end: Some(0),
                total: Some(0),
            })
            .encode(&mut out)
            .is_ok();
        if !written {
            return;
        }
        x.bind_tid = Some(tid);
        let room = x.room;
        if let Some(r) = self.rooms.get_mut(&room) {
            let _ = r.switch.push_frame(p, out.freeze());
        }
    }

    /// The participant is gone or failing: hand its connection back to the host, unless
    /// other sessions use it (a relay's): then only `p` leaves it, and when `p` was in the
    /// middle of a frame there the stream is broken for all, so it closes and the others
    /// are removed too.
    pub(super) fn drop_connection(&mut self, p: ParticipantId, reason: CloseReason) {
        let Some(conn) = self.participants.get_mut(&p).and_then(|x| x.conn.take()) else {
            return;
        };
        let Some(c) = self.connections.get_mut(&conn) else {
            return;
        };
        c.bound.retain(|b| *b != p);
        if c.bound.is_empty() {
            self.forget_connection(&conn, reason);
            return;
        }
        if c.writer == Some(p) {
            let others = c.bound.clone();
            self.forget_connection(&conn, CloseReason::ProtocolError);
            self.broken.extend(others);
        } else {
            self.refresh_writable(&conn);
        }
    }

    pub(super) fn forget_connection(&mut self, conn: &C, reason: CloseReason) {
        if let Some(c) = self.connections.remove(conn) {
            for p in c.bound {
                if let Some(x) = self.participants.get_mut(&p) {
                    x.conn = None;
                }
                self.set_switch_writable(p, false);
            }
            self.events.push_back(FocusEvent::CloseConnection {
                conn: conn.clone(),
                reason,
            });
        }
    }
}
