//! One migration runner: numbered steps, each in its own transaction, counted in `PRAGMA user_version`.

use super::SqliteError;
use rusqlite::Connection;
use std::path::Path;

/// The schema version of the file: how many migrations it has had.
pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the schema up to date. Step `i` of `migrations` takes version `i` to `i + 1`;
/// each runs in a transaction of its own. A file from a newer build, or with a version
/// no build writes, is refused with a sentence naming `path`.
pub fn migrate(conn: &Connection, path: &Path, migrations: &[&str]) -> Result<(), SqliteError> {
    migrate_to(conn, path, migrations, known(migrations))
}

/// [`migrate`], stopping at version `target`: how a test builds an old file to upgrade.
pub fn migrate_to(
    conn: &Connection,
    path: &Path,
    migrations: &[&str],
    target: i64,
) -> Result<(), SqliteError> {
    let at = |e| SqliteError::at(path, e);
    let found = schema_version(conn).map_err(at)?;
    let known = known(migrations);
    if found > known {
        return Err(SqliteError::TooNew {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    for version in found..target {
        let Some(step) = usize::try_from(version)
            .ok()
            .and_then(|v| migrations.get(v))
        else {
            return Err(SqliteError::Foreign {
                path: path.to_path_buf(),
                found,
            });
        };
        conn.execute_batch("BEGIN IMMEDIATE").map_err(at)?;
        // Another process may have migrated while this one waited for the lock.
        let now = schema_version(conn).map_err(at)?;
        if now > version {
            conn.execute_batch("COMMIT").map_err(at)?;
            continue;
        }
        let result = conn
            .execute_batch(step)
            .and_then(|()| conn.pragma_update(None, "user_version", version + 1));
        match result {
            Ok(()) => conn.execute_batch("COMMIT").map_err(at)?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(at(e));
            }
        }
    }
    Ok(())
}

fn known(migrations: &[&str]) -> i64 {
    i64::try_from(migrations.len()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::{Options, open};

    const STEPS: &[&str] = &[
        "CREATE TABLE a (x INTEGER);",
        "ALTER TABLE a ADD COLUMN y INTEGER; INSERT INTO a VALUES (1, 2);",
    ];

    #[test]
    fn steps_run_in_order_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let conn = open(&path, &Options::default()).unwrap();
        migrate_to(&conn, &path, STEPS, 1).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), 1);
        migrate(&conn, &path, STEPS).unwrap();
        migrate(&conn, &path, STEPS).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), 2);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM a WHERE y = 2", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_failed_step_leaves_the_version_it_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let conn = open(&path, &Options::default()).unwrap();
        let broken = &[STEPS[0], "CREATE TABLE b (x); THIS IS NOT SQL;"];
        let err = migrate(&conn, &path, broken).unwrap_err();
        assert!(err.to_string().contains("m.db"), "{err}");
        assert_eq!(schema_version(&conn).unwrap(), 1);
        let b: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'b'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(b, 0, "the failed step was rolled back whole");
    }

    #[test]
    fn newer_and_negative_versions_are_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd.db");
        let conn = open(&path, &Options::default()).unwrap();
        conn.pragma_update(None, "user_version", 3).unwrap();
        let err = migrate(&conn, &path, STEPS).unwrap_err();
        assert!(
            matches!(
                err,
                SqliteError::TooNew {
                    found: 3,
                    known: 2,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("odd.db"), "{err}");
        conn.pragma_update(None, "user_version", -1).unwrap();
        let err = migrate(&conn, &path, STEPS).unwrap_err();
        assert!(
            matches!(err, SqliteError::Foreign { found: -1, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("odd.db"), "{err}");
    }
}
