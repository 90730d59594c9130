//! Agreement at size: 10 reviewers who each rated the same 100,000 replies (1,000,000
//! ratings, two tags in use). `analyse` is every coefficient (45 pairs, Fleiss,
//! Krippendorff, for the rating and each tag) and the disagreements. Reading export
//! files is timed with the real command (docs/performance.md, "Agreement").
//!
//! Run: cargo bench --bench agree

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may stop on a broken fixture

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;
use verdict::agreement::{self, Judgment, Ratings, ReplyKey, Row};
use verdict::api::model::Rating;

const REVIEWERS: usize = 10;
const REPLIES: u64 = 100_000;

/// A small deterministic hash: reviewer `r` agrees with the reply's true label four
/// times in five, and tags a negative reply now and then.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn judgment(r: usize, reply: u64) -> Judgment {
    let truth = !mix(reply).is_multiple_of(3);
    let flip = mix(reply * 31 + r as u64).is_multiple_of(5);
    let positive = truth != flip;
    let mut tags = Vec::new();
    if !positive && mix(reply * 7 + r as u64).is_multiple_of(2) {
        tags.push("hallucination".to_string());
    }
    if mix(reply * 13 + r as u64).is_multiple_of(10) {
        tags.push("too-long".to_string());
    }
    tags.sort();
    Judgment {
        rating: if positive {
            Rating::Positive
        } else {
            Rating::Negative
        },
        tags,
        note: None,
        made_at: "2026-11-30T12:00:00.000000Z".to_string(),
    }
}

fn key(reply: u64) -> ReplyKey {
    ReplyKey {
        base_url: "http://127.0.0.1:8000".into(),
        namespace: "bench".into(),
        session_id: format!("ses_{:08}", reply / 20),
        message_id: format!("msg_{reply:08}"),
    }
}

fn ratings() -> Ratings {
    let mut ratings = Ratings::default();
    for r in 0..REVIEWERS {
        let path = PathBuf::from(format!("r{r}.jsonl"));
        for reply in 0..REPLIES {
            ratings.place(
                r,
                &path,
                Row {
                    key: key(reply),
                    reviewer: format!("reviewer{r}"),
                    judgment: judgment(r, reply),
                    prompt: None,
                    completion: None,
                },
            );
        }
    }
    ratings.finish(&[]);
    ratings
}

fn agree(c: &mut Criterion) {
    let ratings = ratings();
    let mut g = c.benchmark_group("agree");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("analyse_10x100k", |b| {
        b.iter(|| black_box(agreement::analyse(&ratings)))
    });
    g.finish();
}

criterion_group!(benches, agree);
criterion_main!(benches);
