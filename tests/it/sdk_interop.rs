//! The official Mixpeek Python SDK, pinned in tests/sdk/requirements.txt, drives a real
//! `verdict serve` loaded by `verdict import`: tests/sdk/interop.py checks every list
//! paging form, get, history, feedback, create, patch, terminate and each documented
//! error as the SDK's own typed exception.

use crate::common::{keys_create, run, text, verdict};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const NAMESPACE: &str = "interop";
const SESSIONS: usize = 12;
const DEADLINE: Duration = Duration::from_secs(30);

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `target/sdk-venv`, beside the build (`.ci/run` makes the same one before the tests).
fn venv_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_verdict"));
    let target = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| repo());
    target.join("sdk-venv")
}

/// The venv's python with the pinned SDK, made (or remade, when the pin changed) here.
/// Fails with a sentence when python3, venv or pip cannot do it: a test that passes
/// without the SDK would prove nothing.
fn sdk_python() -> PathBuf {
    let venv = venv_dir();
    let requirements = repo().join("tests/sdk/requirements.txt");
    let stamp = venv.join("verdict-requirements.txt");
    let python = venv.join("bin/python");
    let pinned = std::fs::read(&requirements).expect("read tests/sdk/requirements.txt");
    if python.exists() && std::fs::read(&stamp).ok().as_deref() == Some(pinned.as_slice()) {
        return python;
    }
    let started = Instant::now();
    let made = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .output();
    match made {
        Err(e) => panic!(
            "python3 cannot be run ({e}): the SDK interop test needs python3 with venv and pip; install them (apt-get install python3 python3-venv) or run .ci/run, which does"
        ),
        Ok(out) if !out.status.success() => panic!(
            "python3 -m venv {} failed: install python3-venv (apt-get install python3-venv) or run .ci/run, which does.\n{}",
            venv.display(),
            text(&out.stderr)
        ),
        Ok(_) => {}
    }
    let out = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-input",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "the venv's python cannot be run ({e}): remove {} and try again",
                venv.display()
            )
        });
    assert!(
        out.status.success(),
        "pip could not install the pinned Mixpeek SDK (tests/sdk/requirements.txt) into {}: check the network and the package index.\n{}",
        venv.display(),
        text(&out.stderr)
    );
    std::fs::write(&stamp, &pinned).expect("write the venv's stamp");
    eprintln!(
        "sdk venv: made {} in {:.1?}",
        venv.display(),
        started.elapsed()
    );
    python
}

/// `SESSIONS` conversations, a day apart, each a user question, a reply, a follow-up and
/// a second reply; every third is idle and every fourth has a user id.
fn transcripts() -> String {
    let mut out = String::new();
    for i in 0..SESSIONS {
        let mut metadata = json!({
            "session_name": format!("interop-{i:02}"),
            "status": if i % 3 == 0 { "idle" } else { "active" },
            "created_at": format!("2026-10-{:02}T09:00:00Z", i + 1),
        });
        if i % 4 == 0 {
            metadata["user_id"] = json!(format!("user-{i}"));
        }
        let line = json!({
            "messages": [
                {"role": "user", "content": format!("Question {i}?")},
                {"role": "assistant", "content": format!("Answer {i}.")},
                {"role": "user", "content": "And then?"},
                {"role": "assistant", "content": format!("Then {i}.")}
            ],
            "metadata": metadata,
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

/// A `verdict serve` child, killed on drop so a failing test leaves no server behind.
struct Served {
    child: Child,
    base_url: String,
}

impl Served {
    /// Starts `verdict serve --addr 127.0.0.1:0 --db DB` and waits until it accepts.
    fn start(home: &Path, db: &Path) -> Served {
        let mut child = verdict(home)
            .args(["serve", "--addr", "127.0.0.1:0", "--db"])
            .arg(db)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn verdict serve");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // The receiver goes away after readiness; the rest is drained unread.
                let _ = tx.send(line);
            }
        });
        let mut served = Served {
            child,
            base_url: String::new(),
        };
        let deadline = Instant::now() + DEADLINE;
        let mut seen = Vec::new();
        let line = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.contains("listening on http://") => break line,
                Ok(line) => seen.push(line),
                Err(_) => panic!(
                    "verdict serve never said it was listening; it said:\n{}",
                    seen.join("\n")
                ),
            }
        };
        let start = line.find("http://").expect("a URL");
        served.base_url = line[start..]
            .split_whitespace()
            .next()
            .expect("a URL")
            .to_string();
        let addr: SocketAddr = served.base_url["http://".len()..]
            .parse()
            .expect("an address");
        // Readiness: the port accepts a connection (polled with a deadline, no sleeps).
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "verdict serve never accepted on {addr}"
            );
        }
        served
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

#[test]
fn the_official_sdk_reads_every_answer_of_verdict_serve() {
    let python = sdk_python();
    let home = tempfile::tempdir().expect("tempdir");
    let db = home.path().join("server.db");
    let file = home.path().join("transcripts.jsonl");
    std::fs::write(&file, transcripts()).expect("write transcripts");
    let out = run(
        home.path(),
        &[
            "import",
            "--namespace",
            NAMESPACE,
            "--db",
            db.to_str().expect("utf-8 path"),
            file.to_str().expect("utf-8 path"),
        ],
    );
    assert!(out.status.success(), "import: {}", text(&out.stderr));
    let key = keys_create(home.path(), &db, NAMESPACE);
    let served = Served::start(home.path(), &db);

    let started = Instant::now();
    let out = Command::new(&python)
        .arg(repo().join("tests/sdk/interop.py"))
        .args(["--base-url", &served.base_url, "--namespace", NAMESPACE])
        .args(["--sessions", &SESSIONS.to_string()])
        .env("MIXPEEK_API_KEY", key.expose())
        // No __pycache__ in the source tree.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .output()
        .expect("run tests/sdk/interop.py");
    let took = started.elapsed();
    drop(served);
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    eprintln!("{report}interop took {took:.1?}");
    assert!(
        out.status.success(),
        "the Mixpeek SDK disagrees with verdict serve (exit {:?}):\n{report}",
        out.status.code()
    );
    assert!(report.contains("checks passed"), "{report}");
}
