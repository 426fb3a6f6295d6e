//! [`SqliteStore`]: the focus's [`DeferredStore`] over an embedded SQLite file (REQ: DEF-1,
//! DEF-3).
//!
//! Durability: every `put` (and `take`) is committed with `synchronous=FULL` before it
//! returns, so a message is on disk before its 202 leaves; a crash or a Ctrl-C loses nothing
//! that was acknowledged.
//!
//! Transcripts (one entry per room message routed) are cheaper: they go into an open
//! transaction that is committed without a sync every [`TRANSCRIPT_BATCH`] entries, when the
//! host's [`TranscriptFlusher`] says so (a short interval), or just before the next `put` or
//! `take`, whose synced commit then covers them too. A crash of the process loses at most the
//! entries not committed yet; a power failure, those since the last synced commit (or
//! checkpoint). They are a ring:
//! past [`StoreLimits::max_transcript_entries`] or [`StoreLimits::max_transcript_bytes`] the
//! oldest rows are deleted.
//!
//! The counts and sizes the limits are checked against are read once at open and kept in
//! memory (updated on every insert and delete): no statement scans a table per message.
//!
//! Another database plugs in the same way: implement the five methods of the trait and hand
//! the store to `DeferredSetup::new`.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, Row, params};
use simpleim::focus::deferred::{
    Aor, DeferredMessage, DeferredStore, StoreError, StoreLimits, StoredId, StoredMessage,
    Timestamp, TranscriptEntry, TranscriptQuery,
};
use simpleim::msrp::MessageId;
use tracing::{info, warn};

/// The schema. `AUTOINCREMENT` keeps ids growing and never reused, as the trait asks (and as
/// the transcript ring relies on: oldest first is lowest id first); the recipient index
/// serves `list` in id order.
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

/// The columns [`message_of`] reads, in its order.
const MESSAGE_COLUMNS: &str = "id, recipient, recipient_uri, sender, sender_name, content_type, \
                               body, received_ms, message_id, sip";

/// Transcript entries appended before their transaction is committed regardless of the
/// host's interval.
const TRANSCRIPT_BATCH: usize = 1024;

/// Deferred messages and transcripts in one SQLite file, bounded by [`StoreLimits`] as the
/// in-memory store is.
///
/// The database is shared (behind a mutex nobody else contends for: the focus task is the
/// only user) with the [`TranscriptFlusher`] the host keeps, so that the host can commit the
/// transcripts on its timer; the focus owns the store itself, and dropping it closes the
/// database.
pub(crate) struct SqliteStore {
    db: Arc<Mutex<Db>>,
}

/// The host's handle for committing transcripts on a timer ([`SqliteStore::flusher`]). It
/// does not keep the database open: once the focus has dropped the store it does nothing.
#[derive(Debug, Clone)]
pub(crate) struct TranscriptFlusher {
    db: Weak<Mutex<Db>>,
}

impl TranscriptFlusher {
    /// Transcript entries appended and not committed yet.
    pub(crate) fn pending(&self) -> usize {
        self.db.upgrade().map_or(0, |db| lock(&db).pending)
    }

    /// Commits the transcript entries appended since the last commit (without a sync) and
    /// returns how many they were.
    ///
    /// # Errors
    /// SQLite's; the entries are then lost (rolled back) and the store goes on.
    pub(crate) fn flush(&self) -> Result<usize, StoreError> {
        match self.db.upgrade() {
            Some(db) => lock(&db).flush(),
            None => Ok(0),
        }
    }
}

fn lock(db: &Mutex<Db>) -> MutexGuard<'_, Db> {
    // Nothing panics while holding it; and should something have, the counts are read back
    // after any failed write anyway.
    db.lock().unwrap_or_else(PoisonError::into_inner)
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

fn size_of(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// A count of rows and the sum of their `size`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Totals {
    count: usize,
    bytes: usize,
}

