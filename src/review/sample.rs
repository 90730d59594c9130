//! Drawing a batch: a reproducible random sample of sessions, or the sessions of an
//! adjudication queue, read from the server's whole list off the UI thread.
//!
//! The sample rule: every candidate session is ranked by the SHA-256 digest of the
//! seed in decimal, a colon and the session id (`sha256("8213:ses_abc")`), compared as
//! bytes; the N lowest are the sample, in that order. The rank depends on nothing but
//! the seed and the id, so the same seed gives the same sessions on any machine, for any
//! reviewer, whatever order the server lists them in.

use crate::api::model::{GetSessionResponse, SessionStatus};
use crate::api::{ApiError, Client, PageStart};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// The most sessions read from the server to draw from; past it the list is cut and the
/// screen says so.
pub const MAX_CANDIDATES: usize = 100_000;

/// What a sample is drawn from, and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSpec {
    pub n: usize,
    pub seed: u64,
    pub status: Option<SessionStatus>,
    /// Last activity at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Last activity before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only sessions in which this reviewer's journal holds no rating yet.
    pub unrated: bool,
}

/// Which sessions a batch holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Sample(SampleSpec),
    /// The sessions of an adjudication queue, in its order.
    Sessions(Vec<String>),
}

/// A batch read from the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// The batch's sessions, in batch order.
    pub sessions: Vec<GetSessionResponse>,
    /// Sessions read from the server.
    pub listed: usize,
    /// Of them, those that passed the filters.
    pub candidates: usize,
    /// The list was cut at [`MAX_CANDIDATES`].
    pub cut: bool,
}

/// The rank of a session in the sample of `seed`: lower is drawn first.
pub fn rank(seed: u64, session_id: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed.to_string().as_bytes());
    h.update(b":");
    h.update(session_id.as_bytes());
    h.finalize().into()
}

/// A seed for a batch drawn without one: from the clock, short enough to type again.
pub fn fresh_seed() -> u64 {
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let digest = Sha256::digest(nanos.to_le_bytes());
    u64::from(u16::from_le_bytes([digest[0], digest[1]])) % 10_000
}

/// Whether a session passes the sample's filters. `rated`: sessions with a rating in
/// this reviewer's journal. A session whose time cannot be read fails a time filter.
pub fn passes(spec: &SampleSpec, s: &GetSessionResponse, rated: &HashSet<String>) -> bool {
    if spec.status.is_some_and(|st| st != s.status) {
        return false;
    }
    if spec.unrated && rated.contains(&s.session_id) {
        return false;
    }
    if spec.since.is_some() || spec.until.is_some() {
        let Ok(at) = DateTime::parse_from_rfc3339(&s.last_activity_at) else {
            return false;
        };
        let at = at.with_timezone(&Utc);
        if spec.since.is_some_and(|since| at < since) || spec.until.is_some_and(|u| at >= u) {
            return false;
        }
    }
    true
}

/// The `n` lowest-ranked of `positions` in `listed`, in rank order. Only the ranks and
/// positions are sorted, not the sessions (a listing of 100,000 moved twice was a fifth
/// of drawing a sample).
fn rank_positions(
    seed: u64,
    n: usize,
    listed: &[GetSessionResponse],
    positions: Vec<usize>,
) -> Vec<usize> {
    let mut ranked: Vec<([u8; 32], usize)> = positions
        .into_iter()
        .filter_map(|i| Some((rank(seed, &listed.get(i)?.session_id), i)))
        .collect();
    if n < ranked.len() {
        ranked.select_nth_unstable_by(n, |a, b| a.0.cmp(&b.0));
        ranked.truncate(n);
    }
    ranked.sort_unstable_by_key(|a| a.0);
    ranked.into_iter().map(|(_, i)| i).collect()
}

/// The sessions of `listed` at `order` (distinct positions), in that order; the rest of
/// the listing is freed on a thread of its own, off the path to the first frame.
fn take(mut listed: Vec<GetSessionResponse>, order: &[usize]) -> Vec<GetSessionResponse> {
    let mut by_position: Vec<usize> = order.to_vec();
    // Highest first: `swap_remove` then moves only elements already past every position
    // still to take.
    by_position.sort_unstable_by(|a, b| b.cmp(a));
    let mut taken: HashMap<usize, GetSessionResponse> = HashMap::with_capacity(order.len());
    for i in by_position {
        if i < listed.len() {
            taken.insert(i, listed.swap_remove(i));
        }
    }
    if listed.len() > 10_000 {
        // Could no thread start, the listing is dropped here after all.
        let _ = std::thread::Builder::new()
            .name("verdict-free".into())
            .spawn(move || drop(listed));
    }
    order.iter().filter_map(|i| taken.remove(i)).collect()
}

