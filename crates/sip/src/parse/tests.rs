//! Tests of the framing parser (REQ: SIP-1, SIP-4).

use super::*;

fn complete(buf: &[u8], framing: Framing) -> (RawMessage<'_>, usize) {
    match parse_message(buf, framing, &Limits::default()).unwrap() {
        Status::Complete(m, n) => (m, n),
        Status::Partial => panic!("partial"),
    }
}

fn err(buf: &[u8], framing: Framing) -> ParseError {
    parse_message(buf, framing, &Limits::default()).unwrap_err()
}

const INVITE: &[u8] = b"INVITE sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bK776\r\n\
f: <sip:alice@example.com>;tag=1\r\n\
Subject: a\r\n folded\r\n\tvalue  \r\n\
l: 4\r\n\
\r\n\
bodyEXTRA";

#[test]
fn request_with_compact_and_folded_headers() {
    // REQ: SIP-1
    let (m, used) = complete(INVITE, Framing::Datagram);
    assert_eq!(used, INVITE.len() - 5);
    let StartLine::Request {
        method,
        uri,
        version,
    } = m.start_line
    else {
        panic!()
    };
    assert_eq!(m.slice(method), b"INVITE");
    assert_eq!(m.slice(uri), b"sip:bob@example.com");
    assert_eq!(m.slice(version), b"SIP/2.0");
    let names: Vec<_> = m.headers.iter().map(|h| h.name).collect();
    assert_eq!(
        names,
        [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::Subject,
            HeaderName::ContentLength
        ]
    );
    let subj = m.headers[2];
    assert!(subj.folded);
    assert_eq!(m.slice(subj.value_span), b"a\r\n folded\r\n\tvalue");
    assert_eq!(m.slice(m.body), b"body");
    assert_eq!(m.content_length, Some(4));
}

#[test]
fn stream_framing_waits_for_body_and_needs_content_length() {
    // REQ: SIP-1
    for cut in 0..INVITE.len() - 5 {
        assert_eq!(
            parse_message(&INVITE[..cut], Framing::Stream, &Limits::default()),
            Ok(Status::Partial),
            "cut at {cut}"
        );
    }
    let (_, used) = complete(INVITE, Framing::Stream);
    assert_eq!(used, INVITE.len() - 5);
    let no_cl = b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n";
    assert_eq!(
        err(no_cl, Framing::Stream).kind,
        ErrorKind::MissingContentLength
    );
    let (m, _) = complete(no_cl, Framing::Datagram);
    assert!(m.body.is_empty());
}

#[test]
fn keepalive_crlfs_are_skipped() {
    let buf = b"\r\n\r\n\r\nSIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
    let (m, used) = complete(buf, Framing::Stream);
    assert_eq!(used, buf.len());
    assert_eq!(m.start, 6);
    assert!(matches!(
        m.start_line,
        StartLine::Response { code: 200, .. }
    ));
}

#[test]
fn status_lines() {
    // RFC 4475 §3.1.1.13: empty reason phrase; §3.1.2.19: overlarge code.
    let (m, _) = complete(b"SIP/2.0 100 \r\n\r\n", Framing::Datagram);
    let StartLine::Response { code, reason, .. } = m.start_line else {
        panic!()
    };
    assert_eq!(code, 100);
    assert!(reason.is_empty());
    let e = err(
        b"SIP/2.0 4294967301 better not break the receiver\r\n\r\n",
        Framing::Datagram,
    );
    assert_eq!(e, ParseError::new(ErrorKind::StatusCode, 8));
    assert_eq!(
        err(b"SIP/2.0 099 x\r\n\r\n", Framing::Datagram).kind,
        ErrorKind::StatusCode
    );
}

#[test]
fn malformed_request_lines_are_located() {
    // RFC 4475 §3.1.2.7-§3.1.2.10
    let cases: &[(&[u8], ErrorKind, usize)] = &[
        (
            b"INVITE <sip:a@b> SIP/2.0\r\n\r\n",
            ErrorKind::RequestUri,
            7,
        ),
        (
            b"INVITE sip:a@b; lr SIP/2.0\r\n\r\n",
            ErrorKind::StartLine,
            15,
        ),
        (b"INVITE  sip:a@b SIP/2.0\r\n\r\n", ErrorKind::StartLine, 7),
        (b"INVITE sip:a@b SIP/2.0 \r\n\r\n", ErrorKind::StartLine, 14),
        (b"INVITE sip:a@b SIP/2\r\n\r\n", ErrorKind::Version, 15),
        (b"INV@TE sip:a@b SIP/2.0\r\n\r\n", ErrorKind::Method, 3),
        (b"INVITE\r\n\r\n", ErrorKind::StartLine, 0),
    ];
    for (buf, kind, offset) in cases {
        let e = err(buf, Framing::Datagram);
        assert_eq!(
            (e.kind, e.offset),
            (*kind, *offset),
            "{:?}",
            String::from_utf8_lossy(buf)
        );
    }
}

