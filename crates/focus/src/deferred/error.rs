//! The errors of the deferred-messaging service: a store's refusal ([`StoreError`]), the
//! [`Deferred::defer`](super::Deferred::defer) command's ([`DeferError`]) and a transcript
//! document that does not parse ([`TranscriptError`]).

/// Why a [`DeferredStore`](super::DeferredStore) did not do what it was asked. A refused
/// MESSAGE is answered 480 (Temporarily Unavailable, REQ: DEF-1) whatever the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// One message is larger than the store takes (blame: the sender).
    #[error("message of {size} bytes over the limit of {max}")]
    TooLarge {
        /// The message's size, as the store counts it.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The recipient's mailbox holds as many messages as it may.
    #[error("the recipient has {limit} messages stored")]
    UserMessages {
        /// The limit.
        limit: usize,
    },
    /// The recipient's mailbox holds as many bytes as it may.
    #[error("the recipient has {limit} bytes stored")]
    UserBytes {
        /// The limit.
        limit: usize,
    },
    /// The store holds as many messages as it may.
    #[error("the store holds {limit} messages")]
    Messages {
        /// The limit.
        limit: usize,
    },
    /// The store holds as many bytes as it may.
    #[error("the store holds {limit} bytes")]
    Bytes {
        /// The limit.
        limit: usize,
    },
    /// The transcript log is full.
    #[error("the transcript log holds {limit} entries or bytes")]
    Transcripts {
        /// The limit that was reached.
        limit: usize,
    },
    /// The store's backend failed (a database, a disk): its own words.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Why [`Deferred::defer`](super::Deferred::defer) did not store a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeferError {
    /// Only MESSAGE requests are stored (blame: the caller).
    #[error("only MESSAGE requests can be deferred")]
    NotAMessage,
    /// The request lacks what a stored message needs (blame: the sender): the reason and the
    /// status it would be answered with.
    #[error("malformed MESSAGE ({status}): {reason}")]
    Malformed {
        /// The SIP status the request deserves (400, 416).
        status: u16,
        /// What is wrong.
        reason: &'static str,
    },
    /// The store refused it.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What is wrong with a transcript document; see [`TranscriptError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TranscriptErrorKind {
    /// Not well-formed XML, a DTD, an unknown entity, a character XML 1.0 forbids, another
    /// encoding than UTF-8.
    Xml,
    /// Over a bound: the input size, the number of entries or the nesting depth.
    Limit,
    /// The root is not `<transcript>` in the transcript namespace.
    Root,
    /// A required element or attribute is missing, or occurs twice.
    Missing,
    /// A value that does not parse: a time, a body encoding, base64 text.
    Value,
}

/// A transcript document that could not be read: the kind and the byte offset where the
/// offending construct starts (blame: whoever wrote the document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("transcript: {kind:?} at byte {offset}")]
pub struct TranscriptError {
    /// What went wrong.
    pub kind: TranscriptErrorKind,
    /// Where, in bytes from the start of the input.
    pub offset: usize,
}

impl TranscriptError {
    pub(super) const fn new(kind: TranscriptErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }
}
