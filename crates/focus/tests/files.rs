//! File transfers through a room (RFC 5547): a participant pushes a file to the room with an
//! INVITE of its own, the focus takes it on a transfer leg and offers it to every other
//! participant with INVITEs of its own, and sends it on each leg that is accepted. Driven by
//! the simulated clients of `simpleim_test_support::focus_sim`, with the transfer sessions
//! on side connections ([`Sim::open_side`]).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::time::Duration;

use bytes::Bytes;
use simpleim_focus::FocusEvent;
use simpleim_focus::control::{FILE_TOO_LARGE, FileTransferConfig, NOT_A_PARTICIPANT};
use simpleim_msrp::{Event, SendOptions};
use simpleim_sdp::attr::{AcceptTypes, FileSelector, FileTransferId, MediaRange, Path, Setup};
use simpleim_sdp::negotiate::{
    FileOffer, MsrpCapabilities, Offerer, SdpAnswer, SdpOffer, answer_session,
};
use simpleim_sdp::{Origin, SessionDescription};
use simpleim_sip::{HeaderName, Message, Method, Request, Response, SeededIds};
use simpleim_test_support::focus_sim::{ROOM, Sim};

// --- helpers ---------------------------------------------------------------------------------

/// A room whose focus relays files up to `max` octets.
fn sim_with_files(max: u64) -> Sim {
    Sim::with_config(|c| {
        let mut ft = FileTransferConfig::default();
        ft.max_file_size = max;
        c.control.file_transfer = Some(ft);
    })
}

/// Alice, Bob and Carol in the room.
fn three(sim: &mut Sim) -> (usize, usize, usize) {
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let c = sim.add_client("carol", Some("Carol"), false);
    for i in [a, b, c] {
        sim.join(i);
    }
    (a, b, c)
}

fn origin(host: &str) -> Origin<'_> {
    Origin {
        username: "-",
        session_id: 7,
        session_version: 1,
        net_type: "IN",
        addr_type: "IP4",
        unicast_address: host,
    }
}

/// The URI of client `name`'s file session `n`.
fn file_uri(name: &str, n: u32) -> String {
    format!("msrp://{name}.example.com:7777/{name}-file{n};tcp")
}

fn selector(name: &str, media_type: &str, size: Option<u64>) -> FileSelector {
    let mut b = FileSelector::builder()
        .name(name)
        .media_type(MediaRange::parse(&Bytes::copy_from_slice(media_type.as_bytes())).unwrap());
    if let Some(size) = size {
        b = b.size(size);
    }
    b.build().unwrap()
}

/// Client `name`'s RFC 5547 offer of `selector` (`push`: sendonly; else recvonly).
fn file_offer(name: &str, selector: &FileSelector, push: bool) -> Bytes {
    let host = format!("{name}.example.com");
    let caps = MsrpCapabilities::builder(
        Path::parse(&Bytes::from(file_uri(name, 1))).unwrap(),
        AcceptTypes::parse(&Bytes::from(
            selector.media_type().map(ToString::to_string).unwrap(),
        ))
        .unwrap(),
    )
    .setup(Setup::Active)
    .build();
    let (_, offer) = Offerer::new(caps)
        .create_file_offer(
            &origin(&host),
            &FileOffer {
                selector: selector.clone(),
                transfer_id: FileTransferId::new(&format!("{name}-transfer-1")).unwrap(),
                push,
            },
        )
        .unwrap();
    offer.to_bytes()
}

/// Client `i`'s INVITE to the room with `sdp`, in a dialog of its own (`call_id`).
fn file_invite(sim: &Sim, i: usize, call_id: &str, sdp: Bytes) -> Request {
    let c = &sim.clients[i];
    Request::builder(Method::Invite, ROOM)
        .header(
            HeaderName::Via,
            format!("SIP/2.0/TCP {}.example.com;branch=z9hG4bK{call_id}", c.name),
        )
        .header(HeaderName::MaxForwards, 70)
        .header_named("From", format!("<{}>;tag={}-{call_id}", c.identity, c.name))
        .header_named("To", format!("<{ROOM}>"))
        .header(HeaderName::CallId, call_id)
        .header(HeaderName::CSeq, "1 INVITE")
        .header(
            HeaderName::Contact,
            format!("<sip:{}@{}.example.com;transport=tcp>", c.name, c.name),
        )
        .header_named("Accept-Contact", "*;+g.oma.sip-im")
        .header_named("P-Asserted-Identity", format!("<{}>", c.identity))
        .header_named("User-Agent", "IM-client/OMA1.0")
        .body("application/sdp", sdp)
        .build()
        .unwrap()
}

