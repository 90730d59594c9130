//! The reviewer's numbers from the journal: how many replies were rated, the positive
//! share, negatives per tag, the pace, and breakdowns by session and by reviewer.
//!
//! Every number counts the latest rating of each message (a reply rated twice counts
//! once, as its last rating), like `verdict tags` and `export`'s `latest`.
//!
//! The pace: the ratings' times in order, and the gaps between consecutive ones. A gap
//! longer than [`BREAK_SECS`] is a break, not work, and is left out. The median seconds
//! per reply is the median of the gaps kept; the hourly rate is the gaps kept over their
//! sum (`3600 * gaps / seconds`).

use super::{Journal, JournalError};
use crate::api::model::Rating;
use rusqlite::Connection;
use std::collections::HashMap;

/// A gap between two ratings longer than this is a break (10 minutes).
pub const BREAK_SECS: i64 = 600;
/// How many sessions a breakdown lists (the most rated first).
pub const TOP_SESSIONS: usize = 20;
/// How many reviewers a breakdown lists.
pub const TOP_REVIEWERS: usize = 20;
/// The longest id or name kept for a breakdown row.
const NAME_CHARS: usize = 80;
/// The most minutes a per-minute series holds (the latest ones).
pub const MAX_MINUTES: usize = 240;

/// The latest rating of one message, as the numbers need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rated {
    pub session_id: String,
    pub reviewer: String,
    pub rating: Rating,
    /// Its tags (from the note's `tags:` line).
    pub tags: Vec<String>,
    /// When the key was pressed: microseconds since the Unix epoch.
    pub at: i64,
}

/// Which servers and namespaces count: `None`, every one.
pub type Scope = Option<Vec<(String, String)>>;

impl Journal {
    /// The latest rating of each message, made at or after `since` (journal time
    /// format), on the servers and namespaces of `scope`. Oldest first.
    pub fn stats_rows(
        &self,
        since: Option<&str>,
        scope: &Scope,
    ) -> Result<Vec<Rated>, JournalError> {
        rows(&self.conn, since, scope).map_err(|e| self.database_error(e))
    }
}

fn rows(conn: &Connection, since: Option<&str>, scope: &Scope) -> rusqlite::Result<Vec<Rated>> {
    // `replaced` (kept by triggers, schema step 4 -> 5) marks all but the latest rating
    // of each message. All time: one pass over the table (nearly every row is a latest
    // one, so an index would only add a lookup per row). A window: the latest ratings
    // since, through `ratings_latest_by_made_at`.
    let (sql, param) = match since {
        None => (
            "SELECT base_url, namespace, session_id, rating, text, reviewer, made_at
             FROM ratings NOT INDEXED WHERE replaced = 0",
            None,
        ),
        Some(s) => (
            "SELECT base_url, namespace, session_id, rating, text, reviewer, made_at
             FROM ratings INDEXED BY ratings_latest_by_made_at
             WHERE replaced = 0 AND made_at >= ?1",
            Some(s),
        ),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut q = match param {
        Some(p) => stmt.query([p])?,
        None => stmt.query([])?,
    };
    let mut out = Vec::new();
    while let Some(row) = q.next()? {
        if let Some(targets) = scope {
            let base = row.get_ref(0)?.as_str().unwrap_or_default();
            let ns = row.get_ref(1)?.as_str().unwrap_or_default();
            if !targets.iter().any(|(b, n)| b == base && n == ns) {
                continue;
            }
        }
        let rating = match row.get_ref(3)?.as_str().unwrap_or_default() {
            "positive" => Rating::Positive,
            _ => Rating::Negative,
        };
        let tags = match row.get_ref(4)?.as_str_or_null() {
            Ok(Some(t)) => crate::api::tags::parse(t).1,
            _ => Vec::new(),
        };
        let at = parse_micros(row.get_ref(6)?.as_str().unwrap_or_default());
        out.push(Rated {
            session_id: row.get(2)?,
            reviewer: row.get(5)?,
            rating,
            tags,
            at,
        });
    }
    out.sort_by_key(|r| r.at);
    Ok(out)
}

/// A journal time as microseconds since the epoch (0 when it cannot be read). The
/// journal's own format (`2026-03-01T09:00:00.000000Z`) is read by hand, since every row
/// has one; anything else goes through RFC 3339.
pub fn parse_micros(s: &str) -> i64 {
    fixed_micros(s).unwrap_or_else(|| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.timestamp_micros())
            .unwrap_or(0)
    })
}

fn fixed_micros(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 27
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[19] != b'.'
        || b[26] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let t = date.and_hms_micro_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 26)?)?;
    Some(t.and_utc().timestamp_micros())
}

