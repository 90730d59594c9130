//! Every tag this journal has seen in a namespace, counted per session: the latest rating
//! of each message (on one server and namespace), its tags read back from its text with
//! [`crate::api::tags::parse`]; only ratings whose text holds a tag line are read, through
//! a partial index. The reviewer reads it once at start, for the tag picker's
//! list and counts and for the "N tagged" of sessions it has not opened.

use super::outbox::Outbox;
use super::{Journal, JournalError};
use crate::api::tags;
use rusqlite::{Connection, params};
use std::collections::{BTreeMap, HashMap};

/// The most distinct tag names kept; a journal with more keeps the first ones met and
/// says so ([`TagCounts::cut`]). Far above any taxonomy a reviewer could read.
pub const TAG_NAMES_MAX: usize = 2_000;

/// The tags of one session's replies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionTags {
    /// How many of its replies' latest ratings carry at least one tag.
    pub tagged: usize,
    /// Per tag, how many of its replies carry it.
    pub tags: BTreeMap<String, usize>,
}

/// The tags of a namespace, per session and in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagCounts {
    /// Only sessions with at least one tagged reply.
    pub sessions: HashMap<String, SessionTags>,
    /// Per tag, how many replies of the namespace carry it.
    pub totals: BTreeMap<String, usize>,
    /// More than [`TAG_NAMES_MAX`] distinct names: the later ones were not counted.
    pub cut: bool,
}

impl TagCounts {
    /// Counts the tags of one message's latest rating text.
    pub fn add(&mut self, session_id: &str, text: Option<&str>) {
        // Most ratings carry no tag line: skip parsing (and copying the note) for them.
        let Some(text) = text.filter(|t| t.contains(tags::PREFIX)) else {
            return;
        };
        let found = tags::parse(text).1;
        if found.is_empty() {
            return;
        }
        let mut kept = Vec::with_capacity(found.len());
        for tag in found {
            if self.totals.contains_key(&tag) || self.totals.len() < TAG_NAMES_MAX {
                *self.totals.entry(tag.clone()).or_default() += 1;
                kept.push(tag);
            } else {
                self.cut = true;
            }
        }
        if kept.is_empty() {
            return;
        }
        let s = self.sessions.entry(session_id.to_string()).or_default();
        s.tagged += 1;
        for tag in kept {
            *s.tags.entry(tag).or_default() += 1;
        }
    }
}

/// Migration 4 -> 5: the ratings whose text holds a tag line, indexed by message, so the
/// count reads those alone (a third of 100,000 ratings in the benchmark; the half of the
/// time spent on the others is gone).
pub(super) const MIGRATION: &str =
    "CREATE INDEX IF NOT EXISTS ratings_tagged ON ratings (base_url, namespace, session_id, message_id, id)
        WHERE instr(text, 'tags:') > 0;";

/// The query, in words: the ratings with a tag line that no newer rating of the same
/// message replaced. Its `instr` term is the index's own, word for word (a bound
/// parameter would not let SQLite use the partial index).
const TAGGED_LATEST: &str = "SELECT session_id, text FROM ratings r
     WHERE base_url = ?1 AND namespace = ?2 AND instr(text, 'tags:') > 0
       AND NOT EXISTS (SELECT 1 FROM ratings n
                       WHERE n.base_url = r.base_url AND n.namespace = r.namespace
                         AND n.session_id = r.session_id
                         AND n.message_id = r.message_id AND n.id > r.id)";

/// Counts the tags of the latest rating of every message of `base_url` + `namespace`.
pub(super) fn tag_counts(
    conn: &Connection,
    base_url: &str,
    namespace: &str,
) -> rusqlite::Result<TagCounts> {
    let mut stmt = conn.prepare_cached(TAGGED_LATEST)?;
    let mut rows = stmt.query(params![base_url, namespace])?;
    let mut counts = TagCounts::default();
    while let Some(row) = rows.next()? {
        let session: rusqlite::types::ValueRef<'_> = row.get_ref(0)?;
        let text: rusqlite::types::ValueRef<'_> = row.get_ref(1)?;
        let (Ok(session), Ok(text)) = (session.as_str(), text.as_str()) else {
            continue;
        };
        counts.add(session, Some(text));
    }
    Ok(counts)
}

