//! Bulk judgments and deferrals through the outbox: one journal transaction for the
//! whole action, then every rating is sent as a single one would be.

use super::{Command, Outbox};
use crate::api::model::Rating;
use crate::journal::bulk::BulkItem;
use crate::journal::defer::Deferral;
use crate::journal::window::Rated;
use crate::journal::{Entry, Exchange, JournalError};

/// One reply of a bulk rating, as the app asks for it.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRate {
    pub session_id: String,
    pub message_id: String,
    pub rating: Rating,
    pub text: Option<String>,
    pub exchange: Option<Exchange>,
}

impl Outbox {
    /// Records every rating in one journal transaction (one undo step) and queues them
    /// all; they leave after the send window, as single ratings do.
    pub async fn rate_many(&self, items: Vec<BulkRate>) -> Result<Vec<Entry>, JournalError> {
        let items: Vec<BulkItem> = items
            .into_iter()
            .map(|b| BulkItem {
                target: self.target(&b.session_id, &b.message_id),
                rated: Rated {
                    rating: b.rating,
                    text: b.text,
                },
                exchange: b.exchange,
            })
            .collect();
        let reviewer = self.reviewer.clone();
        let after = self.send_after();
        let history = self.keeps_history();
        let entries = self
            .journal
            .call(move |j| j.record_many_in_window(&items, &reviewer, after.as_deref(), history))
            .await?;
        tracing::info!(ratings = entries.len(), "bulk ratings recorded");
        for e in &entries {
            let _ = self.commands.send(Command::Rated(e.id));
        }
        Ok(entries)
    }

    /// Defers (`on`) or un-defers replies of this server and namespace, as one step of
    /// the reviewer's undo history. Never sent.
    pub async fn defer(
        &self,
        replies: Vec<(String, String)>,
        reason: Option<String>,
        on: bool,
    ) -> Result<usize, JournalError> {
        let targets: Vec<_> = replies.iter().map(|(s, m)| self.target(s, m)).collect();
        let owner = self.keeps_history().then(|| self.owner());
        self.journal
            .call(move |j| j.set_deferred(&targets, reason.as_deref(), on, owner.as_ref()))
            .await
    }

    /// The deferred replies of this server and namespace.
    pub async fn deferrals(&self) -> Result<Vec<Deferral>, JournalError> {
        let (base, ns) = (self.base_url.clone(), self.namespace.clone());
        self.journal.call(move |j| j.deferrals(&base, &ns)).await
    }
}
