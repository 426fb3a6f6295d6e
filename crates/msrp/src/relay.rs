//! An MSRP relay (RFC 4976; REQ: MSRP-6), sans-IO: [`Relay`] authenticates clients with
//! AUTH and HTTP Digest, hands out URIs (Use-Path) valid for an Expires interval, and forwards
//! SEND, REPORT, NICKNAME and other requests and their responses along To-Path, streaming
//! bodies through as they arrive.
//!
//! # The drain loop
//! The host owns the sockets and names each connection with a handle `C` of its choosing
//! (any `Copy + Eq + Hash` value: an index, a token). After every input it drains the
//! outputs in this order: [`Relay::poll_transmit`] (bytes for a connection) until `None`,
//! then [`Relay::poll_event`] until `None` (connections to open or close, readers to pause),
//! then [`Relay::poll_timeout`] (when to call [`Relay::handle_timeout`]).
//!
//! ```
//! use std::time::Instant;
//!
//! use simpleim_msrp::relay::{Direction, Event, Relay, RelayConfig, StaticCredentials};
//! use simpleim_msrp::SeededIds;
//!
//! let credentials = StaticCredentials::new().with_user("alice", "secret");
//! let mut relay: Relay<u32> = Relay::new(RelayConfig::new(
//!     "relay.example.com",
//!     2855,
//!     Box::new(credentials),
//!     Box::new(SeededIds::new(7)), // seed from a real random source in production
//! ));
//! let now = Instant::now(); // time is an input: the host's clock
//!
//! // A client connects (connection 1) and sends an AUTH without credentials.
//! relay.handle_connected(now, 1, Direction::Accepted);
//! relay.handle_bytes(now, 1, b"MSRP 49fh AUTH\r\n\
//!     To-Path: msrp://relay.example.com:2855;tcp\r\n\
//!     From-Path: msrp://alice.example.com:9892/98cjs;tcp\r\n\
//!     -------49fh$\r\n");
//!
//! // Drain: bytes for connections, then events, then the next timer.
//! let mut to_client = Vec::new();
//! while let Some((conn, bytes)) = relay.poll_transmit() {
//!     assert_eq!(conn, 1);
//!     to_client.extend_from_slice(&bytes); // the host writes these to the socket
//! }
//! while let Some(event) = relay.poll_event() {
//!     match event {
//!         Event::Connect { .. } => { /* dial, then handle_connected(.., Direction::Dialed) */ }
//!         Event::Close { .. } => { /* close the socket */ }
//!         _ => {}
//!     }
//! }
//! let _next = relay.poll_timeout();
//! assert!(to_client.starts_with(b"MSRP 49fh 401 Unauthorized\r\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What it does (RFC 4976)
//! - §5.1, §6.3, §9.1: AUTH addressed to the relay is challenged (401 with a nonce from the
//!   injected generator), verified against [`RelayCredentials`] (401 again, 403 when not
//!   authorized, 423 with Min-Expires or Max-Expires when the asked Expires is out of
//!   bounds), and answered 200 with a Use-Path URI whose session-id comes from the
//!   generator, Expires, and Authentication-Info (nextnonce, rspauth). A second AUTH on the
//!   same connection from the same From-Path refreshes the same URI.
//! - §6.2, §6.4: a request's first To-Path URI must name the relay (else the connection is
//!   closed) and one of its live URIs (else 481); the relay moves its URI from To-Path to
//!   the front of From-Path and forwards the request under a new transaction identifier:
//!   toward the client that owns the URI when it came from elsewhere, else to the next To-Path
//!   URI (another of its own URIs is followed at once; a foreign one goes over a connection
//!   that reaches its authority, or one the host is asked to open).
//! - §6.4.1, §7: a SEND with Failure-Report `yes` is answered 200 at once (hop by hop); its
//!   body streams to the next hop as it arrives. A chunk being streamed is interrupted (`+`)
//!   when another frame must go on the same connection, and resumed under a new transaction
//!   identifier with the Byte-Range of its first byte not yet sent. No 200 from the next hop
//!   within [`RelayConfig::transaction_timeout`] of the last byte, or an error response,
//!   becomes a REPORT (408 or the response's code) to the sender.
//! - §6.4.2, §6.4.3: other requests go end to end (unknown methods too, or 501 when so
//!   configured); their responses come back under the original transaction identifier.
//! - §6.1, §6.5: probation for new connections; connections are the host's to keep.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::Instant;

