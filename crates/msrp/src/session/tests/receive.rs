//! Receiving: To-Path checks, response codes, reassembly, REPORTs.

use std::time::Duration;

use super::*;

#[test]
fn requests_for_another_session_get_481() {
    // REQ: MSRP-3, MSRP-5 (RFC 4975 §7.3: "the receiver MUST generate a 481 error and ignore
    // the request"; with Failure-Report no, nothing)
    let now = t0();
    let mut b = bob(|_| {});
    let other = "msrp://bob.example.com:8888/other;tcp";
    b.handle_bytes(
        now,
        &request_to(
            other,
            "t4810001",
            "SEND",
            &[("Message-ID", "m1")],
            Some(("text/plain", b"x")),
            '$',
        ),
    );
    // "m1" is too short for a Message-ID but the To-Path is checked first.
    assert_eq!(status_codes(&frames(&drain(&mut b))), [481]);
    let quiet = request_to(
        other,
        "t4810002",
        "SEND",
        &[("Message-ID", "m0000002"), ("Failure-Report", "no")],
        Some(("text/plain", b"x")),
        '$',
    );
    b.handle_bytes(now, &quiet);
    assert!(drain(&mut b).is_empty());
    // REPORTs are never answered.
    let report = request_to(
        other,
        "t4810003",
        "REPORT",
        &[("Message-ID", "m0000003"), ("Status", "000 200 OK")],
        None,
        '$',
    );
    b.handle_bytes(now, &report);
    assert!(drain(&mut b).is_empty());
    assert!(events(&mut b).is_empty());
}

#[test]
fn cema_sessions_match_by_session_id() {
    // REQ: MSRP-3 (RFC 6714)
    let now = t0();
    let mut b = bob(|c| c.match_mode = MatchMode::SessionId);
    let via_sbc = "msrps://sbc.example.net:2855/9di4eae923wzd;tcp";
    b.handle_bytes(
        now,
        &request_to(
            via_sbc,
            "tcema001",
            "SEND",
            &[("Message-ID", "m0000001")],
            Some(("text/plain", b"x")),
            '$',
        ),
    );
    assert_eq!(status_codes(&frames(&drain(&mut b))), [200]);
}

#[test]
fn unknown_methods_get_501() {
    // REQ: MSRP-5 (RFC 4975 §10.9, §12)
    let now = t0();
    let mut b = bob(|_| {});
    b.handle_bytes(now, &request_to(BOB, "t5010001", "FOO", &[], None, '$'));
    b.handle_bytes(now, &request_to(BOB, "t5010002", "AUTH", &[], None, '$'));
    assert_eq!(status_codes(&frames(&drain(&mut b))), [501, 501]);
    assert!(b.is_idle());
}

#[test]
fn unaccepted_media_types_get_415() {
    // REQ: MSRP-5 (RFC 4975 §7.3.1, §8.6, §10.6)
    let now = t0();
    let mut b = bob(|c| c.accept_types = vec!["text/plain".into(), "message/*".into()]);
    let png = request_to(
        BOB,
        "t4150001",
        "SEND",
        &[("Message-ID", "m0000001"), ("Byte-Range", "1-*/10")],
        Some(("image/png", b"12345")),
        '+',
    );
    b.handle_bytes(now, &png);
    let cpim = request_to(
        BOB,
        "t4150002",
        "SEND",
        &[("Message-ID", "m0000002")],
        Some(("message/CPIM", b"x")),
        '$',
    );
    b.handle_bytes(now, &cpim);
    // A later chunk of the refused message gets 415 too.
    let png2 = request_to(
        BOB,
        "t4150003",
        "SEND",
        &[("Message-ID", "m0000001"), ("Byte-Range", "6-10/10")],
        Some(("image/png", b"67890")),
        '$',
    );
    b.handle_bytes(now, &png2);
    assert_eq!(status_codes(&frames(&drain(&mut b))), [415, 200, 415]);
    let e = events(&mut b);
    assert_eq!(e.len(), 2);
    assert!(matches!(
        e[0],
        Event::MessageAborted {
            reason: AbortReason::Refused { status: 415 },
            ..
        }
    ));
    assert!(matches!(e[1], Event::Message { .. }));
}

