//! How a [`Deferred`](super::Deferred) service is configured: [`DeferredConfig`],
//! [`DeferredLimits`], the encapsulation of pushed messages ([`Encapsulation`]) and what
//! happens to a MESSAGE for a registered user ([`OnlineDelivery`]).

use core::fmt;
use core::time::Duration;

use simpleim_sdp::attr::Setup;
use simpleim_sip::NameAddr;
use simpleim_sip::dialog::SentBy;

use crate::control::MsrpEndpoint;
use crate::focus::IdFactory;

/// How a stored message is wrapped in the MSRP SEND that pushes it (REQ: DEF-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Encapsulation {
    /// `message/sip`: the stored SIP MESSAGE, as received, with a `Date` header of the time
    /// the server received it (seed 004 App. H; REQ: DEF-2). The service then keeps the
    /// whole request with each message; a message stored without it (e.g. by another
    /// service) goes as [`Encapsulation::Cpim`]. The default.
    #[default]
    MessageSip,
    /// `message/cpim` (RFC 3862) built with the cpim crate: `From` the original sender
    /// (its asserted identity), `To` the user, `DateTime` the time the server received the
    /// message, and the stored body with its Content-Type as the payload, byte for byte.
    /// What an OMA IM client accepts on every MSRP session (seed 000 §7.2.3.1), for clients
    /// that do not take `message/sip`.
    Cpim,
}

impl Encapsulation {
    /// The Content-Type of the MSRP SENDs, and the `a=accept-types` of the offer.
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Cpim => "message/cpim",
            Self::MessageSip => "message/sip",
        }
    }
}

/// What the service does with a MESSAGE for a user who is registered (reachable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OnlineDelivery {
    /// Hand it to the parent ([`DeferredEvent::Forward`](super::DeferredEvent::Forward)),
    /// which routes it to the user and answers it; if that fails, the parent may store it
    /// with [`Deferred::defer`](super::Deferred::defer). The default: the store-and-forward
    /// function only keeps what cannot be delivered (seed 004 §7.2.2.6).
    #[default]
    Forward,
    /// Store it (202) and push it at once over an MSRP session, as after a registration.
    StoreAndPush,
}

/// Bounds of a [`Deferred`](super::Deferred) service (REQ: SEC-2), each with its defined
/// outcome. The store has its own ([`StoreLimits`](super::StoreLimits)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeferredLimits {
    /// Users registered at once: a REGISTER for one more is answered 503 (Service
    /// Unavailable). Default 10 000.
    pub max_registrations: usize,
    /// Pushes (INVITE to BYE) at once; a registration beyond it waits for a slot (its users
    /// queue, at most one entry per registered user). Default 64.
    pub max_pushes: usize,
    /// MSRP connections known at once; one more is refused
    /// ([`DeferredEvent::CloseConnection`](super::DeferredEvent::CloseConnection)).
    /// Default 128.
    pub max_connections: usize,
    /// Stored messages handed to a push's MSRP session before their 200 responses come
    /// (at least 1). Default 8.
    pub max_in_flight: usize,
    /// The MSRP decoder's bounds, per connection.
    pub msrp: simpleim_msrp::Limits,
}

impl Default for DeferredLimits {
    fn default() -> Self {
        Self {
            max_registrations: 10_000,
            max_pushes: 64,
            max_connections: 128,
            max_in_flight: 8,
            msrp: simpleim_msrp::Limits::default(),
        }
    }
}

/// How a [`Deferred`](super::Deferred) service behaves. Start from [`DeferredConfig::new`].
#[non_exhaustive]
pub struct DeferredConfig {
    /// The service's identity: the From of its INVITEs (an IM server URI).
    pub identity: NameAddr,
    /// The Contact of its INVITEs.
    pub contact: NameAddr,
    /// The Via sent-by of its requests.
    pub sent_by: SentBy,
    /// Where the service's MSRP endpoint is: every push gets a URI
    /// `scheme://host:port/<session-id>;transport` there.
    pub msrp: MsrpEndpoint,
    /// The connection role the push offers (RFC 6135): `passive` (the default: the client
    /// connects to [`DeferredConfig::msrp`], the RFC 4975 offerer's role), `active` (the
    /// service connects: [`Deferred::poll_connect`](super::Deferred::poll_connect)) or
    /// `actpass` (the client chooses).
    pub setup: Setup,
    /// How pushed messages are wrapped.
    pub encapsulation: Encapsulation,
    /// What happens to a MESSAGE for a registered user.
    pub online: OnlineDelivery,
    /// The registration duration when a REGISTER carries no Expires (RFC 3261 §10.2.1.1
    /// lets the registrar choose). Default 3600 s.
    pub default_expires: u32,
    /// How long a push's INVITE may wait for its final response before the service cancels
    /// it. Default 32 s (64*T1).
    pub invite_timeout: Duration,
    /// How long, after the ACK, the push's MSRP connection may take to open and carry its
    /// first request (RFC 4975 §5.4). Default 30 s.
    pub connect_timeout: Duration,
    /// How long an unbound MSRP connection may stay without naming a push. Default 30 s.
    pub bind_timeout: Duration,
    /// How long a cancelled INVITE is remembered, to ACK and BYE a 2xx that crosses the
    /// CANCEL. Default 32 s.
    pub cancel_timeout: Duration,
    /// Body bytes per MSRP chunk (default 2048, RFC 4975 §7.1.1).
    pub chunk_size: u64,
    /// Bounds.
    pub limits: DeferredLimits,
    /// Where SIP tags, branches and Call-IDs come from (no RNG inside).
    pub sip_ids: Box<dyn simpleim_sip::IdGenerator + Send>,
    /// Where MSRP identifiers come from: one generator for the service (session-ids of its
    /// MSRP URIs, the Message-IDs of stored messages) and one per push's MSRP session.
    pub msrp_ids: IdFactory,
}

impl DeferredConfig {
    /// A configuration with the defaults documented on each field.
    #[must_use]
    pub fn new(
        identity: NameAddr,
        contact: NameAddr,
        sent_by: SentBy,
        msrp: MsrpEndpoint,
        sip_ids: Box<dyn simpleim_sip::IdGenerator + Send>,
        msrp_ids: IdFactory,
    ) -> Self {
        Self {
            identity,
            contact,
            sent_by,
            msrp,
            setup: Setup::Passive,
            encapsulation: Encapsulation::Cpim,
            online: OnlineDelivery::Forward,
            default_expires: 3600,
            invite_timeout: Duration::from_secs(32),
            connect_timeout: Duration::from_secs(30),
            bind_timeout: Duration::from_secs(30),
            cancel_timeout: Duration::from_secs(32),
            chunk_size: 2048,
            limits: DeferredLimits::default(),
            sip_ids,
            msrp_ids,
        }
    }
}

impl fmt::Debug for DeferredConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredConfig")
            .field("identity", &self.identity)
            .field("contact", &self.contact)
            .field("sent_by", &self.sent_by)
            .field("msrp", &self.msrp)
            .field("setup", &self.setup)
            .field("encapsulation", &self.encapsulation)
            .field("online", &self.online)
            .field("default_expires", &self.default_expires)
            .field("invite_timeout", &self.invite_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("bind_timeout", &self.bind_timeout)
            .field("cancel_timeout", &self.cancel_timeout)
            .field("chunk_size", &self.chunk_size)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}
