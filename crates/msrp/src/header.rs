//! Header fields of MSRP frames: names, and the typed values of RFC 4975 §9, RFC 4976 §7 and
//! RFC 7701 (Byte-Range, Status, Success-/Failure-Report, Message-ID, Expires, Use-Nickname),
//! plus the lexical rules they share.
//!
//! Values are parsed from the bytes a [`FrameHead`](crate::FrameHead) keeps; a value parsed on
//! its own reports error offsets from its first byte.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;

use crate::error::{ErrorKind, ParseError, Result};

// --- lexical rules (RFC 4975 §9) -------------------------------------------------------------

/// `ALPHANUM = ALPHA / DIGIT`.
#[inline]
pub(crate) const fn is_alphanum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// `ident-char = ALPHANUM / "." / "-" / "+" / "%" / "="`.
#[inline]
pub(crate) const fn is_ident_char(b: u8) -> bool {
    is_alphanum(b) || matches!(b, b'.' | b'-' | b'+' | b'%' | b'=')
}

/// `token` of RFC 4975 §9: `%x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E`.
#[inline]
pub(crate) const fn is_token(b: u8) -> bool {
    matches!(
        b,
        0x21 | 0x23..=0x27 | 0x2A..=0x2B | 0x2D..=0x2E | 0x30..=0x39 | 0x41..=0x5A | 0x5E..=0x7E
    )
}

/// Where `s` stops being an `ident` (`ALPHANUM 3*31ident-char`): `None` when it is one,
/// else the offset to blame (the bad byte, or the end when the length is wrong).
pub(crate) fn ident_error(s: &[u8]) -> Option<usize> {
    match s.first() {
        Some(&b) if is_alphanum(b) => {}
        _ => return Some(0),
    }
    if let Some(i) = s.iter().position(|&b| !is_ident_char(b)) {
        return Some(i);
    }
    if s.len() < 4 {
        Some(s.len())
    } else if s.len() > 32 {
        Some(32)
    } else {
        None
    }
}

/// The first byte `utf8text` does not allow (`*(HTAB / %x20-7E / UTF8-NONASCII)`): a control
/// character other than HTAB, or DEL. Bytes from 0x80 up are accepted without checking their
/// UTF-8 sequence: the grammar's `UTF8-NONASCII` admits the obsolete 5- and 6-byte forms that
/// a strict UTF-8 check would refuse, and nothing in framing depends on them.
#[inline]
pub(crate) fn text_error(s: &[u8]) -> Option<usize> {
    // A branch-free pass first (it vectorises): values are almost always clean.
    let bad = |b: u8| (b < 0x20 && b != b'\t') || b == 0x7f;
    if s.iter().fold(false, |acc, &b| acc | bad(b)) {
        s.iter().position(|&b| bad(b))
    } else {
        None
    }
}

/// `hname = ALPHA *token`: the offset of the first bad byte, if any.
pub(crate) fn hname_error(s: &[u8]) -> Option<usize> {
    match s.first() {
        Some(b) if b.is_ascii_alphabetic() => s.iter().position(|&b| !is_token(b)),
        _ => Some(0),
    }
}

/// `1*DIGIT` as a `u64`, with errors located in `s` shifted by `base`.
fn parse_u64(s: &[u8], base: usize) -> Result<u64> {
    if s.is_empty() {
        return Err(err(ErrorKind::Number, base));
    }
    let mut n: u64 = 0;
    for (i, &b) in s.iter().enumerate() {
        if !b.is_ascii_digit() {
            return Err(err(ErrorKind::Number, base + i));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or(err(ErrorKind::NumberOverflow, base + i))?;
    }
    Ok(n)
}

/// `1*DIGIT` as a `u32` (Expires, Min-Expires, Max-Expires: RFC 4976 §7).
pub(crate) fn parse_u32(s: &[u8]) -> Result<u32> {
    let n = parse_u64(s, 0)?;
    u32::try_from(n).map_err(|_| err(ErrorKind::NumberOverflow, 0))
}

#[inline]
fn err(kind: ErrorKind, at: usize) -> ParseError {
    ParseError::new(kind, at as u64)
}

/// Writes `n` in decimal.
pub(crate) fn put_u64(out: &mut bytes::BytesMut, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            // `n % 10` is below 10: the cast cannot truncate.
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(i..).unwrap_or_default());
}

