//! Deferring: `s` puts a reply aside with an optional reason (journaled, never sent);
//! `]` passes deferred replies until nothing else is unrated, then comes back to them.

use super::bulk_words as words;
use super::rating::{not_on_assistant, selected_assistant};
use super::reveal_cursor;
use super::sessions::open_session;
use crate::journal::defer::{DeferChange, Deferral, clean_reason};
use crate::review::action::Action;
use crate::review::bulk::{DeferPrompt, REASON_MAX_CHARS, Reply};
use crate::review::effect::Effect;
use crate::review::model::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// `s` on one reply: un-defers a deferred reply, else asks for a reason.
pub(super) fn key(m: &mut Model, fx: &mut Vec<Effect>) {
    let Some((session, message)) = selected_assistant(m) else {
        not_on_assistant(m);
        return;
    };
    if m.bulk.deferral(&session, &message).is_some() {
        set(m, vec![(session, message)], None, false, fx);
        m.set_notice(Level::Info, words::undeferred(m));
        return;
    }
    open_prompt(m, vec![(session, message)]);
}

/// The reason prompt for these replies.
pub(super) fn open_prompt(m: &mut Model, replies: Vec<Reply>) {
    m.mode = Mode::Defer(Box::new(DeferPrompt {
        input: String::new(),
        replies,
    }));
}

/// Keys while the reason prompt is open: Enter defers (empty: no reason), Esc cancels.
pub(super) fn prompt(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let Mode::Defer(p) = &mut m.mode else { return };
    match action {
        Action::PromptKey(KeyEvent {
            code, modifiers, ..
        }) => match code {
            KeyCode::Backspace => {
                p.input.pop();
            }
            KeyCode::Char('u') if modifiers.contains(KeyModifiers::CONTROL) => p.input.clear(),
            KeyCode::Char(c)
                if !modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                    && p.input.chars().count() < REASON_MAX_CHARS =>
            {
                p.input.push(c)
            }
            _ => {}
        },
        Action::Paste(pasted) => {
            let room = REASON_MAX_CHARS.saturating_sub(p.input.chars().count());
            let line = pasted.lines().next().unwrap_or("");
            p.input
                .extend(line.chars().filter(|c| !c.is_control()).take(room));
        }
        Action::PromptCancel | Action::Dismiss => {
            m.mode = Mode::Browse;
            m.set_notice(Level::Info, words::DEFER_CANCELLED);
        }
        Action::PromptSubmit => {
            let p = std::mem::replace(&mut m.mode, Mode::Browse);
            let Mode::Defer(p) = p else { return };
            let reason = clean_reason(Some(&p.input));
            let n = p.replies.len();
            let last = p.replies.last().cloned();
            set(m, p.replies, reason.clone(), true, fx);
            m.bulk.clear();
            m.set_notice(Level::Info, words::deferred(n, reason.as_deref()));
            if n == 1
                && let Some((s, msg)) = last
            {
                advance_past(m, &s, &msg);
            }
        }
        _ => {}
    }
}

/// After deferring the reply under the cursor: on to the next unrated one, as a rating
/// moves on.
fn advance_past(m: &mut Model, session_id: &str, message_id: &str) {
    if !m.advance_after_rating || m.open.as_deref() != Some(session_id) {
        return;
    }
    if let Some(t) = m.transcripts.get_mut(session_id)
        && let Some(i) = t.index_of(message_id)
        && let Some(next) = t.find_unrated(Some(i), true)
    {
        t.cursor = Some(next);
        t.cursor_auto = false;
        t.advanced = true;
        reveal_cursor(m);
    }
}

/// Defers (`on`) or un-defers replies on screen and in the journal.
pub(super) fn set(
    m: &mut Model,
    replies: Vec<Reply>,
    reason: Option<String>,
    on: bool,
    fx: &mut Vec<Effect>,
) {
    for (s, msg) in &replies {
        if on {
            put(m, s, msg, Some(reason.clone()));
        } else {
            put(m, s, msg, None);
        }
    }
    fx.push(Effect::Defer {
        replies,
        reason,
        on,
    });
}

