//! What our MSRP encoder puts on the wire, checked by an independent dissector (REQ: MSRP-1,
//! MSRP-4, MSRP-5, MSRP-7).
//!
//! Frames built with `RequestBuilder`, `ResponseBuilder` and `ChunkWriter` (a complete SEND
//! with reports, a chunk interrupted with `+`, an aborted one with `#`, the 200 response, a
//! success REPORT, a NICKNAME) are wrapped in a fake TCP packet on port 2855 and dissected by
//! tshark. For each, tshark must see MSRP with the same transaction id in the start line and in
//! the end-line, the method or status, To-Path, From-Path, Message-ID, Byte-Range,
//! Content-Type and the end-line's flag (`simpleim_test_support::tshark::MsrpFields`), and
//! report no expert-info problem. `.ci/run` installs tshark.

use bytes::BytesMut;
use simpleim::msrp::{
    ByteRange, ChunkWriter, Flag, Frame, Method, ReportMode, RequestBuilder, ResponseBuilder,
    Status, TransactionId,
};
use simpleim_test_support::tshark::{
    MSRP_FIELDS, MsrpFields, assert_no_expert_problems, dissect, tools_present,
};

const TO: &str = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";
const FROM: &str = "msrp://alicepc.example.com:7777/iau39soe2843z;tcp";

/// Dissects `wire`: it must be MSRP with the fields `e` (transaction id in the start line and
/// the end-line, method or status, paths, Message-ID, Byte-Range, Content-Type, end-line and
/// its flag) and no expert-info problem; our decoder must read it back as written.
fn check(what: &str, wire: &[u8], e: &MsrpFields) {
    let mut names = vec!["frame.protocols"];
    names.extend(MSRP_FIELDS);
    let (v, expert) = dissect("msrp", 2855, wire, &names);
    assert!(
        v[0].split(':').any(|p| p == "msrp"),
        "{what}: not MSRP: {v:?}"
    );
    e.assert_seen(what, &v[1..], ',');
    assert_no_expert_problems(&expert, what);
    // And our own decoder reads back exactly what was written.
    let frame = Frame::parse(bytes::Bytes::copy_from_slice(wire)).unwrap();
    let mut again = BytesMut::new();
    frame.encode(&mut again);
    assert_eq!(&again[..], wire, "{what}: re-encoding");
}

fn tid(s: &str) -> TransactionId {
    TransactionId::new(s.as_bytes()).unwrap()
}

#[test]
fn send_response_and_report_dissect_as_written() {
    // REQ: MSRP-1, MSRP-5
    if !tools_present() {
        return;
    }
    let body = b"Hi, I'm Alice!";
    let range = ByteRange::new(1, Some(14), Some(14)).unwrap();
    let mut send = BytesMut::new();
    RequestBuilder::new(Method::Send, tid("d93kswow"))
        .to_path(TO)
        .from_path(FROM)
        .message_id("12339sdqwer")
        .byte_range(range)
        .success_report(ReportMode::Yes)
        .failure_report(ReportMode::Partial)
        .body("text/plain", body)
        .encode(&mut send)
        .unwrap();
    check(
        "SEND",
        &send,
        &MsrpFields {
            tid: "d93kswow".into(),
            method: "SEND".into(),
            to_path: TO.into(),
            from_path: FROM.into(),
            message_id: "12339sdqwer".into(),
            byte_range: "1-14/14".into(),
            content_type: "text/plain".into(),
            ..MsrpFields::default()
        },
    );

    let request = Frame::parse(send.freeze()).unwrap();
    let mut ok = BytesMut::new();
    ResponseBuilder::for_request(&request.head, 200)
        .encode(&mut ok)
        .unwrap();
    check(
        "200 response",
        &ok,
        &MsrpFields {
            tid: "d93kswow".into(),
            status: "200".into(),
            to_path: FROM.into(),
            from_path: TO.into(),
            ..MsrpFields::default()
        },
    );

    let status = Status::new(200).with_text("OK");
    let mut report = BytesMut::new();
    RequestBuilder::new(Method::Report, tid("dkei38sd"))
        .to_path(FROM)
        .from_path(TO)
        .message_id("12339sdqwer")
        .byte_range(range)
        .status(&status)
        .encode(&mut report)
        .unwrap();
    check(
        "REPORT",
        &report,
        &MsrpFields {
            tid: "dkei38sd".into(),
            method: "REPORT".into(),
            to_path: FROM.into(),
            from_path: TO.into(),
            message_id: "12339sdqwer".into(),
            byte_range: "1-14/14".into(),
            ..MsrpFields::default()
        },
    );
}

#[test]
fn interrupted_and_aborted_chunks_dissect_with_their_flags() {
    // REQ: MSRP-4
    if !tools_present() {
        return;
    }
    let data: Vec<u8> = (0..100u8).map(|i| b'a' + i % 26).collect();
    for (t, flag, written) in [
        ("kd7a0e2", Flag::Continued, 40),
        ("kd7a0e3", Flag::Aborted, 70),
    ] {
        let range = ByteRange::new(1, None, Some(100)).unwrap();
        let builder = RequestBuilder::new(Method::Send, tid(t))
            .to_path(TO)
            .from_path(FROM)
            .message_id("a9s8d7f6")
            .byte_range(range)
            .content_type("text/plain");
        let mut out = BytesMut::new();
        let mut w = ChunkWriter::begin(&mut out, &builder).unwrap();
        // The chunk stops wherever the writer was: any byte will do.
        w.write(&mut out, &data[..written / 2]).unwrap();
        w.write(&mut out, &data[written / 2..written]).unwrap();
        w.finish(&mut out, flag);
        check(
            t,
            &out,
            &MsrpFields {
                tid: t.into(),
                method: "SEND".into(),
                to_path: TO.into(),
                from_path: FROM.into(),
                message_id: "a9s8d7f6".into(),
                byte_range: "1-*/100".into(),
                content_type: "text/plain".into(),
                flag: char::from(flag.as_byte()),
                ..MsrpFields::default()
            },
        );
    }
}

#[test]
fn nickname_request_dissects_as_written() {
    // REQ: MSRP-7
    if !tools_present() {
        return;
    }
    let mut out = BytesMut::new();
    RequestBuilder::new(Method::Nickname, tid("hj8jas0s"))
        .to_path(TO)
        .from_path(FROM)
        .use_nickname("Alice the great")
        .encode(&mut out)
        .unwrap();
    let header: &[u8] = b"Use-Nickname: \"Alice the great\"\r\n";
    assert!(out.windows(header.len()).any(|w| w == header));
    check(
        "NICKNAME",
        &out,
        &MsrpFields {
            tid: "hj8jas0s".into(),
            method: "NICKNAME".into(),
            to_path: TO.into(),
            from_path: FROM.into(),
            ..MsrpFields::default()
        },
    );
}
