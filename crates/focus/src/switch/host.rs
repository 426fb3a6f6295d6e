//! What the host (the composed focus) writes or changes on a participant beside the relay:
//! its own frames (answers to the requests handed over as [`SwitchEvent::Unhandled`]), and the
//! alias a participant is reached by after a NICKNAME (REQ: CHAT-1).
//!
//! [`SwitchEvent::Unhandled`]: super::SwitchEvent::Unhandled

use std::fmt;
use std::hash::Hash;

use bytes::Bytes;

use super::Switch;
use super::event::SwitchError;

impl<P: Copy + Eq + Ord + Hash + fmt::Debug> Switch<P> {
    /// Writes a whole frame of the host's making (a response to a NICKNAME, to a bodiless
    /// SEND, ...) to `to`'s connection, between frames: a relayed chunk open on it is first
    /// ended with `+` and resumes in a new chunk after (RFC 4975 §7.1.1). Writing to the
    /// connection directly could cut a relayed chunk in two. The frame counts against the
    /// participant's queue bounds like any other.
    ///
    /// # Errors
    /// [`SwitchError::UnknownParticipant`].
    pub fn push_frame(&mut self, to: P, frame: Bytes) -> Result<(), SwitchError> {
        let peer = self
            .peers
            .get_mut(&to)
            .ok_or(SwitchError::UnknownParticipant)?;
        peer.push_frame(frame);
        self.refresh_ready();
        Ok(())
    }

    /// Changes the chat alias a participant is reached by in private messages (REQ: SW-8,
    /// CHAT-1: after a NICKNAME), compared under the alias normalization.
    ///
    /// # Errors
    /// [`SwitchError::UnknownParticipant`].
    pub fn set_alias(&mut self, key: P, alias: Option<String>) -> Result<(), SwitchError> {
        let peer = self
            .peers
            .get_mut(&key)
            .ok_or(SwitchError::UnknownParticipant)?;
        peer.set_alias(alias);
        Ok(())
    }
}
