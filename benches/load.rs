//! Load test of `verdict serve` on loopback: rating and history throughput with latency percentiles.
//!
//! Seeds a database with `verdict seed`, starts `verdict serve` on 127.0.0.1, drives it
//! with 64 keep-alive connections, stops it, and checks that every rating answered 200
//! is in the database. Every phase is bounded in time and in requests.
//!
//! ```sh
//! cargo bench --bench load -- [--sessions N] [--messages M] [--connections C]
//!     [--seconds S] [--max-requests R] [--history-limit L] [--wrk]
//! ```
//! The load comes from a small HTTP/1.1 client in this process (one thread) or, with
//! `--wrk`, from wrk (`apt-get install wrk`), which costs the shared cores less. The CPU
//! each side used is reported next to the figures, since both run on the same machine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may stop on a broken fixture

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const NAMESPACE: &str = "load";
const WARMUP: Duration = Duration::from_secs(1);
/// Any one request taking longer than this counts as an error and ends that connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

struct Options {
    sessions: u64,
    messages: u64,
    connections: usize,
    seconds: u64,
    max_requests: u64,
    history_limit: u64,
    wrk: bool,
}

fn parse_options() -> Options {
    let mut o = Options {
        sessions: 10_000,
        messages: 40,
        connections: 64,
        seconds: 10,
        max_requests: 2_000_000,
        history_limit: 200,
        wrk: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match (args[i].as_str(), value) {
            ("--wrk", _) => o.wrk = true,
            ("--sessions", Some(v)) => o.sessions = v.clamp(1, 1_000_000),
            ("--messages", Some(v)) => o.messages = v.clamp(2, 1000),
            ("--connections", Some(v)) => o.connections = v.clamp(1, 1024) as usize,
            ("--seconds", Some(v)) => o.seconds = v.clamp(1, 120),
            ("--max-requests", Some(v)) => o.max_requests = v.max(1),
            ("--history-limit", Some(v)) => o.history_limit = v.clamp(1, 200),
            // cargo bench passes --bench; anything unknown is ignored.
            _ => {
                i += 1;
                continue;
            }
        }
        i += if args[i] == "--wrk" { 1 } else { 2 };
    }
    o
}

// ---------------------------------------------------------------- the machine and CPU time

/// Clock ticks per second in /proc/*/stat (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds from /proc/PID/stat: (own user+system, waited-for children's user+system).
fn cpu_seconds(pid: &str) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name, which may itself hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    let get = |i: usize| f.get(i).copied().unwrap_or(0.0);
    // utime, stime, cutime, cstime are fields 14..17, i.e. 11..14 after the name.
    (
        (get(11) + get(12)) / TICKS_PER_SECOND,
        (get(13) + get(14)) / TICKS_PER_SECOND,
    )
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_string();
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = mem
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cores} cores, {model}, {mem_gib:.0} GiB; load average {}",
        load_average()
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The disk's flush latency now: 64 KiB overwritten and `fdatasync`ed, for half a second.
/// Every rating waits for one such flush, so this bounds feedback latency from below.
fn flush_latency(dir: &Path) -> String {
    use std::io::{Seek, SeekFrom, Write};
    let path = dir.join("flush-probe");
    let Ok(mut f) = std::fs::File::create(&path) else {
        return "unknown".to_string();
    };
    let block = vec![7u8; 64 * 1024];
    let mut times = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) && times.len() < 5000 {
        let t = Instant::now();
        let ok = f.seek(SeekFrom::Start(0)).is_ok()
            && f.write_all(&block).is_ok()
            && f.sync_data().is_ok();
        if !ok {
            return "unknown".to_string();
        }
        times.push(t.elapsed().as_micros() as u64);
    }
    let _ = std::fs::remove_file(&path);
    times.sort_unstable();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize] as f64 / 1000.0;
    format!("p50 {:.2} ms, p99 {:.2} ms", pct(0.5), pct(0.99))
}

// ---------------------------------------------------------------- the server

