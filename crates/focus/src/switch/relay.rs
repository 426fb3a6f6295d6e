//! Body pieces of SENDs: holding them until the CPIM headers are complete, the routing
//! decision (000 §7.2.3.3 steps 1–3, §7.2.3.4; REQ: SW-3, SW-4, SW-5, SW-8), and relaying
//! each piece to every copy as it arrives (REQ: SW-6, SW-7).

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use simpleim_cpim::{Address, CpimHead, Status as CpimStatus};
use simpleim_msrp::{Flag, MessageId};
use smallvec::SmallVec;

use super::Switch;
use super::address::{accepts, is_notification, same_user};
use super::event::{MessageKind, RefuseReason, SkipReason, SwitchEvent};
use super::inbound::{CopyState, Phase};
use super::peer::{CopyKey, has_dashes};
use super::send::{CopyHead, abort_at, end_copy, write_copy};
use super::track::Track;
use crate::alias::NormalizedAlias;

/// A recipient that will not get (all of) a copy: who, the status and why.
type Failures<P> = SmallVec<[(P, u16, SkipReason); 2]>;

impl<P: Copy + Eq + Ord + Hash + fmt::Debug> Switch<P> {
    /// A piece of the body of `from`'s current chunk.
    pub(super) fn on_body(
        &mut self,
        now: Instant,
        from: P,
        data: Bytes,
        last: bool,
        flag: Option<Flag>,
    ) {
        let Some(chunk) = self.streaming.get_mut(&from) else {
            return;
        };
        let pos = chunk.start.saturating_add(chunk.received);
        chunk.received = chunk.received.saturating_add(data.len() as u64);
        let chunk = *chunk;
        if last {
            self.streaming.remove(&from);
        }
        let Some(id) = chunk.message else {
            return;
        };
        let key = (from, id);
        let end = pos.saturating_add(data.len() as u64).saturating_sub(1);
        if end > self.limits.max_message_bytes {
            // REQ: SEC-2 — a message larger than announced, or with no total, stops here.
            if let Some(f) = self.inbound.get(&key).map(|m| m.failure) {
                self.respond(from, chunk.tid, 413, f);
            }
            self.refuse_message(key, 413, RefuseReason::TooLarge);
            self.streaming.remove(&from);
            return;
        }
        let Some(msg) = self.inbound.get_mut(&key) else {
            return;
        };
        msg.last_activity = now;
        let max_held = self.limits.max_held_bytes;
        match &mut msg.phase {
            Phase::Refused(_) => {}
            Phase::Undecided {
                parser,
                prefix,
                held,
                chunks,
            } => {
                let first = *held == 0;
                *held = held.saturating_add(data.len() as u64);
                if let Some(c) = chunks.last_mut() {
                    if !data.is_empty() {
                        c.pieces.push(data.clone());
                    }
                    if last {
                        c.end = flag;
                    }
                }
                // The parser wants the whole prefix in one buffer: the first piece as it
                // is, later ones appended to a copy of at most `max_held` bytes.
                let parsed = if first {
                    parser.parse_bytes(&data)
                } else {
                    // Only the head matters to the parser: the copy stops at `max_held`.
                    let append = |prefix: &mut BytesMut, p: &[u8]| {
                        let room = max_held.saturating_sub(prefix.len());
                        prefix.extend_from_slice(p.get(..room.min(p.len())).unwrap_or_default());
                    };
                    if prefix.is_empty() {
                        // Every piece held so far, this one included.
                        for p in chunks.iter().flat_map(|c| c.pieces.iter()) {
                            append(prefix, p);
                        }
                    } else {
                        append(prefix, &data);
                    }
                    parser.parse(prefix)
                };
                let over = (*held as usize) > max_held;
                match parsed {
                    Ok(CpimStatus::Complete((head, _))) => self.decide(now, key, &head),
                    Ok(CpimStatus::Partial) if over => {
                        self.refuse_message(key, 413, RefuseReason::TooLarge);
                    }
                    Ok(CpimStatus::Partial) if last && flag != Some(Flag::Continued) => {
                        self.refuse_message(key, 400, RefuseReason::MalformedCpim);
                    }
                    Ok(CpimStatus::Partial) => {}
                    Err(e) => {
                        let code = if e.kind == simpleim_cpim::ErrorKind::TooLarge {
                            413
                        } else {
                            400
                        };
                        self.refuse_message(key, code, RefuseReason::MalformedCpim);
                    }
                }
            }
            Phase::Relaying => {
                self.relay_piece(now, key, pos, &data);
                if let Some(f) = flag.filter(|_| last) {
                    self.end_in_chunk(now, from, id, chunk.tid, f);
                }
            }
        }
        if last {
            // A refused message whose last chunk has come is forgotten.
            let done = flag != Some(Flag::Continued);
            if done
                && self
                    .inbound
                    .get(&key)
                    .is_some_and(|m| matches!(m.phase, Phase::Refused(_)))
            {
                self.inbound.remove(&key);
            }
        }
    }

