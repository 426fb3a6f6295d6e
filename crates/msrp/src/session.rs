//! A sans-IO MSRP session (RFC 4975 §5.1, §5.3, §7; RFC 7701 NICKNAME; REQ: MSRP-4, MSRP-5,
//! MSRP-7): the [`Session`] state machine, its configuration, events and identifiers. The
//! guide, with a full run loop, is on [`Session`].

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use crate::decode::{Decoded, Decoder};
use crate::demux::MatchMode;
use crate::encode::RequestBuilder;
use crate::frame::{FrameHead, Method, TransactionId};
use crate::header::{ReportMode, Status};
use crate::uri::{MsrpUri, Path};

mod config;
mod event;
mod ids;
mod outcome;
mod ranges;
mod reassembly;
mod receive;
mod relay_auth;
pub(crate) mod report;
mod send;

pub use config::{ReassemblyLimits, SessionConfig, UNINTERRUPTIBLE_CHUNK};
pub use event::{
    AbortReason, CloseReason, Event, FailureSource, RespondError, SendError, SendOptions,
};
pub use ids::{IdGenerator, MessageId, SeededIds};
pub use relay_auth::{CredentialSource, RelayAuth, UserPassword};

use report::should_respond;

/// Requests waiting for the host's answer at once (NICKNAME, RFC 7701); more are answered
/// 403 until the host answers some.
const MAX_WAITING: usize = 16;

/// A request the host answers with [`Session::respond`].
#[derive(Debug)]
struct Waiting {
    head: FrameHead,
    mode: ReportMode,
}

