//! Batches (a sample, a queue) and blind review: drawing the batch, limiting the list to
//! it, its progress and its end; holding back others' judgments until this reviewer rates.

use super::sessions::sessions_loaded;
use super::transcript::load_transcript;
use crate::api::model::ListSessionsResponse;
use crate::api::{ApiError, PageStart, SessionsPage};
use crate::queue::Judgment;
use crate::review::action::KnownRating;
use crate::review::batch::{BatchKind, FROM_SERVER, progress, rated_counts, thousands};
use crate::review::effect::Effect;
use crate::review::model::*;
use crate::review::sample::Drawn;
use crate::review::scroll;
use std::collections::HashMap;

/// The first work of a model limited to a batch: reading the list to draw it.
pub(super) fn start(m: &mut Model) -> Option<Effect> {
    let selection = m.batch.as_ref()?.selection.clone();
    let generation = m.next_generation();
    m.sessions.generation = generation;
    m.sessions.loading = true;
    let text = drawing(m, 0);
    m.set_general_notice(Level::Info, text);
    Some(Effect::DrawBatch {
        generation,
        selection,
    })
}

/// "drawing a sample of 50 from 1,234 sessions…" (the count grows as pages arrive).
fn drawing(m: &Model, listed: usize) -> String {
    let from = if listed == 0 {
        "the server's sessions".to_string()
    } else {
        format!("{} sessions", thousands(listed))
    };
    match m.batch.as_ref().map(|b| &b.kind) {
        Some(BatchKind::Queue { replies, .. }) => format!(
            "finding the queue's {} replies among {from}…",
            thousands(replies.len())
        ),
        Some(BatchKind::Sample { n, .. }) => {
            format!("drawing a sample of {} from {from}…", thousands(*n))
        }
        None => String::new(),
    }
}

pub(super) fn batch_progress(m: &mut Model, generation: u64, listed: usize) {
    if generation != m.sessions.generation {
        return;
    }
    let Some(b) = &mut m.batch else { return };
    if b.drawing.is_none() {
        return;
    }
    b.drawing = Some(listed);
    let text = drawing(m, listed);
    m.set_general_notice(Level::Info, text);
}

pub(super) fn batch_drawn(
    m: &mut Model,
    generation: u64,
    result: Result<Drawn, ApiError>,
    fx: &mut Vec<Effect>,
) {
    if generation != m.sessions.generation || m.batch.is_none() {
        return;
    }
    let mut d = match result {
        Ok(d) => d,
        Err(e) => {
            // The list's error path says it, with the retry key.
            sessions_loaded(m, generation, PageStart::Offset(0), Err(e), fx);
            return;
        }
    };
    if m.others.blind || m.batch.as_ref().is_some_and(|b| b.is_queue()) {
        // The server's counts include others' ratings: the list goes by what is on screen.
        for s in &mut d.sessions {
            s.review = None;
        }
    }
    let ids: Vec<String> = d.sessions.iter().map(|s| s.session_id.clone()).collect();
    let asked = match &m.batch {
        Some(b) => match &b.selection {
            crate::review::sample::Selection::Sessions(all) => all.len(),
            crate::review::sample::Selection::Sample(_) => 0,
        },
        None => 0,
    };
    if let Some(b) = &mut m.batch {
        b.drawing = None;
        b.sessions = ids;
        b.listed = d.listed;
        b.candidates = d.candidates;
        b.cut = d.cut;
    }
    let got = d.sessions.len();
    let page = SessionsPage {
        response: ListSessionsResponse {
            total: got as u64,
            results: d.sessions,
            pagination: Default::default(),
        },
        next: None,
        unreadable: Vec::new(),
    };
    sessions_loaded(m, generation, PageStart::Offset(0), Ok(page), fx);
    let Some(b) = &m.batch else { return };
    let cut = if b.cut {
        format!(
            "; only the first {} sessions listed were read",
            thousands(crate::review::sample::MAX_CANDIDATES)
        )
    } else {
        String::new()
    };
    let (level, text) = match &b.kind {
        BatchKind::Sample { .. } if got == 0 => (
            Level::Warning,
            format!(
                "No session of the {} listed passes the filters: the sample is empty{cut}.",
                thousands(b.listed)
            ),
        ),
        BatchKind::Sample { seed, .. } => (
            Level::Info,
            format!(
                "A sample of {} from {} sessions (seed {seed}: the same seed draws the same sessions){cut}.",
                thousands(got),
                thousands(b.candidates)
            ),
        ),
        BatchKind::Queue { replies, .. } => {
            let missing = asked.saturating_sub(got);
            let mut gone = String::new();
            if missing > 0 {
                gone.push_str(&format!(
                    "; {} not on this server",
                    counted(missing, "of its sessions is", "of its sessions are")
                ));
            }
            if b.left_out > 0 {
                gone.push_str(&format!(
                    "; {} for another server or namespace left out",
                    counted(b.left_out, "reply", "replies")
                ));
            }
            let missing = missing + b.left_out;
            let level = if missing > 0 || got == 0 {
                Level::Warning
            } else {
                Level::Info
            };
            (
                level,
                format!(
                    "Queue: {} to adjudicate in {}{gone}{cut}.",
                    counted(replies.len(), "reply", "replies"),
                    counted(got, "session", "sessions")
                ),
            )
        }
    };
    m.set_general_notice(level, text);
}

