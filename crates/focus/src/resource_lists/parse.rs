//! Reading a resource-lists document into the [`ResourceLists`] model.

use bytes::Bytes;
use simpleim_cpim::xml::{XML_NAMESPACE, XmlElement, trim_xml_whitespace};

use super::error::{ParseError, ParseErrorKind};
use super::model::{
    CopyControl, DisplayName, Entry, EntryRef, External, List, ListItem, ResourceLists, Text,
};
use super::read::{ListsReader, ParseLimits, error};
use super::{COPY_CONTROL_NAMESPACE, RESOURCE_LISTS_NAMESPACE as NS};

impl ResourceLists {
    /// Parses a document with the default [`ParseLimits`]; see the module documentation for
    /// what is accepted and what is skipped. Values that needed no unescaping are slices of
    /// `input` (no copy).
    ///
    /// # Errors
    /// A [`ParseError`] with its kind and byte offset.
    pub fn parse(input: &Bytes) -> Result<Self, ParseError> {
        Self::parse_with_limits(input, ParseLimits::default())
    }

    /// Parses a document within `limits`.
    ///
    /// # Errors
    /// A [`ParseError`] with its kind and byte offset.
    pub fn parse_with_limits(input: &Bytes, limits: ParseLimits) -> Result<Self, ParseError> {
        let mut r = ListsReader::new(input, limits)?;
        let root = r.xml.root()?;
        if !root.is(NS, "resource-lists") {
            return Err(error(&root, ParseErrorKind::Root));
        }
        let mut doc = Self::default();
        while let Some(child) = r.xml.child(&root)? {
            if child.is(NS, "list") {
                doc.lists.push(list(&mut r, &child)?);
            } else {
                // Extensions (RFC 4826 §3.2: `##other` after the lists) are skipped.
                r.xml.skip(&child)?;
            }
        }
        r.xml.finish()?;
        Ok(doc)
    }
}

/// XML white space trimmed, for URIs (`xs:anyURI` is white-space collapsed).
fn trimmed(value: &Bytes) -> Bytes {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let start = value.iter().position(|b| !ws(b)).unwrap_or(value.len());
    let end = value.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    value.slice(start..end.max(start))
}

/// Text read by the reader is UTF-8 (it checks the encoding and every character).
fn text(value: Bytes, element: &XmlElement<'_>) -> Result<Text, ParseError> {
    Text::from_utf8(value).ok_or(error(element, ParseErrorKind::Xml))
}

/// A required URI-like unqualified attribute: present and not empty once trimmed.
fn required(r: &ListsReader<'_>, element: &XmlElement<'_>, name: &str) -> Result<Text, ParseError> {
    let value = element
        .attribute(name)
        .ok_or(error(element, ParseErrorKind::MissingAttribute))?;
    let value = trimmed(&r.bytes(value));
    if value.is_empty() {
        return Err(error(element, ParseErrorKind::Value));
    }
    text(value, element)
}

/// An optional attribute `value` of `element`, as written.
fn optional(
    r: &ListsReader<'_>,
    element: &XmlElement<'_>,
    value: Option<&str>,
) -> Result<Option<Text>, ParseError> {
    value.map(|v| text(r.bytes(v), element)).transpose()
}

/// Reads `<display-name>` into `slot`, refusing a second one.
fn display_name(
    r: &mut ListsReader<'_>,
    element: &XmlElement<'_>,
    slot: &mut Option<DisplayName>,
) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(error(element, ParseErrorKind::Element));
    }
    let lang = optional(r, element, element.attribute_in(XML_NAMESPACE, "lang"))?;
    let value = r.text(element)?;
    *slot = Some(DisplayName {
        text: text(value, element)?,
        lang,
    });
    Ok(())
}

/// Reads the children of an entry-like element: its `<display-name>`; the rest is skipped.
fn entry_children(
    r: &mut ListsReader<'_>,
    element: &XmlElement<'_>,
) -> Result<Option<DisplayName>, ParseError> {
    let mut name = None;
    while let Some(child) = r.xml.child(element)? {
        if child.is(NS, "display-name") {
            display_name(r, &child, &mut name)?;
        } else {
            r.xml.skip(&child)?;
        }
    }
    Ok(name)
}

fn list(r: &mut ListsReader<'_>, element: &XmlElement<'_>) -> Result<List, ParseError> {
    let mut out = List {
        name: optional(r, element, element.attribute("name"))?,
        ..List::default()
    };
    while let Some(child) = r.xml.child(element)? {
        if child.is(NS, "display-name") {
            display_name(r, &child, &mut out.display_name)?;
        } else if child.is(NS, "list") {
            out.items.push(ListItem::List(list(r, &child)?));
        } else if child.is(NS, "entry") {
            r.count_entry(&child)?;
            out.items.push(ListItem::Entry(entry(r, &child)?));
        } else if child.is(NS, "entry-ref") {
            r.count_entry(&child)?;
            let reference = required(r, &child, "ref")?;
            out.items.push(ListItem::EntryRef(EntryRef {
                reference,
                display_name: entry_children(r, &child)?,
            }));
        } else if child.is(NS, "external") {
            r.count_entry(&child)?;
            let anchor = child
                .attribute("anchor")
                .map(|a| text(trimmed(&r.bytes(a)), &child))
                .transpose()?;
            out.items.push(ListItem::External(External {
                anchor,
                display_name: entry_children(r, &child)?,
            }));
        } else {
            r.xml.skip(&child)?;
        }
    }
    Ok(out)
}

fn entry(r: &mut ListsReader<'_>, element: &XmlElement<'_>) -> Result<Entry, ParseError> {
    let uri = required(r, element, "uri")?;
    let copy_control = match element.attribute_in(COPY_CONTROL_NAMESPACE, "copyControl") {
        None => None,
        Some(v) => Some(
            CopyControl::from_value(trim_xml_whitespace(v))
                .ok_or(error(element, ParseErrorKind::Value))?,
        ),
    };
    let anonymize = match element.attribute_in(COPY_CONTROL_NAMESPACE, "anonymize") {
        None => None,
        // xs:boolean (XML Schema Part 2 §3.2.2).
        Some(v) => Some(match trim_xml_whitespace(v) {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(error(element, ParseErrorKind::Value)),
        }),
    };
    Ok(Entry {
        uri,
        display_name: entry_children(r, element)?,
        copy_control,
        anonymize,
    })
}
