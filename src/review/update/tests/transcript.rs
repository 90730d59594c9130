//! The transcript: long histories, tool calls, wrapping only what is seen, question in view.

use super::helpers::*;

#[test]
fn long_histories_load_page_after_page_in_the_background() {
    let mut m = model(120, 40);
    let many = alternating(450);
    let sessions = vec![session("ses_l", "Long", SessionStatus::Active, None)];
    let fx = crate::review::update::start(&mut m);
    let fx = serve(&mut m, fx, &sessions, &[], &[]);
    assert!(fx.iter().all(|e| matches!(
        e,
        Effect::LoadCounts | Effect::LoadDrafts | Effect::LoadDeferrals
    )));
    // The first page arrives alone: it is shown and the next one is asked for.
    let t = m.transcripts.get("ses_l").unwrap();
    let generation = t.generation;
    let fx = update(
        &mut m,
        Action::HistoryLoaded {
            session_id: "ses_l".into(),
            generation,
            offset: 0,
            result: Ok(history("ses_l", many[..200].to_vec(), 450)),
        },
    );
    assert!(fx.contains(&Effect::LoadHistory {
        session_id: "ses_l".into(),
        generation,
        offset: 200
    }));
    let t = m.open_transcript().unwrap();
    assert_eq!(t.messages.len(), 200);
    assert!(!t.complete);
    assert_eq!(t.layout.bodies.len(), 200);
    // A page answering an offset that is not next is dropped.
    update(
        &mut m,
        Action::HistoryLoaded {
            session_id: "ses_l".into(),
            generation,
            offset: 400,
            result: Ok(history("ses_l", many[400..].to_vec(), 450)),
        },
    );
    assert_eq!(m.open_transcript().unwrap().messages.len(), 200);
}

#[test]
fn a_long_session_left_part_loaded_stops_loading_and_goes_on_when_opened_again() {
    let mut m = model(120, 40);
    let many = alternating(450);
    let sessions = vec![
        session("ses_l", "Long", SessionStatus::Active, None),
        session("ses_s", "Short", SessionStatus::Active, None),
    ];
    let short = vec![msg("s0", "user", "hi"), msg("s1", "assistant", "hello")];
    let fx = crate::review::update::start(&mut m);
    serve(&mut m, fx, &sessions, &[("ses_s", short.clone())], &[]);
    let generation = m.transcripts["ses_l"].generation;
    let page = |from: usize, to: usize| Action::HistoryLoaded {
        session_id: "ses_l".into(),
        generation,
        offset: from as u64,
        result: Ok(history("ses_l", many[from..to].to_vec(), 450)),
    };
    let asks_more = |fx: &[Effect]| {
        fx.iter()
            .any(|e| matches!(e, Effect::LoadHistory { session_id, .. } if session_id == "ses_l"))
    };
    assert!(asks_more(&update(&mut m, page(0, 200))));

    // The reviewer moves on to the short session before the second page is back.
    update(&mut m, cmd(Command::FocusSessions));
    let fx = update(&mut m, cmd(Command::Down));
    serve(&mut m, fx, &sessions, &[("ses_s", short.clone())], &[]);
    update(&mut m, Action::Tick);
    let fx = update(&mut m, cmd(Command::Open));
    serve(&mut m, fx, &sessions, &[("ses_s", short)], &[]);
    assert_eq!(m.open.as_deref(), Some("ses_s"));
    // The page in flight is kept, and nothing more is asked for.
    assert!(!asks_more(&update(&mut m, page(200, 400))));
    let t = &m.transcripts["ses_l"];
    assert_eq!(t.messages.len(), 400);
    assert!(!t.complete && !t.loading);

    // Opening it again goes on from message 400, in the same generation.
    update(&mut m, cmd(Command::FocusSessions));
    let fx = update(&mut m, cmd(Command::Up));
    update(&mut m, Action::Tick);
    let mut fx = fx;
    fx.extend(update(&mut m, cmd(Command::Open)));
    assert_eq!(m.open.as_deref(), Some("ses_l"));
    assert!(fx.contains(&Effect::LoadHistory {
        session_id: "ses_l".into(),
        generation,
        offset: 400
    }));
    update(&mut m, page(400, 450));
    assert!(m.transcripts["ses_l"].complete);
}

#[test]
fn enter_unfolds_a_tool_call_and_the_layout_follows() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::FocusTranscript));
    update(&mut m, cmd(Command::Top));
    assert_eq!(cursor_id(&m).as_deref(), Some("a2"));
    // Folded, a tool call is its header and a blank line.
    assert_eq!(m.open_transcript().unwrap().layout.height(1), Some(2));
    update(&mut m, cmd(Command::Open));
    let t = m.open_transcript().unwrap();
    assert!(t.unfolded[1]);
    assert!(t.layout.height(1).unwrap() > 2, "wrapped again, taller");
    assert!(screen(&m).contains("inputs"), "{}", screen(&m));
    update(&mut m, cmd(Command::Open));
    assert_eq!(m.open_transcript().unwrap().layout.height(1), Some(2));
}

