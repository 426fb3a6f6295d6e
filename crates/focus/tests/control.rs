//! The SIP control plane of the focus, driven with SIP messages over a simulated clock.
//! Seeds: 002 §7.2.1.3 (INVITE checks and join), 000/001 §7.2.3.2 (anonymity), 002 §7.2.1.9
//! (leaving), 002 §7.1.2.4 (CANCEL).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_focus::control::{
    CommandError, Control, ControlConfig, ControlEvent, GroupPolicy, LeaveReason, Members,
    MsrpEndpoint, ParticipantId, RejectReason, RoomConfig, RoomError, RoomId,
};
use simpleim_sip::dialog::SentBy;
use simpleim_sip::header::{Allow, Contact, To, Warning};
use simpleim_sip::transaction::{TransactionConfig, Transmit, TransportHandle, cancel_request};
use simpleim_sip::{HeaderName, Message, Method, Request, Response, SeededIds, SipUri, Uri};

/// A peer of the focus: UDP by address name, or a TCP connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Peer {
    Udp(&'static str),
    Tcp(u32),
}

impl TransportHandle for Peer {
    fn is_reliable(&self) -> bool {
        matches!(self, Self::Tcp(_))
    }

    fn transport(&self) -> Option<&str> {
        Some(if self.is_reliable() { "TCP" } else { "UDP" })
    }
}

const ROOM: &str = "sip:chat-42@conf.example.net";

fn sip_uri(s: &str) -> SipUri {
    match Uri::parse(&Bytes::copy_from_slice(s.as_bytes())) {
        Ok(Uri::Sip(u)) => u,
        other => panic!("not a SIP URI: {other:?}"),
    }
}

fn uri(s: &str) -> Uri {
    Uri::parse(&Bytes::copy_from_slice(s.as_bytes())).unwrap()
}

fn config() -> ControlConfig {
    ControlConfig::new(
        SentBy::new("UDP", "conf.example.net", Some(5060)),
        MsrpEndpoint::tcp("msrp.conf.example.net", 2855),
        Box::new(SeededIds::new(11)),
        TransactionConfig::new(Box::new(SeededIds::new(12))),
    )
}

/// A focus with one room, and the simulated clock's start.
struct Harness {
    control: Control<Peer>,
    room: RoomId,
    now: Instant,
    wire: Vec<Transmit<Peer>>,
    events: Vec<ControlEvent>,
}

impl Harness {
    fn new(config: ControlConfig, room: RoomConfig) -> Self {
        let mut control = Control::new(config);
        let room = control.add_room(room).unwrap();
        Self {
            control,
            room,
            // The simulated clock's origin: only offsets from it matter.
            #[allow(
                clippy::disallowed_methods,
                reason = "a base instant for the simulated clock"
            )]
            now: Instant::now(),
            wire: Vec::new(),
            events: Vec::new(),
        }
    }

    fn default_room() -> Self {
        Self::new(config(), RoomConfig::new(sip_uri(ROOM)))
    }

    /// The drain loop of the module documentation.
    fn drain(&mut self) {
        while let Some(t) = self.control.poll_transmit() {
            self.wire.push(t);
        }
        while let Some(e) = self.control.poll_event() {
            self.events.push(e);
        }
    }

    fn receive(&mut self, from: Peer, message: impl Into<Message>) {
        // As a host would: the bytes are parsed again on arrival.
        let bytes = message.into().as_bytes().clone();
        let message = Message::parse_datagram(bytes).unwrap();
        self.control.handle_sip(self.now, from, message);
        self.drain();
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.control.handle_timeout(self.now);
        self.drain();
    }

    fn responses(&self) -> Vec<Response> {
        self.wire
            .iter()
            .filter_map(|t| t.message.as_response().cloned())
            .collect()
    }

    fn last_response(&self) -> Response {
        self.responses().pop().expect("no response sent")
    }

    fn take(&mut self) -> (Vec<Transmit<Peer>>, Vec<ControlEvent>) {
        (
            core::mem::take(&mut self.wire),
            core::mem::take(&mut self.events),
        )
    }
}

const OFFER: &str = "v=0\r\n\
o=bob 1 1 IN IP4 192.0.2.9\r\n\
s=-\r\n\
c=IN IP4 192.0.2.9\r\n\
t=0 0\r\n\
m=message 9000 TCP/MSRP *\r\n\
a=accept-types:message/cpim\r\n\
a=path:msrp://192.0.2.9:9000/bobsess;tcp\r\n\
a=setup:active\r\n";

/// An INVITE to the focus, OMA style, with each FOC-1 input adjustable.
#[derive(Clone)]
struct Invite {
    uri: &'static str,
    accept_contact: bool,
    isfocus: bool,
    asserted: Option<&'static str>,
    privacy_id: bool,
    sdp: Option<String>,
    call_id: String,
    branch: String,
    /// More headers, by name.
    extra: Vec<(&'static str, String)>,
}

impl Invite {
    fn new(n: u32) -> Self {
        Self {
            uri: ROOM,
            accept_contact: true,
            isfocus: false,
            asserted: Some("<sip:bob@example.org>"),
            privacy_id: false,
            sdp: Some(OFFER.to_owned()),
            call_id: format!("call-{n}@192.0.2.9"),
            branch: format!("z9hG4bKinv{n}"),
            extra: Vec::new(),
        }
    }

