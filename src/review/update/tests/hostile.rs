//! What a hostile server sends: joiners and bidi overrides, unreadable list items,
//! histories that never end.

use super::helpers::*;
use crate::api::SessionsPage;
use crate::api::model::{
    GetHistoryResponse, SESSION_MESSAGES_MAX, UnreadableSession, read_listed_session,
};
use unicode_width::UnicodeWidthStr;

/// Every cell measures as a terminal lays it out: the sum of its characters' widths is
/// the grapheme width ratatui placed it by. A joiner breaks that: ratatui takes a
/// ZWJ family for one 2-column cell, a terminal without that sequence draws 6 columns.
fn assert_cells_measure_true(m: &Model) {
    let buf = draw(m);
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            let by_char: usize = sym
                .chars()
                .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
                .sum();
            assert_eq!(
                by_char,
                sym.width(),
                "cell ({x},{y}) {sym:?} is drawn wider than it was placed:\n{}",
                screen(m)
            );
        }
    }
}

#[test]
fn joiners_and_bidi_overrides_from_a_server_cannot_break_a_row() {
    let hostile = "👨\u{200d}👩\u{200d}👧 fam\u{202e}ily\u{2066} 👍🏽 ❤\u{fe0f}";
    let sessions = vec![
        session("ses_z", hostile, SessionStatus::Active, Some((0, 1))),
        session(
            "ses_\u{200d}\u{202e}id",
            "",
            SessionStatus::Idle,
            Some((0, 1)),
        ),
    ];
    let messages = vec![
        msg("q", "user", hostile),
        msg("a", "assistant", &format!("{hostile}\n\n**{hostile}**")),
    ];
    let mut m = model(120, 40);
    let fx = crate::review::update::start(&mut m);
    serve(&mut m, fx, &sessions, &[("ses_z", messages)], &[]);
    assert_eq!(m.open.as_deref(), Some("ses_z"));
    assert_cells_measure_true(&m);
    let s = screen(&m);
    assert!(s.contains("👨👩👧 family 👍 ❤"), "{s}");
    assert!(s.contains("ses_id"), "{s}");
}

fn unreadable(index: usize, id: &str, reason: &str) -> UnreadableSession {
    UnreadableSession {
        index,
        id: Some(id.into()),
        reason: reason.into(),
    }
}

/// A first page of sessions with the second and fourth items unreadable.
fn page_with_bad_items() -> Model {
    let mut m = model(120, 40);
    let fx = crate::review::update::start(&mut m);
    let Some(Effect::LoadSessions { generation, .. }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    let good = numbered_sessions(3, 1);
    let fx = update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from: PageStart::Offset(0),
            result: Ok(SessionsPage {
                response: page(good.clone()),
                next: None,
                unreadable: vec![
                    unreadable(1, "ses_bad", "missing field `status`"),
                    unreadable(4, "ses_worse", "invalid type: null"),
                ],
            }),
        },
    );
    let histories: Vec<(&str, _)> = good
        .iter()
        .map(|s| {
            (
                s.session_id.as_str(),
                vec![msg("q", "user", "hi"), msg("a", "assistant", "hello")],
            )
        })
        .collect();
    serve(&mut m, fx, &good, &histories, &[]);
    m
}

