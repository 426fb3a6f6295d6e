//! The `application/resource-lists+xml` document (RFC 4826 §3.2) with the copy-control
//! attributes of RFC 5364 §4 that RFC 5365 and RFC 5366 put on its entries.

use core::fmt;
use core::ops::Deref;

use bytes::Bytes;

/// UTF-8 text held in [`Bytes`]: a slice of the parsed document when the value needed no
/// unescaping (zero-copy), else its own buffer. Compares, hashes and prints as the text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Text(Bytes);

impl Text {
    /// The text `s` (copied).
    #[must_use]
    pub fn new(s: &str) -> Self {
        Self(Bytes::copy_from_slice(s.as_bytes()))
    }

    /// The text `s`, not copied.
    #[must_use]
    pub const fn from_static(s: &'static str) -> Self {
        Self(Bytes::from_static(s.as_bytes()))
    }

    /// `bytes` as text, if they are UTF-8 (not copied).
    #[must_use]
    pub fn from_utf8(bytes: Bytes) -> Option<Self> {
        core::str::from_utf8(&bytes).is_ok().then_some(Self(bytes))
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Every constructor checks or takes UTF-8, so this never falls back.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The bytes (for [`simpleim_sip::Uri::parse`], which takes `&Bytes`: no copy).
    #[must_use]
    pub const fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// The bytes, owned.
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Self(Bytes::from(s))
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `<resource-lists>` document (RFC 4826 §3.2): its lists in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ResourceLists {
    /// The top-level `<list>` elements.
    pub lists: Vec<List>,
}

/// A `<list>`: an optional name and display name, then its items in document order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct List {
    /// The `name` attribute (unique among its siblings in an XCAP document; not checked here).
    pub name: Option<Text>,
    /// `<display-name>`.
    pub display_name: Option<DisplayName>,
    /// The entries, references and nested lists, in order.
    pub items: Vec<ListItem>,
}

/// One item of a `<list>` (RFC 4826 §3.2: a choice of `list`, `external`, `entry`,
/// `entry-ref`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListItem {
    /// A nested `<list>`.
    List(List),
    /// An `<entry>`: a resource by its URI.
    Entry(Entry),
    /// An `<entry-ref>`: a reference to an entry elsewhere in the XCAP tree. Kept as it is,
    /// never resolved here.
    EntryRef(EntryRef),
    /// An `<external>`: a reference to a list elsewhere (an HTTP URI). Kept as it is, never
    /// fetched here.
    External(External),
}

/// How a recipient receives its copy (RFC 5364 §4: the `cp:copyControl` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CopyControl {
    /// `to`: a primary recipient, visible to the others (the default when absent).
    To,
    /// `cc`: a carbon-copy recipient, visible to the others.
    Cc,
    /// `bcc`: a blind recipient, hidden from the others.
    Bcc,
}

impl CopyControl {
    /// The attribute value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::To => "to",
            Self::Cc => "cc",
            Self::Bcc => "bcc",
        }
    }

    pub(super) fn from_value(value: &str) -> Option<Self> {
        Some(match value {
            "to" => Self::To,
            "cc" => Self::Cc,
            "bcc" => Self::Bcc,
            _ => return None,
        })
    }
}

/// A `<display-name>` with its optional `xml:lang`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DisplayName {
    /// The text, as written (an `xs:string`: white space kept).
    pub text: Text,
    /// `xml:lang`, if given.
    pub lang: Option<Text>,
}

impl DisplayName {
    /// A display name without language.
    #[must_use]
    pub fn new(text: impl Into<Text>) -> Self {
        Self {
            text: text.into(),
            lang: None,
        }
    }
}

/// An `<entry>`: a resource (a user, for the focus: an invitee) by its URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The `uri` attribute (required), with XML white space trimmed.
    pub uri: Text,
    /// `<display-name>`.
    pub display_name: Option<DisplayName>,
    /// `cp:copyControl` (RFC 5364 §4.1), if given.
    pub copy_control: Option<CopyControl>,
    /// `cp:anonymize` (RFC 5364 §4.2): hide this recipient's URI from the others, if given.
    pub anonymize: Option<bool>,
}

impl Entry {
    /// An entry for `uri`, nothing else set.
    #[must_use]
    pub fn new(uri: impl Into<Text>) -> Self {
        Self {
            uri: uri.into(),
            display_name: None,
            copy_control: None,
            anonymize: None,
        }
    }

    /// The same with a display name.
    #[must_use]
    pub fn with_display_name(mut self, text: impl Into<Text>) -> Self {
        self.display_name = Some(DisplayName::new(text));
        self
    }

