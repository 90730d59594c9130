//! Deferred replies: put aside to judge later, with an optional reason. A deferral is
//! the reviewer's own state: it is journaled, undone and exported, and never sent (the
//! API has no such state). Rating a reply ends its deferral.

use super::window::Owner;
use super::{Journal, JournalError, Target, now_rfc3339};
use crate::sqlite::SqliteError;
use rusqlite::{Connection, Transaction, TransactionBehavior, params};

/// The journal step that adds deferrals: the current state of each deferred reply, and
/// what an undo step changed in it.
pub const MIGRATION: &str = "CREATE TABLE deferrals (
        base_url    TEXT NOT NULL,
        namespace   TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        reason      TEXT,
        reviewer    TEXT NOT NULL,
        deferred_at TEXT NOT NULL,
        PRIMARY KEY (base_url, namespace, session_id, message_id)
    );
    CREATE TABLE undo_deferrals (
        step_id       INTEGER NOT NULL REFERENCES undo_steps (id) ON DELETE CASCADE,
        session_id    TEXT NOT NULL,
        message_id    TEXT NOT NULL,
        before_on     INTEGER NOT NULL,
        before_reason TEXT,
        after_on      INTEGER NOT NULL,
        after_reason  TEXT
    );
    CREATE INDEX undo_deferrals_by_step ON undo_deferrals (step_id);";

/// The longest reason kept, in characters.
pub const REASON_MAX_CHARS: usize = 500;
/// The most deferrals read back at once (a reviewer defers a handful; this bounds a
/// journal that holds more).
pub const LOADED_MAX: usize = 100_000;

/// A deferred reply of one server and namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferral {
    pub session_id: String,
    pub message_id: String,
    pub reason: Option<String>,
}

/// What undoing or redoing did to one reply's deferral: its state now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferChange {
    pub session_id: String,
    pub message_id: String,
    /// `Some(reason)`: deferred now; `None`: not deferred.
    pub now: Option<Option<String>>,
}

/// A reason as kept: trimmed, bounded, and none when empty.
pub fn clean_reason(reason: Option<&str>) -> Option<String> {
    let r = reason?.trim();
    (!r.is_empty()).then(|| r.chars().take(REASON_MAX_CHARS).collect())
}

fn db(path: &std::path::Path) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
    move |e| JournalError::Database(SqliteError::at(path, e))
}

impl Journal {
    /// Defers (`on`) or un-defers each target, in one transaction; with `owner` the
    /// change is one step of the reviewer's undo history. Returns how many changed.
    pub fn set_deferred(
        &mut self,
        targets: &[Target],
        reason: Option<&str>,
        on: bool,
        owner: Option<&Owner>,
    ) -> Result<usize, JournalError> {
        let failed = db(&self.path);
        let reason = clean_reason(reason);
        let reviewer = owner.map_or("", |o| o.reviewer.as_str()).to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&failed)?;
        let made_at = now_rfc3339();
        let mut changes = Vec::with_capacity(targets.len());
        for t in targets {
            let before = state(&tx, t).map_err(&failed)?;
            let after = on.then(|| reason.clone());
            if before == after {
                continue;
            }
            put(&tx, t, after.as_ref(), &reviewer, &made_at).map_err(&failed)?;
            changes.push((t, before, after));
        }
        if let Some(owner) = owner
            && !changes.is_empty()
        {
            let step = super::window::push_step(&tx, owner, &made_at, &[]).map_err(&failed)?;
            for (t, before, after) in &changes {
                log_change(&tx, step, t, before.as_ref(), after.as_ref()).map_err(&failed)?;
            }
        }
        tx.commit().map_err(&failed)?;
        Ok(changes.len())
    }

    /// The deferred replies of a server and namespace (at most [`LOADED_MAX`]).
    pub fn deferrals(
        &self,
        base_url: &str,
        namespace: &str,
    ) -> Result<Vec<Deferral>, JournalError> {
        deferrals(&self.conn, base_url, namespace).map_err(db(&self.path))
    }

    /// Every deferred reply of the journal deferred at or after `since` (all: `None`),
    /// with its exchange where the journal holds one, for export.
    pub fn all_deferrals(&self, since: Option<&str>) -> Result<Vec<DeferredRow>, JournalError> {
        let mut rows = all(&self.conn, since).map_err(db(&self.path))?;
        for r in &mut rows {
            r.exchange = self.exchange(&r.target)?;
        }
        Ok(rows)
    }
}

/// A reply's deferral: `Some(reason)` when deferred.
pub(super) fn state(conn: &Connection, t: &Target) -> rusqlite::Result<Option<Option<String>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT reason FROM deferrals
         WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3 AND message_id = ?4",
    )?;
    let mut rows = stmt.query(params![t.base_url, t.namespace, t.session_id, t.message_id])?;
    match rows.next()? {
        Some(r) => Ok(Some(r.get(0)?)),
        None => Ok(None),
    }
}

/// Sets a reply's deferral (`Some(reason)`) or ends it (`None`).
pub(super) fn put(
    tx: &Transaction<'_>,
    t: &Target,
    deferred: Option<&Option<String>>,
    reviewer: &str,
    at: &str,
) -> rusqlite::Result<()> {
    match deferred {
        Some(reason) => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO deferrals (base_url, namespace, session_id, message_id, reason,
                                        reviewer, deferred_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (base_url, namespace, session_id, message_id)
                 DO UPDATE SET reason = excluded.reason, reviewer = excluded.reviewer,
                               deferred_at = excluded.deferred_at",
            )?;
            stmt.execute(params![
                t.base_url,
                t.namespace,
                t.session_id,
                t.message_id,
                reason,
                reviewer,
                at
            ])?;
        }
        None => clear(tx, t)?,
    }
    Ok(())
}

