//! Sending: chunking, pieces, interruption, abort, timeouts, error responses.

use std::time::Duration;

use super::*;

#[test]
fn rfc4975_11_1_basic_im_byte_exact() {
    // REQ: MSRP-4, MSRP-5 (RFC 4975 §11.1 steps 4-5, with the Byte-Range the 14-byte body
    // really has)
    let now = t0();
    let mut a = session_with(ALICE, BOB, script(&["d93kswow"], &["12339sdqwer"]), |_| {});
    let id = send_text(&mut a, now, b"Hi, I'm Alice!", SendOptions::new());
    assert_eq!(id.as_str(), "12339sdqwer");
    let send = drain(&mut a);
    assert_eq!(
        send,
        b"MSRP d93kswow SEND\r\n\
To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n\
From-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n\
Message-ID: 12339sdqwer\r\n\
Byte-Range: 1-14/14\r\n\
Content-Type: text/plain\r\n\
\r\n\
Hi, I'm Alice!\r\n\
-------d93kswow$\r\n"
    );
    assert_eq!(a.pending_transactions(), 1);
    assert_eq!(a.poll_timeout(), Some(now + Duration::from_secs(30)));

    let mut b = bob(|_| {});
    b.handle_bytes(now, &send);
    let ok = drain(&mut b);
    assert_eq!(
        ok,
        b"MSRP d93kswow 200 OK\r\n\
To-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n\
From-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n\
-------d93kswow$\r\n"
    );
    match &events(&mut b)[..] {
        [
            Event::Message {
                message_id,
                content_type,
                body,
                head,
            },
        ] => {
            assert_eq!(*message_id, id);
            assert_eq!(&content_type[..], b"text/plain");
            assert_eq!(&body[..], b"Hi, I'm Alice!");
            assert_eq!(head.transaction_id().as_str(), "d93kswow");
        }
        other => panic!("{other:?}"),
    }
    assert!(b.is_idle());

    a.handle_bytes(now, &ok);
    assert_eq!(events(&mut a), [Event::Sent { message_id: id }]);
    assert!(a.is_idle());
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn chunks_of_the_configured_size() {
    // REQ: MSRP-4 (RFC 4975 §5.1, §7.1.1: Byte-Range of each chunk, same Message-ID, `+`
    // until the last chunk's `$`)
    let now = t0();
    let mut a = alice(|_| {});
    let body: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let id = a
        .send_message(
            now,
            "application/octet-stream",
            Bytes::from(body.clone()),
            SendOptions::new(),
        )
        .unwrap();
    let mut outputs = Vec::new();
    while let Some(b) = a.poll_transmit() {
        outputs.push(b);
    }
    assert_eq!(
        outputs.len(),
        3,
        "one chunk per output at the default piece size"
    );
    let wire: Vec<u8> = outputs.concat();
    let f = frames(&wire);
    let ranges: Vec<String> = f.iter().map(|f| range(f).to_string()).collect();
    assert_eq!(ranges, ["1-2048/5000", "2049-4096/5000", "4097-5000/5000"]);
    let flags: Vec<Flag> = f.iter().map(|f| f.flag).collect();
    assert_eq!(flags, [Flag::Continued, Flag::Continued, Flag::Complete]);
    let joined: Vec<u8> = f.iter().flat_map(|f| f.body.to_vec()).collect();
    assert_eq!(joined, body);
    for f in &f {
        assert_eq!(f.head.message_id().unwrap(), Some(id.as_str()));
        assert_eq!(f.head.success_report().unwrap(), None);
    }
    assert_ne!(f[0].head.transaction_id(), f[1].head.transaction_id());
    assert_eq!(a.pending_transactions(), 3);
}

#[test]
fn large_chunks_go_in_pieces_with_star_end() {
    // REQ: MSRP-4 (RFC 4975 §7.1.1: a chunk over 2048 octets has range-end `*`)
    let now = t0();
    let mut a = alice_pieces(1000);
    a.send_message(
        now,
        "text/plain",
        Bytes::from(vec![b'x'; 3500]),
        SendOptions::new(),
    )
    .unwrap();
    let outputs: Vec<Bytes> = core::iter::from_fn(|| a.poll_transmit()).collect();
    assert_eq!(outputs.len(), 4);
    let f = frames(&outputs.concat());
    assert_eq!(f.len(), 1);
    assert_eq!(range(&f[0]).to_string(), "1-*/3500");
    assert_eq!(f[0].body.len(), 3500);
    assert_eq!(f[0].flag, Flag::Complete);
    // Nothing times out until the last byte is written.
    assert!(a.poll_timeout().is_some());
}

#[test]
fn a_response_interrupts_a_chunk_which_resumes_under_a_new_transaction() {
    // REQ: MSRP-4 (RFC 4975 §7.1.1: "SEND requests larger than 2048 octets MUST be
    // interrupted if the sender needs to send pending responses or REPORT requests"; the
    // rest goes in another chunk whose range-start follows the interruption)
    let now = t0();
    let mut a = alice_pieces(1000);
    let body: Vec<u8> = (0..5000u32).map(|i| (i % 13) as u8 + b'a').collect();
    let id = a
        .send_message(
            now,
            "text/plain",
            Bytes::from(body.clone()),
            SendOptions::new(),
        )
        .unwrap();
    let mut wire = Vec::new();
    wire.extend_from_slice(&a.poll_transmit().unwrap());
    wire.extend_from_slice(&a.poll_transmit().unwrap());
    // Bob's message arrives while the chunk is half written; it asks for a success report.
    let incoming = request_to(
        ALICE,
        "bobtx001",
        "SEND",
        &[
            ("Message-ID", "bobmsg01"),
            ("Byte-Range", "1-5/5"),
            ("Success-Report", "yes"),
        ],
        Some(("text/plain", b"Hello")),
        '$',
    );
    a.handle_bytes(now, &incoming);
    let next = a.poll_transmit().unwrap();
    // The chunk ends at once with `+`, the response and the REPORT follow.
    assert!(
        next.starts_with(b"\r\n-------"),
        "{:?}",
        String::from_utf8_lossy(&next)
    );
    wire.extend_from_slice(&next);
    wire.extend_from_slice(&drain(&mut a));
    let f = frames(&wire);
    assert_eq!(f.len(), 4);
    assert_eq!(f[0].flag, Flag::Continued);
    assert_eq!(range(&f[0]).to_string(), "1-*/5000");
    assert_eq!(f[0].body.len(), 2000);
    assert_eq!(f[1].head.status_code(), Some(200));
    assert_eq!(f[1].head.transaction_id().as_str(), "bobtx001");
    assert_eq!(f[2].head.method(), Some(&Method::Report));
    assert_eq!(range(&f[2]).to_string(), "1-5/5");
    assert_eq!(f[3].head.method(), Some(&Method::Send));
    assert_ne!(f[3].head.transaction_id(), f[0].head.transaction_id());
    assert_eq!(range(&f[3]).to_string(), "2001-*/5000");
    assert_eq!(f[3].head.message_id().unwrap(), Some(id.as_str()));
    assert_eq!(f[3].flag, Flag::Complete);
    assert_eq!([&f[0].body[..], &f[3].body[..]].concat(), body);
    // Both chunks are transactions of their own.
    assert_eq!(a.pending_transactions(), 2);
    assert!(matches!(&events(&mut a)[..], [Event::Message { body, .. }] if &body[..] == b"Hello"));
}

/// Identifiers whose first transaction identifier is `tidAAAA1`.
fn scripted_alice(tweak: impl FnOnce(&mut SessionConfig)) -> Session {
    session_with(
        ALICE,
        BOB,
        script(&["tidAAAA1", "tidBBBB2", "tidCCCC3"], &["m0000001"]),
        tweak,
    )
}

#[test]
fn a_body_holding_the_end_line_gets_another_transaction_id() {
    // REQ: MSRP-4 (RFC 4975 §7.1: the body must not contain the request's end-line)
    let now = t0();
    let body = Bytes::from_static(b"abc-------tidAAAA1$def");
    let mut a = scripted_alice(|_| {});
    a.send_message(now, "text/plain", body.clone(), SendOptions::new())
        .unwrap();
    let f = frames(&drain(&mut a));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].head.transaction_id().as_str(), "tidBBBB2");
    assert_eq!(range(&f[0]).to_string(), "1-22/22");
    assert_eq!(f[0].body, body);
}