use bytes::Bytes;

use crate::decode::{Decoded, Decoder};
use crate::frame::TransactionId;

mod auth;
mod config;
mod conns;
mod event;
mod out;
mod route;

pub use config::{RelayConfig, RelayCredentials, RelayLimits, StaticCredentials};
pub use event::{CloseReason, Event};

use out::{Outbound, Stream, Target};

/// How a connection came to be, for [`Relay::handle_connected`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Direction {
    /// Accepted on the relay's listening socket (a client, or a relay forwarding to us).
    Accepted,
    /// Opened by the host after [`Event::Connect`] for this authority (`host:port` as the
    /// event said).
    Dialed {
        /// The authority of the event.
        authority: String,
    },
}

/// What the body parts being read on a connection belong to.
#[derive(Debug, Default)]
enum Current<C> {
    /// Nothing (between frames).
    #[default]
    None,
    /// A SEND streaming through (the stream, and its head for the per-hop response).
    Stream(u64, Box<crate::frame::FrameHead>),
    /// A request other than SEND: its body parts are gathered (at most the decoder's 10 KiB
    /// non-SEND limit) and it is forwarded whole.
    Collect(Box<route::Collect<C>>),
    /// A request refused at its head, and the status to answer at its end: its body is
    /// dropped.
    Discard(Option<(Box<crate::frame::FrameHead>, u16)>),
}

/// One connection.
#[derive(Debug)]
struct Conn<C> {
    decoder: Decoder,
    current: Current<C>,
    /// The authority (lower-case `host:port`) this connection leads to, once known: dialed
    /// for it, or learnt from the first From-Path URI of a request it carried.
    reaches: Option<String>,
    /// Closed unless a request succeeds before this instant (RFC 4976 §6.1).
    probation: Option<Instant>,
    auth_failures: u32,
    /// Reading paused by the relay.
    paused: bool,
    out: Outbound<C>,
}

/// A URI handed out by AUTH (RFC 4976 §6.3).
#[derive(Debug)]
struct Session<C> {
    /// The connection the AUTH came on: the way to the client.
    conn: C,
    uri: String,
    /// The From-Path of the AUTH: a second AUTH with the same one refreshes.
    from_path: Bytes,
    expires_at: Instant,
}

/// A nonce handed out in a challenge.
#[derive(Debug, Clone, Copy)]
struct Nonce {
    expires_at: Instant,
    /// The highest nonce count seen (replays are refused).
    nc: u32,
}

/// A forwarded transaction waiting for its response.
#[derive(Debug)]
struct Txn<C> {
    /// Where the request went.
    out: Target<C>,
    /// Set when its last byte leaves through `poll_transmit`.
    deadline: Option<Instant>,
    kind: route::TxnKind<C>,
}

