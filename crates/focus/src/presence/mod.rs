//! IM presence publication (seed 004 App. F; REQ: PRES-1): the RFC 3903 publication client
//! [`Publisher`], and the PIDF documents it carries
//! ([`Presence`](simpleim_cpim::xml::Presence), in simpleim-cpim beside the other XML bodies).
//!
//! # Why here, and why generic
//! The [`Publisher`] knows nothing of PIDF: it keeps one publication (a body, its entity
//! tag, its expiry) per presentity and speaks RFC 3903 — `SIP-If-Match`, `Expires`, the
//! refresh before expiry as a timer, a 412 answered by publishing the whole document again,
//! a 423 by retrying with the `Min-Expires`. Two users share it: the focus, which acts as the
//! IM server's Presence Source (availability open on a third-party REGISTER, closed on
//! de-registration or expiry, seed 004 §8.5.1.1: [`FocusConfig::presence`]), and the
//! client helper [`WillingnessPublisher`](crate::client::WillingnessPublisher) (seed 004
//! §8.6.1.1). Like the sip crate's `Notifier`, it owns no transaction layer: its parent sends
//! each request and hands back the response.
//!
//! # Requests
//! | what | PUBLISH carries |
//! |---|---|
//! | first publication ([`Publisher::publish`]) | `Event`, `Expires`, the body; no `SIP-If-Match` (RFC 3903 §4.2) |
//! | refresh (timer, [`PublisherConfig::refresh_margin`] before expiry) | `SIP-If-Match`, `Expires`, no body (§4.3) |
//! | modification ([`Publisher::publish`] again) | `SIP-If-Match`, `Expires`, the body (§4.4) |
//! | removal ([`Publisher::remove`]) | `SIP-If-Match`, `Expires: 0` (§4.5) |
//!
//! One request per presentity is in flight at a time; what is asked meanwhile is sent after
//! it. From and To are the presentity, one Call-ID per publication, the CSeq counting up.
//!
//! # Methods
//! - getters: [`Publisher::config`], [`Publisher::len`], [`Publisher::etag`],
//!   [`Publisher::owns`];
//! - commands: [`Publisher::publish`], [`Publisher::remove`];
//! - inputs (`now` first): [`Publisher::handle_response`],
//!   [`Publisher::handle_request_failed`], [`Publisher::handle_timeout`];
//! - outputs, drained after every input and command: [`Publisher::poll_request`] until
//!   `None`, [`Publisher::poll_event`] until `None`, then [`Publisher::poll_timeout`].
//!
//! # Example
//! ```
//! use std::time::{Duration, Instant};
//!
//! use bytes::Bytes;
//! use simpleim_cpim::xml::{Basic, PIDF_CONTENT_TYPE, Presence};
//! use simpleim_focus::presence::{Keep, PublishEvent, Publisher, PublisherConfig};
//! use simpleim_sip::dialog::SentBy;
//! use simpleim_sip::{Message, Response, SeededIds};
//!
//! let config = PublisherConfig::new(
//!     SentBy::new("TCP", "im.example.com", None),
//!     Box::new(SeededIds::new(1)), // seed from a real random source in production
//! );
//! let mut publisher = Publisher::new(config);
//! let alice = "sip:alice@example.com";
//! let doc = Presence::availability(alice, "im-1", Basic::Open);
//! let now = Instant::now(); // the host's clock: only ever an input
//! publisher.publish(now, alice, PIDF_CONTENT_TYPE, Bytes::from(doc.to_xml()), Keep::Refresh)?;
//! let publish = publisher.poll_request().expect("a PUBLISH");
//! assert!(publish.headers().get_named("SIP-If-Match").next().is_none());
//!
//! // The presence server's 200 with the entity tag; the refresh is then a timer.
//! let ok = Response::for_request(&publish, 200, &mut SeededIds::new(2))
//!     .header_named("SIP-ETag", "e1")
//!     .header_named("Expires", "600")
//!     .build()?;
//! assert!(publisher.handle_response(now, &ok));
//! assert!(matches!(publisher.poll_event(), Some(PublishEvent::Published { expires: 600, .. })));
//! assert_eq!(publisher.poll_timeout(), Some(now + Duration::from_secs(540)));
//!
//! publisher.handle_timeout(now + Duration::from_secs(540));
//! let refresh = publisher.poll_request().expect("a refresh");
//! assert_eq!(refresh.headers().get_named("SIP-If-Match").next().map(|h| h.value()),
//!     Some(Bytes::from_static(b"e1")));
//! assert!(refresh.body().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`FocusConfig::presence`]: crate::FocusConfig::presence

mod error;
mod publisher;

pub use error::PublishError;
pub use publisher::{Keep, PublishEvent, Publisher, PublisherConfig};
