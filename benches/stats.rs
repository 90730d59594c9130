//! The stats screen's numbers: this run's and all time's from a journal holding 100,000
//! ratings (a third negative and tagged, three reviewers, 10,000 sessions, a month of
//! work, some messages rated twice), as `S` asks of the journal thread: warm (the
//! thread read the latest ratings at start; one rating was made since) and cold.
//!
//! Run: cargo bench --bench stats -- --warm-up-time 1 --measurement-time 5

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may stop on a broken fixture

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use verdict::journal::Journal;
use verdict::review::stats::report;

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
    let mut journal = Journal::open(&path).expect("the journal opens");
    let scope = Some(vec![(BASE.to_string(), NAMESPACE.to_string())]);
    // A run of the last hour.
    let run_since = verdict::journal::to_journal_time(now - chrono::Duration::hours(1));
    let started = verdict::journal::stats::parse_micros(&run_since);
    let mut g = c.benchmark_group("stats");
    g.sample_size(20);
    // What `S` costs: the journal's thread read every latest rating at start, and each
    // opening reads only the ratings made since the last (here one, as after a rating).
    let mut n = 0u64;
    g.bench_function("screen_100k_ratings", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                let target = verdict::journal::Target {
                    base_url: BASE.into(),
                    namespace: NAMESPACE.into(),
                    session_id: "ses_new".into(),
                    message_id: format!("new_{n}"),
                };
                journal
                    .record(
                        &target,
                        verdict::api::model::Rating::Negative,
                        Some("tags: #tone"),
                        "ann",
                    )
                    .expect("record");
                let t = std::time::Instant::now();
                black_box(report(&mut journal, &scope, started, now).expect("report"));
                spent += t.elapsed();
            }
            spent
        })
    });
    // The first opening when the cache was not read yet (or a rating was deleted since).
    g.bench_function("screen_100k_ratings_cold", |b| {
        b.iter_batched(
            || Journal::open(&path).expect("the journal opens"),
            |mut fresh| black_box(report(&mut fresh, &scope, started, now).expect("report")),
            criterion::BatchSize::PerIteration,
        )
    });
    // `verdict stats`: one query, no cache.
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
