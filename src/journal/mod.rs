//! The reviewer's own durable record of ratings (SQLite): the outbox of unsent
//! ratings, what the server answered, and the source of exports.

pub mod commands;
pub mod outbox;

use crate::api::model::{Rating, SubmitFeedbackResponse};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the journal database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the journal could not be opened at {path}: {message}")]
    Open { path: String, message: String },
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

/// The journal database.
pub struct Journal {
    _conn: rusqlite::Connection,
}

impl Journal {
    /// Opens (creating and migrating) the journal at `path`.
    pub fn open(_path: &Path) -> Result<Journal, JournalError> {
        todo!("journal")
    }

    /// Records a rating, committed before this returns. An older pending rating of the
    /// same message becomes `Superseded`.
    pub fn record(
        &mut self,
        _target: &Target,
        _rating: Rating,
        _text: Option<&str>,
        _reviewer: &str,
    ) -> Result<Entry, JournalError> {
        todo!("journal")
    }

    /// Pending entries for a server + namespace, oldest first.
    pub fn pending(&self, _base_url: &str, _namespace: &str) -> Result<Vec<Entry>, JournalError> {
        todo!("journal")
    }

    /// Stores the server's receipt.
    pub fn mark_sent(
        &mut self,
        _id: i64,
        _receipt: &SubmitFeedbackResponse,
    ) -> Result<(), JournalError> {
        todo!("journal")
    }

    /// A retryable failure: stays pending, the error and attempt count are kept.
    pub fn mark_retry(&mut self, _id: i64, _error: &str) -> Result<(), JournalError> {
        todo!("journal")
    }

    /// A permanent failure: kept as `Failed` with the server's message.
    pub fn mark_failed(&mut self, _id: i64, _error: &str) -> Result<(), JournalError> {
        todo!("journal")
    }

    /// The latest entry of each message of a session (what the screen shows as receipts).
    pub fn latest_for_session(
        &self,
        _base_url: &str,
        _namespace: &str,
        _session_id: &str,
    ) -> Result<Vec<Entry>, JournalError> {
        todo!("journal")
    }

    pub fn counts(&self, _base_url: &str, _namespace: &str) -> Result<Counts, JournalError> {
        todo!("journal")
    }
}
