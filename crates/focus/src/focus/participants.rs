//! Participants: the alias at join (REQ: ALIAS-2, ALIAS-3), the switch and the conference
//! state at join and leave (REQ: SW-2, FOC-2, FOC-6), NICKNAME (REQ: CHAT-1).

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use simpleim_cpim::Address;
use simpleim_msrp::{FrameHead, MatchMode, MsrpUri, Path, ResponseBuilder, TransactionId};
use simpleim_sip::transaction::TransportHandle;
use simpleim_sip::{NameAddr, Uri};

use super::event::{CloseReason, Connect, FocusEvent};
use super::{Focus, Pending};
use crate::alias::{AliasError, RequestedUri, alias_join_body};
use crate::conference_info::{Change, DisconnectionMethod, Member};
use crate::control::{LeaveReason, MsrpSession, ParticipantId, RoomId};
use crate::switch::ParticipantMsrp;

/// A participant the focus serves.
pub(super) struct Participant<C> {
    pub(super) room: RoomId,
    /// Its authenticated identity (P-Asserted-Identity, SEC-1).
    pub(super) identity: Uri,
    /// The focus's URI for its session (the Demux key).
    pub(super) local: MsrpUri,
    /// Its `a=path`.
    pub(super) remote: Path,
    /// The hop to connect to when the focus is the active side.
    pub(super) connect_to: Option<MsrpUri>,
    /// The MSRP connection, once bound.
    pub(super) conn: Option<C>,
    /// The bodiless SEND the focus sent to open the connection, until answered.
    pub(super) bind_tid: Option<TransactionId>,
}

/// What the control plane decided about a joiner, beside its session: anonymity, the IM
/// release version of its next hop, and whether the policy lets it send private messages.
struct Admission {
    anonymous: bool,
    release: Option<Bytes>,
    private_messages: bool,
}