/// The final response to client `i`'s request in dialog `call_id`.
fn response_in(sim: &Sim, i: usize, call_id: &str) -> Response {
    sim.clients[i]
        .sip_in
        .iter()
        .rev()
        .filter_map(Message::as_response)
        .find(|r| {
            r.code() >= 200
                && r.headers()
                    .get(HeaderName::CallId)
                    .is_some_and(|h| h.value() == call_id.as_bytes())
        })
        .cloned()
        .unwrap_or_else(|| panic!("no response in {call_id}: {:?}", sim.clients[i].sip_in))
}

/// The value of the first `a=<name>` of the first media line of `sdp`.
fn attr(sdp: &SessionDescription, name: &str) -> Option<String> {
    sdp.media()[0]
        .attribute(name)
        .map(|a| a.value.unwrap_or_default().to_owned())
}

fn warning(r: &Response) -> String {
    r.headers()
        .get(HeaderName::Warning)
        .map(|h| String::from_utf8_lossy(&h.value()).into_owned())
        .unwrap_or_default()
}

/// Client `i` pushes `body` as `selector`'s file: its INVITE, the 200, ACK, a side
/// connection, the SEND. Returns the 200.
fn push_file(sim: &mut Sim, i: usize, selector: &FileSelector, body: Bytes) -> Response {
    let name = sim.clients[i].name.clone();
    let call_id = format!("ft-{name}");
    let invite = file_invite(sim, i, &call_id, file_offer(&name, selector, true));
    sim.deliver(i, &Message::Request(invite.clone()));
    let ok = response_in(sim, i, &call_id);
    assert_eq!(ok.code(), 200, "{ok:?}");
    let to =
        String::from_utf8_lossy(&ok.headers().get(HeaderName::To).unwrap().value()).into_owned();
    let ack = Request::builder(Method::Ack, ROOM)
        .header(
            HeaderName::Via,
            format!("SIP/2.0/TCP {name}.example.com;branch=z9hG4bK{call_id}-ack"),
        )
        .header(HeaderName::MaxForwards, 70)
        .header_named(
            "From",
            invite.headers().get(HeaderName::From).unwrap().value(),
        )
        .header_named("To", to)
        .header(HeaderName::CallId, call_id.as_str())
        .header(HeaderName::CSeq, "1 ACK")
        .build()
        .unwrap();
    sim.deliver(i, &Message::Request(ack));
    let answer = SdpAnswer::parse(ok.body()).unwrap();
    let focus_path = attr(answer.as_sdp(), "path").unwrap();
    let side = sim.open_side(&file_uri(&name, 1), &focus_path);
    let now = sim.now;
    let content_type = selector.media_type().unwrap().to_string();
    sim.sides[side]
        .session
        .send_message(now, &content_type, body, SendOptions::new())
        .unwrap();
    sim.settle();
    ok
}

/// Client `i` answers the focus's last file INVITE with `code`; with 200 it connects (its
/// answer says `a=setup:active`) and binds the connection with a bodiless SEND. Returns
/// the side's index with 200.
fn take_file(sim: &mut Sim, i: usize, code: u16) -> Option<usize> {
    take_file_when(sim, i, code, false)
}

