//! message/external-body and the deferred-delivery encapsulations.
// REQ: CPIM-3
// REQ: DEF-2

use bytes::Bytes;

use super::{b, ct_of};
use crate::mime::*;
use crate::{ErrorKind, ParseError};

// --- message/external-body (REQ: SW-10) ------------------------------------------------------

#[test]
fn external_body_build_and_parse() {
    // REQ: CPIM-3
    let (ct, body) =
        ExternalBody::url_builder("http://www.example.com/the-content.png", b"image/png")
            .unwrap()
            .with_size(52723)
            .unwrap()
            .with_expiration("Sat, 20 Jun 2002 12:00:00 GMT")
            .unwrap()
            .with_header("Content-ID", b"<4e5562cd1214427d@example.com>")
            .unwrap()
            .build();
    assert_eq!(
        &ct[..],
        &b"message/external-body; access-type=URL; URL=\"http://www.example.com/the-content.png\"; \
size=52723; expiration=\"Sat, 20 Jun 2002 12:00:00 GMT\""[..]
    );
    assert_eq!(
        &body[..],
        b"Content-Type: image/png\r\nContent-ID: <4e5562cd1214427d@example.com>\r\n\r\n"
    );
    let e = ExternalBody::parse(&ContentType::parse(&ct).unwrap(), &body).unwrap();
    assert_eq!(
        &e.url().unwrap()[..],
        b"http://www.example.com/the-content.png"
    );
    assert_eq!(&e.access_type().unwrap()[..], b"URL");
    assert_eq!(e.size(), Some(52723));
    assert_eq!(
        &e.expiration().unwrap()[..],
        b"Sat, 20 Jun 2002 12:00:00 GMT"
    );
    assert!(e.content_type().unwrap().unwrap().is("image", "png"));
    assert!(ExternalBody::url_builder("http://x/\r\nX: y", b"text/plain").is_err());
}

#[test]
fn external_body_rfc4483_style() {
    // RFC 4483 §6 style: upper-case parameter names, folded value.
    let ct = ContentType::parse(&b(b"message/external-body;\r\n   ACCESS-TYPE=URL;\r\n   \
URL=\"http://www.example.com/the-indirect-content.au\";\r\n   size=52723"))
    .unwrap();
    let e = ExternalBody::parse(
        &ct,
        &b(b"Content-Type: audio/basic\r\nContent-ID: <4e5562cd1214427d@example.com>\r\n\r\n"),
    )
    .unwrap();
    assert_eq!(
        &e.url().unwrap()[..],
        b"http://www.example.com/the-indirect-content.au"
    );
    assert_eq!(e.size(), Some(52723));
    assert_eq!(e.expiration(), None);
    let no_url = ContentType::parse(&b(b"message/external-body; access-type=URL")).unwrap();
    assert_eq!(
        ExternalBody::parse(&no_url, &Bytes::new()).unwrap_err(),
        ParseError::new(ErrorKind::Mime, 0)
    );
    let plain = ContentType::parse(&b(b"text/plain")).unwrap();
    assert!(ExternalBody::parse(&plain, &Bytes::new()).is_err());
}

// --- encapsulation for deferred delivery (REQ: DEF-2, seed 004 App. H) -----------------------

const DATE_2002: &str = "Thu, 21 Feb 2002 13:02:03 GMT";
const DATE_2005: &str = "Thu, 21 Feb 2005 13:02:03 GMT";

/// The message without its `Date:` line: the seed and we place it differently.
fn without_date(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = msg;
    while !rest.is_empty() {
        let n = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(rest.len(), |i| i + 2);
        let (line, tail) = rest.split_at(n);
        if !line.starts_with(b"Date: ") {
            out.extend_from_slice(line);
        }
        rest = tail;
    }
    out
}

#[test]
fn seed004_example1_message_sip() {
    // REQ: DEF-2
    let stored = fixture!("seed004_h1_stored.mime");
    let (ct, body) = encapsulate_sip(&stored, DATE_2002).unwrap();
    assert_eq!(&ct[..], b"message/sip");
    let start = b"MESSAGE sip:user2@imserver.com SIP/2.0\r\n".len();
    let mut want = stored[..start].to_vec();
    want.extend_from_slice(b"Date: Thu, 21 Feb 2002 13:02:03 GMT\r\n");
    want.extend_from_slice(&stored[start..]);
    assert_eq!(&body[..], &want[..]);
    // The seed's own text (Date after Call-ID) is the same message.
    let seed = fixture!("seed004_h1_message_sip.mime");
    assert_eq!(without_date(&seed), without_date(&body));
    assert_eq!(without_date(&body), &stored[..]);
    // An existing Date is replaced, not doubled.
    let again = encapsulate_sip(&seed, DATE_2005).unwrap().1;
    assert_eq!(again.windows(6).filter(|w| w == b"Date: ").count(), 1);
    assert!(again[start..].starts_with(b"Date: Thu, 21 Feb 2005 13:02:03 GMT\r\n"));
}

