//! Journal write: one rating recorded and committed (WAL, `synchronous=FULL`, so each
//! one waits for the disk), as the reviewer does before showing a rating as queued.
//!
//! Also the tag count the reviewer reads at start (`Journal::tag_counts`) over 100,000
//! journaled ratings.
//! Also a bulk action: 10,000 ratings committed in one transaction, as one undo step,
//! with their exchanges (`record_many_in_window`).
//!
//! Run: cargo bench --bench journal -- --warm-up-time 1 --measurement-time 3

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may stop on a broken fixture

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use verdict::api::model::Rating;
use verdict::journal::bulk::BulkItem;
use verdict::journal::window::Rated;
use verdict::journal::{Exchange, Journal, Target};

fn target(message: u64) -> Target {
    Target {
        base_url: "http://127.0.0.1:8000".into(),
        namespace: "bench".into(),
        session_id: format!("ses_{:020}", message / 10),
        message_id: format!("msg_{message:020}"),
    }
}

fn record(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut journal = Journal::open(&dir.path().join("journal.db")).expect("the journal opens");
    // A journal that has seen some use: 10,000 earlier ratings.
    for i in 0..10_000 {
        journal
            .record(&target(i), Rating::Positive, None, "ann")
            .expect("recorded");
    }
    let mut g = c.benchmark_group("journal");
    let mut next = 1_000_000u64;
    g.bench_function("record_new_message", |b| {
        b.iter(|| {
            next += 1;
            black_box(
                journal
                    .record(
                        &target(next),
                        Rating::Positive,
                        Some("clear and correct"),
                        "ann",
                    )
                    .expect("recorded"),
            )
        })
    });
    // Rating the same message again supersedes the pending one in the same transaction.
    let same = target(42);
    let mut flip = false;
    g.bench_function("record_again_supersedes", |b| {
        b.iter(|| {
            flip = !flip;
            let rating = if flip {
                Rating::Negative
            } else {
                Rating::Positive
            };
            black_box(
                journal
                    .record(&same, rating, None, "ann")
                    .expect("recorded"),
            )
        })
    });
    g.finish();
}

/// 100,000 ratings of 100,000 messages in 10,000 sessions, one in three tagged, and
/// 10,000 of them rated again (the newer text wins), written in one transaction.
fn tag_counts(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("journal.db");
    drop(Journal::open(&path).expect("the journal opens"));
    let mut conn = rusqlite::Connection::open(&path).expect("journal");
    let tx = conn.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO ratings (base_url, namespace, session_id, message_id, rating, text,
                                      reviewer, made_at, state, stored, recorded_at)
                 VALUES ('http://127.0.0.1:8000', 'bench', ?1, ?2, 'negative', ?3, 'ann',
                         '2026-01-01T00:00:00.000000Z', 'sent', 0, '2026-01-01T00:00:00Z')",
            )
            .expect("prepare");
        let tags = [
            "hallucination",
            "wrong_tool",
            "verbose",
            "stale_docs",
            "tone",
        ];
        for i in 0..110_000u64 {
            let m = i % 100_000;
            let text = match i % 3 {
                0 => Some(format!(
                    "the count is wrong\ntags: #{} #{}",
                    tags[(i % 5) as usize],
                    tags[((i / 5) % 5) as usize]
                )),
                1 => Some("clear and correct".to_string()),
                _ => None,
            };
            insert
                .execute(rusqlite::params![
                    format!("ses_{:06}", m / 10),
                    format!("msg_{m:08}"),
                    text
                ])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
    drop(conn);
    let journal = Journal::open(&path).expect("the journal opens");
    let counts = journal
        .tag_counts("http://127.0.0.1:8000", "bench")
        .expect("counted");
    // Messages whose latest rating is tagged (every third of the 110,000 rows, less the
    // first 10,000 messages' older rows, which their re-ratings replaced).
    let tagged: usize = counts.sessions.values().map(|s| s.tagged).sum();
    assert_eq!(tagged, 33_333);
    let mut g = c.benchmark_group("journal");
    g.sample_size(10);
    g.bench_function("tag_counts_100k_ratings", |b| {
        b.iter(|| {
            black_box(
                journal
                    .tag_counts("http://127.0.0.1:8000", "bench")
                    .expect("counted"),
            )
        })
    });
    g.finish();
}

/// A bulk negative over 10,000 replies: one transaction, one undo step.
fn bulk(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut journal = Journal::open(&dir.path().join("journal.db")).expect("the journal opens");
    let mut g = c.benchmark_group("journal_bulk");
    g.sample_size(10);
    let mut round = 0u64;
    g.bench_function("record_many_10000", |b| {
        b.iter(|| {
            round += 1;
            let items: Vec<BulkItem> = (0..10_000u64)
                .map(|i| BulkItem {
                    target: target(round * 100_000 + i),
                    rated: Rated {
                        rating: Rating::Negative,
                        text: None,
                    },
                    exchange: Some(Exchange {
                        prompt: Some("How many videos are in the marketing bucket?".into()),
                        completion: "There are 42 videos in the marketing bucket.".into(),
                    }),
                })
                .collect();
            black_box(
                journal
                    .record_many_in_window(&items, "ann", None, true)
                    .expect("recorded"),
            )
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = record, tag_counts, bulk
}
criterion_main!(benches);
