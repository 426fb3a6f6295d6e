//! The sending half of a session (RFC 4975 §5.1, §7.1, §7.1.1; REQ: MSRP-4): the queue of
//! outgoing messages, chunking, writing chunks in pieces, interruption and abort, and the
//! transactions each chunk opens. What becomes of them is in `outcome.rs`.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use crate::encode::{ChunkWriter, RequestBuilder, find_end_line};
use crate::error::EncodeError;
use crate::frame::{Flag, Method, TransactionId};
use crate::header::{ByteRange, HeaderName, ReportMode, Status};

use super::config::UNINTERRUPTIBLE_CHUNK;
use super::event::{Event, FailureSource, SendError, SendOptions};
use super::ids::{IdGenerator, MessageId};
use super::ranges::RangeSet;
use super::{Session, Waiting};

/// An outgoing message not yet completely written.
#[derive(Debug)]
pub(super) struct Outgoing {
    pub(super) id: MessageId,
    content_type: Bytes,
    body: Bytes,
    success: bool,
    failure: ReportMode,
    headers: Vec<(String, String)>,
    /// Offset of the first byte not yet in a finished chunk.
    next: u64,
    /// Where the chunk interrupted at `next` was to end: the rest goes in a chunk of its
    /// own (RFC 4975 §7.1.1: "resumed in another chunk").
    resume_end: Option<u64>,
    /// True once a chunk of it has been written.
    started: bool,
}

/// The chunk being written: it belongs to the front of the queue.
#[derive(Debug)]
struct Active {
    writer: ChunkWriter,
    /// Offset of its first body byte in the message.
    start: u64,
    /// Offset one past its last planned byte.
    end: u64,
}

/// What a sent transaction was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PendingKind {
    Chunk(MessageId),
    Nickname,
    /// An AUTH to a relay (RFC 4976 §5.1).
    Auth,
}

/// A sent transaction waiting for its response.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pending {
    pub(super) kind: PendingKind,
    /// Set once its last byte has been written (RFC 4975 §7.1.1: the 30 s count "from the
    /// time the last byte of the transaction is sent").
    pub(super) deadline: Option<Instant>,
    /// `yes`: a timeout fails the message; `partial`: no news by the deadline is good news.
    pub(super) mode: ReportMode,
}

/// What is known of an outgoing message, from [`Session::send_message`] until no event can
/// come for it any more.
#[derive(Debug)]
pub(super) struct Tracked {
    pub(super) total: u64,
    pub(super) success: bool,
    /// Chunk transactions waiting for a response.
    pub(super) outstanding: usize,
    /// Every chunk written.
    pub(super) all_sent: bool,
    /// [`Event::Sent`] emitted.
    pub(super) sent: bool,
    /// Bytes covered by success REPORTs.
    pub(super) delivered: RangeSet,
    /// `delivered` covers the whole message.
    pub(super) complete: bool,
}

/// The state of the sending half.
#[derive(Debug, Default)]
pub(super) struct SendState {
    pub(super) queue: VecDeque<Outgoing>,
    active: Option<Active>,
    pub(super) pending: HashMap<TransactionId, Pending>,
    /// Deadlines of `pending`, earliest first.
    pub(super) timers: BTreeSet<(Instant, TransactionId)>,
    pub(super) tracked: HashMap<MessageId, Tracked>,
    /// Tracked messages in the order they were queued (may hold ids no longer tracked).
    order: VecDeque<MessageId>,
}

impl SendState {
    pub(super) fn is_idle(&self) -> bool {
        self.queue.is_empty()
            && self.active.is_none()
            && self.pending.is_empty()
            && self.tracked.is_empty()
    }

    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.timers.first().map(|&(t, _)| t)
    }

    /// Tracks a request other than SEND (NICKNAME, AUTH) until its response or deadline.
    pub(super) fn track(
        &mut self,
        tid: TransactionId,
        kind: PendingKind,
        deadline: Option<Instant>,
    ) {
        self.pending.insert(
            tid,
            Pending {
                kind,
                deadline,
                mode: ReportMode::Yes,
            },
        );
        if let Some(d) = deadline {
            self.timers.insert((d, tid));
        }
    }

    /// Starts the timer of a transaction whose last byte was just written.
    fn arm(&mut self, tid: TransactionId, now: Option<Instant>, timeout: std::time::Duration) {
        if let (Some(p), Some(now)) = (self.pending.get_mut(&tid), now) {
            // A timeout too large for the clock never expires.
            if let (None, Some(deadline)) = (p.deadline, now.checked_add(timeout)) {
                p.deadline = Some(deadline);
                self.timers.insert((deadline, tid));
            }
        }
    }

    pub(super) fn take_pending(&mut self, tid: &TransactionId) -> Option<Pending> {
        let p = self.pending.remove(tid)?;
        if let Some(d) = p.deadline {
            self.timers.remove(&(d, *tid));
        }
        Some(p)
    }

    /// Drops every transaction of message `id`.
    pub(super) fn drop_transactions(&mut self, id: MessageId) {
        let tids: Vec<TransactionId> = self
            .pending
            .iter()
            .filter(|(_, p)| p.kind == PendingKind::Chunk(id))
            .map(|(t, _)| *t)
            .collect();
        for t in tids {
            self.take_pending(&t);
        }
    }

    /// What became of every tracked message when the session ends, then nothing left.
    pub(super) fn close(&mut self, closed: &Status) -> Vec<Event> {
        let mut events = Vec::new();
        for id in core::mem::take(&mut self.order) {
            let Some(t) = self.tracked.remove(&id) else {
                continue;
            };
            if !t.sent {
                events.push(Event::SendFailed {
                    message_id: id,
                    status: closed.clone(),
                    source: FailureSource::Closed,
                    byte_range: None,
                });
            } else if t.success && !t.complete {
                events.push(Event::DeliveryUnconfirmed { message_id: id });
            }
        }
        *self = Self::default();
        events
    }
}

