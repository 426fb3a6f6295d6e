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
use crate::lex::{is_token, parse_u32};
use crate::name::HeaderName;

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

enum Line {
    Header(RawHeader),
    End(usize),
    Partial,
}

struct HeadParser<'a, 'l> {
    buf: &'a [u8],
    pos: usize,
    limits: &'l Limits,
    datagram: bool,
}

impl HeadParser<'_, '_> {
    /// The head limit, never above what a [`Span`] holds.
    fn max_head(&self) -> usize {
        self.limits.max_head_bytes.min(MAX_OFFSET)
    }

    /// What to return when the input ends inside the head.
    fn partial<T>(&self) -> Result<Status<T>> {
        if self.buf.len() > self.max_head() {
            Err(ParseError::new(ErrorKind::HeadTooLarge, self.max_head()))
        } else {
            Ok(Status::Partial)
        }
    }

    /// Finds the end of the line starting at `from`: the offset of its CR, with the LF after
    /// it. `None` when the input ends first. A bare CR or LF is an error.
    #[inline]
    fn line_end(&self, from: usize) -> Result<Option<usize>> {
        let rest = self.buf.get(from..).unwrap_or_default();
        match memchr::memchr2(b'\r', b'\n', rest) {
            None => Ok(None),
            Some(i) => {
                let at = from + i;
                match (self.buf.get(at), self.buf.get(at + 1)) {
                    (Some(b'\r'), Some(b'\n')) => Ok(Some(at)),
                    (Some(b'\r'), None) => Ok(None),
                    _ => Err(ParseError::new(ErrorKind::LineEnding, at)),
                }
            }
        }
    }

    fn over_limit(&self, at: usize) -> Result<()> {
        if at > self.max_head() {
            Err(ParseError::new(ErrorKind::HeadTooLarge, self.max_head()))
        } else {
            Ok(())
        }
    }

    fn start_line(&mut self) -> Result<Option<StartLine>> {
        let from = self.pos;
        let Some(end) = self.line_end(from)? else {
            return Ok(None);
        };
        self.over_limit(end)?;
        let line = self.buf.get(from..end).unwrap_or_default();
        self.pos = end + 2;
        if line.len() >= 4
            && line
                .get(..4)
                .is_some_and(|s| s.eq_ignore_ascii_case(b"SIP/"))
        {
            status_line(line, from).map(Some)
        } else {
            request_line(line, from).map(Some)
        }
    }

