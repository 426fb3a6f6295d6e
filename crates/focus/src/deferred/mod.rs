//! Deferred messaging (store and forward, seed 004 §7.2.1, §7.3, App. H; REQ: DEF-1, DEF-2,
//! DEF-3) as a sans-IO service: [`Deferred`].
//!
//! A SIP MESSAGE for a user who is not registered is stored and answered 202 Accepted, or 480
//! Temporarily Unavailable when the store refuses it (DEF-1). A third-party REGISTER from the
//! S-CSCF tells the service who is registered: its Expires is stored and echoed in the 200,
//! Expires 0 de-registers, and a registration that is not refreshed expires (DEF-2). When a
//! user with stored messages registers, the service *pushes* them (seed 004 App. H): an
//! INVITE with an MSRP offer, the ACK of its 2xx, one MSRP SEND per stored message over an
//! [`simpleim_msrp::Session`], then BYE. Transcripts are kept by the store and returned as an
//! XML document whose schema is defined [below](self#transcripts) (DEF-3).
//!
//! # Wiring
//! The service owns no transaction layer: its parent (the focus, or a host) does, as for the
//! sip crate's [`Notifier`](simpleim_sip::dialog::Notifier).
//! - Requests ([`Deferred::handle_request`]): MESSAGE and REGISTER for the service, INVITE to
//!   a user (480 unless registered), and every request in a push's dialog
//!   ([`Deferred::owns_request`] says which: the client's BYE). The answer comes out of
//!   [`Deferred::poll_transmit`] as [`DeferredTransmit::Response`] before `handle_request`
//!   returns; the parent sends it on that request's server transaction.
//! - The service's own requests ([`DeferredTransmit::Request`]: INVITE, CANCEL, BYE) go
//!   through the parent's transaction layer (`Control::send_request` in the focus); their
//!   responses come back through [`Deferred::handle_response`], a transaction that ended
//!   without one through [`Deferred::handle_request_failed`]. ACKs
//!   ([`DeferredTransmit::Ack`]) are not transactions (RFC 3261 §17.1.1.3): send them with the
//!   layer's `send_ack`.
//! - MSRP: the parent accepts the client's connection (the default `a=setup:passive`) and
//!   calls [`Deferred::handle_msrp_connected`] with `None`: the first request's To-Path names
//!   the push. With `a=setup:active` the service asks for a connection
//!   ([`Deferred::poll_connect`]) and the parent calls `handle_msrp_connected` with
//!   `Some(push)`. Bytes go in with [`Deferred::handle_msrp`], out as
//!   [`DeferredTransmit::Msrp`]; [`Deferred::handle_msrp_closed`] and
//!   [`DeferredEvent::CloseConnection`] end connections.
//!
//! # Delivering exactly once
//! A message leaves the store only when its SEND got its 200 (RFC 4975 §7.1.1; every chunk
//! is sent with `Failure-Report: yes`), so a push that breaks anywhere loses nothing: the
//! next registration pushes what is left, in the order it arrived. Each stored message keeps
//! one MSRP Message-ID for every attempt, so that a client that received a SEND whose 200
//! was lost with the connection can recognise the second copy.
//!
//! # Transcripts
//! The store keeps session transcripts ([`DeferredStore::append_transcript`], seed 004
//! §7.4.5.3: originator, destination, time received, session id, content type, and the
//! message) and returns them as an XML document ([`Deferred::transcript_document`],
//! [`transcript_xml`]; read back with [`parse_transcript`]). The seed says the document's
//! schema "is described in IM-XDMS", a document the seeds do not include, so this crate
//! defines its own, small one.
//!
//! ## The schema
//! Namespace [`TRANSCRIPT_NAMESPACE`]; content type [`TRANSCRIPT_CONTENT_TYPE`].
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <transcript xmlns="urn:simpleim:params:xml:ns:transcript">
//!   <message>
//!     <originator>sip:alice@example.com</originator>   <!-- originator ID -->
//!     <destination>sip:bob@example.com</destination>   <!-- destination address -->
//!     <received>2002-02-21T13:02:03Z</received>        <!-- time received, RFC 3339 -->
//!     <session-id>sip:chat@conf.example.com</session-id>
//!     <content-type>text/plain</content-type>          <!-- content MIME type -->
//!     <body encoding="text">Watson, come here.</body>
//!   </message>
//! </transcript>
//! ```
//!
//! - `<transcript>` holds zero or more `<message>` elements, oldest first.
//! - Each `<message>` holds the six elements above, each exactly once, in any order.
//!   `<received>` is an RFC 3339 `date-time` (written in UTC, with milliseconds when they
//!   are not zero).
//! - `<body encoding="text">` (the default when the attribute is absent) holds the body as
//!   text; `encoding="base64"` holds it in base64 (RFC 4648 §4, padded, white space
//!   ignored). The writer uses `text` for a body that is UTF-8 made only of characters XML 1.0
//!   allows, and `base64` otherwise.
//! - A carriage return is written as `&#13;` so that an XML reader's end-of-line handling
//!   (XML 1.0 §2.11) leaves it alone: every text field and every body round-trips exactly.
//!   Text fields (not the body) that hold characters XML 1.0 forbids get U+FFFD for them.
//! - Readers ignore elements and attributes they do not know (for extensions), but not
//!   unknown text between elements.
//!
//! # Methods
//! - getters: [`Deferred::store`], [`Deferred::config`], [`Deferred::is_registered`],
//!   [`Deferred::registration_count`], [`Deferred::push_count`], [`Deferred::push_of`],
//!   [`Deferred::connection_count`], [`Deferred::owns_request`];
//! - inputs (`now` first): [`Deferred::handle_request`], [`Deferred::handle_response`],
//!   [`Deferred::handle_request_failed`], [`Deferred::handle_msrp_connected`],
//!   [`Deferred::handle_msrp`], [`Deferred::handle_msrp_closed`],
//!   [`Deferred::handle_msrp_connect_failed`], [`Deferred::handle_timeout`];
//! - commands: [`Deferred::defer`], [`Deferred::store_mut`],
//!   [`Deferred::transcript_document`];
//! - outputs, drained after every input and command in this order:
//!   [`Deferred::poll_transmit`] until `None`, [`Deferred::poll_connect`] until `None`,
//!   [`Deferred::poll_event`] until `None`, then [`Deferred::poll_timeout`].
//!
//! # Example: the drain loop
//! ```
//! use std::time::Instant;
//!
//! use bytes::Bytes;
//! use simpleim_focus::control::MsrpEndpoint;
//! use simpleim_focus::deferred::{
//!     Deferred, DeferredConfig, DeferredEvent, DeferredTransmit, MemoryStore, StoreLimits,
//!     Timestamp,
//! };
//! use simpleim_sip::dialog::SentBy;
//! use simpleim_sip::{Message, NameAddr, SeededIds, Uri};
//!
//! let addr = |s: &str| Uri::parse(&Bytes::copy_from_slice(s.as_bytes())).map(NameAddr::new);
//! let mut seed = 10;
//! let config = DeferredConfig::new(
//!     addr("sip:im-store@example.com")?,
//!     addr("sip:im-store@im.example.com")?,
//!     SentBy::new("TCP", "im.example.com", None),
//!     MsrpEndpoint::tcp("im.example.com", 2855),
//!     Box::new(SeededIds::new(1)), // seed from a real random source in production
//!     Box::new(move || {
//!         seed += 1;
//!         Box::new(simpleim_msrp::SeededIds::new(seed)) as Box<dyn simpleim_msrp::IdGenerator>
//!     }),
//! );
//! // `u32` is the host's SIP handle here, `u64` its MSRP connection handle.
//! let mut service =
//!     Deferred::<u32, u64>::new(config, MemoryStore::new(StoreLimits::default()));
//!
//! let parse = |text: &'static str| match Message::parse_datagram(Bytes::from_static(text.as_bytes())) {
//!     Ok(Message::Request(r)) => Ok(r),
//!     Ok(Message::Response(_)) => Err("not a request".into()),
//!     Err(e) => Err(Box::<dyn std::error::Error>::from(e)),
//! };
//! let now = Instant::now(); // the host's clocks: only ever inputs
//! let at = Timestamp::from_unix_seconds(1_014_296_523);
//!
//! // Bob is not registered: Alice's MESSAGE is stored and answered 202 (REQ: DEF-1).
//! let message = parse(
//!     "MESSAGE sip:bob@example.com SIP/2.0\r\n\
//!      Via: SIP/2.0/TCP pc.example.com;branch=z9hG4bK1\r\n\
//!      Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n\
//!      To: <sip:bob@example.com>\r\nCall-ID: m1\r\nCSeq: 1 MESSAGE\r\n\
//!      Content-Type: text/plain\r\nContent-Length: 18\r\n\r\nWatson, come here.",
//! )?;
//! service.handle_request(now, at, 7, &message);
//!
//! // The drain loop, after every input and command.
//! let drain = |service: &mut Deferred<u32, u64>| {
//!     let mut sent = Vec::new();
//!     while let Some(t) = service.poll_transmit() {
//!         sent.push(t); // responses and requests to the transaction layer, MSRP bytes
//!     }
//!     while let Some(_connect) = service.poll_connect() {
//!         // open the MSRP connection, then handle_msrp_connected(now, conn, Some(push))
//!     }
//!     let mut events = Vec::new();
//!     while let Some(e) = service.poll_event() {
//!         events.push(e);
//!     }
//!     let _next = service.poll_timeout(); // call handle_timeout then
//!     (sent, events)
//! };
//! let (sent, events) = drain(&mut service);
//! assert!(matches!(&sent[..], [DeferredTransmit::Response { response, .. }]
//!     if response.code() == 202));
//! assert!(matches!(&events[..], [DeferredEvent::Stored { .. }]));
//!
//! // The S-CSCF's third-party REGISTER: 200 with the same Expires, then the push's INVITE.
//! let register = parse(
//!     "REGISTER sip:im.example.com SIP/2.0\r\n\
//!      Via: SIP/2.0/TCP scscf.example.com;branch=z9hG4bK2\r\n\
//!      Max-Forwards: 70\r\nFrom: <sip:scscf.example.com>;tag=s1\r\n\
//!      To: <sip:bob@example.com>\r\nCall-ID: r1\r\nCSeq: 1 REGISTER\r\n\
//!      Contact: <sip:scscf.example.com>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n",
//! )?;
//! service.handle_request(now, at, 9, &register);
//! let (sent, _) = drain(&mut service);
//! let [DeferredTransmit::Response { response, .. }, DeferredTransmit::Request { handle, request }] =
//!     &sent[..] else { unreachable!() };
//! assert_eq!(response.code(), 200);
//! assert!(response.as_bytes().windows(12).any(|w| w == b"Expires: 600"));
//! assert_eq!((*handle, request.method()), (9, &simpleim_sip::Method::Invite));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod connection;
mod delivery;
mod encap;
mod error;
mod event;
mod memory;
mod push;
mod requests;
mod store;
mod time;
mod transcript;
mod user;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::Bytes;
use simpleim_msrp::{Demux, IdGenerator};
use simpleim_sip::Request;

