//! The dialog state of RFC 3261 §12.1, and how a [`Dialog`] follows the responses and
//! requests that pass through it (§12.2.1.2, §12.2.2, §13.2.2.4, §14, §15). Creating one is
//! in `create.rs`, building requests in it in `request.rs`.

use crate::addr::NameAddr;
use crate::builder::ResponseBuilder;
use crate::header::{CSeq, CallId, To};
use crate::message::{Headers, Request, Response};
use crate::method::Method;
use crate::name::HeaderName;
use crate::uri::Uri;

use super::create::{contact_uri, record_route, required_contact};
use super::error::{DialogError, RequestRejection, required};
use super::id::{DialogId, FixedTag, Role, parts};

/// Where a dialog is in its life (RFC 3261 §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialogState {
    /// Created by a provisional response (UAC) or by a request not yet answered with a 2xx
    /// (UAS).
    Early,
    /// Established by a 2xx.
    Confirmed,
    /// Over: a BYE was sent or received, the creating request failed, or an in-dialog request
    /// got a 481 or 408 (§12.2.1.2, §12.3, §15).
    Terminated,
}

/// The INVITE transaction in progress on the dialog, if any (RFC 3261 §14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InviteTx {
    None,
    /// This UA sent an INVITE with this sequence number and has no final response yet.
    Sent(u32),
    /// This UA received an INVITE with this sequence number and has not answered it finally.
    Received(u32),
}

/// One dialog, as RFC 3261 §12.1 defines its state: the [`DialogId`], local and remote
/// sequence numbers, local and remote URIs, the remote target, the route set and the secure
/// flag.
///
/// A `Dialog` works on messages, not on transactions: the transaction user (TU) creates it
/// from the messages that establish it, passes it every response to a request sent in it
/// ([`Dialog::handle_response`]) and every request received in it
/// ([`Dialog::handle_request`]), and builds requests ([`Dialog::request`], [`Dialog::ack`])
/// and responses ([`Dialog::respond`]) through it, handing them to its transactions.
///
/// It never reads a clock and never panics; a message that does not belong to it is an
/// error, not a change of state.
#[derive(Debug, Clone)]
pub struct Dialog {
    pub(super) id: DialogId,
    pub(super) role: Role,
    pub(super) state: DialogState,
    /// The method of the request that created the dialog.
    pub(super) method: Method,
    /// The CSeq sequence number of that request.
    pub(super) initial_seq: u32,
    pub(super) local_seq: Option<u32>,
    /// The sequence number of the first request, when `local_seq` is empty.
    pub(super) first_local_seq: u32,
    pub(super) remote_seq: Option<u32>,
    /// The From of this UA's requests: local URI and local tag (with display name and other
    /// parameters as first written).
    pub(super) local: NameAddr,
    /// The To of this UA's requests: remote URI and remote tag.
    pub(super) remote: NameAddr,
    pub(super) remote_target: Uri,
    pub(super) route_set: Vec<NameAddr>,
    pub(super) secure: bool,
    pub(super) local_contact: Option<NameAddr>,
    pub(super) invite: InviteTx,
}

/// Target refresh requests: their 2xx replaces the remote target with the Contact (RFC 3261
/// §12.2, RFC 3311 §5.1 UPDATE, RFC 6665 §4.1.2.1 SUBSCRIBE and §4.1.3 NOTIFY, RFC 3515
/// REFER).
pub(super) fn is_target_refresh(method: &Method) -> bool {
    matches!(
        method,
        Method::Invite | Method::Update | Method::Subscribe | Method::Notify | Method::Refer
    )
}

impl Dialog {
    // --- getters ----------------------------------------------------------------------------

    /// The dialog id.
    #[must_use]
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// The role this UA played in the transaction that created the dialog.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }

