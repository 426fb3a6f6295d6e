//! Temporary rooms: sessions the focus creates itself and forgets when they are over. The
//! CPM Large Message Mode (seed 003, REQ: LMM-1) makes one per large message to a
//! pre-defined group; an ad-hoc group (REQ: FOC-4) makes one per conference-factory INVITE.
//!
//! A temporary room has its own session identity (the Contact of the 200, with `isfocus`)
//! and may name the group it serves ([`RoomConfig::group_identity`]), which the room's switch
//! accepts as the conference in a CPIM `To`. The host hears of it through
//! [`ControlEvent::RoomCreated`] and [`ControlEvent::RoomReleased`].
//!
//! ## Large Message Mode (seed 003 §9.1.1.x)
//! An INVITE whose Accept-Contact carries the CPM large-message ICSI
//! ([`LmmConfig::feature`]) to a pre-defined group is checked in the seed's order, each with
//! its own response:
//! 1. the authenticated originator and the group's initiation policy: 403 with Warning
//!    "Service not authorised";
//! 2. the group supports the service ([`GroupServices::large_message`]): else 404;
//! 3. the User-Agent's release when [`LmmConfig::releases`] names the accepted ones: else 403
//!    with Error-Info ([`LmmConfig::error_info`]);
//! 4. anonymity: 403 with Warning 119 "Anonymity not allowed";
//! 5. Session-Expires (RFC 4028): 422 when too small;
//! 6. the MSRP media: 488.
//!
//! Then the focus acts as a temporary focus and B2BUA: a temporary room with the group's
//! members, each invited (the machinery of REQ: FOC-3), the sender answered on the first
//! member's 200 (its SDP answer narrowed to the accept-types of that member's answer, seed 002
//! §7.2.1.2), the members' MSRP connections opened after their 2xx per their answers, every
//! SEND of the sender relayed to every member by the room's switch; the sender's BYE is
//! answered and a BYE goes to every member, and the room is released.

use simpleim_sip::header::AcceptContact;
use simpleim_sip::transaction::{ServerKey, TransportHandle};
use simpleim_sip::{Request, SipUri, Uri};

use super::Control;
use super::config::{GroupServices, RoomConfig};
use super::event::{ControlEvent, ParticipantId, RejectReason, RoomId};
use super::invite::{
    Admitted, Refusal, WARN_MISC, anonymity_refused, asks_anonymity, release_version,
};
use super::policy::{GroupPolicy, Members};

/// Seed 003 step 1: the Warning text of an unauthorised Large Message Mode request.
pub const SERVICE_NOT_AUTHORISED: &str = "Service not authorised";

/// The OMA CPM large-message ICSI (3GPP TS 24.229 `+g.3gpp.icsi-ref` form, URN-escaped).
pub const LMM_ICSI: &str = "urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.largemsg";

/// How Large Message Mode requests are recognised and checked (REQ: LMM-1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LmmConfig {
    /// The Accept-Contact feature tag and value that mark a large message (default
    /// `+g.3gpp.icsi-ref` = [`LMM_ICSI`]; the value is compared without quotes, and
    /// `urn:` or `urn%3A` forms alike).
    pub feature: (String, String),
    /// The User-Agent releases accepted (e.g. `OMA2.0`); `None` (the default) accepts any.
    pub releases: Option<Vec<String>>,
    /// The Error-Info value of the 403 for a release not accepted (seed 003 step 4).
    pub error_info: String,
}

impl Default for LmmConfig {
    fn default() -> Self {
        Self {
            feature: ("+g.3gpp.icsi-ref".to_owned(), LMM_ICSI.to_owned()),
            releases: None,
            error_info: "<urn:simpleim:error:user-agent-release-not-supported>".to_owned(),
        }
    }
}

/// What a temporary room is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TemporaryKind {
    /// A large message from `sender` (REQ: LMM-1): its BYE ends the room.
    LargeMessage { sender: ParticipantId },
    /// An ad-hoc group (REQ: FOC-4).
    AdHoc,
}

/// `%3A` and `:` alike, case-insensitively.
fn unescape_colons(s: &[u8]) -> String {
    String::from_utf8_lossy(s)
        .replace("%3A", ":")
        .replace("%3a", ":")
        .to_ascii_lowercase()
}

impl<H: TransportHandle + Clone> Control<H> {
    /// Whether `request` asks for Large Message Mode.
    pub(super) fn is_large_message(&self, request: &Request) -> bool {
        let (name, value) = &self.config.lmm.feature;
        let wanted = unescape_colons(value.as_bytes());
        request
            .headers()
            .typed_all::<AcceptContact>()
            .filter_map(Result::ok)
            .any(|ac| {
                ac.feature_value(name)
                    .is_some_and(|v| unescape_colons(&v).split(',').any(|x| x == wanted))
            })
    }

