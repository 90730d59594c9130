//! Corrections: what the reviewer says a reply should have been. Local data only: the API
//! has no field for it, so it is never sent and never put in a rating's text. Every
//! version is kept (one row per save); the latest of a message is the one that counts.

use super::outbox::Outbox;
use super::{Journal, JournalError, Target, now_rfc3339};
use rusqlite::{Connection, Row, params};

/// The longest correction kept, in characters; a longer one is refused with a sentence.
pub const MAX_CORRECTION_CHARS: usize = 100_000;

/// One saved correction of an assistant reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub id: i64,
    pub target: Target,
    /// The user message the reply answered, when it was known.
    pub prompt: Option<String>,
    /// The reply as the server sent it.
    pub original: String,
    /// What the reviewer wrote instead.
    pub corrected: String,
    pub reviewer: String,
    /// RFC 3339, journal time format.
    pub made_at: String,
}

/// What a correction is made of, before the journal gives it an id and a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCorrection {
    pub prompt: Option<String>,
    pub original: String,
    pub corrected: String,
}

/// The sentence for a correction over [`MAX_CORRECTION_CHARS`], or `None` when it fits.
pub fn too_long(corrected: &str) -> Option<String> {
    let chars = corrected.chars().count();
    (chars > MAX_CORRECTION_CHARS).then(|| {
        format!(
            "The correction has {chars} characters; verdict keeps at most {MAX_CORRECTION_CHARS}. Nothing was recorded."
        )
    })
}

const COLUMNS: &str = "id, base_url, namespace, session_id, message_id, prompt, original, corrected, reviewer, made_at";

fn read(r: &Row<'_>) -> rusqlite::Result<Correction> {
    Ok(Correction {
        id: r.get(0)?,
        target: Target {
            base_url: r.get(1)?,
            namespace: r.get(2)?,
            session_id: r.get(3)?,
            message_id: r.get(4)?,
        },
        prompt: r.get(5)?,
        original: r.get(6)?,
        corrected: r.get(7)?,
        reviewer: r.get(8)?,
        made_at: r.get(9)?,
    })
}

fn insert(
    conn: &Connection,
    target: &Target,
    c: &NewCorrection,
    reviewer: &str,
) -> rusqlite::Result<Correction> {
    let made_at = now_rfc3339();
    conn.execute(
        "INSERT INTO corrections (base_url, namespace, session_id, message_id, prompt,
                                  original, corrected, reviewer, made_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            target.base_url,
            target.namespace,
            target.session_id,
            target.message_id,
            c.prompt,
            c.original,
            c.corrected,
            reviewer,
            made_at
        ],
    )?;
    Ok(Correction {
        id: conn.last_insert_rowid(),
        target: target.clone(),
        prompt: c.prompt.clone(),
        original: c.original.clone(),
        corrected: c.corrected.clone(),
        reviewer: reviewer.to_string(),
        made_at,
    })
}

/// The latest correction of each message matching `filter` (SQL over the row `c`),
/// oldest first.
fn latest(
    conn: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<Correction>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM corrections c
         WHERE {filter}
           AND id = (SELECT MAX(n.id) FROM corrections n
                     WHERE n.base_url = c.base_url AND n.namespace = c.namespace
                       AND n.session_id = c.session_id AND n.message_id = c.message_id)
         ORDER BY id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(args, read)?;
    rows.collect()
}

impl Journal {
    /// Keeps a correction (committed when this returns). Over [`MAX_CORRECTION_CHARS`]
    /// or empty, nothing is written and the error says why.
    pub fn record_correction(
        &mut self,
        target: &Target,
        correction: &NewCorrection,
        reviewer: &str,
    ) -> Result<Correction, JournalError> {
        if let Some(why) = too_long(&correction.corrected) {
            return Err(JournalError::Refused(why));
        }
        if correction.corrected.trim().is_empty() {
            return Err(JournalError::Refused(
                "An empty correction is not kept. Nothing was recorded.".to_string(),
            ));
        }
        insert(&self.conn, target, correction, reviewer).map_err(|e| self.database_error(e))
    }

    /// The latest correction of each message of a session.
    pub fn corrections_for_session(
        &self,
        base_url: &str,
        namespace: &str,
        session_id: &str,
    ) -> Result<Vec<Correction>, JournalError> {
        latest(
            &self.conn,
            "base_url = ?1 AND namespace = ?2 AND session_id = ?3",
            params![base_url, namespace, session_id],
        )
        .map_err(|e| self.database_error(e))
    }

