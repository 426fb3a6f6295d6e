//! A new INVITE to a room: the checks of REQ: FOC-1 in the order of seed 002 §7.2.1.3, and
//! the join of REQ: FOC-2 (the 200 OK with the SDP answer).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use bytes::Bytes;
use simpleim_msrp::{Host, MsrpUri};
use simpleim_sdp::Origin;
use simpleim_sdp::attr::{AcceptTypes, AcceptWrappedTypes, MediaRange, Path};
use simpleim_sdp::negotiate::{MsrpCapabilities, SdpOffer, answer_session};
use simpleim_sip::dialog::{Dialog, Negotiated, SessionTimer};
use simpleim_sip::header::{
    AcceptContact, Contact, MinSe, OMA_SIP_IM, PAssertedIdentity, PrivValue, Privacy, Server,
    Supported, UserAgent,
};
use simpleim_sip::transaction::{ServerKey, TransportHandle};
use simpleim_sip::{HeaderName, IdKind, NameAddr, Request, Response, ResponseBuilder, Uri};

use super::adhoc::offer_bytes;
use super::config::{IM_CLIENT_PRODUCT, IM_SERVER_PRODUCT};
use super::error::CommandError;
use super::event::{ControlEvent, MsrpSession, ParticipantId, RejectReason, RoomId};
use super::files::TransferLeg;
use super::timers::allows_update;
use super::{Control, Participant, RoomKey};

/// Warning code of "Anonymity not allowed" (seed 000 §7.2.3.2 step 1: "' 119 Anonymity not
/// allowed' as specified in subclause 5.6").
pub const WARN_ANONYMITY: u16 = 119;
/// Warning code of the other texts: RFC 3261 §20.43 399 "Miscellaneous warning" (the seeds
/// give their text but no code).
pub const WARN_MISC: u16 = 399;
/// Seed 000 §7.2.3.2 step 1 and 002 §7.2.1.3 step 6 (REQ: ALIAS-1).
pub const ANONYMITY_NOT_ALLOWED: &str = "Anonymity not allowed";
/// Seed 002 §7.2.1.3 step 3.
pub const ISFOCUS_ALREADY_ASSIGNED: &str = "isfocus already assigned";
/// Seed 002 §7.2.1.3 step 2 ("[Error handling] 'Conference URI does not exist'").
pub const CONFERENCE_URI_DOES_NOT_EXIST: &str = "Conference URI does not exist";
/// A room at its participant limit (this crate's choice, with 486 Busy Here).
pub const TOO_MANY_PARTICIPANTS: &str = "Too many participants";

/// A join that passed the checks, waiting for the host (or about to be answered).
#[derive(Debug)]
pub(super) struct PendingJoin<H> {
    pub(super) room: RoomId,
    pub(super) key: ServerKey,
    pub(super) handle: H,
    pub(super) request: Request,
    pub(super) dialog: Dialog,
    pub(super) session: MsrpSession,
    pub(super) answer: Bytes,
    pub(super) sdp_session_id: u64,
    pub(super) identity: Uri,
    pub(super) from: Bytes,
    pub(super) anonymous: bool,
    pub(super) private_messages: bool,
    pub(super) release: Option<Bytes>,
    /// The session interval negotiated (REQ: FOC-9).
    pub(super) timer: Option<Negotiated>,
    /// The file of an inbound transfer leg.
    pub(super) transfer: Option<TransferLeg>,
}

/// Whether `request` asks for anonymity (`Privacy: id`, RFC 3325; REQ: ALIAS-1).
pub(crate) fn asks_anonymity(request: &Request) -> bool {
    request
        .headers()
        .typed_all::<Privacy>()
        .filter_map(Result::ok)
        .any(|p| p.contains(PrivValue::Id))
}

/// The refusal of an anonymous request where anonymity is not allowed: 403 with Warning 119
/// "Anonymity not allowed" (seed 000 §7.2.3.2 step 1; REQ: ALIAS-1).
pub(super) fn anonymity_refused() -> Refusal {
    (
        403,
        Some((WARN_ANONYMITY, ANONYMITY_NOT_ALLOWED.to_owned())),
        RejectReason::AnonymityNotAllowed,
    )
}

/// What the checks found out about a joiner.
pub(super) struct Admitted {
    pub(super) identity: Uri,
    pub(super) anonymous: bool,
    pub(super) private_messages: bool,
    /// The file, when the INVITE opens an inbound transfer leg (RFC 5547).
    pub(super) transfer: Option<TransferLeg>,
}

/// A failed check: status, Warning, reason.
pub(super) type Refusal = (u16, Option<(u16, String)>, RejectReason);

