//! Load figures for the local server (ignored by default; run in release):
//! `cargo test --release --test server_load -- --ignored --nocapture --test-threads 1`
//!
//! A raw HTTP/1.1 keep-alive client (64 connections) so the generator costs little next to the server.

use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use verdict::api::model::ListSessionsRequest;
use verdict::api::{Client, ClientOptions};

const CONNECTIONS: usize = 64;
const WARMUP: Duration = Duration::from_secs(1);
const RUN: Duration = Duration::from_secs(5);

/// Sessions to rate in (one per connection) and their assistant message ids.
struct Fixture {
    _dir: tempfile::TempDir,
    addr: SocketAddr,
    key: String,
    sessions: Vec<(String, Vec<String>)>,
    stop_server: tokio::sync::oneshot::Sender<()>,
    server_thread: std::thread::JoinHandle<()>,
}

/// Starts the server on its own 2-worker runtime, with `sessions` sessions of `messages` messages.
fn fixture(sessions: usize, messages: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("load.db");
    let mut lines = String::new();
    for s in 0..sessions {
        let msgs: Vec<_> = (0..messages)
            .map(|i| {
                let role = if i % 2 == 0 { "user" } else { "assistant" };
                json!({"role": role, "content": format!("Session {s}, message {i}: a reply of ordinary length, with a little **markdown** and a `code span`, about the size reviewers read.")})
            })
            .collect();
        lines.push_str(
            &json!({"messages": msgs, "metadata": {"created_at": "2026-01-01T00:00:00Z"}})
                .to_string(),
        );
        lines.push('\n');
    }
    verdict::server::import::import_text(&db, "load", "load", &lines).unwrap();
    let key = verdict::server::create_key(&db, "load").unwrap();

    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let handle = verdict::server::start(&db, "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap();
            addr_tx.send(handle.addr).unwrap();
            let _ = stop_rx.await;
            handle.shutdown().await;
        });
    });
    let addr = addr_rx.recv().unwrap();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let key_text = key.expose().to_string();
    let sessions = rt.block_on(async {
        let client =
            Client::new(ClientOptions::new(format!("http://{addr}"), key, "load")).unwrap();
        let list = client
            .list_sessions(&ListSessionsRequest::default(), 1000)
            .await
            .unwrap();
        let mut out = Vec::new();
        for s in list {
            let ids = client
                .history(&s.session_id)
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.is_assistant())
                .map(|m| m.message_id)
                .collect();
            out.push((s.session_id, ids));
        }
        out
    });
    Fixture {
        _dir: dir,
        addr,
        key: key_text,
        sessions,
        stop_server: stop_tx,
        server_thread,
    }
}

impl Fixture {
    fn stop(self) {
        let _ = self.stop_server.send(());
        self.server_thread.join().unwrap();
    }
}

/// Reads one HTTP/1.1 response with a Content-Length body; returns its status.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> u16 {
    buf.clear();
    let mut chunk = [0u8; 65536];
    let (head_end, body_len) = loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end])
                .unwrap()
                .to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse::<usize>().unwrap())
                .expect("content-length");
            break (end + 4, len);
        }
    };
    while buf.len() < head_end + body_len {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
    std::str::from_utf8(&buf[9..12]).unwrap().parse().unwrap()
}

struct Outcome {
    ok: u64,
    other: u64,
    latencies_us: Vec<u32>,
    elapsed: Duration,
}

