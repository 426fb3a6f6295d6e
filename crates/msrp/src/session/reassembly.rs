//! The virtual buffer of one incoming message (RFC 4975 §7.3.1): chunks placed by their
//! Byte-Range, in any order, duplicated or overlapping, with gaps until the missing bytes
//! arrive. Where chunks overlap, the last one received wins ("the last chunk received SHOULD
//! take precedence").
//!
//! Memory: the bytes from the first byte on that have all arrived (the *prefix*) sit in one
//! growing buffer, so a message that arrives in order is copied once; bytes beyond a gap are
//! kept as separate segments in their own right-sized buffers, so a small chunk never keeps
//! a large receive buffer alive. A message that arrives as one piece at offset 0 keeps that
//! piece as it came (zero-copy). Bounds are the caller's: see [`Reassembly::buffered`].

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};

/// What a segment beyond a gap costs besides its bytes, for the accounting of
/// [`Reassembly::buffered`]: a map node and a buffer header. Charging it keeps a peer that
/// sends many one-byte chunks with gaps inside the byte limits.
pub(crate) const SEGMENT_OVERHEAD: u64 = 64;

/// One message being reassembled. Offsets are 0-based (Byte-Range positions minus one).
#[derive(Debug, Default)]
pub(crate) struct Reassembly {
    /// The data at offset 0 exactly as it arrived, while it is the only data.
    single: Option<Bytes>,
    /// Bytes `0..prefix.len()`, all received (empty while `single` holds the data).
    prefix: BytesMut,
    /// Received bytes beyond the prefix, by start offset: disjoint, none touching the
    /// prefix.
    pending: BTreeMap<u64, Bytes>,
    pending_bytes: u64,
    /// One past the highest byte received.
    extent: u64,
}

impl Reassembly {
    /// The number of bytes from offset 0 on that have all arrived.
    pub(crate) fn contiguous(&self) -> u64 {
        match &self.single {
            Some(b) => b.len() as u64,
            None => self.prefix.len() as u64,
        }
    }

    /// One past the highest byte received (0 when nothing has arrived).
    pub(crate) fn extent(&self) -> u64 {
        self.extent
    }

    /// What this message holds, for the session's limits: its bytes plus
    /// [`SEGMENT_OVERHEAD`] per segment beyond a gap.
    pub(crate) fn buffered(&self) -> u64 {
        self.contiguous()
            .saturating_add(self.pending_bytes)
            .saturating_add(SEGMENT_OVERHEAD.saturating_mul(self.pending.len() as u64))
    }

    /// What [`Reassembly::buffered`] would be after inserting `len` bytes at `offset`, at
    /// most (overlaps can only make it smaller).
    pub(crate) fn buffered_after(&self, offset: u64, len: u64) -> u64 {
        let extra = if offset > self.contiguous() {
            len.saturating_add(SEGMENT_OVERHEAD)
        } else {
            offset.saturating_add(len).saturating_sub(self.contiguous())
        };
        self.buffered().saturating_add(extra)
    }

    /// True when bytes `0..total` have all arrived.
    pub(crate) fn is_complete(&self, total: u64) -> bool {
        self.contiguous() >= total
    }

    /// Places `data` at `offset`; it takes precedence over bytes received before.
    pub(crate) fn insert(&mut self, offset: u64, data: Bytes) {
        if data.is_empty() {
            return;
        }
        let len = data.len() as u64;
        let end = offset.saturating_add(len);
        self.extent = self.extent.max(end);
        self.cut_pending(offset, end);
        let have = self.contiguous();
        if offset > have {
            // Beyond a gap: an own copy, so that a slice never pins a larger buffer.
            self.pending_bytes = self.pending_bytes.saturating_add(len);
            self.pending.insert(offset, Bytes::copy_from_slice(&data));
            return;
        }
        if have == 0 && self.pending.is_empty() {
            // The first data, at offset 0 (`offset <= have` here): keep it as it came.
            self.single = Some(data);
            return;
        }
        if let Some(single) = self.single.take() {
            self.prefix = BytesMut::from(&single[..]);
        }
        // `offset <= have`, both fit in memory: the prefix is in memory.
        let at = usize::try_from(offset).unwrap_or(usize::MAX);
        let overlap = self.prefix.len().saturating_sub(at).min(data.len());
        if let (Some(dst), Some(src)) = (self.prefix.get_mut(at..at + overlap), data.get(..overlap))
        {
            dst.copy_from_slice(src);
        }
        self.prefix
            .extend_from_slice(data.get(overlap..).unwrap_or_default());
        self.absorb_pending();
    }

    /// Removes the parts of pending segments that `start..end` covers (new data wins).
    fn cut_pending(&mut self, start: u64, end: u64) {
        let hit: Vec<u64> = self
            .pending
            .range(..end)
            .rev()
            .take_while(|(s, b)| s.saturating_add(b.len() as u64) > start)
            .map(|(s, _)| *s)
            .collect();
        for s in hit {
            let Some(seg) = self.pending.remove(&s) else {
                continue;
            };
            self.pending_bytes = self.pending_bytes.saturating_sub(seg.len() as u64);
            let e = s.saturating_add(seg.len() as u64);
            // Survivors are copied so that they do not pin the old buffer.
            if s < start {
                let keep = usize::try_from(start - s).unwrap_or(usize::MAX);
                self.put_pending(s, seg.get(..keep).unwrap_or_default());
            }
            if e > end {
                let skip = usize::try_from(end - s).unwrap_or(usize::MAX);
                self.put_pending(end, seg.get(skip..).unwrap_or_default());
            }
        }
    }

