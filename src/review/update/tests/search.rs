//! Search: matches in messages and session names, stepping from the cursor, no matches.

use super::helpers::*;

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
