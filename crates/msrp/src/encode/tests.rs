use super::*;
use crate::{Decoded, Decoder, Frame, Limits};
use bytes::Bytes;

fn tid(s: &str) -> TransactionId {
    s.parse().unwrap()
}

fn request<'a>(tid_: &str) -> RequestBuilder<'a> {
    RequestBuilder::new(Method::Send, tid(tid_))
        .to_path("msrp://b.example.com:8888/9di4eae923wzd;tcp")
        .from_path("msrp://a.example.com:7777/iau39soe2843z;tcp")
}

fn encoded(b: &RequestBuilder<'_>) -> Vec<u8> {
    let mut out = BytesMut::new();
    b.encode(&mut out).unwrap();
    out.to_vec()
}

#[test]
fn requests_follow_the_grammar_order() {
    // REQ: MSRP-1
    let status = Status::new(200).with_text("OK");
    let wire = encoded(
        &request("d93kswow")
            .message_id("12339sdqwer")
            .header("Content-Disposition", "inline")
            .byte_range(ByteRange {
                start: 1,
                end: Some(5),
                total: Some(5),
            })
            .success_report(ReportMode::Yes)
            .failure_report(ReportMode::Partial)
            .status(&status)
            .expires(900)
            .use_nickname(r#"Al "the" \ great"#)
            .header("X-Ext", b"v")
            .body("text/plain", b"hello"),
    );
    let want: &[u8] = b"MSRP d93kswow SEND\r\n\
To-Path: msrp://b.example.com:8888/9di4eae923wzd;tcp\r\n\
From-Path: msrp://a.example.com:7777/iau39soe2843z;tcp\r\n\
Message-ID: 12339sdqwer\r\n\
Byte-Range: 1-5/5\r\n\
Success-Report: yes\r\n\
Failure-Report: partial\r\n\
Status: 000 200 OK\r\n\
Expires: 900\r\n\
Use-Nickname: \"Al \\\"the\\\" \\\\ great\"\r\n\
X-Ext: v\r\n\
Content-Disposition: inline\r\n\
Content-Type: text/plain\r\n\
\r\n\
hello\r\n\
-------d93kswow$\r\n";
    assert_eq!(
        String::from_utf8_lossy(&wire),
        String::from_utf8_lossy(want)
    );
    let f = Frame::parse(Bytes::from(wire)).unwrap();
    assert_eq!(f.head.validate(f.flag), Ok(()));
    assert_eq!(
        f.head.use_nickname().unwrap().as_deref(),
        Some(r#"Al "the" \ great"#)
    );
    assert_eq!(f.head.status().unwrap(), Some(status.clone()));
}

#[test]
fn bodiless_and_empty_body_requests() {
    // REQ: MSRP-1 (RFC 4975 §7.1)
    let wire = encoded(&request("abcd").flag(Flag::Continued));
    assert!(wire.ends_with(b"tcp\r\n-------abcd+\r\n"));
    let wire = encoded(&request("abcd").content_type("text/plain"));
    assert!(wire.ends_with(b"Content-Type: text/plain\r\n\r\n\r\n-------abcd$\r\n"));
    let f = Frame::parse(Bytes::from(wire)).unwrap();
    assert!(f.head.has_body() && f.body.is_empty());
}

#[test]
fn request_errors_write_nothing() {
    // REQ: MSRP-1
    let big = vec![b'x'; MAX_NON_SEND_BODY + 1];
    let cases: Vec<(RequestBuilder<'_>, EncodeError)> = vec![
        (
            RequestBuilder::new(Method::Other(Bytes::from_static(b"send")), tid("abcd"))
                .to_path("a")
                .from_path("b"),
            EncodeError::InvalidMethod,
        ),
        (
            RequestBuilder::new(Method::Send, tid("abcd")).from_path("b"),
            EncodeError::MissingPath { name: "To-Path" },
        ),
        (
            RequestBuilder::new(Method::Send, tid("abcd")).to_path("a"),
            EncodeError::MissingPath { name: "From-Path" },
        ),
        (
            request("abcd").to_path("a\r\nX: injected"),
            EncodeError::InvalidValue {
                name: "To-Path".into(),
            },
        ),
        (
            request("abcd").header("X-A", "1\r\nX-B: 2"),
            EncodeError::InvalidValue { name: "X-A".into() },
        ),
        (
            request("abcd").header("X A", "1"),
            EncodeError::InvalidHeaderName { name: "X A".into() },
        ),
        (
            request("abcd").header("to-path", "x"),
            EncodeError::ReservedHeader {
                name: "to-path".into(),
            },
        ),
        (
            request("abcd").header("Content-ID", "<x>"),
            EncodeError::MimeWithoutBody {
                name: "Content-ID".into(),
            },
        ),
        (
            request("abcd").byte_range(ByteRange {
                start: 0,
                end: None,
                total: None,
            }),
            EncodeError::InvalidValue {
                name: "Byte-Range".into(),
            },
        ),
        (
            RequestBuilder::new(Method::Report, tid("abcd"))
                .to_path("a")
                .from_path("b")
                .body("a/b", &big),
            EncodeError::NonSendBodyTooLarge { len: big.len() },
        ),
        (
            RequestBuilder::new(Method::Report, tid("abcd"))
                .to_path("a")
                .from_path("b")
                .flag(Flag::Aborted),
            EncodeError::Interrupted,
        ),
        (
            request("abcd").body("a/b", b"ok\r\n-------abcd+\r\nrest"),
            EncodeError::EndLineInBody { at: 15 },
        ),
        (
            request("abcd").body("a/\x01b", b""),
            EncodeError::InvalidValue {
                name: "Content-Type".into(),
            },
        ),
    ];
    for (b, want) in cases {
        let mut out = BytesMut::from(&b"keep"[..]);
        assert_eq!(b.encode(&mut out), Err(want));
        assert_eq!(&out[..], b"keep");
    }
    let s = Status::new(1000);
    let mut out = BytesMut::new();
    assert_eq!(
        request("abcd").status(&s).encode(&mut out),
        Err(EncodeError::StatusCode(1000))
    );
}

#[test]
fn responses_go_back_the_way_requests_came() {
    // REQ: MSRP-1 (RFC 4975 §7.2)
    let send = Frame::parse(Bytes::from_static(
        b"MSRP juh76 SEND\r\n\
To-Path: msrps://b.example.net:9000/aeiug;tcp msrps://bob.example.net:8145/foo;tcp\r\n\
From-Path: msrps://a.example.org:9000/kjfjan;tcp msrps://alice.example.org:7965/bar;tcp\r\n\
Message-ID: 87652\r\n\
-------juh76$\r\n",
    ))
    .unwrap();
    let mut out = BytesMut::new();
    ResponseBuilder::for_request(&send.head, 200)
        .header("Message-ID", "87652")
        .encode(&mut out)
        .unwrap();
    assert_eq!(
        &out[..],
        &b"MSRP juh76 200 OK\r\n\
To-Path: msrps://a.example.org:9000/kjfjan;tcp\r\n\
From-Path: msrps://b.example.net:9000/aeiug;tcp\r\n\
Message-ID: 87652\r\n\
-------juh76$\r\n"[..]
    );
    let auth = Frame::parse(Bytes::from_static(
        b"MSRP m2nbvw AUTH\r\n\
To-Path: msrps://extra.example.com;tcp\r\n\
From-Path: msrps://intra.example.com:9000/jui787s2f;tcp msrps://alice.example.com:9892/98cjs;tcp\r\n\
-------m2nbvw$\r\n",
    ))
    .unwrap();
    out.clear();
    ResponseBuilder::for_request(&auth.head, 401)
        .header("WWW-Authenticate", "Digest realm=\"extra.example.com\"")
        .min_expires(60)
        .max_expires(3600)
        .expires(900)
        .encode(&mut out)
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out),
        "MSRP m2nbvw 401 Unauthorized\r\n\
To-Path: msrps://intra.example.com:9000/jui787s2f;tcp msrps://alice.example.com:9892/98cjs;tcp\r\n\
From-Path: msrps://extra.example.com;tcp\r\n\
WWW-Authenticate: Digest realm=\"extra.example.com\"\r\n\
Min-Expires: 60\r\nMax-Expires: 3600\r\nExpires: 900\r\n\
-------m2nbvw$\r\n"
    );
    let again = Frame::parse(out.split().freeze()).unwrap();
    assert_eq!(again.head.status_code(), Some(401));
    assert_eq!(again.head.expires(), Ok(Some(900)));

    ResponseBuilder::new(tid("abcd"), 299)
        .to_path("x")
        .from_path("y")
        .encode(&mut out)
        .unwrap();
    assert_eq!(
        &out[..],
        b"MSRP abcd 299\r\nTo-Path: x\r\nFrom-Path: y\r\n-------abcd$\r\n"
    );
}

