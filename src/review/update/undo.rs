//! Undo and redo: `u` takes back the reviewer's last action (from the journal's
//! history, so it works after a restart too), `U` does it again. The cursor goes to the
//! reply that changed, and the notice says what the server has, never more.

use super::rating::set_note;
use super::results::reach_goto;
use super::sessions::open_session;
use crate::api::model::Rating;
use crate::journal::window::{Applied, Change, Rated, Step};
use crate::review::action::Command;
use crate::review::effect::Effect;
use crate::review::model::*;

/// `u` or `U`: the journal does it, in order after every rating already asked for.
pub(super) fn request(m: &mut Model, redo: bool, fx: &mut Vec<Effect>) {
    fx.push(Effect::Undo { redo });
    let text = if redo { "Redoing…" } else { "Undoing…" };
    m.set_notice(Level::Info, text.to_string());
}

/// A rating is still in its send window (`q` sends it before quitting).
pub(super) fn windows_open(m: &Model) -> bool {
    !m.window.quitting && m.sends_pending() > 0 && m.window.until.values().any(|at| *at > m.now)
}

/// `q` with ratings in their window: they go now, and the app quits once they are sent.
/// A second `q` asks as usual (what is not sent stays in the journal).
pub(super) fn send_then_quit(m: &mut Model, fx: &mut Vec<Effect>) {
    m.window.quitting = true;
    m.window.until.clear();
    fx.push(Effect::CloseWindows);
    let q = m.key(Command::Quit);
    m.set_notice(
        Level::Info,
        format!("Sending the ratings still in their send window, then quitting ({q} again to quit now; what is not sent stays in the journal)."),
    );
}

/// The journal's answer to `u` or `U`.
pub(super) fn undone(
    m: &mut Model,
    redo: bool,
    result: Result<Option<Step>, String>,
    fx: &mut Vec<Effect>,
) {
    let step = match result {
        Err(e) => {
            let what = if redo { "redo" } else { "undo" };
            m.set_notice(
                Level::Error,
                format!("Cannot {what}: {e}. Nothing was changed."),
            );
            return;
        }
        Ok(None) => {
            let text = if redo {
                format!(
                    "Nothing to redo: {} takes back your last rating.",
                    m.key(Command::Undo)
                )
            } else {
                "Nothing to undo: no rating of yours is in the journal's history.".to_string()
            };
            m.set_notice(Level::Info, text);
            return;
        }
        Ok(Some(step)) => step,
    };
    for change in &step.changes {
        show(m, change);
    }
    super::defer::undone(m, &step.deferrals);
    let Some(first) = step.changes.first() else {
        // A step of deferrals only: the cursor to the first, and what it is now.
        if let Some(d) = step.deferrals.first() {
            let (s, msg) = (d.session_id.clone(), d.message_id.clone());
            go_to(m, &s, &msg, fx);
            let text = super::bulk_words::defer_undone(m, redo, &step.deferrals);
            m.notice = Some(Notice {
                text,
                level: Level::Info,
                about: Some(s),
            });
        }
        return;
    };
    go_to(m, &first.session_id, &first.message_id, fx);
    let (level, mut text) = sentence(m, redo, first);
    if step.changes.len() > 1 {
        text = format!("{} replies: {text}", step.changes.len());
    }
    m.notice = Some(Notice {
        text,
        level,
        about: Some(first.session_id.clone()),
    });
}

