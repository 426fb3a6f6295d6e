//! `application/pidf+xml`: the Presence Information Data Format (RFC 3863), with the OMA
//! presence extensions the IM presence elements use (seed 004 App. F; REQ: PRES-1).
//!
//! The OMA IM elements are two tuples whose `<op:service-description>` names the IM service
//! (`<op:service-id>org.openmobilealliance:IM</op:service-id>`, `<op:version>1.0</op:version>`):
//!
//! - **Availability for IM** (seed 004 §8.4.1): `<status><basic>open|closed</basic></status>`,
//!   published by the IM server on registration (open) and de-registration (closed);
//! - **Willingness for IM** (§8.4.2): `<status><op:willingness><op:basic>open|closed
//!   </op:basic></op:willingness></status>`, published by the client.
//!
//! The seed's willingness sketch names the service `org.openmobilealliance:IM-session`, while
//! its registration (§8.7) and REQ: PRES-1 name only `org.openmobilealliance:IM`: the builders
//! write [`OMA_IM_SERVICE_ID`], the readers ([`Tuple::is_oma_im`]) accept both.

use super::write::{DECLARATION, push_leaf, push_tag, push_text};
use super::{XmlElement, XmlLimits, XmlReader, set_once, trim_xml_whitespace};
use crate::{ErrorKind, ParseError, Result};

/// The PIDF namespace (RFC 3863 §4.4).
pub const PIDF_NAMESPACE: &str = "urn:ietf:params:xml:ns:pidf";

/// The OMA presence extensions' namespace (OMA Presence SIMPLE, `op:` by convention).
pub const OMA_PRES_NAMESPACE: &str = "urn:oma:xml:prs:pidf:oma-pres";

/// The media type of a PIDF document (RFC 3863 §4.1).
pub const PIDF_CONTENT_TYPE: &str = "application/pidf+xml";

/// The `<service-id>` of OMA IM (seed 004 §8.7).
pub const OMA_IM_SERVICE_ID: &str = "org.openmobilealliance:IM";

/// The `<service-id>` the seed's willingness sketch uses (seed 004 §8.4.2), read as OMA IM.
pub const OMA_IM_SESSION_SERVICE_ID: &str = "org.openmobilealliance:IM-session";

/// The `<version>` of OMA IM (seed 004 §8.7).
pub const OMA_IM_VERSION: &str = "1.0";

/// A PIDF `<presence>` document: the presentity and its tuples (RFC 3863 §4.1).
///
/// ```
/// # use simpleim_cpim::xml::{Basic, Presence};
/// let doc = Presence::availability("pres:alice@example.com", "im-a1", Basic::Open);
/// let xml = doc.to_xml();
/// assert!(xml.contains("<op:service-id>org.openmobilealliance:IM</op:service-id>"));
/// let back = Presence::parse(xml.as_bytes())?;
/// assert_eq!(back, doc);
/// assert_eq!(back.im_availability(), Some(Basic::Open));
/// # Ok::<(), simpleim_cpim::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Presence {
    /// The `entity` attribute: the presentity's URI (`pres:` or `sip:`).
    pub entity: String,
    /// The `<tuple>` elements, in document order.
    pub tuples: Vec<Tuple>,
    /// The `<note>` elements of the presence itself.
    pub notes: Vec<String>,
}

/// A `<tuple>`: one segment of presence information (RFC 3863 §4.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tuple {
    /// The `id` attribute (an `xs:ID`: unique in the document).
    pub id: String,
    /// `<status><basic>`: availability.
    pub basic: Option<Basic>,
    /// `<status><op:willingness><op:basic>`: willingness (OMA).
    pub willingness: Option<Basic>,
    /// `<op:service-description>` (OMA): the service the tuple is about.
    pub service: Option<ServiceDescription>,
    /// `<contact>`: a URI to reach the service.
    pub contact: Option<String>,
    /// `<note>` elements.
    pub notes: Vec<String>,
    /// `<timestamp>`, as the caller's date-time text (never a clock reading of ours).
    pub timestamp: Option<String>,
}

