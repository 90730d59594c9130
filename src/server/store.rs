//! SQLite for the local server: schema, migrations, the group-commit writer, the reader pool, and every query.

use crate::api::model::{
    AgentConfig, CreateSessionRequest, CreateSessionResponse, FeedbackRecord, GetSessionResponse,
    ListFeedbackResponse, ListMemoryResponse, MemoryEntry, MessageHistoryItem, Rating, ReviewStats,
    SessionStats, SessionStatus, SubmitFeedbackRequest, SubmitFeedbackResponse,
    TerminateSessionResponse,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a connection waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// The most writes committed together in one transaction.
const MAX_BATCH: usize = 512;
/// Sessions live this long after they are created (the hosted API's default).
const SESSION_LIFETIME_US: i64 = 7 * 24 * 3600 * 1_000_000;

/// Each step upgrades the schema by one version; `PRAGMA user_version` counts the steps applied.
const MIGRATIONS: &[&str] = &[
    // v1: tenancy, sessions, messages, and every rating recorded.
    r#"
    CREATE TABLE orgs (
        rowid INTEGER PRIMARY KEY,
        internal_id TEXT NOT NULL UNIQUE,
        created_us INTEGER NOT NULL
    );
    CREATE TABLE api_keys (
        rowid INTEGER PRIMARY KEY,
        key_hash BLOB NOT NULL UNIQUE,
        org_rowid INTEGER NOT NULL REFERENCES orgs(rowid),
        created_us INTEGER NOT NULL
    );
    CREATE TABLE namespaces (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL UNIQUE,
        org_rowid INTEGER NOT NULL REFERENCES orgs(rowid),
        created_us INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        namespace_rowid INTEGER NOT NULL REFERENCES namespaces(rowid),
        user_id TEXT,
        session_name TEXT,
        agent_config TEXT NOT NULL,
        user_memory TEXT NOT NULL DEFAULT '{}',
        metadata TEXT NOT NULL DEFAULT '{}',
        quotas TEXT,
        enable_memory INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL,
        message_count INTEGER NOT NULL DEFAULT 0,
        tool_calls INTEGER NOT NULL DEFAULT 0,
        created_us INTEGER NOT NULL,
        updated_us INTEGER NOT NULL,
        last_activity_us INTEGER NOT NULL,
        expires_us INTEGER NOT NULL,
        terminated_us INTEGER
    );
    CREATE INDEX sessions_by_activity
        ON sessions(namespace_rowid, last_activity_us DESC, rowid DESC);
    CREATE TABLE messages (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        session_rowid INTEGER NOT NULL REFERENCES sessions(rowid),
        seq INTEGER NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        content_type TEXT NOT NULL,
        tool_name TEXT,
        tool_inputs TEXT,
        tool_outputs TEXT,
        tool_status TEXT,
        timestamp_us INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX messages_by_session ON messages(session_rowid, seq);
    CREATE TABLE feedback (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        session_rowid INTEGER NOT NULL REFERENCES sessions(rowid),
        message_rowid INTEGER NOT NULL REFERENCES messages(rowid),
        rating TEXT NOT NULL CHECK (rating IN ('positive', 'negative')),
        feedback_text TEXT,
        stored INTEGER NOT NULL,
        recorded_us INTEGER NOT NULL
    );
    CREATE INDEX feedback_by_message ON feedback(session_rowid, message_rowid);
    "#,
    // v2: the memory of stored exchanges, and per-session review counters so listing
    // never scans messages. Existing ratings are replayed into both.
    r#"
    ALTER TABLE sessions ADD COLUMN assistant_messages INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN rated_messages INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN rating TEXT;
    CREATE TABLE memory (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        session_rowid INTEGER NOT NULL REFERENCES sessions(rowid),
        message_rowid INTEGER NOT NULL UNIQUE REFERENCES messages(rowid),
        user_message_rowid INTEGER REFERENCES messages(rowid),
        stored_us INTEGER NOT NULL
    );
    CREATE INDEX memory_by_session ON memory(session_rowid);
    UPDATE messages SET rating = (
        SELECT f.rating FROM feedback f WHERE f.message_rowid = messages.rowid
        ORDER BY f.rowid DESC LIMIT 1);
    UPDATE sessions SET
        assistant_messages = (SELECT count(*) FROM messages m
            WHERE m.session_rowid = sessions.rowid AND m.role = 'assistant'),
        rated_messages = (SELECT count(*) FROM messages m
            WHERE m.session_rowid = sessions.rowid AND m.rating IS NOT NULL);
    INSERT INTO memory (id, session_rowid, message_rowid, user_message_rowid, stored_us)
        SELECT 'mem_' || lower(hex(randomblob(10))), m.session_rowid, m.rowid,
            (SELECT u.rowid FROM messages u WHERE u.session_rowid = m.session_rowid
                AND u.seq < m.seq AND u.role = 'user' ORDER BY u.seq DESC LIMIT 1),
            (SELECT max(f.recorded_us) FROM feedback f WHERE f.message_rowid = m.rowid)
        FROM messages m JOIN sessions s ON s.rowid = m.session_rowid
        WHERE m.rating = 'positive' AND s.enable_memory = 1;
    "#,
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("{resource} {id} not found")]
    NotFound { resource: &'static str, id: String },
    #[error("message {id} is a {role} message; only assistant messages can be rated")]
    NotAssistant { id: String, role: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database {path} was made by a newer verdict (schema version {found}; this one knows {known}): upgrade verdict"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "the database {path} has schema version {found}, which no verdict writes: it is not a verdict database, or it is damaged"
    )]
    Foreign { path: PathBuf, found: i64 },
    #[error("cannot create the database {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the directory for {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the write was not committed: {0}")]
    Commit(String),
    #[error("the database has been closed")]
    Closed,
    #[error("the system has no randomness available: {0}")]
    Random(String),
    #[error("a database task failed: {0}")]
    Task(String),
}

impl StoreError {
    fn not_found(resource: &'static str, id: &str) -> Self {
        StoreError::NotFound {
            resource,
            id: id.to_string(),
        }
    }
}

// ---------------------------------------------------------------- ids and time

/// A random id such as `ses_3k9x...`: 20 characters of [0-9a-z] (about 103 bits).
pub(crate) fn new_id(prefix: &str) -> Result<String, StoreError> {
    random_string(prefix, 20, b"0123456789abcdefghijklmnopqrstuvwxyz")
}

/// An id in the same shape as [`new_id`] whose first 10 characters count microseconds,
/// so ids made later sort later and land at the end of their unique index: a commit
/// then rewrites one index page instead of one random page per new row.
pub(crate) fn new_ordered_id(prefix: &str) -> Result<String, StoreError> {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut id = new_id(prefix)?.into_bytes();
    let mut t = now_us().max(0) as u64;
    let start = prefix.len() + 1;
    // 36^10 microseconds is about 114 years: ids stay ordered until 2084.
    for slot in id[start..start + 10].iter_mut().rev() {
        *slot = ALPHABET[(t % 36) as usize];
        t /= 36;
    }
    String::from_utf8(id).map_err(|e| StoreError::Task(e.to_string()))
}

/// An API key: `sk_` and 43 characters of [0-9A-Za-z] (about 256 bits).
pub(crate) fn new_api_key() -> Result<String, StoreError> {
    random_string(
        "sk",
        43,
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    )
}

fn random_string(prefix: &str, len: usize, alphabet: &[u8]) -> Result<String, StoreError> {
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(prefix.len() + 1 + len);
    out.push_str(prefix);
    out.push('_');
    let mut buf = [0u8; 64];
    let mut have = 0;
    while have < len {
        getrandom::fill(&mut buf).map_err(|e| StoreError::Random(e.to_string()))?;
        for &b in &buf {
            if have == len {
                break;
            }
            if (b as usize) < limit {
                out.push(alphabet[b as usize % alphabet.len()] as char);
                have += 1;
            }
        }
    }
    Ok(out)
}

/// Now, in microseconds since the Unix epoch (how every time is stored).
pub(crate) fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// RFC 3339 in UTC with only the fraction digits needed: `2026-11-20T09:00:00Z`.
pub(crate) fn format_time(us: i64) -> String {
    let mut out = Vec::with_capacity(27);
    write_time(&mut out, us);
    String::from_utf8(out).unwrap_or_default()
}

/// [`format_time`] into a buffer, digit by digit: history pages format hundreds of these.
/// Matches chrono's `to_rfc3339_opts(SecondsFormat::AutoSi, true)`.
fn write_time(out: &mut Vec<u8>, us: i64) {
    use chrono::{Datelike, Timelike};
    if let Some((year, month, day)) = civil_date(us) {
        let secs = us / 1_000_000 % 86_400;
        let parts = [
            (b'-', month),
            (b'-', day),
            (b'T', (secs / 3600) as u32),
            (b':', (secs / 60 % 60) as u32),
            (b':', (secs % 60) as u32),
        ];
        push_digits(out, year, 4);
        for (sep, n) in parts {
            out.push(sep);
            push_digits(out, n, 2);
        }
        push_fraction(out, us);
        return;
    }
    let Some(t) = chrono::DateTime::from_timestamp_micros(us) else {
        out.extend_from_slice(b"1970-01-01T00:00:00Z");
        return;
    };
    let year = t.year();
    if !(0..=9999).contains(&year) {
        out.extend_from_slice(
            t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                .as_bytes(),
        );
        return;
    }
    push_digits(out, year as u32, 4);
    let parts = [
        (b'-', t.month()),
        (b'-', t.day()),
        (b'T', t.hour()),
        (b':', t.minute()),
        (b':', t.second()),
    ];
    for (sep, n) in parts {
        out.push(sep);
        push_digits(out, n, 2);
    }
    push_fraction(out, us);
}

/// The sub-second digits chrono's AutoSi shows (none, milliseconds or microseconds), and `Z`.
fn push_fraction(out: &mut Vec<u8>, us: i64) {
    let micros = us.rem_euclid(1_000_000) as u32;
    if micros != 0 {
        out.push(b'.');
        if micros.is_multiple_of(1000) {
            push_digits(out, micros / 1000, 3);
        } else {
            push_digits(out, micros, 6);
        }
    }
    out.push(b'Z');
}

/// (year, month, day) of a time from 1970 to 9999 by arithmetic alone (Howard Hinnant's
/// days-to-civil), which is several times cheaper than going through chrono's types.
fn civil_date(us: i64) -> Option<(u32, u32, u32)> {
    const END_OF_9999_US: i64 = 253_402_300_800_000_000;
    if !(0..END_OF_9999_US).contains(&us) {
        return None;
    }
    let z = us / 86_400_000_000 + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some((year as u32, month as u32, day as u32))
}

/// `s` as a JSON string, escaped exactly as serde_json does. Eight bytes are checked at a
/// time and runs that need no escape are copied whole: message text is mostly such runs.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `w` below 0x20 or equal to '"' or '\\'. Only bytes above
    // a flagged one can be flagged wrongly, so the lowest flag is always a byte to escape.
    let flags = |w: u64| {
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
            | zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
    };
    let escaped = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        match bytes.get(i..i + 8).map(<[u8; 8]>::try_from) {
            Some(Ok(word)) => {
                let f = flags(u64::from_le_bytes(word));
                if f == 0 {
                    i += 8;
                    continue;
                }
                i += (f.trailing_zeros() / 8) as usize;
            }
            _ if !escaped(bytes[i]) => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let b = bytes[i];
        out.extend_from_slice(&bytes[start..i]);
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            _ => 0,
        };
        if short != 0 {
            out.extend_from_slice(&[b'\\', short]);
        } else {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn push_digits(out: &mut Vec<u8>, n: u32, width: u32) {
    for i in (0..width).rev() {
        out.push(b'0' + (n / 10u32.pow(i) % 10) as u8);
    }
}

// ---------------------------------------------------------------- opening and migrating

fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(64);
    // Without this, a statement whose plan looked at a bound value (as `LIMIT ?` does) is
    // compiled again on every run; with it, cached statements stay compiled.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

/// Opens the database read-write, creating it and applying every migration it lacks.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: path.to_path_buf(),
            source,
        })?;
    }
    // Transcripts and key hashes: a new database is private to its owner from the start.
    crate::fs::create_private_file(path).map_err(|source| StoreError::Create {
        path: path.to_path_buf(),
        source,
    })?;
    let conn = Connection::open(path)?;
    configure(&conn)?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
    // FULL: a commit is on disk before the writer answers, so an acknowledged rating survives power loss.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    migrate(&conn, path, SCHEMA_VERSION)?;
    Ok(conn)
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    configure(&conn)?;
    Ok(conn)
}

