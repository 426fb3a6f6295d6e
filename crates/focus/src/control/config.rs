//! The configuration of a [`Control`](super::Control) and of its rooms.

use core::fmt;

use simpleim_msrp::Scheme;
use simpleim_sdp::attr::{MediaRange, Setup};
use simpleim_sip::dialog::{SentBy, SessionTimerConfig};
use simpleim_sip::header::Server;
use simpleim_sip::transaction::TransactionConfig;
use simpleim_sip::{IdGenerator, Method, NameAddr, SipUri};

use super::directory::GroupDirectory;
use super::policy::{GroupPolicy, RoomPolicy};
use super::start::FinalStatusPolicy;
use super::temporary::LmmConfig;

/// The IM release version the focus announces in its Server header (OMA IM "Release version
/// in User-Agent and Server headers": an IM server writes `IM-serv/OMA<version>`; seed 000
/// §7.2.3.4 b) reads it back to find the next hop's capabilities).
pub const IM_SERVER_PRODUCT: &str = "IM-serv";
/// The product an IM client announces in its User-Agent.
pub const IM_CLIENT_PRODUCT: &str = "IM-client";

/// Bounds of a [`Control`](super::Control) (REQ: SEC-2), each with its defined outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ControlLimits {
    /// Rooms at once: [`Control::add_room`](super::Control::add_room) fails beyond it with
    /// [`RoomError::TooManyRooms`](super::RoomError::TooManyRooms). Default 10 000.
    pub max_rooms: usize,
    /// Participants per room when the [`RoomConfig`] does not say: a join beyond it is
    /// answered 486 (Busy Here) with Warning 399 "Too many participants". Default 1 000.
    pub max_participants: usize,
    /// Joins waiting for [`Control::accept_join`](super::Control::accept_join) at once: an
    /// INVITE beyond it is answered 503 (Service Unavailable) before any other check.
    /// Default 1 000.
    pub max_pending: usize,
    /// Invitees of an ad-hoc group (REQ: FOC-4, the seeds' MAX-ADHOC-GROUP-SIZE): a longer
    /// list gets 403. Default 100.
    pub max_adhoc_group_size: usize,
}

impl Default for ControlLimits {
    fn default() -> Self {
        Self {
            max_rooms: 10_000,
            max_participants: 1_000,
            max_pending: 1_000,
            max_adhoc_group_size: 100,
        }
    }
}

/// Where the focus's MSRP switch listens: every participant gets a URI
/// `scheme://host:port/<session-id>;transport` there (RFC 4975 §6), with a session-id drawn
/// from the [`ControlConfig::ids`] generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsrpEndpoint {
    /// `msrp` or `msrps` (TLS; the SDP proto becomes `TCP/TLS/MSRP`).
    pub scheme: Scheme,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// The port the switch listens on.
    pub port: u16,
    /// The transport token, `tcp`.
    pub transport: String,
}

impl MsrpEndpoint {
    /// `msrp://host:port/...;tcp`.
    #[must_use]
    pub fn tcp(host: &str, port: u16) -> Self {
        Self {
            scheme: Scheme::Msrp,
            host: host.to_owned(),
            port,
            transport: "tcp".to_owned(),
        }
    }
}

