//! What a [`Relay`](super::Relay) is configured with: who it is, whom it lets in, its timers
//! and the bounds on everything it holds (RFC 4976 §6; REQ: MSRP-6).

use core::fmt;
use std::collections::HashMap;
use std::time::Duration;

use crate::auth::DigestAlgorithm;
use crate::decode::Limits;
use crate::session::IdGenerator;
use crate::uri::Scheme;

/// Where a relay looks up the users allowed to AUTH (RFC 4976 §6.3: "The relay checks the
/// credentials (username and password) provided by the client ... and checks if this client
/// is allowed to use the relay").
pub trait RelayCredentials: Send {
    /// The password of `username` in `realm`, or `None` for an unknown user (answered 401,
    /// like a wrong password, so that user names cannot be probed).
    fn password(&self, realm: &str, username: &str) -> Option<String>;

    /// Whether an authenticated `username` may use the relay (false: 403). All may by
    /// default.
    fn authorized(&self, username: &str) -> bool {
        let _ = username;
        true
    }
}

/// A fixed table of users and passwords, in every realm.
#[derive(Debug, Clone, Default)]
pub struct StaticCredentials {
    users: HashMap<String, String>,
}

impl StaticCredentials {
    /// No users.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a user.
    #[must_use]
    pub fn with_user(mut self, username: &str, password: &str) -> Self {
        self.users.insert(username.to_owned(), password.to_owned());
        self
    }
}

impl RelayCredentials for StaticCredentials {
    fn password(&self, _realm: &str, username: &str) -> Option<String> {
        self.users.get(username).cloned()
    }
}

/// Bounds on what a relay holds. Going over one is refused with the RFC's status or ends the
/// offending connection; memory never grows without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelayLimits {
    /// Decoder limits for every connection. `max_collect_bytes` (default 2048) is how much
    /// of a SEND body is gathered before it starts streaming through; bigger bodies leave
    /// piece by piece as they arrive (RFC 4976 §6.4.1 lets a relay re-chunk).
    pub decoder: Limits,
    /// Bytes queued for one connection (not yet taken by
    /// [`poll_transmit`](super::Relay::poll_transmit)) above which the connections feeding it
    /// are paused ([`Event::PauseReading`](super::Event::PauseReading)); default 256 KiB.
    pub high_watermark: usize,
    /// Queued bytes below which paused connections resume; default 64 KiB.
    pub low_watermark: usize,
    /// Bytes queued for one connection at most (default 4 MiB): a host that goes on feeding a
    /// paused connection has it closed ([`CloseReason::OutboundFull`](super::CloseReason)).
    pub max_queued_bytes: usize,
    /// Connections at once (default 10 000); more are closed at once.
    pub max_connections: usize,
    /// AUTH sessions (URIs handed out) at once (default 10 000); more AUTHs get 403.
    pub max_sessions: usize,
    /// Outstanding nonces (default 10 000); the oldest is forgotten first.
    pub max_nonces: usize,
    /// Forwarded transactions waiting for a response at once (default 100 000); beyond it
    /// the oldest are forgotten (their responses are then dropped).
    pub max_transactions: usize,
    /// Failed AUTHs on one client connection before it is closed (default 5, RFC 4976 §6.3
    /// "SHOULD terminate").
    pub max_auth_failures: u32,
}

impl Default for RelayLimits {
    fn default() -> Self {
        Self {
            decoder: Limits {
                max_collect_bytes: 2048,
                ..Limits::default()
            },
            high_watermark: 256 * 1024,
            low_watermark: 64 * 1024,
            max_queued_bytes: 4 * 1024 * 1024,
            max_connections: 10_000,
            max_sessions: 10_000,
            max_nonces: 10_000,
            max_transactions: 100_000,
            max_auth_failures: 5,
        }
    }
}

