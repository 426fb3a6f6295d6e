//! Pager-mode group messages through the composed focus (REQ: GRP-1, DEF-1): a MESSAGE to a
//! pre-defined group, or to the conference factory with an RFC 5365 recipient list, answered
//! 202 and exploded into one MESSAGE per member through the SIP/IP core ([`PROXY`]), with the
//! deferred service for those who are not registered or whose copy fails; the policy checks,
//! privacy and the per-sender rate limit. Driven by `simpleim_test_support::focus_sim`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::time::Duration;

use bytes::Bytes;
use simpleim_cpim::mime::{ContentType, Multipart};
use simpleim_focus::control::{
    ADHOC_GROUP_TOO_LARGE, ANONYMITY_NOT_ALLOWED, GroupDefinition, GroupPolicy, Members,
    MemoryDirectory,
};
use simpleim_focus::deferred::{Aor, DeferredStore, Timestamp};
use simpleim_focus::focus::pager::{PagerRefusal, RECIPIENT_LIST_HISTORY};
use simpleim_focus::resource_lists::ResourceLists;
use simpleim_focus::{FocusConfig, PagerConfig, PagerEvent, RateLimit};
use simpleim_sip::{HeaderName, Message, Method, NameAddr, Request, Response, SeededIds, Uri};
use simpleim_test_support::focus_sim::{
    PROXY, ROOM, Sim, SipConn, deferred_setup, third_party_register,
};

// --- helpers ---------------------------------------------------------------------------------

const FACTORY: &str = "sip:factory@conf.example.com";

fn uri(s: &str) -> Uri {
    Uri::parse(&Bytes::copy_from_slice(s.as_bytes())).unwrap()
}

fn addr(s: &str) -> NameAddr {
    NameAddr::new(uri(s))
}

fn sip_uri(s: &str) -> simpleim_sip::SipUri {
    match uri(s) {
        Uri::Sip(u) => u,
        other => panic!("{other:?}"),
    }
}

/// The room [`ROOM`] as a pre-defined group of alice, bob, carol and dave (anonymity allowed
/// for alice only, erin not a member), the factory, the pager and (optionally) the deferred
/// service.
fn group_sim(deferred: bool, adjust: impl FnOnce(&mut FocusConfig)) -> Sim {
    let members: Vec<NameAddr> = ["alice", "bob", "carol", "dave"]
        .iter()
        .map(|n| addr(&format!("sip:{n}@example.com")))
        .collect();
    let only = |names: &[&str]| {
        Members::Only(
            names
                .iter()
                .map(|n| uri(&format!("sip:{n}@example.com")))
                .collect(),
        )
    };
    let policy = GroupPolicy {
        joiners: only(&["alice", "bob", "carol", "dave"]),
        allow_anonymity: only(&["alice"]),
        ..GroupPolicy::default()
    };
    let mut sim = Sim::with_room(
        |c| {
            c.pager = Some(PagerConfig::default());
            c.control.conference_factory = Some(sip_uri(FACTORY));
            if deferred {
                c.deferred = Some(deferred_setup());
            }
            adjust(c);
        },
        |r| r.with_members(members).with_policy(policy),
    );
    for name in ["alice", "bob", "carol", "dave", "erin"] {
        sim.add_client(name, None, false);
    }
    sim
}

