//! The composed focus (`simpleim_focus::Focus`) with two rooms, driven by an arbitrary list
//! of operations: client actions built from templates with fuzzed fields (INVITE with an MSRP
//! offer, active or passive, anonymous, with a max-size; ACK, BYE, CANCEL, SUBSCRIBE; MSRP
//! SENDs of CPIM messages with fuzzed From/To, sizes, Byte-Range totals and chunking;
//! NICKNAME; RFC 5547 file pushes to a room and the answers to the focus's file offers
//! (early and late connections); pager-mode group MESSAGEs to a room or, with a recipient list, to the conference
//! factory, REQ: GRP-1, their copies answered by the core), raw garbage on SIP (datagrams, parsed as a host would) and on MSRP connections,
//! connections opened, refused and closed, back-pressure, removals and time passing. The
//! host's drain loop runs after every input, answering NOTIFYs.
//!
//! Never a panic (REQ: SEC-2). A timeout is never left in the past. Participants,
//! subscriptions, connections and the bytes queued for any participant stay within the
//! configured limits. A group message never yields a copy for its sender, nor more copies
//! than the pager's `max_recipients`.
#![no_main]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_focus::control::{
    ControlConfig, FileTransferConfig, GroupPolicy, Members, MsrpEndpoint, ParticipantId,
    RoomConfig, RoomId,
};
use simpleim_focus::switch::SwitchLimits;
use simpleim_focus::{
    Focus, FocusConfig, FocusEvent, FocusLimits, FocusTransmit, PagerConfig, PagerEvent, RateLimit,
};
use simpleim_sip::dialog::SentBy;
use simpleim_sip::transaction::{TransactionConfig, TransportHandle};
use simpleim_sip::{HeaderName, Message, Method, SeededIds, SipUri, Uri};

const ROOMS: [&str; 2] = ["sip:chat@conf.example.com", "sip:talk@conf.example.com"];
const FACTORY: &str = "sip:factory@conf.example.com";
/// The SIP/IP core: the pager's copies go there.
const CORE: Sip = Sip(100);
const CLIENTS: u8 = 5;
const MAX_MEMBERS: usize = 4;
const MAX_SUBS: usize = 3;
const MAX_CONNS: usize = 4;
const MAX_QUEUED: usize = 8 * 1024;
const SLACK: usize = 2 * 1024;

/// A SIP handle: odd ones are reliable (TCP), even ones UDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Sip(u8);

impl TransportHandle for Sip {
    fn is_reliable(&self) -> bool {
        self.0 & 1 == 1
    }
}

#[derive(Arbitrary, Debug)]
struct Join {
    client: u8,
    room: u8,
    anonymous: bool,
    display: Option<String>,
    max_size: Option<u16>,
    passive: bool,
    release: bool,
    udp: bool,
}

