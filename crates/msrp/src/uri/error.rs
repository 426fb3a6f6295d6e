//! Why an MSRP URI or a path did not parse.
//!
//! Every failure is a small `Copy` value: a [`UriErrorKind`] naming the part of the grammar
//! that failed and the byte `offset` in the input where it was found. For a URI parsed on its
//! own the offset counts from its first byte; for a [`Path`](super::Path) it counts from the
//! first byte of the whole path value.

/// What was wrong with the input, by the part of the RFC 4975 §9 grammar that failed. All of
/// these are malformed input from whoever wrote the URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum UriErrorKind {
    /// Nothing where a URI was expected: an empty input, or white space at the start or the
    /// end of a path.
    #[error("expected an MSRP URI")]
    Empty,
    /// The URI is longer than the limit ([`MAX_URI_LEN`](super::MAX_URI_LEN) or
    /// [`PathLimits::max_uri_len`](super::PathLimits::max_uri_len)); the offset is the first
    /// byte past the limit.
    #[error("URI longer than the limit")]
    TooLong,
    /// A path holds more URIs than [`PathLimits::max_uris`](super::PathLimits::max_uris); the
    /// offset is the start of the first URI over the limit.
    #[error("more URIs in the path than the limit")]
    TooManyUris,
    /// The scheme is not `msrp` or `msrps` (compared case-insensitively, RFC 4975 §9
    /// `msrp-scheme`).
    #[error("scheme is not msrp or msrps")]
    Scheme,
    /// The scheme is not followed by `://`.
    #[error("expected \"://\" after the scheme")]
    SchemeSeparator,
    /// A byte that RFC 3986 `userinfo` does not allow.
    #[error("invalid byte in userinfo")]
    Userinfo,
    /// The userinfo holds a `:`, i.e. password information, which RFC 4975 §6 forbids ("A
    /// userinfo part MUST NOT contain password information").
    #[error("userinfo carries a password")]
    Password,
    /// A `%` not followed by two hexadecimal digits (RFC 3986 `pct-encoded`).
    #[error("malformed percent-escape")]
    Escape,
    /// The host is empty or holds a byte that an RFC 3986 `reg-name` does not allow (`;`
    /// included: in an MSRP URI it starts the transport).
    #[error("invalid host")]
    Host,
    /// A `[...]` IP literal that is not closed or is not a valid IPv6 address (the
    /// `IPvFuture` form is not supported).
    #[error("invalid IPv6 literal")]
    Ipv6,
    /// The port after `:` is empty, not decimal, or larger than 65535.
    #[error("invalid port")]
    Port,
    /// The session-id after `/` is empty or holds a byte outside `unreserved / "+" / "=" /
    /// "/"`.
    #[error("invalid session-id")]
    SessionId,
    /// The URI ends without `;` and a transport (RFC 4975 §9: the transport is mandatory).
    #[error("missing \";\" transport")]
    MissingTransport,
    /// The transport is empty or not `1*ALPHANUM`.
    #[error("invalid transport")]
    Transport,
    /// A URI parameter is not `token ["=" token]`.
    #[error("invalid URI parameter")]
    Param,
}

/// A malformed MSRP URI or path: what was wrong and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct UriError {
    /// What was wrong.
    pub kind: UriErrorKind,
    /// The byte offset in the input where it was found.
    pub offset: usize,
}

impl UriError {
    /// An error of `kind` at `offset`.
    #[must_use]
    pub const fn new(kind: UriErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// The MSRP status a receiver answers a request with when its To-Path or From-Path fails
    /// with this error: 400, "the request was unintelligible" (RFC 4975 §10.2). A path over
    /// the limits is treated the same way, as no valid session could be named by it.
    #[must_use]
    pub const fn status_hint(&self) -> u16 {
        400
    }

    /// The same error, its offset moved by `by` bytes (for a URI inside a larger value).
    #[must_use]
    pub(crate) const fn shifted(self, by: usize) -> Self {
        Self {
            kind: self.kind,
            offset: self.offset.saturating_add(by),
        }
    }
}
