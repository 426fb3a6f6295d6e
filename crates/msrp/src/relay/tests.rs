//! Unit tests of the relay: head rewriting, URIs and authorities, the output queue (turns,
//! `set_writable`), interruption of a streaming chunk by another frame with resumption at
//! the right Byte-Range, zero-copy forwarding, back-pressure limits (REQ: MSRP-6).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::disallowed_methods,
    reason = "tests fail by panicking and read the clock once"
)]

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::out::{end_line, forward_head};
use super::route::authority_key;
use super::*;
use crate::auth::{DigestChallenge, DigestCredentials};
use crate::frame::{Flag, Frame};
use crate::header::ByteRange;
use crate::session::SeededIds;
use crate::uri::MsrpUri;

fn relay(edit: impl FnOnce(&mut RelayConfig)) -> Relay<u32> {
    let creds = StaticCredentials::new().with_user("u", "p");
    let mut c = RelayConfig::new(
        "relay.example.com",
        2855,
        Box::new(creds),
        Box::new(SeededIds::new(3)),
    );
    edit(&mut c);
    Relay::new(c)
}

fn out_of(r: &mut Relay<u32>) -> Vec<(u32, Bytes)> {
    let mut v = Vec::new();
    while let Some(x) = r.poll_transmit() {
        v.push(x);
    }
    v
}

fn joined(items: &[(u32, Bytes)], conn: u32) -> Vec<u8> {
    items
        .iter()
        .filter(|(c, _)| *c == conn)
        .flat_map(|(_, b)| b.iter().copied())
        .collect()
}

/// AUTHs `conn` from `from`; returns its URI.
fn auth(r: &mut Relay<u32>, now: Instant, conn: u32, from: &str) -> String {
    r.handle_connected(now, conn, Direction::Accepted);
    let me = format!("msrp://{}:{};tcp", r.config().host, r.config().port);
    let req = |authz: &str| {
        format!(
            "MSRP auth{conn} AUTH\r\nTo-Path: {me}\r\nFrom-Path: {from}\r\n{authz}-------auth{conn}$\r\n"
        )
    };
    r.handle_bytes(now, conn, req("").as_bytes());
    let f = Frame::parse(Bytes::from(joined(&out_of(r), conn))).unwrap();
    let ch = DigestChallenge::parse(f.head.www_authenticate().unwrap()).unwrap();
    let c = DigestCredentials::answer(&ch, "u", "p", &me, 1, "cn");
    r.handle_bytes(
        now,
        conn,
        req(&format!("Authorization: {}\r\n", c.to_value())).as_bytes(),
    );
    let f = Frame::parse(Bytes::from(joined(&out_of(r), conn))).unwrap();
    while r.poll_event().is_some() {}
    String::from_utf8(f.head.use_path().unwrap().to_vec()).unwrap()
}

#[test]
fn forward_head_rewrites_paths_and_byte_range() {
    // REQ: MSRP-6 (RFC 4976 §6.4: paths moved, other headers kept in order)
    let wire = Bytes::from_static(
        b"MSRP abcd SEND\r\nTo-Path: msrp://r.example.com:1/x;tcp msrp://b.example.com:2/y;tcp\r\n\
From-Path: msrp://a.example.com:3/z;tcp\r\nMessage-ID: m123\r\nByte-Range: 1-5/5\r\n\
X-Ext: kept\r\nContent-Type: text/plain\r\n\r\nhello\r\n-------abcd$\r\n",
    );
    let f = Frame::parse(wire).unwrap();
    let tid = TransactionId::new(b"newtid01").unwrap();
    let range = ByteRange {
        start: 3,
        end: None,
        total: Some(5),
    };
    let h = forward_head(&f.head, tid, b"TO", b"FROM", Some(range));
    assert_eq!(
        &h[..],
        b"MSRP newtid01 SEND\r\nTo-Path: TO\r\nFrom-Path: FROM\r\nMessage-ID: m123\r\n\
Byte-Range: 3-*/5\r\nX-Ext: kept\r\nContent-Type: text/plain\r\n\r\n"
    );
    let h = forward_head(&f.head, tid, b"TO", b"FROM", None);
    assert!(h.windows(18).any(|w| w == b"Byte-Range: 1-5/5\r"));
    // No Byte-Range in the original: one is added after From-Path when resuming.
    let f = Frame::parse(Bytes::from_static(
        b"MSRP abcd SEND\r\nTo-Path: T\r\nFrom-Path: F\r\nContent-Type: a/b\r\n\r\nx\r\n-------abcd$\r\n",
    ))
    .unwrap();
    let h = forward_head(&f.head, tid, b"T", b"F", Some(range));
    assert!(
        h.starts_with(b"MSRP newtid01 SEND\r\nTo-Path: T\r\nFrom-Path: F\r\nByte-Range: 3-*/5\r\n")
    );
    assert_eq!(
        &end_line(tid, Flag::Continued, true)[..],
        b"\r\n-------newtid01+\r\n"
    );
    assert_eq!(
        &end_line(tid, Flag::Complete, false)[..],
        b"-------newtid01$\r\n"
    );
}

