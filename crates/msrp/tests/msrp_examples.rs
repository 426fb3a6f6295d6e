//! Every MSRP example of RFC 4975 (§4, §5.1, §11) and RFC 4976 (§5), extracted from the draft
//! texts of the external corpus, the siplib-phrsite samples, and this crate's fixtures:
//! decoded (whole, split at every byte, collected and streamed) and re-encoded byte-exact.
//! REQ: MSRP-1, MSRP-2

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

mod common;

use std::path::PathBuf;

use bytes::Bytes;
use common::{check_stream, extract, show};
use simpleim_msrp::{
    ByteRange, Flag, Frame, HeaderName, Method, ReportMode, Status, TransactionId,
};
use simpleim_test_support::{corpus_dir, lf_to_crlf};

fn draft(name: &str) -> Option<String> {
    let path = corpus_dir()?.join("msrp/ietf-drafts-text").join(name);
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn frame(wire: &[u8]) -> Frame {
    Frame::parse(Bytes::copy_from_slice(wire)).unwrap_or_else(|e| panic!("{e}: {}", show(wire)))
}

#[test]
fn rfc4975_examples() {
    // REQ: MSRP-1, MSRP-2
    let Some(text) = draft("draft-ietf-simple-message-sessions-19.txt") else {
        return;
    };
    let found = extract(&text);
    assert!(found.unterminated.is_empty(), "{:?}", found.unterminated);
    let tids: Vec<&str> = found.frames.iter().map(|e| e.tid.as_str()).collect();
    assert_eq!(
        tids,
        [
            "a786hjs2",
            "a786hjs2", // §4 Figure 2
            "dkei38sd",
            "dkei38ia", // §5.1 Figure 3
            "d93kswow",
            "d93kswow",
            "dkei38sd",
            "dkei38sd",   // §11.1
            "dsdfoe38sd", // §11.2
            "d93kswow",
            "op2nc9a",  // §11.4
            "d93kswow", // §11.5
            "d93kswow",
            "dkei38sd", // §11.6
        ]
    );
    for ex in &found.frames {
        let frames = check_stream(&ex.wire);
        assert_eq!(frames.len(), 1, "line {}", ex.line);
        let f = &frames[0];
        assert_eq!(f.head.transaction_id().as_str(), ex.tid);
        // Figure 3 is a snippet without paths; every other example is a complete frame.
        let complete = f.head.validate(f.flag);
        if ex.tid.starts_with("dkei38i") || (ex.tid == "dkei38sd" && ex.line < 600) {
            assert!(complete.is_err(), "line {}", ex.line);
        } else {
            assert_eq!(complete, Ok(()), "line {}: {}", ex.line, show(&ex.wire));
        }
        // Every typed header of every example parses.
        assert!(f.head.byte_range().is_ok() && f.head.message_id().is_ok());
        assert!(f.head.success_report().is_ok() && f.head.failure_report().is_ok());
        assert!(f.head.status().is_ok());
    }

    let by_line = |line: usize| {
        let ex = found
            .frames
            .iter()
            .min_by_key(|e| e.line.abs_diff(line))
            .unwrap();
        frame(&ex.wire)
    };
    // §5.1 Figure 3: the first chunk is interrupted, the second completes the message.
    let first = by_line(508);
    assert_eq!(first.body.as_ref(), b"abcd");
    assert_eq!(first.flag, Flag::Continued);
    assert_eq!(
        first.head.byte_range(),
        Ok(Some(ByteRange {
            start: 1,
            end: None,
            total: Some(8)
        }))
    );
    let second = by_line(516);
    assert_eq!(
        (second.body.as_ref(), second.flag),
        (&b"EFGH"[..], Flag::Complete)
    );
    // §11.1 (4) and (5).
    let send = by_line(2253);
    assert_eq!(send.head.method(), Some(&Method::Send));
    assert_eq!(send.body.as_ref(), b"Hi, I'm Alice!");
    assert_eq!(send.head.content_type(), Some(&b"text/plain"[..]));
    let ok = by_line(2265);
    assert_eq!(
        (ok.head.status_code(), ok.head.comment()),
        (Some(200), Some(&b"OK"[..]))
    );
    assert_eq!(ok.head.to_path(), send.head.from_path());
    // §11.2: the XHTML body keeps its own indentation.
    let xhtml = by_line(2306);
    assert!(
        xhtml
            .body
            .starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!DOCTYPE html\r\n")
    );
    assert!(show(&xhtml.body).contains("\r\n  <head>\r\n    <title>FY2005 Results</title>\r\n"));
    assert!(xhtml.body.ends_with(b"</html>"));
    // §11.4: a CPIM payload in two chunks.
    let cpim1 = by_line(2356);
    assert_eq!(cpim1.head.content_type(), Some(&b"message/cpim"[..]));
    assert!(cpim1.body.starts_with(b"To: Bob <sip:bob@example.com>\r\n"));
    assert_eq!(cpim1.flag, Flag::Continued);
    assert_eq!(by_line(2375).body.as_ref(), b"1234567890");
    // §11.5 and §11.6.
    let system = by_line(2391);
    assert_eq!(system.head.failure_report(), Ok(Some(ReportMode::No)));
    assert_eq!(system.head.success_report(), Ok(Some(ReportMode::No)));
    let report = by_line(2436);
    assert_eq!(report.head.method(), Some(&Method::Report));
    assert_eq!(
        report.head.status(),
        Ok(Some(Status::new(200).with_text(Bytes::from_static(b"OK"))))
    );
    assert!(!report.head.has_body());
}

#[test]
fn rfc4976_examples() {
    // REQ: MSRP-1, MSRP-2
    let Some(text) = draft("draft-ietf-simple-msrp-relays-10.txt") else {
        return;
    };
    let found = extract(&text);
    // The 200 OK to xght6 (§5, line 466) is printed without its end-line.
    assert_eq!(found.unterminated, [466]);
    let tids: Vec<&str> = found.frames.iter().map(|e| e.tid.as_str()).collect();
    assert_eq!(
        tids,
        [
            "6aef", "6aef", "juh76", "juh76", "xght6", "yh67", "yh67", "yh67", // §5
            "49fh", "49fh", "49fi", "49fi", "mnbvw", "m2nbvw", "m2nbvw", "mnbvw", "m3nbvx",
            "m4nbvx", "m4nbvx", "m3nbvx", // §5.1 AUTH
        ]
    );
    for ex in &found.frames {
        let frames = check_stream(&ex.wire);
        assert_eq!(frames.len(), 1);
        let f = &frames[0];
        assert_eq!(
            f.head.validate(f.flag),
            Ok(()),
            "line {}: {}",
            ex.line,
            show(&ex.wire)
        );
        assert!(f.head.expires().is_ok() && f.head.byte_range().is_ok());
    }
    let at = |line: usize| frame(&found.frames.iter().find(|e| e.line == line).unwrap().wire);
    // Multi-URI paths come out joined by single spaces.
    let send = at(396);
    assert_eq!(
        send.head.to_path(),
        Some(
            &b"msrps://a.example.org:9000/kjfjan;tcp msrps://b.example.net:9000/aeiug;tcp \
msrps://bob.example.net:8145/foo;tcp"[..]
        )
    );
    assert_eq!(
        send.head.byte_range(),
        Ok(Some(ByteRange {
            start: 1,
            end: None,
            total: None
        }))
    );
    let challenge = at(857);
    assert_eq!(challenge.head.status_code(), Some(401));
    assert_eq!(
        challenge.head.www_authenticate(),
        Some(
            &b"Digest realm=\"intra.example.com\", qop=\"auth\", \
nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\""[..]
        )
    );
    let auth = at(866);
    assert_eq!(auth.head.method(), Some(&Method::Auth));
    assert!(
        auth.head
            .authorization()
            .unwrap()
            .starts_with(b"Digest username=\"Alice\", realm=\"intra.example.com\", nonce=")
    );
    let granted = at(880);
    assert_eq!(
        granted.head.use_path(),
        Some(&b"msrps://intra.example.com:9000/jui787s2f;tcp"[..])
    );
    assert_eq!(granted.head.expires(), Ok(Some(900)));
    assert!(
        granted
            .head
            .authentication_info()
            .unwrap()
            .starts_with(b"nextnonce=\"40f2e879449675f288476d772627370a\",rspauth=")
    );
    // Responses built from the requests address the previous hop as the examples do.
    for (req, resp) in [(396, 410), (417, 431), (909, 916), (956, 968)] {
        let (req, resp) = (at(req), at(resp));
        let mut out = bytes::BytesMut::new();
        simpleim_msrp::ResponseBuilder::for_request(&req.head, resp.head.status_code().unwrap())
            .encode(&mut out)
            .unwrap();
        let built = frame(&out);
        assert_eq!(built.head.to_path(), resp.head.to_path(), "{}", show(&out));
        assert_eq!(
            built.head.from_path(),
            resp.head.from_path(),
            "{}",
            show(&out)
        );
    }
}

#[test]
fn siplib_phrsite_samples() {
    // REQ: MSRP-1, MSRP-2
    let Some(dir) = corpus_dir() else {
        return;
    };
    let dir = dir.join("msrp/siplib-phrsite");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
    for name in &names {
        let wire = lf_to_crlf(&std::fs::read(dir.join(name)).unwrap());
        let frames = check_stream(&wire);
        assert_eq!(frames.len(), 1, "{name}");
        let f = &frames[0];
        assert_eq!(f.head.validate(f.flag), Ok(()), "{name}");
        match name.as_str() {
            "MsrpNicknameRequest1.txt" => {
                assert_eq!(f.head.method(), Some(&Method::Nickname));
                assert_eq!(
                    f.head.use_nickname().unwrap().as_deref(),
                    Some("Alice the great")
                );
            }
            "MsrpUnknownRequestMethod.txt" => {
                assert_eq!(
                    f.head.method(),
                    Some(&Method::Other(Bytes::from_static(b"UNKNOWN")))
                );
                assert_eq!(f.body.as_ref(), b"Hi, I'm Alice!");
            }
            "MsrpResponseMessage1.txt" => assert_eq!(f.head.status_code(), Some(200)),
            "MsrpReportRequest1.txt" => {
                assert_eq!(f.head.status().unwrap().map(|s| s.code), Some(200));
            }
            "MsrpPositiveReport1.txt" => {
                assert_eq!(f.head.success_report(), Ok(Some(ReportMode::Yes)));
                assert!(f.body.ends_with(b"</body></html>"));
            }
            _ => assert_eq!(f.head.message_id(), Ok(Some("12339sdqwer"))),
        }
    }
}

#[test]
fn fixtures() {
    // REQ: MSRP-1, MSRP-2
    let fs = check_stream(&fixture("chunks-interrupt-abort.msrp"));
    let flags: Vec<Flag> = fs.iter().map(|f| f.flag).collect();
    assert_eq!(
        flags,
        [
            Flag::Continued,
            Flag::Complete,
            Flag::Complete,
            Flag::Aborted
        ]
    );
    assert_eq!(fs[0].body.as_ref(), b"first ten.");
    assert_eq!(fs[2].head.byte_range().unwrap().unwrap().start, 11);
    assert_eq!(fs[3].body.as_ref(), b"\x00\x01\x02\xff");

    let fs = check_stream(&fixture("lookalike-end-lines.msrp"));
    let range = fs[0].head.byte_range().unwrap().unwrap();
    assert_eq!(range.len(), Some(fs[0].body.len() as u64));
    // The receiver's framing needs CRLF around the end-line; the sender's rule (§7.1) is
    // stricter and refuses the look-alike followed by a space.
    let tid: TransactionId = "tr1ckyID".parse().unwrap();
    let at = simpleim_msrp::find_end_line(&fs[0].body, &tid).unwrap();
    assert_eq!(&fs[0].body[at - 15..=at + 1], b"-------tr1ckyID$ ");

    let fs = check_stream(&fixture("bodiless-empty-unknown.msrp"));
    assert!(!fs[0].head.has_body());
    assert!(fs[1].head.has_body() && fs[1].body.is_empty());
    assert!(fs[1].head.byte_range().unwrap().unwrap().is_empty());
    assert_eq!(
        fs[2].head.method(),
        Some(&Method::Other(Bytes::from_static(b"FROBNICATE")))
    );
    assert_eq!(fs[2].head.header("x-frob"), Some(&b"level=9"[..]));
    assert_eq!(fs[3].head.comment(), Some(&b"Not Implemented"[..]));

    let fs = check_stream(&fixture("report-413-mime.msrp"));
    let names: Vec<HeaderName> = fs[0].head.mime_headers().map(|h| h.kind()).collect();
    assert_eq!(
        names,
        [
            HeaderName::ContentId,
            HeaderName::ContentDescription,
            HeaderName::ContentDisposition,
            HeaderName::ContentType
        ]
    );
    assert_eq!(
        fs[0].head.content_id(),
        Some(&b"<part1@alicepc.example.com>"[..])
    );
    assert_eq!(fs[0].head.content_description(), Some(&b"greeting"[..]));
    let status = fs[1].head.status().unwrap().unwrap();
    assert_eq!((status.code, status.is_success()), (413, false));
    assert_eq!(fs[2].head.status_code(), Some(413));
    for f in &fs {
        assert_eq!(f.head.validate(f.flag), Ok(()));
    }

    let fs = check_stream(&fixture("nickname.msrp"));
    assert_eq!(
        fs[0].head.use_nickname().unwrap().as_deref(),
        Some(r#"Alice "the" great \o/"#)
    );
}
