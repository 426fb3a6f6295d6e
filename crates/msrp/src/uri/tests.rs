//! Tests of [`MsrpUri`]: the draft's examples, the parts, §6.1 comparison, building, limits
//! and properties.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;

fn uri(s: &'static str) -> MsrpUri {
    MsrpUri::parse(Bytes::from_static(s.as_bytes())).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Every MSRP URI in draft-ietf-simple-message-sessions-19 and draft-ietf-simple-msrp-relays-10.
const DRAFT_URIS: &[&str] = &[
    // draft-ietf-simple-message-sessions-19
    "msrp://host.example.com:8493/asfd34;tcp",
    "msrp://atlanta.example.com:7654/jshA7weztas;tcp",
    "msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp",
    "msrp://alice.example.com:7394/2s93i9ek2a;tcp",
    "msrp://alice.example.com:7394/2s93i93idj;tcp",
    "msrp://bob.example.com:8493/si438dsaodes;tcp",
    "msrp://alicepc.example.com:7777/iau39soe2843z;tcp",
    "msrp://bob.example.com:8888/9di4eae923wzd;tcp",
    "msrp://alice.example.com:7777/iau39soe2843z;tcp",
    "msrp://bobpc.example.com:8888/9di4eae923wzd;tcp",
    "msrp://alicepc.example.com:7654/iau39soe2843z;tcp",
    "msrp://alicepc.example.com:8888/9di4eae923wzd;tcp",
    "msrp://example.com:7777/iau39soe2843z;tcp",
    "msrps://atlanta.example.com:7654/jshA7weso3ks;tcp",
    // draft-ietf-simple-msrp-relays-10
    "msrps://B.example.com/bbb;tcp",
    "msrps://Bob.example.com/bob;tcp",
    "msrps://A.example.com/aaa;tcp",
    "msrps://Alice.example.com/alice;tcp",
    "msrps://a.example.org:9000/kjfjan;tcp",
    "msrps://b.example.net:9000/aeiug;tcp",
    "msrps://bob.example.net:8145/foo;tcp",
    "msrps://alice.example.org:7965/bar;tcp",
    "msrps://R1;tcp",
    "msrps://R2;tcp",
    "msrps://alice@intra.example.com;tcp",
    "msrps://alice.example.com:9892/98cjs;tcp",
    "msrps://intra.example.com:9000/jui787s2f;tcp",
    "msrps://extra.example.com;tcp",
    "msrps://extra.example.com:9000/mywdEe1233;tcp",
    "msrp://a.example.com:1234/agic456;tcp",
    "msrps://relay.example.com:9000/hjdhfha;tcp",
    "msrps://bob.example.com:1234/fuige;tcp",
];

// REQ: MSRP-3 — every URI of the drafts parses and displays byte-exact.
#[test]
fn draft_examples() {
    for &s in DRAFT_URIS {
        let u = uri(s);
        assert_eq!(u.to_string(), s);
        assert_eq!(u.as_str(), s);
        assert_eq!(u.as_bytes(), s.as_bytes());
        assert_eq!(u.transport(), "tcp");
        assert_eq!(u.params().count(), 0);
        assert!(u.matches(&u));
    }
}

// REQ: MSRP-3 — the parts of a URI.
#[test]
fn parts() {
    let u = uri("msrp://atlanta.example.com:7654/jshA7weztas;tcp");
    assert_eq!(u.scheme(), Scheme::Msrp);
    assert!(!u.is_secure());
    assert_eq!(u.userinfo(), None);
    assert_eq!(u.host(), Host::Name("atlanta.example.com"));
    assert_eq!(u.port(), Some(7654));
    assert_eq!(u.authority(), "atlanta.example.com:7654");
    assert_eq!(u.session_id(), Some("jshA7weztas"));
    assert_eq!(u.transport(), "tcp");

    let u = uri("msrps://alice@intra.example.com;tcp");
    assert_eq!(u.scheme(), Scheme::Msrps);
    assert!(u.is_secure());
    assert_eq!(u.userinfo(), Some("alice"));
    assert_eq!(u.host(), Host::Name("intra.example.com"));
    assert_eq!(u.authority(), "alice@intra.example.com");
    assert_eq!((u.port(), u.session_id()), (None, None));

    // RFC 4975 (final) allows `/` in the session-id, and `+`, `=`, unreserved.
    let u = uri("msrp://h.example.com:1/a/b+c=d~e_f.g-h;tcp");
    assert_eq!(u.session_id(), Some("a/b+c=d~e_f.g-h"));
    // Percent-escapes in userinfo and names are kept as written.
    let u = uri("msrp://al%69ce;x=y@h%2Eexample.com:1/s;tcp");
    assert_eq!(u.userinfo(), Some("al%69ce;x=y"));
    assert_eq!(u.host(), Host::Name("h%2Eexample.com"));
    // Other transports (RFC 7977 WebSocket).
    let u = uri("msrp://df7jal23ls0d.invalid/98s5df;ws");
    assert_eq!((u.transport(), u.port()), ("ws", None));
    assert_eq!(u.host(), Host::Name("df7jal23ls0d.invalid"));
}

// REQ: MSRP-3 — the scheme and transport in any case.
#[test]
fn case_insensitive_scheme() {
    for (s, scheme) in [
        ("MSRP://h:1/s;tcp", Scheme::Msrp),
        ("MsRp://h:1/s;TCP", Scheme::Msrp),
        ("MSRPS://h:1/s;tcp", Scheme::Msrps),
        ("msrpS://h:1/s;Tcp", Scheme::Msrps),
    ] {
        let u = MsrpUri::parse_str(s).unwrap();
        assert_eq!(u.scheme(), scheme, "{s}");
        assert_eq!(u.to_string(), s);
    }
    assert_eq!(Scheme::Msrps.to_string(), "msrps");
    assert_eq!(Scheme::Msrp.as_str(), "msrp");
}

// REQ: MSRP-3 — IP literals: IPv4 by first-match-wins, IPv6 in brackets.
#[test]
fn ip_hosts() {
    let u = uri("msrp://192.0.2.1:7654/x;tcp");
    assert_eq!(u.host(), Host::V4(Ipv4Addr::new(192, 0, 2, 1)));
    // Not `IPv4address` (RFC 3986 `dec-octet` has no leading zeros, no value over 255):
    // these are registered names.
    assert_eq!(
        uri("msrp://256.1.1.1:1/x;tcp").host(),
        Host::Name("256.1.1.1")
    );
    assert_eq!(
        uri("msrp://01.2.3.4:1/x;tcp").host(),
        Host::Name("01.2.3.4")
    );

    let u = uri("msrp://[2001:db8::1]:2855/abc;tcp");
    assert_eq!(
        u.host(),
        Host::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))
    );
    assert_eq!(u.authority(), "[2001:db8::1]:2855");
    // Written as sent, not canonicalized.
    let u = uri("MSRP://[2001:DB8:0:0:0:0:0:1]:2855/abc;tcp");
    assert_eq!(u.to_string(), "MSRP://[2001:DB8:0:0:0:0:0:1]:2855/abc;tcp");
    assert_eq!(u.host().to_string(), "[2001:db8::1]");
    let u = uri("msrp://alice@[::ffff:192.0.2.1]:9/abc;tcp");
    assert!(matches!(u.host(), Host::V6(a) if a.to_ipv4_mapped().is_some()));
    assert_eq!(u.userinfo(), Some("alice"));
    assert_eq!(uri("msrp://[::1];tcp").port(), None);
}

