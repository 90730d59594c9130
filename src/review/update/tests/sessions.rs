//! The session list: opening, paging, loading every page, previewing, stale answers.

use super::helpers::*;

#[test]
fn opening_loads_the_first_session_and_lands_on_its_first_unrated_message() {
    let m = loaded(120, 40);
    assert_eq!(m.open.as_deref(), Some("ses_a"));
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    let t = m.open_transcript().unwrap();
    assert!(t.complete && t.known_loaded);
    assert_eq!((t.rated, t.assistants), (0, 2));
    assert_eq!(m.sessions.visible.len(), 3);
}

#[test]
fn the_first_session_opens_with_the_transcript_focused() {
    let mut m = loaded(120, 40);
    assert_eq!(m.focus, Pane::Transcript);
    // j moves to the next reply, not to the next session.
    update(&mut m, cmd(Command::Down));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    assert_eq!(m.sessions.selected, 0);
}

#[test]
fn sessions_page_in_as_the_selection_nears_the_end() {
    let mut m = model(120, 40);
    let many = numbered_sessions(250, 3);
    let fx = crate::review::update::start(&mut m);
    let Effect::LoadSessions { generation, .. } = fx[0] else {
        panic!()
    };
    let mut first = page(many[..100].to_vec());
    first.total = 250;
    let fx = update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from: PageStart::Offset(0),
            result: Ok(listed(first)),
        },
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadSessions { .. })));
    update(&mut m, cmd(Command::FocusSessions));
    let rows = m.areas().unwrap().session_rows();
    let early: Vec<_> = (0..40)
        .flat_map(|_| update(&mut m, cmd(Command::Down)))
        .collect();
    assert!(early.is_empty(), "{early:?}");
    let fx: Vec<_> = (0..rows * 2)
        .flat_map(|_| update(&mut m, cmd(Command::Down)))
        .collect();
    let loads: Vec<_> = fx
        .iter()
        .filter(|e| matches!(e, Effect::LoadSessions { .. }))
        .collect();
    // Asked for once, however many keys follow while it loads.
    assert_eq!(
        loads,
        vec![&Effect::LoadSessions {
            generation,
            from: PageStart::Offset(100),
            limit: crate::review::effect::SESSIONS_PAGE,
        }]
    );
}

#[test]
fn bottom_in_the_sessions_pane_loads_every_page_in_big_ones() {
    let mut m = model(120, 40);
    let many = numbered_sessions(2_500, 5);
    let fx = crate::review::update::start(&mut m);
    serve(&mut m, fx, &many[..], &[], &[]);
    assert_eq!(m.sessions.rows.len(), 100);
    assert!(!m.sessions.exhausted);
    // The cursor the server handed out is where the next page starts.
    assert_eq!(m.sessions.next, Some(PageStart::Cursor("100".into())));

    update(&mut m, cmd(Command::FocusSessions));
    let fx = update(&mut m, cmd(Command::Bottom));
    let loads: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadSessions { limit, .. } => Some(*limit),
            _ => None,
        })
        .collect();
    assert_eq!(loads, vec![crate::review::effect::SESSIONS_PAGE_BULK]);
    serve(&mut m, fx, &many[..], &[], &[]);
    assert_eq!(m.sessions.rows.len(), 2_500);
    assert!(m.sessions.exhausted && !m.sessions.to_end);
    assert_eq!(
        m.sessions.selected_row().map(|r| r.id.as_str()),
        Some("ses_02499")
    );
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("All 2500 sessions")
    );

    // A move while it loads stops the walk after the page in flight.
    let mut m = model(120, 40);
    let fx = crate::review::update::start(&mut m);
    serve(&mut m, fx, &many[..], &[], &[]);
    update(&mut m, cmd(Command::FocusSessions));
    let fx = update(&mut m, cmd(Command::Bottom));
    update(&mut m, cmd(Command::Up));
    serve(&mut m, fx, &many[..], &[], &[]);
    assert_eq!(m.sessions.rows.len(), 1_100);
    assert!(!m.sessions.to_end);
}

