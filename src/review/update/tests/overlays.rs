//! The filter, refresh, help and the quit confirmation.

use super::helpers::*;

#[test]
fn filter_cycles_through_unrated_and_statuses() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::Filter));
    assert_eq!(m.filter, Filter::Unrated);
    let ids = |m: &Model| -> Vec<String> {
        m.sessions
            .visible
            .iter()
            .map(|&i| m.sessions.rows[i].id.clone())
            .collect()
    };
    assert_eq!(ids(&m), vec!["ses_a", "ses_b"]);
    update(&mut m, cmd(Command::Filter));
    assert_eq!(m.filter, Filter::Status(SessionStatus::Active));
    assert_eq!(ids(&m), vec!["ses_a"]);
    update(&mut m, cmd(Command::Filter));
    assert_eq!(ids(&m), vec!["ses_b"]);
    update(&mut m, cmd(Command::Filter));
    assert_eq!(ids(&m), vec!["ses_c"]);
    update(&mut m, cmd(Command::Filter));
    assert!(ids(&m).is_empty());
    update(&mut m, cmd(Command::Filter));
    assert_eq!(m.filter, Filter::All);
    assert_eq!(ids(&m).len(), 3);
}

#[test]
fn the_transcript_follows_the_selection_when_a_filter_hides_the_open_session() {
    let mut m = loaded(120, 40);
    // Open the archived, fully rated session.
    update(&mut m, cmd(Command::FocusSessions));
    update(&mut m, cmd(Command::Bottom));
    let fx = update(&mut m, cmd(Command::Open));
    serve_demo(&mut m, fx);
    assert_eq!(m.open.as_deref(), Some("ses_c"));
    update(&mut m, cmd(Command::FocusSessions));
    // "unrated" hides it: the selection moves to the first session, and so does the
    // transcript (already loaded, so at once).
    update(&mut m, cmd(Command::Filter));
    assert_eq!(m.filter, Filter::Unrated);
    assert_eq!(
        m.sessions.selected_row().map(|r| r.id.as_str()),
        Some("ses_a")
    );
    assert_eq!(m.open.as_deref(), Some("ses_a"));
}

#[test]
fn the_filter_line_stays_when_the_filter_opens_another_session() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::FocusSessions));
    // all -> unrated -> active -> idle: the idle session is not loaded yet.
    for _ in 0..3 {
        update(&mut m, cmd(Command::Filter));
    }
    assert_eq!(m.filter, Filter::Status(SessionStatus::Idle));
    let fx = update(&mut m, Action::Tick);
    serve_demo(&mut m, fx);
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    let notice = m.notice.as_ref().expect("the filter line");
    assert!(
        notice.text.contains("Showing idle sessions"),
        "{}",
        notice.text
    );
}

#[test]
fn load_errors_are_shown_and_r_retries() {
    let mut m = model(120, 40);
    let fx = crate::review::update::start(&mut m);
    let Effect::LoadSessions { generation, .. } = fx[0] else {
        panic!("{fx:?}")
    };
    update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from: PageStart::Offset(0),
            result: Err(ApiError::Network("connection refused".into())),
        },
    );
    assert!(m.sessions.error.as_ref().unwrap().contains("press r"));
    let fx = update(&mut m, cmd(Command::Refresh));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::LoadSessions {
            from: PageStart::Offset(0),
            ..
        }
    )));
}

#[test]
fn quitting_with_sends_pending_asks_first() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::Quit));
    assert!(m.quit, "nothing pending: quits at once");

    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RatePositive));
    update(&mut m, cmd(Command::Quit));
    assert!(!m.quit);
    assert!(matches!(m.mode, Mode::ConfirmQuit));
    update(&mut m, Action::ConfirmNo);
    assert!(matches!(m.mode, Mode::Browse));
    update(&mut m, cmd(Command::Quit));
    update(&mut m, Action::ConfirmYes);
    assert!(m.quit);
    assert!(!m.quit_now, "q gives a send in flight its grace");

    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RatePositive));
    update(&mut m, Action::ForceQuit);
    assert!(m.quit, "Ctrl-C never asks");
    assert!(m.quit_now, "and does not wait for a send in flight");
}

#[test]
fn help_scrolls_within_its_length() {
    let mut m = loaded(80, 24);
    update(&mut m, cmd(Command::Help));
    update(&mut m, cmd(Command::Bottom));
    let Mode::Help { scroll: bottom } = m.mode else {
        panic!()
    };
    assert!(bottom > 0);
    update(&mut m, cmd(Command::Down));
    assert!(matches!(m.mode, Mode::Help { scroll } if scroll == bottom));
    update(&mut m, cmd(Command::Up));
    assert!(matches!(m.mode, Mode::Help { scroll } if scroll == bottom - 1));
    update(&mut m, Action::Dismiss);
    assert!(matches!(m.mode, Mode::Browse));
}