// REQ: MSRP-3 — URI parameters after the transport.
#[test]
fn params() {
    let u = uri("msrp://h:1/s;tcp;foo=bar;Baz;q=%41");
    let all: Vec<_> = u.params().collect();
    assert_eq!(
        all,
        [("foo", Some("bar")), ("Baz", None), ("q", Some("%41"))]
    );
    assert_eq!(u.param("FOO"), Some(Some("bar")));
    assert_eq!(u.param("baz"), Some(None));
    assert_eq!(u.param("x"), None);
    assert_eq!(u.transport(), "tcp");
    assert_eq!(u.to_string(), "msrp://h:1/s;tcp;foo=bar;Baz;q=%41");
}

// REQ: MSRP-3 — RFC 4975 §6.1: URIs that designate the same session.
#[test]
fn matching_uris() {
    let pairs = [
        // Rule 1: scheme case-insensitively.
        (
            "MSRP://h.example.com:1/s;tcp",
            "msrp://h.example.com:1/s;tcp",
        ),
        // Rule 2: names case-insensitively, after percent-decoding unreserved characters.
        (
            "msrp://H.Example.COM:1/s;tcp",
            "msrp://h.example.com:1/s;tcp",
        ),
        (
            "msrp://h.ex%61mple.com:1/s;tcp",
            "msrp://h.example.com:1/s;tcp",
        ),
        (
            "msrp://h%2Eexample.com:1/s;tcp",
            "msrp://h.example.com:1/s;tcp",
        ),
        // Rule 2: IP addresses as addresses.
        (
            "msrp://[2001:db8::1]:1/s;tcp",
            "msrp://[2001:DB8:0:0::0:1]:1/s;tcp",
        ),
        ("msrp://192.0.2.1:1/s;tcp", "msrp://u@192.0.2.1:1/s;TCP"),
        // Rule 2: userinfo is not considered.
        ("msrp://alice@h:1/s;tcp", "msrp://h:1/s;tcp"),
        ("msrp://alice@h:1/s;tcp", "msrp://bob@h:1/s;tcp"),
        // Rule 3: ports as numbers.
        ("msrp://h:0080/s;tcp", "msrp://h:80/s;tcp"),
        // Rule 4: both without a session-id.
        (
            "msrps://relay.example.com;tcp",
            "msrps://RELAY.example.com;tcp",
        ),
        // Rule 5: transport case-insensitively.
        ("msrp://h:1/s;TCP", "msrp://h:1/s;tcp"),
        // Parameters other than the transport are not among the rules.
        ("msrp://h:1/s;tcp;x=1", "msrp://h:1/s;tcp"),
        ("msrp://h:1/s;tcp;x=1", "msrp://h:1/s;tcp;x=2"),
    ];
    assert_pairs_match(&pairs, true);
}

