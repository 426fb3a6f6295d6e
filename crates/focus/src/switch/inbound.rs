//! A message arriving from one participant: held until its CPIM headers are in (REQ: SW-7),
//! then relayed chunk by chunk to its copies, or refused.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use simpleim_cpim::HeadParser;
use simpleim_msrp::{Flag, MessageId, ReportMode, TransactionId};

use super::event::MessageKind;

/// A chunk received before the routing decision.
#[derive(Debug)]
pub(crate) struct HeldChunk {
    pub(crate) tid: TransactionId,
    pub(crate) start: u64,
    pub(crate) failure: ReportMode,
    pub(crate) pieces: Vec<Bytes>,
    /// The end-line's flag once the chunk is complete.
    pub(crate) end: Option<Flag>,
}

/// Where a message stands.
#[derive(Debug)]
pub(crate) enum Phase {
    /// The CPIM headers are not complete yet: chunks are held (bytes shared, not copied;
    /// `prefix` is a copy of the first bytes for the parser, only when they span pieces).
    Undecided {
        parser: HeadParser,
        prefix: BytesMut,
        held: u64,
        chunks: Vec<HeldChunk>,
    },
    /// Routed: chunks go to the copies as they come.
    Relaying,
    /// Refused with this status: later chunks get it too.
    Refused(u16),
}

/// One recipient's copy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CopyState<P> {
    pub(crate) to: P,
    /// The Message-ID the copy carries (fresh per copy, see the module documentation).
    pub(crate) relayed: MessageId,
    /// The next byte of the message to write (1-based).
    pub(crate) next: u64,
    /// Some chunk of it has been written to the recipient.
    pub(crate) started: bool,
    pub(crate) failed: bool,
}

/// A message in progress from one sender.
#[derive(Debug)]
pub(crate) struct Inbound<P> {
    pub(crate) phase: Phase,
    pub(crate) kind: MessageKind,
    pub(crate) success: Option<ReportMode>,
    pub(crate) failure: ReportMode,
    pub(crate) total: Option<u64>,
    pub(crate) last_activity: Instant,
    pub(crate) copies: Vec<CopyState<P>>,
}

/// The chunk whose body is arriving from a participant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InChunk {
    pub(crate) tid: TransactionId,
    /// The message it belongs to; `None`: its body is ignored (refused, or not a SEND).
    pub(crate) message: Option<MessageId>,
    pub(crate) start: u64,
    pub(crate) received: u64,
}
