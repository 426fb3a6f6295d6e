//! The line scanner of the framing parser: start lines and header lines (RFC 3261 §7,
//! §7.3.1, §25.1).

use super::{Limits, MAX_OFFSET, RawHeader, Span, StartLine, Status};
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{is_token, parse_u32};
use crate::name::HeaderName;

pub(super) enum Line {
    Header(RawHeader),
    End(usize),
    Partial,
}

pub(super) struct HeadParser<'a, 'l> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
    pub(super) limits: &'l Limits,
    pub(super) datagram: bool,
}

impl HeadParser<'_, '_> {
    /// The head limit, never above what a [`Span`] holds.
    fn max_head(&self) -> usize {
        self.limits.max_head_bytes.min(MAX_OFFSET)
    }

    /// What to return when the input ends inside the head.
    pub(super) fn partial<T>(&self) -> Result<Status<T>> {
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

    pub(super) fn over_limit(&self, at: usize) -> Result<()> {
        if at > self.max_head() {
            Err(ParseError::new(ErrorKind::HeadTooLarge, self.max_head()))
        } else {
            Ok(())
        }
    }

    pub(super) fn start_line(&mut self) -> Result<Option<StartLine>> {
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

    pub(super) fn header_line(&mut self) -> Result<Line> {
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
