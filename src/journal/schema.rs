//! Opening the journal file: private, write-ahead logged, durable, and migrated to this build's schema.

use super::JournalError;
use crate::sqlite;
use rusqlite::Connection;
use std::path::Path;

/// The schema version this build writes; `PRAGMA user_version` holds the file's.
pub const SCHEMA_VERSION: i64 = 7;

/// Migration `i` takes a journal from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1
    "CREATE TABLE ratings (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        base_url    TEXT NOT NULL,
        namespace   TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        rating      TEXT NOT NULL CHECK (rating IN ('positive', 'negative')),
        text        TEXT,
        reviewer    TEXT NOT NULL,
        made_at     TEXT NOT NULL,
        state       TEXT NOT NULL
                    CHECK (state IN ('pending', 'sent', 'failed', 'superseded')),
        stored      INTEGER,
        recorded_at TEXT,
        last_error  TEXT,
        attempts    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX ratings_by_message
        ON ratings (base_url, namespace, session_id, message_id, id);
    CREATE INDEX ratings_by_state ON ratings (base_url, namespace, state, id);
    CREATE INDEX ratings_by_made_at ON ratings (made_at);
    CREATE TABLE exchanges (
        base_url    TEXT NOT NULL,
        namespace   TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        prompt      TEXT,
        completion  TEXT NOT NULL,
        fetched_at  TEXT NOT NULL,
        PRIMARY KEY (base_url, namespace, session_id, message_id)
    );",
    // 1 -> 2: notes being written, kept until they are sent or emptied.
    "CREATE TABLE drafts (
        base_url    TEXT NOT NULL,
        namespace   TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        rating      TEXT NOT NULL CHECK (rating IN ('positive', 'negative')),
        text        TEXT NOT NULL,
        saved_at    TEXT NOT NULL,
        PRIMARY KEY (base_url, namespace, session_id, message_id)
    );",
    // 2 -> 3: corrected replies, every version kept; the latest of a message wins.
    "CREATE TABLE corrections (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        base_url    TEXT NOT NULL,
        namespace   TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        prompt      TEXT,
        original    TEXT NOT NULL,
        corrected   TEXT NOT NULL,
        reviewer    TEXT NOT NULL,
        made_at     TEXT NOT NULL
    );
    CREATE INDEX corrections_by_message
        ON corrections (base_url, namespace, session_id, message_id, id);
    CREATE INDEX corrections_by_made_at ON corrections (made_at);",
    // 3 -> 4: the send window (a rating waits until `send_after`), and the reviewer's
    // undo history: a step is one action, and changes one or more messages.
    "ALTER TABLE ratings ADD COLUMN send_after TEXT;
    CREATE TABLE undo_steps (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        base_url    TEXT NOT NULL,
        namespace   TEXT NOT NULL,
        reviewer    TEXT NOT NULL,
        made_at     TEXT NOT NULL,
        undone      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX undo_steps_by_owner ON undo_steps (base_url, namespace, reviewer, id);
    CREATE TABLE undo_changes (
        step_id       INTEGER NOT NULL REFERENCES undo_steps (id) ON DELETE CASCADE,
        session_id    TEXT NOT NULL,
        message_id    TEXT NOT NULL,
        before_rating TEXT CHECK (before_rating IN ('positive', 'negative')),
        before_text   TEXT,
        after_rating  TEXT NOT NULL CHECK (after_rating IN ('positive', 'negative')),
        after_text    TEXT
    );
    CREATE INDEX undo_changes_by_step ON undo_changes (step_id);",
    // 4 -> 5: the ratings whose text holds a tag line, for the namespace's tag count.
    super::tagcounts::MIGRATION,
    // 5 -> 6: deferred replies (put aside to judge later; never sent), and their part
    // of an undo step.
    super::defer::MIGRATION,
    // 6 -> 7, stats: `replaced` marks every rating but the latest of its message, kept by
    // triggers (a newer rating replaces; deleting the latest, as undo in the send window
    // does, makes the one before it the latest again), so the stats read the latest
    // ratings in one pass instead of comparing each row with its message's others.
    "ALTER TABLE ratings ADD COLUMN replaced INTEGER NOT NULL DEFAULT 0;
    UPDATE ratings SET replaced = 1
     WHERE EXISTS (SELECT 1 FROM ratings n
                   WHERE n.base_url = ratings.base_url AND n.namespace = ratings.namespace
                     AND n.session_id = ratings.session_id
                     AND n.message_id = ratings.message_id AND n.id > ratings.id);
    CREATE INDEX ratings_latest_by_made_at ON ratings (replaced, made_at);
    CREATE TRIGGER ratings_replace AFTER INSERT ON ratings BEGIN
        UPDATE ratings SET replaced = 1
         WHERE base_url = NEW.base_url AND namespace = NEW.namespace
           AND session_id = NEW.session_id AND message_id = NEW.message_id
           AND id < NEW.id AND replaced = 0;
    END;
    CREATE TRIGGER ratings_unreplace AFTER DELETE ON ratings WHEN OLD.replaced = 0 BEGIN
        UPDATE ratings SET replaced = 0
         WHERE id = (SELECT MAX(id) FROM ratings
                     WHERE base_url = OLD.base_url AND namespace = OLD.namespace
                       AND session_id = OLD.session_id AND message_id = OLD.message_id);
    END;",
];

