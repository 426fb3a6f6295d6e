//! The borrowed fast parser (REQ: SIP-1): one pass over `&[u8]` that finds the start line,
//! indexes every header line and locates the body, without copying or allocating (up to
//! [`INLINE_HEADERS`] headers).
//!
//! Results are [`Status::Complete`] with the number of bytes the message used, or
//! [`Status::Partial`] when more input is needed: an incomplete message is not an error.
//!
//! Grammar (RFC 3261 §7, §25.1): `start-line *message-header CRLF [message-body]`. Header lines
//! may be folded (a line starting with SP or HTAB continues the previous one, §7.3.1); header
//! names compare case-insensitively and compact forms resolve to their long names (§7.3.3).

use bytes::Bytes;
use smallvec::SmallVec;

use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::parse_u32;
use crate::name::HeaderName;

mod line;
use line::{HeadParser, Line};

/// Headers indexed without a heap allocation; more spill to the heap (bounded by
/// [`Limits::max_headers`]).
pub const INLINE_HEADERS: usize = 16;

/// The outcome of parsing a prefix of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Status<T> {
    /// A whole message, and how many bytes of the input it used.
    Complete(T, usize),
    /// The input ends before the message does; call again with more bytes.
    Partial,
}

/// Bounds on what the parser accepts. Exceeding one is an error, never unbounded work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest start line plus header section, in bytes, including the empty line (default
    /// 64 KiB). Exceeding it gives [`ErrorKind::HeadTooLarge`] (status 513).
    pub max_head_bytes: usize,
    /// Most header lines (default 256). Exceeding it gives [`ErrorKind::TooManyHeaders`].
    pub max_headers: usize,
    /// Largest body (default 4 MiB). Exceeding it gives [`ErrorKind::BodyTooLarge`] (413).
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_head_bytes: 64 * 1024,
            max_headers: 256,
            max_body_bytes: 4 * 1024 * 1024,
        }
    }
}

/// The largest offset a [`Span`] holds exactly. The parser refuses longer heads and bodies
/// whatever the [`Limits`], so every span it returns is exact, never saturated.
const MAX_OFFSET: usize = u32::MAX as usize;

/// A byte range `start..end` into the message buffer, stored compactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    #[inline]
    pub(crate) fn new(start: usize, end: usize) -> Self {
        // The parser keeps offsets within `MAX_OFFSET`; saturate regardless rather than wrap.
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX);
        Self { start, end }
    }

    /// The range as `usize`.
    #[inline]
    #[must_use]
    pub fn range(self) -> core::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The bytes of `buf` in this span (empty if out of range).
    #[inline]
    #[must_use]
    pub fn of(self, buf: &[u8]) -> &[u8] {
        buf.get(self.range()).unwrap_or_default()
    }

    /// The bytes of `buf` in this span as a shared slice (empty if out of range, where
    /// `Bytes::slice` would panic).
    #[inline]
    pub(crate) fn bytes_of(self, buf: &Bytes) -> Bytes {
        let r = self.range();
        if r.start <= r.end && r.end <= buf.len() {
            buf.slice(r)
        } else {
            Bytes::new()
        }
    }

    /// Length in bytes.
    #[inline]
    #[must_use]
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// True when empty.
    #[inline]
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// An optional [`Span`] in the size of one: `start == u32::MAX` means absent. Spans of typed
/// values are offsets within one header value or URI, never that far (a longer one saturates
/// and reads as absent or empty, never panics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OptSpan(Span);

impl OptSpan {
    /// No span.
    pub(crate) const NONE: Self = Self(Span {
        start: u32::MAX,
        end: u32::MAX,
    });

    /// The span of `start..end`.
    #[inline]
    pub(crate) fn new(start: usize, end: usize) -> Self {
        Self(Span::new(start, end))
    }

    /// From an optional span.
    #[inline]
    pub(crate) const fn from_option(s: Option<Span>) -> Self {
        match s {
            Some(s) => Self(s),
            None => Self::NONE,
        }
    }

    /// The span, if any.
    #[inline]
    pub(crate) const fn get(self) -> Option<Span> {
        if self.0.start == u32::MAX {
            None
        } else {
            Some(self.0)
        }
    }

    /// The bytes of `buf` in the span, if any.
    #[inline]
    pub(crate) fn of(self, buf: &[u8]) -> Option<&[u8]> {
        self.get().map(|s| s.of(buf))
    }
}

