//! Errors of MSRP framing and encoding: [`ParseError`] (the peer's bytes) and [`EncodeError`]
//! (the caller's values).

/// What was wrong with the input, grouped by who is at fault: malformed bytes, a peer over one
/// of our limits, or a peer breaking a rule of RFC 4975 that the grammar alone does not state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    // --- start line (malformed) --------------------------------------------------------------
    /// The start line is not `MSRP SP transact-id SP method` or `MSRP SP transact-id SP
    /// status-code [SP comment]`: wrong protocol name (it is case-sensitive, `MSRP`), missing
    /// or extra spaces.
    #[error("malformed start line")]
    StartLine,
    /// The transaction identifier is not an `ident`: 4 to 32 characters, the first a letter
    /// or digit, the others letters, digits or `.`, `-`, `+`, `%`, `=` (RFC 4975 §9).
    #[error("invalid transaction identifier")]
    TransactionId,
    /// The method is not `1*UPALPHA` (methods are upper case, RFC 4975 §9 `other-method`).
    #[error("invalid method")]
    Method,
    /// The status code of a response is not three digits.
    #[error("invalid status code")]
    StatusCode,
    /// The comment of a response has a control character (`utf8text` allows only HTAB).
    #[error("invalid byte in the response comment")]
    Comment,

    // --- header section (malformed) ----------------------------------------------------------
    /// A LF not preceded by CR, or a CR not followed by LF: MSRP lines end in CRLF.
    #[error("line not ended by CRLF")]
    LineEnding,
    /// A header name is not `ALPHA *token` (RFC 4975 §9 `hname`).
    #[error("invalid header name")]
    HeaderName,
    /// A header line has no `:` right after its name.
    #[error("header line without ':' after the name")]
    HeaderColon,
    /// A header value has a control character (`utf8text` allows only HTAB).
    #[error("invalid byte in a header value")]
    HeaderValue,
    /// A line of the header section that starts with `-` is not the end-line of this frame:
    /// seven `-`, this frame's transaction identifier, a flag (`$`, `+`, `#`) and CRLF. Also
    /// an end-line that follows the empty line after the headers directly, without the CRLF
    /// that must end the body (RFC 4975 §7.1).
    #[error("invalid end-line")]
    EndLine,
    /// A response has an empty line after its headers: responses carry no body (RFC 4975 §9
    /// `msrp-response = resp-start headers end-line`).
    #[error("response with a body")]
    ResponseBody,

    // --- limits (the peer sent more than we accept) ------------------------------------------
    /// A start line or header line is longer than [`Limits::max_line_bytes`](crate::Limits).
    #[error("line longer than the limit")]
    LineTooLong,
    /// The start line plus header section is larger than
    /// [`Limits::max_head_bytes`](crate::Limits).
    #[error("header section larger than the limit")]
    HeadTooLarge,
    /// More header lines than [`Limits::max_headers`](crate::Limits).
    #[error("more headers than the limit")]
    TooManyHeaders,
    /// The body of one request (one chunk) is larger than
    /// [`Limits::max_chunk_bytes`](crate::Limits).
    #[error("chunk body larger than the limit")]
    ChunkTooLarge,
    /// The body of a request other than SEND is larger than
    /// [`Limits::max_non_send_body_bytes`](crate::Limits) (RFC 4975 §7.1: at most 10240
    /// octets).
    #[error("body of a non-SEND request larger than the limit")]
    NonSendBodyTooLarge,

    // --- typed header values (malformed) -----------------------------------------------------
    /// Expected a decimal number.
    #[error("expected a number")]
    Number,
    /// A number too large for its field.
    #[error("number too large")]
    NumberOverflow,
    /// A Byte-Range value is not `range-start "-" range-end "/" total`, or is inconsistent:
    /// a start of 0, an end before `start - 1`, an end or start past the total.
    #[error("invalid Byte-Range")]
    ByteRange,
    /// A Status value is not `namespace SP status-code [SP text-reason]`.
    #[error("invalid Status")]
    Status,
    /// A Success-Report value other than `yes`/`no`, or a Failure-Report value other than
    /// `yes`/`no`/`partial`.
    #[error("invalid report mode")]
    ReportMode,
    /// A Message-ID is not an `ident`.
    #[error("invalid Message-ID")]
    MessageId,
    /// A quoted string (Use-Nickname) without its quotes, with a bad escape, or with
    /// bytes after the closing quote.
    #[error("invalid quoted string")]
    QuotedString,
    /// Text that must be UTF-8 is not.
    #[error("invalid UTF-8")]
    Utf8,

    // --- protocol rules beyond the grammar of the framing ------------------------------------
    /// To-Path is missing, or is not the first header (RFC 4975 §9 `headers`).
    #[error("To-Path missing or not the first header")]
    ToPath,
    /// From-Path is missing, or is not the second header (RFC 4975 §9 `headers`).
    #[error("From-Path missing or not the second header")]
    FromPath,
    /// A request with a body has no Content-Type, or Content-Type is not its last header
    /// (RFC 4975 §7.1).
    #[error("Content-Type missing or not the last header")]
    ContentType,
    /// A request without a body has Content-Type or another MIME header (RFC 4975 §7.1).
    #[error("MIME header in a request without a body")]
    MimeWithoutBody,
    /// A request other than SEND ends with `+` or `#`: only SEND is interruptible.
    #[error("non-SEND request not ended with '$'")]
    Interrupted,

    // --- whole-frame parsing ----------------------------------------------------------------
    /// The input ends before the frame does.
    #[error("incomplete frame")]
    Incomplete,
    /// Bytes follow the frame where exactly one frame was expected.
    #[error("data after the frame")]
    TrailingBytes,
}