#[test]
fn authorities_and_own_uris() {
    // REQ: MSRP-6
    let u: MsrpUri = "msrp://Relay.Example.com:2855/abc;tcp".parse().unwrap();
    assert_eq!(authority_key(&u), "relay.example.com:2855");
    let u: MsrpUri = "msrp://relay.example.com;tcp".parse().unwrap();
    assert_eq!(authority_key(&u), "relay.example.com:2855");
    let r = relay(|_| {});
    assert!(r.is_ours(&"msrp://RELAY.example.com:2855/x;tcp".parse().unwrap()));
    assert!(r.is_ours(&"msrps://alice@relay.example.com;tcp".parse().unwrap()));
    assert!(!r.is_ours(&"msrp://relay.example.com:2856/x;tcp".parse().unwrap()));
    assert!(!r.is_ours(&"msrp://other.example.com:2855/x;tcp".parse().unwrap()));
    let mut r = relay(|c| c.host = "127.0.0.1".into());
    assert!(r.is_ours(&"msrp://127.0.0.1:2855/x;tcp".parse().unwrap()));
    let uri = auth(&mut r, Instant::now(), 1, "msrp://a.example.com:1/a;tcp");
    assert!(uri.starts_with("msrp://127.0.0.1:2855/"), "{uri}");
}

/// A relay with conn 1 (Alice) and 2 (Bob) authenticated; their URIs.
fn pair(now: Instant, edit: impl FnOnce(&mut RelayConfig)) -> (Relay<u32>, String, String) {
    let mut r = relay(|c| {
        c.limits.decoder.max_collect_bytes = 0;
        edit(c);
    });
    let a = auth(&mut r, now, 1, "msrp://a.example.com:1/alice;tcp");
    let b = auth(&mut r, now, 2, "msrp://b.example.com:2/bob;tcp");
    (r, a, b)
}

fn send_head(tid: &str, to: &str, mid: &str, range: &str) -> String {
    format!(
        "MSRP {tid} SEND\r\nTo-Path: {to}\r\nFrom-Path: msrp://a.example.com:1/alice;tcp\r\n\
Message-ID: {mid}\r\nByte-Range: {range}\r\nContent-Type: text/plain\r\n\r\n"
    )
}

