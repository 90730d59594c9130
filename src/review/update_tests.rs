//! update() flows: rating, rating with text, re-rating, next unrated, search, filter,
//! quitting with sends pending, stale results.

use super::action::{Action, Command};
use super::effect::Effect;
use super::fixtures::*;
use super::model::*;
use super::update::update;
use crate::api::model::{GetSessionResponse, Rating, SessionStatus};
use crate::api::{ApiError, PageStart};
use crate::journal::outbox::OutboxEvent;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use std::time::Duration;

fn cmd(c: Command) -> Action {
    Action::Command(c)
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn cursor_id(m: &Model) -> Option<String> {
    let t = m.open_transcript()?;
    t.cursor.map(|c| t.messages[c].message_id.clone())
}

/// `n` active sessions with one unrated reply each, ids numbered with `digits` digits.
fn numbered_sessions(n: usize, digits: usize) -> Vec<GetSessionResponse> {
    (0..n)
        .map(|i| {
            session(
                &format!("ses_{i:0digits$}"),
                &format!("Session {i}"),
                SessionStatus::Active,
                Some((0, 1)),
            )
        })
        .collect()
}

/// `n` messages `m0`, `m1`, ...: user and assistant by turns.
fn alternating(n: usize) -> Vec<crate::api::model::MessageHistoryItem> {
    (0..n)
        .map(|i| {
            msg(
                &format!("m{i}"),
                if i % 2 == 0 { "user" } else { "assistant" },
                "text",
            )
        })
        .collect()
}

/// `/`, the query typed key by key, `Enter`.
fn search_for(m: &mut Model, query: &str) {
    update(m, cmd(Command::Search));
    for c in query.chars() {
        update(m, Action::PromptKey(key(c)));
    }
    update(m, Action::PromptSubmit);
}

/// The rating of `message` in ses_a is committed to the journal (entry 1), then the
/// server's receipt comes.
fn journaled_and_sent(m: &mut Model, message: &str, rating: Rating) {
    let e = entry(1, "ses_a", message, rating);
    apply(
        m,
        [
            Action::RateRecorded {
                session_id: "ses_a".into(),
                message_id: message.into(),
                rating,
                result: Ok(e.clone()),
            },
            Action::Outbox(OutboxEvent::Sent {
                entry: e,
                receipt: super::fixtures::receipt("ses_a", message, rating, true),
            }),
        ],
    );
}

/// `c`, one letter, `Esc`: a note kept as a draft on the selected message.
fn keep_a_draft(m: &mut Model) {
    update(m, cmd(Command::RateWithText));
    update(m, Action::EditorKey(key('n')));
    update(m, cmd(Command::Cancel));
}

fn receipt<'a>(m: &'a Model, session: &str, message: &str) -> Option<&'a Receipt> {
    m.transcripts.get(session)?.receipts.get(message)
}

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
fn rate_positive_journals_first_then_shows_the_server_receipt() {
    let mut m = loaded(120, 40);
    let fx = update(&mut m, cmd(Command::RatePositive));
    // The exchange on screen goes with the rating, for an export made offline.
    let exchange = crate::journal::Exchange {
        prompt: Some("How many videos are in the marketing bucket?".into()),
        completion: m.transcripts["ses_a"].messages[3].content.clone(),
    };
    assert_eq!(
        fx,
        vec![Effect::Rate {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Positive,
            text: None,
            exchange: Some(exchange),
        }]
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Saving {
            rating: Rating::Positive,
            after: None
        })
    ));
    // The selection moved on to the next unrated assistant message.
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    assert_eq!(m.sends_pending(), 1);

    let e = entry(1, "ses_a", "a4", Rating::Positive);
    apply(
        &mut m,
        [Action::RateRecorded {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Positive,
            result: Ok(e.clone()),
        }],
    );
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Queued {
            rating: Rating::Positive,
            entry: 1
        })
    );
    assert_eq!(m.run_counts(), (1, 0));

    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Sent {
            entry: e,
            receipt: super::fixtures::receipt("ses_a", "a4", Rating::Positive, true),
        })],
    );
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Sent {
            rating: Rating::Positive,
            stored: true,
            entry: Some(1)
        })
    );
    assert_eq!(m.sends_pending(), 0);
    assert!(m.notice.as_ref().unwrap().text.contains("stored to memory"));
    assert_eq!(m.open_transcript().unwrap().rated, 1);
}

