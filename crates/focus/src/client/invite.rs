//! The client's INVITEs (seed 004 §6.1.3; REQ: CLI-1): joining a pre-defined group by its
//! identity, and starting an ad-hoc or 1-1 session at a conference factory with the invitees
//! in a resource list (RFC 5366).

use std::net::Ipv6Addr;

use bytes::Bytes;
use simpleim_cpim::Address;
use simpleim_sdp::Origin;
use simpleim_sdp::SessionDescription;
use simpleim_sdp::negotiate::{FileOffer, MsrpCapabilities, Offerer, PendingOffer, SdpOffer};
use simpleim_sip::header::{PrivValue, Privacy, Refresher, SessionExpires};
use simpleim_sip::{HeaderName, IdKind, Method, NameAddr, Request, SipUri, Uri};

use super::config::ANONYMOUS_URI;
use super::error::ClientError;
use super::register::ImClient;
use crate::resource_lists::{RECIPIENT_LIST_INVITE, ResourceLists, recipient_list_body};

/// How the user appears in a session: the chat alias it asks for, and whether it hides its
/// identity (seed 001 §7.1.3.2.1; REQ: CLI-1, ALIAS-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct InviteOptions {
    /// The chat alias asked for: the display name of From. `None` takes
    /// [`ClientConfig::display_name`](super::ClientConfig::display_name).
    pub alias: Option<String>,
    /// Anonymity: `Privacy: id` and From `"alias" <sip:anonymous@anonymous.invalid>`; the
    /// focus refuses with 403 (Warning 119) where the group does not allow it.
    pub anonymous: bool,
}

impl InviteOptions {
    /// Public, under the configured display name.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Public, asking for the chat alias `alias`.
    #[must_use]
    pub fn with_alias(alias: &str) -> Self {
        Self {
            alias: Some(alias.to_owned()),
            anonymous: false,
        }
    }

    /// Anonymous, asking for the chat alias `alias` (seed 001: the "User_Input_Name").
    #[must_use]
    pub fn anonymous(alias: &str) -> Self {
        Self {
            alias: Some(alias.to_owned()),
            anonymous: true,
        }
    }
}

/// What kind of session an INVITE asks for; it decides the CPIM `To` of the session's
/// public messages (REQ: CLI-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionKind {
    /// Joining a pre-defined group by its IM Group Identity (seed 004 §6.1.3.2.5): public
    /// messages go to the group identity.
    PreDefined {
        /// The group identity (the Request-URI).
        group: SipUri,
    },
    /// An ad-hoc group or a 1-1 session started at a conference factory (seed 004
    /// §6.1.3.2.1, §6.1.3.2.2): public messages go to the session identity the focus gives
    /// in its Contact.
    AdHoc {
        /// The conference-factory URI (the Request-URI).
        factory: SipUri,
        /// How many distinct invitees the list names.
        invitees: usize,
    },
}

/// An INVITE built by the client, and what it needs to read the answer: the pending SDP
/// offer, the kind of session, the From it asked to appear as.
#[derive(Debug, Clone)]
pub struct OutgoingInvite {
    pub(super) request: Request,
    pub(super) offer: PendingOffer,
    pub(super) kind: SessionKind,
    pub(super) requested: Address,
    pub(super) anonymous: bool,
}

impl OutgoingInvite {
    /// The request to send.
    #[must_use]
    pub const fn request(&self) -> &Request {
        &self.request
    }

    /// The SDP offer it carries.
    #[must_use]
    pub const fn offer(&self) -> &SessionDescription {
        self.offer.offer()
    }

    /// The kind of session asked for.
    #[must_use]
    pub const fn kind(&self) -> &SessionKind {
        &self.kind
    }

    /// The address the client asked to appear as: its From without tag (the alias at
    /// `anonymous@anonymous.invalid` when anonymous), as a CPIM address.
    #[must_use]
    pub const fn requested_alias(&self) -> &Address {
        &self.requested
    }

    /// Whether it asked for anonymity (`Privacy: id`).
    #[must_use]
    pub const fn is_anonymous(&self) -> bool {
        self.anonymous
    }
}

