//! Matching and CANCEL in the transaction layer: CANCEL before and after the final response
//! (RFC 3261 §9), the RFC 2543 fallback (§17.2.3), ACK for 2xx by dialog (§13.3.1.4), forked
//! 2xx (RFC 6026 §7.2), stray messages (RFC 6026 §8.9), the transaction limit, and the
//! errors of the commands.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::time::Duration;

use bytes::Bytes;
use simpleim_sip::header::To;
use simpleim_sip::transaction::{
    ClientState, SendError, ServerState, TransactionEvent, TransactionKey, cancel_request,
};
use simpleim_sip::{HeaderName, Message, Method, Request, Response};
use simpleim_test_support::sip_sim::{Faults, Handle, Pair, Side, is_request, is_response_to};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn events(pair: &Pair, side: Side) -> Vec<TransactionEvent<Handle>> {
    let ep = if side == Side::A { &pair.a } else { &pair.b };
    ep.events().cloned().collect()
}

fn to_tag(m: &Message) -> Option<Vec<u8>> {
    let to: To = m.headers().typed()?.ok()?;
    to.tag().map(<[u8]>::to_vec)
}

fn parse(text: &str) -> Message {
    let crlf = text.replace('\n', "\r\n");
    Message::parse_datagram(Bytes::from(crlf)).expect("a valid message")
}

fn is_cancelled(e: &TransactionEvent<Handle>) -> bool {
    matches!(e, TransactionEvent::Cancelled { .. })
}

#[test]
fn cancel_before_the_final_response_gets_200_and_487() {
    // RFC 3261 §9.1 (CANCEL built from the INVITE), §9.2 (200 to the CANCEL, 487 to the
    // INVITE), §17.1.1.3 (the ACK for the 487 is built by the client transaction).
    let mut pair = Pair::new(1, false, Faults::default());
    pair.b.tu.invite_responses = vec![180];
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite.clone());
    pair.run_for(ms(10));
    assert_eq!(pair.a.responses_for(key), [180]);
    let cancel = pair.cancel(Side::A, key).unwrap();
    pair.run_for(ms(10));
    assert_eq!(pair.a.responses_for(cancel), [200]);
    assert_eq!(pair.a.responses_for(key), [180, 487]);
    let server = pair.b.new_requests()[0].0;
    assert!(events(&pair, Side::B).iter().any(
        |e| matches!(e, TransactionEvent::Cancelled { key, cancel } if *key == server
            && *cancel.method() == Method::Cancel)
    ));
    // The 487 keeps the To tag of the early dialog (the 180's).
    let ringing = pair
        .b
        .last_sent(is_response_to(180, Method::Invite))
        .unwrap();
    let terminated = pair
        .b
        .last_sent(is_response_to(487, Method::Invite))
        .unwrap();
    assert_eq!(to_tag(&terminated), to_tag(&ringing));
    assert!(to_tag(&terminated).is_some());
    // §17.1.1.3: the ACK has the INVITE's branch, the 487's To, CSeq method ACK.
    let ack = pair.a.last_sent(is_request(Method::Ack)).unwrap();
    let ack = ack.as_request().unwrap();
    let via = |r: &Request| r.headers().get(HeaderName::Via).unwrap().value();
    assert_eq!(via(ack), via(&invite));
    assert_eq!(to_tag(&Message::from(ack.clone())), to_tag(&terminated));
    assert_eq!(
        ack.headers().get(HeaderName::CSeq).unwrap().value(),
        "1 ACK"
    );
    assert_eq!(ack.uri_bytes(), invite.uri_bytes());
    assert_eq!(
        pair.b.layer.server_state(server),
        Some(ServerState::Confirmed)
    );
    pair.run_for(secs(40));
    assert!(pair.a.layer.is_empty() && pair.b.layer.is_empty());
}

