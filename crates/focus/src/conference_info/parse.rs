//! Reading a conference-info document into the [`ConferenceInfo`] model.

use simpleim_cpim::xml::{XmlElement, XmlReader, trim_xml_whitespace as trim};

use super::CONFERENCE_INFO_NAMESPACE as NS;
use super::error::{ParseError, ParseErrorKind};
use super::model::{
    ConferenceDescription, ConferenceInfo, ConferenceStateElement, DisconnectionMethod,
    ElementState, Endpoint, EndpointStatus, JoiningMethod, Media, MediaStatus, UriEntry, User,
    Users,
};
use super::read::{ParseLimits, reader};

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
        let mut r = reader(input, limits)?;
        let root = r.root()?;
        if !root.is(NS, "conference-info") {
            return Err(error(&root, ParseErrorKind::Root));
        }
        let doc = conference_info(&mut r, &root)?;
        r.finish()?;
        Ok(doc)
    }
}

fn error(element: &XmlElement<'_>, kind: ParseErrorKind) -> ParseError {
    ParseError::new(kind, element.offset())
}

fn set_once<T>(slot: &mut Option<T>, value: T, element: &XmlElement<'_>) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(error(element, ParseErrorKind::Element));
    }
    *slot = Some(value);
    Ok(())
}

fn state_attr(element: &XmlElement<'_>) -> Result<ElementState, ParseError> {
    match element.attribute("state") {
        None => Ok(ElementState::Full),
        Some(v) => ElementState::from_value(trim(v)).ok_or(error(element, ParseErrorKind::Value)),
    }
}

fn leaf(
    r: &mut XmlReader<'_>,
    e: &XmlElement<'_>,
    slot: &mut Option<String>,
) -> Result<(), ParseError> {
    let text = r.text(e)?.into_owned();
    set_once(slot, text, e)
}

