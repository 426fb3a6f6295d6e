//! Deferred messaging (`simpleim_focus::deferred`): storing MESSAGEs for unreachable users
//! (REQ: DEF-1), third-party REGISTER and the push of stored messages over MSRP (DEF-2), and
//! session transcripts as XML (DEF-3), with a simulated client: its SIP side answered by the
//! test, its MSRP side a real `simpleim_msrp::Session` over a simulated connection, and a
//! simulated clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use simpleim_cpim::CpimMessage;
use simpleim_focus::control::MsrpEndpoint;
use simpleim_focus::deferred::{
    Aor, ConnectionCloseReason, DeferError, Deferred, DeferredConfig, DeferredEvent,
    DeferredMessage, DeferredStore, DeferredTransmit, DeregisterReason, Encapsulation, MemoryStore,
    OnlineDelivery, PushEnd, StoreError, StoreLimits, StoredId, StoredMessage, Timestamp,
    TranscriptEntry, TranscriptQuery, parse_transcript, transcript_xml,
};
use simpleim_msrp::{
    ByteRange, Event, MessageId, Method as MsrpMethod, RequestBuilder, Session, SessionConfig,
};
use simpleim_sdp::Origin;
use simpleim_sdp::attr::{AcceptTypes, Path, Setup};
use simpleim_sdp::negotiate::{MsrpCapabilities, SdpOffer, answer_session};
use simpleim_sip::dialog::SentBy;
use simpleim_sip::header::Expires;
use simpleim_sip::{HeaderName, Message, Method, NameAddr, Request, Response, SeededIds, Uri};
use simpleim_test_support::msrp::epoch;

/// The S-CSCF's SIP handle (third-party REGISTERs come on it, the pushes' INVITEs go on it).
const SCSCF: u32 = 1;
/// The handle Alice's MESSAGEs come on.
const ALICE: u32 = 2;
/// When the server received the stored messages (the wall clock, an input).
const RECEIVED: u64 = 1_014_296_523_000;

type Svc<S> = Deferred<u32, u32, S>;

fn request(text: &str) -> Request {
    match Message::parse_datagram(Bytes::from(text.replace('\n', "\r\n"))).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => panic!("not a request"),
    }
}

fn message_to(user: &str, n: usize, body: &str) -> Request {
    request(&format!(
        "MESSAGE sip:{user}@example.com SIP/2.0\n\
         Via: SIP/2.0/TCP pc.example.com;branch=z9hG4bKm{n}\n\
         Max-Forwards: 70\n\
         From: \"Alice\" <sip:alice@example.com>;tag=a{n}\n\
         To: <sip:{user}@example.com>\n\
         Call-ID: msg-{n}\n\
         CSeq: 1 MESSAGE\n\
         P-Asserted-Identity: \"Alice A.\" <sip:alice@example.com>\n\
         Content-Type: text/plain;charset=utf-8\n\
         Content-Length: {}\n\n{body}",
        body.len()
    ))
}

fn register(user: &str, n: usize, expires: &str) -> Request {
    request(&format!(
        "REGISTER sip:im.example.com SIP/2.0\n\
         Via: SIP/2.0/TCP scscf.example.com;branch=z9hG4bKr{n}\n\
         Max-Forwards: 70\n\
         From: <sip:scscf.example.com>;tag=s{n}\n\
         To: <sip:{user}@example.com>\n\
         Call-ID: reg-{user}\n\
         CSeq: {n} REGISTER\n\
         Contact: <sip:scscf.example.com>\n\
         {expires}\
         Content-Length: 0\n\n"
    ))
}

fn addr(s: &str) -> NameAddr {
    NameAddr::new(Uri::parse(&Bytes::copy_from_slice(s.as_bytes())).unwrap())
}

fn config(seed: u64) -> DeferredConfig {
    let mut next = seed * 1000;
    DeferredConfig::new(
        addr("sip:im-store@example.com"),
        addr("sip:im-store@im.example.com;transport=tcp"),
        SentBy::new("TCP", "im.example.com", None),
        MsrpEndpoint::tcp("im.example.com", 2855),
        Box::new(SeededIds::new(seed)),
        Box::new(move || {
            next += 1;
            Box::new(simpleim_msrp::SeededIds::new(next)) as Box<dyn simpleim_msrp::IdGenerator>
        }),
    )
}

fn bob() -> Aor {
    Aor::parse("sip:bob@example.com").unwrap()
}

/// How the simulated client answers the push's INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Accept,
    Reject(u16),
    Silent,
}

/// One received MSRP message at the client.
#[derive(Debug, Clone)]
struct Received {
    message_id: MessageId,
    content_type: Bytes,
    body: Bytes,
}

/// The service and a simulated client (Bob), with a simulated clock and connection.
struct World<S: DeferredStore> {
    now: Instant,
    svc: Svc<S>,
    answer: Answer,
    /// The client's connection role (`active`: it connects).
    client_setup: Setup,
    /// Whether an `active` client does open its connection.
    client_connects: bool,
    session: Option<Session>,
    conn: Option<u32>,
    next_conn: u32,
    to_client: VecDeque<Bytes>,
    to_service: VecDeque<Bytes>,
    /// MSRP deliveries left before the connection breaks (a drop point), if any.
    drop_after: Option<usize>,
    received: Vec<Received>,
    responses: Vec<Response>,
    requests: Vec<Request>,
    acks: Vec<Request>,
    events: Vec<DeferredEvent<u32, u32>>,
    client_ids: SeededIds,
    seed: u64,
}

impl World<MemoryStore> {
    fn new(adjust: impl FnOnce(&mut DeferredConfig)) -> Self {
        World::with_store(MemoryStore::new(StoreLimits::default()), adjust)
    }
}

impl<S: DeferredStore> World<S> {
    fn with_store(store: S, adjust: impl FnOnce(&mut DeferredConfig)) -> Self {
        let mut c = config(7);
        adjust(&mut c);
        World {
            now: epoch(),
            svc: Deferred::new(c, store),
            answer: Answer::Accept,
            client_setup: Setup::Active,
            client_connects: true,
            session: None,
            conn: None,
            next_conn: 100,
            to_client: VecDeque::new(),
            to_service: VecDeque::new(),
            drop_after: None,
            received: Vec::new(),
            responses: Vec::new(),
            requests: Vec::new(),
            acks: Vec::new(),
            events: Vec::new(),
            client_ids: SeededIds::new(99),
            seed: 500,
        }
    }

    fn at(&self) -> Timestamp {
        Timestamp::from_unix_millis(RECEIVED)
    }

    /// Gives the service a request and drives everything to rest.
    fn send(&mut self, handle: u32, req: &Request) {
        let at = self.at();
        self.svc.handle_request(self.now, at, handle, req);
        self.settle();
    }

    /// The last response the service sent.
    fn last_response(&self) -> &Response {
        self.responses.last().expect("a response")
    }

