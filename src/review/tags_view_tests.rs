//! Snapshots of tags at 80x24 and 120x40: a reply's tags under its note with the session
//! row's count, and the tag picker.

use super::action::{Action, Command};
use super::fixtures::*;
use super::model::*;
use super::update::update;
use crate::api::model::Rating;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;

/// a4 rated negative with a note, then `1` `2`: hallucination and wrong_tool on it.
fn tagged(w: u16, h: u16) -> Model {
    let mut m = loaded(w, h);
    update(&mut m, Action::Command(Command::RateNegative));
    // The note a rating with text would have left (set_note wraps it again on the tag).
    m.transcripts
        .get_mut("ses_a")
        .unwrap()
        .notes
        .insert("a4".into(), "the count is wrong".into());
    update(&mut m, Action::Command(Command::Tag1));
    update(&mut m, Action::Command(Command::Tag2));
    let e = entry(1, "ses_a", "a4", Rating::Negative);
    update(
        &mut m,
        Action::RateRecorded {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Negative,
            result: Ok(e),
        },
    );
    update(&mut m, Action::Command(Command::Up));
    m
}

#[test]
fn tags_on_a_reply_and_its_session_row() {
    for (w, h) in [(80, 24), (120, 40)] {
        let m = tagged(w, h);
        let s = screen(&m);
        assert!(s.contains("#hallucination #wrong_tool"), "{s}");
        assert!(s.contains("1 tagged"), "{s}");
        assert_snapshot!(format!("tags_on_reply_{w}x{h}"), s);
    }
}

#[test]
fn the_tag_picker() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = tagged(w, h);
        update(&mut m, Action::Command(Command::TagPicker));
        for c in "o".chars() {
            update(
                &mut m,
                Action::PromptKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            );
        }
        let s = screen(&m);
        assert!(s.contains("[x] wrong_tool (1)"), "{s}");
        assert_snapshot!(format!("tag_picker_{w}x{h}"), s);
    }
}
