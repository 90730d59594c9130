//! The namespace's tags across runs: the reviewer against the local server on 127.0.0.1
//! with a real journal file. A tag made in one run is counted from the journal in the
//! next, for the picker and for the row of a session that run has not opened.

use crate::common::TestServer;
use crate::common::driver::Driver;
use crossterm::event::{KeyCode, KeyModifiers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_made_in_an_earlier_run_is_offered_in_the_picker_of_a_new_run() {
    let server = TestServer::with_sample().await;
    let journal = server.dir.path().join("journal.db");
    // As the app lists them: it opens the first, and the tag goes into the second.
    let sessions = server
        .client()
        .list_sessions(&verdict::review::effect::list_request(), 100)
        .await
        .expect("sessions");
    assert!(
        sessions.len() >= 2,
        "the sample has sessions to choose from"
    );
    let second = sessions[1].session_name.clone().expect("a named session");

    let mut app = Driver::start(server.client(), &journal);
    app.wait_for("the first session", |s| s.contains("○ unrated"))
        .await;
    // To the session list, one row down, open it.
    app.key('h');
    app.key('j');
    app.press(KeyCode::Enter, KeyModifiers::NONE);
    // Its name in the transcript pane's title: the pane shows it, not the first one.
    let title = format!("╭ {second} ·");
    app.wait_for("the second session open", |s| {
        s.contains(&title) && s.contains("○ unrated")
    })
    .await;
    app.key('#');
    app.wait_for("the picker", |s| s.contains("Esc closes"))
        .await;
    app.text("stale_docs");
    app.wait_for("the new tag offered", |s| s.contains("new tag: stale_docs"))
        .await;
    app.press(KeyCode::Enter, KeyModifiers::NONE);
    app.wait_for("the tag sent with its rating", |s| {
        s.contains("#stale_docs") && s.contains("✗ negative") && !s.contains("sending")
    })
    .await;
    app.quit().await;

    // A new run opens the first session again; the second is not loaded.
    let mut app = Driver::start(server.client(), &journal);
    let screen = app
        .wait_for(
            "the second session's row counts its tag from the journal",
            |s| s.contains("○ unrated") && s.contains("1 tagged"),
        )
        .await;
    assert!(!screen.contains("#stale_docs"), "not opened: {screen}");
    app.key('#');
    app.text("stale_docs");
    let screen = app
        .wait_for("the journal's tag in the picker", |s| {
            s.contains("stale_docs (1)")
        })
        .await;
    assert!(!screen.contains("new tag:"), "known, not new: {screen}");
    app.press(KeyCode::Esc, KeyModifiers::NONE);
    app.quit().await;
    server.stop().await;
}
