use super::*;

#[test]
fn idents() {
    // REQ: MSRP-1
    assert_eq!(ident_error(b"d93kswow"), None);
    assert_eq!(ident_error(b"6aef"), None);
    assert_eq!(ident_error(b"a.-+%=b"), None);
    assert_eq!(ident_error(b"abc"), Some(3));
    assert_eq!(ident_error(b"-abc"), Some(0));
    assert_eq!(ident_error(b""), Some(0));
    assert_eq!(ident_error(b"ab_cd"), Some(2));
    assert_eq!(ident_error(&[b'a'; 32]), None);
    assert_eq!(ident_error(&[b'a'; 33]), Some(32));
}

#[test]
fn names_compare_case_insensitively() {
    assert_eq!(HeaderName::from_bytes(b"to-path"), HeaderName::ToPath);
    assert_eq!(HeaderName::from_bytes(b"MESSAGE-ID"), HeaderName::MessageId);
    assert_eq!(
        HeaderName::from_bytes(b"Use-Nickname"),
        HeaderName::UseNickname
    );
    assert_eq!(HeaderName::from_bytes(b"X-Foo"), HeaderName::Other);
    assert!(HeaderName::is_mime(b"content-language"));
    assert!(!HeaderName::is_mime(b"Content"));
    for k in HeaderName::KNOWN {
        assert_eq!(HeaderName::from_bytes(k.as_str().as_bytes()), k);
    }
}

#[test]
fn byte_ranges() {
    // REQ: MSRP-1
    let r = ByteRange::parse(b"1-16/16").unwrap();
    assert_eq!((r.start, r.end, r.total), (1, Some(16), Some(16)));
    assert_eq!(r.len(), Some(16));
    let r = ByteRange::parse(b"1-0/0").unwrap();
    assert!(r.is_empty());
    let r = ByteRange::parse(b"5-*/*").unwrap();
    assert_eq!((r.start, r.end, r.total), (5, None, None));
    assert_eq!(r.to_string(), "5-*/*");
    let mut out = bytes::BytesMut::new();
    ByteRange::parse(b"138-148/148").unwrap().write(&mut out);
    assert_eq!(&out[..], b"138-148/148");

    let bad = |v: &[u8]| ByteRange::parse(v).unwrap_err();
    assert_eq!(bad(b"0-1/1"), err(ErrorKind::ByteRange, 0));
    assert_eq!(bad(b"5-3/9"), err(ErrorKind::ByteRange, 2));
    assert_eq!(bad(b"1-9/8"), err(ErrorKind::ByteRange, 4));
    assert_eq!(bad(b"10-*/8"), err(ErrorKind::ByteRange, 5));
    assert_eq!(bad(b"1-2"), err(ErrorKind::ByteRange, 3));
    assert_eq!(bad(b"1/2-3"), err(ErrorKind::ByteRange, 1));
    assert_eq!(bad(b"-2/3"), err(ErrorKind::Number, 0));
    assert_eq!(bad(b"1-x/3"), err(ErrorKind::Number, 2));
    assert_eq!(bad(b"1-2/ 3"), err(ErrorKind::Number, 4));
    assert_eq!(bad(b"1-2/*x"), err(ErrorKind::Number, 4));
    assert_eq!(
        bad(b"1-2/99999999999999999999"),
        err(ErrorKind::NumberOverflow, 23)
    );
    assert!(ByteRange::new(1, Some(0), Some(0)).is_ok());
    assert!(ByteRange::new(0, None, None).is_err());
}

#[test]
fn statuses() {
    let s = Status::parse(&Bytes::from_static(b"000 200 OK")).unwrap();
    assert_eq!((s.namespace, s.code), (0, 200));
    assert!(s.is_success());
    assert_eq!(s.to_string(), "000 200 OK");
    let s = Status::parse(&Bytes::from_static(b"000 481")).unwrap();
    assert_eq!(s.text, None);
    assert_eq!(
        Status::new(413).with_text("Stop").to_string(),
        "000 413 Stop"
    );
    let bad = |v: &'static [u8]| Status::parse(&Bytes::from_static(v)).unwrap_err();
    assert_eq!(bad(b"00 200 OK"), err(ErrorKind::Status, 0));
    assert_eq!(bad(b"000-200"), err(ErrorKind::Status, 3));
    assert_eq!(bad(b"000 20x"), err(ErrorKind::Status, 4));
    assert_eq!(bad(b"000 2000"), err(ErrorKind::Status, 7));
    assert_eq!(bad(b"000 200 O\x01K"), err(ErrorKind::Status, 9));
}

#[test]
fn report_modes() {
    assert_eq!(ReportMode::parse(b"yes", false), Ok(ReportMode::Yes));
    assert_eq!(ReportMode::parse(b"No", false), Ok(ReportMode::No));
    assert!(ReportMode::parse(b"partial", false).is_err());
    assert_eq!(ReportMode::parse(b"partial", true), Ok(ReportMode::Partial));
    assert!(ReportMode::parse(b"maybe", true).is_err());
}

#[test]
fn quoted_strings() {
    // REQ: MSRP-1
    assert_eq!(unquote(br#""Alice the great""#).unwrap(), "Alice the great");
    assert!(matches!(unquote(br#""plain""#).unwrap(), Cow::Borrowed(_)));
    assert_eq!(unquote(br#""a \"b\" \\ c""#).unwrap(), r#"a "b" \ c"#);
    assert_eq!(unquote("\"Zoë\"".as_bytes()).unwrap(), "Zoë");
    assert_eq!(unquote(b"Alice"), Err(err(ErrorKind::QuotedString, 0)));
    assert_eq!(unquote(br#""open"#), Err(err(ErrorKind::QuotedString, 5)));
    assert_eq!(unquote(br#""a\b""#), Err(err(ErrorKind::QuotedString, 2)));
    assert_eq!(unquote(br#""a" x"#), Err(err(ErrorKind::QuotedString, 3)));
    assert_eq!(unquote(b"\"a\xffb\""), Err(err(ErrorKind::Utf8, 2)));
    let mut out = bytes::BytesMut::new();
    put_quoted(&mut out, r#"say "hi" \o/"#);
    assert_eq!(&out[..], br#""say \"hi\" \\o/""#);
    assert_eq!(unquote(&out).unwrap(), r#"say "hi" \o/"#);
}

#[test]
fn numbers() {
    let mut out = bytes::BytesMut::new();
    for n in [0, 7, 10, 1234, u64::MAX] {
        out.clear();
        put_u64(&mut out, n);
        assert_eq!(&out[..], n.to_string().as_bytes());
    }
    assert_eq!(parse_u32(b"900"), Ok(900));
    assert_eq!(
        parse_u32(b"4294967296"),
        Err(err(ErrorKind::NumberOverflow, 0))
    );
    assert_eq!(parse_u32(b""), Err(err(ErrorKind::Number, 0)));
}
