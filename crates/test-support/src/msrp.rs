//! A two-party MSRP harness: two [`Session`]s joined by a simulated connection, with a
//! simulated clock (a base [`Instant`] plus offsets, never sleeping).
//!
//! Each direction of the connection is a [`Link`]: bytes written at time `t` become readable
//! at `t + latency`, and the receiving side reads them in pieces of the sizes in
//! [`Link::reads`] (cycled), so that frames arrive split anywhere. Each side writes at most
//! [`Pair::write_budget`] outputs of [`Session::poll_transmit`] per step, as a host with a
//! slow socket would, which leaves chunks half written while the peer's traffic arrives: the
//! situation in which a session must interrupt a chunk.
//!
//! After every input the harness drains a session in the documented order: transmit (up to
//! the budget), events, timeout.
//!
//! ```
//! use bytes::Bytes;
//! use simpleim_msrp::{Event, SendOptions};
//! use simpleim_test_support::msrp::Pair;
//!
//! let mut pair = Pair::rfc(1);
//! let now = pair.now;
//! let id = pair.alice.session
//!     .send_message(now, "text/plain", Bytes::from_static(b"Hi"), SendOptions::new())
//!     .unwrap();
//! pair.run();
//! assert_eq!(pair.bob.messages(), [(id, b"Hi".to_vec())]);
//! assert!(matches!(pair.alice.events[..], [Event::Sent { .. }]));
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_msrp::{Event, MessageId, MsrpUri, Path, SeededIds, Session, SessionConfig};

/// Alice's URI in the RFC 4975 §11.1 example.
pub const ALICE: &str = "msrp://alicepc.example.com:7777/iau39soe2843z;tcp";
/// Bob's URI in the RFC 4975 §11.1 example.
pub const BOB: &str = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";

/// The most steps [`Pair::run`] takes before deciding the sessions are stuck.
const MAX_STEPS: usize = 10_000_000;

/// A base instant for a simulated clock: the one reading of a real clock, never compared
/// with another; simulated time is this plus offsets.
#[must_use]
pub fn epoch() -> Instant {
    #[allow(clippy::disallowed_methods)]
    Instant::now()
}

/// One direction of the simulated connection.
#[derive(Debug, Clone, Default)]
pub struct Link {
    /// How long bytes take to arrive.
    pub latency: Duration,
    /// The sizes of the reads the receiver makes, cycled; empty reads everything at once.
    pub reads: Vec<usize>,
    next_read: usize,
    in_flight: VecDeque<(Instant, Bytes)>,
    /// Every byte written to this direction, in order.
    pub written: Vec<u8>,
}

impl Link {
    fn write(&mut self, now: Instant, bytes: Bytes) {
        self.written.extend_from_slice(&bytes);
        let at = now.checked_add(self.latency).unwrap_or(now);
        self.in_flight.push_back((at, bytes));
    }

    /// The bytes readable at `now`, cut into the reads the receiver makes.
    fn take_reads(&mut self, now: Instant) -> Vec<Vec<u8>> {
        let mut data = Vec::new();
        while self.in_flight.front().is_some_and(|(at, _)| *at <= now) {
            if let Some((_, b)) = self.in_flight.pop_front() {
                data.extend_from_slice(&b);
            }
        }
        if data.is_empty() {
            return Vec::new();
        }
        if self.reads.is_empty() {
            return vec![data];
        }
        let mut out = Vec::new();
        let mut rest = data.as_slice();
        while !rest.is_empty() {
            let n = self
                .reads
                .get(self.next_read % self.reads.len())
                .map_or(1, |&n| n.max(1));
            self.next_read += 1;
            let (a, b) = rest.split_at(n.min(rest.len()));
            out.push(a.to_vec());
            rest = b;
        }
        out
    }

    /// When the next bytes in flight arrive.
    fn next_arrival(&self) -> Option<Instant> {
        self.in_flight.front().map(|(at, _)| *at)
    }

    /// True when nothing is in flight.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }
}

/// One endpoint: its session and what it reported.
#[derive(Debug)]
pub struct Side {
    /// The session.
    pub session: Session,
    /// Every event it emitted, in order.
    pub events: Vec<Event>,
    timeout: Option<Instant>,
}

impl Side {
    fn new(session: Session) -> Self {
        Self {
            session,
            events: Vec::new(),
            timeout: None,
        }
    }

    /// The messages it received, in order: Message-ID and body.
    #[must_use]
    pub fn messages(&self) -> Vec<(MessageId, Vec<u8>)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Message {
                    message_id, body, ..
                } => Some((*message_id, body.to_vec())),
                _ => None,
            })
            .collect()
    }

    /// Drains the session in the documented order: up to `budget` transmits into `link`,
    /// then events, then the timeout. True when it wrote something.
    fn drain(&mut self, link: &mut Link, now: Instant, budget: usize) -> bool {
        let mut wrote = false;
        for _ in 0..budget {
            match self.session.poll_transmit() {
                Some(b) => {
                    link.write(now, b);
                    wrote = true;
                }
                None => break,
            }
        }
        while let Some(e) = self.session.poll_event() {
            self.events.push(e);
        }
        self.timeout = self.session.poll_timeout();
        wrote
    }
}

