//! A bounded pull reader over quick-xml's namespace reader for resource-lists documents:
//! limits, no DTD, no unknown entities, XML 1.0 characters, located errors, and values handed
//! out as [`Bytes`] slices of the input whenever they needed no unescaping.

use std::borrow::Cow;

use bytes::Bytes;
use quick_xml::NsReader;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::error::{ParseError, ParseErrorKind};
use super::{COPY_CONTROL_NAMESPACE, RESOURCE_LISTS_NAMESPACE};

/// The namespace `xml:` is bound to (XML Namespaces §3).
const XML_NAMESPACE: &[u8] = b"http://www.w3.org/XML/1998/namespace";

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

/// Which namespace a name is in, as far as this document type cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ns {
    /// `urn:ietf:params:xml:ns:resource-lists`.
    Lists,
    /// `urn:ietf:params:xml:ns:copycontrol` (RFC 5364).
    CopyControl,
    /// The `xml:` namespace (`xml:lang`).
    Xml,
    /// No namespace: the RFC 4826 attributes are unqualified.
    None,
    /// Any other: an extension.
    Other,
}

fn ns_of(resolved: &ResolveResult<'_>) -> Option<Ns> {
    Some(match resolved {
        ResolveResult::Bound(ns) => match ns.as_ref() {
            n if n == RESOURCE_LISTS_NAMESPACE.as_bytes() => Ns::Lists,
            n if n == COPY_CONTROL_NAMESPACE.as_bytes() => Ns::CopyControl,
            XML_NAMESPACE => Ns::Xml,
            _ => Ns::Other,
        },
        ResolveResult::Unbound => Ns::None,
        ResolveResult::Unknown(_) => return None,
    })
}

/// An attribute of an opened element, resolved and unescaped.
pub(super) struct Attr {
    ns: Ns,
    local: Bytes,
    value: Bytes,
}

/// An opened element.
pub(super) struct Element {
    ns: Ns,
    local: Bytes,
    attrs: Vec<Attr>,
    /// `<x/>`: no content, no end tag.
    pub(super) empty: bool,
    /// Byte offset of its `<`.
    pub(super) offset: usize,
}

impl Element {
    /// Whether this is `name` in the resource-lists namespace.
    pub(super) fn is(&self, name: &str) -> bool {
        self.ns == Ns::Lists && self.local.as_ref() == name.as_bytes()
    }

    /// The value of attribute `name` in namespace `ns`.
    pub(super) fn attr(&self, ns: Ns, name: &str) -> Option<&Bytes> {
        self.attrs
            .iter()
            .find(|a| a.ns == ns && a.local.as_ref() == name.as_bytes())
            .map(|a| &a.value)
    }

    pub(super) const fn error(&self, kind: ParseErrorKind) -> ParseError {
        ParseError::new(kind, self.offset)
    }
}

enum Node {
    Open(Element),
    Close,
    Text(Bytes),
    Decl,
    Skip,
    Eof,
}

/// `part` as a slice of `input` when it lies inside it (zero-copy), else a copy.
pub(super) fn share(input: &Bytes, part: &[u8]) -> Bytes {
    let base = input.as_ptr() as usize;
    let start = part.as_ptr() as usize;
    match start.checked_sub(base) {
        Some(at) if at.saturating_add(part.len()) <= input.len() => {
            input.slice(at..at + part.len())
        }
        _ => Bytes::copy_from_slice(part),
    }
}

/// A decoded value as `Bytes`: shared with `input` when it was borrowed from it.
fn to_bytes(input: &Bytes, value: Cow<'_, str>) -> Bytes {
    match value {
        Cow::Borrowed(s) => share(input, s.as_bytes()),
        Cow::Owned(s) => Bytes::from(s),
    }
}

/// The pull reader.
pub(super) struct XmlReader<'i> {
    input: &'i Bytes,
    inner: NsReader<&'i [u8]>,
    depth: usize,
    elements: usize,
    entries: usize,
    limits: ParseLimits,
    at_start: bool,
}

const fn xml_error(offset: usize) -> ParseError {
    ParseError::new(ParseErrorKind::Xml, offset)
}

