//! The composed focus, driven over SIP and MSRP by simulated clients
//! (`simpleim_test_support::focus_sim`): joining, relaying, aliases, nicknames, leaving and
//! the conference event package. Each test cites the requirements it checks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::time::Duration;

use simpleim_focus::control::LeaveReason;
use simpleim_focus::switch::{RefuseReason, SwitchEvent};
use simpleim_focus::{CloseReason, FocusEvent};
use simpleim_sip::dialog::NotifierTermination;
use simpleim_sip::{HeaderName, Method};
use simpleim_test_support::focus_sim::{MsrpConn, Sim};

/// A room with alice, bob and carol in it.
fn three() -> (Sim, usize, usize, usize) {
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let c = sim.add_client("carol", Some("Carol"), false);
    for i in [a, b, c] {
        sim.join(i);
    }
    (sim, a, b, c)
}

fn content_type(r: &simpleim_sip::Response) -> String {
    String::from_utf8_lossy(&r.headers().get(HeaderName::ContentType).unwrap().value()).into_owned()
}

#[test]
fn three_clients_a_message_reaches_the_others_byte_exact() {
    // REQ: FOC-2, SW-2, SW-4, SW-6
    let (mut sim, a, b, c) = three();
    let room = sim.room;
    assert_eq!(sim.focus.switch(room).unwrap().participant_count(), 3);
    let alice = sim.clients[a].participant.unwrap();
    let info = sim.focus.switch(room).unwrap().participant(alice).unwrap();
    assert_eq!(&info.identity[..], b"sip:alice@example.com");
    assert_eq!(info.alias.as_deref(), Some("Alice"));
    // The plain SDP answer for a public joiner whose alias is the one it asked for.
    assert_eq!(
        content_type(sim.clients[a].ok.as_ref().unwrap()),
        "application/sdp"
    );

    let sent = sim.send_cpim(a, "sip:alice@example.com", "Hello all");
    assert_eq!(sim.clients[b].messages(), std::slice::from_ref(&sent));
    assert_eq!(sim.clients[c].messages(), [sent]);
    assert!(sim.clients[a].messages().is_empty());
    assert!(sim.clients[a].send_failures().is_empty());
    assert!(sim.events.iter().any(|e| matches!(e,
        FocusEvent::Msrp { event: SwitchEvent::Routed { recipients, .. }, .. } if recipients.len() == 2)));
}

#[test]
fn a_spoofed_from_is_refused_with_403() {
    // REQ: SW-3
    let (mut sim, a, b, c) = three();
    sim.send_cpim(a, "sip:bob@example.com", "I am Bob");
    assert_eq!(sim.clients[a].send_failures(), [403]);
    assert!(sim.clients[b].messages().is_empty());
    assert!(sim.clients[c].messages().is_empty());
    assert!(sim.events.iter().any(|e| matches!(
        e,
        FocusEvent::Msrp {
            event: SwitchEvent::Refused {
                status: 403,
                reason: RefuseReason::SpoofedFrom,
                ..
            },
            ..
        }
    )));
}

#[test]
fn an_anonymous_joiner_learns_its_alias_in_a_multipart_200() {
    // REQ: ALIAS-3, SEC-1
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    let z = sim.add_client("zed", Some("shadow"), true);
    sim.join(a);
    let ok = sim.join(z);
    let ct = content_type(&ok);
    assert!(ct.starts_with("multipart/mixed; boundary="), "{ct}");
    let body = String::from_utf8_lossy(&ok.body()).into_owned();
    assert!(body.contains("Content-Type: message/cpim"), "{body}");
    assert!(
        body.contains("To: shadow <sip:anonymous@anonymous.invalid>"),
        "{body}"
    );
    assert!(body.contains("From: <sip:chat@conf.example.com>"), "{body}");
    assert!(body.contains("Content-Type: application/sdp"), "{body}");
    assert!(!body.contains("zed@example.com"), "SEC-1: {body}");

    // It writes as its alias; the others never see its identity.
    let sent = sim.send_cpim(z, "sip:anonymous@anonymous.invalid", "boo");
    assert_eq!(sim.clients[a].messages(), [sent]);
    let seen = String::from_utf8_lossy(&sim.clients[a].msrp_in).into_owned();
    assert!(!seen.contains("zed@example.com"), "SEC-1: {seen}");
    // Its real identity as From is a spoof now.
    sim.send_cpim(z, "sip:zed@example.com", "it is me");
    assert_eq!(sim.clients[z].send_failures(), [403]);
}

