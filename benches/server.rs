//! Criterion benches of the local server in-process: the rating path (one at a time, and 64
//! at once sharing commits) and history pages of 200, over loopback HTTP with a real SQLite file.
//!
//! `cargo bench --bench server` (add a filter such as `-- feedback` to run part of it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may stop on a broken fixture

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use verdict::api::model::{ListSessionsRequest, Rating, SubmitFeedbackRequest};
use verdict::api::{Client, ClientOptions};
use verdict::server::seed::{SeedOptions, seed};

const NAMESPACE: &str = "bench";
const CONCURRENT: usize = 64;

/// A seeded database served on 127.0.0.1, with a client and a runtime to drive it.
struct Served {
    _dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    server: Option<verdict::server::ServerHandle>,
    client: Client,
    base_url: String,
    key: String,
}

impl Served {
    fn new(sessions: u64, messages: u64) -> Served {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("bench.db");
        seed(
            &db,
            &SeedOptions {
                namespace: NAMESPACE.to_string(),
                sessions,
                messages,
            },
        )
        .expect("seed");
        let key = verdict::server::create_key(&db, NAMESPACE).expect("key");
        // As on the reference machine: two workers for the server and client together.
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt
            .block_on(verdict::server::start(
                Path::new(&db),
                SocketAddr::from(([127, 0, 0, 1], 0)),
            ))
            .expect("server");
        let base_url = server.base_url();
        let client =
            Client::new(ClientOptions::new(&base_url, key.clone(), NAMESPACE)).expect("client");
        Served {
            _dir: dir,
            rt,
            server: Some(server),
            client,
            base_url,
            key: key.expose().to_string(),
        }
    }

    /// (session, assistant message) pairs of the first `sessions` sessions.
    fn answers(&self, sessions: usize) -> Vec<(String, String)> {
        self.rt.block_on(async {
            let list = self
                .client
                .list_sessions(&ListSessionsRequest::default(), 1000)
                .await
                .expect("list");
            let mut out = Vec::new();
            for s in list.iter().take(sessions) {
                for m in self.client.history(&s.session_id).await.expect("history") {
                    if m.is_assistant() {
                        out.push((s.session_id.clone(), m.message_id));
                    }
                }
            }
            out
        })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.rt.block_on(server.shutdown());
        }
    }
}

fn rating(n: usize, message_id: &str) -> SubmitFeedbackRequest {
    SubmitFeedbackRequest {
        message_id: message_id.to_string(),
        rating: if n % 4 == 3 {
            Rating::Negative
        } else {
            Rating::Positive
        },
        feedback_text: None,
    }
}

fn feedback(c: &mut Criterion) {
    let served = Served::new(400, 40);
    let answers = served.answers(400);
    let next = AtomicUsize::new(0);
    let mut group = c.benchmark_group("feedback");
    group.measurement_time(Duration::from_secs(8));

    // One reviewer: every request waits for its own commit and fsync.
    group.throughput(Throughput::Elements(1));
    group.bench_function("one at a time", |b| {
        b.iter(|| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let (s, m) = &answers[n % answers.len()];
            let receipt = served
                .rt
                .block_on(served.client.submit_feedback(s, &rating(n, m)))
                .expect("rated");
            black_box(receipt)
        })
    });

    // 64 reviewers at once: the writer commits them together, one fsync for many.
    group.throughput(Throughput::Elements(CONCURRENT as u64));
    group.bench_function("64 at once", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                served.rt.block_on(async {
                    let mut tasks = Vec::with_capacity(CONCURRENT);
                    for _ in 0..CONCURRENT {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let (s, m) = answers[n % answers.len()].clone();
                        let client = served.client.clone();
                        tasks.push(tokio::spawn(async move {
                            client.submit_feedback(&s, &rating(n, &m)).await
                        }));
                    }
                    for t in tasks {
                        black_box(t.await.expect("task").expect("rated"));
                    }
                });
            }
            start.elapsed()
        })
    });
    group.finish();
}

fn history(c: &mut Criterion) {
    // Sessions of about 250 messages, so a page of 200 is full.
    let served = Served::new(60, 250);
    let long: Vec<String> = served.rt.block_on(async {
        served
            .client
            .list_sessions(&ListSessionsRequest::default(), 1000)
            .await
            .expect("list")
            .into_iter()
            .filter(|s| s.message_count >= 200)
            .map(|s| s.session_id)
            .collect()
    });
    assert!(!long.is_empty(), "no session of 200 messages was seeded");
    let next = AtomicUsize::new(0);
    let raw = reqwest::Client::new();
    let mut group = c.benchmark_group("history page of 200");
    group.throughput(Throughput::Elements(1));

    // What the reviewer's app does: fetch and decode into typed messages.
    group.bench_function("typed client", |b| {
        b.iter(|| {
            let s = &long[next.fetch_add(1, Ordering::Relaxed) % long.len()];
            let page = served
                .rt
                .block_on(served.client.history_page(s, 200, 0))
                .expect("page");
            assert_eq!(page.messages.len(), 200);
            black_box(page)
        })
    });

    // The server and HTTP alone: the body is read but not decoded.
    group.bench_function("raw bytes", |b| {
        b.iter(|| {
            let s = &long[next.fetch_add(1, Ordering::Relaxed) % long.len()];
            let url = format!(
                "{}/v1/agents/sessions/{s}/history?limit=200",
                served.base_url
            );
            let body = served.rt.block_on(async {
                let resp = raw
                    .get(&url)
                    .bearer_auth(&served.key)
                    .header("X-Namespace", NAMESPACE)
                    .send()
                    .await
                    .expect("answer");
                assert!(resp.status().is_success());
                resp.bytes().await.expect("body")
            });
            black_box(body)
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(Duration::from_secs(1));
    targets = feedback, history
}
criterion_main!(benches);