impl<'i> XmlReader<'i> {
    pub(super) fn new(input: &'i Bytes, limits: ParseLimits) -> Result<Self, ParseError> {
        if input.len() > limits.max_size {
            return Err(ParseError::new(ParseErrorKind::TooLarge, limits.max_size));
        }
        let mut inner = NsReader::from_reader(input.as_ref());
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
            depth: 0,
            elements: 0,
            entries: 0,
            limits,
            at_start: true,
        })
    }

    fn position(&self) -> usize {
        usize::try_from(self.inner.buffer_position()).unwrap_or(usize::MAX)
    }

    /// Counts one more `<entry>`, `<entry-ref>` or `<external>` (REQ: FOC-4 bound).
    pub(super) fn count_entry(&mut self, element: &Element) -> Result<(), ParseError> {
        self.entries = self.entries.saturating_add(1);
        if self.entries > self.limits.max_entries {
            return Err(element.error(ParseErrorKind::TooManyEntries));
        }
        Ok(())
    }

    fn next(&mut self) -> Result<(usize, Node), ParseError> {
        let offset = self.position();
        let (ns, event) = match self.inner.read_resolved_event() {
            Ok((resolved, event)) => (ns_of(&resolved), event),
            Err(_) => {
                let at = usize::try_from(self.inner.error_position()).unwrap_or(offset);
                return Err(xml_error(at));
            }
        };
        let at_start = std::mem::replace(&mut self.at_start, false);
        let node = match event {
            Event::Start(start) => {
                let ns = ns.ok_or(xml_error(offset))?;
                Node::Open(self.open(ns, &start, false, offset)?)
            }
            Event::Empty(start) => {
                let ns = ns.ok_or(xml_error(offset))?;
                let element = self.open(ns, &start, true, offset)?;
                self.depth = self.depth.saturating_sub(1);
                Node::Open(element)
            }
            Event::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                Node::Close
            }
            Event::Text(text) => {
                let text = text.xml10_content().map_err(|_| xml_error(offset))?;
                self.checked(text, offset)?
            }
            Event::CData(data) => {
                let text = data.xml10_content().map_err(|_| xml_error(offset))?;
                self.checked(text, offset)?
            }
            Event::GeneralRef(reference) => Node::Text(resolve_reference(&reference, offset)?),
            Event::Decl(decl) if at_start => {
                check_declaration(&decl, offset)?;
                Node::Decl
            }
            // No DTD: entities it could declare are never expanded.
            Event::Decl(_) | Event::DocType(_) => return Err(xml_error(offset)),
            Event::Comment(_) | Event::PI(_) => Node::Skip,
            Event::Eof => Node::Eof,
        };
        Ok((offset, node))
    }

    fn checked(&self, text: Cow<'_, str>, offset: usize) -> Result<Node, ParseError> {
        if text.chars().all(is_xml_char) {
            Ok(Node::Text(to_bytes(self.input, text)))
        } else {
            Err(xml_error(offset))
        }
    }

    fn open(
        &mut self,
        ns: Ns,
        start: &BytesStart<'_>,
        empty: bool,
        offset: usize,
    ) -> Result<Element, ParseError> {
        self.depth = self.depth.saturating_add(1);
        self.elements = self.elements.saturating_add(1);
        if self.depth > self.limits.max_depth {
            return Err(ParseError::new(ParseErrorKind::TooDeep, offset));
        }
        if self.elements > self.limits.max_elements {
            return Err(ParseError::new(ParseErrorKind::TooManyElements, offset));
        }
        let mut attrs = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|_| xml_error(offset))?;
            let (resolved, local) = self.inner.resolve_attribute(attribute.key);
            let ns = ns_of(&resolved).ok_or(xml_error(offset))?;
            let local = share(self.input, local.into_inner());
            let value = attribute
                .decode_and_unescape_value(self.inner.decoder())
                .map_err(|_| xml_error(offset))?;
            if !value.chars().all(is_xml_char) {
                return Err(xml_error(offset));
            }
            attrs.push(Attr {
                ns,
                local,
                value: to_bytes(self.input, value),
            });
        }
        Ok(Element {
            ns,
            local: share(self.input, start.local_name().into_inner()),
            attrs,
            empty,
            offset,
        })
    }

    /// The root element, after the prolog.
    pub(super) fn root(&mut self) -> Result<Element, ParseError> {
        loop {
            match self.next()? {
                (_, Node::Open(element)) => return Ok(element),
                (_, Node::Decl | Node::Skip) => {}
                (_, Node::Text(text)) if is_whitespace(&text) => {}
                (offset, _) => return Err(xml_error(offset)),
            }
        }
    }

    /// The next child element of `parent` (just opened), `None` at its end tag. Text between
    /// children must be white space: the schema has no mixed content.
    pub(super) fn child(&mut self, parent: &Element) -> Result<Option<Element>, ParseError> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            match self.next()? {
                (_, Node::Open(element)) => return Ok(Some(element)),
                (_, Node::Close) => return Ok(None),
                (_, Node::Skip) => {}
                (_, Node::Text(text)) if is_whitespace(&text) => {}
                (offset, Node::Text(_)) => {
                    return Err(ParseError::new(ParseErrorKind::Element, offset));
                }
                (offset, Node::Decl | Node::Eof) => return Err(xml_error(offset)),
            }
        }
    }

    /// The text of a leaf element, as written (entities resolved, line ends normalized): a
    /// slice of the input when it is one piece that needed nothing resolved.
    pub(super) fn text(&mut self, element: &Element) -> Result<Bytes, ParseError> {
        if element.empty {
            return Ok(Bytes::new());
        }
        let mut pieces: Vec<Bytes> = Vec::new();
        loop {
            match self.next()? {
                (_, Node::Text(text)) => pieces.push(text),
                (_, Node::Close) => break,
                (_, Node::Skip) => {}
                (offset, Node::Open(_)) => {
                    return Err(ParseError::new(ParseErrorKind::Element, offset));
                }
                (offset, Node::Decl | Node::Eof) => return Err(xml_error(offset)),
            }
        }
        Ok(match pieces.len() {
            0 => Bytes::new(),
            1 => pieces.pop().unwrap_or_default(),
            _ => Bytes::from(pieces.concat()),
        })
    }

    /// Reads past `element` and all it holds (an element we do not interpret), still checking
    /// well-formedness and limits.
    pub(super) fn skip(&mut self, element: &Element) -> Result<(), ParseError> {
        if element.empty {
            return Ok(());
        }
        let level = self.depth;
        loop {
            match self.next()? {
                (_, Node::Close) if self.depth < level => return Ok(()),
                (offset, Node::Decl | Node::Eof) => return Err(xml_error(offset)),
                _ => {}
            }
        }
    }

    /// After the root: only comments, processing instructions and white space.
    pub(super) fn finish(&mut self) -> Result<(), ParseError> {
        loop {
            match self.next()? {
                (_, Node::Eof) => return Ok(()),
                (_, Node::Skip) => {}
                (_, Node::Text(text)) if is_whitespace(&text) => {}
                (offset, _) => return Err(xml_error(offset)),
            }
        }
    }
}

fn is_whitespace(text: &[u8]) -> bool {
    text.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Whether XML 1.0 lets a document carry `c` (XML 1.0 §2.2 `Char`).
pub(super) const fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c as u32 >= 0x1_0000
}

/// Character references and the five predefined entities; anything else needs a DTD, which
/// is refused.
fn resolve_reference(reference: &BytesRef<'_>, offset: usize) -> Result<Bytes, ParseError> {
    let c = if reference.is_char_ref() {
        match reference.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => c,
            _ => return Err(xml_error(offset)),
        }
    } else {
        match reference.as_ref() {
            b"lt" => '<',
            b"gt" => '>',
            b"amp" => '&',
            b"apos" => '\'',
            b"quot" => '"',
            _ => return Err(xml_error(offset)),
        }
    };
    Ok(Bytes::from(String::from(c)))
}

/// Only UTF-8 is read; another declared encoding is refused rather than misread.
fn check_declaration(decl: &BytesDecl<'_>, offset: usize) -> Result<(), ParseError> {
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(name)) if name.eq_ignore_ascii_case(b"utf-8") => Ok(()),
        Some(_) => Err(xml_error(offset)),
    }
}
