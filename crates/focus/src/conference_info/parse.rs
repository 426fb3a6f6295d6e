//! Reading a conference-info document into the [`ConferenceInfo`] model.

use super::error::{ParseError, ParseErrorKind};
use super::model::{
    ConferenceDescription, ConferenceInfo, ConferenceStateElement, DisconnectionMethod,
    ElementState, Endpoint, EndpointStatus, JoiningMethod, Media, MediaStatus, UriEntry, User,
    Users,
};
use super::read::{Element, ParseLimits, XmlReader};

impl ConferenceInfo {
    /// Parses a document with the default [`ParseLimits`]; see the module doc for what is
    /// accepted and what is skipped.
    ///
    /// # Errors
    /// A [`ParseError`] with its kind and byte offset.
    pub fn parse(input: &[u8]) -> Result<Self, ParseError> {
        Self::parse_with_limits(input, ParseLimits::default())
    }

    /// Parses a document within `limits`.
    ///
    /// # Errors
    /// A [`ParseError`] with its kind and byte offset.
    pub fn parse_with_limits(input: &[u8], limits: ParseLimits) -> Result<Self, ParseError> {
        let mut r = XmlReader::new(input, limits)?;
        let root = r.root()?;
        if !root.is("conference-info") {
            return Err(root.error(ParseErrorKind::Root));
        }
        let doc = conference_info(&mut r, &root)?;
        r.finish()?;
        Ok(doc)
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, element: &Element) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(element.error(ParseErrorKind::Element));
    }
    *slot = Some(value);
    Ok(())
}

fn state_attr(element: &Element) -> Result<ElementState, ParseError> {
    match element.attr("state") {
        None => Ok(ElementState::Full),
        Some(v) => ElementState::from_value(trim(v)).ok_or(element.error(ParseErrorKind::Value)),
    }
}

/// XML white space trimmed, for token-like values (enumerations, numbers, booleans, URIs).
fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

fn leaf(r: &mut XmlReader<'_>, e: &Element, slot: &mut Option<String>) -> Result<(), ParseError> {
    let text = r.text(e)?;
    set_once(slot, text, e)
}

fn token_leaf<T>(
    r: &mut XmlReader<'_>,
    e: &Element,
    slot: &mut Option<T>,
    from: impl Fn(&str) -> Option<T>,
) -> Result<(), ParseError> {
    let text = r.text(e)?;
    let value = from(trim(&text)).ok_or(e.error(ParseErrorKind::Value))?;
    set_once(slot, value, e)
}

