use super::*;

fn parse(s: &'static [u8]) -> Frame {
    Frame::parse(Bytes::from_static(s)).unwrap()
}

const SEND: &[u8] = b"MSRP a786hjs2 SEND\r\n\
To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n\
From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n\
Message-ID: 87652491\r\n\
Byte-Range: 1-25/25\r\n\
Success-Report: yes\r\n\
Failure-Report: partial\r\n\
x-extension:  spaced value  \r\n\
Content-Disposition: inline\r\n\
Content-Type: text/plain\r\n\
\r\n\
Hey Bob, are you there?\r\n\
-------a786hjs2$\r\n";

#[test]
fn transaction_ids() {
    // REQ: MSRP-1
    let t: TransactionId = "d93kswow".parse().unwrap();
    assert_eq!(t.as_str(), "d93kswow");
    assert_eq!(t.len(), 8);
    assert!(!t.is_empty());
    assert_eq!(format!("{t:?}"), "TransactionId(\"d93kswow\")");
    assert_eq!(
        TransactionId::new(b"ab"),
        Err(ParseError::new(ErrorKind::TransactionId, 2))
    );
    assert_eq!(
        TransactionId::new(b"ab cd"),
        Err(ParseError::new(ErrorKind::TransactionId, 2))
    );
    assert!(TransactionId::new(b"abcd").unwrap() < TransactionId::new(b"abcde").unwrap());
    assert!(TransactionId::new(b"b234").unwrap() > TransactionId::new(b"abcde").unwrap());
    let long = [b'z'; 32];
    assert_eq!(TransactionId::new(&long).unwrap().as_bytes(), &long);
    let mut out = BytesMut::new();
    t.write_end_line(&mut out, Flag::Aborted);
    assert_eq!(&out[..], b"-------d93kswow#\r\n");
}

#[test]
fn methods_and_flags() {
    assert_eq!(Method::from_bytes(b"SEND"), Some(Method::Send));
    assert_eq!(Method::from_bytes(b"NICKNAME"), Some(Method::Nickname));
    assert_eq!(Method::from_bytes(b"AUTH"), Some(Method::Auth));
    assert_eq!(
        Method::from_bytes(b"FOO"),
        Some(Method::Other(Bytes::from_static(b"FOO")))
    );
    assert_eq!(Method::from_bytes(b"send"), None);
    assert_eq!(Method::from_bytes(b""), None);
    assert_eq!(Method::Report.to_string(), "REPORT");
    for f in [Flag::Complete, Flag::Continued, Flag::Aborted] {
        assert_eq!(Flag::from_byte(f.as_byte()), Some(f));
    }
    assert_eq!(Flag::from_byte(b'-'), None);
}

#[test]
fn typed_accessors() {
    // REQ: MSRP-1
    let f = parse(SEND);
    let h = &f.head;
    assert!(h.is_request() && !h.is_response());
    assert_eq!(h.status_code(), None);
    assert_eq!(h.comment(), None);
    assert!(h.has_body());
    assert_eq!(
        h.to_path(),
        Some(&b"msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp"[..])
    );
    assert_eq!(
        h.from_path(),
        Some(&b"msrp://atlanta.example.com:7654/jshA7weztas;tcp"[..])
    );
    assert_eq!(h.message_id(), Ok(Some("87652491")));
    assert_eq!(
        h.byte_range(),
        Ok(Some(ByteRange {
            start: 1,
            end: Some(25),
            total: Some(25)
        }))
    );
    assert_eq!(h.success_report(), Ok(Some(ReportMode::Yes)));
    assert_eq!(h.failure_report(), Ok(Some(ReportMode::Partial)));
    assert_eq!(h.header("X-EXTENSION"), Some(&b"spaced value"[..]));
    assert_eq!(
        h.header_bytes("x-Extension"),
        Some(Bytes::from_static(b"spaced value"))
    );
    assert_eq!(h.header("Nope"), None);
    assert_eq!(h.content_type(), Some(&b"text/plain"[..]));
    assert_eq!(h.content_disposition(), Some(&b"inline"[..]));
    assert_eq!(h.content_id(), None);
    assert_eq!(h.content_description(), None);
    assert_eq!(h.mime_headers().count(), 2);
    assert_eq!(h.headers().len(), 9);
    let names: Vec<&str> = h.headers().map(|f| f.name()).collect();
    assert_eq!(names[6], "x-extension");
    assert_eq!(
        h.get(HeaderName::ByteRange).map(|f| f.kind()),
        Some(HeaderName::ByteRange)
    );
    assert_eq!(h.status(), Ok(None));
    assert_eq!(h.use_nickname(), Ok(None));
    assert_eq!(h.expires(), Ok(None));
    assert_eq!(h.validate(f.flag), Ok(()));
    assert_eq!(f.body.as_ref(), b"Hey Bob, are you there?");
    let mut out = BytesMut::new();
    f.encode(&mut out);
    assert_eq!(&out[..], SEND);
    assert_eq!(f.encoded_len(), SEND.len());
}