/// Asserts that each pair matches (or not) both ways, and is never `==`.
fn assert_pairs_match(pairs: &[(&str, &str)], want: bool) {
    for &(a, b) in pairs {
        let (a, b) = (uri_of(a), uri_of(b));
        assert_eq!(a.matches(&b), want, "{a} ~ {b}");
        assert_eq!(b.matches(&a), want, "{b} ~ {a}");
        assert_ne!(a, b, "== is byte equality: {a} {b}");
    }
}

fn uri_of(s: &str) -> MsrpUri {
    MsrpUri::parse_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

// REQ: MSRP-3 — RFC 4975 §6.1: URIs that do not match.
#[test]
fn non_matching_uris() {
    let pairs = [
        // Rule 1.
        ("msrps://h:1/s;tcp", "msrp://h:1/s;tcp"),
        // Rule 2.
        (
            "msrp://h.example.com:1/s;tcp",
            "msrp://h.example.org:1/s;tcp",
        ),
        (
            "msrp://h.example.com:1/s;tcp",
            "msrp://h.example.com.:1/s;tcp",
        ),
        ("msrp://a%21:1/s;tcp", "msrp://a!:1/s;tcp"),
        ("msrp://192.0.2.1:1/s;tcp", "msrp://192.0.2.2:1/s;tcp"),
        ("msrp://[::1]:1/s;tcp", "msrp://[::2]:1/s;tcp"),
        (
            "msrp://192.0.2.1:1/s;tcp",
            "msrp://[::ffff:192.0.2.1]:1/s;tcp",
        ),
        ("msrp://127.0.0.1:1/s;tcp", "msrp://localhost:1/s;tcp"),
        // Rule 3: an explicit port never matches an absent one; no default port.
        ("msrp://h:2855/s;tcp", "msrp://h/s;tcp"),
        ("msrp://h:1/s;tcp", "msrp://h:2/s;tcp"),
        // Rule 4: session-ids case-sensitively; absent never matches present.
        ("msrp://h:1/abc;tcp", "msrp://h:1/ABC;tcp"),
        ("msrp://h:1/abc;tcp", "msrp://h:1;tcp"),
        ("msrp://h:1/abc;tcp", "msrp://h:1/abcd;tcp"),
        // Rule 5.
        ("msrp://h:1/s;tcp", "msrp://h:1/s;ws"),
    ];
    assert_pairs_match(&pairs, false);
}

// REQ: MSRP-3 — CEMA (RFC 6714): only the session-id is compared.
#[test]
fn cema_session_id_matching() {
    let local = uri("msrp://alicepc.example.com:7777/iau39soe2843z;tcp");
    let via_sbc = uri("msrps://sbc.example.net:2855/iau39soe2843z;TCP");
    assert!(local.session_id_matches(&via_sbc));
    assert!(!local.matches(&via_sbc));
    assert!(!local.session_id_matches(&uri("msrp://alicepc.example.com:7777/IAU39SOE2843Z;tcp")));
    let no_id = uri("msrp://alicepc.example.com:7777;tcp");
    assert!(!local.session_id_matches(&no_id));
    assert!(
        !no_id.session_id_matches(&no_id),
        "no session-id names no session"
    );
}

// REQ: MSRP-3 — equality, hashing and the other conversions.
#[test]
fn equality_and_conversions() {
    let a = uri("msrp://h:1/s;tcp");
    let set: HashSet<_> = [a.clone(), uri("msrp://h:1/s;tcp"), uri("MSRP://h:1/s;tcp")]
        .into_iter()
        .collect();
    assert_eq!(set.len(), 2);
    assert_eq!("msrp://h:1/s;tcp".parse::<MsrpUri>().unwrap(), a);
    assert_eq!(
        MsrpUri::try_from(Bytes::from_static(b"msrp://h:1/s;tcp")).unwrap(),
        a
    );
    assert_eq!(format!("{a:?}"), "MsrpUri(\"msrp://h:1/s;tcp\")");
    assert_eq!(a.raw(), &Bytes::from_static(b"msrp://h:1/s;tcp"));
}

// REQ: MSRP-3 — parsing slices the caller's buffer, never copies it.
#[test]
fn zero_copy() {
    let raw = Bytes::from(String::from(
        "msrp://bob.example.com:8888/9di4eae923wzd;tcp",
    ));
    let u = MsrpUri::parse(raw.clone()).unwrap();
    assert_eq!(u.as_bytes().as_ptr(), raw.as_ptr());
    let id = u.session_id_bytes().unwrap();
    assert_eq!(id.as_ptr(), raw[28..].as_ptr());
    assert_eq!(id, "9di4eae923wzd");
}

// REQ: MSRP-3 — building URIs.
#[test]
fn building() {
    let u = MsrpUri::new(
        Scheme::Msrps,
        Host::Name("alice.example.com"),
        Some(7394),
        Some("2s93i9ek2a"),
        "tcp",
    )
    .unwrap();
    assert_eq!(u.as_str(), "msrps://alice.example.com:7394/2s93i9ek2a;tcp");
    assert_eq!(u.port(), Some(7394));
    let v6 = Host::from(Ipv6Addr::LOCALHOST);
    let u = MsrpUri::new(Scheme::Msrp, v6, Some(2855), None, "tcp").unwrap();
    assert_eq!(u.as_str(), "msrp://[::1]:2855;tcp");
    assert_eq!(u.host(), v6);
    let v4 = Host::from(Ipv4Addr::new(192, 0, 2, 7));
    let u = MsrpUri::new(Scheme::Msrp, v4, Some(7), Some("s/1"), "ws").unwrap();
    assert_eq!(u.as_str(), "msrp://192.0.2.7:7/s/1;ws");
    let u = MsrpUri::new(
        Scheme::Msrp,
        Host::Name("relay.example.com"),
        None,
        None,
        "tcp",
    );
    assert_eq!(u.unwrap().as_str(), "msrp://relay.example.com;tcp");

    use UriErrorKind as K;
    let n = Host::Name;
    let cases = [
        // Nothing can smuggle in another part.
        (n("h;x"), Some(1), None, "tcp", (K::Host, 8)),
        (n("h/x"), Some(1), None, "tcp", (K::Host, 8)),
        (n("a@h"), Some(1), None, "tcp", (K::Host, 8)),
        (n("h:1"), Some(1), None, "tcp", (K::Host, 8)),
        (n("h%x"), Some(1), None, "tcp", (K::Escape, 8)),
        (n(""), Some(1), None, "tcp", (K::Host, 7)),
        (n("h"), Some(1), Some("a;b"), "tcp", (K::SessionId, 12)),
        (n("h"), Some(1), Some(""), "tcp", (K::SessionId, 11)),
        (n("h"), Some(1), Some("s"), "", (K::Transport, 13)),
        (n("h"), Some(1), Some("s"), "tcp;x", (K::Transport, 16)),
        // RFC 4975 §6: an IP address MUST come with a port.
        (v4, None, Some("s"), "tcp", (K::Port, 16)),
        (v6, None, Some("s"), "tcp", (K::Port, 12)),
    ];
    for (host, port, id, transport, want) in cases {
        let e = MsrpUri::new(Scheme::Msrp, host, port, id, transport).unwrap_err();
        assert_eq!(
            (e.kind, e.offset),
            want,
            "{host} {port:?} {id:?} {transport}"
        );
    }
}

// REQ: MSRP-3 — inputs over the length limit are refused before any parsing.
#[test]
fn length_limit() {
    let at_limit = format!("msrp://{};tcp", "a".repeat(MAX_URI_LEN - 11));
    assert_eq!(at_limit.len(), MAX_URI_LEN);
    assert!(MsrpUri::parse_str(&at_limit).is_ok());
    let over = format!("msrp://{};tcp", "a".repeat(MAX_URI_LEN - 10));
    let e = MsrpUri::parse_str(&over).unwrap_err();
    assert_eq!(e, UriError::new(UriErrorKind::TooLong, MAX_URI_LEN));
    let e = MsrpUri::parse(Bytes::from(over)).unwrap_err();
    assert_eq!(e, UriError::new(UriErrorKind::TooLong, MAX_URI_LEN));
    assert_eq!(e.status_hint(), 400);
    assert_eq!(e.to_string(), "URI longer than the limit at byte 4096");
}

/// A valid URI's text and the parts it was made of.
#[derive(Debug, Clone)]
struct Generated {
    text: String,
    userinfo: Option<String>,
    host: String,
    port: Option<u16>,
    session_id: Option<String>,
    transport: String,
    params: Vec<(String, Option<String>)>,
}

fn host_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "([a-zA-Z0-9._~!$&'()*+,=-]|%[0-9a-fA-F]{2}){1,24}",
        any::<[u8; 4]>().prop_map(|o| Ipv4Addr::from(o).to_string()),
        any::<[u16; 8]>().prop_map(|s| format!("[{}]", Ipv6Addr::from(s))),
        // The uncompressed form, upper case.
        any::<[u16; 8]>().prop_map(|s| {
            let groups: Vec<_> = s.iter().map(|g| format!("{g:X}")).collect();
            format!("[{}]", groups.join(":"))
        }),
    ]
}