    /// Early, confirmed or terminated.
    #[must_use]
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// The method of the request that created the dialog.
    #[must_use]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The local sequence number: the CSeq of the latest request this UA sent in the dialog
    /// (`None` on the UAS side before the first).
    #[must_use]
    pub fn local_seq(&self) -> Option<u32> {
        self.local_seq
    }

    /// The remote sequence number: the CSeq of the latest request received in the dialog.
    #[must_use]
    pub fn remote_seq(&self) -> Option<u32> {
        self.remote_seq
    }

    /// The local URI and tag: the From of this UA's requests.
    #[must_use]
    pub fn local_uri(&self) -> &NameAddr {
        &self.local
    }

    /// The remote URI and tag: the To of this UA's requests.
    #[must_use]
    pub fn remote_uri(&self) -> &NameAddr {
        &self.remote
    }

    /// The remote target: where requests in the dialog go (the peer's Contact).
    #[must_use]
    pub fn remote_target(&self) -> &Uri {
        &self.remote_target
    }

    /// The route set, in the order requests visit it.
    #[must_use]
    pub fn route_set(&self) -> &[NameAddr] {
        &self.route_set
    }

    /// The secure flag (RFC 3261 §12.1): requests in the dialog go over TLS.
    #[must_use]
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// This UA's Contact in the dialog.
    #[must_use]
    pub fn local_contact(&self) -> Option<&NameAddr> {
        self.local_contact.as_ref()
    }

    /// True while an INVITE transaction is in progress on the dialog in either direction
    /// (RFC 3261 §14.1): no new INVITE may be sent then.
    #[must_use]
    pub fn invite_in_progress(&self) -> bool {
        self.invite != InviteTx::None
    }

    // --- commands ---------------------------------------------------------------------------

    /// Changes this UA's Contact. The next target refresh request carries it (RFC 3261
    /// §12.2.1.1); until then the peer keeps sending to the old one.
    pub fn set_local_contact(&mut self, contact: NameAddr) {
        self.local_contact = Some(contact);
    }

    /// Chooses the CSeq number of the first request this UA sends in a dialog whose local
    /// sequence number is still empty (the UAS side, RFC 3261 §12.1.1; §8.1.1.5 lets the UA
    /// pick any number below 2^31; the default is 1). Returns false, changing nothing, once
    /// the local sequence number is set or for a number of 2^31 or more.
    pub fn choose_local_seq(&mut self, seq: u32) -> bool {
        let ok = self.local_seq.is_none() && seq < 1 << 31;
        if ok {
            self.first_local_seq = seq;
        }
        ok
    }

    /// Marks the dialog terminated (when the TU ends it by other means, e.g. a session timer
    /// that expired and a BYE sent outside [`Dialog::request`]).
    pub fn terminate(&mut self) {
        self.state = DialogState::Terminated;
    }

    // --- inputs -----------------------------------------------------------------------------

    /// True when `h` (a request this UA sent, or a response to one) names this dialog: same
    /// Call-ID, From tag = local tag, To tag = remote tag (both may be empty for a peer
    /// without tags, RFC 3261 §12.1.1).
    fn is_outgoing_of(&self, h: &Headers) -> bool {
        parts(h).is_some_and(|(call_id, from, to)| {
            call_id == self.id.call_id
                && from.unwrap_or_default() == self.id.local_tag
                && to.unwrap_or_default() == self.id.remote_tag
        })
    }

