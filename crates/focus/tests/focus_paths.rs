//! Paths of the composed focus the end-to-end tests in `focus.rs` leave out, driven by the
//! simulated clients of `simpleim_test_support::focus_sim`: the focus as the active MSRP
//! side, the life of a conference-event subscription, ending and removing a room, system
//! messages and back-pressure. Each test cites the requirements it checks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::time::Duration;

use bytes::Bytes;
use simpleim_focus::control::LeaveReason;
use simpleim_focus::{CloseReason, FocusEvent};
use simpleim_sdp::attr::Setup;
use simpleim_sip::NameAddr;
use simpleim_sip::dialog::NotifierTermination;
use simpleim_sip::{HeaderName, Message, Method, Request};
use simpleim_test_support::focus_sim::{MsrpConn, ROOM, Sim, deferred_setup, third_party_register};

// --- helpers ---------------------------------------------------------------------------------

/// Adds a client whose SDP offer says `a=setup:<setup>`.
fn client_with_setup(sim: &mut Sim, name: &str, display: &str, setup: &str) -> usize {
    let i = sim.add_client(name, Some(display), false);
    sim.clients[i].setup = setup.to_owned();
    i
}

/// How many 200s to a request of `method` client `i` got.
fn oks_to(sim: &Sim, i: usize, method: &str) -> usize {
    sim.clients[i]
        .sip_in
        .iter()
        .filter_map(Message::as_response)
        .filter(|r| {
            r.code() == 200
                && r.headers()
                    .get(HeaderName::CSeq)
                    .is_some_and(|h| h.value().ends_with(method.as_bytes()))
        })
        .count()
}

/// The value of a header of a request, by name.
fn header(r: &Request, name: &str) -> String {
    let v = r
        .headers()
        .get_named(name)
        .next()
        .unwrap_or_else(|| panic!("no {name} in {r:?}"))
        .value();
    String::from_utf8_lossy(&v).into_owned()
}

/// The version attribute of a conference-info document.
fn version(doc: &str) -> u32 {
    let at = doc.find("\" version=\"").unwrap() + 11;
    doc[at..at + doc[at..].find('"').unwrap()].parse().unwrap()
}

