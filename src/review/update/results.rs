//! The search results list: the server's search over the namespace (or, without one,
//! what is loaded here, with that scope said), paged in as the reviewer moves down, and
//! a hit opened at its message.

use super::search::step_match;
use super::sessions::open_session;
use super::transcript::toggle_fold;
use super::{reveal_cursor, wording};
use crate::api::ApiError;
use crate::api::model::{SearchHit, SearchPage};
use crate::api::wording::{Retry, sentence};
use crate::review::action::{Action, Command};
use crate::review::effect::Effect;
use crate::review::found::{Results, Source, hits_in};
use crate::review::layout::hits_shown;
use crate::review::model::*;

/// Hits asked of the server at a time.
pub const SEARCH_PAGE: u32 = 50;
/// The most hits the list holds: past this, a query wants more words, not more paging.
pub const HITS_MAX: usize = SearchPage::OFFSET_MAX as usize;
/// Hits left below the selection when the next page is asked for.
const PAGE_AHEAD: usize = 10;

/// Opens the list for `query` and asks the server for its first page.
pub(super) fn open_results(m: &mut Model, query: String, fx: &mut Vec<Effect>) {
    let generation = m.next_generation();
    m.mode = Mode::Results(Box::new(Results::new(query.clone(), generation)));
    fx.push(Effect::Search {
        query,
        offset: 0,
        generation,
    });
}

pub(super) fn search_loaded(
    m: &mut Model,
    generation: u64,
    offset: u64,
    result: Result<Option<SearchPage>, ApiError>,
    fx: &mut Vec<Effect>,
) {
    let key = m.key(Command::Refresh).to_string();
    let Mode::Results(r) = &mut m.mode else {
        // The list was closed before the answer came.
        return;
    };
    if r.generation != generation {
        return;
    }
    match result {
        Ok(Some(page)) => {
            if offset as usize != r.hits.len() {
                return;
            }
            let n = page.results.len();
            r.hits.extend(page.results);
            r.hits.truncate(HITS_MAX);
            r.source = Source::Namespace {
                has_more: page.has_more && n > 0 && r.hits.len() < HITS_MAX,
                loading_more: false,
            };
        }
        Ok(None) => fall_back(m, None),
        Err(e) if offset == 0 => fall_back(m, Some(sentence(&e, Retry::Key(&key)))),
        Err(e) => {
            // The hits already listed stay; going down the list asks again.
            r.source = Source::Namespace {
                has_more: true,
                loading_more: false,
            };
            let text = wording::search_page_failed(&sentence(&e, Retry::Key(&key)));
            m.set_general_notice(Level::Error, text);
            return;
        }
    }
    more_if_near_end(m, fx);
}

/// Without the server's search: the messages of every session loaded here (the open one
/// first), then the names of the sessions listed.
fn fall_back(m: &mut Model, failed: Option<String>) {
    let Mode::Results(r) = &m.mode else { return };
    let query = r.query.clone();
    let mut hits: Vec<SearchHit> = Vec::new();
    let mut sessions = 0;
    let name_of = |id: &str| m.sessions.row(id).and_then(|row| row.name.clone());
    let mut loaded: Vec<&Transcript> = m
        .transcripts
        .values()
        .filter(|t| !t.messages.is_empty())
        .collect();
    // The open session, then list order, then any other.
    loaded.sort_by_key(|t| {
        let open = m.open.as_deref() == Some(t.session_id.as_str());
        let at = m.sessions.index.get(&t.session_id).copied();
        (!open, at.is_none(), at.unwrap_or(0), t.session_id.clone())
    });
    for t in &loaded {
        sessions += 1;
        let name = name_of(&t.session_id);
        hits.extend(hits_in(&t.session_id, name.as_deref(), &t.messages, &query));
    }
    for row in &m.sessions.rows {
        if m.transcripts
            .get(&row.id)
            .is_some_and(|t| !t.messages.is_empty())
        {
            continue;
        }
        hits.extend(hits_in(&row.id, row.name.as_deref(), &[], &query));
    }
    hits.truncate(HITS_MAX);
    if let Mode::Results(r) = &mut m.mode {
        r.hits = hits;
        r.source = Source::Loaded { sessions, failed };
    }
}