/// How fast the reviewer goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Pace {
    /// The median gap between consecutive ratings, breaks left out.
    pub median_seconds: Option<f64>,
    /// Ratings an hour of work (breaks left out).
    pub per_hour: Option<f64>,
    /// Gaps longer than [`BREAK_SECS`], left out as breaks.
    pub breaks: usize,
}

impl Pace {
    /// The pace of ratings made at `times` (microseconds, in any order).
    pub fn of(times: &[i64]) -> Pace {
        Pace::of_owned(times.to_vec())
    }

    /// The same, sorting `t` in place.
    pub fn of_owned(mut t: Vec<i64>) -> Pace {
        t.sort_unstable();
        let mut gaps: Vec<i64> = Vec::with_capacity(t.len());
        let mut breaks = 0;
        for w in t.windows(2) {
            let g = w[1] - w[0];
            if g > BREAK_SECS * 1_000_000 {
                breaks += 1;
            } else {
                gaps.push(g);
            }
        }
        if gaps.is_empty() {
            return Pace {
                breaks,
                ..Pace::default()
            };
        }
        let n = gaps.len();
        let total: i64 = gaps.iter().sum();
        // The middle gap (or the two middle ones) without sorting them all.
        let (below, &mut mid, _) = gaps.select_nth_unstable(n / 2);
        let median = if n % 2 == 1 {
            mid as f64
        } else {
            let lower = below.iter().copied().max().unwrap_or(mid);
            (lower as f64 + mid as f64) / 2.0
        } / 1e6;
        // Ratings made in the same microsecond: a rate too fast to mean anything.
        let per_hour = (total > 0).then(|| 3600.0 * n as f64 / (total as f64 / 1e6));
        Pace {
            median_seconds: Some(median),
            per_hour,
            breaks,
        }
    }

    /// `38/h · 21 s median`, or `None` before there are two ratings close enough (and
    /// not in the same instant, as a bulk action's are).
    pub fn line(&self, dot: &str) -> Option<String> {
        let median = self.median_seconds?;
        let rate = self.per_hour?;
        Some(format!(
            "{:.0}/h {dot} {} median",
            rate.min(1e6),
            seconds(median)
        ))
    }
}

/// `21 s`, `3 min`: a duration for the pace line.
pub fn seconds(s: f64) -> String {
    if s < 100.0 {
        format!("{s:.0} s")
    } else {
        format!("{:.0} min", s / 60.0)
    }
}

/// One row of a breakdown (a session, a reviewer).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Breakdown {
    pub name: String,
    pub ratings: usize,
    pub positive: usize,
    pub negative: usize,
}

/// Negatives carrying one tag.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TagNegatives {
    pub tag: String,
    pub negative: usize,
}

/// The numbers of a set of ratings.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Summary {
    pub ratings: usize,
    pub positive: usize,
    pub negative: usize,
    /// Positive over all, 0 to 1; `None` with no ratings.
    pub positive_share: Option<f64>,
    /// Negatives per tag, most first (a negative with two tags counts under both).
    pub negatives_by_tag: Vec<TagNegatives>,
    pub untagged_negatives: usize,
    pub pace: Pace,
    /// How many sessions and reviewers there are (the lists below keep the top ones).
    pub session_count: usize,
    pub reviewer_count: usize,
    /// The most rated sessions first, at most [`TOP_SESSIONS`].
    pub sessions: Vec<Breakdown>,
    /// The reviewers (by name, as the journal knows them), most ratings first.
    pub reviewers: Vec<Breakdown>,
}

