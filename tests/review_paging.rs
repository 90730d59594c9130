//! The headless reviewer lists past the contract's 10,000-offset cap: `G` in the sessions
//! pane pages by cursor through every session of the real local server.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream::{self, BoxStream};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::unbounded_channel;
use verdict::api::{Client, ClientOptions};
use verdict::review::keymap::Keymap;
use verdict::review::run::{App, AppConfig, Connection};
use verdict::review::view::buffer_text;
use verdict::review::view::theme::{Look, Theme};
use verdict::server;
use verdict::server::seed::{SeedOptions, seed};

const SESSIONS: u64 = 12_000;
const DEADLINE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bottom_lists_every_session_past_the_offset_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("server.db");
    seed(
        &db,
        &SeedOptions {
            namespace: "many".into(),
            sessions: SESSIONS,
            messages: 2,
        },
    )
    .expect("seed");
    let key = server::create_key(&db, "many").expect("key");
    let handle = server::start(&db, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("server");
    let client = Client::new(ClientOptions::new(handle.base_url(), key, "many")).expect("client");
    let conn = Connection::with_client(client, None, &dir.path().join("journal.db"), "t".into())
        .expect("connect");
    let config = AppConfig {
        keymap: Keymap::default(),
        look: Look::new(Theme::plain(), true),
        advance_after_rating: true,
        offset: chrono::FixedOffset::east_opt(0).expect("utc"),
    };
    let mut app = App::new(
        Terminal::new(TestBackend::new(120, 40)).expect("terminal"),
        config,
        conn,
    )
    .expect("app");
    let mut frames = app.frames();
    let (keys, rx) = unbounded_channel();
    let events: BoxStream<'static, std::io::Result<Event>> =
        Box::pin(stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|e| (e, rx))
        }));
    let task = tokio::spawn(async move {
        let result = app.run(events, std::future::pending()).await;
        app.close().await;
        result
    });
    let mut wait_for = async |what: &str| {
        let start = Instant::now();
        loop {
            let screen = buffer_text(&frames.borrow_and_update());
            if screen.contains(what) {
                return screen;
            }
            let left = DEADLINE.saturating_sub(start.elapsed());
            if left.is_zero() || tokio::time::timeout(left, frames.changed()).await.is_err() {
                panic!("timed out waiting for {what:?}; last screen:\n{screen}");
            }
        }
    };
    let key = |c: char| {
        Ok(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    };

    wait_for(&format!("Sessions (100/{SESSIONS})")).await;
    keys.send(key('h')).expect("running");
    keys.send(key('G')).expect("running");
    let screen = wait_for(&format!("All {SESSIONS} sessions loaded")).await;
    assert!(
        screen.contains(&format!("Sessions ({SESSIONS})")),
        "{screen}"
    );

    keys.send(key('q')).expect("running");
    tokio::time::timeout(DEADLINE, task)
        .await
        .expect("the app quits")
        .expect("the app task")
        .expect("the app ran cleanly");
    handle.shutdown().await;
}
