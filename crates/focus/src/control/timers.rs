//! Session timers for participants (RFC 4028; REQ: FOC-9) and the focus's own session
//! refreshes (REQ: FOC-5: UPDATE only when the participant's Allow lists it, else a re-INVITE
//! whose offer keeps the current media; the session changes only with the 2xx).
//!
//! - A join's INVITE and every re-INVITE/UPDATE of a participant are negotiated as UAS
//!   ([`SessionTimerConfig::negotiate_uas`]): an interval below the focus's Min-SE gets 422
//!   with Min-SE; otherwise the 2xx carries Session-Expires and the participant's
//!   [`SessionTimer`] (re)starts.
//! - The focus's INVITEs to members (REQ: FOC-3) ask for the configured interval, and the
//!   member's 2xx is negotiated as UAC.
//! - When the focus refreshes, it sends the refresh at half the interval; on 2xx the timer
//!   restarts, on 408 or 481 the participant is gone (RFC 4028 §10 with RFC 5057), on 422 it
//!   retries once with the larger Min-SE.
//! - When no refresh came in time the participant is removed with a BYE
//!   ([`LeaveReason::SessionExpired`]).
//!
//! All time is an input; deadlines are kept in one ordered set, so that
//! [`Control::poll_timeout`](super::Control::poll_timeout) costs O(log n).

use std::time::Instant;

use simpleim_sdp::negotiate::{Offerer, PendingOffer, SdpAnswer};
use simpleim_sip::dialog::{Negotiated, SessionTimerEvent, TimerRequest, UasDecision};
use simpleim_sip::header::{Allow, Supported};
use simpleim_sip::transaction::{ClientKey, TransportHandle};
use simpleim_sip::{Headers, Method, Request, Response};

use super::event::{LeaveReason, ParticipantId};
use super::invite::Refusal;
use super::{Control, RejectReason};

/// A refresh request of the focus in flight.
#[derive(Debug)]
pub(super) struct Refresh {
    pub(super) participant: ParticipantId,
    pub(super) request: Request,
    pub(super) timer: TimerRequest,
    /// The offer of a re-INVITE, until its answer.
    pub(super) offer: Option<PendingOffer>,
    /// Whether this is already the retry after a 422.
    pub(super) retried: bool,
}

/// Whether a request or response with headers `h` lists UPDATE in its Allow (RFC 3311
/// §5.1).
pub(super) fn allows_update(h: &Headers) -> bool {
    h.typed_all::<Allow>()
        .filter_map(Result::ok)
        .any(|a| *a.value() == Method::Update)
}

impl<H: TransportHandle> Control<H> {
    /// The UAS negotiation of a session refresh request (REQ: FOC-9): `Ok(None)` without
    /// session timers configured, the 422 refusal when the interval is too small.
    pub(super) fn negotiate_timer(&self, request: &Request) -> Result<Option<Negotiated>, Refusal> {
        let Some(config) = &self.config.session_timer else {
            return Ok(None);
        };
        match config.negotiate_uas(request) {
            Ok(UasDecision::Accept(n)) => Ok(Some(n)),
            Ok(UasDecision::TooSmall { .. }) => Err((422, None, RejectReason::IntervalTooSmall)),
            Err(_) => Err((400, None, RejectReason::Invalid)),
        }
    }

    /// A transaction negotiated `participant`'s session interval at `now`.
    pub(super) fn timer_negotiated(
        &mut self,
        now: Instant,
        participant: ParticipantId,
        negotiated: Option<Negotiated>,
    ) {
        let Some(p) = self.participants.get_mut(&participant) else {
            return;
        };
        p.timer.handle_negotiated(now, negotiated);
        if let Some(at) = p.timer.poll_timeout() {
            self.timer_deadlines.insert((at, participant));
        }
    }

    /// The next session-timer deadline.
    pub(super) fn next_timer(&self) -> Option<Instant> {
        self.timer_deadlines.first().map(|(at, _)| *at)
    }

    /// Fires the session timers that are due.
    pub(super) fn run_timers(&mut self, now: Instant) {
        while let Some((at, _)) = self.timer_deadlines.first() {
            if *at > now {
                break;
            }
            let Some((_, pid)) = self.timer_deadlines.pop_first() else {
                break;
            };
            let mut due = Vec::new();
            if let Some(p) = self.participants.get_mut(&pid) {
                if p.timer.poll_timeout().is_some_and(|t| t <= now) {
                    p.timer.handle_timeout(now);
                }
                while let Some(e) = p.timer.poll_event() {
                    due.push(e);
                }
                if let Some(next) = p.timer.poll_timeout() {
                    self.timer_deadlines.insert((next, pid));
                }
            }
            for event in due {
                match event {
                    SessionTimerEvent::RefreshDue => self.send_refresh(now, pid, None),
                    SessionTimerEvent::Expired => {
                        let _ = self.remove(now, pid, LeaveReason::SessionExpired);
                    }
                    _ => {}
                }
            }
        }
    }