/// `<basic>`: `open` or `closed` (RFC 3863 §4.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basic {
    /// `open`: available (or willing).
    Open,
    /// `closed`: not available (or not willing).
    Closed,
}

impl Basic {
    /// The value's text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    /// `Open` for `true`.
    #[must_use]
    pub const fn from_bool(open: bool) -> Self {
        if open { Self::Open } else { Self::Closed }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(Self::Open),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// `<op:service-description>`: `<op:service-id>` and `<op:version>` (OMA Presence SIMPLE).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceDescription {
    /// `<op:service-id>`.
    pub service_id: String,
    /// `<op:version>`.
    pub version: String,
}

impl ServiceDescription {
    /// OMA IM, version 1.0 (seed 004 §8.7).
    #[must_use]
    pub fn oma_im() -> Self {
        Self {
            service_id: OMA_IM_SERVICE_ID.to_owned(),
            version: OMA_IM_VERSION.to_owned(),
        }
    }
}

impl Tuple {
    /// A tuple with only its id.
    #[must_use]
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            basic: None,
            willingness: None,
            service: None,
            contact: None,
            notes: Vec::new(),
            timestamp: None,
        }
    }

    /// Whether the tuple is about OMA IM: its service-id is [`OMA_IM_SERVICE_ID`] (or the
    /// seed's [`OMA_IM_SESSION_SERVICE_ID`]).
    #[must_use]
    pub fn is_oma_im(&self) -> bool {
        self.service.as_ref().is_some_and(|s| {
            s.service_id == OMA_IM_SERVICE_ID || s.service_id == OMA_IM_SESSION_SERVICE_ID
        })
    }
}

