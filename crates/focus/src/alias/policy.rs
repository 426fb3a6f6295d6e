//! Which alias a participant gets: the pluggable [`AliasPolicy`] and its default
//! (REQ: ALIAS-2, CHAT-1).

use std::fmt::Write as _;

use bytes::Bytes;
use simpleim_cpim::Address;
use unicode_normalization::UnicodeNormalization;

use super::error::AliasError;
use super::normalize::{NormalizedAlias, check_well_formed};

/// The identity a participant is known by in the room: the display name (the chat alias
/// proper, optional) and the URI (seed 000 §7.2.3.2: the `From` "values" in the mapping table,
/// e.g. `"bob" <sip:anonymous@anonymous.invalid>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChatAlias {
    display_name: Option<String>,
    uri: String,
}

impl ChatAlias {
    /// An alias of this display name and URI, as given (no check, no normalization).
    #[must_use]
    pub fn new(display_name: Option<&str>, uri: &str) -> Self {
        Self {
            display_name: display_name.map(str::to_owned),
            uri: uri.to_owned(),
        }
    }

    /// The display name (the nickname), as assigned: the requester's spelling, perhaps with a
    /// `-N` suffix.
    #[must_use]
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The URI: the participant's own for a public participant, a generated
    /// `sip:anonymousN@anonymous.invalid` for an anonymous one.
    #[must_use]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The display name's comparison key, if there is a display name.
    #[must_use]
    pub fn key(&self) -> Option<NormalizedAlias> {
        self.display_name.as_deref().map(NormalizedAlias::new)
    }

    /// As a CPIM address (`"bob-2" <sip:anonymous2@anonymous.invalid>`), for the `To` of the
    /// 200 OK wrapper (ALIAS-3) or a relayed message's `From`.
    #[must_use]
    pub fn to_cpim_address(&self) -> Address {
        Address::new(
            self.display_name.as_deref(),
            Bytes::copy_from_slice(self.uri.as_bytes()),
        )
    }
}

/// What to do when the requested nickname is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnClash {
    /// Give a changed alias (`bob` → `bob-2`): joining a room (INVITE, REFER), ALIAS-2.
    Rename,
    /// Refuse with [`AliasError::InUse`] (425): an RFC 7701 `NICKNAME` request, CHAT-1.
    Refuse,
}

/// The URI part of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestedUri<'a> {
    /// Keep this URI: a public participant's authenticated identity (SEC-1: from
    /// P-Asserted-Identity), or the current alias URI on a rename.
    Given(&'a str),
    /// The participant asked for anonymity (`Privacy: id`, ALIAS-1 passed): the policy makes
    /// an anonymous URI. Whatever URI the request carried is ignored, so nothing the client put
    /// there can leak (SEC-1).
    Anonymous,
}

/// A request for an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AliasRequest<'a> {
    /// The nickname asked for: the `From` display name on a join (`User_Input_Name`, seed
    /// 001 §7.1.3.2.1), the `Use-Nickname` value of a `NICKNAME`; `None` for none.
    pub display_name: Option<&'a str>,
    /// The URI to keep, or a request for an anonymous one.
    pub uri: RequestedUri<'a>,
    /// Rename or refuse on a clash.
    pub on_clash: OnClash,
}

/// The aliases held by *other* participants, as a policy sees them.
pub trait AliasesInUse {
    /// Whether a display name with this key is taken.
    fn is_name_taken(&self, key: &NormalizedAlias) -> bool;
    /// Whether this URI is taken (compared exactly).
    fn is_uri_taken(&self, uri: &str) -> bool;
    /// How many aliases are held.
    fn count(&self) -> usize;
}