#[derive(Arbitrary, Debug)]
struct Send {
    client: u8,
    /// 0: its identity, 1: the anonymous alias URI, 2: another client, else fuzzed.
    from: u8,
    from_text: String,
    /// 0: the room, 1: the room with isfocus, 2: another client, 3: by nickname, else fuzzed.
    to: u8,
    to_text: String,
    text: Vec<u8>,
    repeat: u16,
    chunks: u8,
    /// Lie about the Byte-Range total.
    total: Option<u32>,
    /// End the last chunk with `#` or `+` instead of `$`.
    end: u8,
    failure_report: u8,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Join(Join),
    Ack {
        client: u8,
    },
    Bye {
        client: u8,
    },
    Cancel {
        client: u8,
    },
    Subscribe {
        client: u8,
        room: u8,
        expires: u16,
    },
    /// Open the client's MSRP connection and bind it with a bodiless SEND.
    Connect {
        client: u8,
    },
    /// The host completes (or fails) a connection the focus asked for.
    Connected {
        ok: bool,
    },
    Send(Send),
    Nickname {
        client: u8,
        nick: String,
        quoted: bool,
    },
    RawSip {
        handle: u8,
        bytes: Vec<u8>,
    },
    RawMsrp {
        conn: u8,
        bytes: Vec<u8>,
    },
    /// Part of a valid frame then garbage, on the client's connection.
    CutMsrp {
        client: u8,
        keep: u16,
        bytes: Vec<u8>,
    },
    OpenConn {
        conn: u8,
    },
    Close {
        conn: u8,
    },
    Writable {
        conn: u8,
        writable: bool,
    },
    Remove {
        client: u8,
    },
    EndRoom {
        room: u8,
    },
    System {
        room: u8,
        to: Option<u8>,
        body: Vec<u8>,
    },
    TransportError {
        handle: u8,
    },
    Advance {
        millis: u32,
    },
    /// A pager-mode MESSAGE (REQ: GRP-1) to a room (its participants) or to the conference
    /// factory with a recipient list of clients.
    GroupMessage {
        client: u8,
        target: u8,
        im: bool,
        anonymous: bool,
        recipients: Vec<u8>,
        body: String,
    },
    /// The core answers an exploded MESSAGE.
    AnswerCopy {
        index: u8,
        code: u16,
    },
    /// The client pushes a file to its room (RFC 5547) in a dialog of its own: the INVITE,
    /// then, once answered 200, maybe the ACK, a connection and the file's SEND in chunks.
    PushFile {
        client: u8,
        size: u16,
        /// 0: no size in the selector, 1: the right one, else a wrong one.
        declared: u8,
        pull: bool,
        chunks: u8,
        ack: bool,
    },
    /// A client answers one of the focus's file INVITEs; with 200 it connects (before or
    /// after its 200 reaches the focus) and binds the connection.
    AnswerFile {
        index: u8,
        code: u8,
        early: bool,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    answer_notifies: bool,
    ops: Vec<Op>,
}

#[derive(Default, Clone)]
struct Client {
    cseq: u32,
    invite_cseq: u32,
    room: usize,
    anonymous: bool,
    udp: bool,
    /// The To of the 200 to its INVITE.
    to: Option<String>,
    focus_path: Option<String>,
    alias_uri: Option<String>,
    participant: Option<ParticipantId>,
    tid: u32,
    /// Its file pushes so far, and the To and focus path of the last one's 200.
    files: u32,
    file_to: Option<String>,
    file_path: Option<String>,
}

struct Host {
    focus: Focus<Sip, u8>,
    rooms: Vec<RoomId>,
    now: Instant,
    clients: Vec<Client>,
    connects: Vec<ParticipantId>,
    answer_notifies: bool,
    /// MSRP bytes written per connection (bounded by what the switch may queue).
    written: HashMap<u8, usize>,
    /// The exploded MESSAGEs sent to the core, not answered yet (the last few).
    copies: Vec<simpleim_sip::Request>,
    /// The sender of the last group message.
    sender: Option<String>,
    /// The focus's file INVITEs to clients, not answered yet (the last few).
    file_invites: Vec<(usize, simpleim_sip::Request)>,
    /// The Call-IDs of the copies sent so far.
    seen_copies: std::collections::HashSet<Vec<u8>>,
    /// The receiving clients' file connections: what the focus sends there is decoded and
    /// each SEND answered 200, so that files are delivered.
    file_decoders: HashMap<u8, simpleim_msrp::Decoder>,
}

fn sip_uri(s: &str) -> SipUri {
    match Uri::parse(&Bytes::copy_from_slice(s.as_bytes())) {
        Ok(Uri::Sip(u)) => u,
        _ => unreachable!(),
    }
}

fn clean(s: &str, n: usize) -> String {
    s.chars()
        .filter(|c| *c != '\r' && *c != '\n')
        .take(n)
        .collect()
}

fn identity(c: usize) -> String {
    format!("sip:u{c}@example.com")
}

fn client_path(c: usize) -> String {
    format!("msrp://u{c}.example.com:7777/s{c};tcp")
}

impl Host {
    fn new(answer_notifies: bool) -> Self {
        let mut control = ControlConfig::new(
            SentBy::new("TCP", "conf.example.com", None),
            MsrpEndpoint::tcp("conf.example.com", 2855),
            Box::new(SeededIds::new(1)),
            TransactionConfig::new(Box::new(SeededIds::new(2))),
        );
        control.limits.max_participants = MAX_MEMBERS;
        control.limits.max_pending = 3;
        let mut seed = 100;
        let ids = Box::new(move || {
            seed += 1;
            Box::new(simpleim_msrp::SeededIds::new(seed)) as Box<dyn simpleim_msrp::IdGenerator>
        });
        control.conference_factory = Some(sip_uri(FACTORY));
        let mut files = FileTransferConfig::default();
        files.max_file_size = 16 * 1024;
        files.max_transfers = 6;
        control.file_transfer = Some(files);
        let mut config = FocusConfig::new(control, ids);
        let mut pager = PagerConfig::default();
        pager.max_recipients = 4;
        pager.max_in_flight = 8;
        pager.rate = Some(RateLimit {
            messages: 3,
            per: Duration::from_secs(10),
        });
        config.pager = Some(pager);
        let mut limits = FocusLimits::default();
        limits.max_connections = MAX_CONNS;
        limits.max_subscriptions = MAX_SUBS;
        limits.max_members = MAX_MEMBERS;
        config.limits = limits;
        let mut sl = SwitchLimits::default();
        sl.max_queued_bytes = MAX_QUEUED;
        sl.control_slack = SLACK;
        sl.max_message_bytes = 64 * 1024;
        sl.max_held_bytes = 4 * 1024;
        config.switch_limits = sl;
        let mut focus = Focus::new(config);
        focus.set_outbound_handle(CORE);
        let mut rooms = Vec::new();
        for (i, r) in ROOMS.iter().enumerate() {
            let policy = GroupPolicy {
                allow_anonymity: Members::Everyone,
                ..GroupPolicy::default()
            };
            let mut rc = RoomConfig::new(sip_uri(r));
            if i == 0 {
                rc = rc.with_policy(policy);
            }
            if let Ok(id) = focus.add_room(rc) {
                rooms.push(id);
            }
        }
        Self {
            focus,
            rooms,
            now: Instant::now(),
            clients: vec![Client::default(); usize::from(CLIENTS)],
            connects: Vec::new(),
            answer_notifies,
            written: HashMap::new(),
            copies: Vec::new(),
            sender: None,
            file_invites: Vec::new(),
            seen_copies: std::collections::HashSet::new(),
            file_decoders: HashMap::new(),
        }
    }