#[test]
fn cancel_request_copies_the_invite() {
    // RFC 3261 §9.1: Request-URI, Call-ID, To, From, CSeq number, Route and the top Via of
    // the INVITE; method CANCEL.
    let invite = parse(
        "INVITE sip:bob@b.example.com SIP/2.0
Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKc1
Via: SIP/2.0/UDP earlier.example.com;branch=z9hG4bKe1
Route: <sip:p1.example.com;lr>
Max-Forwards: 69
From: <sip:alice@a.example.com>;tag=f1
To: <sip:bob@b.example.com>
Call-ID: call-1
CSeq: 7 INVITE
Content-Type: application/sdp
Content-Length: 4

v=0
",
    );
    let cancel = cancel_request(invite.as_request().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(cancel.as_bytes()),
        "CANCEL sip:bob@b.example.com SIP/2.0\r
Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKc1\r
Route: <sip:p1.example.com;lr>\r
Max-Forwards: 69\r
From: <sip:alice@a.example.com>;tag=f1\r
To: <sip:bob@b.example.com>\r
Call-ID: call-1\r
CSeq: 7 CANCEL\r
Content-Length: 0\r
\r
"
    );
}

#[test]
fn cancel_waits_for_a_provisional_response() {
    // RFC 3261 §9.1: no CANCEL before a provisional response; it goes when one arrives
    // (here B's automatic 100 at 200 ms, §17.2.1).
    let mut pair = Pair::new(2, false, Faults::default());
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    let cancel = pair.cancel(Side::A, key).unwrap();
    assert_eq!(pair.a.layer.client_state(cancel), Some(ClientState::Trying));
    assert_eq!(pair.a.sent_count(is_request(Method::Cancel)), 0);
    pair.run_for(secs(1));
    let cancels = pair.a.sent_times(is_request(Method::Cancel));
    assert_eq!(cancels, [pair.at(ms(200))]);
    assert_eq!(pair.a.responses_for(cancel), [200]);
    assert_eq!(pair.a.responses_for(key), [100, 487]);
}

#[test]
fn held_cancel_is_dropped_when_the_final_response_comes_first() {
    // RFC 3261 §9.1: a CANCEL not yet sent is not sent once the INVITE has its final response.
    let mut pair = Pair::new(3, false, Faults::default());
    pair.b.tu.invite_responses = vec![486];
    pair.b.tu.answer_delay = ms(50);
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    let cancel = pair.cancel(Side::A, key).unwrap();
    pair.run_for(secs(1));
    assert_eq!(pair.a.sent_count(is_request(Method::Cancel)), 0);
    assert_eq!(pair.a.responses_for(key), [486]);
    assert_eq!(
        events(&pair, Side::A)
            .iter()
            .filter(|e| matches!(
                e,
                TransactionEvent::Terminated { key: TransactionKey::Client(k) } if *k == cancel
            ))
            .count(),
        1
    );
    assert_eq!(pair.a.layer.client_state(cancel), None);
}

#[test]
fn cancel_racing_the_200_has_no_effect() {
    // RFC 3261 §9.2: a CANCEL for an INVITE that has its final response is answered 200 and
    // changes nothing; the UAC gets the 200 to the INVITE and ACKs it.
    let mut pair = Pair::new(
        4,
        false,
        Faults {
            latency: ms(100),
            ..Faults::default()
        },
    );
    pair.b.tu.invite_responses = vec![180, 200];
    pair.b.tu.answer_delay = ms(50);
    pair.a.tu.ack_2xx = true;
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    pair.run_for(ms(260)); // the 180 arrived at 250 ms, the 200 (sent at 200 ms) is on its way
    assert_eq!(pair.a.responses_for(key), [180]);
    let cancel = pair.cancel(Side::A, key).unwrap();
    pair.run_for(secs(1));
    assert_eq!(pair.a.responses_for(key), [180, 200]);
    assert_eq!(pair.a.responses_for(cancel), [200]);
    assert!(!events(&pair, Side::B).iter().any(is_cancelled));
    assert_eq!(pair.b.sent_count(is_response_to(487, Method::Invite)), 0);
    assert!(
        events(&pair, Side::B)
            .iter()
            .any(|e| matches!(e, TransactionEvent::Acked { .. }))
    );
}

#[test]
fn cancel_without_a_transaction_gets_481() {
    // RFC 3261 §9.2: "If the UAS did not find a matching transaction ... it SHOULD respond
    // to the CANCEL with a 481".
    let mut pair = Pair::new(5, false, Faults::default());
    let invite = pair.request(Side::A, Method::Invite);
    let cancel = cancel_request(&invite).unwrap();
    pair.inject(Side::B, cancel.into());
    assert_eq!(pair.b.sent_count(is_response_to(481, Method::Cancel)), 1);
    assert_eq!(pair.b.layer.stats().cancels_unmatched, 1);
    assert!(events(&pair, Side::B).is_empty());
}

