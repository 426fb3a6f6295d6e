//! Session timers (RFC 4028; REQ: FOC-9, CLI-1, CLI-3): negotiating the session interval and
//! the refresher, on the UAC side ([`TimerRequest`]) and the UAS side
//! ([`SessionTimerConfig::negotiate_uas`]), and the [`SessionTimer`] that says when to
//! refresh and when the session has expired.
//!
//! The roles `uac` and `uas` of the `refresher` parameter are relative to the transaction
//! that negotiated the interval (the initial INVITE or the latest refresh), not to the
//! dialog: [`Negotiated`] keeps the role this UA played in it.

use crate::builder::{RequestBuilder, ResponseBuilder};
use crate::header::{MinSe, Refresher, Require, SessionExpires, Supported};
use crate::ids::IdGenerator;
use crate::message::{Headers, Request, Response};

use super::error::{DialogError, optional};
use super::id::Role;

mod machine;

pub use machine::{SessionTimer, SessionTimerEvent};

/// The smallest session interval RFC 4028 allows (§4, §5: Min-SE is at least 90 seconds).
pub const MIN_SE_FLOOR: u32 = 90;

/// The session interval RFC 4028 §4 recommends (30 minutes).
pub const DEFAULT_SESSION_EXPIRES: u32 = 1800;

/// This UA's session-timer policy. The defaults are RFC 4028's recommendations with the
/// OMA IM refresher choices: `uac` in requests (REQ: CLI-1, seed 004 §6.1.3.1 step 8) and
/// `uas` when answering a request that leaves the choice open (REQ: CLI-3, seed 002
/// §7.1.2.x step 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionTimerConfig {
    /// The session interval asked for in requests, and given in a 2xx to a request that
    /// names none, in seconds (default 1800, RFC 4028 §4). Raised to `min_se` if lower.
    pub session_expires: u32,
    /// The smallest interval accepted, this UA's Min-SE, in seconds (default 90; raised to
    /// 90 if lower, RFC 4028 §5).
    pub min_se: u32,
    /// The `refresher` parameter of requests: `Some(Refresher::Uac)` offers to refresh,
    /// `None` leaves the choice to the UAS (default `Some(Refresher::Uac)`).
    pub request_refresher: Option<Refresher>,
    /// Who refreshes when a request that supports timers names no refresher (default
    /// [`Refresher::Uas`]: this UA, the answerer).
    pub answer_refresher: Refresher,
}

impl Default for SessionTimerConfig {
    fn default() -> Self {
        Self {
            session_expires: DEFAULT_SESSION_EXPIRES,
            min_se: MIN_SE_FLOOR,
            request_refresher: Some(Refresher::Uac),
            answer_refresher: Refresher::Uas,
        }
    }
}

/// The session-timer headers of a session refresh request (RFC 4028 §7.1, §7.4):
/// `Session-Expires` with its `refresher` and `Min-SE`. [`TimerRequest::apply`] adds them to a
/// request builder; list `timer` in the request's Supported yourself (RFC 4028 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerRequest {
    /// The Session-Expires value, in seconds.
    pub session_expires: u32,
    /// The Min-SE value, in seconds.
    pub min_se: u32,
    /// The `refresher` parameter, if any.
    pub refresher: Option<Refresher>,
}

/// The outcome of a negotiation: the session interval and who refreshes (RFC 4028 §7.2, §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// The session interval, in seconds.
    pub interval: u32,
    /// The `refresher` parameter of the 2xx: relative to the negotiating transaction.
    pub refresher: Refresher,
    /// The role this UA played in that transaction.
    pub role: Role,
    /// The Min-SE in force, carried in the refresh requests this UA sends (§7.4).
    pub min_se: u32,
    /// True when the UAC listed `timer` in Supported (or Require): the 2xx then carries
    /// `Require: timer` (§9).
    pub uac_supports_timer: bool,
}

