//! Sessions: listing (offset and keyset pages), reading, creating, patching user memory and terminating.

use super::bulk::{NewSession, insert_session};
use super::encode::{format_time, now_us};
use super::tenancy::NamespaceRow;
use super::{SESSION_LIFETIME_US, StoreError};
use crate::api::model::{
    CreateSessionRequest, CreateSessionResponse, GetSessionResponse, PatchSessionResponse,
    ReviewStats, SessionStats, SessionStatus, TerminateSessionResponse,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

pub(super) const SESSION_COLUMNS: &str = "id, user_id, session_name, agent_config, user_memory, status, \
    message_count, tool_calls, created_us, updated_us, last_activity_us, expires_us, \
    assistant_messages, rated_messages";

fn session_from_row(
    ns: &NamespaceRow,
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<GetSessionResponse> {
    let agent_config: String = r.get(3)?;
    let user_memory: String = r.get(4)?;
    let status: String = r.get(5)?;
    let message_count: i64 = r.get(6)?;
    let tool_calls: i64 = r.get(7)?;
    let assistant_messages: i64 = r.get(12)?;
    let rated_messages: i64 = r.get(13)?;
    Ok(GetSessionResponse {
        session_id: r.get(0)?,
        namespace_id: ns.id.clone(),
        internal_id: ns.internal_id.clone(),
        user_id: r.get(1)?,
        session_name: r.get(2)?,
        agent_config: serde_json::from_str(&agent_config).unwrap_or_default(),
        user_memory: serde_json::from_str(&user_memory).unwrap_or_default(),
        status: SessionStatus::parse(&status).unwrap_or(SessionStatus::Active),
        message_count: message_count as u64,
        stats: SessionStats {
            total_messages: message_count as u64,
            total_tokens: 0,
            total_tool_calls: tool_calls as u64,
            avg_latency_ms: 0.0,
        },
        created_at: format_time(r.get(8)?),
        updated_at: format_time(r.get(9)?),
        last_activity_at: format_time(r.get(10)?),
        expires_at: format_time(r.get(11)?),
        review: Some(ReviewStats {
            assistant_messages: assistant_messages as u64,
            rated_messages: rated_messages as u64,
        }),
    })
}

/// Which sessions a list request wants, already validated.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionFilter {
    pub status: Option<SessionStatus>,
    pub user_id: Option<String>,
    pub session_name: Option<String>,
    pub enable_memory: Option<bool>,
}

/// What a list can be ordered by: a column and whether it is ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionOrder {
    pub field: SortField,
    pub ascending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortField {
    LastActivity,
    Created,
    Updated,
    MessageCount,
}

impl SortField {
    pub(crate) const NAMES: [(&'static str, SortField); 4] = [
        ("last_activity_at", SortField::LastActivity),
        ("created_at", SortField::Created),
        ("updated_at", SortField::Updated),
        ("message_count", SortField::MessageCount),
    ];

    fn column(self) -> &'static str {
        match self {
            SortField::LastActivity => "last_activity_us",
            SortField::Created => "created_us",
            SortField::Updated => "updated_us",
            SortField::MessageCount => "message_count",
        }
    }
}

impl Default for SessionOrder {
    fn default() -> Self {
        SessionOrder {
            field: SortField::LastActivity,
            ascending: false,
        }
    }
}

/// Where a keyset page of the session list resumes: just after the session with this
/// sort value and id, in the order the cursor was made for. Sent to clients as an opaque
/// string, so its encoding can change without breaking anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListCursor {
    pub order: SessionOrder,
    pub value: i64,
    pub session_id: String,
}

impl ListCursor {
    const VERSION: &'static str = "c1";

    /// Hex of `c1 \n field \n a|d \n value \n session id`: URL-safe whatever the id holds.
    pub(crate) fn encode(&self) -> String {
        let field = SortField::NAMES
            .iter()
            .find(|(_, f)| *f == self.order.field)
            .map_or("last_activity_at", |(n, _)| n);
        let dir = if self.order.ascending { "a" } else { "d" };
        let plain = format!(
            "{}\n{field}\n{dir}\n{}\n{}",
            Self::VERSION,
            self.value,
            self.session_id
        );
        plain.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// `None` for anything [`ListCursor::encode`] did not make.
    pub(crate) fn decode(s: &str) -> Option<ListCursor> {
        if !s.len().is_multiple_of(2) || s.len() > 2048 {
            return None;
        }
        let bytes = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let plain = String::from_utf8(bytes).ok()?;
        let mut parts = plain.splitn(5, '\n');
        if parts.next()? != Self::VERSION {
            return None;
        }
        let field = parts.next()?;
        let field = SortField::NAMES.iter().find(|(n, _)| *n == field)?.1;
        let ascending = match parts.next()? {
            "a" => true,
            "d" => false,
            _ => return None,
        };
        let value = parts.next()?.parse().ok()?;
        let session_id = parts.next()?.to_string();
        if session_id.is_empty() {
            return None;
        }
        Some(ListCursor {
            order: SessionOrder { field, ascending },
            value,
            session_id,
        })
    }
}

/// Where a page of the session list starts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PageAt<'a> {
    Offset(u64),
    After(&'a ListCursor),
}

/// One page of sessions, how many match in all, and the cursor of the next page.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct SessionPage {
    pub sessions: Vec<GetSessionResponse>,
    pub total: u64,
    /// `None` on the last page.
    pub next: Option<ListCursor>,
}

