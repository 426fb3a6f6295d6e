//! `message/imdn+xml`: the Instant Message Disposition Notification document (RFC 5438 §7).

use super::write::{DECLARATION, push_leaf, push_tag};
use super::{XmlElement, XmlLimits, XmlReader, is_xml_whitespace, set_once, trim_xml_whitespace};
use crate::{ErrorKind, ParseError, Result};

/// The IMDN XML namespace (RFC 5438 §7.1, §13.2).
pub const IMDN_NAMESPACE: &str = "urn:ietf:params:xml:ns:imdn";

/// The media type of an IMDN document (RFC 5438 §13.1).
pub const IMDN_CONTENT_TYPE: &str = "message/imdn+xml";

/// An IMDN document: which message it is about, when, for whom, and what happened to it.
///
/// The element names are those of the RFC 5438 §7.1 schema: `<imdn>` holds `<message-id>`,
/// `<datetime>`, optionally `<recipient-uri>`, `<original-recipient-uri>` and `<subject>`, and
/// at most one of `<delivery-notification>`, `<display-notification>` and
/// `<processing-notification>`.
///
/// The schema puts `<recipient-uri>` and `<original-recipient-uri>` in one optional group (both
/// or neither), with `<subject>` allowed only inside it; the parser accepts each on its own, and
/// [`ImdnDocument::to_xml`] writes the fields that are set, in schema order.
///
/// ```
/// # use simpleim_cpim::xml::{DeliveryStatus, ImdnDocument, Notification};
/// let imdn = ImdnDocument {
///     message_id: "34jk324j".into(),
///     date_time: "2008-04-04T12:16:49-05:00".into(),
///     recipient_uri: Some("im:bob@example.com".into()),
///     original_recipient_uri: Some("im:bob@example.com".into()),
///     subject: None,
///     notification: Some(Notification::Delivery(DeliveryStatus::Delivered)),
/// };
/// let xml = imdn.to_xml();
/// assert_eq!(ImdnDocument::parse(xml.as_bytes()), Ok(imdn));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImdnDocument {
    /// `<message-id>`: the `imdn.Message-ID` of the message this notification is about.
    pub message_id: String,
    /// `<datetime>`: the `DateTime` of that message, as text (RFC 3339), copied from it; never
    /// a clock reading of ours.
    pub date_time: String,
    /// `<recipient-uri>`: the URI of the recipient that produced the notification.
    pub recipient_uri: Option<String>,
    /// `<original-recipient-uri>`: the recipient the sender originally addressed.
    pub original_recipient_uri: Option<String>,
    /// `<subject>`: the subject of the original message, kept exactly as written.
    pub subject: Option<String>,
    /// The disposition. `None` is the schema's `<empty/>` choice: no notification element,
    /// as an extension document may send.
    pub notification: Option<Notification>,
}

/// Which disposition the document reports, and its status (RFC 5438 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Notification {
    /// `<delivery-notification>`.
    Delivery(DeliveryStatus),
    /// `<display-notification>`.
    Display(DisplayStatus),
    /// `<processing-notification>`.
    Processing(ProcessingStatus),
}

/// The `<status>` of a `<delivery-notification>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// `<delivered/>`: the message reached the recipient.
    Delivered,
    /// `<failed/>`: it could not be delivered.
    Failed,
    /// `<forbidden/>`: the recipient (or a policy) does not allow this notification.
    Forbidden,
    /// `<error/>`: some other error.
    Error,
}

/// The `<status>` of a `<display-notification>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisplayStatus {
    /// `<displayed/>`: the message was rendered to the user.
    Displayed,
    /// `<forbidden/>`: the recipient (or a policy) does not allow this notification.
    Forbidden,
    /// `<error/>`: some other error.
    Error,
}

/// The `<status>` of a `<processing-notification>`, sent by an intermediary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessingStatus {
    /// `<processed/>`: the intermediary handled the message.
    Processed,
    /// `<stored/>`: the intermediary stored it for later delivery.
    Stored,
    /// `<forbidden/>`: the recipient (or a policy) does not allow this notification.
    Forbidden,
    /// `<error/>`: some other error.
    Error,
}

