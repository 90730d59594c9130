//! Triage order: `o` switches between newest first and risk first. Risk order reads the
//! whole session list once (fast: see `sample::list_all`), scores every session from
//! what the listing says, ranks the list, then reads ahead a bounded number of
//! histories at the top of the order and re-ranks only the rows not yet reached.

use super::sessions::open_session;
use crate::api::ApiError;
use crate::api::model::{GetHistoryResponse, GetSessionResponse};
use crate::review::effect::Effect;
use crate::review::model::*;
use crate::review::order::{Order, Ranked};
use crate::review::risk::{Risk, Signals};

/// Histories read ahead at the top of the risk order, to find failed tool calls.
pub const PROBE_AHEAD: usize = 24;

/// `o`: the other order.
pub(super) fn toggle(m: &mut Model, fx: &mut Vec<Effect>) {
    let order = m.order.order.toggled();
    set_order(m, order, fx);
}

/// Puts `order` in force: ranks what is loaded, and for risk reads the whole list (once)
/// so every session of the namespace is ranked, not only the pages seen.
pub(super) fn set_order(m: &mut Model, order: Order, fx: &mut Vec<Effect>) {
    m.order.order = order;
    match order {
        Order::Newest => {
            m.order.listing = None;
            rank(m, 0);
            m.set_general_notice(Level::Info, "Sessions in newest order.");
        }
        Order::Risk => {
            let known = m
                .sessions
                .rows
                .iter()
                .all(|r| r.unreadable.is_some() || m.order.risk.contains_key(&r.id));
            if m.batch.is_none() && !(m.sessions.exhausted && known) {
                start_listing(m, fx);
            } else {
                ranked_from_top(m, fx);
            }
        }
    }
}

/// The first work of a model started in risk order.
pub(super) fn start(m: &mut Model, fx: &mut Vec<Effect>) {
    if m.order.order == Order::Risk && m.batch.is_none() {
        start_listing(m, fx);
    }
}

fn start_listing(m: &mut Model, fx: &mut Vec<Effect>) {
    let generation = m.next_generation();
    m.order.listing = Some(generation);
    m.set_general_notice(
        Level::Info,
        "Reading every session to rank them by risk…".to_string(),
    );
    let known = m
        .order
        .probed
        .iter()
        .filter_map(|id| Some((id.clone(), *m.order.risk.get(id)?)))
        .collect();
    fx.push(Effect::ListForOrder { generation, known });
}

/// Whether rows of a page are scored as they arrive: in risk order, and for a batch
/// (small), so that `o` can rank it at once.
fn scoring(m: &Model) -> bool {
    m.order.order == Order::Risk || m.batch.is_some()
}

/// A page of the session list arrived: scores its sessions (from the listing). Called
/// before the page's rows are added.
pub(super) fn page_arriving(m: &mut Model, first: bool, sessions: &[GetSessionResponse]) {
    if first {
        m.order.arrival.clear();
    }
    if !scoring(m) {
        return;
    }
    let base = m.order.arrival.len();
    for (i, s) in sessions.iter().enumerate() {
        if !m.order.probed.contains(&s.session_id) {
            m.order
                .risk
                .insert(s.session_id.clone(), Risk::from_listing(s));
        }
        m.order
            .arrival
            .entry(s.session_id.clone())
            .or_insert(base + i);
    }
}

/// A page's rows were added: in risk order, the rows not yet reached are ranked again.
/// A first page outside a batch (a refresh) means the whole list is read again.
pub(super) fn page_added(m: &mut Model, first: bool, fx: &mut Vec<Effect>) {
    if m.order.order != Order::Risk {
        return;
    }
    if first && m.batch.is_none() && m.order.listing.is_none() {
        start_listing(m, fx);
        return;
    }
    let from = if first { 0 } else { reached(m) };
    rank(m, from);
}

/// The whole list, read for risk order, scored and ranked in the background: put in
/// place as it is. No sorting and no per-row work beyond the visible list here, so the
/// frame after it is drawn at once even for 100,000 sessions.
pub(super) fn listed(
    m: &mut Model,
    generation: u64,
    result: Result<Ranked, ApiError>,
    fx: &mut Vec<Effect>,
) {
    if m.order.listing != Some(generation) || m.order.order != Order::Risk {
        return;
    }
    m.order.listing = None;
    let ranked = match result {
        Ok(r) => r,
        Err(e) => {
            let msg = super::wording::say(m, &e);
            m.set_general_notice(
                Level::Error,
                format!("Cannot rank the sessions by risk: {msg}"),
            );
            return;
        }
    };
    let total = ranked.rows.len();
    let Ranked {
        rows,
        index,
        mut risk,
        arrival,
        cut,
    } = ranked;
    // A history read while the list was being ranked keeps what it found (the row
    // stays where the listing ranked it).
    for id in &m.order.probed {
        if let (Some(r), Some(slot)) = (m.order.risk.get(id), risk.get_mut(id)) {
            *slot = *r;
        }
    }
    m.sessions.rows = rows;
    m.sessions.index = index;
    m.order.risk = risk;
    m.order.arrival = arrival;
    let s = &mut m.sessions;
    s.loading = false;
    s.next = None;
    s.error = None;
    s.loaded_once = true;
    s.total = Some(total as u64);
    s.exhausted = true;
    s.to_end = false;
    let visible: Vec<usize> = (0..m.sessions.rows.len())
        .filter(|&i| m.passes_filter(&m.sessions.rows[i]))
        .collect();
    m.sessions.visible = visible;
    from_top(m, fx);
    if cut {
        m.set_general_notice(
            Level::Warning,
            format!("Risk order over the first {total} sessions listed; the rest were not read."),
        );
    }
}

