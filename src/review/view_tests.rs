//! Snapshots of every screen at 80x24 and 120x40 (TestBackend + insta), and layout checks.

use super::action::{Action, Command};
use super::fixtures::*;
use super::model::*;
use super::typeset::style::{Look, Theme};
use super::update::update;
use crate::api::ApiError;
use crate::api::model::{Rating, SearchHit, SearchPage, SessionStatus};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ratatui::style::Color;

fn cmd(m: &mut Model, c: Command) {
    update(m, Action::Command(c));
}

fn typed(m: &mut Model, s: &str) {
    for c in s.chars() {
        update(
            m,
            Action::EditorKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
}

#[test]
fn sessions_and_transcript() {
    assert_snapshot!("main_80x24", screen(&loaded(80, 24)));
    assert_snapshot!("main_120x40", screen(&loaded(120, 40)));
}

#[test]
fn tool_call_folded_and_unfolded() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        cmd(&mut m, Command::FocusTranscript);
        cmd(&mut m, Command::Top);
        let folded = screen(&m);
        assert!(folded.contains("▸ tool call count_objects"), "{folded}");
        cmd(&mut m, Command::Open);
        assert_snapshot!(format!("tool_unfolded_{w}x{h}"), screen(&m));
    }
}

/// A session whose assistant messages show every kind of receipt.
fn receipts_model(w: u16, h: u16) -> Model {
    let mut m = model(w, h);
    let sessions = vec![session(
        "ses_r",
        "Every receipt",
        SessionStatus::Active,
        Some((5, 6)),
    )];
    let mut messages = Vec::new();
    let texts = [
        "Positive, stored.",
        "Negative, not stored.",
        "Positive on a session without memory.",
        "Waiting for the journal.",
        "Retrying while offline.",
        "Refused by the server.",
        "Not rated yet.",
    ];
    for (i, t) in texts.iter().enumerate() {
        messages.push(msg(&format!("q{i}"), "user", "Question?"));
        messages.push(msg(&format!("r{i}"), "assistant", t));
    }
    let fx = super::update::start(&mut m);
    serve(&mut m, fx, &sessions, &[("ses_r", messages)], &[]);
    let now = m.now;
    let t = m.transcripts.get_mut("ses_r").unwrap();
    let set = |t: &mut Transcript, id: &str, r: Receipt| {
        t.receipts.insert(id.to_string(), r);
    };
    set(
        t,
        "r0",
        Receipt::Sent {
            rating: Rating::Positive,
            stored: true,
            entry: Some(1),
        },
    );
    set(
        t,
        "r1",
        Receipt::Sent {
            rating: Rating::Negative,
            stored: false,
            entry: Some(2),
        },
    );
    set(
        t,
        "r2",
        Receipt::Sent {
            rating: Rating::Positive,
            stored: false,
            entry: Some(3),
        },
    );
    set(
        t,
        "r3",
        Receipt::Queued {
            rating: Rating::Negative,
            entry: 4,
        },
    );
    set(
        t,
        "r4",
        Receipt::Retrying {
            rating: Rating::Positive,
            entry: 5,
            error: "offline".into(),
            retry_at: now + chrono::Duration::seconds(12),
        },
    );
    set(
        t,
        "r5",
        Receipt::Failed {
            rating: Rating::Negative,
            entry: Some(6),
            error: "The server refused the request (400): Only assistant messages can be rated"
                .into(),
        },
    );
    t.recount();
    t.cursor = Some(13);
    m.outbox = OutboxState {
        pending: 2,
        failed: 1,
        offline: true,
    };
    m.this_run
        .insert(("ses_r".into(), "r0".into()), Rating::Positive);
    m.this_run
        .insert(("ses_r".into(), "r1".into()), Rating::Negative);
    m
}

#[test]
fn every_receipt() {
    assert_snapshot!("receipts_80x24", screen(&receipts_model(80, 24)));
    assert_snapshot!("receipts_120x40", screen(&receipts_model(120, 40)));
}

