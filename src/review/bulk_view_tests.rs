//! Snapshots of marks and bulk judgments at 80x24 and 120x40: marked replies and the
//! status bar's count, the bulk positive's question, sending progress, a deferred
//! reply's receipt, and marked sessions.

use super::action::{Action, Command};
use super::fixtures::*;
use super::model::*;
use super::update::update;
use crate::api::model::Rating;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;

/// ses_a open in the transcript, a4 and a6 marked with `v` and `G`.
fn marked(w: u16, h: u16) -> Model {
    let mut m = loaded(w, h);
    m.focus = Pane::Transcript;
    update(&mut m, Action::Command(Command::MarkRange));
    update(&mut m, Action::Command(Command::Bottom));
    m
}

#[test]
fn marked_replies_and_their_count() {
    for (w, h) in [(80, 24), (120, 40)] {
        let m = marked(w, h);
        let s = screen(&m);
        assert!(s.contains("2 marked"), "{s}");
        assert_snapshot!(format!("bulk_marked_{w}x{h}"), s);
    }
}

#[test]
fn the_question_before_a_bulk_positive() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = marked(w, h);
        update(&mut m, Action::Command(Command::RatePositive));
        let s = screen(&m);
        assert!(s.contains("Store 2 exchanges to memory? y/n"), "{s}");
        assert_snapshot!(format!("bulk_confirm_{w}x{h}"), s);
    }
}

#[test]
fn sending_progress_of_a_bulk_negative() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = marked(w, h);
        update(&mut m, Action::Command(Command::RateNegative));
        update(
            &mut m,
            Action::BulkRecorded {
                replies: vec![("ses_a".into(), "a4".into()), ("ses_a".into(), "a6".into())],
                rating: Rating::Negative,
                result: Ok(vec![
                    entry(1, "ses_a", "a4", Rating::Negative),
                    entry(2, "ses_a", "a6", Rating::Negative),
                ]),
            },
        );
        let s = screen(&m);
        assert!(s.contains("sending 0/2"), "{s}");
        assert_snapshot!(format!("bulk_sending_{w}x{h}"), s);
    }
}

#[test]
fn a_deferred_reply_and_the_reason_prompt() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        m.focus = Pane::Transcript;
        update(&mut m, Action::Command(Command::Defer));
        for c in "check the count".chars() {
            update(
                &mut m,
                Action::PromptKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            );
        }
        let s = screen(&m);
        assert!(
            s.contains("Defer, reason (optional): check the count"),
            "{s}"
        );
        assert_snapshot!(format!("defer_prompt_{w}x{h}"), s);
        update(&mut m, Action::PromptSubmit);
        update(&mut m, Action::Command(Command::Up));
        let s = screen(&m);
        assert!(s.contains("deferred · check"), "{s}");
        assert_snapshot!(format!("deferred_receipt_{w}x{h}"), s);
    }
}

#[test]
fn marked_sessions() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        m.focus = Pane::Sessions;
        update(&mut m, Action::Command(Command::Mark));
        update(&mut m, Action::Command(Command::Down));
        update(&mut m, Action::Command(Command::Down));
        update(&mut m, Action::Command(Command::Mark));
        let s = screen(&m);
        assert!(s.contains("2 sessions marked"), "{s}");
        assert_snapshot!(format!("bulk_sessions_marked_{w}x{h}"), s);
    }
}
