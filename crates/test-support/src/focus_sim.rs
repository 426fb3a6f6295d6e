//! A many-party harness for the composed [`Focus`]: a simulated clock, one focus with one
//! room, and N clients that play SIP (INVITE with an MSRP offer, ACK, BYE, SUBSCRIBE,
//! answering NOTIFYs; built with the sip builders and re-parsed from their bytes on arrival,
//! as a host would) and MSRP (a [`Session`] per client over its own simulated connection,
//! opened with a bodiless SEND, RFC 4975 §5.4). Every byte the focus writes to a client's
//! connection is kept ([`Client::msrp_in`]).
//!
//! ```
//! use simpleim_test_support::focus_sim::Sim;
//!
//! let mut sim = Sim::new();
//! let alice = sim.add_client("alice", Some("Alice"), false);
//! let bob = sim.add_client("bob", Some("Bob"), false);
//! sim.join(alice);
//! sim.join(bob);
//! sim.send_cpim(alice, "sip:alice@example.com", "Hello");
//! assert_eq!(sim.clients[bob].messages().len(), 1);
//! ```
#![allow(
    clippy::indexing_slicing,
    reason = "clients are addressed by index; a wrong one fails the test"
)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_focus::control::{
    ControlConfig, GroupPolicy, Members, MsrpEndpoint, ParticipantId, RoomConfig, RoomId,
};
use simpleim_focus::{Connect, Focus, FocusConfig, FocusEvent, FocusTransmit};
use simpleim_msrp::{Event, SendOptions, Session, SessionConfig};
use simpleim_sip::dialog::SentBy;
use simpleim_sip::transaction::{TransactionConfig, TransportHandle};
use simpleim_sip::{HeaderName, Message, Method, Request, Response, SeededIds, SipUri, Uri};

/// The room's URI.
pub const ROOM: &str = "sip:chat@conf.example.com";

/// The most rounds [`Sim::settle`] makes before deciding the parties are stuck.
const MAX_ROUNDS: usize = 10_000;

/// A client's SIP transport handle (one TCP connection per client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SipConn(pub usize);

impl TransportHandle for SipConn {
    fn is_reliable(&self) -> bool {
        true
    }
}

/// The SIP/IP core's proxy: the focus's own INVITEs (REQ: FOC-3) go there
/// ([`Focus::set_outbound_handle`]); the harness hands each to the client it names, and
/// what follows in that dialog by its Call-ID.
pub const PROXY: SipConn = SipConn(usize::MAX);

/// A client's MSRP connection handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MsrpConn(pub usize);

/// One simulated client.
pub struct Client {
    /// Its user part (`alice`).
    pub name: String,
    /// Its SIP URI, asserted by the network (P-Asserted-Identity).
    pub identity: String,
    /// The display name of its From (the alias it asks for).
    pub display: Option<String>,
    /// Whether it joins with `Privacy: id`.
    pub anonymous: bool,
    /// Every SIP message the focus sent it, re-parsed.
    pub sip_in: Vec<Message>,
    /// The 200 OK to its INVITE.
    pub ok: Option<Response>,
    /// Its MSRP session, once joined.
    pub session: Option<Session>,
    /// Its MSRP connection, once open.
    pub conn: Option<MsrpConn>,
    /// Every byte the focus wrote on its MSRP connection.
    pub msrp_in: Vec<u8>,
    /// Its session's events.
    pub received: Vec<Event>,
    /// The NOTIFY bodies it received (conference-info documents).
    pub notifies: Vec<String>,
    /// Its participant id at the focus.
    pub participant: Option<ParticipantId>,
    /// The `a=max-size` its SDP offer declares (REQ: SW-5); none by default.
    pub max_size: Option<u64>,
    /// The User-Agent of its INVITE (default `IM-client/OMA1.0`, an IM release: it may
    /// receive private messages, REQ: SW-8); none for a client without one.
    pub user_agent: Option<String>,
    /// The `a=setup` its SDP offer declares (RFC 6135; default `active`: it connects).
    /// With `passive` or `actpass` the focus may connect to it: see [`Sim::connects`].
    pub setup: String,
    /// The focus's INVITE to it, when the focus invited it (REQ: FOC-3).
    pub invited: Option<Request>,
    /// Whether its INVITE asks for the CPM Large Message Mode (REQ: LMM-1) instead of IM.
    pub large_message: bool,
    /// Whether its MSRP connection is a deferred-messaging push's (REQ: DEF-2), driven
    /// through [`Focus::handle_push_msrp`].
    pub push: bool,
    cseq: u32,
    /// The CSeq number of its last INVITE (for a CANCEL).
    invite_cseq: u32,
}

impl Client {
    /// Its MSRP URI.
    #[must_use]
    pub fn msrp_uri(&self) -> String {
        format!("msrp://{}.example.com:7777/{}-s;tcp", self.name, self.name)
    }

    /// The bodies of the complete messages its session received.
    #[must_use]
    pub fn messages(&self) -> Vec<Bytes> {
        crate::loopback::message_bodies(&self.received)
    }

