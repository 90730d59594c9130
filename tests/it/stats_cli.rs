//! `verdict stats` through the built binary, on a journal whose ratings were made with
//! `verdict rate` against the real local server.

use crate::common::{TestServer, assistant_ids};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs verdict with its own config and data directories, as reviewer "ann".
async fn verdict(dir: &Path, test: &TestServer, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verdict"));
    let data: PathBuf = dir.join("data");
    cmd.args(args)
        .env_remove("MIXPEEK_API_KEY")
        .env("HOME", dir)
        .env("VERDICT_DATA_DIR", &data)
        .env("VERDICT_CONFIG_DIR", dir.join("config"))
        .env("USER", "ann")
        .env("MIXPEEK_BASE_URL", test.base_url())
        .env("MIXPEEK_NAMESPACE", &test.namespace)
        .env("MIXPEEK_API_KEY", test.key.expose())
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("run verdict");
    assert!(
        out.status.success(),
        "verdict {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).expect("one JSON document")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_json_counts_the_journal_s_ratings_made_through_the_server() {
    let test = TestServer::with_sample().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    let tools = test.session_named("tools").await.session_id;
    let replies = assistant_ids(&test.history(&tools).await);
    assert!(replies.len() >= 2, "{replies:?}");
    let (first, last) = (&replies[0], &replies[replies.len() - 1]);

    // Nothing yet: zeros, not an error.
    let doc = json(&verdict(dir.path(), &test, &["stats", "--json"]).await);
    assert_eq!(doc["ratings"], 0);
    assert_eq!(doc["positive_share"], serde_json::Value::Null);

    verdict(dir.path(), &test, &["rate", &tools, first, "positive"]).await;
    verdict(
        dir.path(),
        &test,
        &["rate", &tools, last, "positive", "--text", "fine"],
    )
    .await;
    // Rated again: counts once, as its latest rating.
    verdict(
        dir.path(),
        &test,
        &[
            "rate",
            &tools,
            last,
            "negative",
            "--tag",
            "hallucination",
            "--tag",
            "tone",
        ],
    )
    .await;

    let doc = json(&verdict(dir.path(), &test, &["stats", "--json"]).await);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["since"], serde_json::Value::Null);
    assert_eq!(doc["ratings"], 2);
    assert_eq!(doc["positive"], 1);
    assert_eq!(doc["negative"], 1);
    assert_eq!(doc["positive_share"], 0.5);
    assert_eq!(doc["negatives_by_tag"][0]["tag"], "hallucination");
    assert_eq!(doc["negatives_by_tag"][0]["negative"], 1);
    assert_eq!(doc["negatives_by_tag"][1]["tag"], "tone");
    assert_eq!(doc["untagged_negatives"], 0);
    assert_eq!(doc["session_count"], 1);
    assert_eq!(doc["sessions"][0]["name"], tools.as_str());
    assert_eq!(doc["sessions"][0]["ratings"], 2);
    assert_eq!(doc["reviewer_count"], 1);
    assert_eq!(doc["reviewers"][0]["name"], "ann");
    // Two ratings seconds apart: a pace.
    assert!(doc["pace"]["median_seconds"].is_number(), "{doc}");
    assert_eq!(doc["pace"]["breaks"], 0);

    // A window: a duration back from now holds them, a date to come holds none.
    let doc = json(&verdict(dir.path(), &test, &["stats", "--since", "1h", "--json"]).await);
    assert_eq!(doc["ratings"], 2);
    assert!(doc["since"].is_string());
    let doc = json(
        &verdict(
            dir.path(),
            &test,
            &["stats", "--since", "2999-01-01", "--json"],
        )
        .await,
    );
    assert_eq!(doc["ratings"], 0);

    // The table says the same.
    let out = verdict(dir.path(), &test, &["stats"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("2 rated replies (all time): 1 positive (50%), 1 negative"),
        "{text}"
    );
    assert!(text.contains("hallucination"), "{text}");
    assert!(text.contains("reviewers (1 in this journal)"), "{text}");
}
