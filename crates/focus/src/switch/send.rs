//! SENDs from a participant: checks, the routing decision and cut-through relaying
//! (000 §7.2.3.3, §7.2.3.4; REQ: SW-1, SW-3 to SW-8).

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use simpleim_cpim::{HeadParser, ParseOptions};
use simpleim_msrp::{
    ByteRange, Flag, FrameHead, IdGenerator, MessageId, ReportMode, ResponseBuilder, TransactionId,
    default_comment,
};

use super::address::is_cpim;
use super::event::{MessageKind, RefuseReason, SwitchEvent};
use super::inbound::{CopyState, HeldChunk, InChunk, Inbound, Phase};
use super::peer::{ChunkSpec, CopyKey, Origin, Peer};
use super::{Switch, SwitchLimits};

/// The report modes and total every chunk of a copy carries.
#[derive(Debug, Clone, Copy)]
pub(super) struct CopyHead {
    pub(super) total: Option<u64>,
    pub(super) success: Option<ReportMode>,
    pub(super) failure: ReportMode,
}

/// Writes `data` (whose first byte is byte `pos` of the message) to `copy` at `peer`,
/// starting or resuming a chunk as needed and cutting it where the body would hold the
/// chunk's own end-line. The bytes are shared, never copied (REQ: SW-6). `dashes` is
/// [`has_dashes`] of `data` (also true of any suffix of it), found once for all the copies.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_copy<P: Copy + Eq>(
    peer: &mut Peer<P>,
    key: CopyKey<P>,
    copy: &mut CopyState<P>,
    head: CopyHead,
    pos: u64,
    data: &Bytes,
    dashes: bool,
    ids: &mut dyn IdGenerator,
    now: Instant,
    limits: &SwitchLimits,
) {
    let mut rest = data.clone();
    let mut at = pos;
    // Each new chunk has a new identifier; two cuts in a row at the same byte would need two
    // colliding identifiers. Bound the loop anyway.
    let mut stuck = 0;
    while !rest.is_empty() && stuck < 4 {
        if !peer.is_open(&key) {
            begin(peer, key, copy, head, at, ids, Some(now), limits);
        }
        let n = peer.write_body(&rest, dashes);
        at += n as u64;
        copy.next = at;
        rest = rest.slice(n..);
        if !rest.is_empty() {
            peer.end_chunk(Flag::Continued);
            if n == 0 {
                stuck += 1;
            }
        }
    }
}

/// Starts a chunk of `copy` at byte `at`.
#[allow(clippy::too_many_arguments)]
pub(super) fn begin<P: Copy + Eq>(
    peer: &mut Peer<P>,
    key: CopyKey<P>,
    copy: &mut CopyState<P>,
    head: CopyHead,
    at: u64,
    ids: &mut dyn IdGenerator,
    now: Option<Instant>,
    limits: &SwitchLimits,
) {
    let spec = ChunkSpec {
        key,
        relayed: copy.relayed,
        start: at.max(1),
        total: head.total,
        success: head.success,
        failure: head.failure,
    };
    let tid = peer.begin_chunk(&spec, ids.transaction_id());
    copy.started = true;
    // Only `Failure-Report: yes` gets 200 responses (RFC 4975 §7.1.2). With `partial` only
    // an error response may come: it is remembered so that the error is matched, and its
    // deadline (which only bounds how long it is remembered) passes silently.
    let origin = match head.failure {
        ReportMode::Yes => Some(Origin::Relayed(copy.relayed)),
        ReportMode::Partial => Some(Origin::RelayedPartial(copy.relayed)),
        ReportMode::No => None,
    };
    if let (Some(origin), Some(now)) = (origin, now) {
        peer.await_response(
            tid,
            origin,
            now + limits.transaction_timeout,
            limits.max_outstanding,
        );
    }
}

