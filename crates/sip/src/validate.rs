//! Semantic checks of a parsed message (REQ: SIP-4, SIP-5): what a UAS checks before
//! processing a request (RFC 3261 §8.2) and what a UAC checks before accepting a response
//! (§8.1.3), each failure carrying the status code to answer with.
//!
//! The framing parser accepts everything the grammar of the start line and header section
//! allows; typed header values are parsed only here or on access. So a message that parses can
//! still be rejected: RFC 4475 §3.3 is made of such messages.
//!
//!
//! The order of the checks is documented on [`Request::validate_with`].

use bytes::Bytes;

use crate::error::{ErrorKind, ParseError};
use crate::header::{
    Accept, CSeq, CallId, Contact, ContentLength, ContentType, Expires, From, MaxForwards,
    MinExpires, MinSe, ProxyRequire, RecordRoute, Require, Route, SessionExpires, To, TypedHeader,
    Via,
};
use crate::message::{Headers, Request, Response};
use crate::method::Method;
use crate::name::HeaderName;
use crate::uri::Uri;

/// Why a message was refused, and how to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejection {
    /// The status code to answer a request with (for a response: the reason to discard it,
    /// given as the status the same fault in a request would get).
    pub status: u16,
    /// Which check failed, in words.
    pub reason: &'static str,
    /// The header at fault, if one is.
    pub header: Option<HeaderName>,
    /// The located parse error behind the rejection, if any (offsets count from the first
    /// byte of the message).
    pub error: Option<ParseError>,
    /// For 420: the option tags not supported, for the Unsupported header.
    pub unsupported: Vec<Bytes>,
}

impl Rejection {
    fn new(status: u16, reason: &'static str) -> Self {
        Self {
            status,
            reason,
            header: None,
            error: None,
            unsupported: Vec::new(),
        }
    }

    fn at(mut self, header: HeaderName, error: Option<ParseError>) -> Self {
        self.header = Some(header);
        self.error = error;
        self
    }
}

impl Rejection {
    /// The response a UAS sends for this rejection (RFC 3261 §8.2): built from the request
    /// with [`Response::for_request`], plus `Unsupported` listing the tags for a 420
    /// (§8.2.2.3) and `Accept` listing `policy`'s body types for a 415 (§8.2.3). Add headers or
    /// a body before `build()`.
    pub fn response(
        &self,
        req: &Request,
        policy: &Policy,
        ids: &mut impl crate::ids::IdGenerator,
    ) -> crate::builder::ResponseBuilder {
        let mut b = Response::for_request(req, self.status, ids);
        match self.status {
            420 => {
                for tag in &self.unsupported {
                    b = b.header(HeaderName::Unsupported, String::from_utf8_lossy(tag));
                }
            }
            415 => b = b.header(HeaderName::Accept, policy.content_types.join(", ")),
            _ => {}
        }
        b
    }
}

impl core::fmt::Display for Rejection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {}", self.status, self.reason)?;
        if let Some(h) = self.header {
            write!(f, " ({h})")?;
        }
        if let Some(e) = self.error {
            write!(f, ": {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Rejection {}

/// What the validating element supports. The defaults suit an IM user agent or focus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Methods that get past the 501 check.
    pub methods: Vec<Method>,
    /// URI schemes served in the Request-URI (others get 416).
    pub schemes: Vec<&'static str>,
    /// Option tags this element supports (others in Require get 420).
    pub extensions: Vec<&'static str>,
    /// Body types accepted (`type/subtype`, `type/*` or `*/*`; others get 415).
    pub content_types: Vec<&'static str>,
    /// Types this element can answer an INVITE or OPTIONS with (checked against Accept).
    pub answer_types: Vec<&'static str>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            methods: vec![
                Method::Invite,
                Method::Ack,
                Method::Bye,
                Method::Cancel,
                Method::Options,
                Method::Register,
                Method::Prack,
                Method::Subscribe,
                Method::Notify,
                Method::Publish,
                Method::Info,
                Method::Refer,
                Method::Message,
                Method::Update,
            ],
            schemes: vec!["sip", "sips", "tel"],
            extensions: vec!["timer", "path", "gruu", "100rel", "norefersub"],
            content_types: vec![
                "application/sdp",
                "message/cpim",
                "text/plain",
                "text/html",
                "multipart/mixed",
                "multipart/related",
                "multipart/alternative",
                "message/sip",
                "message/sipfrag",
                "message/imdn+xml",
                "application/im-iscomposing+xml",
                "application/resource-lists+xml",
                "application/pidf+xml",
                "application/conference-info+xml",
                "application/simple-message-summary",
            ],
            answer_types: vec!["application/sdp"],
        }
    }
}

