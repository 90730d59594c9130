//! Snapshots at 80x24 and 120x40 of the command palette (filtered, and a wrong
//! argument said inside it) and of the help with the keys of the pane in use first.

use super::action::{Action, Command};
use super::fixtures::*;
use super::model::*;
use super::update::update;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;

fn typed(m: &mut Model, s: &str) {
    update(m, Action::Command(Command::Palette));
    for c in s.chars() {
        update(
            m,
            Action::PromptKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
}

#[test]
fn the_palette_filtered() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        typed(&mut m, "ta");
        update(
            &mut m,
            Action::PromptKey(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
        );
        let s = screen(&m);
        assert!(s.contains(":ta"), "{s}");
        assert!(s.contains("tag NAME"), "{s}");
        assert!(s.contains("Commands ·"), "{s}");
        assert_snapshot!(format!("palette_filtered_{w}x{h}"), s);
    }
}

#[test]
fn the_palette_unfiltered_is_bounded_to_the_screen() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        typed(&mut m, "");
        let s = screen(&m);
        // The status bar stays; the list stops above the prompt.
        assert!(s.contains("this run"), "{s}");
        assert_snapshot!(format!("palette_all_{w}x{h}"), s);
    }
}

#[test]
fn a_wrong_argument_is_said_in_the_palette() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        typed(&mut m, "goto ses_zz");
        update(&mut m, Action::PromptSubmit);
        let s = screen(&m);
        assert!(s.contains("goto: no listed session"), "{s}");
        assert_snapshot!(format!("palette_error_{w}x{h}"), s);
    }
}

#[test]
fn help_shows_the_keys_of_the_pane_in_use_first() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        update(&mut m, Action::Command(Command::Help));
        let s = screen(&m);
        assert!(s.contains("Here, in the transcript"), "{s}");
        assert_snapshot!(format!("help_here_transcript_{w}x{h}"), s);
        update(&mut m, Action::Dismiss);
        update(&mut m, Action::Command(Command::FocusSessions));
        update(&mut m, Action::Command(Command::Help));
        let s = screen(&m);
        assert!(s.contains("Here, in the sessions pane"), "{s}");
        assert_snapshot!(format!("help_here_sessions_{w}x{h}"), s);
    }
}

#[test]
fn the_help_sections_put_the_pane_first_and_keep_every_key_once() {
    let mut m = loaded(120, 40);
    let count = |m: &Model| {
        super::typeset::help::sections(m)
            .iter()
            .map(|s| s.entries.len())
            .sum::<usize>()
    };
    let all: usize = m.help.iter().map(|s| s.entries.len()).sum();
    let here = super::typeset::help::sections(&m);
    assert_eq!(here[0].title, "Here, in the transcript");
    let descriptions: Vec<&str> = here[0].entries.iter().map(|e| e.description).collect();
    assert_eq!(
        descriptions[0],
        Command::RatePositive.description(),
        "{descriptions:?}"
    );
    assert!(descriptions.contains(&Command::Undo.description()));
    assert!(!descriptions.contains(&Command::Filter.description()));
    assert!(descriptions.contains(&Command::Palette.description()));
    assert_eq!(count(&m), all, "every line once, moved or not");
    update(&mut m, Action::Command(Command::FocusSessions));
    let here = super::typeset::help::sections(&m);
    assert_eq!(here[0].title, "Here, in the sessions pane");
    let descriptions: Vec<&str> = here[0].entries.iter().map(|e| e.description).collect();
    assert!(descriptions.contains(&Command::Filter.description()));
    assert!(descriptions.contains(&Command::Open.description()));
    assert!(!descriptions.contains(&Command::RatePositive.description()));
    assert_eq!(count(&m), all);
}