impl<H: TransportHandle> Control<H> {
    /// A new INVITE (no To tag).
    pub(super) fn on_invite(&mut self, now: Instant, key: ServerKey, request: &Request, handle: H) {
        let mut room_id = None;
        if let Err(refusal) = self.admit(now, key, request, handle, &mut room_id) {
            self.refuse(now, key, request, room_id, refusal);
        }
    }

    /// Answers an INVITE with its refusal (the Warning, the Min-SE of a 422, the Error-Info
    /// of a release not accepted) and reports it.
    pub(super) fn refuse(
        &mut self,
        now: Instant,
        key: ServerKey,
        request: &Request,
        room: Option<RoomId>,
        (status, warning, why): Refusal,
    ) {
        let mut b = Response::for_request(request, status, &mut self.ids());
        if let Some((code, text)) = warning {
            b = self.warning(b, code, &text);
        }
        b = self.with_min_se(b, status);
        if why == RejectReason::ReleaseNotSupported {
            // Seed 003 step 4: "an Error-Info header to explain reason".
            b = b.header(HeaderName::ErrorInfo, self.config.lmm.error_info.as_str());
        }
        self.send(now, key, b);
        self.reject_event(room, status, why);
    }

    /// The checks, then the join; `room_out` names the room once step 2 found it.
    fn admit(
        &mut self,
        now: Instant,
        key: ServerKey,
        request: &Request,
        handle: H,
        room_out: &mut Option<RoomId>,
    ) -> Result<(), Refusal> {
        let h = request.headers();
        if self.pending_count() >= self.config.limits.max_pending {
            return Err((503, None, RejectReason::Overloaded));
        }
        // REQ: LMM-1: a large message to a group has checks of its own (seed 003).
        if self.is_large_message(request) {
            return self.admit_large_message(now, key, request, handle, room_out);
        }
        // Step 1: the IM feature tag.
        let im = h
            .typed_all::<AcceptContact>()
            .filter_map(Result::ok)
            .any(|ac| ac.has_feature(OMA_SIP_IM));
        if !im {
            return Err((403, None, RejectReason::NotIm));
        }
        // REQ: FOC-4: an ad-hoc group from the conference factory (after step 3).
        if self.is_factory_request(request) {
            self.refuse_focus_contact(request)?;
            return self.admit_adhoc(now, key, request, handle, room_out);
        }
        // Step 2: a room of ours.
        let room_id = self.addressed_room(request)?;
        *room_out = Some(room_id);
        // Step 3: the request does not come from a focus.
        self.refuse_focus_contact(request)?;
        // Step 4: the authenticated originator (REQ: SEC-1) and the initiation policy.
        let Some(identity) = self.originator(request) else {
            return Err((403, None, RejectReason::NotAuthorized));
        };
        // A file for the room (RFC 5547): an inbound transfer leg, not a join.
        if self.is_file_offer(request) {
            return self.admit_file(now, key, request, handle, room_id, identity);
        }
        let Some(room) = self.rooms.get(&room_id) else {
            return Err((404, None, RejectReason::UnknownConference));
        };
        let active = !room.members.is_empty();
        if !room.config.policy.authorize(&identity, active) {
            return Err((403, None, RejectReason::NotAuthorized));
        }
        // Step 5: the joining policy.
        if !room.config.policy.may_join(&identity) {
            return Err((403, None, RejectReason::JoinNotAllowed));
        }
        // Step 6: anonymity (REQ: ALIAS-1).
        let anonymous = asks_anonymity(request);
        if anonymous && !room.config.policy.may_be_anonymous(&identity) {
            return Err(anonymity_refused());
        }
        // Capacity (before the media, so that a full room allocates nothing).
        if self.room_free(room_id) == 0 {
            return Err((
                486,
                Some((WARN_MISC, TOO_MANY_PARTICIPANTS.to_owned())),
                RejectReason::RoomFull,
            ));
        }
        let private_messages = room.config.policy.allows_private_messages(&identity);
        let (participant, pending) = self.prepare_join(
            key,
            request,
            handle,
            room_id,
            Admitted {
                identity,
                anonymous,
                private_messages,
                transfer: None,
            },
        )?;
        // REQ: FOC-3: the first INVITE to a pre-defined group without a session starts it.
        if self.starts_session(room_id) {
            return self.start_session(now, participant, pending);
        }
        self.hold_or_join(now, participant, pending)
    }