/// Headers the session writes itself on every chunk.
const OWN_HEADERS: [HeaderName; 6] = [
    HeaderName::MessageId,
    HeaderName::ByteRange,
    HeaderName::SuccessReport,
    HeaderName::FailureReport,
    HeaderName::Status,
    HeaderName::UseNickname,
];

/// `body[start..end]`, offsets clamped to the body.
fn slice(body: &[u8], start: u64, end: u64) -> &[u8] {
    let s = usize::try_from(start).unwrap_or(usize::MAX).min(body.len());
    let e = usize::try_from(end)
        .unwrap_or(usize::MAX)
        .clamp(s, body.len());
    body.get(s..e).unwrap_or_default()
}

/// Where the chunk that starts at `start` ends (exclusive): the end of the chunk it resumes
/// after an interruption, else `chunk_size` bytes on, within the message.
pub(super) fn chunk_end(start: u64, total: u64, chunk_size: u64, resume: Option<u64>) -> u64 {
    resume
        .unwrap_or_else(|| start.saturating_add(chunk_size))
        .clamp(start.min(total), total)
}

/// Whether a chunk of `len` bytes is written with its range-end known: only when it leaves
/// in one piece (so it is never interrupted, RFC 4975 §7.3.1 calls interrupting such a chunk
/// "technically illegal") and is no larger than 2048 bytes (§7.1.1: larger chunks MUST be
/// interruptible, with range-end `*`).
pub(super) fn end_known(len: u64, piece_size: usize) -> bool {
    len <= (piece_size as u64).min(UNINTERRUPTIBLE_CHUNK)
}

/// A transaction identifier no transaction in progress uses (asking again a few times).
pub(super) fn fresh_tid(
    ids: &mut dyn IdGenerator,
    pending: &HashMap<TransactionId, Pending>,
    waiting: &HashMap<TransactionId, Waiting>,
) -> TransactionId {
    let mut tid = ids.transaction_id();
    for _ in 0..4 {
        if !pending.contains_key(&tid) && !waiting.contains_key(&tid) {
            break;
        }
        tid = ids.transaction_id();
    }
    tid
}

impl Session {
    /// [`Session::send_message`] after the checks common to commands.
    pub(super) fn queue_message(
        &mut self,
        content_type: &str,
        body: Bytes,
        options: SendOptions,
    ) -> Result<MessageId, SendError> {
        let size = body.len() as u64;
        if let Some(max) = self.config.remote_max_size {
            if size > max {
                return Err(SendError::TooLarge { size, max });
            }
        }
        let id = match options.message_id {
            Some(id) => id,
            None => {
                let mut id = self.config.ids.message_id();
                for _ in 0..4 {
                    if !self.send.tracked.contains_key(&id) {
                        break;
                    }
                    id = self.config.ids.message_id();
                }
                id
            }
        };
        if self.send.tracked.contains_key(&id) {
            return Err(SendError::DuplicateMessageId(id));
        }
        if let Some((name, _)) = options
            .headers
            .iter()
            .find(|(n, _)| OWN_HEADERS.contains(&HeaderName::from_bytes(n.as_bytes())))
        {
            return Err(EncodeError::ReservedHeader { name: name.clone() }.into());
        }
        // Writing the head once now means a chunk can never fail to encode later.
        if let Ok(tid) = TransactionId::new(id.as_bytes()) {
            let mut b = RequestBuilder::new(Method::Send, tid)
                .to_path(&self.route[..])
                .from_path(self.config.local.as_bytes())
                .message_id(id.as_str());
            for (n, v) in &options.headers {
                b = b.header(n, v.as_str());
            }
            b.content_type(content_type).encode(&mut BytesMut::new())?;
        }
        self.make_room()?;
        self.send.tracked.insert(
            id,
            Tracked {
                total: size,
                success: options.success_report,
                outstanding: 0,
                all_sent: false,
                sent: false,
                delivered: RangeSet::default(),
                complete: false,
            },
        );
        self.send.order.push_back(id);
        self.send.queue.push_back(Outgoing {
            id,
            content_type: Bytes::copy_from_slice(content_type.as_bytes()),
            body,
            success: options.success_report,
            failure: options.failure_report,
            headers: options.headers,
            next: 0,
            resume_end: None,
            started: false,
        });
        Ok(id)
    }

