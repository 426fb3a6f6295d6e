//! One SIP transaction layer (RFC 3261 §17) driven by an arbitrary list of operations: requests
//! and responses built from templates with fuzzed methods, branches (with and without the
//! magic cookie), CSeq and To tags, raw datagrams, time passing, the TU's sends, answers, ACKs
//! and CANCELs, and transport errors, over reliable and unreliable handles.
//!
//! Never a panic. A timeout is never at or before the time the layer last handled. The
//! transaction bound holds. No transaction terminates twice. And once the TU has answered
//! every request and cancelled every INVITE, time makes every transaction end.
#![no_main]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_sip::transaction::{
    ClientKey, ClientState, ServerKey, TransactionConfig, TransactionEvent, TransactionKey,
    TransactionLayer, TransportHandle, cancel_request,
};
use simpleim_sip::{Message, Method, Request, Response, SeededIds};

const LIMIT: usize = 16;
const METHODS: [&str; 8] = [
    "INVITE",
    "ACK",
    "CANCEL",
    "MESSAGE",
    "BYE",
    "OPTIONS",
    "SUBSCRIBE",
    "NOTIFY",
];

/// A handle: odd ones are reliable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Handle(u8);

impl TransportHandle for Handle {
    fn is_reliable(&self) -> bool {
        self.0 & 1 == 1
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    /// A request from the network, from a template.
    Request {
        method: u8,
        cseq_method: u8,
        branch: u8,
        cookie: bool,
        seq: u8,
        to_tag: u8,
        handle: u8,
    },
    /// A response from the network to a request of the TU (or to none).
    Response {
        code: u16,
        method: u8,
        branch: u8,
        seq: u8,
        to_tag: u8,
        handle: u8,
    },
    /// A raw datagram.
    Raw { bytes: Vec<u8>, handle: u8 },
    /// The TU sends a request.
    Send {
        method: u8,
        branch: u8,
        seq: u8,
        handle: u8,
    },
    /// The TU answers one of its server transactions.
    Respond { which: u8, code: u16 },
    /// The TU ACKs a 2xx it got.
    Ack { which: u8, handle: u8 },
    /// The TU cancels one of its INVITEs.
    Cancel { which: u8 },
    /// Time passes.
    Advance { millis: u16 },
    /// The host reports a transport error.
    TransportError { handle: u8 },
}

fn method(i: u8) -> &'static str {
    METHODS[usize::from(i) % METHODS.len()]
}

fn branch(b: u8, cookie: bool) -> String {
    if cookie {
        format!("z9hG4bK{}", b % 8)
    } else {
        format!("old{}", b % 8)
    }
}

fn to(tag: u8) -> String {
    match tag % 3 {
        0 => "<sip:bob@b.example.com>".into(),
        t => format!("<sip:bob@b.example.com>;tag=t{t}"),
    }
}

fn parse(text: String) -> Option<Message> {
    Message::parse_datagram(Bytes::from(text)).ok()
}

fn request_text(method: &str, cseq_method: &str, branch: &str, seq: u8, to_tag: u8) -> String {
    format!(
        "{method} sip:bob@b.example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP peer.example.com;branch={branch}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@a.example.com>;tag=f{}\r\n\
         To: {}\r\n\
         Call-ID: call{}\r\n\
         CSeq: {seq} {cseq_method}\r\n\
         Content-Length: 0\r\n\r\n",
        seq % 2,
        to(to_tag),
        seq % 4,
    )
}

struct Tu {
    layer: TransactionLayer<Handle>,
    now: Instant,
    ids: SeededIds,
    /// Server transactions the TU was given and that have not terminated.
    servers: Vec<(ServerKey, Request)>,
    /// Client transactions the TU started, with their request.
    clients: Vec<(ClientKey, Request)>,
    /// 2xx responses the TU got, to ACK.
    oks: Vec<Response>,
    terminated: BTreeSet<TransactionKey>,
}

impl Tu {
    fn drain(&mut self) {
        while self.layer.poll_transmit().is_some() {}
        while let Some(event) = self.layer.poll_event() {
            match event {
                TransactionEvent::NewRequest { key, request, .. } => {
                    assert!(!self.terminated.contains(&TransactionKey::Server(key)));
                    self.servers.push((key, request));
                }
                TransactionEvent::Response { response, .. }
                | TransactionEvent::Retransmitted2xx { response, .. }
                | TransactionEvent::Stray2xx { response, .. } => {
                    if (200..300).contains(&response.code()) && self.oks.len() < 64 {
                        self.oks.push(response);
                    }
                }
                TransactionEvent::Terminated { key } => {
                    assert!(self.terminated.insert(key), "{key} terminated twice");
                    if let TransactionKey::Server(k) = key {
                        self.servers.retain(|(s, _)| *s != k);
                    }
                }
                _ => {}
            }
        }
        if let Some(t) = self.layer.poll_timeout() {
            assert!(t > self.now, "a timeout at or before now");
        }
        assert!(self.layer.len() <= LIMIT, "over the transaction limit");
    }

    /// Remembers a client transaction; the ones that have ended are forgotten (the layer's
    /// bound keeps the list short).
    fn track(&mut self, key: ClientKey, request: Request) {
        let layer = &self.layer;
        self.clients
            .retain(|(k, _)| layer.client_state(*k).is_some());
        self.clients.push((key, request));
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.layer.handle_timeout(self.now);
        self.drain();
    }

