//! The MSRP frame model (RFC 4975 §5.1, §9): transaction identifiers, methods, end-line
//! flags, the head of a frame (start line and header section, kept as the bytes it came from
//! with spans into them) and whole frames.
//!
//! A [`FrameHead`] comes from the [`Decoder`](crate::Decoder) and re-emits exactly the bytes
//! it was decoded from; [`Frame::encode`] of a decoded frame writes exactly the input frame.

use std::borrow::Cow;

use bytes::{Bytes, BytesMut};
use smallvec::SmallVec;

use crate::decode::{Decoded, Decoder, Limits};
use crate::error::{ErrorKind, ParseError, Result};
use crate::header::{
    ByteRange, HeaderField, HeaderName, ReportMode, Status, ident_error, parse_u32, unquote,
};

mod line;

pub(crate) use line::is_method;
pub use line::{Flag, Method, TransactionId};

// --- spans -----------------------------------------------------------------------------------

/// A byte range `start..end` of a head, stored compactly (heads are far below 4 GiB: the
/// decoder caps [`Limits::max_head_bytes`] there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    #[inline]
    pub(crate) fn new(start: usize, end: usize) -> Self {
        Self {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    #[inline]
    pub(crate) fn of(self, buf: &[u8]) -> &[u8] {
        buf.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }

    #[inline]
    pub(crate) fn bytes_of(self, buf: &Bytes) -> Bytes {
        let (s, e) = (self.start as usize, self.end as usize);
        if s <= e && e <= buf.len() {
            buf.slice(s..e)
        } else {
            Bytes::new()
        }
    }
}

/// One header line: its known name (if any), the name and the value as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeaderIdx {
    pub(crate) kind: HeaderName,
    pub(crate) name: Span,
    pub(crate) value: Span,
}

/// What the start line says beyond the transaction identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StartKind {
    Request { method: Span },
    Response { code: u16, comment: Option<Span> },
}

/// The parsed head as the decoder collects it, before its bytes are frozen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeadIndex {
    pub(crate) tid: TransactionId,
    pub(crate) kind: StartKind,
    pub(crate) headers: SmallVec<[HeaderIdx; 8]>,
    pub(crate) has_body: bool,
}

// --- the head --------------------------------------------------------------------------------

/// What kind of frame: a request with its method, or a response with its code.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Request(Method),
    Response { code: u16, comment: Option<Span> },
}

/// The head of a frame: the start line and the header section, as the bytes they came from
/// (one [`Bytes`], cheap to clone, `Send + Sync + 'static`) with their parts located.
///
/// For a request with a body the bytes include the empty line that ends the header section;
/// the end-line is not part of the head (see [`FrameHead::write_end_line`]).
///
/// Header names compare case-insensitively; headers keep their order and extension headers
/// are kept. Typed accessors parse on demand and report errors with the offset in the stream
/// (see [`ParseError::offset`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameHead {
    raw: Bytes,
    offset: u64,
    tid: TransactionId,
    line: Line,
    headers: SmallVec<[HeaderIdx; 8]>,
    has_body: bool,
}

impl FrameHead {
    /// Builds the owned head from the decoder's index and the frozen head bytes.
    pub(crate) fn from_index(raw: Bytes, offset: u64, index: HeadIndex) -> Self {
        let line = match index.kind {
            StartKind::Request { method } => Line::Request(Method::from_slice(&raw, method)),
            StartKind::Response { code, comment } => Line::Response { code, comment },
        };
        Self {
            raw,
            offset,
            tid: index.tid,
            line,
            headers: index.headers,
            has_body: index.has_body,
        }
    }

    // --- the start line ----------------------------------------------------------------------

    /// The transaction identifier.
    #[must_use]
    pub fn transaction_id(&self) -> TransactionId {
        self.tid
    }

    /// True for a request.
    #[must_use]
    pub fn is_request(&self) -> bool {
        matches!(self.line, Line::Request(_))
    }

    /// True for a response.
    #[must_use]
    pub fn is_response(&self) -> bool {
        !self.is_request()
    }

