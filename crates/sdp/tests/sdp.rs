//! The RFC 8866 model (REQ: SDP-1): located errors, strict and lenient parsing, limits, typed
//! views of every line type, the builder, mutations, and property tests (round trip, no panic).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails the test by panicking"
)]

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use simpleim_sdp::{
    Bandwidth, Connection, ErrorKind, Media, MediaBuilder, Origin, ParseOptions,
    SessionDescription, Timing, WarningKind,
};

const OFFER: &str = "v=0\r\n\
o=alice 2890844526 2890844527 IN IP4 alice.example.com\r\n\
s= -\r\n\
c=IN IP4 alice.example.com\r\n\
t=0 0\r\n\
m=message 7394 TCP/MSRP *\r\n\
a=accept-types:text/plain\r\n\
a=path:msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\n";

fn strict(text: &str) -> Result<SessionDescription, simpleim_sdp::ParseError> {
    SessionDescription::parse(Bytes::copy_from_slice(text.as_bytes()))
}

fn lenient(text: &str) -> SessionDescription {
    let sd = SessionDescription::parse_with(
        Bytes::copy_from_slice(text.as_bytes()),
        &ParseOptions::lenient(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sd.to_bytes(), text.as_bytes(), "lenient round trip");
    sd
}

/// `(kind, line, offset)` of the strict error, and the text at the offset.
fn error_at(text: &str) -> (ErrorKind, usize, usize, &str) {
    let e = strict(text).unwrap_err();
    (e.kind, e.line, e.offset, &text[e.offset.min(text.len())..])
}

// REQ: SDP-1
#[test]
fn located_errors() {
    // A line without `=` after its type letter.
    let (kind, line, _, at) =
        error_at("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm =audio 1 RTP/AVP 0\r\n");
    assert_eq!((kind, line), (ErrorKind::Line, 5));
    assert!(at.starts_with("m =audio"));
    // A CR without LF.
    let (kind, line, offset, _) = error_at("v=0\r\no=- 1 1 IN IP4 h\rs=-\r\n");
    assert_eq!((kind, line, offset), (ErrorKind::LineEnding, 2, 21));
    // A NUL inside a value.
    let (kind, line, offset, _) = error_at("v=0\r\ns=a\0b\r\n");
    assert_eq!((kind, line, offset), (ErrorKind::LineEnding, 2, 8));
    // A non-numeric sess-id: the offset is that of the field.
    let (kind, line, _, at) = error_at("v=0\r\no=- 12x4 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n");
    assert_eq!((kind, line), (ErrorKind::Number, 2));
    assert!(at.starts_with("x4 1 IN"));
    // sess-version beyond u64.
    let (kind, line, _, at) =
        error_at("v=0\r\no=- 1 99999999999999999999 IN IP4 h\r\ns=-\r\nt=0 0\r\n");
    assert_eq!((kind, line), (ErrorKind::Number, 2));
    assert!(at.starts_with("99999"));
    // A missing field.
    let (kind, line, _, _) = error_at("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n");
    assert_eq!((kind, line), (ErrorKind::Field, 2));
    // Version 1.
    let (kind, line, offset, _) = error_at("v=1\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n");
    assert_eq!((kind, line, offset), (ErrorKind::Version, 1, 2));
    // Not starting with `v=`.
    let (kind, line, offset, _) = error_at("o=- 1 1 IN IP4 h\r\nv=0\r\n");
    assert_eq!((kind, line, offset), (ErrorKind::Order, 1, 0));
    // `c=` before `s=`.
    let (kind, line, _, at) = error_at("v=0\r\no=- 1 1 IN IP4 h\r\nc=IN IP4 h\r\ns=-\r\nt=0 0\r\n");
    assert_eq!((kind, line), (ErrorKind::Order, 4));
    assert!(at.starts_with("s=-"));
    // Two `s=` lines.
    let (kind, line, _, _) = error_at("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\ns=-\r\nt=0 0\r\n");
    assert_eq!((kind, line), (ErrorKind::Order, 4));
    // `r=` not after `t=`.
    let (kind, line, _, _) = error_at("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nr=1 1 0\r\nt=0 0\r\n");
    assert_eq!((kind, line), (ErrorKind::Order, 4));
    // A session-level line type inside a media section.
    let (kind, line, _, _) =
        error_at("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nt=0 0\r\n");
    assert_eq!((kind, line), (ErrorKind::Order, 6));
    // `s=` missing: at the end of the input.
    let text = "v=0\r\no=- 1 1 IN IP4 h\r\nt=0 0\r\n";
    let (kind, _, offset, _) = error_at(text);
    assert_eq!((kind, offset), (ErrorKind::Order, text.len()));
    // `t=` missing (strict).
    let (kind, line, _, at) = error_at("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n");
    assert_eq!((kind, line), (ErrorKind::Order, 4));
    assert!(at.starts_with("m=audio"));
    // An unknown line type (RFC 8866 §5: ignore or reject the description).
    let (kind, line, _, _) = error_at("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nx=1\r\n");
    assert_eq!((kind, line), (ErrorKind::Line, 5));
    // A bad attribute name and a bad m= port.
    let (kind, line, _, _) = error_at("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\na=(x)\r\n");
    assert_eq!((kind, line), (ErrorKind::Attribute, 5));
    let (kind, line, _, at) =
        error_at("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n");
    assert_eq!((kind, line), (ErrorKind::Number, 5));
    assert!(at.starts_with("70000"));
    // Display carries the location.
    let e = strict("v=1\r\n").unwrap_err();
    assert_eq!(e.to_string(), "unsupported version at line 1, byte 2");
}

// REQ: SDP-1
#[test]
fn strict_versus_lenient() {
    // LF line ends, trailing white space, no `t=`, an empty line, `c=` out of order, an
    // unknown type, no final line end.
    let text = "v=0\no=- 1 2 IN IP4 h \ns=x \nc=IN IP4 h\ni=info\nx=unknown\n\nm=message 9 TCP/MSRP *\na=sendrecv\t\na=path:msrp://h:9/s;tcp";
    let e = strict(text).unwrap_err();
    assert_eq!((e.kind, e.line, e.offset), (ErrorKind::LineEnding, 1, 3));
    let sd = lenient(text);
    let kinds: Vec<_> = sd.warnings().iter().map(|w| (w.kind, w.line)).collect();
    assert_eq!(
        kinds,
        [
            (WarningKind::LfLineEnd, 1),
            (WarningKind::LfLineEnd, 2),
            (WarningKind::TrailingWhitespace, 2),
            (WarningKind::LfLineEnd, 3),
            (WarningKind::LfLineEnd, 4),
            (WarningKind::LfLineEnd, 5),
            (WarningKind::OutOfOrder, 5),
            (WarningKind::LfLineEnd, 6),
            (WarningKind::UnknownType, 6),
            (WarningKind::LfLineEnd, 7),
            (WarningKind::EmptyLine, 7),
            (WarningKind::LfLineEnd, 8),
            (WarningKind::LfLineEnd, 9),
            (WarningKind::TrailingWhitespace, 9),
            (WarningKind::NoFinalLineEnd, 10),
            (WarningKind::MissingTiming, 8),
        ]
    );
    // Offsets point into the input.
    let w = sd.warnings()[2];
    assert_eq!(&text[w.offset..w.offset + 2], " \n");
    // Trailing white space is out of structured values, kept in text ones.
    assert_eq!(sd.origin().unwrap().unicast_address, "h");
    assert_eq!(sd.session_name(), Some("x "));
    assert_eq!(sd.information(), Some("info"));
    assert_eq!(sd.lines().filter(|l| l.kind() == b'x').count(), 1);
    assert_eq!(sd.media()[0].attribute("sendrecv").unwrap().value, None);
    assert_eq!(sd.timings().count(), 0);

    // A malformed structured value is a warning in lenient mode, an error on access.
    let sd = lenient("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4\r\nt=0 0\r\n");
    assert_eq!(sd.warnings().len(), 1);
    assert!(matches!(
        sd.warnings()[0].kind,
        WarningKind::MalformedValue(ErrorKind::Field)
    ));
    let e = sd.connection().unwrap().unwrap_err();
    assert_eq!((e.kind, e.line), (ErrorKind::Field, 4));

    // Strict trailing white space on a structured line is a field error.
    let e = strict("v=0\r\no=- 1 1 IN IP4 h \r\ns=-\r\nt=0 0\r\n").unwrap_err();
    assert_eq!((e.kind, e.line), (ErrorKind::Field, 2));
    // Lenient parsing still needs `v=` first, `o=` and `s=`, and line syntax.
    for bad in [
        "",
        "o=- 1 1 IN IP4 h\n",
        "v=0\ns=-\n",
        "v=0\no=- 1 1 IN IP4 h\n",
        "v=0\nbad\n",
    ] {
        SessionDescription::parse_with(
            Bytes::copy_from_slice(bad.as_bytes()),
            &ParseOptions::lenient(),
        )
        .unwrap_err();
    }
    // A valid description has no warnings.
    assert!(strict(OFFER).unwrap().warnings().is_empty());
    assert!(lenient(OFFER).warnings().is_empty());
}

// REQ: SDP-1
#[test]
fn limits() {
    let opts = ParseOptions {
        max_bytes: 100,
        ..ParseOptions::strict()
    };
    let big = format!("{OFFER}a=x:{}\r\n", "y".repeat(100));
    let e = SessionDescription::parse_with(Bytes::from(big), &opts).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLarge);
    let opts = ParseOptions {
        max_lines: 7,
        ..ParseOptions::strict()
    };
    let e =
        SessionDescription::parse_with(Bytes::from_static(OFFER.as_bytes()), &opts).unwrap_err();
    assert_eq!((e.kind, e.line), (ErrorKind::TooLarge, 8));
    let opts = ParseOptions {
        max_media: 1,
        ..ParseOptions::strict()
    };
    let two = format!("{OFFER}m=audio 9 RTP/AVP 0\r\n");
    let e = SessionDescription::parse_with(Bytes::from(two), &opts).unwrap_err();
    assert_eq!((e.kind, e.line), (ErrorKind::TooLarge, 9));
    // Defaults.
    let d = ParseOptions::default();
    assert_eq!(
        (d.lenient, d.max_bytes, d.max_lines, d.max_media),
        (false, 65_536, 2048, 64)
    );
}

