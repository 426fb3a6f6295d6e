//! How a [`Focus`](super::Focus) is configured: [`FocusConfig`], [`FocusLimits`], and where
//! its identifiers come from ([`IdFactory`]).

use core::fmt;
use core::time::Duration;

use simpleim_msrp::{IdGenerator, Limits};
use simpleim_sip::Method;

use crate::control::ControlConfig;
use crate::switch::SwitchLimits;

/// Makes an independent MSRP identifier generator: one for the focus itself (bodiless
/// SENDs, multipart boundaries, SIP tags of subscriptions) and one per room's switch. No RNG
/// inside the focus: in production each call returns a generator seeded from a real random
/// source (Message-IDs and tags face the network); tests return seeded ones.
pub type IdFactory = Box<dyn FnMut() -> Box<dyn IdGenerator> + Send>;

/// Bounds of the composed focus (REQ: SEC-2), beside those of its parts
/// ([`ControlConfig::limits`], [`FocusConfig::switch_limits`], [`FocusConfig::msrp_limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FocusLimits {
    /// MSRP connections known at once; a connection beyond it is refused at
    /// [`Focus::handle_msrp_connected`](super::Focus::handle_msrp_connected) with
    /// [`FocusEvent::CloseConnection`](super::FocusEvent::CloseConnection). Default 10 000.
    pub max_connections: usize,
    /// Conference-event subscriptions at once (REQ: FOC-8); a SUBSCRIBE beyond it gets 503.
    /// Default 10 000.
    pub max_subscriptions: usize,
    /// Aliases and conference-info members per room. Default 1 000.
    pub max_members: usize,
    /// How long an MSRP connection may stay unbound, and how long a joined participant may
    /// stay without a bound connection (RFC 4975 §5.4: the connection's first request binds
    /// it). An unbound connection past it is closed ([`CloseReason::BindTimeout`]); a
    /// participant past it is removed with a BYE (REQ: FOC-6). Default 30 s, the MSRP
    /// transaction timeout.
    ///
    /// [`CloseReason::BindTimeout`]: super::CloseReason::BindTimeout
    pub bind_timeout: Duration,
}

impl Default for FocusLimits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_subscriptions: 10_000,
            max_members: 1_000,
            bind_timeout: Duration::from_secs(30),
        }
    }
}

/// How a [`Focus`](super::Focus) behaves. Start from [`FocusConfig::new`].
#[non_exhaustive]
pub struct FocusConfig {
    /// The SIP control plane's configuration. [`FocusConfig::new`] sets
    /// [`ControlConfig::confirm_joins`] (the focus assigns the alias before the 200 OK) and
    /// adds SUBSCRIBE to [`ControlConfig::host_methods`] (REQ: FOC-8).
    pub control: ControlConfig,
    /// The bounds of every room's switch.
    pub switch_limits: SwitchLimits,
    /// Whether private messages are allowed in the rooms (REQ: SW-8 a; default true).
    pub allow_private_messages: bool,
    /// The MSRP decoder's bounds, per connection.
    pub msrp_limits: Limits,
    /// The composed focus's own bounds.
    pub limits: FocusLimits,
    /// The longest conference-event subscription granted, in seconds (default 3600).
    pub max_subscription_expires: u32,
    /// Where identifiers come from.
    pub ids: IdFactory,
    /// Deferred messaging (REQ: DEF-1, DEF-2, DEF-3) beside the rooms; `None` (the
    /// default): MESSAGE and REGISTER get 405.
    pub deferred: Option<super::deferred::DeferredSetup>,
    /// Pager-mode group messages (REQ: GRP-1): a MESSAGE to a group, or to the conference
    /// factory with a recipient list, exploded to the members; see
    /// [`pager`](super::pager). `None` (the default): such a MESSAGE gets 405.
    pub pager: Option<super::pager::PagerConfig>,
    /// The IM server's presence source (REQ: PRES-1): availability published on
    /// registration and de-registration, which the deferred service tells; see
    /// [`presence`](super::presence). `None` (the default): nothing is published.
    pub presence: Option<super::presence::PresenceSetup>,
}

impl FocusConfig {
    /// A configuration around `control`, with default limits.
    #[must_use]
    pub fn new(mut control: ControlConfig, ids: IdFactory) -> Self {
        control.confirm_joins = true;
        if !control.host_methods.contains(&Method::Subscribe) {
            control.host_methods.push(Method::Subscribe);
        }
        Self {
            control,
            switch_limits: SwitchLimits::default(),
            allow_private_messages: true,
            msrp_limits: Limits::default(),
            limits: FocusLimits::default(),
            max_subscription_expires: 3600,
            ids,
            deferred: None,
            pager: None,
            presence: None,
        }
    }
}

impl fmt::Debug for FocusConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FocusConfig")
            .field("control", &self.control)
            .field("switch_limits", &self.switch_limits)
            .field("allow_private_messages", &self.allow_private_messages)
            .field("msrp_limits", &self.msrp_limits)
            .field("limits", &self.limits)
            .field("max_subscription_expires", &self.max_subscription_expires)
            .field("deferred", &self.deferred)
            .field("pager", &self.pager)
            .field("presence", &self.presence)
            .finish_non_exhaustive()
    }
}
