//! The client's presence source for "Willingness for IM" (seed 004 App. F §8.6.1.1;
//! REQ: PRES-1): [`WillingnessPublisher`].

use std::time::Instant;

use bytes::Bytes;
use simpleim_cpim::xml::{Basic, PIDF_CONTENT_TYPE, Presence};
use simpleim_sip::{Request, Response};

use crate::presence::{Keep, PublishError, PublishEvent, Publisher, PublisherConfig};

/// Publishes the user's willingness for IM (open: willing to accept new IM requests,
/// closed: not) with PUBLISH (RFC 3903), the OMA IM tuple of seed 004 §8.4.2
/// ([`Presence::willingness`]); kept alive by refreshes until changed or removed. A thin
/// layer over a [`Publisher`] for one presentity: the host sends what
/// [`WillingnessPublisher::poll_request`] gives through its transaction layer and hands back
/// the responses.
///
/// ```
/// use std::time::Instant;
///
/// use simpleim_cpim::xml::{Basic, Presence};
/// use simpleim_focus::client::WillingnessPublisher;
/// use simpleim_focus::presence::PublisherConfig;
/// use simpleim_sip::dialog::SentBy;
/// use simpleim_sip::SeededIds;
///
/// let config = PublisherConfig::new(
///     SentBy::new("TCP", "pc.example.com", None),
///     Box::new(SeededIds::new(7)), // seed from a real random source in production
/// );
/// let mut me = WillingnessPublisher::new("sip:alice@example.com", config);
/// me.set_willing(Instant::now(), false)?;
/// let publish = me.poll_request().expect("a PUBLISH");
/// let doc = Presence::parse(&publish.body())?;
/// assert_eq!(doc.im_willingness(), Some(Basic::Closed));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct WillingnessPublisher {
    identity: String,
    tuple_id: String,
    publisher: Publisher,
}

impl WillingnessPublisher {
    /// A publisher for `identity` (the user's authenticated identity: the presentity and
    /// the document's `entity`), tuple id `im-willingness`.
    #[must_use]
    pub fn new(identity: &str, config: PublisherConfig) -> Self {
        Self {
            identity: identity.to_owned(),
            tuple_id: "im-willingness".to_owned(),
            publisher: Publisher::new(config),
        }
    }

    /// The publisher underneath (its entity tag, its configuration).
    #[must_use]
    pub fn publisher(&self) -> &Publisher {
        &self.publisher
    }

    /// Publishes willing (`true`, open) or not willing (`false`, closed).
    ///
    /// # Errors
    /// [`PublishError::InvalidPresentity`] when the identity is not a SIP URI.
    pub fn set_willing(&mut self, now: Instant, willing: bool) -> Result<(), PublishError> {
        let doc = Presence::willingness(&self.identity, &self.tuple_id, Basic::from_bool(willing));
        self.publisher.publish(
            now,
            &self.identity,
            PIDF_CONTENT_TYPE,
            Bytes::from(doc.to_xml()),
            Keep::Refresh,
        )
    }

    /// Removes the publication (`Expires: 0`); false when there is none.
    pub fn remove(&mut self, now: Instant) -> bool {
        self.publisher.remove(now, &self.identity)
    }

    /// See [`Publisher::handle_response`].
    pub fn handle_response(&mut self, now: Instant, response: &Response) -> bool {
        self.publisher.handle_response(now, response)
    }

    /// See [`Publisher::handle_request_failed`].
    pub fn handle_request_failed(&mut self, now: Instant, request: &Request, status: u16) -> bool {
        self.publisher.handle_request_failed(now, request, status)
    }

    /// See [`Publisher::handle_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        self.publisher.handle_timeout(now);
    }

    /// See [`Publisher::poll_request`].
    #[must_use]
    pub fn poll_request(&mut self) -> Option<Request> {
        self.publisher.poll_request()
    }

    /// See [`Publisher::poll_event`].
    #[must_use]
    pub fn poll_event(&mut self) -> Option<PublishEvent> {
        self.publisher.poll_event()
    }

    /// See [`Publisher::poll_timeout`].
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.publisher.poll_timeout()
    }
}