/// Applies migrations up to `target`, one transaction per step.
pub(crate) fn migrate(conn: &Connection, path: &Path, target: i64) -> Result<(), StoreError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    for version in found..target {
        let Some(step) = usize::try_from(version)
            .ok()
            .and_then(|v| MIGRATIONS.get(v))
        else {
            return Err(StoreError::Foreign {
                path: path.to_path_buf(),
                found,
            });
        };
        conn.execute_batch("BEGIN IMMEDIATE")?;
        // Another process may have migrated while this one waited for the lock.
        let now: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now > version {
            conn.execute_batch("COMMIT")?;
            continue;
        }
        let result = conn
            .execute_batch(step)
            .and_then(|()| conn.pragma_update(None, "user_version", version + 1));
        match result {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e.into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
fn schema_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

// ---------------------------------------------------------------- the server's handle: writer + readers

type Finish = Box<dyn FnOnce(Option<StoreError>) + Send>;
type WriteJob = Box<dyn FnOnce(&Connection) -> (bool, Finish) + Send>;

enum WriterMsg {
    Job(WriteJob),
    Stop,
}

type ReadJob = Box<dyn FnOnce(Option<&Connection>) + Send>;

enum ReaderMsg {
    Job(ReadJob),
    Stop,
}

struct DbInner {
    writer: mpsc::Sender<WriterMsg>,
    readers: mpsc::Sender<ReaderMsg>,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    reader_count: usize,
}

/// The server's database: one writer thread that commits queued writes together, and a
/// few reader threads, each with its own read-only connection, taking reads from one queue.
/// Under load the threads run from job to job without a wake-up per request.
#[derive(Clone)]
pub(crate) struct Db {
    inner: Arc<DbInner>,
}

impl Db {
    pub(crate) fn open(path: &Path) -> Result<Db, StoreError> {
        let conn = open(path)?;
        let checkpointer = Checkpointer::start(path, &conn)?;
        let spawn_error =
            |e: std::io::Error| StoreError::Task(format!("cannot start a database thread: {e}"));
        let (writer_tx, writer_rx) = mpsc::channel();
        let mut threads = vec![
            std::thread::Builder::new()
                .name("verdict-db-writer".to_string())
                .spawn(move || writer_loop(conn, writer_rx, checkpointer))
                .map_err(spawn_error)?,
        ];
        // One reader per core: reads are CPU work (rows to JSON), and more threads than
        // cores would only take turns.
        let reader_count = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .max(2);
        let (reader_tx, reader_rx) = mpsc::channel::<ReaderMsg>();
        let reader_rx = Arc::new(Mutex::new(reader_rx));
        for i in 0..reader_count {
            let rx = reader_rx.clone();
            let path = path.to_path_buf();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("verdict-db-reader-{i}"))
                    .spawn(move || reader_loop(&path, &rx))
                    .map_err(spawn_error)?,
            );
        }
        Ok(Db {
            inner: Arc::new(DbInner {
                writer: writer_tx,
                readers: reader_tx,
                threads: Mutex::new(threads),
                reader_count,
            }),
        })
    }

    /// Runs `f` on one of the reader threads' read-only connections.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            let result = match conn {
                Some(conn) => f(conn),
                None => Err(StoreError::Task(
                    "the database could not be opened for reading".to_string(),
                )),
            };
            let _ = tx.send(result);
        });
        self.inner
            .readers
            .send(ReaderMsg::Job(job))
            .map_err(|_| StoreError::Closed)?;
        rx.await
            .map_err(|_| StoreError::Task("a database read was abandoned".to_string()))?
    }

    /// Queues `f` for the writer; it runs inside a transaction shared with other queued
    /// writes, and this returns only after that transaction is committed.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: WriteJob = Box::new(move |conn| {
            let result = f(conn);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |commit_error| {
                let _ = tx.send(match commit_error {
                    Some(e) => Err(e),
                    None => result,
                });
            });
            (ok, finish)
        });
        self.inner
            .writer
            .send(WriterMsg::Job(job))
            .map_err(|_| StoreError::Closed)?;
        rx.await
            .map_err(|_| StoreError::Commit("the write was abandoned".to_string()))?
    }

    /// Commits what is queued, stops the database threads and waits for them.
    pub(crate) async fn close(&self) {
        let _ = self.inner.writer.send(WriterMsg::Stop);
        for _ in 0..self.inner.reader_count {
            let _ = self.inner.readers.send(ReaderMsg::Stop);
        }
        let threads = self
            .inner
            .threads
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        let _ = tokio::task::spawn_blocking(move || {
            for t in threads {
                let _ = t.join();
            }
        })
        .await;
    }
}