/// `r` in a batch: the open session and the outbox again, keeping the batch's list.
pub(super) fn refresh(m: &mut Model, fx: &mut Vec<Effect>) {
    m.jump = None;
    if m.sessions.error.is_none() && m.batch.as_ref().is_some_and(|b| b.drawing.is_some()) {
        return;
    }
    if m.sessions.error.is_some() {
        // The batch was never drawn: draw it again.
        m.sessions.error = None;
        if let Some(b) = &mut m.batch {
            b.drawing = Some(0);
        }
        if let Some(e) = start(m) {
            fx.push(e);
        }
        return;
    }
    let open = m.open.clone();
    for (id, t) in m.transcripts.iter_mut() {
        if Some(id) != open.as_ref() {
            t.requested = false;
        }
    }
    if let Some(id) = open {
        load_transcript(m, &id, fx);
    }
    fx.push(Effect::WakeOutbox);
    fx.push(Effect::LoadCounts);
}

/// A session's history is arriving: in a queue, only its queued replies count, each with
/// the reviewers' judgments under it.
pub(super) fn history_arriving(m: &mut Model, session_id: &str) {
    let Some(b) = &m.batch else { return };
    let BatchKind::Queue { judgments, .. } = &b.kind else {
        return;
    };
    let Some(only) = b.queued_in(session_id) else {
        return;
    };
    let Some(t) = m.transcripts.get_mut(session_id) else {
        return;
    };
    if t.only.is_none() {
        for id in &only {
            if let Some(j) = judgments.get(&(session_id.to_string(), id.clone())) {
                t.judgments.insert(id.clone(), j.clone());
            }
        }
        t.only = Some(only);
    }
}

pub(super) fn own_loaded(
    m: &mut Model,
    session_id: &str,
    generation: u64,
    own: HashMap<String, String>,
) {
    if m.transcripts
        .get(session_id)
        .is_some_and(|t| t.generation == generation)
    {
        m.others.own.insert(session_id.to_string(), own);
    }
}