    /// The checks of seed 003 in their order, then the temporary room and its start (REQ:
    /// LMM-1).
    pub(super) fn admit_large_message(
        &mut self,
        now: std::time::Instant,
        key: ServerKey,
        request: &Request,
        handle: H,
        room_out: &mut Option<RoomId>,
    ) -> Result<(), Refusal> {
        let not_authorised = || {
            (
                403,
                Some((WARN_MISC, SERVICE_NOT_AUTHORISED.to_owned())),
                RejectReason::NotAuthorized,
            )
        };
        // Step 1: the authenticated originator, and the group's initiation policy.
        let identity = self.originator(request).ok_or_else(not_authorised)?;
        let group = self.addressed_room(request)?;
        *room_out = Some(group);
        let Some(room) = self.rooms.get(&group) else {
            return Err((404, None, RejectReason::UnknownConference));
        };
        if !room.config.policy.authorize(&identity, false) {
            return Err(not_authorised());
        }
        // Step 2: the group supports the service.
        if !room.config.services.large_message || room.config.members.is_empty() {
            return Err((404, None, RejectReason::ServiceNotSupported));
        }
        // Step 4: the User-Agent's release.
        if let Some(accepted) = &self.config.lmm.releases {
            let release = release_version(request);
            let ok = release.is_some_and(|r| accepted.iter().any(|a| a.as_bytes() == r.as_ref()));
            if !ok {
                return Err((403, None, RejectReason::ReleaseNotSupported));
            }
        }
        // Step 5: anonymity.
        let anonymous = asks_anonymity(request);
        if anonymous && !room.config.policy.may_be_anonymous(&identity) {
            return Err(anonymity_refused());
        }
        // Steps 7 to 10: a temporary focus for this message, with the group's members.
        let group_identity = room.config.identity.clone();
        let members = room.config.members.clone();
        let display_name = room.config.display_name.clone();
        let all_failed = room.config.all_failed;
        let wrapped = room.config.accept_wrapped_types.clone();
        let mut config =
            RoomConfig::new(self.session_identity(&group_identity, "lmm")?).with_members(members);
        config.display_name = display_name;
        config.group_identity = Some(group_identity);
        config.all_failed = all_failed;
        config.accept_wrapped_types = wrapped;
        config.services = GroupServices {
            im: false,
            large_message: true,
        };
        // One sender, many receivers: no private messages; anonymity already decided.
        config.policy = Box::new(GroupPolicy {
            allow_anonymity: Members::Everyone,
            allow_private_message: Members::Nobody,
            ..GroupPolicy::default()
        });
        let temp = self.create_temporary_room(config)?;
        *room_out = Some(temp);
        let prepared = self.prepare_join(
            key,
            request,
            handle,
            temp,
            Admitted {
                identity,
                anonymous,
                private_messages: false,
                transfer: None,
            },
        );
        let (sender, pending) = match prepared {
            Ok(p) => p,
            Err(refusal) => {
                self.release_if_idle(temp);
                return Err(refusal);
            }
        };
        if let Some(r) = self.rooms.get_mut(&temp) {
            r.temporary = Some(TemporaryKind::LargeMessage { sender });
        }
        self.start_session(now, sender, pending)
    }

    /// A fresh session identity beside `group`: `sip:<user>-<kind>-<id>@<host>`.
    pub(super) fn session_identity(
        &mut self,
        group: &SipUri,
        kind: &str,
    ) -> Result<SipUri, Refusal> {
        let id = self.config.ids.next_id(simpleim_sip::IdKind::Tag);
        let user = group
            .user_unescaped()
            .map(|u| String::from_utf8_lossy(&u).into_owned())
            .unwrap_or_else(|| "session".to_owned());
        let host = group.to_string();
        let host = host.rsplit('@').next().unwrap_or(&host).to_owned();
        let text = format!("sip:{user}-{kind}-{}@{host}", String::from_utf8_lossy(&id));
        match Uri::parse(&bytes::Bytes::from(text)) {
            Ok(Uri::Sip(uri)) => Ok(uri),
            _ => Err((500, None, RejectReason::Internal)),
        }
    }

    /// Adds a temporary room (an ad-hoc group's until its caller says otherwise) and tells
    /// the host ([`ControlEvent::RoomCreated`]).
    pub(super) fn create_temporary_room(&mut self, config: RoomConfig) -> Result<RoomId, Refusal> {
        let identity = config.identity.clone();
        let group = config.group_identity.clone();
        let display_name = config.display_name.clone();
        let room = self
            .add_room(config)
            .map_err(|_| (503, None, RejectReason::Overloaded))?;
        if let Some(r) = self.rooms.get_mut(&room) {
            r.temporary = Some(TemporaryKind::AdHoc);
        }
        self.events.push_back(ControlEvent::RoomCreated {
            room,
            identity,
            group,
            display_name,
        });
        Ok(room)
    }

    /// A directory's group becomes a room, announced to the host like a temporary one but
    /// kept (REQ: FOC-3).
    pub(super) fn serve_group(&mut self, group: &super::GroupDefinition) -> Option<RoomId> {
        let room = self.add_room(group.room_config()).ok()?;
        self.events.push_back(ControlEvent::RoomCreated {
            room,
            identity: group.identity.clone(),
            group: None,
            display_name: group.display_name.clone(),
        });
        Some(room)
    }

    /// Forgets a temporary room nobody uses any more ([`ControlEvent::RoomReleased`]).
    pub(super) fn release_if_idle(&mut self, room: RoomId) {
        let idle = self
            .rooms
            .get(&room)
            .is_some_and(|r| r.temporary.is_some() && r.members.is_empty() && r.pending == 0)
            && !self.starts.contains_key(&room)
            && !self.legs.values().any(|l| l.room == room);
        if !idle {
            return;
        }
        if let Some(removed) = self.rooms.remove(&room) {
            self.room_index.remove(&removed.key);
            self.events.push_back(ControlEvent::RoomReleased { room });
        }
    }

    /// A participant left a temporary room: the large message's sender ends it (seed 003:
    /// "a BYE request towards each CPM Pre-defined Group member"); an empty room is released.
    pub(super) fn after_leave(
        &mut self,
        now: std::time::Instant,
        room: RoomId,
        who: ParticipantId,
    ) {
        let kind = self.rooms.get(&room).and_then(|r| r.temporary);
        if kind == Some(TemporaryKind::LargeMessage { sender: who }) {
            let _ = self.end_room(now, room);
        }
        self.release_if_idle(room);
    }
}
