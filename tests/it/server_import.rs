//! `verdict import` run as the built binary against a real server's database, read back over HTTP.

use crate::common::{self, SAMPLE_JSONL, TestServer, text};
use serde_json::json;
use std::path::Path;
use std::process::Output;

/// `verdict import --db DB --namespace test [extra...] FILE` against the test server's database.
fn import(server: &TestServer, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "import",
        "--namespace",
        &server.namespace,
        "--db",
        server.db.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    common::run(server.dir.path(), &args)
}

fn write(server: &TestServer, name: &str, contents: &str) -> std::path::PathBuf {
    let path = server.dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// Two conversations with no names, ids or times, then the sample (names and times given).
fn untimed_and_sample() -> String {
    let untimed = |q: &str| {
        json!({"messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": format!("{q}\nmore detail")},
            {"role": "assistant", "content": "done"}]})
        .to_string()
    };
    // The first line again at the end: identical lines are one session.
    format!(
        "{}\n{}\n{SAMPLE_JSONL}{}\n",
        untimed("First question"),
        untimed("Second question"),
        untimed("First question")
    )
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing() {
    let server = TestServer::start().await;
    let file = write(&server, "chats.jsonl", &untimed_and_sample());
    let out = import(&server, &file, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Imported 5 sessions (15 messages) into namespace test."),
        "{}",
        text(&out.stdout)
    );
    assert!(
        !text(&out.stderr).contains("already exist"),
        "{}",
        text(&out.stderr)
    );
    let before = server.sessions().await;
    assert_eq!(before.len(), 5);

    let out = import(&server, &file, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Imported 0 sessions (0 messages) into namespace test. 5 sessions were already there, unchanged."),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("5 sessions already exist with the same messages"),
        "{}",
        text(&out.stderr)
    );
    let after = server.sessions().await;
    assert_eq!(after, before, "a rerun must not add or change sessions");

    // Unnamed sessions are titled from their first user message.
    let names: Vec<_> = after
        .iter()
        .filter_map(|s| s.session_name.clone())
        .collect();
    for name in [
        "First question",
        "Second question",
        "tools",
        "no-memory",
        "short",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }
    // Missing times are in the past, in file order: the first line's session is older.
    let now = chrono::Utc::now();
    let time = |name: &str, pick: fn(&verdict::api::model::GetSessionResponse) -> &String| {
        let s = after
            .iter()
            .find(|s| s.session_name.as_deref() == Some(name))
            .unwrap();
        chrono::DateTime::parse_from_rfc3339(pick(s)).unwrap()
    };
    let first_end = time("First question", |s| &s.last_activity_at);
    let second_start = time("Second question", |s| &s.created_at);
    let second_end = time("Second question", |s| &s.last_activity_at);
    assert!(first_end < second_start, "{first_end} !< {second_start}");
    assert!(second_end < now, "{second_end} is not in the past");
    let history = server
        .history(
            &after
                .iter()
                .find(|s| s.session_name.as_deref() == Some("Second question"))
                .unwrap()
                .session_id,
        )
        .await;
    let stamps: Vec<_> = history.iter().map(|m| m.timestamp.clone()).collect();
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
}

/// A history document for session `ses_fixed` with one exchange whose answer is `answer`.
fn history_doc(answer: &str) -> String {
    json!({
        "session_id": "ses_fixed",
        "messages": [
            {"message_id": "msg_q", "role": "user", "content": "What is 2+2?", "content_type": "text",
             "timestamp": "2026-03-01T10:00:00Z"},
            {"message_id": "msg_a", "role": "assistant", "content": answer, "content_type": "text",
             "timestamp": "2026-03-01T10:00:05Z"}],
        "total_messages": 2, "returned_messages": 2, "has_more": false
    })
    .to_string()
}