/// One page of sessions. Ties on the sort column are broken by rowid, so every session
/// has one place in the order; a cursor page seeks the index straight to its place, so
/// it costs the same at any depth. `Ok(None)` when the cursor's session is not in this
/// namespace (a cursor made elsewhere).
#[cfg(test)]
pub(crate) fn list_sessions(
    conn: &Connection,
    ns: &NamespaceRow,
    filter: &SessionFilter,
    order: SessionOrder,
    limit: u64,
    at: PageAt<'_>,
) -> Result<Option<SessionPage>, StoreError> {
    let mut sessions = Vec::new();
    let Some((total, next)) = page_rows(conn, ns, filter, order, limit, at, false, |r| {
        sessions.push(session_from_row(ns, r)?);
        Ok(())
    })?
    else {
        return Ok(None);
    };
    Ok(Some(SessionPage {
        sessions,
        total,
        next,
    }))
}

/// The rows of one page of the list, each handed to `each` (at most `limit` of them),
/// with the count of matching sessions and the next page's cursor. `Ok(None)` when the
/// cursor's session is not in this namespace. `kept_count`: the count may come from
/// [`super::list_count`] (only for a connection that lives as long as its thread).
#[allow(clippy::too_many_arguments)]
pub(super) fn page_rows(
    conn: &Connection,
    ns: &NamespaceRow,
    filter: &SessionFilter,
    order: SessionOrder,
    limit: u64,
    at: PageAt<'_>,
    kept_count: bool,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
) -> Result<Option<(u64, Option<ListCursor>)>, StoreError> {
    let mut clause = String::from("namespace_rowid = ?1");
    let mut args: Vec<SqlValue> = vec![SqlValue::Integer(ns.rowid)];
    if let Some(status) = filter.status {
        args.push(SqlValue::Text(status.as_str().to_string()));
        clause.push_str(&format!(" AND status = ?{}", args.len()));
    }
    if let Some(user) = &filter.user_id {
        args.push(SqlValue::Text(user.clone()));
        clause.push_str(&format!(" AND user_id = ?{}", args.len()));
    }
    if let Some(name) = &filter.session_name {
        args.push(SqlValue::Text(name.clone()));
        clause.push_str(&format!(" AND session_name = ?{}", args.len()));
    }
    if let Some(mem) = filter.enable_memory {
        args.push(SqlValue::Integer(i64::from(mem)));
        clause.push_str(&format!(" AND enable_memory = ?{}", args.len()));
    }
    let total = if kept_count {
        super::list_count::count(conn, ns.rowid, &clause, &args)?
    } else {
        super::list_count::count_now(conn, &clause, &args)?
    };
    let col = order.field.column();
    let dir = if order.ascending { "ASC" } else { "DESC" };
    let offset = match at {
        PageAt::Offset(offset) => offset,
        PageAt::After(cursor) => {
            let rowid: Option<i64> = conn
                .prepare_cached(
                    "SELECT rowid FROM sessions WHERE id = ?1 AND namespace_rowid = ?2",
                )?
                .query_row(params![cursor.session_id, ns.rowid], |r| r.get(0))
                .optional()?;
            let Some(rowid) = rowid else {
                return Ok(None);
            };
            // A row value comparison: SQLite seeks the (namespace, column, rowid) index.
            let cmp = if order.ascending { ">" } else { "<" };
            args.push(SqlValue::Integer(cursor.value));
            args.push(SqlValue::Integer(rowid));
            clause.push_str(&format!(
                " AND ({col}, rowid) {cmp} (?{}, ?{})",
                args.len() - 1,
                args.len()
            ));
            0
        }
    };
    // One row more than asked tells whether another page follows.
    let sql = format!(
        "SELECT {SESSION_COLUMNS}, {col} FROM sessions WHERE {clause} \
         ORDER BY {col} {dir}, rowid {dir} LIMIT ?{l} OFFSET ?{o}",
        l = args.len() + 1,
        o = args.len() + 2,
    );
    args.push(SqlValue::Integer(limit.saturating_add(1) as i64));
    args.push(SqlValue::Integer(offset as i64));
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
    let mut returned = 0u64;
    let mut last: Option<(i64, String)> = None;
    let mut more = false;
    while let Some(r) = rows.next()? {
        if returned == limit {
            more = true;
            break;
        }
        returned += 1;
        each(r)?;
        if returned == limit {
            last = Some((r.get(SORT_VALUE_COLUMN)?, r.get(0)?));
        }
    }
    let next = match last {
        Some((value, session_id)) if more => Some(ListCursor {
            order,
            value,
            session_id,
        }),
        _ => None,
    };
    Ok(Some((total, next)))
}

