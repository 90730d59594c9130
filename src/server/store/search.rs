//! Full-text search over a namespace (the local extension `GET .../sessions/search`):
//! session names first, then message contents and tool names, best match first (FTS5's
//! bm25), each with a one-line snippet and the matched words' offsets.

use super::StoreError;
use super::encode::format_time;
use super::tenancy::NamespaceRow;
use crate::api::model::{SearchHit, SearchPage};
use rusqlite::{Connection, params};
use std::time::{Duration, Instant};

/// Marks FTS5 puts around a matched word in a snippet: Unicode noncharacters, which no
/// text is meant to hold, so they are taken out again and become `highlights`.
const OPEN: char = '\u{FDD0}';
const CLOSE: char = '\u{FDD1}';
/// Words of context a snippet keeps around the match.
const SNIPPET_WORDS: i64 = 12;
/// A query still running after this long is stopped: one search for a word in every
/// message of a huge namespace must not hold a reader from everyone else.
const SEARCH_BUDGET: Duration = Duration::from_secs(3);

/// Stops indexing new rows one at a time (a bulk load is about to insert many): rows
/// after today's last are left for [`catch_up_indexing`]. Already deferred: no change.
pub(crate) fn defer_indexing(conn: &Connection) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE search_index SET
            messages_after = (SELECT coalesce(max(rowid), 0) FROM messages),
            sessions_after = (SELECT coalesce(max(rowid), 0) FROM sessions)
         WHERE messages_after IS NULL",
        [],
    )?;
    Ok(())
}

/// Indexes, in one pass, the rows a deferred (bulk) load left unindexed, and goes back
/// to indexing each new row as it comes. Nothing to do unless indexing was deferred.
pub(crate) fn catch_up_indexing(conn: &Connection) -> Result<(), StoreError> {
    let (messages, sessions): (Option<i64>, Option<i64>) = conn.query_row(
        "SELECT messages_after, sessions_after FROM search_index",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(messages), Some(sessions)) = (messages, sessions) else {
        return Ok(());
    };
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let done = (|| -> rusqlite::Result<()> {
        conn.execute(
            "INSERT INTO messages_fts(rowid, content, tool_name)
             SELECT rowid, content, tool_name FROM messages WHERE rowid > ?1 ORDER BY rowid",
            [messages],
        )?;
        conn.execute(
            "INSERT INTO sessions_fts(rowid, session_name)
             SELECT rowid, session_name FROM sessions WHERE rowid > ?1 ORDER BY rowid",
            [sessions],
        )?;
        conn.execute(
            "UPDATE search_index SET messages_after = NULL, sessions_after = NULL",
            [],
        )?;
        Ok(())
    })();
    match done {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
    }
    Ok(())
}

/// Why a query cannot be searched for, in words for the person who typed it.
pub(crate) fn query_problem(q: &str) -> Option<&'static str> {
    if q.trim().is_empty() {
        Some("The search query is empty")
    } else if !q.chars().any(char::is_alphanumeric) {
        Some("The search query has no letters or digits to look for")
    } else {
        None
    }
}

/// The reviewer's words as an FTS5 query that cannot be read as FTS5's own syntax: each
/// word (or each "quoted phrase") becomes a quoted phrase, all of them required, the
/// last one also matching as a prefix, so results come as the word is being typed.
pub(crate) fn fts_query(q: &str) -> String {
    let mut terms: Vec<String> = Vec::new();
    let mut rest = q;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        rest = &rest[start..];
        let (term, next) = if let Some(after) = rest.strip_prefix('"') {
            match after.find('"') {
                Some(end) => (&after[..end], &after[end + 1..]),
                None => (after, ""),
            }
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        if term.chars().any(char::is_alphanumeric) {
            terms.push(format!("\"{}\"", term.replace('"', "\"\"")));
        }
        rest = next;
    }
    let mut out = terms.join(" ");
    // Only a bare last word is a prefix: a quoted phrase means exactly that.
    if !out.is_empty() && !q.trim_end().ends_with('"') {
        out.push('*');
    }
    out
}

