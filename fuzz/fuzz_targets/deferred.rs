//! The deferred-messaging service (`simpleim_focus::deferred::Deferred`) driven by an
//! arbitrary list of operations: MESSAGEs and INVITEs for four users built from templates
//! with fuzzed fields, third-party REGISTERs (Expires in the header, in the Contact, zero,
//! malformed), the fuzzer's answers to the pushes' INVITEs (200 with a good or a bad SDP
//! answer, failures, provisional responses, transaction failures), BYEs and other requests
//! in the pushes' dialogs, simulated clients with real MSRP sessions over connections that
//! the fuzzer opens, feeds, starves, garbles and closes, raw SIP and MSRP bytes, time passing,
//! deferrals, and transcript documents written and read back.
//!
//! Never a panic (REQ: SEC-2). A timeout is never left in the past. Registrations, pushes
//! and connections stay within their bounds. Every SIP message the service emits parses back.
//! A stored message is delivered (taken from the store) at most once, and a message is only
//! ever delivered after a 200 for it (REQ: DEF-2). Transcript documents round-trip (DEF-3).
#![no_main]

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use simpleim_focus::control::MsrpEndpoint;
use simpleim_focus::deferred::{
    Deferred, DeferredConfig, DeferredEvent, DeferredStore, DeferredTransmit, Encapsulation,
    MemoryStore, OnlineDelivery, StoreLimits, Timestamp, TranscriptEntry, TranscriptQuery,
    parse_transcript, transcript_xml,
};
use simpleim_msrp::{ByteRange, Method as MsrpMethod, RequestBuilder, Session, SessionConfig};
use simpleim_sdp::Origin;
use simpleim_sdp::attr::{AcceptTypes, Path, Setup};
use simpleim_sdp::negotiate::{MsrpCapabilities, SdpOffer, answer_session};
use simpleim_sip::dialog::SentBy;
use simpleim_sip::{HeaderName, Message, Method, NameAddr, Request, Response, SeededIds, Uri};

const USERS: [&str; 4] = ["bob", "carol", "dave", "erin"];
const MAX_REGISTRATIONS: usize = 3;
const MAX_PUSHES: usize = 2;
const MAX_CONNS: usize = 3;

#[derive(Arbitrary, Debug)]
enum Op {
    Message {
        user: u8,
        len: u16,
        content_type: u8,
        asserted: bool,
    },
    Invite {
        user: u8,
    },
    Register {
        user: u8,
        expires: u16,
        /// 0: Expires header, 1: Contact expires, 2: none, 3: malformed.
        form: u8,
    },
    /// The fuzzer's answer to an INVITE the service sent.
    Answer {
        which: u8,
        /// 0: 200 with an answer, 1: 200 with a broken answer, 2: 180, 3: 486, 4: 487.
        kind: u8,
        client_active: bool,
        max_size: Option<u16>,
    },
    /// The transaction of a request the service sent failed.
    Fail {
        which: u8,
        timeout: bool,
    },
    /// A request from the client in a push dialog (after the ACK).
    InDialog {
        which: u8,
        /// 0: BYE, 1: OPTIONS, 2: re-INVITE, 3: UPDATE, 4: INFO.
        method: u8,
        cseq: u8,
    },
    /// The client connects for an answered push (it sends its bodiless SEND).
    Connect {
        which: u8,
    },
    /// The parent answers a connection request of the service's.
    OpenRequested {
        fail: bool,
    },
    /// Delivers up to `n` queued MSRP writes on a connection, toward the client or the
    /// service.
    Deliver {
        conn: u8,
        n: u8,
        to_client: bool,
    },
    /// Delivers everything queued on every connection, both ways, until nothing moves.
    Pump,
    Close {
        conn: u8,
    },
    RawMsrp {
        conn: u8,
        bytes: Vec<u8>,
    },
    RawSip {
        response: bool,
        bytes: Vec<u8>,
    },
    Advance {
        millis: u32,
    },
    Defer {
        user: u8,
    },
    Transcript {
        from: String,
        to: String,
        session: String,
        body: Vec<u8>,
        query_user: Option<u8>,
        limit: u8,
    },
    ParseTranscript {
        bytes: Vec<u8>,
    },
}

#[derive(Arbitrary, Debug)]
struct Setup0 {
    setup: u8,
    sip: bool,
    push_online: bool,
    window: u8,
    chunk: u16,
}

fn addr(s: &str) -> NameAddr {
    NameAddr::new(Uri::parse(&Bytes::copy_from_slice(s.as_bytes())).expect("valid URI"))
}

