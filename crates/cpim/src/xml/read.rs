//! A small pull reader over quick-xml's namespace reader, shared by the IMDN and is-composing
//! parsers: it enforces the [`XmlLimits`], refuses DTDs and unknown entities, checks the XML 1.0
//! character rules, and turns every failure into a located [`ParseError`].

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::XmlLimits;
use crate::{ErrorKind, ParseError, Result};

/// Where an element's name lives, relative to the namespace of the document being parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ns {
    /// The document's own namespace (e.g. `urn:ietf:params:xml:ns:imdn`).
    Own,
    /// No namespace at all.
    None,
    /// Some other namespace: an extension.
    Other,
}

/// An opened element.
pub(super) struct Element<'i> {
    pub(super) ns: Ns,
    pub(super) start: BytesStart<'i>,
    /// `<x/>`: there is no content and no end tag to read.
    pub(super) empty: bool,
    /// Byte offset of its `<`.
    pub(super) offset: usize,
}

impl Element<'_> {
    /// Whether this is `name` in the document's own namespace.
    pub(super) fn is(&self, name: &[u8]) -> bool {
        self.ns == Ns::Own && self.start.local_name().as_ref() == name
    }

    /// Its local name, without any prefix.
    pub(super) fn local_name(&self) -> &[u8] {
        self.start.local_name().into_inner()
    }
}