#[test]
fn response_errors_write_nothing() {
    let ok = || {
        ResponseBuilder::new(tid("abcd"), 200)
            .to_path("x")
            .from_path("y")
    };
    let cases = [
        (
            ResponseBuilder::new(tid("abcd"), 1000),
            EncodeError::StatusCode(1000),
        ),
        (
            ResponseBuilder::new(tid("abcd"), 200).from_path("y"),
            EncodeError::MissingPath { name: "To-Path" },
        ),
        (ok().comment(Some("a\nb")), EncodeError::InvalidComment),
        (
            ok().header("Content-Type", "a/b"),
            EncodeError::MimeWithoutBody {
                name: "Content-Type".into(),
            },
        ),
        (
            ok().header("Content-ID", "x"),
            EncodeError::MimeWithoutBody {
                name: "Content-ID".into(),
            },
        ),
        (
            ok().header("X", "\x7f"),
            EncodeError::InvalidValue { name: "X".into() },
        ),
    ];
    for (b, want) in cases {
        let mut out = BytesMut::new();
        assert_eq!(b.encode(&mut out), Err(want));
        assert!(out.is_empty());
    }
    assert_eq!(default_comment(481), Some("Session Does Not Exist"));
    assert_eq!(default_comment(299), None);
}

#[test]
fn end_lines_in_bodies_are_found() {
    // REQ: MSRP-4 (RFC 4975 §7.1)
    let t = tid("abcd");
    assert_eq!(find_end_line(b"-------abcd$", &t), Some(11));
    assert_eq!(find_end_line(b"x---------abcd#", &t), Some(14));
    assert_eq!(find_end_line(b"-------abcd", &t), None);
    assert_eq!(find_end_line(b"-------abcdx+", &t), None);
    assert_eq!(find_end_line(b"------abcd+", &t), None);
    assert_eq!(find_end_line(b"-------abce+ -------abcd+", &t), Some(24));
    assert_eq!(find_end_line(&[b'-'; 1000], &t), None);
}