#[test]
fn cancel_retransmissions_get_the_same_answer() {
    // RFC 3261 §9.2, §17.2.2: the CANCEL has its own non-INVITE server transaction.
    let mut pair = Pair::new(6, false, Faults::default());
    pair.b.tu.invite_responses = vec![180];
    pair.drop_next(Side::B, 1, is_response_to(200, Method::Cancel));
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    pair.run_for(ms(10));
    let cancel = pair.cancel(Side::A, key).unwrap();
    pair.run_for(secs(1));
    assert_eq!(pair.b.sent_count(is_response_to(200, Method::Cancel)), 2);
    assert_eq!(pair.a.responses_for(cancel), [200]);
    assert_eq!(pair.b.count(is_cancelled), 1);
}

#[test]
fn cancel_is_refused_without_an_unanswered_invite() {
    // RFC 3261 §9.1: a CANCEL cancels a pending INVITE; none after the final response.
    let mut pair = Pair::new(7, true, Faults::default());
    pair.b.tu.invite_responses = vec![486];
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite.clone());
    pair.run_for(ms(1));
    assert_eq!(pair.cancel(Side::A, key), Err(SendError::NothingToCancel));
    let other = pair.request(Side::A, Method::Invite);
    let cancel = cancel_request(&other).unwrap();
    assert_eq!(
        pair.try_send(Side::A, cancel),
        Err(SendError::NothingToCancel)
    );
}

#[test]
fn the_tu_answers_487_when_configured_to() {
    // RFC 3261 §9.2 with cancel_with_487 off: the TU learns of the CANCEL and answers.
    let mut pair = Pair::with_config(8, false, Faults::default(), |c| {
        c.cancel_with_487 = false;
    });
    pair.b.tu.invite_responses = vec![180];
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    pair.run_for(ms(10));
    pair.cancel(Side::A, key).unwrap();
    pair.run_for(ms(10));
    assert_eq!(pair.a.responses_for(key), [180]);
    let server = pair.b.new_requests()[0].0;
    assert!(events(&pair, Side::B).iter().any(is_cancelled));
    pair.respond(Side::B, server, 487);
    pair.run_for(ms(10));
    assert_eq!(pair.a.responses_for(key), [180, 487]);
}

#[test]
fn invite_without_final_response_after_cancel_ends_after_64_t1() {
    // RFC 3261 §9.1: no final response 64*T1 after the CANCEL: the INVITE is destroyed.
    let mut pair = Pair::with_config(9, false, Faults::default(), |c| {
        c.cancel_with_487 = false;
    });
    pair.b.tu.invite_responses = vec![180];
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    pair.run_for(ms(10));
    pair.cancel(Side::A, key).unwrap();
    pair.run_for(secs(40));
    let timeout = pair.a.log.iter().find(|(_, e)| {
        matches!(e, TransactionEvent::Timeout { key: TransactionKey::Client(k) } if *k == key)
    });
    assert_eq!(timeout.map(|(t, _)| *t), Some(pair.at(ms(10) + secs(32))));
    assert!(pair.a.layer.is_empty());
}

/// An RFC 2543 INVITE (no magic cookie) from carol.
const LEGACY_INVITE: &str = "INVITE sip:bob@b.example.com SIP/2.0
Via: SIP/2.0/UDP old.example.com:5060;branch=1234
Max-Forwards: 70
From: <sip:carol@old.example.com>;tag=c1
To: <sip:bob@b.example.com>
Call-ID: legacy-1@old.example.com
CSeq: 5 INVITE
Contact: <sip:carol@old.example.com>
Content-Length: 0

";

