//! A participant asks the focus to invite someone (RFC 4579 §5.5, RFC 3515; seed 000
//! §7.2.3.2; REQ: ALIAS-1 for its privacy check): a REFER in the participant's dialog whose
//! Refer-To names the invitee, without a `method` parameter or with `method=INVITE`.
//!
//! - With `Privacy: id` from a referrer the room does not allow anonymity: 403 with Warning
//!   119 "Anonymity not allowed" (REQ: ALIAS-1), nothing else happens.
//! - Otherwise 202 Accepted, and the focus INVITEs the invitee into the room as it invites a
//!   pre-defined group's members (REQ: FOC-3); the referrer is told how it goes with NOTIFYs
//!   of the implicit `refer` subscription in the same dialog (RFC 3515 §2.4.4-§2.4.5): first
//!   `SIP/2.0 100 Trying`, then the invitee's final status, with `Subscription-State:
//!   terminated;reason=noresource`.
//! - Another method in Refer-To (e.g. BYE, RFC 4579 §5.6) gets 501; an invitee already in the
//!   room, or a room with no room left, gets 403 / 486 on the REFER itself.

use std::time::Instant;

use simpleim_sip::transaction::{ServerKey, TransportHandle};
use simpleim_sip::{HeaderName, Method, NameAddr, Request, Uri};

use super::Control;
use super::event::{ParticipantId, RejectReason};
use super::invite::{Refusal, WARN_MISC, anonymity_refused, asks_anonymity};

/// The Warning text of a REFER from outside any participant's dialog.
pub const NOT_A_PARTICIPANT: &str = "Not a participant";

/// The Warning text of a REFER naming someone already in the room.
pub const ALREADY_IN_ROOM: &str = "Already a participant";

impl<H: TransportHandle + Clone> Control<H> {
    /// A REFER in participant `pid`'s dialog (the dialog already checked it).
    pub(super) fn on_refer(
        &mut self,
        now: Instant,
        key: ServerKey,
        request: &Request,
        pid: ParticipantId,
    ) {
        match self.accept_refer(now, request, pid) {
            Ok(()) => {
                if let Some(p) = self.participants.get_mut(&pid) {
                    if let Ok(b) = p.dialog.respond(request, 202) {
                        self.send(now, key, b);
                    }
                }
                self.notify_referrer(now, pid, 100, false);
            }
            Err((status, warning, _)) => {
                let Some(p) = self.participants.get_mut(&pid) else {
                    return;
                };
                if let Ok(b) = p.dialog.respond(request, status) {
                    let b = match warning {
                        Some((code, text)) => self.warning(b, code, &text),
                        None => b,
                    };
                    let b = if status == 501 { self.with_allow(b) } else { b };
                    self.send(now, key, b);
                }
            }
        }
    }

