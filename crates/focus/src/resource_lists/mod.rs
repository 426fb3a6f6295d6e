//! URI lists: `application/resource-lists+xml` documents (RFC 4826 §3) with the copy-control
//! attributes of RFC 5364, and the request bodies that carry them to a conference factory
//! (RFC 5366) — the invitees of an ad-hoc group (REQ: FOC-4) and of the client's INVITE that
//! starts one (REQ: CLI-1).
//!
//! - [`ResourceLists`] and its parts: the document model, written with
//!   [`ResourceLists::to_xml`] (quick-xml's writer) and read with [`ResourceLists::parse`];
//!   writing then parsing gives back an equal value.
//! - [`recipient_list_body`] and [`split_recipient_list_body`]: the `multipart/mixed` body of
//!   RFC 5366 §4, the SDP offer beside the list marked `Content-Disposition: recipient-list`.
//! - [`unique_uris`]: each invitee once, URIs compared as RFC 3261 §19.1.4 says.
//!
//! # What the parser accepts
//!
//! - Namespace-aware: the RFC 4826 namespace may be the default or bound to any prefix, and so
//!   may the copy-control one (`urn:ietf:params:xml:ns:copycontrol`). The root must be
//!   `<resource-lists>` ([`ParseErrorKind::Root`]).
//! - `<list>` (with `name` and `<display-name>`), `<entry>` (`uri` required, `<display-name>`,
//!   `cp:copyControl`, `cp:anonymize`), `<entry-ref>` (`ref` required) and `<external>`
//!   (`anchor`) are read; lists nest. `<entry-ref>` and `<external>` are **kept as
//!   references** ([`ResourceLists::references`]) and never resolved: resolving them needs an
//!   XCAP server this crate does not talk to.
//! - Unknown elements, in any namespace (RFC 4826's `##other` extensions, RFC 4826 elements a
//!   later revision might add), are **skipped**; unknown attributes are ignored (RFC 5364's
//!   `cp:count` among them). Skipped content must still be well-formed and within the limits.
//! - A known attribute with a value the schema does not allow is an error
//!   ([`ParseErrorKind::Value`]); so is a second `<display-name>` in one parent, or text
//!   where only elements may be ([`ParseErrorKind::Element`]).
//! - URIs and references have XML white space trimmed; display names are kept as written.
//! - UTF-8 only; no DTD (refused), no entity besides the five predefined ones and character
//!   references. Bounded by [`ParseLimits`]: size, nesting depth, entries, elements
//!   (REQ: SEC-2).
//!
//! Parsing is zero-copy where it can be: a URI, name or display name that needed no
//! unescaping is a [`Bytes`](bytes::Bytes) slice of the input ([`Text`]), and the URIs parse
//! into [`simpleim_sip::Uri`] from those bytes without another copy.
//!
//! Errors are [`ParseError`]s: a [`ParseErrorKind`] and the byte offset where the offending
//! construct starts, with [`ParseError::status_hint`] for the SIP answer.
//!
//! # Example
//! The focus side of REQ: FOC-4: an INVITE to the conference factory arrives with the body of
//! RFC 5366 §6; the focus takes the offer and the invitees, each once.
//!
//! ```
//! use bytes::Bytes;
//! use simpleim_focus::resource_lists::{
//!     CopyControl, ParseLimits, ResourceLists, split_recipient_list_body_with_limits,
//! };
//!
//! let content_type = Bytes::from_static(b"multipart/mixed;boundary=\"boundary1\"");
//! let body = Bytes::from_static(b"--boundary1\r\n\
//! Content-Type: application/sdp\r\n\r\n\
//! v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
//! m=message 7654 TCP/MSRP *\r\na=accept-types:message/cpim\r\n\
//! a=path:msrp://192.0.2.1:7654/jshA7we;tcp\r\n\
//! \r\n--boundary1\r\n\
//! Content-Type: application/resource-lists+xml\r\n\
//! Content-Disposition: recipient-list\r\n\r\n\
//! <?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
//! <resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"\n\
//!     xmlns:cp=\"urn:ietf:params:xml:ns:copycontrol\">\n\
//!   <list>\n\
//!     <entry uri=\"sip:bill@example.com\" cp:copyControl=\"to\"/>\n\
//!     <entry uri=\"sip:randy@example.net\" cp:copyControl=\"to\" cp:anonymize=\"true\"/>\n\
//!     <entry uri=\"sip:BILL@example.com\"/>\n\
//!     <entry uri=\"sip:bill@Example.COM\"/>\n\
//!   </list>\n\
//! </resource-lists>\n\
//! \r\n--boundary1--\r\n");
//!
//! // The focus's bound on an ad-hoc group, applied while parsing (REQ: FOC-4, SEC-2).
//! let limits = ParseLimits { max_entries: 20, ..ParseLimits::default() };
//! let parts = split_recipient_list_body_with_limits(&content_type, &body, limits)?;
//! assert!(parts.sdp.unwrap().starts_with(b"v=0"));
//!
//! // The user part is case-sensitive, the host is not (RFC 3261 §19.1.4).
//! let invitees: Vec<&str> = parts.list.unique_uris().iter().map(|e| e.uri.as_str()).collect();
//! assert_eq!(invitees, ["sip:bill@example.com", "sip:randy@example.net", "sip:BILL@example.com"]);
//! let randy = parts.list.entries().nth(1).unwrap();
//! assert_eq!(randy.copy_control, Some(CopyControl::To));
//! assert!(randy.is_anonymized());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod body;
mod dedup;
mod error;
mod model;
mod parse;
mod read;
mod write;

/// The XML namespace of resource-lists documents (RFC 4826 §3.1).
pub const RESOURCE_LISTS_NAMESPACE: &str = "urn:ietf:params:xml:ns:resource-lists";

/// The XML namespace of the copy-control attributes (RFC 5364 §4).
pub const COPY_CONTROL_NAMESPACE: &str = "urn:ietf:params:xml:ns:copycontrol";

/// The media type of resource-lists documents (RFC 4826 §3.1).
pub const RESOURCE_LISTS_CONTENT_TYPE: &str = "application/resource-lists+xml";

/// The Content-Disposition of a body part that lists a request's recipients (RFC 5363).
pub const RECIPIENT_LIST_DISPOSITION: &str = "recipient-list";

/// The option tag of an INVITE that carries a recipient list (RFC 5366): a UAC puts it
/// in `Require` so that a server without the extension fails the request (420) instead of
/// silently ignoring the invitees.
pub const RECIPIENT_LIST_INVITE: &str = "recipient-list-invite";

pub use body::{
    MultipartBody, RecipientListParts, recipient_list_body, split_recipient_list_body,
    split_recipient_list_body_with_limits,
};
pub use dedup::{same_uri, unique_uris};
pub use error::{BuildError, ParseError, ParseErrorKind, SplitError};
pub use model::{
    CopyControl, DisplayName, Entry, EntryRef, External, Items, List, ListItem, Reference,
    ResourceLists, Text,
};
pub use read::ParseLimits;