    fn client(c: u8) -> usize {
        usize::from(c % CLIENTS)
    }

    fn handle(&self, c: usize) -> Sip {
        // Each client has its own handle, UDP or TCP.
        let base = (c as u8) * 2;
        Sip(if self.clients[c].udp { base } else { base + 1 })
    }

    fn sip(&mut self, handle: Sip, text: &str) {
        if let Ok(m) = Message::parse_datagram(Bytes::copy_from_slice(text.as_bytes())) {
            let now = self.now;
            self.focus.handle_sip(now, handle, m);
        }
    }

    fn request(
        &mut self,
        c: usize,
        method: &str,
        cseq: u32,
        to: &str,
        extra: &str,
        body: &str,
    ) -> String {
        let cl = &self.clients[c];
        let transport = if cl.udp { "UDP" } else { "TCP" };
        let room = ROOMS[cl.room];
        let from = if cl.anonymous {
            "sip:anonymous@anonymous.invalid".to_owned()
        } else {
            identity(c)
        };
        format!(
            "{method} {room} SIP/2.0\r\n\
             Via: SIP/2.0/{transport} u{c}.example.com;branch=z9hG4bKu{c}-{cseq}-{method}\r\n\
             Max-Forwards: 70\r\n\
             From: <{from}>;tag=u{c}-tag\r\n\
             To: {to}\r\n\
             Call-ID: call-u{c}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: <sip:u{c}@u{c}.example.com>\r\n\
             P-Asserted-Identity: <{id}>\r\n\
             {extra}Content-Length: {len}\r\n\r\n{body}",
            id = identity(c),
            len = body.len(),
        )
    }

    fn next_cseq(&mut self, c: usize) -> u32 {
        self.clients[c].cseq += 1;
        self.clients[c].cseq
    }

    fn join(&mut self, j: &Join) {
        let c = Self::client(j.client);
        let room = usize::from(j.room) % ROOMS.len();
        {
            let cl = &mut self.clients[c];
            cl.room = room;
            cl.anonymous = j.anonymous;
            cl.udp = j.udp;
            cl.to = None;
            cl.focus_path = None;
        }
        let max = j
            .max_size
            .map(|m| format!("a=max-size:{m}\r\n"))
            .unwrap_or_default();
        let setup = if j.passive { "passive" } else { "active" };
        let sdp = format!(
            "v=0\r\no=- 1 1 IN IP4 u{c}.example.com\r\ns=-\r\nc=IN IP4 u{c}.example.com\r\n\
             t=0 0\r\nm=message 7777 TCP/MSRP *\r\na=accept-types:message/cpim\r\n\
             a=accept-wrapped-types:*\r\n{max}a=path:{}\r\na=setup:{setup}\r\n",
            client_path(c)
        );
        let mut extra =
            String::from("Accept-Contact: *;+g.oma.sip-im\r\nContent-Type: application/sdp\r\n");
        if j.release {
            extra.push_str("User-Agent: IM-client/OMA1.0\r\n");
        }
        if j.anonymous {
            extra.push_str("Privacy: id\r\n");
        }
        let cseq = self.next_cseq(c);
        self.clients[c].invite_cseq = cseq;
        let mut text = self.request(
            c,
            "INVITE",
            cseq,
            &format!("<{}>", ROOMS[room]),
            &extra,
            &sdp,
        );
        if let Some(d) = &j.display {
            let d = clean(d, 24).replace('"', "");
            text = text.replacen("From: <", &format!("From: \"{d}\" <"), 1);
        }
        let h = self.handle(c);
        self.sip(h, &text);
    }

    fn in_dialog(&mut self, c: usize, method: &str) {
        let Some(to) = self.clients[c].to.clone() else {
            return;
        };
        let cseq = if method == "ACK" {
            self.clients[c].invite_cseq
        } else {
            self.next_cseq(c)
        };
        let text = self.request(c, method, cseq, &to, "", "");
        let h = self.handle(c);
        self.sip(h, &text);
    }

    fn cancel(&mut self, c: usize) {
        let cseq = self.clients[c].invite_cseq;
        let room = ROOMS[self.clients[c].room];
        let text = self
            .request(c, "CANCEL", cseq, &format!("<{room}>"), "", "")
            .replace(&format!("-{cseq}-CANCEL"), &format!("-{cseq}-INVITE"));
        let h = self.handle(c);
        self.sip(h, &text);
    }

    fn subscribe(&mut self, c: usize, room: u8, expires: u16) {
        let room = ROOMS[usize::from(room) % ROOMS.len()];
        let cseq = self.next_cseq(c);
        let extra = format!(
            "Event: conference\r\nExpires: {expires}\r\nAccept: application/conference-info+xml\r\n"
        );
        let text = self
            .request(c, "SUBSCRIBE", cseq, &format!("<{room}>"), &extra, "")
            .replace("Call-ID: call-u", "Call-ID: sub-u");
        let h = self.handle(c);
        self.sip(h, &text);
    }