// --- header names ----------------------------------------------------------------------------

/// The header fields this crate knows by name. Names compare case-insensitively (RFC 4975 §9
/// writes them as ABNF strings, which are case-insensitive); any other name is
/// [`HeaderName::Other`] and is kept as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeaderName {
    /// `To-Path` (RFC 4975 §9).
    ToPath,
    /// `From-Path` (RFC 4975 §9).
    FromPath,
    /// `Message-ID` (RFC 4975 §9).
    MessageId,
    /// `Success-Report` (RFC 4975 §9).
    SuccessReport,
    /// `Failure-Report` (RFC 4975 §9).
    FailureReport,
    /// `Byte-Range` (RFC 4975 §9).
    ByteRange,
    /// `Status` (RFC 4975 §9).
    Status,
    /// `Content-Type` (RFC 4975 §9).
    ContentType,
    /// `Content-ID` (RFC 2045).
    ContentId,
    /// `Content-Description` (RFC 2045).
    ContentDescription,
    /// `Content-Disposition` (RFC 2183).
    ContentDisposition,
    /// `Use-Path` (RFC 4976 §7).
    UsePath,
    /// `Expires` (RFC 4976 §7).
    Expires,
    /// `Min-Expires` (RFC 4976 §7).
    MinExpires,
    /// `Max-Expires` (RFC 4976 §7).
    MaxExpires,
    /// `WWW-Authenticate` (RFC 4976 §7).
    WwwAuthenticate,
    /// `Authorization` (RFC 4976 §7).
    Authorization,
    /// `Authentication-Info` (RFC 4976 §7).
    AuthenticationInfo,
    /// `Use-Nickname` (RFC 7701).
    UseNickname,
    /// Any other (extension) header.
    Other,
}

impl HeaderName {
    /// Every known name, in a fixed order.
    #[cfg(test)]
    const KNOWN: [Self; 19] = [
        Self::ToPath,
        Self::FromPath,
        Self::MessageId,
        Self::SuccessReport,
        Self::FailureReport,
        Self::ByteRange,
        Self::Status,
        Self::ContentType,
        Self::ContentId,
        Self::ContentDescription,
        Self::ContentDisposition,
        Self::UsePath,
        Self::Expires,
        Self::MinExpires,
        Self::MaxExpires,
        Self::WwwAuthenticate,
        Self::Authorization,
        Self::AuthenticationInfo,
        Self::UseNickname,
    ];

    /// The name as the RFCs spell it (`""` for [`HeaderName::Other`]).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ToPath => "To-Path",
            Self::FromPath => "From-Path",
            Self::MessageId => "Message-ID",
            Self::SuccessReport => "Success-Report",
            Self::FailureReport => "Failure-Report",
            Self::ByteRange => "Byte-Range",
            Self::Status => "Status",
            Self::ContentType => "Content-Type",
            Self::ContentId => "Content-ID",
            Self::ContentDescription => "Content-Description",
            Self::ContentDisposition => "Content-Disposition",
            Self::UsePath => "Use-Path",
            Self::Expires => "Expires",
            Self::MinExpires => "Min-Expires",
            Self::MaxExpires => "Max-Expires",
            Self::WwwAuthenticate => "WWW-Authenticate",
            Self::Authorization => "Authorization",
            Self::AuthenticationInfo => "Authentication-Info",
            Self::UseNickname => "Use-Nickname",
            Self::Other => "",
        }
    }

    /// The known header `name` is (case-insensitively), or [`HeaderName::Other`].
    #[must_use]
    pub fn from_bytes(name: &[u8]) -> Self {
        // The length picks at most three candidates: one or two comparisons per header.
        let candidates: &[Self] = match name.len() {
            6 => &[Self::Status],
            7 => &[Self::ToPath, Self::Expires],
            8 => &[Self::UsePath],
            9 => &[Self::FromPath],
            10 => &[Self::MessageId, Self::ByteRange, Self::ContentId],
            11 => &[Self::MinExpires, Self::MaxExpires],
            12 => &[Self::ContentType, Self::UseNickname],
            13 => &[Self::Authorization],
            14 => &[Self::SuccessReport, Self::FailureReport],
            16 => &[Self::WwwAuthenticate],
            19 => &[
                Self::ContentDescription,
                Self::ContentDisposition,
                Self::AuthenticationInfo,
            ],
            _ => &[],
        };
        candidates
            .iter()
            .copied()
            .find(|k| k.as_str().as_bytes().eq_ignore_ascii_case(name))
            .unwrap_or(Self::Other)
    }

    /// True for the MIME header fields that belong to a body (RFC 4975 §9 `content-stuff`:
    /// Content-Type, Content-ID, Content-Description, Content-Disposition and any other
    /// `Content-*` extension field, RFC 2045 §9).
    #[must_use]
    pub fn is_mime(name: &[u8]) -> bool {
        name.get(..8)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"Content-"))
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One header line of a [`FrameHead`](crate::FrameHead), as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderField<'a> {
    pub(crate) kind: HeaderName,
    pub(crate) name: &'a [u8],
    pub(crate) value: &'a [u8],
    pub(crate) value_offset: u64,
}

