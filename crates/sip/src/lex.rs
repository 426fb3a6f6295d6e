//! Lexical building blocks of RFC 3261 §25.1, shared by the URI and header parsers.
//!
//! Everything here works on byte slices and never allocates. A [`Cursor`] walks a value and
//! reports errors at its position, so every parser built on it gives located errors.

use crate::error::{ErrorKind, ParseError, Result};

/// `token` characters: `alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"`.
#[inline]
#[allow(
    clippy::indexing_slicing,
    reason = "a u8 always indexes a 256-entry table"
)]
pub(crate) const fn is_token(b: u8) -> bool {
    TOKEN[b as usize]
}

/// [`is_token`] as a table: one load per byte on the header-name hot path.
#[allow(clippy::indexing_slicing, reason = "the loop stays below 256")]
static TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = matches!(b,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9'
            | b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~');
        i += 1;
    }
    t
};

/// `word` characters (Call-ID): token characters plus `( ) < > : \ " / [ ] ? { }`.
#[inline]
pub(crate) const fn is_word(b: u8) -> bool {
    is_token(b)
        || matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'{'
                | b'}'
        )
}

/// White space inside a header value: SP, HTAB, and the CR/LF of a fold.
#[inline]
pub(crate) const fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// `unreserved = alphanum / mark`, `mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"`.
#[inline]
pub(crate) const fn is_unreserved(b: u8) -> bool {
    matches!(b,
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9'
        | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')')
}

/// The value of an ASCII hex digit.
#[inline]
pub(crate) const fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The slice without leading and trailing white space (SP, HTAB, CR, LF).
pub(crate) fn trim_ws(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|&b| !is_ws(b)).map_or(start, |p| p + 1);
    s.get(start..end).unwrap_or_default()
}

/// Parses a non-empty run of ASCII digits into a `u32`, failing on overflow.
pub(crate) fn parse_u32(digits: &[u8]) -> core::result::Result<u32, ErrorKind> {
    if digits.is_empty() {
        return Err(ErrorKind::Number);
    }
    let mut n: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Err(ErrorKind::Number);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u32::from(d - b'0')))
            .ok_or(ErrorKind::NumberOverflow)?;
    }
    Ok(n)
}