fn token() -> &'static str {
    "[!#$%&'*+.0-9A-Z^_`a-z|~-]{1,8}"
}

prop_compose! {
    fn generated()(
        scheme in "[mM][sS][rR][pP][sS]?",
        userinfo in proptest::option::of("([a-zA-Z0-9._~!$&'()*+,;=-]|%[0-9a-fA-F]{2}){0,10}"),
        host in host_text(),
        port in proptest::option::of(any::<u16>()),
        session_id in proptest::option::of("[a-zA-Z0-9._~+=/-]{1,24}"),
        transport in "[a-zA-Z0-9]{1,6}",
        params in proptest::collection::vec((token(), proptest::option::of(token())), 0..4),
    ) -> Generated {
        let mut text = format!("{scheme}://");
        if let Some(u) = &userinfo {
            text.push_str(&format!("{u}@"));
        }
        text.push_str(&host);
        if let Some(p) = port {
            text.push_str(&format!(":{p}"));
        }
        if let Some(s) = &session_id {
            text.push_str(&format!("/{s}"));
        }
        text.push_str(&format!(";{transport}"));
        for (n, v) in &params {
            text.push_str(&format!(";{n}"));
            if let Some(v) = v {
                text.push_str(&format!("={v}"));
            }
        }
        Generated { text, userinfo, host, port, session_id, transport, params }
    }
}