pub use config::{DeferredConfig, DeferredLimits, Encapsulation, OnlineDelivery};
pub use error::{DeferError, StoreError, TranscriptError, TranscriptErrorKind};
pub use event::{
    ConnectionCloseReason, DeferredEvent, DeferredTransmit, DeregisterReason, PushConnect, PushEnd,
    PushId, SkipReason,
};
pub use memory::{MemoryStore, StoreLimits};
pub use store::{
    DeferredMessage, DeferredStore, StoredId, StoredMessage, TranscriptEntry, TranscriptQuery,
};
pub use time::Timestamp;
pub use transcript::{
    TRANSCRIPT_CONTENT_TYPE, TRANSCRIPT_NAMESPACE, TranscriptLimits, parse_transcript,
    parse_transcript_with, transcript_xml,
};
pub use user::Aor;

use connection::Connection;
use push::Push;

/// One registered user.
#[derive(Debug, Clone)]
struct Registration<H> {
    /// The handle its REGISTER came on: where the push's INVITE goes (the S-CSCF).
    handle: H,
    /// The registered URI (the REGISTER's To), the push's Request-URI.
    uri: Bytes,
    /// When it expires (`None`: too far to compute).
    expires_at: Option<Instant>,
    /// The transport its REGISTER came over (its top Via): the push's requests go back on
    /// the same handle, so their Vias name it (RFC 3261 §18.1.1).
    transport: Option<String>,
}