    /// A response to a request this UA sent in the dialog, or to the request that created
    /// it (RFC 3261 §12.1.2, §12.2.1.2, §13.2.2.4):
    /// - to the creating request of an early dialog: a 1xx may name a new remote target, a
    ///   2xx confirms the dialog and recomputes its route set (reversed Record-Route) and
    ///   remote target, and a final failure terminates it (§12.3);
    /// - to a target refresh request (re-INVITE, UPDATE, SUBSCRIBE, NOTIFY, REFER): a 2xx
    ///   replaces the remote target with its Contact;
    /// - a 481 or 408 to any request in the dialog terminates it (§12.2.1.2);
    /// - a final response to this UA's INVITE ends the INVITE transaction in progress.
    ///
    /// A transaction that ends without a response is reported with
    /// [`Dialog::handle_request_failed`].
    ///
    /// # Errors
    /// [`DialogError::OtherDialog`] when the response does not belong to this dialog (another
    /// Call-ID or tag: a forked 2xx makes its own dialog with [`Dialog::new_uac`]);
    /// [`DialogError::MissingHeader`] / [`DialogError::MalformedHeader`] for the headers the
    /// state comes from.
    pub fn handle_response(&mut self, response: &Response) -> Result<(), DialogError> {
        let h = response.headers();
        if !self.is_outgoing_of(h) {
            return Err(DialogError::OtherDialog);
        }
        let cseq: CSeq = required(h)?;
        let code = response.code();
        let creating = self.role == Role::Uac
            && cseq.seq() == self.initial_seq
            && *cseq.method() == self.method;
        if cseq.method() == &Method::Invite
            && code >= 200
            && self.invite == InviteTx::Sent(cseq.seq())
        {
            self.invite = InviteTx::None;
        }
        if self.state == DialogState::Terminated {
            return Ok(());
        }
        if creating && self.state == DialogState::Early {
            match code {
                101..=199 => {
                    if let Some(target) = contact_uri(h)? {
                        self.remote_target = target;
                    }
                }
                200..=299 => {
                    let target = required_contact(h)?.uri().clone();
                    let mut route_set = record_route(h)?;
                    route_set.reverse();
                    self.remote_target = target;
                    self.route_set = route_set;
                    self.state = DialogState::Confirmed;
                }
                300.. => self.state = DialogState::Terminated,
                _ => {}
            }
            return Ok(());
        }
        match code {
            200..=299 if is_target_refresh(cseq.method()) => {
                if let Some(target) = contact_uri(h)? {
                    self.remote_target = target;
                }
            }
            408 | 481 => self.state = DialogState::Terminated,
            _ => {}
        }
        Ok(())
    }

    /// The transaction of a request this UA sent in the dialog ended without a final
    /// response (timeout or transport error): handled as a 408 (RFC 3261 §8.1.3.1), which
    /// terminates the dialog (§12.2.1.2), or, for the request that created an early dialog,
    /// as the failure of that request (§12.3).
    pub fn handle_request_failed(&mut self, request: &Request) {
        let h = request.headers();
        if !self.is_outgoing_of(h) {
            return;
        }
        if let Some(Ok(cseq)) = h.typed::<CSeq>() {
            if self.invite == InviteTx::Sent(cseq.seq()) {
                self.invite = InviteTx::None;
            }
        }
        self.state = DialogState::Terminated;
    }

    /// A request received in the dialog (RFC 3261 §12.2.2): checks that it belongs here and
    /// is in order, then records its sequence number. On success the TU processes it and
    /// answers with [`Dialog::respond`]; on failure it answers with
    /// [`RequestRejection::response`].
    ///
    /// - Another Call-ID or tag pair, or any request but BYE on a terminated dialog: 481.
    /// - A CSeq lower than the remote sequence number: 500 (ACK is exempt: it repeats its
    ///   INVITE's number and is never answered).
    /// - An INVITE while this UA's INVITE is in progress: 491; while an earlier received
    ///   INVITE is unanswered: 500 with Retry-After (§14.2).
    /// - A BYE terminates the dialog (§15.1.2).
    ///
    /// # Errors
    /// The [`RequestRejection`] with the status to answer.
    pub fn handle_request(&mut self, request: &Request) -> Result<(), RequestRejection> {
        let h = request.headers();
        if DialogId::of_incoming_request(request).as_ref() != Some(&self.id) {
            return Err(RequestRejection::NoDialog);
        }
        let method = request.method();
        if self.state == DialogState::Terminated && *method != Method::Bye {
            return Err(RequestRejection::NoDialog);
        }
        let seq = match h.typed::<CSeq>() {
            Some(Ok(c)) => c.seq(),
            _ => return Err(RequestRejection::Malformed(HeaderName::CSeq)),
        };
        if matches!(method, Method::Ack | Method::Cancel) {
            return Ok(());
        }
        if let Some(remote) = self.remote_seq {
            if seq < remote {
                return Err(RequestRejection::OutOfOrder { cseq: seq, remote });
            }
        }
        self.remote_seq = Some(seq);
        match method {
            Method::Invite => match self.invite {
                InviteTx::Sent(_) => return Err(RequestRejection::Glare),
                InviteTx::Received(earlier) if earlier != seq => {
                    return Err(RequestRejection::InviteInProgress);
                }
                _ => self.invite = InviteTx::Received(seq),
            },
            Method::Bye => self.state = DialogState::Terminated,
            _ => {}
        }
        Ok(())
    }