#[test]
fn rating_needs_an_assistant_message() {
    let mut m = loaded(120, 40);
    m.open_transcript_mut().unwrap().cursor = Some(1);
    let fx = update(&mut m, cmd(Command::RateNegative));
    assert!(fx.is_empty());
    assert_eq!(m.notice.as_ref().unwrap().level, Level::Warning);
}

#[test]
fn rate_with_text_sends_the_text_and_the_rating_chosen_in_the_editor() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RateWithText));
    assert!(matches!(m.mode, Mode::Compose(_)));
    for c in "too vague".chars() {
        update(&mut m, Action::EditorKey(key(c)));
    }
    update(&mut m, cmd(Command::ToggleRating));
    let fx = update(&mut m, cmd(Command::Send));
    // The rating is journaled before the draft it came from is forgotten.
    assert_eq!(
        fx,
        vec![
            Effect::Rate {
                session_id: "ses_a".into(),
                message_id: "a4".into(),
                rating: Rating::Negative,
                text: Some("too vague".into()),
                exchange: crate::journal::Exchange::from_history(
                    &m.transcripts["ses_a"].messages,
                    "a4"
                ),
            },
            Effect::DeleteDraft {
                session_id: "ses_a".into(),
                message_id: "a4".into(),
            }
        ]
    );
    assert!(matches!(m.mode, Mode::Browse));
    assert!(m.drafts.is_empty());
}

#[test]
fn a_note_is_kept_as_it_is_typed_and_comes_back_after_esc() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RateWithText));
    let mut saves = Vec::new();
    for c in "wrong".chars() {
        saves.extend(update(&mut m, Action::EditorKey(key(c))));
    }
    // Every change is handed to the journal writer (which commits only the newest of a run).
    assert_eq!(saves.len(), 5);
    assert_eq!(
        saves.last(),
        Some(&Effect::SaveDraft {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            draft: crate::journal::Draft {
                rating: Rating::Positive,
                text: "wrong".into()
            }
        })
    );
    // Switching the rating is part of the draft.
    let fx = update(&mut m, cmd(Command::ToggleRating));
    assert!(
        matches!(&fx[..], [Effect::SaveDraft { draft, .. }] if draft.rating == Rating::Negative)
    );
    // A key that changes nothing (an arrow at the end) saves nothing.
    let right = KeyEvent::new(KeyCode::Right, KeyModifiers::NONE);
    assert!(update(&mut m, Action::EditorKey(right)).is_empty());

    // Esc sends nothing and keeps the note.
    assert!(update(&mut m, cmd(Command::Cancel)).is_empty());
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(receipt(&m, "ses_a", "a4"), None);
    assert!(m.notice.as_ref().unwrap().text.contains("kept as a draft"));

    // `c` on the same message brings back the text and the rating.
    update(&mut m, cmd(Command::RateWithText));
    let Mode::Compose(c) = &m.mode else {
        panic!("editor closed")
    };
    assert_eq!(c.editor.text(), "wrong");
    assert_eq!(c.rating, Rating::Negative);

    // Emptying the note forgets the draft.
    let back = KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE);
    let mut fx = Vec::new();
    for _ in 0..5 {
        fx = update(&mut m, Action::EditorKey(back));
    }
    assert_eq!(
        fx,
        vec![Effect::DeleteDraft {
            session_id: "ses_a".into(),
            message_id: "a4".into()
        }]
    );
    update(&mut m, cmd(Command::Cancel));
    assert!(m.drafts.is_empty());
    assert!(m.notice.as_ref().unwrap().text.contains("cancelled"));
}