/// As [`take_file`]; with `early` the client connects and binds before its 200 reaches the
/// focus (RFC 4975 §5.4 allows it: the answerer is the active side).
fn take_file_when(sim: &mut Sim, i: usize, code: u16, early: bool) -> Option<usize> {
    let invite = sim.requests(i, &Method::Invite).pop().expect("an INVITE");
    let name = sim.clients[i].name.clone();
    let mut b = Response::for_request(&invite, code, &mut SeededIds::new(40 + i as u64));
    let mut side_path = None;
    if code == 200 {
        let offer = SdpOffer::parse(invite.body()).unwrap();
        let caps = MsrpCapabilities::builder(
            Path::parse(&Bytes::from(file_uri(&name, 2))).unwrap(),
            AcceptTypes::parse(&Bytes::from_static(b"*")).unwrap(),
        )
        .setup(Setup::Active)
        .file_transfer(true)
        .build();
        let host = format!("{name}.example.com");
        let (answer, session) = answer_session(&offer, &caps, &origin(&host)).unwrap();
        assert!(session.connects());
        side_path = Some(session.remote_path().to_string());
        b = b
            .header(
                HeaderName::Contact,
                format!("<sip:{name}@{name}.example.com;transport=tcp>"),
            )
            .body("application/sdp", answer.to_bytes());
    }
    let response = Message::Response(b.build().unwrap());
    let Some(focus_path) = side_path else {
        sim.deliver(i, &response);
        return None;
    };
    if !early {
        sim.deliver(i, &response);
    }
    let local = file_uri(&name, 2);
    let side = sim.open_side(&local, &focus_path);
    let conn = sim.sides[side].conn;
    let bind = format!(
        "MSRP fbind{i} SEND\r\nTo-Path: {focus_path}\r\nFrom-Path: {local}\r\n\
         Message-ID: fbind{i}\r\nByte-Range: 1-0/0\r\n-------fbind{i}$\r\n"
    );
    let now = sim.now;
    sim.focus.handle_msrp(now, conn, bind.as_bytes());
    sim.settle();
    if early {
        sim.deliver(i, &response);
    }
    Some(side)
}

/// The complete messages a side session received: (Content-Type, body).
fn side_messages(sim: &Sim, side: usize) -> Vec<(Bytes, Bytes)> {
    sim.sides[side]
        .received
        .iter()
        .filter_map(|e| match e {
            Event::Message {
                content_type, body, ..
            } => Some((content_type.clone(), body.clone())),
            _ => None,
        })
        .collect()
}

/// A file of `n` bytes that is not all the same byte.
fn file_bytes(n: usize) -> Bytes {
    (0..n).map(|k| (k % 251) as u8).collect::<Vec<u8>>().into()
}

// --- tests -------------------------------------------------------------------------------------

// REQ: SDP-2, FOC-2: a file pushed to the room (RFC 5547 §8.1) reaches every other
// participant, byte for byte, on a transfer leg the focus offers each of them; the legs end
// with BYE once delivered.
#[test]
fn a_file_pushed_to_the_room_reaches_every_other_participant_byte_exact() {
    let mut sim = sim_with_files(1 << 20);
    let (a, b, c) = three(&mut sim);
    let file = file_bytes(300_000);
    let sel = selector("photo.jpg", "image/jpeg", Some(file.len() as u64));
    let ok = push_file(&mut sim, a, &sel, file.clone());

    // The 200: recvonly, the selector and transfer id echoed, the focus's own path.
    let answer = SdpAnswer::parse(ok.body()).unwrap();
    let sdp = answer.as_sdp();
    assert!(sdp.media()[0].attribute("recvonly").is_some());
    assert_eq!(attr(sdp, "file-selector").unwrap(), sel.to_string());
    assert_eq!(attr(sdp, "file-transfer-id").unwrap(), "alice-transfer-1");
    assert!(
        attr(sdp, "path")
            .unwrap()
            .starts_with("msrp://conf.example.com:2855/")
    );
    let contact = String::from_utf8_lossy(&ok.headers().get(HeaderName::Contact).unwrap().value())
        .into_owned();
    assert!(contact.contains("isfocus"), "{contact}");

    // The focus took the file and offered it to Bob and Carol.
    let alice = sim.clients[a].participant.unwrap();
    assert!(
        sim.events.iter().any(|e| matches!(e,
            FocusEvent::FileReceived { from, size, recipients: 2, name: Some(n), .. }
                if *from == alice && *size == file.len() as u64 && n == "photo.jpg")),
        "{:?}",
        sim.events
    );
    for i in [b, c] {
        let invites = sim.requests(i, &Method::Invite);
        assert_eq!(invites.len(), 1, "one file offer to {i}");
        let invite = &invites[0];
        let from =
            String::from_utf8_lossy(&invite.headers().get(HeaderName::From).unwrap().value())
                .into_owned();
        assert!(
            from.starts_with("\"Alice\" <sip:chat@conf.example.com>"),
            "{from}"
        );
        let offer = SdpOffer::parse(invite.body()).unwrap();
        let m = offer.as_sdp();
        assert!(m.media()[0].attribute("sendonly").is_some());
        assert_eq!(attr(m, "file-selector").unwrap(), sel.to_string());
        // A new transfer, a new id (RFC 5547 §6).
        let id = attr(m, "file-transfer-id").unwrap();
        assert_ne!(id, "alice-transfer-1");
        assert_eq!(attr(m, "accept-types").unwrap(), "image/jpeg");
        let uri = String::from_utf8_lossy(&invite.uri_bytes()).into_owned();
        assert!(
            uri.starts_with(&format!("sip:{}@", sim.clients[i].name)),
            "{uri}"
        );
    }
    let sb = take_file(&mut sim, b, 200).unwrap();
    let sc = take_file(&mut sim, c, 200).unwrap();
    for (i, side) in [(b, sb), (c, sc)] {
        // The 2xx was acknowledged, the file arrived whole, once, with its type.
        assert_eq!(sim.requests(i, &Method::Ack).len(), 1);
        let got = side_messages(&sim, side);
        assert_eq!(got.len(), 1, "{:?}", sim.sides[side].received);
        assert_eq!(got[0].0, Bytes::from_static(b"image/jpeg"));
        assert_eq!(got[0].1, file);
        let to = sim.clients[i].participant.unwrap();
        assert!(sim.events.iter().any(|e| matches!(e,
            FocusEvent::FileDelivered { from, to: t, .. } if *from == alice && *t == to)));
        // The focus ended the leg.
        let bye = sim.requests(i, &Method::Bye);
        assert_eq!(bye.len(), 1, "{:?}", sim.clients[i].sip_in);
        assert_eq!(
            bye[0].headers().get(HeaderName::CallId).unwrap().value(),
            sim.requests(i, &Method::Invite)[0]
                .headers()
                .get(HeaderName::CallId)
                .unwrap()
                .value()
        );
    }
    // Alice's chat session is untouched: no file in anyone's chat.
    assert!(sim.clients[b].messages().is_empty());
    assert!(sim.clients[a].messages().is_empty());
    // The sender's session got its 200s.
    assert!(
        sim.sides[0]
            .received
            .iter()
            .any(|e| matches!(e, Event::Sent { .. }))
    );
    // Bob and Carol are still in the room.
    assert_eq!(sim.focus.control().participants(sim.room).len(), 3);
}

