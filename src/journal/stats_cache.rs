//! The stats screen's memory of the journal: the latest rating of every message, kept
//! on the journal's thread between two openings of the screen, so that opening it
//! reads only the ratings recorded since the last time.
//!
//! Why this is right: a rating row never changes what the numbers read (its message,
//! rating, text, reviewer and time are written once; amending a rating inside its send
//! window writes a new row), ids only grow (`AUTOINCREMENT` never reuses one), and the
//! only way a row goes is a delete (undo inside the send window). So the rows up to the
//! last id read are the same as last time exactly when their count is, and the rows
//! after it are new. When the count differs, another writer deleted a rating (this
//! thread or another verdict on the same journal), and the whole table is read again.

use super::stats::{Parts, Scope, Summary, parse_micros};
use super::{Journal, JournalError};
use rusqlite::{Connection, Row};
use std::collections::HashMap;

/// Names met more than once (servers and namespaces, sessions, reviewers, tags), kept
/// once and counted by index.
#[derive(Debug, Default)]
struct Names {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    fn len(&self) -> usize {
        self.names.len()
    }

    fn name(&self, i: usize) -> &str {
        self.names.get(i).map_or("", String::as_str)
    }
}

/// The latest rating of one message, by the indexes of its names.
#[derive(Debug)]
struct Latest {
    target: u32,
    session: u32,
    reviewer: u32,
    negative: bool,
    tags: Box<[u32]>,
    /// When the key was pressed: microseconds since the Unix epoch.
    at: i64,
}

/// The latest rating of each message, as of the last read.
#[derive(Debug, Default)]
pub struct Cache {
    /// The highest rating id read.
    last_id: i64,
    /// How many rows the table held, all with ids up to `last_id`.
    rows: i64,
    /// Each server and namespace seen (a few: found by comparing).
    targets: Vec<(String, String)>,
    sessions: Names,
    reviewers: Names,
    tags: Names,
    /// Where each message's latest rating is in `latest`: by (target, session, message id).
    by_message: HashMap<(u32, u32, Box<str>), usize>,
    latest: Vec<Latest>,
}

/// How a refresh went (benchmarks and tests tell a full read from a short one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// The whole table was read.
    Full,
    /// Only the rows newer than the last read (`n` of them).
    Since(usize),
}

const COLUMNS: &str =
    "SELECT id, base_url, namespace, session_id, message_id, rating, text, reviewer, made_at
     FROM ratings";

impl Cache {
    /// Brings the cache up to date with the journal, in one read transaction.
    fn refresh(&mut self, conn: &Connection) -> rusqlite::Result<Refresh> {
        let tx = conn.unchecked_transaction()?;
        let rows: i64 = tx.query_row("SELECT count(*) FROM ratings", [], |r| r.get(0))?;
        let newer: i64 = tx.query_row(
            "SELECT count(*) FROM ratings WHERE id > ?1",
            [self.last_id],
            |r| r.get(0),
        )?;
        let how = if self.last_id > 0 && rows - newer == self.rows {
            let mut stmt = tx.prepare_cached(&format!("{COLUMNS} WHERE id > ?1 ORDER BY id"))?;
            let mut q = stmt.query([self.last_id])?;
            while let Some(row) = q.next()? {
                self.file(row)?;
            }
            Refresh::Since(newer as usize)
        } else {
            // A first read, or a rating deleted since the last: read every latest rating.
            *self = Cache::default();
            let mut stmt = tx.prepare_cached(&format!(
                "{COLUMNS} NOT INDEXED WHERE replaced = 0 ORDER BY id"
            ))?;
            let mut q = stmt.query([])?;
            while let Some(row) = q.next()? {
                self.file(row)?;
            }
            Refresh::Full
        };
        tx.finish()?;
        self.rows = rows;
        Ok(how)
    }

