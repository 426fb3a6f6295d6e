//! Where pre-defined groups come from (REQ: FOC-3): a [`GroupDirectory`] the control asks
//! when a request names a URI it serves no room for. The seeds' model is the Shared-Group
//! XDM document of a group: its members (`<list>`), its `<supported-services>` and its
//! authorization rules (`<allow-anonymity>`, `<allow-private-message>`, who may join or
//! initiate). [`MemoryDirectory`] is the in-memory default; a host backed by an XDM server or
//! a database implements the trait itself (answering from a cache: the control does not wait).
//!
//! A group found in the directory becomes a room at once ([`ControlEvent::RoomCreated`]);
//! the request then goes through the checks of REQ: FOC-1 (or LMM-1) like one to a room added
//! by hand.
//!
//! [`ControlEvent::RoomCreated`]: super::ControlEvent::RoomCreated

use core::fmt;

use simpleim_sip::{NameAddr, SipUri};

use super::config::{GroupServices, RoomConfig};
use super::policy::GroupPolicy;
use super::start::FinalStatusPolicy;

/// A pre-defined group, as its Shared-Group XDM document defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupDefinition {
    /// The IM Group Identity.
    pub identity: SipUri,
    /// `<display-name>`.
    pub display_name: Option<String>,
    /// `<list>`: the members, invited when a session starts.
    pub members: Vec<NameAddr>,
    /// `<supported-services>`.
    pub services: GroupServices,
    /// The authorization rules.
    pub policy: GroupPolicy,
    /// `<max-participant-count>`, if any.
    pub max_participants: Option<usize>,
}

impl GroupDefinition {
    /// A group with `members`, IM only, the default rules.
    #[must_use]
    pub fn new(identity: SipUri, members: Vec<NameAddr>) -> Self {
        Self {
            identity,
            display_name: None,
            members,
            services: GroupServices::default(),
            policy: GroupPolicy::default(),
            max_participants: None,
        }
    }

    /// The room configuration serving this group.
    #[must_use]
    pub fn room_config(&self) -> RoomConfig {
        let mut config = RoomConfig::new(self.identity.clone())
            .with_members(self.members.clone())
            .with_policy(self.policy.clone());
        config.display_name = self.display_name.clone();
        config.services = self.services;
        config.max_participants = self.max_participants;
        config.all_failed = FinalStatusPolicy::default();
        config
    }
}

/// The groups the focus may serve without a room added for them beforehand.
pub trait GroupDirectory: fmt::Debug + Send {
    /// The group whose identity is `uri` (compared as RFC 3261 §19.1.4 compares SIP URIs,
    /// parameters aside), if any.
    fn group(&self, uri: &SipUri) -> Option<GroupDefinition>;
}

/// The in-memory [`GroupDirectory`].
#[derive(Debug, Clone, Default)]
pub struct MemoryDirectory {
    groups: Vec<GroupDefinition>,
}

impl MemoryDirectory {
    /// An empty directory.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a group.
    pub fn insert(&mut self, group: GroupDefinition) {
        let key = super::RoomKey::of(&group.identity);
        self.groups
            .retain(|g| super::RoomKey::of(&g.identity) != key);
        self.groups.push(group);
    }

    /// Removes a group; true when it was there.
    pub fn remove(&mut self, uri: &SipUri) -> bool {
        let key = super::RoomKey::of(uri);
        let before = self.groups.len();
        self.groups
            .retain(|g| super::RoomKey::of(&g.identity) != key);
        self.groups.len() != before
    }

    /// How many groups it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

impl GroupDirectory for MemoryDirectory {
    fn group(&self, uri: &SipUri) -> Option<GroupDefinition> {
        let key = super::RoomKey::of(uri);
        self.groups
            .iter()
            .find(|g| super::RoomKey::of(&g.identity) == key)
            .cloned()
    }
}
