//! `verdict rate`, `sync`, `export` and `status` through the built binary, against the real
//! local server: receipts, refusals, the network down, kill -9 after a rating, and the API
//! key never leaking into a file or an output.

use crate::common::{TestServer, assistant_ids, start_at, until};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use tokio::time::Instant;
use verdict::api::model::{GetSessionResponse, MessageHistoryItem, Rating};
use verdict::commands::review::Opened;
use verdict::config::{Paths, Settings};

const WAIT: Duration = Duration::from_secs(30);

/// A reviewer's machine: its own config and data directories.
struct Reviewer {
    dir: tempfile::TempDir,
    base_url: String,
    namespace: String,
    key: Option<String>,
}

impl Reviewer {
    fn new(base_url: &str, namespace: &str, key: &str) -> Reviewer {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        Reviewer {
            dir,
            base_url: base_url.to_string(),
            namespace: namespace.to_string(),
            key: Some(key.to_string()),
        }
    }

    /// A reviewer with no account configured.
    fn without_account() -> Reviewer {
        let mut reviewer = Reviewer::new("https://api.mixpeek.com", "unused", "unused");
        reviewer.key = None;
        reviewer
    }

    /// The built-in demo as the reviewer opens it with no account, and its first
    /// session with that session's history.
    async fn open_demo(&self) -> (Opened, GetSessionResponse, Vec<MessageHistoryItem>) {
        let paths = Paths {
            config_file: self.config_dir().join("config.toml"),
            data_dir: self.data_dir(),
        };
        paths.ensure_data_dir().unwrap();
        let settings = Settings::from_layers(paths, &Default::default(), |_| None).unwrap();
        let demo = verdict::commands::review::open(&settings, true)
            .await
            .unwrap();
        let session = demo
            .conn
            .client
            .list_sessions(&Default::default(), 100)
            .await
            .unwrap()
            .remove(0);
        let history = demo.conn.client.history(&session.session_id).await.unwrap();
        (demo, session, history)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn journal(&self) -> PathBuf {
        self.data_dir().join("journal.db")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_verdict"));
        cmd.args(args)
            .env_remove("MIXPEEK_API_KEY")
            .env_remove("MIXPEEK_NAMESPACE")
            .env_remove("MIXPEEK_BASE_URL")
            .env("HOME", self.dir.path())
            .env("VERDICT_DATA_DIR", self.data_dir())
            .env("VERDICT_CONFIG_DIR", self.config_dir())
            .env("VERDICT_LOG", "trace")
            .env("USER", "ann")
            .env("MIXPEEK_BASE_URL", &self.base_url)
            .env("MIXPEEK_NAMESPACE", &self.namespace)
            .stdin(Stdio::null());
        if let Some(key) = &self.key {
            cmd.env("MIXPEEK_API_KEY", key);
        }
        cmd
    }

    /// Runs verdict to completion off the runtime (the server shares it).
    async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(args);
        let output = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .expect("run verdict");
        Run(output)
    }
}

struct Run(Output);