/// An MSRP relay (RFC 4976) as a sans-IO state machine over the host's connection handles
/// `C`. See the [module documentation](self) for the drain loop and what it implements.
///
/// Methods come in four groups:
/// - inputs (`now` first): [`handle_connected`](Self::handle_connected),
///   [`handle_connect_failed`](Self::handle_connect_failed),
///   [`handle_bytes`](Self::handle_bytes), [`handle_closed`](Self::handle_closed),
///   [`handle_timeout`](Self::handle_timeout);
/// - commands: [`set_writable`](Self::set_writable);
/// - outputs, drained after every input in this order:
///   [`poll_transmit`](Self::poll_transmit), [`poll_event`](Self::poll_event),
///   [`poll_timeout`](Self::poll_timeout);
/// - getters: [`connections`](Self::connections), [`sessions`](Self::sessions),
///   [`pending_transactions`](Self::pending_transactions),
///   [`queued_bytes`](Self::queued_bytes).
///
/// Bad input never panics: malformed requests are answered (400, 481, 501, ...), framing
/// errors close the connection ([`Event::Close`]), and every table is bounded by
/// [`RelayLimits`].
#[derive(Debug)]
pub struct Relay<C> {
    config: RelayConfig,
    now: Option<Instant>,
    conns: HashMap<C, Conn<C>>,
    /// Connections with bytes to transmit, in turn.
    ready: VecDeque<C>,
    /// Connections the host is asked to open, by dial number.
    dials: HashMap<u64, (String, Outbound<C>)>,
    next_dial: u64,
    sessions: HashMap<String, Session<C>>,
    nonces: HashMap<String, Nonce>,
    nonce_order: VecDeque<String>,
    streams: HashMap<u64, Stream<C>>,
    next_stream: u64,
    txns: HashMap<TransactionId, Txn<C>>,
    txn_order: VecDeque<TransactionId>,
    events: VecDeque<Event<C>>,
}

impl<C: Copy + Eq + Hash + core::fmt::Debug> Relay<C> {
    /// A relay with `config`.
    #[must_use]
    pub fn new(config: RelayConfig) -> Self {
        Self {
            config,
            now: None,
            conns: HashMap::new(),
            ready: VecDeque::new(),
            dials: HashMap::new(),
            next_dial: 0,
            sessions: HashMap::new(),
            nonces: HashMap::new(),
            nonce_order: VecDeque::new(),
            streams: HashMap::new(),
            next_stream: 0,
            txns: HashMap::new(),
            txn_order: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    // --- getters -----------------------------------------------------------------------------

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &RelayConfig {
        &self.config
    }

    /// Connections known.
    #[must_use]
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    /// URIs handed out and still valid.
    #[must_use]
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// Forwarded transactions waiting for a response.
    #[must_use]
    pub fn pending_transactions(&self) -> usize {
        self.txns.len()
    }

    /// Bytes queued for `conn` and not yet taken by [`poll_transmit`](Self::poll_transmit).
    #[must_use]
    pub fn queued_bytes(&self, conn: C) -> usize {
        self.conns.get(&conn).map_or(0, |c| c.out.queued)
    }

    /// Whether nothing is in flight: no stream, no transaction, nothing queued.
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.streams.is_empty()
            && self.txns.is_empty()
            && self.events.is_empty()
            && self.conns.values().all(|c| c.out.queue.is_empty())
    }

    // --- inputs ------------------------------------------------------------------------------

    /// A new connection: accepted, or dialed after [`Event::Connect`] (frames waiting for
    /// that authority then go to it). An accepted connection must carry a successful request
    /// within [`RelayConfig::probation`].
    pub fn handle_connected(&mut self, now: Instant, conn: C, direction: Direction) {
        self.tick(now);
        if self.conns.contains_key(&conn) {
            return;
        }
        if self.conns.len() >= self.config.limits.max_connections {
            self.events.push_back(Event::Close {
                conn,
                reason: CloseReason::TooManyConnections,
            });
            return;
        }
        let mut c = Conn {
            decoder: Decoder::new(self.config.limits.decoder),
            current: Current::None,
            reaches: None,
            probation: None,
            auth_failures: 0,
            paused: false,
            out: Outbound::default(),
        };
        match direction {
            Direction::Accepted => c.probation = now.checked_add(self.config.probation),
            Direction::Dialed { authority } => {
                let authority = authority.to_ascii_lowercase();
                let dial = self
                    .dials
                    .iter()
                    .find(|(_, (a, _))| *a == authority)
                    .map(|(k, _)| *k);
                if let Some((_, out)) = dial.and_then(|d| self.dials.remove(&d)) {
                    c.out = out;
                    if let Some(d) = dial {
                        self.retarget(Target::Pending(d), Target::Conn(conn));
                    }
                }
                c.reaches = Some(authority);
            }
        }
        let ready = !c.out.queue.is_empty();
        self.conns.insert(conn, c);
        if ready {
            self.ready.push_back(conn);
        }
    }

    /// The host could not open the connection an [`Event::Connect`] asked for: what waited
    /// for it fails (REPORTs upstream as for a timeout).
    pub fn handle_connect_failed(&mut self, now: Instant, authority: &str) {
        self.tick(now);
        let authority = authority.to_ascii_lowercase();
        let dials: Vec<u64> = self
            .dials
            .iter()
            .filter(|(_, (a, _))| *a == authority)
            .map(|(k, _)| *k)
            .collect();
        for d in dials {
            self.dials.remove(&d);
            self.target_gone(Target::Pending(d));
        }
    }

    /// Bytes read from `conn`. Unknown connections are ignored.
    pub fn handle_bytes(&mut self, now: Instant, conn: C, data: &[u8]) {
        self.tick(now);
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.decoder.push(data);
        self.drain_decoder(now, conn);
    }

    /// Like [`handle_bytes`](Self::handle_bytes) for bytes the host holds as [`Bytes`]
    /// (taken over without a copy when nothing is buffered).
    pub fn handle_bytes_owned(&mut self, now: Instant, conn: C, data: Bytes) {
        self.tick(now);
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.decoder.push_bytes(data);
        self.drain_decoder(now, conn);
    }

    /// The connection is gone: URIs handed out over it are invalidated (RFC 4976 §6.3),
    /// streams from it are aborted downstream, transactions sent over it fail upstream.
    pub fn handle_closed(&mut self, now: Instant, conn: C) {
        self.tick(now);
        if self.conns.contains_key(&conn) {
            self.forget(conn);
        }
    }

    /// The passing of time: transactions without a response (REPORT 408 upstream), expired
    /// URIs and nonces, connections out of probation. Early calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        let expired: Vec<TransactionId> = self
            .txns
            .iter()
            .filter(|(_, t)| t.deadline.is_some_and(|d| d <= now))
            .map(|(k, _)| *k)
            .collect();
        for tid in expired {
            if let Some(t) = self.txns.remove(&tid) {
                self.txn_failed(t, 408, true);
            }
        }
        let ended: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.expires_at <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for sid in ended {
            if let Some(s) = self.sessions.remove(&sid) {
                self.events.push_back(Event::SessionEnded { uri: s.uri });
            }
        }
        self.nonces.retain(|_, n| n.expires_at > now);
        let late: Vec<C> = self
            .conns
            .iter()
            .filter(|(_, c)| c.probation.is_some_and(|p| p <= now))
            .map(|(k, _)| *k)
            .collect();
        for conn in late {
            self.close(conn, CloseReason::Probation);
        }
        // Streams that waited long enough for a busy connection take it.
        let targets: Vec<Target<C>> = self
            .conns
            .keys()
            .map(|c| Target::Conn(*c))
            .chain(self.dials.keys().map(|d| Target::Pending(*d)))
            .collect();
        for t in targets {
            self.maybe_switch(t);
        }
    }