// REQ: SDP-2, FOC-1: a file offer from who is not in the room gets 403; a pull gets 488;
// a file over the limit gets 488 "File too large"; without file transfer configured the
// offer is refused as media (488).
#[test]
fn file_offers_the_focus_refuses() {
    let mut sim = sim_with_files(1000);
    let a = sim.add_client("alice", Some("Alice"), false);
    let d = sim.add_client("dave", Some("Dave"), false);
    sim.join(a);
    let small = selector("a.txt", "text/plain", Some(10));

    let invite = file_invite(&sim, d, "ft-dave", file_offer("dave", &small, true));
    sim.deliver(d, &Message::Request(invite));
    let r = response_in(&sim, d, "ft-dave");
    assert_eq!(r.code(), 403);
    assert!(warning(&r).contains(NOT_A_PARTICIPANT), "{}", warning(&r));

    let invite = file_invite(&sim, a, "ft-pull", file_offer("alice", &small, false));
    sim.deliver(a, &Message::Request(invite));
    assert_eq!(response_in(&sim, a, "ft-pull").code(), 488);

    let big = selector("b.bin", "application/octet-stream", Some(1001));
    let invite = file_invite(&sim, a, "ft-big", file_offer("alice", &big, true));
    sim.deliver(a, &Message::Request(invite));
    let r = response_in(&sim, a, "ft-big");
    assert_eq!(r.code(), 488);
    assert!(warning(&r).contains(FILE_TOO_LARGE), "{}", warning(&r));
    assert!(
        !sim.events
            .iter()
            .any(|e| matches!(e, FocusEvent::FileReceived { .. }))
    );

    let mut plain = Sim::new();
    let a = plain.add_client("alice", Some("Alice"), false);
    plain.join(a);
    let invite = file_invite(&plain, a, "ft-off", file_offer("alice", &small, true));
    plain.deliver(a, &Message::Request(invite));
    let r = response_in(&plain, a, "ft-off");
    assert_eq!(r.code(), 488, "{r:?}");
}