// REQ: SDP-1
#[test]
fn typed_views_of_every_line_type() {
    let text = "v=0\r\n\
o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n\
s=Call to John Smith\r\n\
i=SDP Offer #1\r\n\
u=http://www.jdoe.example.com/home.html\r\n\
e=Jane Doe <jane@jdoe.example.com>\r\n\
p=+1 617 555-6011\r\n\
c=IN IP4 233.252.0.1/127/3\r\n\
b=CT:128\r\n\
t=3724394400 3724398000\r\n\
r=7d 1h 0 25h\r\n\
t=0 0\r\n\
z=2882844526 -1h 2898848070 0\r\n\
k=clear:secret:key\r\n\
a=recvonly\r\n\
m=audio 49170/2 RTP/AVP 0 8\r\n\
i=voice\r\n\
c=IN IP6 ff1e:db8::1/3\r\n\
c=IN IP4 192.0.2.1\r\n\
b=AS:64\r\n\
k=prompt\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=x-empty:\r\n\
m=video 0 UDP/TLS/RTP/SAVPF 99\r\n";
    let sd = strict(text).unwrap();
    assert_eq!(sd.to_bytes(), text.as_bytes());
    assert_eq!(sd.version().unwrap(), 0);
    assert_eq!(
        sd.origin().unwrap(),
        Origin {
            username: "jdoe",
            session_id: 3_724_394_400,
            session_version: 3_724_394_405,
            net_type: "IN",
            addr_type: "IP4",
            unicast_address: "198.51.100.1",
        }
    );
    assert_eq!(sd.session_name(), Some("Call to John Smith"));
    assert_eq!(sd.information(), Some("SDP Offer #1"));
    assert_eq!(sd.uri(), Some("http://www.jdoe.example.com/home.html"));
    assert_eq!(
        sd.emails().collect::<Vec<_>>(),
        ["Jane Doe <jane@jdoe.example.com>"]
    );
    assert_eq!(sd.phones().collect::<Vec<_>>(), ["+1 617 555-6011"]);
    assert_eq!(
        sd.connection().unwrap().unwrap(),
        Connection {
            net_type: "IN",
            addr_type: "IP4",
            address: "233.252.0.1",
            ttl: Some(127),
            count: Some(3),
        }
    );
    assert_eq!(
        sd.bandwidths().next().unwrap().unwrap(),
        Bandwidth {
            bw_type: "CT",
            bandwidth: 128
        }
    );
    let t: Vec<_> = sd.timings().map(Result::unwrap).collect();
    assert_eq!(
        t,
        [
            Timing {
                start: 3_724_394_400,
                stop: 3_724_398_000
            },
            Timing { start: 0, stop: 0 }
        ]
    );
    let r = sd.repeats().next().unwrap().unwrap();
    assert_eq!(
        (r.interval, r.duration, r.offsets.as_slice()),
        (604_800, 3600, &[0, 90_000][..])
    );
    let z = sd.time_zones().unwrap().unwrap();
    assert_eq!(
        (z[0].adjustment, z[0].offset, z[1].adjustment, z[1].offset),
        (2_882_844_526, -3600, 2_898_848_070, 0)
    );
    let k = sd.key().unwrap().unwrap();
    assert_eq!((k.method, k.key), ("clear", Some("secret:key")));
    assert_eq!(sd.attribute("recvonly").unwrap().value, None);
    assert_eq!(sd.media().len(), 2);

    let audio = &sd.media()[0];
    assert_eq!(
        audio.media().unwrap(),
        Media {
            media: "audio",
            port: 49170,
            port_count: Some(2),
            proto: "RTP/AVP",
            formats: "0 8"
        }
    );
    assert_eq!(
        audio.media().unwrap().fmts().collect::<Vec<_>>(),
        ["0", "8"]
    );
    assert_eq!(audio.information(), Some("voice"));
    let c: Vec<_> = audio.connections().map(Result::unwrap).collect();
    assert_eq!(
        (c[0].addr_type, c[0].address, c[0].ttl, c[0].count),
        ("IP6", "ff1e:db8::1", None, Some(3))
    );
    assert_eq!((c[1].address, c[1].ttl), ("192.0.2.1", None));
    assert_eq!(audio.bandwidths().next().unwrap().unwrap().bandwidth, 64);
    assert_eq!(audio.key().unwrap().unwrap().key, None);
    let rtpmap: Vec<_> = audio
        .attributes_named("rtpmap")
        .filter_map(|a| a.value)
        .collect();
    assert_eq!(rtpmap, ["0 PCMU/8000", "8 PCMA/8000"]);
    assert_eq!(audio.attribute("x-empty").unwrap().value, Some(""));
    assert!(audio.attribute("rtpmap:0").is_none());
    assert_eq!(audio.lines().next().unwrap().kind(), b'm');
    assert_eq!(audio.lines().nth(1).unwrap().raw(), b"i=voice\r\n");
    assert_eq!(audio.lines().nth(1).unwrap().value(), b"voice");
    let video = sd.media()[1].media().unwrap();
    assert_eq!(
        (video.port, video.proto, video.formats),
        (0, "UDP/TLS/RTP/SAVPF", "99")
    );
}