#[test]
fn a_server_that_repeats_its_cursor_ends_the_list_instead_of_paging_forever() {
    let mut m = loaded(120, 40);
    let from = PageStart::Cursor("c1".into());
    m.sessions.next = Some(from.clone());
    m.sessions.exhausted = false;
    m.sessions.loading = true;
    let generation = m.sessions.generation;
    let fx = update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from: from.clone(),
            result: Ok(crate::api::SessionsPage {
                response: page(vec![session(
                    "ses_d",
                    "Fourth",
                    SessionStatus::Active,
                    Some((0, 1)),
                )]),
                next: Some(from),
                unreadable: Vec::new(),
            }),
        },
    );
    assert!(m.sessions.next.is_none());
    assert!(m.sessions.exhausted);
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::LoadSessions { .. })),
        "{fx:?}"
    );
}

#[test]
fn moving_in_the_sessions_pane_previews_the_session_once_the_selection_rests() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::FocusSessions));
    // Passing over rows loads nothing.
    let mut fx = update(&mut m, cmd(Command::Down));
    fx.extend(update(&mut m, cmd(Command::Down)));
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::LoadHistory { .. })),
        "{fx:?}"
    );
    assert_eq!(m.sessions.preview.as_deref(), Some("ses_c"));
    let seq = m.sessions.preview_seq;
    // Back up one: still waiting, now for ses_b, with the rest timer restarted.
    fx.extend(update(&mut m, cmd(Command::Up)));
    assert!(fx.iter().all(|e| !matches!(e, Effect::LoadHistory { .. })));
    assert_eq!(m.sessions.preview.as_deref(), Some("ses_b"));
    assert!(m.sessions.preview_seq > seq);

    // The loop's timer: the selection rested on ses_b, which alone is loaded and shown.
    let fx = update(&mut m, Action::Tick);
    let loads: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadHistory { session_id, .. } => Some(session_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(loads, vec!["ses_b"]);
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    assert_eq!(m.focus, Pane::Sessions);
    serve_demo(&mut m, fx);
    assert_eq!(cursor_id(&m).as_deref(), Some("b2"));
    assert_eq!(m.focus, Pane::Sessions);
    assert!(screen(&m).contains("Revenue grew 12%"));

    // Back onto ses_a, already loaded: shown at once, nothing asked of the server.
    let fx = update(&mut m, cmd(Command::Up));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(m.open.as_deref(), Some("ses_a"));
    assert_eq!(m.sessions.preview, None);
    // A stale rest does nothing: the preview it was for is gone.
    assert!(update(&mut m, Action::Tick).is_empty());
    // Enter moves into the transcript, as before.
    update(&mut m, cmd(Command::Open));
    assert_eq!(m.focus, Pane::Transcript);
}

#[test]
fn notices_about_one_session_go_when_another_opens() {
    let mut m = loaded(120, 40);
    m.set_notice(Level::Info, "Match 2 of 3 for \"video\".");
    update(&mut m, cmd(Command::FocusSessions));
    let fx = update(&mut m, cmd(Command::Down));
    serve_demo(&mut m, fx);
    let fx = update(&mut m, Action::Tick);
    serve_demo(&mut m, fx);
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    assert!(m.notice.is_none(), "{:?}", m.notice);
    // An error stays until something replaces it.
    m.set_notice(Level::Error, "Cannot reach the server.");
    update(&mut m, cmd(Command::Up));
    assert_eq!(m.open.as_deref(), Some("ses_a"));
    assert_eq!(m.notice.as_ref().unwrap().level, Level::Error);
}

#[test]
fn stale_results_are_dropped() {
    let mut m = loaded(120, 40);
    let old_sessions = m.sessions.generation;
    let old_history = m.open_transcript().unwrap().generation;
    let fx = update(&mut m, cmd(Command::Refresh));
    assert!(fx.contains(&Effect::WakeOutbox));
    assert!(m.sessions.generation > old_sessions);
    // An answer to the request before the refresh: ignored.
    update(
        &mut m,
        Action::SessionsLoaded {
            generation: old_sessions,
            from: PageStart::Offset(0),
            result: Ok(listed(page(vec![session(
                "ses_x",
                "Stale",
                SessionStatus::Active,
                None,
            )]))),
        },
    );
    assert!(m.sessions.row("ses_x").is_none());
    update(
        &mut m,
        Action::HistoryLoaded {
            session_id: "ses_a".into(),
            generation: old_history,
            offset: 0,
            result: Ok(history("ses_a", vec![msg("zz", "user", "stale")], 1)),
        },
    );
    assert_eq!(m.open_transcript().unwrap().messages.len(), 6);
    // The fresh answers apply, and the reviewer's place is kept.
    serve_demo(&mut m, fx);
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
}
