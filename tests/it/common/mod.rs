//! Shared by integration tests: a real local server on 127.0.0.1:0 over a SQLite file in a tempdir.
#![allow(dead_code)]

pub mod driver;
pub mod tmux;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;
use tokio::time::Instant;
use verdict::api::model::{GetSessionResponse, ListSessionsRequest, MessageHistoryItem};
use verdict::api::{ApiKey, Client, ClientOptions};
use verdict::journal::outbox::OutboxEvent;
use verdict::server::import::{self, ImportSummary};
use verdict::server::{self, ServerHandle};

/// The namespace [`TestServer::start`] creates.
pub const TEST_NAMESPACE: &str = "test";

/// Three conversations: one with tool calls, one with memory disabled, one short.
/// Their last activity orders them: `tools` (newest), `no-memory`, `short` (oldest).
pub const SAMPLE_JSONL: &str = concat!(
    r#"{"messages":[{"role":"system","content":"You answer about buckets."},{"role":"user","content":"How many videos are in marketing?"},{"role":"assistant","content":"Let me count.","tool_calls":[{"id":"c1","type":"function","function":{"name":"count_objects","arguments":"{\"bucket\":\"marketing\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"{\"count\": 42}"},{"role":"assistant","content":"There are 42 videos."},{"role":"user","content":"And in sales?"},{"role":"assistant","content":"Sales has 7."}],"metadata":{"session_name":"tools","status":"active","enable_memory":true,"created_at":"2026-11-20T09:00:00Z","user_id":"u1"}}"#,
    "\n",
    r#"{"messages":[{"role":"user","content":"Summarise Q3."},{"role":"assistant","content":"Revenue grew 12%."}],"metadata":{"session_name":"no-memory","status":"idle","enable_memory":false,"created_at":"2026-11-19T15:30:00Z"}}"#,
    "\n",
    r#"{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}],"metadata":{"session_name":"short","created_at":"2026-11-18T08:00:00Z"}}"#,
    "\n"
);

/// A running server with one namespace and a key for it.
pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub namespace: String,
    pub key: ApiKey,
    handle: Option<ServerHandle>,
}

impl TestServer {
    /// An empty namespace [`TEST_NAMESPACE`] and a key for it.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("server.db");
        let key = server::create_key(&db, TEST_NAMESPACE).expect("create key");
        let handle = server::start(&db, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("start server");
        TestServer {
            dir,
            db,
            namespace: TEST_NAMESPACE.to_string(),
            key,
            handle: Some(handle),
        }
    }

    /// [`TestServer::start`] with [`SAMPLE_JSONL`] imported.
    pub async fn with_sample() -> Self {
        let s = Self::start().await;
        s.import(SAMPLE_JSONL);
        s
    }

