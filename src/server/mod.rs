//! The Mixpeek-compatible local server: axum on SQLite.

mod auth;
mod error;
mod handlers;
pub mod import;
mod listen;
pub mod seed;
mod store;

use crate::api::ApiKey;
use anyhow::Context;
use auth::AuthCache;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use rusqlite::TransactionBehavior;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use store::Db;

pub use listen::ServeLimits;

/// The namespace the demo transcripts are seeded into.
pub const DEMO_NAMESPACE: &str = "demo";

/// The largest request body accepted; a larger one is refused with 413.
pub use crate::api::limits::MAX_BODY_BYTES;

/// The schema version of the databases this build writes (`verdict doctor` compares).
pub use store::SCHEMA_VERSION;

/// The demo transcripts, built into the binary so the demo needs no files.
pub(crate) const DEMO_TRANSCRIPTS: &str = include_str!("../../assets/demo/sessions.jsonl");

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    db: Db,
    auth: Arc<AuthCache>,
}

/// A running server. Dropping it does not stop it; call [`ServerHandle::shutdown`].
pub struct ServerHandle {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    db: Db,
}

impl ServerHandle {
    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, closes idle connections, gives requests in flight the shutdown
    /// grace of its [`ServeLimits`] and cuts the rest, then waits for the writer to commit
    /// what reached it.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.db.close().await;
    }
}

fn router(state: AppState, limits: &ServeLimits) -> Router {
    use handlers::*;
    Router::new()
        .route("/v1/agents/sessions", post(create_session))
        .route("/v1/agents/sessions/list", post(list_sessions))
        .route("/v1/agents/sessions/tools", get(list_tools))
        .route("/v1/agents/sessions/search", get(search))
        .route("/v1/agents/sessions/intent/detect", post(detect_intent))
        .route(
            "/v1/agents/sessions/{session_id}",
            get(get_session)
                .delete(terminate_session)
                .patch(patch_session),
        )
        .route("/v1/agents/sessions/{session_id}/history", get(history))
        .route(
            "/v1/agents/sessions/{session_id}/feedback",
            post(submit_feedback).get(list_feedback),
        )
        .route("/v1/agents/sessions/{session_id}/memory", get(list_memory))
        .route(
            "/v1/agents/sessions/{session_id}/messages",
            post(send_message),
        )
        .route(
            "/v1/agents/sessions/{session_id}/confirmations/{confirmation_id}",
            post(respond_to_confirmation),
        )
        .fallback(error::unknown_route)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            limits.body_timeout,
            listen::read_body_in_time,
        ))
        .layer(axum::middleware::from_fn(error::ensure_error_body))
        .with_state(state)
}

fn bind_error(addr: SocketAddr, e: std::io::Error) -> anyhow::Error {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "Cannot listen on {addr}: the port is already in use; stop the other server or pass --addr with another port."
        ),
        std::io::ErrorKind::PermissionDenied => {
            anyhow::anyhow!("Cannot listen on {addr}: permission denied; use a port above 1023.")
        }
        std::io::ErrorKind::AddrNotAvailable => anyhow::anyhow!(
            "Cannot listen on {addr}: this machine has no such address; try --addr 127.0.0.1:8000."
        ),
        _ => anyhow::anyhow!("Cannot listen on {addr}: {e}."),
    }
}

/// Opens (or creates and migrates) the database and serves on `addr` (port 0 picks one),
/// with the default [`ServeLimits`]. Returns once the listener is bound, so the server is
/// ready when this returns.
pub async fn start(db: &Path, addr: SocketAddr) -> anyhow::Result<ServerHandle> {
    start_with(db, addr, ServeLimits::default()).await
}

/// [`start`] with its timeouts and connection cap given.
pub async fn start_with(
    db: &Path,
    addr: SocketAddr,
    limits: ServeLimits,
) -> anyhow::Result<ServerHandle> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| bind_error(addr, e))?;
    let addr = listener
        .local_addr()
        .with_context(|| format!("Cannot read the address bound for {addr}"))?;
    let path = db.to_path_buf();
    let database = tokio::task::spawn_blocking(move || Db::open(&path))
        .await
        .context("The database task failed")?
        .with_context(|| format!("Cannot open the database {}", db.display()))?;
    let state = AppState {
        db: database.clone(),
        auth: Arc::new(AuthCache::default()),
    };
    let app = router(state, &limits);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stopped = async move {
            // A dropped handle leaves the server running, as documented.
            if stop_rx.await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        listen::serve(listener, app, limits, stopped).await;
    });
    Ok(ServerHandle {
        addr,
        stop: Some(stop_tx),
        task: Some(task),
        db: database,
    })
}

/// Creates `namespace` if needed and a new API key for it; the key is stored hashed.
pub fn create_key(db: &Path, namespace: &str) -> anyhow::Result<ApiKey> {
    import::check_namespace_name(namespace).map_err(anyhow::Error::msg)?;
    let open_error = || format!("Cannot open the database {}", db.display());
    let mut conn = store::open(db).with_context(open_error)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .with_context(open_error)?;
    let (ns, _) = store::ensure_namespace(&tx, namespace)?;
    let key = store::new_api_key()?;
    store::insert_key(&tx, ns.org_rowid, &auth::hash_key(&key))?;
    tx.commit()
        .with_context(|| format!("Cannot save the key in {}", db.display()))?;
    Ok(ApiKey::new(key))
}

/// Seeds the demo transcripts into `demo` when it has no sessions. Returns whether the
/// namespace was created by this call.
pub(crate) fn seed_demo(db: &Path) -> anyhow::Result<bool> {
    let sessions = import::parse_transcripts("assets/demo/sessions.jsonl", DEMO_TRANSCRIPTS)
        .context("The built-in demo transcripts are malformed")?;
    let mut conn =
        store::open(db).with_context(|| format!("Cannot open the database {}", db.display()))?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (ns, created) = store::ensure_namespace(&tx, DEMO_NAMESPACE)?;
    if store::count_sessions(&tx, ns.rowid)? == 0 {
        import::insert_all(&tx, ns.rowid, &sessions)?;
    }
    tx.commit()
        .with_context(|| format!("Cannot save the demo sessions in {}", db.display()))?;
    Ok(created)
}

/// The in-process demo: seeds the demo transcripts into `demo` when it is empty,
/// makes a key for it, and serves on 127.0.0.1 at a free port.
pub async fn start_demo(db: &Path) -> anyhow::Result<(ServerHandle, ApiKey)> {
    let path = db.to_path_buf();
    let key = tokio::task::spawn_blocking(move || {
        seed_demo(&path)?;
        create_key(&path, DEMO_NAMESPACE)
    })
    .await
    .context("The demo setup task failed")??;
    let handle = start(db, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    Ok((handle, key))
}
