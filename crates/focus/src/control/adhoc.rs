//! Ad-hoc groups (seed 004 §6.1.3.2.2, seed 002 §7.2.1.2, RFC 5366; REQ: FOC-4): an INVITE to
//! the conference-factory URI ([`ControlConfig::conference_factory`]) with a `multipart/mixed`
//! body of the SDP offer and an `application/resource-lists+xml` list of invitees creates a
//! temporary room with a fresh session identity (the Contact of the 200, with `isfocus`) and
//! invites them as a pre-defined group's start does (REQ: FOC-3). The list's URIs are
//! deduplicated (SIP URI equivalence) and the inviter is left out; more invitees than
//! [`ControlLimits::max_adhoc_group_size`] get 403 with Warning
//! [`ADHOC_GROUP_TOO_LARGE`]. Only the inviter and the invitees may join the session later.
//!
//! [`ControlConfig::conference_factory`]: super::ControlConfig::conference_factory
//! [`ControlLimits::max_adhoc_group_size`]: super::ControlLimits::max_adhoc_group_size

use std::time::Instant;

use bytes::Bytes;
use simpleim_sip::header::ContentType;
use simpleim_sip::transaction::{ServerKey, TransportHandle};
use simpleim_sip::{NameAddr, Request, Uri};

use super::config::RoomConfig;
use super::event::RejectReason;
use super::invite::{Admitted, Refusal, WARN_MISC, anonymity_refused, asks_anonymity};
use super::policy::{GroupPolicy, Members};
use super::{Control, RoomKey};
use crate::resource_lists::{split_recipient_list_body, unique_uris};

/// The Warning text of the 403 for a list longer than the maximum ad-hoc group size (this
/// crate's wording: the seeds name the limit, MAX-ADHOC-GROUP-SIZE, but no response).
pub const ADHOC_GROUP_TOO_LARGE: &str = "Maximum ad-hoc group size exceeded";

/// The SDP offer of `request`: its body when `application/sdp`, the `application/sdp` part of
/// a `multipart/mixed` recipient-list body (RFC 5366 §4), else none.
pub(super) fn offer_bytes(request: &Request) -> Option<Bytes> {
    let ct = request.headers().typed::<ContentType>()?.ok()?;
    let media = ct.media();
    if media.mtype().eq_ignore_ascii_case(b"application")
        && media.subtype().eq_ignore_ascii_case(b"sdp")
    {
        return Some(request.body());
    }
    let value = request
        .headers()
        .get(simpleim_sip::HeaderName::ContentType)?
        .value();
    split_recipient_list_body(&value, &request.body()).ok()?.sdp
}

impl<H: TransportHandle + Clone> Control<H> {
    /// Whether `request` is addressed to the conference factory.
    pub(super) fn is_factory_request(&self, request: &Request) -> bool {
        let Some(factory) = &self.config.conference_factory else {
            return false;
        };
        matches!(Uri::parse(&request.uri_bytes()), Ok(Uri::Sip(uri))
            if RoomKey::of(&uri) == RoomKey::of(factory))
    }

    /// An INVITE to the conference factory, after the IM feature tag and isfocus checks:
    /// the originator, the list, anonymity, the temporary room and its start (REQ: FOC-4).
    pub(super) fn admit_adhoc(
        &mut self,
        now: Instant,
        key: ServerKey,
        request: &Request,
        handle: H,
        room_out: &mut Option<super::RoomId>,
    ) -> Result<(), Refusal> {
        let Some(identity) = self.originator(request) else {
            return Err((403, None, RejectReason::NotAuthorized));
        };
        let content_type = request
            .headers()
            .get(simpleim_sip::HeaderName::ContentType)
            .map(|h| h.value())
            .unwrap_or_default();
        let parts = split_recipient_list_body(&content_type, &request.body()).map_err(|e| {
            (
                e.status_hint(),
                None,
                RejectReason::Media(format!("recipient list: {e}")),
            )
        })?;
        let mut members: Vec<NameAddr> = Vec::new();
        for entry in unique_uris(parts.list.entries()) {
            let Ok(uri) = Uri::parse(&Bytes::copy_from_slice(entry.uri.as_str().as_bytes())) else {
                continue; // not a URI the focus can invite
            };
            if uri == identity {
                continue;
            }
            let mut member = NameAddr::new(uri);
            if let Some(name) = &entry.display_name {
                member = member.with_display_name(name.text.as_str());
            }
            members.push(member);
        }
        if members.len() > self.config.limits.max_adhoc_group_size {
            return Err((
                403,
                Some((WARN_MISC, ADHOC_GROUP_TOO_LARGE.to_owned())),
                RejectReason::GroupTooLarge,
            ));
        }
        if members.is_empty() {
            return Err((
                400,
                None,
                RejectReason::Media("recipient list: no one to invite".to_owned()),
            ));
        }
        let anonymous = asks_anonymity(request);
        if anonymous {
            // Who invites others is known to them (the ad-hoc policy: no anonymity).
            return Err(anonymity_refused());
        }
        let Some(factory) = self.config.conference_factory.clone() else {
            return Err((404, None, RejectReason::UnknownConference));
        };
        let mut joiners: Vec<Uri> = members.iter().map(|m| m.uri().clone()).collect();
        joiners.push(identity.clone());
        let mut config =
            RoomConfig::new(self.session_identity(&factory, "adhoc")?).with_members(members);
        config.policy = Box::new(GroupPolicy {
            joiners: Members::Only(joiners),
            ..GroupPolicy::default()
        });
        let temp = self.create_temporary_room(config)?;
        *room_out = Some(temp);
        let private_messages = true;
        let prepared = self.prepare_join(
            key,
            request,
            handle,
            temp,
            Admitted {
                identity,
                anonymous: false,
                private_messages,
                transfer: None,
            },
        );
        let (inviter, pending) = match prepared {
            Ok(p) => p,
            Err(refusal) => {
                self.release_if_idle(temp);
                return Err(refusal);
            }
        };
        self.start_session(now, inviter, pending)
    }
}
