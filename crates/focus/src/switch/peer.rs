//! One participant as a destination: its output queue with a byte bound, whether its
//! connection takes bytes, the relayed chunk currently open on it, and the relayed chunks
//! awaiting a response.
//!
//! Frames never interleave on a connection: only one relayed chunk is open per participant,
//! and anything else for it (a piece of another message, a response, a REPORT) first ends
//! the open chunk with `+` (RFC 4975 §7.1.1 interruption); the interrupted copy resumes in a
//! new chunk, under a new transaction identifier, at the byte where it stopped.

use std::collections::{BTreeMap, VecDeque};
use std::sync::LazyLock;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use memchr::memmem::Finder;
use simpleim_msrp::{
    ByteRange, ChunkWriter, Flag, MessageId, Method, ReportMode, RequestBuilder, TransactionId,
    find_end_line,
};
use smallvec::SmallVec;

use super::config::ParticipantMsrp;
use crate::alias::NormalizedAlias;

/// Identifies one relayed copy: the sender and the sender's Message-ID (a recipient gets at
/// most one copy of a message).
pub(crate) type CopyKey<P> = (P, MessageId);

/// The longest possible `-------<tid>` before a flag byte.
const CARRY: usize = 7 + TransactionId::MAX_LEN;

/// The relayed chunk open on a participant's connection.
#[derive(Debug, Clone)]
pub(crate) struct OpenChunk<P> {
    pub(crate) key: CopyKey<P>,
    tid: TransactionId,
    /// The last body bytes written in this chunk, where an end-line split across pieces may
    /// begin.
    carry: SmallVec<[u8; CARRY]>,
}

/// What a relayed chunk awaiting its response belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A relayed copy, by its relayed Message-ID.
    Relayed(MessageId),
    /// A relayed copy sent with `Failure-Report: partial`: an error response is matched to
    /// it, but no response is expected, so its deadline passes silently (RFC 4975 §7.1.2).
    RelayedPartial(MessageId),
    /// A system message.
    System(MessageId),
}

/// How a relayed chunk starts: the copy, its relayed Message-ID, where it starts, the
/// message's total and the report modes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkSpec<P> {
    pub(crate) key: CopyKey<P>,
    pub(crate) relayed: MessageId,
    pub(crate) start: u64,
    pub(crate) total: Option<u64>,
    pub(crate) success: Option<ReportMode>,
    pub(crate) failure: ReportMode,
}

/// One participant as a destination.
#[derive(Debug)]
pub(crate) struct Peer<P> {
    pub(crate) info: ParticipantMsrp,
    /// The comparison key of `info.alias` (REQ: CHAT-1), kept beside it so that a private
    /// message by nickname does not normalize every alias in the room.
    alias_key: Option<NormalizedAlias>,
    /// Bytes for the connection, each marked when it ends a frame.
    queue: VecDeque<(Bytes, bool)>,
    pub(crate) queued: usize,
    pub(crate) writable: bool,
    pub(crate) in_ready: bool,
    pub(crate) stalled: bool,
    pub(crate) open: Option<OpenChunk<P>>,
    /// Relayed chunks awaiting a response, by transaction, with their deadline.
    pub(crate) outstanding: BTreeMap<TransactionId, (Origin, Instant)>,
    order: VecDeque<TransactionId>,
}

