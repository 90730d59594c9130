//! The sender's line of pending ratings, kept between sends.
//!
//! Reading every pending rating from the journal after each send made a bulk action of
//! N ratings cost N² rows read: 10,000 ratings went out at ten a second. The line is
//! read once and then taken from until something may have changed it: a command from
//! this process (a rating, an undo, a window closed: each drops the line), a failed send
//! (it goes back in line at its retry time), a timer, or [`FRESH`] passing (another
//! process on the same journal writes without a word to this one). A rating withdrawn
//! after it was read is caught by `send`, which reads its row once more before posting.

use super::{Entry, MessageKey, Sender, Sending, key_of, send, window};
use crate::api::ApiError;
use crate::journal::JournalError;
use futures_util::stream::FuturesUnordered;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use tokio::time::Instant;

/// How long a line read from the journal is taken from before it is read again.
pub(super) const FRESH: Duration = Duration::from_secs(1);

/// The pending ratings not yet started, oldest first, and their send windows.
pub(super) struct Queue {
    entries: BTreeMap<i64, Entry>,
    windows: HashMap<i64, String>,
    read_at: Instant,
}

impl Sender {
    /// Starts sending every due entry the limits allow; returns when the next one falls
    /// due. `read`: set when the journal was read for it.
    pub(super) async fn start_due(
        &mut self,
        in_flight: &mut FuturesUnordered<Sending>,
        busy: &mut HashSet<MessageKey>,
        read: &mut bool,
    ) -> Result<Option<Instant>, JournalError> {
        let now = Instant::now();
        let fresh = self
            .queue
            .as_ref()
            .is_some_and(|q| !q.entries.is_empty() && now.duration_since(q.read_at) < FRESH);
        if !fresh {
            self.queue = Some(self.read_queue().await?);
            *read = true;
        }
        let Some(queue) = self.queue.as_mut() else {
            return Ok(None);
        };
        // While the server is unreachable one probe at a time is enough to notice it is back.
        let limit = if self.offline {
            1
        } else {
            self.options.max_in_flight.max(1)
        };
        let mut next_due: Option<Instant> = None;
        let mut started = Vec::new();
        for entry in queue.entries.values() {
            let key = key_of(entry);
            if busy.contains(&key) {
                continue;
            }
            let own = self.retries.get(&entry.id).map(|r| r.next_at);
            let own = window::later(own, window::due_at(&queue.windows, entry.id, now));
            let due = match (own, self.gate_until) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            if let Some(due) = due
                && due > now
            {
                next_due = Some(next_due.map_or(due, |d: Instant| d.min(due)));
                continue;
            }
            if in_flight.len() + started.len() >= limit {
                break;
            }
            busy.insert(key);
            started.push(entry.id);
        }
        for id in started {
            let Some(entry) = queue.entries.remove(&id) else {
                continue;
            };
            // A task of its own, so the request goes out now, not when this loop is next
            // free to poll it.
            let task = tokio::spawn(send(
                self.journal.clone(),
                self.client.clone(),
                entry.clone(),
            ));
            in_flight.push(Box::pin(async move {
                match task.await {
                    Ok(done) => done,
                    Err(e) => (
                        entry,
                        Some(Err(ApiError::Network(format!("the send task failed: {e}")))),
                    ),
                }
            }));
        }
        Ok(next_due)
    }

    /// Every pending rating of this server and namespace, the newest of each message.
    async fn read_queue(&mut self) -> Result<Queue, JournalError> {
        let (base, ns) = (self.base_url.clone(), self.namespace.clone());
        let (pending, windows) = self
            .journal
            .call(move |j| Ok((j.pending(&base, &ns)?, j.send_after(&base, &ns)?)))
            .await?;
        let ids: HashSet<i64> = pending.iter().map(|e| e.id).collect();
        self.retries.retain(|id, _| ids.contains(id));
        self.last_pending = ids;
        // Only the newest pending rating of a message is worth sending. record() keeps one
        // per message; this guards rows written some other way.
        let mut newest: HashMap<MessageKey, Entry> = HashMap::new();
        for entry in pending {
            newest.insert(key_of(&entry), entry);
        }
        Ok(Queue {
            entries: newest.into_values().map(|e| (e.id, e)).collect(),
            windows,
            read_at: Instant::now(),
        })
    }
}