#[test]
fn a_streaming_chunk_is_interrupted_and_resumed() {
    // REQ: MSRP-6 (RFC 4975 §7.1.1; RFC 4976 §6.4.1)
    let now = Instant::now();
    let (mut r, a, b) = pair(now, |_| {});
    let to = format!("{a} {b} msrp://b.example.com:2/bob;tcp");
    // Alice starts a chunk; its first bytes stream to Bob at once.
    r.handle_bytes(now, 1, send_head("big1", &to, "msg1", "1-*/10").as_bytes());
    r.handle_bytes(now, 1, b"01234");
    let first = out_of(&mut r);
    let wire = joined(&first, 2);
    assert!(wire.starts_with(b"MSRP "));
    assert!(
        wire.ends_with(b"01234"),
        "{:?}",
        String::from_utf8_lossy(&wire)
    );
    // Another connection sends a REPORT to Bob through his URI: it goes on Bob's
    // connection too, so the chunk streaming there is interrupted with `+`.
    r.handle_connected(now, 3, Direction::Accepted);
    let report = format!(
        "MSRP rep2 REPORT\r\nTo-Path: {b} msrp://b.example.com:2/bob;tcp\r\n\
From-Path: msrp://c.example.com:3/carol;tcp\r\nMessage-ID: yyyy\r\nByte-Range: 1-1/1\r\n\
Status: 000 200 OK\r\n-------rep2$\r\n"
    );
    r.handle_bytes(now, 3, report.as_bytes());
    r.handle_bytes(now, 1, b"56789\r\n-------big1$\r\n");
    let rest = out_of(&mut r);
    let wire: Vec<u8> = [joined(&first, 2), joined(&rest, 2)].concat();
    let mut d = crate::decode::Decoder::new(crate::decode::Limits::default());
    d.push(&wire);
    let mut frames = Vec::new();
    while let Some(x) = d.poll().unwrap() {
        frames.push(x);
    }
    let mut heads = Vec::new();
    let mut flags = Vec::new();
    let mut body = Vec::new();
    for x in frames {
        match x {
            Decoded::Frame(f) => {
                if f.head.method().is_some_and(|m| m.is_send()) {
                    body.extend_from_slice(&f.body);
                    flags.push(f.flag);
                }
                heads.push(f.head);
            }
            Decoded::Head(h) => heads.push(h),
            Decoded::Body(p) => {
                body.extend_from_slice(&p.data);
                if let Some(f) = p.flag {
                    flags.push(f);
                }
            }
        }
    }
    assert_eq!(body, b"0123456789");
    assert_eq!(flags, [Flag::Continued, Flag::Complete]);
    let sends: Vec<_> = heads
        .iter()
        .filter(|h| h.method().is_some_and(|m| m.is_send()))
        .collect();
    assert_eq!(sends.len(), 2);
    assert_ne!(sends[0].transaction_id(), sends[1].transaction_id());
    assert_eq!(
        sends[0].byte_range().unwrap().unwrap().to_string(),
        "1-*/10"
    );
    assert_eq!(
        sends[1].byte_range().unwrap().unwrap().to_string(),
        "6-*/10"
    );
    assert!(
        heads
            .iter()
            .any(|h| h.method() == Some(&crate::frame::Method::Report))
    );
    // Alice got her per-hop 200 once the chunk ended.
    let to_alice = joined(&rest, 1);
    assert!(to_alice.starts_with(b"MSRP big1 200 OK\r\n"));
}

#[test]
fn bodies_are_forwarded_without_copies() {
    // REQ: MSRP-6 (DESIGN: relaying clones Bytes, never the body bytes)
    let now = Instant::now();
    let (mut r, a, b) = pair(now, |_| {});
    let to = format!("{a} {b} msrp://b.example.com:2/bob;tcp");
    // The head and a first body byte: the decoder streams from here on, its buffer empty.
    r.handle_bytes(
        now,
        1,
        format!("{}x", send_head("big2", &to, "msg2", "1-*/*")).as_bytes(),
    );
    let _ = out_of(&mut r);
    let read = Bytes::from(vec![b'x'; 100_000]);
    let range = read.as_ptr() as usize..read.as_ptr() as usize + read.len();
    r.handle_bytes_owned(now, 1, read);
    let out = out_of(&mut r);
    let zero_copy: usize = out
        .iter()
        .filter(|(c, b)| *c == 2 && range.contains(&(b.as_ptr() as usize)))
        .map(|(_, b)| b.len())
        .sum();
    // All but the few bytes the decoder holds back for a split end-line.
    assert!(zero_copy >= 100_000 - 64, "{zero_copy}");
}

