//! The alias table of one room (seed 000 §7.2.3.2: "a table where all the participants are
//! listed with the chat aliases they are using"), REQ: ALIAS-2, CHAT-1.

use std::collections::HashMap;
use std::hash::Hash;

use super::error::AliasError;
use super::normalize::NormalizedAlias;
use super::policy::{
    AliasPolicy, AliasRequest, AliasesInUse, ChatAlias, DefaultAliasPolicy, OnClash, RequestedUri,
};

/// The alias a join produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The alias now held.
    pub alias: ChatAlias,
    /// Whether it differs from what was asked: another display name, or (anonymous) another
    /// URI than `sip:anonymous@anonymous.invalid`. When true, the participant learns its alias
    /// from the `message/cpim` part of the 200 OK (ALIAS-3, seed 001 §7.2.3.2).
    pub changed: bool,
}

#[derive(Debug, Clone)]
struct Entry {
    alias: ChatAlias,
    /// The URI was made by the policy for an anonymous participant, and is indexed.
    anonymous: bool,
}

/// The aliases held in one room, unique under [`NormalizedAlias`], decided by a pluggable
/// [`AliasPolicy`] and bounded in number.
///
/// `K` is whatever holds one alias. A session handle gives every session its own alias. A key
/// shared by one user's devices gives RFC 7701's shared nickname across devices — but then the
/// key must include whether the session is anonymous: a user's anonymous and public sessions
/// must never share an entry, or the alias would tie the two (SEC-1).
///
/// Anonymous URIs are indexed for [`Self::owner_by_uri`]; public URIs are not (one user may be
/// present under several keys).
#[derive(Debug, Clone)]
pub struct AliasRegistry<K, P = DefaultAliasPolicy> {
    policy: P,
    max_aliases: usize,
    by_owner: HashMap<K, Entry>,
    by_name: HashMap<NormalizedAlias, K>,
    by_uri: HashMap<String, K>,
}

/// The table seen by the policy: everyone but `except`.
struct Others<'a, K> {
    by_name: &'a HashMap<NormalizedAlias, K>,
    by_uri: &'a HashMap<String, K>,
    count: usize,
    except: Option<&'a K>,
}

impl<K: Eq> AliasesInUse for Others<'_, K> {
    fn is_name_taken(&self, key: &NormalizedAlias) -> bool {
        self.by_name
            .get(key)
            .is_some_and(|owner| Some(owner) != self.except)
    }

    fn is_uri_taken(&self, uri: &str) -> bool {
        self.by_uri
            .get(uri)
            .is_some_and(|owner| Some(owner) != self.except)
    }

    fn count(&self) -> usize {
        self.count
    }
}

impl<K: Clone + Eq + Hash> AliasRegistry<K, DefaultAliasPolicy> {
    /// A registry with the [`DefaultAliasPolicy`], holding at most `max_aliases`.
    #[must_use]
    pub fn new(max_aliases: usize) -> Self {
        Self::with_policy(DefaultAliasPolicy::default(), max_aliases)
    }
}