/// Asks for the next page once the selection comes near the end of what is listed.
fn more_if_near_end(m: &mut Model, fx: &mut Vec<Effect>) {
    let Mode::Results(r) = &mut m.mode else {
        return;
    };
    if let Source::Namespace {
        has_more: true,
        loading_more,
    } = &mut r.source
        && !*loading_more
        && r.selected + PAGE_AHEAD >= r.hits.len()
    {
        *loading_more = true;
        fx.push(Effect::Search {
            query: r.query.clone(),
            offset: r.hits.len() as u64,
            generation: r.generation,
        });
    }
}

/// Keys while the list is open.
pub(super) fn results(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let shown = hits_shown(m.width, m.height);
    let Mode::Results(r) = &mut m.mode else {
        return;
    };
    let last = r.hits.len().saturating_sub(1);
    match action {
        Action::Dismiss | Action::Command(Command::Quit) => {
            m.mode = Mode::Browse;
            return;
        }
        Action::Command(Command::Open) => return open_hit(m, fx),
        Action::Command(Command::Search) => {
            let input = r.query.clone();
            m.mode = Mode::Search(Prompt { input });
            return;
        }
        Action::Command(cmd @ (Command::NextMatch | Command::PrevMatch)) => {
            m.mode = Mode::Browse;
            return step_match(m, cmd == Command::NextMatch);
        }
        Action::Command(Command::Down) => r.selected = (r.selected + 1).min(last),
        Action::Command(Command::Up) => r.selected = r.selected.saturating_sub(1),
        Action::Command(Command::PageDown) => r.selected = (r.selected + shown).min(last),
        Action::Command(Command::PageUp) => r.selected = r.selected.saturating_sub(shown),
        Action::Command(Command::Top) => r.selected = 0,
        Action::Command(Command::Bottom) => r.selected = last,
        _ => return,
    }
    if r.selected < r.offset {
        r.offset = r.selected;
    } else if r.selected >= r.offset + shown {
        r.offset = r.selected + 1 - shown;
    }
    more_if_near_end(m, fx);
}

/// Opens the selected hit's session, with the cursor on its message once that is loaded.
fn open_hit(m: &mut Model, fx: &mut Vec<Effect>) {
    let Mode::Results(r) = &m.mode else { return };
    let Some(hit) = r.selected_hit().cloned() else {
        return;
    };
    let (at, of) = (r.selected + 1, r.hits.len());
    m.mode = Mode::Browse;
    m.jump = None;
    open_session(m, &hit.session_id, fx);
    m.focus = Pane::Transcript;
    let title = m
        .sessions
        .row(&hit.session_id)
        .map(|row| row.title().to_string())
        .or_else(|| hit.session_name.clone())
        .unwrap_or_else(|| hit.session_id.clone());
    m.set_notice(Level::Info, wording::opened_result(at, of, &title));
    if let Some(id) = hit.message_id
        && let Some(t) = m.transcripts.get_mut(&hit.session_id)
    {
        t.goto = Some(id);
        reach_goto(m, &hit.session_id);
    }
}

/// Puts the cursor on the message a search result asked for, once it has loaded: on it
/// when the cursor can rest there, else on the next message it can (the reply to a
/// prompt). True when the cursor was placed.
pub(super) fn reach_goto(m: &mut Model, id: &str) -> bool {
    let Some(t) = m.transcripts.get_mut(id) else {
        return false;
    };
    let Some(goal) = t.goto.clone() else {
        return false;
    };
    let Some(i) = t.index_of(&goal) else {
        if t.complete {
            t.goto = None;
            m.set_notice(Level::Warning, wording::RESULT_GONE);
        }
        return false;
    };
    t.goto = None;
    let n = t.messages.len();
    let target = (i..n)
        .find(|&j| t.selectable(j))
        .or_else(|| (0..i).rev().find(|&j| t.selectable(j)));
    let Some(c) = target else {
        return false;
    };
    t.cursor = Some(c);
    t.cursor_auto = false;
    t.advanced = false;
    let folded = t.kinds[c] == Kind::Tool && !t.unfolded[c];
    if m.open.as_deref() == Some(id) {
        if folded {
            toggle_fold(m, c);
        } else {
            reveal_cursor(m);
        }
    }
    true
}