/// One MSRP session, sans-IO: one local URI, one remote path, the messages that flow between
/// them (RFC 4975; RFC 7701 NICKNAME; REQ: MSRP-4, MSRP-5, MSRP-7).
///
/// A [`Session`] never touches a socket or a clock. The host feeds it what arrives
/// ([`Session::handle_bytes`], or [`Session::handle_decoded`] when one connection carries
/// several sessions and the host routes frames with a [`Demux`](crate::Demux)), the passing
/// of time ([`Session::handle_timeout`]) and commands ([`Session::send_message`],
/// [`Session::abort`], [`Session::send_nickname`], [`Session::respond`],
/// [`Session::close`]). After every input it drains the outputs in this order:
///
/// 1. [`Session::poll_transmit`] until `None`: bytes for the connection, in order. A host
///    whose socket is full may stop early and come back when it can write: nothing is lost,
///    and responses and REPORTs queued meanwhile still go out before the rest of a chunk.
/// 2. [`Session::poll_event`] until `None`: what the application should know ([`Event`]).
/// 3. [`Session::poll_timeout`]: when to call [`Session::handle_timeout`] next.
///
/// Time is only ever an input. The transaction timer of a chunk starts when its last byte
/// leaves through [`Session::poll_transmit`], counted from the latest `now` the session was
/// given; a host that drains right after each input (as above) makes that the moment the
/// bytes went to the operating system (RFC 4975 §7.1.1).
///
/// # Sending
/// A message goes out in chunks of [`SessionConfig::chunk_size`] body bytes, each a SEND
/// with the message's Message-ID, a Byte-Range `start-end/total` and the report headers
/// asked for; each chunk leaves in pieces of [`SessionConfig::piece_size`] bytes, one per
/// [`Session::poll_transmit`]. When a response, a REPORT or a NICKNAME request is queued
/// while a chunk is half written, the chunk is *interrupted*: its end-line is written with
/// `+` right after the last byte that went out, the response or REPORT follows, and the rest
/// of the chunk goes later in a new SEND with a new transaction identifier and a Byte-Range
/// starting at the first byte not yet sent (RFC 4975 §7.1.1). Chunks that may be interrupted
/// carry range-end `*`; a chunk written in one piece of at most 2048 bytes carries its end.
/// Messages are sent one after the other, in the order given.
///
/// Every chunk sent with `Failure-Report: yes` expects a 200 response within
/// [`SessionConfig::transaction_timeout`]; an error response, a failure REPORT or a timeout
/// fails the message ([`Event::SendFailed`]), and a chunk of it being written is ended with
/// `#` (§7.3.2). Success REPORTs become [`Event::Delivered`].
///
/// # Receiving
/// Requests whose To-Path does not name [`SessionConfig::local`] are answered 481 (§7.3),
/// unknown methods 501 (§10.9), media types outside [`SessionConfig::accept_types`] 415,
/// messages over [`SessionConfig::max_message_size`] or the reassembly limits 413. Chunks are
/// placed by Byte-Range, in any order, the latest winning where they overlap, and a complete
/// message comes out once as [`Event::Message`]. Responses follow the request's
/// Failure-Report (none for `no`, errors only for `partial`); a success REPORT follows a
/// message that asked for one (§7.1.3). REPORTs are never answered.
///
/// # Example
/// Alice sends Bob a message over a simulated connection (the RFC 4975 §11.1 flow):
///
/// ```
/// use std::time::Instant;
///
/// use bytes::Bytes;
/// use simpleim_msrp::{Event, SeededIds, SendOptions, Session, SessionConfig};
///
/// let alice_uri = "msrp://alicepc.example.com:7777/iau39soe2843z;tcp";
/// let bob_uri = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";
/// let mut alice = Session::new(SessionConfig::new(
///     alice_uri.parse()?,
///     bob_uri.parse()?,
///     Box::new(SeededIds::new(1)), // seed from a real random source in production
/// ));
/// let mut bob = Session::new(SessionConfig::new(
///     bob_uri.parse()?,
///     alice_uri.parse()?,
///     Box::new(SeededIds::new(2)),
/// ));
///
/// // Drains a session after an input: transmit, then events, then the next timeout.
/// fn drain(s: &mut Session, wire: &mut Vec<u8>, events: &mut Vec<Event>) -> Option<Instant> {
///     while let Some(bytes) = s.poll_transmit() {
///         wire.extend_from_slice(&bytes); // the host writes these to the connection
///     }
///     while let Some(event) = s.poll_event() {
///         events.push(event);
///     }
///     s.poll_timeout()
/// }
///
/// let now = Instant::now(); // time is an input: the host's clock
/// let (mut to_bob, mut to_alice) = (Vec::new(), Vec::new());
/// let (mut alice_events, mut bob_events) = (Vec::new(), Vec::new());
///
/// let id = alice.send_message(now, "text/plain", Bytes::from_static(b"Hi, I'm Alice!"),
///     SendOptions::new().success_report(true))?;
/// let alice_timer = drain(&mut alice, &mut to_bob, &mut alice_events);
/// assert!(alice_timer.is_some()); // waiting for the 200 response
///
/// bob.handle_bytes(now, &to_bob);
/// drain(&mut bob, &mut to_alice, &mut bob_events);
/// match &bob_events[..] {
///     [Event::Message { message_id, body, .. }] => {
///         assert_eq!(*message_id, id);
///         assert_eq!(&body[..], b"Hi, I'm Alice!");
///     }
///     other => panic!("{other:?}"),
/// }
///
/// alice.handle_bytes(now, &to_alice); // the 200 response and the success REPORT
/// assert_eq!(drain(&mut alice, &mut to_bob, &mut alice_events), None);
/// assert!(matches!(alice_events[0], Event::Sent { message_id } if message_id == id));
/// assert!(matches!(alice_events[1], Event::Delivered { complete: true, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Methods
/// Methods come in four groups:
/// - getters: [`local`](Self::local), [`remote`](Self::remote),
///   [`is_closed`](Self::is_closed), [`is_idle`](Self::is_idle) and the counters;
/// - inputs (`now` first): [`handle_bytes`](Self::handle_bytes),
///   [`handle_decoded`](Self::handle_decoded), [`handle_timeout`](Self::handle_timeout),
///   [`handle_connection_lost`](Self::handle_connection_lost);
/// - commands: [`send_message`](Self::send_message), [`abort`](Self::abort),
///   [`send_nickname`](Self::send_nickname), [`respond`](Self::respond),
///   [`close`](Self::close);
/// - outputs, drained after every input and command in this order:
///   [`poll_transmit`](Self::poll_transmit), [`poll_event`](Self::poll_event),
///   [`poll_timeout`](Self::poll_timeout).
///
/// Bad input never panics and never poisons the session: malformed requests are answered
/// (400, 413, ...) and the session goes on; a broken byte stream closes it with
/// [`Event::Closed`].
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    /// The latest time seen: timers of transactions finished inside `poll_transmit` start
    /// from it.
    now: Option<Instant>,
    /// Bytes committed to the connection, in order.
    out: BytesMut,
    events: VecDeque<Event>,
    /// For `handle_bytes`.
    decoder: Option<Decoder>,
    closed: bool,
    send: send::SendState,
    recv: receive::RecvState,
    waiting: HashMap<TransactionId, Waiting>,
    /// AUTH with relays, once started.
    auth: Option<relay_auth::AuthState>,
    /// The To-Path of what the session sends: the Use-Path learnt, then the peer's path.
    route: Bytes,
}

