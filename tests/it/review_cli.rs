//! The reviewer's startup errors: said on stderr, before the terminal is taken over,
//! with a non-zero exit.

use std::process::{Command, Output};

fn verdict(config: Option<&str>, env: &[(&str, &str)]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config_dir = dir.path().join("config");
    std::fs::create_dir_all(&config_dir).expect("config dir");
    if let Some(text) = config {
        std::fs::write(config_dir.join("config.toml"), text).expect("config file");
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verdict"));
    cmd.env_remove("MIXPEEK_API_KEY")
        .env_remove("MIXPEEK_NAMESPACE")
        .env_remove("MIXPEEK_BASE_URL")
        .env("VERDICT_DATA_DIR", dir.path().join("data"))
        .env("VERDICT_CONFIG_DIR", &config_dir)
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.output().expect("verdict runs"), dir)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_broken_config_file_is_named_with_its_line() {
    let (out, _dir) = verdict(Some("namespace = \n"), &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("config.toml") && err.contains("line 1"),
        "{err}"
    );
    // Nothing was drawn: no escape sequences on stdout.
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn an_unknown_action_in_keys_is_named() {
    let (out, _dir) = verdict(Some("[keys]\njump_around = \"x\"\n"), &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("jump_around") && err.contains("rate_positive"),
        "{err}"
    );
    assert!(err.contains("config.toml"), "{err}");
}

#[test]
fn an_unreadable_key_in_keys_is_named() {
    let (out, _dir) = verdict(Some("[keys]\nquit = [\"q\", \"ctrl-\"]\n"), &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("quit") && err.contains("ctrl-"), "{err}");
}

#[test]
fn a_key_without_a_namespace_says_what_to_set() {
    let (out, _dir) = verdict(None, &[("MIXPEEK_API_KEY", "sk_test_never_printed")]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("MIXPEEK_NAMESPACE"), "{err}");
    assert!(err.contains("verdict --demo"), "{err}");
    assert!(!err.contains("sk_test_never_printed"), "{err}");
}

#[test]
fn without_a_terminal_the_reviewer_says_so_and_points_at_the_headless_commands() {
    // The demo, with standard output a pipe, as from a script or `ssh host verdict`.
    let (out, dir) = verdict(None, &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("needs a terminal") && err.contains("verdict rate"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
    // It got as far as the demo (settings and data directory were fine) before saying so.
    assert!(dir.path().join("data").join("demo.db").exists());
}

/// Runs `verdict ARGS` with standard output a pipe whose reader is already gone, as
/// `verdict status | head -1` leaves it once `head` has its line.
fn verdict_into_closed_pipe(args: &[&str]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .env_remove("MIXPEEK_API_KEY")
        .env_remove("MIXPEEK_NAMESPACE")
        .env_remove("MIXPEEK_BASE_URL")
        .env("VERDICT_DATA_DIR", dir.path().join("data"))
        .env("VERDICT_CONFIG_DIR", dir.path().join("config"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("verdict runs");
    // Closed before the program has even parsed its arguments, long before it prints.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("verdict ends");
    (out, dir)
}

#[test]
fn a_closed_standard_output_ends_the_printing_commands_quietly() {
    let db = tempfile::tempdir().expect("tempdir");
    let db_path = db.path().join("seeded.db");
    let db_arg = db_path.to_str().expect("utf-8 temp path");
    let commands: [&[&str]; 5] = [
        &["status"],
        &["export", "--all"],
        &[
            "seed",
            "--db",
            db_arg,
            "--namespace",
            "pipe",
            "--sessions",
            "2",
            "--messages",
            "4",
        ],
        &["keys", "create", "--namespace", "pipe", "--db", db_arg],
        &["--namespace", "pipe", "status"],
    ];
    for args in commands {
        let (out, _dir) = verdict_into_closed_pipe(args);
        let err = stderr(&out);
        assert!(out.status.success(), "verdict {args:?}: {err}");
        assert!(!err.contains("panicked"), "verdict {args:?}: {err}");
    }
}

#[test]
fn a_base_url_that_is_not_a_url_is_answered_with_what_one_looks_like() {
    let (out, _dir) = verdict(
        None,
        &[
            ("MIXPEEK_API_KEY", "sk_test_never_printed"),
            ("MIXPEEK_NAMESPACE", "ns"),
            ("MIXPEEK_BASE_URL", "notaurl"),
        ],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("\"notaurl\""), "{err}");
    assert!(
        err.contains("use a URL like https://api.mixpeek.com or http://127.0.0.1:8000"),
        "{err}"
    );
    assert!(!err.contains("sk_test_never_printed"), "{err}");
}