#[test]
fn a_retry_that_is_due_says_retrying() {
    let mut m = receipts_model(120, 40);
    let s = screen(&m);
    assert!(s.contains("offline, retry in 12s"), "{s}");
    m.now += chrono::Duration::seconds(13);
    let s = screen(&m);
    assert!(s.contains("offline, retrying…"), "{s}");
    assert!(!s.contains("retry in"), "{s}");
}

#[test]
fn compose_editor() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        cmd(&mut m, Command::RateWithText);
        typed(
            &mut m,
            "Right count, but it should say which bucket it checked.",
        );
        cmd(&mut m, Command::ToggleRating);
        assert_snapshot!(format!("compose_{w}x{h}"), screen(&m));
    }
}

#[test]
fn compose_refuses_overlong_text() {
    let mut m = loaded(80, 24);
    cmd(&mut m, Command::RateWithText);
    update(&mut m, Action::Paste("x".repeat(10_050)));
    let s = screen(&m);
    assert!(s.contains("Too long to send: 10050 characters"), "{s}");
}

#[test]
fn help_overlay() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        cmd(&mut m, Command::Help);
        assert_snapshot!(format!("help_{w}x{h}"), screen(&m));
    }
}

#[test]
fn error_state() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = model(w, h);
        let fx = super::update::start(&mut m);
        let super::effect::Effect::LoadSessions { generation, .. } = fx[0] else {
            panic!("{fx:?}")
        };
        update(
            &mut m,
            Action::SessionsLoaded {
                generation,
                from: crate::api::PageStart::Offset(0),
                result: Err(ApiError::Unauthorized(crate::api::ErrorInfo {
                    status: 401,
                    kind: "UnauthorizedError".into(),
                    message: "Invalid API key".into(),
                    retry_after: None,
                })),
            },
        );
        assert_snapshot!(format!("error_{w}x{h}"), screen(&m));
    }
}

#[test]
fn empty_namespace() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = model(w, h);
        let fx = super::update::start(&mut m);
        serve(&mut m, fx, &[], &[], &[]);
        assert_snapshot!(format!("empty_{w}x{h}"), screen(&m));
    }
}

#[test]
fn tiny_terminals_say_so() {
    let tiny = screen(&loaded(20, 5));
    assert_snapshot!("tiny_20x5", tiny);
    assert!(tiny.lines().all(|l| l.chars().count() <= 20));
    assert_snapshot!("small_59x20", screen(&loaded(59, 20)));
}

#[test]
fn the_too_small_notice_names_the_quit_key_in_force() {
    let mut keys = std::collections::BTreeMap::new();
    keys.insert("quit".to_string(), crate::config::KeyList::One("x".into()));
    let keymap = super::keymap::Keymap::from_config(&keys).expect("keymap");
    let m = model_with(50, 10, keymap, false);
    let s = screen(&m);
    assert!(s.contains("press x to quit"), "{s}");
}

#[test]
fn wide_characters_keep_the_layout() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        cmd(&mut m, Command::FocusSessions);
        cmd(&mut m, Command::Bottom);
        let fx = update(&mut m, Action::Command(Command::Open));
        serve_demo(&mut m, fx);
        let s = screen(&m);
        assert_eq!(m.open.as_deref(), Some("ses_c"));
        assert_snapshot!(format!("wide_text_{w}x{h}"), s);
        // Every pane row still ends with the right border.
        let buf = draw(&m);
        let a = m.areas().unwrap();
        for y in a.transcript.y..a.transcript.bottom() {
            let right = buf[(a.transcript.right() - 1, y)].symbol().to_string();
            assert!(
                ["│", "╮", "╯"].contains(&right.as_str()),
                "row {y}: {right:?}\n{s}"
            );
        }
    }
}

