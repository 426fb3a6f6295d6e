//! Errors of the SIP crate.
//!
//! Every parse failure is a small `Copy` value: an [`ErrorKind`] saying what was wrong and the
//! byte `offset` where it was found. For a whole message the offset counts from the first byte
//! of the message; for a typed header obtained through [`crate::Message`] it is also made
//! absolute; for a typed value parsed on its own (`Via::parse(..)`) it counts from the start of
//! that value. [`ParseError::status_hint`] gives the SIP status a UAS answers with.

/// What was wrong with the input. Grouped by the part of the grammar that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    // --- start line -------------------------------------------------------------------------
    /// The request method is not a token (RFC 3261 §25.1 `Method`).
    #[error("invalid method")]
    Method,
    /// The Request-URI is missing or malformed.
    #[error("invalid Request-URI")]
    RequestUri,
    /// The protocol version is not `SIP/<digits>.<digits>`.
    #[error("invalid SIP version")]
    Version,
    /// The status code is not three digits, or is outside 100..=699.
    #[error("invalid status code")]
    StatusCode,
    /// The reason phrase has a byte the grammar does not allow.
    #[error("invalid reason phrase")]
    ReasonPhrase,
    /// The start line does not have the shape `Method SP Request-URI SP SIP-Version` or
    /// `SIP-Version SP Status-Code SP Reason-Phrase` (extra or missing spaces included).
    #[error("malformed start line")]
    StartLine,

    // --- header block -----------------------------------------------------------------------
    /// A header name is empty or not a token.
    #[error("invalid header name")]
    HeaderName,
    /// A header line has no `:` after its name.
    #[error("header line without ':'")]
    HeaderColon,
    /// A header value holds a byte no header may carry (a control character).
    #[error("invalid byte in header value")]
    HeaderValue,
    /// A CR not followed by LF.
    #[error("CR not followed by LF")]
    LineEnding,
    /// The header section is larger than the configured limit.
    #[error("header section larger than the limit")]
    HeadTooLarge,
    /// More header lines than the configured limit.
    #[error("more headers than the limit")]
    TooManyHeaders,
    /// Content-Length is not a non-negative decimal number that fits.
    #[error("invalid Content-Length")]
    ContentLength,
    /// Two Content-Length headers with different values (RFC 4475 §3.3.9).
    #[error("conflicting Content-Length headers")]
    DuplicateContentLength,
    /// A stream message without Content-Length (RFC 3261 §18.3: mandatory over TCP).
    #[error("missing Content-Length on a stream transport")]
    MissingContentLength,
    /// The body is larger than the configured limit.
    #[error("body larger than the limit")]
    BodyTooLarge,
    /// A datagram ends before the octets its Content-Length announces (RFC 4475 §3.1.2.2).
    #[error("body shorter than Content-Length")]
    BodyTruncated,

    // --- lexical pieces of header values ----------------------------------------------------
    /// Expected a token (RFC 3261 §25.1) and found something else.
    #[error("expected a token")]
    Token,
    /// A quoted string without its closing `"`.
    #[error("unterminated quoted string")]
    QuotedString,
    /// Expected a decimal number.
    #[error("expected a number")]
    Number,
    /// A number larger than its field allows (CSeq > 2^32-1, status > 699, ...).
    #[error("number too large")]
    NumberOverflow,
    /// A specific separator or delimiter was expected here.
    #[error("expected '{}'", char::from(*.0))]
    Expected(u8),
    /// A byte that the grammar does not allow at this place.
    #[error("unexpected byte")]
    UnexpectedByte,
    /// The value continues after what the grammar accepts.
    #[error("unexpected data after the value")]
    TrailingBytes,
    /// The value is empty where the grammar needs something.
    #[error("empty value")]
    Empty,
    /// A header required for this operation is absent.
    #[error("missing header")]
    MissingHeader,

    // --- URIs and addresses -----------------------------------------------------------------
    /// The URI scheme is missing or malformed.
    #[error("invalid URI scheme")]
    Scheme,
    /// The user or password part of a URI is malformed.
    #[error("invalid URI user part")]
    UriUser,
    /// The host part of a URI is malformed (hostname, IPv4 or IPv6 reference).
    #[error("invalid host")]
    Host,
    /// The port is not a number in 0..=65535.
    #[error("invalid port")]
    Port,
    /// A URI parameter is malformed.
    #[error("invalid URI parameter")]
    UriParam,
    /// A URI header (`?name=value`) is malformed.
    #[error("invalid URI header")]
    UriHeader,
    /// A `%` not followed by two hex digits.
    #[error("invalid %-escape")]
    Escape,
    /// A name-addr is malformed: a `<` without `>`, or a display name that is neither a quoted
    /// string nor a run of tokens.
    #[error("invalid name-addr")]
    NameAddr,
}

/// A located parse error: what went wrong and at which byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    /// What was wrong.
    pub kind: ErrorKind,
    /// Where, in bytes from the start of the parsed input.
    pub offset: usize,
}

impl ParseError {
    /// A new error of `kind` at `offset`.
    #[must_use]
    pub const fn new(kind: ErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// The same error with its offset moved by `base` bytes, for an error found in a slice
    /// that starts `base` bytes into a larger input.
    #[must_use]
    pub const fn shifted(self, base: usize) -> Self {
        Self {
            kind: self.kind,
            offset: self.offset.saturating_add(base),
        }
    }

    /// The SIP status code a UAS answers a request with when it fails this way (RFC 3261
    /// §8.2, §21): 505 for a bad version, 513 for an oversized message, 413 for a body over
    /// the limit, 414 for an oversized Request-URI (not produced by the parser itself, which
    /// reports 513 for any oversized head) and 400 for everything else.
    #[must_use]
    pub const fn status_hint(&self) -> u16 {
        match self.kind {
            ErrorKind::Version => 505,
            ErrorKind::HeadTooLarge | ErrorKind::TooManyHeaders => 513,
            ErrorKind::BodyTooLarge => 413,
            _ => 400,
        }
    }
}

/// Why a builder could not produce a message. These are caller mistakes: the values given
/// would not make a well-formed message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A header value contains CR or LF, which would inject a header line.
    #[error("value of header {name} contains CR or LF")]
    LineBreakInValue {
        /// The header's name.
        name: String,
    },
    /// A header name is not a token.
    #[error("invalid header name {name:?}")]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// Content-Length is computed by the builder and may not be set by hand.
    #[error("Content-Length is set by the builder")]
    ContentLengthSet,
    /// The status code is outside 100..=699.
    #[error("status code {0} is outside 100..=699")]
    StatusCode(u16),
    /// The assembled message does not parse; the error locates the offending byte in it.
    #[error("the built message is malformed: {0}")]
    Malformed(ParseError),
}

/// Shorthand for results of this crate's parsers.
pub type Result<T, E = ParseError> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_kind_and_offset() {
        let e = ParseError::new(ErrorKind::Expected(b'>'), 12);
        assert_eq!(e.to_string(), "expected '>' at byte 12");
        assert_eq!(e.shifted(8).offset, 20);
    }

    #[test]
    fn status_hints() {
        assert_eq!(ParseError::new(ErrorKind::Version, 0).status_hint(), 505);
        assert_eq!(
            ParseError::new(ErrorKind::HeadTooLarge, 0).status_hint(),
            513
        );
        assert_eq!(
            ParseError::new(ErrorKind::BodyTooLarge, 0).status_hint(),
            413
        );
        assert_eq!(ParseError::new(ErrorKind::Token, 0).status_hint(), 400);
    }
}