impl Run {
    fn ok(&self) -> bool {
        self.0.status.success()
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    #[track_caller]
    fn expect_ok(&self) -> &Self {
        assert!(
            self.ok(),
            "verdict failed: {}\n{}",
            self.stderr(),
            self.stdout()
        );
        self
    }
    #[track_caller]
    fn expect_failure(&self) -> &Self {
        assert!(
            !self.ok(),
            "verdict succeeded: {}\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// A loopback address nobody listens on (for now).
fn free_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// RFC 4180 reader, only for checking what export writes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF outside quotes");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            '\n' => panic!("bare LF outside quotes"),
            _ => field.push(c),
        }
    }
    assert!(field.is_empty() && row.is_empty(), "last line not ended");
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_prints_receipts_and_export_carries_the_exchange() {
    let test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let no_memory = test.session_named("no-memory").await.session_id;
    let last = assistant_ids(&test.history(&tools).await).pop().unwrap();
    let quiet = assistant_ids(&test.history(&no_memory).await)
        .pop()
        .unwrap();
    let me = Reviewer::new(&test.base_url(), &test.namespace, test.key.expose());
    let text = "good, \"concise\"\nanswer";

    let run = me
        .run(&["rate", &tools, &last, "positive", "--text", text])
        .await;
    run.expect_ok();
    let receipt = format!("positive on {last} in {tools}: stored to memory (recorded ");
    assert!(run.stdout().starts_with(&receipt), "{}", run.stdout());

    let run = me.run(&["rate", &no_memory, &quiet, "positive"]).await;
    run.expect_ok();
    assert!(
        run.stdout().contains(": not stored (recorded "),
        "{}",
        run.stdout()
    );

    // JSONL, ready as a preference dataset.
    let run = me.run(&["export"]).await;
    run.expect_ok();
    let lines: Vec<serde_json::Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let first = &lines[0];
    assert_eq!(first["prompt"], "And in sales?");
    assert_eq!(first["completion"], "Sales has 7.");
    assert_eq!(first["label"], true);
    assert_eq!(first["rating"], "positive");
    assert_eq!(first["feedback_text"], text);
    assert_eq!(first["session_id"], tools.as_str());
    assert_eq!(first["message_id"], last.as_str());
    assert_eq!(first["reviewer"], "ann");
    assert_eq!(first["state"], "sent");
    assert_eq!(first["stored"], true);
    assert_eq!(first["latest"], true);
    assert!(first["recorded_at"].is_string());
    assert!(first["made_at"].is_string());
    assert_eq!(lines[1]["prompt"], "Summarise Q3.");
    assert_eq!(lines[1]["stored"], false);

    // CSV to a file, private to the user, and it reads back field for field.
    let out = me.dir.path().join("ratings.csv");
    let run = me
        .run(&[
            "export",
            "--format",
            "csv",
            "--output",
            out.to_str().unwrap(),
        ])
        .await;
    run.expect_ok();
    assert!(run.stdout().is_empty());
    let csv = std::fs::read_to_string(&out).unwrap();
    let rows = parse_csv(&csv);
    assert_eq!(rows.len(), 3);
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    assert_eq!(rows[1][col("feedback_text")], text);
    assert_eq!(rows[1][col("prompt")], "And in sales?");
    assert_eq!(rows[1][col("completion")], "Sales has 7.");
    assert_eq!(rows[1][col("stored")], "true");
    assert_eq!(rows[2][col("label")], "true");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // --since
    let run = me.run(&["export", "--since", "2999-01-01"]).await;
    run.expect_ok();
    assert!(run.stdout().is_empty());
    let run = me.run(&["export", "--since", "2000-01-01T00:00:00Z"]).await;
    assert_eq!(run.expect_ok().stdout().lines().count(), 2);
    let run = me.run(&["export", "--since", "last tuesday"]).await;
    run.expect_failure();
    assert!(run.stderr().contains("YYYY-MM-DD"), "{}", run.stderr());

    // The exchanges are cached: export works with the server gone.
    test.stop().await;
    let run = me.run(&["export"]).await;
    run.expect_ok();
    assert!(run.stderr().is_empty(), "{}", run.stderr());
    assert!(run.stdout().contains("\"completion\":\"Sales has 7.\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_rating_says_why_and_is_kept_as_failed() {
    let test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let me = Reviewer::new(&test.base_url(), &test.namespace, test.key.expose());

    let run = me.run(&["rate", &tools, "msg_nope", "negative"]).await;
    run.expect_failure();
    let err = run.stderr();
    assert!(err.contains("refused the rating (404)"), "{err}");
    assert!(err.contains("not found"), "{err}");
    assert!(err.contains("kept in the journal"), "{err}");

    let run = me.run(&["status"]).await;
    run.expect_ok();
    let out = run.stdout();
    assert!(out.contains("pending      0"), "{out}");
    assert!(out.contains("failed       1"), "{out}");
    assert!(out.contains("failed: negative on msg_nope"), "{out}");

    // Refused ratings are not retried by a plain sync, and sync says they are there.
    let run = me.run(&["sync"]).await;
    run.expect_ok();
    assert!(
        run.stdout().contains("0 sent, 0 pending, 1 failed"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stderr().contains("sync --retry-failed"),
        "{}",
        run.stderr()
    );

    // A user message is refused too; export tells it apart from a message not found.
    let user = test
        .history(&tools)
        .await
        .into_iter()
        .find(|m| m.role == "user")
        .expect("a user message");
    me.run(&["rate", &tools, &user.message_id, "positive"])
        .await
        .expect_failure();
    let run = me.run(&["export"]).await;
    run.expect_ok();
    let said = run.stderr();
    assert!(
        said.contains("1 rated message(s) were not found on the server"),
        "{said}"
    );
    assert!(
        said.contains("1 rating(s) are of messages that are not assistant replies"),
        "{said}"
    );
    test.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_keeps_the_rating_for_the_next_run() {
    let mut test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let msg = assistant_ids(&test.history(&tools).await).remove(0);
    test.halt().await;
    let addr = free_addr();
    let me = Reviewer::new(
        &format!("http://{addr}"),
        &test.namespace,
        test.key.expose(),
    );

    let run = me.run(&["rate", &tools, &msg, "positive"]).await;
    run.expect_failure();
    let err = run.stderr();
    assert!(err.contains("Could not reach the server"), "{err}");
    assert!(err.contains("saved in the journal"), "{err}");
    assert!(err.contains("next run"), "{err}");

    let run = me.run(&["status"]).await;
    assert!(run.expect_ok().stdout().contains("pending      1"));
    // Export does not fail for want of the network: empty exchange and a warning.
    let run = me.run(&["export"]).await;
    run.expect_ok();
    assert!(
        run.stderr().contains("could not be reached"),
        "{}",
        run.stderr()
    );
    let line: serde_json::Value = serde_json::from_str(run.stdout().trim()).unwrap();
    assert_eq!(line["completion"], "");
    assert_eq!(line["state"], "pending");
    let run = me.run(&["sync"]).await;
    run.expect_failure();
    assert!(run.stderr().contains("still pending"), "{}", run.stderr());

    let back = start_at(&test.db, addr, WAIT).await;
    let run = me.run(&["sync"]).await;
    run.expect_ok();
    assert!(
        run.stdout().contains("1 sent, 0 pending, 0 failed"),
        "{}",
        run.stdout()
    );
    let client = test.client_at(&back.base_url());
    let listing = client.feedback_listing(&tools).await.unwrap().unwrap();
    assert_eq!(listing.feedback.len(), 1);
    assert_eq!(listing.feedback[0].message_id, msg);
    back.shutdown().await;
}

/// Accepts connections and never answers, until stopped.
async fn silent_server(addr: SocketAddr) -> tokio::sync::oneshot::Sender<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    if let Ok((socket, _)) = accepted {
                        held.push(socket);
                    }
                }
                _ = &mut stopped => return,
            }
        }
    });
    stop
}