    /// The checks of a REFER, then the INVITE to the invitee.
    fn accept_refer(
        &mut self,
        now: Instant,
        request: &Request,
        pid: ParticipantId,
    ) -> Result<(), Refusal> {
        let invalid = |why: &str| (400, None, RejectReason::Media(why.to_owned()));
        let refer_to = request
            .headers()
            .get(HeaderName::ReferTo)
            .map(|h| h.value())
            .ok_or_else(|| invalid("no Refer-To"))?;
        let target = NameAddr::parse(&refer_to).map_err(|_| invalid("malformed Refer-To"))?;
        let method = match target.uri() {
            Uri::Sip(u) => u
                .param("method")
                .and_then(|p| p.value_text())
                .map(|m| m.to_ascii_uppercase()),
            _ => None,
        };
        if method.as_deref().is_some_and(|m| m != b"INVITE") {
            return Err((
                501,
                None,
                RejectReason::Media("REFER method not supported".to_owned()),
            ));
        }
        let (room, referrer_identity) = {
            let p = self
                .participants
                .get(&pid)
                .ok_or((481, None, RejectReason::Internal))?;
            (p.room, p.identity.clone())
        };
        // REQ: ALIAS-1: a REFER with Privacy: id is an anonymous request like an INVITE.
        let anonymous = asks_anonymity(request);
        let allowed = self
            .rooms
            .get(&room)
            .is_some_and(|r| r.config.policy.may_be_anonymous(&referrer_identity));
        if anonymous && !allowed {
            return Err(anonymity_refused());
        }
        // The invitee as a plain URI (no `method`, no headers).
        let invitee = Uri::parse(&bytes::Bytes::from(without_params(
            &target.uri().to_string(),
        )))
        .map_err(|_| invalid("Refer-To is not a URI the focus can invite"))?;
        let present = self
            .participants
            .values()
            .any(|p| p.room == room && p.identity == invitee);
        if present {
            return Err((
                403,
                Some((WARN_MISC, ALREADY_IN_ROOM.to_owned())),
                RejectReason::JoinNotAllowed,
            ));
        }
        if self.room_free(room) == 0 {
            return Err((486, None, RejectReason::RoomFull));
        }
        let handle = self
            .outbound
            .clone()
            .or_else(|| self.participants.get(&pid).map(|p| p.handle.clone()))
            .ok_or((500, None, RejectReason::Internal))?;
        let mut member = NameAddr::new(invitee);
        if let Some(name) = target.display_name_text() {
            member = member.with_display_name(&name);
        }
        let key = self
            .invite_member(now, room, &member, handle)
            .map_err(|status| (status, None, RejectReason::Internal))?;
        if let Some(leg) = self.legs.get_mut(&key) {
            leg.referrer = Some(pid);
        }
        Ok(())
    }

    /// A NOTIFY of the implicit `refer` subscription to the referrer (RFC 3515 §2.4.4) with
    /// the status line of the invitee's answer; `last` ends the subscription.
    pub(super) fn notify_referrer(
        &mut self,
        now: Instant,
        pid: ParticipantId,
        status: u16,
        last: bool,
    ) {
        let reason = simpleim_sip::reason_phrase(status);
        let frag = format!("SIP/2.0 {status} {reason}\r\n");
        let state = if last {
            "terminated;reason=noresource"
        } else {
            "active;expires=60"
        };
        let sent_by = self.sent_by_of(pid);
        let ids = &mut *self.config.ids;
        let Some(p) = self.participants.get_mut(&pid) else {
            return;
        };
        let Ok(b) = p.dialog.request(Method::Notify, &sent_by, &mut &mut *ids) else {
            return;
        };
        let request = b
            .header_named("Event", "refer")
            .header_named("Subscription-State", state)
            .body("message/sipfrag;version=2.0", frag)
            .build();
        if let Ok(request) = request {
            let _ = self.layer.send_request(now, p.handle.clone(), request);
        }
    }
}

/// A URI's text without its parameters and headers (after the host): what a Request-URI may
/// carry of a Refer-To (RFC 3261 §19.1.1: no `method`, no headers).
fn without_params(uri: &str) -> String {
    let host_start = uri
        .find('@')
        .map_or_else(|| uri.find(':').map_or(0, |i| i + 1), |i| i + 1);
    let rest = uri.get(host_start..).unwrap_or_default();
    let end = rest.find([';', '?']).map_or(uri.len(), |i| host_start + i);
    uri.get(..end).unwrap_or(uri).to_owned()
}

#[cfg(test)]
mod tests {
    use super::without_params;

    #[test]
    fn refer_to_uri_without_method_and_headers() {
        // REQ: ALIAS-1 (the REFER variant invites the bare URI)
        assert_eq!(
            without_params("sip:carol@example.org;method=INVITE"),
            "sip:carol@example.org"
        );
        assert_eq!(
            without_params("sip:carol@example.org:5070?Subject=hi"),
            "sip:carol@example.org:5070"
        );
        assert_eq!(without_params("sip:example.org;x=1"), "sip:example.org");
        assert_eq!(without_params("tel:+1234"), "tel:+1234");
    }
}