fn msrp_offer() -> SessionDescription {
    SessionDescription::builder()
        .origin(&Origin {
            username: "alice",
            session_id: 2_890_844_526,
            session_version: 2_890_844_527,
            net_type: "IN",
            addr_type: "IP4",
            unicast_address: "alice.example.com",
        })
        .session_name(" -")
        .connection(&Connection {
            net_type: "IN",
            addr_type: "IP4",
            address: "alice.example.com",
            ttl: None,
            count: None,
        })
        .timing(Timing { start: 0, stop: 0 })
        .media(
            MediaBuilder::new(&Media {
                media: "message",
                port: 7394,
                port_count: None,
                proto: "TCP/MSRP",
                formats: "*",
            })
            .attribute("accept-types", Some("text/plain"))
            .attribute("path", Some("msrp://alice.example.com:7394/2s93i9ek2a;tcp")),
        )
        .build()
        .unwrap()
}

// REQ: SDP-1
#[test]
fn builder_writes_the_rfc4975_offer() {
    let sd = msrp_offer();
    assert_eq!(sd.to_bytes(), OFFER.as_bytes());
    assert_eq!(sd, strict(OFFER).unwrap());
    let mut out = BytesMut::from(&b"prefix"[..]);
    sd.encode(&mut out);
    assert_eq!(&out[6..], OFFER.as_bytes());

    // A value that breaks the grammar is refused by build().
    let e = SessionDescription::builder().build().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Field);
    let e = SessionDescription::builder()
        .origin(&Origin {
            username: "a b",
            ..strict(OFFER).unwrap().origin().unwrap()
        })
        .build()
        .unwrap_err();
    assert_eq!((e.kind, e.line), (ErrorKind::Number, 2));
    let e = MediaBuilder::new(&Media {
        media: "message",
        port: 9,
        port_count: None,
        proto: "TCP/MSRP",
        formats: "*",
    })
    .attribute("path", Some("a\r\nb"))
    .build()
    .unwrap_err();
    // The CR LF inside the value ends the line: the rest (`b`) is a malformed line 3.
    assert_eq!((e.kind, e.line), (ErrorKind::Line, 3));

    // A section built alone joins a parsed description.
    let mut sd = strict(OFFER).unwrap();
    let m = MediaBuilder::new(&Media {
        media: "message",
        port: 9,
        port_count: None,
        proto: "TCP/TLS/MSRP",
        formats: "*",
    })
    .connection(&Connection {
        net_type: "IN",
        addr_type: "IP6",
        address: "2001:db8::1",
        ttl: None,
        count: None,
    })
    .bandwidth(&Bandwidth {
        bw_type: "AS",
        bandwidth: 10,
    })
    .information("chat")
    .attribute("setup", Some("active"))
    .build()
    .unwrap();
    sd.push_media(m);
    let text = sd.to_bytes();
    assert!(text.ends_with(b"m=message 9 TCP/TLS/MSRP *\r\ni=chat\r\nc=IN IP6 2001:db8::1\r\nb=AS:10\r\na=setup:active\r\n"));
    assert_eq!(SessionDescription::parse(text).unwrap(), sd);
    assert!(sd.remove_media(1).is_some());
    assert!(sd.remove_media(1).is_none());
    assert_eq!(sd.to_bytes(), OFFER.as_bytes());
}