#[test]
fn drafts_from_an_earlier_run_open_in_the_editor_and_this_runs_win() {
    let mut m = loaded(120, 40);
    let saved = |message: &str, text: &str| crate::journal::SavedDraft {
        session_id: "ses_a".into(),
        message_id: message.into(),
        draft: crate::journal::Draft {
            rating: Rating::Negative,
            text: text.into(),
        },
    };
    // A note typed in this run before the journal answered is newer than the stored one.
    keep_a_draft(&mut m);
    update(
        &mut m,
        Action::DraftsLoaded(Ok(vec![saved("a4", "old"), saved("a6", "from yesterday")])),
    );
    assert_eq!(m.drafts.len(), 2);
    assert_eq!(m.drafts[&("ses_a".to_string(), "a4".to_string())].text, "n");
    assert_eq!(
        m.drafts[&("ses_a".to_string(), "a6".to_string())].text,
        "from yesterday"
    );
    // A journal that cannot be read is said, not hidden.
    update(&mut m, Action::DraftsLoaded(Err("disk I/O error".into())));
    let notice = m.notice.as_ref().unwrap();
    assert_eq!(notice.level, Level::Warning);
    assert!(notice.text.contains("disk I/O error"), "{}", notice.text);
}

#[test]
fn cancelled_editor_sends_nothing_and_overlong_text_is_refused() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RateWithText));
    update(&mut m, Action::EditorKey(key('x')));
    assert!(update(&mut m, cmd(Command::Cancel)).is_empty());
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(receipt(&m, "ses_a", "a4"), None);

    // The kept "x" comes back; the paste goes after it.
    update(&mut m, cmd(Command::RateWithText));
    update(&mut m, Action::Paste("y".repeat(10_000)));
    let Mode::Compose(c) = &m.mode else {
        panic!("editor closed")
    };
    assert!(c.error.as_ref().unwrap().contains("10001"));
    assert!(update(&mut m, cmd(Command::Send)).is_empty());
    assert!(matches!(m.mode, Mode::Compose(_)));
    update(
        &mut m,
        Action::EditorKey(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
    );
    let fx = update(&mut m, cmd(Command::Send));
    assert!(
        matches!(&fx[..], [Effect::Rate { text: Some(t), .. }, Effect::DeleteDraft { .. }] if t.chars().count() == 10_000)
    );
}

#[test]
fn re_rating_follows_the_latest_and_drops_late_reports_of_the_older() {
    let mut m = loaded(120, 40);
    m.advance_after_rating = false;
    let first = entry(1, "ses_a", "a4", Rating::Positive);
    update(&mut m, cmd(Command::RatePositive));
    apply(
        &mut m,
        [Action::RateRecorded {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Positive,
            result: Ok(first.clone()),
        }],
    );
    // Changed mind before the first was sent.
    update(&mut m, cmd(Command::RateNegative));
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Saving {
            rating: Rating::Negative,
            after: Some(1)
        })
    );
    // The older rating's answer arrives late: it must not show.
    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Sent {
            entry: first,
            receipt: super::fixtures::receipt("ses_a", "a4", Rating::Positive, true),
        })],
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Saving {
            rating: Rating::Negative,
            ..
        })
    ));

    let second = entry(2, "ses_a", "a4", Rating::Negative);
    apply(
        &mut m,
        [
            Action::Outbox(OutboxEvent::Sent {
                entry: second.clone(),
                receipt: super::fixtures::receipt("ses_a", "a4", Rating::Negative, false),
            }),
            // The journal's answer can come after the send's: the receipt stays.
            Action::RateRecorded {
                session_id: "ses_a".into(),
                message_id: "a4".into(),
                rating: Rating::Negative,
                result: Ok(second),
            },
        ],
    );
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Sent {
            rating: Rating::Negative,
            stored: false,
            entry: Some(2)
        })
    );
    assert_eq!(m.run_counts(), (0, 1));
}

