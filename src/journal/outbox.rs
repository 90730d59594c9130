//! The background sender: posts pending ratings, latest per message, with backoff.

use super::{
    Counts, Draft, Entry, Exchange, JournalError, JournalHandle, RatingState, SavedDraft, Target,
};
use crate::api::model::{Rating, SubmitFeedbackRequest, SubmitFeedbackResponse};
use crate::api::{ApiError, Client};
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// What the outbox tells the app. Each carries the journal entry it is about.
#[derive(Debug, Clone)]
pub enum OutboxEvent {
    /// The server acknowledged the rating; `receipt.stored` is the memory answer.
    Sent {
        entry: Entry,
        receipt: SubmitFeedbackResponse,
    },
    /// A retryable failure (network, timeout, 408, 429, 5xx); next attempt after the delay.
    Retrying {
        entry: Entry,
        error: ApiError,
        next_attempt_in: Duration,
    },
    /// A permanent failure (other 4xx): shown, kept in the journal, not retried.
    Failed { entry: Entry, error: ApiError },
    /// Another verdict process on the same journal settled a rating made here: it sent it
    /// (`entry.state` is `Sent`, with the server's receipt in `stored` and `recorded_at`),
    /// the server refused it there (`Failed`), or a newer rating replaced it before it went
    /// out (`Superseded`; `newer` is that rating as the journal has it now).
    Settled { entry: Entry, newer: Option<Entry> },
    /// Pending/failed counts changed; `offline` is true while the server cannot be reached.
    Counts { counts: Counts, offline: bool },
}

/// How the sender paces itself. The defaults suit a reviewer; tests shrink the delays.
#[derive(Debug, Clone)]
pub struct OutboxOptions {
    /// Ratings of different messages sent at the same time.
    pub max_in_flight: usize,
    /// The first retry waits up to this long (full jitter: a random time in 0..=delay).
    pub backoff_base: Duration,
    /// The longest wait between two attempts, however many failed.
    pub backoff_cap: Duration,
    /// The longest `Retry-After` obeyed, so a broken header cannot stall the outbox for days.
    pub retry_after_cap: Duration,
}

impl Default for OutboxOptions {
    fn default() -> Self {
        OutboxOptions {
            max_in_flight: 4,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(60),
            retry_after_cap: Duration::from_secs(3600),
        }
    }
}

enum Command {
    /// A rating was recorded: look at the journal again, and watch it until it is settled.
    Rated(i64),
    /// Skip every backoff now.
    Wake,
    Shutdown,
}

/// Handle to the sender task. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    journal: JournalHandle,
    commands: UnboundedSender<Command>,
    task: Arc<tokio::sync::Mutex<Option<JoinHandle<()>>>>,
    base_url: String,
    namespace: String,
    reviewer: String,
    window: window::Window,
}

mod bulk;
mod queue;
mod settle;
mod window;

pub use bulk::BulkRate;

impl Outbox {
    /// Opens the journal at `journal_path` and starts the sender on the current tokio
    /// runtime. Pending ratings from earlier runs (same base URL + namespace) are sent first.
    pub fn start(
        journal_path: &Path,
        client: Client,
        reviewer: String,
        events: UnboundedSender<OutboxEvent>,
    ) -> Result<Outbox, JournalError> {
        Self::start_with(
            journal_path,
            client,
            reviewer,
            events,
            OutboxOptions::default(),
        )
    }

    /// [`Outbox::start`] with explicit pacing.
    pub fn start_with(
        journal_path: &Path,
        client: Client,
        reviewer: String,
        events: UnboundedSender<OutboxEvent>,
        options: OutboxOptions,
    ) -> Result<Outbox, JournalError> {
        let journal = JournalHandle::open(journal_path)?;
        Ok(Self::start_on(journal, client, reviewer, events, options))
    }

    /// Starts the sender on a journal already moved to its thread (shared with export).
    pub fn start_on(
        journal: JournalHandle,
        client: Client,
        reviewer: String,
        events: UnboundedSender<OutboxEvent>,
        options: OutboxOptions,
    ) -> Outbox {
        let base_url = super::journal_base_url(client.base_url());
        Self::start_keyed(journal, client, base_url, reviewer, events, options)
    }