    /// Files one rating row (in id order): it is its message's latest from now on.
    fn file(&mut self, row: &Row<'_>) -> rusqlite::Result<()> {
        let text = |i: usize| -> rusqlite::Result<&str> {
            Ok(row.get_ref(i)?.as_str().unwrap_or_default())
        };
        let id: i64 = row.get(0)?;
        self.last_id = self.last_id.max(id);
        let (base_url, namespace) = (text(1)?, text(2)?);
        let target = match self
            .targets
            .iter()
            .position(|(b, n)| b == base_url && n == namespace)
        {
            Some(t) => t as u32,
            None => {
                self.targets
                    .push((base_url.to_string(), namespace.to_string()));
                self.targets.len() as u32 - 1
            }
        };
        let session = self.sessions.id(text(3)?);
        let negative = text(5)? != "positive";
        let tags: Box<[u32]> = match row.get_ref(6)?.as_str_or_null() {
            Ok(Some(t)) if t.contains(crate::api::tags::PREFIX) => crate::api::tags::parse(t)
                .1
                .iter()
                .map(|tag| self.tags.id(tag))
                .collect(),
            _ => Box::default(),
        };
        let latest = Latest {
            target,
            session,
            reviewer: self.reviewers.id(text(7)?),
            negative,
            tags,
            at: parse_micros(text(8)?),
        };
        let key = (target, session, Box::<str>::from(text(4)?));
        match self.by_message.get(&key) {
            Some(&i) => self.latest[i] = latest,
            None => {
                self.by_message.insert(key, self.latest.len());
                self.latest.push(latest);
            }
        }
        Ok(())
    }

    /// The latest ratings on the servers and namespaces of `scope` (`None`: every one),
    /// made at or after `since` (microseconds).
    fn in_scope<'a>(
        &'a self,
        scope: &Scope,
        since: Option<i64>,
    ) -> impl Iterator<Item = &'a Latest> + 'a {
        let allowed: Option<Vec<u32>> = scope.as_ref().map(|s| {
            s.iter()
                .filter_map(|t| self.targets.iter().position(|x| x == t))
                .map(|i| i as u32)
                .collect()
        });
        self.latest.iter().filter(move |r| {
            allowed.as_ref().is_none_or(|a| a.contains(&r.target))
                && since.is_none_or(|s| r.at >= s)
        })
    }

    /// The numbers of the latest ratings on the servers and namespaces of `scope`, made
    /// at or after `since` (microseconds). Counted by index, without hashing a name.
    pub fn summary(&self, scope: &Scope, since: Option<i64>) -> Summary {
        let mut sessions = vec![(0usize, 0usize); self.sessions.len()];
        let mut reviewers = vec![(0usize, 0usize); self.reviewers.len()];
        let mut tags = vec![0usize; self.tags.len()];
        let (mut positive, mut negative, mut untagged) = (0, 0, 0);
        let mut times = Vec::new();
        for r in self.in_scope(scope, since) {
            times.push(r.at);
            let (s, v) = (r.session as usize, r.reviewer as usize);
            if r.negative {
                negative += 1;
                sessions[s].1 += 1;
                reviewers[v].1 += 1;
                if r.tags.is_empty() {
                    untagged += 1;
                }
                for &t in r.tags.iter() {
                    tags[t as usize] += 1;
                }
            } else {
                positive += 1;
                sessions[s].0 += 1;
                reviewers[v].0 += 1;
            }
        }
        Summary::from_parts(Parts {
            positive,
            negative,
            untagged_negatives: untagged,
            tags: tags
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (self.tags.name(i).to_string(), *n))
                .collect(),
            times,
            sessions: sessions
                .into_iter()
                .enumerate()
                .map(|(i, c)| (self.sessions.name(i), c)),
            reviewers: reviewers
                .into_iter()
                .enumerate()
                .map(|(i, c)| (self.reviewers.name(i), c)),
        })
    }

    /// When each latest rating in scope made at or after `since` was made.
    pub fn times(&self, scope: &Scope, since: Option<i64>) -> Vec<i64> {
        self.in_scope(scope, since).map(|r| r.at).collect()
    }
}

