//! Session transcripts as an XML document (REQ: DEF-3; seed 004 §7.4.5.3).
//!
//! The seed names IM-XDMS for the schema, which is not among the seeds: this module defines
//! its own. Should the IM-XDMS schema turn up, only this file changes.
//!
//! The schema is documented in the [module documentation](super#transcripts).

use bytes::Bytes;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use simpleim_cpim::xml::{
    XmlElement, XmlError, XmlErrorKind, XmlLimits, XmlReader, is_xml_char, trim_xml_whitespace,
};

use super::error::{TranscriptError, TranscriptErrorKind};
use super::store::TranscriptEntry;
use super::time::Timestamp;

/// The namespace of the transcript documents of this crate.
pub const TRANSCRIPT_NAMESPACE: &str = "urn:simpleim:params:xml:ns:transcript";
/// The content type of a transcript document.
pub const TRANSCRIPT_CONTENT_TYPE: &str = "application/vnd.simpleim.transcript+xml";

/// Bounds on reading a transcript document (REQ: SEC-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TranscriptLimits {
    /// The largest input, in bytes. Default 16 MiB.
    pub max_size: usize,
    /// The most `<message>` entries. Default 10 000.
    pub max_entries: usize,
    /// The deepest nesting (the root counts 1). Default 16.
    pub max_depth: usize,
}

impl Default for TranscriptLimits {
    fn default() -> Self {
        Self {
            max_size: 16 * 1024 * 1024,
            max_entries: 10_000,
            max_depth: 16,
        }
    }
}

// --- writing -------------------------------------------------------------------------------

/// `text` escaped for element content: the markup characters, CR as a character reference,
/// characters XML forbids as U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

fn leaf<W: std::io::Write>(w: &mut Writer<W>, name: &str, text: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::from_escaped(escape(text)))?;
    Ok(())
}

fn message<W: std::io::Write>(w: &mut Writer<W>, e: &TranscriptEntry) -> std::io::Result<()> {
    leaf(w, "originator", &e.originator)?;
    leaf(w, "destination", &e.destination)?;
    leaf(w, "received", &e.received.to_rfc3339())?;
    leaf(w, "session-id", &e.session_id)?;
    leaf(w, "content-type", &e.content_type)?;
    let text = core::str::from_utf8(&e.body)
        .ok()
        .filter(|t| t.chars().all(is_xml_char));
    let body = match text {
        Some(t) => w
            .create_element("body")
            .with_attribute(("encoding", "text"))
            .write_text_content(BytesText::from_escaped(escape(t))),
        None => w
            .create_element("body")
            .with_attribute(("encoding", "base64"))
            .write_text_content(BytesText::from_escaped(base64_encode(&e.body))),
    };
    body.map(|_| ())
}

/// The transcript document for `entries`, in the order given (the schema is in the
/// [`deferred`](super#transcripts) module documentation).
///
/// ```
/// use bytes::Bytes;
/// use simpleim_focus::deferred::{Timestamp, TranscriptEntry, parse_transcript, transcript_xml};
///
/// let entries = vec![TranscriptEntry::new(
///     "sip:alice@example.com",
///     "sip:chat@conf.example.com",
///     Timestamp::from_unix_seconds(1_014_296_523),
///     "sip:chat@conf.example.com",
///     "text/plain",
///     Bytes::from_static(b"Watson, come here.\r\n"),
/// )];
/// let xml = transcript_xml(&entries);
/// assert!(xml.contains("<received>2002-02-21T13:02:03Z</received>"));
/// assert_eq!(parse_transcript(xml.as_bytes())?, entries);
/// # Ok::<(), simpleim_focus::deferred::TranscriptError>(())
/// ```
#[must_use]
pub fn transcript_xml(entries: &[TranscriptEntry]) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written = w
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|()| {
            w.create_element("transcript")
                .with_attribute(("xmlns", TRANSCRIPT_NAMESPACE))
                .write_inner_content(|w| {
                    for e in entries {
                        w.create_element("message")
                            .write_inner_content(|w| message(w, e))?;
                    }
                    Ok(())
                })
                .map(|_| ())
        });
    // Writing to a Vec cannot fail; were it to, the document would be empty.
    if written.is_err() {
        return String::new();
    }
    // Everything written is UTF-8 text.
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

// --- base64 (RFC 4648 §4) ------------------------------------------------------------------

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    let sym = |i: u32| char::from(B64.get((i & 63) as usize).copied().unwrap_or(b'A'));
    for chunk in data.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        out.push(if chunk.len() > 1 { sym(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(n) } else { '=' });
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| B64.iter().position(|&b| b == c).map(|p| p as u32);
    let symbols: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if symbols.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(symbols.len() / 4 * 3);
    let quads = symbols.len() / 4;
    for (i, quad) in symbols.chunks(4).enumerate() {
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && i + 1 != quads) {
            return None;
        }
        let mut n = 0u32;
        for (j, &c) in quad.iter().enumerate() {
            let v = if j >= 4 - pad { 0 } else { value(c)? };
            n = (n << 6) | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(bytes.get(..3 - pad).unwrap_or_default());
    }
    Some(out)
}

// --- reading -------------------------------------------------------------------------------

/// Reads a transcript document with the default [`TranscriptLimits`].
///
/// # Errors
/// A [`TranscriptError`] with its kind and byte offset.
pub fn parse_transcript(input: &[u8]) -> Result<Vec<TranscriptEntry>, TranscriptError> {
    parse_transcript_with(input, TranscriptLimits::default())
}

