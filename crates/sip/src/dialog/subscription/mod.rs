//! Event subscriptions (RFC 6665; REQ: FOC-8): the [`Subscriber`] and the [`Notifier`], each
//! a sans-IO state machine that owns the subscription's dialog.
//!
//! Both follow the crate's vocabulary: inputs are `handle_*` methods taking `now` first,
//! commands queue messages, and the outputs are drained after every input in this order:
//! `poll_transmit` (requests and responses to hand to the transaction layer, in order),
//! `poll_event`, `poll_timeout`. Neither reads a clock nor draws a random number: Call-IDs,
//! tags and branches come from the configured [`IdGenerator`](crate::IdGenerator).
//!
//! Each subscription has a dialog of its own (RFC 6665 §4.5.2 discourages sharing an INVITE
//! dialog); the `id` of [`Event`](crate::header::Event) tells apart subscriptions in
//! one dialog, which these machines do not share.

use bytes::Bytes;

use crate::header::Event;

use super::error::DialogError;

mod config;
mod event;
mod notifier;
mod subscriber;

pub use config::{NotifierConfig, SubscriberConfig};
pub use event::{
    NotifierEvent, NotifierState, NotifierTermination, SubscribeRejection, SubscriberEvent,
    SubscriberState, SubscriberTermination,
};
pub use notifier::Notifier;
pub use subscriber::Subscriber;

/// A message body with its Content-Type, for a NOTIFY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The Content-Type (`application/conference-info+xml` for RFC 4575).
    pub content_type: String,
    /// The bytes.
    pub bytes: Bytes,
}

impl Body {
    /// A body of `content_type`.
    #[must_use]
    pub fn new(content_type: &str, bytes: impl Into<Bytes>) -> Self {
        Self {
            content_type: content_type.to_owned(),
            bytes: bytes.into(),
        }
    }
}

/// Why a subscription command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubscriptionError {
    /// The subscription has terminated.
    #[error("the subscription has terminated")]
    Terminated,
    /// The command needs the subscription's dialog, which does not exist yet (no 2xx and no
    /// NOTIFY has come).
    #[error("the subscription is not established yet")]
    NotEstablished,
    /// The request could not be built (a configured header is malformed, the CSeq is
    /// exhausted, ...).
    #[error(transparent)]
    Dialog(#[from] DialogError),
}

/// True when two Event values name the same subscription: same event type and same `id`,
/// compared byte for byte, an `id` never matching its absence (RFC 6665 §8.2.1, §4.1.3).
pub(super) fn same_event(a: &Event, b: &Event) -> bool {
    a.event_type() == b.event_type() && a.id() == b.id()
}

/// The refresh instant of a subscription granted `granted` at `now`: `margin` before its
/// end, or half-way through a subscription shorter than twice the margin.
pub(super) fn refresh_delay(
    granted: std::time::Duration,
    margin: std::time::Duration,
) -> std::time::Duration {
    granted.saturating_sub(margin.min(granted / 2))
}

#[cfg(test)]
mod tests;
