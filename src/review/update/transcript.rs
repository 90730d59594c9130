//! The open transcript: its history and known ratings loading, the cursor, tool calls folding.

use super::jump::settle_jump;
use super::rating::set_note;
use super::{open_view, reveal_cursor, wording};
use crate::api::ApiError;
use crate::api::model::{GetHistoryResponse, MessageHistoryItem, take_history_page};
use crate::review::action::{Command, KnownRating};
use crate::review::effect::Effect;
use crate::review::model::*;
use crate::review::scroll;

/// Lines of the last page a page key keeps in view, to read on from.
const PAGE_OVERLAP: usize = 1;

pub(super) fn load_transcript(m: &mut Model, id: &str, fx: &mut Vec<Effect>) {
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
    fx.push(Effect::LoadCorrections {
        session_id: id.to_string(),
        generation,
    });
}

pub(super) fn history_loaded(
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
    let wanted = m.open.as_deref() == Some(id)
        || m.jump.as_ref().is_some_and(|j| j.session_id == id)
        || super::bulk::wants(m, id);
    let Some(t) = m.transcripts.get_mut(id) else {
        return;
    };
    if t.generation != generation {
        return;
    }
    t.loading = false;
    let mut page = match result {
        Ok(p) => p,
        Err(e) => {
            let msg = wording::say_with(&m.key_names, &e);
            t.error = Some(msg.clone());
            if m.jump.as_ref().is_some_and(|j| j.session_id == id) {
                m.jump = None;
            }
            m.set_notice(Level::Error, wording::failed_at(m, &msg));
            return;
        }
    };
    if offset != 0 && offset as usize != t.messages.len() {
        return;
    }
    let held = if offset == 0 { 0 } else { t.messages.len() };
    let mut bytes = if offset == 0 { 0 } else { t.bytes };
    let first = t.messages.first().map(|m| m.message_id.clone());
    // Only the first page's start is compared: a server that ignores `offset` sends it
    // again, and any other endless history meets the session's bounds.
    let stop = take_history_page(held, &mut bytes, &mut page, |id| {
        first.as_deref() == Some(id)
    });
    t.bytes = bytes;
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
    } else {
        append(t, page.messages);
    }
    t.total = Some(page.total_messages);
    let n = t.messages.len();
    t.complete =
        stop.is_some() || !page.has_more || n as u64 >= page.total_messages || offset as usize == n;
    t.stopped = None;
    if let Some(stop) = stop {
        let title = m.sessions.row(id).map_or(id, |r| r.title());
        let text = wording::history_stopped(title, n, &stop.why());
        if let Some(t) = m.transcripts.get_mut(id) {
            t.stopped = Some(text.clone());
        }
        if m.open.as_deref() == Some(id) {
            m.set_notice(Level::Warning, text);
        }
    }
    let Some(t) = m.transcripts.get_mut(id) else {
        return;
    };
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

fn append(t: &mut Transcript, messages: Vec<MessageHistoryItem>) {
    for msg in messages {
        t.kinds.push(kind_of(&msg));
        t.unfolded.push(false);
        t.messages.push(msg);
    }
}

/// Until the reviewer moves it, the cursor sits on the first unrated assistant message.
fn place_cursor(m: &mut Model, id: &str) {
    if super::results::reach_goto(m, id) {
        return;
    }
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

pub(super) fn known_loaded(
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
        Err(e) => m.set_notice(Level::Warning, wording::known_ratings_unread(&e)),
    }
    place_cursor(m, id);
    settle_jump(m, fx);
}

pub(super) fn move_cursor(m: &mut Model, cmd: Command) {
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
            let page = h.saturating_sub(PAGE_OVERLAP).max(1);
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

pub(super) fn toggle_fold(m: &mut Model, i: usize) {
    if let Some(t) = m.open_transcript_mut() {
        t.unfolded[i] = !t.unfolded[i];
        scroll::forget(t, i);
    }
    reveal_cursor(m);
}

pub(super) fn toggle_all_tools(m: &mut Model) {
    let Some(t) = m.open_transcript_mut() else {
        return;
    };
    let tools: Vec<usize> = (0..t.messages.len())
        .filter(|&i| t.kinds[i] == Kind::Tool)
        .collect();
    if tools.is_empty() {
        m.set_notice(Level::Info, wording::NO_TOOL_CALLS);
        return;
    }
    let unfold = tools.iter().any(|&i| !t.unfolded[i]);
    for &i in &tools {
        t.unfolded[i] = unfold;
        // Wrapped again when next on screen.
        scroll::forget(t, i);
    }
    reveal_cursor(m);
    m.set_notice(Level::Info, wording::tools_folded(unfold));
}