impl Request {
    /// Checks the request as a UAS would with the default [`Policy`].
    ///
    /// # Errors
    /// The first failed check as a [`Rejection`] with the status to answer.
    pub fn validate(&self) -> Result<(), Rejection> {
        self.validate_with(&Policy::default())
    }

    /// Checks the request against `policy`.
    ///
    /// The checks, in order (each stops at the first failure):
    /// 1. SIP-Version is `SIP/2.0`, else 505 (§8.2, RFC 4475 §3.1.2.16).
    /// 2. Via, From, To, Call-ID and CSeq are present (400, §8.1.1, RFC 4475 §3.3.1); headers
    ///    that may appear once appear once (400, RFC 4475 §3.3.8); every header this crate types
    ///    parses (400, e.g. RFC 4475 §3.1.2.1, §3.1.2.4, §3.1.2.6, §3.1.2.12-§3.1.2.15).
    /// 3. The Request-URI parses (400, RFC 5118 §4.2), carries no URI headers (400, RFC 4475
    ///    §3.1.2.11), and has a scheme the policy serves (416, §8.2.2.1, RFC 4475 §3.3.2).
    /// 4. The method is one the policy knows (501, §8.2.1, RFC 4475 §3.1.1.5, §3.1.2.18).
    /// 5. The CSeq method equals the request method (400, RFC 4475 §3.1.2.17).
    /// 6. A REGISTER's To is a SIP or SIPS URI (400, §10.3 step 5, RFC 4475 §3.3.4).
    /// 7. Every option tag in Require is supported (420 with Unsupported, §8.2.2.3, RFC 4475
    ///    §3.3.5); not checked for ACK and CANCEL.
    /// 8. A body's Content-Type is one the policy accepts (415 with Accept, §8.2.3, RFC 4475
    ///    §3.3.6).
    /// 9. For INVITE and OPTIONS, an Accept header admits a type the policy answers with (406,
    ///    §8.2.3 and RFC 4475 §3.3.15).
    ///
    /// # Errors
    /// The first failed check as a [`Rejection`] with the status to answer.
    pub fn validate_with(&self, policy: &Policy) -> Result<(), Rejection> {
        if !self.version().eq_ignore_ascii_case(b"SIP/2.0") {
            return Err(Rejection::new(505, "SIP version not supported"));
        }
        let h = self.headers();
        check_headers(h)?;
        check_request_uri(&self.uri_bytes(), self.uri_offset(), policy)?;
        if !policy.methods.contains(self.method()) {
            return Err(Rejection::new(501, "method not implemented"));
        }
        // Present and well-formed: checked by `check_headers`.
        if let Some(Ok(cseq)) = h.typed::<CSeq>() {
            if cseq.method() != self.method() {
                return Err(
                    Rejection::new(400, "CSeq method does not match the request")
                        .at(HeaderName::CSeq, None),
                );
            }
        }
        if *self.method() == Method::Register {
            if let Some(Ok(to)) = h.typed::<To>() {
                if !matches!(to.uri(), Uri::Sip(_)) {
                    return Err(Rejection::new(400, "REGISTER To is not a SIP or SIPS URI")
                        .at(HeaderName::To, None));
                }
            }
        }
        if !matches!(self.method(), Method::Ack | Method::Cancel) {
            let unsupported: Vec<Bytes> = h
                .typed_all::<Require>()
                .filter_map(Result::ok)
                .map(|r| r.value().clone())
                .filter(|tag| {
                    !policy
                        .extensions
                        .iter()
                        .any(|s| s.as_bytes().eq_ignore_ascii_case(tag))
                })
                .collect();
            if !unsupported.is_empty() {
                let mut r =
                    Rejection::new(420, "option tag not supported").at(HeaderName::Require, None);
                r.unsupported = unsupported;
                return Err(r);
            }
        }
        if !self.body().is_empty() {
            if let Some(Ok(ct)) = h.typed::<ContentType>() {
                if !media_accepted(
                    &policy.content_types,
                    ct.media().mtype(),
                    ct.media().subtype(),
                ) {
                    return Err(Rejection::new(415, "body type not supported")
                        .at(HeaderName::ContentType, None));
                }
            }
        }
        if matches!(self.method(), Method::Invite | Method::Options)
            && h.get(HeaderName::Accept).is_some()
        {
            // A range with q=0 means "not acceptable" (RFC 3261 §20.1, RFC 2616 §14.1).
            let ok = h
                .typed_all::<Accept>()
                .filter_map(Result::ok)
                .filter(|range| range.q() != Some(0))
                .any(|range| {
                    policy.answer_types.iter().any(|t| {
                        let (ty, sub) = t.split_once('/').unwrap_or((t, ""));
                        range.matches(ty, sub)
                    })
                });
            if !ok {
                return Err(
                    Rejection::new(406, "no acceptable body type").at(HeaderName::Accept, None)
                );
            }
        }
        Ok(())
    }