#[test]
fn header_errors_are_located() {
    let cases: &[(&[u8], ErrorKind, usize)] = &[
        (
            b"A sip:a SIP/2.0\r\nFoobar roobar\r\n\r\n",
            ErrorKind::HeaderColon,
            24,
        ),
        (b"A sip:a SIP/2.0\r\n: x\r\n\r\n", ErrorKind::HeaderName, 17),
        (b"A sip:a SIP/2.0\r\n x\r\n\r\n", ErrorKind::HeaderName, 17),
        (
            b"A sip:a SIP/2.0\r\nX: a\nY: b\r\n\r\n",
            ErrorKind::LineEnding,
            21,
        ),
        (
            b"A sip:a SIP/2.0\r\nX: a\rY: b\r\n\r\n",
            ErrorKind::LineEnding,
            21,
        ),
        (
            b"A sip:a SIP/2.0\r\nl: -999\r\n\r\n",
            ErrorKind::ContentLength,
            20,
        ),
        (
            b"A sip:a SIP/2.0\r\nl: 13\r\nContent-Length: 5\r\n\r\n",
            ErrorKind::DuplicateContentLength,
            40,
        ),
        (
            b"A sip:a SIP/2.0\r\nl: 9\r\n\r\nabc",
            ErrorKind::BodyTruncated,
            28,
        ),
    ];
    for (buf, kind, offset) in cases {
        let e = err(buf, Framing::Datagram);
        assert_eq!(
            (e.kind, e.offset),
            (*kind, *offset),
            "{:?}",
            String::from_utf8_lossy(buf)
        );
    }
}

#[test]
fn limits_are_enforced() {
    let limits = Limits {
        max_head_bytes: 64,
        max_headers: 2,
        max_body_bytes: 3,
    };
    let many = b"A sip:a SIP/2.0\r\nX: 1\r\nY: 2\r\nZ: 3\r\n\r\n";
    assert_eq!(
        parse_message(many, Framing::Datagram, &limits)
            .unwrap_err()
            .kind,
        ErrorKind::TooManyHeaders
    );
    let big = b"A sip:a SIP/2.0\r\nl: 4\r\n\r\nabcd";
    assert_eq!(
        parse_message(big, Framing::Stream, &limits)
            .unwrap_err()
            .kind,
        ErrorKind::BodyTooLarge
    );
    let mut long = b"A sip:a SIP/2.0\r\nX: ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 100));
    // Partial input already over the head limit is an error, not a wait.
    assert_eq!(
        parse_message(&long, Framing::Stream, &limits)
            .unwrap_err()
            .kind,
        ErrorKind::HeadTooLarge
    );
}

#[test]
fn offsets_past_u32_are_refused_whatever_the_limits() {
    // A `Span` holds u32 offsets: with limits above 4 GiB a longer head or body would
    // have saturated into wrong spans (and `Message::from_raw` rebased them).
    let limits = Limits {
        max_head_bytes: usize::MAX,
        max_headers: usize::MAX,
        max_body_bytes: usize::MAX,
    };
    let p = HeadParser {
        buf: b"",
        pos: 0,
        limits: &limits,
        datagram: false,
    };
    assert!(p.over_limit(MAX_OFFSET).is_ok());
    assert_eq!(
        p.over_limit(MAX_OFFSET + 1).unwrap_err().kind,
        ErrorKind::HeadTooLarge
    );
    let Status::Complete(mut m, _) =
        parse_head(b"A sip:a SIP/2.0\r\nl: 10\r\n\r\n", &limits).unwrap()
    else {
        panic!("partial")
    };
    m.body_start = MAX_OFFSET - 5;
    assert_eq!(
        body_end(&m.info(), usize::MAX, Framing::Stream, &limits)
            .unwrap_err()
            .kind,
        ErrorKind::BodyTooLarge
    );
    m.content_length = None;
    assert_eq!(
        body_end(&m.info(), MAX_OFFSET + 1, Framing::Datagram, &limits)
            .unwrap_err()
            .kind,
        ErrorKind::BodyTooLarge
    );
}

#[test]
fn datagram_without_final_empty_line() {
    // RFC 5118 §4.10's archive files and RFC 4475 baddn lack the empty line.
    let (m, used) = complete(b"OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n", Framing::Datagram);
    assert_eq!(m.headers.len(), 1);
    assert_eq!(used, 31);
    assert_eq!(
        parse_message(
            b"OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n",
            Framing::Stream,
            &Limits::default()
        ),
        Ok(Status::Partial)
    );
}
