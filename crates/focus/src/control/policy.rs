//! Who may use a room (OMA IM seeds 002 §7.2.1.3 steps 4 to 6, 000 §7.2.3.2, §7.2.3.4):
//! the [`RoomPolicy`] trait the control plane asks, and [`GroupPolicy`], the plain
//! configuration that implements it from the elements of an IM group definition.

use core::fmt;

use simpleim_sip::Uri;

/// The answers the control plane needs about an authenticated originator (the
/// P-Asserted-Identity of the request, REQ: SEC-1). Every method has a default, so a policy
/// overrides only what it decides; the defaults let everyone in, without anonymity.
///
/// The methods are called in the order of REQ: FOC-1 and the first `false` decides the
/// response (403 each time).
pub trait RoomPolicy: fmt::Debug + Send {
    /// Seed 002 §7.2.1.3 step 4, "IM Session initiation policy": may `originator` use this
    /// group at all? `session_active` tells whether the room already has participants (an
    /// active IM session) or would be started by this request. Default: yes.
    fn authorize(&self, originator: &Uri, session_active: bool) -> bool {
        let _ = (originator, session_active);
        true
    }

    /// Seed 002 §7.2.1.3 step 5, "IM Session joining policy": may `originator` join? Default:
    /// yes.
    fn may_join(&self, originator: &Uri) -> bool {
        let _ = originator;
        true
    }

    /// Seed 002 §7.2.1.3 step 6 and 000 §7.2.3.2 (`<allow-anonymity>`): may `originator`
    /// take part anonymously (`Privacy: id`)? Default: no.
    fn may_be_anonymous(&self, originator: &Uri) -> bool {
        let _ = originator;
        false
    }

    /// Seed 000 §7.2.3.4 (`<allow-private-message>`): may `originator` send private
    /// messages? The control plane only reports it in
    /// [`ControlEvent::Joined`](super::ControlEvent::Joined); the MSRP switch enforces it.
    /// Default: yes.
    fn allows_private_messages(&self, originator: &Uri) -> bool {
        let _ = originator;
        true
    }
}

/// A set of users: everyone, no one, or the listed URIs (compared by RFC 3261 §19.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Members {
    /// Every authenticated originator.
    #[default]
    Everyone,
    /// No one.
    Nobody,
    /// Only these users.
    Only(Vec<Uri>),
}

impl Members {
    /// Whether `user` belongs to the set.
    #[must_use]
    pub fn contains(&self, user: &Uri) -> bool {
        match self {
            Self::Everyone => true,
            Self::Nobody => false,
            Self::Only(list) => list.iter().any(|u| u == user),
        }
    }
}

/// The default [`RoomPolicy`]: the rules of an IM group definition as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPolicy {
    /// Who may start a session (the room has no participants yet). Default: everyone.
    pub initiators: Members,
    /// Who may join. Default: everyone.
    pub joiners: Members,
    /// `<allow-anonymity>`: who may join with `Privacy: id`. Default: nobody.
    pub allow_anonymity: Members,
    /// `<allow-private-message>`: who may send private messages. Default: everyone.
    pub allow_private_message: Members,
}

impl Default for GroupPolicy {
    fn default() -> Self {
        Self {
            initiators: Members::Everyone,
            joiners: Members::Everyone,
            allow_anonymity: Members::Nobody,
            allow_private_message: Members::Everyone,
        }
    }
}

impl RoomPolicy for GroupPolicy {
    fn authorize(&self, originator: &Uri, session_active: bool) -> bool {
        session_active || self.initiators.contains(originator)
    }

    fn may_join(&self, originator: &Uri) -> bool {
        self.joiners.contains(originator)
    }

    fn may_be_anonymous(&self, originator: &Uri) -> bool {
        self.allow_anonymity.contains(originator)
    }

    fn allows_private_messages(&self, originator: &Uri) -> bool {
        self.allow_private_message.contains(originator)
    }
}
