//! `application/im-iscomposing+xml`: the message composition indication (RFC 3994).

use super::write::{DECLARATION, push_leaf};
use super::{XmlLimits, XmlReader, set_once, trim_xml_whitespace};
use crate::{ErrorKind, ParseError, Result};

/// The is-composing XML namespace (RFC 3994 §4, §9).
pub const ISCOMPOSING_NAMESPACE: &str = "urn:ietf:params:xml:ns:im-iscomposing";

/// The media type of an is-composing document (RFC 3994 §8).
pub const ISCOMPOSING_CONTENT_TYPE: &str = "application/im-iscomposing+xml";

/// An is-composing status message: `<isComposing>` with `<state>` and the optional
/// `<lastactive>`, `<contenttype>` and `<refresh>`, in that order (RFC 3994 schema).
///
/// ```
/// # use simpleim_cpim::xml::{ComposingState, IsComposing};
/// let typing = IsComposing {
///     state: ComposingState::Active,
///     lastactive: None,
///     contenttype: Some("text/plain".into()),
///     refresh: Some(90),
/// };
/// assert_eq!(IsComposing::parse(typing.to_xml().as_bytes()), Ok(typing));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IsComposing {
    /// `<state>`: whether the sender is composing.
    pub state: ComposingState,
    /// `<lastactive>`: when the sender was last active, as date-time text, given by the
    /// caller; never a clock reading of ours.
    pub lastactive: Option<String>,
    /// `<contenttype>`: the kind of message being composed (a media type or a top-level type
    /// such as `audio`).
    pub contenttype: Option<String>,
    /// `<refresh>`: seconds within which the sender will refresh an active state; a positive
    /// integer (0 is refused when parsing).
    pub refresh: Option<u32>,
}

/// The `<state>` of an is-composing message (RFC 3994 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComposingState {
    /// `active`: a message is being composed.
    Active,
    /// `idle`: no message is being composed (any more).
    Idle,
}

impl ComposingState {
    /// The state's text, `"active"` or `"idle"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Idle => "idle",
        }
    }
}

impl IsComposing {
    /// Parses an is-composing document with the default [`XmlLimits`].
    ///
    /// # Errors
    /// A located [`ParseError`]; see [the module doc](crate::xml) for the kinds.
    pub fn parse(input: &[u8]) -> Result<Self> {
        Self::parse_with_limits(input, &XmlLimits::default())
    }

    /// Parses an is-composing document within `limits`.
    ///
    /// # Errors
    /// A located [`ParseError`]; see [the module doc](crate::xml) for the kinds.
    pub fn parse_with_limits(input: &[u8], limits: &XmlLimits) -> Result<Self> {
        let mut reader = XmlReader::new(input, &[ISCOMPOSING_NAMESPACE], limits)?
            .tolerate_undeclared_attribute_prefixes();
        let root = reader.root()?;
        if !root.is(ISCOMPOSING_NAMESPACE, "isComposing") {
            return Err(ParseError::new(ErrorKind::XmlElement, root.offset()));
        }
        let mut state = None;
        let mut lastactive = None;
        let mut contenttype = None;
        let mut refresh = None;
        while let Some(child) = reader.known_child(&root)? {
            let bad_value = ParseError::new(ErrorKind::XmlValue, child.offset());
            match child.name_in(ISCOMPOSING_NAMESPACE) {
                Some(b"state") => {
                    let value = match trim_xml_whitespace(&reader.text(&child)?) {
                        "active" => ComposingState::Active,
                        "idle" => ComposingState::Idle,
                        _ => return Err(bad_value),
                    };
                    set_once(&mut state, value, &child)?;
                }
                Some(b"lastactive") => {
                    let value = trim_xml_whitespace(&reader.text(&child)?).to_owned();
                    set_once(&mut lastactive, value, &child)?;
                }
                Some(b"contenttype") => {
                    let value = trim_xml_whitespace(&reader.text(&child)?).to_owned();
                    set_once(&mut contenttype, value, &child)?;
                }
                Some(b"refresh") => {
                    let value = positive_integer(trim_xml_whitespace(&reader.text(&child)?))
                        .ok_or(bad_value)?;
                    set_once(&mut refresh, value, &child)?;
                }
                _ => return Err(ParseError::new(ErrorKind::XmlElement, child.offset())),
            }
        }
        reader.finish()?;
        let state = state.ok_or(ParseError::new(ErrorKind::XmlElement, root.offset()))?;
        Ok(Self {
            state,
            lastactive,
            contenttype,
            refresh,
        })
    }

    /// The document as XML text, starting with the XML declaration.
    #[must_use]
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(224);
        out.push_str(DECLARATION);
        out.push_str("<isComposing xmlns=\"");
        out.push_str(ISCOMPOSING_NAMESPACE);
        out.push_str("\">\n");
        push_leaf(&mut out, 1, "state", self.state.as_str());
        if let Some(lastactive) = &self.lastactive {
            push_leaf(&mut out, 1, "lastactive", lastactive);
        }
        if let Some(contenttype) = &self.contenttype {
            push_leaf(&mut out, 1, "contenttype", contenttype);
        }
        if let Some(refresh) = self.refresh {
            push_leaf(&mut out, 1, "refresh", &refresh.to_string());
        }
        out.push_str("</isComposing>\n");
        out
    }

    /// Appends [`IsComposing::to_xml`]'s bytes to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_xml().as_bytes());
    }
}

/// An xs:positiveInteger that fits a `u32`: an optional `+`, ASCII digits, not zero.
fn positive_integer(text: &str) -> Option<u32> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u32>().ok().filter(|&n| n > 0)
}