#[test]
fn an_unreadable_item_is_a_row_of_its_own_and_the_rest_of_the_page_works() {
    let mut m = page_with_bad_items();
    let labels: Vec<&str> = m.sessions.rows.iter().map(|r| r.title()).collect();
    assert_eq!(
        labels,
        [
            "Session 0",
            "ses_bad",
            "Session 1",
            "Session 2",
            "ses_worse"
        ]
    );
    let s = screen(&m);
    assert!(
        s.contains("unreadable") && s.contains("missing field `status`"),
        "{s}"
    );
    assert!(
        s.contains("2 sessions in the list could not be read"),
        "{s}"
    );
    // The readable sessions open and rate as ever.
    assert_eq!(m.open.as_deref(), Some("ses_0"));
    update(&mut m, Action::Command(Command::FocusSessions));
    update(&mut m, cmd(Command::Down));
    // On the unreadable row: nothing opens, the pane says why, rating keys say so.
    let fx = update(&mut m, Action::Tick);
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::LoadHistory { .. })),
        "{fx:?}"
    );
    assert_eq!(m.open, None);
    let fx = update(&mut m, cmd(Command::RatePositive));
    assert!(fx.is_empty(), "{fx:?}");
    let notice = m.notice.clone().unwrap().text;
    assert!(notice.contains("ses_bad could not be read"), "{notice}");
    let s = screen(&m);
    assert!(s.contains("Session ses_bad could not be read"), "{s}");
    // And the next row is an ordinary session again.
    update(&mut m, cmd(Command::Down));
    let fx = update(&mut m, Action::Tick);
    assert_eq!(
        m.sessions.selected_row().map(|r| r.title()),
        Some("Session 1")
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadHistory { session_id, .. } if session_id == "ses_1")),
        "{fx:?}"
    );
}

#[test]
fn a_list_item_is_read_on_its_own() {
    let good = serde_json::to_value(session("ses_1", "One", SessionStatus::Active, None)).unwrap();
    assert!(read_listed_session(0, &good.to_string(), true).is_ok());
    let mut bad = good.clone();
    bad["status"] = serde_json::json!("exploded\u{1b}[2J");
    let u = read_listed_session(3, &bad.to_string(), true).unwrap_err();
    assert_eq!((u.index, u.id.as_deref()), (3, Some("ses_1")));
    assert!(
        u.reason.contains("unknown variant") && !u.reason.contains('\u{1b}'),
        "{u:?}"
    );
    let mut long = good.clone();
    long["session_id"] = serde_json::json!("x".repeat(100_000));
    let u = read_listed_session(0, &long.to_string(), true).unwrap_err();
    assert!(u.reason.contains("100000 characters"), "{u:?}");
    assert!(u.id.unwrap().chars().count() <= 80);
    let u = read_listed_session(0, "42", true).unwrap_err();
    assert_eq!(u.id, None);
    // Names are cut on receipt, and what no list shows is dropped.
    let mut huge = good;
    huge["session_name"] = serde_json::json!("n".repeat(1_000_000));
    huge["user_id"] = serde_json::json!("u".repeat(1_000_000));
    huge["user_memory"] = serde_json::json!({"k": "m".repeat(1_000_000)});
    huge["agent_config"] = serde_json::json!({"system_prompt": "p".repeat(1_000_000)});
    // Whole, as the contract says, for the headless commands.
    let whole = read_listed_session(0, &huge.to_string(), false).unwrap();
    assert_eq!(whole.session_name.map(|n| n.len()), Some(1_000_000));
    assert_eq!(whole.user_memory.len(), 1);
    let s = read_listed_session(0, &huge.to_string(), true).unwrap();
    assert_eq!(s.session_name.unwrap().chars().count(), 200);
    assert_eq!(s.user_id.unwrap().chars().count(), 200);
    assert!(s.user_memory.is_empty() && s.agent_config.system_prompt.is_empty());
}

/// Opens one session whose server answers every history page with `answer(offset)`,
/// for at most `pages` pages; returns the model and the pages asked for.
fn load_history(answer: impl Fn(u64) -> GetHistoryResponse, pages: usize) -> (Model, usize) {
    let mut m = model(120, 40);
    let fx = crate::review::update::start(&mut m);
    let sessions = vec![session("ses_h", "Hostile", SessionStatus::Active, None)];
    serve(&mut m, fx, &sessions, &[], &[]);
    let mut asked = 0;
    // The canned server answered from an empty history; the hostile one answers now.
    let t = m.transcripts.get("ses_h").unwrap();
    let mut fx = vec![Effect::LoadHistory {
        session_id: "ses_h".into(),
        generation: t.generation,
        offset: 0,
    }];
    while let Some(e) = fx.pop() {
        let Effect::LoadHistory {
            session_id,
            generation,
            offset,
        } = e
        else {
            continue;
        };
        asked += 1;
        assert!(asked <= pages, "still loading after {pages} pages");
        fx.extend(update(
            &mut m,
            Action::HistoryLoaded {
                session_id,
                generation,
                offset,
                result: Ok(answer(offset)),
            },
        ));
    }
    (m, asked)
}

