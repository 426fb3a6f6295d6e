//! Owned messages (REQ: SIP-1): [`Request`], [`Response`] and [`Message`], backed by one
//! [`Bytes`] buffer that they re-emit byte for byte.
//!
//! Parsing indexes the header lines; typed views ([`Headers::typed`]) are parsed on access.
//! Cloning a message, a header value or the body is a reference-count increment.

use bytes::{BufMut, Bytes};
use smallvec::SmallVec;

use crate::error::{ErrorKind, ParseError, Result};
use crate::header::TypedHeader;
use crate::lex::split_commas;
use crate::method::Method;
use crate::name::HeaderName;
use crate::parse::{
    Framing, HeadInfo, INLINE_HEADERS, Limits, RawHeader, Span, StartLine, Status, frame_into,
};

/// The header section of a message: every header line in order, with its raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    raw: Bytes,
    entries: SmallVec<[RawHeader; INLINE_HEADERS]>,
}

/// One header line of a message.
#[derive(Debug, Clone, Copy)]
pub struct HeaderField<'a> {
    raw: &'a Bytes,
    entry: &'a RawHeader,
}

impl<'a> HeaderField<'a> {
    /// The header, resolved from its long or compact name.
    #[must_use]
    pub fn name(&self) -> HeaderName {
        self.entry.name
    }

    /// The name exactly as written (`f`, `FROM`, `X-Custom`).
    #[must_use]
    pub fn name_as_written(&self) -> &'a str {
        // Header names are tokens, hence ASCII.
        core::str::from_utf8(self.entry.name_span.of(self.raw)).unwrap_or_default()
    }

    /// The canonical name for a known header, the written name otherwise.
    #[must_use]
    pub fn display_name(&self) -> &'a str {
        self.entry
            .name
            .canonical()
            .unwrap_or_else(|| self.name_as_written())
    }

    /// The value as written, folds included, without leading and trailing white space.
    #[must_use]
    pub fn raw_value(&self) -> &'a [u8] {
        self.entry.value_span.of(self.raw)
    }

    /// The value with folds unfolded (each CR and LF of a fold becomes SP, so offsets within
    /// the value do not move). A slice of the message when nothing was folded.
    #[must_use]
    pub fn value(&self) -> Bytes {
        let span = self.entry.value_span;
        if self.entry.folded {
            let unfolded: Vec<u8> = span
                .of(self.raw)
                .iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
                .collect();
            Bytes::from(unfolded)
        } else {
            span.bytes_of(self.raw)
        }
    }

    /// True when the value was folded over several lines.
    #[must_use]
    pub fn is_folded(&self) -> bool {
        self.entry.folded
    }

    /// Byte offset of the value within the message.
    #[must_use]
    pub fn value_offset(&self) -> usize {
        self.entry.value_span.start as usize
    }

    /// The whole header line as written, from the name to the end of the value.
    #[must_use]
    pub fn raw_line(&self) -> &'a [u8] {
        Span {
            start: self.entry.name_span.start,
            end: self.entry.value_span.end.max(self.entry.name_span.end),
        }
        .of(self.raw)
    }

    /// Parses this field as `T`: one value, or for a list header each comma-separated
    /// element. Error offsets are made absolute within the message.
    pub fn typed<T: TypedHeader>(&self) -> impl Iterator<Item = Result<T>> + use<'a, T> {
        let value = self.value();
        let base = self.value_offset();
        let ranges: SmallVec<[core::ops::Range<usize>; 4]> = if T::ALLOW_EMPTY && value.is_empty() {
            SmallVec::new()
        } else if T::LIST {
            split_commas(&value)
        } else {
            smallvec::smallvec![0..value.len()]
        };
        let len = value.len();
        let mut value = Some(value);
        ranges.into_iter().map(move |r| {
            if r.is_empty() {
                // An empty list element (`a,,b`, RFC 4475 §3.1.2.1).
                return Err(ParseError::new(ErrorKind::Empty, base + r.start));
            }
            let start = r.start;
            let part = match &mut value {
                // An element: a slice of the value.
                Some(v) if r.start != 0 || r.end != len => v.slice(r),
                // The whole value, hence the only range: handed over, no reference count.
                whole => whole.take().unwrap_or_default(),
            };
            T::parse_owned(part).map_err(|e| e.shifted(base + start))
        })
    }
}