/// The states of the ratings in a journal, read as an outside observer would.
fn journal_states(path: &Path) -> Vec<String> {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return Vec::new();
    };
    let Ok(mut stmt) = conn.prepare("SELECT state FROM ratings ORDER BY id") else {
        return Vec::new();
    };
    stmt.query_map([], |r| r.get::<_, String>(0))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_survives_kill_9_and_is_sent_on_restart() {
    let mut test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let msgs = assistant_ids(&test.history(&tools).await);
    test.halt().await;
    let addr = free_addr();
    let stop_silence = silent_server(addr).await;
    let me = Reviewer::new(
        &format!("http://{addr}"),
        &test.namespace,
        test.key.expose(),
    );

    let mut child = me
        .command(&[
            "rate",
            &tools,
            &msgs[1],
            "positive",
            "--text",
            "kept through kill -9",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while journal_states(&me.journal()) != ["pending"] {
        assert!(
            Instant::now() < deadline,
            "the rating never showed as pending: {:?}",
            journal_states(&me.journal())
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("verdict rate ended before it was killed: {status}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9));
    }
    let _ = stop_silence.send(());

    // The real server comes back on that address; the next verdict sends the rating.
    let back = start_at(&test.db, addr, WAIT).await;
    let run = me.run(&["rate", &tools, &msgs[2], "negative"]).await;
    run.expect_ok();
    let run = me.run(&["sync"]).await;
    run.expect_ok();
    assert!(
        run.stdout().contains("0 pending, 0 failed"),
        "{}",
        run.stdout()
    );

    let client = test.client_at(&back.base_url());
    let listing = client.feedback_listing(&tools).await.unwrap().unwrap();
    let mut got: Vec<(String, Rating, Option<String>)> = listing
        .feedback
        .into_iter()
        .map(|f| (f.message_id, f.rating, f.feedback_text))
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want = vec![
        (
            msgs[1].clone(),
            Rating::Positive,
            Some("kept through kill -9".to_string()),
        ),
        (msgs[2].clone(), Rating::Negative, None),
    ];
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want);
    assert_eq!(journal_states(&me.journal()), ["sent", "sent"]);
    back.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_key_or_namespace_says_how_to_set_it() {
    let mut me = Reviewer::new("http://127.0.0.1:9", "ns", "unused");
    me.key = None;
    let run = me.run(&["rate", "ses_a", "msg_b", "positive"]).await;
    run.expect_failure();
    assert!(run.stderr().contains("MIXPEEK_API_KEY"), "{}", run.stderr());

    let mut me = Reviewer::new("http://127.0.0.1:9", "", "sk_something");
    me.namespace = String::new();
    let run = me.run(&["rate", "ses_a", "msg_b", "positive"]).await;
    run.expect_failure();
    assert!(run.stderr().contains("--namespace"), "{}", run.stderr());
    assert!(
        run.stderr().contains("MIXPEEK_NAMESPACE"),
        "{}",
        run.stderr()
    );
    // Nothing was recorded for a rating that could never be sent.
    assert!(journal_states(&me.journal()).is_empty());

    // status works with neither, and with no network.
    let run = me.run(&["status"]).await;
    run.expect_ok();
    assert!(run.stdout().contains("not set"), "{}", run.stdout());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_a_remote_host_is_refused_unless_allowed() {
    let test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let msg = assistant_ids(&test.history(&tools).await).remove(0);
    // 0.0.0.0 reaches this machine but is not a loopback address, so it stands in for a
    // remote host without needing one.
    let remote = format!("http://0.0.0.0:{}", test.addr().port());
    let me = Reviewer::new(&remote, &test.namespace, test.key.expose());

    let run = me.run(&["rate", &tools, &msg, "positive"]).await;
    run.expect_failure();
    assert!(
        run.stderr()
            .contains("Refusing to send the API key over plain http")
    );
    assert!(run.stderr().contains("--allow-insecure-http"));
    assert!(journal_states(&me.journal()).is_empty());

    let run = me
        .run(&["--allow-insecure-http", "rate", &tools, &msg, "positive"])
        .await;
    run.expect_ok();
    assert!(
        run.stdout().contains("stored to memory"),
        "{}",
        run.stdout()
    );
    test.stop().await;
}

/// A reviewer whose key is only in a config file that other users can read.
#[cfg(unix)]
fn with_a_readable_key_file(key: &str) -> Reviewer {
    use std::os::unix::fs::PermissionsExt;
    let mut me = Reviewer::new("http://127.0.0.1:9", "ns", "unused");
    me.key = None;
    let config = me.config_dir().join("config.toml");
    std::fs::write(&config, format!("api_key = \"{key}\"\n")).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    me
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_file_with_a_key_readable_by_others_is_warned_about() {
    let key = "sk_config_file_secret_4242";
    let me = with_a_readable_key_file(key);
    let run = me.run(&["status"]).await;
    run.expect_ok();
    assert!(run.stderr().contains("chmod 600"), "{}", run.stderr());
    assert!(
        run.stdout().contains("api key      configured"),
        "{}",
        run.stdout()
    );
    assert!(!run.stdout().contains(key) && !run.stderr().contains(key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_counts_the_notes_not_sent_yet() {
    use verdict::journal::{Draft, Journal, Target, journal_base_url};
    let me = Reviewer::new("http://127.0.0.1:9", "ns", "unused");
    let run = me.run(&["status"]).await;
    run.expect_ok();
    assert!(run.stdout().contains("drafts       0"), "{}", run.stdout());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let log = me.data_dir().join("verdict.log");
        let mode = std::fs::metadata(&log)
            .expect("the log")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "the log is private");
    }
    {
        let mut journal = Journal::open(&me.journal()).expect("journal");
        for (namespace, message) in [("ns", "msg_1"), ("ns", "msg_2"), ("other", "msg_3")] {
            let target = Target {
                base_url: journal_base_url(&me.base_url),
                namespace: namespace.into(),
                session_id: "ses_1".into(),
                message_id: message.into(),
            };
            let draft = Draft {
                rating: Rating::Negative,
                text: "half a note".into(),
            };
            journal.save_draft(&target, &draft).expect("draft");
        }
    }
    let run = me.run(&["status"]).await;
    run.expect_ok();
    assert!(
        run.stdout().contains("drafts       2 (notes not sent yet"),
        "{}",
        run.stdout()
    );
}

/// A warning written to a stderr nobody reads any more (a closed pipe) is lost quietly:
/// the command still does its work and succeeds, where `eprintln!` would panic.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_stderr_does_not_stop_a_command() {
    // A key in a file others can read: `status` warns about it on stderr.
    let me = with_a_readable_key_file("sk_broken_stderr");
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut cmd = me.command(&["status"]);
    cmd.stderr(Stdio::from(writer)).stdout(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("run verdict");
    assert!(
        output.status.success(),
        "status {:?}; stdout: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("api key      configured"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_never_reaches_a_file_or_an_output() {
    let mut test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let short = test.session_named("short").await.session_id;
    let msgs = assistant_ids(&test.history(&tools).await);
    let short_msg = assistant_ids(&test.history(&short).await).remove(0);
    let key = test.key.expose().to_string();
    let me = Reviewer::new(&test.base_url(), &test.namespace, &key);
    let export_file = me.data_dir().join("export.csv");

    let mut runs = vec![
        me.run(&["rate", &tools, &msgs[0], "positive", "--text", "fine"])
            .await,
        me.run(&["rate", &tools, &msgs[0], "negative"]).await,
        me.run(&["rate", &tools, "msg_missing", "positive"]).await,
        me.run(&["sync", "--retry-failed"]).await,
        me.run(&["export"]).await,
        me.run(&[
            "export",
            "--format",
            "csv",
            "--output",
            export_file.to_str().unwrap(),
        ])
        .await,
        me.run(&["status"]).await,
    ];
    // A wrong key is not echoed either.
    let wrong = Reviewer::new(&test.base_url(), &test.namespace, "sk_wrong_key_77");
    let wrong_run = wrong.run(&["rate", &tools, &msgs[0], "positive"]).await;
    assert!(
        wrong_run.stderr().contains("API key"),
        "{}",
        wrong_run.stderr()
    );
    assert!(!wrong_run.stdout().contains("sk_wrong_key_77"));
    assert!(!wrong_run.stderr().contains("sk_wrong_key_77"));

    // And with the server gone: an unsent rating, an export that cannot fetch, status.
    test.halt().await;
    runs.push(me.run(&["rate", &short, &short_msg, "positive"]).await);
    runs.push(me.run(&["export", "--format", "csv"]).await);
    runs.push(me.run(&["status"]).await);
    assert!(runs[0].ok() && runs[1].ok() && !runs[2].ok() && !runs[7].ok());
    for (i, run) in runs.iter().enumerate() {
        assert!(
            !run.stdout().contains(&key),
            "stdout of run {i} holds the key"
        );
        assert!(
            !run.stderr().contains(&key),
            "stderr of run {i} holds the key"
        );
    }
    let files = files_under(&me.data_dir());
    let log = me.data_dir().join("verdict.log");
    assert!(
        files.contains(&log) && files.contains(&export_file),
        "{files:?}"
    );
    assert!(
        std::fs::metadata(&log).unwrap().len() > 0,
        "logging was off"
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !contains(&bytes, key.as_bytes()),
            "{} holds the key",
            file.display()
        );
    }
}

/// Demo ratings are kept under the demo's fixed name; `export --demo` with no account
/// fetches their exchanges from the demo's own database, and a plain `export` leaves them out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_ratings_export_with_their_exchange_and_no_account() {
    use verdict::journal::outbox::OutboxEvent;

    let reviewer = Reviewer::without_account();
    let (mut demo, session, history) = reviewer.open_demo().await;
    let at = history.iter().position(|m| m.is_assistant()).unwrap();
    let prompt = history[..at].iter().rev().find(|m| m.is_user()).unwrap();
    let entry = demo
        .conn
        .outbox
        .rate(
            &session.session_id,
            &history[at].message_id,
            Rating::Positive,
            None,
        )
        .await
        .unwrap();
    until(
        &mut demo.conn.events,
        WAIT,
        "the demo rating is sent",
        |e| matches!(e, OutboxEvent::Sent { entry: e, .. } if e.id == entry.id),
    )
    .await;
    demo.conn.outbox.shutdown().await;
    if let Some(server) = demo.server.take() {
        server.shutdown().await;
    }

    // The demo's ratings stay out of an export unless asked for: a training set must not
    // get demo prompts by accident.
    let run = reviewer.run(&["export"]).await;
    assert!(run.stdout().is_empty(), "{}", run.stdout());
    assert!(
        run.stderr().contains("--demo") || run.stderr().contains("--all"),
        "{}",
        run.stderr()
    );
    let run = reviewer.run(&["export", "--demo"]).await;
    run.expect_ok();
    assert!(!run.stderr().contains("warning"), "{}", run.stderr());
    let lines: Vec<serde_json::Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout());
    assert_eq!(lines[0]["base_url"], "local-demo");
    assert_eq!(lines[0]["namespace"], "demo");
    assert_eq!(lines[0]["state"], "sent");
    assert_eq!(lines[0]["completion"], history[at].content.as_str());
    assert_eq!(lines[0]["prompt"], prompt.content.as_str());
}

/// What the server could only refuse is refused before it reaches the journal, and an
/// empty note is no note.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_the_server_could_only_refuse_are_refused_before_the_journal() {
    let test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let last = assistant_ids(&test.history(&tools).await).pop().unwrap();
    let me = Reviewer::new(&test.base_url(), &test.namespace, test.key.expose());
    let long = "x".repeat(10_001);
    for (args, says) in [
        (
            vec!["rate", &tools, &last, "positive", "--text", &long],
            "at most 10000",
        ),
        (vec!["rate", "", &last, "positive"], "session id is empty"),
        (vec!["rate", &tools, " ", "negative"], "message id is empty"),
    ] {
        let run = me.run(&args).await;
        run.expect_failure();
        assert!(run.stderr().contains(says), "{}", run.stderr());
    }
    assert!(
        !me.journal().exists() || journal_states(&me.journal()).is_empty(),
        "nothing was journaled"
    );
    // `--text ""` is a rating without a note.
    me.run(&["rate", &tools, &last, "positive", "--text", ""])
        .await
        .expect_ok();
    let listing = test
        .client()
        .feedback_listing(&tools)
        .await
        .unwrap()
        .expect("offered by the local server");
    assert_eq!(listing.feedback.len(), 1);
    assert_eq!(listing.feedback[0].feedback_text, None);
    test.stop().await;
}

/// `--output` writes into what the user points at: a symbolic link's file is updated and
/// the link kept; a named pipe gets the data instead of being replaced by a file.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_output_follows_links_and_writes_into_pipes() {
    use std::os::unix::fs::FileTypeExt;
    use verdict::journal::{Journal, Target, journal_base_url};
    let me = Reviewer::new("http://127.0.0.1:9", "ns", "unused");
    {
        let mut journal = Journal::open(&me.journal()).expect("journal");
        let target = Target {
            base_url: journal_base_url(&me.base_url),
            namespace: "ns".into(),
            session_id: "ses_1".into(),
            message_id: "msg_1".into(),
        };
        journal
            .record(&target, Rating::Positive, Some("clear"), "ann")
            .expect("rating");
    }
    let dir = me.dir.path();
    // A link to a file in another directory.
    std::fs::create_dir_all(dir.join("real")).unwrap();
    std::fs::write(dir.join("real/ratings.jsonl"), "old").unwrap();
    std::os::unix::fs::symlink(dir.join("real/ratings.jsonl"), dir.join("link.jsonl")).unwrap();
    let link = dir.join("link.jsonl");
    me.run(&["export", "--output", link.to_str().unwrap()])
        .await
        .expect_ok();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    let written = std::fs::read_to_string(dir.join("real/ratings.jsonl")).unwrap();
    assert!(written.contains("\"msg_1\""), "{written}");

    // A named pipe, read by someone else.
    let fifo = dir.join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the pipe"))
    };
    me.run(&["export", "--output", fifo.to_str().unwrap()])
        .await
        .expect_ok();
    let got = reader.join().expect("reader");
    assert!(got.contains("\"msg_1\""), "{got}");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the pipe was replaced"
    );
}

/// A refused key is not the rating's fault: once the key is fixed, the next run sends
/// the ratings it refused, with no `--retry-failed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_refused_for_the_key_go_once_the_key_is_fixed() {
    let test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let msgs = assistant_ids(&test.history(&tools).await);
    let mut me = Reviewer::new(&test.base_url(), &test.namespace, "sk_wrong_key_1");

    let run = me.run(&["rate", &tools, &msgs[0], "negative"]).await;
    run.expect_failure();
    assert!(
        run.stderr().contains("refused the API key"),
        "{}",
        run.stderr()
    );
    assert_eq!(journal_states(&me.journal()), vec!["failed"]);

    me.key = Some(test.key.expose().to_string());
    let run = me.run(&["sync"]).await;
    run.expect_ok();
    assert!(
        run.stdout().contains("1 sent, 0 pending, 0 failed"),
        "{}",
        run.stdout()
    );
    assert_eq!(journal_states(&me.journal()), vec!["sent"]);
    let listing = test
        .client()
        .feedback_listing(&tools)
        .await
        .unwrap()
        .expect("offered by the local server");
    assert_eq!(listing.feedback.len(), 1);
    assert_eq!(listing.feedback[0].message_id, msgs[0]);

    // A refusal for the rating itself stays failed.
    let run = me.run(&["rate", &tools, "msg_nope", "positive"]).await;
    run.expect_failure();
    let run = me.run(&["sync"]).await;
    assert!(
        run.stdout().contains("0 sent, 0 pending, 1 failed"),
        "{}",
        run.stdout()
    );
    test.stop().await;
}

