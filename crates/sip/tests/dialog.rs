//! Dialogs (RFC 3261 §12, §13.2.2.4, §14, §15): creation on both sides from the §24.2 flow,
//! route sets and loose/strict routing (§12.2.1.1, §16.12.1.2), CSeq rules, target
//! refresh, requests built header by header, and a property over random exchanges.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::collections::{BTreeSet, VecDeque};

use bytes::Bytes;
use proptest::prelude::*;
use simpleim_sip::dialog::{
    Dialog, DialogError, DialogId, DialogState, RequestRejection, Role, SentBy,
};
use simpleim_sip::header::{CSeq, RetryAfter};
use simpleim_sip::{
    HeaderName, IdGenerator, IdKind, Message, Method, NameAddr, Request, Response, SeededIds, Uri,
};

// --- helpers ------------------------------------------------------------------------------

/// A message from text with LF line ends.
fn msg(text: &str) -> Message {
    let text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    Message::parse_datagram(Bytes::from(text)).expect("fixture parses")
}

fn req(text: &str) -> Request {
    msg(text).as_request().expect("a request").clone()
}

fn resp(text: &str) -> Response {
    msg(text).as_response().expect("a response").clone()
}

/// One message of the RFC 3261 §24.2 flow (tests/data/rfc3261-24.2).
fn fixture(name: &str) -> Message {
    let path = format!(
        "{}/tests/data/rfc3261-24.2/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("fixture file");
    msg(&text)
}

fn fixture_req(name: &str) -> Request {
    fixture(name).as_request().expect("a request").clone()
}

/// F5 as Bob's transport hands it over: the top Via gains `received=192.0.2.3`, the
/// biloxi.com proxy's address (RFC 3261 §18.2.1), as F6 and F9 show.
fn f5_received() -> Request {
    let text = String::from_utf8_lossy(fixture("F5-invite.sip").as_bytes()).replace(
        "branch=z9hG4bK4b43c2ff8.1\r\n",
        "branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\r\n",
    );
    req(&text)
}

fn fixture_resp(name: &str) -> Response {
    fixture(name).as_response().expect("a response").clone()
}

fn addr(uri: &'static str) -> NameAddr {
    NameAddr::new(Uri::parse(&Bytes::from_static(uri.as_bytes())).expect("uri"))
}

/// Identifiers read from a script (the values of the RFC's example), then from a seeded
/// generator.
struct Script {
    tags: VecDeque<&'static str>,
    branches: VecDeque<&'static str>,
    rest: SeededIds,
}

impl Script {
    fn new(tags: &[&'static str], branches: &[&'static str]) -> Self {
        Self {
            tags: tags.iter().copied().collect(),
            branches: branches.iter().copied().collect(),
            rest: SeededIds::new(99),
        }
    }
}

impl IdGenerator for Script {
    fn next_id(&mut self, kind: IdKind) -> Bytes {
        let next = match kind {
            IdKind::Tag => self.tags.pop_front(),
            IdKind::Branch => self.branches.pop_front(),
            _ => None,
        };
        next.map_or_else(
            || self.rest.next_id(kind),
            |s| Bytes::from_static(s.as_bytes()),
        )
    }
}

/// Every value of every header of `m`, grouped by name.
fn header_values(m: &Message) -> Vec<(String, Vec<Bytes>)> {
    let names: BTreeSet<String> = m
        .headers()
        .iter()
        .map(|h| h.display_name().to_owned())
        .collect();
    names
        .into_iter()
        .map(|n| {
            let values = m.headers().get_named(&n).map(|h| h.value()).collect();
            (n, values)
        })
        .collect()
}

/// The same start line, and header by header the same values (in order per header; the
/// order of different headers is free, RFC 3261 §7.3.1).
fn assert_same(built: impl Into<Message>, expected: &Message) {
    let built = built.into();
    match (&built, expected) {
        (Message::Request(a), Message::Request(b)) => {
            assert_eq!(a.method(), b.method());
            assert_eq!(a.uri_bytes(), b.uri_bytes());
        }
        (Message::Response(a), Message::Response(b)) => assert_eq!(a.code(), b.code()),
        _ => panic!("request vs response"),
    }
    assert_eq!(header_values(&built), header_values(expected));
    assert_eq!(built.body(), expected.body());
}

fn cseq(m: &Request) -> CSeq {
    m.headers().typed().expect("CSeq").expect("valid CSeq")
}

fn route_values(r: &Request) -> Vec<Bytes> {
    r.headers()
        .get_all(HeaderName::Route)
        .map(|h| h.value())
        .collect()
}

// --- RFC 3261 §24.2: creation on both sides --------------------------------------------------

// RFC 3261 §12.1.2, §13.2.2.4: Alice's dialog from F1 and F8, confirmed by F11, and her ACK
// (F12), header by header.
#[test]
fn uac_dialog_from_the_24_2_flow() {
    let invite = fixture_req("F1-invite.sip");
    let ringing = fixture_resp("F8-180.sip");
    let mut alice = Dialog::new_uac(&invite, &ringing).unwrap();
    assert_eq!(alice.state(), DialogState::Early);
    assert_eq!(alice.role(), Role::Uac);
    assert_eq!(
        alice.id(),
        &DialogId::new(&b"a84b4c76e66710"[..], &b"1928301774"[..], &b"a6c85cf"[..])
    );
    assert_eq!(alice.remote_target().to_string(), "sip:bob@192.0.2.4");
    assert!(alice.route_set().is_empty());
    assert_eq!(alice.local_seq(), Some(314_159));
    assert_eq!(alice.remote_seq(), None);
    assert!(!alice.is_secure());
    assert!(alice.invite_in_progress());
    assert_eq!(
        alice.local_uri().to_string(),
        "Alice <sip:alice@atlanta.com>;tag=1928301774"
    );
    assert_eq!(
        alice.remote_uri().to_string(),
        "Bob <sip:bob@biloxi.com>;tag=a6c85cf"
    );
    assert_eq!(
        alice.local_contact().unwrap().to_string(),
        "<sip:alice@pc33.atlanta.com>"
    );
    // The DialogId of the response finds the dialog.
    assert_eq!(
        DialogId::of_incoming_response(&ringing).as_ref(),
        Some(alice.id())
    );

    let ok = fixture_resp("F11-200.sip");
    alice.handle_response(&ok).unwrap();
    assert_eq!(alice.state(), DialogState::Confirmed);
    assert!(!alice.invite_in_progress());

    let mut ids = Script::new(&[], &["z9hG4bKnashds9"]);
    let sent_by = SentBy::new("UDP", "pc33.atlanta.com", None);
    let ack = alice.ack(&ok, &sent_by, &mut ids).unwrap().build().unwrap();
    assert_same(ack.clone(), &fixture("F12-ack.sip"));
    assert_eq!(ack.validate(), Ok(()));
    // The ACK leaves the local sequence number alone.
    assert_eq!(alice.local_seq(), Some(314_159));

    // Bob hangs up (F13): Alice checks it, the dialog ends, her 200 is F14 byte for byte.
    let bye = fixture_req("F13-bye.sip");
    assert_eq!(
        DialogId::of_incoming_request(&bye).as_ref(),
        Some(alice.id())
    );
    alice.handle_request(&bye).unwrap();
    assert_eq!(alice.remote_seq(), Some(231));
    assert_eq!(alice.state(), DialogState::Terminated);
    let ok = alice.respond(&bye, 200).unwrap().build().unwrap();
    assert_eq!(ok.as_bytes(), fixture("F14-200.sip").as_bytes());
}

// RFC 3261 §12.1.1: Bob's dialog from F5 with his tag; his 180 (F6), 200 (F9) and BYE (F13)
// header by header.
#[test]
fn uas_dialog_from_the_24_2_flow() {
    let invite = f5_received();
    let mut ids = Script::new(&["a6c85cf"], &["z9hG4bKnashds10"]);
    let mut bob = Dialog::new_uas(&invite, addr("sip:bob@192.0.2.4"), &mut ids).unwrap();
    assert_eq!(bob.state(), DialogState::Early);
    assert_eq!(bob.role(), Role::Uas);
    assert_eq!(
        bob.id(),
        &DialogId::new(&b"a84b4c76e66710"[..], &b"a6c85cf"[..], &b"1928301774"[..])
    );
    assert_eq!(
        bob.remote_target().to_string(),
        "sip:alice@pc33.atlanta.com"
    );
    assert_eq!(bob.local_seq(), None);
    assert_eq!(bob.remote_seq(), Some(314_159));
    assert!(bob.invite_in_progress());

    let ringing = bob.respond(&invite, 180).unwrap().build().unwrap();
    assert_same(ringing, &fixture("F6-180.sip"));
    assert_eq!(bob.state(), DialogState::Early);
    let ok = bob.respond(&invite, 200).unwrap().build().unwrap();
    assert_same(ok, &fixture("F9-200.sip"));
    assert_eq!(bob.state(), DialogState::Confirmed);
    assert!(!bob.invite_in_progress());

    // The ACK is in the dialog and exempt from the CSeq order.
    bob.handle_request(&fixture_req("F12-ack.sip")).unwrap();

    // "Bob's SIP phone maintains its own CSeq numbering space, which, in this example,
    // begins with 231."
    assert!(bob.choose_local_seq(231));
    let sent_by = SentBy::new("UDP", "192.0.2.4", None);
    let bye = bob
        .request(Method::Bye, &sent_by, &mut ids)
        .unwrap()
        .build()
        .unwrap();
    assert_same(bye.clone(), &fixture("F13-bye.sip"));
    assert_eq!(bye.validate(), Ok(()));
    assert_eq!(bob.state(), DialogState::Terminated);
    assert!(!bob.choose_local_seq(1), "the local sequence number is set");
    // Nothing more is sent in a terminated dialog; Alice's 200 still reaches it.
    assert_eq!(
        bob.request(Method::Info, &sent_by, &mut ids).unwrap_err(),
        DialogError::Terminated
    );
    bob.handle_response(&fixture_resp("F14-200.sip")).unwrap();
}

// --- route sets ------------------------------------------------------------------------------

const STRICT_INVITE: &str = "INVITE sip:callee@u2.domain.com SIP/2.0\n\
Via: SIP/2.0/UDP p4.domain.com;branch=z9hG4bK4\n\
Via: SIP/2.0/UDP p3.middle.com;branch=z9hG4bK3\n\
Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bK2\n\
Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1\n\
Via: SIP/2.0/UDP u1.example.com;branch=z9hG4bK0\n\
Max-Forwards: 66\n\
From: <sip:caller@example.com>;tag=u1\n\
To: <sip:callee@domain.com>\n\
Call-ID: strict@u1.example.com\n\
CSeq: 1 INVITE\n\
Contact: sip:caller@u1.example.com\n\
Record-Route: <sip:p4.domain.com;lr>\n\
Record-Route: <sip:p3.middle.com>\n\
Record-Route: <sip:p2.example.com;lr>\n\
Record-Route: <sip:p1.example.com;lr>\n\
Content-Length: 0\n\n";

// RFC 3261 §16.12.1.2: the callee's BYE keeps the Request-URI (its first route is a loose
// router) and lists the route set in Record-Route order, strict P3 included.
#[test]
fn uas_route_set_is_record_route_in_order() {
    let invite = req(STRICT_INVITE);
    let mut ids = SeededIds::new(5);
    let mut u2 = Dialog::new_uas(&invite, addr("sip:callee@u2.domain.com"), &mut ids).unwrap();
    let ok = u2.respond(&invite, 200).unwrap().build().unwrap();
    // The 2xx copies the Record-Route (§12.1.1).
    assert_eq!(ok.headers().count(HeaderName::RecordRoute), 4);
    let bye = u2
        .request(
            Method::Bye,
            &SentBy::new("UDP", "u2.domain.com", None),
            &mut ids,
        )
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(bye.uri_bytes(), "sip:caller@u1.example.com");
    assert_eq!(
        route_values(&bye),
        [
            "<sip:p4.domain.com;lr>",
            "<sip:p3.middle.com>",
            "<sip:p2.example.com;lr>",
            "<sip:p1.example.com;lr>"
        ]
    );

    // The caller's side of the same flow: the 200's Record-Route, reversed.
    let sent = req("INVITE sip:callee@domain.com SIP/2.0\n\
Via: SIP/2.0/UDP u1.example.com;branch=z9hG4bK0\n\
Max-Forwards: 70\n\
From: <sip:caller@example.com>;tag=u1\n\
To: <sip:callee@domain.com>\n\
Call-ID: strict@u1.example.com\n\
CSeq: 1 INVITE\n\
Contact: sip:caller@u1.example.com\n\
Content-Length: 0\n\n");
    let mut u1 = Dialog::new_uac(&sent, &ok).unwrap();
    let reversed: Vec<String> = u1.route_set().iter().map(ToString::to_string).collect();
    assert_eq!(
        reversed,
        [
            "<sip:p1.example.com;lr>",
            "<sip:p2.example.com;lr>",
            "<sip:p3.middle.com>",
            "<sip:p4.domain.com;lr>"
        ]
    );
    let bye = u1
        .request(
            Method::Bye,
            &SentBy::new("UDP", "u1.example.com", None),
            &mut ids,
        )
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(bye.uri_bytes(), "sip:callee@u2.domain.com");
    assert_eq!(route_values(&bye).len(), 4);
    assert_eq!(route_values(&bye)[0], "<sip:p1.example.com;lr>");
}

// RFC 3261 §12.2.1.1: with a strict router first, the Request-URI is the first route and the
// remote target goes last in Route — the section's own example.
#[test]
fn strict_routing_example_of_12_2_1_1() {
    let invite = req("INVITE sip:me@here SIP/2.0\n\
Via: SIP/2.0/UDP proxy1;branch=z9hG4bK1\n\
From: <sip:user@remote>;tag=r\n\
To: <sip:me@here>\n\
Call-ID: strict-12-2-1-1\n\
CSeq: 7 INVITE\n\
Contact: <sip:user@remoteua>\n\
Record-Route: <sip:proxy1>,<sip:proxy2>,<sip:proxy3;lr>\n\
Record-Route: <sip:proxy4>\n\
Content-Length: 0\n\n");
    let mut ids = SeededIds::new(1);
    let mut d = Dialog::new_uas(&invite, addr("sip:me@here"), &mut ids).unwrap();
    let _ = d.respond(&invite, 200).unwrap();
    let (uri, route) = d.routing();
    assert_eq!(uri, "sip:proxy1");
    assert_eq!(
        route,
        [
            "<sip:proxy2>",
            "<sip:proxy3;lr>",
            "<sip:proxy4>",
            "<sip:user@remoteua>"
        ]
    );
    let info = d
        .request(
            Method::Info,
            &SentBy::new("TCP", "here", Some(5060)),
            &mut ids,
        )
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(info.uri_bytes(), "sip:proxy1");
    assert_eq!(route_values(&info), route);
    assert_eq!(info.validate(), Ok(()));
}

// A strict router's URI parameters not allowed in a Request-URI are stripped (§12.2.1.1,
// §19.1.1).
#[test]
fn strict_route_uri_loses_method_and_headers() {
    let invite = req("SUBSCRIBE sip:me@here SIP/2.0\n\
Via: SIP/2.0/UDP proxy1;branch=z9hG4bK1\n\
From: <sip:user@remote>;tag=r\n\
To: <sip:me@here>\n\
Call-ID: strip\n\
CSeq: 1 SUBSCRIBE\n\
Event: conference\n\
Contact: <sip:user@remoteua>\n\
Record-Route: <sip:proxy1;transport=tcp;method=INVITE?Subject=x>\n\
Content-Length: 0\n\n");
    let mut ids = SeededIds::new(1);
    let d = Dialog::new_uas(&invite, addr("sip:me@here"), &mut ids).unwrap();
    let (uri, route) = d.routing();
    assert_eq!(uri, "sip:proxy1;transport=tcp");
    assert_eq!(route, ["<sip:user@remoteua>"]);
}

// --- CSeq rules (§12.2.1.1, §12.2.2) ------------------------------------------------------------

/// Alice's and Bob's confirmed dialogs of §24.2.
fn pair() -> (Dialog, Dialog, SeededIds) {
    let invite = fixture_req("F5-invite.sip");
    let mut bob = Dialog::new_uas(
        &invite,
        addr("sip:bob@192.0.2.4"),
        &mut Script::new(&["a6c85cf"], &[]),
    )
    .unwrap();
    let ok = bob.respond(&invite, 200).unwrap().build().unwrap();
    let mut alice = Dialog::new_uac(&fixture_req("F1-invite.sip"), &ok).unwrap();
    alice.handle_response(&ok).unwrap();
    (alice, bob, SeededIds::new(7))
}

fn alice_via() -> SentBy {
    SentBy::new("UDP", "pc33.atlanta.com", None)
}

#[test]
fn cseq_grows_and_out_of_order_requests_get_500() {
    let (mut alice, mut bob, mut ids) = pair();
    let first = alice
        .request(Method::Info, &alice_via(), &mut ids)
        .unwrap()
        .build()
        .unwrap();
    let second = alice
        .request(Method::Message, &alice_via(), &mut ids)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(cseq(&first).seq(), 314_160);
    assert_eq!(cseq(&second).seq(), 314_161);
    assert_eq!(alice.local_seq(), Some(314_161));

    // The second arrives first: in order (a gap is fine); the first is then out of order.
    bob.handle_request(&second).unwrap();
    assert_eq!(bob.remote_seq(), Some(314_161));
    let rejection = bob.handle_request(&first).unwrap_err();
    assert_eq!(
        rejection,
        RequestRejection::OutOfOrder {
            cseq: 314_160,
            remote: 314_161
        }
    );
    assert_eq!(rejection.status(), 500);
    let answer = rejection.response(&first, &mut ids).build().unwrap();
    assert_eq!(answer.code(), 500);
    assert_eq!(
        bob.remote_seq(),
        Some(314_161),
        "a rejected request changes nothing"
    );
    // An equal number is not "lower" (§12.2.2).
    bob.handle_request(&second).unwrap();
}

#[test]
fn requests_of_other_dialogs_get_481() {
    let (_, mut bob, mut ids) = pair();
    let stray = req("BYE sip:bob@192.0.2.4 SIP/2.0\n\
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKx\n\
From: Alice <sip:alice@atlanta.com>;tag=other\n\
To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n\
Call-ID: a84b4c76e66710\n\
CSeq: 400000 BYE\n\
Content-Length: 0\n\n");
    assert_eq!(bob.handle_request(&stray), Err(RequestRejection::NoDialog));
    // A TU that finds no dialog for it answers 481; an ACK is never answered.
    let rejection = RequestRejection::for_unknown_dialog(&stray).unwrap();
    let answer = rejection.response(&stray, &mut ids).build().unwrap();
    assert_eq!(answer.code(), 481);
    assert_eq!(
        RequestRejection::for_unknown_dialog(&fixture_req("F12-ack.sip")),
        None
    );
    // Outside any dialog (no To tag): not a 481 case.
    assert_eq!(
        RequestRejection::for_unknown_dialog(&fixture_req("F1-invite.sip")),
        None
    );
}

#[test]
fn cseq_exhaustion_is_an_error_not_a_wrap() {
    let invite = req("INVITE sip:bob@b SIP/2.0\n\
Via: SIP/2.0/UDP a;branch=z9hG4bK1\n\
From: <sip:alice@a>;tag=1\n\
To: <sip:bob@b>\n\
Call-ID: max\n\
CSeq: 4294967295 INVITE\n\
Contact: <sip:alice@a>\n\
Content-Length: 0\n\n");
    let ok = resp(
        "SIP/2.0 200 OK\n\
Via: SIP/2.0/UDP a;branch=z9hG4bK1\n\
From: <sip:alice@a>;tag=1\n\
To: <sip:bob@b>;tag=2\n\
Call-ID: max\n\
CSeq: 4294967295 INVITE\n\
Contact: <sip:bob@b>\n\
Content-Length: 0\n\n",
    );
    let mut d = Dialog::new_uac(&invite, &ok).unwrap();
    assert_eq!(
        d.request(Method::Bye, &alice_via(), &mut SeededIds::new(1))
            .unwrap_err(),
        DialogError::CSeqExhausted
    );
}

// --- target refresh ---------------------------------------------------------------------------

#[test]
fn target_refresh_both_ways() {
    let (mut alice, mut bob, mut ids) = pair();
    // Alice moves: her re-INVITE carries her new Contact (§12.2.1.1).
    alice.set_local_contact(addr("sip:alice@198.51.100.7"));
    let reinvite = alice
        .request(Method::Invite, &alice_via(), &mut ids)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        reinvite.headers().get(HeaderName::Contact).unwrap().value(),
        "<sip:alice@198.51.100.7>"
    );
    assert!(alice.invite_in_progress());
    assert_eq!(
        alice
            .request(Method::Invite, &alice_via(), &mut ids)
            .unwrap_err(),
        DialogError::InviteInProgress,
        "§14.1: one INVITE transaction at a time"
    );
    bob.handle_request(&reinvite).unwrap();
    // Bob's target changes only when the re-INVITE succeeds (RFC 6141).
    assert_eq!(
        bob.remote_target().to_string(),
        "sip:alice@pc33.atlanta.com"
    );
    let ok = bob.respond(&reinvite, 200).unwrap().build().unwrap();
    assert_eq!(bob.remote_target().to_string(), "sip:alice@198.51.100.7");
    assert_eq!(
        ok.headers().get(HeaderName::Contact).unwrap().value(),
        "<sip:bob@192.0.2.4>"
    );

    // Bob moves with an UPDATE; Alice's answer refreshes her target when it is a 2xx only.
    bob.set_local_contact(addr("sip:bob@203.0.113.9"));
    let update = bob
        .request(
            Method::Update,
            &SentBy::new("UDP", "192.0.2.4", None),
            &mut ids,
        )
        .unwrap()
        .build()
        .unwrap();
    alice.handle_request(&update).unwrap();
    let refused = alice.respond(&update, 488).unwrap().build().unwrap();
    assert!(refused.headers().get(HeaderName::Contact).is_none());
    assert_eq!(alice.remote_target().to_string(), "sip:bob@192.0.2.4");
    // Alice's 2xx to her re-INVITE, with a new Contact of Bob's, refreshes hers too.
    alice.handle_response(&ok).unwrap();
    assert!(!alice.invite_in_progress());
    let moved = resp(&String::from_utf8_lossy(ok.as_bytes()).replace(
        "Contact: <sip:bob@192.0.2.4>",
        "Contact: <sip:bob@203.0.113.9>",
    ));
    alice.handle_response(&moved).unwrap();
    assert_eq!(alice.remote_target().to_string(), "sip:bob@203.0.113.9");
}

