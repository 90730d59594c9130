//! What can go wrong with a database, in sentences that name its file and say what to do.

use rusqlite::ErrorCode;
use std::path::{Path, PathBuf};

/// A database that could not be opened, migrated or used.
#[derive(Debug, thiserror::Error)]
pub enum SqliteError {
    #[error("cannot create the directory for the database {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the database {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the database {path} is damaged or is not a database ({source}): move it aside or restore it from a backup"
    )]
    Corrupt {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "no permission to write the database {path} ({source}): check the owner and mode of the file and its directory"
    )]
    Permission {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the disk holding the database {path} is full ({source}): free some space")]
    Full {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the database {path} failed: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "the database {path} cannot keep a write-ahead log (journal mode {mode}): put it on a local file system"
    )]
    NoWal { path: PathBuf, mode: String },
    #[error(
        "the database {path} was made by a newer verdict (schema version {found}; this one knows {known}): upgrade verdict"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "the database {path} has schema version {found}, which no verdict writes: it is not a verdict database, or it is damaged"
    )]
    Foreign { path: PathBuf, found: i64 },
    #[error("cannot start the database thread {name}: {source}")]
    Thread {
        name: String,
        source: std::io::Error,
    },
    /// The thread that owns the connection has stopped.
    #[error("the database has been closed")]
    Closed,
}

impl SqliteError {
    /// `source`, raised while using the database at `path`, told apart by what SQLite
    /// says went wrong: damage, permissions, a full disk, or anything else.
    pub fn at(path: &Path, source: rusqlite::Error) -> SqliteError {
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                SqliteError::Corrupt { path, source }
            }
            // SQLite opens a file it may not write read-only, and says so at the first write.
            Some(ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
                SqliteError::Permission { path, source }
            }
            Some(ErrorCode::DiskFull) => SqliteError::Full { path, source },
            _ => SqliteError::Sqlite { path, source },
        }
    }
}