fn parse(text: String) -> Option<Request> {
    match Message::parse_datagram(Bytes::from(text)) {
        Ok(Message::Request(r)) => Some(r),
        _ => None,
    }
}

fn user(i: u8) -> &'static str {
    USERS[usize::from(i) % USERS.len()]
}

/// One simulated client connection.
struct Conn {
    session: Option<Session>,
    to_client: VecDeque<Bytes>,
    to_service: VecDeque<Bytes>,
}

struct Host {
    now: Instant,
    svc: Deferred<u8, u8>,
    /// Requests the service sent (INVITE, BYE, CANCEL), in order.
    sent: Vec<Request>,
    /// ACKs the service sent.
    acks: Vec<Request>,
    /// Client sessions made by answering an INVITE, by Call-ID, until connected.
    sessions: HashMap<Bytes, Session>,
    conns: HashMap<u8, Conn>,
    next_conn: u8,
    connects: VecDeque<simpleim_focus::deferred::PushConnect>,
    delivered: HashSet<simpleim_focus::deferred::StoredId>,
    seed: u64,
    ids: SeededIds,
}

impl Host {
    fn drain(&mut self) {
        while let Some(t) = self.svc.poll_transmit() {
            match t {
                DeferredTransmit::Response { response, .. } => check(&Message::from(*response)),
                DeferredTransmit::Request { request, .. } => {
                    check(&Message::from((*request).clone()));
                    if self.sent.len() < 64 {
                        self.sent.push(*request);
                    }
                }
                DeferredTransmit::Ack { request, .. } => {
                    check(&Message::from((*request).clone()));
                    if self.acks.len() < 64 {
                        self.acks.push(*request);
                    }
                }
                DeferredTransmit::Msrp { conn, bytes } => {
                    if let Some(c) = self.conns.get_mut(&conn) {
                        c.to_client.push_back(bytes);
                    }
                }
            }
        }
        while let Some(c) = self.svc.poll_connect() {
            if self.connects.len() < 8 {
                self.connects.push_back(c);
            }
        }
        while let Some(e) = self.svc.poll_event() {
            match e {
                DeferredEvent::Delivered { id, user, .. } => {
                    assert!(self.delivered.insert(id), "{id:?} delivered twice");
                    let left = self
                        .svc
                        .store()
                        .list(&user, None, usize::MAX)
                        .expect("the memory store lists");
                    assert!(left.iter().all(|m| m.id != id), "{id:?} still stored");
                }
                DeferredEvent::CloseConnection { conn, .. } => {
                    self.conns.remove(&conn);
                }
                _ => {}
            }
        }
        if let Some(t) = self.svc.poll_timeout() {
            assert!(t >= self.now, "a timeout in the past");
        }
        assert!(self.svc.registration_count() <= MAX_REGISTRATIONS);
        assert!(self.svc.push_count() <= MAX_PUSHES);
        assert!(self.svc.connection_count() <= MAX_CONNS);
    }

    fn invites(&self) -> Vec<&Request> {
        self.sent
            .iter()
            .filter(|r| *r.method() == Method::Invite)
            .collect()
    }

    fn answer(&mut self, which: u8, kind: u8, client_active: bool, max_size: Option<u16>) {
        let invites = self.invites();
        if invites.is_empty() {
            return;
        }
        let invite = invites[usize::from(which) % invites.len()].clone();
        let code = match kind % 5 {
            0 | 1 => 200,
            2 => 180,
            3 => 486,
            _ => 487,
        };
        let mut b = Response::for_request(&invite, code, &mut self.ids).header(
            HeaderName::Contact,
            "<sip:client@client.example.com;transport=tcp>",
        );
        if kind % 5 == 1 {
            b = b.body("application/sdp", "v=0\r\nm=audio 0 RTP/AVP 0\r\n");
        } else if code == 200 {
            let Some(offer) = SdpOffer::parse(invite.body()).ok() else {
                return;
            };
            self.seed += 1;
            let local = format!("msrp://client.example.com:7777/c{};tcp", self.seed);
            let Ok(path) = Path::parse(&Bytes::from(local.clone())) else {
                return;
            };
            let mut caps = MsrpCapabilities::builder(
                path,
                AcceptTypes::parse(&Bytes::from_static(b"message/cpim message/sip"))
                    .expect("types"),
            )
            .setup(if client_active {
                Setup::Active
            } else {
                Setup::Passive
            });
            if let Some(m) = max_size {
                caps = caps.max_size(u64::from(m));
            }
            let origin = Origin {
                username: "c",
                session_id: self.seed,
                session_version: 1,
                net_type: "IN",
                addr_type: "IP4",
                unicast_address: "client.example.com",
            };
            let Ok((answer, negotiated)) = answer_session(&offer, &caps.build(), &origin) else {
                return;
            };
            let Ok(remote) =
                simpleim_msrp::Path::parse(Bytes::from(negotiated.remote_path().to_string()))
            else {
                return;
            };
            let Ok(local) = local.parse() else {
                return;
            };
            let call_id = invite
                .headers()
                .get(HeaderName::CallId)
                .map(|f| f.value())
                .unwrap_or_default();
            self.sessions.insert(
                call_id,
                Session::new(SessionConfig::new(
                    local,
                    remote,
                    Box::new(simpleim_msrp::SeededIds::new(self.seed)),
                )),
            );
            b = b.body("application/sdp", answer.to_bytes());
        }
        if let Ok(r) = b.build() {
            self.svc.handle_response(self.now, &r);
        }
    }