/// Opens (creating and migrating) the journal database at `path`: a private file, a
/// write-ahead log and `synchronous=FULL` (a rating survives power loss, not only a
/// crash), as every verdict database is opened. A `verdict rate` beside the reviewer may
/// hold the write lock briefly: the busy timeout waits for it.
pub(super) fn open(path: &Path) -> Result<Connection, JournalError> {
    let conn = sqlite::open(path, &sqlite::Options::default())?;
    sqlite::migrate(&conn, path, MIGRATIONS)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::Rating;
    use crate::journal::fixtures::{rate, target};
    use crate::journal::{Draft, Journal};

    #[test]
    fn a_version_1_journal_is_upgraded_and_keeps_its_ratings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute(
                "INSERT INTO ratings (base_url, namespace, session_id, message_id, rating, reviewer, made_at, state)
                 VALUES ('http://127.0.0.1:1', 'ns', 'ses_a', 'm1', 'positive', 'ann', '2026-01-01T00:00:00.000000Z', 'pending')",
                [],
            )
            .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        let mut j = Journal::open(&path).unwrap();
        let pending = j.pending("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].target.message_id, "m1");
        j.save_draft(
            &target("m1"),
            &Draft {
                rating: Rating::Positive,
                text: "kept".into(),
            },
        )
        .unwrap();
        assert_eq!(j.drafts("http://127.0.0.1:1", "ns").unwrap().len(), 1);
    }

    #[test]
    fn a_version_2_journal_is_upgraded_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.execute(
                "INSERT INTO ratings (base_url, namespace, session_id, message_id, rating, reviewer, made_at, state)
                 VALUES ('http://127.0.0.1:1', 'ns', 'ses_a', 'm1', 'negative', 'ann', '2026-01-01T00:00:00.000000Z', 'pending')",
                [],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO drafts (base_url, namespace, session_id, message_id, rating, text, saved_at)
                 VALUES ('http://127.0.0.1:1', 'ns', 'ses_a', 'm2', 'positive', 'half a note', '2026-01-01T00:00:00.000000Z')",
                [],
            )
            .unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
        }
        let mut j = Journal::open(&path).unwrap();
        let v: i64 = j
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let pending = j.pending("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].rating, Rating::Negative);
        let drafts = j.drafts("http://127.0.0.1:1", "ns").unwrap();
        assert_eq!(drafts[0].draft.text, "half a note");
        let c = crate::journal::NewCorrection {
            prompt: None,
            original: "old".into(),
            corrected: "new".into(),
        };
        j.record_correction(&target("m1"), &c, "ann").unwrap();
        assert_eq!(
            j.corrections_for_session("http://127.0.0.1:1", "ns", "ses_a")
                .unwrap()[0]
                .corrected,
            "new"
        );
    }

    #[test]
    fn a_version_4_journal_marks_all_but_the_latest_rating_of_each_message_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        {
            let conn = Connection::open(&path).unwrap();
            for m in &MIGRATIONS[..4] {
                conn.execute_batch(m).unwrap();
            }
            for (msg, rating) in [("m1", "positive"), ("m1", "negative"), ("m2", "positive")] {
                conn.execute(
                    "INSERT INTO ratings (base_url, namespace, session_id, message_id, rating, reviewer, made_at, state)
                     VALUES ('http://127.0.0.1:1', 'ns', 'ses_a', ?1, ?2, 'ann', '2026-01-01T00:00:00.000000Z', 'sent')",
                    [msg, rating],
                )
                .unwrap();
            }
            conn.pragma_update(None, "user_version", 4).unwrap();
        }
        let j = Journal::open(&path).unwrap();
        let replaced: Vec<(i64, i64)> = j
            .conn
            .prepare("SELECT id, replaced FROM ratings ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(replaced, vec![(1, 1), (2, 0), (3, 0)]);
    }

    #[test]
    fn newer_schema_is_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = Journal::open(&path).err().unwrap().to_string();
        assert!(err.contains("newer verdict"), "{err}");
        assert!(err.contains("journal.db"), "{err}");
    }

    #[test]
    fn reopening_keeps_rows_and_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let id = {
            let mut j = Journal::open(&path).unwrap();
            rate(&mut j, "m1", Rating::Positive).id
        };
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.entry(id).unwrap().unwrap().reviewer, "ann");
        let v: i64 = j
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let sync: i64 = j
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
