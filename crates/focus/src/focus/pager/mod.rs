//! Pager-mode group messages (seed 004 §7.1.3, §7.4.1.6, §7.4.1.7; RFC 5365; REQ: GRP-1):
//! a SIP MESSAGE to a pre-defined group, or to the conference factory with a recipient list,
//! answered 202 and exploded into one MESSAGE per member.
//!
//! With [`FocusConfig::pager`](super::FocusConfig::pager) set, the control plane hands the
//! focus every MESSAGE outside a dialog ([`ControlConfig::host_methods`]); the pager takes
//! those whose Request-URI is
//! - a room's identity (its [`RoomConfig::members`], or the identities of its participants
//!   when it has no member list), or a group of the [`GroupDirectory`] (its members; no room
//!   is created: pager mode needs no session) — seed 004 §7.4.1.7;
//! - the conference factory ([`ControlConfig::conference_factory`]) with a `multipart/mixed`
//!   body of the message and an `application/resource-lists+xml` part marked
//!   `Content-Disposition: recipient-list` (RFC 5365 §4) — seed 004 §7.4.1.6.
//!
//! Other MESSAGEs go on to the deferred service (a user's), or get 405 without one.
//!
//! # The checks, in the order of an INVITE's (REQ: FOC-1, FOC-4)
//! | check | refusal |
//! |---|---|
//! | `+g.oma.sip-im` in Accept-Contact | 403 |
//! | an asserted identity (P-Asserted-Identity, REQ: SEC-1) | 403 |
//! | group: [`RoomPolicy::authorize`], then [`RoomPolicy::may_join`] (a sender must be one who may take part) | 403 |
//! | list: a body with exactly one recipient list and one message part | the split's status (400, 415) |
//! | `Privacy: id`: group: [`RoomPolicy::may_be_anonymous`]; list: never (the ad-hoc policy) | 403 with Warning 119 "Anonymity not allowed" |
//! | list: more recipients than [`ControlLimits::max_adhoc_group_size`] or [`PagerConfig::max_recipients`] | 403 with Warning 399 [`ADHOC_GROUP_TOO_LARGE`] |
//! | nobody to send to (the sender left out) | 480 |
//! | the sender's [`RateLimit`] | 503 with Retry-After (RFC 3261 §21.5.4; SIP has no 429 for this: its 429 is RFC 3892's) |
//!
//! # The explosion
//! Each recipient once (URIs compared as RFC 3261 §19.1.4 says; [`unique_uris`]), the sender
//! left out, gets a MESSAGE of its own: Request-URI and To the recipient, a new Call-ID and
//! From tag, `P-Asserted-Identity` the sender — or, with `Privacy: id` (allowed), From
//! `"Anonymous" <sip:anonymous@anonymous.invalid>` and no asserted identity —, the sender's
//! Accept-Contact values (`+g.oma.sip-im` among them), and the message body: the request's
//! body for a group; for a list, the message part, alone when no recipient may be shown, else
//! with an `application/resource-lists+xml` part marked `recipient-list-history` listing the
//! `to` and `cc` recipients that are not anonymized (RFC 5365 §5, RFC 5364): `bcc` and
//! `cp:anonymize="true"` recipients are never disclosed. The body is one `Bytes` shared by
//! every copy up to the SIP builder (a slice of the received request for a group and a lone
//! message part); each request's own buffer then holds it, as `simpleim_sip::Request` is one
//! contiguous buffer.
//!
//! The MESSAGEs go to the outbound handle ([`Focus::set_outbound_handle`], the SIP/IP core).
//! With the deferred service configured (REQ: DEF-1), a recipient who is not registered gets
//! the message stored at once, and one whose MESSAGE fails (a final non-2xx, a timeout, a
//! transport error) gets it stored then; without it, a failure is only reported.
//! [`PagerEvent`]s from [`Focus::poll_pager_event`] tell the host each outcome.
//!
//! # Example
//! ```
//! use std::time::Instant;
//!
//! use simpleim_focus::control::{ControlConfig, MsrpEndpoint, RoomConfig};
//! use simpleim_focus::{Focus, FocusConfig, FocusTransmit, PagerConfig, PagerEvent};
//! use simpleim_sip::dialog::SentBy;
//! use simpleim_sip::transaction::{TransactionConfig, TransportHandle};
//! use simpleim_sip::{Message, Method, NameAddr, SeededIds, Uri};
//!
//! #[derive(Debug, Clone, PartialEq, Eq, Hash)]
//! struct Sip(u32); // the host's SIP handle; Sip(0) is the SIP/IP core
//! impl TransportHandle for Sip {
//!     fn is_reliable(&self) -> bool {
//!         true
//!     }
//! }
//! let control = ControlConfig::new(
//!     SentBy::new("TCP", "conf.example.com", None),
//!     MsrpEndpoint::tcp("conf.example.com", 2855),
//!     Box::new(SeededIds::new(1)), // seed from a real random source in production
//!     TransactionConfig::new(Box::new(SeededIds::new(2))),
//! );
//! let mut seed = 100;
//! let ids = Box::new(move || {
//!     seed += 1;
//!     Box::new(simpleim_msrp::SeededIds::new(seed)) as Box<dyn simpleim_msrp::IdGenerator>
//! });
//! let mut config = FocusConfig::new(control, ids);
//! config.pager = Some(PagerConfig::default());
//! let mut focus = Focus::<Sip, u32>::new(config);
//! focus.set_outbound_handle(Sip(0));
//! let uri = |s: &str| Uri::parse(&bytes::Bytes::copy_from_slice(s.as_bytes()));
//! let Uri::Sip(group) = uri("sip:friends@conf.example.com")? else { unreachable!() };
//! let members = ["sip:alice@example.com", "sip:bob@example.com", "sip:carol@example.com"]
//!     .into_iter()
//!     .map(|m| uri(m).map(NameAddr::new))
//!     .collect::<Result<Vec<_>, _>>()?;
//! focus.add_room(RoomConfig::new(group).with_members(members))?;
//!
//! let message = b"MESSAGE sip:friends@conf.example.com SIP/2.0\r\n\
//! Via: SIP/2.0/TCP pc.example.com;branch=z9hG4bK1\r\n\
//! Max-Forwards: 70\r\n\
//! From: <sip:alice@example.com>;tag=a1\r\n\
//! To: <sip:friends@conf.example.com>\r\n\
//! Call-ID: m1\r\n\
//! CSeq: 1 MESSAGE\r\n\
//! Accept-Contact: *;+g.oma.sip-im\r\n\
//! P-Asserted-Identity: <sip:alice@example.com>\r\n\
//! Content-Type: text/plain\r\n\
//! Content-Length: 5\r\n\r\n\
//! hello";
//! let now = Instant::now(); // the host's clock: only ever an input
//! focus.handle_sip(now, Sip(7), Message::parse_datagram(bytes::Bytes::from_static(message))?);
//!
//! let mut out = Vec::new();
//! while let Some(FocusTransmit::Sip(t)) = focus.poll_transmit() {
//!     out.push((t.handle.clone(), t.message.clone()));
//! }
//! // The 202 to Alice, then one MESSAGE each for Bob and Carol through the core.
//! let Message::Response(accepted) = &out[0].1 else { unreachable!() };
//! assert_eq!((out[0].0.clone(), accepted.code()), (Sip(7), 202));
//! let copies: Vec<_> = out[1..]
//!     .iter()
//!     .filter_map(|(h, m)| m.as_request().filter(|r| *r.method() == Method::Message).map(|r| (h, r)))
//!     .collect();
//! assert_eq!(copies.len(), 2);
//! assert!(copies.iter().all(|(h, r)| **h == Sip(0) && &r.body()[..] == b"hello"));
//! assert!(matches!(focus.poll_pager_event(), Some(PagerEvent::Accepted { recipients: 2, .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`ControlConfig::host_methods`]: crate::control::ControlConfig::host_methods
//! [`ControlConfig::conference_factory`]: crate::control::ControlConfig::conference_factory
//! [`ControlLimits::max_adhoc_group_size`]: crate::control::ControlLimits::max_adhoc_group_size
//! [`RoomConfig::members`]: crate::control::RoomConfig::members
//! [`GroupDirectory`]: crate::control::GroupDirectory
//! [`RoomPolicy::authorize`]: crate::control::RoomPolicy::authorize
//! [`RoomPolicy::may_join`]: crate::control::RoomPolicy::may_join
//! [`RoomPolicy::may_be_anonymous`]: crate::control::RoomPolicy::may_be_anonymous
//! [`ADHOC_GROUP_TOO_LARGE`]: crate::control::ADHOC_GROUP_TOO_LARGE
//! [`unique_uris`]: crate::resource_lists::unique_uris

