//! The outbox against a server that fails as programmed: retries, Retry-After, permanent
//! refusals, the server going away, and one message's ratings racing each other.

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;
use verdict::api::model::{Rating, SubmitFeedbackRequest, SubmitFeedbackResponse};
use verdict::api::{ApiError, ApiKey, Client, ClientOptions};
use verdict::journal::outbox::{Outbox, OutboxEvent, OutboxOptions};
use verdict::journal::{Journal, RatingState, Target};

const WAIT: Duration = Duration::from_secs(15);

/// What the programmed server answers to one request.
#[derive(Clone)]
enum Reply {
    Accept,
    /// Status, Retry-After seconds, body.
    Refuse(u16, Option<u64>, String),
    /// Wait until notified, then accept.
    HoldThenAccept(Arc<Notify>),
    /// A 3xx to this location.
    Redirect(u16, &'static str),
    /// 200 with a receipt for the other rating of the message.
    WrongReceipt,
}

fn error_body(status: u16, kind: &str, message: &str) -> String {
    serde_json::json!({"success": false, "status": status,
        "error": {"type": kind, "message": message}})
    .to_string()
}

#[derive(Debug, Clone)]
struct Hit {
    message_id: String,
    rating: Rating,
    at: Instant,
    /// Requests answered before this one arrived.
    answered_before: usize,
}

#[derive(Default)]
struct Script {
    /// Per message, the replies to give in order; then Accept.
    replies: HashMap<String, VecDeque<Reply>>,
    hits: Vec<Hit>,
    answered: usize,
}

type Shared = Arc<Mutex<Script>>;

async fn feedback(
    State(script): State<Shared>,
    UrlPath(session_id): UrlPath<String>,
    Json(body): Json<SubmitFeedbackRequest>,
) -> Response {
    let reply = {
        let mut s = script.lock().unwrap();
        let answered_before = s.answered;
        s.hits.push(Hit {
            message_id: body.message_id.clone(),
            rating: body.rating,
            at: Instant::now(),
            answered_before,
        });
        s.replies
            .get_mut(&body.message_id)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Reply::Accept)
    };
    let response = match reply {
        Reply::Refuse(status, retry_after, body) => {
            let mut headers = HeaderMap::new();
            headers.insert("content-type", HeaderValue::from_static("application/json"));
            if let Some(s) = retry_after {
                headers.insert("retry-after", HeaderValue::from(s));
            }
            (StatusCode::from_u16(status).unwrap(), headers, body).into_response()
        }
        Reply::HoldThenAccept(release) => {
            release.notified().await;
            accept(&session_id, &body)
        }
        Reply::Redirect(status, location) => (
            StatusCode::from_u16(status).unwrap(),
            [("location", location)],
            "",
        )
            .into_response(),
        Reply::WrongReceipt => {
            let mut other = body.clone();
            other.rating = match body.rating {
                Rating::Positive => Rating::Negative,
                Rating::Negative => Rating::Positive,
            };
            accept(&session_id, &other)
        }
        Reply::Accept => accept(&session_id, &body),
    };
    script.lock().unwrap().answered += 1;
    response
}

fn accept(session_id: &str, body: &SubmitFeedbackRequest) -> Response {
    Json(SubmitFeedbackResponse {
        session_id: session_id.to_string(),
        message_id: body.message_id.clone(),
        rating: body.rating,
        stored: body.rating == Rating::Positive,
        recorded_at: chrono::Utc::now().to_rfc3339(),
    })
    .into_response()
}

struct FakeServer {
    script: Shared,
    addr: SocketAddr,
    stop: Arc<Notify>,
}

