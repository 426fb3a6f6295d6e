//! A two-endpoint SIP transaction harness: endpoints A and B, each with a
//! [`TransactionLayer`] and a small scripted TU, joined by a simulated link, on a simulated
//! clock (a base [`Instant`] plus offsets, never sleeping).
//!
//! The link is a datagram link ([`Faults`]: latency, jitter that reorders, loss and
//! duplication, all drawn from a seeded generator, so a seed replays the same run) or a
//! reliable one (in order, nothing lost). [`Pair::drop_next`] drops chosen messages on top.
//! Every message is re-parsed from its bytes on arrival, as a host would.
//!
//! After every input the harness drains the layer in the documented order (transmit, events,
//! timeout) and lets the TU react: the [`Tu`] answers requests, ACKs 2xx responses and cancels
//! INVITEs as configured; tests can also drive it by hand ([`Pair::send`], [`Pair::respond`],
//! [`Pair::cancel`]).
//!
//! ```
//! use std::time::Duration;
//! use simpleim_sip::Method;
//! use simpleim_sip::transaction::TransactionEvent;
//! use simpleim_test_support::sip_sim::{Faults, Pair, Side};
//!
//! let mut pair = Pair::new(1, false, Faults::default());
//! pair.b.tu.non_invite_response = Some(200);
//! let req = pair.request(Side::A, Method::Message);
//! let key = pair.send(Side::A, req);
//! pair.run_for(Duration::from_secs(1));
//! assert!(pair.a.events().any(|e| matches!(e,
//!     TransactionEvent::Response { key: k, response } if *k == key && response.code() == 200)));
//! pair.run_for(Duration::from_secs(32)); // Timer J (64*T1) ends the server transaction
//! assert!(pair.a.layer.is_empty() && pair.b.layer.is_empty());
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_sip::header::To;
use simpleim_sip::transaction::{
    ClientKey, ServerKey, TransactionConfig, TransactionEvent, TransactionLayer, TransportHandle,
    cancel_request,
};
use simpleim_sip::{
    HeaderName, IdGenerator, IdKind, Message, Method, Request, Response, SeededIds,
};

pub use crate::msrp::epoch;

/// The most inputs [`Pair::run_until`] handles before deciding the endpoints are stuck.
const MAX_STEPS: usize = 1_000_000;

/// One of the two endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// Endpoint A (usually the UAC).
    A,
    /// Endpoint B (usually the UAS).
    B,
}

impl Side {
    /// The other endpoint.
    #[must_use]
    pub fn peer(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }

    fn host(self) -> &'static str {
        match self {
            Self::A => "a.example.com",
            Self::B => "b.example.com",
        }
    }

    fn user(self) -> &'static str {
        match self {
            Self::A => "alice",
            Self::B => "bob",
        }
    }
}

/// The transport handle of the simulation: which endpoint it leads to, over what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Handle {
    /// The endpoint at the other end.
    pub to: Side,
    /// TCP-like (true) or UDP-like (false).
    pub reliable: bool,
}

impl TransportHandle for Handle {
    fn is_reliable(&self) -> bool {
        self.reliable
    }
}

/// What the datagram link does to each message. Probabilities are in thousandths.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// One-way delay of every message.
    pub latency: Duration,
    /// An extra delay drawn in `0..=jitter` for each message (messages overtake each other).
    pub jitter: Duration,
    /// Chance that a message is lost, in thousandths.
    pub loss: u32,
    /// Chance that a message arrives twice (the copy with its own delay), in thousandths.
    pub duplicate: u32,
}

