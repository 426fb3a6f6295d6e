//! Writing a [`ConferenceInfo`] document: schema order, two-space indentation, every text and
//! attribute value escaped.

use std::fmt::Write as _;

use super::CONFERENCE_INFO_NAMESPACE;
use super::model::{
    ConferenceDescription, ConferenceInfo, ConferenceStateElement, ElementState, Endpoint, Media,
    UriEntry, User, Users,
};

/// How the OMA `yourown` marker is written on the subscriber's own `<user>` (ALIAS-4).
///
/// Seed 000 §7.2.3.2 names a "`yourown` attribute extension with the value `true`" and points
/// to an Appendix M that the seeds do not include, so its namespace (if any) is not known here.
/// RFC 4575's schema admits extension attributes only from other namespaces
/// (`anyAttribute namespace="##other"`): the unqualified form is what the seed's words say but
/// does not validate against the schema; the namespaced form validates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum YourOwnForm {
    /// `yourown="true"`, no namespace (the default: the seed's literal form).
    #[default]
    Unqualified,
    /// `prefix:yourown="true"`, with `xmlns:prefix="namespace"` declared on the root.
    Namespaced {
        /// The prefix to use (an XML NCName, not `xml` or `xmlns`).
        prefix: String,
        /// The namespace URI.
        namespace: String,
    },
}

/// Options for [`ConferenceInfo::to_xml_with`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct WriteOptions {
    /// How `yourown` is written.
    pub yourown: YourOwnForm,
}

impl WriteOptions {
    /// These options with `yourown` written as `form`.
    #[must_use]
    pub fn with_yourown(mut self, form: YourOwnForm) -> Self {
        self.yourown = form;
        self
    }
}

impl ConferenceInfo {
    /// The document as XML, with the default [`WriteOptions`].
    #[must_use]
    pub fn to_xml(&self) -> String {
        self.to_xml_with(&WriteOptions::default())
    }

    /// The document as XML. Text that XML 1.0 cannot carry at all (e.g. NUL) is written as
    /// U+FFFD; everything else round-trips through [`ConferenceInfo::parse`].
    #[must_use]
    pub fn to_xml_with(&self, options: &WriteOptions) -> String {
        let mut w = Writer {
            out: String::with_capacity(512),
            options,
        };
        w.document(self);
        w.out
    }
}

struct Writer<'o> {
    out: String,
    options: &'o WriteOptions,
}

