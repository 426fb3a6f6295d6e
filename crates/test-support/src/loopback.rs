//! A client of a server on loopback, written with the library's own helpers over std sockets,
//! for the tests that run the chat server or a real peer as a process:
//!
//! - [`Conn`]: a TCP connection that keeps every byte it wrote and read (the client's view of
//!   the wire, to compare with a capture or to check what a relay did);
//! - [`SipConn`]: SIP over one such connection, with a conference subscription when it has
//!   one ([`Subscriber`]);
//! - [`Member`]: a member of a room, joined with [`ImClient`] (INVITE, 200, ACK), who can
//!   subscribe to the room's events, leave, and connect to the focus over MSRP;
//! - [`MsrpEndpoint`]: a `simpleim_msrp::Session` on a connection, with the events it gave.
//!
//! Every wait is bounded by [`STEP`] (or less); one that runs out panics, saying what it
//! waited for.
#![allow(
    clippy::disallowed_methods,
    clippy::indexing_slicing,
    reason = "the tests' host reads the clock to bound its waits; a read never passes its buffer"
)]

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_focus::client::{ClientConfig, ImClient, InviteOptions, JoinedSession};
use simpleim_sip::dialog::{SentBy, Subscriber, SubscriberConfig, SubscriberEvent};
use simpleim_sip::header::Event as EventHeader;
use simpleim_sip::{
    HeaderName, Limits, Message, Method, NameAddr, Response, SeededIds, StreamDecoder, Uri,
};

use crate::process::ChatServer;

mod msrp;
pub use msrp::{MsrpEndpoint, delivered, message_bodies, msrp_frames, received, sent};

/// Every wait is bounded by this.
pub const STEP: Duration = Duration::from_secs(5);

/// A TCP connection keeping every byte written and read.
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    /// Kept: `peer_addr` fails once the peer has reset the connection.
    ports: (u16, u16),
    closed: bool,
    /// Every byte written, in order.
    pub sent: Vec<u8>,
    /// Every byte read, in order.
    pub received: Vec<u8>,
}

impl Conn {
    /// Connects to `to`.
    #[must_use]
    pub fn connect(to: impl ToSocketAddrs) -> Self {
        Self::new(TcpStream::connect(to).expect("connect"))
    }

    /// Wraps a connected (blocking) stream, one accepted say.
    #[must_use]
    pub fn new(stream: TcpStream) -> Self {
        // One write, one segment, as far as this side goes.
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let ports = (
            stream.local_addr().expect("local address").port(),
            stream.peer_addr().expect("peer address").port(),
        );
        Self {
            stream,
            ports,
            closed: false,
            sent: Vec::new(),
            received: Vec::new(),
        }
    }

    /// (local port, peer port).
    #[must_use]
    pub const fn ports(&self) -> (u16, u16) {
        self.ports
    }

    /// Whether the peer closed or reset the connection.
    #[must_use]
    pub const fn is_closed(&self) -> bool {
        self.closed
    }

    /// Writes `bytes`, all of them.
    pub fn write(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
        self.sent.extend_from_slice(bytes);
    }