    /// Step 7 (the MSRP media) and the session interval of a request that passed the other
    /// checks, and the dialog: the join, ready to be answered.
    pub(super) fn prepare_join(
        &mut self,
        key: ServerKey,
        request: &Request,
        handle: H,
        room_id: RoomId,
        admitted: Admitted,
    ) -> Result<(ParticipantId, PendingJoin<H>), Refusal> {
        let Admitted {
            identity,
            anonymous,
            private_messages,
            transfer,
        } = admitted;
        let h = request.headers();
        let participant = ParticipantId(self.next_participant);
        let (session, answer, sdp_session_id) =
            self.negotiate(request, room_id, participant, transfer.is_some())?;
        self.next_participant = self.next_participant.saturating_add(1);
        // REQ: FOC-9: the session interval (422 when below our Min-SE).
        let timer = self.negotiate_timer(request)?;
        // The dialog, with the room identity marked as a focus (RFC 4579 §3.3; seed 003).
        let identity_uri = self
            .rooms
            .get(&room_id)
            .map(|r| Uri::from(r.config.identity.clone()))
            .ok_or((404, None, RejectReason::UnknownConference))?;
        let contact = NameAddr::new(identity_uri).with_param("isfocus", None);
        let mut ids = &mut *self.config.ids;
        let dialog = Dialog::new_uas(request, contact, &mut ids)
            .map_err(|_| (400, None, RejectReason::Invalid))?;
        let pending = PendingJoin {
            room: room_id,
            key,
            handle,
            request: request.clone(),
            dialog,
            session,
            answer,
            sdp_session_id,
            identity: identity.clone(),
            from: h
                .get(HeaderName::From)
                .map(|f| f.value())
                .unwrap_or_default(),
            anonymous,
            private_messages,
            release: release_version(request),
            timer,
            transfer,
        };
        Ok((participant, pending))
    }

    /// How many more participants `room` takes (its own limit, else the control's), counting
    /// the joins waiting.
    pub(super) fn room_free(&self, room: RoomId) -> usize {
        self.rooms.get(&room).map_or(0, |r| {
            let max = r
                .config
                .max_participants
                .unwrap_or(self.config.limits.max_participants);
            max.saturating_sub(r.members.len().saturating_add(r.pending))
        })
    }

    /// Step 3: 403 "isfocus already assigned" when the Contact is a focus.
    fn refuse_focus_contact(&self, request: &Request) -> Result<(), Refusal> {
        let focus = request
            .headers()
            .typed_all::<Contact>()
            .filter_map(Result::ok)
            .any(|c| c.is_focus());
        if focus {
            return Err((
                403,
                Some((WARN_MISC, ISFOCUS_ALREADY_ASSIGNED.to_owned())),
                RejectReason::IsFocusAssigned,
            ));
        }
        Ok(())
    }

    /// The room a request's Request-URI names, or the 404 of seed 002 §7.2.1.3 step 2.
    /// A group of the [`GroupDirectory`](super::GroupDirectory) becomes a room on its first
    /// request (REQ: FOC-3).
    pub(super) fn addressed_room(&mut self, request: &Request) -> Result<RoomId, Refusal> {
        let uri = match Uri::parse(&request.uri_bytes()) {
            Ok(Uri::Sip(uri)) => Some(uri),
            _ => None,
        };
        let mut room = uri
            .as_ref()
            .and_then(|u| self.room_index.get(&RoomKey::of(u)).copied());
        if room.is_none() {
            let found = uri
                .as_ref()
                .and_then(|u| self.config.directory.as_ref().and_then(|d| d.group(u)));
            if let Some(group) = found {
                room = self.serve_group(&group);
            }
        }
        room.ok_or_else(|| {
            (
                404,
                Some((WARN_MISC, CONFERENCE_URI_DOES_NOT_EXIST.to_owned())),
                RejectReason::UnknownConference,
            )
        })
    }

    /// The authenticated originator: the first P-Asserted-Identity, preferring a SIP URI
    /// (RFC 3325 §9.1 allows one SIP and one tel URI); without one, the From URI when
    /// [`ControlConfig::require_asserted_identity`](super::ControlConfig) is off.
    pub(super) fn originator(&self, request: &Request) -> Option<Uri> {
        let h = request.headers();
        let asserted: Vec<Uri> = h
            .typed_all::<PAssertedIdentity>()
            .filter_map(Result::ok)
            .map(|p| p.uri().clone())
            .collect();
        let sip = asserted.iter().find(|u| matches!(u, Uri::Sip(_)));
        if let Some(u) = sip.or(asserted.first()) {
            return Some(u.clone());
        }
        if self.config.require_asserted_identity {
            return None;
        }
        match h.typed::<simpleim_sip::header::From>() {
            Some(Ok(from)) => Some(from.uri().clone()),
            _ => None,
        }
    }