/// Where the sort column lands after [`SESSION_COLUMNS`] in a list query.
pub(super) const SORT_VALUE_COLUMN: usize = 14;

pub(crate) fn get_session(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
) -> Result<GetSessionResponse, StoreError> {
    let sql =
        format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1 AND namespace_rowid = ?2");
    conn.prepare_cached(&sql)?
        .query_row(params![session_id, ns.rowid], |r| session_from_row(ns, r))
        .optional()?
        .ok_or_else(|| StoreError::not_found("session", session_id))
}

/// The session's rowid and message count, if it is in this namespace.
pub(super) fn session_key(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
) -> Result<(i64, i64), StoreError> {
    conn.prepare_cached(
        "SELECT rowid, message_count FROM sessions WHERE id = ?1 AND namespace_rowid = ?2",
    )?
    .query_row(params![session_id, ns.rowid], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()?
    .ok_or_else(|| StoreError::not_found("session", session_id))
}

pub(crate) fn create_session(
    conn: &Connection,
    ns: &NamespaceRow,
    req: &CreateSessionRequest,
) -> Result<CreateSessionResponse, StoreError> {
    let now = now_us();
    let session_name = req
        .metadata
        .get("session_name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let new = NewSession {
        preferred_id: None,
        user_id: req.user_id.clone(),
        session_name: session_name.clone(),
        agent_config: req.agent_config.clone(),
        user_memory: req.user_memory.clone(),
        metadata: req.metadata.clone(),
        quotas: req
            .quotas
            .as_ref()
            .and_then(|q| serde_json::to_value(q).ok()),
        enable_memory: req.enable_memory,
        status: SessionStatus::Active,
        created_us: now,
        messages: Vec::new(),
    };
    let inserted = insert_session(conn, ns.rowid, &new)?;
    Ok(CreateSessionResponse {
        session_id: inserted.session_id,
        namespace_id: ns.id.clone(),
        internal_id: ns.internal_id.clone(),
        session_name,
        status: SessionStatus::Active,
        created_at: format_time(now),
        expires_at: format_time(now + SESSION_LIFETIME_US),
    })
}

/// Replaces a session's user memory. `updated_at` moves; the last activity does not.
pub(crate) fn patch_session(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
    user_memory: &Map<String, Value>,
) -> Result<PatchSessionResponse, StoreError> {
    let memory = Value::Object(user_memory.clone()).to_string();
    let updated: i64 = conn
        .prepare_cached(
            "UPDATE sessions SET user_memory = ?1, updated_us = ?2 \
             WHERE id = ?3 AND namespace_rowid = ?4 RETURNING updated_us",
        )?
        .query_row(params![memory, now_us(), session_id, ns.rowid], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| StoreError::not_found("session", session_id))?;
    Ok(PatchSessionResponse {
        session_id: session_id.to_string(),
        updated_at: format_time(updated),
    })
}

pub(crate) fn terminate_session(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
) -> Result<TerminateSessionResponse, StoreError> {
    let now = now_us();
    let terminated: i64 = conn
        .prepare_cached(
            "UPDATE sessions SET status = 'terminated', updated_us = ?1, \
             terminated_us = coalesce(terminated_us, ?1) \
             WHERE id = ?2 AND namespace_rowid = ?3 RETURNING terminated_us",
        )?
        .query_row(params![now, session_id, ns.rowid], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::not_found("session", session_id))?;
    Ok(TerminateSessionResponse {
        session_id: session_id.to_string(),
        status: SessionStatus::Terminated,
        terminated_at: format_time(terminated),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_cursors_round_trip_and_refuse_anything_else() {
        let c = ListCursor {
            order: SessionOrder {
                field: SortField::Created,
                ascending: true,
            },
            value: -42,
            session_id: "ses_odd id\nwith a newline".into(),
        };
        let s = c.encode();
        assert!(s.bytes().all(|b| b.is_ascii_hexdigit()), "{s}");
        assert_eq!(ListCursor::decode(&s), Some(c));
        for bad in ["", "z", "6", "6869", "é1", "63320a"] {
            assert_eq!(ListCursor::decode(bad), None, "{bad:?}");
        }
    }
}