fn unsigned(text: &str) -> Option<u32> {
    // `xs:unsignedInt` allows a leading `+` and leading zeros.
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn boolean(text: &str) -> Option<bool> {
    match text {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn conference_info(r: &mut XmlReader<'_>, root: &Element) -> Result<ConferenceInfo, ParseError> {
    let entity = root
        .attr("entity")
        .ok_or(root.error(ParseErrorKind::MissingAttribute))?;
    let version = root
        .attr("version")
        .map(|v| unsigned(trim(v)).ok_or(root.error(ParseErrorKind::Value)))
        .transpose()?;
    let mut doc = ConferenceInfo {
        entity: trim(entity).to_owned(),
        state: state_attr(root)?,
        version,
        ..ConferenceInfo::default()
    };
    while let Some(e) = r.child(root)? {
        if e.is("conference-description") {
            let d = description(r, &e)?;
            set_once(&mut doc.description, d, &e)?;
        } else if e.is("conference-state") {
            let s = conference_state(r, &e)?;
            set_once(&mut doc.conference_state, s, &e)?;
        } else if e.is("users") {
            let u = users(r, &e)?;
            set_once(&mut doc.users, u, &e)?;
        } else {
            r.skip(&e)?;
        }
    }
    Ok(doc)
}

fn description(
    r: &mut XmlReader<'_>,
    parent: &Element,
) -> Result<ConferenceDescription, ParseError> {
    let mut d = ConferenceDescription::default();
    let (mut conf_uris, mut service_uris) = (None, None);
    while let Some(e) = r.child(parent)? {
        if e.is("display-text") {
            leaf(r, &e, &mut d.display_text)?;
        } else if e.is("subject") {
            leaf(r, &e, &mut d.subject)?;
        } else if e.is("free-text") {
            leaf(r, &e, &mut d.free_text)?;
        } else if e.is("conf-uris") {
            let list = uris(r, &e)?;
            set_once(&mut conf_uris, list, &e)?;
        } else if e.is("service-uris") {
            let list = uris(r, &e)?;
            set_once(&mut service_uris, list, &e)?;
        } else if e.is("maximum-user-count") {
            token_leaf(r, &e, &mut d.maximum_user_count, unsigned)?;
        } else {
            r.skip(&e)?;
        }
    }
    d.conf_uris = conf_uris.unwrap_or_default();
    d.service_uris = service_uris.unwrap_or_default();
    Ok(d)
}

fn uris(r: &mut XmlReader<'_>, parent: &Element) -> Result<Vec<UriEntry>, ParseError> {
    let mut list = Vec::new();
    while let Some(e) = r.child(parent)? {
        if !e.is("entry") {
            r.skip(&e)?;
            continue;
        }
        let (mut uri, mut display_text, mut purpose) = (None, None, None);
        while let Some(c) = r.child(&e)? {
            if c.is("uri") {
                leaf(r, &c, &mut uri)?;
            } else if c.is("display-text") {
                leaf(r, &c, &mut display_text)?;
            } else if c.is("purpose") {
                leaf(r, &c, &mut purpose)?;
            } else {
                r.skip(&c)?;
            }
        }
        let uri = uri.ok_or(e.error(ParseErrorKind::Element))?;
        list.push(UriEntry {
            uri: trim(&uri).to_owned(),
            display_text,
            purpose,
        });
    }
    Ok(list)
}

fn conference_state(
    r: &mut XmlReader<'_>,
    parent: &Element,
) -> Result<ConferenceStateElement, ParseError> {
    let mut s = ConferenceStateElement::default();
    while let Some(e) = r.child(parent)? {
        if e.is("user-count") {
            token_leaf(r, &e, &mut s.user_count, unsigned)?;
        } else if e.is("active") {
            token_leaf(r, &e, &mut s.active, boolean)?;
        } else if e.is("locked") {
            token_leaf(r, &e, &mut s.locked, boolean)?;
        } else {
            r.skip(&e)?;
        }
    }
    Ok(s)
}

fn users(r: &mut XmlReader<'_>, parent: &Element) -> Result<Users, ParseError> {
    let mut u = Users {
        state: state_attr(parent)?,
        users: Vec::new(),
    };
    while let Some(e) = r.child(parent)? {
        if e.is("user") {
            u.users.push(user(r, &e)?);
        } else {
            r.skip(&e)?;
        }
    }
    Ok(u)
}

fn user(r: &mut XmlReader<'_>, parent: &Element) -> Result<User, ParseError> {
    let yourown = parent
        .attrs
        .iter()
        .any(|a| a.local == b"yourown" && boolean(trim(&a.value)).unwrap_or(false));
    let mut u = User {
        entity: parent.attr("entity").map(|v| trim(v).to_owned()),
        state: state_attr(parent)?,
        yourown,
        ..User::default()
    };
    let mut roles_seen = false;
    while let Some(e) = r.child(parent)? {
        if e.is("display-text") {
            leaf(r, &e, &mut u.display_text)?;
        } else if e.is("roles") {
            if std::mem::replace(&mut roles_seen, true) {
                return Err(e.error(ParseErrorKind::Element));
            }
            while let Some(entry) = r.child(&e)? {
                if entry.is("entry") {
                    u.roles.push(r.text(&entry)?);
                } else {
                    r.skip(&entry)?;
                }
            }
        } else if e.is("endpoint") {
            u.endpoints.push(endpoint(r, &e)?);
        } else {
            r.skip(&e)?;
        }
    }
    Ok(u)
}

fn endpoint(r: &mut XmlReader<'_>, parent: &Element) -> Result<Endpoint, ParseError> {
    let mut ep = Endpoint {
        entity: parent.attr("entity").map(str::to_owned),
        state: state_attr(parent)?,
        ..Endpoint::default()
    };
    while let Some(e) = r.child(parent)? {
        if e.is("display-text") {
            leaf(r, &e, &mut ep.display_text)?;
        } else if e.is("status") {
            token_leaf(r, &e, &mut ep.status, EndpointStatus::from_value)?;
        } else if e.is("joining-method") {
            token_leaf(r, &e, &mut ep.joining_method, JoiningMethod::from_value)?;
        } else if e.is("disconnection-method") {
            token_leaf(
                r,
                &e,
                &mut ep.disconnection_method,
                DisconnectionMethod::from_value,
            )?;
        } else if e.is("media") {
            ep.media.push(media(r, &e)?);
        } else {
            r.skip(&e)?;
        }
    }
    Ok(ep)
}

fn media(r: &mut XmlReader<'_>, parent: &Element) -> Result<Media, ParseError> {
    let id = parent
        .attr("id")
        .ok_or(parent.error(ParseErrorKind::MissingAttribute))?;
    let mut m = Media {
        id: id.to_owned(),
        ..Media::default()
    };
    while let Some(e) = r.child(parent)? {
        if e.is("display-text") {
            leaf(r, &e, &mut m.display_text)?;
        } else if e.is("type") {
            token_leaf(r, &e, &mut m.media_type, |t| Some(t.to_owned()))?;
        } else if e.is("label") {
            leaf(r, &e, &mut m.label)?;
        } else if e.is("src-id") {
            leaf(r, &e, &mut m.src_id)?;
        } else if e.is("status") {
            token_leaf(r, &e, &mut m.status, MediaStatus::from_value)?;
        } else {
            r.skip(&e)?;
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(unsigned("+007"), Some(7));
        assert_eq!(unsigned("4294967295"), Some(u32::MAX));
        assert_eq!(unsigned("4294967296"), None);
        assert_eq!(unsigned("-1"), None);
        assert_eq!(unsigned(""), None);
        assert_eq!(boolean("1"), Some(true));
        assert_eq!(boolean("True"), None);
    }
}