/// What the limits are checked against, kept in memory: read once at open, then updated with
/// every insert and delete that commits (and read back after a failed write).
#[derive(Debug, Default)]
struct Counts {
    /// All the deferred messages.
    messages: Totals,
    /// The deferred messages of each recipient (by the `recipient` column); no entry for a
    /// recipient without any.
    per_user: HashMap<String, Totals>,
    /// The transcript rows, `(id, size)`, oldest first: the ring.
    transcripts: VecDeque<(i64, usize)>,
    /// The sum of their sizes.
    transcript_bytes: usize,
}

impl Counts {
    /// Reads them from the tables: one pass over each, at open (or after a failed write).
    fn load(db: &Connection) -> rusqlite::Result<Self> {
        let mut counts = Self::default();
        let mut s = db.prepare(
            "SELECT recipient, COUNT(*), COALESCE(SUM(size), 0) FROM messages GROUP BY recipient",
        )?;
        let rows = s.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (recipient, count, bytes) = row?;
            let t = Totals {
                count: size_of(count),
                bytes: size_of(bytes),
            };
            counts.messages.count = counts.messages.count.saturating_add(t.count);
            counts.messages.bytes = counts.messages.bytes.saturating_add(t.bytes);
            counts.per_user.insert(recipient, t);
        }
        let mut s = db.prepare("SELECT id, size FROM transcripts ORDER BY id")?;
        let rows = s.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (id, size) = row?;
            let size = size_of(size);
            counts.transcript_bytes = counts.transcript_bytes.saturating_add(size);
            counts.transcripts.push_back((id, size));
        }
        Ok(counts)
    }

    fn user(&self, recipient: &str) -> Totals {
        self.per_user.get(recipient).copied().unwrap_or_default()
    }

    fn add_message(&mut self, recipient: &str, size: usize) {
        let t = self.per_user.entry(recipient.to_owned()).or_default();
        t.count += 1;
        t.bytes = t.bytes.saturating_add(size);
        self.messages.count += 1;
        self.messages.bytes = self.messages.bytes.saturating_add(size);
    }

    fn remove_message(&mut self, recipient: &str, size: usize) {
        if let Some(t) = self.per_user.get_mut(recipient) {
            t.count = t.count.saturating_sub(1);
            t.bytes = t.bytes.saturating_sub(size);
            if t.count == 0 {
                self.per_user.remove(recipient);
            }
        }
        self.messages.count = self.messages.count.saturating_sub(1);
        self.messages.bytes = self.messages.bytes.saturating_sub(size);
    }

    /// How many of the oldest transcript entries must go for one of `size` bytes to fit
    /// within `limits`, and the id of the last of them.
    fn to_evict(&self, size: usize, limits: &StoreLimits) -> (usize, Option<i64>) {
        let mut count = self.transcripts.len();
        let mut bytes = self.transcript_bytes;
        let mut last = None;
        for &(id, s) in &self.transcripts {
            if count < limits.max_transcript_entries
                && bytes.saturating_add(size) <= limits.max_transcript_bytes
            {
                break;
            }
            count -= 1;
            bytes = bytes.saturating_sub(s);
            last = Some(id);
        }
        (self.transcripts.len() - count, last)
    }

    fn evict(&mut self, n: usize) {
        for (_, size) in self.transcripts.drain(..n) {
            self.transcript_bytes = self.transcript_bytes.saturating_sub(size);
        }
    }

    fn push_transcript(&mut self, id: i64, size: usize) {
        self.transcripts.push_back((id, size));
        self.transcript_bytes = self.transcript_bytes.saturating_add(size);
    }
}

/// The connection and what is kept beside it.
struct Db {
    conn: Connection,
    limits: StoreLimits,
    counts: Counts,
    /// Transcript entries committed with the next commit at the latest after this many.
    batch: usize,
    /// Transcript entries in the open batch (a transaction is open between writes exactly
    /// when this is not 0).
    pending: usize,
    /// Whether the connection's `synchronous` is FULL at the moment: it is for the
    /// transactions of durable writes (puts, takes), NORMAL for transcript batches.
    full_sync: bool,
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

