//! The reviewer's own durable record of ratings (SQLite): the outbox of unsent
//! ratings, what the server answered, and the source of exports.

pub mod outbox;

use crate::api::model::{MessageHistoryItem, Rating, SubmitFeedbackResponse};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use std::path::Path;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the journal database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the journal could not be opened at {path}: {message}")]
    Open { path: String, message: String },
    /// The thread that owns the journal has stopped (it panicked or the program is ending).
    #[error("the journal is closed")]
    Closed,
}

/// Which message a rating is about, on which server and namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub base_url: String,
    pub namespace: String,
    pub session_id: String,
    pub message_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingState {
    /// Committed locally, not yet acknowledged by the server.
    Pending,
    /// The server answered 200; `stored` and `recorded_at` hold its receipt.
    Sent,
    /// The server refused it for good (4xx other than 408/429); kept, never dropped.
    Failed,
    /// A newer rating of the same message replaced it before it was sent.
    Superseded,
}

impl RatingState {
    pub fn as_str(self) -> &'static str {
        match self {
            RatingState::Pending => "pending",
            RatingState::Sent => "sent",
            RatingState::Failed => "failed",
            RatingState::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(RatingState::Pending),
            "sent" => Some(RatingState::Sent),
            "failed" => Some(RatingState::Failed),
            "superseded" => Some(RatingState::Superseded),
            _ => None,
        }
    }
}

/// One rating as the journal holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub target: Target,
    pub rating: Rating,
    pub text: Option<String>,
    pub reviewer: String,
    /// RFC 3339, when the reviewer pressed the key.
    pub made_at: String,
    pub state: RatingState,
    pub stored: Option<bool>,
    pub recorded_at: Option<String>,
    pub last_error: Option<String>,
    pub attempts: u32,
}

/// Pending and failed counts for one server + namespace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: usize,
    pub failed: usize,
}

/// The exchange a rating judged: the user prompt and the assistant reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exchange {
    pub prompt: Option<String>,
    pub completion: String,
}

impl Exchange {
    /// The exchange of assistant message `message_id` in a session's history: the reply
    /// and the nearest user message before it (the same rule the local server uses).
    pub fn from_history(history: &[MessageHistoryItem], message_id: &str) -> Option<Exchange> {
        let at = history
            .iter()
            .position(|m| m.message_id == message_id && m.is_assistant())?;
        let prompt = history[..at]
            .iter()
            .rev()
            .find(|m| m.is_user())
            .map(|m| m.content.clone());
        Some(Exchange {
            prompt,
            completion: history[at].content.clone(),
        })
    }
}

/// One line of an export: a rating, whether it is the latest of its message, and its
/// exchange when the journal has it cached.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    pub entry: Entry,
    pub latest: bool,
    pub exchange: Option<Exchange>,
}

/// A note being written for a message, with the rating chosen in the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub rating: Rating,
    pub text: String,
}

/// A draft and the message it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedDraft {
    pub session_id: String,
    pub message_id: String,
    pub draft: Draft,
}

/// The schema version this build writes; `PRAGMA user_version` holds the file's.
pub const SCHEMA_VERSION: i64 = 2;

