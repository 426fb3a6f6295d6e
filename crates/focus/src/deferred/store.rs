//! The storage behind deferred messaging: the [`DeferredStore`] trait, what it stores
//! ([`DeferredMessage`], [`StoredMessage`], [`TranscriptEntry`]) and how transcripts are
//! queried ([`TranscriptQuery`]). [`MemoryStore`](super::MemoryStore) is the bounded
//! in-memory default; a host with a database implements the trait over it.

use bytes::Bytes;
use simpleim_msrp::MessageId;

use super::error::StoreError;
use super::time::Timestamp;
use super::user::Aor;

/// A stored message's identity in its store. Ids grow in the order messages are stored, so
/// listing by id is listing in arrival order; a store never reuses one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoredId(pub u64);

/// A message to keep for a user who cannot be reached (REQ: DEF-1). Every byte field is a
/// [`Bytes`] slice of the request it came from: storing it copies nothing and delivery sends
/// the body exactly as received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeferredMessage {
    /// The user it is for.
    pub recipient: Aor,
    /// The recipient's URI as the request named it (the Request-URI), for the CPIM `To`.
    pub recipient_uri: Bytes,
    /// The originator's URI: its P-Asserted-Identity, else its From (REQ: SEC-1).
    pub sender: Bytes,
    /// The originator's display name, if it gave one.
    pub sender_name: Option<String>,
    /// The body's Content-Type, as written.
    pub content_type: Bytes,
    /// The body, as received.
    pub body: Bytes,
    /// When the server received it (the caller's clock).
    pub received: Timestamp,
    /// The MSRP Message-ID every delivery attempt of this message uses, so that a client
    /// that got it once before a connection broke can recognise it (RFC 4975 §7.1.1).
    pub message_id: MessageId,
    /// The whole SIP MESSAGE as received, kept when the service delivers `message/sip`
    /// ([`Encapsulation::MessageSip`](super::Encapsulation::MessageSip)); it shares its
    /// bytes with [`DeferredMessage::body`].
    pub sip: Option<Bytes>,
}

impl DeferredMessage {
    /// A message with its required parts; [`DeferredMessage::sip`] and
    /// [`DeferredMessage::sender_name`] are empty.
    #[must_use]
    pub fn new(
        recipient: Aor,
        recipient_uri: Bytes,
        sender: Bytes,
        content_type: Bytes,
        body: Bytes,
        received: Timestamp,
        message_id: MessageId,
    ) -> Self {
        Self {
            recipient,
            recipient_uri,
            sender,
            sender_name: None,
            content_type,
            body,
            received,
            message_id,
            sip: None,
        }
    }

    /// The bytes a store charges for the message: the raw request (which holds the body)
    /// or the body, plus the addresses and the content type.
    #[must_use]
    pub fn size(&self) -> usize {
        let payload = self
            .sip
            .as_ref()
            .map_or(self.body.len(), |s| s.len().max(self.body.len()));
        payload
            .saturating_add(self.sender.len())
            .saturating_add(self.recipient_uri.len())
            .saturating_add(self.content_type.len())
            .saturating_add(self.sender_name.as_ref().map_or(0, String::len))
    }
}

/// A message in a store, with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Its id.
    pub id: StoredId,
    /// The message.
    pub message: DeferredMessage,
}

/// One message of a session transcript (REQ: DEF-3, seed 004 §7.4.5.3): the originator, the
/// destination, the time the server received it, the session it belongs to and its content
/// type, with the message itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TranscriptEntry {
    /// The originator's URI.
    pub originator: String,
    /// The destination's URI (a participant, or the conference).
    pub destination: String,
    /// When the server received it.
    pub received: Timestamp,
    /// The session (conversation) it belongs to: a conference URI, an MSRP session, a
    /// Call-ID, as the host names its sessions.
    pub session_id: String,
    /// The message's Content-Type.
    pub content_type: String,
    /// The message, as received.
    pub body: Bytes,
}

impl TranscriptEntry {
    /// An entry from its parts.
    #[must_use]
    pub fn new(
        originator: impl Into<String>,
        destination: impl Into<String>,
        received: Timestamp,
        session_id: impl Into<String>,
        content_type: impl Into<String>,
        body: Bytes,
    ) -> Self {
        Self {
            originator: originator.into(),
            destination: destination.into(),
            received,
            session_id: session_id.into(),
            content_type: content_type.into(),
            body,
        }
    }

