//! `update(&mut Model, Action) -> Vec<Effect>`: every change of state, with no I/O.

use super::action::{Action, Command, KnownRating};
use super::editor::{Editor, MAX_FEEDBACK_CHARS};
use super::effect::{Effect, SESSIONS_PAGE, SESSIONS_PAGE_BULK};
use super::model::*;
use super::scroll;
use super::typeset::style::Look;
use super::typeset::text;
use crate::api::model::{GetHistoryResponse, Rating};
use crate::api::{ApiError, PageStart, SessionsPage};
use crate::journal::outbox::OutboxEvent;
use crate::journal::{Draft, Entry, Exchange, SavedDraft};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

/// Lines the mouse wheel scrolls the transcript per notch.
const WHEEL_LINES: usize = 3;

/// The first work of a fresh model: the first page of sessions and the outbox counts.
pub fn start(m: &mut Model) -> Vec<Effect> {
    let generation = m.next_generation();
    m.sessions.generation = generation;
    m.sessions.loading = true;
    vec![
        Effect::LoadSessions {
            generation,
            from: PageStart::Offset(0),
            limit: SESSIONS_PAGE,
        },
        Effect::LoadCounts,
        Effect::LoadDrafts,
    ]
}

/// Applies one action. Returns the work it asks for; never waits for anything.
pub fn update(m: &mut Model, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::ForceQuit => {
            m.quit = true;
            m.quit_now = true;
        }
        Action::Resize(w, h) => {
            // Re-wrapping waits for `prepare`, so a burst of resizes wraps once.
            m.width = w;
            m.height = h;
            m.resized = true;
            return fx;
        }
        Action::Tick => preview_rested(m, &mut fx),
        Action::Mouse(ev) => mouse(m, ev, &mut fx),
        Action::SessionsLoaded {
            generation,
            from,
            result,
        } => sessions_loaded(m, generation, from, result, &mut fx),
        Action::HistoryLoaded {
            session_id,
            generation,
            offset,
            result,
        } => history_loaded(m, &session_id, generation, offset, result, &mut fx),
        Action::KnownRatingsLoaded {
            session_id,
            generation,
            result,
        } => known_loaded(m, &session_id, generation, result, &mut fx),
        Action::RateRecorded {
            session_id,
            message_id,
            rating,
            result,
        } => rate_recorded(m, &session_id, &message_id, rating, result),
        Action::Outbox(ev) => outbox_event(m, ev),
        Action::DraftsLoaded(result) => drafts_loaded(m, result),
        // Too small to draw: the screen only says so. A stray key must not rate or move
        // what the reviewer cannot see; quitting is all that works (unsent ratings stay
        // in the journal either way).
        Action::Command(Command::Quit) | Action::ConfirmYes if m.areas().is_none() => {
            m.quit = true;
        }
        _ if m.areas().is_none() => {}
        other => match &m.mode {
            Mode::Browse => browse(m, other, &mut fx),
            Mode::Compose(_) => compose(m, other, &mut fx),
            Mode::Search(_) => prompt(m, other),
            Mode::Help { .. } => help(m, other),
            Mode::ConfirmQuit => confirm(m, other),
        },
    }
    flush_queued(m, &mut fx);
    settle(m);
    fx
}

/// Brings derived state up to date before a frame is drawn (the loop calls this once
/// after applying everything pending).
pub fn prepare(m: &mut Model) {
    if m.resized {
        m.resized = false;
        reveal_cursor(m);
    }
    settle(m);
}

/// Keeps derived state in step: the open transcript's view inside its text (wrapping
/// what is on screen), and the selected session inside the visible rows.
fn settle(m: &mut Model) {
    if let Some(a) = m.areas() {
        let rows = a.session_rows();
        let s = &mut m.sessions;
        s.selected = s.selected.min(s.visible.len().saturating_sub(1));
        if s.selected < s.offset {
            s.offset = s.selected;
        } else if s.selected >= s.offset + rows {
            s.offset = s.selected + 1 - rows;
        }
        let max_offset = s.visible.len().saturating_sub(rows);
        s.offset = s.offset.min(max_offset);
    }
    if let Some((t, look, rows)) = open_view(m) {
        scroll::clamp(t, rows, look);
        scroll::trim(t);
    }
}

/// The open transcript with its layout fitted to the current wrap width, the look to
/// wrap with, and the rows of its pane. `None` with nothing open or a screen too small.
fn open_view(m: &mut Model) -> Option<(&mut Transcript, &Look, usize)> {
    let a = m.areas()?;
    let id = m.open.as_ref()?;
    let t = m.transcripts.get_mut(id)?;
    scroll::fit_width(t, a.wrap_width());
    Some((t, &m.look, a.transcript_lines()))
}

/// Scrolls the open transcript so the cursor's message is in view.
fn reveal_cursor(m: &mut Model) {
    if let Some((t, look, rows)) = open_view(m)
        && let Some(c) = t.cursor
    {
        scroll::reveal(t, c, rows, look);
    }
}

fn browse(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Command(cmd) => command(m, cmd, fx),
        // Esc clears the search highlights first, then the last notice.
        Action::Dismiss => {
            let had_search = m.search.take().is_some();
            if !had_search {
                m.notice = None;
            }
        }
        _ => {}
    }
}

