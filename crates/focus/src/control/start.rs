//! Starting a pre-defined group's session (seed 002 §7.2.1.3 step 8, REQ: FOC-3): the first
//! INVITE to a room with configured members, while the room has no session, makes the focus
//! invite every member. The inviter waits: it gets one 180 when the first member rings, its
//! 200 when the first member answers 200, and when every member fails, the final status the
//! room's [`FinalStatusPolicy`] picks from theirs. Each member that answers 200 becomes a
//! participant like a joiner (the focus is the UAC of its dialog).

use std::time::Instant;

use bytes::Bytes;
use simpleim_sdp::attr::{AcceptTypes, MediaRange};
use simpleim_sdp::negotiate::{
    Offerer, PendingOffer, SdpAnswer, SdpOffer, answer_session, merge_accept_types,
};
use simpleim_sip::dialog::{Dialog, SessionTimer};
use simpleim_sip::header::{AcceptContact, ContentType, OMA_SIP_IM, Supported, UserAgent};
use simpleim_sip::transaction::{ClientKey, TransportHandle, cancel_request};
use simpleim_sip::{HeaderName, IdKind, Method, NameAddr, Request, Response, Uri};

use super::event::{ControlEvent, LeaveReason, MsrpSession, ParticipantId, RejectReason, RoomId};
use super::files::TransferLeg;
use super::invite::{Entry, PendingJoin, Refusal};
use super::timers::allows_update;
use super::{ALLOWED_METHODS, Control, Participant};

/// The status the inviter gets when every member failed (seed 002 §7.2.1.3: "the
/// Status-Code defined by the IM Server according to local policy e.g. the lowest value
/// received").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FinalStatusPolicy {
    /// The lowest status received (the seed's example). The default.
    #[default]
    Lowest,
    /// The highest status received.
    Highest,
    /// Always this status (400 to 699).
    Fixed(u16),
}

impl FinalStatusPolicy {
    /// The status for the inviter, from the members' final statuses (480 when there were
    /// none, e.g. a group whose only member is the inviter).
    #[must_use]
    pub fn choose(self, received: &[u16]) -> u16 {
        let pick = match self {
            Self::Lowest => received.iter().copied().min(),
            Self::Highest => received.iter().copied().max(),
            Self::Fixed(code) => Some(code),
        };
        pick.filter(|c| (400..700).contains(c)).unwrap_or(480)
    }
}

/// A session being started: the inviter's join, held until a member answers.
#[derive(Debug)]
pub(super) struct Start<H> {
    /// The inviter's participant id and its join, until answered.
    pub(super) inviter: ParticipantId,
    pub(super) join: Option<PendingJoin<H>>,
    /// The member legs still without a final response.
    pub(super) open: Vec<ClientKey>,
    /// The final statuses of the failed legs.
    pub(super) failed: Vec<u16>,
    /// Whether a member answered 200.
    pub(super) answered: bool,
    /// Whether the inviter got its 180.
    pub(super) rang: bool,
    /// Whether the inviter cancelled (or was refused): the legs are cancelled.
    pub(super) abandoned: bool,
}

/// An INVITE of the focus to a member.
#[derive(Debug)]
pub(super) struct Leg<H> {
    pub(super) room: RoomId,
    pub(super) participant: ParticipantId,
    pub(super) target: NameAddr,
    pub(super) handle: H,
    pub(super) request: Request,
    pub(super) offer: Option<PendingOffer>,
    pub(super) local: simpleim_msrp::MsrpUri,
    /// Whether a provisional response came (a CANCEL may be sent, RFC 3261 §9.1).
    pub(super) provisional: bool,
    /// Whether a CANCEL is owed as soon as the first provisional comes.
    pub(super) cancel: bool,
    /// The participant whose REFER made this INVITE (RFC 4579 §5.5): it is told the outcome.
    pub(super) referrer: Option<ParticipantId>,
    /// The file, when this INVITE offers one (an outbound transfer leg, RFC 5547).
    pub(super) transfer: Option<TransferLeg>,
}

/// What an INVITE of the focus is: to whom, and with what offer.
pub(super) struct LegSpec {
    /// To (and the participant's identity).
    pub(super) target: NameAddr,
    /// The Request-URI: the target's URI, or a participant's contact.
    pub(super) request_uri: Uri,
    /// The display name of From (the room's identity), instead of the room's own.
    pub(super) from_display: Option<String>,
    /// The file of a transfer leg; `None` offers the room's chat session.
    pub(super) transfer: Option<TransferLeg>,
}

