//! Samples, adjudication queues and blind review, in the whole reviewer (headless)
//! against the real local server on 127.0.0.1 with a real SQLite file.

use crate::common::TestServer;
use crate::common::driver::Driver;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;
use verdict::api::model::{Rating, SubmitFeedbackRequest};
use verdict::queue::{Judgment, Queue, QueueItem};
use verdict::review::batch::Batch;
use verdict::review::sample::{SampleSpec, Selection, rank};
use verdict::review::view::theme::{Look, Theme};

const SESSIONS: usize = 40;

/// `n` one-question sessions named `s00`, `s01`, ...
fn conversations(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let line = json!({
            "messages": [
                {"role": "user", "content": format!("question {i}")},
                {"role": "assistant", "content": format!("answer {i}")}
            ],
            "metadata": {
                "session_name": format!("s{i:02}"),
                "created_at": format!("2026-11-01T10:{:02}:00Z", i % 60)
            }
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

fn sample(n: usize, seed: u64) -> Batch {
    Batch::sample(
        n,
        seed,
        Selection::Sample(SampleSpec {
            n,
            seed,
            status: None,
            since: None,
            until: None,
            unrated: false,
        }),
    )
}

fn start(server: &TestServer, journal: &Path, batch: Batch) -> Driver {
    Driver::start_scoped(
        server.client(),
        journal,
        Look::new(Theme::colored(), false),
        Duration::from_secs(15),
        Some(batch),
        false,
    )
}

/// The session names the sessions pane lists (its left column).
fn listed(screen: &str) -> BTreeSet<String> {
    screen
        .lines()
        .filter_map(|l| l.split('│').nth(1))
        .filter_map(|cell| cell.split_whitespace().next())
        .filter(|w| {
            w.len() == 3 && w.starts_with('s') && w[1..].chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

/// The names the documented rule picks: the `n` lowest sha256("seed:id").
async fn expected(server: &TestServer, n: usize, seed: u64) -> BTreeSet<String> {
    let mut all = server.sessions().await;
    all.sort_by_key(|s| rank(seed, &s.session_id));
    all.into_iter()
        .take(n)
        .map(|s| s.session_name.unwrap_or_default())
        .collect()
}

async fn drawn(server: &TestServer, journal: &Path, seed: u64) -> BTreeSet<String> {
    let mut app = start(server, journal, sample(5, seed));
    let screen = app
        .wait_for("the sample", |s| {
            s.contains(&format!("seed {seed} · batch 0/5")) && s.contains("Sessions (5)")
        })
        .await;
    assert!(
        screen.contains(&format!(
            "A sample of 5 from {SESSIONS} sessions (seed {seed}"
        )),
        "{screen}"
    );
    app.quit().await;
    listed(&screen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_sample_is_the_same_across_runs_and_reviewers_and_differs_for_another_seed() {
    let server = TestServer::start().await;
    assert_eq!(server.import(&conversations(SESSIONS)).sessions, SESSIONS);
    let ann = server.dir.path().join("ann.db");
    let bob = server.dir.path().join("bob.db");

    let first = drawn(&server, &ann, 8213).await;
    assert_eq!(first, expected(&server, 5, 8213).await);
    assert_eq!(drawn(&server, &ann, 8213).await, first, "the next run");
    assert_eq!(drawn(&server, &bob, 8213).await, first, "another reviewer");
    let other = drawn(&server, &ann, 8214).await;
    assert_eq!(other, expected(&server, 5, 8214).await);
    assert_ne!(other, first);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_rated_to_the_end_says_it_is_done() {
    let server = TestServer::start().await;
    server.import(&conversations(6));
    let mut app = start(&server, &server.dir.path().join("j.db"), sample(2, 1));
    app.wait_for("the sample", |s| {
        s.contains("batch 0/2") && s.contains("○ unrated") && s.contains("answer ")
    })
    .await;
    app.key('+');
    app.wait_for("one done", |s| s.contains("batch 1/2")).await;
    app.key(']');
    app.key('+');
    let screen = app
        .wait_for("the end of the batch", |s| s.contains("Batch done"))
        .await;
    assert!(
        screen.contains("Batch done: 2 sessions; 2 replies rated this run (✓2 ✗0). seed 1"),
        "{screen}"
    );
    app.quit().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adjudicated_queue_leaves_the_adjudicators_rating_latest_on_the_server() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let replies = server.assistant_ids(&tools.session_id).await;
    assert!(replies.len() >= 2, "{replies:?}");
    let client = server.client();
    // Two reviewers disagreed; the server holds the latest of their ratings.
    for id in &replies[..2] {
        client
            .submit_feedback(
                &tools.session_id,
                &SubmitFeedbackRequest {
                    message_id: id.clone(),
                    rating: Rating::Positive,
                    feedback_text: Some("fine by me".into()),
                },
            )
            .await
            .expect("feedback");
    }
    let judgment = |who: &str, rating, note: &str| Judgment {
        reviewer: who.into(),
        rating,
        tags: vec!["accuracy".into()],
        note: Some(note.into()),
        made_at: None,
    };
    let items: Vec<QueueItem> = replies[..2]
        .iter()
        .map(|id| QueueItem {
            base_url: server.base_url(),
            namespace: server.namespace.clone(),
            session_id: tools.session_id.clone(),
            message_id: id.clone(),
            prompt: None,
            completion: None,
            judgments: vec![
                judgment("ann", Rating::Positive, "fine by me"),
                judgment("bob", Rating::Negative, "the count is wrong"),
            ],
        })
        .collect();
    let path = server.dir.path().join("queue.json");
    let created = chrono::Utc::now();
    verdict::queue::write(&path, &Queue::new(created.to_rfc3339(), items)).expect("write");
    let queue = verdict::queue::read(&path).expect("read");

    let batch = Batch::queue(queue.items, Some(created - chrono::Duration::seconds(1)));
    let mut app = start(&server, &server.dir.path().join("judge.db"), batch);
    let screen = app
        .wait_for("the queue", |s| {
            s.contains("queue 0/2") && s.contains("judgments")
        })
        .await;
    assert!(screen.contains("bob ✗ negative · accuracy"), "{screen}");
    assert!(screen.contains("the count is wrong"), "{screen}");
    app.key('-');
    app.wait_for("one adjudicated", |s| s.contains("queue 1/2"))
        .await;
    app.key('-');
    app.wait_for("the queue done", |s| {
        s.contains("Queue done: 2 replies adjudicated")
    })
    .await;
    app.quit().await;

    let listing = client
        .feedback_listing(&tools.session_id)
        .await
        .expect("listing")
        .expect("offered");
    for id in &replies[..2] {
        let latest = listing
            .feedback
            .iter()
            .find(|f| &f.message_id == id)
            .expect("a record");
        assert_eq!(latest.rating, Rating::Negative, "{:?}", listing.feedback);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blind_review_hides_the_servers_rating_until_this_reviewer_rates() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let replies = server.assistant_ids(&tools.session_id).await;
    server
        .client()
        .submit_feedback(
            &tools.session_id,
            &SubmitFeedbackRequest {
                message_id: replies[0].clone(),
                rating: Rating::Negative,
                feedback_text: Some("someone else's note".into()),
            },
        )
        .await
        .expect("feedback");
    // A send window of a second: the server's feedback listing, asked for as the
    // transcript opens, is read before this reviewer's rating reaches the server (once
    // it has, the listing's latest for the reply is this reviewer's own).
    let mut app = Driver::start_full(
        server.client(),
        &server.dir.path().join("j.db"),
        Look::new(Theme::colored(), false),
        Duration::from_secs(15),
        None,
        true,
        Duration::from_secs(1),
        false,
    );
    let screen = app
        .wait_for("the transcript", |s| {
            s.contains("There are 42 videos.") && s.contains("○ unrated") && s.contains("blind")
        })
        .await;
    assert!(!screen.contains("someone else's note"), "{screen}");
    assert!(!screen.contains("✗ negative"), "{screen}");
    app.key('+');
    let screen = app
        .wait_for("the others' judgment", |s| {
            s.contains("someone else's note")
        })
        .await;
    assert!(screen.contains("on the server ✗ negative"), "{screen}");
    app.wait_for("the receipt", |s| s.contains("✓ positive · stored"))
        .await;
    app.quit().await;
    server.stop().await;
}

#[test]
fn a_queue_for_another_namespace_and_a_sample_of_zero_are_refused_with_a_sentence() {
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join("queue.json");
    let item = QueueItem {
        base_url: "https://api.example.com".into(),
        namespace: "elsewhere".into(),
        session_id: "ses_1".into(),
        message_id: "msg_1".into(),
        prompt: None,
        completion: None,
        judgments: Vec::new(),
    };
    verdict::queue::write(
        &path,
        &Queue::new("2026-11-30T00:00:00Z".into(), vec![item]),
    )
    .expect("write");
    let out = crate::common::run(
        home.path(),
        &["--demo", "--queue", path.to_str().expect("utf-8")],
    );
    assert!(!out.status.success());
    let err = crate::common::text(&out.stderr);
    assert!(
        err.contains("holds no reply for this server and namespace")
            && err.contains("elsewhere")
            && err.contains("--namespace"),
        "{err}"
    );
    assert!(
        !err.contains("needs a terminal"),
        "refused before the terminal: {err}"
    );

    let out = crate::common::run(home.path(), &["--sample", "0"]);
    assert!(!out.status.success());
    let err = crate::common::text(&out.stderr);
    assert!(err.contains("--sample 0 would review nothing"), "{err}");
    let out = crate::common::run(home.path(), &["--sample", "3", "--since", "last week"]);
    let err = crate::common::text(&out.stderr);
    assert!(err.contains("--since \"last week\" is not a date"), "{err}");
}