impl FakeServer {
    async fn start() -> FakeServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, Shared::default())
    }

    fn serve(listener: tokio::net::TcpListener, script: Shared) -> FakeServer {
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/v1/agents/sessions/{session_id}/feedback", post(feedback))
            .with_state(script.clone());
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stopped.notified().await })
                .await
                .unwrap();
        });
        FakeServer { script, addr, stop }
    }

    fn program(&self, message_id: &str, replies: Vec<Reply>) {
        self.script
            .lock()
            .unwrap()
            .replies
            .insert(message_id.to_string(), replies.into());
    }

    fn hits(&self, message_id: &str) -> Vec<Hit> {
        self.script
            .lock()
            .unwrap()
            .hits
            .iter()
            .filter(|h| h.message_id == message_id)
            .cloned()
            .collect()
    }

    /// Waits until `message_id` has been requested `n` times.
    async fn wait_hits(&self, message_id: &str, n: usize) -> Vec<Hit> {
        let deadline = Instant::now() + WAIT;
        loop {
            let hits = self.hits(message_id);
            if hits.len() >= n {
                return hits;
            }
            assert!(
                Instant::now() < deadline,
                "{message_id} requested {} times, expected {n}",
                hits.len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

fn client(addr: SocketAddr) -> Client {
    Client::new(ClientOptions::new(
        format!("http://{addr}"),
        ApiKey::new("sk_fault_test"),
        "ns",
    ))
    .unwrap()
}

fn fast() -> OutboxOptions {
    OutboxOptions {
        max_in_flight: 4,
        backoff_base: Duration::from_millis(10),
        backoff_cap: Duration::from_millis(200),
        retry_after_cap: Duration::from_secs(3600),
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    journal_path: std::path::PathBuf,
    outbox: Outbox,
    events: Events,
}

fn start(addr: SocketAddr, options: OutboxOptions) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.db");
    let (tx, events) = tokio::sync::mpsc::unbounded_channel();
    let outbox =
        Outbox::start_with(&journal_path, client(addr), "ann".into(), tx, options).unwrap();
    Setup {
        _dir: dir,
        journal_path,
        outbox,
        events: Events {
            rx: events,
            backlog: Vec::new(),
        },
    }
}

/// The outbox's events, kept until a test asks for them (they arrive in any order).
struct Events {
    rx: UnboundedReceiver<OutboxEvent>,
    backlog: Vec<OutboxEvent>,
}

impl Events {
    /// Removes and returns the first event matching `pred`, waiting for it if needed, with
    /// the events that came before it (those stay available to later calls).
    async fn until(
        &mut self,
        mut pred: impl FnMut(&OutboxEvent) -> bool,
    ) -> (OutboxEvent, Vec<OutboxEvent>) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(at) = self.backlog.iter().position(&mut pred) {
                let event = self.backlog.remove(at);
                return (event, self.backlog[..at].to_vec());
            }
            let event = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no matching event; saw {:#?}", self.backlog))
                .expect("the outbox stopped");
            self.backlog.push(event);
        }
    }
}

fn is_sent(id: i64) -> impl FnMut(&OutboxEvent) -> bool {
    move |e| matches!(e, OutboxEvent::Sent { entry, .. } if entry.id == id)
}

#[tokio::test]
async fn server_errors_are_retried_until_accepted() {
    let server = FakeServer::start().await;
    let boom = || Reply::Refuse(500, None, error_body(500, "InternalError", "boom"));
    server.program("m1", vec![boom(), boom()]);
    server.program(
        "m2",
        vec![Reply::Refuse(408, None, error_body(408, "Timeout", "slow"))],
    );
    let mut s = start(server.addr, fast());
    let a = s
        .outbox
        .rate("ses_a", "m1", Rating::Positive, None)
        .await
        .unwrap();
    let b = s
        .outbox
        .rate("ses_a", "m2", Rating::Negative, None)
        .await
        .unwrap();

    let (sent_a, seen) = s.events.until(is_sent(a.id)).await;
    let retries = seen
        .iter()
        .filter(|e| {
            matches!(e, OutboxEvent::Retrying { entry, error: ApiError::Server(i), .. }
            if entry.id == a.id && i.status == 500)
        })
        .count();
    assert_eq!(retries, 2, "{seen:#?}");
    let OutboxEvent::Sent { entry, receipt } = sent_a else {
        unreachable!()
    };
    assert_eq!(entry.state, RatingState::Sent);
    assert_eq!(entry.attempts, 3);
    assert!(receipt.stored);
    s.events.until(is_sent(b.id)).await;
    s.outbox.shutdown().await;
    assert_eq!(server.hits("m1").len(), 3);
    assert_eq!(server.hits("m2").len(), 2);
}

/// A 200 the client cannot read (a proxy's login page), a redirect, and a receipt for
/// another rating confirm nothing: the rating stays pending, is retried, and is sent
/// once a real receipt comes. The redirect is not followed.
#[tokio::test]
async fn answers_that_confirm_nothing_keep_the_rating_pending() {
    let server = FakeServer::start().await;
    server.program(
        "m1",
        vec![
            Reply::Refuse(200, None, "<html>Sign in to the Wi-Fi</html>".into()),
            Reply::Redirect(302, "/v1/agents/sessions/ses_a/feedback-moved"),
            Reply::Redirect(307, "https://elsewhere.example/feedback"),
            Reply::WrongReceipt,
        ],
    );
    let mut s = start(server.addr, fast());
    let a = s
        .outbox
        .rate("ses_a", "m1", Rating::Positive, None)
        .await
        .unwrap();
    let (sent, seen) = s.events.until(is_sent(a.id)).await;
    let errors: Vec<&ApiError> = seen
        .iter()
        .filter_map(|e| match e {
            OutboxEvent::Retrying { entry, error, .. } if entry.id == a.id => Some(error),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 4, "{seen:#?}");
    assert!(matches!(errors[0], ApiError::Decode(_)), "{:?}", errors[0]);
    assert!(
        matches!(errors[1], ApiError::Redirect(i) if i.status == 302),
        "{:?}",
        errors[1]
    );
    let moved = errors[2].user_message();
    assert!(
        moved.contains("https://elsewhere.example/feedback") && moved.contains("base URL"),
        "{moved}"
    );
    assert!(
        matches!(errors[3], ApiError::Decode(m) if m.contains("receipt for negative")),
        "{:?}",
        errors[3]
    );
    let OutboxEvent::Sent { entry, receipt } = sent else {
        unreachable!()
    };
    assert_eq!(receipt.rating, Rating::Positive);
    assert_eq!(entry.state, RatingState::Sent);
    s.outbox.shutdown().await;
    // Five POSTs to the feedback path, nothing else: no redirect was followed.
    assert_eq!(server.hits("m1").len(), 5);
    assert!(
        server
            .hits("m1")
            .iter()
            .all(|h| h.rating == Rating::Positive)
    );
}

#[tokio::test]
async fn retry_after_is_honoured_on_503_and_429() {
    let server = FakeServer::start().await;
    server.program(
        "m503",
        vec![Reply::Refuse(
            503,
            Some(1),
            error_body(503, "ServiceUnavailable", "maintenance"),
        )],
    );
    server.program(
        "m429",
        vec![Reply::Refuse(
            429,
            Some(2),
            error_body(429, "RateLimited", "slow down"),
        )],
    );
    let mut s = start(server.addr, fast());
    let a = s
        .outbox
        .rate("ses_a", "m503", Rating::Positive, None)
        .await
        .unwrap();
    let (retrying, _) = s
        .events
        .until(|e| matches!(e, OutboxEvent::Retrying { entry, .. } if entry.id == a.id))
        .await;
    let OutboxEvent::Retrying {
        next_attempt_in, ..
    } = retrying
    else {
        unreachable!()
    };
    assert!(
        next_attempt_in >= Duration::from_millis(900),
        "{next_attempt_in:?}"
    );
    s.events.until(is_sent(a.id)).await;
    let hits = server.hits("m503");
    assert_eq!(hits.len(), 2);
    assert!(
        hits[1].at - hits[0].at >= Duration::from_secs(1),
        "retried after {:?}",
        hits[1].at - hits[0].at
    );

    let b = s
        .outbox
        .rate("ses_a", "m429", Rating::Negative, None)
        .await
        .unwrap();
    s.events.until(is_sent(b.id)).await;
    let hits = server.hits("m429");
    assert_eq!(hits.len(), 2);
    assert!(
        hits[1].at - hits[0].at >= Duration::from_secs(2),
        "retried after {:?}",
        hits[1].at - hits[0].at
    );
    s.outbox.shutdown().await;
}

#[tokio::test]
async fn permanent_refusals_are_reported_and_kept() {
    let server = FakeServer::start().await;
    server.program(
        "m400",
        vec![Reply::Refuse(
            400,
            None,
            error_body(
                400,
                "BadRequestError",
                "Message is not an assistant message",
            ),
        )],
    );
    server.program(
        "m404",
        vec![Reply::Refuse(
            404,
            None,
            error_body(404, "NotFoundError", "Session not found"),
        )],
    );
    server.program(
        "m422",
        vec![Reply::Refuse(
            422,
            None,
            r#"{"detail":[{"loc":["body","feedback_text"],"msg":"too long","type":"value_error"}]}"#
                .into(),
        )],
    );
    let mut s = start(server.addr, fast());
    let mut ids = HashMap::new();
    for m in ["m400", "m404", "m422"] {
        let e = s
            .outbox
            .rate("ses_a", m, Rating::Negative, None)
            .await
            .unwrap();
        ids.insert(e.id, m);
    }
    let mut failed = HashMap::new();
    while failed.len() < 3 {
        let (event, seen) = s
            .events
            .until(|e| matches!(e, OutboxEvent::Failed { .. }))
            .await;
        assert!(
            !seen
                .iter()
                .any(|e| matches!(e, OutboxEvent::Retrying { .. })),
            "a permanent refusal was retried: {seen:#?}"
        );
        let OutboxEvent::Failed { entry, error } = event else {
            unreachable!()
        };
        assert_eq!(entry.state, RatingState::Failed);
        failed.insert(ids[&entry.id], (entry, error));
    }
    assert_eq!(failed["m400"].1.status(), Some(400));
    assert_eq!(failed["m404"].1.to_string(), "Session not found");
    assert!(matches!(failed["m422"].1, ApiError::Validation(_)));
    assert!(
        failed["m422"]
            .0
            .last_error
            .as_deref()
            .unwrap()
            .contains("body.feedback_text: too long")
    );
    let counts = s.outbox.counts().await.unwrap();
    assert_eq!((counts.pending, counts.failed), (0, 3));

    // Waking the outbox does not send them again: refusals are final.
    s.outbox.wake();
    let later = s
        .outbox
        .rate("ses_a", "m_ok", Rating::Positive, None)
        .await
        .unwrap();
    s.events.until(is_sent(later.id)).await;
    s.outbox.shutdown().await;
    for m in ["m400", "m404", "m422"] {
        assert_eq!(server.hits(m).len(), 1, "{m}");
    }
    let journal = Journal::open(&s.journal_path).unwrap();
    let base = format!("http://{}", server.addr);
    let kept = journal.failed(&base, "ns").unwrap();
    assert_eq!(kept.len(), 3);
    assert!(kept.iter().all(|e| e.attempts == 1));
}

#[tokio::test]
async fn newer_rating_waits_for_the_one_in_flight_and_wins() {
    let server = FakeServer::start().await;
    let release = Arc::new(Notify::new());
    server.program("m1", vec![Reply::HoldThenAccept(release.clone())]);
    let mut s = start(server.addr, fast());
    let first = s
        .outbox
        .rate("ses_a", "m1", Rating::Positive, None)
        .await
        .unwrap();
    server.wait_hits("m1", 1).await;

    let second = s
        .outbox
        .rate(
            "ses_a",
            "m1",
            Rating::Negative,
            Some("on reflection, wrong".into()),
        )
        .await
        .unwrap();
    // Another message is not held up by m1.
    let other = s
        .outbox
        .rate("ses_a", "m2", Rating::Positive, None)
        .await
        .unwrap();
    s.events.until(is_sent(other.id)).await;
    assert_eq!(server.hits("m1").len(), 1, "m1 re-sent while in flight");

    release.notify_one();
    let (event, seen) = s.events.until(is_sent(second.id)).await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, OutboxEvent::Sent { entry, .. } if entry.id == first.id)),
        "the superseded rating's late receipt reached the app: {seen:#?}"
    );
    let OutboxEvent::Sent { receipt, .. } = event else {
        unreachable!()
    };
    assert_eq!(receipt.rating, Rating::Negative);

    s.outbox.shutdown().await;
    let hits = server.hits("m1");
    assert_eq!(
        hits.iter().map(|h| h.rating).collect::<Vec<_>>(),
        vec![Rating::Positive, Rating::Negative]
    );
    assert!(
        hits[1].answered_before > hits[0].answered_before + 1,
        "the newer rating was sent before the older one was answered"
    );

    let journal = Journal::open(&s.journal_path).unwrap();
    let old = journal.entry(first.id).unwrap().unwrap();
    assert_eq!(old.state, RatingState::Superseded);
    assert!(old.recorded_at.is_some(), "the late receipt is kept");
    let base = format!("http://{}", server.addr);
    let latest = journal.latest_for_session(&base, "ns", "ses_a").unwrap();
    let m1 = latest.iter().find(|e| e.target.message_id == "m1").unwrap();
    assert_eq!(m1.id, second.id);
    assert_eq!(m1.state, RatingState::Sent);
    assert_eq!(m1.stored, Some(false));
}