    /// The statuses of the failures of its outgoing messages.
    #[must_use]
    pub fn send_failures(&self) -> Vec<u16> {
        self.received
            .iter()
            .filter_map(|e| match e {
                Event::SendFailed { status, .. } => Some(status.code),
                _ => None,
            })
            .collect()
    }

    /// The statuses of the answers to its NICKNAME requests.
    #[must_use]
    pub fn nickname_results(&self) -> Vec<u16> {
        self.received
            .iter()
            .filter_map(|e| match e {
                Event::NicknameResult { status, .. } => Some(*status),
                _ => None,
            })
            .collect()
    }
}

/// The focus, its room and its clients, on a simulated clock.
pub struct Sim {
    /// The simulated time.
    pub now: Instant,
    /// The focus under test.
    pub focus: Focus<SipConn, MsrpConn>,
    /// Its room.
    pub room: RoomId,
    /// The clients, by index.
    pub clients: Vec<Client>,
    /// Every event of the focus.
    pub events: Vec<FocusEvent<MsrpConn>>,
    /// What the focus sent to [`PROXY`] for the SIP/IP core itself (no client's).
    pub proxy_in: Vec<Message>,
    /// The client each dialog through [`PROXY`] belongs to, by Call-ID.
    proxy_calls: Vec<(Bytes, usize)>,
    /// The connections the focus asked to open ([`Focus::poll_connect`]) for clients whose
    /// [`Client::setup`] is not `active`, not yet opened ([`Sim::accept_connect`]) or failed
    /// ([`Sim::fail_connect`]).
    pub connects: Vec<Connect>,
    /// The clients' other MSRP sessions (file transfers, RFC 5547), each on a connection of
    /// its own: see [`Sim::open_side`].
    pub sides: Vec<Side>,
    /// What the focus wrote on raw connections ([`RAW_CONN`]), in order.
    pub raw: Vec<(MsrpConn, Bytes)>,
}

/// A client's MSRP session beside its chat session ([`Sim::open_side`]).
pub struct Side {
    /// The connection (numbered from [`SIDE_CONN`]).
    pub conn: MsrpConn,
    /// The session.
    pub session: Session,
    /// Its events.
    pub received: Vec<Event>,
}

/// The first connection number of [`Sim::sides`].
pub const SIDE_CONN: usize = 1_000_000;

/// Connections from this number up to [`SIDE_CONN`] are raw: what the focus writes there
/// is kept in [`Sim::raw`], and nothing answers (a test plays the peer, e.g. an MSRP relay
/// carrying several clients' sessions).
pub const RAW_CONN: usize = 500_000;

impl Default for Sim {
    fn default() -> Self {
        Self::new()
    }
}

fn sip_uri(s: &str) -> SipUri {
    match Uri::parse(&Bytes::copy_from_slice(s.as_bytes())) {
        Ok(Uri::Sip(u)) => u,
        other => panic!("not a SIP URI: {other:?}"),
    }
}

impl Sim {
    /// A focus with one room at [`ROOM`] where anonymity is allowed.
    #[must_use]
    pub fn new() -> Self {
        Self::with_config(|_| {})
    }

    /// As [`Sim::new`], with the focus's configuration adjusted by `adjust` first (limits,
    /// the control's `setup`, ...).
    #[must_use]
    pub fn with_config(adjust: impl FnOnce(&mut FocusConfig)) -> Self {
        Self::with_room(adjust, |r| r)
    }