/// What a UAS does with a session refresh request (RFC 4028 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UasDecision {
    /// The requested interval is below this UA's Min-SE: answer 422 with `Min-SE: min_se`
    /// ([`UasDecision::reject_response`]).
    TooSmall {
        /// This UA's Min-SE.
        min_se: u32,
    },
    /// Accept: put [`Negotiated::apply_to_response`] into the 2xx and start the
    /// [`SessionTimer`] once the 2xx is sent.
    Accept(Negotiated),
}

/// True when `h` lists option tag `timer` in Supported or Require.
fn supports_timer(h: &Headers) -> bool {
    let is_timer = |v: &[u8]| v.eq_ignore_ascii_case(b"timer");
    h.typed_all::<Supported>()
        .filter_map(Result::ok)
        .any(|s| is_timer(s.value()))
        || h.typed_all::<Require>()
            .filter_map(Result::ok)
            .any(|r| is_timer(r.value()))
}

impl SessionTimerConfig {
    /// The Min-SE this UA applies: `min_se`, at least 90.
    #[must_use]
    pub fn local_min_se(&self) -> u32 {
        self.min_se.max(MIN_SE_FLOOR)
    }

    /// The interval this UA asks for: `session_expires`, at least its Min-SE.
    #[must_use]
    pub fn local_session_expires(&self) -> u32 {
        self.session_expires.max(self.local_min_se())
    }

    /// The headers of an initial session refresh request (the INVITE; RFC 4028 §7.1).
    #[must_use]
    pub fn request(&self) -> TimerRequest {
        TimerRequest {
            session_expires: self.local_session_expires(),
            min_se: self.local_min_se(),
            refresher: self.request_refresher,
        }
    }

    /// The UAS's decision on a session refresh request (an INVITE, re-INVITE or UPDATE;
    /// RFC 4028 §9):
    ///
    /// - The request supports timers (`timer` in Supported) and asks for an interval below
    ///   this UA's Min-SE: [`UasDecision::TooSmall`], to be answered 422. Without that
    ///   support a 422 would fail the call, so the interval is raised to the Min-SE instead
    ///   (as §8.1 has proxies do, RFC 4028 erratum 1687).
    /// - Otherwise the request's interval is accepted, lowered to this UA's
    ///   `session_expires` when that is smaller but never below the request's Min-SE (or 90)
    ///   and never raised (§9); a request without Session-Expires gets this UA's interval,
    ///   at least the request's Min-SE.
    /// - The refresher follows the §9 table: `uas` when the UAC does not support timers;
    ///   the request's `refresher` when it names one; [`SessionTimerConfig::answer_refresher`]
    ///   otherwise.
    ///
    /// # Errors
    /// [`DialogError::MalformedHeader`] for a Session-Expires or Min-SE that does not parse
    /// (answer 400).
    pub fn negotiate_uas(&self, request: &Request) -> Result<UasDecision, DialogError> {
        let h = request.headers();
        let supported = supports_timer(h);
        let asked: Option<SessionExpires> = optional(h)?;
        let their_min = optional::<MinSe>(h)?.map_or(MIN_SE_FLOOR, |m| m.delta());
        let floor = their_min.max(MIN_SE_FLOOR);
        let local_min = self.local_min_se();
        let interval = match &asked {
            Some(se) if se.delta() < local_min => {
                if supported {
                    return Ok(UasDecision::TooSmall { min_se: local_min });
                }
                local_min
            }
            // A request asking less than its own Min-SE is taken at its word.
            Some(se) if se.delta() <= floor => se.delta(),
            Some(se) => se.delta().min(self.local_session_expires()).max(floor),
            None => self.local_session_expires().max(floor),
        };
        let refresher = if supported {
            asked
                .as_ref()
                .and_then(SessionExpires::refresher)
                .unwrap_or(self.answer_refresher)
        } else {
            Refresher::Uas
        };
        Ok(UasDecision::Accept(Negotiated {
            interval,
            refresher,
            role: Role::Uas,
            min_se: floor.max(local_min),
            uac_supports_timer: supported,
        }))
    }
}