/// One header line, located in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawHeader {
    /// The header, resolved from its (possibly compact) name.
    pub name: HeaderName,
    /// The name as written.
    pub name_span: Span,
    /// The value as written: from its first non-blank byte to its last, folds included.
    pub value_span: Span,
    /// True when the value spans several lines (it contains CRLF + white space).
    pub folded: bool,
}

/// The start line, located in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartLine {
    /// `Method SP Request-URI SP SIP-Version`.
    Request {
        /// The method token.
        method: Span,
        /// The Request-URI as written.
        uri: Span,
        /// `SIP/x.y`.
        version: Span,
    },
    /// `SIP-Version SP Status-Code SP Reason-Phrase`.
    Response {
        /// `SIP/x.y`.
        version: Span,
        /// The status code, 100..=699.
        code: u16,
        /// The reason phrase (may be empty).
        reason: Span,
    },
}

/// A message located in a borrowed buffer: the start line, the header index and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage<'a> {
    /// The buffer every span points into.
    pub buf: &'a [u8],
    /// Offset of the start line (after any leading CRLFs that were skipped).
    pub start: usize,
    /// The start line.
    pub start_line: StartLine,
    /// Header lines in order.
    pub headers: SmallVec<[RawHeader; INLINE_HEADERS]>,
    /// Where the body starts (just after the empty line).
    pub body_start: usize,
    /// The Content-Length value, when present.
    pub content_length: Option<usize>,
    /// Offset of the Content-Length value (of the body start when there is none).
    pub content_length_at: usize,
    /// The body.
    pub body: Span,
}

impl RawMessage<'_> {
    /// The bytes of a span of this message's buffer.
    #[must_use]
    pub fn slice(&self, span: Span) -> &[u8] {
        span.of(self.buf)
    }

    /// The first header called `name`.
    #[must_use]
    pub fn header(&self, name: HeaderName) -> Option<&RawHeader> {
        self.headers.iter().find(|h| h.name == name)
    }
}

/// How the end of the body is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A byte stream (TCP, TLS): Content-Length is mandatory (RFC 3261 §18.3).
    Stream,
    /// A datagram (UDP) holding the whole message: octets past Content-Length are ignored
    /// (RFC 4475 §3.1.1.8); without Content-Length the body is the rest of the datagram.
    Datagram,
}

/// Parses one message from the start of `buf`.
///
/// With [`Framing::Stream`], returns [`Status::Partial`] until the head and `Content-Length`
/// body bytes are all present, and skips CRLFs before the start line (keep-alives, RFC 3261
/// §7.5, RFC 5626 §3.5.1). With [`Framing::Datagram`], `buf` is the whole datagram: the
/// result is never `Partial`, a body shorter than Content-Length is
/// [`ErrorKind::BodyTruncated`], and a header section missing its final empty line is
/// accepted as ending the datagram.
///
/// # Errors
/// A [`ParseError`] saying what is malformed and at which byte; see
/// [`ParseError::status_hint`] for the status to answer with.
pub fn parse_message<'a>(
    buf: &'a [u8],
    framing: Framing,
    limits: &Limits,
) -> Result<Status<RawMessage<'a>>> {
    let mut headers = Headers::new();
    match frame_into(buf, framing, limits, &mut headers)? {
        None => Ok(Status::Partial),
        Some((info, consumed)) => Ok(Status::Complete(
            RawMessage::new(buf, info, headers, consumed),
            consumed,
        )),
    }
}

/// [`parse_message`] writing the header index into the caller's vector (so that an owned
/// message can take it without copying it around): the head's facts and the bytes used, or
/// `None` when more input is needed.
pub(crate) fn frame_into(
    buf: &[u8],
    framing: Framing,
    limits: &Limits,
    headers: &mut Headers,
) -> Result<Option<(HeadInfo, usize)>> {
    let Some(info) = head_into(buf, framing == Framing::Datagram, limits, headers)? else {
        return Ok(None);
    };
    Ok(body_end(&info, buf.len(), framing, limits)?.map(|end| (info, end)))
}

/// Parses the start line and header section only, up to and including the empty line; the
/// returned length is where the body starts, and the message's `body` is empty. Leading CRLFs
/// are skipped. Use [`RawMessage::content_length`] to learn how many body bytes follow.
///
/// # Errors
/// As [`parse_message`], except that nothing about the body is checked.
pub fn parse_head<'a>(buf: &'a [u8], limits: &Limits) -> Result<Status<RawMessage<'a>>> {
    let mut headers = Headers::new();
    match head_into(buf, false, limits, &mut headers)? {
        None => Ok(Status::Partial),
        Some(info) => Ok(Status::Complete(
            RawMessage::new(buf, info, headers, info.body_start),
            info.body_start,
        )),
    }
}

