//! Search: the prompt, matches in the transcript and the session list, stepping through them.

use super::results::open_results;
use super::sessions::preview_selected;
use super::transcript::toggle_fold;
use super::{reveal_cursor, wording};
use crate::review::action::Action;
use crate::review::effect::Effect;
use crate::review::model::*;
use crate::review::typeset::text;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The longest query: typing and pastes stop there, so one stray paste cannot make every
/// keystroke search megabytes.
const MAX_QUERY_CHARS: usize = 200;

pub(super) fn prompt(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let Mode::Search(p) = &mut m.mode else { return };
    match action {
        Action::PromptKey(KeyEvent {
            code, modifiers, ..
        }) => match code {
            KeyCode::Backspace => {
                p.input.pop();
            }
            KeyCode::Char('u') if modifiers.contains(KeyModifiers::CONTROL) => p.input.clear(),
            KeyCode::Char('w') if modifiers.contains(KeyModifiers::CONTROL) => {
                let trimmed = p.input.trim_end().len();
                let cut = p.input[..trimmed].rfind(' ').map_or(0, |i| i + 1);
                p.input.truncate(cut);
            }
            KeyCode::Char(c)
                if !modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                    && p.input.chars().count() < MAX_QUERY_CHARS =>
            {
                p.input.push(c)
            }
            _ => {}
        },
        Action::Paste(pasted) => {
            let line = pasted.lines().next().unwrap_or("");
            p.input.extend(
                line.chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_QUERY_CHARS),
            );
        }
        Action::PromptCancel => m.mode = Mode::Browse,
        Action::PromptSubmit => {
            let query = p.input.trim().to_string();
            m.mode = Mode::Browse;
            run_search(m, query.clone());
            // Every session of the namespace, as a list over the panes; what matched in
            // the open session stays for `n` and `N` once it is closed.
            if !query.is_empty() {
                open_results(m, query, fx);
            }
        }
        _ => {}
    }
}

fn run_search(m: &mut Model, query: String) {
    if query.is_empty() {
        if m.search.take().is_some() {
            m.set_notice(Level::Info, wording::SEARCH_CLEARED);
        } else {
            m.notice = None;
        }
        return;
    }
    let mut matches = Vec::new();
    let mut current = None;
    if let Some(t) = m.open_transcript() {
        let from = t.cursor.unwrap_or(0);
        for (i, msg) in t.messages.iter().enumerate() {
            let hit = text::contains_ignore_case(&msg.content, &query)
                || [&msg.tool_name, &msg.tool_inputs, &msg.tool_outputs]
                    .into_iter()
                    .flatten()
                    .any(|s| text::contains_ignore_case(s, &query));
            if hit {
                if current.is_none() && i >= from {
                    current = Some(matches.len());
                }
                matches.push(Match::Message {
                    session_id: t.session_id.clone(),
                    index: i,
                });
            }
        }
    }
    for &ri in &m.sessions.visible {
        let row = &m.sessions.rows[ri];
        if text::contains_ignore_case(row.title(), &query)
            || text::contains_ignore_case(&row.id, &query)
        {
            matches.push(Match::Session {
                session_id: row.id.clone(),
            });
        }
    }
    if matches.is_empty() {
        m.set_notice(Level::Warning, wording::no_match(&query));
        m.search = Some(Search {
            query,
            matches,
            current: None,
        });
        return;
    }
    let current = current.or(Some(0));
    let count = matches.len();
    m.search = Some(Search {
        query: query.clone(),
        matches,
        current,
    });
    go_to_match(m);
    let at = current.map_or(1, |c| c + 1);
    m.set_general_notice(Level::Info, wording::first_match(m, at, count, &query));
}

pub(super) fn step_match(m: &mut Model, forward: bool) {
    // Where the reviewer is now, when they moved away from the current match (`G`, `j`,
    // a click): the next match is the next one after the cursor, not after the old match.
    let cursor = m
        .open_transcript()
        .filter(|_| m.focus == Pane::Transcript)
        .and_then(|t| t.cursor.map(|c| (t.session_id.clone(), c)));
    let cursor = cursor.as_ref().map(|(id, c)| (id.as_str(), *c));
    let Some(s) = &mut m.search else {
        m.set_notice(Level::Info, wording::nothing_searched(m));
        return;
    };
    let n = s.matches.len();
    if n == 0 {
        let text = wording::no_match(&s.query);
        m.set_notice(Level::Warning, text);
        return;
    }
    let cur = s.current.unwrap_or(0);
    let in_open = |mm: &Match, pred: &dyn Fn(usize) -> bool| match (mm, cursor) {
        (Match::Message { session_id, index }, Some((open, _))) => {
            session_id == open && pred(*index)
        }
        _ => false,
    };
    let moved_away = match (s.matches.get(cur), cursor) {
        (Some(Match::Message { session_id, index }), Some((open, c))) => {
            session_id != open || *index != c
        }
        _ => false,
    };
    let (next, wrapped) = match cursor {
        Some((_, c)) if moved_away => {
            let found = if forward {
                s.matches.iter().position(|mm| in_open(mm, &|i| i > c))
            } else {
                s.matches.iter().rposition(|mm| in_open(mm, &|i| i < c))
            };
            match found {
                Some(i) => (i, false),
                None if forward => (0, true),
                None => (n - 1, true),
            }
        }
        _ => {
            let next = if forward {
                (cur + 1) % n
            } else {
                (cur + n - 1) % n
            };
            (next, (forward && next < cur) || (!forward && next > cur))
        }
    };
    s.current = Some(next);
    go_to_match(m);
    m.set_notice(Level::Info, wording::match_at(next + 1, n, wrapped));
}

fn go_to_match(m: &mut Model) {
    let Some(s) = &m.search else { return };
    let Some(target) = s.current.and_then(|c| s.matches.get(c)).cloned() else {
        return;
    };
    match target {
        Match::Message { session_id, index } => {
            if m.open.as_deref() != Some(session_id.as_str()) {
                return;
            }
            if let Some(t) = m.transcripts.get_mut(&session_id)
                && index < t.messages.len()
            {
                t.cursor = Some(index);
                t.cursor_auto = false;
                t.advanced = false;
                m.focus = Pane::Transcript;
                // A match in a tool's inputs or output is invisible while it is folded.
                if t.kinds[index] == Kind::Tool && !t.unfolded[index] {
                    toggle_fold(m, index);
                } else {
                    reveal_cursor(m);
                }
            }
        }
        Match::Session { session_id } => {
            if let Some(pos) = m.sessions.position(&session_id) {
                m.sessions.selected = pos;
                m.focus = Pane::Sessions;
                preview_selected(m);
            }
        }
    }
}
