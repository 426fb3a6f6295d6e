//! The bounded pull reader over quick-xml's namespace reader that every XML parser of the
//! family is built on: IMDN and is-composing here, conference-info (RFC 4575) and
//! resource-lists (RFC 4826) in the focus.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::XmlLimits;
use super::element::{XmlAttribute, XmlElement, XmlNamespace};
use super::error::{XmlError, XmlErrorKind};

/// One step of the document.
enum Node<'i> {
    Open(XmlElement<'i>),
    Close,
    Text(Cow<'i, str>),
    Decl(BytesDecl<'i>),
    /// Comments and processing instructions: no meaning to a document parser.
    Skip,
    Eof,
}

/// A pull reader for one XML document, bounded and strict, for parsers that walk a schema
/// element by element (SEC-2).
///
/// What it accepts, whatever the document type:
///
/// - Namespace-aware: each element and attribute name is resolved to one of the `namespaces`
///   it was given ([`XmlNamespace::Known`]), to no namespace, or to some other one
///   ([`XmlNamespace::Other`], an extension); the prefix a document chose does not matter.
///   An undeclared prefix is an error.
/// - UTF-8 only (a declaration naming another encoding is refused). No DTD: a `<!DOCTYPE` is
///   refused, and so is any entity reference other than the five predefined ones and
///   character references; nothing is expanded or passed through. Every character, in text
///   and in attribute values, references included, must be one XML 1.0 allows.
/// - Bounded work: the input size is checked before a byte is read, then element depth and
///   count as they come ([`XmlLimits`]); skipped elements count too.
///
/// Errors are [`XmlError`]s located at the byte where the offending construct starts (for
/// text, its first byte that is not white space).
///
/// Use: [`root`](Self::root), then for each element either [`child`](Self::child) (or
/// [`known_child`](Self::known_child)) until `None`, [`text`](Self::text) or
/// [`skip`](Self::skip); [`finish`](Self::finish) after the root.
///
/// ```
/// use simpleim_cpim::xml::{XmlLimits, XmlReader};
///
/// const NS: &str = "urn:example:notes";
/// let doc = br#"<n:notes xmlns:n="urn:example:notes"><n:note lang="en">hi &amp; bye</n:note>
///     <x:ext xmlns:x="urn:other"><x:deep/></x:ext></n:notes>"#;
/// let mut reader = XmlReader::new(doc, &[NS], &XmlLimits::default())?;
/// let root = reader.root()?;
/// assert!(root.is(NS, "notes"));
/// let mut notes = Vec::new();
/// while let Some(child) = reader.known_child(&root)? {
///     assert!(child.is(NS, "note"));
///     assert_eq!(child.attribute("lang"), Some("en"));
///     notes.push(reader.text(&child)?.into_owned());
/// }
/// reader.finish()?;
/// assert_eq!(notes, ["hi & bye"]);
/// # Ok::<(), simpleim_cpim::xml::XmlError>(())
/// ```
pub struct XmlReader<'i> {
    input: &'i [u8],
    inner: NsReader<&'i [u8]>,
    namespaces: &'static [&'static str],
    limits: XmlLimits,
    depth: usize,
    elements: usize,
    /// Whether nothing has been read yet (the XML declaration may only come first).
    at_start: bool,
    /// Whether an attribute with an undeclared prefix is taken as an extension rather than
    /// refused; see [`Self::tolerate_undeclared_attribute_prefixes`].
    tolerate_attribute_prefixes: bool,
}

impl std::fmt::Debug for XmlReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XmlReader")
            .field("position", &self.position())
            .field("depth", &self.depth)
            .field("elements", &self.elements)
            .finish_non_exhaustive()
    }
}