/// The host a URI with `text` as its host must report.
fn expected_host(text: &str) -> Host<'_> {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Host::V6(inner.parse().unwrap())
    } else if let Ok(a) = text.parse::<Ipv4Addr>() {
        Host::V4(a)
    } else {
        Host::Name(text)
    }
}

proptest! {
    // REQ: MSRP-3 — generated valid URIs parse to their parts and display byte-exact.
    #[test]
    fn valid_uris_round_trip(g in generated()) {
        let u = MsrpUri::parse(Bytes::from(g.text.clone())).unwrap();
        prop_assert_eq!(u.to_string(), g.text.clone());
        prop_assert_eq!(u.userinfo(), g.userinfo.as_deref());
        prop_assert_eq!(u.host(), expected_host(&g.host));
        prop_assert_eq!(u.port(), g.port);
        prop_assert_eq!(u.session_id(), g.session_id.as_deref());
        prop_assert_eq!(u.transport(), g.transport.as_str());
        let params: Vec<_> = u.params().collect();
        let want: Vec<_> = g.params.iter().map(|(n, v)| (n.as_str(), v.as_deref())).collect();
        prop_assert_eq!(params, want);
        prop_assert!(u.matches(&u));
        // Changing the case of what is case-insensitive keeps the URI matching.
        let upper = MsrpUri::parse_str(&g.text.to_ascii_uppercase());
        let same_id = u.session_id().is_none_or(|id| id == id.to_ascii_uppercase());
        prop_assert_eq!(upper.map(|upper| upper.matches(&u)), Ok(same_id));
        // And it travels in a path.
        let path = Path::parse_str(&format!("{} {}", g.text, g.text)).unwrap();
        prop_assert_eq!(path.len(), 2);
        prop_assert_eq!(path.last(), &u);
    }

    // REQ: MSRP-3 — arbitrary bytes never panic, and errors point inside the input.
    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..96)) {
        let raw = Bytes::from(b);
        match MsrpUri::parse(raw.clone()) {
            Ok(u) => prop_assert_eq!(u.as_bytes(), &raw[..]),
            Err(e) => prop_assert!(e.offset <= raw.len()),
        }
        if let Err(e) = Path::parse(raw.clone()) {
            prop_assert!(e.offset <= raw.len());
        }
    }

    // REQ: MSRP-3 — a valid URI with one byte changed never panics, and round-trips if valid.
    #[test]
    fn mutated_uris_never_panic(
        g in generated(),
        at in any::<prop::sample::Index>(),
        b in any::<u8>(),
    ) {
        let mut bytes = g.text.into_bytes();
        let i = at.index(bytes.len());
        bytes[i] = b;
        let raw = Bytes::from(bytes);
        match MsrpUri::parse(raw.clone()) {
            Ok(u) => prop_assert_eq!(u.as_bytes(), &raw[..]),
            Err(e) => prop_assert!(e.offset <= raw.len()),
        }
    }

    // REQ: MSRP-3 — §6.1 matching is an equivalence on generated URIs.
    #[test]
    fn matching_is_symmetric(a in generated(), b in generated()) {
        let (a, b) = (MsrpUri::parse_str(&a.text).unwrap(), MsrpUri::parse_str(&b.text).unwrap());
        prop_assert_eq!(a.matches(&b), b.matches(&a));
        if a == b {
            prop_assert!(a.matches(&b));
        }
    }
}
