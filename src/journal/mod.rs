//! The reviewer's own durable record of ratings (SQLite): the outbox of unsent
//! ratings, what the server answered, and the source of exports.

pub mod bulk;
pub mod corrections;
pub mod defer;
#[cfg(test)]
mod fixtures;
mod handle;
pub mod outbox;
mod schema;
pub mod stats;
pub mod stats_cache;
mod store;
pub mod tagcounts;
pub mod window;

pub use corrections::{Correction, NewCorrection, SessionCorrections};
pub use handle::JournalHandle;
pub use schema::SCHEMA_VERSION;

use crate::api::model::{MessageHistoryItem, Rating, SubmitFeedbackResponse};
use crate::sqlite::SqliteError;
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Opening, migrating or using the file failed; the sentence names the file and says
    /// what to do.
    #[error("the journal: {0}")]
    Database(SqliteError),
    /// The thread that owns the journal has stopped (it panicked or the program is ending).
    #[error("the journal is closed")]
    Closed,
    /// The journal would not keep this (a correction too long, or empty); the sentence
    /// says why. Nothing was written.
    #[error("{0}")]
    Refused(String),
}

impl JournalError {
    /// The file is damaged or is not a database: what a salvage can still read is all
    /// there is.
    pub fn is_damage(&self) -> bool {
        matches!(self, JournalError::Database(SqliteError::Corrupt { .. }))
    }
}

