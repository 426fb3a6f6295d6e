use super::*;

const SEND: &[u8] = b"MSRP a786hjs2 SEND\r\n\
To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n\
From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n\
Message-ID: 87652491\r\n\
Byte-Range: 1-25/25\r\n\
Content-Type: text/plain\r\n\
\r\n\
Hey Bob, are you there?\r\n\
-------a786hjs2$\r\n";

const OK: &[u8] = b"MSRP a786hjs2 200 OK\r\n\
To-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n\
From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n\
-------a786hjs2$\r\n";

/// Decodes `chunks` in order, draining after each; stops at the first error.
fn decode(chunks: &[&[u8]], limits: Limits) -> (Vec<Decoded>, Option<ParseError>) {
    let mut d = Decoder::new(limits);
    let mut out = Vec::new();
    for c in chunks {
        d.push(c);
        loop {
            match d.poll() {
                Ok(Some(x)) => out.push(x),
                Ok(None) => break,
                Err(e) => return (out, Some(e)),
            }
        }
    }
    (out, None)
}

fn frames(input: &[u8]) -> Vec<Frame> {
    let (items, err) = decode(&[input], Limits::default());
    assert_eq!(err, None);
    items
        .into_iter()
        .map(|i| match i {
            Decoded::Frame(f) => f,
            other => panic!("expected a frame, got {other:?}"),
        })
        .collect()
}

fn error(input: &[u8]) -> ParseError {
    error_with(input, Limits::default())
}

fn error_with(input: &[u8], limits: Limits) -> ParseError {
    decode(&[input], limits).1.expect("an error")
}

fn encode(f: &Frame) -> Vec<u8> {
    let mut out = BytesMut::new();
    f.encode(&mut out);
    out.to_vec()
}

/// Reassembles streamed items into (head bytes, body, flag) triples, whatever the mode.
fn flatten(items: Vec<Decoded>) -> Vec<(Bytes, Vec<u8>, Flag)> {
    let mut out = Vec::new();
    let mut cur: Option<(Bytes, Vec<u8>)> = None;
    for i in items {
        match i {
            Decoded::Frame(f) => out.push((f.head.as_bytes().clone(), f.body.to_vec(), f.flag)),
            Decoded::Head(h) => {
                assert!(cur.is_none());
                cur = Some((h.as_bytes().clone(), Vec::new()));
            }
            Decoded::Body(p) => {
                let (_, body) = cur.as_mut().expect("a head first");
                body.extend_from_slice(&p.data);
                assert_eq!(p.last, p.flag.is_some());
                if let Some(flag) = p.flag {
                    let (h, b) = cur.take().unwrap();
                    out.push((h, b, flag));
                }
            }
        }
    }
    assert!(cur.is_none(), "a streamed body did not end");
    out
}

#[test]
fn whole_frames_round_trip() {
    // REQ: MSRP-2
    let mut wire = SEND.to_vec();
    wire.extend_from_slice(OK);
    let fs = frames(&wire);
    assert_eq!(fs.len(), 2);
    assert_eq!(fs[0].body.as_ref(), b"Hey Bob, are you there?");
    assert_eq!(fs[0].head.offset(), 0);
    assert_eq!(fs[1].head.offset(), SEND.len() as u64);
    assert_eq!(encode(&fs[0]), SEND);
    assert_eq!(encode(&fs[1]), OK);
}

#[test]
fn bodiless_and_empty_bodies_differ() {
    // REQ: MSRP-2 (RFC 4975 §7.1: bodiless requests are distinct from empty bodies)
    let bodiless: &[u8] = b"MSRP abcd SEND\r\nTo-Path: a\r\nFrom-Path: b\r\n-------abcd$\r\n";
    let empty: &[u8] =
        b"MSRP abcd SEND\r\nTo-Path: a\r\nFrom-Path: b\r\nContent-Type: t/p\r\n\r\n\r\n\
-------abcd$\r\n";
    let f = &frames(bodiless)[0];
    assert!(!f.head.has_body());
    assert_eq!(encode(f), bodiless);
    let f = &frames(empty)[0];
    assert!(f.head.has_body());
    assert!(f.body.is_empty());
    assert_eq!(encode(f), empty);
    // No headers at all still frames.
    let f = &frames(b"MSRP abcd SEND\r\n-------abcd+\r\n")[0];
    assert_eq!(f.flag, Flag::Continued);
    assert_eq!(f.head.headers().len(), 0);
}