    fn uri_offset(&self) -> usize {
        // The Request-URI follows the method and one SP.
        self.method().as_bytes().len() + 1
    }
}

impl Response {
    /// Checks the response as a UAC would before handing it to a transaction (RFC 3261
    /// §8.1.3): version, mandatory and single-valued headers, and typed header syntax. A
    /// rejected response is discarded, not answered.
    ///
    /// # Errors
    /// The first failed check as a [`Rejection`].
    pub fn validate(&self) -> Result<(), Rejection> {
        if !self.version().eq_ignore_ascii_case(b"SIP/2.0") {
            return Err(Rejection::new(505, "SIP version not supported"));
        }
        check_headers(self.headers())
    }
}

/// The mandatory headers of every request and response (RFC 3261 §8.1.1).
const MANDATORY: [HeaderName; 5] = [
    HeaderName::Via,
    HeaderName::From,
    HeaderName::To,
    HeaderName::CallId,
    HeaderName::CSeq,
];

fn check_headers(h: &Headers) -> Result<(), Rejection> {
    for name in MANDATORY {
        if h.get(name).is_none() {
            return Err(Rejection::new(400, "missing mandatory header").at(name, None));
        }
    }
    let mut seen: smallvec::SmallVec<[HeaderName; 16]> = smallvec::SmallVec::new();
    for f in h.iter() {
        let n = f.name();
        if n.is_single() {
            if seen.contains(&n) {
                let e = ParseError::new(ErrorKind::UnexpectedByte, f.value_offset());
                return Err(Rejection::new(400, "header appears more than once").at(n, Some(e)));
            }
            seen.push(n);
        }
    }
    check_typed::<Via>(h)?;
    check_typed::<From>(h)?;
    check_typed::<To>(h)?;
    check_typed::<CallId>(h)?;
    check_typed::<CSeq>(h)?;
    check_typed::<MaxForwards>(h)?;
    check_typed::<Contact>(h)?;
    check_typed::<Route>(h)?;
    check_typed::<RecordRoute>(h)?;
    check_typed::<ContentLength>(h)?;
    check_typed::<ContentType>(h)?;
    check_typed::<Expires>(h)?;
    check_typed::<MinExpires>(h)?;
    check_typed::<Require>(h)?;
    check_typed::<ProxyRequire>(h)?;
    check_typed::<SessionExpires>(h)?;
    check_typed::<MinSe>(h)?;
    check_date(h)
}

fn check_typed<T: TypedHeader>(h: &Headers) -> Result<(), Rejection> {
    match h.typed_all::<T>().find_map(Result::err) {
        Some(e) => Err(Rejection::new(400, "malformed header").at(T::NAME, Some(e))),
        None => Ok(()),
    }
}