    /// A request's method.
    #[must_use]
    pub fn method(&self) -> Option<&Method> {
        match &self.line {
            Line::Request(m) => Some(m),
            Line::Response { .. } => None,
        }
    }

    /// A response's status code.
    #[must_use]
    pub fn status_code(&self) -> Option<u16> {
        match self.line {
            Line::Response { code, .. } => Some(code),
            Line::Request(_) => None,
        }
    }

    /// A response's comment (the text after the code), if it has one.
    #[must_use]
    pub fn comment(&self) -> Option<&[u8]> {
        match self.line {
            Line::Response {
                comment: Some(s), ..
            } => Some(s.of(&self.raw)),
            _ => None,
        }
    }

    /// True when the request has a body (its header section ends with an empty line). A
    /// request with an empty body has one; a bodiless request has none (RFC 4975 §7.1
    /// tells them apart).
    #[must_use]
    pub fn has_body(&self) -> bool {
        self.has_body
    }

    // --- bytes -------------------------------------------------------------------------------

    /// The head's bytes as received.
    #[must_use]
    pub fn as_bytes(&self) -> &Bytes {
        &self.raw
    }

    /// Offset of the head's first byte in the decoded stream.
    #[must_use]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Writes the head's bytes.
    pub fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(&self.raw);
    }

    /// Writes what ends the frame after the head and body: CRLF (when the frame has a body)
    /// and the end-line with `flag`.
    pub fn write_end_line(&self, out: &mut BytesMut, flag: Flag) {
        if self.has_body {
            out.extend_from_slice(b"\r\n");
        }
        self.tid.write_end_line(out, flag);
    }

    // --- headers -----------------------------------------------------------------------------

    fn field(&self, h: &HeaderIdx) -> HeaderField<'_> {
        HeaderField {
            kind: h.kind,
            name: h.name.of(&self.raw),
            value: h.value.of(&self.raw),
            value_offset: self.offset.saturating_add(u64::from(h.value.start)),
        }
    }

    /// The header lines in order.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = HeaderField<'_>> + '_ {
        self.headers.iter().map(|h| self.field(h))
    }

    /// The first header of a known name.
    #[must_use]
    pub fn get(&self, name: HeaderName) -> Option<HeaderField<'_>> {
        self.headers
            .iter()
            .find(|h| h.kind == name)
            .map(|h| self.field(h))
    }

    /// The header lines called `name` (case-insensitively).
    fn named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s HeaderIdx> + 's {
        let kind = HeaderName::from_bytes(name.as_bytes());
        self.headers.iter().filter(move |h| {
            h.kind == kind
                && (kind != HeaderName::Other
                    || h.name.of(&self.raw).eq_ignore_ascii_case(name.as_bytes()))
        })
    }

    /// Every header called `name` (case-insensitively), in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = HeaderField<'s>> + 's {
        self.named(name).map(|h| self.field(h))
    }

    /// The value of the first header called `name` (case-insensitively).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.named(name).next().map(|h| h.value.of(&self.raw))
    }

    /// The value of the first header called `name`, as a slice of the head's buffer (no copy).
    #[must_use]
    pub fn header_bytes(&self, name: &str) -> Option<Bytes> {
        self.named(name).next().map(|h| h.value.bytes_of(&self.raw))
    }

    fn value(&self, name: HeaderName) -> Option<&[u8]> {
        self.get(name).map(|f| f.value)
    }

    /// Parses the first header of `name` with `parse`, making its error offsets absolute.
    fn typed<'s, T>(
        &'s self,
        name: HeaderName,
        parse: impl FnOnce(&'s [u8]) -> Result<T>,
    ) -> Result<Option<T>> {
        match self.get(name) {
            None => Ok(None),
            Some(f) => parse(f.value)
                .map(Some)
                .map_err(|e| e.shifted(f.value_offset)),
        }
    }

    /// To-Path: the URIs (separated by SP) of the hops to the destination, as written.
    #[must_use]
    pub fn to_path(&self) -> Option<&[u8]> {
        self.value(HeaderName::ToPath)
    }

    /// From-Path: the URIs of the hops back to the sender, as written.
    #[must_use]
    pub fn from_path(&self) -> Option<&[u8]> {
        self.value(HeaderName::FromPath)
    }

    /// Use-Path (RFC 4976 §4.2): the relay URIs an AUTH response grants, as written.
    #[must_use]
    pub fn use_path(&self) -> Option<&[u8]> {
        self.value(HeaderName::UsePath)
    }

    /// Message-ID, checked to be an `ident` (RFC 4975 §9).
    ///
    /// # Errors
    /// [`ErrorKind::MessageId`] at the offending byte.
    pub fn message_id(&self) -> Result<Option<&str>> {
        self.typed(HeaderName::MessageId, |v| match ident_error(v) {
            Some(at) => Err(ParseError::new(ErrorKind::MessageId, at as u64)),
            None => Ok(core::str::from_utf8(v).unwrap_or_default()),
        })
    }

    /// Byte-Range (RFC 4975 §7.1.1), checked (see [`ByteRange::parse`]).
    ///
    /// # Errors
    /// A malformed or inconsistent range.
    pub fn byte_range(&self) -> Result<Option<ByteRange>> {
        self.typed(HeaderName::ByteRange, ByteRange::parse)
    }

    /// Status of a REPORT (RFC 4975 §7.1.3); its text is a slice of the head (no copy).
    ///
    /// # Errors
    /// [`ErrorKind::Status`] at the offending byte.
    pub fn status(&self) -> Result<Option<Status>> {
        match self.headers.iter().find(|h| h.kind == HeaderName::Status) {
            None => Ok(None),
            Some(h) => Status::parse(&h.value.bytes_of(&self.raw))
                .map(Some)
                .map_err(|e| e.shifted(self.offset.saturating_add(u64::from(h.value.start)))),
        }
    }

    /// Success-Report: `yes` or `no` (RFC 4975 §9). Absent means `no` (§7.1.1).
    ///
    /// # Errors
    /// [`ErrorKind::ReportMode`] for any other value (`partial` included).
    pub fn success_report(&self) -> Result<Option<ReportMode>> {
        self.typed(HeaderName::SuccessReport, |v| ReportMode::parse(v, false))
    }

    /// Failure-Report: `yes`, `no` or `partial` (RFC 4975 §9). Absent means `yes` (§7.1.1).
    ///
    /// # Errors
    /// [`ErrorKind::ReportMode`] for any other value.
    pub fn failure_report(&self) -> Result<Option<ReportMode>> {
        self.typed(HeaderName::FailureReport, |v| ReportMode::parse(v, true))
    }

    /// Content-Type: the media type of the body, as written.
    #[must_use]
    pub fn content_type(&self) -> Option<&[u8]> {
        self.value(HeaderName::ContentType)
    }

    /// Content-ID (RFC 2045), as written.
    #[must_use]
    pub fn content_id(&self) -> Option<&[u8]> {
        self.value(HeaderName::ContentId)
    }

    /// Content-Description (RFC 2045), as written.
    #[must_use]
    pub fn content_description(&self) -> Option<&[u8]> {
        self.value(HeaderName::ContentDescription)
    }

    /// Content-Disposition (RFC 2183, RFC 4975 §7.1.1), as written.
    #[must_use]
    pub fn content_disposition(&self) -> Option<&[u8]> {
        self.value(HeaderName::ContentDisposition)
    }

    /// The MIME header fields (`Content-*`, Content-Type included), in order.
    pub fn mime_headers(&self) -> impl Iterator<Item = HeaderField<'_>> + '_ {
        self.headers().filter(HeaderField::is_mime)
    }

    /// Use-Nickname of a NICKNAME request (RFC 7701), unquoted.
    ///
    /// # Errors
    /// [`ErrorKind::QuotedString`] or [`ErrorKind::Utf8`] at the offending byte.
    pub fn use_nickname(&self) -> Result<Option<Cow<'_, str>>> {
        self.typed(HeaderName::UseNickname, unquote)
    }

    /// Expires, in seconds (RFC 4976 §4.6).
    ///
    /// # Errors
    /// [`ErrorKind::Number`] or [`ErrorKind::NumberOverflow`].
    pub fn expires(&self) -> Result<Option<u32>> {
        self.typed(HeaderName::Expires, parse_u32)
    }

    /// Min-Expires, in seconds (RFC 4976 §4.6).
    ///
    /// # Errors
    /// [`ErrorKind::Number`] or [`ErrorKind::NumberOverflow`].
    pub fn min_expires(&self) -> Result<Option<u32>> {
        self.typed(HeaderName::MinExpires, parse_u32)
    }

    /// Max-Expires, in seconds (RFC 4976 §4.6).
    ///
    /// # Errors
    /// [`ErrorKind::Number`] or [`ErrorKind::NumberOverflow`].
    pub fn max_expires(&self) -> Result<Option<u32>> {
        self.typed(HeaderName::MaxExpires, parse_u32)
    }

    /// WWW-Authenticate (RFC 4976 §4.3), as written.
    #[must_use]
    pub fn www_authenticate(&self) -> Option<&[u8]> {
        self.value(HeaderName::WwwAuthenticate)
    }

    /// Authorization (RFC 4976 §4.4), as written.
    #[must_use]
    pub fn authorization(&self) -> Option<&[u8]> {
        self.value(HeaderName::Authorization)
    }

    /// Authentication-Info (RFC 4976 §4.5), as written.
    #[must_use]
    pub fn authentication_info(&self) -> Option<&[u8]> {
        self.value(HeaderName::AuthenticationInfo)
    }

    // --- rules beyond framing ----------------------------------------------------------------

    /// Checks the rules of RFC 4975 that framing does not need, so that a session can answer
    /// 400 instead of closing the connection: To-Path first and From-Path second (§9
    /// `headers`); a request with a body has Content-Type as its last header, a request
    /// without one has no MIME header (§7.1); a request other than SEND is not interrupted
    /// (`flag` is `$`, §7.1).
    ///
    /// # Errors
    /// The first rule broken: [`ErrorKind::ToPath`], [`ErrorKind::FromPath`],
    /// [`ErrorKind::ContentType`], [`ErrorKind::MimeWithoutBody`] or
    /// [`ErrorKind::Interrupted`], at the offending header (or the head's end).
    pub fn validate(&self, flag: Flag) -> Result<()> {
        let end = self
            .offset
            .saturating_add(u64::try_from(self.raw.len()).unwrap_or(u64::MAX));
        let at = |h: Option<&HeaderIdx>| {
            h.map_or(end, |h| self.offset.saturating_add(u64::from(h.name.start)))
        };
        let first = self.headers.first();
        if first.map(|h| h.kind) != Some(HeaderName::ToPath) {
            return Err(ParseError::new(ErrorKind::ToPath, at(first)));
        }
        let second = self.headers.get(1);
        if second.map(|h| h.kind) != Some(HeaderName::FromPath) {
            return Err(ParseError::new(ErrorKind::FromPath, at(second)));
        }
        if let Line::Request(method) = &self.line {
            if self.has_body {
                let last = self.headers.last();
                if last.map(|h| h.kind) != Some(HeaderName::ContentType) {
                    return Err(ParseError::new(ErrorKind::ContentType, at(last)));
                }
            } else if let Some(h) = self
                .headers
                .iter()
                .find(|h| HeaderName::is_mime(h.name.of(&self.raw)))
            {
                return Err(ParseError::new(ErrorKind::MimeWithoutBody, at(Some(h))));
            }
            if !method.is_send() && flag != Flag::Complete {
                return Err(ParseError::new(ErrorKind::Interrupted, end));
            }
        }
        Ok(())
    }
}