#[test]
fn an_interruptible_chunk_is_cut_before_its_end_line() {
    // REQ: MSRP-4 (RFC 4975 §7.1: "simply interrupt the chunk at that point and start a new
    // transaction with a different transaction identifier to carry the rest of the body")
    let now = t0();
    let body = Bytes::from_static(b"abc-------tidAAAA1$def");
    let mut a = scripted_alice(|c| c.piece_size = 4);
    a.send_message(now, "text/plain", body.clone(), SendOptions::new())
        .unwrap();
    let f = frames(&drain(&mut a));
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].head.transaction_id().as_str(), "tidAAAA1");
    assert_eq!(&f[0].body[..], b"abc-------tidAAAA1");
    assert_eq!(f[0].flag, Flag::Continued);
    // The rest fits in one piece: its end is known.
    assert_eq!(range(&f[1]).to_string(), "19-22/22");
    assert_eq!(&f[1].body[..], b"$def");
    assert_eq!(f[1].flag, Flag::Complete);
}

#[test]
fn empty_message() {
    // REQ: MSRP-4 (RFC 4975 §7.1.1: "1-0/0")
    let now = t0();
    let mut a = alice(|_| {});
    let id = a
        .send_message(now, "text/plain", Bytes::new(), SendOptions::new())
        .unwrap();
    let wire = drain(&mut a);
    let f = frames(&wire);
    assert_eq!(range(&f[0]).to_string(), "1-0/0");
    assert!(f[0].head.has_body() && f[0].body.is_empty());
    let mut b = bob(|_| {});
    b.handle_bytes(now, &wire);
    assert!(
        matches!(&events(&mut b)[..], [Event::Message { message_id, body, .. }] if *message_id == id && body.is_empty())
    );
}