#[test]
fn typed_errors_are_absolute() {
    // REQ: MSRP-1
    let f = parse(
        b"MSRP abcd SEND\r\nTo-Path: a\r\nFrom-Path: b\r\nByte-Range: 1-x/3\r\n\
Message-ID: m\r\nExpires: 99999999999\r\nSuccess-Report: partial\r\n-------abcd$\r\n",
    );
    let h = &f.head;
    // "Byte-Range: " starts at 42; the 'x' is 2 bytes into the value.
    assert_eq!(
        h.byte_range(),
        Err(ParseError::new(ErrorKind::Number, 42 + 12 + 2))
    );
    let mid = h.get(HeaderName::MessageId).unwrap().value_offset();
    assert_eq!(
        h.message_id(),
        Err(ParseError::new(ErrorKind::MessageId, mid + 1))
    );
    assert_eq!(h.expires().unwrap_err().kind, ErrorKind::NumberOverflow);
    assert_eq!(h.success_report().unwrap_err().kind, ErrorKind::ReportMode);
}

#[test]
fn responses_and_reports() {
    let f = parse(b"MSRP dkei38sd 200 OK\r\nTo-Path: a\r\nFrom-Path: b\r\n-------dkei38sd$\r\n");
    assert!(f.head.is_response());
    assert_eq!(f.head.status_code(), Some(200));
    assert_eq!(f.head.comment(), Some(&b"OK"[..]));
    assert_eq!(f.head.method(), None);
    assert!(!f.head.has_body());
    let f = parse(b"MSRP dkei38sd 481\r\nTo-Path: a\r\nFrom-Path: b\r\n-------dkei38sd$\r\n");
    assert_eq!(f.head.comment(), None);
    let f = parse(
        b"MSRP dkei38sd REPORT\r\nTo-Path: a\r\nFrom-Path: b\r\nMessage-ID: 12339sdqwer\r\n\
Status: 000 200 OK\r\n-------dkei38sd$\r\n",
    );
    let s = f.head.status().unwrap().unwrap();
    assert_eq!((s.namespace, s.code), (0, 200));
    assert_eq!(s.text, Some(Bytes::from_static(b"OK")));
}

