//! End to end: the real binary with `--demo` in a tmux pane; keys in, screen text out;
//! then the demo database is served again to check the rating reached the server.

use crate::common::tmux::{
    Tmux, demo_feedback, read_demo_db, shell_quote, start_demo, tmux_available,
};
use std::path::Path;
use std::process::Command;
use verdict::api::model::Rating;

#[test]
fn demo_in_tmux_rates_a_message_and_the_server_keeps_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    // Keep the selection on the rated message, so its receipt stays in view.
    std::fs::write(
        config.join("config.toml"),
        "[review]\nadvance_after_rating = false\n",
    )
    .expect("config file");
    let tmux = start_demo(dir.path(), "rates");

    let screen = tmux.wait_for("the demo with an unrated message", |s| {
        s.contains("DEMO") && s.contains("○ unrated")
    });
    assert!(
        screen.contains("set MIXPEEK_API_KEY and MIXPEEK_NAMESPACE"),
        "{screen}"
    );
    assert!(screen.contains("this run ✓0 ✗0"), "{screen}");

    tmux.keys(&["+"]);
    let screen = tmux.wait_for("the receipt", |s| {
        s.contains("✓ positive · stored to memory") || s.contains("✓ positive · not stored")
    });
    assert!(screen.contains("this run ✓1 ✗0"), "{screen}");
    assert!(
        screen.contains("Positive rating recorded by the server"),
        "{screen}"
    );
    let stored_on_screen = screen.contains("✓ positive · stored to memory");

    tmux.keys(&["?"]);
    tmux.wait_for("the help", |s| s.contains("Keys · Esc closes"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("help closed", |s| !s.contains("Keys · Esc closes"));
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("a clean exit", |s| s.contains("verdict exited with"));
    assert!(screen.contains("verdict exited with 0"), "{screen}");
    drop(tmux);

    // The demo database the app used, served again: exactly one rating, the one made.
    read_demo_db(&data, |client| async move {
        let (sessions, records) = demo_feedback(&client).await;
        assert_eq!(records.len(), 1, "{records:?}");
        let r = &records[0];
        assert_eq!(r.rating, Rating::Positive);
        assert_eq!(r.stored, stored_on_screen);
        // It is the first assistant message of the most recent session: where the app opened.
        let first = &sessions[0];
        assert_eq!(r.session_id, first.session_id);
        let history = client.history(&first.session_id).await.expect("history");
        let expected = history
            .iter()
            .find(|m| m.role == "assistant")
            .expect("assistant");
        assert_eq!(r.message_id, expected.message_id);
    });
}

#[test]
fn sigterm_gives_the_terminal_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tmux = start_demo(dir.path(), "sigterm");
    tmux.wait_for("the demo", |s| {
        s.contains("DEMO") && s.contains("○ unrated")
    });
    let pid = std::fs::read_to_string(dir.path().join("pid")).expect("pid file");
    let out = Command::new("kill")
        .args(["-TERM", pid.trim()])
        .output()
        .expect("kill runs");
    assert!(out.status.success(), "{out:?}");
    // The alternate screen is gone: the shell's own line shows on a normal screen.
    let screen = tmux.wait_for("the exit", |s| s.contains("verdict exited with"));
    assert!(screen.contains("verdict exited with 0"), "{screen}");
    assert!(!screen.contains("DEMO"), "{screen}");
    let mode = tmux.run(&["display-message", "-p", "-t", "review", "#{alternate_on}"]);
    assert_eq!(String::from_utf8_lossy(&mode.stdout).trim(), "0");
}

/// Starts verdict with no flags in a fresh tmux server, the config file given.
fn start_with_config(dir: &Path, test: &str, config_toml: &str) -> Tmux {
    assert!(
        tmux_available(),
        "tmux is needed for this test (CI installs it)"
    );
    let config = dir.join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    let file = config.join("config.toml");
    std::fs::write(&file, config_toml).expect("config file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let tmux = Tmux {
        socket: format!("verdict-test-{}-{test}", std::process::id()),
    };
    let command = format!(
        "env -u MIXPEEK_API_KEY -u MIXPEEK_NAMESPACE -u MIXPEEK_BASE_URL -u VERDICT_PROFILE -u NO_COLOR \
         VERDICT_DATA_DIR={} VERDICT_CONFIG_DIR={} {}; echo \"verdict exited with $?\"; sleep 600",
        shell_quote(&dir.join("data")),
        shell_quote(&config),
        shell_quote(Path::new(env!("CARGO_BIN_EXE_verdict"))),
    );
    tmux.open(&command);
    tmux
}