/// Migration `i` takes a journal from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1
    "CREATE TABLE ratings (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        base_url    TEXT NOT NULL,
        namespace   TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        rating      TEXT NOT NULL CHECK (rating IN ('positive', 'negative')),
        text        TEXT,
        reviewer    TEXT NOT NULL,
        made_at     TEXT NOT NULL,
        state       TEXT NOT NULL
                    CHECK (state IN ('pending', 'sent', 'failed', 'superseded')),
        stored      INTEGER,
        recorded_at TEXT,
        last_error  TEXT,
        attempts    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX ratings_by_message
        ON ratings (base_url, namespace, session_id, message_id, id);
    CREATE INDEX ratings_by_state ON ratings (base_url, namespace, state, id);
    CREATE INDEX ratings_by_made_at ON ratings (made_at);
    CREATE TABLE exchanges (
        base_url    TEXT NOT NULL,
        namespace   TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        prompt      TEXT,
        completion  TEXT NOT NULL,
        fetched_at  TEXT NOT NULL,
        PRIMARY KEY (base_url, namespace, session_id, message_id)
    );",
    // 1 -> 2: notes being written, kept until they are sent or emptied.
    "CREATE TABLE drafts (
        base_url    TEXT NOT NULL,
        namespace   TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        rating      TEXT NOT NULL CHECK (rating IN ('positive', 'negative')),
        text        TEXT NOT NULL,
        saved_at    TEXT NOT NULL,
        PRIMARY KEY (base_url, namespace, session_id, message_id)
    );",
];

const ENTRY_COLUMNS: &str = "id, base_url, namespace, session_id, message_id, rating, text, \
     reviewer, made_at, state, stored, recorded_at, last_error, attempts";

/// Now, as the journal writes times: UTC RFC 3339 with microseconds, so that text order
/// is time order.
pub fn now_rfc3339() -> String {
    to_journal_time(chrono::Utc::now())
}

/// A time in the journal's fixed format (UTC, microseconds, `Z`).
pub fn to_journal_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The form of a base URL used in journal keys, so `https://x/` and `https://x` match.
pub fn journal_base_url(base_url: &str) -> String {
    base_url.trim_end_matches('/').to_string()
}

/// The journal's name for verdict's in-process demo server, in place of its base URL
/// (a new port each run). It has no scheme, so no real server's base URL can equal it.
pub const DEMO_SERVER_KEY: &str = "local-demo";

/// The journal database.
pub struct Journal {
    conn: Connection,
}

