//! Output helpers shared by the XML documents: the declaration, tags and escaped leaf elements.

use super::is_xml_char;

/// The XML declaration every document we write starts with.
pub(super) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Appends `text` escaped for element content. `\r` becomes `&#xD;` so that it survives the
/// reader's line-end normalization (XML 1.0 §2.11); a character XML 1.0 cannot carry at all
/// (e.g. NUL) becomes U+FFFD, since no escape exists for it.
pub(super) fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
}

/// Appends `<name>text</name>` on its own line at `indent` levels of two spaces.
pub(super) fn push_leaf(out: &mut String, indent: usize, name: &str, text: &str) {
    push_indent(out, indent);
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_text(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

/// Appends a tag on its own line at `indent` levels: `<`, the `parts` joined, `>` — so
/// `["status"]` opens `<status>`, `["/status"]` closes it and `["delivered", "/"]` is empty.
pub(super) fn push_tag(out: &mut String, indent: usize, parts: &[&str]) {
    push_indent(out, indent);
    out.push('<');
    for part in parts {
        out.push_str(part);
    }
    out.push_str(">\n");
}

/// Appends `indent` levels of two-space indentation.
fn push_indent(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}
