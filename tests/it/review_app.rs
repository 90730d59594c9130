//! The whole reviewer, headless: keys in, TestBackend frames out, against the real local
//! server on 127.0.0.1 with a real SQLite file; the server's records are then checked.

use crate::common;

use crate::common::TestServer;
use crate::common::driver::Driver;
use crossterm::event::{KeyCode, KeyModifiers};
use std::time::{Duration, Instant};
use verdict::api::ApiKey;
use verdict::api::model::{Rating, SubmitFeedbackRequest};

const DEADLINE: Duration = Duration::from_secs(15);

/// The header line above the first line containing `content` (the message's receipt).
fn header_of<'a>(screen: &'a str, content: &str) -> &'a str {
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(content))
        .unwrap_or_else(|| panic!("{content:?} not on screen:\n{screen}"));
    lines[..at]
        .iter()
        .rev()
        .find(|l| l.contains("assistant"))
        .unwrap_or_else(|| panic!("no header above {content:?}:\n{screen}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_positive_then_negative_with_text_and_the_server_agrees() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let assistants: Vec<_> = server
        .history(&tools.session_id)
        .await
        .into_iter()
        .filter(|m| m.role == "assistant")
        .collect();
    assert!(assistants.len() >= 2, "{assistants:?}");
    let (first, second) = (&assistants[0], &assistants[1]);

    let mut app = Driver::start(server.client(), &server.dir.path().join("journal.db"));
    // The newest session opens with the cursor on its first unrated assistant message.
    app.wait_for("the transcript", |s| {
        s.contains("There are 42 videos.") && s.contains("○ unrated")
    })
    .await;
    app.key('+');
    // The selection moved on by itself: rate that one negative, with text.
    app.key('c');
    app.wait_for("the editor", |s| s.contains("Rate with text"))
        .await;
    app.text("Too vague");
    app.press(KeyCode::Tab, KeyModifiers::NONE);
    app.press(KeyCode::Char('s'), KeyModifiers::CONTROL);

    let screen = app
        .wait_for("both receipts", |s| {
            s.contains("✓ positive · stored to memory") && s.contains("✗ negative · not stored")
        })
        .await;
    assert!(
        header_of(&screen, first.content.lines().next().unwrap_or(""))
            .contains("✓ positive · stored to memory"),
        "{screen}"
    );
    assert!(
        header_of(&screen, &second.content).contains("✗ negative · not stored"),
        "{screen}"
    );
    assert!(screen.contains("this run ✓1 ✗1"), "{screen}");
    assert!(screen.contains("2/3 rated"), "{screen}");

    // The server recorded exactly that.
    let client = server.client();
    let listing = client
        .feedback_listing(&tools.session_id)
        .await
        .expect("listing")
        .expect("offered by the local server");
    // Both may carry the same recorded_at: match them by message, not by order.
    let records = &listing.feedback;
    assert_eq!(records.len(), 2, "{records:?}");
    let of = |id: &str| {
        records
            .iter()
            .find(|r| r.message_id == id)
            .unwrap_or_else(|| panic!("no record for {id}: {records:?}"))
    };
    let positive = of(&first.message_id);
    assert_eq!(positive.rating, Rating::Positive);
    assert_eq!(positive.feedback_text, None);
    assert!(positive.stored);
    let negative = of(&second.message_id);
    assert_eq!(negative.rating, Rating::Negative);
    assert_eq!(negative.feedback_text.as_deref(), Some("Too vague"));
    assert!(!negative.stored);
    let memory = client
        .memory_listing(&tools.session_id)
        .await
        .expect("memory")
        .expect("offered");
    let stored: Vec<_> = memory
        .memories
        .iter()
        .map(|m| m.message_id.as_str())
        .collect();
    assert_eq!(stored, vec![first.message_id.as_str()]);

    app.quit().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earlier_ratings_show_as_receipts_when_a_session_opens() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let history = server.history(&tools.session_id).await;
    let last = history
        .iter()
        .rev()
        .find(|m| m.role == "assistant")
        .expect("an assistant message");
    let receipt = server
        .client()
        .submit_feedback(
            &tools.session_id,
            &SubmitFeedbackRequest {
                message_id: last.message_id.clone(),
                rating: Rating::Positive,
                feedback_text: None,
            },
        )
        .await
        .expect("feedback");
    assert!(receipt.stored);

    let mut app = Driver::start(server.client(), &server.dir.path().join("journal.db"));
    let screen = app
        .wait_for("the earlier rating", |s| {
            s.contains(&last.content) && s.contains("stored to memory")
        })
        .await;
    assert!(
        header_of(&screen, &last.content).contains("✓ positive · stored to memory"),
        "{screen}"
    );
    assert!(screen.contains("1/3 rated"), "{screen}");
    // Nothing was rated in this run.
    assert!(screen.contains("this run ✓0 ✗0"), "{screen}");
    app.quit().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_leaves_the_keyboard_instant() {
    // Accepts connections and then says nothing, like a hung proxy.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let client = common::client(&format!("http://{addr}"), &ApiKey::new("sk_test"), "ns");
    let mut app = Driver::start(client, &dir.path().join("journal.db"));
    app.wait_for("the loading screen", |s| s.contains("Loading sessions"))
        .await;
    let asked = Instant::now();
    app.key('?');
    app.wait_for("the help", |s| s.contains("Keys · Esc closes"))
        .await;
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "help took {:?} while a request hung",
        asked.elapsed()
    );
    app.press(KeyCode::Esc, KeyModifiers::NONE);
    app.wait_for("help closed", |s| !s.contains("Keys · Esc closes"))
        .await;
    app.quit().await;
    hold.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_one_sentence_and_r_retries() {
    // A port nobody listens on yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("server.db");
    let key = verdict::server::create_key(&db, "late").expect("key");
    verdict::server::import::import_text(&db, "late", "sample", common::SAMPLE_JSONL)
        .expect("import");
    let client = common::client(&format!("http://127.0.0.1:{port}"), &key, "late");
    let mut app = Driver::start(client, &dir.path().join("journal.db"));
    let screen = app
        .wait_for("the error", |s| s.contains("Cannot reach the server"))
        .await;
    assert!(screen.contains("then press r."), "{screen}");
    // The app stays usable; once the server is up, r brings the sessions in.
    let server = verdict::server::start(&db, std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("server on the same port");
    app.key('r');
    let screen = app
        .wait_for("the sessions", |s| {
            s.contains("no-memory") && s.contains("There are 42 videos.")
        })
        .await;
    assert!(!screen.contains("Cannot reach the server"), "{screen}");
    app.quit().await;
    server.shutdown().await;
}

/// Two demo runs on one data directory: the demo's port changes, its name in the journal
/// does not, so a rating the first run could not send is sent by the second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_rating_left_pending_is_sent_by_the_next_demo_run() {
    use verdict::config::{Paths, Settings};
    use verdict::journal::outbox::OutboxEvent;
    use verdict::journal::{DEMO_SERVER_KEY, JournalHandle};

    let dir = tempfile::tempdir().expect("tempdir");
    let paths = Paths {
        config_file: dir.path().join("config.toml"),
        data_dir: dir.path().join("data"),
    };
    paths.ensure_data_dir().expect("data dir");
    let settings = Settings::from_layers(paths, &Default::default(), |_| None).expect("settings");
    assert!(settings.api_key.is_none());

    // First run: pick a message, then lose the server before the rating goes out.
    let mut first = verdict::commands::review::open(&settings, false)
        .await
        .expect("demo");
    assert!(first.conn.info.demo);
    assert_eq!(first.conn.info.server, verdict::review::run::DEMO_LABEL);
    let session = first
        .conn
        .client
        .list_sessions(&Default::default(), 100)
        .await
        .expect("sessions")
        .into_iter()
        .next()
        .expect("a demo session");
    let message = first
        .conn
        .client
        .history(&session.session_id)
        .await
        .expect("history")
        .into_iter()
        .find(|m| m.role == "assistant")
        .expect("an assistant message");
    let first_url = first.conn.client.base_url().to_string();
    first.server.take().expect("demo server").shutdown().await;
    let entry = first
        .conn
        .outbox
        .rate(
            &session.session_id,
            &message.message_id,
            Rating::Negative,
            Some("wrong".into()),
        )
        .await
        .expect("recorded");
    assert_eq!(entry.target.base_url, DEMO_SERVER_KEY);
    let deadline = Instant::now() + DEADLINE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, first.conn.events.recv()).await {
            Ok(Some(OutboxEvent::Retrying { entry: e, .. })) if e.id == entry.id => break,
            Ok(Some(OutboxEvent::Sent { .. })) => panic!("sent to a stopped server"),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => panic!("no retry reported for the pending rating"),
        }
    }
    first.conn.outbox.shutdown().await;
    drop(first);

    // Second run, on a new port: the rating goes out at start.
    let mut second = verdict::commands::review::open(&settings, false)
        .await
        .expect("demo again");
    assert_ne!(
        second.conn.client.base_url(),
        first_url,
        "the demo reused its port"
    );
    let deadline = Instant::now() + DEADLINE;
    let receipt = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, second.conn.events.recv()).await {
            Ok(Some(OutboxEvent::Sent { entry: e, receipt })) if e.id == entry.id => break receipt,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => panic!("the second demo run did not send the pending rating"),
        }
    };
    assert_eq!(receipt.message_id, message.message_id);
    assert!(!receipt.stored);
    let listing = second
        .conn
        .client
        .feedback_listing(&session.session_id)
        .await
        .expect("listing")
        .expect("offered by the local server");
    assert!(
        listing
            .feedback
            .iter()
            .any(|r| r.message_id == message.message_id
                && r.rating == Rating::Negative
                && r.feedback_text.as_deref() == Some("wrong")),
        "{:?}",
        listing.feedback
    );
    second.conn.outbox.shutdown().await;
    if let Some(server) = second.server.take() {
        server.shutdown().await;
    }
    // Both runs wrote under the one name, nothing under a port.
    let journal = JournalHandle::open(&settings.paths.journal_db()).expect("journal");
    let rows = journal.call(|j| j.export_rows(None)).await.expect("rows");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].entry.target.base_url, DEMO_SERVER_KEY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_in_the_sessions_pane_shows_each_session_it_rests_on() {
    let server = TestServer::with_sample().await;
    let sessions = server.sessions().await;
    assert!(sessions.len() >= 3, "the sample has three sessions or more");
    let mut firsts = Vec::new();
    for s in &sessions[..3] {
        let history = server.history(&s.session_id).await;
        firsts.push(history.last().expect("a message").content.clone());
    }
    let mut app = Driver::start(server.client(), &server.dir.path().join("journal.db"));
    app.wait_for("the first session", |s| s.contains(&firsts[0]))
        .await;
    // To the sessions pane and down one: the second session shows without Enter.
    app.key('h');
    app.key('j');
    app.wait_for("the second session, previewed", |s| {
        s.contains(&firsts[1]) && !s.contains(&firsts[0])
    })
    .await;
    // The keyboard is still in the sessions pane: j moves the selection, not a cursor.
    app.key('j');
    app.wait_for("the third session, previewed", |s| s.contains(&firsts[2]))
        .await;
    app.quit().await;
    server.stop().await;
}