    fn build(&self) -> Request {
        let contact = if self.isfocus {
            "<sip:bob@192.0.2.9>;isfocus"
        } else {
            "<sip:bob@192.0.2.9>"
        };
        let mut b = Request::builder(Method::Invite, self.uri)
            .header(
                HeaderName::Via,
                format!("SIP/2.0/UDP 192.0.2.9:5060;branch={}", self.branch),
            )
            .header(HeaderName::MaxForwards, 70)
            .header(HeaderName::From, "\"Bob\" <sip:bob@example.org>;tag=b1")
            .header(HeaderName::To, format!("<{}>", self.uri))
            .header(HeaderName::CallId, &self.call_id)
            .header(HeaderName::CSeq, "1 INVITE")
            .header(HeaderName::Contact, contact);
        if self.accept_contact {
            b = b.header_named("Accept-Contact", "*;+g.oma.sip-im;require;explicit");
        }
        if let Some(pai) = self.asserted {
            b = b.header_named("P-Asserted-Identity", pai);
        }
        if self.privacy_id {
            b = b.header_named("Privacy", "id");
        }
        for (name, value) in &self.extra {
            b = b.header_named(name, value.clone());
        }
        if let Some(sdp) = &self.sdp {
            b = b.body("application/sdp", sdp.clone());
        }
        b.build().unwrap()
    }
}

fn warning(r: &Response) -> Option<(u16, String)> {
    let w: Warning = r.headers().typed()?.ok()?;
    Some((w.code(), String::from_utf8_lossy(&w.text()).into_owned()))
}

fn header(r: &Response, name: HeaderName) -> Vec<String> {
    r.headers()
        .get_all(name)
        .map(|f| String::from_utf8_lossy(&f.value()).into_owned())
        .collect()
}

/// The ACK for a 2xx to `invite` (RFC 3261 §13.2.2.4).
fn ack_for(invite: &Request, ok: &Response, branch: &str) -> Request {
    let to = ok.headers().get(HeaderName::To).unwrap().value();
    let call_id = invite.headers().get(HeaderName::CallId).unwrap().value();
    Request::builder(Method::Ack, "sip:chat-42@conf.example.net")
        .header(
            HeaderName::Via,
            format!("SIP/2.0/UDP 192.0.2.9:5060;branch={branch}"),
        )
        .header(HeaderName::MaxForwards, 70)
        .header(HeaderName::From, "\"Bob\" <sip:bob@example.org>;tag=b1")
        .header_named("To", to)
        .header_named("Call-ID", call_id)
        .header(HeaderName::CSeq, "1 ACK")
        .build()
        .unwrap()
}

/// A request in the dialog the 200 `ok` set up.
fn in_dialog(method: Method, ok: &Response, cseq: u32, body: Option<&str>) -> Request {
    in_dialog_with(method, ok, cseq, body, &[])
}

/// As [`in_dialog`], with more headers.
fn in_dialog_with(
    method: Method,
    ok: &Response,
    cseq: u32,
    body: Option<&str>,
    extra: &[(&str, &str)],
) -> Request {
    let to = ok.headers().get(HeaderName::To).unwrap().value();
    let call_id = ok.headers().get(HeaderName::CallId).unwrap().value();
    let mut b = Request::builder(method.clone(), "sip:chat-42@conf.example.net")
        .header(
            HeaderName::Via,
            format!("SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKdlg{cseq}"),
        )
        .header(HeaderName::MaxForwards, 70)
        .header(HeaderName::From, "\"Bob\" <sip:bob@example.org>;tag=b1")
        .header_named("To", to)
        .header_named("Call-ID", call_id)
        .header(HeaderName::CSeq, format!("{cseq} {method}"))
        .header(HeaderName::Contact, "<sip:bob@192.0.2.9>");
    for (name, value) in extra {
        b = b.header_named(name, *value);
    }
    if let Some(sdp) = body {
        b = b.body("application/sdp", sdp.to_owned());
    }
    b.build().unwrap()
}

fn joined(events: &[ControlEvent]) -> Option<ParticipantId> {
    events.iter().find_map(|e| match e {
        ControlEvent::Joined { participant, .. } => Some(*participant),
        _ => None,
    })
}

/// Joins one participant over UDP and returns its INVITE, the 200 and its id.
fn join(h: &mut Harness, n: u32) -> (Request, Response, ParticipantId) {
    let invite = Invite::new(n).build();
    h.receive(Peer::Udp("bob"), invite.clone());
    let ok = h.last_response();
    assert_eq!(ok.code(), 200, "{ok:?}");
    let pid = joined(&h.events).unwrap();
    h.take();
    (invite, ok, pid)
}

// --- FOC-2: the join ---------------------------------------------------------------------

#[test]
fn oma_invite_fixture_joins_with_the_focus_answer() {
    // REQ: FOC-1, FOC-2, SEC-1
    let mut h = Harness::new(
        config(),
        RoomConfig::new(sip_uri(ROOM)).with_display_name("Chat 42"),
    );
    let raw = include_bytes!("data/control/oma_invite.sip");
    let Message::Request(invite) = Message::parse_datagram(Bytes::from_static(raw)).unwrap() else {
        panic!("fixture is not a request");
    };
    h.receive(Peer::Udp("alice"), invite);
    let (wire, events) = h.take();
    assert_eq!(wire.len(), 1);
    assert_eq!(wire[0].handle, Peer::Udp("alice"));
    let Message::Response(ok) = &wire[0].message else {
        panic!()
    };
    assert_eq!(ok.code(), 200);

    // Contact = the room identity with isfocus (seed 002 §7.2.1.3 step 9; RFC 4579).
    let contact: Contact = ok.headers().typed().unwrap().unwrap();
    assert!(contact.is_focus());
    assert_eq!(
        contact.address().unwrap().uri().to_string(),
        "sip:chat-42@conf.example.net"
    );
    // The To got the focus's tag; Allow and the release version in Server.
    let to: To = ok.headers().typed().unwrap().unwrap();
    assert!(to.tag().is_some());
    let allow: Vec<Method> = ok
        .headers()
        .typed_all::<Allow>()
        .map(|a| a.unwrap().value().clone())
        .collect();
    assert_eq!(
        allow,
        [
            Method::Invite,
            Method::Ack,
            Method::Bye,
            Method::Cancel,
            Method::Options,
            Method::Update,
            Method::Refer
        ]
    );
    let server = header(ok, HeaderName::Server);
    assert_eq!(server.len(), 1);
    assert!(
        server[0].starts_with("IM-serv/OMA1.0 simpleim-focus/"),
        "{server:?}"
    );

    // The SDP answer (SDP-3): the focus's own path, message/cpim only, the wrapped types
    // both allow, and a setup role answering actpass.
    assert_eq!(header(ok, HeaderName::ContentType), ["application/sdp"]);
    let body = String::from_utf8(ok.body().to_vec()).unwrap();
    assert!(body.contains("m=message 2855 TCP/MSRP *\r\n"), "{body}");
    assert!(body.contains("a=accept-types:message/cpim\r\n"), "{body}");
    assert!(
        body.contains("a=accept-wrapped-types:text/plain image/jpeg\r\n"),
        "{body}"
    );
    assert!(
        body.contains("a=path:msrp://msrp.conf.example.net:2855/"),
        "{body}"
    );
    assert!(body.contains("a=setup:active\r\n"), "{body}");

    // Joined: identity from P-Asserted-Identity, not From (SEC-1), the MSRP details.
    let [
        ControlEvent::Joined {
            room,
            identity,
            from,
            anonymous,
            private_messages,
            msrp,
            release,
            ..
        },
    ] = events.as_slice()
    else {
        panic!("{events:?}")
    };
    assert_eq!(*room, h.room);
    assert_eq!(*identity, uri("sip:alice.asserted@example.net"));
    assert_eq!(
        from.as_ref(),
        b"\"Alice\" <sip:alice@example.net>;tag=1928301774"
    );
    assert!(!anonymous && *private_messages);
    assert_eq!(release.as_deref(), Some(&b"OMA1.0"[..]));
    let local = msrp.local.to_string();
    assert!(body.contains(&format!("a=path:{local}\r\n")), "{body}");
    assert_eq!(msrp.local.session_id().unwrap().len(), 24);
    assert_eq!(
        msrp.remote_path.to_string(),
        "msrp://198.51.100.7:7394/kjh29x97us;tcp"
    );
    assert_eq!(msrp.max_size, Some(65536));
    assert_eq!(msrp.accept_types.len(), 1);
    assert!(msrp.focus_connects, "actpass offered: the focus connects");
    assert_eq!(h.control.participants(h.room).len(), 1);
}

#[test]
fn the_200_is_retransmitted_over_udp_until_the_ack() {
    // REQ: FOC-2 (RFC 3261 §13.3.1.4: the transaction layer retransmits the 2xx)
    let mut h = Harness::default_room();
    let invite = Invite::new(1).build();
    h.receive(Peer::Udp("bob"), invite.clone());
    let ok = h.last_response();
    h.take();
    h.advance(Duration::from_millis(500));
    h.advance(Duration::from_millis(1000));
    let (wire, _) = h.take();
    assert_eq!(wire.len(), 2, "T1 and 2*T1");
    assert!(wire.iter().all(|t| t.message.as_bytes() == ok.as_bytes()));

    h.receive(Peer::Udp("bob"), ack_for(&invite, &ok, "z9hG4bKack1"));
    let (_, events) = h.take();
    assert!(matches!(
        events.as_slice(),
        [ControlEvent::Confirmed { .. }]
    ));
    h.advance(Duration::from_secs(10));
    assert!(h.take().0.is_empty(), "no retransmission after the ACK");
}

#[test]
fn over_tcp_the_answer_goes_on_the_connection() {
    // REQ: FOC-2
    let mut h = Harness::default_room();
    let invite = Invite::new(1).build();
    h.receive(Peer::Tcp(4), invite);
    let (wire, events) = h.take();
    assert_eq!(wire[0].handle, Peer::Tcp(4));
    assert!(joined(&events).is_some());
}

#[test]
fn no_ack_ends_the_participant_with_a_bye() {
    // REQ: FOC-6 (RFC 3261 §13.3.1.4: no ACK within 64*T1)
    let mut h = Harness::default_room();
    let (_, _, pid) = join(&mut h, 1);
    for _ in 0..40 {
        h.advance(Duration::from_secs(1));
    }
    let (wire, events) = h.take();
    assert!(
        events.iter().any(|e| matches!(e,
        ControlEvent::Left { participant, reason: LeaveReason::NoAck, .. } if *participant == pid))
    );
    assert!(
        wire.iter()
            .any(|t| matches!(&t.message, Message::Request(r) if *r.method() == Method::Bye))
    );
    assert!(h.control.participants(h.room).is_empty());
}

// --- FOC-1: the checks, each with its response, in order --------------------------------

/// Sends `invite` to a fresh focus with `room`, and returns the response and the event.
fn refuse(room: RoomConfig, invite: &Invite) -> (Response, Vec<ControlEvent>) {
    let mut h = Harness::new(config(), room);
    h.receive(Peer::Udp("bob"), invite.build());
    let r = h.last_response();
    let (_, events) = h.take();
    assert_eq!(h.control.participant_count(), 0);
    (r, events)
}

fn rejected_why(events: &[ControlEvent]) -> RejectReason {
    match events {
        [ControlEvent::Rejected { why, .. }] => why.clone(),
        other => panic!("{other:?}"),
    }
}

fn strict_room() -> RoomConfig {
    RoomConfig::new(sip_uri(ROOM)).with_policy(GroupPolicy {
        initiators: Members::Only(vec![uri("sip:carol@example.org")]),
        joiners: Members::Only(vec![uri("sip:carol@example.org")]),
        ..GroupPolicy::default()
    })
}

#[test]
fn step1_missing_im_feature_tag_is_403() {
    // REQ: FOC-1 (seed 002 §7.2.1.3 step 1: 403 "Forbidden")
    let invite = Invite {
        accept_contact: false,
        ..Invite::new(1)
    };
    let (r, events) = refuse(RoomConfig::new(sip_uri(ROOM)), &invite);
    assert_eq!((r.code(), r.reason()), (403, &b"Forbidden"[..]));
    assert_eq!(warning(&r), None);
    assert_eq!(rejected_why(&events), RejectReason::NotIm);
}

#[test]
fn step2_unknown_group_is_404_conference_uri_does_not_exist() {
    // REQ: FOC-1 (seed 002 §7.2.1.3 step 2: "Conference URI does not exist")
    let invite = Invite {
        uri: "sip:nochat@conf.example.net",
        ..Invite::new(1)
    };
    let (r, events) = refuse(RoomConfig::new(sip_uri(ROOM)), &invite);
    assert_eq!(r.code(), 404);
    assert_eq!(
        warning(&r),
        Some((399, "Conference URI does not exist".to_owned()))
    );
    assert_eq!(rejected_why(&events), RejectReason::UnknownConference);
}

#[test]
fn step3_isfocus_in_contact_is_403_isfocus_already_assigned() {
    // REQ: FOC-1 (seed 002 §7.2.1.3 step 3: 403 with "isfocus already assigned" in Warning)
    let invite = Invite {
        isfocus: true,
        ..Invite::new(1)
    };
    let (r, events) = refuse(RoomConfig::new(sip_uri(ROOM)), &invite);
    assert_eq!(r.code(), 403);
    assert_eq!(
        warning(&r),
        Some((399, "isfocus already assigned".to_owned()))
    );
    assert_eq!(rejected_why(&events), RejectReason::IsFocusAssigned);
}

#[test]
fn step4_no_asserted_identity_or_not_authorized_is_403() {
    // REQ: FOC-1, SEC-1 (seed 002 §7.2.1.3 step 4)
    let invite = Invite {
        asserted: None,
        ..Invite::new(1)
    };
    let (r, events) = refuse(RoomConfig::new(sip_uri(ROOM)), &invite);
    assert_eq!(r.code(), 403);
    assert_eq!(rejected_why(&events), RejectReason::NotAuthorized);

    let (r, events) = refuse(strict_room(), &Invite::new(2));
    assert_eq!(r.code(), 403);
    assert_eq!(warning(&r), None);
    assert_eq!(rejected_why(&events), RejectReason::NotAuthorized);
}

#[test]
fn step5_joining_policy_is_403() {
    // REQ: FOC-1 (seed 002 §7.2.1.3 step 5)
    let room = RoomConfig::new(sip_uri(ROOM)).with_policy(GroupPolicy {
        joiners: Members::Nobody,
        ..GroupPolicy::default()
    });
    let (r, events) = refuse(room, &Invite::new(1));
    assert_eq!(r.code(), 403);
    assert_eq!(rejected_why(&events), RejectReason::JoinNotAllowed);
}

#[test]
fn step6_anonymity_not_allowed_is_403_warning_119() {
    // REQ: FOC-1, ALIAS-1 (seed 000 §7.2.3.2 step 1: "' 119 Anonymity not allowed'")
    let invite = Invite {
        privacy_id: true,
        ..Invite::new(1)
    };
    let (r, events) = refuse(RoomConfig::new(sip_uri(ROOM)), &invite);
    assert_eq!(r.code(), 403);
    assert_eq!(warning(&r), Some((119, "Anonymity not allowed".to_owned())));
    let w = header(&r, HeaderName::Warning);
    assert_eq!(w, ["119 conf.example.net \"Anonymity not allowed\""]);
    assert_eq!(rejected_why(&events), RejectReason::AnonymityNotAllowed);
}

#[test]
fn anonymity_allowed_joins_anonymously() {
    // REQ: ALIAS-1, SEC-1
    let room = RoomConfig::new(sip_uri(ROOM)).with_policy(GroupPolicy {
        allow_anonymity: Members::Only(vec![uri("sip:bob@example.org")]),
        ..GroupPolicy::default()
    });
    let mut h = Harness::new(config(), room);
    let invite = Invite {
        privacy_id: true,
        ..Invite::new(1)
    };
    h.receive(Peer::Udp("bob"), invite.build());
    assert_eq!(h.last_response().code(), 200);
    assert!(h.events.iter().any(|e| matches!(e,
        ControlEvent::Joined { anonymous: true, identity, .. } if *identity == uri("sip:bob@example.org"))));
}

#[test]
fn step7_no_msrp_media_is_488_with_the_negotiator_warning() {
    // REQ: FOC-1 (seed 002 §7.2.1.3 step 7: 488 "Not Acceptable Here"), SDP-3
    let audio = OFFER.replace("m=message 9000 TCP/MSRP *", "m=audio 9000 RTP/AVP 0");
    let invite = Invite {
        sdp: Some(audio),
        ..Invite::new(1)
    };
    let (r, events) = refuse(RoomConfig::new(sip_uri(ROOM)), &invite);
    assert_eq!((r.code(), r.reason()), (488, &b"Not Acceptable Here"[..]));
    assert_eq!(
        warning(&r),
        Some((304, "no active MSRP media line offered".to_owned()))
    );
    assert!(matches!(rejected_why(&events), RejectReason::Media(_)));

    // An MSRP line without message/cpim: 305 with the negotiator's reason.
    let plain = OFFER.replace("accept-types:message/cpim", "accept-types:text/plain");
    let invite = Invite {
        sdp: Some(plain),
        ..Invite::new(2)
    };
    let (r, _) = refuse(RoomConfig::new(sip_uri(ROOM)), &invite);
    assert_eq!(r.code(), 488);
    assert_eq!(
        warning(&r),
        Some((305, "no common accept-types".to_owned()))
    );

    // No offer at all.
    let invite = Invite {
        sdp: None,
        ..Invite::new(3)
    };
    let (r, _) = refuse(RoomConfig::new(sip_uri(ROOM)), &invite);
    assert_eq!(r.code(), 488);
}

#[test]
fn a_request_failing_two_checks_gets_the_first_response() {
    // REQ: FOC-1 (the order of seed 002 §7.2.1.3)
    let bad_media = Some(OFFER.replace("m=message 9000 TCP/MSRP *", "m=audio 9000 RTP/AVP 0"));
    /// The INVITE, the room, the expected status and Warning.
    type Case = (Invite, RoomConfig, u16, Option<(u16, &'static str)>);
    let cases: Vec<Case> = vec![
        // 1 before 2
        (
            Invite {
                accept_contact: false,
                uri: "sip:nochat@conf.example.net",
                ..Invite::new(1)
            },
            RoomConfig::new(sip_uri(ROOM)),
            403,
            None,
        ),
        // 2 before 3
        (
            Invite {
                uri: "sip:nochat@conf.example.net",
                isfocus: true,
                ..Invite::new(2)
            },
            RoomConfig::new(sip_uri(ROOM)),
            404,
            Some((399, "Conference URI does not exist")),
        ),
        // 3 before 4
        (
            Invite {
                isfocus: true,
                ..Invite::new(3)
            },
            strict_room(),
            403,
            Some((399, "isfocus already assigned")),
        ),
        // 4 before 6
        (
            Invite {
                privacy_id: true,
                ..Invite::new(4)
            },
            strict_room(),
            403,
            None,
        ),
        // 6 before 7
        (
            Invite {
                privacy_id: true,
                sdp: bad_media,
                ..Invite::new(5)
            },
            RoomConfig::new(sip_uri(ROOM)),
            403,
            Some((119, "Anonymity not allowed")),
        ),
    ];
    for (invite, room, code, warn) in cases {
        let (r, _) = refuse(room, &invite);
        assert_eq!(r.code(), code, "{}", invite.call_id);
        assert_eq!(
            warning(&r),
            warn.map(|(c, t)| (c, t.to_owned())),
            "{}",
            invite.call_id
        );
    }
}

// --- FOC-6: leaving ----------------------------------------------------------------------

#[test]
fn bye_from_a_participant_is_200_and_left() {
    // REQ: FOC-6 (seed 002 §7.2.1.9)
    let mut h = Harness::default_room();
    let (invite, ok, pid) = join(&mut h, 1);
    h.receive(Peer::Udp("bob"), ack_for(&invite, &ok, "z9hG4bKack1"));
    h.take();
    h.receive(Peer::Udp("bob"), in_dialog(Method::Bye, &ok, 2, None));
    let (wire, events) = h.take();
    let [t] = wire.as_slice() else {
        panic!("{wire:?}")
    };
    let Message::Response(r) = &t.message else {
        panic!()
    };
    assert_eq!(r.code(), 200);
    assert!(matches!(events.as_slice(),
        [ControlEvent::Left { participant, reason: LeaveReason::Bye, .. }] if *participant == pid));
    assert!(h.control.participants(h.room).is_empty());
    assert!(h.control.session(pid).is_none());

    // The dialog is gone: another request in it gets 481.
    h.receive(Peer::Udp("bob"), in_dialog(Method::Update, &ok, 3, None));
    assert_eq!(h.last_response().code(), 481);
}

#[test]
fn remove_participant_sends_bye_in_the_dialog() {
    // REQ: FOC-6 (seed 002 §7.2.1.9: the focus generates a BYE)
    let mut h = Harness::default_room();
    let (_, ok, pid) = join(&mut h, 1);
    h.control.remove_participant(h.now, pid).unwrap();
    h.drain();
    let (wire, events) = h.take();
    let [t] = wire.as_slice() else {
        panic!("{wire:?}")
    };
    assert_eq!(t.handle, Peer::Udp("bob"));
    let Message::Request(bye) = &t.message else {
        panic!()
    };
    assert_eq!(*bye.method(), Method::Bye);
    assert_eq!(bye.uri_bytes(), "sip:bob@192.0.2.9");
    // From carries the focus's tag (the 200's To), To the participant's.
    let ok_to = ok.headers().get(HeaderName::To).unwrap().value();
    let bye_from = bye.headers().get(HeaderName::From).unwrap().value();
    assert_eq!(ok_to, bye_from);
    assert!(matches!(
        events.as_slice(),
        [ControlEvent::Left {
            reason: LeaveReason::Removed,
            ..
        }]
    ));
    assert_eq!(
        h.control.remove_participant(h.now, pid),
        Err(CommandError::UnknownParticipant(pid))
    );
}

#[test]
fn end_room_removes_everyone() {
    // REQ: FOC-6 (seed 002 §7.2.2.5)
    let mut h = Harness::default_room();
    join(&mut h, 1);
    join(&mut h, 2);
    assert_eq!(h.control.participants(h.room).len(), 2);
    h.control.end_room(h.now, h.room).unwrap();
    h.drain();
    let (wire, events) = h.take();
    assert_eq!(wire.len(), 2);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(
                e,
                ControlEvent::Left {
                    reason: LeaveReason::RoomEnded,
                    ..
                }
            ))
            .count(),
        2
    );
    assert!(h.control.participants(h.room).is_empty());
    // The room stays and can be joined again.
    join(&mut h, 3);
}

// --- FOC-7: CANCEL -----------------------------------------------------------------------

#[test]
fn cancel_of_a_pending_join_leaves_nothing_behind() {
    // REQ: FOC-7 (seed 002 §7.1.2.4; RFC 3261 §9.2)
    let mut cfg = config();
    cfg.confirm_joins = true;
    let mut h = Harness::new(cfg, RoomConfig::new(sip_uri(ROOM)));
    let invite = Invite::new(1).build();
    h.receive(Peer::Udp("bob"), invite.clone());
    let (wire, events) = h.take();
    assert!(wire.is_empty(), "nothing sent before the host decides");
    let [ControlEvent::JoinPending { participant, .. }] = events.as_slice() else {
        panic!("{events:?}")
    };
    let pid = *participant;
    assert_eq!(h.control.pending_count(), 1);
    assert!(h.control.pending_answer(pid).is_some());

    h.receive(Peer::Udp("bob"), cancel_request(&invite).unwrap());
    let mut codes: Vec<(u16, Method)> = h
        .responses()
        .iter()
        .map(|r| {
            let cseq: simpleim_sip::header::CSeq = r.headers().typed().unwrap().unwrap();
            (r.code(), cseq.method().clone())
        })
        .collect();
    codes.sort_by_key(|(c, _)| *c);
    assert_eq!(codes, [(200, Method::Cancel), (487, Method::Invite)]);
    let (_, events) = h.take();
    assert!(matches!(
        events.as_slice(),
        [ControlEvent::Rejected {
            status: 487,
            why: RejectReason::Cancelled,
            ..
        }]
    ));
    assert_eq!(h.control.pending_count(), 0);
    assert_eq!(h.control.participant_count(), 0);
    assert_eq!(
        h.control.accept_join(h.now, pid, None),
        Err(CommandError::NotPending(pid))
    );
    h.advance(Duration::from_secs(40));
    assert!(h.control.transactions().is_empty(), "no transaction left");
}

#[test]
fn pending_join_accepted_by_the_host_with_its_own_body() {
    // REQ: FOC-2 (the extension point for ALIAS-3's multipart body)
    let mut cfg = config();
    cfg.confirm_joins = true;
    let mut h = Harness::new(cfg, RoomConfig::new(sip_uri(ROOM)));
    h.receive(Peer::Udp("bob"), Invite::new(1).build());
    let (_, events) = h.take();
    let [ControlEvent::JoinPending { participant, .. }] = events.as_slice() else {
        panic!("{events:?}")
    };
    let sdp = h.control.pending_answer(*participant).unwrap().clone();
    let body = Bytes::from(
        [
            &b"--b\r\nContent-Type: application/sdp\r\n\r\n"[..],
            &sdp,
            b"\r\n--b--\r\n",
        ]
        .concat(),
    );
    h.control
        .accept_join(
            h.now,
            *participant,
            Some(("multipart/mixed;boundary=b".to_owned(), body.clone())),
        )
        .unwrap();
    h.drain();
    let ok = h.last_response();
    assert_eq!(ok.code(), 200);
    assert_eq!(ok.body(), body);
    assert!(joined(&h.events).is_some());
}

#[test]
fn pending_join_rejected_by_the_host() {
    // REQ: FOC-1 (a policy decided outside, e.g. after an XDM look-up)
    let mut cfg = config();
    cfg.confirm_joins = true;
    let mut h = Harness::new(cfg, RoomConfig::new(sip_uri(ROOM)));
    h.receive(Peer::Udp("bob"), Invite::new(1).build());
    let (_, events) = h.take();
    let [ControlEvent::JoinPending { participant, .. }] = events.as_slice() else {
        panic!()
    };
    assert_eq!(
        h.control.reject_join(h.now, *participant, 200),
        Err(CommandError::NotAFailure(200))
    );
    h.control.reject_join(h.now, *participant, 403).unwrap();
    h.drain();
    assert_eq!(h.last_response().code(), 403);
    assert_eq!(h.control.pending_count(), 0);
}

// --- limits (SEC-2) ----------------------------------------------------------------------

#[test]
fn a_full_room_answers_486() {
    // REQ: SEC-2
    let mut h = Harness::new(
        config(),
        RoomConfig::new(sip_uri(ROOM)).with_max_participants(1),
    );
    join(&mut h, 1);
    h.receive(Peer::Udp("bob"), Invite::new(2).build());
    let r = h.last_response();
    assert_eq!(r.code(), 486);
    assert_eq!(warning(&r), Some((399, "Too many participants".to_owned())));
    assert_eq!(h.control.participants(h.room).len(), 1);
}

#[test]
fn too_many_pending_joins_answer_503() {
    // REQ: SEC-2
    let mut cfg = config();
    cfg.confirm_joins = true;
    cfg.limits.max_pending = 1;
    let mut h = Harness::new(cfg, RoomConfig::new(sip_uri(ROOM)));
    h.receive(Peer::Udp("bob"), Invite::new(1).build());
    h.receive(Peer::Udp("bob"), Invite::new(2).build());
    assert_eq!(h.last_response().code(), 503);
    assert_eq!(h.control.pending_count(), 1);
}

#[test]
fn rooms_are_bounded_and_unique() {
    // REQ: SEC-2
    let mut cfg = config();
    cfg.limits.max_rooms = 1;
    let mut control = Control::<Peer>::new(cfg);
    let a = control.add_room(RoomConfig::new(sip_uri(ROOM))).unwrap();
    assert_eq!(
        control.add_room(RoomConfig::new(sip_uri("sip:chat-42@CONF.example.net"))),
        Err(RoomError::Duplicate(a))
    );
    assert_eq!(
        control.add_room(RoomConfig::new(sip_uri("sip:other@conf.example.net"))),
        Err(RoomError::TooManyRooms { limit: 1 })
    );
    assert_eq!(control.rooms().len(), 1);
    #[allow(
        clippy::disallowed_methods,
        reason = "a base instant for the simulated clock"
    )]
    let now = Instant::now();
    control.remove_room(now, a).unwrap();
    assert!(control.rooms().is_empty());
}