/// One reply's deferral on screen: `Some(reason)` deferred, `None` not.
fn put(m: &mut Model, session_id: &str, message_id: &str, now: Option<Option<String>>) {
    match now.clone() {
        Some(reason) => {
            m.bulk
                .deferred
                .entry(session_id.to_string())
                .or_default()
                .insert(message_id.to_string(), reason);
        }
        None => {
            if let Some(map) = m.bulk.deferred.get_mut(session_id) {
                map.remove(message_id);
                if map.is_empty() {
                    m.bulk.deferred.remove(session_id);
                }
            }
        }
    }
    if let Some(t) = m.transcripts.get_mut(session_id) {
        match now {
            Some(reason) => t.deferred.insert(message_id.to_string(), reason),
            None => t.deferred.remove(message_id),
        };
        if let Some(i) = t.index_of(message_id) {
            crate::review::scroll::forget(t, i);
        }
    }
}

/// A rating ends a reply's deferral (the journal ends it in the same transaction).
pub(super) fn rated(m: &mut Model, session_id: &str, message_id: &str) {
    if m.bulk.deferral(session_id, message_id).is_some() {
        put(m, session_id, message_id, None);
    }
}

/// The deferrals an undo or redo brought back or ended.
pub(super) fn undone(m: &mut Model, changes: &[DeferChange]) {
    for c in changes {
        put(m, &c.session_id, &c.message_id, c.now.clone());
    }
}

/// The journal's deferred replies, at start.
pub(super) fn loaded(m: &mut Model, result: Result<Vec<Deferral>, String>) {
    match result {
        Ok(list) => {
            for d in list {
                put(m, &d.session_id, &d.message_id, Some(d.reason));
            }
        }
        Err(e) => m.set_notice(Level::Warning, words::deferrals_unread(&e)),
    }
}

/// The journal could not keep a deferral.
pub(super) fn recorded(m: &mut Model, result: Result<usize, String>) {
    if let Err(e) = result {
        m.set_notice(Level::Error, words::defer_not_kept(&e));
    }
}

/// Gives a transcript made since the deferrals loaded its deferred replies.
pub(super) fn sync(m: &mut Model) {
    if m.bulk.deferred.is_empty() {
        return;
    }
    for (s, map) in &m.bulk.deferred {
        if let Some(t) = m.transcripts.get_mut(s)
            && t.deferred.len() != map.len()
        {
            t.deferred = map.clone();
        }
    }
}

/// `]` found nothing unrated: back to the first deferred reply, in list order from the
/// open session on. Returns whether it went somewhere.
pub(super) fn back_to_deferred(m: &mut Model, fx: &mut Vec<Effect>) -> bool {
    if m.bulk.deferred.is_empty() {
        return false;
    }
    let n = m.sessions.visible.len();
    let here = m
        .open
        .as_deref()
        .and_then(|id| m.sessions.position(id))
        .unwrap_or(0);
    let mut found: Option<(usize, String)> = None;
    for k in 0..n {
        let pos = (here + k) % n;
        let id = &m.sessions.rows[m.sessions.visible[pos]].id;
        if m.bulk.deferred.contains_key(id) {
            found = Some((pos, id.clone()));
            break;
        }
    }
    let Some((pos, id)) = found else {
        return false;
    };
    let ready = m.transcripts.get(&id).filter(|t| t.complete);
    if let Some(t) = ready {
        let at = (0..t.messages.len()).find(|&i| t.is_deferred(i) && t.is_unrated_or_deferred(i));
        if let Some(i) = at {
            super::jump::land(m, &id, i);
            m.set_notice(Level::Info, words::back_to_deferred(m, t_reason(m, &id, i)));
            return true;
        }
        return false;
    }
    m.sessions.selected = pos;
    open_session(m, &id, fx);
    m.focus = Pane::Transcript;
    let first = m
        .bulk
        .deferred
        .get(&id)
        .and_then(|d| d.keys().min().cloned());
    if let Some(t) = m.transcripts.get_mut(&id) {
        t.goto = first;
    }
    m.set_notice(Level::Info, words::back_to_deferred(m, None));
    true
}

fn t_reason(m: &Model, session_id: &str, i: usize) -> Option<String> {
    let t = m.transcripts.get(session_id)?;
    t.deferred.get(&t.messages.get(i)?.message_id).cloned()?
}
