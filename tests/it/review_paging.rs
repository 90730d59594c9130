//! The headless reviewer lists past the contract's 10,000-offset cap: `G` in the sessions
//! pane pages by cursor through every session of the real local server.

use crate::common;

use crate::common::driver::Driver;
use std::net::SocketAddr;
use std::time::Duration;
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
    let mut app = Driver::start_with(
        common::client(&handle.base_url(), &key, "many"),
        &dir.path().join("journal.db"),
        Look::new(Theme::plain(), true),
        DEADLINE,
    );
    let loaded_first = format!("Sessions (100/{SESSIONS})");
    app.wait_for(&loaded_first, |s| s.contains(&loaded_first))
        .await;
    app.key('h');
    app.key('G');
    let loaded_all = format!("All {SESSIONS} sessions loaded");
    let screen = app.wait_for(&loaded_all, |s| s.contains(&loaded_all)).await;
    assert!(
        screen.contains(&format!("Sessions ({SESSIONS})")),
        "{screen}"
    );

    app.quit().await;
    handle.shutdown().await;
}