impl<'a> HeaderField<'a> {
    /// The header, if this crate knows it, else [`HeaderName::Other`].
    #[must_use]
    pub fn kind(&self) -> HeaderName {
        self.kind
    }

    /// The name as written (a token: always ASCII).
    #[must_use]
    pub fn name(&self) -> &'a str {
        core::str::from_utf8(self.name).unwrap_or_default()
    }

    /// The value as written, without the white space after `:` and at the end of the line.
    #[must_use]
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// Offset of the value's first byte in the stream (see [`ParseError::offset`]).
    #[must_use]
    pub fn value_offset(&self) -> u64 {
        self.value_offset
    }

    /// True for MIME header fields (`Content-*`), which describe the body.
    #[must_use]
    pub fn is_mime(&self) -> bool {
        HeaderName::is_mime(self.name)
    }
}

// --- Byte-Range ------------------------------------------------------------------------------

/// The `Byte-Range` header (RFC 4975 §7.1.1, §9): `range-start "-" range-end "/" total`, with
/// positions counted from 1. `1-0/0` is the range of an empty message.
///
/// ```
/// use simpleim_msrp::{ByteRange, Status};
///
/// let r = ByteRange::parse(b"1-*/8")?;
/// assert_eq!((r.start, r.end, r.total), (1, None, Some(8)));
/// assert_eq!(r.to_string(), "1-*/8");
///
/// let s = Status::parse(&bytes::Bytes::from_static(b"000 413 Too Large"))?;
/// assert_eq!(s.code, 413);
/// assert_eq!(s.text.as_deref(), Some(&b"Too Large"[..]));
/// # Ok::<(), simpleim_msrp::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ByteRange {
    /// Position in the whole message of the body's first byte (at least 1).
    pub start: u64,
    /// Position of the body's last byte; `None` is `*` (unknown, or the chunk may be
    /// interrupted).
    pub end: Option<u64>,
    /// Size of the whole message; `None` is `*` (unknown).
    pub total: Option<u64>,
}

impl ByteRange {
    /// A range, checked as [`ByteRange::parse`] checks a parsed one.
    ///
    /// # Errors
    /// [`ErrorKind::ByteRange`] (offset 0) when the range is inconsistent (see
    /// [`ByteRange::check`]).
    pub fn new(start: u64, end: Option<u64>, total: Option<u64>) -> Result<Self> {
        let r = Self { start, end, total };
        r.check().map(|()| r)
    }

    /// Parses a Byte-Range value. Beyond the grammar it checks what §7.1.1 implies:
    /// `start >= 1`, `end >= start - 1` (an empty range), and with a known total `end <= total`
    /// and `start <= total + 1`.
    ///
    /// # Errors
    /// [`ErrorKind::Number`], [`ErrorKind::NumberOverflow`] or [`ErrorKind::ByteRange`], with
    /// the offset in `value`.
    pub fn parse(value: &[u8]) -> Result<Self> {
        let dash = memchr::memchr(b'-', value).ok_or(err(ErrorKind::ByteRange, value.len()))?;
        let slash = memchr::memchr(b'/', value).ok_or(err(ErrorKind::ByteRange, value.len()))?;
        if slash < dash {
            return Err(err(ErrorKind::ByteRange, slash));
        }
        let start_s = value.get(..dash).unwrap_or_default();
        let end_s = value.get(dash + 1..slash).unwrap_or_default();
        let total_s = value.get(slash + 1..).unwrap_or_default();
        let start = parse_u64(start_s, 0)?;
        let end = if end_s == b"*" {
            None
        } else {
            Some(parse_u64(end_s, dash + 1)?)
        };
        let total = if total_s == b"*" {
            None
        } else {
            Some(parse_u64(total_s, slash + 1)?)
        };
        let r = Self { start, end, total };
        r.check().map_err(|e| match e.offset {
            0 => e,
            1 => err(ErrorKind::ByteRange, dash + 1),
            _ => err(ErrorKind::ByteRange, slash + 1),
        })?;
        Ok(r)
    }