    /// [`Outbox::start_on`], keeping the ratings in the journal under `server_key` instead
    /// of the client's base URL. The in-process demo server gets a new port each run; a
    /// fixed key ([`super::DEMO_SERVER_KEY`]) lets a later run send what an earlier one
    /// left pending. HTTP still goes to the client's real address.
    pub fn start_keyed(
        journal: JournalHandle,
        client: Client,
        server_key: String,
        reviewer: String,
        events: UnboundedSender<OutboxEvent>,
        options: OutboxOptions,
    ) -> Outbox {
        let base_url = server_key;
        let namespace = client.namespace().to_string();
        let (commands, rx) = tokio::sync::mpsc::unbounded_channel();
        let sender = Sender {
            journal: journal.clone(),
            client,
            events,
            options,
            base_url: base_url.clone(),
            namespace: namespace.clone(),
            retries: HashMap::new(),
            gate_until: None,
            offline: false,
            offline_failures: 0,
            last_counts: None,
            watching: HashSet::new(),
            settled_unwatched: HashSet::new(),
            last_pending: HashSet::new(),
            queue: None,
            counted_at: None,
            count_owed: None,
        };
        let task = tokio::spawn(sender.run(rx));
        Outbox {
            journal,
            commands,
            task: Arc::new(tokio::sync::Mutex::new(Some(task))),
            base_url,
            namespace,
            reviewer,
            window: window::Window::default(),
        }
    }

    /// Records a rating in the journal (committed when this returns) and queues it.
    pub async fn rate(
        &self,
        session_id: &str,
        message_id: &str,
        rating: Rating,
        text: Option<String>,
    ) -> Result<Entry, JournalError> {
        let entry = self.record(session_id, message_id, rating, text).await?;
        tracing::info!(
            id = entry.id,
            session = %entry.target.session_id,
            message = %entry.target.message_id,
            rating = %entry.rating,
            "rating recorded"
        );
        // A stopped sender leaves the row pending; the next start sends it.
        let _ = self.commands.send(Command::Rated(entry.id));
        Ok(entry)
    }

    /// The latest journal entry of each message of a session.
    pub async fn known_ratings(&self, session_id: &str) -> Result<Vec<Entry>, JournalError> {
        let (base, ns, session) = (
            self.base_url.clone(),
            self.namespace.clone(),
            session_id.to_string(),
        );
        self.journal
            .call(move |j| j.latest_for_session(&base, &ns, &session))
            .await
    }

    /// A message on this outbox's server and namespace.
    pub fn target(&self, session_id: &str, message_id: &str) -> Target {
        Target {
            base_url: self.base_url.clone(),
            namespace: self.namespace.clone(),
            session_id: session_id.to_string(),
            message_id: message_id.to_string(),
        }
    }

    /// Keeps the note being written for a message, committed before this returns.
    pub async fn save_draft(
        &self,
        session_id: &str,
        message_id: &str,
        draft: Draft,
    ) -> Result<(), JournalError> {
        let target = self.target(session_id, message_id);
        self.journal
            .call(move |j| j.save_draft(&target, &draft))
            .await
    }

    /// Keeps the exchange a rating judged, for export.
    pub async fn cache_exchange(
        &self,
        session_id: &str,
        message_id: &str,
        exchange: Exchange,
    ) -> Result<(), JournalError> {
        let target = self.target(session_id, message_id);
        self.journal
            .call(move |j| j.cache_exchange(&target, &exchange))
            .await
    }

    /// Forgets a message's draft.
    pub async fn delete_draft(
        &self,
        session_id: &str,
        message_id: &str,
    ) -> Result<(), JournalError> {
        let target = self.target(session_id, message_id);
        self.journal.call(move |j| j.delete_draft(&target)).await
    }

    /// Every draft kept for this server and namespace.
    pub async fn drafts(&self) -> Result<Vec<SavedDraft>, JournalError> {
        let (base, ns) = (self.base_url.clone(), self.namespace.clone());
        self.journal.call(move |j| j.drafts(&base, &ns)).await
    }

    /// Retry everything pending now, skipping the backoff (the `r` key).
    pub fn wake(&self) {
        let _ = self.commands.send(Command::Wake);
    }

    /// Current pending/failed counts.
    pub async fn counts(&self) -> Result<Counts, JournalError> {
        let (base, ns) = (self.base_url.clone(), self.namespace.clone());
        self.journal.call(move |j| j.counts(&base, &ns)).await
    }