/// Reads a transcript document within `limits`, with the shared bounded reader
/// ([`XmlReader`]: no DTD, no unknown entities, XML 1.0 characters only).
///
/// # Errors
/// A [`TranscriptError`] with its kind and byte offset.
pub fn parse_transcript_with(
    input: &[u8],
    limits: TranscriptLimits,
) -> Result<Vec<TranscriptEntry>, TranscriptError> {
    let mut xml = XmlLimits::default();
    xml.max_size = limits.max_size;
    xml.max_depth = limits.max_depth;
    // Entries are bounded instead (`max_entries`); the size bounds the rest.
    xml.max_elements = usize::MAX;
    let mut r = XmlReader::new(input, &[TRANSCRIPT_NAMESPACE], &xml)?;
    let root = r.root()?;
    if !root.is(TRANSCRIPT_NAMESPACE, "transcript") {
        return Err(TranscriptError::new(
            TranscriptErrorKind::Root,
            root.offset(),
        ));
    }
    let mut entries = Vec::new();
    while let Some(child) = r.child(&root)? {
        if !child.is(TRANSCRIPT_NAMESPACE, "message") {
            r.skip(&child)?;
            continue;
        }
        if entries.len() >= limits.max_entries {
            return Err(TranscriptError::new(
                TranscriptErrorKind::Limit,
                child.offset(),
            ));
        }
        entries.push(entry(&mut r, &child)?);
    }
    r.finish()?;
    Ok(entries)
}

/// The reader's failures in transcript terms: every bound is [`TranscriptErrorKind::Limit`],
/// text where only elements may be and an element inside a leaf are
/// [`TranscriptErrorKind::Value`], the rest (a non-UTF-8 declaration included)
/// [`TranscriptErrorKind::Xml`]. The offset is kept.
impl From<XmlError> for TranscriptError {
    fn from(error: XmlError) -> Self {
        let kind = match error.kind {
            XmlErrorKind::TooLarge | XmlErrorKind::TooDeep | XmlErrorKind::TooManyElements => {
                TranscriptErrorKind::Limit
            }
            XmlErrorKind::UnexpectedText | XmlErrorKind::UnexpectedElement => {
                TranscriptErrorKind::Value
            }
            // Malformed, Encoding, and kinds the reader may add later.
            _ => TranscriptErrorKind::Xml,
        };
        Self::new(kind, error.offset)
    }
}

fn entry(
    r: &mut XmlReader<'_>,
    message: &XmlElement<'_>,
) -> Result<TranscriptEntry, TranscriptError> {
    let missing =
        |e: &XmlElement<'_>| TranscriptError::new(TranscriptErrorKind::Missing, e.offset());
    let value = |e: &XmlElement<'_>| TranscriptError::new(TranscriptErrorKind::Value, e.offset());
    let mut fields: [Option<String>; 5] = Default::default();
    let mut body = None;
    while let Some(child) = r.child(message)? {
        let slot = match child.name_in(TRANSCRIPT_NAMESPACE) {
            Some(b"originator") => 0,
            Some(b"destination") => 1,
            Some(b"received") => 2,
            Some(b"session-id") => 3,
            Some(b"content-type") => 4,
            Some(b"body") => {
                let text = r.text(&child)?.into_owned();
                if body.is_some() {
                    return Err(missing(&child));
                }
                // `str::trim`, not XML white space: what this parser has always accepted.
                body = Some(match child.attribute("encoding").map(str::trim) {
                    None | Some("text") => Bytes::from(text),
                    Some("base64") => Bytes::from(base64_decode(&text).ok_or(value(&child))?),
                    Some(_) => return Err(value(&child)),
                });
                continue;
            }
            _ => {
                r.skip(&child)?;
                continue;
            }
        };
        let text = r.text(&child)?.into_owned();
        let field = fields.get_mut(slot).ok_or(value(&child))?;
        if field.is_some() {
            return Err(missing(&child));
        }
        *field = Some(text);
    }
    let [originator, destination, received, session_id, content_type] = fields;
    let take = |f: Option<String>| f.ok_or(missing(message));
    let received = take(received)?;
    let received =
        Timestamp::parse_rfc3339(trim_xml_whitespace(&received)).ok_or(value(message))?;
    Ok(TranscriptEntry {
        originator: take(originator)?,
        destination: take(destination)?,
        received,
        session_id: take(session_id)?,
        content_type: take(content_type)?,
        body: body.ok_or(missing(message))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for n in 0..10 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 + 200) as u8).collect();
            let text = base64_encode(&data);
            assert_eq!(base64_decode(&text), Some(data));
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_decode("Zm9v\nYmE="), Some(b"fooba".to_vec()));
        assert_eq!(base64_decode("Zm8"), None);
        assert_eq!(base64_decode("Zm==Zm9v"), None);
        assert_eq!(base64_decode("Z!9v"), None);
    }

    #[test]
    fn refuses_what_it_must() {
        let kind = |s: &str| parse_transcript(s.as_bytes()).map_err(|e| e.kind);
        assert_eq!(kind("<x/>"), Err(TranscriptErrorKind::Root));
        assert_eq!(
            kind("<!DOCTYPE t [<!ENTITY a 'b'>]><transcript/>"),
            Err(TranscriptErrorKind::Xml)
        );
        assert_eq!(
            kind(&format!(
                "<transcript xmlns='{TRANSCRIPT_NAMESPACE}'><message/></transcript>"
            )),
            Err(TranscriptErrorKind::Missing)
        );
        assert_eq!(
            kind(&format!("<transcript xmlns='{TRANSCRIPT_NAMESPACE}'/>")),
            Ok(Vec::new())
        );
    }
}