fn reader_loop(path: &Path, rx: &Mutex<mpsc::Receiver<ReaderMsg>>) {
    let mut conn: Option<Connection> = None;
    loop {
        // Only one idle reader waits in recv; the others wait for the lock. Either way
        // the next job goes to a free thread.
        let msg = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let job = match msg {
            Ok(ReaderMsg::Job(job)) => job,
            Ok(ReaderMsg::Stop) | Err(_) => return,
        };
        if conn.is_none() {
            match open_reader(path) {
                Ok(c) => conn = Some(c),
                Err(e) => tracing::error!("cannot open a read connection: {e}"),
            }
        }
        job(conn.as_ref());
    }
}

fn writer_loop(conn: Connection, rx: mpsc::Receiver<WriterMsg>, checkpointer: Checkpointer) {
    let mut stop = false;
    while !stop {
        let first = match rx.recv() {
            Ok(WriterMsg::Job(job)) => job,
            Ok(WriterMsg::Stop) | Err(_) => break,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(WriterMsg::Job(job)) => batch.push(job),
                Ok(WriterMsg::Stop) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        run_batch(&conn, batch);
        checkpointer.after_commit(&conn);
    }
    // Writes queued after Stop still get an answer rather than hanging.
    while let Ok(msg) = rx.try_recv() {
        if let WriterMsg::Job(job) = msg {
            run_batch(&conn, vec![job]);
        }
    }
    checkpointer.stop();
}

fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn run_batch(conn: &Connection, batch: Vec<WriteJob>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        // Dropping the jobs drops their reply channels: each caller gets an error, none a 200.
        tracing::error!("cannot begin a write transaction: {e}");
        drop(batch);
        return;
    }
    let mut finishes = Vec::with_capacity(batch.len());
    for job in batch {
        // A savepoint per job: one failed write is undone without failing its neighbours.
        if let Err(e) = run_cached(conn, "SAVEPOINT job") {
            tracing::error!("cannot open a savepoint: {e}");
            drop(job);
            continue;
        }
        let (ok, finish) = job(conn);
        let end = if ok {
            run_cached(conn, "RELEASE job")
        } else {
            run_cached(conn, "ROLLBACK TO job").and_then(|()| run_cached(conn, "RELEASE job"))
        };
        finishes.push((finish, end.err().map(|e| e.to_string())));
    }
    let commit = conn.execute_batch("COMMIT");
    if let Err(e) = &commit {
        tracing::error!("a write transaction failed to commit: {e}");
        let _ = conn.execute_batch("ROLLBACK");
    }
    for (finish, job_error) in finishes {
        let error = match (&commit, job_error) {
            (Err(e), _) => Some(StoreError::Commit(e.to_string())),
            (Ok(()), Some(e)) => Some(StoreError::Commit(e)),
            (Ok(()), None) => None,
        };
        finish(error);
    }
}

// ---------------------------------------------------------------- checkpoints off the commit path

/// WAL pages beyond which the writer finishes a checkpoint itself, so the log starts over
/// instead of growing while commits never pause.
const WAL_RESTART_PAGES: i64 = 4096;
/// The least time between background checkpoints, so each copies many commits at once.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(20);

#[derive(Default)]
struct CheckpointState {
    committed: bool,
    stop: bool,
}