/// Ranks every row, opens the riskiest, and reads ahead the top of the order.
fn ranked_from_top(m: &mut Model, fx: &mut Vec<Effect>) {
    rank(m, 0);
    from_top(m, fx);
}

/// The rows ranked: opens the riskiest, and reads ahead the top of the order.
fn from_top(m: &mut Model, fx: &mut Vec<Effect>) {
    m.sessions.selected = 0;
    m.sessions.offset = 0;
    if let Some(id) = m.sessions.selected_row().map(|r| r.id.clone()) {
        open_session(m, &id, fx);
    }
    let n = m.sessions.visible.len();
    m.set_general_notice(
        Level::Info,
        format!("{n} sessions in risk order: the most likely failures first."),
    );
    probe(m, fx);
}

/// Row index of the first row not yet reached: the one after the selection (rows up to
/// the selected one stay where the reviewer saw them).
fn reached(m: &Model) -> usize {
    m.sessions
        .visible
        .get(m.sessions.selected)
        .map_or(0, |&i| i + 1)
}

/// Orders `rows[from..]` by the order in force (risk: highest score first, the server's
/// order among equals; newest: the server's order), then rebuilds the index and the
/// visible list, keeping the selection on its session.
pub(super) fn rank(m: &mut Model, from: usize) {
    let keep = m.sessions.selected_row().map(|r| r.id.clone());
    let rows = &mut m.sessions.rows;
    if from >= rows.len() {
        return;
    }
    let arrival = &m.order.arrival;
    let place = |r: &SessionRow| arrival.get(&r.id).copied().unwrap_or(usize::MAX);
    let tail = &mut rows[from..];
    match m.order.order {
        Order::Risk => {
            let risk = &m.order.risk;
            tail.sort_by_cached_key(|r| {
                let s = risk.get(&r.id).map_or(0, |x| x.score);
                (std::cmp::Reverse(s), place(r))
            });
        }
        Order::Newest => tail.sort_by_cached_key(place),
    }
    for (i, r) in m.sessions.rows.iter().enumerate().skip(from) {
        if let Some(slot) = m.sessions.index.get_mut(&r.id) {
            *slot = i;
        }
    }
    let visible: Vec<usize> = (0..m.sessions.rows.len())
        .filter(|&i| m.passes_filter(&m.sessions.rows[i]))
        .collect();
    m.sessions.visible = visible;
    m.sessions.selected = keep
        .and_then(|id| m.sessions.position(&id))
        .unwrap_or(0)
        .min(m.sessions.visible.len().saturating_sub(1));
}

/// Reads ahead the histories of the first rows not yet reached and not yet read.
fn probe(m: &mut Model, fx: &mut Vec<Effect>) {
    if m.order.order != Order::Risk || m.order.probing.is_some() {
        return;
    }
    let from = m.sessions.selected;
    let ids: Vec<String> = m.sessions.visible[from.min(m.sessions.visible.len())..]
        .iter()
        .map(|&i| &m.sessions.rows[i])
        .filter(|r| r.unreadable.is_none() && !m.order.probed.contains(&r.id))
        .take(PROBE_AHEAD)
        .map(|r| r.id.clone())
        .collect();
    if ids.is_empty() {
        return;
    }
    let generation = m.next_generation();
    m.order.probing = Some(generation);
    fx.push(Effect::ProbeRisk { generation, ids });
}

/// Histories read ahead: their tool errors refine the scores, and the rows not yet
/// reached are ranked again.
pub(super) fn probed(
    m: &mut Model,
    generation: u64,
    found: Vec<(String, Result<GetHistoryResponse, ApiError>)>,
) {
    if m.order.probing != Some(generation) {
        return;
    }
    m.order.probing = None;
    for (id, result) in found {
        m.order.probed.insert(id.clone());
        let Ok(history) = result else { continue };
        refine(m, &id, &history.messages);
    }
    if m.order.order == Order::Risk {
        let from = reached(m);
        rank(m, from);
    }
}

/// A history of `id` is known (read ahead, or opened): its signals join the listing's.
pub(super) fn refine(m: &mut Model, id: &str, messages: &[crate::api::model::MessageHistoryItem]) {
    let base = m.order.risk.get(id).map(|r| r.signals).unwrap_or_else(|| {
        let mut s = Signals::default();
        if let Some(row) = m.sessions.row(id) {
            s.messages = row.message_count;
            s.terminated = row.status == crate::api::model::SessionStatus::Terminated;
        }
        s
    });
    m.order
        .risk
        .insert(id.to_string(), Risk::new(base.with_history(messages)));
}