    /// A response to `request`, received in the dialog or creating it, built with
    /// [`Response::for_request`] (Via, From, To, Call-ID, CSeq copied; for the creating
    /// request the To gains the dialog's local tag and Record-Route is copied, RFC 3261
    /// §12.1.1), plus this UA's Contact in a 101-299 to a request that creates or refreshes
    /// the target of the dialog. Add headers and a body before `build()`.
    ///
    /// Building the response moves the dialog on, as sending it will:
    /// - a 2xx to the creating request confirms the dialog, a final failure to it terminates
    ///   it (§12.3);
    /// - a 2xx to a target refresh request replaces the remote target with the request's
    ///   Contact (RFC 6141: a target refresh takes effect when the request succeeds);
    /// - a final response to an INVITE ends the INVITE transaction in progress.
    ///
    /// # Errors
    /// [`DialogError::OtherDialog`] when `request` is neither the creating request nor a
    /// request of this dialog; [`DialogError::MalformedHeader`] for its CSeq or Contact.
    pub fn respond(
        &mut self,
        request: &Request,
        code: u16,
    ) -> Result<ResponseBuilder, DialogError> {
        let h = request.headers();
        let cseq: CSeq = required(h)?;
        let method = request.method();
        let creating = self.role == Role::Uas
            && cseq.seq() == self.initial_seq
            && *method == self.method
            && matches!(h.typed::<To>(), Some(Ok(to)) if to.tag().is_none());
        let ours = DialogId::of_incoming_request(request).as_ref() == Some(&self.id);
        let same_call =
            matches!(h.typed::<CallId>(), Some(Ok(c)) if *c.as_bytes() == self.id.call_id);
        if !(ours || (creating && same_call)) {
            return Err(DialogError::OtherDialog);
        }
        let mut b = Response::for_request(request, code, &mut FixedTag(&self.id.local_tag));
        if creating && *method == Method::Refer && (200..300).contains(&code) {
            // Response::for_request copies Record-Route for INVITE and SUBSCRIBE only.
            for f in h.get_all(HeaderName::RecordRoute) {
                b = b.header_named("Record-Route", f.value());
            }
        }
        if (101..300).contains(&code) && (creating || is_target_refresh(method)) {
            if let Some(contact) = &self.local_contact {
                b = b.header(HeaderName::Contact, contact);
            }
        }
        if *method == Method::Invite && code >= 200 && self.invite == InviteTx::Received(cseq.seq())
        {
            self.invite = InviteTx::None;
        }
        if creating {
            match code {
                200..=299 if self.state == DialogState::Early => {
                    self.state = DialogState::Confirmed;
                }
                300.. if self.state == DialogState::Early => {
                    self.state = DialogState::Terminated;
                }
                _ => {}
            }
        } else if (200..300).contains(&code) && is_target_refresh(method) {
            if let Some(target) = contact_uri(h)? {
                self.remote_target = target;
            }
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests;
