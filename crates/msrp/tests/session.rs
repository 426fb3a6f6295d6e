//! Two sessions over a simulated connection (the `simpleim_test_support::msrp` harness): the
//! RFC 4975 §11 flows, large messages, interruption, abort, timeouts, error responses and
//! NICKNAME. REQ: MSRP-4, MSRP-5, MSRP-7
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test by panicking"
)]

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use simpleim_msrp::{
    AbortReason, Decoded, Decoder, Event, FailureSource, Flag, Frame, Limits, MessageId, Method,
    MsrpUri, Path, ReportMode, SeededIds, SendOptions, Session, SessionConfig,
};
use simpleim_test_support::msrp::{ALICE, BOB, Pair, epoch};

/// Every frame of a byte stream, whole.
fn frames(wire: &[u8]) -> Vec<Frame> {
    let mut d = Decoder::new(Limits {
        max_collect_bytes: usize::MAX,
        ..Limits::default()
    });
    d.push(wire);
    let mut out = Vec::new();
    while let Some(item) = d.poll().unwrap() {
        match item {
            Decoded::Frame(f) => out.push(f),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(d.at_boundary());
    out
}

/// The only event, which must be [`Event::SendFailed`]: its message, code and source.
fn failure(events: &[Event]) -> (MessageId, u16, FailureSource) {
    match events {
        [
            Event::SendFailed {
                message_id,
                status,
                source,
                ..
            },
        ] => (*message_id, status.code, *source),
        other => panic!("{other:?}"),
    }
}

/// Alice and Bob where Alice writes chunks of any size in pieces of `piece` bytes.
fn interruptible(seed: u64, piece: usize) -> (SessionConfig, SessionConfig) {
    let (mut a, b) = Pair::rfc_configs(seed);
    a.chunk_size = u64::MAX;
    a.piece_size = piece;
    (a, b)
}

fn sends(frames: &[Frame]) -> Vec<&Frame> {
    frames
        .iter()
        .filter(|f| f.head.method() == Some(&Method::Send))
        .collect()
}

fn codes(frames: &[Frame]) -> Vec<u16> {
    frames.iter().filter_map(|f| f.head.status_code()).collect()
}

fn text(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn pattern(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect::<Vec<u8>>()
        .into()
}

#[test]
fn rfc4975_11_1_basic_im_session() {
    // REQ: MSRP-4, MSRP-5 (RFC 4975 §11.1 steps 4-7)
    let mut pair = Pair::rfc(1);
    let now = pair.now;
    let a = pair
        .alice
        .session
        .send_message(
            now,
            "text/plain",
            text("Hi, I'm Alice!"),
            SendOptions::new(),
        )
        .unwrap();
    pair.run();
    let b = pair
        .bob
        .session
        .send_message(
            now,
            "text/plain",
            text("Hi, Alice!  I'm Bob!"),
            SendOptions::new(),
        )
        .unwrap();
    pair.run();
    assert_eq!(pair.bob.messages(), [(a, b"Hi, I'm Alice!".to_vec())]);
    assert_eq!(
        pair.alice.messages(),
        [(b, b"Hi, Alice!  I'm Bob!".to_vec())]
    );
    assert_eq!(pair.alice.events[0], Event::Sent { message_id: a });
    assert_eq!(pair.bob.events[1], Event::Sent { message_id: b });

    let to_bob = frames(&pair.to_bob.written);
    assert_eq!(to_bob.len(), 2);
    assert_eq!(to_bob[0].head.method(), Some(&Method::Send));
    assert_eq!(to_bob[0].head.to_path(), Some(BOB.as_bytes()));
    assert_eq!(to_bob[0].head.from_path(), Some(ALICE.as_bytes()));
    assert_eq!(
        to_bob[0].head.byte_range().unwrap().unwrap().to_string(),
        "1-14/14"
    );
    assert_eq!(to_bob[1].head.status_code(), Some(200));
    assert_eq!(
        to_bob[1].head.transaction_id(),
        frames(&pair.to_alice.written)[1].head.transaction_id()
    );
    for f in to_bob.iter().chain(&frames(&pair.to_alice.written)) {
        f.head.validate(f.flag).unwrap();
    }
    assert!(pair.alice.session.is_idle() && pair.bob.session.is_idle());
}

#[test]
fn rfc4975_5_1_chunked_message() {
    // REQ: MSRP-4 (RFC 4975 §5.1 Figure 3, §11.3: "abcdEFGH" in two chunks)
    let (mut a, b) = Pair::rfc_configs(2);
    a.chunk_size = 4;
    let mut pair = Pair::new(a, b);
    let now = pair.now;
    let id = pair
        .alice
        .session
        .send_message(now, "text/plain", text("abcdEFGH"), SendOptions::new())
        .unwrap();
    pair.run();
    let f = frames(&pair.to_bob.written);
    let chunks = sends(&f);
    let ranges: Vec<String> = chunks
        .iter()
        .map(|f| f.head.byte_range().unwrap().unwrap().to_string())
        .collect();
    assert_eq!(ranges, ["1-4/8", "5-8/8"]);
    assert_eq!(
        chunks.iter().map(|f| f.flag).collect::<Vec<_>>(),
        [Flag::Continued, Flag::Complete]
    );
    assert_eq!(pair.bob.messages(), [(id, b"abcdEFGH".to_vec())]);
    assert_eq!(codes(&frames(&pair.to_alice.written)), [200, 200]);
}

#[test]
fn rfc4975_11_4_chunked_cpim_split_at_every_read_size() {
    // REQ: MSRP-2, MSRP-4 (RFC 4975 §11.4: a message/cpim body in two chunks; every way the
    // reads can cut the stream)
    let cpim = "To: Bob <sip:bob@example.com>\r\nFrom: Alice <sip:alice@example.com>\r\n\
DateTime: 2006-05-15T15:02:31-03:00\r\nContent-Type: text/plain\r\n\r\nABCD1234567890";
    for read in 1..=40 {
        let (mut a, b) = Pair::rfc_configs(3);
        a.chunk_size = 137;
        let mut pair = Pair::new(a, b);
        pair.to_bob.reads = vec![read];
        pair.to_alice.reads = vec![read + 1];
        let now = pair.now;
        let id = pair
            .alice
            .session
            .send_message(now, "message/cpim", text(cpim), SendOptions::new())
            .unwrap();
        pair.run();
        assert_eq!(pair.bob.messages(), [(id, cpim.as_bytes().to_vec())]);
        match &pair.bob.events[0] {
            Event::Message { content_type, .. } => assert_eq!(&content_type[..], b"message/cpim"),
            other => panic!("{other:?}"),
        }
        assert_eq!(pair.alice.events, [Event::Sent { message_id: id }]);
    }
}

#[test]
fn rfc4975_11_5_system_message_gets_no_response() {
    // REQ: MSRP-5 (RFC 4975 §11.5: Failure-Report no, Success-Report no)
    let mut pair = Pair::rfc(4);
    let now = pair.now;
    let id = pair
        .alice
        .session
        .send_message(
            now,
            "text/plain",
            text("This conference will end in 5 minutes"),
            SendOptions::new().failure_report(ReportMode::No),
        )
        .unwrap();
    pair.run();
    assert!(pair.to_alice.written.is_empty());
    assert_eq!(pair.bob.messages().len(), 1);
    assert_eq!(pair.alice.events, [Event::Sent { message_id: id }]);
    assert!(pair.alice.session.is_idle());
}

#[test]
fn rfc4975_11_6_positive_report() {
    // REQ: MSRP-5 (RFC 4975 §11.6: Success-Report yes, Failure-Report no)
    let mut pair = Pair::rfc(5);
    let now = pair.now;
    let html = "<html><body>\n<p>Here is that important link...\n\
<a href=\"http://www.example.com/foobar\">foobar</a>\n</p>\n</body></html>\n";
    let id = pair
        .alice
        .session
        .send_message(
            now,
            "text/html",
            text(html),
            SendOptions::new()
                .success_report(true)
                .failure_report(ReportMode::No),
        )
        .unwrap();
    pair.run();
    let send = &frames(&pair.to_bob.written)[0];
    assert_eq!(send.head.success_report().unwrap(), Some(ReportMode::Yes));
    assert_eq!(send.head.failure_report().unwrap(), Some(ReportMode::No));
    let back = frames(&pair.to_alice.written);
    assert_eq!(back.len(), 1);
    let report = &back[0];
    assert_eq!(report.head.method(), Some(&Method::Report));
    assert_eq!(report.head.message_id().unwrap(), Some(id.as_str()));
    let total = html.len();
    assert_eq!(
        report.head.byte_range().unwrap().unwrap().to_string(),
        format!("1-{total}/{total}")
    );
    assert_eq!(
        report.head.status().unwrap().unwrap().to_string(),
        "000 200 OK"
    );
    assert!(matches!(
        pair.alice.events[..],
        [Event::Sent { .. }, Event::Delivered { complete: true, .. }]
    ));
    assert!(pair.alice.session.is_idle());
}

#[test]
fn one_mib_over_2_kib_chunks() {
    // REQ: MSRP-4 (RFC 4975 §7.1.1: chunks of 2048 octets)
    let mut pair = Pair::rfc(6);
    pair.to_bob.reads = vec![1500, 9000, 64];
    let now = pair.now;
    let body = pattern(1 << 20, 7);
    let id = pair
        .alice
        .session
        .send_message(
            now,
            "application/octet-stream",
            body.clone(),
            SendOptions::new().success_report(true),
        )
        .unwrap();
    pair.run();
    let received = pair.bob.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].0, id);
    assert!(received[0].1 == body[..], "bodies differ");
    let f = frames(&pair.to_bob.written);
    assert_eq!(sends(&f).len(), 512);
    assert!(sends(&f).iter().all(|f| f.body.len() == 2048));
    let back = frames(&pair.to_alice.written);
    assert_eq!(codes(&back).len(), 512);
    assert!(codes(&back).iter().all(|&c| c == 200));
    assert!(matches!(
        pair.alice.events[..],
        [Event::Sent { .. }, Event::Delivered { complete: true, .. }]
    ));
    assert!(pair.alice.session.is_idle() && pair.bob.session.is_idle());
}

#[test]
fn responses_interrupt_a_large_chunk() {
    // REQ: MSRP-4 (RFC 4975 §7.1.1: a SEND over 2048 octets is interrupted for pending
    // responses and REPORTs and resumed with a Byte-Range that continues it)
    let (a, b) = interruptible(7, 1024);
    let mut pair = Pair::new(a, b);
    pair.write_budget = 1;
    let now = pair.now;
    let big = pattern(64 * 1024, 1);
    let big_id = pair
        .alice
        .session
        .send_message(
            now,
            "application/octet-stream",
            big.clone(),
            SendOptions::new(),
        )
        .unwrap();
    let mut small = Vec::new();
    for i in 0..3 {
        small.push(
            pair.bob
                .session
                .send_message(
                    now,
                    "text/plain",
                    Bytes::from(format!("message {i}")),
                    SendOptions::new().success_report(true),
                )
                .unwrap(),
        );
    }
    pair.run();
    assert_eq!(pair.bob.messages(), [(big_id, big.to_vec())]);
    let got: Vec<_> = pair
        .alice
        .messages()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(got, small);

    // Alice's stream: the big message in several chunks, each but the last ended with `+`,
    // with Bob's responses and REPORTs between them.
    let f = frames(&pair.to_bob.written);
    let chunks = sends(&f);
    assert!(chunks.len() > 1, "the chunk was never interrupted");
    let mut next = 1;
    for (i, c) in chunks.iter().enumerate() {
        let r = c.head.byte_range().unwrap().unwrap();
        assert_eq!(r.start, next);
        assert_eq!(r.end, None);
        next += c.body.len() as u64;
        let last = i + 1 == chunks.len();
        assert_eq!(
            c.flag,
            if last {
                Flag::Complete
            } else {
                Flag::Continued
            }
        );
    }
    assert_eq!(next, 64 * 1024 + 1);
    let kinds: Vec<&str> = f
        .iter()
        .map(|f| match f.head.method() {
            Some(Method::Send) => "SEND",
            Some(Method::Report) => "REPORT",
            _ => "response",
        })
        .collect();
    assert!(kinds.windows(2).any(|w| w == ["SEND", "response"]));
    assert!(kinds.iter().filter(|k| **k == "REPORT").count() == 3);
    // Every part of the big message was acknowledged.
    assert_eq!(
        pair.alice
            .events
            .iter()
            .filter(|e| matches!(e, Event::Sent { message_id } if *message_id == big_id))
            .count(),
        1
    );
    pair.settle();
    assert!(pair.alice.session.is_idle() && pair.bob.session.is_idle());
}

#[test]
fn abort_mid_message() {
    // REQ: MSRP-4 (RFC 4975 §7.1: `#`)
    let (mut a, b) = Pair::rfc_configs(8);
    a.chunk_size = 4096;
    a.piece_size = 1024;
    let mut pair = Pair::new(a, b);
    pair.write_budget = 1;
    let now = pair.now;
    let id = pair
        .alice
        .session
        .send_message(now, "text/plain", pattern(20_000, 3), SendOptions::new())
        .unwrap();
    for _ in 0..7 {
        pair.step();
    }
    assert!(pair.alice.session.abort(id));
    pair.settle();
    assert!(pair.bob.messages().is_empty());
    assert_eq!(
        pair.bob.events,
        [Event::MessageAborted {
            message_id: id,
            reason: AbortReason::Sender
        }]
    );
    assert!(pair.alice.events.is_empty());
    let f = frames(&pair.to_bob.written);
    assert_eq!(sends(&f).last().unwrap().flag, Flag::Aborted);
    assert!(pair.alice.session.is_idle() && pair.bob.session.is_idle());
}

#[test]
fn no_response_in_time_is_a_408_failure() {
    // REQ: MSRP-5 (RFC 4975 §7.1.1: 30 s; §10.4)
    let mut pair = Pair::rfc(9);
    pair.to_bob.latency = Duration::from_secs(45);
    let now = pair.now;
    let id = pair
        .alice
        .session
        .send_message(now, "text/plain", text("slow"), SendOptions::new())
        .unwrap();
    pair.settle();
    assert_eq!(
        failure(&pair.alice.events),
        (id, 408, FailureSource::Timeout)
    );
    // The message did arrive, late; its 200 found no transaction and was ignored.
    assert_eq!(pair.bob.messages().len(), 1);
    assert_eq!(pair.elapsed(), Duration::from_secs(45));
    assert!(pair.alice.session.is_idle());
}

#[test]
fn too_large_is_refused_with_413_mid_chunk() {
    // REQ: MSRP-5 (RFC 4975 §10.5: the sender interrupts the chunk and sends no more)
    let (a, mut b) = interruptible(10, 512);
    b.max_message_size = 1000;
    // Bob looks at each head as soon as it arrives (bodies stream).
    b.decoder_limits = Limits {
        max_collect_bytes: 0,
        ..Limits::default()
    };
    let mut pair = Pair::new(a, b);
    pair.write_budget = 1;
    let now = pair.now;
    let id = pair
        .alice
        .session
        .send_message(now, "text/plain", pattern(5000, 9), SendOptions::new())
        .unwrap();
    pair.settle();
    assert_eq!(
        failure(&pair.alice.events),
        (id, 413, FailureSource::Response)
    );
    assert_eq!(
        pair.bob.events,
        [Event::MessageAborted {
            message_id: id,
            reason: AbortReason::Refused { status: 413 }
        }]
    );
    let f = frames(&pair.to_bob.written);
    let chunks = sends(&f);
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].flag, Flag::Aborted);
    assert!(chunks[0].body.len() < 5000);
    assert!(pair.alice.session.is_idle() && pair.bob.session.is_idle());
}