impl Journal {
    /// The tags of `base_url` + `namespace`: each message's latest rating, counted per
    /// session and in all.
    pub fn tag_counts(&self, base_url: &str, namespace: &str) -> Result<TagCounts, JournalError> {
        tag_counts(&self.conn, base_url, namespace).map_err(|e| self.database_error(e))
    }
}

impl Outbox {
    /// [`Journal::tag_counts`] for this outbox's server and namespace, on the journal's
    /// thread.
    pub async fn tag_counts(&self) -> Result<TagCounts, JournalError> {
        // The outbox's own key of its server (the demo's is not its URL) and namespace.
        let scope = self.target("", "");
        self.journal()
            .call(move |j| j.tag_counts(&scope.base_url, &scope.namespace))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::Rating;
    use crate::journal::Target;

    fn at(session: &str, message: &str) -> Target {
        Target {
            base_url: "http://127.0.0.1:1".into(),
            namespace: "ns".into(),
            session_id: session.into(),
            message_id: message.into(),
        }
    }

    #[test]
    fn the_latest_rating_of_each_message_counts_per_session_and_in_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("journal.db")).unwrap();
        let neg = Rating::Negative;
        j.record(&at("s1", "m1"), neg, Some("tags: #tone"), "ann")
            .unwrap();
        // Re-rated: only the latest text counts (tone is gone from m1).
        j.record(
            &at("s1", "m1"),
            neg,
            Some("made up\ntags: #hallucination #verbose"),
            "ann",
        )
        .unwrap();
        j.record(&at("s1", "m2"), neg, Some("tags: #hallucination"), "ann")
            .unwrap();
        j.record(&at("s2", "m3"), Rating::Positive, Some("fine"), "ann")
            .unwrap();
        j.record(&at("s3", "m4"), neg, Some("tags: #slow_tool"), "bob")
            .unwrap();
        // Another namespace is not counted.
        let mut other = at("s9", "m9");
        other.namespace = "elsewhere".into();
        j.record(&other, neg, Some("tags: #tone"), "ann").unwrap();

        let c = j.tag_counts("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(c.totals.get("hallucination"), Some(&2));
        assert_eq!(c.totals.get("verbose"), Some(&1));
        assert_eq!(c.totals.get("slow_tool"), Some(&1));
        assert_eq!(c.totals.get("tone"), None, "superseded and foreign tags");
        assert_eq!(c.sessions["s1"].tagged, 2);
        assert_eq!(c.sessions["s1"].tags["hallucination"], 2);
        assert_eq!(c.sessions["s3"].tagged, 1);
        assert!(
            !c.sessions.contains_key("s2"),
            "untagged sessions are left out"
        );
        assert!(!c.cut);
    }

    #[test]
    fn a_version_4_journal_gains_the_index_and_the_count_reads_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        {
            let mut j = Journal::open(&path).unwrap();
            j.record(
                &at("s1", "m1"),
                Rating::Negative,
                Some("tags: #tone"),
                "ann",
            )
            .unwrap();
            j.conn
                .execute_batch(
                    "DROP TRIGGER ratings_replace; DROP TRIGGER ratings_unreplace;
                     DROP INDEX ratings_latest_by_made_at; ALTER TABLE ratings DROP COLUMN replaced;
                     DROP TABLE undo_deferrals; DROP TABLE deferrals;
                     DROP INDEX ratings_tagged; PRAGMA user_version = 4;",
                )
                .unwrap();
        }
        let j = Journal::open(&path).unwrap();
        assert_eq!(
            j.tag_counts("http://127.0.0.1:1", "ns").unwrap().totals["tone"],
            1,
            "ratings from before the index are counted"
        );
        let plan: Vec<String> = j
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {TAGGED_LATEST}"))
            .unwrap()
            .query_map(params!["http://127.0.0.1:1", "ns"], |r| {
                r.get::<_, String>(3)
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|p| p.contains("USING INDEX ratings_tagged")),
            "{plan:?}"
        );
    }

    #[test]
    fn past_the_bound_new_names_are_not_kept_and_it_says_so() {
        let mut c = TagCounts::default();
        for i in 0..TAG_NAMES_MAX + 5 {
            c.add("s", Some(&format!("tags: #t{i}")));
        }
        c.add("s", Some("tags: #t0"));
        assert_eq!(c.totals.len(), TAG_NAMES_MAX);
        assert_eq!(c.totals["t0"], 2);
        assert!(c.cut);
        assert_eq!(c.sessions["s"].tagged, TAG_NAMES_MAX + 1);
    }
}
