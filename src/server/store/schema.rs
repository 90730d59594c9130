//! The server's schema: each migration upgrades it by one version, counted in `PRAGMA user_version`.

/// Each step upgrades the schema by one version; `PRAGMA user_version` counts the steps applied.
pub(super) const MIGRATIONS: &[&str] = &[
    // v1: tenancy, sessions, messages, and every rating recorded.
    r#"
    CREATE TABLE orgs (
        rowid INTEGER PRIMARY KEY,
        internal_id TEXT NOT NULL UNIQUE,
        created_us INTEGER NOT NULL
    );
    CREATE TABLE api_keys (
        rowid INTEGER PRIMARY KEY,
        key_hash BLOB NOT NULL UNIQUE,
        org_rowid INTEGER NOT NULL REFERENCES orgs(rowid),
        created_us INTEGER NOT NULL
    );
    CREATE TABLE namespaces (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL UNIQUE,
        org_rowid INTEGER NOT NULL REFERENCES orgs(rowid),
        created_us INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        namespace_rowid INTEGER NOT NULL REFERENCES namespaces(rowid),
        user_id TEXT,
        session_name TEXT,
        agent_config TEXT NOT NULL,
        user_memory TEXT NOT NULL DEFAULT '{}',
        metadata TEXT NOT NULL DEFAULT '{}',
        quotas TEXT,
        enable_memory INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL,
        message_count INTEGER NOT NULL DEFAULT 0,
        tool_calls INTEGER NOT NULL DEFAULT 0,
        created_us INTEGER NOT NULL,
        updated_us INTEGER NOT NULL,
        last_activity_us INTEGER NOT NULL,
        expires_us INTEGER NOT NULL,
        terminated_us INTEGER
    );
    CREATE INDEX sessions_by_activity
        ON sessions(namespace_rowid, last_activity_us DESC, rowid DESC);
    CREATE TABLE messages (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        session_rowid INTEGER NOT NULL REFERENCES sessions(rowid),
        seq INTEGER NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        content_type TEXT NOT NULL,
        tool_name TEXT,
        tool_inputs TEXT,
        tool_outputs TEXT,
        tool_status TEXT,
        timestamp_us INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX messages_by_session ON messages(session_rowid, seq);
    CREATE TABLE feedback (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        session_rowid INTEGER NOT NULL REFERENCES sessions(rowid),
        message_rowid INTEGER NOT NULL REFERENCES messages(rowid),
        rating TEXT NOT NULL CHECK (rating IN ('positive', 'negative')),
        feedback_text TEXT,
        stored INTEGER NOT NULL,
        recorded_us INTEGER NOT NULL
    );
    CREATE INDEX feedback_by_message ON feedback(session_rowid, message_rowid);
    "#,
    // v2: the memory of stored exchanges, and per-session review counters so listing
    // never scans messages. Existing ratings are replayed into both.
    r#"
    ALTER TABLE sessions ADD COLUMN assistant_messages INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN rated_messages INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN rating TEXT;
    CREATE TABLE memory (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        session_rowid INTEGER NOT NULL REFERENCES sessions(rowid),
        message_rowid INTEGER NOT NULL UNIQUE REFERENCES messages(rowid),
        user_message_rowid INTEGER REFERENCES messages(rowid),
        stored_us INTEGER NOT NULL
    );
    CREATE INDEX memory_by_session ON memory(session_rowid);
    UPDATE messages SET rating = (
        SELECT f.rating FROM feedback f WHERE f.message_rowid = messages.rowid
        ORDER BY f.rowid DESC LIMIT 1);
    UPDATE sessions SET
        assistant_messages = (SELECT count(*) FROM messages m
            WHERE m.session_rowid = sessions.rowid AND m.role = 'assistant'),
        rated_messages = (SELECT count(*) FROM messages m
            WHERE m.session_rowid = sessions.rowid AND m.rating IS NOT NULL);
    INSERT INTO memory (id, session_rowid, message_rowid, user_message_rowid, stored_us)
        SELECT 'mem_' || lower(hex(randomblob(10))), m.session_rowid, m.rowid,
            (SELECT u.rowid FROM messages u WHERE u.session_rowid = m.session_rowid
                AND u.seq < m.seq AND u.role = 'user' ORDER BY u.seq DESC LIMIT 1),
            (SELECT max(f.recorded_us) FROM feedback f WHERE f.message_rowid = m.rowid)
        FROM messages m JOIN sessions s ON s.rowid = m.session_rowid
        WHERE m.rating = 'positive' AND s.enable_memory = 1;
    "#,
    // v3: full-text search over message contents, tool names and session names
    // (external-content FTS5 tables kept in step by triggers). A rating's update of
    // `messages.rating` does not touch the index. A bulk load defers the index: rows past
    // the marks in `search_index` are indexed in one pass when it ends (or when the
    // database is next opened, after a crash), which is many times cheaper than a row
    // at a time.
    r#"
    CREATE TABLE search_index (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        messages_after INTEGER,
        sessions_after INTEGER
    );
    INSERT INTO search_index (id) VALUES (1);
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, tool_name, content='messages', content_rowid='rowid',
        tokenize="unicode61 remove_diacritics 2 tokenchars '_'");
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
    WHEN (SELECT messages_after FROM search_index) IS NULL BEGIN
        INSERT INTO messages_fts(rowid, content, tool_name)
            VALUES (new.rowid, new.content, new.tool_name);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    WHEN coalesce(old.rowid <= (SELECT messages_after FROM search_index), 1) BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content, tool_name)
            VALUES ('delete', old.rowid, old.content, old.tool_name);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, tool_name ON messages
    WHEN coalesce(old.rowid <= (SELECT messages_after FROM search_index), 1) BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content, tool_name)
            VALUES ('delete', old.rowid, old.content, old.tool_name);
        INSERT INTO messages_fts(rowid, content, tool_name)
            VALUES (new.rowid, new.content, new.tool_name);
    END;
    CREATE VIRTUAL TABLE sessions_fts USING fts5(
        session_name, content='sessions', content_rowid='rowid',
        tokenize="unicode61 remove_diacritics 2 tokenchars '_'");
    CREATE TRIGGER sessions_fts_insert AFTER INSERT ON sessions
    WHEN (SELECT sessions_after FROM search_index) IS NULL BEGIN
        INSERT INTO sessions_fts(rowid, session_name) VALUES (new.rowid, new.session_name);
    END;
    CREATE TRIGGER sessions_fts_delete AFTER DELETE ON sessions
    WHEN coalesce(old.rowid <= (SELECT sessions_after FROM search_index), 1) BEGIN
        INSERT INTO sessions_fts(sessions_fts, rowid, session_name)
            VALUES ('delete', old.rowid, old.session_name);
    END;
    CREATE TRIGGER sessions_fts_update AFTER UPDATE OF session_name ON sessions
    WHEN coalesce(old.rowid <= (SELECT sessions_after FROM search_index), 1) BEGIN
        INSERT INTO sessions_fts(sessions_fts, rowid, session_name)
            VALUES ('delete', old.rowid, old.session_name);
        INSERT INTO sessions_fts(rowid, session_name) VALUES (new.rowid, new.session_name);
    END;
    INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
    INSERT INTO sessions_fts(sessions_fts) VALUES ('rebuild');
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

