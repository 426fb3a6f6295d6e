//! What the host tells the switch: the room's policy and limits ([`SwitchConfig`],
//! [`SwitchLimits`]) and, per participant, its MSRP session and identity
//! ([`ParticipantMsrp`], REQ: SW-2).

use core::fmt;
use std::time::Duration;

use bytes::Bytes;
use simpleim_msrp::{IdGenerator, MsrpUri, Path};

/// One participant's MSRP session and identity, as the control plane learnt them at join
/// (REQ: SW-2: kept for as long as the session lasts).
///
/// Build it with [`ParticipantMsrp::new`] and set the optional fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParticipantMsrp {
    /// The focus's own URI for this participant's session (the `a=path` of the focus's
    /// SDP): From-Path of everything sent to the participant.
    pub local: MsrpUri,
    /// The participant's path (its SDP `a=path`): To-Path of everything sent to it.
    pub remote: Path,
    /// The CPIM address the participant must use as `From` (REQ: SW-3): its SIP URI, or the
    /// alias URI the focus assigned when it joined anonymously (ALIAS-3, SEC-1). A URI,
    /// without angle brackets.
    pub identity: Bytes,
    /// Its display name, used as the formal name of `To` in system messages.
    pub display_name: Option<String>,
    /// Its chat alias: a CPIM `To` whose URI names no participant but whose formal name
    /// equals this alias under the alias normalization
    /// ([`NormalizedAlias`](crate::alias::NormalizedAlias): NFC and lowercase, the key the
    /// alias registry keeps nicknames unique by) reaches it (REQ: SW-8, CHAT-1).
    pub alias: Option<String>,
    /// The SDP `a=max-size` it declared (REQ: SW-5).
    pub max_size: Option<u64>,
    /// Its SDP `a=accept-types` (empty: anything). A participant that does not accept
    /// `message/cpim` receives nothing (REQ: SW-1).
    pub accept_types: Vec<String>,
    /// Its SDP `a=accept-wrapped-types` (empty: anything): the types it accepts inside CPIM.
    pub accept_wrapped_types: Vec<String>,
    /// True when the next hop announced an IM release version in User-Agent/Server, so it may
    /// receive private messages (REQ: SW-8, 000 §7.2.3.4 b).
    pub private_messages_ok: bool,
    /// True when the room's policy lets this participant **send** private messages (the
    /// group's `<allow-private-message>` for its identity, REQ: SW-8 a:
    /// [`RoomPolicy::allows_private_messages`](crate::control::RoomPolicy::allows_private_messages),
    /// reported at join as `ControlEvent::Joined { private_messages, .. }`). False: its
    /// private messages are answered with 403 ([`RefuseReason::PrivateNotAllowed`]); IMDN and
    /// is-composing bodies are never refused by it (REQ: CHAT-1). Checked together with
    /// [`SwitchConfig::allow_private_messages`], the room-wide switch. Default true (the
    /// default policy lets everyone).
    ///
    /// [`RefuseReason::PrivateNotAllowed`]: super::RefuseReason::PrivateNotAllowed
    pub may_send_private: bool,
}

impl ParticipantMsrp {
    /// A participant with no display name, alias, max-size or type restrictions, that may not
    /// receive private messages until [`ParticipantMsrp::private_messages_ok`] is set, and may
    /// send them until [`ParticipantMsrp::may_send_private`] is cleared.
    #[must_use]
    pub fn new(local: MsrpUri, remote: Path, identity: impl Into<Bytes>) -> Self {
        Self {
            local,
            remote,
            identity: identity.into(),
            display_name: None,
            alias: None,
            max_size: None,
            accept_types: Vec::new(),
            accept_wrapped_types: Vec::new(),
            private_messages_ok: false,
            may_send_private: true,
        }
    }
}