// --- whole frames ----------------------------------------------------------------------------

/// A whole frame: head, body and the flag of its end-line.
///
/// `body` is empty for a bodiless request and for a response; [`FrameHead::has_body`] tells
/// a bodiless request from one with an empty body.
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use simpleim_msrp::{Flag, Frame, Method};
///
/// let wire = Bytes::from_static(
///     b"MSRP d93kswow SEND\r\n\
///       To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n\
///       From-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n\
///       Message-ID: 12339sdqwer\r\n\
///       Byte-Range: 1-16/16\r\n\
///       Content-Type: text/plain\r\n\
///       \r\n\
///       Hi, I'm Alice!\r\n\
///       -------d93kswow$\r\n",
/// );
/// let frame = Frame::parse(wire.clone())?;
/// assert_eq!(frame.head.method(), Some(&Method::Send));
/// assert_eq!(frame.head.transaction_id().as_str(), "d93kswow");
/// assert_eq!(frame.head.message_id()?, Some("12339sdqwer"));
/// assert_eq!(frame.head.byte_range()?.map(|r| r.total), Some(Some(16)));
/// assert_eq!(frame.body.as_ref(), b"Hi, I'm Alice!");
/// assert_eq!(frame.flag, Flag::Complete);
///
/// let mut out = BytesMut::new();
/// frame.encode(&mut out);
/// assert_eq!(out.freeze(), wire);
/// # Ok::<(), simpleim_msrp::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Start line and headers.
    pub head: FrameHead,
    /// The body, without the CRLF that precedes the end-line.
    pub body: Bytes,
    /// The end-line's flag.
    pub flag: Flag,
}

