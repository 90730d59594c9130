//! The stats screen's query: this run's and all time's numbers from a journal holding
//! 100,000 ratings (a third negative and tagged, three reviewers, 10,000 sessions, a
//! month of work, some messages rated twice), as `S` asks of the journal thread.
//!
//! Run: cargo bench --bench stats -- --warm-up-time 1 --measurement-time 5

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may stop on a broken fixture

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use verdict::journal::Journal;
use verdict::journal::stats::{Summary, per_minute};

const RATINGS: i64 = 100_000;
const BASE: &str = "http://127.0.0.1:8000";
const NAMESPACE: &str = "bench";

/// A journal with `RATINGS` ratings, written in one transaction (the reviewer commits
/// each alone; the numbers read are the same).
fn fill(path: &std::path::Path, now: chrono::DateTime<chrono::Utc>) {
    drop(Journal::open(path).expect("the journal opens"));
    let mut conn = rusqlite::Connection::open(path).expect("open");
    let tx = conn.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO ratings (base_url, namespace, session_id, message_id, rating, text,
                                      reviewer, made_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'sent')",
            )
            .expect("prepare");
        let tags = [
            "hallucination",
            "wrong_tool",
            "incomplete",
            "tone",
            "verbose",
        ];
        let reviewers = ["ann", "bob", "cy"];
        for i in 0..RATINGS {
            // A month back to now, 26 s apart on average.
            let at = now - chrono::Duration::seconds((RATINGS - i) * 26);
            // One in twenty is a second rating of an earlier message.
            let message = if i % 20 == 19 { i - 7 } else { i };
            let negative = i % 3 == 0;
            let text = negative.then(|| {
                format!(
                    "made up the total\ntags: #{} #{}",
                    tags[(i % 5) as usize],
                    tags[((i / 5) % 5) as usize]
                )
            });
            insert
                .execute(rusqlite::params![
                    BASE,
                    NAMESPACE,
                    format!("ses_{:08}", message / 10),
                    format!("msg_{message:010}"),
                    if negative { "negative" } else { "positive" },
                    text,
                    reviewers[(i % 3) as usize],
                    verdict::journal::to_journal_time(at),
                ])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
}

fn stats(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("journal.db");
    let now = chrono::Utc::now();
    fill(&path, now);
    let journal = Journal::open(&path).expect("the journal opens");
    let scope = Some(vec![(BASE.to_string(), NAMESPACE.to_string())]);
    // A run of the last hour.
    let run_since = verdict::journal::to_journal_time(now - chrono::Duration::hours(1));
    let mut g = c.benchmark_group("stats");
    g.sample_size(20);
    g.bench_function("screen_100k_ratings", |b| {
        b.iter(|| {
            let run = journal.stats_rows(Some(&run_since), &scope).expect("run");
            let all = journal.stats_rows(None, &scope).expect("all");
            let times: Vec<i64> = run.iter().map(|r| r.at).collect();
            let minutes = per_minute(
                &times,
                verdict::journal::stats::parse_micros(&run_since),
                now.timestamp_micros(),
            );
            black_box((Summary::of(&run), Summary::of(&all), minutes))
        })
    });
    g.bench_function("all_time_rows_100k", |b| {
        b.iter(|| black_box(journal.stats_rows(None, &scope).expect("all")))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = benches;
    config = config();
    targets = stats
}
criterion_main!(benches);