    fn msrp(&mut self, conn: u8, bytes: &[u8]) {
        let now = self.now;
        self.focus.handle_msrp(now, conn, bytes);
    }

    fn connect(&mut self, c: usize) {
        let Some(fp) = self.clients[c].focus_path.clone() else {
            return;
        };
        let now = self.now;
        let conn = c as u8;
        self.focus.handle_msrp_connected(now, conn, None);
        let bind = format!(
            "MSRP bind{c} SEND\r\nTo-Path: {fp}\r\nFrom-Path: {}\r\n\
             Message-ID: bind{c}\r\nByte-Range: 1-0/0\r\n-------bind{c}$\r\n",
            client_path(c)
        );
        self.msrp(conn, bind.as_bytes());
    }

    fn frame_head(&mut self, c: usize, method: &str) -> Option<(String, String)> {
        let fp = self.clients[c].focus_path.clone()?;
        self.clients[c].tid += 1;
        let tid = format!("t{c}x{}", self.clients[c].tid);
        let head = format!(
            "MSRP {tid} {method}\r\nTo-Path: {fp}\r\nFrom-Path: {}\r\n",
            client_path(c)
        );
        Some((tid, head))
    }

    fn send(&mut self, s: &Send) {
        let c = Self::client(s.client);
        let other = (c + 1) % usize::from(CLIENTS);
        let from = match s.from % 4 {
            0 => identity(c),
            1 => self.clients[c]
                .alias_uri
                .clone()
                .unwrap_or_else(|| "sip:anonymous@anonymous.invalid".to_owned()),
            2 => identity(other),
            _ => clean(&s.from_text, 60),
        };
        let room = ROOMS[self.clients[c].room];
        let to = match s.to % 5 {
            0 => format!("<{room}>"),
            1 => format!("<{room};conf=isfocus>"),
            2 => format!("<{}>", identity(other)),
            3 => format!("{} <sip:nobody@example.com>", clean(&s.to_text, 20)),
            _ => clean(&s.to_text, 60),
        };
        let mut text = s.text.clone();
        text.truncate(256);
        let reps = usize::from(s.repeat % 64).max(1);
        let payload = text.repeat(reps);
        let mut body =
            format!("From: <{from}>\r\nTo: {to}\r\n\r\nContent-Type: text/plain\r\n\r\n")
                .into_bytes();
        body.extend_from_slice(&payload);
        let n = body.len();
        let total = s.total.map_or(n as u64, u64::from);
        let chunks = usize::from(s.chunks % 6).max(1);
        let size = n.div_ceil(chunks).max(1);
        let message_id = {
            self.clients[c].tid += 1;
            format!("msg{c}x{}", self.clients[c].tid)
        };
        let fr = match s.failure_report % 4 {
            0 => "",
            1 => "Failure-Report: no\r\n",
            2 => "Failure-Report: partial\r\n",
            _ => "Success-Report: yes\r\n",
        };
        let pieces: Vec<&[u8]> = body.chunks(size).collect();
        let mut start = 1;
        let count = pieces.len();
        for (k, part) in pieces.into_iter().enumerate() {
            let Some((tid, head)) = self.frame_head(c, "SEND") else {
                return;
            };
            let end = start + part.len() - 1;
            let flag = if k + 1 < count {
                '+'
            } else {
                match s.end % 8 {
                    0 => '#',
                    1 => '+',
                    _ => '$',
                }
            };
            let mut frame = format!(
                "{head}Message-ID: {message_id}\r\nByte-Range: {start}-{end}/{total}\r\n{fr}\
                 Content-Type: message/cpim\r\n\r\n"
            )
            .into_bytes();
            frame.extend_from_slice(part);
            frame.extend_from_slice(format!("\r\n-------{tid}{flag}\r\n").as_bytes());
            self.msrp(c as u8, &frame);
            self.drain();
            start = end + 1;
        }
    }

    fn nickname(&mut self, c: usize, nick: &str, quoted: bool) {
        let Some((tid, head)) = self.frame_head(c, "NICKNAME") else {
            return;
        };
        let nick = clean(nick, 80);
        let value = if quoted {
            format!("\"{}\"", nick.replace('"', "\\\""))
        } else {
            nick
        };
        let frame = format!("{head}Use-Nickname: {value}\r\n-------{tid}$\r\n");
        self.msrp(c as u8, frame.as_bytes());
    }

