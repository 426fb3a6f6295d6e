//! The OMA SIMPLE IM client's side of a conference (REQ: CLI-1, CLI-2): the requests it sends
//! (REGISTER, the INVITE that joins a pre-defined group, the INVITE that starts an ad-hoc or
//! 1-1 session at a conference factory), the reading of the focus's 200 OK, and the CPIM body
//! of its SENDs. Builders and parsers only: no state machine, no I/O, no clock; identifiers
//! come from an injected [`IdGenerator`](simpleim_sip::IdGenerator).
//!
//! # Why in the focus crate
//! These helpers speak the focus's vocabulary, and only it: the chat alias and the
//! `multipart/mixed` 200 OK that tells it ([`alias_join_body`](crate::alias::alias_join_body),
//! read back here by [`JoinAnswer`]), the resource lists of ad-hoc groups
//! ([`resource_lists`](crate::resource_lists), written here and read by the focus), the
//! product names of the release version ([`IM_CLIENT_PRODUCT`](crate::control::IM_CLIENT_PRODUCT),
//! [`IM_SERVER_PRODUCT`](crate::control::IM_SERVER_PRODUCT)). Kept beside them, the two ends
//! of each exchange change together, and the tests drive these requests through the focus's
//! own control plane ([`Control`](crate::control::Control)) and read its real answers. A
//! separate client crate would have to depend on the focus for all of that anyway.
//!
//! # What the requests carry
//! | request | headers (seed 004) |
//! |---|---|
//! | REGISTER ([`ImClient::register`]) | Contact with `+g.oma.sip-im` (§6.1.1.1 step 2), `Require: pref` (step 3), User-Agent `IM-client/OMA1.0` (step 4), Expires; leaving IM drops the tag, de-registering sets `Expires: 0` (§6.1.1.3) |
//! | INVITE ([`ImClient::join_group`], [`ImClient::start_adhoc`]) | `Accept-Contact: *;+g.oma.sip-im;require;explicit` (§6.1.3.1 step 1), User-Agent (step 2), Allow (step 3), P-Preferred-Identity (step 4), Contact with `+g.oma.sip-im` (step 5), `Privacy: id` and From `"alias" <sip:anonymous@anonymous.invalid>` when anonymous (step 6, seed 001), `Supported: timer` (step 7), `Session-Expires: 1800;refresher=uac` (step 8), the MSRP SDP offer |
//! | INVITE to a conference factory ([`ImClient::start_adhoc`]) | the above, `Require: recipient-list-invite` and a `multipart/mixed` body of the offer and the invitees (§6.1.3.2.2, RFC 5366), at most `MAX-ADHOC-GROUP-SIZE` of them (step 6) |
//!
//! The SDP offer (REQ: SDP-2) is written by simpleim-sdp's [`Offerer`](simpleim_sdp::negotiate::Offerer):
//! `m=message <port> TCP/MSRP *` (or `TCP/TLS/MSRP` for an `msrps:` path), `accept-types`,
//! `accept-wrapped-types`, `max-size` when configured, `path`, `setup`.
//!
//! Presence (REQ: PRES-1, seed 004 §8.6.1.1): [`WillingnessPublisher`] publishes the user's
//! "Willingness for IM" with PUBLISH (RFC 3903), through the shared
//! [`Publisher`](crate::presence::Publisher).
//!
//! # Reading the answer, and writing messages
//! [`OutgoingInvite::accept`] reads the 2xx into a [`JoinedSession`]: the dialog, the SDP
//! answer checked against the offer (with the focus's MSRP path), the IM Session Identity
//! (the Contact URI with `isfocus`), and the sending identity — the alias the focus assigned
//! in the `message/cpim` part of a `multipart/mixed` 200 (REQ: ALIAS-3), else the From the
//! INVITE asked for. Its [`JoinedSession::message`] and [`JoinedSession::private_message`]
//! write the CPIM body of a SEND (REQ: CLI-2): `From` = that identity, `To` = the group
//! identity (pre-defined group) or the session identity (ad-hoc), or one participant.
//!
//! # Example
//! ```
//! use std::time::Instant;
//!
//! use simpleim_focus::client::{ClientConfig, ImClient, InviteOptions};
//! use simpleim_focus::control::{Control, ControlConfig, MsrpEndpoint, RoomConfig};
//! use simpleim_sip::dialog::SentBy;
//! use simpleim_sip::transaction::{TransactionConfig, TransportHandle};
//! use simpleim_sip::{Message, SeededIds, Uri};
//!
//! #[derive(Debug, Clone, PartialEq, Eq, Hash)]
//! struct Conn; // the host's connection to the client
//! impl TransportHandle for Conn {
//!     fn is_reliable(&self) -> bool {
//!         true
//!     }
//! }
//!
//! // The client.
//! let config = ClientConfig::new(
//!     "sip:alice@example.com",
//!     SentBy::new("TCP", "pc.example.com", Some(5060)),
//!     "msrp://pc.example.com:7777/s1;tcp",
//! )?
//! .with_display_name("Alice");
//! let mut alice = ImClient::new(config, Box::new(SeededIds::new(7)));
//!
//! // A focus with one group. In a network the core asserts who the user is
//! // (P-Asserted-Identity); here the From stands in for it.
//! let mut focus_config = ControlConfig::new(
//!     SentBy::new("TCP", "conf.example.com", None),
//!     MsrpEndpoint::tcp("conf.example.com", 2855),
//!     Box::new(SeededIds::new(1)),
//!     TransactionConfig::new(Box::new(SeededIds::new(2))),
//! );
//! focus_config.require_asserted_identity = false;
//! let mut focus = Control::<Conn>::new(focus_config);
//! let Ok(Uri::Sip(group)) = Uri::parse(&"sip:chat@conf.example.com".into()) else {
//!     unreachable!()
//! };
//! focus.add_room(RoomConfig::new(group.clone()))?;
//!
//! // REQ: CLI-1 — the INVITE that joins the group, received by the focus.
//! let invite = alice.join_group(&group, &InviteOptions::new())?;
//! let wire = invite.request().as_bytes().clone();
//! focus.handle_sip(Instant::now(), Conn, Message::parse_datagram(wire)?);
//! let Some(Message::Response(ok)) = focus.poll_transmit().map(|t| t.message) else {
//!     unreachable!()
//! };
//!
//! // The 200: session identity, the focus's MSRP path, the sending identity.
//! let session = invite.accept(&ok)?;
//! assert_eq!(session.session_identity().unwrap().to_string(), "sip:chat@conf.example.com");
//! let to_path = session.focus_path().target().unwrap();
//! assert!(to_path.starts_with(b"msrp://conf.example.com:2855/"));
//!
//! // REQ: CLI-2 — the body of a SEND to everyone.
//! let body = session.message("text/plain", "hello")?;
//! assert!(body.starts_with(b"From: Alice <sip:alice@example.com>\r\nTo: <sip:chat@conf.example.com>\r\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod answer;
mod config;
mod error;
mod invite;
mod presence;
mod register;
mod send;

pub use answer::{JoinAnswer, JoinedSession};
pub use config::{
    ANONYMOUS_URI, ClientConfig, DEFAULT_REGISTER_EXPIRES, DEFAULT_SESSION_EXPIRES,
    IM_RELEASE_VERSION,
};
pub use error::{ClientError, ConfigError, JoinError};
pub use invite::{InviteOptions, OutgoingInvite, SessionKind};
pub use presence::WillingnessPublisher;
pub use register::{ImClient, Registration};
pub use send::{CPIM_CONTENT_TYPE, SendTarget};
