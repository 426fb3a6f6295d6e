//! What we put on the wire, checked by an independent dissector (REQ: SIP-1, SIP-5).
//!
//! Messages parsed from a fixture, built with the builders, and answered with
//! `Response::for_request` are wrapped in a fake TCP packet with `text2pcap` and dissected by
//! `tshark` (no traffic is sent). Each must dissect as SIP with the fields we expect and without
//! a single expert-info warning or error. `.ci/run` installs tshark; elsewhere the test is
//! skipped when tshark is absent, but with `CI=true` a missing tshark is a failure.

use std::io::Write as _;
use std::process::Command;

use bytes::Bytes;
use simpleim::sip::{HeaderName, Message, Method, Request, Response, SeededIds};

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn tools_present() -> bool {
    if have("tshark") && have("text2pcap") {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but tshark/text2pcap are missing (.ci/run installs the tshark package)"
    );
    eprintln!("note: tshark or text2pcap not found; skipping the wire checks");
    false
}

/// The dissection of one message sent over TCP port 5060: the requested fields (one string
/// per field, occurrences joined with ',') and the expert-info lines.
fn dissect(wire: &[u8], fields: &[&str]) -> (Vec<String>, String) {
    let dir = std::env::temp_dir().join(format!(
        "simpleim-tshark-{}-{}",
        std::process::id(),
        wire.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    // text2pcap's input: offset, then hex bytes, 16 per line.
    let mut hex = String::new();
    for (i, chunk) in wire.chunks(16).enumerate() {
        hex.push_str(&format!("{:06x}", i * 16));
        for b in chunk {
            hex.push_str(&format!(" {b:02x}"));
        }
        hex.push('\n');
    }
    let hex_path = dir.join("m.hex");
    let pcap = dir.join("m.pcap");
    std::fs::File::create(&hex_path)
        .unwrap()
        .write_all(hex.as_bytes())
        .unwrap();
    let out = Command::new("text2pcap")
        .args(["-q", "-4", "127.0.0.1,127.0.0.1", "-T", "5060,5060"])
        .arg(&hex_path)
        .arg(&pcap)
        .output()
        .unwrap();
    assert!(out.status.success(), "text2pcap: {out:?}");
    let mut args = vec![
        "-r".to_owned(),
        pcap.display().to_string(),
        "-d".into(),
        "tcp.port==5060,sip".into(),
        "-T".into(),
        "fields".into(),
        "-E".into(),
        "occurrence=a".into(),
        "-E".into(),
        "aggregator=,".into(),
    ];
    for f in fields {
        args.push("-e".into());
        args.push((*f).into());
    }
    let out = Command::new("tshark").args(&args).output().unwrap();
    assert!(out.status.success(), "tshark: {out:?}");
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let values: Vec<String> = line.split('\t').map(str::to_owned).collect();
    let expert = Command::new("tshark")
        .args([
            "-r",
            &pcap.display().to_string(),
            "-d",
            "tcp.port==5060,sip",
            "-q",
            "-z",
            "expert",
        ])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (values, String::from_utf8_lossy(&expert.stdout).into_owned())
}

/// Expert info lines that report a problem (tshark prints severity groups; an empty report
/// has none of these words).
fn assert_no_expert_problems(expert: &str, what: &str) {
    for bad in ["Malformed", "Error", "Warning"] {
        assert!(
            !expert.contains(bad),
            "{what}: tshark expert info reports a problem:\n{expert}"
        );
    }
}

fn request(text: &[u8]) -> Request {
    match Message::parse_datagram(Bytes::copy_from_slice(text)).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => panic!("not a request"),
    }
}

#[test]
fn invite_with_msrp_offer_dissects_as_sip_and_sdp() {
    // REQ: SIP-1
    if !tools_present() {
        return;
    }
    let req = request(&simpleim_test_support::fixture("invite-msrp.sip"));
    let fields = [
        "frame.protocols",
        "sip.Method",
        "sip.Call-ID",
        "sip.CSeq.seq",
        "sip.Content-Length",
        "sdp.media.media",
        "sdp.media.proto",
    ];
    let (v, expert) = dissect(req.as_bytes(), &fields);
    assert!(v[0].contains("sip") && v[0].contains("sdp"), "{v:?}");
    assert_eq!(v[1], "INVITE");
    assert_eq!(v[2], "a84b4c76e66710@192.0.2.7");
    assert_eq!(v[3], "1");
    assert_eq!(v[4], req.body().len().to_string());
    assert_eq!(v[5], "message");
    assert_eq!(v[6], "TCP/MSRP");
    assert_no_expert_problems(&expert, "INVITE");
}

#[test]
fn built_message_and_its_response_dissect_as_sent() {
    // REQ: SIP-1, SIP-5
    if !tools_present() {
        return;
    }
    let req = Request::builder(Method::Message, "sip:bob@example.com")
        .header(
            HeaderName::Via,
            "SIP/2.0/TCP client.example.com;branch=z9hG4bK74bf9",
        )
        .header(HeaderName::MaxForwards, 70)
        .header(
            HeaderName::From,
            "\"Alice\" <sip:alice@example.com>;tag=9fxced76sl",
        )
        .header(HeaderName::To, "<sip:bob@example.com>")
        .header(HeaderName::CallId, "3848276298220188511@example.com")
        .header(HeaderName::CSeq, "7 MESSAGE")
        .body("text/plain", "hello, wire")
        .build()
        .unwrap();
    let (v, expert) = dissect(
        req.as_bytes(),
        &[
            "sip.Method",
            "sip.CSeq.seq",
            "sip.from.user",
            "sip.Content-Length",
        ],
    );
    assert_eq!(v, ["MESSAGE", "7", "alice", "11"]);
    assert_no_expert_problems(&expert, "MESSAGE");

    let ok = Response::for_request(&req, 200, &mut SeededIds::new(9))
        .build()
        .unwrap();
    let to_tag = ok
        .headers()
        .typed::<simpleim::sip::header::To>()
        .unwrap()
        .unwrap()
        .tag()
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .unwrap();
    let (v, expert) = dissect(
        ok.as_bytes(),
        &[
            "sip.Status-Code",
            "sip.CSeq.method",
            "sip.to.tag",
            "sip.Via.branch",
        ],
    );
    assert_eq!(v, ["200", "MESSAGE", to_tag.as_str(), "z9hG4bK74bf9"]);
    assert_no_expert_problems(&expert, "200 OK");
}
