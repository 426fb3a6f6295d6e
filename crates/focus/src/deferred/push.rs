//! Pushing a user's stored messages (REQ: DEF-2; seed 004 App. H), its SIP side: INVITE with
//! an MSRP offer, the ACK of its 2xx, the MSRP session made from the answer, BYE (or CANCEL)
//! at the end. The MSRP side is in `delivery.rs`.

use std::collections::VecDeque;
use std::fmt;
use std::hash::Hash;
use std::net::Ipv6Addr;
use std::time::Instant;

use bytes::Bytes;
use simpleim_msrp::{Host, MatchMode, MessageId, MsrpUri, Session, SessionConfig};
use simpleim_sdp::Origin;
use simpleim_sdp::attr::{AcceptTypes, MediaRange, Path};
use simpleim_sdp::negotiate::{MsrpCapabilities, Offerer, PendingOffer, SdpAnswer};
use simpleim_sip::dialog::{Dialog, DialogState, SentBy};
use simpleim_sip::header::{CSeq, OMA_SIP_IM};
use simpleim_sip::transaction::cancel_request;
use simpleim_sip::{HeaderName, IdKind, Method, Request, Response};

use super::event::{
    ConnectionCloseReason, DeferredEvent, DeferredTransmit, PushConnect, PushEnd, PushId,
};
use super::store::{DeferredStore, StoredId};
use super::user::Aor;
use super::{Deferred, Encapsulation};

/// Where a push is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    /// The INVITE is out, no final response yet.
    Inviting,
    /// The 2xx came and was ACKed; waiting for the MSRP connection.
    Connecting,
    /// The connection is bound: messages flow.
    Sending,
    /// The push ended before its INVITE was answered: a CANCEL went, and a 2xx that crosses
    /// it is ACKed and ended with BYE.
    Cancelling,
}

/// One push.
pub(super) struct Push<H, C> {
    pub(super) user: Aor,
    handle: H,
    call_id: Bytes,
    invite: Request,
    offer: Option<PendingOffer>,
    /// The URI of the service's end of the MSRP session.
    local: MsrpUri,
    pub(super) state: State,
    pub(super) dialog: Option<Dialog>,
    /// The ACK of the 2xx, sent again for a retransmitted 2xx.
    ack: Option<Request>,
    pub(super) session: Option<Session>,
    pub(super) conn: Option<C>,
    /// Whether the service opens the connection (its negotiated role is `active`).
    pub(super) active: bool,
    /// Messages handed to the session and not yet acknowledged, in order.
    pub(super) in_flight: VecDeque<(MessageId, StoredId)>,
    /// The last stored message handed to the session (or skipped).
    pub(super) cursor: Option<StoredId>,
    pub(super) delivered: usize,
    /// When the current step gives up.
    pub(super) deadline: Option<Instant>,
}