    fn header_line(&mut self) -> Result<Line> {
        let from = self.pos;
        match (self.buf.get(from), self.buf.get(from + 1)) {
            (Some(b'\r'), Some(b'\n')) => {
                self.over_limit(from + 2)?;
                return Ok(Line::End(from + 2));
            }
            (None, _) if self.datagram => return Ok(Line::End(from)),
            (None, _) | (Some(b'\r'), None) => return Ok(Line::Partial),
            (Some(b' ' | b'\t'), _) => {
                // A continuation line with no header to continue.
                return Err(ParseError::new(ErrorKind::HeaderName, from));
            }
            _ => {}
        }
        // name *(SP / HTAB) ":"
        let mut i = from;
        while self.buf.get(i).copied().is_some_and(is_token) {
            i += 1;
        }
        let name_end = i;
        if name_end == from {
            return Err(self.bad_name(from));
        }
        while matches!(self.buf.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        match self.buf.get(i) {
            Some(b':') => i += 1,
            None => return self.partial_or_over(i),
            Some(b'\r' | b'\n') => return Err(ParseError::new(ErrorKind::HeaderColon, i)),
            Some(_) if i == name_end => return Err(self.bad_name(i)),
            Some(_) => return Err(ParseError::new(ErrorKind::HeaderColon, i)),
        }
        // Value: to the end of the line and any continuation lines.
        let mut value_start = None;
        let mut value_end = i;
        let mut folded = false;
        let mut line_from = i;
        loop {
            let Some(end) = self.line_end(line_from)? else {
                return self.partial_or_over(self.buf.len());
            };
            self.over_limit(end)?;
            let line = self.buf.get(line_from..end).unwrap_or_default();
            if let Some(first) = line.iter().position(|&b| b != b' ' && b != b'\t') {
                let last = line
                    .iter()
                    .rposition(|&b| b != b' ' && b != b'\t')
                    .unwrap_or(first);
                if value_start.is_none() {
                    value_start = Some(line_from + first);
                } else {
                    folded = true;
                }
                value_end = line_from + last + 1;
            }
            // Continuation: the next line starts with SP or HTAB (RFC 3261 §7.3.1).
            match self.buf.get(end + 2) {
                Some(b' ' | b'\t') => line_from = end + 2,
                Some(_) => {
                    self.pos = end + 2;
                    break;
                }
                None if self.datagram => {
                    self.pos = end + 2;
                    break;
                }
                None => return self.partial_or_over(end + 2),
            }
        }
        let value_start = value_start.unwrap_or(value_end);
        Ok(Line::Header(RawHeader {
            name: HeaderName::from_bytes(self.buf.get(from..name_end).unwrap_or_default()),
            name_span: Span::new(from, name_end),
            value_span: Span::new(value_start, value_end.max(value_start)),
            folded,
        }))
    }

    fn partial_or_over(&self, at: usize) -> Result<Line> {
        self.over_limit(at)?;
        if self.datagram {
            // The datagram ends inside a header line: nothing more will come.
            return Err(ParseError::new(ErrorKind::LineEnding, at));
        }
        Ok(Line::Partial)
    }

    fn bad_name(&self, at: usize) -> ParseError {
        ParseError::new(ErrorKind::HeaderName, at)
    }
}

/// `SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT`.
fn is_version(v: &[u8]) -> bool {
    let Some(rest) = v
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case(b"SIP/"))
        .and_then(|_| v.get(4..))
    else {
        return false;
    };
    let mut parts = rest.splitn(2, |&b| b == b'.');
    let major = parts.next().unwrap_or_default();
    let minor = parts.next().unwrap_or_default();
    !major.is_empty()
        && !minor.is_empty()
        && major.iter().all(u8::is_ascii_digit)
        && minor.iter().all(u8::is_ascii_digit)
}

/// `Request-Line = Method SP Request-URI SP SIP-Version CRLF`, with exactly one SP between
/// elements (RFC 4475 §3.1.2.9/§3.1.2.10 reject the others).
fn request_line(line: &[u8], at: usize) -> Result<StartLine> {
    let sp1 = memchr::memchr(b' ', line).ok_or(ParseError::new(ErrorKind::StartLine, at))?;
    let method = line.get(..sp1).unwrap_or_default();
    if method.is_empty() {
        return Err(ParseError::new(ErrorKind::StartLine, at));
    }
    if let Some(bad) = method.iter().position(|&b| !is_token(b)) {
        return Err(ParseError::new(ErrorKind::Method, at + bad));
    }
    let rest = line.get(sp1 + 1..).unwrap_or_default();
    let sp2 = memchr::memrchr(b' ', rest)
        .ok_or(ParseError::new(ErrorKind::StartLine, at + line.len()))?;
    let uri = rest.get(..sp2).unwrap_or_default();
    let version = rest.get(sp2 + 1..).unwrap_or_default();
    let uri_at = at + sp1 + 1;
    let version_at = uri_at + sp2 + 1;
    if uri.is_empty() {
        return Err(ParseError::new(ErrorKind::StartLine, uri_at));
    }
    if let Some(i) = memchr::memchr2(b' ', b'\t', uri) {
        // Extra SP between elements, or LWS inside the Request-URI.
        return Err(ParseError::new(ErrorKind::StartLine, uri_at + i));
    }
    check_request_uri_shape(uri).map_err(|i| ParseError::new(ErrorKind::RequestUri, uri_at + i))?;
    if version.is_empty() {
        // Trailing SP after the version (RFC 4475 §3.1.2.10).
        return Err(ParseError::new(ErrorKind::StartLine, version_at));
    }
    if !is_version(version) {
        return Err(ParseError::new(ErrorKind::Version, version_at));
    }
    Ok(StartLine::Request {
        method: Span::new(at, at + sp1),
        uri: Span::new(uri_at, uri_at + uri.len()),
        version: Span::new(version_at, version_at + version.len()),
    })
}