    /// Step 7: the SDP answer (REQ: FOC-2, SDP-3) with this participant's MSRP URI; for an
    /// inbound transfer leg (`file`), with the file-transfer capabilities.
    fn negotiate(
        &mut self,
        request: &Request,
        room: RoomId,
        participant: ParticipantId,
        file: bool,
    ) -> Result<(MsrpSession, Bytes, u64), Refusal> {
        // An SDP body, or the SDP part of an ad-hoc group's multipart body (REQ: FOC-4).
        let Some(body) = offer_bytes(request).filter(|b| !b.is_empty()) else {
            // An INVITE without an offer would need an offer in the 200 and the answer in the
            // ACK; the focus does not offer (RFC 3264 allows refusing it).
            return Err((
                488,
                Some((304, "SDP offer required".to_owned())),
                RejectReason::Media("no SDP offer".to_owned()),
            ));
        };
        let offer = SdpOffer::parse(body).map_err(|e| {
            (
                400,
                None,
                RejectReason::Media(format!("malformed SDP: {e}")),
            )
        })?;
        let local = self.new_local_uri()?;
        let caps = if file {
            self.file_capabilities(&local, "*")?
        } else {
            self.capabilities(&local, room)?
        };
        let origin = self.origin(participant.0, 1);
        let (answer, negotiated) = answer_session(&offer, &caps, &origin).map_err(|e| {
            let why = RejectReason::Media(e.to_string());
            let warning = e.warning().map(|(code, text)| (code, text.to_owned()));
            (e.status(), warning, why)
        })?;
        let session = MsrpSession {
            local,
            remote_path: negotiated.remote_path().clone(),
            max_size: negotiated.peer_max_size(),
            accept_types: negotiated.accept_types().to_vec(),
            accept_wrapped_types: negotiated.accept_wrapped_types().to_vec(),
            focus_connects: negotiated.connects(),
            cema: negotiated.cema(),
        };
        Ok((session, answer.to_bytes(), participant.0))
    }

    /// A fresh MSRP URI of the focus for one participant's session (its session-id drawn
    /// from the generator).
    pub(super) fn new_local_uri(&mut self) -> Result<MsrpUri, Refusal> {
        let id = self.config.ids.next_id(IdKind::CallId);
        let session_id = core::str::from_utf8(&id).unwrap_or("s");
        let m = &self.config.msrp;
        let host = match (m.host.parse::<Ipv4Addr>(), m.host.parse::<Ipv6Addr>()) {
            (Ok(a), _) => Host::V4(a),
            (_, Ok(a)) => Host::V6(a),
            _ => Host::Name(&m.host),
        };
        MsrpUri::new(m.scheme, host, Some(m.port), Some(session_id), &m.transport)
            .map_err(|_| (500, None, RejectReason::Internal))
    }

    /// The focus's MSRP capabilities for a participant of `room` whose URI is `local`.
    pub(super) fn capabilities(
        &self,
        local: &MsrpUri,
        room: RoomId,
    ) -> Result<MsrpCapabilities, Refusal> {
        self.capabilities_accepting(local, room, &self.config.accept_types)
    }

    /// As [`Control::capabilities`], accepting `types` only.
    pub(super) fn capabilities_accepting(
        &self,
        local: &MsrpUri,
        room: RoomId,
        types: &[MediaRange],
    ) -> Result<MsrpCapabilities, Refusal> {
        let path = Path::parse(&Bytes::from(local.to_string()))
            .map_err(|_| (500, None, RejectReason::Internal))?;
        let Some(accept) = AcceptTypes::from_ranges(types.iter().cloned()) else {
            return Err((
                488,
                Some((305, "no accept-types configured".to_owned())),
                RejectReason::Media("no accept-types configured".to_owned()),
            ));
        };
        let mut caps = MsrpCapabilities::builder(path, accept).setup(self.config.setup);
        if let Some(size) = self.config.max_size {
            caps = caps.max_size(size);
        }
        if let Some(wrapped) = self.rooms.get(&room).and_then(|r| {
            AcceptWrappedTypes::from_ranges(r.config.accept_wrapped_types.iter().cloned())
        }) {
            caps = caps.accept_wrapped_types(wrapped);
        }
        Ok(caps.build())
    }

