//! The client, and its REGISTER (seed 004 §6.1.1; REQ: CLI-1).

use core::fmt;

use bytes::Bytes;
use simpleim_sip::header::{AcceptContact, Expires, OMA_SIP_IM};
use simpleim_sip::{
    HeaderName, IdGenerator, IdKind, Method, NameAddr, Request, RequestBuilder, Uri,
};

use super::config::ClientConfig;
use super::error::ClientError;

/// Max-Forwards of every request the client originates (RFC 3261 §8.1.1.6).
const MAX_FORWARDS: u8 = 70;

/// What a REGISTER asks for (seed 004 §6.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Registration {
    /// Register, or refresh, for IM: Contact with `+g.oma.sip-im`, Expires =
    /// [`ClientConfig::register_expires`] (§6.1.1.1, §6.1.1.2).
    Im,
    /// Stay registered with the SIP/IP core but leave IM: the same Contact without the
    /// feature tag (§6.1.1.3 step 2).
    WithoutIm,
    /// De-register: `Expires: 0` (§6.1.1.3 step 3).
    Deregister,
}

/// An OMA SIMPLE IM client's request builder (REQ: CLI-1): REGISTER, the INVITE that joins a
/// pre-defined group, the INVITE that starts an ad-hoc or 1-1 session at a conference
/// factory. Deterministic: every branch, tag and Call-ID comes from the injected
/// [`IdGenerator`]. It keeps only what RFC 3261 §10.2.4 asks a registering UA to keep (the
/// REGISTER Call-ID and CSeq); sessions are values it hands out
/// ([`OutgoingInvite`](super::OutgoingInvite)).
pub struct ImClient {
    config: ClientConfig,
    ids: Box<dyn IdGenerator + Send>,
    /// The Call-ID of every REGISTER to the registrar, and the last CSeq used.
    register: Option<(Bytes, u32)>,
}

impl fmt::Debug for ImClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImClient")
            .field("config", &self.config)
            .field("register", &self.register)
            .finish_non_exhaustive()
    }
}

impl ImClient {
    /// A client with `config`, drawing identifiers from `ids` (seed it from a real random
    /// source in production: tags and Call-IDs face the network).
    #[must_use]
    pub fn new(config: ClientConfig, ids: Box<dyn IdGenerator + Send>) -> Self {
        Self {
            config,
            ids,
            register: None,
        }
    }

    /// The configuration.
    #[must_use]
    pub const fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The configuration, to change (a new contact after a network change, ...).
    pub fn config_mut(&mut self) -> &mut ClientConfig {
        &mut self.config
    }

    pub(super) fn next_id(&mut self, kind: IdKind) -> Bytes {
        self.ids.next_id(kind)
    }

    /// The Contact value: the device URI, with the IM feature tag unless `im` is false.
    pub(super) fn contact(&self, im: bool) -> NameAddr {
        let contact = NameAddr::new(Uri::Sip(self.config.contact.clone()));
        if im {
            contact.with_param(OMA_SIP_IM, None)
        } else {
            contact
        }
    }

    /// `Accept-Contact: *;+g.oma.sip-im;require;explicit` (seed 004 §6.1.3.1 step 1,
    /// RFC 3841).
    pub(super) fn accept_contact() -> AcceptContact {
        AcceptContact::new()
            .with_feature(OMA_SIP_IM, None)
            .with_require()
            .with_explicit()
    }

    /// A request's first lines: Via with a new branch, Max-Forwards, From (with a new tag),
    /// To, Call-ID, CSeq; then User-Agent and, if configured, P-Preferred-Identity.
    pub(super) fn start(
        &mut self,
        method: Method,
        request_uri: &Uri,
        from: &NameAddr,
        to: &NameAddr,
        call_id: &[u8],
        cseq: u32,
    ) -> RequestBuilder {
        let mut ids: &mut (dyn IdGenerator + Send) = &mut *self.ids;
        let via = self.config.sent_by.via(&mut ids);
        let tag = self.next_id(IdKind::Tag);
        let from = from
            .clone()
            .with_tag(core::str::from_utf8(&tag).unwrap_or_default());
        let mut b = Request::builder(method.clone(), request_uri)
            .typed(&via)
            .header(HeaderName::MaxForwards, MAX_FORWARDS)
            .header_named("From", from.raw())
            .header_named("To", to.raw())
            .header_named("Call-ID", call_id)
            .header(HeaderName::CSeq, format!("{cseq} {method}"))
            .typed(&self.config.user_agent);
        if self.config.preferred_identity {
            b = b.header_named(
                "P-Preferred-Identity",
                format!("<{}>", self.config.identity),
            );
        }
        b
    }

    /// The identity as a name-addr, with the configured display name.
    pub(super) fn identity(&self, display_name: Option<&str>) -> NameAddr {
        let na = NameAddr::new(Uri::Sip(self.config.identity.clone()));
        match display_name {
            Some(d) => na.with_display_name(d),
            None => na,
        }
    }

    /// A REGISTER (seed 004 §6.1.1; REQ: CLI-1): To and From the identity, Contact with the
    /// IM feature tag (`+g.oma.sip-im`, step 2) unless leaving IM, `Require: pref` (step 3,
    /// if configured), User-Agent with the IM release (step 4), Expires. Every REGISTER of
    /// this client shares one Call-ID and counts its CSeq up (RFC 3261 §10.2.4).
    ///
    /// # Errors
    /// [`ClientError::Sip`] when a configured value cannot be written.
    pub fn register(&mut self, what: Registration) -> Result<Request, ClientError> {
        let (call_id, cseq) = match &self.register {
            Some((call_id, cseq)) => (call_id.clone(), cseq.saturating_add(1)),
            None => (self.next_id(IdKind::CallId), 1),
        };
        self.register = Some((call_id.clone(), cseq));
        let expires = match what {
            Registration::Im | Registration::WithoutIm => self.config.register_expires,
            Registration::Deregister => 0,
        };
        let aor = self.identity(self.config.display_name.as_deref());
        let registrar = Uri::Sip(self.config.registrar.clone());
        // Leaving IM re-registers the same URI without the feature tag; de-registering
        // removes the binding of the URI (its parameters play no part in it).
        let contact = self.contact(what != Registration::WithoutIm);
        let mut b = self
            .start(Method::Register, &registrar, &aor, &aor, &call_id, cseq)
            .header_named("Contact", contact.raw())
            .typed(&Expires::new(expires));
        if self.config.register_require_pref {
            b = b.header(HeaderName::Require, "pref");
        }
        Ok(b.build()?)
    }
}