impl DeliveryStatus {
    /// The status element's name, e.g. `"delivered"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Forbidden => "forbidden",
            Self::Error => "error",
        }
    }

    fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"delivered" => Self::Delivered,
            b"failed" => Self::Failed,
            b"forbidden" => Self::Forbidden,
            b"error" => Self::Error,
            _ => return None,
        })
    }
}

impl DisplayStatus {
    /// The status element's name, e.g. `"displayed"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Displayed => "displayed",
            Self::Forbidden => "forbidden",
            Self::Error => "error",
        }
    }

    fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"displayed" => Self::Displayed,
            b"forbidden" => Self::Forbidden,
            b"error" => Self::Error,
            _ => return None,
        })
    }
}

impl ProcessingStatus {
    /// The status element's name, e.g. `"processed"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Processed => "processed",
            Self::Stored => "stored",
            Self::Forbidden => "forbidden",
            Self::Error => "error",
        }
    }

    fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"processed" => Self::Processed,
            b"stored" => Self::Stored,
            b"forbidden" => Self::Forbidden,
            b"error" => Self::Error,
            _ => return None,
        })
    }
}

impl Notification {
    /// The notification element's name, e.g. `"delivery-notification"`.
    #[must_use]
    pub const fn element_name(self) -> &'static str {
        match self {
            Self::Delivery(_) => "delivery-notification",
            Self::Display(_) => "display-notification",
            Self::Processing(_) => "processing-notification",
        }
    }

    /// The status element's name, e.g. `"delivered"`.
    #[must_use]
    pub const fn status_name(self) -> &'static str {
        match self {
            Self::Delivery(status) => status.as_str(),
            Self::Display(status) => status.as_str(),
            Self::Processing(status) => status.as_str(),
        }
    }
}

/// The notification kinds, to parse a `<status>` child against the right set of names.
#[derive(Clone, Copy)]
enum Kind {
    Delivery,
    Display,
    Processing,
}

impl Kind {
    fn of(element: &XmlElement<'_>) -> Option<Self> {
        match element.name_in(IMDN_NAMESPACE)? {
            b"delivery-notification" => Some(Self::Delivery),
            b"display-notification" => Some(Self::Display),
            b"processing-notification" => Some(Self::Processing),
            _ => None,
        }
    }

    fn status(self, name: &[u8]) -> Option<Notification> {
        match self {
            Self::Delivery => DeliveryStatus::from_name(name).map(Notification::Delivery),
            Self::Display => DisplayStatus::from_name(name).map(Notification::Display),
            Self::Processing => ProcessingStatus::from_name(name).map(Notification::Processing),
        }
    }
}

impl ImdnDocument {
    /// Parses an IMDN document with the default [`XmlLimits`].
    ///
    /// # Errors
    /// A located [`ParseError`]; see [the module doc](crate::xml) for the kinds.
    pub fn parse(input: &[u8]) -> Result<Self> {
        Self::parse_with_limits(input, &XmlLimits::default())
    }