    /// Keeps the tracked messages under the limit, letting go of the oldest that only wait
    /// for a success report.
    fn make_room(&mut self) -> Result<(), SendError> {
        let limit = self.config.max_outgoing.max(1);
        let send = &mut self.send;
        if send.order.len() > limit.saturating_mul(2) {
            let tracked = &send.tracked;
            send.order.retain(|id| tracked.contains_key(id));
        }
        while send.tracked.len() >= limit {
            let old = send
                .order
                .iter()
                .position(|id| send.tracked.get(id).is_some_and(|t| t.sent));
            let Some(at) = old else {
                return Err(SendError::QueueFull { limit });
            };
            if let Some(id) = send.order.remove(at) {
                send.tracked.remove(&id);
                self.events
                    .push_back(Event::DeliveryUnconfirmed { message_id: id });
            }
        }
        Ok(())
    }

    /// Writes the next piece of the chunk being written, or starts the next chunk.
    pub(super) fn write_next_piece(&mut self) {
        while self.send.active.is_none() {
            if self.send.queue.is_empty() || self.start_chunk() {
                break;
            }
        }
        if self.send.active.is_some() {
            self.continue_chunk();
        }
    }

    /// Writes the head of the next chunk of the message at the front of the queue. Returns
    /// false when that message had to be dropped instead.
    fn start_chunk(&mut self) -> bool {
        let Self {
            config,
            send,
            waiting,
            out,
            route,
            ..
        } = self;
        let Some(msg) = send.queue.front_mut() else {
            return true;
        };
        let total = msg.body.len() as u64;
        let start = msg.next.min(total);
        let end = chunk_end(start, total, config.chunk_size, msg.resume_end);
        let mut known = end_known(end - start, config.piece_size);
        let mut tid = fresh_tid(config.ids.as_mut(), &send.pending, waiting);
        if known {
            // A chunk with a known end is never interrupted, so its body must not hold its
            // end-line (RFC 4975 §7.1): pick an identifier that is not in it.
            let body = slice(&msg.body, start, end);
            let mut tries = 0;
            while find_end_line(body, &tid).is_some() {
                tries += 1;
                if tries > 4 {
                    known = false;
                    break;
                }
                tid = fresh_tid(config.ids.as_mut(), &send.pending, waiting);
            }
        }
        let range = ByteRange {
            start: start + 1,
            end: known.then_some(end),
            total: Some(total),
        };
        let mut b = RequestBuilder::new(Method::Send, tid)
            .to_path(&route[..])
            .from_path(config.local.as_bytes())
            .message_id(msg.id.as_str())
            .byte_range(range);
        // Only non-default report modes are written (RFC 4975 §7.1.1).
        if msg.success {
            b = b.success_report(ReportMode::Yes);
        }
        if msg.failure != ReportMode::Yes {
            b = b.failure_report(msg.failure);
        }
        for (n, v) in &msg.headers {
            b = b.header(n, v.as_str());
        }
        let writer = ChunkWriter::begin(out, &b.content_type(&msg.content_type[..]));
        let id = msg.id;
        let Ok(writer) = writer else {
            // Checked by `queue_message`: not reached.
            let status = Status::new(400).with_text("cannot encode the chunk");
            self.fail_message(id, status, FailureSource::Local, None);
            return false;
        };
        msg.started = true;
        if msg.failure != ReportMode::No {
            send.pending.insert(
                tid,
                Pending {
                    kind: PendingKind::Chunk(id),
                    deadline: None,
                    mode: msg.failure,
                },
            );
            if let Some(t) = send.tracked.get_mut(&id) {
                t.outstanding += 1;
            }
        }
        send.active = Some(Active { writer, start, end });
        true
    }

