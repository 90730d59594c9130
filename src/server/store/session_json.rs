//! A page of the session list as JSON, written straight from the rows: byte for byte
//! what serializing its `ListSessionsResponse` gives, without a struct, a parsed
//! `agent_config` and `user_memory`, and their strings per session. The settings are
//! parsed and written again only when they differ from the row before (sessions share
//! them: most rows reuse the bytes of the last), so a stored value that is not what
//! the contract says still comes out as the struct path makes it.

use super::StoreError;
use super::encode::{push_json_str, write_time};
use super::sessions::{ListCursor, PageAt, SessionFilter, SessionOrder, page_rows};
use super::tenancy::NamespaceRow;
use crate::api::model::{AgentConfig, SessionStatus};
use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::io::Write;

/// One page as `ListSessionsResponse` JSON. `pagination` is given the count of matching
/// sessions, whether a page follows and how many rows this one holds, and returns the
/// free-form `pagination` object. `Ok(None)` when the cursor's session is not in this
/// namespace. Meant for the server's reader connections (the count is kept between
/// pages while nothing changes, see [`super::list_count`]).
pub(crate) fn list_sessions_json(
    conn: &Connection,
    ns: &NamespaceRow,
    filter: &SessionFilter,
    order: SessionOrder,
    limit: u64,
    at: PageAt<'_>,
    pagination: impl FnOnce(u64, Option<&ListCursor>, u64) -> Map<String, Value>,
) -> Result<Option<Vec<u8>>, StoreError> {
    let mut out: Vec<u8> = Vec::with_capacity(64 + 640 * limit.min(1000) as usize);
    out.extend_from_slice(b"{\"results\":[");
    let mut returned = 0u64;
    let mut config = Memo::default();
    let mut memory = Memo::default();
    let head = Head::new(ns);
    let Some((total, next)) = page_rows(conn, ns, filter, order, limit, at, true, |r| {
        if returned > 0 {
            out.push(b',');
        }
        returned += 1;
        write_row(&mut out, &head, &mut config, &mut memory, r)
    })?
    else {
        return Ok(None);
    };
    let pagination = pagination(total, next.as_ref(), returned);
    write!(out, "],\"total\":{total},\"pagination\":")
        .map_err(|e| StoreError::Task(e.to_string()))?;
    serde_json::to_writer(&mut out, &pagination)
        .map_err(|e| StoreError::Task(format!("cannot encode JSON: {e}")))?;
    out.push(b'}');
    Ok(Some(out))
}

/// The namespace's part of every row, encoded once.
struct Head {
    namespace: Vec<u8>,
}

impl Head {
    fn new(ns: &NamespaceRow) -> Head {
        let mut namespace = b",\"namespace_id\":".to_vec();
        push_json_str(&mut namespace, &ns.id);
        namespace.extend_from_slice(b",\"internal_id\":");
        push_json_str(&mut namespace, &ns.internal_id);
        Head { namespace }
    }
}

/// The last stored settings seen and their JSON as the struct path writes it.
#[derive(Default)]
struct Memo {
    stored: String,
    json: Vec<u8>,
    set: bool,
}

impl Memo {
    /// Writes `stored` as `T` would be written after reading it (the default when it
    /// cannot be read), reusing the last bytes when the stored text is the same.
    fn push<T: DeserializeOwned + Serialize + Default>(
        &mut self,
        out: &mut Vec<u8>,
        stored: &str,
    ) -> rusqlite::Result<()> {
        if !self.set || self.stored != stored {
            let value: T = serde_json::from_str(stored).unwrap_or_default();
            self.json.clear();
            serde_json::to_writer(&mut self.json, &value)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            self.stored.clear();
            self.stored.push_str(stored);
            self.set = true;
        }
        out.extend_from_slice(&self.json);
        Ok(())
    }
}

fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    r.get_ref(i)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn optional_text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
    r.get_ref(i)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// One session, as `GetSessionResponse` serializes (the columns of `SESSION_COLUMNS`).