impl Session {
    /// A session with `config`. Nothing is sent until there is something to send: the
    /// endpoint that opened the connection may send a bodiless SEND first (RFC 4975 §7.1),
    /// which is the host's choice ([`send_message`](Self::send_message) with an empty body
    /// sends an empty message instead).
    #[must_use]
    pub fn new(mut config: SessionConfig) -> Self {
        config.chunk_size = config.chunk_size.max(1);
        config.piece_size = config.piece_size.max(1);
        let route = config.remote.raw().clone();
        Self {
            config,
            now: None,
            out: BytesMut::new(),
            events: VecDeque::new(),
            decoder: None,
            closed: false,
            send: send::SendState::default(),
            recv: receive::RecvState::default(),
            waiting: HashMap::new(),
            auth: None,
            route,
        }
    }

    // --- getters -----------------------------------------------------------------------------

    /// This endpoint's URI in the session.
    #[must_use]
    pub fn local(&self) -> &MsrpUri {
        &self.config.local
    }

    /// Sets the peer's `a=max-size` (see [`SessionConfig::remote_max_size`]): with relays the
    /// session exists, to AUTH, before the SDP answer that gives it.
    pub fn set_remote_max_size(&mut self, max_size: Option<u64>) {
        self.config.remote_max_size = max_size;
    }

    /// The To-Path of what this session sends.
    #[must_use]
    pub fn remote(&self) -> &Path {
        &self.config.remote
    }

    /// True once [`Event::Closed`] has been queued.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Sent transactions waiting for a response (or for their timeout).
    #[must_use]
    pub fn pending_transactions(&self) -> usize {
        self.send.pending.len()
    }

    /// Outgoing messages queued, in transmission, or waiting for responses or success
    /// reports.
    #[must_use]
    pub fn outgoing_messages(&self) -> usize {
        self.send.tracked.len()
    }

    /// Incoming messages partly received.
    #[must_use]
    pub fn incomplete_messages(&self) -> usize {
        self.recv.messages.len()
    }

    /// Bytes buffered for incomplete incoming messages (see [`ReassemblyLimits`]).
    #[must_use]
    pub fn buffered_bytes(&self) -> u64 {
        self.recv.buffered
    }