    fn put_pending(&mut self, at: u64, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.pending_bytes = self.pending_bytes.saturating_add(bytes.len() as u64);
            self.pending.insert(at, Bytes::copy_from_slice(bytes));
        }
    }

    /// Moves pending segments that now touch the prefix into it.
    fn absorb_pending(&mut self) {
        while let Some(entry) = self.pending.first_entry() {
            let have = self.prefix.len() as u64;
            let s = *entry.key();
            if s > have {
                break;
            }
            let seg = entry.remove();
            self.pending_bytes = self.pending_bytes.saturating_sub(seg.len() as u64);
            let skip = usize::try_from(have - s).unwrap_or(usize::MAX);
            self.prefix
                .extend_from_slice(seg.get(skip..).unwrap_or_default());
        }
    }

    /// The first `total` bytes as one buffer: the piece that came alone at offset 0 as it
    /// came, otherwise the prefix (no further copy).
    pub(crate) fn into_body(self, total: u64) -> Bytes {
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        match self.single {
            Some(b) => b.slice(..total.min(b.len())),
            None => {
                let mut p = self.prefix;
                p.truncate(total);
                p.freeze()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &[u8]) -> Bytes {
        Bytes::copy_from_slice(s)
    }

    #[test]
    fn in_order_and_zero_copy() {
        // REQ: MSRP-4 (RFC 4975 §7.3.1)
        let mut r = Reassembly::default();
        let whole = Bytes::from_static(b"Hello, world");
        r.insert(0, whole.clone());
        assert!(r.is_complete(12));
        let body = r.into_body(12);
        assert_eq!(body, whole);
        assert_eq!(
            body.as_ptr(),
            whole.as_ptr(),
            "one piece at offset 0 is not copied"
        );

        let mut r = Reassembly::default();
        r.insert(0, bytes(b"abcd"));
        r.insert(4, bytes(b"EFGH"));
        assert_eq!(r.contiguous(), 8);
        assert_eq!(r.into_body(8), &b"abcdEFGH"[..]);
    }

    #[test]
    fn out_of_order_with_gaps() {
        // REQ: MSRP-4 (RFC 4975 §7.3.1: chunks in any order)
        let mut r = Reassembly::default();
        r.insert(8, bytes(b"89"));
        r.insert(4, bytes(b"4567"));
        assert_eq!(r.contiguous(), 0);
        assert_eq!(r.extent(), 10);
        assert_eq!(r.buffered(), 6 + 2 * SEGMENT_OVERHEAD);
        assert!(!r.is_complete(10));
        r.insert(0, bytes(b"0123"));
        assert!(r.is_complete(10));
        assert_eq!(r.buffered(), 10);
        assert_eq!(r.into_body(10), &b"0123456789"[..]);
    }

    #[test]
    fn duplicates_and_overlaps_last_wins() {
        // REQ: MSRP-4 (RFC 4975 §7.3.1: "the last chunk received SHOULD take precedence")
        let mut r = Reassembly::default();
        r.insert(0, bytes(b"aaaaaaaaaa")); // 1-10
        r.insert(4, bytes(b"BBBBBB")); // 5-10 again, overwriting
        assert_eq!(r.contiguous(), 10);
        r.insert(8, bytes(b"CCCC")); // overlaps the end and extends
        assert_eq!(r.into_body(12), &b"aaaaBBBBCCCC"[..]);

        // Overlaps among segments beyond a gap.
        let mut r = Reassembly::default();
        r.insert(10, bytes(b"xxxxxxxxxx")); // 10..20
        r.insert(14, bytes(b"yy")); // splits it
        assert_eq!(r.buffered(), 10 + 3 * SEGMENT_OVERHEAD);
        r.insert(5, bytes(b"zzzzzzz")); // 5..12 cuts the front
        r.insert(0, bytes(b"00000"));
        assert_eq!(r.into_body(20), &b"00000zzzzzzzxxyyxxxx"[..]);
    }

    #[test]
    fn duplicate_of_the_single_piece() {
        let mut r = Reassembly::default();
        r.insert(0, bytes(b"abc"));
        r.insert(0, bytes(b"ABC"));
        assert_eq!(r.into_body(3), &b"ABC"[..]);
    }

    #[test]
    fn buffered_after_is_an_upper_bound() {
        let mut r = Reassembly::default();
        r.insert(0, bytes(b"0123"));
        assert_eq!(r.buffered_after(2, 4), 6);
        assert_eq!(r.buffered_after(10, 4), 4 + 4 + SEGMENT_OVERHEAD);
        assert_eq!(r.buffered_after(0, 2), 4);
    }

    #[test]
    fn matches_a_model() {
        // Random chunkings with duplicates and overlaps against a byte array where later
        // writes win.
        let mut seed = 99u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for round in 0..300 {
            let total = 1 + next(200);
            let mut model = vec![None::<u8>; total as usize];
            let mut r = Reassembly::default();
            let mut version = 0u8;
            while model.iter().any(Option::is_none) {
                version = version.wrapping_add(1);
                let start = next(total);
                let len = 1 + next(total - start);
                let data: Vec<u8> = (0..len).map(|i| version ^ (i as u8)).collect();
                for (i, b) in data.iter().enumerate() {
                    model[(start as usize) + i] = Some(*b);
                }
                r.insert(start, Bytes::from(data));
                let contiguous = model.iter().take_while(|b| b.is_some()).count() as u64;
                assert_eq!(r.contiguous(), contiguous, "round {round}");
            }
            assert!(r.is_complete(total));
            let want: Vec<u8> = model.into_iter().map(Option::unwrap_or_default).collect();
            assert_eq!(r.into_body(total), want, "round {round}");
        }
    }
}