#[tokio::test]
async fn explicit_ids_same_content_is_unchanged_other_content_needs_replace() {
    let server = TestServer::start().await;
    let doc = write(&server, "session.json", &history_doc("4"));
    let out = import(&server, &doc, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sessions = server.sessions().await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].session_id, "ses_fixed");
    assert_eq!(sessions[0].session_name.as_deref(), Some("What is 2+2?"));

    // A rating given before a rerun survives it.
    let rate = verdict::api::model::SubmitFeedbackRequest {
        message_id: "msg_a".into(),
        rating: verdict::api::model::Rating::Positive,
        feedback_text: None,
    };
    server
        .client()
        .submit_feedback("ses_fixed", &rate)
        .await
        .unwrap();
    let ratings = || async {
        let client = server.client();
        let feedback = client.feedback_listing("ses_fixed").await.unwrap().unwrap();
        let memory = client.memory_listing("ses_fixed").await.unwrap().unwrap();
        (feedback.feedback.len(), memory.memories.len())
    };
    assert_eq!(ratings().await, (1, 1));

    // Same id, same messages: unchanged, and said so.
    let out = import(&server, &doc, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("session ses_fixed already exists with the same messages"),
        "{}",
        text(&out.stderr)
    );

    // Same id, other messages: refused, nothing changes, and the way out is named.
    assert_eq!(ratings().await, (1, 1));
    let changed = write(&server, "changed.json", &history_doc("five"));
    let out = import(&server, &changed, &[]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:1: session ses_fixed is already in namespace test with other messages",
            changed.display()
        )) && stderr.contains("--replace"),
        "{stderr}"
    );
    let history = server.history("ses_fixed").await;
    assert_eq!(history[1].content, "4");

    // --replace loads the file's copy, with the file's message ids.
    let out = import(&server, &changed, &["--replace"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 session replaced an earlier copy."),
        "{}",
        text(&out.stdout)
    );
    let history = server.history("ses_fixed").await;
    assert_eq!(history[1].content, "five");
    assert_eq!(history[1].message_id, "msg_a");
    // The stored copy went with its ratings and memory entries.
    assert_eq!(ratings().await, (0, 0));
    assert_eq!(server.sessions().await.len(), 1);

    // In JSONL, metadata.session_id is an explicit id; a conflict on line 2 refuses the
    // whole file, so line 1's new session is not added either.
    let line = |id: &str, answer: &str| {
        json!({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": answer}],
               "metadata": {"session_id": id, "created_at": "2026-03-02T00:00:00Z"}})
        .to_string()
    };
    let jsonl = write(
        &server,
        "ids.jsonl",
        &format!("{}\n{}\n", line("ses_new", "a"), line("ses_fixed", "b")),
    );
    let out = import(&server, &jsonl, &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(&format!("{}:2: session ses_fixed", jsonl.display())),
        "{}",
        text(&out.stderr)
    );
    // Two lines of one file with one id and other messages: refused even with --replace.
    let twice = write(
        &server,
        "twice.jsonl",
        &format!("{}\n{}\n", line("ses_two", "a"), line("ses_two", "b")),
    );
    let out = import(&server, &twice, &["--replace"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(&format!(
            "{}:2: session ses_two is also on line 1",
            twice.display()
        )),
        "{}",
        text(&out.stderr)
    );
    let ids: Vec<_> = server
        .sessions()
        .await
        .into_iter()
        .map(|s| s.session_id)
        .collect();
    assert_eq!(ids, ["ses_fixed"]);
}

#[tokio::test]
async fn bad_ids_times_and_sizes_are_named_by_line_and_nothing_is_imported() {
    let server = TestServer::start().await;
    let line = |meta: serde_json::Value, content: &str| {
        json!({"messages": [{"role": "user", "content": content}, {"role": "assistant", "content": "a"}],
               "metadata": meta})
        .to_string()
    };
    let file = write(
        &server,
        "bad.jsonl",
        &[
            line(json!({}), "fine"),
            line(json!({"session_id": "../../etc/passwd"}), "q"),
            line(json!({"session_id": "x".repeat(100_000)}), "q"),
            line(json!({"session_id": "ses_\u{1b}]0;owned\u{7}"}), "q"),
            line(json!({"created_at": "9999-12-31T23:59:59Z"}), "q"),
            line(json!({"created_at": "1969-07-20T20:17:00Z"}), "q"),
            line(json!({}), &"m".repeat(2_000)),
        ]
        .join("\n"),
    );
    let out = import(&server, &file, &["--max-message-bytes", "1000"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    let name = file.display().to_string();
    for n in 2..=7 {
        assert!(
            stderr.contains(&format!("{name}:{n}: ")),
            "line {n} not named:\n{stderr}"
        );
    }
    assert!(!stderr.contains(&format!("{name}:1:")), "{stderr}");
    assert!(
        stderr.len() < 4_000,
        "the 100,000-character id is echoed: {} bytes",
        stderr.len()
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert!(stderr.contains("--max-message-bytes"), "{stderr}");
    assert!(stderr.contains("9989-12-31T23:59:59Z"), "{stderr}");
    assert!(
        server.sessions().await.is_empty(),
        "part of a bad file was imported"
    );

    // A file over --max-file-bytes is refused before it is read.
    let out = import(&server, &file, &["--max-file-bytes", "100"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("over the limit of 100 bytes")
            && text(&out.stderr).contains("--max-file-bytes"),
        "{}",
        text(&out.stderr)
    );

    // Standard input is read only one byte past the cap.
    let mut child = common::verdict(server.dir.path())
        .args([
            "import",
            "--namespace",
            "test",
            "--max-file-bytes",
            "100",
            "--db",
        ])
        .arg(&server.db)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        // The importer stops reading at the cap, so a refused write is expected here.
        let _ = stdin.write_all(SAMPLE_JSONL.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("standard input: the file is more than 100 bytes"),
        "{}",
        text(&out.stderr)
    );

    // A history document with a message id holding a path is refused too.
    let doc = history_doc("4").replace("msg_a", "msg/../a");
    let doc = write(&server, "doc.json", &doc);
    let out = import(&server, &doc, &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("messages[1].message_id"),
        "{}",
        text(&out.stderr)
    );
    assert!(server.sessions().await.is_empty());
}

#[tokio::test]
async fn the_latest_accepted_time_comes_back_with_a_four_digit_year() {
    let server = TestServer::start().await;
    let line = json!({"messages": [{"role": "user", "content": "late"}, {"role": "assistant", "content": "yes"}],
                      "metadata": {"created_at": "9989-12-31T23:59:59Z"}});
    let file = write(&server, "late.jsonl", &line.to_string());
    let out = import(&server, &file, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = &server.sessions().await[0];
    for t in [&s.created_at, &s.last_activity_at, &s.expires_at] {
        assert!(t.starts_with("9989-") || t.starts_with("9990-"), "{t}");
    }
    let history = server.history(&s.session_id).await;
    assert!(
        history
            .iter()
            .all(|m| m.timestamp.starts_with("9989-") || m.timestamp.starts_with("9990-"))
    );
}