    /// The `o=` of the focus's SDP: `-`, the given session id and version, the configured
    /// address.
    pub(super) fn origin(&self, session_id: u64, version: u64) -> Origin<'_> {
        let address = self.config.sdp_address.as_str();
        Origin {
            username: "-",
            session_id,
            session_version: version,
            net_type: "IN",
            addr_type: if address.parse::<Ipv6Addr>().is_ok() {
                "IP6"
            } else {
                "IP4"
            },
            unicast_address: address,
        }
    }

    /// Sends the 200 for a join and makes it a participant (REQ: FOC-2). `body` replaces the
    /// SDP answer (the composed focus's multipart/mixed for an anonymous joiner, REQ:
    /// ALIAS-3); it must contain that answer.
    pub(super) fn join(
        &mut self,
        now: Instant,
        participant: ParticipantId,
        pending: PendingJoin<H>,
        body: Option<(String, Bytes)>,
    ) -> Result<(), CommandError> {
        let PendingJoin {
            room,
            key,
            handle,
            request,
            mut dialog,
            session,
            answer,
            sdp_session_id,
            identity,
            from,
            anonymous,
            private_messages,
            release,
            timer,
            transfer,
        } = pending;
        let b = dialog.respond(&request, 200)?;
        let b = self.with_allow(b);
        let b = match &timer {
            Some(n) => n.apply_to_response(b).typed(&Supported::new("timer")),
            None => b,
        };
        let peer_allows_update = allows_update(request.headers());
        let b = match &body {
            Some((content_type, bytes)) => b.body(content_type, bytes.clone()),
            None => b.body("application/sdp", answer),
        };
        let ok = b.typed(&self.config.server).build()?;
        self.layer.send_response(now, key, ok)?;
        self.awaiting_ack.insert(key, participant);
        self.enter(
            participant,
            Participant {
                room,
                identity: identity.clone(),
                handle,
                dialog,
                session,
                sdp_version: 1,
                sdp_session_id,
                invite: Some(key),
                timer: SessionTimer::new(),
                peer_allows_update,
                refreshing: None,
                transfer,
            },
            Entry {
                identity,
                from,
                anonymous,
                private_messages,
                release,
            },
        );
        self.timer_negotiated(now, participant, timer);
        Ok(())
    }
}

/// Who a new participant is, for [`ControlEvent::Joined`].
pub(super) struct Entry {
    pub(super) identity: Uri,
    pub(super) from: Bytes,
    pub(super) anonymous: bool,
    pub(super) private_messages: bool,
    pub(super) release: Option<Bytes>,
}

impl<H: TransportHandle> Control<H> {
    /// `b` with the focus's Min-SE when it is a 422 (RFC 4028 §6).
    pub(super) fn with_min_se(&self, b: ResponseBuilder, status: u16) -> ResponseBuilder {
        match (&self.config.session_timer, status) {
            (Some(t), 422) => b.typed(&MinSe::new(t.local_min_se())),
            _ => b,
        }
    }

    /// A participant enters its room: indexed by dialog, listed, announced. A transfer leg
    /// is indexed and announced only ([`ControlEvent::TransferOpened`]).
    pub(super) fn enter(&mut self, participant: ParticipantId, p: Participant<H>, entry: Entry) {
        let room = p.room;
        self.by_dialog.insert(p.dialog.id().clone(), participant);
        if let Some(leg) = &p.transfer {
            self.events.push_back(ControlEvent::TransferOpened {
                room,
                participant,
                leg: Box::new(leg.clone()),
                msrp: Box::new(p.session.clone()),
            });
            self.transfers = self.transfers.saturating_add(1);
            self.participants.insert(participant, p);
            return;
        }
        if let Some(r) = self.rooms.get_mut(&room) {
            r.members.push(participant);
        }
        self.events.push_back(ControlEvent::Joined {
            room,
            participant,
            identity: entry.identity,
            from: entry.from,
            anonymous: entry.anonymous,
            private_messages: entry.private_messages,
            msrp: Box::new(p.session.clone()),
            release: entry.release,
        });
        self.participants.insert(participant, p);
    }
}

/// The OMA IM release version in the User-Agent (`IM-client/OMA1.0`) or Server
/// (`IM-serv/OMA1.0`, when another IM server forwards) of `request`.
pub(super) fn release_version(request: &Request) -> Option<Bytes> {
    let h = request.headers();
    if let Some(Ok(ua)) = h.typed::<UserAgent>() {
        for product in [IM_CLIENT_PRODUCT, IM_SERVER_PRODUCT] {
            if let Some(v) = ua.product_version(product) {
                return Some(Bytes::copy_from_slice(v));
            }
        }
    }
    if let Some(Ok(server)) = h.typed::<Server>() {
        return server
            .product_version(IM_SERVER_PRODUCT)
            .map(Bytes::copy_from_slice);
    }
    None
}
