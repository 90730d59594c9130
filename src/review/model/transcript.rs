//! A session's transcript as the reviewer holds it: its messages, their receipts, the
//! reviewer's place in them, and the wrapped lines made for the screen.

use super::*;
/// What the screen shows for an assistant message's rating.
#[derive(Debug, Clone, PartialEq)]
pub enum Receipt {
    /// Key pressed; the journal write has not returned yet.
    Saving {
        rating: Rating,
        /// The entry this rating replaces, so its late reports can be told apart.
        after: Option<i64>,
    },
    /// Committed to the journal, waiting for the server.
    Queued { rating: Rating, entry: i64 },
    /// The server's answer.
    Sent {
        rating: Rating,
        stored: bool,
        entry: Option<i64>,
    },
    /// Not sent yet; the outbox tries again at `retry_at`.
    Retrying {
        rating: Rating,
        entry: i64,
        error: String,
        retry_at: DateTime<Utc>,
    },
    /// The server refused it for good.
    Failed {
        rating: Rating,
        entry: Option<i64>,
        error: String,
    },
}

impl Receipt {
    pub fn rating(&self) -> Rating {
        match self {
            Receipt::Saving { rating, .. }
            | Receipt::Queued { rating, .. }
            | Receipt::Sent { rating, .. }
            | Receipt::Retrying { rating, .. }
            | Receipt::Failed { rating, .. } => *rating,
        }
    }

    /// The journal entry this receipt is about, when known.
    pub fn entry(&self) -> Option<i64> {
        match self {
            Receipt::Saving { .. } => None,
            Receipt::Queued { entry, .. } | Receipt::Retrying { entry, .. } => Some(*entry),
            Receipt::Sent { entry, .. } | Receipt::Failed { entry, .. } => *entry,
        }
    }

    /// Counts as rated: anything but a refused rating.
    pub fn is_rating(&self) -> bool {
        !matches!(self, Receipt::Failed { .. })
    }

    /// Still on its way to the server.
    pub fn in_flight(&self) -> bool {
        matches!(
            self,
            Receipt::Saving { .. } | Receipt::Queued { .. } | Receipt::Retrying { .. }
        )
    }
}

/// The first line the transcript pane shows: line `line` of message `item` (0 is its
/// header). Kept relative to a message rather than as a line number of the whole
/// transcript, so nothing above the view has to be wrapped to know where the view is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub item: usize,
    pub line: usize,
}

/// Wrapped message bodies for one width, made only for the messages that have been on
/// screen (or scrolled past) at that width.
#[derive(Debug, Clone, Default)]
pub struct TranscriptLayout {
    /// 0 until built.
    pub width: usize,
    /// One slot per message; `None` until that message is wrapped at `width`.
    pub bodies: Vec<Option<Vec<Line<'static>>>>,
    /// How many slots hold a body (kept by `scroll`, which bounds it).
    pub wrapped: usize,
}

impl TranscriptLayout {
    /// Lines of message i, once wrapped: header, body, one blank.
    pub fn height(&self, i: usize) -> Option<usize> {
        self.body(i).map(|b| b.len() + layout::HEADER_AND_GAP)
    }

    pub fn body(&self, i: usize) -> Option<&[Line<'static>]> {
        self.bodies.get(i)?.as_deref()
    }
}

/// How a message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Assistant,
    Tool,
    System,
    Other,
}

pub fn kind_of(m: &MessageHistoryItem) -> Kind {
    if m.is_tool() || m.content_type == "tool_call" || m.content_type == "tool_result" {
        Kind::Tool
    } else if m.is_assistant() {
        Kind::Assistant
    } else if m.is_user() {
        Kind::User
    } else if m.role == "system" {
        Kind::System
    } else {
        Kind::Other
    }
}