/// How a [`Control`](super::Control) behaves. Start from [`ControlConfig::new`] and change the
/// fields you need.
#[non_exhaustive]
pub struct ControlConfig {
    /// The Via sent-by of the focus's own requests (BYE).
    pub sent_by: SentBy,
    /// Where the MSRP switch listens.
    pub msrp: MsrpEndpoint,
    /// The `o=` and `c=` address of the SDP answers (the switch's address).
    pub sdp_address: String,
    /// The Server header of every response (default `IM-serv/OMA1.0 simpleim-focus/<version>`).
    pub server: Server,
    /// The warn-agent of the Warning headers (RFC 3261 §20.43; default: the sent-by host).
    pub warn_agent: String,
    /// What the focus accepts on MSRP (`a=accept-types`): default `message/cpim`, the one type
    /// the switch must support (seed 000 §7.2.3.1). An empty list accepts nothing (every
    /// offer gets 488).
    pub accept_types: Vec<MediaRange>,
    /// The focus's connection role preference (RFC 6135): default `actpass`, so that it
    /// listens for an `active` client and connects to a `passive` or `actpass` one.
    pub setup: Setup,
    /// The largest MSRP message the focus accepts (`a=max-size`), if any.
    pub max_size: Option<u64>,
    /// File transfers through rooms (RFC 5547, see [`FileTransferConfig`](super::FileTransferConfig)). Default `None`:
    /// a file offer is negotiated like a join and refused with 488 "file transfer not
    /// supported".
    pub file_transfer: Option<super::FileTransferConfig>,
    /// Whether the originator must be asserted by the network (P-Asserted-Identity, REQ:
    /// SEC-1). Default `true`: without it the request fails the authorization step (403).
    /// With `false`, the From URI stands in for it (a lab without a trusted core).
    pub require_asserted_identity: bool,
    /// Whether every join that passes the checks waits for the host
    /// ([`ControlEvent::JoinPending`](super::ControlEvent::JoinPending), then
    /// [`Control::accept_join`](super::Control::accept_join) or
    /// [`Control::reject_join`](super::Control::reject_join)). Default `false`: the 200 goes at
    /// once. The composed focus uses it to assign a chat alias and build the 200's body first.
    pub confirm_joins: bool,
    /// Methods the control does not answer itself but hands to its host as
    /// [`ControlEvent::HostRequest`](super::ControlEvent::HostRequest), when they come outside
    /// any participant's dialog (a new request, or one in a dialog the host made, such as a
    /// subscription's): the host answers with [`Control::respond`](super::Control::respond).
    /// They are listed in `Allow`. Default empty; the composed focus adds SUBSCRIBE for the
    /// conference event package (REQ: FOC-8).
    pub host_methods: Vec<Method>,
    /// Bounds.
    pub limits: ControlLimits,
    /// Session timers (RFC 4028, REQ: FOC-9) for every participant: the interval, Min-SE
    /// and refresher choices. Default: RFC 4028's recommendations (1800 s, Min-SE 90, the
    /// focus refreshes when a request leaves it the choice); `None` turns them off.
    pub session_timer: Option<SessionTimerConfig>,
    /// Large Message Mode (REQ: LMM-1): how its requests are recognised and checked.
    pub lmm: LmmConfig,
    /// The conference-factory URI (REQ: FOC-4): an INVITE to it with a list of invitees
    /// creates an ad-hoc group. `None` (the default): no ad-hoc groups.
    pub conference_factory: Option<SipUri>,
    /// Pre-defined groups served on demand (REQ: FOC-3): a request to a URI without a room
    /// is looked up here, and a group found becomes a room. `None` (the default): only rooms
    /// added with `add_room`.
    pub directory: Option<Box<dyn GroupDirectory>>,
    /// Option tags supported beyond the sip crate's defaults (RFC 3261 §8.2.2.3: a Require
    /// naming another gets 420). The composed focus adds `pref` (RFC 3840) when it serves
    /// REGISTER.
    pub extensions: Vec<&'static str>,
    /// The transaction layer's configuration (timers, bound, its own id generator).
    pub transaction: TransactionConfig,
    /// Where tags, branches, SDP session ids and MSRP session-ids come from (seed it from a
    /// real random source in production: MSRP session-ids must be unguessable, RFC 4975
    /// §14.1).
    pub ids: Box<dyn IdGenerator + Send>,
}

impl ControlConfig {
    /// A configuration with the defaults listed on each field.
    #[must_use]
    pub fn new(
        sent_by: SentBy,
        msrp: MsrpEndpoint,
        ids: Box<dyn IdGenerator + Send>,
        transaction: TransactionConfig,
    ) -> Self {
        let warn_agent = sent_by.host().to_owned();
        let sdp_address = msrp.host.clone();
        Self {
            sent_by,
            msrp,
            sdp_address,
            server: Server::new(IM_SERVER_PRODUCT, Some("OMA1.0"))
                .with_product("simpleim-focus", Some(env!("CARGO_PKG_VERSION"))),
            warn_agent,
            accept_types: MediaRange::new("message", "cpim").into_iter().collect(),
            setup: Setup::ActPass,
            max_size: None,
            file_transfer: None,
            require_asserted_identity: true,
            confirm_joins: false,
            host_methods: Vec::new(),
            limits: ControlLimits::default(),
            session_timer: Some(SessionTimerConfig::default()),
            lmm: LmmConfig::default(),
            conference_factory: None,
            directory: None,
            extensions: Vec::new(),
            transaction,
            ids,
        }
    }
}