    /// The host's drain loop: SIP to the clients (200s to INVITEs remembered, NOTIFYs
    /// answered), MSRP bytes counted, connects queued, events looked at.
    fn drain(&mut self) {
        for _ in 0..64 {
            let mut replies = Vec::new();
            let mut msrp_replies: Vec<(u8, Vec<u8>)> = Vec::new();
            while let Some(t) = self.focus.poll_transmit() {
                match t {
                    FocusTransmit::Sip(t) => {
                        let Ok(m) = Message::parse_datagram(t.bytes().clone()) else {
                            panic!("the focus sent unparsable SIP: {:?}", t.bytes());
                        };
                        let c = usize::from(t.handle.0 / 2);
                        match &m {
                            Message::Response(r) => {
                                let cseq = r
                                    .headers()
                                    .get(HeaderName::CSeq)
                                    .map(|h| h.value().to_vec())
                                    .unwrap_or_default();
                                let call_id = r
                                    .headers()
                                    .get(HeaderName::CallId)
                                    .map(|h| h.value().to_vec())
                                    .unwrap_or_default();
                                if r.code() == 200
                                    && cseq.ends_with(b"INVITE")
                                    && c < self.clients.len()
                                    && call_id.starts_with(b"ft-")
                                {
                                    let body = String::from_utf8_lossy(&r.body()).into_owned();
                                    let cl = &mut self.clients[c];
                                    cl.file_to = r
                                        .headers()
                                        .get(HeaderName::To)
                                        .map(|h| String::from_utf8_lossy(&h.value()).into_owned());
                                    cl.file_path = body
                                        .lines()
                                        .find_map(|l| l.strip_prefix("a=path:"))
                                        .map(|p| p.trim().to_owned());
                                } else if r.code() == 200
                                    && cseq.ends_with(b"INVITE")
                                    && c < self.clients.len()
                                {
                                    let to = r.headers().get(HeaderName::To).map(|h| h.value());
                                    let body = String::from_utf8_lossy(&r.body()).into_owned();
                                    let fp = body
                                        .lines()
                                        .find_map(|l| l.strip_prefix("a=path:"))
                                        .map(|p| p.trim().to_owned());
                                    let alias = body
                                        .lines()
                                        .find_map(|l| l.strip_prefix("To: "))
                                        .and_then(|l| l.split('<').nth(1))
                                        .and_then(|l| l.split('>').next())
                                        .map(str::to_owned);
                                    let cl = &mut self.clients[c];
                                    cl.to = to.map(|t| String::from_utf8_lossy(&t).into_owned());
                                    cl.focus_path = fp;
                                    cl.alias_uri = alias;
                                }
                            }
                            Message::Request(r) if t.handle == CORE => {
                                // REQ: GRP-1: never a copy for the sender (checked when a
                                // copy is first sent: a retransmission over UDP may come
                                // after another client's group message).
                                let uri = String::from_utf8_lossy(&r.uri_bytes()).into_owned();
                                let call_id = r
                                    .headers()
                                    .get(HeaderName::CallId)
                                    .map(|h| h.value().to_vec())
                                    .unwrap_or_default();
                                if self.seen_copies.insert(call_id) {
                                    assert!(
                                        self.sender.as_deref() != Some(uri.as_str()),
                                        "a copy for the sender {uri}"
                                    );
                                }
                                if self.copies.len() >= 16 {
                                    self.copies.remove(0);
                                }
                                self.copies.push(r.clone());
                            }
                            Message::Request(r) => {
                                if *r.method() == Method::Invite && c < self.clients.len() {
                                    // RFC 5547: the focus offers a file to this client.
                                    if self.file_invites.len() >= 16 {
                                        self.file_invites.remove(0);
                                    }
                                    self.file_invites.push((c, r.clone()));
                                }
                                if self.answer_notifies && *r.method() == Method::Notify {
                                    if let Ok(reply) = simpleim_sip::Response::for_request(
                                        r,
                                        200,
                                        &mut SeededIds::new(5),
                                    )
                                    .build()
                                    {
                                        replies.push((t.handle, reply));
                                    }
                                }
                            }
                        }
                    }
                    FocusTransmit::Msrp { conn, bytes } => {
                        *self.written.entry(conn).or_default() += bytes.len();
                        if (40..48).contains(&conn) {
                            let d = self.file_decoders.entry(conn).or_insert_with(|| {
                                simpleim_msrp::Decoder::new(simpleim_msrp::Limits::default())
                            });
                            d.push(&bytes);
                            while let Ok(Some(item)) = d.poll() {
                                let head = match &item {
                                    simpleim_msrp::Decoded::Frame(f) => Some(&f.head),
                                    simpleim_msrp::Decoded::Head(h) => Some(h),
                                    simpleim_msrp::Decoded::Body(_) => None,
                                };
                                let Some(head) = head.filter(|h| !h.is_response()) else {
                                    continue;
                                };
                                let mut out = bytes::BytesMut::new();
                                if simpleim_msrp::ResponseBuilder::for_request(head, 200)
                                    .encode(&mut out)
                                    .is_ok()
                                {
                                    msrp_replies.push((conn, out.to_vec()));
                                }
                            }
                        }
                    }
                }
            }
            while let Some(e) = self.focus.poll_pager_event() {
                if let PagerEvent::Accepted { recipients, .. } = e {
                    assert!(recipients <= 4, "more copies than max_recipients");
                }
            }
            while let Some(connect) = self.focus.poll_connect() {
                self.connects.push(connect.participant);
            }
            while let Some(e) = self.focus.poll_event() {
                match e {
                    FocusEvent::Joined {
                        participant,
                        identity: id,
                        ..
                    } => {
                        let id = id.to_string();
                        if let Some(c) = (0..self.clients.len()).find(|c| identity(*c) == id) {
                            self.clients[c].participant = Some(participant);
                        }
                    }
                    FocusEvent::CloseConnection { conn, .. } => {
                        self.written.remove(&conn);
                    }
                    _ => {}
                }
            }
            for (conn, bytes) in msrp_replies.iter() {
                let now = self.now;
                self.focus.handle_msrp(now, *conn, bytes);
            }
            if replies.is_empty() && msrp_replies.is_empty() {
                return;
            }
            for (h, reply) in replies {
                if let Ok(m) = Message::parse_datagram(reply.as_bytes().clone()) {
                    let now = self.now;
                    self.focus.handle_sip(now, h, m);
                }
            }
        }
    }

