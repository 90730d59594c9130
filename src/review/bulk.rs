//! Selection and bulk state: marked replies and sessions, a range being drawn, a bulk
//! action waiting for its histories or its confirmation, its sending progress, and the
//! deferred replies. Plain data; `update/bulk.rs` and `update/defer.rs` change it.

use crate::api::model::Rating;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The longest reason typed at the defer prompt, in characters.
pub const REASON_MAX_CHARS: usize = crate::journal::defer::REASON_MAX_CHARS;

/// What a bulk action does to each reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkCommand {
    Rate(Rating),
    /// Defer with this reason (none: no reason).
    Defer(Option<String>),
}

/// A reply: (session id, message id).
pub type Reply = (String, String);

/// A range being drawn with `v`: where it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// In the open transcript, at message `index` of `session_id`.
    Replies { session_id: String, index: usize },
    /// In the sessions pane, at this position of the visible list.
    Sessions { position: usize },
}

/// Marked sessions whose histories are loading before a bulk action applies to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gather {
    pub sessions: Vec<String>,
    pub command: BulkCommand,
}

/// Ratings of one bulk action on their way: how many went out of how many.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: usize,
    pub sent: usize,
    /// Journal entries still to be sent; empty until the journal has committed them.
    pub waiting: HashSet<i64>,
    /// The journal has not answered yet.
    pub saving: bool,
    /// Entries the outbox settled before the journal's answer reached the app (it sends
    /// as soon as the commit is done).
    pub early: HashSet<i64>,
    /// A tag put on (true) or taken off every reply, when the action is a tag's.
    pub tag: Option<(String, bool)>,
}

/// The defer prompt: the reason being typed and the replies it goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferPrompt {
    pub input: String,
    pub replies: Vec<Reply>,
}

/// A bulk positive waiting for `y`: every exchange goes to memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub replies: Vec<Reply>,
    pub command: BulkCommand,
}

/// Everything about selections and bulk actions.
#[derive(Debug, Clone, Default)]
pub struct Bulk {
    /// Marked replies, in the order they were marked.
    pub marked: Vec<Reply>,
    pub marked_set: HashSet<Reply>,
    /// Marked sessions (sessions pane), by id.
    pub sessions: BTreeSet<String>,
    pub anchor: Option<Anchor>,
    pub gather: Option<Gather>,
    pub progress: Option<Progress>,
    /// Deferred replies with their reason, by session then message.
    pub deferred: HashMap<String, HashMap<String, Option<String>>>,
}

impl Bulk {
    pub fn is_marked(&self, session_id: &str, message_id: &str) -> bool {
        self.marked_set
            .contains(&(session_id.to_string(), message_id.to_string()))
    }

    pub fn mark(&mut self, r: Reply) {
        if self.marked_set.insert(r.clone()) {
            self.marked.push(r);
        }
    }

    pub fn unmark(&mut self, r: &Reply) {
        if self.marked_set.remove(r) {
            self.marked.retain(|x| x != r);
        }
    }

    /// Whether anything is marked or a range is being drawn.
    pub fn selecting(&self) -> bool {
        !self.marked.is_empty() || !self.sessions.is_empty() || self.anchor.is_some()
    }

    pub fn clear(&mut self) {
        self.marked.clear();
        self.marked_set.clear();
        self.sessions.clear();
        self.anchor = None;
    }

    /// The reason a reply is deferred with: `Some(None)` deferred without one.
    pub fn deferral(&self, session_id: &str, message_id: &str) -> Option<&Option<String>> {
        self.deferred.get(session_id)?.get(message_id)
    }
}