// REQ: SDP-1
#[test]
fn mutations_keep_untouched_lines_byte_exact() {
    // Unusual but legal spellings elsewhere must survive.
    let text =
        format!("{OFFER}a=x-unknown:keep  this\r\nm=audio 49170 RTP/AVP 0\r\na=sendrecv\r\n");
    let mut sd = strict(&text).unwrap();
    // Reject the MSRP line, replace and add attributes, bump the version.
    sd.media_mut()[0].set_port(0).unwrap();
    sd.media_mut()[0]
        .set_attribute("accept-types", Some("message/cpim"))
        .unwrap();
    sd.media_mut()[0]
        .add_attribute("setup", Some("passive"))
        .unwrap();
    assert_eq!(sd.media_mut()[1].remove_attributes("sendrecv"), 1);
    sd.media_mut()[1].add_attribute("inactive", None).unwrap();
    assert_eq!(sd.bump_version().unwrap(), 2_890_844_528);
    let expected = "v=0\r\n\
o=alice 2890844526 2890844528 IN IP4 alice.example.com\r\n\
s= -\r\n\
c=IN IP4 alice.example.com\r\n\
t=0 0\r\n\
m=message 0 TCP/MSRP *\r\n\
a=accept-types:message/cpim\r\n\
a=path:msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\n\
a=x-unknown:keep  this\r\n\
a=setup:passive\r\n\
m=audio 49170 RTP/AVP 0\r\n\
a=inactive\r\n";
    assert_eq!(std::str::from_utf8(&sd.to_bytes()).unwrap(), expected);
    assert_eq!(SessionDescription::parse(sd.to_bytes()).unwrap(), sd);

    // set_attribute removes later duplicates and appends when absent; session level too.
    let mut sd = strict(&format!("{OFFER}a=path:second\r\n")).unwrap();
    sd.media_mut()[0]
        .set_attribute("path", Some("only"))
        .unwrap();
    assert_eq!(sd.media()[0].attributes_named("path").count(), 1);
    sd.set_attribute("group", Some("BUNDLE 0")).unwrap();
    sd.add_attribute("ice-lite", None).unwrap();
    assert_eq!(sd.attributes().count(), 2);
    assert_eq!(sd.remove_attributes("ice-lite"), 1);
    assert!(SessionDescription::parse(sd.to_bytes()).is_ok());
    // Bad names and values are refused.
    assert_eq!(
        sd.add_attribute("a b", None).unwrap_err().kind,
        ErrorKind::Attribute
    );
    assert_eq!(
        sd.set_attribute("x", Some("1\r\nm=evil")).unwrap_err().kind,
        ErrorKind::Attribute
    );

    // LF-only input: new lines use LF, the rest stays as it was.
    let lf = OFFER.replace("\r\n", "\n");
    let mut sd = lenient(&lf);
    sd.media_mut()[0].set_port(7000).unwrap();
    sd.media_mut()[0].add_attribute("sendonly", None).unwrap();
    assert_eq!(
        std::str::from_utf8(&sd.to_bytes()).unwrap(),
        lf.replace("7394 TCP", "7000 TCP") + "a=sendonly\n"
    );
    // No final line end: a line added after it is separated.
    let mut sd = lenient(OFFER.trim_end());
    sd.media_mut()[0].add_attribute("sendonly", None).unwrap();
    assert_eq!(
        std::str::from_utf8(&sd.to_bytes()).unwrap(),
        format!("{OFFER}a=sendonly\r\n")
    );
}