    fn store_message(&mut self, n: usize, body: &str) {
        self.send(ALICE, &message_to("bob", n, body));
        assert_eq!(self.last_response().code(), 202);
    }

    /// Drains the service and plays the client until nothing moves.
    fn settle(&mut self) {
        loop {
            let mut moved = self.drain();
            moved |= self.deliver_one();
            if !moved {
                break;
            }
        }
    }

    /// Takes every output of the service; SIP is answered at once, MSRP bytes queued.
    fn drain(&mut self) -> bool {
        let mut moved = false;
        loop {
            let mut any = false;
            while let Some(t) = self.svc.poll_transmit() {
                any = true;
                match t {
                    DeferredTransmit::Response { response, .. } => self.responses.push(*response),
                    DeferredTransmit::Request { request, .. } => self.on_request(*request),
                    DeferredTransmit::Ack { request, .. } => self.on_ack(*request),
                    DeferredTransmit::Msrp { conn, bytes } => {
                        if Some(conn) == self.conn {
                            self.to_client.push_back(bytes);
                        }
                    }
                }
            }
            while let Some(c) = self.svc.poll_connect() {
                any = true;
                // The service connects (it is the active side): the client accepts.
                let conn = self.open_conn();
                self.svc.handle_msrp_connected(self.now, conn, Some(c.push));
            }
            while let Some(e) = self.svc.poll_event() {
                any = true;
                if let DeferredEvent::CloseConnection { conn, .. } = &e {
                    if Some(*conn) == self.conn {
                        // What was written before the close still arrives.
                        while let Some(b) = self.to_client.pop_front() {
                            self.client_bytes(&b);
                        }
                        self.close_client();
                    }
                }
                self.events.push(e);
            }
            if let Some(t) = self.svc.poll_timeout() {
                assert!(t >= self.now, "a timeout in the past");
            }
            if !any {
                return moved;
            }
            moved = true;
        }
    }

    fn on_request(&mut self, req: Request) {
        let method = req.method().clone();
        self.requests.push(req.clone());
        match method {
            Method::Invite => match self.answer {
                Answer::Accept => {
                    let ok = self.accept(&req);
                    self.svc.handle_response(self.now, &ok);
                }
                Answer::Reject(code) => {
                    let no = Response::for_request(&req, code, &mut self.client_ids)
                        .build()
                        .unwrap();
                    self.svc.handle_response(self.now, &no);
                }
                Answer::Silent => {}
            },
            Method::Bye => {
                let ok = Response::for_request(&req, 200, &mut self.client_ids)
                    .build()
                    .unwrap();
                self.svc.handle_response(self.now, &ok);
            }
            _ => {}
        }
    }

    /// The client's 200 with its SDP answer; its MSRP session is made from the offer.
    fn accept(&mut self, invite: &Request) -> Response {
        let offer = SdpOffer::parse(invite.body()).unwrap();
        self.seed += 1;
        let local = format!("msrp://client.example.com:7777/bob{};tcp", self.seed);
        let caps = MsrpCapabilities::builder(
            Path::parse(&Bytes::from(local.clone())).unwrap(),
            AcceptTypes::parse(&Bytes::from_static(b"message/cpim message/sip")).unwrap(),
        )
        .setup(self.client_setup)
        .build();
        let origin = Origin {
            username: "bob",
            session_id: self.seed,
            session_version: 1,
            net_type: "IN",
            addr_type: "IP4",
            unicast_address: "client.example.com",
        };
        let (answer, negotiated) = answer_session(&offer, &caps, &origin).unwrap();
        let remote =
            simpleim_msrp::Path::parse(Bytes::from(negotiated.remote_path().to_string())).unwrap();
        self.session = Some(Session::new(SessionConfig::new(
            local.parse().unwrap(),
            remote,
            Box::new(simpleim_msrp::SeededIds::new(self.seed)),
        )));
        Response::for_request(invite, 200, &mut self.client_ids)
            .header(
                HeaderName::Contact,
                "<sip:bob@client.example.com;transport=tcp>",
            )
            .body("application/sdp", answer.to_bytes())
            .build()
            .unwrap()
    }

    /// The ACK arrived: a client with the `active` role connects and sends its bodiless SEND
    /// (RFC 4975 §5.4).
    fn on_ack(&mut self, ack: Request) {
        self.acks.push(ack);
        if self.client_setup != Setup::Active || !self.client_connects || self.session.is_none() {
            return;
        }
        let conn = self.open_conn();
        self.svc.handle_msrp_connected(self.now, conn, None);
        let session = self.session.as_ref().unwrap();
        let mut out = BytesMut::new();
        RequestBuilder::new(MsrpMethod::Send, "bodiless1".parse().unwrap())
            .to_path(session.remote().as_bytes())
            .from_path(session.local().as_bytes())
            .message_id("bodiless")
            .byte_range(ByteRange {
                start: 1,
                end: Some(0),
                total: Some(0),
            })
            .encode(&mut out)
            .unwrap();
        self.to_service.push_back(out.freeze());
    }

    fn open_conn(&mut self) -> u32 {
        self.next_conn += 1;
        self.conn = Some(self.next_conn);
        self.next_conn
    }

    /// Delivers one queued MSRP unit (service → client first). A drop point breaks the
    /// connection instead.
    fn deliver_one(&mut self) -> bool {
        let Some(conn) = self.conn else {
            return false;
        };
        if self.to_client.is_empty() && self.to_service.is_empty() {
            return false;
        }
        if let Some(left) = self.drop_after.as_mut() {
            if *left == 0 {
                self.drop_after = None;
                self.close_client();
                self.svc.handle_msrp_closed(self.now, conn);
                return true;
            }
            *left -= 1;
        }
        if let Some(b) = self.to_client.pop_front() {
            self.client_bytes(&b);
        } else if let Some(b) = self.to_service.pop_front() {
            self.svc.handle_msrp(self.now, conn, &b);
        }
        true
    }

    fn client_bytes(&mut self, bytes: &[u8]) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.handle_bytes(self.now, bytes);
        while let Some(out) = session.poll_transmit() {
            self.to_service.push_back(out);
        }
        while let Some(e) = session.poll_event() {
            if let Event::Message {
                message_id,
                content_type,
                body,
                ..
            } = e
            {
                self.received.push(Received {
                    message_id,
                    content_type,
                    body,
                });
            }
        }
    }

    fn close_client(&mut self) {
        self.session = None;
        self.conn = None;
        self.to_client.clear();
        self.to_service.clear();
    }

    fn advance(&mut self, by: Duration) {
        let until = self.now + by;
        while let Some(t) = self.svc.poll_timeout().filter(|t| *t <= until) {
            self.now = self.now.max(t);
            self.svc.handle_timeout(self.now);
            self.settle();
        }
        self.now = until;
        self.svc.handle_timeout(self.now);
        self.settle();
    }

    fn pushes_ended(&self) -> Vec<PushEnd> {
        self.events
            .iter()
            .filter_map(|e| match e {
                DeferredEvent::PushEnded { end, .. } => Some(*end),
                _ => None,
            })
            .collect()
    }

    fn requests_of(&self, method: Method) -> Vec<&Request> {
        self.requests
            .iter()
            .filter(|r| *r.method() == method)
            .collect()
    }

    /// The payloads the client received, CPIM-decoded, in order (duplicates included).
    fn payloads(&self) -> Vec<Bytes> {
        self.received
            .iter()
            .filter(|r| !r.body.is_empty())
            .map(|r| CpimMessage::parse(r.body.clone()).unwrap().payload())
            .collect()
    }
}

