//! Chat aliases: who is called what in a room (REQ: ALIAS-2, ALIAS-3, CHAT-1).
//!
//! - [`AliasRegistry`]: the per-room table of seed 000 §7.2.3.2, with reserve
//!   ([`AliasRegistry::join`]), rename ([`AliasRegistry::rename`], RFC 7701 `NICKNAME`),
//!   release, lookups by normalized nickname and by anonymous URI, and a size bound.
//! - [`AliasPolicy`]: decides the alias (pluggable); [`DefaultAliasPolicy`] gives `bob`,
//!   `bob-2`, `bob-3`, ... on a clash when joining, refuses a clash on `NICKNAME` (425), refuses
//!   malformed nicknames (424), and numbers anonymous participants
//!   `sip:anonymous@anonymous.invalid`, `sip:anonymous2@anonymous.invalid`, ... as the seeds do.
//! - [`NormalizedAlias`]: the comparison key, `NFC(to_lowercase(NFC(s)))`; what it does and
//!   does not unify is listed there.
//! - [`alias_join_body`]: the `multipart/mixed` 200 OK body that tells a joiner its alias
//!   (ALIAS-3).
//!
//! ALIAS-1 (403 with `Warning: 119` when anonymity is not allowed) is decided before any alias
//! is asked for: it belongs to the control plane.
//!
//! ```
//! use simpleim_focus::alias::{AliasError, AliasRegistry, RequestedUri};
//!
//! let mut room = AliasRegistry::new(100);
//! // Two anonymous participants both asking to be called "bob" (REQ: ALIAS-2).
//! let first = room.join("session-1", Some("bob"), RequestedUri::Anonymous)?;
//! let second = room.join("session-2", Some("Bob"), RequestedUri::Anonymous)?;
//! assert_eq!(first.alias.display_name(), Some("bob"));
//! assert_eq!(first.alias.uri(), "sip:anonymous@anonymous.invalid");
//! assert!(!first.changed);
//! assert_eq!(second.alias.display_name(), Some("Bob-2"));
//! assert_eq!(second.alias.uri(), "sip:anonymous2@anonymous.invalid");
//! assert!(second.changed);
//!
//! // RFC 7701 NICKNAME: a clash is refused with 425, a malformed name with 424 (CHAT-1).
//! let err = room.rename(&"session-2", "BOB").unwrap_err();
//! assert_eq!(err, AliasError::InUse);
//! assert_eq!(err.msrp_status(), 425);
//! assert_eq!(room.rename(&"session-2", "").unwrap_err().msrp_status(), 424);
//!
//! // A released alias can be given again.
//! room.release(&"session-1");
//! assert_eq!(room.owner_by_name("BOB"), None);
//! # Ok::<(), AliasError>(())
//! ```

mod error;
mod join_body;
mod normalize;
mod policy;
mod registry;

pub use error::{ACTION_NOT_ALLOWED, AliasError, MALFORMED_NICKNAME, NICKNAME_IN_USE};
pub use join_body::{JoinBody, JoinBodyError, alias_join_body};
pub use normalize::{Malformation, NormalizedAlias, check_well_formed};
pub use policy::{
    AliasPolicy, AliasRequest, AliasesInUse, ChatAlias, DefaultAliasPolicy, OnClash, RequestedUri,
    anonymous_uri,
};
pub use registry::{AliasRegistry, Assignment};