#[test]
fn set_writable_holds_output_and_watermarks_pause_the_sender() {
    // REQ: MSRP-6 (back-pressure)
    let now = Instant::now();
    let (mut r, a, b) = pair(now, |c| {
        c.limits.high_watermark = 1000;
        c.limits.low_watermark = 100;
        c.limits.max_queued_bytes = 5000;
    });
    let to = format!("{a} {b} msrp://b.example.com:2/bob;tcp");
    r.set_writable(2, false);
    r.handle_bytes(now, 1, send_head("big3", &to, "msg3", "1-*/*").as_bytes());
    r.handle_bytes(now, 1, &[b'y'; 1500]);
    assert!(out_of(&mut r).iter().all(|(c, _)| *c != 2));
    assert!(r.queued_bytes(2) >= 1500);
    let mut events = Vec::new();
    while let Some(e) = r.poll_event() {
        events.push(e);
    }
    assert_eq!(events, [Event::PauseReading { conn: 1 }]);
    r.set_writable(2, true);
    let out = out_of(&mut r);
    assert!(joined(&out, 2).len() >= 1500);
    assert_eq!(r.queued_bytes(2), 0);
    assert_eq!(r.poll_event(), Some(Event::ResumeReading { conn: 1 }));
    // A host that ignores the pause has the sender closed past the hard bound.
    r.set_writable(2, false);
    r.handle_bytes(now, 1, &[b'z'; 6000]);
    let mut events = Vec::new();
    while let Some(e) = r.poll_event() {
        events.push(e);
    }
    assert!(events.contains(&Event::Close {
        conn: 1,
        reason: CloseReason::OutboundFull
    }));
}

#[test]
fn probation_closes_idle_connections() {
    // REQ: MSRP-6 (RFC 4976 §6.1)
    let now = Instant::now();
    let mut r = relay(|_| {});
    r.handle_connected(now, 9, Direction::Accepted);
    let t = r.poll_timeout().unwrap();
    r.handle_timeout(now);
    assert_eq!(r.connections(), 1);
    r.handle_timeout(t);
    assert_eq!(
        r.poll_event(),
        Some(Event::Close {
            conn: 9,
            reason: CloseReason::Probation
        })
    );
    // Garbage in any split never panics and never grows the output without bound.
    let mut r = relay(|_| {});
    r.handle_connected(now, 1, Direction::Accepted);
    let mut junk = BytesMut::new();
    for i in 0..2000u32 {
        junk.extend_from_slice(&i.to_le_bytes());
    }
    for piece in junk.chunks(7) {
        r.handle_bytes(now, 1, piece);
    }
    let _ = out_of(&mut r);
}

#[test]
fn a_trickle_on_two_connections_does_not_cost_a_head_per_byte() {
    // REQ: MSRP-6 (interruption policy: a waiting SEND takes over after switch_bytes or
    // switch_delay, or with a whole chunk; not for every byte)
    let now = Instant::now();
    let (mut r, a, b) = pair(now, |_| {});
    let c = auth(&mut r, now, 3, "msrp://c.example.com:3/carol;tcp");
    let bob = "msrp://b.example.com:2/bob;tcp";
    r.handle_bytes(
        now,
        1,
        send_head("aaaa", &format!("{a} {b} {bob}"), "ma11", "1-*/*").as_bytes(),
    );
    let carol = send_head("cccc", &format!("{c} {b} {bob}"), "mc11", "1-*/*")
        .replace("a.example.com:1/alice", "c.example.com:3/carol");
    r.handle_bytes(now, 3, carol.as_bytes());
    let mut to_bob = 0;
    for _ in 0..4000 {
        r.handle_bytes(now, 1, b"a");
        r.handle_bytes(now, 3, b"c");
        to_bob += joined(&out_of(&mut r), 2).len();
    }
    assert!(to_bob < 4000 + 1000, "{to_bob} bytes for 4000 body bytes");
    // Carol's bytes wait; after switch_delay they go (an interruption of Alice's chunk).
    let due = r.poll_timeout().unwrap();
    assert_eq!(due, now + std::time::Duration::from_millis(20));
    r.handle_timeout(due);
    let wire = joined(&out_of(&mut r), 2);
    assert!(wire.windows(2).any(|w| w == b"+\r"), "an interruption");
    assert!(wire.ends_with(&[b'c'; 100]), "Carol's bytes follow");
    // Both chunks end; every byte went through once.
    r.handle_bytes(now, 1, b"\r\n-------aaaa$\r\n");
    r.handle_bytes(now, 3, b"\r\n-------cccc$\r\n");
    let _ = out_of(&mut r);
    assert!(r.streams.is_empty());
}
