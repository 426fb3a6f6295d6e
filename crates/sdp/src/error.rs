//! Errors of the SDP crate.
//!
//! A parse failure is a small `Copy` value: an [`ErrorKind`], the byte `offset` where it was
//! found (from the start of the parsed input) and the 1-based `line` number.

/// What was wrong with the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A line is not `<type>=<value>` with a single lower-case letter type (RFC 8866 §5).
    #[error("malformed line")]
    Line,
    /// A line ends in a bare LF or has no line end (strict mode), or holds a CR or NUL inside.
    #[error("bad line ending")]
    LineEnding,
    /// A line type appears where the RFC 8866 §5 order does not allow it, or a required line
    /// (`v=`, `o=`, `s=`, `t=`) is missing.
    #[error("line out of order or missing")]
    Order,
    /// `v=` is not `0`.
    #[error("unsupported version")]
    Version,
    /// A field of a structured line (`o=`, `c=`, `b=`, `t=`, `r=`, `z=`, `k=`, `m=`) is
    /// missing or malformed.
    #[error("malformed field")]
    Field,
    /// A number is not decimal or does not fit.
    #[error("invalid number")]
    Number,
    /// An attribute's value does not follow its grammar (typed attributes only).
    #[error("malformed attribute value")]
    Attribute,
    /// The description is larger than the configured limit (bytes, lines or media sections).
    #[error("description larger than the limit")]
    TooLarge,
}

/// A located parse error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind} at line {line}, byte {offset}")]
pub struct ParseError {
    /// What was wrong.
    pub kind: ErrorKind,
    /// Where, in bytes from the start of the parsed input.
    pub offset: usize,
    /// The 1-based line number (0 when the error is not tied to a line).
    pub line: usize,
}

impl ParseError {
    /// A new error of `kind` at byte `offset` on line `line`.
    #[must_use]
    pub const fn new(kind: ErrorKind, offset: usize, line: usize) -> Self {
        Self { kind, offset, line }
    }
}

/// Shorthand for results of this crate's parsers.
pub type Result<T, E = ParseError> = core::result::Result<T, E>;