/// Decides the alias a participant gets (REQ: ALIAS-2, pluggable). A policy is pure: it reads
/// the aliases in use and returns a decision; the [`AliasRegistry`](super::AliasRegistry)
/// records it.
///
/// A policy must return an alias whose display-name key and (anonymous) URI are not taken, or
/// the registry refuses it with [`AliasError::InUse`].
pub trait AliasPolicy {
    /// The alias for `request`, given the aliases in use.
    ///
    /// # Errors
    /// [`AliasError::Malformed`], [`AliasError::InUse`], [`AliasError::Reserved`] or
    /// [`AliasError::Exhausted`], as the policy decides.
    fn assign(
        &self,
        request: &AliasRequest<'_>,
        in_use: &dyn AliasesInUse,
    ) -> Result<ChatAlias, AliasError>;
}

/// The default policy.
///
/// - A nickname must be well formed ([`check_well_formed`](super::check_well_formed)) and at
///   most [`Self::max_chars`] long, or the request fails with 424.
/// - Uniqueness is on the [`NormalizedAlias`] key. On a clash, [`OnClash::Refuse`] fails with
///   425; [`OnClash::Rename`] gives `name-N` with the smallest free `N ≥ 2` (`bob`, `bob-2`,
///   `bob-3`, ...), the name cut short (by scalar values) when the suffix would exceed the
///   limit. Reserved names count as taken.
/// - Anonymous URIs follow the seeds (000 and 001 §7.2.3.2): `sip:anonymous@anonymous.invalid`
///   (RFC 3323) while free, then `sip:anonymousN@anonymous.invalid` with the smallest free
///   `N ≥ 2`. The display name and the URI are numbered independently (the seeds leave the
///   form to local policy), so `bob` may become `bob-2` with `sip:anonymous3@...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultAliasPolicy {
    /// The longest nickname, in Unicode scalar values after NFC. Default 64.
    pub max_chars: usize,
    /// Names nobody may take (compared by key). Default: the system-message sender names of
    /// seed 000 §7.2.3.5, `SysAdmin`, `Announcement` and `Advertisement`, so that no
    /// participant can pass for the system.
    pub reserved: Vec<NormalizedAlias>,
}

impl DefaultAliasPolicy {
    /// The default nickname length limit.
    pub const DEFAULT_MAX_CHARS: usize = 64;
    /// The URI of the first anonymous participant (RFC 3323 §4.1.1.3).
    pub const ANONYMOUS_URI: &'static str = "sip:anonymous@anonymous.invalid";

    /// Whether `key` is reserved.
    fn is_reserved(&self, key: &NormalizedAlias) -> bool {
        self.reserved.contains(key)
    }

    fn choose_name(
        &self,
        wanted: &str,
        on_clash: OnClash,
        in_use: &dyn AliasesInUse,
    ) -> Result<String, AliasError> {
        check_well_formed(wanted, self.max_chars).map_err(AliasError::Malformed)?;
        let key = NormalizedAlias::new(wanted);
        let reserved = self.is_reserved(&key);
        if !reserved && !in_use.is_name_taken(&key) {
            return Ok(wanted.to_owned());
        }
        if on_clash == OnClash::Refuse {
            return Err(if reserved {
                AliasError::Reserved
            } else {
                AliasError::InUse
            });
        }
        let composed: Vec<char> = wanted.nfc().collect();
        // Every taken or reserved key blocks at most one `N`, so one of these is free.
        let last = in_use
            .count()
            .saturating_add(self.reserved.len())
            .saturating_add(2);
        let mut candidate = String::new();
        for n in 2..=last {
            candidate.clear();
            let suffix_len = 1 + decimal_len(n);
            let Some(room) = self.max_chars.checked_sub(suffix_len) else {
                return Err(AliasError::Exhausted);
            };
            candidate.extend(composed.iter().take(room));
            let _ = write!(candidate, "-{n}");
            let key = NormalizedAlias::new(&candidate);
            if !self.is_reserved(&key) && !in_use.is_name_taken(&key) {
                return Ok(candidate);
            }
        }
        Err(AliasError::Exhausted)
    }
}

