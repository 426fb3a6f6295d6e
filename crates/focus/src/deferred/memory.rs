//! [`MemoryStore`]: the bounded in-memory [`DeferredStore`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound;

use super::error::StoreError;
use super::store::{
    DeferredMessage, DeferredStore, StoredId, StoredMessage, TranscriptEntry, TranscriptQuery,
};
use super::user::Aor;

/// The bounds of a [`MemoryStore`] (REQ: SEC-2). Each has a typed refusal
/// ([`StoreError`]); the defaults are safe for a server facing the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreLimits {
    /// Messages kept for one user. Default 100.
    pub max_messages_per_user: usize,
    /// Bytes kept for one user ([`DeferredMessage::size`]). Default 1 MiB.
    pub max_bytes_per_user: usize,
    /// Messages kept in all. Default 100 000.
    pub max_messages: usize,
    /// Bytes kept in all. Default 64 MiB.
    pub max_bytes: usize,
    /// The largest single message. Default 256 KiB.
    pub max_message_bytes: usize,
    /// Transcript entries kept. Default 100 000.
    pub max_transcript_entries: usize,
    /// Transcript bytes kept ([`TranscriptEntry::size`]). Default 64 MiB.
    pub max_transcript_bytes: usize,
    /// The most entries one transcript query returns. Default 1 000.
    pub max_query: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            max_messages_per_user: 100,
            max_bytes_per_user: 1024 * 1024,
            max_messages: 100_000,
            max_bytes: 64 * 1024 * 1024,
            max_message_bytes: 256 * 1024,
            max_transcript_entries: 100_000,
            max_transcript_bytes: 64 * 1024 * 1024,
            max_query: 1_000,
        }
    }
}

/// A transcript entry with its addresses normalized once, for queries.
#[derive(Debug)]
struct Logged {
    entry: TranscriptEntry,
    originator: Option<Aor>,
    destination: Option<Aor>,
}

impl Logged {
    fn matches(&self, query: &TranscriptQuery) -> bool {
        query
            .session_id
            .as_ref()
            .is_none_or(|s| *s == self.entry.session_id)
            && query.user.as_ref().is_none_or(|u| {
                self.originator.as_ref() == Some(u) || self.destination.as_ref() == Some(u)
            })
    }
}

#[derive(Debug, Default)]
struct Mailbox {
    messages: BTreeMap<StoredId, DeferredMessage>,
    bytes: usize,
}

/// A [`DeferredStore`] in memory, bounded by [`StoreLimits`]. Ids come from a counter
/// starting at 1. Message bytes are the [`bytes::Bytes`] of the requests they came from
/// (reference counts, no copies).
///
/// ```
/// use bytes::Bytes;
/// use simpleim_focus::deferred::{
///     Aor, DeferredMessage, DeferredStore, MemoryStore, StoreError, StoreLimits, Timestamp,
/// };
/// use simpleim_msrp::MessageId;
///
/// let mut limits = StoreLimits::default();
/// limits.max_messages_per_user = 1;
/// let mut store = MemoryStore::new(limits);
/// let bob = Aor::parse("sip:bob@example.com").unwrap();
/// let message = |text: &'static str| {
///     DeferredMessage::new(
///         bob.clone(),
///         Bytes::from_static(b"sip:bob@example.com"),
///         Bytes::from_static(b"sip:alice@example.com"),
///         Bytes::from_static(b"text/plain"),
///         Bytes::from_static(text.as_bytes()),
///         Timestamp::from_unix_seconds(1_700_000_000),
///         MessageId::from_u64(1),
///     )
/// };
/// let id = store.put(message("hello"))?;
/// assert_eq!(store.put(message("again")), Err(StoreError::UserMessages { limit: 1 }));
/// assert_eq!(store.list(&bob, None, 10)?.len(), 1);
/// assert_eq!(store.take(id)?.map(|m| m.message.body), Some(Bytes::from_static(b"hello")));
/// assert!(store.list(&bob, None, 10)?.is_empty());
/// # Ok::<(), StoreError>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    limits: StoreLimits,
    mailboxes: HashMap<Aor, Mailbox>,
    owners: HashMap<StoredId, Aor>,
    bytes: usize,
    next_id: u64,
    transcripts: VecDeque<Logged>,
    transcript_bytes: usize,
}

impl MemoryStore {
    /// An empty store with `limits`.
    #[must_use]
    pub fn new(limits: StoreLimits) -> Self {
        Self {
            limits,
            mailboxes: HashMap::new(),
            owners: HashMap::new(),
            bytes: 0,
            next_id: 1,
            transcripts: VecDeque::new(),
            transcript_bytes: 0,
        }
    }