#[test]
fn search_prompt_and_quit_confirmation() {
    let mut m = loaded(80, 24);
    cmd(&mut m, Command::Search);
    for c in "bucket".chars() {
        update(
            &mut m,
            Action::PromptKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    assert_snapshot!("search_prompt_80x24", screen(&m));
    update(&mut m, Action::PromptSubmit);
    update(&mut m, Action::Dismiss);
    cmd(&mut m, Command::RatePositive);
    cmd(&mut m, Command::Quit);
    assert_snapshot!("confirm_quit_80x24", screen(&m));
}

#[test]
fn ascii_glyphs() {
    let mut m = receipts_model(80, 24);
    m.look = Look::new(Theme::plain(), true);
    let s = screen(&m);
    assert_snapshot!("receipts_ascii_80x24", s);
    for glyph in ["✓", "✗", "○", "↻", "▸", "▌", "╭", "│"] {
        assert!(!s.contains(glyph), "{glyph} in\n{s}");
    }
}

#[test]
fn no_color_means_no_color() {
    let mut m = receipts_model(120, 40);
    m.look = Look::new(Theme::plain(), false);
    cmd(&mut m, Command::Help);
    let buf = draw(&m);
    for cell in buf.content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
}

#[test]
fn the_fast_set_line_draws_what_ratatui_draws() {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Modifier, Style};
    use ratatui::text::{Line, Span};
    let lines = [
        Line::from(vec![
            Span::styled("plain ascii ", Style::new().fg(Color::Red)),
            Span::styled("bold", Style::new().add_modifier(Modifier::BOLD)),
        ]),
        Line::from(vec![
            Span::raw("wide 日本語 then "),
            Span::styled("ascii", Style::new().bg(Color::Blue)),
            Span::raw(" 🙂 end"),
        ])
        .style(Style::new().fg(Color::Green)),
        Line::from("a line far longer than the room it is given, so it is cut off at the edge"),
        Line::from(vec![Span::raw("tab\there"), Span::raw("")]),
    ];
    for max in [0u16, 1, 7, 18, 40] {
        for x in [0u16, 3, 39] {
            let area = Rect::new(0, 0, 40, 1);
            for line in &lines {
                let mut want = Buffer::empty(area);
                let mut got = Buffer::empty(area);
                want.set_line(x, 0, line, max);
                super::view::set_line(&mut got, x, 0, line, max);
                assert_eq!(got, want, "{line:?} at x={x} max={max}");
            }
        }
    }
}

#[test]
fn the_transcript_border_says_where_the_cursor_is_out_of_every_message_on_the_server() {
    let mut m = model(80, 24);
    let start = crate::review::update::start(&mut m);
    let Some(crate::review::effect::Effect::LoadSessions {
        generation, from, ..
    }) = start.first().cloned()
    else {
        panic!("the list is asked for first: {start:?}");
    };
    let sessions = vec![session("ses_long", "Long one", SessionStatus::Active, None)];
    let fx = update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from,
            result: Ok(listed(page(sessions))),
        },
    );
    // Only the first page of the history is answered: 3 of the 743 messages.
    let Some(crate::review::effect::Effect::LoadHistory { generation, .. }) = fx
        .iter()
        .find(|e| matches!(e, crate::review::effect::Effect::LoadHistory { .. }))
        .cloned()
    else {
        panic!("the open session's history is asked for: {fx:?}");
    };
    let first = vec![
        msg("m1", "user", "hello"),
        msg("m2", "assistant", "hi"),
        msg("m3", "user", "more"),
    ];
    update(
        &mut m,
        Action::HistoryLoaded {
            session_id: "ses_long".into(),
            generation,
            offset: 0,
            result: Ok(history("ses_long", first, 743)),
        },
    );
    let s = screen(&m);
    assert!(s.contains("message 2/743"), "{s}");
}