fn stored(store: &MemoryStore, user: &Aor) -> Vec<StoredMessage> {
    store.list(user, None, usize::MAX).unwrap()
}

fn header(r: &Response, name: HeaderName) -> Option<Bytes> {
    r.headers().get(name).map(|f| f.value())
}

// --- DEF-1: storing --------------------------------------------------------------------------

// REQ: DEF-1
#[test]
fn message_to_unregistered_user_is_stored_and_answered_202() {
    let mut w = World::new(|_| {});
    let m = message_to("bob", 1, "Watson, come here.");
    w.send(ALICE, &m);
    let ok = w.last_response();
    assert_eq!(ok.code(), 202);
    assert!(
        header(ok, HeaderName::To)
            .unwrap()
            .starts_with(b"<sip:bob@example.com>;tag=")
    );
    assert!(matches!(&w.events[..], [DeferredEvent::Stored { user, .. }] if *user == bob()));
    let kept = stored(w.svc.store(), &bob());
    assert_eq!(kept.len(), 1);
    let kept = &kept[0].message;
    // REQ: SEC-1: the sender is the asserted identity; the body and its type as received.
    assert_eq!(kept.sender, "sip:alice@example.com");
    assert_eq!(kept.sender_name.as_deref(), Some("Alice A."));
    assert_eq!(kept.content_type, "text/plain;charset=utf-8");
    assert_eq!(kept.body, "Watson, come here.");
    assert_eq!(kept.recipient_uri, "sip:bob@example.com");
    assert_eq!(kept.received, Timestamp::from_unix_millis(RECEIVED));
    // Nothing was copied: the stored body is a slice of the request's buffer.
    let buf = m.as_bytes().as_ptr_range();
    assert!(buf.contains(&kept.body.as_ptr()));
    // No push: Bob is not registered.
    assert!(w.requests.is_empty());
}

/// A store whose backend is down.
struct FailingStore;

impl DeferredStore for FailingStore {
    fn put(&mut self, _: DeferredMessage) -> Result<StoredId, StoreError> {
        Err(StoreError::Unavailable("disk full".into()))
    }
    fn list(
        &self,
        _: &Aor,
        _: Option<StoredId>,
        _: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        Err(StoreError::Unavailable("disk full".into()))
    }
    fn take(&mut self, _: StoredId) -> Result<Option<StoredMessage>, StoreError> {
        Err(StoreError::Unavailable("disk full".into()))
    }
    fn append_transcript(&mut self, _: TranscriptEntry) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("disk full".into()))
    }
    fn transcript(&self, _: &TranscriptQuery) -> Result<Vec<TranscriptEntry>, StoreError> {
        Err(StoreError::Unavailable("disk full".into()))
    }
}

// REQ: DEF-1
#[test]
fn store_that_refuses_gives_480() {
    let mut w = World::with_store(FailingStore, |_| {});
    w.send(ALICE, &message_to("bob", 1, "hello"));
    assert_eq!(w.last_response().code(), 480);
    assert!(matches!(
        &w.events[..],
        [DeferredEvent::NotStored {
            error: StoreError::Unavailable(_),
            ..
        }]
    ));
    // A registration with a failing store answers 200 and pushes nothing.
    w.send(ALICE, &register("bob", 1, "Expires: 600\n"));
    assert_eq!(w.last_response().code(), 200);
    assert!(w.requests.is_empty());
    assert!(
        w.svc
            .transcript_document(&TranscriptQuery::new(10))
            .is_err()
    );

    // A full mailbox is a refusal too.
    let mut limits = StoreLimits::default();
    limits.max_messages_per_user = 2;
    let mut w = World::with_store(MemoryStore::new(limits), |_| {});
    for n in 0..3 {
        w.send(ALICE, &message_to("bob", n, "hi"));
    }
    let codes: Vec<u16> = w.responses.iter().map(Response::code).collect();
    assert_eq!(codes, [202, 202, 480]);
    assert!(matches!(
        w.events.last(),
        Some(DeferredEvent::NotStored {
            error: StoreError::UserMessages { limit: 2 },
            ..
        })
    ));
    // Others still get theirs stored.
    w.send(ALICE, &message_to("carol", 9, "hi"));
    assert_eq!(w.last_response().code(), 202);
}

// REQ: DEF-1
#[test]
fn invite_to_unreachable_user_gets_480_and_defer_command() {
    let mut w = World::new(|_| {});
    let invite = request(
        "INVITE sip:bob@example.com SIP/2.0\n\
         Via: SIP/2.0/TCP pc.example.com;branch=z9hG4bKi1\n\
         Max-Forwards: 70\nFrom: <sip:alice@example.com>;tag=a1\n\
         To: <sip:bob@example.com>\nCall-ID: inv-1\nCSeq: 1 INVITE\n\
         Contact: <sip:alice@pc.example.com>\nContent-Length: 0\n\n",
    );
    w.send(ALICE, &invite);
    assert_eq!(w.last_response().code(), 480);
    // A MESSAGE without a body type is malformed; a non-MESSAGE cannot be deferred.
    let id = w
        .svc
        .defer(w.now, w.at(), &message_to("bob", 2, "kept by the parent"))
        .unwrap();
    assert_eq!(stored(w.svc.store(), &bob())[0].id, id);
    assert_eq!(
        w.svc.defer(w.now, w.at(), &invite),
        Err(DeferError::NotAMessage)
    );
    let untyped = request(
        "MESSAGE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/TCP pc.example.com;branch=z9hG4bKu\n\
         Max-Forwards: 70\nFrom: <sip:alice@example.com>;tag=u\nTo: <sip:bob@example.com>\n\
         Call-ID: u1\nCSeq: 1 MESSAGE\nContent-Length: 2\n\nhi",
    );
    assert!(matches!(
        w.svc.defer(w.now, w.at(), &untyped),
        Err(DeferError::Malformed { status: 400, .. })
    ));
    w.send(ALICE, &untyped);
    assert_eq!(w.last_response().code(), 400);
    // Other methods: OPTIONS 200 with Allow, SUBSCRIBE 405, a stray BYE 481.
    let options = request(
        "OPTIONS sip:im.example.com SIP/2.0\nVia: SIP/2.0/TCP x.example.com;branch=z9hG4bKo\n\
         Max-Forwards: 70\nFrom: <sip:x@example.com>;tag=x\nTo: <sip:im.example.com>\n\
         Call-ID: o1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n",
    );
    w.send(ALICE, &options);
    assert_eq!(w.last_response().code(), 200);
    assert!(header(w.last_response(), HeaderName::Allow).is_some());
    let subscribe = request(
        "SUBSCRIBE sip:im.example.com SIP/2.0\nVia: SIP/2.0/TCP x.example.com;branch=z9hG4bKs\n\
         Max-Forwards: 70\nFrom: <sip:x@example.com>;tag=x\nTo: <sip:im.example.com>\n\
         Call-ID: s1\nCSeq: 1 SUBSCRIBE\nEvent: presence\nContact: <sip:x@example.com>\n\
         Content-Length: 0\n\n",
    );
    w.send(ALICE, &subscribe);
    assert_eq!(w.last_response().code(), 405);
    assert!(header(w.last_response(), HeaderName::Allow).is_some());
    let bye = request(
        "BYE sip:im.example.com SIP/2.0\nVia: SIP/2.0/TCP x.example.com;branch=z9hG4bKb\n\
         Max-Forwards: 70\nFrom: <sip:x@example.com>;tag=x\nTo: <sip:im.example.com>;tag=y\n\
         Call-ID: nothing\nCSeq: 2 BYE\nContent-Length: 0\n\n",
    );
    assert!(!w.svc.owns_request(&bye));
    w.send(ALICE, &bye);
    assert_eq!(w.last_response().code(), 481);
}

