//! Keystroke to frame, with the whole reviewer running headless (TestBackend 120x40)
//! against verdict's own server on 127.0.0.1: once talking to it directly, once through
//! a proxy that holds every request for 2 s. The keys open sessions, move, and rate, so
//! loads and sends are in flight while keys arrive; no key should wait for them.
//!
//! Run: cargo bench --bench latency
//! (VERDICT_LATENCY_KEYS sets keys per run, default 1,000: the p99 is then the tenth
//! slowest key, not the fourth; the first 50 of a run warm up and are not counted.)

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
/// Keys typed at the start of a run before any is counted.
const WARM_UP: usize = 50;
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
    /// Key sent to frame drawn.
    latencies: Vec<Duration>,
    /// Key sent to key read by the app's loop: the wake-up.
    wakes: Vec<Duration>,
    /// Key read to frame drawn: update(), then the frame.
    works: Vec<Duration>,
}

fn percentile(of: &[Duration], p: f64) -> Duration {
    let mut sorted = of.to_vec();
    sorted.sort();
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
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

/// What a run does besides typing the script.
#[derive(Default)]
struct Setup<'a> {
    /// Keys added to the script.
    extra: &'a [KeyCode],
    /// Keys typed before measuring, once the first page of sessions is in: a bulk
    /// action whose sending the measured keys overlap. The run then measures keys only
    /// while the journal still holds ratings of it not yet sent.
    bulk: Option<(&'a [KeyCode], usize)>,
}

/// Ratings of the journal at `path`: (all, sent).
fn journal_counts(path: &Path) -> (usize, usize) {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return (0, 0);
    };
    conn.query_row(
        "SELECT count(*), coalesce(sum(state = 'sent'), 0) FROM ratings",
        [],
        |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
    )
    .unwrap_or((0, 0))
}

async fn measure(
    base_url: String,
    key: ApiKey,
    journal: &Path,
    keys: usize,
    setup: Setup<'_>,
) -> Run {
    let client = Client::new(ClientOptions::new(base_url, key, NAMESPACE)).expect("client");
    let conn = Connection::with_client(client, false, journal, "bench".into()).expect("connect");
    let config = AppConfig {
        keymap: Keymap::default(),
        look: Look::new(Theme::colored(), false),
        advance_after_rating: true,
        // A bulk action goes at once, so the keys overlap its sending.
        send_delay: if setup.bulk.is_some() {
            Duration::ZERO
        } else {
            Duration::from_secs(5)
        },
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
    // The app's loop on a thread of its own, as the binary runs it (polled by
    // `Runtime::block_on` on the main thread; what it starts goes to the runtime's workers).
    let runtime = tokio::runtime::Handle::current();
    let app_thread = std::thread::Builder::new()
        .name("app".into())
        .spawn(move || {
            runtime.block_on(async move {
                let result = app.run(events, std::future::pending()).await;
                // Ratings still on their way stay in the journal; no need to wait for them.
                drop(app);
                result
            })
        })
        .expect("a thread for the app");
    let mut typed = 0u64;
    let mut bulk_total = None;
    if let Some((keys, total)) = setup.bulk {
        stamps
            .wait_for(|s| s.sessions > 0 && s.open)
            .await
            .expect("the app is running");
        for &code in keys {
            tx.send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))))
                .expect("the app is running");
            typed += 1;
        }
        // Until the bulk action is in the journal (its histories read, then all its
        // ratings committed in one transaction): the keys are measured while it sends.
        let started = Instant::now();
        let journaled = loop {
            let (all, _) = journal_counts(journal);
            if all > 0 {
                break all;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the bulk action was journaled"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(
            journaled >= total,
            "{journaled} of {total} unrated replies were journaled"
        );
        bulk_total = Some(journaled);
    }
    let mut script = script();
    script.extend_from_slice(setup.extra);
    let mut latencies = Vec::with_capacity(keys);
    let mut wakes = Vec::with_capacity(keys);
    let mut works = Vec::with_capacity(keys);
    for i in 0..keys {
        if let Some(total) = bulk_total
            && i % 20 == 0
            && journal_counts(journal).1 >= total
        {
            println!(
                "{:<34} ({i} keys typed while {total} ratings were sent)",
                ""
            );
            break;
        }
        let code = script[i % script.len()];
        typed += 1;
        let n = typed;
        let sent = Instant::now();
        tx.send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))))
            .expect("the app is running");
        let drawn = loop {
            let stamp = *stamps.borrow_and_update();
            if stamp.events >= n {
                break stamp;
            }
            tokio::time::timeout(Duration::from_secs(10), stamps.changed())
                .await
                .expect("a frame within 10 s")
                .expect("the app is running");
        };
        // The first keys warm the caches (the server's pages, the allocator) and are
        // typed but not counted; a bulk run counts every key while it sends.
        if i >= WARM_UP || bulk_total.is_some() {
            latencies.push(drawn.drawn_at.saturating_duration_since(sent));
            wakes.push(drawn.read_at.saturating_duration_since(sent));
            works.push(drawn.drawn_at.saturating_duration_since(drawn.read_at));
        }
        tokio::time::sleep(PACE).await;
    }
    if let Some(total) = bulk_total {
        let (_, sent) = journal_counts(journal);
        if sent < total {
            println!(
                "{:<34} ({} keys typed; {sent} of {total} ratings sent by then)",
                "",
                latencies.len()
            );
        }
    }
    // The end of the keys ends the loop.
    drop(tx);
    let _ = tokio::task::spawn_blocking(move || app_thread.join()).await;
    Run {
        latencies,
        wakes,
        works,
    }
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

