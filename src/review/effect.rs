//! Effects: the work update() asks for, run on tokio; each result comes back as an Action.

use super::action::{Action, KnownRating};
use super::model::Receipt;
use crate::api::model::{ListFeedbackResponse, ListSessionsRequest, Rating};
use crate::api::{Client, PageStart};
use crate::journal::outbox::{Outbox, OutboxEvent};
use crate::journal::{Draft, Entry, Exchange, NewCorrection, RatingState, corrections};
use serde_json::{Map, Value};
use std::collections::HashSet;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Sessions per list page while the reviewer scrolls.
pub const SESSIONS_PAGE: u32 = 100;
/// Sessions per page while loading the whole list (`G` in the sessions pane).
pub const SESSIONS_PAGE_BULK: u32 = crate::api::limits::LIST_LIMIT_MAX;
/// Messages per history page (the contract's maximum).
pub const HISTORY_PAGE: u32 = crate::api::limits::HISTORY_LIMIT_MAX;

/// Work for the runner. Each carries what its result must be matched against.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadSessions {
        generation: u64,
        from: PageStart,
        limit: u32,
    },
    LoadHistory {
        session_id: String,
        generation: u64,
        offset: u64,
    },
    LoadKnownRatings {
        session_id: String,
        generation: u64,
    },
    /// Journal first (committed), then the outbox sends it. The exchange on screen is
    /// kept with it, so an export made while the server is away still has its text.
    Rate {
        session_id: String,
        message_id: String,
        rating: Rating,
        text: Option<String>,
        exchange: Option<Exchange>,
    },
    /// Keep the note being written (journaled in order with ratings; a burst of saves of
    /// one message writes only the last).
    SaveDraft {
        session_id: String,
        message_id: String,
        draft: Draft,
    },
    /// The note was sent or emptied.
    DeleteDraft {
        session_id: String,
        message_id: String,
    },
    /// Drafts kept by earlier runs.
    LoadDrafts,
    /// Suspend the screen and correct `text` in `$VISUAL`/`$EDITOR` (run by the loop,
    /// which owns the terminal); answered by `Action::CorrectionEdited`.
    EditCorrection {
        session_id: String,
        message_id: String,
        text: String,
    },
    /// Keep a correction in the journal (in order with ratings); never sent anywhere.
    SaveCorrection {
        session_id: String,
        message_id: String,
        correction: NewCorrection,
    },
    /// A session's corrections, loaded with its known ratings.
    LoadCorrections {
        session_id: String,
        generation: u64,
    },
    WakeOutbox,
    LoadCounts,
    /// Undo (or redo) the reviewer's last action, in order with the journal writes.
    Undo {
        redo: bool,
    },
    /// Send now what waits in its window (quitting with `q`), after the writes before it.
    CloseWindows,
    /// A page of the server's search for the results list of this generation.
    Search {
        query: String,
        offset: u64,
        generation: u64,
    },
    /// Read the server's whole session list and draw a batch from it.
    DrawBatch {
        generation: u64,
        selection: super::sample::Selection,
    },
    /// Read the palette's history file (beside the journal).
    LoadPaletteHistory,
    /// Write the palette's history file, after the writes asked for before it.
    SavePaletteHistory {
        history: Vec<String>,
    },
    /// Count the namespace's tags in the journal (answered by `Action::TagCountsLoaded`),
    /// then read the latest ratings the stats screen counts, ahead of its first opening.
    LoadTagCounts,
    /// Read the server's whole session list, for risk order.
    ListForOrder {
        generation: u64,
        /// Risks already refined from a history, kept over the listing's.
        known: std::collections::HashMap<String, super::risk::Risk>,
    },
    /// Read the first history page of these sessions (a few at once), for risk order.
    ProbeRisk {
        generation: u64,
        ids: Vec<String>,
    },
    /// A bulk rating: every reply in one journal transaction (one undo step), then sent.
    RateMany {
        items: Vec<crate::journal::outbox::BulkRate>,
    },
    /// Defer (`on`) or un-defer replies, in the journal only (never sent).
    Defer {
        replies: Vec<super::bulk::Reply>,
        reason: Option<String>,
        on: bool,
    },
    /// The deferred replies of this server and namespace.
    LoadDeferrals,
    /// The stats screen's numbers: this run (ratings made since `run_since`, journal
    /// time) and all time, on this server and namespace; `now` ends the per-minute series.
    LoadStats {
        generation: u64,
        run_since: String,
        now: chrono::DateTime<chrono::Utc>,
    },
    /// Read the guidelines file unless its modification time is still `known`.
    ReadGuidelines {
        path: std::path::PathBuf,
        known: Option<std::time::SystemTime>,
    },
}

