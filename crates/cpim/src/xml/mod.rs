//! The XML bodies of the IM procedures (REQ: CPIM-2, CHAT-1, SW-11), and the bounded reader
//! they are parsed with:
//!
//! - [`ImdnDocument`]: `message/imdn+xml`, the disposition notification of RFC 5438 §7;
//! - [`IsComposing`]: `application/im-iscomposing+xml`, the composing indication of RFC 3994;
//! - [`Presence`]: `application/pidf+xml`, the presence document of RFC 3863 with the OMA IM
//!   availability and willingness tuples (seed 004 App. F, REQ: PRES-1);
//! - [`XmlReader`]: a bounded, strict, namespace-aware pull reader for parsers that walk a
//!   schema element by element, shared with the focus's conference-info and resource-lists
//!   parsers. It yields [`XmlElement`]s (resolved names, checked attributes, byte offsets)
//!   and text, and fails with a located [`XmlError`] that each document type maps onto its own
//!   error kinds.
//!
//! Each document has `parse` (and `parse_with_limits`), `to_xml` and `write_to`; writing then
//! parsing gives back an equal value.
//!
//! # What the parsers accept
//!
//! - Namespace-aware: the document's namespace may be the default one or bound to any prefix;
//!   an element with the right name in the wrong namespace is an error.
//! - Elements in other namespaces are extensions and are skipped, as the schemas allow
//!   (RFC 5438's `anyIMDN`, RFC 3994's `##other`); they must still be well-formed.
//! - Only UTF-8. No DTD: a `<!DOCTYPE` is refused, and so is any entity reference other than
//!   the five predefined ones and character references — nothing is expanded or passed through.
//! - Bounded work: the input size, element nesting and element count are capped by
//!   [`XmlLimits`] (by default 64 KiB, depth 16, 16 Ki elements); over a cap is
//!   [`ErrorKind::XmlLimit`].
//! - Values are the element text with leading and trailing XML whitespace removed (except an
//!   IMDN `<subject>`, which is kept as written).
//!
//! Errors are [`ParseError`]s: [`ErrorKind::Xml`] for XML that is not well-formed,
//! [`ErrorKind::XmlElement`] for a missing, repeated or unexpected element,
//! [`ErrorKind::XmlValue`] for a value the schema does not allow; the offset is the byte where
//! the offending construct starts (for a missing element: its parent's start tag).
//!
//! [`ErrorKind::XmlLimit`]: crate::ErrorKind::XmlLimit
//! [`ErrorKind::Xml`]: crate::ErrorKind::Xml
//! [`ErrorKind::XmlElement`]: crate::ErrorKind::XmlElement
//! [`ErrorKind::XmlValue`]: crate::ErrorKind::XmlValue
//! [`ParseError`]: crate::ParseError

mod element;
mod error;
mod imdn;
mod iscomposing;
mod pidf;
mod read;
#[cfg(test)]
mod tests;
mod write;

pub use element::{XmlAttribute, XmlElement, XmlNamespace};
pub use error::{XmlError, XmlErrorKind};
pub use read::{XmlReader, is_xml_char, is_xml_whitespace, trim_xml_whitespace};

pub use imdn::{
    DeliveryStatus, DisplayStatus, IMDN_CONTENT_TYPE, IMDN_NAMESPACE, ImdnDocument, Notification,
    ProcessingStatus,
};
pub use iscomposing::{
    ComposingState, ISCOMPOSING_CONTENT_TYPE, ISCOMPOSING_NAMESPACE, IsComposing,
};
pub use pidf::{
    Basic, OMA_IM_SERVICE_ID, OMA_IM_SESSION_SERVICE_ID, OMA_IM_VERSION, OMA_PRES_NAMESPACE,
    PIDF_CONTENT_TYPE, PIDF_NAMESPACE, Presence, ServiceDescription, Tuple,
};

/// The namespace the `xml:` prefix is bound to (Namespaces in XML §3), e.g. for `xml:lang`:
/// give it to [`XmlReader::new`] to read such attributes with [`XmlElement::attribute_in`].
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Bounds on the work one XML parse may do (SEC-2).
///
/// ```
/// # use simpleim_cpim::xml::XmlLimits;
/// let mut limits = XmlLimits::default();
/// limits.max_size = 4096;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct XmlLimits {
    /// The largest input accepted, in bytes; a larger one is refused before it is read.
    /// Default: [`XmlLimits::DEFAULT_MAX_SIZE`].
    pub max_size: usize,
    /// The deepest element nesting accepted, the root counting as 1.
    /// Default: [`XmlLimits::DEFAULT_MAX_DEPTH`].
    pub max_depth: usize,
    /// The most elements in one document, skipped extensions included.
    /// Default: [`XmlLimits::DEFAULT_MAX_ELEMENTS`].
    pub max_elements: usize,
}

impl XmlLimits {
    /// 64 KiB: an IMDN or is-composing document is a few hundred bytes.
    pub const DEFAULT_MAX_SIZE: usize = 64 * 1024;
    /// 16: our documents nest 4 deep; the rest is room for extensions.
    pub const DEFAULT_MAX_DEPTH: usize = 16;
    /// 16 Ki: no document within the default size can hold more (`<a/>` is four bytes), so
    /// this bound only bites when `max_size` is raised.
    pub const DEFAULT_MAX_ELEMENTS: usize = 16 * 1024;
}

impl Default for XmlLimits {
    fn default() -> Self {
        Self {
            max_size: Self::DEFAULT_MAX_SIZE,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_elements: Self::DEFAULT_MAX_ELEMENTS,
        }
    }
}

/// Stores `value` in `slot`, refusing a second occurrence of the same element.
fn set_once<T>(slot: &mut Option<T>, value: T, element: &XmlElement<'_>) -> crate::Result<()> {
    if slot.is_some() {
        return Err(crate::ParseError::new(
            crate::ErrorKind::XmlElement,
            element.offset(),
        ));
    }
    *slot = Some(value);
    Ok(())
}
