//! The conference state of one room as the event package reports it (REQ: FOC-8, ALIAS-4,
//! SEC-1): members, a change counter, and the full and partial documents each subscriber gets.

use std::hash::Hash;

use crate::alias::ChatAlias;

use super::model::{
    ConferenceDescription, ConferenceInfo, ConferenceStateElement, DisconnectionMethod,
    ElementState, Endpoint, EndpointStatus, JoiningMethod, Media, MediaStatus, User, Users,
};

/// One session in the room, as the conference-info document shows it.
///
/// Build it with [`Member::public`] or [`Member::private`]: a private member carries only its
/// alias, so no real identity can reach a document (SEC-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    entity: String,
    display_text: Option<String>,
    endpoint_entity: String,
    /// `<roles>` entries, e.g. `participant`.
    pub roles: Vec<String>,
    /// How the member joined.
    pub joining_method: JoiningMethod,
    /// The media of its session; [`Member::public`] and [`Member::private`] start with one
    /// MSRP stream (`<type>message</type>`, `sendrecv`, id `1`).
    pub media: Vec<Media>,
}

fn chat_media() -> Vec<Media> {
    vec![Media {
        id: "1".to_owned(),
        media_type: Some("message".to_owned()),
        status: Some(MediaStatus::SendRecv),
        ..Media::default()
    }]
}

impl Member {
    /// A participant shown under its own identity: `uri` is the authenticated identity (SEC-1:
    /// from P-Asserted-Identity), `display_text` its (unique) alias, `endpoint` the session's
    /// endpoint identifier (contact or GRUU).
    #[must_use]
    pub fn public(uri: &str, display_text: Option<&str>, endpoint: &str) -> Self {
        Self {
            entity: uri.to_owned(),
            display_text: display_text.map(str::to_owned),
            endpoint_entity: endpoint.to_owned(),
            roles: vec!["participant".to_owned()],
            joining_method: JoiningMethod::DialedIn,
            media: chat_media(),
        }
    }

    /// A participant that asked for privacy: shown only as its alias (ALIAS-4, SEC-1). The
    /// `<user>` entity and the `<endpoint>` entity are both the alias URI; the display text is
    /// the alias display name.
    #[must_use]
    pub fn private(alias: &ChatAlias) -> Self {
        Self {
            entity: alias.uri().to_owned(),
            display_text: alias.display_name().map(str::to_owned),
            endpoint_entity: alias.uri().to_owned(),
            roles: vec!["participant".to_owned()],
            joining_method: JoiningMethod::DialedIn,
            media: chat_media(),
        }
    }

    /// The `<user>` entity it appears under.
    #[must_use]
    pub fn entity(&self) -> &str {
        &self.entity
    }

    fn endpoint(&self, state: ElementState) -> Endpoint {
        Endpoint {
            entity: Some(self.endpoint_entity.clone()),
            state,
            status: Some(EndpointStatus::Connected),
            joining_method: Some(self.joining_method),
            media: self.media.clone(),
            ..Endpoint::default()
        }
    }
}

/// Why a member could not be added (blame: the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// This key is already a member.
    #[error("already a member")]
    AlreadyMember,
    /// The room holds its maximum number of members.
    #[error("the room is full")]
    Full,
}

/// One change to the room, to be sent as a partial notification (RFC 4575, `state="partial"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    revision: u64,
    user: User,
    user_count: u32,
}

impl Change {
    /// The room revision this change produced.
    #[must_use]
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The `<user>` element of the partial document.
    #[must_use]
    pub fn user(&self) -> &User {
        &self.user
    }
}

/// The conference-event subscription of one subscriber, kept by the focus with the SIP
/// subscription.
///
/// RFC 4575 scopes `version` within a subscription: it starts at 1 and grows by one per
/// document sent on it, whichever room change the document carries. The room's
/// [`ConferenceState::revision`] is the shared counter (one per change) that tells whether this
/// subscriber has seen every change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription<K> {
    own: Option<K>,
    version: u32,
    revision: Option<u64>,
}

impl<K> Subscription<K> {
    /// A new subscription; `own` is the subscriber's member key if it is in the room (its
    /// `<user>` gets `yourown="true"`, ALIAS-4).
    #[must_use]
    pub fn new(own: Option<K>) -> Self {
        Self {
            own,
            version: 0,
            revision: None,
        }
    }

    /// The version of the last document produced for it (0 before the first).
    #[must_use]
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Sets the subscriber's own member key (after it joined).
    pub fn set_own(&mut self, own: Option<K>) {
        self.own = own;
    }