// --- requests header by header ------------------------------------------------------------------

/// Alice's request of `method` in the §24.2 dialog.
fn alice_request(method: Method) -> Request {
    let (mut alice, _, _) = pair();
    let mut ids = Script::new(&[], &["z9hG4bKnew"]);
    alice
        .request(method, &alice_via(), &mut ids)
        .unwrap()
        .build()
        .unwrap()
}

fn expected(start: &str, cseq: &str, contact: bool) -> Message {
    let contact = if contact {
        "Contact: <sip:alice@pc33.atlanta.com>\n"
    } else {
        ""
    };
    msg(&format!(
        "{start}\n\
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnew\n\
Max-Forwards: 70\n\
From: Alice <sip:alice@atlanta.com>;tag=1928301774\n\
To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n\
Call-ID: a84b4c76e66710\n\
CSeq: {cseq}\n\
{contact}Content-Length: 0\n\n"
    ))
}

#[test]
fn requests_in_the_dialog_header_by_header() {
    // Target refresh requests carry the Contact; the others do not (§12.2.1.1).
    let cases = [
        (Method::Bye, "314160 BYE", false),
        (Method::Invite, "314160 INVITE", true),
        (Method::Update, "314160 UPDATE", true),
        (Method::Info, "314160 INFO", false),
        (Method::Message, "314160 MESSAGE", false),
        (Method::Refer, "314160 REFER", true),
        (Method::Notify, "314160 NOTIFY", true),
        (Method::Subscribe, "314160 SUBSCRIBE", true),
    ];
    for (method, cseq, contact) in cases {
        let start = format!("{method} sip:bob@192.0.2.4 SIP/2.0");
        let built = alice_request(method);
        assert_same(built.clone(), &expected(&start, cseq, contact));
        assert_eq!(built.validate(), Ok(()), "{cseq}");
    }
    let (mut alice, _, mut ids) = pair();
    for m in [Method::Ack, Method::Cancel] {
        assert_eq!(
            alice
                .request(m.clone(), &alice_via(), &mut ids)
                .unwrap_err(),
            DialogError::Method(m)
        );
    }
}

