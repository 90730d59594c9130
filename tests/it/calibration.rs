//! The whole calibration loop in one run, against the real local server: two reviewers,
//! each with their own journal, review the same seeded sample blind in the reviewer; `verdict
//! agree` reads their journals and writes the disagreements as a queue; an adjudicator
//! works the queue in the reviewer, and the server then holds the adjudicator's rating as
//! the latest of each disputed reply.

use crate::common::driver::Driver;
use crate::common::{TestServer, text, verdict};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use verdict::api::model::Rating;
use verdict::review::batch::Batch;
use verdict::review::sample::{SampleSpec, Selection};
use verdict::review::view::theme::{Look, Theme};

const SEED: u64 = 42;

fn sessions(n: usize) -> String {
    (0..n)
        .map(|i| {
            json!({
                "messages": [
                    {"role": "user", "content": format!("question {i}")},
                    {"role": "assistant", "content": format!("answer {i}")}
                ],
                "metadata": {"session_name": format!("s{i:02}"), "created_at": format!("2026-11-01T10:{i:02}:00Z")}
            })
            .to_string()
                + "\n"
        })
        .collect()
}

fn start(server: &TestServer, journal: &Path, batch: Batch, blind: bool) -> Driver {
    Driver::start_scoped(
        server.client(),
        journal,
        Look::new(Theme::colored(), false),
        Duration::from_secs(15),
        Some(batch),
        blind,
    )
}

/// Reviews the sample of three with the given keys, one per session, `]` between.
async fn review(server: &TestServer, journal: &Path, keys: [char; 3]) {
    let spec = SampleSpec {
        n: 3,
        seed: SEED,
        status: None,
        since: None,
        until: None,
        unrated: false,
    };
    // Blind, as a calibration is reviewed: the other reviewer's ratings stay hidden.
    let batch = Batch::sample(3, SEED, Selection::Sample(spec));
    let mut app = start(server, journal, batch, true);
    app.wait_for("the sample", |s| {
        s.contains("batch 0/3") && s.contains("○ unrated")
    })
    .await;
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            app.key(']');
        }
        app.key(k);
        app.wait_for("the rating", |s| s.contains(&format!("batch {}/3", i + 1)))
            .await;
    }
    app.wait_for("the batch sent", |s| s.contains("Batch done"))
        .await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_review_agree_and_adjudicate() {
    let server = TestServer::start().await;
    server.import(&sessions(12));
    let dir = server.dir.path().to_path_buf();
    let (ann, bob, judge) = (dir.join("ann.db"), dir.join("bob.db"), dir.join("judge.db"));
    review(&server, &ann, ['+', '+', '+']).await;
    review(&server, &bob, ['-', '+', '+']).await;

    // Agreement over the two journals, and the disagreement as a queue.
    let queue = dir.join("queue.json");
    let mut cmd = verdict(&dir);
    cmd.args(["agree", "--json", "--queue"])
        .arg(&queue)
        .arg(&ann)
        .arg(&bob);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["shared_replies"], 3, "the same sample for both: {doc}");
    let disputed = doc["disagreements"].as_array().unwrap();
    assert_eq!(disputed.len(), 1, "{doc}");
    let session = disputed[0]["session_id"].as_str().unwrap().to_string();
    let message = disputed[0]["message_id"].as_str().unwrap().to_string();
    let q = verdict::queue::read(&queue).expect("the queue");
    assert_eq!(q.items.len(), 1);
    // Before adjudication the server holds bob's negative, the later rating.
    let client = server.client();
    let latest = |listing: verdict::api::model::ListFeedbackResponse| {
        listing
            .feedback
            .into_iter()
            .find(|f| f.message_id == message)
            .map(|f| f.rating)
    };
    let before = client.feedback_listing(&session).await.unwrap().unwrap();
    assert_eq!(latest(before), Some(Rating::Negative));

    // The adjudicator sides with ann.
    let created = chrono::DateTime::parse_from_rfc3339(&q.created_at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok();
    let mut app = start(&server, &judge, Batch::queue(q.items, created), false);
    app.wait_for("the queue", |s| {
        s.contains("queue 0/1") && s.contains("judgments")
    })
    .await;
    app.key('+');
    app.wait_for("adjudicated", |s| s.contains("Queue done"))
        .await;
    app.quit().await;
    let after = client.feedback_listing(&session).await.unwrap().unwrap();
    assert_eq!(latest(after), Some(Rating::Positive));
    server.stop().await;
}