/// Takes out of a session's known ratings what this reviewer must not see as a receipt:
/// in blind mode others' ratings (kept, shown once this reviewer rates the reply); in a
/// queue every earlier rating of a queued reply (the queue shows the reviewers'
/// judgments) but the adjudicator's own made since the queue was written.
pub(super) fn split_known(m: &mut Model, session_id: &str, list: &mut Vec<KnownRating>) {
    let queue = m.batch.as_ref().and_then(|b| match &b.kind {
        BatchKind::Queue { created_at, .. } => Some((b.queued_in(session_id), *created_at)),
        BatchKind::Sample { .. } => None,
    });
    if !m.others.blind && queue.is_none() {
        return;
    }
    let own = m.others.own.get(session_id).cloned().unwrap_or_default();
    let t = m.transcripts.get(session_id);
    let this_run = &m.this_run;
    // A reply rated in this run before the load: the journal holds that rating, so the
    // listing's record of it is taken for someone else's (shown at once, since the
    // reply is rated), rather than lost.
    let rated_now = |msg: &String| {
        t.and_then(|t| t.receipts.get(msg))
            .is_some_and(Receipt::in_flight)
            || this_run.contains_key(&(session_id.to_string(), msg.clone()))
    };
    let mut hidden: HashMap<String, Vec<Judgment>> = HashMap::new();
    list.retain(|k| {
        let mine = own.get(&k.message_id);
        let from_listing = k.receipt.entry().is_none();
        let from_others = from_listing && (mine.is_none() || rated_now(&k.message_id));
        if let Some((Some(queued), created_at)) = &queue
            && queued.contains(&k.message_id)
        {
            let since = |made: &String| {
                created_at.is_none_or(|c| {
                    chrono::DateTime::parse_from_rfc3339(made).is_ok_and(|t| t >= c)
                })
            };
            return !from_others && mine.is_some_and(since);
        }
        if m.others.blind && from_others {
            hidden
                .entry(k.message_id.clone())
                .or_default()
                .push(Judgment {
                    reviewer: FROM_SERVER.to_string(),
                    rating: k.receipt.rating(),
                    tags: Vec::new(),
                    note: k.note.clone(),
                    made_at: None,
                });
            return false;
        }
        true
    });
    if !hidden.is_empty() {
        m.others.hidden.insert(session_id.to_string(), hidden);
    }
}

/// After every action: others' judgments of a reply this reviewer has now rated come
/// out, and a batch that is done says so once.
pub(super) fn after(m: &mut Model) {
    reveal(m);
    let Some((done, of)) = progress(m) else {
        return;
    };
    let Some(b) = &m.batch else { return };
    // Said once the last rating is answered, so the server's answer does not replace it.
    if b.done_said || done < of || of == 0 || m.this_run.is_empty() || m.sends_pending() > 0 {
        return;
    }
    let (pos, neg) = rated_counts(m);
    let g = m.look.glyphs;
    let text = match &b.kind {
        BatchKind::Sample { seed, .. } => format!(
            "Batch done: {} sessions; {} replies rated this run ({}{pos} {}{neg}). seed {seed}",
            thousands(of),
            thousands(pos + neg),
            g.positive,
            g.negative
        ),
        BatchKind::Queue { .. } => format!(
            "Queue done: {} replies adjudicated ({}{pos} {}{neg} this run).",
            thousands(of),
            g.positive,
            g.negative
        ),
    };
    if let Some(b) = &mut m.batch {
        b.done_said = true;
    }
    m.set_general_notice(Level::Success, text);
}

fn reveal(m: &mut Model) {
    let Some(id) = m.open.clone() else { return };
    let Some(hidden) = m.others.hidden.get_mut(&id) else {
        return;
    };
    let Some(t) = m.transcripts.get_mut(&id) else {
        return;
    };
    let rated: Vec<String> = hidden
        .keys()
        .filter(|msg| t.receipts.get(*msg).is_some_and(Receipt::is_rating))
        .cloned()
        .collect();
    for msg in rated {
        if let Some(j) = hidden.remove(&msg) {
            t.judgments.entry(msg.clone()).or_default().extend(j);
            if let Some(i) = t.index_of(&msg) {
                scroll::forget(t, i);
            }
        }
    }
}

/// In blind mode the server's counts of a list page, which include others' ratings, are
/// dropped: the list goes by what is on screen.
pub(super) fn blind_list(m: &Model, result: &mut Result<SessionsPage, ApiError>) {
    if m.others.blind
        && let Ok(page) = result
    {
        for s in &mut page.response.results {
            s.review = None;
        }
    }
}

/// "1 reply", "1,234 replies".
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}