/// `status` with no account still tells of demo ratings waiting to be sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_demo_ratings_still_pending() {
    use verdict::journal::outbox::OutboxEvent;

    let reviewer = Reviewer::without_account();
    let run = reviewer.run(&["status"]).await;
    run.expect_ok();
    assert!(!run.stdout().contains("demo "), "{}", run.stdout());

    let (mut demo, session, history) = reviewer.open_demo().await;
    let message = history.iter().find(|m| m.is_assistant()).unwrap();
    demo.server.take().unwrap().shutdown().await;
    let entry = demo
        .conn
        .outbox
        .rate(
            &session.session_id,
            &message.message_id,
            Rating::Positive,
            None,
        )
        .await
        .unwrap();
    until(
        &mut demo.conn.events,
        WAIT,
        "a retry is reported",
        |e| matches!(e, OutboxEvent::Retrying { entry: e, .. } if e.id == entry.id),
    )
    .await;
    demo.conn.outbox.shutdown().await;

    let run = reviewer.run(&["status"]).await;
    run.expect_ok();
    assert!(
        run.stdout().contains("demo         1 pending, 0 failed"),
        "{}",
        run.stdout()
    );

    // A note left unsent in the demo is counted there too.
    demo.conn
        .outbox
        .save_draft(
            &session.session_id,
            &message.message_id,
            verdict::journal::Draft {
                rating: Rating::Negative,
                text: "half a note".into(),
            },
        )
        .await
        .unwrap();
    let run = reviewer.run(&["status"]).await;
    run.expect_ok();
    assert!(
        run.stdout()
            .contains("demo         1 pending, 0 failed, 1 draft "),
        "{}",
        run.stdout()
    );
}

