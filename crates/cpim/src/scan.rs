//! Finding where the two header blocks of a `message/cpim` body end (RFC 3862 §3), on a
//! prefix of the body that may still be growing (REQ: SW-7, cut-through).
//!
//! The scanner remembers the offset of the first line it has not yet seen whole, so feeding it
//! ever longer prefixes of the same body looks at every byte once: the total work is linear in
//! the header size, not quadratic in the number of calls.

use crate::error::{ErrorKind, ParseError, Result};

/// Bounds and strictness of the CPIM parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseOptions {
    /// Reject what RFC 3862 forbids (default). When false, the parser is lenient:
    /// - a header with an undeclared prefix (or one declared after its use) is kept, resolved
    ///   against any `NS` of the block if possible, and reported in
    ///   [`crate::CpimHead::warnings`] instead of failing with
    ///   [`ErrorKind::UndeclaredPrefix`];
    /// - `Name:` with no SP before an empty value is accepted;
    /// - a CPIM block that already holds `Content-Type` (the messages printed in RFC 4975 §11.4
    ///   have no empty line between the CPIM and the MIME headers) ends the head at its
    ///   empty line; its `Content-*` lines are taken as the MIME headers, and a warning of
    ///   kind [`ErrorKind::LineEnding`] at that empty line records the missing one.
    pub strict: bool,
    /// Largest head (both header blocks and their empty lines), in bytes (default 16 KiB).
    /// A head that is not complete within this many bytes fails with [`ErrorKind::TooLarge`].
    pub max_head_bytes: usize,
    /// Most header lines in both blocks together (default 64) → [`ErrorKind::TooLarge`].
    pub max_headers: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            strict: true,
            max_head_bytes: 16 * 1024,
            max_headers: 64,
        }
    }
}

impl ParseOptions {
    /// The default limits, lenient (see [`ParseOptions::strict`]).
    #[must_use]
    pub fn lenient() -> Self {
        Self {
            strict: false,
            ..Self::default()
        }
    }
}

/// Where the parts of a complete head are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    /// End of the CPIM header lines (the start of the empty line after them).
    pub(crate) cpim_end: usize,
    /// Start and end of the MIME header lines (equal when there are none, or when merged).
    pub(crate) mime: (usize, usize),
    /// Start of the payload: the length of the head.
    pub(crate) payload: usize,
    /// The lenient RFC 4975 form: MIME headers inside the CPIM block.
    pub(crate) merged: bool,
}

/// Incremental scanner for the end of the head.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scanner {
    pos: usize,
    block: u8,
    lines: usize,
    cpim_end: usize,
    mime_start: usize,
    cpim_has_content_type: bool,
}

impl Scanner {
    /// Scans `buf` (the same bytes as last time, possibly more) from where the last call
    /// stopped. `Ok(None)` means the head is not complete yet.
    pub(crate) fn scan(&mut self, buf: &[u8], opts: &ParseOptions) -> Result<Option<Layout>> {
        let too_large = |at| ParseError::new(ErrorKind::TooLarge, at);
        loop {
            let rest = buf.get(self.pos..).unwrap_or_default();
            let Some(nl) = memchr::memchr(b'\n', rest) else {
                if buf.len() > opts.max_head_bytes {
                    return Err(too_large(opts.max_head_bytes));
                }
                return Ok(None);
            };
            let lf = self.pos + nl;
            if lf == self.pos || buf.get(lf - 1) != Some(&b'\r') {
                return Err(ParseError::new(ErrorKind::LineEnding, lf));
            }
            let start = self.pos;
            let end = lf - 1;
            self.pos = lf + 1;
            if self.pos > opts.max_head_bytes {
                return Err(too_large(start));
            }
            if start == end {
                if self.block == 0 {
                    self.block = 1;
                    self.cpim_end = start;
                    self.mime_start = self.pos;
                    if !opts.strict && self.cpim_has_content_type {
                        return Ok(Some(Layout {
                            cpim_end: start,
                            mime: (self.pos, self.pos),
                            payload: self.pos,
                            merged: true,
                        }));
                    }
                } else {
                    return Ok(Some(Layout {
                        cpim_end: self.cpim_end,
                        mime: (self.mime_start, start),
                        payload: self.pos,
                        merged: false,
                    }));
                }
                continue;
            }
            let line = buf.get(start..end).unwrap_or_default();
            let folded = self.block == 1 && matches!(line.first(), Some(b' ' | b'\t'));
            if !folded {
                self.lines += 1;
                if self.lines > opts.max_headers {
                    return Err(too_large(start));
                }
            }
            if self.block == 0
                && line
                    .get(..13)
                    .is_some_and(|n| n.eq_ignore_ascii_case(b"Content-Type:"))
            {
                self.cpim_has_content_type = true;
            }
        }
    }
}