/// A MESSAGE from `from` (asserted) to `to`; `extra` are more header lines.
fn message(n: u32, from: &str, to: &str, extra: &str, ctype: &str, body: &str) -> Request {
    let text = format!(
        "MESSAGE {to} SIP/2.0\r\n\
         Via: SIP/2.0/TCP {from}.example.com;branch=z9hG4bKpg{n}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:{from}@example.com>;tag={from}{n}\r\n\
         To: <{to}>\r\n\
         Call-ID: pager-{n}\r\n\
         CSeq: 1 MESSAGE\r\n\
         P-Asserted-Identity: <sip:{from}@example.com>\r\n\
         {extra}\
         Content-Type: {ctype}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    match Message::parse_datagram(Bytes::from(text)).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

const IM: &str = "Accept-Contact: *;+g.oma.sip-im\r\n";

/// Client `i` sends `request`; its final response.
fn send(sim: &mut Sim, i: usize, request: &Request) -> Response {
    let before = sim.clients[i].sip_in.len();
    let m = Message::parse_datagram(request.as_bytes().clone()).unwrap();
    sim.focus.handle_sip(sim.now, SipConn(i), m);
    sim.settle();
    sim.clients[i].sip_in[before..]
        .iter()
        .filter_map(Message::as_response)
        .last()
        .cloned()
        .expect("an answer")
}

/// The MESSAGEs the focus sent client `i` (through the proxy).
fn messages_to(sim: &Sim, i: usize) -> Vec<Request> {
    sim.clients[i]
        .sip_in
        .iter()
        .filter_map(Message::as_request)
        .filter(|r| *r.method() == Method::Message)
        .cloned()
        .collect()
}

/// Client `i` answers the last MESSAGE it got with `code` (back through the proxy).
fn answer(sim: &mut Sim, i: usize, code: u16) {
    let m = messages_to(sim, i).pop().expect("a MESSAGE");
    let r = Response::for_request(&m, code, &mut SeededIds::new(9))
        .build()
        .unwrap();
    let m = Message::parse_datagram(r.as_bytes().clone()).unwrap();
    sim.focus.handle_sip(sim.now, PROXY, m);
    sim.settle();
}

fn register(sim: &mut Sim, user: &str, n: u32) {
    sim.from_proxy(&third_party_register(user, n, 3600));
}

fn pager_events(sim: &mut Sim) -> Vec<PagerEvent> {
    std::iter::from_fn(|| sim.focus.poll_pager_event()).collect()
}

fn stored_for(sim: &Sim, user: &str) -> usize {
    let store = sim.focus.deferred().unwrap().store();
    store
        .list(&Aor::parse(user).unwrap(), None, 100)
        .unwrap()
        .len()
}

fn header(r: &Request, name: &str) -> Vec<String> {
    r.headers()
        .get_named(name)
        .map(|h| String::from_utf8_lossy(&h.value()).into_owned())
        .collect()
}

fn warning(r: &Response) -> String {
    r.headers()
        .get(HeaderName::Warning)
        .map(|h| String::from_utf8_lossy(&h.value()).into_owned())
        .unwrap_or_default()
}

// --- a pre-defined group ---------------------------------------------------------------------

#[test]
fn a_group_message_is_exploded_to_each_member_but_the_sender_and_the_offline_one_is_deferred() {
    // REQ: GRP-1 (202, one MESSAGE per member, the sender excluded, Accept-Contact kept),
    // DEF-1 (an unregistered member's copy is stored; a refused copy is stored too)
    let mut sim = group_sim(true, |_| {});
    sim.focus
        .set_wall_clock(sim.now, Timestamp::from_unix_seconds(1_763_702_400));
    let (alice, bob, carol, dave) = (0, 1, 2, 3);
    register(&mut sim, "bob", 1);
    register(&mut sim, "carol", 1);
    let _ = pager_events(&mut sim);

    let r = send(
        &mut sim,
        alice,
        &message(1, "alice", ROOM, IM, "text/plain", "lunch at noon?"),
    );
    assert_eq!(r.code(), 202);
    assert!(
        messages_to(&sim, alice).is_empty(),
        "the sender gets no copy"
    );
    assert!(messages_to(&sim, dave).is_empty(), "dave is offline");
    assert_eq!(
        stored_for(&sim, "sip:dave@example.com"),
        1,
        "dave's copy is stored"
    );
    for i in [bob, carol] {
        let copies = messages_to(&sim, i);
        assert_eq!(copies.len(), 1);
        let m = &copies[0];
        let name = &sim.clients[i].name;
        assert_eq!(
            &m.uri_bytes()[..],
            format!("sip:{name}@example.com").as_bytes()
        );
        assert_eq!(header(m, "To"), [format!("<sip:{name}@example.com>")]);
        assert_eq!(
            header(m, "P-Asserted-Identity"),
            ["<sip:alice@example.com>"]
        );
        assert!(header(m, "From")[0].starts_with("<sip:alice@example.com>;tag="));
        assert_eq!(header(m, "Accept-Contact"), ["*;+g.oma.sip-im"]);
        assert_eq!(&m.body()[..], b"lunch at noon?");
        assert_eq!(header(m, "Content-Type"), ["text/plain"]);
    }
    answer(&mut sim, bob, 200);
    answer(&mut sim, carol, 486);
    assert_eq!(
        stored_for(&sim, "sip:carol@example.com"),
        1,
        "carol refused: stored"
    );
    let events = pager_events(&mut sim);
    assert!(
        matches!(&events[0], PagerEvent::Accepted { recipients: 3, sender, .. }
            if *sender == uri("sip:alice@example.com")),
        "{events:?}"
    );
    let deferred: Vec<(String, Option<u16>)> = events
        .iter()
        .filter_map(|e| match e {
            PagerEvent::Deferred {
                recipient, status, ..
            } => Some((recipient.clone(), *status)),
            _ => None,
        })
        .collect();
    assert_eq!(
        deferred,
        [
            ("sip:dave@example.com".to_owned(), None),
            ("sip:carol@example.com".to_owned(), Some(486))
        ]
    );
    assert!(events.iter().any(
        |e| matches!(e, PagerEvent::Delivered { recipient, .. } if recipient == "sip:bob@example.com")
    ));
}

#[test]
fn a_copy_without_an_answer_is_deferred_at_the_transaction_timeout() {
    // REQ: GRP-1, DEF-1 (a member whose MESSAGE times out gets it stored)
    let mut sim = group_sim(true, |_| {});
    register(&mut sim, "bob", 1);
    register(&mut sim, "carol", 1);
    register(&mut sim, "dave", 1);
    let r = send(
        &mut sim,
        0,
        &message(1, "alice", ROOM, IM, "text/plain", "hi"),
    );
    assert_eq!(r.code(), 202);
    answer(&mut sim, 1, 200);
    answer(&mut sim, 2, 200);
    let _ = pager_events(&mut sim);
    // Dave never answers: Timer F (64·T1) ends its transaction.
    sim.advance(Duration::from_secs(33));
    let events = pager_events(&mut sim);
    assert!(
        events.iter().any(
            |e| matches!(e, PagerEvent::Deferred { recipient, status: Some(408), .. }
            if recipient == "sip:dave@example.com")
        ),
        "{events:?}"
    );
    assert_eq!(stored_for(&sim, "sip:dave@example.com"), 1);
}

#[test]
fn without_the_deferred_service_failed_copies_are_reported() {
    // REQ: GRP-1 (every member is sent a copy; failures are events)
    let mut sim = group_sim(false, |_| {});
    let r = send(
        &mut sim,
        1,
        &message(1, "bob", ROOM, IM, "text/plain", "hi"),
    );
    assert_eq!(r.code(), 202);
    for i in [0, 2, 3] {
        assert_eq!(messages_to(&sim, i).len(), 1);
    }
    answer(&mut sim, 0, 200);
    answer(&mut sim, 2, 404);
    answer(&mut sim, 3, 200);
    let events = pager_events(&mut sim);
    assert!(events.iter().any(
        |e| matches!(e, PagerEvent::Failed { recipient, status: 404, .. }
        if recipient == "sip:carol@example.com")
    ));
    let delivered = events
        .iter()
        .filter(|e| matches!(e, PagerEvent::Delivered { .. }))
        .count();
    assert_eq!(delivered, 2);
}

#[test]
fn the_group_policy_refuses_like_the_invite_checks() {
    // REQ: GRP-1 (policy checks as for sessions: 403, Warning 119 for anonymity)
    let mut sim = group_sim(true, |_| {});
    // No +g.oma.sip-im.
    let r = send(&mut sim, 1, &message(1, "bob", ROOM, "", "text/plain", "x"));
    assert_eq!(r.code(), 403);
    // Erin is not a member: the joining policy refuses her.
    let r = send(
        &mut sim,
        4,
        &message(2, "erin", ROOM, IM, "text/plain", "x"),
    );
    assert_eq!(r.code(), 403);
    // Bob may not be anonymous.
    let extra = format!("{IM}Privacy: id\r\n");
    let r = send(
        &mut sim,
        1,
        &message(3, "bob", ROOM, &extra, "text/plain", "x"),
    );
    assert_eq!(r.code(), 403);
    let w = warning(&r);
    assert!(
        w.starts_with("119 ") && w.contains(ANONYMITY_NOT_ALLOWED),
        "{w}"
    );
    for i in 0..5 {
        assert!(messages_to(&sim, i).is_empty(), "nothing exploded");
    }
    let refused: Vec<PagerRefusal> = pager_events(&mut sim)
        .into_iter()
        .filter_map(|e| match e {
            PagerEvent::Refused { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(
        refused,
        [
            PagerRefusal::NotIm,
            PagerRefusal::NotAuthorized,
            PagerRefusal::AnonymityNotAllowed
        ]
    );
}

#[test]
fn an_anonymous_sender_is_not_disclosed() {
    // REQ: GRP-1 (privacy honoured: Privacy: id where the group allows it)
    let mut sim = group_sim(false, |_| {});
    let extra = format!("{IM}Privacy: id\r\n");
    let r = send(
        &mut sim,
        0,
        &message(1, "alice", ROOM, &extra, "text/plain", "guess who"),
    );
    assert_eq!(r.code(), 202);
    let m = &messages_to(&sim, 1)[0];
    assert!(header(m, "From")[0].starts_with("\"Anonymous\" <sip:anonymous@anonymous.invalid>"));
    assert!(header(m, "P-Asserted-Identity").is_empty());
    assert!(!String::from_utf8_lossy(m.as_bytes()).contains("alice"));
}

#[test]
fn a_directory_group_is_exploded_without_creating_a_room() {
    // REQ: GRP-1 (a pre-defined group of the GroupDirectory; pager mode needs no session)
    let mut directory = MemoryDirectory::new();
    directory.insert(GroupDefinition::new(
        sip_uri("sip:team@conf.example.com"),
        vec![addr("sip:bob@example.com"), addr("sip:carol@example.com")],
    ));
    let mut sim = group_sim(false, |c| c.control.directory = Some(Box::new(directory)));
    let rooms = sim.focus.control().rooms().len();
    let r = send(
        &mut sim,
        3,
        &message(
            1,
            "dave",
            "sip:team@conf.example.com",
            IM,
            "text/plain",
            "hi team",
        ),
    );
    assert_eq!(r.code(), 202);
    assert_eq!(messages_to(&sim, 1).len(), 1);
    assert_eq!(messages_to(&sim, 2).len(), 1);
    assert_eq!(sim.focus.control().rooms().len(), rooms);
}

#[test]
fn a_sender_over_its_rate_limit_gets_503_with_retry_after_until_the_window_ends() {
    // REQ: GRP-1 (per-sender rate limit, deterministic with the simulated clock)
    let mut sim = group_sim(false, |c| {
        c.pager = Some({
            let mut p = PagerConfig::default();
            p.rate = Some(RateLimit {
                messages: 2,
                per: Duration::from_secs(60),
            });
            p
        });
    });
    for n in 0..2 {
        let r = send(&mut sim, 1, &message(n, "bob", ROOM, IM, "text/plain", "x"));
        assert_eq!(r.code(), 202);
    }
    sim.advance(Duration::from_secs(20));
    let r = send(&mut sim, 1, &message(3, "bob", ROOM, IM, "text/plain", "x"));
    assert_eq!(r.code(), 503);
    let retry = r.headers().get(HeaderName::RetryAfter).unwrap().value();
    assert_eq!(&retry[..], b"40");
    // Another sender has its own window.
    let r = send(
        &mut sim,
        2,
        &message(4, "carol", ROOM, IM, "text/plain", "x"),
    );
    assert_eq!(r.code(), 202);
    sim.advance(Duration::from_secs(40));
    let r = send(&mut sim, 1, &message(5, "bob", ROOM, IM, "text/plain", "x"));
    assert_eq!(r.code(), 202, "a new window");
}

// --- a recipient list (RFC 5365) -------------------------------------------------------------

fn list_body(entries: &str) -> String {
    format!(
        "--b1\r\nContent-Type: text/plain\r\n\r\nsee you all\r\n\
         --b1\r\nContent-Type: application/resource-lists+xml\r\n\
         Content-Disposition: recipient-list\r\n\r\n\
         <?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\" \
         xmlns:cp=\"urn:ietf:params:xml:ns:copycontrol\"><list>{entries}</list></resource-lists>\
         \r\n--b1--\r\n"
    )
}

const MIXED: &str = "multipart/mixed;boundary=b1";

#[test]
fn a_list_with_duplicates_reaches_each_recipient_once_showing_only_to_and_cc() {
    // REQ: GRP-1 (RFC 5365: 202, duplicates once, sender left out, bcc and anonymized
    // recipients never disclosed), DEF-1 (unregistered recipients stored)
    let mut sim = group_sim(true, |_| {});
    register(&mut sim, "bob", 1);
    register(&mut sim, "carol", 1);
    let entries = "<entry uri=\"sip:bob@example.com\" cp:copyControl=\"to\"/>\
                   <entry uri=\"sip:bob@EXAMPLE.com\"/>\
                   <entry uri=\"sip:alice@example.com\"/>\
                   <entry uri=\"sip:carol@example.com\" cp:copyControl=\"cc\"/>\
                   <entry uri=\"sip:dave@example.com\" cp:copyControl=\"bcc\"/>\
                   <entry uri=\"sip:erin@example.com\" cp:anonymize=\"true\"/>\
                   <entry uri=\"sip:carol@example.com\" cp:copyControl=\"cc\"/>";
    let extra = format!("{IM}Require: recipient-list-message\r\n");
    let r = send(
        &mut sim,
        0,
        &message(1, "alice", FACTORY, &extra, MIXED, &list_body(entries)),
    );
    assert_eq!(r.code(), 202, "{r:?}");
    assert_eq!(messages_to(&sim, 1).len(), 1, "bob once");
    assert_eq!(messages_to(&sim, 2).len(), 1, "carol once");
    assert!(messages_to(&sim, 0).is_empty(), "not the sender");
    assert_eq!(stored_for(&sim, "sip:dave@example.com"), 1);
    assert_eq!(stored_for(&sim, "sip:erin@example.com"), 1);
    let m = &messages_to(&sim, 1)[0];
    let ct =
        ContentType::parse(&m.headers().get(HeaderName::ContentType).unwrap().value()).unwrap();
    let parts = Multipart::parse(&ct, &m.body()).unwrap().parts;
    assert_eq!(parts.len(), 2);
    assert_eq!(&parts[0].body[..], b"see you all");
    let disposition = parts[1]
        .headers
        .get("Content-Disposition")
        .unwrap()
        .unfolded();
    assert_eq!(&disposition[..], RECIPIENT_LIST_HISTORY.as_bytes());
    let shown = ResourceLists::parse(&parts[1].body).unwrap();
    let shown: Vec<&str> = shown.entries().map(|e| e.uri.as_str()).collect();
    // The list as the sender wrote it (each once), less bcc and anonymized entries: the
    // sender's own `to` entry stays (receivers see the From anyway).
    assert_eq!(
        shown,
        [
            "sip:bob@example.com",
            "sip:alice@example.com",
            "sip:carol@example.com"
        ]
    );
    assert_eq!(header(m, "Accept-Contact"), ["*;+g.oma.sip-im"]);
    let events = pager_events(&mut sim);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, PagerEvent::Accepted { recipients: 4, .. })),
        "{events:?}"
    );
}

#[test]
fn a_list_of_blind_recipients_gets_the_message_alone() {
    // REQ: GRP-1 (recipients not disclosed to one another unless the list says so)
    let mut sim = group_sim(false, |_| {});
    let entries = "<entry uri=\"sip:bob@example.com\" cp:copyControl=\"bcc\"/>\
                   <entry uri=\"sip:carol@example.com\" cp:copyControl=\"bcc\"/>";
    let r = send(
        &mut sim,
        0,
        &message(1, "alice", FACTORY, IM, MIXED, &list_body(entries)),
    );
    assert_eq!(r.code(), 202);
    let m = &messages_to(&sim, 2)[0];
    assert_eq!(&m.body()[..], b"see you all");
    assert_eq!(header(m, "Content-Type"), ["text/plain"]);
    assert!(!String::from_utf8_lossy(m.as_bytes()).contains("bob"));
}

#[test]
fn a_list_is_refused_for_anonymity_size_and_a_body_without_a_list() {
    // REQ: GRP-1 (the ad-hoc checks: 403 Warning 119, 403 Warning 399 size, 400)
    let mut sim = group_sim(false, |c| c.control.limits.max_adhoc_group_size = 2);
    let three = "<entry uri=\"sip:bob@example.com\"/><entry uri=\"sip:carol@example.com\"/>\
                 <entry uri=\"sip:dave@example.com\"/>";
    let r = send(
        &mut sim,
        0,
        &message(1, "alice", FACTORY, IM, MIXED, &list_body(three)),
    );
    assert_eq!(r.code(), 403);
    assert!(
        warning(&r).contains(ADHOC_GROUP_TOO_LARGE),
        "{}",
        warning(&r)
    );
    let extra = format!("{IM}Privacy: id\r\n");
    let two = "<entry uri=\"sip:bob@example.com\"/>";
    let r = send(
        &mut sim,
        0,
        &message(2, "alice", FACTORY, &extra, MIXED, &list_body(two)),
    );
    assert_eq!(r.code(), 403);
    assert!(warning(&r).contains(ANONYMITY_NOT_ALLOWED));
    let r = send(
        &mut sim,
        0,
        &message(3, "alice", FACTORY, IM, "text/plain", "no list"),
    );
    assert_eq!(r.code(), 415);
    let only_me = "<entry uri=\"sip:alice@example.com\"/>";
    let r = send(
        &mut sim,
        0,
        &message(4, "alice", FACTORY, IM, MIXED, &list_body(only_me)),
    );
    assert_eq!(r.code(), 480);
    for i in 1..5 {
        assert!(messages_to(&sim, i).is_empty());
    }
}

#[test]
fn a_message_to_a_user_still_goes_to_the_deferred_service() {
    // REQ: DEF-1 unchanged by the pager: a user's MESSAGE is not a group's
    let mut sim = group_sim(true, |_| {});
    let r = send(
        &mut sim,
        0,
        &message(
            1,
            "alice",
            "sip:erin@example.com",
            IM,
            "text/plain",
            "hi erin",
        ),
    );
    assert_eq!(r.code(), 202);
    assert_eq!(stored_for(&sim, "sip:erin@example.com"), 1);
    assert!(pager_events(&mut sim).is_empty());
}