// REQ: DEF-1
#[test]
fn message_to_registered_user_is_forwarded_or_pushed() {
    let mut w = World::new(|_| {});
    w.send(SCSCF, &register("bob", 1, "Expires: 600\n"));
    let before = w.responses.len();
    w.send(ALICE, &message_to("bob", 1, "online"));
    // Forward (the default): no answer from the service, the parent routes it.
    assert_eq!(w.responses.len(), before);
    assert!(matches!(
        w.events.last(),
        Some(DeferredEvent::Forward { handle: ALICE, .. })
    ));

    let mut w = World::new(|c| c.online = OnlineDelivery::StoreAndPush);
    w.send(SCSCF, &register("bob", 1, "Expires: 600\n"));
    w.send(ALICE, &message_to("bob", 1, "pushed at once"));
    assert_eq!(w.responses[1].code(), 202);
    assert_eq!(w.payloads(), [Bytes::from_static(b"pushed at once")]);
    assert_eq!(w.pushes_ended(), [PushEnd::Completed]);
    assert!(w.svc.store().is_empty());
}

// --- DEF-2: registration ---------------------------------------------------------------------

// REQ: DEF-2
#[test]
fn register_is_answered_200_with_the_same_expires() {
    let mut w = World::new(|c| c.limits.max_registrations = 2);
    w.send(SCSCF, &register("bob", 1, "Expires: 600\n"));
    let ok = w.last_response();
    assert_eq!(ok.code(), 200);
    assert_eq!(
        ok.headers().typed::<Expires>().unwrap().unwrap().value(),
        600
    );
    assert!(w.svc.is_registered(&bob()));
    assert!(matches!(
        w.events.last(),
        Some(DeferredEvent::Registered {
            expires: 600,
            refreshed: false,
            ..
        })
    ));
    // Without an Expires header, the Contact's `expires` is the value stored and echoed.
    let carol = register("carol", 1, "").to_string_lossy();
    let carol = request(&carol.replace(
        "Contact: <sip:scscf.example.com>",
        "Contact: <sip:scscf.example.com>;expires=1200",
    ));
    w.send(SCSCF, &carol);
    assert_eq!(
        w.last_response()
            .headers()
            .typed::<Expires>()
            .unwrap()
            .unwrap()
            .value(),
        1200
    );
    // One registration too many: 503; a refresh of a known one still works.
    w.send(SCSCF, &register("dave", 1, "Expires: 600\n"));
    assert_eq!(w.last_response().code(), 503);
    w.send(SCSCF, &register("bob", 2, "Expires: 300\n"));
    assert_eq!(w.last_response().code(), 200);
    assert!(matches!(
        w.events.last(),
        Some(DeferredEvent::Registered {
            expires: 300,
            refreshed: true,
            ..
        })
    ));
    // A malformed Expires: 400.
    w.send(SCSCF, &register("bob", 3, "Expires: soon\n"));
    assert_eq!(w.last_response().code(), 400);
    // Expires 0 de-registers, answered with Expires 0.
    w.send(SCSCF, &register("bob", 4, "Expires: 0\n"));
    assert_eq!(w.last_response().code(), 200);
    assert_eq!(
        w.last_response()
            .headers()
            .typed::<Expires>()
            .unwrap()
            .unwrap()
            .value(),
        0
    );
    assert!(!w.svc.is_registered(&bob()));
    assert!(matches!(
        w.events.last(),
        Some(DeferredEvent::Deregistered {
            reason: DeregisterReason::Unregistered,
            ..
        })
    ));
    assert_eq!(w.svc.registration_count(), 1);
}

trait Lossy {
    fn to_string_lossy(&self) -> String;
}

impl Lossy for Request {
    fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(self.as_bytes()).replace("\r\n", "\n")
    }
}

