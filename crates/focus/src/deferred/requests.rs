//! Requests to the service: third-party REGISTER (REQ: DEF-2, seed 004 §7.2.1), MESSAGE and
//! INVITE for a user (DEF-1, seed 004 §7.3.1), requests in a push's dialog, and the
//! registrations' expiry.

use std::fmt;
use std::hash::Hash;
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_sip::dialog::DialogId;
use simpleim_sip::header::{Allow, Contact, Expires, From, PAssertedIdentity, To};
use simpleim_sip::{HeaderName, Method, Policy, Request, Response, ResponseBuilder, Uri};

use super::config::OnlineDelivery;
use super::error::DeferError;
use super::event::{DeferredEvent, DeferredTransmit, DeregisterReason, PushEnd};
use super::store::{DeferredMessage, DeferredStore, StoredId};
use super::time::Timestamp;
use super::user::Aor;
use super::{Deferred, Registration};

/// What the service answers itself (RFC 3261 §20.5 Allow).
const ALLOWED: [Method; 8] = [
    Method::Invite,
    Method::Ack,
    Method::Bye,
    Method::Cancel,
    Method::Options,
    Method::Message,
    Method::Register,
    Method::Update,
];

impl<H, C, S> Deferred<H, C, S>
where
    H: Clone + fmt::Debug,
    C: Clone + Eq + Hash + fmt::Debug,
    S: DeferredStore,
{
    /// A request for the service, received on `handle`, `at` the wall-clock time it arrived
    /// (stored with a deferred message and written in its `DateTime`/`Date`). What it does:
    ///
    /// | request | answer |
    /// |---|---|
    /// | REGISTER (third-party, from the S-CSCF) | 200 with the same Expires ([`DeferredEvent::Registered`]); Expires 0 de-registers ([`DeferredEvent::Deregistered`]) and stops the user's push; 503 beyond [`DeferredLimits::max_registrations`](super::DeferredLimits); a registered user with stored messages gets a push |
    /// | MESSAGE to an unregistered user | 202 when stored ([`DeferredEvent::Stored`]), 480 when the store refuses ([`DeferredEvent::NotStored`]) |
    /// | MESSAGE to a registered user | [`OnlineDelivery::Forward`]: nothing, [`DeferredEvent::Forward`]; [`OnlineDelivery::StoreAndPush`]: as stored, and pushed |
    /// | INVITE (new) to an unregistered user | 480: sessions are not stored |
    /// | INVITE (new) to a registered user | nothing, [`DeferredEvent::Forward`] |
    /// | BYE in a push's dialog | 200; the push ends ([`PushEnd::ByePeer`]) |
    /// | OPTIONS; UPDATE without a body in a push's dialog | 200 |
    /// | re-INVITE, UPDATE with an offer in a push's dialog | 488 |
    /// | another request with a To tag | 481 when no push dialog has it |
    /// | OPTIONS outside a dialog | 200 with Allow |
    /// | ACK | nothing |
    /// | anything else | 405 with Allow; a malformed request the status of [`Request::validate`] |
    pub fn handle_request(&mut self, now: Instant, at: Timestamp, handle: H, request: &Request) {
        let method = request.method().clone();
        if method == Method::Ack {
            return;
        }
        // A store takes any body: the type is the sender's business. An OMA client's
        // REGISTER requires caller preferences (`pref`, RFC 3840; seed 004 §6.1.1.1).
        let mut policy = Policy {
            content_types: vec!["*/*"],
            ..Policy::default()
        };
        policy.extensions.push("pref");
        if let Err(rejection) = request.validate_with(&policy) {
            let mut ids = self.config.sip_ids.as_mut();
            let b = rejection.response(request, &policy, &mut ids);
            self.respond(handle, self.with_allow(b));
            return;
        }
        let in_dialog =
            DialogId::of_incoming_request(request).filter(|id| !id.local_tag.is_empty());
        if let Some(id) = in_dialog {
            self.on_in_dialog(now, handle, request, &id);
            return;
        }
        match method {
            Method::Register => self.on_register(now, handle, request),
            Method::Message => self.on_message(now, at, handle, request),
            Method::Invite => self.on_invite(handle, request),
            Method::Options => {
                let b = self.response(request, 200);
                self.respond(handle, self.with_allow(b));
            }
            // A CANCEL is the transaction layer's: it matched nothing of ours.
            Method::Cancel => self.reply(handle, request, 481),
            _ => {
                let b = self.response(request, 405);
                self.respond(handle, self.with_allow(b));
            }
        }
    }

    /// Stores a MESSAGE the parent could not deliver (REQ: DEF-1, GRP-1's fallback), `at` the
    /// time it was received. Nothing is sent: the parent answers the request (202). When
    /// the user is registered its messages are pushed.
    ///
    /// # Errors
    /// [`DeferError::NotAMessage`], [`DeferError::Malformed`] (no usable Request-URI or
    /// sender, a body without Content-Type), or the store's refusal.
    pub fn defer(
        &mut self,
        now: Instant,
        at: Timestamp,
        request: &Request,
    ) -> Result<StoredId, DeferError> {
        if *request.method() != Method::Message {
            return Err(DeferError::NotAMessage);
        }
        let message = self.deferred_message(at, request)?;
        let user = message.recipient.clone();
        let id = self.store.put(message)?;
        self.kick(now, &user);
        Ok(id)
    }

    // --- REGISTER ----------------------------------------------------------------------------

    fn on_register(&mut self, now: Instant, handle: H, request: &Request) {
        let h = request.headers();
        let Some(Ok(to)) = h.typed::<To>() else {
            self.reply(handle, request, 400);
            return;
        };
        let user = Aor::from_uri(to.uri());
        // Seed 004 §7.2.1: "store the Expires parameter from the request"; a Contact's
        // `expires` stands in for a missing header (RFC 3261 §10.2.1.1), then the default.
        let expires = match h.typed::<Expires>() {
            Some(Ok(e)) => e.value(),
            Some(Err(_)) => {
                self.reply(handle, request, 400);
                return;
            }
            None => match h.typed::<Contact>() {
                Some(Ok(c)) => c.expires().unwrap_or(self.config.default_expires),
                _ => self.config.default_expires,
            },
        };
        if expires == 0 {
            let ok = self.response(request, 200).typed(&Expires::new(0));
            self.respond(handle, ok);
            self.deregister(now, &user, DeregisterReason::Unregistered);
            return;
        }
        let refreshed = self.registrations.contains_key(&user);
        if !refreshed && self.registrations.len() >= self.config.limits.max_registrations {
            self.reply(handle, request, 503);
            return;
        }
        let expires_at = now.checked_add(Duration::from_secs(u64::from(expires)));
        let registration = Registration {
            handle: handle.clone(),
            uri: to.uri().raw().clone(),
            expires_at,
            transport: super::push::via_transport(request),
        };
        if let Some(old) = self.registrations.insert(user.clone(), registration) {
            if let Some(t) = old.expires_at {
                self.expiries.remove(&(t, user.clone()));
            }
        }
        if let Some(t) = expires_at {
            self.expiries.insert((t, user.clone()));
        }
        let ok = self.response(request, 200).typed(&Expires::new(expires));
        self.respond(handle, ok);
        self.events.push_back(DeferredEvent::Registered {
            user: user.clone(),
            expires,
            refreshed,
        });
        // Seed 004 §7.3.4.1: a registered user with undelivered messages gets them.
        if !self.by_user.contains_key(&user) {
            self.start_push(now, &user);
        }
    }

    /// Ends `user`'s registration and stops its push (seed 004 §7.3.4.1).
    fn deregister(&mut self, now: Instant, user: &Aor, reason: DeregisterReason) {
        let Some(old) = self.registrations.remove(user) else {
            return;
        };
        if let Some(t) = old.expires_at {
            self.expiries.remove(&(t, user.clone()));
        }
        self.waiting.retain(|u| u != user);
        self.events.push_back(DeferredEvent::Deregistered {
            user: user.clone(),
            reason,
        });
        if let Some(push) = self.by_user.get(user).copied() {
            self.end_push(now, push, PushEnd::Deregistered);
        }
    }

    pub(super) fn expire_registrations(&mut self, now: Instant) {
        while let Some((t, user)) = self.expiries.first().cloned() {
            if t > now {
                break;
            }
            self.expiries.pop_first();
            let current = self
                .registrations
                .get(&user)
                .is_some_and(|r| r.expires_at == Some(t));
            if current {
                self.deregister(now, &user, DeregisterReason::Expired);
            }
        }
    }

    // --- MESSAGE and INVITE ------------------------------------------------------------------

    fn on_message(&mut self, now: Instant, at: Timestamp, handle: H, request: &Request) {
        let user = match target(request) {
            Ok((user, _)) => user,
            Err(status) => {
                self.reply(handle, request, status);
                return;
            }
        };
        if self.registrations.contains_key(&user) && self.config.online == OnlineDelivery::Forward {
            self.events.push_back(DeferredEvent::Forward {
                handle,
                request: Box::new(request.clone()),
            });
            return;
        }
        let message = match self.deferred_message(at, request) {
            Ok(m) => m,
            Err(DeferError::Malformed { status, .. }) => {
                self.reply(handle, request, status);
                return;
            }
            Err(_) => {
                self.reply(handle, request, 400);
                return;
            }
        };
        // REQ: DEF-1 (seed 004 §7.3.1.4): 202 once stored, 480 when it cannot be.
        match self.store.put(message) {
            Ok(id) => {
                self.reply(handle, request, 202);
                self.events.push_back(DeferredEvent::Stored {
                    user: user.clone(),
                    id,
                });
                self.kick(now, &user);
            }
            Err(error) => {
                self.reply(handle, request, 480);
                self.events
                    .push_back(DeferredEvent::NotStored { user, error });
            }
        }
    }

    fn on_invite(&mut self, handle: H, request: &Request) {
        match target(request) {
            Ok((user, _)) if self.registrations.contains_key(&user) => {
                self.events.push_back(DeferredEvent::Forward {
                    handle,
                    request: Box::new(request.clone()),
                });
            }
            // REQ: DEF-1 (seed 004 §7.3.1.3): a session that is not stored gets 480.
            Ok(_) => self.reply(handle, request, 480),
            Err(status) => self.reply(handle, request, status),
        }
    }

    /// The stored form of a MESSAGE: recipient from the Request-URI, sender from
    /// P-Asserted-Identity (REQ: SEC-1) or From, the body and its type as received.
    fn deferred_message(
        &mut self,
        at: Timestamp,
        request: &Request,
    ) -> Result<DeferredMessage, DeferError> {
        let malformed = |status, reason| DeferError::Malformed { status, reason };
        let (user, uri) = target(request).map_err(|s| malformed(s, "unusable Request-URI"))?;
        let h = request.headers();
        let sender = match h.typed::<PAssertedIdentity>() {
            Some(Ok(p)) => p.0,
            _ => match h.typed::<From>() {
                Some(Ok(f)) => f.0,
                _ => return Err(malformed(400, "no sender")),
            },
        };
        let body = request.body();
        let content_type = match h.get(HeaderName::ContentType) {
            Some(f) => f.value(),
            None if body.is_empty() => Bytes::from_static(b"text/plain"),
            None => return Err(malformed(400, "a body without Content-Type")),
        };
        let mut message = DeferredMessage::new(
            user,
            uri,
            sender.uri().raw().clone(),
            content_type,
            body,
            at,
            self.ids.message_id(),
        );
        message.sender_name = sender.display_name_text().map(|n| n.into_owned());
        if self.config.encapsulation == super::Encapsulation::MessageSip {
            message.sip = Some(request.as_bytes().clone());
        }
        Ok(message)
    }

    /// A message was stored for `user`: a registered user's push picks it up, or starts.
    fn kick(&mut self, now: Instant, user: &Aor) {
        if !self.registrations.contains_key(user) {
            return;
        }
        match self.by_user.get(user).copied() {
            Some(push) => self.drive_push(now, push),
            None => self.start_push(now, user),
        }
    }

    // --- requests in a push's dialog ---------------------------------------------------------

    fn on_in_dialog(&mut self, now: Instant, handle: H, request: &Request, id: &DialogId) {
        let push = self.by_call.get(&id.call_id).copied();
        let dialog = push.and_then(|p| {
            self.pushes
                .get_mut(&p)
                .and_then(|x| x.dialog.as_mut())
                .filter(|d| d.id() == id)
        });
        let Some(dialog) = dialog else {
            self.reply(handle, request, 481);
            return;
        };
        if let Err(rejection) = dialog.handle_request(request) {
            let mut ids = self.config.sip_ids.as_mut();
            let b = rejection.response(request, &mut ids);
            self.respond(handle, b);
            return;
        }
        let method = request.method().clone();
        let code = match method {
            Method::Bye | Method::Options => 200,
            Method::Update if request.body().is_empty() => 200,
            // The push does not renegotiate its media.
            Method::Invite | Method::Update => 488,
            _ => 405,
        };
        let b = match dialog.respond(request, code) {
            Ok(b) => b,
            Err(_) => {
                let mut ids = self.config.sip_ids.as_mut();
                Response::for_request(request, code, &mut ids)
            }
        };
        let b = if code == 405 { self.with_allow(b) } else { b };
        self.respond(handle, b);
        if method == Method::Bye {
            if let Some(p) = push {
                self.end_push(now, p, PushEnd::ByePeer);
            }
        }
    }

    // --- responses ---------------------------------------------------------------------------

    fn response(&mut self, request: &Request, code: u16) -> ResponseBuilder {
        let mut ids = self.config.sip_ids.as_mut();
        Response::for_request(request, code, &mut ids)
    }

    fn reply(&mut self, handle: H, request: &Request, code: u16) {
        let b = self.response(request, code);
        self.respond(handle, b);
    }

    fn with_allow(&self, b: ResponseBuilder) -> ResponseBuilder {
        ALLOWED
            .iter()
            .fold(b, |b, m| b.typed(&Allow::new(m.clone())))
    }

    /// Queues a response; one that does not build (the request's own headers are broken)
    /// is dropped and the peer's transaction times out.
    fn respond(&mut self, handle: H, b: ResponseBuilder) {
        if let Ok(response) = b.build() {
            self.transmit.push_back(DeferredTransmit::Response {
                handle,
                response: Box::new(response),
            });
        }
    }
}

/// The user a MESSAGE or INVITE is for (its Request-URI) and that URI's bytes, or the status
/// to answer.
fn target(request: &Request) -> Result<(Aor, Bytes), u16> {
    let raw = request.uri_bytes();
    match Uri::parse(&raw) {
        Ok(uri) => Ok((Aor::from_uri(&uri), raw)),
        Err(_) => Err(400),
    }
}