fn command(m: &mut Model, cmd: Command, fx: &mut Vec<Effect>) {
    use Command::*;
    if m.jump.is_some() && waits_for_jump(cmd) {
        queue_key(m, cmd);
        return;
    }
    match cmd {
        Up | Down | Top | Bottom | PageUp | PageDown => {
            m.jump = None;
            match m.focus {
                Pane::Sessions => move_session(m, cmd, fx),
                Pane::Transcript => move_cursor(m, cmd),
            }
        }
        NextPane => {
            m.focus = match m.focus {
                Pane::Sessions => Pane::Transcript,
                Pane::Transcript => Pane::Sessions,
            };
        }
        FocusSessions => m.focus = Pane::Sessions,
        FocusTranscript => m.focus = Pane::Transcript,
        Open => match m.focus {
            Pane::Sessions => {
                if let Some(id) = m.sessions.selected_row().map(|r| r.id.clone()) {
                    m.jump = None;
                    open_session(m, &id, fx);
                    m.focus = Pane::Transcript;
                }
            }
            Pane::Transcript => {
                let target = m
                    .open_transcript()
                    .and_then(|t| t.cursor.filter(|&c| t.kinds[c] == Kind::Tool));
                match target {
                    Some(i) => toggle_fold(m, i),
                    None => m.set_notice(
                        Level::Info,
                        format!(
                            "{} rates positive, {} negative, {} with text.",
                            m.key(RatePositive),
                            m.key(RateNegative),
                            m.key(RateWithText)
                        ),
                    ),
                }
            }
        },
        ToggleTools => toggle_all_tools(m),
        RatePositive => rate_selected(m, Rating::Positive, fx),
        RateNegative => rate_selected(m, Rating::Negative, fx),
        RateWithText => open_compose(m),
        NextUnrated => next_unrated(m, true, fx),
        PrevUnrated => next_unrated(m, false, fx),
        Search => m.mode = Mode::Search(Prompt::default()),
        NextMatch => step_match(m, true),
        PrevMatch => step_match(m, false),
        Filter => cycle_filter(m, fx),
        Refresh => refresh(m, fx),
        Help => m.mode = Mode::Help { scroll: 0 },
        Quit => {
            if m.sends_pending() > 0 {
                m.mode = Mode::ConfirmQuit;
            } else {
                m.quit = true;
            }
        }
        Send | Cancel | ToggleRating => {}
    }
}

// ---- sessions ----

fn move_session(m: &mut Model, cmd: Command, fx: &mut Vec<Effect>) {
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
        let key = m.key(Command::Up).to_string();
        m.set_notice(
            Level::Info,
            format!("Loading every session ({n} so far); {key} or any move stops."),
        );
    }
    preview_selected(m);
    maybe_load_more(m, fx);
}

