//! The layer's timer queue: one entry per transaction (its earliest armed timer), ordered by
//! instant, so that [`poll_timeout`](super::TransactionLayer::poll_timeout) is the first entry
//! and [`handle_timeout`](super::TransactionLayer::handle_timeout) takes the entries that are
//! due. Each transaction keeps its own timers (RFC 3261 Table 4) and says which is next.

use core::time::Duration;
use std::collections::BTreeSet;
use std::time::Instant;

/// What a queue entry wakes up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Slot {
    /// A client transaction.
    Client(u64),
    /// A server transaction.
    Server(u64),
    /// A remembered ACK for a 2xx, forgotten when its entry fires.
    Ack(u64),
}

/// `now + d`; `now` itself if the sum does not fit an `Instant` (durations are clamped to an
/// hour, so this does not happen on any real clock).
pub(crate) fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d).unwrap_or(now)
}

/// A retransmission timer (A, E, G, the 2xx retransmissions): when it fires next and the
/// interval it was last armed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub(crate) at: Instant,
    pub(crate) interval: Duration,
}

impl Backoff {
    /// Armed at `now` for `interval`.
    pub(crate) fn start(now: Instant, interval: Duration) -> Self {
        Self {
            at: later(now, interval),
            interval,
        }
    }

    /// Re-armed at `now` (its firing) with the next interval: doubled, capped at `cap` when
    /// there is one (Timer A has none, §17.1.1.2; E and G are capped at T2).
    pub(crate) fn doubled(self, now: Instant, cap: Option<Duration>) -> Self {
        let next = self.interval.saturating_mul(2);
        Self::start(now, cap.map_or(next, |c| next.min(c)))
    }
}

/// The earliest of some optional instants.
pub(crate) fn earliest(times: impl IntoIterator<Item = Option<Instant>>) -> Option<Instant> {
    times.into_iter().flatten().min()
}

/// The queue: `(instant, slot)` pairs, at most one per slot (the slot's owner remembers the
/// instant it is queued under, to move it).
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    entries: BTreeSet<(Instant, Slot)>,
}

impl TimerQueue {
    /// Moves `slot` from `old` to `new` (either may be `None`).
    pub(crate) fn reschedule(&mut self, slot: Slot, old: Option<Instant>, new: Option<Instant>) {
        if old == new {
            return;
        }
        if let Some(at) = old {
            self.entries.remove(&(at, slot));
        }
        if let Some(at) = new {
            self.entries.insert((at, slot));
        }
    }

    /// The earliest instant queued.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.entries.first().map(|(at, _)| *at)
    }

    /// Removes and returns every slot due at `now`, earliest first. A slot re-armed while
    /// these are handled waits for the next call, so a call always ends.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<Slot> {
        let mut due = Vec::new();
        while let Some(&(at, slot)) = self.entries.first() {
            if at > now {
                break;
            }
            self.entries.pop_first();
            due.push(slot);
        }
        due
    }
}