    /// Who this outbox records ratings as.
    pub fn reviewer(&self) -> &str {
        &self.reviewer
    }

    /// The journal this outbox writes, for callers that read it too (export, status).
    pub fn journal(&self) -> &JournalHandle {
        &self.journal
    }

    /// Stops the sender after the request in flight, if any. Pending rows stay in the journal.
    pub async fn shutdown(&self) {
        let _ = self.commands.send(Command::Shutdown);
        let task = self.task.lock().await.take();
        if let Some(task) = task
            && let Err(e) = task.await
        {
            tracing::error!("the outbox sender ended abnormally: {e}");
        }
    }
}

/// The most ratings remembered as settled before their `Rated` command came (ratings
/// left pending by an earlier run never get one).
const SETTLED_UNWATCHED_MAX: usize = 100_000;

/// Which message, for keeping one message's ratings strictly in order.
type MessageKey = (String, String);

fn key_of(entry: &Entry) -> MessageKey {
    (
        entry.target.session_id.clone(),
        entry.target.message_id.clone(),
    )
}

/// Pending ratings below which they are counted after every answer (see `emit_counts`).
const COUNT_EXACT_BELOW: usize = 256;
/// How often they are counted when there are more.
const COUNT_EVERY: Duration = Duration::from_millis(100);

/// How often the journal is read again while a rating made here is unsettled: another
/// process may send it without a word to this one.
const WATCH_POLL: Duration = Duration::from_millis(250);

/// What one send came to; `None` when the rating was superseded before it went out.
type Sent = Option<Result<SubmitFeedbackResponse, ApiError>>;

type Sending = Pin<Box<dyn Future<Output = (Entry, Sent)> + Send>>;

/// Backoff of one entry during this run.
struct Retry {
    attempt: u32,
    next_at: Instant,
}

struct Sender {
    journal: JournalHandle,
    client: Client,
    events: UnboundedSender<OutboxEvent>,
    options: OutboxOptions,
    base_url: String,
    namespace: String,
    retries: HashMap<i64, Retry>,
    /// Nothing is sent before this: the server asked for a pause (Retry-After) or is unreachable.
    gate_until: Option<Instant>,
    offline: bool,
    offline_failures: u32,
    last_counts: Option<(Counts, bool)>,
    /// Ratings made through this outbox and not yet settled: another process on the same
    /// journal may send or replace them, and whoever made them must hear of it.
    watching: HashSet<i64>,
    /// Ratings this outbox settled before their `Rated` command reached it (a bulk action
    /// queues hundreds at once): not watched when the command comes, so they are not
    /// mistaken for ratings another process settled.
    settled_unwatched: HashSet<i64>,
    /// The pending entries the last look at the journal found.
    last_pending: HashSet<i64>,
    /// Those not yet started, kept between sends (see `queue`).
    queue: Option<queue::Queue>,
    /// When the journal's counts were last read, and when a count skipped since is due.
    counted_at: Option<Instant>,
    count_owed: Option<Instant>,
}

