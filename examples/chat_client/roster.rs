//! Who is in the room, from the conference event package's documents (RFC 4575): a full
//! document replaces everything, a partial one changes the users it names; `version` must
//! grow by one between documents of a subscription, else a change was missed (§4.6).

use simpleim_focus::conference_info::{ConferenceInfo, ElementState, Endpoint, User};

/// One `<user>` of the room.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    /// The `<user entity>`: the identity, or the alias URI of an anonymous participant.
    pub(crate) entity: String,
    /// `<display-text>`: the chat alias.
    pub(crate) alias: Option<String>,
    /// The OMA `yourown` marker: this is us.
    pub(crate) own: bool,
    /// Its endpoints (one per session in the room).
    endpoints: Vec<String>,
}

impl Person {
    /// The name to show: the alias, else the URI.
    pub(crate) fn name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.entity)
    }
}

/// A change worth telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// Someone joined; `own` when it is us.
    Entered { name: String, own: bool },
    /// Someone left.
    Exited { name: String, own: bool },
    /// Someone's alias changed (a NICKNAME).
    Renamed { old: String, new: String, own: bool },
}

/// A document's `version` skipped one: the state is no longer known (RFC 4575 §4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gap;

/// The room's participants.
#[derive(Debug, Default)]
pub(crate) struct Roster {
    people: Vec<Person>,
    version: Option<u32>,
    /// A full document has arrived.
    known: bool,
    /// Our own URI in the room (the identity, or the alias URI the focus gave), compared
    /// without parameters: the focus's `yourown` marker is not always there (an anonymous
    /// participant's subscription comes from its real identity).
    me: Option<String>,
}

/// A URI compared the way the room's identities are: without parameters, case aside.
pub(crate) fn uri_key(uri: &[u8]) -> String {
    let text = String::from_utf8_lossy(uri).to_ascii_lowercase();
    let end = text.find([';', '?', '>']).unwrap_or(text.len());
    text.get(..end).unwrap_or_default().to_owned()
}

fn endpoint_key(e: &Endpoint) -> String {
    e.entity.clone().unwrap_or_default()
}

impl Roster {
    /// Says which entity is us.
    pub(crate) fn set_me(&mut self, uri: &[u8]) {
        self.me = Some(uri_key(uri));
        for p in &mut self.people {
            p.own |= self.me.as_deref() == Some(uri_key(p.entity.as_bytes()).as_str());
        }
    }

    /// Whether a full document has arrived.
    pub(crate) fn is_known(&self) -> bool {
        self.known
    }

    /// The participants, in document order.
    pub(crate) fn people(&self) -> &[Person] {
        &self.people
    }

    /// Forgets everything (the subscription ended).
    pub(crate) fn clear(&mut self) {
        self.people.clear();
        self.version = None;
        self.known = false;
    }

    /// The participant whose alias is `alias` (compared without case), else the one whose
    /// URI it is, else the one whose URI's user part it is (`alice` for
    /// `sip:alice@example.com`, even after she changed her alias).
    pub(crate) fn find(&self, alias: &str) -> Option<&Person> {
        let wanted = alias.to_lowercase();
        let user = |p: &Person| {
            let key = uri_key(p.entity.as_bytes());
            let rest = key.split_once(':').map_or(key.as_str(), |(_, r)| r);
            rest.split_once('@').is_some_and(|(u, _)| u == wanted)
        };
        self.people
            .iter()
            .find(|p| {
                p.alias
                    .as_deref()
                    .is_some_and(|a| a.to_lowercase() == wanted)
            })
            .or_else(|| self.people.iter().find(|p| p.entity == alias))
            .or_else(|| self.people.iter().find(|p| user(p)))
    }

