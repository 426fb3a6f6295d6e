//! multipart/mixed split and build (RFC 2046 §5.1).
// REQ: CPIM-3

use bytes::Bytes;
use proptest::prelude::*;

use super::{PNG, SDP, b, ct_of};
use crate::mime::*;
use crate::{ErrorKind, ParseError};

// --- multipart/mixed -------------------------------------------------------------------------

#[test]
fn three_parts_split_byte_exact() {
    // REQ: CPIM-3
    let body = fixture!("three_parts.mime");
    let m = split(&body, b"simpleim-3parts").unwrap();
    assert!(m.preamble.is_empty() && m.epilogue.is_empty());
    assert_eq!(m.parts.len(), 3);
    let [text, sdp, png] = &m.parts[..] else {
        unreachable!()
    };
    assert!(ct_of(text).is("text", "plain"));
    assert_eq!(&text.body[..], "Hello, été!\r\nSecond line.\r\n".as_bytes());
    assert!(ct_of(sdp).is("application", "sdp"));
    let disp = sdp.headers.content_disposition().unwrap().unwrap();
    assert_eq!(disp.disposition(), &DispositionType::Session);
    assert_eq!(disp.handling(), Some(Handling::Required));
    assert_eq!(&sdp.body[..], SDP);
    assert!(ct_of(png).is("image", "png"));
    let disp = png.headers.content_disposition().unwrap().unwrap();
    assert_eq!(disp.disposition(), &DispositionType::Attachment);
    assert_eq!(&disp.filename().unwrap()[..], b"tiny dot.png");
    assert_eq!(&png.body[..], PNG);
    // Zero-copy: the bodies are slices of the input.
    let range = body.as_ptr_range();
    assert!(range.contains(&png.body.as_ptr()));

    // Building the same parts gives the fixture back, byte for byte.
    let rebuilt = m
        .parts
        .iter()
        .fold(MultipartBuilder::new("simpleim-3parts"), |bld, p| {
            bld.part(p.headers.clone(), p.body.clone())
        })
        .build()
        .unwrap();
    assert_eq!(rebuilt, body);
}

#[test]
fn preamble_epilogue_and_padding() {
    let body = fixture!("preamble_epilogue.mime");
    let m = split(&body, b"b1").unwrap();
    assert_eq!(
        &m.preamble[..],
        b"This is the preamble.\r\nIt has two lines."
    );
    assert_eq!(m.parts.len(), 2);
    assert_eq!(&m.parts[0].body[..], b"first");
    assert!(m.parts[1].headers.is_empty());
    assert_eq!(&m.parts[1].body[..], b"second, no headers");
    assert_eq!(
        &m.epilogue[..],
        b"This is the epilogue.\r\n--b1\r\nnot a part\r\n"
    );
    let ct = ContentType::parse(&b(b"multipart/mixed; boundary=b1")).unwrap();
    assert_eq!(Multipart::parse(&ct, &body).unwrap(), m);
}

#[test]
fn rfc2046_example() {
    // RFC 2046 §5.1.1, the "simple boundary" example.
    let msg = fixture!("rfc2046_5.1.1.mime");
    let (headers, used) = MimeHeaders::parse(&msg).unwrap();
    assert_eq!(&headers.get("mime-version").unwrap().value()[..], b"1.0");
    let ct = headers.content_type().unwrap().unwrap();
    assert_eq!(&ct.boundary().unwrap()[..], b"simple boundary");
    let m = Multipart::parse(&ct, &msg.slice(used..)).unwrap();
    assert_eq!(
        &m.preamble[..],
        b"This is the preamble.  It is to be ignored, though it\r\n\
is a handy place for composition agents to include an\r\n\
explanatory note to non-MIME conformant readers.\r\n"
    );
    assert_eq!(m.parts.len(), 2);
    assert!(m.parts[0].headers.is_empty());
    assert_eq!(
        &m.parts[0].body[..],
        b"This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak."
    );
    assert_eq!(&ct_of(&m.parts[1]).charset().unwrap()[..], b"us-ascii");
    assert_eq!(
        &m.parts[1].body[..],
        b"This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n"
    );
    assert_eq!(
        &m.epilogue[..],
        b"\r\nThis is the epilogue.  It is also to be ignored.\r\n"
    );
}