/// Copies committed pages from the WAL into the database file on its own thread and
/// connection, so no commit waits for that copy or its fsync (SQLite would otherwise
/// run it inside every thousandth-page commit).
struct Checkpointer {
    state: Arc<(Mutex<CheckpointState>, std::sync::Condvar)>,
    /// Set when the WAL is long: the writer then completes a checkpoint between batches.
    restart: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// `PRAGMA wal_checkpoint(PASSIVE)`: (pages in the WAL, pages copied), never waiting on anyone.
fn checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

impl Checkpointer {
    /// Takes automatic checkpoints away from `writer` and starts the checkpoint thread.
    fn start(path: &Path, writer: &Connection) -> Result<Checkpointer, StoreError> {
        let conn = Connection::open(path)?;
        configure(&conn)?;
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        let state = Arc::new((
            Mutex::new(CheckpointState::default()),
            std::sync::Condvar::new(),
        ));
        let restart = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (s, r) = (state.clone(), restart.clone());
        let thread = std::thread::Builder::new()
            .name("verdict-db-checkpoint".to_string())
            .spawn(move || checkpoint_loop(&conn, &s, &r))
            .map_err(|e| StoreError::Task(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer {
            state,
            restart,
            thread: Some(thread),
        })
    }

    /// Called by the writer between batches.
    fn after_commit(&self, writer: &Connection) {
        use std::sync::atomic::Ordering;
        if self.restart.load(Ordering::Relaxed) {
            // Most pages are copied already, so this finishes the tail; the next write then
            // starts the WAL from its beginning.
            match checkpoint(writer) {
                Ok((log, copied)) if copied >= log => self.restart.store(false, Ordering::Relaxed),
                Ok(_) => {}
                Err(e) => tracing::warn!("a checkpoint by the writer failed: {e}"),
            }
        }
        let (lock, wake) = &*self.state;
        if let Ok(mut s) = lock.lock() {
            s.committed = true;
            wake.notify_one();
        }
    }

    fn stop(mut self) {
        let (lock, wake) = &*self.state;
        if let Ok(mut s) = lock.lock() {
            s.stop = true;
            wake.notify_one();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn checkpoint_loop(
    conn: &Connection,
    state: &(Mutex<CheckpointState>, std::sync::Condvar),
    restart: &std::sync::atomic::AtomicBool,
) {
    let (lock, wake) = state;
    loop {
        let Ok(guard) = lock.lock() else { return };
        let Ok(mut s) = wake.wait_while(guard, |s| !s.committed && !s.stop) else {
            return;
        };
        if s.stop {
            return;
        }
        s.committed = false;
        drop(s);
        match checkpoint(conn) {
            Ok((log, _)) if log >= WAL_RESTART_PAGES => {
                restart.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("a background checkpoint failed: {e}"),
        }
        let Ok(guard) = lock.lock() else { return };
        match wake.wait_timeout_while(guard, CHECKPOINT_PAUSE, |s| !s.stop) {
            Ok((s, _)) if !s.stop => {}
            _ => return,
        }
    }
}

// ---------------------------------------------------------------- tenancy

/// A namespace and the organisation that owns it.
#[derive(Debug, Clone)]
pub(crate) struct NamespaceRow {
    pub rowid: i64,
    pub id: String,
    pub org_rowid: i64,
    pub internal_id: String,
}

/// The organisation a key (given as its sha256) belongs to.
pub(crate) fn find_key_org(conn: &Connection, key_hash: &[u8]) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT org_rowid FROM api_keys WHERE key_hash = ?1")?
        .query_row([key_hash], |r| r.get(0))
        .optional()?)
}

const NAMESPACE_COLUMNS: &str = "n.rowid, n.id, n.org_rowid, o.internal_id FROM namespaces n JOIN orgs o ON o.rowid = n.org_rowid";

fn namespace_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<NamespaceRow> {
    Ok(NamespaceRow {
        rowid: r.get(0)?,
        id: r.get(1)?,
        org_rowid: r.get(2)?,
        internal_id: r.get(3)?,
    })
}

/// The namespace named (or with the `ns_` id) `name_or_id`, if `org` owns it.
pub(crate) fn find_namespace(
    conn: &Connection,
    org: i64,
    name_or_id: &str,
) -> Result<Option<NamespaceRow>, StoreError> {
    let sql = format!(
        "SELECT {NAMESPACE_COLUMNS} WHERE n.org_rowid = ?1 AND (n.id = ?2 OR n.name = ?2) \
         ORDER BY n.id = ?2 DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![org, name_or_id], namespace_row)
        .optional()?)
}

fn namespace_by_name(conn: &Connection, name: &str) -> Result<Option<NamespaceRow>, StoreError> {
    let sql = format!("SELECT {NAMESPACE_COLUMNS} WHERE n.name = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([name], namespace_row)
        .optional()?)
}

/// The namespace `name`, created with a new organisation when it does not exist.
/// Returns whether it was created. Call inside a transaction.
pub(crate) fn ensure_namespace(
    conn: &Connection,
    name: &str,
) -> Result<(NamespaceRow, bool), StoreError> {
    if let Some(ns) = namespace_by_name(conn, name)? {
        return Ok((ns, false));
    }
    let now = now_us();
    let internal_id = new_id("int")?;
    conn.prepare_cached("INSERT INTO orgs (internal_id, created_us) VALUES (?1, ?2)")?
        .execute(params![internal_id, now])?;
    let org_rowid = conn.last_insert_rowid();
    let id = new_id("ns")?;
    conn.prepare_cached(
        "INSERT INTO namespaces (id, name, org_rowid, created_us) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, name, org_rowid, now])?;
    Ok((
        NamespaceRow {
            rowid: conn.last_insert_rowid(),
            id,
            org_rowid,
            internal_id,
        },
        true,
    ))
}

/// Stores a key for `org` by its sha256; the key itself is never written.
pub(crate) fn insert_key(conn: &Connection, org: i64, key_hash: &[u8]) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO api_keys (key_hash, org_rowid, created_us) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![key_hash, org, now_us()])?;
    Ok(())
}

pub(crate) fn count_sessions(conn: &Connection, ns_rowid: i64) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM sessions WHERE namespace_rowid = ?1")?
        .query_row([ns_rowid], |r| r.get(0))?;
    Ok(n as u64)
}

// ---------------------------------------------------------------- sessions

const SESSION_COLUMNS: &str = "id, user_id, session_name, agent_config, user_memory, status, \
    message_count, tool_calls, created_us, updated_us, last_activity_us, expires_us, \
    assistant_messages, rated_messages";

fn session_from_row(
    ns: &NamespaceRow,
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<GetSessionResponse> {
    let agent_config: String = r.get(3)?;
    let user_memory: String = r.get(4)?;
    let status: String = r.get(5)?;
    let message_count: i64 = r.get(6)?;
    let tool_calls: i64 = r.get(7)?;
    let assistant_messages: i64 = r.get(12)?;
    let rated_messages: i64 = r.get(13)?;
    Ok(GetSessionResponse {
        session_id: r.get(0)?,
        namespace_id: ns.id.clone(),
        internal_id: ns.internal_id.clone(),
        user_id: r.get(1)?,
        session_name: r.get(2)?,
        agent_config: serde_json::from_str(&agent_config).unwrap_or_default(),
        user_memory: serde_json::from_str(&user_memory).unwrap_or_default(),
        status: SessionStatus::parse(&status).unwrap_or(SessionStatus::Active),
        message_count: message_count as u64,
        stats: SessionStats {
            total_messages: message_count as u64,
            total_tokens: 0,
            total_tool_calls: tool_calls as u64,
            avg_latency_ms: 0.0,
        },
        created_at: format_time(r.get(8)?),
        updated_at: format_time(r.get(9)?),
        last_activity_at: format_time(r.get(10)?),
        expires_at: format_time(r.get(11)?),
        review: Some(ReviewStats {
            assistant_messages: assistant_messages as u64,
            rated_messages: rated_messages as u64,
        }),
    })
}

/// Which sessions a list request wants, already validated.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionFilter {
    pub status: Option<SessionStatus>,
    pub user_id: Option<String>,
    pub session_name: Option<String>,
    pub enable_memory: Option<bool>,
}

/// What a list can be ordered by: a column and whether it is ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionOrder {
    pub field: SortField,
    pub ascending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortField {
    LastActivity,
    Created,
    Updated,
    MessageCount,
}

impl SortField {
    pub(crate) const NAMES: [(&'static str, SortField); 4] = [
        ("last_activity_at", SortField::LastActivity),
        ("created_at", SortField::Created),
        ("updated_at", SortField::Updated),
        ("message_count", SortField::MessageCount),
    ];

    fn column(self) -> &'static str {
        match self {
            SortField::LastActivity => "last_activity_us",
            SortField::Created => "created_us",
            SortField::Updated => "updated_us",
            SortField::MessageCount => "message_count",
        }
    }
}

impl Default for SessionOrder {
    fn default() -> Self {
        SessionOrder {
            field: SortField::LastActivity,
            ascending: false,
        }
    }
}

/// Where a keyset page of the session list resumes: just after the session with this
/// sort value and id, in the order the cursor was made for. Sent to clients as an opaque
/// string, so its encoding can change without breaking anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListCursor {
    pub order: SessionOrder,
    pub value: i64,
    pub session_id: String,
}

impl ListCursor {
    const VERSION: &'static str = "c1";

    /// Hex of `c1 \n field \n a|d \n value \n session id`: URL-safe whatever the id holds.
    pub(crate) fn encode(&self) -> String {
        let field = SortField::NAMES
            .iter()
            .find(|(_, f)| *f == self.order.field)
            .map_or("last_activity_at", |(n, _)| n);
        let dir = if self.order.ascending { "a" } else { "d" };
        let plain = format!(
            "{}\n{field}\n{dir}\n{}\n{}",
            Self::VERSION,
            self.value,
            self.session_id
        );
        plain.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// `None` for anything [`ListCursor::encode`] did not make.
    pub(crate) fn decode(s: &str) -> Option<ListCursor> {
        if !s.len().is_multiple_of(2) || s.len() > 2048 {
            return None;
        }
        let bytes = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let plain = String::from_utf8(bytes).ok()?;
        let mut parts = plain.splitn(5, '\n');
        if parts.next()? != Self::VERSION {
            return None;
        }
        let field = parts.next()?;
        let field = SortField::NAMES.iter().find(|(n, _)| *n == field)?.1;
        let ascending = match parts.next()? {
            "a" => true,
            "d" => false,
            _ => return None,
        };
        let value = parts.next()?.parse().ok()?;
        let session_id = parts.next()?.to_string();
        if session_id.is_empty() {
            return None;
        }
        Some(ListCursor {
            order: SessionOrder { field, ascending },
            value,
            session_id,
        })
    }
}

/// Where a page of the session list starts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PageAt<'a> {
    Offset(u64),
    After(&'a ListCursor),
}

/// One page of sessions, how many match in all, and the cursor of the next page.
#[derive(Debug)]
pub(crate) struct SessionPage {
    pub sessions: Vec<GetSessionResponse>,
    pub total: u64,
    /// `None` on the last page.
    pub next: Option<ListCursor>,
}

/// One page of sessions. Ties on the sort column are broken by rowid, so every session
/// has one place in the order; a cursor page seeks the index straight to its place, so
/// it costs the same at any depth. `Ok(None)` when the cursor's session is not in this
/// namespace (a cursor made elsewhere).
pub(crate) fn list_sessions(
    conn: &Connection,
    ns: &NamespaceRow,
    filter: &SessionFilter,
    order: SessionOrder,
    limit: u64,
    at: PageAt<'_>,
) -> Result<Option<SessionPage>, StoreError> {
    let mut clause = String::from("namespace_rowid = ?1");
    let mut args: Vec<SqlValue> = vec![SqlValue::Integer(ns.rowid)];
    if let Some(status) = filter.status {
        args.push(SqlValue::Text(status.as_str().to_string()));
        clause.push_str(&format!(" AND status = ?{}", args.len()));
    }
    if let Some(user) = &filter.user_id {
        args.push(SqlValue::Text(user.clone()));
        clause.push_str(&format!(" AND user_id = ?{}", args.len()));
    }
    if let Some(name) = &filter.session_name {
        args.push(SqlValue::Text(name.clone()));
        clause.push_str(&format!(" AND session_name = ?{}", args.len()));
    }
    if let Some(mem) = filter.enable_memory {
        args.push(SqlValue::Integer(i64::from(mem)));
        clause.push_str(&format!(" AND enable_memory = ?{}", args.len()));
    }
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM sessions WHERE {clause}"))?
        .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
    let col = order.field.column();
    let dir = if order.ascending { "ASC" } else { "DESC" };
    let offset = match at {
        PageAt::Offset(offset) => offset,
        PageAt::After(cursor) => {
            let rowid: Option<i64> = conn
                .prepare_cached(
                    "SELECT rowid FROM sessions WHERE id = ?1 AND namespace_rowid = ?2",
                )?
                .query_row(params![cursor.session_id, ns.rowid], |r| r.get(0))
                .optional()?;
            let Some(rowid) = rowid else {
                return Ok(None);
            };
            // A row value comparison: SQLite seeks the (namespace, column, rowid) index.
            let cmp = if order.ascending { ">" } else { "<" };
            args.push(SqlValue::Integer(cursor.value));
            args.push(SqlValue::Integer(rowid));
            clause.push_str(&format!(
                " AND ({col}, rowid) {cmp} (?{}, ?{})",
                args.len() - 1,
                args.len()
            ));
            0
        }
    };
    // One row more than asked tells whether another page follows.
    let sql = format!(
        "SELECT {SESSION_COLUMNS}, {col} FROM sessions WHERE {clause} \
         ORDER BY {col} {dir}, rowid {dir} LIMIT ?{l} OFFSET ?{o}",
        l = args.len() + 1,
        o = args.len() + 2,
    );
    args.push(SqlValue::Integer(limit.saturating_add(1) as i64));
    args.push(SqlValue::Integer(offset as i64));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
        Ok((
            session_from_row(ns, r)?,
            r.get::<_, i64>(SORT_VALUE_COLUMN)?,
        ))
    })?;
    let mut rows = rows.collect::<Result<Vec<_>, _>>()?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next = match rows.last() {
        Some((last, value)) if more => Some(ListCursor {
            order,
            value: *value,
            session_id: last.session_id.clone(),
        }),
        _ => None,
    };
    Ok(Some(SessionPage {
        sessions: rows.into_iter().map(|(s, _)| s).collect(),
        total: total as u64,
        next,
    }))
}