    /// Writes one piece of the chunk being written, and ends it when its last byte is out,
    /// or when the next bytes would complete its end-line inside the body (RFC 4975 §7.1:
    /// the rest then goes in a chunk with another transaction identifier).
    fn continue_chunk(&mut self) {
        let (Some(active), Some(msg)) = (self.send.active.as_mut(), self.send.queue.front()) else {
            return;
        };
        let pos = active.start + active.writer.body_len();
        let n = (self.config.piece_size as u64).min(active.end.saturating_sub(pos));
        let piece = slice(&msg.body, pos, pos + n);
        let cut = active.writer.write(&mut self.out, piece).is_err();
        let pos = active.start + active.writer.body_len();
        if cut || pos >= active.end {
            let flag = if !cut && pos >= msg.body.len() as u64 {
                Flag::Complete
            } else {
                Flag::Continued
            };
            self.end_active_chunk(flag);
        }
    }

    /// Interrupts the chunk being written, if any, so that a response or request can go
    /// first (RFC 4975 §7.1.1: "SEND requests larger than 2048 octets MUST be interrupted if
    /// the sender needs to send pending responses or REPORT requests").
    pub(super) fn interrupt_chunk(&mut self) {
        self.end_active_chunk(Flag::Continued);
    }

    /// Ends the chunk being written with `flag` after the bytes written so far: `$` when
    /// they end the message, `+` to go on later, `#` to abort the message.
    pub(super) fn end_active_chunk(&mut self, flag: Flag) {
        let Some(active) = self.send.active.take() else {
            return;
        };
        let tid = active.writer.transaction_id();
        let pos = active.start + active.writer.body_len();
        active.writer.finish(&mut self.out, flag);
        if flag == Flag::Aborted {
            self.send.take_pending(&tid);
            return;
        }
        self.send
            .arm(tid, self.now, self.config.transaction_timeout);
        let Some(msg) = self.send.queue.front_mut() else {
            return;
        };
        msg.next = pos;
        msg.resume_end = (pos < active.end).then_some(active.end);
        if flag == Flag::Complete {
            let id = msg.id;
            self.send.queue.pop_front();
            if let Some(t) = self.send.tracked.get_mut(&id) {
                t.all_sent = true;
            }
            self.settle(id);
        }
    }

    /// [`Session::abort`].
    pub(super) fn abort_message(&mut self, id: MessageId) -> bool {
        let Some(at) = self.send.queue.iter().position(|m| m.id == id) else {
            return false;
        };
        if at == 0 && self.send.active.is_some() {
            self.end_active_chunk(Flag::Aborted);
        } else if let Some(msg) = self.send.queue.get(at).filter(|m| m.started) {
            // Between chunks: an empty chunk carries the `#` (RFC 4975 §7.1).
            let range = ByteRange {
                start: msg.next + 1,
                end: None,
                total: Some(msg.body.len() as u64),
            };
            let tid = fresh_tid(self.config.ids.as_mut(), &self.send.pending, &self.waiting);
            let mut b = RequestBuilder::new(Method::Send, tid)
                .to_path(&self.route[..])
                .from_path(self.config.local.as_bytes())
                .message_id(msg.id.as_str())
                .byte_range(range);
            if msg.failure != ReportMode::Yes {
                b = b.failure_report(msg.failure);
            }
            for (n, v) in &msg.headers {
                b = b.header(n, v.as_str());
            }
            // The same head was written for the message's earlier chunks: this cannot fail.
            let _ = b
                .content_type(&msg.content_type[..])
                .flag(Flag::Aborted)
                .encode(&mut self.out);
        }
        self.send.queue.remove(at);
        self.send.tracked.remove(&id);
        self.send.drop_transactions(id);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_boundaries() {
        // REQ: MSRP-4 (RFC 4975 §5.1, §7.1.1)
        assert_eq!(chunk_end(0, 10_000, 2048, None), 2048);
        assert_eq!(chunk_end(8192, 10_000, 2048, None), 10_000);
        assert_eq!(chunk_end(0, 0, 2048, None), 0);
        assert_eq!(chunk_end(0, 10, u64::MAX, None), 10);
        assert_eq!(chunk_end(u64::MAX - 1, u64::MAX, 2048, None), u64::MAX);
        // The rest of an interrupted chunk keeps the chunk's planned end.
        assert_eq!(chunk_end(700, 10_000, 2048, Some(2048)), 2048);
        assert_eq!(chunk_end(700, 1000, 2048, Some(5000)), 1000);
    }

    #[test]
    fn range_end_known_only_for_small_single_pieces() {
        // REQ: MSRP-4 (RFC 4975 §7.1.1: chunks over 2048 octets carry `*`)
        assert!(end_known(2048, 2048));
        assert!(end_known(0, 1));
        assert!(!end_known(2049, 4096));
        assert!(!end_known(1000, 512));
        assert!(end_known(512, 512));
    }

    #[test]
    fn slices_are_clamped() {
        assert_eq!(slice(b"abcdef", 2, 4), b"cd");
        assert_eq!(slice(b"abcdef", 4, 99), b"ef");
        assert_eq!(slice(b"abcdef", 99, 100), b"");
        assert_eq!(slice(b"abcdef", 5, 2), b"");
    }
}