/// A 62-bit number from an identifier (FNV-1a): the SDP session id of RFC 8866 §5.2 need
/// only be unique, and the generator is the client's one source of uniqueness.
fn session_number(id: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in id {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h >> 2
}

impl ImClient {
    /// An INVITE that joins the pre-defined group `group` (seed 004 §6.1.3.2.5; REQ: CLI-1):
    /// the headers of §6.1.3.1 (see the [module documentation](super)) and the SDP offer.
    ///
    /// # Errors
    /// [`ClientError`] when the configured values cannot be written.
    pub fn join_group(
        &mut self,
        group: &SipUri,
        options: &InviteOptions,
    ) -> Result<OutgoingInvite, ClientError> {
        let (offer, sdp) = self.offer()?;
        self.invite_group(group, options, offer, &sdp)
    }

    /// An INVITE to the conference factory `factory` that starts an ad-hoc group, or a 1-1
    /// session with one invitee (seed 004 §6.1.3.2.1, §6.1.3.2.2; REQ: CLI-1, FOC-4):
    /// the headers of §6.1.3.1, `Require: recipient-list-invite` if configured, and a
    /// `multipart/mixed` body of the SDP offer and `invitees` (RFC 5366 §4).
    ///
    /// # Errors
    /// [`ClientError::NoInvitees`] for a list without entries;
    /// [`ClientError::TooManyInvitees`] beyond `MAX-ADHOC-GROUP-SIZE` (the distinct URIs are
    /// counted); [`ClientError`] when the configured values cannot be written.
    pub fn start_adhoc(
        &mut self,
        factory: &SipUri,
        invitees: &ResourceLists,
        options: &InviteOptions,
    ) -> Result<OutgoingInvite, ClientError> {
        let count = invitees.unique_uris().len();
        if count == 0 {
            return Err(ClientError::NoInvitees);
        }
        if let Some(max) = self.config().max_adhoc_group_size {
            if count > max {
                return Err(ClientError::TooManyInvitees { count, max });
            }
        }
        let (offer, sdp) = self.offer()?;
        let sdp = sdp.to_bytes();
        // The boundary comes from the generator; a clash with the parts' bytes is
        // vanishingly rare, and another draw settles it.
        let mut body = None;
        let mut last = None;
        for _ in 0..4 {
            let tag = self.next_id(IdKind::Tag);
            let boundary = format!("rl-{}", String::from_utf8_lossy(&tag));
            match recipient_list_body(sdp.clone(), invitees, &boundary) {
                Ok(b) => {
                    body = Some(b);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let body = match (body, last) {
            (Some(b), _) => b,
            (None, Some(e)) => return Err(e.into()),
            (None, None) => return Err(ClientError::NoInvitees),
        };
        let content_type = String::from_utf8_lossy(&body.content_type).into_owned();
        let kind = SessionKind::AdHoc {
            factory: factory.clone(),
            invitees: count,
        };
        let recipient_list = self.config().require_recipient_list_invite;
        self.invite(
            factory,
            options,
            kind,
            offer,
            &content_type,
            body.body,
            recipient_list,
        )
    }

    /// An INVITE that pushes a file to the group `group` (RFC 5547 §8.1): the headers of
    /// §6.1.3.1 and an offer of one `m=message` line from `msrp` (the file's own session:
    /// its path, its accept-types the file's type) with `a=sendonly`, the file's
    /// `a=file-selector` and `a=file-transfer-id`. A focus that relays files (see
    /// [`FileTransferConfig`](crate::control::FileTransferConfig)) takes it from a
    /// participant of the room and offers it to the others. Its 2xx is read with
    /// [`OutgoingInvite::accept`]; the dialog ends with a BYE once the file is sent.
    ///
    /// # Errors
    /// [`ClientError`] when the configured values cannot be written.
    pub fn send_file(
        &mut self,
        group: &SipUri,
        options: &InviteOptions,
        msrp: MsrpCapabilities,
        file: &FileOffer,
    ) -> Result<OutgoingInvite, ClientError> {
        let (offer, sdp) = self.offer_of(msrp, Some(file))?;
        self.invite_group(group, options, offer, &sdp)
    }

    /// The INVITE to the pre-defined group `group` with the SDP `offer`.
    fn invite_group(
        &mut self,
        group: &SipUri,
        options: &InviteOptions,
        offer: PendingOffer,
        sdp: &SdpOffer,
    ) -> Result<OutgoingInvite, ClientError> {
        let kind = SessionKind::PreDefined {
            group: group.clone(),
        };
        self.invite(
            group,
            options,
            kind,
            offer,
            "application/sdp",
            sdp.to_bytes(),
            false,
        )
    }

    /// The SDP offer of [`ClientConfig::msrp`](super::ClientConfig::msrp), with a fresh
    /// session id.
    fn offer(&mut self) -> Result<(PendingOffer, SdpOffer), ClientError> {
        let msrp = self.config().msrp.clone();
        self.offer_of(msrp, None)
    }

    /// An offer of `msrp` (and of `file`), with a fresh session id.
    fn offer_of(
        &mut self,
        msrp: MsrpCapabilities,
        file: Option<&FileOffer>,
    ) -> Result<(PendingOffer, SdpOffer), ClientError> {
        let id = self.next_id(IdKind::CallId);
        let address = self.config().sdp_address.clone();
        let origin = Origin {
            username: "-",
            session_id: session_number(&id),
            session_version: 1,
            net_type: "IN",
            addr_type: if address.parse::<Ipv6Addr>().is_ok() {
                "IP6"
            } else {
                "IP4"
            },
            unicast_address: &address,
        };
        let offerer = Offerer::new(msrp);
        Ok(match file {
            Some(file) => offerer.create_file_offer(&origin, file)?,
            None => offerer.create_offer(&origin)?,
        })
    }

    /// The INVITE of seed 004 §6.1.3.1 to `target` with `body`.
    #[allow(
        clippy::too_many_arguments,
        reason = "one private helper for both INVITEs"
    )]
    fn invite(
        &mut self,
        target: &SipUri,
        options: &InviteOptions,
        kind: SessionKind,
        offer: PendingOffer,
        content_type: &str,
        body: Bytes,
        recipient_list: bool,
    ) -> Result<OutgoingInvite, ClientError> {
        let alias = options
            .alias
            .clone()
            .or_else(|| self.config().display_name.clone());
        // Seed 001 §7.1.3.2.1: anonymous@anonymous.invalid, the alias as display name.
        let (from, requested) = if options.anonymous {
            let anonymous = match Uri::parse(&Bytes::from_static(ANONYMOUS_URI.as_bytes())) {
                Ok(u) => NameAddr::new(u),
                Err(e) => return Err(ClientError::Sip(simpleim_sip::BuildError::Malformed(e))),
            };
            let from = match &alias {
                Some(a) => anonymous.with_display_name(a),
                None => anonymous,
            };
            (from, Address::new(alias.as_deref(), ANONYMOUS_URI))
        } else {
            let from = self.identity(alias.as_deref());
            let uri = Bytes::copy_from_slice(self.config().identity.raw());
            (from, Address::new(alias.as_deref(), uri))
        };
        let request_uri = Uri::Sip(target.clone());
        let to = NameAddr::new(request_uri.clone());
        let call_id = self.next_id(IdKind::CallId);
        let contact = self.contact(true);
        let allow = join_methods(&self.config().allow);
        let session_expires = self.config().session_expires;
        let mut b = self
            .start(Method::Invite, &request_uri, &from, &to, &call_id, 1)
            .header_named("Contact", contact.raw())
            .typed(&Self::accept_contact())
            .header(HeaderName::Allow, allow)
            .header(HeaderName::Supported, "timer");
        if let Some(delta) = session_expires {
            b = b.typed(&SessionExpires::new(delta).with_refresher(Refresher::Uac));
        }
        if options.anonymous {
            b = b.typed(&Privacy::new([PrivValue::Id]));
        }
        if recipient_list {
            b = b.header(HeaderName::Require, RECIPIENT_LIST_INVITE);
        }
        let request = b.body(content_type, body).build()?;
        Ok(OutgoingInvite {
            request,
            offer,
            kind,
            requested,
            anonymous: options.anonymous,
        })
    }
}

fn join_methods(methods: &[Method]) -> String {
    let mut out = String::new();
    for (i, m) in methods.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&m.to_string());
    }
    out
}