impl Writer<'_> {
    fn document(&mut self, doc: &ConferenceInfo) {
        self.out
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<conference-info xmlns=\"");
        self.out.push_str(CONFERENCE_INFO_NAMESPACE);
        self.out.push('"');
        if let YourOwnForm::Namespaced { prefix, namespace } = &self.options.yourown {
            let needed = doc
                .users
                .as_ref()
                .is_some_and(|u| u.users.iter().any(|u| u.yourown));
            if needed {
                self.out.push_str(" xmlns:");
                self.out.push_str(prefix);
                self.attr_value(namespace);
            }
        }
        self.attr("entity", &doc.entity);
        self.attr("state", doc.state.as_str());
        if let Some(v) = doc.version {
            let _ = write!(self.out, " version=\"{v}\"");
        }
        self.out.push_str(">\n");
        if let Some(d) = &doc.description {
            self.description(d);
        }
        if let Some(s) = &doc.conference_state {
            self.conference_state(s);
        }
        if let Some(u) = &doc.users {
            self.users(u);
        }
        self.out.push_str("</conference-info>\n");
    }

    fn description(&mut self, d: &ConferenceDescription) {
        self.open(1, "conference-description");
        self.opt_leaf(2, "display-text", d.display_text.as_deref());
        self.opt_leaf(2, "subject", d.subject.as_deref());
        self.opt_leaf(2, "free-text", d.free_text.as_deref());
        self.uris(2, "conf-uris", &d.conf_uris);
        self.uris(2, "service-uris", &d.service_uris);
        if let Some(n) = d.maximum_user_count {
            self.leaf(2, "maximum-user-count", &n.to_string());
        }
        self.close(1, "conference-description");
    }

    fn uris(&mut self, indent: usize, name: &str, entries: &[UriEntry]) {
        // `uris-type` needs at least one entry: an empty list is left out.
        if entries.is_empty() {
            return;
        }
        self.open(indent, name);
        for e in entries {
            self.open(indent + 1, "entry");
            self.leaf(indent + 2, "uri", &e.uri);
            self.opt_leaf(indent + 2, "display-text", e.display_text.as_deref());
            self.opt_leaf(indent + 2, "purpose", e.purpose.as_deref());
            self.close(indent + 1, "entry");
        }
        self.close(indent, name);
    }

    fn conference_state(&mut self, s: &ConferenceStateElement) {
        self.open(1, "conference-state");
        if let Some(n) = s.user_count {
            self.leaf(2, "user-count", &n.to_string());
        }
        if let Some(b) = s.active {
            self.leaf(2, "active", if b { "true" } else { "false" });
        }
        if let Some(b) = s.locked {
            self.leaf(2, "locked", if b { "true" } else { "false" });
        }
        self.close(1, "conference-state");
    }

    fn users(&mut self, users: &Users) {
        self.indent(1);
        self.out.push_str("<users");
        self.state_attr(users.state);
        if users.users.is_empty() {
            self.out.push_str("/>\n");
            return;
        }
        self.out.push_str(">\n");
        for u in &users.users {
            self.user(u);
        }
        self.close(1, "users");
    }

    fn user(&mut self, u: &User) {
        self.indent(2);
        self.out.push_str("<user");
        if let Some(e) = &u.entity {
            self.attr("entity", e);
        }
        self.attr("state", u.state.as_str());
        if u.yourown {
            match &self.options.yourown {
                YourOwnForm::Unqualified => self.out.push_str(" yourown=\"true\""),
                YourOwnForm::Namespaced { prefix, .. } => {
                    self.out.push(' ');
                    self.out.push_str(prefix);
                    self.out.push_str(":yourown=\"true\"");
                }
            }
        }
        let empty = u.display_text.is_none() && u.roles.is_empty() && u.endpoints.is_empty();
        if empty {
            self.out.push_str("/>\n");
            return;
        }
        self.out.push_str(">\n");
        self.opt_leaf(3, "display-text", u.display_text.as_deref());
        if !u.roles.is_empty() {
            self.open(3, "roles");
            for r in &u.roles {
                self.leaf(4, "entry", r);
            }
            self.close(3, "roles");
        }
        for e in &u.endpoints {
            self.endpoint(e);
        }
        self.close(2, "user");
    }

    fn endpoint(&mut self, e: &Endpoint) {
        self.indent(3);
        self.out.push_str("<endpoint");
        if let Some(entity) = &e.entity {
            self.attr("entity", entity);
        }
        self.attr("state", e.state.as_str());
        self.out.push_str(">\n");
        self.opt_leaf(4, "display-text", e.display_text.as_deref());
        self.opt_leaf(4, "status", e.status.map(|s| s.as_str()));
        self.opt_leaf(4, "joining-method", e.joining_method.map(|m| m.as_str()));
        self.opt_leaf(
            4,
            "disconnection-method",
            e.disconnection_method.map(|m| m.as_str()),
        );
        for m in &e.media {
            self.media(m);
        }
        self.close(3, "endpoint");
    }

    fn media(&mut self, m: &Media) {
        self.indent(4);
        self.out.push_str("<media");
        self.attr("id", &m.id);
        self.out.push_str(">\n");
        self.opt_leaf(5, "display-text", m.display_text.as_deref());
        self.opt_leaf(5, "type", m.media_type.as_deref());
        self.opt_leaf(5, "label", m.label.as_deref());
        self.opt_leaf(5, "src-id", m.src_id.as_deref());
        self.opt_leaf(5, "status", m.status.map(|s| s.as_str()));
        self.close(4, "media");
    }

    fn state_attr(&mut self, state: ElementState) {
        self.attr("state", state.as_str());
    }

    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, indent: usize, name: &str) {
        self.indent(indent);
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn close(&mut self, indent: usize, name: &str) {
        self.indent(indent);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn leaf(&mut self, indent: usize, name: &str, text: &str) {
        self.indent(indent);
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        push_escaped(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn opt_leaf(&mut self, indent: usize, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf(indent, name, t);
        }
    }

    fn attr(&mut self, name: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.attr_value(value);
    }

    fn attr_value(&mut self, value: &str) {
        self.out.push_str("=\"");
        push_escaped(&mut self.out, value, true);
        self.out.push('"');
    }
}

/// XML 1.0 §2.2 `Char`.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Escapes `text` for element content or (with `attribute`) a double-quoted attribute value.
/// `\r` is always a character reference so that line-end normalization (XML 1.0 §2.11) keeps
/// it; in attributes `\t` and `\n` are too, so that attribute-value normalization (§3.3.3)
/// keeps them. A character XML cannot carry becomes U+FFFD.
fn push_escaped(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            '\n' if attribute => out.push_str("&#xA;"),
            '\t' if attribute => out.push_str("&#x9;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        let mut s = String::new();
        push_escaped(&mut s, "a<b>&\"c\"\r\n\t\0", true);
        assert_eq!(s, "a&lt;b&gt;&amp;&quot;c&quot;&#xD;&#xA;&#x9;\u{FFFD}");
        let mut s = String::new();
        push_escaped(&mut s, "\"x\"\n", false);
        assert_eq!(s, "\"x\"\n");
    }
}