/// The cheap shape check of a Request-URI done while framing: `scheme ":" 1*visible`. The
/// full URI grammar is applied by `validate()`; this catches `<sip:...>` (RFC 4475 §3.1.2.7)
/// and control bytes. Returns the offset of the offending byte.
fn check_request_uri_shape(uri: &[u8]) -> core::result::Result<(), usize> {
    match uri.first() {
        Some(b) if b.is_ascii_alphabetic() => {}
        _ => return Err(0),
    }
    let colon = uri
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .ok_or(uri.len())?;
    if uri.get(colon) != Some(&b':') {
        return Err(colon);
    }
    match uri.iter().position(|&b| b <= 0x20 || b == 0x7f) {
        Some(i) => Err(i),
        None => Ok(()),
    }
}

/// `Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF`.
fn status_line(line: &[u8], at: usize) -> Result<StartLine> {
    let sp1 = memchr::memchr(b' ', line).ok_or(ParseError::new(ErrorKind::StartLine, at))?;
    let version = line.get(..sp1).unwrap_or_default();
    if !is_version(version) {
        return Err(ParseError::new(ErrorKind::Version, at));
    }
    let code_at = at + sp1 + 1;
    let rest = line.get(sp1 + 1..).unwrap_or_default();
    let code_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let code = rest.get(..code_len).unwrap_or_default();
    let code = match (code_len, parse_u32(code)) {
        (3, Ok(n @ 100..=699)) => n as u16,
        _ => return Err(ParseError::new(ErrorKind::StatusCode, code_at)),
    };
    // An empty reason phrase still has its SP (RFC 4475 §3.1.1.13); a missing SP is
    // tolerated as an empty phrase.
    let reason_at = code_at + code_len;
    let reason = match rest.get(code_len..) {
        None | Some([]) => Span::new(reason_at, reason_at),
        Some([b' ', r @ ..]) => {
            if let Some(i) = r.iter().position(|&b| b < 0x20 && b != b'\t' || b == 0x7f) {
                return Err(ParseError::new(ErrorKind::ReasonPhrase, reason_at + 1 + i));
            }
            Span::new(reason_at + 1, reason_at + 1 + r.len())
        }
        Some(_) => return Err(ParseError::new(ErrorKind::StatusCode, code_at)),
    };
    Ok(StartLine::Response {
        version: Span::new(at, at + sp1),
        code,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(buf: &[u8], framing: Framing) -> (RawMessage<'_>, usize) {
        match parse_message(buf, framing, &Limits::default()).unwrap() {
            Status::Complete(m, n) => (m, n),
            Status::Partial => panic!("partial"),
        }
    }

    fn err(buf: &[u8], framing: Framing) -> ParseError {
        parse_message(buf, framing, &Limits::default()).unwrap_err()
    }

    const INVITE: &[u8] = b"INVITE sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bK776\r\n\
f: <sip:alice@example.com>;tag=1\r\n\
Subject: a\r\n folded\r\n\tvalue  \r\n\
l: 4\r\n\
\r\n\
bodyEXTRA";

    #[test]
    fn request_with_compact_and_folded_headers() {
        // REQ: SIP-1
        let (m, used) = complete(INVITE, Framing::Datagram);
        assert_eq!(used, INVITE.len() - 5);
        let StartLine::Request {
            method,
            uri,
            version,
        } = m.start_line
        else {
            panic!()
        };
        assert_eq!(m.slice(method), b"INVITE");
        assert_eq!(m.slice(uri), b"sip:bob@example.com");
        assert_eq!(m.slice(version), b"SIP/2.0");
        let names: Vec<_> = m.headers.iter().map(|h| h.name).collect();
        assert_eq!(
            names,
            [
                HeaderName::Via,
                HeaderName::From,
                HeaderName::Subject,
                HeaderName::ContentLength
            ]
        );
        let subj = m.headers[2];
        assert!(subj.folded);
        assert_eq!(m.slice(subj.value_span), b"a\r\n folded\r\n\tvalue");
        assert_eq!(m.slice(m.body), b"body");
        assert_eq!(m.content_length, Some(4));
    }

    #[test]
    fn stream_framing_waits_for_body_and_needs_content_length() {
        // REQ: SIP-1
        for cut in 0..INVITE.len() - 5 {
            assert_eq!(
                parse_message(&INVITE[..cut], Framing::Stream, &Limits::default()),
                Ok(Status::Partial),
                "cut at {cut}"
            );
        }
        let (_, used) = complete(INVITE, Framing::Stream);
        assert_eq!(used, INVITE.len() - 5);
        let no_cl = b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n";
        assert_eq!(
            err(no_cl, Framing::Stream).kind,
            ErrorKind::MissingContentLength
        );
        let (m, _) = complete(no_cl, Framing::Datagram);
        assert!(m.body.is_empty());
    }

    #[test]
    fn keepalive_crlfs_are_skipped() {
        let buf = b"\r\n\r\n\r\nSIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
        let (m, used) = complete(buf, Framing::Stream);
        assert_eq!(used, buf.len());
        assert_eq!(m.start, 6);
        assert!(matches!(
            m.start_line,
            StartLine::Response { code: 200, .. }
        ));
    }

    #[test]
    fn status_lines() {
        // RFC 4475 §3.1.1.13: empty reason phrase; §3.1.2.19: overlarge code.
        let (m, _) = complete(b"SIP/2.0 100 \r\n\r\n", Framing::Datagram);
        let StartLine::Response { code, reason, .. } = m.start_line else {
            panic!()
        };
        assert_eq!(code, 100);
        assert!(reason.is_empty());
        let e = err(
            b"SIP/2.0 4294967301 better not break the receiver\r\n\r\n",
            Framing::Datagram,
        );
        assert_eq!(e, ParseError::new(ErrorKind::StatusCode, 8));
        assert_eq!(
            err(b"SIP/2.0 099 x\r\n\r\n", Framing::Datagram).kind,
            ErrorKind::StatusCode
        );
    }

    #[test]
    fn malformed_request_lines_are_located() {
        // RFC 4475 §3.1.2.7-§3.1.2.10
        let cases: &[(&[u8], ErrorKind, usize)] = &[
            (
                b"INVITE <sip:a@b> SIP/2.0\r\n\r\n",
                ErrorKind::RequestUri,
                7,
            ),
            (
                b"INVITE sip:a@b; lr SIP/2.0\r\n\r\n",
                ErrorKind::StartLine,
                15,
            ),
            (b"INVITE  sip:a@b SIP/2.0\r\n\r\n", ErrorKind::StartLine, 7),
            (b"INVITE sip:a@b SIP/2.0 \r\n\r\n", ErrorKind::StartLine, 14),
            (b"INVITE sip:a@b SIP/2\r\n\r\n", ErrorKind::Version, 15),
            (b"INV@TE sip:a@b SIP/2.0\r\n\r\n", ErrorKind::Method, 3),
            (b"INVITE\r\n\r\n", ErrorKind::StartLine, 0),
        ];
        for (buf, kind, offset) in cases {
            let e = err(buf, Framing::Datagram);
            assert_eq!(
                (e.kind, e.offset),
                (*kind, *offset),
                "{:?}",
                String::from_utf8_lossy(buf)
            );
        }
    }

    #[test]
    fn header_errors_are_located() {
        let cases: &[(&[u8], ErrorKind, usize)] = &[
            (
                b"A sip:a SIP/2.0\r\nFoobar roobar\r\n\r\n",
                ErrorKind::HeaderColon,
                24,
            ),
            (b"A sip:a SIP/2.0\r\n: x\r\n\r\n", ErrorKind::HeaderName, 17),
            (b"A sip:a SIP/2.0\r\n x\r\n\r\n", ErrorKind::HeaderName, 17),
            (
                b"A sip:a SIP/2.0\r\nX: a\nY: b\r\n\r\n",
                ErrorKind::LineEnding,
                21,
            ),
            (
                b"A sip:a SIP/2.0\r\nX: a\rY: b\r\n\r\n",
                ErrorKind::LineEnding,
                21,
            ),
            (
                b"A sip:a SIP/2.0\r\nl: -999\r\n\r\n",
                ErrorKind::ContentLength,
                20,
            ),
            (
                b"A sip:a SIP/2.0\r\nl: 13\r\nContent-Length: 5\r\n\r\n",
                ErrorKind::DuplicateContentLength,
                40,
            ),
            (
                b"A sip:a SIP/2.0\r\nl: 9\r\n\r\nabc",
                ErrorKind::BodyTruncated,
                28,
            ),
        ];
        for (buf, kind, offset) in cases {
            let e = err(buf, Framing::Datagram);
            assert_eq!(
                (e.kind, e.offset),
                (*kind, *offset),
                "{:?}",
                String::from_utf8_lossy(buf)
            );
        }
    }

    #[test]
    fn limits_are_enforced() {
        let limits = Limits {
            max_head_bytes: 64,
            max_headers: 2,
            max_body_bytes: 3,
        };
        let many = b"A sip:a SIP/2.0\r\nX: 1\r\nY: 2\r\nZ: 3\r\n\r\n";
        assert_eq!(
            parse_message(many, Framing::Datagram, &limits)
                .unwrap_err()
                .kind,
            ErrorKind::TooManyHeaders
        );
        let big = b"A sip:a SIP/2.0\r\nl: 4\r\n\r\nabcd";
        assert_eq!(
            parse_message(big, Framing::Stream, &limits)
                .unwrap_err()
                .kind,
            ErrorKind::BodyTooLarge
        );
        let mut long = b"A sip:a SIP/2.0\r\nX: ".to_vec();
        long.extend(std::iter::repeat_n(b'a', 100));
        // Partial input already over the head limit is an error, not a wait.
        assert_eq!(
            parse_message(&long, Framing::Stream, &limits)
                .unwrap_err()
                .kind,
            ErrorKind::HeadTooLarge
        );
    }

    #[test]
    fn offsets_past_u32_are_refused_whatever_the_limits() {
        // A `Span` holds u32 offsets: with limits above 4 GiB a longer head or body would
        // have saturated into wrong spans (and `Message::from_raw` rebased them).
        let limits = Limits {
            max_head_bytes: usize::MAX,
            max_headers: usize::MAX,
            max_body_bytes: usize::MAX,
        };
        let p = HeadParser {
            buf: b"",
            pos: 0,
            limits: &limits,
            datagram: false,
        };
        assert!(p.over_limit(MAX_OFFSET).is_ok());
        assert_eq!(
            p.over_limit(MAX_OFFSET + 1).unwrap_err().kind,
            ErrorKind::HeadTooLarge
        );
        let Status::Complete(mut m, _) =
            parse_head(b"A sip:a SIP/2.0\r\nl: 10\r\n\r\n", &limits).unwrap()
        else {
            panic!("partial")
        };
        m.body_start = MAX_OFFSET - 5;
        assert_eq!(
            body_end(&m.info(), usize::MAX, Framing::Stream, &limits)
                .unwrap_err()
                .kind,
            ErrorKind::BodyTooLarge
        );
        m.content_length = None;
        assert_eq!(
            body_end(&m.info(), MAX_OFFSET + 1, Framing::Datagram, &limits)
                .unwrap_err()
                .kind,
            ErrorKind::BodyTooLarge
        );
    }

    #[test]
    fn datagram_without_final_empty_line() {
        // RFC 5118 §4.10's archive files and RFC 4475 baddn lack the empty line.
        let (m, used) = complete(b"OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n", Framing::Datagram);
        assert_eq!(m.headers.len(), 1);
        assert_eq!(used, 31);
        assert_eq!(
            parse_message(
                b"OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n",
                Framing::Stream,
                &Limits::default()
            ),
            Ok(Status::Partial)
        );
    }
}
