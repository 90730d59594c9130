//! How many sessions match a list request, counted once per change of the database
//! rather than on every page: a walk through 100,000 sessions by pages of 1,000 would
//! otherwise count them a hundred times.
//!
//! The count is kept per read connection (each lives on its own reader thread, for the
//! thread's life) with the connection's `PRAGMA data_version`, which changes whenever
//! another connection commits: a count is used only while nothing has been committed
//! since it was taken, so it is always the count a fresh `count(*)` would give.

use super::StoreError;
use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use std::cell::RefCell;
use std::collections::HashMap;

/// Counts kept at most, per reader thread; past it the oldest are forgotten all at once.
const KEPT: usize = 64;

#[derive(Default)]
struct Counts {
    /// The connection the counts were taken on (its address) and its data version.
    at: Option<(usize, i64)>,
    /// The filter clause and its arguments, rendered, to the count.
    counts: HashMap<String, u64>,
}

thread_local! {
    static COUNTS: RefCell<Counts> = RefCell::new(Counts::default());
}

/// `SELECT count(*) FROM sessions WHERE {clause}` with `args`, from the kept count when
/// nothing was committed since it was taken on this connection.
pub(super) fn count(
    conn: &Connection,
    ns_rowid: i64,
    clause: &str,
    args: &[SqlValue],
) -> Result<u64, StoreError> {
    let version: i64 = conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?;
    let at = (std::ptr::from_ref(conn) as usize, version);
    let key = format!("{ns_rowid}\u{0}{clause}\u{0}{args:?}");
    let kept = COUNTS.with_borrow_mut(|c| {
        if c.at != Some(at) {
            c.at = Some(at);
            c.counts.clear();
        }
        c.counts.get(&key).copied()
    });
    if let Some(n) = kept {
        return Ok(n);
    }
    let n = count_now(conn, clause, args)?;
    COUNTS.with_borrow_mut(|c| {
        if c.at == Some(at) {
            if c.counts.len() >= KEPT {
                c.counts.clear();
            }
            c.counts.insert(key, n);
        }
    });
    Ok(n)
}

/// The count, counted now.
pub(super) fn count_now(
    conn: &Connection,
    clause: &str,
    args: &[SqlValue],
) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM sessions WHERE {clause}"))?
        .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
    Ok(n.max(0) as u64)
}
