//! Organisations, their API keys (stored as sha256 only), and their namespaces.

use super::StoreError;
use super::encode::{new_id, now_us};
use rusqlite::{Connection, OptionalExtension, params};

/// A namespace and the organisation that owns it.
#[derive(Debug, Clone)]
pub(crate) struct NamespaceRow {
    pub rowid: i64,
    pub id: String,
    pub org_rowid: i64,
    pub internal_id: String,
}

/// The organisation a key (given as its sha256) belongs to.
pub(crate) fn find_key_org(conn: &Connection, key_hash: &[u8]) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT org_rowid FROM api_keys WHERE key_hash = ?1")?
        .query_row([key_hash], |r| r.get(0))
        .optional()?)
}

const NAMESPACE_COLUMNS: &str = "n.rowid, n.id, n.org_rowid, o.internal_id FROM namespaces n JOIN orgs o ON o.rowid = n.org_rowid";

fn namespace_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<NamespaceRow> {
    Ok(NamespaceRow {
        rowid: r.get(0)?,
        id: r.get(1)?,
        org_rowid: r.get(2)?,
        internal_id: r.get(3)?,
    })
}

/// The namespace named (or with the `ns_` id) `name_or_id`, if `org` owns it.
pub(crate) fn find_namespace(
    conn: &Connection,
    org: i64,
    name_or_id: &str,
) -> Result<Option<NamespaceRow>, StoreError> {
    let sql = format!(
        "SELECT {NAMESPACE_COLUMNS} WHERE n.org_rowid = ?1 AND (n.id = ?2 OR n.name = ?2) \
         ORDER BY n.id = ?2 DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![org, name_or_id], namespace_row)
        .optional()?)
}

fn namespace_by_name(conn: &Connection, name: &str) -> Result<Option<NamespaceRow>, StoreError> {
    let sql = format!("SELECT {NAMESPACE_COLUMNS} WHERE n.name = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([name], namespace_row)
        .optional()?)
}

/// The namespace `name`, created with a new organisation when it does not exist.
/// Returns whether it was created. Call inside a transaction.
pub(crate) fn ensure_namespace(
    conn: &Connection,
    name: &str,
) -> Result<(NamespaceRow, bool), StoreError> {
    if let Some(ns) = namespace_by_name(conn, name)? {
        return Ok((ns, false));
    }
    let now = now_us();
    let internal_id = new_id("int")?;
    conn.prepare_cached("INSERT INTO orgs (internal_id, created_us) VALUES (?1, ?2)")?
        .execute(params![internal_id, now])?;
    let org_rowid = conn.last_insert_rowid();
    let id = new_id("ns")?;
    conn.prepare_cached(
        "INSERT INTO namespaces (id, name, org_rowid, created_us) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, name, org_rowid, now])?;
    Ok((
        NamespaceRow {
            rowid: conn.last_insert_rowid(),
            id,
            org_rowid,
            internal_id,
        },
        true,
    ))
}

/// Stores a key for `org` by its sha256; the key itself is never written.
pub(crate) fn insert_key(conn: &Connection, org: i64, key_hash: &[u8]) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO api_keys (key_hash, org_rowid, created_us) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![key_hash, org, now_us()])?;
    Ok(())
}

/// How many sessions the namespace holds.
pub(crate) fn count_sessions(conn: &Connection, ns_rowid: i64) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM sessions WHERE namespace_rowid = ?1")?
        .query_row([ns_rowid], |r| r.get(0))?;
    Ok(n as u64)
}