// --- other requests ------------------------------------------------------------------------

#[test]
fn options_unknown_methods_and_unknown_dialogs() {
    let mut h = Harness::default_room();
    let options = Request::builder(Method::Options, ROOM)
        .header(HeaderName::Via, "SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKopt")
        .header(HeaderName::MaxForwards, 70)
        .header(HeaderName::From, "<sip:bob@example.org>;tag=o1")
        .header(HeaderName::To, format!("<{ROOM}>"))
        .header(HeaderName::CallId, "opt-1")
        .header(HeaderName::CSeq, "1 OPTIONS")
        .build()
        .unwrap();
    h.receive(Peer::Udp("bob"), options);
    let r = h.last_response();
    assert_eq!(r.code(), 200);
    assert_eq!(header(&r, HeaderName::Allow).len(), 7);
    assert_eq!(header(&r, HeaderName::Accept), ["application/sdp"]);

    let message = Request::builder(Method::Message, ROOM)
        .header(HeaderName::Via, "SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKmsg")
        .header(HeaderName::MaxForwards, 70)
        .header(HeaderName::From, "<sip:bob@example.org>;tag=m1")
        .header(HeaderName::To, format!("<{ROOM}>"))
        .header(HeaderName::CallId, "msg-1")
        .header(HeaderName::CSeq, "1 MESSAGE")
        .body("text/plain", "hi")
        .build()
        .unwrap();
    h.receive(Peer::Udp("bob"), message);
    let r = h.last_response();
    assert_eq!(r.code(), 405);
    assert_eq!(header(&r, HeaderName::Allow).len(), 7);

    let unknown = Request::builder(Method::Extension(Bytes::from_static(b"FOO")), ROOM)
        .header(HeaderName::Via, "SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKfoo")
        .header(HeaderName::MaxForwards, 70)
        .header(HeaderName::From, "<sip:bob@example.org>;tag=f1")
        .header(HeaderName::To, format!("<{ROOM}>"))
        .header(HeaderName::CallId, "foo-1")
        .header(HeaderName::CSeq, "1 FOO")
        .build()
        .unwrap();
    h.receive(Peer::Udp("bob"), unknown);
    assert_eq!(h.last_response().code(), 501);

    let bye = Request::builder(Method::Bye, ROOM)
        .header(HeaderName::Via, "SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKbye")
        .header(HeaderName::MaxForwards, 70)
        .header(HeaderName::From, "<sip:bob@example.org>;tag=x1")
        .header(HeaderName::To, format!("<{ROOM}>;tag=nosuch"))
        .header(HeaderName::CallId, "bye-1")
        .header(HeaderName::CSeq, "2 BYE")
        .build()
        .unwrap();
    h.receive(Peer::Udp("bob"), bye);
    assert_eq!(h.last_response().code(), 481);
}

