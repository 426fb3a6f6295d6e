//! Building MSRP frames (REQ: MSRP-1, MSRP-4; RFC 4975 §7.1, §7.2, §9).
//!
//! [`RequestBuilder`] and [`ResponseBuilder`] write a whole frame into the caller's
//! [`BytesMut`] in the order of the grammar: start line, To-Path, From-Path, the other headers
//! in the order given, then (with a body) the MIME headers, Content-Type last, an empty line,
//! the body, CRLF and the end-line. Builders borrow their values and allocate nothing (up to
//! six headers besides the paths and Content-Type).
//!
//! [`ChunkWriter`] writes one SEND request whose body is not known in advance: the head, then
//! body pieces as they come, then the end-line with the flag chosen at that moment, so a chunk
//! can be interrupted (`+`) or aborted (`#`) after any byte (§5.1, §7.1.1).
//!
//! A body must never contain its own end-line (§7.1). Both writers check: the builder refuses
//! such a body, and the chunk writer writes everything up to the byte that would complete the
//! end-line, then reports [`EncodeError::EndLineInBody`] so that the caller ends the chunk
//! there and sends the rest under a new transaction identifier. This costs one `memmem`
//! search over the body, and no look-ahead: a piece is written at once.

use std::sync::LazyLock;

use bytes::BytesMut;
use memchr::memmem::Finder;
use smallvec::SmallVec;

use crate::error::EncodeError;
use crate::frame::{Flag, FrameHead, Method, TransactionId, is_method};
use crate::header::{
    ByteRange, HeaderName, ReportMode, Status, hname_error, put_quoted, put_u64, text_error,
};

/// Largest body of a request other than SEND (RFC 4975 §7.1).
pub const MAX_NON_SEND_BODY: usize = 10240;