// REQ: DEF-2
#[test]
fn registration_churn_and_expiry_under_a_simulated_clock() {
    let mut w = World::new(|_| {});
    let start = w.now;
    w.send(SCSCF, &register("bob", 1, "Expires: 60\n"));
    assert_eq!(w.svc.poll_timeout(), Some(start + Duration::from_secs(60)));
    // Early timeouts do nothing.
    w.svc.handle_timeout(start + Duration::from_secs(59));
    assert!(w.svc.is_registered(&bob()));
    // De-register, register again, refresh: the expiry follows the latest.
    w.advance(Duration::from_secs(10));
    w.send(SCSCF, &register("bob", 2, "Expires: 0\n"));
    assert_eq!(w.svc.poll_timeout(), None);
    w.send(SCSCF, &register("bob", 3, "Expires: 60\n"));
    w.advance(Duration::from_secs(50));
    w.send(SCSCF, &register("bob", 4, "Expires: 60\n"));
    w.advance(Duration::from_secs(50));
    assert!(
        w.svc.is_registered(&bob()),
        "refreshed at 60 s, valid until 120 s"
    );
    w.advance(Duration::from_secs(10));
    assert!(!w.svc.is_registered(&bob()));
    let reasons: Vec<DeregisterReason> = w
        .events
        .iter()
        .filter_map(|e| match e {
            DeferredEvent::Deregistered { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        [DeregisterReason::Unregistered, DeregisterReason::Expired]
    );
    assert_eq!(w.svc.poll_timeout(), None);

    // Expiry stops a push the client never answers; the stored message stays.
    w.answer = Answer::Silent;
    w.store_message(1, "kept");
    w.send(SCSCF, &register("bob", 5, "Expires: 20\n"));
    assert_eq!(w.requests_of(Method::Invite).len(), 1);
    w.advance(Duration::from_secs(21));
    assert_eq!(w.requests_of(Method::Cancel).len(), 1);
    assert_eq!(w.pushes_ended(), [PushEnd::Deregistered]);
    assert_eq!(w.svc.store().len(), 1);
    // The cancelled INVITE is forgotten in time.
    w.advance(Duration::from_secs(60));
    assert_eq!(w.svc.poll_timeout(), None);
}

// --- DEF-2: the push -------------------------------------------------------------------------

// REQ: DEF-2
#[test]
fn full_push_delivers_every_message_in_order_then_bye() {
    let mut w = World::new(|c| c.chunk_size = 64);
    let big = "x".repeat(1000); // several chunks
    let bodies = ["first", "second", big.as_str(), "fourth", "fifth"];
    for (n, b) in bodies.iter().enumerate() {
        w.store_message(n, b);
    }
    w.send(SCSCF, &register("bob", 1, "Expires: 600\n"));

    // The INVITE (seed 004 App. H step 2): to Bob's registered URI, the IM feature tag, an
    // MSRP offer where the service is passive and takes message/cpim.
    let invites = w.requests_of(Method::Invite);
    assert_eq!(invites.len(), 1);
    let invite = invites[0];
    assert_eq!(invite.uri_bytes(), "sip:bob@example.com");
    let accept_contact = invite
        .headers()
        .get(HeaderName::AcceptContact)
        .unwrap()
        .value();
    assert!(accept_contact.ends_with(b"+g.oma.sip-im"));
    let offer = String::from_utf8_lossy(&invite.body()).into_owned();
    assert!(offer.contains("m=message 2855 TCP/MSRP *"), "{offer}");
    assert!(offer.contains("a=setup:passive"), "{offer}");
    assert!(offer.contains("a=accept-types:message/cpim"), "{offer}");
    assert!(
        offer.contains("a=path:msrp://im.example.com:2855/"),
        "{offer}"
    );
    // The ACK (step 6) in the dialog of the 2xx.
    assert_eq!(w.acks.len(), 1);
    assert_eq!(
        w.acks[0].uri_bytes(),
        "sip:bob@client.example.com;transport=tcp"
    );

    // Every message, in order, CPIM-wrapped: From Alice, To Bob, DateTime the time stored.
    assert_eq!(
        w.payloads(),
        bodies
            .iter()
            .map(|b| Bytes::copy_from_slice(b.as_bytes()))
            .collect::<Vec<_>>()
    );
    for r in w.received.iter().filter(|r| !r.body.is_empty()) {
        assert_eq!(r.content_type, "message/cpim");
        let cpim = CpimMessage::parse(r.body.clone()).unwrap();
        let head = cpim.head();
        assert_eq!(head.from().unwrap().unwrap().uri(), "sip:alice@example.com");
        assert_eq!(
            head.from().unwrap().unwrap().formal_name(),
            Some(&b"Alice A."[..])
        );
        let to: Vec<_> = head.to().map(|t| t.unwrap().uri().clone()).collect();
        assert_eq!(to, ["sip:bob@example.com"]);
        assert_eq!(
            head.date_time().unwrap().unwrap().as_bytes(),
            b"2002-02-21T13:02:03Z"
        );
        assert_eq!(head.content_type(), Some(&b"text/plain;charset=utf-8"[..]));
    }
    // Each one left the store once confirmed; then the BYE, and the connection goes.
    assert!(w.svc.store().is_empty());
    let delivered = w
        .events
        .iter()
        .filter(|e| matches!(e, DeferredEvent::Delivered { .. }))
        .count();
    assert_eq!(delivered, 5);
    assert_eq!(w.requests_of(Method::Bye).len(), 1);
    assert!(w.events.iter().any(|e| matches!(
        e,
        DeferredEvent::CloseConnection {
            reason: ConnectionCloseReason::Unused,
            ..
        }
    )));
    assert!(matches!(
        w.events
            .iter()
            .rev()
            .find(|e| matches!(e, DeferredEvent::PushEnded { .. })),
        Some(DeferredEvent::PushEnded {
            end: PushEnd::Completed,
            delivered: 5,
            ..
        })
    ));
    assert_eq!(w.svc.push_count(), 0);
    assert_eq!(w.svc.connection_count(), 0);
    // The same Message-ID per message, all distinct.
    let ids: HashSet<MessageId> = w.received.iter().map(|r| r.message_id).collect();
    assert_eq!(ids.len(), w.received.len());
    // Only Bob's registration is left to expire.
    assert_eq!(w.svc.poll_timeout(), Some(w.now + Duration::from_secs(600)));
}

// REQ: DEF-2
#[test]
fn push_as_the_active_side_and_as_message_sip() {
    // The service connects (a=setup:active): it asks the parent to open the connection.
    let mut w = World::new(|c| c.setup = Setup::Active);
    w.client_setup = Setup::Passive;
    w.store_message(1, "one");
    w.store_message(2, "two");
    w.send(SCSCF, &register("bob", 1, "Expires: 600\n"));
    assert!(String::from_utf8_lossy(&w.requests[0].body()).contains("a=setup:active"));
    assert_eq!(
        w.payloads(),
        [Bytes::from_static(b"one"), Bytes::from_static(b"two")]
    );
    assert_eq!(w.pushes_ended(), [PushEnd::Completed]);

    // Seed 004 App. H: the stored SIP MESSAGE itself, with a Date header, as message/sip.
    let mut w = World::new(|c| c.encapsulation = Encapsulation::MessageSip);
    w.store_message(1, "Watson, come here.");
    w.send(SCSCF, &register("bob", 1, "Expires: 600\n"));
    let got: Vec<&Received> = w.received.iter().filter(|r| !r.body.is_empty()).collect();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].content_type, "message/sip");
    let Message::Request(inner) = Message::parse_datagram(got[0].body.clone()).unwrap() else {
        panic!("not a request")
    };
    assert_eq!(*inner.method(), Method::Message);
    assert_eq!(inner.body(), "Watson, come here.");
    assert_eq!(
        inner.headers().get(HeaderName::Date).unwrap().value(),
        "Thu, 21 Feb 2002 13:02:03 GMT"
    );
    assert_eq!(
        inner.headers().get(HeaderName::CallId).unwrap().value(),
        "msg-1"
    );
    assert!(w.svc.store().is_empty());
}