fn write_row(
    out: &mut Vec<u8>,
    head: &Head,
    config: &mut Memo,
    memory: &mut Memo,
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<()> {
    let io = |e: std::io::Error| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
    out.extend_from_slice(b"{\"session_id\":");
    push_json_str(out, text(r, 0)?);
    out.extend_from_slice(&head.namespace);
    for (i, name) in [(1, "user_id"), (2, "session_name")] {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
        match optional_text(r, i)? {
            Some(v) => push_json_str(out, v),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b",\"agent_config\":");
    config.push::<AgentConfig>(out, text(r, 3)?)?;
    out.extend_from_slice(b",\"user_memory\":");
    memory.push::<Map<String, Value>>(out, text(r, 4)?)?;
    let status = SessionStatus::parse(text(r, 5)?).unwrap_or(SessionStatus::Active);
    let message_count = r.get::<_, i64>(6)? as u64;
    let tool_calls = r.get::<_, i64>(7)? as u64;
    write!(
        out,
        ",\"status\":\"{}\",\"message_count\":{message_count},\"stats\":{{\"total_messages\":{message_count},\"total_tokens\":0,\"total_tool_calls\":{tool_calls},\"avg_latency_ms\":0.0}}",
        status.as_str()
    )
    .map_err(io)?;
    for (i, name) in [
        (8, "created_at"),
        (9, "updated_at"),
        (10, "last_activity_at"),
        (11, "expires_at"),
    ] {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":\"");
        write_time(out, r.get(i)?);
        out.push(b'"');
    }
    let assistant = r.get::<_, i64>(12)? as u64;
    let rated = r.get::<_, i64>(13)? as u64;
    write!(
        out,
        ",\"review\":{{\"assistant_messages\":{assistant},\"rated_messages\":{rated}}}}}"
    )
    .map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::ListSessionsResponse;
    use crate::server::store::SortField;
    use crate::server::store::sessions::list_sessions;

    fn page_json(
        conn: &Connection,
        ns: &NamespaceRow,
        filter: &SessionFilter,
        order: SessionOrder,
        limit: u64,
        at: PageAt<'_>,
    ) -> (Vec<u8>, Option<ListCursor>) {
        let mut cursor = None;
        let json = list_sessions_json(conn, ns, filter, order, limit, at, |total, next, _| {
            cursor = next.cloned();
            let mut p = Map::new();
            p.insert("total".into(), total.into());
            p
        })
        .unwrap()
        .unwrap();
        (json, cursor)
    }

    #[test]
    fn pages_written_straight_match_the_struct_path_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let opts = crate::server::seed::SeedOptions {
            namespace: "t".into(),
            sessions: 40,
            messages: 4,
        };
        crate::server::seed::seed(&db, &opts).unwrap();
        let conn = super::super::open(&db).unwrap();
        // Odd rows: no user, a name needing escapes, settings that are not what the
        // contract says, settings that differ from row to row, an unknown status.
        conn.execute_batch(
            "UPDATE sessions SET user_id = NULL, session_name = 'a \"q\" \u{7}\u{e9}\u{1F600}\n' \
               WHERE rowid % 3 = 0;
             UPDATE sessions SET agent_config = 'not json', user_memory = '[1]' WHERE rowid % 5 = 0;
             UPDATE sessions SET agent_config = '{\"model\":\"m' || rowid || '\"}', \
               user_memory = '{\"k\":' || rowid || '}' WHERE rowid % 7 = 0;
             UPDATE sessions SET status = 'odd', message_count = -3 WHERE rowid % 11 = 0;",
        )
        .unwrap();
        let ns: NamespaceRow = conn
            .query_row(
                "SELECT n.rowid, n.id, n.org_rowid, o.internal_id FROM namespaces n \
                 JOIN orgs o ON o.rowid = n.org_rowid",
                [],
                |r| {
                    Ok(NamespaceRow {
                        rowid: r.get(0)?,
                        id: r.get(1)?,
                        org_rowid: r.get(2)?,
                        internal_id: r.get(3)?,
                    })
                },
            )
            .unwrap();
        let filter = SessionFilter::default();
        let order = SessionOrder {
            field: SortField::NAMES[0].1,
            ascending: false,
        };
        let mut at_cursor: Option<ListCursor> = None;
        let mut pages = 0;
        loop {
            let at = match &at_cursor {
                Some(c) => PageAt::After(c),
                None => PageAt::Offset(0),
            };
            let (json, next) = page_json(&conn, &ns, &filter, order, 7, at);
            let page = list_sessions(&conn, &ns, &filter, order, 7, at)
                .unwrap()
                .unwrap();
            let mut p = Map::new();
            p.insert("total".into(), page.total.into());
            let expected = serde_json::to_vec(&ListSessionsResponse {
                results: page.sessions,
                total: page.total,
                pagination: p,
            })
            .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&json),
                String::from_utf8_lossy(&expected)
            );
            assert_eq!(next, page.next);
            pages += 1;
            match next {
                Some(c) => at_cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(pages, 6);
    }
}