    /// Reads what arrives within `wait` (one read); the new bytes. The end of the connection
    /// or a reset (once the peer is done with it) reads as nothing.
    pub fn read(&mut self, wait: Duration) -> &[u8] {
        self.stream.set_read_timeout(Some(wait)).expect("timeout");
        let mut buf = [0u8; 16 * 1024];
        let n = match self.stream.read(&mut buf) {
            Ok(n) => {
                self.closed |= n == 0;
                n
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                self.closed = true;
                0
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => 0,
            Err(e) => panic!("read: {e}"),
        };
        self.received.extend_from_slice(&buf[..n]);
        &self.received[self.received.len() - n..]
    }

    /// Reads what is still coming until it has been quiet for 200 ms (at most [`STEP`]).
    pub fn drain(&mut self) {
        let deadline = Instant::now() + STEP;
        while Instant::now() < deadline && !self.read(Duration::from_millis(200)).is_empty() {}
    }
}

/// The connection a peer opens to `listener` within `within` (`None` when none comes).
///
/// # Panics
/// When accepting fails.
#[must_use]
pub fn accept_within(listener: &TcpListener, within: Duration) -> Option<Conn> {
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let deadline = Instant::now() + within;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).expect("blocking stream");
                return Some(Conn::new(stream));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// The method in a message's CSeq (empty without one).
#[must_use]
pub fn cseq_method(m: &Message) -> String {
    let cseq = m.headers().get(HeaderName::CSeq);
    cseq.and_then(|c| {
        let value = String::from_utf8_lossy(&c.value()).into_owned();
        value.split_whitespace().nth(1).map(str::to_owned)
    })
    .unwrap_or_default()
}

/// Whether a message is a final response to a `method` request.
pub fn final_for(method: &'static str) -> impl Fn(&Message) -> bool {
    move |m| m.as_response().is_some_and(|r| r.code() >= 200) && cseq_method(m) == method
}

/// Whether a message is a `method` request.
pub fn is_request(method: Method) -> impl Fn(&Message) -> bool {
    move |m| m.as_request().is_some_and(|r| r.method() == &method)
}

/// A client's SIP over one TCP connection, with its conference subscription when it has one.
#[derive(Debug)]
pub struct SipConn {
    /// The connection and its bytes.
    pub conn: Conn,
    decoder: StreamDecoder,
    /// The Via sent-by of its requests: TCP, 127.0.0.1 and its port.
    pub sent_by: SentBy,
    /// Its branch, tag and Call-ID generator.
    pub ids: SeededIds,
    /// Its subscription, fed the NOTIFYs and SUBSCRIBE responses [`SipConn::wait_for`] reads.
    pub subscriber: Option<Subscriber>,
    /// The NOTIFY bodies received.
    pub notifications: Vec<Bytes>,
}

impl SipConn {
    /// Connects to `to`, with the identifiers of `seed`.
    #[must_use]
    pub fn connect(to: impl ToSocketAddrs, seed: u64) -> Self {
        let conn = Conn::connect(to);
        let port = conn.ports().0;
        Self {
            conn,
            decoder: StreamDecoder::new(Limits::default()),
            sent_by: SentBy::new("TCP", "127.0.0.1", Some(port)),
            ids: SeededIds::new(seed),
            subscriber: None,
            notifications: Vec::new(),
        }
    }

    /// Writes a message.
    pub fn send(&mut self, message: &[u8]) {
        self.conn.write(message);
    }

    /// Hands what the subscriber has to send to the connection (SUBSCRIBEs, 200s to NOTIFYs)
    /// and keeps the bodies of the NOTIFYs it reports.
    pub fn drain_subscriber(&mut self) {
        let Some(s) = self.subscriber.as_mut() else {
            return;
        };
        let mut out = Vec::new();
        while let Some(m) = s.poll_transmit() {
            out.push(m);
        }
        while let Some(e) = s.poll_event() {
            if let SubscriberEvent::Notification { request } = e {
                self.notifications.push(request.body());
            }
        }
        for m in out {
            self.send(m.as_bytes());
        }
    }

    /// Reads messages until one `matches` (within [`STEP`]); NOTIFYs and SUBSCRIBE responses
    /// on the way go to the subscriber.
    ///
    /// # Panics
    /// When none comes in time (`what` says which), or the connection ends first.
    pub fn wait_for(&mut self, what: &str, matches: impl Fn(&Message) -> bool) -> Message {
        let deadline = Instant::now() + STEP;
        loop {
            while let Some(m) = self.decoder.decode().expect("a SIP message") {
                let now = Instant::now();
                if let Some(s) = self.subscriber.as_mut() {
                    match &m {
                        Message::Request(r) if r.method() == &Method::Notify => {
                            s.handle_request(now, r);
                        }
                        Message::Response(r) if cseq_method(&m) == "SUBSCRIBE" => {
                            s.handle_response(now, r);
                        }
                        _ => {}
                    }
                }
                self.drain_subscriber();
                if matches(&m) {
                    return m;
                }
            }
            assert!(
                !self.conn.is_closed(),
                "SIP: no {what}: the server closed the connection"
            );
            assert!(Instant::now() < deadline, "SIP: no {what} in time");
            let got = self.conn.read(Duration::from_millis(50)).to_vec();
            self.decoder.push(&got);
        }
    }

