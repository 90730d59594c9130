//! `verdict seed` through the binary, then read and rated through the real server.

use crate::common::{client, keys_create, run, text};
use std::net::SocketAddr;
use std::path::Path;
use verdict::api::model::{ListSessionsRequest, Rating, SessionStatus, SubmitFeedbackRequest};

fn seed(home: &Path, db: &Path, namespace: &str, sessions: u32, messages: u32) -> String {
    let out = run(
        home,
        &[
            "seed",
            "--db",
            db.to_str().unwrap(),
            "--namespace",
            namespace,
            "--sessions",
            &sessions.to_string(),
            "--messages",
            &messages.to_string(),
        ],
    );
    assert!(out.status.success(), "seed failed: {}", text(&out.stderr));
    text(&out.stdout)
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

#[tokio::test]
async fn seeded_sessions_can_be_listed_read_and_rated() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("seeded.db");
    let said = seed(home.path(), &db, "seeded", 60, 12);
    assert!(said.contains("Created namespace seeded"), "{said}");
    assert!(said.contains("Seeded 60 sessions"), "{said}");
    let key = keys_create(home.path(), &db, "seeded");

    let server = verdict::server::start(&db, loopback()).await.unwrap();
    let client = client(&server.base_url(), &key, "seeded");
    let sessions = client
        .list_sessions(&ListSessionsRequest::default(), 25)
        .await
        .unwrap();
    assert_eq!(sessions.len(), 60);
    let page = client
        .list_sessions_page(&ListSessionsRequest::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(page.total, 60);
    for status in SessionStatus::ALL {
        assert!(
            sessions.iter().filter(|s| s.status == status).count() > 0,
            "no {status} session among {}",
            sessions.len()
        );
    }

    let mut total_messages = 0;
    let mut target = None;
    for s in &sessions {
        let history = client.history(&s.session_id).await.unwrap();
        assert_eq!(history.len() as u64, s.message_count, "{}", s.session_id);
        let review = s.review.expect("review counters");
        let assistant: Vec<_> = history.iter().filter(|m| m.is_assistant()).collect();
        assert!(!assistant.is_empty(), "{} has no answers", s.session_id);
        assert_eq!(assistant.len() as u64, review.assistant_messages);
        assert!(review.rated_messages <= review.assistant_messages);
        total_messages += history.len();
        if target.is_none() && review.rated_messages == 0 {
            target = assistant
                .last()
                .map(|m| (s.session_id.clone(), m.message_id.clone()));
        }
    }
    // Lengths vary around 12: the mean lands near it.
    let mean = total_messages as f64 / sessions.len() as f64;
    assert!((8.0..=16.0).contains(&mean), "mean {mean}");

    let (session_id, message_id) = target.expect("an unrated session");
    let receipt = client
        .submit_feedback(
            &session_id,
            &SubmitFeedbackRequest {
                message_id: message_id.clone(),
                rating: Rating::Positive,
                feedback_text: Some("seeded and rated".into()),
            },
        )
        .await
        .unwrap();
    let rated = client.get_session(&session_id).await.unwrap();
    assert_eq!(receipt.message_id, message_id);
    // A fresh session defaults to memory enabled; seeding turns it off for some.
    let memory = client.memory_listing(&session_id).await.unwrap().unwrap();
    assert_eq!(
        receipt.stored,
        memory.memories.iter().any(|m| m.message_id == message_id)
    );
    assert_eq!(rated.review.unwrap().rated_messages, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn seeded_ratings_agree_with_the_feedback_and_memory_listings() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("rated.db");
    seed(home.path(), &db, "rated", 80, 10);
    let key = keys_create(home.path(), &db, "rated");
    let server = verdict::server::start(&db, loopback()).await.unwrap();
    let client = client(&server.base_url(), &key, "rated");
    let sessions = client
        .list_sessions(&ListSessionsRequest::default(), 100)
        .await
        .unwrap();
    let reviewed: Vec<_> = sessions
        .iter()
        .filter(|s| s.review.as_ref().is_some_and(|r| r.rated_messages > 0))
        .collect();
    assert!(!reviewed.is_empty(), "no session arrives part-reviewed");
    for s in reviewed {
        let feedback = client
            .feedback_listing(&s.session_id)
            .await
            .unwrap()
            .unwrap();
        let rated = s.review.as_ref().unwrap().rated_messages as usize;
        assert_eq!(feedback.feedback.len(), rated, "{}", s.session_id);
        let memory = client.memory_listing(&s.session_id).await.unwrap().unwrap();
        let stored = feedback.feedback.iter().filter(|f| f.stored).count();
        assert_eq!(memory.memories.len(), stored, "{}", s.session_id);
        for m in &memory.memories {
            assert!(m.user_message_id.is_some(), "{m:?}");
        }
        // Only positive ratings store, and each stored exchange has its positive rating.
        assert!(
            feedback
                .feedback
                .iter()
                .all(|f| !f.stored || f.rating == Rating::Positive)
        );
    }
    server.shutdown().await;
}

#[test]
fn same_arguments_give_the_same_transcripts_and_a_second_run_adds_more() {
    let home = tempfile::tempdir().unwrap();
    let (a, b) = (home.path().join("a.db"), home.path().join("b.db"));
    seed(home.path(), &a, "n", 15, 6);
    seed(home.path(), &b, "n", 15, 6);
    let said = seed(home.path(), &b, "n", 5, 6);
    assert!(!said.contains("Created namespace"), "{said}");

    let contents = |db: &Path| -> Vec<String> {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn
            .prepare("SELECT content FROM messages ORDER BY rowid")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let (ca, cb) = (contents(&a), contents(&b));
    assert!(cb.len() > ca.len());
    assert_eq!(ca, cb[..ca.len()]);
}

#[test]
fn bad_arguments_are_refused_with_a_sentence() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("x.db");
    let db = db.to_str().unwrap();
    for (args, says) in [
        (
            ["--sessions", "0", "--messages", "5"],
            "--sessions 1 or more",
        ),
        (
            ["--sessions", "3", "--messages", "1"],
            "--messages 2 or more",
        ),
        (
            ["--sessions", "3", "--messages", "9223372036854775807"],
            "--messages 100000 or fewer",
        ),
        (
            ["--sessions", "18446744073709551615", "--messages", "5"],
            "--sessions 10000000 or fewer",
        ),
    ] {
        let mut all = vec!["seed", "--db", db, "--namespace", "ok"];
        all.extend(args);
        let out = run(home.path(), &all);
        assert!(!out.status.success());
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
    let out = run(
        home.path(),
        &[
            "seed",
            "--db",
            db,
            "--namespace",
            "ns_taken",
            "--sessions",
            "1",
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("reserved"),
        "{}",
        text(&out.stderr)
    );
}
