//! Selections and bulk judgments: `v` draws a range, `Space` marks one reply (or
//! session), `*` marks the search's matches, Esc clears; a rating key or `s` then
//! applies to every marked reply, in one journal transaction and one undo step.

use super::bulk_words as words;
use super::rating::selected_assistant;
use super::transcript::load_transcript;
use super::wording;
use crate::api::model::Rating;
use crate::journal::outbox::{BulkRate, OutboxEvent};
use crate::journal::{Entry, Exchange};
use crate::review::action::{Action, Command};
use crate::review::bulk::{Anchor, BulkCommand, Confirm, Gather, Progress, Reply};
use crate::review::effect::Effect;
use crate::review::model::*;
use std::collections::{HashMap, HashSet};

/// `Space`: marks or unmarks the selected reply, or in the sessions pane the session.
pub(super) fn mark(m: &mut Model) {
    if m.focus == Pane::Sessions {
        let Some(row) = m.sessions.selected_row().filter(|r| r.unreadable.is_none()) else {
            return;
        };
        let id = row.id.clone();
        if !m.bulk.sessions.remove(&id) {
            m.bulk.sessions.insert(id);
        }
        say_marked(m);
        return;
    }
    let Some(reply) = selected_assistant(m) else {
        m.set_notice(Level::Warning, words::mark_an_assistant(m));
        return;
    };
    if m.bulk.marked_set.contains(&reply) {
        m.bulk.unmark(&reply);
    } else {
        m.bulk.mark(reply);
    }
    say_marked(m);
}

/// `v`: starts a range at the cursor; pressed again, the range's replies stay marked.
pub(super) fn range(m: &mut Model) {
    if m.bulk.anchor.is_some() {
        commit_range(m);
        say_marked(m);
        return;
    }
    m.bulk.anchor = match m.focus {
        Pane::Sessions if !m.sessions.visible.is_empty() => Some(Anchor::Sessions {
            position: m.sessions.selected,
        }),
        Pane::Sessions => None,
        Pane::Transcript => m.open_transcript().and_then(|t| {
            Some(Anchor::Replies {
                session_id: t.session_id.clone(),
                index: t.cursor?,
            })
        }),
    };
    if m.bulk.anchor.is_some() {
        m.set_notice(Level::Info, words::range_started(m));
    }
}

/// The replies inside the range being drawn in the open transcript.
pub fn range_replies(m: &Model) -> Vec<Reply> {
    let Some(Anchor::Replies { session_id, index }) = &m.bulk.anchor else {
        return Vec::new();
    };
    let Some(t) = m.transcripts.get(session_id) else {
        return Vec::new();
    };
    if m.open.as_deref() != Some(session_id.as_str()) {
        return Vec::new();
    }
    let c = t.cursor.unwrap_or(*index);
    let (a, b) = (c.min(*index), c.max(*index));
    (a..=b.min(t.messages.len().saturating_sub(1)))
        .filter(|&i| t.is_assistant(i))
        .map(|i| (session_id.clone(), t.messages[i].message_id.clone()))
        .collect()
}

/// The sessions inside the range being drawn in the sessions pane.
pub fn range_sessions(m: &Model) -> Vec<String> {
    let Some(Anchor::Sessions { position }) = &m.bulk.anchor else {
        return Vec::new();
    };
    let s = &m.sessions;
    let (a, b) = (s.selected.min(*position), s.selected.max(*position));
    (a..=b)
        .filter_map(|p| s.visible.get(p).and_then(|&i| s.rows.get(i)))
        .filter(|r| r.unreadable.is_none())
        .map(|r| r.id.clone())
        .collect()
}

fn commit_range(m: &mut Model) {
    for r in range_replies(m) {
        m.bulk.mark(r);
    }
    for s in range_sessions(m) {
        m.bulk.sessions.insert(s);
    }
    m.bulk.anchor = None;
}

