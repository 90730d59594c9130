//! Many rows at once: sessions with all their messages for import and the demo, and the bulk load behind `verdict seed`.

use super::encode::new_id;
use super::{SESSION_LIFETIME_US, StoreError};
use crate::api::model::{AgentConfig, Rating, SessionStatus};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

/// A session to insert with all its messages.
#[derive(Debug, Clone)]
pub(crate) struct NewSession {
    /// Kept when no session has it yet; otherwise a new id is made.
    pub preferred_id: Option<String>,
    pub user_id: Option<String>,
    pub session_name: Option<String>,
    pub agent_config: AgentConfig,
    pub user_memory: Map<String, Value>,
    pub metadata: Map<String, Value>,
    pub quotas: Option<Value>,
    pub enable_memory: bool,
    pub status: SessionStatus,
    pub created_us: i64,
    pub messages: Vec<NewMessage>,
}

#[derive(Debug, Clone)]
pub(crate) struct NewMessage {
    /// Kept when no message has it yet; otherwise a new id is made.
    pub preferred_id: Option<String>,
    pub role: String,
    pub content: String,
    pub content_type: String,
    pub tool_name: Option<String>,
    pub tool_inputs: Option<String>,
    pub tool_outputs: Option<String>,
    pub tool_status: Option<String>,
    pub timestamp_us: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct InsertedSession {
    pub session_id: String,
    pub messages: usize,
}

/// Inserts a session and its messages. Call inside a transaction; many calls may share one.
pub(crate) fn insert_session(
    conn: &Connection,
    ns_rowid: i64,
    s: &NewSession,
) -> Result<InsertedSession, StoreError> {
    let session_id = match &s.preferred_id {
        Some(id) if !id.is_empty() && !row_exists(conn, "sessions", id)? => id.clone(),
        _ => new_id("ses")?,
    };
    let assistant = s.messages.iter().filter(|m| m.role == "assistant").count() as i64;
    let tool_calls = s
        .messages
        .iter()
        .filter(|m| m.content_type == "tool_call")
        .count() as i64;
    let last_activity = s
        .messages
        .iter()
        .map(|m| m.timestamp_us)
        .max()
        .unwrap_or(s.created_us)
        .max(s.created_us);
    let agent_config = serde_json::to_string(&s.agent_config).unwrap_or_else(|_| "{}".into());
    let user_memory = Value::Object(s.user_memory.clone()).to_string();
    let metadata = Value::Object(s.metadata.clone()).to_string();
    let quotas = s.quotas.as_ref().map(Value::to_string);
    let terminated = (s.status == SessionStatus::Terminated).then_some(last_activity);
    conn.prepare_cached(
        "INSERT INTO sessions (id, namespace_rowid, user_id, session_name, agent_config, \
         user_memory, metadata, quotas, enable_memory, status, message_count, tool_calls, \
         created_us, updated_us, last_activity_us, expires_us, terminated_us, \
         assistant_messages, rated_messages) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16, ?17, 0)",
    )?
    .execute(params![
        session_id,
        ns_rowid,
        s.user_id,
        s.session_name,
        agent_config,
        user_memory,
        metadata,
        quotas,
        s.enable_memory,
        s.status.as_str(),
        s.messages.len() as i64,
        tool_calls,
        s.created_us,
        last_activity,
        s.created_us + SESSION_LIFETIME_US,
        terminated,
        assistant,
    ])?;
    let session_rowid = conn.last_insert_rowid();
    let mut insert = conn.prepare_cached(
        "INSERT INTO messages (id, session_rowid, seq, role, content, content_type, tool_name, \
         tool_inputs, tool_outputs, tool_status, timestamp_us) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for (seq, m) in s.messages.iter().enumerate() {
        let id = match &m.preferred_id {
            Some(id) if !id.is_empty() && !row_exists(conn, "messages", id)? => id.clone(),
            _ => new_id("msg")?,
        };
        insert.execute(params![
            id,
            session_rowid,
            seq as i64,
            m.role,
            m.content,
            m.content_type,
            m.tool_name,
            m.tool_inputs,
            m.tool_outputs,
            m.tool_status,
            m.timestamp_us,
        ])?;
    }
    Ok(InsertedSession {
        session_id,
        messages: s.messages.len(),
    })
}

/// The namespace and row of the session with this id, if there is one.
pub(crate) fn find_session_row(
    conn: &Connection,
    id: &str,
) -> Result<Option<(i64, i64)>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT namespace_rowid, rowid FROM sessions WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Whether a stored session holds exactly these messages, in this order: role, content,
/// content type and tool fields, and the time of each message whose `times_given` is true
/// (times an import laid out itself differ from one run to the next and are not compared).
pub(crate) fn same_messages(
    conn: &Connection,
    session_rowid: i64,
    messages: &[NewMessage],
    times_given: &[bool],
) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT role, content, content_type, tool_name, tool_inputs, tool_outputs, \
         tool_status, timestamp_us FROM messages WHERE session_rowid = ?1 ORDER BY seq",
    )?;
    let mut rows = stmt.query([session_rowid])?;
    let mut i = 0usize;
    while let Some(r) = rows.next()? {
        let Some(m) = messages.get(i) else {
            return Ok(false);
        };
        let same = r.get::<_, String>(0)? == m.role
            && r.get::<_, String>(1)? == m.content
            && r.get::<_, String>(2)? == m.content_type
            && r.get::<_, Option<String>>(3)? == m.tool_name
            && r.get::<_, Option<String>>(4)? == m.tool_inputs
            && r.get::<_, Option<String>>(5)? == m.tool_outputs
            && r.get::<_, Option<String>>(6)? == m.tool_status
            && (!times_given.get(i).copied().unwrap_or(true)
                || r.get::<_, i64>(7)? == m.timestamp_us);
        if !same {
            return Ok(false);
        }
        i += 1;
    }
    Ok(i == messages.len())
}