#[test]
fn retry_and_failure_reports_show_on_the_message() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RatePositive));
    let e = entry(3, "ses_a", "a4", Rating::Positive);
    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Retrying {
            entry: e.clone(),
            error: ApiError::Network("connection refused".into()),
            next_attempt_in: Duration::from_secs(8),
        })],
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Retrying { error, retry_at, .. }) if error == "offline" && (*retry_at - m.now).num_seconds() == 8
    ));
    assert!(m.animating());
    // A server answering errors: the receipt and the status bar say it is retried.
    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Retrying {
            entry: e.clone(),
            error: ApiError::Server(crate::api::ErrorInfo {
                status: 500,
                kind: "InternalError".into(),
                message: "boom".into(),
                retry_after: None,
            }),
            next_attempt_in: Duration::from_secs(4),
        })],
    );
    let screen = super::fixtures::screen(&m);
    assert!(screen.contains("server 500"), "{screen}");
    assert!(screen.contains("1 pending, retrying"), "{screen}");
    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Failed {
            entry: e,
            error: ApiError::BadRequest(crate::api::ErrorInfo {
                status: 400,
                kind: "BadRequestError".into(),
                message: "Only assistant messages can be rated".into(),
                retry_after: None,
            }),
        })],
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Failed { .. })
    ));
    assert_eq!(m.notice.as_ref().unwrap().level, Level::Error);
    // A refused rating leaves the message unrated for the next-unrated walk.
    assert!(m.open_transcript().unwrap().is_unrated(3));
}

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
        vec![super::action::KnownRating {
            message_id: "y2".into(),
            receipt: Receipt::Sent {
                rating: Rating::Positive,
                stored: true,
                entry: None,
            },
            note: None,
        }],
    )];
    let fx = super::update::start(&mut m);
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
fn long_histories_load_page_after_page_in_the_background() {
    let mut m = model(120, 40);
    let many = alternating(450);
    let sessions = vec![session("ses_l", "Long", SessionStatus::Active, None)];
    let fx = super::update::start(&mut m);
    let fx = serve(&mut m, fx, &sessions, &[], &[]);
    assert!(
        fx.iter()
            .all(|e| matches!(e, Effect::LoadCounts | Effect::LoadDrafts))
    );
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
    let fx = super::update::start(&mut m);
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

#[test]
fn search_finds_messages_and_session_names_and_steps_through_them() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::Search));
    assert!(matches!(m.mode, Mode::Search(_)));
    for c in "LONGEST".chars() {
        update(&mut m, Action::PromptKey(key(c)));
    }
    update(&mut m, Action::PromptSubmit);
    let s = m.search.clone().unwrap();
    assert_eq!(s.matches.len(), 2);
    assert_eq!(cursor_id(&m).as_deref(), Some("a5"));
    update(&mut m, cmd(Command::NextMatch));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    update(&mut m, cmd(Command::NextMatch));
    assert!(m.notice.as_ref().unwrap().text.contains("wrapped"));

    // Session names match too.
    search_for(&mut m, "q3");
    assert_eq!(m.focus, Pane::Sessions);
    assert_eq!(m.sessions.selected_row().unwrap().id, "ses_b");
    update(&mut m, Action::Dismiss);
    assert!(m.search.is_none());
}

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
fn load_errors_are_shown_and_r_retries() {
    let mut m = model(120, 40);
    let fx = super::update::start(&mut m);
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
fn a_click_opens_a_session_and_the_wheel_scrolls() {
    let mut m = loaded(120, 40);
    let a = m.areas().unwrap();
    let list = a.session_list();
    let fx = update(
        &mut m,
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: list.x + 2,
            row: list.y + 2,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    serve_demo(&mut m, fx);
    assert_eq!(cursor_id(&m).as_deref(), Some("b2"));
}

#[test]
fn sessions_page_in_as_the_selection_nears_the_end() {
    let mut m = model(120, 40);
    let many = numbered_sessions(250, 3);
    let fx = super::update::start(&mut m);
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
            limit: super::effect::SESSIONS_PAGE,
        }]
    );
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
    super::update::prepare(&mut m);
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
    super::update::prepare(&mut m);
    let wrapped = |m: &Model| m.open_transcript().unwrap().layout.wrapped;
    assert_eq!(m.open_transcript().unwrap().messages.len(), 5_000);
    assert!(wrapped(&m) < 40, "{} wrapped after loading", wrapped(&m));
    update(&mut m, cmd(Command::FocusTranscript));
    update(&mut m, cmd(Command::Bottom));
    super::update::prepare(&mut m);
    assert_eq!(cursor_id(&m).as_deref(), Some("r4999"));
    assert!(screen(&m).contains("Answer 4999"), "{}", screen(&m));
    assert!(wrapped(&m) < 80, "{} wrapped after G", wrapped(&m));
    update(&mut m, Action::Resize(100, 40));
    super::update::prepare(&mut m);
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

