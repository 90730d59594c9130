//! Ratings and memory: recording a rating, keeping the exchanges it stores, and the local listings of both.

use super::StoreError;
use super::encode::{format_time, new_ordered_id, now_us};
use super::messages::{MESSAGE_COLUMNS, message_from_row};
use super::sessions::session_key;
use super::tenancy::NamespaceRow;
use crate::api::model::{
    FeedbackPage, FeedbackRecord, MemoryEntry, MemoryPage, Rating, SubmitFeedbackRequest,
    SubmitFeedbackResponse,
};
use rusqlite::{Connection, OptionalExtension, params};

/// Records one rating and applies it to memory; see the feedback semantics in the API notes.
pub(crate) fn submit_feedback(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
    req: &SubmitFeedbackRequest,
) -> Result<SubmitFeedbackResponse, StoreError> {
    let (session_rowid, enable_memory): (i64, bool) = conn
        .prepare_cached(
            "SELECT rowid, enable_memory FROM sessions WHERE id = ?1 AND namespace_rowid = ?2",
        )?
        .query_row(params![session_id, ns.rowid], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or_else(|| StoreError::not_found("session", session_id))?;
    let (message_rowid, seq, role, previous): (i64, i64, String, Option<String>) = conn
        .prepare_cached(
            "SELECT rowid, seq, role, rating FROM messages WHERE id = ?1 AND session_rowid = ?2",
        )?
        .query_row(params![req.message_id, session_rowid], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?
        .ok_or_else(|| StoreError::not_found("message", &req.message_id))?;
    if role != "assistant" {
        return Err(StoreError::NotAssistant {
            id: req.message_id.clone(),
            role,
        });
    }
    let stored = req.rating == Rating::Positive && enable_memory;
    let now = now_us();
    conn.prepare_cached(
        "INSERT INTO feedback (id, session_rowid, message_rowid, rating, feedback_text, stored, recorded_us) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        new_ordered_id("fb")?,
        session_rowid,
        message_rowid,
        req.rating.as_str(),
        req.feedback_text,
        stored,
        now
    ])?;
    if previous.as_deref() != Some(req.rating.as_str()) {
        conn.prepare_cached("UPDATE messages SET rating = ?1 WHERE rowid = ?2")?
            .execute(params![req.rating.as_str(), message_rowid])?;
    }
    if previous.is_none() {
        conn.prepare_cached(
            "UPDATE sessions SET rated_messages = rated_messages + 1 WHERE rowid = ?1",
        )?
        .execute([session_rowid])?;
    }
    // A stored exchange exists exactly when the latest rating is positive on a memory-enabled
    // session, so only a change of rating touches the memory table.
    let was_positive = previous.as_deref() == Some("positive");
    if stored && !was_positive {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO memory (id, session_rowid, message_rowid, user_message_rowid, stored_us) \
             VALUES (?1, ?2, ?3, (SELECT rowid FROM messages WHERE session_rowid = ?2 AND seq < ?4 \
                 AND role = 'user' ORDER BY seq DESC LIMIT 1), ?5)",
        )?
        .execute(params![
            new_ordered_id("mem")?,
            session_rowid,
            message_rowid,
            seq,
            now
        ])?;
    } else if !stored && was_positive {
        conn.prepare_cached("DELETE FROM memory WHERE message_rowid = ?1")?
            .execute([message_rowid])?;
    }
    Ok(SubmitFeedbackResponse {
        session_id: session_id.to_string(),
        message_id: req.message_id.clone(),
        rating: req.rating,
        stored,
        recorded_at: format_time(now),
    })
}

/// `limit` and `offset` as SQLite takes them (signed integers).
fn sql_page(limit: u64, offset: u64) -> (i64, i64) {
    (
        i64::try_from(limit).unwrap_or(i64::MAX),
        i64::try_from(offset).unwrap_or(i64::MAX),
    )
}

