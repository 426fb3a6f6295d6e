//! The MSRP connections of pushes: accepted or opened by the parent, bound to a push by the
//! To-Path of their first request (RFC 4975 §5.4, §7.3) or by the parent's [`PushConnect`],
//! decoded here and fed to the push's [`Session`](simpleim_msrp::Session).
//!
//! [`PushConnect`]: super::PushConnect

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::BytesMut;
use simpleim_msrp::{Decoded, Decoder, FrameHead, Path, ReportMode, ResponseBuilder};

use super::Deferred;
use super::event::{ConnectionCloseReason, DeferredEvent, DeferredTransmit, PushEnd, PushId};
use super::push::State;
use super::store::DeferredStore;

/// One MSRP connection.
pub(super) struct Connection {
    decoder: Decoder,
    /// The push whose session it carries, once bound.
    push: Option<PushId>,
    /// When an unbound connection is given up.
    pub(super) deadline: Option<Instant>,
}

impl<H, C, S> Deferred<H, C, S>
where
    H: Clone + fmt::Debug,
    C: Clone + Eq + Hash + fmt::Debug,
    S: DeferredStore,
{
    /// An MSRP connection is up: accepted from a client (`opened_for: None`: its first
    /// request's To-Path names the push), or opened by the parent for a [`PushConnect`]
    /// (`Some(push)`: bound at once, and the stored messages start to flow). Beyond
    /// [`DeferredLimits::max_connections`](super::DeferredLimits), or for a push that does not
    /// wait for it, the connection is handed back ([`DeferredEvent::CloseConnection`]).
    ///
    /// [`PushConnect`]: super::PushConnect
    pub fn handle_msrp_connected(&mut self, now: Instant, conn: C, opened_for: Option<PushId>) {
        if !self.connections.contains_key(&conn) {
            if self.connections.len() >= self.config.limits.max_connections {
                self.events.push_back(DeferredEvent::CloseConnection {
                    conn,
                    reason: ConnectionCloseReason::TooManyConnections,
                });
                return;
            }
            self.connections.insert(
                conn.clone(),
                Connection {
                    decoder: Decoder::new(self.config.limits.msrp),
                    push: None,
                    deadline: now.checked_add(self.config.bind_timeout),
                },
            );
        }
        let Some(push) = opened_for else {
            return;
        };
        if self.awaits_connection(push, true) && self.bind(&conn, push) {
            self.drive_push(now, push);
        } else if self
            .connections
            .get(&conn)
            .is_some_and(|c| c.push.is_none())
        {
            self.forget_connection(&conn, ConnectionCloseReason::Unused);
        }
    }

    /// The parent could not open the connection of a [`PushConnect`](super::PushConnect):
    /// the push ends ([`PushEnd::ConnectFailed`]).
    pub fn handle_msrp_connect_failed(&mut self, now: Instant, push: PushId) {
        if self.awaits_connection(push, true) {
            self.end_push(now, push, PushEnd::ConnectFailed);
        }
    }

    /// Bytes read from an MSRP connection. On an unbound connection the first request binds
    /// it to the push whose URI its To-Path names (others get 481, RFC 4975 §7.3); on a bound
    /// one everything goes to the push's session. A framing error hands the connection back
    /// ([`ConnectionCloseReason::ProtocolError`]) and ends its push. Bytes for a connection
    /// the service does not know are ignored.
    pub fn handle_msrp(&mut self, now: Instant, conn: C, data: &[u8]) {
        let Some(c) = self.connections.get_mut(&conn) else {
            return;
        };
        c.decoder.push(data);
        loop {
            let Some(polled) = self.connections.get_mut(&conn).map(|c| c.decoder.poll()) else {
                break;
            };
            match polled {
                Ok(Some(item)) => self.on_decoded(now, &conn, item),
                Ok(None) => break,
                Err(_) => {
                    let bound = self.connections.get(&conn).and_then(|c| c.push);
                    self.forget_connection(&conn, ConnectionCloseReason::ProtocolError);
                    if let Some(push) = bound {
                        if let Some(p) = self.pushes.get_mut(&push) {
                            p.conn = None;
                        }
                        self.end_push(now, push, PushEnd::ConnectionLost);
                    }
                    return;
                }
            }
        }
        if let Some(push) = self.connections.get(&conn).and_then(|c| c.push) {
            self.drive_push(now, push);
        }
    }

    /// An MSRP connection closed: its push ends ([`PushEnd::ConnectionLost`]); the
    /// messages not yet acknowledged stay stored.
    pub fn handle_msrp_closed(&mut self, now: Instant, conn: C) {
        let Some(c) = self.connections.remove(&conn) else {
            return;
        };
        if let Some(push) = c.push {
            if let Some(p) = self.pushes.get_mut(&push) {
                p.conn = None;
            }
            self.end_push(now, push, PushEnd::ConnectionLost);
        }
    }

    // --- internals -------------------------------------------------------------------------

    /// Whether `push` waits for its connection, opened by the parent (`active`) or by the
    /// client.
    fn awaits_connection(&self, push: PushId, active: bool) -> bool {
        self.pushes.get(&push).is_some_and(|p| {
            p.state == State::Connecting
                && p.conn.is_none()
                && p.session.is_some()
                && p.active == active
        })
    }

    fn bind(&mut self, conn: &C, push: PushId) -> bool {
        let Some(c) = self.connections.get_mut(conn) else {
            return false;
        };
        if c.push.is_some() {
            return false;
        }
        let Some(p) = self.pushes.get_mut(&push) else {
            return false;
        };
        c.push = Some(push);
        c.deadline = None;
        p.conn = Some(conn.clone());
        p.state = State::Sending;
        p.deadline = None;
        true
    }

    fn on_decoded(&mut self, now: Instant, conn: &C, item: Decoded) {
        let bound = self.connections.get(conn).and_then(|c| c.push);
        let push = match bound {
            Some(push) => push,
            None => {
                let head = match &item {
                    Decoded::Frame(f) => &f.head,
                    Decoded::Head(h) => h,
                    // The rest of a request refused below.
                    Decoded::Body(_) => return,
                };
                if head.is_response() {
                    return;
                }
                let target = route(&self.demux, head).filter(|p| self.awaits_connection(*p, false));
                match target {
                    Some(push) if self.bind(conn, push) => push,
                    _ => {
                        self.answer(conn, head, 481);
                        return;
                    }
                }
            }
        };
        if let Some(session) = self.pushes.get_mut(&push).and_then(|p| p.session.as_mut()) {
            session.handle_decoded(now, item);
        }
    }

    /// Answers a request on an unbound connection (unless its Failure-Report forbids it,
    /// RFC 4975 §7.1.2).
    fn answer(&mut self, conn: &C, head: &FrameHead, code: u16) {
        let failure = head
            .failure_report()
            .ok()
            .flatten()
            .unwrap_or(ReportMode::Yes);
        if failure == ReportMode::No {
            return;
        }
        let mut out = BytesMut::new();
        if ResponseBuilder::for_request(head, code)
            .encode(&mut out)
            .is_ok()
        {
            self.transmit.push_back(DeferredTransmit::Msrp {
                conn: conn.clone(),
                bytes: out.freeze(),
            });
        }
    }

    /// Hands a connection back to the parent.
    fn forget_connection(&mut self, conn: &C, reason: ConnectionCloseReason) {
        if self.connections.remove(conn).is_some() {
            self.events.push_back(DeferredEvent::CloseConnection {
                conn: conn.clone(),
                reason,
            });
        }
    }

    /// Unbound connections past their deadline are handed back.
    pub(super) fn expire_connections(&mut self, now: Instant) {
        let due: Vec<C> = self
            .connections
            .iter()
            .filter(|(_, c)| c.push.is_none() && c.deadline.is_some_and(|t| t <= now))
            .map(|(conn, _)| conn.clone())
            .collect();
        for conn in due {
            self.forget_connection(&conn, ConnectionCloseReason::BindTimeout);
        }
    }
}

/// The push a request is for: the first URI of its To-Path.
fn route(demux: &simpleim_msrp::Demux<PushId>, head: &FrameHead) -> Option<PushId> {
    let to = head.header_bytes("To-Path")?;
    let path = Path::parse(to).ok()?;
    demux.route(path.first()).copied()
}