/// A located parse error: what went wrong and at which byte. Small and `Copy`.
///
/// Offsets count from the first byte of the stream given to the [`Decoder`](crate::Decoder),
/// so they stay meaningful over a long-lived connection; typed header accessors of a decoded
/// [`FrameHead`](crate::FrameHead) report the same absolute offsets. A value parsed on its own
/// (`ByteRange::parse(b"1-*/8")`) reports offsets from the start of that value.
///
/// [`ParseError::status_hint`] is the MSRP status to answer with (RFC 4975 §10): 413 when the
/// peer exceeded one of our [`Limits`](crate::Limits), 400 for everything malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    /// What was wrong.
    pub kind: ErrorKind,
    /// Where: bytes from the start of the stream (decoder, typed accessors of a decoded head),
    /// or from the start of the value parsed on its own.
    pub offset: u64,
}

impl ParseError {
    /// A new error of `kind` at `offset`.
    #[must_use]
    pub const fn new(kind: ErrorKind, offset: u64) -> Self {
        Self { kind, offset }
    }

    /// The same error with its offset moved by `base` bytes, for an error found in a slice
    /// that starts `base` bytes into a larger input.
    #[must_use]
    pub const fn shifted(self, base: u64) -> Self {
        Self {
            kind: self.kind,
            offset: self.offset.saturating_add(base),
        }
    }

    /// True when the peer exceeded one of our [`Limits`](crate::Limits) rather than sending
    /// malformed bytes.
    #[must_use]
    pub const fn is_limit(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::LineTooLong
                | ErrorKind::HeadTooLarge
                | ErrorKind::TooManyHeaders
                | ErrorKind::ChunkTooLarge
                | ErrorKind::NonSendBodyTooLarge
        )
    }

    /// The MSRP status code to answer a request that fails this way (RFC 4975 §10): 413 when
    /// a limit was exceeded ("the receiver wishes the sender to stop sending the particular
    /// message", §10.5), 400 ("unintelligible", §10.2) for everything else.
    #[must_use]
    pub const fn status_hint(&self) -> u16 {
        if self.is_limit() { 413 } else { 400 }
    }
}

/// Shorthand for results of this crate's parsers.
pub(crate) type Result<T, E = ParseError> = core::result::Result<T, E>;