#[test]
fn too_large_messages_get_413() {
    // REQ: MSRP-5 (RFC 4975 §10.5; §8.6 max-size)
    let now = t0();
    let mut b = bob(|c| c.max_message_size = 10);
    b.handle_bytes(now, &chunk("t4130001", "m0000001", "1-*/11", b"abc", '+'));
    // Total unknown: found out from the bytes.
    b.handle_bytes(
        now,
        &chunk("t4130002", "m0000002", "1-*/*", b"0123456789", '+'),
    );
    b.handle_bytes(now, &chunk("t4130003", "m0000002", "11-*/*", b"x", '$'));
    assert_eq!(status_codes(&frames(&drain(&mut b))), [413, 200, 413]);
    assert_eq!(b.incomplete_messages(), 0);
    assert_eq!(b.buffered_bytes(), 0);
}

#[test]
fn malformed_requests_get_400() {
    // REQ: MSRP-5 (RFC 4975 §10.2)
    let now = t0();
    let mut b = bob(|_| {});
    b.handle_bytes(now, &chunk("t4000001", "m0000001", "1-x/3", b"abc", '$'));
    b.handle_bytes(now, &chunk("t4000002", "-bad", "1-3/3", b"abc", '$'));
    b.handle_bytes(
        now,
        &request_to(
            BOB,
            "t4000003",
            "SEND",
            &[("Message-ID", "m0000003"), ("Success-Report", "partial")],
            Some(("text/plain", b"a")),
            '$',
        ),
    );
    // More bytes than the range says.
    b.handle_bytes(now, &chunk("t4000004", "m0000004", "1-2/5", b"abc", '+'));
    // The `$` chunk disagrees with the total.
    b.handle_bytes(now, &chunk("t4000005", "m0000005", "1-*/9", b"abc", '$'));
    // Content-Type not last.
    let mut bad = b"MSRP t4000006 SEND\r\nTo-Path: ".to_vec();
    bad.extend_from_slice(format!("{BOB}\r\nFrom-Path: {ALICE}\r\nContent-Type: text/plain\r\nMessage-ID: m0000006\r\n\r\nx\r\n-------t4000006$\r\n").as_bytes());
    b.handle_bytes(now, &bad);
    assert_eq!(
        status_codes(&frames(&drain(&mut b))),
        [400, 400, 400, 400, 400, 400]
    );
    assert!(b.is_idle() || b.incomplete_messages() == 0);
}

