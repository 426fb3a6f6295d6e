//! What the clients count while they run: counters and latency histograms shared by every
//! client task (atomics: no lock on the hot path), and each receiver's own record of what it
//! got, to tell losses, duplicates and reordering apart.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Sub-buckets per power of two: values are kept within 1/32 (about 3 %).
const SUB_BITS: u32 = 5;
const SUB: usize = 1 << SUB_BITS;
/// Values below this are their own bucket.
const LINEAR: u64 = 2 * SUB as u64;
/// Enough octaves for 2^44 µs (six months).
const BUCKETS: usize = LINEAR as usize + 38 * SUB;

/// A log-linear histogram of microseconds, filled from many tasks at once.
#[derive(Debug)]
pub(crate) struct Histogram {
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    sum: AtomicU64,
    max: AtomicU64,
}

impl Histogram {
    pub(crate) fn new() -> Self {
        Self {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            max: AtomicU64::new(0),
        }
    }

    pub(crate) fn record(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        if let Some(b) = self.buckets.get(bucket(us)) {
            b.fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(us, Ordering::Relaxed);
        self.max.fetch_max(us, Ordering::Relaxed);
    }

    /// Count, mean, p50, p90, p99, p99.9 and max, in µs (a percentile is the upper end of
    /// its bucket, never above the max).
    pub(crate) fn summary(&self) -> Summary {
        let count = self.count.load(Ordering::Relaxed);
        let max = self.max.load(Ordering::Relaxed);
        let counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        let at = |q: f64| -> u64 {
            if count == 0 {
                return 0;
            }
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "a rank between 1 and count"
            )]
            let rank = ((q * count as f64).ceil() as u64).clamp(1, count);
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= rank {
                    return upper(i).min(max);
                }
            }
            max
        };
        Summary {
            count,
            mean: self
                .sum
                .load(Ordering::Relaxed)
                .checked_div(count)
                .unwrap_or(0),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max,
        }
    }
}

/// A histogram's figures, in µs.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Summary {
    pub(crate) count: u64,
    pub(crate) mean: u64,
    pub(crate) p50: u64,
    pub(crate) p90: u64,
    pub(crate) p99: u64,
    pub(crate) p999: u64,
    pub(crate) max: u64,
}

fn bucket(v: u64) -> usize {
    if v < LINEAR {
        // Below 64: fits.
        return usize::try_from(v).unwrap_or(0);
    }
    let exp = 63 - v.leading_zeros(); // >= SUB_BITS + 1
    let shift = exp - SUB_BITS;
    let sub = usize::try_from((v >> shift) & (SUB as u64 - 1)).unwrap_or(0);
    let octave = usize::try_from(exp - SUB_BITS - 1).unwrap_or(0);
    (LINEAR as usize + octave * SUB + sub).min(BUCKETS - 1)
}

/// The largest value of bucket `i`.
fn upper(i: usize) -> u64 {
    let i = i as u64;
    if i < LINEAR {
        return i;
    }
    let octave = (i - LINEAR) / SUB as u64;
    let sub = (i - LINEAR) % SUB as u64;
    let shift = octave + 1;
    ((SUB as u64 + sub + 1) << shift) - 1
}

/// Counters of the whole run, one atomic each.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Messages handed to a client's MSRP session.
    pub(crate) sent: AtomicU64,
    /// Messages the session refused (queue full, closed).
    pub(crate) send_errors: AtomicU64,
    /// Sent messages the focus acknowledged with 200 (`Event::Sent`).
    pub(crate) acked: AtomicU64,
    /// Sent messages that failed (`Event::SendFailed`: an error response, a timeout, the
    /// session closed).
    pub(crate) send_failed: AtomicU64,
    /// Deliveries expected: for each message sent, the members of its room but the sender.
    pub(crate) expected: AtomicU64,
    /// Load messages received for the first time by a member of the sender's room.
    pub(crate) received: AtomicU64,
    /// Load messages received again.
    pub(crate) duplicates: AtomicU64,
    /// Load messages received before one sent earlier by the same sender.
    pub(crate) reordered: AtomicU64,
    /// Load messages received by a client outside the sender's room, or by the sender.
    pub(crate) misrouted: AtomicU64,
    /// Other messages (not a load message, or no CPIM).
    pub(crate) other: AtomicU64,
    /// Incoming messages the session gave up (`Event::MessageAborted`).
    pub(crate) aborted: AtomicU64,
    /// MSRP connections that ended while their client was in the room.
    pub(crate) msrp_lost: AtomicU64,
    /// SIP connections that ended while their client was in the room.
    pub(crate) sip_lost: AtomicU64,
    /// BYEs the server sent before the end (a client removed from its room).
    pub(crate) early_byes: AtomicU64,
    /// BYEs the server sent at the end: its SIGINT (`--leave stay`), or crossing a
    /// client's own BYE.
    pub(crate) final_byes: AtomicU64,
    /// Other SIP requests from the server.
    pub(crate) other_requests: AtomicU64,
    /// Clients that left with a BYE answered 200.
    pub(crate) left: AtomicU64,
    /// Clients whose BYE got no final response in time, or another one.
    pub(crate) leave_failed: AtomicU64,
    /// MSRP bytes the clients read.
    pub(crate) msrp_bytes_in: AtomicU64,
    /// The most bytes one client had waiting for its MSRP socket (the server not reading).
    pub(crate) max_backlog: AtomicU64,
    /// When the latest first delivery arrived, in ns since the epoch of the timestamps.
    pub(crate) last_delivery_ns: AtomicU64,
}