impl fmt::Debug for ControlConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlConfig")
            .field("sent_by", &self.sent_by)
            .field("msrp", &self.msrp)
            .field("sdp_address", &self.sdp_address)
            .field("server", &self.server)
            .field("warn_agent", &self.warn_agent)
            .field("accept_types", &self.accept_types)
            .field("setup", &self.setup)
            .field("max_size", &self.max_size)
            .field("require_asserted_identity", &self.require_asserted_identity)
            .field("confirm_joins", &self.confirm_joins)
            .field("host_methods", &self.host_methods)
            .field("limits", &self.limits)
            .field("session_timer", &self.session_timer)
            .field("lmm", &self.lmm)
            .field("conference_factory", &self.conference_factory)
            .field("directory", &self.directory)
            .field("extensions", &self.extensions)
            .field("transaction", &self.transaction)
            .finish_non_exhaustive()
    }
}

/// A room (an IM group) to serve, for [`Control::add_room`](super::Control::add_room).
#[derive(Debug)]
#[non_exhaustive]
pub struct RoomConfig {
    /// The group's SIP URI: the Request-URI that reaches it and the focus's Contact (with
    /// `isfocus`) in its dialogs.
    pub identity: SipUri,
    /// The display name of the group, if any.
    pub display_name: Option<String>,
    /// Who may start, join, be anonymous, send private messages.
    pub policy: Box<dyn RoomPolicy>,
    /// The most participants; `None` takes [`ControlLimits::max_participants`].
    pub max_participants: Option<usize>,
    /// The types the room carries inside CPIM (`a=accept-wrapped-types`), default `*`; empty
    /// leaves the attribute out.
    pub accept_wrapped_types: Vec<MediaRange>,
    /// The members of a pre-defined group (its Shared-Group XDM `<list>`): the first INVITE
    /// while the room has no session makes the focus invite each of them but the inviter
    /// (REQ: FOC-3). Empty (the default): the room is joined, never started.
    pub members: Vec<NameAddr>,
    /// The inviter's final status when every member failed (REQ: FOC-3).
    pub all_failed: FinalStatusPolicy,
    /// The services the group supports (its Shared-Group XDM `<supported-services>`).
    pub services: GroupServices,
    /// For a temporary session (REQ: LMM-1, FOC-4): the group it serves, which its switch
    /// also accepts as the conference in a CPIM `To`.
    pub group_identity: Option<SipUri>,
}

impl RoomConfig {
    /// A room at `identity` with the default [`GroupPolicy`].
    #[must_use]
    pub fn new(identity: SipUri) -> Self {
        Self {
            identity,
            display_name: None,
            policy: Box::new(GroupPolicy::default()),
            max_participants: None,
            accept_wrapped_types: vec![MediaRange::any()],
            members: Vec::new(),
            all_failed: FinalStatusPolicy::default(),
            services: GroupServices::default(),
            group_identity: None,
        }
    }

    /// This room as a pre-defined group with `members` (REQ: FOC-3).
    #[must_use]
    pub fn with_members(mut self, members: Vec<NameAddr>) -> Self {
        self.members = members;
        self
    }

    /// The same with a display name.
    #[must_use]
    pub fn with_display_name(mut self, name: &str) -> Self {
        self.display_name = Some(name.to_owned());
        self
    }

    /// The same with another policy.
    #[must_use]
    pub fn with_policy(mut self, policy: impl RoomPolicy + 'static) -> Self {
        self.policy = Box::new(policy);
        self
    }

    /// The same with a participant limit.
    #[must_use]
    pub fn with_max_participants(mut self, max: usize) -> Self {
        self.max_participants = Some(max);
        self
    }
}

/// The services a group supports (seed 003 step 2: the group's `<supported-services>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupServices {
    /// IM chat sessions (default true).
    pub im: bool,
    /// CPM Large Message Mode (REQ: LMM-1; default false: 404 to a large message).
    pub large_message: bool,
}

impl Default for GroupServices {
    fn default() -> Self {
        Self {
            im: true,
            large_message: false,
        }
    }
}

impl GroupServices {
    /// IM and Large Message Mode.
    #[must_use]
    pub const fn with_large_message() -> Self {
        Self {
            im: true,
            large_message: true,
        }
    }
}