#[test]
fn a_kept_draft_is_marked_on_its_message() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        cmd(&mut m, Command::RateWithText);
        typed(&mut m, "Cites the wrong year");
        cmd(&mut m, Command::Cancel);
        let s = screen(&m);
        let line = s
            .lines()
            .find(|l| l.contains("✎ draft"))
            .unwrap_or_else(|| panic!("no draft mark at {w}x{h}:\n{s}"));
        assert!(
            line.contains("assistant") && line.contains("unrated"),
            "{line}"
        );
        // The session's row in the list carries the mark too.
        assert!(
            s.lines()
                .any(|l| l.contains("Counting marketin") && l.contains("✎ 0/2")),
            "no mark on the session row at {w}x{h}:\n{s}"
        );
        assert_snapshot!(format!("draft_kept_{w}x{h}"), s);
    }
}

fn header_text(m: &Model, session: &str, id: &str, width: usize) -> String {
    let t = &m.transcripts[session];
    let i = t.index_of(id).unwrap();
    let line = super::typeset::message::header(t, i, width, m);
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

#[test]
fn narrow_headers_give_up_the_time_then_words_never_half_a_word() {
    let m = receipts_model(120, 40);
    // 28 columns is the header at 60x15, the smallest screen drawn.
    let at = |id: &str, w: usize| header_text(&m, "ses_r", id, w);
    assert_eq!(at("r0", 28), "assistant           ✓ stored");
    assert_eq!(at("r0", 30), "assistant  ✓ positive · stored");
    assert_eq!(at("r0", 40), "assistant  ✓ positive · stored to memory");
    assert_eq!(
        at("r0", 55),
        "assistant · Nov 20 09:00  ✓ positive · stored to memory"
    );
    assert_eq!(at("r1", 28), "assistant       ✗ not stored");
    assert_eq!(at("r1", 34), "assistant  ✗ negative · not stored");
    assert_eq!(at("r3", 28), "assistant         ✗ sending…");
    assert_eq!(at("r4", 28), "assistant   ✓ ↻ retry in 12s");
    assert_eq!(at("r4", 36), "assistant  ✓ ↻ offline, retry in 12s");
    assert_eq!(at("r5", 28), "assistant         ! ✗ failed");
    // A server's reason is cut after a whole word, and only while some of it is left.
    assert_eq!(
        at("r5", 48),
        "assistant    ! ✗ failed: The server refused the…"
    );
    assert_eq!(at("r6", 28), "assistant          ○ unrated");
    for w in 10..=80 {
        for id in ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "q0"] {
            let h = at(id, w);
            assert!(super::typeset::text::width(&h) <= w, "{id} at {w}: {h:?}");
        }
    }
}

#[test]
fn the_banner_says_less_rather_than_cutting_a_word() {
    let first = |w, h| {
        screen(&loaded(w, h))
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        first(60, 15),
        " DEMO  Demo data · set MIXPEEK_API_KEY for your own"
    );
    assert_eq!(
        first(80, 24),
        " DEMO  Demo data · set MIXPEEK_API_KEY and MIXPEEK_NAMESPACE for your own"
    );
    assert_eq!(
        first(120, 40),
        " DEMO  Demo data on a local server — set MIXPEEK_API_KEY and MIXPEEK_NAMESPACE to review your own"
    );
    assert_snapshot!("main_60x15", screen(&loaded(60, 15)));
}