impl Headers {
    /// How many header lines.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every header line, in order.
    pub fn iter(&self) -> impl Iterator<Item = HeaderField<'_>> {
        self.entries.iter().map(|entry| HeaderField {
            raw: &self.raw,
            entry,
        })
    }

    /// The first header line called `name`.
    #[must_use]
    pub fn get(&self, name: HeaderName) -> Option<HeaderField<'_>> {
        self.get_all(name).next()
    }

    /// Every header line called `name`, in order.
    pub fn get_all(&self, name: HeaderName) -> impl Iterator<Item = HeaderField<'_>> {
        self.iter().filter(move |h| h.name() == name)
    }

    /// Every header line whose name is `name` (any case; long or compact form for known
    /// headers, the exact name for others).
    pub fn get_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = HeaderField<'s>> {
        let known = HeaderName::from_bytes(name.as_bytes());
        self.iter().filter(move |h| {
            if known == HeaderName::Other {
                h.name() == HeaderName::Other && h.name_as_written().eq_ignore_ascii_case(name)
            } else {
                h.name() == known
            }
        })
    }

    /// How many lines called `name`.
    #[must_use]
    pub fn count(&self, name: HeaderName) -> usize {
        self.get_all(name).count()
    }

    /// The first value of header `T`, typed: `None` when absent.
    #[must_use]
    pub fn typed<T: TypedHeader>(&self) -> Option<Result<T>> {
        self.get(T::NAME)?.typed::<T>().next()
    }

    /// Every value of header `T` across all its lines and list elements, in order.
    pub fn typed_all<'a, T: TypedHeader + 'a>(&'a self) -> impl Iterator<Item = Result<T>> + 'a {
        self.get_all(T::NAME).flat_map(|h| h.typed::<T>())
    }
}

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    method: Method,
    uri: Span,
    version: Span,
    headers: Headers,
    body: Span,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    code: u16,
    reason: Span,
    version: Span,
    headers: Headers,
    body: Span,
}

/// A SIP request or response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

/// The accessors requests and responses share (both hold `version`, `headers` and `body`).
macro_rules! common_accessors {
    () => {
        /// The SIP-Version as written (`SIP/2.0`).
        #[must_use]
        pub fn version(&self) -> &[u8] {
            self.version.of(&self.headers.raw)
        }

        /// The header section.
        #[must_use]
        pub fn headers(&self) -> &Headers {
            &self.headers
        }

        /// The body (empty when there is none).
        #[must_use]
        pub fn body(&self) -> Bytes {
            self.body.bytes_of(&self.headers.raw)
        }

        /// The message exactly as received or built.
        #[must_use]
        pub fn as_bytes(&self) -> &Bytes {
            &self.headers.raw
        }
    };
}

impl Request {
    /// The method.
    #[must_use]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The Request-URI as written. Parse it with `Uri::parse` for its parts.
    #[must_use]
    pub fn uri_bytes(&self) -> Bytes {
        self.uri.bytes_of(&self.headers.raw)
    }

    common_accessors!();
}

impl Response {
    /// The status code (100..=699).
    #[must_use]
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The reason phrase as written (may be empty, may be UTF-8 text, RFC 4475 §3.1.1.12).
    #[must_use]
    pub fn reason(&self) -> &[u8] {
        self.reason.of(&self.headers.raw)
    }

    common_accessors!();
}

