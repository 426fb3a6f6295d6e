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
use simpleim_msrp::Event;
use simpleim_sdp::negotiate::{SdpAnswer, SdpOffer};
use simpleim_sip::{HeaderName, Message, Method, Response};
use simpleim_test_support::focus_files::{
    attr, file_bytes, file_invite, file_offer, push_file, push_file_chunked, response_in, selector,
    side_messages, take_file, take_file_when,
};
use simpleim_test_support::focus_sim::Sim;

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

/// The Warning header's value, or nothing.
fn warning(r: &Response) -> String {
    r.headers()
        .get(HeaderName::Warning)
        .map(|h| String::from_utf8_lossy(&h.value()).into_owned())
        .unwrap_or_default()
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

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    // REQ: SDP-2: whatever the file's size, the sender's chunking, the number of recipients
    // and whether each connects before or after its 200 reaches the focus, every recipient
    // gets the file exactly once, byte for byte, and the sender none.
    #[test]
    fn any_size_chunking_and_connection_order_delivers_the_file_once(
        size in 0usize..120_000,
        chunk in proptest::sample::select(vec![1000u64, 2048, 16_384, u64::MAX]),
        early in proptest::collection::vec(proptest::bool::ANY, 1..4),
    ) {
        let mut sim = sim_with_files(1 << 20);
        let sender = sim.add_client("s", Some("S"), false);
        sim.join(sender);
        let recipients: Vec<usize> = (0..early.len())
            .map(|k| {
                let i = sim.add_client(&format!("r{k}"), Some(&format!("R{k}")), false);
                sim.join(i);
                i
            })
            .collect();
        let file = file_bytes(size);
        let sel = selector("p.bin", "application/octet-stream", Some(size as u64));
        push_file_chunked(&mut sim, sender, &sel, file.clone(), chunk);
        for (r, early) in recipients.iter().zip(&early) {
            let side = take_file_when(&mut sim, *r, 200, *early).unwrap();
            let got = side_messages(&sim, side);
            proptest::prop_assert_eq!(got.len(), 1);
            proptest::prop_assert_eq!(&got[0].1, &file);
        }
        let delivered = sim
            .events
            .iter()
            .filter(|e| matches!(e, FocusEvent::FileDelivered { .. }))
            .count();
        proptest::prop_assert_eq!(delivered, recipients.len());
        proptest::prop_assert!(sim.clients[sender].messages().is_empty());
        proptest::prop_assert!(sim.requests(sender, &Method::Invite).is_empty());
    }
}
