//! A small set of byte ranges: which bytes of a sent message success REPORTs have covered
//! (RFC 4975 §7.1.3: reports may cover any ranges, in any order, overlapping).

/// Disjoint, non-adjacent, sorted half-open ranges `start..end` (0-based), at most
/// [`RangeSet::MAX_RANGES`] of them so that a peer cannot grow it without bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RangeSet {
    ranges: Vec<(u64, u64)>,
}

impl RangeSet {
    /// The most disjoint ranges kept; an insert that would need more is dropped. Honest peers
    /// report contiguous prefixes or whole messages, which merge into one range.
    pub(crate) const MAX_RANGES: usize = 64;

    /// Adds `start..end`, merging with overlapping and adjacent ranges. Returns false (and
    /// changes nothing) when the set is full and the range touches none of its ranges.
    pub(crate) fn insert(&mut self, start: u64, end: u64) -> bool {
        if start >= end {
            return true;
        }
        // The first range that ends at or after `start` (it may merge), and the first that
        // starts after `end` (it may not).
        let lo = self.ranges.partition_point(|&(_, e)| e < start);
        let hi = self.ranges.partition_point(|&(s, _)| s <= end);
        if lo == hi {
            if self.ranges.len() >= Self::MAX_RANGES {
                return false;
            }
            self.ranges.insert(lo, (start, end));
            return true;
        }
        let merged_start = self.ranges.get(lo).map_or(start, |&(s, _)| s.min(start));
        let merged_end = self.ranges.get(hi - 1).map_or(end, |&(_, e)| e.max(end));
        self.ranges.drain(lo..hi);
        self.ranges.insert(lo, (merged_start, merged_end));
        true
    }

    /// True when every byte of `start..end` is in the set.
    pub(crate) fn covers(&self, start: u64, end: u64) -> bool {
        if start >= end {
            return true;
        }
        let i = self.ranges.partition_point(|&(_, e)| e <= start);
        self.ranges
            .get(i)
            .is_some_and(|&(s, e)| s <= start && end <= e)
    }

    /// The number of disjoint ranges.
    #[cfg(test)]
    pub(crate) fn count(&self) -> usize {
        self.ranges.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_overlapping_and_adjacent() {
        // REQ: MSRP-5
        let mut s = RangeSet::default();
        assert!(s.insert(10, 20));
        assert!(s.insert(30, 40));
        assert_eq!(s.count(), 2);
        assert!(s.covers(12, 18) && !s.covers(15, 35));
        assert!(s.insert(20, 30)); // adjacent on both sides
        assert_eq!(s.ranges, [(10, 40)]);
        assert!(s.insert(0, 5));
        assert!(s.insert(3, 12));
        assert_eq!(s.ranges, [(0, 40)]);
        assert!(s.covers(0, 40) && !s.covers(0, 41));
        assert!(s.insert(50, 60) && s.insert(45, 70));
        assert_eq!(s.ranges, [(0, 40), (45, 70)]);
        assert!(s.insert(5, 5));
        assert!(s.covers(7, 7));
    }

    #[test]
    fn bounded() {
        let mut s = RangeSet::default();
        for i in 0..RangeSet::MAX_RANGES as u64 {
            assert!(s.insert(i * 10, i * 10 + 1));
        }
        assert!(!s.insert(1000, 1001));
        assert!(s.insert(0, 5)); // touches an existing range: still merges
        assert_eq!(s.count(), RangeSet::MAX_RANGES);
    }

    #[test]
    fn matches_a_bitmap() {
        // Random inserts against a naive model.
        let mut seed = 12345u64;
        let mut next = |m: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            (seed >> 33) % m
        };
        for _ in 0..200 {
            let mut s = RangeSet::default();
            let mut model = [false; 64];
            for _ in 0..8 {
                let a = next(64);
                let b = a + next(64 - a + 1);
                assert!(s.insert(a, b));
                for bit in &mut model[a as usize..b as usize] {
                    *bit = true;
                }
            }
            for a in 0..64u64 {
                for b in a..=64 {
                    let want = model[a as usize..b as usize].iter().all(|&x| x);
                    assert_eq!(s.covers(a, b), want, "{a}..{b} in {:?}", s.ranges);
                }
            }
        }
    }
}