impl Counters {
    pub(crate) fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    pub(crate) fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }
}

/// What one receiver got: a bit per message of its room (indexed by the sender's round and
/// place in the room), and the latest round seen from each sender.
#[derive(Debug)]
pub(crate) struct ReceiverLog {
    /// Members the room was planned with (the stride of the index).
    capacity: usize,
    /// Rounds planned: no sender sends more.
    rounds: u64,
    seen: Vec<u64>,
    /// The latest round seen from each place, `u64::MAX` for none yet.
    latest: Vec<u64>,
}

/// What a received message was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    First,
    /// Received before: a duplicate.
    Again,
    /// First, but after a later message of the same sender.
    Reordered,
    /// Names a place or round the plan does not have.
    Unknown,
}

impl ReceiverLog {
    pub(crate) fn new(capacity: usize, rounds: u64) -> Self {
        let bits = usize::try_from(rounds)
            .unwrap_or(usize::MAX)
            .saturating_mul(capacity);
        Self {
            capacity,
            rounds,
            seen: vec![0; bits.div_ceil(64)],
            latest: vec![u64::MAX; capacity],
        }
    }

    /// Records the message of round `round` from the sender at `place` in the room.
    pub(crate) fn record(&mut self, place: usize, round: u64) -> Seen {
        if place >= self.capacity || round >= self.rounds {
            return Seen::Unknown;
        }
        let Ok(r) = usize::try_from(round) else {
            return Seen::Unknown;
        };
        let index = r * self.capacity + place;
        let (word, bit) = (index / 64, 1u64 << (index % 64));
        let Some(w) = self.seen.get_mut(word) else {
            return Seen::Unknown;
        };
        if *w & bit != 0 {
            return Seen::Again;
        }
        *w |= bit;
        let Some(latest) = self.latest.get_mut(place) else {
            return Seen::Unknown;
        };
        if *latest != u64::MAX && *latest > round {
            return Seen::Reordered;
        }
        *latest = round;
        Seen::First
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_values_within_three_percent() {
        for v in [
            0u64,
            1,
            63,
            64,
            65,
            100,
            1000,
            12_345,
            1 << 30,
            (1 << 40) + 7,
        ] {
            let b = bucket(v);
            let hi = upper(b);
            assert!(hi >= v, "{v} -> {b} -> {hi}");
            assert!(hi - v <= v / 32 + 1, "{v} -> {hi}");
        }
        for i in 0..BUCKETS - 1 {
            assert_eq!(bucket(upper(i)), i);
            assert_eq!(bucket(upper(i) + 1), i + 1);
        }
    }

    #[test]
    fn percentiles() {
        let h = Histogram::new();
        for us in 1..=1000u64 {
            h.record(Duration::from_micros(us));
        }
        let s = h.summary();
        assert_eq!((s.count, s.max), (1000, 1000));
        assert!((500..=516).contains(&s.p50), "{s:?}");
        assert!((990..=1000).contains(&s.p99), "{s:?}");
    }

    #[test]
    fn receiver_log_tells_duplicates_and_reordering() {
        let mut log = ReceiverLog::new(3, 4);
        assert_eq!(log.record(1, 0), Seen::First);
        assert_eq!(log.record(1, 0), Seen::Again);
        assert_eq!(log.record(1, 2), Seen::First);
        assert_eq!(log.record(1, 1), Seen::Reordered);
        assert_eq!(log.record(1, 1), Seen::Again);
        assert_eq!(log.record(3, 0), Seen::Unknown);
        assert_eq!(log.record(0, 4), Seen::Unknown);
    }
}
