//! Next unrated: walking sessions, and the keys queued while a walk loads.

use super::helpers::*;

#[test]
fn next_unrated_walks_the_session_then_crosses_into_the_next_loading_it() {
    let mut m = loaded(120, 40);
    // The cursor opened on a4, the first unrated message: ] takes it as the next one.
    let fx = update(&mut m, cmd(Command::NextUnrated));
    assert!(fx.is_empty());
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    assert!(m.notice.as_ref().unwrap().text.contains("again skips it"));
    // Again: on to a6.
    update(&mut m, cmd(Command::NextUnrated));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    assert_eq!(m.focus, Pane::Transcript);

    // Nothing unrated left below in ses_a: ses_b is opened and loaded.
    let fx = update(&mut m, cmd(Command::NextUnrated));
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    assert!(fx.iter().any(
        |e| matches!(e, Effect::LoadHistory { session_id, offset: 0, .. } if session_id == "ses_b")
    ));
    assert!(m.jump.is_some());
    serve_demo(&mut m, fx);
    assert_eq!(m.jump, None);
    assert_eq!(cursor_id(&m).as_deref(), Some("b2"));
    assert_eq!(m.sessions.selected_row().unwrap().id, "ses_b");

    // ses_c is fully rated (the server says so): nothing more below.
    let fx = update(&mut m, cmd(Command::NextUnrated));
    assert!(fx.is_empty());
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    assert!(m.notice.as_ref().unwrap().text.contains("No unrated"));

    // And back up: the last unrated of ses_a.
    update(&mut m, cmd(Command::PrevUnrated));
    assert_eq!(m.open.as_deref(), Some("ses_a"));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
}

#[test]
fn next_unrated_skips_a_session_that_turns_out_fully_rated() {
    let mut m = model(120, 40);
    // The hosted API gives no review stats: ses_y must be loaded to know.
    let mut sessions = demo_sessions();
    sessions.truncate(1);
    let mut y = session("ses_y", "Already done", SessionStatus::Active, None);
    y.review = None;
    let z = session("ses_z", "Still to do", SessionStatus::Active, None);
    sessions.push(y);
    sessions.push(z);
    let mut histories = demo_histories();
    histories.push((
        "ses_y",
        vec![msg("y1", "user", "hi"), msg("y2", "assistant", "hello")],
    ));
    histories.push((
        "ses_z",
        vec![msg("z1", "user", "hi"), msg("z2", "assistant", "hey")],
    ));
    let known = vec![(
        "ses_y",
        vec![crate::review::action::KnownRating {
            message_id: "y2".into(),
            receipt: Receipt::Sent {
                rating: Rating::Positive,
                stored: true,
                entry: None,
            },
            note: None,
        }],
    )];
    let fx = crate::review::update::start(&mut m);
    serve(&mut m, fx, &sessions, &histories, &known);
    update(&mut m, cmd(Command::NextUnrated));
    update(&mut m, cmd(Command::NextUnrated));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    // ses_y loads, turns out fully rated, and the walk goes on to ses_z.
    let fx = update(&mut m, cmd(Command::NextUnrated));
    assert_eq!(m.open.as_deref(), Some("ses_y"));
    serve(&mut m, fx, &sessions, &histories, &known);
    assert_eq!(m.open.as_deref(), Some("ses_z"));
    assert_eq!(cursor_id(&m).as_deref(), Some("z2"));
}

#[test]
fn keys_pressed_while_next_unrated_loads_apply_where_it_lands() {
    let mut m = loaded(120, 40);
    // In ses_a: a4 and a6 unrated, the cursor on a4. ] ] goes to a6, ] crosses into
    // ses_b (loading).
    update(&mut m, cmd(Command::NextUnrated));
    update(&mut m, cmd(Command::NextUnrated));
    let mut fx = update(&mut m, cmd(Command::NextUnrated));
    assert!(m.jump.is_some());
    // Typed before ses_b arrives: rate it positive.
    fx.extend(update(&mut m, cmd(Command::RatePositive)));
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::Rate { .. })),
        "{fx:?}"
    );
    let notice = m.notice.clone().unwrap().text;
    assert!(
        notice.contains("Loading Q3 summary") && notice.contains("then +"),
        "{notice}"
    );
    let rest = serve_demo(&mut m, fx);
    assert!(m.queued.is_empty());
    assert!(
        rest.iter().any(|e| matches!(e,
            Effect::Rate { session_id, message_id, rating: Rating::Positive, .. }
                if session_id == "ses_b" && message_id == "b2")),
        "{rest:?}"
    );
    assert!(matches!(
        receipt(&m, "ses_b", "b2"),
        Some(Receipt::Saving {
            rating: Rating::Positive,
            ..
        })
    ));
    // Nothing else was rated on the way.
    assert_eq!(receipt(&m, "ses_a", "a6"), None);
}

