//! `verdict login` and `logout` against the real local server: a working account is
//! saved privately, a wrong key or namespace is named and nothing is saved, profiles sit
//! side by side.

use crate::common::{TestServer, text, verdict};
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

/// `verdict ARGS` with `stdin` written to its standard input.
fn run_with_stdin(home: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = verdict(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Whether `status` output has the line `label   value`.
fn says(status: &str, label: &str, value: &str) -> bool {
    status
        .lines()
        .any(|l| l.starts_with(label) && l[label.len()..].trim_start().starts_with(value))
}

/// `verdict ARGS` with `stdin` piped in, off the runtime the server shares.
async fn login(home: &Path, args: &[&str], stdin: impl Into<String>) -> Output {
    let home = home.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let stdin = stdin.into();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_with_stdin(&home, &args, &stdin)
    })
    .await
    .unwrap()
}

fn config(home: &Path) -> std::path::PathBuf {
    home.join("config").join("config.toml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_checks_the_account_then_saves_it_privately() {
    let server = TestServer::with_sample().await;
    let home = tempfile::tempdir().unwrap();
    let url = server.base_url();
    let key = server.key.expose().to_string();

    // A wrong key: named, and nothing saved.
    let out = login(
        home.path(),
        &[
            "login",
            "--base-url",
            &url,
            "--namespace",
            "test",
            "--key-stdin",
        ],
        "sk_wrong\n",
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("refused the API key"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("Nothing was saved"));
    assert!(!config(home.path()).exists());

    // A wrong namespace: named, and nothing saved.
    let out = login(
        home.path(),
        &[
            "login",
            "--base-url",
            &url,
            "--namespace",
            "nosuch",
            "--key-stdin",
        ],
        &format!("{key}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("namespace nosuch was not found"),
        "{}",
        text(&out.stderr)
    );
    assert!(!config(home.path()).exists());

    // The right ones: saved 0600, the key never printed, and status uses them.
    let out = login(
        home.path(),
        &[
            "login",
            "--base-url",
            &url,
            "--namespace",
            "test",
            "--key-stdin",
        ],
        &format!("{key}\n"),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("Logged in to"), "{said}");
    assert!(said.contains("3 session(s)"), "{said}");
    assert!(!said.contains(&key), "the key was printed");
    let saved = std::fs::read_to_string(config(home.path())).unwrap();
    assert!(
        saved.contains(&key) && saved.contains("namespace = \"test\""),
        "{saved}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(config(home.path()))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let status = verdict(home.path()).arg("status").output().unwrap();
    let status = text(&status.stdout);
    assert!(says(&status, "api key", "configured"), "{status}");
    assert!(says(&status, "namespace", "test"), "{status}");
    assert!(!status.contains(&key));

    // Logout removes the key and keeps the rest.
    let out = verdict(home.path()).arg("logout").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let saved = std::fs::read_to_string(config(home.path())).unwrap();
    assert!(!saved.contains(&key), "{saved}");
    assert!(saved.contains("namespace = \"test\""), "{saved}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_sit_side_by_side_and_an_unknown_one_is_named() {
    let server = TestServer::with_sample().await;
    let home = tempfile::tempdir().unwrap();
    let url = server.base_url();
    let key = server.key.expose().to_string();
    let out = login(
        home.path(),
        &[
            "login",
            "--profile",
            "work",
            "--base-url",
            &url,
            "--namespace",
            "test",
            "--key-stdin",
        ],
        &format!("{key}\n"),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("as profile work"));
    let saved = std::fs::read_to_string(config(home.path())).unwrap();
    assert!(saved.contains("[profiles.work]"), "{saved}");

    // Without the profile, no account; with it, the account.
    let plain = text(&verdict(home.path()).arg("status").output().unwrap().stdout);
    assert!(says(&plain, "api key", "not set"), "{plain}");
    let work = verdict(home.path())
        .args(["--profile", "work", "status"])
        .output()
        .unwrap();
    let work = text(&work.stdout);
    assert!(says(&work, "profile", "work"), "{work}");
    assert!(says(&work, "namespace", "test"), "{work}");
    assert!(says(&work, "api key", "configured"), "{work}");

    let out = verdict(home.path())
        .args(["status", "--profile", "home"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(
        said.contains("The profile home is not in") && said.contains("work"),
        "{said}"
    );

    let out = verdict(home.path())
        .args(["logout", "--profile", "work"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("profile work"));
    assert!(
        !std::fs::read_to_string(config(home.path()))
            .unwrap()
            .contains(&key)
    );

    // No terminal to ask on and no --key-stdin: a sentence, not a hang.
    let out = verdict(home.path())
        .args(["login", "--base-url", &url, "--namespace", "test"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--key-stdin"),
        "{}",
        text(&out.stderr)
    );
}