/// Writes `body` through a chunk writer in pieces cut at `cuts`; returns the bytes written
/// and the first error.
fn write_chunk(body: &[u8], cuts: &[usize]) -> (BytesMut, Option<EncodeError>) {
    let head = request("abcd").message_id("m1234").content_type("a/b");
    let mut out = BytesMut::new();
    let mut w = ChunkWriter::begin(&mut out, &head).unwrap();
    let mut prev = 0;
    let mut err = None;
    for &c in cuts.iter().chain(std::iter::once(&body.len())) {
        if let Err(e) = w.write(&mut out, &body[prev..c]) {
            err = Some(e);
            break;
        }
        prev = c;
    }
    w.finish(&mut out, Flag::Continued);
    (out, err)
}

#[test]
fn chunk_writer_stops_before_its_end_line_across_pieces() {
    // REQ: MSRP-4
    let body = b"0123\r\n-------abcd$\r\n6789";
    let flag_at = 17;
    for a in 0..=body.len() {
        for b in a..=body.len() {
            let (out, err) = write_chunk(body, &[a, b]);
            assert_eq!(
                err,
                Some(EncodeError::EndLineInBody { at: flag_at as u64 }),
                "{a} {b}"
            );
            // What was written is a valid chunk whose body is the bytes before the flag.
            let f = Frame::parse(out.freeze()).unwrap();
            assert_eq!(f.body.as_ref(), &body[..flag_at], "{a} {b}");
            assert_eq!(f.flag, Flag::Continued);
        }
    }
    // Without the end-line every split writes everything.
    let body = b"0123\r\n-------abce$\r\n-------abcd\r\n";
    for a in 0..=body.len() {
        let (out, err) = write_chunk(body, &[a]);
        assert_eq!(err, None);
        assert_eq!(Frame::parse(out.freeze()).unwrap().body.as_ref(), body);
    }
}

#[test]
fn chunk_writer_can_stop_anywhere() {
    // REQ: MSRP-4 (RFC 4975 §5.1: interrupt or abort after any byte)
    let body: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    for stop in [0, 1, 2047, 2048, 2999] {
        for flag in [Flag::Continued, Flag::Aborted, Flag::Complete] {
            let head = request("tid9").content_type("application/octet-stream");
            let mut out = BytesMut::new();
            let mut w = ChunkWriter::begin(&mut out, &head).unwrap();
            for piece in body[..stop].chunks(700) {
                w.write(&mut out, piece).unwrap();
            }
            assert_eq!(w.body_len(), stop as u64);
            assert_eq!(w.transaction_id(), tid("tid9"));
            w.finish(&mut out, flag);
            let mut d = Decoder::new(Limits::default());
            d.push(&out);
            let Some(Decoded::Frame(f)) = d.poll().unwrap() else {
                panic!("a frame")
            };
            assert_eq!(f.body.as_ref(), &body[..stop]);
            assert_eq!(f.flag, flag);
        }
    }
}

#[test]
fn chunk_writer_checks_its_request() {
    let mut out = BytesMut::new();
    let report = RequestBuilder::new(Method::Report, tid("abcd"))
        .to_path("a")
        .from_path("b")
        .content_type("a/b");
    assert_eq!(
        ChunkWriter::begin(&mut out, &report).err(),
        Some(EncodeError::NotSend)
    );
    assert_eq!(
        ChunkWriter::begin(&mut out, &request("abcd")).err(),
        Some(EncodeError::MissingContentType)
    );
    assert_eq!(
        ChunkWriter::begin(&mut out, &request("abcd").body("a/b", b"-------abcd#")).err(),
        Some(EncodeError::EndLineInBody { at: 11 })
    );
    assert_eq!(
        ChunkWriter::begin(&mut out, &request("abcd").to_path("").content_type("a/b")).err(),
        Some(EncodeError::MissingPath { name: "To-Path" })
    );
    assert!(out.is_empty());
    // A body given to the builder is the first piece.
    let w = ChunkWriter::begin(&mut out, &request("abcd").body("a/b", b"first")).unwrap();
    assert_eq!(w.body_len(), 5);
}