#[test]
fn the_help_note_is_whole_at_the_bottom() {
    for (w, h) in [(60, 15), (80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        cmd(&mut m, Command::Help);
        cmd(&mut m, Command::Bottom);
        let s = screen(&m);
        // At 60 columns the first sentence wraps, between words, as do long descriptions.
        let flat = s
            .lines()
            .map(|l| l.trim_matches(|c| c == ' ' || c == '│' || c == '╭' || c == '╰'))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains("Keys are remapped in config.toml under [keys], for example:"),
            "{w}x{h}:\n{s}"
        );
        assert!(
            s.contains(r#"  rate_positive = ["+", "y"]"#),
            "{w}x{h}:\n{s}"
        );
        if w < 120 {
            assert_snapshot!(format!("help_bottom_{w}x{h}"), s);
        }
    }
}

#[test]
fn the_editor_names_the_message_in_plain_words() {
    let mut m = loaded(80, 24);
    cmd(&mut m, Command::RateWithText);
    let s = screen(&m);
    let about = s.lines().find(|l| l.contains("About")).unwrap_or("");
    assert!(
        about.contains("About  There are 42 videos in the marketing bucket. 30 are"),
        "{about}"
    );
    assert!(!about.contains('*') && !about.contains('`'), "{about}");
}

#[test]
fn ascii_mode_has_a_cursor_of_its_own_and_three_dots() {
    // Set before anything is drawn: bodies are kept as first rendered.
    let mut m = model(60, 15);
    m.look = Look::new(Theme::plain(), true);
    let fx = super::update::start(&mut m);
    serve_demo(&mut m, fx);
    cmd(&mut m, Command::FocusTranscript);
    cmd(&mut m, Command::Top);
    cmd(&mut m, Command::Down);
    cmd(&mut m, Command::Down);
    let s = screen(&m);
    assert_snapshot!("ascii_60x15", s);
    assert!(!s.contains('…'), "{s}");
    assert!(s.contains("Counting marketin..."), "{s}");
    assert!(s.contains("||>   "), "{s}");
    for l in s.lines() {
        assert!(l.is_ascii(), "{l}");
    }
    // Notices are worded with the real ellipsis; ASCII mode draws three dots.
    m.set_notice(Level::Info, "Loading the rest of this session…");
    let s = screen(&m);
    assert!(s.contains("Loading the rest of this session...\n"), "{s}");
    // The search prompt too.
    cmd(&mut m, Command::Search);
    let s = screen(&m);
    assert!(s.contains("Enter search | Esc cancel"), "{s}");
    for l in s.lines() {
        assert!(l.is_ascii(), "{l}");
    }
}

#[test]
fn a_right_to_left_title_keeps_its_space_before_the_border() {
    let name = "البحث بالصور لا يعرض نتائج";
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = model(w, h);
        let fx = super::update::start(&mut m);
        let sessions = vec![session("ses_ar", name, SessionStatus::Idle, Some((0, 1)))];
        let messages = vec![msg("u", "user", "مرحبًا"), msg("a", "assistant", "لا")];
        serve(&mut m, fx, &sessions, &[("ses_ar", messages)], &[]);
        let s = screen(&m);
        let top = s.lines().nth(1).unwrap_or("");
        assert!(
            top.contains(&format!("╭ {name} · idle ─")),
            "{w}x{h}: {top}"
        );
        assert!(top.ends_with('╮'), "{top}");
    }
}

#[test]
fn a_long_notice_takes_two_rows_and_keeps_its_end() {
    let mut m = loaded(80, 24);
    let rows_before = m.areas().map(|a| a.transcript_lines());
    let long = "Cannot reach the server (Connection refused (os error 111)); check the base URL and network, then press r.";
    m.set_notice(Level::Error, long);
    let a = m.areas().expect("areas");
    assert_eq!(a.notice.height, 2);
    assert_eq!(Some(a.transcript_lines() + 1), rows_before);
    let s = screen(&m);
    assert!(s.contains("then press r."), "{s}");
    // A short one gives the row back.
    m.set_notice(Level::Info, "Search cleared.");
    assert_eq!(m.areas().map(|a| a.notice.height), Some(1));
    assert_eq!(m.areas().map(|a| a.transcript_lines()), rows_before);
}

#[test]
fn a_rating_note_shows_under_its_message_until_a_rating_without_one() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        cmd(&mut m, Command::RateWithText);
        typed(&mut m, "Counts drafts as published; check the bucket.");
        cmd(&mut m, Command::ToggleRating);
        update(&mut m, Action::Command(Command::Send));
        cmd(&mut m, Command::Up);
        let s = screen(&m);
        let lines: Vec<&str> = s.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains("note · Counts drafts as published"))
            .unwrap_or_else(|| panic!("no note at {w}x{h}:\n{s}"));
        // Under the reply it belongs to, after its text.
        assert!(
            lines[..at]
                .iter()
                .rev()
                .find(|l| l.contains("assistant"))
                .is_some_and(|l| l.contains("negative")),
            "{s}"
        );
        assert_snapshot!(format!("note_{w}x{h}"), s);
        // Rated again with no text: the note goes with the rating it belonged to.
        cmd(&mut m, Command::RatePositive);
        let s = screen(&m);
        assert!(!s.contains("note ·"), "{s}");
    }
}

