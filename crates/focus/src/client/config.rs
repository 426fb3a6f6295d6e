//! How an IM client is configured: who it is, where it is reached, what it announces
//! (REQ: CLI-1).

use bytes::Bytes;
use simpleim_sdp::attr::{AcceptTypes, AcceptWrappedTypes, Path, Setup};
use simpleim_sdp::negotiate::MsrpCapabilities;
use simpleim_sip::dialog::SentBy;
use simpleim_sip::header::UserAgent;
use simpleim_sip::{Host, Method, SipUri, Uri};

use super::error::ConfigError;
use crate::control::IM_CLIENT_PRODUCT;

/// The OMA IM release this client announces: `User-Agent: IM-client/OMA1.0` (OMA IM
/// "Release version in User-Agent and Server headers"; seed 004 §6.1.1.1 step 4, §6.1.3.1
/// step 2). A focus reads it back before it relays private messages (seed 000 §7.2.3.4 b).
pub const IM_RELEASE_VERSION: &str = "OMA1.0";

/// The From URI of an anonymous request (seed 001 §7.1.3.2.1: `<anonymous@anonymous.invalid>`,
/// RFC 3323 §4.1.1.3).
pub const ANONYMOUS_URI: &str = "sip:anonymous@anonymous.invalid";

/// The default session interval, in seconds (RFC 4028 §4 recommends 1800).
pub const DEFAULT_SESSION_EXPIRES: u32 = 1800;

/// The default registration interval, in seconds.
pub const DEFAULT_REGISTER_EXPIRES: u32 = 3600;

/// How an [`ImClient`](super::ImClient) writes its requests. Start from
/// [`ClientConfig::new`] and change the fields you need.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The user's public IM address (the address of record): From of its requests, To of its
    /// REGISTER, and its CPIM From when it is not anonymous (REQ: CLI-2).
    pub identity: SipUri,
    /// The user's display name, written in From (the focus takes it as the chat alias asked
    /// for, seed 001 §7.2.3.2) unless [`InviteOptions`](super::InviteOptions) say otherwise.
    pub display_name: Option<String>,
    /// The Via sent-by of every request: the transport and the host and port the client sends
    /// from (the host knows them; this crate does not).
    pub sent_by: SentBy,
    /// The device's own URI, for Contact (the feature tag `+g.oma.sip-im` is added to it).
    /// Default: the identity's user at the sent-by host and port, with `;transport=` unless
    /// UDP.
    pub contact: SipUri,
    /// The Request-URI of REGISTER: the registrar's domain (RFC 3261 §10.2, no user part).
    /// Default: the identity's host.
    pub registrar: SipUri,
    /// The User-Agent of every request (default `IM-client/OMA1.0 simpleim/<version>`).
    pub user_agent: UserAgent,
    /// The methods in Allow (seed 004 §6.1.3.1 step 3: "all supported SIP methods"). Default
    /// INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, MESSAGE, NOTIFY.
    pub allow: Vec<Method>,
    /// The session interval of `Session-Expires: <n>;refresher=uac` (RFC 4028; seed 004
    /// §6.1.3.1 step 8), or `None` to leave it out. `Supported: timer` is always written
    /// (step 7). Default [`DEFAULT_SESSION_EXPIRES`].
    pub session_expires: Option<u32>,
    /// The Expires of a REGISTER for IM. Default [`DEFAULT_REGISTER_EXPIRES`].
    pub register_expires: u32,
    /// Whether REGISTER carries `Require: pref` (seed 004 §6.1.1.1 step 3, RFC 3840 §9).
    /// Default `true`; a registrar without RFC 3840 then answers 420.
    pub register_require_pref: bool,
    /// Whether requests carry `P-Preferred-Identity: <identity>` (RFC 3325 §9.2): the
    /// identity the client wants the network to assert, which is how the focus learns who is
    /// behind an anonymous From (seed 004 §6.1.3.1 step 4). Default `true`.
    pub preferred_identity: bool,
    /// Whether an INVITE to a conference factory carries `Require: recipient-list-invite`
    /// (RFC 5366), so that a server that would ignore the list fails the request instead.
    /// Default `true`.
    pub require_recipient_list_invite: bool,
    /// `MAX-ADHOC-GROUP-SIZE` as provisioned (seed 004 §6.1.3.2.2 step 6): the most invitees
    /// an ad-hoc INVITE may list, or `None` for no bound. Default `None`.
    pub max_adhoc_group_size: Option<usize>,
    /// The MSRP offer (REQ: SDP-2): `accept-types`, `accept-wrapped-types`, `max-size`,
    /// `path`, `setup`. Default: `message/cpim` only (the type a focus must carry, seed 000
    /// §7.2.3.1), any type wrapped in it (`*`), no max-size, setup `actpass` (RFC 6135 §4.1:
    /// the offerer lets the answerer choose; set `active` behind a NAT that accepts no
    /// incoming connection).
    pub msrp: MsrpCapabilities,
    /// The `o=` and `c=` address of the SDP offer. Default: the sent-by host.
    pub sdp_address: String,
}