#[test]
fn abort_mid_chunk_ends_it_with_hash() {
    // REQ: MSRP-4 (RFC 4975 §7.1: `#` aborts the message)
    let now = t0();
    let mut a = alice_pieces(1000);
    let id = send_x(&mut a, now, 5000, SendOptions::new());
    let mut wire = a.poll_transmit().unwrap().to_vec();
    assert!(a.abort(id));
    assert!(!a.abort(id));
    wire.extend_from_slice(&drain(&mut a));
    let f = frames(&wire);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].flag, Flag::Aborted);
    assert_eq!(f[0].body.len(), 1000);
    assert!(events(&mut a).is_empty());
    assert!(a.is_idle());
}

#[test]
fn abort_between_chunks_sends_an_empty_hash_chunk() {
    // REQ: MSRP-4 (RFC 4975 §7.1)
    let now = t0();
    let mut a = alice(|_| {});
    let id = send_x(&mut a, now, 5000, SendOptions::new());
    let first = a.poll_transmit().unwrap();
    assert!(a.abort(id));
    let f = frames(&[&first[..], &drain(&mut a)].concat());
    assert_eq!(f.len(), 2);
    assert_eq!(f[1].flag, Flag::Aborted);
    assert!(f[1].body.is_empty());
    assert_eq!(range(&f[1]).to_string(), "2049-*/5000");
    // The first chunk's transaction no longer matters.
    assert_eq!(a.pending_transactions(), 0);
}

