//! Lexical pieces of RFC 2045 §5.1 / RFC 5322 §3.2 structured header values (the character
//! classes are in [`crate::chars`]).
//!
//! A [`Cursor`] walks a value held in `Bytes`, so that tokens and quoted strings leave as
//! slices of it (zero-copy), and reports errors at its position.

use bytes::Bytes;

use crate::chars::{is_token, is_wsp};
use crate::{ErrorKind, ParseError, Result};

/// ASCII case-insensitive equality.
#[inline]
pub(crate) fn eq_ic(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// True if `value` can be written as a header value: no CR, LF or NUL.
pub(crate) fn is_safe_value(value: &[u8]) -> bool {
    !value.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))
}

/// A position in a value held in `Bytes`.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    buf: &'a Bytes,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`.
    pub(crate) const fn new(buf: &'a Bytes) -> Self {
        Self { buf, pos: 0 }
    }

    /// True when every byte is consumed.
    pub(crate) const fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The next byte, not consumed.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
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

    /// Skips `CFWS`: SP, HTAB, folds (CRLF followed by SP/HTAB) and `( comments )`, which may
    /// nest and hold quoted-pairs (RFC 5322 §3.2.2). An unclosed comment is an error.
    pub(crate) fn skip_cfws(&mut self) -> Result<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'\r')
                    if self.buf.get(self.pos + 1) == Some(&b'\n')
                        && self.buf.get(self.pos + 2).copied().is_some_and(is_wsp) =>
                {
                    self.pos += 3;
                }
                Some(b'(') => self.skip_comment()?,
                _ => return Ok(()),
            }
        }
    }

    fn skip_comment(&mut self) -> Result<()> {
        let start = self.pos;
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                b'\\' => self.pos += 1,
                _ => {}
            }
        }
        Err(ParseError::new(ErrorKind::Mime, start))
    }

    /// A non-empty `token`, as a slice of the input.
    pub(crate) fn token(&mut self) -> Result<Bytes> {
        let start = self.pos;
        while self.peek().is_some_and(is_token) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(ParseError::new(ErrorKind::Mime, start));
        }
        Ok(self.buf.slice(start..self.pos))
    }

    /// A `quoted-string` starting at the cursor's `"`. Returns its text with quoted-pairs
    /// resolved: a slice of the input unless there was a `\` to resolve.
    pub(crate) fn quoted_string(&mut self) -> Result<Bytes> {
        let start = self.pos;
        if !self.eat(b'"') {
            return Err(ParseError::new(ErrorKind::Mime, start));
        }
        let inner = self.pos;
        let mut escaped = false;
        loop {
            match self.peek() {
                None => return Err(ParseError::new(ErrorKind::QuotedString, start)),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 2;
                }
                Some(b'\r' | b'\n') => {
                    // A fold inside the string: unfolding drops the CRLF.
                    escaped = true;
                    self.pos += 1;
                }
                Some(_) => self.pos += 1,
            }
        }
        let text = self.buf.slice(inner..self.pos.min(self.buf.len()));
        self.pos += 1;
        Ok(if escaped { unquote(&text) } else { text })
    }

    /// An error of `kind` at the cursor.
    pub(crate) const fn error(&self, kind: ErrorKind) -> ParseError {
        ParseError::new(kind, self.pos)
    }
}

/// Resolves quoted-pairs (`\x` → `x`) and drops the CRLF of folds (RFC 5322 §3.2.4).
fn unquote(inner: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(inner.len());
    let mut it = inner.iter();
    while let Some(&b) = it.next() {
        match b {
            b'\\' => {
                if let Some(&n) = it.next() {
                    out.push(n);
                }
            }
            b'\r' | b'\n' => {}
            _ => out.push(b),
        }
    }
    Bytes::from(out)
}

/// Writes `value` as a `token` if it is one, else as a `quoted-string` (escaping `"` and `\`).
pub(crate) fn write_token_or_quoted(out: &mut Vec<u8>, value: &[u8]) {
    if !value.is_empty() && value.iter().all(|&b| is_token(b)) {
        out.extend_from_slice(value);
    } else {
        write_quoted(out, value);
    }
}

/// Writes `value` as a `quoted-string`.
pub(crate) fn write_quoted(out: &mut Vec<u8>, value: &[u8]) {
    out.push(b'"');
    for &b in value {
        if matches!(b, b'"' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}