// ---- property tests ----

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.+_-]{0,11}"
}

fn text() -> impl Strategy<Value = String> {
    "[ -~]{1,30}"
}

#[derive(Debug, Clone)]
struct MediaSpec {
    media: String,
    port: u16,
    count: Option<u32>,
    proto: String,
    formats: Vec<String>,
    attrs: Vec<(String, Option<String>)>,
}

fn media_spec() -> impl Strategy<Value = MediaSpec> {
    (
        prop_oneof![
            Just("message".to_owned()),
            Just("audio".to_owned()),
            token()
        ],
        any::<u16>(),
        proptest::option::of(1u32..100),
        prop_oneof![
            Just("TCP/MSRP".to_owned()),
            Just("TCP/TLS/MSRP".to_owned()),
            Just("UDP/TLS/RTP/SAVPF".to_owned()),
            "[A-Z]{1,4}(/[A-Z]{1,4}){0,3}"
        ],
        prop::collection::vec(
            prop_oneof![Just("*".to_owned()), "[0-9]{1,3}", token()],
            1..4,
        ),
        prop::collection::vec((token(), proptest::option::of("[ -~]{0,30}")), 0..5),
    )
        .prop_map(|(media, port, count, proto, formats, attrs)| MediaSpec {
            media,
            port,
            count,
            proto,
            formats,
            attrs,
        })
}