impl<'i> XmlReader<'i> {
    /// A reader over `input` that knows `namespaces` (the document's own first, by
    /// convention, then any it interprets, such as [`XML_NAMESPACE`](super::XML_NAMESPACE)
    /// for `xml:lang`).
    ///
    /// # Errors
    /// [`XmlErrorKind::TooLarge`] for an input over `limits.max_size`, before it is read.
    pub fn new(
        input: &'i [u8],
        namespaces: &'static [&'static str],
        limits: &XmlLimits,
    ) -> Result<Self, XmlError> {
        if input.len() > limits.max_size {
            return Err(XmlError::new(XmlErrorKind::TooLarge, limits.max_size));
        }
        let mut inner = NsReader::from_reader(input);
        let config = inner.config_mut();
        config.check_comments = true;
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.allow_unmatched_ends = false;
        config.allow_dangling_amp = false;
        config.trim_text(false);
        Ok(Self {
            input,
            inner,
            namespaces,
            limits: *limits,
            depth: 0,
            elements: 0,
            at_start: true,
            tolerate_attribute_prefixes: false,
        })
    }

    /// Takes an attribute whose prefix no `xmlns:` declared as an extension
    /// ([`XmlNamespace::Other`]) instead of refusing the document. Not namespace-well-formed,
    /// but the IMDN and is-composing parsers have always accepted it (their schemas have no
    /// attributes), and sharing this reader was not to change what they accept.
    pub(crate) const fn tolerate_undeclared_attribute_prefixes(mut self) -> Self {
        self.tolerate_attribute_prefixes = true;
        self
    }

    fn position(&self) -> usize {
        usize::try_from(self.inner.buffer_position()).unwrap_or(usize::MAX)
    }

    fn next(&mut self) -> Result<(usize, Node<'i>), XmlError> {
        let offset = self.position();
        let namespaces = self.namespaces;
        let (namespace, event) = match self.inner.read_resolved_event() {
            Ok((resolved, event)) => (classify(namespaces, &resolved), event),
            Err(_) => {
                let at = usize::try_from(self.inner.error_position()).unwrap_or(offset);
                return Err(XmlError::malformed(at));
            }
        };
        // A prefix no `xmlns:` declared: not namespace-well-formed.
        let namespace = namespace.ok_or(XmlError::malformed(offset))?;
        let at_start = std::mem::replace(&mut self.at_start, false);
        let node = match event {
            Event::Start(start) => Node::Open(self.open(namespace, &start, false, offset)?),
            Event::Empty(start) => {
                // Counted as if it opened and closed, so `<a/>` and `<a></a>` share one limit.
                let element = self.open(namespace, &start, true, offset)?;
                self.depth = self.depth.saturating_sub(1);
                Node::Open(element)
            }
            Event::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                Node::Close
            }
            Event::Text(text) => {
                // Blame the first byte that is not white space, not the line break before it.
                let blank = text.iter().take_while(|&&b| is_blank(b)).count();
                let offset = offset.saturating_add(blank);
                let text = text
                    .xml10_content()
                    .map_err(|_| XmlError::malformed(offset))?;
                return Ok((offset, Node::Text(checked_text(text, offset)?)));
            }
            Event::CData(data) => {
                let text = data
                    .xml10_content()
                    .map_err(|_| XmlError::malformed(offset))?;
                Node::Text(checked_text(text, offset)?)
            }
            Event::GeneralRef(reference) => Node::Text(resolve_reference(&reference, offset)?),
            // The declaration is only allowed as the very first thing (XML 1.0 §2.8).
            Event::Decl(decl) if at_start => Node::Decl(decl),
            // No DTD: it could declare entities (internal or external) that we will not expand.
            Event::Decl(_) | Event::DocType(_) => return Err(XmlError::malformed(offset)),
            Event::Comment(_) | Event::PI(_) => Node::Skip,
            Event::Eof => Node::Eof,
        };
        Ok((offset, node))
    }

    /// Counts an element against the limits and reads its name and attributes.
    fn open(
        &mut self,
        namespace: XmlNamespace,
        start: &BytesStart<'_>,
        empty: bool,
        offset: usize,
    ) -> Result<XmlElement<'i>, XmlError> {
        self.depth = self.depth.saturating_add(1);
        self.elements = self.elements.saturating_add(1);
        if self.depth > self.limits.max_depth {
            return Err(XmlError::new(XmlErrorKind::TooDeep, offset));
        }
        if self.elements > self.limits.max_elements {
            return Err(XmlError::new(XmlErrorKind::TooManyElements, offset));
        }
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            // Malformed, repeated, or naming an unknown entity: the document is ill-formed,
            // whether or not its schema has attributes here.
            let attribute = attribute.map_err(|_| XmlError::malformed(offset))?;
            let (resolved, local_name) = self.inner.resolve_attribute(attribute.key);
            let namespace = match classify(self.namespaces, &resolved) {
                Some(namespace) => namespace,
                None if self.tolerate_attribute_prefixes => XmlNamespace::Other,
                None => return Err(XmlError::malformed(offset)),
            };
            let value = attribute
                .decode_and_unescape_value(self.inner.decoder())
                .map_err(|_| XmlError::malformed(offset))?;
            if !value.chars().all(is_xml_char) {
                return Err(XmlError::malformed(offset));
            }
            attributes.push(XmlAttribute {
                namespace,
                local_name: borrow_bytes(self.input, local_name.into_inner()),
                value: borrow_str(self.input, value),
            });
        }
        Ok(XmlElement {
            namespace,
            local_name: borrow_bytes(self.input, start.local_name().into_inner()),
            attributes,
            empty,
            offset,
        })
    }

    /// The root element, after the prolog (XML declaration, comments, processing
    /// instructions, white space).
    ///
    /// # Errors
    /// [`XmlErrorKind::Malformed`] for anything else before it or no root at all,
    /// [`XmlErrorKind::Encoding`] for a declaration naming an encoding other than UTF-8, a
    /// limit as for any element.
    pub fn root(&mut self) -> Result<XmlElement<'i>, XmlError> {
        loop {
            match self.next()? {
                (_, Node::Open(element)) => return Ok(element),
                (offset, Node::Decl(decl)) => check_declaration(&decl, offset)?,
                (_, Node::Skip) => {}
                (_, Node::Text(text)) if is_xml_whitespace(&text) => {}
                (offset, Node::Text(_) | Node::Close | Node::Eof) => {
                    return Err(XmlError::malformed(offset));
                }
            }
        }
    }

    /// The next child element of `parent` (the element just opened, or the child whose
    /// content was last read), or `None` at its end tag, and at once when `parent` is
    /// self-closing. Text between children must be white space: for schemas without mixed
    /// content.
    ///
    /// # Errors
    /// [`XmlErrorKind::UnexpectedText`] for other text, [`XmlErrorKind::Malformed`] or a
    /// limit.
    pub fn child(&mut self, parent: &XmlElement<'_>) -> Result<Option<XmlElement<'i>>, XmlError> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            match self.next()? {
                (_, Node::Open(element)) => return Ok(Some(element)),
                (_, Node::Close) => return Ok(None),
                (_, Node::Skip) => {}
                (_, Node::Text(text)) if is_xml_whitespace(&text) => {}
                (offset, Node::Text(_)) => {
                    return Err(XmlError::new(XmlErrorKind::UnexpectedText, offset));
                }
                (offset, Node::Decl(_) | Node::Eof) => return Err(XmlError::malformed(offset)),
            }
        }
    }

    /// Like [`child`](Self::child), but children in an [`XmlNamespace::Other`] namespace
    /// are skipped (still checked), as a schema's `##other` wildcards allow: the next child
    /// in a known namespace or in none.
    ///
    /// # Errors
    /// As [`child`](Self::child) and [`skip`](Self::skip).
    pub fn known_child(
        &mut self,
        parent: &XmlElement<'_>,
    ) -> Result<Option<XmlElement<'i>>, XmlError> {
        while let Some(child) = self.child(parent)? {
            if child.namespace != XmlNamespace::Other {
                return Ok(Some(child));
            }
            self.skip(&child)?;
        }
        Ok(None)
    }

    /// The text content of `element` (just opened), which must hold no element: references
    /// resolved, line ends normalized (XML 1.0 §2.11), CDATA sections and the pieces around
    /// comments joined, nothing trimmed. A slice of the input when it is one piece that
    /// needed nothing resolved.
    ///
    /// # Errors
    /// [`XmlErrorKind::UnexpectedElement`] for an element inside it,
    /// [`XmlErrorKind::Malformed`].
    pub fn text(&mut self, element: &XmlElement<'_>) -> Result<Cow<'i, str>, XmlError> {
        let mut value = Cow::Borrowed("");
        if element.empty {
            return Ok(value);
        }
        loop {
            match self.next()? {
                (_, Node::Text(text)) if value.is_empty() => value = text,
                (_, Node::Text(text)) => value.to_mut().push_str(&text),
                (_, Node::Close) => return Ok(value),
                (_, Node::Skip) => {}
                (offset, Node::Open(_)) => {
                    return Err(XmlError::new(XmlErrorKind::UnexpectedElement, offset));
                }
                (offset, Node::Decl(_) | Node::Eof) => return Err(XmlError::malformed(offset)),
            }
        }
    }

    /// Reads past `element` (just opened) and everything in it: an element the parser does
    /// not interpret, still checked for well-formedness and limits.
    ///
    /// # Errors
    /// [`XmlErrorKind::Malformed`] or a limit.
    pub fn skip(&mut self, element: &XmlElement<'_>) -> Result<(), XmlError> {
        if element.empty {
            return Ok(());
        }
        let level = self.depth;
        loop {
            match self.next()? {
                (_, Node::Close) if self.depth < level => return Ok(()),
                (offset, Node::Decl(_) | Node::Eof) => return Err(XmlError::malformed(offset)),
                _ => {}
            }
        }
    }

    /// Checks the end of the input, after the root's end tag: only comments, processing
    /// instructions and white space may follow.
    ///
    /// # Errors
    /// [`XmlErrorKind::Malformed`] for anything else (a second root, text).
    pub fn finish(&mut self) -> Result<(), XmlError> {
        loop {
            match self.next()? {
                (_, Node::Eof) => return Ok(()),
                (_, Node::Skip) => {}
                (_, Node::Text(text)) if is_xml_whitespace(&text) => {}
                (offset, _) => return Err(XmlError::malformed(offset)),
            }
        }
    }
}

