//! Builders for outgoing messages (REQ: SIP-1, SIP-5).
//!
//! A builder collects the start line, headers in order and a body, writes them in wire form
//! with a computed Content-Length, and parses the result: what it returns is the same
//! [`Request`]/[`Response`] type a parse gives, so a built message and a received one behave
//! alike and re-emit the same bytes.

use core::fmt::{self, Write as _};

use bytes::Bytes;

use crate::error::BuildError;
use crate::header::{To, TypedHeader};
use crate::ids::{IdGenerator, IdKind};
use crate::lex::is_token;
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::name::HeaderName;
use crate::parse::Limits;
use crate::status::reason_phrase;

/// Limits for parsing back what a builder wrote. [`Limits`] bound what a peer sends; a built
/// message is as large as its caller made it, and a response copies a request that may sit
/// right at the limits (256 Via lines, compact names that expand), so none apply here.
const BUILT: Limits = Limits {
    max_head_bytes: usize::MAX,
    max_headers: usize::MAX,
    max_body_bytes: usize::MAX,
};

/// Headers and body shared by both builders.
#[derive(Debug, Clone, Default)]
struct Parts {
    headers: Vec<(String, Bytes)>,
    body: Bytes,
    error: Option<BuildError>,
}

impl Parts {
    fn push(&mut self, name: &str, value: Bytes) {
        if self.error.is_some() {
            return;
        }
        if name.is_empty() || !name.bytes().all(is_token) {
            self.error = Some(BuildError::InvalidName { name: name.into() });
        } else if HeaderName::from_bytes(name.as_bytes()) == HeaderName::ContentLength {
            self.error = Some(BuildError::ContentLengthSet);
        } else if value.iter().any(|&b| b == b'\r' || b == b'\n') {
            self.error = Some(BuildError::LineBreakInValue { name: name.into() });
        } else {
            self.headers.push((name.to_owned(), value));
        }
    }

    fn set_body(&mut self, content_type: &str, body: Bytes) {
        self.headers
            .retain(|(n, _)| HeaderName::from_bytes(n.as_bytes()) != HeaderName::ContentType);
        self.push(
            "Content-Type",
            Bytes::copy_from_slice(content_type.as_bytes()),
        );
        self.body = body;
    }

    /// Writes headers, Content-Length, the empty line and the body after `start_line`, and
    /// parses the result.
    fn finish(self, start_line: String) -> Result<Message, BuildError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let head_len: usize = self
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum();
        let mut out = Vec::with_capacity(start_line.len() + head_len + 32 + self.body.len());
        out.extend_from_slice(start_line.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        let mut cl = String::new();
        // Writing to a String cannot fail.
        let _ = write!(cl, "Content-Length: {}\r\n\r\n", self.body.len());
        out.extend_from_slice(cl.as_bytes());
        out.extend_from_slice(&self.body);
        Message::parse_datagram_with(Bytes::from(out), &BUILT).map_err(BuildError::Malformed)
    }
}

fn display_bytes(value: impl fmt::Display) -> Bytes {
    Bytes::from(value.to_string())
}

/// Builds a [`Request`]; start one with [`Request::builder`], which has an example.
#[derive(Debug, Clone)]
#[must_use]
pub struct RequestBuilder {
    method: Method,
    uri: String,
    parts: Parts,
}

/// Builds a [`Response`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ResponseBuilder {
    code: u16,
    reason: String,
    parts: Parts,
}

macro_rules! header_methods {
    () => {
        /// Appends a header line; `value` is written with `Display`.
        pub fn header(mut self, name: HeaderName, value: impl fmt::Display) -> Self {
            match name.canonical() {
                Some(n) => self.parts.push(n, display_bytes(value)),
                None => {
                    self.parts.error = Some(BuildError::InvalidName {
                        name: "(other: use header_named)".into(),
                    })
                }
            }
            self
        }

        /// Appends a header line with a name of the caller's choice (extension headers).
        pub fn header_named(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
            self.parts
                .push(name, Bytes::copy_from_slice(value.as_ref()));
            self
        }

        /// Appends a typed header value.
        pub fn typed<T: TypedHeader + fmt::Display>(self, value: &T) -> Self {
            self.header(T::NAME, value)
        }

        /// Sets the body and its Content-Type (replacing an earlier one). Content-Length is
        /// always computed.
        pub fn body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
            self.parts.set_body(content_type, body.into());
            self
        }
    };
}

impl RequestBuilder {
    header_methods!();

    /// Writes the request and parses it back.
    ///
    /// # Errors
    /// [`BuildError`] when a value would make the message malformed.
    pub fn build(self) -> Result<Request, BuildError> {
        let line = format!("{} {} SIP/2.0", self.method, self.uri);
        match self.parts.finish(line)? {
            Message::Request(r) => Ok(r),
            Message::Response(_) => Err(BuildError::InvalidName {
                name: self.method.to_string(),
            }),
        }
    }
}