/// What a summary is made of, however it was counted (from rows here, from the stats
/// cache's interned rows in `stats_cache`).
pub struct Parts<'a, S, R>
where
    S: Iterator<Item = (&'a str, (usize, usize))>,
    R: Iterator<Item = (&'a str, (usize, usize))>,
{
    pub positive: usize,
    pub negative: usize,
    pub untagged_negatives: usize,
    /// Negatives per tag, in any order.
    pub tags: Vec<(String, usize)>,
    /// When each rating was made (microseconds), in any order.
    pub times: Vec<i64>,
    /// Per session and per reviewer: (positive, negative), in any order.
    pub sessions: S,
    pub reviewers: R,
}

impl Summary {
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a Rated>) -> Summary {
        let (mut positive, mut negative, mut untagged_negatives) = (0, 0, 0);
        let mut times: Vec<i64> = Vec::new();
        let mut tags: HashMap<&str, usize> = HashMap::new();
        let mut sessions: HashMap<&str, (usize, usize)> = HashMap::new();
        let mut reviewers: HashMap<&str, (usize, usize)> = HashMap::new();
        for r in rows {
            times.push(r.at);
            let pos = r.rating == Rating::Positive;
            if pos {
                positive += 1;
            } else {
                negative += 1;
                if r.tags.is_empty() {
                    untagged_negatives += 1;
                }
                for t in &r.tags {
                    *tags.entry(t.as_str()).or_default() += 1;
                }
            }
            for (map, key) in [
                (&mut sessions, r.session_id.as_str()),
                (&mut reviewers, r.reviewer.as_str()),
            ] {
                let e = map.entry(key).or_default();
                if pos {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
        }
        Summary::from_parts(Parts {
            positive,
            negative,
            untagged_negatives,
            tags: tags.into_iter().map(|(t, n)| (t.to_string(), n)).collect(),
            times,
            sessions: sessions.into_iter(),
            reviewers: reviewers.into_iter(),
        })
    }

    pub fn from_parts<'a, S, R>(p: Parts<'a, S, R>) -> Summary
    where
        S: Iterator<Item = (&'a str, (usize, usize))>,
        R: Iterator<Item = (&'a str, (usize, usize))>,
    {
        let ratings = p.positive + p.negative;
        let mut by_tag: Vec<TagNegatives> = p
            .tags
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(tag, negative)| TagNegatives { tag, negative })
            .collect();
        by_tag.sort_by(|a, b| b.negative.cmp(&a.negative).then(a.tag.cmp(&b.tag)));
        let (session_count, sessions) = breakdown(p.sessions, TOP_SESSIONS);
        let (reviewer_count, reviewers) = breakdown(p.reviewers, TOP_REVIEWERS);
        Summary {
            ratings,
            positive: p.positive,
            negative: p.negative,
            positive_share: (ratings > 0).then(|| p.positive as f64 / ratings as f64),
            negatives_by_tag: by_tag,
            untagged_negatives: p.untagged_negatives,
            pace: Pace::of_owned(p.times),
            session_count,
            reviewer_count,
            sessions,
            reviewers,
        }
    }
}

/// How many names have a rating, and the `top` with the most (then by name), made safe
/// to draw. Only those are copied and sanitised.
fn breakdown<'a>(
    entries: impl Iterator<Item = (&'a str, (usize, usize))>,
    top: usize,
) -> (usize, Vec<Breakdown>) {
    let mut v: Vec<(&str, usize, usize)> = entries
        .filter(|(_, (p, n))| p + n > 0)
        .map(|(name, (p, n))| (name, p, n))
        .collect();
    let count = v.len();
    let order = |a: &(&str, usize, usize), b: &(&str, usize, usize)| {
        (b.1 + b.2).cmp(&(a.1 + a.2)).then(a.0.cmp(b.0))
    };
    if v.len() > top && top > 0 {
        v.select_nth_unstable_by(top - 1, order);
    }
    v.truncate(top);
    v.sort_by(order);
    let rows = v
        .into_iter()
        .map(|(name, positive, negative)| Breakdown {
            name: crate::sanitize::message(name, NAME_CHARS),
            ratings: positive + negative,
            positive,
            negative,
        })
        .collect();
    (count, rows)
}

/// Ratings per minute from `from` to `to` (microseconds), the latest [`MAX_MINUTES`]
/// minutes at most; a minute with none is a 0.
pub fn per_minute(times: &[i64], from: i64, to: i64) -> Vec<u64> {
    const MINUTE: i64 = 60_000_000;
    if to < from {
        return Vec::new();
    }
    let minutes = ((to - from) / MINUTE + 1).min(MAX_MINUTES as i64) as usize;
    let start = to - (minutes as i64 - 1) * MINUTE - (to - from) % MINUTE;
    let start = start.max(from);
    let mut out = vec![0u64; minutes];
    for &t in times {
        if t < start || t > to {
            continue;
        }
        let i = ((t - start) / MINUTE) as usize;
        if let Some(slot) = out.get_mut(i.min(minutes - 1)) {
            *slot += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::fixtures::{open, target};

    const S: i64 = 1_000_000;

    #[test]
    fn the_latest_rating_is_kept_through_new_ratings_and_deletions() {
        let (_dir, mut j) = open();
        let t = target("m1");
        j.record(&t, Rating::Positive, None, "ann").unwrap();
        let second = j.record(&t, Rating::Negative, None, "ann").unwrap();
        let rows = j.stats_rows(None, &None).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].rating, Rating::Negative);
        // A rating withdrawn (deleted, as undo inside the send window does): the one
        // before it is the latest again.
        j.conn
            .execute("DELETE FROM ratings WHERE id = ?1", [second.id])
            .unwrap();
        let rows = j.stats_rows(None, &None).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].rating, Rating::Positive);
        let since = j
            .stats_rows(Some("2000-01-01T00:00:00.000000Z"), &None)
            .unwrap();
        assert_eq!(since.len(), 1);
    }

    #[test]
    fn pace_leaves_breaks_out() {
        // 10 s, 20 s, 30 s, then a break of an hour, then 20 s.
        let t = [0, 10 * S, 30 * S, 60 * S, 3660 * S, 3680 * S];
        let p = Pace::of(&t);
        assert_eq!(p.breaks, 1);
        assert_eq!(p.median_seconds, Some(20.0));
        // 4 gaps in 80 s: 180 an hour.
        assert_eq!(p.per_hour.map(|r| r.round()), Some(180.0));
        assert_eq!(p.line("·").as_deref(), Some("180/h · 20 s median"));
        assert_eq!(Pace::of(&[5]).line("·"), None);
        assert_eq!(Pace::of(&[]), Pace::default());
    }

    #[test]
    fn journal_times_are_read_as_chrono_reads_them() {
        for s in [
            "2026-03-01T09:00:00.000000Z",
            "2026-12-31T23:59:59.999999Z",
            "2026-03-01T09:00:00Z",
            "2026-03-01T10:00:00+01:00",
        ] {
            let chrono = chrono::DateTime::parse_from_rfc3339(s).unwrap();
            assert_eq!(parse_micros(s), chrono.timestamp_micros(), "{s}");
        }
        assert_eq!(parse_micros("2026-13-01T09:00:00.000000Z"), 0);
        assert_eq!(parse_micros("soon"), 0);
    }

    #[test]
    fn per_minute_counts_each_minute_up_to_now() {
        let t = [0, 10 * S, 65 * S, 200 * S];
        assert_eq!(per_minute(&t, 0, 200 * S), vec![2, 1, 0, 1]);
        assert!(per_minute(&t, 10, 0).is_empty());
        let long = per_minute(&[], 0, 100_000 * S);
        assert_eq!(long.len(), MAX_MINUTES);
    }

    #[test]
    fn summary_counts_latest_ratings_tags_sessions_and_reviewers() {
        let (_dir, mut j) = open();
        let mut t = target("m1");
        j.record(&t, Rating::Positive, None, "ann").unwrap();
        // Rated again: counts once, as its latest.
        j.record(
            &t,
            Rating::Negative,
            Some("no\ntags: #tone #verbose"),
            "ann",
        )
        .unwrap();
        t.message_id = "m2".into();
        j.record(&t, Rating::Negative, Some("tags: #tone"), "bob")
            .unwrap();
        t.message_id = "m3".into();
        t.session_id = "ses_b".into();
        j.record(&t, Rating::Positive, None, "ann").unwrap();
        t.namespace = "other".into();
        j.record(&t, Rating::Negative, None, "ann").unwrap();

        let all = Summary::of(&j.stats_rows(None, &None).unwrap());
        assert_eq!((all.ratings, all.positive, all.negative), (4, 1, 3));
        assert_eq!(all.untagged_negatives, 1);

        let scope = Some(vec![("http://127.0.0.1:1".to_string(), "ns".to_string())]);
        let s = Summary::of(&j.stats_rows(None, &scope).unwrap());
        assert_eq!((s.ratings, s.positive, s.negative), (3, 1, 2));
        assert_eq!(s.positive_share.map(|x| (x * 3.0).round()), Some(1.0));
        assert_eq!(s.negatives_by_tag[0].tag, "tone");
        assert_eq!(s.negatives_by_tag[0].negative, 2);
        assert_eq!(s.negatives_by_tag[1].tag, "verbose");
        assert_eq!(s.session_count, 2);
        assert_eq!(s.sessions[0].ratings, 2);
        assert_eq!(s.reviewers[0].name, "ann");
        assert_eq!(s.reviewers[0].ratings, 2);
        assert_eq!(s.reviewers[1].name, "bob");

        let later = Summary::of(
            &j.stats_rows(Some("2999-01-01T00:00:00.000000Z"), &scope)
                .unwrap(),
        );
        assert_eq!(later.ratings, 0);
        let since = Summary::of(
            &j.stats_rows(Some("2000-01-01T00:00:00.000000Z"), &scope)
                .unwrap(),
        );
        assert_eq!(since.ratings, 3, "the window counts latest ratings too");
    }
}