#[test]
fn rfc2543_retransmissions_and_ack_match_without_the_cookie() {
    // RFC 3261 §17.2.3: Request-URI (§19.1.4 comparison), To tag, From tag, Call-ID, CSeq and
    // top Via; the ACK matches with the To tag of the response.
    let mut pair = Pair::new(10, false, Faults::default());
    pair.inject(Side::B, parse(LEGACY_INVITE));
    // A retransmission, its Request-URI host in another case: the same URI (§19.1.4).
    pair.inject(
        Side::B,
        parse(&LEGACY_INVITE.replace(
            "INVITE sip:bob@b.example.com",
            "INVITE sip:bob@B.Example.COM",
        )),
    );
    let requests = pair.b.new_requests();
    assert_eq!(requests.len(), 1);
    let server = requests[0].0;
    pair.respond(Side::B, server, 486);
    let busy = pair
        .b
        .last_sent(is_response_to(486, Method::Invite))
        .unwrap();
    let tag = String::from_utf8(to_tag(&busy).unwrap()).unwrap();
    // Another INVITE retransmission gets the 486 again (§17.2.1, Completed).
    pair.inject(Side::B, parse(LEGACY_INVITE));
    assert_eq!(pair.b.sent_count(is_response_to(486, Method::Invite)), 2);
    // An ACK with another To tag is not this transaction's.
    let ack = LEGACY_INVITE
        .replace("INVITE sip:", "ACK sip:")
        .replace("CSeq: 5 INVITE", "CSeq: 5 ACK");
    let stray = ack.replace(
        "To: <sip:bob@b.example.com>",
        "To: <sip:bob@b.example.com>;tag=zz",
    );
    pair.inject(Side::B, parse(&stray));
    assert!(
        events(&pair, Side::B)
            .iter()
            .any(|e| matches!(e, TransactionEvent::StrayAck { .. }))
    );
    assert_eq!(
        pair.b.layer.server_state(server),
        Some(ServerState::Completed)
    );
    let ack = ack.replace(
        "To: <sip:bob@b.example.com>",
        &format!("To: <sip:bob@b.example.com>;tag={tag}"),
    );
    pair.inject(Side::B, parse(&ack));
    assert_eq!(
        pair.b.layer.server_state(server),
        Some(ServerState::Confirmed)
    );
    // A request differing in CSeq is a new transaction.
    pair.inject(Side::B, parse(&LEGACY_INVITE.replace("CSeq: 5", "CSeq: 6")));
    assert_eq!(pair.b.new_requests().len(), 2);
}

#[test]
fn rfc2543_cancel_and_branchless_requests() {
    // RFC 3261 §9.2 with §17.2.3's RFC 2543 rules; a Via without any branch.
    let mut pair = Pair::new(11, false, Faults::default());
    let invite = LEGACY_INVITE.replace(";branch=1234", "");
    pair.inject(Side::B, parse(&invite));
    pair.inject(Side::B, parse(&invite));
    let requests = pair.b.new_requests();
    assert_eq!(requests.len(), 1);
    let cancel = invite
        .replace("INVITE sip:", "CANCEL sip:")
        .replace("CSeq: 5 INVITE", "CSeq: 5 CANCEL");
    pair.inject(Side::B, parse(&cancel));
    assert_eq!(pair.b.sent_count(is_response_to(200, Method::Cancel)), 1);
    assert_eq!(pair.b.sent_count(is_response_to(487, Method::Invite)), 1);
    assert!(events(&pair, Side::B).iter().any(is_cancelled));
    // The CANCEL retransmitted: its own transaction answers again, nothing else happens.
    pair.inject(Side::B, parse(&cancel));
    assert_eq!(pair.b.sent_count(is_response_to(200, Method::Cancel)), 2);
    assert_eq!(pair.b.count(is_cancelled), 1);
}

#[test]
fn ack_for_2xx_is_matched_by_dialog_and_absorbed() {
    // RFC 3261 §13.3.1.4, §17.2.3 (the ACK for a 2xx has its own branch); RFC 6026 §7.1.
    let mut pair = Pair::new(12, false, Faults::default());
    pair.b.tu.invite_responses = vec![200];
    pair.a.tu.ack_2xx = true;
    let invite = pair.request(Side::A, Method::Invite);
    pair.send(Side::A, invite);
    pair.run_for(ms(10));
    let ack = pair.a.last_sent(is_request(Method::Ack)).unwrap();
    pair.inject(Side::B, ack.clone());
    pair.inject(Side::B, ack);
    let acked = events(&pair, Side::B)
        .iter()
        .filter(|e| matches!(e, TransactionEvent::Acked { .. }))
        .count();
    assert_eq!(acked, 1);
    assert!(pair.b.layer.stats().retransmissions_absorbed >= 2);
    assert!(
        !events(&pair, Side::B)
            .iter()
            .any(|e| matches!(e, TransactionEvent::StrayAck { .. }))
    );
    // After Timer L the transaction is gone: a late ACK goes to the TU as stray.
    pair.run_for(secs(33));
    let ack = pair.a.last_sent(is_request(Method::Ack)).unwrap();
    pair.inject(Side::B, ack);
    assert!(
        events(&pair, Side::B)
            .iter()
            .any(|e| matches!(e, TransactionEvent::StrayAck { .. }))
    );
}