fn left(sim: &Sim, who: simpleim_focus::control::ParticipantId) -> Option<LeaveReason> {
    sim.events.iter().find_map(|e| match e {
        FocusEvent::Left {
            participant,
            reason,
            ..
        } if *participant == who => Some(*reason),
        _ => None,
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// --- 1. the focus as the active MSRP side --------------------------------------------------

/// Checks the active-side path for client `b` (its INVITE not sent yet) with `a` joined:
/// no connect before the ACK, one after it, the bodiless SEND, then messages both ways.
fn active_side_flow(mut sim: Sim, a: usize, b: usize) {
    let ok = sim.invite(b);
    assert_eq!(ok.code(), 200);
    let answer = text(&ok.body());
    // RFC 6135: the focus answers that it opens the connection.
    assert!(answer.contains("a=setup:active"), "{answer}");
    // Seed 003: the connection is opened once the ACK is in, not before.
    assert!(sim.connects.is_empty(), "{:?}", sim.connects);
    sim.ack(b);
    assert_eq!(sim.connects.len(), 1, "{:?}", sim.connects);
    let bob = sim.clients[b].participant.unwrap();
    let connect = sim.connects[0].clone();
    assert_eq!(connect.participant, bob);
    // The hop is the client's a=path (its host and port).
    let to = connect.to.to_string();
    assert!(to.contains("bob.example.com:7777"), "{to}");

    let a_seen = sim.clients[a].msrp_in.len();
    sim.accept_connect(b);
    assert!(sim.connects.is_empty());
    assert_eq!(sim.focus.participant_connection(bob), Some(&MsrpConn(b)));
    // RFC 4975 §5.4: the active side's first request is a bodiless SEND to the client.
    let seen = text(&sim.clients[b].msrp_in);
    let first = seen.split("\r\n").next().unwrap();
    assert!(
        first.starts_with("MSRP ") && first.ends_with(" SEND"),
        "{seen}"
    );
    let first_frame = &seen[..seen.find("$\r\n").unwrap()];
    assert!(
        first_frame.contains(&format!("To-Path: {}", sim.clients[b].msrp_uri())),
        "{seen}"
    );
    assert!(first_frame.contains("Byte-Range: 1-0/0"), "{seen}");
    assert!(!first_frame.contains("Content-Type"), "{seen}");
    // The client's 200 to it is the focus's own: nothing reaches the room.
    assert_eq!(
        sim.clients[a].msrp_in.len(),
        a_seen,
        "{}",
        text(&sim.clients[a].msrp_in)
    );

    // REQ: SW-4: messages flow both ways on the connection the focus opened.
    let to_bob = sim.send_cpim(a, "sip:alice@example.com", "hello passive bob");
    assert_eq!(sim.clients[b].messages(), [to_bob]);
    let from_bob = sim.send_cpim(b, "sip:bob@example.com", "hello alice");
    assert_eq!(sim.clients[a].messages(), [from_bob]);
    assert!(sim.clients[a].send_failures().is_empty());
    assert!(sim.clients[b].send_failures().is_empty());
}

#[test]
fn a_passive_client_is_connected_to_by_the_focus_and_messages_flow_both_ways() {
    // REQ: FOC-2, SW-2, SW-4 (RFC 4975 §5.4, RFC 6135: a=setup:passive → the focus connects)
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    sim.join(a);
    let b = client_with_setup(&mut sim, "bob", "Bob", "passive");
    active_side_flow(sim, a, b);
}

#[test]
fn an_actpass_client_is_connected_to_by_the_default_actpass_focus() {
    // REQ: FOC-2, SW-4 (ControlConfig::setup default actpass: the focus connects to an
    // actpass offerer)
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    sim.join(a);
    let b = client_with_setup(&mut sim, "bob", "Bob", "actpass");
    active_side_flow(sim, a, b);
}

#[test]
fn a_focus_configured_active_connects_to_actpass_and_refuses_active_offers() {
    // REQ: FOC-1, FOC-2, SW-4 (ControlConfig::setup = active; RFC 6135, RFC 4145 §4.1)
    let mut sim = Sim::with_config(|c| c.control.setup = Setup::Active);
    let m = sim.add_client("mallory", Some("Mallory"), false);
    // Two active ends cannot connect: 488 with a Warning.
    let refused = sim.invite(m);
    assert_eq!(refused.code(), 488);
    let a = client_with_setup(&mut sim, "alice", "Alice", "passive");
    assert_eq!(sim.invite(a).code(), 200);
    sim.ack(a);
    sim.accept_connect(a);
    let b = client_with_setup(&mut sim, "bob", "Bob", "actpass");
    active_side_flow(sim, a, b);
}

#[test]
fn a_failed_connect_removes_the_participant_with_a_bye() {
    // REQ: FOC-6 (a connection that failed to open), FOC-8 (subscribers told it left)
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    sim.join(a);
    sim.subscribe(a);
    let b = client_with_setup(&mut sim, "bob", "Bob", "passive");
    sim.invite(b);
    sim.ack(b);
    let bob = sim.clients[b].participant.unwrap();
    assert_eq!(sim.focus.switch(sim.room).unwrap().participant_count(), 2);
    let joined = sim.clients[a].notifies.last().unwrap().clone();
    assert!(joined.contains("sip:bob@example.com"), "{joined}");

    sim.fail_connect(b);
    assert_eq!(sim.requests(b, &Method::Bye).len(), 1);
    assert_eq!(left(&sim, bob), Some(LeaveReason::Removed));
    assert_eq!(sim.focus.switch(sim.room).unwrap().participant_count(), 1);
    assert!(sim.focus.alias(bob).is_none());
    assert!(sim.focus.participant_connection(bob).is_none());
    let gone = sim.clients[a].notifies.last().unwrap().clone();
    assert!(gone.contains(r#"state="deleted""#), "{gone}");
    assert!(gone.contains("sip:bob@example.com"), "{gone}");
    // A connection opened late for it is not bound to anyone.
    let now = sim.now;
    sim.focus.handle_msrp_connected(now, MsrpConn(b), Some(bob));
    sim.settle();
    assert!(sim.focus.participant_connection(bob).is_none());
    assert!(sim.clients[b].msrp_in.is_empty());
}

// --- 2. the conference event package -------------------------------------------------------

#[test]
fn a_refresh_gets_200_and_the_full_document_again_and_extends_the_subscription() {
    // REQ: FOC-8 (RFC 6665 §4.2.1.2: a refresh is answered with the current state)
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    sim.join(a);
    sim.join(b);
    sim.subscribe(a);
    assert_eq!(oks_to(&sim, a, "SUBSCRIBE"), 1);
    assert_eq!(sim.clients[a].notifies.len(), 1);

    sim.advance(Duration::from_secs(500));
    sim.resubscribe(a, 600);
    assert_eq!(oks_to(&sim, a, "SUBSCRIBE"), 2);
    assert_eq!(sim.focus.subscription_count(), 1);
    assert_eq!(sim.clients[a].notifies.len(), 2);
    let again = sim.clients[a].notifies.last().unwrap().clone();
    assert!(again.contains(r#"state="full""#), "{again}");
    assert!(again.contains("sip:alice@example.com"), "{again}");
    assert!(again.contains("sip:bob@example.com"), "{again}");
    assert!(again.contains(r#"yourown="true""#), "ALIAS-4: {again}");
    assert_eq!(version(&again), 2);
    let notify = sim.requests(a, &Method::Notify).pop().unwrap();
    assert!(
        header(&notify, "Subscription-State").starts_with("active"),
        "{notify:?}"
    );

    // Past the first expiry (600 s) but within the refreshed one: still there.
    sim.advance(Duration::from_secs(200));
    assert_eq!(sim.focus.subscription_count(), 1);
    sim.leave(b);
    let partial = sim.clients[a].notifies.last().unwrap().clone();
    assert!(partial.contains(r#"state="partial""#), "{partial}");
    assert_eq!(version(&partial), 3);
}

#[test]
fn expires_zero_ends_the_subscription_with_a_terminated_notify() {
    // REQ: FOC-8 (RFC 6665 §4.1.2.3, §4.2.1.1: unsubscribe → final NOTIFY)
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    sim.join(a);
    sim.subscribe(a);
    sim.resubscribe(a, 0);
    assert_eq!(oks_to(&sim, a, "SUBSCRIBE"), 2);
    assert_eq!(sim.focus.subscription_count(), 0);
    let notify = sim.requests(a, &Method::Notify).pop().unwrap();
    let state = header(&notify, "Subscription-State");
    assert!(state.starts_with("terminated"), "{state}");
    assert!(sim.events.iter().any(|e| matches!(
        e,
        FocusEvent::SubscriptionEnded {
            reason: NotifierTermination::Unsubscribed,
            ..
        }
    )));
    // Nothing more is sent on it.
    let notifies = sim.clients[a].notifies.len();
    sim.join(b);
    assert_eq!(sim.clients[a].notifies.len(), notifies);
    // Another SUBSCRIBE in the ended dialog: no such subscription (RFC 6665 §4.2.1.1).
    sim.resubscribe(a, 600);
    assert!(
        sim.clients[a]
            .sip_in
            .iter()
            .filter_map(Message::as_response)
            .any(|r| r.code() == 481),
        "{:?}",
        sim.clients[a].sip_in
    );
    assert_eq!(sim.focus.subscription_count(), 0);
}

#[test]
fn an_unrefreshed_subscription_expires_with_reason_timeout() {
    // REQ: FOC-8 (RFC 6665 §4.2.2: expiry → final NOTIFY, reason=timeout)
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    sim.join(a);
    sim.subscribe(a);
    sim.advance(Duration::from_secs(599));
    assert_eq!(sim.focus.subscription_count(), 1);
    sim.advance(Duration::from_secs(2));
    assert_eq!(sim.focus.subscription_count(), 0);
    let notify = sim.requests(a, &Method::Notify).pop().unwrap();
    let state = header(&notify, "Subscription-State");
    assert!(state.starts_with("terminated"), "{state}");
    assert!(state.contains("reason=timeout"), "{state}");
    assert!(sim.events.iter().any(|e| matches!(
        e,
        FocusEvent::SubscriptionEnded {
            reason: NotifierTermination::Expired,
            ..
        }
    )));
}

#[test]
fn remove_room_ends_subscriptions_with_noresource_and_forgets_the_room() {
    // REQ: FOC-8, FOC-6 (RFC 6665 §4.2.2: reason=noresource)
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let w = sim.add_client("walter", None, false);
    sim.join(a);
    sim.join(b);
    sim.subscribe(a);
    sim.subscribe(w); // a watcher who never joined
    assert_eq!(sim.focus.subscription_count(), 2);
    let (now, room) = (sim.now, sim.room);
    sim.focus.remove_room(now, room).unwrap();
    sim.settle();

    assert_eq!(sim.focus.subscription_count(), 0);
    for i in [a, w] {
        let notify = sim.requests(i, &Method::Notify).pop().unwrap();
        let state = header(&notify, "Subscription-State");
        assert!(state.starts_with("terminated"), "{state}");
        assert!(state.contains("reason=noresource"), "{state}");
    }
    let ended = sim
        .events
        .iter()
        .filter(|e| matches!(e, FocusEvent::SubscriptionEnded { room: r, .. } if *r == room))
        .count();
    assert_eq!(ended, 2);
    // FOC-6: everyone got a BYE.
    assert_eq!(sim.requests(a, &Method::Bye).len(), 1);
    assert_eq!(sim.requests(b, &Method::Bye).len(), 1);
    assert!(sim.requests(w, &Method::Bye).is_empty());
    assert!(sim.focus.switch(room).is_none());
    assert!(sim.focus.conference_state(room).is_none());

    // The room is gone: a new SUBSCRIBE and a new INVITE get 404.
    let c = sim.add_client("carol", Some("Carol"), false);
    sim.subscribe(c);
    assert!(
        sim.clients[c]
            .sip_in
            .iter()
            .filter_map(Message::as_response)
            .any(|r| r.code() == 404),
        "{:?}",
        sim.clients[c].sip_in
    );
    let d = sim.add_client("dave", Some("Dave"), false);
    assert_eq!(sim.invite(d).code(), 404);
    // Removing it twice is the caller's error.
    assert!(sim.focus.remove_room(now, room).is_err());
}

// --- 3. end_room ---------------------------------------------------------------------------

#[test]
fn end_room_byes_everyone_notifies_subscribers_and_empties_the_switch() {
    // REQ: FOC-6 (ending the conference removes everyone), FOC-8
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let c = sim.add_client("carol", Some("Carol"), false);
    let w = sim.add_client("walter", None, false);
    for i in [a, b, c] {
        sim.join(i);
    }
    sim.subscribe(w);
    let before = sim.clients[w].notifies.len();
    let ids: Vec<_> = [a, b, c]
        .iter()
        .map(|i| sim.clients[*i].participant.unwrap())
        .collect();
    let (now, room) = (sim.now, sim.room);
    sim.focus.end_room(now, room).unwrap();
    sim.settle();

    for i in [a, b, c] {
        assert_eq!(
            sim.requests(i, &Method::Bye).len(),
            1,
            "{}",
            sim.clients[i].name
        );
    }
    for (p, i) in ids.iter().zip([a, b, c]) {
        assert_eq!(left(&sim, *p), Some(LeaveReason::RoomEnded));
        assert!(sim.focus.alias(*p).is_none());
        assert!(sim.events.iter().any(|e| matches!(
            e,
            FocusEvent::CloseConnection { conn, reason: CloseReason::Unused } if *conn == MsrpConn(i)
        )));
    }
    assert_eq!(sim.focus.switch(room).unwrap().participant_count(), 0);
    // The subscriber was told each departure; its subscription stays.
    let after = &sim.clients[w].notifies[before..];
    assert!(!after.is_empty());
    let deleted = after
        .iter()
        .filter(|d| d.contains(r#"state="deleted""#))
        .count();
    assert!(deleted >= 1, "{after:?}");
    for who in ["alice", "bob", "carol"] {
        assert!(
            after
                .iter()
                .any(|d| d.contains(&format!("sip:{who}@example.com"))),
            "{who}: {after:?}"
        );
    }
    assert_eq!(sim.focus.subscription_count(), 1);
    assert_eq!(
        sim.focus
            .conference_state(room)
            .unwrap()
            .full_document(&mut simpleim_focus::conference_info::Subscription::new(
                None
            ))
            .to_xml()
            .matches("<user ")
            .count(),
        0
    );

    // The room stays: it may be joined again, and the subscriber hears of it.
    let d = sim.add_client("dave", Some("Dave"), false);
    sim.join(d);
    assert_eq!(sim.focus.switch(room).unwrap().participant_count(), 1);
    let joined = sim.clients[w].notifies.last().unwrap().clone();
    assert!(joined.contains("sip:dave@example.com"), "{joined}");
}

// --- 4. system messages --------------------------------------------------------------------

#[test]
fn a_system_message_reaches_everyone_from_the_focus_itself() {
    // REQ: SW-9, SW-10
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let z = sim.add_client("zed", Some("shadow"), true);
    for i in [a, b, z] {
        sim.join(i);
    }
    let (now, room) = (sim.now, sim.room);
    let sent = sim
        .focus
        .send_system_message(
            now,
            room,
            None,
            "Announcement",
            "text/plain",
            Bytes::from_static(b"Maintenance at noon"),
        )
        .unwrap();
    sim.settle();
    assert_eq!(sent.len(), 3);
    for (i, to) in [
        (a, "<sip:alice@example.com>"),
        (b, "<sip:bob@example.com>"),
        (z, "<sip:anonymous@anonymous.invalid>"),
    ] {
        let got = sim.clients[i].messages();
        assert_eq!(got.len(), 1, "{}", sim.clients[i].name);
        let cpim = text(&got[0]);
        assert!(
            cpim.contains(&format!("From: Announcement <{ROOM};conf=isfocus>")),
            "{cpim}"
        );
        let to_line = cpim.lines().find(|l| l.starts_with("To: ")).unwrap();
        assert!(to_line.ends_with(to), "{cpim}");
        assert!(cpim.contains("Content-Type: text/plain"), "{cpim}");
        assert!(cpim.ends_with("Maintenance at noon"), "{cpim}");
        // SEC-1: an anonymous participant's identity is never shown.
        assert!(!cpim.contains("zed@example.com"), "{cpim}");
    }

    // To one participant only.
    let bob = sim.clients[b].participant.unwrap();
    let one = sim
        .focus
        .send_system_message(
            now,
            room,
            Some(bob),
            "SysAdmin",
            "text/plain",
            Bytes::from_static(b"just you"),
        )
        .unwrap();
    sim.settle();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].0, bob);
    assert_eq!(sim.clients[a].messages().len(), 1);
    assert_eq!(sim.clients[z].messages().len(), 1);
    let got = sim.clients[b].messages();
    assert_eq!(got.len(), 2);
    let cpim = text(&got[1]);
    assert!(
        cpim.contains(&format!("From: SysAdmin <{ROOM};conf=isfocus>")),
        "{cpim}"
    );
    assert!(cpim.ends_with("just you"), "{cpim}");

    // Errors: a participant not in the room; an unknown room.
    sim.leave(a);
    let alice = sim.clients[a].participant.unwrap();
    assert!(
        sim.focus
            .send_system_message(
                now,
                room,
                Some(alice),
                "SysAdmin",
                "text/plain",
                Bytes::new()
            )
            .is_err()
    );
    sim.focus.remove_room(now, room).unwrap();
    assert!(matches!(
        sim.focus.send_system_message(now, room, None, "SysAdmin", "text/plain", Bytes::new()),
        Err(simpleim_focus::FocusError::UnknownRoom(r)) if r == room
    ));
}

// --- 5. back-pressure ----------------------------------------------------------------------

const MAX_QUEUED: usize = 4096;
const SLACK: usize = 1024;

fn small_queues() -> Sim {
    Sim::with_config(|c| {
        c.switch_limits.max_queued_bytes = MAX_QUEUED;
        c.switch_limits.control_slack = SLACK;
    })
}

#[test]
fn a_non_reading_participant_has_a_bounded_queue_and_the_others_get_everything() {
    // REQ: SEC-2, SW-6 (back-pressure through Focus::set_msrp_writable)
    let mut sim = small_queues();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let c = sim.add_client("carol", Some("Carol"), false);
    for i in [a, b, c] {
        sim.join(i);
    }
    let (room, bob) = (sim.room, sim.clients[b].participant.unwrap());
    sim.set_reading(b, false);
    let bob_seen = sim.clients[b].msrp_in.len();
    let mut sent = Vec::new();
    for n in 0..20 {
        let body = format!("message {n:02} {}", "x".repeat(500));
        sent.push(sim.send_cpim(a, "sip:alice@example.com", &body));
        let queued = sim.focus.switch(room).unwrap().queued_bytes(bob);
        assert!(queued <= MAX_QUEUED + SLACK, "{n}: {queued}");
    }
    // Nothing was written to bob while he did not read.
    assert_eq!(sim.clients[b].msrp_in.len(), bob_seen);
    // Carol got everything, in order.
    assert_eq!(sim.clients[c].messages(), sent);
    // Bob is still in the room (his queue stayed under the hard bound).
    assert!(left(&sim, bob).is_none());

    // Resuming delivers what stayed queued: whole messages, a prefix of what was sent,
    // in order; the copies that passed the bound were aborted.
    sim.set_reading(b, true);
    let got = sim.clients[b].messages();
    assert!(!got.is_empty());
    assert!(got.len() < sent.len(), "{}", got.len());
    assert_eq!(got[..], sent[..got.len()]);
    assert_eq!(sim.focus.switch(room).unwrap().queued_bytes(bob), 0);
    // Each aborted copy was reported back to alice (a failure REPORT, 408).
    let failures = sim.clients[a].send_failures();
    assert_eq!(failures.len(), sent.len() - got.len(), "{failures:?}");
    assert!(failures.iter().all(|s| *s == 408), "{failures:?}");
    // And after that, bob gets everything again.
    let more = sim.send_cpim(a, "sip:alice@example.com", "welcome back");
    assert_eq!(sim.clients[b].messages().last(), Some(&more));
    assert_eq!(sim.clients[c].messages().last(), Some(&more));
}

#[test]
fn a_participant_whose_queue_passes_every_bound_is_stalled_and_removed() {
    // REQ: SEC-2, FOC-6 (a stalled reader is removed with a BYE)
    let mut sim = small_queues();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let c = sim.add_client("carol", Some("Carol"), false);
    for i in [a, b, c] {
        sim.join(i);
    }
    let (room, bob) = (sim.room, sim.clients[b].participant.unwrap());
    sim.set_reading(b, false);
    // Bob keeps writing without reading: the answers to his own chunks pile up, past the
    // queue bound plus the slack for control frames.
    let mut from_bob = Vec::new();
    for n in 0..200 {
        if left(&sim, bob).is_some() {
            break;
        }
        from_bob.push(sim.send_cpim(b, "sip:bob@example.com", &format!("talk {n}")));
        let queued = sim.focus.switch(room).map_or(0, |s| s.queued_bytes(bob));
        assert!(queued <= MAX_QUEUED + SLACK, "{n}: {queued}");
    }
    assert_eq!(left(&sim, bob), Some(LeaveReason::Removed));
    assert!(sim.events.iter().any(|e| matches!(
        e,
        FocusEvent::CloseConnection {
            conn: MsrpConn(1),
            reason: CloseReason::Stalled
        }
    )));
    assert_eq!(sim.requests(b, &Method::Bye).len(), 1);
    assert_eq!(sim.focus.switch(room).unwrap().participant_count(), 2);
    // What bob sent before was relayed to the others (nothing of theirs was lost).
    assert_eq!(sim.clients[a].messages(), from_bob);
    assert_eq!(sim.clients[c].messages(), from_bob);
    let last = sim.send_cpim(a, "sip:alice@example.com", "bob is gone");
    assert_eq!(sim.clients[c].messages().last(), Some(&last));
    // The forgotten connection's bytes are ignored.
    let now = sim.now;
    sim.focus.handle_msrp(now, MsrpConn(b), b"MSRP x SEND\r\n");
    sim.settle();
    assert!(sim.focus.participant_connection(bob).is_none());
}

// --- 5. bind deadlines -----------------------------------------------------------------------

fn closed(sim: &Sim, conn: MsrpConn) -> Option<CloseReason> {
    sim.events.iter().find_map(|e| match e {
        FocusEvent::CloseConnection { conn: c, reason } if *c == conn => Some(*reason),
        _ => None,
    })
}

#[test]
fn a_connection_that_never_binds_is_closed_at_the_bind_timeout() {
    // REQ: SEC-2 (an idle connection does not hold a slot forever)
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    sim.join(a);
    let idle = MsrpConn(99);
    let now = sim.now;
    sim.focus.handle_msrp_connected(now, idle, None);
    // A request for no session here gets 481 and does not bind it.
    sim.focus.handle_msrp(
        now,
        idle,
        b"MSRP xyz1 SEND\r\nTo-Path: msrp://conf.example.com:2855/nobody;tcp\r\n\
          From-Path: msrp://x.example.com:1/s;tcp\r\nMessage-ID: m\r\n-------xyz1$\r\n",
    );
    let mut answered = Vec::new();
    while let Some(t) = sim.focus.poll_transmit() {
        if let simpleim_focus::FocusTransmit::Msrp { conn, bytes } = t {
            assert_eq!(conn, idle);
            answered.extend_from_slice(&bytes);
        }
    }
    assert!(
        text(&answered).starts_with("MSRP xyz1 481"),
        "{}",
        text(&answered)
    );
    let deadline = sim.focus.poll_timeout().unwrap();
    assert!(deadline <= now + Duration::from_secs(30));
    sim.advance(Duration::from_secs(29));
    assert_eq!(closed(&sim, idle), None);
    sim.advance(Duration::from_secs(1));
    assert_eq!(closed(&sim, idle), Some(CloseReason::BindTimeout));
    // Alice's bound connection stays, and she stays.
    let alice = sim.clients[a].participant.unwrap();
    assert_eq!(closed(&sim, MsrpConn(a)), None);
    assert_eq!(sim.focus.participant_connection(alice), Some(&MsrpConn(a)));
    assert_eq!(left(&sim, alice), None);
}

#[test]
fn a_joined_participant_that_never_connects_is_removed_at_the_bind_timeout() {
    // REQ: FOC-6 (removal with BYE), SEC-2
    let mut sim = Sim::with_config(|c| c.limits.bind_timeout = Duration::from_secs(10));
    let a = sim.add_client("alice", Some("Alice"), false);
    sim.join(a);
    let b = sim.add_client("bob", Some("Bob"), false);
    sim.invite(b);
    sim.ack(b);
    let bob = sim.clients[b].participant.unwrap();
    assert_eq!(sim.focus.switch(sim.room).unwrap().participant_count(), 2);
    sim.advance(Duration::from_secs(9));
    assert_eq!(left(&sim, bob), None);
    sim.advance(Duration::from_secs(1));
    assert_eq!(sim.requests(b, &Method::Bye).len(), 1);
    assert_eq!(left(&sim, bob), Some(LeaveReason::Removed));
    assert_eq!(sim.focus.switch(sim.room).unwrap().participant_count(), 1);
    assert!(sim.requests(a, &Method::Bye).is_empty());
}

#[test]
fn a_connection_opened_late_for_a_removed_participant_is_closed_at_the_bind_timeout() {
    // REQ: FOC-6, SEC-2
    let mut sim = Sim::new();
    let b = client_with_setup(&mut sim, "bob", "Bob", "passive");
    sim.invite(b);
    sim.ack(b);
    let bob = sim.clients[b].participant.unwrap();
    sim.fail_connect(b);
    let now = sim.now;
    sim.focus.handle_msrp_connected(now, MsrpConn(b), Some(bob));
    sim.settle();
    assert!(sim.focus.participant_connection(bob).is_none());
    assert_eq!(closed(&sim, MsrpConn(b)), None);
    sim.advance(Duration::from_secs(30));
    assert_eq!(closed(&sim, MsrpConn(b)), Some(CloseReason::BindTimeout));
}

// --- 6. starting a pre-defined group's session ----------------------------------------------

/// A pre-defined group of Alice, Bob and Carol, with display names as the group's list has
/// them (`"Alice" <sip:alice@example.com>`); clients 0, 1, 2.
fn group() -> (Sim, usize, usize, usize) {
    let members = [("Alice", "alice"), ("Bob", "bob"), ("Carol", "carol")]
        .iter()
        .map(|(d, n)| {
            NameAddr::parse(&Bytes::from(format!("\"{d}\" <sip:{n}@example.com>"))).unwrap()
        })
        .collect();
    let mut sim = Sim::with_room(|_| {}, |r| r.with_members(members));
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let c = sim.add_client("carol", Some("Carol"), false);
    (sim, a, b, c)
}

#[test]
fn bob_starts_the_group_session_alice_answers_carol_declines_and_messages_flow() {
    // REQ: FOC-3 (seed 002 §7.2.1.3 step 8), FOC-2, SW-2, SW-4, FOC-8
    let (mut sim, a, b, c) = group();
    sim.send_invite(b);
    assert!(sim.final_response(b).is_none(), "Bob waits for a member");
    assert_eq!(sim.requests(a, &Method::Invite).len(), 1);
    assert_eq!(sim.requests(c, &Method::Invite).len(), 1);
    assert!(
        sim.requests(b, &Method::Invite).is_empty(),
        "the inviter is not invited"
    );

    sim.answer_invite(a, 180);
    let ringing = sim.clients[b]
        .sip_in
        .iter()
        .filter_map(Message::as_response)
        .filter(|r| r.code() == 180)
        .count();
    assert_eq!(ringing, 1);
    sim.answer_invite(a, 200);
    assert_eq!(
        sim.requests(a, &Method::Ack).len(),
        1,
        "the focus ACKs Alice"
    );
    let ok = sim.final_response(b).expect("Bob's 200 on Alice's 200");
    assert_eq!(ok.code(), 200);
    sim.ack(b);
    sim.open_msrp(b);
    sim.open_msrp(a);
    sim.answer_invite(c, 603);
    // The transaction layer ACKs the 603 itself, on the INVITE's branch (RFC 3261 §17.1.1.3).
    let acks = sim.requests(c, &Method::Ack);
    assert_eq!(acks.len(), 1);
    let invite = sim.requests(c, &Method::Invite).remove(0);
    assert_eq!(header(&acks[0], "Via"), header(&invite, "Via"));
    assert_eq!(sim.focus.switch(sim.room).unwrap().participant_count(), 2);
    let alice = sim.clients[a].participant.unwrap();
    assert_eq!(
        sim.focus.alias(alice).unwrap().display_name(),
        Some("Alice")
    );

    sim.send_cpim(b, "sip:bob@example.com", "Hello group");
    assert_eq!(sim.clients[a].messages().len(), 1);
    sim.send_cpim(a, "sip:alice@example.com", "Hi Bob");
    assert_eq!(sim.clients[b].messages().len(), 1);
    assert!(sim.clients[c].messages().is_empty());
}

#[test]
fn a_group_whose_members_all_decline_refuses_the_inviter_with_the_lowest_status() {
    // REQ: FOC-3
    let (mut sim, a, b, c) = group();
    sim.send_invite(b);
    sim.answer_invite(a, 486);
    assert!(sim.final_response(b).is_none());
    sim.answer_invite(c, 480);
    assert_eq!(sim.final_response(b).unwrap().code(), 480);
    assert_eq!(sim.focus.switch(sim.room).unwrap().participant_count(), 0);
    assert!(sim.events.iter().any(|e| matches!(
        e,
        FocusEvent::Rejected {
            status: 480,
            why: simpleim_focus::control::RejectReason::MembersFailed,
            ..
        }
    )));
}

#[test]
fn a_large_message_reaches_every_member_and_the_senders_bye_ends_it() {
    // REQ: LMM-1 (seed 003: relay each SEND to every member; BYE to every member)
    let members = [("Alice", "alice"), ("Carol", "carol")]
        .iter()
        .map(|(d, n)| {
            NameAddr::parse(&Bytes::from(format!("\"{d}\" <sip:{n}@example.com>"))).unwrap()
        })
        .collect();
    let mut sim = Sim::with_room(
        |_| {},
        |r| {
            let mut r = r.with_members(members);
            r.services = simpleim_focus::control::GroupServices::with_large_message();
            r
        },
    );
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let c = sim.add_client("carol", Some("Carol"), false);
    sim.clients[b].large_message = true;
    sim.send_invite(b);
    let temp = sim
        .events
        .iter()
        .find_map(|e| match e {
            FocusEvent::RoomCreated { room, .. } => Some(*room),
            _ => None,
        })
        .expect("a temporary room");
    sim.answer_invite(a, 200);
    sim.answer_invite(c, 200);
    let ok = sim.final_response(b).expect("Bob's 200 on Alice's 200");
    assert!(header_of(&ok, "Contact").ends_with(";isfocus"));
    sim.ack(b);
    sim.open_msrp(b);
    sim.open_msrp(a);
    sim.open_msrp(c);
    assert_eq!(sim.focus.switch(temp).unwrap().participant_count(), 3);
    assert_eq!(sim.focus.switch(sim.room).unwrap().participant_count(), 0);

    // The large message, addressed to the group, reaches both members.
    let big = "x".repeat(100_000);
    sim.send_cpim(b, "sip:bob@example.com", &big);
    for m in [a, c] {
        let got = sim.clients[m].messages();
        assert_eq!(got.len(), 1, "{}", sim.clients[m].name);
        assert!(got[0].len() > 100_000);
    }

    // Bob's BYE ends it for everyone, and the room goes.
    sim.leave(b);
    assert_eq!(sim.requests(a, &Method::Bye).len(), 1);
    assert_eq!(sim.requests(c, &Method::Bye).len(), 1);
    assert!(
        sim.events
            .iter()
            .any(|e| matches!(e, FocusEvent::RoomReleased { room } if *room == temp))
    );
    assert!(sim.focus.switch(temp).is_none());
}

fn header_of(r: &simpleim_sip::Response, name: &str) -> String {
    let v = r
        .headers()
        .get_named(name)
        .next()
        .unwrap_or_else(|| panic!("no {name}"))
        .value();
    String::from_utf8_lossy(&v).into_owned()
}

// --- 7. deferred messages through the focus --------------------------------------------------

fn with_deferred() -> Sim {
    Sim::with_config(|c| c.deferred = Some(deferred_setup()))
}

/// [`with_deferred`], its wall clock at 2025-11-21T05:20:00Z at the simulated start.
fn with_deferred_and_clock() -> Sim {
    let mut sim = with_deferred();
    let now = sim.now;
    sim.focus.set_wall_clock(
        now,
        simpleim_focus::deferred::Timestamp::from_unix_seconds(1_763_702_400),
    );
    sim
}

fn stored_for(sim: &Sim, user: &str) -> usize {
    use simpleim_focus::deferred::{Aor, DeferredStore};
    let store = sim.focus.deferred().unwrap().store();
    store
        .list(&Aor::parse(user).unwrap(), None, 100)
        .unwrap()
        .len()
}

#[test]
fn a_message_for_an_offline_user_is_stored_and_pushed_when_it_registers() {
    // REQ: DEF-1 (202 when stored), DEF-2 (third-party REGISTER, push: INVITE, one SEND per
    // stored message, BYE)
    let mut sim = with_deferred_and_clock();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let r = sim.message(a, "sip:bob@example.com", "Hello Bob, call me");
    assert_eq!(r.code(), 202);
    assert_eq!(stored_for(&sim, "sip:bob@example.com"), 1);

    sim.from_proxy(&third_party_register("bob", 1, 600));
    let invite = sim.requests(b, &Method::Invite);
    assert_eq!(invite.len(), 1, "the push's INVITE");
    let offer = String::from_utf8_lossy(&invite[0].body()).into_owned();
    assert!(offer.contains("msrp://conf.example.com:2856/"), "{offer}");
    sim.answer_invite(b, 200);
    assert_eq!(sim.requests(b, &Method::Ack).len(), 1);
    sim.open_push_msrp(b);
    let got = sim.clients[b].messages();
    assert_eq!(got.len(), 1);
    // Bob's answer accepts message/cpim only, so the stored MESSAGE comes CPIM-wrapped (the
    // message/sip form of seed 004 App. H needs a=accept-types with message/sip): From
    // Alice, To Bob, DateTime when the focus received it.
    let cpim = simpleim_cpim::CpimMessage::parse(got[0].clone()).unwrap();
    let head = cpim.head();
    assert_eq!(head.from().unwrap().unwrap().uri(), "sip:alice@example.com");
    let text = String::from_utf8_lossy(&got[0]).into_owned();
    assert!(text.contains("DateTime: 2025-11-21T05:20:00Z"), "{text}");
    assert_eq!(cpim.payload().as_ref(), b"Hello Bob, call me");
    assert_eq!(stored_for(&sim, "sip:bob@example.com"), 0);
    assert_eq!(
        sim.requests(b, &Method::Bye).len(),
        1,
        "the push ends with BYE"
    );
    let delivered = std::iter::from_fn(|| sim.focus.poll_deferred_event())
        .filter(|e| matches!(e, simpleim_focus::DeferredEvent::Delivered { .. }))
        .count();
    assert_eq!(delivered, 1);
}

#[test]
fn a_register_requiring_pref_is_served_and_a_message_to_the_room_is_not_stored() {
    // REQ: DEF-2 (an OMA client's REGISTER has Require: pref, seed 004 §6.1.1.1), DEF-1
    let mut sim = with_deferred();
    let text = String::from_utf8_lossy(third_party_register("bob", 1, 600).as_bytes()).replacen(
        "Expires: 600\r\n",
        "Expires: 600\r\nRequire: pref\r\n",
        1,
    );
    let Message::Request(r) = Message::parse_datagram(Bytes::from(text)).unwrap() else {
        unreachable!()
    };
    sim.from_proxy(&r);
    let answer = sim.proxy_in.iter().find_map(Message::as_response).unwrap();
    assert_eq!(answer.code(), 200, "{answer:?}");
    let a = sim.add_client("alice", Some("Alice"), false);
    let r = sim.message(a, ROOM, "to the room");
    assert_eq!(r.code(), 405, "not stored for a user called chat");
}

#[test]
fn room_messages_go_into_the_transcripts_returned_as_xml() {
    // REQ: DEF-3 (originator, destination, time received, session id, content type)
    let mut sim = with_deferred_and_clock();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    sim.join(a);
    sim.join(b);
    sim.send_cpim(a, "sip:alice@example.com", "first");
    sim.send_cpim(b, "sip:bob@example.com", "second");
    // A spoofed From is refused (403) and not transcribed.
    sim.send_cpim(b, "sip:mallory@example.com", "spoofed");
    let doc = sim
        .focus
        .deferred()
        .unwrap()
        .transcript_document(&simpleim_focus::deferred::TranscriptQuery::new(10))
        .unwrap();
    let entries = simpleim_focus::deferred::parse_transcript(doc.as_bytes()).unwrap();
    assert_eq!(entries.len(), 2, "{doc}");
    assert_eq!(entries[0].originator, "sip:alice@example.com");
    assert_eq!(entries[0].destination, ROOM);
    assert_eq!(entries[0].session_id, ROOM);
    assert_eq!(entries[0].content_type, "text/plain");
    assert_eq!(entries[0].body.as_ref(), b"first");
    assert_eq!(entries[0].received.to_rfc3339(), "2025-11-21T05:20:00Z");
    assert_eq!(entries[1].originator, "sip:bob@example.com");
    assert_eq!(entries[1].body.as_ref(), b"second");
}
