//! The real local server stops in the middle of a review and comes back on the same port:
//! every rating made meanwhile reaches it once, and none is stale.

use crate::common::{TestServer, assistant_ids, start_at, until};
use std::collections::HashMap;
use std::time::Duration;
use verdict::api::model::Rating;
use verdict::journal::outbox::{Outbox, OutboxEvent, OutboxOptions};
use verdict::journal::{Journal, RatingState};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_made_while_the_server_is_down_arrive_once_and_newest() {
    let mut test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let short = test.session_named("short").await.session_id;
    let tools_msgs = assistant_ids(&test.history(&tools).await);
    let short_msgs = assistant_ids(&test.history(&short).await);
    assert_eq!(tools_msgs.len(), 3);
    let addr = test.addr();
    let client = test.client();

    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.db");
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let options = OutboxOptions {
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(300),
        ..OutboxOptions::default()
    };
    let outbox =
        Outbox::start_with(&journal_path, client.clone(), "ann".into(), tx, options).unwrap();

    // Before the outage.
    let before = outbox
        .rate(&tools, &tools_msgs[0], Rating::Positive, None)
        .await
        .unwrap();
    until(
        &mut events,
        WAIT,
        "the rating made before the stop is sent",
        |e| matches!(e, OutboxEvent::Sent { entry, .. } if entry.id == before.id),
    )
    .await;

    test.halt().await;

    // During the outage: new ratings, a changed mind, and a re-rating of a sent message.
    let mut made = Vec::new();
    for (session, message, rating, text) in [
        (&tools, &tools_msgs[1], Rating::Positive, None),
        (
            &tools,
            &tools_msgs[2],
            Rating::Positive,
            Some("first thought"),
        ),
        (
            &tools,
            &tools_msgs[2],
            Rating::Negative,
            Some("second thought"),
        ),
        (&short, &short_msgs[0], Rating::Positive, None),
        (
            &tools,
            &tools_msgs[0],
            Rating::Negative,
            Some("changed my mind"),
        ),
    ] {
        let e = outbox
            .rate(session, message, rating, text.map(str::to_string))
            .await
            .unwrap();
        made.push(e);
    }
    until(
        &mut events,
        WAIT,
        "four ratings wait offline",
        |e| matches!(e, OutboxEvent::Counts { counts, offline: true } if counts.pending == 4),
    )
    .await;

    let db = test.db.clone();
    let back = start_at(&db, addr, WAIT).await;
    until(
        &mut events,
        WAIT,
        "the ratings made offline are sent",
        |e| matches!(e, OutboxEvent::Counts { counts, offline: false } if counts.pending == 0),
    )
    .await;
    outbox.shutdown().await;

    // What the server recorded, per message, oldest first.
    let mut recorded: HashMap<String, Vec<(Rating, Option<String>)>> = HashMap::new();
    for session in [&tools, &short] {
        let listing = client.feedback_listing(session).await.unwrap().unwrap();
        for f in listing.feedback.into_iter().rev() {
            recorded
                .entry(f.message_id.clone())
                .or_default()
                .push((f.rating, f.feedback_text));
        }
    }
    assert_eq!(
        recorded[&tools_msgs[0]],
        vec![
            (Rating::Positive, None),
            (Rating::Negative, Some("changed my mind".to_string()))
        ]
    );
    assert_eq!(recorded[&tools_msgs[1]], vec![(Rating::Positive, None)]);
    // The first thought was superseded while the server was down: never sent.
    assert_eq!(
        recorded[&tools_msgs[2]],
        vec![(Rating::Negative, Some("second thought".to_string()))]
    );
    assert_eq!(recorded[&short_msgs[0]], vec![(Rating::Positive, None)]);

    // Memory follows the newest rating of each message.
    let memory = client.memory_listing(&tools).await.unwrap().unwrap();
    let stored: Vec<&str> = memory
        .memories
        .iter()
        .map(|m| m.message_id.as_str())
        .collect();
    assert_eq!(stored, vec![tools_msgs[1].as_str()]);

    let journal = Journal::open(&journal_path).unwrap();
    let states: Vec<RatingState> = made
        .iter()
        .map(|e| journal.entry(e.id).unwrap().unwrap().state)
        .collect();
    assert_eq!(
        states,
        vec![
            RatingState::Sent,
            RatingState::Superseded,
            RatingState::Sent,
            RatingState::Sent,
            RatingState::Sent
        ]
    );
    back.shutdown().await;
}

/// Figures for the README: how long a rating takes to commit (fsync included) and how fast
/// a backlog drains once the server is back. Run with:
/// `cargo test --test it -- --ignored --nocapture drain_figures`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check; run it by name"]
async fn drain_figures() {
    const SESSIONS: usize = 100;
    const TURNS: usize = 10;
    let mut test = TestServer::start().await;
    let mut jsonl = String::new();
    for s in 0..SESSIONS {
        let mut messages = Vec::new();
        for t in 0..TURNS {
            messages
                .push(serde_json::json!({"role": "user", "content": format!("question {s}.{t}")}));
            messages.push(
                serde_json::json!({"role": "assistant", "content": format!("answer {s}.{t}")}),
            );
        }
        jsonl.push_str(&serde_json::json!({"messages": messages}).to_string());
        jsonl.push('\n');
    }
    test.import(&jsonl);
    let mut targets = Vec::new();
    for session in test.sessions().await {
        for id in assistant_ids(&test.history(&session.session_id).await) {
            targets.push((session.session_id.clone(), id));
        }
    }
    assert_eq!(targets.len(), SESSIONS * TURNS);
    let addr = test.addr();
    let client = test.client();
    test.halt().await;

    let dir = tempfile::tempdir().unwrap();
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let outbox = Outbox::start(
        &dir.path().join("journal.db"),
        client.clone(),
        "ann".into(),
        tx,
    )
    .unwrap();
    let mut latencies = Vec::new();
    for (session, message) in &targets {
        let t = std::time::Instant::now();
        outbox
            .rate(session, message, Rating::Positive, None)
            .await
            .unwrap();
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];

    let back = start_at(&test.db, addr, WAIT).await;
    let t = std::time::Instant::now();
    outbox.wake();
    until(
        &mut events,
        WAIT,
        "the backlog drains",
        |e| matches!(e, OutboxEvent::Counts { counts, .. } if counts.pending == 0),
    )
    .await;
    let drain = t.elapsed();
    outbox.shutdown().await;
    let listing = client
        .feedback_listing(&targets[0].0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(listing.feedback.len(), TURNS, "each rating once");
    println!(
        "record (committed, synchronous=FULL): p50 {:?}, p99 {:?}, max {:?} over {} ratings",
        pct(50),
        pct(99),
        latencies[latencies.len() - 1],
        latencies.len()
    );
    println!(
        "drain after the server returned: {} ratings in {:?} ({:.0}/s)",
        targets.len(),
        drain,
        targets.len() as f64 / drain.as_secs_f64()
    );
    back.shutdown().await;
}