impl<P: Copy + Eq> Peer<P> {
    pub(crate) fn new(info: ParticipantMsrp) -> Self {
        Self {
            alias_key: info.alias.as_deref().map(NormalizedAlias::new),
            info,
            queue: VecDeque::new(),
            queued: 0,
            writable: true,
            in_ready: false,
            stalled: false,
            open: None,
            outstanding: BTreeMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Changes the alias it is reached by, and its comparison key.
    pub(crate) fn set_alias(&mut self, alias: Option<String>) {
        self.alias_key = alias.as_deref().map(NormalizedAlias::new);
        self.info.alias = alias;
    }

    /// Whether its alias equals `key` under the alias normalization (REQ: CHAT-1).
    pub(crate) fn alias_is(&self, key: &NormalizedAlias) -> bool {
        self.alias_key.as_ref() == Some(key)
    }

    /// Queues bytes inside a frame (nothing once stalled).
    pub(crate) fn push(&mut self, bytes: Bytes) {
        self.queue_piece(bytes, false);
    }

    /// Queues the bytes that end a frame: an end-line, or a whole frame.
    pub(crate) fn push_end(&mut self, bytes: Bytes) {
        self.queue_piece(bytes, true);
    }

    fn queue_piece(&mut self, bytes: Bytes, ends: bool) {
        if self.stalled || bytes.is_empty() {
            return;
        }
        self.queued = self.queued.saturating_add(bytes.len());
        self.queue.push_back((bytes, ends));
    }

    /// The next bytes for the connection, and whether they end a frame.
    pub(crate) fn pop(&mut self) -> Option<(Bytes, bool)> {
        let (b, ends) = self.queue.pop_front()?;
        self.queued = self.queued.saturating_sub(b.len());
        Some((b, ends))
    }

    pub(crate) fn has_output(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Drops everything queued: the participant's connection is to be closed.
    pub(crate) fn stall(&mut self) {
        self.stalled = true;
        self.queue.clear();
        self.queued = 0;
        self.open = None;
        self.outstanding.clear();
        self.order.clear();
    }

    /// Ends the open chunk with `+` so that another frame may follow.
    pub(crate) fn interrupt(&mut self) {
        if let Some(open) = self.open.take() {
            self.push_end(end_line(open.tid, Flag::Continued));
        }
    }

    /// Whether the open chunk is `key`'s.
    pub(crate) fn is_open(&self, key: &CopyKey<P>) -> bool {
        self.open.as_ref().is_some_and(|o| o.key == *key)
    }

    /// Queues a whole frame (a response, a REPORT) after ending any open chunk.
    pub(crate) fn push_frame(&mut self, frame: Bytes) {
        self.interrupt();
        self.push_end(frame);
    }

    /// Remembers a transaction awaiting its response, forgetting the oldest past `max`.
    pub(crate) fn await_response(
        &mut self,
        tid: TransactionId,
        origin: Origin,
        deadline: Instant,
        max: usize,
    ) {
        if max == 0 {
            return;
        }
        while self.order.len() >= max {
            if let Some(old) = self.order.pop_front() {
                self.outstanding.remove(&old);
            }
        }
        self.outstanding.insert(tid, (origin, deadline));
        self.order.push_back(tid);
    }

    /// Takes the transaction a response answers.
    pub(crate) fn take_outstanding(&mut self, tid: &TransactionId) -> Option<Origin> {
        let (origin, _) = self.outstanding.remove(tid)?;
        self.order.retain(|t| t != tid);
        Some(origin)
    }

    /// Takes the transactions whose deadline has passed.
    pub(crate) fn take_expired(&mut self, now: Instant) -> SmallVec<[Origin; 4]> {
        let expired: SmallVec<[TransactionId; 4]> = self
            .outstanding
            .iter()
            .filter(|(_, (_, d))| *d <= now)
            .map(|(t, _)| *t)
            .collect();
        expired
            .iter()
            .filter_map(|t| self.take_outstanding(t))
            .collect()
    }

    /// Starts a relayed chunk of `spec` (after ending any other open chunk); returns its
    /// transaction identifier.
    pub(crate) fn begin_chunk(&mut self, spec: &ChunkSpec<P>, tid: TransactionId) -> TransactionId {
        self.interrupt();
        let range = ByteRange {
            start: spec.start,
            end: None,
            total: spec.total,
        };
        let mut out = BytesMut::new();
        let mut b = RequestBuilder::new(Method::Send, tid)
            .to_path(self.info.remote.as_str())
            .from_path(self.info.local.as_str())
            .message_id(spec.relayed.as_str())
            .byte_range(range);
        if let Some(s) = spec.success {
            b = b.success_report(s);
        }
        if spec.failure != ReportMode::Yes {
            b = b.failure_report(spec.failure);
        }
        let b = b.content_type("message/cpim");
        // Every value comes from checked types (URIs, identifiers, a range starting at 1 or
        // later): this cannot fail; if it did, the copy would simply stay empty.
        let written = ChunkWriter::begin(&mut out, &b).is_ok();
        drop(b);
        if written {
            self.push(out.freeze());
        }
        self.open = Some(OpenChunk {
            key: spec.key,
            tid,
            carry: SmallVec::new(),
        });
        tid
    }

    /// Writes body bytes into the open chunk. When `data` would complete the chunk's own
    /// end-line, writes up to the flag byte and returns how many bytes were taken: the caller
    /// ends the chunk with `+` and goes on in a new chunk with another identifier.
    ///
    /// `dashes` says whether `data` holds seven dashes in a row anywhere ([`has_dashes`]):
    /// without them no end-line can lie wholly inside `data`, whatever the identifier, so the
    /// scan of `data` is skipped. The caller finds that once per piece for all its copies.
    pub(crate) fn write_body(&mut self, data: &Bytes, dashes: bool) -> usize {
        let Some(open) = self.open.as_mut() else {
            return 0;
        };
        let keep = 7 + open.tid.len();
        let head_len = data.len().min(keep + 1);
        let mut seam: SmallVec<[u8; 2 * CARRY + 1]> = SmallVec::new();
        seam.extend_from_slice(&open.carry);
        seam.extend_from_slice(data.get(..head_len).unwrap_or_default());
        let carried = open.carry.len();
        let in_seam = find_end_line(&seam, &open.tid)
            .filter(|&f| f >= carried)
            .map(|f| f - carried);
        let in_data = if dashes {
            find_end_line(data, &open.tid)
        } else {
            None
        };
        let stop = match (in_seam, in_data) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap_or(data.len()),
        };
        // `stop` is 0 only when the carried bytes end with `-------<tid>` and `data` starts
        // with a flag byte: the caller then ends the chunk and starts another under a new
        // identifier, where the carry is empty and the same bytes cannot match again.
        let taken = data.slice(..stop.min(data.len()));
        let n = taken.len();
        if !taken.is_empty() {
            // Remember the tail for the next piece's seam.
            let tail_from = n.saturating_sub(keep);
            let mut carry: SmallVec<[u8; CARRY]> = SmallVec::new();
            let old_keep = keep.saturating_sub(n - tail_from);
            let old = open.carry.len().saturating_sub(old_keep);
            carry.extend_from_slice(open.carry.get(old..).unwrap_or_default());
            carry.extend_from_slice(taken.get(tail_from..).unwrap_or_default());
            open.carry = carry;
            self.push(taken);
        }
        n
    }

    /// Ends the open chunk with `flag`.
    pub(crate) fn end_chunk(&mut self, flag: Flag) {
        if let Some(open) = self.open.take() {
            self.push_end(end_line(open.tid, flag));
        }
    }
}

/// Whether `data` holds seven dashes in a row, the start of any end-line (RFC 4975 §7.1).
pub(crate) fn has_dashes(data: &[u8]) -> bool {
    static SEVEN_DASHES: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"-------"));
    SEVEN_DASHES.find(data).is_some()
}