/// A header value as the builders keep it until they write it.
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Raw(&'a [u8]),
    Range(ByteRange),
    Report(ReportMode),
    Status(&'a Status),
    Number(u32),
    Quoted(&'a str),
}

type Headers<'a> = SmallVec<[(&'a str, Value<'a>); 6]>;

fn invalid_value(name: &str) -> EncodeError {
    EncodeError::InvalidValue {
        name: name.to_owned(),
    }
}

/// Writes `name: value` CRLF after checking both.
fn put_header(out: &mut BytesMut, name: &str, value: Value<'_>) -> Result<(), EncodeError> {
    if hname_error(name.as_bytes()).is_some() {
        return Err(EncodeError::InvalidHeaderName {
            name: name.to_owned(),
        });
    }
    if [
        HeaderName::ToPath,
        HeaderName::FromPath,
        HeaderName::ContentType,
    ]
    .contains(&HeaderName::from_bytes(name.as_bytes()))
    {
        return Err(EncodeError::ReservedHeader {
            name: name.to_owned(),
        });
    }
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    match value {
        Value::Raw(v) => {
            if text_error(v).is_some() {
                return Err(invalid_value(name));
            }
            out.extend_from_slice(v);
        }
        Value::Range(r) => {
            r.check().map_err(|_| invalid_value(name))?;
            r.write(out);
        }
        Value::Report(m) => out.extend_from_slice(m.as_str().as_bytes()),
        Value::Status(s) => {
            for n in [s.namespace, s.code] {
                if n > 999 {
                    return Err(EncodeError::StatusCode(n));
                }
            }
            out.extend_from_slice(&three_digits(s.namespace));
            out.extend_from_slice(b" ");
            out.extend_from_slice(&three_digits(s.code));
            if let Some(t) = &s.text {
                if text_error(t).is_some() {
                    return Err(EncodeError::InvalidComment);
                }
                out.extend_from_slice(b" ");
                out.extend_from_slice(t);
            }
        }
        Value::Number(n) => put_u64(out, u64::from(n)),
        Value::Quoted(s) => {
            if text_error(s.as_bytes()).is_some() {
                return Err(invalid_value(name));
            }
            put_quoted(out, s);
        }
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// `n` (at most 999) as three digits.
fn three_digits(n: u16) -> [u8; 3] {
    // Each digit is below 10: the casts cannot truncate.
    [
        b'0' + (n / 100 % 10) as u8,
        b'0' + (n / 10 % 10) as u8,
        b'0' + (n % 10) as u8,
    ]
}

/// Checks a path value: present, and only text.
fn check_path(name: &'static str, v: &[u8]) -> Result<(), EncodeError> {
    if v.is_empty() {
        Err(EncodeError::MissingPath { name })
    } else if text_error(v).is_some() {
        Err(invalid_value(name))
    } else {
        Ok(())
    }
}

fn put_start(out: &mut BytesMut, tid: &TransactionId) {
    out.extend_from_slice(b"MSRP ");
    out.extend_from_slice(tid.as_bytes());
    out.extend_from_slice(b" ");
}

/// Writes the headers of `headers` that are MIME headers (`mime`) or the others.
fn put_headers(out: &mut BytesMut, headers: &Headers<'_>, mime: bool) -> Result<(), EncodeError> {
    for &(name, value) in headers {
        if HeaderName::is_mime(name.as_bytes()) == mime {
            put_header(out, name, value)?;
        }
    }
    Ok(())
}

/// Runs `write`, undoing its partial output when it fails.
fn atomically(
    out: &mut BytesMut,
    write: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let start = out.len();
    let r = write(out);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

// --- requests --------------------------------------------------------------------------------

/// Builds a request (RFC 4975 §7.1). To-Path and From-Path are required; headers keep the
/// order they are added in, except that MIME headers (`Content-*`) go after the others, just
/// before Content-Type, as §9 `content-stuff` orders them.
///
/// ```
/// use bytes::BytesMut;
/// use simpleim_msrp::{ByteRange, Frame, Method, RequestBuilder, ResponseBuilder, TransactionId};
///
/// let tid: TransactionId = "d93kswow".parse()?;
/// let mut out = BytesMut::new();
/// RequestBuilder::new(Method::Send, tid)
///     .to_path("msrp://bob.example.com:8888/9di4eae923wzd;tcp")
///     .from_path("msrp://alicepc.example.com:7777/iau39soe2843z;tcp")
///     .message_id("12339sdqwer")
///     .byte_range(ByteRange { start: 1, end: Some(14), total: Some(14) })
///     .body("text/plain", b"Hi, I'm Alice!")
///     .encode(&mut out)?;
/// let request = Frame::parse(out.split().freeze())?;
///
/// // The answer goes back to the previous hop (RFC 4975 §7.2).
/// ResponseBuilder::for_request(&request.head, 200).encode(&mut out)?;
/// assert_eq!(
///     &out[..],
///     &b"MSRP d93kswow 200 OK\r\n\
///        To-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n\
///        From-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n\
///        -------d93kswow$\r\n"[..]
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RequestBuilder<'a> {
    method: Method,
    tid: TransactionId,
    to_path: &'a [u8],
    from_path: &'a [u8],
    headers: Headers<'a>,
    content_type: Option<&'a [u8]>,
    body: &'a [u8],
    flag: Flag,
}

impl<'a> RequestBuilder<'a> {
    /// A request with `method` and transaction identifier `tid`, no headers, no body, flag
    /// `$`.
    pub fn new(method: Method, tid: TransactionId) -> Self {
        Self {
            method,
            tid,
            to_path: b"",
            from_path: b"",
            headers: SmallVec::new(),
            content_type: None,
            body: b"",
            flag: Flag::Complete,
        }
    }

    /// To-Path: the URIs of the hops to the destination, separated by SP.
    pub fn to_path<V: AsRef<[u8]> + ?Sized>(mut self, path: &'a V) -> Self {
        self.to_path = path.as_ref();
        self
    }

    /// From-Path: this endpoint's URI (after any relays', separated by SP).
    pub fn from_path<V: AsRef<[u8]> + ?Sized>(mut self, path: &'a V) -> Self {
        self.from_path = path.as_ref();
        self
    }

    /// Adds a header. To-Path, From-Path and Content-Type have their own methods.
    pub fn header<V: AsRef<[u8]> + ?Sized>(mut self, name: &'a str, value: &'a V) -> Self {
        self.headers.push((name, Value::Raw(value.as_ref())));
        self
    }

    /// Message-ID (RFC 4975 §7.1.1).
    pub fn message_id(mut self, id: &'a str) -> Self {
        self.headers.push(("Message-ID", Value::Raw(id.as_bytes())));
        self
    }

    /// Byte-Range (RFC 4975 §7.1.1).
    pub fn byte_range(mut self, range: ByteRange) -> Self {
        self.headers.push(("Byte-Range", Value::Range(range)));
        self
    }

    /// Success-Report (`yes` or `no`).
    pub fn success_report(mut self, mode: ReportMode) -> Self {
        self.headers.push(("Success-Report", Value::Report(mode)));
        self
    }

    /// Failure-Report (`yes`, `no` or `partial`).
    pub fn failure_report(mut self, mode: ReportMode) -> Self {
        self.headers.push(("Failure-Report", Value::Report(mode)));
        self
    }

    /// Status of a REPORT (RFC 4975 §7.1.3).
    pub fn status(mut self, status: &'a Status) -> Self {
        self.headers.push(("Status", Value::Status(status)));
        self
    }

    /// Expires, in seconds (RFC 4976 §4.6).
    pub fn expires(mut self, seconds: u32) -> Self {
        self.headers.push(("Expires", Value::Number(seconds)));
        self
    }

    /// Use-Nickname (RFC 7701), quoted and escaped here.
    pub fn use_nickname(mut self, nickname: &'a str) -> Self {
        self.headers.push(("Use-Nickname", Value::Quoted(nickname)));
        self
    }

    /// A body with its Content-Type.
    pub fn body<T: AsRef<[u8]> + ?Sized>(mut self, content_type: &'a T, body: &'a [u8]) -> Self {
        self.content_type = Some(content_type.as_ref());
        self.body = body;
        self
    }

    /// Content-Type alone: a request with a body whose bytes are not given here (empty for
    /// [`RequestBuilder::encode`], written piece by piece with a [`ChunkWriter`]).
    pub fn content_type<T: AsRef<[u8]> + ?Sized>(mut self, content_type: &'a T) -> Self {
        self.content_type = Some(content_type.as_ref());
        self
    }

    /// The end-line's flag (default `$`). Only SEND may use `+` or `#`.
    pub fn flag(mut self, flag: Flag) -> Self {
        self.flag = flag;
        self
    }

    /// Writes the start line and the header section, the empty line included when there is
    /// a body.
    fn write_head(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        if !is_method(self.method.as_bytes()) {
            return Err(EncodeError::InvalidMethod);
        }
        check_path("To-Path", self.to_path)?;
        check_path("From-Path", self.from_path)?;
        let has_body = self.content_type.is_some();
        if !has_body {
            if let Some((name, _)) = self
                .headers
                .iter()
                .find(|(n, _)| HeaderName::is_mime(n.as_bytes()))
            {
                return Err(EncodeError::MimeWithoutBody {
                    name: (*name).to_owned(),
                });
            }
        }
        put_start(out, &self.tid);
        out.extend_from_slice(self.method.as_bytes());
        out.extend_from_slice(b"\r\nTo-Path: ");
        out.extend_from_slice(self.to_path);
        out.extend_from_slice(b"\r\nFrom-Path: ");
        out.extend_from_slice(self.from_path);
        out.extend_from_slice(b"\r\n");
        put_headers(out, &self.headers, false)?;
        if let Some(ct) = self.content_type {
            put_headers(out, &self.headers, true)?;
            if ct.is_empty() || text_error(ct).is_some() {
                return Err(invalid_value("Content-Type"));
            }
            out.extend_from_slice(b"Content-Type: ");
            out.extend_from_slice(ct);
            out.extend_from_slice(b"\r\n\r\n");
        }
        Ok(())
    }

    /// Writes the request.
    ///
    /// # Errors
    /// A value the grammar does not allow, a missing path, a MIME header without a body, a
    /// non-SEND request with a body over 10240 bytes or a flag other than `$`, a body that
    /// contains this request's end-line ([`EncodeError::EndLineInBody`]). On error nothing
    /// is written.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        if !self.method.is_send() {
            if self.body.len() > MAX_NON_SEND_BODY {
                return Err(EncodeError::NonSendBodyTooLarge {
                    len: self.body.len(),
                });
            }
            if self.flag != Flag::Complete {
                return Err(EncodeError::Interrupted);
            }
        }
        if let Some(at) = find_end_line(self.body, &self.tid) {
            return Err(EncodeError::EndLineInBody { at: at as u64 });
        }
        out.reserve(self.encoded_len_hint());
        atomically(out, |out| {
            self.write_head(out)?;
            if self.content_type.is_some() {
                out.extend_from_slice(self.body);
                out.extend_from_slice(b"\r\n");
            }
            self.tid.write_end_line(out, self.flag);
            Ok(())
        })
    }

    fn encoded_len_hint(&self) -> usize {
        64 + self.to_path.len() + self.from_path.len() + self.headers.len() * 32 + self.body.len()
    }
}

// --- responses -------------------------------------------------------------------------------

/// Builds a response (RFC 4975 §7.2): the request's transaction identifier, a status code
/// and comment, To-Path, From-Path and any other headers, then the end-line. Responses have
/// no body.
#[derive(Debug, Clone)]
#[must_use]
pub struct ResponseBuilder<'a> {
    tid: TransactionId,
    code: u16,
    comment: Option<&'a str>,
    to_path: &'a [u8],
    from_path: &'a [u8],
    headers: Headers<'a>,
}

/// The URIs of a path (separated by SP).
fn uris(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.split(|&b| b == b' ').filter(|u| !u.is_empty())
}

impl<'a> ResponseBuilder<'a> {
    /// A response with transaction identifier `tid` and status `code`, no comment, no paths.
    pub fn new(tid: TransactionId, code: u16) -> Self {
        Self {
            tid,
            code,
            comment: None,
            to_path: b"",
            from_path: b"",
            headers: SmallVec::new(),
        }
    }

    /// The response to `request` with status `code` and the comment of
    /// [`default_comment`], addressed back the way the request came: From-Path is the first
    /// URI of the request's To-Path (the URI this hop is addressed by; set another with
    /// [`ResponseBuilder::from_path`]); To-Path is the request's whole From-Path, or for
    /// SEND only its first URI, the previous hop (RFC 4975 §7.2: responses to SEND go to the
    /// previous hop only).
    ///
    /// RFC 4975 §7.2 says "the last (right-most) URI" and "reversing the list", which
    /// contradicts how paths are built: a relay inserts its URI as the *first* one of
    /// From-Path (RFC 4976 §3), a REPORT's To-Path is the From-Path as it is (RFC 4975
    /// §7.1.3), and every response in the RFC 4976 examples follows that. With a single URI,
    /// the case without relays, both readings agree.
    pub fn for_request(request: &'a FrameHead, code: u16) -> Self {
        let from = request.from_path().unwrap_or_default();
        let to_path = if request.method().is_some_and(Method::is_send) {
            uris(from).next().unwrap_or_default()
        } else {
            from
        };
        let from_path = uris(request.to_path().unwrap_or_default())
            .next()
            .unwrap_or_default();
        Self {
            tid: request.transaction_id(),
            code,
            comment: default_comment(code),
            to_path,
            from_path,
            headers: SmallVec::new(),
        }
    }

    /// The comment after the status code (`None` writes none).
    pub fn comment(mut self, comment: Option<&'a str>) -> Self {
        self.comment = comment;
        self
    }

    /// To-Path, written as given.
    pub fn to_path<V: AsRef<[u8]> + ?Sized>(mut self, path: &'a V) -> Self {
        self.to_path = path.as_ref();
        self
    }

    /// From-Path, written as given.
    pub fn from_path<V: AsRef<[u8]> + ?Sized>(mut self, path: &'a V) -> Self {
        self.from_path = path.as_ref();
        self
    }

    /// Adds a header (WWW-Authenticate, Use-Path, ...).
    pub fn header<V: AsRef<[u8]> + ?Sized>(mut self, name: &'a str, value: &'a V) -> Self {
        self.headers.push((name, Value::Raw(value.as_ref())));
        self
    }

    /// Expires, in seconds (RFC 4976 §4.6).
    pub fn expires(mut self, seconds: u32) -> Self {
        self.headers.push(("Expires", Value::Number(seconds)));
        self
    }

    /// Min-Expires, in seconds (RFC 4976 §4.6).
    pub fn min_expires(mut self, seconds: u32) -> Self {
        self.headers.push(("Min-Expires", Value::Number(seconds)));
        self
    }

    /// Max-Expires, in seconds (RFC 4976 §4.6).
    pub fn max_expires(mut self, seconds: u32) -> Self {
        self.headers.push(("Max-Expires", Value::Number(seconds)));
        self
    }

    /// Writes the response.
    ///
    /// # Errors
    /// A code above 999, a comment or value with a control character, an invalid header
    /// name, a missing path. On error nothing is written.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        if self.code > 999 {
            return Err(EncodeError::StatusCode(self.code));
        }
        check_path("To-Path", self.to_path)?;
        check_path("From-Path", self.from_path)?;
        if let Some(c) = self.comment {
            if text_error(c.as_bytes()).is_some() {
                return Err(EncodeError::InvalidComment);
            }
        }
        if let Some((name, _)) = self
            .headers
            .iter()
            .find(|(n, _)| HeaderName::is_mime(n.as_bytes()))
        {
            return Err(EncodeError::MimeWithoutBody {
                name: (*name).to_owned(),
            });
        }
        atomically(out, |out| {
            put_start(out, &self.tid);
            out.extend_from_slice(&three_digits(self.code));
            if let Some(c) = self.comment {
                out.extend_from_slice(b" ");
                out.extend_from_slice(c.as_bytes());
            }
            out.extend_from_slice(b"\r\nTo-Path: ");
            out.extend_from_slice(self.to_path);
            out.extend_from_slice(b"\r\nFrom-Path: ");
            out.extend_from_slice(self.from_path);
            out.extend_from_slice(b"\r\n");
            put_headers(out, &self.headers, false)?;
            self.tid.write_end_line(out, Flag::Complete);
            Ok(())
        })
    }
}