/// `ok` with its To tag replaced by `tag`.
fn with_to_tag(ok: &Message, tag: &str) -> Message {
    let text = String::from_utf8(ok.as_bytes().to_vec()).unwrap();
    let old = String::from_utf8(to_tag(ok).unwrap()).unwrap();
    Message::parse_datagram(Bytes::from(
        text.replace(&format!("tag={old}"), &format!("tag={tag}")),
    ))
    .unwrap()
}

#[test]
fn a_2xx_from_another_fork_is_delivered_and_acked() {
    // RFC 6026 §7.2: every 2xx in Accepted goes to the TU; RFC 3261 §13.2.2.4: each 2xx
    // (each dialog) is ACKed; a retransmission gets the remembered ACK.
    let mut pair = Pair::new(13, false, Faults::default());
    pair.b.tu.invite_responses = vec![200];
    pair.a.tu.ack_2xx = true;
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    pair.run_for(ms(10));
    let ok = pair
        .b
        .last_sent(is_response_to(200, Method::Invite))
        .unwrap();
    let fork = with_to_tag(&ok, "fork2");
    pair.inject(Side::A, fork.clone());
    assert_eq!(pair.a.responses_for(key), [200, 200]);
    assert_eq!(pair.a.sent_count(is_request(Method::Ack)), 2);
    pair.inject(Side::A, fork);
    assert_eq!(pair.a.responses_for(key), [200, 200]);
    assert_eq!(pair.a.sent_count(is_request(Method::Ack)), 3);
    assert_eq!(pair.a.layer.stats().acks_resent, 1);
}

#[test]
fn stray_responses_are_discarded_or_passed_up_when_configured() {
    // RFC 6026 §8.9 (discard) and RFC 3261 §18.1.2 (a stray 2xx to INVITE goes to the core).
    for pass in [false, true] {
        let mut pair = Pair::with_config(14, false, Faults::default(), |c| c.pass_stray_2xx = pass);
        let invite = pair.request(Side::B, Method::Invite);
        let mut ids = simpleim_sip::SeededIds::new(1);
        let ok = Response::for_request(&invite, 200, &mut ids)
            .build()
            .unwrap();
        let busy = Response::for_request(&invite, 486, &mut ids)
            .build()
            .unwrap();
        pair.inject(Side::A, ok.into());
        pair.inject(Side::A, busy.into());
        let strays: Vec<_> = events(&pair, Side::A)
            .into_iter()
            .filter(|e| matches!(e, TransactionEvent::Stray2xx { response, .. } if response.code() == 200))
            .collect();
        assert_eq!(strays.len(), usize::from(pass));
        assert_eq!(
            pair.a.layer.stats().stray_responses,
            if pass { 1 } else { 2 }
        );
    }
}

#[test]
fn transaction_limit() {
    // Bounded state: beyond max_transactions a request is answered 503 and sending fails.
    let mut pair = Pair::with_config(15, false, Faults::default(), |c| c.max_transactions = 2);
    for _ in 0..2 {
        let m = pair.request(Side::A, Method::Message);
        pair.send(Side::A, m);
    }
    let third = pair.request(Side::A, Method::Message);
    assert_eq!(
        pair.try_send(Side::A, third.clone()),
        Err(SendError::TooManyTransactions { limit: 2 })
    );
    pair.run_for(ms(1));
    assert_eq!(pair.b.new_requests().len(), 2);
    pair.inject(Side::B, third.into());
    assert_eq!(pair.b.new_requests().len(), 2);
    assert_eq!(pair.b.sent_count(is_response_to(503, Method::Message)), 1);
    assert_eq!(pair.b.layer.stats().rejected_overload, 1);
    // Answering frees the room (Timer J).
    for (key, _) in pair.b.new_requests() {
        pair.respond(Side::B, key, 200);
    }
    pair.run_for(secs(33));
    assert_eq!(pair.b.layer.len(), 0);
    let fourth = pair.request(Side::A, Method::Message);
    assert!(pair.try_send(Side::A, fourth).is_ok());
}

