//! Every query the journal runs: ratings, drafts and cached exchanges, as functions over a connection.

use super::{
    Counts, Draft, Entry, Exchange, ExportRow, RatingState, SavedDraft, Target, now_rfc3339,
};
use crate::api::model::{Rating, SubmitFeedbackResponse};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

const ENTRY_COLUMNS: &str = "id, base_url, namespace, session_id, message_id, rating, text, \
     reviewer, made_at, state, stored, recorded_at, last_error, attempts";

/// Records a pending rating made at `made_at`; an older pending rating of the same message
/// becomes `Superseded`. Both happen in `tx`, which the caller began IMMEDIATE, so no other
/// writer slips in between them.
pub(super) fn record(
    tx: &Transaction<'_>,
    target: &Target,
    rating: Rating,
    text: Option<&str>,
    reviewer: &str,
    made_at: String,
) -> rusqlite::Result<Entry> {
    // Cached: a bulk action records thousands in one transaction.
    tx.prepare_cached(
        "UPDATE ratings SET state = 'superseded'
         WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3 AND message_id = ?4
           AND state = 'pending'",
    )?
    .execute(params![
        target.base_url,
        target.namespace,
        target.session_id,
        target.message_id
    ])?;
    tx.prepare_cached(
        "INSERT INTO ratings (base_url, namespace, session_id, message_id, rating, text,
                              reviewer, made_at, state, attempts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', 0)",
    )?
    .execute(params![
        target.base_url,
        target.namespace,
        target.session_id,
        target.message_id,
        rating.as_str(),
        text,
        reviewer,
        made_at
    ])?;
    Ok(Entry {
        id: tx.last_insert_rowid(),
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
pub(super) fn save_draft(
    conn: &Connection,
    target: &Target,
    draft: &Draft,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
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

/// Forgets a message's draft. No draft is not an error.
pub(super) fn delete_draft(conn: &Connection, target: &Target) -> rusqlite::Result<()> {
    conn.prepare_cached(
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
pub(super) fn drafts(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
) -> rusqlite::Result<Vec<SavedDraft>> {
    let mut stmt = conn.prepare_cached(
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
pub(super) fn entry(conn: &Connection, id: i64) -> rusqlite::Result<Option<Entry>> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM ratings WHERE id = ?1");
    conn.prepare_cached(&sql)?
        .query_row(params![id], entry_from_row)
        .optional()
}

/// Pending entries for a server + namespace, oldest first.
pub(super) fn pending(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
) -> rusqlite::Result<Vec<Entry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM ratings
         WHERE base_url = ?1 AND namespace = ?2 AND state = 'pending' ORDER BY id"
    );
    query_entries(conn, &sql, params![base_url, namespace])
}

/// Failed entries that no newer rating of the same message has replaced, oldest first.
pub(super) fn failed(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
) -> rusqlite::Result<Vec<Entry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM ratings r
         WHERE base_url = ?1 AND namespace = ?2 AND state = 'failed'
           AND NOT EXISTS (SELECT 1 FROM ratings n
                           WHERE n.base_url = r.base_url AND n.namespace = r.namespace
                             AND n.session_id = r.session_id
                             AND n.message_id = r.message_id AND n.id > r.id)
         ORDER BY id"
    );
    query_entries(conn, &sql, params![base_url, namespace])
}

/// Stores the server's receipt. A rating superseded while it was in flight keeps
/// `Superseded` (with the receipt), so a late answer never makes an old rating look current.
fn mark_sent(conn: &Connection, id: i64, receipt: &SubmitFeedbackResponse) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE ratings
         SET state = CASE WHEN state = 'pending' THEN 'sent' ELSE state END,
             stored = ?2, recorded_at = ?3, last_error = NULL, attempts = attempts + 1
         WHERE id = ?1",
    )?
    .execute(params![id, receipt.stored, receipt.recorded_at])?;
    Ok(())
}

/// Stores several receipts in one transaction (see [`mark_sent`]); each entry as it
/// then stands, in the order given.
pub(super) fn mark_sent_all(
    conn: &mut Connection,
    receipts: &[(i64, SubmitFeedbackResponse)],
) -> rusqlite::Result<Vec<Option<Entry>>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (id, receipt) in receipts {
        mark_sent(&tx, *id, receipt)?;
    }
    let entries = receipts
        .iter()
        .map(|(id, _)| entry(&tx, *id))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(entries)
}