/// Ends a reply's deferral (a rating does).
pub(super) fn clear(conn: &Connection, t: &Target) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "DELETE FROM deferrals
         WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3 AND message_id = ?4",
    )?;
    stmt.execute(params![t.base_url, t.namespace, t.session_id, t.message_id])?;
    Ok(())
}

/// Keeps what a step did to a reply's deferral, so undo and redo can bring it back.
pub(super) fn log_change(
    tx: &Transaction<'_>,
    step: i64,
    t: &Target,
    before: Option<&Option<String>>,
    after: Option<&Option<String>>,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO undo_deferrals (step_id, session_id, message_id, before_on,
                                     before_reason, after_on, after_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    stmt.execute(params![
        step,
        t.session_id,
        t.message_id,
        before.is_some(),
        before.cloned().flatten(),
        after.is_some(),
        after.cloned().flatten()
    ])?;
    Ok(())
}

/// A logged change: session, message, deferred before and its reason, after and its reason.
type Logged = (String, String, bool, Option<String>, bool, Option<String>);

/// Undoes (or redoes) the deferral part of step `step`.
pub(super) fn walk_step(
    tx: &Transaction<'_>,
    step: i64,
    owner: &Owner,
    undo: bool,
) -> rusqlite::Result<Vec<DeferChange>> {
    let rows: Vec<Logged> = {
        let mut stmt = tx.prepare_cached(
            "SELECT session_id, message_id, before_on, before_reason, after_on, after_reason
             FROM undo_deferrals WHERE step_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map(params![step], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let at = now_rfc3339();
    let mut out = Vec::with_capacity(rows.len());
    for (session_id, message_id, b_on, b_reason, a_on, a_reason) in rows {
        let wanted = if undo {
            b_on.then_some(b_reason)
        } else {
            a_on.then_some(a_reason)
        };
        let t = Target {
            base_url: owner.base_url.clone(),
            namespace: owner.namespace.clone(),
            session_id: session_id.clone(),
            message_id: message_id.clone(),
        };
        put(tx, &t, wanted.as_ref(), &owner.reviewer, &at)?;
        out.push(DeferChange {
            session_id,
            message_id,
            now: wanted,
        });
    }
    Ok(out)
}

fn deferrals(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
) -> rusqlite::Result<Vec<Deferral>> {
    let mut stmt = conn.prepare_cached(
        "SELECT session_id, message_id, reason FROM deferrals
         WHERE base_url = ?1 AND namespace = ?2 ORDER BY deferred_at LIMIT ?3",
    )?;
    let limit = i64::try_from(LOADED_MAX).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![base_url, namespace, limit], |r| {
        Ok(Deferral {
            session_id: r.get(0)?,
            message_id: r.get(1)?,
            reason: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// A deferred reply as export writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeferredRow {
    pub target: Target,
    pub reason: Option<String>,
    pub reviewer: String,
    pub deferred_at: String,
    pub exchange: Option<super::Exchange>,
}

fn all(conn: &Connection, since: Option<&str>) -> rusqlite::Result<Vec<DeferredRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT base_url, namespace, session_id, message_id, reason, reviewer, deferred_at
         FROM deferrals WHERE ?1 IS NULL OR deferred_at >= ?1 ORDER BY deferred_at LIMIT ?2",
    )?;
    let limit = i64::try_from(LOADED_MAX).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![since, limit], |r| {
        Ok(DeferredRow {
            target: Target {
                base_url: r.get(0)?,
                namespace: r.get(1)?,
                session_id: r.get(2)?,
                message_id: r.get(3)?,
            },
            reason: r.get(4)?,
            reviewer: r.get(5)?,
            deferred_at: r.get(6)?,
            exchange: None,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::fixtures::{open, target};

    fn owner() -> Owner {
        Owner {
            base_url: "http://127.0.0.1:1".into(),
            namespace: "ns".into(),
            reviewer: "ann".into(),
        }
    }

    #[test]
    fn a_deferral_is_kept_undone_redone_and_ended_by_a_rating() {
        let (_dir, mut j) = open();
        let n = j
            .set_deferred(&[target("m1")], Some("  ask Bo  "), true, Some(&owner()))
            .unwrap();
        assert_eq!(n, 1);
        let d = j.deferrals("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].reason.as_deref(), Some("ask Bo"));
        let step = j.undo(&owner(), None).unwrap().unwrap();
        assert_eq!(step.deferrals[0].now, None);
        assert!(j.deferrals("http://127.0.0.1:1", "ns").unwrap().is_empty());
        let step = j.redo(&owner(), None).unwrap().unwrap();
        assert_eq!(step.deferrals[0].now, Some(Some("ask Bo".into())));
        j.record_in_window(
            &target("m1"),
            &crate::journal::window::Rated {
                rating: crate::api::model::Rating::Negative,
                text: None,
            },
            "ann",
            None,
            true,
        )
        .unwrap();
        assert!(j.deferrals("http://127.0.0.1:1", "ns").unwrap().is_empty());
        assert_eq!(j.all_deferrals(None).unwrap().len(), 0);
    }
}