/// Where a resolved name lies; `None` for an undeclared prefix.
fn classify(namespaces: &[&'static str], resolved: &ResolveResult<'_>) -> Option<XmlNamespace> {
    match resolved {
        ResolveResult::Bound(uri) => Some(
            namespaces
                .iter()
                .find(|known| known.as_bytes() == uri.as_ref())
                .map_or(XmlNamespace::Other, |&known| XmlNamespace::Known(known)),
        ),
        ResolveResult::Unbound => Some(XmlNamespace::None),
        ResolveResult::Unknown(_) => None,
    }
}

/// `part` with the input's lifetime when it is a slice of the input (as a borrowed event's
/// bytes are), found by address: no copy.
fn within<'i>(input: &'i [u8], part: &[u8]) -> Option<&'i [u8]> {
    let at = (part.as_ptr() as usize).checked_sub(input.as_ptr() as usize)?;
    input.get(at..at.checked_add(part.len())?)
}

fn borrow_bytes<'i>(input: &'i [u8], part: &[u8]) -> Cow<'i, [u8]> {
    within(input, part).map_or_else(|| Cow::Owned(part.to_vec()), Cow::Borrowed)
}

fn borrow_str<'i>(input: &'i [u8], value: Cow<'_, str>) -> Cow<'i, str> {
    let borrowed = within(input, value.as_bytes()).and_then(|b| std::str::from_utf8(b).ok());
    borrowed.map_or_else(|| Cow::Owned(value.into_owned()), Cow::Borrowed)
}