#[test]
fn failure_report_governs_responses() {
    // REQ: MSRP-5 (RFC 4975 §7.2, §7.1.4: `no` never, `partial` errors only)
    let now = t0();
    let mut b = bob(|c| c.accept_types = vec!["text/plain".into()]);
    let with = |tid: &str, mode: &str, ct: &str| {
        request_to(
            BOB,
            tid,
            "SEND",
            &[("Message-ID", tid), ("Failure-Report", mode)],
            Some((ct, b"x")),
            '$',
        )
    };
    b.handle_bytes(now, &with("tfr00001", "no", "text/plain"));
    b.handle_bytes(now, &with("tfr00002", "no", "image/png"));
    b.handle_bytes(now, &with("tfr00003", "partial", "text/plain"));
    b.handle_bytes(now, &with("tfr00004", "partial", "image/png"));
    b.handle_bytes(now, &with("tfr00005", "yes", "text/plain"));
    let f = frames(&drain(&mut b));
    let answered: Vec<(String, u16)> = f
        .iter()
        .map(|f| {
            (
                f.head.transaction_id().to_string(),
                f.head.status_code().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        answered,
        [("tfr00004".to_owned(), 415), ("tfr00005".to_owned(), 200)]
    );
    let delivered = events(&mut b)
        .iter()
        .filter(|e| matches!(e, Event::Message { .. }))
        .count();
    assert_eq!(delivered, 3);
}

#[test]
fn reassembly_out_of_order_with_duplicates() {
    // REQ: MSRP-4 (RFC 4975 §7.3.1: chunks in any order, duplicates; §5.1 Figure 3)
    let now = t0();
    let mut b = bob(|_| {});
    b.handle_bytes(now, &chunk("dkei38ia", "4564dpWd", "5-8/8", b"EFGH", '$'));
    assert!(events(&mut b).is_empty());
    assert_eq!(b.incomplete_messages(), 1);
    b.handle_bytes(now, &chunk("dkei38sd", "4564dpWd", "1-*/8", b"abcd", '+'));
    b.handle_bytes(now, &chunk("dkei38se", "4564dpWd", "1-4/8", b"abcd", '+'));
    let e = events(&mut b);
    assert_eq!(e.len(), 1);
    assert!(
        matches!(&e[0], Event::Message { body, message_id, .. } if &body[..] == b"abcdEFGH" && message_id.as_str() == "4564dpWd")
    );
    assert_eq!(status_codes(&frames(&drain(&mut b))), [200, 200, 200]);
    assert_eq!(b.incomplete_messages(), 0);
    assert_eq!(b.buffered_bytes(), 0);
}

#[test]
fn overlapping_chunks_last_wins() {
    // REQ: MSRP-4 (RFC 4975 §7.3.1: "the last chunk received SHOULD take precedence")
    let now = t0();
    let mut b = bob(|_| {});
    b.handle_bytes(now, &chunk("tovl0001", "m0000001", "1-*/6", b"aaaa", '+'));
    b.handle_bytes(now, &chunk("tovl0002", "m0000001", "3-6/6", b"BBBB", '$'));
    assert!(matches!(&events(&mut b)[..], [Event::Message { body, .. }] if &body[..] == b"aaBBBB"));
}

#[test]
fn a_single_frame_message_is_not_copied() {
    // REQ: MSRP-2, MSRP-4
    let now = t0();
    let mut b = bob(|_| {});
    let wire = Bytes::from(chunk("tzc00001", "m0000001", "1-5/5", b"hello", '$'));
    let mut d = Decoder::new(Limits::default());
    d.push_bytes(wire);
    let Some(Decoded::Frame(f)) = d.poll().unwrap() else {
        panic!()
    };
    let ptr = f.body.as_ptr();
    b.handle_decoded(now, Decoded::Frame(f));
    assert!(matches!(&events(&mut b)[..], [Event::Message { body, .. }] if body.as_ptr() == ptr));
}

#[test]
fn streamed_chunks_are_reassembled() {
    // REQ: MSRP-2, MSRP-4 (bodies in parts, as the decoder streams them)
    let now = t0();
    let mut b = bob(|_| {});
    let mut d = Decoder::new(Limits {
        max_collect_bytes: 0,
        ..Limits::default()
    });
    let body: Vec<u8> = (0..3000u32).map(|i| (i % 7) as u8 + b'0').collect();
    let mut wire = chunk("tstr0001", "m0000001", "1-*/3000", &body[..1000], '+');
    wire.extend_from_slice(&chunk(
        "tstr0002",
        "m0000001",
        "1001-3000/3000",
        &body[1000..],
        '$',
    ));
    for piece in wire.chunks(97) {
        d.push(piece);
        while let Some(item) = d.poll().unwrap() {
            b.handle_decoded(now, item);
        }
    }
    assert!(
        matches!(&events(&mut b)[..], [Event::Message { body: got, .. }] if got[..] == body[..])
    );
    assert_eq!(status_codes(&frames(&drain(&mut b))), [200, 200]);
}

#[test]
fn hash_aborts_an_incoming_message() {
    // REQ: MSRP-4 (RFC 4975 §7.1: `#`)
    let now = t0();
    let mut b = bob(|_| {});
    b.handle_bytes(now, &chunk("tabt0001", "m0000001", "1-*/10", b"abcd", '+'));
    b.handle_bytes(now, &chunk("tabt0002", "m0000001", "5-*/10", b"ef", '#'));
    assert_eq!(
        events(&mut b),
        [Event::MessageAborted {
            message_id: "m0000001".parse().unwrap(),
            reason: AbortReason::Sender
        }]
    );
    assert_eq!(status_codes(&frames(&drain(&mut b))), [200, 200]);
    assert!(b.is_idle());
    // A stray chunk afterwards is answered and dropped.
    b.handle_bytes(now, &chunk("tabt0003", "m0000001", "7-10/10", b"ghij", '$'));
    assert!(events(&mut b).is_empty());
    assert_eq!(b.incomplete_messages(), 0);
}

#[test]
fn bodiless_send_is_answered_and_not_delivered() {
    // RFC 4975 §7.1: bodiless requests keep a connection alive
    let now = t0();
    let mut b = bob(|_| {});
    b.handle_bytes(
        now,
        &request_to(
            BOB,
            "tbdl0001",
            "SEND",
            &[("Message-ID", "m0000001")],
            None,
            '$',
        ),
    );
    b.handle_bytes(now, &request_to(BOB, "tbdl0002", "SEND", &[], None, '$'));
    assert_eq!(status_codes(&frames(&drain(&mut b))), [200, 200]);
    assert!(events(&mut b).is_empty());
}

#[test]
fn success_report_after_the_whole_message() {
    // REQ: MSRP-5 (RFC 4975 §7.1.3, §11.6)
    let now = t0();
    let mut b = bob(|_| {});
    let send = request_to(
        BOB,
        "d93kswow",
        "SEND",
        &[
            ("Message-ID", "12339sdqwer"),
            ("Byte-Range", "1-5/5"),
            ("Success-Report", "yes"),
            ("Failure-Report", "no"),
        ],
        Some(("text/html", b"<p/>!")),
        '$',
    );
    b.handle_bytes(now, &send);
    let f = frames(&drain(&mut b));
    assert_eq!(f.len(), 1, "no response with Failure-Report: no");
    let r = &f[0];
    assert_eq!(r.head.method(), Some(&Method::Report));
    assert_eq!(r.head.to_path(), Some(ALICE.as_bytes()));
    assert_eq!(r.head.from_path(), Some(BOB.as_bytes()));
    assert_eq!(r.head.message_id().unwrap(), Some("12339sdqwer"));
    assert_eq!(range(r).to_string(), "1-5/5");
    assert_eq!(r.head.status().unwrap().unwrap().to_string(), "000 200 OK");
    assert_eq!(r.head.success_report().unwrap(), None);
    assert_eq!(r.head.failure_report().unwrap(), None);
}

#[test]
fn reports_received() {
    // REQ: MSRP-5 (RFC 4975 §7.3.2)
    let now = t0();
    let mut a = alice(|_| {});
    let id = a
        .send_message(
            now,
            "text/plain",
            Bytes::from(vec![b'x'; 10]),
            SendOptions::new()
                .success_report(true)
                .failure_report(ReportMode::No),
        )
        .unwrap();
    drain(&mut a);
    assert_eq!(events(&mut a), [Event::Sent { message_id: id }]);
    let report = |tid: &str, mid: &str, range: &str, status: &str| {
        let mut r = format!(
            "MSRP {tid} REPORT\r\nTo-Path: {ALICE}\r\nFrom-Path: {BOB}\r\nMessage-ID: {mid}\r\n"
        );
        if !range.is_empty() {
            r.push_str(&format!("Byte-Range: {range}\r\n"));
        }
        r.push_str(&format!("Status: {status}\r\n-------{tid}$\r\n"));
        r.into_bytes()
    };
    a.handle_bytes(
        now,
        &report("trep0001", "unknownmsg", "1-10/10", "000 200 OK"),
    );
    a.handle_bytes(
        now,
        &report("trep0002", id.as_str(), "1-5/10", "000 200 OK"),
    );
    a.handle_bytes(
        now,
        &report("trep0003", id.as_str(), "4-10/10", "000 200 OK"),
    );
    a.handle_bytes(now, &report("trep0004", id.as_str(), "", "000 200 OK"));
    let e = events(&mut a);
    assert_eq!(
        e,
        [
            Event::Delivered {
                message_id: id,
                byte_range: ByteRange::new(1, Some(5), Some(10)).unwrap(),
                complete: false
            },
            Event::Delivered {
                message_id: id,
                byte_range: ByteRange::new(4, Some(10), Some(10)).unwrap(),
                complete: true
            },
        ]
    );
    assert!(drain(&mut a).is_empty(), "REPORTs are never answered");
    assert!(a.is_idle());

    // A failure report fails the message.
    let id = send_x(
        &mut a,
        now,
        10,
        SendOptions::new().failure_report(ReportMode::Partial),
    );
    drain(&mut a);
    a.handle_bytes(
        now,
        &report("trep0005", id.as_str(), "1-10/10", "000 413 Too Large"),
    );
    match &events(&mut a)[..] {
        [
            Event::SendFailed {
                message_id,
                status,
                source: FailureSource::Report,
                byte_range: Some(r),
            },
        ] => {
            assert_eq!(*message_id, id);
            assert_eq!(status.code, 413);
            assert_eq!(r.to_string(), "1-10/10");
        }
        other => panic!("{other:?}"),
    }
    assert!(a.is_idle());
}

#[test]
fn reassembly_limits() {
    // REQ: MSRP-4, MSRP-5 (RFC 4975 §10.5; bounded buffers)
    let now = t0();
    let mut b = bob(|c| {
        c.reassembly = ReassemblyLimits {
            max_messages: 1,
            max_buffered_bytes: 100,
        };
    });
    b.handle_bytes(
        now,
        &chunk("tlim0001", "m0000001", "1-*/1000", &[b'a'; 60], '+'),
    );
    b.handle_bytes(now, &chunk("tlim0002", "m0000002", "1-*/10", b"abc", '+'));
    b.handle_bytes(
        now,
        &chunk("tlim0003", "m0000001", "61-*/1000", &[b'a'; 60], '+'),
    );
    assert_eq!(status_codes(&frames(&drain(&mut b))), [200, 413, 413]);
    assert_eq!(b.incomplete_messages(), 0);
    let e = events(&mut b);
    assert_eq!(e.len(), 2);
    // Once refused, later chunks are refused too.
    b.handle_bytes(now, &chunk("tlim0004", "m0000001", "121-*/1000", b"a", '+'));
    assert_eq!(status_codes(&frames(&drain(&mut b))), [413]);
    assert!(events(&mut b).is_empty());
}

#[test]
fn incomplete_messages_time_out_with_a_failure_report() {
    // REQ: MSRP-5 (RFC 4975 §7.1.4: a failure REPORT when no response can carry the error)
    let now = t0();
    let mut b = bob(|_| {});
    b.handle_bytes(now, &chunk("ttmo0001", "m0000001", "1-4/8", b"abcd", '+'));
    drain(&mut b);
    let at = b.poll_timeout().unwrap();
    assert_eq!(at, now + Duration::from_secs(120));
    b.handle_timeout(at - Duration::from_secs(1));
    assert!(events(&mut b).is_empty() && drain(&mut b).is_empty());
    b.handle_timeout(at);
    let f = frames(&drain(&mut b));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].head.method(), Some(&Method::Report));
    assert_eq!(f[0].head.status().unwrap().unwrap().code, 408);
    assert_eq!(range(&f[0]).to_string(), "1-4/8");
    assert!(matches!(
        &events(&mut b)[..],
        [Event::MessageAborted {
            reason: AbortReason::Timeout,
            ..
        }]
    ));
    assert!(b.is_idle());
    assert_eq!(b.poll_timeout(), None);
}