/// Why a frame could not be encoded. These are caller mistakes: the values given would not
/// make a frame RFC 4975 (§7.1, §9) allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A header name is not `ALPHA *token` (RFC 4975 §9 `hname`).
    #[error("invalid header name {name:?}")]
    InvalidHeaderName {
        /// The name given.
        name: String,
    },
    /// A header value (or path) contains CR, LF or another control character, which would
    /// break the frame.
    #[error("value of header {name} contains a control character")]
    InvalidValue {
        /// The header's name.
        name: String,
    },
    /// To-Path, From-Path and Content-Type have their own builder methods (they have fixed
    /// places in the header section) and may not be added as ordinary headers.
    #[error("{name} is set by its own builder method")]
    ReservedHeader {
        /// The name given.
        name: String,
    },
    /// To-Path or From-Path is missing or empty: every frame has both (RFC 4975 §9).
    #[error("{name} missing")]
    MissingPath {
        /// `To-Path` or `From-Path`.
        name: &'static str,
    },
    /// The method is not `1*UPALPHA`.
    #[error("invalid method")]
    InvalidMethod,
    /// The status code is above 999 (it is written as three digits).
    #[error("status code {0} is not three digits")]
    StatusCode(u16),
    /// The response comment or Status text contains a control character.
    #[error("comment contains a control character")]
    InvalidComment,
    /// A MIME header (`Content-*`) on a request without a body (RFC 4975 §7.1: a request with
    /// no body MUST NOT include Content-Type or any other MIME-specific header field).
    #[error("MIME header {name} on a request without a body")]
    MimeWithoutBody {
        /// The header's name.
        name: String,
    },
    /// The body of a request other than SEND is larger than 10240 octets (RFC 4975 §7.1).
    #[error("body of {len} bytes on a non-SEND request (limit 10240)")]
    NonSendBodyTooLarge {
        /// The body's length.
        len: usize,
    },
    /// A request other than SEND may not be interrupted or aborted: its flag must be `$`.
    #[error("only SEND requests may end with '+' or '#'")]
    Interrupted,
    /// A [`ChunkWriter`](crate::ChunkWriter) was asked to write a request other than SEND.
    #[error("chunks are written for SEND requests only")]
    NotSend,
    /// A [`ChunkWriter`](crate::ChunkWriter) needs a Content-Type: a chunk has a body.
    #[error("a chunk needs a Content-Type")]
    MissingContentType,
    /// The body contains this request's end-line: seven `-`, the transaction identifier and
    /// a flag (RFC 4975 §7.1: the sender MUST make sure it does not). `at` is the offset in
    /// the body of the flag byte that would complete it. [`RequestBuilder::encode`] writes
    /// nothing; a [`ChunkWriter`](crate::ChunkWriter) has written every body byte before `at`.
    /// Either way the remedy is the same: end this request before `at` (a chunk with `+`) and
    /// send the rest from `at` on under a new transaction identifier.
    ///
    /// [`RequestBuilder::encode`]: crate::RequestBuilder::encode
    #[error("the body contains the end-line (its flag at body offset {at})")]
    EndLineInBody {
        /// Offset in the body of the flag byte that would complete the end-line.
        at: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_kind_and_offset() {
        let e = ParseError::new(ErrorKind::EndLine, 12);
        assert_eq!(e.to_string(), "invalid end-line at byte 12");
        assert_eq!(e.shifted(8).offset, 20);
        assert_eq!(e.shifted(u64::MAX).offset, u64::MAX);
    }

    #[test]
    fn status_hints() {
        // REQ: MSRP-2
        for kind in [
            ErrorKind::LineTooLong,
            ErrorKind::HeadTooLarge,
            ErrorKind::TooManyHeaders,
            ErrorKind::ChunkTooLarge,
            ErrorKind::NonSendBodyTooLarge,
        ] {
            assert_eq!(ParseError::new(kind, 0).status_hint(), 413, "{kind:?}");
            assert!(ParseError::new(kind, 0).is_limit());
        }
        for kind in [
            ErrorKind::StartLine,
            ErrorKind::EndLine,
            ErrorKind::ByteRange,
        ] {
            assert_eq!(ParseError::new(kind, 0).status_hint(), 400, "{kind:?}");
        }
    }

    #[test]
    fn parse_error_is_small() {
        assert!(core::mem::size_of::<ParseError>() <= 16);
    }
}
