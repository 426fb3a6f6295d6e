//! File transfers through a room (RFC 5547; REQ: SDP-2): the MSRP half. The SIP half, the
//! transfer legs and their checks, is the control plane's
//! ([`control::files`](crate::control::FileTransferConfig)).
//!
//! Each transfer leg has its own MSRP [`Session`]: the connection its first request names
//! (or the one the focus opens, when the participant answered `a=setup:passive`) is bound
//! to the leg as to a participant, and every frame on it goes to the leg's session, which
//! answers, reassembles and chunks.
//!
//! - **Inbound**: the sender's SEND is reassembled within
//!   [`FileTransferConfig::max_file_size`](crate::control::FileTransferConfig) (413
//!   beyond). Once whole and as long as its selector said (when it gave a size), the file is
//!   offered to every other participant of the room ([`Control::offer_file`], From the
//!   room with the sender's alias as display name) and [`FocusEvent::FileReceived`] says
//!   to how many. The sender ends its leg with BYE; a leg still there
//!   [`FocusLimits::bind_timeout`](super::FocusLimits) after its file arrived is ended by
//!   the focus.
//! - **Outbound**: once the recipient's leg is bound, the file goes in one message with
//!   `Failure-Report: yes`, the same [`Bytes`] for every recipient (chunks are slices of
//!   it, never copies of the file). When every chunk is acknowledged the recipient has it
//!   ([`FocusEvent::FileDelivered`]) and the focus ends the leg with BYE; a failure gives
//!   [`FocusEvent::FileFailed`] and the BYE too.
//!
//! Outbound sessions are served after the rooms' switches in
//! [`Focus::poll_transmit`](super::Focus::poll_transmit), and only while their connection
//! is writable: a file waits in its shared buffer, not in the transmit queue.

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::Bytes;
use simpleim_msrp::{
    AbortReason, Decoded, Event, MatchMode, Path, ReportMode, SendOptions, Session, SessionConfig,
};
use simpleim_sdp::attr::FileSelector;
use simpleim_sip::transaction::TransportHandle;

use super::event::{FocusEvent, FocusTransmit};
use super::participants::Participant;
use super::{Focus, Pending};
use crate::control::{MsrpSession, ParticipantId, RoomId, TransferLeg};

/// Body bytes per chunk of a file the focus sends: large chunks, interrupted for responses
/// (RFC 4975 §7.1.1 recommends "as few chunks as possible").
const FILE_CHUNK: u64 = 256 * 1024;

/// One transfer leg's MSRP side.
pub(super) struct Transfer {
    room: RoomId,
    /// The sender of the file (the leg's own participant when inbound).
    sender: ParticipantId,
    /// The recipient, on an outbound leg.
    recipient: Option<ParticipantId>,
    selector: FileSelector,
    session: Session,
    /// The file to send once the leg is bound (outbound), with its Content-Type.
    to_send: Option<(String, Bytes)>,
    /// Whether the file has arrived whole (inbound) or been acknowledged (outbound).
    done: bool,
}

/// A file offered to a recipient, until its leg opens.
pub(super) struct Offered<C> {
    sender: ParticipantId,
    content_type: String,
    body: Bytes,
    /// The focus's URI in the offer (in the demux from the offer on).
    local: simpleim_msrp::MsrpUri,
    /// A connection the recipient opened before its 2xx arrived, and what came on it.
    early: Option<(C, Vec<Decoded>)>,
}

/// The most frames (or pieces) kept from a connection opened before its leg's 2xx: a
/// bodiless SEND is one.
const MAX_EARLY: usize = 8;