mod body;
mod config;
mod event;
mod send;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_cpim::mime::{MimeHeaders, MultipartBuilder};
use simpleim_sip::header::{AcceptContact, OMA_SIP_IM, RetryAfter, Warning};
use simpleim_sip::transaction::{ClientKey, ServerKey, TransportHandle};
use simpleim_sip::{HeaderName, IdGenerator, IdKind, Method, Request, Response, Uri};

use super::Focus;
use super::ids::SipIds;
use crate::control::asks_anonymity;
use crate::control::{
    ADHOC_GROUP_TOO_LARGE, ANONYMITY_NOT_ALLOWED, GroupPolicy, RoomPolicy, WARN_ANONYMITY,
    WARN_MISC,
};
use crate::resource_lists::{
    CopyControl, Entry, RESOURCE_LISTS_CONTENT_TYPE, ResourceLists, same_uri, unique_uris,
};
use body::{distinct, split_list_message};

pub(super) use config::enable;
pub use config::{PagerConfig, RECIPIENT_LIST_HISTORY, RECIPIENT_LIST_MESSAGE, RateLimit};
pub use event::{PagerEvent, PagerId, PagerRefusal};

/// One exploded MESSAGE awaiting its response.
#[derive(Debug)]
struct Leg {
    id: PagerId,
    recipient: String,
    request: Request,
}