/// `/` searches every session of the demo and Enter opens a result at its message; `P`
/// switches to another profile, and the reviewer starts again on its server.
#[test]
fn search_opens_a_result_and_p_switches_profile() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = rt.block_on(crate::common::TestServer::with_sample());
    let dir = tempfile::tempdir().expect("tempdir");
    let config = format!(
        "profile = \"demo\"\n\n[profiles.demo]\nnamespace = \"demo\"\n\n[profiles.team]\nbase_url = \"{}\"\nnamespace = \"{}\"\napi_key = \"{}\"\n",
        server.base_url(),
        server.namespace,
        server.key.expose()
    );
    let tmux = start_with_config(dir.path(), "search-switch", &config);
    tmux.wait_for("the demo", |s| {
        s.contains("DEMO") && s.contains("○ unrated")
    });

    tmux.keys(&["/", "chunk", "Enter"]);
    let screen = tmux.wait_for("the results list", |s| {
        s.contains("Search \"chunk\"") && s.contains("Every session of the namespace")
    });
    assert!(screen.contains("Enter opens"), "{screen}");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the result opened", |s| s.contains("Result 1 of"));
    assert!(
        !screen.contains("Every session of the namespace"),
        "{screen}"
    );

    tmux.keys(&["P"]);
    let screen = tmux.wait_for("the profiles", |s| s.contains("Switch account"));
    assert!(screen.contains("(in use)"), "{screen}");
    assert!(
        !screen.contains(server.key.expose()),
        "the key is never shown"
    );
    tmux.keys(&["j", "Enter"]);
    // The sample's sessions on the test server, in its namespace.
    let screen = tmux.wait_for("the other account", |s| {
        s.contains(&format!("· {}", server.namespace)) && s.contains("tools")
    });
    assert!(!screen.contains("DEMO"), "{screen}");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("a clean exit", |s| s.contains("verdict exited with"));
    assert!(screen.contains("verdict exited with 0"), "{screen}");
    drop(tmux);
    rt.block_on(server.stop());
}

/// `-` `1` on the real binary: the reply is rated negative, the digit right after goes to
/// the reply just rated (the cursor has moved on), and the server keeps the tag in the
/// rating's text.
#[test]
fn minus_then_one_tags_the_reply_just_rated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    let tmux = start_demo(dir.path(), "tags");
    tmux.wait_for("the demo with an unrated message", |s| {
        s.contains("DEMO") && s.contains("○ unrated")
    });
    tmux.keys(&["-", "1"]);
    // The cursor moved on (the rated reply may be out of view): its session row counts it.
    tmux.wait_for("the session's tagged count and one negative", |s| {
        s.contains("· 1 tagged") && s.contains("this run ✓0 ✗1")
    });
    tmux.wait_for("nothing left to send", |s| !s.contains("sending"));
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("a clean exit", |s| s.contains("verdict exited with"));
    assert!(screen.contains("verdict exited with 0"), "{screen}");
    drop(tmux);

    read_demo_db(&data, |client| async move {
        let (sessions, records) = demo_feedback(&client).await;
        let first = &sessions[0];
        let history = client.history(&first.session_id).await.expect("history");
        let rated = history
            .iter()
            .find(|m| m.role == "assistant")
            .expect("assistant");
        // Latest first: the rating the message has now.
        let latest = records
            .iter()
            .find(|f| f.message_id == rated.message_id)
            .expect("a rating of the first reply");
        assert_eq!(latest.rating, Rating::Negative);
        assert_eq!(
            latest.feedback_text.as_deref(),
            Some("tags: #hallucination")
        );
    });
}