impl Presence {
    /// A document for `entity` without tuples.
    #[must_use]
    pub fn new(entity: &str) -> Self {
        Self {
            entity: entity.to_owned(),
            tuples: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// "Availability for IM" (seed 004 §8.4.1, §8.5.1.1): one OMA IM tuple with
    /// `<status><basic>`.
    #[must_use]
    pub fn availability(entity: &str, tuple_id: &str, basic: Basic) -> Self {
        let mut tuple = Tuple::new(tuple_id);
        tuple.basic = Some(basic);
        tuple.service = Some(ServiceDescription::oma_im());
        Self {
            tuples: vec![tuple],
            ..Self::new(entity)
        }
    }

    /// "Willingness for IM" (seed 004 §8.4.2, §8.6.1.1): one OMA IM tuple with
    /// `<status><op:willingness><op:basic>`.
    #[must_use]
    pub fn willingness(entity: &str, tuple_id: &str, willing: Basic) -> Self {
        let mut tuple = Tuple::new(tuple_id);
        tuple.willingness = Some(willing);
        tuple.service = Some(ServiceDescription::oma_im());
        Self {
            tuples: vec![tuple],
            ..Self::new(entity)
        }
    }

    /// The availability of the first OMA IM tuple that has a `<basic>` status.
    #[must_use]
    pub fn im_availability(&self) -> Option<Basic> {
        self.tuples
            .iter()
            .filter(|t| t.is_oma_im())
            .find_map(|t| t.basic)
    }

    /// The willingness of the first OMA IM tuple that has one.
    #[must_use]
    pub fn im_willingness(&self) -> Option<Basic> {
        self.tuples
            .iter()
            .filter(|t| t.is_oma_im())
            .find_map(|t| t.willingness)
    }

    /// Parses a PIDF document with the default [`XmlLimits`].
    ///
    /// # Errors
    /// A located [`ParseError`]; see [the module doc](crate::xml) for the kinds.
    pub fn parse(input: &[u8]) -> Result<Self> {
        Self::parse_with_limits(input, &XmlLimits::default())
    }

    /// Parses a PIDF document within `limits`. Elements in other namespaces (RFC 3863's
    /// `##other`) are skipped, and so are OMA elements other than the ones modelled here; an
    /// unknown element in the PIDF namespace is an error.
    ///
    /// # Errors
    /// A located [`ParseError`]; see [the module doc](crate::xml) for the kinds.
    pub fn parse_with_limits(input: &[u8], limits: &XmlLimits) -> Result<Self> {
        let mut reader = XmlReader::new(input, &[PIDF_NAMESPACE, OMA_PRES_NAMESPACE], limits)?;
        let root = reader.root()?;
        if !root.is(PIDF_NAMESPACE, "presence") {
            return Err(element_error(&root));
        }
        let entity = root
            .attribute("entity")
            .map(|e| trim_xml_whitespace(e).to_owned())
            .filter(|e| !e.is_empty())
            .ok_or_else(|| element_error(&root))?;
        let mut doc = Self::new(&entity);
        while let Some(child) = reader.known_child(&root)? {
            match child.name_in(PIDF_NAMESPACE) {
                Some(b"tuple") => {
                    let tuple = parse_tuple(&mut reader, &child)?;
                    if doc.tuples.iter().any(|t| t.id == tuple.id) {
                        // `id` is an xs:ID: unique in the document.
                        return Err(ParseError::new(ErrorKind::XmlValue, child.offset()));
                    }
                    doc.tuples.push(tuple);
                }
                Some(b"note") => doc.notes.push(reader.text(&child)?.into_owned()),
                Some(_) => return Err(element_error(&child)),
                None => reader.skip(&child)?,
            }
        }
        reader.finish()?;
        Ok(doc)
    }

    /// The document as XML text, starting with the XML declaration. The OMA namespace is
    /// declared (prefix `op`) only when a tuple uses it. The element order is the RFC 3863
    /// schema's: `<status>`, extensions, `<contact>`, `<note>`s, `<timestamp>`.
    #[must_use]
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(384);
        out.push_str(DECLARATION);
        out.push_str("<presence xmlns=\"");
        out.push_str(PIDF_NAMESPACE);
        out.push('"');
        let oma = self
            .tuples
            .iter()
            .any(|t| t.willingness.is_some() || t.service.is_some());
        if oma {
            out.push_str(" xmlns:op=\"");
            out.push_str(OMA_PRES_NAMESPACE);
            out.push('"');
        }
        out.push_str(" entity=\"");
        push_attribute(&mut out, &self.entity);
        out.push_str("\">\n");
        for tuple in &self.tuples {
            write_tuple(&mut out, tuple);
        }
        for note in &self.notes {
            push_leaf(&mut out, 1, "note", note);
        }
        out.push_str("</presence>\n");
        out
    }

    /// Appends [`Presence::to_xml`]'s bytes to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_xml().as_bytes());
    }
}

fn element_error(element: &XmlElement<'_>) -> ParseError {
    ParseError::new(ErrorKind::XmlElement, element.offset())
}

fn parse_tuple(reader: &mut XmlReader<'_>, element: &XmlElement<'_>) -> Result<Tuple> {
    let id = element
        .attribute("id")
        .map(|i| trim_xml_whitespace(i).to_owned())
        .filter(|i| !i.is_empty())
        .ok_or_else(|| element_error(element))?;
    let mut tuple = Tuple::new(&id);
    let mut status_seen = false;
    let mut contact = None;
    let mut timestamp = None;
    let mut service = None;
    while let Some(child) = reader.known_child(element)? {
        if child.is(OMA_PRES_NAMESPACE, "service-description") {
            let value = parse_service(reader, &child)?;
            set_once(&mut service, value, &child)?;
            continue;
        }
        match child.name_in(PIDF_NAMESPACE) {
            Some(b"status") => {
                if status_seen {
                    return Err(element_error(&child));
                }
                status_seen = true;
                parse_status(reader, &child, &mut tuple)?;
            }
            Some(b"contact") => {
                let value = trim_xml_whitespace(&reader.text(&child)?).to_owned();
                set_once(&mut contact, value, &child)?;
            }
            Some(b"note") => tuple.notes.push(reader.text(&child)?.into_owned()),
            Some(b"timestamp") => {
                let value = trim_xml_whitespace(&reader.text(&child)?).to_owned();
                set_once(&mut timestamp, value, &child)?;
            }
            Some(_) => return Err(element_error(&child)),
            // Other OMA elements (session-participation, registration-state, ...).
            None => reader.skip(&child)?,
        }
    }
    if !status_seen {
        // `<status>` is required (RFC 3863 §4.1.3).
        return Err(element_error(element));
    }
    tuple.contact = contact;
    tuple.timestamp = timestamp;
    tuple.service = service;
    Ok(tuple)
}

