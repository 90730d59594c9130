//! `verdict keys create`: a new API key for the local server, printed once.

use super::default_db;
use crate::cli::ConnectArgs;
use crate::outln;
use crate::server;
use std::path::Path;

pub fn keys_create(
    connect: &ConnectArgs,
    namespace: &str,
    db: Option<&Path>,
) -> anyhow::Result<()> {
    let db = match db {
        Some(db) => db.to_path_buf(),
        None => default_db(connect)?,
    };
    let key = server::create_key(&db, namespace)?;
    // The only place a key is ever shown: stdout, so it can be captured and nothing else with it.
    outln!("{}", key.expose())
}