/// The notes kept in a journal file, as (message id, text).
fn drafts_in(journal: &std::path::Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(journal).expect("journal");
    let mut stmt = conn
        .prepare("SELECT message_id, text FROM drafts ORDER BY saved_at")
        .expect("drafts table");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_cut_off_by_ctrl_c_comes_back_in_the_next_run_and_is_sent_from_there() {
    let server = TestServer::with_sample().await;
    let journal = server.dir.path().join("journal.db");
    let tools = server.session_named("tools").await;
    let first_reply = server
        .history(&tools.session_id)
        .await
        .into_iter()
        .find(|m| m.role == "assistant")
        .expect("an assistant message");

    let mut app = Driver::start(server.client(), &journal);
    app.wait_for("the transcript", |s| {
        s.contains("There are 42 videos.") && s.contains("○ unrated")
    })
    .await;
    app.key('c');
    app.wait_for("the editor", |s| s.contains("Rate with text"))
        .await;
    app.text("Counts the drafts too, half of");
    app.press(KeyCode::Tab, KeyModifiers::NONE);
    app.wait_for("the typed note", |s| s.contains("half of"))
        .await;
    app.interrupt().await;
    assert_eq!(
        drafts_in(&journal),
        vec![(
            first_reply.message_id.clone(),
            "Counts the drafts too, half of".to_string()
        )]
    );

    // The next run marks the message, and `c` there brings the note and its rating back.
    let mut app = Driver::start(server.client(), &journal);
    let screen = app
        .wait_for("the draft mark", |s| s.contains("✎ draft"))
        .await;
    assert!(
        header_of(&screen, first_reply.content.lines().next().unwrap_or("")).contains("✎ draft"),
        "{screen}"
    );
    assert!(screen.contains("1 unsent note from last time"), "{screen}");
    app.key('c');
    app.wait_for("the note back in the editor", |s| {
        s.contains("Rate with text") && s.contains("Counts the drafts too, half of")
    })
    .await;
    app.text(" them");
    app.press(KeyCode::Char('s'), KeyModifiers::CONTROL);
    app.wait_for("the receipt, with the note under the reply", |s| {
        s.contains("✗ negative · not stored")
            && s.contains("note · Counts the drafts too, half of them")
    })
    .await;
    app.quit().await;

    let listing = server
        .client()
        .feedback_listing(&tools.session_id)
        .await
        .expect("listing")
        .expect("offered");
    assert_eq!(listing.feedback.len(), 1, "{:?}", listing.feedback);
    let sent = &listing.feedback[0];
    assert_eq!(sent.message_id, first_reply.message_id);
    assert_eq!(sent.rating, Rating::Negative);
    assert_eq!(
        sent.feedback_text.as_deref(),
        Some("Counts the drafts too, half of them")
    );
    assert!(drafts_in(&journal).is_empty(), "a sent note is no draft");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_keyed_just_before_ctrl_c_are_all_in_the_journal() {
    let server = TestServer::with_sample().await;
    let journal = server.dir.path().join("journal.db");
    let mut app = Driver::start(server.client(), &journal);
    app.wait_for("the transcript", |s| {
        s.contains("There are 42 videos.") && s.contains("○ unrated")
    })
    .await;
    // Three ratings and Ctrl-C in one burst: the app quits before any could be written,
    // unless quitting waits for the journal.
    for _ in 0..3 {
        app.key('+');
    }
    app.interrupt().await;
    let conn = rusqlite::Connection::open(&journal).expect("journal");
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(
        count("SELECT COUNT(DISTINCT message_id) FROM ratings WHERE rating = 'positive'"),
        3
    );
    // Each went into the journal with the exchange on screen, for an export made later
    // without the server.
    assert_eq!(
        count("SELECT COUNT(*) FROM exchanges WHERE completion <> '' AND prompt IS NOT NULL"),
        3
    );
}