fn token_leaf<T>(
    r: &mut XmlReader<'_>,
    e: &XmlElement<'_>,
    slot: &mut Option<T>,
    from: impl Fn(&str) -> Option<T>,
) -> Result<(), ParseError> {
    let text = r.text(e)?;
    let value = from(trim(&text)).ok_or(error(e, ParseErrorKind::Value))?;
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

fn conference_info(
    r: &mut XmlReader<'_>,
    root: &XmlElement<'_>,
) -> Result<ConferenceInfo, ParseError> {
    let entity = root
        .attribute("entity")
        .ok_or(error(root, ParseErrorKind::MissingAttribute))?;
    let version = root
        .attribute("version")
        .map(|v| unsigned(trim(v)).ok_or(error(root, ParseErrorKind::Value)))
        .transpose()?;
    let mut doc = ConferenceInfo {
        entity: trim(entity).to_owned(),
        state: state_attr(root)?,
        version,
        ..ConferenceInfo::default()
    };
    while let Some(e) = r.child(root)? {
        if e.is(NS, "conference-description") {
            let d = description(r, &e)?;
            set_once(&mut doc.description, d, &e)?;
        } else if e.is(NS, "conference-state") {
            let s = conference_state(r, &e)?;
            set_once(&mut doc.conference_state, s, &e)?;
        } else if e.is(NS, "users") {
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
    parent: &XmlElement<'_>,
) -> Result<ConferenceDescription, ParseError> {
    let mut d = ConferenceDescription::default();
    let (mut conf_uris, mut service_uris) = (None, None);
    while let Some(e) = r.child(parent)? {
        if e.is(NS, "display-text") {
            leaf(r, &e, &mut d.display_text)?;
        } else if e.is(NS, "subject") {
            leaf(r, &e, &mut d.subject)?;
        } else if e.is(NS, "free-text") {
            leaf(r, &e, &mut d.free_text)?;
        } else if e.is(NS, "conf-uris") {
            let list = uris(r, &e)?;
            set_once(&mut conf_uris, list, &e)?;
        } else if e.is(NS, "service-uris") {
            let list = uris(r, &e)?;
            set_once(&mut service_uris, list, &e)?;
        } else if e.is(NS, "maximum-user-count") {
            token_leaf(r, &e, &mut d.maximum_user_count, unsigned)?;
        } else {
            r.skip(&e)?;
        }
    }
    d.conf_uris = conf_uris.unwrap_or_default();
    d.service_uris = service_uris.unwrap_or_default();
    Ok(d)
}

fn uris(r: &mut XmlReader<'_>, parent: &XmlElement<'_>) -> Result<Vec<UriEntry>, ParseError> {
    let mut list = Vec::new();
    while let Some(e) = r.child(parent)? {
        if !e.is(NS, "entry") {
            r.skip(&e)?;
            continue;
        }
        let (mut uri, mut display_text, mut purpose) = (None, None, None);
        while let Some(c) = r.child(&e)? {
            if c.is(NS, "uri") {
                leaf(r, &c, &mut uri)?;
            } else if c.is(NS, "display-text") {
                leaf(r, &c, &mut display_text)?;
            } else if c.is(NS, "purpose") {
                leaf(r, &c, &mut purpose)?;
            } else {
                r.skip(&c)?;
            }
        }
        let uri = uri.ok_or(error(&e, ParseErrorKind::Element))?;
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
    parent: &XmlElement<'_>,
) -> Result<ConferenceStateElement, ParseError> {
    let mut s = ConferenceStateElement::default();
    while let Some(e) = r.child(parent)? {
        if e.is(NS, "user-count") {
            token_leaf(r, &e, &mut s.user_count, unsigned)?;
        } else if e.is(NS, "active") {
            token_leaf(r, &e, &mut s.active, boolean)?;
        } else if e.is(NS, "locked") {
            token_leaf(r, &e, &mut s.locked, boolean)?;
        } else {
            r.skip(&e)?;
        }
    }
    Ok(s)
}

fn users(r: &mut XmlReader<'_>, parent: &XmlElement<'_>) -> Result<Users, ParseError> {
    let mut u = Users {
        state: state_attr(parent)?,
        users: Vec::new(),
    };
    while let Some(e) = r.child(parent)? {
        if e.is(NS, "user") {
            u.users.push(user(r, &e)?);
        } else {
            r.skip(&e)?;
        }
    }
    Ok(u)
}

fn user(r: &mut XmlReader<'_>, parent: &XmlElement<'_>) -> Result<User, ParseError> {
    let yourown = parent
        .attributes()
        .iter()
        .any(|a| *a.local_name == *b"yourown" && boolean(trim(&a.value)).unwrap_or(false));
    let mut u = User {
        entity: parent.attribute("entity").map(|v| trim(v).to_owned()),
        state: state_attr(parent)?,
        yourown,
        ..User::default()
    };
    let mut roles_seen = false;
    while let Some(e) = r.child(parent)? {
        if e.is(NS, "display-text") {
            leaf(r, &e, &mut u.display_text)?;
        } else if e.is(NS, "roles") {
            if std::mem::replace(&mut roles_seen, true) {
                return Err(error(&e, ParseErrorKind::Element));
            }
            while let Some(entry) = r.child(&e)? {
                if entry.is(NS, "entry") {
                    u.roles.push(r.text(&entry)?.into_owned());
                } else {
                    r.skip(&entry)?;
                }
            }
        } else if e.is(NS, "endpoint") {
            u.endpoints.push(endpoint(r, &e)?);
        } else {
            r.skip(&e)?;
        }
    }
    Ok(u)
}

fn endpoint(r: &mut XmlReader<'_>, parent: &XmlElement<'_>) -> Result<Endpoint, ParseError> {
    let mut ep = Endpoint {
        entity: parent.attribute("entity").map(str::to_owned),
        state: state_attr(parent)?,
        ..Endpoint::default()
    };
    while let Some(e) = r.child(parent)? {
        if e.is(NS, "display-text") {
            leaf(r, &e, &mut ep.display_text)?;
        } else if e.is(NS, "status") {
            token_leaf(r, &e, &mut ep.status, EndpointStatus::from_value)?;
        } else if e.is(NS, "joining-method") {
            token_leaf(r, &e, &mut ep.joining_method, JoiningMethod::from_value)?;
        } else if e.is(NS, "disconnection-method") {
            token_leaf(
                r,
                &e,
                &mut ep.disconnection_method,
                DisconnectionMethod::from_value,
            )?;
        } else if e.is(NS, "media") {
            ep.media.push(media(r, &e)?);
        } else {
            r.skip(&e)?;
        }
    }
    Ok(ep)
}

fn media(r: &mut XmlReader<'_>, parent: &XmlElement<'_>) -> Result<Media, ParseError> {
    let id = parent
        .attribute("id")
        .ok_or(error(parent, ParseErrorKind::MissingAttribute))?;
    let mut m = Media {
        id: id.to_owned(),
        ..Media::default()
    };
    while let Some(e) = r.child(parent)? {
        if e.is(NS, "display-text") {
            leaf(r, &e, &mut m.display_text)?;
        } else if e.is(NS, "type") {
            token_leaf(r, &e, &mut m.media_type, |t| Some(t.to_owned()))?;
        } else if e.is(NS, "label") {
            leaf(r, &e, &mut m.label)?;
        } else if e.is(NS, "src-id") {
            leaf(r, &e, &mut m.src_id)?;
        } else if e.is(NS, "status") {
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