impl<H, C> Focus<H, C>
where
    H: TransportHandle + Clone,
    C: Clone + Eq + Hash + Ord + fmt::Debug,
{
    /// Whether `p` is a transfer leg.
    pub(super) fn is_transfer(&self, p: ParticipantId) -> bool {
        self.transfers.contains_key(&p)
    }

    /// The control plane opened a transfer leg: its session, its demux entry, its bind
    /// deadline.
    pub(super) fn on_transfer_opened(
        &mut self,
        now: Instant,
        room: RoomId,
        leg_id: ParticipantId,
        leg: &TransferLeg,
        msrp: &MsrpSession,
    ) {
        let offered = if leg.inbound {
            None
        } else {
            match self.offered.remove(&leg_id) {
                Some(o) => {
                    self.demux.remove(&o.local);
                    Some(o)
                }
                // Nothing to send (the focus forgot it): end the leg.
                None => {
                    let _ = self.control.remove_participant(now, leg_id);
                    return;
                }
            }
        };
        let Ok(remote) = Path::parse_str(&msrp.remote_path.to_string()) else {
            let _ = self.control.remove_participant(now, leg_id);
            return;
        };
        let mode = if msrp.cema {
            MatchMode::SessionId
        } else {
            MatchMode::FullUri
        };
        if self.demux.insert(msrp.local.clone(), mode, leg_id).is_err() {
            let _ = self.control.remove_participant(now, leg_id);
            return;
        }
        let mut config =
            SessionConfig::new(msrp.local.clone(), remote.clone(), (self.id_factory)());
        config.match_mode = mode;
        config.accept_types = vec!["*".to_owned()];
        config.chunk_size = FILE_CHUNK;
        config.piece_size = 16 * 1024;
        config.remote_max_size = msrp.max_size;
        let max = self
            .control
            .config()
            .file_transfer
            .unwrap_or_default()
            .max_file_size;
        config.max_message_size = max;
        config.reassembly.max_messages = 1;
        config.reassembly.max_buffered_bytes = max;
        let identity = self
            .participants
            .get(&leg.peer)
            .map(|p| p.identity.clone())
            .or_else(|| self.control.remote_target(leg_id).cloned());
        let Some(identity) = identity else {
            self.demux.remove(&msrp.local);
            let _ = self.control.remove_participant(now, leg_id);
            return;
        };
        self.participants.insert(
            leg_id,
            Participant {
                room,
                identity,
                local: msrp.local.clone(),
                connect_to: msrp.focus_connects.then(|| remote.first().clone()),
                remote,
                conn: None,
                bind_tid: None,
            },
        );
        self.deadlines
            .insert((now + self.limits.bind_timeout, Pending::Participant(leg_id)));
        let (sender, recipient, to_send, early) = match offered {
            Some(o) => (
                o.sender,
                Some(leg.peer),
                Some((o.content_type, o.body)),
                o.early,
            ),
            None => (leg.peer, None, None, None),
        };
        self.transfers.insert(
            leg_id,
            Transfer {
                room,
                sender,
                recipient,
                selector: leg.selector.clone(),
                session: Session::new(config),
                to_send,
                done: false,
            },
        );
        // The connection the recipient opened early is the leg's now, with what came on it.
        if let Some((conn, items)) = early {
            if let Some(p) = self.participants.get_mut(&leg_id) {
                p.conn = Some(conn);
            }
            for item in items {
                self.transfer_decoded(now, leg_id, item);
            }
        }
    }

    /// The early connection of an offered leg closed: the leg waits for another.
    pub(super) fn forget_early(&mut self, conn: &C) {
        for o in self.offered.values_mut() {
            if o.early.as_ref().is_some_and(|(c, _)| c == conn) {
                o.early = None;
            }
        }
    }

    /// Whether `leg` is offered and waits for its 2xx.
    pub(super) fn is_offered(&self, leg: ParticipantId) -> bool {
        self.offered.contains_key(&leg)
    }

    /// A frame on a connection the recipient of an offered leg opened before its 2xx
    /// reached the focus (RFC 4975 §5.4 lets the answerer connect as soon as it answers):
    /// kept for the leg's session, within [`MAX_EARLY`]; beyond, the connection is closed.
    /// Returns false when the connection cannot be the leg's (another one was first).
    pub(super) fn hold_early(&mut self, conn: &C, leg: ParticipantId, item: Decoded) -> bool {
        let Some(o) = self.offered.get_mut(&leg) else {
            return false;
        };
        match &mut o.early {
            None => {
                o.early = Some((conn.clone(), vec![item]));
                if let Some(c) = self.connections.get_mut(conn) {
                    c.bound = vec![leg];
                }
                true
            }
            Some((c, items)) if c == conn => {
                if items.len() < MAX_EARLY {
                    items.push(item);
                } else {
                    o.early = None;
                    self.forget_connection(conn, super::CloseReason::ProtocolError);
                }
                true
            }
            Some(_) => false,
        }
    }

    /// An outbound leg was not established.
    pub(super) fn on_transfer_failed(
        &mut self,
        room: RoomId,
        leg_id: ParticipantId,
        leg: &TransferLeg,
        status: u16,
    ) {
        if let Some(o) = self.offered.remove(&leg_id) {
            self.demux.remove(&o.local);
            if let Some((conn, _)) = o.early {
                self.forget_connection(&conn, super::CloseReason::Unused);
            }
            self.events.push_back(FocusEvent::FileFailed {
                room,
                from: o.sender,
                to: Some(leg.peer),
                status,
            });
        }
    }

    /// A frame (or a piece of one) on a transfer leg's connection.
    pub(super) fn transfer_decoded(&mut self, now: Instant, leg: ParticipantId, item: Decoded) {
        if let Some(t) = self.transfers.get_mut(&leg) {
            t.session.handle_decoded(now, item);
        }
        self.drain_transfer(now, leg);
    }

    /// Starts the files of outbound legs that are bound now.
    pub(super) fn start_transfers(&mut self, now: Instant) {
        let ready: Vec<ParticipantId> = self
            .transfers
            .iter()
            .filter(|(p, t)| {
                t.to_send.is_some() && self.participants.get(p).is_some_and(|x| x.conn.is_some())
            })
            .map(|(p, _)| *p)
            .collect();
        for leg in ready {
            let Some(t) = self.transfers.get_mut(&leg) else {
                continue;
            };
            let Some((content_type, body)) = t.to_send.take() else {
                continue;
            };
            let options = SendOptions::new()
                .failure_report(ReportMode::Yes)
                .success_report(false);
            if t.session
                .send_message(now, &content_type, body, options)
                .is_err()
            {
                self.finish(now, leg, Some(500), true);
            }
        }
    }

    /// Time for the transfer sessions (transaction timeouts, reassembly expiry).
    pub(super) fn transfers_timeout(&mut self, now: Instant) {
        let due: Vec<ParticipantId> = self
            .transfers
            .iter()
            .filter(|(_, t)| t.session.poll_timeout().is_some_and(|at| at <= now))
            .map(|(p, _)| *p)
            .collect();
        for leg in due {
            if let Some(t) = self.transfers.get_mut(&leg) {
                t.session.handle_timeout(now);
            }
            self.drain_transfer(now, leg);
        }
    }

    /// The earliest deadline of the transfer sessions.
    pub(super) fn transfers_poll_timeout(&self) -> Option<Instant> {
        self.transfers
            .values()
            .filter_map(|t| t.session.poll_timeout())
            .min()
    }

    /// The next bytes of a transfer session whose connection is bound and writable.
    pub(super) fn transfers_poll_transmit(&mut self) -> Option<FocusTransmit<H, C>> {
        for (leg, t) in &mut self.transfers {
            let Some(conn) = self.participants.get(leg).and_then(|x| x.conn.clone()) else {
                continue;
            };
            if !self.connections.get(&conn).is_some_and(|c| c.writable) {
                continue;
            }
            if let Some(bytes) = t.session.poll_transmit() {
                return Some(FocusTransmit::Msrp { conn, bytes });
            }
        }
        None
    }

    /// What a transfer session has to say.
    fn drain_transfer(&mut self, now: Instant, leg: ParticipantId) {
        while let Some(event) = self
            .transfers
            .get_mut(&leg)
            .and_then(|t| t.session.poll_event())
        {
            // Only an inbound leg receives a file; a message from a recipient is ignored.
            let inbound = self
                .transfers
                .get(&leg)
                .is_some_and(|t| t.recipient.is_none());
            match event {
                Event::Message { body, .. } if inbound => self.on_file_arrived(now, leg, body),
                Event::MessageAborted { reason, .. } if inbound => {
                    let status = match reason {
                        AbortReason::Refused { status } => status,
                        AbortReason::Timeout => 408,
                        _ => 499,
                    };
                    // The sender ends its leg: its session still answers (a 413, ...).
                    self.finish(now, leg, Some(status), false);
                }
                Event::Sent { .. } => self.finish(now, leg, None, true),
                Event::SendFailed { status, .. } => {
                    self.finish(now, leg, Some(status.code), true);
                }
                Event::Closed { .. } => self.finish(now, leg, Some(500), true),
                _ => {}
            }
        }
    }

    /// An inbound leg's file is whole: offer it to the room's other participants.
    fn on_file_arrived(&mut self, now: Instant, leg: ParticipantId, body: Bytes) {
        let Some(t) = self.transfers.get_mut(&leg).filter(|t| !t.done) else {
            return; // one file per leg
        };
        let (room, sender) = (t.room, t.sender);
        let selector = t.selector.clone();
        let size = u64::try_from(body.len()).unwrap_or(u64::MAX);
        // The file a selector sized is that size (RFC 5547 §5: the size "of the file").
        if selector.size().is_some_and(|s| s != size) {
            self.finish(now, leg, Some(400), false);
            return;
        }
        t.done = true;
        let content_type = selector
            .media_type()
            .map_or_else(|| "application/octet-stream".to_owned(), |t| t.to_string());
        let display = self
            .alias(sender)
            .and_then(|a| a.display_name().map(str::to_owned));
        let recipients: Vec<ParticipantId> = self
            .control
            .participants(room)
            .iter()
            .copied()
            .filter(|p| *p != sender)
            .collect();
        let mut offered = 0usize;
        for to in recipients {
            let Ok((leg_id, local)) =
                self.control
                    .offer_file(now, room, to, &selector, display.as_deref())
            else {
                continue;
            };
            offered += 1;
            // Early connections are routed by the URI of the offer.
            let _ = self.demux.insert(local.clone(), MatchMode::FullUri, leg_id);
            self.offered.insert(
                leg_id,
                Offered {
                    sender,
                    content_type: content_type.clone(),
                    body: body.clone(),
                    local,
                    early: None,
                },
            );
        }
        self.events.push_back(FocusEvent::FileReceived {
            room,
            from: sender,
            name: selector
                .name()
                .map(|n| String::from_utf8_lossy(&n).into_owned()),
            size,
            recipients: offered,
        });
        self.linger(now, leg);
    }

    /// The leg's file is through: the sender has until the bind timeout to end it.
    fn linger(&mut self, now: Instant, leg: ParticipantId) {
        self.deadlines
            .insert((now + self.limits.bind_timeout, Pending::Transfer(leg)));
    }

    /// A leg's transfer is over, once: `failure` is `None` when an outbound leg's file was
    /// acknowledged ([`FocusEvent::FileDelivered`]), else the status of
    /// [`FocusEvent::FileFailed`]. The focus ends the leg with a BYE (`bye`), or leaves it
    /// to the sender until the bind timeout.
    fn finish(&mut self, now: Instant, leg: ParticipantId, failure: Option<u16>, bye: bool) {
        let Some(t) = self.transfers.get_mut(&leg).filter(|t| !t.done) else {
            return;
        };
        t.done = true;
        let (room, from, to) = (t.room, t.sender, t.recipient);
        match (failure, to) {
            (None, Some(to)) => self
                .events
                .push_back(FocusEvent::FileDelivered { room, from, to }),
            (Some(status), to) => self.events.push_back(FocusEvent::FileFailed {
                room,
                from,
                to,
                status,
            }),
            (None, None) => {}
        }
        if bye {
            let _ = self.control.remove_participant(now, leg);
        } else {
            self.linger(now, leg);
        }
    }

    /// A leg's time is up (its file arrived a bind timeout ago): the focus ends it.
    pub(super) fn expire_transfer(&mut self, now: Instant, leg: ParticipantId) {
        if self.transfers.contains_key(&leg) {
            let _ = self.control.remove_participant(now, leg);
        }
    }

    /// A transfer leg left (its BYE, or the focus's): forget its session and connection.
    /// Returns false when `leg` is not a transfer leg.
    pub(super) fn on_transfer_left(&mut self, leg: ParticipantId) -> bool {
        if let Some(o) = self.offered.remove(&leg) {
            self.demux.remove(&o.local);
        }
        let Some(mut t) = self.transfers.remove(&leg) else {
            return false;
        };
        if !t.done {
            t.session.close();
            let event = FocusEvent::FileFailed {
                room: t.room,
                from: t.sender,
                to: t.recipient,
                status: 487,
            };
            self.events.push_back(event);
        }
        self.drop_connection(leg, super::CloseReason::Unused);
        if let Some(p) = self.participants.remove(&leg) {
            self.demux.remove(&p.local);
        }
        true
    }
}
