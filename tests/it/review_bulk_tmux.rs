//! End to end: the real binary with `--demo` in a tmux pane; `v`, a motion and `-` rate
//! every reply of the range at once.

use crate::common::tmux::start_demo;

#[test]
fn v_a_motion_and_minus_rate_the_range_in_the_real_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("config.toml"), "[review]\nsend_delay = 0\n").expect("config file");
    let tmux = start_demo(dir.path(), "bulk");
    let first = tmux.wait_for("the demo with an unrated reply", |s| {
        s.contains("○ unrated")
    });
    let unrated = first.matches("○ unrated").count();
    tmux.keys(&["l", "v", "G"]);
    let marked = tmux.wait_for("the range", |s| s.contains(" marked · "));
    let n: usize = marked
        .split(" marked · ")
        .next()
        .and_then(|head| head.split_whitespace().last())
        .and_then(|w| w.parse().ok())
        .expect("a count before `marked`");
    assert!(n >= 2, "the range holds more than one reply:\n{marked}");
    tmux.keys(&["-"]);
    let done = tmux.wait_for("every reply of the range rated", |s| {
        s.contains(&format!("Sent: {n} replies rated"))
    });
    // The session had `n` replies, none rated: every one is now.
    assert!(
        done.contains(&format!("{n}/{n} rated")) && unrated > 0,
        "the receipts:\n{done}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("verdict to quit", |s| s.contains("verdict exited with 0"));
}
