//! Why a resource-lists document, or the recipient-list body around it, could not be read or
//! written.

/// What went wrong in a document; see [`ParseError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Not well-formed XML (or not namespace-well-formed): a syntax error, a mismatched end
    /// tag, an undeclared prefix, a DTD, an entity other than the five predefined ones, a
    /// character XML 1.0 forbids, an encoding other than UTF-8.
    Xml,
    /// The input is larger than [`ParseLimits::max_size`](super::ParseLimits::max_size)
    /// (offset = the limit; nothing was read).
    TooLarge,
    /// Elements nest deeper than [`ParseLimits::max_depth`](super::ParseLimits::max_depth)
    /// (offset = the element that went over).
    TooDeep,
    /// More `<entry>`, `<entry-ref>` and `<external>` items than
    /// [`ParseLimits::max_entries`](super::ParseLimits::max_entries) (offset = the item that
    /// went over). The focus's bound on an ad-hoc group (REQ: FOC-4) is applied on top of it.
    TooManyEntries,
    /// More elements than [`ParseLimits::max_elements`](super::ParseLimits::max_elements),
    /// skipped extensions included (offset = the element that went over).
    TooManyElements,
    /// The root is not `<resource-lists>` in the RFC 4826 namespace.
    Root,
    /// A `<display-name>` occurs twice in one parent, a `<display-name>` holds an element, or
    /// text that is not white space stands where the schema allows only elements.
    Element,
    /// A required attribute is missing: `uri` of `<entry>`, `ref` of `<entry-ref>`.
    MissingAttribute,
    /// A value the schema does not allow: a `cp:copyControl` other than `to`, `cc`, `bcc`, a
    /// `cp:anonymize` that is not an `xs:boolean`, an empty `uri` or `ref`.
    Value,
}

/// A resource-lists document that could not be read: the kind, and the byte offset in the
/// input where the offending construct starts (blame: the peer that sent it). Small and
/// `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("resource-lists: {kind:?} at byte {offset}")]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// Where, in bytes from the start of the input.
    pub offset: usize,
}

impl ParseError {
    pub(super) const fn new(kind: ParseErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// The same error with its offset moved by `base` bytes (to locate it in an enclosing
    /// body).
    #[must_use]
    pub const fn shifted(self, base: usize) -> Self {
        Self {
            kind: self.kind,
            offset: self.offset.saturating_add(base),
        }
    }

    /// The SIP status to answer a request carrying this document with: 413 (Request Entity
    /// Too Large) for a document over the size, entry or element bounds, 400 (Bad Request)
    /// otherwise.
    #[must_use]
    pub const fn status_hint(&self) -> u16 {
        match self.kind {
            ParseErrorKind::TooLarge
            | ParseErrorKind::TooManyEntries
            | ParseErrorKind::TooManyElements => 413,
            _ => 400,
        }
    }
}

/// Why a recipient-list body (RFC 5366 §4, RFC 5363) could not be split (blame: the peer
/// that sent it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    /// The Content-Type value of the body does not parse.
    #[error("content type: {0}")]
    ContentType(simpleim_cpim::ParseError),
    /// The body is neither `multipart/mixed` nor `application/resource-lists+xml`.
    #[error("the body is neither multipart/mixed nor a resource list")]
    NotARecipientList,
    /// The multipart body does not split (offsets in the body).
    #[error("multipart body: {0}")]
    Multipart(simpleim_cpim::ParseError),
    /// No part has `Content-Disposition: recipient-list`.
    #[error("no part with Content-Disposition: recipient-list")]
    NoRecipientList,
    /// More than one part has `Content-Disposition: recipient-list` (RFC 5366 §4: the
    /// request carries one URI list).
    #[error("more than one recipient-list part")]
    SeveralRecipientLists,
    /// The recipient-list part is not `application/resource-lists+xml`, the one format this
    /// focus reads (RFC 5363 lets a server refuse others with 415).
    #[error("the recipient list is not application/resource-lists+xml")]
    UnsupportedListType,
    /// The resource list does not parse; the offset is in the whole body.
    #[error(transparent)]
    List(#[from] ParseError),
}

impl SplitError {
    /// The SIP status to answer with: 415 (Unsupported Media Type) for a list in another
    /// format, the document's own hint for a list that does not parse, 400 (Bad Request)
    /// otherwise.
    #[must_use]
    pub const fn status_hint(&self) -> u16 {
        match self {
            Self::UnsupportedListType => 415,
            Self::List(e) => e.status_hint(),
            _ => 400,
        }
    }
}

/// Why a recipient-list body could not be built (blame: the caller's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The multipart body could not be written: a bad boundary, or one that occurs in a part.
    #[error("multipart body: {0}")]
    Multipart(#[from] simpleim_cpim::mime::BuildError),
}
