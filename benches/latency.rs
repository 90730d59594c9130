//! Keystroke to frame, with the whole reviewer running headless (TestBackend 120x40)
//! against verdict's own server on 127.0.0.1: once talking to it directly, once through
//! a proxy that holds every request for 2 s. The keys open sessions, move, and rate, so
//! loads and sends are in flight while keys arrive; no key should wait for them.
//!
//! Run: cargo bench --bench latency
//! (VERDICT_LATENCY_KEYS sets keys per run, default 400.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may stop on a broken fixture

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream::{self, BoxStream};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::unbounded_channel;
use verdict::api::{ApiKey, Client, ClientOptions};
use verdict::review::keymap::Keymap;
use verdict::review::run::{App, AppConfig, Connection};
use verdict::review::view::theme::{Look, Theme};
use verdict::server;
use verdict::server::seed::{SeedOptions, seed};

const NAMESPACE: &str = "latency";
const DELAY: Duration = Duration::from_secs(2);
/// Pause between keys: a fast typist, and room for answers to arrive in between.
const PACE: Duration = Duration::from_millis(15);

/// Forwards TCP to `upstream`, holding every chunk the client sends for `delay` (each
/// from when it arrived), so every request is answered `delay` late. Counts the chunks.
async fn delaying_proxy(upstream: SocketAddr, delay: Duration) -> (SocketAddr, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the proxy");
    let addr = listener.local_addr().expect("proxy address");
    let held = Arc::new(AtomicU64::new(0));
    let counter = held.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let (tx, mut rx) = unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
                let reader = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = client_read.read(&mut buf).await {
                        if n == 0
                            || tx
                                .send((tokio::time::Instant::now() + delay, buf[..n].to_vec()))
                                .is_err()
                        {
                            break;
                        }
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                };
                let writer = async move {
                    while let Some((due, bytes)) = rx.recv().await {
                        tokio::time::sleep_until(due).await;
                        if server_write.write_all(&bytes).await.is_err() {
                            break;
                        }
                    }
                    let _ = server_write.shutdown().await;
                };
                let back = tokio::io::copy(&mut server_read, &mut client_write);
                let _ = tokio::join!(reader, writer, back);
            });
        }
    });
    (addr, held)
}

struct Run {
    latencies: Vec<Duration>,
}

impl Run {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(i).copied().unwrap_or_default()
    }
}

/// The keys a reviewer types, over and over: move, open, move in the transcript, rate.
fn script() -> Vec<KeyCode> {
    use KeyCode::*;
    vec![
        Char('j'),
        Char('j'),
        Enter,
        Char('l'),
        Char('j'),
        Char('j'),
        Char('+'),
        Char('k'),
        Char('-'),
        Char('t'),
        Char('t'),
        Char('h'),
        Char('j'),
        Enter,
        Char('j'),
        Char('k'),
        Char('h'),
    ]
}

async fn measure(
    base_url: String,
    key: ApiKey,
    journal: &Path,
    keys: usize,
    extra: &[KeyCode],
) -> Run {
    let client = Client::new(ClientOptions::new(base_url, key, NAMESPACE)).expect("client");
    let conn = Connection::with_client(client, false, journal, "bench".into()).expect("connect");
    let config = AppConfig {
        keymap: Keymap::default(),
        look: Look::new(Theme::colored(), false),
        advance_after_rating: true,
        send_delay: Duration::from_secs(5),
        next_session: true,
        offset: chrono::FixedOffset::east_opt(0).expect("utc"),
    };
    let terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut app = App::new(terminal, config, conn).expect("app");
    let mut stamps = app.frame_stamps();
    let (tx, rx) = unbounded_channel();
    let events: BoxStream<'static, std::io::Result<Event>> =
        Box::pin(stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|e| (e, rx))
        }));
    let task = tokio::spawn(async move {
        let result = app.run(events, std::future::pending()).await;
        // Ratings still on their way stay in the journal; no need to wait for them.
        drop(app);
        result
    });
    let mut script = script();
    script.extend_from_slice(extra);
    let mut latencies = Vec::with_capacity(keys);
    for n in 1..=keys as u64 {
        let code = script[(n as usize - 1) % script.len()];
        let sent = Instant::now();
        tx.send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))))
            .expect("the app is running");
        let drawn = loop {
            let stamp = *stamps.borrow_and_update();
            if stamp.events >= n {
                break stamp.drawn_at;
            }
            tokio::time::timeout(Duration::from_secs(10), stamps.changed())
                .await
                .expect("a frame within 10 s")
                .expect("the app is running");
        };
        latencies.push(drawn.saturating_duration_since(sent));
        tokio::time::sleep(PACE).await;
    }
    task.abort();
    let _ = task.await;
    Run { latencies }
}