    fn next_version(&mut self) -> u32 {
        // A u32 per RFC 4575; wrapping after 2^32 documents on one subscription is moot.
        self.version = self.version.wrapping_add(1);
        self.version
    }
}

/// The state of one room as reported by the conference event package (FOC-8).
///
/// Members are kept in join order, so documents are deterministic. Members sharing an entity
/// (one user on several devices) form one `<user>` with one `<endpoint>` each.
///
/// ```
/// use simpleim_focus::conference_info::{ConferenceState, ElementState, Member, Subscription};
///
/// let mut room = ConferenceState::new("sip:chat@conf.example.com", 100);
/// let mut alice_sub = Subscription::new(Some("alice"));
/// let change = room.join("alice", Member::public("sip:alice@example.com", Some("Alice"), "sip:a1@198.51.100.1"))?;
/// // Alice subscribes after joining: a full document, her own entry marked.
/// let full = room.full_document(&mut alice_sub);
/// assert_eq!((full.state, full.version), (ElementState::Full, Some(1)));
/// assert!(full.users.as_ref().unwrap().users[0].yourown);
/// // The join happened before her full document: nothing more to send for it.
/// assert!(room.notification(&change, &mut alice_sub).is_none());
///
/// let change = room.join("bob", Member::public("sip:bob@example.com", None, "sip:b1@198.51.100.2"))?;
/// let partial = room.notification(&change, &mut alice_sub).unwrap();
/// assert_eq!((partial.state, partial.version), (ElementState::Partial, Some(2)));
/// assert!(partial.to_xml().contains("entity=\"sip:bob@example.com\""));
/// # Ok::<(), simpleim_focus::conference_info::StateError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ConferenceState<K> {
    entity: String,
    description: Option<ConferenceDescription>,
    members: Vec<(K, Member)>,
    max_members: usize,
    revision: u64,
}

impl<K: Clone + Eq + Hash> ConferenceState<K> {
    /// An empty room whose conference URI is `entity`, holding at most `max_members`.
    #[must_use]
    pub fn new(entity: &str, max_members: usize) -> Self {
        Self {
            entity: entity.to_owned(),
            description: None,
            members: Vec::new(),
            max_members,
            revision: 0,
        }
    }

    /// Sets the `<conference-description>` sent in full documents.
    pub fn set_description(&mut self, description: Option<ConferenceDescription>) {
        self.description = description;
    }

