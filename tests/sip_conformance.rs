//! RFC 4475 and RFC 5118 torture messages against the verdicts of
//! `../shared/corpus/SOURCES.md` (REQ: SIP-4).
//!
//! Each file is parsed as a UDP datagram; a message that parses is then validated. The expected
//! outcome per file encodes the RFC's verdict:
//! - VALID: parses; `validate()` accepts it, or answers the status the RFC names for an
//!   endpoint (501 for the unknown methods of §3.1.1.2 and §3.1.1.5).
//! - INVALID: a located parse error of the listed kind, or `validate()` gives the listed
//!   status (where the RFC lets a liberal element parse the message first).
//! - WELL-FORMED (semantic): parses, and `validate()` gives the listed status.
//!
//! Run with `cargo test --test sip_conformance -- --nocapture` to see the table.

use bytes::Bytes;
use simpleim::sip::{ErrorKind, Message};
use simpleim_test_support::{corpus_dir, lf_to_crlf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Parses and validates.
    Accept,
    /// Parses; validation answers this status.
    Status(u16),
    /// Fails to parse with this kind of error.
    Parse(ErrorKind),
}
use Expect::{Accept, Parse, Status};

/// (file, RFC section, verdict, expected outcome)
const RFC4475: &[(&str, &str, &str, Expect)] = &[
    ("wsinv", "3.1.1.1", "VALID", Accept),
    ("intmeth", "3.1.1.2", "VALID", Status(501)),
    ("esc01", "3.1.1.3", "VALID", Accept),
    ("escnull", "3.1.1.4", "VALID", Accept),
    ("esc02", "3.1.1.5", "VALID", Status(501)),
    ("lwsdisp", "3.1.1.6", "VALID", Accept),
    ("longreq", "3.1.1.7", "VALID", Accept),
    ("dblreq", "3.1.1.8", "VALID", Accept),
    ("semiuri", "3.1.1.9", "VALID", Accept),
    ("transports", "3.1.1.10", "VALID", Accept),
    ("mpart01", "3.1.1.11", "VALID", Accept),
    ("unreason", "3.1.1.12", "VALID", Accept),
    ("noreason", "3.1.1.13", "VALID", Accept),
    ("badinv01", "3.1.2.1", "INVALID", Status(400)),
    (
        "clerr",
        "3.1.2.2",
        "INVALID",
        Parse(ErrorKind::BodyTruncated),
    ),
    ("ncl", "3.1.2.3", "INVALID", Parse(ErrorKind::ContentLength)),
    ("scalar02", "3.1.2.4", "INVALID", Status(400)),
    ("scalarlg", "3.1.2.5", "INVALID", Status(400)),
    ("quotbal", "3.1.2.6", "INVALID", Status(400)),
    (
        "ltgtruri",
        "3.1.2.7",
        "INVALID",
        Parse(ErrorKind::RequestUri),
    ),
    ("lwsruri", "3.1.2.8", "INVALID", Parse(ErrorKind::StartLine)),
    (
        "lwsstart",
        "3.1.2.9",
        "INVALID",
        Parse(ErrorKind::StartLine),
    ),
    ("trws", "3.1.2.10", "INVALID", Parse(ErrorKind::StartLine)),
    ("escruri", "3.1.2.11", "INVALID", Status(400)),
    ("baddate", "3.1.2.12", "INVALID", Status(400)),
    ("regbadct", "3.1.2.13", "INVALID", Status(400)),
    ("badaspec", "3.1.2.14", "INVALID", Status(400)),
    ("baddn", "3.1.2.15", "INVALID", Status(400)),
    ("badvers", "3.1.2.16", "INVALID", Status(505)),
    ("mismatch01", "3.1.2.17", "INVALID", Status(400)),
    ("mismatch02", "3.1.2.18", "INVALID", Status(501)),
    (
        "bigcode",
        "3.1.2.19",
        "INVALID",
        Parse(ErrorKind::StatusCode),
    ),
    ("badbranch", "3.2.1", "SEMANTIC", Accept),
    ("insuf", "3.3.1", "SEMANTIC", Status(400)),
    ("unkscm", "3.3.2", "SEMANTIC", Status(416)),
    ("novelsc", "3.3.3", "SEMANTIC", Status(416)),
    ("unksm2", "3.3.4", "SEMANTIC", Status(400)),
    ("bext01", "3.3.5", "SEMANTIC", Status(420)),
    ("invut", "3.3.6", "SEMANTIC", Status(415)),
    ("regaut01", "3.3.7", "SEMANTIC", Accept),
    ("multi01", "3.3.8", "SEMANTIC", Status(400)),
    (
        "mcl01",
        "3.3.9",
        "SEMANTIC",
        Parse(ErrorKind::DuplicateContentLength),
    ),
    ("bcast", "3.3.10", "SEMANTIC", Accept),
    ("zeromf", "3.3.11", "SEMANTIC", Accept),
    ("cparam01", "3.3.12", "SEMANTIC", Accept),
    ("cparam02", "3.3.13", "SEMANTIC", Accept),
    ("regescrt", "3.3.14", "SEMANTIC", Accept),
    ("sdp01", "3.3.15", "SEMANTIC", Status(406)),
    ("inv2543", "3.4.1", "SEMANTIC", Accept),
    // In the RFC's archive but referenced by no section: its request line has no SIP-Version
    // (and a later header line has no colon); the first fault found is the start line.
    ("test", "-", "UNCLASSIFIED", Parse(ErrorKind::StartLine)),
];