    fn group_message(
        &mut self,
        c: usize,
        target: u8,
        im: bool,
        anonymous: bool,
        recipients: &[u8],
        body: &str,
    ) {
        let to = match target % 3 {
            0 => ROOMS[0],
            1 => ROOMS[1],
            _ => FACTORY,
        };
        let text = clean(body, 64);
        let (ctype, body) = if to == FACTORY {
            let entries: String = recipients
                .iter()
                .take(8)
                .map(|r| {
                    let cp = ["to", "cc", "bcc"][usize::from(*r / CLIENTS) % 3];
                    format!(
                        "<entry uri=\"{}\" cp:copyControl=\"{cp}\"/>",
                        identity(Self::client(*r))
                    )
                })
                .collect();
            (
                "multipart/mixed;boundary=b1".to_owned(),
                format!(
                    "--b1\r\nContent-Type: text/plain\r\n\r\n{text}\r\n--b1\r\n\
                     Content-Type: application/resource-lists+xml\r\n\
                     Content-Disposition: recipient-list\r\n\r\n\
                     <resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\" \
                     xmlns:cp=\"urn:ietf:params:xml:ns:copycontrol\"><list>{entries}</list>\
                     </resource-lists>\r\n--b1--\r\n"
                ),
            )
        } else {
            ("text/plain".to_owned(), text)
        };
        let mut extra = format!("Content-Type: {ctype}\r\n");
        if im {
            extra.push_str("Accept-Contact: *;+g.oma.sip-im\r\n");
        }
        if anonymous {
            extra.push_str("Privacy: id\r\n");
        }
        let cseq = self.next_cseq(c);
        let request = self
            .request(c, "MESSAGE", cseq, &format!("<{to}>"), &extra, &body)
            .replacen(
                &format!("MESSAGE {} ", ROOMS[self.clients[c].room]),
                &format!("MESSAGE {to} "),
                1,
            );
        self.sender = Some(identity(c));
        let handle = self.handle(c);
        self.sip(handle, &request);
    }

