//! `verdict tags`: each tag's count in the journal (latest rating per message, in the
//! configured scope like `export`), its negatives and positives, and the sessions it is
//! most frequent in.

use super::export::{Scope, parse_since};
use crate::api::model::Rating;
use crate::cli::{ConnectArgs, TagsArgs};
use crate::journal::{ExportRow, JournalHandle};
use std::collections::BTreeMap;

/// How many sessions each tag lists.
const TOP_SESSIONS: usize = 3;
/// The longest session id shown in the table.
const ID_CHARS: usize = 40;

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TagCount {
    pub tag: String,
    pub count: usize,
    pub negative: usize,
    pub positive: usize,
    /// The sessions with the most replies carrying the tag, most first.
    pub sessions: Vec<SessionCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SessionCount {
    pub session_id: String,
    pub count: usize,
}

/// Counts the tags of the latest rating of each message, most used first.
pub fn count(rows: &[ExportRow]) -> Vec<TagCount> {
    let mut by_tag: BTreeMap<String, (TagCount, BTreeMap<String, usize>)> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.latest) {
        for tag in crate::api::tags::tags_of(row.entry.text.as_deref()) {
            let (c, sessions) = by_tag.entry(tag.clone()).or_default();
            c.tag = tag;
            c.count += 1;
            match row.entry.rating {
                Rating::Negative => c.negative += 1,
                Rating::Positive => c.positive += 1,
            }
            *sessions
                .entry(row.entry.target.session_id.clone())
                .or_default() += 1;
        }
    }
    let mut out: Vec<TagCount> = by_tag
        .into_values()
        .map(|(mut c, sessions)| {
            let mut s: Vec<SessionCount> = sessions
                .into_iter()
                .map(|(session_id, count)| SessionCount { session_id, count })
                .collect();
            s.sort_by(|a, b| b.count.cmp(&a.count).then(a.session_id.cmp(&b.session_id)));
            s.truncate(TOP_SESSIONS);
            c.sessions = s;
            c
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.tag.cmp(&b.tag)));
    out
}

#[derive(serde::Serialize)]
struct Report<'a> {
    /// Messages whose latest rating is in scope.
    rated_messages: usize,
    /// Of them, those carrying at least one tag.
    tagged_messages: usize,
    tags: &'a [TagCount],
}

pub async fn tags(connect: &ConnectArgs, args: TagsArgs) -> anyhow::Result<()> {
    let settings = crate::config::prepare(&connect.overrides())?;
    let since = match args.since.as_deref() {
        Some(s) => Some(parse_since(s)?),
        None => None,
    };
    let scope = Scope::from_flags(&settings, args.all, args.demo)?;
    let journal = JournalHandle::open(&settings.paths.journal_db())?;
    let rows = journal
        .call(move |j| j.export_rows(since.as_deref()))
        .await?;
    let rows: Vec<ExportRow> = rows
        .into_iter()
        .filter(|r| r.latest && scope.holds(r))
        .collect();
    let counts = count(&rows);
    let tagged = rows
        .iter()
        .filter(|r| !crate::api::tags::tags_of(r.entry.text.as_deref()).is_empty())
        .count();
    if args.json {
        let doc = serde_json::to_string(&Report {
            rated_messages: rows.len(),
            tagged_messages: tagged,
            tags: &counts,
        })?;
        crate::output::write_stdout_raw(format!("{}\n", crate::sanitize::json(&doc)).as_bytes())?;
        return Ok(());
    }
    if counts.is_empty() {
        crate::outln!(
            "No tags yet in {} rated message(s). Tag a reply with 1-9 or # in the reviewer, or verdict rate ... --tag T.",
            rows.len()
        )?;
        return Ok(());
    }
    crate::outln!("{tagged} of {} rated message(s) carry tags.\n", rows.len())?;
    let width = counts.iter().map(|c| c.tag.len()).max().unwrap_or(3).max(3);
    crate::outln!(
        "{:<width$}  {:>5}  {:>8}  {:>8}  most in",
        "tag",
        "count",
        "negative",
        "positive"
    )?;
    for c in &counts {
        let sessions = c
            .sessions
            .iter()
            .map(|s| {
                format!(
                    "{} ({})",
                    crate::sanitize::message(&s.session_id, ID_CHARS),
                    s.count
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        crate::outln!(
            "{:<width$}  {:>5}  {:>8}  {:>8}  {sessions}",
            c.tag,
            c.count,
            c.negative,
            c.positive
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Entry, RatingState, Target};

    fn row(session: &str, msg: &str, rating: Rating, text: &str, latest: bool) -> ExportRow {
        ExportRow {
            entry: Entry {
                id: 1,
                target: Target {
                    base_url: "http://127.0.0.1:1".into(),
                    namespace: "ns".into(),
                    session_id: session.into(),
                    message_id: msg.into(),
                },
                rating,
                text: Some(text.into()),
                reviewer: "r".into(),
                made_at: "2026-01-01T00:00:00.000000Z".into(),
                state: RatingState::Sent,
                stored: Some(true),
                recorded_at: None,
                last_error: None,
                attempts: 0,
            },
            latest,
            exchange: None,
        }
    }

    #[test]
    fn counts_latest_ratings_by_tag_and_session() {
        let rows = vec![
            row(
                "s1",
                "m1",
                Rating::Negative,
                "x\ntags: #tone #verbose",
                true,
            ),
            row("s1", "m2", Rating::Negative, "tags: #tone", true),
            row("s2", "m3", Rating::Positive, "tags: #tone", true),
            row("s2", "m4", Rating::Negative, "tags: #hallucination", false),
            row("s2", "m5", Rating::Negative, "no tags here", true),
        ];
        let c = count(&rows);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].tag, "tone");
        assert_eq!((c[0].count, c[0].negative, c[0].positive), (3, 2, 1));
        assert_eq!(c[0].sessions[0].session_id, "s1");
        assert_eq!(c[0].sessions[0].count, 2);
        assert_eq!(c[1].tag, "verbose");
    }
}