    /// The built-in demo, exactly as the reviewer's `--demo` starts it.
    pub async fn demo() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("demo.db");
        let (handle, key) = server::start_demo(&db).await.expect("start demo");
        TestServer {
            dir,
            db,
            namespace: server::DEMO_NAMESPACE.to_string(),
            key,
            handle: Some(handle),
        }
    }

    fn handle(&self) -> &ServerHandle {
        self.handle.as_ref().expect("server is running")
    }

    pub fn addr(&self) -> SocketAddr {
        self.handle().addr
    }

    pub fn base_url(&self) -> String {
        self.handle().base_url()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url(), path)
    }

    /// A client for this server's namespace with its key.
    pub fn client(&self) -> Client {
        self.client_with(self.key.clone(), &self.namespace)
    }

    pub fn client_with(&self, key: ApiKey, namespace: &str) -> Client {
        client(&self.base_url(), &key, namespace)
    }

    /// A client with this server's key and namespace for another address (a proxy, or the
    /// server started again elsewhere).
    pub fn client_at(&self, base_url: &str) -> Client {
        client(base_url, &self.key, &self.namespace)
    }

    /// A plain HTTP client, for requests the typed client would never send.
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// `reqwest` request with this server's key and namespace headers set.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http()
            .request(method, self.url(path))
            .bearer_auth(self.key.expose())
            .header("X-Namespace", &self.namespace)
    }

    /// Imports chat JSONL (or a history document) into this server's namespace.
    pub fn import(&self, text: &str) -> ImportSummary {
        import::import_text(&self.db, &self.namespace, "test-input", text).expect("import")
    }

    /// Every session in the namespace, most recent activity first.
    pub async fn sessions(&self) -> Vec<GetSessionResponse> {
        self.client()
            .list_sessions(&ListSessionsRequest::default(), 100)
            .await
            .expect("list sessions")
    }

    /// The session named `name` (from the import metadata).
    pub async fn session_named(&self, name: &str) -> GetSessionResponse {
        self.sessions()
            .await
            .into_iter()
            .find(|s| s.session_name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no session named {name}"))
    }

    pub async fn history(&self, session_id: &str) -> Vec<MessageHistoryItem> {
        self.client().history(session_id).await.expect("history")
    }

    /// The assistant message ids of a session, in order.
    pub async fn assistant_ids(&self, session_id: &str) -> Vec<String> {
        assistant_ids(&self.history(session_id).await)
    }

    /// Stops the server; the database stays until this is dropped.
    pub async fn halt(&mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
    }

    /// Stops the server and starts it again on the same database (on a new port).
    pub async fn restart(&mut self) {
        self.halt().await;
        let handle = server::start(&self.db, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("restart server");
        self.handle = Some(handle);
    }

    pub async fn stop(mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
    }
}

/// The assistant message ids of a history, in order.
pub fn assistant_ids(history: &[MessageHistoryItem]) -> Vec<String> {
    history
        .iter()
        .filter(|m| m.is_assistant())
        .map(|m| m.message_id.clone())
        .collect()
}

/// Starts the server on exactly `addr`, waiting up to `wait` for the port to be free again.
pub async fn start_at(db: &Path, addr: SocketAddr, wait: Duration) -> ServerHandle {
    let deadline = Instant::now() + wait;
    loop {
        match server::start(db, addr).await {
            Ok(h) => return h,
            Err(e) => {
                assert!(
                    Instant::now() < deadline,
                    "cannot listen on {addr} again: {e}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// The binary with its directories pointed into `home` and no account configured.
pub fn verdict(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verdict"));
    cmd.env("VERDICT_DATA_DIR", home.join("data"))
        .env("VERDICT_CONFIG_DIR", home.join("config"))
        .env_remove("MIXPEEK_API_KEY")
        .env_remove("MIXPEEK_NAMESPACE")
        .env_remove("MIXPEEK_BASE_URL")
        .env_remove("VERDICT_LOG");
    cmd
}

pub fn run(home: &Path, args: &[&str]) -> Output {
    verdict(home).args(args).output().expect("run verdict")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `verdict keys create` for `namespace` in `db`; the key it prints.
pub fn keys_create(home: &Path, db: &Path, namespace: &str) -> ApiKey {
    let out = run(
        home,
        &[
            "keys",
            "create",
            "--namespace",
            namespace,
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    ApiKey::new(text(&out.stdout).trim())
}

/// Waits up to `wait` for an outbox event that `pred` accepts; `what` names it if it never comes.
pub async fn until(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<OutboxEvent>,
    wait: Duration,
    what: &str,
    mut pred: impl FnMut(&OutboxEvent) -> bool,
) {
    let deadline = Instant::now() + wait;
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("{what}: the expected outbox event did not come"))
            .unwrap_or_else(|| panic!("{what}: the outbox stopped"));
        if pred(&event) {
            return;
        }
    }
}

/// A typed client for `namespace` at `base_url`.
pub fn client(base_url: &str, key: &ApiKey, namespace: &str) -> Client {
    Client::new(ClientOptions::new(base_url, key.clone(), namespace)).expect("client")
}

/// A router of the test's own on 127.0.0.1 (a proxy in front of the real server, or a
/// server that misbehaves), stopped when dropped.
pub struct Proxy {
    pub base_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Proxy {
    pub async fn start(app: axum::Router) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Proxy {
            base_url: format!("http://{addr}"),
            stop: Some(stop),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Sends `req` on to `upstream` as it came; the answer's status and body.
pub async fn forward(
    upstream: &str,
    req: axum::extract::Request,
) -> Result<(axum::http::StatusCode, axum::body::Bytes), axum::http::StatusCode> {
    use axum::http::StatusCode;
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    let url = format!("{upstream}{}", parts.uri);
    let mut out = reqwest::Client::new().request(parts.method.clone(), url);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            out = out.header(name, value);
        }
    }
    let resp = out
        .body(body.to_vec())
        .send()
        .await
        .map_err(|_| StatusCode::BAD_GATEWAY)?;
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
    Ok((status, resp.bytes().await.unwrap_or_default()))
}