#[test]
fn bottom_in_the_sessions_pane_loads_every_page_in_big_ones() {
    let mut m = model(120, 40);
    let many = numbered_sessions(2_500, 5);
    let fx = super::update::start(&mut m);
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
    assert_eq!(loads, vec![super::effect::SESSIONS_PAGE_BULK]);
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
    let fx = super::update::start(&mut m);
    serve(&mut m, fx, &many[..], &[], &[]);
    update(&mut m, cmd(Command::FocusSessions));
    let fx = update(&mut m, cmd(Command::Bottom));
    update(&mut m, cmd(Command::Up));
    serve(&mut m, fx, &many[..], &[], &[]);
    assert_eq!(m.sessions.rows.len(), 1_100);
    assert!(!m.sessions.to_end);
}

#[test]
fn keys_do_nothing_while_the_terminal_is_too_small_except_quit() {
    let mut m = loaded(120, 40);
    let before = cursor_id(&m);
    update(&mut m, Action::Resize(20, 5));
    for c in [
        Command::RatePositive,
        Command::RateNegative,
        Command::RateWithText,
        Command::Down,
        Command::NextUnrated,
        Command::Filter,
    ] {
        let fx = update(&mut m, cmd(c));
        assert!(fx.is_empty(), "{c:?} asked for {fx:?}");
    }
    assert!(receipt(&m, "ses_a", "a4").is_none(), "rated unseen");
    assert_eq!(cursor_id(&m), before);
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(m.filter, Filter::All);
    assert!(!m.quit);

    // Big enough again: keys work as before.
    update(&mut m, Action::Resize(120, 40));
    update(&mut m, cmd(Command::RatePositive));
    assert!(receipt(&m, "ses_a", "a4").is_some());

    // Small again, with a send pending: the screen says "press q to quit", and q does.
    update(&mut m, Action::Resize(20, 5));
    update(&mut m, cmd(Command::Quit));
    assert!(m.quit);
}

#[test]
fn q_quits_a_screen_too_small_to_draw_even_with_the_editor_open() {
    let keymap = super::keymap::Keymap::default();
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RateWithText));
    update(&mut m, Action::EditorKey(key('n')));
    // While the editor is drawn, q is a letter of the note.
    let q = keymap
        .action(super::run::key_mode(&m), &key('q'))
        .expect("q means something");
    assert!(matches!(q, Action::EditorKey(_)), "{q:?}");
    // Too small to draw: the screen says "press q to quit", so q is read as quit.
    update(&mut m, Action::Resize(50, 10));
    let q = keymap
        .action(super::run::key_mode(&m), &key('q'))
        .expect("q means something");
    update(&mut m, q);
    assert!(m.quit);
    assert_eq!(m.drafts.len(), 1, "the note stays as a draft");
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
    let fx = super::update::start(&mut m);
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

#[test]
fn a_match_inside_a_folded_tool_unfolds_it() {
    let mut m = loaded(120, 40);
    search_for(&mut m, "42");
    // The search starts at the selection (a4), and says where it is.
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    let notice = &m.notice.as_ref().unwrap().text;
    assert!(notice.starts_with("Match 2 of 2 for \"42\""), "{notice}");
    let t = m.open_transcript().unwrap();
    let a3 = t.index_of("a3").unwrap();
    assert!(!t.unfolded[a3]);
    // Back to the tool result holding {"count": 42}: unfolded, so the match shows.
    update(&mut m, cmd(Command::PrevMatch));
    assert_eq!(cursor_id(&m).as_deref(), Some("a3"));
    let t = m.open_transcript().unwrap();
    assert!(t.unfolded[a3]);
    let shown: String = t
        .layout
        .body(a3)
        .unwrap_or(&[])
        .iter()
        .flat_map(|l| l.spans.iter().map(|s| s.content.to_string()))
        .collect();
    assert!(shown.contains("42"), "{shown}");
}