    /// Checks the range: `start >= 1`, `end >= start - 1`, `end <= total`,
    /// `start <= total + 1`.
    ///
    /// # Errors
    /// [`ErrorKind::ByteRange`] with offset 0 (the start is wrong), 1 (the end) or 2 (the
    /// total).
    pub fn check(&self) -> Result<()> {
        if self.start == 0 {
            return Err(ParseError::new(ErrorKind::ByteRange, 0));
        }
        if let Some(end) = self.end {
            if end < self.start - 1 {
                return Err(ParseError::new(ErrorKind::ByteRange, 1));
            }
        }
        if let Some(total) = self.total {
            if self.end.is_some_and(|e| e > total) || self.start - 1 > total {
                return Err(ParseError::new(ErrorKind::ByteRange, 2));
            }
        }
        Ok(())
    }

    /// Number of bytes the range covers, when its end is known.
    #[must_use]
    pub fn len(&self) -> Option<u64> {
        self.end.map(|e| (e + 1).saturating_sub(self.start))
    }

    /// True when the range is known to be empty (`1-0/0`).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    pub(crate) fn write(&self, out: &mut bytes::BytesMut) {
        put_u64(out, self.start);
        out.extend_from_slice(b"-");
        match self.end {
            Some(e) => put_u64(out, e),
            None => out.extend_from_slice(b"*"),
        }
        out.extend_from_slice(b"/");
        match self.total {
            Some(t) => put_u64(out, t),
            None => out.extend_from_slice(b"*"),
        }
    }
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-", self.start)?;
        match self.end {
            Some(e) => write!(f, "{e}/")?,
            None => f.write_str("*/")?,
        }
        match self.total {
            Some(t) => write!(f, "{t}"),
            None => f.write_str("*"),
        }
    }
}

// --- Status ----------------------------------------------------------------------------------

/// The `Status` header of a REPORT (RFC 4975 §7.1.3, §9): `namespace SP status-code
/// [SP text-reason]`, e.g. `000 200 OK`. Namespace `000` means the code reads like a
/// transaction response code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Status {
    /// The namespace, three digits (0 for the codes of RFC 4975).
    pub namespace: u16,
    /// The status code, three digits.
    pub code: u16,
    /// The text after the code, if any (`utf8text`).
    pub text: Option<Bytes>,
}

impl Status {
    /// Namespace 000, `code`, no text.
    #[must_use]
    pub const fn new(code: u16) -> Self {
        Self {
            namespace: 0,
            code,
            text: None,
        }
    }

    /// The same status with a text.
    #[must_use]
    pub fn with_text(mut self, text: impl Into<Bytes>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Parses a Status value; the text is a slice of `value` (no copy).
    ///
    /// # Errors
    /// [`ErrorKind::Status`] with the offset in `value`.
    pub fn parse(value: &Bytes) -> Result<Self> {
        let v = value.as_ref();
        let three = |at: usize| -> Result<u16> {
            match v.get(at..at + 3) {
                Some(d) if d.iter().all(u8::is_ascii_digit) => {
                    Ok(d.iter().fold(0u16, |n, &b| n * 10 + u16::from(b - b'0')))
                }
                _ => Err(err(ErrorKind::Status, at)),
            }
        };
        let namespace = three(0)?;
        if v.get(3) != Some(&b' ') {
            return Err(err(ErrorKind::Status, 3));
        }
        let code = three(4)?;
        let text = match v.get(7) {
            None => None,
            Some(b' ') => {
                let t = v.get(8..).unwrap_or_default();
                if let Some(i) = text_error(t) {
                    return Err(err(ErrorKind::Status, 8 + i));
                }
                Some(value.slice(8.min(v.len())..))
            }
            Some(_) => return Err(err(ErrorKind::Status, 7)),
        };
        Ok(Self {
            namespace,
            code,
            text,
        })
    }

    /// True for a 2xx code in namespace 000.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.namespace == 0 && (200..300).contains(&self.code)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03} {:03}", self.namespace, self.code)?;
        if let Some(t) = &self.text {
            write!(f, " {}", String::from_utf8_lossy(t))?;
        }
        Ok(())
    }
}

