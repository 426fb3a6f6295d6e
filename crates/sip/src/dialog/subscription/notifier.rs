//! The notifier side of a subscription (RFC 6665 §4.2): accepting a SUBSCRIBE with a 200
//! and an immediate NOTIFY, refreshes, unsubscription, expiry, NOTIFY with a body the
//! caller supplies, termination with a reason.

use core::fmt;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::builder::ResponseBuilder;
use crate::header::{
    Event, Expires, MinExpires, RetryAfter, SubState, SubscriptionState, TypedHeader,
};
use crate::ids::IdGenerator;
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::name::HeaderName;

use super::super::error::DialogError;
use super::super::id::DialogId;
use super::super::state::Dialog;
use super::config::NotifierConfig;
use super::event::{NotifierEvent, NotifierState, NotifierTermination, SubscribeRejection};
use super::{Body, SubscriptionError, same_event};

/// The notifier of one subscription (RFC 6665 §4.2), sans-IO.
///
/// [`Notifier::accept`] (or [`Notifier::accept_pending`]) takes a SUBSCRIBE and queues the
/// 200 (with the granted Expires and this UA's Contact) and the immediate first NOTIFY. The
/// host hands every output of [`poll_transmit`](Self::poll_transmit) to the transaction
/// layer (the responses to SUBSCRIBE requests, and NOTIFY requests), and feeds back:
/// - every request in the subscription's dialog: [`handle_request`](Self::handle_request)
///   (refreshes, and the SUBSCRIBE with Expires: 0 that ends it);
/// - every response to its NOTIFY requests: [`handle_response`](Self::handle_response) (a
///   transaction that ended without one: [`handle_request_failed`](Self::handle_request_failed));
/// - the passing of time: [`handle_timeout`](Self::handle_timeout), which ends an expired
///   subscription with a NOTIFY `terminated;reason=timeout`.
///
/// The resource state goes out with [`notify`](Self::notify): for the conference event
/// package (RFC 4575, REQ: FOC-8) the caller's conference-info document, full or partial.
/// After every input and command it drains [`poll_transmit`](Self::poll_transmit), then
/// [`poll_event`](Self::poll_event), then [`poll_timeout`](Self::poll_timeout).
pub struct Notifier {
    config: NotifierConfig,
    dialog: Dialog,
    /// The Event of the SUBSCRIBE, echoed in every NOTIFY (type and `id`).
    event: Event,
    state: NotifierState,
    expires_at: Option<Instant>,
    transmit: VecDeque<Message>,
    events: VecDeque<NotifierEvent>,
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("dialog", &self.dialog)
            .field("event", &self.event)
            .field("state", &self.state)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What a SUBSCRIBE asks for, once checked: its Event and the duration to grant.
struct Asked {
    event: Event,
    granted: u32,
}

/// The parts of a [`NotifierConfig`] that judge a SUBSCRIBE (copied out, so that the
/// configuration's id generator stays free to borrow).
struct Durations {
    package: String,
    min_expires: u32,
    max_expires: u32,
    default_expires: u32,
}

impl Durations {
    fn of(config: &NotifierConfig) -> Self {
        Self {
            package: config.package.clone(),
            min_expires: config.min_expires,
            max_expires: config.max_expires,
            default_expires: config.default_expires,
        }
    }
}

/// A refusal of `request`: `status` with the headers it needs.
fn refuse(
    request: &Request,
    status: u16,
    reason: &'static str,
    ids: &mut impl IdGenerator,
) -> SubscribeRejection {
    SubscribeRejection {
        status,
        reason,
        response: Box::new(Response::for_request(request, status, ids)),
    }
}

/// Checks the Event and Expires of a SUBSCRIBE (RFC 6665 §4.2.1.1): 489 for another package
/// (with Allow-Events), 400 for a malformed Expires, 423 for one too short (with
/// Min-Expires); the granted duration is the asked one (or the default), at most the
/// maximum.
fn check_subscribe(
    request: &Request,
    config: &Durations,
    expected: Option<&Event>,
    ids: &mut impl IdGenerator,
) -> Result<Asked, SubscribeRejection> {
    let h = request.headers();
    let event = match h.typed::<Event>() {
        Some(Ok(e))
            if e.event_type() == config.package.as_bytes()
                && expected.is_none_or(|x| same_event(x, &e)) =>
        {
            e
        }
        _ => {
            let mut r = refuse(request, 489, "event package not served", ids);
            r.response = Box::new(r.response.header(HeaderName::AllowEvents, &config.package));
            return Err(r);
        }
    };
    let asked = match h.typed::<Expires>() {
        None => config.default_expires,
        Some(Ok(e)) => e.value(),
        Some(Err(_)) => return Err(refuse(request, 400, "malformed Expires", ids)),
    };
    if asked != 0 && asked < config.min_expires {
        let mut r = refuse(request, 423, "subscription too short", ids);
        r.response = Box::new(r.response.typed(&MinExpires::new(config.min_expires)));
        return Err(r);
    }
    Ok(Asked {
        event,
        granted: asked.min(config.max_expires),
    })
}

impl Notifier {
    /// Accepts a SUBSCRIBE that creates a subscription, in the `active` state: queues the
    /// 200 (Expires: the granted duration; Contact; the dialog's To tag) and the immediate
    /// NOTIFY (RFC 6665 §4.2.1.1, §4.2.2) with `Subscription-State: active;expires=...` and
    /// `body`, the resource's current state. A SUBSCRIBE with Expires: 0 (a fetch) gets its
    /// NOTIFY with `terminated;reason=timeout` and ends there.
    ///
    /// # Errors
    /// A [`SubscribeRejection`] with the response to send: 405 for another method, 489 for
    /// another event package, 400 for a malformed Expires or a SUBSCRIBE without Contact,
    /// 423 for a duration below [`NotifierConfig::min_expires`], 481 for a SUBSCRIBE with a
    /// To tag (inside a dialog this notifier does not know).
    pub fn accept(
        now: Instant,
        config: NotifierConfig,
        subscribe: &Request,
        body: Option<Body>,
    ) -> Result<Self, SubscribeRejection> {
        Self::start(now, config, subscribe, NotifierState::Active, body)
    }

