//! SIP dialogs (RFC 3261 §12), subscriptions (RFC 6665) and session timers (RFC 4028),
//! sans-IO.
//!
//! Everything here works on [`Request`](crate::Request)s and [`Response`](crate::Response)s:
//! the transaction user (TU) owns the transactions (RFC 3261 §17) and glues them to these
//! types. Nothing reads a clock or draws a random number; tags, Call-IDs and branches come from
//! an [`IdGenerator`](crate::IdGenerator), time from the `now` the caller passes.
//!
//! ## Dialogs
//! A [`Dialog`] holds the state of RFC 3261 §12.1 and is created from the messages that
//! establish it: [`Dialog::new_uac`] from the request this UA sent and a 1xx-with-tag or 2xx
//! to it, [`Dialog::new_uac_from_notify`] from a NOTIFY that beats the 2xx of a SUBSCRIBE,
//! [`Dialog::new_uas`] from a received INVITE, SUBSCRIBE or REFER. Then:
//! - [`Dialog::request`] builds the requests of §12.2.1.1 (BYE, re-INVITE, UPDATE, INFO,
//!   MESSAGE, REFER, NOTIFY, SUBSCRIBE), routed loosely or strictly
//!   ([`Dialog::routing`]), and [`Dialog::ack`] the ACK of a 2xx (§13.2.2.4);
//! - [`Dialog::handle_response`] follows the responses to them (confirmation, target
//!   refresh, termination on 481/408), [`Dialog::handle_request_failed`] their timeouts;
//! - [`Dialog::handle_request`] checks an incoming request (§12.2.2: 481, 500 out of order,
//!   491/500 for crossing INVITEs, §14.2) and [`Dialog::respond`] answers it;
//! - [`DialogId`] finds the dialog of an incoming message, and
//!   [`RequestRejection::for_unknown_dialog`] answers one that has none (481).
//!
//! ```
//! use bytes::Bytes;
//! use simpleim_sip::dialog::{Dialog, DialogState, SentBy};
//! use simpleim_sip::header::{CSeq, To};
//! use simpleim_sip::{HeaderName, Message, Method, Request, Response, SeededIds};
//!
//! let mut ids = SeededIds::new(1); // seed from a real random source in production
//! let sent_by = SentBy::new("UDP", "pc33.atlanta.com", None);
//!
//! // Alice's INVITE (RFC 3261 §24.2 F1) and the 200 OK that reaches her (F11).
//! let invite = Request::builder(Method::Invite, "sip:bob@biloxi.com")
//!     .typed(&sent_by.via(&mut ids))
//!     .header(HeaderName::MaxForwards, 70)
//!     .header(HeaderName::To, "Bob <sip:bob@biloxi.com>")
//!     .header(HeaderName::From, "Alice <sip:alice@atlanta.com>;tag=1928301774")
//!     .header(HeaderName::CallId, "a84b4c76e66710")
//!     .header(HeaderName::CSeq, "314159 INVITE")
//!     .header(HeaderName::Contact, "<sip:alice@pc33.atlanta.com>")
//!     .build()?;
//! let ok = Response::for_request(&invite, 200, &mut SeededIds::new(9))
//!     .header(HeaderName::Contact, "<sip:bob@192.0.2.4>")
//!     .build()?;
//!
//! let mut dialog = Dialog::new_uac(&invite, &ok)?;
//! assert_eq!(dialog.state(), DialogState::Confirmed);
//! assert_eq!(dialog.remote_target().to_string(), "sip:bob@192.0.2.4");
//!
//! // The ACK repeats the INVITE's CSeq number (§13.2.2.4) ...
//! let ack = dialog.ack(&ok, &sent_by, &mut ids)?.build()?;
//! let cseq: CSeq = ack.headers().typed().unwrap()?;
//! assert_eq!((cseq.seq(), cseq.method()), (314159, &Method::Ack));
//!
//! // ... and the BYE goes to the remote target with the next CSeq (§12.2.1.1, §15.1.1).
//! let bye = dialog.request(Method::Bye, &sent_by, &mut ids)?.build()?;
//! assert_eq!(bye.uri_bytes(), "sip:bob@192.0.2.4");
//! let cseq: CSeq = bye.headers().typed().unwrap()?;
//! assert_eq!(cseq.seq(), 314160);
//! let to: To = bye.headers().typed().unwrap()?;
//! assert_eq!(to.tag_bytes().as_ref(), Some(&dialog.id().remote_tag));
//! assert_eq!(dialog.state(), DialogState::Terminated); // §15.1.1: once the BYE is sent
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Subscriptions
//! A [`Subscriber`] and a [`Notifier`] are sans-IO state machines (RFC 6665), each owning
//! its subscription's dialog. Inputs are `handle_*` methods with `now` first; after every
//! input or command, drain `poll_transmit` (requests and responses for the transaction
//! layer), then `poll_event`, then `poll_timeout`. The focus serves the conference event
//! package with them (RFC 4575, `Event: conference`, REQ: FOC-8).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use simpleim_sip::dialog::{
//!     Body, Notifier, NotifierConfig, NotifierEvent, SentBy, Subscriber, SubscriberConfig,
//!     SubscriberEvent, SubscriberState,
//! };
//! use simpleim_sip::header::{Event, Expires};
//! use simpleim_sip::{Message, NameAddr, SeededIds, Uri};
//!
//! let addr = |s: &'static str| NameAddr::new(Uri::parse(&s.into()).unwrap());
//! let now = Instant::now(); // the host's clock: only ever an input
//!
//! let mut config = SubscriberConfig::new(
//!     addr("sip:alice@example.com"),
//!     addr("sip:chat-42@conf.example.com"),
//!     addr("sip:alice@192.0.2.1"),
//!     SentBy::new("TCP", "192.0.2.1", None),
//!     Event::new("conference"),
//!     Box::new(SeededIds::new(1)),
//! );
//! config.expires = 600;
//! config.accept = vec!["application/conference-info+xml".into()];
//! let mut alice = Subscriber::new(now, config)?;
//! let Some(Message::Request(subscribe)) = alice.poll_transmit() else { unreachable!() };
//!
//! // The focus accepts: a 200 and, at once, a NOTIFY with the conference state.
//! let focus = NotifierConfig::new(
//!     addr("sip:chat-42@conf.example.com"),
//!     SentBy::new("TCP", "conf.example.com", None),
//!     "conference",
//!     Box::new(SeededIds::new(2)),
//! );
//! let doc = Body::new("application/conference-info+xml", "<conference-info/>");
//! let mut room = Notifier::accept(now, focus, &subscribe, Some(doc))?;
//! while let Some(out) = room.poll_transmit() {
//!     match out {
//!         Message::Response(ok) => alice.handle_response(now, &ok),
//!         Message::Request(notify) => alice.handle_request(now, &notify),
//!     }
//! }
//! assert_eq!(alice.state(), SubscriberState::Active);
//! assert!(matches!(alice.poll_event(), Some(SubscriberEvent::StateChanged { .. })));
//! let Some(SubscriberEvent::Notification { request }) = alice.poll_event() else { unreachable!() };
//! assert_eq!(request.body(), "<conference-info/>");
//! // Alice's 200 to the NOTIFY goes back to the focus.
//! while let Some(Message::Response(ok)) = alice.poll_transmit() {
//!     room.handle_response(now, &ok);
//! }
//!
//! // The refresh is due 60 s before the 600 s run out.
//! let at = alice.poll_timeout().unwrap();
//! assert_eq!(at, now + Duration::from_secs(540));
//! alice.handle_timeout(at);
//! let Some(Message::Request(refresh)) = alice.poll_transmit() else { unreachable!() };
//! let expires: Expires = refresh.headers().typed().unwrap()?;
//! assert_eq!(expires.value(), 600);
//! room.handle_request(at, &refresh);
//! assert_eq!(room.poll_event(), Some(NotifierEvent::Refreshed { expires: 600 }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Session timers
//! [`SessionTimerConfig`] negotiates RFC 4028 session timers: [`TimerRequest`] for the UAC
//! (headers, 2xx, 422 retry), [`SessionTimerConfig::negotiate_uas`] for the UAS (422 with
//! Min-SE, refresher choice, `Require: timer`). The outcome, a [`Negotiated`], drives a
//! [`SessionTimer`] that says when to refresh and when the session has expired (REQ: FOC-9,
//! CLI-3).

mod create;
mod error;
mod id;
mod request;
mod session_timer;
mod state;
mod subscription;

pub use error::{DialogError, RequestRejection};
pub use id::{DialogId, Role};
pub use request::SentBy;
pub use session_timer::{
    DEFAULT_SESSION_EXPIRES, MIN_SE_FLOOR, Negotiated, SessionTimer, SessionTimerConfig,
    SessionTimerEvent, TimerRequest, UasDecision,
};
pub use state::{Dialog, DialogState};
pub use subscription::{
    Body, Notifier, NotifierConfig, NotifierEvent, NotifierState, NotifierTermination,
    SubscribeRejection, Subscriber, SubscriberConfig, SubscriberEvent, SubscriberState,
    SubscriberTermination, SubscriptionError,
};