/// One step of the document.
enum Node<'i> {
    Open(Element<'i>),
    Close,
    Text(Cow<'i, str>),
    Decl(BytesDecl<'i>),
    /// Comments and processing instructions: no meaning here.
    Skip,
    Eof,
}

/// The pull reader; see the module doc.
pub(super) struct XmlReader<'i> {
    inner: NsReader<&'i [u8]>,
    namespace: &'static str,
    depth: usize,
    max_depth: usize,
    /// Whether anything but the XML declaration may still come first.
    at_start: bool,
}

impl<'i> XmlReader<'i> {
    /// A reader over `input`, whose own namespace is `namespace`; refuses an input over the
    /// size limit before reading a byte of it.
    pub(super) fn new(
        input: &'i [u8],
        namespace: &'static str,
        limits: &XmlLimits,
    ) -> Result<Self> {
        if input.len() > limits.max_size {
            return Err(ParseError::new(ErrorKind::XmlLimit, limits.max_size));
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
            namespace,
            depth: 0,
            max_depth: limits.max_depth,
            at_start: true,
        })
    }

    fn position(&self) -> usize {
        usize::try_from(self.inner.buffer_position()).unwrap_or(usize::MAX)
    }

    fn next(&mut self) -> Result<(usize, Node<'i>)> {
        let offset = self.position();
        let own = self.namespace.as_bytes();
        let (ns, event) = match self.inner.read_resolved_event() {
            Ok((ResolveResult::Bound(uri), event)) if uri.as_ref() == own => (Ns::Own, event),
            Ok((ResolveResult::Bound(_), event)) => (Ns::Other, event),
            Ok((ResolveResult::Unbound, event)) => (Ns::None, event),
            // A prefix no `xmlns:` declared: not namespace-well-formed.
            Ok((ResolveResult::Unknown(_), _)) => return Err(xml_error(offset)),
            Err(_) => {
                let at = usize::try_from(self.inner.error_position()).unwrap_or(offset);
                return Err(xml_error(at));
            }
        };
        let at_start = std::mem::replace(&mut self.at_start, false);
        let node = match event {
            Event::Start(start) => {
                self.enter(offset)?;
                check_attributes(&start, offset)?;
                Node::Open(Element {
                    ns,
                    start,
                    empty: false,
                    offset,
                })
            }
            Event::Empty(start) => {
                // Counted as if it opened and closed, so `<a/>` and `<a></a>` share one limit.
                self.enter(offset)?;
                self.depth = self.depth.saturating_sub(1);
                check_attributes(&start, offset)?;
                Node::Open(Element {
                    ns,
                    start,
                    empty: true,
                    offset,
                })
            }
            Event::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                Node::Close
            }
            Event::Text(text) => {
                // Blame the first non-whitespace byte, not the line break before it.
                let blank = text
                    .iter()
                    .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                    .count();
                let offset = offset.saturating_add(blank);
                let text = text.xml10_content().map_err(|_| xml_error(offset))?;
                return Ok((offset, checked_chars(text, offset)?));
            }
            Event::CData(data) => {
                let text = data.xml10_content().map_err(|_| xml_error(offset))?;
                checked_chars(text, offset)?
            }
            Event::GeneralRef(reference) => Node::Text(resolve_reference(&reference, offset)?),
            // The declaration is only allowed as the very first thing (XML 1.0 §2.8).
            Event::Decl(decl) if at_start => Node::Decl(decl),
            Event::Decl(_) => return Err(xml_error(offset)),
            // No DTD: it could declare entities (internal or external) that we will not expand.
            Event::DocType(_) => return Err(xml_error(offset)),
            Event::Comment(_) | Event::PI(_) => Node::Skip,
            Event::Eof => Node::Eof,
        };
        Ok((offset, node))
    }

    fn enter(&mut self, offset: usize) -> Result<()> {
        self.depth = self.depth.saturating_add(1);
        if self.depth > self.max_depth {
            return Err(ParseError::new(ErrorKind::XmlLimit, offset));
        }
        Ok(())
    }

    /// The root element, after the prolog (declaration, comments, whitespace).
    pub(super) fn root(&mut self) -> Result<Element<'i>> {
        loop {
            match self.next()? {
                (_, Node::Open(element)) => return Ok(element),
                (offset, Node::Decl(decl)) => check_declaration(&decl, offset)?,
                (_, Node::Skip) => {}
                (_, Node::Text(text)) if is_whitespace(&text) => {}
                (offset, Node::Text(_) | Node::Close | Node::Eof) => {
                    return Err(xml_error(offset));
                }
            }
        }
    }

    /// The next child element of the element just opened, or `None` at its end tag. Text
    /// between children must be whitespace: these schemas have no mixed content.
    pub(super) fn child(&mut self) -> Result<Option<Element<'i>>> {
        loop {
            match self.next()? {
                (_, Node::Open(element)) => return Ok(Some(element)),
                (_, Node::Close) => return Ok(None),
                (_, Node::Skip) => {}
                (_, Node::Text(text)) if is_whitespace(&text) => {}
                (offset, Node::Text(_)) => {
                    return Err(ParseError::new(ErrorKind::XmlValue, offset));
                }
                (offset, Node::Decl(_) | Node::Eof) => return Err(xml_error(offset)),
            }
        }
    }

    /// The next child of `element` (the element just opened) that is not an extension:
    /// children in a foreign namespace are skipped, as the schemas' `##other` wildcards allow.
    /// `None` at its end tag, or at once when `element` is empty (`<x/>`).
    pub(super) fn own_child(&mut self, element: &Element<'_>) -> Result<Option<Element<'i>>> {
        if element.empty {
            return Ok(None);
        }
        while let Some(child) = self.child()? {
            if child.ns != Ns::Other {
                return Ok(Some(child));
            }
            self.skip(&child)?;
        }
        Ok(None)
    }

    /// The text content of `element`, which must have no child elements.
    pub(super) fn text(&mut self, element: &Element<'i>) -> Result<String> {
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
                    return Err(ParseError::new(ErrorKind::XmlElement, offset));
                }
                (offset, Node::Decl(_) | Node::Eof) => return Err(xml_error(offset)),
            }
        }
    }

    /// Reads past `element` and everything in it (an extension we do not interpret); it is
    /// still checked for well-formedness and limits.
    pub(super) fn skip(&mut self, element: &Element<'i>) -> Result<()> {
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

    /// After the root's end tag: only comments, processing instructions and whitespace.
    pub(super) fn finish(&mut self) -> Result<()> {
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

fn xml_error(offset: usize) -> ParseError {
    ParseError::new(ErrorKind::Xml, offset)
}

/// XML whitespace (XML 1.0 §2.3 `S`).
pub(super) fn is_whitespace(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// `text` without leading and trailing XML whitespace.
pub(super) fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

/// XML 1.0 §2.2 `Char`; Rust's `char` already excludes the surrogates.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

fn checked_chars(text: Cow<'_, str>, offset: usize) -> Result<Node<'_>> {
    if text.chars().all(is_xml_char) {
        Ok(Node::Text(text))
    } else {
        Err(xml_error(offset))
    }
}

/// Character references and the five predefined entities (XML 1.0 §4.1, §4.6). Anything else
/// would need a DTD to declare it, and we accept none: it is an error, never passed through.
fn resolve_reference(reference: &BytesRef<'_>, offset: usize) -> Result<Cow<'static, str>> {
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

/// Attributes are not part of these schemas, but a malformed or duplicated one, or one that
/// names an unknown entity, still makes the document ill-formed.
fn check_attributes(start: &BytesStart<'_>, offset: usize) -> Result<()> {
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|_| xml_error(offset))?;
        let value = attribute.unescape_value().map_err(|_| xml_error(offset))?;
        if !value.chars().all(is_xml_char) {
            return Err(xml_error(offset));
        }
    }
    Ok(())
}

/// We read UTF-8 only; a document declaring another encoding is refused rather than misread.
fn check_declaration(decl: &BytesDecl<'_>, offset: usize) -> Result<()> {
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(name)) if name.eq_ignore_ascii_case(b"utf-8") => Ok(()),
        Some(_) => Err(ParseError::new(ErrorKind::XmlValue, offset)),
    }
}

/// Stores `value` in `slot`, refusing a second occurrence of the same element.
pub(super) fn set_once<T>(slot: &mut Option<T>, value: T, element: &Element<'_>) -> Result<()> {
    if slot.is_some() {
        return Err(ParseError::new(ErrorKind::XmlElement, element.offset));
    }
    *slot = Some(value);
    Ok(())
}
