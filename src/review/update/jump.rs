//! Next and previous unrated: the walk through sessions, and keys queued while it loads.

use super::sessions::{open_session, set_open};
use super::{command, reveal_cursor, wording};
use crate::review::action::Command;
use crate::review::effect::{Effect, SESSIONS_PAGE};
use crate::review::model::*;

pub(super) fn land(m: &mut Model, session_id: &str, i: usize) {
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

pub(super) fn next_unrated(m: &mut Model, forward: bool, fx: &mut Vec<Effect>) {
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
            m.set_notice(Level::Info, wording::already_next_unrated(m));
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
            m.set_notice(Level::Info, wording::LOADING_REST);
            return;
        }
    }
    cross_sessions(m, forward, fx);
}

/// After the open session's last unrated reply was rated: the next session with unrated
/// replies, as `]` goes from there.
pub(super) fn next_session(m: &mut Model, fx: &mut Vec<Effect>) {
    m.jump = None;
    cross_sessions(m, true, fx);
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
        m.set_notice(Level::Info, wording::opening(&title));
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
        m.set_notice(Level::Info, wording::loading_more_sessions(m));
        return;
    }
    // Nothing else unrated: back to the replies deferred for later.
    if forward && super::defer::back_to_deferred(m, fx) {
        return;
    }
    m.set_notice(Level::Success, wording::none_unrated(m, forward));
}

fn landed_in(m: &mut Model, id: &str) {
    m.set_notice(Level::Info, wording::landed_in(m, id));
}

/// Lands a pending jump once its session has loaded enough to decide.
pub(super) fn settle_jump(m: &mut Model, fx: &mut Vec<Effect>) {
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
pub(super) fn waits_for_jump(cmd: Command) -> bool {
    matches!(
        cmd,
        Command::RatePositive
            | Command::RateNegative
            | Command::RateWithText
            | Command::NextUnrated
            | Command::PrevUnrated
    )
}

pub(super) fn queue_key(m: &mut Model, cmd: Command) {
    if m.queued.is_empty() {
        m.landed = false;
    }
    m.queued.push(cmd);
    let keys = queued_keys(m);
    m.set_notice(Level::Info, wording::loading_then(m, &keys));
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
pub(super) fn flush_queued(m: &mut Model, fx: &mut Vec<Effect>) {
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
        Some(n) if n.level == Level::Error => (Some(n.text.as_str()), Level::Error),
        Some(n) if n.level != Level::Info => (Some(n.text.as_str()), Level::Warning),
        _ => (None, Level::Warning),
    };
    let text = wording::not_applied(before, &keys, n);
    m.set_notice(level, text);
}