impl From<SqliteError> for JournalError {
    fn from(e: SqliteError) -> Self {
        match e {
            // The outbox stops on Closed: the thread's end is the same event in both words.
            SqliteError::Closed => JournalError::Closed,
            other => JournalError::Database(other),
        }
    }
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

/// The journal database, used from one thread at a time; [`JournalHandle`] gives it a thread
/// of its own for async callers.
pub struct Journal {
    conn: Connection,
    /// Named in every error, so a damaged or read-only journal says which file it is.
    path: PathBuf,
    /// The stats screen's latest ratings, kept between openings (`stats_cache`).
    stats: Option<stats_cache::Cache>,
}

impl Journal {
    /// Opens (creating and migrating) the journal at `path`.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        Ok(Journal {
            conn: schema::open(path)?,
            path: path.to_path_buf(),
            stats: None,
        })
    }

    /// Where the journal is: files of the reviewer's that live beside it are found from it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A failure while using the journal, told apart (damage, permissions, a full disk)
    /// and naming the file.
    fn database_error(&self, e: rusqlite::Error) -> JournalError {
        JournalError::Database(SqliteError::at(&self.path, e))
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
        // The key press, not the moment the write lock came free.
        let made_at = now_rfc3339();
        // IMMEDIATE: take the write lock first, so superseding and inserting are one step
        // even with another verdict process writing the same journal.
        let path = &self.path;
        let failed = |e| JournalError::Database(SqliteError::at(path, e));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        let entry = store::record(&tx, target, rating, text, reviewer, made_at).map_err(failed)?;
        tx.commit().map_err(failed)?;
        Ok(entry)
    }

    /// Keeps the note being written for a message (one per message; the latest wins).
    pub fn save_draft(&mut self, target: &Target, draft: &Draft) -> Result<(), JournalError> {
        store::save_draft(&self.conn, target, draft).map_err(|e| self.database_error(e))
    }

    /// Forgets a message's draft (it was sent, or emptied). No draft is not an error.
    pub fn delete_draft(&mut self, target: &Target) -> Result<(), JournalError> {
        store::delete_draft(&self.conn, target).map_err(|e| self.database_error(e))
    }

    /// Every draft kept for a server and namespace, oldest first.
    pub fn drafts(&self, base_url: &str, namespace: &str) -> Result<Vec<SavedDraft>, JournalError> {
        store::drafts(&self.conn, base_url, namespace).map_err(|e| self.database_error(e))
    }

    /// One entry by id.
    pub fn entry(&self, id: i64) -> Result<Option<Entry>, JournalError> {
        store::entry(&self.conn, id).map_err(|e| self.database_error(e))
    }

    /// Pending entries for a server + namespace, oldest first.
    pub fn pending(&self, base_url: &str, namespace: &str) -> Result<Vec<Entry>, JournalError> {
        store::pending(&self.conn, base_url, namespace).map_err(|e| self.database_error(e))
    }

    /// Failed entries that no newer rating of the same message has replaced: the refusals
    /// a reviewer still has to act on. Oldest first.
    pub fn failed(&self, base_url: &str, namespace: &str) -> Result<Vec<Entry>, JournalError> {
        store::failed(&self.conn, base_url, namespace).map_err(|e| self.database_error(e))
    }

    /// Stores the server's receipts, several in one commit, and returns each entry as it
    /// now stands, in the order given; `None` for one no longer in the journal. A rating
    /// superseded while it was in flight keeps `Superseded` (with the receipt), so a late
    /// answer never makes an old rating look current.
    ///
    /// The commit is not flushed to disk on its own (`synchronous=NORMAL` for it): the
    /// next rating's commit, or the next checkpoint, flushes it with everything before.
    /// A receipt lost to a power cut in between leaves its rating pending, and it is sent
    /// again: what a crash between the send and this commit already does. The ratings
    /// themselves are always flushed before `record` returns.
    pub fn mark_sent_all(
        &mut self,
        receipts: &[(i64, SubmitFeedbackResponse)],
    ) -> Result<Vec<Option<Entry>>, JournalError> {
        let path = &self.path;
        let failed = |e| JournalError::Database(SqliteError::at(path, e));
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(failed)?;
        let written = store::mark_sent_all(&mut self.conn, receipts);
        let restored = self.conn.pragma_update(None, "synchronous", "FULL");
        let entries = written.map_err(failed)?;
        restored.map_err(failed)?;
        Ok(entries)
    }

    /// A retryable failure: stays pending, the error and attempt count are kept.
    pub fn mark_retry(&mut self, id: i64, error: &str) -> Result<(), JournalError> {
        store::mark_retry(&self.conn, id, error).map_err(|e| self.database_error(e))
    }

    /// A permanent failure: kept as `Failed` with the server's message.
    pub fn mark_failed(&mut self, id: i64, error: &str) -> Result<(), JournalError> {
        store::mark_failed(&self.conn, id, error).map_err(|e| self.database_error(e))
    }

    /// Puts back in the outbox the failed ratings that were refused for the API key (401
    /// or 403), not for anything in the rating: the key may have been fixed since. Only
    /// those no newer rating has replaced. Returns how many.
    pub fn requeue_refused_key(
        &mut self,
        base_url: &str,
        namespace: &str,
    ) -> Result<usize, JournalError> {
        store::requeue_refused_key(&self.conn, base_url, namespace)
            .map_err(|e| self.database_error(e))
    }

    /// Puts the failed ratings of [`Journal::failed`] back in the outbox (after the reason
    /// was fixed, e.g. a wrong key). Returns how many.
    pub fn requeue_failed(
        &mut self,
        base_url: &str,
        namespace: &str,
    ) -> Result<usize, JournalError> {
        store::requeue_failed(&self.conn, base_url, namespace).map_err(|e| self.database_error(e))
    }

    /// The latest entry of each message of a session (what the screen shows as receipts).
    pub fn latest_for_session(
        &self,
        base_url: &str,
        namespace: &str,
        session_id: &str,
    ) -> Result<Vec<Entry>, JournalError> {
        store::latest_for_session(&self.conn, base_url, namespace, session_id)
            .map_err(|e| self.database_error(e))
    }

    /// Pending and failed counts for a server + namespace.
    pub fn counts(&self, base_url: &str, namespace: &str) -> Result<Counts, JournalError> {
        store::counts(&self.conn, base_url, namespace).map_err(|e| self.database_error(e))
    }

    /// Every rating made at or after `since` (journal time format), oldest first, with
    /// whether it is the latest of its message and its cached exchange.
    pub fn export_rows(&self, since: Option<&str>) -> Result<Vec<ExportRow>, JournalError> {
        store::export_rows(&self.conn, since).map_err(|e| self.database_error(e))
    }

    /// Every rating that can still be read, from a journal too damaged to open or query
    /// as usual; and how many ids could not be read. Opens the file read-only and changes
    /// nothing in it.
    pub fn salvage(
        path: &Path,
        since: Option<&str>,
    ) -> Result<(Vec<ExportRow>, u64), JournalError> {
        let conn = crate::sqlite::open_reader(path, &crate::sqlite::Options::default())?;
        Ok(store::salvage_rows(&conn, since))
    }

    /// Caches the exchange of a rated message, so export works without the network.
    pub fn cache_exchange(
        &mut self,
        target: &Target,
        exchange: &Exchange,
    ) -> Result<(), JournalError> {
        store::cache_exchange(&self.conn, target, exchange).map_err(|e| self.database_error(e))
    }

    /// The cached exchange of a message, if any.
    pub fn exchange(&self, target: &Target) -> Result<Option<Exchange>, JournalError> {
        store::exchange(&self.conn, target).map_err(|e| self.database_error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
