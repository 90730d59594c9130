//! Load test of the local server on loopback: feedback and history throughput with
//! latency percentiles. Seeds a database, starts `verdict serve`, drives it, stops it.
//!
//! cargo bench --bench load -- [--sessions N] [--messages M] [--connections C]
//!                             [--seconds S] [--max-requests R]
//! Traffic goes to 127.0.0.1 only and every phase is bounded in time and count.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use verdict::api::model::{ListSessionsRequest, Rating, SubmitFeedbackRequest};
use verdict::api::{ApiKey, Client, ClientOptions};

struct Options {
    sessions: u64,
    messages: u64,
    connections: usize,
    seconds: u64,
    max_requests: u64,
}

fn parse_options() -> Options {
    let mut o = Options {
        sessions: 500,
        messages: 60,
        connections: 64,
        seconds: 10,
        max_requests: 500_000,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match (args[i].as_str(), value) {
            ("--sessions", Some(v)) => o.sessions = v,
            ("--messages", Some(v)) => o.messages = v,
            ("--connections", Some(v)) => o.connections = v.max(1) as usize,
            ("--seconds", Some(v)) => o.seconds = v.clamp(1, 120),
            ("--max-requests", Some(v)) => o.max_requests = v,
            // cargo bench passes --bench; ignore anything else.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

fn run(bin: &str, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    assert!(out.status.success(), "{bin} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

#[derive(Default)]
struct Phase {
    latencies_us: Vec<u64>,
    errors: u64,
    elapsed: Duration,
}

impl Phase {
    fn report(&mut self, name: &str, connections: usize) {
        self.latencies_us.sort_unstable();
        let n = self.latencies_us.len() as u64;
        let pct = |p: f64| -> f64 {
            if self.latencies_us.is_empty() {
                return 0.0;
            }
            let idx = ((n as f64 - 1.0) * p).round() as usize;
            self.latencies_us[idx] as f64 / 1000.0
        };
        println!(
            "{name:<10} {connections:>5} conns  {n:>8} ok  {:>6} errors  {:>9.0} req/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms",
            self.errors,
            n as f64 / self.elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.90),
            pct(0.99),
            pct(1.0),
        );
    }
}

async fn drive<F, Fut>(connections: usize, seconds: u64, max_requests: u64, make: F) -> Phase
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let make = Arc::new(make);
    let issued = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let make = make.clone();
        let issued = issued.clone();
        tasks.push(tokio::spawn(async move {
            let mut phase = Phase::default();
            loop {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= max_requests || Instant::now() >= deadline {
                    return phase;
                }
                let t = Instant::now();
                if make(n).await {
                    phase.latencies_us.push(t.elapsed().as_micros() as u64);
                } else {
                    phase.errors += 1;
                }
            }
        }));
    }
    let mut all = Phase::default();
    for t in tasks {
        if let Ok(p) = t.await {
            all.latencies_us.extend(p.latencies_us);
            all.errors += p.errors;
        }
    }
    all.elapsed = start.elapsed();
    all
}

fn main() {
    let o = parse_options();
    let bin = env!("CARGO_BIN_EXE_verdict");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("load.db");
    let db_s = db.to_string_lossy().into_owned();
    let t = Instant::now();
    run(
        bin,
        &[
            "seed",
            "--db",
            &db_s,
            "--namespace",
            "load",
            "--sessions",
            &o.sessions.to_string(),
            "--messages",
            &o.messages.to_string(),
        ],
    );
    println!(
        "seeded {} sessions x ~{} messages in {:.1} s",
        o.sessions,
        o.messages,
        t.elapsed().as_secs_f64()
    );
    let key = run(
        bin,
        &["keys", "create", "--namespace", "load", "--db", &db_s],
    )
    .trim()
    .to_string();

    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let _server = Server(
        Command::new(bin)
            .args(["serve", "--addr", &addr, "--db", &db_s])
            .env("VERDICT_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start verdict serve"),
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let mut options = ClientOptions::new(format!("http://{addr}"), ApiKey::new(key), "load");
        options.request_timeout = Duration::from_secs(10);
        let client = Client::new(options).expect("client");

        // Wait for readiness: the first successful call, within a deadline.
        let ready_by = Instant::now() + Duration::from_secs(30);
        let sessions = loop {
            match client.list_sessions(&ListSessionsRequest::default(), 1000).await {
                Ok(s) => break s,
                Err(e) if Instant::now() < ready_by => {
                    let _ = e;
                    tokio::task::yield_now().await;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("server never became ready: {e}"),
            }
        };
        let mut targets = Vec::new();
        for s in sessions.iter().take(200) {
            let page = client.history_page(&s.session_id, 200, 0).await.expect("history");
            for m in page.messages.iter().filter(|m| m.is_assistant()) {
                targets.push((s.session_id.clone(), m.message_id.clone()));
            }
        }
        assert!(!targets.is_empty(), "the seeded database has no assistant messages");
        let session_ids: Vec<String> = sessions.iter().map(|s| s.session_id.clone()).collect();
        println!(
            "{} sessions listed, {} assistant messages as feedback targets; {} s per phase, at most {} requests",
            sessions.len(),
            targets.len(),
            o.seconds,
            o.max_requests
        );

        let targets = Arc::new(targets);
        let c = client.clone();
        let mut feedback = drive(o.connections, o.seconds, o.max_requests, move |n| {
            let c = c.clone();
            let targets = targets.clone();
            async move {
                let (s, m) = &targets[(n as usize * 7919) % targets.len()];
                let req = SubmitFeedbackRequest {
                    message_id: m.clone(),
                    rating: if n % 3 == 0 { Rating::Negative } else { Rating::Positive },
                    feedback_text: (n % 5 == 0).then(|| format!("load test note {n}")),
                };
                c.submit_feedback(s, &req).await.is_ok()
            }
        })
        .await;
        feedback.report("feedback", o.connections);

        let ids = Arc::new(session_ids);
        let c = client.clone();
        let mut history = drive(o.connections, o.seconds, o.max_requests, move |n| {
            let c = c.clone();
            let ids = ids.clone();
            async move {
                let s = &ids[(n as usize * 31) % ids.len()];
                c.history_page(s, 200, 0).await.is_ok()
            }
        })
        .await;
        history.report("history", o.connections);
    });
}