#[test]
fn an_alias_clash_gives_bob_2() {
    // REQ: ALIAS-2, ALIAS-3
    let mut sim = Sim::new();
    let b1 = sim.add_client("bob", Some("bob"), false);
    let b2 = sim.add_client("robert", Some("Bob"), false);
    sim.join(b1);
    let ok = sim.join(b2);
    let p1 = sim.clients[b1].participant.unwrap();
    let p2 = sim.clients[b2].participant.unwrap();
    assert_eq!(sim.focus.alias(p1).unwrap().display_name(), Some("bob"));
    assert_eq!(sim.focus.alias(p2).unwrap().display_name(), Some("Bob-2"));
    // The changed alias is told in the 200 (seed 001 §7.2.3.2).
    assert!(content_type(&ok).starts_with("multipart/mixed"));
    assert!(String::from_utf8_lossy(&ok.body()).contains("To: Bob-2 <sip:robert@example.com>"));
}

#[test]
fn nickname_granted_then_refused() {
    // REQ: CHAT-1
    let (mut sim, a, b, _) = three();
    let alice = sim.clients[a].participant.unwrap();
    sim.nickname(a, "Wonder");
    assert_eq!(sim.clients[a].nickname_results(), [200]);
    assert_eq!(
        sim.focus.alias(alice).unwrap().display_name(),
        Some("Wonder")
    );
    assert!(sim.events.iter().any(|e| matches!(e,
        FocusEvent::NicknameChanged { participant, .. } if *participant == alice)));
    // Same name under another case: in use (425); white space around it: malformed (424).
    sim.nickname(b, "WONDER");
    sim.nickname(b, " bob");
    assert_eq!(sim.clients[b].nickname_results(), [425, 424]);
    // Messages still flow after the interleaved responses.
    let sent = sim.send_cpim(b, "sip:bob@example.com", "still here");
    assert_eq!(sim.clients[a].messages(), [sent]);
}

#[test]
fn a_bye_removes_the_participant_everywhere() {
    // REQ: FOC-6
    let (mut sim, a, b, c) = three();
    let bob = sim.clients[b].participant.unwrap();
    sim.leave(b);
    assert!(
        sim.clients[b]
            .sip_in
            .iter()
            .any(|m| m.as_response().is_some_and(|r| r.code() == 200
                && r.headers()
                    .get(HeaderName::CSeq)
                    .unwrap()
                    .value()
                    .ends_with(b"BYE")))
    );
    assert!(sim.events.iter().any(|e| matches!(e,
        FocusEvent::Left { participant, reason: LeaveReason::Bye, .. } if *participant == bob)));
    assert!(sim.events.iter().any(|e| matches!(
        e,
        FocusEvent::CloseConnection {
            conn: MsrpConn(1),
            reason: CloseReason::Unused
        }
    )));
    let room = sim.room;
    assert_eq!(sim.focus.switch(room).unwrap().participant_count(), 2);
    assert!(sim.focus.alias(bob).is_none());
    let sent = sim.send_cpim(a, "sip:alice@example.com", "bye bob");
    assert_eq!(sim.clients[c].messages(), [sent]);
    assert!(sim.clients[b].messages().is_empty());
}

#[test]
fn a_closed_connection_removes_the_participant_with_a_bye() {
    // REQ: FOC-6 (the focus's documented choice for a lost MSRP connection)
    let (mut sim, _, b, _) = three();
    let bob = sim.clients[b].participant.unwrap();
    let now = sim.now;
    sim.focus.handle_msrp_closed(now, MsrpConn(b));
    sim.settle();
    assert!(
        sim.events.iter().any(|e| matches!(e,
        FocusEvent::Left { participant, reason: LeaveReason::Removed, .. } if *participant == bob))
    );
    assert!(
        sim.clients[b]
            .sip_in
            .iter()
            .any(|m| m.as_request().is_some_and(|r| *r.method() == Method::Bye))
    );
}