impl Journal {
    /// The latest rating of every message, brought up to date (see the module's words
    /// for why reading only the newer rows is enough).
    pub fn stats_cache(&mut self) -> Result<(&Cache, Refresh), JournalError> {
        let mut cache = self.stats.take().unwrap_or_default();
        let refreshed = cache.refresh(&self.conn);
        let cache = self.stats.insert(cache);
        match refreshed {
            Ok(how) => Ok((cache, how)),
            Err(e) => {
                // Half a refresh is no cache: the next one reads everything.
                *cache = Cache::default();
                Err(JournalError::Database(crate::sqlite::SqliteError::at(
                    &self.path, e,
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::Rating;
    use crate::journal::fixtures::{open, target};
    use crate::journal::stats::Summary;

    fn summary(j: &mut Journal) -> (Summary, Refresh) {
        let (cache, how) = j.stats_cache().unwrap();
        (cache.summary(&None, None), how)
    }

    #[test]
    fn new_ratings_are_read_alone_and_a_deletion_reads_everything_again() {
        let (_dir, mut j) = open();
        let t = target("m1");
        j.record(&t, Rating::Positive, None, "ann").unwrap();
        let (s, how) = summary(&mut j);
        assert_eq!((s.ratings, s.positive, how), (1, 1, Refresh::Full));

        // Rated again: the newer rating replaces the older in the numbers.
        let second = j
            .record(&t, Rating::Negative, Some("tags: #tone"), "ann")
            .unwrap();
        j.record(&target("m2"), Rating::Positive, None, "bob")
            .unwrap();
        let (s, how) = summary(&mut j);
        assert_eq!(how, Refresh::Since(2));
        assert_eq!((s.ratings, s.positive, s.negative), (2, 1, 1));
        assert_eq!(s.negatives_by_tag[0].tag, "tone");
        let (_, how) = summary(&mut j);
        assert_eq!(how, Refresh::Since(0));

        // Withdrawn (deleted, as undo inside the send window does): the rating before it
        // counts again, as the journal's own query says.
        j.conn
            .execute("DELETE FROM ratings WHERE id = ?1", [second.id])
            .unwrap();
        let (s, how) = summary(&mut j);
        assert_eq!(how, Refresh::Full);
        assert_eq!((s.ratings, s.positive, s.negative), (2, 2, 0));
        let direct = Summary::of(&j.stats_rows(None, &None).unwrap());
        assert_eq!(s, direct);
    }

    #[test]
    fn a_deletion_and_an_insert_between_two_reads_are_still_seen() {
        // The count alone would match (one gone, one new): the new one is read, and the
        // rows before it no longer add up.
        let (_dir, mut j) = open();
        let first = j
            .record(&target("m1"), Rating::Negative, None, "ann")
            .unwrap();
        j.record(&target("m2"), Rating::Positive, None, "ann")
            .unwrap();
        summary(&mut j);
        j.conn
            .execute("DELETE FROM ratings WHERE id = ?1", [first.id])
            .unwrap();
        j.record(&target("m3"), Rating::Positive, None, "ann")
            .unwrap();
        let (s, how) = summary(&mut j);
        assert_eq!(how, Refresh::Full);
        assert_eq!((s.ratings, s.positive, s.negative), (2, 2, 0));
    }

    #[test]
    fn scope_and_since_pick_the_same_ratings_as_the_journal_query() {
        let (_dir, mut j) = open();
        let mut t = target("m1");
        j.record(&t, Rating::Positive, None, "ann").unwrap();
        t.namespace = "other".into();
        j.record(&t, Rating::Negative, None, "ann").unwrap();
        let scope = Some(vec![(t.base_url.clone(), "ns".to_string())]);
        let (cache, _) = j.stats_cache().unwrap();
        let in_scope = cache.summary(&scope, None);
        let later = cache.summary(&scope, Some(i64::MAX));
        let everywhere = cache.summary(&None, None);
        let times = cache.times(&scope, None);
        assert_eq!(in_scope, Summary::of(&j.stats_rows(None, &scope).unwrap()));
        assert_eq!(everywhere, Summary::of(&j.stats_rows(None, &None).unwrap()));
        assert_eq!((in_scope.ratings, later.ratings, times.len()), (1, 0, 1));
        let nowhere = Some(vec![("http://elsewhere".to_string(), "ns".to_string())]);
        let (cache, _) = j.stats_cache().unwrap();
        assert_eq!(cache.summary(&nowhere, None).ratings, 0);
    }
}
