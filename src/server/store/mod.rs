//! The server's SQLite store, the only place with SQL in the server: its schema, its connections, and every query, by resource.

mod bulk;
mod db;
mod encode;
mod feedback;
mod list_count;
mod messages;
mod schema;
mod search;
mod session_json;
mod sessions;
mod tenancy;

pub(crate) use bulk::{
    BulkMessage, BulkRating, BulkSession, NewMessage, NewSession, begin_bulk_load,
    bulk_insert_sessions, delete_session, find_session_row, finish_bulk_load, insert_session,
    same_messages,
};
pub(crate) use db::{Db, open};
pub(crate) use encode::{new_api_key, now_us};
pub(crate) use feedback::{list_feedback, list_memory, submit_feedback};
pub(crate) use messages::history_json;
pub use schema::SCHEMA_VERSION;
pub(crate) use search::{catch_up_indexing, defer_indexing, query_problem, search};
pub(crate) use session_json::list_sessions_json;
pub(crate) use sessions::{
    ListCursor, PageAt, SessionFilter, SessionOrder, SortField, create_session, get_session,
    patch_session, terminate_session,
};
pub(crate) use tenancy::{
    NamespaceRow, count_sessions, ensure_namespace, find_key_org, find_namespace, insert_key,
};

use crate::sqlite::SqliteError;

/// Sessions live this long after they are created (the hosted API's default).
const SESSION_LIFETIME_US: i64 = 7 * 24 * 3600 * 1_000_000;

#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("{resource} {id} not found")]
    NotFound { resource: &'static str, id: String },
    #[error("message {id} is a {role} message; only assistant messages can be rated")]
    NotAssistant { id: String, role: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Opening, migrating, or a database thread that has stopped.
    #[error(transparent)]
    Database(#[from] SqliteError),
    #[error("the write was not committed: {0}")]
    Commit(String),
    #[error("the system has no randomness available: {0}")]
    Random(String),
    #[error("a database task failed: {0}")]
    Task(String),
    /// A query ran past its time budget and was stopped.
    #[error("{0}")]
    TooSlow(String),
}

impl StoreError {
    fn not_found(resource: &'static str, id: &str) -> Self {
        StoreError::NotFound {
            resource,
            id: id.to_string(),
        }
    }
}
