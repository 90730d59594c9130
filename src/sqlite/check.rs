//! A database's health, read without changing it: what `verdict doctor` reports.

use super::{Options, SqliteError, open_reader, schema_version};
use std::path::Path;

/// What a read-only look at a database found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// The schema version the file has.
    pub schema: i64,
    /// SQLite's own findings (`PRAGMA quick_check`); empty when the file is sound.
    pub problems: Vec<String>,
}

/// The most findings kept: a badly damaged file can list thousands.
const FINDINGS_KEPT: usize = 5;

/// Opens `path` read-only and checks its structure (every page, every index entry).
/// `Err` means it could not even be opened or read.
pub fn check(path: &Path) -> Result<Health, SqliteError> {
    let conn = open_reader(path, &Options::default())?;
    let at = |e| SqliteError::at(path, e);
    let schema = schema_version(&conn).map_err(at)?;
    let mut stmt = conn.prepare("PRAGMA quick_check").map_err(at)?;
    let findings = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(at)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(at)?;
    let problems = findings
        .into_iter()
        .filter(|f| f != "ok")
        .take(FINDINGS_KEPT)
        .collect();
    Ok(Health { schema, problems })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::{migrate, open};

    #[test]
    fn a_sound_file_is_ok_and_a_file_that_is_no_database_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let conn = open(&path, &Options::default()).unwrap();
        migrate(&conn, &path, &["CREATE TABLE t (x INTEGER);"]).unwrap();
        drop(conn);
        assert_eq!(
            check(&path).unwrap(),
            Health {
                schema: 1,
                problems: vec![]
            }
        );
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, vec![0x5au8; 8192]).unwrap();
        let e = check(&junk).unwrap_err();
        assert!(matches!(e, SqliteError::Corrupt { .. }), "{e}");
        assert!(e.to_string().contains("junk.db"), "{e}");
    }
}
