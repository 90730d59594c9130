//! Opening a database file: private from the start, a write-ahead log, and commits that survive power loss.

use super::SqliteError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// The per-connection settings only one user needs; [`Options::default`] suits the rest.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long a connection waits for another connection's (or process's) write lock.
    pub busy_timeout: Duration,
    /// How many statements `prepare_cached` keeps compiled per connection.
    pub statement_cache: usize,
    /// Keeps a cached statement's plan even when it looked at a bound value (as `LIMIT ?`
    /// does); otherwise SQLite compiles such a statement again on every run.
    pub stable_plans: bool,
    /// The connection's page cache in KiB; `None` keeps SQLite's default (2 MiB). The
    /// cache fills only as pages are read.
    pub page_cache_kib: Option<i64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            // Another verdict (a `verdict rate` beside the reviewer, `keys create` beside
            // `serve`) may hold the write lock for a moment.
            busy_timeout: Duration::from_secs(10),
            // rusqlite's own default.
            statement_cache: 16,
            stable_plans: false,
            page_cache_kib: None,
        }
    }
}

/// Opens the database at `path` read-write, creating it (and its directory) when missing.
/// A new file is private to its owner before SQLite writes a byte: transcripts, ratings
/// and key hashes are nobody else's business. Every connection gets the write-ahead log,
/// `synchronous=FULL` (an acknowledged commit survives power loss, not only a crash of
/// verdict), foreign keys, and `options`. Migrating is the caller's next step.
pub fn open(path: &Path, options: &Options) -> Result<Connection, SqliteError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| SqliteError::Dir {
            path: path.to_path_buf(),
            source,
        })?;
    }
    crate::fs::create_private_file(path).map_err(|source| SqliteError::Create {
        path: path.to_path_buf(),
        source,
    })?;
    let at = |e| SqliteError::at(path, e);
    let conn = Connection::open(path).map_err(at)?;
    configure(&conn, options).map_err(at)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(at)?;
    // Readers beside the writer, and commits that never rewrite the database file, both
    // depend on the log.
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(SqliteError::NoWal {
            path: path.to_path_buf(),
            mode,
        });
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(at)?;
    conn.pragma_update(None, "foreign_keys", true).map_err(at)?;
    Ok(conn)
}

/// A read-only connection to a database that [`open`] made, with the same `options`.
/// Opened without SQLite's mutex: the connection must stay on one thread at a time.
pub fn open_reader(path: &Path, options: &Options) -> Result<Connection, SqliteError> {
    let at = |e| SqliteError::at(path, e);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(at)?;
    configure(&conn, options).map_err(at)?;
    Ok(conn)
}

fn configure(conn: &Connection, options: &Options) -> rusqlite::Result<()> {
    conn.busy_timeout(options.busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(options.statement_cache);
    if options.stable_plans {
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
    }
    if let Some(kib) = options.page_cache_kib {
        conn.pragma_update(None, "cache_size", -kib)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_is_private_logged_and_durable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deeper").join("new.db");
        let conn = open(&path, &Options::default()).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let busy: i64 = conn
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
            .unwrap();
        assert_eq!(busy, 10_000);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_reader_sees_commits_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let conn = open(&path, &Options::default()).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (7);")
            .unwrap();
        let reader = open_reader(&path, &Options::default()).unwrap();
        let x: i64 = reader
            .query_row("SELECT x FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(x, 7);
        let err = reader.execute("INSERT INTO t VALUES (8)", []).unwrap_err();
        assert!(
            matches!(SqliteError::at(&path, err), SqliteError::Permission { .. }),
            "a read-only connection's write is a permission problem"
        );
    }

    #[test]
    fn a_file_that_is_not_a_database_is_called_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        std::fs::write(&path, "these are notes, not a database\n".repeat(64)).unwrap();
        let err = open(&path, &Options::default()).unwrap_err();
        assert!(matches!(err, SqliteError::Corrupt { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("notes.db") && text.contains("damaged"),
            "{text}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_verdict_may_not_write_is_a_permission_problem() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.db");
        drop(open(&path, &Options::default()).unwrap());
        let _ = std::fs::remove_file(path.with_extension("db-wal"));
        let _ = std::fs::remove_file(path.with_extension("db-shm"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        // Root writes anyway, so there is nothing to tell apart.
        if std::fs::OpenOptions::new().write(true).open(&path).is_ok() {
            return;
        }
        let conn = open(&path, &Options::default());
        let err = conn.and_then(|c| {
            c.execute_batch("CREATE TABLE t (x)")
                .map_err(|e| SqliteError::at(&path, e))
        });
        let err = err.unwrap_err();
        assert!(matches!(err, SqliteError::Permission { .. }), "{err}");
        assert!(err.to_string().contains("locked.db"), "{err}");
    }

    #[test]
    fn options_reach_every_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.db");
        let options = Options {
            busy_timeout: Duration::from_millis(250),
            statement_cache: 64,
            stable_plans: true,
            page_cache_kib: Some(4096),
        };
        let conn = open(&path, &options).unwrap();
        let reader = open_reader(&path, &options).unwrap();
        for c in [&conn, &reader] {
            let busy: i64 = c
                .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
                .unwrap();
            assert_eq!(busy, 250);
            let qpsg = c
                .db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG)
                .unwrap();
            assert!(qpsg);
            let cache: i64 = c.query_row("PRAGMA cache_size", [], |r| r.get(0)).unwrap();
            assert_eq!(cache, -4096, "a negative cache_size is KiB");
        }
    }
}