impl Frame {
    /// Parses exactly one complete frame (body collected whatever its size, other limits as
    /// in [`Limits::default`]).
    ///
    /// # Errors
    /// A malformed frame, [`ErrorKind::Incomplete`] when `wire` ends inside it,
    /// [`ErrorKind::TrailingBytes`] when bytes follow it.
    pub fn parse(wire: Bytes) -> Result<Self> {
        Self::parse_with(
            wire,
            Limits {
                max_collect_bytes: usize::MAX,
                ..Limits::default()
            },
        )
    }

    /// Like [`Frame::parse`] with the given limits; a body over
    /// [`Limits::max_collect_bytes`] is still collected.
    ///
    /// # Errors
    /// As [`Frame::parse`], and any limit exceeded.
    pub fn parse_with(wire: Bytes, limits: Limits) -> Result<Self> {
        let len = u64::try_from(wire.len()).unwrap_or(u64::MAX);
        let mut d = Decoder::new(limits);
        d.push_bytes(wire);
        let mut parts: Option<(FrameHead, BytesMut)> = None;
        loop {
            match d.poll()? {
                None => return Err(ParseError::new(ErrorKind::Incomplete, len)),
                Some(Decoded::Frame(f)) => {
                    return trailing(&d, len).map(|()| f);
                }
                Some(Decoded::Head(h)) => parts = Some((h, BytesMut::new())),
                Some(Decoded::Body(p)) => {
                    if let Some((_, body)) = parts.as_mut() {
                        body.extend_from_slice(&p.data);
                    }
                    if let (Some(flag), Some((head, body))) = (p.flag, parts.take()) {
                        trailing(&d, len)?;
                        return Ok(Self {
                            head,
                            body: body.freeze(),
                            flag,
                        });
                    }
                }
            }
        }
    }

    /// Writes the frame: head, body, CRLF (when it has a body) and the end-line. A decoded
    /// frame is written exactly as it was received. `body` is written only when the head
    /// has a body section.
    pub fn encode(&self, out: &mut BytesMut) {
        out.reserve(self.encoded_len());
        self.head.encode(out);
        if self.head.has_body() {
            out.extend_from_slice(&self.body);
        }
        self.head.write_end_line(out, self.flag);
    }

    /// The number of bytes [`Frame::encode`] writes.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        let body = if self.head.has_body() {
            self.body.len() + 2
        } else {
            0
        };
        self.head.raw.len() + body + 10 + self.head.tid.len()
    }
}

fn trailing(d: &Decoder, len: u64) -> Result<()> {
    if d.buffered() == 0 {
        Ok(())
    } else {
        let at = len.saturating_sub(u64::try_from(d.buffered()).unwrap_or(u64::MAX));
        Err(ParseError::new(ErrorKind::TrailingBytes, at))
    }
}

#[cfg(test)]
mod tests;
