//! The conference event package (RFC 4575 over RFC 6665; REQ: FOC-8, ALIAS-4, SEC-1): one
//! [`Notifier`] per subscriber, the full document first and on refresh, a partial document
//! per change.

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use simpleim_sip::dialog::{Body, DialogId, Notifier, NotifierConfig, NotifierEvent};
use simpleim_sip::transaction::{ServerKey, TransportHandle};
use simpleim_sip::{Message, Method, NameAddr, Request, Response, Uri};

use super::Focus;
use super::event::{FocusEvent, SubscriptionId};
use super::ids::SipIds;
use crate::conference_info::{
    CONFERENCE_EVENT_PACKAGE, CONFERENCE_INFO_CONTENT_TYPE, Change, ConferenceInfo, Subscription,
};
use crate::control::{ParticipantId, RoomId};

/// One subscriber.
pub(super) struct Sub<H> {
    room: RoomId,
    handle: H,
    /// The subscriber's authenticated identity (its own entry is the member with it).
    identity: Uri,
    pub(super) notifier: Notifier,
    subscription: Subscription<ParticipantId>,
    /// The subscriber's own session in the room, if any (its entry is `yourown`, ALIAS-4).
    own: Option<ParticipantId>,
}

fn body(doc: &ConferenceInfo) -> Body {
    Body::new(CONFERENCE_INFO_CONTENT_TYPE, doc.to_xml())
}