// --- glare and termination ------------------------------------------------------------------

#[test]
fn crossing_invites_get_491_and_500_with_retry_after() {
    let (mut alice, mut bob, mut ids) = pair();
    let from_alice = alice
        .request(Method::Invite, &alice_via(), &mut ids)
        .unwrap()
        .build()
        .unwrap();
    let from_bob = bob
        .request(
            Method::Invite,
            &SentBy::new("UDP", "192.0.2.4", None),
            &mut ids,
        )
        .unwrap()
        .build()
        .unwrap();
    // Both sent an INVITE: each answers the other's with 491 (§14.2).
    assert_eq!(
        alice.handle_request(&from_bob),
        Err(RequestRejection::Glare)
    );
    assert_eq!(
        bob.handle_request(&from_alice),
        Err(RequestRejection::Glare)
    );

    // A second INVITE while the first received one is unanswered (from a peer that does
    // not wait, §14.1): 500 with Retry-After between 0 and 10 s.
    let (mut alice, mut bob, mut ids) = pair();
    let one = alice
        .request(Method::Invite, &alice_via(), &mut ids)
        .unwrap()
        .build()
        .unwrap();
    bob.handle_request(&one).unwrap();
    let two =
        req(&String::from_utf8_lossy(one.as_bytes()).replace("314160 INVITE", "314161 INVITE"));
    let rejection = bob.handle_request(&two).unwrap_err();
    assert_eq!(rejection, RequestRejection::InviteInProgress);
    let answer = rejection.response(&two, &mut ids).build().unwrap();
    assert_eq!(answer.code(), 500);
    let retry: RetryAfter = answer.headers().typed().unwrap().unwrap();
    assert!(retry.seconds() <= 10);
    // Once Bob answers the first, a new INVITE is fine.
    let _ = bob.respond(&one, 200).unwrap();
    assert!(!bob.invite_in_progress());
}