/// Where the sort column lands after [`SESSION_COLUMNS`] in a list query.
const SORT_VALUE_COLUMN: usize = 14;

pub(crate) fn get_session(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
) -> Result<GetSessionResponse, StoreError> {
    let sql =
        format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1 AND namespace_rowid = ?2");
    conn.prepare_cached(&sql)?
        .query_row(params![session_id, ns.rowid], |r| session_from_row(ns, r))
        .optional()?
        .ok_or_else(|| StoreError::not_found("session", session_id))
}

/// The session's rowid and message count, if it is in this namespace.
fn session_key(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
) -> Result<(i64, i64), StoreError> {
    conn.prepare_cached(
        "SELECT rowid, message_count FROM sessions WHERE id = ?1 AND namespace_rowid = ?2",
    )?
    .query_row(params![session_id, ns.rowid], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()?
    .ok_or_else(|| StoreError::not_found("session", session_id))
}

pub(crate) fn create_session(
    conn: &Connection,
    ns: &NamespaceRow,
    req: &CreateSessionRequest,
) -> Result<CreateSessionResponse, StoreError> {
    let now = now_us();
    let session_name = req
        .metadata
        .get("session_name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let new = NewSession {
        preferred_id: None,
        user_id: req.user_id.clone(),
        session_name: session_name.clone(),
        agent_config: req.agent_config.clone(),
        user_memory: req.user_memory.clone(),
        metadata: req.metadata.clone(),
        quotas: req
            .quotas
            .as_ref()
            .and_then(|q| serde_json::to_value(q).ok()),
        enable_memory: req.enable_memory,
        status: SessionStatus::Active,
        created_us: now,
        messages: Vec::new(),
    };
    let inserted = insert_session(conn, ns.rowid, &new)?;
    Ok(CreateSessionResponse {
        session_id: inserted.session_id,
        namespace_id: ns.id.clone(),
        internal_id: ns.internal_id.clone(),
        session_name,
        status: SessionStatus::Active,
        created_at: format_time(now),
        expires_at: format_time(now + SESSION_LIFETIME_US),
    })
}

pub(crate) fn terminate_session(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
) -> Result<TerminateSessionResponse, StoreError> {
    let now = now_us();
    let terminated: i64 = conn
        .prepare_cached(
            "UPDATE sessions SET status = 'terminated', updated_us = ?1, \
             terminated_us = coalesce(terminated_us, ?1) \
             WHERE id = ?2 AND namespace_rowid = ?3 RETURNING terminated_us",
        )?
        .query_row(params![now, session_id, ns.rowid], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::not_found("session", session_id))?;
    Ok(TerminateSessionResponse {
        session_id: session_id.to_string(),
        status: SessionStatus::Terminated,
        terminated_at: format_time(terminated),
    })
}

// ---------------------------------------------------------------- messages

const MESSAGE_COLUMNS: &str = "id, role, content, content_type, tool_name, tool_inputs, \
    tool_outputs, tool_status, timestamp_us";

fn message_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageHistoryItem> {
    Ok(MessageHistoryItem {
        message_id: r.get(0)?,
        role: r.get(1)?,
        content: r.get(2)?,
        content_type: r.get(3)?,
        tool_name: r.get(4)?,
        tool_inputs: r.get(5)?,
        tool_outputs: r.get(6)?,
        tool_status: r.get(7)?,
        timestamp: format_time(r.get(8)?),
    })
}

/// One page of a session's messages, oldest first, as a struct: the plain version that
/// [`history_json`] must match.
#[cfg(test)]
fn history(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
    limit: u64,
    offset: u64,
) -> Result<crate::api::model::GetHistoryResponse, StoreError> {
    let (session_rowid, total) = session_key(conn, ns, session_id)?;
    let total = total.max(0) as u64;
    // seq numbers a session's messages 0..n, so an offset is a seek, not a scan.
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_rowid = ?1 AND seq >= ?2 \
         ORDER BY seq LIMIT ?3"
    );
    let offset_arg = i64::try_from(offset).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql)?;
    let messages = stmt
        .query_map(
            params![session_rowid, offset_arg, limit as i64],
            message_from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let returned = messages.len() as u64;
    Ok(crate::api::model::GetHistoryResponse {
        session_id: session_id.to_string(),
        messages,
        total_messages: total,
        returned_messages: returned,
        has_more: offset.saturating_add(returned) < total,
    })
}

/// [`history`] as JSON, written straight from the rows: byte for byte what serializing
/// its `GetHistoryResponse` gives, without building a struct and strings per message.
/// History pages are the hot read path.
pub(crate) fn history_json(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
    limit: u64,
    offset: u64,
) -> Result<Vec<u8>, StoreError> {
    use std::io::Write;
    let (session_rowid, total) = session_key(conn, ns, session_id)?;
    let total = total.max(0) as u64;
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_rowid = ?1 AND seq >= ?2 \
         ORDER BY seq LIMIT ?3"
    );
    let offset_arg = i64::try_from(offset).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![session_rowid, offset_arg, limit as i64])?;
    let mut out: Vec<u8> = Vec::with_capacity(256 + 512 * limit.min(200) as usize);
    let column =
        |e: rusqlite::types::FromSqlError| StoreError::Task(format!("bad message row: {e}"));
    out.extend_from_slice(b"{\"session_id\":");
    push_json_str(&mut out, session_id);
    out.extend_from_slice(b",\"messages\":[");
    let mut returned = 0u64;
    while let Some(r) = rows.next()? {
        if returned > 0 {
            out.push(b',');
        }
        returned += 1;
        for (i, name) in [
            (0, "message_id"),
            (1, "role"),
            (2, "content"),
            (3, "content_type"),
        ] {
            out.extend_from_slice(if i == 0 { b"{\"" } else { b",\"" });
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            push_json_str(&mut out, r.get_ref(i)?.as_str().map_err(column)?);
        }
        for (i, name) in [
            (4, "tool_name"),
            (5, "tool_inputs"),
            (6, "tool_outputs"),
            (7, "tool_status"),
        ] {
            if let Some(v) = r.get_ref(i)?.as_str_or_null().map_err(column)? {
                out.extend_from_slice(b",\"");
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"\":");
                push_json_str(&mut out, v);
            }
        }
        out.extend_from_slice(b",\"timestamp\":\"");
        write_time(&mut out, r.get(8)?);
        out.extend_from_slice(b"\"}");
    }
    let has_more = offset.saturating_add(returned) < total;
    write!(
        out,
        "],\"total_messages\":{total},\"returned_messages\":{returned},\"has_more\":{has_more}}}"
    )
    .map_err(|e| StoreError::Task(e.to_string()))?;
    Ok(out)
}