    fn answer_everything(&mut self) {
        for (key, request) in self.servers.clone() {
            let code = if *request.method() == Method::Invite {
                486
            } else {
                200
            };
            if let Ok(r) = Response::for_request(&request, code, &mut self.ids).build() {
                let _ = self.layer.send_response(self.now, key, r);
            }
        }
        for (key, invite) in self.clients.clone() {
            if self.layer.client_state(key) == Some(ClientState::Proceeding) {
                if let Ok(cancel) = cancel_request(&invite) {
                    let _ = self.layer.send_request(self.now, Handle(0), cancel);
                }
            }
        }
        self.drain();
    }
}

fn ack_for(ok: &Response) -> Option<Request> {
    let h = ok.headers();
    let value = |name| h.get(name).map(|f| f.value());
    let seq = value(simpleim_sip::HeaderName::CSeq)?;
    let seq = std::str::from_utf8(&seq)
        .ok()?
        .split_whitespace()
        .next()?
        .to_owned();
    Request::builder(Method::Ack, "sip:bob@b.example.com")
        .header_named("Via", "SIP/2.0/UDP fuzz.example.com;branch=z9hG4bKack")
        .header_named("From", value(simpleim_sip::HeaderName::From)?)
        .header_named("To", value(simpleim_sip::HeaderName::To)?)
        .header_named("Call-ID", value(simpleim_sip::HeaderName::CallId)?)
        .header_named("CSeq", format!("{seq} ACK"))
        .build()
        .ok()
}

fuzz_target!(|ops: Vec<Op>| {
    let mut config = TransactionConfig::new(Box::new(SeededIds::new(1)));
    config.max_transactions = LIMIT;
    config.pass_stray_2xx = true;
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let mut tu = Tu {
        layer: TransactionLayer::new(config),
        now,
        ids: SeededIds::new(2),
        servers: Vec::new(),
        clients: Vec::new(),
        oks: Vec::new(),
        terminated: BTreeSet::new(),
    };
    for op in ops.into_iter().take(256) {
        match op {
            Op::Request {
                method: m,
                cseq_method,
                branch: b,
                cookie,
                seq,
                to_tag,
                handle,
            } => {
                // Mostly a consistent CSeq method, sometimes not.
                let cm = if cseq_method % 8 == 0 {
                    method(cseq_method / 8)
                } else {
                    method(m)
                };
                let text = request_text(method(m), cm, &branch(b, cookie), seq, to_tag);
                if let Some(msg) = parse(text) {
                    tu.layer.handle_message(tu.now, Handle(handle % 4), msg);
                }
            }
            Op::Response {
                code,
                method: m,
                branch: b,
                seq,
                to_tag,
                handle,
            } => {
                let code = 100 + code % 600;
                let text = format!(
                    "SIP/2.0 {code} Fuzz\r\n\
                     Via: SIP/2.0/UDP fuzz.example.com;branch={}\r\n\
                     From: <sip:alice@a.example.com>;tag=f{}\r\n\
                     To: {}\r\n\
                     Call-ID: call{}\r\n\
                     CSeq: {seq} {}\r\n\
                     Content-Length: 0\r\n\r\n",
                    branch(b, true),
                    seq % 2,
                    to(to_tag),
                    seq % 4,
                    method(m),
                );
                if let Some(msg) = parse(text) {
                    tu.layer.handle_message(tu.now, Handle(handle % 4), msg);
                }
            }
            Op::Raw { bytes, handle } => {
                if let Ok(msg) = Message::parse_datagram(Bytes::from(bytes)) {
                    tu.layer.handle_message(tu.now, Handle(handle % 4), msg);
                }
            }
            Op::Send {
                method: m,
                branch: b,
                seq,
                handle,
            } => {
                let text = request_text(method(m), method(m), &branch(b, true), seq, 0)
                    .replace("peer.example.com", "fuzz.example.com");
                if let Some(Message::Request(req)) = parse(text) {
                    if let Ok(key) = tu
                        .layer
                        .send_request(tu.now, Handle(handle % 4), req.clone())
                    {
                        tu.track(key, req);
                    }
                }
            }
            Op::Respond { which, code } => {
                if !tu.servers.is_empty() {
                    let (key, request) = tu.servers[usize::from(which) % tu.servers.len()].clone();
                    if let Ok(r) =
                        Response::for_request(&request, 100 + code % 600, &mut tu.ids).build()
                    {
                        let _ = tu.layer.send_response(tu.now, key, r);
                    }
                }
            }
            Op::Ack { which, handle } => {
                if !tu.oks.is_empty() {
                    let ok = &tu.oks[usize::from(which) % tu.oks.len()];
                    if let Some(ack) = ack_for(ok) {
                        let _ = tu.layer.send_ack(tu.now, Handle(handle % 4), ack);
                    }
                }
            }
            Op::Cancel { which } => {
                if !tu.clients.is_empty() {
                    let (_, req) = &tu.clients[usize::from(which) % tu.clients.len()];
                    if let Ok(cancel) = cancel_request(req) {
                        if let Ok(key) = tu.layer.send_request(tu.now, Handle(0), cancel.clone()) {
                            tu.track(key, cancel);
                        }
                    }
                }
            }
            Op::Advance { millis } => tu.advance(Duration::from_millis(u64::from(millis))),
            Op::TransportError { handle } => {
                let now = tu.now;
                tu.layer.handle_transport_error(now, &Handle(handle % 4));
            }
        }
        tu.drain();
    }
    // The TU answers everything and cancels what waits; then time ends every transaction
    // (RFC 3261 has no timer for a server transaction the TU leaves unanswered, nor for an
    // INVITE in Proceeding the TU does not cancel).
    for _ in 0..3 {
        tu.answer_everything();
        for _ in 0..20 {
            tu.advance(Duration::from_secs(10));
        }
    }
    assert!(tu.layer.is_empty(), "transactions left: {:?}", tu.layer);
    assert_eq!(tu.layer.poll_timeout(), None);
});
