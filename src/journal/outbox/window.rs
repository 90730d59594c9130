//! The outbox's send window and the reviewer's undo and redo, over the journal.

use super::{Command, Outbox};
use crate::api::model::Rating;
use crate::journal::window::{Applied, Owner, Rated, Step};
use crate::journal::{Entry, JournalError, to_journal_time};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// How long a rating waits before it leaves, and whether ratings are the reviewer's
/// actions (kept in the undo history). Headless commands keep neither.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Window {
    delay: Duration,
    history: bool,
}

/// The later of two due times.
pub(super) fn later(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// When a pending rating's window ends, if it is still open.
pub(super) fn due_at(windows: &HashMap<i64, String>, id: i64, now: Instant) -> Option<Instant> {
    let at = chrono::DateTime::parse_from_rfc3339(windows.get(&id)?).ok()?;
    let left = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    let left = left.to_std().ok()?;
    (!left.is_zero()).then(|| now + left)
}

impl Outbox {
    /// Ratings made through this outbox wait `delay` before they leave (zero: at once)
    /// and are steps of the reviewer's undo history.
    pub fn with_window(mut self, delay: Duration) -> Outbox {
        self.window = Window {
            delay,
            history: true,
        };
        self
    }

    /// Whether ratings made here are steps of the reviewer's undo history.
    pub(super) fn keeps_history(&self) -> bool {
        self.window.history
    }

    /// How long a rating waits before it leaves.
    pub fn send_delay(&self) -> Duration {
        self.window.delay
    }

    pub(super) fn send_after(&self) -> Option<String> {
        if self.window.delay.is_zero() {
            return None;
        }
        let delay = chrono::Duration::from_std(self.window.delay).ok()?;
        Some(to_journal_time(chrono::Utc::now() + delay))
    }

    pub(super) async fn record(
        &self,
        session_id: &str,
        message_id: &str,
        rating: Rating,
        text: Option<String>,
    ) -> Result<Entry, JournalError> {
        let target = self.target(session_id, message_id);
        let reviewer = self.reviewer.clone();
        let after = self.send_after();
        let history = self.window.history;
        self.journal
            .call(move |j| {
                let rated = Rated { rating, text };
                j.record_in_window(&target, &rated, &reviewer, after.as_deref(), history)
            })
            .await
    }

    /// Ends every open window: what waits is sent now (quitting with `q`).
    pub async fn close_windows(&self) -> Result<usize, JournalError> {
        let (base, ns) = (self.base_url.clone(), self.namespace.clone());
        let n = self
            .journal
            .call(move |j| j.close_windows(&base, &ns))
            .await?;
        let _ = self.commands.send(Command::Wake);
        Ok(n)
    }

    pub(super) fn owner(&self) -> Owner {
        Owner {
            base_url: self.base_url.clone(),
            namespace: self.namespace.clone(),
            reviewer: self.reviewer.clone(),
        }
    }

    /// Undoes this reviewer's last action (`None`: nothing to undo).
    pub async fn undo(&self) -> Result<Option<Step>, JournalError> {
        self.walk(true).await
    }

    /// Redoes this reviewer's last undone action (`None`: nothing to redo).
    pub async fn redo(&self) -> Result<Option<Step>, JournalError> {
        self.walk(false).await
    }

    async fn walk(&self, undo: bool) -> Result<Option<Step>, JournalError> {
        let owner = self.owner();
        let after = self.send_after();
        let step = self
            .journal
            .call(move |j| {
                if undo {
                    j.undo(&owner, after.as_deref())
                } else {
                    j.redo(&owner, after.as_deref())
                }
            })
            .await?;
        for change in step.iter().flat_map(|s| &s.changes) {
            if let Applied::Queued(e) = &change.applied {
                let _ = self.commands.send(Command::Rated(e.id));
            }
        }
        // The sender looks again: a withdrawn rating no longer counts as pending.
        let _ = self.commands.send(Command::Wake);
        Ok(step)
    }
}