#[test]
fn reinvite_and_update_in_the_dialog() {
    // Minimal session modification until REQ: FOC-5.
    let mut h = Harness::default_room();
    let (invite, ok, pid) = join(&mut h, 1);
    h.receive(Peer::Udp("bob"), ack_for(&invite, &ok, "z9hG4bKack1"));
    h.take();

    // The same path, another max-size: 200 with o= version 2 and the same focus URI.
    let offer = format!("{OFFER}a=max-size:1000\r\n");
    h.receive(
        Peer::Udp("bob"),
        in_dialog(Method::Invite, &ok, 2, Some(&offer)),
    );
    let r = h.last_response();
    assert_eq!(r.code(), 200);
    let body = String::from_utf8(r.body().to_vec()).unwrap();
    let local = h.control.session(pid).unwrap().local.to_string();
    assert!(body.contains(&format!("a=path:{local}\r\n")), "{body}");
    assert!(body.contains(" 1 2 IN IP4 "), "{body}");
    assert_eq!(h.control.session(pid).unwrap().max_size, Some(1000));
    h.take();

    // A new path: 488 for now.
    let moved = OFFER.replace("bobsess", "elsewhere");
    h.receive(
        Peer::Udp("bob"),
        in_dialog(Method::Update, &ok, 3, Some(&moved)),
    );
    assert_eq!(h.last_response().code(), 488);

    // A session refresh without a body: 200.
    h.receive(Peer::Udp("bob"), in_dialog(Method::Update, &ok, 4, None));
    assert_eq!(h.last_response().code(), 200);
    assert_eq!(h.control.participants(h.room), [pid]);
}