#[test]
fn every_split_point_gives_the_same_frames() {
    // REQ: MSRP-2
    let mut wire = SEND.to_vec();
    wire.extend_from_slice(OK);
    let whole = flatten(decode(&[&wire], Limits::default()).0);
    for cut in 0..=wire.len() {
        for collect in [0, 5, 64 * 1024] {
            let limits = Limits {
                max_collect_bytes: collect,
                ..Limits::default()
            };
            let (items, err) = decode(&[&wire[..cut], &wire[cut..]], limits);
            assert_eq!(err, None);
            assert_eq!(flatten(items), whole, "cut at {cut}, collect {collect}");
        }
    }
}

#[test]
fn look_alike_end_lines_are_body() {
    // REQ: MSRP-2: only CRLF + seven dashes + this tid + a flag + CRLF ends the body.
    let bodies: [&[u8]; 10] = [
        b"x-------abcd$",                  // no CRLF before it
        b"x\r\n-------abce$\r\nmore",      // another tid
        b"x\r\n-------abcdx$\r\n",         // a longer tid
        b"x\r\n-------abcd!\r\n",          // not a flag
        b"x\r\n-------abcd$ \r\n",         // not CRLF after the flag
        b"x\r\n-------abcd$\rx",           // CR not followed by LF
        b"\r\n--------------------\r\n--", // lines of dashes
        b"\r\n------abcd$\r\n",            // six dashes
        b"\r\n\r\n-------\r\n-------ab",   // a truncated candidate
        b"\r\n--------abcd$\r\n",          // eight dashes
    ];
    for body in bodies {
        let mut wire = b"MSRP abcd SEND\r\nContent-Type: a/b\r\n\r\n".to_vec();
        wire.extend_from_slice(body);
        wire.extend_from_slice(b"\r\n-------abcd#\r\n");
        for collect in [0, 3, 1 << 20] {
            let limits = Limits {
                max_collect_bytes: collect,
                ..Limits::default()
            };
            for step in [1, 2, 3, 7, wire.len()] {
                let chunks: Vec<&[u8]> = wire.chunks(step).collect();
                let (items, err) = decode(&chunks, limits);
                assert_eq!(err, None, "body {body:?}");
                let got = flatten(items);
                assert_eq!(got.len(), 1, "body {body:?}");
                assert_eq!(got[0].1, body, "body {body:?} step {step}");
                assert_eq!(got[0].2, Flag::Aborted);
            }
        }
    }
}

#[test]
fn streaming_delivers_parts_and_holds_back_little() {
    // REQ: MSRP-2
    let limits = Limits {
        max_collect_bytes: 0,
        ..Limits::default()
    };
    let mut d = Decoder::new(limits);
    d.push(b"MSRP abcd SEND\r\nContent-Type: a/b\r\n\r\n");
    assert_eq!(d.poll(), Ok(None), "the head waits for one body byte");
    d.push(b"hello\r\n---");
    let Some(Decoded::Head(h)) = d.poll().unwrap() else {
        panic!("head expected")
    };
    assert_eq!(
        h.as_bytes().as_ref(),
        b"MSRP abcd SEND\r\nContent-Type: a/b\r\n\r\n"
    );
    let Some(Decoded::Body(p)) = d.poll().unwrap() else {
        panic!("body expected")
    };
    assert_eq!(
        (p.data.as_ref(), p.last, p.flag),
        (&b"hello"[..], false, None)
    );
    assert_eq!(
        d.buffered(),
        5,
        "only the possible end-line start is held back"
    );
    assert_eq!(d.poll(), Ok(None));
    d.push(b"-");
    assert_eq!(d.poll(), Ok(None));
    d.push(b"x");
    let Some(Decoded::Body(p)) = d.poll().unwrap() else {
        panic!("body expected")
    };
    assert_eq!(p.data.as_ref(), b"\r\n----x");
    d.push(b"\r\n-------abcd$\r\n");
    let Some(Decoded::Body(p)) = d.poll().unwrap() else {
        panic!("body expected")
    };
    assert_eq!(
        (p.data.as_ref(), p.last, p.flag),
        (&b""[..], true, Some(Flag::Complete))
    );
    assert!(d.at_boundary());
    assert_eq!(d.poll(), Ok(None));
}

