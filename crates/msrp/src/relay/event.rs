//! What a [`Relay`](super::Relay) tells its host ([`Event`]), and why it ends connections
//! ([`CloseReason`]).

use crate::error::ParseError;

/// Something the host should do or know, from [`Relay::poll_event`](super::Relay::poll_event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<C> {
    /// Open a connection to `authority` (`host:port`) and report it with
    /// [`Relay::handle_connected`](super::Relay::handle_connected) with
    /// [`Direction::Dialed`](super::Direction::Dialed), or
    /// [`Relay::handle_connect_failed`](super::Relay::handle_connect_failed). Frames for it
    /// wait meanwhile (RFC 4976 §6.4.2: "If no suitable connection exists, the relay opens a
    /// new connection").
    Connect {
        /// Where to.
        authority: String,
        /// Whether TLS is needed (an `msrps` URI).
        secure: bool,
    },
    /// Close this connection. The relay has forgotten it: nothing more comes for it from
    /// [`poll_transmit`](super::Relay::poll_transmit).
    Close {
        /// The connection.
        conn: C,
        /// Why.
        reason: CloseReason,
    },
    /// Stop reading from this connection: what it sends waits behind a full one.
    PauseReading {
        /// The connection.
        conn: C,
    },
    /// Read from this connection again.
    ResumeReading {
        /// The connection.
        conn: C,
    },
    /// A client authenticated and got a URI (RFC 4976 §6.3), or refreshed one.
    Authenticated {
        /// The client's connection.
        conn: C,
        /// The user name it authenticated as.
        username: String,
        /// The URI handed out in Use-Path.
        uri: String,
        /// Seconds the URI is valid.
        expires: u32,
    },
    /// A URI handed out is no longer valid: expired, or its connection closed.
    SessionEnded {
        /// The URI.
        uri: String,
    },
}

/// Why the relay ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The byte stream could not be framed (the error's `status_hint` was answered if it
    /// could be).
    Framing(ParseError),
    /// A request was not addressed to this relay (RFC 4976 §6.2: "the relay immediately drops
    /// the corresponding connection").
    Misaddressed,
    /// Too many failed AUTHs (RFC 4976 §6.3).
    AuthFailures,
    /// No successful request within the probation period (RFC 4976 §6.1).
    Probation,
    /// The host went on reading a paused connection until what it forwards was queued over
    /// [`RelayLimits::max_queued_bytes`](super::RelayLimits::max_queued_bytes) for the next
    /// hop.
    OutboundFull,
    /// More connections than [`RelayLimits::max_connections`](super::RelayLimits::max_connections).
    TooManyConnections,
}