impl Journal {
    /// Opens (creating and migrating) the journal at `path`.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let open_error = |message: String| JournalError::Open {
            path: path.display().to_string(),
            message,
        };
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| open_error(e.to_string()))?;
        }
        // Feedback text and transcripts are the reviewer's business.
        crate::fs::create_private_file(path).map_err(|e| open_error(e.to_string()))?;
        let mut conn = Connection::open(path).map_err(|e| open_error(e.to_string()))?;
        // Another verdict (a `verdict rate` beside the reviewer) may hold the write lock briefly.
        conn.busy_timeout(Duration::from_secs(10))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(open_error(format!(
                "the file system does not support write-ahead logging (mode {mode})"
            )));
        }
        // FULL: a commit survives power loss, not only a crash of verdict.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn).map_err(|e| match e {
            JournalError::Sqlite(e) => open_error(e.to_string()),
            other => other,
        })?;
        // Read the version again: migrate() refuses a newer file, so this is a sanity check.
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != SCHEMA_VERSION {
            return Err(open_error(format!("unexpected schema version {version}")));
        }
        Ok(Journal { conn })
    }

    /// Records a rating, committed before this returns. An older pending rating of the
    /// same message becomes `Superseded`.
    pub fn record(
        &mut self,
        target: &Target,
        rating: Rating,
        text: Option<&str>,
        reviewer: &str,
    ) -> Result<Entry, JournalError> {
        let made_at = now_rfc3339();
        // IMMEDIATE: take the write lock first, so superseding and inserting are one step
        // even with another verdict process writing the same journal.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE ratings SET state = 'superseded'
             WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3 AND message_id = ?4
               AND state = 'pending'",
            params![
                target.base_url,
                target.namespace,
                target.session_id,
                target.message_id
            ],
        )?;
        tx.execute(
            "INSERT INTO ratings (base_url, namespace, session_id, message_id, rating, text,
                                  reviewer, made_at, state, attempts)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', 0)",
            params![
                target.base_url,
                target.namespace,
                target.session_id,
                target.message_id,
                rating.as_str(),
                text,
                reviewer,
                made_at
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Entry {
            id,
            target: target.clone(),
            rating,
            text: text.map(str::to_string),
            reviewer: reviewer.to_string(),
            made_at,
            state: RatingState::Pending,
            stored: None,
            recorded_at: None,
            last_error: None,
            attempts: 0,
        })
    }

    /// Keeps the note being written for a message (one per message; the latest wins).
    pub fn save_draft(&mut self, target: &Target, draft: &Draft) -> Result<(), JournalError> {
        self.conn
            .prepare_cached(
                "INSERT INTO drafts (base_url, namespace, session_id, message_id, rating, text, saved_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (base_url, namespace, session_id, message_id)
                 DO UPDATE SET rating = excluded.rating, text = excluded.text,
                               saved_at = excluded.saved_at",
            )?
            .execute(params![
                target.base_url,
                target.namespace,
                target.session_id,
                target.message_id,
                draft.rating.as_str(),
                draft.text,
                now_rfc3339()
            ])?;
        Ok(())
    }

    /// Forgets a message's draft (it was sent, or emptied). No draft is not an error.
    pub fn delete_draft(&mut self, target: &Target) -> Result<(), JournalError> {
        self.conn
            .prepare_cached(
                "DELETE FROM drafts
                 WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3 AND message_id = ?4",
            )?
            .execute(params![
                target.base_url,
                target.namespace,
                target.session_id,
                target.message_id
            ])?;
        Ok(())
    }

    /// Every draft kept for a server and namespace, oldest first.
    pub fn drafts(&self, base_url: &str, namespace: &str) -> Result<Vec<SavedDraft>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT session_id, message_id, rating, text FROM drafts
             WHERE base_url = ?1 AND namespace = ?2 ORDER BY saved_at",
        )?;
        let rows = stmt.query_map(params![base_url, namespace], |r| {
            let rating: String = r.get(2)?;
            Ok((r.get(0)?, r.get(1)?, rating, r.get(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (session_id, message_id, rating, text): (String, String, String, String) = row?;
            // The CHECK constraint keeps other values out; skip rather than fail if one got in.
            if let Some(rating) = Rating::parse(&rating) {
                out.push(SavedDraft {
                    session_id,
                    message_id,
                    draft: Draft { rating, text },
                });
            }
        }
        Ok(out)
    }

    /// One entry by id.
    pub fn entry(&self, id: i64) -> Result<Option<Entry>, JournalError> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM ratings WHERE id = ?1");
        Ok(self
            .conn
            .query_row(&sql, params![id], entry_from_row)
            .optional()?)
    }

    /// Pending entries for a server + namespace, oldest first.
    pub fn pending(&self, base_url: &str, namespace: &str) -> Result<Vec<Entry>, JournalError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ratings
             WHERE base_url = ?1 AND namespace = ?2 AND state = 'pending' ORDER BY id"
        );
        self.query_entries(&sql, params![base_url, namespace])
    }

    /// Failed entries that no newer rating of the same message has replaced: the refusals
    /// a reviewer still has to act on. Oldest first.
    pub fn failed(&self, base_url: &str, namespace: &str) -> Result<Vec<Entry>, JournalError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ratings r
             WHERE base_url = ?1 AND namespace = ?2 AND state = 'failed'
               AND NOT EXISTS (SELECT 1 FROM ratings n
                               WHERE n.base_url = r.base_url AND n.namespace = r.namespace
                                 AND n.session_id = r.session_id
                                 AND n.message_id = r.message_id AND n.id > r.id)
             ORDER BY id"
        );
        self.query_entries(&sql, params![base_url, namespace])
    }

    /// Stores the server's receipt.
    ///
    /// A rating superseded while it was in flight keeps `Superseded` (with the receipt),
    /// so a late answer never makes an old rating look current.
    pub fn mark_sent(
        &mut self,
        id: i64,
        receipt: &SubmitFeedbackResponse,
    ) -> Result<(), JournalError> {
        self.conn.execute(
            "UPDATE ratings
             SET state = CASE WHEN state = 'pending' THEN 'sent' ELSE state END,
                 stored = ?2, recorded_at = ?3, last_error = NULL, attempts = attempts + 1
             WHERE id = ?1",
            params![id, receipt.stored, receipt.recorded_at],
        )?;
        Ok(())
    }

    /// A retryable failure: stays pending, the error and attempt count are kept.
    pub fn mark_retry(&mut self, id: i64, error: &str) -> Result<(), JournalError> {
        self.conn.execute(
            "UPDATE ratings SET last_error = ?2, attempts = attempts + 1 WHERE id = ?1",
            params![id, error],
        )?;
        Ok(())
    }

    /// A permanent failure: kept as `Failed` with the server's message.
    pub fn mark_failed(&mut self, id: i64, error: &str) -> Result<(), JournalError> {
        self.conn.execute(
            "UPDATE ratings
             SET state = CASE WHEN state = 'pending' THEN 'failed' ELSE state END,
                 last_error = ?2, attempts = attempts + 1
             WHERE id = ?1",
            params![id, error],
        )?;
        Ok(())
    }

    /// Puts back in the outbox the failed ratings that were refused for the API key (401
    /// or 403), not for anything in the rating: the key may have been fixed since. Only
    /// those no newer rating has replaced. Returns how many.
    pub fn requeue_refused_key(
        &mut self,
        base_url: &str,
        namespace: &str,
    ) -> Result<usize, JournalError> {
        self.requeue(
            base_url,
            namespace,
            "AND (last_error LIKE '401 %' OR last_error LIKE '403 %')",
        )
    }

    /// Puts the failed ratings of [`Journal::failed`] back in the outbox (after the reason
    /// was fixed, e.g. a wrong key). Returns how many.
    pub fn requeue_failed(
        &mut self,
        base_url: &str,
        namespace: &str,
    ) -> Result<usize, JournalError> {
        self.requeue(base_url, namespace, "")
    }

    /// Failed ratings matching `condition` go back to pending, unless a newer rating of
    /// the same message replaced them. One UPDATE, so it is atomic on its own.
    fn requeue(
        &mut self,
        base_url: &str,
        namespace: &str,
        condition: &str,
    ) -> Result<usize, JournalError> {
        let sql = format!(
            "UPDATE ratings SET state = 'pending'
             WHERE base_url = ?1 AND namespace = ?2 AND state = 'failed' {condition}
               AND NOT EXISTS (SELECT 1 FROM ratings n
                               WHERE n.base_url = ratings.base_url
                                 AND n.namespace = ratings.namespace
                                 AND n.session_id = ratings.session_id
                                 AND n.message_id = ratings.message_id
                                 AND n.id > ratings.id)"
        );
        Ok(self.conn.execute(&sql, params![base_url, namespace])?)
    }

    /// The latest entry of each message of a session (what the screen shows as receipts).
    pub fn latest_for_session(
        &self,
        base_url: &str,
        namespace: &str,
        session_id: &str,
    ) -> Result<Vec<Entry>, JournalError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ratings r
             WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3
               AND id = (SELECT MAX(n.id) FROM ratings n
                         WHERE n.base_url = r.base_url AND n.namespace = r.namespace
                           AND n.session_id = r.session_id AND n.message_id = r.message_id)
             ORDER BY id"
        );
        self.query_entries(&sql, params![base_url, namespace, session_id])
    }

    pub fn counts(&self, base_url: &str, namespace: &str) -> Result<Counts, JournalError> {
        let pending: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM ratings
             WHERE base_url = ?1 AND namespace = ?2 AND state = 'pending'",
            params![base_url, namespace],
            |r| r.get(0),
        )?;
        let failed: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM ratings r
             WHERE base_url = ?1 AND namespace = ?2 AND state = 'failed'
               AND NOT EXISTS (SELECT 1 FROM ratings n
                               WHERE n.base_url = r.base_url AND n.namespace = r.namespace
                                 AND n.session_id = r.session_id
                                 AND n.message_id = r.message_id AND n.id > r.id)",
            params![base_url, namespace],
            |r| r.get(0),
        )?;
        Ok(Counts {
            pending: usize::try_from(pending).unwrap_or(0),
            failed: usize::try_from(failed).unwrap_or(0),
        })
    }

    /// Every rating made at or after `since` (journal time format), oldest first, with
    /// whether it is the latest of its message and its cached exchange.
    pub fn export_rows(&self, since: Option<&str>) -> Result<Vec<ExportRow>, JournalError> {
        let sql = format!(
            "SELECT {cols},
                    NOT EXISTS (SELECT 1 FROM ratings n
                                WHERE n.base_url = r.base_url AND n.namespace = r.namespace
                                  AND n.session_id = r.session_id
                                  AND n.message_id = r.message_id AND n.id > r.id),
                    x.completion IS NOT NULL, x.prompt, x.completion
             FROM ratings r
             LEFT JOIN exchanges x
               ON x.base_url = r.base_url AND x.namespace = r.namespace
              AND x.session_id = r.session_id AND x.message_id = r.message_id
             WHERE ?1 IS NULL OR r.made_at >= ?1
             ORDER BY r.id",
            cols = ENTRY_COLUMNS
                .split(", ")
                .map(|c| format!("r.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![since], |row| {
            let entry = entry_from_row(row)?;
            let latest: bool = row.get(14)?;
            let cached: bool = row.get(15)?;
            let exchange = if cached {
                Some(Exchange {
                    prompt: row.get(16)?,
                    completion: row.get(17)?,
                })
            } else {
                None
            };
            Ok(ExportRow {
                entry,
                latest,
                exchange,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Caches the exchange of a rated message, so export works without the network.
    pub fn cache_exchange(
        &mut self,
        target: &Target,
        exchange: &Exchange,
    ) -> Result<(), JournalError> {
        self.conn.execute(
            "INSERT INTO exchanges (base_url, namespace, session_id, message_id, prompt,
                                    completion, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (base_url, namespace, session_id, message_id)
             DO UPDATE SET prompt = excluded.prompt, completion = excluded.completion,
                           fetched_at = excluded.fetched_at",
            params![
                target.base_url,
                target.namespace,
                target.session_id,
                target.message_id,
                exchange.prompt,
                exchange.completion,
                now_rfc3339()
            ],
        )?;
        Ok(())
    }

    /// The cached exchange of a message, if any.
    pub fn exchange(&self, target: &Target) -> Result<Option<Exchange>, JournalError> {
        Ok(self
            .conn
            .query_row(
                "SELECT prompt, completion FROM exchanges
                 WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3 AND message_id = ?4",
                params![
                    target.base_url,
                    target.namespace,
                    target.session_id,
                    target.message_id
                ],
                |r| {
                    Ok(Exchange {
                        prompt: r.get(0)?,
                        completion: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    fn query_entries(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Entry>, JournalError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params, entry_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

fn migrate(conn: &mut Connection) -> Result<(), JournalError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(JournalError::Open {
            path: tx.path().unwrap_or("?").to_string(),
            message: format!(
                "it was written by a newer verdict (schema {version}, this one knows {SCHEMA_VERSION}); upgrade verdict"
            ),
        });
    }
    for (from, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (from + 1) as i64)?;
    }
    tx.commit()?;
    Ok(())
}

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<Entry> {
    let bad = |col: usize, what: &str, value: String| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("not a {what}: {value:?}").into(),
        )
    };
    let rating: String = row.get(5)?;
    let state: String = row.get(9)?;
    let attempts: i64 = row.get(13)?;
    Ok(Entry {
        id: row.get(0)?,
        target: Target {
            base_url: row.get(1)?,
            namespace: row.get(2)?,
            session_id: row.get(3)?,
            message_id: row.get(4)?,
        },
        rating: Rating::parse(&rating).ok_or_else(|| bad(5, "rating", rating.clone()))?,
        text: row.get(6)?,
        reviewer: row.get(7)?,
        made_at: row.get(8)?,
        state: RatingState::parse(&state).ok_or_else(|| bad(9, "state", state.clone()))?,
        stored: row.get(10)?,
        recorded_at: row.get(11)?,
        last_error: row.get(12)?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
    })
}

/// The journal on its own thread, so async code never waits on SQLite (or its fsync)
/// on a runtime worker. Cheap to clone; the thread ends when the last clone is dropped.
#[derive(Clone)]
pub struct JournalHandle {
    jobs: std::sync::mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce(&mut Journal) + Send>;

impl JournalHandle {
    /// Opens the journal at `path` and moves it to its own thread.
    pub fn open(path: &Path) -> Result<JournalHandle, JournalError> {
        let journal = Journal::open(path)?;
        Ok(Self::spawn(journal))
    }

    /// Moves an open journal to its own thread.
    pub fn spawn(mut journal: Journal) -> JournalHandle {
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("verdict-journal".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    job(&mut journal);
                }
            });
        if let Err(e) = spawned {
            // Without the thread every call answers Closed; say why once.
            tracing::error!("cannot start the journal thread: {e}");
        }
        JournalHandle { jobs }
    }

    /// Runs `f` on the journal thread and returns its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R, JournalError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Journal) -> Result<R, JournalError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |journal| {
            let _ = tx.send(f(journal));
        });
        self.jobs.send(job).map_err(|_| JournalError::Closed)?;
        rx.await.map_err(|_| JournalError::Closed)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(message: &str) -> Target {
        Target {
            base_url: "http://127.0.0.1:1".into(),
            namespace: "ns".into(),
            session_id: "ses_a".into(),
            message_id: message.into(),
        }
    }

    fn receipt(message: &str, rating: Rating, stored: bool) -> SubmitFeedbackResponse {
        SubmitFeedbackResponse {
            session_id: "ses_a".into(),
            message_id: message.into(),
            rating,
            stored,
            recorded_at: "2026-01-02T03:04:05Z".into(),
        }
    }

    /// A rating of `message` by "ann" with no text, recorded as pending.
    fn rate(j: &mut Journal, message: &str, rating: Rating) -> Entry {
        j.record(&target(message), rating, None, "ann").unwrap()
    }

    fn open() -> (tempfile::TempDir, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(&dir.path().join("sub").join("journal.db")).unwrap();
        (dir, j)
    }

    #[test]
    fn record_is_visible_to_another_connection_at_once() {
        let (dir, mut j) = open();
        let e = j
            .record(&target("m1"), Rating::Positive, Some("good"), "ann")
            .unwrap();
        assert_eq!(e.state, RatingState::Pending);
        let other = Journal::open(&dir.path().join("sub").join("journal.db")).unwrap();
        let pending = other.pending("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(pending, vec![e]);
    }

    #[test]
    fn newer_rating_supersedes_pending_one() {
        let (_dir, mut j) = open();
        let a = rate(&mut j, "m1", Rating::Positive);
        let b = rate(&mut j, "m1", Rating::Negative);
        let c = rate(&mut j, "m2", Rating::Positive);
        let pending = j.pending("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(
            pending.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![b.id, c.id]
        );
        assert_eq!(
            j.entry(a.id).unwrap().unwrap().state,
            RatingState::Superseded
        );
        assert_eq!(j.counts("http://127.0.0.1:1", "ns").unwrap().pending, 2);
        assert_eq!(j.counts("http://127.0.0.1:1", "other").unwrap().pending, 0);
    }

    #[test]
    fn late_answer_for_superseded_rating_keeps_it_superseded() {
        let (_dir, mut j) = open();
        let a = rate(&mut j, "m1", Rating::Positive);
        let b = rate(&mut j, "m1", Rating::Negative);
        j.mark_sent(a.id, &receipt("m1", Rating::Positive, true))
            .unwrap();
        let a2 = j.entry(a.id).unwrap().unwrap();
        assert_eq!(a2.state, RatingState::Superseded);
        assert_eq!(a2.stored, Some(true));
        assert_eq!(a2.attempts, 1);
        let latest = j
            .latest_for_session("http://127.0.0.1:1", "ns", "ses_a")
            .unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].id, b.id);
        assert_eq!(latest[0].state, RatingState::Pending);

        j.mark_failed(a.id, "late refusal").unwrap();
        assert_eq!(
            j.entry(a.id).unwrap().unwrap().state,
            RatingState::Superseded
        );
    }

    #[test]
    fn sent_retry_and_failed_are_recorded() {
        let (_dir, mut j) = open();
        let a = rate(&mut j, "m1", Rating::Positive);
        let b = rate(&mut j, "m2", Rating::Negative);
        j.mark_retry(a.id, "connection refused").unwrap();
        j.mark_retry(a.id, "connection refused").unwrap();
        let a1 = j.entry(a.id).unwrap().unwrap();
        assert_eq!(a1.state, RatingState::Pending);
        assert_eq!(a1.attempts, 2);
        assert_eq!(a1.last_error.as_deref(), Some("connection refused"));
        j.mark_sent(a.id, &receipt("m1", Rating::Positive, true))
            .unwrap();
        let a2 = j.entry(a.id).unwrap().unwrap();
        assert_eq!(a2.state, RatingState::Sent);
        assert_eq!(a2.last_error, None);
        assert_eq!(a2.recorded_at.as_deref(), Some("2026-01-02T03:04:05Z"));

        j.mark_failed(b.id, "Session not found").unwrap();
        let counts = j.counts("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(
            counts,
            Counts {
                pending: 0,
                failed: 1
            }
        );
        assert_eq!(j.failed("http://127.0.0.1:1", "ns").unwrap()[0].id, b.id);

        // A newer rating of the failed message takes it off the reviewer's list.
        rate(&mut j, "m2", Rating::Positive);
        let counts = j.counts("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(
            counts,
            Counts {
                pending: 1,
                failed: 0
            }
        );
        assert_eq!(j.entry(b.id).unwrap().unwrap().state, RatingState::Failed);
    }

    #[test]
    fn requeue_failed_puts_only_current_refusals_back() {
        let (_dir, mut j) = open();
        let a = rate(&mut j, "m1", Rating::Positive);
        let b = rate(&mut j, "m2", Rating::Positive);
        j.mark_failed(a.id, "no").unwrap();
        j.mark_failed(b.id, "no").unwrap();
        let c = rate(&mut j, "m2", Rating::Negative);
        j.mark_sent(c.id, &receipt("m2", Rating::Negative, false))
            .unwrap();
        assert_eq!(j.requeue_failed("http://127.0.0.1:1", "ns").unwrap(), 1);
        let pending = j.pending("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].id, a.id);
    }

    #[test]
    fn export_rows_carry_latest_flag_exchange_and_since() {
        let (_dir, mut j) = open();
        let a = rate(&mut j, "m1", Rating::Positive);
        let b = j
            .record(&target("m1"), Rating::Negative, Some("no"), "ann")
            .unwrap();
        j.cache_exchange(
            &target("m1"),
            &Exchange {
                prompt: Some("hi".into()),
                completion: "hello".into(),
            },
        )
        .unwrap();
        let rows = j.export_rows(None).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].entry.id, a.id);
        assert!(!rows[0].latest);
        assert!(rows[1].latest);
        assert_eq!(rows[1].entry.text.as_deref(), Some("no"));
        assert_eq!(
            rows[1].exchange.as_ref().map(|x| x.completion.as_str()),
            Some("hello")
        );
        let later = j.export_rows(Some(&b.made_at)).unwrap();
        assert_eq!(later.len(), 1);
        assert!(
            j.export_rows(Some("9999-01-01T00:00:00.000000Z"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_draft_is_kept_per_message_until_deleted() {
        let (_dir, mut j) = open();
        let draft = |rating, text: &str| Draft {
            rating,
            text: text.into(),
        };
        j.save_draft(&target("m1"), &draft(Rating::Positive, "half a thought"))
            .unwrap();
        j.save_draft(&target("m2"), &draft(Rating::Negative, "wrong year"))
            .unwrap();
        // Saving again replaces the text and the rating.
        j.save_draft(&target("m1"), &draft(Rating::Negative, "a whole thought"))
            .unwrap();
        let mut other_ns = target("m3");
        other_ns.namespace = "elsewhere".into();
        j.save_draft(&other_ns, &draft(Rating::Positive, "not here"))
            .unwrap();
        let kept = j.drafts("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(
            kept.iter()
                .map(|d| (d.message_id.as_str(), d.draft.text.as_str(), d.draft.rating))
                .collect::<Vec<_>>(),
            vec![
                ("m2", "wrong year", Rating::Negative),
                ("m1", "a whole thought", Rating::Negative)
            ]
        );
        assert!(kept.iter().all(|d| d.session_id == "ses_a"));
        j.delete_draft(&target("m1")).unwrap();
        j.delete_draft(&target("never-drafted")).unwrap();
        let kept = j.drafts("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].message_id, "m2");
    }

    #[test]
    fn a_version_1_journal_is_upgraded_and_keeps_its_ratings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute(
                "INSERT INTO ratings (base_url, namespace, session_id, message_id, rating, reviewer, made_at, state)
                 VALUES ('http://127.0.0.1:1', 'ns', 'ses_a', 'm1', 'positive', 'ann', '2026-01-01T00:00:00.000000Z', 'pending')",
                [],
            )
            .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        let mut j = Journal::open(&path).unwrap();
        let pending = j.pending("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].target.message_id, "m1");
        j.save_draft(
            &target("m1"),
            &Draft {
                rating: Rating::Positive,
                text: "kept".into(),
            },
        )
        .unwrap();
        assert_eq!(j.drafts("http://127.0.0.1:1", "ns").unwrap().len(), 1);
    }

    #[test]
    fn newer_schema_is_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = Journal::open(&path).err().unwrap().to_string();
        assert!(err.contains("newer verdict"), "{err}");
        assert!(err.contains("journal.db"), "{err}");
    }

    #[test]
    fn reopening_keeps_rows_and_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let id = {
            let mut j = Journal::open(&path).unwrap();
            rate(&mut j, "m1", Rating::Positive).id
        };
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.entry(id).unwrap().unwrap().reviewer, "ann");
        let v: i64 = j
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let sync: i64 = j
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn exchange_is_the_reply_and_the_user_message_before_it() {
        let item = |id: &str, role: &str, content: &str| MessageHistoryItem {
            message_id: id.into(),
            role: role.into(),
            content: content.into(),
            content_type: "text".into(),
            tool_name: None,
            tool_inputs: None,
            tool_outputs: None,
            tool_status: None,
            timestamp: "2026-01-01T00:00:00Z".into(),
        };
        let history = vec![
            item("u1", "user", "first"),
            item("a1", "assistant", "one"),
            item("u2", "user", "second"),
            item("t1", "tool", "{}"),
            item("a2", "assistant", "two"),
        ];
        let x = Exchange::from_history(&history, "a2").unwrap();
        assert_eq!(x.prompt.as_deref(), Some("second"));
        assert_eq!(x.completion, "two");
        assert!(Exchange::from_history(&history, "u1").is_none());
        assert!(Exchange::from_history(&history, "zz").is_none());
    }
}