#[test]
fn a_long_body_switches_to_streaming() {
    // REQ: MSRP-2
    let limits = Limits {
        max_collect_bytes: 10,
        ..Limits::default()
    };
    let head = b"MSRP abcd SEND\r\nContent-Type: a/b\r\n\r\n";
    let mut wire = head.to_vec();
    wire.extend_from_slice(b"0123456789");
    let (items, _) = decode(&[&wire], limits);
    assert!(items.is_empty(), "10 bytes may still come whole");
    wire.extend_from_slice(b"X");
    let (items, _) = decode(&[&wire], limits);
    assert!(matches!(items.as_slice(), [Decoded::Head(_), Decoded::Body(p)] if p.data.len() == 11));
    // Arriving whole but over the limit: head and one last part.
    wire.extend_from_slice(b"\r\n-------abcd$\r\n");
    let (items, _) = decode(&[&wire], limits);
    assert!(
        matches!(items.as_slice(), [Decoded::Head(_), Decoded::Body(p)]
            if p.last && p.data.len() == 11)
    );
}

#[test]
fn offsets_are_absolute_across_frames() {
    // REQ: MSRP-2
    let mut wire = SEND.to_vec();
    wire.extend_from_slice(b"MSRP abcd send\r\n");
    let e = error(&wire);
    assert_eq!(
        e,
        ParseError::new(ErrorKind::Method, SEND.len() as u64 + 10)
    );
    // Typed accessors too.
    let mut wire = OK.to_vec();
    wire.extend_from_slice(b"MSRP abcd SEND\r\nByte-Range: 0-1/1\r\n-------abcd$\r\n");
    let fs = frames(&wire);
    let e = fs[1].head.byte_range().unwrap_err();
    assert_eq!(
        e,
        ParseError::new(ErrorKind::ByteRange, OK.len() as u64 + 16 + 12)
    );
}

