//! The bounds of a resource-lists parse, and the shared bounded XML reader
//! ([`simpleim_cpim::xml::XmlReader`]) set up for RFC 4826 documents: the entry count on top
//! of its limits, and its values handed out as [`Bytes`] slices of the input whenever they
//! needed no unescaping.

use std::borrow::Cow;

use bytes::Bytes;
use simpleim_cpim::xml::{XML_NAMESPACE, XmlElement, XmlError, XmlErrorKind, XmlLimits, XmlReader};

use super::error::{ParseError, ParseErrorKind};
use super::{COPY_CONTROL_NAMESPACE, RESOURCE_LISTS_NAMESPACE};

pub(super) use simpleim_cpim::xml::is_xml_char;

/// Bounds on the work one parse may do (REQ: SEC-2).
///
/// ```
/// use simpleim_focus::resource_lists::ParseLimits;
/// // A focus whose ad-hoc groups hold at most 20 invitees can refuse longer lists early.
/// let limits = ParseLimits { max_entries: 20, ..ParseLimits::default() };
/// # let _ = limits;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseLimits {
    /// The largest input accepted, in bytes; checked before reading. Default 256 KiB.
    pub max_size: usize,
    /// The deepest element nesting, the root counting as 1. Default 16 (an entry in a list
    /// nested three deep is at depth 6; the rest is room for extensions).
    pub max_depth: usize,
    /// The most `<entry>`, `<entry-ref>` and `<external>` items in one document. Default
    /// 1 000.
    pub max_entries: usize,
    /// The most elements in one document, skipped extensions included. Default 10 000.
    pub max_elements: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            max_size: 256 * 1024,
            max_depth: 16,
            max_entries: 1_000,
            max_elements: 10_000,
        }
    }
}

/// The namespaces a resource-lists document is read in: RFC 4826's own, RFC 5364's copy
/// control attributes, and `xml:` (for `xml:lang`). Anything else is an extension.
const NAMESPACES: &[&str] = &[
    RESOURCE_LISTS_NAMESPACE,
    COPY_CONTROL_NAMESPACE,
    XML_NAMESPACE,
];

/// The reader's failures in RFC 4826 terms: each bound has its own kind, a non-UTF-8
/// declaration is [`ParseErrorKind::Xml`], text where only elements may be and an element in
/// a `<display-name>` are [`ParseErrorKind::Element`]. The offset is kept.
impl From<XmlError> for ParseError {
    fn from(error: XmlError) -> Self {
        let kind = match error.kind {
            XmlErrorKind::TooLarge => ParseErrorKind::TooLarge,
            XmlErrorKind::TooDeep => ParseErrorKind::TooDeep,
            XmlErrorKind::TooManyElements => ParseErrorKind::TooManyElements,
            XmlErrorKind::UnexpectedText | XmlErrorKind::UnexpectedElement => {
                ParseErrorKind::Element
            }
            // Malformed, Encoding, and kinds the reader may add later.
            _ => ParseErrorKind::Xml,
        };
        Self::new(kind, error.offset)
    }
}

/// The shared reader, plus what RFC 4826 adds: the entry count and `Bytes` values.
pub(super) struct ListsReader<'i> {
    /// The XML reader: walk the document with it.
    pub(super) xml: XmlReader<'i>,
    input: &'i Bytes,
    entries: usize,
    max_entries: usize,
}

impl<'i> ListsReader<'i> {
    pub(super) fn new(input: &'i Bytes, limits: ParseLimits) -> Result<Self, ParseError> {
        let mut xml = XmlLimits::default();
        xml.max_size = limits.max_size;
        xml.max_depth = limits.max_depth;
        xml.max_elements = limits.max_elements;
        Ok(Self {
            xml: XmlReader::new(input, NAMESPACES, &xml)?,
            input,
            entries: 0,
            max_entries: limits.max_entries,
        })
    }

    /// Counts one more `<entry>`, `<entry-ref>` or `<external>` (REQ: FOC-4 bound).
    pub(super) fn count_entry(&mut self, element: &XmlElement<'_>) -> Result<(), ParseError> {
        self.entries = self.entries.saturating_add(1);
        if self.entries > self.max_entries {
            return Err(error(element, ParseErrorKind::TooManyEntries));
        }
        Ok(())
    }

    /// The text of a leaf element, as written (entities resolved, line ends normalized): a
    /// slice of the input when it is one piece that needed nothing resolved.
    pub(super) fn text(&mut self, element: &XmlElement<'_>) -> Result<Bytes, ParseError> {
        Ok(match self.xml.text(element)? {
            Cow::Borrowed(text) => share(self.input, text.as_bytes()),
            Cow::Owned(text) => Bytes::from(text),
        })
    }

    /// A value the reader handed out (an attribute), as a slice of the input when it is one.
    pub(super) fn bytes(&self, value: &str) -> Bytes {
        share(self.input, value.as_bytes())
    }
}

/// An error of `kind` about `element`, located at its `<`.
pub(super) const fn error(element: &XmlElement<'_>, kind: ParseErrorKind) -> ParseError {
    ParseError::new(kind, element.offset())
}

/// `part` as a slice of `input` when it lies inside it (zero-copy), else a copy.
fn share(input: &Bytes, part: &[u8]) -> Bytes {
    let base = input.as_ptr() as usize;
    let start = part.as_ptr() as usize;
    match start.checked_sub(base) {
        Some(at) if at.saturating_add(part.len()) <= input.len() => {
            input.slice(at..at + part.len())
        }
        _ => Bytes::copy_from_slice(part),
    }
}