fn run(bin: &str, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    assert!(out.status.success(), "{bin} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `verdict serve`, stopped with SIGTERM (and waited for) on drop.
struct Server(Child, bool);

impl Server {
    fn start(bin: &str, addr: SocketAddr, db: &str) -> Server {
        Server(
            Command::new(bin)
                .args(["serve", "--addr", &addr.to_string(), "--db", db])
                .env("VERDICT_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start verdict serve"),
            false,
        )
    }

    fn pid(&self) -> String {
        self.0.id().to_string()
    }

    fn stop(&mut self) {
        if !std::mem::replace(&mut self.1, true) {
            let _ = Command::new("kill").args(["-TERM", &self.pid()]).status();
            let _ = self.0.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits until the server accepts connections, within a deadline.
fn wait_until_listening(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(Instant::now() < deadline, "the server never opened {addr}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every session with its assistant message ids, straight from the seeded database.
fn targets(db: &Path) -> Vec<(String, Vec<String>)> {
    let conn = rusqlite::Connection::open(db).expect("open the seeded database");
    let mut stmt = conn
        .prepare(
            "SELECT s.id, m.id FROM sessions s JOIN messages m ON m.session_rowid = s.rowid \
             WHERE m.role = 'assistant' ORDER BY s.rowid, m.seq",
        )
        .expect("query");
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .expect("query");
    for row in rows {
        let (s, m) = row.expect("row");
        match out.last_mut() {
            Some((last, ms)) if *last == s => ms.push(m),
            _ => out.push((s, vec![m])),
        }
    }
    out
}

fn count_feedback(db: &Path) -> u64 {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    conn.query_row("SELECT count(*) FROM feedback", [], |r| r.get::<_, i64>(0))
        .expect("count ratings") as u64
}

// ---------------------------------------------------------------- what is asked

#[derive(Clone, Copy, PartialEq)]
enum Load {
    /// Each connection is a reviewer going through its own sessions' answers in order.
    Reviewers,
    /// Ratings spread over every assistant message of the database.
    Spread,
    History,
}

impl Load {
    fn name(self) -> &'static str {
        match self {
            Load::Reviewers => "feedback (reviewers)",
            Load::Spread => "feedback (spread)",
            Load::History => "history",
        }
    }
}

struct Workload {
    key: String,
    sessions: Vec<(String, Vec<String>)>,
    /// (session index, message index) of every assistant message, for the spread load.
    all: Vec<(u32, u32)>,
    history_limit: u64,
}

impl Workload {
    fn feedback_body(n: u64, message: &str) -> String {
        let rating = if n % 4 == 3 { "negative" } else { "positive" };
        if n.is_multiple_of(5) {
            format!(
                r#"{{"message_id":"{message}","rating":"{rating}","feedback_text":"load test note {n}"}}"#
            )
        } else {
            format!(r#"{{"message_id":"{message}","rating":"{rating}"}}"#)
        }
    }

    fn request(&self, method: &str, path: &str, body: &str) -> Vec<u8> {
        let mut r = String::with_capacity(256 + body.len());
        let _ = write!(
            r,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nX-Namespace: {NAMESPACE}\r\n",
            self.key
        );
        if !body.is_empty() {
            let _ = write!(
                r,
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            );
        }
        r.push_str("\r\n");
        r.push_str(body);
        r.into_bytes()
    }

    /// The next request of a connection; `n` counts requests over all connections.
    fn make(&self, load: Load, cursor: &mut Cursor, n: u64) -> Vec<u8> {
        match load {
            Load::Reviewers => {
                let (sid, ms) = &self.sessions[cursor.session % self.sessions.len()];
                let m = &ms[cursor.message % ms.len()];
                cursor.message += 1;
                if cursor.message >= ms.len() {
                    // On to this reviewer's next session: c, c + conns, c + 2 conns, ...
                    cursor.message = 0;
                    cursor.session = (cursor.session + cursor.stride) % self.sessions.len();
                }
                let path = format!("/v1/agents/sessions/{sid}/feedback");
                self.request("POST", &path, &Self::feedback_body(n, m))
            }
            Load::Spread => {
                let (s, m) = self.all[(n as usize).wrapping_mul(7919) % self.all.len()];
                let (sid, ms) = &self.sessions[s as usize];
                let path = format!("/v1/agents/sessions/{sid}/feedback");
                self.request("POST", &path, &Self::feedback_body(n, &ms[m as usize]))
            }
            Load::History => {
                let (sid, _) = &self.sessions[(n as usize).wrapping_mul(31) % self.sessions.len()];
                let path = format!(
                    "/v1/agents/sessions/{sid}/history?limit={}",
                    self.history_limit
                );
                self.request("GET", &path, "")
            }
        }
    }
}

/// Where a reviewing connection is: its session and the next answer in it.
struct Cursor {
    session: usize,
    message: usize,
    stride: usize,
}

// ---------------------------------------------------------------- the built-in generator

#[derive(Default)]
struct Outcome {
    latencies_us: Vec<u64>,
    ok: u64,
    errors: u64,
    elapsed: Duration,
    generator_cpu: f64,
    server_cpu: f64,
}

/// Reads one response; returns its status (0 when the connection broke).
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> u16 {
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return 0,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return 0,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    }
    status
}

/// Runs `load` from `conns` connections for `duration` or `max_requests`, whichever ends first.
async fn drive(
    addr: SocketAddr,
    work: Arc<Workload>,
    load: Load,
    conns: usize,
    duration: Duration,
    max_requests: u64,
    server_pid: &str,
) -> Outcome {
    let issued = Arc::new(AtomicU64::new(0));
    let (self_cpu0, _) = cpu_seconds("self");
    let (server_cpu0, _) = cpu_seconds(server_pid);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(conns);
    for c in 0..conns {
        let (work, issued) = (work.clone(), issued.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            let Ok(mut stream) = TcpStream::connect(addr).await else {
                out.errors += 1;
                return out;
            };
            let _ = stream.set_nodelay(true);
            let mut buf = Vec::with_capacity(64 * 1024);
            let mut cursor = Cursor {
                session: c,
                message: 0,
                stride: conns,
            };
            loop {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= max_requests || Instant::now() >= deadline {
                    return out;
                }
                let request = work.make(load, &mut cursor, n);
                let t = Instant::now();
                let exchange = async {
                    if stream.write_all(&request).await.is_err() {
                        return 0;
                    }
                    read_response(&mut stream, &mut buf).await
                };
                match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
                    Ok(200) => {
                        out.latencies_us.push(t.elapsed().as_micros() as u64);
                        out.ok += 1;
                    }
                    Ok(0) | Err(_) => {
                        out.errors += 1;
                        return out;
                    }
                    Ok(_) => out.errors += 1,
                }
            }
        }));
    }
    let mut all = Outcome::default();
    for t in tasks {
        if let Ok(o) = t.await {
            all.latencies_us.extend(o.latencies_us);
            all.ok += o.ok;
            all.errors += o.errors;
        }
    }
    all.elapsed = start.elapsed();
    all.generator_cpu = cpu_seconds("self").0 - self_cpu0;
    all.server_cpu = cpu_seconds(server_pid).0 - server_cpu0;
    all
}

// ---------------------------------------------------------------- wrk

const WRK_SCRIPT: &str = r#"
-- Requests for verdict's load test; the targets file is written by benches/load.rs.
local load, key, limit, conns = os.getenv("LOAD"), os.getenv("VERDICT_KEY"), os.getenv("HISTORY_LIMIT"), tonumber(os.getenv("CONNECTIONS"))
local sessions, flat = {}, {}
for line in io.lines(os.getenv("TARGETS")) do
  local s = {}
  for word in line:gmatch("%S+") do s[#s + 1] = word end
  sessions[#sessions + 1] = s
  for m = 2, #s do flat[#flat + 1] = {#sessions, m} end
end
local headers = {["Authorization"] = "Bearer " .. key, ["X-Namespace"] = "load", ["Content-Type"] = "application/json"}
local cursors = {}
for c = 1, conns do cursors[c] = {session = c, message = 1} end
local n = 0
local function feedback(s, m)
  local rating = (n % 4 == 3) and "negative" or "positive"
  local text = (n % 5 == 0) and (',"feedback_text":"load test note ' .. n .. '"') or ""
  local body = '{"message_id":"' .. sessions[s][m] .. '","rating":"' .. rating .. '"' .. text .. '}'
  return wrk.format("POST", "/v1/agents/sessions/" .. sessions[s][1] .. "/feedback", headers, body)
end
request = function()
  n = n + 1
  if load == "reviewers" then
    local c = cursors[n % conns + 1]
    c.message = c.message + 1
    if c.message > #sessions[c.session] then
      c.session = (c.session + conns - 1) % #sessions + 1
      c.message = 2
    end
    return feedback(c.session, c.message)
  elseif load == "spread" then
    local t = flat[(n * 7919) % #flat + 1]
    return feedback(t[1], t[2])
  else
    local s = sessions[(n * 31) % #sessions + 1]
    return wrk.format("GET", "/v1/agents/sessions/" .. s[1] .. "/history?limit=" .. limit, headers)
  end
end
"#;

/// Runs wrk for one load; its figures come from its own report.
fn drive_wrk(
    addr: SocketAddr,
    dir: &Path,
    work: &Workload,
    load: Load,
    conns: usize,
    duration: Duration,
    server_pid: &str,
) -> WrkOutcome {
    let script = dir.join("load.lua");
    let targets = dir.join("targets.txt");
    if !targets.exists() {
        let mut text = String::new();
        for (s, ms) in &work.sessions {
            text.push_str(s);
            for m in ms {
                text.push(' ');
                text.push_str(m);
            }
            text.push('\n');
        }
        std::fs::write(&targets, text).expect("write targets");
        std::fs::write(&script, WRK_SCRIPT).expect("write the wrk script");
    }
    let load_name = match load {
        Load::Reviewers => "reviewers",
        Load::Spread => "spread",
        Load::History => "history",
    };
    let (_, children0) = cpu_seconds("self");
    let (server0, _) = cpu_seconds(server_pid);
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{conns}"),
            &format!("-d{}s", duration.as_secs().max(1)),
            "--latency",
            "-s",
        ])
        .arg(&script)
        .arg(format!("http://{addr}"))
        .env("LOAD", load_name)
        .env("VERDICT_KEY", &work.key)
        .env("HISTORY_LIMIT", work.history_limit.to_string())
        .env("CONNECTIONS", conns.to_string())
        .env("TARGETS", &targets)
        .output()
        .expect("run wrk (install it with: apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (_, children1) = cpu_seconds("self");
    let (server1, _) = cpu_seconds(server_pid);
    let mut o = WrkOutcome::parse(&text, children1 - children0, server1 - server0);
    o.connections = conns;
    o
}

#[derive(Default)]
struct WrkOutcome {
    /// wrk stops with up to one request per connection unanswered.
    connections: usize,
    requests: u64,
    non_2xx: u64,
    socket_errors: u64,
    seconds: f64,
    percentiles_ms: Vec<(String, f64)>,
    max_ms: f64,
    generator_cpu: f64,
    server_cpu: f64,
}

impl WrkOutcome {
    fn parse(text: &str, generator_cpu: f64, server_cpu: f64) -> WrkOutcome {
        let ms = |v: &str| -> f64 {
            let v = v.trim();
            let (num, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
            let x: f64 = num.parse().unwrap_or(0.0);
            match unit {
                "us" => x / 1000.0,
                "s" => x * 1000.0,
                "m" => x * 60_000.0,
                _ => x,
            }
        };
        let mut o = WrkOutcome {
            generator_cpu,
            server_cpu,
            ..WrkOutcome::default()
        };
        for line in text.lines().map(str::trim) {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["Latency", _avg, _dev, max, ..] => o.max_ms = ms(max),
                [p, v] if p.ends_with('%') => o.percentiles_ms.push((p.to_string(), ms(v))),
                [n, "requests", "in", t, ..] => {
                    o.requests = n.parse().unwrap_or(0);
                    o.seconds = ms(t.trim_end_matches(',')) / 1000.0;
                }
                ["Non-2xx", "or", "3xx", "responses:", n] => o.non_2xx = n.parse().unwrap_or(0),
                ["Socket", "errors:", rest @ ..] => {
                    o.socket_errors = rest
                        .iter()
                        .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                        .sum();
                }
                _ => {}
            }
        }
        o
    }
}

// ---------------------------------------------------------------- reporting

fn cpu_line(server_cpu: f64, generator_cpu: f64, seconds: f64, ok: u64) -> String {
    format!(
        "CPU: server {:.2} cores, load generator {:.2} cores; {:.0} µs of server CPU per request",
        server_cpu / seconds,
        generator_cpu / seconds,
        server_cpu * 1e6 / ok.max(1) as f64
    )
}

fn report(load: Load, conns: usize, o: &mut Outcome) {
    o.latencies_us.sort_unstable();
    let n = o.latencies_us.len();
    let pct = |p: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        o.latencies_us[((n as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
    };
    let seconds = o.elapsed.as_secs_f64();
    println!(
        "{:<21} {conns} conns  {:>8} ok  {:>4} errors  {:>7.0} req/s  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        load.name(),
        o.ok,
        o.errors,
        o.ok as f64 / seconds,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0),
    );
    println!(
        "{:<21} {}",
        "",
        cpu_line(o.server_cpu, o.generator_cpu, seconds, o.ok)
    );
}

fn report_wrk(load: Load, conns: usize, o: &WrkOutcome) {
    let ok = o.requests.saturating_sub(o.non_2xx);
    let seconds = o.seconds.max(1e-9);
    let pcts: Vec<String> = o
        .percentiles_ms
        .iter()
        .filter(|(p, _)| p != "75%")
        .map(|(p, v)| {
            format!(
                "p{} {v:.2} ms",
                p.trim_end_matches(".000%").trim_end_matches('%')
            )
        })
        .collect();
    println!(
        "{:<21} {conns} conns  {ok:>8} ok  {:>4} errors  {:>7.0} req/s  {}  max {:.2} ms  (wrk)",
        load.name(),
        o.non_2xx + o.socket_errors,
        ok as f64 / seconds,
        pcts.join("  "),
        o.max_ms
    );
    println!(
        "{:<21} {}",
        "",
        cpu_line(o.server_cpu, o.generator_cpu, seconds, ok)
    );
}

fn main() {
    let o = parse_options();
    let bin = env!("CARGO_BIN_EXE_verdict");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("load.db");
    let db_s = db.to_string_lossy().into_owned();
    println!("machine: {}", machine());
    println!(
        "disk flush (64 KiB write + fdatasync): {}",
        flush_latency(dir.path())
    );
    let seeded = run(
        bin,
        &[
            "seed",
            "--db",
            &db_s,
            "--namespace",
            NAMESPACE,
            "--sessions",
            &o.sessions.to_string(),
            "--messages",
            &o.messages.to_string(),
        ],
    );
    print!("{seeded}");
    let key = run(
        bin,
        &["keys", "create", "--namespace", NAMESPACE, "--db", &db_s],
    )
    .trim()
    .to_string();
    let sessions = targets(&db);
    let all: Vec<(u32, u32)> = sessions
        .iter()
        .enumerate()
        .flat_map(|(s, (_, ms))| (0..ms.len()).map(move |m| (s as u32, m as u32)))
        .collect();
    assert!(
        !all.is_empty(),
        "the seeded database has no assistant messages"
    );
    let ratings_before = count_feedback(&db);
    let work = Arc::new(Workload {
        key,
        sessions,
        all,
        history_limit: o.history_limit,
    });

    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1");
    let mut server = Server::start(bin, addr, &db_s);
    wait_until_listening(addr);
    let pid = server.pid();
    let duration = Duration::from_secs(o.seconds);
    println!(
        "{} sessions, {} assistant messages; {} connections on {addr}; {} s per load after {} s of warm-up, at most {} requests; history pages of limit={}",
        work.sessions.len(),
        work.all.len(),
        o.connections,
        o.seconds,
        WARMUP.as_secs(),
        o.max_requests,
        o.history_limit
    );

    // Ratings answered 200, and ratings the server may have committed without the answer
    // being counted (errors, and requests in flight when wrk stopped).
    let mut acknowledged = 0u64;
    let mut unanswered = 0u64;
    let loads = [Load::Reviewers, Load::Spread, Load::History];
    if o.wrk {
        for load in loads {
            let warm = drive_wrk(addr, dir.path(), &work, load, o.connections, WARMUP, &pid);
            let run = drive_wrk(addr, dir.path(), &work, load, o.connections, duration, &pid);
            if load != Load::History {
                for o in [&warm, &run] {
                    acknowledged += o.requests - o.non_2xx;
                    unanswered += o.non_2xx + o.socket_errors + o.connections as u64;
                }
            }
            report_wrk(load, o.connections, &run);
        }
    } else {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        for load in loads {
            let go = |d: Duration, max: u64| {
                rt.block_on(drive(addr, work.clone(), load, o.connections, d, max, &pid))
            };
            let warm = go(WARMUP, o.max_requests);
            let mut run = go(duration, o.max_requests);
            if load != Load::History {
                acknowledged += warm.ok + run.ok;
                unanswered += warm.errors + run.errors;
            }
            report(load, o.connections, &mut run);
        }
    }
    server.stop();
    let recorded = count_feedback(&db) - ratings_before;
    if (acknowledged..=acknowledged + unanswered).contains(&recorded) {
        println!(
            "every rating answered 200 is in the database: {acknowledged} answered, {recorded} recorded"
        );
    } else {
        println!(
            "MISMATCH: {acknowledged} ratings answered 200 (and {unanswered} unanswered) but {recorded} are in the database"
        );
        std::process::exit(1);
    }
    println!(
        "after: load average {}; disk flush {}",
        load_average(),
        flush_latency(dir.path())
    );
}
