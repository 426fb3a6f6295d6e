//! What the [`Subscriber`](super::Subscriber) and the [`Notifier`](super::Notifier) report,
//! and how the notifier refuses a SUBSCRIBE.

use bytes::Bytes;

use crate::builder::ResponseBuilder;
use crate::message::Request;

use super::super::error::DialogError;

/// Where a subscription is, seen by its subscriber (RFC 6665 §4.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriberState {
    /// The SUBSCRIBE went out; no NOTIFY yet (a 2xx may have come).
    NotifyWait,
    /// A NOTIFY said `pending` (or an extension state, which this crate takes as pending):
    /// accepted, not yet authorized.
    Pending,
    /// A NOTIFY said `active`.
    Active,
    /// Over; see [`SubscriberEvent::Terminated`].
    Terminated,
}

/// Why a subscription ended, seen by its subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriberTermination {
    /// A NOTIFY said `terminated` (RFC 6665 §4.1.3), with its `reason` (`deactivated` and
    /// `timeout`: subscribe again at once; `probation` and `giveup`: after `retry_after`;
    /// `rejected`, `noresource`, `invariant`: do not) and `retry-after`.
    Notified {
        /// The `reason` parameter.
        reason: Option<Bytes>,
        /// The `retry-after` parameter, in seconds.
        retry_after: Option<u32>,
    },
    /// The SUBSCRIBE failed with this final status (a refresh only with 481: other failures
    /// of a refresh leave the subscription until it expires, RFC 6665 §4.1.2.2); 408 when
    /// its transaction ended without a response.
    Rejected {
        /// The status code.
        status: u16,
    },
    /// The subscription expired before a refresh succeeded.
    Expired,
    /// No NOTIFY came within Timer N of the SUBSCRIBE (RFC 6665 §4.1.2.4).
    NoNotify,
    /// This UA unsubscribed, and no final NOTIFY came within Timer N (or the unsubscribing
    /// SUBSCRIBE failed).
    Unsubscribed,
    /// The notifier's 2xx could not found a dialog (no Contact, RFC 6665 §4.1.2.1).
    ProtocolError(DialogError),
}

/// What a [`Subscriber`](super::Subscriber) reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriberEvent {
    /// A NOTIFY moved the subscription to `state` (pending or active).
    StateChanged {
        /// The new state.
        state: SubscriberState,
    },
    /// A NOTIFY arrived and was answered 200: its body carries the resource state
    /// (`request.body()`, with its Content-Type), its Subscription-State the subscription's.
    Notification {
        /// The NOTIFY.
        request: Box<Request>,
    },
    /// The subscription is over; nothing more comes.
    Terminated {
        /// Why.
        reason: SubscriberTermination,
    },
}

/// Where a subscription is, seen by its notifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotifierState {
    /// Accepted, not yet authorized: NOTIFY requests say `pending` and carry no state.
    Pending,
    /// NOTIFY requests say `active`.
    Active,
    /// Over; the final NOTIFY has been queued.
    Terminated,
}

/// Why a subscription ended, seen by its notifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifierTermination {
    /// The subscriber sent a SUBSCRIBE with Expires: 0 (or the initial SUBSCRIBE was a
    /// fetch with Expires: 0).
    Unsubscribed,
    /// No refresh came before the expiry: the final NOTIFY said `reason=timeout`.
    Expired,
    /// This UA ended it with [`Notifier::terminate`](super::Notifier::terminate).
    Local,
    /// A NOTIFY failed: a 481, a failure without Retry-After, or no response (408)
    /// (RFC 6665 §4.2.2).
    NotifyFailed {
        /// The status.
        status: u16,
    },
}

/// What a [`Notifier`](super::Notifier) reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifierEvent {
    /// A refresh was accepted (200 queued). RFC 6665 §4.2.1.2 asks for an immediate NOTIFY
    /// with the current state: call [`Notifier::notify`](super::Notifier::notify) now.
    Refreshed {
        /// The duration granted, in seconds.
        expires: u32,
    },
    /// The subscription is over; nothing more is sent.
    Terminated {
        /// Why.
        reason: NotifierTermination,
    },
}

/// A SUBSCRIBE the notifier refused, with the response to send.
#[derive(Debug, Clone, thiserror::Error)]
#[error("SUBSCRIBE refused with {status}: {reason}")]
#[non_exhaustive]
pub struct SubscribeRejection {
    /// The status code: 489 (another event package, with Allow-Events), 423 (too short,
    /// with Min-Expires), 481 (a SUBSCRIBE inside an unknown dialog), 405 (not a SUBSCRIBE),
    /// 400 (malformed).
    pub status: u16,
    /// Why, in words.
    pub reason: &'static str,
    /// The response to the SUBSCRIBE; add headers before `build()`. Boxed: a builder is
    /// large next to the rest.
    pub response: Box<ResponseBuilder>,
}
