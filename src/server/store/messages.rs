//! A session's messages, oldest first: the history page, written straight out as JSON on the hot read path.

use super::StoreError;
use super::encode::{format_time, push_json_str, write_time};
use super::sessions::session_key;
use super::tenancy::NamespaceRow;
use crate::api::model::MessageHistoryItem;
use rusqlite::{Connection, params};

pub(super) const MESSAGE_COLUMNS: &str = "id, role, content, content_type, tool_name, tool_inputs, \
    tool_outputs, tool_status, timestamp_us";

pub(super) fn message_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageHistoryItem> {
    Ok(MessageHistoryItem {
        message_id: r.get(0)?,
        role: r.get(1)?,
        content: r.get(2)?,
        content_type: r.get(3)?,
        tool_name: r.get(4)?,
        tool_inputs: r.get(5)?,
        tool_outputs: r.get(6)?,
        tool_status: r.get(7)?,
        timestamp: format_time(r.get(8)?),
    })
}

/// One page of a session's messages, oldest first, as a struct: the plain version that
/// [`history_json`] must match.
#[cfg(test)]
pub(super) fn history(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
    limit: u64,
    offset: u64,
) -> Result<crate::api::model::GetHistoryResponse, StoreError> {
    let (session_rowid, total) = session_key(conn, ns, session_id)?;
    let total = total.max(0) as u64;
    // seq numbers a session's messages 0..n, so an offset is a seek, not a scan.
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_rowid = ?1 AND seq >= ?2 \
         ORDER BY seq LIMIT ?3"
    );
    let offset_arg = i64::try_from(offset).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql)?;
    let messages = stmt
        .query_map(
            params![session_rowid, offset_arg, limit as i64],
            message_from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let returned = messages.len() as u64;
    Ok(crate::api::model::GetHistoryResponse {
        session_id: session_id.to_string(),
        messages,
        total_messages: total,
        returned_messages: returned,
        has_more: offset.saturating_add(returned) < total,
    })
}

/// [`history`] as JSON, written straight from the rows: byte for byte what serializing
/// its `GetHistoryResponse` gives, without building a struct and strings per message.
/// History pages are the hot read path.
pub(crate) fn history_json(
    conn: &Connection,
    ns: &NamespaceRow,
    session_id: &str,
    limit: u64,
    offset: u64,
) -> Result<Vec<u8>, StoreError> {
    use std::io::Write;
    let (session_rowid, total) = session_key(conn, ns, session_id)?;
    let total = total.max(0) as u64;
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_rowid = ?1 AND seq >= ?2 \
         ORDER BY seq LIMIT ?3"
    );
    let offset_arg = i64::try_from(offset).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![session_rowid, offset_arg, limit as i64])?;
    let mut out: Vec<u8> = Vec::with_capacity(256 + 512 * limit.min(200) as usize);
    let column =
        |e: rusqlite::types::FromSqlError| StoreError::Task(format!("bad message row: {e}"));
    out.extend_from_slice(b"{\"session_id\":");
    push_json_str(&mut out, session_id);
    out.extend_from_slice(b",\"messages\":[");
    let mut returned = 0u64;
    while let Some(r) = rows.next()? {
        if returned > 0 {
            out.push(b',');
        }
        returned += 1;
        for (i, name) in [
            (0, "message_id"),
            (1, "role"),
            (2, "content"),
            (3, "content_type"),
        ] {
            out.extend_from_slice(if i == 0 { b"{\"" } else { b",\"" });
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            push_json_str(&mut out, r.get_ref(i)?.as_str().map_err(column)?);
        }
        for (i, name) in [
            (4, "tool_name"),
            (5, "tool_inputs"),
            (6, "tool_outputs"),
            (7, "tool_status"),
        ] {
            if let Some(v) = r.get_ref(i)?.as_str_or_null().map_err(column)? {
                out.extend_from_slice(b",\"");
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"\":");
                push_json_str(&mut out, v);
            }
        }
        out.extend_from_slice(b",\"timestamp\":\"");
        write_time(&mut out, r.get(8)?);
        out.extend_from_slice(b"\"}");
    }
    let has_more = offset.saturating_add(returned) < total;
    write!(
        out,
        "],\"total_messages\":{total},\"returned_messages\":{returned},\"has_more\":{has_more}}}"
    )
    .map_err(|e| StoreError::Task(e.to_string()))?;
    Ok(out)
}
