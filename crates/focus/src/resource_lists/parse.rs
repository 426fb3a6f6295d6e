//! Reading a resource-lists document into the [`ResourceLists`] model.

use bytes::Bytes;

use super::error::{ParseError, ParseErrorKind};
use super::model::{
    CopyControl, DisplayName, Entry, EntryRef, External, List, ListItem, ResourceLists, Text,
};
use super::read::{Element, Ns, ParseLimits, XmlReader};

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
        let mut r = XmlReader::new(input, limits)?;
        let root = r.root()?;
        if !root.is("resource-lists") {
            return Err(root.error(ParseErrorKind::Root));
        }
        let mut doc = Self::default();
        while let Some(child) = r.child(&root)? {
            if child.is("list") {
                doc.lists.push(list(&mut r, &child)?);
            } else {
                // Extensions (RFC 4826 §3.2: `##other` after the lists) are skipped.
                r.skip(&child)?;
            }
        }
        r.finish()?;
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
fn text(value: Bytes, element: &Element) -> Result<Text, ParseError> {
    Text::from_utf8(value).ok_or(element.error(ParseErrorKind::Xml))
}

/// A required URI-like attribute: present and not empty once trimmed.
fn required(element: &Element, name: &str) -> Result<Text, ParseError> {
    let value = element
        .attr(Ns::None, name)
        .ok_or(element.error(ParseErrorKind::MissingAttribute))?;
    let value = trimmed(value);
    if value.is_empty() {
        return Err(element.error(ParseErrorKind::Value));
    }
    text(value, element)
}

fn optional(element: &Element, ns: Ns, name: &str) -> Result<Option<Text>, ParseError> {
    element
        .attr(ns, name)
        .map(|v| text(v.clone(), element))
        .transpose()
}

/// Reads `<display-name>` into `slot`, refusing a second one.
fn display_name(
    r: &mut XmlReader<'_>,
    element: &Element,
    slot: &mut Option<DisplayName>,
) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(element.error(ParseErrorKind::Element));
    }
    let lang = optional(element, Ns::Xml, "lang")?;
    let value = r.text(element)?;
    *slot = Some(DisplayName {
        text: text(value, element)?,
        lang,
    });
    Ok(())
}

/// Reads the children of an entry-like element: its `<display-name>`; the rest is skipped.
fn entry_children(
    r: &mut XmlReader<'_>,
    element: &Element,
) -> Result<Option<DisplayName>, ParseError> {
    let mut name = None;
    while let Some(child) = r.child(element)? {
        if child.is("display-name") {
            display_name(r, &child, &mut name)?;
        } else {
            r.skip(&child)?;
        }
    }
    Ok(name)
}

fn list(r: &mut XmlReader<'_>, element: &Element) -> Result<List, ParseError> {
    let mut out = List {
        name: optional(element, Ns::None, "name")?,
        ..List::default()
    };
    while let Some(child) = r.child(element)? {
        if child.is("display-name") {
            display_name(r, &child, &mut out.display_name)?;
        } else if child.is("list") {
            out.items.push(ListItem::List(list(r, &child)?));
        } else if child.is("entry") {
            r.count_entry(&child)?;
            out.items.push(ListItem::Entry(entry(r, &child)?));
        } else if child.is("entry-ref") {
            r.count_entry(&child)?;
            let reference = required(&child, "ref")?;
            out.items.push(ListItem::EntryRef(EntryRef {
                reference,
                display_name: entry_children(r, &child)?,
            }));
        } else if child.is("external") {
            r.count_entry(&child)?;
            let anchor = child
                .attr(Ns::None, "anchor")
                .map(|a| text(trimmed(a), &child))
                .transpose()?;
            out.items.push(ListItem::External(External {
                anchor,
                display_name: entry_children(r, &child)?,
            }));
        } else {
            r.skip(&child)?;
        }
    }
    Ok(out)
}

fn entry(r: &mut XmlReader<'_>, element: &Element) -> Result<Entry, ParseError> {
    let uri = required(element, "uri")?;
    let copy_control = match element.attr(Ns::CopyControl, "copyControl") {
        None => None,
        Some(v) => Some(
            core::str::from_utf8(&trimmed(v))
                .ok()
                .and_then(CopyControl::from_value)
                .ok_or(element.error(ParseErrorKind::Value))?,
        ),
    };
    let anonymize = match element.attr(Ns::CopyControl, "anonymize") {
        None => None,
        // xs:boolean (XML Schema Part 2 §3.2.2).
        Some(v) => Some(match trimmed(v).as_ref() {
            b"true" | b"1" => true,
            b"false" | b"0" => false,
            _ => return Err(element.error(ParseErrorKind::Value)),
        }),
    };
    Ok(Entry {
        uri,
        display_name: entry_children(r, element)?,
        copy_control,
        anonymize,
    })
}