/// Decodes a quoted string's inner bytes (without the surrounding quotes), resolving
/// quoted-pairs (`\x` → `x`). Borrows when there is nothing to resolve.
pub(crate) fn unquote(inner: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !inner.contains(&b'\\') {
        return std::borrow::Cow::Borrowed(inner);
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut it = inner.iter();
    while let Some(&b) = it.next() {
        if b == b'\\' {
            if let Some(&n) = it.next() {
                out.push(n);
            }
        } else {
            out.push(b);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Splits a header value at top-level commas: commas inside a quoted string or inside `<...>`
/// do not split. Returns the byte ranges of each element, trimmed of white space; an empty
/// element (`a,,b`) is returned as an empty range so callers can reject it (RFC 4475 §3.1.2.1).
pub(crate) fn split_commas(value: &[u8]) -> smallvec::SmallVec<[core::ops::Range<usize>; 4]> {
    let mut out = smallvec::SmallVec::new();
    let mut start = 0;
    let mut in_quote = false;
    let mut in_angle = false;
    let mut escaped = false;
    for (i, &b) in value.iter().enumerate() {
        if in_quote {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_quote = false;
            }
            continue;
        }
        match b {
            b'"' => in_quote = true,
            b'<' => in_angle = true,
            b'>' => in_angle = false,
            b',' if !in_angle => {
                out.push(trim_range(value, start..i));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(trim_range(value, start..value.len()));
    out
}

fn trim_range(value: &[u8], r: core::ops::Range<usize>) -> core::ops::Range<usize> {
    let slice = value.get(r.clone()).unwrap_or_default();
    let lead = slice.iter().position(|&b| !is_ws(b)).unwrap_or(slice.len());
    let trail = slice.iter().rev().position(|&b| !is_ws(b)).unwrap_or(0);
    let start = r.start + lead;
    let end = (r.end - trail).max(start);
    start..end
}

/// A position in a byte slice, with the small vocabulary the RFC grammar needs.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`.
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// The whole input.
    pub(crate) const fn input(&self) -> &'a [u8] {
        self.buf
    }

    /// The current offset.
    pub(crate) const fn pos(&self) -> usize {
        self.pos
    }

    /// Moves to an offset (clamped to the input).
    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.buf.len());
    }

    /// The bytes not yet consumed.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// True when every byte is consumed.
    pub(crate) const fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The next byte, not consumed.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Consumes and returns the next byte.
    pub(crate) fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    /// Consumes `b` if it is next.
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `b`, or fails with `Expected(b)` here.
    pub(crate) fn expect(&mut self, b: u8) -> Result<()> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(self.error(ErrorKind::Expected(b)))
        }
    }

    /// Skips white space (SP, HTAB, and folds). Returns true if any was skipped.
    pub(crate) fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// `SWS b SWS`: a separator with optional white space around it (RFC 3261 §25.1 `SEMI`,
    /// `COMMA`, `EQUAL`, `SLASH`, ...). Consumes it if present; otherwise leaves the cursor
    /// where it was.
    pub(crate) fn eat_sep(&mut self, b: u8) -> bool {
        let save = self.pos;
        self.skip_ws();
        if self.eat(b) {
            self.skip_ws();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// Consumes the longest run of bytes matching `pred` (possibly empty).
    pub(crate) fn take_while(&mut self, pred: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&pred) {
            self.pos += 1;
        }
        self.buf.get(start..self.pos).unwrap_or_default()
    }

    /// A non-empty `token`.
    pub(crate) fn token(&mut self) -> Result<&'a [u8]> {
        let t = self.take_while(is_token);
        if t.is_empty() {
            Err(self.error(ErrorKind::Token))
        } else {
            Ok(t)
        }
    }

    /// A `quoted-string` starting at the cursor (which must be on the opening `"`). Returns the
    /// whole string including both quotes; use [`unquote`] on its inside for the text.
    pub(crate) fn quoted_string(&mut self) -> Result<&'a [u8]> {
        let start = self.pos;
        self.expect(b'"')?;
        loop {
            match self.bump() {
                None => return Err(ParseError::new(ErrorKind::QuotedString, start)),
                Some(b'"') => break,
                Some(b'\\') => {
                    // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                    if self.bump().is_none() {
                        return Err(ParseError::new(ErrorKind::QuotedString, start));
                    }
                }
                Some(_) => {}
            }
        }
        Ok(self.buf.get(start..self.pos).unwrap_or_default())
    }

    /// A decimal number that fits in `u32`.
    pub(crate) fn number(&mut self) -> Result<u32> {
        let start = self.pos;
        let digits = self.take_while(|b| b.is_ascii_digit());
        parse_u32(digits).map_err(|k| ParseError::new(k, start))
    }

    /// Fails with `TrailingBytes` unless only white space remains.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.skip_ws();
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(ErrorKind::TrailingBytes))
        }
    }

    /// An error of `kind` at the cursor.
    pub(crate) const fn error(&self, kind: ErrorKind) -> ParseError {
        ParseError::new(kind, self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_separators() {
        let mut c = Cursor::new(b"abc ; x = \"q\\\"z\" , y");
        assert_eq!(c.token().unwrap(), b"abc");
        assert!(c.eat_sep(b';'));
        assert_eq!(c.token().unwrap(), b"x");
        assert!(c.eat_sep(b'='));
        let q = c.quoted_string().unwrap();
        assert_eq!(q, b"\"q\\\"z\"");
        assert_eq!(&*unquote(&q[1..q.len() - 1]), b"q\"z");
        assert!(c.eat_sep(b','));
        assert_eq!(c.token().unwrap(), b"y");
        c.finish().unwrap();
    }

    #[test]
    fn unterminated_quote_is_located() {
        let mut c = Cursor::new(b"  \"abc");
        c.skip_ws();
        assert_eq!(
            c.quoted_string().unwrap_err(),
            ParseError::new(ErrorKind::QuotedString, 2)
        );
    }

    #[test]
    fn numbers_overflow() {
        assert_eq!(parse_u32(b"4294967295"), Ok(u32::MAX));
        assert_eq!(parse_u32(b"4294967296"), Err(ErrorKind::NumberOverflow));
        assert_eq!(parse_u32(b""), Err(ErrorKind::Number));
        assert_eq!(parse_u32(b"-1"), Err(ErrorKind::Number));
    }

    #[test]
    fn commas_respect_quotes_and_angles() {
        let v = b"\"a,b\" <sip:x@y;p=1,2>, <sip:z> ,,w";
        let parts: Vec<&[u8]> = split_commas(v).into_iter().map(|r| &v[r]).collect();
        assert_eq!(
            parts,
            vec![&b"\"a,b\" <sip:x@y;p=1,2>"[..], b"<sip:z>", b"", b"w"]
        );
    }

    #[test]
    fn trim() {
        assert_eq!(trim_ws(b" \t a b \r\n "), b"a b");
        assert_eq!(trim_ws(b"   "), b"");
    }
}