/// `Date` must be an RFC 1123 date in GMT (RFC 3261 §20.17, RFC 4475 §3.1.2.12).
fn check_date(h: &Headers) -> Result<(), Rejection> {
    let Some(f) = h.get(HeaderName::Date) else {
        return Ok(());
    };
    let v = f.value();
    if v.ends_with(b" GMT") {
        Ok(())
    } else {
        let at = f.value_offset() + v.len().saturating_sub(3);
        Err(Rejection::new(400, "Date is not in GMT").at(
            HeaderName::Date,
            Some(ParseError::new(ErrorKind::UnexpectedByte, at)),
        ))
    }
}

fn check_request_uri(uri: &Bytes, offset: usize, policy: &Policy) -> Result<(), Rejection> {
    let parsed = Uri::parse(uri).map_err(|e| Rejection {
        error: Some(e.shifted(offset)),
        ..Rejection::new(400, "malformed Request-URI")
    })?;
    let scheme = parsed.scheme();
    if !policy
        .schemes
        .iter()
        .any(|s| s.as_bytes().eq_ignore_ascii_case(scheme))
    {
        return Err(Rejection::new(416, "unsupported URI scheme"));
    }
    if let Uri::Sip(sip) = &parsed {
        if !sip.headers().is_empty() {
            let at = memchr::memchr(b'?', uri).unwrap_or(0) + offset;
            return Err(Rejection {
                error: Some(ParseError::new(ErrorKind::UriHeader, at)),
                ..Rejection::new(400, "headers in the Request-URI")
            });
        }
    }
    Ok(())
}

