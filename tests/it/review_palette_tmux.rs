//! End to end: the command palette in the real binary (`--demo` in a tmux pane): `:`,
//! a few letters, Tab, the argument, Enter starts a sample; the command is in the
//! history of the next run, recalled with Up.

use crate::common::tmux::start_demo;

#[test]
fn the_palette_starts_a_sample_and_remembers_it_across_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    let tmux = start_demo(dir.path(), "first");
    tmux.wait_for("the demo", |s| {
        s.contains("DEMO") && s.contains("○ unrated")
    });

    tmux.keys(&[":"]);
    tmux.wait_for("the palette", |s| s.contains("Commands ·"));
    tmux.keys(&["-l", "samp"]);
    let screen = tmux.wait_for("the list filtered", |s| s.contains(":samp"));
    assert!(screen.contains("sample N [seed]"), "{screen}");
    tmux.keys(&["Tab"]);
    tmux.wait_for("the name completed", |s| s.contains(":sample "));
    tmux.keys(&["-l", "3 7"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the sample drawn", |s| s.contains("seed 7 · batch 0/3"));
    assert!(
        !screen.contains("Commands ·"),
        "the palette closed:\n{screen}"
    );
    assert!(screen.contains("Sessions (3)"), "{screen}");

    // A wrong argument: said inside the palette, which stays open.
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "goto nosuch"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the error in the palette", |s| {
        s.contains("goto: no listed session has the id \"nosuch\"") && s.contains("Commands ·")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the palette closed", |s| !s.contains("Commands ·"));
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("a clean exit", |s| s.contains("verdict exited with"));
    assert!(screen.contains("verdict exited with 0"), "{screen}");
    drop(tmux);

    let history = std::fs::read_to_string(dir.path().join("data").join("palette_history"))
        .expect("the history file");
    assert!(history.lines().any(|l| l == "sample 3 7"), "{history}");

    // The next run recalls it with Up on an empty prompt, and Enter runs it again.
    let tmux = start_demo(dir.path(), "second");
    tmux.wait_for("the demo again", |s| {
        s.contains("DEMO") && s.contains("○ unrated")
    });
    tmux.keys(&[":"]);
    tmux.wait_for("the palette with its history read", |s| {
        s.contains("Commands ·") && s.contains("Up recalls")
    });
    tmux.keys(&["Up"]);
    tmux.wait_for("the last command recalled", |s| s.contains(":sample 3 7"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the same sample", |s| s.contains("seed 7 · batch 0/3"));
    tmux.keys(&["q"]);
    tmux.wait_for("a clean exit", |s| s.contains("verdict exited with 0"));
}