/// XML white space (XML 1.0 §2.3 `S`).
const fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether `text` is all XML white space (XML 1.0 §2.3 `S`), or empty.
#[must_use]
pub fn is_xml_whitespace(text: &str) -> bool {
    text.bytes().all(is_blank)
}

/// `text` without leading and trailing XML white space (XML 1.0 §2.3 `S`), as schemas' token
/// types (URIs, enumerations, numbers, booleans) read their values.
#[must_use]
pub fn trim_xml_whitespace(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

/// Whether XML 1.0 lets a document carry `c` (XML 1.0 §2.2 `Char`); Rust's `char` already
/// excludes the surrogates.
#[must_use]
pub const fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c as u32 >= 0x1_0000
}

fn checked_text(text: Cow<'_, str>, offset: usize) -> Result<Cow<'_, str>, XmlError> {
    if text.chars().all(is_xml_char) {
        Ok(text)
    } else {
        Err(XmlError::malformed(offset))
    }
}

/// Character references and the five predefined entities (XML 1.0 §4.1, §4.6). Anything else
/// would need a DTD to declare it, and we accept none: it is an error, never passed through.
fn resolve_reference(
    reference: &BytesRef<'_>,
    offset: usize,
) -> Result<Cow<'static, str>, XmlError> {
    let c = if reference.is_char_ref() {
        match reference.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => c,
            _ => return Err(XmlError::malformed(offset)),
        }
    } else {
        match reference.as_ref() {
            b"lt" => '<',
            b"gt" => '>',
            b"amp" => '&',
            b"apos" => '\'',
            b"quot" => '"',
            _ => return Err(XmlError::malformed(offset)),
        }
    };
    Ok(Cow::Owned(String::from(c)))
}

/// We read UTF-8 only; a document declaring another encoding is refused rather than misread.
fn check_declaration(decl: &BytesDecl<'_>, offset: usize) -> Result<(), XmlError> {
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(name)) if name.eq_ignore_ascii_case(b"utf-8") => Ok(()),
        Some(_) => Err(XmlError::new(XmlErrorKind::Encoding, offset)),
    }
}