/// Tags go with `rate --tag` in the text's last line, come back from the server's feedback
/// listing, and `export` and `verdict tags` read them from the journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_round_trip_through_the_server_export_and_verdict_tags() {
    let test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let last = assistant_ids(&test.history(&tools).await).pop().unwrap();
    let me = Reviewer::new(&test.base_url(), &test.namespace, test.key.expose());

    let run = me
        .run(&[
            "rate",
            &tools,
            &last,
            "negative",
            "--text",
            "made up a number",
            "--tag",
            "hallucination",
            "--tag",
            "Wrong Tool",
        ])
        .await;
    run.expect_ok();

    // The server keeps them in feedback_text, and they parse back.
    let listing = test
        .client()
        .feedback_listing(&tools)
        .await
        .unwrap()
        .unwrap();
    let text = listing.feedback[0].feedback_text.clone().unwrap();
    assert_eq!(text, "made up a number\ntags: #hallucination #wrong_tool");
    let (note, tags) = verdict::api::tags::parse(&text);
    assert_eq!(note.as_deref(), Some("made up a number"));
    assert_eq!(tags, ["hallucination", "wrong_tool"]);

    let run = me.run(&["export"]).await;
    run.expect_ok();
    let line: serde_json::Value =
        serde_json::from_str(run.stdout().lines().next().unwrap()).unwrap();
    assert_eq!(line["feedback_text"], text.as_str());
    assert_eq!(line["note"], "made up a number");
    assert_eq!(
        line["tags"],
        serde_json::json!(["hallucination", "wrong_tool"])
    );

    let run = me.run(&["export", "--format", "csv"]).await;
    run.expect_ok();
    let rows = parse_csv(&run.stdout());
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    assert_eq!(rows[1][col("tags")], "hallucination wrong_tool");
    assert_eq!(rows[1][col("note")], "made up a number");

    let run = me.run(&["tags", "--json"]).await;
    run.expect_ok();
    let doc: serde_json::Value = serde_json::from_str(run.stdout().trim()).unwrap();
    assert_eq!(doc["tagged_messages"], 1);
    assert_eq!(doc["tags"][0]["tag"], "hallucination");
    assert_eq!(doc["tags"][0]["negative"], 1);
    assert_eq!(doc["tags"][0]["sessions"][0]["session_id"], tools.as_str());
    let run = me.run(&["tags"]).await;
    run.expect_ok();
    assert!(run.stdout().contains("wrong_tool"), "{}", run.stdout());

    // A tag that is not one is refused before anything is saved.
    let run = me
        .run(&["rate", &tools, &last, "positive", "--tag", "b@d"])
        .await;
    run.expect_failure();
    assert!(run.stderr().contains("not a tag"), "{}", run.stderr());
}