// REQ: SDP-2: a recipient that declines gets nothing and the host learns its status; the
// others get the file all the same.
#[test]
fn a_recipient_that_declines_is_reported_and_the_others_still_get_the_file() {
    let mut sim = sim_with_files(1 << 20);
    let (a, b, c) = three(&mut sim);
    let file = file_bytes(5000);
    let sel = selector("notes.txt", "text/plain", Some(5000));
    push_file(&mut sim, a, &sel, file.clone());
    assert!(take_file(&mut sim, b, 603).is_none());
    let sc = take_file(&mut sim, c, 200).unwrap();
    assert_eq!(side_messages(&sim, sc)[0].1, file);
    let bob = sim.clients[b].participant.unwrap();
    assert!(
        sim.events.iter().any(|e| matches!(e,
            FocusEvent::FileFailed { to: Some(t), status: 603, .. } if *t == bob)),
        "{:?}",
        sim.events
    );
    assert_eq!(
        sim.events
            .iter()
            .filter(|e| matches!(e, FocusEvent::FileDelivered { .. }))
            .count(),
        1
    );
}

// REQ: SDP-2: a file that is not the size its selector announced is not relayed (RFC 5547
// §5); the sender's leg is ended by the focus once the bind timeout has passed.
#[test]
fn a_file_not_matching_its_selector_is_not_relayed_and_a_lingering_leg_is_ended() {
    let mut sim = sim_with_files(1 << 20);
    let (a, b, _) = three(&mut sim);
    let sel = selector("x.bin", "application/octet-stream", Some(100));
    push_file(&mut sim, a, &sel, file_bytes(99));
    let alice = sim.clients[a].participant.unwrap();
    assert!(sim.events.iter().any(|e| matches!(e,
        FocusEvent::FileFailed { from, to: None, status: 400, .. } if *from == alice)));
    assert!(sim.requests(b, &Method::Invite).is_empty());
    // Alice never sends BYE for her leg: the focus does, after the bind timeout.
    assert!(
        sim.requests(a, &Method::Bye).is_empty(),
        "{:?}",
        sim.clients[a].sip_in
    );
    sim.advance(Duration::from_secs(31));
    let byes = sim.requests(a, &Method::Bye);
    assert_eq!(byes.len(), 1);
    assert_eq!(
        byes[0].headers().get(HeaderName::CallId).unwrap().value(),
        Bytes::from_static(b"ft-alice")
    );
    // Her chat session stays.
    assert_eq!(sim.focus.control().participants(sim.room).len(), 3);
}

// REQ: SDP-2, SEC-2: a file over the limit that its selector did not size is refused by
// MSRP (413) and never offered.
#[test]
fn an_unsized_file_over_the_limit_is_refused_with_413() {
    let mut sim = sim_with_files(10_000);
    let (a, b, _) = three(&mut sim);
    let sel = selector("big.bin", "application/octet-stream", None);
    push_file(&mut sim, a, &sel, file_bytes(20_000));
    let failures: Vec<u16> = sim.sides[0]
        .received
        .iter()
        .filter_map(|e| match e {
            Event::SendFailed { status, .. } => Some(status.code),
            _ => None,
        })
        .collect();
    assert_eq!(
        failures,
        vec![413],
        "{:?}\n{:?}",
        sim.sides[0].received,
        sim.events
    );
    assert!(sim.requests(b, &Method::Invite).is_empty());
    assert!(
        !sim.events
            .iter()
            .any(|e| matches!(e, FocusEvent::FileReceived { .. }))
    );
}

// REQ: SDP-2: a recipient may connect and bind before its 2xx reaches the focus (the
// answerer is the active side and connects as soon as it answers, RFC 4975 §5.4): the
// focus holds the connection for the offered leg and sends the file once the 2xx comes.
#[test]
fn a_recipient_that_connects_before_its_200_arrives_gets_the_file() {
    let mut sim = sim_with_files(1 << 20);
    let (a, b, c) = three(&mut sim);
    let file = file_bytes(10_000);
    let sel = selector("early.bin", "application/octet-stream", Some(10_000));
    push_file(&mut sim, a, &sel, file.clone());
    let sb = take_file_when(&mut sim, b, 200, true).unwrap();
    let sc = take_file_when(&mut sim, c, 200, true).unwrap();
    for side in [sb, sc] {
        let got = side_messages(&sim, side);
        assert_eq!(got.len(), 1, "{:?}", sim.sides[side].received);
        assert_eq!(got[0].1, file);
    }
    // The bodiless SEND of the early connection was answered 200, not 481.
    assert!(
        !sim.sides[sb]
            .received
            .iter()
            .any(|e| matches!(e, Event::SendFailed { .. }))
    );
}