    /// The latest correction of every message, made at or after `since` (journal time
    /// format), oldest first: what the DPO export writes.
    pub fn export_corrections(&self, since: Option<&str>) -> Result<Vec<Correction>, JournalError> {
        latest(&self.conn, "made_at >= ?1", params![since.unwrap_or("")])
            .map_err(|e| self.database_error(e))
    }
}

/// What the reviewer needs when a session opens: its corrections, and which of its
/// messages this reviewer has rated (a correction keeps such a rating).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionCorrections {
    pub corrections: Vec<Correction>,
    pub rated: Vec<String>,
}

/// Keeps a correction of a message on the outbox's server and namespace, as its reviewer.
pub async fn record(
    outbox: &Outbox,
    session_id: &str,
    message_id: &str,
    correction: NewCorrection,
) -> Result<Correction, JournalError> {
    let target = outbox.target(session_id, message_id);
    let reviewer = outbox.reviewer().to_string();
    outbox
        .journal()
        .call(move |j| j.record_correction(&target, &correction, &reviewer))
        .await
}

/// A session's corrections and the messages this reviewer rated, on the outbox's server.
pub async fn for_session(
    outbox: &Outbox,
    session_id: &str,
) -> Result<SessionCorrections, JournalError> {
    let t = outbox.target(session_id, "");
    outbox
        .journal()
        .call(move |j| {
            let corrections =
                j.corrections_for_session(&t.base_url, &t.namespace, &t.session_id)?;
            let rated = j
                .latest_for_session(&t.base_url, &t.namespace, &t.session_id)?
                .into_iter()
                .map(|e| e.target.message_id)
                .collect();
            Ok(SessionCorrections { corrections, rated })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::fixtures::{open, target};

    fn new(corrected: &str) -> NewCorrection {
        NewCorrection {
            prompt: Some("what year?".into()),
            original: "It was 1999.".into(),
            corrected: corrected.into(),
        }
    }

    #[test]
    fn the_latest_correction_of_a_message_wins_and_every_version_is_kept() {
        let (_dir, mut j) = open();
        j.record_correction(&target("m1"), &new("It was 2001."), "ann")
            .unwrap();
        let second = j
            .record_correction(&target("m1"), &new("It was 2002."), "ann")
            .unwrap();
        j.record_correction(&target("m2"), &new("Other."), "ann")
            .unwrap();
        let got = j
            .corrections_for_session("http://127.0.0.1:1", "ns", "ses_a")
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], second);
        assert_eq!(got[0].original, "It was 1999.");
        assert_eq!(got[0].prompt.as_deref(), Some("what year?"));
        assert_eq!(got[1].corrected, "Other.");
        let n: i64 = j
            .conn
            .query_row("SELECT COUNT(*) FROM corrections", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 3, "every version is kept");
        assert_eq!(j.export_corrections(None).unwrap().len(), 2);
        assert!(j.export_corrections(Some("2999-01-01")).unwrap().is_empty());
        // A correction is never a rating: the outbox has nothing to send.
        assert!(j.pending("http://127.0.0.1:1", "ns").unwrap().is_empty());
    }

    #[test]
    fn a_correction_over_the_bound_or_empty_is_refused_with_a_sentence() {
        let (_dir, mut j) = open();
        let at_cap = "é".repeat(MAX_CORRECTION_CHARS);
        assert!(
            j.record_correction(&target("m1"), &new(&at_cap), "ann")
                .is_ok()
        );
        let over = format!("{at_cap}x");
        let err = j
            .record_correction(&target("m1"), &new(&over), "ann")
            .unwrap_err()
            .to_string();
        assert!(err.contains("100001 characters"), "{err}");
        assert!(err.contains("at most 100000"), "{err}");
        let err = j
            .record_correction(&target("m2"), &new("  \n"), "ann")
            .unwrap_err()
            .to_string();
        assert!(err.contains("empty"), "{err}");
        let got = j
            .corrections_for_session("http://127.0.0.1:1", "ns", "ses_a")
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].corrected.chars().count(), MAX_CORRECTION_CHARS);
    }
}
