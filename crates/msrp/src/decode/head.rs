//! The head of a frame, line by line: start line, header lines, and the end-line of a
//! bodiless frame (RFC 4975 §9), with the line and head limits.

use super::{Fail, HeadDone, HeadScan, Limits, Step};
use crate::error::ErrorKind;
use crate::frame::{Flag, HeadIndex, HeaderIdx, Span, StartKind, TransactionId, is_method};
use crate::header::{HeaderName, hname_error, is_ident_char, text_error};

// --- the head --------------------------------------------------------------------------------

/// The error for a byte the grammar refuses at `at`: a stray CR is a line-ending error,
/// anything else `kind`.
fn refuse(kind: ErrorKind, line: &[u8], i: usize, line_start: usize) -> Fail {
    let kind = if line.get(i) == Some(&b'\r') {
        ErrorKind::LineEnding
    } else {
        kind
    };
    Fail(kind, line_start + i)
}

/// Reads complete lines of the head, from where the last call stopped.
pub(super) fn scan_head(
    h: &mut HeadScan,
    buf: &[u8],
    limits: &Limits,
    work: &mut u64,
) -> Step<HeadDone> {
    if h.index.is_none() && h.scan < 5 {
        // Refuse a stream that does not start like MSRP at once, not after a line's worth.
        let n = buf.len().min(5);
        let (got, want) = (
            buf.get(..n).unwrap_or_default(),
            b"MSRP ".get(..n).unwrap_or_default(),
        );
        if let Some(i) = got.iter().zip(want).position(|(a, b)| a != b) {
            return Err(Fail(ErrorKind::StartLine, i));
        }
    }
    loop {
        let rest = buf.get(h.scan..).unwrap_or_default();
        let Some(i) = memchr::memchr(b'\n', rest) else {
            *work += rest.len() as u64;
            h.scan = buf.len();
            if let Some(fail) =
                over_limits(buf.len() - h.line_start, h.line_start, buf.len(), limits)
            {
                return Err(fail);
            }
            return Ok(HeadDone::NeedMore);
        };
        *work += i as u64 + 1;
        let lf = h.scan + i;
        let ls = h.line_start;
        if let Some(fail) = over_limits(lf - ls, ls, lf + 1, limits) {
            return Err(fail);
        }
        if lf == ls || buf.get(lf - 1) != Some(&b'\r') {
            return Err(Fail(ErrorKind::LineEnding, lf));
        }
        let line = buf.get(ls..lf - 1).unwrap_or_default();
        h.line_start = lf + 1;
        h.scan = lf + 1;
        let Some(index) = h.index.as_mut() else {
            h.index = Some(start_line(line, ls)?);
            continue;
        };
        match line.first() {
            None => {
                if matches!(index.kind, StartKind::Response { .. }) {
                    return Err(Fail(ErrorKind::ResponseBody, ls));
                }
                index.has_body = true;
                return Ok(HeadDone::Body { head_len: lf + 1 });
            }
            Some(b'-') => {
                let flag = end_line(line, &index.tid).ok_or(Fail(ErrorKind::EndLine, ls))?;
                return Ok(HeadDone::Bodiless {
                    head_len: ls,
                    frame_len: lf + 1,
                    flag,
                });
            }
            Some(_) => {
                if index.headers.len() >= limits.max_headers {
                    return Err(Fail(ErrorKind::TooManyHeaders, ls));
                }
                index.headers.push(header_line(line, ls)?);
            }
        }
    }
}

/// The line or head limit a head exceeds, knowing `line` bytes of the current line (before
/// its LF) starting at `ls`, and `total` bytes of the head.
///
/// Both limits are judged on bytes that were already there, and when both are exceeded the
/// one that became visible first wins (the line limit on a tie), so the error is the same
/// however the input was cut: a line is over when more than `max_line_bytes` bytes and a
/// possible CR come before its LF (visible at byte `ls + max_line_bytes + 2`), the head when
/// it passes `max_head_bytes` (visible at byte `max_head_bytes + 1`).
fn over_limits(line: usize, ls: usize, total: usize, limits: &Limits) -> Option<Fail> {
    let max_head = limits.max_head_bytes.min(u32::MAX as usize);
    let max_line = limits.max_line_bytes;
    let line_seen =
        (line > max_line.saturating_add(1)).then(|| ls.saturating_add(max_line).saturating_add(2));
    let head_seen = (total > max_head).then(|| max_head.saturating_add(1));
    match (line_seen, head_seen) {
        (Some(l), Some(h)) if h < l => Some(Fail(ErrorKind::HeadTooLarge, max_head)),
        (Some(_), _) => Some(Fail(ErrorKind::LineTooLong, ls.saturating_add(max_line))),
        (None, Some(_)) => Some(Fail(ErrorKind::HeadTooLarge, max_head)),
        (None, None) => None,
    }
}