#[test]
fn abort_before_the_first_chunk_sends_nothing() {
    let now = t0();
    let mut a = alice(|_| {});
    let first = send_text(&mut a, now, b"one", SendOptions::new());
    let second = send_text(&mut a, now, b"two", SendOptions::new());
    assert!(a.abort(second));
    let f = frames(&drain(&mut a));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].head.message_id().unwrap(), Some(first.as_str()));
    assert!(!a.abort(MessageId::from_u64(7)));
}

#[test]
fn no_response_in_30_seconds_fails_with_408() {
    // REQ: MSRP-5 (RFC 4975 §7.1.1: 30 s after the last byte; §10.4)
    let now = t0();
    let mut a = alice(|_| {});
    let id = send_text(&mut a, now, b"hi", SendOptions::new());
    drain(&mut a);
    let at = a.poll_timeout().unwrap();
    assert_eq!(at, now + Duration::from_secs(30));
    a.handle_timeout(at - Duration::from_millis(1)); // early: nothing
    assert!(events(&mut a).is_empty());
    a.handle_timeout(at);
    assert_eq!(failure(&events(&mut a)), (id, 408, FailureSource::Timeout));
    assert!(a.is_idle());
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn failure_report_partial_and_no() {
    // REQ: MSRP-5 (RFC 4975 §5.3, §7.1.1: `partial` runs no timer for success, `no` expects
    // no response at all)
    let now = t0();
    let mut a = alice(|_| {});
    let partial = send_text(
        &mut a,
        now,
        b"hi",
        SendOptions::new().failure_report(ReportMode::Partial),
    );
    let f = frames(&drain(&mut a));
    assert_eq!(
        f[0].head.failure_report().unwrap(),
        Some(ReportMode::Partial)
    );
    let at = a.poll_timeout().unwrap();
    a.handle_timeout(at);
    assert_eq!(
        events(&mut a),
        [Event::Sent {
            message_id: partial
        }]
    );

    let none = send_text(
        &mut a,
        now,
        b"system message",
        SendOptions::new().failure_report(ReportMode::No),
    );
    let f = frames(&drain(&mut a));
    assert_eq!(f[0].head.failure_report().unwrap(), Some(ReportMode::No));
    assert_eq!(events(&mut a), [Event::Sent { message_id: none }]);
    assert_eq!(a.pending_transactions(), 0);
    assert!(a.is_idle());
}

#[test]
fn an_error_response_mid_chunk_aborts_the_message() {
    // REQ: MSRP-5 (RFC 4975 §10.5: after a 413 no further chunks; a chunk being sent is
    // interrupted; §7.3.2: with `#`)
    let now = t0();
    let mut a = alice_pieces(1000);
    let id = send_x(&mut a, now, 5000, SendOptions::new());
    let first = a.poll_transmit().unwrap();
    let tid = start_tid(&first);
    let response = format!(
        "MSRP {tid} 413 Message Too Large\r\nTo-Path: {ALICE}\r\nFrom-Path: {BOB}\r\n-------{tid}$\r\n"
    );
    a.handle_bytes(now, response.as_bytes());
    let rest = drain(&mut a);
    let f = frames(&[&first[..], &rest].concat());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].flag, Flag::Aborted);
    let e = events(&mut a);
    assert_eq!(failure(&e), (id, 413, FailureSource::Response));
    assert!(matches!(&e[0], Event::SendFailed { status, .. }
        if status.text.as_deref() == Some(&b"Message Too Large"[..])));
    assert!(a.is_idle());
}

#[test]
fn an_error_response_between_chunks_stops_the_message() {
    // REQ: MSRP-5 (RFC 4975 §10.5: "MUST NOT send any further chunks in the message")
    let now = t0();
    let mut a = alice(|_| {});
    let id = send_x(&mut a, now, 5000, SendOptions::new());
    let first = frames(&a.poll_transmit().unwrap());
    let tid = first[0].head.transaction_id();
    let response =
        format!("MSRP {tid} 415\r\nTo-Path: {ALICE}\r\nFrom-Path: {BOB}\r\n-------{tid}$\r\n");
    a.handle_bytes(now, response.as_bytes());
    assert_eq!(a.poll_transmit(), None);
    assert_eq!(failure(&events(&mut a)), (id, 415, FailureSource::Response));
}

