//! `verdict serve`, `keys create` and `import`, run as the built binary.

use crate::common::{SAMPLE_JSONL, client, keys_create, run, text, verdict};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use verdict::api::ApiKey;
use verdict::api::model::{GetHistoryResponse, ListSessionsRequest, Rating, SubmitFeedbackRequest};

const DEADLINE: Duration = Duration::from_secs(30);

/// `verdict import --namespace NAMESPACE --db DB FILE`.
fn import(home: &Path, db: &Path, namespace: &str, file: &Path) -> Output {
    run(
        home,
        &[
            "import",
            "--namespace",
            namespace,
            "--db",
            db.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    )
}

/// A `verdict serve` child, stopped (killed) on drop if a test fails midway.
struct Served {
    child: Child,
    stderr: mpsc::Receiver<String>,
    stderr_seen: Vec<String>,
    base_url: String,
}

impl Served {
    /// Starts `verdict serve --addr 127.0.0.1:0 ARGS...` and waits until it accepts connections.
    fn start(home: &Path, args: &[&str]) -> Served {
        let mut child = verdict(home)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn verdict serve");
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Served {
            child,
            stderr: rx,
            stderr_seen: Vec::new(),
            base_url: String::new(),
        };
        let line = served.wait_for_stderr("listening on http://");
        let start = line.find("http://").unwrap();
        served.base_url = line[start..].split_whitespace().next().unwrap().to_string();
        let addr: SocketAddr = served.base_url["http://".len()..].parse().unwrap();
        // Readiness: the port accepts a connection (polled, with a deadline).
        let deadline = Instant::now() + DEADLINE;
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "server never accepted on {addr}");
        }
        served
    }

    /// The next stderr line containing `needle`, within the deadline.
    fn wait_for_stderr(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.stderr_seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no stderr line with {needle:?}; saw:\n{}",
                    self.stderr_seen.join("\n")
                ),
            }
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits for the process to exit, polling with a deadline.
    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "verdict serve did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn stdout(&mut self) -> String {
        let mut out = String::new();
        if let Some(mut s) = self.child.stdout.take() {
            use std::io::Read;
            let _ = s.read_to_string(&mut out);
        }
        out
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn db_bytes(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(b) = std::fs::read(PathBuf::from(p)) {
            all.extend(b);
        }
    }
    all
}

