//! The tags used in the namespace, as the reviewer counts them: the journal's count read
//! at start for every session, and for a session whose ratings are loaded this run, what
//! is on screen (this reviewer's journal and everyone's ratings from the server's
//! listing, the latest of each reply), which follows every rating as it is made.

use super::{Model, Transcript};
use crate::journal::tagcounts::{SessionTags, TagCounts};
use std::collections::BTreeMap;

/// The journal's tags of this server and namespace, and whether they have been read.
#[derive(Debug, Clone, Default)]
pub struct TagTally {
    pub journal: TagCounts,
    /// The journal answered (with counts or an error).
    pub loaded: bool,
    /// Why the journal's tags could not be read (a whole sentence's end).
    pub error: Option<String>,
}

/// Per tag, how many replies of a transcript carry it; and how many carry any.
fn on_screen(t: &Transcript) -> SessionTags {
    let mut s = SessionTags::default();
    for text in t.notes.values() {
        let tags = crate::api::tags::parse(text).1;
        if tags.is_empty() {
            continue;
        }
        s.tagged += 1;
        for tag in tags {
            *s.tags.entry(tag).or_default() += 1;
        }
    }
    s
}

impl Model {
    /// Whether a session's tags are counted from its transcript rather than the journal:
    /// its known ratings are loaded (they hold the journal's and the server's), or the
    /// journal has nothing of it.
    fn counts_on_screen(&self, session_id: &str, t: &Transcript) -> bool {
        t.known_loaded || !self.tag_tally.journal.sessions.contains_key(session_id)
    }

    /// How many replies of a session carry tags, opened this run or not.
    pub fn tagged_in(&self, session_id: &str) -> usize {
        match self.transcripts.get(session_id) {
            Some(t) if self.counts_on_screen(session_id, t) => t
                .notes
                .values()
                .filter(|n| !crate::api::tags::parse(n).1.is_empty())
                .count(),
            _ => self
                .tag_tally
                .journal
                .sessions
                .get(session_id)
                .map_or(0, |s| s.tagged),
        }
    }

    /// Every tag used in the namespace with how many replies carry it: the journal's
    /// counts, with each session loaded this run counted from its transcript instead.
    pub fn namespace_tags(&self) -> BTreeMap<String, usize> {
        let journal = &self.tag_tally.journal;
        let mut counts = journal.totals.clone();
        for (id, t) in &self.transcripts {
            if !self.counts_on_screen(id, t) {
                continue;
            }
            if let Some(old) = journal.sessions.get(id) {
                for (tag, n) in &old.tags {
                    if let Some(c) = counts.get_mut(tag) {
                        *c = c.saturating_sub(*n);
                    }
                }
            }
            for (tag, n) in on_screen(t).tags {
                *counts.entry(tag).or_default() += n;
            }
        }
        // A tag whose every use was taken back is no longer in use.
        counts.retain(|_, n| *n > 0);
        counts
    }
}
