//! The session list: moving, previewing where the selection rests, paging in, opening one.

use super::transcript::load_transcript;
use super::{reveal_cursor, wording};
use crate::api::model::{GetSessionResponse, UnreadableSession};
use crate::api::{ApiError, PageStart, SessionsPage};
use crate::review::action::Command;
use crate::review::effect::{Effect, SESSIONS_PAGE, SESSIONS_PAGE_BULK};
use crate::review::model::*;

/// The next page is asked for while fewer than this many screens of sessions, and
/// [`LOOKAHEAD_ROWS`] more, are loaded below the selection: a held key never reaches
/// the end of what is loaded.
const LOOKAHEAD_SCREENS: usize = 2;
const LOOKAHEAD_ROWS: usize = 10;
/// Rows a screen too small to lay out is taken to hold, for the lookahead.
const ROWS_WHEN_TOO_SMALL: usize = 10;

pub(super) fn move_session(m: &mut Model, cmd: Command, fx: &mut Vec<Effect>) {
    let rows = m.areas().map_or(1, |a| a.session_rows());
    let n = m.sessions.visible.len();
    m.sessions.to_end = false;
    if n == 0 {
        return;
    }
    let s = &mut m.sessions;
    s.selected = match cmd {
        Command::Up => s.selected.saturating_sub(1),
        Command::Down => (s.selected + 1).min(n - 1),
        Command::Top => 0,
        Command::Bottom => n - 1,
        Command::PageUp => s.selected.saturating_sub(rows),
        Command::PageDown => (s.selected + rows).min(n - 1),
        _ => s.selected,
    };
    if cmd == Command::Bottom && !s.exhausted && s.loaded_once && s.error.is_none() {
        // The last session is on the server's last page: fetch every page, in big ones.
        s.to_end = true;
        m.set_notice(Level::Info, wording::loading_every_session(m, n));
    }
    preview_selected(m);
    maybe_load_more(m, fx);
}

/// Shows the selected session in the transcript pane: at once when its history is
/// already here, else once the selection rests (see `preview_rested`). Focus stays put.
pub(super) fn preview_selected(m: &mut Model) {
    let Some(id) = m.sessions.selected_row().map(|r| r.id.clone()) else {
        return;
    };
    if show_unreadable(m, &id) {
        return;
    }
    if m.open.as_deref() == Some(id.as_str()) {
        m.sessions.preview = None;
        return;
    }
    let here = m
        .transcripts
        .get(&id)
        .is_some_and(|t| t.requested && t.error.is_none());
    if here {
        m.sessions.preview = None;
        set_open(m, &id);
        reveal_cursor(m);
    } else {
        m.sessions.preview = Some(id);
        m.sessions.preview_seq += 1;
    }
}

/// When `id` is an unreadable list item: nothing opens, the transcript pane says why,
/// and the status bar names it. True when it was one.
fn show_unreadable(m: &mut Model, id: &str) -> bool {
    let Some((label, reason)) = m
        .sessions
        .row(id)
        .and_then(|r| Some((r.label.clone(), r.unreadable.clone()?)))
    else {
        return false;
    };
    m.sessions.preview = None;
    if let Some(before) = m.open.take()
        && let Some(t) = m.transcripts.get_mut(&before)
    {
        t.layout = TranscriptLayout::default();
    }
    m.set_notice(Level::Warning, wording::unreadable_session(&label, &reason));
    true
}

/// The selection rested: load and show the session it rests on, if it still does.
pub(super) fn preview_rested(m: &mut Model, fx: &mut Vec<Effect>) {
    let Some(id) = m.sessions.preview.take() else {
        return;
    };
    if m.sessions.selected_row().is_some_and(|r| r.id == id) && matches!(m.mode, Mode::Browse) {
        open_session(m, &id, fx);
    }
}

/// Asks for the next page when the selection nears the end of what is loaded.
pub(super) fn maybe_load_more(m: &mut Model, fx: &mut Vec<Effect>) {
    let rows = m.areas().map_or(ROWS_WHEN_TOO_SMALL, |a| a.session_rows());
    let s = &m.sessions;
    if s.loading || s.exhausted || !s.loaded_once || s.error.is_some() {
        return;
    }
    if !s.to_end
        && s.visible.len().saturating_sub(s.selected) > rows * LOOKAHEAD_SCREENS + LOOKAHEAD_ROWS
    {
        return;
    }
    let Some(from) = s.next.clone() else {
        return;
    };
    let limit = if s.to_end {
        SESSIONS_PAGE_BULK
    } else {
        SESSIONS_PAGE
    };
    m.sessions.loading = true;
    fx.push(Effect::LoadSessions {
        generation: m.sessions.generation,
        from,
        limit,
    });
}

pub(super) fn rebuild_visible(m: &mut Model) {
    let keep = m.sessions.selected_row().map(|r| r.id.clone());
    let visible: Vec<usize> = (0..m.sessions.rows.len())
        .filter(|&i| m.passes_filter(&m.sessions.rows[i]))
        .collect();
    m.sessions.visible = visible;
    m.sessions.selected = keep.and_then(|id| m.sessions.position(&id)).unwrap_or(0);
}