/// Chooses the batch from every session listed.
pub fn choose(
    selection: &Selection,
    listed: Vec<GetSessionResponse>,
    rated: &HashSet<String>,
    cut: bool,
) -> Drawn {
    let total = listed.len();
    match selection {
        Selection::Sample(spec) => {
            let candidates: Vec<usize> = listed
                .iter()
                .enumerate()
                .filter(|(_, s)| passes(spec, s, rated))
                .map(|(i, _)| i)
                .collect();
            let count = candidates.len();
            let order = rank_positions(spec.seed, spec.n, &listed, candidates);
            Drawn {
                sessions: take(listed, &order),
                listed: total,
                candidates: count,
                cut,
            }
        }
        Selection::Sessions(ids) => {
            let mut by_id: std::collections::HashMap<String, GetSessionResponse> = listed
                .into_iter()
                .map(|s| (s.session_id.clone(), s))
                .collect();
            let sessions: Vec<_> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
            Drawn {
                candidates: sessions.len(),
                sessions,
                listed: total,
                cut,
            }
        }
    }
}

/// The same list oldest first: the second of the two ends [`list_all`] reads from.
fn oldest_first_request() -> crate::api::model::ListSessionsRequest {
    let mut request = super::effect::list_request();
    if let Some(sort) = &mut request.sort {
        sort.insert("direction".into(), serde_json::Value::String("asc".into()));
    }
    request
}

/// What the two ends of [`list_all`] have read.
#[derive(Default)]
struct Meeting {
    /// Which end read each session first.
    owner: HashMap<String, u8>,
    /// Each end's sessions in the order it read them.
    read: [Vec<GetSessionResponse>; 2],
    /// An end has read to the end of the list.
    finished: [bool; 2],
    cut: bool,
}

impl Meeting {
    fn count(&self) -> usize {
        self.read[0].len() + self.read[1].len()
    }
}

/// Reads the server's session list to its end (or [`MAX_CANDIDATES`]), in big pages,
/// telling `progress` how many sessions are read so far; newest first. A session
/// listed twice (it moved between pages) counts once.
///
/// The list is read from both ends at once, newest first and oldest first, each by the
/// server's cursor (offsets stop at 10,000), until the two meet: an end stops at the
/// first session the other end has read, or when the other has read to the end. That
/// is two pages in flight and half the round trips in a row. A server that ignores the
/// sort direction still gives every session once: the two ends then read the same first
/// page, and one of them stops there.
pub async fn list_all(
    client: &Client,
    progress: impl Fn(usize),
) -> Result<(Vec<GetSessionResponse>, bool), ApiError> {
    let meeting = Mutex::new(Meeting::default());
    let newest = super::effect::list_request();
    let oldest = oldest_first_request();
    tokio::try_join!(
        read_end(client, &newest, 0, &meeting, &progress),
        read_end(client, &oldest, 1, &meeting, &progress),
    )?;
    let m = meeting.into_inner().unwrap_or_else(|p| p.into_inner());
    let [mut out, from_oldest] = m.read;
    out.extend(from_oldest.into_iter().rev());
    Ok((out, m.cut))
}

/// One end of [`list_all`]: pages by cursor until it meets the other end.
async fn read_end(
    client: &Client,
    request: &crate::api::model::ListSessionsRequest,
    me: u8,
    meeting: &Mutex<Meeting>,
    progress: &impl Fn(usize),
) -> Result<(), ApiError> {
    let other = usize::from(1 - me);
    let mut from = PageStart::Offset(0);
    loop {
        {
            let m = meeting.lock().unwrap_or_else(|p| p.into_inner());
            if m.finished[other] || m.cut {
                return Ok(());
            }
        }
        let page = client
            .list_sessions_for_list(request, super::effect::SESSIONS_PAGE_BULK, &from)
            .await?;
        let (met, count) = {
            let mut m = meeting.lock().unwrap_or_else(|p| p.into_inner());
            let mut met = m.finished[other];
            for s in page.response.results {
                if met {
                    break;
                }
                if m.count() >= MAX_CANDIDATES {
                    m.cut = true;
                    met = true;
                    break;
                }
                match m.owner.get(&s.session_id) {
                    Some(&o) if o != me => met = true,
                    Some(_) => {}
                    None => {
                        m.owner.insert(s.session_id.clone(), me);
                        m.read[usize::from(me)].push(s);
                    }
                }
            }
            (met, m.count())
        };
        progress(count);
        if met {
            return Ok(());
        }
        match page.next {
            Some(next) if next != from => from = next,
            _ => {
                let mut m = meeting.lock().unwrap_or_else(|p| p.into_inner());
                m.finished[usize::from(me)] = true;
                return Ok(());
            }
        }
    }
}