/// One page of the ratings recorded on a session, latest first.
pub(crate) fn list_feedback(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
    limit: u64,
    offset: u64,
) -> Result<FeedbackPage, StoreError> {
    let (session_rowid, _) = session_key(conn, ns, session_id)?;
    let total: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM feedback WHERE session_rowid = ?1")?
        .query_row([session_rowid], |r| r.get(0))?;
    let (sql_limit, sql_offset) = sql_page(limit, offset);
    let mut stmt = conn.prepare_cached(
        "SELECT f.id, m.id, f.rating, f.feedback_text, f.stored, f.recorded_us \
         FROM feedback f JOIN messages m ON m.rowid = f.message_rowid \
         WHERE f.session_rowid = ?1 ORDER BY f.rowid DESC LIMIT ?2 OFFSET ?3",
    )?;
    let feedback = stmt
        .query_map(params![session_rowid, sql_limit, sql_offset], |r| {
            let rating: String = r.get(2)?;
            Ok(FeedbackRecord {
                feedback_id: r.get(0)?,
                session_id: session_id.to_string(),
                message_id: r.get(1)?,
                rating: Rating::parse(&rating).unwrap_or(Rating::Negative),
                feedback_text: r.get(3)?,
                stored: r.get(4)?,
                recorded_at: format_time(r.get(5)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let total = total.max(0) as u64;
    Ok(FeedbackPage {
        session_id: session_id.to_string(),
        has_more: offset.saturating_add(feedback.len() as u64) < total,
        feedback,
        total,
        limit,
        offset,
    })
}

/// One page of the exchanges stored to memory from a session, in conversation order.
pub(crate) fn list_memory(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
    limit: u64,
    offset: u64,
) -> Result<MemoryPage, StoreError> {
    let (session_rowid, _) = session_key(conn, ns, session_id)?;
    let total: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM memory WHERE session_rowid = ?1")?
        .query_row([session_rowid], |r| r.get(0))?;
    let (sql_limit, sql_offset) = sql_page(limit, offset);
    struct Row {
        memory_id: String,
        message_id: String,
        assistant_content: String,
        assistant_seq: i64,
        user_message_id: Option<String>,
        user_content: Option<String>,
        user_seq: Option<i64>,
        stored_us: i64,
    }
    let rows = conn
        .prepare_cached(
            "SELECT mem.id, a.id, a.content, a.seq, u.id, u.content, u.seq, mem.stored_us \
             FROM memory mem JOIN messages a ON a.rowid = mem.message_rowid \
             LEFT JOIN messages u ON u.rowid = mem.user_message_rowid \
             WHERE mem.session_rowid = ?1 ORDER BY a.seq LIMIT ?2 OFFSET ?3",
        )?
        .query_map(params![session_rowid, sql_limit, sql_offset], |r| {
            Ok(Row {
                memory_id: r.get(0)?,
                message_id: r.get(1)?,
                assistant_content: r.get(2)?,
                assistant_seq: r.get(3)?,
                user_message_id: r.get(4)?,
                user_content: r.get(5)?,
                user_seq: r.get(6)?,
                stored_us: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let context_sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_rowid = ?1 AND seq > ?2 AND seq < ?3 \
         ORDER BY seq"
    );
    let mut context_stmt = conn.prepare_cached(&context_sql)?;
    let mut memories = Vec::with_capacity(rows.len());
    for row in rows {
        let context = context_stmt
            .query_map(
                params![session_rowid, row.user_seq.unwrap_or(-1), row.assistant_seq],
                message_from_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        memories.push(MemoryEntry {
            memory_id: row.memory_id,
            session_id: session_id.to_string(),
            message_id: row.message_id,
            user_message_id: row.user_message_id,
            user_content: row.user_content,
            assistant_content: row.assistant_content,
            context,
            stored_at: format_time(row.stored_us),
        });
    }
    let total = total.max(0) as u64;
    Ok(MemoryPage {
        session_id: session_id.to_string(),
        has_more: offset.saturating_add(memories.len() as u64) < total,
        memories,
        total,
        limit,
        offset,
    })
}
