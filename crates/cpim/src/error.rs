//! Errors of the CPIM crate.
//!
//! A parse failure is a small `Copy` value: an [`ErrorKind`] and the byte `offset` where it was
//! found, counted from the start of the input given to the parser.

/// What was wrong with the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    // --- message/cpim (RFC 3862) ------------------------------------------------------------
    /// A header line has no `:` (or `: ` as RFC 3862 §3.1 requires) after its name.
    #[error("header line without ': '")]
    HeaderColon,
    /// A header name is empty or has a byte a name may not hold.
    #[error("invalid header name")]
    HeaderName,
    /// A header value has a byte a value may not hold, or a bad `\` escape (§3.2).
    #[error("invalid header value")]
    HeaderValue,
    /// A line does not end in CRLF.
    #[error("line not ended by CRLF")]
    LineEnding,
    /// The input ends before the header block it started is complete.
    #[error("input ends inside the headers")]
    Truncated,
    /// A header name uses a namespace prefix no `NS` header declared (§3.3.6).
    #[error("undeclared namespace prefix")]
    UndeclaredPrefix,
    /// An `NS` header is malformed (§4.7).
    #[error("malformed NS header")]
    Namespace,
    /// A From/To/cc value is not `[ Formal-name ] "<" URI ">"` (§4.1).
    #[error("malformed address")]
    Address,
    /// A DateTime is not an RFC 3339 `date-time` (§4.4).
    #[error("malformed DateTime")]
    DateTime,
    /// A quoted string without its closing `"`.
    #[error("unterminated quoted string")]
    QuotedString,
    /// A header the message must have is absent.
    #[error("missing header")]
    MissingHeader,
    /// More headers, or longer ones, than the configured limit.
    #[error("headers larger than the limit")]
    TooLarge,

    // --- MIME (RFC 2045, 2046, 2183, 4483) --------------------------------------------------
    /// A Content-Type or other MIME header value is malformed.
    #[error("malformed MIME header")]
    Mime,
    /// A multipart body has no boundary parameter, or no delimiter line.
    #[error("multipart boundary missing")]
    Boundary,
    /// A multipart body ends without its close delimiter (`--boundary--`).
    #[error("multipart body not closed")]
    Unclosed,

    // --- XML documents (RFC 5438, RFC 3994) -------------------------------------------------
    /// The XML is not well-formed.
    #[error("malformed XML")]
    Xml,
    /// A required XML element or attribute is missing, or has the wrong namespace.
    #[error("missing or unexpected XML element")]
    XmlElement,
    /// An element's text is not a value its schema allows.
    #[error("invalid XML element value")]
    XmlValue,
    /// An XML document larger, or nested deeper, than the configured `XmlLimits` (SEC-2).
    #[error("XML document over the size or depth limit")]
    XmlLimit,
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

    /// The same error with its offset moved by `base` bytes.
    #[must_use]
    pub const fn shifted(self, base: usize) -> Self {
        Self {
            kind: self.kind,
            offset: self.offset.saturating_add(base),
        }
    }
}

/// Shorthand for results of this crate's parsers.
pub type Result<T, E = ParseError> = core::result::Result<T, E>;
