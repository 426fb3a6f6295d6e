//! The bounds of a conference-info parse, and the shared bounded XML reader
//! ([`simpleim_cpim::xml::XmlReader`]) set up for RFC 4575 documents.

use simpleim_cpim::xml::{XmlError, XmlErrorKind, XmlLimits, XmlReader};

use super::CONFERENCE_INFO_NAMESPACE;
use super::error::{ParseError, ParseErrorKind};

/// Bounds on the work one parse may do (SEC-2).
///
/// ```
/// # use simpleim_focus::conference_info::ParseLimits;
/// let limits = ParseLimits { max_size: 16 * 1024, ..ParseLimits::default() };
/// # let _ = limits;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseLimits {
    /// The largest input accepted, in bytes; checked before reading. Default 1 MiB.
    pub max_size: usize,
    /// The deepest element nesting, the root counting as 1. Default 32 (our documents nest 7
    /// deep; the rest is room for extensions).
    pub max_depth: usize,
    /// The most elements in one document, skipped extensions included. Default 50 000.
    pub max_elements: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            max_size: 1024 * 1024,
            max_depth: 32,
            max_elements: 50_000,
        }
    }
}

/// A reader over `input` within `limits` that knows the conference-info namespace.
pub(super) fn reader(input: &[u8], limits: ParseLimits) -> Result<XmlReader<'_>, ParseError> {
    let mut xml = XmlLimits::default();
    xml.max_size = limits.max_size;
    xml.max_depth = limits.max_depth;
    xml.max_elements = limits.max_elements;
    Ok(XmlReader::new(input, &[CONFERENCE_INFO_NAMESPACE], &xml)?)
}

/// The reader's failures in RFC 4575 terms: every bound is [`ParseErrorKind::Limit`], a
/// non-UTF-8 declaration is [`ParseErrorKind::Xml`], text where only elements may be is a
/// [`ParseErrorKind::Value`], an element inside a leaf an [`ParseErrorKind::Element`]. The
/// offset is kept.
impl From<XmlError> for ParseError {
    fn from(error: XmlError) -> Self {
        let kind = match error.kind {
            XmlErrorKind::TooLarge | XmlErrorKind::TooDeep | XmlErrorKind::TooManyElements => {
                ParseErrorKind::Limit
            }
            XmlErrorKind::UnexpectedText => ParseErrorKind::Value,
            XmlErrorKind::UnexpectedElement => ParseErrorKind::Element,
            // Malformed, Encoding, and kinds the reader may add later.
            _ => ParseErrorKind::Xml,
        };
        Self::new(kind, error.offset)
    }
}