/// The scripted TU of an endpoint.
#[derive(Debug, Clone, Default)]
pub struct Tu {
    /// The responses to every INVITE, in order, [`Tu::answer_delay`] apart (the first one
    /// that long after the INVITE). Empty: INVITEs are left for the test to answer.
    pub invite_responses: Vec<u16>,
    /// The final response to every other request (CANCEL aside, which the layer answers).
    pub non_invite_response: Option<u16>,
    /// How long the TU takes for each response.
    pub answer_delay: Duration,
    /// ACK every 2xx to INVITE ([`TransactionLayer::send_ack`]), and again on
    /// [`TransactionEvent::Retransmitted2xx`].
    pub ack_2xx: bool,
    /// CANCEL an INVITE this long after sending it, if it is still unanswered (a UAC's own
    /// give-up timer, as §13.2.1's Expires or a user hanging up).
    pub cancel_after: Option<Duration>,
}

/// Something the TU does later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Respond(ServerKey, u16),
    Cancel(ClientKey),
}

/// One endpoint: its layer, its TU and what happened there.
pub struct Endpoint {
    /// Which side this is.
    pub side: Side,
    /// The transaction layer.
    pub layer: TransactionLayer<Handle>,
    /// The scripted TU.
    pub tu: Tu,
    /// Every event the layer put out, with when.
    pub log: Vec<(Instant, TransactionEvent<Handle>)>,
    /// Every message the layer put out, with when (before the link's faults).
    pub sent: Vec<(Instant, Message)>,
    /// Requests the TU sent, by transaction.
    pub requests: BTreeMap<ClientKey, Request>,
    /// The TU's identifier source (branches, tags).
    pub ids: SeededIds,
    actions: Vec<(Instant, Action)>,
    /// The To tag the TU uses for each request it answers.
    to_tags: BTreeMap<ServerKey, String>,
    /// The INVITEs whose final response arrived.
    answered: Vec<ClientKey>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("side", &self.side)
            .field("layer", &self.layer)
            .field("events", &self.log.len())
            .field("sent", &self.sent.len())
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// The events, in order.
    pub fn events(&self) -> impl Iterator<Item = &TransactionEvent<Handle>> {
        self.log.iter().map(|(_, e)| e)
    }

    /// How many events match `pred`.
    #[must_use]
    pub fn count(&self, pred: impl Fn(&TransactionEvent<Handle>) -> bool) -> usize {
        self.events().filter(|e| pred(e)).count()
    }

    /// The codes of the responses delivered ([`TransactionEvent::Response`]), in order.
    #[must_use]
    pub fn responses(&self) -> Vec<u16> {
        self.responses_where(|_| true)
    }

    /// The codes of the responses delivered for client transaction `key`, in order.
    #[must_use]
    pub fn responses_for(&self, key: ClientKey) -> Vec<u16> {
        self.responses_where(|k| k == key)
    }

    fn responses_where(&self, pred: impl Fn(ClientKey) -> bool) -> Vec<u16> {
        self.events()
            .filter_map(|e| match e {
                TransactionEvent::Response { key, response } if pred(*key) => Some(response.code()),
                _ => None,
            })
            .collect()
    }

    /// The requests that created server transactions ([`TransactionEvent::NewRequest`]).
    #[must_use]
    pub fn new_requests(&self) -> Vec<(ServerKey, Request)> {
        self.events()
            .filter_map(|e| match e {
                TransactionEvent::NewRequest { key, request, .. } => Some((*key, request.clone())),
                _ => None,
            })
            .collect()
    }

    /// The last message put out that matches `pred`.
    #[must_use]
    pub fn last_sent(&self, pred: impl Fn(&Message) -> bool) -> Option<Message> {
        self.sent
            .iter()
            .rev()
            .find(|(_, m)| pred(m))
            .map(|(_, m)| m.clone())
    }

    /// The instants at which messages matching `pred` were put out.
    #[must_use]
    pub fn sent_times(&self, pred: impl Fn(&Message) -> bool) -> Vec<Instant> {
        self.sent
            .iter()
            .filter(|(_, m)| pred(m))
            .map(|(t, _)| *t)
            .collect()
    }

