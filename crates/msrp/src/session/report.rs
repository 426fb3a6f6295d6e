//! Responses and REPORT requests a session writes, and the rules of RFC 4975 §5.3, §7.1.3,
//! §7.1.4 and §7.2 on when to write them.

use bytes::BytesMut;

use crate::encode::{RequestBuilder, ResponseBuilder, default_comment};
use crate::error::EncodeError;
use crate::frame::{FrameHead, Method, TransactionId};
use crate::header::{ByteRange, ReportMode, Status};

use super::ids::MessageId;

/// Whether a request with `Failure-Report: mode` gets a response with `code` (RFC 4975
/// §7.2, §7.1.4): `yes` (or absent) always; `partial` only for errors ("MUST NOT send a 200
/// transaction response ... SHOULD send an appropriate non-200 class response if a failure
/// occurs"); `no` never ("MUST NOT send a transaction response").
pub(crate) fn should_respond(mode: ReportMode, code: u16) -> bool {
    match mode {
        ReportMode::Yes => true,
        ReportMode::Partial => code != 200,
        ReportMode::No => false,
    }
}

/// Writes the response to `request` (RFC 4975 §7.2): its transaction identifier, `code` and
/// `comment` (or the conventional phrase), addressed back to the previous hop.
pub(crate) fn write_response(
    out: &mut BytesMut,
    request: &FrameHead,
    code: u16,
    comment: Option<&str>,
) -> Result<(), EncodeError> {
    ResponseBuilder::for_request(request, code)
        .comment(comment.or(default_comment(code)))
        .encode(out)
}

/// What a REPORT says (RFC 4975 §7.1.2-7.1.4).
#[derive(Debug, Clone)]
pub(crate) struct Report<'a> {
    /// Its transaction identifier.
    pub(crate) tid: TransactionId,
    /// The From-Path of the original request, as written ("a To-Path header field
    /// containing the From-Path value from the original request", §7.1.3).
    pub(crate) to_path: &'a [u8],
    /// This endpoint's URI in the session.
    pub(crate) from_path: &'a [u8],
    /// The Message-ID of the original request.
    pub(crate) message_id: MessageId,
    /// The bytes reported on.
    pub(crate) byte_range: ByteRange,
    /// `000 200 OK` for success, an error code for failure.
    pub(crate) status: Status,
}

impl Report<'_> {
    /// Writes the REPORT: no Success-Report or Failure-Report (§7.1.2), headers in the order
    /// of the §11.6 example, no body, never interrupted.
    pub(crate) fn write(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        RequestBuilder::new(Method::Report, self.tid)
            .to_path(self.to_path)
            .from_path(self.from_path)
            .message_id(self.message_id.as_str())
            .byte_range(self.byte_range)
            .status(&self.status)
            .encode(out)
    }
}

/// The Status of a REPORT for `code` in namespace 000, with the conventional phrase.
pub(crate) fn report_status(code: u16) -> Status {
    let status = Status::new(code);
    match default_comment(code) {
        Some(text) => status.with_text(text),
        None => status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Frame;
    use bytes::Bytes;

    #[test]
    fn response_rules() {
        // REQ: MSRP-5 (RFC 4975 §7.2, §7.1.4)
        assert!(should_respond(ReportMode::Yes, 200));
        assert!(should_respond(ReportMode::Yes, 413));
        assert!(!should_respond(ReportMode::Partial, 200));
        assert!(should_respond(ReportMode::Partial, 415));
        assert!(!should_respond(ReportMode::No, 200));
        assert!(!should_respond(ReportMode::No, 481));
    }

    #[test]
    fn success_report_of_rfc4975_11_6() {
        // REQ: MSRP-5 (RFC 4975 §11.6, Figure 17)
        let mut out = BytesMut::new();
        Report {
            tid: "dkei38sd".parse().unwrap(),
            to_path: b"msrp://alicepc.example.com:7777/iau39soe2843z;tcp",
            from_path: b"msrp://bob.example.com:8888/9di4eae923wzd;tcp",
            message_id: "12339sdqwer".parse().unwrap(),
            byte_range: ByteRange::new(1, Some(106), Some(106)).unwrap(),
            status: report_status(200),
        }
        .write(&mut out)
        .unwrap();
        assert_eq!(
            &out[..],
            &b"MSRP dkei38sd REPORT\r\n\
To-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n\
From-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n\
Message-ID: 12339sdqwer\r\n\
Byte-Range: 1-106/106\r\n\
Status: 000 200 OK\r\n\
-------dkei38sd$\r\n"[..]
        );
    }

    #[test]
    fn responses_of_rfc4975_11_1() {
        // REQ: MSRP-5 (RFC 4975 §11.1 step 5)
        let send = Frame::parse(Bytes::from_static(
            b"MSRP d93kswow SEND\r\n\
To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n\
From-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n\
Message-ID: 12339sdqwer\r\n\
Byte-Range: 1-14/14\r\n\
Content-Type: text/plain\r\n\
\r\n\
Hi, I'm Alice!\r\n\
-------d93kswow$\r\n",
        ))
        .unwrap();
        let mut out = BytesMut::new();
        write_response(&mut out, &send.head, 200, None).unwrap();
        assert_eq!(
            &out[..],
            &b"MSRP d93kswow 200 OK\r\n\
To-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n\
From-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n\
-------d93kswow$\r\n"[..]
        );
        out.clear();
        write_response(&mut out, &send.head, 425, Some("Nickname in use")).unwrap();
        assert!(out.starts_with(b"MSRP d93kswow 425 Nickname in use\r\n"));
        out.clear();
        write_response(&mut out, &send.head, 599, None).unwrap();
        assert!(out.starts_with(b"MSRP d93kswow 599\r\n"));
        assert_eq!(report_status(413).to_string(), "000 413 Message Too Large");
        assert_eq!(report_status(299).to_string(), "000 299");
    }
}