/// A conventional comment for a status code of RFC 4975 §10 and RFC 4976 (the RFCs define
/// codes, not phrases), `None` for others.
#[must_use]
pub const fn default_comment(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        408 => "Request Timeout",
        413 => "Message Too Large",
        415 => "Unsupported Media Type",
        423 => "Interval Out-of-Bounds",
        481 => "Session Does Not Exist",
        501 => "Not Implemented",
        506 => "Session Already Bound",
        _ => return None,
    })
}

// --- the end-line inside a body --------------------------------------------------------------

static SEVEN_DASHES: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"-------"));

/// Finds the end-line of `tid` inside `body`: seven `-`, the identifier and a flag
/// (RFC 4975 §7.1: the sender MUST make sure the body does not contain it). Returns the
/// offset of the first such flag byte. Linear: a run of dashes is walked once, and only its
/// last seven can precede the identifier (which never starts with `-`).
#[must_use]
pub fn find_end_line(body: &[u8], tid: &TransactionId) -> Option<usize> {
    find_end_line_from(body, tid, 0)
}

/// Like [`find_end_line`], for an end-line whose flag byte is at `min_flag` or later.
fn find_end_line_from(body: &[u8], tid: &TransactionId, min_flag: usize) -> Option<usize> {
    let t = tid.as_bytes();
    let mut from = 0;
    while let Some(i) = SEVEN_DASHES.find(body.get(from..).unwrap_or_default()) {
        let mut q = from + i + 7;
        while body.get(q) == Some(&b'-') {
            q += 1;
        }
        let flag = q + t.len();
        if flag >= min_flag
            && body.get(q..flag) == Some(t)
            && matches!(body.get(flag), Some(b'$' | b'+' | b'#'))
        {
            return Some(flag);
        }
        from = q;
    }
    None
}

mod chunk;
pub use chunk::ChunkWriter;

#[cfg(test)]
mod tests;
