//! The CPIM body of the client's SENDs in a conference (seed 001/002 §7.1.3.2.1; REQ: CLI-2).

use bytes::Bytes;
use simpleim_cpim::{Address, BuildError, CpimBuilder, conference_send};

use super::answer::JoinedSession;

/// The MSRP Content-Type of a SEND that carries a body of this module (the switch carries
/// only `message/cpim`, seed 000 §7.2.3.1).
pub const CPIM_CONTENT_TYPE: &str = "message/cpim";

/// Who a message is for (seed 000 §7.2.3.3, §7.2.3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendTarget {
    /// Everyone in the session: CPIM `To` is the conference (REQ: SW-4).
    Conference,
    /// One participant, by its address or alias as the conference shows it: a private
    /// message, which the focus relays only where the group allows it (REQ: SW-8).
    Private(Address),
}

impl JoinedSession {
    /// The CPIM builder of a message to `target` (REQ: CLI-2): `From` =
    /// [`JoinedSession::sender`] (the user's address, or the alias the focus assigned),
    /// `To` = [`JoinedSession::conference_uri`] for the conference, else the participant;
    /// the payload of `content_type`. Add IMDN or other headers before building.
    #[must_use]
    pub fn cpim(
        &self,
        target: SendTarget,
        content_type: &str,
        payload: impl Into<Bytes>,
    ) -> CpimBuilder {
        let to = match target {
            SendTarget::Conference => Address::uri_only(self.conference_uri().clone()),
            SendTarget::Private(to) => to,
        };
        conference_send(self.sender().clone(), to, content_type, payload)
    }

    /// The body of a SEND to everyone (Content-Type [`CPIM_CONTENT_TYPE`]).
    ///
    /// # Errors
    /// [`BuildError`] when a URI or the content type cannot be written.
    pub fn message(
        &self,
        content_type: &str,
        payload: impl Into<Bytes>,
    ) -> Result<Bytes, BuildError> {
        let msg = self
            .cpim(SendTarget::Conference, content_type, payload)
            .build()?;
        Ok(msg.as_bytes().clone())
    }

    /// The body of a private SEND to the participant `to`.
    ///
    /// # Errors
    /// [`BuildError`] when a URI or the content type cannot be written.
    pub fn private_message(
        &self,
        to: Address,
        content_type: &str,
        payload: impl Into<Bytes>,
    ) -> Result<Bytes, BuildError> {
        let msg = self
            .cpim(SendTarget::Private(to), content_type, payload)
            .build()?;
        Ok(msg.as_bytes().clone())
    }
}