    fn connect(&mut self, which: u8) {
        if self.acks.is_empty() {
            return;
        }
        let ack = &self.acks[usize::from(which) % self.acks.len()];
        let call_id = ack
            .headers()
            .get(HeaderName::CallId)
            .map(|f| f.value())
            .unwrap_or_default();
        let Some(session) = self.sessions.remove(&call_id) else {
            return;
        };
        let conn = self.next_conn;
        self.next_conn = self.next_conn.wrapping_add(1);
        let mut out = BytesMut::new();
        let written = RequestBuilder::new(MsrpMethod::Send, "bodiless1".parse().expect("tid"))
            .to_path(session.remote().as_bytes())
            .from_path(session.local().as_bytes())
            .message_id("bodiless")
            .byte_range(ByteRange {
                start: 1,
                end: Some(0),
                total: Some(0),
            })
            .encode(&mut out)
            .is_ok();
        let mut c = Conn {
            session: Some(session),
            to_client: VecDeque::new(),
            to_service: VecDeque::new(),
        };
        if written {
            c.to_service.push_back(out.freeze());
        }
        self.conns.insert(conn, c);
        self.svc.handle_msrp_connected(self.now, conn, None);
    }

    fn open_requested(&mut self, fail: bool) {
        let Some(c) = self.connects.pop_front() else {
            return;
        };
        if fail {
            self.svc.handle_msrp_connect_failed(self.now, c.push);
            return;
        }
        // The client session of the push: the one whose local URI the service connects to.
        let key = self
            .sessions
            .iter()
            .find(|(_, s)| s.local().as_str() == c.to.as_str())
            .map(|(k, _)| k.clone());
        let session = key.and_then(|k| self.sessions.remove(&k));
        let conn = self.next_conn;
        self.next_conn = self.next_conn.wrapping_add(1);
        self.conns.insert(
            conn,
            Conn {
                session,
                to_client: VecDeque::new(),
                to_service: VecDeque::new(),
            },
        );
        self.svc.handle_msrp_connected(self.now, conn, Some(c.push));
    }

    fn deliver(&mut self, conn: u8, n: u8, to_client: bool) {
        for _ in 0..n.min(16) {
            let Some(c) = self.conns.get_mut(&conn) else {
                return;
            };
            if to_client {
                let Some(bytes) = c.to_client.pop_front() else {
                    return;
                };
                if let Some(s) = c.session.as_mut() {
                    s.handle_bytes(self.now, &bytes);
                    while let Some(out) = s.poll_transmit() {
                        c.to_service.push_back(out);
                    }
                    while s.poll_event().is_some() {}
                }
            } else {
                let Some(bytes) = c.to_service.pop_front() else {
                    return;
                };
                self.svc.handle_msrp(self.now, conn, &bytes);
                self.drain();
            }
        }
    }

    fn pump(&mut self) {
        for _ in 0..200 {
            let busy: Vec<(u8, bool)> = self
                .conns
                .iter()
                .filter_map(|(id, c)| {
                    if !c.to_client.is_empty() {
                        Some((*id, true))
                    } else if !c.to_service.is_empty() {
                        Some((*id, false))
                    } else {
                        None
                    }
                })
                .collect();
            if busy.is_empty() {
                return;
            }
            for (conn, to_client) in busy {
                self.deliver(conn, 16, to_client);
            }
        }
    }

