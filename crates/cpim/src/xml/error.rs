//! Why the bounded XML reader stopped, before a document type gives the failure its own name.

use crate::{ErrorKind, ParseError};

/// What [`XmlReader`](super::XmlReader) found wrong; see [`XmlError`].
///
/// The kinds are as fine as the document parsers built on the reader need them: each maps them
/// onto its own error type (this crate's mapping is the [`From`] impl for [`ParseError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum XmlErrorKind {
    /// Not well-formed, or not namespace-well-formed: a syntax error, a mismatched end tag, an
    /// undeclared prefix (on an element or an attribute), a malformed or repeated attribute, a
    /// DTD, an entity other than the five predefined ones, a character XML 1.0 forbids, bytes
    /// that are not UTF-8, an XML declaration that is not first, content after the root.
    Malformed,
    /// The XML declaration names an encoding other than UTF-8; the reader reads UTF-8 only and
    /// refuses rather than misreads (offset: the declaration).
    Encoding,
    /// The input is larger than [`XmlLimits::max_size`](super::XmlLimits::max_size)
    /// (offset: the limit itself; not a byte was read).
    TooLarge,
    /// Elements nest deeper than [`XmlLimits::max_depth`](super::XmlLimits::max_depth)
    /// (offset: the element that went over).
    TooDeep,
    /// More elements than [`XmlLimits::max_elements`](super::XmlLimits::max_elements),
    /// skipped ones included (offset: the element that went over).
    TooManyElements,
    /// Text other than white space where [`XmlReader::child`](super::XmlReader::child) allows
    /// only elements (offset: the first byte of the text that is not white space).
    UnexpectedText,
    /// An element inside one read with [`XmlReader::text`](super::XmlReader::text), which must
    /// hold only text (offset: the inner element's `<`).
    UnexpectedElement,
}

/// A located failure of the bounded XML reader: the kind and the byte offset, counted from the
/// start of the input, where the offending construct starts (blame: whoever sent the
/// document). Small and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("XML: {kind:?} at byte {offset}")]
pub struct XmlError {
    /// What went wrong.
    pub kind: XmlErrorKind,
    /// Where, in bytes from the start of the input.
    pub offset: usize,
}

impl XmlError {
    /// An error of `kind` at `offset`.
    #[must_use]
    pub const fn new(kind: XmlErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    pub(super) const fn malformed(offset: usize) -> Self {
        Self::new(XmlErrorKind::Malformed, offset)
    }
}

/// The kinds of this crate's XML documents (IMDN, is-composing): not well-formed is
/// [`ErrorKind::Xml`], any limit [`ErrorKind::XmlLimit`], an element where only text may be
/// [`ErrorKind::XmlElement`], text where only elements may be and a non-UTF-8 declaration
/// [`ErrorKind::XmlValue`]. The offset is kept.
impl From<XmlError> for ParseError {
    fn from(error: XmlError) -> Self {
        let kind = match error.kind {
            XmlErrorKind::Malformed => ErrorKind::Xml,
            XmlErrorKind::TooLarge | XmlErrorKind::TooDeep | XmlErrorKind::TooManyElements => {
                ErrorKind::XmlLimit
            }
            XmlErrorKind::UnexpectedElement => ErrorKind::XmlElement,
            XmlErrorKind::UnexpectedText | XmlErrorKind::Encoding => ErrorKind::XmlValue,
        };
        Self::new(kind, error.offset)
    }
}
