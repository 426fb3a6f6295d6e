//! The configuration of a [`TransactionLayer`](super::TransactionLayer): the timer values of
//! RFC 3261 §17 (Table 4), the bound on live transactions, and the choices the RFCs leave open.

use core::fmt;
use core::time::Duration;

use crate::ids::IdGenerator;

/// The smallest T1 and T2 accepted: a zero T1 would retransmit in a loop.
const MIN_T: Duration = Duration::from_millis(1);
/// The largest T1, T2, T4 and Timer D accepted, so that `64*T1` and instants built from it stay
/// far from overflow.
const MAX_T: Duration = Duration::from_secs(3600);

/// The transport handle a host gives the layer with every message and names in every
/// [`Transmit`](super::Transmit): a socket address, a connection id, a peer id. The layer only
/// compares, hashes and clones it, and asks whether it is reliable.
///
/// Reliability decides the timers (RFC 3261 §17, Table 4): over a reliable transport (TCP, TLS,
/// SCTP, WebSocket) requests and non-2xx responses are never retransmitted (Timers A, E and G
/// do not run) and the wait timers D, I, J and K are zero; over an unreliable one (UDP) they
/// run with the values of [`TransactionConfig`].
///
/// ```
/// use simpleim_sip::transaction::TransportHandle;
///
/// #[derive(Debug, Clone, PartialEq, Eq, Hash)]
/// enum Peer {
///     Udp(std::net::SocketAddr),
///     Tcp(u64), // the host's connection id
/// }
///
/// impl TransportHandle for Peer {
///     fn is_reliable(&self) -> bool {
///         matches!(self, Peer::Tcp(_))
///     }
/// }
/// ```
pub trait TransportHandle: Clone + Eq + core::hash::Hash + fmt::Debug {
    /// True for a reliable transport (TCP, TLS, SCTP, WebSocket), false for UDP.
    fn is_reliable(&self) -> bool;

    /// The transport token for the Via of a request sent on this handle (`UDP`, `TCP`, ...;
    /// RFC 3261 §18.1.1: the Via names the transport the request goes on), when the TU's
    /// [`SentBy`](crate::dialog::SentBy) should not decide it. Default `None`: a host whose
    /// handles all use one transport need not say.
    fn transport(&self) -> Option<&str> {
        None
    }
}

/// How a [`TransactionLayer`](super::TransactionLayer) behaves. Start from
/// [`TransactionConfig::new`] (the RFC 3261 defaults) and change the fields you need.
///
/// Durations are clamped when the layer is built: T1 and T2 to at least 1 ms, every duration to
/// at most an hour, and T2 to at least T1.
#[non_exhaustive]
pub struct TransactionConfig {
    /// T1, the round-trip time estimate (RFC 3261 §17.1.1.1, Table 4): default 500 ms. Timers
    /// A, E and G start at T1; B, F, H, J, L and M are `64*T1`.
    pub t1: Duration,
    /// T2, the longest retransmission interval for non-INVITE requests and INVITE responses
    /// (Table 4): default 4 s.
    pub t2: Duration,
    /// T4, the longest time a message stays in the network (Table 4): default 5 s. Timers I
    /// and K over unreliable transports.
    pub t4: Duration,
    /// Timer D over unreliable transports (§17.1.1.2: "at least 32 seconds"): default 32 s.
    /// Raise it with T1 so that it stays at least `64*T1`.
    pub timer_d: Duration,
    /// When the INVITE server transaction sends 100 (Trying) itself if the TU has sent no
    /// response yet (§17.2.1: "if the TU will not generate a provisional or final response
    /// within 200 ms"): default 200 ms. Zero sends it at once; `None` never sends it (the TU
    /// then answers quickly itself).
    pub trying_delay: Option<Duration>,
    /// The most transactions alive at once, client and server together (default 10 000). A
    /// new request beyond it is answered 503 (Service Unavailable) without a transaction, and
    /// [`send_request`](super::TransactionLayer::send_request) fails. ACKs remembered for
    /// [`send_ack`](super::TransactionLayer::send_ack) are bounded by the same number.
    pub max_transactions: usize,
    /// When a CANCEL matches an INVITE server transaction that has no final response yet, the
    /// layer answers the INVITE 487 (Request Terminated) itself (default `true`, RFC 3261 §9.2:
    /// the UAS "SHOULD immediately respond to the INVITE with a 487"). With `false` the TU
    /// gets [`Cancelled`](super::TransactionEvent::Cancelled) and answers the INVITE itself.
    pub cancel_with_487: bool,
    /// Retransmit a 2xx to INVITE until its ACK arrives over reliable transports too (default
    /// `true`). RFC 3261 §13.3.1.4 makes no exception for them: the 2xx is retransmitted end to
    /// end, and a hop further on may be UDP. With `false`, only unreliable transports
    /// retransmit it.
    pub retransmit_2xx_on_reliable: bool,
    /// Pass a 2xx to INVITE that matches no transaction to the TU as
    /// [`Stray2xx`](super::TransactionEvent::Stray2xx) (RFC 3261 §18.1.2) instead of
    /// discarding it (default `false`: RFC 6026 §8.9 discards every response that matches no
    /// transaction; the Accepted state keeps the transaction for the 2xx retransmissions).
    pub pass_stray_2xx: bool,
    /// Where the layer gets To tags for the responses it builds itself (400, 481, 487, 503).
    pub ids: Box<dyn IdGenerator + Send>,
}

impl TransactionConfig {
    /// The RFC 3261 defaults, with `ids` for the tags of the layer's own responses (seed it
    /// from a real random source in production).
    #[must_use]
    pub fn new(ids: Box<dyn IdGenerator + Send>) -> Self {
        Self {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            timer_d: Duration::from_secs(32),
            trying_delay: Some(Duration::from_millis(200)),
            max_transactions: 10_000,
            cancel_with_487: true,
            retransmit_2xx_on_reliable: true,
            pass_stray_2xx: false,
            ids,
        }
    }

    /// The durations brought into range (see the type's documentation).
    pub(crate) fn clamped(mut self) -> Self {
        self.t1 = self.t1.clamp(MIN_T, MAX_T);
        self.t2 = self.t2.clamp(self.t1, MAX_T);
        self.t4 = self.t4.min(MAX_T);
        self.timer_d = self.timer_d.min(MAX_T);
        self.trying_delay = self.trying_delay.map(|d| d.min(MAX_T));
        self
    }

    /// `64*T1`: Timers B, F, H, J (unreliable), L and M, and the CANCEL wait of §9.1.
    pub(crate) fn t1x64(&self) -> Duration {
        self.t1.saturating_mul(64)
    }
}

impl fmt::Debug for TransactionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransactionConfig")
            .field("t1", &self.t1)
            .field("t2", &self.t2)
            .field("t4", &self.t4)
            .field("timer_d", &self.timer_d)
            .field("trying_delay", &self.trying_delay)
            .field("max_transactions", &self.max_transactions)
            .field("cancel_with_487", &self.cancel_with_487)
            .field(
                "retransmit_2xx_on_reliable",
                &self.retransmit_2xx_on_reliable,
            )
            .field("pass_stray_2xx", &self.pass_stray_2xx)
            .finish_non_exhaustive()
    }
}
