//! End to end: the real binary with `--demo` in a tmux pane; a rating, then `S` shows
//! it on the stats screen, and `i` the guidelines file beside the transcript.

use crate::common::tmux::start_demo;

#[test]
fn s_shows_the_stats_of_a_rating_and_i_the_guidelines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("config.toml"),
        "[review]\nsend_delay = 0\nadvance_after_rating = false\nguidelines = \"rubric.md\"\n",
    )
    .expect("config file");
    std::fs::write(
        config.join("rubric.md"),
        "# Team rubric\n\n- **negative** when a number is made up\n",
    )
    .expect("rubric");
    let tmux = start_demo(dir.path(), "stats");
    tmux.wait_for("the demo with an unrated message", |s| {
        s.contains("DEMO") && s.contains("○ unrated")
    });

    tmux.keys(&["-"]);
    tmux.keys(&["1"]);
    tmux.wait_for("the tagged receipt", |s| {
        s.contains("#hallucination") && s.contains("this run ✓0 ✗1")
    });

    tmux.keys(&["S"]);
    let screen = tmux.wait_for("the stats screen with the rating", |s| {
        s.contains("Stats · Esc closes") && s.contains("This run  1 rated")
    });
    assert!(screen.contains("0% positive"), "{screen}");
    assert!(screen.contains("Negatives per tag"), "{screen}");
    assert!(screen.contains("hallucination"), "{screen}");
    assert!(screen.contains("Ratings per minute"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the stats closed", |s| !s.contains("Stats · Esc closes"));

    tmux.keys(&["i"]);
    let screen = tmux.wait_for("the guidelines pane", |s| {
        s.contains("Guidelines · rubric.md") && s.contains("Team rubric")
    });
    assert!(screen.contains("negative when a number"), "{screen}");
    // The file changes: the pane follows on the next tick.
    std::fs::write(config.join("rubric.md"), "# Rubric v2\n").expect("rubric");
    tmux.wait_for("the new rubric", |s| s.contains("Rubric v2"));

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("a clean exit", |s| s.contains("verdict exited with"));
    assert!(screen.contains("verdict exited with 0"), "{screen}");
}