#[test]
fn a_resize_rewraps_once_before_the_next_frame_and_keeps_the_cursor_in_view() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::NextUnrated));
    let before = m.open_transcript().unwrap().layout.width;
    for w in [100, 90, 80] {
        update(&mut m, Action::Resize(w, 24));
    }
    // Nothing re-wrapped yet: a burst of resizes costs one wrap.
    assert_eq!(m.open_transcript().unwrap().layout.width, before);
    crate::review::update::prepare(&mut m);
    let a = m.areas().unwrap();
    let rows = a.transcript_lines();
    let t = m.open_transcript().unwrap();
    assert_eq!(t.layout.width, a.wrap_width());
    // The cursor's message, header to last line, is inside the view.
    let c = t.cursor.unwrap();
    let mut start = 0;
    for i in t.scroll.item..c {
        start += t.layout.height(i).unwrap() - if i == t.scroll.item { t.scroll.line } else { 0 };
    }
    let end = start + t.layout.height(c).unwrap() - 1;
    assert!(
        c >= t.scroll.item && end <= rows,
        "{start}..{end} vs {rows} rows from {:?}",
        t.scroll
    );
}

#[test]
fn a_long_transcript_wraps_only_what_is_looked_at() {
    let mut m = loaded(120, 40);
    let long: Vec<_> = (0..5_000)
        .map(|i| {
            if i % 2 == 0 {
                msg(&format!("q{i}"), "user", "A question that is short.")
            } else {
                msg(
                    &format!("r{i}"),
                    "assistant",
                    &format!("## Answer {i}\n\nA paragraph that is long enough to wrap once or twice at this width, with **bold** text and `code`.\n\n- one\n- two"),
                )
            }
        })
        .collect();
    let fx = update(&mut m, Action::Command(Command::Refresh));
    let histories = [("ses_a", long)];
    serve(&mut m, fx, &demo_sessions(), &histories, &[]);
    crate::review::update::prepare(&mut m);
    let wrapped = |m: &Model| m.open_transcript().unwrap().layout.wrapped;
    assert_eq!(m.open_transcript().unwrap().messages.len(), 5_000);
    assert!(wrapped(&m) < 40, "{} wrapped after loading", wrapped(&m));
    update(&mut m, cmd(Command::FocusTranscript));
    update(&mut m, cmd(Command::Bottom));
    crate::review::update::prepare(&mut m);
    assert_eq!(cursor_id(&m).as_deref(), Some("r4999"));
    assert!(screen(&m).contains("Answer 4999"), "{}", screen(&m));
    assert!(wrapped(&m) < 80, "{} wrapped after G", wrapped(&m));
    update(&mut m, Action::Resize(100, 40));
    crate::review::update::prepare(&mut m);
    assert!(wrapped(&m) < 40, "{} wrapped after a resize", wrapped(&m));
    assert!(screen(&m).contains("Answer 4999"));
    // Back up a page at a time, then to the top: the first answer is under the cursor.
    for _ in 0..5 {
        update(&mut m, cmd(Command::PageUp));
    }
    update(&mut m, cmd(Command::Top));
    assert_eq!(cursor_id(&m).as_deref(), Some("r1"));
    assert!(screen(&m).contains("Answer 1\n") || screen(&m).contains("Answer 1 "));
}

#[test]
fn the_question_stays_in_view_with_the_reply() {
    let mut m = model(80, 24);
    let tall = (1..=60)
        .map(|i| format!("line {i} of a long reply"))
        .collect::<Vec<_>>()
        .join("\n\n");
    let sessions = vec![session("ses_q", "Questions", SessionStatus::Active, None)];
    let histories = vec![(
        "ses_q",
        vec![
            msg("q1", "user", "First question?"),
            msg("q2", "assistant", &tall),
            msg("q3", "user", "Second question?"),
            msg("q4", "assistant", "A short answer."),
            msg("q5", "user", &"A long follow-up. ".repeat(200)),
            msg("q6", "assistant", "Another short answer."),
        ],
    )];
    let fx = crate::review::update::start(&mut m);
    serve(&mut m, fx, &sessions, &histories, &[]);
    let h = m.areas().unwrap().transcript_lines();
    // The message's header is on screen.
    let in_view = |m: &Model, id: &str| {
        let t = m.open_transcript().unwrap();
        let i = t.index_of(id).unwrap();
        let top = t.scroll;
        if i < top.item || (i == top.item && top.line > 0) {
            return false;
        }
        let mut row = 0;
        for j in top.item..i {
            let Some(height) = t.layout.height(j) else {
                return false;
            };
            row += height - if j == top.item { top.line } else { 0 };
        }
        row < h
    };

    // Opened on the tall first reply: its question is on screen above it.
    assert_eq!(cursor_id(&m).as_deref(), Some("q2"));
    assert!(in_view(&m, "q1") && in_view(&m, "q2"));

    update(&mut m, cmd(Command::FocusTranscript));
    update(&mut m, cmd(Command::Bottom));
    assert_eq!(cursor_id(&m).as_deref(), Some("q6"));
    assert!(!in_view(&m, "q3"));
    // Back up to a short reply: the view moves to show its question too.
    update(&mut m, cmd(Command::Up));
    assert_eq!(cursor_id(&m).as_deref(), Some("q4"));
    assert!(in_view(&m, "q3") && in_view(&m, "q4"));
    // And up to the tall one: its header and its question.
    update(&mut m, cmd(Command::Up));
    assert_eq!(cursor_id(&m).as_deref(), Some("q2"));
    assert!(in_view(&m, "q1") && in_view(&m, "q2"));
}