#[test]
fn malformed_requests_are_answered_400_without_a_transaction() {
    // RFC 3261 §8.2 (CSeq method must match; mandatory headers): no transaction can be keyed.
    let mut pair = Pair::new(16, false, Faults::default());
    let good = pair.request(Side::A, Method::Message);
    let text = String::from_utf8(good.as_bytes().to_vec()).unwrap();
    pair.inject(
        Side::B,
        parse(
            &text
                .replace("CSeq: 1 MESSAGE", "CSeq: 1 INFO")
                .replace("\r\n", "\n"),
        ),
    );
    pair.inject(
        Side::B,
        parse(
            &text
                .replace("CSeq: 1 MESSAGE\r\n", "")
                .replace("\r\n", "\n"),
        ),
    );
    assert_eq!(
        pair.b
            .sent_count(|m| m.as_response().is_some_and(|r| r.code() == 400)),
        2
    );
    // Without a Via there is nowhere to answer.
    let no_via: String = text
        .lines()
        .filter(|l| !l.starts_with("Via:"))
        .collect::<Vec<_>>()
        .join("\n");
    pair.inject(Side::B, parse(&no_via));
    assert_eq!(pair.b.sent.len(), 2);
    assert_eq!(pair.b.layer.stats().malformed, 3);
    assert!(events(&pair, Side::B).is_empty());
}

#[test]
fn command_errors() {
    let mut pair = Pair::new(17, false, Faults::default());
    let message = Request::builder(Method::Message, "sip:bob@b.example.com")
        .header(
            HeaderName::Via,
            "SIP/2.0/UDP a.example.com;branch=z9hG4bKone",
        )
        .header(HeaderName::From, "<sip:alice@a.example.com>;tag=1")
        .header(HeaderName::To, "<sip:bob@b.example.com>")
        .header(HeaderName::CallId, "x")
        .header(HeaderName::CSeq, "1 MESSAGE")
        .build()
        .unwrap();
    let rebuild = |from: &str, to: &str| {
        let text = String::from_utf8(message.as_bytes().to_vec()).unwrap();
        match parse(&text.replace(from, to).replace("\r\n", "\n")) {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    };
    // RFC 3261 §8.1.1.7: the TU supplies an RFC 3261 branch.
    assert_eq!(
        pair.try_send(Side::A, rebuild("z9hG4bKone", "one")),
        Err(SendError::NoBranch)
    );
    assert_eq!(
        pair.try_send(Side::A, rebuild("1 MESSAGE", "1 INFO")),
        Err(SendError::Malformed(HeaderName::CSeq))
    );
    // §17.1.1.3: ACK is never a client transaction.
    let ack = rebuild("MESSAGE", "ACK");
    assert_eq!(
        pair.try_send(Side::A, ack.clone()),
        Err(SendError::AckNotAllowed)
    );
    let (now, handle) = (pair.now, pair.handle(Side::A));
    assert_eq!(
        pair.a.layer.send_ack(now, handle, message.clone()),
        Err(SendError::NotAnAck)
    );
    assert!(pair.try_send(Side::A, message.clone()).is_ok());
    assert_eq!(
        pair.try_send(Side::A, message.clone()),
        Err(SendError::DuplicateBranch)
    );
    pair.run_for(ms(1));
    let server = pair.b.new_requests()[0].0;
    let mut ids = simpleim_sip::SeededIds::new(2);
    let request = pair.b.layer.server_request(server).unwrap().clone();
    let answer = |code| {
        Response::for_request(&request, code, &mut simpleim_sip::SeededIds::new(3))
            .build()
            .unwrap()
    };
    let b = &mut pair.b.layer;
    // RFC 4320 §4.1: no 101-199 to a non-INVITE.
    assert_eq!(
        b.send_response(now, server, answer(180)),
        Err(SendError::ProvisionalToNonInvite)
    );
    let other = Response::for_request(&ack, 200, &mut ids).build().unwrap();
    assert_eq!(
        b.send_response(now, server, other),
        Err(SendError::Malformed(HeaderName::CSeq))
    );
    assert_eq!(b.send_response(now, server, answer(200)), Ok(()));
    assert_eq!(
        b.send_response(now, server, answer(500)),
        Err(SendError::AlreadyFinal)
    );
    assert_eq!(
        b.send_response(now, server, answer(200)),
        Err(SendError::AlreadyFinal)
    );
    pair.run_for(secs(33));
    assert_eq!(
        pair.b.layer.send_response(pair.now, server, answer(200)),
        Err(SendError::UnknownTransaction(server))
    );
}