/// Bounds on everything the switch holds (REQ: SEC-2). Exceeding one is answered on the wire
/// (MSRP 413, a failure REPORT, a `#` abort) and reported as an event, never unbounded memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwitchLimits {
    /// Most participants (default 1000).
    pub max_participants: usize,
    /// Bytes waiting for one participant's connection beyond which the message copy being
    /// queued for it is aborted with `#` (default 1 MiB). The body bytes are shared with the
    /// sender's buffer, but they pin it, so they count.
    pub max_queued_bytes: usize,
    /// Extra room for control frames (responses, REPORTs, end-lines) above
    /// [`SwitchLimits::max_queued_bytes`] (default 64 KiB). Past it the participant is
    /// stalled: its queue is dropped and [`SwitchEvent::Stalled`](super::SwitchEvent::Stalled)
    /// asks the host to close its connection.
    pub control_slack: usize,
    /// Largest message (Byte-Range total, or bytes seen) the switch relays (default 16 MiB);
    /// larger: MSRP 413.
    pub max_message_bytes: u64,
    /// Most bytes held before a message's CPIM headers are complete (default 16 KiB, the CPIM
    /// parser's head limit); more: MSRP 413.
    pub max_held_bytes: usize,
    /// Most chunks held before a message's CPIM headers are complete (default 8); more: 413.
    pub max_held_chunks: usize,
    /// Most messages one sender may have in progress at once (default 16); more: 413.
    pub max_inbound_per_sender: usize,
    /// Most relayed messages remembered for routing reports back (REQ: SW-11, default 4096);
    /// the oldest is forgotten first.
    pub max_tracked: usize,
    /// Most relayed chunks per participant awaiting a response (default 256); the oldest is
    /// forgotten first (its error response, if any, is then ignored).
    pub max_outstanding: usize,
    /// How long a relayed chunk waits for its response before it counts as failed with 408
    /// (RFC 4975 §7.1.1 suggests 30 s; default 30 s).
    pub transaction_timeout: Duration,
    /// How long a message in progress may go without a chunk before it is dropped (default
    /// 120 s); its copies are aborted.
    pub inbound_idle_timeout: Duration,
}

impl Default for SwitchLimits {
    fn default() -> Self {
        Self {
            max_participants: 1000,
            max_queued_bytes: 1024 * 1024,
            control_slack: 64 * 1024,
            max_message_bytes: 16 * 1024 * 1024,
            max_held_bytes: 16 * 1024,
            max_held_chunks: 8,
            max_inbound_per_sender: 16,
            max_tracked: 4096,
            max_outstanding: 256,
            transaction_timeout: Duration::from_secs(30),
            inbound_idle_timeout: Duration::from_secs(120),
        }
    }
}

/// The room-level configuration of a [`Switch`](super::Switch).
#[non_exhaustive]
pub struct SwitchConfig {
    /// The conference's identities (IM Session Identity and/or IM Group Identity): a CPIM `To`
    /// naming one of them is a message to everyone (REQ: SW-4). The first one is the `From`
    /// of system messages, with `conf=isfocus` added (REQ: SW-9, SW-10).
    pub conference_uris: Vec<Bytes>,
    /// The operator's policy for the whole room (REQ: SW-8); false: every private message is
    /// answered with 403. The group's per-participant `<allow-private-message>` is
    /// [`ParticipantMsrp::may_send_private`].
    pub allow_private_messages: bool,
    /// Bounds (REQ: SEC-2).
    pub limits: SwitchLimits,
    /// Where transaction identifiers and Message-IDs come from (no RNG inside).
    pub ids: Box<dyn IdGenerator>,
}

impl SwitchConfig {
    /// A room known as `conference_uri`, private messages allowed, default limits.
    #[must_use]
    pub fn new(conference_uri: impl Into<Bytes>, ids: Box<dyn IdGenerator>) -> Self {
        Self {
            conference_uris: vec![conference_uri.into()],
            allow_private_messages: true,
            limits: SwitchLimits::default(),
            ids,
        }
    }
}

impl fmt::Debug for SwitchConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SwitchConfig")
            .field("conference_uris", &self.conference_uris)
            .field("allow_private_messages", &self.allow_private_messages)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}