    fn in_dialog(&mut self, which: u8, method: u8, cseq: u8) {
        if self.acks.is_empty() {
            return;
        }
        let ack = &self.acks[usize::from(which) % self.acks.len()];
        let h = ack.headers();
        let (Some(from), Some(to), Some(call_id)) = (
            h.get(HeaderName::To).map(|f| f.value()),
            h.get(HeaderName::From).map(|f| f.value()),
            h.get(HeaderName::CallId).map(|f| f.value()),
        ) else {
            return;
        };
        let method = [
            Method::Bye,
            Method::Options,
            Method::Invite,
            Method::Update,
            Method::Info,
        ][usize::from(method) % 5]
            .clone();
        let mut b = Request::builder(method.clone(), "sip:im-store@im.example.com")
            .header(
                HeaderName::Via,
                format!("SIP/2.0/TCP client.example.com;branch=z9hG4bKd{cseq}"),
            )
            .header(HeaderName::MaxForwards, 70)
            .header_named("From", from)
            .header_named("To", to)
            .header_named("Call-ID", call_id)
            .header(HeaderName::CSeq, format!("{cseq} {method}"))
            .header(HeaderName::Contact, "<sip:client@client.example.com>");
        if method == Method::Invite {
            b = b.body("application/sdp", "v=0\r\n");
        }
        if let Ok(r) = b.build() {
            self.svc.handle_request(self.now, wall(), 9, &r);
        }
    }
}

fn wall() -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000)
}

fn check(m: &Message) {
    let mut wire = Vec::new();
    m.encode(&mut wire);
    Message::parse_datagram(Bytes::from(wire)).expect("what the service emits parses back");
}

