//! What the reviewer is limited to, as plain data: a sample batch or an adjudication
//! queue, and in blind mode the judgments of others held back until this reviewer rates.

use super::model::{Model, Receipt};
use super::sample::Selection;
use crate::api::model::Rating;
use crate::queue::{Judgment, QueueItem};
use std::collections::{HashMap, HashSet};

/// What a batch is.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchKind {
    /// `--sample N --seed S`.
    Sample { n: usize, seed: u64 },
    /// `--queue FILE`: the replies to adjudicate, with each reviewer's judgment.
    Queue {
        /// (session, message), in the queue's order.
        replies: Vec<(String, String)>,
        judgments: HashMap<(String, String), Vec<Judgment>>,
        /// When the queue was written: a rating of this reviewer's from before counts
        /// as a judgment, not as the adjudication.
        created_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// The batch the session list is limited to.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub kind: BatchKind,
    pub selection: Selection,
    /// The batch is being read from the server; sessions read so far.
    pub drawing: Option<usize>,
    /// Its sessions once drawn, in batch order.
    pub sessions: Vec<String>,
    /// Sessions read from the server, and those that passed the filters.
    pub listed: usize,
    pub candidates: usize,
    pub cut: bool,
    /// The "batch done" notice was shown.
    pub done_said: bool,
    /// Queue items for another server or namespace, left out.
    pub left_out: usize,
}

impl Batch {
    pub fn sample(n: usize, seed: u64, selection: Selection) -> Batch {
        Batch::new(BatchKind::Sample { n, seed }, selection)
    }

    /// A queue's batch: its sessions in the order their first reply appears.
    pub fn queue(
        items: Vec<QueueItem>,
        created_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Batch {
        let mut replies = Vec::with_capacity(items.len());
        let mut judgments = HashMap::with_capacity(items.len());
        let mut sessions = Vec::new();
        let mut seen = HashSet::new();
        for it in items {
            if seen.insert(it.session_id.clone()) {
                sessions.push(it.session_id.clone());
            }
            let key = (it.session_id, it.message_id);
            if !judgments.contains_key(&key) {
                replies.push(key.clone());
            }
            judgments.insert(key, it.judgments);
        }
        Batch::new(
            BatchKind::Queue {
                replies,
                judgments,
                created_at,
            },
            Selection::Sessions(sessions),
        )
    }

    fn new(kind: BatchKind, selection: Selection) -> Batch {
        Batch {
            kind,
            selection,
            drawing: Some(0),
            sessions: Vec::new(),
            listed: 0,
            candidates: 0,
            cut: false,
            done_said: false,
            left_out: 0,
        }
    }

    pub fn is_queue(&self) -> bool {
        matches!(self.kind, BatchKind::Queue { .. })
    }

    /// The queued replies of a session, if this is a queue.
    pub fn queued_in(&self, session_id: &str) -> Option<HashSet<String>> {
        match &self.kind {
            BatchKind::Queue { replies, .. } => Some(
                replies
                    .iter()
                    .filter(|(s, _)| s == session_id)
                    .map(|(_, m)| m.clone())
                    .collect(),
            ),
            BatchKind::Sample { .. } => None,
        }
    }
}

/// How far a batch is: (done, of). A sample counts sessions in which every reply is
/// rated; a queue counts its replies rated by this reviewer since it was opened.
pub fn progress(m: &Model) -> Option<(usize, usize)> {
    let b = m.batch.as_ref()?;
    if b.drawing.is_some() {
        return None;
    }
    match &b.kind {
        BatchKind::Sample { .. } => {
            let done = b
                .sessions
                .iter()
                .filter(|id| {
                    m.sessions.row(id).is_some_and(|row| {
                        m.review_counts(row)
                            .is_some_and(|(rated, total)| rated >= total)
                    })
                })
                .count();
            Some((done, b.sessions.len()))
        }
        BatchKind::Queue { replies, .. } => {
            let done = replies
                .iter()
                .filter(|(s, msg)| {
                    m.transcripts
                        .get(s)
                        .and_then(|t| t.receipts.get(msg))
                        .is_some_and(Receipt::is_rating)
                })
                .count();
            Some((done, replies.len()))
        }
    }
}

/// This run's ratings in a batch's sessions (or of a queue's replies): (positive, negative).
pub fn rated_counts(m: &Model) -> (usize, usize) {
    let Some(b) = &m.batch else {
        return (0, 0);
    };
    let sessions: HashSet<&str> = b.sessions.iter().map(String::as_str).collect();
    let mut pos = 0;
    let mut neg = 0;
    for ((s, msg), r) in &m.this_run {
        let counts = match &b.kind {
            BatchKind::Sample { .. } => sessions.contains(s.as_str()),
            BatchKind::Queue { judgments, .. } => judgments.contains_key(&(s.clone(), msg.clone())),
        };
        if counts {
            match r {
                Rating::Positive => pos += 1,
                Rating::Negative => neg += 1,
            }
        }
    }
    (pos, neg)
}

/// Blind review and the queue's hiding: judgments of others kept off screen, and which
/// replies this reviewer's journal holds a rating of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Others {
    /// `review.blind` or `--blind`.
    pub blind: bool,
    /// By session: message id -> when this reviewer's latest journal entry was made.
    pub own: HashMap<String, HashMap<String, String>>,
    /// By session, then message: what others said, shown once this reviewer has rated it.
    pub hidden: HashMap<String, HashMap<String, Vec<Judgment>>>,
}

/// Whose name a rating from the server's listing goes by: the listing names nobody.
pub const FROM_SERVER: &str = "on the server";

/// What the status bar says of the batch and the mode: `seed 8213 · batch 12/50 · blind`.
pub fn status_label(m: &Model, dot: &str) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(b) = &m.batch {
        let name = if b.is_queue() { "queue" } else { "batch" };
        if let BatchKind::Sample { seed, .. } = b.kind {
            parts.push(format!("seed {seed}"));
        }
        match progress(m) {
            Some((done, of)) => parts.push(format!("{name} {done}/{of}")),
            None => parts.push(format!("{name} drawing")),
        }
    }
    if m.others.blind {
        parts.push("blind".to_string());
    }
    (!parts.is_empty()).then(|| parts.join(&format!(" {dot} ")))
}

/// 1234567 as "1,234,567".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
