//! The send window and undo, end to end: the reviewer against the local server on
//! 127.0.0.1 with a real SQLite file, the server's feedback listing checked after.

use crate::common::TestServer;
use crate::common::driver::Driver;
use std::time::Duration;
use verdict::api::model::{FeedbackRecord, Rating};
use verdict::review::typeset::style::{Look, Theme};

const DEADLINE: Duration = Duration::from_secs(20);

fn windowed(server: &TestServer, delay: Duration) -> Driver {
    Driver::start_windowed(
        server.client(),
        &server.dir.path().join("journal.db"),
        Look::new(Theme::colored(), false),
        DEADLINE,
        delay,
        false,
    )
}

/// Every record the server holds for a session: one per POST it received.
async fn records(server: &TestServer, session_id: &str) -> Vec<FeedbackRecord> {
    server
        .client()
        .feedback_listing(session_id)
        .await
        .expect("listing")
        .expect("offered by the local server")
        .feedback
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_amended_inside_its_window_is_one_post_with_the_final_state() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let ids = server.assistant_ids(&tools.session_id).await;
    let last = ids.last().expect("a reply").clone();
    let mut app = windowed(&server, Duration::from_secs(3));
    app.wait_for("the transcript", |s| s.contains("○ unrated"))
        .await;
    // One key per reply; the last stays selected and is rated again, negative.
    for _ in &ids {
        app.key('+');
    }
    app.key('-');
    app.wait_for("the countdown", |s| {
        s.contains("sending in") && s.contains("u undo")
    })
    .await;
    app.wait_for("every receipt", |s| {
        !s.contains("sending") && s.matches("✗ negative").count() == 1
    })
    .await;
    app.quit().await;
    let records = records(&server, &tools.session_id).await;
    assert_eq!(records.len(), ids.len(), "one POST per reply: {records:?}");
    let of_last: Vec<_> = records.iter().filter(|r| r.message_id == last).collect();
    assert_eq!(of_last.len(), 1, "{records:?}");
    assert_eq!(of_last[0].rating, Rating::Negative);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undone_inside_its_window_the_server_sees_nothing() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let mut app = windowed(&server, Duration::from_secs(30));
    app.wait_for("the transcript", |s| s.contains("○ unrated"))
        .await;
    app.key('+');
    app.wait_for("the countdown", |s| s.contains("sending in"))
        .await;
    app.key('u');
    app.wait_for("the undo notice", |s| s.contains("the server saw nothing"))
        .await;
    // q sends what still waits in a window: nothing does.
    app.quit().await;
    assert!(records(&server, &tools.session_id).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_after_sending_resends_the_earlier_rating_even_after_a_restart() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let ids = server.assistant_ids(&tools.session_id).await;
    let last = ids.last().expect("a reply").clone();
    let mut app = windowed(&server, Duration::ZERO);
    app.wait_for("the transcript", |s| s.contains("○ unrated"))
        .await;
    for _ in &ids {
        app.key('+');
    }
    app.wait_for("every reply sent", |s| {
        s.matches("stored to memory").count() + s.matches("· stored").count() >= 1
            && !s.contains("○ unrated")
            && !s.contains("sending")
    })
    .await;
    app.key('-');
    app.wait_for("the change", |s| s.contains("changed from positive"))
        .await;
    app.wait_for("the negative sent", |s| {
        s.contains("✗ negative · not stored") && !s.contains("sending")
    })
    .await;
    app.quit().await;

    // A new run: u still knows the last action, and sends the earlier rating again. A
    // short send window keeps the undo's notice on screen until its receipt replaces it
    // (results are drawn at most every 16 ms, and the receipt could come first).
    let mut app = windowed(&server, Duration::from_secs(1));
    app.wait_for("the transcript", |s| s.contains("✗ negative"))
        .await;
    app.key('u');
    app.wait_for("the undo notice", |s| s.contains("goes back to positive"))
        .await;
    app.wait_for("the positive sent again", |s| {
        !s.contains("✗ negative") && !s.contains("sending")
    })
    .await;
    app.quit().await;
    let records = records(&server, &tools.session_id).await;
    let of_last: Vec<_> = records.iter().filter(|r| r.message_id == last).collect();
    // Latest first: the positive sent by the undo, the negative, the first positive.
    assert_eq!(of_last.len(), 3, "{records:?}");
    assert_eq!(of_last[0].rating, Rating::Positive, "{records:?}");
    assert_eq!(of_last[1].rating, Rating::Negative, "{records:?}");
}