fuzz_target!(|input: (Setup0, Vec<Op>)| {
    let (setup, ops) = input;
    let mut next = 1000;
    let mut config = DeferredConfig::new(
        addr("sip:im-store@example.com"),
        addr("sip:im-store@im.example.com"),
        SentBy::new("TCP", "im.example.com", None),
        MsrpEndpoint::tcp("im.example.com", 2855),
        Box::new(SeededIds::new(1)),
        Box::new(move || {
            next += 1;
            Box::new(simpleim_msrp::SeededIds::new(next)) as Box<dyn simpleim_msrp::IdGenerator>
        }),
    );
    config.setup = [Setup::Passive, Setup::Active, Setup::ActPass][usize::from(setup.setup) % 3];
    if setup.sip {
        config.encapsulation = Encapsulation::MessageSip;
    }
    if setup.push_online {
        config.online = OnlineDelivery::StoreAndPush;
    }
    config.limits.max_registrations = MAX_REGISTRATIONS;
    config.limits.max_pushes = MAX_PUSHES;
    config.limits.max_connections = MAX_CONNS;
    config.limits.max_in_flight = usize::from(setup.window % 4);
    config.chunk_size = [16, 256, 2048, 1 << 20][usize::from(setup.chunk % 4)];
    let mut limits = StoreLimits::default();
    limits.max_messages_per_user = 4;
    limits.max_messages = 10;
    limits.max_message_bytes = 4096;
    limits.max_transcript_entries = 8;
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let mut host = Host {
        now,
        svc: Deferred::new(config, MemoryStore::new(limits)),
        sent: Vec::new(),
        acks: Vec::new(),
        sessions: HashMap::new(),
        conns: HashMap::new(),
        next_conn: 0,
        connects: VecDeque::new(),
        delivered: HashSet::new(),
        seed: 0,
        ids: SeededIds::new(3),
    };
    let mut n = 0u32;
    for op in ops.into_iter().take(256) {
        n += 1;
        match op {
            Op::Message {
                user: u,
                len,
                content_type,
                asserted,
            } => {
                let body = "m".repeat(usize::from(len % 5000));
                let ct = ["text/plain", "message/cpim", "application/x-\u{1}bad", ""]
                    [usize::from(content_type) % 4];
                let ct = if ct.is_empty() {
                    String::new()
                } else {
                    format!("Content-Type: {ct}\r\n")
                };
                let pai = if asserted {
                    "P-Asserted-Identity: \"A\" <sip:alice@example.com>\r\n"
                } else {
                    ""
                };
                let text = format!(
                    "MESSAGE sip:{}@example.com SIP/2.0\r\nVia: SIP/2.0/TCP pc.example.com;branch=z9hG4bKm{n}\r\n\
                     Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a{n}\r\nTo: <sip:{}@example.com>\r\n\
                     Call-ID: m{n}\r\nCSeq: 1 MESSAGE\r\n{pai}{ct}Content-Length: {}\r\n\r\n{body}",
                    user(u),
                    user(u),
                    body.len()
                );
                if let Some(r) = parse(text) {
                    host.svc.handle_request(host.now, wall(), 2, &r);
                }
            }
            Op::Invite { user: u } => {
                let text = format!(
                    "INVITE sip:{}@example.com SIP/2.0\r\nVia: SIP/2.0/TCP pc.example.com;branch=z9hG4bKi{n}\r\n\
                     Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=i{n}\r\nTo: <sip:{}@example.com>\r\n\
                     Call-ID: i{n}\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@pc.example.com>\r\nContent-Length: 0\r\n\r\n",
                    user(u),
                    user(u)
                );
                if let Some(r) = parse(text) {
                    host.svc.handle_request(host.now, wall(), 2, &r);
                }
            }
            Op::Register {
                user: u,
                expires,
                form,
            } => {
                let (contact, header) = match form % 4 {
                    0 => (String::new(), format!("Expires: {expires}\r\n")),
                    1 => (format!(";expires={expires}"), String::new()),
                    2 => (String::new(), String::new()),
                    _ => (String::new(), "Expires: later\r\n".to_owned()),
                };
                let text = format!(
                    "REGISTER sip:im.example.com SIP/2.0\r\nVia: SIP/2.0/TCP scscf.example.com;branch=z9hG4bKr{n}\r\n\
                     Max-Forwards: 70\r\nFrom: <sip:scscf.example.com>;tag=s{n}\r\nTo: <sip:{}@example.com>\r\n\
                     Call-ID: r{n}\r\nCSeq: {n} REGISTER\r\nContact: <sip:scscf.example.com>{contact}\r\n\
                     {header}Content-Length: 0\r\n\r\n",
                    user(u)
                );
                if let Some(r) = parse(text) {
                    host.svc.handle_request(host.now, wall(), 1, &r);
                }
            }
            Op::Answer {
                which,
                kind,
                client_active,
                max_size,
            } => host.answer(which, kind, client_active, max_size),
            Op::Fail { which, timeout } => {
                if !host.sent.is_empty() {
                    let r = host.sent[usize::from(which) % host.sent.len()].clone();
                    host.svc
                        .handle_request_failed(host.now, &r, if timeout { 408 } else { 503 });
                }
            }
            Op::InDialog {
                which,
                method,
                cseq,
            } => host.in_dialog(which, method, cseq),
            Op::Connect { which } => host.connect(which),
            Op::OpenRequested { fail } => host.open_requested(fail),
            Op::Deliver { conn, n, to_client } => host.deliver(conn, n, to_client),
            Op::Pump => host.pump(),
            Op::Close { conn } => {
                host.conns.remove(&conn);
                host.svc.handle_msrp_closed(host.now, conn);
            }
            Op::RawMsrp { conn, bytes } => host.svc.handle_msrp(host.now, conn, &bytes),
            Op::RawSip { response, bytes } => match Message::parse_datagram(Bytes::from(bytes)) {
                Ok(Message::Request(r)) if !response => {
                    host.svc.handle_request(host.now, wall(), 5, &r)
                }
                Ok(Message::Response(r)) => host.svc.handle_response(host.now, &r),
                _ => {}
            },
            Op::Advance { millis } => {
                host.now += Duration::from_millis(u64::from(millis % 120_000));
                host.svc.handle_timeout(host.now);
            }
            Op::Defer { user: u } => {
                let text = format!(
                    "MESSAGE sip:{}@example.com SIP/2.0\r\nVia: SIP/2.0/TCP pc.example.com;branch=z9hG4bKd{n}\r\n\
                     Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=d{n}\r\nTo: <sip:{}@example.com>\r\n\
                     Call-ID: d{n}\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
                    user(u),
                    user(u)
                );
                if let Some(r) = parse(text) {
                    let _ = host.svc.defer(host.now, wall(), &r);
                }
            }
            Op::Transcript {
                from,
                to,
                session,
                body,
                query_user,
                limit,
            } => {
                let entry = TranscriptEntry::new(
                    from,
                    to,
                    wall(),
                    session,
                    "text/plain",
                    Bytes::from(body),
                );
                let _ = host.svc.store_mut().append_transcript(entry);
                let mut query = TranscriptQuery::new(usize::from(limit));
                if let Some(u) = query_user {
                    if let Some(a) = simpleim_focus::deferred::Aor::parse(&format!(
                        "sip:{}@example.com",
                        user(u)
                    )) {
                        query = query.user(a);
                    }
                }
                if let Ok(xml) = host.svc.transcript_document(&query) {
                    let back = parse_transcript(xml.as_bytes()).expect("our documents parse");
                    assert_eq!(transcript_xml(&back), xml, "documents round-trip");
                }
            }
            Op::ParseTranscript { bytes } => {
                if let Ok(entries) = parse_transcript(&bytes) {
                    let again = parse_transcript(transcript_xml(&entries).as_bytes())
                        .expect("what we write parses");
                    assert_eq!(transcript_xml(&again), transcript_xml(&entries));
                }
            }
        }
        host.drain();
    }
});