#[test]
fn record_route_is_kept_for_the_dialog() {
    // REQ: FOC-2, FOC-6 (RFC 3261 §12.1.1: the 200 copies Record-Route; the BYE follows it)
    let mut h = Harness::default_room();
    let base = Invite::new(1).build();
    let text = String::from_utf8(base.as_bytes().to_vec())
        .unwrap()
        .replacen(
            "Max-Forwards: 70\r\n",
            "Max-Forwards: 70\r\nRecord-Route: <sip:p1.example.net;lr>\r\n",
            1,
        );
    let Message::Request(invite) = Message::parse_datagram(Bytes::from(text)).unwrap() else {
        panic!()
    };
    h.receive(Peer::Udp("proxy"), invite);
    let ok = h.last_response();
    assert_eq!(
        header(&ok, HeaderName::RecordRoute),
        ["<sip:p1.example.net;lr>"]
    );
    let pid = joined(&h.events).unwrap();
    h.take();
    h.control.remove_participant(h.now, pid).unwrap();
    h.drain();
    let (wire, _) = h.take();
    let Message::Request(bye) = &wire[0].message else {
        panic!()
    };
    assert_eq!(wire[0].handle, Peer::Udp("proxy"));
    assert_eq!(bye.uri_bytes(), "sip:bob@192.0.2.9");
    let route: Vec<String> = bye
        .headers()
        .get_all(HeaderName::Route)
        .map(|f| String::from_utf8_lossy(&f.value()).into_owned())
        .collect();
    assert_eq!(route, ["<sip:p1.example.net;lr>"]);
}

#[test]
fn control_is_send() {
    fn send<T: Send>() {}
    send::<Control<Peer>>();
}

#[test]
fn msrp_session_ids_differ_per_participant() {
    // REQ: FOC-2 (one focus URI per participant)
    let mut h = Harness::default_room();
    let (_, _, a) = join(&mut h, 1);
    let (_, _, b) = join(&mut h, 2);
    let sa = h
        .control
        .session(a)
        .unwrap()
        .local
        .session_id()
        .unwrap()
        .to_owned();
    let sb = h
        .control
        .session(b)
        .unwrap()
        .local
        .session_id()
        .unwrap()
        .to_owned();
    assert_ne!(sa, sb);
}

// --- FOC-3: starting a pre-defined group's session ---------------------------------------

const ALICE: &str = "sip:alice@example.org";
const CAROL: &str = "sip:carol@example.org";

/// A room whose members are Alice, Carol and Bob (the inviter of the tests).
fn group_room() -> RoomConfig {
    let members = [ALICE, CAROL, "sip:bob@example.org"]
        .iter()
        .map(|m| simpleim_sip::NameAddr::new(uri(m)))
        .collect();
    RoomConfig::new(sip_uri(ROOM)).with_members(members)
}

/// The focus's INVITEs on the wire, by target.
fn member_invites(h: &Harness) -> Vec<Request> {
    h.wire
        .iter()
        .filter_map(|t| t.message.as_request())
        .filter(|r| *r.method() == Method::Invite)
        .cloned()
        .collect()
}

fn invite_to(h: &Harness, target: &str) -> Request {
    member_invites(h)
        .into_iter()
        .find(|r| r.uri_bytes().as_ref() == target.as_bytes())
        .unwrap_or_else(|| panic!("no INVITE to {target}"))
}

/// A member's answer to the focus's INVITE (`seed` fixes its To tag).
fn member_answer(invite: &Request, code: u16, seed: u64) -> Response {
    let mut b = Response::for_request(invite, code, &mut SeededIds::new(seed));
    if code == 200 {
        let name = String::from_utf8_lossy(&invite.uri_bytes()).into_owned();
        let user = name.trim_start_matches("sip:").split('@').next().unwrap();
        b = b
            .header(HeaderName::Contact, format!("<sip:{user}@192.0.2.{seed}>"))
            .header_named("Server", "IM-client/OMA1.0")
            .body(
                "application/sdp",
                format!(
                    "v=0\r\no={user} 1 1 IN IP4 192.0.2.{seed}\r\ns=-\r\nc=IN IP4 192.0.2.{seed}\r\n\
                     t=0 0\r\nm=message 7000 TCP/MSRP *\r\na=accept-types:message/cpim\r\n\
                     a=path:msrp://192.0.2.{seed}:7000/{user}s;tcp\r\na=setup:active\r\n"
                ),
            );
    }
    b.build().unwrap()
}

fn codes_to(h: &Harness, method: &Method) -> Vec<u16> {
    h.responses()
        .iter()
        .filter(|r| {
            let cseq: simpleim_sip::header::CSeq = r.headers().typed().unwrap().unwrap();
            cseq.method() == method
        })
        .map(Response::code)
        .collect()
}

#[test]
fn a_predefined_group_start_invites_the_members_rings_once_and_answers_on_the_first_200() {
    // REQ: FOC-3 (seed 002 §7.2.1.3 step 8 and the 180/200 procedures)
    let mut h = Harness::new(config(), group_room());
    let invite = Invite::new(1).build();
    h.receive(Peer::Udp("bob"), invite.clone());
    // Bob waits; Alice and Carol are invited, Bob himself is not.
    assert!(codes_to(&h, &Method::Invite).iter().all(|c| *c == 100));
    let invites = member_invites(&h);
    assert_eq!(invites.len(), 2, "{invites:?}");
    assert_eq!(h.control.pending_count(), 1);
    assert_eq!(h.control.invitations_in_progress(), 2);
    let to_alice = invite_to(&h, ALICE);
    let hdr = |name: &str| {
        String::from_utf8_lossy(&to_alice.headers().get_named(name).next().unwrap().value())
            .into_owned()
    };
    assert!(hdr("Contact").contains(ROOM) && hdr("Contact").ends_with(";isfocus"));
    assert!(hdr("From").contains(ROOM) && hdr("From").contains(";tag="));
    assert!(hdr("To").contains(ALICE));
    assert!(hdr("Accept-Contact").contains("+g.oma.sip-im"));
    assert!(hdr("User-Agent").starts_with("IM-serv/OMA1.0"));
    let offer = String::from_utf8_lossy(&to_alice.body()).into_owned();
    assert!(offer.contains("m=message 2855 TCP/MSRP *"), "{offer}");
    assert!(offer.contains("a=path:msrp://msrp.conf.example.net:2855/"));
    assert!(offer.contains("a=setup:actpass"));
    let to_carol = invite_to(&h, CAROL);
    h.take();

    // The first 180 is relayed to Bob, once.
    h.receive(Peer::Udp("alice"), member_answer(&to_alice, 180, 21));
    h.receive(Peer::Udp("carol"), member_answer(&to_carol, 180, 22));
    assert_eq!(codes_to(&h, &Method::Invite), [180]);
    h.take();

    // Alice's 200: she is ACKed and in; Bob gets his 200 with the SDP answer.
    h.receive(Peer::Udp("alice"), member_answer(&to_alice, 200, 21));
    let acks: Vec<Request> = h
        .wire
        .iter()
        .filter_map(|t| t.message.as_request())
        .filter(|r| *r.method() == Method::Ack)
        .cloned()
        .collect();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].uri_bytes().as_ref(), b"sip:alice@192.0.2.21");
    let ok = h.last_response();
    assert_eq!(ok.code(), 200);
    assert!(String::from_utf8_lossy(&ok.body()).contains("a=path:msrp://msrp.conf.example.net"));
    assert!(header(&ok, HeaderName::Contact)[0].ends_with(";isfocus"));
    let (_, events) = h.take();
    let joined: Vec<Uri> = events
        .iter()
        .filter_map(|e| match e {
            ControlEvent::Joined { identity, .. } => Some(identity.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(joined, [uri(ALICE), uri("sip:bob@example.org")]);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ControlEvent::Confirmed { .. }))
    );
    let alice = h.control.participants(h.room)[0];
    let session = h.control.session(alice).unwrap();
    assert!(
        !session.focus_connects,
        "Alice answered active: she connects"
    );
    assert_eq!(
        session.remote_path.to_string(),
        "msrp://192.0.2.21:7000/alices;tcp"
    );

    // Carol declines: nothing changes for the others.
    h.receive(Peer::Udp("carol"), member_answer(&to_carol, 486, 22));
    assert!(h.responses().iter().all(|r| r.code() != 486));
    assert_eq!(h.control.participant_count(), 2);
    assert_eq!(h.control.invitations_in_progress(), 0);
    assert_eq!(h.control.pending_count(), 0);

    // A later INVITE joins the running session at once: no member is invited again.
    h.take();
    let mut dave = Invite::new(2);
    dave.asserted = Some("<sip:dave@example.org>");
    h.receive(Peer::Udp("dave"), dave.build());
    assert_eq!(h.last_response().code(), 200);
    assert!(member_invites(&h).is_empty());
}

#[test]
fn when_every_member_fails_the_inviter_gets_the_lowest_status() {
    // REQ: FOC-3 ("the lowest value received"), and nothing is left behind
    let mut h = Harness::new(config(), group_room());
    h.receive(Peer::Udp("bob"), Invite::new(1).build());
    let to_alice = invite_to(&h, ALICE);
    let to_carol = invite_to(&h, CAROL);
    h.receive(Peer::Udp("alice"), member_answer(&to_alice, 486, 21));
    assert!(codes_to(&h, &Method::Invite).iter().all(|c| *c == 100));
    h.receive(Peer::Udp("carol"), member_answer(&to_carol, 404, 22));
    assert_eq!(h.last_response().code(), 404);
    assert!(h.events.iter().any(|e| matches!(
        e,
        ControlEvent::Rejected {
            status: 404,
            why: RejectReason::MembersFailed,
            ..
        }
    )));
    assert_eq!(h.control.participant_count(), 0);
    assert_eq!(h.control.pending_count(), 0);
    h.advance(Duration::from_secs(40));
    assert!(h.control.transactions().is_empty(), "no transaction left");

    // The next INVITE starts the session again.
    h.take();
    h.receive(Peer::Udp("bob"), Invite::new(2).build());
    assert_eq!(member_invites(&h).len(), 2);
}