fn endless(offset: u64, n: u64) -> GetHistoryResponse {
    let messages = (offset..offset + n)
        .map(|i| {
            msg(
                &format!("m{i}"),
                if i.is_multiple_of(2) {
                    "user"
                } else {
                    "assistant"
                },
                "hi",
            )
        })
        .collect();
    GetHistoryResponse {
        session_id: "ses_h".into(),
        messages,
        // A total that keeps growing, and always more.
        total_messages: offset + n + 1,
        returned_messages: n,
        has_more: true,
    }
}

#[test]
fn an_endless_history_stops_at_the_session_bound_and_says_so() {
    let (m, asked) = load_history(|o| endless(o, 200), SESSION_MESSAGES_MAX / 200 + 2);
    let t = &m.transcripts["ses_h"];
    assert_eq!(t.messages.len(), SESSION_MESSAGES_MAX);
    assert!(t.complete && !t.loading, "asked {asked}");
    let notice = m.notice.clone().unwrap().text;
    assert!(
        notice.contains("Showing the first 50000 messages of Hostile")
            && notice.contains("at most 50000 messages"),
        "{notice}"
    );
}

#[test]
fn a_history_that_repeats_or_stalls_stops_where_it_stopped() {
    // A server that ignores `offset`: the first page again and again.
    let (m, asked) = load_history(|_| endless(0, 200), 5);
    assert_eq!((m.transcripts["ses_h"].messages.len(), asked), (200, 2));
    let notice = m.notice.clone().unwrap().text;
    assert!(notice.contains("already loaded"), "{notice}");
    // A server that says there is more and sends nothing.
    let (m, asked) = load_history(
        |o| {
            if o == 0 {
                endless(0, 200)
            } else {
                endless(o, 0)
            }
        },
        5,
    );
    assert_eq!((m.transcripts["ses_h"].messages.len(), asked), (200, 2));
    assert!(m.notice.clone().unwrap().text.contains("sent none"));
}

#[test]
fn huge_messages_are_cut_and_a_session_holds_a_bounded_number_of_bytes() {
    let (m, asked) = load_history(
        |o| {
            let mut h = endless(o, 20);
            for msg in &mut h.messages {
                msg.content = "x".repeat(3 * 1024 * 1024);
            }
            h
        },
        10,
    );
    let t = &m.transcripts["ses_h"];
    assert!(
        t.messages
            .iter()
            .all(|m| m.content.len() < 1024 * 1024 + 100)
    );
    assert!(t.messages[0].content.ends_with("more bytes not shown]"));
    assert!(t.bytes <= crate::api::model::SESSION_BYTES_MAX);
    assert_eq!(t.messages.len(), 63, "asked {asked}");
    assert!(m.notice.clone().unwrap().text.contains("64 MB"));
}

#[test]
fn a_page_of_countless_tiny_items_keeps_a_bounded_number() {
    use crate::api::model::{LIST_ITEMS_MAX, RawListSessionsResponse};
    let body = format!(r#"{{"results":[{}{{}}],"total":1}}"#, "{},".repeat(4_999));
    let page: RawListSessionsResponse<true> = serde_json::from_str(&body).unwrap();
    let items = page.results;
    assert_eq!(items.sessions.len(), 0);
    assert_eq!(items.unreadable.len(), LIST_ITEMS_MAX);
    assert_eq!(items.skipped, 5_000 - LIST_ITEMS_MAX);
    assert!(
        items.unreadable[0].reason.contains("missing field"),
        "{:?}",
        items.unreadable[0]
    );
}