// ---------------------------------------------------------------- feedback and memory

/// Records one rating and applies it to memory; see the feedback semantics in the API notes.
pub(crate) fn submit_feedback(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
    req: &SubmitFeedbackRequest,
) -> Result<SubmitFeedbackResponse, StoreError> {
    let (session_rowid, enable_memory): (i64, bool) = conn
        .prepare_cached(
            "SELECT rowid, enable_memory FROM sessions WHERE id = ?1 AND namespace_rowid = ?2",
        )?
        .query_row(params![session_id, ns.rowid], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or_else(|| StoreError::not_found("session", session_id))?;
    let (message_rowid, seq, role, previous): (i64, i64, String, Option<String>) = conn
        .prepare_cached(
            "SELECT rowid, seq, role, rating FROM messages WHERE id = ?1 AND session_rowid = ?2",
        )?
        .query_row(params![req.message_id, session_rowid], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?
        .ok_or_else(|| StoreError::not_found("message", &req.message_id))?;
    if role != "assistant" {
        return Err(StoreError::NotAssistant {
            id: req.message_id.clone(),
            role,
        });
    }
    let stored = req.rating == Rating::Positive && enable_memory;
    let now = now_us();
    conn.prepare_cached(
        "INSERT INTO feedback (id, session_rowid, message_rowid, rating, feedback_text, stored, recorded_us) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        new_ordered_id("fb")?,
        session_rowid,
        message_rowid,
        req.rating.as_str(),
        req.feedback_text,
        stored,
        now
    ])?;
    if previous.as_deref() != Some(req.rating.as_str()) {
        conn.prepare_cached("UPDATE messages SET rating = ?1 WHERE rowid = ?2")?
            .execute(params![req.rating.as_str(), message_rowid])?;
    }
    if previous.is_none() {
        conn.prepare_cached(
            "UPDATE sessions SET rated_messages = rated_messages + 1 WHERE rowid = ?1",
        )?
        .execute([session_rowid])?;
    }
    // A stored exchange exists exactly when the latest rating is positive on a memory-enabled
    // session, so only a change of rating touches the memory table.
    let was_positive = previous.as_deref() == Some("positive");
    if stored && !was_positive {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO memory (id, session_rowid, message_rowid, user_message_rowid, stored_us) \
             VALUES (?1, ?2, ?3, (SELECT rowid FROM messages WHERE session_rowid = ?2 AND seq < ?4 \
                 AND role = 'user' ORDER BY seq DESC LIMIT 1), ?5)",
        )?
        .execute(params![
            new_ordered_id("mem")?,
            session_rowid,
            message_rowid,
            seq,
            now
        ])?;
    } else if !stored && was_positive {
        conn.prepare_cached("DELETE FROM memory WHERE message_rowid = ?1")?
            .execute([message_rowid])?;
    }
    Ok(SubmitFeedbackResponse {
        session_id: session_id.to_string(),
        message_id: req.message_id.clone(),
        rating: req.rating,
        stored,
        recorded_at: format_time(now),
    })
}

