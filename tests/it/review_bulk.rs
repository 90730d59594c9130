//! Bulk judgments and deferral end to end: the reviewer against the local server on
//! 127.0.0.1 with a real SQLite file; the server's feedback listing checked after.

use crate::common::TestServer;
use crate::common::driver::Driver;
use crossterm::event::{KeyCode, KeyModifiers};
use std::time::Duration;
use verdict::api::model::{FeedbackRecord, Rating};
use verdict::review::typeset::style::{Look, Theme};

const DEADLINE: Duration = Duration::from_secs(60);
const REPLIES: usize = 500;

/// One session of `turns` question/answer pairs.
fn session(name: &str, turns: usize) -> String {
    let mut messages = Vec::new();
    for t in 0..turns {
        messages.push(serde_json::json!({"role": "user", "content": format!("question {t}")}));
        messages.push(serde_json::json!({"role": "assistant", "content": format!("answer {t}")}));
    }
    let line = serde_json::json!({"messages": messages, "metadata": {"session_name": name}});
    format!("{line}\n")
}

async fn records(server: &TestServer, session_id: &str) -> Vec<FeedbackRecord> {
    server
        .client()
        .feedback_listing(session_id)
        .await
        .expect("listing")
        .expect("offered by the local server")
        .feedback
}

fn app(server: &TestServer, delay: Duration) -> Driver {
    Driver::start_windowed(
        server.client(),
        &server.dir.path().join("journal.db"),
        Look::new(Theme::colored(), false),
        DEADLINE,
        delay,
        false,
    )
}

/// The whole session loaded and the transcript focused.
async fn ready(app: &mut Driver, turns: usize) {
    let all = format!("0/{turns} rated");
    app.wait_for("the whole session", |s| {
        s.contains(&all) && !s.contains("loading")
    })
    .await;
    app.key('l');
}