    /// The routing decision, once the CPIM headers are in.
    fn decide(&mut self, now: Instant, key: CopyKey<P>, cpim: &CpimHead) {
        let (sender, id) = key;
        let Some(identity) = self.peers.get(&sender).map(|p| p.info.identity.clone()) else {
            return;
        };
        // REQ: SW-3 — 000 §7.2.3.3 step 1.
        let from_ok = matches!(cpim.from(), Some(Ok(a)) if same_user(a.uri(), &identity));
        if !from_ok {
            self.refuse_message(key, 403, RefuseReason::SpoofedFrom);
            return;
        }
        let Ok(tos) = cpim.to().collect::<Result<Vec<Address>, _>>() else {
            self.refuse_message(key, 400, RefuseReason::MalformedCpim);
            return;
        };
        if tos.is_empty() {
            self.refuse_message(key, 403, RefuseReason::NoRecipient);
            return;
        }
        let inner = cpim.content_type().unwrap_or(b"text/plain");
        let notification = is_notification(inner);
        let route = if tos.iter().any(|a| self.is_conference(a.uri())) {
            // REQ: SW-4 — 000 §7.2.3.3 step 2.
            let all = self
                .peers
                .iter()
                .filter(|(k, p)| **k != sender && !p.stalled)
                .map(|(k, _)| *k)
                .collect();
            Ok((MessageKind::Conference, all))
        } else {
            self.private_targets(sender, &tos, notification)
        };
        let (kind, targets): (MessageKind, Vec<P>) = match route {
            Ok(r) => r,
            Err(reason) => {
                self.refuse_message(key, 403, reason);
                return;
            }
        };
        let Some(msg) = self.inbound.get_mut(&key) else {
            return;
        };
        msg.kind = kind;
        let mut failures: Failures<P> = SmallVec::new();
        let mut recipients = Vec::with_capacity(targets.len());
        for to in targets {
            let Some(peer) = self.peers.get(&to) else {
                continue;
            };
            // REQ: SW-5 — 000 §7.2.3.3 step 2a.
            if let (Some(max), Some(total)) = (peer.info.max_size, msg.total) {
                if total > max {
                    failures.push((to, 413, SkipReason::MaxSize));
                    continue;
                }
            }
            // REQ: SW-1 — what the recipient said it accepts.
            if !accepts(&peer.info.accept_types, b"message/cpim")
                || !accepts(&peer.info.accept_wrapped_types, inner)
            {
                failures.push((to, 415, SkipReason::NotAccepted));
                continue;
            }
            let relayed = self.ids.message_id();
            self.tracks.insert(
                relayed,
                Track {
                    sender,
                    original: id,
                    recipient: to,
                    success: msg.success,
                    failure: msg.failure,
                    total: msg.total,
                    failed: false,
                },
            );
            msg.copies.push(CopyState {
                to,
                relayed,
                next: 1,
                started: false,
                failed: false,
            });
            recipients.push(to);
        }
        let old = std::mem::replace(&mut msg.phase, Phase::Relaying);
        self.events.push_back(SwitchEvent::Routed {
            from: sender,
            message_id: id,
            kind,
            recipients,
        });
        for (to, status, reason) in failures {
            self.copy_failed(key, to, status, reason);
        }
        // Replay what was held; the chunk in progress goes on as it arrives.
        if let Phase::Undecided { chunks, .. } = old {
            for c in chunks {
                let mut pos = c.start;
                for piece in &c.pieces {
                    self.relay_piece(now, key, pos, piece);
                    pos = pos.saturating_add(piece.len() as u64);
                }
                if let Some(flag) = c.end {
                    self.end_in_chunk(now, sender, id, c.tid, flag);
                }
            }
        }
    }

    /// Whether `uri` names the conference (REQ: SW-4: the session or group identity,
    /// with or without `conf=isfocus`).
    fn is_conference(&self, uri: &[u8]) -> bool {
        self.conference_uris.iter().any(|c| same_user(c, uri))
    }