#[test]
fn relay_and_nickname_headers() {
    let f = parse(
        b"MSRP 49fi 200 OK\r\nTo-Path: a\r\nFrom-Path: b\r\nUse-Path: c d\r\n\
WWW-Authenticate: Digest realm=\"x\"\r\nAuthorization: Digest username=\"A\"\r\n\
Authentication-Info: nextnonce=\"1\"\r\nExpires: 900\r\nMin-Expires: 60\r\n\
Max-Expires: 3600\r\n-------49fi$\r\n",
    );
    let h = &f.head;
    assert_eq!(h.use_path(), Some(&b"c d"[..]));
    assert_eq!(h.www_authenticate(), Some(&b"Digest realm=\"x\""[..]));
    assert_eq!(h.authorization(), Some(&b"Digest username=\"A\""[..]));
    assert_eq!(h.authentication_info(), Some(&b"nextnonce=\"1\""[..]));
    assert_eq!(h.expires(), Ok(Some(900)));
    assert_eq!(h.min_expires(), Ok(Some(60)));
    assert_eq!(h.max_expires(), Ok(Some(3600)));
    let f = parse(
        b"MSRP d93kswow NICKNAME\r\nTo-Path: a\r\nFrom-Path: b\r\n\
Use-Nickname: \"Alice the great\"\r\n-------d93kswow$\r\n",
    );
    assert_eq!(f.head.method(), Some(&Method::Nickname));
    assert_eq!(
        f.head.use_nickname().unwrap().as_deref(),
        Some("Alice the great")
    );
}

#[test]
fn validation() {
    // REQ: MSRP-1
    let check = |s: &'static [u8]| {
        let f = parse(s);
        f.head.validate(f.flag).map_err(|e| e.kind)
    };
    assert_eq!(
        check(b"MSRP abcd SEND\r\nFrom-Path: b\r\nTo-Path: a\r\n-------abcd$\r\n"),
        Err(ErrorKind::ToPath)
    );
    assert_eq!(
        check(b"MSRP abcd SEND\r\nTo-Path: a\r\n-------abcd$\r\n"),
        Err(ErrorKind::FromPath)
    );
    assert_eq!(
        check(b"MSRP abcd SEND\r\nTo-Path: a\r\nFrom-Path: b\r\n\r\nx\r\n-------abcd$\r\n"),
        Err(ErrorKind::ContentType)
    );
    assert_eq!(
        check(
            b"MSRP abcd SEND\r\nTo-Path: a\r\nFrom-Path: b\r\nContent-Type: t/p\r\n\
Message-ID: abcd\r\n\r\nx\r\n-------abcd$\r\n"
        ),
        Err(ErrorKind::ContentType)
    );
    assert_eq!(
        check(
            b"MSRP abcd SEND\r\nTo-Path: a\r\nFrom-Path: b\r\nContent-ID: <x>\r\n\
-------abcd$\r\n"
        ),
        Err(ErrorKind::MimeWithoutBody)
    );
    assert_eq!(
        check(b"MSRP abcd REPORT\r\nTo-Path: a\r\nFrom-Path: b\r\n-------abcd+\r\n"),
        Err(ErrorKind::Interrupted)
    );
    assert_eq!(
        check(b"MSRP abcd SEND\r\nTo-Path: a\r\nFrom-Path: b\r\n-------abcd+\r\n"),
        Ok(())
    );
    assert_eq!(
        check(b"MSRP abcd 200 OK\r\nTo-Path: a\r\nFrom-Path: b\r\n-------abcd$\r\n"),
        Ok(())
    );
}

#[test]
fn whole_frame_parse_errors() {
    let e = Frame::parse(Bytes::from_static(b"MSRP abcd SEND\r\nTo-Path: a\r\n")).unwrap_err();
    assert_eq!(e, ParseError::new(ErrorKind::Incomplete, 28));
    let e = Frame::parse(Bytes::from_static(
        b"MSRP abcd SEND\r\n-------abcd$\r\nMSRP",
    ))
    .unwrap_err();
    assert_eq!(e, ParseError::new(ErrorKind::TrailingBytes, 30));
    // A body over the collect limit still comes back whole.
    let f = Frame::parse_with(
        Bytes::from_static(
            b"MSRP abcd SEND\r\nContent-Type: a/b\r\n\r\n0123456789\r\n-------abcd#\r\n",
        ),
        Limits {
            max_collect_bytes: 2,
            ..Limits::default()
        },
    )
    .unwrap();
    assert_eq!(f.body.as_ref(), b"0123456789");
    assert_eq!(f.flag, Flag::Aborted);
}