#[test]
fn a_481_or_408_or_a_timeout_ends_the_dialog() {
    for code in [481, 408] {
        let (mut alice, _, mut ids) = pair();
        let info = alice
            .request(Method::Info, &alice_via(), &mut ids)
            .unwrap()
            .build()
            .unwrap();
        let answer = Response::for_request(&info, code, &mut ids)
            .build()
            .unwrap();
        alice.handle_response(&answer).unwrap();
        assert_eq!(alice.state(), DialogState::Terminated, "{code}");
    }
    let (mut alice, _, mut ids) = pair();
    let info = alice
        .request(Method::Info, &alice_via(), &mut ids)
        .unwrap()
        .build()
        .unwrap();
    let answer = Response::for_request(&info, 500, &mut ids).build().unwrap();
    alice.handle_response(&answer).unwrap();
    assert_eq!(
        alice.state(),
        DialogState::Confirmed,
        "other failures keep it"
    );
    alice.handle_request_failed(&info);
    assert_eq!(alice.state(), DialogState::Terminated);
}

#[test]
fn early_dialogs_end_with_a_failure_and_forks_make_their_own() {
    let invite = fixture_req("F1-invite.sip");
    let ringing = fixture_resp("F8-180.sip");
    let mut first = Dialog::new_uac(&invite, &ringing).unwrap();
    // A second fork rings with another tag: another dialog.
    let other = resp(&String::from_utf8_lossy(ringing.as_bytes()).replace("a6c85cf", "f0rk2"));
    let second = Dialog::new_uac(&invite, &other).unwrap();
    assert_ne!(first.id(), second.id());
    assert_eq!(first.handle_response(&other), Err(DialogError::OtherDialog));
    // A failure of the INVITE ends the early dialog (§12.3).
    let busy =
        resp(&String::from_utf8_lossy(ringing.as_bytes()).replace("180 Ringing", "486 Busy Here"));
    first.handle_response(&busy).unwrap();
    assert_eq!(first.state(), DialogState::Terminated);
}