    /// As [`Sim::with_config`], with the room's configuration adjusted by `room` (members of
    /// a pre-defined group, ...). The focus's own INVITEs go to [`PROXY`].
    #[must_use]
    pub fn with_room(
        adjust: impl FnOnce(&mut FocusConfig),
        room: impl FnOnce(RoomConfig) -> RoomConfig,
    ) -> Self {
        let control = ControlConfig::new(
            SentBy::new("TCP", "conf.example.com", None),
            MsrpEndpoint::tcp("conf.example.com", 2855),
            Box::new(SeededIds::new(1)),
            TransactionConfig::new(Box::new(SeededIds::new(2))),
        );
        let mut seed = 1000;
        let ids = Box::new(move || {
            seed += 1;
            Box::new(simpleim_msrp::SeededIds::new(seed)) as Box<dyn simpleim_msrp::IdGenerator>
        });
        let mut config = FocusConfig::new(control, ids);
        adjust(&mut config);
        let mut focus = Focus::new(config);
        let policy = GroupPolicy {
            allow_anonymity: Members::Everyone,
            ..GroupPolicy::default()
        };
        let room = focus
            .add_room(room(RoomConfig::new(sip_uri(ROOM)).with_policy(policy)))
            .unwrap();
        focus.set_outbound_handle(PROXY);
        Self {
            now: crate::msrp::epoch(),
            focus,
            room,
            clients: Vec::new(),
            events: Vec::new(),
            proxy_in: Vec::new(),
            proxy_calls: Vec::new(),
            connects: Vec::new(),
            sides: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// Opens an MSRP connection for a session of a client beside its chat session (`local`
    /// its URI, `remote` the focus's path from an SDP answer): the connection is
    /// announced to the focus, nothing is sent yet (drive [`Side::session`], e.g. with a
    /// bodiless SEND or a file, then [`Sim::settle`]). Returns its index in [`Sim::sides`].
    pub fn open_side(&mut self, local: &str, remote: &str) -> usize {
        self.open_side_with(local, remote, |_| {})
    }

    /// As [`Sim::open_side`], with the session's configuration adjusted by `adjust` (its
    /// chunk size, ...).
    pub fn open_side_with(
        &mut self,
        local: &str,
        remote: &str,
        adjust: impl FnOnce(&mut SessionConfig),
    ) -> usize {
        let n = self.sides.len();
        let mut config = SessionConfig::new(
            local.parse().unwrap(),
            remote.parse().unwrap(),
            Box::new(simpleim_msrp::SeededIds::new(900 + n as u64)),
        );
        adjust(&mut config);
        let conn = MsrpConn(SIDE_CONN + n);
        self.sides.push(Side {
            conn,
            session: Session::new(config),
            received: Vec::new(),
        });
        self.focus.handle_msrp_connected(self.now, conn, None);
        self.settle();
        n
    }

    /// The SIP requests of `method` the focus sent client `i`, in order.
    #[must_use]
    pub fn requests(&self, i: usize, method: &Method) -> Vec<Request> {
        self.clients[i]
            .sip_in
            .iter()
            .filter_map(Message::as_request)
            .filter(|r| r.method() == method)
            .cloned()
            .collect()
    }

    /// Delivers a SIP message from client `i`'s connection to the focus, parsed again from
    /// its bytes as a host would.
    pub fn deliver(&mut self, i: usize, message: &Message) {
        let bytes = match message {
            Message::Request(r) => r.as_bytes().clone(),
            Message::Response(r) => r.as_bytes().clone(),
        };
        let message = Message::parse_datagram(bytes).unwrap();
        self.focus.handle_sip(self.now, SipConn(i), message);
        self.settle();
    }

    /// Adds a client (not joined yet) and returns its index.
    pub fn add_client(&mut self, name: &str, display: Option<&str>, anonymous: bool) -> usize {
        self.clients.push(Client {
            name: name.to_owned(),
            identity: format!("sip:{name}@example.com"),
            display: display.map(str::to_owned),
            anonymous,
            sip_in: Vec::new(),
            ok: None,
            session: None,
            conn: None,
            msrp_in: Vec::new(),
            received: Vec::new(),
            notifies: Vec::new(),
            participant: None,
            max_size: None,
            user_agent: Some("IM-client/OMA1.0".to_owned()),
            setup: "active".to_owned(),
            invited: None,
            large_message: false,
            push: false,
            cseq: 1,
            invite_cseq: 0,
        });
        self.clients.len() - 1
    }

    fn sip_from(&self, i: usize) -> String {
        let c = &self.clients[i];
        let uri = if c.anonymous {
            "sip:anonymous@anonymous.invalid".to_owned()
        } else {
            c.identity.clone()
        };
        match &c.display {
            Some(d) => format!("\"{d}\" <{uri}>;tag={}-tag", c.name),
            None => format!("<{uri}>;tag={}-tag", c.name),
        }
    }

    fn base(&mut self, i: usize, method: Method, to: &str) -> simpleim_sip::RequestBuilder {
        let from = self.sip_from(i);
        let c = &mut self.clients[i];
        c.cseq += 1;
        Request::builder(method.clone(), ROOM)
            .header(
                HeaderName::Via,
                format!(
                    "SIP/2.0/TCP {}.example.com;branch=z9hG4bK{}-{}-{method}",
                    c.name, c.name, c.cseq
                ),
            )
            .header(HeaderName::MaxForwards, 70)
            .header_named("From", from)
            .header_named("To", to)
            .header(HeaderName::CallId, format!("call-{}", c.name))
            .header(HeaderName::CSeq, format!("{} {method}", c.cseq))
            .header(
                HeaderName::Contact,
                format!("<sip:{}@{}.example.com;transport=tcp>", c.name, c.name),
            )
            .header_named("P-Asserted-Identity", format!("<{}>", c.identity))
    }

    /// Client `i` joins: INVITE with its MSRP offer (`a=setup:active`), the 200, ACK, then
    /// it connects and binds its connection with a bodiless SEND. Returns the 200.
    pub fn join(&mut self, i: usize) -> Response {
        let ok = self.invite(i);
        if ok.code() != 200 {
            panic!(
                "no 200 for {}: {:?}",
                self.clients[i].name, self.clients[i].sip_in
            );
        }
        self.ack(i);
        self.open_msrp(i);
        ok
    }

    /// Client `i` sends its INVITE with its MSRP offer (`a=setup:active`, its
    /// [`Client::max_size`] and [`Client::user_agent`]) and returns the final response
    /// (kept in [`Client::ok`] when a 200; [`Client::participant`] is then set). No ACK yet:
    /// see [`Sim::ack`] and [`Sim::open_msrp`].
    pub fn invite(&mut self, i: usize) -> Response {
        self.send_invite(i);
        let name = self.clients[i].name.clone();
        self.final_response(i)
            .unwrap_or_else(|| panic!("no final response for {name}: {:?}", self.clients[i].sip_in))
    }

    /// Client `i` sends its INVITE (as [`Sim::invite`]) without waiting for a final
    /// response (a pre-defined group's start waits for the members, REQ: FOC-3).
    pub fn send_invite(&mut self, i: usize) {
        let name = self.clients[i].name.clone();
        let path = self.clients[i].msrp_uri();
        let max_size = self.clients[i]
            .max_size
            .map(|n| format!("a=max-size:{n}\r\n"))
            .unwrap_or_default();
        let setup = self.clients[i].setup.clone();
        let sdp = format!(
            "v=0\r\no=- 1 1 IN IP4 {name}.example.com\r\ns=-\r\nc=IN IP4 {name}.example.com\r\n\
             t=0 0\r\nm=message 7777 TCP/MSRP *\r\na=accept-types:message/cpim\r\n\
             a=accept-wrapped-types:*\r\n{max_size}a=path:{path}\r\na=setup:{setup}\r\n"
        );
        let accept_contact = if self.clients[i].large_message {
            format!(
                "*;+g.3gpp.icsi-ref=\"{}\"",
                simpleim_focus::control::LMM_ICSI
            )
        } else {
            "*;+g.oma.sip-im".to_owned()
        };
        let mut b = self
            .base(i, Method::Invite, &format!("<{ROOM}>"))
            .header_named("Accept-Contact", accept_contact);
        if let Some(ua) = self.clients[i].user_agent.clone() {
            b = b.header_named("User-Agent", ua);
        }
        if self.clients[i].anonymous {
            b = b.header_named("Privacy", "id");
        }
        self.clients[i].invite_cseq = self.clients[i].cseq;
        let invite = b.body("application/sdp", sdp).build().unwrap();
        self.deliver_sip(i, invite);
    }

    /// Client `i`'s final response to its INVITE, once there is one (kept in [`Client::ok`]
    /// when a 200; [`Client::participant`] is then set).
    pub fn final_response(&mut self, i: usize) -> Option<Response> {
        let cseq = format!("{} INVITE", self.clients[i].invite_cseq);
        let last = self.clients[i].sip_in.iter().rev().find_map(|m| {
            m.as_response()
                .filter(|r| {
                    r.code() >= 200
                        && r.headers()
                            .get(HeaderName::CSeq)
                            .is_some_and(|h| h.value() == cseq.as_bytes())
                })
                .cloned()
        })?;
        if last.code() == 200 {
            self.clients[i].ok = Some(last.clone());
            self.clients[i].participant = self.joined_as(i);
        }
        Some(last)
    }

    /// The participant id the focus gave client `i` (its last Joined event).
    fn joined_as(&self, i: usize) -> Option<ParticipantId> {
        let identity = &self.clients[i].identity;
        self.events.iter().rev().find_map(|e| match e {
            FocusEvent::Joined {
                participant,
                identity: id,
                ..
            } if id.to_string() == *identity => Some(*participant),
            _ => None,
        })
    }

    /// Client `i` answers the focus's INVITE to it ([`Client::invited`]) with `code`; a 200
    /// carries its SDP answer (`a=setup:active`: it connects, with [`Sim::open_msrp`]).
    pub fn answer_invite(&mut self, i: usize, code: u16) {
        let invite = self.clients[i]
            .sip_in
            .iter()
            .rev()
            .filter_map(Message::as_request)
            .find(|r| *r.method() == Method::Invite)
            .cloned()
            .unwrap_or_else(|| panic!("the focus did not invite {}", self.clients[i].name));
        let c = &self.clients[i];
        let mut b = Response::for_request(&invite, code, &mut SeededIds::new(500 + i as u64));
        if code == 200 {
            let path = c.msrp_uri();
            let name = &c.name;
            let sdp = format!(
                "v=0\r\no=- 1 1 IN IP4 {name}.example.com\r\ns=-\r\nc=IN IP4 {name}.example.com\r\n\
                 t=0 0\r\nm=message 7777 TCP/MSRP *\r\na=accept-types:message/cpim\r\n\
                 a=accept-wrapped-types:*\r\na=path:{path}\r\na=setup:active\r\n"
            );
            b = b
                .header(
                    HeaderName::Contact,
                    format!("<sip:{name}@{name}.example.com;transport=tcp>"),
                )
                .header_named("Server", "IM-client/OMA1.0")
                .body("application/sdp", sdp);
        }
        let response = b.build().unwrap();
        self.clients[i].invited = Some(invite);
        let message = Message::parse_datagram(response.as_bytes().clone()).unwrap();
        self.focus.handle_sip(self.now, PROXY, message);
        self.settle();
        if code == 200 {
            self.clients[i].participant = self.joined_as(i);
        }
    }

    /// The client a message the focus sent to [`PROXY`] is for: an INVITE by its
    /// Request-URI (remembered by Call-ID), anything else by its Call-ID.
    fn proxy_client(&mut self, message: &Message) -> Option<usize> {
        let call_id = message
            .headers()
            .get(HeaderName::CallId)
            .map(|h| h.value())
            .unwrap_or_default();
        if let Some((_, i)) = self.proxy_calls.iter().find(|(c, _)| *c == call_id) {
            return Some(*i);
        }
        let target = message
            .as_request()
            .map(|r| String::from_utf8_lossy(&r.uri_bytes()).into_owned())?;
        let i = self.clients.iter().position(|c| c.identity == target)?;
        self.proxy_calls.push((call_id, i));
        Some(i)
    }

    /// Client `i` acknowledges the 200 to its INVITE.
    pub fn ack(&mut self, i: usize) {
        let ok = self.clients[i].ok.clone().unwrap();
        let to = ok.headers().get(HeaderName::To).unwrap().value();
        // The ACK repeats the INVITE's CSeq number (RFC 3261 §13.2.2.4).
        let cseq = self.clients[i].cseq;
        self.clients[i].cseq = self.clients[i].invite_cseq - 1;
        let ack = self
            .base(i, Method::Ack, &String::from_utf8_lossy(&to))
            .build()
            .unwrap();
        self.clients[i].cseq = cseq;
        self.deliver_sip(i, ack);
    }

    /// Client `i` cancels its last INVITE (RFC 3261 §9.1: same branch, Call-ID, From, To
    /// and CSeq number as the INVITE).
    pub fn cancel(&mut self, i: usize) {
        let from = self.sip_from(i);
        let c = &self.clients[i];
        let cancel = Request::builder(Method::Cancel, ROOM)
            .header(
                HeaderName::Via,
                format!(
                    "SIP/2.0/TCP {}.example.com;branch=z9hG4bK{}-{}-INVITE",
                    c.name, c.name, c.invite_cseq
                ),
            )
            .header(HeaderName::MaxForwards, 70)
            .header_named("From", from)
            .header_named("To", format!("<{ROOM}>"))
            .header(HeaderName::CallId, format!("call-{}", c.name))
            .header(HeaderName::CSeq, format!("{} CANCEL", c.invite_cseq))
            .build()
            .unwrap();
        self.deliver_sip(i, cancel);
    }

    /// Client `i` (its 200 received) opens its MSRP connection and binds it with a bodiless
    /// SEND; its [`Session`] starts.
    pub fn open_msrp(&mut self, i: usize) {
        let path = self.clients[i].msrp_uri();
        let focus_path = self.focus_path(i);
        let config = SessionConfig::new(
            path.parse().unwrap(),
            focus_path.parse().unwrap(),
            Box::new(simpleim_msrp::SeededIds::new(77 + i as u64)),
        );
        self.clients[i].session = Some(Session::new(config));
        let conn = MsrpConn(i);
        self.clients[i].conn = Some(conn);
        self.focus.handle_msrp_connected(self.now, conn, None);
        let bind = format!(
            "MSRP bind{i} SEND\r\nTo-Path: {focus_path}\r\nFrom-Path: {path}\r\n\
             Message-ID: bind{i}\r\nByte-Range: 1-0/0\r\n-------bind{i}$\r\n"
        );
        self.focus.handle_msrp(self.now, conn, bind.as_bytes());
        self.settle();
    }

    /// Client `i` (its 200 to a push's INVITE sent, REQ: DEF-2) connects to the
    /// deferred-messaging service's MSRP port: its [`Session`] starts, bound by a bodiless
    /// SEND.
    pub fn open_push_msrp(&mut self, i: usize) {
        let path = self.clients[i].msrp_uri();
        let focus_path = self.focus_path(i);
        let config = SessionConfig::new(
            path.parse().unwrap(),
            focus_path.parse().unwrap(),
            Box::new(simpleim_msrp::SeededIds::new(177 + i as u64)),
        );
        self.clients[i].session = Some(Session::new(config));
        self.clients[i].push = true;
        let conn = MsrpConn(i);
        self.clients[i].conn = Some(conn);
        self.focus.handle_push_msrp_connected(self.now, conn, None);
        let bind = format!(
            "MSRP push{i} SEND\r\nTo-Path: {focus_path}\r\nFrom-Path: {path}\r\n\
             Message-ID: push{i}\r\nByte-Range: 1-0/0\r\n-------push{i}$\r\n"
        );
        self.focus.handle_push_msrp(self.now, conn, bind.as_bytes());
        self.settle();
    }

    /// A request from the SIP/IP core ([`PROXY`]), e.g. a third-party REGISTER.
    pub fn from_proxy(&mut self, request: &Request) {
        let message = Message::parse_datagram(request.as_bytes().clone()).unwrap();
        self.focus.handle_sip(self.now, PROXY, message);
        self.settle();
    }

    /// Client `i` sends a SIP MESSAGE to `to` (pager mode) and gets its final response.
    pub fn message(&mut self, i: usize, to: &str, text: &str) -> Response {
        let request = self
            .base(i, Method::Message, &format!("<{to}>"))
            .body("text/plain", text.to_owned())
            .build()
            .unwrap();
        let text = String::from_utf8_lossy(request.as_bytes()).replacen(
            &format!("MESSAGE {ROOM} "),
            &format!("MESSAGE {to} "),
            1,
        );
        let request = match Message::parse_datagram(Bytes::from(text)).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        };
        self.deliver_sip(i, request);
        self.clients[i]
            .sip_in
            .iter()
            .rev()
            .find_map(|m| {
                m.as_response()
                    .filter(|r| {
                        r.headers()
                            .get(HeaderName::CSeq)
                            .is_some_and(|h| h.value().ends_with(b"MESSAGE"))
                    })
                    .cloned()
            })
            .unwrap()
    }

    /// The focus's path: from client `i`'s 200 (alone, or in the multipart body), or from
    /// the focus's INVITE to it.
    /// The focus's `a=path` for client `i` (from its 200, or from the focus's INVITE).
    #[must_use]
    pub fn focus_path(&self, i: usize) -> String {
        let c = &self.clients[i];
        let body = match (&c.ok, &c.invited) {
            (Some(ok), _) => ok.body(),
            (None, Some(invite)) => invite.body(),
            (None, None) => panic!("{} has no session with the focus", c.name),
        };
        let body = String::from_utf8_lossy(&body).into_owned();
        body.lines()
            .find_map(|l| l.strip_prefix("a=path:"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// The pending [`Connect`] for client `i`, taken out of [`Sim::connects`].
    fn take_connect(&mut self, i: usize) -> Connect {
        let p = self.clients[i].participant.unwrap();
        let at = self
            .connects
            .iter()
            .position(|c| c.participant == p)
            .unwrap_or_else(|| panic!("no connect for {}", self.clients[i].name));
        self.connects.remove(at)
    }

    /// The host opened the connection the focus asked for client `i` (a `passive` client):
    /// the client's [`Session`] starts and the focus is told
    /// ([`Focus::handle_msrp_connected`] with the participant); it then sends its bodiless
    /// SEND. Returns the [`Connect`] it asked for.
    pub fn accept_connect(&mut self, i: usize) -> Connect {
        let connect = self.take_connect(i);
        let path = self.clients[i].msrp_uri();
        let focus_path = self.focus_path(i);
        let config = SessionConfig::new(
            path.parse().unwrap(),
            focus_path.parse().unwrap(),
            Box::new(simpleim_msrp::SeededIds::new(77 + i as u64)),
        );
        self.clients[i].session = Some(Session::new(config));
        let conn = MsrpConn(i);
        self.clients[i].conn = Some(conn);
        self.focus
            .handle_msrp_connected(self.now, conn, Some(connect.participant));
        self.settle();
        connect
    }

    /// The connection the focus asked for client `i` could not be opened
    /// ([`Focus::handle_msrp_connect_failed`]).
    pub fn fail_connect(&mut self, i: usize) {
        let connect = self.take_connect(i);
        self.focus
            .handle_msrp_connect_failed(self.now, connect.participant);
        self.settle();
    }

    /// Client `i` refreshes (or with `expires` 0 ends) its subscription: a SUBSCRIBE in the
    /// dialog its last SUBSCRIBE's 200 created (RFC 6665 §4.1.2.1, §4.1.2.3).
    pub fn resubscribe(&mut self, i: usize, expires: u32) {
        let to = self.clients[i]
            .sip_in
            .iter()
            .rev()
            .find_map(|m| {
                let r = m.as_response()?;
                let subscribe = r.code() == 200
                    && r.headers()
                        .get(HeaderName::CSeq)
                        .is_some_and(|h| h.value().ends_with(b"SUBSCRIBE"));
                subscribe.then(|| r.headers().get(HeaderName::To).unwrap().value())
            })
            .unwrap_or_else(|| panic!("no 200 to a SUBSCRIBE of {}", self.clients[i].name));
        let sub = self
            .base(i, Method::Subscribe, &String::from_utf8_lossy(&to))
            .header_named("Event", "conference")
            .header_named("Expires", expires.to_string())
            .header_named("Accept", "application/conference-info+xml")
            .build()
            .unwrap();
        self.deliver_sip(i, sub);
    }

    /// Client `i`'s MSRP connection is lost: the focus is told
    /// ([`Focus::handle_msrp_closed`]), the client's session too.
    pub fn lose_connection(&mut self, i: usize) {
        let now = self.now;
        if let Some(conn) = self.clients[i].conn.take() {
            self.focus.handle_msrp_closed(now, conn);
        }
        if let Some(s) = self.clients[i].session.as_mut() {
            s.handle_connection_lost(now);
        }
        self.settle();
    }

    /// Client `i` stops (`false`) or resumes (`true`) reading its MSRP connection: the
    /// host's back-pressure ([`Focus::set_msrp_writable`]).
    pub fn set_reading(&mut self, i: usize, reading: bool) {
        if let Some(conn) = self.clients[i].conn {
            self.focus.set_msrp_writable(&conn, reading);
        }
        self.settle();
    }

    /// Client `i`'s session sends a CPIM message of `text/plain` from `from` to `to`;
    /// returns its Message-ID and the CPIM body as sent.
    pub fn send_cpim_to(
        &mut self,
        i: usize,
        from: simpleim_cpim::Address,
        to: simpleim_cpim::Address,
        text: &str,
    ) -> (simpleim_msrp::MessageId, Bytes) {
        let body = simpleim_cpim::conference_send(from, to, "text/plain", text.to_owned())
            .build()
            .unwrap();
        let bytes = body.as_bytes().clone();
        let now = self.now;
        let id = self.clients[i]
            .session
            .as_mut()
            .unwrap()
            .send_message(now, "message/cpim", bytes.clone(), SendOptions::new())
            .unwrap();
        self.settle();
        (id, bytes)
    }

    /// Client `i` leaves with a BYE in its dialog.
    pub fn leave(&mut self, i: usize) {
        let ok = self.clients[i].ok.clone().unwrap();
        let to = ok.headers().get(HeaderName::To).unwrap().value();
        let bye = self
            .base(i, Method::Bye, &String::from_utf8_lossy(&to))
            .build()
            .unwrap();
        self.deliver_sip(i, bye);
    }

    /// Client `i` subscribes to the room's conference event package (RFC 4575).
    pub fn subscribe(&mut self, i: usize) {
        let sub = self
            .base(i, Method::Subscribe, &format!("<{ROOM}>"))
            .header_named("Event", "conference")
            .header_named("Expires", "600")
            .header_named("Accept", "application/conference-info+xml")
            .build()
            .unwrap();
        self.deliver_sip(i, sub);
    }

    /// Client `i`'s session sends a CPIM message to the room, `From` = `from`.
    pub fn send_cpim(&mut self, i: usize, from: &str, text: &str) -> Bytes {
        let body = simpleim_cpim::conference_send(
            simpleim_cpim::Address::uri_only(from.to_owned()),
            simpleim_cpim::Address::uri_only(ROOM),
            "text/plain",
            text.to_owned(),
        )
        .build()
        .unwrap();
        let bytes = body.as_bytes().clone();
        let now = self.now;
        self.clients[i]
            .session
            .as_mut()
            .unwrap()
            .send_message(now, "message/cpim", bytes.clone(), SendOptions::new())
            .unwrap();
        self.settle();
        bytes
    }

    /// Client `i` asks for a nickname (RFC 7701).
    pub fn nickname(&mut self, i: usize, nickname: &str) {
        let now = self.now;
        self.clients[i]
            .session
            .as_mut()
            .unwrap()
            .send_nickname(now, nickname)
            .unwrap();
        self.settle();
    }

    /// Lets time pass (every timer that falls due fires).
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        let now = self.now;
        self.focus.handle_timeout(now);
        for c in &mut self.clients {
            if let Some(s) = c.session.as_mut() {
                s.handle_timeout(now);
            }
        }
        for side in &mut self.sides {
            side.session.handle_timeout(now);
        }
        self.settle();
    }

    fn deliver_sip(&mut self, i: usize, request: Request) {
        // As a host would: parsed again from its bytes.
        let message = Message::parse_datagram(request.as_bytes().clone()).unwrap();
        self.focus.handle_sip(self.now, SipConn(i), message);
        self.settle();
    }

    /// Drains the focus and the clients until nothing moves: SIP to the clients (NOTIFYs
    /// answered 200), MSRP both ways.
    pub fn settle(&mut self) {
        for _ in 0..MAX_ROUNDS {
            let mut moved = false;
            let mut replies = Vec::new();
            while let Some(t) = self.focus.poll_transmit() {
                moved = true;
                match t {
                    FocusTransmit::Sip(t) => {
                        let message = Message::parse_datagram(t.bytes().clone()).unwrap();
                        let to = if t.handle == PROXY {
                            self.proxy_client(&message)
                        } else {
                            Some(t.handle.0)
                        };
                        let Some(to) = to else {
                            // For the SIP/IP core itself (the answer to its REGISTER, ...).
                            self.proxy_in.push(message);
                            continue;
                        };
                        if let Message::Request(r) = &message {
                            if *r.method() == Method::Notify {
                                let reply = Response::for_request(r, 200, &mut SeededIds::new(5))
                                    .build()
                                    .unwrap();
                                replies.push((t.handle, reply));
                                self.clients[to]
                                    .notifies
                                    .push(String::from_utf8_lossy(&r.body()).into_owned());
                            }
                        }
                        self.clients[to].sip_in.push(message);
                    }
                    FocusTransmit::Msrp { conn, bytes }
                        if (RAW_CONN..SIDE_CONN).contains(&conn.0) =>
                    {
                        self.raw.push((conn, bytes));
                    }
                    FocusTransmit::Msrp { conn, bytes } if conn.0 >= SIDE_CONN => {
                        if let Some(side) = self.sides.get_mut(conn.0 - SIDE_CONN) {
                            side.session.handle_bytes(self.now, &bytes);
                        }
                    }
                    FocusTransmit::Msrp { conn, bytes } => {
                        let c = &mut self.clients[conn.0];
                        c.msrp_in.extend_from_slice(&bytes);
                        if let Some(s) = c.session.as_mut() {
                            s.handle_bytes(self.now, &bytes);
                        }
                    }
                }
            }
            while let Some(connect) = self.focus.poll_connect() {
                let passive = self
                    .clients
                    .iter()
                    .any(|c| c.participant == Some(connect.participant) && c.setup != "active");
                if !passive {
                    panic!("the clients connect themselves (a=setup:active): {connect:?}");
                }
                self.connects.push(connect);
            }
            while let Some(e) = self.focus.poll_event() {
                self.events.push(e);
            }
            for (handle, reply) in replies {
                let message = Message::parse_datagram(reply.as_bytes().clone()).unwrap();
                self.focus.handle_sip(self.now, handle, message);
            }
            for i in 0..self.clients.len() {
                let Some(conn) = self.clients[i].conn else {
                    continue;
                };
                let mut out = Vec::new();
                let c = &mut self.clients[i];
                if let Some(s) = c.session.as_mut() {
                    while let Some(b) = s.poll_transmit() {
                        out.extend_from_slice(&b);
                    }
                    while let Some(e) = s.poll_event() {
                        c.received.push(e);
                    }
                }
                if !out.is_empty() {
                    moved = true;
                    if self.clients[i].push {
                        self.focus.handle_push_msrp(self.now, conn, &out);
                    } else {
                        self.focus.handle_msrp(self.now, conn, &out);
                    }
                }
            }
            for side in &mut self.sides {
                let mut out = Vec::new();
                while let Some(b) = side.session.poll_transmit() {
                    out.extend_from_slice(&b);
                }
                while let Some(e) = side.session.poll_event() {
                    side.received.push(e);
                }
                if !out.is_empty() {
                    moved = true;
                    self.focus.handle_msrp(self.now, side.conn, &out);
                }
            }
            if !moved {
                return;
            }
        }
        panic!("the parties did not settle");
    }
}

/// The deferred-messaging service for [`FocusConfig::deferred`] (REQ: DEF-1, DEF-2): identity
/// `sip:im-store@conf.example.com`, MSRP on `conf.example.com:2856`, an in-memory store,
/// seeded identifiers.
#[must_use]
pub fn deferred_setup() -> simpleim_focus::DeferredSetup {
    use simpleim_focus::deferred::{DeferredConfig, MemoryStore, StoreLimits};
    let addr = |s: &str| {
        simpleim_sip::NameAddr::new(Uri::parse(&Bytes::copy_from_slice(s.as_bytes())).unwrap())
    };
    let mut next = 5000;
    let config = DeferredConfig::new(
        addr("sip:im-store@conf.example.com"),
        addr("sip:im-store@conf.example.com;transport=tcp"),
        SentBy::new("TCP", "conf.example.com", None),
        MsrpEndpoint::tcp("conf.example.com", 2856),
        Box::new(SeededIds::new(77)),
        Box::new(move || {
            next += 1;
            Box::new(simpleim_msrp::SeededIds::new(next)) as Box<dyn simpleim_msrp::IdGenerator>
        }),
    );
    simpleim_focus::DeferredSetup::new(config, Box::new(MemoryStore::new(StoreLimits::default())))
}

/// A third-party REGISTER from the S-CSCF for `sip:<user>@example.com` (REQ: DEF-2): CSeq
/// `n`, `Expires: <expires>` (0 de-registers). Send it with [`Sim::from_proxy`].
#[must_use]
pub fn third_party_register(user: &str, n: u32, expires: u32) -> Request {
    let text = format!(
        "REGISTER sip:conf.example.com SIP/2.0\r\n\
         Via: SIP/2.0/TCP scscf.example.com;branch=z9hG4bKreg{user}{n}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:scscf.example.com>;tag=s{n}\r\n\
         To: <sip:{user}@example.com>\r\n\
         Call-ID: reg-{user}\r\n\
         CSeq: {n} REGISTER\r\n\
         Contact: <sip:scscf.example.com>\r\n\
         Expires: {expires}\r\n\
         Content-Length: 0\r\n\r\n"
    );
    match Message::parse_datagram(Bytes::from(text)).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}
