//! The way out of a relay (RFC 4976 §6.4.1; REQ: MSRP-6): per-connection output queues, and
//! SEND chunks streamed through them, interrupted with `+` when another frame must go on the
//! same connection and resumed under a new transaction identifier at the right Byte-Range.

use std::collections::VecDeque;
use std::hash::Hash;

use bytes::{BufMut, Bytes, BytesMut};

use crate::encode::{ChunkWriter, find_end_line};
use crate::frame::{Flag, FrameHead, TransactionId};
use crate::header::{ByteRange, HeaderName, ReportMode};
use crate::session::MessageId;

use super::Relay;
use super::route::TxnKind;

/// Where frames go: a connection, or one the host was asked to open (by dial number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Target<C> {
    Conn(C),
    Pending(u64),
}

/// Bytes for a connection; `arm` starts a transaction's timer when they leave (they end its
/// request, RFC 4976 §6.4.1: "The timer starts when the last byte of the message has been
/// sent to the next hop").
#[derive(Debug)]
pub(super) struct OutItem {
    pub(super) bytes: Bytes,
    pub(super) arm: Option<TransactionId>,
}

/// What waits to be written to one connection.
#[derive(Debug)]
pub(super) struct Outbound<C> {
    pub(super) queue: VecDeque<OutItem>,
    /// Bytes in `queue`.
    pub(super) queued: usize,
    /// The stream whose chunk is open (head written, end-line not yet).
    pub(super) active: Option<u64>,
    /// Streams waiting for their turn, first come first.
    pub(super) waiting: VecDeque<u64>,
    /// Readers paused because of this queue.
    pub(super) paused: Vec<C>,
    pub(super) writable: bool,
}

impl<C> Default for Outbound<C> {
    fn default() -> Self {
        Self {
            queue: VecDeque::new(),
            queued: 0,
            active: None,
            waiting: VecDeque::new(),
            paused: Vec::new(),
            writable: true,
        }
    }
}

/// A chunk open on the next hop.
#[derive(Debug)]
pub(super) struct Open {
    tid: TransactionId,
    guard: ChunkWriter,
    /// Body offset (within the incoming chunk) of its first byte.
    start: u64,
}

/// An incoming SEND chunk streaming through.
#[derive(Debug)]
pub(super) struct Stream<C> {
    pub(super) from: C,
    pub(super) out: Target<C>,
    /// The incoming head, for its headers.
    pub(super) head: FrameHead,
    /// To-Path and From-Path as forwarded.
    pub(super) to_path: Bytes,
    pub(super) from_path: Bytes,
    /// The relay's URI the request was addressed to (From-Path of a REPORT the relay sends).
    pub(super) my_uri: Bytes,
    /// The incoming Byte-Range (`1-*/*` when it had none).
    pub(super) range: ByteRange,
    /// Body bytes forwarded so far.
    pub(super) sent: u64,
    pub(super) open: Option<Open>,
    pub(super) mode: ReportMode,
    /// Body bytes waiting for this stream's turn on a busy connection, and how many.
    pub(super) pending: VecDeque<Bytes>,
    pub(super) pending_len: usize,
    /// The end of the incoming chunk, waiting with them.
    pub(super) pending_end: Option<Flag>,
    /// Whether it is in its target's `waiting` list, and since when.
    pub(super) waiting: bool,
    pub(super) waiting_since: Option<std::time::Instant>,
    /// The whole body, when the frame arrived whole: its chunk goes out with a known
    /// range-end (RFC 4976 §6.4.1: "If the MSRP relay has knowledge of the byte range that it
    /// will transmit to the next hop, it SHOULD update the Byte-Range header").
    pub(super) whole: Option<Bytes>,
}