/// `req-start = pMSRP SP transact-id SP method CRLF` or
/// `resp-start = pMSRP SP transact-id SP status-code [SP comment] CRLF` (RFC 4975 §9), the
/// line without its CRLF, starting at `ls` in the buffer.
fn start_line(line: &[u8], ls: usize) -> Step<HeadIndex> {
    if line.get(..5) != Some(b"MSRP ") {
        return Err(Fail(ErrorKind::StartLine, ls));
    }
    let rest = line.get(5..).unwrap_or_default();
    let Some(sp) = memchr::memchr(b' ', rest) else {
        return Err(match rest.iter().position(|&b| !is_ident_char(b)) {
            Some(i) => refuse(ErrorKind::TransactionId, line, 5 + i, ls),
            None => Fail(ErrorKind::StartLine, ls + line.len()),
        });
    };
    let tid = TransactionId::new(rest.get(..sp).unwrap_or_default())
        .map_err(|e| refuse(ErrorKind::TransactionId, line, 5 + e.offset as usize, ls))?;
    let w = 5 + sp + 1;
    let word = line.get(w..).unwrap_or_default();
    let digits = word.get(..3).filter(|d| d.iter().all(u8::is_ascii_digit));
    let kind = match (digits, word.get(3)) {
        (Some(d), None | Some(b' ')) => {
            let code = d.iter().fold(0u16, |n, &b| n * 10 + u16::from(b - b'0'));
            let comment = if word.len() > 3 {
                let c = word.get(4..).unwrap_or_default();
                if let Some(i) = text_error(c) {
                    return Err(refuse(ErrorKind::Comment, line, w + 4 + i, ls));
                }
                Some(Span::new(ls + w + 4, ls + line.len()))
            } else {
                None
            };
            StartKind::Response { code, comment }
        }
        _ if is_method(word) => StartKind::Request {
            method: Span::new(ls + w, ls + line.len()),
        },
        _ if word.first().is_some_and(u8::is_ascii_digit) => {
            let i = word
                .iter()
                .take(3)
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(3);
            return Err(refuse(ErrorKind::StatusCode, line, w + i, ls));
        }
        _ => {
            let i = word
                .iter()
                .position(|b| !b.is_ascii_uppercase())
                .unwrap_or(0);
            return Err(refuse(ErrorKind::Method, line, w + i, ls));
        }
    };
    Ok(HeadIndex {
        tid,
        kind,
        headers: smallvec::SmallVec::new(),
        has_body: false,
    })
}

/// `hname ":" SP hval` (RFC 4975 §9). White space after the colon is optional and may be
/// longer than one SP, and white space at the end of the line is not part of the value:
/// both are kept in the bytes, so re-emission stays exact.
fn header_line(line: &[u8], ls: usize) -> Step<HeaderIdx> {
    let name_end = match hname_error(line) {
        Some(0) => return Err(refuse(ErrorKind::HeaderName, line, 0, ls)),
        Some(i) => i,
        None => line.len(),
    };
    if line.get(name_end) != Some(&b':') {
        return Err(refuse(ErrorKind::HeaderColon, line, name_end, ls));
    }
    let mut start = name_end + 1;
    while matches!(line.get(start), Some(b' ' | b'\t')) {
        start += 1;
    }
    let mut end = line.len();
    while end > start && matches!(line.get(end - 1), Some(b' ' | b'\t')) {
        end -= 1;
    }
    if let Some(i) = text_error(line.get(start..end).unwrap_or_default()) {
        return Err(refuse(ErrorKind::HeaderValue, line, start + i, ls));
    }
    let name = line.get(..name_end).unwrap_or_default();
    Ok(HeaderIdx {
        kind: HeaderName::from_bytes(name),
        name: Span::new(ls, ls + name_end),
        value: Span::new(ls + start, ls + end),
    })
}

/// The flag of `line` when it is exactly `-------<tid><flag>`.
fn end_line(line: &[u8], tid: &TransactionId) -> Option<Flag> {
    let t = tid.as_bytes();
    let (&flag, rest) = line.split_last()?;
    if rest.len() == 7 + t.len() && rest.get(..7) == Some(b"-------") && rest.get(7..) == Some(t) {
        Flag::from_byte(flag)
    } else {
        None
    }
}