/// Deletes a session with its messages, ratings and memory entries (for an import that
/// replaces it). Call inside a transaction.
pub(crate) fn delete_session(conn: &Connection, session_rowid: i64) -> Result<(), StoreError> {
    for table in ["memory", "feedback", "messages", "sessions"] {
        let column = if table == "sessions" {
            "rowid"
        } else {
            "session_rowid"
        };
        let sql = format!("DELETE FROM {table} WHERE {column} = ?1");
        conn.prepare_cached(&sql)?.execute([session_rowid])?;
    }
    Ok(())
}

fn row_exists(conn: &Connection, table: &'static str, id: &str) -> Result<bool, StoreError> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)");
    Ok(conn.prepare_cached(&sql)?.query_row([id], |r| r.get(0))?)
}

// ---------------------------------------------------------------- bulk load (seed)

/// A rating already given to a bulk-loaded assistant message.
#[derive(Debug, Clone)]
pub(crate) struct BulkRating {
    pub feedback_id: String,
    /// The id of the stored exchange, used when the rating puts it in memory.
    pub memory_id: String,
    pub rating: Rating,
    pub feedback_text: Option<String>,
    pub recorded_us: i64,
}

/// A message whose id is already chosen; see [`bulk_insert_sessions`].
#[derive(Debug, Clone)]
pub(crate) struct BulkMessage {
    pub id: String,
    pub role: &'static str,
    pub content: String,
    pub content_type: &'static str,
    pub tool_name: Option<&'static str>,
    pub tool_inputs: Option<String>,
    pub tool_outputs: Option<String>,
    pub tool_status: Option<&'static str>,
    pub timestamp_us: i64,
    pub rating: Option<BulkRating>,
}

/// A session whose id is already chosen, with its messages (and their ratings, if any).
#[derive(Debug, Clone)]
pub(crate) struct BulkSession {
    pub id: String,
    pub user_id: Option<String>,
    pub session_name: Option<String>,
    /// `AgentConfig` as JSON.
    pub agent_config: String,
    /// An object, as JSON.
    pub metadata: String,
    pub enable_memory: bool,
    pub status: SessionStatus,
    pub created_us: i64,
    pub messages: Vec<BulkMessage>,
}

/// Tunes a connection for loading many rows at once. Commits stop waiting for fsync
/// (WAL keeps each commit atomic, so a crash loses whole batches, never half of one);
/// [`finish_bulk_load`] makes everything durable at the end.
pub(crate) fn begin_bulk_load(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // 256 MiB of page cache keeps the id indices in memory while rows arrive in random id order.
    conn.pragma_update(None, "cache_size", -262_144)?;
    // Checkpoint every 64 MiB rather than every 4: fewer fsyncs of the database file, and
    // index pages changed many times between two checkpoints are copied once.
    conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
    super::defer_indexing(conn)?;
    Ok(())
}

/// Checkpoints the WAL into the database file with fsync, and restores durable commits.
pub(crate) fn finish_bulk_load(conn: &Connection) -> Result<(), StoreError> {
    super::catch_up_indexing(conn)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "wal_autocheckpoint", 1000)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Inserts sessions whose ids the caller chose (so no lookups are needed), with their