    /// True when the session has nothing to do: nothing to transmit or report, no message
    /// in transmission or waiting, no transaction or incoming message pending, no request
    /// waiting for the host.
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.out.is_empty()
            && self.events.is_empty()
            && self.send.is_idle()
            && self.recv.messages.is_empty()
            && self.waiting.is_empty()
    }

    // --- inputs ------------------------------------------------------------------------------

    /// Bytes read from the connection, when it carries this session alone: decoded with an
    /// internal [`Decoder`] (limits from [`SessionConfig::decoder_limits`]) and handled as
    /// [`handle_decoded`](Self::handle_decoded) does. A framing error closes the session
    /// ([`CloseReason::Framing`]); the host should then close the connection.
    pub fn handle_bytes(&mut self, now: Instant, data: &[u8]) {
        if self.closed {
            return;
        }
        self.tick(now);
        let limits = self.config.decoder_limits;
        let decoder = self.decoder.get_or_insert_with(|| Decoder::new(limits));
        decoder.push(data);
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return;
            };
            match decoder.poll() {
                Ok(Some(item)) => self.handle_decoded(now, item),
                Ok(None) => return,
                Err(e) => {
                    self.shut(CloseReason::Framing(e), false);
                    return;
                }
            }
        }
    }

    /// One item decoded from the connection: a whole frame, or the head of a request and
    /// then the parts of its body. When several sessions share a connection the host routes
    /// each head to its session by the first URI of its To-Path (a [`Demux`](crate::Demux))
    /// and the body parts that follow to the same session.
    pub fn handle_decoded(&mut self, now: Instant, item: Decoded) {
        if self.closed {
            return;
        }
        self.tick(now);
        match item {
            Decoded::Frame(frame) => {
                if frame.head.is_response() {
                    self.on_response(&frame.head);
                } else {
                    let has_body = frame.head.has_body();
                    self.on_request_head(now, frame.head, Some(frame.flag));
                    if has_body {
                        self.on_body(now, frame.body);
                    }
                    self.on_request_end(now, frame.flag);
                }
            }
            Decoded::Head(head) => {
                if head.is_request() {
                    self.on_request_head(now, head, None);
                }
            }
            Decoded::Body(part) => {
                if !part.data.is_empty() {
                    self.on_body(now, part.data);
                }
                if let Some(flag) = part.flag {
                    self.on_request_end(now, flag);
                }
            }
        }
    }

    /// The passing of time: fails transactions whose response is overdue (408) and drops
    /// incoming messages idle too long. Called before [`poll_timeout`](Self::poll_timeout)'s
    /// instant, it does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.tick(now);
        self.expire_transactions(now);
        self.expire_reassembly(now);
        self.refresh_auth(now);
    }

    /// The connection is gone: the session closes ([`CloseReason::ConnectionLost`]) without
    /// writing anything more. Messages not yet sent and acknowledged fail.
    pub fn handle_connection_lost(&mut self, now: Instant) {
        if !self.closed {
            self.tick(now);
            self.shut(CloseReason::ConnectionLost, false);
        }
    }

    // --- commands ----------------------------------------------------------------------------

    /// Queues a message of `content_type` (its Content-Type, e.g. `text/plain` or
    /// `message/cpim`) and returns its Message-ID. The message goes out in chunks from the
    /// next [`poll_transmit`](Self::poll_transmit) on, after the messages queued before it.
    ///
    /// # Errors
    /// [`SendError::Closed`], [`SendError::QueueFull`], [`SendError::TooLarge`] (over the
    /// peer's max-size), [`SendError::DuplicateMessageId`], or [`SendError::Encode`] for a
    /// Content-Type or extra header that cannot be written.
    pub fn send_message(
        &mut self,
        now: Instant,
        content_type: &str,
        body: Bytes,
        options: SendOptions,
    ) -> Result<MessageId, SendError> {
        if self.closed {
            return Err(SendError::Closed);
        }
        self.tick(now);
        self.queue_message(content_type, body, options)
    }

    /// Aborts an outgoing message that is not completely sent: the chunk being written ends
    /// with `#`, or, between chunks, an empty chunk with `#` tells the receiver to drop what
    /// it has (RFC 4975 §7.1). Returns false when the message is not (or no longer) being
    /// sent; no event follows either way.
    pub fn abort(&mut self, message_id: MessageId) -> bool {
        !self.closed && self.abort_message(message_id)
    }

    /// Sends a NICKNAME request for `nickname` (RFC 7701) and returns its transaction
    /// identifier; the answer comes as [`Event::NicknameResult`]. Like responses, it goes
    /// out before the rest of a chunk being written.
    ///
    /// # Errors
    /// [`SendError::Closed`], or [`SendError::Encode`] for a nickname with control
    /// characters.
    pub fn send_nickname(
        &mut self,
        now: Instant,
        nickname: &str,
    ) -> Result<TransactionId, SendError> {
        if self.closed {
            return Err(SendError::Closed);
        }
        self.tick(now);
        let tid = self.new_tid();
        let mut frame = BytesMut::new();
        RequestBuilder::new(Method::Nickname, tid)
            .to_path(&self.route[..])
            .from_path(self.config.local.as_bytes())
            .use_nickname(nickname)
            .encode(&mut frame)?;
        self.queue_urgent(&frame);
        let deadline = now.checked_add(self.config.transaction_timeout);
        self.send.track(tid, send::PendingKind::Nickname, deadline);
        Ok(tid)
    }

    /// Answers a request the host decides on ([`Event::NicknameRequest`]) with `status` and
    /// a comment (the conventional phrase when `None`). A request with `Failure-Report: no`
    /// is never answered, one with `partial` only with an error (RFC 4975 §7.2).
    ///
    /// # Errors
    /// [`RespondError::UnknownTransaction`] when no request waits under `tid`,
    /// [`RespondError::InvalidStatus`] for a code outside 200-999, [`RespondError::Encode`]
    /// for a comment that cannot be written (the request still waits then),
    /// [`RespondError::Closed`].
    pub fn respond(
        &mut self,
        tid: TransactionId,
        status: u16,
        comment: Option<&str>,
    ) -> Result<(), RespondError> {
        if self.closed {
            return Err(RespondError::Closed);
        }
        if !(200..=999).contains(&status) {
            return Err(RespondError::InvalidStatus(status));
        }
        let waiting = self
            .waiting
            .get(&tid)
            .ok_or(RespondError::UnknownTransaction(tid))?;
        if should_respond(waiting.mode, status) {
            let mut frame = BytesMut::new();
            report::write_response(&mut frame, &waiting.head, status, comment)?;
            self.queue_urgent(&frame);
        }
        self.waiting.remove(&tid);
        Ok(())
    }

    /// Ends the session: a chunk being written ends with `#` so that a shared connection
    /// stays framed, queued messages are dropped, and the events say what became of the
    /// messages sent ([`Event::SendFailed`] for those not sent and acknowledged,
    /// [`Event::DeliveryUnconfirmed`] for those still waiting for a success report), then
    /// [`Event::Closed`]. Incomplete incoming messages are dropped without a report
    /// (RFC 4975 §7.1.2: no REPORT for a session that is no longer valid).
    pub fn close(&mut self) {
        if !self.closed {
            self.shut(CloseReason::Local, true);
        }
    }

    // --- outputs -----------------------------------------------------------------------------

    /// The next bytes for the connection: responses, REPORTs and requests, and the pieces of
    /// the chunks of outgoing messages. Each call writes at most one piece of a chunk, so
    /// calling again later (when the socket can take more) is always fine.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        if self.out.is_empty() && !self.closed && self.auth_ready() {
            self.write_next_piece();
        }
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.split().freeze())
        }
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should be called next, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        let transactions = self.send.next_deadline();
        let reassembly = self.recv.next_expiry(self.config.reassembly_timeout);
        let refresh = self.auth.as_ref().and_then(|a| a.refresh_at);
        [transactions, reassembly, refresh]
            .into_iter()
            .flatten()
            .min()
    }

    // --- shared internals --------------------------------------------------------------------

    /// Records the latest time (never going back).
    fn tick(&mut self, now: Instant) {
        self.now = Some(self.now.map_or(now, |t| t.max(now)));
    }

    /// A transaction identifier not used by a transaction in progress (the generator is
    /// asked again a few times on a collision).
    fn new_tid(&mut self) -> TransactionId {
        send::fresh_tid(self.config.ids.as_mut(), &self.send.pending, &self.waiting)
    }

    /// Queues a response, REPORT or non-SEND request: a chunk being written is interrupted
    /// first, so that it never waits behind the chunk (RFC 4975 §7.1.1).
    fn queue_urgent(&mut self, frame: &[u8]) {
        self.interrupt_chunk();
        self.out.extend_from_slice(frame);
    }

    /// Answers `request` with `code` if its Failure-Report allows it.
    fn respond_to(&mut self, request: &FrameHead, mode: ReportMode, code: u16) {
        if should_respond(mode, code) {
            let mut frame = BytesMut::new();
            // The paths are the request's own, already parsed: encoding cannot fail.
            if report::write_response(&mut frame, request, code, None).is_ok() {
                self.queue_urgent(&frame);
            }
        }
    }

    /// Does the URI an incoming To-Path starts with name this session?
    fn is_local(&self, uri: &MsrpUri) -> bool {
        match self.config.match_mode {
            MatchMode::FullUri => self.config.local.matches(uri),
            MatchMode::SessionId => self.config.local.session_id_matches(uri),
        }
    }

    /// Closes: reports what became of outgoing messages, drops everything, queues
    /// [`Event::Closed`]. With `flush`, a chunk being written is ended with `#` and what was
    /// queued for the connection stays; without, the connection is gone and so is the
    /// output.
    fn shut(&mut self, reason: CloseReason, flush: bool) {
        if flush {
            self.end_active_chunk(crate::frame::Flag::Aborted);
        } else {
            self.out.clear();
        }
        let closed = Status::new(408).with_text("session closed");
        for event in self.send.close(&closed) {
            self.events.push_back(event);
        }
        self.recv = receive::RecvState::default();
        self.waiting.clear();
        self.decoder = None;
        self.closed = true;
        self.events.push_back(Event::Closed { reason });
    }
}

#[cfg(test)]
mod tests;