    /// How many messages matching `pred` were put out.
    #[must_use]
    pub fn sent_count(&self, pred: impl Fn(&Message) -> bool) -> usize {
        self.sent.iter().filter(|(_, m)| pred(m)).count()
    }
}

/// A message on its way.
#[derive(Debug)]
struct InFlight {
    at: Instant,
    seq: u64,
    to: Side,
    bytes: Bytes,
}

/// A scripted drop: the next `remaining` messages from `from` that match.
struct Rule {
    from: Side,
    remaining: usize,
    pred: Box<dyn FnMut(&Message) -> bool>,
}

/// Two endpoints, a link and a clock.
pub struct Pair {
    /// The simulated time.
    pub now: Instant,
    /// When the simulation started.
    pub start: Instant,
    /// Endpoint A.
    pub a: Endpoint,
    /// Endpoint B.
    pub b: Endpoint,
    /// What the link does (a reliable link ignores loss, duplication and jitter).
    pub faults: Faults,
    /// Messages lost by the link's faults and by rules.
    pub dropped: usize,
    reliable: bool,
    rng: u64,
    seq: u64,
    in_flight: Vec<InFlight>,
    rules: Vec<Rule>,
    /// The latest arrival per direction on a reliable link, to keep order.
    last_arrival: (Option<Instant>, Option<Instant>),
}

impl fmt::Debug for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pair")
            .field("elapsed", &self.elapsed())
            .field("a", &self.a)
            .field("b", &self.b)
            .field("in_flight", &self.in_flight.len())
            .finish_non_exhaustive()
    }
}

impl Pair {
    /// Two endpoints with the default configuration (RFC 3261 timers), over a reliable or a
    /// datagram link, with `seed` for the link and the identifiers.
    #[must_use]
    pub fn new(seed: u64, reliable: bool, faults: Faults) -> Self {
        Self::with_config(seed, reliable, faults, |_| {})
    }

    /// [`Pair::new`] with `configure` applied to both endpoints' configuration.
    #[must_use]
    pub fn with_config(
        seed: u64,
        reliable: bool,
        faults: Faults,
        configure: impl Fn(&mut TransactionConfig),
    ) -> Self {
        let endpoint = |side: Side, salt: u64| {
            let mut config =
                TransactionConfig::new(Box::new(SeededIds::new(seed.wrapping_mul(31) ^ salt)));
            configure(&mut config);
            Endpoint {
                side,
                layer: TransactionLayer::new(config),
                tu: Tu::default(),
                log: Vec::new(),
                sent: Vec::new(),
                requests: BTreeMap::new(),
                ids: SeededIds::new(seed.wrapping_mul(17) ^ salt ^ 0xAB),
                actions: Vec::new(),
                to_tags: BTreeMap::new(),
                answered: Vec::new(),
            }
        };
        let now = epoch();
        Self {
            now,
            start: now,
            a: endpoint(Side::A, 1),
            b: endpoint(Side::B, 2),
            faults,
            dropped: 0,
            reliable,
            rng: seed ^ 0x5EED,
            seq: 0,
            in_flight: Vec::new(),
            rules: Vec::new(),
            last_arrival: (None, None),
        }
    }