// REQ: SDP-1
proptest! {
    #[test]
    fn build_encode_parse_round_trip(
        user in prop_oneof![Just("-".to_owned()), token()],
        id in any::<u64>(),
        version in any::<u64>(),
        host in prop_oneof![Just("2001:db8::1".to_owned()), Just("192.0.2.1".to_owned()), token()],
        name in text(),
        ttl in proptest::option::of(0u32..256),
        start in any::<u64>(),
        stop in any::<u64>(),
        session_attrs in prop::collection::vec((token(), proptest::option::of("[ -~]{0,20}")), 0..3),
        media in prop::collection::vec(media_spec(), 0..4),
    ) {
        let origin = Origin { username: &user, session_id: id, session_version: version, net_type: "IN", addr_type: "IP4", unicast_address: &host };
        let conn = Connection { net_type: "IN", addr_type: "IP4", address: &host, ttl, count: None };
        let mut b = SessionDescription::builder().origin(&origin).session_name(&name).connection(&conn).timing(Timing { start, stop });
        for (n, v) in &session_attrs {
            b = b.attribute(n, v.as_deref());
        }
        for m in &media {
            let formats = m.formats.join(" ");
            let mut mb = MediaBuilder::new(&Media { media: &m.media, port: m.port, port_count: m.count, proto: &m.proto, formats: &formats });
            for (n, v) in &m.attrs {
                mb = mb.attribute(n, v.as_deref());
            }
            b = b.media(mb);
        }
        let built = b.build().unwrap();
        let encoded = built.to_bytes();
        let parsed = SessionDescription::parse(encoded.clone()).unwrap();
        prop_assert_eq!(&parsed, &built);
        prop_assert_eq!(parsed.to_bytes(), encoded.clone());
        prop_assert_eq!(parsed.origin().unwrap(), origin);
        prop_assert_eq!(parsed.session_name(), Some(name.as_str()));
        prop_assert_eq!(parsed.connection().unwrap().unwrap(), conn);
        prop_assert_eq!(parsed.timings().next().unwrap().unwrap(), Timing { start, stop });
        let attrs: Vec<_> = parsed.attributes().map(|a| (a.name.to_owned(), a.value.map(str::to_owned))).collect();
        prop_assert_eq!(attrs, session_attrs);
        prop_assert_eq!(parsed.media().len(), media.len());
        for (p, m) in parsed.media().iter().zip(&media) {
            let pm = p.media().unwrap();
            prop_assert_eq!((pm.media, pm.port, pm.port_count, pm.proto), (m.media.as_str(), m.port, m.count, m.proto.as_str()));
            prop_assert_eq!(pm.fmts().collect::<Vec<_>>(), m.formats.iter().map(String::as_str).collect::<Vec<_>>());
            let attrs: Vec<_> = p.attributes().map(|a| (a.name.to_owned(), a.value.map(str::to_owned))).collect();
            prop_assert_eq!(&attrs, &m.attrs);
        }
        // Lenient parsing of a valid description agrees and warns about nothing.
        let lenient = SessionDescription::parse_with(encoded, &ParseOptions::lenient()).unwrap();
        prop_assert!(lenient.warnings().is_empty());
        prop_assert_eq!(lenient, parsed);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..512)) {
        for opts in [ParseOptions::strict(), ParseOptions::lenient()] {
            if let Ok(sd) = SessionDescription::parse_with(Bytes::from(data.clone()), &opts) {
                prop_assert_eq!(sd.to_bytes(), &data[..]);
                touch(&sd);
            } else if let Err(e) = SessionDescription::parse_with(Bytes::from(data.clone()), &opts) {
                prop_assert!(e.offset <= data.len().max(opts.max_bytes));
            }
        }
    }

    #[test]
    fn mutated_descriptions_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut data = format!("{OFFER}a=x:1\r\nm=audio 9/2 RTP/AVP 0\r\nc=IN IP4 224.2.1.1/127/3\r\nr=7d 1h 0 25h\r\n").into_bytes();
        for (at, byte) in edits {
            let i = at.index(data.len());
            data[i] = byte;
        }
        data.truncate(cut.index(data.len() + 1));
        for opts in [ParseOptions::strict(), ParseOptions::lenient()] {
            match SessionDescription::parse_with(Bytes::from(data.clone()), &opts) {
                Ok(mut sd) => {
                    prop_assert_eq!(sd.to_bytes(), &data[..]);
                    touch(&sd);
                    let _ = sd.bump_version();
                    for m in sd.media_mut() {
                        let _ = m.set_port(0);
                        let _ = m.set_attribute("x", Some("2"));
                    }
                    touch(&sd);
                }
                Err(e) => prop_assert!(e.line >= 1 && e.offset <= data.len()),
            }
        }
    }
}