#[test]
fn malformed_heads() {
    // REQ: MSRP-2
    let cases: &[(&[u8], ErrorKind, u64)] = &[
        (b"HTTP/1.1 200 OK\r\n", ErrorKind::StartLine, 0),
        (b"MSRP", ErrorKind::StartLine, 4 /* never: partial */),
        (b"msrp abcd SEND\r\n", ErrorKind::StartLine, 0),
        (b"MSRP abc SEND\r\n", ErrorKind::TransactionId, 8),
        (b"MSRP ab_d SEND\r\n", ErrorKind::TransactionId, 7),
        (b"MSRP abcd\r\n", ErrorKind::StartLine, 9),
        (b"MSRP abcd SEND \r\n", ErrorKind::Method, 14),
        (b"MSRP abcd Send\r\n", ErrorKind::Method, 11),
        (b"MSRP abcd 20 OK\r\n", ErrorKind::StatusCode, 12),
        (b"MSRP abcd 2000\r\n", ErrorKind::StatusCode, 13),
        (b"MSRP abcd 200 O\x01K\r\n", ErrorKind::Comment, 15),
        (b"MSRP abcd SEND\n", ErrorKind::LineEnding, 14),
        (b"MSRP abcd SEND\r\nTo-Path: a\n", ErrorKind::LineEnding, 26),
        (
            b"MSRP abcd SEND\r\nTo-Path: a\rb\r\n",
            ErrorKind::LineEnding,
            26,
        ),
        (
            b"MSRP abcd SEND\r\nTo-Path a\r\n",
            ErrorKind::HeaderColon,
            23,
        ),
        (
            b"MSRP abcd SEND\r\nTo-Path : a\r\n",
            ErrorKind::HeaderColon,
            23,
        ),
        (b"MSRP abcd SEND\r\n1To: a\r\n", ErrorKind::HeaderName, 16),
        (b"MSRP abcd SEND\r\n To: a\r\n", ErrorKind::HeaderName, 16),
        (
            b"MSRP abcd SEND\r\nX: a\x00b\r\n",
            ErrorKind::HeaderValue,
            20,
        ),
        (
            b"MSRP abcd SEND\r\n-------abce$\r\n",
            ErrorKind::EndLine,
            16,
        ),
        (
            b"MSRP abcd SEND\r\n-------abcd$x\r\n",
            ErrorKind::EndLine,
            16,
        ),
        (b"MSRP abcd SEND\r\n-------abcd\r\n", ErrorKind::EndLine, 16),
        (b"MSRP abcd 200 OK\r\n\r\n", ErrorKind::ResponseBody, 18),
        (
            b"MSRP abcd SEND\r\nContent-Type: a/b\r\n\r\n-------abcd$\r\n",
            ErrorKind::EndLine,
            37,
        ),
    ];
    for &(input, kind, offset) in cases {
        let (_, err) = decode(&[input], Limits::default());
        if input == b"MSRP" {
            assert_eq!(err, None, "a prefix of a start line waits");
            continue;
        }
        assert_eq!(
            err,
            Some(ParseError::new(kind, offset)),
            "{:?}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(err.map(|e| e.status_hint()), Some(400));
    }
}

#[test]
fn limits_are_enforced() {
    // REQ: MSRP-2, SEC (413 for anything too large)
    let small = Limits {
        max_line_bytes: 20,
        max_headers: 2,
        max_head_bytes: 60,
        max_chunk_bytes: 8,
        max_non_send_body_bytes: 4,
        ..Limits::default()
    };
    let line = error_with(b"MSRP abcd SEND\r\nX: 12345678901234567890\r\n", small);
    assert_eq!(line, ParseError::new(ErrorKind::LineTooLong, 36));
    // Also while the line is still incomplete.
    let line = error_with(b"MSRP abcd SEND\r\nX: 12345678901234567890", small);
    assert_eq!(line.kind, ErrorKind::LineTooLong);
    let many = error_with(b"MSRP abcd SEND\r\nA: 1\r\nB: 2\r\nC: 3\r\n", small);
    assert_eq!(many, ParseError::new(ErrorKind::TooManyHeaders, 28));
    let big = Limits {
        max_headers: 64,
        ..small
    };
    let head = error_with(
        b"MSRP abcd SEND\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\nH: 8\r\n",
        big,
    );
    assert_eq!(head, ParseError::new(ErrorKind::HeadTooLarge, 60));
    let chunk = error_with(
        b"MSRP abcd SEND\r\nContent-Type: a/b\r\n\r\n123456789\r\n-------abcd$\r\n",
        small,
    );
    assert_eq!(chunk, ParseError::new(ErrorKind::ChunkTooLarge, 37 + 8));
    let report = error_with(
        b"MSRP abcd REPORT\r\nContent-Type: a/b\r\n\r\n12345\r\n-------abcd$\r\n",
        small,
    );
    assert_eq!(
        report,
        ParseError::new(ErrorKind::NonSendBodyTooLarge, 39 + 4)
    );
    // Streamed bodies count across parts.
    let stream = Limits {
        max_collect_bytes: 0,
        ..small
    };
    let wire = b"MSRP abcd SEND\r\nContent-Type: a/b\r\n\r\n123456789\r\n-------abcd$\r\n";
    let chunks: Vec<&[u8]> = wire.chunks(3).collect();
    let (items, err) = decode(&chunks, stream);
    assert!(matches!(items.first(), Some(Decoded::Head(_))));
    assert_eq!(err, Some(ParseError::new(ErrorKind::ChunkTooLarge, 37 + 8)));
    for e in [line, many, head, chunk, report] {
        assert_eq!(e.status_hint(), 413);
    }
    // Exactly at the limits is fine.
    let ok = decode(
        &[b"MSRP abcd SEND\r\nContent-Type: a/b\r\n\r\n12345678\r\n-------abcd$\r\n"],
        small,
    );
    assert_eq!(ok.1, None);
}

#[test]
fn errors_are_sticky() {
    // REQ: MSRP-2
    let mut d = Decoder::new(Limits::default());
    d.push(b"MSRP abcd SEND\r\nbad line\r\n");
    let e = d.poll().unwrap_err();
    assert_eq!(d.error(), Some(e));
    d.push(OK);
    assert_eq!(d.poll(), Err(e));
    assert_eq!(d.buffered(), 0);
}

#[test]
fn push_bytes_takes_over_unshared_memory() {
    let mut d = Decoder::new(Limits::default());
    d.push_bytes(Bytes::from(SEND.to_vec()));
    d.push_bytes(Bytes::from_static(OK));
    assert!(!d.at_boundary());
    let mut n = 0;
    while let Some(Decoded::Frame(_)) = d.poll().unwrap() {
        n += 1;
    }
    assert_eq!(n, 2);
    assert!(d.at_boundary());
    assert_eq!(d.position(), (SEND.len() + OK.len()) as u64);
    assert_eq!(d.limits(), &Limits::default());
}

#[test]
fn byte_at_a_time_work_is_linear() {
    // REQ: MSRP-2
    let mut wire = b"MSRP abcd SEND\r\nContent-Type: a/b\r\n\r\n".to_vec();
    for _ in 0..2000 {
        wire.extend_from_slice(b"\r\n-------abcd!\r\n----x");
    }
    wire.extend_from_slice(b"\r\n-------abcd$\r\n");
    for collect in [0, 1 << 20] {
        let mut d = Decoder::new(Limits {
            max_collect_bytes: collect,
            ..Limits::default()
        });
        let mut got = 0;
        for b in &wire {
            d.push(std::slice::from_ref(b));
            while let Some(x) = d.poll().unwrap() {
                got += match x {
                    Decoded::Body(p) => usize::from(p.last),
                    Decoded::Frame(_) => 1,
                    Decoded::Head(_) => 0,
                };
            }
        }
        assert_eq!(got, 1);
        let n = wire.len() as u64;
        assert!(d.work() <= 3 * n, "work {} for {n} bytes", d.work());
    }
}

/// What a host sees: heads with the body bytes delivered so far and the flag (if the body
/// ended), whatever the delivery mode.
fn seen(items: &[Decoded]) -> Vec<(Bytes, Vec<u8>, Option<Flag>)> {
    let mut out: Vec<(Bytes, Vec<u8>, Option<Flag>)> = Vec::new();
    for i in items {
        match i {
            Decoded::Frame(f) => {
                out.push((f.head.as_bytes().clone(), f.body.to_vec(), Some(f.flag)))
            }
            Decoded::Head(h) => out.push((h.as_bytes().clone(), Vec::new(), None)),
            Decoded::Body(p) => {
                let last = out.last_mut().unwrap();
                last.1.extend_from_slice(&p.data);
                last.2 = p.flag;
            }
        }
    }
    out
}

#[test]
fn limit_errors_do_not_depend_on_cuts() {
    // REQ: MSRP-2: the same items and the same error however the stream is cut.
    let wire =
        b"MSRP abcd REPORT\r\nContent-Type: a/b\r\n\r\n0123456789abcdefghij\r\n-------abcd$\r\n";
    for (collect, limit) in [(4, 8), (8, 8), (16, 8), (0, 1), (30, 8)] {
        let limits = Limits {
            max_collect_bytes: collect,
            max_non_send_body_bytes: limit,
            ..Limits::default()
        };
        let (items, err) = decode(&[wire], limits);
        let want = (seen(&items), err);
        assert_eq!(
            want.1,
            Some(ParseError::new(ErrorKind::NonSendBodyTooLarge, 39 + limit))
        );
        // Delivered body bytes never pass the limit; a head comes only when the collect
        // threshold is not above the limit.
        assert_eq!(want.0.len(), usize::from(collect as u64 <= limit));
        for cut in 0..=wire.len() {
            let (items, err) = decode(&[&wire[..cut], &wire[cut..]], limits);
            assert_eq!(
                (seen(&items), err),
                want,
                "collect {collect} limit {limit} cut {cut}"
            );
        }
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        let (items, err) = decode(&bytes, limits);
        assert_eq!((seen(&items), err), want);
    }
}