/// The app on the bulk session with no send window, every reply marked.
async fn all_marked(server: &TestServer) -> Driver {
    let mut app = app(server, Duration::ZERO);
    ready(&mut app, REPLIES).await;
    app.key('v');
    app.key('G');
    app.wait_for("the range", |s| s.contains(&format!("{REPLIES} marked")))
        .await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_negative_over_500_replies_sends_500_ratings_and_one_undo_takes_them_back() {
    let server = TestServer::start().await;
    server.import(&session("bulk", REPLIES));
    let id = server.session_named("bulk").await.session_id;
    let mut app = all_marked(&server).await;
    app.key('-');
    let done = format!("{REPLIES}/{REPLIES} rated");
    app.wait_for("every receipt", |s| {
        s.contains(&done) && s.contains(&format!("Sent: {REPLIES} replies rated"))
    })
    .await;
    let records = records(&server, &id).await;
    assert_eq!(records.len(), REPLIES, "one POST per reply");
    assert!(records.iter().all(|r| r.rating == Rating::Negative));

    // One undo takes back the whole action; the server keeps what it was sent and the
    // notice says so rather than pretend.
    app.key('u');
    app.wait_for("the undo of all of them", |s| {
        s.contains(&format!("{REPLIES} replies: Undone in your journal"))
    })
    .await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_a_bulk_sends_its_results_are_drawn_at_most_every_16_ms_and_the_count_ends_at_zero() {
    let server = TestServer::start().await;
    server.import(&session("bulk", REPLIES));
    let mut app = all_marked(&server).await;
    let before = app.stamp();
    app.key('-');
    // The status bar's count of ratings still sending comes from the outbox, counted at
    // most every 100 ms while hundreds are pending: it must still come down to nothing.
    let done = format!("{REPLIES}/{REPLIES} rated");
    app.wait_for("every receipt and nothing left sending", |s| {
        s.contains(&done)
            && s.contains(&format!("Sent: {REPLIES} replies rated"))
            && !s.contains("sending")
    })
    .await;
    let after = app.stamp();
    // The key's frame at once, then one frame per 16 ms at most for the 500 receipts
    // (and the histories and counts) that came in between.
    let frames = after.frames - before.frames;
    let spaced = after.drawn_at.duration_since(before.drawn_at).as_millis() / 16;
    let most = 2 + u64::try_from(spaced).expect("a short run");
    assert!(
        frames <= most,
        "{frames} frames in {:?}: results drawn more often than every 16 ms",
        after.drawn_at.duration_since(before.drawn_at)
    );
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_undo_inside_the_window_withdraws_all_500_and_the_server_sees_nothing() {
    let server = TestServer::start().await;
    server.import(&session("bulk", REPLIES));
    let id = server.session_named("bulk").await.session_id;
    let mut app = app(&server, Duration::from_secs(60));
    ready(&mut app, REPLIES).await;
    app.key('v');
    app.key('G');
    app.key('-');
    app.wait_for("the ratings in their window", |s| {
        s.contains(&format!("sending 0/{REPLIES}"))
    })
    .await;
    app.key('u');
    app.wait_for("all withdrawn", |s| {
        s.contains(&format!(
            "{REPLIES} replies: Undone: the negative rating was withdrawn"
        )) && s.contains(&format!("0/{REPLIES} rated"))
    })
    .await;
    app.quit().await;
    assert!(records(&server, &id).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_key_on_50_marked_replies_reaches_the_server_on_every_one_and_one_undo_takes_it_back()
{
    const TAGGED: usize = 50;
    let server = TestServer::start().await;
    server.import(&session("tagged", TAGGED));
    let id = server.session_named("tagged").await.session_id;
    let mut app = app(&server, Duration::ZERO);
    ready(&mut app, TAGGED).await;
    app.key('v');
    app.key('G');
    app.wait_for("the range", |s| s.contains(&format!("{TAGGED} marked")))
        .await;
    // `1`: the taxonomy's first tag, on every marked reply (unrated: rated negative).
    app.key('1');
    let done = format!("{TAGGED}/{TAGGED} rated");
    app.wait_for("every tagged reply sent", |s| {
        s.contains(&done) && s.contains(&format!("Sent: tag hallucination on {TAGGED} replies"))
    })
    .await;
    let records = records(&server, &id).await;
    assert_eq!(records.len(), TAGGED, "one POST per reply");
    assert!(records.iter().all(|r| r.rating == Rating::Negative));
    assert!(
        records.iter().all(|r| r
            .feedback_text
            .as_deref()
            .is_some_and(|t| t.contains("#hallucination"))),
        "{records:?}"
    );
    app.key('u');
    app.wait_for("the undo of all of them", |s| {
        s.contains(&format!("{TAGGED} replies: Undone in your journal"))
    })
    .await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_unrated_passes_a_deferred_reply_then_comes_back_to_it() {
    let server = TestServer::start().await;
    server.import(&session("defer", 3));
    let mut app = app(&server, Duration::ZERO);
    ready(&mut app, 3).await;
    // Defer the first reply with a reason: the cursor goes on to the second.
    app.key('s');
    app.text("ask Bo");
    app.press(KeyCode::Enter, KeyModifiers::NONE);
    app.wait_for("the deferred receipt", |s| s.contains("deferred · ask Bo"))
        .await;
    app.key('-');
    app.wait_for("the second rated", |s| s.contains("1/3 rated"))
        .await;
    // `]` takes the third, not the deferred first.
    app.key(']');
    app.key('-');
    app.wait_for("the third rated", |s| s.contains("2/3 rated"))
        .await;
    app.key(']');
    app.wait_for("back to the deferred reply", |s| {
        s.contains("back to a deferred reply (ask Bo)") && s.contains("message 2/6")
    })
    .await;
    app.key('+');
    app.wait_for("all rated and sent", |s| {
        s.contains("3/3 rated") && !s.contains("sending") && !s.contains("saving")
    })
    .await;
    app.quit().await;
}

/// The figure for the performance page: a bulk action of 10,000 replies committed to the
/// journal (one transaction, one undo step, exchanges kept), and its undo. Run with:
/// `cargo test --test it -- --ignored --nocapture bulk_commit_figures`
#[test]
#[ignore = "a measurement, not a check; run it by name"]
fn bulk_commit_figures() {
    use verdict::journal::bulk::BulkItem;
    use verdict::journal::window::{Owner, Rated};
    use verdict::journal::{Exchange, Journal, Target};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut journal = Journal::open(&dir.path().join("journal.db")).expect("journal");
    let owner = Owner {
        base_url: "http://127.0.0.1:1".into(),
        namespace: "ns".into(),
        reviewer: "ann".into(),
    };
    for round in 0..3u64 {
        let items: Vec<BulkItem> = (0..10_000u64)
            .map(|i| BulkItem {
                target: Target {
                    base_url: owner.base_url.clone(),
                    namespace: owner.namespace.clone(),
                    session_id: format!("ses_{}", i / 50),
                    message_id: format!("msg_{round}_{i}"),
                },
                rated: Rated {
                    rating: Rating::Negative,
                    text: None,
                },
                exchange: Some(Exchange {
                    prompt: Some(format!("question {i}")),
                    completion: format!("answer {i}"),
                }),
            })
            .collect();
        let start = std::time::Instant::now();
        let entries = journal
            .record_many_in_window(&items, "ann", None, true)
            .expect("recorded");
        let took = start.elapsed();
        assert_eq!(entries.len(), 10_000);
        let start = std::time::Instant::now();
        let later = verdict::journal::to_journal_time(chrono::Utc::now());
        let step = journal.undo(&owner, Some(&later)).expect("undo");
        let undo = start.elapsed();
        assert_eq!(step.map(|s| s.changes.len()), Some(10_000));
        journal.redo(&owner, None).expect("redo");
        println!(
            "round {round}: 10,000 ratings committed in {:.0} ms; undone in {:.0} ms",
            took.as_secs_f64() * 1000.0,
            undo.as_secs_f64() * 1000.0
        );
    }
}