#[test]
fn several_keys_queue_in_order_behind_a_load() {
    let mut m = loaded(120, 40);
    // ] ] : from a4 (where the cursor opened) on to a6.
    update(&mut m, cmd(Command::NextUnrated));
    update(&mut m, cmd(Command::NextUnrated));
    // ] (to ses_b, loading) - ] (nothing unrated below ses_b after rating it) +
    let mut fx = update(&mut m, cmd(Command::NextUnrated));
    for c in [
        Command::RateNegative,
        Command::NextUnrated,
        Command::RatePositive,
    ] {
        fx.extend(update(&mut m, cmd(c)));
    }
    assert_eq!(m.queued.len(), 3);
    let rest = serve_demo(&mut m, fx);
    let rates: Vec<_> = rest
        .iter()
        .filter_map(|e| match e {
            Effect::Rate {
                message_id, rating, ..
            } => Some((message_id.as_str(), *rating)),
            _ => None,
        })
        .collect();
    // b2 rated negative; the second ] found nothing unrated below, so + was not applied to
    // whatever happened to be selected, and the reviewer is told.
    assert_eq!(rates, vec![("b2", Rating::Negative)]);
    assert!(m.queued.is_empty());
    let notice = m.notice.clone().unwrap();
    assert!(
        notice.text.contains("No unrated") && notice.text.contains("Not applied: +"),
        "{}",
        notice.text
    );
}

#[test]
fn queued_keys_are_dropped_visibly_when_the_reviewer_moves_away_or_the_load_fails() {
    let mut m = loaded(120, 40);
    // ] ] on to a6, ] into ses_b.
    update(&mut m, cmd(Command::NextUnrated));
    update(&mut m, cmd(Command::NextUnrated));
    update(&mut m, cmd(Command::NextUnrated));
    update(&mut m, cmd(Command::RatePositive));
    // j: the reviewer changed course; the + is not applied anywhere later.
    update(&mut m, cmd(Command::Down));
    assert!(m.queued.is_empty() && m.jump.is_none());
    let notice = m.notice.clone().unwrap();
    assert_eq!(notice.level, Level::Warning);
    assert!(notice.text.contains("Not applied: +"), "{}", notice.text);

    // A load that fails: the error, then what was not applied.
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::NextUnrated));
    update(&mut m, cmd(Command::NextUnrated));
    let fx = update(&mut m, cmd(Command::NextUnrated));
    update(&mut m, cmd(Command::RatePositive));
    let Some(Effect::LoadHistory { generation, .. }) = fx
        .iter()
        .find(|e| matches!(e, Effect::LoadHistory { .. }))
        .cloned()
    else {
        panic!("ses_b is loaded: {fx:?}");
    };
    let fx = update(
        &mut m,
        Action::HistoryLoaded {
            session_id: "ses_b".into(),
            generation,
            offset: 0,
            result: Err(ApiError::Network("connection refused".into())),
        },
    );
    assert!(fx.iter().all(|e| !matches!(e, Effect::Rate { .. })));
    assert!(m.queued.is_empty());
    let notice = m.notice.clone().unwrap();
    assert_eq!(notice.level, Level::Error);
    assert!(notice.text.contains("Not applied: +"), "{}", notice.text);
}

#[test]
fn landing_in_a_part_loaded_session_counts_the_whole_session() {
    let mut m = model(120, 40);
    let many = alternating(450);
    let sessions = vec![
        session("ses_s", "Short", SessionStatus::Active, Some((1, 1))),
        session("ses_l", "Long", SessionStatus::Active, Some((0, 225))),
    ];
    let short = vec![msg("s0", "user", "hi"), msg("s1", "assistant", "hello")];
    let known = vec![(
        "ses_s",
        vec![crate::review::action::KnownRating {
            message_id: "s1".into(),
            receipt: Receipt::Sent {
                rating: Rating::Positive,
                stored: true,
                entry: None,
            },
            note: None,
        }],
    )];
    let fx = crate::review::update::start(&mut m);
    serve(&mut m, fx, &sessions, &[("ses_s", short)], &known);
    assert_eq!(m.open.as_deref(), Some("ses_s"));
    let fx = update(&mut m, cmd(Command::NextUnrated));
    let generation = m.transcripts["ses_l"].generation;
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadHistory { session_id, .. } if session_id == "ses_l"))
    );
    update(
        &mut m,
        Action::KnownRatingsLoaded {
            session_id: "ses_l".into(),
            generation,
            result: Ok(vec![]),
        },
    );
    update(
        &mut m,
        Action::HistoryLoaded {
            session_id: "ses_l".into(),
            generation,
            offset: 0,
            result: Ok(history("ses_l", many[..200].to_vec(), 450)),
        },
    );
    assert_eq!(cursor_id(&m).as_deref(), Some("m1"));
    let notice = &m.notice.as_ref().unwrap().text;
    assert!(
        notice.contains("225 of 225 assistant messages unrated"),
        "{notice}"
    );
}

#[test]
fn next_unrated_after_a_rating_takes_the_message_the_rating_moved_on_to() {
    let mut m = loaded(120, 40);
    // + rates a4 and moves on to a6; ] then takes a6 instead of skipping past it, so
    // "] +" typed in pairs rates every reply.
    update(&mut m, cmd(Command::RatePositive));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    let fx = update(&mut m, cmd(Command::NextUnrated));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    let fx = update(&mut m, cmd(Command::RateNegative));
    assert!(matches!(&fx[..], [Effect::Rate { message_id, .. }] if message_id == "a6"));
    // Moved by hand, ] goes strictly onwards.
    update(&mut m, cmd(Command::Top));
    update(&mut m, cmd(Command::NextUnrated));
    assert_ne!(
        m.open.as_deref(),
        Some("ses_a"),
        "nothing unrated left in ses_a"
    );
}