/// The configuration of a [`Relay`](super::Relay). Start from [`RelayConfig::new`], whose
/// defaults are safe, and change the fields you need.
#[non_exhaustive]
pub struct RelayConfig {
    /// The relay's host name, as it appears in the URIs it hands out (RFC 4976 §4.2: a fully
    /// qualified domain name, not an address) and in the To-Path of what it receives.
    pub host: String,
    /// Its port (URIs it hands out always carry it).
    pub port: u16,
    /// `msrp` or `msrps` for the URIs it hands out.
    pub scheme: Scheme,
    /// The Digest realm (default: the host name, as RFC 4976 §5.1 suggests).
    pub realm: String,
    /// The Digest algorithm it challenges with (default MD5, the one RFC 4976 names).
    pub algorithm: DigestAlgorithm,
    /// Who may AUTH.
    pub credentials: Box<dyn RelayCredentials>,
    /// Where session-ids, nonces and transaction identifiers come from (RFC 4976 §6.3: URIs
    /// carry "at least 64 bits of cryptographically random material": seed it from a real
    /// random source).
    pub ids: Box<dyn IdGenerator>,
    /// The Expires granted when an AUTH asks none (default 1800 s).
    pub default_expires: u32,
    /// The least Expires accepted (default 60 s); less is answered 423 with Min-Expires.
    pub min_expires: u32,
    /// The most Expires accepted (default 86 400 s); more is answered 423 with Max-Expires.
    pub max_expires: u32,
    /// How long a nonce may be answered (default 300 s); later the answer gets a 401 with
    /// `stale=true`.
    pub nonce_lifetime: Duration,
    /// How long a forwarded SEND waits for the next hop's response before the relay reports
    /// 408 upstream (default 32 s, RFC 4976 §6.4.1), and how long a forwarded request other
    /// than SEND is remembered for its response.
    pub transaction_timeout: Duration,
    /// How long a client connection may go without a successful request before it is closed
    /// (default 30 s, RFC 4976 §6.1).
    pub probation: Duration,
    /// Body bytes a SEND waiting for a connection another SEND is streaming on may gather
    /// before it interrupts that one (default 16 KiB). A whole waiting chunk goes at once,
    /// and responses, REPORTs and other requests never wait.
    pub switch_bytes: usize,
    /// How long such a SEND waits at most (default 20 ms) before it interrupts.
    pub switch_delay: Duration,
    /// Forward requests with unknown methods (default true, RFC 4976 §6.4.2); false answers
    /// them 501.
    pub forward_unknown_methods: bool,
    /// Bounds.
    pub limits: RelayLimits,
}

impl RelayConfig {
    /// A relay at `host:port` (scheme `msrp`), with the defaults documented on each field.
    #[must_use]
    pub fn new(
        host: &str,
        port: u16,
        credentials: Box<dyn RelayCredentials>,
        ids: Box<dyn IdGenerator>,
    ) -> Self {
        Self {
            host: host.to_owned(),
            port,
            scheme: Scheme::Msrp,
            realm: host.to_owned(),
            algorithm: DigestAlgorithm::Md5,
            credentials,
            ids,
            default_expires: 1800,
            min_expires: 60,
            max_expires: 86_400,
            nonce_lifetime: Duration::from_secs(300),
            transaction_timeout: Duration::from_secs(32),
            probation: Duration::from_secs(30),
            switch_bytes: 16 * 1024,
            switch_delay: Duration::from_millis(20),
            forward_unknown_methods: true,
            limits: RelayLimits::default(),
        }
    }
}

impl fmt::Debug for RelayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("scheme", &self.scheme)
            .field("realm", &self.realm)
            .field("algorithm", &self.algorithm)
            .field("default_expires", &self.default_expires)
            .field("min_expires", &self.min_expires)
            .field("max_expires", &self.max_expires)
            .field("nonce_lifetime", &self.nonce_lifetime)
            .field("transaction_timeout", &self.transaction_timeout)
            .field("probation", &self.probation)
            .field("switch_bytes", &self.switch_bytes)
            .field("switch_delay", &self.switch_delay)
            .field("forward_unknown_methods", &self.forward_unknown_methods)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}