    /// [`Notifier::accept`] in the `pending` state (RFC 6665 §4.2.1.1: accepted, awaiting
    /// authorization): the first NOTIFY says `pending` and carries no body.
    /// [`Notifier::activate`] makes it active.
    ///
    /// # Errors
    /// As [`Notifier::accept`].
    pub fn accept_pending(
        now: Instant,
        config: NotifierConfig,
        subscribe: &Request,
    ) -> Result<Self, SubscribeRejection> {
        Self::start(now, config, subscribe, NotifierState::Pending, None)
    }

    fn start(
        now: Instant,
        mut config: NotifierConfig,
        subscribe: &Request,
        state: NotifierState,
        body: Option<Body>,
    ) -> Result<Self, SubscribeRejection> {
        let durations = Durations::of(&config);
        let mut ids = config.ids.as_mut();
        if *subscribe.method() != Method::Subscribe {
            let mut r = refuse(subscribe, 405, "not a SUBSCRIBE", &mut ids);
            r.response = Box::new(r.response.header(HeaderName::Allow, "SUBSCRIBE"));
            return Err(r);
        }
        let asked = check_subscribe(subscribe, &durations, None, &mut ids)?;
        let mut dialog = match Dialog::new_uas(subscribe, config.contact.clone(), &mut ids) {
            Ok(d) => d,
            Err(DialogError::NotDialogCreating(_)) => {
                return Err(refuse(subscribe, 481, "no such subscription", &mut ids));
            }
            Err(_) => return Err(refuse(subscribe, 400, "malformed SUBSCRIBE", &mut ids)),
        };
        let ok = dialog
            .respond(subscribe, 200)
            .map_err(|_| refuse(subscribe, 400, "malformed SUBSCRIBE", &mut ids))?
            .typed(&Expires::new(asked.granted))
            .build()
            .map_err(|_| refuse(subscribe, 400, "malformed SUBSCRIBE", &mut ids))?;
        let mut n = Self {
            config,
            dialog,
            event: asked.event,
            state,
            expires_at: None,
            transmit: VecDeque::from([Message::Response(ok)]),
            events: VecDeque::new(),
        };
        if asked.granted == 0 {
            n.finish(
                SubscriptionState::new(SubState::Terminated).with_reason("timeout"),
                body,
                NotifierTermination::Unsubscribed,
            );
        } else {
            n.set_expiry(now, asked.granted);
            // A NOTIFY that cannot be built leaves the subscription to expire; the 200 goes.
            let _ = n.notify(now, body);
        }
        Ok(n)
    }

    // --- getters ----------------------------------------------------------------------------

    /// The subscription's state.
    #[must_use]
    pub fn state(&self) -> NotifierState {
        self.state
    }

