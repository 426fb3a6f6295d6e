//! Errors of the MIME builders: the caller's values cannot be encoded as asked.

use crate::ParseError;

/// Why a MIME builder refused its input. Parse failures of the input bytes are
/// [`ParseError`]s; these are values the caller gave that cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The boundary is not 1 to 70 `bchars` not ending in a space (RFC 2046 §5.1.1).
    #[error("invalid multipart boundary")]
    InvalidBoundary,
    /// The boundary delimiter occurs in a part (or the preamble), so the split would cut there
    /// (RFC 2046 §5.1.1); choose another boundary. `part` is the part's index, `None` for the
    /// preamble.
    #[error("the boundary occurs inside a part")]
    BoundaryInPart {
        /// Index of the offending part, or `None` for the preamble.
        part: Option<usize>,
    },
    /// A multipart body needs at least one part (RFC 2046 §5.1.1).
    #[error("a multipart body needs at least one part")]
    NoParts,
    /// A header name is empty or has a byte other than printable ASCII except `:`.
    #[error("invalid header name")]
    HeaderName,
    /// A header or parameter value holds CR, LF or another byte it cannot carry.
    #[error("invalid header value")]
    HeaderValue,
    /// The stored message to encapsulate is malformed (no CRLF-ended start line, no end of
    /// its header section).
    #[error("stored message malformed: {0}")]
    Stored(ParseError),
}