/// A journal holding 100,000 sent ratings and 200 steps of undo history.
fn big_journal(path: &Path, base_url: &str) {
    use verdict::journal::window::Rated;
    use verdict::journal::{Journal, Target, journal_base_url};
    let base = journal_base_url(base_url);
    let mut j = Journal::open(path).expect("journal");
    for i in 0..200 {
        let target = Target {
            base_url: base.clone(),
            namespace: NAMESPACE.into(),
            session_id: "ses_undo".into(),
            message_id: format!("m{i}"),
        };
        let rated = Rated {
            rating: verdict::api::model::Rating::Positive,
            text: None,
        };
        j.record_in_window(&target, &rated, "bench", None, true)
            .expect("record");
    }
    drop(j);
    let mut conn = rusqlite::Connection::open(path).expect("journal");
    let tx = conn.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO ratings (base_url, namespace, session_id, message_id, rating, reviewer,
                                      made_at, state, stored, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, 'positive', 'bench', '2026-01-01T00:00:00.000000Z',
                         'sent', 1, '2026-01-01T00:00:00Z')",
            )
            .expect("prepare");
        for i in 0..100_000 {
            insert
                .execute(rusqlite::params![
                    base,
                    NAMESPACE,
                    format!("ses_{}", i / 50),
                    format!("msg_{i}")
                ])
                .expect("insert");
        }
    }
    tx.execute(
        "UPDATE ratings SET state = 'sent' WHERE session_id = 'ses_undo'",
        [],
    )
    .expect("sent");
    tx.commit().expect("commit");
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes --bench; a filter or --list has nothing to select here.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let keys: usize = std::env::var("VERDICT_LATENCY_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("server.db");
        seed(
            &db,
            &SeedOptions {
                namespace: NAMESPACE.into(),
                sessions: 2_000,
                messages: 40,
            },
        )
        .expect("seed");
        let key = server::create_key(&db, NAMESPACE).expect("key");
        let handle = server::start(&db, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("server");
        let (proxy, held) = delaying_proxy(handle.addr, DELAY).await;

        println!("keystroke to frame, {keys} keys each, TestBackend 120x40, 2,000 sessions of ~40 messages");
        println!("{:<34} {:>10} {:>10} {:>10} {:>10}", "server", "median", "p90", "p99", "max");
        let undo = [KeyCode::Char('u'), KeyCode::Char('U')];
        let runs = [
            ("direct (fast)", handle.base_url(), &[][..]),
            ("through a proxy, 2 s per request", format!("http://{proxy}"), &[][..]),
            ("direct, journal 100k + 200 undo, u U", handle.base_url(), &undo[..]),
        ];
        for (i, (name, url, extra)) in runs.into_iter().enumerate() {
            let journal = dir.path().join(format!("journal-{i}.db"));
            if !extra.is_empty() {
                big_journal(&journal, &url);
            }
            let before = held.load(Ordering::Relaxed);
            let run = measure(url, key.clone(), &journal, keys, extra).await;
            let max = run.latencies.iter().max().copied().unwrap_or_default();
            println!(
                "{name:<34} {:>10} {:>10} {:>10} {:>10}",
                ms(run.percentile(0.5)),
                ms(run.percentile(0.9)),
                ms(run.percentile(0.99)),
                ms(max)
            );
            let delayed = held.load(Ordering::Relaxed) - before;
            if delayed > 0 {
                println!("{:<34} ({delayed} request chunks held 2 s while the keys were typed)", "");
            }
        }
        handle.shutdown().await;
    });
}