/// Writes the head of a forwarded request or response: `tid`, the method (or the status code
/// and comment), the new paths, the other headers as they came (Byte-Range replaced by
/// `range` when given, added after From-Path if there was none), and the blank line before a
/// body.
pub(super) fn forward_head(
    head: &FrameHead,
    tid: TransactionId,
    to_path: &[u8],
    from_path: &[u8],
    range: Option<ByteRange>,
) -> BytesMut {
    let mut b = BytesMut::with_capacity(head.as_bytes().len() + 64);
    b.put_slice(b"MSRP ");
    b.put_slice(tid.as_bytes());
    b.put_u8(b' ');
    match (head.method(), head.status_code()) {
        (Some(m), _) => b.put_slice(m.as_bytes()),
        (None, code) => {
            b.put_slice(format!("{:03}", code.unwrap_or(0)).as_bytes());
            if let Some(c) = head.comment() {
                b.put_u8(b' ');
                b.put_slice(c);
            }
        }
    }
    b.put_slice(b"\r\nTo-Path: ");
    b.put_slice(to_path);
    b.put_slice(b"\r\nFrom-Path: ");
    b.put_slice(from_path);
    b.put_slice(b"\r\n");
    let has_range = head.get(HeaderName::ByteRange).is_some();
    if let (Some(r), false) = (range, has_range) {
        b.put_slice(format!("Byte-Range: {r}\r\n").as_bytes());
    }
    for h in head.headers() {
        match h.kind() {
            HeaderName::ToPath | HeaderName::FromPath => continue,
            HeaderName::ByteRange if range.is_some() => {
                if let Some(r) = range {
                    b.put_slice(format!("Byte-Range: {r}\r\n").as_bytes());
                }
            }
            _ => {
                b.put_slice(h.name().as_bytes());
                b.put_slice(b": ");
                b.put_slice(h.value());
                b.put_slice(b"\r\n");
            }
        }
    }
    if head.has_body() {
        b.put_slice(b"\r\n");
    }
    b
}

/// The end-line of `tid`, after a body (`CRLF -------tid flag CRLF`) or not.
pub(super) fn end_line(tid: TransactionId, flag: Flag, after_body: bool) -> Bytes {
    let mut b = BytesMut::with_capacity(tid.len() + 12);
    if after_body {
        b.put_slice(b"\r\n");
    }
    tid.write_end_line(&mut b, flag);
    b.freeze()
}

impl<C: Copy + Eq + Hash + core::fmt::Debug> Relay<C> {
    /// Queues bytes for `target`.
    pub(super) fn push_out(&mut self, target: Target<C>, bytes: Bytes, arm: Option<TransactionId>) {
        if bytes.is_empty() && arm.is_none() {
            return;
        }
        let Some(out) = self.outbound_mut(target) else {
            return;
        };
        let was_empty = out.queue.is_empty();
        let writable = out.writable;
        out.queued += bytes.len();
        out.queue.push_back(OutItem { bytes, arm });
        // A connection is in `ready` only while its queue is not empty (`poll_transmit`
        // takes it out before it empties the queue): an empty queue means it is not there.
        if let Target::Conn(c) = target {
            if was_empty && writable {
                self.ready.push_back(c);
            }
        }
    }

    /// Interrupts the chunk streaming to `target`, if any, so that another frame can go
    /// (RFC 4975 §7.1.1; RFC 4976 §6.4.1 lets relays re-chunk).
    pub(super) fn interrupt(&mut self, target: Target<C>) {
        if let Some(sid) = self.outbound_mut(target).and_then(|o| o.active) {
            self.close_chunk(sid, Flag::Continued);
        }
    }

    /// Opens a new chunk of stream `sid` on its target: a new transaction identifier, the
    /// Byte-Range of the first byte not yet sent, range-end `*` (it may be interrupted).
    fn open_chunk(&mut self, sid: u64) {
        let Some(target) = self.streams.get(&sid).map(|s| s.out) else {
            return;
        };
        if self.outbound_mut(target).and_then(|o| o.active) != Some(sid) {
            self.interrupt(target);
        }
        let mut tid = self.new_tid();
        let whole = self
            .streams
            .get(&sid)
            .filter(|s| s.sent == 0)
            .and_then(|s| s.whole.clone());
        // A chunk written with its end known must not be cut: its identifier must not be in
        // the body (RFC 4975 §7.1).
        let mut end_known = whole.as_ref().is_some_and(|b| !b.is_empty());
        // A bodiless request (a SEND opening a connection, RFC 4975 §5.4) keeps its
        // `1-0/0`.
        let bodiless = whole.as_ref().is_some_and(Bytes::is_empty);
        if let Some(body) = &whole {
            for _ in 0..4 {
                if find_end_line(body, &tid).is_none() {
                    break;
                }
                tid = self.new_tid();
            }
            end_known &= find_end_line(body, &tid).is_none();
        }
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        let start = s.range.start.saturating_add(s.sent);
        let range = ByteRange {
            start,
            end: if bodiless {
                Some(start.saturating_sub(1))
            } else {
                whole
                    .filter(|_| end_known)
                    .map(|b| start.saturating_add(b.len() as u64 - 1))
            },
            total: s.range.total,
        };
        let head = forward_head(&s.head, tid, &s.to_path, &s.from_path, Some(range));
        s.open = Some(Open {
            tid,
            guard: ChunkWriter::body_only(tid),
            start: s.sent,
        });
        if let Some(o) = self.outbound_mut(target) {
            o.active = Some(sid);
        }
        self.push_out(target, head.freeze(), None);
    }

