//! Unit tests of the pieces; the scenarios are in `tests/transaction*.rs`.

use core::time::Duration;
use std::time::Instant;

use bytes::Bytes;

use super::config::TransactionConfig;
use super::key::{ServerMatch, request_info, same_request_uri};
use super::timer::{Backoff, Slot, TimerQueue};
use crate::ids::SeededIds;
use crate::message::{Message, Request};
use crate::name::HeaderName;

fn request(text: &str) -> Request {
    let text = text.replace('\n', "\r\n");
    match Message::parse_datagram(Bytes::from(text)).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => panic!("not a request"),
    }
}

#[allow(clippy::disallowed_methods, reason = "a base instant for offsets")]
fn epoch() -> Instant {
    Instant::now()
}

#[test]
fn backoff_doubles_with_and_without_a_cap() {
    // RFC 3261 §17.1.1.2 (A: no cap), §17.1.2.2 / §17.2.1 (E, G: capped at T2).
    let t0 = epoch();
    let t1 = Duration::from_millis(500);
    let t2 = Duration::from_secs(4);
    let mut a = Backoff::start(t0, t1);
    let mut g = Backoff::start(t0, t1);
    let mut a_intervals = Vec::new();
    let mut g_intervals = Vec::new();
    for _ in 0..6 {
        a = a.doubled(a.at, None);
        g = g.doubled(g.at, Some(t2));
        a_intervals.push(a.interval.as_millis());
        g_intervals.push(g.interval.as_millis());
    }
    assert_eq!(a_intervals, [1000, 2000, 4000, 8000, 16_000, 32_000]);
    assert_eq!(g_intervals, [1000, 2000, 4000, 4000, 4000, 4000]);
}

#[test]
fn timer_queue_takes_due_slots_in_order() {
    let t0 = epoch();
    let at = |ms| t0 + Duration::from_millis(ms);
    let mut q = TimerQueue::default();
    q.reschedule(Slot::Server(2), None, Some(at(300)));
    q.reschedule(Slot::Client(1), None, Some(at(100)));
    q.reschedule(Slot::Ack(3), None, Some(at(200)));
    q.reschedule(Slot::Ack(3), Some(at(200)), Some(at(900)));
    assert_eq!(q.next(), Some(at(100)));
    assert_eq!(q.take_due(at(99)), []);
    assert_eq!(q.take_due(at(300)), [Slot::Client(1), Slot::Server(2)]);
    assert_eq!(q.next(), Some(at(900)));
    q.reschedule(Slot::Ack(3), Some(at(900)), None);
    assert_eq!(q.next(), None);
}

#[test]
fn config_is_clamped() {
    let mut c = TransactionConfig::new(Box::new(SeededIds::new(1)));
    c.t1 = Duration::ZERO;
    c.t2 = Duration::ZERO;
    c.t4 = Duration::from_secs(1_000_000);
    let c = c.clamped();
    assert_eq!(c.t1, Duration::from_millis(1));
    assert_eq!(c.t2, c.t1);
    assert_eq!(c.t4, Duration::from_secs(3600));
    assert_eq!(c.t1x64(), Duration::from_millis(64));
}

#[test]
fn request_keys_rfc3261_and_rfc2543() {
    // RFC 3261 §17.2.3: branch + sent-by (host case-insensitive) with the magic cookie; the
    // RFC 2543 key otherwise.
    let r = request(
        "INVITE sip:b@example.com SIP/2.0
Via: SIP/2.0/UDP Host.Example.COM:5070;branch=z9hG4bKabc
From: <sip:a@example.com>;tag=f
To: <sip:b@example.com>
Call-ID: c
CSeq: 3 INVITE

",
    );
    let info = request_info(&r).unwrap();
    let ServerMatch::Branch(k) = &info.matching else {
        panic!("not an RFC 3261 key");
    };
    assert_eq!(k.branch, "z9hG4bKabc");
    assert_eq!(k.host, "host.example.com");
    assert_eq!(k.port, Some(5070));
    assert_eq!(info.from_tag.as_deref(), Some(&b"f"[..]));
    assert_eq!(info.to_tag, None);
    let old = request(
        "INVITE sip:b@example.com SIP/2.0
Via: SIP/2.0/UDP host.example.com;branch=z9hG4bK
From: <sip:a@example.com>;tag=f
To: <sip:b@example.com>
Call-ID: c
CSeq: 3 INVITE

",
    );
    let ServerMatch::Legacy(k) = request_info(&old).unwrap().matching else {
        panic!("the bare cookie is not an RFC 3261 branch (RFC 4475 badbranch)");
    };
    assert_eq!(k.cseq, 3);
    assert_eq!(k.via, "SIP/2.0/UDP host.example.com;branch=z9hG4bK");
    let mismatched = request(
        "INVITE sip:b@example.com SIP/2.0
Via: SIP/2.0/UDP h;branch=z9hG4bK1
From: <sip:a@example.com>;tag=f
To: <sip:b@example.com>
Call-ID: c
CSeq: 3 BYE

",
    );
    assert_eq!(request_info(&mismatched).unwrap_err().0, HeaderName::CSeq);
}

#[test]
fn request_uris_compare_by_rfc3261_rules() {
    // RFC 3261 §19.1.4, as §17.2.3 asks for RFC 2543 matching.
    let b = |s: &'static str| Bytes::from_static(s.as_bytes());
    assert!(same_request_uri(
        &b("sip:bob@B.Example.com"),
        &b("sip:bob@b.example.com")
    ));
    assert!(same_request_uri(
        &b("sip:%62ob@b.example.com"),
        &b("sip:bob@b.example.com")
    ));
    assert!(!same_request_uri(
        &b("sip:Bob@b.example.com"),
        &b("sip:bob@b.example.com")
    ));
    assert!(!same_request_uri(
        &b("not a uri"),
        &b("sip:bob@b.example.com")
    ));
}