    fn init(conn: Connection, limits: StoreLimits) -> rusqlite::Result<Self> {
        // WAL lets readers of the file (an operator's sqlite3) run beside the server;
        // synchronous=FULL makes every commit durable before the 202 goes.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        conn.execute_batch(SCHEMA)?;
        let counts = Counts::load(&conn)?;
        let db = Db {
            conn,
            limits,
            counts,
            batch: TRANSCRIPT_BATCH,
            pending: 0,
            full_sync: true,
        };
        Ok(Self {
            db: Arc::new(Mutex::new(db)),
        })
    }

    /// Commits transcripts every `n` entries (at least 1) instead of [`TRANSCRIPT_BATCH`].
    #[cfg(test)]
    pub(crate) fn with_batch(self, n: usize) -> Self {
        lock(&self.db).batch = n.max(1);
        self
    }

    /// The handle through which the host commits transcripts on its timer.
    pub(crate) fn flusher(&self) -> TranscriptFlusher {
        TranscriptFlusher {
            db: Arc::downgrade(&self.db),
        }
    }

    /// Messages stored in all.
    pub(crate) fn len(&self) -> usize {
        lock(&self.db).counts.messages.count
    }

    fn db(&self) -> MutexGuard<'_, Db> {
        lock(&self.db)
    }
}

impl Db {
    /// Opens a transaction for a write. A transcript entry joins the batch that is open, or
    /// opens one, committed without a sync. A durable write first commits the open batch
    /// (without a sync: the synced commit that follows covers it too), since SQLite fixes the
    /// `synchronous` setting for the life of a transaction.
    fn begin(&mut self, durable: bool) -> rusqlite::Result<()> {
        if !self.conn.is_autocommit() {
            if !durable {
                return Ok(());
            }
            self.commit()?;
        }
        if self.full_sync != durable {
            let mode = if durable { "FULL" } else { "NORMAL" };
            self.conn.pragma_update(None, "synchronous", mode)?;
            self.full_sync = durable;
        }
        self.conn.execute_batch("BEGIN")
    }

    /// Commits the open transaction, if any: synced if it was opened for a durable write,
    /// else only written to the write-ahead log (synced with the next durable commit or
    /// checkpoint).
    fn commit(&mut self) -> rusqlite::Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("COMMIT")?;
        }
        self.pending = 0;
        Ok(())
    }

    /// After a failed write: the open transaction is rolled back (the transcript entries it
    /// held with it) and the counts are read back from the tables.
    fn recover(&mut self, e: rusqlite::Error) -> StoreError {
        if !self.conn.is_autocommit() {
            if let Err(e) = self.conn.execute_batch("ROLLBACK") {
                warn!(error = %e, "store rollback failed");
            }
        }
        let lost = std::mem::take(&mut self.pending);
        match Counts::load(&self.conn) {
            Ok(counts) => self.counts = counts,
            Err(e) => warn!(error = %e, "store counts could not be read back"),
        }
        warn!(error = %e, transcripts_lost = lost, "store write failed; rolled back");
        unavailable(e)
    }

    /// Runs `write` and commits it, synced (the transcript batch before it as well), before
    /// returning.
    fn write_durably<T>(
        &mut self,
        write: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let done = self.begin(true).and_then(|()| write(&self.conn));
        let done = done.and_then(|v| self.commit().map(|()| v));
        done.map_err(|e| self.recover(e))
    }

    /// Commits the transcript batch, if one is open; how many entries it held.
    fn flush(&mut self) -> Result<usize, StoreError> {
        let n = self.pending;
        self.commit().map_err(|e| self.recover(e))?;
        Ok(n)
    }

    fn append_transcript(&mut self, entry: &TranscriptEntry) -> Result<(), StoreError> {
        let l = self.limits;
        let size = entry.size();
        // One that could never fit, however many old ones went.
        if size > l.max_transcript_bytes {
            return Err(StoreError::Transcripts {
                limit: l.max_transcript_bytes,
            });
        }
        if l.max_transcript_entries == 0 {
            return Err(StoreError::Transcripts { limit: 0 });
        }
        // The ring: the oldest entries make room.
        let (evict, last_evicted) = self.counts.to_evict(size, &l);
        let originator_aor = Aor::parse(&entry.originator);
        let destination_aor = Aor::parse(&entry.destination);
        let written = self.begin(false).and_then(|()| {
            if let Some(last) = last_evicted {
                self.conn
                    .prepare_cached("DELETE FROM transcripts WHERE id <= ?1")?
                    .execute([last])?;
            }
            self.conn
                .prepare_cached(
                    "INSERT INTO transcripts (originator, originator_aor, destination, \
                     destination_aor, received_ms, session_id, content_type, body, size) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    entry.originator,
                    originator_aor.as_ref().map(Aor::as_str),
                    entry.destination,
                    destination_aor.as_ref().map(Aor::as_str),
                    uint(entry.received.unix_millis()),
                    entry.session_id,
                    entry.content_type,
                    entry.body.as_ref(),
                    int(size),
                ])?;
            Ok(self.conn.last_insert_rowid())
        });
        let id = written.map_err(|e| self.recover(e))?;
        self.counts.evict(evict);
        self.counts.push_transcript(id, size);
        self.pending += 1;
        if self.pending >= self.batch {
            self.flush()?;
        }
        Ok(())
    }
}