    /// Waits for a BYE and answers it 200.
    ///
    /// # Panics
    /// When none comes in time.
    pub fn answer_bye(&mut self) {
        let Message::Request(bye) = self.wait_for("a BYE", is_request(Method::Bye)) else {
            unreachable!("a request")
        };
        let ok = Response::for_request(&bye, 200, &mut self.ids)
            .build()
            .expect("a 200 to the BYE");
        self.send(ok.as_bytes());
    }
}

/// A member of a room: its SIP connection, its dialog with the focus, its MSRP path.
#[derive(Debug)]
pub struct Member {
    /// Its SIP over TCP.
    pub sip: SipConn,
    /// Its session in the room.
    pub joined: JoinedSession,
    /// Its MSRP path (`a=path`).
    pub path: String,
    name: String,
    room: String,
}

impl Member {
    /// Joins `room` of `server` as `name` (`sip:<name>@127.0.0.1`) over a new SIP/TCP
    /// connection: INVITE, 200, ACK. Its `a=path` names `msrp_port` on 127.0.0.1; `configure`
    /// changes the client's configuration before the INVITE (its `a=setup`, say).
    ///
    /// # Panics
    /// When the join is not answered 200 in time (the server's log is in the message).
    #[must_use]
    pub fn join(
        server: &ChatServer,
        room: &str,
        name: &str,
        msrp_port: u16,
        seed: u64,
        configure: impl FnOnce(&mut ClientConfig),
    ) -> Self {
        let mut sip = SipConn::connect(server.addr("sip-tcp"), seed);
        let path = format!("msrp://127.0.0.1:{msrp_port}/{name}-s1;tcp");
        let mut config =
            ClientConfig::new(&format!("sip:{name}@127.0.0.1"), sip.sent_by.clone(), &path)
                .expect("a client configuration")
                .with_display_name(name);
        configure(&mut config);
        let mut client = ImClient::new(config, Box::new(SeededIds::new(seed + 1)));
        let Ok(Uri::Sip(room_uri)) = Uri::parse(&Bytes::copy_from_slice(room.as_bytes())) else {
            panic!("not a SIP URI: {room}")
        };
        let invite = client
            .join_group(&room_uri, &InviteOptions::new())
            .expect("an INVITE");
        sip.send(invite.request().as_bytes());
        let Message::Response(ok) = sip.wait_for("200 to the INVITE", final_for("INVITE")) else {
            unreachable!("a response")
        };
        assert_eq!(ok.code(), 200, "{name}'s join: {ok:?}\n{}", server.log());
        let joined = invite.accept(&ok).expect("the focus's answer");
        let ack = joined
            .dialog()
            .ack(&ok, &sip.sent_by, &mut sip.ids)
            .expect("an ACK")
            .build()
            .expect("an ACK");
        sip.send(ack.as_bytes());
        Self {
            sip,
            joined,
            path,
            name: name.to_owned(),
            room: room.to_owned(),
        }
    }

    /// Subscribes to the room's conference events (RFC 4575; REQ: FOC-8) and checks the
    /// SUBSCRIBE is answered 200.
    ///
    /// # Panics
    /// When it is not, in time.
    pub fn subscribe(&mut self, seed: u64) {
        let addr = |s: String| NameAddr::new(Uri::parse(&Bytes::from(s)).expect("a URI"));
        let (name, port) = (&self.name, self.sip.conn.ports().0);
        let mut config = SubscriberConfig::new(
            addr(format!("sip:{name}@127.0.0.1")),
            addr(self.room.clone()),
            addr(format!("sip:{name}@127.0.0.1:{port};transport=tcp")),
            self.sip.sent_by.clone(),
            EventHeader::new("conference"),
            Box::new(SeededIds::new(seed)),
        );
        config.accept = vec!["application/conference-info+xml".to_owned()];
        self.sip.subscriber =
            Some(Subscriber::new(Instant::now(), config).expect("a subscription"));
        self.sip.drain_subscriber();
        let ok = self
            .sip
            .wait_for("200 to the SUBSCRIBE", final_for("SUBSCRIBE"));
        assert_eq!(ok.as_response().map(Response::code), Some(200), "{ok:?}");
    }

    /// Ends the subscription (a SUBSCRIBE with `Expires: 0`) and waits for its answer.
    ///
    /// # Panics
    /// When there is no subscription, or no answer in time.
    pub fn unsubscribe(&mut self) {
        self.sip
            .subscriber
            .as_mut()
            .expect("a subscription")
            .unsubscribe(Instant::now())
            .expect("an un-SUBSCRIBE");
        self.sip.drain_subscriber();
        self.sip
            .wait_for("200 to the un-SUBSCRIBE", final_for("SUBSCRIBE"));
    }

    /// Leaves the room: BYE, and checks its 200.
    ///
    /// # Panics
    /// When the BYE is not answered 200 in time.
    pub fn leave(&mut self) {
        let bye = self
            .joined
            .dialog_mut()
            .request(Method::Bye, &self.sip.sent_by, &mut self.sip.ids)
            .expect("a BYE")
            .build()
            .expect("a BYE");
        self.sip.send(bye.as_bytes());
        let ok = self.sip.wait_for("200 to the BYE", final_for("BYE"));
        assert_eq!(ok.as_response().map(Response::code), Some(200), "{ok:?}");
    }

    /// Connects to the focus's MSRP path (as `a=setup:active`) and binds the connection.
    #[must_use]
    pub fn connect_msrp(&self, seed: u64) -> MsrpEndpoint {
        MsrpEndpoint::connect(&self.path, &self.joined.focus_path().to_string(), seed)
    }
}