impl<H, C> Push<H, C> {
    /// The earliest instant something of this push is due.
    pub(super) fn next_timeout(&self) -> Option<Instant> {
        let session = self.session.as_ref().and_then(Session::poll_timeout);
        match (self.deadline, session) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl<H, C, S> Deferred<H, C, S>
where
    H: Clone + fmt::Debug,
    C: Clone + Eq + Hash + fmt::Debug,
    S: DeferredStore,
{
    /// Starts pushing `user`'s stored messages, if it is registered, has some, and has no
    /// push; beyond [`DeferredLimits::max_pushes`](super::DeferredLimits) it waits.
    pub(super) fn start_push(&mut self, now: Instant, user: &Aor) {
        if self.by_user.contains_key(user) {
            return;
        }
        let Some(registration) = self.registrations.get(user).cloned() else {
            return;
        };
        match self.store.list(user, None, 1) {
            Ok(list) if !list.is_empty() => {}
            _ => return,
        }
        if self.by_user.len() >= self.config.limits.max_pushes {
            if !self.waiting.contains(user) {
                self.waiting.push_back(user.clone());
            }
            return;
        }
        let id = PushId(self.next_push);
        let sent_by = self
            .config
            .sent_by
            .on_transport(registration.transport.as_deref());
        let Some((push, invite)) =
            self.invite(id, user, &registration.uri, registration.handle, &sent_by)
        else {
            return;
        };
        self.next_push = self.next_push.saturating_add(1);
        self.by_user.insert(user.clone(), id);
        self.by_call.insert(push.call_id.clone(), id);
        let handle = push.handle.clone();
        let mut push = push;
        push.deadline = now.checked_add(self.config.invite_timeout);
        self.pushes.insert(id, push);
        self.transmit.push_back(DeferredTransmit::Request {
            handle,
            request: Box::new(invite),
        });
        self.events.push_back(DeferredEvent::PushStarted {
            push: id,
            user: user.clone(),
        });
    }

    /// Starts waiting pushes while there is room.
    fn start_waiting(&mut self, now: Instant) {
        while self.by_user.len() < self.config.limits.max_pushes {
            let Some(user) = self.waiting.pop_front() else {
                return;
            };
            self.start_push(now, &user);
        }
    }

    /// The push's INVITE (seed 004 App. H step 2): to the registered URI, with the IM
    /// feature tag in Accept-Contact and an MSRP offer.
    fn invite(
        &mut self,
        id: PushId,
        user: &Aor,
        uri: &Bytes,
        handle: H,
        sent_by: &SentBy,
    ) -> Option<(Push<H, C>, Request)> {
        let local = self.new_local_uri()?;
        let how = self.config.encapsulation;
        let types = match how {
            Encapsulation::Cpim => "message/cpim",
            Encapsulation::MessageSip => "message/sip message/cpim",
        };
        let caps = MsrpCapabilities::builder(
            Path::parse(&Bytes::from(local.to_string())).ok()?,
            AcceptTypes::parse(&Bytes::from_static(types.as_bytes())).ok()?,
        )
        .setup(self.config.setup)
        .build();
        let host = self.config.msrp.host.clone();
        let origin = Origin {
            username: "-",
            session_id: id.0,
            session_version: 1,
            net_type: "IN",
            addr_type: if host.parse::<Ipv6Addr>().is_ok() {
                "IP6"
            } else {
                "IP4"
            },
            unicast_address: &host,
        };
        let (offer, sdp) = Offerer::new(caps).create_offer(&origin).ok()?;
        let tag = self.sip_id(IdKind::Tag);
        let call_id = self.sip_id(IdKind::CallId);
        let via = sent_by.via(&mut self.config.sip_ids.as_mut());
        let from = self
            .config
            .identity
            .clone()
            .with_tag(core::str::from_utf8(&tag).ok()?);
        let uri = String::from_utf8_lossy(uri);
        let invite = Request::builder(Method::Invite, &uri)
            .typed(&via)
            .header(HeaderName::MaxForwards, 70)
            .header(HeaderName::From, from)
            .header(HeaderName::To, format!("<{uri}>"))
            .header_named("Call-ID", &call_id)
            .typed(&CSeq::new(1, Method::Invite))
            .header(HeaderName::Contact, &self.config.contact)
            .header(HeaderName::AcceptContact, format!("*;{OMA_SIP_IM}"))
            .body("application/sdp", sdp.to_bytes())
            .build()
            .ok()?;
        let push = Push {
            user: user.clone(),
            handle,
            call_id,
            invite: invite.clone(),
            offer: Some(offer),
            local,
            state: State::Inviting,
            dialog: None,
            ack: None,
            session: None,
            conn: None,
            active: false,
            in_flight: VecDeque::new(),
            cursor: None,
            delivered: 0,
            deadline: None,
        };
        Some((push, invite))
    }

    /// A fresh URI of the service's MSRP endpoint (its session-id from the generator).
    fn new_local_uri(&mut self) -> Option<MsrpUri> {
        let session_id = self.ids.message_id();
        let m = &self.config.msrp;
        let host = match (
            m.host.parse::<std::net::Ipv4Addr>(),
            m.host.parse::<Ipv6Addr>(),
        ) {
            (Ok(a), _) => Host::V4(a),
            (_, Ok(a)) => Host::V6(a),
            _ => Host::Name(&m.host),
        };
        MsrpUri::new(
            m.scheme,
            host,
            Some(m.port),
            Some(session_id.as_str()),
            &m.transport,
        )
        .ok()
    }

    fn demux_remove(&mut self, local: &MsrpUri) {
        let _ = self.demux.remove(local);
    }

    // --- responses to the service's requests -------------------------------------------------

    /// A final or provisional response to one of the service's requests (the push's INVITE:
    /// a 2xx is ACKed and starts the MSRP side, a 3xx-6xx ends the push; responses to CANCEL
    /// and BYE change nothing). Responses that are not for the service are ignored.
    pub fn handle_response(&mut self, now: Instant, response: &Response) {
        let h = response.headers();
        let Some(Ok(cseq)) = h.typed::<CSeq>() else {
            return;
        };
        if *cseq.method() != Method::Invite || response.code() < 200 {
            return;
        }
        let Some(call_id) = h
            .typed::<simpleim_sip::header::CallId>()
            .and_then(Result::ok)
        else {
            return;
        };
        let Some(id) = self.by_call.get(call_id.as_bytes()).copied() else {
            return;
        };
        let Some(state) = self.pushes.get(&id).map(|p| p.state) else {
            return;
        };
        let code = response.code();
        match state {
            State::Inviting if (200..300).contains(&code) => self.on_accepted(now, id, response),
            State::Inviting => {
                if let Some(p) = self.pushes.get_mut(&id) {
                    // The final response ends the INVITE: nothing to cancel.
                    p.state = State::Connecting;
                }
                self.end_push(now, id, PushEnd::Rejected { status: code });
            }
            State::Cancelling if (200..300).contains(&code) => {
                // The 2xx crossed our CANCEL: ACK it and hang up (RFC 3261 §15).
                let crossed = self.pushes.get(&id).and_then(|p| {
                    Dialog::new_uac(&p.invite, response)
                        .ok()
                        .map(|d| (d, p.handle.clone(), self.sent_by_of(&p.invite)))
                });
                if let Some((mut dialog, handle, sent_by)) = crossed {
                    self.send_ack(handle.clone(), &sent_by, &dialog, response);
                    self.send_bye(handle, &sent_by, &mut dialog);
                }
                self.forget(id);
            }
            State::Cancelling => self.forget(id),
            State::Connecting | State::Sending if (200..300).contains(&code) => {
                let Some(p) = self.pushes.get(&id) else {
                    return;
                };
                let same = p.dialog.as_ref().is_some_and(|d| {
                    simpleim_sip::dialog::DialogId::of_incoming_response(response).as_ref()
                        == Some(d.id())
                });
                if same {
                    // A retransmitted 2xx: the same ACK again (RFC 3261 §13.2.2.4).
                    if let Some(ack) = &p.ack {
                        self.transmit.push_back(DeferredTransmit::Ack {
                            handle: p.handle.clone(),
                            request: Box::new(ack.clone()),
                        });
                    }
                } else if let Ok(mut fork) = Dialog::new_uac(&p.invite, response) {
                    // A 2xx from another fork (RFC 3261 §13.2.2.4): ACK it and hang up.
                    let handle = p.handle.clone();
                    let sent_by = self.sent_by_of(&p.invite);
                    self.send_ack(handle.clone(), &sent_by, &fork, response);
                    self.send_bye(handle, &sent_by, &mut fork);
                }
            }
            State::Connecting | State::Sending => {}
        }
    }

    /// A request of the service's got no response: the transaction timed out (`status`
    /// 408) or its transport failed (503). An INVITE's push ends with
    /// [`PushEnd::NoAnswer`]; other requests change nothing.
    pub fn handle_request_failed(&mut self, now: Instant, request: &Request, status: u16) {
        if *request.method() != Method::Invite {
            return;
        }
        let Some(id) = Self::call_id(request).and_then(|c| self.by_call.get(&c).copied()) else {
            return;
        };
        match self.pushes.get(&id).map(|p| p.state) {
            Some(State::Inviting) => {
                if let Some(p) = self.pushes.get_mut(&id) {
                    p.state = State::Connecting;
                }
                self.end_push(now, id, PushEnd::NoAnswer { status });
            }
            Some(State::Cancelling) => self.forget(id),
            _ => {}
        }
    }

    fn call_id(request: &Request) -> Option<Bytes> {
        request
            .headers()
            .typed::<simpleim_sip::header::CallId>()
            .and_then(Result::ok)
            .map(|c| c.as_bytes().clone())
    }

    /// The 2xx to the push's INVITE: the dialog, the ACK (seed 004 App. H step 6), the
    /// answer checked, the MSRP session made; then wait for the connection.
    fn on_accepted(&mut self, now: Instant, id: PushId, response: &Response) {
        let Some(p) = self.pushes.get_mut(&id) else {
            return;
        };
        p.state = State::Connecting;
        let Ok(dialog) = Dialog::new_uac(&p.invite, response) else {
            // No Contact, or not our dialog: it cannot even be ACKed.
            self.end_push(now, id, PushEnd::BadAnswer);
            return;
        };
        let handle = p.handle.clone();
        let transport = via_transport(&p.invite);
        let sent_by = self.config.sent_by.on_transport(transport.as_deref());
        let ack = self.send_ack(handle, &sent_by, &dialog, response);
        let Some(p) = self.pushes.get_mut(&id) else {
            return;
        };
        p.ack = ack;
        p.dialog = Some(dialog);
        let negotiated = SdpAnswer::parse(response.body())
            .ok()
            .zip(p.offer.take())
            .and_then(|(answer, offer)| offer.accept_answer(answer).ok());
        let ours = MediaRange::parse(&Bytes::from_static(
            self.config.encapsulation.content_type().as_bytes(),
        ));
        let usable = negotiated.filter(|n| {
            ours.as_ref()
                .is_ok_and(|ours| n.accept_types().iter().any(|r| r.covers(ours)))
        });
        let remote = usable.as_ref().and_then(|n| {
            simpleim_msrp::Path::parse(Bytes::from(n.remote_path().to_string())).ok()
        });
        let (Some(n), Some(remote)) = (usable, remote) else {
            self.end_push(now, id, PushEnd::BadAnswer);
            return;
        };
        let mut config =
            SessionConfig::new(p.local.clone(), remote.clone(), (self.config.msrp_ids)());
        config.chunk_size = self.config.chunk_size;
        config.remote_max_size = n.peer_max_size();
        // Nothing but a bodiless SEND is expected from the client.
        config.max_message_size = 64 * 1024;
        config.max_outgoing = self.config.limits.max_in_flight;
        config.decoder_limits = self.config.limits.msrp;
        p.session = Some(Session::new(config));
        p.active = n.connects();
        p.deadline = now.checked_add(self.config.connect_timeout);
        let local = p.local.clone();
        if self.demux.insert(local, MatchMode::FullUri, id).is_err() {
            self.end_push(now, id, PushEnd::BadAnswer);
            return;
        }
        if n.connects() {
            self.connects.push_back(PushConnect {
                push: id,
                to: remote.first().clone(),
            });
        }
    }

    /// The sent-by of the requests of a push: the configured one on the transport its INVITE
    /// went on (RFC 3261 §18.1.1).
    fn sent_by_of(&self, invite: &Request) -> SentBy {
        self.config
            .sent_by
            .on_transport(via_transport(invite).as_deref())
    }

    /// Sends the ACK of `response` in `dialog` (RFC 3261 §13.2.2.4) and returns it.
    fn send_ack(
        &mut self,
        handle: H,
        sent_by: &SentBy,
        dialog: &Dialog,
        response: &Response,
    ) -> Option<Request> {
        let ack = {
            let mut ids = self.config.sip_ids.as_mut();
            dialog
                .ack(response, sent_by, &mut ids)
                .ok()
                .and_then(|b| b.build().ok())
        }?;
        self.transmit.push_back(DeferredTransmit::Ack {
            handle,
            request: Box::new(ack.clone()),
        });
        Some(ack)
    }

    /// Sends a BYE in `dialog` unless it is over.
    fn send_bye(&mut self, handle: H, sent_by: &SentBy, dialog: &mut Dialog) {
        if dialog.state() == DialogState::Terminated {
            return;
        }
        let bye = {
            let mut ids = self.config.sip_ids.as_mut();
            dialog
                .request(Method::Bye, sent_by, &mut ids)
                .ok()
                .and_then(|b| b.build().ok())
        };
        if let Some(bye) = bye {
            self.transmit.push_back(DeferredTransmit::Request {
                handle,
                request: Box::new(bye),
            });
        }
    }

    // --- ending ------------------------------------------------------------------------------

    /// Ends a push (messages not confirmed stay stored): BYE when its dialog is up, CANCEL
    /// when its INVITE is unanswered, the connection handed back, [`DeferredEvent::PushEnded`],
    /// and a waiting push may start.
    pub(super) fn end_push(&mut self, now: Instant, id: PushId, end: PushEnd) {
        let Some(mut p) = self.pushes.remove(&id) else {
            return;
        };
        if p.state == State::Cancelling {
            self.by_call.remove(&p.call_id);
            return;
        }
        if self.by_user.get(&p.user) == Some(&id) {
            self.by_user.remove(&p.user);
        }
        self.demux_remove(&p.local);
        if let Some(conn) = p.conn.take() {
            if self.connections.remove(&conn).is_some() {
                self.events.push_back(DeferredEvent::CloseConnection {
                    conn,
                    reason: ConnectionCloseReason::Unused,
                });
            }
        }
        let user = p.user.clone();
        let delivered = p.delivered;
        if p.state == State::Inviting {
            // RFC 3261 §9.1: give up on the INVITE; a 2xx that crosses the CANCEL is ACKed
            // and hung up. At most `max_pushes` cancelled INVITEs are remembered.
            if let Ok(cancel) = cancel_request(&p.invite) {
                self.transmit.push_back(DeferredTransmit::Request {
                    handle: p.handle.clone(),
                    request: Box::new(cancel),
                });
            }
            let cancelling = self
                .pushes
                .values()
                .filter(|x| x.state == State::Cancelling)
                .count();
            if cancelling < self.config.limits.max_pushes {
                p.state = State::Cancelling;
                p.session = None;
                p.deadline = now.checked_add(self.config.cancel_timeout);
                self.pushes.insert(id, p);
            } else {
                self.by_call.remove(&p.call_id);
            }
        } else {
            self.by_call.remove(&p.call_id);
            if let Some(mut dialog) = p.dialog.take() {
                let sent_by = self.sent_by_of(&p.invite);
                self.send_bye(p.handle.clone(), &sent_by, &mut dialog);
            }
        }
        self.events.push_back(DeferredEvent::PushEnded {
            push: id,
            user,
            end,
            delivered,
        });
        self.start_waiting(now);
    }

    /// Drops a cancelled push for good.
    fn forget(&mut self, id: PushId) {
        if let Some(p) = self.pushes.remove(&id) {
            self.by_call.remove(&p.call_id);
        }
    }

    /// Deadlines of pushes and their MSRP sessions.
    pub(super) fn expire_pushes(&mut self, now: Instant) {
        let due: Vec<(PushId, State, bool)> = self
            .pushes
            .iter()
            .filter(|(_, p)| p.next_timeout().is_some_and(|t| t <= now))
            .map(|(id, p)| (*id, p.state, p.deadline.is_some_and(|t| t <= now)))
            .collect();
        for (id, state, deadline) in due {
            match (state, deadline) {
                (State::Inviting, true) => {
                    self.end_push(now, id, PushEnd::NoAnswer { status: 408 })
                }
                (State::Cancelling, true) => self.forget(id),
                (State::Connecting, true) => self.end_push(now, id, PushEnd::ConnectTimeout),
                _ => {
                    if let Some(s) = self.pushes.get_mut(&id).and_then(|p| p.session.as_mut()) {
                        s.handle_timeout(now);
                    }
                    self.drive_push(now, id);
                }
            }
        }
    }
}

/// The transport of a request's top Via (`TCP`, `UDP`, ...), if it has one.
pub(super) fn via_transport(request: &Request) -> Option<String> {
    let via = request
        .headers()
        .typed::<simpleim_sip::header::Via>()?
        .ok()?;
    core::str::from_utf8(via.transport())
        .ok()
        .map(str::to_owned)
}