    /// The bytes a store charges for the entry.
    #[must_use]
    pub fn size(&self) -> usize {
        self.body
            .len()
            .saturating_add(self.originator.len())
            .saturating_add(self.destination.len())
            .saturating_add(self.session_id.len())
            .saturating_add(self.content_type.len())
    }

    /// Whether the entry involves `user` as originator or destination.
    #[must_use]
    pub fn involves(&self, user: &Aor) -> bool {
        [&self.originator, &self.destination]
            .into_iter()
            .any(|u| Aor::parse(u).as_ref() == Some(user))
    }
}

/// Which transcript entries to return: those involving `user` (as originator or destination)
/// and/or of `session_id`, the latest `limit` of them, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TranscriptQuery {
    /// Only entries this user sent or received.
    pub user: Option<Aor>,
    /// Only entries of this session.
    pub session_id: Option<String>,
    /// At most this many entries (the latest); a store may return fewer (its own bound).
    pub limit: usize,
}

impl TranscriptQuery {
    /// The latest `limit` entries of every user and session.
    #[must_use]
    pub fn new(limit: usize) -> Self {
        Self {
            user: None,
            session_id: None,
            limit,
        }
    }

    /// Only entries involving `user`.
    #[must_use]
    pub fn user(mut self, user: Aor) -> Self {
        self.user = Some(user);
        self
    }

    /// Only entries of `session_id`.
    #[must_use]
    pub fn session(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// Whether `entry` is one the query asks for (the limit aside).
    #[must_use]
    pub fn matches(&self, entry: &TranscriptEntry) -> bool {
        self.session_id
            .as_ref()
            .is_none_or(|s| *s == entry.session_id)
            && self.user.as_ref().is_none_or(|u| entry.involves(u))
    }
}

/// Where deferred messages and session transcripts live (REQ: DEF-1, DEF-3). Every method may
/// fail with a [`StoreError`]; the service answers a MESSAGE it could not store with 480 and
/// keeps a message whose removal failed (it may then be delivered again).
///
/// The contract the push relies on (REQ: DEF-2): [`DeferredStore::list`] returns a user's
/// messages in increasing id order, and ids grow in the order messages were put, so that
/// delivery keeps the order of arrival; a message stays until
/// [`DeferredStore::take`] removes it.
pub trait DeferredStore {
    /// Keeps `message` for its recipient and returns its id.
    ///
    /// # Errors
    /// The store's refusal (full, too large) or failure.
    fn put(&mut self, message: DeferredMessage) -> Result<StoredId, StoreError>;

    /// `user`'s messages with an id above `after` (all with `None`), in id order, at most
    /// `limit` of them.
    ///
    /// # Errors
    /// The store's failure.
    fn list(
        &self,
        user: &Aor,
        after: Option<StoredId>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// Removes the message `id` and returns it (`None` when there is none).
    ///
    /// # Errors
    /// The store's failure.
    fn take(&mut self, id: StoredId) -> Result<Option<StoredMessage>, StoreError>;

    /// Appends one message to the session transcripts.
    ///
    /// # Errors
    /// The store's refusal (full) or failure.
    fn append_transcript(&mut self, entry: TranscriptEntry) -> Result<(), StoreError>;

    /// The transcript entries `query` asks for, oldest first.
    ///
    /// # Errors
    /// The store's failure.
    fn transcript(&self, query: &TranscriptQuery) -> Result<Vec<TranscriptEntry>, StoreError>;
}

/// A boxed store is a store (the composed focus keeps its service's store as a trait
/// object).
impl<T: DeferredStore + ?Sized> DeferredStore for Box<T> {
    fn put(&mut self, message: DeferredMessage) -> Result<StoredId, StoreError> {
        (**self).put(message)
    }

    fn list(
        &self,
        user: &Aor,
        after: Option<StoredId>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        (**self).list(user, after, limit)
    }

    fn take(&mut self, id: StoredId) -> Result<Option<StoredMessage>, StoreError> {
        (**self).take(id)
    }

    fn append_transcript(&mut self, entry: TranscriptEntry) -> Result<(), StoreError> {
        (**self).append_transcript(entry)
    }

    fn transcript(&self, query: &TranscriptQuery) -> Result<Vec<TranscriptEntry>, StoreError> {
        (**self).transcript(query)
    }
}
