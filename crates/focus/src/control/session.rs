//! Inside a participant's dialog (BYE, re-INVITE, UPDATE, OPTIONS), CANCEL and ACK of the
//! INVITE, and the host's answer to a pending join.

use std::time::Instant;

use bytes::Bytes;
use simpleim_sdp::negotiate::{SdpOffer, answer_session};
use simpleim_sip::dialog::{DialogId, RequestRejection};
use simpleim_sip::header::Supported;
use simpleim_sip::transaction::{ServerKey, TransportHandle};
use simpleim_sip::{HeaderName, Method, Request, Response};

use super::error::CommandError;
use super::event::{ControlEvent, LeaveReason, ParticipantId, RejectReason};
use super::invite::{Refusal, WARN_MISC};
use super::{ALLOWED_METHODS, Control};

impl<H: TransportHandle> Control<H> {
    /// A request with both tags: it belongs to a participant's dialog, or gets 481.
    pub(super) fn on_in_dialog(
        &mut self,
        now: Instant,
        key: ServerKey,
        request: &Request,
        id: &DialogId,
    ) {
        let Some(pid) = self.by_dialog.get(id).copied() else {
            let b = RequestRejection::NoDialog.response(request, &mut self.ids());
            self.send(now, key, b);
            return;
        };
        let checked = match self.participants.get_mut(&pid) {
            Some(p) => p.dialog.handle_request(request),
            None => Err(RequestRejection::NoDialog),
        };
        if let Err(rejection) = checked {
            let b = rejection.response(request, &mut self.ids());
            self.send(now, key, b);
            return;
        }
        let method = request.method().clone();
        let code = match method {
            Method::Bye => 200,
            Method::Invite | Method::Update => {
                self.on_modify(now, key, request, pid);
                return;
            }
            Method::Refer => {
                self.on_refer(now, key, request, pid);
                return;
            }
            Method::Options => 200,
            ref m if ALLOWED_METHODS.contains(m) => 200,
            _ => 405,
        };
        let Some(p) = self.participants.get_mut(&pid) else {
            return;
        };
        let Ok(b) = p.dialog.respond(request, code) else {
            return;
        };
        let b = if code == 405 || method == Method::Options {
            self.with_allow(b)
        } else {
            b
        };
        let b = if method == Method::Options {
            b.header(HeaderName::Accept, "application/sdp")
        } else {
            b
        };
        self.send(now, key, b);
        if method == Method::Bye {
            // REQ: FOC-6: a participant's BYE is answered 200 and it leaves.
            let _ = self.remove(now, pid, LeaveReason::Bye);
        }
    }

    /// A re-INVITE or UPDATE in a participant's dialog (seed 002 §7.2.1.6). Minimal until
    /// REQ: FOC-5: an offer that keeps the participant's MSRP path is answered 200 with the
    /// same focus URI (`o=` version + 1); any other offer gets 488; an UPDATE without a body
    /// (a session refresh) gets 200; a re-INVITE without an offer gets 488.
    fn on_modify(&mut self, now: Instant, key: ServerKey, request: &Request, pid: ParticipantId) {
        // REQ: FOC-9: a re-INVITE or UPDATE is a session refresh too.
        let timer = self.negotiate_timer(request);
        let outcome = match &timer {
            Ok(_) => self.modify(request, pid),
            Err(refusal) => Err(refusal.clone()),
        };
        let Some(p) = self.participants.get_mut(&pid) else {
            return;
        };
        match outcome {
            Ok(body) => {
                if let Ok(b) = p.dialog.respond(request, 200) {
                    let b = match body {
                        Some(sdp) => b.body("application/sdp", sdp),
                        None => b,
                    };
                    let negotiated = timer.ok().flatten();
                    let b = match &negotiated {
                        Some(n) => n.apply_to_response(b).typed(&Supported::new("timer")),
                        None => b,
                    };
                    self.send(now, key, b);
                    self.timer_negotiated(now, pid, negotiated);
                }
            }
            Err((status, warning, _)) => {
                if let Ok(b) = p.dialog.respond(request, status) {
                    let b = match warning {
                        Some((code, text)) => self.warning(b, code, &text),
                        None => b,
                    };
                    let b = self.with_min_se(b, status);
                    self.send(now, key, b);
                }
            }
        }
    }