/// The sort verdict asks for: most recent activity first.
pub fn list_request() -> ListSessionsRequest {
    let mut sort = Map::new();
    sort.insert("field".into(), Value::String("last_activity_at".into()));
    sort.insert("direction".into(), Value::String("desc".into()));
    ListSessionsRequest {
        status: None,
        filters: None,
        sort: Some(sort),
    }
}

/// Earlier ratings of a session: the server's listing where it offers one (latest
/// first, so the first per message wins), with this reviewer's unsent or refused
/// journal entries on top, since those are newer than anything the server has.
/// Without a listing the journal is all there is.
pub fn merge_known(listing: Option<ListFeedbackResponse>, journal: Vec<Entry>) -> Vec<KnownRating> {
    let mut out: Vec<KnownRating> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let offered = listing.is_some();
    for e in &journal {
        let receipt = match e.state {
            RatingState::Pending => Receipt::Queued {
                rating: e.rating,
                entry: e.id,
            },
            RatingState::Failed => Receipt::Failed {
                rating: e.rating,
                entry: Some(e.id),
                error: e
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "the server refused this rating".to_string()),
            },
            RatingState::Sent if !offered => Receipt::Sent {
                rating: e.rating,
                stored: e.stored.unwrap_or(false),
                entry: Some(e.id),
            },
            RatingState::Sent | RatingState::Superseded => continue,
        };
        if seen.insert(e.target.message_id.clone()) {
            out.push(KnownRating {
                message_id: e.target.message_id.clone(),
                receipt,
                note: e.text.clone(),
            });
        }
    }
    if let Some(listing) = listing {
        for f in listing.feedback {
            if seen.insert(f.message_id.clone()) {
                out.push(KnownRating {
                    message_id: f.message_id,
                    receipt: Receipt::Sent {
                        rating: f.rating,
                        stored: f.stored,
                        entry: None,
                    },
                    note: f.feedback_text,
                });
            }
        }
    }
    out
}

/// Lists every session and draws the batch; for `--unrated`, the sessions this
/// reviewer's journal holds a rating in (for this server and namespace) are left out.
async fn draw_batch(
    client: &Client,
    outbox: &Outbox,
    selection: &super::sample::Selection,
    progress: impl Fn(usize),
) -> Result<super::sample::Drawn, crate::api::ApiError> {
    use super::sample::{Selection, choose, list_all};
    let mut rated = HashSet::new();
    if let Selection::Sample(spec) = selection
        && spec.unrated
    {
        let base = crate::journal::journal_base_url(client.base_url());
        let ns = client.namespace().to_string();
        match outbox.journal().call(|j| j.export_rows(None)).await {
            Ok(rows) => {
                rated = rows
                    .into_iter()
                    .map(|r| r.entry.target)
                    .filter(|t| {
                        t.namespace == ns
                            && (t.base_url == base || t.base_url == crate::journal::DEMO_SERVER_KEY)
                    })
                    .map(|t| t.session_id)
                    .collect();
            }
            Err(e) => tracing::warn!("cannot read the journal for --unrated: {e}"),
        }
    }
    let (listed, cut) = list_all(client, progress).await?;
    Ok(choose(selection, listed, &rated, cut))
}

/// The palette's history file, read on the journal's thread (in order with its writes).
async fn load_palette_history(outbox: &Outbox) -> Result<Option<Vec<String>>, String> {
    use super::palette::{HISTORY_FILE, read_history};
    outbox
        .journal()
        .call(|j| Ok(read_history(&j.path().with_file_name(HISTORY_FILE))))
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
}

/// Writes the palette's history file; a failure is logged, never fatal.
async fn save_palette_history(outbox: &Outbox, history: Vec<String>) {
    use super::palette::{HISTORY_FILE, write_history};
    let written = outbox
        .journal()
        .call(move |j| {
            Ok(write_history(
                &j.path().with_file_name(HISTORY_FILE),
                &history,
            ))
        })
        .await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!("cannot keep the palette's history: {e}"),
        Err(e) => tracing::warn!("cannot keep the palette's history: {e}"),
    }
}

