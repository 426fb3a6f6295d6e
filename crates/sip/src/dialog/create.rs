//! Creating a [`Dialog`] (RFC 3261 §12.1): on the UAC side from a request and the response
//! that establishes the dialog (§12.1.2), or from a NOTIFY that beats the 2xx of a SUBSCRIBE
//! (RFC 6665 §4.1.2.4); on the UAS side from the request and a new local tag (§12.1.1).

use crate::addr::NameAddr;
use crate::header::{CSeq, CallId, Contact, From, RecordRoute, To, Via};
use crate::ids::{IdGenerator, IdKind};
use crate::message::{Headers, Request, Response};
use crate::method::Method;
use crate::name::HeaderName;
use crate::uri::Uri;

use super::error::{DialogError, optional, required};
use super::id::{DialogId, Role};
use super::state::{Dialog, DialogState, InviteTx};

/// Methods that can create a dialog: INVITE (RFC 3261 §12), SUBSCRIBE (RFC 6665 §4.1.2.4)
/// and REFER (RFC 3515 §2.4.4, which creates a subscription).
fn creates_dialog(method: &Method) -> bool {
    matches!(method, Method::Invite | Method::Subscribe | Method::Refer)
}

/// The URI of the first Contact of a message, if there is one with an address.
pub(super) fn contact_uri(h: &Headers) -> Result<Option<Uri>, DialogError> {
    Ok(optional::<Contact>(h)?.and_then(|c| c.address().map(|na| na.uri().clone())))
}

/// The Contact address of a message, required (a `*` counts as absent).
pub(super) fn required_contact(h: &Headers) -> Result<NameAddr, DialogError> {
    optional::<Contact>(h)?
        .and_then(|c| c.address().cloned())
        .ok_or(DialogError::MissingHeader(HeaderName::Contact))
}

/// Every Record-Route value of a message, in order.
pub(super) fn record_route(h: &Headers) -> Result<Vec<NameAddr>, DialogError> {
    h.typed_all::<RecordRoute>()
        .map(|r| {
            r.map(|rr| rr.0)
                .map_err(|error| DialogError::MalformedHeader {
                    name: HeaderName::RecordRoute,
                    error,
                })
        })
        .collect()
}

/// True for a request whose Request-URI is a `sips:` URI.
fn sips(req: &Request) -> bool {
    Uri::parse(&req.uri_bytes()).is_ok_and(|u| u.as_sip().is_some_and(crate::SipUri::is_secure))
}

/// The Request-URI of a request, parsed.
fn request_uri(req: &Request) -> Result<Uri, DialogError> {
    Uri::parse(&req.uri_bytes()).map_err(|_| DialogError::NotDialogCreating("bad Request-URI"))
}

impl Dialog {
    // --- creation ---------------------------------------------------------------------------

    /// The UAC's dialog, from the request this UA sent (INVITE, SUBSCRIBE or REFER) and a
    /// response to it that creates a dialog: a 101-199 with a To tag gives an
    /// [`DialogState::Early`] dialog, a 2xx a [`DialogState::Confirmed`] one (RFC 3261
    /// §12.1.2).
    ///
    /// The route set is the response's Record-Route in reverse order, the remote target its
    /// Contact (a provisional response without one leaves the Request-URI as the target
    /// until a later response names one), the local sequence number the request's CSeq, the
    /// remote one empty. The secure flag is set for a `sips:` Request-URI (the caller sends
    /// such requests over TLS, §26.2). Several 2xx or 1xx with different To tags (forking)
    /// make several dialogs, one per call.
    ///
    /// # Errors
    /// [`DialogError::NotDialogCreating`] for another method, a response to another request
    /// or a response that creates no dialog; [`DialogError::MissingHeader`] or
    /// [`DialogError::MalformedHeader`] for the headers the state comes from (a 2xx needs a
    /// Contact).
    pub fn new_uac(request: &Request, response: &Response) -> Result<Self, DialogError> {
        let method = request.method().clone();
        if !creates_dialog(&method) {
            return Err(DialogError::NotDialogCreating(
                "only INVITE, SUBSCRIBE and REFER create dialogs",
            ));
        }
        let rq = request.headers();
        let rs = response.headers();
        let cseq: CSeq = required(rq)?;
        let answered: CSeq = required(rs)?;
        let call_id: CallId = required(rq)?;
        let from: From = required(rq)?;
        let to: To = required(rs)?;
        if answered.seq() != cseq.seq()
            || answered.method() != &method
            || required::<CallId>(rs)? != call_id
            || required::<From>(rs)?.tag() != from.tag()
        {
            return Err(DialogError::NotDialogCreating(
                "the response answers another request",
            ));
        }
        let code = response.code();
        let remote_target = match code {
            101..=199 if to.tag().is_some() => {
                contact_uri(rs)?.map_or_else(|| request_uri(request), Ok)?
            }
            200..=299 => required_contact(rs)?.uri().clone(),
            _ => {
                return Err(DialogError::NotDialogCreating(
                    "only a 101-199 with a To tag or a 2xx creates a dialog",
                ));
            }
        };
        let mut route_set = record_route(rs)?;
        route_set.reverse();
        let early = code < 200;
        Ok(Self {
            id: DialogId::new(
                call_id.as_bytes().clone(),
                from.tag_bytes().unwrap_or_default(),
                to.tag_bytes().unwrap_or_default(),
            ),
            role: Role::Uac,
            state: if early {
                DialogState::Early
            } else {
                DialogState::Confirmed
            },
            initial_seq: cseq.seq(),
            local_seq: Some(cseq.seq()),
            first_local_seq: 1,
            remote_seq: None,
            local: from.0,
            remote: to.0,
            remote_target,
            route_set,
            secure: sips(request),
            local_contact: optional::<Contact>(rq)?.and_then(|c| c.address().cloned()),
            invite: if early && method == Method::Invite {
                InviteTx::Sent(cseq.seq())
            } else {
                InviteTx::None
            },
            method,
        })
    }

