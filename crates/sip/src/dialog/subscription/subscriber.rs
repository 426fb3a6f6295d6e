//! The subscriber side of a subscription (RFC 6665 §4.1): SUBSCRIBE, refreshes before
//! expiry, NOTIFY before or after the 2xx, Subscription-State, unsubscribing.

use core::fmt;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::addr::NameAddr;
use crate::header::{
    CSeq, Event, Expires, MaxForwards, MinExpires, SubState, SubscriptionState, To,
};
use crate::ids::IdKind;
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::name::HeaderName;

use super::super::error::DialogError;
use super::super::id::{DialogId, parts};
use super::super::state::Dialog;
use super::config::SubscriberConfig;
use super::event::{SubscriberEvent, SubscriberState, SubscriberTermination};
use super::{SubscriptionError, refresh_delay, same_event};

/// Which SUBSCRIBE of ours waits for its final response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The SUBSCRIBE that creates the subscription (or its retry after a 423).
    Initial,
    /// A refresh.
    Refresh,
    /// The SUBSCRIBE with Expires: 0.
    Unsubscribe,
}

/// The subscriber of one subscription (RFC 6665 §4.1), sans-IO.
///
/// [`Subscriber::new`] queues the SUBSCRIBE. The host hands every output of
/// [`poll_transmit`](Self::poll_transmit) to the transaction layer (SUBSCRIBE requests, and
/// responses to NOTIFY requests), and feeds back:
/// - every response to those SUBSCRIBE requests: [`handle_response`](Self::handle_response)
///   (a transaction that ended without one: [`handle_request_failed`](Self::handle_request_failed));
/// - every request that matches the subscription (its Call-ID and To tag equal
///   [`call_id`](Self::call_id) and [`local_tag`](Self::local_tag)): NOTIFY, which may come
///   before the 2xx (RFC 6665 §4.1.2.4): [`handle_request`](Self::handle_request);
/// - the passing of time: [`handle_timeout`](Self::handle_timeout).
///
/// After every input and command it drains [`poll_transmit`](Self::poll_transmit), then
/// [`poll_event`](Self::poll_event), then [`poll_timeout`](Self::poll_timeout).
///
/// The duration granted by the 2xx's Expires, or by the `expires` of a NOTIFY's
/// Subscription-State (which wins, §4.1.3), sets the expiry; a refresh goes out
/// [`SubscriberConfig::refresh_margin`] before it (half-way through short ones). A 423 is
/// answered by asking again for its Min-Expires. NOTIFY requests are checked against the
/// dialog (481, 500 out of order), the Event (489) and Subscription-State (400), and
/// answered 200.
///
/// Forking: the first dialog (2xx or NOTIFY) wins; NOTIFY requests of other dialogs are
/// answered 481, which ends their subscriptions (§4.1.4).
pub struct Subscriber {
    config: SubscriberConfig,
    state: SubscriberState,
    call_id: Bytes,
    local_tag: Bytes,
    /// The From of the SUBSCRIBE requests outside the dialog: `config.local` with our tag.
    from: NameAddr,
    /// The latest SUBSCRIBE sent outside the dialog (the initial one or its retry).
    initial: Option<Request>,
    dialog: Option<Dialog>,
    /// The SUBSCRIBE waiting for its final response: its CSeq number and kind.
    pending: Option<(u32, Kind)>,
    /// The duration asked in the latest SUBSCRIBE.
    asked: u32,
    /// The notifier's Min-Expires from a 423: refreshes ask for at least this.
    min_expires: u32,
    notified: bool,
    unsubscribing: bool,
    expires_at: Option<Instant>,
    refresh_at: Option<Instant>,
    timer_n: Option<Instant>,
    transmit: VecDeque<Message>,
    events: VecDeque<SubscriberEvent>,
}

impl fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriber")
            .field("state", &self.state)
            .field("call_id", &self.call_id)
            .field("local_tag", &self.local_tag)
            .field("dialog", &self.dialog)
            .field("pending", &self.pending)
            .field("expires_at", &self.expires_at)
            .field("refresh_at", &self.refresh_at)
            .field("timer_n", &self.timer_n)
            .finish_non_exhaustive()
    }
}