#[cfg(test)]
mod tests {
    use super::super::{StoreError, find_namespace, get_session, list_feedback, list_memory, open};
    use super::*;
    use crate::api::model::ReviewStats;
    use crate::sqlite::{SqliteError, migrate_to, schema_version};
    use rusqlite::Connection;

    /// A database left at schema v1 with ratings in it is upgraded on open, and the
    /// ratings are replayed into the v2 counters and memory.
    #[test]
    fn v1_database_is_upgraded_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).unwrap();
            migrate_to(&conn, &path, MIGRATIONS, 1).unwrap();
            assert_eq!(schema_version(&conn).unwrap(), 1);
            conn.execute_batch(
                "INSERT INTO orgs (rowid, internal_id, created_us) VALUES (1, 'int_a', 0);
                 INSERT INTO namespaces (rowid, id, name, org_rowid, created_us)
                     VALUES (1, 'ns_a', 'old', 1, 0);
                 INSERT INTO sessions (rowid, id, namespace_rowid, agent_config, status,
                     message_count, created_us, updated_us, last_activity_us, expires_us)
                     VALUES (1, 'ses_a', 1, '{}', 'active', 4, 0, 0, 0, 0);
                 INSERT INTO messages (rowid, id, session_rowid, seq, role, content, content_type, timestamp_us)
                     VALUES (1, 'msg_u', 1, 0, 'user', 'q', 'text', 0),
                            (2, 'msg_a', 1, 1, 'assistant', 'a', 'text', 1),
                            (3, 'msg_u2', 1, 2, 'user', 'q2', 'text', 2),
                            (4, 'msg_b', 1, 3, 'assistant', 'b', 'text', 3);
                 INSERT INTO feedback (id, session_rowid, message_rowid, rating, stored, recorded_us)
                     VALUES ('fb_1', 1, 2, 'negative', 0, 10),
                            ('fb_2', 1, 2, 'positive', 1, 20),
                            ('fb_3', 1, 4, 'positive', 1, 30),
                            ('fb_4', 1, 4, 'negative', 0, 40);",
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), SCHEMA_VERSION);
        let ns = find_namespace(&conn, 1, "old").unwrap().unwrap();
        let s = get_session(&conn, &ns, "ses_a").unwrap();
        assert_eq!(
            s.review,
            Some(ReviewStats {
                assistant_messages: 2,
                rated_messages: 2
            })
        );
        let mem = list_memory(&conn, &ns, "ses_a", u64::MAX, 0).unwrap();
        assert_eq!(mem.memories.len(), 1, "{mem:?}");
        assert_eq!(mem.memories[0].message_id, "msg_a");
        assert_eq!(mem.memories[0].user_message_id.as_deref(), Some("msg_u"));
        let fb = list_feedback(&conn, &ns, "ses_a", u64::MAX, 0).unwrap();
        assert_eq!(fb.feedback.len(), 4);
        assert_eq!(fb.feedback[0].feedback_id, "fb_4");
    }

    /// A v2 database's messages and names are indexed when it is opened by this build,
    /// and the index follows later inserts, updates and deletes.
    #[test]
    fn a_v2_database_is_searchable_after_the_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        {
            let conn = Connection::open(&path).unwrap();
            migrate_to(&conn, &path, MIGRATIONS, 2).unwrap();
            conn.execute_batch(
                "INSERT INTO orgs (rowid, internal_id, created_us) VALUES (1, 'int_a', 0);
                 INSERT INTO namespaces (rowid, id, name, org_rowid, created_us)
                     VALUES (1, 'ns_a', 'old', 1, 0);
                 INSERT INTO sessions (rowid, id, namespace_rowid, session_name, agent_config,
                     status, message_count, created_us, updated_us, last_activity_us, expires_us)
                     VALUES (1, 'ses_a', 1, 'Chunking trouble', '{}', 'active', 2, 0, 0, 0, 0);
                 INSERT INTO messages (rowid, id, session_rowid, seq, role, content, content_type, timestamp_us)
                     VALUES (1, 'msg_u', 1, 0, 'user', 'why is recall down', 'text', 0),
                            (2, 'msg_a', 1, 1, 'assistant', 'the chunk size changed', 'text', 1);",
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        let ns = find_namespace(&conn, 1, "old").unwrap().unwrap();
        let found = |q: &str| -> Vec<Option<String>> {
            super::super::search(&conn, &ns, q, 100, 0)
                .unwrap()
                .results
                .into_iter()
                .map(|h| h.message_id)
                .collect()
        };
        assert_eq!(found("chunk"), vec![None, Some("msg_a".to_string())]);
        conn.execute(
            "UPDATE messages SET content = 'nothing here' WHERE id = 'msg_a'",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE messages SET rating = 'positive' WHERE id = 'msg_u'",
            [],
        )
        .unwrap();
        assert_eq!(found("chunk"), vec![None]);
        assert_eq!(found("recall"), vec![Some("msg_u".to_string())]);
        conn.execute("DELETE FROM messages WHERE id = 'msg_u'", [])
            .unwrap();
        conn.execute("UPDATE sessions SET session_name = 'Renamed'", [])
            .unwrap();
        assert!(found("recall").is_empty());
        assert!(found("chunking").is_empty());
        assert_eq!(found("renamed"), vec![None]);
    }

    /// A bulk load indexes its rows in one pass at its end; one that stopped half way
    /// (a crash) is caught up when the database is next opened.
    #[test]
    fn deferred_indexing_is_caught_up_at_the_end_or_on_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bulk.db");
        let insert = |conn: &Connection, id: i64, word: &str| {
            conn.execute_batch(&format!(
                "INSERT INTO sessions (rowid, id, namespace_rowid, session_name, agent_config,
                     status, message_count, created_us, updated_us, last_activity_us, expires_us)
                     VALUES ({id}, 'ses_{id}', 1, 'name {word}', '{{}}', 'active', 1, 0, 0, 0, 0);
                 INSERT INTO messages (rowid, id, session_rowid, seq, role, content, content_type, timestamp_us)
                     VALUES ({id}, 'msg_{id}', {id}, 0, 'assistant', 'says {word}', 'text', 0);"
            ))
            .unwrap();
        };
        let found = |conn: &Connection, q: &str| -> usize {
            let ns = find_namespace(conn, 1, "ns").unwrap().unwrap();
            super::super::search(conn, &ns, q, 100, 0)
                .unwrap()
                .results
                .len()
        };
        {
            let conn = open(&path).unwrap();
            conn.execute_batch(
                "INSERT INTO orgs (rowid, internal_id, created_us) VALUES (1, 'int_a', 0);
                 INSERT INTO namespaces (rowid, id, name, org_rowid, created_us)
                     VALUES (1, 'ns_a', 'ns', 1, 0);",
            )
            .unwrap();
            insert(&conn, 1, "before");
            super::super::begin_bulk_load(&conn).unwrap();
            insert(&conn, 2, "during");
            assert_eq!(found(&conn, "during"), 0, "deferred");
            assert_eq!(found(&conn, "before"), 2, "earlier rows stay found");
            // An earlier row renamed or deleted while deferred keeps the index right.
            conn.execute("DELETE FROM messages WHERE rowid = 1", [])
                .unwrap();
            assert_eq!(found(&conn, "before"), 1);
            super::super::finish_bulk_load(&conn).unwrap();
            assert_eq!(found(&conn, "during"), 2, "name and message, in one pass");
            insert(&conn, 3, "after");
            assert_eq!(found(&conn, "after"), 2, "row by row again");
            super::super::begin_bulk_load(&conn).unwrap();
            insert(&conn, 4, "crashed");
            // No finish: the process stops here.
        }
        let conn = open(&path).unwrap();
        assert_eq!(found(&conn, "crashed"), 2, "caught up on open");
        let integrity: String = conn
            .query_row(
                "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1) RETURNING 'ok'",
                [],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| e.to_string());
        assert_eq!(integrity, "ok");
    }

    #[test]
    fn a_negative_schema_version_is_refused_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", -3).unwrap();
        }
        let err = open(&path).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Database(SqliteError::Foreign { found: -3, .. })
            ),
            "{err}"
        );
        assert!(err.to_string().contains("not a verdict database"), "{err}");
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = open(&path).unwrap_err();
        assert!(
            matches!(err, StoreError::Database(SqliteError::TooNew { .. })),
            "{err}"
        );
        assert!(err.to_string().contains("upgrade verdict"));
    }
}