    /// The subscriber's dialog from a NOTIFY that arrives before the 2xx to its SUBSCRIBE
    /// (RFC 6665 §4.1.2.4): the subscriber acts as the NOTIFY's UAS (RFC 3261 §12.1.1), so
    /// the route set is the NOTIFY's Record-Route in order, the remote target its Contact,
    /// the remote tag its From tag and the remote sequence number its CSeq; the local
    /// sequence number stays the SUBSCRIBE's, so that refreshes count on from it. The dialog
    /// is [`DialogState::Confirmed`]. The later 2xx is then passed to
    /// [`Dialog::handle_response`].
    ///
    /// # Errors
    /// [`DialogError::NotDialogCreating`] when `subscribe` is not a SUBSCRIBE or `notify` not
    /// a NOTIFY for it (Call-ID, or To tag against the SUBSCRIBE's From tag);
    /// [`DialogError::MissingHeader`] / [`DialogError::MalformedHeader`] as for
    /// [`Dialog::new_uac`].
    pub fn new_uac_from_notify(subscribe: &Request, notify: &Request) -> Result<Self, DialogError> {
        if *subscribe.method() != Method::Subscribe || *notify.method() != Method::Notify {
            return Err(DialogError::NotDialogCreating(
                "a NOTIFY creates the dialog of a SUBSCRIBE only",
            ));
        }
        let sq = subscribe.headers();
        let nq = notify.headers();
        let call_id: CallId = required(sq)?;
        let from: From = required(sq)?;
        let notifier: From = required(nq)?;
        let notify_to: To = required(nq)?;
        let notify_cseq: CSeq = required(nq)?;
        if required::<CallId>(nq)? != call_id || notify_to.tag() != from.tag() {
            return Err(DialogError::NotDialogCreating(
                "the NOTIFY belongs to another subscription",
            ));
        }
        let local_seq = required::<CSeq>(sq)?.seq();
        Ok(Self {
            id: DialogId::new(
                call_id.as_bytes().clone(),
                from.tag_bytes().unwrap_or_default(),
                notifier.tag_bytes().unwrap_or_default(),
            ),
            role: Role::Uac,
            state: DialogState::Confirmed,
            method: Method::Subscribe,
            initial_seq: local_seq,
            local_seq: Some(local_seq),
            first_local_seq: 1,
            remote_seq: Some(notify_cseq.seq()),
            local: from.0,
            remote: notifier.0,
            remote_target: required_contact(nq)?.uri().clone(),
            route_set: record_route(nq)?,
            secure: sips(subscribe),
            local_contact: optional::<Contact>(sq)?.and_then(|c| c.address().cloned()),
            invite: InviteTx::None,
        })
    }

    /// The UAS's dialog for a request that creates one (INVITE, SUBSCRIBE or REFER without a
    /// To tag), with a local tag drawn from `ids` and `local_contact` as this UA's Contact
    /// (RFC 3261 §12.1.1).
    ///
    /// The route set is the request's Record-Route in order, the remote target its Contact,
    /// the remote sequence number its CSeq, the local one empty. The secure flag is set for a
    /// `sips:` Request-URI that arrived over TLS (the top Via's transport). The dialog is
    /// [`DialogState::Early`] until [`Dialog::respond`] builds the 2xx that confirms it.
    ///
    /// # Errors
    /// [`DialogError::NotDialogCreating`] for another method or a request with a To tag;
    /// [`DialogError::MissingHeader`] / [`DialogError::MalformedHeader`] for the headers the
    /// state comes from (Contact included).
    pub fn new_uas(
        request: &Request,
        local_contact: NameAddr,
        ids: &mut impl IdGenerator,
    ) -> Result<Self, DialogError> {
        let method = request.method().clone();
        if !creates_dialog(&method) {
            return Err(DialogError::NotDialogCreating(
                "only INVITE, SUBSCRIBE and REFER create dialogs",
            ));
        }
        let h = request.headers();
        let to: To = required(h)?;
        if to.tag().is_some() {
            return Err(DialogError::NotDialogCreating(
                "the request is inside a dialog (its To has a tag)",
            ));
        }
        let from: From = required(h)?;
        let call_id: CallId = required(h)?;
        let cseq: CSeq = required(h)?;
        let remote_target = required_contact(h)?.uri().clone();
        let route_set = record_route(h)?;
        let tls = matches!(
            h.typed::<Via>(),
            Some(Ok(via)) if via.transport().eq_ignore_ascii_case(b"TLS")
        );
        let secure = tls && sips(request);
        let tag = ids.next_id(IdKind::Tag);
        let local =
            to.0.with_tag(core::str::from_utf8(&tag).unwrap_or_default());
        Ok(Self {
            id: DialogId::new(
                call_id.as_bytes().clone(),
                tag,
                from.tag_bytes().unwrap_or_default(),
            ),
            role: Role::Uas,
            state: DialogState::Early,
            initial_seq: cseq.seq(),
            local_seq: None,
            first_local_seq: 1,
            remote_seq: Some(cseq.seq()),
            local,
            remote: from.0,
            remote_target,
            route_set,
            secure,
            local_contact: Some(local_contact),
            invite: if method == Method::Invite {
                InviteTx::Received(cseq.seq())
            } else {
                InviteTx::None
            },
            method,
        })
    }
}