/// Ends `copy` at `peer` with `flag`: the open chunk's end-line, or an empty chunk carrying
/// the flag when the copy's last chunk was interrupted.
#[allow(clippy::too_many_arguments)]
pub(super) fn end_copy<P: Copy + Eq>(
    peer: &mut Peer<P>,
    key: CopyKey<P>,
    copy: &mut CopyState<P>,
    head: CopyHead,
    at: u64,
    flag: Flag,
    ids: &mut dyn IdGenerator,
    now: Option<Instant>,
    limits: &SwitchLimits,
) {
    if peer.is_open(&key) {
        peer.end_chunk(flag);
    } else if flag != Flag::Continued && (copy.started || flag == Flag::Complete) {
        begin(peer, key, copy, head, at, ids, now, limits);
        peer.end_chunk(flag);
    }
}

impl<P: Copy + Eq + Ord + Hash + fmt::Debug> Switch<P> {
    /// Answers a request of `to` (RFC 4975 §7.1.2: nothing with `Failure-Report: no`, only
    /// errors with `partial`).
    pub(super) fn respond(&mut self, to: P, tid: TransactionId, code: u16, failure: ReportMode) {
        if failure == ReportMode::No || (failure == ReportMode::Partial && code == 200) {
            return;
        }
        let Some(peer) = self.peers.get_mut(&to) else {
            return;
        };
        let mut out = BytesMut::new();
        let written = ResponseBuilder::new(tid, code)
            .comment(default_comment(code))
            .to_path(peer.info.remote.first().as_str())
            .from_path(peer.info.local.as_str())
            .encode(&mut out)
            .is_ok();
        if written {
            peer.push_frame(out.freeze());
        }
    }

    /// The head of a SEND chunk (REQ: SW-1, SW-3).
    pub(super) fn on_send_head(&mut self, now: Instant, from: P, head: &FrameHead) {
        let tid = head.transaction_id();
        let ignore = InChunk {
            tid,
            message: None,
            start: 1,
            received: 0,
        };
        // Checked first: it says whether to answer at all.
        let Ok(failure) = head.failure_report() else {
            self.refuse_chunk(
                from,
                tid,
                None,
                ReportMode::Yes,
                400,
                RefuseReason::Malformed,
            );
            self.streaming.insert(from, ignore);
            return;
        };
        let failure = failure.unwrap_or(ReportMode::Yes);
        let parsed = (|| {
            let id = head.message_id().ok()??.parse::<MessageId>().ok()?;
            let range = head.byte_range().ok()?.unwrap_or(ByteRange {
                start: 1,
                end: None,
                total: None,
            });
            let success = head.success_report().ok()?;
            Some((id, range, success))
        })();
        let Some((id, range, success)) = parsed else {
            self.refuse_chunk(from, tid, None, failure, 400, RefuseReason::Malformed);
            self.streaming.insert(from, ignore);
            return;
        };
        let Some(content_type) = head.content_type() else {
            // A SEND without body (RFC 4975 §7.1.1 keep-alive): nothing to relay.
            self.respond(from, tid, 200, failure);
            self.streaming.insert(from, ignore);
            return;
        };
        let key = (from, id);
        let refusal = if !is_cpim(content_type) {
            Some((415, RefuseReason::NotCpim))
        } else if range.total.max(range.end).unwrap_or(0) > self.limits.max_message_bytes {
            Some((413, RefuseReason::TooLarge))
        } else {
            None
        };
        if let Some((code, reason)) = refusal {
            self.refuse_chunk(from, tid, Some(id), failure, code, reason);
            self.streaming.insert(from, ignore);
            self.inbound.remove(&key);
            return;
        }
        if !self.inbound.contains_key(&key) {
            let in_progress = self
                .inbound
                .range((from, MessageId::from_u64(0))..)
                .take_while(|((s, _), _)| *s == from)
                .count();
            let problem = if range.start != 1 {
                Some((400, RefuseReason::Overloaded))
            } else if in_progress >= self.limits.max_inbound_per_sender {
                Some((413, RefuseReason::Overloaded))
            } else {
                None
            };
            if let Some((code, reason)) = problem {
                self.refuse_chunk(from, tid, Some(id), failure, code, reason);
                self.streaming.insert(from, ignore);
                return;
            }
            self.inbound.insert(
                key,
                Inbound {
                    phase: Phase::Undecided {
                        parser: HeadParser::new(ParseOptions::lenient()),
                        prefix: BytesMut::new(),
                        held: 0,
                        chunks: Vec::new(),
                    },
                    kind: MessageKind::Conference,
                    success,
                    failure,
                    total: range.total,
                    last_activity: now,
                    copies: Vec::new(),
                },
            );
        }
        let Some(msg) = self.inbound.get_mut(&key) else {
            return;
        };
        msg.last_activity = now;
        if msg.total.is_none() {
            msg.total = range.total;
        }
        let max_chunks = self.limits.max_held_chunks;
        let status = match &mut msg.phase {
            Phase::Refused(code) => Some((*code, None)),
            Phase::Relaying => None,
            Phase::Undecided { held, chunks, .. } => {
                if range.start != *held + 1 {
                    Some((400, Some(RefuseReason::Overloaded)))
                } else if chunks.len() >= max_chunks {
                    Some((413, Some(RefuseReason::TooLarge)))
                } else {
                    chunks.push(HeldChunk {
                        tid,
                        start: range.start,
                        failure,
                        pieces: Vec::new(),
                        end: None,
                    });
                    None
                }
            }
        };
        match status {
            // A message already refused: its later chunks get the same answer.
            Some((code, None)) => {
                self.respond(from, tid, code, failure);
                self.streaming.insert(from, ignore);
            }
            Some((code, Some(reason))) => {
                self.respond(from, tid, code, failure);
                self.streaming.insert(from, ignore);
                self.refuse_message(key, code, reason);
            }
            None => {
                self.streaming.insert(
                    from,
                    InChunk {
                        tid,
                        message: Some(id),
                        start: range.start,
                        received: 0,
                    },
                );
            }
        }
    }