    /// The same with `cp:copyControl`.
    #[must_use]
    pub const fn with_copy_control(mut self, copy_control: CopyControl) -> Self {
        self.copy_control = Some(copy_control);
        self
    }

    /// The same with `cp:anonymize`.
    #[must_use]
    pub const fn with_anonymize(mut self, anonymize: bool) -> Self {
        self.anonymize = Some(anonymize);
        self
    }

    /// How this recipient gets its copy: `cp:copyControl`, `to` when absent (RFC 5364 §4.1).
    #[must_use]
    pub fn copy_control_or_default(&self) -> CopyControl {
        self.copy_control.unwrap_or(CopyControl::To)
    }

    /// Whether this recipient's URI is to be hidden: `cp:anonymize`, false when absent.
    #[must_use]
    pub fn is_anonymized(&self) -> bool {
        self.anonymize.unwrap_or(false)
    }
}

/// An `<entry-ref>`: a reference to an entry in the XCAP tree (RFC 4826 §3.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryRef {
    /// The `ref` attribute (required): a relative XCAP URI, as written.
    pub reference: Text,
    /// `<display-name>`.
    pub display_name: Option<DisplayName>,
}

/// An `<external>`: a reference to a list elsewhere (RFC 4826 §3.2.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct External {
    /// The `anchor` attribute (an absolute HTTP URI; optional in the schema), as written.
    pub anchor: Option<Text>,
    /// `<display-name>`.
    pub display_name: Option<DisplayName>,
}

/// A reference the document holds and this crate does not resolve (RFC 4826 §3.2.2,
/// §3.2.3); see [`ResourceLists::references`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reference<'a> {
    /// An `<entry-ref>`.
    EntryRef(&'a EntryRef),
    /// An `<external>`.
    External(&'a External),
}

impl ResourceLists {
    /// A document with one unnamed list holding an entry per URI, in order (the shape
    /// RFC 5366 §4 and the OMA ad-hoc INVITE use).
    ///
    /// ```
    /// use simpleim_focus::resource_lists::ResourceLists;
    /// let doc = ResourceLists::from_uris(["sip:bill@example.com", "sip:joe@example.org"]);
    /// assert_eq!(doc.entries().count(), 2);
    /// ```
    #[must_use]
    pub fn from_uris<I>(uris: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Text>,
    {
        Self::from_entries(uris.into_iter().map(Entry::new))
    }

    /// A document with one unnamed list holding `entries`, in order.
    #[must_use]
    pub fn from_entries(entries: impl IntoIterator<Item = Entry>) -> Self {
        Self {
            lists: vec![List {
                name: None,
                display_name: None,
                items: entries.into_iter().map(ListItem::Entry).collect(),
            }],
        }
    }

    /// Every item of every list, nested lists included, depth-first in document order (a
    /// nested list comes before its own items).
    #[must_use]
    pub fn items(&self) -> Items<'_> {
        // Top-level lists are walked, never yielded; the last one sits at the bottom.
        Items {
            stack: self.lists.iter().rev().map(|l| l.items.iter()).collect(),
        }
    }

    /// Every `<entry>`, nested lists included, in document order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.items().filter_map(|i| match i {
            ListItem::Entry(e) => Some(e),
            _ => None,
        })
    }

    /// Every `<entry-ref>` and `<external>`, in document order: what a list server would
    /// have to resolve, reported as is.
    pub fn references(&self) -> impl Iterator<Item = Reference<'_>> {
        self.items().filter_map(|i| match i {
            ListItem::EntryRef(r) => Some(Reference::EntryRef(r)),
            ListItem::External(x) => Some(Reference::External(x)),
            _ => None,
        })
    }

    /// Whether any entry carries a copy-control attribute (the writer then declares the
    /// RFC 5364 namespace).
    pub(super) fn uses_copy_control(&self) -> bool {
        self.entries()
            .any(|e| e.copy_control.is_some() || e.anonymize.is_some())
    }
}

/// The iterator of [`ResourceLists::items`]: a stack of the lists being walked.
#[derive(Debug, Clone)]
pub struct Items<'a> {
    stack: Vec<core::slice::Iter<'a, ListItem>>,
}

impl<'a> Iterator for Items<'a> {
    type Item = &'a ListItem;

    fn next(&mut self) -> Option<&'a ListItem> {
        loop {
            let top = self.stack.last_mut()?;
            match top.next() {
                Some(item) => {
                    if let ListItem::List(nested) = item {
                        self.stack.push(nested.items.iter());
                    }
                    return Some(item);
                }
                None => {
                    self.stack.pop();
                }
            }
        }
    }
}