/// The deferred-messaging service; see the [module documentation](self).
///
/// `H` is the parent's SIP transport handle, `C` its MSRP connection handle, `S` the store.
pub struct Deferred<H, C, S = MemoryStore> {
    config: DeferredConfig,
    /// The service's own MSRP identifiers (session-ids, stored Message-IDs).
    ids: Box<dyn IdGenerator>,
    store: S,
    registrations: HashMap<Aor, Registration<H>>,
    /// Registration expiry times; an entry whose registration moved on is ignored.
    expiries: BTreeSet<(Instant, Aor)>,
    pushes: BTreeMap<PushId, Push<H, C>>,
    /// The live push of each user (not the cancelled ones).
    by_user: HashMap<Aor, PushId>,
    /// Every push by its Call-ID, for responses and in-dialog requests.
    by_call: HashMap<Bytes, PushId>,
    /// Pushes waiting for their client's MSRP connection, by the URI the offer gave.
    demux: Demux<PushId>,
    connections: HashMap<C, Connection>,
    /// Registered users with messages waiting for a push slot.
    waiting: VecDeque<Aor>,
    next_push: u64,
    transmit: VecDeque<DeferredTransmit<H, C>>,
    connects: VecDeque<PushConnect>,
    events: VecDeque<DeferredEvent<H, C>>,
}

