//! Bulk judgments: many ratings committed in one transaction, as one step of the undo
//! history, so one undo takes the whole action back.

use super::window::{Owner, Rated, push_step, record};
use super::{Entry, Exchange, Journal, JournalError, Target, now_rfc3339, store};
use crate::api::model::Rating;
use crate::sqlite::SqliteError;
use rusqlite::TransactionBehavior;
use rusqlite::{Connection, OptionalExtension, params};

/// One reply of a bulk action: where, what, and the exchange judged (kept for export).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkItem {
    pub target: Target,
    pub rated: Rated,
    pub exchange: Option<Exchange>,
}

impl Journal {
    /// Records every item's rating in one transaction (each leaves no earlier than
    /// `send_after`), ends their deferrals, keeps their exchanges, and with `history`
    /// makes the whole action one undo step. The entries come back in the items' order.
    pub fn record_many_in_window(
        &mut self,
        items: &[BulkItem],
        reviewer: &str,
        send_after: Option<&str>,
        history: bool,
    ) -> Result<Vec<Entry>, JournalError> {
        let path = &self.path;
        let failed = |e| JournalError::Database(SqliteError::at(path, e));
        let Some(first) = items.first() else {
            return Ok(Vec::new());
        };
        let made_at = now_rfc3339();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        let mut entries = Vec::with_capacity(items.len());
        let mut befores = Vec::with_capacity(items.len());
        let mut deferred = Vec::new();
        for item in items {
            let before = latest_rated(&tx, &item.target).map_err(failed)?;
            let entry = record(
                &tx,
                &item.target,
                &item.rated,
                reviewer,
                made_at.clone(),
                send_after,
            )
            .map_err(failed)?;
            if let Some(d) = super::defer::state(&tx, &item.target).map_err(failed)? {
                super::defer::clear(&tx, &item.target).map_err(failed)?;
                deferred.push((&item.target, d));
            }
            if let Some(x) = &item.exchange {
                store::cache_exchange(&tx, &item.target, x).map_err(failed)?;
            }
            befores.push(before);
            entries.push(entry);
        }
        if history {
            let owner = Owner {
                base_url: first.target.base_url.clone(),
                namespace: first.target.namespace.clone(),
                reviewer: reviewer.to_string(),
            };
            let changes: Vec<_> = items
                .iter()
                .zip(&befores)
                .map(|(i, b)| (&i.target, b.as_ref(), &i.rated))
                .collect();
            let step = push_step(&tx, &owner, &made_at, &changes).map_err(failed)?;
            for (t, d) in &deferred {
                super::defer::log_change(&tx, step, t, Some(d), None).map_err(failed)?;
            }
        }
        tx.commit().map_err(failed)?;
        Ok(entries)
    }
}

/// The rating and text of a message's newest row, whatever its state (what an undo goes
/// back to); one cached statement, as a bulk action asks it thousands of times.
fn latest_rated(conn: &Connection, t: &Target) -> rusqlite::Result<Option<Rated>> {
    let row: Option<(String, Option<String>)> = conn
        .prepare_cached(
            "SELECT rating, text FROM ratings
             WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3 AND message_id = ?4
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(
            params![t.base_url, t.namespace, t.session_id, t.message_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(rating, text)| {
        Some(Rated {
            rating: Rating::parse(&rating)?,
            text,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::fixtures::{open, target};

    #[test]
    fn a_bulk_action_is_one_transaction_and_one_undo_step() {
        let (_dir, mut j) = open();
        let items: Vec<BulkItem> = (0..50)
            .map(|i| BulkItem {
                target: target(&format!("m{i}")),
                rated: Rated {
                    rating: Rating::Negative,
                    text: None,
                },
                exchange: Some(Exchange {
                    prompt: Some("q".into()),
                    completion: format!("a{i}"),
                }),
            })
            .collect();
        let entries = j.record_many_in_window(&items, "ann", None, true).unwrap();
        assert_eq!(entries.len(), 50);
        assert_eq!(j.pending("http://127.0.0.1:1", "ns").unwrap().len(), 50);
        let owner = Owner {
            base_url: "http://127.0.0.1:1".into(),
            namespace: "ns".into(),
            reviewer: "ann".into(),
        };
        assert_eq!(j.history_len(&owner).unwrap(), (1, 0));
        let later = crate::journal::to_journal_time(chrono::Utc::now());
        let step = j.undo(&owner, Some(&later)).unwrap().unwrap();
        assert_eq!(step.changes.len(), 50);
        assert!(j.exchange(&target("m7")).unwrap().is_some());
    }
}
