//! The focus as the IM server's Presence Source (seed 004 App. F §8.5.1.1; REQ: PRES-1): with
//! [`FocusConfig::presence`](super::FocusConfig::presence) and the deferred service both set,
//! a third-party REGISTER that registers a user publishes "Availability for IM" open for it,
//! and its de-registration (`Expires: 0`) or expiry publishes closed, with PUBLISH requests of
//! a [`Publisher`] sent to the outbound handle ([`Focus::set_outbound_handle`]).
//!
//! - The document is [`Presence::availability`]: `entity` the registered URI (the REGISTER's
//!   To), one tuple ([`PresenceSetup::tuple_id`]) with `<status><basic>` and the OMA IM
//!   `<op:service-description>`.
//! - Open is kept alive ([`Keep::Refresh`]: refreshed before it expires, re-published on a
//!   412); closed is published once ([`Keep::Once`], as a modification of the open state) and
//!   left to expire at the presence server, so that users who left cost no memory here.
//! - A registration refresh publishes nothing, unless the open publication was lost (failed).
//! - Outcomes come out of [`Focus::poll_presence_event`].

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::Bytes;
use simpleim_cpim::xml::{Basic, PIDF_CONTENT_TYPE, Presence};
use simpleim_sip::transaction::{ClientKey, TransportHandle};
use simpleim_sip::{Request, Response};

use super::Focus;
use crate::deferred::{Aor, DeferredEvent};
use crate::presence::{Keep, PublishEvent, Publisher, PublisherConfig};

/// What [`FocusConfig::presence`](super::FocusConfig::presence) takes.
#[derive(Debug)]
#[non_exhaustive]
pub struct PresenceSetup {
    /// The publisher's configuration (sent-by, identifiers, Expires, refresh margin).
    pub publisher: PublisherConfig,
    /// The `id` of the availability tuple (default `im-availability`).
    pub tuple_id: String,
}

impl PresenceSetup {
    /// Publication with `publisher`, the default tuple id.
    #[must_use]
    pub fn new(publisher: PublisherConfig) -> Self {
        Self {
            publisher,
            tuple_id: "im-availability".to_owned(),
        }
    }
}

/// The presence source's state inside the focus.
pub(super) struct PresenceSource {
    publisher: Publisher,
    tuple_id: String,
    requests: HashMap<ClientKey, Request>,
    events: VecDeque<PublishEvent>,
}

impl fmt::Debug for PresenceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresenceSource")
            .field("publisher", &self.publisher)
            .field("requests", &self.requests.len())
            .finish_non_exhaustive()
    }
}

impl PresenceSource {
    pub(super) fn new(setup: PresenceSetup) -> Self {
        Self {
            publisher: Publisher::new(setup.publisher),
            tuple_id: setup.tuple_id,
            requests: HashMap::new(),
            events: VecDeque::new(),
        }
    }

    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.publisher.poll_timeout()
    }
}

impl<H, C> Focus<H, C>
where
    H: TransportHandle + Clone,
    C: Clone + Eq + Hash + Ord + fmt::Debug,
{
    /// The publisher of the presence source (REQ: PRES-1), when configured.
    #[must_use]
    pub fn presence_publisher(&self) -> Option<&Publisher> {
        self.presence.as_ref().map(|p| &p.publisher)
    }

    /// The next outcome of a presence publication (REQ: PRES-1).
    #[must_use]
    pub fn poll_presence_event(&mut self) -> Option<PublishEvent> {
        self.presence.as_mut().and_then(|p| p.events.pop_front())
    }

    /// The deferred service's registration events become publications.
    pub(super) fn presence_on_deferred(&mut self, now: Instant, events: &[DeferredEvent<H, C>]) {
        for event in events {
            let (user, basic) = match event {
                DeferredEvent::Registered {
                    user, refreshed, ..
                } => {
                    let lost = self
                        .presence
                        .as_ref()
                        .is_some_and(|p| p.publisher.etag(user.as_str()).is_none());
                    if *refreshed && !lost {
                        continue;
                    }
                    (user, Basic::Open)
                }
                DeferredEvent::Deregistered { user, .. } => (user, Basic::Closed),
                _ => continue,
            };
            self.publish_availability(now, user, basic);
        }
    }

    fn publish_availability(&mut self, now: Instant, user: &Aor, basic: Basic) {
        let Some(source) = self.presence.as_mut() else {
            return;
        };
        let doc = Presence::availability(user.as_str(), &source.tuple_id, basic);
        let keep = match basic {
            Basic::Open => Keep::Refresh,
            Basic::Closed => Keep::Once,
        };
        let body = Bytes::from(doc.to_xml());
        if source
            .publisher
            .publish(now, user.as_str(), PIDF_CONTENT_TYPE, body, keep)
            .is_err()
        {
            return;
        }
        self.drain_presence(now);
    }

    /// Sends the publisher's requests through the control's transaction layer.
    fn drain_presence(&mut self, now: Instant) {
        let handle = self.control.outbound_handle().cloned();
        loop {
            let Some(source) = self.presence.as_mut() else {
                return;
            };
            while let Some(e) = source.publisher.poll_event() {
                source.events.push_back(e);
            }
            let Some(request) = source.publisher.poll_request() else {
                return;
            };
            let sent = handle
                .clone()
                .map(|h| self.control.send_request(now, h, request.clone()));
            match sent {
                Some(Ok(key)) => {
                    if let Some(source) = self.presence.as_mut() {
                        source.requests.insert(key, request);
                    }
                }
                // No way to the presence server: the publication fails.
                _ => {
                    if let Some(source) = self.presence.as_mut() {
                        source.publisher.handle_request_failed(now, &request, 503);
                    }
                }
            }
        }
    }

    /// A response to a PUBLISH (`true` when it was one).
    pub(super) fn presence_response(
        &mut self,
        now: Instant,
        key: ClientKey,
        response: &Response,
    ) -> bool {
        let Some(source) = self.presence.as_mut() else {
            return false;
        };
        if !source.requests.contains_key(&key) {
            return false;
        }
        if response.code() >= 200 {
            source.requests.remove(&key);
        }
        source.publisher.handle_response(now, response);
        self.drain_presence(now);
        true
    }

    /// A PUBLISH got no response (`true` when it was one).
    pub(super) fn presence_request_failed(
        &mut self,
        now: Instant,
        key: ClientKey,
        status: u16,
    ) -> bool {
        let Some(source) = self.presence.as_mut() else {
            return false;
        };
        let Some(request) = source.requests.remove(&key) else {
            return false;
        };
        source
            .publisher
            .handle_request_failed(now, &request, status);
        self.drain_presence(now);
        true
    }

    /// Refreshes due publications.
    pub(super) fn presence_timeout(&mut self, now: Instant) {
        let Some(source) = self.presence.as_mut() else {
            return;
        };
        if source.publisher.poll_timeout().is_some_and(|t| t <= now) {
            source.publisher.handle_timeout(now);
            self.drain_presence(now);
        }
    }
}