impl ClientConfig {
    /// A configuration for the user `identity` (a SIP or SIPS URI) sending from `sent_by`,
    /// whose MSRP endpoint is `msrp_path` (its `a=path`, e.g.
    /// `msrp://pc.example.com:7777/s9k1;tcp`), with the defaults listed on each field.
    ///
    /// # Errors
    /// [`ConfigError`] when `identity` is not a SIP URI, `msrp_path` not an MSRP path, or the
    /// default contact or registrar cannot be written from them.
    pub fn new(identity: &str, sent_by: SentBy, msrp_path: &str) -> Result<Self, ConfigError> {
        let identity = sip_uri(identity).ok_or(ConfigError::Identity)?;
        let path = Path::parse(&Bytes::copy_from_slice(msrp_path.as_bytes()))
            .map_err(ConfigError::MsrpPath)?;
        let contact = default_contact(&identity, &sent_by).ok_or(ConfigError::Contact)?;
        let registrar = default_registrar(&identity).ok_or(ConfigError::Registrar)?;
        let user_agent = UserAgent::new(IM_CLIENT_PRODUCT, Some(IM_RELEASE_VERSION))
            .with_product("simpleim", Some(env!("CARGO_PKG_VERSION")));
        Ok(Self {
            sdp_address: sent_by.host().to_owned(),
            identity,
            display_name: None,
            sent_by,
            contact,
            registrar,
            user_agent,
            allow: vec![
                Method::Invite,
                Method::Ack,
                Method::Bye,
                Method::Cancel,
                Method::Options,
                Method::Update,
                Method::Message,
                Method::Notify,
            ],
            session_expires: Some(DEFAULT_SESSION_EXPIRES),
            register_expires: DEFAULT_REGISTER_EXPIRES,
            register_require_pref: true,
            preferred_identity: true,
            require_recipient_list_invite: true,
            max_adhoc_group_size: None,
            msrp: im_capabilities(path)?,
        })
    }

    /// The same with a display name.
    #[must_use]
    pub fn with_display_name(mut self, name: &str) -> Self {
        self.display_name = Some(name.to_owned());
        self
    }
}

/// The default MSRP capabilities of an IM client at `path`: see [`ClientConfig::msrp`].
fn im_capabilities(path: Path) -> Result<MsrpCapabilities, ConfigError> {
    let accept =
        AcceptTypes::parse(&Bytes::from_static(b"message/cpim")).map_err(ConfigError::MsrpPath)?;
    let wrapped =
        AcceptWrappedTypes::parse(&Bytes::from_static(b"*")).map_err(ConfigError::MsrpPath)?;
    Ok(MsrpCapabilities::builder(path, accept)
        .accept_wrapped_types(wrapped)
        .setup(Setup::ActPass)
        .build())
}

pub(super) fn sip_uri(s: &str) -> Option<SipUri> {
    match Uri::parse(&Bytes::copy_from_slice(s.as_bytes())) {
        Ok(Uri::Sip(u)) => Some(u),
        _ => None,
    }
}

/// The host part as written in a URI (IPv6 in brackets).
fn host_text(uri: &SipUri) -> String {
    match uri.host() {
        Host::Domain(name) => String::from_utf8_lossy(name).into_owned(),
        Host::Ipv4(a) => a.to_string(),
        Host::Ipv6 { raw, .. } => format!("[{}]", String::from_utf8_lossy(&raw)),
    }
}

fn default_contact(identity: &SipUri, sent_by: &SentBy) -> Option<SipUri> {
    let scheme = if identity.is_secure() { "sips" } else { "sip" };
    let user = identity
        .user()
        .map(|u| format!("{}@", String::from_utf8_lossy(u)))
        .unwrap_or_default();
    let host = sent_by.host();
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let port = sent_by.port().map(|p| format!(":{p}")).unwrap_or_default();
    let transport = if sent_by.transport().eq_ignore_ascii_case("UDP") {
        String::new()
    } else {
        format!(";transport={}", sent_by.transport().to_ascii_lowercase())
    };
    sip_uri(&format!("{scheme}:{user}{host}{port}{transport}"))
}

fn default_registrar(identity: &SipUri) -> Option<SipUri> {
    let scheme = if identity.is_secure() { "sips" } else { "sip" };
    sip_uri(&format!("{scheme}:{}", host_text(identity)))
}