impl Sender {
    async fn run(mut self, mut commands: UnboundedReceiver<Command>) {
        // A refused key is no fault of the ratings: this run may have the right one.
        let (base, ns) = (self.base_url.clone(), self.namespace.clone());
        match self
            .journal
            .call(move |j| j.requeue_refused_key(&base, &ns))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(n, "ratings refused for the API key are queued again"),
            Err(e) => tracing::error!("cannot queue ratings refused for the key again: {e}"),
        }
        let mut in_flight: FuturesUnordered<Sending> = FuturesUnordered::new();
        let mut busy: HashSet<MessageKey> = HashSet::new();
        let mut stopping = false;
        loop {
            let mut deadline = None;
            let mut read = false;
            if !stopping {
                match self.start_due(&mut in_flight, &mut busy, &mut read).await {
                    Ok(d) => deadline = d,
                    Err(JournalError::Closed) => stopping = true,
                    Err(e) => {
                        // A locked or full disk: look again shortly rather than give up.
                        tracing::error!("the outbox cannot read the journal: {e}");
                        deadline = Some(
                            Instant::now() + self.options.backoff_cap.min(Duration::from_secs(5)),
                        );
                    }
                }
            }
            // Only a new look at the journal can show a watched rating gone.
            if read && !self.watching.is_empty() {
                self.check_watched().await;
                // Another process settles a rating without telling this one: look again soon.
                if !self.watching.is_empty() && !stopping {
                    let soon = Instant::now() + WATCH_POLL;
                    deadline = Some(deadline.map_or(soon, |d: Instant| d.min(soon)));
                }
            }
            self.emit_counts().await;
            if stopping && in_flight.is_empty() {
                return;
            }
            tokio::select! {
                Some(first) = in_flight.next(), if !in_flight.is_empty() => {
                    // The answers already in are recorded with this one, in one commit.
                    let mut done = Vec::new();
                    let mut next = Some(first);
                    while let Some((entry, sent)) = next {
                        busy.remove(&key_of(&entry));
                        if let Some(result) = sent {
                            if result.is_err() {
                                // Back in line, at its retry time: read it again.
                                self.queue = None;
                            }
                            done.push((entry, result));
                        }
                        next = in_flight.next().now_or_never().flatten();
                    }
                    self.settle_all(done).await;
                }
                command = commands.recv(), if !stopping => {
                    // A rating, a window closed, an undo: the journal changed here. The
                    // commands already waiting are taken too (a bulk action sends one per
                    // rating), so the journal is read once for all of them.
                    self.queue = None;
                    let mut next = command;
                    loop {
                        match next {
                            Some(Command::Rated(id)) => {
                                if !self.settled_unwatched.remove(&id) {
                                    self.watching.insert(id);
                                }
                            }
                            Some(Command::Wake) => {
                                self.gate_until = None;
                                self.offline_failures = 0;
                                self.retries.clear();
                            }
                            Some(Command::Shutdown) | None => {
                                stopping = true;
                                break;
                            }
                        }
                        match commands.try_recv() {
                            Ok(c) => next = Some(c),
                            Err(_) => break,
                        }
                    }
                }
                // Only wakes the loop, which counts at its top.
                _ = sleep_until(self.count_owed), if self.count_owed.is_some() => {}
                _ = sleep_until(deadline), if deadline.is_some() && !stopping => {
                    // A window or a retry fell due, or another process may have written.
                    self.queue = None;
                }
            }
        }
    }

    /// Tells of every watched rating that is no longer pending although this outbox did
    /// not settle it: another verdict process on the journal did.
    async fn check_watched(&mut self) {
        let gone: Vec<i64> = self
            .watching
            .iter()
            .copied()
            .filter(|id| !self.last_pending.contains(id))
            .collect();
        for id in gone {
            let current = match self.journal.call(move |j| j.entry(id)).await {
                Ok(Some(current)) => current,
                Ok(None) => {
                    self.watching.remove(&id);
                    continue;
                }
                Err(e) => {
                    tracing::error!(id, "cannot read a rating back: {e}");
                    return;
                }
            };
            let newer = match current.state {
                RatingState::Pending => continue,
                RatingState::Sent | RatingState::Failed => None,
                RatingState::Superseded => {
                    let (base, ns) = (self.base_url.clone(), self.namespace.clone());
                    let session = current.target.session_id.clone();
                    let message = current.target.message_id.clone();
                    match self
                        .journal
                        .call(move |j| j.latest_for_session(&base, &ns, &session))
                        .await
                    {
                        Ok(latest) => latest
                            .into_iter()
                            .find(|e| e.target.message_id == message && e.id != id),
                        Err(_) => None,
                    }
                }
            };
            self.watching.remove(&id);
            // Replaced by a rating this outbox made itself: that one speaks for the message.
            if newer
                .as_ref()
                .is_some_and(|n| self.watching.contains(&n.id))
            {
                continue;
            }
            tracing::info!(id, state = ?current.state, "rating settled by another verdict process");
            self.emit(OutboxEvent::Settled {
                entry: current,
                newer,
            });
        }
    }

    fn raise_gate(&mut self, until: Instant) {
        self.gate_until = Some(self.gate_until.map_or(until, |g| g.max(until)));
    }

    /// Exponential backoff with full jitter: a random wait in 0..=min(cap, base * 2^(n-1)).
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let ceiling = self
            .options
            .backoff_base
            .saturating_mul(1u32 << exp)
            .min(self.options.backoff_cap);
        full_jitter(ceiling)
    }

    /// Tells the app how many ratings are pending and failed, when that changed. Counting
    /// reads every pending rating's index entry: below [`COUNT_EXACT_BELOW`] it is done
    /// after every answer, above it (a bulk action sending) at most every
    /// [`COUNT_EVERY`], the last count owed made by the loop's timer.
    async fn emit_counts(&mut self) {
        let now = Instant::now();
        let many = self
            .last_counts
            .is_some_and(|(c, offline)| c.pending >= COUNT_EXACT_BELOW && offline == self.offline);
        if many
            && let Some(at) = self.counted_at
            && now.duration_since(at) < COUNT_EVERY
        {
            self.count_owed = Some(at + COUNT_EVERY);
            return;
        }
        self.count_owed = None;
        self.counted_at = Some(now);
        let (base, ns) = (self.base_url.clone(), self.namespace.clone());
        let counts = match self.journal.call(move |j| j.counts(&base, &ns)).await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("cannot count pending ratings: {e}");
                return;
            }
        };
        let now = (counts, self.offline);
        if self.last_counts != Some(now) {
            self.last_counts = Some(now);
            self.emit(OutboxEvent::Counts {
                counts,
                offline: self.offline,
            });
        }
    }

    fn emit(&self, event: OutboxEvent) {
        // The app may have stopped listening; the journal still holds the truth.
        let _ = self.events.send(event);
    }
}