    /// Ends the open chunk of stream `sid` with `flag`, and tracks its transaction.
    pub(super) fn close_chunk(&mut self, sid: u64, flag: Flag) {
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        let Some(open) = s.open.take() else {
            return;
        };
        let target = s.out;
        // Without a body there is no blank line to close (RFC 4975 §7.1).
        let after_body = s.head.has_body();
        let start = s.range.start.saturating_add(open.start);
        let len = s.sent.saturating_sub(open.start);
        let range = ByteRange {
            start,
            end: Some(start.saturating_add(len).saturating_sub(1).max(start)),
            total: s.range.total,
        };
        let kind = TxnKind::Send {
            from: s.from,
            report_to: s
                .head
                .from_path()
                .map(Bytes::copy_from_slice)
                .unwrap_or_default(),
            my_uri: s.my_uri.clone(),
            message_id: s
                .head
                .message_id()
                .ok()
                .flatten()
                .and_then(|m| MessageId::new(m.as_bytes()).ok()),
            range,
            mode: s.mode,
        };
        let track = s.mode != ReportMode::No && flag != Flag::Aborted;
        if let Some(o) = self.outbound_mut(target) {
            if o.active == Some(sid) {
                o.active = None;
            }
        }
        if track {
            self.insert_txn(open.tid, target, kind);
        }
        self.push_out(
            target,
            end_line(open.tid, flag, after_body),
            track.then_some(open.tid),
        );
    }

    /// Body bytes of stream `sid`: written at once when the stream has the connection (or
    /// nobody has it), else kept until its turn ([`Relay::maybe_switch`]).
    pub(super) fn stream_data(&mut self, sid: u64, data: Bytes) {
        if data.is_empty() {
            return;
        }
        let Some(target) = self.streams.get(&sid).map(|s| s.out) else {
            return;
        };
        if self.may_write(sid, target) {
            self.write_data(sid, data);
        } else {
            self.defer(sid, target, Some(data), None);
        }
        self.check_watermark(sid);
        self.maybe_switch(target);
    }

    /// Whether stream `sid` may write to `target` now: it has the connection, or nobody has
    /// it and nobody waits for it (so that chunks keep their order).
    fn may_write(&mut self, sid: u64, target: Target<C>) -> bool {
        self.outbound_mut(target)
            .is_some_and(|o| o.active == Some(sid) || (o.active.is_none() && o.waiting.is_empty()))
    }

    /// Keeps `data` and/or the end `flag` of stream `sid` until its turn on `target`.
    fn defer(&mut self, sid: u64, target: Target<C>, data: Option<Bytes>, end: Option<Flag>) {
        let now = self.now;
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        if let Some(d) = data {
            s.pending_len = s.pending_len.saturating_add(d.len());
            s.pending.push_back(d);
        }
        if end.is_some() {
            s.pending_end = end;
        }
        if !s.waiting {
            s.waiting = true;
            s.waiting_since = now;
            if let Some(o) = self.outbound_mut(target) {
                o.waiting.push_back(sid);
            }
        }
    }

    /// Lets the streams waiting for `target` go, in order, when their turn has come: when
    /// nobody has the connection, or the first of them has a whole chunk ready, or
    /// [`RelayConfig::switch_bytes`](super::RelayConfig::switch_bytes) waiting, or has waited
    /// [`RelayConfig::switch_delay`](super::RelayConfig::switch_delay). The stream that had the
    /// connection is interrupted (`+`) and resumes later under a new transaction identifier.
    /// Switching only then keeps a trickle of small reads on two connections from costing a
    /// head per byte.
    pub(super) fn maybe_switch(&mut self, target: Target<C>) {
        let (switch_bytes, delay) = (self.config.switch_bytes, self.config.switch_delay);
        let now = self.now;
        loop {
            let Some((w, active)) = self
                .outbound_mut(target)
                .and_then(|o| o.waiting.front().map(|w| (*w, o.active)))
            else {
                return;
            };
            let due = match self.streams.get(&w) {
                None => true,
                Some(s) => {
                    active.is_none()
                        || s.pending_end.is_some()
                        || s.pending_len >= switch_bytes
                        || s.waiting_since
                            .and_then(|t| t.checked_add(delay))
                            .zip(now)
                            .is_some_and(|(due, now)| due <= now)
                }
            };
            if !due {
                return;
            }
            if let Some(o) = self.outbound_mut(target) {
                o.waiting.pop_front();
            }
            let Some(s) = self.streams.get_mut(&w) else {
                continue;
            };
            s.waiting = false;
            s.waiting_since = None;
            let pending = core::mem::take(&mut s.pending);
            let end = s.pending_end.take();
            s.pending_len = 0;
            if active.is_some() {
                self.interrupt(target);
            }
            for d in pending {
                self.write_data(w, d);
            }
            match end {
                Some(flag) => self.finish_stream(w, flag),
                None => return,
            }
        }
    }