#[test]
fn a_member_that_never_answers_counts_as_408() {
    // REQ: FOC-3 (Timer B of the member's INVITE), policy Highest
    let mut room = group_room();
    room.all_failed = simpleim_focus::control::FinalStatusPolicy::Highest;
    let mut h = Harness::new(config(), room);
    h.receive(Peer::Udp("bob"), Invite::new(1).build());
    let to_carol = invite_to(&h, CAROL);
    h.receive(Peer::Udp("carol"), member_answer(&to_carol, 403, 22));
    h.advance(Duration::from_secs(33));
    assert_eq!(h.last_response().code(), 408);
}

#[test]
fn cancelling_the_start_cancels_the_member_invites() {
    // REQ: FOC-3, FOC-7 (RFC 3261 §9.1: CANCEL only after a provisional response)
    let mut h = Harness::new(config(), group_room());
    let invite = Invite::new(1).build();
    h.receive(Peer::Udp("bob"), invite.clone());
    let to_alice = invite_to(&h, ALICE);
    let to_carol = invite_to(&h, CAROL);
    h.receive(Peer::Udp("alice"), member_answer(&to_alice, 180, 21));
    h.take();
    h.receive(Peer::Udp("bob"), cancel_request(&invite).unwrap());
    let mut codes: Vec<u16> = h.responses().iter().map(Response::code).collect();
    codes.sort_unstable();
    assert_eq!(codes, [200, 487]);
    let cancels = |h: &Harness| -> Vec<String> {
        h.wire
            .iter()
            .filter_map(|t| t.message.as_request())
            .filter(|r| *r.method() == Method::Cancel)
            .map(|r| String::from_utf8_lossy(&r.uri_bytes()).into_owned())
            .collect()
    };
    assert_eq!(cancels(&h), [ALICE], "Carol has not answered yet");
    h.take();
    h.receive(Peer::Udp("carol"), member_answer(&to_carol, 180, 22));
    assert_eq!(cancels(&h), [CAROL]);
    h.take();
    // Alice's INVITE ends with 487; Carol answers 200 anyway: ACK, then BYE.
    h.receive(Peer::Udp("alice"), member_answer(&to_alice, 487, 21));
    h.receive(Peer::Udp("carol"), member_answer(&to_carol, 200, 22));
    let methods: Vec<Method> = h
        .wire
        .iter()
        .filter_map(|t| t.message.as_request())
        .map(|r| r.method().clone())
        .collect();
    assert!(
        methods.contains(&Method::Ack) && methods.contains(&Method::Bye),
        "{methods:?}"
    );
    assert_eq!(h.control.participant_count(), 0);
    assert_eq!(h.control.pending_count(), 0);
    assert_eq!(h.control.invitations_in_progress(), 0);
}

// --- FOC-9: session timers; FOC-5: the focus's own refreshes ---------------------------------

/// Joins Bob with session-timer headers; returns his INVITE and the 200.
fn join_with_timer(h: &mut Harness, extra: &[(&'static str, &str)]) -> (Request, Response) {
    let mut invite = Invite::new(1);
    invite.extra = extra.iter().map(|(n, v)| (*n, (*v).to_owned())).collect();
    let invite = invite.build();
    h.receive(Peer::Tcp(1), invite.clone());
    let ok = h.last_response();
    assert_eq!(ok.code(), 200, "{ok:?}");
    h.receive(Peer::Tcp(1), ack_for(&invite, &ok, "z9hG4bKack1"));
    h.take();
    (invite, ok)
}

fn left_why(events: &[ControlEvent]) -> Option<LeaveReason> {
    events.iter().find_map(|e| match e {
        ControlEvent::Left { reason, .. } => Some(*reason),
        _ => None,
    })
}

fn sent_requests(h: &Harness, method: &Method) -> Vec<Request> {
    h.wire
        .iter()
        .filter_map(|t| t.message.as_request())
        .filter(|r| r.method() == method)
        .cloned()
        .collect()
}

#[test]
fn a_join_negotiates_the_session_interval_and_a_too_small_one_gets_422() {
    // REQ: FOC-9 (RFC 4028 §9: 422 with Min-SE; the 2xx carries Session-Expires)
    let mut h = Harness::default_room();
    let mut small = Invite::new(9);
    small.extra = vec![
        ("Supported", "timer".to_owned()),
        ("Session-Expires", "60".to_owned()),
    ];
    h.receive(Peer::Tcp(1), small.build());
    let r = h.last_response();
    assert_eq!(r.code(), 422);
    assert_eq!(header(&r, HeaderName::MinSe), ["90"]);
    assert!(matches!(
        h.events.as_slice(),
        [ControlEvent::Rejected {
            status: 422,
            why: RejectReason::IntervalTooSmall,
            ..
        }]
    ));
    h.take();
    let (_, ok) = join_with_timer(
        &mut h,
        &[
            ("Supported", "timer"),
            ("Session-Expires", "120;refresher=uac"),
        ],
    );
    assert_eq!(
        header(&ok, HeaderName::SessionExpires),
        ["120;refresher=uac"]
    );
    assert_eq!(header(&ok, HeaderName::Require), ["timer"]);
}

#[test]
fn an_unrefreshed_session_expires_with_a_bye_and_a_refresh_keeps_it() {
    // REQ: FOC-9 (RFC 4028 §10: the non-refresher ends the session before the interval ends)
    let mut h = Harness::default_room();
    let (_, ok) = join_with_timer(
        &mut h,
        &[
            ("Supported", "timer"),
            ("Session-Expires", "120;refresher=uac"),
        ],
    );
    // Bob refreshes at 60 s with an UPDATE: 200 with the interval, the timer restarts.
    h.advance(Duration::from_secs(60));
    let update = in_dialog_with(
        Method::Update,
        &ok,
        2,
        None,
        &[
            ("Supported", "timer"),
            ("Session-Expires", "120;refresher=uac"),
        ],
    );
    h.receive(Peer::Tcp(1), update);
    let r = h.last_response();
    assert_eq!(r.code(), 200);
    assert_eq!(
        header(&r, HeaderName::SessionExpires),
        ["120;refresher=uac"]
    );
    h.take();
    h.advance(Duration::from_secs(80)); // 140 s: past the first interval, within the second
    assert!(sent_requests(&h, &Method::Bye).is_empty());
    assert_eq!(left_why(&h.events), None);
    h.advance(Duration::from_secs(20)); // 160 s > 60 + 120 - 32
    assert_eq!(sent_requests(&h, &Method::Bye).len(), 1);
    assert_eq!(left_why(&h.events), Some(LeaveReason::SessionExpired));
    assert_eq!(h.control.participant_count(), 0);
}

/// Answers the focus's refresh `request` with `code` (a 200 with Session-Expires, and an SDP
/// answer to a re-INVITE's offer).
fn refresh_answer(request: &Request, code: u16) -> Response {
    let mut b = Response::for_request(request, code, &mut SeededIds::new(3));
    if code == 200 {
        b = b
            .header_named("Session-Expires", "120;refresher=uac")
            .header(HeaderName::Contact, "<sip:bob@192.0.2.9>");
        if *request.method() == Method::Invite {
            b = b.body("application/sdp", OFFER);
        }
    }
    b.build().unwrap()
}

#[test]
fn the_focus_refreshes_with_update_when_the_participant_allows_it() {
    // REQ: FOC-5 (UPDATE only when the peer's Allow lists it), FOC-9 (the focus refreshes)
    let mut h = Harness::default_room();
    join_with_timer(
        &mut h,
        &[
            ("Supported", "timer"),
            ("Session-Expires", "120"),
            ("Allow", "INVITE, ACK, BYE, CANCEL, UPDATE"),
        ],
    );
    h.advance(Duration::from_secs(59));
    assert!(sent_requests(&h, &Method::Update).is_empty());
    h.advance(Duration::from_secs(1));
    let updates = sent_requests(&h, &Method::Update);
    assert_eq!(updates.len(), 1, "the refresh at half the interval");
    let se = updates[0]
        .headers()
        .get(HeaderName::SessionExpires)
        .unwrap()
        .value();
    assert_eq!(se.as_ref(), b"120;refresher=uac");
    assert!(updates[0].body().is_empty());
    h.take();
    h.receive(Peer::Tcp(1), refresh_answer(&updates[0], 200));
    // The timer restarted: the session lives past the first interval, and the focus
    // refreshes again half an interval after the 200.
    h.advance(Duration::from_secs(60));
    assert!(sent_requests(&h, &Method::Bye).is_empty());
    assert_eq!(sent_requests(&h, &Method::Update).len(), 1);
    assert_eq!(h.control.participant_count(), 1);
}

#[test]
fn without_update_the_focus_refreshes_with_a_reinvite_and_acks_it() {
    // REQ: FOC-5 (re-INVITE with an offer of the current media), FOC-9
    let mut h = Harness::default_room();
    join_with_timer(
        &mut h,
        &[("Supported", "timer"), ("Session-Expires", "120")],
    );
    h.advance(Duration::from_secs(60));
    assert!(sent_requests(&h, &Method::Update).is_empty());
    let reinvites = sent_requests(&h, &Method::Invite);
    assert_eq!(reinvites.len(), 1);
    let offer = String::from_utf8_lossy(&reinvites[0].body()).into_owned();
    assert!(offer.contains("o=- 1 2 IN IP4"), "version + 1: {offer}");
    assert!(offer.contains("a=path:msrp://msrp.conf.example.net:2855/"));
    h.take();
    h.receive(Peer::Tcp(1), refresh_answer(&reinvites[0], 200));
    assert_eq!(sent_requests(&h, &Method::Ack).len(), 1);
    h.advance(Duration::from_secs(80));
    assert!(sent_requests(&h, &Method::Bye).is_empty());
    assert_eq!(h.control.participant_count(), 1);
}

#[test]
fn a_refresh_answered_481_removes_the_participant() {
    // REQ: FOC-9 (RFC 5057 §5.1: the dialog is gone)
    let mut h = Harness::default_room();
    join_with_timer(
        &mut h,
        &[
            ("Supported", "timer"),
            ("Session-Expires", "120"),
            ("Allow", "INVITE, ACK, BYE, UPDATE"),
        ],
    );
    h.advance(Duration::from_secs(60));
    let update = sent_requests(&h, &Method::Update).remove(0);
    h.take();
    h.receive(Peer::Tcp(1), refresh_answer(&update, 481));
    assert_eq!(left_why(&h.events), Some(LeaveReason::SessionExpired));
    assert_eq!(h.control.participant_count(), 0);
}

// --- LMM-1: Large Message Mode ------------------------------------------------------------

const LMM_ACCEPT_CONTACT: &str =
    "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.largemsg\"";

/// Bob's large message to the group: no IM feature tag, the CPM large-message ICSI.
fn lmm_invite(n: u32) -> Invite {
    let mut invite = Invite::new(n);
    invite.accept_contact = false;
    invite.extra = vec![
        ("Accept-Contact", LMM_ACCEPT_CONTACT.to_owned()),
        ("User-Agent", "IM-client/OMA1.0".to_owned()),
    ];
    invite
}

fn lmm_room() -> RoomConfig {
    let mut room = group_room();
    room.services = simpleim_focus::control::GroupServices::with_large_message();
    room
}

#[test]
fn large_message_checks_in_the_seed_order_with_their_responses() {
    // REQ: LMM-1 (seed 003 steps 1, 2, 4, 5)
    // Step 1: not authorised.
    let mut room = lmm_room();
    room.policy = Box::new(GroupPolicy {
        initiators: Members::Only(vec![uri(ALICE)]),
        ..GroupPolicy::default()
    });
    let (r, events) = refuse(room, &lmm_invite(1));
    assert_eq!(r.code(), 403);
    assert_eq!(
        warning(&r),
        Some((399, "Service not authorised".to_owned()))
    );
    assert_eq!(rejected_why(&events), RejectReason::NotAuthorized);
    // Step 2: the group does not support the service.
    let (r, events) = refuse(group_room(), &lmm_invite(1));
    assert_eq!(r.code(), 404);
    assert_eq!(rejected_why(&events), RejectReason::ServiceNotSupported);
    // Step 4: a release the focus does not accept: 403 with Error-Info.
    let mut cfg = config();
    cfg.lmm.releases = Some(vec!["OMA2.0".to_owned()]);
    let mut h = Harness::new(cfg, lmm_room());
    h.receive(Peer::Udp("bob"), lmm_invite(1).build());
    let r = h.last_response();
    assert_eq!(r.code(), 403);
    assert_eq!(header(&r, HeaderName::ErrorInfo).len(), 1);
    assert_eq!(rejected_why(&h.events), RejectReason::ReleaseNotSupported);
    // Step 5: anonymity not allowed.
    let mut anonymous = lmm_invite(1);
    anonymous.privacy_id = true;
    let (r, events) = refuse(lmm_room(), &anonymous);
    assert_eq!(r.code(), 403);
    assert_eq!(warning(&r), Some((119, "Anonymity not allowed".to_owned())));
    assert_eq!(rejected_why(&events), RejectReason::AnonymityNotAllowed);
}

#[test]
fn a_large_message_invites_the_members_answers_on_the_first_200_and_ends_with_the_senders_bye() {
    // REQ: LMM-1 (temporary focus and B2BUA; BYE from the sender to every member)
    let mut h = Harness::new(config(), lmm_room());
    let invite = lmm_invite(1).build();
    h.receive(Peer::Tcp(1), invite.clone());
    let created: Vec<(RoomId, SipUri)> = h
        .events
        .iter()
        .filter_map(|e| match e {
            ControlEvent::RoomCreated {
                room,
                identity,
                group,
                ..
            } => {
                assert_eq!(
                    group.as_ref().map(ToString::to_string).as_deref(),
                    Some(ROOM)
                );
                Some((*room, identity.clone()))
            }
            _ => None,
        })
        .collect();
    let [(temp, session)] = created.as_slice() else {
        panic!("{:?}", h.events)
    };
    assert_ne!(*temp, h.room);
    assert_ne!(session.to_string(), ROOM);
    let to_alice = invite_to(&h, ALICE);
    let to_carol = invite_to(&h, CAROL);
    h.take();
    h.receive(Peer::Udp("alice"), member_answer(&to_alice, 200, 21));
    let ok = h.last_response();
    assert_eq!(ok.code(), 200);
    let contact = header(&ok, HeaderName::Contact)[0].clone();
    assert!(contact.contains(&session.to_string()) && contact.ends_with(";isfocus"));
    assert!(header(&ok, HeaderName::Server)[0].starts_with("IM-serv/OMA1.0"));
    assert!(!header(&ok, HeaderName::Allow).is_empty());
    h.receive(Peer::Tcp(1), ack_for(&invite, &ok, "z9hG4bKack1"));
    h.receive(Peer::Udp("carol"), member_answer(&to_carol, 200, 22));
    assert_eq!(h.control.participants(*temp).len(), 3);
    assert!(
        h.control.participants(h.room).is_empty(),
        "the group's own room is untouched"
    );
    h.take();

    // The sender's BYE: 200, a BYE to each member, the room released.
    h.receive(Peer::Tcp(1), in_dialog(Method::Bye, &ok, 2, None));
    assert!(h.responses().iter().any(|r| r.code() == 200));
    let byes: Vec<String> = sent_requests(&h, &Method::Bye)
        .iter()
        .map(|r| String::from_utf8_lossy(&r.uri_bytes()).into_owned())
        .collect();
    assert_eq!(byes.len(), 2, "{byes:?}");
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, ControlEvent::RoomReleased { room } if room == temp))
    );
    assert_eq!(h.control.participant_count(), 0);
    assert!(h.control.room(*temp).is_none());
}