#[test]
fn what_cannot_create_a_dialog() {
    let invite = fixture_req("F1-invite.sip");
    let trying = resp(
        "SIP/2.0 100 Trying\n\
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8;received=192.0.2.1\n\
To: Bob <sip:bob@biloxi.com>\n\
From: Alice <sip:alice@atlanta.com>;tag=1928301774\n\
Call-ID: a84b4c76e66710\n\
CSeq: 314159 INVITE\n\
Content-Length: 0\n\n",
    );
    assert!(matches!(
        Dialog::new_uac(&invite, &trying),
        Err(DialogError::NotDialogCreating(_))
    ));
    // A 2xx without Contact.
    let ok = resp(
        &String::from_utf8_lossy(fixture("F11-200.sip").as_bytes())
            .replace("Contact: <sip:bob@192.0.2.4>\r\n", ""),
    );
    assert_eq!(
        Dialog::new_uac(&invite, &ok).unwrap_err(),
        DialogError::MissingHeader(HeaderName::Contact)
    );
    // A MESSAGE creates none; a request with a To tag is already in one.
    let mut ids = SeededIds::new(1);
    let message = req("MESSAGE sip:bob@b SIP/2.0\n\
Via: SIP/2.0/UDP a;branch=z9hG4bK1\n\
From: <sip:alice@a>;tag=1\n\
To: <sip:bob@b>\n\
Call-ID: m\n\
CSeq: 1 MESSAGE\n\
Contact: <sip:alice@a>\n\
Content-Length: 0\n\n");
    assert!(matches!(
        Dialog::new_uas(&message, addr("sip:bob@b"), &mut ids),
        Err(DialogError::NotDialogCreating(_))
    ));
    assert!(matches!(
        Dialog::new_uas(&fixture_req("F13-bye.sip"), addr("sip:a@b"), &mut ids),
        Err(DialogError::NotDialogCreating(_))
    ));
}