impl ResponseBuilder {
    header_methods!();

    /// Writes the response and parses it back.
    ///
    /// # Errors
    /// [`BuildError`] when a value would make the message malformed or the code is out of
    /// range.
    pub fn build(self) -> Result<Response, BuildError> {
        if !(100..=699).contains(&self.code) {
            return Err(BuildError::StatusCode(self.code));
        }
        if self.reason.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(BuildError::LineBreakInValue {
                name: "Reason-Phrase".into(),
            });
        }
        let line = format!("SIP/2.0 {} {}", self.code, self.reason);
        match self.parts.finish(line)? {
            Message::Response(r) => Ok(r),
            Message::Request(_) => Err(BuildError::StatusCode(self.code)),
        }
    }
}

impl Request {
    /// A builder for a request with this method and Request-URI.
    ///
    /// ```
    /// use simpleim_sip::{HeaderName, Method, Request, Response, SeededIds};
    ///
    /// let req = Request::builder(Method::Message, "sip:bob@example.com")
    ///     .header(HeaderName::Via, "SIP/2.0/TCP client.example.com;branch=z9hG4bK74bf9")
    ///     .header(HeaderName::From, "<sip:alice@example.com>;tag=9fxced76sl")
    ///     .header(HeaderName::To, "<sip:bob@example.com>")
    ///     .header(HeaderName::CallId, "3848276298220188511@example.com")
    ///     .header(HeaderName::CSeq, "1 MESSAGE")
    ///     .header(HeaderName::MaxForwards, 70)
    ///     .body("text/plain", "hello")
    ///     .build()?;
    /// assert!(req.as_bytes().ends_with(b"Content-Length: 5\r\n\r\nhello"));
    ///
    /// // REQ: SIP-5 — a response copies Via/From/To/Call-ID/CSeq and adds a To tag.
    /// let ok = Response::for_request(&req, 200, &mut SeededIds::new(1)).build()?;
    /// assert_eq!(ok.code(), 200);
    /// assert!(ok.as_bytes().starts_with(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP client"));
    /// # Ok::<(), simpleim_sip::BuildError>(())
    /// ```
    pub fn builder(method: Method, uri: impl fmt::Display) -> RequestBuilder {
        RequestBuilder {
            method,
            uri: uri.to_string(),
            parts: Parts::default(),
        }
    }
}

impl Response {
    /// A builder for a response with this code and its standard reason phrase.
    pub fn builder(code: u16) -> ResponseBuilder {
        ResponseBuilder {
            code,
            reason: reason_phrase(code).to_owned(),
            parts: Parts::default(),
        }
    }

