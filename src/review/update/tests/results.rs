//! The search results list: the server's hits, paged in as the reviewer moves down; a
//! hit opened at its message; without the server's search, what is loaded here, with
//! that scope said.

use super::helpers::*;
use crate::api::model::{SearchHit, SearchPage};
use crate::review::found::Source;

fn hit(session: &str, message: Option<&str>, role: Option<&str>, snippet: &str) -> SearchHit {
    SearchHit {
        session_id: session.into(),
        session_name: None,
        message_id: message.map(str::to_string),
        role: role.map(str::to_string),
        snippet: snippet.into(),
        highlights: vec![[0, 3]],
        timestamp: Some("2026-11-20T09:00:00Z".into()),
    }
}

fn page(results: Vec<SearchHit>, has_more: bool) -> Option<SearchPage> {
    Some(SearchPage {
        query: "x".into(),
        results,
        limit: 50,
        offset: 0,
        has_more,
    })
}

/// The generation and offset of the search the model asked for.
fn asked(fx: &[Effect]) -> (u64, u64) {
    fx.iter()
        .find_map(|e| match e {
            Effect::Search {
                generation, offset, ..
            } => Some((*generation, *offset)),
            _ => None,
        })
        .expect("a search was asked for")
}

fn results(m: &Model) -> &crate::review::found::Results {
    match &m.mode {
        Mode::Results(r) => r,
        other => panic!("no results list: {other:?}"),
    }
}

#[test]
fn the_server_hits_are_listed_and_more_come_as_the_reviewer_moves_down() {
    let mut m = loaded(120, 40);
    let fx = search_list(&mut m, "rev");
    let (generation, offset) = asked(&fx);
    assert_eq!(offset, 0);
    assert_eq!(results(&m).source, Source::Searching);
    let many: Vec<SearchHit> = (0..50)
        .map(|i| hit("ses_b", Some("b2"), Some("assistant"), &format!("Rev {i}")))
        .collect();
    let fx = update(
        &mut m,
        Action::SearchLoaded {
            generation,
            offset: 0,
            result: Ok(page(many, true)),
        },
    );
    assert!(fx.is_empty(), "nothing more until the reviewer goes down");
    assert_eq!(results(&m).hits.len(), 50);
    let fx = update(&mut m, cmd(Command::Bottom));
    assert_eq!(asked(&fx), (generation, 50));
    // The same key again does not ask twice while the page is on its way.
    assert!(update(&mut m, cmd(Command::Bottom)).is_empty());
    let last = vec![hit("ses_c", Some("c2"), Some("assistant"), "Rev last")];
    update(
        &mut m,
        Action::SearchLoaded {
            generation,
            offset: 50,
            result: Ok(page(last, false)),
        },
    );
    let r = results(&m);
    assert_eq!(r.hits.len(), 51);
    assert_eq!(
        r.source,
        Source::Namespace {
            has_more: false,
            loading_more: false
        }
    );
    // An answer for an older list is dropped.
    update(
        &mut m,
        Action::SearchLoaded {
            generation: generation - 1,
            offset: 51,
            result: Ok(page(vec![hit("ses_a", None, None, "old")], false)),
        },
    );
    assert_eq!(results(&m).hits.len(), 51);
}

#[test]
fn enter_opens_the_session_with_the_cursor_on_the_matching_reply() {
    let mut m = loaded(120, 40);
    let fx = search_list(&mut m, "revenue");
    let (generation, _) = asked(&fx);
    let hits = vec![
        hit("ses_a", None, None, "Counting"),
        // A prompt: the cursor goes to the reply it got.
        hit("ses_b", Some("b1"), Some("user"), "Summarise the Q3 report"),
    ];
    update(
        &mut m,
        Action::SearchLoaded {
            generation,
            offset: 0,
            result: Ok(page(hits, false)),
        },
    );
    update(&mut m, cmd(Command::Down));
    let fx = update(&mut m, cmd(Command::Open));
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    assert_eq!(m.focus, Pane::Transcript);
    // The history arrives after: the cursor lands there, not on the first unrated.
    serve_demo(&mut m, fx);
    assert_eq!(cursor_id(&m).as_deref(), Some("b2"));
    assert!(m.notice.as_ref().unwrap().text.starts_with("Result 2 of 2"));
}

#[test]
fn without_the_servers_search_the_loaded_sessions_are_searched_and_the_scope_said() {
    let mut m = loaded(120, 40);
    let fx = search_list(&mut m, "video");
    let (generation, _) = asked(&fx);
    update(
        &mut m,
        Action::SearchLoaded {
            generation,
            offset: 0,
            result: Ok(None),
        },
    );
    let r = results(&m);
    assert_eq!(
        r.source,
        Source::Loaded {
            sessions: 1,
            failed: None
        }
    );
    let ids: Vec<_> = r.hits.iter().filter_map(|h| h.message_id.clone()).collect();
    assert_eq!(ids, vec!["a1", "a4", "a6"]);
    let shown = screen(&m);
    assert!(
        shown.contains(
            "This server offers no full-text search: searched only the 1 session loaded here"
        ),
        "{shown}"
    );
    // A session name matches though its messages are not loaded.
    update(&mut m, Action::Dismiss);
    let fx = search_list(&mut m, "q3");
    let (generation, _) = asked(&fx);
    let failed = ApiError::Server(crate::api::ErrorInfo {
        status: 500,
        kind: "InternalError".into(),
        message: "boom".into(),
        retry_after: None,
    });
    update(
        &mut m,
        Action::SearchLoaded {
            generation,
            offset: 0,
            result: Err(failed),
        },
    );
    let r = results(&m);
    assert!(matches!(&r.source, Source::Loaded { failed: Some(why), .. } if why.contains("boom")));
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.hits[0].session_id, "ses_b");
    assert!(screen(&m).contains("The search failed"));
}

#[test]
fn n_closes_the_list_and_steps_through_the_open_session_and_esc_keeps_the_matches() {
    let mut m = loaded(120, 40);
    search_list(&mut m, "longest");
    assert_eq!(cursor_id(&m).as_deref(), Some("a5"));
    update(&mut m, cmd(Command::NextMatch));
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    search_list(&mut m, "longest");
    update(&mut m, Action::Dismiss);
    assert!(matches!(m.mode, Mode::Browse));
    assert!(m.search.is_some(), "Esc closes the list, the matches stay");
    // `/` from the list asks again, with the query to edit.
    search_list(&mut m, "x");
    update(&mut m, cmd(Command::Search));
    assert!(matches!(&m.mode, Mode::Search(p) if p.input == "x"));
}