/// Shows the selected session in the transcript pane: at once when its history is
/// already here, else once the selection rests (see `preview_rested`). Focus stays put.
fn preview_selected(m: &mut Model) {
    let Some(id) = m.sessions.selected_row().map(|r| r.id.clone()) else {
        return;
    };
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

/// The selection rested: load and show the session it rests on, if it still does.
fn preview_rested(m: &mut Model, fx: &mut Vec<Effect>) {
    let Some(id) = m.sessions.preview.take() else {
        return;
    };
    if m.sessions.selected_row().is_some_and(|r| r.id == id) && matches!(m.mode, Mode::Browse) {
        open_session(m, &id, fx);
    }
}

/// Asks for the next page when the selection nears the end of what is loaded.
fn maybe_load_more(m: &mut Model, fx: &mut Vec<Effect>) {
    let rows = m.areas().map_or(10, |a| a.session_rows());
    let s = &m.sessions;
    if s.loading || s.exhausted || !s.loaded_once || s.error.is_some() {
        return;
    }
    if !s.to_end && s.visible.len().saturating_sub(s.selected) > rows * 2 + 10 {
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

fn rebuild_visible(m: &mut Model) {
    let keep = m.sessions.selected_row().map(|r| r.id.clone());
    let visible: Vec<usize> = (0..m.sessions.rows.len())
        .filter(|&i| m.passes_filter(&m.sessions.rows[i]))
        .collect();
    m.sessions.visible = visible;
    m.sessions.selected = keep.and_then(|id| m.sessions.position(&id)).unwrap_or(0);
}

fn sessions_loaded(
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
            let msg = say(m, &e);
            m.sessions.error = Some(msg.clone());
            m.sessions.to_end = false;
            failed_at(m, msg);
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
    let first_new = m.sessions.rows.len();
    m.sessions.rows.reserve(page.response.results.len());
    for s in page.response.results {
        if m.sessions.index.contains_key(&s.session_id) {
            continue;
        }
        m.sessions
            .index
            .insert(s.session_id.clone(), m.sessions.rows.len());
        m.sessions.rows.push(SessionRow::from_api(s));
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
    if matches!(&m.notice, Some(n) if n.text == REFRESHING) {
        m.notice = None;
    }
    if m.sessions.to_end {
        let n = m.sessions.visible.len();
        m.sessions.selected = n.saturating_sub(1);
        preview_selected(m);
        if m.sessions.exhausted {
            m.sessions.to_end = false;
            m.set_notice(Level::Info, format!("All {n} sessions loaded."));
        } else {
            let key = m.key(Command::Up).to_string();
            m.set_notice(
                Level::Info,
                format!("Loading every session ({n} so far); {key} or any move stops."),
            );
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

const REFRESHING: &str = "Refreshing…";

/// Makes `id` the transcript shown. Only the open transcript keeps wrapped lines: one
/// left is wrapped again (a screenful) when it comes back.
fn set_open(m: &mut Model, id: &str) {
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
fn open_session(m: &mut Model, id: &str, fx: &mut Vec<Effect>) {
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

fn load_transcript(m: &mut Model, id: &str, fx: &mut Vec<Effect>) {
    let generation = m.next_generation();
    let t = m
        .transcripts
        .entry(id.to_string())
        .or_insert_with(|| Transcript::new(id));
    t.generation = generation;
    t.requested = true;
    t.loading = true;
    t.error = None;
    fx.push(Effect::LoadHistory {
        session_id: id.to_string(),
        generation,
        offset: 0,
    });
    fx.push(Effect::LoadKnownRatings {
        session_id: id.to_string(),
        generation,
    });
}

fn history_loaded(
    m: &mut Model,
    id: &str,
    generation: u64,
    offset: u64,
    result: Result<GetHistoryResponse, ApiError>,
    fx: &mut Vec<Effect>,
) {
    // Only the session on screen (or one a walk waits for) keeps loading: a session
    // glanced at while moving through the list stops after the page it asked for, and
    // goes on from there if it is opened again.
    let wanted =
        m.open.as_deref() == Some(id) || m.jump.as_ref().is_some_and(|j| j.session_id == id);
    let Some(t) = m.transcripts.get_mut(id) else {
        return;
    };
    if t.generation != generation {
        return;
    }
    t.loading = false;
    let page = match result {
        Ok(p) => p,
        Err(e) => {
            let msg = say_with(&m.key_names, &e);
            t.error = Some(msg.clone());
            if m.jump.as_ref().is_some_and(|j| j.session_id == id) {
                m.jump = None;
            }
            failed_at(m, msg);
            return;
        }
    };
    if offset == 0 {
        // A refresh: replace, keeping the reviewer's place by message id.
        let keep = t
            .cursor
            .and_then(|c| t.messages.get(c))
            .map(|m| m.message_id.clone());
        t.messages.clear();
        t.kinds.clear();
        t.unfolded.clear();
        t.layout = TranscriptLayout::default();
        t.cursor = None;
        append(t, page.messages);
        t.cursor = keep.and_then(|k| t.index_of(&k));
    } else if offset as usize == t.messages.len() {
        append(t, page.messages);
    } else {
        return;
    }
    t.total = Some(page.total_messages);
    let n = t.messages.len();
    t.complete = !page.has_more || n as u64 >= page.total_messages || offset as usize == n;
    if !t.complete && wanted {
        t.loading = true;
        fx.push(Effect::LoadHistory {
            session_id: id.to_string(),
            generation,
            offset: n as u64,
        });
    }
    t.recount();
    place_cursor(m, id);
    settle_jump(m, fx);
}

fn append(t: &mut Transcript, messages: Vec<crate::api::model::MessageHistoryItem>) {
    for msg in messages {
        t.kinds.push(kind_of(&msg));
        t.unfolded.push(false);
        t.messages.push(msg);
    }
}

/// Until the reviewer moves it, the cursor sits on the first unrated assistant message.
fn place_cursor(m: &mut Model, id: &str) {
    let Some(t) = m.transcripts.get_mut(id) else {
        return;
    };
    if !t.cursor_auto {
        return;
    }
    let n = t.messages.len();
    let target = t
        .find_unrated(None, true)
        .or_else(|| (0..n).find(|&i| t.is_assistant(i)))
        .or_else(|| (0..n).find(|&i| t.selectable(i)));
    if target != t.cursor {
        t.cursor = target;
        if m.open.as_deref() == Some(id) {
            reveal_cursor(m);
        }
    }
}

fn known_loaded(
    m: &mut Model,
    id: &str,
    generation: u64,
    result: Result<Vec<KnownRating>, String>,
    fx: &mut Vec<Effect>,
) {
    let Some(t) = m.transcripts.get_mut(id) else {
        return;
    };
    if t.generation != generation {
        return;
    }
    t.known_loaded = true;
    match result {
        Ok(list) => {
            for k in list {
                // A rating of this run still on its way is newer than anything loaded.
                // One already answered is not: the server (or the journal, which another
                // verdict on this machine writes too) may hold a later rating from
                // elsewhere, and `r` is how the reviewer asks for it.
                if t.receipts
                    .get(&k.message_id)
                    .is_some_and(Receipt::in_flight)
                {
                    continue;
                }
                set_note(t, &k.message_id, k.note);
                t.receipts.insert(k.message_id, k.receipt);
            }
            t.recount();
        }
        Err(e) => m.set_notice(
            Level::Warning,
            format!("Earlier ratings could not be read from the journal ({e})."),
        ),
    }
    place_cursor(m, id);
    settle_jump(m, fx);
}

// ---- the transcript ----

fn move_cursor(m: &mut Model, cmd: Command) {
    let Some((t, look, h)) = open_view(m) else {
        return;
    };
    let n = t.messages.len();
    if n == 0 {
        return;
    }
    t.cursor_auto = false;
    t.advanced = false;
    let next = |t: &Transcript, from: Option<usize>| match from {
        Some(c) => (c + 1..n).find(|&i| t.selectable(i)),
        None => (0..n).find(|&i| t.selectable(i)),
    };
    let prev = |t: &Transcript, from: usize| (0..from).rev().find(|&i| t.selectable(i));
    match cmd {
        Command::Down => match next(t, t.cursor) {
            Some(i) => t.cursor = Some(i),
            None => {
                scroll::down(t, 1, look);
                scroll::clamp(t, h, look);
                return;
            }
        },
        Command::Up => match t.cursor.and_then(|c| prev(t, c)) {
            Some(i) => t.cursor = Some(i),
            None => {
                scroll::up(t, 1, look);
                return;
            }
        },
        Command::Top => {
            t.cursor = next(t, None).or(t.cursor);
            t.scroll = Scroll::default();
        }
        Command::Bottom => {
            t.cursor = prev(t, n).or(t.cursor);
            // The last line at the bottom of the view: wraps only the last screenful.
            t.scroll = Scroll {
                item: n - 1,
                line: usize::MAX,
            };
            scroll::clamp(t, h, look);
        }
        Command::PageDown | Command::PageUp => {
            let page = h.saturating_sub(1).max(1);
            if cmd == Command::PageDown {
                scroll::down(t, page, look);
                scroll::clamp(t, h, look);
            } else {
                scroll::up(t, page, look);
            }
            let view = scroll::in_view(t, h, look);
            if t.cursor.is_none_or(|c| !view.contains(&c)) {
                let mut shown = view.filter(|&i| t.selectable(i));
                let pick = if cmd == Command::PageDown {
                    shown.next()
                } else {
                    shown.next_back()
                };
                if pick.is_some() {
                    t.cursor = pick;
                }
            }
            return;
        }
        _ => return,
    }
    reveal_cursor(m);
}

fn toggle_fold(m: &mut Model, i: usize) {
    if let Some(t) = m.open_transcript_mut() {
        t.unfolded[i] = !t.unfolded[i];
        scroll::forget(t, i);
    }
    reveal_cursor(m);
}

fn toggle_all_tools(m: &mut Model) {
    let Some(t) = m.open_transcript_mut() else {
        return;
    };
    let tools: Vec<usize> = (0..t.messages.len())
        .filter(|&i| t.kinds[i] == Kind::Tool)
        .collect();
    if tools.is_empty() {
        m.set_notice(Level::Info, "This session has no tool calls.");
        return;
    }
    let unfold = tools.iter().any(|&i| !t.unfolded[i]);
    for &i in &tools {
        t.unfolded[i] = unfold;
        // Wrapped again when next on screen.
        scroll::forget(t, i);
    }
    reveal_cursor(m);
    m.set_notice(
        Level::Info,
        if unfold {
            "Tool calls unfolded."
        } else {
            "Tool calls folded."
        },
    );
}

// ---- rating ----

fn selected_assistant(m: &Model) -> Option<(String, String)> {
    if opening_other(m).is_some() {
        return None;
    }
    let t = m.open_transcript()?;
    let c = t.cursor?;
    t.is_assistant(c)
        .then(|| (t.session_id.clone(), t.messages[c].message_id.clone()))
}

fn rate_selected(m: &mut Model, rating: Rating, fx: &mut Vec<Effect>) {
    match selected_assistant(m) {
        Some((session, message)) => rate(m, &session, &message, rating, None, fx),
        None => not_on_assistant(m),
    }
}

/// The session highlighted in the list while the transcript still shows another (a
/// filter, a search or a move landed on a session whose history is on its way): rating
/// keys wait for it, so they never rate a session the list does not highlight.
fn opening_other(m: &Model) -> Option<String> {
    let selected = m.sessions.selected_row()?;
    (m.open.as_deref() != Some(selected.id.as_str())).then(|| selected.title().to_string())
}

fn not_on_assistant(m: &mut Model) {
    if let Some(title) = opening_other(m) {
        let text = format!(
            "{} is opening: rate once it shows.",
            text::truncate(&title, 40)
        );
        m.set_notice(Level::Warning, text);
        return;
    }
    if let Some(t) = m.open_transcript()
        && t.messages.is_empty()
        && t.loading
    {
        let name = m
            .sessions
            .row(&t.session_id)
            .map_or(t.session_id.as_str(), |r| r.title());
        let text = format!(
            "{} is still loading: rate once its messages show.",
            text::truncate(name, 40)
        );
        m.set_notice(Level::Warning, text);
        return;
    }
    let (up, down) = (m.key(Command::Up), m.key(Command::Down));
    let text = if m.open_transcript().is_some_and(|t| t.assistants > 0) {
        if m.focus == Pane::Transcript {
            format!("Only assistant messages are rated: move to one with {down}/{up}.")
        } else {
            format!(
                "Select an assistant message to rate it: {} moves into the transcript, then {down}/{up}.",
                m.key(Command::NextPane)
            )
        }
    } else if m.open.is_some() {
        "This session has no assistant message to rate.".to_string()
    } else {
        format!(
            "Open a session first: select it and press {}.",
            m.key(Command::Open)
        )
    };
    m.set_notice(Level::Warning, text);
}

fn rate(
    m: &mut Model,
    session_id: &str,
    message_id: &str,
    rating: Rating,
    text: Option<String>,
    fx: &mut Vec<Effect>,
) {
    let t = m
        .transcripts
        .entry(session_id.to_string())
        .or_insert_with(|| Transcript::new(session_id));
    let after = t.receipts.get(message_id).and_then(Receipt::entry);
    t.receipts
        .insert(message_id.to_string(), Receipt::Saving { rating, after });
    set_note(t, message_id, text.clone());
    t.recount();
    let exchange = Exchange::from_history(&t.messages, message_id);
    let key = (session_id.to_string(), message_id.to_string());
    let without_note = text.is_none() && m.drafts.contains_key(&key);
    fx.push(Effect::Rate {
        session_id: key.0,
        message_id: key.1,
        rating,
        text,
        exchange,
    });
    if without_note {
        let open = m.key(Command::RateWithText).to_string();
        m.set_notice(
            Level::Warning,
            format!(
                "Rated {rating} without your draft note; {open} on the message sends the note (it replaces this rating)."
            ),
        );
    } else {
        m.set_notice(Level::Info, format!("Rated {rating}: saving…"));
    }
    if m.advance_after_rating
        && m.open.as_deref() == Some(session_id)
        && let Some(t) = m.transcripts.get_mut(session_id)
        && let Some(i) = t.index_of(message_id)
        && let Some(next) = t.find_unrated(Some(i), true)
    {
        t.cursor = Some(next);
        t.cursor_auto = false;
        t.advanced = true;
        reveal_cursor(m);
    }
}

/// The note of a message's latest rating (none: that rating had no text); the message is
/// wrapped again where it changed, since the note is drawn under it.
fn set_note(t: &mut Transcript, message_id: &str, note: Option<String>) {
    let note = note.filter(|n| !n.trim().is_empty());
    if t.notes.get(message_id) == note.as_ref() {
        return;
    }
    match note {
        Some(n) => t.notes.insert(message_id.to_string(), n),
        None => t.notes.remove(message_id),
    };
    if let Some(i) = t.index_of(message_id) {
        scroll::forget(t, i);
    }
}

fn rate_recorded(
    m: &mut Model,
    session_id: &str,
    message_id: &str,
    rating: Rating,
    result: Result<Entry, String>,
) {
    let t = m
        .transcripts
        .entry(session_id.to_string())
        .or_insert_with(|| Transcript::new(session_id));
    match result {
        Ok(entry) => {
            let newer_known = t
                .receipts
                .get(message_id)
                .and_then(Receipt::entry)
                .is_some_and(|e| e >= entry.id);
            if !newer_known {
                t.receipts.insert(
                    message_id.to_string(),
                    Receipt::Queued {
                        rating,
                        entry: entry.id,
                    },
                );
            }
            m.this_run
                .insert((session_id.to_string(), message_id.to_string()), rating);
            if matches!(&m.notice, Some(n) if n.text.ends_with("saving…")) {
                m.set_notice(Level::Info, format!("Rated {rating}: sending…"));
            }
        }
        Err(e) => {
            t.receipts.insert(
                message_id.to_string(),
                Receipt::Failed {
                    rating,
                    entry: None,
                    error: format!("not saved: {e}"),
                },
            );
            m.set_notice(
                Level::Error,
                format!("The rating could not be written to the journal ({e}); check the data directory and try again."),
            );
        }
    }
    if let Some(t) = m.transcripts.get_mut(session_id) {
        t.recount();
    }
}

/// Whether an outbox report about `entry` is older than what the screen shows.
fn is_stale(current: Option<&Receipt>, entry: i64) -> bool {
    match current {
        Some(Receipt::Saving { after, .. }) => after.is_some_and(|a| entry <= a),
        Some(r) => r.entry().is_some_and(|e| e > entry),
        None => false,
    }
}

fn outbox_event(m: &mut Model, ev: OutboxEvent) {
    let (entry, receipt, notice) = match ev {
        OutboxEvent::Counts { counts, offline } => {
            m.outbox = OutboxState {
                pending: counts.pending,
                failed: counts.failed,
                offline,
            };
            return;
        }
        OutboxEvent::Sent { entry, receipt } => {
            let memory = if receipt.stored {
                "stored to memory"
            } else {
                "not stored"
            };
            let r = Receipt::Sent {
                rating: receipt.rating,
                stored: receipt.stored,
                entry: Some(entry.id),
            };
            let text = format!(
                "{} rating recorded by the server: {memory}.",
                capitalise(receipt.rating.as_str())
            );
            (
                entry,
                r,
                Notice {
                    text,
                    level: Level::Success,
                    about: None,
                },
            )
        }
        OutboxEvent::Retrying {
            entry,
            error,
            next_attempt_in,
        } => {
            let delay = chrono::Duration::from_std(next_attempt_in)
                .unwrap_or_else(|_| chrono::Duration::seconds(60));
            let r = Receipt::Retrying {
                rating: entry.rating,
                entry: entry.id,
                error: short_reason(&error),
                retry_at: m.now + delay,
            };
            let text = format!("Not sent yet: {}", say(m, &error));
            (
                entry,
                r,
                Notice {
                    text,
                    level: Level::Warning,
                    about: None,
                },
            )
        }
        OutboxEvent::Failed { entry, error } => {
            let r = Receipt::Failed {
                rating: entry.rating,
                entry: Some(entry.id),
                error: say(m, &error),
            };
            let text = format!("Rating refused: {}", say(m, &error));
            (
                entry,
                r,
                Notice {
                    text,
                    level: Level::Error,
                    about: None,
                },
            )
        }
    };
    let session = entry.target.session_id.clone();
    let message = entry.target.message_id.clone();
    let t = m
        .transcripts
        .entry(session.clone())
        .or_insert_with(|| Transcript::new(&session));
    if is_stale(t.receipts.get(&message), entry.id) {
        return;
    }
    t.receipts.insert(message, receipt);
    t.recount();
    let mut notice = notice;
    notice.about = Some(session.clone());
    if notice.level == Level::Success && t.complete && t.assistants > 0 && t.rated == t.assistants {
        notice.text.push_str(&format!(
            " Session fully rated; {} goes to the next.",
            m.key(Command::NextUnrated)
        ));
    }
    // The server's answer must not hide that the note waiting on this message was not
    // part of the rating.
    if matches!(notice.level, Level::Success)
        && m.drafts
            .contains_key(&(session.clone(), entry.target.message_id.clone()))
        && entry.text.is_none()
    {
        notice.level = Level::Warning;
        notice.text.push_str(&format!(
            " Your draft note was not sent with it; {} sends it.",
            m.key(Command::RateWithText)
        ));
    }
    m.notice = Some(notice);
}

/// An API error as the screen says it: the client's sentence, with the refresh key the
/// reviewer actually has, and a way forward that works from inside the app.
fn say(m: &Model, e: &ApiError) -> String {
    say_with(&m.key_names, e)
}

fn say_with(keys: &std::collections::BTreeMap<Command, String>, e: &ApiError) -> String {
    let key = keys.get(&Command::Refresh).map_or("r", String::as_str);
    if let ApiError::Unauthorized(_) = e {
        // The key comes from the environment or the config file: retrying cannot help.
        return "The API key was refused: set MIXPEEK_API_KEY (or api_key in config.toml) to a valid key and restart verdict.".to_string();
    }
    // Loads are not retried by themselves (ratings are): say what the reviewer can do.
    let msg = match e {
        ApiError::Server(i) => format!(
            "The server failed ({} {}); press {key} to try again.",
            i.status, i.message
        ),
        ApiError::RateLimited(_) => {
            format!("The server is rate limiting requests; wait a moment, then press {key}.")
        }
        other => other
            .user_message()
            .replace("press r", &format!("press {key}")),
    };
    if e.is_retryable() && !msg.contains("press ") {
        format!("{msg} Press {key} to retry now.")
    } else {
        msg
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A few words on why a send is waiting, for the receipt line.
fn short_reason(e: &ApiError) -> String {
    match e {
        ApiError::Network(_) | ApiError::Timeout => "offline".to_string(),
        ApiError::RateLimited(_) => "rate limited".to_string(),
        ApiError::Decode(_) => "unreadable answer".to_string(),
        ApiError::Redirect(i) => format!("redirected ({})", i.status),
        other => match other.status() {
            Some(s) => format!("server {s}"),
            None => "error".to_string(),
        },
    }
}

// ---- rate with text ----

fn open_compose(m: &mut Model) {
    let Some((session_id, message_id)) = selected_assistant(m) else {
        not_on_assistant(m);
        return;
    };
    let key = (session_id.clone(), message_id.clone());
    let (rating, editor) = match m.drafts.get(&key).cloned() {
        Some(draft) => {
            m.set_notice(
                Level::Info,
                "Your unsent note is back; Esc keeps it as a draft again.",
            );
            (draft.rating, Editor::new(&draft.text))
        }
        None => (
            m.open_transcript()
                .and_then(|t| t.receipts.get(&message_id))
                .map_or(Rating::Positive, Receipt::rating),
            Editor::default(),
        ),
    };
    let chars = editor.chars();
    m.mode = Mode::Compose(Box::new(Compose {
        session_id,
        message_id,
        rating,
        editor,
        error: (chars > MAX_FEEDBACK_CHARS).then(|| too_long(chars)),
    }));
}

/// Keeps the editor's note as the message's draft (in the journal as it is typed, so
/// quitting, a lost SSH connection or a crash cannot take it); an emptied note is no draft.
fn keep_draft(
    drafts: &mut std::collections::HashMap<(String, String), Draft>,
    c: &Compose,
    fx: &mut Vec<Effect>,
) {
    let key = (c.session_id.clone(), c.message_id.clone());
    let text = c.editor.text();
    if text.is_empty() {
        if drafts.remove(&key).is_some() {
            fx.push(Effect::DeleteDraft {
                session_id: key.0,
                message_id: key.1,
            });
        }
        return;
    }
    let draft = Draft {
        rating: c.rating,
        text,
    };
    if drafts.get(&key) != Some(&draft) {
        drafts.insert(key.clone(), draft.clone());
        fx.push(Effect::SaveDraft {
            session_id: key.0,
            message_id: key.1,
            draft,
        });
    }
}

fn compose(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let Mode::Compose(c) = &mut m.mode else {
        return;
    };
    match action {
        Action::Command(Command::Cancel) => {
            let kept = m
                .drafts
                .contains_key(&(c.session_id.clone(), c.message_id.clone()));
            m.mode = Mode::Browse;
            if kept {
                let open = m.key(Command::RateWithText).to_string();
                m.set_notice(
                    Level::Info,
                    format!("Nothing was sent; your note is kept as a draft ({open} on this message opens it)."),
                );
            } else {
                m.set_notice(Level::Info, "Rating with text cancelled; nothing was sent.");
            }
        }
        Action::Command(Command::ToggleRating) => {
            c.rating = match c.rating {
                Rating::Positive => Rating::Negative,
                Rating::Negative => Rating::Positive,
            };
            keep_draft(&mut m.drafts, c, fx);
        }
        Action::Command(Command::Send) => {
            let chars = c.editor.chars();
            if chars > MAX_FEEDBACK_CHARS {
                c.error = Some(too_long(chars));
                return;
            }
            let text = c.editor.text();
            let (session, message, rating) = (c.session_id.clone(), c.message_id.clone(), c.rating);
            m.mode = Mode::Browse;
            let text = (!text.is_empty()).then_some(text);
            rate(m, &session, &message, rating, text, fx);
            // After the rating, in the same ordered writer: the note is in the journal
            // as a rating before its draft goes.
            if m.drafts
                .remove(&(session.clone(), message.clone()))
                .is_some()
            {
                fx.push(Effect::DeleteDraft {
                    session_id: session,
                    message_id: message,
                });
            }
        }
        Action::Paste(pasted) => {
            c.editor
                .insert_str(&pasted.replace("\r\n", "\n").replace('\r', "\n"));
            let chars = c.editor.chars();
            c.error = (chars > MAX_FEEDBACK_CHARS).then(|| too_long(chars));
            keep_draft(&mut m.drafts, c, fx);
        }
        Action::EditorKey(key) if c.editor.input(key) => {
            let chars = c.editor.chars();
            c.error = (chars > MAX_FEEDBACK_CHARS).then(|| too_long(chars));
            keep_draft(&mut m.drafts, c, fx);
        }
        _ => {}
    }
}

/// Drafts from earlier runs join this run's (a note already being written here wins).
fn drafts_loaded(m: &mut Model, result: Result<Vec<SavedDraft>, String>) {
    match result {
        Ok(saved) => {
            let mut added = 0;
            for d in saved {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    m.drafts.entry((d.session_id, d.message_id))
                {
                    slot.insert(d.draft);
                    added += 1;
                }
            }
            if added > 0 && m.notice.is_none() {
                let open = m.key(Command::RateWithText).to_string();
                m.set_notice(
                    Level::Info,
                    if added == 1 {
                        format!(
                            "1 unsent note from last time, marked \"draft\" on its message; {open} there opens it."
                        )
                    } else {
                        format!(
                            "{added} unsent notes from last time, marked \"draft\" on their messages; {open} on one opens it."
                        )
                    },
                );
            }
        }
        Err(e) => m.set_notice(
            Level::Warning,
            format!("Cannot read unsent notes from the journal: {e}"),
        ),
    }
}

fn too_long(chars: usize) -> String {
    format!(
        "Too long to send: {chars} characters, the limit is {MAX_FEEDBACK_CHARS}. Shorten it first."
    )
}

// ---- next unrated ----

fn land(m: &mut Model, session_id: &str, i: usize) {
    m.landed = true;
    set_open(m, session_id);
    if let Some(pos) = m.sessions.position(session_id) {
        m.sessions.selected = pos;
    }
    m.focus = Pane::Transcript;
    if let Some(t) = m.transcripts.get_mut(session_id) {
        t.cursor = Some(i);
        t.cursor_auto = false;
        t.advanced = false;
    }
    reveal_cursor(m);
}

fn next_unrated(m: &mut Model, forward: bool, fx: &mut Vec<Effect>) {
    m.jump = None;
    if let Some(t) = m.open_transcript() {
        let id = t.session_id.clone();
        // Where verdict put the cursor (on opening, or after a rating) is already the
        // next unrated message: `] +` typed in pairs rates each one, none skipped.
        if forward
            && (t.cursor_auto || t.advanced)
            && let Some(c) = t.cursor.filter(|&c| t.is_unrated(c))
        {
            land(m, &id, c);
            let key = m.key(Command::NextUnrated).to_string();
            m.set_notice(
                Level::Info,
                format!("This is the next unrated message; {key} again skips it."),
            );
            return;
        }
        if let Some(i) = t.find_unrated(t.cursor, forward) {
            land(m, &id, i);
            return;
        }
        if forward && !t.complete && t.error.is_none() {
            m.jump = Some(Jump {
                session_id: id,
                forward,
                after: t.messages.len().checked_sub(1),
            });
            m.set_notice(Level::Info, "Loading the rest of this session…");
            return;
        }
    }
    cross_sessions(m, forward, fx);
}

/// Walks the visible sessions after (or before) the open one to the first that has an
/// unrated assistant message, loading its history when needed.
fn cross_sessions(m: &mut Model, forward: bool, fx: &mut Vec<Effect>) {
    let n = m.sessions.visible.len();
    let here = m
        .open
        .as_deref()
        .and_then(|id| m.sessions.position(id))
        .unwrap_or(m.sessions.selected);
    let order: Box<dyn Iterator<Item = usize>> = if forward {
        Box::new(here + 1..n)
    } else {
        Box::new((0..here.min(n)).rev())
    };
    for pos in order {
        let row = &m.sessions.rows[m.sessions.visible[pos]];
        if !m.has_unrated(row) {
            continue;
        }
        let id = row.id.clone();
        let title = row.title().to_string();
        let ready = m
            .transcripts
            .get(&id)
            .filter(|t| t.complete && t.known_loaded && t.error.is_none());
        if let Some(t) = ready {
            match t.find_unrated(None, forward) {
                Some(i) => {
                    land(m, &id, i);
                    landed_in(m, &id);
                    return;
                }
                None => continue,
            }
        }
        m.sessions.selected = pos;
        open_session(m, &id, fx);
        m.focus = Pane::Transcript;
        m.jump = Some(Jump {
            session_id: id,
            forward,
            after: None,
        });
        m.set_notice(
            Level::Info,
            format!("Opening {}…", text::truncate(&title, 40)),
        );
        settle_jump(m, fx);
        return;
    }
    if forward
        && !m.sessions.loading
        && m.sessions.loaded_once
        && let Some(from) = m.sessions.next.clone()
    {
        m.sessions.loading = true;
        fx.push(Effect::LoadSessions {
            generation: m.sessions.generation,
            from,
            limit: SESSIONS_PAGE,
        });
        m.set_notice(
            Level::Info,
            format!(
                "Loading more sessions; press {} again in a moment.",
                m.key(Command::NextUnrated)
            ),
        );
        return;
    }
    let scope = if m.filter == Filter::All {
        String::new()
    } else {
        format!(" (filter: {})", m.filter.label())
    };
    let dir = if forward { "below" } else { "above" };
    m.set_notice(
        Level::Success,
        format!("No unrated assistant messages {dir}{scope}."),
    );
}

/// A load error in the status bar, with when it happened: pressing the refresh key
/// against a server that is still down changes the time, so the retry is visible.
fn failed_at(m: &mut Model, msg: String) {
    let at = m.now.with_timezone(&m.offset).format("%H:%M:%S");
    // First, so a long message cut at the screen's edge still shows it.
    m.set_notice(Level::Error, format!("{at} {msg}"));
}

fn landed_in(m: &mut Model, id: &str) {
    let title = m.sessions.row(id).map_or(id, |r| r.title()).to_string();
    let title = text::truncate(&title, 50);
    // The whole session's counts where the server gave them (or all of it is loaded);
    // otherwise say what the count covers rather than pass a part off as the whole.
    let whole = m.sessions.row(id).and_then(|r| m.review_counts(r));
    let text = match (whole, m.transcripts.get(id)) {
        (Some((rated, total)), _) => format!(
            "{title}: {} of {total} assistant messages unrated.",
            total.saturating_sub(rated)
        ),
        (None, Some(t)) if !t.complete => format!(
            "{title}: {} of {} assistant messages unrated so far ({} of {} messages loaded).",
            t.assistants - t.rated,
            t.assistants,
            t.messages.len(),
            t.total.map_or_else(|| "?".to_string(), |n| n.to_string())
        ),
        (None, Some(t)) => format!(
            "{title}: {} of {} assistant messages unrated.",
            t.assistants - t.rated,
            t.assistants
        ),
        (None, None) => format!("{title}."),
    };
    m.set_notice(Level::Info, text);
}

/// Lands a pending jump once its session has loaded enough to decide.
fn settle_jump(m: &mut Model, fx: &mut Vec<Effect>) {
    let Some(j) = m.jump.clone() else { return };
    let Some(t) = m.transcripts.get(&j.session_id) else {
        m.jump = None;
        return;
    };
    if t.error.is_some() {
        m.jump = None;
        return;
    }
    if !t.known_loaded {
        return;
    }
    let found = if j.forward {
        t.find_unrated(j.after, true)
    } else if t.complete {
        t.find_unrated(None, false)
    } else {
        None
    };
    if let Some(i) = found {
        m.jump = None;
        land(m, &j.session_id, i);
        if j.after.is_none() {
            landed_in(m, &j.session_id);
        }
        return;
    }
    if !t.complete {
        return;
    }
    // Nothing unrated here after all: keep walking from this session.
    m.jump = None;
    set_open(m, &j.session_id);
    cross_sessions(m, j.forward, fx);
}

/// Keys that act on where a walk lands, so they wait for it rather than act on the
/// message that happens to be selected while it loads.
fn waits_for_jump(cmd: Command) -> bool {
    matches!(
        cmd,
        Command::RatePositive
            | Command::RateNegative
            | Command::RateWithText
            | Command::NextUnrated
            | Command::PrevUnrated
    )
}

fn queue_key(m: &mut Model, cmd: Command) {
    if m.queued.is_empty() {
        m.landed = false;
    }
    m.queued.push(cmd);
    let loading = m
        .jump
        .as_ref()
        .map(|j| {
            if j.after.is_some() {
                "the rest of this session".to_string()
            } else {
                let title = m
                    .sessions
                    .row(&j.session_id)
                    .map_or(j.session_id.as_str(), |r| r.title());
                text::truncate(title, 40).into_owned()
            }
        })
        .unwrap_or_default();
    let keys = queued_keys(m);
    m.set_notice(Level::Info, format!("Loading {loading}…; then {keys}."));
}

/// The queued keys as the reviewer typed them, e.g. `] +`.
fn queued_keys(m: &Model) -> String {
    m.queued
        .iter()
        .map(|&c| m.key(c).to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Applies the keys queued behind a walk once it has landed; drops them, saying so, when
/// it ended anywhere else (an error, nothing unrated left, or the reviewer moved).
fn flush_queued(m: &mut Model, fx: &mut Vec<Effect>) {
    if m.queued.is_empty() || m.jump.is_some() {
        return;
    }
    if !m.landed {
        drop_queued(m);
        return;
    }
    while m.jump.is_none() && matches!(m.mode, Mode::Browse) && !m.queued.is_empty() {
        let cmd = m.queued.remove(0);
        let walks = matches!(cmd, Command::NextUnrated | Command::PrevUnrated);
        if walks {
            m.landed = false;
        }
        command(m, cmd, fx);
        if walks && m.jump.is_none() && !m.landed {
            drop_queued(m);
            return;
        }
    }
    if m.jump.is_none() && !m.queued.is_empty() {
        drop_queued(m);
    }
}

fn drop_queued(m: &mut Model) {
    let keys = queued_keys(m);
    let n = m.queued.len();
    m.queued.clear();
    let (before, level) = match &m.notice {
        Some(n) if n.level == Level::Error => (format!("{} ", n.text), Level::Error),
        Some(n) if n.level != Level::Info => (format!("{} ", n.text), Level::Warning),
        _ => (String::new(), Level::Warning),
    };
    let were = if n == 1 { "was" } else { "were" };
    m.set_notice(
        level,
        format!("{before}Not applied: {keys} ({were} pressed while a session loaded)."),
    );
}

// ---- search ----

fn prompt(m: &mut Model, action: Action) {
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
                    && p.input.chars().count() < 200 =>
            {
                p.input.push(c)
            }
            _ => {}
        },
        Action::Paste(pasted) => {
            let line = pasted.lines().next().unwrap_or("");
            p.input
                .extend(line.chars().filter(|c| !c.is_control()).take(200));
        }
        Action::PromptCancel => m.mode = Mode::Browse,
        Action::PromptSubmit => {
            let query = p.input.trim().to_string();
            m.mode = Mode::Browse;
            run_search(m, query);
        }
        _ => {}
    }
}

fn run_search(m: &mut Model, query: String) {
    if query.is_empty() {
        if m.search.take().is_some() {
            m.set_notice(Level::Info, "Search cleared.");
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
        m.set_notice(Level::Warning, format!("No match for {query:?}."));
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
    m.set_general_notice(
        Level::Info,
        format!(
            "Match {at} of {count} for {query:?}: {} next, {} previous, Esc clears.",
            m.key(Command::NextMatch),
            m.key(Command::PrevMatch)
        ),
    );
}

fn step_match(m: &mut Model, forward: bool) {
    // Where the reviewer is now, when they moved away from the current match (`G`, `j`,
    // a click): the next match is the next one after the cursor, not after the old match.
    let cursor = m
        .open_transcript()
        .filter(|_| m.focus == Pane::Transcript)
        .and_then(|t| t.cursor.map(|c| (t.session_id.clone(), c)));
    let cursor = cursor.as_ref().map(|(id, c)| (id.as_str(), *c));
    let Some(s) = &mut m.search else {
        m.set_notice(
            Level::Info,
            format!(
                "Nothing searched yet: press {} to search.",
                m.key(Command::Search)
            ),
        );
        return;
    };
    let n = s.matches.len();
    if n == 0 {
        let text = format!("No match for {:?}.", s.query);
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
    let label = format!("Match {} of {}", next + 1, n);
    go_to_match(m);
    m.set_notice(
        Level::Info,
        if wrapped {
            format!("{label} (wrapped around).")
        } else {
            format!("{label}.")
        },
    );
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

// ---- filter, refresh, overlays ----

fn cycle_filter(m: &mut Model, fx: &mut Vec<Effect>) {
    m.filter = m.filter.next();
    rebuild_visible(m);
    // The open session may have been filtered out: the transcript follows the
    // selection, so a rating key never lands on a session the list does not show.
    preview_selected(m);
    let n = m.sessions.visible.len();
    let which = match m.filter {
        Filter::All => "all sessions".to_string(),
        Filter::Unrated => "sessions with unrated messages".to_string(),
        Filter::Status(s) => format!("{s} sessions"),
    };
    m.set_general_notice(
        Level::Info,
        format!(
            "Showing {which} ({n} loaded); {} changes the filter.",
            m.key(Command::Filter)
        ),
    );
    maybe_load_more(m, fx);
}

fn refresh(m: &mut Model, fx: &mut Vec<Effect>) {
    m.jump = None;
    let generation = m.next_generation();
    m.sessions.generation = generation;
    m.sessions.loading = true;
    m.sessions.to_end = false;
    fx.push(Effect::LoadSessions {
        generation,
        from: PageStart::Offset(0),
        limit: SESSIONS_PAGE,
    });
    let open = m.open.clone();
    for (id, t) in m.transcripts.iter_mut() {
        if Some(id) != open.as_ref() {
            // Loaded again when next opened.
            t.requested = false;
        }
    }
    if let Some(id) = open {
        load_transcript(m, &id, fx);
    }
    fx.push(Effect::WakeOutbox);
    fx.push(Effect::LoadCounts);
    m.set_notice(Level::Info, REFRESHING);
}

fn help(m: &mut Model, action: Action) {
    // The same bound the overlay uses: lines beyond a screenful.
    let (lines, area) = super::typeset::help::laid_out(m, m.width, m.height);
    let total = lines.len();
    let shown = super::typeset::help::rows_shown(area).min(total);
    let max = total - shown;
    let Mode::Help { scroll } = &mut m.mode else {
        return;
    };
    match action {
        Action::Dismiss | Action::Command(Command::Help) | Action::Command(Command::Quit) => {
            m.mode = Mode::Browse;
            return;
        }
        Action::Command(Command::Down) => *scroll += 1,
        Action::Command(Command::Up) => *scroll = scroll.saturating_sub(1),
        Action::Command(Command::PageDown) => *scroll += shown.max(1),
        Action::Command(Command::PageUp) => *scroll = scroll.saturating_sub(shown.max(1)),
        Action::Command(Command::Top) => *scroll = 0,
        Action::Command(Command::Bottom) => *scroll = max,
        _ => {}
    }
    *scroll = (*scroll).min(max);
}

fn confirm(m: &mut Model, action: Action) {
    match action {
        Action::ConfirmYes => m.quit = true,
        Action::ConfirmNo | Action::Dismiss => {
            m.mode = Mode::Browse;
            m.set_notice(Level::Info, "Still here; ratings keep sending.");
        }
        _ => {}
    }
}

// ---- mouse ----

fn mouse(m: &mut Model, ev: MouseEvent, fx: &mut Vec<Effect>) {
    if !matches!(m.mode, Mode::Browse) {
        if matches!(m.mode, Mode::Help { .. }) {
            let step = match ev.kind {
                MouseEventKind::ScrollDown => Command::Down,
                MouseEventKind::ScrollUp => Command::Up,
                _ => return,
            };
            for _ in 0..WHEEL_LINES {
                help(m, Action::Command(step));
            }
        }
        return;
    }
    let Some(a) = m.areas() else { return };
    let (col, row) = (ev.column, ev.row);
    let in_sessions = a.sessions.contains((col, row).into());
    let in_transcript = a.transcript.contains((col, row).into());
    match ev.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let down = ev.kind == MouseEventKind::ScrollDown;
            if in_sessions {
                let cmd = if down { Command::Down } else { Command::Up };
                move_session(m, cmd, fx);
            } else if in_transcript && let Some((t, look, h)) = open_view(m) {
                if down {
                    scroll::down(t, WHEEL_LINES, look);
                    scroll::clamp(t, h, look);
                } else {
                    scroll::up(t, WHEEL_LINES, look);
                }
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(r) = a.session_row_at(col, row) {
                let pos = m.sessions.offset + r;
                if let Some(id) = m
                    .sessions
                    .visible
                    .get(pos)
                    .map(|&i| m.sessions.rows[i].id.clone())
                {
                    m.focus = Pane::Sessions;
                    m.sessions.selected = pos;
                    m.jump = None;
                    open_session(m, &id, fx);
                    maybe_load_more(m, fx);
                }
            } else if let Some(line) = a.transcript_line_at(col, row) {
                m.focus = Pane::Transcript;
                if let Some((t, look, _)) = open_view(m)
                    && let Some((i, _)) = scroll::line_at(t, line, look)
                    && t.selectable(i)
                {
                    t.cursor = Some(i);
                    t.cursor_auto = false;
                    t.advanced = false;
                    m.jump = None;
                }
            } else if in_sessions {
                m.focus = Pane::Sessions;
            }
        }
        _ => {}
    }
}