#[test]
fn encapsulate_errors() {
    let stored = fixture!("seed004_h1_stored.mime");
    assert_eq!(
        encapsulate_sip(&stored, "x\r\nVia: evil"),
        Err(BuildError::HeaderValue)
    );
    assert_eq!(encapsulate_sip(&stored, ""), Err(BuildError::HeaderValue));
    let stored_err = |kind, at| Err(BuildError::Stored(ParseError::new(kind, at)));
    assert_eq!(
        encapsulate_sip(&b(b"MESSAGE sip:a@b SIP/2.0"), DATE_2002),
        stored_err(ErrorKind::LineEnding, 23)
    );
    assert_eq!(
        encapsulate_sip(&b(b"MESSAGE sip:a@b SIP/2.0\r\nTo: x\r\n"), DATE_2002),
        stored_err(ErrorKind::Truncated, 32)
    );
    assert_eq!(
        encapsulate_sip(
            &b(b"MESSAGE sip:a@b SIP/2.0\r\nTo: x\nFrom: y\r\n\r\n"),
            DATE_2002
        ),
        stored_err(ErrorKind::LineEnding, 30)
    );
    assert_eq!(
        encapsulate_session("boundary42", &[], DATE_2005),
        Err(BuildError::NoParts)
    );
    let evil = StoredMessage::Sip(b(b"SIP/2.0 200 OK\r\n\r\n--boundary42--\r\n"));
    assert_eq!(
        encapsulate_session("boundary42", &[evil], DATE_2005),
        Err(BuildError::BoundaryInPart { part: Some(0) })
    );
}

#[test]
fn seed004_example2_msrp_session() {
    // REQ: DEF-2
    let stored = [
        StoredMessage::Sip(fixture!("seed004_h2_stored_invite.mime")),
        StoredMessage::Sip(fixture!("seed004_h2_stored_200.mime")),
        StoredMessage::Msrp(fixture!("seed004_h2_stored_send.mime")),
        StoredMessage::Sip(fixture!("seed004_h2_stored_bye.mime")),
    ];
    let (ct, body) = encapsulate_session("boundary42", &stored, DATE_2005).unwrap();
    assert_eq!(&ct[..], b"multipart/mixed; boundary=\"boundary42\"");
    let ct = ContentType::parse(&ct).unwrap();
    let ours = Multipart::parse(&ct, &body).unwrap();
    let seed = split(&fixture!("seed004_h2_multipart.mime"), b"boundary42").unwrap();
    assert_eq!(ours.parts.len(), 4);
    assert_eq!(seed.parts.len(), 4);
    for ((o, s), st) in ours.parts.iter().zip(&seed.parts).zip(&stored) {
        let (want_type, raw) = match st {
            StoredMessage::Sip(raw) => ("sip", raw),
            StoredMessage::Msrp(raw) => ("msrp", raw),
        };
        assert!(ct_of(o).is("message", want_type));
        assert!(ct_of(s).is("message", want_type));
        assert_eq!(without_date(&o.body), &raw[..]);
        assert_eq!(without_date(&s.body), &raw[..]);
        let date_line = b"Date: Thu, 21 Feb 2005 13:02:03 GMT\r\n";
        assert!(o.body.windows(date_line.len()).any(|w| w == date_line));
    }
    // The MSRP part: Date after To-Path/From-Path/Message-ID, before Content-Type, as the seed.
    assert_eq!(ours.parts[2].body, seed.parts[2].body);
    // SIP parts: Date right after the start line.
    assert!(ours.parts[0].body.starts_with(
        b"INVITE sip:imserver.com SIP/2.0\r\nDate: Thu, 21 Feb 2005 13:02:03 GMT\r\nTo:"
    ));
}

#[test]
fn msrp_without_body_gets_date_before_end_line() {
    let send = b(b"MSRP a1 SEND\r\nTo-Path: msrp://a/1;tcp\r\nFrom-Path: msrp://b/2;tcp\r\nMessage-ID: 9\r\n-------a1$\r\n");
    let (_, body) = encapsulate_session("z", &[StoredMessage::Msrp(send)], DATE_2005).unwrap();
    let m = split(&body, b"z").unwrap();
    assert_eq!(
        &m.parts[0].body[..],
        b"MSRP a1 SEND\r\nTo-Path: msrp://a/1;tcp\r\nFrom-Path: msrp://b/2;tcp\r\nMessage-ID: 9\r\n\
Date: Thu, 21 Feb 2005 13:02:03 GMT\r\n-------a1$\r\n"
    );
}