/// A retryable failure: stays pending, the error and attempt count are kept.
pub(super) fn mark_retry(conn: &Connection, id: i64, error: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE ratings SET last_error = ?2, attempts = attempts + 1 WHERE id = ?1",
    )?
    .execute(params![id, error])?;
    Ok(())
}

/// A permanent failure: kept as `Failed` with the server's message, unless superseded.
pub(super) fn mark_failed(conn: &Connection, id: i64, error: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE ratings
         SET state = CASE WHEN state = 'pending' THEN 'failed' ELSE state END,
             last_error = ?2, attempts = attempts + 1
         WHERE id = ?1",
    )?
    .execute(params![id, error])?;
    Ok(())
}

/// Failed ratings refused for the API key (401 or 403, as [`super::outbox::describe`]
/// words them) go back to pending. Returns how many.
pub(super) fn requeue_refused_key(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
) -> rusqlite::Result<usize> {
    requeue(
        conn,
        base_url,
        namespace,
        "AND (last_error LIKE '401 %' OR last_error LIKE '403 %')",
    )
}

/// Every failed rating of [`failed`] goes back to pending. Returns how many.
pub(super) fn requeue_failed(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
) -> rusqlite::Result<usize> {
    requeue(conn, base_url, namespace, "")
}

/// Failed ratings matching `condition` go back to pending, unless a newer rating of
/// the same message replaced them. One UPDATE, so it is atomic on its own.
fn requeue(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
    condition: &str,
) -> rusqlite::Result<usize> {
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
    conn.execute(&sql, params![base_url, namespace])
}

/// The latest entry of each message of a session.
pub(super) fn latest_for_session(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
    session_id: &str,
) -> rusqlite::Result<Vec<Entry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM ratings r
         WHERE base_url = ?1 AND namespace = ?2 AND session_id = ?3
           AND id = (SELECT MAX(n.id) FROM ratings n
                     WHERE n.base_url = r.base_url AND n.namespace = r.namespace
                       AND n.session_id = r.session_id AND n.message_id = r.message_id)
         ORDER BY id"
    );
    query_entries(conn, &sql, params![base_url, namespace, session_id])
}