#[test]
fn a_request_for_an_unknown_session_gets_481() {
    // RFC 4975 §7.3; REQ: SEC-2 (the stranger changes nothing for the others)
    let (mut sim, a, b, _) = three();
    let m = sim.add_client("mallory", None, false);
    let now = sim.now;
    sim.focus.handle_msrp_connected(now, MsrpConn(m), None);
    sim.focus.handle_msrp(
        now,
        MsrpConn(m),
        b"MSRP xyz1 SEND\r\nTo-Path: msrp://conf.example.com:2855/nosuch;tcp\r\n\
From-Path: msrp://mallory.example.com:7777/m;tcp\r\nMessage-ID: m1\r\n\
Byte-Range: 1-2/2\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------xyz1$\r\n",
    );
    sim.settle();
    let seen = String::from_utf8_lossy(&sim.clients[m].msrp_in).into_owned();
    assert!(seen.starts_with("MSRP xyz1 481"), "{seen}");
    let sent = sim.send_cpim(a, "sip:alice@example.com", "unaffected");
    assert_eq!(sim.clients[b].messages(), [sent]);
}

#[test]
fn conference_event_package_full_then_partial_documents() {
    // REQ: FOC-8, FOC-2 (NOTIFY on join), FOC-6 (NOTIFY on leave), ALIAS-4, SEC-1, CHAT-1
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let z = sim.add_client("zed", Some("shadow"), true);
    sim.join(a);
    sim.subscribe(a);
    assert!(
        sim.clients[a]
            .sip_in
            .iter()
            .any(|m| m.as_response().is_some_and(|r| r.code() == 200
                && r.headers()
                    .get(HeaderName::CSeq)
                    .unwrap()
                    .value()
                    .ends_with(b"SUBSCRIBE")))
    );
    assert_eq!(sim.focus.subscription_count(), 1);
    let full = sim.clients[a].notifies.last().unwrap().clone();
    assert!(full.contains(r#"state="full""#), "{full}");
    assert!(
        full.contains(r#"entity="sip:alice@example.com" state="full" yourown="true""#),
        "{full}"
    );

    sim.join(b);
    let partial = sim.clients[a].notifies.last().unwrap().clone();
    assert!(partial.contains(r#"state="partial""#), "{partial}");
    assert!(
        partial.contains(r#"entity="sip:bob@example.com""#),
        "{partial}"
    );
    assert!(!partial.contains("yourown"), "{partial}");

    sim.join(z);
    let anon = sim.clients[a].notifies.last().unwrap().clone();
    assert!(anon.contains("sip:anonymous@anonymous.invalid"), "{anon}");
    assert!(!anon.contains("zed@example.com"), "SEC-1: {anon}");

    sim.nickname(b, "Bobby");
    let renamed = sim.clients[a].notifies.last().unwrap().clone();
    assert!(
        renamed.contains("<display-text>Bobby</display-text>"),
        "{renamed}"
    );

    sim.leave(b);
    let left = sim.clients[a].notifies.last().unwrap().clone();
    assert!(left.contains(r#"state="deleted""#), "{left}");
    // Versions grow by one per document on the subscription (RFC 4575).
    let versions: Vec<u32> = sim.clients[a]
        .notifies
        .iter()
        .map(|d| {
            // The document's version, not the XML declaration's.
            let at = d.find("\" version=\"").unwrap() + 11;
            d[at..at + d[at..].find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert_eq!(versions, [1, 2, 3, 4, 5]);

    // No refresh: the subscription expires with a final NOTIFY (RFC 6665 §4.2.1.4).
    sim.advance(Duration::from_secs(601));
    assert_eq!(sim.focus.subscription_count(), 0);
    assert!(sim.events.iter().any(|e| matches!(
        e,
        FocusEvent::SubscriptionEnded {
            reason: NotifierTermination::Expired,
            ..
        }
    )));
}

#[test]
fn subscribe_to_an_unknown_room_gets_404() {
    // REQ: FOC-8
    let mut sim = Sim::new();
    let a = sim.add_client("alice", None, false);
    let sub = simpleim_sip::Request::builder(Method::Subscribe, "sip:nosuch@conf.example.com")
        .header(
            HeaderName::Via,
            "SIP/2.0/TCP alice.example.com;branch=z9hG4bKs404",
        )
        .header(HeaderName::MaxForwards, 70)
        .header_named("From", "<sip:alice@example.com>;tag=s1")
        .header_named("To", "<sip:nosuch@conf.example.com>")
        .header(HeaderName::CallId, "s404")
        .header(HeaderName::CSeq, "1 SUBSCRIBE")
        .header(HeaderName::Contact, "<sip:alice@alice.example.com>")
        .header_named("Event", "conference")
        .header_named("P-Asserted-Identity", "<sip:alice@example.com>")
        .build()
        .unwrap();
    let now = sim.now;
    sim.focus.handle_sip(
        now,
        simpleim_test_support::focus_sim::SipConn(a),
        simpleim_sip::Message::Request(sub),
    );
    sim.settle();
    assert!(
        sim.clients[a]
            .sip_in
            .iter()
            .any(|m| m.as_response().is_some_and(|r| r.code() == 404))
    );
}

#[test]
fn the_group_policy_decides_who_may_send_private_messages() {
    // REQ: SW-8 a — `<allow-private-message>` per sender, set in the switch at join;
    // CHAT-1 — a nickname in CPIM `To` is looked up under the alias normalization.
    use simpleim_cpim::Address;
    use simpleim_focus::control::{GroupPolicy, Members, RoomConfig};
    use simpleim_sip::Uri;

    let mut sim = Sim::new();
    let now = sim.now;
    sim.focus.remove_room(now, sim.room).unwrap();
    let uri = |s: &str| Uri::parse(&bytes::Bytes::copy_from_slice(s.as_bytes())).unwrap();
    let Uri::Sip(group) = uri(simpleim_test_support::focus_sim::ROOM) else {
        panic!("the room's URI is a SIP URI")
    };
    let policy = GroupPolicy {
        allow_private_message: Members::Only(vec![uri("sip:alice@example.com")]),
        ..GroupPolicy::default()
    };
    sim.room = sim
        .focus
        .add_room(RoomConfig::new(group).with_policy(policy))
        .unwrap();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let c = sim.add_client("carol", Some("Carol"), false);
    for i in [a, b, c] {
        sim.join(i);
    }
    let switch = sim.focus.switch(sim.room).unwrap();
    let may = |i: usize| {
        switch
            .participant(sim.clients[i].participant.unwrap())
            .unwrap()
            .may_send_private
    };
    assert_eq!((may(a), may(b), may(c)), (true, false, false));

    // Bob may not send a private message: 403, and Alice gets nothing.
    sim.send_cpim_to(
        b,
        Address::uri_only("sip:bob@example.com"),
        Address::uri_only("sip:alice@example.com"),
        "psst",
    );
    assert_eq!(sim.clients[b].send_failures(), [403]);
    assert!(sim.clients[a].messages().is_empty());
    assert!(sim.events.iter().any(|e| matches!(
        e,
        FocusEvent::Msrp {
            event: SwitchEvent::Refused {
                status: 403,
                reason: RefuseReason::PrivateNotAllowed,
                ..
            },
            ..
        }
    )));
    // Alice may, and reaches Bob by his nickname in another case.
    let (_, sent) = sim.send_cpim_to(
        a,
        Address::uri_only("sip:alice@example.com"),
        Address::new(Some("BOB"), "sip:nobody@example.com"),
        "psst",
    );
    assert!(sim.clients[a].send_failures().is_empty());
    assert_eq!(sim.clients[b].messages(), [sent]);
    assert!(sim.clients[c].messages().is_empty());
    // Bob still writes to the room.
    let sent = sim.send_cpim(b, "sip:bob@example.com", "Hello all");
    assert_eq!(sim.clients[a].messages(), std::slice::from_ref(&sent));
    assert_eq!(sim.clients[c].messages(), [sent]);
    assert_eq!(sim.clients[b].send_failures(), [403]);
}