/// The reply's receipt and note as the journal has them now.
fn show(m: &mut Model, c: &Change) {
    let delay = m.window.delay();
    let key = (c.session_id.clone(), c.message_id.clone());
    let now = m.now;
    let t = m
        .transcripts
        .entry(c.session_id.clone())
        .or_insert_with(|| Transcript::new(&c.session_id));
    let message = c.message_id.clone();
    // The rating undone no longer waits: its countdown goes (and `q` does not wait on it).
    if let Some(e) = t.receipts.get(&message).and_then(Receipt::entry) {
        m.window.until.remove(&e);
    }
    match &c.applied {
        Applied::Queued(e) => {
            t.receipts.insert(
                message.clone(),
                Receipt::Queued {
                    rating: e.rating,
                    entry: e.id,
                },
            );
            set_note(t, &message, e.text.clone());
            if m.window.send_delay > 0 {
                m.window.until.insert(e.id, now + delay);
            }
            m.this_run.insert(key, e.rating);
        }
        Applied::Withdrawn { server_keeps: None } | Applied::Unchanged if c.wanted.is_none() => {
            t.receipts.remove(&message);
            set_note(t, &message, None);
            m.this_run.remove(&key);
        }
        Applied::Withdrawn {
            server_keeps: Some(r),
        }
        | Applied::ServerKeeps(r) => {
            // What the server holds, and no more: never "unrated" while it keeps a rating.
            let stored = matches!(
                t.receipts.get(&message),
                Some(Receipt::Sent { rating, stored: true, .. }) if rating == r
            );
            t.receipts.insert(
                message.clone(),
                Receipt::Sent {
                    rating: *r,
                    stored,
                    entry: None,
                },
            );
            if let Some(w) = c.wanted.as_ref().filter(|w| w.rating == *r) {
                set_note(t, &message, w.text.clone());
            }
            m.this_run.remove(&key);
        }
        Applied::Withdrawn { server_keeps: None } | Applied::Unchanged => {}
    }
    t.recount();
}

/// Puts the cursor on the reply that changed, opening its session when another is open.
fn go_to(m: &mut Model, session_id: &str, message_id: &str, fx: &mut Vec<Effect>) {
    m.jump = None;
    if m.open.as_deref() != Some(session_id) {
        if let Some(pos) = m.sessions.position(session_id) {
            m.sessions.selected = pos;
        }
        open_session(m, session_id, fx);
    }
    m.focus = Pane::Transcript;
    if let Some(t) = m.transcripts.get_mut(session_id) {
        t.goto = Some(message_id.to_string());
    }
    reach_goto(m, session_id);
}

fn word(r: Rating) -> &'static str {
    match r {
        Rating::Positive => "positive",
        Rating::Negative => "negative",
    }
}

fn state(r: Option<&Rated>) -> String {
    match r {
        None => "unrated".to_string(),
        Some(r) if r.text.as_deref().is_some_and(|t| !t.trim().is_empty()) => {
            format!("{} (with its note)", word(r.rating))
        }
        Some(r) => word(r.rating).to_string(),
    }
}

/// What the notice says about one changed reply.
fn sentence(m: &Model, redo: bool, c: &Change) -> (Level, String) {
    let done = if redo { "Redone" } else { "Undone" };
    let again = if redo {
        m.key(Command::Undo)
    } else {
        m.key(Command::Redo)
    };
    let again_word = if redo { "undoes" } else { "redoes" };
    let left = c.left.as_ref().map_or("rating", |r| word(r.rating));
    let sending = if m.window.send_delay > 0 {
        format!("sending in {}s", m.window.send_delay)
    } else {
        "sending".to_string()
    };
    match &c.applied {
        Applied::Withdrawn { server_keeps: None } => (
            Level::Success,
            format!(
                "{done}: the {left} rating was withdrawn before it was sent; the server saw nothing. {again} {again_word} it."
            ),
        ),
        Applied::Withdrawn {
            server_keeps: Some(r),
        } => (
            Level::Success,
            format!(
                "{done}: the {left} rating was withdrawn before it was sent; the server keeps the earlier {}. {again} {again_word} it.",
                word(*r)
            ),
        ),
        Applied::Queued(_) => (
            Level::Info,
            format!(
                "{done}: the reply goes back to {}, {sending}. {again} {again_word} it.",
                state(c.wanted.as_ref())
            ),
        ),
        Applied::Unchanged => (
            Level::Info,
            format!(
                "{done}: the reply is {} again. {again} {again_word} it.",
                state(c.wanted.as_ref())
            ),
        ),
        Applied::ServerKeeps(r) => (
            Level::Warning,
            format!(
                "{done} in your journal, but the server keeps the {} rating: its API cannot delete feedback. Rate the reply again ({} or {}) to change it.",
                word(*r),
                m.key(Command::RatePositive),
                m.key(Command::RateNegative)
            ),
        ),
    }
}