impl Subscriber {
    /// A subscriber with `config`: queues the initial SUBSCRIBE (Event, Expires, Accept,
    /// Contact, a new Call-ID and From tag, CSeq 1) and starts Timer N.
    ///
    /// # Errors
    /// [`DialogError::Build`] when a configured value makes the SUBSCRIBE malformed.
    pub fn new(now: Instant, mut config: SubscriberConfig) -> Result<Self, DialogError> {
        let call_id = config.ids.next_id(IdKind::CallId);
        let local_tag = config.ids.next_id(IdKind::Tag);
        let from = config
            .local
            .clone()
            .with_tag(core::str::from_utf8(&local_tag).unwrap_or_default());
        let asked = config.expires;
        let mut s = Self {
            config,
            state: SubscriberState::NotifyWait,
            call_id,
            local_tag,
            from,
            initial: None,
            dialog: None,
            pending: None,
            asked,
            min_expires: 0,
            notified: false,
            unsubscribing: false,
            expires_at: None,
            refresh_at: None,
            timer_n: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        };
        s.send_initial(now, 1, asked)?;
        Ok(s)
    }

    // --- getters ----------------------------------------------------------------------------

    /// The subscription's state.
    #[must_use]
    pub fn state(&self) -> SubscriberState {
        self.state
    }

    /// The Call-ID of the subscription.
    #[must_use]
    pub fn call_id(&self) -> &Bytes {
        &self.call_id
    }

    /// This UA's tag: the To tag of the NOTIFY requests meant for this subscriber.
    #[must_use]
    pub fn local_tag(&self) -> &Bytes {
        &self.local_tag
    }

    /// The dialog, once a 2xx or a NOTIFY has created it.
    #[must_use]
    pub fn dialog(&self) -> Option<&Dialog> {
        self.dialog.as_ref()
    }