    /// Parses an IMDN document within `limits`.
    ///
    /// # Errors
    /// A located [`ParseError`]; see [the module doc](crate::xml) for the kinds.
    pub fn parse_with_limits(input: &[u8], limits: &XmlLimits) -> Result<Self> {
        let mut reader = XmlReader::new(input, &[IMDN_NAMESPACE], limits)?
            .tolerate_undeclared_attribute_prefixes();
        let root = reader.root()?;
        if !root.is(IMDN_NAMESPACE, "imdn") {
            return Err(ParseError::new(ErrorKind::XmlElement, root.offset()));
        }
        let mut message_id = None;
        let mut date_time = None;
        let mut recipient_uri = None;
        let mut original_recipient_uri = None;
        let mut subject = None;
        let mut notification = None;
        while let Some(child) = reader.known_child(&root)? {
            if let Some(kind) = Kind::of(&child) {
                let value = parse_notification(&mut reader, &child, kind)?;
                set_once(&mut notification, value, &child)?;
                continue;
            }
            let (slot, trimmed) = match child.name_in(IMDN_NAMESPACE) {
                Some(b"message-id") => (&mut message_id, true),
                Some(b"datetime") => (&mut date_time, true),
                Some(b"recipient-uri") => (&mut recipient_uri, true),
                Some(b"original-recipient-uri") => (&mut original_recipient_uri, true),
                Some(b"subject") => (&mut subject, false),
                // Unknown names in our namespace or in none: the schema's `anyIMDN`
                // excludes both, so they are errors, not extensions.
                _ => return Err(ParseError::new(ErrorKind::XmlElement, child.offset())),
            };
            let text = reader.text(&child)?;
            let value = if trimmed {
                trim_xml_whitespace(&text).to_owned()
            } else {
                text.into_owned()
            };
            set_once(slot, value, &child)?;
        }
        reader.finish()?;
        let missing = || ParseError::new(ErrorKind::XmlElement, root.offset());
        let message_id = message_id.ok_or_else(missing)?;
        let date_time = date_time.ok_or_else(missing)?;
        // `message-id` is an xs:token: it cannot be empty.
        if message_id.is_empty() {
            return Err(ParseError::new(ErrorKind::XmlValue, root.offset()));
        }
        Ok(Self {
            message_id,
            date_time,
            recipient_uri,
            original_recipient_uri,
            subject,
            notification,
        })
    }

    /// The document as XML text, starting with the XML declaration.
    #[must_use]
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(320);
        out.push_str(DECLARATION);
        out.push_str("<imdn xmlns=\"");
        out.push_str(IMDN_NAMESPACE);
        out.push_str("\">\n");
        push_leaf(&mut out, 1, "message-id", &self.message_id);
        push_leaf(&mut out, 1, "datetime", &self.date_time);
        let optional = [
            ("recipient-uri", &self.recipient_uri),
            ("original-recipient-uri", &self.original_recipient_uri),
            ("subject", &self.subject),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                push_leaf(&mut out, 1, name, value);
            }
        }
        if let Some(notification) = self.notification {
            let element = notification.element_name();
            push_tag(&mut out, 1, &[element]);
            push_tag(&mut out, 2, &["status"]);
            push_tag(&mut out, 3, &[notification.status_name(), "/"]);
            push_tag(&mut out, 2, &["/status"]);
            push_tag(&mut out, 1, &["/", element]);
        }
        out.push_str("</imdn>\n");
        out
    }

    /// Appends [`ImdnDocument::to_xml`]'s bytes to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_xml().as_bytes());
    }
}

/// Reads a `<*-notification>`: exactly one `<status>`, holding exactly one status element
/// allowed for `kind`, plus any extensions.
fn parse_notification(
    reader: &mut XmlReader<'_>,
    element: &XmlElement<'_>,
    kind: Kind,
) -> Result<Notification> {
    let mut found = None;
    while let Some(child) = reader.known_child(element)? {
        if child.is(IMDN_NAMESPACE, "status") {
            let status = parse_status(reader, &child, kind)?;
            set_once(&mut found, status, &child)?;
        } else {
            return Err(ParseError::new(ErrorKind::XmlElement, child.offset()));
        }
    }
    found.ok_or(ParseError::new(ErrorKind::XmlElement, element.offset()))
}

fn parse_status(
    reader: &mut XmlReader<'_>,
    element: &XmlElement<'_>,
    kind: Kind,
) -> Result<Notification> {
    let mut found = None;
    while let Some(child) = reader.known_child(element)? {
        // A name in our namespace that this notification kind does not allow (e.g.
        // `<displayed/>` in a delivery notification) is a bad value, not a bad structure.
        let status = child
            .name_in(IMDN_NAMESPACE)
            .and_then(|name| kind.status(name))
            .ok_or(ParseError::new(ErrorKind::XmlValue, child.offset()))?;
        // The status elements are `<empty/>` in the schema.
        if !is_xml_whitespace(&reader.text(&child)?) {
            return Err(ParseError::new(ErrorKind::XmlValue, child.offset()));
        }
        set_once(&mut found, status, &child)?;
    }
    found.ok_or(ParseError::new(ErrorKind::XmlElement, element.offset()))
}