    /// The subscription's dialog.
    #[must_use]
    pub fn dialog(&self) -> &Dialog {
        &self.dialog
    }

    /// The dialog id, to route the subscriber's requests here.
    #[must_use]
    pub fn id(&self) -> &DialogId {
        self.dialog.id()
    }

    /// The Event of the subscription (echoed in every NOTIFY).
    #[must_use]
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// When the subscription expires unless refreshed.
    #[must_use]
    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }

    // --- commands ---------------------------------------------------------------------------

    /// Sends the resource state: a NOTIFY with `Subscription-State: active;expires=N` (or
    /// `pending`), N the seconds left, and `body` (RFC 6665 §4.2.2).
    ///
    /// # Errors
    /// [`SubscriptionError::Terminated`] after the subscription ended;
    /// [`SubscriptionError::Dialog`] when the NOTIFY cannot be built.
    pub fn notify(&mut self, now: Instant, body: Option<Body>) -> Result<(), SubscriptionError> {
        let state = match self.state {
            NotifierState::Terminated => return Err(SubscriptionError::Terminated),
            NotifierState::Active => SubState::Active,
            NotifierState::Pending => SubState::Pending,
        };
        let left = self
            .expires_at
            .map_or(0, |t| t.saturating_duration_since(now).as_secs());
        let left = u32::try_from(left).unwrap_or(u32::MAX);
        self.send_notify(SubscriptionState::new(state).with_expires(left), body)
    }

    /// Moves a pending subscription to `active` and sends the state with [`Notifier::notify`]
    /// (RFC 6665 §4.2.1.1: the authorization decision is notified).
    ///
    /// # Errors
    /// As [`Notifier::notify`].
    pub fn activate(&mut self, now: Instant, body: Option<Body>) -> Result<(), SubscriptionError> {
        if self.state == NotifierState::Terminated {
            return Err(SubscriptionError::Terminated);
        }
        self.state = NotifierState::Active;
        self.notify(now, body)
    }

    /// Ends the subscription: a NOTIFY `terminated` with `reason` (an event-reason-value:
    /// `deactivated`, `probation`, `rejected`, `timeout`, `giveup`, `noresource`,
    /// `invariant`, RFC 6665 §4.1.3), `retry_after` and `body` (REQ: FOC-6: a conference that
    /// ends ends its subscriptions).
    ///
    /// # Errors
    /// [`SubscriptionError::Terminated`] when it already ended.
    pub fn terminate(
        &mut self,
        now: Instant,
        reason: Option<&str>,
        retry_after: Option<u32>,
        body: Option<Body>,
    ) -> Result<(), SubscriptionError> {
        let _ = now;
        if self.state == NotifierState::Terminated {
            return Err(SubscriptionError::Terminated);
        }
        let mut s = SubscriptionState::new(SubState::Terminated);
        if let Some(reason) = reason {
            s = s.with_reason(reason);
        }
        if let Some(seconds) = retry_after {
            s = s.with_retry_after(seconds);
        }
        self.finish(s, body, NotifierTermination::Local);
        Ok(())
    }

    // --- inputs -----------------------------------------------------------------------------

    /// A request in the subscription's dialog: a SUBSCRIBE refreshing it (200 with the
    /// granted Expires, then [`NotifierEvent::Refreshed`]) or ending it with Expires: 0 (200,
    /// a final NOTIFY `terminated`, [`NotifierEvent::Terminated`]). Refused: 481 for
    /// another dialog or after the end, 500 out of order, 489 for another Event, 423 too
    /// short, 405 another method. ACK is ignored.
    pub fn handle_request(&mut self, now: Instant, request: &Request) {
        let method = request.method();
        if *method == Method::Ack {
            return;
        }
        let durations = Durations::of(&self.config);
        let mut ids = self.config.ids.as_mut();
        if *method != Method::Subscribe {
            let b = Response::for_request(request, 405, &mut ids)
                .header(HeaderName::Allow, "SUBSCRIBE");
            self.push(b);
            return;
        }
        if self.state == NotifierState::Terminated {
            let b = Response::for_request(request, 481, &mut ids);
            self.push(b);
            return;
        }
        if let Err(rejection) = self.dialog.handle_request(request) {
            let b = rejection.response(request, &mut ids);
            self.push(b);
            return;
        }
        let asked = match check_subscribe(request, &durations, Some(&self.event), &mut ids) {
            Ok(a) => a,
            Err(r) => {
                self.push(*r.response);
                return;
            }
        };
        let ok = self
            .dialog
            .respond(request, 200)
            .map(|b| b.typed(&Expires::new(asked.granted)));
        match ok {
            Ok(b) => self.push(b),
            Err(_) => return,
        }
        if asked.granted == 0 {
            self.finish(
                SubscriptionState::new(SubState::Terminated),
                None,
                NotifierTermination::Unsubscribed,
            );
        } else {
            self.set_expiry(now, asked.granted);
            self.events.push_back(NotifierEvent::Refreshed {
                expires: asked.granted,
            });
        }
    }