    /// Answers one chunk with an error and reports the refusal.
    fn refuse_chunk(
        &mut self,
        from: P,
        tid: TransactionId,
        message_id: Option<MessageId>,
        failure: ReportMode,
        status: u16,
        reason: RefuseReason,
    ) {
        self.respond(from, tid, status, failure);
        self.events.push_back(SwitchEvent::Refused {
            from,
            message_id,
            status,
            reason,
        });
    }

    /// Refuses a whole message: its held chunks get `status`, its copies (if it was being
    /// relayed) are aborted, later chunks get `status` too.
    pub(super) fn refuse_message(&mut self, key: CopyKey<P>, status: u16, reason: RefuseReason) {
        let Some(msg) = self.inbound.get_mut(&key) else {
            return;
        };
        let old = std::mem::replace(&mut msg.phase, Phase::Refused(status));
        let copies = std::mem::take(&mut msg.copies);
        if let Phase::Undecided { chunks, .. } = old {
            for c in chunks {
                self.respond(key.0, c.tid, status, c.failure);
            }
        }
        for copy in copies {
            self.abort_copy(key, copy);
        }
        self.events.push_back(SwitchEvent::Refused {
            from: key.0,
            message_id: Some(key.1),
            status,
            reason,
        });
    }

    /// Ends `copy` with `#` at its recipient, if it started.
    pub(super) fn abort_copy(&mut self, key: CopyKey<P>, mut copy: CopyState<P>) {
        if let Some(peer) = self.peers.get_mut(&copy.to) {
            abort_at(peer, key, &mut copy, self.ids.as_mut(), &self.limits);
        }
    }
}

/// Ends `copy` with `#` at `peer` (if it started and has not failed) and marks it failed.
pub(super) fn abort_at<P: Copy + Eq>(
    peer: &mut Peer<P>,
    key: CopyKey<P>,
    copy: &mut CopyState<P>,
    ids: &mut dyn IdGenerator,
    limits: &SwitchLimits,
) {
    if copy.failed {
        return;
    }
    let head = CopyHead {
        total: None,
        success: None,
        failure: ReportMode::No,
    };
    let at = copy.next;
    end_copy(peer, key, copy, head, at, Flag::Aborted, ids, None, limits);
    copy.failed = true;
}