impl Message {
    /// Parses a UDP datagram holding one message, with default [`Limits`]: octets after
    /// Content-Length are ignored (RFC 4475 §3.1.1.8), and without Content-Length the body is
    /// the rest of the datagram.
    ///
    /// # Errors
    /// A located [`ParseError`]; its [`ParseError::status_hint`] is the status to answer with.
    pub fn parse_datagram(buf: Bytes) -> Result<Self> {
        Self::parse_datagram_with(buf, &Limits::default())
    }

    /// [`Message::parse_datagram`] with explicit limits.
    ///
    /// # Errors
    /// As [`Message::parse_datagram`].
    pub fn parse_datagram_with(buf: Bytes, limits: &Limits) -> Result<Self> {
        let mut entries = SmallVec::new();
        match frame_into(&buf, Framing::Datagram, limits, &mut entries)? {
            Some((info, used)) => {
                let body = Span::new(info.body_start, used);
                // The message takes the datagram's buffer when it is all message (no
                // keep-alive CRLFs before it): no slice, no reference count.
                let bytes = if info.start == 0 && used == buf.len() {
                    buf
                } else {
                    Span::new(info.start, used).bytes_of(&buf)
                };
                Ok(Self::from_parts(bytes, info, entries, body))
            }
            // A datagram parse never waits; keep a typed error rather than a panic.
            None => Err(ParseError::new(ErrorKind::BodyTruncated, buf.len())),
        }
    }

    /// Parses one message from the start of `buf`: the message and the bytes it used, or
    /// `None` when a stream needs more. The header index is built in place in the message.
    pub(crate) fn parse_framed(
        buf: &Bytes,
        framing: Framing,
        limits: &Limits,
    ) -> Result<Option<(Self, usize)>> {
        let mut entries = SmallVec::new();
        Ok(
            frame_into(buf, framing, limits, &mut entries)?.map(|(info, used)| {
                let body = Span::new(info.body_start, used);
                let bytes = Span::new(info.start, used).bytes_of(buf);
                (Self::from_parts(bytes, info, entries, body), used)
            }),
        )
    }

    /// Parses one message from the start of a stream buffer (Content-Length required).
    /// Returns [`Status::Partial`] if `buf` does not yet hold the whole message. For a
    /// connection, [`crate::StreamDecoder`] does this incrementally.
    ///
    /// # Errors
    /// A located [`ParseError`].
    pub fn parse_stream(buf: &Bytes, limits: &Limits) -> Result<Status<Self>> {
        Ok(match Self::parse_framed(buf, Framing::Stream, limits)? {
            Some((m, used)) => Status::Complete(m, used),
            None => Status::Partial,
        })
    }

    /// Builds the owned message from a borrowed parse of `buf`, rebasing every span onto the
    /// message's own bytes (leading keep-alive CRLFs and trailing octets are not part of it).
    ///
    /// The parser gives `raw.start <= span <= used <= buf.len()` for every span, all exact
    /// (it refuses offsets past `u32::MAX`), so rebasing cannot underflow; it saturates and
    /// slices checked all the same, so a broken invariant gives empty slices, not a panic.
    #[cfg(test)]
    pub(crate) fn from_raw(buf: &Bytes, raw: crate::parse::RawMessage<'_>, used: usize) -> Self {
        let info = raw.info();
        let bytes = Span::new(info.start, used).bytes_of(buf);
        Self::from_parts(bytes, info, raw.headers, raw.body)
    }

