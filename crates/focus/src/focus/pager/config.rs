//! The pager's configuration and the constants of RFC 5365.

use std::time::Duration;

use simpleim_sip::Method;

use crate::resource_lists::ParseLimits;

/// The Content-Disposition of the list of recipients an exploded MESSAGE may show (RFC 5364
/// §4.2, RFC 5365 §5).
pub const RECIPIENT_LIST_HISTORY: &str = "recipient-list-history";

/// The option tag of a multiple-recipient MESSAGE (RFC 5365 §8): a focus with the pager
/// supports it.
pub const RECIPIENT_LIST_MESSAGE: &str = "recipient-list-message";

/// At most `messages` group messages per sender in each window of `per` (a fixed window
/// starting with the sender's first message in it; deterministic: only the `now` inputs count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Messages allowed per window.
    pub messages: u32,
    /// The window.
    pub per: Duration,
}

/// How the pager behaves (REQ: GRP-1). Start from [`PagerConfig::default`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PagerConfig {
    /// The per-sender rate limit; `None`: none. Default 30 messages a minute.
    pub rate: Option<RateLimit>,
    /// Recipients of one group message at most (beyond: 403, lists only; a group's longer
    /// member list is cut). Default 100.
    pub max_recipients: usize,
    /// Senders whose rate window is remembered at once (REQ: SEC-2); a new sender beyond it,
    /// with every window still open, gets 503. Default 10 000.
    pub max_senders: usize,
    /// Exploded MESSAGEs awaiting their response at once; a copy beyond it is deferred (or
    /// fails without the deferred service). Default 10 000.
    pub max_in_flight: usize,
    /// The bounds of the recipient list's parse.
    pub list_limits: ParseLimits,
}

impl Default for PagerConfig {
    fn default() -> Self {
        Self {
            rate: Some(RateLimit {
                messages: 30,
                per: Duration::from_secs(60),
            }),
            max_recipients: 100,
            max_senders: 10_000,
            max_in_flight: 10_000,
            list_limits: ParseLimits::default(),
        }
    }
}

/// Lets the control plane hand MESSAGE over (and accept RFC 5365's option tag).
pub(crate) fn enable(control: &mut crate::control::ControlConfig) {
    if !control.host_methods.contains(&Method::Message) {
        control.host_methods.push(Method::Message);
    }
    if !control.extensions.contains(&RECIPIENT_LIST_MESSAGE) {
        control.extensions.push(RECIPIENT_LIST_MESSAGE);
    }
}
