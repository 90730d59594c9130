//! The client and the whole reviewer (headless) against a programmable hostile server on
//! 127.0.0.1: an endless body, an endless history, pages of sessions with 1 MB names and
//! malformed items. Each must be survived, bounded, and said.

use crate::common::driver::Driver;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use crossterm::event::{KeyCode, KeyModifiers};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use verdict::api::model::{ListSessionsRequest, SESSION_MESSAGES_MAX};
use verdict::api::{ApiError, ApiKey, Client, ClientOptions, PageStart};
use verdict::review::view::theme::{Look, Theme};

/// What the hostile server does.
#[derive(Clone, Copy)]
enum Mode {
    /// Every answer is 200 with a body that never ends.
    EndlessBody,
    /// One session whose history always has more, with new ids and a growing total.
    EndlessHistory,
    /// `SESSIONS` sessions with 1 MB names, `PAGE` a page whatever the limit asked,
    /// item 5 of every page malformed.
    HugeNames,
}

const SESSIONS: usize = 60;
const PAGE: usize = 20;
const NAME_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
struct Hostile {
    mode: Mode,
    history_pages: Arc<AtomicUsize>,
}

struct Server {
    addr: SocketAddr,
    state: Hostile,
    stop: Arc<Notify>,
}

impl Server {
    async fn start(mode: Mode) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Hostile {
            mode,
            history_pages: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/v1/agents/sessions/list", post(list))
            .route("/v1/agents/sessions/{id}/history", get(history))
            .with_state(state.clone());
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stopped.notified().await })
                .await
                .unwrap();
        });
        Server { addr, state, stop }
    }

    fn client(&self) -> Client {
        let mut options = ClientOptions::new(
            format!("http://{}", self.addr),
            ApiKey::new("sk_hostile"),
            "ns",
        );
        options.request_timeout = Duration::from_secs(60);
        Client::new(options).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

fn session(id: &str, name: &str) -> Value {
    json!({
        "session_id": id, "namespace_id": "ns", "internal_id": format!("int_{id}"),
        "session_name": name, "status": "active", "message_count": 2,
        "created_at": "2026-11-20T09:00:00Z", "updated_at": "2026-11-20T09:00:00Z",
        "last_activity_at": "2026-11-20T09:00:00Z", "expires_at": "2026-12-20T09:00:00Z",
        "user_memory": {"notes": "m".repeat(NAME_BYTES)},
    })
}

/// A body that never ends: the opening of a list, then spaces and more items forever.
fn endless() -> Response {
    let chunk =
        axum::body::Bytes::from(r#"{"session_id":"ses_x","session_name":"again"},"#.repeat(2048));
    let opening = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(axum::body::Bytes::from_static(br#"{"results":["#))
    });
    // Cheap clones of one buffer: the client's cap is what is tested, not this loop.
    let rest = futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
    Body::from_stream(futures_util::StreamExt::chain(opening, rest)).into_response()
}

async fn list(State(h): State<Hostile>, Query(q): Query<HashMap<String, String>>) -> Response {
    match h.mode {
        Mode::EndlessBody => endless(),
        Mode::EndlessHistory => Json(json!({
            "results": [session("ses_endless", "Endless")], "total": 1, "pagination": {}
        }))
        .into_response(),
        Mode::HugeNames => {
            let from: usize = q
                .get("cursor")
                .or_else(|| q.get("offset"))
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let end = (from + PAGE).min(SESSIONS);
            let results: Vec<Value> = (from..end)
                .map(|i| {
                    let mut s = session(
                        &format!("ses_{i:03}"),
                        &format!("{i:03}{}", "n".repeat(NAME_BYTES)),
                    );
                    if i % PAGE == 5 {
                        s["status"] = json!(42);
                    }
                    s
                })
                .collect();
            let next = (end < SESSIONS).then(|| end.to_string());
            Json(json!({
                "results": results, "total": SESSIONS,
                "pagination": {"next_cursor": next},
            }))
            .into_response()
        }
    }
}

async fn history(
    State(h): State<Hostile>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Mode::EndlessBody = h.mode {
        return endless();
    }
    h.history_pages.fetch_add(1, Ordering::SeqCst);
    let offset: u64 = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let n = match h.mode {
        Mode::EndlessHistory => 200,
        _ => 2u64.saturating_sub(offset),
    };
    let messages: Vec<Value> = (offset..offset + n)
        .map(|i| {
            json!({
                "message_id": format!("m{i}"),
                "role": if i % 2 == 0 { "user" } else { "assistant" },
                "content": format!("message {i}"),
                "timestamp": "2026-11-20T09:00:00Z",
            })
        })
        .collect();
    let endless = matches!(h.mode, Mode::EndlessHistory);
    Json(json!({
        "session_id": id, "messages": messages, "returned_messages": n,
        "total_messages": if endless { offset + n + 1 } else { 2 },
        "has_more": endless,
    }))
    .into_response()
}

fn driver(server: &Server, dir: &tempfile::TempDir) -> Driver {
    Driver::start_with(
        server.client(),
        &dir.path().join("journal.db"),
        Look::new(Theme::colored(), false),
        Duration::from_secs(90),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_is_cut_at_the_cap_and_said() {
    let server = Server::start(Mode::EndlessBody).await;
    let err = server
        .client()
        .list_sessions_from(&ListSessionsRequest::default(), 100, &PageStart::Offset(0))
        .await
        .unwrap_err();
    assert!(verdict::api::client::is_too_large(&err), "{err:?}");

    let dir = tempfile::tempdir().unwrap();
    let mut app = driver(&server, &dir);
    app.wait_for("the size cap said", |s| {
        s.contains("larger than 64 MB") && s.contains("Press r to retry")
    })
    .await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_history_stops_at_the_session_bound() {
    let server = Server::start(Mode::EndlessHistory).await;
    let err = server.client().history("ses_endless").await.unwrap_err();
    assert!(
        matches!(&err, ApiError::Decode(d) if d.contains("stopped after 50000 messages")),
        "{err:?}"
    );
    let asked = server.state.history_pages.swap(0, Ordering::SeqCst);
    assert_eq!(asked, SESSION_MESSAGES_MAX / 200);

    let dir = tempfile::tempdir().unwrap();
    let mut app = driver(&server, &dir);
    app.wait_for("loading stopped", |s| {
        s.contains("loading stopped at 50000") && s.contains("at most 50000 messages")
    })
    .await;
    // Nothing more is asked for, and the reviewer still moves.
    let asked = server.state.history_pages.load(Ordering::SeqCst);
    assert_eq!(asked, SESSION_MESSAGES_MAX / 200);
    app.key('G');
    app.wait_for("the last message", |s| s.contains("message 49999"))
        .await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_huge_names_and_bad_items_still_list_and_rate() {
    let server = Server::start(Mode::HugeNames).await;
    let dir = tempfile::tempdir().unwrap();
    let mut app = driver(&server, &dir);
    let screen = app
        .wait_for("the first page", |s| {
            s.contains("000nnn") && s.contains("unreadable")
        })
        .await;
    assert!(screen.contains("status: expected value"), "{screen}");
    // Every page, to the end, past the bad items.
    app.press(KeyCode::Char('h'), KeyModifiers::NONE);
    app.key('G');
    app.wait_for("every session", |s| s.contains("All 60 sessions loaded."))
        .await;
    // The first session still rates.
    app.key('g');
    app.press(KeyCode::Tab, KeyModifiers::NONE);
    app.key('+');
    app.wait_for("the receipt", |s| s.contains("positive"))
        .await;
    app.interrupt().await;
}