    /// The shared change counter: one more per change.
    #[must_use]
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The member of key `key`.
    #[must_use]
    pub fn member(&self, key: &K) -> Option<&Member> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, m)| m)
    }

    /// How many `<user>`s (distinct entities) the room shows.
    #[must_use]
    pub fn user_count(&self) -> usize {
        self.entities().len()
    }

    /// The distinct entities in join order.
    fn entities(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for (_, m) in &self.members {
            if !seen.contains(&m.entity.as_str()) {
                seen.push(&m.entity);
            }
        }
        seen
    }

    fn count_u32(&self) -> u32 {
        u32::try_from(self.user_count()).unwrap_or(u32::MAX)
    }

    /// The `<user>` of `entity`, in full.
    fn user(&self, entity: &str) -> User {
        let mut members = self.members.iter().filter(|(_, m)| m.entity == entity);
        let first = members.next().map(|(_, m)| m);
        User {
            entity: Some(entity.to_owned()),
            state: ElementState::Full,
            yourown: false,
            display_text: first.and_then(|m| m.display_text.clone()),
            roles: first.map(|m| m.roles.clone()).unwrap_or_default(),
            endpoints: first
                .into_iter()
                .chain(members.map(|(_, m)| m))
                .map(|m| m.endpoint(ElementState::Full))
                .collect(),
        }
    }

    fn change(&mut self, user: User) -> Change {
        self.revision = self.revision.saturating_add(1);
        Change {
            revision: self.revision,
            user,
            user_count: self.count_u32(),
        }
    }

    /// A member joined (a partial `<user>` in full, or a new endpoint of a known user).
    ///
    /// # Errors
    /// [`StateError::AlreadyMember`], [`StateError::Full`].
    pub fn join(&mut self, key: K, member: Member) -> Result<Change, StateError> {
        if self.member(&key).is_some() {
            return Err(StateError::AlreadyMember);
        }
        if self.members.len() >= self.max_members {
            return Err(StateError::Full);
        }
        let known = self.members.iter().any(|(_, m)| m.entity == member.entity);
        let user = if known {
            User {
                entity: Some(member.entity.clone()),
                state: ElementState::Partial,
                endpoints: vec![member.endpoint(ElementState::Full)],
                ..User::default()
            }
        } else {
            let mut user = User {
                entity: Some(member.entity.clone()),
                display_text: member.display_text.clone(),
                roles: member.roles.clone(),
                endpoints: vec![member.endpoint(ElementState::Full)],
                ..User::default()
            };
            user.state = ElementState::Full;
            user
        };
        self.members.push((key, member));
        Ok(self.change(user))
    }

    /// A member left: its `<endpoint>` is deleted, and its `<user>` too when it was the last
    /// endpoint of that user. `None` if `key` is not a member.
    pub fn leave(&mut self, key: &K, method: DisconnectionMethod) -> Option<Change> {
        let at = self.members.iter().position(|(k, _)| k == key)?;
        let (_, member) = self.members.remove(at);
        let still_there = self.members.iter().any(|(_, m)| m.entity == member.entity);
        let user = if still_there {
            let mut endpoint = member.endpoint(ElementState::Deleted);
            endpoint.status = Some(EndpointStatus::Disconnected);
            endpoint.disconnection_method = Some(method);
            endpoint.media.clear();
            endpoint.joining_method = None;
            User {
                entity: Some(member.entity),
                state: ElementState::Partial,
                endpoints: vec![endpoint],
                ..User::default()
            }
        } else {
            User {
                entity: Some(member.entity),
                state: ElementState::Deleted,
                ..User::default()
            }
        };
        Some(self.change(user))
    }

    /// A member's display text changed (a `NICKNAME`, CHAT-1). Every member of the same entity
    /// takes it. `None` if `key` is not a member.
    pub fn set_display_text(&mut self, key: &K, display_text: Option<&str>) -> Option<Change> {
        let entity = self.member(key)?.entity.clone();
        for (_, m) in self.members.iter_mut().filter(|(_, m)| m.entity == entity) {
            m.display_text = display_text.map(str::to_owned);
        }
        let mut user = self.user(&entity);
        user.endpoints.clear();
        user.roles.clear();
        user.state = ElementState::Partial;
        Some(self.change(user))
    }

    fn own_entity(&self, sub: &Subscription<K>) -> Option<&str> {
        let own = sub.own.as_ref()?;
        self.member(own).map(|m| m.entity.as_str())
    }

    /// The full document for `sub` (its next version), with its own `<user>` marked
    /// `yourown` (ALIAS-4). Use it for the first NOTIFY and whenever the subscriber must
    /// resynchronize.
    pub fn full_document(&self, sub: &mut Subscription<K>) -> ConferenceInfo {
        let own = self.own_entity(sub).map(str::to_owned);
        let users = self
            .entities()
            .into_iter()
            .map(|entity| {
                let mut user = self.user(entity);
                user.yourown = own.as_deref() == Some(entity);
                user
            })
            .collect();
        sub.revision = Some(self.revision);
        ConferenceInfo {
            entity: self.entity.clone(),
            state: ElementState::Full,
            version: Some(sub.next_version()),
            description: self.description.clone(),
            conference_state: Some(ConferenceStateElement {
                user_count: Some(self.count_u32()),
                active: Some(true),
                locked: None,
            }),
            users: Some(Users {
                state: ElementState::Full,
                users,
            }),
        }
    }

    /// The document that tells `sub` about `change`:
    /// - `None` if `sub` has already seen it (a full document was made after it);
    /// - a partial document if `sub` has seen every earlier change;
    /// - otherwise (a change was skipped, or no document was sent yet) a full document of the
    ///   current state, so the subscriber never holds incoherent state.
    pub fn notification(
        &self,
        change: &Change,
        sub: &mut Subscription<K>,
    ) -> Option<ConferenceInfo> {
        match sub.revision {
            Some(seen) if change.revision <= seen => return None,
            Some(seen) if change.revision == seen.saturating_add(1) => {}
            _ => return Some(self.full_document(sub)),
        }
        let mut user = change.user.clone();
        user.yourown =
            self.own_entity(sub).is_some() && self.own_entity(sub) == user.entity.as_deref();
        sub.revision = Some(change.revision);
        Some(ConferenceInfo {
            entity: self.entity.clone(),
            state: ElementState::Partial,
            version: Some(sub.next_version()),
            description: None,
            conference_state: Some(ConferenceStateElement {
                user_count: Some(change.user_count),
                active: Some(true),
                locked: None,
            }),
            users: Some(Users {
                state: ElementState::Partial,
                users: vec![user],
            }),
        })
    }
}