    /// A response to one of this notifier's NOTIFY requests (RFC 6665 §4.2.2): a 2xx may
    /// refresh the remote target; a 481, or another failure without Retry-After, ends the
    /// subscription. Responses to other requests and provisional ones are ignored.
    pub fn handle_response(&mut self, now: Instant, response: &Response) {
        let _ = now;
        let h = response.headers();
        let ours = DialogId::of_outgoing(h).as_ref() == Some(self.dialog.id())
            && matches!(h.typed::<crate::header::CSeq>(), Some(Ok(c)) if *c.method() == Method::Notify);
        let code = response.code();
        if !ours || code < 200 {
            return;
        }
        if (200..300).contains(&code) {
            let _ = self.dialog.handle_response(response);
            return;
        }
        let retry = h.get(RetryAfter::NAME).is_some();
        if code == 481 || !retry {
            self.end(NotifierTermination::NotifyFailed { status: code });
        }
    }

    /// The transaction of a NOTIFY of this notifier ended without a response: the
    /// subscription ends (RFC 6665 §4.2.2).
    pub fn handle_request_failed(&mut self, now: Instant, request: &Request) {
        let _ = now;
        if DialogId::of_outgoing(request.headers()).as_ref() == Some(self.dialog.id())
            && *request.method() == Method::Notify
        {
            self.end(NotifierTermination::NotifyFailed { status: 408 });
        }
    }

    /// Time has passed: an expired subscription ends with a NOTIFY
    /// `terminated;reason=timeout` (RFC 6665 §4.2.1.4).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state != NotifierState::Terminated && self.expires_at.is_some_and(|t| t <= now) {
            self.finish(
                SubscriptionState::new(SubState::Terminated).with_reason("timeout"),
                None,
                NotifierTermination::Expired,
            );
        }
    }

    // --- outputs ----------------------------------------------------------------------------

    /// The next message to hand to the transaction layer: a response to a SUBSCRIBE, or a
    /// NOTIFY.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Message> {
        self.transmit.pop_front()
    }

    /// The next event, in order.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<NotifierEvent> {
        self.events.pop_front()
    }

    /// When to call [`Notifier::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.expires_at
    }

    // --- internals --------------------------------------------------------------------------

    fn set_expiry(&mut self, now: Instant, granted: u32) {
        self.expires_at = now.checked_add(Duration::from_secs(u64::from(granted)));
    }

    fn push(&mut self, b: ResponseBuilder) {
        // A response that does not build (the request's own headers are broken) is dropped:
        // the peer's transaction times out.
        if let Ok(r) = b.build() {
            self.transmit.push_back(Message::Response(r));
        }
    }

    /// A NOTIFY in the dialog with `state` and `body`.
    fn send_notify(
        &mut self,
        state: SubscriptionState,
        body: Option<Body>,
    ) -> Result<(), SubscriptionError> {
        let b = self
            .dialog
            .request(
                Method::Notify,
                &self.config.sent_by,
                &mut self.config.ids.as_mut(),
            )?
            .typed(&self.event)
            .typed(&state);
        let b = match body {
            Some(body) => b.body(&body.content_type, body.bytes),
            None => b,
        };
        let req = b.build().map_err(DialogError::from)?;
        self.transmit.push_back(Message::Request(req));
        Ok(())
    }

    /// Sends the final NOTIFY with `state` and ends the subscription.
    fn finish(&mut self, state: SubscriptionState, body: Option<Body>, why: NotifierTermination) {
        // The subscription ends even if its final NOTIFY cannot be built.
        let _ = self.send_notify(state, body);
        self.end(why);
    }

    fn end(&mut self, why: NotifierTermination) {
        if self.state == NotifierState::Terminated {
            return;
        }
        self.state = NotifierState::Terminated;
        self.expires_at = None;
        self.dialog.terminate();
        self.events
            .push_back(NotifierEvent::Terminated { reason: why });
    }
}