impl<K: Clone + Eq + Hash, P: AliasPolicy> AliasRegistry<K, P> {
    /// A registry deciding with `policy`, holding at most `max_aliases`.
    #[must_use]
    pub fn with_policy(policy: P, max_aliases: usize) -> Self {
        Self {
            policy,
            max_aliases,
            by_owner: HashMap::new(),
            by_name: HashMap::new(),
            by_uri: HashMap::new(),
        }
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &P {
        &self.policy
    }

    fn others<'a>(&'a self, except: Option<&'a K>) -> Others<'a, K> {
        Others {
            by_name: &self.by_name,
            by_uri: &self.by_uri,
            count: self.by_owner.len(),
            except,
        }
    }

    /// Reserves an alias for a joining `owner` (ALIAS-2): `display_name` is the `From` display
    /// name, `uri` the authenticated identity or [`RequestedUri::Anonymous`]. A clash gives a
    /// changed alias.
    ///
    /// # Errors
    /// [`AliasError::AlreadyHeld`] if `owner` holds an alias; [`AliasError::Exhausted`] when the
    /// table is full; otherwise the policy's refusal (e.g. [`AliasError::Malformed`]).
    pub fn join(
        &mut self,
        owner: K,
        display_name: Option<&str>,
        uri: RequestedUri<'_>,
    ) -> Result<Assignment, AliasError> {
        if self.by_owner.contains_key(&owner) {
            return Err(AliasError::AlreadyHeld);
        }
        if self.by_owner.len() >= self.max_aliases {
            return Err(AliasError::Exhausted);
        }
        let request = AliasRequest {
            display_name,
            uri,
            on_clash: OnClash::Rename,
        };
        let alias = self.policy.assign(&request, &self.others(None))?;
        let anonymous = uri == RequestedUri::Anonymous;
        let expected_uri = match uri {
            RequestedUri::Given(given) => given,
            RequestedUri::Anonymous => DefaultAliasPolicy::ANONYMOUS_URI,
        };
        let changed = alias.display_name() != display_name || alias.uri() != expected_uri;
        self.insert(owner, alias.clone(), anonymous)?;
        Ok(Assignment { alias, changed })
    }

    /// Changes the nickname of `owner` (RFC 7701 `NICKNAME`, CHAT-1), keeping its URI. Asking
    /// for one's own nickname again, in any case, succeeds. A clash is refused, never renamed.
    ///
    /// # Errors
    /// [`AliasError::UnknownOwner`], or the policy's refusal: [`AliasError::Malformed`] (424),
    /// [`AliasError::InUse`] or [`AliasError::Reserved`] (425). On error nothing changes.
    pub fn rename(&mut self, owner: &K, nickname: &str) -> Result<&ChatAlias, AliasError> {
        let entry = self.by_owner.get(owner).ok_or(AliasError::UnknownOwner)?;
        let request = AliasRequest {
            display_name: Some(nickname),
            uri: RequestedUri::Given(entry.alias.uri()),
            on_clash: OnClash::Refuse,
        };
        let alias = self.policy.assign(&request, &self.others(Some(owner)))?;
        let anonymous = entry.anonymous;
        let Some(old) = self.remove(owner) else {
            return Err(AliasError::UnknownOwner);
        };
        if let Err(e) = self.insert(owner.clone(), alias, anonymous) {
            // Cannot happen after the policy's checks, but never lose the old alias.
            let _ = self.insert(owner.clone(), old, anonymous);
            return Err(e);
        }
        self.get(owner).ok_or(AliasError::UnknownOwner)
    }

    /// Frees the alias of `owner` (the participant left); the alias may be given again.
    pub fn release(&mut self, owner: &K) -> Option<ChatAlias> {
        self.remove(owner)
    }

    /// The alias `owner` holds.
    #[must_use]
    pub fn get(&self, owner: &K) -> Option<&ChatAlias> {
        self.by_owner.get(owner).map(|e| &e.alias)
    }

    /// Who holds a display name with the same key as `name` (for a private message addressed
    /// by nickname).
    #[must_use]
    pub fn owner_by_name(&self, name: &str) -> Option<&K> {
        self.by_name.get(&NormalizedAlias::new(name))
    }

    /// Who holds this anonymous URI (compared exactly).
    #[must_use]
    pub fn owner_by_uri(&self, uri: &str) -> Option<&K> {
        self.by_uri.get(uri)
    }

    /// How many aliases are held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_owner.len()
    }

    /// Whether none is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_owner.is_empty()
    }

    /// Every holder and its alias, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &ChatAlias)> {
        self.by_owner.iter().map(|(k, e)| (k, &e.alias))
    }

    fn insert(&mut self, owner: K, alias: ChatAlias, anonymous: bool) -> Result<(), AliasError> {
        // Re-check what a third-party policy returned: uniqueness is the registry's promise.
        let others = self.others(Some(&owner));
        let key = alias.key();
        if key.as_ref().is_some_and(|k| others.is_name_taken(k))
            || (anonymous && others.is_uri_taken(alias.uri()))
        {
            return Err(AliasError::InUse);
        }
        if let Some(key) = key {
            self.by_name.insert(key, owner.clone());
        }
        if anonymous {
            self.by_uri.insert(alias.uri().to_owned(), owner.clone());
        }
        self.by_owner.insert(owner, Entry { alias, anonymous });
        Ok(())
    }

    fn remove(&mut self, owner: &K) -> Option<ChatAlias> {
        let entry = self.by_owner.remove(owner)?;
        if let Some(key) = entry.alias.key() {
            self.by_name.remove(&key);
        }
        if entry.anonymous {
            self.by_uri.remove(entry.alias.uri());
        }
        Some(entry.alias)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_keeps_uri_and_frees_old_name() {
        // REQ: CHAT-1
        let mut reg = AliasRegistry::new(8);
        reg.join(1, Some("bob"), RequestedUri::Anonymous).unwrap();
        reg.join(
            2,
            Some("alice"),
            RequestedUri::Given("sip:alice@example.com"),
        )
        .unwrap();
        assert_eq!(reg.rename(&1, "Alice"), Err(AliasError::InUse));
        assert_eq!(reg.rename(&1, "BOB").unwrap().display_name(), Some("BOB"));
        let renamed = reg.rename(&1, "robert").unwrap();
        assert_eq!(renamed.uri(), "sip:anonymous@anonymous.invalid");
        assert_eq!(reg.owner_by_name("bob"), None);
        assert_eq!(reg.owner_by_name("Robert"), Some(&1));
        assert_eq!(
            reg.owner_by_uri("sip:anonymous@anonymous.invalid"),
            Some(&1)
        );
        assert_eq!(reg.rename(&3, "x"), Err(AliasError::UnknownOwner));
    }

    #[test]
    fn bounded() {
        let mut reg = AliasRegistry::new(1);
        reg.join("a", None, RequestedUri::Anonymous).unwrap();
        assert_eq!(
            reg.join("b", None, RequestedUri::Anonymous),
            Err(AliasError::Exhausted)
        );
        assert_eq!(
            reg.join("a", None, RequestedUri::Anonymous),
            Err(AliasError::AlreadyHeld)
        );
    }
}