// REQ: DEF-2
#[test]
fn failed_pushes_keep_the_messages_for_the_next_registration() {
    let mut w = World::new(|_| {});
    w.store_message(1, "one");
    w.store_message(2, "two");

    // The client rejects the INVITE.
    w.answer = Answer::Reject(486);
    w.send(SCSCF, &register("bob", 1, "Expires: 600\n"));
    assert_eq!(w.pushes_ended(), [PushEnd::Rejected { status: 486 }]);
    assert_eq!(w.svc.store().len(), 2);

    // No answer: the INVITE is cancelled after the invite timeout.
    w.answer = Answer::Silent;
    w.send(SCSCF, &register("bob", 2, "Expires: 600\n"));
    w.advance(Duration::from_secs(33));
    assert_eq!(w.requests_of(Method::Cancel).len(), 1);
    assert_eq!(w.pushes_ended()[1], PushEnd::NoAnswer { status: 408 });
    assert_eq!(w.svc.store().len(), 2);
    // A 2xx that crosses the CANCEL is ACKed and hung up.
    let invite = w.requests_of(Method::Invite)[1].clone();
    let late = w.accept(&invite);
    let acks = w.acks.len();
    w.svc.handle_response(w.now, &late);
    w.settle();
    assert_eq!(w.acks.len(), acks + 1);
    assert_eq!(w.requests_of(Method::Bye).len(), 1);

    // The transaction layer gives up on the INVITE (Timer B).
    w.send(SCSCF, &register("bob", 3, "Expires: 600\n"));
    let invite = w.requests_of(Method::Invite)[2].clone();
    w.svc.handle_request_failed(w.now, &invite, 408);
    w.settle();
    assert_eq!(w.pushes_ended()[2], PushEnd::NoAnswer { status: 408 });

    // The client accepts (it will connect) but never does.
    w.answer = Answer::Accept;
    w.client_connects = false;
    w.send(SCSCF, &register("bob", 4, "Expires: 600\n"));
    assert_eq!(w.acks.len(), acks + 2);
    w.advance(Duration::from_secs(31));
    assert_eq!(w.pushes_ended()[3], PushEnd::ConnectTimeout);
    assert_eq!(w.requests_of(Method::Bye).len(), 2);

    // At last a working client gets both, in order.
    w.client_connects = true;
    w.send(SCSCF, &register("bob", 5, "Expires: 600\n"));
    assert_eq!(
        w.payloads(),
        [Bytes::from_static(b"one"), Bytes::from_static(b"two")]
    );
    assert_eq!(*w.pushes_ended().last().unwrap(), PushEnd::Completed);
    assert!(w.svc.store().is_empty());
}

// REQ: DEF-2
#[test]
fn lost_connection_and_bye_from_the_client() {
    // The connection breaks right after its first request bound it to the push.
    let mut w = World::new(|_| {});
    w.store_message(1, "one");
    w.store_message(2, "two");
    w.drop_after = Some(1);
    w.send(SCSCF, &register("bob", 1, "Expires: 600\n"));
    assert_eq!(w.pushes_ended(), [PushEnd::ConnectionLost]);
    assert_eq!(w.requests_of(Method::Bye).len(), 1);
    assert_eq!(w.svc.store().len(), 2);

    // The client hangs up with BYE while the connection waits.
    let mut w = World::new(|c| c.setup = Setup::Active);
    w.client_setup = Setup::Passive;
    w.store_message(1, "one");
    let at = w.at();
    let reg = register("bob", 1, "Expires: 600\n");
    w.svc.handle_request(w.now, at, SCSCF, &reg);
    // Drain SIP only: answer the INVITE, but keep the connection from opening.
    let mut pending = Vec::new();
    while let Some(t) = w.svc.poll_transmit() {
        pending.push(t);
    }
    let invite = pending
        .iter()
        .find_map(|t| match t {
            DeferredTransmit::Request { request, .. } => Some((**request).clone()),
            _ => None,
        })
        .unwrap();
    let ok = w.accept(&invite);
    w.svc.handle_response(w.now, &ok);
    let connect = w.svc.poll_connect().unwrap();
    let ack = std::iter::from_fn(|| w.svc.poll_transmit())
        .find_map(|t| match t {
            DeferredTransmit::Ack { request, .. } => Some(*request),
            _ => None,
        })
        .unwrap();
    let bye = Request::builder(Method::Bye, "sip:im-store@im.example.com")
        .header(
            HeaderName::Via,
            "SIP/2.0/TCP client.example.com;branch=z9hG4bKbye",
        )
        .header(HeaderName::MaxForwards, 70)
        .header_named("From", ack.headers().get(HeaderName::To).unwrap().value())
        .header_named("To", ack.headers().get(HeaderName::From).unwrap().value())
        .header_named(
            "Call-ID",
            ack.headers().get(HeaderName::CallId).unwrap().value(),
        )
        .header(HeaderName::CSeq, "1 BYE")
        .build()
        .unwrap();
    assert!(w.svc.owns_request(&bye));
    w.send(SCSCF, &bye);
    assert_eq!(w.last_response().code(), 200);
    assert_eq!(*w.pushes_ended().last().unwrap(), PushEnd::ByePeer);
    // The client's BYE ended the dialog: the service sends none of its own.
    assert!(w.requests_of(Method::Bye).is_empty());
    // The connection opened too late is handed back.
    w.svc.handle_msrp_connected(w.now, 77, Some(connect.push));
    w.settle();
    assert!(matches!(
        w.events.last(),
        Some(DeferredEvent::CloseConnection {
            conn: 77,
            reason: ConnectionCloseReason::Unused
        })
    ));
    assert_eq!(w.svc.store().len(), 1);
}

// REQ: DEF-2
#[test]
fn deregistration_stops_the_push_and_keeps_what_is_unconfirmed() {
    let mut w = World::new(|c| c.limits.max_in_flight = 1);
    for n in 0..4 {
        w.store_message(n, &format!("m{n}"));
    }
    let at = w.at();
    w.svc
        .handle_request(w.now, at, SCSCF, &register("bob", 1, "Expires: 600\n"));
    // Run until the first message is confirmed.
    while !w
        .events
        .iter()
        .any(|e| matches!(e, DeferredEvent::Delivered { .. }))
    {
        let moved = w.drain() | w.deliver_one();
        assert!(moved, "stuck");
    }
    w.send(SCSCF, &register("bob", 2, "Expires: 0\n"));
    assert_eq!(w.pushes_ended(), [PushEnd::Deregistered]);
    assert_eq!(w.requests_of(Method::Bye).len(), 1);
    let left: Vec<Bytes> = stored(w.svc.store(), &bob())
        .into_iter()
        .map(|m| m.message.body)
        .collect();
    assert_eq!(left, ["m1", "m2", "m3"]);
    // A registration later delivers the rest, in order.
    w.send(SCSCF, &register("bob", 3, "Expires: 600\n"));
    assert!(w.svc.store().is_empty());
    let distinct: Vec<Bytes> = dedup(&w.received);
    assert_eq!(distinct, ["m0", "m1", "m2", "m3"]);
}

/// The client's view after removing copies by Message-ID (RFC 4975 §7.1.1).
fn dedup(received: &[Received]) -> Vec<Bytes> {
    let mut seen = HashSet::new();
    received
        .iter()
        .filter(|r| !r.body.is_empty() && seen.insert(r.message_id))
        .map(|r| CpimMessage::parse(r.body.clone()).unwrap().payload())
        .collect()
}