#[test]
fn load_errors_name_the_refresh_key_in_force_once() {
    let mut keys = std::collections::BTreeMap::new();
    keys.insert(
        "refresh".to_string(),
        crate::config::KeyList::One("f5".into()),
    );
    let keymap = super::keymap::Keymap::from_config(&keys).unwrap();
    let mut m = model_with(120, 40, keymap, false);
    let fx = super::update::start(&mut m);
    let generation = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadSessions { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap();
    update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from: PageStart::Offset(0),
            result: Err(ApiError::Network("connection refused".into())),
        },
    );
    let e = m.sessions.error.clone().unwrap();
    assert!(e.contains("press F5"), "{e}");
    assert!(!e.contains("press r"), "{e}");
    assert_eq!(
        e.matches("press").count() + e.matches("Press").count(),
        1,
        "{e}"
    );

    // A refused key cannot be fixed by retrying.
    let generation = m.sessions.generation;
    update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from: PageStart::Offset(0),
            result: Err(ApiError::Unauthorized(crate::api::ErrorInfo {
                status: 401,
                kind: "UnauthorizedError".into(),
                message: "Invalid API key".into(),
                retry_after: None,
            })),
        },
    );
    let e = m.sessions.error.clone().unwrap();
    assert!(e.contains("restart verdict") && !e.contains("press"), "{e}");
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
fn a_rating_key_while_the_open_session_first_loads_says_it_is_loading() {
    let mut m = model(120, 40);
    let fx = super::update::start(&mut m);
    let Some(Effect::LoadSessions {
        generation, from, ..
    }) = fx.first().cloned()
    else {
        panic!("the list is asked for: {fx:?}");
    };
    update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from,
            result: Ok(listed(page(demo_sessions()))),
        },
    );
    let fx = update(&mut m, cmd(Command::RatePositive));
    assert!(fx.is_empty());
    let notice = m.notice.clone().unwrap().text;
    assert!(notice.contains("still loading"), "{notice}");
    let s = screen(&m);
    assert!(s.contains("Loading Counting marketing videos"), "{s}");
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
fn a_session_found_by_search_is_shown_once_the_selection_rests() {
    let mut m = loaded(120, 40);
    search_for(&mut m, "q3 summ");
    assert_eq!(
        m.sessions.selected_row().map(|r| r.id.as_str()),
        Some("ses_b")
    );
    assert_eq!(m.sessions.preview.as_deref(), Some("ses_b"));
    let fx = update(&mut m, Action::Tick);
    serve_demo(&mut m, fx);
    assert_eq!(m.open.as_deref(), Some("ses_b"));
}

#[test]
fn next_match_starts_from_where_the_cursor_is() {
    let mut m = loaded(120, 40);
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    search_for(&mut m, "video");
    // The first match at or after the cursor.
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    // Back to the top, then n: the next match after the top, not after a4.
    update(&mut m, cmd(Command::Top));
    assert_ne!(cursor_id(&m).as_deref(), Some("a4"));
    update(&mut m, cmd(Command::NextMatch));
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    update(&mut m, cmd(Command::NextMatch));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    // From the bottom, N goes to the match before it.
    update(&mut m, cmd(Command::Bottom));
    update(&mut m, cmd(Command::PrevMatch));
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
}