#[test]
fn unaccepted_type_is_refused_with_415() {
    // REQ: MSRP-5 (RFC 4975 §7.3.1, §10.6)
    let (a, mut b) = Pair::rfc_configs(11);
    b.accept_types = vec!["text/*".into(), "message/cpim".into()];
    let mut pair = Pair::new(a, b);
    let now = pair.now;
    let png = pair
        .alice
        .session
        .send_message(now, "image/png", pattern(10, 0), SendOptions::new())
        .unwrap();
    let txt = pair
        .alice
        .session
        .send_message(
            now,
            "text/plain; charset=utf-8",
            text("ok"),
            SendOptions::new(),
        )
        .unwrap();
    pair.run();
    assert!(matches!(
        &pair.alice.events[..],
        [Event::SendFailed { message_id, status, .. }, Event::Sent { message_id: sent }]
            if *message_id == png && status.code == 415 && *sent == txt
    ));
    assert_eq!(pair.bob.messages(), [(txt, b"ok".to_vec())]);
}

#[test]
fn wrong_session_is_refused_with_481() {
    // REQ: MSRP-3, MSRP-5 (RFC 4975 §7.3, §10.8)
    let (mut a, b) = Pair::rfc_configs(12);
    a.remote = "msrp://bob.example.com:8888/not-this-one;tcp"
        .parse()
        .unwrap();
    let mut pair = Pair::new(a, b);
    let now = pair.now;
    let id = pair
        .alice
        .session
        .send_message(now, "text/plain", text("hello?"), SendOptions::new())
        .unwrap();
    pair.run();
    assert_eq!(
        failure(&pair.alice.events),
        (id, 481, FailureSource::Response)
    );
    assert!(pair.bob.events.is_empty());
}