/// True when `type/subtype` is in `accepted` (which may hold `type/*` and `*/*`).
fn media_accepted(accepted: &[&str], ty: &[u8], sub: &[u8]) -> bool {
    accepted.iter().any(|a| {
        let (aty, asub) = a.split_once('/').unwrap_or((a, ""));
        (aty == "*" || aty.as_bytes().eq_ignore_ascii_case(ty))
            && (asub == "*" || asub.as_bytes().eq_ignore_ascii_case(sub))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn req(text: &str) -> Request {
        match Message::parse_datagram(Bytes::from(text.replace('\n', "\r\n"))).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => panic!("not a request"),
        }
    }

    const BASE: &str = "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\n\
From: <sip:a@example.com>;tag=1\n\
To: <sip:b@example.com>\n\
Call-ID: x@y\n";

    fn with(start: &str, cseq: &str, extra: &str) -> Request {
        req(&format!(
            "{start}\n{BASE}CSeq: {cseq}\n{extra}Content-Length: 0\n\n"
        ))
    }

    #[test]
    fn well_formed_request_passes() {
        // REQ: SIP-4
        assert_eq!(
            with("OPTIONS sip:b@example.com SIP/2.0", "1 OPTIONS", "").validate(),
            Ok(())
        );
    }

    #[test]
    fn each_check_gives_its_status() {
        // REQ: SIP-4, SIP-5
        let cases: &[(Request, u16)] = &[
            (
                with("OPTIONS sip:b@example.com SIP/7.0", "1 OPTIONS", ""),
                505,
            ),
            (
                with("OPTIONS sip:b@example.com SIP/2.0", "1 INVITE", ""),
                400,
            ),
            (with("FOO sip:b@example.com SIP/2.0", "1 BAR", ""), 501),
            (with("OPTIONS soap.beep://x SIP/2.0", "1 OPTIONS", ""), 416),
            (
                with("OPTIONS sip:b@example.com?Route=x SIP/2.0", "1 OPTIONS", ""),
                400,
            ),
            (
                with(
                    "OPTIONS sip:b@example.com SIP/2.0",
                    "4294967296 OPTIONS",
                    "",
                ),
                400,
            ),
            (
                with(
                    "OPTIONS sip:b@example.com SIP/2.0",
                    "1 OPTIONS",
                    "Require: nothing\n",
                ),
                420,
            ),
            (
                with(
                    "OPTIONS sip:b@example.com SIP/2.0",
                    "1 OPTIONS",
                    "Call-ID: again\n",
                ),
                400,
            ),
            (
                with(
                    "OPTIONS sip:b@example.com SIP/2.0",
                    "1 OPTIONS",
                    "Date: Fri, 01 Jan 2010 16:00:00 EST\n",
                ),
                400,
            ),
            (
                with(
                    "INVITE sip:b@example.com SIP/2.0",
                    "1 INVITE",
                    "Accept: text/nobodyKnowsThis\n",
                ),
                406,
            ),
        ];
        for (r, status) in cases {
            let got = r.validate().map_err(|e| e.status);
            assert_eq!(
                got,
                Err(*status),
                "{}",
                String::from_utf8_lossy(r.as_bytes())
            );
        }
    }

    #[test]
    fn unsupported_tags_are_listed() {
        let r = with(
            "OPTIONS sip:b@example.com SIP/2.0",
            "1 OPTIONS",
            "Require: timer, foo, bar\n",
        );
        let e = r.validate().unwrap_err();
        assert_eq!(e.status, 420);
        assert_eq!(e.unsupported, ["foo", "bar"]);
        // ACK and CANCEL are exempt (RFC 3261 §8.2.2.3).
        let ack = with("ACK sip:b@example.com SIP/2.0", "1 ACK", "Require: foo\n");
        assert_eq!(ack.validate(), Ok(()));
    }

    #[test]
    fn missing_header_is_named_and_bad_one_located() {
        let r = req("OPTIONS sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP a\nContent-Length: 0\n\n");
        let e = r.validate().unwrap_err();
        assert_eq!((e.status, e.header), (400, Some(HeaderName::From)));
        let r = with(
            "OPTIONS sip:b@example.com SIP/2.0",
            "1 OPTIONS",
            "Max-Forwards: 300\n",
        );
        let e = r.validate().unwrap_err();
        assert_eq!(e.header, Some(HeaderName::MaxForwards));
        let at = e.error.unwrap().offset;
        assert_eq!(&r.as_bytes()[at..at + 3], b"300");
    }

    #[test]
    fn rejection_responses_carry_their_headers() {
        // REQ: SIP-5 — RFC 3261 §8.2.2.3 (420 + Unsupported), §8.2.3 (415 + Accept).
        let mut ids = crate::ids::SeededIds::new(3);
        let policy = Policy::default();
        let r = with(
            "OPTIONS sip:b@example.com SIP/2.0",
            "1 OPTIONS",
            "Require: foo\n",
        );
        let resp = r
            .validate()
            .unwrap_err()
            .response(&r, &policy, &mut ids)
            .build()
            .unwrap();
        assert_eq!(resp.code(), 420);
        assert_eq!(
            resp.headers()
                .get(HeaderName::Unsupported)
                .unwrap()
                .raw_value(),
            b"foo"
        );
        let r = req(&format!(
            "MESSAGE sip:b@example.com SIP/2.0\n{BASE}CSeq: 1 MESSAGE\nContent-Type: application/x-unknown\nContent-Length: 2\n\nhi"
        ));
        let resp = r
            .validate()
            .unwrap_err()
            .response(&r, &policy, &mut ids)
            .build()
            .unwrap();
        assert_eq!(resp.code(), 415);
        let accept: Vec<_> = resp
            .headers()
            .typed_all::<Accept>()
            .map(|a| a.unwrap().to_string())
            .collect();
        assert!(accept.contains(&"message/cpim".to_owned()));
        // The To gained a tag from the generator (RFC 3261 §8.2.6.2).
        let to: To = resp.headers().typed().unwrap().unwrap();
        assert!(to.tag().is_some());
    }

    #[test]
    fn body_type_is_checked() {
        let r = req(&format!(
            "MESSAGE sip:b@example.com SIP/2.0\n{BASE}CSeq: 1 MESSAGE\nContent-Type: application/x-unknown\nContent-Length: 2\n\nhi"
        ));
        assert_eq!(r.validate().unwrap_err().status, 415);
    }
}
