//! update() flows, one file per feature as in update/; here, what holds for every key.

mod batch;
mod bulk;
mod compose;
mod correct;
mod helpers;
mod hostile;
mod jump;
mod mouse;
mod order;
mod overlays;
mod palette;
mod profiles;
mod rating;
mod results;
mod search;
mod sessions;
mod stats;
mod tags;
mod transcript;
mod undo;
mod wording;

use helpers::*;

#[test]
fn keys_do_nothing_while_the_terminal_is_too_small_except_quit() {
    let mut m = loaded(120, 40);
    let before = cursor_id(&m);
    update(&mut m, Action::Resize(20, 5));
    for c in [
        Command::RatePositive,
        Command::RateNegative,
        Command::RateWithText,
        Command::Down,
        Command::NextUnrated,
        Command::Filter,
    ] {
        let fx = update(&mut m, cmd(c));
        assert!(fx.is_empty(), "{c:?} asked for {fx:?}");
    }
    assert!(receipt(&m, "ses_a", "a4").is_none(), "rated unseen");
    assert_eq!(cursor_id(&m), before);
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(m.filter, Filter::All);
    assert!(!m.quit);

    // Big enough again: keys work as before.
    update(&mut m, Action::Resize(120, 40));
    update(&mut m, cmd(Command::RatePositive));
    assert!(receipt(&m, "ses_a", "a4").is_some());

    // Small again, with a send pending: the screen says "press q to quit", and q does.
    update(&mut m, Action::Resize(20, 5));
    update(&mut m, cmd(Command::Quit));
    assert!(m.quit);
}

#[test]
fn q_quits_a_screen_too_small_to_draw_even_with_the_editor_open() {
    let keymap = crate::review::keymap::Keymap::default();
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RateWithText));
    update(&mut m, Action::EditorKey(key('n')));
    // While the editor is drawn, q is a letter of the note.
    let q = keymap
        .action(crate::review::run::key_mode(&m), &key('q'))
        .expect("q means something");
    assert!(matches!(q, Action::EditorKey(_)), "{q:?}");
    // Too small to draw: the screen says "press q to quit", so q is read as quit.
    update(&mut m, Action::Resize(50, 10));
    let q = keymap
        .action(crate::review::run::key_mode(&m), &key('q'))
        .expect("q means something");
    update(&mut m, q);
    assert!(m.quit);
    assert_eq!(m.drafts.len(), 1, "the note stays as a draft");
}