#[test]
fn send_errors() {
    let now = t0();
    let mut a = alice(|c| {
        c.remote_max_size = Some(4);
        c.max_outgoing = 2;
    });
    assert_eq!(
        a.send_message(
            now,
            "text/plain",
            Bytes::from_static(b"12345"),
            SendOptions::new()
        ),
        Err(SendError::TooLarge { size: 5, max: 4 })
    );
    assert!(matches!(
        a.send_message(
            now,
            "text/plain",
            Bytes::new(),
            SendOptions::new().header("Byte-Range", "1-1/1")
        ),
        Err(SendError::Encode(EncodeError::ReservedHeader { .. }))
    ));
    assert!(matches!(
        a.send_message(
            now,
            "text/plain",
            Bytes::new(),
            SendOptions::new().header("To-Path", "x")
        ),
        Err(SendError::Encode(EncodeError::ReservedHeader { .. }))
    ));
    assert!(matches!(
        a.send_message(now, "text/plain\r\nX: y", Bytes::new(), SendOptions::new()),
        Err(SendError::Encode(_))
    ));
    let id: MessageId = "fixed-id".parse().unwrap();
    a.send_message(
        now,
        "text/plain",
        Bytes::new(),
        SendOptions::new().message_id(id).success_report(true),
    )
    .unwrap();
    assert_eq!(
        a.send_message(
            now,
            "text/plain",
            Bytes::new(),
            SendOptions::new().message_id(id)
        ),
        Err(SendError::DuplicateMessageId(id))
    );
    a.send_message(now, "text/plain", Bytes::new(), SendOptions::new())
        .unwrap();
    assert_eq!(
        a.send_message(now, "text/plain", Bytes::new(), SendOptions::new()),
        Err(SendError::QueueFull { limit: 2 })
    );
    // Once sent and acknowledged, a message that only waits for its success report makes
    // room.
    let mut oks = Vec::new();
    for f in frames(&drain(&mut a)) {
        let tid = f.head.transaction_id();
        oks.extend_from_slice(
            format!(
                "MSRP {tid} 200 OK\r\nTo-Path: {ALICE}\r\nFrom-Path: {BOB}\r\n-------{tid}$\r\n"
            )
            .as_bytes(),
        );
    }
    a.handle_bytes(now, &oks);
    assert_eq!(events(&mut a).len(), 2); // two Sent
    a.send_message(now, "text/plain", Bytes::new(), SendOptions::new())
        .unwrap();
    assert!(events(&mut a).is_empty());
    a.send_message(now, "text/plain", Bytes::new(), SendOptions::new())
        .unwrap();
    assert_eq!(
        events(&mut a),
        [Event::DeliveryUnconfirmed { message_id: id }]
    );
    assert_eq!(
        a.send_message(now, "text/plain", Bytes::new(), SendOptions::new()),
        Err(SendError::QueueFull { limit: 2 })
    );
}

#[test]
fn extra_headers_are_written_on_every_chunk() {
    let now = t0();
    let mut a = alice(|c| c.chunk_size = 2048);
    a.send_message(
        now,
        "text/plain",
        Bytes::from(vec![b'x'; 3000]),
        SendOptions::new()
            .success_report(true)
            .header("Content-Disposition", "inline")
            .header("X-Trace", "1"),
    )
    .unwrap();
    for f in frames(&drain(&mut a)) {
        assert_eq!(f.head.success_report().unwrap(), Some(ReportMode::Yes));
        assert_eq!(f.head.content_disposition(), Some(&b"inline"[..]));
        assert_eq!(f.head.header("x-trace"), Some(&b"1"[..]));
        f.head.validate(f.flag).unwrap();
    }
}
