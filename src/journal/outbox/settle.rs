//! What the sender does with the answers to its sends.
//!
//! Answers that arrive together are recorded together: every receipt among them in one
//! journal commit (each commit is a flush to disk, and a bulk action of thousands of
//! ratings otherwise spends the journal's thread on them), then one count, then the
//! receipts to the app. Failures are recorded one by one, as they are rare and each sets
//! the sender's pace.

use super::{OutboxEvent, Retry, SETTLED_UNWATCHED_MAX, Sender, describe};
use crate::api::ApiError;
use crate::api::model::SubmitFeedbackResponse;
use crate::journal::{Entry, RatingState};
use tokio::time::Instant;

impl Sender {
    /// Records the answers that came in together and tells the app.
    pub(super) async fn settle_all(
        &mut self,
        done: Vec<(Entry, Result<SubmitFeedbackResponse, ApiError>)>,
    ) {
        let mut receipts = Vec::new();
        for (entry, result) in done {
            match result {
                Ok(receipt) => {
                    self.settled_here(entry.id);
                    if self.offline {
                        // The server is back: everything waiting goes now, not after its
                        // backoff.
                        self.retries.clear();
                        self.gate_until = None;
                    }
                    self.reached(entry.id);
                    receipts.push((entry.id, receipt));
                }
                Err(error) => self.failed(entry, error).await,
            }
        }
        if receipts.is_empty() {
            return;
        }
        let written = receipts.clone();
        let current = match self.journal.call(move |j| j.mark_sent_all(&written)).await {
            Ok(current) => current,
            Err(e) => {
                let ids: Vec<i64> = receipts.iter().map(|(id, _)| *id).collect();
                tracing::error!(?ids, "cannot record receipts: {e}");
                return;
            }
        };
        // The counts first: an app that sees the receipt must not still count the rating
        // as pending (quitting would ask for nothing). While hundreds are pending the
        // count may be skipped here; it follows within 100 ms (see `emit_counts`).
        self.emit_counts().await;
        for ((id, receipt), current) in receipts.into_iter().zip(current) {
            let Some(current) = current else { continue };
            tracing::info!(id, stored = receipt.stored, "rating sent");
            // A superseded rating's late receipt is kept but not shown.
            if current.state == RatingState::Sent {
                self.emit(OutboxEvent::Sent {
                    entry: current,
                    receipt,
                });
            }
        }
    }

    /// A receipt or a refusal: the rating is settled by this outbox, so it is not
    /// mistaken later for one another process settled.
    fn settled_here(&mut self, id: i64) {
        if !self.watching.remove(&id) {
            if self.settled_unwatched.len() >= SETTLED_UNWATCHED_MAX {
                self.settled_unwatched.clear();
            }
            self.settled_unwatched.insert(id);
        }
    }

    /// The server answered (a receipt or a refusal): it can be reached, and this
    /// rating's backoff is over.
    fn reached(&mut self, id: i64) {
        self.offline = false;
        self.offline_failures = 0;
        self.retries.remove(&id);
    }

    /// Records a failed send and tells the app: a retry at its time, or a refusal.
    async fn failed(&mut self, entry: Entry, error: ApiError) {
        let id = entry.id;
        if error.is_retryable() {
            let now = Instant::now();
            let attempt = self
                .retries
                .get(&id)
                .map_or(1, |r| r.attempt.saturating_add(1));
            let asked = error
                .retry_after()
                .map(|d| d.min(self.options.retry_after_cap));
            let own_next = now + asked.unwrap_or_else(|| self.backoff(attempt));
            self.retries.insert(
                id,
                Retry {
                    attempt,
                    next_at: own_next,
                },
            );
            if error.is_offline() {
                self.offline = true;
                self.offline_failures = self.offline_failures.saturating_add(1);
                let wait = self.backoff(self.offline_failures);
                self.raise_gate(now + wait);
            } else {
                self.offline = false;
            }
            if let Some(asked) = asked {
                // Retry-After speaks for the whole server, not one rating.
                self.raise_gate(now + asked);
            }
            let next_at = self.gate_until.map_or(own_next, |g| g.max(own_next));
            let message = describe(&error);
            tracing::warn!(id, attempt, "rating not sent, will retry: {message}");
            match self
                .journal
                .call(move |j| {
                    j.mark_retry(id, &message)?;
                    j.entry(id)
                })
                .await
            {
                Ok(Some(current)) if current.state == RatingState::Pending => {
                    self.emit(OutboxEvent::Retrying {
                        entry: current,
                        error,
                        next_attempt_in: next_at.saturating_duration_since(now),
                    });
                }
                Ok(_) => {}
                Err(e) => tracing::error!(id, "cannot record a retry: {e}"),
            }
        } else {
            self.settled_here(id);
            self.reached(id);
            let message = describe(&error);
            tracing::warn!(id, "rating refused by the server: {message}");
            match self
                .journal
                .call(move |j| {
                    j.mark_failed(id, &message)?;
                    j.entry(id)
                })
                .await
            {
                Ok(Some(current)) if current.state == RatingState::Failed => {
                    self.emit(OutboxEvent::Failed {
                        entry: current,
                        error,
                    });
                }
                Ok(_) => {}
                Err(e) => tracing::error!(id, "cannot record a refusal: {e}"),
            }
        }
    }
}
