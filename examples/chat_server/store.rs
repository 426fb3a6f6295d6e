//! [`SqliteStore`]: the focus's [`DeferredStore`] over an embedded SQLite file (REQ: DEF-1,
//! DEF-3). Every `put` is committed (and synced) before it returns, so a message is on disk
//! before its 202 leaves; a crash or a Ctrl-C loses nothing that was acknowledged.
//!
//! Another database plugs in the same way: implement the five methods of the trait and hand
//! the store to `DeferredSetup::new`.

use std::path::Path;

use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, Row, params};
use simpleim::focus::deferred::{
    Aor, DeferredMessage, DeferredStore, StoreError, StoreLimits, StoredId, StoredMessage,
    Timestamp, TranscriptEntry, TranscriptQuery,
};
use simpleim::msrp::MessageId;

/// The schema. `AUTOINCREMENT` keeps ids growing and never reused, as the trait asks; the
/// recipient index serves `list` in id order.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient     TEXT    NOT NULL,
    recipient_uri BLOB    NOT NULL,
    sender        BLOB    NOT NULL,
    sender_name   TEXT,
    content_type  BLOB    NOT NULL,
    body          BLOB    NOT NULL,
    received_ms   INTEGER NOT NULL,
    message_id    TEXT    NOT NULL,
    sip           BLOB,
    size          INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages (recipient, id);
CREATE TABLE IF NOT EXISTS transcripts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    originator      TEXT    NOT NULL,
    originator_aor  TEXT,
    destination     TEXT    NOT NULL,
    destination_aor TEXT,
    received_ms     INTEGER NOT NULL,
    session_id      TEXT    NOT NULL,
    content_type    TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    size            INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS transcripts_by_session ON transcripts (session_id, id);
CREATE INDEX IF NOT EXISTS transcripts_by_originator ON transcripts (originator_aor, id);
CREATE INDEX IF NOT EXISTS transcripts_by_destination ON transcripts (destination_aor, id);
";

const MESSAGE_COLUMNS: &str = "id, recipient, recipient_uri, sender, sender_name, content_type, \
                               body, received_ms, message_id, sip";

/// Deferred messages and transcripts in one SQLite file, bounded by [`StoreLimits`] as the
/// in-memory store is.
pub(crate) struct SqliteStore {
    db: Connection,
    limits: StoreLimits,
}