    /// [`Message::from_raw`] from the parts of a head; `bytes` are the message's own bytes
    /// (`info.start..used` of the buffer parsed).
    fn from_parts(
        bytes: Bytes,
        info: HeadInfo,
        mut entries: SmallVec<[RawHeader; INLINE_HEADERS]>,
        body: Span,
    ) -> Self {
        let base = info.start;
        let rebase = |s: Span| {
            Span::new(
                (s.start as usize).saturating_sub(base),
                (s.end as usize).saturating_sub(base),
            )
        };
        // Most messages start at byte 0 (no keep-alive CRLFs before them): nothing to move.
        if base > 0 {
            for h in &mut entries {
                h.name_span = rebase(h.name_span);
                h.value_span = rebase(h.value_span);
            }
        }
        let headers = Headers {
            raw: bytes,
            entries,
        };
        let body = rebase(body);
        match info.start_line {
            StartLine::Request {
                method,
                uri,
                version,
            } => {
                let method = rebase(method);
                let bytes = &headers.raw;
                // The parser has checked the method is a token, so this cannot fail; an
                // extension is the fallback regardless. A known method takes no slice.
                let method = Method::from_part(bytes, method.of(bytes))
                    .unwrap_or_else(|_| Method::Extension(method.bytes_of(bytes)));
                Self::Request(Request {
                    method,
                    uri: rebase(uri),
                    version: rebase(version),
                    headers,
                    body,
                })
            }
            StartLine::Response {
                version,
                code,
                reason,
            } => Self::Response(Response {
                code,
                reason: rebase(reason),
                version: rebase(version),
                headers,
                body,
            }),
        }
    }

    /// The header section.
    #[must_use]
    pub fn headers(&self) -> &Headers {
        match self {
            Self::Request(r) => r.headers(),
            Self::Response(r) => r.headers(),
        }
    }

    /// The body.
    #[must_use]
    pub fn body(&self) -> Bytes {
        match self {
            Self::Request(r) => r.body(),
            Self::Response(r) => r.body(),
        }
    }

    /// The message exactly as received or built.
    #[must_use]
    pub fn as_bytes(&self) -> &Bytes {
        match self {
            Self::Request(r) => r.as_bytes(),
            Self::Response(r) => r.as_bytes(),
        }
    }

    /// Appends the message's bytes to `out` (byte-exact with what was parsed or built).
    pub fn encode(&self, out: &mut impl BufMut) {
        out.put_slice(self.as_bytes());
    }

    /// The request, if this is one.
    #[must_use]
    pub fn as_request(&self) -> Option<&Request> {
        match self {
            Self::Request(r) => Some(r),
            Self::Response(_) => None,
        }
    }

