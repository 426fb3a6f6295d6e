//! Writing a [`ResourceLists`] document with quick-xml's writer: schema order, two-space
//! indentation, every text and attribute value escaped so that it reads back unchanged.

use std::borrow::Cow;

use bytes::Bytes;
use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::model::{DisplayName, Entry, List, ListItem, ResourceLists};
use super::read::is_xml_char;
use super::{COPY_CONTROL_NAMESPACE, RESOURCE_LISTS_NAMESPACE};

/// The prefix the writer binds to the copy-control namespace (RFC 5366 §6 writes `cp`).
const CP: &str = "cp";

impl ResourceLists {
    /// The document as XML (`application/resource-lists+xml`). Text that XML 1.0 cannot carry
    /// at all (e.g. NUL) is written as U+FFFD; everything else reads back equal through
    /// [`ResourceLists::parse`] (URIs and references with XML white space trimmed).
    ///
    /// ```
    /// use simpleim_focus::resource_lists::{CopyControl, Entry, ResourceLists};
    ///
    /// let doc = ResourceLists::from_entries([
    ///     Entry::new("sip:bill@example.com").with_copy_control(CopyControl::To),
    ///     Entry::new("sip:ted@example.net").with_copy_control(CopyControl::Bcc),
    /// ]);
    /// let xml = doc.to_xml();
    /// assert!(std::str::from_utf8(&xml)?.contains(r#"<entry uri="sip:ted@example.net" cp:copyControl="bcc"/>"#));
    /// assert_eq!(ResourceLists::parse(&xml)?, doc);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_xml(&self) -> Bytes {
        let mut w = Writer::new_with_indent(Vec::with_capacity(256), b' ', 2);
        // Writing into a Vec cannot fail: the io::Results are all Ok.
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        let mut root = BytesStart::new("resource-lists");
        root.push_attribute(("xmlns", RESOURCE_LISTS_NAMESPACE));
        if self.uses_copy_control() {
            root.push_attribute(("xmlns:cp", COPY_CONTROL_NAMESPACE));
        }
        if self.lists.is_empty() {
            let _ = w.write_event(Event::Empty(root));
        } else {
            let _ = w.write_event(Event::Start(root));
            for l in &self.lists {
                list(&mut w, l);
            }
            let _ = w.write_event(Event::End(BytesEnd::new("resource-lists")));
        }
        let mut out = w.into_inner();
        out.push(b'\n');
        Bytes::from(out)
    }
}

type W = Writer<Vec<u8>>;

/// `value` escaped for an attribute value between double quotes: `&`, `<`, `"`, and the
/// white space characters that attribute-value normalization would turn into spaces.
fn escape_attr(value: &str) -> Cow<'_, str> {
    escape(value, true)
}

/// `value` escaped for element content; `\r` as `&#xD;` so that it survives line-end
/// normalization (XML 1.0 §2.11).
fn escape_text(value: &str) -> Cow<'_, str> {
    escape(value, false)
}

fn escape(value: &str, attr: bool) -> Cow<'_, str> {
    let special =
        |c: char| matches!(c, '&' | '<' | '>' | '\r') || (attr && matches!(c, '"' | '\t' | '\n'));
    if value.chars().all(|c| !special(c) && is_xml_char(c)) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 16);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            '"' if attr => out.push_str("&quot;"),
            '\t' if attr => out.push_str("&#x9;"),
            '\n' if attr => out.push_str("&#xA;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
    Cow::Owned(out)
}

fn push_attr(start: &mut BytesStart<'_>, name: &str, value: &str) {
    let escaped = escape_attr(value);
    start.push_attribute(Attribute::from((name.as_bytes(), escaped.as_bytes())));
}

fn display_name(w: &mut W, name: &DisplayName) {
    let mut start = BytesStart::new("display-name");
    if let Some(lang) = &name.lang {
        push_attr(&mut start, "xml:lang", lang);
    }
    let _ = w.write_event(Event::Start(start));
    let _ = w.write_event(Event::Text(BytesText::from_escaped(escape_text(
        &name.text,
    ))));
    let _ = w.write_event(Event::End(BytesEnd::new("display-name")));
}

/// Writes `start` as an empty element, or with its display name inside.
fn leaf(w: &mut W, start: BytesStart<'_>, name: Option<&DisplayName>) {
    match name {
        None => {
            let _ = w.write_event(Event::Empty(start));
        }
        Some(name) => {
            let end = start.to_end().into_owned();
            let _ = w.write_event(Event::Start(start));
            display_name(w, name);
            let _ = w.write_event(Event::End(end));
        }
    }
}

fn list(w: &mut W, l: &List) {
    let mut start = BytesStart::new("list");
    if let Some(name) = &l.name {
        push_attr(&mut start, "name", name);
    }
    if l.display_name.is_none() && l.items.is_empty() {
        let _ = w.write_event(Event::Empty(start));
        return;
    }
    let _ = w.write_event(Event::Start(start));
    if let Some(name) = &l.display_name {
        display_name(w, name);
    }
    for item in &l.items {
        match item {
            ListItem::List(nested) => list(w, nested),
            ListItem::Entry(e) => entry(w, e),
            ListItem::EntryRef(r) => {
                let mut start = BytesStart::new("entry-ref");
                push_attr(&mut start, "ref", &r.reference);
                leaf(w, start, r.display_name.as_ref());
            }
            ListItem::External(x) => {
                let mut start = BytesStart::new("external");
                if let Some(anchor) = &x.anchor {
                    push_attr(&mut start, "anchor", anchor);
                }
                leaf(w, start, x.display_name.as_ref());
            }
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new("list")));
}

fn entry(w: &mut W, e: &Entry) {
    let mut start = BytesStart::new("entry");
    push_attr(&mut start, "uri", &e.uri);
    if let Some(cc) = e.copy_control {
        push_attr(&mut start, &format!("{CP}:copyControl"), cc.as_str());
    }
    if let Some(anonymize) = e.anonymize {
        let value = if anonymize { "true" } else { "false" };
        push_attr(&mut start, &format!("{CP}:anonymize"), value);
    }
    leaf(w, start, e.display_name.as_ref());
}