/// A backend failure, in the store's words.
fn unavailable(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// SQLite integers are signed; sizes and times fit.
fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn uint(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl SqliteStore {
    /// Opens (or creates) the file at `path`.
    ///
    /// # Errors
    /// SQLite's, when the file cannot be opened or is not a database of this schema.
    pub(crate) fn open(path: &Path, limits: StoreLimits) -> rusqlite::Result<Self> {
        let db = Connection::open(path)?;
        Self::init(db, limits)
    }

    /// A store in memory (for tests).
    #[cfg(test)]
    pub(crate) fn in_memory(limits: StoreLimits) -> rusqlite::Result<Self> {
        Self::init(Connection::open_in_memory()?, limits)
    }

    fn init(db: Connection, limits: StoreLimits) -> rusqlite::Result<Self> {
        // WAL lets readers of the file (an operator's sqlite3) run beside the server;
        // synchronous=FULL makes every commit durable before the 202 goes.
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.busy_timeout(std::time::Duration::from_secs(2))?;
        db.execute_batch(SCHEMA)?;
        Ok(Self { db, limits })
    }

    /// Messages stored in all.
    pub(crate) fn len(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .db
            .query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))
            .map_err(unavailable)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Writes everything to the main file (the WAL folded in): called at shutdown.
    pub(crate) fn checkpoint(&self) -> rusqlite::Result<()> {
        self.db
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
    }

    fn count_and_bytes(&self, recipient: Option<&str>) -> Result<(usize, usize), StoreError> {
        let (n, bytes): (i64, i64) = match recipient {
            Some(r) => self.db.query_row(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM messages WHERE recipient = ?1",
                [r],
                |row| Ok((row.get(0)?, row.get(1)?)),
            ),
            None => self.db.query_row(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM messages",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            ),
        }
        .map_err(unavailable)?;
        Ok((
            usize::try_from(n).unwrap_or(usize::MAX),
            usize::try_from(bytes).unwrap_or(usize::MAX),
        ))
    }

    fn transcript_totals(&self) -> Result<(usize, usize), StoreError> {
        let (n, bytes): (i64, i64) = self
            .db
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM transcripts",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(unavailable)?;
        Ok((
            usize::try_from(n).unwrap_or(usize::MAX),
            usize::try_from(bytes).unwrap_or(usize::MAX),
        ))
    }
}

impl Drop for SqliteStore {
    /// At shutdown (the focus drops its store): every put was committed already; fold the
    /// write-ahead log into the main file so that the file alone holds everything.
    fn drop(&mut self) {
        let kept = self.len().unwrap_or(0);
        match self.checkpoint() {
            Ok(()) => tracing::info!(messages = kept, "deferred-message store flushed"),
            Err(e) => tracing::warn!(error = %e, "deferred-message store checkpoint failed"),
        }
    }
}

/// A stored row back into a message. The recipient's key comes from the Request-URI it was
/// stored under (the service derived it from there), the text column being the fallback.
fn message_of(row: &Row<'_>) -> rusqlite::Result<StoredMessage> {
    let id: i64 = row.get(0)?;
    let recipient_text: String = row.get(1)?;
    let recipient_uri = Bytes::from(row.get::<_, Vec<u8>>(2)?);
    let sender = Bytes::from(row.get::<_, Vec<u8>>(3)?);
    let sender_name: Option<String> = row.get(4)?;
    let content_type = Bytes::from(row.get::<_, Vec<u8>>(5)?);
    let body = Bytes::from(row.get::<_, Vec<u8>>(6)?);
    let received: i64 = row.get(7)?;
    let message_id: String = row.get(8)?;
    let sip: Option<Vec<u8>> = row.get(9)?;
    let recipient = Aor::parse_bytes(&recipient_uri)
        .filter(|a| a.as_str() == recipient_text)
        .or_else(|| Aor::parse(&recipient_text))
        .ok_or_else(|| corrupt(1, "recipient is not a URI"))?;
    let message_id = MessageId::new(message_id.as_bytes())
        .map_err(|_| corrupt(8, "message_id is not an MSRP ident"))?;
    let mut message = DeferredMessage::new(
        recipient,
        recipient_uri,
        sender,
        content_type,
        body,
        Timestamp::from_unix_millis(u64::try_from(received).unwrap_or(0)),
        message_id,
    );
    message.sender_name = sender_name;
    message.sip = sip.map(Bytes::from);
    Ok(StoredMessage {
        id: StoredId(u64::try_from(id).unwrap_or(0)),
        message,
    })
}

fn corrupt(column: usize, what: &'static str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        Box::<dyn std::error::Error + Send + Sync>::from(what),
    )
}

fn entry_of(row: &Row<'_>) -> rusqlite::Result<TranscriptEntry> {
    let received: i64 = row.get(2)?;
    Ok(TranscriptEntry::new(
        row.get::<_, String>(0)?,
        row.get::<_, String>(1)?,
        Timestamp::from_unix_millis(u64::try_from(received).unwrap_or(0)),
        row.get::<_, String>(3)?,
        row.get::<_, String>(4)?,
        Bytes::from(row.get::<_, Vec<u8>>(5)?),
    ))
}

impl DeferredStore for SqliteStore {
    fn put(&mut self, message: DeferredMessage) -> Result<StoredId, StoreError> {
        let l = self.limits;
        let size = message.size();
        if size > l.max_message_bytes {
            return Err(StoreError::TooLarge {
                size,
                max: l.max_message_bytes,
            });
        }
        let (count, bytes) = self.count_and_bytes(Some(message.recipient.as_str()))?;
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
        let (count, bytes) = self.count_and_bytes(None)?;
        if count >= l.max_messages {
            return Err(StoreError::Messages {
                limit: l.max_messages,
            });
        }
        if bytes.saturating_add(size) > l.max_bytes {
            return Err(StoreError::Bytes { limit: l.max_bytes });
        }
        // One statement in autocommit mode: committed (and synced) when it returns.
        self.db
            .prepare_cached(
                "INSERT INTO messages (recipient, recipient_uri, sender, sender_name, \
                 content_type, body, received_ms, message_id, sip, size) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    message.recipient.as_str(),
                    message.recipient_uri.as_ref(),
                    message.sender.as_ref(),
                    message.sender_name,
                    message.content_type.as_ref(),
                    message.body.as_ref(),
                    uint(message.received.unix_millis()),
                    message.message_id.as_str(),
                    message.sip.as_deref(),
                    int(size),
                ])
            })
            .map_err(unavailable)?;
        Ok(StoredId(
            u64::try_from(self.db.last_insert_rowid()).unwrap_or(0),
        ))
    }

    fn list(
        &self,
        user: &Aor,
        after: Option<StoredId>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let after = after.map_or(0, |StoredId(id)| uint(id));
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE recipient = ?1 AND id > ?2 \
             ORDER BY id LIMIT ?3"
        );
        let mut s = self.db.prepare_cached(&sql).map_err(unavailable)?;
        let rows = s
            .query_map(params![user.as_str(), after, int(limit)], message_of)
            .map_err(unavailable)?;
        rows.collect::<Result<_, _>>().map_err(unavailable)
    }

    fn take(&mut self, id: StoredId) -> Result<Option<StoredMessage>, StoreError> {
        let sql = format!("DELETE FROM messages WHERE id = ?1 RETURNING {MESSAGE_COLUMNS}");
        self.db
            .query_row(&sql, [uint(id.0)], message_of)
            .optional()
            .map_err(unavailable)
    }

    fn append_transcript(&mut self, entry: TranscriptEntry) -> Result<(), StoreError> {
        let l = self.limits;
        let (count, bytes) = self.transcript_totals()?;
        if count >= l.max_transcript_entries {
            return Err(StoreError::Transcripts {
                limit: l.max_transcript_entries,
            });
        }
        let size = entry.size();
        if bytes.saturating_add(size) > l.max_transcript_bytes {
            return Err(StoreError::Transcripts {
                limit: l.max_transcript_bytes,
            });
        }
        let originator_aor = Aor::parse(&entry.originator);
        let destination_aor = Aor::parse(&entry.destination);
        self.db
            .prepare_cached(
                "INSERT INTO transcripts (originator, originator_aor, destination, \
                 destination_aor, received_ms, session_id, content_type, body, size) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    entry.originator,
                    originator_aor.as_ref().map(Aor::as_str),
                    entry.destination,
                    destination_aor.as_ref().map(Aor::as_str),
                    uint(entry.received.unix_millis()),
                    entry.session_id,
                    entry.content_type,
                    entry.body.as_ref(),
                    int(size),
                ])
            })
            .map_err(unavailable)?;
        Ok(())
    }

    fn transcript(&self, query: &TranscriptQuery) -> Result<Vec<TranscriptEntry>, StoreError> {
        let limit = query.limit.min(self.limits.max_query);
        let user = query.user.as_ref().map(Aor::as_str);
        // The latest `limit` matching entries, returned oldest first.
        let mut s = self
            .db
            .prepare_cached(
                "SELECT originator, destination, received_ms, session_id, content_type, body \
                 FROM (SELECT * FROM transcripts \
                       WHERE (?1 IS NULL OR session_id = ?1) \
                         AND (?2 IS NULL OR originator_aor = ?2 OR destination_aor = ?2) \
                       ORDER BY id DESC LIMIT ?3) \
                 ORDER BY id",
            )
            .map_err(unavailable)?;
        let rows = s
            .query_map(params![query.session_id, user, int(limit)], entry_of)
            .map_err(unavailable)?;
        rows.collect::<Result<_, _>>().map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(to: &str, text: &'static str, n: u64) -> DeferredMessage {
        DeferredMessage::new(
            Aor::parse(to).unwrap(),
            Bytes::copy_from_slice(to.as_bytes()),
            Bytes::from_static(b"sip:alice@example.com"),
            Bytes::from_static(b"text/plain"),
            Bytes::from_static(text.as_bytes()),
            Timestamp::from_unix_seconds(1_700_000_000),
            MessageId::from_u64(n),
        )
    }

    #[test]
    fn messages_round_trip_in_order_and_leave_on_take() {
        let mut store = SqliteStore::in_memory(StoreLimits::default()).unwrap();
        let bob = Aor::parse("sip:bob@example.com").unwrap();
        let mut m = message("sip:bob@example.com", "one", 1);
        m.sender_name = Some("Alice".to_owned());
        let a = store.put(m.clone()).unwrap();
        let b = store.put(message("sip:bob@example.com", "two", 2)).unwrap();
        store.put(message("sip:carol@example.com", "x", 3)).unwrap();
        assert!(b > a);
        let listed = store.list(&bob, None, 10).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].message, m);
        assert_eq!(store.list(&bob, Some(a), 10).unwrap()[0].id, b);
        assert_eq!(store.take(a).unwrap().unwrap().message, m);
        assert_eq!(store.take(a).unwrap(), None);
        assert_eq!(store.len().unwrap(), 2);
    }

    #[test]
    fn limits_refuse_as_the_memory_store_does() {
        let mut limits = StoreLimits::default();
        limits.max_messages_per_user = 1;
        let mut store = SqliteStore::in_memory(limits).unwrap();
        store.put(message("sip:bob@example.com", "one", 1)).unwrap();
        assert_eq!(
            store.put(message("sip:bob@example.com", "two", 2)),
            Err(StoreError::UserMessages { limit: 1 })
        );
    }

    #[test]
    fn transcripts_are_queried_by_user_and_session() {
        let mut store = SqliteStore::in_memory(StoreLimits::default()).unwrap();
        for (i, from) in ["sip:alice@x", "sip:bob@x", "sip:alice@x"]
            .iter()
            .enumerate()
        {
            store
                .append_transcript(TranscriptEntry::new(
                    *from,
                    "sip:chat@x",
                    Timestamp::from_unix_seconds(i as u64),
                    "room",
                    "text/plain",
                    Bytes::from(format!("m{i}")),
                ))
                .unwrap();
        }
        let alice = Aor::parse("sip:alice@x").unwrap();
        let got = store
            .transcript(&TranscriptQuery::new(10).user(alice.clone()))
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(&got[1].body[..], b"m2");
        let latest = store
            .transcript(&TranscriptQuery::new(1).user(alice))
            .unwrap();
        assert_eq!(&latest[0].body[..], b"m2");
        assert_eq!(
            store
                .transcript(&TranscriptQuery::new(10).session("other"))
                .unwrap()
                .len(),
            0
        );
    }
}