const RFC5118: &[(&str, &str, &str, Expect)] = &[
    ("ipv6-good", "4.1", "VALID", Accept),
    ("ipv6-bad", "4.2", "INVALID", Status(400)),
    ("port-ambiguous", "4.3", "VALID", Accept),
    ("port-unambiguous", "4.4", "VALID", Accept),
    ("via-received-param-with-delim", "4.5", "VALID", Accept),
    ("via-received-param-no-delim", "4.5", "VALID", Accept),
    ("ipv6-in-sdp", "4.6", "VALID", Accept),
    ("mult-ip-in-header", "4.7", "VALID", Accept),
    ("mult-ip-in-sdp", "4.8", "VALID", Accept),
    ("ipv4-mapped-ipv6", "4.9", "VALID", Accept),
    ("ipv6-bug-abnf-3-colons", "4.10", "TOLERATE", Accept),
    ("ipv6-correct-abnf-2-colons", "4.10", "VALID", Accept),
];

/// What happened to one file.
fn outcome(data: &[u8]) -> (Expect, String) {
    match Message::parse_datagram(Bytes::copy_from_slice(data)) {
        Err(e) => (Parse(e.kind), format!("parse error: {e}")),
        Ok(m) => {
            let v = match &m {
                Message::Request(r) => r.validate(),
                Message::Response(r) => r.validate(),
            };
            match v {
                Ok(()) => (Accept, "parsed, valid".into()),
                Err(r) => (Status(r.status), format!("parsed, validate: {r}")),
            }
        }
    }
}

/// Rewrites Content-Length to the real body length. The RFC 5118 archive counts lengths on
/// text whose line ends differ from the bytes (SOURCES.md lists the files); the header
/// handling under test is unaffected.
fn fix_content_length(data: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut out = String::new();
    for line in head.split("\r\n") {
        if line.to_ascii_lowercase().starts_with("content-length:") {
            out.push_str(&format!("Content-Length: {}", body.len()));
        } else {
            out.push_str(line);
        }
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    Some(out.into_bytes())
}

fn run(
    dir: &std::path::Path,
    set: &str,
    table: &[(&str, &str, &str, Expect)],
    ext: &str,
    crlf: bool,
) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut passed = 0;
    println!("\n{set}");
    println!(
        "{:<32} {:<9} {:<13} {:<6} outcome",
        "file", "section", "verdict", "result"
    );
    for (name, section, verdict, expected) in table {
        let path = dir.join(format!("{name}{ext}"));
        let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut data = if crlf { lf_to_crlf(&raw) } else { raw };
        let (mut got, mut detail) = outcome(&data);
        if got == Parse(ErrorKind::BodyTruncated) && *expected != got {
            if let Some(fixed) = fix_content_length(&data) {
                data = fixed;
                let (g, d) = outcome(&data);
                got = g;
                detail = format!("{d} (Content-Length corrected to the body)");
            }
        }
        let ok = got == *expected;
        if ok {
            passed += 1;
        } else {
            failures.push(format!("{set}/{name}: expected {expected:?}, got {detail}"));
        }
        println!(
            "{name:<32} {section:<9} {verdict:<13} {:<6} {detail}",
            if ok { "pass" } else { "FAIL" }
        );
    }
    (passed, failures)
}

#[test]
fn rfc4475_and_rfc5118_torture_messages() {
    // REQ: SIP-4
    let Some(corpus) = corpus_dir() else { return };
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut total = 0;
    for (set, table, dir, ext, crlf) in [
        (
            "RFC 4475 (sip-torture)",
            RFC4475,
            corpus.join("sip-torture"),
            ".dat",
            false,
        ),
        (
            "RFC 5118 (archive, LF to CRLF)",
            RFC5118,
            corpus.join("sip-torture-ipv6"),
            "",
            true,
        ),
        (
            "RFC 5118 (ersip CRLF rendering)",
            RFC5118,
            corpus.join("sip-torture-ipv6/crlf-variant-ersip"),
            "",
            false,
        ),
    ] {
        let (p, f) = run(&dir, set, table, ext, crlf);
        passed += p;
        total += table.len();
        failures.extend(f);
    }
    println!("\nconformance: {passed} of {total} as expected");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_corpus_file_is_in_a_table() {
    let Some(corpus) = corpus_dir() else { return };
    let mut files: Vec<String> = std::fs::read_dir(corpus.join("sip-torture"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().replace(".dat", ""))
        .collect();
    files.sort();
    let mut listed: Vec<String> = RFC4475.iter().map(|r| r.0.to_string()).collect();
    listed.sort();
    assert_eq!(files, listed);
}

#[test]
fn stream_decoder_agrees_with_datagram_parse_on_the_corpus() {
    // REQ: SIP-1 — the same messages, framed from a byte stream split at every point.
    let Some(corpus) = corpus_dir() else { return };
    for (name, ..) in RFC4475 {
        let data = std::fs::read(corpus.join(format!("sip-torture/{name}.dat"))).unwrap();
        let Ok(whole) = Message::parse_datagram(Bytes::from(data.clone())) else {
            continue;
        };
        // Stream framing needs Content-Length and the empty line closing the head (baddn's
        // archive file lacks it: only a datagram, which ends anyway, can be read liberally).
        let head_closed = data.windows(4).any(|w| w == b"\r\n\r\n");
        if whole
            .headers()
            .get(simpleim::sip::HeaderName::ContentLength)
            .is_none()
            || !head_closed
        {
            continue;
        }
        let len = whole.as_bytes().len();
        for cut in 0..=len {
            let mut d = simpleim::sip::StreamDecoder::new(Default::default());
            d.push(&data[..cut]);
            let mut got = d.decode().unwrap();
            d.push(&data[cut..len]);
            if got.is_none() {
                got = d.decode().unwrap();
            }
            assert_eq!(got.as_ref(), Some(&whole), "{name} cut at {cut}");
        }
    }
}