#[test]
fn unknown_method_gets_501() {
    // REQ: MSRP-5 (RFC 4975 §10.9, §12)
    let uri: MsrpUri = BOB.parse().unwrap();
    let mut bob = Session::new(SessionConfig::new(
        uri,
        Path::parse_str(ALICE).unwrap(),
        Box::new(SeededIds::new(1)),
    ));
    let mut wire = BytesMut::new();
    simpleim_msrp::RequestBuilder::new(
        Method::Other(Bytes::from_static(b"PING")),
        "pinged01".parse().unwrap(),
    )
    .to_path(BOB)
    .from_path(ALICE)
    .encode(&mut wire)
    .unwrap();
    bob.handle_bytes(epoch(), &wire);
    let out = bob.poll_transmit().unwrap();
    let f = frames(&out);
    assert_eq!(codes(&f), [501]);
    assert_eq!(f[0].head.transaction_id().as_str(), "pinged01");
    assert!(bob.poll_event().is_none());
}

#[test]
fn nickname() {
    // REQ: MSRP-7 (RFC 7701: NICKNAME, Use-Nickname, 200 and 425 decided by the focus)
    let mut pair = Pair::rfc(13);
    let now = pair.now;
    let first = pair.alice.session.send_nickname(now, "Alice").unwrap();
    pair.run();
    let Event::NicknameRequest { tid, nickname } = pair.bob.events[0].clone() else {
        panic!("{:?}", pair.bob.events)
    };
    assert_eq!((tid, nickname.as_str()), (first, "Alice"));
    pair.bob.session.respond(tid, 200, None).unwrap();
    pair.run();
    let second = pair.alice.session.send_nickname(now, "Bob").unwrap();
    pair.run();
    let Event::NicknameRequest { tid, .. } = pair.bob.events[1].clone() else {
        panic!("{:?}", pair.bob.events)
    };
    pair.bob
        .session
        .respond(tid, 425, Some("Nickname reserved or already in use"))
        .unwrap();
    pair.run();
    assert_eq!(
        pair.alice.events,
        [
            Event::NicknameResult {
                tid: first,
                status: 200,
                comment: Some("OK".into())
            },
            Event::NicknameResult {
                tid: second,
                status: 425,
                comment: Some("Nickname reserved or already in use".into())
            },
        ]
    );
    assert!(pair.alice.session.is_idle() && pair.bob.session.is_idle());
}