    /// Client `c` pushes a file of `size` bytes to its room (see [`Op::PushFile`]).
    fn push_file(&mut self, c: usize, size: u16, declared: u8, pull: bool, chunks: u8, ack: bool) {
        self.clients[c].files += 1;
        let n = self.clients[c].files;
        self.clients[c].file_path = None;
        self.clients[c].file_to = None;
        let size = usize::from(size % 20_000);
        let selector_size = match declared % 3 {
            0 => String::new(),
            1 => format!(" size:{size}"),
            _ => format!(" size:{}", size + 1),
        };
        let direction = if pull { "recvonly" } else { "sendonly" };
        let path = format!("msrp://u{c}.example.com:7777/f{c}x{n};tcp");
        let sdp = format!(
            "v=0\r\no=- 1 1 IN IP4 u{c}.example.com\r\ns=-\r\nc=IN IP4 u{c}.example.com\r\n\
             t=0 0\r\nm=message 7777 TCP/MSRP *\r\na=accept-types:application/octet-stream\r\n\
             a=path:{path}\r\na=setup:active\r\na={direction}\r\n\
             a=file-selector:name:\"f{n}.bin\" type:application/octet-stream{selector_size}\r\n\
             a=file-transfer-id:x{c}y{n}\r\n"
        );
        let room = ROOMS[self.clients[c].room];
        let extra = "Accept-Contact: *;+g.oma.sip-im\r\nContent-Type: application/sdp\r\n";
        let call_id = format!("ft-u{c}-{n}");
        let dialog = |text: String, method: &str| {
            text.replacen(
                &format!("Call-ID: call-u{c}"),
                &format!("Call-ID: {call_id}"),
                1,
            )
            .replacen(
                &format!("branch=z9hG4bKu{c}-1-{method}"),
                &format!("branch=z9hG4bKft{c}x{n}{method}"),
                1,
            )
        };
        let text = dialog(
            self.request(c, "INVITE", 1, &format!("<{room}>"), extra, &sdp),
            "INVITE",
        );
        let h = self.handle(c);
        self.sip(h, &text);
        self.drain();
        let (Some(fp), Some(to)) = (
            self.clients[c].file_path.clone(),
            self.clients[c].file_to.clone(),
        ) else {
            return;
        };
        if ack {
            let text = dialog(self.request(c, "ACK", 1, &to, "", ""), "ACK");
            self.sip(h, &text);
        }
        let conn = 20 + c as u8;
        let now = self.now;
        self.focus.handle_msrp_connected(now, conn, None);
        let body: Vec<u8> = (0..size).map(|k| (k % 251) as u8).collect();
        let pieces = usize::from(chunks % 4) + 1;
        let step = size.div_ceil(pieces).max(1);
        let mut start = 1;
        let total = body.len();
        let parts: Vec<&[u8]> = if body.is_empty() {
            vec![&[]]
        } else {
            body.chunks(step).collect()
        };
        let count = parts.len();
        for (k, part) in parts.into_iter().enumerate() {
            let end = start + part.len() - 1;
            let flag = if k + 1 < count { '+' } else { '$' };
            let tid = format!("f{c}x{n}x{k}");
            let mut frame = format!(
                "MSRP {tid} SEND\r\nTo-Path: {fp}\r\nFrom-Path: {path}\r\n\
                 Message-ID: file{c}x{n}\r\nByte-Range: {start}-{end}/{total}\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .into_bytes();
            frame.extend_from_slice(part);
            frame.extend_from_slice(format!("\r\n-------{tid}{flag}\r\n").as_bytes());
            self.msrp(conn, &frame);
            self.drain();
            start = end + 1;
        }
    }

    /// A client answers one of the focus's file INVITEs (see [`Op::AnswerFile`]).
    fn answer_file(&mut self, index: u8, code: u8, early: bool) {
        if self.file_invites.is_empty() {
            return;
        }
        let (c, invite) = self
            .file_invites
            .remove(usize::from(index) % self.file_invites.len());
        let code = match code % 5 {
            0 => 486,
            1 => 603,
            _ => 200,
        };
        self.clients[c].tid += 1;
        let k = self.clients[c].tid;
        let path = format!("msrp://u{c}.example.com:7777/r{c}x{k};tcp");
        let offer = String::from_utf8_lossy(&invite.body()).into_owned();
        let focus_path = offer
            .lines()
            .find_map(|l| l.strip_prefix("a=path:"))
            .map(|p| p.trim().to_owned())
            .unwrap_or_default();
        let echoed: String = offer
            .lines()
            .filter(|l| l.starts_with("a=file-"))
            .map(|l| format!("{l}\r\n"))
            .collect();
        let mut b = simpleim_sip::Response::for_request(&invite, code, &mut SeededIds::new(7));
        if code == 200 {
            let sdp = format!(
                "v=0\r\no=- 1 1 IN IP4 u{c}.example.com\r\ns=-\r\nc=IN IP4 u{c}.example.com\r\n\
                 t=0 0\r\nm=message 7777 TCP/MSRP *\r\na=accept-types:*\r\na=path:{path}\r\n\
                 a=setup:active\r\na=recvonly\r\n{echoed}"
            );
            b = b
                .header(HeaderName::Contact, format!("<sip:u{c}@u{c}.example.com>"))
                .body("application/sdp", sdp);
        }
        let Ok(response) = b.build() else {
            return;
        };
        let conn = 40 + (k % 8) as u8;
        self.file_decoders.remove(&conn);
        let bind = format!(
            "MSRP rb{c}x{k} SEND\r\nTo-Path: {focus_path}\r\nFrom-Path: {path}\r\n\
             Message-ID: rb{c}x{k}\r\nByte-Range: 1-0/0\r\n-------rb{c}x{k}$\r\n"
        );
        let connect = |host: &mut Self| {
            let now = host.now;
            host.focus.handle_msrp_connected(now, conn, None);
            host.msrp(conn, bind.as_bytes());
            host.drain();
        };
        if code == 200 && early {
            connect(self);
        }
        if let Ok(m) = Message::parse_datagram(response.as_bytes().clone()) {
            let now = self.now;
            let h = self.handle(c);
            self.focus.handle_sip(now, h, m);
            self.drain();
        }
        if code == 200 && !early {
            connect(self);
        }
    }

    /// Timers due now fire; afterwards none is left in the past. The bounds hold.
    fn check(&mut self) {
        let now = self.now;
        let mut settled = false;
        for _ in 0..8 {
            if self.focus.poll_timeout().is_none_or(|t| t > now) {
                settled = true;
                break;
            }
            self.focus.handle_timeout(now);
            self.drain();
        }
        assert!(
            settled,
            "a timeout stays in the past: {:?} <= {now:?}",
            self.focus.poll_timeout()
        );
        assert!(self.focus.subscription_count() <= MAX_SUBS);
        for room in &self.rooms {
            let Some(sw) = self.focus.switch(*room) else {
                continue;
            };
            assert!(sw.participant_count() <= MAX_MEMBERS);
            assert!(self.focus.control().participants(*room).len() <= MAX_MEMBERS);
            for p in self.focus.control().participants(*room) {
                assert!(sw.queued_bytes(*p) <= MAX_QUEUED + SLACK + 64 * 1024);
            }
        }
    }

    fn op(&mut self, op: &Op) {
        match op {
            Op::Join(j) => self.join(j),
            Op::Ack { client } => self.in_dialog(Self::client(*client), "ACK"),
            Op::Bye { client } => self.in_dialog(Self::client(*client), "BYE"),
            Op::Cancel { client } => self.cancel(Self::client(*client)),
            Op::Subscribe {
                client,
                room,
                expires,
            } => self.subscribe(Self::client(*client), *room, *expires),
            Op::Connect { client } => self.connect(Self::client(*client)),
            Op::Connected { ok } => {
                if let Some(p) = self.connects.pop() {
                    let now = self.now;
                    if *ok {
                        let conn = 100 + (self.connects.len() % 16) as u8;
                        self.focus.handle_msrp_connected(now, conn, Some(p));
                    } else {
                        self.focus.handle_msrp_connect_failed(now, p);
                    }
                }
            }
            Op::Send(s) => self.send(s),
            Op::Nickname {
                client,
                nick,
                quoted,
            } => self.nickname(Self::client(*client), nick, *quoted),
            Op::RawSip { handle, bytes } => {
                if let Ok(m) = Message::parse_datagram(Bytes::copy_from_slice(bytes)) {
                    let now = self.now;
                    self.focus.handle_sip(now, Sip(*handle % 12), m);
                }
            }
            Op::RawMsrp { conn, bytes } => self.msrp(*conn % 8, bytes),
            Op::CutMsrp {
                client,
                keep,
                bytes,
            } => {
                let c = Self::client(*client);
                if let Some((tid, head)) = self.frame_head(c, "SEND") {
                    let frame = format!(
                        "{head}Message-ID: cut\r\nByte-Range: 1-*/*\r\nContent-Type: message/cpim\r\n\r\nFrom: <{}>\r\nTo: <{}>\r\n\r\nContent-Type: text/plain\r\n\r\nhello\r\n-------{tid}$\r\n",
                        identity(c),
                        ROOMS[self.clients[c].room]
                    );
                    let keep = usize::from(*keep) % (frame.len() + 1);
                    let mut data = frame.as_bytes()[..keep].to_vec();
                    data.extend_from_slice(bytes);
                    self.msrp(c as u8, &data);
                }
            }
            Op::OpenConn { conn } => {
                let now = self.now;
                self.focus.handle_msrp_connected(now, *conn % 8, None);
            }
            Op::Close { conn } => {
                let now = self.now;
                self.focus.handle_msrp_closed(now, *conn % 8);
            }
            Op::Writable { conn, writable } => {
                self.focus.set_msrp_writable(&(*conn % 8), *writable)
            }
            Op::Remove { client } => {
                if let Some(p) = self.clients[Self::client(*client)].participant {
                    let now = self.now;
                    let _ = self.focus.remove_participant(now, p);
                }
            }
            Op::EndRoom { room } => {
                if let Some(r) = self.rooms.get(usize::from(*room) % ROOMS.len()).copied() {
                    let now = self.now;
                    let _ = self.focus.end_room(now, r);
                }
            }
            Op::System { room, to, body } => {
                if let Some(r) = self.rooms.get(usize::from(*room) % ROOMS.len()).copied() {
                    let to = to.and_then(|c| self.clients[Self::client(c)].participant);
                    let now = self.now;
                    let _ = self.focus.send_system_message(
                        now,
                        r,
                        to,
                        "Announcement",
                        "text/plain",
                        Bytes::copy_from_slice(body),
                    );
                }
            }
            Op::TransportError { handle } => {
                let now = self.now;
                self.focus
                    .handle_sip_transport_error(now, &Sip(*handle % 12));
            }
            Op::GroupMessage {
                client,
                target,
                im,
                anonymous,
                recipients,
                body,
            } => self.group_message(
                Self::client(*client),
                *target,
                *im,
                *anonymous,
                recipients,
                body,
            ),
            Op::AnswerCopy { index, code } => {
                if !self.copies.is_empty() {
                    let copy = self.copies.remove(usize::from(*index) % self.copies.len());
                    let code = 200 + (*code % 500);
                    if let Ok(r) =
                        simpleim_sip::Response::for_request(&copy, code, &mut SeededIds::new(6))
                            .build()
                    {
                        if let Ok(m) = Message::parse_datagram(r.as_bytes().clone()) {
                            let now = self.now;
                            self.focus.handle_sip(now, CORE, m);
                        }
                    }
                }
            }
            Op::PushFile {
                client,
                size,
                declared,
                pull,
                chunks,
                ack,
            } => self.push_file(
                Self::client(*client),
                *size,
                *declared,
                *pull,
                *chunks,
                *ack,
            ),
            Op::AnswerFile { index, code, early } => self.answer_file(*index, *code, *early),
            Op::Advance { millis } => {
                self.now += Duration::from_millis(u64::from(*millis % 120_000));
                let now = self.now;
                self.focus.handle_timeout(now);
            }
        }
        self.drain();
        self.check();
    }
}

fuzz_target!(|input: Input| {
    let mut host = Host::new(input.answer_notifies);
    for op in input.ops.iter().take(200) {
        host.op(op);
    }
});
