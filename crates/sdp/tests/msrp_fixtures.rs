//! MSRP offers and answers of RFC 4975 (see `tests/data/sdp/README.md`), parsed field by
//! field (REQ: SDP-1).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::too_many_arguments,
    reason = "test code fails the test by panicking and prints its table"
)]

mod common;

use bytes::Bytes;
use simpleim_sdp::{Attribute, ErrorKind, SessionDescription};

fn parse(name: &str) -> (Bytes, SessionDescription) {
    let data = Bytes::from(common::fixture(name));
    let sd = SessionDescription::parse(data.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(sd.warnings().is_empty(), "{name}");
    assert_eq!(sd.to_bytes(), data, "{name}: encode is not byte-exact");
    (data, sd)
}

/// Checks a complete RFC 4975 description with one `m=message <port> TCP/MSRP *` section.
fn check(
    name: &str,
    user: &str,
    id: u64,
    version: u64,
    host: &str,
    port: u16,
    types: &str,
    path: &str,
) {
    let (_, sd) = parse(name);
    assert_eq!(sd.version().unwrap(), 0);
    let o = sd.origin().unwrap();
    assert_eq!(
        (
            o.username,
            o.session_id,
            o.session_version,
            o.net_type,
            o.addr_type,
            o.unicast_address
        ),
        (user, id, version, "IN", "IP4", host),
        "{name}"
    );
    assert_eq!(sd.session_name(), Some(" -"), "{name}");
    let c = sd.connection().unwrap().unwrap();
    assert_eq!(
        (c.net_type, c.addr_type, c.address, c.ttl, c.count),
        ("IN", "IP4", host, None, None)
    );
    let t: Vec<_> = sd.timings().map(Result::unwrap).collect();
    assert_eq!(t.len(), 1);
    assert_eq!((t[0].start, t[0].stop), (0, 0));
    assert_eq!(sd.attributes().count(), 0);
    assert_eq!(sd.media().len(), 1);
    let m = &sd.media()[0];
    let media = m.media().unwrap();
    assert_eq!(
        (
            media.media,
            media.port,
            media.port_count,
            media.proto,
            media.formats
        ),
        ("message", port, None, "TCP/MSRP", "*"),
        "{name}"
    );
    assert_eq!(media.fmts().collect::<Vec<_>>(), ["*"]);
    let attrs: Vec<Attribute<'_>> = m.attributes().collect();
    assert_eq!(
        attrs,
        [
            Attribute {
                name: "accept-types",
                value: Some(types)
            },
            Attribute {
                name: "path",
                value: Some(path)
            },
        ],
        "{name}"
    );
    assert_eq!(m.attribute("path").unwrap().value, Some(path));
    assert!(m.connection().is_none());
}

// REQ: SDP-1
#[test]
fn rfc4975_complete_descriptions() {
    check(
        "rfc4975-l1612-fig7-path.sdp",
        "alice",
        2_890_844_526,
        2_890_844_527,
        "alice.example.com",
        7394,
        "text/plain",
        "msrp://alice.example.com:7394/2s93i9ek2a;tcp",
    );
    check(
        "rfc4975-l1857-fig9-endpoint-a.sdp",
        "usera",
        2_890_844_526,
        2_890_844_527,
        "alice.example.com",
        7394,
        " message/cpim text/plain text/html",
        "msrp://alice.example.com:7394/2s93i93idj;tcp",
    );
    check(
        "rfc4975-l1870-fig10-endpoint-b.sdp",
        "userb",
        2_890_844_530,
        2_890_844_532,
        "bob.example.com",
        8493,
        "message/cpim text/plain",
        "msrp://bob.example.com:8493/si438dsaodes;tcp",
    );
    check(
        "rfc4975-l2224-alice-offer.sdp",
        "alice",
        2_890_844_557,
        2_890_844_559,
        "alicepc.example.com",
        7777,
        "text/plain",
        "msrp://alicepc.example.com:7777/iau39soe2843z;tcp",
    );
    check(
        "rfc4975-l2245-bob-answer.sdp",
        "bob",
        2_890_844_612,
        2_890_844_616,
        "bob.example.com",
        8888,
        "text/plain",
        "msrp://bob.example.com:8888/9di4eae923wzd;tcp",
    );
}

/// Completes a fragment (`c=`, `m=`, `a=` lines) into a description.
fn complete(fragment: &[u8], host: &str) -> Bytes {
    let text = std::str::from_utf8(fragment).unwrap();
    let (c, rest) = text.split_once("\r\n").unwrap();
    Bytes::from(format!(
        "v=0\r\no=- 0 0 IN IP4 {host}\r\ns=-\r\n{c}\r\nt=0 0\r\n{rest}"
    ))
}

// REQ: SDP-1
#[test]
fn rfc4975_fragments() {
    for (name, host, port, proto, path, extra) in [
        (
            "rfc4975-l349-alice-fragment.sdp",
            "atlanta.example.com",
            7654,
            "TCP/MSRP",
            "msrp://atlanta.example.com:7654/jshA7weztas;tcp",
            None,
        ),
        (
            "rfc4975-l362-bob-fragment.sdp",
            "biloxi.example.com",
            12763,
            "TCP/MSRP",
            "msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp",
            None,
        ),
        (
            "rfc4975-l2876-fig19-tls-fragment.sdp",
            "atlanta.example.com",
            7654,
            "TCP/TLS/MSRP",
            "msrps://atlanta.example.com:7654/jshA7weso3ks;tcp",
            Some("SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB"),
        ),
    ] {
        let fragment = common::fixture(name);
        // A fragment is not a description: no `v=` first.
        let err = SessionDescription::parse(Bytes::from(fragment.clone())).unwrap_err();
        assert_eq!(
            (err.kind, err.line, err.offset),
            (ErrorKind::Order, 1, 0),
            "{name}"
        );

        let data = complete(&fragment, host);
        let sd = SessionDescription::parse(data.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sd.to_bytes(), data);
        assert_eq!(sd.connection().unwrap().unwrap().address, host);
        assert_eq!(sd.origin().unwrap().username, "-");
        let m = &sd.media()[0];
        let media = m.media().unwrap();
        assert_eq!(
            (media.media, media.port, media.proto, media.formats),
            ("message", port, proto, "*")
        );
        assert_eq!(
            m.attribute("accept-types").unwrap().value,
            Some("text/plain")
        );
        assert_eq!(m.attribute("path").unwrap().value, Some(path));
        assert_eq!(
            m.attribute("fingerprint").and_then(|a| a.value),
            extra,
            "{name}"
        );
    }
}