#[test]
fn refer_creates_a_dialog_and_its_2xx_copies_record_route() {
    let refer = req("REFER sip:bob@b SIP/2.0\n\
Via: SIP/2.0/TLS a;branch=z9hG4bK1\n\
From: <sips:alice@a>;tag=1\n\
To: <sips:bob@b>\n\
Call-ID: refer\n\
CSeq: 3 REFER\n\
Contact: <sips:alice@a>\n\
Refer-To: <sips:carol@c>\n\
Record-Route: <sips:p.example.com;lr>\n\
Content-Length: 0\n\n");
    let refer =
        req(&String::from_utf8_lossy(refer.as_bytes())
            .replace("REFER sip:bob@b", "REFER sips:bob@b"));
    let mut ids = SeededIds::new(1);
    let mut d = Dialog::new_uas(&refer, addr("sips:bob@b"), &mut ids).unwrap();
    assert!(d.is_secure(), "sips Request-URI over TLS");
    let ok = d.respond(&refer, 202).unwrap().build().unwrap();
    assert_eq!(
        ok.headers().get(HeaderName::RecordRoute).unwrap().value(),
        "<sips:p.example.com;lr>"
    );
    assert_eq!(d.state(), DialogState::Confirmed);
}

// --- a property over random exchanges ------------------------------------------------------