// REQ: DEF-2, SEC-2
#[test]
fn bounds_pushes_connections_and_strays() {
    let mut w = World::new(|c| {
        c.limits.max_pushes = 1;
        c.limits.max_connections = 2;
    });
    w.answer = Answer::Silent;
    w.store_message(1, "for bob");
    w.send(ALICE, &message_to("carol", 2, "for carol"));
    w.send(SCSCF, &register("bob", 1, "Expires: 600\n"));
    w.send(SCSCF, &register("carol", 1, "Expires: 600\n"));
    // One push at a time: Carol waits for Bob's to end.
    assert_eq!(w.requests_of(Method::Invite).len(), 1);
    assert_eq!(w.svc.push_count(), 1);
    w.answer = Answer::Reject(480); // Carol's INVITE, when it comes
    let invite = w.requests_of(Method::Invite)[0].clone();
    let no = Response::for_request(&invite, 480, &mut w.client_ids)
        .build()
        .unwrap();
    w.svc.handle_response(w.now, &no);
    w.settle();
    let invites = w.requests_of(Method::Invite);
    assert_eq!(invites.len(), 2);
    assert_eq!(invites[1].uri_bytes(), "sip:carol@example.com");

    // Connections beyond the bound are refused; unbound ones are given up in time; a
    // request naming no push gets 481.
    let mut w = World::new(|c| c.limits.max_connections = 2);
    w.svc.handle_msrp_connected(w.now, 1, None);
    w.svc.handle_msrp_connected(w.now, 2, None);
    w.svc.handle_msrp_connected(w.now, 3, None);
    w.settle();
    assert!(matches!(
        w.events.last(),
        Some(DeferredEvent::CloseConnection {
            conn: 3,
            reason: ConnectionCloseReason::TooManyConnections
        })
    ));
    let mut out = BytesMut::new();
    RequestBuilder::new(MsrpMethod::Send, "stray1".parse().unwrap())
        .to_path(b"msrp://im.example.com:2855/nobody;tcp")
        .from_path(b"msrp://x.example.com:1/x;tcp")
        .message_id("m1")
        .byte_range(ByteRange {
            start: 1,
            end: Some(0),
            total: Some(0),
        })
        .encode(&mut out)
        .unwrap();
    w.svc.handle_msrp(w.now, 1, &out);
    let answer = std::iter::from_fn(|| w.svc.poll_transmit()).find_map(|t| match t {
        DeferredTransmit::Msrp { conn: 1, bytes } => Some(bytes),
        _ => None,
    });
    assert!(answer.unwrap().starts_with(b"MSRP stray1 481"));
    // Garbage breaks framing: the connection is handed back.
    w.svc.handle_msrp(w.now, 2, b"HTTP/1.1 200 OK\r\n\r\n");
    assert!(std::iter::from_fn(|| w.svc.poll_event()).any(|e| matches!(
        e,
        DeferredEvent::CloseConnection {
            conn: 2,
            reason: ConnectionCloseReason::ProtocolError
        }
    )));
    w.advance(Duration::from_secs(31));
    assert!(w.events.iter().any(|e| matches!(
        e,
        DeferredEvent::CloseConnection {
            conn: 1,
            reason: ConnectionCloseReason::BindTimeout
        }
    )));
    assert_eq!(w.svc.connection_count(), 0);
    assert_eq!(w.svc.poll_timeout(), None);
}

// The service moves between threads with its store, like the focus.
#[test]
fn the_service_is_send() {
    fn send<T: Send>() {}
    send::<Deferred<u32, u32, MemoryStore>>();
}

// REQ: DEF-2
#[test]
fn requests_in_a_push_dialog() {
    let mut w = World::new(|c| c.setup = Setup::Active);
    w.client_setup = Setup::Passive;
    w.store_message(1, "one");
    let at = w.at();
    w.svc
        .handle_request(w.now, at, SCSCF, &register("bob", 1, "Expires: 600\n"));
    let invite = std::iter::from_fn(|| w.svc.poll_transmit())
        .find_map(|t| match t {
            DeferredTransmit::Request { request, .. } => Some(*request),
            _ => None,
        })
        .unwrap();
    let ok = w.accept(&invite);
    w.svc.handle_response(w.now, &ok);
    // The parent does not open the connection yet.
    assert!(w.svc.poll_connect().is_some());
    let ack = std::iter::from_fn(|| w.svc.poll_transmit())
        .find_map(|t| match t {
            DeferredTransmit::Ack { request, .. } => Some(*request),
            _ => None,
        })
        .unwrap();
    // A retransmitted 2xx gets the same ACK.
    w.svc.handle_response(w.now, &ok);
    let again = std::iter::from_fn(|| w.svc.poll_transmit())
        .find_map(|t| match t {
            DeferredTransmit::Ack { request, .. } => Some(*request),
            _ => None,
        })
        .unwrap();
    assert_eq!(again.as_bytes(), ack.as_bytes());
    // A 2xx from another fork is ACKed and hung up; the push goes on.
    let fork = Response::for_request(&invite, 200, &mut SeededIds::new(4242))
        .header(HeaderName::Contact, "<sip:bob@phone2.example.com>")
        .body("application/sdp", ok.body())
        .build()
        .unwrap();
    w.svc.handle_response(w.now, &fork);
    let sent: Vec<_> = std::iter::from_fn(|| w.svc.poll_transmit()).collect();
    assert!(matches!(
        &sent[..],
        [DeferredTransmit::Ack { request: a, .. }, DeferredTransmit::Request { request: b, .. }]
            if a.uri_bytes() == "sip:bob@phone2.example.com" && *b.method() == Method::Bye
    ));
    let in_dialog = |method: &str, cseq: u32, body: &str| {
        let mut b = Request::builder(
            method.parse::<Method>().unwrap(),
            "sip:im-store@im.example.com",
        )
        .header(
            HeaderName::Via,
            format!("SIP/2.0/TCP client.example.com;branch=z9hG4bK{method}{cseq}"),
        )
        .header(HeaderName::MaxForwards, 70)
        .header_named("From", ack.headers().get(HeaderName::To).unwrap().value())
        .header_named("To", ack.headers().get(HeaderName::From).unwrap().value())
        .header_named(
            "Call-ID",
            ack.headers().get(HeaderName::CallId).unwrap().value(),
        )
        .header(HeaderName::CSeq, format!("{cseq} {method}"))
        .header(HeaderName::Contact, "<sip:bob@client.example.com>");
        if !body.is_empty() {
            b = b.body("application/sdp", body.to_owned());
        }
        b.build().unwrap()
    };
    w.send(SCSCF, &in_dialog("OPTIONS", 1, ""));
    assert_eq!(w.last_response().code(), 200);
    w.send(SCSCF, &in_dialog("INVITE", 2, "v=0\r\n"));
    assert_eq!(w.last_response().code(), 488);
    w.send(SCSCF, &in_dialog("UPDATE", 3, ""));
    assert_eq!(w.last_response().code(), 200);
    // Out of order: 500 (RFC 3261 §12.2.2).
    w.send(SCSCF, &in_dialog("OPTIONS", 2, ""));
    assert_eq!(w.last_response().code(), 500);
    assert!(w.pushes_ended().is_empty());
}