/// Calls every accessor.
fn touch(sd: &SessionDescription) {
    let _ = (
        sd.version(),
        sd.origin(),
        sd.session_name(),
        sd.information(),
        sd.uri(),
        sd.key(),
        sd.time_zones(),
        sd.connection(),
    );
    let _ = (
        sd.emails().count(),
        sd.phones().count(),
        sd.timings().count(),
        sd.repeats().count(),
        sd.bandwidths().count(),
        sd.attributes().count(),
    );
    for m in sd.media() {
        let _ = (
            m.media(),
            m.information(),
            m.key(),
            m.connections().count(),
            m.bandwidths().count(),
            m.attributes().count(),
        );
    }
}

/// A part that is not UTF-8 throughout (a Latin-1 `i=` line) still yields its UTF-8 attributes;
/// an attribute whose value is not UTF-8 is kept as a line but not yielded (lenient) or is a
/// located error (strict). Lines share the description's buffer. REQ: SDP-1
#[test]
fn attributes_of_parts_that_are_not_utf8() {
    let mut text =
        b"v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=message 9 TCP/MSRP *\r\ni=caf\xe9\r\n"
            .to_vec();
    text.extend_from_slice(b"a=accept-types:text/plain\r\na=x:\xff\r\na=sendrecv\r\n");
    let err = SessionDescription::parse(Bytes::from(text.clone())).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Attribute);
    assert_eq!(err.line, 8);
    assert_eq!(
        err.offset,
        text.windows(2).position(|w| w == b":\xff").unwrap() + 1
    );

    let sd = SessionDescription::parse_with(Bytes::from(text), &ParseOptions::lenient()).unwrap();
    let m = &sd.media()[0];
    let names: Vec<_> = m.attributes().map(|a| (a.name, a.value)).collect();
    assert_eq!(
        names,
        [("accept-types", Some("text/plain")), ("sendrecv", None)]
    );
    assert_eq!(m.lines().len(), 5);
    let x = m.lines().nth(3).unwrap();
    assert_eq!(x.raw(), b"a=x:\xff\r\n");
    assert_eq!(x.number(), 8);
    assert_eq!(x.value_str(), None);
    assert_eq!(&x.to_bytes()[..], x.raw());
    assert_eq!(m.information(), None);
}
