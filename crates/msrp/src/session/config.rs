//! What a [`Session`](crate::Session) is configured with, and the media-type matching of
//! `accept-types` (RFC 4975 §8.6).

use core::fmt;
use std::time::Duration;

use crate::decode::Limits;
use crate::demux::MatchMode;
use crate::uri::{MsrpUri, Path};

use super::ids::IdGenerator;

/// The largest chunk body RFC 4975 §7.1.1 lets a sender write without being prepared to
/// interrupt it ("senders MUST NOT send chunks with a body larger than 2048 octets unless
/// they are prepared to interrupt them").
pub const UNINTERRUPTIBLE_CHUNK: u64 = 2048;

/// Bounds on the incoming messages a session reassembles at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReassemblyLimits {
    /// Incomplete incoming messages kept at once (default 8). A chunk that would start one
    /// more is answered 413 (RFC 4975 §10.5: the receiver wants the sender to stop sending
    /// that message).
    pub max_messages: usize,
    /// Bytes buffered for all incomplete incoming messages together (default 16 MiB), with a
    /// small overhead charged per out-of-order piece. A chunk that would exceed it is
    /// answered 413 and its message dropped.
    pub max_buffered_bytes: u64,
}

impl Default for ReassemblyLimits {
    fn default() -> Self {
        Self {
            max_messages: 8,
            max_buffered_bytes: 16 * 1024 * 1024,
        }
    }
}

/// The configuration of one [`Session`](crate::Session): its two ends, and how it chunks,
/// receives, times out and names things. Start from [`SessionConfig::new`], whose defaults are
/// safe, and change the fields you need.
#[non_exhaustive]
pub struct SessionConfig {
    /// This endpoint's URI in the session: the From-Path of what it sends, and what the
    /// first URI of an incoming To-Path must match (RFC 4975 §7.3).
    pub local: MsrpUri,
    /// The peer's `a=path` (RFC 4975 §8.2): the To-Path of what this endpoint sends, after
    /// the Use-Path learnt from [`SessionConfig::relays`] when there are relays (RFC 4976
    /// §5.1). Change it with [`Session::set_remote`](crate::Session::set_remote).
    pub remote: Path,
    /// How an incoming To-Path is matched against [`SessionConfig::local`] (default
    /// [`MatchMode::FullUri`], RFC 4975 §6.1; [`MatchMode::SessionId`] for CEMA, RFC 6714).
    pub match_mode: MatchMode,
    /// Body bytes per chunk of an outgoing message (default 2048, at least 1).
    ///
    /// 2048 follows the strategy RFC 4975 §7.1.1 allows any sender ("the sender MAY simply
    /// send chunks in 2048 octet increments until the final chunk"): every chunk carries a
    /// known range-end, needs no interruption, and any receiver or relay takes it. For large
    /// transfers set it higher (even `u64::MAX`): chunks larger than
    /// [`SessionConfig::piece_size`] or 2048 are written with range-end `*` and interrupted
    /// whenever a response or REPORT is waiting, the strategy §7.1.1 strongly recommends
    /// for efficiency ("as few chunks as possible"). §7.1.1 also says chunks SHOULD NOT be
    /// smaller than 2048 octets except the last; smaller values are for tests.
    pub chunk_size: u64,
    /// Body bytes per [`poll_transmit`](crate::Session::poll_transmit) output while a chunk
    /// is written (default 2048, at least 1). Between two pieces the chunk can be
    /// interrupted, so this bounds how long a response or REPORT waits behind a chunk.
    pub piece_size: usize,
    /// The largest incoming message accepted, in bytes: this endpoint's SDP `a=max-size`
    /// (default 8 MiB; RFC 4975 §8.6). A larger one is answered 413 (§10.5).
    pub max_message_size: u64,
    /// The peer's SDP `a=max-size`, if it sent one: a larger outgoing message is refused by
    /// [`send_message`](crate::Session::send_message) (RFC 4975 §8.6: "Senders SHOULD NOT
    /// exceed the max-size limit").
    pub remote_max_size: Option<u64>,
    /// The media types this endpoint accepts (its SDP `a=accept-types`): `type/subtype`,
    /// `type/*` or `*`, compared case-insensitively (RFC 4975 §8.6). Default `["*"]`. A SEND
    /// of another type is answered 415 (§7.3.1).
    pub accept_types: Vec<String>,
    /// Bounds on reassembly of incoming messages.
    pub reassembly: ReassemblyLimits,
    /// How long a sent transaction waits for its response (default 30 s, RFC 4975 §7.1.1:
    /// "if a 200 response to the transaction is not received within 30 seconds from the
    /// time the last byte of the transaction is sent ... the element MUST inform the user").
    pub transaction_timeout: Duration,
    /// How long an incomplete incoming message is kept after its latest chunk (default
    /// 120 s, four times the sender's transaction timeout, so that a sender still trying has
    /// long given up before the bytes are dropped).
    pub reassembly_timeout: Duration,
    /// Outgoing messages queued, in transmission, or waiting for their responses or success
    /// reports, at most (default 1024). Beyond it
    /// [`send_message`](crate::Session::send_message) fails with
    /// [`SendError::QueueFull`](crate::SendError::QueueFull), after first letting go of the
    /// oldest messages that only wait for success reports.
    pub max_outgoing: usize,
    /// Decoder limits for [`handle_bytes`](crate::Session::handle_bytes).
    pub decoder_limits: Limits,
    /// Where transaction identifiers and Message-IDs come from.
    pub ids: Box<dyn IdGenerator>,
    /// The relays this endpoint uses and its credentials for them (RFC 4976 §5.1; default
    /// none). With relays, [`Session::authenticate`](crate::Session::authenticate) must
    /// succeed before messages flow.
    pub relays: Option<super::relay_auth::RelayAuth>,
}