impl<H: TransportHandle + Clone> Control<H> {
    /// Whether an INVITE to `room` starts its session: the room has members to invite and no
    /// participant, pending join or start in progress.
    pub(super) fn starts_session(&self, room: RoomId) -> bool {
        self.rooms.get(&room).is_some_and(|r| {
            !r.config.members.is_empty()
                && r.members.is_empty()
                && r.pending == 0
                && !self.starts.contains_key(&room)
        })
    }

    /// Seed 002 §7.2.1.3 step 8: hold the inviter's join and invite every member but the
    /// inviter (REQ: FOC-3).
    pub(super) fn start_session(
        &mut self,
        now: Instant,
        participant: ParticipantId,
        join: PendingJoin<H>,
    ) -> Result<(), Refusal> {
        let room = join.room;
        let handle = self.outbound.clone().unwrap_or_else(|| join.handle.clone());
        let inviter = join.identity.clone();
        let targets: Vec<NameAddr> = self
            .rooms
            .get(&room)
            .map(|r| {
                r.config
                    .members
                    .iter()
                    .filter(|m| *m.uri() != inviter)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        // The room's capacity bounds the invitations: the inviter and as many members as fit.
        let mut targets = targets;
        targets.truncate(self.room_free(room).saturating_sub(1));
        if targets.is_empty() {
            // No one to invite: the inviter is the session (it joins as usual).
            return self.hold_or_join(now, participant, join);
        }
        if let Some(r) = self.rooms.get_mut(&room) {
            r.pending = r.pending.saturating_add(1);
        }
        self.pending_by_key.insert(join.key, participant);
        let mut start = Start {
            inviter: participant,
            join: Some(join),
            open: Vec::new(),
            failed: Vec::new(),
            answered: false,
            rang: false,
            abandoned: false,
        };
        for target in targets {
            match self.invite_member(now, room, &target, handle.clone()) {
                Ok(key) => start.open.push(key),
                Err(status) => start.failed.push(status),
            }
        }
        self.starts.insert(room, start);
        self.settle_start(now, room);
        Ok(())
    }

    /// A join that passed every check: to the host first (`confirm_joins`), else answered.
    pub(super) fn hold_or_join(
        &mut self,
        now: Instant,
        participant: ParticipantId,
        pending: PendingJoin<H>,
    ) -> Result<(), Refusal> {
        let room = pending.room;
        if self.config.confirm_joins {
            let event = ControlEvent::JoinPending {
                room,
                participant,
                identity: pending.identity.clone(),
                from: pending.from.clone(),
                anonymous: pending.anonymous,
            };
            if let Some(r) = self.rooms.get_mut(&room) {
                r.pending = r.pending.saturating_add(1);
            }
            self.pending_by_key.insert(pending.key, participant);
            self.pending.insert(participant, pending);
            self.events.push_back(event);
            Ok(())
        } else {
            self.join(now, participant, pending, None)
                .map_err(|_| (500, None, RejectReason::Internal))
        }
    }

    /// Sends the focus's INVITE to `target` with an MSRP offer; the status when it cannot.
    pub(super) fn invite_member(
        &mut self,
        now: Instant,
        room: RoomId,
        target: &NameAddr,
        handle: H,
    ) -> Result<ClientKey, u16> {
        let spec = LegSpec {
            target: target.clone(),
            request_uri: target.uri().clone(),
            from_display: None,
            transfer: None,
        };
        self.send_leg_invite(now, room, spec, handle)
            .map(|(key, _, _)| key)
    }

    /// Sends an INVITE of the focus (a member's, or a transfer leg's) and keeps its leg;
    /// the status when it cannot.
    pub(super) fn send_leg_invite(
        &mut self,
        now: Instant,
        room: RoomId,
        spec: LegSpec,
        handle: H,
    ) -> Result<(ClientKey, ParticipantId, simpleim_msrp::MsrpUri), u16> {
        let LegSpec {
            target,
            request_uri,
            from_display,
            mut transfer,
        } = spec;
        if self.legs.len() >= self.config.limits.max_pending {
            return Err(503);
        }
        let participant = ParticipantId(self.next_participant);
        self.next_participant = self.next_participant.saturating_add(1);
        let local = self.new_local_uri().map_err(|e| e.0)?;
        let (offer, sdp) = match transfer.as_mut() {
            Some(leg) => self.file_offer_for(leg, &local, participant)?,
            None => {
                let caps = self.capabilities(&local, room).map_err(|e| e.0)?;
                Offerer::new(caps)
                    .create_offer(&self.origin(participant.0, 1))
                    .map_err(|_| 500u16)?
            }
        };
        let Some(r) = self.rooms.get(&room) else {
            return Err(404);
        };
        let identity = Uri::from(r.config.identity.clone());
        let mut from = NameAddr::new(identity.clone());
        if let Some(name) = from_display.as_ref().or(r.config.display_name.as_ref()) {
            from = from.with_display_name(name);
        }
        let contact = NameAddr::new(identity.clone()).with_param("isfocus", None);
        let ids = &mut *self.config.ids;
        let tag = ids.next_id(IdKind::Tag);
        let call_id = ids.next_id(IdKind::CallId);
        let from = from.with_param("tag", Some(core::str::from_utf8(&tag).unwrap_or("t")));
        let via = self.sent_by_for(&handle).via(&mut &mut *self.config.ids);
        let mut b = Request::builder(Method::Invite, request_uri.to_string())
            .typed(&via)
            .header(HeaderName::MaxForwards, 70)
            .header(HeaderName::From, from.to_string())
            .header(
                HeaderName::To,
                NameAddr::new(target.uri().clone()).to_string(),
            )
            .header(
                HeaderName::CallId,
                String::from_utf8_lossy(&call_id).as_ref(),
            )
            .header(HeaderName::CSeq, "1 INVITE")
            .header(HeaderName::Contact, contact.to_string())
            .typed(&AcceptContact::new().with_feature(OMA_SIP_IM, None))
            .header_named("P-Asserted-Identity", format!("<{identity}>"))
            .typed(
                &UserAgent::new(super::config::IM_SERVER_PRODUCT, Some("OMA1.0"))
                    .with_product("simpleim-focus", Some(env!("CARGO_PKG_VERSION"))),
            );
        for m in ALLOWED_METHODS.iter().chain(&self.config.host_methods) {
            b = b.typed(&simpleim_sip::header::Allow::new(m.clone()));
        }
        if let Some(timer) = &self.config.session_timer {
            b = timer.request().apply(b).typed(&Supported::new("timer"));
        }
        let request = b
            .body("application/sdp", sdp.to_bytes())
            .build()
            .map_err(|_| 500u16)?;
        let key = self
            .layer
            .send_request(now, handle.clone(), request.clone())
            .map_err(|_| 503u16)?;
        if transfer.is_some() {
            self.transfers = self.transfers.saturating_add(1);
        }
        self.legs.insert(
            key,
            Leg {
                room,
                participant,
                target: target.clone(),
                handle,
                request,
                offer: Some(offer),
                local: local.clone(),
                provisional: false,
                cancel: false,
                referrer: None,
                transfer,
            },
        );
        Ok((key, participant, local))
    }

    /// Removes the leg of client transaction `key` (a transfer leg is counted again when it
    /// opens).
    fn take_leg(&mut self, key: ClientKey) -> Option<Leg<H>> {
        let leg = self.legs.remove(&key)?;
        if leg.transfer.is_some() {
            self.transfers = self.transfers.saturating_sub(1);
        }
        Some(leg)
    }

    /// A response to a member's INVITE (REQ: FOC-3).
    pub(super) fn on_leg_response(&mut self, now: Instant, key: ClientKey, response: &Response) {
        let code = response.code();
        let Some(leg) = self.legs.get_mut(&key) else {
            return;
        };
        let room = leg.room;
        if code < 200 {
            if !leg.provisional {
                leg.provisional = true;
                if leg.cancel {
                    self.cancel_leg(now, key);
                    return;
                }
            }
            if code == 180 {
                self.ring_inviter(now, room);
            }
            return;
        }
        let Some(leg) = self.take_leg(key) else {
            return;
        };
        if let Some(transfer) = leg.transfer.clone() {
            let participant = leg.participant;
            let status = if code < 300 {
                self.member_joins(now, leg, response, false).err()
            } else {
                Some(code)
            };
            if let Some(status) = status {
                self.transfer_failed(room, participant, transfer, status);
            }
            return;
        }
        if let Some(s) = self.starts.get_mut(&room) {
            s.open.retain(|k| *k != key);
        }
        if let Some(referrer) = leg.referrer {
            // RFC 3515 §2.4.5: the final NOTIFY carries the invitee's final status.
            self.notify_referrer(now, referrer, code, true);
            if code < 300 {
                let _ = self.member_joins(now, leg, response, false);
            }
            return;
        }
        if code < 300 {
            let abandoned = self.starts.get(&room).is_none_or(|s| s.abandoned);
            match self.member_joins(now, leg, response, abandoned) {
                Ok(types) if !abandoned => {
                    if let Some(s) = self.starts.get_mut(&room) {
                        s.answered = true;
                    }
                    self.answer_inviter(now, room, &types);
                }
                Ok(_) => {}
                Err(status) => {
                    if let Some(s) = self.starts.get_mut(&room) {
                        s.failed.push(status);
                    }
                }
            }
        } else if let Some(s) = self.starts.get_mut(&room) {
            s.failed.push(code);
        }
        self.settle_start(now, room);
    }

    /// A member's INVITE timed out or could not be sent.
    pub(super) fn on_leg_failed(&mut self, now: Instant, key: ClientKey, status: u16) {
        let Some(leg) = self.take_leg(key) else {
            return;
        };
        if let Some(transfer) = leg.transfer {
            self.transfer_failed(leg.room, leg.participant, transfer, status);
            return;
        }
        if let Some(referrer) = leg.referrer {
            self.notify_referrer(now, referrer, status, true);
        }
        if let Some(s) = self.starts.get_mut(&leg.room) {
            s.open.retain(|k| *k != key);
            s.failed.push(status);
        }
        self.settle_start(now, leg.room);
    }

    /// The 2xx of a member: ACK it, take the answer, make the member a participant. When
    /// the start was abandoned, or the answer does not fit the offer, the dialog is ended at
    /// once with a BYE (RFC 3261 §13.2.2.4: a 2xx is always acknowledged).
    fn member_joins(
        &mut self,
        now: Instant,
        mut leg: Leg<H>,
        response: &Response,
        abandoned: bool,
    ) -> Result<Vec<MediaRange>, u16> {
        let mut dialog = Dialog::new_uac(&leg.request, response).map_err(|_| 502u16)?;
        dialog.handle_response(response).map_err(|_| 502u16)?;
        let sent_by = self.sent_by_for(&leg.handle);
        let ids = &mut *self.config.ids;
        let ack = dialog
            .ack(response, &sent_by, &mut &mut *ids)
            .and_then(|b| b.build().map_err(Into::into));
        if let Ok(ack) = ack {
            let _ = self.layer.send_ack(now, leg.handle.clone(), ack);
        }
        let negotiated = leg.offer.take().and_then(|offer| {
            let is_sdp = matches!(
                response.headers().typed::<ContentType>(),
                Some(Ok(ct)) if ct.media().subtype().eq_ignore_ascii_case(b"sdp")
            );
            let answer = SdpAnswer::parse(response.body()).ok().filter(|_| is_sdp)?;
            offer.accept_answer(answer).ok()
        });
        // REQ: SEC-2: a member that answers when the room is full goes again (486); a
        // transfer leg is not a member.
        let full = leg.transfer.is_none() && self.room_free(leg.room) == 0;
        let (Some(negotiated), false, false) = (negotiated, abandoned, full) else {
            self.bye_dialog(now, &mut dialog, leg.handle);
            return Err(if abandoned {
                487
            } else if full {
                486
            } else {
                488
            });
        };
        let session = MsrpSession {
            local: leg.local,
            remote_path: negotiated.remote_path().clone(),
            max_size: negotiated.peer_max_size(),
            accept_types: negotiated.accept_types().to_vec(),
            accept_wrapped_types: negotiated.accept_wrapped_types().to_vec(),
            focus_connects: negotiated.connects(),
            cema: negotiated.cema(),
        };
        let room = leg.room;
        let participant = leg.participant;
        let identity = leg.target.uri().clone();
        let types = session.accept_types.clone();
        let private_messages = self
            .rooms
            .get(&room)
            .is_some_and(|r| r.config.policy.allows_private_messages(&identity));
        // The member's display name, as its 200 gives it in To, else as configured.
        let from = response
            .headers()
            .get(HeaderName::To)
            .map(|h| h.value())
            .filter(|v| NameAddr::parse(v).is_ok_and(|n| n.display_name_text().is_some()))
            .unwrap_or_else(|| Bytes::from(leg.target.to_string()));
        let release = release_version_of_response(response);
        self.enter(
            participant,
            Participant {
                room,
                identity: identity.clone(),
                handle: leg.handle,
                dialog,
                session,
                sdp_version: 1,
                sdp_session_id: participant.0,
                invite: None,
                timer: SessionTimer::new(),
                peer_allows_update: allows_update(response.headers()),
                refreshing: None,
                transfer: leg.transfer,
            },
            Entry {
                identity,
                from,
                anonymous: false,
                private_messages,
                release,
            },
        );
        // REQ: FOC-9: the interval the member's 2xx gave.
        let negotiated = self
            .config
            .session_timer
            .as_ref()
            .and_then(|t| t.request().negotiate_uac(response).ok().flatten());
        self.timer_negotiated(now, participant, negotiated);
        // The ACK is sent: the dialog is confirmed at once.
        self.events
            .push_back(ControlEvent::Confirmed { room, participant });
        Ok(types)
    }

    /// Ends a dialog the focus will not use with a BYE.
    fn bye_dialog(&mut self, now: Instant, dialog: &mut Dialog, handle: H) {
        let sent_by = self.sent_by_for(&handle);
        let ids = &mut *self.config.ids;
        if let Ok(bye) = dialog
            .request(Method::Bye, &sent_by, &mut &mut *ids)
            .and_then(|b| b.build().map_err(Into::into))
        {
            let _ = self.layer.send_request(now, handle, bye);
        }
    }

    /// One 180 to the inviter, the first time a member rings.
    fn ring_inviter(&mut self, now: Instant, room: RoomId) {
        let Some(s) = self.starts.get_mut(&room) else {
            return;
        };
        if s.rang || s.answered || s.abandoned {
            return;
        }
        s.rang = true;
        let Some(join) = s.join.as_mut() else {
            return;
        };
        let key = join.key;
        if let Ok(b) = join.dialog.respond(&join.request, 180) {
            self.send(now, key, b);
        }
    }

    /// The first member answered: the inviter's join goes on (to the host or answered),
    /// its SDP answer narrowed to the accept-types of the member's answer (seed 002
    /// §7.2.1.2, §7.2.1.3: "selected ... from those contained in the SDP offer ... and those
    /// in the SDP answer"; when nothing is common the focus's own answer stands, and its
    /// switch checks each recipient's types, REQ: SW-1).
    fn answer_inviter(&mut self, now: Instant, room: RoomId, member_types: &[MediaRange]) {
        let Some(s) = self.starts.get_mut(&room) else {
            return;
        };
        let inviter = s.inviter;
        let Some(mut join) = s.join.take() else {
            return;
        };
        self.narrow_answer(&mut join, member_types);
        self.pending_by_key.remove(&join.key);
        if let Some(r) = self.rooms.get_mut(&room) {
            r.pending = r.pending.saturating_sub(1);
        }
        let key = join.key;
        if let Err(refusal) = self.hold_or_join(now, inviter, join) {
            match self.layer.server_request(key).cloned() {
                Some(request) => self.refuse(now, key, &request, Some(room), refusal),
                None => self.reject_event(Some(room), refusal.0, refusal.2),
            }
        }
    }

    /// Rewrites a held join's SDP answer with the accept-types the member's answer shares.
    fn narrow_answer(&self, join: &mut PendingJoin<H>, member_types: &[MediaRange]) {
        let (Some(ours), Some(theirs), Some(local)) = (
            AcceptTypes::from_ranges(join.session.accept_types.iter().cloned()),
            AcceptTypes::from_ranges(member_types.iter().cloned()),
            AcceptTypes::from_ranges(self.config.accept_types.iter().cloned()),
        ) else {
            return;
        };
        let merged = merge_accept_types(&ours, &theirs, &local);
        if merged.is_empty() || merged == join.session.accept_types {
            return;
        }
        let Ok(caps) = self.capabilities_accepting(&join.session.local, join.room, &merged) else {
            return;
        };
        let Some(Ok(offer)) = super::adhoc::offer_bytes(&join.request).map(SdpOffer::parse) else {
            return;
        };
        let origin = self.origin(join.sdp_session_id, 1);
        if let Ok((answer, negotiated)) = answer_session(&offer, &caps, &origin) {
            join.answer = answer.to_bytes();
            join.session.accept_types = negotiated.accept_types().to_vec();
        }
    }

    /// When every leg has its final response: the inviter still waiting gets the policy's
    /// status; an inviter already answered is removed if no member came (seed 002 §7.2.1.3).
    fn settle_start(&mut self, now: Instant, room: RoomId) {
        let Some(s) = self.starts.get(&room) else {
            return;
        };
        if !s.open.is_empty() {
            return;
        }
        let Some(s) = self.starts.remove(&room) else {
            return;
        };
        if s.abandoned {
            self.release_if_idle(room);
            return;
        }
        if let Some(join) = s.join {
            self.pending_by_key.remove(&join.key);
            if let Some(r) = self.rooms.get_mut(&room) {
                r.pending = r.pending.saturating_sub(1);
            }
            let policy = self
                .rooms
                .get(&room)
                .map(|r| r.config.all_failed)
                .unwrap_or_default();
            let status = policy.choose(&s.failed);
            let refusal = (status, None, RejectReason::MembersFailed);
            self.refuse(now, join.key, &join.request, Some(room), refusal);
        } else if !s.answered && self.participants.contains_key(&s.inviter) {
            let _ = self.remove(now, s.inviter, LeaveReason::Removed);
        }
        self.release_if_idle(room);
    }

    /// The inviter's INVITE was cancelled (or its transaction ended): the member legs are
    /// cancelled, and members that answer anyway are sent a BYE (REQ: FOC-3, FOC-7).
    pub(super) fn abandon_start(&mut self, now: Instant, inviter: ParticipantId) -> bool {
        let Some(room) = self
            .starts
            .iter()
            .find(|(_, s)| s.inviter == inviter && s.join.is_some())
            .map(|(r, _)| *r)
        else {
            return false;
        };
        let open = match self.starts.get_mut(&room) {
            Some(s) => {
                s.abandoned = true;
                if let Some(join) = s.join.take() {
                    self.pending_by_key.remove(&join.key);
                }
                s.open.clone()
            }
            None => Vec::new(),
        };
        if let Some(r) = self.rooms.get_mut(&room) {
            r.pending = r.pending.saturating_sub(1);
        }
        for key in open {
            self.cancel_leg(now, key);
        }
        self.settle_start(now, room);
        true
    }

    /// CANCELs a member's INVITE now, or as soon as it has a provisional response.
    fn cancel_leg(&mut self, now: Instant, key: ClientKey) {
        let Some(leg) = self.legs.get_mut(&key) else {
            return;
        };
        leg.cancel = true;
        if !leg.provisional {
            return;
        }
        if let Ok(cancel) = cancel_request(&leg.request) {
            let _ = self.layer.send_request(now, leg.handle.clone(), cancel);
        }
    }
}

/// The IM release version in the Server header of a member's 200 (or its User-Agent).
fn release_version_of_response(response: &Response) -> Option<Bytes> {
    let h = response.headers();
    let server = h
        .typed::<simpleim_sip::header::Server>()
        .and_then(Result::ok)
        .and_then(|s| {
            [
                super::config::IM_CLIENT_PRODUCT,
                super::config::IM_SERVER_PRODUCT,
            ]
            .iter()
            .find_map(|p| s.product_version(p).map(Bytes::copy_from_slice))
        });
    server.or_else(|| {
        h.typed::<UserAgent>().and_then(Result::ok).and_then(|u| {
            u.product_version(super::config::IM_CLIENT_PRODUCT)
                .map(Bytes::copy_from_slice)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::FinalStatusPolicy;

    #[test]
    fn final_status_policy() {
        // REQ: FOC-3
        assert_eq!(FinalStatusPolicy::Lowest.choose(&[486, 404, 603]), 404);
        assert_eq!(FinalStatusPolicy::Highest.choose(&[486, 404, 603]), 603);
        assert_eq!(FinalStatusPolicy::Fixed(480).choose(&[486]), 480);
        assert_eq!(FinalStatusPolicy::Lowest.choose(&[]), 480);
        assert_eq!(FinalStatusPolicy::Fixed(200).choose(&[486]), 480);
    }
}