/// messages, ratings and stored exchanges, keeping every counter the way a live
/// server would. Call inside a transaction; ids must be new.
pub(crate) fn bulk_insert_sessions(
    conn: &Connection,
    ns_rowid: i64,
    sessions: &[BulkSession],
) -> Result<(), StoreError> {
    let mut insert_session = conn.prepare_cached(
        "INSERT INTO sessions (id, namespace_rowid, user_id, session_name, agent_config, \
         metadata, enable_memory, status, message_count, tool_calls, created_us, updated_us, \
         last_activity_us, expires_us, terminated_us, assistant_messages, rated_messages) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15, ?16)",
    )?;
    let mut insert_message = conn.prepare_cached(
        "INSERT INTO messages (id, session_rowid, seq, role, content, content_type, tool_name, \
         tool_inputs, tool_outputs, tool_status, timestamp_us, rating) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut insert_feedback = conn.prepare_cached(
        "INSERT INTO feedback (id, session_rowid, message_rowid, rating, feedback_text, stored, \
         recorded_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut insert_memory = conn.prepare_cached(
        "INSERT INTO memory (id, session_rowid, message_rowid, user_message_rowid, stored_us) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for s in sessions {
        let count = |pred: fn(&BulkMessage) -> bool| s.messages.iter().filter(|m| pred(m)).count();
        let assistant = count(|m| m.role == "assistant") as i64;
        let rated = count(|m| m.rating.is_some()) as i64;
        let tool_calls = count(|m| m.content_type == "tool_call") as i64;
        let last_activity = s
            .messages
            .iter()
            .map(|m| m.timestamp_us)
            .chain(
                s.messages
                    .iter()
                    .filter_map(|m| m.rating.as_ref().map(|r| r.recorded_us)),
            )
            .fold(s.created_us, i64::max);
        let terminated = (s.status == SessionStatus::Terminated).then_some(last_activity);
        insert_session.execute(params![
            s.id,
            ns_rowid,
            s.user_id,
            s.session_name,
            s.agent_config,
            s.metadata,
            s.enable_memory,
            s.status.as_str(),
            s.messages.len() as i64,
            tool_calls,
            s.created_us,
            last_activity,
            s.created_us + SESSION_LIFETIME_US,
            terminated,
            assistant,
            rated,
        ])?;
        let session_rowid = conn.last_insert_rowid();
        let mut last_user: Option<i64> = None;
        for (seq, m) in s.messages.iter().enumerate() {
            insert_message.execute(params![
                m.id,
                session_rowid,
                seq as i64,
                m.role,
                m.content,
                m.content_type,
                m.tool_name,
                m.tool_inputs,
                m.tool_outputs,
                m.tool_status,
                m.timestamp_us,
                m.rating.as_ref().map(|r| r.rating.as_str()),
            ])?;
            let message_rowid = conn.last_insert_rowid();
            if m.role == "user" {
                last_user = Some(message_rowid);
            }
            let Some(r) = &m.rating else { continue };
            let stored = r.rating == Rating::Positive && s.enable_memory;
            insert_feedback.execute(params![
                r.feedback_id,
                session_rowid,
                message_rowid,
                r.rating.as_str(),
                r.feedback_text,
                stored,
                r.recorded_us,
            ])?;
            if stored {
                insert_memory.execute(params![
                    r.memory_id,
                    session_rowid,
                    message_rowid,
                    last_user,
                    r.recorded_us,
                ])?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::encode::format_time;
    use super::super::messages::{history, history_json};
    use super::super::{ensure_namespace, get_session, open};
    use super::*;

    fn message(role: &str, content: &str, t: i64) -> NewMessage {
        NewMessage {
            preferred_id: None,
            role: role.to_string(),
            content: content.to_string(),
            content_type: "text".to_string(),
            tool_name: None,
            tool_inputs: None,
            tool_outputs: None,
            tool_status: None,
            timestamp_us: t,
        }
    }

    #[test]
    fn preferred_ids_are_kept_only_when_free() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("s.db")).unwrap();
        let (ns, created) = ensure_namespace(&conn, "n").unwrap();
        assert!(created);
        let mut s = NewSession {
            preferred_id: Some("ses_keep".into()),
            user_id: None,
            session_name: None,
            agent_config: AgentConfig::default(),
            user_memory: Map::new(),
            metadata: Map::new(),
            quotas: None,
            enable_memory: true,
            status: SessionStatus::Idle,
            created_us: 5,
            messages: vec![message("user", "hi", 7), message("assistant", "hello", 9)],
        };
        s.messages[0].preferred_id = Some("msg_keep".into());
        let first = insert_session(&conn, ns.rowid, &s).unwrap();
        let second = insert_session(&conn, ns.rowid, &s).unwrap();
        assert_eq!(first.session_id, "ses_keep");
        assert_ne!(second.session_id, "ses_keep");
        let h1 = history(&conn, &ns, &first.session_id, 10, 0).unwrap();
        for (limit, offset) in [(10, 0), (1, 0), (1, 1), (5, 7)] {
            let fast = history_json(&conn, &ns, &first.session_id, limit, offset).unwrap();
            let slow = history(&conn, &ns, &first.session_id, limit, offset).unwrap();
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&slow).unwrap()
            );
        }
        let h2 = history(&conn, &ns, &second.session_id, 10, 0).unwrap();
        assert_eq!(h1.messages[0].message_id, "msg_keep");
        assert_ne!(h2.messages[0].message_id, "msg_keep");
        let got = get_session(&conn, &ns, "ses_keep").unwrap();
        assert_eq!(got.last_activity_at, format_time(9));
        assert_eq!(got.review.unwrap().assistant_messages, 1);
    }
}