    /// Applies a NOTIFY's document; returns what changed (nothing for the first full
    /// document: the caller lists the room instead).
    pub(crate) fn apply(&mut self, doc: &ConferenceInfo) -> Result<Vec<Change>, Gap> {
        let first = !self.known;
        match (doc.state, self.version, doc.version) {
            // A partial document needs the one before it.
            (ElementState::Partial, Some(seen), Some(v)) if v != seen.wrapping_add(1) => {
                return Err(Gap);
            }
            (ElementState::Partial, None, _) => return Err(Gap),
            _ => {}
        }
        // An older or repeated document is ignored (§4.6: version must grow).
        if let (Some(seen), Some(v)) = (self.version, doc.version) {
            if v <= seen && doc.state != ElementState::Full {
                return Ok(Vec::new());
            }
        }
        self.version = doc.version.or(self.version);
        let mut changes = Vec::new();
        let users: &[User] = doc.users.as_ref().map_or(&[], |u| u.users.as_slice());
        if doc.state == ElementState::Full {
            let before = std::mem::take(&mut self.people);
            self.known = true;
            for u in users {
                if u.state != ElementState::Deleted {
                    let p = self.person(u);
                    self.people.push(p);
                }
            }
            if !first {
                for p in &before {
                    if !self.people.iter().any(|q| q.entity == p.entity) {
                        changes.push(Change::Exited {
                            name: p.name().to_owned(),
                            own: p.own,
                        });
                    }
                }
                for q in &self.people {
                    match before.iter().find(|p| p.entity == q.entity) {
                        None => changes.push(Change::Entered {
                            name: q.name().to_owned(),
                            own: q.own,
                        }),
                        Some(p) if p.name() != q.name() => changes.push(Change::Renamed {
                            old: p.name().to_owned(),
                            new: q.name().to_owned(),
                            own: q.own,
                        }),
                        Some(_) => {}
                    }
                }
            }
            return Ok(changes);
        }
        for u in users {
            let Some(entity) = u.entity.as_deref() else {
                continue;
            };
            let at = self.people.iter().position(|p| p.entity == entity);
            match (u.state, at) {
                (ElementState::Deleted, Some(i)) => {
                    let p = self.people.remove(i);
                    changes.push(Change::Exited {
                        name: p.name().to_owned(),
                        own: p.own,
                    });
                }
                (ElementState::Deleted, None) => {}
                (ElementState::Full, Some(i)) => {
                    let new = self.person(u);
                    if let Some(old) = self.people.get_mut(i) {
                        if old.name() != new.name() {
                            changes.push(Change::Renamed {
                                old: old.name().to_owned(),
                                new: new.name().to_owned(),
                                own: new.own || old.own,
                            });
                        }
                        *old = new;
                    }
                }
                (_, None) => {
                    let p = self.person(u);
                    changes.push(Change::Entered {
                        name: p.name().to_owned(),
                        own: p.own,
                    });
                    self.people.push(p);
                }
                (ElementState::Partial, Some(i)) => {
                    let Some(p) = self.people.get_mut(i) else {
                        continue;
                    };
                    if let Some(text) = &u.display_text {
                        if p.alias.as_deref() != Some(text) {
                            changes.push(Change::Renamed {
                                old: p.name().to_owned(),
                                new: text.clone(),
                                own: p.own || u.yourown,
                            });
                            p.alias = Some(text.clone());
                        }
                    }
                    p.own |= u.yourown;
                    for e in &u.endpoints {
                        let key = endpoint_key(e);
                        p.endpoints.retain(|k| *k != key);
                        if e.state != ElementState::Deleted {
                            p.endpoints.push(key);
                        }
                    }
                    if p.endpoints.is_empty() && !u.endpoints.is_empty() {
                        let p = self.people.remove(i);
                        changes.push(Change::Exited {
                            name: p.name().to_owned(),
                            own: p.own,
                        });
                    }
                }
            }
        }
        Ok(changes)
    }

    fn person(&self, u: &User) -> Person {
        let entity = u.entity.clone().unwrap_or_default();
        let me = self.me.as_deref() == Some(uri_key(entity.as_bytes()).as_str());
        Person {
            entity,
            alias: u.display_text.clone(),
            own: u.yourown || me,
            endpoints: u
                .endpoints
                .iter()
                .filter(|e| e.state != ElementState::Deleted)
                .map(endpoint_key)
                .collect(),
        }
    }
}