    /// Simulated time since the start.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.now.duration_since(self.start)
    }

    /// The instant `offset` after the start.
    #[must_use]
    pub fn at(&self, offset: Duration) -> Instant {
        self.start + offset
    }

    /// Instants as milliseconds since the start.
    #[must_use]
    pub fn offsets(&self, times: &[Instant]) -> Vec<u128> {
        times
            .iter()
            .map(|t| t.duration_since(self.start).as_millis())
            .collect()
    }

    /// When the first event on `side` matching `pred` happened, in milliseconds since the
    /// start.
    #[must_use]
    pub fn event_time(
        &self,
        side: Side,
        pred: impl Fn(&TransactionEvent<Handle>) -> bool,
    ) -> Option<u128> {
        let ep = match side {
            Side::A => &self.a,
            Side::B => &self.b,
        };
        ep.log
            .iter()
            .find(|(_, e)| pred(e))
            .map(|(t, _)| t.duration_since(self.start).as_millis())
    }

    /// An endpoint.
    pub fn endpoint(&mut self, side: Side) -> &mut Endpoint {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }

    /// The handle `side` uses to reach its peer.
    #[must_use]
    pub fn handle(&self, side: Side) -> Handle {
        Handle {
            to: side.peer(),
            reliable: self.reliable,
        }
    }

    /// Drops the next `count` messages `from` sends that match `pred`.
    pub fn drop_next(
        &mut self,
        from: Side,
        count: usize,
        pred: impl FnMut(&Message) -> bool + 'static,
    ) {
        self.rules.push(Rule {
            from,
            remaining: count,
            pred: Box::new(pred),
        });
    }

    /// A request from `from` to its peer with a fresh branch, Call-ID and From tag (CSeq 1),
    /// as a UA core builds an out-of-dialog request.
    pub fn request(&mut self, from: Side, method: Method) -> Request {
        let transport = if self.reliable { "TCP" } else { "UDP" };
        let ep = self.endpoint(from);
        let branch = text(&ep.ids.next_id(IdKind::Branch));
        let call_id = text(&ep.ids.next_id(IdKind::CallId));
        let tag = text(&ep.ids.next_id(IdKind::Tag));
        let (me, peer) = (from, from.peer());
        let mut b = Request::builder(
            method.clone(),
            format!("sip:{}@{}", peer.user(), peer.host()),
        )
        .header(
            HeaderName::Via,
            format!("SIP/2.0/{transport} {};branch={branch}", me.host()),
        )
        .header(HeaderName::MaxForwards, 70)
        .header(
            HeaderName::From,
            format!("<sip:{}@{}>;tag={tag}", me.user(), me.host()),
        )
        .header(
            HeaderName::To,
            format!("<sip:{}@{}>", peer.user(), peer.host()),
        )
        .header(HeaderName::CallId, format!("{call_id}@{}", me.host()))
        .header(HeaderName::CSeq, format!("1 {method}"));
        if method == Method::Invite {
            b = b.header(
                HeaderName::Contact,
                format!("<sip:{}@{}>", me.user(), me.host()),
            );
        }
        if method == Method::Message {
            b = b.body("text/plain", "hello");
        }
        b.build().expect("a well-formed request")
    }

    /// Sends `request` from `side` in a new client transaction, and drains.
    ///
    /// # Panics
    /// When the layer refuses it.
    pub fn send(&mut self, side: Side, request: Request) -> ClientKey {
        self.try_send(side, request).expect("send_request")
    }

    /// [`Pair::send`], returning the layer's refusal.
    ///
    /// # Errors
    /// What [`TransactionLayer::send_request`] returns.
    pub fn try_send(
        &mut self,
        side: Side,
        request: Request,
    ) -> Result<ClientKey, simpleim_sip::transaction::SendError> {
        let (now, handle) = (self.now, self.handle(side));
        let ep = self.endpoint(side);
        let key = ep.layer.send_request(now, handle, request.clone())?;
        if *request.method() == Method::Invite {
            if let Some(d) = ep.tu.cancel_after {
                ep.actions.push((now + d, Action::Cancel(key)));
            }
        }
        ep.requests.insert(key, request);
        self.drain(side);
        Ok(key)
    }

    /// `side`'s TU answers its server transaction `key` with `code` now, and drains.
    ///
    /// # Panics
    /// When the layer refuses it.
    pub fn respond(&mut self, side: Side, key: ServerKey, code: u16) {
        self.try_respond(side, key, code).expect("send_response");
    }

    /// [`Pair::respond`], returning the layer's refusal.
    ///
    /// # Errors
    /// What [`TransactionLayer::send_response`] returns, or
    /// [`SendError::UnknownTransaction`](simpleim_sip::transaction::SendError::UnknownTransaction)
    /// when the transaction is gone.
    pub fn try_respond(
        &mut self,
        side: Side,
        key: ServerKey,
        code: u16,
    ) -> Result<(), simpleim_sip::transaction::SendError> {
        let now = self.now;
        let ep = self.endpoint(side);
        let response = ep.response(key, code).ok_or(
            simpleim_sip::transaction::SendError::UnknownTransaction(key),
        )?;
        ep.layer.send_response(now, key, response)?;
        self.drain(side);
        Ok(())
    }

    /// `side`'s TU cancels its INVITE `key` (§9.1), and drains. Returns the CANCEL's key.
    ///
    /// # Errors
    /// What [`TransactionLayer::send_request`] returns.
    pub fn cancel(
        &mut self,
        side: Side,
        key: ClientKey,
    ) -> Result<ClientKey, simpleim_sip::transaction::SendError> {
        let invite = self
            .endpoint(side)
            .requests
            .get(&key)
            .cloned()
            .ok_or(simpleim_sip::transaction::SendError::NothingToCancel)?;
        let cancel = cancel_request(&invite)?;
        self.try_send(side, cancel)
    }

    /// Hands `message` to `to`'s layer now, as if it had just arrived, and drains.
    pub fn inject(&mut self, to: Side, message: Message) {
        let (now, handle) = (self.now, self.handle(to));
        self.endpoint(to).layer.handle_message(now, handle, message);
        self.drain(to);
    }

    /// Runs for `d` of simulated time.
    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Runs until `until`: delivers messages, fires timers and TU actions at their instants.
    ///
    /// # Panics
    /// When the endpoints keep busy at one instant (a livelock).
    pub fn run_until(&mut self, until: Instant) {
        for _ in 0..MAX_STEPS {
            let next = [
                self.in_flight.iter().map(|m| m.at).min(),
                self.a.layer.poll_timeout(),
                self.b.layer.poll_timeout(),
                self.a.actions.iter().map(|(t, _)| *t).min(),
                self.b.actions.iter().map(|(t, _)| *t).min(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    self.step();
                }
                _ => {
                    self.now = self.now.max(until);
                    return;
                }
            }
        }
        panic!("the simulation does not settle: {self:?}");
    }

    /// Handles everything due now: arrivals (in order), timers, TU actions.
    fn step(&mut self) {
        let now = self.now;
        self.in_flight.sort_by_key(|m| (m.at, m.seq));
        let due: Vec<InFlight> = {
            let split = self.in_flight.partition_point(|m| m.at <= now);
            self.in_flight.drain(..split).collect()
        };
        for m in due {
            if let Ok(message) = Message::parse_datagram(m.bytes) {
                let handle = self.handle(m.to);
                self.endpoint(m.to)
                    .layer
                    .handle_message(now, handle, message);
                self.drain(m.to);
            }
        }
        for side in [Side::A, Side::B] {
            self.endpoint(side).layer.handle_timeout(now);
            self.drain(side);
            let ep = self.endpoint(side);
            let (due, later): (Vec<_>, Vec<_>) = ep.actions.drain(..).partition(|(t, _)| *t <= now);
            ep.actions = later;
            for (_, action) in due {
                self.act(side, action);
            }
        }
    }

    /// Performs a TU action (errors are ignored: the transaction may be gone by now).
    fn act(&mut self, side: Side, action: Action) {
        match action {
            Action::Respond(key, code) => {
                let _ = self.try_respond(side, key, code);
            }
            Action::Cancel(key) => {
                let ep = self.endpoint(side);
                if !ep.answered.contains(&key) && ep.layer.client_state(key).is_some() {
                    let _ = self.cancel(side, key);
                }
            }
        }
    }

    /// Drains `side`'s layer (transmit, events, timeout) and lets its TU react, until quiet.
    fn drain(&mut self, side: Side) {
        loop {
            let now = self.now;
            let ep = self.endpoint(side);
            let mut transmits = Vec::new();
            while let Some(t) = ep.layer.poll_transmit() {
                transmits.push(t);
            }
            let mut events = Vec::new();
            while let Some(e) = ep.layer.poll_event() {
                events.push(e);
            }
            let timeout = ep.layer.poll_timeout();
            assert!(
                timeout.is_none_or(|t| t >= now),
                "poll_timeout in the past after handling {now:?}"
            );
            if transmits.is_empty() && events.is_empty() {
                return;
            }
            for t in transmits {
                self.endpoint(side).sent.push((now, t.message.clone()));
                self.transmit(side, t.handle.to, t.message);
            }
            for e in events {
                self.endpoint(side).log.push((now, e.clone()));
                self.react(side, &e);
            }
        }
    }

    /// The scripted TU's reaction to an event.
    fn react(&mut self, side: Side, event: &TransactionEvent<Handle>) {
        let now = self.now;
        let handle = self.handle(side);
        let ep = self.endpoint(side);
        match event {
            TransactionEvent::NewRequest { key, request, .. } => {
                let codes = if *request.method() == Method::Invite {
                    ep.tu.invite_responses.clone()
                } else {
                    ep.tu.non_invite_response.into_iter().collect()
                };
                let delay = ep.tu.answer_delay;
                let mut at = now;
                for code in codes {
                    at += delay;
                    ep.actions.push((at, Action::Respond(*key, code)));
                }
            }
            TransactionEvent::Response { key, response } => {
                let is_invite = ep
                    .requests
                    .get(key)
                    .is_some_and(|r| *r.method() == Method::Invite);
                if is_invite && response.code() >= 200 {
                    ep.answered.push(*key);
                }
                if is_invite && (200..300).contains(&response.code()) && ep.tu.ack_2xx {
                    if let Some(ack) = ep.ack_for(*key, response) {
                        let _ = ep.layer.send_ack(now, handle, ack);
                    }
                }
            }
            TransactionEvent::Retransmitted2xx { key, response } if ep.tu.ack_2xx => {
                if let Some(ack) = ep.ack_for(*key, response) {
                    let _ = ep.layer.send_ack(now, handle, ack);
                }
            }
            _ => {}
        }
    }

    /// Puts a message on the link from `from` to `to`, through the rules and the faults.
    fn transmit(&mut self, from: Side, to: Side, message: Message) {
        for rule in &mut self.rules {
            if rule.from == from && rule.remaining > 0 && (rule.pred)(&message) {
                rule.remaining -= 1;
                self.dropped += 1;
                return;
            }
        }
        let bytes = message.as_bytes().clone();
        if self.reliable {
            let last = match from {
                Side::A => &mut self.last_arrival.0,
                Side::B => &mut self.last_arrival.1,
            };
            let at = (self.now + self.faults.latency).max(last.unwrap_or(self.now));
            *last = Some(at);
            self.push(at, to, bytes);
            return;
        }
        if self.chance(self.faults.loss) {
            self.dropped += 1;
            return;
        }
        let copies = if self.chance(self.faults.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let jitter = self.jitter();
            let at = self.now + self.faults.latency + jitter;
            self.push(at, to, bytes.clone());
        }
    }

    fn push(&mut self, at: Instant, to: Side, bytes: Bytes) {
        self.seq += 1;
        self.in_flight.push(InFlight {
            at,
            seq: self.seq,
            to,
            bytes,
        });
    }

    /// SplitMix64.
    fn next_u64(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn chance(&mut self, per_mille: u32) -> bool {
        per_mille > 0 && self.next_u64() % 1000 < u64::from(per_mille)
    }

    fn jitter(&mut self) -> Duration {
        let max = u64::try_from(self.faults.jitter.as_micros()).unwrap_or(u64::MAX);
        if max == 0 {
            Duration::ZERO
        } else {
            Duration::from_micros(self.next_u64() % (max + 1))
        }
    }
}