    // --- commands ----------------------------------------------------------------------------

    /// Whether the host can write to `conn` now (true by default). While false,
    /// [`poll_transmit`](Self::poll_transmit) holds its bytes back; they count toward the
    /// watermarks, so the connections feeding it are paused in time.
    pub fn set_writable(&mut self, conn: C, writable: bool) {
        if let Some(c) = self.conns.get_mut(&conn) {
            let was = c.out.writable;
            c.out.writable = writable;
            if writable && !was && !c.out.queue.is_empty() && !self.ready.contains(&conn) {
                self.ready.push_back(conn);
            }
        }
    }

    // --- outputs -----------------------------------------------------------------------------

    /// The next bytes to write, and the connection to write them to. Connections take turns;
    /// the bytes of one connection come in order. A forwarded body leaves as slices of the
    /// bytes read (no copy).
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<(C, Bytes)> {
        let timeout = self.config.transaction_timeout;
        let low = self.config.limits.low_watermark;
        while let Some(conn) = self.ready.pop_front() {
            let Some(c) = self.conns.get_mut(&conn) else {
                continue;
            };
            if !c.out.writable {
                continue;
            }
            let Some(item) = c.out.queue.pop_front() else {
                continue;
            };
            c.out.queued = c.out.queued.saturating_sub(item.bytes.len());
            if !c.out.queue.is_empty() {
                self.ready.push_back(conn);
            }
            let resume = if c.out.queued <= low {
                core::mem::take(&mut c.out.paused)
            } else {
                Vec::new()
            };
            if let (Some(tid), Some(now)) = (item.arm, self.now) {
                if let Some(t) = self.txns.get_mut(&tid) {
                    t.deadline = t.deadline.or_else(|| now.checked_add(timeout));
                }
            }
            for r in resume {
                self.resume(r);
            }
            return Some((conn, item.bytes));
        }
        None
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event<C>> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should be called next, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let txns = self.txns.values().filter_map(|t| t.deadline);
        let sessions = self.sessions.values().map(|s| s.expires_at);
        let probation = self.conns.values().filter_map(|c| c.probation);
        let switch = self.switch_deadline();
        txns.chain(sessions).chain(probation).chain(switch).min()
    }