/// CRLF and the end-line of `tid` with `flag`.
pub(crate) fn end_line(tid: TransactionId, flag: Flag) -> Bytes {
    let mut out = BytesMut::with_capacity(12 + tid.len());
    out.extend_from_slice(b"\r\n");
    tid.write_end_line(&mut out, flag);
    out.freeze()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use simpleim_msrp::{Decoded, Decoder, Limits};

    fn peer() -> Peer<u8> {
        Peer::new(ParticipantMsrp::new(
            "msrp://focus.example.com:2855/s1;tcp".parse().unwrap(),
            "msrp://bob.example.com:7777/b1;tcp".parse().unwrap(),
            "sip:bob@example.com",
        ))
    }

    fn spec() -> ChunkSpec<u8> {
        ChunkSpec {
            key: (1, "abcd".parse().unwrap()),
            relayed: "rel1".parse().unwrap(),
            start: 1,
            total: None,
            success: None,
            failure: ReportMode::Yes,
        }
    }

    fn drain(p: &mut Peer<u8>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut ended = false;
        while let Some((b, ends)) = p.pop() {
            out.extend_from_slice(&b);
            ended = ends;
        }
        // The last piece always ends a frame.
        assert!(out.is_empty() || ended);
        out
    }

    #[test]
    fn end_line_inside_a_body_is_cut_across_pieces() {
        // REQ: SW-6 — the body stays byte-exact even when it holds our own end-line.
        let mut p = peer();
        let tid: TransactionId = "tid1".parse().unwrap();
        p.begin_chunk(&spec(), tid);
        let a = Bytes::from_static(b"xx-----");
        let b = Bytes::from_static(b"--tid1$yy");
        assert_eq!(p.write_body(&a, true), 7);
        let n = p.write_body(&b, true);
        assert_eq!(n, 6, "stops before the flag byte");
        p.end_chunk(Flag::Continued);
        let wire = drain(&mut p);
        let mut d = Decoder::new(Limits::default());
        d.push(&wire);
        let Some(Decoded::Frame(f)) = d.poll().unwrap() else {
            panic!()
        };
        assert_eq!(&f.body[..], b"xx-------tid1");
        assert_eq!(f.flag, Flag::Continued);
    }

    #[test]
    fn interrupt_closes_with_plus() {
        let mut p = peer();
        p.begin_chunk(&spec(), "tid2".parse().unwrap());
        p.write_body(&Bytes::from_static(b"hello"), true);
        p.push_frame(Bytes::from_static(b"X"));
        let wire = drain(&mut p);
        assert!(wire.ends_with(b"hello\r\n-------tid2+\r\nX"));
        assert!(p.open.is_none());
    }
}
