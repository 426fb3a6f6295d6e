//! The event-state publication client of RFC 3903 as a sans-IO state machine: [`Publisher`].

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_sip::dialog::SentBy;
use simpleim_sip::header::{CSeq, CallId, Expires, MinExpires};
use simpleim_sip::{HeaderName, IdGenerator, IdKind, Method, Request, Response, Uri};

use super::error::PublishError;

/// How a [`Publisher`] behaves. Start from [`PublisherConfig::new`].
#[non_exhaustive]
pub struct PublisherConfig {
    /// The sent-by of the Via of every PUBLISH (the transport may be changed by the host).
    pub sent_by: SentBy,
    /// Where tags, Call-IDs and branches come from (seed it from a real random source).
    pub ids: Box<dyn IdGenerator + Send>,
    /// The event package (`Event:`, RFC 3903 §4): `presence` by default.
    pub event: String,
    /// The Expires asked for in every PUBLISH, in seconds (default 3600).
    pub expires: u32,
    /// How long before its expiry a publication is refreshed (default 60 s; at most half
    /// the granted interval).
    pub refresh_margin: Duration,
    /// Publications kept at once (default 100 000): [`PublishError::TooManyPublications`]
    /// beyond.
    pub max_publications: usize,
    /// How many 423 (Interval Too Brief) answers one request may get before the publisher
    /// gives up (default 2; RFC 3903 §4.1 step 4 retries with the Min-Expires).
    pub max_interval_retries: u8,
}

impl PublisherConfig {
    /// A configuration with the defaults.
    #[must_use]
    pub fn new(sent_by: SentBy, ids: Box<dyn IdGenerator + Send>) -> Self {
        Self {
            sent_by,
            ids,
            event: "presence".to_owned(),
            expires: 3600,
            refresh_margin: Duration::from_secs(60),
            max_publications: 100_000,
            max_interval_retries: 2,
        }
    }
}

impl fmt::Debug for PublisherConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublisherConfig")
            .field("sent_by", &self.sent_by)
            .field("event", &self.event)
            .field("expires", &self.expires)
            .field("refresh_margin", &self.refresh_margin)
            .field("max_publications", &self.max_publications)
            .finish_non_exhaustive()
    }
}

/// Whether a publication is kept alive after its first 2xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Refreshed before it expires, until modified, removed or failed.
    Refresh,
    /// Published once and forgotten after its 2xx (the presence server lets it expire).
    Once,
}

/// Something a [`Publisher`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishEvent {
    /// A PUBLISH got its 2xx: the presence server holds the state under `etag` for
    /// `expires` seconds.
    Published {
        /// The presentity (the Request-URI), as given to [`Publisher::publish`].
        presentity: String,
        /// The entity tag of the `SIP-ETag` (empty when the server sent none).
        etag: Bytes,
        /// The interval granted.
        expires: u32,
        /// True for a refresh (no body, RFC 3903 §4.3).
        refresh: bool,
    },
    /// A removal (`Expires: 0`, RFC 3903 §4.5) got its 2xx.
    Removed {
        /// The presentity.
        presentity: String,
    },
    /// The server did not know the entity tag (412, RFC 3903 §4.1 step 3, e.g. it lost the
    /// state): the whole document is published again, without `SIP-If-Match`.
    Restarted {
        /// The presentity.
        presentity: String,
    },
    /// A PUBLISH failed (another final status, 408 for a timeout, 503 for a transport
    /// error); the publication is forgotten.
    Failed {
        /// The presentity.
        presentity: String,
        /// The status.
        status: u16,
    },
}

/// What a request in flight does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A body, with `SIP-If-Match` when there is an entity tag (initial or modify).
    Document,
    /// No body, `SIP-If-Match` (RFC 3903 §4.3).
    Refresh,
    /// `Expires: 0`, `SIP-If-Match` (RFC 3903 §4.5).
    Remove,
}