    /// The response, if this is one.
    #[must_use]
    pub fn as_response(&self) -> Option<&Response> {
        match self {
            Self::Response(r) => Some(r),
            Self::Request(_) => None,
        }
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Self {
        Self::Request(r)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Self::Response(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::CSeq;

    const MSG: &[u8] = b"\r\nMESSAGE sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n\
v: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n\
CSeq: 7\r\n MESSAGE\r\n\
X-Custom: one\r\n\
l: 5\r\n\
\r\n\
hello";

    #[test]
    fn owned_message_reemits_bytes_and_rebases() {
        // REQ: SIP-1
        let m = Message::parse_datagram(Bytes::from_static(MSG)).unwrap();
        assert_eq!(m.as_bytes().as_ref(), &MSG[2..]);
        let Message::Request(r) = &m else { panic!() };
        assert_eq!(r.method(), &Method::Message);
        assert_eq!(r.uri_bytes().as_ref(), b"sip:bob@example.com");
        assert_eq!(r.version(), b"SIP/2.0");
        assert_eq!(r.body().as_ref(), b"hello");
        let h = m.headers();
        assert_eq!(h.len(), 5);
        assert_eq!(h.count(HeaderName::Via), 2);
        let x: Vec<_> = h.get_named("x-custom").map(|f| f.value()).collect();
        assert_eq!(x, [Bytes::from_static(b"one")]);
        assert_eq!(h.get_named("l").count(), 1);
        let cseq = h.get(HeaderName::CSeq).unwrap();
        assert!(cseq.is_folded());
        assert_eq!(cseq.value().as_ref(), b"7   MESSAGE");
        assert_eq!(cseq.raw_line(), b"CSeq: 7\r\n MESSAGE");
    }

    #[test]
    fn typed_list_values_span_lines_and_elements() {
        // REQ: SIP-1, SIP-2
        let m = Message::parse_datagram(Bytes::from_static(MSG)).unwrap();
        let vias: Vec<_> = m
            .headers()
            .typed_all::<crate::header::Via>()
            .map(|v| v.unwrap().branch_bytes().unwrap())
            .collect();
        assert_eq!(vias, ["z9hG4bK1", "z9hG4bK2", "z9hG4bK3"]);
        let cseq: CSeq = m.headers().typed().unwrap().unwrap();
        assert_eq!(cseq.seq(), 7);
    }

    #[test]
    fn typed_errors_are_absolute() {
        let buf = b"OPTIONS sip:a@b SIP/2.0\r\nCSeq: 99999999999 OPTIONS\r\n\r\n";
        let m = Message::parse_datagram(Bytes::from_static(buf)).unwrap();
        let e = m.headers().typed::<CSeq>().unwrap().unwrap_err();
        assert_eq!(e.offset, 31);
        assert_eq!(&buf[e.offset..e.offset + 2], b"99");
    }

    #[test]
    fn empty_list_elements_are_errors() {
        let buf =
            b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1,,SIP/2.0/UDP b\r\n\r\n";
        let m = Message::parse_datagram(Bytes::from_static(buf)).unwrap();
        let errs: Vec<_> = m
            .headers()
            .typed_all::<crate::header::Via>()
            .filter_map(|r| r.err())
            .collect();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].kind, ErrorKind::Empty);
        assert_eq!(errs[0].offset, 60);
    }

    #[test]
    fn empty_optional_lists_are_empty_not_errors() {
        // RFC 3261 §20.37: `Supported = ... HCOLON [option-tag *(COMMA option-tag)]`.
        let buf = b"OPTIONS sip:a@b SIP/2.0\r\nSupported:\r\nAllow: \r\nRequire:\r\n\r\n";
        let m = Message::parse_datagram(Bytes::from_static(buf)).unwrap();
        let h = m.headers();
        assert_eq!(h.typed_all::<crate::header::Supported>().count(), 0);
        assert_eq!(h.typed_all::<crate::header::Allow>().count(), 0);
        // Require needs at least one tag.
        assert!(h.typed::<crate::header::Require>().unwrap().is_err());
    }

    #[test]
    fn from_raw_never_underflows_or_slices_out_of_range() {
        // The parser's spans all lie in `start..used`; a broken invariant (a span before the
        // message start, or past its end) must give empty slices, not a subtraction overflow
        // or a `Bytes::slice` panic.
        let buf = Bytes::from_static(MSG);
        let Status::Complete(mut raw, used) =
            crate::parse::parse_message(&buf, Framing::Datagram, &Limits::default()).unwrap()
        else {
            panic!("partial")
        };
        raw.start = 10;
        if let StartLine::Request { method, uri, .. } = &mut raw.start_line {
            *method = Span::new(0, 5);
            *uri = Span::new(5, 10_000);
        }
        raw.body = Span::new(used + 100, used + 200);
        let Message::Request(r) = Message::from_raw(&buf, raw, used) else {
            panic!("not a request")
        };
        assert!(r.uri_bytes().is_empty());
        assert!(r.body().is_empty());
        assert!(matches!(r.method(), Method::Extension(m) if m.is_empty()));
        let inverted = Message::from_raw(
            &buf,
            crate::parse::parse_message(&buf, Framing::Datagram, &Limits::default())
                .map(|s| match s {
                    Status::Complete(m, _) => m,
                    Status::Partial => panic!("partial"),
                })
                .unwrap(),
            0,
        );
        assert!(inverted.as_bytes().is_empty());
    }

    #[test]
    fn stream_parse_is_partial_until_complete() {
        let full = Bytes::from_static(MSG);
        let part = full.slice(..MSG.len() - 1);
        assert_eq!(
            Message::parse_stream(&part, &Limits::default()),
            Ok(Status::Partial)
        );
        match Message::parse_stream(&full, &Limits::default()).unwrap() {
            Status::Complete(m, used) => {
                assert_eq!(used, MSG.len());
                assert_eq!(m.body().as_ref(), b"hello");
            }
            Status::Partial => panic!(),
        }
    }
}
