//! Byte-level helpers shared by the typed attribute parsers.
//!
//! Every offset handed to [`err`] is relative to the start of the attribute value; the model
//! rebases it onto the description and fills in the line number.

use core::fmt;
use core::ops::Range;

use bytes::Bytes;
use smallvec::SmallVec;

use crate::{ErrorKind, ParseError, Result};

/// A malformed-attribute error at `offset` bytes into the value (line unknown: 0).
pub(crate) const fn err(offset: usize) -> ParseError {
    ParseError::new(ErrorKind::Attribute, offset, 0)
}

/// An invalid-number error at `offset` bytes into the value.
pub(crate) const fn number_err(offset: usize) -> ParseError {
    ParseError::new(ErrorKind::Number, offset, 0)
}

/// Rejects NUL, CR and LF anywhere in a value: they would end or corrupt the `a=` line
/// (RFC 8866 §9 `byte-string`), and builders must never be able to inject a line.
pub(crate) fn check_line_safe(value: &[u8]) -> Result<()> {
    match value.iter().position(|&b| matches!(b, 0 | b'\r' | b'\n')) {
        Some(at) => Err(err(at)),
        None => Ok(()),
    }
}

/// RFC 8866 §9 `token-char`.
pub(crate) const fn is_token_char(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x27 | 0x2A..=0x2B | 0x2D..=0x2E | 0x30..=0x39 | 0x41..=0x5A | 0x5E..=0x7E)
}

/// Checks that `bytes` is a non-empty token; errors point at the first bad byte, `base` being
/// the offset of `bytes` inside the value.
pub(crate) fn check_token(bytes: &[u8], base: usize) -> Result<()> {
    if bytes.is_empty() {
        return Err(err(base));
    }
    match bytes.iter().position(|&b| !is_token_char(b)) {
        Some(at) => Err(err(base + at)),
        None => Ok(()),
    }
}

/// Decimal `1*DIGIT` into a `u64`; `base` is the offset of `digits` in the value.
pub(crate) fn parse_u64(digits: &[u8], base: usize) -> Result<u64> {
    if digits.is_empty() {
        return Err(err(base));
    }
    let mut n: u64 = 0;
    for (i, &b) in digits.iter().enumerate() {
        if !b.is_ascii_digit() {
            return Err(err(base + i));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or(number_err(base))?;
    }
    Ok(n)
}

/// Whether `b` separates items of an SP-separated list. HTAB is tolerated as well.
pub(crate) const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// Spans of the whitespace-separated items of `value`. A DQUOTE opens a run in which SP does
/// not separate; with `backslash`, `\` escapes the next byte inside it (RFC 3261
/// `quoted-string`), without it the run ends at the next DQUOTE (RFC 5547 strings, which use
/// percent-encoding instead). Leading, trailing and repeated whitespace is tolerated: real
/// offers carry `a=accept-types: message/cpim ...` (RFC 4975 §8.7).
pub(crate) fn split_items(value: &[u8], backslash: bool) -> Result<SmallVec<[Range<usize>; 8]>> {
    let mut out = SmallVec::new();
    let mut start = None;
    let mut quote_at = None;
    let mut escaped = false;
    for (i, &b) in value.iter().enumerate() {
        if quote_at.is_some() {
            if escaped {
                escaped = false;
            } else if backslash && b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                quote_at = None;
            }
            continue;
        }
        if is_space(b) {
            if let Some(s) = start.take() {
                out.push(s..i);
            }
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        if b == b'"' {
            quote_at = Some(i);
        }
    }
    if let Some(q) = quote_at {
        return Err(err(q));
    }
    if let Some(s) = start {
        out.push(s..value.len());
    }
    Ok(out)
}

/// `items` joined by single SPs: the canonical form of every SP-separated value. An item that
/// is empty, or with `words` holds whitespace, would not read back as one item: an error at
/// its offset in the joined text. (Without `words`, items may hold quoted SPs.)
pub(crate) fn join_sp<I>(items: I, words: bool) -> Result<Bytes>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let mut text = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            text.push(b' ');
        }
        let item = item.as_ref();
        if item.is_empty() || (words && item.iter().any(|&b| is_space(b))) {
            return Err(err(text.len()));
        }
        text.extend_from_slice(item);
    }
    Ok(Bytes::from(text))
}

/// The bytes of `span` in `value`, empty when out of range (never panics).
pub(crate) fn sub(value: &[u8], span: Range<usize>) -> &[u8] {
    value.get(span).unwrap_or_default()
}

/// Writes `bytes` as text: UTF-8 as is, anything else with replacement characters (the exact
/// bytes are always available from the types' `as_bytes`).
pub(crate) fn write_bytes(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    match core::str::from_utf8(bytes) {
        Ok(s) => f.write_str(s),
        Err(_) => f.write_str(&String::from_utf8_lossy(bytes)),
    }
}

/// `2HEXDIG` decoded, or `None`.
pub(crate) fn hex_pair(hi: u8, lo: u8) -> Option<u8> {
    let h = (hi as char).to_digit(16)?;
    let l = (lo as char).to_digit(16)?;
    u8::try_from(h * 16 + l).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_honours_quotes_and_spaces() {
        let v = b" a  \"b c\"d\te ";
        let spans = split_items(v, false).unwrap();
        let items: Vec<&[u8]> = spans.iter().map(|s| sub(v, s.clone())).collect();
        assert_eq!(items, [&b"a"[..], b"\"b c\"d", b"e"]);
    }

    #[test]
    fn split_escapes_only_when_asked() {
        let v = br#"x="a\" b" y"#;
        assert_eq!(split_items(v, true).unwrap().len(), 2);
        assert_eq!(split_items(v, false).unwrap_err().offset, 8);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64(b"0042", 0).unwrap(), 42);
        assert_eq!(parse_u64(b"4x", 3).unwrap_err().offset, 4);
        assert_eq!(
            parse_u64(b"99999999999999999999", 0).unwrap_err().kind,
            ErrorKind::Number
        );
    }

    #[test]
    fn line_safety() {
        assert_eq!(check_line_safe(b"ab\r\nc").unwrap_err().offset, 2);
        assert!(check_line_safe(b"abc").is_ok());
    }
}
