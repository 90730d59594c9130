//! Rating a message: its receipt from the journal, then the server; where a key cannot rate.

use super::{reveal_cursor, wording};
use crate::api::model::Rating;
use crate::journal::outbox::OutboxEvent;
use crate::journal::{Entry, Exchange, RatingState};
use crate::review::effect::Effect;
use crate::review::model::*;
use crate::review::scroll;

/// The countdown shown when the outbox's delay is beyond what chrono can hold (the
/// outbox keeps its own clock; this is only what the receipt says).
const UNREADABLE_DELAY_SECS: i64 = 60;

pub(super) fn selected_assistant(m: &Model) -> Option<(String, String)> {
    if opening_other(m).is_some() {
        return None;
    }
    let t = m.open_transcript()?;
    let c = t.cursor?;
    t.is_assistant(c)
        .then(|| (t.session_id.clone(), t.messages[c].message_id.clone()))
}

pub(super) fn rate_selected(m: &mut Model, rating: Rating, fx: &mut Vec<Effect>) {
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

pub(super) fn not_on_assistant(m: &mut Model) {
    if let Some(row) = m.sessions.selected_row()
        && let Some(reason) = &row.unreadable
        && m.open.is_none()
    {
        let text = wording::unreadable_session(&row.label, reason);
        m.set_notice(Level::Warning, text);
        return;
    }
    if let Some(title) = opening_other(m) {
        m.set_notice(Level::Warning, wording::opening_not_rated(&title));
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
        let text = wording::loading_not_rated(name);
        m.set_notice(Level::Warning, text);
        return;
    }
    let text = if m.open_transcript().is_some_and(|t| t.assistants > 0) {
        if m.focus == Pane::Transcript {
            wording::only_assistants_rated(m)
        } else {
            wording::select_an_assistant(m)
        }
    } else if m.open.is_some() {
        wording::NO_ASSISTANT_MESSAGE.to_string()
    } else {
        wording::open_a_session_first(m)
    };
    m.set_notice(Level::Warning, text);
}

pub(super) fn rate(
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
    // Rated before with the other rating: the receipt says what it changed from.
    let from = t
        .receipts
        .get(message_id)
        .filter(|r| r.is_rating() && r.rating() != rating)
        .map(Receipt::rating);
    t.receipts
        .insert(message_id.to_string(), Receipt::Saving { rating, after });
    set_note(t, message_id, text.clone());
    t.recount();
    let exchange = Exchange::from_history(&t.messages, message_id);
    let key = (session_id.to_string(), message_id.to_string());
    match from {
        Some(r) => m.window.saving_from.insert(key.clone(), r),
        None => m.window.saving_from.remove(&key),
    };
    let without_note = text.is_none() && m.drafts.contains_key(&key);
    fx.push(Effect::Rate {
        session_id: key.0,
        message_id: key.1,
        rating,
        text,
        exchange,
    });
    m.just_rated = Some((session_id.to_string(), message_id.to_string()));
    super::defer::rated(m, session_id, message_id);
    if without_note {
        m.set_notice(Level::Warning, wording::rated_without_draft(m, rating));
    } else {
        m.set_notice(Level::Info, wording::saving(rating));
    }
    if m.advance_after_rating
        && m.open.as_deref() == Some(session_id)
        && let Some(t) = m.transcripts.get_mut(session_id)
        && let Some(i) = t.index_of(message_id)
    {
        match t.find_unrated(Some(i), true) {
            Some(next) => {
                t.cursor = Some(next);
                t.cursor_auto = false;
                t.advanced = true;
                reveal_cursor(m);
            }
            // The cursor stays: the notice says why, so a second key is not a surprise.
            // The session's last unrated reply: on to the next session, as `]` goes.
            None if t.complete && m.window.next_session && t.find_unrated(None, true).is_none() => {
                super::jump::next_session(m, fx);
            }
            None if t.complete => {
                let more = wording::none_after(m);
                if let Some(n) = &mut m.notice {
                    n.text.push_str(&more);
                }
            }
            None => {}
        }
    }
}

/// The note of a message's latest rating (none: that rating had no text); the message is
/// wrapped again where it changed, since the note is drawn under it.
pub(super) fn set_note(t: &mut Transcript, message_id: &str, note: Option<String>) {
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

pub(super) fn rate_recorded(
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
            let key = (session_id.to_string(), message_id.to_string());
            if let Some(from) = m.window.saving_from.remove(&key) {
                m.window.changed_from.insert(entry.id, from);
            }
            if m.window.send_delay > 0 {
                let until = m.now + m.window.delay();
                m.window.until.insert(entry.id, until);
            }
            super::stats::rated(m, &key);
            m.this_run.insert(key, rating);
            if let Some(n) = &m.notice
                && wording::is_saving(&n.text)
            {
                let text = wording::sending(rating) + wording::after_saving(&n.text);
                m.set_notice(Level::Info, text);
            }
        }
        Err(e) => {
            t.receipts.insert(
                message_id.to_string(),
                Receipt::Failed {
                    rating,
                    entry: None,
                    error: wording::not_saved(&e),
                },
            );
            m.set_notice(Level::Error, wording::journal_write_failed(&e));
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

/// The receipt and the notice for a rating another verdict process on the journal settled.
fn settled_elsewhere(entry: &Entry, newer: Option<Entry>) -> Option<(Receipt, Report)> {
    match entry.state {
        RatingState::Sent => {
            let stored = entry.stored.unwrap_or(false);
            let r = Receipt::Sent {
                rating: entry.rating,
                stored,
                entry: Some(entry.id),
            };
            Some((
                r,
                Report::Elsewhere(wording::sent_elsewhere(entry.rating, stored)),
            ))
        }
        RatingState::Failed => {
            let error = entry.last_error.clone().unwrap_or_default();
            let r = Receipt::Failed {
                rating: entry.rating,
                entry: Some(entry.id),
                error: error.clone(),
            };
            Some((r, Report::Failed(wording::refused_elsewhere(&error))))
        }
        RatingState::Superseded => {
            let newer = newer?;
            // The newer rating is what the message has now, wherever it was made.
            let r = match newer.state {
                RatingState::Sent => Receipt::Sent {
                    rating: newer.rating,
                    stored: newer.stored.unwrap_or(false),
                    entry: Some(newer.id),
                },
                RatingState::Failed => Receipt::Failed {
                    rating: newer.rating,
                    entry: Some(newer.id),
                    error: newer.last_error.clone().unwrap_or_default(),
                },
                RatingState::Pending | RatingState::Superseded => Receipt::Queued {
                    rating: newer.rating,
                    entry: newer.id,
                },
            };
            let report = Report::Elsewhere(wording::replaced_elsewhere(&newer));
            Some((r, report))
        }
        RatingState::Pending => None,
    }
}

/// What an outbox report says in the notice line, once its receipt is on the message.
enum Report {
    Sent {
        rating: Rating,
        stored: bool,
    },
    /// Settled by another verdict process on the same journal.
    Elsewhere(String),
    Retrying(String),
    Failed(String),
}

pub(super) fn outbox_event(m: &mut Model, ev: OutboxEvent) {
    let (entry, receipt, report) = match ev {
        OutboxEvent::Counts { counts, offline } => {
            m.outbox = OutboxState {
                pending: counts.pending,
                failed: counts.failed,
                offline,
            };
            // Quitting waited on ratings that are all sent (or withdrawn) now.
            let waiting = m.window.quitting || matches!(m.mode, Mode::ConfirmQuit);
            if waiting && m.sends_pending() == 0 {
                m.quit = true;
            }
            return;
        }
        OutboxEvent::Sent { entry, receipt } => {
            let r = Receipt::Sent {
                rating: receipt.rating,
                stored: receipt.stored,
                entry: Some(entry.id),
            };
            let report = Report::Sent {
                rating: receipt.rating,
                stored: receipt.stored,
            };
            (entry, r, report)
        }
        OutboxEvent::Retrying {
            entry,
            error,
            next_attempt_in,
        } => {
            let delay = chrono::Duration::from_std(next_attempt_in)
                .unwrap_or_else(|_| chrono::Duration::seconds(UNREADABLE_DELAY_SECS));
            let r = Receipt::Retrying {
                rating: entry.rating,
                entry: entry.id,
                error: wording::short_reason(&error),
                retry_at: m.now + delay,
            };
            (entry, r, Report::Retrying(wording::not_sent_yet(m, &error)))
        }
        OutboxEvent::Failed { entry, error } => {
            let r = Receipt::Failed {
                rating: entry.rating,
                entry: Some(entry.id),
                error: wording::say(m, &error),
            };
            (entry, r, Report::Failed(wording::refused(m, &error)))
        }
        OutboxEvent::Settled { entry, newer } => match settled_elsewhere(&entry, newer) {
            Some((r, report)) => (entry, r, report),
            None => return,
        },
    };
    // Sent, retrying or refused: out of its window, whatever the clock says.
    m.window.until.remove(&entry.id);
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
    let session_done = t.complete && t.assistants > 0 && t.rated == t.assistants;
    let (text, level) = match report {
        Report::Sent { rating, stored } => {
            // The server's answer must not hide that the note waiting on this message
            // was not part of the rating.
            let draft_left = m
                .drafts
                .contains_key(&(session.clone(), entry.target.message_id.clone()))
                && entry.text.is_none();
            let level = if draft_left {
                Level::Warning
            } else {
                Level::Success
            };
            // Where the cursor has moved on, the notice names the message it is about.
            let open = m
                .transcripts
                .get(&session)
                .filter(|_| m.open.as_deref() == Some(session.as_str()));
            let at = open.and_then(|t| Some((t, t.index_of(&entry.target.message_id)?)));
            let elsewhere = at.and_then(|(t, i)| (t.cursor != Some(i)).then_some(i));
            // Still on the rated reply with nothing unrated after it: the next rating key
            // would change this rating, so the notice keeps saying so.
            let stuck = m.advance_after_rating
                && !session_done
                && at.is_some_and(|(t, i)| {
                    t.cursor == Some(i) && t.find_unrated(Some(i), true).is_none()
                });
            let mut text = wording::sent(m, rating, stored, session_done, draft_left, elsewhere);
            if stuck {
                text.push_str(&wording::none_after(m));
            }
            if rating == Rating::Negative
                && m.transcripts
                    .get(&session)
                    .is_some_and(|t| t.corrections.contains_key(&entry.target.message_id))
            {
                text.push_str(wording::IMPLIED_BY_CORRECTION);
            }
            (text, level)
        }
        Report::Retrying(text) => (text, Level::Warning),
        Report::Elsewhere(text) => (text, Level::Info),
        Report::Failed(text) => (text, Level::Error),
    };
    m.notice = Some(Notice {
        text,
        level,
        about: Some(session),
    });
}
