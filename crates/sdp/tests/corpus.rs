//! The external SDP corpus (REQ: SDP-1): every file parses leniently and encodes byte-exact,
//! or fails with a located error; nothing panics. See `/work/shared/corpus/SOURCES.md`.
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
use simpleim_sdp::{ParseOptions, SessionDescription};

/// The mozilla/webrtc-sdp files its CI expects to parse.
const MOZILLA_EXPECT_PARSE: &[&str] = &[
    "02", "04", "05", "06", "07", "09", "10", "13", "34", "35", "36", "37", "38", "39", "40",
];

// REQ: SDP-1
#[test]
fn corpus_parses_or_fails_located_and_round_trips() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let sets = ["mozilla-webrtc-sdp", "sdp-transform", "webrtc-rs"];
    let (mut total, mut parsed, mut rejected, mut exact, mut strict_ok) = (0, 0, 0, 0, 0);
    println!("{:<45} {:<9} {:<34} warnings", "file", "strict", "lenient");
    for set in sets {
        for path in common::files(&corpus.join("sdp").join(set)) {
            let name = format!(
                "{set}/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            let data = Bytes::from(std::fs::read(&path).unwrap());
            total += 1;
            let strict = SessionDescription::parse(data.clone());
            strict_ok += usize::from(strict.is_ok());
            let strict = if strict.is_ok() { "ok" } else { "rejected" };
            match SessionDescription::parse_with(data.clone(), &ParseOptions::lenient()) {
                Ok(sd) => {
                    parsed += 1;
                    let same = sd.to_bytes() == data;
                    exact += usize::from(same);
                    assert!(same, "{name}: encode is not byte-exact");
                    println!(
                        "{name:<45} {strict:<9} {:<34} {}",
                        "parsed, round-trip exact",
                        sd.warnings().len()
                    );
                }
                Err(e) => {
                    rejected += 1;
                    assert!(
                        e.line >= 1 && e.offset <= data.len(),
                        "{name}: {e:?} not located"
                    );
                    println!("{name:<45} {strict:<9} {:<34} -", format!("rejected: {e}"));
                }
            }
            if set == "mozilla-webrtc-sdp" {
                let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                if MOZILLA_EXPECT_PARSE.contains(&stem.as_ref()) {
                    SessionDescription::parse_with(data, &ParseOptions::lenient())
                        .unwrap_or_else(|e| panic!("{name} is expect-parse: {e}"));
                }
            }
        }
    }
    println!(
        "summary: {parsed} parsed / {rejected} rejected / {exact} round-trip exact of {total} \
         (strict: {strict_ok} parsed)"
    );
    assert_eq!(total, 68, "the corpus holds 40 + 25 + 3 SDP files");
    assert_eq!(parsed + rejected, total);
    assert_eq!(exact, parsed);
}

/// The body of a SIP message: after the first empty line (CRLF CRLF, or LF LF for LF-only
/// files).
fn body(message: &[u8]) -> &[u8] {
    let crlf = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    let lf = message.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    let at = match (crlf, lf) {
        (Some(c), Some(l)) => c.min(l),
        (c, l) => c.or(l).expect("no empty line"),
    };
    &message[at..]
}

// REQ: SDP-1
#[test]
fn sdp_bodies_of_the_sip_torture_tests_parse() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    for name in ["wsinv", "bcast", "insuf", "inv2543", "sdp01"] {
        let msg = std::fs::read(corpus.join(format!("sip-torture/{name}.dat"))).unwrap();
        let sdp = Bytes::copy_from_slice(body(&msg));
        let sd = SessionDescription::parse(sdp.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sd.origin().unwrap().username, "mhandley", "{name}");
        assert_eq!(sd.origin().unwrap().session_id, 29739, "{name}");
        assert_eq!(sd.connection().unwrap().unwrap().addr_type, "IP4", "{name}");
        assert_eq!(sd.media()[0].media().unwrap().proto, "RTP/AVP", "{name}");
        assert_eq!(sd.to_bytes(), sdp, "{name}");
    }
    // dblreq: the body of the REGISTER is empty (Content-Length 0); the trailing INVITE's SDP
    // holds `m =video` (white space before `=`) and a trailing empty line: a located error.
    let msg = std::fs::read(corpus.join("sip-torture/dblreq.dat")).unwrap();
    let invite = body(&msg);
    let sdp = body(invite);
    assert!(sdp.starts_with(b"v=0\r\n"));
    let err = SessionDescription::parse_with(Bytes::copy_from_slice(sdp), &ParseOptions::lenient())
        .unwrap_err();
    assert_eq!(err.kind, simpleim_sdp::ErrorKind::Line);
    assert_eq!(err.line, 7);
    assert_eq!(&sdp[err.offset..err.offset + 8], b"m =video");

    // The IPv6 files are LF-only: strict parsing refuses them, lenient parsing takes them.
    for (name, addr) in [
        ("ipv6-in-sdp", "2001:db8::20"),
        ("ipv4-mapped-ipv6", "::ffff:192.0.2.2"),
        ("mult-ip-in-sdp", "host.example.com"),
    ] {
        let msg = std::fs::read(corpus.join(format!("sip-torture-ipv6/{name}"))).unwrap();
        let sdp = Bytes::copy_from_slice(body(&msg));
        let err = SessionDescription::parse(sdp.clone()).unwrap_err();
        assert_eq!(
            (err.kind, err.line),
            (simpleim_sdp::ErrorKind::LineEnding, 1),
            "{name}"
        );
        let sd = SessionDescription::parse_with(sdp.clone(), &ParseOptions::lenient())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sd.origin().unwrap().unicast_address, addr, "{name}");
        assert_eq!(sd.to_bytes(), sdp, "{name}");
        // Each LF line end is reported.
        assert_eq!(
            sd.warnings().len(),
            sdp.iter().filter(|&&b| b == b'\n').count(),
            "{name}"
        );
    }
    let msg = std::fs::read(corpus.join("sip-torture-ipv6/mult-ip-in-sdp")).unwrap();
    let sd = SessionDescription::parse_with(
        Bytes::copy_from_slice(body(&msg)),
        &ParseOptions::lenient(),
    )
    .unwrap();
    let c: Vec<_> = sd
        .media()
        .iter()
        .map(|m| m.connection().unwrap().unwrap())
        .collect();
    assert_eq!((c[0].addr_type, c[0].address), ("IP4", "192.0.2.1"));
    assert_eq!((c[1].addr_type, c[1].address), ("IP6", "2001:db8::1"));
    let msg = std::fs::read(corpus.join("sip-torture-ipv6/ipv6-in-sdp")).unwrap();
    let sd = SessionDescription::parse_with(
        Bytes::copy_from_slice(body(&msg)),
        &ParseOptions::lenient(),
    )
    .unwrap();
    let c = sd.connection().unwrap().unwrap();
    assert_eq!(
        (c.addr_type, c.address, c.ttl, c.count),
        ("IP6", "2001:db8::20", None, None)
    );
    assert_eq!(sd.origin().unwrap().session_id, 971_731_711_378_798_081);
    assert_eq!(
        sd.session_name(),
        Some("Live video feed for today's meeting")
    );
    let t = sd.timings().next().unwrap().unwrap();
    assert_eq!((t.start, t.stop), (3_338_481_189, 3_370_017_201));
}