/// Journal writes, done one at a time in the order update() asked for them.
enum Write {
    /// `Rate`, `SaveDraft` or `DeleteDraft`: the only effects [`Runner::run`] queues here.
    Effect(Effect),
    /// Answered once every write queued before it is done.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// The journal writer: ratings are committed before the app hears of them, drafts are
/// kept, and a flush answers when everything before it is on disk.
async fn write_journal(
    outbox: Outbox,
    actions: UnboundedSender<Action>,
    mut rx: UnboundedReceiver<Write>,
) {
    let mut next = None;
    loop {
        let write = match next.take() {
            Some(w) => w,
            None => match rx.recv().await {
                Some(w) => w,
                None => return,
            },
        };
        match write {
            Write::Effect(Effect::Rate {
                session_id,
                message_id,
                rating,
                text,
                exchange,
            }) => {
                let result = outbox
                    .rate(&session_id, &message_id, rating, text)
                    .await
                    .map_err(|e| e.to_string());
                // After the rating's own commit, so it never waits on this one.
                if result.is_ok()
                    && let Some(exchange) = exchange
                    && let Err(e) = outbox
                        .cache_exchange(&session_id, &message_id, exchange)
                        .await
                {
                    tracing::warn!(message = %message_id, "cannot keep the exchange for export: {e}");
                }
                let _ = actions.send(Action::RateRecorded {
                    session_id,
                    message_id,
                    rating,
                    result,
                });
            }
            Write::Effect(Effect::SaveDraft {
                session_id,
                message_id,
                mut draft,
            }) => {
                // Typing queues a save per key; only the newest of a run of saves of the
                // same message is worth a commit.
                while let Ok(w) = rx.try_recv() {
                    match w {
                        Write::Effect(Effect::SaveDraft {
                            session_id: s,
                            message_id: m,
                            draft: d,
                        }) if s == session_id && m == message_id => draft = d,
                        other => {
                            next = Some(other);
                            break;
                        }
                    }
                }
                if let Err(e) = outbox.save_draft(&session_id, &message_id, draft).await {
                    tracing::warn!(message = %message_id, "cannot keep the draft: {e}");
                }
            }
            Write::Effect(Effect::DeleteDraft {
                session_id,
                message_id,
            }) => {
                if let Err(e) = outbox.delete_draft(&session_id, &message_id).await {
                    tracing::warn!(message = %message_id, "cannot forget the draft: {e}");
                }
            }
            Write::Effect(Effect::SaveCorrection {
                session_id,
                message_id,
                correction,
            }) => {
                let result = corrections::record(&outbox, &session_id, &message_id, correction)
                    .await
                    .map_err(|e| e.to_string());
                let _ = actions.send(Action::CorrectionRecorded {
                    session_id,
                    message_id,
                    result,
                });
            }
            Write::Effect(Effect::Undo { redo }) => {
                let result = if redo {
                    outbox.redo().await
                } else {
                    outbox.undo().await
                };
                let result = result.map_err(|e| e.to_string());
                let _ = actions.send(Action::Undone { redo, result });
            }
            Write::Effect(Effect::CloseWindows) => {
                if let Err(e) = outbox.close_windows().await {
                    tracing::error!("cannot end the send windows: {e}");
                }
            }
            Write::Effect(Effect::SavePaletteHistory { history }) => {
                save_palette_history(&outbox, history).await;
            }
            Write::Effect(e @ (Effect::RateMany { .. } | Effect::Defer { .. })) => {
                super::bulk_effect::write(&outbox, &actions, e).await;
            }
            Write::Effect(other) => {
                tracing::error!(?other, "not a journal write; nothing done");
            }
            Write::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}

/// Runs effects as tokio tasks and sends their results to the app's action channel.
#[derive(Clone)]
pub struct Runner {
    client: Client,
    outbox: Outbox,
    actions: UnboundedSender<Action>,
    writes: UnboundedSender<Write>,
}

impl Runner {
    /// Starts the journal writer (ratings and drafts are journaled one at a time, in key
    /// order) and forwards outbox events into the action channel.
    pub fn start(
        client: Client,
        outbox: Outbox,
        outbox_events: UnboundedReceiver<OutboxEvent>,
        actions: UnboundedSender<Action>,
    ) -> Runner {
        let (writes, write_rx) = unbounded_channel::<Write>();
        tokio::spawn(write_journal(outbox.clone(), actions.clone(), write_rx));
        {
            let actions = actions.clone();
            let mut events = outbox_events;
            tokio::spawn(async move {
                while let Some(ev) = events.recv().await {
                    if actions.send(Action::Outbox(ev)).is_err() {
                        break;
                    }
                }
            });
        }
        Runner {
            client,
            outbox,
            actions,
            writes,
        }
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Waits until every rating and draft asked for so far is committed to the journal.
    pub async fn flush(&self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        if self.writes.send(Write::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }

    pub fn run(&self, effect: Effect) {
        let client = self.client.clone();
        let tx = self.actions.clone();
        match effect {
            Effect::LoadSessions {
                generation,
                from,
                limit,
            } => {
                tokio::spawn(async move {
                    let result = client
                        .list_sessions_for_list(&list_request(), limit, &from)
                        .await;
                    if let Err(e) = &result {
                        tracing::warn!(?from, "listing sessions failed: {e}");
                    }
                    let _ = tx.send(Action::SessionsLoaded {
                        generation,
                        from,
                        result,
                    });
                });
            }
            Effect::LoadHistory {
                session_id,
                generation,
                offset,
            } => {
                tokio::spawn(async move {
                    let result = client.history_page(&session_id, HISTORY_PAGE, offset).await;
                    if let Err(e) = &result {
                        tracing::warn!(session = %session_id, offset, "loading history failed: {e}");
                    }
                    let _ = tx.send(Action::HistoryLoaded {
                        session_id,
                        generation,
                        offset,
                        result,
                    });
                });
            }
            Effect::LoadKnownRatings {
                session_id,
                generation,
            } => {
                let outbox = self.outbox.clone();
                tokio::spawn(async move {
                    let result = async {
                        // A listing that fails is no worse than one not offered.
                        let listing = client.feedback_listing(&session_id).await.unwrap_or(None);
                        let journal = outbox
                            .known_ratings(&session_id)
                            .await
                            .map_err(|e| e.to_string())?;
                        let own = journal
                            .iter()
                            .map(|e| (e.target.message_id.clone(), e.made_at.clone()))
                            .collect();
                        let _ = tx.send(Action::OwnRatingsLoaded {
                            session_id: session_id.clone(),
                            generation,
                            own,
                        });
                        Ok(merge_known(listing, journal))
                    }
                    .await;
                    let _ = tx.send(Action::KnownRatingsLoaded {
                        session_id,
                        generation,
                        result,
                    });
                });
            }
            write @ (Effect::Rate { .. }
            | Effect::Undo { .. }
            | Effect::CloseWindows
            | Effect::SaveDraft { .. }
            | Effect::DeleteDraft { .. }
            | Effect::SaveCorrection { .. }
            | Effect::SavePaletteHistory { .. }
            | Effect::RateMany { .. }
            | Effect::Defer { .. }) => {
                // A rating the writer can no longer take is told to the app as not saved.
                if let Err(e) = self.writes.send(Write::Effect(write))
                    && let Write::Effect(Effect::Rate {
                        session_id,
                        message_id,
                        rating,
                        ..
                    }) = e.0
                {
                    let _ = tx.send(Action::RateRecorded {
                        session_id,
                        message_id,
                        rating,
                        result: Err("the journal writer has stopped".to_string()),
                    });
                }
            }
            Effect::LoadDeferrals => {
                let outbox = self.outbox.clone();
                tokio::spawn(super::bulk_effect::load(outbox, tx));
            }
            Effect::LoadDrafts => {
                let outbox = self.outbox.clone();
                tokio::spawn(async move {
                    let result = outbox.drafts().await.map_err(|e| e.to_string());
                    let _ = tx.send(Action::DraftsLoaded(result));
                });
            }
            Effect::LoadCorrections {
                session_id,
                generation,
            } => {
                let outbox = self.outbox.clone();
                tokio::spawn(async move {
                    let result = corrections::for_session(&outbox, &session_id)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Action::CorrectionsLoaded {
                        session_id,
                        generation,
                        result,
                    });
                });
            }
            Effect::EditCorrection {
                session_id,
                message_id,
                text,
            } => {
                // Only the loop can lend the terminal out; a runner without one says so.
                let _ = tx.send(Action::CorrectionEdited {
                    session_id,
                    message_id,
                    before: text,
                    result: Err("no terminal to run the editor in".to_string()),
                });
            }
            Effect::WakeOutbox => self.outbox.wake(),
            Effect::Search {
                query,
                offset,
                generation,
            } => {
                tokio::spawn(async move {
                    let result = client
                        .search_page(&query, crate::review::update::SEARCH_PAGE, offset)
                        .await;
                    if let Err(e) = &result {
                        tracing::warn!(offset, "searching failed: {e}");
                    }
                    let _ = tx.send(Action::SearchLoaded {
                        generation,
                        offset,
                        result,
                    });
                });
            }
            Effect::DrawBatch {
                generation,
                selection,
            } => {
                let outbox = self.outbox.clone();
                tokio::spawn(async move {
                    let result = draw_batch(&client, &outbox, &selection, |listed| {
                        let _ = tx.send(Action::BatchProgress { generation, listed });
                    })
                    .await;
                    let _ = tx.send(Action::BatchDrawn { generation, result });
                });
            }
            Effect::LoadPaletteHistory => {
                let outbox = self.outbox.clone();
                tokio::spawn(async move {
                    let result = load_palette_history(&outbox).await;
                    let _ = tx.send(Action::PaletteHistoryLoaded(result));
                });
            }
            Effect::ListForOrder { generation, known } => {
                tokio::spawn(async move {
                    let result = match super::sample::list_all(&client, |_| {}).await {
                        // Scoring and ranking 100,000 rows is CPU work: off the loop's
                        // threads, and never in update().
                        Ok((sessions, cut)) => tokio::task::spawn_blocking(move || {
                            super::order::rank_listing(sessions, &known, cut)
                        })
                        .await
                        .map_err(|e| {
                            crate::api::ApiError::Network(format!("ranking stopped: {e}"))
                        }),
                        Err(e) => Err(e),
                    };
                    if let Err(e) = &result {
                        tracing::warn!("listing every session for risk order failed: {e}");
                    }
                    let _ = tx.send(Action::OrderListed { generation, result });
                });
            }
            Effect::ProbeRisk { generation, ids } => {
                tokio::spawn(async move {
                    let found = super::sample::read_ahead(&client, ids).await;
                    let _ = tx.send(Action::RiskProbed { generation, found });
                });
            }
            Effect::LoadStats {
                generation,
                run_since,
                now,
            } => {
                let outbox = self.outbox.clone();
                tokio::spawn(async move {
                    let result = super::stats::load(&outbox, run_since, now).await;
                    let _ = tx.send(Action::StatsLoaded { generation, result });
                });
            }
            Effect::ReadGuidelines { path, known } => {
                tokio::spawn(async move {
                    let read =
                        tokio::task::spawn_blocking(move || super::guidelines::read(&path, known))
                            .await
                            .unwrap_or_else(|e| super::guidelines::Read::Changed {
                                modified: None,
                                content: super::guidelines::Content::Unreadable(e.to_string()),
                            });
                    let _ = tx.send(Action::GuidelinesRead(read));
                });
            }
            Effect::LoadCounts => {
                let outbox = self.outbox.clone();
                tokio::spawn(async move {
                    if let Ok(counts) = outbox.counts().await {
                        let _ = tx.send(Action::Outbox(OutboxEvent::Counts {
                            counts,
                            offline: false,
                        }));
                    }
                });
            }
            Effect::LoadTagCounts => {
                let outbox = self.outbox.clone();
                tokio::spawn(async move {
                    let result = outbox.tag_counts().await.map_err(|e| e.to_string());
                    if let Err(e) = &result {
                        tracing::warn!("cannot count the journal's tags: {e}");
                    }
                    let _ = tx.send(Action::TagCountsLoaded(result));
                    // Then the stats screen's latest ratings, read once now so that `S`
                    // later reads only what was recorded since.
                    if let Err(e) = outbox.journal().call(|j| j.stats_cache().map(|_| ())).await {
                        tracing::warn!("cannot read the journal's ratings for the stats: {e}");
                    }
                });
            }
        }
    }
}

#[cfg(test)]
#[path = "effect_tests.rs"]
mod tests;