/// The first history page of each session, a few read at once: what risk order reads
/// ahead to find failed tool calls.
pub async fn read_ahead(
    client: &Client,
    ids: Vec<String>,
) -> Vec<(
    String,
    Result<crate::api::model::GetHistoryResponse, ApiError>,
)> {
    use futures_util::StreamExt;
    futures_util::stream::iter(ids)
        .map(|id| async move {
            let r = client
                .history_page(&id, super::effect::HISTORY_PAGE, 0)
                .await;
            (id, r)
        })
        .buffer_unordered(READ_AHEAD_AT_ONCE)
        .collect()
        .await
}

/// Histories read at once by [`read_ahead`].
const READ_AHEAD_AT_ONCE: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::fixtures::session;

    fn spec(n: usize, seed: u64) -> SampleSpec {
        SampleSpec {
            n,
            seed,
            status: None,
            since: None,
            until: None,
            unrated: false,
        }
    }

    fn many(k: usize) -> Vec<GetSessionResponse> {
        (0..k)
            .map(|i| session(&format!("ses_{i}"), "", SessionStatus::Active, None))
            .collect()
    }

    fn ids(d: &Drawn) -> Vec<String> {
        d.sessions.iter().map(|s| s.session_id.clone()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_sessions_whatever_the_listing_order() {
        let none = HashSet::new();
        let sel = Selection::Sample(spec(5, 8213));
        let a = choose(&sel, many(50), &none, false);
        let mut reversed = many(50);
        reversed.reverse();
        let b = choose(&sel, reversed, &none, false);
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(a.sessions.len(), 5);
        assert_eq!(a.candidates, 50);
        let other = choose(&Selection::Sample(spec(5, 8214)), many(50), &none, false);
        assert_ne!(ids(&a), ids(&other));
        // The documented rule, by hand.
        let mut by_hand: Vec<_> = (0..50).map(|i| format!("ses_{i}")).collect();
        by_hand.sort_by_key(|id| {
            let mut h = Sha256::new();
            h.update(format!("8213:{id}").as_bytes());
            <[u8; 32]>::from(h.finalize())
        });
        by_hand.truncate(5);
        assert_eq!(ids(&a), by_hand);
    }

    #[test]
    fn more_asked_than_there_are_gives_every_candidate() {
        let d = choose(
            &Selection::Sample(spec(10, 1)),
            many(3),
            &HashSet::new(),
            false,
        );
        assert_eq!(d.sessions.len(), 3);
    }

    #[test]
    fn filters_combine() {
        let mut list = many(6);
        list[0].status = SessionStatus::Archived;
        list[1].last_activity_at = "2026-11-01T00:00:00Z".into();
        list[2].last_activity_at = "2026-12-01T00:00:00Z".into();
        list[3].last_activity_at = "not a time".into();
        let rated: HashSet<String> = ["ses_4".to_string()].into();
        let time = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let mut s = spec(100, 7);
        s.status = Some(SessionStatus::Active);
        s.unrated = true;
        s.since = Some(time("2026-11-10T00:00:00Z"));
        s.until = Some(time("2026-11-30T00:00:00Z"));
        let d = choose(&Selection::Sample(s), list, &rated, false);
        // ses_5 is the only one left: active, unrated, its time inside the window.
        assert_eq!(ids(&d), vec!["ses_5".to_string()]);
        assert_eq!(d.listed, 6);
        assert_eq!(d.candidates, 1);
    }

    #[test]
    fn a_queue_keeps_its_order_and_leaves_out_what_the_server_lacks() {
        let sel = Selection::Sessions(vec!["ses_3".into(), "ses_gone".into(), "ses_1".into()]);
        let d = choose(&sel, many(5), &HashSet::new(), false);
        assert_eq!(ids(&d), vec!["ses_3".to_string(), "ses_1".to_string()]);
    }
}