    /// A response to `req` (RFC 3261 §8.2.6.2, REQ: SIP-5): every Via in order, From, To,
    /// Call-ID and CSeq copied; a To tag from `ids` added when the To has none and the code is
    /// not 100; Record-Route copied in responses that can create a dialog (18x/2xx to INVITE
    /// or SUBSCRIBE, §12.1.1, RFC 6665 §4.1.3); Timestamp echoed in a 100 (§8.2.6.1).
    /// Further headers and a body can be added before `build`.
    pub fn for_request(req: &Request, code: u16, ids: &mut impl IdGenerator) -> ResponseBuilder {
        let mut b = Self::builder(code);
        let h = req.headers();
        let copy = |b: &mut ResponseBuilder, name: HeaderName| {
            for f in h.get_all(name) {
                b.parts
                    .push(name.canonical().unwrap_or_default(), f.value());
            }
        };
        copy(&mut b, HeaderName::Via);
        let dialog_creating = matches!(req.method(), Method::Invite | Method::Subscribe)
            && (101..300).contains(&code);
        if dialog_creating {
            copy(&mut b, HeaderName::RecordRoute);
        }
        copy(&mut b, HeaderName::From);
        if let Some(to) = h.get(HeaderName::To) {
            let value = to.value();
            let has_tag = matches!(To::parse(&value), Ok(t) if t.tag().is_some());
            let value = if has_tag || code == 100 {
                value
            } else {
                let tag = ids.next_id(IdKind::Tag);
                let mut v = Vec::with_capacity(value.len() + 5 + tag.len());
                v.extend_from_slice(&value);
                v.extend_from_slice(b";tag=");
                v.extend_from_slice(&tag);
                Bytes::from(v)
            };
            b.parts.push("To", value);
        }
        copy(&mut b, HeaderName::CallId);
        copy(&mut b, HeaderName::CSeq);
        if code == 100 {
            copy(&mut b, HeaderName::Timestamp);
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SeededIds;

    fn invite() -> Request {
        let buf = b"INVITE sip:chat@example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1\r\n\
Via: SIP/2.0/UDP ua.example.com;branch=z9hG4bK2;received=192.0.2.1\r\n\
Record-Route: <sip:p1.example.com;lr>\r\n\
From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n\
t: <sip:chat@example.com>\r\n\
Call-ID: c1@example.com\r\n\
CSeq: 1 INVITE\r\n\
Timestamp: 54\r\n\
Content-Length: 0\r\n\r\n";
        match Message::parse_datagram(Bytes::from_static(buf)).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    }

    #[test]
    fn response_copies_dialog_headers_and_adds_a_tag() {
        // REQ: SIP-5
        let req = invite();
        let mut ids = SeededIds::new(42);
        let tag = SeededIds::new(42).next_id(IdKind::Tag);
        let r = Response::for_request(&req, 180, &mut ids).build().unwrap();
        let text = String::from_utf8(r.as_bytes().to_vec()).unwrap();
        let expected = format!(
            "SIP/2.0 180 Ringing\r\n\
Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1\r\n\
Via: SIP/2.0/UDP ua.example.com;branch=z9hG4bK2;received=192.0.2.1\r\n\
Record-Route: <sip:p1.example.com;lr>\r\n\
From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n\
To: <sip:chat@example.com>;tag={}\r\n\
Call-ID: c1@example.com\r\n\
CSeq: 1 INVITE\r\n\
Content-Length: 0\r\n\r\n",
            String::from_utf8_lossy(&tag)
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn trying_keeps_to_without_tag_and_echoes_timestamp() {
        let r = Response::for_request(&invite(), 100, &mut SeededIds::new(1))
            .build()
            .unwrap();
        let h = r.headers();
        assert_eq!(
            h.get(HeaderName::To).unwrap().raw_value(),
            b"<sip:chat@example.com>"
        );
        assert_eq!(h.get(HeaderName::Timestamp).unwrap().raw_value(), b"54");
        assert_eq!(h.count(HeaderName::RecordRoute), 0);
    }

    #[test]
    fn builder_rejects_injection_and_manual_length() {
        let e = Request::builder(Method::Options, "sip:a@b")
            .header_named("X-Evil", "a\r\nVia: x")
            .build()
            .unwrap_err();
        assert!(matches!(e, BuildError::LineBreakInValue { .. }));
        let e = Request::builder(Method::Options, "sip:a@b")
            .header(HeaderName::ContentLength, 3)
            .build()
            .unwrap_err();
        assert_eq!(e, BuildError::ContentLengthSet);
        let e = Request::builder(Method::Options, "sip:a@b")
            .header_named("Bad Name", "x")
            .build()
            .unwrap_err();
        assert!(matches!(e, BuildError::InvalidName { .. }));
        let e = Request::builder(Method::Options, "<sip:a@b>")
            .build()
            .unwrap_err();
        assert!(matches!(e, BuildError::Malformed(_)));
        assert_eq!(
            Response::builder(700).build().unwrap_err(),
            BuildError::StatusCode(700)
        );
    }

    #[test]
    fn body_sets_type_and_length() {
        let r = Request::builder(Method::Message, "sip:a@b")
            .body("text/plain", "one")
            .body("message/cpim", Bytes::from_static(b"four"))
            .build()
            .unwrap();
        assert_eq!(r.headers().count(HeaderName::ContentType), 1);
        assert_eq!(
            r.headers()
                .get(HeaderName::ContentType)
                .unwrap()
                .raw_value(),
            b"message/cpim"
        );
        assert_eq!(r.body().as_ref(), b"four");
    }

    #[test]
    fn response_to_a_request_at_the_limits_builds() {
        // REQ: SIP-5 — a request at the default limits (256 header lines, compact names that
        // the response writes long) still gets its answer: built messages are not held to
        // the receive limits.
        let mut buf = b"OPTIONS sip:a@example.com SIP/2.0\r\n".to_vec();
        for i in 0..252 {
            buf.extend_from_slice(format!("v: SIP/2.0/UDP h{i};branch=z9hG4bK{i}\r\n").as_bytes());
        }
        buf.extend_from_slice(b"f: <sip:a@b>;tag=1\r\nt: <sip:c@d>\r\ni: x\r\nCSeq: 1 OPTIONS\r\n");
        let Message::Request(req) = Message::parse_datagram(Bytes::from(buf)).unwrap() else {
            panic!("not a request")
        };
        assert_eq!(req.headers().len(), Limits::default().max_headers);
        let r = Response::for_request(&req, 400, &mut SeededIds::new(1))
            .build()
            .unwrap();
        assert_eq!(r.headers().count(HeaderName::Via), 252);
        assert_eq!(r.headers().len(), 257);
    }
}
