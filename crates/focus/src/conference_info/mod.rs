//! The conference event package's document, `application/conference-info+xml` (RFC 4575),
//! and the per-room state that produces it (REQ: FOC-8, ALIAS-4, SEC-1).
//!
//! - [`ConferenceInfo`] and its parts: the document model, built with
//!   [`ConferenceInfo::to_xml`] and read with [`ConferenceInfo::parse`]; building then parsing
//!   gives back an equal value.
//! - [`ConferenceState`]: one room's members and a shared change counter; it makes the full
//!   document for a new subscriber and the partial document for each change, per
//!   [`Subscription`] (RFC 4575 versions are scoped within a subscription).
//! - Aliases (ALIAS-4): a private participant joins as [`Member::private`] and appears only
//!   under its alias URI and nickname (SEC-1); the subscriber's own `<user>` carries the OMA
//!   `yourown="true"` marker, written as [`YourOwnForm`] says.
//!
//! # What the parser accepts
//!
//! - Namespace-aware: the RFC 4575 namespace may be the default or bound to any prefix. The
//!   root must be `<conference-info>` in it ([`ParseErrorKind::Root`]).
//! - Unknown elements, in any namespace, are **skipped** (not kept): extensions (`##other`),
//!   and the RFC 4575 parts this model does not hold (`<host-info>`, `<sidebars-by-*>`,
//!   `<keywords>`, `<available-media>`, `<associated-aors>`, `<languages>`,
//!   `<cascaded-focus>`, `<referred>`, `<joining-info>`, `<disconnection-info>`,
//!   `<call-info>`). They must still be well-formed and within the limits. Unknown attributes
//!   are ignored, except any attribute whose local name is `yourown`.
//! - Child order is not enforced; a known single-valued element twice is
//!   [`ParseErrorKind::Element`].
//! - `xs:string` text (display text, subject, roles, ...) is kept as written; URIs,
//!   enumerations, numbers and booleans have XML white space trimmed.
//! - UTF-8 only; no DTD (refused), no entity besides the five predefined ones and character
//!   references. Bounded by [`ParseLimits`] (size, depth, element count).
//!
//! Errors are [`ParseError`]s: a [`ParseErrorKind`] and the byte offset where the offending
//! construct starts.
//!
//! ```
//! use simpleim_focus::alias::{AliasRegistry, RequestedUri};
//! use simpleim_focus::conference_info::{ConferenceInfo, ConferenceState, Member, Subscription};
//!
//! let mut aliases = AliasRegistry::new(100);
//! let mut room = ConferenceState::new("sip:chat@conf.example.com", 100);
//!
//! // An anonymous participant asking to be "bob" (SEC-1: its real identity never enters).
//! let bob = aliases.join(7, Some("bob"), RequestedUri::Anonymous)?.alias;
//! room.join(7, Member::private(&bob))?;
//!
//! // Bob subscribes: he sees himself under his alias, marked as his own (ALIAS-4).
//! let mut sub = Subscription::new(Some(7));
//! let xml = room.full_document(&mut sub).to_xml();
//! assert!(xml.contains(
//!     r#"<user entity="sip:anonymous@anonymous.invalid" state="full" yourown="true">"#
//! ));
//! let back = ConferenceInfo::parse(xml.as_bytes())?;
//! assert_eq!(back.users.unwrap().users[0].display_text.as_deref(), Some("bob"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod model;
mod parse;
mod read;
mod room;
mod write;

/// The XML namespace of conference-info documents (RFC 4575).
pub const CONFERENCE_INFO_NAMESPACE: &str = "urn:ietf:params:xml:ns:conference-info";

/// The media type of conference-info documents (RFC 4575).
pub const CONFERENCE_INFO_CONTENT_TYPE: &str = "application/conference-info+xml";

/// The SIP event package name (RFC 4575): `Event: conference`.
pub const CONFERENCE_EVENT_PACKAGE: &str = "conference";

pub use error::{ParseError, ParseErrorKind};
pub use model::{
    ConferenceDescription, ConferenceInfo, ConferenceStateElement, DisconnectionMethod,
    ElementState, Endpoint, EndpointStatus, JoiningMethod, Media, MediaStatus, UriEntry, User,
    Users,
};
pub use read::ParseLimits;
pub use room::{Change, ConferenceState, Member, StateError, Subscription};
pub use write::{WriteOptions, YourOwnForm};
