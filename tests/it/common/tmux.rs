//! A tmux server of a test's own, for the end-to-end tests of the real binary: keys in,
//! screen text out, waited for with a deadline.
#![allow(dead_code)]

use std::future::Future;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use verdict::api::model::{FeedbackRecord, GetSessionResponse};
use verdict::api::{Client, ClientOptions};

pub const DEADLINE: Duration = Duration::from_secs(20);

/// A tmux server of our own (its own socket); killed on drop, pass or fail.
pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    /// Opens the session `review` (120x40) on this server, running `command`.
    pub fn open(&self, command: &str) {
        let out = self.run(&[
            "new-session",
            "-d",
            "-s",
            "review",
            "-x",
            "120",
            "-y",
            "40",
            command,
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
    }

    pub fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn capture(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "review"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "review"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys: {out:?}");
    }

    pub fn alternate_screen(&self) -> bool {
        let out = self.run(&["display-message", "-p", "-t", "review", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Polls the pane until `pred` accepts it, with a deadline.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for {what}; the pane shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

pub fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn shell_quote(p: &Path) -> String {
    quote(&p.display().to_string())
}

/// `s` as one word for `sh`.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Starts `verdict --demo` in a fresh tmux server (120x40) with its own data and config
/// dirs under `dir` (a `config/config.toml` written before is read). The verdict process
/// writes its pid to `dir/pid` (the shell execs it), and the pane says how it exited.
/// `test` names the tmux socket: tests run at once in one process, so the process id
/// alone would not tell their servers apart.
pub fn start_demo(dir: &Path, test: &str) -> Tmux {
    assert!(
        tmux_available(),
        "tmux is needed for this test (CI installs it)"
    );
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmux = Tmux {
        socket: format!("verdict-test-{}-{test}-{nanos}", std::process::id()),
    };
    let inner = format!(
        "echo $$ > {}; exec {} --demo",
        shell_quote(&dir.join("pid")),
        shell_quote(Path::new(env!("CARGO_BIN_EXE_verdict"))),
    );
    let command = format!(
        "env -u MIXPEEK_API_KEY -u MIXPEEK_NAMESPACE -u MIXPEEK_BASE_URL -u NO_COLOR \
         VERDICT_DATA_DIR={} VERDICT_CONFIG_DIR={} sh -c {}; echo \"verdict exited with $?\"; sleep 600",
        shell_quote(&dir.join("data")),
        shell_quote(&dir.join("config")),
        shell_quote(Path::new(&inner)),
    );
    tmux.open(&command);
    tmux
}

/// The demo database a finished `verdict --demo` left in `data`, served again on
/// 127.0.0.1: `read` gets a client of the demo namespace, and the server stops after it.
pub fn read_demo_db<R, F, Fut>(data: &Path, read: F) -> R
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = R>,
{
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let db = data.join("demo.db");
        let key = verdict::server::create_key(&db, verdict::server::DEMO_NAMESPACE).expect("key");
        let server = verdict::server::start(&db, std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("serve the demo db");
        let client = Client::new(ClientOptions::new(
            server.base_url(),
            key,
            verdict::server::DEMO_NAMESPACE,
        ))
        .expect("client");
        let out = read(client).await;
        server.shutdown().await;
        out
    })
}

/// The demo's sessions (most recent first, as the app lists them) and every feedback
/// record the server holds for them: one per POST it received, each session's latest
/// first.
pub async fn demo_feedback(client: &Client) -> (Vec<GetSessionResponse>, Vec<FeedbackRecord>) {
    let sessions = client
        .list_sessions(&verdict::review::effect::list_request(), 100)
        .await
        .expect("sessions");
    let mut records = Vec::new();
    for s in &sessions {
        let listing = client
            .feedback_listing(&s.session_id)
            .await
            .expect("listing")
            .expect("offered by the local server");
        records.extend(listing.feedback);
    }
    (sessions, records)
}