// --- report modes ----------------------------------------------------------------------------

/// The value of `Success-Report` (`yes` / `no`) or `Failure-Report` (`yes` / `no` /
/// `partial`), RFC 4975 §7.1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportMode {
    /// `yes`.
    Yes,
    /// `no`.
    No,
    /// `partial` (Failure-Report only).
    Partial,
}

impl ReportMode {
    /// The value as written.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "no",
            Self::Partial => "partial",
        }
    }

    /// Parses a report value (case-insensitively, as ABNF strings compare); `partial` only
    /// when `allow_partial`.
    ///
    /// # Errors
    /// [`ErrorKind::ReportMode`] at offset 0.
    pub fn parse(value: &[u8], allow_partial: bool) -> Result<Self> {
        if value.eq_ignore_ascii_case(b"yes") {
            Ok(Self::Yes)
        } else if value.eq_ignore_ascii_case(b"no") {
            Ok(Self::No)
        } else if allow_partial && value.eq_ignore_ascii_case(b"partial") {
            Ok(Self::Partial)
        } else {
            Err(err(ErrorKind::ReportMode, 0))
        }
    }
}

impl fmt::Display for ReportMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// --- quoted strings (Use-Nickname) -----------------------------------------------------------

/// Unquotes an RFC 4975 §9 `quoted-string` (`DQUOTE *(qdtext / qd-esc) DQUOTE`, where
/// `qd-esc` is `\\` or `\"`), as RFC 7701 uses it for `Use-Nickname`. Borrows when there is
/// nothing to unescape.
///
/// # Errors
/// [`ErrorKind::QuotedString`] (missing quotes, a bad escape, a control character, bytes after
/// the closing quote) or [`ErrorKind::Utf8`], with the offset in `value`.
pub(crate) fn unquote(value: &[u8]) -> Result<Cow<'_, str>> {
    if value.first() != Some(&b'"') {
        return Err(err(ErrorKind::QuotedString, 0));
    }
    let mut escaped = false;
    let mut i = 1;
    let close = loop {
        match value.get(i) {
            None => return Err(err(ErrorKind::QuotedString, i)),
            Some(b'"') => break i,
            Some(b'\\') => {
                if !matches!(value.get(i + 1), Some(b'\\' | b'"')) {
                    return Err(err(ErrorKind::QuotedString, i));
                }
                escaped = true;
                i += 2;
            }
            Some(&b) if (b < 0x20 && b != b'\t') || b == 0x7f => {
                return Err(err(ErrorKind::QuotedString, i));
            }
            Some(_) => i += 1,
        }
    };
    if close + 1 != value.len() {
        return Err(err(ErrorKind::QuotedString, close + 1));
    }
    let inner = value.get(1..close).unwrap_or_default();
    let text =
        core::str::from_utf8(inner).map_err(|e| err(ErrorKind::Utf8, 1 + e.valid_up_to()))?;
    if !escaped {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    Ok(Cow::Owned(out))
}

/// Writes `text` as a quoted string, escaping `\` and `"`.
pub(crate) fn put_quoted(out: &mut bytes::BytesMut, text: &str) {
    out.extend_from_slice(b"\"");
    for part in text
        .as_bytes()
        .split_inclusive(|&b| b == b'\\' || b == b'"')
    {
        match part.split_last() {
            Some((&last, init)) if last == b'\\' || last == b'"' => {
                out.extend_from_slice(init);
                out.extend_from_slice(&[b'\\', last]);
            }
            _ => out.extend_from_slice(part),
        }
    }
    out.extend_from_slice(b"\"");
}

#[cfg(test)]
mod tests;