    // --- internals ---------------------------------------------------------------------------

    fn tick(&mut self, now: Instant) {
        self.now = Some(self.now.map_or(now, |t| t.max(now)));
    }

    /// Handles everything decoded on `conn`.
    fn drain_decoder(&mut self, now: Instant, conn: C) {
        loop {
            let Some(c) = self.conns.get_mut(&conn) else {
                return;
            };
            match c.decoder.poll() {
                Ok(Some(item)) => self.on_decoded(now, conn, item),
                Ok(None) => return,
                Err(e) => {
                    // Without framing there is no transaction to answer: the connection ends.
                    self.close(conn, CloseReason::Framing(e));
                    return;
                }
            }
        }
    }

    fn on_decoded(&mut self, now: Instant, conn: C, item: Decoded) {
        match item {
            Decoded::Frame(frame) => {
                if frame.head.is_response() {
                    self.on_response(conn, &frame.head);
                } else {
                    self.on_request_head(now, conn, frame.head, Some(frame.body), Some(frame.flag));
                }
            }
            Decoded::Head(head) => {
                if head.is_request() {
                    self.on_request_head(now, conn, head, None, None);
                }
            }
            Decoded::Body(part) => self.on_body(conn, part.data, part.flag),
        }
    }

    /// Writes a frame's bytes for `target` (interrupting a chunk streaming there).
    fn send_frame(&mut self, target: Target<C>, bytes: Bytes) {
        self.interrupt(target);
        self.push_out(target, bytes, None);
        self.maybe_switch(target);
    }

    fn outbound_mut(&mut self, target: Target<C>) -> Option<&mut Outbound<C>> {
        match target {
            Target::Conn(c) => self.conns.get_mut(&c).map(|c| &mut c.out),
            Target::Pending(d) => self.dials.get_mut(&d).map(|(_, o)| o),
        }
    }

    /// A fresh transaction identifier not in use by a forwarded transaction.
    fn new_tid(&mut self) -> TransactionId {
        let mut tid = self.config.ids.transaction_id();
        for _ in 0..4 {
            if !self.txns.contains_key(&tid) {
                break;
            }
            tid = self.config.ids.transaction_id();
        }
        tid
    }
}

/// Keeps `map` under `max` entries by forgetting the oldest in `order` (which may hold keys
/// already gone; it is pruned when it grows past twice the map), then records `key` as the
/// newest.
fn bounded_insert<K: Clone + Eq + Hash, V>(
    map: &mut HashMap<K, V>,
    order: &mut VecDeque<K>,
    max: usize,
    key: K,
    value: V,
) {
    while map.len() >= max.max(1) {
        let Some(old) = order.pop_front() else {
            break;
        };
        map.remove(&old);
    }
    if order.len() > 2 * map.len() + 64 {
        order.retain(|k| map.contains_key(k));
    }
    order.push_back(key.clone());
    map.insert(key, value);
}

#[cfg(test)]
mod tests;
