//! End to end: the send window and undo on the real binary (`--demo` in a tmux pane),
//! then the demo database served again to read what the server was sent.

use crate::common::tmux::{Tmux, demo_feedback, read_demo_db, start_demo};
use std::path::Path;
use verdict::api::model::Rating;

/// The demo in tmux with `[review]` settings written to its config file first, waited
/// for until it shows an unrated reply.
fn demo_with(dir: &Path, test: &str, review: &str) -> Tmux {
    let config = dir.join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("config.toml"), format!("[review]\n{review}")).expect("config");
    let tmux = start_demo(dir, test);
    tmux.wait_for("the demo with an unrated message", |s| {
        s.contains("DEMO") && s.contains("○ unrated")
    });
    tmux
}

/// `q`, and the pane's word that verdict ended cleanly.
fn quit(tmux: Tmux) {
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("a clean exit", |s| s.contains("verdict exited with"));
    assert!(screen.contains("verdict exited with 0"), "{screen}");
}

/// The countdown on the receipt, `sending in Ns · u undo`, with N in 1..=limit.
fn countdown(screen: &str, limit: u64) -> bool {
    screen.lines().any(|l| {
        l.split("sending in ").skip(1).any(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits
                .parse::<u64>()
                .is_ok_and(|n| (1..=limit).contains(&n))
                && rest[digits.len()..].starts_with("s · u undo")
        })
    })
}

/// `-` with an 8 s window shows the countdown; `u` withdraws it before it leaves, the
/// screen says the server saw nothing, and after `q` the server indeed holds nothing.
#[test]
fn undo_inside_the_send_window_withdraws_the_rating_and_the_server_gets_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The rated reply keeps the cursor, so its receipt stays in view.
    let tmux = demo_with(
        dir.path(),
        "window-undo",
        "send_delay = 8\nadvance_after_rating = false\n",
    );
    tmux.keys(&["-"]);
    let screen = tmux.wait_for("the countdown", |s| countdown(s, 8));
    assert!(screen.contains("this run ✓0 ✗1"), "{screen}");
    tmux.keys(&["u"]);
    let screen = tmux.wait_for("the withdrawn notice", |s| {
        s.contains("withdrawn before it was sent") && s.contains("the server saw nothing")
    });
    assert!(!screen.contains("u undo"), "no countdown left: {screen}");
    assert!(screen.contains("○ unrated"), "{screen}");
    // `q` sends what still waits in a window: nothing does.
    quit(tmux);

    let records = read_demo_db(&dir.path().join("data"), |client| async move {
        demo_feedback(&client).await.1
    });
    assert!(records.is_empty(), "the server got nothing: {records:?}");
}

/// `-` with a 2 s window, waited out until the receipt says the server has it; then `u`:
/// the screen says plainly that the server keeps the negative (its API cannot delete
/// feedback), and the server does keep it.
#[test]
fn undo_after_the_window_says_the_server_keeps_the_rating() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tmux = demo_with(
        dir.path(),
        "window-sent",
        "send_delay = 2\nadvance_after_rating = false\n",
    );
    tmux.keys(&["-"]);
    tmux.wait_for("the countdown", |s| countdown(s, 2));
    let screen = tmux.wait_for("the receipt of the sent rating", |s| {
        s.contains("✗ negative · not stored") && !s.contains("sending")
    });
    assert!(!screen.contains("u undo"), "{screen}");
    tmux.keys(&["u"]);
    let screen = tmux.wait_for("what the server keeps", |s| {
        s.contains("the server keeps the negative rating")
    });
    assert!(screen.contains("cannot delete feedback"), "{screen}");
    assert!(
        !screen.contains("server saw nothing"),
        "never pretends: {screen}"
    );
    // The reply is not shown as unrated while the server keeps a rating of it.
    assert!(screen.contains("✗ negative"), "{screen}");
    quit(tmux);

    let (first, records) = read_demo_db(&dir.path().join("data"), |client| async move {
        let (sessions, records) = demo_feedback(&client).await;
        (sessions[0].session_id.clone(), records)
    });
    assert_eq!(records.len(), 1, "one POST, never taken back: {records:?}");
    assert_eq!(records[0].rating, Rating::Negative);
    assert_eq!(records[0].session_id, first);
}
