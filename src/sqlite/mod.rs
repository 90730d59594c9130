//! One SQLite foundation for the server's store and the reviewer's journal: opening, migrating, and a thread that owns a connection.
//!
//! Imports nothing from the crate but [`crate::fs`], so every part above it can use it.

mod check;
mod error;
mod migrate;
mod open;
mod thread;

pub use check::{Health, check};
pub use error::SqliteError;
pub use migrate::{migrate, migrate_to, schema_version};
pub use open::{Options, open, open_reader};
pub use thread::{Call, ConnectionThread, Owner, Serial};