/// One session's messages, their receipts, and the reviewer's place in them.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub session_id: String,
    pub messages: Vec<MessageHistoryItem>,
    pub kinds: Vec<Kind>,
    pub unfolded: Vec<bool>,
    /// By message id.
    pub receipts: HashMap<String, Receipt>,
    /// The note sent with each message's latest rating, by message id: shown under it.
    pub notes: HashMap<String, String>,
    /// This reviewer's latest correction of each corrected reply, by message id.
    pub corrections: HashMap<String, String>,
    /// Messages this reviewer's journal holds a rating of (a correction keeps it).
    pub rated_here: HashSet<String>,
    pub generation: u64,
    pub requested: bool,
    pub loading: bool,
    pub complete: bool,
    /// Loading stopped before the server's end, and why (a whole sentence).
    pub stopped: Option<String>,
    /// Bytes of the messages held, against the session's bound.
    pub bytes: usize,
    pub total: Option<u64>,
    pub error: Option<String>,
    pub known_loaded: bool,
    pub cursor: Option<usize>,
    /// The cursor was placed by verdict, not by the reviewer: a later load may move it.
    pub cursor_auto: bool,
    /// A rating moved the cursor on to the next unrated message (`advance_after_rating`):
    /// it is there already, so `]` takes it rather than skip past it.
    pub advanced: bool,
    pub scroll: Scroll,
    pub layout: TranscriptLayout,
    pub assistants: usize,
    pub rated: usize,
    /// Receipts still on their way to the server, and those among them waiting to retry
    /// (kept by `recount`, so the status bar and the loop's timer cost nothing per frame).
    pub in_flight: usize,
    pub retrying: usize,
    /// A message to put the cursor on once it has loaded (a search result opened).
    pub goto: Option<String>,
    /// In a queue, the replies queued in this session: only they count as unrated and
    /// in the counts (`None`: every assistant message).
    pub only: Option<HashSet<String>>,
    /// Each reviewer's judgment shown under a reply, by message id (a queue's, or in
    /// blind mode others' once this reviewer has rated).
    pub judgments: HashMap<String, Vec<crate::queue::Judgment>>,
    /// Deferred replies with their reason, by message id: passed by the walk to the next
    /// unrated reply until nothing else is unrated.
    pub deferred: HashMap<String, Option<String>>,
}

impl Transcript {
    pub fn new(session_id: &str) -> Transcript {
        Transcript {
            session_id: session_id.to_string(),
            cursor_auto: true,
            advanced: false,
            ..Default::default()
        }
    }

    pub fn is_assistant(&self, i: usize) -> bool {
        self.kinds.get(i) == Some(&Kind::Assistant)
    }

    /// The cursor can rest on assistant messages (to rate) and tool calls (to unfold).
    /// The user message an assistant message answers: the nearest one before it.
    pub fn prompt_of(&self, i: usize) -> Option<usize> {
        if !self.is_assistant(i) {
            return None;
        }
        (0..i)
            .rev()
            .find(|&j| self.kinds.get(j) == Some(&Kind::User))
    }

    pub fn selectable(&self, i: usize) -> bool {
        matches!(self.kinds.get(i), Some(Kind::Assistant | Kind::Tool))
    }

    pub fn receipt(&self, i: usize) -> Option<&Receipt> {
        self.messages
            .get(i)
            .and_then(|m| self.receipts.get(&m.message_id))
    }

    /// An assistant message nobody has rated (a refused rating counts as unrated).
    pub fn is_unrated(&self, i: usize) -> bool {
        self.is_unrated_or_deferred(i) && !self.is_deferred(i)
    }

    /// An unrated assistant message, deferred or not.
    pub fn is_unrated_or_deferred(&self, i: usize) -> bool {
        self.is_assistant(i) && self.counts(i) && !self.receipt(i).is_some_and(Receipt::is_rating)
    }

    /// Message i is deferred (`s`).
    pub fn is_deferred(&self, i: usize) -> bool {
        !self.deferred.is_empty()
            && self
                .messages
                .get(i)
                .is_some_and(|m| self.deferred.contains_key(&m.message_id))
    }

    /// Whether message i counts in the walk and the counts (see `only`).
    fn counts(&self, i: usize) -> bool {
        match (&self.only, self.messages.get(i)) {
            (Some(only), Some(m)) => only.contains(&m.message_id),
            _ => true,
        }
    }

    pub fn recount(&mut self) {
        let mut assistants = 0;
        let mut rated = 0;
        for (i, m) in self.messages.iter().enumerate() {
            if self.kinds[i] == Kind::Assistant && self.counts(i) {
                assistants += 1;
                if self
                    .receipts
                    .get(&m.message_id)
                    .is_some_and(Receipt::is_rating)
                {
                    rated += 1;
                }
            }
        }
        self.assistants = assistants;
        self.rated = rated;
        self.in_flight = self.receipts.values().filter(|r| r.in_flight()).count();
        self.retrying = self
            .receipts
            .values()
            .filter(|r| matches!(r, Receipt::Retrying { .. }))
            .count();
    }

    pub fn index_of(&self, message_id: &str) -> Option<usize> {
        self.messages
            .iter()
            .position(|m| m.message_id == message_id)
    }

    /// First unrated assistant message strictly after (or before) `from`.
    pub fn find_unrated(&self, from: Option<usize>, forward: bool) -> Option<usize> {
        let n = self.messages.len();
        if forward {
            let start = from.map_or(0, |f| f + 1);
            (start..n).find(|&i| self.is_unrated(i))
        } else {
            let end = from.unwrap_or(n).min(n);
            (0..end).rev().find(|&i| self.is_unrated(i))
        }
    }
}
