//! The focus's 200 OK to the client's INVITE (seed 004 §6.1.3.2, seed 001 §7.1.3.2.1;
//! REQ: CLI-1, CLI-2, ALIAS-3): the session identity in Contact, the chat alias the focus
//! assigned in a `message/cpim` part, and the SDP answer with the focus's MSRP path.

use bytes::Bytes;
use simpleim_cpim::mime::{ContentType, Multipart};
use simpleim_cpim::{Address, CpimMessage};
use simpleim_sdp::attr::Path;
use simpleim_sdp::negotiate::{NegotiatedSession, SdpAnswer};
use simpleim_sip::dialog::Dialog;
use simpleim_sip::header::{Allow, Contact, Server, SessionExpires};
use simpleim_sip::{HeaderName, Method, Response, Uri};

use super::error::JoinError;
use super::invite::{OutgoingInvite, SessionKind};
use crate::control::IM_SERVER_PRODUCT;

/// What a 200 OK to an IM INVITE says, read on its own (without the INVITE): the parts of a
/// focus's answer a client keeps (seed 004 §6.1.3.1: "store the list of SIP methods ... store
/// the contact"; §6.1.3.2.2: "store the IM Session Identity").
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JoinAnswer {
    /// The Contact URI (the remote target).
    pub contact: Option<Uri>,
    /// The Contact URI when it carries `isfocus` (RFC 4579 §3.3): the IM Session Identity.
    pub session_identity: Option<Uri>,
    /// The `To` of the `message/cpim` part of a `multipart/mixed` 200 (seed 001 §7.2.3.2;
    /// REQ: ALIAS-3): the chat alias the focus assigned, which the client must write as its
    /// CPIM `From` (REQ: CLI-2). `None` for a plain `application/sdp` 200.
    pub assigned_alias: Option<Address>,
    /// The `From` of that part: the conference's authenticated address.
    pub alias_from: Option<Address>,
    /// The SDP answer (a slice of the body: no copy).
    pub sdp: SdpAnswer,
    /// The `a=path` of the first accepted MSRP line: the focus's MSRP URI for this
    /// participant (its rightmost URI is the To-Path of the client's SENDs).
    pub focus_path: Option<Path>,
    /// The methods of Allow.
    pub allow: Vec<Method>,
    /// The Session-Expires (RFC 4028), if any: the client starts its session timer with it.
    pub session_expires: Option<SessionExpires>,
    /// The IM release version in Server (`IM-serv/OMA1.0` gives `OMA1.0`).
    pub release: Option<Bytes>,
}

impl JoinAnswer {
    /// Reads a 2xx to an IM INVITE: a body of `application/sdp`, or `multipart/mixed` with
    /// an `application/sdp` part and, for an alias the focus assigned, a `message/cpim`
    /// part (the body [`alias_join_body`](crate::alias::alias_join_body) writes).
    ///
    /// # Errors
    /// [`JoinError::NotOk`] for another status; the others when a part does not parse.
    pub fn parse(response: &Response) -> Result<Self, JoinError> {
        if !(200..300).contains(&response.code()) {
            return Err(JoinError::NotOk(response.code()));
        }
        let h = response.headers();
        let contact = match h.typed::<Contact>() {
            None => None,
            Some(Ok(c)) => Some(c),
            Some(Err(e)) => return Err(JoinError::Contact(e)),
        };
        let contact_uri = contact
            .as_ref()
            .and_then(Contact::address)
            .map(|a| a.uri().clone());
        let session_identity = contact
            .as_ref()
            .filter(|c| c.is_focus())
            .and_then(|_| contact_uri.clone());

        let (sdp, wrapper) = body_parts(response)?;
        let (assigned_alias, alias_from) = match wrapper {
            None => (None, None),
            Some(bytes) => {
                let cpim = CpimMessage::parse(bytes).map_err(JoinError::Wrapper)?;
                let to = cpim.to().next().transpose().map_err(JoinError::Wrapper)?;
                let from = cpim.from().transpose().map_err(JoinError::Wrapper)?;
                (to, from)
            }
        };
        let sdp = SdpAnswer::parse(sdp).map_err(JoinError::Sdp)?;
        let focus_path = msrp_path(&sdp);
        Ok(Self {
            contact: contact_uri,
            session_identity,
            assigned_alias,
            alias_from,
            sdp,
            focus_path,
            allow: h
                .typed_all::<Allow>()
                .filter_map(Result::ok)
                .map(|a| a.value().clone())
                .collect(),
            session_expires: h.typed::<SessionExpires>().and_then(Result::ok),
            release: h.typed::<Server>().and_then(Result::ok).and_then(|s| {
                s.product_version(IM_SERVER_PRODUCT)
                    .map(Bytes::copy_from_slice)
            }),
        })
    }
}

/// The SDP answer and the alias wrapper, as slices of the body.
fn body_parts(response: &Response) -> Result<(Bytes, Option<Bytes>), JoinError> {
    let body = response.body();
    let Some(field) = response.headers().get(HeaderName::ContentType) else {
        return Err(JoinError::NoAnswer);
    };
    let ct = ContentType::parse(&field.value()).map_err(JoinError::ContentType)?;
    if ct.is("application", "sdp") && !body.is_empty() {
        return Ok((body, None));
    }
    if !ct.is("multipart", "mixed") {
        return Err(JoinError::NoAnswer);
    }
    let multipart = Multipart::parse(&ct, &body).map_err(JoinError::Multipart)?;
    let typed = |mtype: &str, subtype: &str| {
        multipart
            .parts
            .iter()
            .find(|p| matches!(p.headers.content_type(), Some(Ok(t)) if t.is(mtype, subtype)))
            .map(|p| p.body.clone())
    };
    let sdp = typed("application", "sdp").ok_or(JoinError::NoAnswer)?;
    Ok((sdp, typed("message", "cpim")))
}