/// The bulk run's namespace: 100 sessions of 300 messages on average, some 10,000
/// assistant replies.
const BULK_SESSIONS: u64 = 100;
const BULK_MESSAGES: u64 = 300;

fn print_run(name: &str, run: &Run) {
    let rows = [
        (name, &run.latencies),
        ("  of which: woken", &run.wakes),
        ("  of which: update + frame", &run.works),
    ];
    for (label, of) in rows {
        println!(
            "{label:<34} {:>10} {:>10} {:>10} {:>10}",
            ms(percentile(of, 0.5)),
            ms(percentile(of, 0.9)),
            ms(percentile(of, 0.99)),
            ms(of.iter().max().copied().unwrap_or_default())
        );
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes --bench; --list has nothing to list. A word picks the runs
    // whose names hold it (`cargo bench --bench latency -- bulk`).
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let only = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let wanted = |name: &str| only.as_deref().is_none_or(|w| name.contains(w));
    let keys: usize = std::env::var("VERDICT_LATENCY_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    // As the binary's reviewer: the app's thread first, everything else gives way.
    verdict::priority::favour_this_thread();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(verdict::priority::background)
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
            ("direct (fast)", handle.base_url(), Setup::default()),
            ("through a proxy, 2 s per request", format!("http://{proxy}"), Setup::default()),
            (
                "direct, journal 100k + 200 undo, u U",
                handle.base_url(),
                Setup {
                    extra: &undo,
                    ..Setup::default()
                },
            ),
        ];
        for (i, (name, url, setup)) in runs.into_iter().enumerate() {
            if !wanted(name) {
                continue;
            }
            let journal = dir.path().join(format!("journal-{i}.db"));
            if !setup.extra.is_empty() {
                big_journal(&journal, &url);
            }
            let before = held.load(Ordering::Relaxed);
            let run = measure(url, key.clone(), &journal, keys, setup).await;
            print_run(name, &run);
            let delayed = held.load(Ordering::Relaxed) - before;
            if delayed > 0 {
                println!("{:<34} ({delayed} request chunks held 2 s while the keys were typed)", "");
            }
        }
        handle.shutdown().await;

        // A bulk negative over every reply of 100 sessions (10,000 replies), sending
        // while the keys are typed: `h` to the sessions pane, `v` `G` marks them all,
        // `-` reads their histories and rates every unrated reply.
        if !wanted("bulk") {
            return;
        }
        let bulk_db = dir.path().join("bulk.db");
        let seeded = seed(
            &bulk_db,
            &SeedOptions {
                namespace: NAMESPACE.into(),
                sessions: BULK_SESSIONS,
                messages: BULK_MESSAGES,
            },
        )
        .expect("seed");
        let bulk_key = server::create_key(&bulk_db, NAMESPACE).expect("key");
        let bulk_server = server::start(&bulk_db, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("server");
        // The replies the bulk rates: the unrated ones (the seed rated some already).
        let replies = (seeded.assistant_messages - seeded.rated_messages) as usize;
        let keys_before = [
            KeyCode::Char('h'),
            KeyCode::Char('v'),
            KeyCode::Char('G'),
            KeyCode::Char('-'),
        ];
        let journal = dir.path().join("journal-bulk.db");
        let run = measure(
            bulk_server.base_url(),
            bulk_key,
            &journal,
            keys,
            Setup {
                bulk: Some((&keys_before, replies)),
                ..Setup::default()
            },
        )
        .await;
        print_run(&format!("direct, a bulk of {replies} sending"), &run);
        bulk_server.shutdown().await;
    });
}