#[test]
fn a_nickname_request_is_not_stuck_behind_a_chunk() {
    // REQ: MSRP-7, MSRP-4 (non-SEND requests are not interruptible and go between pieces)
    let (a, b) = interruptible(14, 256);
    let mut pair = Pair::new(a, b);
    pair.write_budget = 1;
    // Bob's answers come later, so that the stream stops after the NICKNAME.
    pair.to_bob.latency = Duration::from_millis(10);
    let now = pair.now;
    pair.alice
        .session
        .send_message(now, "text/plain", pattern(10_000, 5), SendOptions::new())
        .unwrap();
    pair.step();
    pair.alice.session.send_nickname(now, "Alice").unwrap();
    pair.step();
    let f = frames(&pair.to_bob.written);
    assert_eq!(f.len(), 2, "the chunk was cut, the NICKNAME followed");
    assert_eq!(f[0].flag, Flag::Continued);
    assert_eq!(f[1].head.method(), Some(&Method::Nickname));
    pair.settle();
}

#[test]
fn decoded_items_routed_by_the_host() {
    // REQ: MSRP-2, MSRP-3 (a host that decodes and routes heads and body parts itself)
    let mut pair = Pair::rfc(15);
    let now = pair.now;
    let id = pair
        .alice
        .session
        .send_message(now, "text/plain", pattern(100_000, 2), SendOptions::new())
        .unwrap();
    let mut wire = Vec::new();
    while let Some(b) = pair.alice.session.poll_transmit() {
        wire.extend_from_slice(&b);
    }
    let mut d = Decoder::new(Limits {
        max_collect_bytes: 100,
        ..Limits::default()
    });
    let mut parts = 0;
    for read in wire.chunks(777) {
        d.push(read);
        while let Some(item) = d.poll().unwrap() {
            parts += usize::from(matches!(item, Decoded::Body(_)));
            pair.bob.session.handle_decoded(now, item);
        }
    }
    assert!(parts > 49, "bodies streamed in parts");
    let got: Vec<Event> = std::iter::from_fn(|| pair.bob.session.poll_event()).collect();
    assert!(
        matches!(&got[..], [Event::Message { message_id, body, .. }] if *message_id == id && body.len() == 100_000)
    );
}