/// Runs `CONNECTIONS` keep-alive connections; `request(conn, i)` builds the i-th request of a connection.
fn drive(addr: SocketAddr, request: Arc<dyn Fn(usize, u64) -> Vec<u8> + Send + Sync>) -> Outcome {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let measuring = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for conn in 0..CONNECTIONS {
            let request = request.clone();
            let measuring = measuring.clone();
            let stop = stop.clone();
            tasks.push(tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let mut buf = Vec::with_capacity(1 << 16);
                let (mut ok, mut other, mut lat) = (0u64, 0u64, Vec::with_capacity(1 << 16));
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let req = request(conn, i);
                    i += 1;
                    let t = Instant::now();
                    stream.write_all(&req).await.unwrap();
                    let status = read_response(&mut stream, &mut buf).await;
                    if measuring.load(Ordering::Relaxed) {
                        lat.push(t.elapsed().as_micros() as u32);
                        if status == 200 { ok += 1 } else { other += 1 }
                    } else if status != 200 {
                        other += 1;
                    }
                }
                (ok, other, lat)
            }));
        }
        tokio::time::sleep(WARMUP).await;
        measuring.store(true, Ordering::Relaxed);
        let started = Instant::now();
        tokio::time::sleep(RUN).await;
        measuring.store(false, Ordering::Relaxed);
        let elapsed = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut outcome = Outcome {
            ok: 0,
            other: 0,
            latencies_us: Vec::new(),
            elapsed,
        };
        for t in tasks {
            let (ok, other, lat) = t.await.unwrap();
            outcome.ok += ok;
            outcome.other += other;
            outcome.latencies_us.extend(lat);
        }
        outcome.latencies_us.sort_unstable();
        outcome
    })
}

fn report(name: &str, o: &Outcome) {
    let pct = |p: f64| {
        let i = ((o.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        o.latencies_us.get(i).copied().unwrap_or(0) as f64 / 1000.0
    };
    println!(
        "{name}: {:.0} req/s over {:.1}s ({} ok, {} not ok), latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        o.ok as f64 / o.elapsed.as_secs_f64(),
        o.elapsed.as_secs_f64(),
        o.ok,
        o.other,
        pct(0.5),
        pct(0.99),
        pct(1.0),
    );
}

#[test]
#[ignore = "load figures: run in release with --ignored --nocapture"]
fn feedback_under_load() {
    let f = fixture(CONNECTIONS, 100);
    let sessions = Arc::new(f.sessions.clone());
    let (key, host) = (f.key.clone(), f.addr.to_string());
    let outcome = drive(
        f.addr,
        Arc::new(move |conn, i| {
            let (sid, ids) = &sessions[conn % sessions.len()];
            let mid = &ids[(i as usize) % ids.len()];
            let rating = if i % 3 == 0 { "negative" } else { "positive" };
            let body = format!(
                r#"{{"message_id":"{mid}","rating":"{rating}","feedback_text":"load {i}"}}"#
            );
            format!(
                "POST /v1/agents/sessions/{sid}/feedback HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\nX-Namespace: load\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        }),
    );
    report("POST feedback", &outcome);
    assert_eq!(outcome.other, 0);

    // Every 200 is in the database (the warm-up's too, so at least as many).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let recorded: usize = rt.block_on(async {
        let client = Client::new(ClientOptions::new(
            format!("http://{}", f.addr),
            verdict::api::ApiKey::new(&f.key),
            "load",
        ))
        .unwrap();
        let mut n = 0;
        for (sid, _) in &f.sessions {
            n += client
                .feedback_listing(sid)
                .await
                .unwrap()
                .unwrap()
                .feedback
                .len();
        }
        n
    });
    assert!(
        recorded as u64 >= outcome.ok,
        "{recorded} recorded < {} acknowledged",
        outcome.ok
    );
    println!("  {recorded} ratings recorded (warm-up included)");
    f.stop();
}

#[test]
#[ignore = "load figures: run in release with --ignored --nocapture"]
fn history_pages_under_load() {
    let f = fixture(8, 400);
    let sessions = Arc::new(f.sessions.clone());
    let (key, host) = (f.key.clone(), f.addr.to_string());
    let outcome = drive(
        f.addr,
        Arc::new(move |conn, i| {
            let (sid, _) = &sessions[conn % sessions.len()];
            let offset = (i % 2) * 200;
            format!(
                "GET /v1/agents/sessions/{sid}/history?limit=200&offset={offset} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\nX-Namespace: load\r\n\r\n"
            )
            .into_bytes()
        }),
    );
    report("GET history (200 messages)", &outcome);
    assert_eq!(outcome.other, 0);
    f.stop();
}
