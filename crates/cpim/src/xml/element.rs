//! What [`XmlReader`](super::XmlReader) hands out for a start tag: the element's resolved name,
//! its attributes (resolved, unescaped, checked) and where it starts.

use std::borrow::Cow;

/// The namespace of an element or attribute name, as far as the reader was told to care
/// (the `namespaces` given to [`XmlReader::new`](super::XmlReader::new)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum XmlNamespace {
    /// No namespace: an unprefixed element with no default namespace in scope, or an
    /// unprefixed attribute (Namespaces in XML §6.2), as most schemas' attributes are.
    None,
    /// One of the namespaces the reader was given.
    Known(&'static str),
    /// Any other namespace: for the document being read, an extension.
    Other,
}

/// An attribute of an opened element: its resolved name and its value with references
/// resolved (XML 1.0 §3.3.3 normalization is not applied; the value is as written). Read it
/// through [`XmlElement::attributes`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct XmlAttribute<'i> {
    /// The namespace of its name.
    pub namespace: XmlNamespace,
    /// Its name without any prefix.
    pub local_name: Cow<'i, [u8]>,
    /// Its value, references resolved: a slice of the input when there were none to resolve.
    pub value: Cow<'i, str>,
}

/// An element the reader has just opened: read its content with the reader's
/// [`child`](super::XmlReader::child), [`text`](super::XmlReader::text) or
/// [`skip`](super::XmlReader::skip).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlElement<'i> {
    pub(super) namespace: XmlNamespace,
    pub(super) local_name: Cow<'i, [u8]>,
    pub(super) attributes: Vec<XmlAttribute<'i>>,
    pub(super) empty: bool,
    pub(super) offset: usize,
}

impl<'i> XmlElement<'i> {
    /// The namespace of its name.
    #[must_use]
    pub const fn namespace(&self) -> XmlNamespace {
        self.namespace
    }

    /// Its name without any prefix.
    #[must_use]
    pub fn local_name(&self) -> &[u8] {
        &self.local_name
    }

    /// Whether it is `local_name` in `namespace` (whatever prefix, if any, the document used).
    #[must_use]
    pub fn is(&self, namespace: &str, local_name: &str) -> bool {
        self.name_in(namespace) == Some(local_name.as_bytes())
    }

    /// Its local name if it is in `namespace`, to `match` on the names of one schema.
    #[must_use]
    pub fn name_in(&self, namespace: &str) -> Option<&[u8]> {
        match self.namespace {
            XmlNamespace::Known(ns) if ns == namespace => Some(&self.local_name),
            _ => None,
        }
    }

    /// The value of its unqualified attribute `local_name`.
    #[must_use]
    pub fn attribute(&self, local_name: &str) -> Option<&str> {
        self.find_attribute(local_name, |ns| ns == XmlNamespace::None)
    }

    /// The value of its attribute `local_name` in `namespace` (e.g. `xml:lang` is `lang` in
    /// [`XML_NAMESPACE`](super::XML_NAMESPACE)); `namespace` must be one the reader was given.
    #[must_use]
    pub fn attribute_in(&self, namespace: &str, local_name: &str) -> Option<&str> {
        self.find_attribute(
            local_name,
            |ns| matches!(ns, XmlNamespace::Known(known) if known == namespace),
        )
    }

    fn find_attribute(
        &self,
        local_name: &str,
        in_namespace: impl Fn(XmlNamespace) -> bool,
    ) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| in_namespace(a.namespace) && *a.local_name == *local_name.as_bytes())
            .map(|a| &*a.value)
    }

    /// All its attributes, in document order, namespace declarations included (as quick-xml
    /// resolves them: `xmlns:p` in the `xmlns` namespace, a default `xmlns` unqualified).
    #[must_use]
    pub fn attributes(&self) -> &[XmlAttribute<'i>] {
        &self.attributes
    }

    /// Whether it was written `<x/>`: it has no content and no end tag, and reading its
    /// content gives nothing at once.
    #[must_use]
    pub const fn is_self_closing(&self) -> bool {
        self.empty
    }

    /// The byte offset of its `<` in the input: where to point an error about it.
    #[must_use]
    pub const fn offset(&self) -> usize {
        self.offset
    }
}
