//! The Mixpeek-compatible local server: axum on SQLite.

pub mod commands;

use crate::api::ApiKey;
use std::net::SocketAddr;
use std::path::Path;

/// The namespace the demo transcripts are seeded into.
pub const DEMO_NAMESPACE: &str = "demo";

/// A running server. Dropping it does not stop it; call [`ServerHandle::shutdown`].
pub struct ServerHandle {
    pub addr: SocketAddr,
}

impl ServerHandle {
    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes in-flight requests, and waits for the writer to commit.
    pub async fn shutdown(self) {
        todo!("server")
    }
}

/// Opens (or creates and migrates) the database and serves on `addr` (port 0 picks one).
/// Returns once the listener is bound, so the server is ready when this returns.
pub async fn start(_db: &Path, _addr: SocketAddr) -> anyhow::Result<ServerHandle> {
    todo!("server")
}

/// Creates `namespace` if needed and a new API key for it; the key is stored hashed.
pub fn create_key(_db: &Path, _namespace: &str) -> anyhow::Result<ApiKey> {
    todo!("server")
}

/// The in-process demo: seeds the demo transcripts into `demo` when it is empty,
/// makes a key for it, and serves on 127.0.0.1 at a free port.
pub async fn start_demo(_db: &Path) -> anyhow::Result<(ServerHandle, ApiKey)> {
    todo!("server")
}