/// The header index of a message, inline up to [`INLINE_HEADERS`] entries.
pub(crate) type Headers = SmallVec<[RawHeader; INLINE_HEADERS]>;

/// What a parsed head says besides its header index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeadInfo {
    pub(crate) start: usize,
    pub(crate) start_line: StartLine,
    pub(crate) body_start: usize,
    pub(crate) content_length: Option<usize>,
    pub(crate) content_length_at: usize,
}

impl<'a> RawMessage<'a> {
    fn new(buf: &'a [u8], info: HeadInfo, headers: Headers, end: usize) -> Self {
        Self {
            buf,
            start: info.start,
            start_line: info.start_line,
            headers,
            body_start: info.body_start,
            content_length: info.content_length,
            content_length_at: info.content_length_at,
            body: Span::new(info.body_start, end.max(info.body_start)),
        }
    }

    /// The head's facts, for [`body_end`].
    pub(crate) fn info(&self) -> HeadInfo {
        HeadInfo {
            start: self.start,
            start_line: self.start_line,
            body_start: self.body_start,
            content_length: self.content_length,
            content_length_at: self.content_length_at,
        }
    }
}

/// Where the body of a parsed head ends, `None` if the input is too short (stream only).
pub(crate) fn body_end(
    msg: &HeadInfo,
    available_to: usize,
    framing: Framing,
    limits: &Limits,
) -> Result<Option<usize>> {
    let body_start = msg.body_start;
    let available = available_to.saturating_sub(body_start);
    match (msg.content_length, framing) {
        (Some(n), _) => {
            if n > limits.max_body_bytes || body_start.saturating_add(n) > MAX_OFFSET {
                return Err(ParseError::new(
                    ErrorKind::BodyTooLarge,
                    msg.content_length_at,
                ));
            }
            if n > available {
                if framing == Framing::Datagram {
                    return Err(ParseError::new(ErrorKind::BodyTruncated, available_to));
                }
                return Ok(None);
            }
            Ok(Some(body_start + n))
        }
        (None, Framing::Datagram) => {
            if available > limits.max_body_bytes || available_to > MAX_OFFSET {
                return Err(ParseError::new(ErrorKind::BodyTooLarge, body_start));
            }
            Ok(Some(available_to))
        }
        (None, Framing::Stream) => {
            Err(ParseError::new(ErrorKind::MissingContentLength, body_start))
        }
    }
}

/// Parses the start line and header lines into `headers`; `None` when the input ends first.
fn head_into(
    buf: &[u8],
    datagram: bool,
    limits: &Limits,
    headers: &mut Headers,
) -> Result<Option<HeadInfo>> {
    let start = buf
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(buf.len());
    let mut p = HeadParser {
        buf,
        pos: start,
        limits,
        datagram,
    };
    let Some(start_line) = p.start_line()? else {
        return p.partial().map(|_: Status<()>| None);
    };
    let mut content_length: Option<(usize, usize)> = None;
    let body_start = loop {
        match p.header_line()? {
            Line::Partial => return p.partial().map(|_: Status<()>| None),
            Line::End(at) => break at,
            Line::Header(h) => {
                if headers.len() >= limits.max_headers {
                    return Err(ParseError::new(
                        ErrorKind::TooManyHeaders,
                        h.name_span.start as usize,
                    ));
                }
                if h.name == HeaderName::ContentLength {
                    let at = h.value_span.start as usize;
                    let n = content_length_value(h.value_span.of(buf))
                        .map_err(|k| ParseError::new(k, at))?;
                    match content_length {
                        Some((prev, _)) if prev != n => {
                            return Err(ParseError::new(ErrorKind::DuplicateContentLength, at));
                        }
                        _ => content_length = Some((n, at)),
                    }
                }
                headers.push(h);
            }
        }
    };
    Ok(Some(HeadInfo {
        start,
        start_line,
        body_start,
        content_length: content_length.map(|(n, _)| n),
        content_length_at: content_length.map_or(body_start, |(_, at)| at),
    }))
}

/// `Content-Length = 1*DIGIT`, white space around it allowed.
fn content_length_value(v: &[u8]) -> core::result::Result<usize, ErrorKind> {
    let v = crate::lex::trim_ws(v);
    match parse_u32(v) {
        Ok(n) => Ok(n as usize),
        Err(ErrorKind::NumberOverflow) => Err(ErrorKind::BodyTooLarge),
        Err(_) => Err(ErrorKind::ContentLength),
    }
}

#[cfg(test)]
mod tests;
