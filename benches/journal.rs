//! Journal write: one rating recorded and committed (WAL, `synchronous=FULL`, so each
//! one waits for the disk), as the reviewer does before showing a rating as queued.
//!
//! Run: cargo bench --bench journal -- --warm-up-time 1 --measurement-time 3

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may stop on a broken fixture

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use verdict::api::model::Rating;
use verdict::journal::{Journal, Target};

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

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = record
}
criterion_main!(benches);