    /// The answer to a modification, or why not.
    fn modify(&mut self, request: &Request, pid: ParticipantId) -> Result<Option<Bytes>, Refusal> {
        let not_acceptable = |text: &str| {
            (
                488,
                Some((WARN_MISC, text.to_owned())),
                RejectReason::Media(text.to_owned()),
            )
        };
        let Some(p) = self.participants.get(&pid) else {
            return Err((481, None, RejectReason::Internal));
        };
        if request.body().is_empty() {
            return if *request.method() == Method::Update {
                Ok(None)
            } else {
                Err(not_acceptable("SDP offer required"))
            };
        }
        let offer =
            SdpOffer::parse(request.body()).map_err(|_| not_acceptable("malformed SDP offer"))?;
        let caps = self.capabilities(&p.session.local, p.room)?;
        let version = p.sdp_version.saturating_add(1);
        let origin = self.origin(p.sdp_session_id, version);
        let (answer, negotiated) = answer_session(&offer, &caps, &origin).map_err(|e| {
            let warning = e.warning().map(|(code, text)| (code, text.to_owned()));
            (e.status(), warning, RejectReason::Media(e.to_string()))
        })?;
        if negotiated.remote_path() != &p.session.remote_path {
            return Err(not_acceptable("changing the MSRP path is not supported"));
        }
        let Some(p) = self.participants.get_mut(&pid) else {
            return Err((481, None, RejectReason::Internal));
        };
        p.sdp_version = version;
        p.session.accept_types = negotiated.accept_types().to_vec();
        p.session.accept_wrapped_types = negotiated.accept_wrapped_types().to_vec();
        p.session.max_size = negotiated.peer_max_size();
        Ok(Some(answer.to_bytes()))
    }

    /// The layer matched a CANCEL to an INVITE without its final response and answered 200
    /// and 487 (REQ: FOC-7): forget the pending join.
    pub(super) fn on_cancelled(&mut self, now: Instant, key: ServerKey) {
        if let Some(p) = self.pending_by_key.remove(&key) {
            // REQ: FOC-7; a session being started cancels its member INVITEs (FOC-3).
            if self.abandon_start(now, p) {
                self.reject_event(None, 487, RejectReason::Cancelled);
            } else {
                self.drop_pending(p, 487, RejectReason::Cancelled);
            }
        }
    }

    /// The ACK of a join's 200: the dialog is confirmed.
    pub(super) fn on_acked(&mut self, key: ServerKey) {
        let Some(pid) = self.awaiting_ack.remove(&key) else {
            return;
        };
        if let Some(p) = self.participants.get_mut(&pid) {
            p.invite = None;
            self.events.push_back(ControlEvent::Confirmed {
                room: p.room,
                participant: pid,
            });
        }
    }

    /// Forgets a pending join that was answered `status` (by the layer or by us).
    pub(super) fn drop_pending(&mut self, pid: ParticipantId, status: u16, why: RejectReason) {
        if let Some(p) = self.pending.remove(&pid) {
            self.pending_by_key.remove(&p.key);
            if let Some(r) = self.rooms.get_mut(&p.room) {
                r.pending = r.pending.saturating_sub(1);
            }
            self.reject_event(Some(p.room), status, why);
            self.release_if_idle(p.room);
        }
    }

    /// Accepts a pending join ([`ControlEvent::JoinPending`]): the 200 OK goes with the SDP
    /// answer, or with `body` (content type and bytes) when given. `body` is the extension
    /// point for REQ: ALIAS-3: the composed focus puts the SDP answer
    /// ([`Control::pending_answer`]) and a `message/cpim` part with the assigned alias in a
    /// `multipart/mixed` body.
    ///
    /// # Errors
    /// [`CommandError::NotPending`]; a failure to build or send the 200 (the join is then
    /// dropped and reported as [`ControlEvent::Rejected`]).
    pub fn accept_join(
        &mut self,
        now: Instant,
        participant: ParticipantId,
        body: Option<(String, Bytes)>,
    ) -> Result<(), CommandError> {
        let pending = self
            .pending
            .remove(&participant)
            .ok_or(CommandError::NotPending(participant))?;
        self.pending_by_key.remove(&pending.key);
        if let Some(r) = self.rooms.get_mut(&pending.room) {
            r.pending = r.pending.saturating_sub(1);
        }
        let room = pending.room;
        let r = self.join(now, participant, pending, body);
        if r.is_err() {
            self.reject_event(Some(room), 500, RejectReason::Internal);
        }
        self.drive(now);
        r
    }

    /// The SDP answer prepared for a pending join, to put in a body of the host's making.
    #[must_use]
    pub fn pending_answer(&self, participant: ParticipantId) -> Option<&Bytes> {
        self.pending.get(&participant).map(|p| &p.answer)
    }

    /// Refuses a pending join with `status` (300-699).
    ///
    /// # Errors
    /// [`CommandError::NotAFailure`] for another status, [`CommandError::NotPending`].
    pub fn reject_join(
        &mut self,
        now: Instant,
        participant: ParticipantId,
        status: u16,
    ) -> Result<(), CommandError> {
        if !(300..=699).contains(&status) {
            return Err(CommandError::NotAFailure(status));
        }
        let (key, request) = self
            .pending
            .get(&participant)
            .map(|p| (p.key, p.request.clone()))
            .ok_or(CommandError::NotPending(participant))?;
        let b = Response::for_request(&request, status, &mut self.ids());
        self.send(now, key, b);
        self.drop_pending(participant, status, RejectReason::Host);
        self.drive(now);
        Ok(())
    }
}
