//! The [`SessionTimer`] state machine (RFC 4028 §10): refresh at half the interval, expiry
//! before its end.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{Negotiated, TimerRequest};

/// What a [`SessionTimer`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionTimerEvent {
    /// This UA refreshes and half the interval has passed: send a re-INVITE or UPDATE (REQ:
    /// FOC-5: UPDATE only when the peer's Allow lists it) carrying
    /// [`SessionTimer::refresh_request`], and pass the outcome of its 2xx to
    /// [`SessionTimer::handle_negotiated`].
    RefreshDue,
    /// No refresh succeeded in time: the session has expired. Send a BYE (RFC 4028 §10;
    /// REQ: FOC-9). The timer stops.
    Expired,
}

/// The timers of one session's refreshes (RFC 4028 §10), sans-IO.
///
/// It starts idle. After every transaction that negotiated the session interval (the
/// initial INVITE and every refresh: a 2xx received as UAC, sent as UAS), pass the outcome
/// to [`SessionTimer::handle_negotiated`]; it (re)arms:
/// - when this UA refreshes, [`SessionTimerEvent::RefreshDue`] at half the interval;
/// - on both sides, [`SessionTimerEvent::Expired`] at the interval minus the smaller of 32
///   seconds and a third of it (§10: the side that does not refresh sends its BYE "slightly
///   before the session expiration"; the refresher uses the same deadline when its refresh
///   has not succeeded by then).
///
/// Drain it like the other machines of this crate: after each input [`poll_event`] until
/// `None`, then [`poll_timeout`] to learn when to call [`handle_timeout`]. A
/// `handle_timeout` before that instant does nothing.
///
/// ```
/// use std::time::{Duration, Instant};
/// use simpleim_sip::dialog::{Negotiated, Role, SessionTimer, SessionTimerEvent};
/// use simpleim_sip::header::Refresher;
///
/// let start = Instant::now(); // the host's clock; only ever an input
/// let mut timer = SessionTimer::new();
/// let negotiated = Negotiated {
///     interval: 1800,
///     refresher: Refresher::Uas,
///     role: Role::Uas, // we answered the INVITE and refresh
///     min_se: 90,
///     uac_supports_timer: true,
/// };
/// timer.handle_negotiated(start, Some(negotiated));
/// assert_eq!(timer.poll_timeout(), Some(start + Duration::from_secs(900)));
/// timer.handle_timeout(start + Duration::from_secs(900));
/// assert_eq!(timer.poll_event(), Some(SessionTimerEvent::RefreshDue));
/// // Our UPDATE got its 2xx at 901 s: the timers start again from there.
/// let now = start + Duration::from_secs(901);
/// timer.handle_negotiated(now, Some(negotiated));
/// assert_eq!(timer.poll_timeout(), Some(now + Duration::from_secs(900)));
/// ```
///
/// [`poll_event`]: SessionTimer::poll_event
/// [`poll_timeout`]: SessionTimer::poll_timeout
/// [`handle_timeout`]: SessionTimer::handle_timeout
#[derive(Debug, Clone, Default)]
pub struct SessionTimer {
    negotiated: Option<Negotiated>,
    refresh_at: Option<Instant>,
    expires_at: Option<Instant>,
    events: VecDeque<SessionTimerEvent>,
}

/// The time before the end of the interval at which the session counts as expired
/// (RFC 4028 §10): the smaller of 32 seconds and a third of the interval.
#[must_use]
pub(super) fn expiry_margin(interval: Duration) -> Duration {
    (interval / 3).min(Duration::from_secs(32))
}

impl SessionTimer {
    /// An idle timer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    // --- getters ----------------------------------------------------------------------------

    /// The latest negotiation, while the timer runs.
    #[must_use]
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    /// True while the timer runs.
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.expires_at.is_some()
    }

    /// When [`SessionTimerEvent::RefreshDue`] comes, if it is still to come.
    #[must_use]
    pub fn refresh_at(&self) -> Option<Instant> {
        self.refresh_at
    }

    /// When [`SessionTimerEvent::Expired`] comes, if the timer runs.
    #[must_use]
    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }

    /// The session-timer headers of the next refresh request this UA sends (RFC 4028 §7.4),
    /// while the timer runs.
    #[must_use]
    pub fn refresh_request(&self) -> Option<TimerRequest> {
        self.negotiated.map(|n| n.refresh_request())
    }

    // --- inputs -----------------------------------------------------------------------------

    /// A transaction negotiated the session interval at `now`: `Some` (re)starts the timers
    /// from `now`, `None` (the latest refresh's 2xx carried no Session-Expires: no session
    /// timer any more, RFC 4028 §7.2) stops them.
    pub fn handle_negotiated(&mut self, now: Instant, negotiated: Option<Negotiated>) {
        self.negotiated = negotiated;
        let Some(n) = negotiated else {
            self.stop();
            return;
        };
        let interval = Duration::from_secs(u64::from(n.interval));
        // An instant beyond the clock's range is never reached.
        self.refresh_at = n
            .local_refresher()
            .then(|| now.checked_add(interval / 2))
            .flatten();
        self.expires_at = now.checked_add(interval.saturating_sub(expiry_margin(interval)));
    }

    /// Time has passed: fires what is due, refresh before expiry.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.refresh_at.is_some_and(|t| t <= now) {
            self.refresh_at = None;
            self.events.push_back(SessionTimerEvent::RefreshDue);
        }
        if self.expires_at.is_some_and(|t| t <= now) {
            self.stop();
            self.events.push_back(SessionTimerEvent::Expired);
        }
    }

    // --- commands ---------------------------------------------------------------------------

    /// Stops the timers (the session ended). Events already queued stay.
    pub fn stop(&mut self) {
        self.negotiated = None;
        self.refresh_at = None;
        self.expires_at = None;
    }

    // --- outputs ----------------------------------------------------------------------------

    /// The next event, in order.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<SessionTimerEvent> {
        self.events.pop_front()
    }

    /// When to call [`SessionTimer::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.refresh_at, self.expires_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