/// Every rating recorded on a session, latest first.
pub(crate) fn list_feedback(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
) -> Result<ListFeedbackResponse, StoreError> {
    let (session_rowid, _) = session_key(conn, ns, session_id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT f.id, m.id, f.rating, f.feedback_text, f.stored, f.recorded_us \
         FROM feedback f JOIN messages m ON m.rowid = f.message_rowid \
         WHERE f.session_rowid = ?1 ORDER BY f.rowid DESC",
    )?;
    let feedback = stmt
        .query_map([session_rowid], |r| {
            let rating: String = r.get(2)?;
            Ok(FeedbackRecord {
                feedback_id: r.get(0)?,
                session_id: session_id.to_string(),
                message_id: r.get(1)?,
                rating: Rating::parse(&rating).unwrap_or(Rating::Negative),
                feedback_text: r.get(3)?,
                stored: r.get(4)?,
                recorded_at: format_time(r.get(5)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListFeedbackResponse {
        session_id: session_id.to_string(),
        feedback,
    })
}

/// The exchanges stored to memory from a session, in conversation order.
pub(crate) fn list_memory(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
) -> Result<ListMemoryResponse, StoreError> {
    let (session_rowid, _) = session_key(conn, ns, session_id)?;
    struct Row {
        memory_id: String,
        message_id: String,
        assistant_content: String,
        assistant_seq: i64,
        user_message_id: Option<String>,
        user_content: Option<String>,
        user_seq: Option<i64>,
        stored_us: i64,
    }
    let rows = conn
        .prepare_cached(
            "SELECT mem.id, a.id, a.content, a.seq, u.id, u.content, u.seq, mem.stored_us \
             FROM memory mem JOIN messages a ON a.rowid = mem.message_rowid \
             LEFT JOIN messages u ON u.rowid = mem.user_message_rowid \
             WHERE mem.session_rowid = ?1 ORDER BY a.seq",
        )?
        .query_map([session_rowid], |r| {
            Ok(Row {
                memory_id: r.get(0)?,
                message_id: r.get(1)?,
                assistant_content: r.get(2)?,
                assistant_seq: r.get(3)?,
                user_message_id: r.get(4)?,
                user_content: r.get(5)?,
                user_seq: r.get(6)?,
                stored_us: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let context_sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_rowid = ?1 AND seq > ?2 AND seq < ?3 \
         ORDER BY seq"
    );
    let mut context_stmt = conn.prepare_cached(&context_sql)?;
    let mut memories = Vec::with_capacity(rows.len());
    for row in rows {
        let context = context_stmt
            .query_map(
                params![session_rowid, row.user_seq.unwrap_or(-1), row.assistant_seq],
                message_from_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        memories.push(MemoryEntry {
            memory_id: row.memory_id,
            session_id: session_id.to_string(),
            message_id: row.message_id,
            user_message_id: row.user_message_id,
            user_content: row.user_content,
            assistant_content: row.assistant_content,
            context,
            stored_at: format_time(row.stored_us),
        });
    }
    Ok(ListMemoryResponse {
        session_id: session_id.to_string(),
        memories,
    })
}

// ---------------------------------------------------------------- bulk insert (import, demo, seed)

/// A session to insert with all its messages.
#[derive(Debug, Clone)]
pub(crate) struct NewSession {
    /// Kept when no session has it yet; otherwise a new id is made.
    pub preferred_id: Option<String>,
    pub user_id: Option<String>,
    pub session_name: Option<String>,
    pub agent_config: AgentConfig,
    pub user_memory: Map<String, Value>,
    pub metadata: Map<String, Value>,
    pub quotas: Option<Value>,
    pub enable_memory: bool,
    pub status: SessionStatus,
    pub created_us: i64,
    pub messages: Vec<NewMessage>,
}

#[derive(Debug, Clone)]
pub(crate) struct NewMessage {
    /// Kept when no message has it yet; otherwise a new id is made.
    pub preferred_id: Option<String>,
    pub role: String,
    pub content: String,
    pub content_type: String,
    pub tool_name: Option<String>,
    pub tool_inputs: Option<String>,
    pub tool_outputs: Option<String>,
    pub tool_status: Option<String>,
    pub timestamp_us: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct InsertedSession {
    pub session_id: String,
    pub messages: usize,
}

/// Inserts a session and its messages. Call inside a transaction; many calls may share one.
pub(crate) fn insert_session(
    conn: &Connection,
    ns_rowid: i64,
    s: &NewSession,
) -> Result<InsertedSession, StoreError> {
    let session_id = match &s.preferred_id {
        Some(id) if !id.is_empty() && !row_exists(conn, "sessions", id)? => id.clone(),
        _ => new_id("ses")?,
    };
    let assistant = s.messages.iter().filter(|m| m.role == "assistant").count() as i64;
    let tool_calls = s
        .messages
        .iter()
        .filter(|m| m.content_type == "tool_call")
        .count() as i64;
    let last_activity = s
        .messages
        .iter()
        .map(|m| m.timestamp_us)
        .max()
        .unwrap_or(s.created_us)
        .max(s.created_us);
    let agent_config = serde_json::to_string(&s.agent_config).unwrap_or_else(|_| "{}".into());
    let user_memory = Value::Object(s.user_memory.clone()).to_string();
    let metadata = Value::Object(s.metadata.clone()).to_string();
    let quotas = s.quotas.as_ref().map(Value::to_string);
    let terminated = (s.status == SessionStatus::Terminated).then_some(last_activity);
    conn.prepare_cached(
        "INSERT INTO sessions (id, namespace_rowid, user_id, session_name, agent_config, \
         user_memory, metadata, quotas, enable_memory, status, message_count, tool_calls, \
         created_us, updated_us, last_activity_us, expires_us, terminated_us, \
         assistant_messages, rated_messages) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16, ?17, 0)",
    )?
    .execute(params![
        session_id,
        ns_rowid,
        s.user_id,
        s.session_name,
        agent_config,
        user_memory,
        metadata,
        quotas,
        s.enable_memory,
        s.status.as_str(),
        s.messages.len() as i64,
        tool_calls,
        s.created_us,
        last_activity,
        s.created_us + SESSION_LIFETIME_US,
        terminated,
        assistant,
    ])?;
    let session_rowid = conn.last_insert_rowid();
    let mut insert = conn.prepare_cached(
        "INSERT INTO messages (id, session_rowid, seq, role, content, content_type, tool_name, \
         tool_inputs, tool_outputs, tool_status, timestamp_us) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for (seq, m) in s.messages.iter().enumerate() {
        let id = match &m.preferred_id {
            Some(id) if !id.is_empty() && !row_exists(conn, "messages", id)? => id.clone(),
            _ => new_id("msg")?,
        };
        insert.execute(params![
            id,
            session_rowid,
            seq as i64,
            m.role,
            m.content,
            m.content_type,
            m.tool_name,
            m.tool_inputs,
            m.tool_outputs,
            m.tool_status,
            m.timestamp_us,
        ])?;
    }
    Ok(InsertedSession {
        session_id,
        messages: s.messages.len(),
    })
}

fn row_exists(conn: &Connection, table: &'static str, id: &str) -> Result<bool, StoreError> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)");
    Ok(conn.prepare_cached(&sql)?.query_row([id], |r| r.get(0))?)
}

// ---------------------------------------------------------------- bulk load (seed)

/// A rating already given to a bulk-loaded assistant message.
#[derive(Debug, Clone)]
pub(crate) struct BulkRating {
    pub feedback_id: String,
    /// The id of the stored exchange, used when the rating puts it in memory.
    pub memory_id: String,
    pub rating: Rating,
    pub feedback_text: Option<String>,
    pub recorded_us: i64,
}

/// A message whose id is already chosen; see [`bulk_insert_sessions`].
#[derive(Debug, Clone)]
pub(crate) struct BulkMessage {
    pub id: String,
    pub role: &'static str,
    pub content: String,
    pub content_type: &'static str,
    pub tool_name: Option<&'static str>,
    pub tool_inputs: Option<String>,
    pub tool_outputs: Option<String>,
    pub tool_status: Option<&'static str>,
    pub timestamp_us: i64,
    pub rating: Option<BulkRating>,
}

/// A session whose id is already chosen, with its messages (and their ratings, if any).
#[derive(Debug, Clone)]
pub(crate) struct BulkSession {
    pub id: String,
    pub user_id: Option<String>,
    pub session_name: Option<String>,
    /// `AgentConfig` as JSON.
    pub agent_config: String,
    /// An object, as JSON.
    pub metadata: String,
    pub enable_memory: bool,
    pub status: SessionStatus,
    pub created_us: i64,
    pub messages: Vec<BulkMessage>,
}

/// Tunes a connection for loading many rows at once. Commits stop waiting for fsync
/// (WAL keeps each commit atomic, so a crash loses whole batches, never half of one);
/// [`finish_bulk_load`] makes everything durable at the end.
pub(crate) fn begin_bulk_load(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // 256 MiB of page cache keeps the id indices in memory while rows arrive in random id order.
    conn.pragma_update(None, "cache_size", -262_144)?;
    // Checkpoint every 64 MiB rather than every 4: fewer fsyncs of the database file, and
    // index pages changed many times between two checkpoints are copied once.
    conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
    Ok(())
}

/// Checkpoints the WAL into the database file with fsync, and restores durable commits.
pub(crate) fn finish_bulk_load(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "wal_autocheckpoint", 1000)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Inserts sessions whose ids the caller chose (so no lookups are needed), with their
/// messages, ratings and stored exchanges, keeping every counter the way a live
/// server would. Call inside a transaction; ids must be new.
pub(crate) fn bulk_insert_sessions(
    conn: &Connection,
    ns_rowid: i64,
    sessions: &[BulkSession],
) -> Result<(), StoreError> {
    let mut insert_session = conn.prepare_cached(
        "INSERT INTO sessions (id, namespace_rowid, user_id, session_name, agent_config, \
         metadata, enable_memory, status, message_count, tool_calls, created_us, updated_us, \
         last_activity_us, expires_us, terminated_us, assistant_messages, rated_messages) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15, ?16)",
    )?;
    let mut insert_message = conn.prepare_cached(
        "INSERT INTO messages (id, session_rowid, seq, role, content, content_type, tool_name, \
         tool_inputs, tool_outputs, tool_status, timestamp_us, rating) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut insert_feedback = conn.prepare_cached(
        "INSERT INTO feedback (id, session_rowid, message_rowid, rating, feedback_text, stored, \
         recorded_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut insert_memory = conn.prepare_cached(
        "INSERT INTO memory (id, session_rowid, message_rowid, user_message_rowid, stored_us) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for s in sessions {
        let count = |pred: fn(&BulkMessage) -> bool| s.messages.iter().filter(|m| pred(m)).count();
        let assistant = count(|m| m.role == "assistant") as i64;
        let rated = count(|m| m.rating.is_some()) as i64;
        let tool_calls = count(|m| m.content_type == "tool_call") as i64;
        let last_activity = s
            .messages
            .iter()
            .map(|m| m.timestamp_us)
            .chain(
                s.messages
                    .iter()
                    .filter_map(|m| m.rating.as_ref().map(|r| r.recorded_us)),
            )
            .fold(s.created_us, i64::max);
        let terminated = (s.status == SessionStatus::Terminated).then_some(last_activity);
        insert_session.execute(params![
            s.id,
            ns_rowid,
            s.user_id,
            s.session_name,
            s.agent_config,
            s.metadata,
            s.enable_memory,
            s.status.as_str(),
            s.messages.len() as i64,
            tool_calls,
            s.created_us,
            last_activity,
            s.created_us + SESSION_LIFETIME_US,
            terminated,
            assistant,
            rated,
        ])?;
        let session_rowid = conn.last_insert_rowid();
        let mut last_user: Option<i64> = None;
        for (seq, m) in s.messages.iter().enumerate() {
            insert_message.execute(params![
                m.id,
                session_rowid,
                seq as i64,
                m.role,
                m.content,
                m.content_type,
                m.tool_name,
                m.tool_inputs,
                m.tool_outputs,
                m.tool_status,
                m.timestamp_us,
                m.rating.as_ref().map(|r| r.rating.as_str()),
            ])?;
            let message_rowid = conn.last_insert_rowid();
            if m.role == "user" {
                last_user = Some(message_rowid);
            }
            let Some(r) = &m.rating else { continue };
            let stored = r.rating == Rating::Positive && s.enable_memory;
            insert_feedback.execute(params![
                r.feedback_id,
                session_rowid,
                message_rowid,
                r.rating.as_str(),
                r.feedback_text,
                stored,
                r.recorded_us,
            ])?;
            if stored {
                insert_memory.execute(params![
                    r.memory_id,
                    session_rowid,
                    message_rowid,
                    last_user,
                    r.recorded_us,
                ])?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(role: &str, content: &str, t: i64) -> NewMessage {
        NewMessage {
            preferred_id: None,
            role: role.to_string(),
            content: content.to_string(),
            content_type: "text".to_string(),
            tool_name: None,
            tool_inputs: None,
            tool_outputs: None,
            tool_status: None,
            timestamp_us: t,
        }
    }

    #[test]
    fn list_cursors_round_trip_and_refuse_anything_else() {
        let c = ListCursor {
            order: SessionOrder {
                field: SortField::Created,
                ascending: true,
            },
            value: -42,
            session_id: "ses_odd id\nwith a newline".into(),
        };
        let s = c.encode();
        assert!(s.bytes().all(|b| b.is_ascii_hexdigit()), "{s}");
        assert_eq!(ListCursor::decode(&s), Some(c));
        for bad in ["", "z", "6", "6869", "é1", "63320a"] {
            assert_eq!(ListCursor::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ids_have_prefix_and_alphabet() {
        let a = new_id("ses").unwrap();
        let b = new_id("ses").unwrap();
        assert!(a.starts_with("ses_") && a.len() == 24, "{a}");
        assert_ne!(a, b);
        assert!(
            a[4..]
                .bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        );
        let k = new_api_key().unwrap();
        assert!(k.starts_with("sk_") && k.len() == 46);
    }

    #[test]
    fn fast_time_format_matches_chrono() {
        let base = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z")
            .unwrap()
            .timestamp_micros();
        for us in [
            0,
            -1,
            -1_500_000,
            base,
            base + 1,
            base + 1_000,
            base + 120_000,
            base + 999_999,
            253_402_300_799_999_999,
        ] {
            let t = chrono::DateTime::from_timestamp_micros(us).unwrap();
            assert_eq!(
                format_time(us),
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                "{us}"
            );
        }
    }

    #[test]
    fn fast_json_strings_match_serde() {
        let mut cases: Vec<String> = vec![
            String::new(),
            "plain ascii text that is long enough for several words".into(),
            "caf\u{e9} \u{6771}\u{4eac} \u{1F680} \"quoted\" back\\slash".into(),
            (0u8..0x80).map(char::from).collect(),
            "\u{7f}\u{80}\u{2028}\u{2029}".into(),
        ];
        let alphabet: Vec<char> = "ab \"\\\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{e9}\u{1F680}xyz"
            .chars()
            .collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..300 {
            let s: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            cases.push(s);
        }
        for s in cases {
            let mut out = Vec::new();
            push_json_str(&mut out, &s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&s).unwrap()
            );
        }
    }

    #[test]
    fn arithmetic_dates_match_chrono() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let us = (x % 253_402_300_800_000_000) as i64;
            for us in [us, us - us % 1000, us - us % 1_000_000] {
                let t = chrono::DateTime::from_timestamp_micros(us).unwrap();
                assert_eq!(
                    format_time(us),
                    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                    "{us}"
                );
            }
        }
    }

    #[test]
    fn times_are_rfc3339_utc() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+01:00")
            .unwrap()
            .timestamp_micros();
        assert_eq!(format_time(t), "2026-11-20T09:00:00Z");
        assert_eq!(format_time(t + 500), "2026-11-20T09:00:00.000500Z");
    }

    /// A database left at schema v1 with ratings in it is upgraded on open, and the
    /// ratings are replayed into the v2 counters and memory.
    #[test]
    fn v1_database_is_upgraded_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).unwrap();
            migrate(&conn, &path, 1).unwrap();
            assert_eq!(schema_version(&conn).unwrap(), 1);
            conn.execute_batch(
                "INSERT INTO orgs (rowid, internal_id, created_us) VALUES (1, 'int_a', 0);
                 INSERT INTO namespaces (rowid, id, name, org_rowid, created_us)
                     VALUES (1, 'ns_a', 'old', 1, 0);
                 INSERT INTO sessions (rowid, id, namespace_rowid, agent_config, status,
                     message_count, created_us, updated_us, last_activity_us, expires_us)
                     VALUES (1, 'ses_a', 1, '{}', 'active', 4, 0, 0, 0, 0);
                 INSERT INTO messages (rowid, id, session_rowid, seq, role, content, content_type, timestamp_us)
                     VALUES (1, 'msg_u', 1, 0, 'user', 'q', 'text', 0),
                            (2, 'msg_a', 1, 1, 'assistant', 'a', 'text', 1),
                            (3, 'msg_u2', 1, 2, 'user', 'q2', 'text', 2),
                            (4, 'msg_b', 1, 3, 'assistant', 'b', 'text', 3);
                 INSERT INTO feedback (id, session_rowid, message_rowid, rating, stored, recorded_us)
                     VALUES ('fb_1', 1, 2, 'negative', 0, 10),
                            ('fb_2', 1, 2, 'positive', 1, 20),
                            ('fb_3', 1, 4, 'positive', 1, 30),
                            ('fb_4', 1, 4, 'negative', 0, 40);",
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), SCHEMA_VERSION);
        let ns = find_namespace(&conn, 1, "old").unwrap().unwrap();
        let s = get_session(&conn, &ns, "ses_a").unwrap();
        assert_eq!(
            s.review,
            Some(ReviewStats {
                assistant_messages: 2,
                rated_messages: 2
            })
        );
        let mem = list_memory(&conn, &ns, "ses_a").unwrap();
        assert_eq!(mem.memories.len(), 1, "{mem:?}");
        assert_eq!(mem.memories[0].message_id, "msg_a");
        assert_eq!(mem.memories[0].user_message_id.as_deref(), Some("msg_u"));
        let fb = list_feedback(&conn, &ns, "ses_a").unwrap();
        assert_eq!(fb.feedback.len(), 4);
        assert_eq!(fb.feedback[0].feedback_id, "fb_4");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_database_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let _conn = open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_negative_schema_version_is_refused_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", -3).unwrap();
        }
        let err = open(&path).unwrap_err();
        assert!(
            matches!(err, StoreError::Foreign { found: -3, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("not a verdict database"), "{err}");
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = open(&path).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
        assert!(err.to_string().contains("upgrade verdict"));
    }

    #[test]
    fn preferred_ids_are_kept_only_when_free() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("s.db")).unwrap();
        let (ns, created) = ensure_namespace(&conn, "n").unwrap();
        assert!(created);
        let mut s = NewSession {
            preferred_id: Some("ses_keep".into()),
            user_id: None,
            session_name: None,
            agent_config: AgentConfig::default(),
            user_memory: Map::new(),
            metadata: Map::new(),
            quotas: None,
            enable_memory: true,
            status: SessionStatus::Idle,
            created_us: 5,
            messages: vec![message("user", "hi", 7), message("assistant", "hello", 9)],
        };
        s.messages[0].preferred_id = Some("msg_keep".into());
        let first = insert_session(&conn, ns.rowid, &s).unwrap();
        let second = insert_session(&conn, ns.rowid, &s).unwrap();
        assert_eq!(first.session_id, "ses_keep");
        assert_ne!(second.session_id, "ses_keep");
        let h1 = history(&conn, &ns, &first.session_id, 10, 0).unwrap();
        for (limit, offset) in [(10, 0), (1, 0), (1, 1), (5, 7)] {
            let fast = history_json(&conn, &ns, &first.session_id, limit, offset).unwrap();
            let slow = history(&conn, &ns, &first.session_id, limit, offset).unwrap();
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&slow).unwrap()
            );
        }
        let h2 = history(&conn, &ns, &second.session_id, 10, 0).unwrap();
        assert_eq!(h1.messages[0].message_id, "msg_keep");
        assert_ne!(h2.messages[0].message_id, "msg_keep");
        let got = get_session(&conn, &ns, "ses_keep").unwrap();
        assert_eq!(got.last_activity_at, format_time(9));
        assert_eq!(got.review.unwrap().assistant_messages, 1);
    }
}