impl Drop for Db {
    /// At shutdown (the focus drops its store): commit the transcripts still in a batch, then
    /// fold the write-ahead log into the main file (synced) so that the file alone holds
    /// everything.
    fn drop(&mut self) {
        let transcripts = self.pending;
        if let Err(e) = self.commit() {
            warn!(error = %e, transcripts, "transcripts could not be committed at close");
        }
        match self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        {
            Ok(()) => info!(
                messages = self.counts.messages.count,
                transcripts = self.counts.transcripts.len(),
                "deferred-message store flushed"
            ),
            Err(e) => warn!(error = %e, "deferred-message store checkpoint failed"),
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
        let mut db = self.db();
        let l = db.limits;
        let size = message.size();
        if size > l.max_message_bytes {
            return Err(StoreError::TooLarge {
                size,
                max: l.max_message_bytes,
            });
        }
        let recipient = message.recipient.as_str();
        let user = db.counts.user(recipient);
        if user.count >= l.max_messages_per_user {
            return Err(StoreError::UserMessages {
                limit: l.max_messages_per_user,
            });
        }
        if user.bytes.saturating_add(size) > l.max_bytes_per_user {
            return Err(StoreError::UserBytes {
                limit: l.max_bytes_per_user,
            });
        }
        let all = db.counts.messages;
        if all.count >= l.max_messages {
            return Err(StoreError::Messages {
                limit: l.max_messages,
            });
        }
        if all.bytes.saturating_add(size) > l.max_bytes {
            return Err(StoreError::Bytes { limit: l.max_bytes });
        }
        // Committed (and synced) when it returns, with the transcripts of the open batch.
        let id = db.write_durably(|conn| {
            conn.prepare_cached(
                "INSERT INTO messages (recipient, recipient_uri, sender, sender_name, \
                 content_type, body, received_ms, message_id, sip, size) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                recipient,
                message.recipient_uri.as_ref(),
                message.sender.as_ref(),
                message.sender_name,
                message.content_type.as_ref(),
                message.body.as_ref(),
                uint(message.received.unix_millis()),
                message.message_id.as_str(),
                message.sip.as_deref(),
                int(size),
            ])?;
            Ok(conn.last_insert_rowid())
        })?;
        db.counts.add_message(recipient, size);
        Ok(StoredId(u64::try_from(id).unwrap_or(0)))
    }