impl Endpoint {
    /// The TU's response `code` to its server transaction `key`: headers from the request
    /// (§8.2.6.2), one To tag per transaction, a Contact in a 2xx to INVITE.
    fn response(&mut self, key: ServerKey, code: u16) -> Option<Response> {
        let request = self.layer.server_request(key)?.clone();
        let tag = self
            .to_tags
            .entry(key)
            .or_insert_with(|| text(&self.ids.next_id(IdKind::Tag)))
            .clone();
        let h = request.headers();
        let mut b = Response::builder(code);
        for via in h.get_all(HeaderName::Via) {
            b = b.header_named("Via", via.value());
        }
        let value = |name| h.get(name).map(|f| f.value()).unwrap_or_default();
        let to = value(HeaderName::To);
        let has_tag = matches!(h.typed::<To>(), Some(Ok(t)) if t.tag().is_some());
        let to = if has_tag || code == 100 {
            to
        } else {
            Bytes::from([&to[..], b";tag=", tag.as_bytes()].concat())
        };
        b = b
            .header_named("From", value(HeaderName::From))
            .header_named("To", to)
            .header_named("Call-ID", value(HeaderName::CallId))
            .header_named("CSeq", value(HeaderName::CSeq));
        if *request.method() == Method::Invite && (200..300).contains(&code) {
            b = b.header(
                HeaderName::Contact,
                format!("<sip:{}@{}>", self.side.user(), self.side.host()),
            );
        }
        b.build().ok()
    }

