//! Why a command of [`Control`](super::Control) was refused: the caller's mistake, or a
//! message that could not be built. Nothing changes when one is returned, except where a
//! variant says otherwise.

use simpleim_sip::BuildError;
use simpleim_sip::dialog::DialogError;
use simpleim_sip::transaction::{SendError, ServerKey};

use super::event::{ParticipantId, RoomId};

/// [`Control::add_room`](super::Control::add_room) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoomError {
    /// A room with the same identity (RFC 3261 §19.1.4 user, host and port) exists.
    #[error("a room with this identity exists ({0})")]
    Duplicate(RoomId),
    /// [`ControlLimits::max_rooms`](super::ControlLimits::max_rooms) rooms exist.
    #[error("too many rooms (limit {limit})")]
    TooManyRooms {
        /// The configured limit.
        limit: usize,
    },
}

/// A command on a room or a participant failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    // --- the caller named something that is not there ------------------------------------
    /// No such room (never added, or removed).
    #[error("no room {0}")]
    UnknownRoom(RoomId),
    /// No such participant (never joined, or gone).
    #[error("no participant {0}")]
    UnknownParticipant(ParticipantId),
    /// No join with this id waits for the host (it was answered, or cancelled).
    #[error("no pending join {0}")]
    NotPending(ParticipantId),
    /// No request handed to the host waits under this key (answered already, or its
    /// transaction is over).
    #[error("no request waits under {0:?}")]
    UnknownRequest(ServerKey),
    /// A status outside 300-699 for [`Control::reject_join`](super::Control::reject_join).
    #[error("{0} is not a failure status")]
    NotAFailure(u16),
    /// [`Control::offer_file`](super::Control::offer_file) could not offer the file: 488
    /// when file transfer is not configured, 503 at the transfer limit, else the status of
    /// an INVITE that could not be built or sent.
    #[error("the file could not be offered ({0})")]
    NotOffered(u16),

    // --- a message could not be built or sent (the participant is gone all the same) -----
    /// The dialog refused to build the request.
    #[error(transparent)]
    Dialog(#[from] DialogError),
    /// A message could not be written.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The transaction layer refused it.
    #[error(transparent)]
    Send(#[from] SendError),
}