/// One page of hits for `q` in the namespace `ns`.
pub(crate) fn search(
    conn: &Connection,
    ns: &NamespaceRow,
    q: &str,
    limit: u64,
    offset: u64,
) -> Result<SearchPage, StoreError> {
    let fts = fts_query(q);
    if fts.is_empty() {
        return Ok(SearchPage {
            query: q.to_string(),
            results: Vec::new(),
            limit,
            offset,
            has_more: false,
        });
    }
    let started = Instant::now();
    conn.progress_handler(10_000, Some(move || started.elapsed() > SEARCH_BUDGET));
    let result = page(conn, ns, &fts, limit, offset);
    conn.progress_handler(0, None::<fn() -> bool>);
    let (mut results, has_more) = match result {
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::OperationInterrupted =>
        {
            return Err(StoreError::TooSlow(format!(
                "the search took longer than {} s; add words to narrow it",
                SEARCH_BUDGET.as_secs()
            )));
        }
        other => other?,
    };
    for hit in &mut results {
        let (snippet, highlights) = marks_to_offsets(&hit.snippet);
        hit.snippet = snippet;
        hit.highlights = highlights;
    }
    Ok(SearchPage {
        query: q.to_string(),
        results,
        limit,
        offset,
        has_more,
    })
}

fn page(
    conn: &Connection,
    ns: &NamespaceRow,
    fts: &str,
    limit: u64,
    offset: u64,
) -> rusqlite::Result<(Vec<SearchHit>, bool)> {
    let sql = format!(
        "SELECT kind, session_id, session_name, message_id, role, snip, ts FROM (
            SELECT 0 AS kind, s.id AS session_id, s.session_name AS session_name,
                NULL AS message_id, NULL AS role,
                highlight(sessions_fts, 0, char({o}), char({c})) AS snip,
                s.last_activity_us AS ts, sessions_fts.rank AS r, s.rowid AS srow, 0 AS seq
            FROM sessions_fts JOIN sessions s ON s.rowid = sessions_fts.rowid
            WHERE sessions_fts MATCH ?1 AND s.namespace_rowid = ?2
          UNION ALL
            SELECT 1, s.id, s.session_name, m.id, m.role,
                snippet(messages_fts, -1, char({o}), char({c}), '…', {w}),
                m.timestamp_us, messages_fts.rank, s.rowid, m.seq
            FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
                JOIN sessions s ON s.rowid = m.session_rowid
            WHERE messages_fts MATCH ?1 AND s.namespace_rowid = ?2
        ) ORDER BY kind, r, srow DESC, seq LIMIT ?3 OFFSET ?4",
        o = OPEN as u32,
        c = CLOSE as u32,
        w = SNIPPET_WORDS,
    );
    let take = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
    let skip = i64::try_from(offset).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut hits = stmt
        .query_map(params![fts, ns.rowid, take, skip], |r| {
            let ts: Option<i64> = r.get(6)?;
            Ok(SearchHit {
                session_id: r.get(1)?,
                session_name: r.get(2)?,
                message_id: r.get(3)?,
                role: r.get(4)?,
                snippet: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                highlights: Vec::new(),
                timestamp: ts.map(format_time),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let has_more = hits.len() as u64 > limit;
    hits.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((hits, has_more))
}

/// The snippet on one line without its marks, and where the marks were, in characters.
fn marks_to_offsets(marked: &str) -> (String, Vec<[u32; 2]>) {
    let mut out = String::with_capacity(marked.len());
    let mut highlights = Vec::new();
    let mut start: Option<u32> = None;
    let mut n: u32 = 0;
    let mut last_space = false;
    for c in marked.chars() {
        match c {
            OPEN => start = Some(n),
            CLOSE => {
                if let Some(s) = start.take()
                    && n > s
                {
                    highlights.push([s, n]);
                }
            }
            c if c.is_whitespace() => {
                // One line: runs of spaces and line breaks become one space.
                if !last_space {
                    out.push(' ');
                    n += 1;
                }
                last_space = true;
            }
            c => {
                out.push(c);
                n += 1;
                last_space = false;
            }
        }
    }
    (out, highlights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_quoted_words_and_the_last_is_a_prefix() {
        assert_eq!(fts_query("chunk"), "\"chunk\"*");
        assert_eq!(fts_query("  chunk  size "), "\"chunk\" \"size\"*");
        assert_eq!(fts_query("\"exact phrase\""), "\"exact phrase\"");
        assert_eq!(fts_query("a\"b"), "\"a\"\"b\"*");
        // FTS5's own operators are only words here.
        assert_eq!(fts_query("NOT x OR y*"), "\"NOT\" \"x\" \"OR\" \"y*\"*");
        assert_eq!(fts_query("??? !!"), "");
        assert!(query_problem("  ").is_some());
        assert!(query_problem("?!").is_some());
        assert!(query_problem("ok").is_none());
    }

    #[test]
    fn marks_become_offsets_on_one_line() {
        let marked = format!("a {OPEN}bé{CLOSE}\n\n c {OPEN}d{CLOSE}");
        let (s, h) = marks_to_offsets(&marked);
        assert_eq!(s, "a bé c d");
        assert_eq!(h, vec![[2, 4], [7, 8]]);
    }
}