pub(super) fn sessions_loaded(
    m: &mut Model,
    generation: u64,
    from: PageStart,
    result: Result<SessionsPage, ApiError>,
    fx: &mut Vec<Effect>,
) {
    if generation != m.sessions.generation {
        return;
    }
    m.sessions.loading = false;
    let page = match result {
        Ok(page) => page,
        Err(e) => {
            let msg = wording::say(m, &e);
            m.sessions.error = Some(msg.clone());
            m.sessions.to_end = false;
            m.set_notice(Level::Error, wording::failed_at(m, &msg));
            return;
        }
    };
    let first = from.is_first();
    if !first && m.sessions.next.as_ref() != Some(&from) {
        return;
    }
    let got = page.response.results.len() as u64;
    // Where the server says the next page starts, not a count of rows: a session that
    // moved between pages arrives twice and is kept once.
    // A server that hands back the cursor it was given would page forever (`G` loads
    // every page): that is the end.
    m.sessions.next = page.next.filter(|next| *next != from);
    m.sessions.error = None;
    m.sessions.loaded_once = true;
    m.sessions.total = Some(page.response.total).filter(|&t| t > 0 || got == 0);
    m.sessions.exhausted = m.sessions.next.is_none();
    if first {
        m.sessions.rows.clear();
        m.sessions.index.clear();
    }
    super::order::page_arriving(m, first, &page.response.results);
    let first_new = m.sessions.rows.len();
    let bad = page.unreadable.len();
    m.sessions.rows.reserve(page.response.results.len() + bad);
    for row in in_page_order(page.response.results, page.unreadable, first_new) {
        if m.sessions.index.contains_key(&row.id) {
            continue;
        }
        m.sessions
            .index
            .insert(row.id.clone(), m.sessions.rows.len());
        m.sessions.rows.push(row);
    }
    if bad > 0 {
        m.set_general_notice(Level::Warning, wording::unreadable_sessions(bad));
    }
    if first {
        rebuild_visible(m);
    } else {
        for i in first_new..m.sessions.rows.len() {
            if m.passes_filter(&m.sessions.rows[i]) {
                m.sessions.visible.push(i);
            }
        }
    }
    super::order::page_added(m, first, fx);
    if matches!(&m.notice, Some(n) if n.text == wording::REFRESHING) {
        m.notice = None;
    }
    if m.sessions.to_end {
        let n = m.sessions.visible.len();
        m.sessions.selected = n.saturating_sub(1);
        preview_selected(m);
        if m.sessions.exhausted {
            m.sessions.to_end = false;
            m.set_notice(Level::Info, wording::all_sessions_loaded(n));
        } else {
            m.set_notice(Level::Info, wording::loading_every_session(m, n));
        }
    }
    if m.open.is_none()
        && let Some(id) = m.sessions.selected_row().map(|r| r.id.clone())
    {
        open_session(m, &id, fx);
        // The cursor waits on the first unrated reply: j, k and the rating keys act
        // there, as the hints suggest, rather than on the session list.
        m.focus = Pane::Transcript;
    }
    maybe_load_more(m, fx);
}

/// The rows of a page in the server's order: its sessions, and its unreadable items
/// where they stood. An unreadable item's key counts from `first_key`, so no two share one.
fn in_page_order(
    sessions: Vec<GetSessionResponse>,
    unreadable: Vec<UnreadableSession>,
    first_key: usize,
) -> Vec<SessionRow> {
    let mut out = Vec::with_capacity(sessions.len() + unreadable.len());
    let mut bad = unreadable.into_iter().peekable();
    for s in sessions {
        while let Some(u) = bad.next_if(|u| u.index <= out.len()) {
            out.push(unreadable_row(u, first_key + out.len()));
        }
        out.push(SessionRow::from_api(s));
    }
    for u in bad {
        out.push(unreadable_row(u, first_key + out.len()));
    }
    out
}

fn unreadable_row(u: UnreadableSession, n: usize) -> SessionRow {
    // A NUL and a number: no id a server sends is taken for it by accident.
    SessionRow::unreadable(u, format!("\u{0}unreadable {n}"))
}

/// Makes `id` the transcript shown. Only the open transcript keeps wrapped lines: one
/// left is wrapped again (a screenful) when it comes back.
pub(super) fn set_open(m: &mut Model, id: &str) {
    if let Some(before) = m.open.take()
        && before != id
    {
        if let Some(t) = m.transcripts.get_mut(&before) {
            t.layout = TranscriptLayout::default();
        }
        // What the status bar said was about the session left behind (a match count,
        // "3 of 3 unrated"); errors stay until something replaces them.
        if m.notice
            .as_ref()
            .is_some_and(|n| n.level != Level::Error && n.about.as_deref() == Some(before.as_str()))
        {
            m.notice = None;
        }
    }
    m.open = Some(id.to_string());
}

/// Shows a session in the transcript pane, loading its history the first time.
pub(super) fn open_session(m: &mut Model, id: &str, fx: &mut Vec<Effect>) {
    if show_unreadable(m, id) {
        if let Some(pos) = m.sessions.position(id) {
            m.sessions.selected = pos;
        }
        return;
    }
    set_open(m, id);
    if let Some(pos) = m.sessions.position(id) {
        m.sessions.selected = pos;
    }
    let needs_load = m
        .transcripts
        .get(id)
        .is_none_or(|t| !t.requested || (t.error.is_some() && !t.loading));
    if needs_load {
        load_transcript(m, id, fx);
    } else if let Some(t) = m.transcripts.get_mut(id)
        && !t.complete
        && !t.loading
        && t.error.is_none()
    {
        // Left part-loaded when the reviewer moved on: go on where it stopped.
        t.loading = true;
        fx.push(Effect::LoadHistory {
            session_id: id.to_string(),
            generation: t.generation,
            offset: t.messages.len() as u64,
        });
    }
}