impl UasDecision {
    /// For [`UasDecision::TooSmall`], the 422 (Session Interval Too Small) to `request` with
    /// its Min-SE (RFC 4028 §6, §9); `None` for an acceptance.
    pub fn reject_response(
        &self,
        request: &Request,
        ids: &mut impl IdGenerator,
    ) -> Option<ResponseBuilder> {
        match self {
            Self::TooSmall { min_se } => {
                Some(Response::for_request(request, 422, ids).typed(&MinSe::new(*min_se)))
            }
            Self::Accept(_) => None,
        }
    }
}

impl TimerRequest {
    /// Adds `Session-Expires` (with `refresher` when set) and `Min-SE` to a request.
    pub fn apply(&self, b: RequestBuilder) -> RequestBuilder {
        b.typed(&self.session_expires_header())
            .typed(&MinSe::new(self.min_se))
    }

    fn session_expires_header(&self) -> SessionExpires {
        let se = SessionExpires::new(self.session_expires);
        match self.refresher {
            Some(r) => se.with_refresher(r),
            None => se,
        }
    }

    /// The retry after a 422 (RFC 4028 §7.3): Min-SE raised to the 422's, Session-Expires
    /// to at least that. `None` when the 422 carries no usable Min-SE or asks for nothing
    /// more than this request already did (a retry would fail the same way).
    #[must_use]
    pub fn after_422(&self, response: &Response) -> Option<Self> {
        if response.code() != 422 {
            return None;
        }
        let theirs = response.headers().typed::<MinSe>()?.ok()?.delta();
        if theirs <= self.session_expires && theirs <= self.min_se {
            return None;
        }
        let min_se = self.min_se.max(theirs);
        Some(Self {
            session_expires: self.session_expires.max(min_se),
            min_se,
            refresher: self.refresher,
        })
    }

    /// The UAC's reading of a 2xx to this request (RFC 4028 §7.2): the response's
    /// Session-Expires gives the interval and the refresher; without one there is no session
    /// timer (`None`). A Session-Expires without `refresher` (which §9 forbids) makes this UA
    /// the refresher, so that the session is refreshed by someone.
    ///
    /// # Errors
    /// [`DialogError::MalformedHeader`] for a Session-Expires that does not parse.
    pub fn negotiate_uac(&self, response: &Response) -> Result<Option<Negotiated>, DialogError> {
        let Some(se) = optional::<SessionExpires>(response.headers())? else {
            return Ok(None);
        };
        Ok(Some(Negotiated {
            interval: se.delta(),
            refresher: se.refresher().unwrap_or(Refresher::Uac),
            role: Role::Uac,
            min_se: self.min_se,
            uac_supports_timer: true,
        }))
    }
}

impl Negotiated {
    /// True when this UA is the refresher.
    #[must_use]
    pub fn local_refresher(&self) -> bool {
        matches!(
            (self.refresher, self.role),
            (Refresher::Uac, Role::Uac) | (Refresher::Uas, Role::Uas)
        )
    }

    /// Adds the UAS's `Session-Expires: interval;refresher=...` to a 2xx, and
    /// `Require: timer` when the refresher is `uac` (MUST) or the UAC supports timers
    /// (SHOULD; RFC 4028 §9). List `timer` in the 2xx's Supported yourself (REQ: CLI-3).
    pub fn apply_to_response(&self, b: ResponseBuilder) -> ResponseBuilder {
        let b = b.typed(&SessionExpires::new(self.interval).with_refresher(self.refresher));
        if self.refresher == Refresher::Uac || self.uac_supports_timer {
            b.typed(&Require::new("timer"))
        } else {
            b
        }
    }

    /// The headers of the next refresh request this UA sends (RFC 4028 §7.4): the current
    /// interval and Min-SE, and `refresher=uac` when this UA refreshes, `uas` when it sends
    /// a refresh for a peer that does (so that the peer stays the refresher).
    #[must_use]
    pub fn refresh_request(&self) -> TimerRequest {
        TimerRequest {
            session_expires: self.interval,
            min_se: self.min_se,
            refresher: Some(if self.local_refresher() {
                Refresher::Uac
            } else {
                Refresher::Uas
            }),
        }
    }
}

#[cfg(test)]
mod tests;