/// The pager's state inside the focus.
pub(super) struct Pager {
    config: PagerConfig,
    ids: SipIds,
    /// Each sender's window: its start and the messages in it.
    windows: HashMap<String, (Instant, u32)>,
    legs: HashMap<ClientKey, Leg>,
    events: VecDeque<PagerEvent>,
    next_id: u64,
}

impl fmt::Debug for Pager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager")
            .field("config", &self.config)
            .field("legs", &self.legs.len())
            .finish_non_exhaustive()
    }
}

impl Pager {
    pub(super) fn new(config: PagerConfig, ids: SipIds) -> Self {
        Self {
            config,
            ids,
            windows: HashMap::new(),
            legs: HashMap::new(),
            events: VecDeque::new(),
            next_id: 1,
        }
    }

    /// Counts a message of `sender` at `now`: `Err(retry_after)` when over its limit.
    fn admit_rate(&mut self, now: Instant, sender: &str) -> Result<(), u32> {
        let Some(limit) = self.config.rate else {
            return Ok(());
        };
        let open = |start: Instant| now.saturating_duration_since(start) < limit.per;
        if !self.windows.contains_key(sender) && self.windows.len() >= self.config.max_senders {
            self.windows.retain(|_, (start, _)| open(*start));
            if self.windows.len() >= self.config.max_senders {
                return Err(secs_ceil(limit.per));
            }
        }
        let window = self.windows.entry(sender.to_owned()).or_insert((now, 0));
        if !open(window.0) {
            *window = (now, 0);
        }
        if window.1 >= limit.messages {
            let left = limit
                .per
                .saturating_sub(now.saturating_duration_since(window.0));
            return Err(secs_ceil(left).max(1));
        }
        window.1 += 1;
        Ok(())
    }
}

/// Whole seconds, rounded up.
fn secs_ceil(d: Duration) -> u32 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    u32::try_from(s).unwrap_or(u32::MAX)
}

