//! A bounded pull reader over quick-xml's namespace reader: limits, no DTD, no unknown
//! entities, XML 1.0 characters, located errors. The conference-info parser is built on it.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::CONFERENCE_INFO_NAMESPACE;
use super::error::{ParseError, ParseErrorKind};
use super::write::is_xml_char;

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

/// An attribute of an opened element, resolved and unescaped.
pub(super) struct Attr {
    /// No namespace (the RFC 4575 attributes are unqualified).
    pub(super) unqualified: bool,
    pub(super) local: Vec<u8>,
    pub(super) value: String,
}

/// An opened element.
pub(super) struct Element {
    /// In the conference-info namespace.
    pub(super) own: bool,
    pub(super) local: Vec<u8>,
    pub(super) attrs: Vec<Attr>,
    /// `<x/>`: no content, no end tag.
    pub(super) empty: bool,
    /// Byte offset of its `<`.
    pub(super) offset: usize,
}

impl Element {
    /// Whether this is `name` in the conference-info namespace.
    pub(super) fn is(&self, name: &str) -> bool {
        self.own && self.local == name.as_bytes()
    }

    /// The value of the unqualified attribute `name`.
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.unqualified && a.local == name.as_bytes())
            .map(|a| a.value.as_str())
    }

    pub(super) fn error(&self, kind: ParseErrorKind) -> ParseError {
        ParseError::new(kind, self.offset)
    }
}

enum Node<'i> {
    Open(Element),
    Close,
    Text(Cow<'i, str>),
    Decl(BytesDecl<'i>),
    Skip,
    Eof,
}

/// The pull reader.
pub(super) struct XmlReader<'i> {
    inner: NsReader<&'i [u8]>,
    depth: usize,
    elements: usize,
    limits: ParseLimits,
    at_start: bool,
}

fn xml_error(offset: usize) -> ParseError {
    ParseError::new(ParseErrorKind::Xml, offset)
}

impl<'i> XmlReader<'i> {
    pub(super) fn new(input: &'i [u8], limits: ParseLimits) -> Result<Self, ParseError> {
        if input.len() > limits.max_size {
            return Err(ParseError::new(ParseErrorKind::Limit, limits.max_size));
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
            inner,
            depth: 0,
            elements: 0,
            limits,
            at_start: true,
        })
    }

    fn position(&self) -> usize {
        usize::try_from(self.inner.buffer_position()).unwrap_or(usize::MAX)
    }

    fn next(&mut self) -> Result<(usize, Node<'i>), ParseError> {
        let offset = self.position();
        let (own, event) = match self.inner.read_resolved_event() {
            Ok((ResolveResult::Bound(ns), event)) => {
                (ns.as_ref() == CONFERENCE_INFO_NAMESPACE.as_bytes(), event)
            }
            Ok((ResolveResult::Unbound, event)) => (false, event),
            Ok((ResolveResult::Unknown(_), _)) => return Err(xml_error(offset)),
            Err(_) => {
                let at = usize::try_from(self.inner.error_position()).unwrap_or(offset);
                return Err(xml_error(at));
            }
        };
        let at_start = std::mem::replace(&mut self.at_start, false);
        let node = match event {
            Event::Start(start) => Node::Open(self.open(own, &start, false, offset)?),
            Event::Empty(start) => {
                let element = self.open(own, &start, true, offset)?;
                self.depth = self.depth.saturating_sub(1);
                Node::Open(element)
            }
            Event::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                Node::Close
            }
            Event::Text(text) => {
                let text = text.xml10_content().map_err(|_| xml_error(offset))?;
                checked(text, offset)?
            }
            Event::CData(data) => {
                let text = data.xml10_content().map_err(|_| xml_error(offset))?;
                checked(text, offset)?
            }
            Event::GeneralRef(reference) => Node::Text(resolve_reference(&reference, offset)?),
            Event::Decl(decl) if at_start => Node::Decl(decl),
            // No DTD: entities it could declare are never expanded.
            Event::Decl(_) | Event::DocType(_) => return Err(xml_error(offset)),
            Event::Comment(_) | Event::PI(_) => Node::Skip,
            Event::Eof => Node::Eof,
        };
        Ok((offset, node))
    }

    fn open(
        &mut self,
        own: bool,
        start: &BytesStart<'_>,
        empty: bool,
        offset: usize,
    ) -> Result<Element, ParseError> {
        self.depth = self.depth.saturating_add(1);
        self.elements = self.elements.saturating_add(1);
        if self.depth > self.limits.max_depth || self.elements > self.limits.max_elements {
            return Err(ParseError::new(ParseErrorKind::Limit, offset));
        }
        let mut attrs = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|_| xml_error(offset))?;
            let (ns, local) = self.inner.resolve_attribute(attribute.key);
            let unqualified = match ns {
                ResolveResult::Unbound => true,
                ResolveResult::Bound(_) => false,
                ResolveResult::Unknown(_) => return Err(xml_error(offset)),
            };
            let value = attribute
                .decode_and_unescape_value(self.inner.decoder())
                .map_err(|_| xml_error(offset))?;
            if !value.chars().all(is_xml_char) {
                return Err(xml_error(offset));
            }
            attrs.push(Attr {
                unqualified,
                local: local.as_ref().to_vec(),
                value: value.into_owned(),
            });
        }
        Ok(Element {
            own,
            local: start.local_name().as_ref().to_vec(),
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
                (offset, Node::Decl(decl)) => check_declaration(&decl, offset)?,
                (_, Node::Skip) => {}
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
                    return Err(ParseError::new(ParseErrorKind::Value, offset));
                }
                (offset, Node::Decl(_) | Node::Eof) => return Err(xml_error(offset)),
            }
        }
    }

    /// The text of a leaf element, as written (entities resolved, line ends normalized).
    pub(super) fn text(&mut self, element: &Element) -> Result<String, ParseError> {
        let mut value = String::new();
        if element.empty {
            return Ok(value);
        }
        loop {
            match self.next()? {
                (_, Node::Text(text)) => value.push_str(&text),
                (_, Node::Close) => return Ok(value),
                (_, Node::Skip) => {}
                (offset, Node::Open(_)) => {
                    return Err(ParseError::new(ParseErrorKind::Element, offset));
                }
                (offset, Node::Decl(_) | Node::Eof) => return Err(xml_error(offset)),
            }
        }
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
                (offset, Node::Decl(_) | Node::Eof) => return Err(xml_error(offset)),
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

fn is_whitespace(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

fn checked(text: Cow<'_, str>, offset: usize) -> Result<Node<'_>, ParseError> {
    if text.chars().all(is_xml_char) {
        Ok(Node::Text(text))
    } else {
        Err(xml_error(offset))
    }
}

/// Character references and the five predefined entities; anything else needs a DTD, which
/// is refused.
fn resolve_reference(
    reference: &BytesRef<'_>,
    offset: usize,
) -> Result<Cow<'static, str>, ParseError> {
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
    Ok(Cow::Owned(String::from(c)))
}

/// Only UTF-8 is read; another declared encoding is refused rather than misread.
fn check_declaration(decl: &BytesDecl<'_>, offset: usize) -> Result<(), ParseError> {
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(name)) if name.eq_ignore_ascii_case(b"utf-8") => Ok(()),
        Some(_) => Err(xml_error(offset)),
    }
}