#[test]
fn a_large_message_nobody_accepts_is_refused_and_its_room_released() {
    // REQ: LMM-1, FOC-3 (the lowest status)
    let mut h = Harness::new(config(), lmm_room());
    h.receive(Peer::Udp("bob"), lmm_invite(1).build());
    let to_alice = invite_to(&h, ALICE);
    let to_carol = invite_to(&h, CAROL);
    h.receive(Peer::Udp("alice"), member_answer(&to_alice, 480, 21));
    h.receive(Peer::Udp("carol"), member_answer(&to_carol, 486, 22));
    assert_eq!(h.last_response().code(), 480);
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, ControlEvent::RoomReleased { .. }))
    );
    assert_eq!(
        h.control.rooms().len(),
        1,
        "only the group's own room is left"
    );
}

#[test]
fn the_inviters_answer_keeps_only_the_types_the_first_member_accepted() {
    // REQ: FOC-3 with seed 002 §7.2.1.2/§7.2.1.3 (accept-types from the offer and the answer)
    let mut cfg = config();
    cfg.accept_types = ["message/cpim", "text/plain"]
        .iter()
        .map(|t| simpleim_sdp::attr::MediaRange::parse(&Bytes::from_static(t.as_bytes())).unwrap())
        .collect();
    let mut h = Harness::new(cfg, group_room());
    let mut invite = Invite::new(1);
    invite.sdp = Some(OFFER.replace(
        "a=accept-types:message/cpim",
        "a=accept-types:message/cpim text/plain",
    ));
    h.receive(Peer::Udp("bob"), invite.build());
    let to_alice = invite_to(&h, ALICE);
    assert!(
        String::from_utf8_lossy(&to_alice.body())
            .contains("a=accept-types:message/cpim text/plain")
    );
    // Alice's answer accepts message/cpim only.
    h.receive(Peer::Udp("alice"), member_answer(&to_alice, 200, 21));
    let ok = h.last_response();
    assert_eq!(ok.code(), 200);
    let answer = String::from_utf8_lossy(&ok.body()).into_owned();
    assert!(
        answer.contains("a=accept-types:message/cpim\r\n"),
        "{answer}"
    );
}

// --- FOC-4: ad-hoc groups from the conference factory ------------------------------------

const FACTORY: &str = "sip:factory@conf.example.net";