/// Every marked reply, the range's included, in order.
pub fn marked_replies(m: &Model) -> Vec<Reply> {
    let mut out = m.bulk.marked.clone();
    for r in range_replies(m) {
        if !m.bulk.marked_set.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// Every marked session, the range's included, in list order.
pub fn marked_sessions(m: &Model) -> Vec<String> {
    let mut all: HashSet<String> = m.bulk.sessions.iter().cloned().collect();
    all.extend(range_sessions(m));
    let mut out: Vec<String> = m
        .sessions
        .visible
        .iter()
        .filter_map(|&i| m.sessions.rows.get(i))
        .filter(|r| all.contains(&r.id))
        .map(|r| r.id.clone())
        .collect();
    // Marked, then filtered out of the list: still marked.
    for s in &m.bulk.sessions {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// What the status bar counts: marked replies, or marked sessions.
pub fn marked_count(m: &Model) -> (usize, usize) {
    (marked_replies(m).len(), marked_sessions(m).len())
}

fn say_marked(m: &mut Model) {
    let (replies, sessions) = marked_count(m);
    m.set_notice(Level::Info, words::marked(m, replies, sessions));
}

/// `*`: marks every reply of the open session that matches the search.
pub(super) fn mark_matches(m: &mut Model) {
    let Some(search) = &m.search else {
        m.set_notice(Level::Warning, words::search_first(m));
        return;
    };
    let mut found = Vec::new();
    for hit in &search.matches {
        if let Match::Message { session_id, index } = hit
            && let Some(t) = m.transcripts.get(session_id)
            && t.is_assistant(*index)
        {
            found.push((session_id.clone(), t.messages[*index].message_id.clone()));
        }
    }
    let n = found.len();
    for r in found {
        m.bulk.mark(r);
    }
    if n == 0 {
        m.set_notice(Level::Warning, words::no_reply_matches(&search_query(m)));
    } else {
        say_marked(m);
    }
}

fn search_query(m: &Model) -> String {
    m.search
        .as_ref()
        .map(|s| s.query.clone())
        .unwrap_or_default()
}

/// Esc: clears the marks and the range. Returns whether there were any.
pub(super) fn clear(m: &mut Model) -> bool {
    if !m.bulk.selecting() && m.bulk.gather.is_none() {
        return false;
    }
    m.bulk.clear();
    m.bulk.gather = None;
    m.set_notice(Level::Info, words::MARKS_CLEARED);
    true
}

/// A key pressed while replies or sessions are marked: rating keys and `s` apply to all
/// of them. Returns whether the key was taken.
pub(super) fn intercept(m: &mut Model, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    if !m.bulk.selecting() {
        return false;
    }
    let command = match cmd {
        Command::RatePositive => BulkCommand::Rate(Rating::Positive),
        Command::RateNegative => BulkCommand::Rate(Rating::Negative),
        Command::Defer => BulkCommand::Defer(None),
        _ => return false,
    };
    let replies = marked_replies(m);
    if !replies.is_empty() {
        apply(m, replies, command, fx);
        return true;
    }
    let sessions = marked_sessions(m);
    if sessions.is_empty() {
        return false;
    }
    gather(m, sessions, command, fx);
    true
}

/// Loads what the marked sessions' histories still lack, then applies.
fn gather(m: &mut Model, sessions: Vec<String>, command: BulkCommand, fx: &mut Vec<Effect>) {
    m.bulk.clear();
    let mut loading = 0;
    for id in &sessions {
        let ready = m
            .transcripts
            .get(id)
            .is_some_and(|t| (t.complete && t.known_loaded) || t.error.is_some());
        if !ready {
            loading += 1;
            if !m.transcripts.get(id).is_some_and(|t| t.loading) {
                load_transcript(m, id, fx);
            }
        }
    }
    m.bulk.gather = Some(Gather { sessions, command });
    if loading > 0 {
        m.set_notice(Level::Info, words::loading_sessions(m, loading));
    }
    gathered(m, fx);
}

/// Whether a gathering bulk action wants this session's whole history.
pub(super) fn wants(m: &Model, session_id: &str) -> bool {
    m.bulk
        .gather
        .as_ref()
        .is_some_and(|g| g.sessions.iter().any(|s| s == session_id))
}

/// Once every marked session has loaded: their unrated replies take the action.
pub(super) fn gathered(m: &mut Model, fx: &mut Vec<Effect>) {
    let Some(g) = &m.bulk.gather else { return };
    let mut left = 0;
    for id in &g.sessions {
        match m.transcripts.get(id) {
            Some(t) if t.error.is_some() || (t.complete && t.known_loaded) => {}
            Some(t) if t.complete || t.loading => left += 1,
            // Glanced at, stopped after a page: the rest is asked for.
            _ => left += 1,
        }
    }
    if left > 0 {
        let more: Vec<String> = g
            .sessions
            .iter()
            .filter(|id| {
                m.transcripts
                    .get(*id)
                    .is_some_and(|t| !t.complete && !t.loading && t.error.is_none())
            })
            .cloned()
            .collect();
        for id in more {
            load_transcript(m, &id, fx);
        }
        m.set_notice(Level::Info, words::loading_sessions(m, left));
        return;
    }
    let Some(g) = m.bulk.gather.take() else {
        return;
    };
    let deferring = matches!(g.command, BulkCommand::Defer(_));
    let mut replies = Vec::new();
    for id in &g.sessions {
        if let Some(t) = m.transcripts.get(id).filter(|t| t.error.is_none()) {
            for i in 0..t.messages.len() {
                let take = if deferring {
                    t.is_unrated(i)
                } else {
                    t.is_unrated_or_deferred(i)
                };
                if take {
                    replies.push((id.clone(), t.messages[i].message_id.clone()));
                }
            }
        }
    }
    if replies.is_empty() {
        m.set_notice(Level::Info, words::NOTHING_UNRATED_MARKED);
        return;
    }
    apply(m, replies, g.command, fx);
}

/// Applies a bulk command: a positive asks first, a negative goes at once, `s` asks
/// for the reason.
fn apply(m: &mut Model, replies: Vec<Reply>, command: BulkCommand, fx: &mut Vec<Effect>) {
    m.bulk.clear();
    match command {
        BulkCommand::Rate(Rating::Positive) => {
            m.mode = Mode::ConfirmBulk(Box::new(Confirm { replies, command }));
        }
        BulkCommand::Rate(rating) => send(m, replies, rating, fx),
        BulkCommand::Defer(_) => super::defer::open_prompt(m, replies),
    }
}

/// `y` or `n` on the bulk positive's question.
pub(super) fn confirm(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::ConfirmYes => {
            let mode = std::mem::replace(&mut m.mode, Mode::Browse);
            if let Mode::ConfirmBulk(c) = mode
                && let BulkCommand::Rate(rating) = c.command
            {
                send(m, c.replies, rating, fx);
            }
        }
        Action::ConfirmNo | Action::Dismiss => {
            m.mode = Mode::Browse;
            m.set_notice(Level::Info, words::BULK_CANCELLED);
        }
        _ => {}
    }
}

/// Rates every reply: receipts say "saving", and one journal write takes them all.
pub(super) fn send(m: &mut Model, replies: Vec<Reply>, rating: Rating, fx: &mut Vec<Effect>) {
    let items = replies
        .into_iter()
        .map(|reply| Item {
            reply,
            rating,
            text: None,
        })
        .collect();
    let total = send_each(m, items, false, fx);
    m.set_notice(Level::Info, words::bulk_saving(total, rating));
}

/// One reply of a bulk action: the rating it takes and the feedback text with it.
pub(super) struct Item {
    pub reply: Reply,
    pub rating: Rating,
    pub text: Option<String>,
}

/// Sends every item in one journal write (one undo step); with `notes`, each reply's
/// note-and-tags text becomes the item's. Returns how many went.
pub(super) fn send_each(
    m: &mut Model,
    items: Vec<Item>,
    notes: bool,
    fx: &mut Vec<Effect>,
) -> usize {
    // Each session's messages by id, once: the exchanges are found without a scan each.
    let mut at: HashMap<String, HashMap<String, usize>> = HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for it in &items {
        let (s, msg) = &it.reply;
        let index = at.entry(s.clone()).or_insert_with(|| {
            m.transcripts.get(s).map_or_else(HashMap::new, |t| {
                t.messages
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (x.message_id.clone(), i))
                    .collect()
            })
        });
        let exchange = m.transcripts.get(s).and_then(|t| {
            let i = *index.get(msg)?;
            t.is_assistant(i).then(|| Exchange {
                prompt: t.prompt_of(i).map(|j| t.messages[j].content.clone()),
                completion: t.messages[i].content.clone(),
            })
        });
        out.push(BulkRate {
            session_id: s.clone(),
            message_id: msg.clone(),
            rating: it.rating,
            text: it.text.clone(),
            exchange,
        });
    }
    let mut touched: HashSet<String> = HashSet::new();
    for it in items {
        let (s, msg) = it.reply;
        let t = m
            .transcripts
            .entry(s.clone())
            .or_insert_with(|| Transcript::new(&s));
        let after = t.receipts.get(&msg).and_then(Receipt::entry);
        if notes {
            super::rating::set_note(t, &msg, it.text);
        }
        t.receipts.insert(
            msg,
            Receipt::Saving {
                rating: it.rating,
                after,
            },
        );
        touched.insert(s);
    }
    for s in &touched {
        if let Some(t) = m.transcripts.get_mut(s) {
            t.recount();
        }
    }
    let total = out.len();
    m.bulk.progress = Some(Progress {
        total,
        saving: true,
        ..Progress::default()
    });
    fx.push(Effect::RateMany { items: out });
    total
}

/// The journal committed the bulk action (or could not).
pub(super) fn recorded(
    m: &mut Model,
    replies: Vec<Reply>,
    rating: Rating,
    result: Result<Vec<Entry>, String>,
) {
    let mut touched: HashSet<String> = HashSet::new();
    match result {
        Ok(entries) => {
            let delay = m.window.delay();
            let early = m
                .bulk
                .progress
                .as_mut()
                .map(|p| std::mem::take(&mut p.early))
                .unwrap_or_default();
            let tag = m.bulk.progress.as_mut().and_then(|p| p.tag.take());
            let mut sent = 0;
            let mut waiting = HashSet::with_capacity(entries.len());
            for e in &entries {
                let (s, msg) = (&e.target.session_id, &e.target.message_id);
                let t = m
                    .transcripts
                    .entry(s.clone())
                    .or_insert_with(|| Transcript::new(s));
                let newer = t
                    .receipts
                    .get(msg)
                    .and_then(Receipt::entry)
                    .is_some_and(|x| x >= e.id);
                if !newer {
                    t.receipts.insert(
                        msg.clone(),
                        Receipt::Queued {
                            rating: e.rating,
                            entry: e.id,
                        },
                    );
                }
                touched.insert(s.clone());
                if m.window.send_delay > 0 {
                    m.window.until.insert(e.id, m.now + delay);
                }
                m.this_run.insert((s.clone(), msg.clone()), e.rating);
                super::defer::rated(m, s, msg);
                if early.contains(&e.id) {
                    sent += 1;
                } else {
                    waiting.insert(e.id);
                }
            }
            let total = entries.len();
            if waiting.is_empty() {
                m.bulk.progress = None;
                let text = super::tags::bulk_sent(tag.as_ref(), total)
                    .unwrap_or_else(|| words::bulk_sent(total));
                m.set_general_notice(Level::Success, text);
            } else {
                let text = super::tags::bulk_sending(m, tag.as_ref(), total)
                    .unwrap_or_else(|| words::bulk_sending(m, total, rating));
                m.bulk.progress = Some(Progress {
                    total,
                    sent,
                    waiting,
                    saving: false,
                    early: HashSet::new(),
                    tag,
                });
                m.set_notice(Level::Info, text);
            }
        }
        Err(e) => {
            for (s, msg) in &replies {
                if let Some(t) = m.transcripts.get_mut(s) {
                    // A tag keeps each reply's own rating: the one it was saving.
                    let rating = t.receipts.get(msg).map_or(rating, Receipt::rating);
                    t.receipts.insert(
                        msg.clone(),
                        Receipt::Failed {
                            rating,
                            entry: None,
                            error: wording::not_saved(&e),
                        },
                    );
                    touched.insert(s.clone());
                }
            }
            m.bulk.progress = None;
            m.set_notice(Level::Error, wording::journal_write_failed(&e));
        }
    }
    for s in &touched {
        if let Some(t) = m.transcripts.get_mut(s) {
            t.recount();
        }
    }
}

/// The journal entry an outbox report settles, if it settles one.
pub(super) fn settles(ev: &OutboxEvent) -> Option<i64> {
    match ev {
        OutboxEvent::Sent { entry, .. }
        | OutboxEvent::Failed { entry, .. }
        | OutboxEvent::Settled { entry, .. } => Some(entry.id),
        OutboxEvent::Retrying { .. } | OutboxEvent::Counts { .. } => None,
    }
}

/// Counts a bulk rating that went out; the last one says the whole action is sent.
pub(super) fn settled(m: &mut Model, entry: Option<i64>) {
    let Some(id) = entry else { return };
    let Some(p) = &mut m.bulk.progress else {
        return;
    };
    if p.saving {
        p.early.insert(id);
        return;
    }
    if !p.waiting.remove(&id) {
        return;
    }
    p.sent += 1;
    if p.waiting.is_empty() && !p.saving {
        let total = p.total;
        let text = super::tags::bulk_sent(p.tag.as_ref(), total)
            .unwrap_or_else(|| words::bulk_sent(total));
        m.bulk.progress = None;
        m.set_general_notice(Level::Success, text);
    }
}

/// An undo or redo: a bulk action's ratings withdrawn in their window never report.
pub(super) fn undone(m: &mut Model) {
    m.bulk.progress = None;
}
