//! The send window and the undo history: a rating waits in the journal until its
//! `send_after` time, and every action of the reviewer is a step that can be undone and
//! redone, after a restart too.

use super::{Entry, Journal, JournalError, RatingState, Target, now_rfc3339, store};
use crate::api::model::Rating;
use crate::sqlite::SqliteError;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::collections::HashMap;

/// Steps kept per reviewer, server and namespace; older ones are trimmed.
pub const HISTORY_KEPT: i64 = 500;

/// What a message shows: a rating with its text (note, tags), or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rated {
    pub rating: Rating,
    pub text: Option<String>,
}

/// Who an undo history belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub base_url: String,
    pub namespace: String,
    pub reviewer: String,
}

/// What undoing or redoing did to one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// Still inside its window: the rating was taken back and the server saw nothing of it.
    Withdrawn {
        /// The rating the server already holds from before, if any.
        server_keeps: Option<Rating>,
    },
    /// The wanted state is queued to be sent (it replaces what the server holds).
    Queued(Box<Entry>),
    /// The message already is in the wanted state; nothing to send.
    Unchanged,
    /// The wanted state is "unrated" but the server holds a rating it cannot delete.
    ServerKeeps(Rating),
}

/// One message of an undone or redone step.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub session_id: String,
    pub message_id: String,
    /// The state the message was brought back to.
    pub wanted: Option<Rated>,
    /// The state it left.
    pub left: Option<Rated>,
    pub applied: Applied,
}

/// An undone or redone step: one action, one or more messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: i64,
    pub changes: Vec<Change>,
    /// What the step did to deferred replies (`journal::defer`).
    pub deferrals: Vec<super::defer::DeferChange>,
}

fn db(path: &std::path::Path) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
    move |e| JournalError::Database(SqliteError::at(path, e))
}

impl Journal {
    /// Records a rating that leaves no earlier than `send_after` (journal time; `None`:
    /// at once). With `owner`, the rating is an action of that reviewer: it becomes a
    /// step of the undo history (and the steps that were undone are forgotten).
    pub fn record_in_window(
        &mut self,
        target: &Target,
        rated: &Rated,
        reviewer: &str,
        send_after: Option<&str>,
        history: bool,
    ) -> Result<Entry, JournalError> {
        let made_at = now_rfc3339();
        let failed = db(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&failed)?;
        let before = latest(&tx, target).map_err(&failed)?.map(|e| Rated {
            rating: e.rating,
            text: e.text,
        });
        let entry =
            record(&tx, target, rated, reviewer, made_at.clone(), send_after).map_err(&failed)?;
        // A rating ends the reply's deferral; the undo step brings it back.
        let deferred = super::defer::state(&tx, target).map_err(&failed)?;
        if deferred.is_some() {
            super::defer::clear(&tx, target).map_err(&failed)?;
        }
        if history {
            let owner = Owner {
                base_url: target.base_url.clone(),
                namespace: target.namespace.clone(),
                reviewer: reviewer.to_string(),
            };
            let step = push_step(&tx, &owner, &made_at, &[(target, before.as_ref(), rated)])
                .map_err(&failed)?;
            if deferred.is_some() {
                super::defer::log_change(&tx, step, target, deferred.as_ref(), None)
                    .map_err(&failed)?;
            }
        }
        tx.commit().map_err(&failed)?;
        Ok(entry)
    }

    /// The `send_after` of every pending rating of a server and namespace that has one.
    pub fn send_after(
        &self,
        base_url: &str,
        namespace: &str,
    ) -> Result<HashMap<i64, String>, JournalError> {
        send_after(&self.conn, base_url, namespace).map_err(db(&self.path))
    }

    /// Ends every window of a server and namespace: what waits goes now (quitting with `q`).
    pub fn close_windows(
        &mut self,
        base_url: &str,
        namespace: &str,
    ) -> Result<usize, JournalError> {
        self.conn
            .execute(
                "UPDATE ratings SET send_after = NULL
                 WHERE base_url = ?1 AND namespace = ?2 AND state = 'pending'
                   AND send_after IS NOT NULL",
                params![base_url, namespace],
            )
            .map_err(db(&self.path))
    }

    /// Undoes the owner's last action still done: each message goes back to its state
    /// before it (a rating inside its window is withdrawn). `None`: nothing to undo.
    pub fn undo(
        &mut self,
        owner: &Owner,
        send_after: Option<&str>,
    ) -> Result<Option<Step>, JournalError> {
        self.walk(owner, send_after, true)
    }