#[tokio::test]
async fn ratings_queue_offline_and_drain_when_the_server_returns() {
    // A port nobody listens on, for now.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut s = start(addr, fast());
    let mut ids = Vec::new();
    for m in ["m1", "m2", "m3"] {
        ids.push(
            s.outbox
                .rate("ses_a", m, Rating::Positive, None)
                .await
                .unwrap()
                .id,
        );
    }
    let again = s
        .outbox
        .rate("ses_a", "m2", Rating::Negative, None)
        .await
        .unwrap();
    ids[1] = again.id;
    s.events
        .until(
            |e| matches!(e, OutboxEvent::Counts { counts, offline: true } if counts.pending == 3),
        )
        .await;

    let deadline = Instant::now() + WAIT;
    let listener = loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => break l,
            Err(e) => {
                assert!(Instant::now() < deadline, "cannot bind {addr} again: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    let server = FakeServer::serve(listener, Shared::default());
    for id in &ids {
        s.events.until(is_sent(*id)).await;
    }
    s.events
        .until(
            |e| matches!(e, OutboxEvent::Counts { counts, offline: false } if counts.pending == 0),
        )
        .await;
    s.outbox.shutdown().await;
    for m in ["m1", "m3"] {
        assert_eq!(server.hits(m).len(), 1, "{m} sent more than once");
    }
    // m2's first rating may have been on its way when the second was made; then both go,
    // in order, once each. The server must end with the newest.
    let m2: Vec<Rating> = server.hits("m2").iter().map(|h| h.rating).collect();
    assert!(
        m2 == [Rating::Negative] || m2 == [Rating::Positive, Rating::Negative],
        "m2 was sent as {m2:?}"
    );
    server.stop.notify_one();
}

#[tokio::test]
async fn wake_skips_the_backoff() {
    let server = FakeServer::start().await;
    server.program(
        "m1",
        vec![Reply::Refuse(
            503,
            Some(3600),
            error_body(503, "ServiceUnavailable", "come back in an hour"),
        )],
    );
    let mut s = start(server.addr, OutboxOptions::default());
    let a = s
        .outbox
        .rate("ses_a", "m1", Rating::Positive, None)
        .await
        .unwrap();
    let (event, _) = s
        .events
        .until(|e| matches!(e, OutboxEvent::Retrying { entry, .. } if entry.id == a.id))
        .await;
    let OutboxEvent::Retrying {
        next_attempt_in, ..
    } = event
    else {
        unreachable!()
    };
    assert!(next_attempt_in > Duration::from_secs(3000));
    s.outbox.wake();
    s.events.until(is_sent(a.id)).await;
    s.outbox.shutdown().await;
}

#[tokio::test]
async fn pending_ratings_of_an_earlier_run_are_sent_at_start_latest_only() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let target = |m: &str, base: &str| Target {
        base_url: base.to_string(),
        namespace: "ns".into(),
        session_id: "ses_a".into(),
        message_id: m.into(),
    };
    let base = format!("http://{}", server.addr);
    let (older, newer, elsewhere) = {
        let mut j = Journal::open(&path).unwrap();
        let older = j
            .record(&target("m1", &base), Rating::Positive, None, "ann")
            .unwrap();
        let newer = j
            .record(&target("m1", &base), Rating::Negative, None, "ann")
            .unwrap();
        let elsewhere = j
            .record(
                &target("m9", "http://127.0.0.1:9"),
                Rating::Positive,
                None,
                "ann",
            )
            .unwrap();
        (older, newer, elsewhere)
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let outbox = Outbox::start_with(&path, client(server.addr), "ann".into(), tx, fast()).unwrap();
    let mut events = Events {
        rx,
        backlog: Vec::new(),
    };
    events.until(is_sent(newer.id)).await;
    outbox.shutdown().await;
    let hits = server.hits("m1");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].rating, Rating::Negative);
    assert!(server.hits("m9").is_empty(), "sent to the wrong server");
    let j = Journal::open(&path).unwrap();
    assert_eq!(
        j.entry(older.id).unwrap().unwrap().state,
        RatingState::Superseded
    );
    assert_eq!(
        j.entry(elsewhere.id).unwrap().unwrap().state,
        RatingState::Pending
    );
}

#[tokio::test]
async fn shutdown_waits_for_the_request_in_flight() {
    let server = FakeServer::start().await;
    let release = Arc::new(Notify::new());
    server.program("m1", vec![Reply::HoldThenAccept(release.clone())]);
    let s = start(server.addr, fast());
    let a = s
        .outbox
        .rate("ses_a", "m1", Rating::Positive, None)
        .await
        .unwrap();
    server.wait_hits("m1", 1).await;
    let outbox = s.outbox.clone();
    let stopping = tokio::spawn(async move { outbox.shutdown().await });
    release.notify_one();
    tokio::time::timeout(WAIT, stopping).await.unwrap().unwrap();
    let j = Journal::open(&s.journal_path).unwrap();
    assert_eq!(j.entry(a.id).unwrap().unwrap().state, RatingState::Sent);

    // After shutdown a rating is still committed; it waits for the next run.
    let b = s
        .outbox
        .rate("ses_a", "m2", Rating::Negative, None)
        .await
        .unwrap();
    assert_eq!(j.entry(b.id).unwrap().unwrap().state, RatingState::Pending);
}