impl<H: fmt::Debug, C: fmt::Debug, S> fmt::Debug for Deferred<H, C, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deferred")
            .field("config", &self.config)
            .field("registrations", &self.registrations.len())
            .field("pushes", &self.pushes.len())
            .field("connections", &self.connections.len())
            .field("waiting", &self.waiting.len())
            .finish_non_exhaustive()
    }
}

impl<H, C, S> Deferred<H, C, S>
where
    H: Clone + fmt::Debug,
    C: Clone + Eq + Hash + fmt::Debug,
    S: DeferredStore,
{
    /// A service with no registrations, over `store`.
    #[must_use]
    pub fn new(mut config: DeferredConfig, store: S) -> Self {
        config.limits.max_in_flight = config.limits.max_in_flight.max(1);
        let ids = (config.msrp_ids)();
        Self {
            config,
            ids,
            store,
            registrations: HashMap::new(),
            expiries: BTreeSet::new(),
            pushes: BTreeMap::new(),
            by_user: HashMap::new(),
            by_call: HashMap::new(),
            demux: Demux::new(),
            connections: HashMap::new(),
            waiting: VecDeque::new(),
            next_push: 1,
            transmit: VecDeque::new(),
            connects: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    // --- getters ---------------------------------------------------------------------------

    /// The store.
    #[must_use]
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &DeferredConfig {
        &self.config
    }

    /// Whether `user` is registered.
    #[must_use]
    pub fn is_registered(&self, user: &Aor) -> bool {
        self.registrations.contains_key(user)
    }

    /// Users registered.
    #[must_use]
    pub fn registration_count(&self) -> usize {
        self.registrations.len()
    }

    /// Pushes under way (cancelled INVITEs awaiting their final response not counted).
    #[must_use]
    pub fn push_count(&self) -> usize {
        self.by_user.len()
    }

    /// The push under way for `user`.
    #[must_use]
    pub fn push_of(&self, user: &Aor) -> Option<PushId> {
        self.by_user.get(user).copied()
    }

    /// MSRP connections known.
    #[must_use]
    pub fn connection_count(&self) -> usize {
        self.connections.len()
    }

    /// Whether `request` belongs to one of the service's push dialogs (same Call-ID), so
    /// that a parent routes it here: the client's BYE, or anything else in that dialog.
    #[must_use]
    pub fn owns_request(&self, request: &Request) -> bool {
        request
            .headers()
            .typed::<simpleim_sip::header::CallId>()
            .and_then(Result::ok)
            .is_some_and(|c| self.by_call.contains_key(c.as_bytes()))
    }

    // --- commands --------------------------------------------------------------------------

    /// The store, to append transcripts or manage mailboxes. A message taken out here while
    /// a push is sending it may still be delivered once.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// The transcript document (REQ: DEF-3) of the entries `query` asks for.
    ///
    /// # Errors
    /// The store's failure.
    pub fn transcript_document(&self, query: &TranscriptQuery) -> Result<String, StoreError> {
        Ok(transcript_xml(&self.store.transcript(query)?))
    }

    // --- outputs ---------------------------------------------------------------------------

    /// The next thing to send: responses, requests and ACKs for the transaction layer, and
    /// MSRP bytes for a connection.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<DeferredTransmit<H, C>> {
        self.transmit.pop_front()
    }

    /// The next MSRP connection to open (the service being the active side).
    #[must_use]
    pub fn poll_connect(&mut self) -> Option<PushConnect> {
        self.connects.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<DeferredEvent<H, C>> {
        self.events.pop_front()
    }

    /// When to call [`Deferred::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let registrations = self.expiries.first().map(|(t, _)| *t);
        let connections = self.connections.values().filter_map(|c| c.deadline).min();
        let pushes = self.pushes.values().filter_map(Push::next_timeout).min();
        [registrations, connections, pushes]
            .into_iter()
            .flatten()
            .min()
    }

    /// Time has passed: registrations expire (their pushes stop), INVITEs without an answer
    /// are cancelled, MSRP connections that do not come or bind are given up, MSRP
    /// transactions time out. Early calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.expire_registrations(now);
        self.expire_connections(now);
        self.expire_pushes(now);
    }

    // --- shared internals ------------------------------------------------------------------

    /// A fresh SIP identifier.
    fn sip_id(&mut self, kind: simpleim_sip::IdKind) -> Bytes {
        self.config.sip_ids.next_id(kind)
    }
}