    /// The recipients of a private message (REQ: SW-8, 000 §7.2.3.4), or why it is refused.
    fn private_targets(
        &self,
        sender: P,
        tos: &[Address],
        notification: bool,
    ) -> Result<(MessageKind, Vec<P>), RefuseReason> {
        // REQ: SW-8 a — the room-wide switch, then the group's `<allow-private-message>` for
        // this sender; REQ: CHAT-1 — IMDN and is-composing are never refused by the policy.
        let sender_may = self
            .peers
            .get(&sender)
            .is_some_and(|p| p.info.may_send_private);
        let allowed = self.allow_private && sender_may;
        if !notification && !allowed {
            return Err(RefuseReason::PrivateNotAllowed);
        }
        let mut targets = Vec::new();
        for to in tos {
            let by_uri: Vec<P> = self
                .peers
                .iter()
                .filter(|(k, p)| **k != sender && same_user(&p.info.identity, to.uri()))
                .map(|(k, _)| *k)
                .collect();
            let found = if by_uri.is_empty() {
                // REQ: CHAT-1 — a nickname is compared under the normalization that keeps
                // nicknames unique (`crate::alias::NormalizedAlias`); a formal name that is not
                // UTF-8 names no one.
                let wanted = to
                    .formal_name()
                    .and_then(|n| std::str::from_utf8(n).ok())
                    .map(NormalizedAlias::new);
                match wanted {
                    Some(key) => self
                        .peers
                        .iter()
                        .filter(|(k, p)| **k != sender && p.alias_is(&key))
                        .map(|(k, _)| *k)
                        .collect(),
                    None => Vec::new(),
                }
            } else {
                by_uri
            };
            // Naming oneself is not naming a stranger: only a name that matches nobody
            // refuses the message.
            let names_self = self
                .peers
                .get(&sender)
                .is_some_and(|p| same_user(&p.info.identity, to.uri()));
            if found.is_empty() && !names_self {
                return Err(RefuseReason::NoSuchParticipant);
            }
            targets.extend(found);
        }
        targets.sort_unstable();
        targets.dedup();
        let capable = targets.iter().all(|t| {
            self.peers
                .get(t)
                .is_some_and(|p| p.info.private_messages_ok)
        });
        if !notification && !capable {
            return Err(RefuseReason::RecipientCannotTakePrivate);
        }
        Ok((MessageKind::Private, targets))
    }

    /// Queues `data` (byte `pos` on) for every live copy of the message (REQ: SW-6, SW-7),
    /// within each recipient's bounds (REQ: SW-5, SEC-2).
    pub(super) fn relay_piece(&mut self, now: Instant, key: CopyKey<P>, pos: u64, data: &Bytes) {
        let Some(msg) = self.inbound.get_mut(&key) else {
            return;
        };
        let head = CopyHead {
            total: msg.total,
            success: msg.success,
            failure: msg.failure,
        };
        let end = pos.saturating_add(data.len() as u64).saturating_sub(1);
        // Whether any copy's end-line could lie inside `data`: one scan for all the copies.
        let dashes = has_dashes(data);
        let mut failures: Failures<P> = SmallVec::new();
        for copy in msg.copies.iter_mut().filter(|c| !c.failed) {
            let Some(peer) = self.peers.get_mut(&copy.to) else {
                copy.failed = true;
                continue;
            };
            if peer.stalled {
                copy.failed = true;
                continue;
            }
            let too_big = peer.info.max_size.is_some_and(|m| end > m);
            let full = peer.queued.saturating_add(data.len()) > self.limits.max_queued_bytes;
            if too_big || full {
                abort_at(peer, key, copy, self.ids.as_mut(), &self.limits);
                failures.push(if too_big {
                    (copy.to, 413, SkipReason::MaxSize)
                } else {
                    (copy.to, 408, SkipReason::QueueFull)
                });
                continue;
            }
            write_copy(
                peer,
                key,
                copy,
                head,
                pos,
                data,
                dashes,
                self.ids.as_mut(),
                now,
                &self.limits,
            );
        }
        for (to, status, reason) in failures {
            self.copy_failed(key, to, status, reason);
        }
    }

    /// The sender's chunk `tid` of message `id` ended with `flag`: end the copies' chunks,
    /// answer the sender, and finish the message on `$` or `#`.
    pub(super) fn end_in_chunk(
        &mut self,
        now: Instant,
        from: P,
        id: MessageId,
        tid: simpleim_msrp::TransactionId,
        flag: Flag,
    ) {
        let key = (from, id);
        let Some(msg) = self.inbound.get_mut(&key) else {
            return;
        };
        if !matches!(msg.phase, Phase::Relaying) {
            return;
        }
        let head = CopyHead {
            total: msg.total,
            success: msg.success,
            failure: msg.failure,
        };
        let failure = msg.failure;
        for copy in msg.copies.iter_mut().filter(|c| !c.failed) {
            if let Some(peer) = self.peers.get_mut(&copy.to) {
                let at = copy.next;
                end_copy(
                    peer,
                    key,
                    copy,
                    head,
                    at,
                    flag,
                    self.ids.as_mut(),
                    Some(now),
                    &self.limits,
                );
            }
        }
        // RFC 4975 §7.1.2: the chunk is answered once it has been wholly accepted.
        self.respond(from, tid, 200, failure);
        if flag != Flag::Continued {
            self.inbound.remove(&key);
            if flag == Flag::Complete {
                self.events.push_back(SwitchEvent::Completed {
                    from,
                    message_id: id,
                });
            }
        }
    }
}