    /// Redoes the owner's last undone action. `None`: nothing to redo.
    pub fn redo(
        &mut self,
        owner: &Owner,
        send_after: Option<&str>,
    ) -> Result<Option<Step>, JournalError> {
        self.walk(owner, send_after, false)
    }

    /// How many steps the owner can undo and redo.
    pub fn history_len(&self, owner: &Owner) -> Result<(usize, usize), JournalError> {
        self.conn
            .query_row(
                "SELECT COALESCE(SUM(undone = 0), 0), COALESCE(SUM(undone = 1), 0)
                 FROM undo_steps WHERE base_url = ?1 AND namespace = ?2 AND reviewer = ?3",
                params![owner.base_url, owner.namespace, owner.reviewer],
                |r| {
                    let a: i64 = r.get(0)?;
                    let b: i64 = r.get(1)?;
                    Ok((
                        usize::try_from(a).unwrap_or(0),
                        usize::try_from(b).unwrap_or(0),
                    ))
                },
            )
            .map_err(db(&self.path))
    }

    fn walk(
        &mut self,
        owner: &Owner,
        send_after: Option<&str>,
        undo: bool,
    ) -> Result<Option<Step>, JournalError> {
        let failed = db(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&failed)?;
        let sql = if undo {
            "SELECT id FROM undo_steps WHERE base_url = ?1 AND namespace = ?2 AND reviewer = ?3
               AND undone = 0 ORDER BY id DESC LIMIT 1"
        } else {
            "SELECT id FROM undo_steps WHERE base_url = ?1 AND namespace = ?2 AND reviewer = ?3
               AND undone = 1 ORDER BY id ASC LIMIT 1"
        };
        let id: Option<i64> = tx
            .query_row(
                sql,
                params![owner.base_url, owner.namespace, owner.reviewer],
                |r| r.get(0),
            )
            .optional()
            .map_err(&failed)?;
        let Some(id) = id else {
            return Ok(None);
        };
        let changes = step_changes(&tx, id).map_err(&failed)?;
        let mut out = Vec::with_capacity(changes.len());
        for (session_id, message_id, before, after) in changes {
            let (wanted, left) = if undo {
                (before, Some(after))
            } else {
                (Some(after), before)
            };
            let target = Target {
                base_url: owner.base_url.clone(),
                namespace: owner.namespace.clone(),
                session_id: session_id.clone(),
                message_id: message_id.clone(),
            };
            let applied = apply(&tx, &target, wanted.as_ref(), &owner.reviewer, send_after)
                .map_err(&failed)?;
            out.push(Change {
                session_id,
                message_id,
                wanted,
                left,
                applied,
            });
        }
        let deferrals = super::defer::walk_step(&tx, id, owner, undo).map_err(&failed)?;
        tx.execute(
            "UPDATE undo_steps SET undone = ?2 WHERE id = ?1",
            params![id, undo],
        )
        .map_err(&failed)?;
        tx.commit().map_err(&failed)?;
        Ok(Some(Step {
            id,
            changes: out,
            deferrals,
        }))
    }
}

pub(super) fn record(
    tx: &Transaction<'_>,
    target: &Target,
    rated: &Rated,
    reviewer: &str,
    made_at: String,
    send_after: Option<&str>,
) -> rusqlite::Result<Entry> {
    let entry = store::record(
        tx,
        target,
        rated.rating,
        rated.text.as_deref(),
        reviewer,
        made_at,
    )?;
    if send_after.is_some() {
        tx.execute(
            "UPDATE ratings SET send_after = ?2 WHERE id = ?1",
            params![entry.id, send_after],
        )?;
    }
    Ok(entry)
}