/// Two sessions, Alice and Bob, on one simulated connection.
#[derive(Debug)]
pub struct Pair {
    /// Alice's end.
    pub alice: Side,
    /// Bob's end.
    pub bob: Side,
    /// Alice to Bob.
    pub to_bob: Link,
    /// Bob to Alice.
    pub to_alice: Link,
    /// The simulated time.
    pub now: Instant,
    start: Instant,
    /// Outputs of `poll_transmit` each side writes per step (default: unlimited).
    pub write_budget: usize,
}

impl Pair {
    /// Two sessions with these configurations, at a fresh simulated time.
    #[must_use]
    pub fn new(alice: SessionConfig, bob: SessionConfig) -> Self {
        let start = epoch();
        Self {
            alice: Side::new(Session::new(alice)),
            bob: Side::new(Session::new(bob)),
            to_bob: Link::default(),
            to_alice: Link::default(),
            now: start,
            start,
            write_budget: usize::MAX,
        }
    }

    /// The configurations of Alice and Bob of the RFC 4975 §11.1 example, identifiers seeded
    /// from `seed`, otherwise the defaults.
    #[must_use]
    pub fn rfc_configs(seed: u64) -> (SessionConfig, SessionConfig) {
        let alice: MsrpUri = ALICE.parse().unwrap();
        let bob: MsrpUri = BOB.parse().unwrap();
        (
            SessionConfig::new(
                alice.clone(),
                Path::from(bob.clone()),
                Box::new(SeededIds::new(seed)),
            ),
            SessionConfig::new(
                bob,
                Path::from(alice),
                Box::new(SeededIds::new(seed ^ 0x5eed)),
            ),
        )
    }

    /// Alice and Bob with [`Pair::rfc_configs`].
    #[must_use]
    pub fn rfc(seed: u64) -> Self {
        let (a, b) = Self::rfc_configs(seed);
        Self::new(a, b)
    }

    /// Time since the pair was made.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// One round: both sides write (up to the budget), the bytes due arrive (in the reads
    /// of each link), due timers fire. True when anything happened.
    pub fn step(&mut self) -> bool {
        let now = self.now;
        let budget = self.write_budget;
        let mut progress = self.alice.drain(&mut self.to_bob, now, budget);
        progress |= self.bob.drain(&mut self.to_alice, now, budget);
        for read in self.to_bob.take_reads(now) {
            self.bob.session.handle_bytes(now, &read);
            self.bob.drain(&mut self.to_alice, now, budget);
            progress = true;
        }
        for read in self.to_alice.take_reads(now) {
            self.alice.session.handle_bytes(now, &read);
            self.alice.drain(&mut self.to_bob, now, budget);
            progress = true;
        }
        if self.alice.timeout.is_some_and(|t| t <= now) {
            self.alice.session.handle_timeout(now);
            self.alice.drain(&mut self.to_bob, now, budget);
            progress = true;
        }
        if self.bob.timeout.is_some_and(|t| t <= now) {
            self.bob.session.handle_timeout(now);
            self.bob.drain(&mut self.to_alice, now, budget);
            progress = true;
        }
        progress
    }

    /// When the next bytes in flight (either way) arrive.
    #[must_use]
    pub fn next_arrival(&self) -> Option<Instant> {
        self.to_bob
            .next_arrival()
            .into_iter()
            .chain(self.to_alice.next_arrival())
            .min()
    }

    /// Steps until nothing more happens without timers: time moves on only as far as
    /// bytes in flight need to arrive (timers due on the way fire).
    ///
    /// # Panics
    /// When the sessions never settle (a livelock).
    pub fn run(&mut self) {
        for _ in 0..MAX_STEPS {
            if self.step() {
                continue;
            }
            // Time moves on to the next arrival, stopping at timers due before it.
            let Some(arrival) = self.next_arrival() else {
                return;
            };
            let next = self
                .alice
                .timeout
                .into_iter()
                .chain(self.bob.timeout)
                .chain([arrival])
                .min()
                .unwrap_or(arrival);
            self.now = self.now.max(next);
        }
        panic!("the sessions did not settle in {MAX_STEPS} steps");
    }

    /// [`Pair::run`], then time jumps to each pending timer in turn until none is left.
    ///
    /// # Panics
    /// When the sessions never settle.
    pub fn settle(&mut self) {
        for _ in 0..MAX_STEPS {
            self.run();
            let next = self.alice.timeout.into_iter().chain(self.bob.timeout).min();
            match next {
                Some(at) => self.now = self.now.max(at),
                None => return,
            }
        }
        panic!("the timers did not settle in {MAX_STEPS} rounds");
    }

    /// Moves the clock on by `by` and runs.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.run();
    }
}