#[test]
fn split_errors_are_located() {
    let cases: &[(&'static [u8], ErrorKind, usize)] = &[
        (b"no delimiter at all", ErrorKind::Boundary, 19),
        (b"--bx\r\n", ErrorKind::Boundary, 6),
        (b"--b\r\nA: 1\r\n\r\nbody", ErrorKind::Unclosed, 17),
        (b"--b\r\n\r\nbody\r\n--b", ErrorKind::Unclosed, 16),
        (b"--b\r\n\r\nbody\r\n--b  ", ErrorKind::Unclosed, 18),
        (b"--b\r\n\r\nbody\r\n--b-", ErrorKind::Unclosed, 17),
        (b"--b", ErrorKind::Unclosed, 3),
        (
            b"--b\r\n\r\nx\r\n--b\r\nBad header\r\n\r\n\r\n--b--",
            ErrorKind::HeaderColon,
            19,
        ),
    ];
    for &(input, kind, offset) in cases {
        assert_eq!(
            split(&b(input), b"b").unwrap_err(),
            ParseError::new(kind, offset),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    assert_eq!(
        split(&b(b"--\r\n"), b"").unwrap_err(),
        ParseError::new(ErrorKind::Boundary, 0)
    );
    let not_multipart = ContentType::parse(&b(b"text/plain; boundary=b")).unwrap();
    assert_eq!(
        Multipart::parse(&not_multipart, &b(b"--b\r\n\r\n\r\n--b--")).unwrap_err(),
        ParseError::new(ErrorKind::Boundary, 0)
    );
}

#[test]
fn lookalike_delimiters_are_not_delimiters() {
    // `--bX` is a longer boundary, not ours; `--b` preceded by LF alone is not a delimiter.
    let body = b(b"--b\r\n\r\n1\r\n--bX\r\n2\n--b\r\n3\r\n--b\t\r\n\r\nlast\r\n--b--");
    let m = split(&body, b"b").unwrap();
    assert_eq!(m.parts.len(), 2);
    assert_eq!(&m.parts[0].body[..], b"1\r\n--bX\r\n2\n--b\r\n3");
    assert_eq!(&m.parts[1].body[..], b"last");
    // An empty part written without its own CRLF, and no parts at all, are accepted.
    let m = split(&b(b"--b\r\n--b--"), b"b").unwrap();
    assert_eq!(m.parts, vec![Part::new(MimeHeaders::new(), Bytes::new())]);
    assert!(split(&b(b"--b--"), b"b").unwrap().parts.is_empty());
}

#[test]
fn split_is_linear_on_many_lookalikes() {
    // 200k near-delimiters: a quadratic scan would take minutes.
    let mut body = b"--b\r\n\r\n".to_vec();
    for _ in 0..200_000 {
        body.extend_from_slice(b"\r\n--bX");
    }
    body.extend_from_slice(b"\r\n--b--");
    let m = split(&Bytes::from(body), b"b").unwrap();
    assert_eq!(m.parts[0].body.len(), 200_000 * 6);
}

#[test]
fn every_truncation_fails_cleanly() {
    let fixtures: [(Bytes, &[u8]); 4] = [
        (fixture!("three_parts.mime"), b"simpleim-3parts"),
        (fixture!("preamble_epilogue.mime"), b"b1"),
        (fixture!("seed004_h2_multipart.mime"), b"boundary42"),
        (fixture!("rfc2046_5.1.1.mime"), b"simple boundary"),
    ];
    for (body, boundary) in fixtures {
        for n in 0..=body.len() {
            let cut = body.slice(..n);
            if let Err(e) = split(&cut, boundary) {
                assert!(e.offset <= n, "{e} for a {n}-byte prefix");
            }
            let _ = MimeHeaders::parse(&cut);
            let _ = ContentType::parse(&cut);
            let _ = ContentDisposition::parse(&cut);
        }
    }
}

#[test]
fn builder_checks() {
    let part = |body: &'static [u8]| (MimeHeaders::new(), b(body));
    let build = |boundary: &'static str, parts: Vec<(MimeHeaders, Bytes)>| {
        parts
            .into_iter()
            .fold(MultipartBuilder::new(boundary), |bld, (h, body)| {
                bld.part(h, body)
            })
            .build()
    };
    assert_eq!(
        build("b", vec![part(b"ok"), part(b"x\r\n--b\r\n")]),
        Err(BuildError::BoundaryInPart { part: Some(1) })
    );
    assert_eq!(
        build("b", vec![part(b"--b")]),
        Err(BuildError::BoundaryInPart { part: Some(0) })
    );
    assert_eq!(build("b", vec![]), Err(BuildError::NoParts));
    assert_eq!(
        build("", vec![part(b"x")]),
        Err(BuildError::InvalidBoundary)
    );
    assert_eq!(
        build("sp ", vec![part(b"x")]),
        Err(BuildError::InvalidBoundary)
    );
    assert_eq!(
        build("a\"b", vec![part(b"x")]),
        Err(BuildError::InvalidBoundary)
    );
    assert_eq!(
        build(
            "0123456789012345678901234567890123456789012345678901234567890123456789x",
            vec![part(b"x")]
        ),
        Err(BuildError::InvalidBoundary)
    );
    assert_eq!(
        MultipartBuilder::new("b")
            .preamble(b(b"pre\r\n--b"))
            .part(MimeHeaders::new(), b(b"x"))
            .build(),
        Err(BuildError::BoundaryInPart { part: None })
    );
    // Partial boundaries are fine.
    assert!(build("b", vec![part(b"--\r\n-b\r\n--")]).is_ok());
    let bld = MultipartBuilder::new("simple boundary")
        .preamble(b(b"pre"))
        .epilogue(b(b"epi"))
        .typed_part(b"text/plain", b(b"x"))
        .unwrap();
    assert_eq!(
        &bld.content_type().unwrap()[..],
        b"multipart/mixed; boundary=\"simple boundary\""
    );
    let body = bld.build().unwrap();
    assert_eq!(
        &body[..],
        b"pre\r\n--simple boundary\r\nContent-Type: text/plain\r\n\r\nx\r\n--simple boundary--\r\nepi"
    );
    let m = split(&body, b"simple boundary").unwrap();
    assert_eq!(
        (&m.preamble[..], &m.epilogue[..]),
        (&b"pre"[..], &b"epi"[..])
    );
}

proptest! {
    #[test]
    fn build_split_round_trip(
        bodies in prop::collection::vec(prop::collection::vec(
            prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'-'), Just(b'q'), any::<u8>()], 0..64), 1..6),
        with_headers in any::<bool>(),
        preamble in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        // REQ: CPIM-3
        let boundary = "q-q";
        let needle = b"\r\n--q-q";
        let bad = |p: &[u8]| p.starts_with(&needle[2..]) || p.windows(needle.len()).any(|w| w == needle);
        prop_assume!(!bodies.iter().any(|b| bad(b)) && !bad(&preamble));
        let mut bld = MultipartBuilder::new(boundary).preamble(Bytes::from(preamble.clone()));
        let mut parts = Vec::new();
        for (i, body) in bodies.into_iter().enumerate() {
            let headers = if with_headers {
                MimeHeaders::new().with("Content-Type", format!("application/x-{i}").as_bytes()).unwrap()
            } else {
                MimeHeaders::new()
            };
            let body = Bytes::from(body);
            parts.push(Part::new(headers.clone(), body.clone()));
            bld = bld.part(headers, body);
        }
        let m = split(&bld.build().unwrap(), boundary.as_bytes()).unwrap();
        prop_assert_eq!(&m.preamble[..], &preamble[..]);
        prop_assert_eq!(m.parts, parts);
    }

    #[test]
    fn split_never_panics(data in prop::collection::vec(
        prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'-'), Just(b'b'), Just(b':'), Just(b' '), any::<u8>()], 0..200)) {
        let data = Bytes::from(data);
        if let Err(e) = split(&data, b"b") {
            prop_assert!(e.offset <= data.len());
        }
    }
}