#[tokio::test]
async fn keys_create_prints_only_a_key_and_stores_only_its_hash() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("server.db");
    let out = run(
        home.path(),
        &[
            "keys",
            "create",
            "--namespace",
            "team",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout:?}");
    let key = lines[0];
    assert!(key.starts_with("sk_") && key.len() == 46, "{key}");
    assert!(key[3..].bytes().all(|b| b.is_ascii_alphanumeric()));
    assert!(!text(&out.stderr).contains(key));

    let haystack = db_bytes(&db);
    assert!(!haystack.is_empty());
    assert!(
        !haystack.windows(key.len()).any(|w| w == key.as_bytes()),
        "the key is in the database in plain text"
    );

    // The key works against the server on that database.
    let server = verdict::server::start(&db, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let page = client(&server.base_url(), &ApiKey::new(key), "team")
        .list_sessions_page(&ListSessionsRequest::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    server.shutdown().await;

    // Without --db it goes to server.db in the data directory.
    let out = run(home.path(), &["keys", "create", "--namespace", "team"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(home.path().join("data/server.db").exists());

    let out = run(
        home.path(),
        &[
            "keys",
            "create",
            "--namespace",
            "bad name",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("namespace name"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn import_counts_and_refuses_a_broken_file_whole() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("server.db");
    let good = home.path().join("good.jsonl");
    std::fs::write(&good, SAMPLE_JSONL).unwrap();
    let broken = home.path().join("broken.jsonl");
    std::fs::write(
        &broken,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"ok\"}]}\n{\"messages\": [oops]}\n{\"messages\":[{\"role\":\"user\",\"content\":\"fine\"}]}\n",
    )
    .unwrap();

    let out = import(home.path(), &db, "team", &good);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Imported 3 sessions (11 messages) into namespace team."),
        "{stdout}"
    );

    let out = import(home.path(), &db, "team", &broken);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2: not valid JSON", broken.display())),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).contains("Imported 0 sessions"),
        "{}",
        text(&out.stdout)
    );

    // `-` is standard input.
    let mut child = verdict(home.path())
        .args(["import", "--namespace", "piped", "--db"])
        .arg(home.path().join("piped.db"))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(SAMPLE_JSONL.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("standard input: 3 sessions (11 messages)"),
        "{}",
        text(&out.stdout)
    );

    let missing = home.path().join("missing.jsonl");
    let out = import(home.path(), &db, "team", &missing);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot read the file"),
        "{}",
        text(&out.stderr)
    );

    // Nothing from the broken file arrived; the good one did, with its ids and order.
    let key = keys_create(home.path(), &db, "team");
    let server = verdict::server::start(&db, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let team = client(&server.base_url(), &key, "team");
    let sessions = team
        .list_sessions(&ListSessionsRequest::default(), 100)
        .await
        .unwrap();
    assert_eq!(sessions.len(), 3);
    let history = team
        .history_page(&sessions[0].session_id, 200, 0)
        .await
        .unwrap();
    server.shutdown().await;

    // A GetHistoryResponse document: ids kept where free, new ids where taken.
    let doc_path = home.path().join("history.json");
    std::fs::write(&doc_path, serde_json::to_string_pretty(&history).unwrap()).unwrap();
    let other_db = home.path().join("other.db");
    let out = import(home.path(), &other_db, "copy", &doc_path);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Imported 1 session (7 messages)"),
        "{}",
        text(&out.stdout)
    );
    let out = import(home.path(), &db, "team", &doc_path);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The session is there already with the same messages: left as it is, and said so.
    let said = text(&out.stderr);
    assert!(
        said.contains(&format!("session {} already exists", history.session_id))
            && said.contains("imported before?"),
        "{said}"
    );

    let copy_key = keys_create(home.path(), &other_db, "copy");
    let server = verdict::server::start(&other_db, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let copied: GetHistoryResponse = client(&server.base_url(), &copy_key, "copy")
        .history_page(&history.session_id, 200, 0)
        .await
        .unwrap();
    assert_eq!(copied, history);
    server.shutdown().await;

    let server = verdict::server::start(&db, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let team = client(&server.base_url(), &key, "team");
    let sessions = team
        .list_sessions(&ListSessionsRequest::default(), 100)
        .await
        .unwrap();
    assert_eq!(sessions.len(), 3);
    server.shutdown().await;
}

#[tokio::test]
async fn serve_answers_and_exits_cleanly_on_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("server.db");
    let key = keys_create(home.path(), &db, "team");
    let mut served = Served::start(home.path(), &["--db", db.to_str().unwrap()]);
    let page = client(&served.base_url, &key, "team")
        .list_sessions_page(&ListSessionsRequest::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(page.total, 0);

    served.signal("-TERM");
    let status = served.wait();
    assert!(status.success(), "exit status {status:?}");
    served.wait_for_stderr("stopped");
    assert!(served.stdout().is_empty());
    assert!(
        !served.stderr_seen.iter().any(|l| l.contains(key.expose())),
        "the key was logged"
    );
}

#[tokio::test]
async fn serve_demo_shows_a_local_key_once() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("demo.db");
    let mut served = Served::start(home.path(), &["--demo", "--db", db.to_str().unwrap()]);
    served.signal("-TERM");
    assert!(served.wait().success());
    let stdout = served.stdout();
    assert!(
        stdout.contains(&format!("base URL   {}", served.base_url)),
        "{stdout}"
    );
    assert!(stdout.contains("namespace  demo"), "{stdout}");
    assert!(stdout.contains("local demo key"), "{stdout}");
    let key = stdout
        .split_whitespace()
        .find(|w| w.starts_with("sk_"))
        .expect("a key on stdout")
        .to_string();

    // Second run: the namespace exists, so no key is shown; the first key still works.
    let mut served = Served::start(home.path(), &["--demo", "--db", db.to_str().unwrap()]);
    let sessions = client(&served.base_url, &ApiKey::new(&key), "demo")
        .list_sessions(&ListSessionsRequest::default(), 100)
        .await
        .unwrap();
    assert!(!sessions.is_empty());
    served.signal("-TERM");
    assert!(served.wait().success());
    assert!(!served.stdout().contains("sk_"));
}

#[test]
fn serve_on_a_port_in_use_says_so() {
    let home = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let db = home.path().join("server.db");
    let out = run(
        home.path(),
        &["serve", "--addr", &addr, "--db", db.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("already in use"), "{stderr}");
    assert!(stderr.contains("--addr"), "{stderr}");
}

/// A server killed with SIGKILL still has every rating it answered 200 for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_acknowledged_before_sigkill_are_kept() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("server.db");
    let input = home.path().join("sample.jsonl");
    std::fs::write(&input, SAMPLE_JSONL).unwrap();
    let out = import(home.path(), &db, "team", &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = keys_create(home.path(), &db, "team");

    let mut served = Served::start(home.path(), &["--db", db.to_str().unwrap()]);
    let c = client(&served.base_url, &key, "team");
    let sessions = c
        .list_sessions(&ListSessionsRequest::default(), 100)
        .await
        .unwrap();
    let sid = sessions[0].session_id.clone();
    let ids: Vec<String> = c
        .history(&sid)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.is_assistant())
        .map(|m| m.message_id)
        .collect();
    let posts = (0..200).map(|i| {
        let c = c.clone();
        let sid = sid.clone();
        let req = SubmitFeedbackRequest {
            message_id: ids[i % ids.len()].clone(),
            rating: if i % 2 == 0 {
                Rating::Positive
            } else {
                Rating::Negative
            },
            feedback_text: Some(format!("k{i}")),
        };
        tokio::spawn(async move {
            c.submit_feedback(&sid, &req)
                .await
                .map(|r| (req.feedback_text, r))
        })
    });
    let mut acknowledged: Vec<_> = futures_util::future::join_all(posts)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .map(|(text, r)| (text, r.message_id, r.rating, r.recorded_at))
        .collect();
    served.signal("-KILL");
    served.wait();

    let server = verdict::server::start(&db, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let listing = client(&server.base_url(), &key, "team")
        .feedback_listing(&sid)
        .await
        .unwrap()
        .unwrap();
    let mut found: Vec<_> = listing
        .feedback
        .into_iter()
        .map(|f| (f.feedback_text, f.message_id, f.rating, f.recorded_at))
        .collect();
    acknowledged.sort_by(|a, b| a.0.cmp(&b.0));
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(found.len(), 200);
    assert_eq!(found, acknowledged);
    server.shutdown().await;
}