/// Bob's INVITE to the conference factory with his offer and a list of invitees.
fn adhoc_invite(n: u32, invitees: &[&str]) -> Request {
    let list = simpleim_focus::resource_lists::ResourceLists::from_uris(invitees.iter().copied());
    let body = simpleim_focus::resource_lists::recipient_list_body(
        Bytes::from_static(OFFER.as_bytes()),
        &list,
        "rl-boundary-1",
    )
    .unwrap();
    let mut invite = Invite::new(n);
    invite.uri = FACTORY;
    invite.sdp = None;
    let request = invite.build();
    // The same request with the multipart body.
    let text = String::from_utf8_lossy(request.as_bytes()).into_owned();
    let head = text.trim_end_matches("Content-Length: 0\r\n\r\n");
    let bytes = format!(
        "{head}Content-Type: {}\r\nContent-Length: {}\r\n\r\n{}",
        String::from_utf8_lossy(&body.content_type),
        body.body.len(),
        String::from_utf8_lossy(&body.body)
    );
    match Message::parse_datagram(Bytes::from(bytes)).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

fn factory_config() -> ControlConfig {
    let mut cfg = config();
    cfg.conference_factory = Some(sip_uri(FACTORY));
    cfg
}

#[test]
fn an_adhoc_invite_creates_a_session_and_invites_the_list_once_each() {
    // REQ: FOC-4 (seed 004 §6.1.3.2.2: the session identity in the Contact of the 200)
    let mut h = Harness::new(factory_config(), RoomConfig::new(sip_uri(ROOM)));
    // RFC 3261 §19.1.4: the host compares case-insensitively, the user part does not.
    let invite = adhoc_invite(
        1,
        &[ALICE, CAROL, "sip:alice@EXAMPLE.org", "sip:bob@example.org"],
    );
    h.receive(Peer::Udp("bob"), invite);
    let session = h
        .events
        .iter()
        .find_map(|e| match e {
            ControlEvent::RoomCreated { identity, .. } => Some(identity.to_string()),
            _ => None,
        })
        .expect("a temporary room");
    assert!(session.starts_with("sip:factory-adhoc-"), "{session}");
    let targets: Vec<String> = member_invites(&h)
        .iter()
        .map(|r| String::from_utf8_lossy(&r.uri_bytes()).into_owned())
        .collect();
    assert_eq!(targets, [ALICE, CAROL], "deduplicated, without the inviter");
    let to_alice = invite_to(&h, ALICE);
    h.receive(Peer::Udp("alice"), member_answer(&to_alice, 200, 21));
    let ok = h.last_response();
    assert_eq!(ok.code(), 200);
    let contact = header(&ok, HeaderName::Contact)[0].clone();
    assert!(
        contact.contains(&session) && contact.ends_with(";isfocus"),
        "{contact}"
    );
    assert!(String::from_utf8_lossy(&ok.body()).contains("a=path:msrp://msrp.conf.example.net"));
    h.take();

    // Someone not on the list cannot join the session.
    let mut dave = Invite::new(2);
    dave.asserted = Some("<sip:dave@example.org>");
    let session_uri: &'static str = Box::leak(session.into_boxed_str());
    dave.uri = session_uri;
    let (r, _) = {
        h.receive(Peer::Udp("dave"), dave.build());
        (h.last_response(), ())
    };
    assert_eq!(r.code(), 403);
}

#[test]
fn an_adhoc_list_over_the_maximum_size_is_403() {
    // REQ: FOC-4 (MAX-ADHOC-GROUP-SIZE), SEC-2
    let mut cfg = factory_config();
    cfg.limits.max_adhoc_group_size = 1;
    let mut h = Harness::new(cfg, RoomConfig::new(sip_uri(ROOM)));
    h.receive(Peer::Udp("bob"), adhoc_invite(1, &[ALICE, CAROL]));
    let r = h.last_response();
    assert_eq!(r.code(), 403);
    assert_eq!(
        warning(&r),
        Some((399, "Maximum ad-hoc group size exceeded".to_owned()))
    );
    assert_eq!(rejected_why(&h.events), RejectReason::GroupTooLarge);
    assert!(member_invites(&h).is_empty());
    assert_eq!(h.control.rooms().len(), 1);
}

#[test]
fn an_invite_to_the_factory_without_a_list_is_refused() {
    // REQ: FOC-4
    let mut h = Harness::new(factory_config(), RoomConfig::new(sip_uri(ROOM)));
    let mut plain = Invite::new(1);
    plain.uri = FACTORY;
    h.receive(Peer::Udp("bob"), plain.build());
    let r = h.last_response();
    assert!((400..500).contains(&r.code()), "{r:?}");
    assert!(member_invites(&h).is_empty());
    assert_eq!(h.control.rooms().len(), 1, "no room was created");
}

#[test]
fn a_group_start_invites_no_more_members_than_the_room_holds() {
    // REQ: FOC-3, SEC-2 (regression: a fuzzed group of three members in a room of three got
    // four participants)
    let mut h = Harness::new(config(), group_room().with_max_participants(2));
    let mut invite = Invite::new(1);
    invite.asserted = Some("<sip:dave@example.org>");
    h.receive(Peer::Udp("dave"), invite.build());
    assert_eq!(member_invites(&h).len(), 1, "Dave and one member fit");
    let first = member_invites(&h).remove(0);
    h.receive(Peer::Udp("m"), member_answer(&first, 200, 21));
    assert_eq!(h.control.participants(h.room).len(), 2);
}

// --- ALIAS-1, REFER variant: a participant asks the focus to invite someone --------------

fn notifies(h: &Harness) -> Vec<(String, String)> {
    sent_requests(h, &Method::Notify)
        .iter()
        .map(|r| {
            let state = r
                .headers()
                .get_named("Subscription-State")
                .next()
                .unwrap()
                .value();
            (
                String::from_utf8_lossy(&r.body()).into_owned(),
                String::from_utf8_lossy(&state).into_owned(),
            )
        })
        .collect()
}

#[test]
fn a_refer_from_a_participant_invites_the_referee_and_notifies_the_outcome() {
    // REQ: ALIAS-1 (REFER without method), FOC-2 (RFC 4579 §5.5, RFC 3515)
    let mut h = Harness::default_room();
    let (_, ok, _) = join(&mut h, 1);
    let refer = in_dialog_with(
        Method::Refer,
        &ok,
        2,
        None,
        &[("Refer-To", "<sip:carol@example.org>")],
    );
    h.receive(Peer::Udp("bob"), refer);
    assert_eq!(h.last_response().code(), 202);
    assert_eq!(
        notifies(&h),
        [(
            "SIP/2.0 100 Trying\r\n".to_owned(),
            "active;expires=60".to_owned()
        )]
    );
    let to_carol = invite_to(&h, CAROL);
    h.take();
    h.receive(Peer::Udp("carol"), member_answer(&to_carol, 200, 22));
    assert_eq!(sent_requests(&h, &Method::Ack).len(), 1);
    assert_eq!(
        notifies(&h),
        [(
            "SIP/2.0 200 OK\r\n".to_owned(),
            "terminated;reason=noresource".to_owned()
        )]
    );
    assert_eq!(h.control.participants(h.room).len(), 2);

    // Referring someone already in the room is refused.
    h.take();
    let again = in_dialog_with(
        Method::Refer,
        &ok,
        3,
        None,
        &[("Refer-To", "<sip:carol@example.org>")],
    );
    h.receive(Peer::Udp("bob"), again);
    assert_eq!(h.last_response().code(), 403);
    assert!(member_invites(&h).is_empty());
}

#[test]
fn an_anonymous_refer_where_anonymity_is_not_allowed_is_403_warning_119() {
    // REQ: ALIAS-1 (seed 000 §7.2.3.2: "a SIP REFER request that is without a method
    // parameter ... or ... INVITE and the user requests for privacy")
    let mut h = Harness::default_room();
    let (_, ok, _) = join(&mut h, 1);
    for (cseq, refer_to) in [
        (2, "<sip:carol@example.org>"),
        (3, "<sip:carol@example.org;method=INVITE>"),
    ] {
        let refer = in_dialog_with(
            Method::Refer,
            &ok,
            cseq,
            None,
            &[("Refer-To", refer_to), ("Privacy", "id")],
        );
        h.receive(Peer::Udp("bob"), refer);
        let r = h.last_response();
        assert_eq!(r.code(), 403, "{refer_to}");
        assert_eq!(warning(&r), Some((119, "Anonymity not allowed".to_owned())));
        assert!(member_invites(&h).is_empty());
        h.take();
    }
    // Another method in Refer-To is not supported.
    let bye = in_dialog_with(
        Method::Refer,
        &ok,
        4,
        None,
        &[("Refer-To", "<sip:carol@example.org;method=BYE>")],
    );
    h.receive(Peer::Udp("bob"), bye);
    assert_eq!(h.last_response().code(), 501);
}

// --- FOC-3: groups from the directory ----------------------------------------------------

#[test]
fn a_group_of_the_directory_becomes_a_room_on_its_first_invite() {
    // REQ: FOC-3 (the Shared-Group XDM document as the directory's model)
    let mut directory = simpleim_focus::control::MemoryDirectory::new();
    let members = [ALICE, CAROL]
        .iter()
        .map(|m| simpleim_sip::NameAddr::new(uri(m)))
        .collect();
    let mut team = simpleim_focus::control::GroupDefinition::new(
        sip_uri("sip:team@conf.example.net"),
        members,
    );
    team.display_name = Some("The team".to_owned());
    directory.insert(team);
    assert_eq!(directory.len(), 1);
    let mut cfg = config();
    cfg.directory = Some(Box::new(directory));
    let mut h = Harness::new(cfg, RoomConfig::new(sip_uri(ROOM)));
    let mut invite = Invite::new(1);
    invite.uri = "sip:team@conf.example.net";
    h.receive(Peer::Udp("bob"), invite.build());
    let created = h.events.iter().find_map(|e| match e {
        ControlEvent::RoomCreated {
            room,
            identity,
            display_name,
            ..
        } => Some((*room, identity.to_string(), display_name.clone())),
        _ => None,
    });
    let (room, identity, name) = created.expect("the group became a room");
    assert_eq!(identity, "sip:team@conf.example.net");
    assert_eq!(name.as_deref(), Some("The team"));
    assert_eq!(member_invites(&h).len(), 2, "its session starts (FOC-3)");
    assert_eq!(h.control.rooms().len(), 2);
    // A URI in no room and not in the directory is still 404.
    h.take();
    let mut other = Invite::new(2);
    other.uri = "sip:nobody@conf.example.net";
    h.receive(Peer::Udp("bob"), other.build());
    assert_eq!(h.last_response().code(), 404);
    assert!(h.control.room(room).is_some());
}

#[test]
fn requests_of_the_focus_name_the_transport_of_their_handle_in_via() {
    // RFC 3261 §18.1.1 (the configured sent-by is UDP; Bob came over TCP)
    let mut h = Harness::default_room();
    let invite = Invite::new(1).build();
    h.receive(Peer::Tcp(1), invite.clone());
    let ok = h.last_response();
    h.receive(Peer::Tcp(1), ack_for(&invite, &ok, "z9hG4bKack1"));
    let pid = joined(&h.events).unwrap();
    h.take();
    h.control.remove_participant(h.now, pid).unwrap();
    h.drain();
    let bye = sent_requests(&h, &Method::Bye).remove(0);
    let via = bye.headers().get(HeaderName::Via).unwrap().value();
    assert!(via.starts_with(b"SIP/2.0/TCP conf.example.net"), "{via:?}");
}
