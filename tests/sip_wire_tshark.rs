//! What we put on the wire, checked by an independent dissector (REQ: SIP-1, SIP-5).
//!
//! Messages parsed from a fixture, built with the builders, and answered with
//! `Response::for_request` are wrapped in a fake TCP packet with `text2pcap` and dissected by
//! `tshark` (no traffic is sent). Each must dissect as SIP with the fields we expect and without
//! a single expert-info warning or error. `.ci/run` installs tshark; elsewhere the test is
//! skipped when tshark is absent, but with `CI=true` a missing tshark is a failure.

use bytes::Bytes;
use simpleim::sip::{HeaderName, Message, Method, Request, Response, SeededIds};
use simpleim_test_support::tshark::{assert_no_expert_problems, tools_present};

/// The dissection of one message sent over TCP port 5060.
fn dissect(wire: &[u8], fields: &[&str]) -> (Vec<String>, String) {
    simpleim_test_support::tshark::dissect("sip", 5060, wire, fields)
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