/// Methods sent in the property below.
const METHODS: [Method; 7] = [
    Method::Info,
    Method::Message,
    Method::Update,
    Method::Invite,
    Method::Refer,
    Method::Notify,
    Method::Options,
];

proptest! {
    // RFC 3261 §12.2: whatever the two sides send, in whatever order and with losses, every
    // built request parses back, validates, names its dialog, has a CSeq above the sender's
    // previous one, and is taken by the peer exactly when it is not older than the last one
    // taken (a lower CSeq gets 500).
    #[test]
    fn exchanges_keep_cseq_order(ops in prop::collection::vec((any::<bool>(), 0..METHODS.len(), any::<bool>(), any::<bool>()), 1..40)) {
        let (mut alice, mut bob, mut ids) = pair();
        let mut held: Vec<(bool, Request)> = Vec::new();
        for (from_alice, m, lost, replay) in ops {
            let (sender, receiver) = if from_alice { (&mut alice, &mut bob) } else { (&mut bob, &mut alice) };
            let before = sender.local_seq();
            let via = SentBy::new("TCP", "host.example", None);
            let method = METHODS[m].clone();
            let built = sender.request(method.clone(), &via, &mut ids).unwrap().build().unwrap();
            let seq = cseq(&built).seq();
            prop_assert!(before.is_none_or(|b| seq > b));
            prop_assert_eq!(sender.local_seq(), Some(seq));
            let reparsed = Message::parse_datagram(built.as_bytes().clone()).unwrap();
            prop_assert_eq!(reparsed.as_request(), Some(&built));
            prop_assert_eq!(built.validate(), Ok(()));
            prop_assert_eq!(DialogId::of_outgoing(built.headers()), Some(sender.id().clone()));
            prop_assert_eq!(DialogId::of_incoming_request(&built), Some(receiver.id().clone()));
            let (sender, receiver) = if from_alice { (&mut alice, &mut bob) } else { (&mut bob, &mut alice) };
            if lost && method != Method::Invite {
                held.push((from_alice, built));
            } else {
                let remote = receiver.remote_seq();
                prop_assert!(remote.is_none_or(|r| seq >= r));
                receiver.handle_request(&built).unwrap();
                let ok = receiver.respond(&built, 200).unwrap().build().unwrap();
                sender.handle_response(&ok).unwrap();
            }
            prop_assert!(!alice.invite_in_progress() && !bob.invite_in_progress());
            prop_assert_eq!(alice.state(), DialogState::Confirmed);
            prop_assert_eq!(bob.state(), DialogState::Confirmed);
            // A late copy of a lost request arrives: taken if not older than the last one
            // taken, else 500 (§12.2.2).
            if replay && !held.is_empty() {
                let (dir, old) = held.remove(0);
                let target = if dir { &mut bob } else { &mut alice };
                let remote = target.remote_seq().unwrap_or(0);
                let got = target.handle_request(&old).map_err(|r| r.status());
                if cseq(&old).seq() < remote {
                    prop_assert_eq!(got, Err(500));
                    prop_assert_eq!(target.remote_seq(), Some(remote));
                } else {
                    prop_assert_eq!(got, Ok(()));
                }
            }
        }
    }
}