fn parse_status(
    reader: &mut XmlReader<'_>,
    element: &XmlElement<'_>,
    tuple: &mut Tuple,
) -> Result<()> {
    let mut basic = None;
    let mut willingness = None;
    while let Some(child) = reader.known_child(element)? {
        if child.is(PIDF_NAMESPACE, "basic") {
            set_once(&mut basic, parse_basic(reader, &child)?, &child)?;
        } else if child.is(OMA_PRES_NAMESPACE, "willingness") {
            let mut inner = None;
            while let Some(b) = reader.known_child(&child)? {
                if b.is(OMA_PRES_NAMESPACE, "basic") {
                    set_once(&mut inner, parse_basic(reader, &b)?, &b)?;
                } else {
                    reader.skip(&b)?;
                }
            }
            let inner = inner.ok_or_else(|| element_error(&child))?;
            set_once(&mut willingness, inner, &child)?;
        } else if child.name_in(PIDF_NAMESPACE).is_some() {
            return Err(element_error(&child));
        } else {
            reader.skip(&child)?;
        }
    }
    tuple.basic = basic;
    tuple.willingness = willingness;
    Ok(())
}

fn parse_basic(reader: &mut XmlReader<'_>, element: &XmlElement<'_>) -> Result<Basic> {
    Basic::parse(trim_xml_whitespace(&reader.text(element)?))
        .ok_or_else(|| ParseError::new(ErrorKind::XmlValue, element.offset()))
}

fn parse_service(
    reader: &mut XmlReader<'_>,
    element: &XmlElement<'_>,
) -> Result<ServiceDescription> {
    let mut service_id = None;
    let mut version = None;
    while let Some(child) = reader.known_child(element)? {
        match child.name_in(OMA_PRES_NAMESPACE) {
            Some(b"service-id") => {
                let value = trim_xml_whitespace(&reader.text(&child)?).to_owned();
                set_once(&mut service_id, value, &child)?;
            }
            Some(b"version") => {
                let value = trim_xml_whitespace(&reader.text(&child)?).to_owned();
                set_once(&mut version, value, &child)?;
            }
            _ => reader.skip(&child)?,
        }
    }
    Ok(ServiceDescription {
        service_id: service_id.ok_or_else(|| element_error(element))?,
        version: version.unwrap_or_default(),
    })
}

fn write_tuple(out: &mut String, tuple: &Tuple) {
    out.push_str("  <tuple id=\"");
    push_attribute(out, &tuple.id);
    out.push_str("\">\n");
    push_tag(out, 2, &["status"]);
    if let Some(basic) = tuple.basic {
        push_leaf(out, 3, "basic", basic.as_str());
    }
    if let Some(willing) = tuple.willingness {
        push_tag(out, 3, &["op:willingness"]);
        push_leaf(out, 4, "op:basic", willing.as_str());
        push_tag(out, 3, &["/op:willingness"]);
    }
    push_tag(out, 2, &["/status"]);
    if let Some(service) = &tuple.service {
        push_tag(out, 2, &["op:service-description"]);
        push_leaf(out, 3, "op:service-id", &service.service_id);
        push_leaf(out, 3, "op:version", &service.version);
        push_tag(out, 2, &["/op:service-description"]);
    }
    if let Some(contact) = &tuple.contact {
        push_leaf(out, 2, "contact", contact);
    }
    for note in &tuple.notes {
        push_leaf(out, 2, "note", note);
    }
    if let Some(timestamp) = &tuple.timestamp {
        push_leaf(out, 2, "timestamp", timestamp);
    }
    out.push_str("  </tuple>\n");
}