/// Pending ratings, and failed ones no newer rating has replaced.
pub(super) fn counts(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
) -> rusqlite::Result<Counts> {
    let pending: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM ratings
             WHERE base_url = ?1 AND namespace = ?2 AND state = 'pending'",
        )?
        .query_row(params![base_url, namespace], |r| r.get(0))?;
    let failed: i64 = conn.query_row(
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
pub(super) fn export_rows(
    conn: &Connection,
    since: Option<&str>,
) -> rusqlite::Result<Vec<ExportRow>> {
    export_range(conn, since, 1, i64::MAX)
}

/// The export rows with ids in `first..=last`.
fn export_range(
    conn: &Connection,
    since: Option<&str>,
    first: i64,
    last: i64,
) -> rusqlite::Result<Vec<ExportRow>> {
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
         WHERE (?1 IS NULL OR r.made_at >= ?1) AND r.id BETWEEN ?2 AND ?3
         ORDER BY r.id",
        cols = ENTRY_COLUMNS
            .split(", ")
            .map(|c| format!("r.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![since, first, last], |row| {
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
    rows.collect()
}

/// How many ids the salvage reads at once before it falls back to one at a time.
const SALVAGE_CHUNK: i64 = 256;

/// Every rating that can still be read from a damaged journal, and how many ids could not
/// be. Reads in ranges of ids, so a damaged page costs the rows on it, not the export; a
/// rating whose row reads but whose "latest" flag or exchange does not is kept without
/// them.
pub(super) fn salvage_rows(conn: &Connection, since: Option<&str>) -> (Vec<ExportRow>, u64) {
    // The highest id: from the table, or from AUTOINCREMENT's counter if the table's
    // last page is what is damaged.
    let last: i64 = conn
        .query_row("SELECT max(id) FROM ratings", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .ok()
        .flatten()
        .or_else(|| {
            conn.query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'ratings'",
                [],
                |r| r.get(0),
            )
            .ok()
        })
        .unwrap_or(0);
    let mut rows = Vec::new();
    let mut unreadable = 0u64;
    let mut first = 1;
    while first <= last {
        let end = last.min(first.saturating_add(SALVAGE_CHUNK - 1));
        match export_range(conn, since, first, end) {
            Ok(chunk) => rows.extend(chunk),
            Err(_) => {
                for id in first..=end {
                    match export_range(conn, since, id, id) {
                        Ok(one) => rows.extend(one),
                        Err(_) => match bare_entry(conn, id) {
                            Ok(Some(entry)) => rows.push(ExportRow {
                                entry,
                                latest: false,
                                exchange: None,
                            }),
                            Ok(None) => {}
                            Err(_) => unreadable += 1,
                        },
                    }
                }
            }
        }
        first = end.saturating_add(1);
    }
    if let Some(since) = since {
        rows.retain(|r| r.entry.made_at.as_str() >= since);
    }
    (rows, unreadable)
}

/// One rating's own row, nothing joined.
fn bare_entry(conn: &Connection, id: i64) -> rusqlite::Result<Option<Entry>> {
    conn.query_row(
        &format!("SELECT {ENTRY_COLUMNS} FROM ratings WHERE id = ?1"),
        params![id],
        entry_from_row,
    )
    .optional()
}

/// Caches the exchange of a rated message, so export works without the network.
pub(super) fn cache_exchange(
    conn: &Connection,
    target: &Target,
    exchange: &Exchange,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO exchanges (base_url, namespace, session_id, message_id, prompt,
                                completion, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (base_url, namespace, session_id, message_id)
         DO UPDATE SET prompt = excluded.prompt, completion = excluded.completion,
                       fetched_at = excluded.fetched_at",
    )?
    .execute(params![
        target.base_url,
        target.namespace,
        target.session_id,
        target.message_id,
        exchange.prompt,
        exchange.completion,
        now_rfc3339()
    ])?;
    Ok(())
}

/// The cached exchange of a message, if any.
pub(super) fn exchange(conn: &Connection, target: &Target) -> rusqlite::Result<Option<Exchange>> {
    conn.query_row(
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
    .optional()
}

fn query_entries(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, entry_from_row)?;
    rows.collect()
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

#[cfg(test)]
mod tests {
    use crate::api::model::Rating;
    use crate::journal::fixtures::{open, rate, receipt, target};
    use crate::journal::{Counts, Draft, Exchange, Journal, RatingState};

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
        j.mark_sent_all(&[(a.id, receipt("m1", Rating::Positive, true))])
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
    fn receipts_recorded_together_keep_order_superseded_and_gone_and_full_sync_after() {
        let (_dir, mut j) = open();
        let a = rate(&mut j, "m1", Rating::Positive);
        let b = rate(&mut j, "m2", Rating::Negative);
        // Replaced while its send was in flight: its receipt must not make it current.
        let c = rate(&mut j, "m3", Rating::Positive);
        let c2 = rate(&mut j, "m3", Rating::Negative);
        let receipts = [
            (b.id, receipt("m2", Rating::Negative, false)),
            (a.id, receipt("m1", Rating::Positive, true)),
            (c.id, receipt("m3", Rating::Positive, true)),
            (9_999, receipt("m9", Rating::Positive, true)),
        ];
        let after = j.mark_sent_all(&receipts).unwrap();
        let states: Vec<_> = after
            .iter()
            .map(|e| e.as_ref().map(|e| (e.id, e.state)))
            .collect();
        assert_eq!(
            states,
            [
                Some((b.id, RatingState::Sent)),
                Some((a.id, RatingState::Sent)),
                Some((c.id, RatingState::Superseded)),
                None,
            ]
        );
        assert_eq!(after[1].as_ref().unwrap().stored, Some(true));
        assert_eq!(j.entry(c2.id).unwrap().unwrap().state, RatingState::Pending);
        // The receipts' commit alone is not flushed; every later commit is, as before.
        let sync: i64 = j
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL again");
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
        j.mark_sent_all(&[(a.id, receipt("m1", Rating::Positive, true))])
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
        j.mark_sent_all(&[(c.id, receipt("m2", Rating::Negative, false))])
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
}
