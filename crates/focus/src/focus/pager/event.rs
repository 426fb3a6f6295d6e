//! What the pager tells the host.

use simpleim_sip::Uri;

use crate::deferred::StoredId;

/// Identifies one group message the pager accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PagerId(pub u64);

/// Why the pager refused a group message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagerRefusal {
    /// No `+g.oma.sip-im` in Accept-Contact (403).
    NotIm,
    /// No asserted identity, or the group's policy refused it (403).
    NotAuthorized,
    /// `Privacy: id` where anonymity is not allowed (403, Warning 119).
    AnonymityNotAllowed,
    /// The body is not a recipient list with one message (its status).
    Body(String),
    /// More recipients than allowed (403, Warning 399).
    TooManyRecipients,
    /// Nobody to send to (480).
    NoRecipients,
    /// Over the sender's rate limit (503 with Retry-After).
    RateLimited {
        /// The Retry-After given, in seconds.
        retry_after: u32,
    },
}

/// What the pager tells the host, from [`Focus::poll_pager_event`](crate::Focus::poll_pager_event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagerEvent {
    /// A group message was answered 202 and is being exploded.
    Accepted {
        /// The message.
        id: PagerId,
        /// Its sender (the asserted identity).
        sender: Uri,
        /// The group's URI or the conference factory's, as received.
        target: String,
        /// How many copies it becomes.
        recipients: usize,
    },
    /// A group message was refused.
    Refused {
        /// The status sent.
        status: u16,
        /// Why.
        reason: PagerRefusal,
    },
    /// A copy got its 2xx.
    Delivered {
        /// The message.
        id: PagerId,
        /// The recipient.
        recipient: String,
    },
    /// A copy was stored for deferred delivery (REQ: DEF-1): the recipient was not
    /// registered (`status` `None`), or its MESSAGE failed with `status`.
    Deferred {
        /// The message.
        id: PagerId,
        /// The recipient.
        recipient: String,
        /// Its id in the store.
        stored: StoredId,
        /// The failure that sent it to the store, if any.
        status: Option<u16>,
    },
    /// A copy could be neither delivered nor stored.
    Failed {
        /// The message.
        id: PagerId,
        /// The recipient.
        recipient: String,
        /// The MESSAGE's status (408 timeout, 503 transport error or no outbound handle,
        /// 480 when the store refused it).
        status: u16,
    },
}