    /// Sends the focus's session refresh to `pid`: UPDATE when its Allow lists it, else a
    /// re-INVITE with an offer of the current media (REQ: FOC-5, FOC-9). `timer` overrides
    /// the headers (the retry after a 422).
    fn send_refresh(&mut self, now: Instant, pid: ParticipantId, timer: Option<TimerRequest>) {
        let Some(p) = self.participants.get(&pid) else {
            return;
        };
        if p.refreshing.is_some() {
            return;
        }
        let overridden = timer.is_some();
        let Some(timer) = timer.or_else(|| p.timer.refresh_request()) else {
            return;
        };
        let update = p.peer_allows_update;
        let (room, local, session_id, version) = (
            p.room,
            p.session.local.clone(),
            p.sdp_session_id,
            p.sdp_version,
        );
        let offer = if update {
            None
        } else {
            let Ok(caps) = self.capabilities(&local, room) else {
                return;
            };
            let origin = self.origin(session_id, version.saturating_add(1));
            match Offerer::new(caps).create_offer(&origin) {
                Ok(pair) => Some(pair),
                Err(_) => return,
            }
        };
        let method = if update {
            Method::Update
        } else {
            Method::Invite
        };
        let sent_by = self.sent_by_of(pid);
        let ids = &mut *self.config.ids;
        let Some(p) = self.participants.get_mut(&pid) else {
            return;
        };
        let Ok(b) = p.dialog.request(method, &sent_by, &mut &mut *ids) else {
            return;
        };
        let mut b = timer.apply(b).typed(&Supported::new("timer"));
        let mut pending = None;
        if let Some((pending_offer, sdp)) = offer {
            b = b.body("application/sdp", sdp.to_bytes());
            pending = Some(pending_offer);
        }
        let Ok(request) = b.build() else {
            return;
        };
        let handle = p.handle.clone();
        if let Ok(key) = self.layer.send_request(now, handle, request.clone()) {
            if let Some(p) = self.participants.get_mut(&pid) {
                p.refreshing = Some(key);
            }
            self.refreshes.insert(
                key,
                Refresh {
                    participant: pid,
                    request,
                    timer,
                    offer: pending,
                    // Only the retry after a 422 overrides the timer's headers.
                    retried: overridden,
                },
            );
        }
    }

    /// A response to the focus's refresh.
    pub(super) fn on_refresh_response(
        &mut self,
        now: Instant,
        key: ClientKey,
        response: &Response,
    ) {
        let code = response.code();
        if code < 200 {
            return;
        }
        let Some(refresh) = self.refreshes.remove(&key) else {
            return;
        };
        let pid = refresh.participant;
        let sent_by = self.sent_by_of(pid);
        let Some(p) = self.participants.get_mut(&pid) else {
            return;
        };
        p.refreshing = None;
        let _ = p.dialog.handle_response(response);
        if (200..300).contains(&code) {
            if *refresh.request.method() == Method::Invite {
                let ids = &mut *self.config.ids;
                if let Ok(ack) = p
                    .dialog
                    .ack(response, &sent_by, &mut &mut *ids)
                    .and_then(|b| b.build().map_err(Into::into))
                {
                    let _ = self.layer.send_ack(now, p.handle.clone(), ack);
                }
                // REQ: FOC-5: the session changes with the 2xx, and only to what fits it.
                let answer = SdpAnswer::parse(response.body()).ok();
                if let (Some(offer), Some(answer)) = (refresh.offer, answer) {
                    if let Ok(n) = offer.accept_answer(answer) {
                        if *n.remote_path() == p.session.remote_path {
                            p.session.accept_types = n.accept_types().to_vec();
                            p.session.accept_wrapped_types = n.accept_wrapped_types().to_vec();
                            p.session.max_size = n.peer_max_size();
                            p.sdp_version = p.sdp_version.saturating_add(1);
                        }
                    }
                }
            }
            let negotiated = refresh.timer.negotiate_uac(response).ok().flatten();
            self.timer_negotiated(now, pid, negotiated);
            return;
        }
        match code {
            // RFC 5057 §5.1: the dialog is gone.
            408 | 481 => {
                let _ = self.remove(now, pid, LeaveReason::SessionExpired);
            }
            422 if !refresh.retried => {
                if let Some(timer) = refresh.timer.after_422(response) {
                    self.send_refresh(now, pid, Some(timer));
                }
            }
            // Other failures (491 glare, 5xx): the session stays; expiry decides.
            _ => {}
        }
    }

    /// The focus's refresh got no response.
    pub(super) fn on_refresh_failed(&mut self, now: Instant, key: ClientKey) {
        if let Some(refresh) = self.refreshes.remove(&key) {
            let _ = self.remove(now, refresh.participant, LeaveReason::SessionExpired);
        }
    }
}