    fn list(
        &self,
        user: &Aor,
        after: Option<StoredId>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let db = self.db();
        let after = after.map_or(0, |StoredId(id)| uint(id));
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE recipient = ?1 AND id > ?2 \
             ORDER BY id LIMIT ?3"
        );
        let mut s = db.conn.prepare_cached(&sql).map_err(unavailable)?;
        let rows = s
            .query_map(params![user.as_str(), after, int(limit)], message_of)
            .map_err(unavailable)?;
        rows.collect::<Result<_, _>>().map_err(unavailable)
    }

    fn take(&mut self, id: StoredId) -> Result<Option<StoredMessage>, StoreError> {
        let mut db = self.db();
        // The recipient and size after the message's columns, for the counts.
        let sql = format!("DELETE FROM messages WHERE id = ?1 RETURNING {MESSAGE_COLUMNS}, size");
        let taken = db.write_durably(|conn| {
            conn.query_row(&sql, [uint(id.0)], |row| {
                Ok((
                    message_of(row)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(10)?,
                ))
            })
            .optional()
        })?;
        Ok(taken.map(|(message, recipient, size)| {
            db.counts.remove_message(&recipient, size_of(size));
            message
        }))
    }

    fn append_transcript(&mut self, entry: TranscriptEntry) -> Result<(), StoreError> {
        let result = self.db().append_transcript(&entry);
        // The focus does not look at the result: say it here.
        if let Err(e) = &result {
            let size = entry.size();
            warn!(error = %e, session = %entry.session_id, size, "transcript entry not kept");
        }
        result
    }

    fn transcript(&self, query: &TranscriptQuery) -> Result<Vec<TranscriptEntry>, StoreError> {
        let db = self.db();
        let limit = query.limit.min(db.limits.max_query);
        let user = query.user.as_ref().map(Aor::as_str);
        // The latest `limit` matching entries, returned oldest first (those of the open
        // batch included: the connection sees its own transaction).
        let mut s = db
            .conn
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
        assert_eq!(store.len(), 2);
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

    fn entry(i: usize) -> TranscriptEntry {
        TranscriptEntry::new(
            "sip:alice@x",
            "sip:chat@x",
            Timestamp::from_unix_seconds(i as u64),
            "room",
            "text/plain",
            Bytes::from(format!("m{i}")),
        )
    }

    fn bodies(store: &SqliteStore) -> Vec<String> {
        store
            .transcript(&TranscriptQuery::new(100))
            .unwrap()
            .iter()
            .map(|e| String::from_utf8(e.body.to_vec()).unwrap())
            .collect()
    }

    fn rows(conn: &Connection, table: &str) -> i64 {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    /// A database file in the temporary directory, removed (with its WAL) at the end.
    struct TempDb(std::path::PathBuf);

    impl TempDb {
        fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "chat_server-store-{}-{name}.db",
                std::process::id()
            ));
            let db = Self(path);
            db.remove();
            db
        }

        fn remove(&self) {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = self.0.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }

        /// A second connection, as an operator's sqlite3 (or a restarted server) would see
        /// the file: only what is committed.
        fn reader(&self) -> Connection {
            Connection::open(&self.0).unwrap()
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            self.remove();
        }
    }

    #[test]
    fn transcripts_are_a_ring_by_entries() {
        let mut limits = StoreLimits::default();
        limits.max_transcript_entries = 3;
        let mut store = SqliteStore::in_memory(limits).unwrap();
        for i in 0..5 {
            store.append_transcript(entry(i)).unwrap();
        }
        assert_eq!(bodies(&store), ["m2", "m3", "m4"]);
        assert_eq!(rows(&store.db().conn, "transcripts"), 3);
        assert_eq!(store.db().counts.transcripts.len(), 3);
    }

    #[test]
    fn transcripts_are_a_ring_by_bytes() {
        let one = entry(0).size();
        let mut limits = StoreLimits::default();
        limits.max_transcript_bytes = 3 * one;
        let mut store = SqliteStore::in_memory(limits).unwrap();
        for i in 0..5 {
            store.append_transcript(entry(i)).unwrap();
        }
        assert_eq!(bodies(&store), ["m2", "m3", "m4"]);
        // One twice the size makes two old ones go.
        let mut big = entry(5);
        big.body = Bytes::from(format!("m5{}", "x".repeat(one)));
        store.append_transcript(big).unwrap();
        assert_eq!(bodies(&store).len(), 2);
        assert_eq!(bodies(&store)[0], "m4");
        let db = store.db();
        assert_eq!(db.counts.transcript_bytes, 3 * one);
        let on_disk: i64 = db
            .conn
            .query_row("SELECT SUM(size) FROM transcripts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(size_of(on_disk), db.counts.transcript_bytes);
    }

    #[test]
    fn an_entry_larger_than_the_whole_bound_is_refused_and_nothing_goes() {
        let mut limits = StoreLimits::default();
        limits.max_transcript_bytes = 64;
        let mut store = SqliteStore::in_memory(limits).unwrap();
        store.append_transcript(entry(0)).unwrap();
        let mut big = entry(1);
        big.body = Bytes::from(vec![b'x'; 64]);
        assert_eq!(
            store.append_transcript(big),
            Err(StoreError::Transcripts { limit: 64 })
        );
        assert_eq!(bodies(&store), ["m0"]);
    }

    #[test]
    fn counts_are_read_at_open_and_follow_puts_and_takes() {
        let file = TempDb::new("counts");
        let mut limits = StoreLimits::default();
        limits.max_messages_per_user = 2;
        limits.max_messages = 3;
        limits.max_transcript_entries = 4;
        {
            let mut store = SqliteStore::open(&file.0, limits).unwrap();
            store.put(message("sip:bob@example.com", "one", 1)).unwrap();
            store.put(message("sip:bob@example.com", "two", 2)).unwrap();
            store.put(message("sip:carol@example.com", "x", 3)).unwrap();
            for i in 0..3 {
                store.append_transcript(entry(i)).unwrap();
            }
        }
        let mut store = SqliteStore::open(&file.0, limits).unwrap();
        assert_eq!(store.len(), 3);
        assert_eq!(
            store.put(message("sip:bob@example.com", "three", 4)),
            Err(StoreError::UserMessages { limit: 2 })
        );
        assert_eq!(
            store.put(message("sip:dave@example.com", "y", 5)),
            Err(StoreError::Messages { limit: 3 })
        );
        // A take frees room, for the user and in all.
        let bob = Aor::parse("sip:bob@example.com").unwrap();
        let first = store.list(&bob, None, 1).unwrap()[0].id;
        store.take(first).unwrap().unwrap();
        assert_eq!(store.len(), 2);
        store
            .put(message("sip:bob@example.com", "three", 4))
            .unwrap();
        assert_eq!(
            store.put(message("sip:dave@example.com", "y", 5)),
            Err(StoreError::Messages { limit: 3 })
        );
        // Taking what is not there changes nothing.
        assert_eq!(store.take(first).unwrap(), None);
        assert_eq!(store.len(), 3);
        let db = store.db();
        assert_eq!(db.counts.user("sip:bob@example.com").count, 2);
        assert_eq!(db.counts.transcripts.len(), 3);
        drop(db);
        // The ring goes on from the three entries kept.
        store.append_transcript(entry(3)).unwrap();
        store.append_transcript(entry(4)).unwrap();
        assert_eq!(bodies(&store), ["m1", "m2", "m3", "m4"]);
    }

    #[test]
    fn transcripts_are_committed_in_batches_and_with_every_put() {
        let file = TempDb::new("batches");
        let mut store = SqliteStore::open(&file.0, StoreLimits::default())
            .unwrap()
            .with_batch(4);
        let flusher = store.flusher();
        let reader = file.reader();
        for i in 0..3 {
            store.append_transcript(entry(i)).unwrap();
        }
        // In the open batch: the store sees them, the file does not yet.
        assert_eq!(bodies(&store).len(), 3);
        assert_eq!(rows(&reader, "transcripts"), 0);
        assert_eq!(flusher.pending(), 3);
        // The host's timer commits them.
        assert_eq!(flusher.flush(), Ok(3));
        assert_eq!(flusher.pending(), 0);
        assert_eq!(rows(&reader, "transcripts"), 3);
        assert_eq!(flusher.flush(), Ok(0));
        // So does the fourth entry of a batch.
        for i in 3..7 {
            store.append_transcript(entry(i)).unwrap();
        }
        assert_eq!(rows(&reader, "transcripts"), 7);
        // A put is committed before it returns, synced, with the batch it found open.
        store.append_transcript(entry(7)).unwrap();
        assert_eq!(rows(&reader, "transcripts"), 7);
        store.put(message("sip:bob@example.com", "one", 1)).unwrap();
        assert_eq!(rows(&reader, "messages"), 1);
        assert_eq!(rows(&reader, "transcripts"), 8);
        assert_eq!(flusher.pending(), 0);
        let db = store.db();
        let sync: i64 = db
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "puts commit with synchronous=FULL");
        drop(db);
        // And so is a take.
        store.append_transcript(entry(8)).unwrap();
        let bob = Aor::parse("sip:bob@example.com").unwrap();
        let id = store.list(&bob, None, 1).unwrap()[0].id;
        store.take(id).unwrap().unwrap();
        assert_eq!(rows(&reader, "messages"), 0);
        assert_eq!(rows(&reader, "transcripts"), 9);
    }

    #[test]
    fn closing_commits_the_open_batch() {
        let file = TempDb::new("close");
        let flusher;
        {
            let mut store = SqliteStore::open(&file.0, StoreLimits::default()).unwrap();
            flusher = store.flusher();
            store.append_transcript(entry(0)).unwrap();
            store.append_transcript(entry(1)).unwrap();
            assert_eq!(rows(&file.reader(), "transcripts"), 0);
        }
        assert_eq!(rows(&file.reader(), "transcripts"), 2);
        // The flusher does not keep the database: it has nothing left to do.
        assert_eq!(flusher.pending(), 0);
        assert_eq!(flusher.flush(), Ok(0));
        let store = SqliteStore::open(&file.0, StoreLimits::default()).unwrap();
        assert_eq!(bodies(&store), ["m0", "m1"]);
    }

    #[test]
    fn a_failed_put_is_not_counted_and_keeps_the_transcripts_before_it() {
        let file = TempDb::new("failed-put");
        let mut store = SqliteStore::open(&file.0, StoreLimits::default()).unwrap();
        store
            .db()
            .conn
            .execute_batch(
                "CREATE TRIGGER refuse BEFORE INSERT ON messages \
                 WHEN NEW.body = CAST('boom' AS BLOB) \
                 BEGIN SELECT RAISE(ABORT, 'refused'); END",
            )
            .unwrap();
        store.append_transcript(entry(0)).unwrap();
        store.append_transcript(entry(1)).unwrap();
        assert!(matches!(
            store.put(message("sip:bob@example.com", "boom", 1)),
            Err(StoreError::Unavailable(_))
        ));
        assert_eq!(store.len(), 0);
        let reader = file.reader();
        assert_eq!(rows(&reader, "messages"), 0);
        assert_eq!(rows(&reader, "transcripts"), 2);
        assert_eq!(store.db().pending, 0);
        // The store goes on.
        store
            .put(message("sip:bob@example.com", "fine", 2))
            .unwrap();
        store.append_transcript(entry(2)).unwrap();
        assert_eq!(store.len(), 1);
        assert_eq!(rows(&reader, "messages"), 1);
        assert_eq!(bodies(&store), ["m0", "m1", "m2"]);
    }
}