    /// Its limits.
    #[must_use]
    pub fn limits(&self) -> &StoreLimits {
        &self.limits
    }

    /// Messages stored in all.
    #[must_use]
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    /// Whether no message is stored.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// Bytes stored in all.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Messages stored for `user`.
    #[must_use]
    pub fn count(&self, user: &Aor) -> usize {
        self.mailboxes.get(user).map_or(0, |m| m.messages.len())
    }

    /// Transcript entries kept.
    #[must_use]
    pub fn transcript_len(&self) -> usize {
        self.transcripts.len()
    }
}

impl DeferredStore for MemoryStore {
    fn put(&mut self, message: DeferredMessage) -> Result<StoredId, StoreError> {
        let l = self.limits;
        let size = message.size();
        if size > l.max_message_bytes {
            return Err(StoreError::TooLarge {
                size,
                max: l.max_message_bytes,
            });
        }
        let (count, bytes) = self
            .mailboxes
            .get(&message.recipient)
            .map_or((0, 0), |m| (m.messages.len(), m.bytes));
        if count >= l.max_messages_per_user {
            return Err(StoreError::UserMessages {
                limit: l.max_messages_per_user,
            });
        }
        if bytes.saturating_add(size) > l.max_bytes_per_user {
            return Err(StoreError::UserBytes {
                limit: l.max_bytes_per_user,
            });
        }
        if self.owners.len() >= l.max_messages {
            return Err(StoreError::Messages {
                limit: l.max_messages,
            });
        }
        if self.bytes.saturating_add(size) > l.max_bytes {
            return Err(StoreError::Bytes { limit: l.max_bytes });
        }
        let id = StoredId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        self.bytes = self.bytes.saturating_add(size);
        self.owners.insert(id, message.recipient.clone());
        let mailbox = self.mailboxes.entry(message.recipient.clone()).or_default();
        mailbox.bytes = mailbox.bytes.saturating_add(size);
        mailbox.messages.insert(id, message);
        Ok(id)
    }

    fn list(
        &self,
        user: &Aor,
        after: Option<StoredId>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let Some(mailbox) = self.mailboxes.get(user) else {
            return Ok(Vec::new());
        };
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        Ok(mailbox
            .messages
            .range((from, Bound::Unbounded))
            .take(limit)
            .map(|(id, message)| StoredMessage {
                id: *id,
                message: message.clone(),
            })
            .collect())
    }

    fn take(&mut self, id: StoredId) -> Result<Option<StoredMessage>, StoreError> {
        let Some(user) = self.owners.remove(&id) else {
            return Ok(None);
        };
        let Some(mailbox) = self.mailboxes.get_mut(&user) else {
            return Ok(None);
        };
        let message = mailbox.messages.remove(&id);
        if let Some(m) = &message {
            let size = m.size();
            mailbox.bytes = mailbox.bytes.saturating_sub(size);
            self.bytes = self.bytes.saturating_sub(size);
        }
        if mailbox.messages.is_empty() {
            self.mailboxes.remove(&user);
        }
        Ok(message.map(|message| StoredMessage { id, message }))
    }

    fn append_transcript(&mut self, entry: TranscriptEntry) -> Result<(), StoreError> {
        let l = self.limits;
        if self.transcripts.len() >= l.max_transcript_entries {
            return Err(StoreError::Transcripts {
                limit: l.max_transcript_entries,
            });
        }
        let size = entry.size();
        if self.transcript_bytes.saturating_add(size) > l.max_transcript_bytes {
            return Err(StoreError::Transcripts {
                limit: l.max_transcript_bytes,
            });
        }
        self.transcript_bytes = self.transcript_bytes.saturating_add(size);
        self.transcripts.push_back(Logged {
            originator: Aor::parse(&entry.originator),
            destination: Aor::parse(&entry.destination),
            entry,
        });
        Ok(())
    }

    fn transcript(&self, query: &TranscriptQuery) -> Result<Vec<TranscriptEntry>, StoreError> {
        let limit = query.limit.min(self.limits.max_query);
        let mut out: Vec<TranscriptEntry> = self
            .transcripts
            .iter()
            .rev()
            .filter(|e| e.matches(query))
            .take(limit)
            .map(|e| e.entry.clone())
            .collect();
        out.reverse();
        Ok(out)
    }
}