impl<H, C> Focus<H, C>
where
    H: TransportHandle + Clone,
    C: Clone + Eq + Hash + Ord + fmt::Debug,
{
    /// A request the control plane handed over: a SUBSCRIBE (the only host method).
    pub(super) fn on_subscribe(&mut self, now: Instant, key: ServerKey, request: &Request) {
        if *request.method() != Method::Subscribe {
            self.reply(now, key, request, 405);
            return;
        }
        // In a subscription's dialog: a refresh or an unsubscription.
        if let Some(id) = DialogId::of_incoming_request(request)
            .filter(|id| !id.local_tag.is_empty() && !id.remote_tag.is_empty())
        {
            match self.subs_by_dialog.get(&id).copied() {
                Some(sub) => {
                    if let Some(s) = self.subs.get_mut(&sub) {
                        s.notifier.handle_request(now, request);
                    }
                    self.drain_notifier(now, sub, Some(key));
                }
                None => self.reply(now, key, request, 481),
            }
            return;
        }
        self.new_subscription(now, key, request);
    }

    fn new_subscription(&mut self, now: Instant, key: ServerKey, request: &Request) {
        let room = match simpleim_sip::Uri::parse(&request.uri_bytes()) {
            Ok(Uri::Sip(uri)) => self.control.room_of(&uri),
            _ => None,
        };
        let Some((room, r)) = room.and_then(|id| self.rooms.get(&id).map(|r| (id, r))) else {
            self.reply(now, key, request, 404);
            return;
        };
        // Another event package than `conference` gets 489 with Allow-Events from the
        // notifier (RFC 6665 §4.2.1.1), after these checks.
        // REQ: SEC-1: subscribers are authenticated, and must be people the room would admit.
        let Some(identity) = self.control.asserted_identity(request) else {
            self.reply(now, key, request, 403);
            return;
        };
        let allowed = self
            .control
            .room(room)
            .is_some_and(|c| c.policy.may_join(&identity));
        if !allowed {
            self.reply(now, key, request, 403);
            return;
        }
        if self.subs.len() >= self.limits.max_subscriptions {
            self.reply(now, key, request, 503);
            return;
        }
        let own = self
            .participants
            .iter()
            .filter(|(_, p)| p.room == room && p.identity == identity)
            .map(|(id, _)| *id)
            .min();
        let mut subscription = Subscription::new(own);
        let doc = r.state.full_document(&mut subscription);
        let Ok(Uri::Sip(room_uri)) = simpleim_sip::Uri::parse(&r.identity.clone().into()) else {
            self.reply(now, key, request, 500);
            return;
        };
        let contact = NameAddr::new(Uri::Sip(room_uri)).with_param("isfocus", None);
        let Some(handle) = self.control.host_request_handle(key).cloned() else {
            return;
        };
        // RFC 3261 §18.1.1: the NOTIFYs name the transport of the subscriber's handle.
        let sent_by = self
            .control
            .config()
            .sent_by
            .on_transport(handle.transport());
        let mut config = NotifierConfig::new(
            contact,
            sent_by,
            CONFERENCE_EVENT_PACKAGE,
            Box::new(SipIds((self.id_factory)())),
        );
        config.max_expires = self.max_subscription_expires;
        config.default_expires = config.default_expires.min(self.max_subscription_expires);
        match Notifier::accept(now, config, request, Some(body(&doc))) {
            Ok(notifier) => {
                let id = SubscriptionId(self.next_sub);
                self.next_sub = self.next_sub.saturating_add(1);
                self.subs_by_dialog.insert(notifier.id().clone(), id);
                self.subs.insert(
                    id,
                    Sub {
                        room,
                        handle,
                        identity: identity.clone(),
                        notifier,
                        subscription,
                        own,
                    },
                );
                self.events.push_back(FocusEvent::SubscriptionAdded {
                    room,
                    subscription: id,
                    subscriber: identity,
                });
                self.drain_notifier(now, id, Some(key));
            }
            Err(rejection) => {
                if let Ok(response) = rejection.response.build() {
                    let _ = self.control.respond(now, key, response);
                }
            }
        }
    }

    /// Answers a handed-over request with a bare `status`.
    pub(super) fn reply(&mut self, now: Instant, key: ServerKey, request: &Request, status: u16) {
        let mut ids = SipIds((self.id_factory)());
        if let Ok(r) = Response::for_request(request, status, &mut ids).build() {
            let _ = self.control.respond(now, key, r);
        }
    }

    /// Sends what a notifier has queued (responses to the request under `key`, NOTIFY
    /// requests through the control's transaction layer) and handles its events.
    pub(super) fn drain_notifier(
        &mut self,
        now: Instant,
        id: SubscriptionId,
        key: Option<ServerKey>,
    ) {
        loop {
            while let Some((message, handle)) = self
                .subs
                .get_mut(&id)
                .and_then(|s| Some((s.notifier.poll_transmit()?, s.handle.clone())))
            {
                match message {
                    Message::Response(r) => {
                        if let Some(k) = key {
                            let _ = self.control.respond(now, k, r);
                        }
                    }
                    Message::Request(notify) => {
                        match self.control.send_request(now, handle, notify.clone()) {
                            Ok(ck) => {
                                self.notifies.insert(ck, (id, notify));
                            }
                            Err(_) => {
                                if let Some(s) = self.subs.get_mut(&id) {
                                    s.notifier.handle_request_failed(now, &notify);
                                }
                            }
                        }
                    }
                }
            }
            let Some(event) = self.subs.get_mut(&id).and_then(|s| s.notifier.poll_event()) else {
                break;
            };
            match event {
                NotifierEvent::Refreshed { .. } => {
                    // RFC 6665 §4.2.1.2: a refresh is answered with the current state.
                    if let Some(s) = self.subs.get_mut(&id) {
                        if let Some(r) = self.rooms.get(&s.room) {
                            let doc = r.state.full_document(&mut s.subscription);
                            let _ = s.notifier.notify(now, Some(body(&doc)));
                        }
                    }
                }
                NotifierEvent::Terminated { reason } => {
                    // The final NOTIFY is sent by the next round of the loop.
                    while let Some(Message::Request(notify)) = self
                        .subs
                        .get_mut(&id)
                        .and_then(|s| s.notifier.poll_transmit())
                    {
                        let handle = self.subs.get(&id).map(|s| s.handle.clone());
                        if let Some(h) = handle {
                            if let Ok(ck) = self.control.send_request(now, h, notify.clone()) {
                                self.notifies.insert(ck, (id, notify));
                            }
                        }
                    }
                    if let Some(s) = self.subs.remove(&id) {
                        self.subs_by_dialog.remove(s.notifier.id());
                        self.events.push_back(FocusEvent::SubscriptionEnded {
                            room: s.room,
                            subscription: id,
                            reason,
                        });
                    }
                    break;
                }
                _ => {}
            }
        }
    }

    /// Tells every subscriber of `room` about `change` (a partial document, or a full one
    /// when it missed a change).
    pub(super) fn notify_change(&mut self, now: Instant, room: RoomId, change: &Change) {
        let Some(r) = self.rooms.get(&room) else {
            return;
        };
        let mut sent = Vec::new();
        for (id, s) in self.subs.iter_mut().filter(|(_, s)| s.room == room) {
            if let Some(doc) = r.state.notification(change, &mut s.subscription) {
                let _ = s.notifier.notify(now, Some(body(&doc)));
                sent.push(*id);
            }
        }
        for id in sent {
            self.drain_notifier(now, id, None);
        }
    }

    /// A participant joined: subscriptions of the same identity without an own entry take it
    /// (ALIAS-4).
    pub(super) fn set_own_subscriptions(&mut self, room: RoomId, identity: &Uri, p: ParticipantId) {
        for s in self.subs.values_mut() {
            if s.room == room && s.identity == *identity {
                let own_gone = self
                    .rooms
                    .get(&room)
                    .is_none_or(|r| s.own.is_none_or(|o| r.state.member(&o).is_none()));
                if own_gone {
                    s.own = Some(p);
                    s.subscription.set_own(Some(p));
                }
            }
        }
    }

    /// The room goes away: its subscriptions end with `reason=noresource`.
    pub(super) fn end_subscriptions(&mut self, now: Instant, room: RoomId) {
        let ids: Vec<SubscriptionId> = self
            .subs
            .iter()
            .filter(|(_, s)| s.room == room)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            if let Some(s) = self.subs.get_mut(&id) {
                let _ = s.notifier.terminate(now, Some("noresource"), None, None);
            }
            self.drain_notifier(now, id, None);
        }
    }
}
