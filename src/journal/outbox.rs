//! The background sender: posts pending ratings, latest per message, with backoff.

use super::{Counts, Entry, JournalError};
use crate::api::model::{Rating, SubmitFeedbackResponse};
use crate::api::{ApiError, Client};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// What the outbox tells the app. Each carries the journal entry it is about.
#[derive(Debug, Clone)]
pub enum OutboxEvent {
    /// The server acknowledged the rating; `receipt.stored` is the memory answer.
    Sent {
        entry: Entry,
        receipt: SubmitFeedbackResponse,
    },
    /// A retryable failure (network, timeout, 408, 429, 5xx); next attempt after the delay.
    Retrying {
        entry: Entry,
        error: ApiError,
        next_attempt_in: Duration,
    },
    /// A permanent failure (other 4xx): shown, kept in the journal, not retried.
    Failed { entry: Entry, error: ApiError },
    /// Pending/failed counts changed; `offline` is true while the server cannot be reached.
    Counts { counts: Counts, offline: bool },
}

/// Handle to the sender task. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {}

impl Outbox {
    /// Opens the journal at `journal_path` and starts the sender on the current tokio
    /// runtime. Pending ratings from earlier runs (same base URL + namespace) are sent first.
    pub fn start(
        _journal_path: &Path,
        _client: Client,
        _reviewer: String,
        _events: UnboundedSender<OutboxEvent>,
    ) -> Result<Outbox, JournalError> {
        todo!("outbox")
    }

    /// Records a rating in the journal (committed when this returns) and queues it.
    pub async fn rate(
        &self,
        _session_id: &str,
        _message_id: &str,
        _rating: Rating,
        _text: Option<String>,
    ) -> Result<Entry, JournalError> {
        todo!("outbox")
    }

    /// The latest journal entry of each message of a session.
    pub async fn known_ratings(&self, _session_id: &str) -> Result<Vec<Entry>, JournalError> {
        todo!("outbox")
    }

    /// Retry everything pending now, skipping the backoff (the `r` key).
    pub fn wake(&self) {
        todo!("outbox")
    }

    /// Current pending/failed counts.
    pub async fn counts(&self) -> Result<Counts, JournalError> {
        todo!("outbox")
    }

    /// Stops the sender after the request in flight, if any. Pending rows stay in the journal.
    pub async fn shutdown(&self) {
        todo!("outbox")
    }
}
