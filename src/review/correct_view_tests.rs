//! Snapshots of corrections at 80x24 and 120x40: the `✎ corrected` mark with the implied
//! negative's receipt, the word diff overlay, and the built-in correction editor.

use super::action::{Action, Command};
use super::fixtures::*;
use super::model::*;
use super::update::update;
use crate::api::model::Rating;
use insta::assert_snapshot;

/// The demo-like data with a4 corrected ("42" became "41") and its implied negative
/// committed to the journal.
fn corrected(w: u16, h: u16) -> Model {
    let mut m = loaded(w, h);
    m.external_editor = Some("vi".into());
    let before = m.transcripts["ses_a"].messages[3].content.clone();
    update(&mut m, Action::Command(Command::Correct));
    update(
        &mut m,
        Action::CorrectionEdited {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            before: before.clone(),
            result: Ok(before
                .replace("**42**", "**41**")
                .replace("12 are drafts", "11 are drafts")),
        },
    );
    update(
        &mut m,
        Action::RateRecorded {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Negative,
            result: Ok(entry(1, "ses_a", "a4", Rating::Negative)),
        },
    );
    m
}

#[test]
fn a_corrected_reply_is_marked_with_its_implied_negative() {
    for (w, h) in [(80, 24), (120, 40)] {
        let m = corrected(w, h);
        let s = screen(&m);
        let line = s
            .lines()
            .find(|l| l.contains("✎ corrected"))
            .unwrap_or_else(|| panic!("no corrected mark at {w}x{h}:\n{s}"));
        assert!(line.contains("negative · sending"), "{line}");
        assert_snapshot!(format!("corrected_{w}x{h}"), s);
    }
}

#[test]
fn the_diff_overlay() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = corrected(w, h);
        m.open_transcript_mut().unwrap().cursor = Some(3);
        update(&mut m, Action::Command(Command::ShowDiff));
        assert!(matches!(m.mode, Mode::Diff(_)));
        let s = screen(&m);
        assert!(s.contains("[-**42**-] {+**41**+}"), "{s}");
        assert!(s.contains("[-12-] {+11+}"), "{s}");
        assert_snapshot!(format!("diff_{w}x{h}"), s);
    }
}

#[test]
fn the_built_in_correction_editor() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        update(&mut m, Action::Command(Command::Correct));
        assert!(matches!(m.mode, Mode::Correct(_)));
        let s = screen(&m);
        assert!(
            s.contains("Correct the reply · Ctrl-S save · Esc cancel"),
            "{s}"
        );
        assert!(s.contains("There are **42** videos"), "{s}");
        assert_snapshot!(format!("correct_editor_{w}x{h}"), s);
    }
}