/// One presentity's publication.
#[derive(Debug)]
struct Entry {
    call_id: Bytes,
    from_tag: Bytes,
    cseq: u32,
    etag: Option<Bytes>,
    expires: u32,
    content_type: String,
    body: Bytes,
    keep: Keep,
    /// The request in flight: its CSeq number and kind.
    in_flight: Option<(u32, Kind)>,
    /// What to send once the request in flight is answered.
    next: Option<Kind>,
    refresh_at: Option<Instant>,
    interval_retries: u8,
}

/// The publication client of RFC 3903 for many presentities; see the
/// [module documentation](super).
pub struct Publisher {
    config: PublisherConfig,
    entries: HashMap<String, Entry>,
    by_call: HashMap<Bytes, String>,
    /// Refresh deadlines; an entry whose deadline moved on is skipped.
    deadlines: BTreeSet<(Instant, String)>,
    requests: VecDeque<Request>,
    events: VecDeque<PublishEvent>,
}

impl fmt::Debug for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher")
            .field("config", &self.config)
            .field("publications", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Publisher {
    /// A publisher with no publications.
    #[must_use]
    pub fn new(config: PublisherConfig) -> Self {
        Self {
            config,
            entries: HashMap::new(),
            by_call: HashMap::new(),
            deadlines: BTreeSet::new(),
            requests: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    // --- getters ---------------------------------------------------------------------------

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &PublisherConfig {
        &self.config
    }

    /// Publications kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entity tag the server gave `presentity`'s publication, once it has one.
    #[must_use]
    pub fn etag(&self, presentity: &str) -> Option<&Bytes> {
        self.entries.get(presentity).and_then(|e| e.etag.as_ref())
    }

    /// Whether `request` (a PUBLISH) is one of this publisher's.
    #[must_use]
    pub fn owns(&self, request: &Request) -> bool {
        call_id(request.headers()).is_some_and(|c| self.by_call.contains_key(&c))
    }

    // --- commands --------------------------------------------------------------------------

    /// Publishes `body` (of `content_type`) for `presentity` (a SIP URI, the Request-URI,
    /// From and To): the first time without `SIP-If-Match` (RFC 3903 §4.2), later as a
    /// modification of the state the server holds (§4.4). A document given while a request
    /// is in flight is sent once it is answered (RFC 3903 §4: one at a time).
    ///
    /// # Errors
    /// [`PublishError::InvalidPresentity`], [`PublishError::TooManyPublications`].
    pub fn publish(
        &mut self,
        now: Instant,
        presentity: &str,
        content_type: &str,
        body: Bytes,
        keep: Keep,
    ) -> Result<(), PublishError> {
        if !self.entries.contains_key(presentity) {
            if !matches!(
                Uri::parse(&Bytes::copy_from_slice(presentity.as_bytes())),
                Ok(Uri::Sip(_))
            ) {
                return Err(PublishError::InvalidPresentity);
            }
            if self.entries.len() >= self.config.max_publications {
                return Err(PublishError::TooManyPublications(
                    self.config.max_publications,
                ));
            }
            let call_id = self.config.ids.next_id(IdKind::CallId);
            let from_tag = self.config.ids.next_id(IdKind::Tag);
            self.by_call.insert(call_id.clone(), presentity.to_owned());
            self.entries.insert(
                presentity.to_owned(),
                Entry {
                    call_id,
                    from_tag,
                    cseq: 0,
                    etag: None,
                    expires: self.config.expires,
                    content_type: String::new(),
                    body: Bytes::new(),
                    keep,
                    in_flight: None,
                    next: None,
                    refresh_at: None,
                    interval_retries: 0,
                },
            );
        }
        let Some(entry) = self.entries.get_mut(presentity) else {
            return Ok(());
        };
        content_type.clone_into(&mut entry.content_type);
        entry.body = body;
        entry.keep = keep;
        entry.interval_retries = 0;
        self.send(now, presentity, Kind::Document);
        Ok(())
    }

    /// Removes `presentity`'s publication (`Expires: 0` with `SIP-If-Match`, RFC 3903
    /// §4.5); one without an entity tag yet is just forgotten. False when there is none.
    pub fn remove(&mut self, now: Instant, presentity: &str) -> bool {
        let Some(entry) = self.entries.get(presentity) else {
            return false;
        };
        if entry.etag.is_none() && entry.in_flight.is_none() {
            self.forget(presentity);
            return true;
        }
        self.send(now, presentity, Kind::Remove);
        true
    }

    // --- inputs ----------------------------------------------------------------------------

    /// A response to a PUBLISH; false when it is not one of this publisher's (or not for the
    /// request in flight). Provisional responses are ignored.
    pub fn handle_response(&mut self, now: Instant, response: &Response) -> bool {
        let h = response.headers();
        let Some(presentity) = call_id(h).and_then(|c| self.by_call.get(&c).cloned()) else {
            return false;
        };
        let seq = h.typed::<CSeq>().and_then(Result::ok).map(|c| c.seq());
        let Some(entry) = self.entries.get_mut(&presentity) else {
            return false;
        };
        let Some((sent, kind)) = entry.in_flight else {
            return false;
        };
        if seq != Some(sent) {
            return false;
        }
        let code = response.code();
        if code < 200 {
            return true;
        }
        entry.in_flight = None;
        match code {
            200..=299 => {
                if kind == Kind::Remove {
                    self.forget(&presentity);
                    self.events.push_back(PublishEvent::Removed { presentity });
                    return true;
                }
                let etag = h
                    .get(HeaderName::SipETag)
                    .map(|v| v.value())
                    .unwrap_or_default();
                let granted = match h.typed::<Expires>() {
                    Some(Ok(e)) => e.value(),
                    _ => entry.expires,
                };
                entry.etag = Some(etag.clone()).filter(|e| !e.is_empty());
                entry.interval_retries = 0;
                self.events.push_back(PublishEvent::Published {
                    presentity: presentity.clone(),
                    etag,
                    expires: granted,
                    refresh: kind == Kind::Refresh,
                });
                if entry.next.is_none() && entry.keep == Keep::Once {
                    self.forget(&presentity);
                    return true;
                }
                let period = Duration::from_secs(u64::from(granted));
                let margin = self.config.refresh_margin.min(period / 2);
                entry.refresh_at = now.checked_add(period.saturating_sub(margin));
                if let Some(at) = entry.refresh_at {
                    self.deadlines.insert((at, presentity.clone()));
                }
            }
            412 if kind != Kind::Remove => {
                // RFC 3903 §4.1 step 3: the state is gone; publish it all again.
                entry.etag = None;
                self.events.push_back(PublishEvent::Restarted {
                    presentity: presentity.clone(),
                });
                entry.next = Some(Kind::Document);
            }
            423 if entry.interval_retries < self.config.max_interval_retries => {
                let min = h
                    .typed::<MinExpires>()
                    .and_then(Result::ok)
                    .map(|m| m.value());
                match min {
                    Some(min) if min > entry.expires => {
                        entry.expires = min;
                        entry.interval_retries += 1;
                        if entry.next.is_none() {
                            entry.next = Some(kind);
                        }
                    }
                    _ => {
                        self.fail(&presentity, code);
                        return true;
                    }
                }
            }
            _ => {
                if kind == Kind::Remove && code == 412 {
                    // Nothing to remove any more.
                    self.forget(&presentity);
                    self.events.push_back(PublishEvent::Removed { presentity });
                    return true;
                }
                self.fail(&presentity, code);
                return true;
            }
        }
        if let Some(next) = self
            .entries
            .get_mut(&presentity)
            .and_then(|e| e.next.take())
        {
            self.send(now, &presentity, next);
        }
        true
    }

    /// A PUBLISH of this publisher's got no response (`status` 408 for a timeout, 503 for
    /// a transport error); false when `request` is not one of them.
    pub fn handle_request_failed(&mut self, _now: Instant, request: &Request, status: u16) -> bool {
        let h = request.headers();
        let Some(presentity) = call_id(h).and_then(|c| self.by_call.get(&c).cloned()) else {
            return false;
        };
        let seq = h.typed::<CSeq>().and_then(Result::ok).map(|c| c.seq());
        let current = self
            .entries
            .get(&presentity)
            .and_then(|e| e.in_flight)
            .is_some_and(|(s, _)| Some(s) == seq);
        if current {
            self.fail(&presentity, status);
        }
        current
    }

    /// Time has passed: publications due are refreshed. Early calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((at, presentity)) = self.deadlines.first().cloned() {
            if at > now {
                break;
            }
            self.deadlines.pop_first();
            let due = self
                .entries
                .get(&presentity)
                .is_some_and(|e| e.refresh_at == Some(at));
            if due {
                self.send(now, &presentity, Kind::Refresh);
            }
        }
    }

    // --- outputs ---------------------------------------------------------------------------

    /// The next PUBLISH to send through the host's transaction layer (its responses go to
    /// [`Publisher::handle_response`]).
    #[must_use]
    pub fn poll_request(&mut self) -> Option<Request> {
        self.requests.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<PublishEvent> {
        self.events.pop_front()
    }

    /// When to call [`Publisher::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.first().map(|(t, _)| *t)
    }

    // --- internals -------------------------------------------------------------------------

    /// Sends a request of `kind` now, or after the one in flight.
    fn send(&mut self, _now: Instant, presentity: &str, kind: Kind) {
        let Some(entry) = self.entries.get_mut(presentity) else {
            return;
        };
        if entry.in_flight.is_some() {
            // A removal wins over anything queued; a document over a refresh.
            entry.next = match (entry.next, kind) {
                (Some(Kind::Remove), _) | (_, Kind::Remove) => Some(Kind::Remove),
                (Some(Kind::Document), _) | (_, Kind::Document) => Some(Kind::Document),
                _ => Some(Kind::Refresh),
            };
            return;
        }
        // Without an entity tag there is nothing to refresh: publish the document.
        let kind = if entry.etag.is_none() && kind == Kind::Refresh {
            Kind::Document
        } else {
            kind
        };
        if let Some(at) = entry.refresh_at.take() {
            self.deadlines.remove(&(at, presentity.to_owned()));
        }
        entry.cseq = entry.cseq.wrapping_add(1).max(1);
        let via = self.config.sent_by.via(&mut self.config.ids.as_mut());
        let from = format!(
            "<{presentity}>;tag={}",
            String::from_utf8_lossy(&entry.from_tag)
        );
        let expires = if kind == Kind::Remove {
            0
        } else {
            entry.expires
        };
        let mut b = Request::builder(Method::Publish, presentity)
            .typed(&via)
            .header(HeaderName::MaxForwards, 70)
            .header(HeaderName::From, from)
            .header(HeaderName::To, format!("<{presentity}>"))
            .header_named("Call-ID", &entry.call_id)
            .typed(&CSeq::new(entry.cseq, Method::Publish))
            .header_named("Event", self.config.event.as_bytes())
            .typed(&Expires::new(expires));
        if let Some(etag) = &entry.etag {
            b = b.header_named("SIP-If-Match", etag);
        }
        if kind == Kind::Document {
            b = b.body(&entry.content_type, entry.body.clone());
        }
        match b.build() {
            Ok(request) => {
                entry.in_flight = Some((entry.cseq, kind));
                self.requests.push_back(request);
            }
            Err(_) => self.fail(presentity, 500),
        }
    }

    fn fail(&mut self, presentity: &str, status: u16) {
        self.forget(presentity);
        self.events.push_back(PublishEvent::Failed {
            presentity: presentity.to_owned(),
            status,
        });
    }

    fn forget(&mut self, presentity: &str) {
        if let Some(entry) = self.entries.remove(presentity) {
            self.by_call.remove(&entry.call_id);
            if let Some(at) = entry.refresh_at {
                self.deadlines.remove(&(at, presentity.to_owned()));
            }
        }
    }
}

fn call_id(h: &simpleim_sip::Headers) -> Option<Bytes> {
    h.typed::<CallId>()
        .and_then(Result::ok)
        .map(|c| Bytes::copy_from_slice(c.as_bytes()))
}
