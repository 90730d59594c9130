//! End to end: the real binary with `--demo` (its local server) in a tmux pane, `e` with
//! a fake `$VISUAL` script that reads a word typed into it and writes it into the reply
//! with sed; the screen is taken back and shows `✎ corrected` with the implied negative;
//! the mark survives a restart; `verdict export --format dpo` prints the pair.

use crate::common::tmux::{Tmux, quote};
use std::path::Path;
use std::process::Command;

/// `verdict --demo` in a fresh tmux server, with its own data and config dirs and
/// `VISUAL` set to `visual`.
fn start(dir: &Path, run: &str, visual: &str) -> Tmux {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmux = Tmux {
        socket: format!("verdict-correct-{}-{run}-{nanos}", std::process::id()),
    };
    let command = format!(
        "env -u MIXPEEK_API_KEY -u MIXPEEK_NAMESPACE -u MIXPEEK_BASE_URL -u NO_COLOR -u EDITOR \
         VISUAL={} VERDICT_DATA_DIR={} VERDICT_CONFIG_DIR={} {} --demo; echo \"verdict exited with $?\"; sleep 600",
        quote(visual),
        quote(&dir.join("data").display().to_string()),
        quote(&dir.join("config").display().to_string()),
        quote(env!("CARGO_BIN_EXE_verdict")),
    );
    tmux.open(&command);
    tmux
}

#[test]
fn a_correction_in_an_external_editor_is_kept_rated_negative_and_exported_as_a_pair() {
    assert!(
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success()),
        "tmux is needed for this test (CI installs it)"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("config.toml"),
        "[review]\nadvance_after_rating = false\n",
    )
    .expect("config file");
    // The fake editor: says it has the terminal, reads a word typed into it (the keys
    // must reach it, not verdict), notes the terminal's mode, and writes the word at the
    // start of the reply with sed.
    let script = dir.path().join("fake-editor.sh");
    let stty = dir.path().join("stty.txt");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nstty -a > {}\nprintf 'fake editor: type a word: '\nread -r word\nsed -i -e \"1s/^/$word /\" \"$1\"\n",
            quote(&stty.display().to_string())
        ),
    )
    .expect("script");
    // Given with an argument, as `code -w` would be.
    let visual = format!("sh {}", script.display());
    let tmux = start(dir.path(), "edit", &visual);
    tmux.wait_for("the demo with an unrated reply", |s| {
        s.contains("DEMO") && s.contains("○ unrated")
    });

    tmux.keys(&["e"]);
    let screen = tmux.wait_for("the editor", |s| s.contains("fake editor: type a word:"));
    assert!(
        !tmux.alternate_screen(),
        "the editor runs on the normal screen"
    );
    assert!(!screen.contains("DEMO"), "{screen}");
    tmux.keys(&["Rewritten", "Enter"]);

    // The terminal is taken back and drawn whole: banner, panes, the mark and receipt.
    let screen = tmux.wait_for("the corrected reply and the server's receipt", |s| {
        s.contains("this run ✓0 ✗1")
            && s.lines().any(|l| {
                l.contains("✎ corrected")
                    && (l.contains("✗ negative · not stored") || l.contains("✗ negative · stored"))
            })
    });
    assert!(tmux.alternate_screen(), "{screen}");
    assert!(
        screen.contains("DEMO") && screen.contains("Sessions ("),
        "{screen}"
    );
    assert!(screen.contains("this run ✓0 ✗1"), "{screen}");
    assert!(!screen.contains("fake editor"), "{screen}");
    // The editor had a normal terminal: line editing on, not verdict's raw mode.
    let modes = std::fs::read_to_string(&stty).expect("stty output");
    assert!(
        modes.contains(" icanon") && modes.contains(" echo "),
        "{modes}"
    );

    tmux.keys(&["D"]);
    let screen = tmux.wait_for("the diff", |s| s.contains("Correction against the reply"));
    assert!(screen.contains("{+Rewritten+}"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the diff closed", |s| {
        !s.contains("Correction against the reply")
    });
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("a clean exit", |s| s.contains("verdict exited with"));
    assert!(screen.contains("verdict exited with 0"), "{screen}");
    drop(tmux);

    // A restart shows the mark again, from the journal.
    let tmux = start(dir.path(), "again", &visual);
    tmux.wait_for("the demo again", |s| {
        s.contains("DEMO") && s.contains("○ unrated")
    });
    // The cursor went on to the next unrated reply: back to the top of the transcript.
    tmux.keys(&["l", "g"]);
    tmux.wait_for("the mark after a restart", |s| s.contains("✎ corrected"));
    tmux.keys(&["q"]);
    tmux.wait_for("a clean exit", |s| s.contains("verdict exited with"));
    drop(tmux);

    let out = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(["export", "--format", "dpo", "--demo"])
        .env_remove("MIXPEEK_API_KEY")
        .env_remove("MIXPEEK_NAMESPACE")
        .env_remove("MIXPEEK_BASE_URL")
        .env("VERDICT_DATA_DIR", dir.path().join("data"))
        .env("VERDICT_CONFIG_DIR", &config)
        .output()
        .expect("export runs");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 1, "{text}");
    let row = &rows[0];
    let chosen = row["chosen"].as_str().expect("chosen");
    let rejected = row["rejected"].as_str().expect("rejected");
    assert_eq!(
        chosen,
        format!("Rewritten {}", rejected.trim_end()),
        "{row}"
    );
    assert!(!row["prompt"].as_str().expect("prompt").is_empty(), "{row}");
    assert_eq!(row["namespace"], verdict::server::DEMO_NAMESPACE);
    assert!(row["session_id"].is_string() && row["message_id"].is_string());
    assert!(row["made_at"].is_string() && row["reviewer"].is_string());
}