impl SessionConfig {
    /// A configuration with the defaults documented on each field.
    #[must_use]
    pub fn new(local: MsrpUri, remote: Path, ids: Box<dyn IdGenerator>) -> Self {
        Self {
            local,
            remote,
            match_mode: MatchMode::FullUri,
            chunk_size: UNINTERRUPTIBLE_CHUNK,
            piece_size: 2048,
            max_message_size: 8 * 1024 * 1024,
            remote_max_size: None,
            accept_types: vec!["*".to_owned()],
            reassembly: ReassemblyLimits::default(),
            transaction_timeout: Duration::from_secs(30),
            reassembly_timeout: Duration::from_secs(120),
            max_outgoing: 1024,
            decoder_limits: Limits::default(),
            ids,
            relays: None,
        }
    }
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("local", &self.local)
            .field("remote", &self.remote)
            .field("match_mode", &self.match_mode)
            .field("chunk_size", &self.chunk_size)
            .field("piece_size", &self.piece_size)
            .field("max_message_size", &self.max_message_size)
            .field("remote_max_size", &self.remote_max_size)
            .field("accept_types", &self.accept_types)
            .field("reassembly", &self.reassembly)
            .field("transaction_timeout", &self.transaction_timeout)
            .field("reassembly_timeout", &self.reassembly_timeout)
            .field("max_outgoing", &self.max_outgoing)
            .field("decoder_limits", &self.decoder_limits)
            .field("relays", &self.relays)
            .finish_non_exhaustive()
    }
}

/// The `type/subtype` of a Content-Type value, without parameters and surrounding white
/// space.
fn media_type(content_type: &[u8]) -> &[u8] {
    let end = memchr::memchr(b';', content_type).unwrap_or(content_type.len());
    content_type.get(..end).unwrap_or_default().trim_ascii()
}

/// Whether a Content-Type is one of `accept` (RFC 4975 §8.6: `*` accepts any type, and
/// `type/*` any subtype of `type`). Parameters are ignored; names compare case-insensitively
/// (RFC 2045 §5.1).
pub(crate) fn accepts(accept: &[String], content_type: &[u8]) -> bool {
    let (ty, sub) = split_type(media_type(content_type));
    accept.iter().any(|a| {
        let a = media_type(a.as_bytes());
        if a == b"*" {
            return true;
        }
        let (aty, asub) = split_type(a);
        aty.eq_ignore_ascii_case(ty) && (asub == b"*" || asub.eq_ignore_ascii_case(sub))
    })
}

fn split_type(t: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b'/', t) {
        Some(i) => (
            t.get(..i).unwrap_or_default(),
            t.get(i + 1..).unwrap_or_default(),
        ),
        None => (t, b""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(types: &[&str]) -> Vec<String> {
        types.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn accept_types() {
        // REQ: MSRP-5 (RFC 4975 §8.6, §7.3.1)
        let a = list(&["text/plain", "message/*"]);
        assert!(accepts(&a, b"text/plain"));
        assert!(accepts(&a, b"Text/Plain; charset=utf-8"));
        assert!(accepts(&a, b"message/cpim"));
        assert!(accepts(&a, b"MESSAGE/imdn+xml"));
        assert!(!accepts(&a, b"text/html"));
        assert!(!accepts(&a, b"text"));
        assert!(!accepts(&a, b""));
        assert!(accepts(&list(&["*"]), b"application/octet-stream"));
        assert!(!accepts(&[], b"text/plain"));
        assert!(!accepts(&list(&["text/*"]), b"textual/plain"));
    }

    #[test]
    fn defaults() {
        let c = SessionConfig::new(
            "msrp://a.example.com:1/s;tcp".parse().unwrap(),
            "msrp://b.example.com:1/t;tcp".parse().unwrap(),
            Box::new(super::super::SeededIds::new(1)),
        );
        assert_eq!(c.chunk_size, 2048);
        assert_eq!(c.transaction_timeout, Duration::from_secs(30));
        assert!(format!("{c:?}").contains("chunk_size: 2048"));
    }
}