    /// The ACK for a 2xx to the INVITE `key` (§13.2.2.4): to the Contact, a new branch, the
    /// INVITE's CSeq number, the 2xx's To.
    fn ack_for(&mut self, key: ClientKey, ok: &Response) -> Option<Request> {
        let invite = self.requests.get(&key)?;
        let h = invite.headers();
        let value = |name| h.get(name).map(|f| f.value());
        let uri = ok
            .headers()
            .typed::<simpleim_sip::header::Contact>()
            .and_then(Result::ok)
            .and_then(|c| c.address().map(|a| a.uri().to_string()))
            .unwrap_or_else(|| text(&invite.uri_bytes()));
        let seq = h
            .typed::<simpleim_sip::header::CSeq>()
            .and_then(Result::ok)?
            .seq();
        let via = h
            .typed::<simpleim_sip::header::Via>()
            .and_then(Result::ok)?;
        let branch = text(&self.ids.next_id(IdKind::Branch));
        let via = format!(
            "SIP/2.0/{} {};branch={branch}",
            text(via.transport()),
            text(via.host())
        );
        Request::builder(Method::Ack, uri)
            .header(HeaderName::Via, via)
            .header(HeaderName::MaxForwards, 70)
            .header_named("From", value(HeaderName::From)?)
            .header_named("To", ok.headers().get(HeaderName::To)?.value())
            .header_named("Call-ID", value(HeaderName::CallId)?)
            .header(HeaderName::CSeq, format!("{seq} ACK"))
            .build()
            .ok()
    }
}

/// Matches requests of `method`.
pub fn is_request(method: Method) -> impl Fn(&Message) -> bool {
    move |m| m.as_request().is_some_and(|r| *r.method() == method)
}

/// Matches responses with `code`.
pub fn is_response(code: u16) -> impl Fn(&Message) -> bool {
    move |m| m.as_response().is_some_and(|r| r.code() == code)
}

/// Matches responses with `code` to requests of `method` (by CSeq).
pub fn is_response_to(code: u16, method: Method) -> impl Fn(&Message) -> bool {
    move |m| {
        m.as_response().is_some_and(|r| {
            r.code() == code
                && r.headers()
                    .typed::<simpleim_sip::header::CSeq>()
                    .and_then(Result::ok)
                    .is_some_and(|c| *c.method() == method)
        })
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