    /// When the subscription expires unless refreshed, once a duration is known.
    #[must_use]
    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }

    /// When the next refresh goes out.
    #[must_use]
    pub fn refresh_at(&self) -> Option<Instant> {
        self.refresh_at
    }

    // --- commands ---------------------------------------------------------------------------

    /// Refreshes the subscription now, asking for [`SubscriberConfig::expires`] (at least
    /// the Min-Expires of a 423 met before); the timer does this by itself before the
    /// expiry.
    ///
    /// # Errors
    /// [`SubscriptionError::Terminated`], [`SubscriptionError::NotEstablished`] before the
    /// dialog exists, [`SubscriptionError::Dialog`] when the request cannot be built.
    pub fn refresh(&mut self, now: Instant) -> Result<(), SubscriptionError> {
        let _ = now;
        self.check_live()?;
        self.send_in_dialog(self.refresh_expires(), Kind::Refresh)
    }

    /// Ends the subscription: a SUBSCRIBE with Expires: 0 (RFC 6665 §4.1.2.3). The final
    /// NOTIFY (`terminated`) ends it; without one within Timer N it ends anyway.
    ///
    /// # Errors
    /// As [`Subscriber::refresh`].
    pub fn unsubscribe(&mut self, now: Instant) -> Result<(), SubscriptionError> {
        self.check_live()?;
        self.send_in_dialog(0, Kind::Unsubscribe)?;
        self.unsubscribing = true;
        self.refresh_at = None;
        self.timer_n = now.checked_add(self.config.timer_n);
        Ok(())
    }

    fn check_live(&self) -> Result<(), SubscriptionError> {
        if self.state == SubscriberState::Terminated {
            Err(SubscriptionError::Terminated)
        } else if self.dialog.is_none() {
            Err(SubscriptionError::NotEstablished)
        } else {
            Ok(())
        }
    }

    // --- inputs -----------------------------------------------------------------------------

    /// A response to one of this subscriber's SUBSCRIBE requests. Responses to other
    /// requests, provisional responses, and 2xx from forks other than the subscription's
    /// dialog are ignored.
    pub fn handle_response(&mut self, now: Instant, response: &Response) {
        let Some((seq, kind)) = self.pending else {
            return;
        };
        let h = response.headers();
        let ours = parts(h).is_some_and(|(call_id, from, _)| {
            call_id == self.call_id && from.as_ref() == Some(&self.local_tag)
        });
        let answers = matches!(h.typed::<CSeq>(), Some(Ok(c)) if c.seq() == seq && *c.method() == Method::Subscribe);
        let code = response.code();
        if !ours || !answers || code < 200 || self.state == SubscriberState::Terminated {
            return;
        }
        // A 2xx from another fork than the dialog's (a NOTIFY made it first) is not the
        // answer awaited.
        let other_fork = (200..300).contains(&code)
            && self.dialog.as_ref().is_some_and(|d| {
                parts(h).is_none_or(|(_, _, to)| to.as_ref() != Some(&d.id().remote_tag))
            });
        if other_fork {
            return;
        }
        self.pending = None;
        match (kind, code) {
            (_, 200..=299) => self.accepted(now, kind, response),
            (Kind::Initial | Kind::Refresh, 423) => {
                let min = match h.typed::<MinExpires>() {
                    Some(Ok(m)) => m.value(),
                    _ => 0,
                };
                self.min_expires = self.min_expires.max(min);
                let retried = min > self.asked
                    && match kind {
                        Kind::Initial if self.dialog.is_none() => {
                            let next = self.initial_seq().saturating_add(1);
                            self.send_initial(now, next, min).is_ok()
                        }
                        _ => self.send_in_dialog(min, kind).is_ok(),
                    };
                if !retried && kind == Kind::Initial {
                    self.terminate(SubscriberTermination::Rejected { status: code });
                }
            }
            (Kind::Initial, _) | (Kind::Refresh, 481) => {
                self.terminate(SubscriberTermination::Rejected { status: code });
            }
            // A failed refresh leaves the subscription until it expires (RFC 6665 §4.1.2.2).
            (Kind::Refresh, _) => {}
            (Kind::Unsubscribe, _) => self.terminate(SubscriberTermination::Unsubscribed),
        }
    }

    /// A 2xx to a SUBSCRIBE of ours.
    fn accepted(&mut self, now: Instant, kind: Kind, response: &Response) {
        match &mut self.dialog {
            None => {
                let created = match &self.initial {
                    Some(req) => Dialog::new_uac(req, response),
                    None => Err(DialogError::OtherDialog),
                };
                match created {
                    Ok(d) => self.dialog = Some(d),
                    Err(e) => {
                        self.terminate(SubscriberTermination::ProtocolError(e));
                        return;
                    }
                }
            }
            Some(d) => {
                if d.handle_response(response).is_err() {
                    return;
                }
            }
        }
        if kind == Kind::Unsubscribe {
            return;
        }
        let granted = match response.headers().typed::<Expires>() {
            Some(Ok(e)) => e.value(),
            _ => self.asked,
        };
        self.schedule(now, granted);
    }

    /// The transaction of `request`, a SUBSCRIBE of this subscriber, ended without a final
    /// response: handled as a 408 (RFC 3261 §8.1.3.1).
    pub fn handle_request_failed(&mut self, now: Instant, request: &Request) {
        let Some((seq, kind)) = self.pending else {
            return;
        };
        let h = request.headers();
        let ours = matches!(h.typed::<CSeq>(), Some(Ok(c)) if c.seq() == seq)
            && parts(h).is_some_and(|(call_id, from, _)| {
                call_id == self.call_id && from.as_ref() == Some(&self.local_tag)
            });
        if !ours {
            return;
        }
        self.pending = None;
        match kind {
            Kind::Initial => self.terminate(SubscriberTermination::Rejected { status: 408 }),
            Kind::Refresh => {}
            Kind::Unsubscribe => self.terminate(SubscriberTermination::Unsubscribed),
        }
        let _ = now;
    }

    /// A request for this subscription: a NOTIFY (RFC 6665 §4.1.3). It is answered through
    /// [`poll_transmit`](Self::poll_transmit): 200, or 481 (not this subscription's dialog,
    /// or the subscription is over), 500 (out of order), 489 (another Event), 400 (no
    /// Subscription-State, or a first NOTIFY that cannot found the dialog), 405 (another
    /// method). ACK is ignored.
    pub fn handle_request(&mut self, now: Instant, request: &Request) {
        let method = request.method();
        if *method == Method::Ack {
            return;
        }
        if *method != Method::Notify {
            self.answer(request, 405, Some("NOTIFY"));
            return;
        }
        let ours = DialogId::of_incoming_request(request)
            .is_some_and(|id| id.call_id == self.call_id && id.local_tag == self.local_tag);
        if !ours || self.state == SubscriberState::Terminated {
            self.answer(request, 481, None);
            return;
        }
        let h = request.headers();
        if !matches!(h.typed::<Event>(), Some(Ok(e)) if same_event(&e, &self.config.event)) {
            self.answer(request, 489, None);
            return;
        }
        let Some(Ok(sub_state)) = h.typed::<SubscriptionState>() else {
            self.answer(request, 400, None);
            return;
        };
        if let Some(d) = self.dialog.as_mut() {
            if let Err(rejection) = d.handle_request(request) {
                let answer = rejection
                    .response(request, &mut self.config.ids.as_mut())
                    .build();
                self.push_response(answer);
                return;
            }
        } else {
            let created = self
                .initial
                .as_ref()
                .map(|sub| Dialog::new_uac_from_notify(sub, request));
            match created {
                Some(Ok(d)) => self.dialog = Some(d),
                _ => {
                    self.answer(request, 400, None);
                    return;
                }
            }
        }
        let ok = self.dialog.as_mut().map(|d| {
            d.respond(request, 200)
                .and_then(|b| b.build().map_err(DialogError::from))
        });
        match ok {
            Some(Ok(r)) => self.transmit.push_back(Message::Response(r)),
            _ => {
                self.answer(request, 500, None);
                return;
            }
        }
        self.notified(now, &sub_state, request);
    }

    /// The state a NOTIFY announced, after it was answered 200.
    fn notified(&mut self, now: Instant, sub_state: &SubscriptionState, request: &Request) {
        self.notified = true;
        if !self.unsubscribing {
            self.timer_n = None;
        }
        let next = match sub_state.state() {
            SubState::Active => SubscriberState::Active,
            SubState::Terminated => SubscriberState::Terminated,
            // An extension state is taken as pending (this crate's choice): the subscription
            // exists, but nothing says it is active.
            _ => SubscriberState::Pending,
        };
        if next == SubscriberState::Terminated {
            self.events.push_back(SubscriberEvent::Notification {
                request: Box::new(request.clone()),
            });
            self.terminate(SubscriberTermination::Notified {
                reason: sub_state.params().get_bytes("reason"),
                retry_after: sub_state.retry_after(),
            });
            return;
        }
        if !self.unsubscribing {
            if next != self.state {
                self.state = next;
                self.events
                    .push_back(SubscriberEvent::StateChanged { state: next });
            }
            if let Some(expires) = sub_state.expires() {
                self.schedule(now, expires);
            }
        }
        self.events.push_back(SubscriberEvent::Notification {
            request: Box::new(request.clone()),
        });
    }

    /// Time has passed: Timer N, the expiry, the refresh, in that order.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == SubscriberState::Terminated {
            return;
        }
        if self.timer_n.is_some_and(|t| t <= now) {
            self.timer_n = None;
            if self.unsubscribing {
                self.terminate(SubscriberTermination::Unsubscribed);
                return;
            }
            if !self.notified {
                self.terminate(SubscriberTermination::NoNotify);
                return;
            }
        }
        if self.expires_at.is_some_and(|t| t <= now) {
            self.terminate(SubscriberTermination::Expired);
            return;
        }
        if self.refresh_at.is_some_and(|t| t <= now) {
            self.refresh_at = None;
            // A refresh already on its way is not doubled; a failed one leaves the expiry.
            if self.pending.is_none() {
                let _ = self.send_in_dialog(self.refresh_expires(), Kind::Refresh);
            }
        }
    }

    // --- outputs ----------------------------------------------------------------------------

    /// The next message to hand to the transaction layer: a SUBSCRIBE, or a response to a
    /// NOTIFY.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Message> {
        self.transmit.pop_front()
    }

    /// The next event, in order.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<SubscriberEvent> {
        self.events.pop_front()
    }

    /// When to call [`Subscriber::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.timer_n, self.expires_at, self.refresh_at]
            .into_iter()
            .flatten()
            .min()
    }

    // --- internals --------------------------------------------------------------------------

    /// The duration a refresh asks for: the configured one, at least a Min-Expires learnt
    /// from a 423 (RFC 6665 §4.1.2.1).
    fn refresh_expires(&self) -> u32 {
        self.config.expires.max(self.min_expires)
    }

    fn initial_seq(&self) -> u32 {
        match self.initial.as_ref().map(|r| r.headers().typed::<CSeq>()) {
            Some(Some(Ok(c))) => c.seq(),
            _ => 1,
        }
    }

    /// Sets the expiry and the refresh for a subscription granted `granted` seconds at
    /// `now`. A duration of 0 (a fetch, or an unsubscription) leaves no timer: the final
    /// NOTIFY, or Timer N, ends it.
    fn schedule(&mut self, now: Instant, granted: u32) {
        if granted == 0 {
            self.expires_at = None;
            self.refresh_at = None;
            if self.timer_n.is_none() {
                self.timer_n = now.checked_add(self.config.timer_n);
            }
            return;
        }
        let granted = Duration::from_secs(u64::from(granted));
        self.expires_at = now.checked_add(granted);
        self.refresh_at = if self.unsubscribing {
            None
        } else {
            now.checked_add(refresh_delay(granted, self.config.refresh_margin))
        };
    }

    fn terminate(&mut self, reason: SubscriberTermination) {
        if self.state == SubscriberState::Terminated {
            return;
        }
        self.state = SubscriberState::Terminated;
        self.pending = None;
        self.expires_at = None;
        self.refresh_at = None;
        self.timer_n = None;
        if let Some(d) = &mut self.dialog {
            d.terminate();
        }
        self.events
            .push_back(SubscriberEvent::Terminated { reason });
    }

    /// Event, Expires, Accept and the configured headers, for every SUBSCRIBE.
    fn finish(
        &self,
        b: crate::builder::RequestBuilder,
        expires: u32,
    ) -> Result<Request, DialogError> {
        let mut b = b.typed(&self.config.event).typed(&Expires::new(expires));
        if !self.config.accept.is_empty() {
            b = b.header(HeaderName::Accept, self.config.accept.join(", "));
        }
        for (name, value) in &self.config.headers {
            b = b.header_named(name, value);
        }
        Ok(b.build()?)
    }

    /// The SUBSCRIBE outside the dialog (the initial one, or its retry after a 423).
    fn send_initial(&mut self, now: Instant, seq: u32, expires: u32) -> Result<(), DialogError> {
        let c = &mut self.config;
        let mut b = Request::builder(Method::Subscribe, &c.target)
            .typed(&c.sent_by.via(&mut c.ids.as_mut()))
            .typed(&MaxForwards::new(70));
        for r in &c.route {
            b = b.header(HeaderName::Route, r);
        }
        let b = b
            .header(HeaderName::From, &self.from)
            .typed(&To::from(c.remote.clone()))
            .header_named("Call-ID", &self.call_id)
            .typed(&CSeq::new(seq, Method::Subscribe))
            .header(HeaderName::Contact, &c.contact);
        let req = self.finish(b, expires)?;
        self.initial = Some(req.clone());
        self.transmit.push_back(Message::Request(req));
        self.pending = Some((seq, Kind::Initial));
        self.asked = expires;
        self.timer_n = now.checked_add(self.config.timer_n);
        Ok(())
    }

    /// A SUBSCRIBE in the dialog: a refresh, a retry after a 423, or an unsubscription.
    fn send_in_dialog(&mut self, expires: u32, kind: Kind) -> Result<(), SubscriptionError> {
        let Some(d) = &mut self.dialog else {
            return Err(SubscriptionError::NotEstablished);
        };
        let b = d.request(
            Method::Subscribe,
            &self.config.sent_by,
            &mut self.config.ids.as_mut(),
        )?;
        let seq = d.local_seq().unwrap_or_default();
        let req = self.finish(b, expires)?;
        self.transmit.push_back(Message::Request(req));
        self.pending = Some((seq, kind));
        self.asked = expires;
        Ok(())
    }

    /// Answers `request` with `code` (and `Allow` for a 405).
    fn answer(&mut self, request: &Request, code: u16, allow: Option<&str>) {
        let mut b = crate::Response::for_request(request, code, &mut self.config.ids.as_mut());
        if let Some(allow) = allow {
            b = b.header(HeaderName::Allow, allow);
        }
        self.push_response(b.build());
    }

    fn push_response(&mut self, built: Result<Response, crate::BuildError>) {
        // A response that does not build (the request's own headers are broken) is dropped:
        // the request's transaction times out on the peer's side.
        if let Ok(r) = built {
            self.transmit.push_back(Message::Response(r));
        }
    }
}