/// A refusal: status, Warning, reason.
type Refusal = (u16, Option<(u16, &'static str)>, PagerRefusal);

/// Who a group message goes to and what it says.
struct Explosion {
    sender: Uri,
    anonymous: bool,
    recipients: Vec<String>,
    content_type: String,
    body: Bytes,
}

/// Where a group message is addressed.
enum Target {
    /// A group (a room, or one of the directory): its members and its policy.
    Group {
        members: Vec<String>,
        policy: GroupRules,
        active: bool,
    },
    /// The conference factory: the body lists the recipients.
    List,
}

/// A group's policy: the room's, or a directory group's.
enum GroupRules {
    Room(crate::control::RoomId),
    Directory(GroupPolicy),
}

impl<H, C> Focus<H, C>
where
    H: TransportHandle + Clone,
    C: Clone + Eq + Hash + Ord + fmt::Debug,
{
    /// The next event of the pager (REQ: GRP-1).
    #[must_use]
    pub fn poll_pager_event(&mut self) -> Option<PagerEvent> {
        self.pager.as_mut().and_then(|p| p.events.pop_front())
    }

    /// A request handed over by the control plane: true when it is a group message (then
    /// answered, and exploded or refused).
    pub(super) fn pager_request(
        &mut self,
        now: Instant,
        key: ServerKey,
        request: &Request,
    ) -> bool {
        if self.pager.is_none() || *request.method() != Method::Message {
            return false;
        }
        let has_to_tag = request
            .headers()
            .typed::<simpleim_sip::header::To>()
            .and_then(Result::ok)
            .is_some_and(|t| t.tag().is_some());
        if has_to_tag {
            return false;
        }
        let Some(target) = self.pager_target(request) else {
            return false;
        };
        match self.pager_checks(now, request, target) {
            Err((status, warning, reason)) => {
                let mut b = self.pager_response(request, status);
                if let Some((code, text)) = warning {
                    b = b.typed(&Warning::new(code, &self.control.config().warn_agent, text));
                }
                if let PagerRefusal::RateLimited { retry_after } = reason {
                    b = b.typed(&RetryAfter::new(retry_after));
                }
                if let Ok(r) = b.build() {
                    let _ = self.control.respond(now, key, r);
                }
                if let Some(p) = self.pager.as_mut() {
                    p.events.push_back(PagerEvent::Refused { status, reason });
                }
            }
            Ok(explosion) => {
                if let Ok(r) = self.pager_response(request, 202).build() {
                    let _ = self.control.respond(now, key, r);
                }
                self.explode(now, request, explosion);
            }
        }
        true
    }

    /// A response for `request` with the focus's Server header.
    fn pager_response(&mut self, request: &Request, status: u16) -> simpleim_sip::ResponseBuilder {
        let server = self.control.config().server.clone();
        let b = match self.pager.as_mut() {
            Some(p) => Response::for_request(request, status, &mut p.ids),
            None => Response::for_request(request, status, &mut SipIds((self.id_factory)())),
        };
        b.typed(&server)
    }

    /// The group or list a MESSAGE's Request-URI names, if any.
    fn pager_target(&self, request: &Request) -> Option<Target> {
        let Ok(Uri::Sip(uri)) = Uri::parse(&request.uri_bytes()) else {
            return None;
        };
        if let Some(room) = self.control.room_of(&uri) {
            let config = self.control.room(room)?;
            let mut members: Vec<String> =
                config.members.iter().map(|m| m.uri().to_string()).collect();
            let participants = self.control.participants(room);
            if members.is_empty() {
                members = participants
                    .iter()
                    .filter_map(|p| self.participants.get(p))
                    .map(|p| p.identity.to_string())
                    .collect();
            }
            return Some(Target::Group {
                members,
                policy: GroupRules::Room(room),
                active: !participants.is_empty(),
            });
        }
        let config = self.control.config();
        if let Some(group) = config.directory.as_ref().and_then(|d| d.group(&uri)) {
            return Some(Target::Group {
                members: group.members.iter().map(|m| m.uri().to_string()).collect(),
                policy: GroupRules::Directory(group.policy),
                active: false,
            });
        }
        self.control
            .is_conference_factory(&uri)
            .then_some(Target::List)
    }

    /// The checks of the [module documentation](self), in order.
    fn pager_checks(
        &mut self,
        now: Instant,
        request: &Request,
        target: Target,
    ) -> Result<Explosion, Refusal> {
        let h = request.headers();
        let im = h
            .typed_all::<AcceptContact>()
            .filter_map(Result::ok)
            .any(|ac| ac.has_feature(OMA_SIP_IM));
        if !im {
            return Err((403, None, PagerRefusal::NotIm));
        }
        let Some(sender) = self.control.asserted_identity(request) else {
            return Err((403, None, PagerRefusal::NotAuthorized));
        };
        let anonymous = asks_anonymity(request);
        let anonymity_refused = (
            403,
            Some((WARN_ANONYMITY, ANONYMITY_NOT_ALLOWED)),
            PagerRefusal::AnonymityNotAllowed,
        );
        let max = self.pager.as_ref().map_or(0, |p| p.config.max_recipients);
        let (recipients, content_type, body) = match target {
            Target::Group {
                members,
                policy,
                active,
            } => {
                let policy: &dyn RoomPolicy = match &policy {
                    GroupRules::Room(room) => match self.control.room(*room) {
                        Some(c) => c.policy.as_ref(),
                        None => return Err((403, None, PagerRefusal::NotAuthorized)),
                    },
                    GroupRules::Directory(p) => p,
                };
                if !policy.authorize(&sender, active) || !policy.may_join(&sender) {
                    return Err((403, None, PagerRefusal::NotAuthorized));
                }
                if anonymous && !policy.may_be_anonymous(&sender) {
                    return Err(anonymity_refused);
                }
                let content_type = h
                    .get(HeaderName::ContentType)
                    .map(|v| String::from_utf8_lossy(&v.value()).into_owned())
                    .unwrap_or_default();
                let mut recipients = distinct(members, &sender.to_string());
                recipients.truncate(max);
                (recipients, content_type, request.body())
            }
            Target::List => {
                let limits = self.pager.as_ref().map(|p| p.config.list_limits);
                let split = split_list_message(request, limits.unwrap_or_default())
                    .map_err(|(status, why)| (status, None, PagerRefusal::Body(why)))?;
                if anonymous {
                    // Who sends to a list is known to them (the ad-hoc policy, REQ: FOC-4).
                    return Err(anonymity_refused);
                }
                let unique = unique_uris(split.list.entries());
                let me = sender.to_string();
                let recipients: Vec<String> = unique
                    .iter()
                    .map(|e| e.uri.as_str().to_owned())
                    .filter(|u| !same_uri(u, &me))
                    .collect();
                let adhoc_max = self.control.config().limits.max_adhoc_group_size;
                if recipients.len() > adhoc_max.min(max) {
                    return Err((
                        403,
                        Some((WARN_MISC, ADHOC_GROUP_TOO_LARGE)),
                        PagerRefusal::TooManyRecipients,
                    ));
                }
                let shown: Vec<Entry> = unique
                    .into_iter()
                    .filter(|e| {
                        e.copy_control_or_default() != CopyControl::Bcc && !e.is_anonymized()
                    })
                    .cloned()
                    .collect();
                let (content_type, body) = if shown.is_empty() {
                    (split.content_type, split.content)
                } else {
                    self.with_history(&split.part_headers, split.content, &shown)
                        .map_err(|why| (500, None, PagerRefusal::Body(why)))?
                };
                (recipients, content_type, body)
            }
        };
        if recipients.is_empty() {
            return Err((480, None, PagerRefusal::NoRecipients));
        }
        if let Some(p) = self.pager.as_mut() {
            p.admit_rate(now, &sender.to_string())
                .map_err(|retry_after| (503, None, PagerRefusal::RateLimited { retry_after }))?;
        }
        Ok(Explosion {
            sender,
            anonymous,
            recipients,
            content_type,
            body,
        })
    }

    /// The message part and the `recipient-list-history` list of those shown (RFC 5365 §5).
    fn with_history(
        &mut self,
        part_headers: &MimeHeaders,
        content: Bytes,
        shown: &[Entry],
    ) -> Result<(String, Bytes), String> {
        let list = ResourceLists::from_entries(shown.iter().cloned());
        let boundary = match self.pager.as_mut() {
            Some(p) => p.ids.next_id(IdKind::Tag),
            None => Bytes::from_static(b"pager-history"),
        };
        let history = MimeHeaders::new()
            .with("Content-Type", RESOURCE_LISTS_CONTENT_TYPE.as_bytes())
            .and_then(|h| h.with("Content-Disposition", RECIPIENT_LIST_HISTORY.as_bytes()))
            .map_err(|e| e.to_string())?;
        let builder = MultipartBuilder::new(boundary)
            .part(part_headers.clone(), content)
            .part(history, list.to_xml());
        let content_type = builder.content_type().map_err(|e| e.to_string())?;
        let body = builder.build().map_err(|e| e.to_string())?;
        Ok((String::from_utf8_lossy(&content_type).into_owned(), body))
    }
}
