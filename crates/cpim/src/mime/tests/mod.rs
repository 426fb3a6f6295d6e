//! Tests of the MIME helpers against fixtures in `tests/data/cpim/*.mime`.
// REQ: CPIM-3
// REQ: DEF-2

use bytes::Bytes;

use super::*;

use crate::{ErrorKind, ParseError};

/// A fixture file of `tests/data/cpim/` as `Bytes`.
macro_rules! fixture {
    ($name:literal) => {
        Bytes::from_static(include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/cpim/",
            $name
        )))
    };
}

pub(super) fn b(s: &'static [u8]) -> Bytes {
    Bytes::from_static(s)
}

pub(super) fn ct_of(part: &Part) -> ContentType {
    part.headers.content_type().unwrap().unwrap()
}

/// The PNG-like body of the third part of `three_parts.mime`: CR, LF, NUL, `--` and partial
/// boundaries, none of them a delimiter.
pub(super) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\
--\r\n--simpleim-3part\r\n--\x00\r\n-- simpleim-3parts-not\n--simpleim-3parts\x00\r\r\n\
\xff\xfe\x00--\r\n\r\n-\r\n--simpleim-3partz\r\n\x00IEND\xaeB`\x82";

pub(super) const SDP: &[u8] =
    b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
m=message 7654 TCP/MSRP *\r\na=accept-types:message/cpim text/plain\r\n\
a=path:msrp://192.0.2.1:7654/jshA7we;tcp";

// --- headers ---------------------------------------------------------------------------------

#[test]
fn headers_fold_lookup_and_raw() {
    // REQ: CPIM-3
    let input = b(b"Content-Type: text/plain;\r\n\tcharset=utf-8\r\ncontent-ID: <a@b>\r\n\r\nbody");
    let (h, used) = MimeHeaders::parse(&input).unwrap();
    assert_eq!(used, input.len() - 4);
    assert_eq!(h.len(), 2);
    assert_eq!(&h.raw()[..], &input[..used - 2]);
    let ct = h.get("CONTENT-TYPE").unwrap();
    assert_eq!(&ct.value()[..], b"text/plain;\r\n\tcharset=utf-8");
    assert_eq!(&ct.unfolded()[..], b"text/plain;\tcharset=utf-8");
    assert_eq!(&h.get("Content-Id").unwrap().value()[..], b"<a@b>");
    let parsed = h.content_type().unwrap().unwrap();
    assert!(parsed.is("TEXT", "Plain"));
    assert_eq!(&parsed.charset().unwrap()[..], b"utf-8");
}

#[test]
fn header_errors_are_located() {
    let cases: &[(&'static [u8], ErrorKind, usize)] = &[
        (
            b"Content-Type text/plain\r\n\r\n",
            ErrorKind::HeaderColon,
            13,
        ),
        (b" folded: x\r\n\r\n", ErrorKind::HeaderName, 0),
        (b"A: b\r\n: x\r\n\r\n", ErrorKind::HeaderName, 6),
        (b"A: b\nB: c\r\n\r\n", ErrorKind::LineEnding, 4),
        (b"A: b\rB: c\r\n\r\n", ErrorKind::LineEnding, 4),
    ];
    for &(input, kind, offset) in cases {
        assert_eq!(
            MimeHeaders::parse(&b(input)).unwrap_err(),
            ParseError::new(kind, offset),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn headers_build() {
    let h = MimeHeaders::new()
        .with("Content-Type", b"text/plain")
        .unwrap()
        .with("Content-Disposition", b"attachment")
        .unwrap();
    assert_eq!(
        &h.raw()[..],
        b"Content-Type: text/plain\r\nContent-Disposition: attachment\r\n"
    );
    assert_eq!(
        MimeHeaders::new().with("X", b"a\r\nB: injected"),
        Err(BuildError::HeaderValue)
    );
    assert_eq!(
        MimeHeaders::new().with("A:B", b"x"),
        Err(BuildError::HeaderName)
    );
    assert_eq!(
        MimeHeaders::new().with("", b"x"),
        Err(BuildError::HeaderName)
    );
}

// --- Content-Type, Content-Disposition --------------------------------------------------------

#[test]
fn content_type_params() {
    // REQ: CPIM-3
    let v = b(
        b"multipart/mixed (a comment) ; Boundary=\"simple \\\"b\\\" boundary\"; charset=us-ascii;",
    );
    let ct = ContentType::parse(&v).unwrap();
    assert!(ct.is_multipart() && ct.is("multipart", "mixed"));
    assert_eq!(&ct.boundary().unwrap()[..], b"simple \"b\" boundary");
    assert_eq!(&ct.charset().unwrap()[..], b"us-ascii");
    assert_eq!(ct.params().len(), 2);
    // Token values are slices of the input (zero-copy).
    let charset = ct.charset().unwrap();
    assert_eq!(charset.as_ptr(), v[v.len() - 9..].as_ptr());

    let built = ContentType::new("multipart", "mixed")
        .unwrap()
        .with_param("boundary", "simple boundary")
        .unwrap();
    assert_eq!(
        &built.to_bytes()[..],
        b"multipart/mixed; boundary=\"simple boundary\""
    );
    assert_eq!(ContentType::parse(&built.to_bytes()).unwrap(), built);
}

#[test]
fn content_type_errors_are_located() {
    let cases: &[(&'static [u8], ErrorKind, usize)] = &[
        (b"text", ErrorKind::Mime, 4),
        (b"text/", ErrorKind::Mime, 5),
        (b"/plain", ErrorKind::Mime, 0),
        (b"text/plain; charset", ErrorKind::Mime, 19),
        (b"text/plain; charset=\"utf-8", ErrorKind::QuotedString, 20),
        (b"text/plain x", ErrorKind::Mime, 11),
        (b"text/plain (unclosed", ErrorKind::Mime, 11),
    ];
    for &(input, kind, offset) in cases {
        assert_eq!(
            ContentType::parse(&b(input)).unwrap_err(),
            ParseError::new(kind, offset),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn content_disposition() {
    // REQ: CPIM-3
    let d = ContentDisposition::parse(&b(
        b"Attachment; filename=\"genome.jpeg\"; size=2834;\r\n creation-date=\"Wed, 12 Feb 1997 16:29:51 -0500\"",
    ))
    .unwrap();
    assert_eq!(d.disposition(), &DispositionType::Attachment);
    assert_eq!(&d.filename().unwrap()[..], b"genome.jpeg");
    assert_eq!(d.size(), Some(2834));
    assert_eq!(
        &d.creation_date().unwrap()[..],
        b"Wed, 12 Feb 1997 16:29:51 -0500"
    );
    let r = ContentDisposition::parse(&b(b"render;handling=optional")).unwrap();
    assert_eq!(r.disposition(), &DispositionType::Render);
    assert_eq!(r.handling(), Some(Handling::Optional));
    for (t, want) in [
        (&b"session"[..], DispositionType::Session),
        (b"inline", DispositionType::Inline),
        (b"ICON", DispositionType::Icon),
        (b"alert", DispositionType::Alert),
        (b"x-mine", DispositionType::Other(b(b"x-mine"))),
    ] {
        let d = ContentDisposition::parse(&Bytes::copy_from_slice(t)).unwrap();
        assert_eq!(d.disposition(), &want);
    }
    let built = ContentDisposition::new(DispositionType::Attachment)
        .unwrap()
        .with_param("filename", "tiny dot.png", true)
        .unwrap()
        .with_param("size", "87", false)
        .unwrap();
    assert_eq!(
        &built.to_bytes()[..],
        b"attachment; filename=\"tiny dot.png\"; size=87"
    );
    assert_eq!(ContentDisposition::parse(&built.to_bytes()).unwrap(), built);
    assert_eq!(
        ContentDisposition::parse(&b(b";x=1")).unwrap_err(),
        ParseError::new(ErrorKind::Mime, 0)
    );
}

mod encapsulate;
mod multipart;