    /// When the first stream waiting for a busy connection may take it over.
    pub(super) fn switch_deadline(&self) -> Option<std::time::Instant> {
        let delay = self.config.switch_delay;
        let outs = self
            .conns
            .values()
            .map(|c| &c.out)
            .chain(self.dials.values().map(|(_, o)| o));
        outs.filter(|o| o.active.is_some())
            .filter_map(|o| o.waiting.front())
            .filter_map(|w| self.streams.get(w)?.waiting_since?.checked_add(delay))
            .min()
    }

    /// Writes body bytes of stream `sid`, which has the connection (slices of `data`, never
    /// copies), opening a chunk when none is open, cutting one where the body would hold its
    /// end-line.
    fn write_data(&mut self, sid: u64, mut data: Bytes) {
        while !data.is_empty() {
            let (open, target) = match self.streams.get(&sid) {
                Some(s) => (s.open.is_some(), s.out),
                None => return,
            };
            if !open || self.outbound_mut(target).and_then(|o| o.active) != Some(sid) {
                if let Some(s) = self.streams.get_mut(&sid) {
                    s.open = None;
                }
                self.open_chunk(sid);
            }
            let Some(s) = self.streams.get_mut(&sid) else {
                return;
            };
            let Some(o) = s.open.as_mut() else {
                return;
            };
            let n = o.guard.scan(&data);
            s.sent = s.sent.saturating_add(n as u64);
            let piece = data.split_to(n);
            self.push_out(target, piece, None);
            if !data.is_empty() {
                // The body would end the chunk early: the rest goes under another identifier.
                self.close_chunk(sid, Flag::Continued);
            }
        }
    }

    /// Pauses the reader of stream `sid` when its target's queue is over the high watermark.
    fn check_watermark(&mut self, sid: u64) {
        let Some((from, target)) = self.streams.get(&sid).map(|s| (s.from, s.out)) else {
            return;
        };
        let limits = self.config.limits;
        let queued = self.outbound_mut(target).map_or(0, |o| o.queued);
        if queued > limits.max_queued_bytes {
            // The host went on reading a paused connection.
            self.close(from, super::CloseReason::OutboundFull);
        } else if queued >= limits.high_watermark {
            self.pause(from, target);
        }
    }

    /// The incoming chunk of stream `sid` ended with `flag`: the chunk open downstream ends
    /// the same way, now or in its turn.
    pub(super) fn end_stream(&mut self, sid: u64, flag: Flag) {
        let Some(target) = self.streams.get(&sid).map(|s| s.out) else {
            return;
        };
        if self.may_write(sid, target) {
            self.finish_stream(sid, flag);
        } else {
            self.defer(sid, target, None, Some(flag));
        }
        self.maybe_switch(target);
    }

    /// Ends stream `sid`, which has the connection (or may take it), with `flag`: an empty
    /// chunk carries `$` or `#` when none is open.
    fn finish_stream(&mut self, sid: u64, flag: Flag) {
        let Some((open, target)) = self.streams.get(&sid).map(|s| (s.open.is_some(), s.out)) else {
            return;
        };
        let active = self.outbound_mut(target).and_then(|o| o.active) == Some(sid);
        if !(open && active) && flag != Flag::Continued {
            if let Some(s) = self.streams.get_mut(&sid) {
                s.open = None;
            }
            self.open_chunk(sid);
        }
        if self.streams.get(&sid).is_some_and(|s| s.open.is_some()) {
            self.close_chunk(sid, flag);
        }
        self.streams.remove(&sid);
    }

    /// The sender of stream `sid` is gone: the message is aborted downstream (`#`).
    pub(super) fn abort_stream(&mut self, sid: u64) {
        if self.streams.contains_key(&sid) {
            self.end_stream(sid, Flag::Aborted);
        }
    }
}