/// Appends `text` escaped for a double-quoted attribute value.
fn push_attribute(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            c => {
                let mut buf = [0u8; 4];
                push_text(out, c.encode_utf8(&mut buf));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_and_willingness_round_trip() {
        // REQ: PRES-1
        for basic in [Basic::Open, Basic::Closed] {
            let a = Presence::availability("sip:alice@example.com", "a\"1&", basic);
            assert_eq!(Presence::parse(a.to_xml().as_bytes()), Ok(a.clone()));
            assert_eq!(a.im_availability(), Some(basic));
            assert_eq!(a.im_willingness(), None);
            let w = Presence::willingness("sip:alice@example.com", "w1", basic);
            assert_eq!(Presence::parse(w.to_xml().as_bytes()), Ok(w.clone()));
            assert_eq!(w.im_willingness(), Some(basic));
        }
    }

    #[test]
    fn reads_prefixed_documents_and_skips_extensions() {
        let xml = br#"<?xml version="1.0"?>
<p:presence xmlns:p="urn:ietf:params:xml:ns:pidf" xmlns:o="urn:oma:xml:prs:pidf:oma-pres"
    xmlns:x="urn:example" entity="pres:bob@example.com">
  <p:tuple id="t1">
    <p:status><o:willingness><o:basic>closed</o:basic></o:willingness><x:mood/></p:status>
    <x:ext><x:deep/></x:ext>
    <o:service-description>
      <o:service-id>org.openmobilealliance:IM-session</o:service-id>
      <o:version>1.0</o:version>
    </o:service-description>
    <o:session-participation><o:basic>open</o:basic></o:session-participation>
    <p:contact priority="0.5">sip:bob@pc.example.com</p:contact>
    <p:note>away</p:note>
    <p:timestamp>2026-11-21T13:00:00Z</p:timestamp>
  </p:tuple>
  <p:note>hi</p:note>
</p:presence>"#;
        let doc = Presence::parse(xml).unwrap();
        assert_eq!(doc.entity, "pres:bob@example.com");
        assert_eq!(doc.im_willingness(), Some(Basic::Closed));
        let t = &doc.tuples[0];
        assert!(t.is_oma_im());
        assert_eq!(t.contact.as_deref(), Some("sip:bob@pc.example.com"));
        assert_eq!(t.notes, ["away"]);
        assert_eq!(doc.notes, ["hi"]);
    }

    #[test]
    fn refuses_what_the_schema_does_not_allow() {
        let cases: [&[u8]; 6] = [
            b"<presence xmlns='urn:ietf:params:xml:ns:pidf'/>",
            b"<presence xmlns='urn:ietf:params:xml:ns:pidf' entity='a'><tuple/></presence>",
            b"<presence xmlns='urn:ietf:params:xml:ns:pidf' entity='a'><tuple id='x'/></presence>",
            b"<presence xmlns='urn:ietf:params:xml:ns:pidf' entity='a'><tuple id='x'><status>\
              <basic>maybe</basic></status></tuple></presence>",
            b"<presence xmlns='urn:ietf:params:xml:ns:pidf' entity='a'><tuple id='x'><status/>\
              </tuple><tuple id='x'><status/></tuple></presence>",
            b"<presence xmlns='urn:other' entity='a'/>",
        ];
        for case in cases {
            assert!(
                Presence::parse(case).is_err(),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
    }
}