/// Posts one rating, unless a newer one replaced it since it was picked: the pick and the
/// post are apart by a scheduling gap, and only the newest rating should reach the server.
async fn send(journal: JournalHandle, client: Client, entry: Entry) -> (Entry, Sent) {
    let id = entry.id;
    match journal.call(move |j| j.entry(id)).await {
        Ok(Some(current)) if current.state != RatingState::Pending => return (entry, None),
        // Gone: withdrawn (undo inside its send window), since it was picked.
        Ok(None) => return (entry, None),
        // Unreadable: sending is the safe side, the server keeps the latest rating anyway.
        Ok(Some(_)) | Err(_) => {}
    }
    let request = SubmitFeedbackRequest {
        message_id: entry.target.message_id.clone(),
        rating: entry.rating,
        feedback_text: entry.text.clone(),
    };
    let result = client
        .submit_feedback(&entry.target.session_id, &request)
        .await
        .and_then(|receipt| {
            // A receipt for another message or rating (a confused proxy or server)
            // confirms nothing: the rating stays pending and goes again.
            if receipt.message_id != request.message_id || receipt.rating != request.rating {
                Err(ApiError::Decode(format!(
                    "the server answered with a receipt for {} {} instead of {} {}",
                    receipt.rating, receipt.message_id, request.rating, request.message_id
                )))
            } else {
                Ok(receipt)
            }
        });
    (entry, Some(result))
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// A uniformly random duration in 0..=ceiling.
fn full_jitter(ceiling: Duration) -> Duration {
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    match getrandom::u64() {
        Ok(r) => Duration::from_nanos(r % (nanos.saturating_add(1)).max(1)),
        // No entropy source: the midpoint still backs off, only without spreading clients.
        Err(_) => Duration::from_nanos(nanos / 2),
    }
}

/// The journal's record of an error is worded with the rest of the API's sentences.
pub use crate::api::wording::describe;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_the_ceiling() {
        let ceiling = Duration::from_millis(40);
        for _ in 0..200 {
            assert!(full_jitter(ceiling) <= ceiling);
        }
        assert_eq!(full_jitter(Duration::ZERO), Duration::ZERO);
        // 200 draws all equal would mean the randomness is missing.
        let draws: HashSet<Duration> = (0..200).map(|_| full_jitter(ceiling)).collect();
        assert!(draws.len() > 10);
    }

    #[test]
    fn describe_keeps_status_and_server_message() {
        let e = crate::api::error::error_from_body(
            reqwest::StatusCode::NOT_FOUND,
            br#"{"success":false,"status":404,"error":{"type":"NotFoundError","message":"Session not found"}}"#,
            None,
        );
        assert_eq!(describe(&e), "404 NotFoundError: Session not found");
        assert_eq!(
            describe(&ApiError::Timeout),
            "the server did not answer in time"
        );
    }
}