fn decimal_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

/// `sip:anonymous@anonymous.invalid` for `n == 1`, else `sip:anonymous{n}@anonymous.invalid`.
#[must_use]
pub fn anonymous_uri(n: usize) -> String {
    if n <= 1 {
        DefaultAliasPolicy::ANONYMOUS_URI.to_owned()
    } else {
        format!("sip:anonymous{n}@anonymous.invalid")
    }
}

impl Default for DefaultAliasPolicy {
    fn default() -> Self {
        Self {
            max_chars: Self::DEFAULT_MAX_CHARS,
            reserved: ["SysAdmin", "Announcement", "Advertisement"]
                .into_iter()
                .map(NormalizedAlias::new)
                .collect(),
        }
    }
}

impl AliasPolicy for DefaultAliasPolicy {
    fn assign(
        &self,
        request: &AliasRequest<'_>,
        in_use: &dyn AliasesInUse,
    ) -> Result<ChatAlias, AliasError> {
        let display_name = request
            .display_name
            .map(|wanted| self.choose_name(wanted, request.on_clash, in_use))
            .transpose()?;
        let uri = match request.uri {
            RequestedUri::Given(uri) => uri.to_owned(),
            RequestedUri::Anonymous => {
                let last = in_use.count().saturating_add(1);
                (1..=last)
                    .map(anonymous_uri)
                    .find(|uri| !in_use.is_uri_taken(uri))
                    .ok_or(AliasError::Exhausted)?
            }
        };
        Ok(ChatAlias { display_name, uri })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[derive(Default)]
    struct Taken {
        names: HashSet<NormalizedAlias>,
        uris: HashSet<String>,
    }

    impl AliasesInUse for Taken {
        fn is_name_taken(&self, key: &NormalizedAlias) -> bool {
            self.names.contains(key)
        }
        fn is_uri_taken(&self, uri: &str) -> bool {
            self.uris.contains(uri)
        }
        fn count(&self) -> usize {
            self.names.len().max(self.uris.len())
        }
    }

    fn join(name: &str) -> AliasRequest<'_> {
        AliasRequest {
            display_name: Some(name),
            uri: RequestedUri::Anonymous,
            on_clash: OnClash::Rename,
        }
    }

    #[test]
    fn suffix_fits_the_limit() {
        // REQ: ALIAS-2
        let policy = DefaultAliasPolicy {
            max_chars: 5,
            ..DefaultAliasPolicy::default()
        };
        let mut taken = Taken::default();
        taken.names.insert(NormalizedAlias::new("alice"));
        let alias = policy.assign(&join("alice"), &taken).unwrap();
        assert_eq!(alias.display_name(), Some("ali-2"));
        assert_eq!(alias.uri(), "sip:anonymous@anonymous.invalid");
    }

    #[test]
    fn reserved_names() {
        let policy = DefaultAliasPolicy::default();
        let taken = Taken::default();
        let alias = policy.assign(&join("sysadmin"), &taken).unwrap();
        assert_eq!(alias.display_name(), Some("sysadmin-2"));
        let refuse = AliasRequest {
            on_clash: OnClash::Refuse,
            ..join("SYSADMIN")
        };
        assert_eq!(policy.assign(&refuse, &taken), Err(AliasError::Reserved));
    }

    #[test]
    fn no_room_for_a_suffix() {
        let policy = DefaultAliasPolicy {
            max_chars: 1,
            reserved: Vec::new(),
        };
        let mut taken = Taken::default();
        taken.names.insert(NormalizedAlias::new("a"));
        assert_eq!(
            policy.assign(&join("a"), &taken),
            Err(AliasError::Exhausted)
        );
    }

    #[test]
    fn decimal_lengths() {
        assert_eq!(decimal_len(9), 1);
        assert_eq!(decimal_len(10), 2);
        assert_eq!(decimal_len(12345), 5);
    }
}