// REQ: DEF-2
proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every stored message reaches the client exactly once (after the client drops copies
    /// by Message-ID) and in the order stored, however often the connection breaks mid-push
    /// and the user registers again; copies only ever follow a broken connection, and the
    /// store ends empty.
    #[test]
    fn every_message_delivered_exactly_once_and_in_order_despite_drops(
        sizes in proptest::collection::vec(0usize..300, 1..8),
        drops in proptest::collection::vec(0usize..40, 0..4),
        window in 1usize..4,
        chunk in prop_oneof![Just(16u64), Just(100u64), Just(2048u64)],
        active in any::<bool>(),
    ) {
        let mut w = World::new(|c| {
            c.limits.max_in_flight = window;
            c.chunk_size = chunk;
            if active {
                c.setup = Setup::Active;
            }
        });
        if active {
            w.client_setup = Setup::Passive;
        }
        let bodies: Vec<String> = sizes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{i}:{}", "y".repeat(*n)))
            .collect();
        for (n, b) in bodies.iter().enumerate() {
            w.store_message(n, b);
        }
        let mut registrations = 0;
        for d in drops.iter().copied() {
            w.drop_after = Some(d);
            registrations += 1;
            w.send(SCSCF, &register("bob", registrations, "Expires: 600\n"));
            w.drop_after = None;
            if w.svc.store().is_empty() {
                break;
            }
            // A connection broken before its first request named the push leaves the push
            // waiting for one until the connect timeout.
            if w.svc.push_count() > 0 {
                w.advance(Duration::from_secs(31));
            }
            // The dropped push ended; the user registers again.
            prop_assert_eq!(w.svc.push_count(), 0);
        }
        registrations += 1;
        w.send(SCSCF, &register("bob", registrations, "Expires: 600\n"));
        prop_assert!(w.svc.store().is_empty());
        let expected: Vec<Bytes> = bodies.iter().map(|b| Bytes::from(b.clone())).collect();
        prop_assert_eq!(dedup(&w.received), expected);
        // A copy is only ever a message whose 200 the broken connection lost.
        let copies = w.received.iter().filter(|r| !r.body.is_empty()).count() - bodies.len();
        let broken = w
            .pushes_ended()
            .iter()
            .filter(|e| **e == PushEnd::ConnectionLost)
            .count();
        prop_assert!(copies <= broken * window, "{} copies, {} drops", copies, broken);
        prop_assert_eq!(w.pushes_ended().last().copied(), Some(PushEnd::Completed));
        prop_assert_eq!(w.svc.connection_count(), 0);
    }
}

// --- DEF-3: transcripts ----------------------------------------------------------------------

fn entry(from: &str, to: &str, secs: u64, session: &str, body: &[u8]) -> TranscriptEntry {
    TranscriptEntry::new(
        from,
        to,
        Timestamp::from_unix_millis(secs * 1000 + secs % 1000),
        session,
        "text/plain",
        Bytes::copy_from_slice(body),
    )
}

// REQ: DEF-3
#[test]
fn transcript_xml_round_trip_and_queries() {
    let mut w = World::new(|_| {});
    let room = "sip:chat@conf.example.com";
    let entries = vec![
        entry(
            "sip:alice@example.com",
            room,
            1_000,
            room,
            b"Hi <all> & \"you\"\r\n",
        ),
        entry("sip:bob@example.com", room, 1_001, room, b"\x00\xffbinary"),
        entry(
            "sip:alice@example.com",
            "sip:carol@example.com",
            1_002,
            "call-7",
            b"",
        ),
        entry(
            "sip:Bob@Example.com",
            room,
            1_003,
            room,
            "caf\u{e9} \u{1F600}".as_bytes(),
        ),
    ];
    for e in &entries {
        w.svc.store_mut().append_transcript(e.clone()).unwrap();
    }
    // The whole log round-trips exactly, binary and CR included.
    let xml = w
        .svc
        .transcript_document(&TranscriptQuery::new(100))
        .unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(xml.contains("<transcript xmlns=\"urn:simpleim:params:xml:ns:transcript\">"));
    assert!(
        xml.contains("<body encoding=\"base64\">AP9iaW5hcnk=</body>"),
        "{xml}"
    );
    assert!(xml.contains("Hi &lt;all&gt; &amp; \"you\"&#13;\n"), "{xml}");
    assert_eq!(parse_transcript(xml.as_bytes()).unwrap(), entries);
    // By conversation, by user (normalized: sip:Bob@Example.com is not bob), bounded.
    let by_room = w
        .svc
        .transcript_document(&TranscriptQuery::new(2).session(room))
        .unwrap();
    assert_eq!(
        parse_transcript(by_room.as_bytes()).unwrap(),
        [entries[1].clone(), entries[3].clone()]
    );
    let alice = Aor::parse("sip:alice@example.com").unwrap();
    let by_alice = w
        .svc
        .transcript_document(&TranscriptQuery::new(10).user(alice))
        .unwrap();
    assert_eq!(
        parse_transcript(by_alice.as_bytes()).unwrap(),
        [entries[0].clone(), entries[2].clone()]
    );
    let by_bob = w
        .svc
        .store()
        .transcript(&TranscriptQuery::new(10).user(bob()))
        .unwrap();
    assert_eq!(by_bob, [entries[1].clone()]);
    // A full log refuses.
    let mut limits = StoreLimits::default();
    limits.max_transcript_entries = 1;
    let mut small = MemoryStore::new(limits);
    small.append_transcript(entries[0].clone()).unwrap();
    assert_eq!(
        small.append_transcript(entries[1].clone()),
        Err(StoreError::Transcripts { limit: 1 })
    );
    // An empty document, and unknown extensions, are fine.
    assert_eq!(
        parse_transcript(transcript_xml(&[]).as_bytes()).unwrap(),
        []
    );
    let extended = xml.replace(
        "<message>",
        "<message><x:note xmlns:x=\"urn:example\">ignored</x:note>",
    );
    assert_eq!(parse_transcript(extended.as_bytes()).unwrap(), entries);
}

// REQ: DEF-3
proptest! {
    #[test]
    fn transcript_round_trips_any_entries(
        raw in proptest::collection::vec(
            ("[ -~]{0,20}", "\\PC{0,20}", 0u64..4_102_444_800_000, "\\PC{0,10}",
             proptest::collection::vec(any::<u8>(), 0..40), any::<bool>()),
            0..6,
        ),
    ) {
        let entries: Vec<TranscriptEntry> = raw
            .into_iter()
            .map(|(from, to, ms, session, body, text)| {
                let body = if text {
                    Bytes::from(String::from_utf8_lossy(&body).into_owned())
                } else {
                    Bytes::from(body)
                };
                TranscriptEntry::new(from, to, Timestamp::from_unix_millis(ms), session, "text/plain", body)
            })
            .collect();
        let xml = transcript_xml(&entries);
        prop_assert_eq!(parse_transcript(xml.as_bytes()).unwrap(), entries);
    }
}