#[test]
fn a_search_without_matches_keeps_saying_so_and_an_empty_one_clears() {
    let mut m = loaded(120, 40);
    let says_no_match = |m: &Model| {
        m.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("No match for \"zzqq\""))
    };
    search_for(&mut m, "zzqq");
    assert!(says_no_match(&m));
    m.notice = None;
    update(&mut m, cmd(Command::NextMatch));
    assert!(says_no_match(&m));
    // `/` and Enter with nothing typed clears the search, and says so.
    update(&mut m, cmd(Command::Search));
    update(&mut m, Action::PromptSubmit);
    assert!(m.search.is_none());
    assert_eq!(m.notice.as_ref().unwrap().text, "Search cleared.");
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
        vec![super::action::KnownRating {
            message_id: "s1".into(),
            receipt: Receipt::Sent {
                rating: Rating::Positive,
                stored: true,
                entry: None,
            },
            note: None,
        }],
    )];
    let fx = super::update::start(&mut m);
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
fn a_rating_key_on_a_message_with_a_draft_says_the_note_was_not_sent() {
    let mut m = loaded(120, 40);
    keep_a_draft(&mut m);
    update(&mut m, cmd(Command::RatePositive));
    let notice = m.notice.as_ref().unwrap();
    assert_eq!(notice.level, Level::Warning);
    assert!(
        notice.text.contains("without your draft note"),
        "{}",
        notice.text
    );
    assert_eq!(m.drafts.len(), 1, "the note is still there to send");
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
fn refresh_shows_a_later_rating_made_elsewhere_but_never_over_one_on_its_way() {
    let mut m = loaded(120, 40);
    let negative_elsewhere = || super::action::KnownRating {
        message_id: "a4".into(),
        receipt: Receipt::Sent {
            rating: Rating::Negative,
            stored: false,
            entry: None,
        },
        note: None,
    };
    let known = |m: &mut Model| {
        let generation = m.transcripts["ses_a"].generation;
        let k = negative_elsewhere();
        update(
            m,
            Action::KnownRatingsLoaded {
                session_id: "ses_a".into(),
                generation,
                result: Ok(vec![k]),
            },
        );
    };
    update(&mut m, cmd(Command::RatePositive));
    // Loaded while this run's rating is still being written: this run's wins.
    known(&mut m);
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Saving { .. })
    ));
    journaled_and_sent(&mut m, "a4", Rating::Positive);
    // Another reviewer rates it negative afterwards; `r` asks again and shows that.
    let fx = update(&mut m, cmd(Command::Refresh));
    assert!(fx.iter().any(
        |e| matches!(e, Effect::LoadKnownRatings { session_id, .. } if session_id == "ses_a")
    ));
    known(&mut m);
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Sent {
            rating: Rating::Negative,
            stored: false,
            entry: None
        })
    );
}

#[test]
fn rating_keys_wait_while_the_highlighted_session_is_still_opening() {
    let mut m = loaded(120, 40);
    // Search lands on a session name whose history is not here yet: the list
    // highlights it while the transcript still shows the first session.
    search_for(&mut m, "q3 summ");
    assert_eq!(m.open.as_deref(), Some("ses_a"));
    update(&mut m, cmd(Command::FocusTranscript));
    for c in [
        Command::RatePositive,
        Command::RateNegative,
        Command::RateWithText,
    ] {
        let fx = update(&mut m, cmd(c));
        assert!(fx.is_empty(), "{c:?} asked for {fx:?}");
    }
    assert!(matches!(m.mode, Mode::Browse));
    assert!(
        receipt(&m, "ses_a", "a4").is_none(),
        "rated the session not highlighted"
    );
    let notice = m.notice.as_ref().unwrap();
    assert!(
        notice.text.contains("Q3 summary is opening"),
        "{}",
        notice.text
    );
    // Once it shows, keys rate it.
    let fx = update(&mut m, Action::Tick);
    serve_demo(&mut m, fx);
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    update(&mut m, cmd(Command::FocusTranscript));
    let fx = update(&mut m, cmd(Command::RatePositive));
    assert!(matches!(&fx[..], [Effect::Rate { session_id, .. }] if session_id == "ses_b"));
}

#[test]
fn the_receipt_of_a_rating_given_without_its_draft_note_says_so() {
    let mut m = loaded(120, 40);
    keep_a_draft(&mut m);
    update(&mut m, cmd(Command::RatePositive));
    journaled_and_sent(&mut m, "a4", Rating::Positive);
    let notice = m.notice.as_ref().unwrap();
    assert_eq!(notice.level, Level::Warning);
    assert!(notice.text.contains("stored to memory"), "{}", notice.text);
    assert!(
        notice.text.contains("draft note was not sent"),
        "{}",
        notice.text
    );
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