impl<H, C> Focus<H, C>
where
    H: TransportHandle + Clone,
    C: Clone + Eq + Hash + Ord + fmt::Debug,
{
    /// A join passed the checks: reserve the alias and send the 200 (ALIAS-2, ALIAS-3).
    pub(super) fn on_join_pending(
        &mut self,
        now: Instant,
        room: RoomId,
        participant: ParticipantId,
        identity: &Uri,
        from: &Bytes,
        anonymous: bool,
    ) {
        let Some(r) = self.rooms.get_mut(&room) else {
            let _ = self.control.reject_join(now, participant, 500);
            return;
        };
        // The alias asked for is the display name of From (for an anonymous user too: seed
        // 001 §7.2.3.2); its URI part never reaches anyone when anonymous (SEC-1).
        let display = NameAddr::parse(from)
            .ok()
            .and_then(|n| n.display_name_text().map(|d| d.into_owned()))
            .filter(|d| !d.trim().is_empty());
        let identity_text = identity.to_string();
        let uri = if anonymous {
            RequestedUri::Anonymous
        } else {
            RequestedUri::Given(&identity_text)
        };
        let assignment = match r.aliases.join(participant, display.as_deref(), uri) {
            Ok(a) => a,
            Err(e) => {
                let status = if e == AliasError::Exhausted { 486 } else { 403 };
                let _ = self.control.reject_join(now, participant, status);
                return;
            }
        };
        // REQ: ALIAS-3: an anonymous joiner, or one whose alias differs from what it asked
        // for, learns its alias from a message/cpim part beside the SDP answer.
        let body = if anonymous || assignment.changed {
            let sdp = self.control.pending_answer(participant).cloned();
            let boundary = format!("alias-{}", self.ids.message_id().as_str());
            let conference = Address::uri_only(Bytes::from(r.identity.clone()));
            sdp.and_then(|sdp| alias_join_body(conference, &assignment.alias, sdp, &boundary).ok())
                .and_then(|b| Some((String::from_utf8(b.content_type.to_vec()).ok()?, b.body)))
        } else {
            None
        };
        if self.control.accept_join(now, participant, body).is_err() {
            if let Some(r) = self.rooms.get_mut(&room) {
                r.aliases.release(&participant);
            }
        }
    }

    /// The alias of a member the focus invited itself (REQ: FOC-3, ALIAS-2): its display
    /// name (from its 200's To, else the group's member list), made unique as for joiners.
    pub(super) fn assign_member_alias(
        &mut self,
        room: RoomId,
        participant: ParticipantId,
        identity: &Uri,
        from: &Bytes,
    ) {
        let display = NameAddr::parse(from)
            .ok()
            .and_then(|n| n.display_name_text().map(|d| d.into_owned()))
            .filter(|d| !d.trim().is_empty());
        let identity_text = identity.to_string();
        if let Some(r) = self.rooms.get_mut(&room) {
            let _ = r.aliases.join(
                participant,
                display.as_deref(),
                RequestedUri::Given(&identity_text),
            );
        }
    }

    /// The 200 went: the participant enters the switch and the conference state (SW-2,
    /// FOC-2).
    #[allow(
        clippy::too_many_arguments,
        reason = "the fields of ControlEvent::Joined"
    )]
    pub(super) fn on_joined(
        &mut self,
        now: Instant,
        room: RoomId,
        participant: ParticipantId,
        identity: Uri,
        anonymous: bool,
        msrp: &MsrpSession,
        release: Option<Bytes>,
        private_messages: bool,
    ) {
        let admission = Admission {
            anonymous,
            release,
            private_messages,
        };
        match self.admit(now, room, participant, &identity, msrp, admission) {
            Some(change) => {
                let alias = self.alias(participant).cloned();
                self.set_own_subscriptions(room, &identity, participant);
                self.notify_change(now, room, &change);
                if let Some(alias) = alias {
                    self.events.push_back(FocusEvent::Joined {
                        room,
                        participant,
                        identity,
                        alias,
                        anonymous,
                    });
                }
            }
            None => {
                // Cannot be served (a limit, an unusable path): it leaves again with a BYE.
                let _ = self.control.remove_participant(now, participant);
            }
        }
    }

    fn admit(
        &mut self,
        now: Instant,
        room: RoomId,
        participant: ParticipantId,
        identity: &Uri,
        msrp: &MsrpSession,
        admission: Admission,
    ) -> Option<Change> {
        let Admission {
            anonymous,
            release,
            private_messages,
        } = admission;
        let remote = Path::parse_str(&msrp.remote_path.to_string()).ok()?;
        let endpoint = self
            .control
            .remote_target(participant)
            .map_or_else(|| identity.to_string(), ToString::to_string);
        let r = self.rooms.get_mut(&room)?;
        let alias = r.aliases.get(&participant)?.clone();
        // REQ: SW-3, SEC-1: an anonymous participant writes (and is checked) as its alias URI.
        let cpim_identity = if anonymous {
            alias.uri().to_owned()
        } else {
            identity.to_string()
        };
        let mut info = ParticipantMsrp::new(msrp.local.clone(), remote.clone(), cpim_identity);
        info.display_name = alias.display_name().map(str::to_owned);
        info.alias = alias.display_name().map(str::to_owned);
        info.max_size = msrp.max_size;
        info.accept_types = msrp.accept_types.iter().map(ToString::to_string).collect();
        info.accept_wrapped_types = msrp
            .accept_wrapped_types
            .iter()
            .map(ToString::to_string)
            .collect();
        info.private_messages_ok = release.is_some();
        // REQ: SW-8 a — the group's `<allow-private-message>` for this sender, enforced by the
        // switch (the room-wide flag is the switch's own).
        info.may_send_private = private_messages;
        let mode = if msrp.cema {
            MatchMode::SessionId
        } else {
            MatchMode::FullUri
        };
        self.demux
            .insert(msrp.local.clone(), mode, participant)
            .ok()?;
        let member = if anonymous {
            Member::private(&alias)
        } else {
            Member::public(&identity.to_string(), alias.display_name(), &endpoint)
        };
        let added = r.switch.add_participant(participant, info).is_ok();
        let change = added
            .then(|| r.state.join(participant, member).ok())
            .flatten();
        let Some(change) = change else {
            r.switch.remove_participant(participant);
            self.demux.remove(&msrp.local);
            return None;
        };
        // Nothing is written until its connection is bound.
        r.switch.set_writable(participant, false);
        self.participants.insert(
            participant,
            Participant {
                room,
                identity: identity.clone(),
                local: msrp.local.clone(),
                connect_to: msrp.focus_connects.then(|| remote.first().clone()),
                remote,
                conn: None,
                bind_tid: None,
            },
        );
        self.deadlines.insert((
            now + self.limits.bind_timeout,
            Pending::Participant(participant),
        ));
        Some(change)
    }

    /// The ACK arrived: if the focus is the active side, it opens the connection now (seed
    /// 003: "Upon receiving a SIP ACK ... establish TCP connection").
    pub(super) fn on_confirmed(&mut self, participant: ParticipantId) {
        if let Some(to) = self
            .participants
            .get(&participant)
            .and_then(|p| p.connect_to.clone())
        {
            self.connects.push_back(Connect { participant, to });
        }
    }

    /// A participant left: release it everywhere (FOC-6).
    pub(super) fn on_left(
        &mut self,
        now: Instant,
        room: RoomId,
        participant: ParticipantId,
        reason: LeaveReason,
    ) {
        self.drop_connection(participant, CloseReason::Unused);
        let Some(p) = self.participants.remove(&participant) else {
            // It never got as far as the switch: only the alias may be held.
            if let Some(r) = self.rooms.get_mut(&room) {
                r.aliases.release(&participant);
            }
            return;
        };
        self.demux.remove(&p.local);
        let method = match reason {
            LeaveReason::Bye => DisconnectionMethod::Departed,
            LeaveReason::NoAck => DisconnectionMethod::Failed,
            _ => DisconnectionMethod::Booted,
        };
        let change = self.rooms.get_mut(&room).and_then(|r| {
            r.switch.remove_participant(participant);
            r.aliases.release(&participant);
            r.state.leave(&participant, method)
        });
        if let Some(change) = change {
            self.notify_change(now, room, &change);
        }
        self.events.push_back(FocusEvent::Left {
            room,
            participant,
            reason,
        });
    }

    /// RFC 7701 NICKNAME (REQ: CHAT-1): 200, 424 or 425 through the switch.
    pub(super) fn on_nickname(
        &mut self,
        now: Instant,
        room: RoomId,
        from: ParticipantId,
        head: &FrameHead,
    ) {
        let Some(r) = self.rooms.get_mut(&room) else {
            return;
        };
        let outcome = match head.use_nickname() {
            Ok(Some(nick)) => r.aliases.rename(&from, &nick).cloned(),
            // No Use-Nickname, or one that does not parse.
            _ => Err(AliasError::Malformed(crate::alias::Malformation::Empty)),
        };
        let status = match &outcome {
            Ok(_) => 200,
            Err(e) => e.msrp_status(),
        };
        let mut out = BytesMut::new();
        if ResponseBuilder::for_request(head, status)
            .encode(&mut out)
            .is_ok()
        {
            let _ = r.switch.push_frame(from, out.freeze());
        }
        match outcome {
            Ok(alias) => {
                let _ = r
                    .switch
                    .set_alias(from, alias.display_name().map(str::to_owned));
                let change = r.state.set_display_text(&from, alias.display_name());
                if let Some(change) = change {
                    self.notify_change(now, room, &change);
                }
                self.events.push_back(FocusEvent::NicknameChanged {
                    room,
                    participant: from,
                    alias,
                });
            }
            Err(_) => self.events.push_back(FocusEvent::NicknameRefused {
                room,
                participant: from,
                status,
            }),
        }
    }
}