/// The `a=path` of the first MSRP line with a port (RFC 4975 §8.2).
fn msrp_path(sdp: &SdpAnswer) -> Option<Path> {
    sdp.as_sdp().media().iter().find_map(|m| {
        let line = m.media().ok()?;
        let msrp = line.media.eq_ignore_ascii_case("message")
            && (line.proto.eq_ignore_ascii_case("TCP/MSRP")
                || line.proto.eq_ignore_ascii_case("TCP/TLS/MSRP"));
        if !msrp || line.port == 0 {
            return None;
        }
        let value = m.attribute(Path::NAME)?.value?;
        Path::parse(&Bytes::copy_from_slice(value.as_bytes())).ok()
    })
}

/// A session the client joined: what the focus's 200 OK established, and the address it
/// writes its messages as (REQ: CLI-2).
#[derive(Debug, Clone)]
pub struct JoinedSession {
    kind: SessionKind,
    answer: JoinAnswer,
    msrp: NegotiatedSession,
    dialog: Dialog,
    sender: Address,
    alias_assigned: bool,
    conference: Bytes,
}

impl OutgoingInvite {
    /// Reads the focus's 2xx to this INVITE: the dialog (RFC 3261 §12.1.2), the SDP answer
    /// checked against the offer (RFC 3264 §6), and the sending identity of seed 001
    /// §7.1.3.2.1 — the `To` of the `message/cpim` part when the focus sent one, else the
    /// From this INVITE asked for (the user's own address, or its alias at
    /// `anonymous@anonymous.invalid`).
    ///
    /// # Errors
    /// [`JoinError`] when the response is not a 2xx to this INVITE or a part does not
    /// parse or fit.
    pub fn accept(&self, response: &Response) -> Result<JoinedSession, JoinError> {
        let answer = JoinAnswer::parse(response)?;
        let dialog = Dialog::new_uac(&self.request, response)?;
        let msrp = self
            .offer
            .clone()
            .accept_answer(answer.sdp.clone())
            .map_err(JoinError::Negotiation)?;
        let (sender, alias_assigned) = match &answer.assigned_alias {
            Some(alias) => (alias.clone(), true),
            None => (self.requested.clone(), false),
        };
        // REQ: CLI-2: the group identity for a pre-defined group, the session identity for
        // an ad-hoc one (the remote target when the Contact lacks `isfocus`).
        let conference = match &self.kind {
            SessionKind::PreDefined { group } => group.raw().clone(),
            SessionKind::AdHoc { .. } => answer
                .session_identity
                .as_ref()
                .unwrap_or_else(|| dialog.remote_target())
                .raw()
                .clone(),
        };
        Ok(JoinedSession {
            kind: self.kind.clone(),
            answer,
            msrp,
            dialog,
            sender,
            alias_assigned,
            conference,
        })
    }
}

impl JoinedSession {
    /// The kind of session.
    #[must_use]
    pub const fn kind(&self) -> &SessionKind {
        &self.kind
    }

    /// Everything the 200 said.
    #[must_use]
    pub const fn answer(&self) -> &JoinAnswer {
        &self.answer
    }

    /// The IM Session Identity (the Contact URI with `isfocus`), if the focus gave one.
    #[must_use]
    pub fn session_identity(&self) -> Option<&Uri> {
        self.answer.session_identity.as_ref()
    }

    /// The negotiated MSRP session: accept-types, wrapped types, the focus's max-size,
    /// whether the client connects.
    #[must_use]
    pub const fn msrp(&self) -> &NegotiatedSession {
        &self.msrp
    }

    /// The focus's MSRP path (RFC 4975 §8.2): the leftmost URI is the hop to connect to, the
    /// rightmost the To-Path of the client's SENDs.
    #[must_use]
    pub const fn focus_path(&self) -> &Path {
        self.msrp.remote_path()
    }

    /// The dialog, for the ACK, re-INVITEs, UPDATEs and the BYE.
    #[must_use]
    pub const fn dialog(&self) -> &Dialog {
        &self.dialog
    }

    /// The dialog, to drive.
    pub fn dialog_mut(&mut self) -> &mut Dialog {
        &mut self.dialog
    }

    /// The CPIM `From` of the client's messages (REQ: CLI-2): the alias the focus assigned,
    /// or the From the INVITE asked for.
    #[must_use]
    pub const fn sender(&self) -> &Address {
        &self.sender
    }

    /// Whether [`JoinedSession::sender`] is an alias the focus assigned in its 200.
    #[must_use]
    pub const fn alias_assigned(&self) -> bool {
        self.alias_assigned
    }

    /// The CPIM `To` of the client's public messages (REQ: CLI-2): the group identity of a
    /// pre-defined group, the session identity of an ad-hoc one.
    #[must_use]
    pub const fn conference_uri(&self) -> &Bytes {
        &self.conference
    }
}
