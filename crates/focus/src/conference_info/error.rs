//! Why a conference-info document did not parse.

/// What went wrong; see [`ParseError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Not well-formed XML (or namespace-well-formed): a syntax error, a mismatched end tag, an
    /// undeclared prefix, a DTD, an unknown entity, a character XML forbids, a non-UTF-8
    /// encoding declaration.
    Xml,
    /// Over a [`ParseLimits`](super::ParseLimits) bound: size (offset = the limit), nesting
    /// depth or element count (offset = the element that went over).
    Limit,
    /// The root is not `<conference-info>` in the RFC 4575 namespace.
    Root,
    /// A known element occurs twice where the schema allows one, or a required one is
    /// missing (offset = its parent), or a leaf element has child elements.
    Element,
    /// A required attribute is missing (`entity` of `<conference-info>`, `id` of `<media>`).
    MissingAttribute,
    /// A value the schema does not allow: an unknown `state`, status or method, a number that
    /// is not an `unsignedInt`, a boolean other than `true`/`false`/`1`/`0`, text where only
    /// elements may be.
    Value,
}

/// A conference-info document that could not be read: the kind and the byte offset in the
/// input where the offending construct starts (blame: the peer that sent it). Small and
/// `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("conference-info: {kind:?} at byte {offset}")]
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
}