#[test]
fn a_long_note_takes_three_lines_at_most() {
    let mut m = loaded(80, 24);
    cmd(&mut m, Command::RateWithText);
    typed(&mut m, &"word ".repeat(200));
    cmd(&mut m, Command::Send);
    cmd(&mut m, Command::Up);
    let s = screen(&m);
    let note: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.contains("note ·"))
        .take_while(|l| l.contains("word"))
        .collect();
    assert_eq!(note.len(), 3, "{s}");
    assert!(note[2].contains('…'), "{s}");
}

/// `/` and a query, then the server's answer (`Some`) or none (`None`: no search there).
fn results_list(w: u16, h: u16, query: &str, page: Option<Vec<SearchHit>>) -> Model {
    let mut m = loaded(w, h);
    cmd(&mut m, Command::Search);
    for c in query.chars() {
        update(
            &mut m,
            Action::PromptKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    let fx = update(&mut m, Action::PromptSubmit);
    let generation = fx
        .iter()
        .find_map(|e| match e {
            super::effect::Effect::Search { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap();
    let result = page.map(|results| SearchPage {
        query: query.into(),
        results,
        limit: 50,
        offset: 0,
        has_more: false,
    });
    update(
        &mut m,
        Action::SearchLoaded {
            generation,
            offset: 0,
            result: Ok(result),
        },
    );
    m
}

fn search_hit(
    session: &str,
    name: Option<&str>,
    message: Option<&str>,
    role: Option<&str>,
    snippet: &str,
) -> SearchHit {
    let at = snippet
        .find("revenue")
        .or_else(|| snippet.find("Revenue"))
        .unwrap_or(0);
    let s = snippet[..at].chars().count() as u32;
    SearchHit {
        session_id: session.into(),
        session_name: name.map(str::to_string),
        message_id: message.map(str::to_string),
        role: role.map(str::to_string),
        snippet: snippet.into(),
        highlights: vec![[s, s + 7]],
        timestamp: message.map(|_| "2026-11-20T09:00:00Z".to_string()),
    }
}

#[test]
fn search_results_list() {
    let hits = || {
        vec![
            search_hit(
                "ses_q",
                Some("Revenue questions"),
                None,
                None,
                "Revenue questions",
            ),
            search_hit(
                "ses_b",
                None,
                Some("b2"),
                Some("assistant"),
                "Revenue grew 12% while churn fell to 3.1%.",
            ),
            search_hit(
                "ses_far",
                Some("A session not listed yet, with a long name that will not fit"),
                Some("m9"),
                Some("user"),
                "…and what did the revenue line look like in the quarter before, with the discounts taken out and the refunds counted…",
            ),
        ]
    };
    assert_snapshot!(
        "search_results_80x24",
        screen(&results_list(80, 24, "revenue", Some(hits())))
    );
    assert_snapshot!(
        "search_results_120x40",
        screen(&results_list(120, 40, "revenue", Some(hits())))
    );
    let searching = {
        let mut m = loaded(80, 24);
        cmd(&mut m, Command::Search);
        update(
            &mut m,
            Action::PromptKey(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)),
        );
        update(&mut m, Action::PromptSubmit);
        m
    };
    assert_snapshot!("search_results_searching_80x24", screen(&searching));
    let fallback = results_list(80, 24, "video", None);
    assert_snapshot!("search_results_loaded_only_80x24", screen(&fallback));
    // Nothing found anywhere is said in the list.
    let none = results_list(80, 24, "zzqq", Some(vec![]));
    assert!(screen(&none).contains("No match for \"zzqq\"."));
}