/// The newest row of a message, whatever its state, with its `send_after`.
fn latest_with_window(
    conn: &Connection,
    target: &Target,
) -> rusqlite::Result<Option<(Entry, Option<String>)>> {
    let id: Option<(i64, Option<String>)> = conn
        .prepare_cached(
            "SELECT id, send_after FROM ratings
             WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3 AND message_id = ?4
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(
            params![
                target.base_url,
                target.namespace,
                target.session_id,
                target.message_id
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match id {
        Some((id, after)) => Ok(store::entry(conn, id)?.map(|e| (e, after))),
        None => Ok(None),
    }
}

pub(super) fn latest(conn: &Connection, target: &Target) -> rusqlite::Result<Option<Entry>> {
    Ok(latest_with_window(conn, target)?.map(|(e, _)| e))
}

/// The newest row of a message that the server has or will have: sent, or pending.
fn newest_standing(conn: &Connection, target: &Target) -> rusqlite::Result<Option<Entry>> {
    let id: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM ratings
             WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3 AND message_id = ?4
               AND state IN ('sent', 'pending')
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(
            params![
                target.base_url,
                target.namespace,
                target.session_id,
                target.message_id
            ],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => store::entry(conn, id),
        None => Ok(None),
    }
}

fn same(e: &Entry, r: &Rated) -> bool {
    e.rating == r.rating && e.text == r.text
}

/// Brings one message to `wanted`. A pending rating whose window is still open is
/// withdrawn (deleted: the undo history keeps its state for a redo), so the server sees
/// nothing of it.
fn apply(
    tx: &Transaction<'_>,
    target: &Target,
    wanted: Option<&Rated>,
    reviewer: &str,
    send_after: Option<&str>,
) -> rusqlite::Result<Applied> {
    let now = now_rfc3339();
    let current = latest_with_window(tx, target)?;
    let withdrawable = current.as_ref().is_some_and(|(e, after)| {
        e.state == RatingState::Pending && after.as_deref().is_some_and(|a| a > now.as_str())
    });
    if withdrawable && let Some((e, _)) = &current {
        tx.prepare_cached("DELETE FROM ratings WHERE id = ?1")?
            .execute(params![e.id])?;
        let standing = newest_standing(tx, target)?;
        return match wanted {
            None => Ok(Applied::Withdrawn {
                server_keeps: standing
                    .filter(|s| s.state == RatingState::Sent)
                    .map(|s| s.rating),
            }),
            Some(w) => match standing {
                Some(s) if same(&s, w) => Ok(Applied::Withdrawn {
                    server_keeps: (s.state == RatingState::Sent).then_some(s.rating),
                }),
                _ => Ok(Applied::Queued(Box::new(record(
                    tx,
                    target,
                    w,
                    reviewer,
                    now_rfc3339(),
                    send_after,
                )?))),
            },
        };
    }
    let standing = newest_standing(tx, target)?;
    match wanted {
        None => Ok(match standing {
            Some(s) => Applied::ServerKeeps(s.rating),
            None => Applied::Unchanged,
        }),
        Some(w) => match standing {
            Some(s) if same(&s, w) && current.as_ref().is_some_and(|(c, _)| c.id == s.id) => {
                Ok(Applied::Unchanged)
            }
            _ => Ok(Applied::Queued(Box::new(record(
                tx,
                target,
                w,
                reviewer,
                now_rfc3339(),
                send_after,
            )?))),
        },
    }
}

type Stored = (String, String, Option<Rated>, Rated);

fn step_changes(conn: &Connection, step: i64) -> rusqlite::Result<Vec<Stored>> {
    let mut stmt = conn.prepare_cached(
        "SELECT session_id, message_id, before_rating, before_text, after_rating, after_text
         FROM undo_changes WHERE step_id = ?1 ORDER BY rowid",
    )?;
    let rows = stmt.query_map(params![step], |r| {
        let before: Option<String> = r.get(2)?;
        let after: String = r.get(4)?;
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            before.and_then(|b| Rating::parse(&b)),
            r.get::<_, Option<String>>(3)?,
            Rating::parse(&after),
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (session, message, before, before_text, after, after_text) = row?;
        // A CHECK keeps both ratings readable; a row that is not is skipped, not fatal.
        let Some(after) = after else { continue };
        out.push((
            session,
            message,
            before.map(|rating| Rated {
                rating,
                text: before_text,
            }),
            Rated {
                rating: after,
                text: after_text,
            },
        ));
    }
    Ok(out)
}

/// Adds one step (one action over one or more messages), forgets the undone steps (a new
/// action ends what could be redone) and trims the history to [`HISTORY_KEPT`] steps.
pub(super) fn push_step(
    tx: &Transaction<'_>,
    owner: &Owner,
    made_at: &str,
    changes: &[(&Target, Option<&Rated>, &Rated)],
) -> rusqlite::Result<i64> {
    let who = params![owner.base_url, owner.namespace, owner.reviewer];
    tx.execute(
        "DELETE FROM undo_changes WHERE step_id IN (SELECT id FROM undo_steps
           WHERE base_url = ?1 AND namespace = ?2 AND reviewer = ?3 AND undone = 1)",
        who,
    )?;
    tx.execute(
        "DELETE FROM undo_steps
         WHERE base_url = ?1 AND namespace = ?2 AND reviewer = ?3 AND undone = 1",
        who,
    )?;
    tx.execute(
        "INSERT INTO undo_steps (base_url, namespace, reviewer, made_at) VALUES (?1, ?2, ?3, ?4)",
        params![owner.base_url, owner.namespace, owner.reviewer, made_at],
    )?;
    let step = tx.last_insert_rowid();
    let mut insert = tx.prepare_cached(
        "INSERT INTO undo_changes (step_id, session_id, message_id, before_rating,
                                   before_text, after_rating, after_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (target, before, after) in changes {
        insert.execute(params![
            step,
            target.session_id,
            target.message_id,
            before.map(|b| b.rating.as_str()),
            before.and_then(|b| b.text.as_deref()),
            after.rating.as_str(),
            after.text.as_deref()
        ])?;
    }
    drop(insert);
    let cut: Option<i64> = tx
        .query_row(
            "SELECT id FROM undo_steps WHERE base_url = ?1 AND namespace = ?2 AND reviewer = ?3
             ORDER BY id DESC LIMIT 1 OFFSET ?4",
            params![
                owner.base_url,
                owner.namespace,
                owner.reviewer,
                HISTORY_KEPT
            ],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(cut) = cut {
        tx.execute(
            "DELETE FROM undo_changes WHERE step_id IN (SELECT id FROM undo_steps
               WHERE base_url = ?1 AND namespace = ?2 AND reviewer = ?3 AND id <= ?4)",
            params![owner.base_url, owner.namespace, owner.reviewer, cut],
        )?;
        tx.execute(
            "DELETE FROM undo_steps
             WHERE base_url = ?1 AND namespace = ?2 AND reviewer = ?3 AND id <= ?4",
            params![owner.base_url, owner.namespace, owner.reviewer, cut],
        )?;
    }
    Ok(step)
}

fn send_after(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
) -> rusqlite::Result<HashMap<i64, String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, send_after FROM ratings
         WHERE base_url = ?1 AND namespace = ?2 AND state = 'pending' AND send_after IS NOT NULL",
    )?;
    let rows = stmt.query_map(params![base_url, namespace], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::fixtures::{open, receipt, target};
    use crate::journal::to_journal_time;

    fn owner() -> Owner {
        Owner {
            base_url: "http://127.0.0.1:1".into(),
            namespace: "ns".into(),
            reviewer: "ann".into(),
        }
    }

    fn later() -> String {
        to_journal_time(chrono::Utc::now() + chrono::Duration::seconds(60))
    }

    fn rated(rating: Rating, text: Option<&str>) -> Rated {
        Rated {
            rating,
            text: text.map(str::to_string),
        }
    }

    #[test]
    fn a_rating_in_its_window_survives_a_reopen_and_still_waits() {
        let (dir, mut j) = open();
        let after = later();
        let e = j
            .record_in_window(
                &target("m1"),
                &rated(Rating::Positive, None),
                "ann",
                Some(&after),
                true,
            )
            .unwrap();
        drop(j);
        let mut j = Journal::open(&dir.path().join("sub").join("journal.db")).unwrap();
        assert_eq!(j.pending("http://127.0.0.1:1", "ns").unwrap()[0].id, e.id);
        let windows = j.send_after("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(windows.get(&e.id), Some(&after));
        assert_eq!(j.close_windows("http://127.0.0.1:1", "ns").unwrap(), 1);
        assert!(j.send_after("http://127.0.0.1:1", "ns").unwrap().is_empty());
        assert_eq!(j.history_len(&owner()).unwrap(), (1, 0));
    }

    #[test]
    fn amending_inside_the_window_leaves_one_pending_rating() {
        let (_dir, mut j) = open();
        let after = later();
        for (r, t) in [
            (Rating::Positive, None),
            (Rating::Negative, None),
            (Rating::Negative, Some("why")),
        ] {
            j.record_in_window(&target("m1"), &rated(r, t), "ann", Some(&after), true)
                .unwrap();
        }
        let pending = j.pending("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].rating, Rating::Negative);
        assert_eq!(pending[0].text.as_deref(), Some("why"));
        assert_eq!(j.history_len(&owner()).unwrap(), (3, 0));
    }

    #[test]
    fn undo_inside_the_window_withdraws_and_redo_brings_it_back() {
        let (_dir, mut j) = open();
        let after = later();
        j.record_in_window(
            &target("m1"),
            &rated(Rating::Positive, None),
            "ann",
            Some(&after),
            true,
        )
        .unwrap();
        let step = j.undo(&owner(), Some(&after)).unwrap().unwrap();
        assert_eq!(
            step.changes[0].applied,
            Applied::Withdrawn { server_keeps: None }
        );
        assert!(j.pending("http://127.0.0.1:1", "ns").unwrap().is_empty());
        assert!(j.undo(&owner(), Some(&after)).unwrap().is_none());
        let step = j.redo(&owner(), Some(&after)).unwrap().unwrap();
        assert!(matches!(step.changes[0].applied, Applied::Queued(_)));
        assert_eq!(j.pending("http://127.0.0.1:1", "ns").unwrap().len(), 1);
        assert!(j.redo(&owner(), Some(&after)).unwrap().is_none());
    }

    #[test]
    fn undo_after_sending_queues_the_earlier_rating_or_says_what_the_server_keeps() {
        let (_dir, mut j) = open();
        let first = j
            .record_in_window(
                &target("m1"),
                &rated(Rating::Positive, Some("good")),
                "ann",
                None,
                true,
            )
            .unwrap();
        j.mark_sent_all(&[(first.id, receipt("m1", Rating::Positive, true))])
            .unwrap();
        let second = j
            .record_in_window(
                &target("m1"),
                &rated(Rating::Negative, None),
                "ann",
                None,
                true,
            )
            .unwrap();
        j.mark_sent_all(&[(second.id, receipt("m1", Rating::Negative, false))])
            .unwrap();
        let step = j.undo(&owner(), None).unwrap().unwrap();
        let Applied::Queued(e) = &step.changes[0].applied else {
            panic!("{step:?}")
        };
        assert_eq!(e.rating, Rating::Positive);
        assert_eq!(e.text.as_deref(), Some("good"));
        j.mark_sent_all(&[(e.id, receipt("m1", Rating::Positive, true))])
            .unwrap();
        // The first rating's previous state was "unrated": the server keeps a rating.
        let step = j.undo(&owner(), None).unwrap().unwrap();
        assert_eq!(
            step.changes[0].applied,
            Applied::ServerKeeps(Rating::Positive)
        );
    }

    #[test]
    fn a_new_action_forgets_what_was_undone_and_history_is_trimmed() {
        let (_dir, mut j) = open();
        for i in 0..(HISTORY_KEPT + 20) {
            let r = if i % 2 == 0 {
                Rating::Positive
            } else {
                Rating::Negative
            };
            j.record_in_window(
                &target(&format!("m{i}")),
                &rated(r, None),
                "ann",
                None,
                true,
            )
            .unwrap();
        }
        let kept = usize::try_from(HISTORY_KEPT).unwrap();
        assert_eq!(j.history_len(&owner()).unwrap(), (kept, 0));
        j.undo(&owner(), None).unwrap().unwrap();
        assert_eq!(j.history_len(&owner()).unwrap(), (kept - 1, 1));
        j.record_in_window(
            &target("x"),
            &rated(Rating::Positive, None),
            "ann",
            None,
            true,
        )
        .unwrap();
        assert_eq!(j.history_len(&owner()).unwrap(), (kept, 0));
        let orphans: i64 = j
            .conn
            .query_row(
                "SELECT COUNT(*) FROM undo_changes WHERE step_id NOT IN (SELECT id FROM undo_steps)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
    }

    #[test]
    fn a_version_3_journal_gains_the_window_and_keeps_its_ratings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        {
            let mut j = Journal::open(&path).unwrap();
            j.record(&target("m1"), Rating::Positive, None, "ann")
                .unwrap();
            j.conn
                .execute_batch(
                    "DROP TABLE undo_deferrals; DROP TABLE deferrals;
                     DROP TRIGGER ratings_replace; DROP TRIGGER ratings_unreplace;
                     DROP INDEX ratings_latest_by_made_at; ALTER TABLE ratings DROP COLUMN replaced;
                     DROP TABLE undo_changes; DROP TABLE undo_steps;
                     ALTER TABLE ratings DROP COLUMN send_after; PRAGMA user_version = 3;",
                )
                .unwrap();
        }
        let mut j = Journal::open(&path).unwrap();
        assert_eq!(j.pending("http://127.0.0.1:1", "ns").unwrap().len(), 1);
        j.record_in_window(
            &target("m2"),
            &rated(Rating::Negative, None),
            "ann",
            Some(&later()),
            true,
        )
        .unwrap();
        assert_eq!(j.send_after("http://127.0.0.1:1", "ns").unwrap().len(), 1);
    }
}
