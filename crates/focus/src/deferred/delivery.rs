//! The MSRP side of a push (REQ: DEF-2; seed 004 App. H steps 8-9): stored messages handed
//! to the push's [`Session`](simpleim_msrp::Session) a window at a time, each taken from
//! the store only once its SEND got its 200, so that a push broken anywhere loses nothing
//! and delivers nothing twice.

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use simpleim_msrp::{MessageId, SendError, SendOptions};

use super::Deferred;
use super::encap::encapsulate;
use super::event::{DeferredEvent, DeferredTransmit, PushEnd, PushId, SkipReason};
use super::push::State;
use super::store::DeferredStore;

impl<H, C, S> Deferred<H, C, S>
where
    H: Clone + fmt::Debug,
    C: Clone + Eq + Hash + fmt::Debug,
    S: DeferredStore,
{
    /// Runs a push's MSRP session after an input: its bytes out, its events (a 200 takes the
    /// message from the store), more messages in while the window allows, and the end when
    /// everything is delivered.
    pub(super) fn drive_push(&mut self, now: Instant, id: PushId) {
        loop {
            let Some(p) = self.pushes.get_mut(&id) else {
                return;
            };
            if p.state != State::Sending {
                return;
            }
            let (Some(session), Some(conn)) = (p.session.as_mut(), p.conn.clone()) else {
                return;
            };
            while let Some(bytes) = session.poll_transmit() {
                self.transmit.push_back(DeferredTransmit::Msrp {
                    conn: conn.clone(),
                    bytes,
                });
            }
            let mut end = None;
            let mut confirmed = Vec::new();
            while let Some(event) = session.poll_event() {
                match event {
                    simpleim_msrp::Event::Sent { message_id } => confirmed.push(message_id),
                    simpleim_msrp::Event::SendFailed { status, .. } => {
                        end = Some(PushEnd::SendFailed {
                            status: status.code,
                        });
                    }
                    simpleim_msrp::Event::Closed { .. } => {
                        end = end.or(Some(PushEnd::ConnectionLost));
                    }
                    simpleim_msrp::Event::NicknameRequest { tid, .. } => {
                        let _ = session.respond(tid, 403, None);
                    }
                    _ => {}
                }
            }
            for message_id in confirmed {
                self.confirm(id, message_id);
            }
            if let Some(end) = end {
                self.end_push(now, id, end);
                return;
            }
            match self.fill(now, id) {
                Fill::Queued => {}
                Fill::Idle => return,
                Fill::Done(end) => {
                    self.end_push(now, id, end);
                    return;
                }
            }
        }
    }

    /// A SEND got its 200: the message leaves the store (REQ: DEF-2: nothing is lost and
    /// nothing delivered twice).
    fn confirm(&mut self, id: PushId, message_id: MessageId) {
        let Some(p) = self.pushes.get_mut(&id) else {
            return;
        };
        let Some(at) = p.in_flight.iter().position(|(m, _)| *m == message_id) else {
            return;
        };
        let Some((_, stored)) = p.in_flight.remove(at) else {
            return;
        };
        p.delivered = p.delivered.saturating_add(1);
        let user = p.user.clone();
        match self.store.take(stored) {
            Ok(_) => self.events.push_back(DeferredEvent::Delivered {
                push: id,
                user,
                id: stored,
            }),
            Err(error) => self
                .events
                .push_back(DeferredEvent::TakeFailed { id: stored, error }),
        }
    }

    /// Hands stored messages to the session while the window has room.
    fn fill(&mut self, now: Instant, id: PushId) -> Fill {
        let how = self.config.encapsulation;
        let window = self.config.limits.max_in_flight;
        let mut queued = false;
        loop {
            let Some(p) = self.pushes.get_mut(&id) else {
                return Fill::Idle;
            };
            let room = window.saturating_sub(p.in_flight.len());
            if room == 0 {
                break;
            }
            let list = match self.store.list(&p.user, p.cursor, room) {
                Ok(list) => list,
                Err(_) => return Fill::Done(PushEnd::StoreFailed),
            };
            if list.is_empty() {
                break;
            }
            for m in list {
                let previous = p.cursor.replace(m.id);
                let Some(session) = p.session.as_mut() else {
                    return Fill::Idle;
                };
                let Some((content_type, body)) = encapsulate(&m.message, how) else {
                    self.events.push_back(DeferredEvent::Skipped {
                        push: id,
                        id: m.id,
                        reason: SkipReason::Encapsulation,
                    });
                    continue;
                };
                let options = SendOptions::new().message_id(m.message.message_id);
                match session.send_message(now, content_type, body, options) {
                    Ok(message_id) => {
                        p.in_flight.push_back((message_id, m.id));
                        queued = true;
                    }
                    Err(e) => {
                        let reason = match e {
                            SendError::TooLarge { size, max } => SkipReason::TooLarge { size, max },
                            SendError::DuplicateMessageId(_) => SkipReason::DuplicateMessageId,
                            SendError::Closed => return Fill::Done(PushEnd::ConnectionLost),
                            SendError::QueueFull { .. } => {
                                // Not before the window is full; this one goes later.
                                p.cursor = previous;
                                return if queued { Fill::Queued } else { Fill::Idle };
                            }
                            _ => SkipReason::Encapsulation,
                        };
                        self.events.push_back(DeferredEvent::Skipped {
                            push: id,
                            id: m.id,
                            reason,
                        });
                    }
                }
            }
        }
        let done = self.pushes.get(&id).is_some_and(|p| p.in_flight.is_empty());
        if done {
            Fill::Done(PushEnd::Completed)
        } else if queued {
            Fill::Queued
        } else {
            Fill::Idle
        }
    }
}

/// What [`Deferred::fill`] did.
enum Fill {
    /// Messages went to the session.
    Queued,
    /// Nothing new (the window is full, or nothing is left while some are in flight).
    Idle,
    /// The push is over.
    Done(PushEnd),
}
