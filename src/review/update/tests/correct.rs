//! Corrections: `e` with an external editor or the built-in one, what saving records
//! (the correction, and a negative rating unless this reviewer rated the reply), what
//! records nothing, and `D`'s diff.

use super::helpers::*;
use crate::journal::{NewCorrection, SessionCorrections};

const A4: &str =
    "There are **42** videos in the `marketing` bucket.\n\n- 30 are *published*\n- 12 are drafts";

fn with_editor() -> Model {
    let mut m = loaded(120, 40);
    m.external_editor = Some("vim -u NONE".into());
    m
}

fn edited(m: &mut Model, before: &str, result: Result<String, String>) -> Vec<Effect> {
    update(
        m,
        Action::CorrectionEdited {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            before: before.into(),
            result,
        },
    )
}

fn save_correction(text: &str) -> Effect {
    Effect::SaveCorrection {
        session_id: "ses_a".into(),
        message_id: "a4".into(),
        correction: NewCorrection {
            prompt: Some("How many videos are in the marketing bucket?".into()),
            original: A4.into(),
            corrected: text.into(),
        },
    }
}

#[test]
fn e_asks_for_the_external_editor_with_the_reply() {
    let mut m = with_editor();
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    let fx = update(&mut m, cmd(Command::Correct));
    assert_eq!(
        fx,
        vec![Effect::EditCorrection {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            text: A4.into(),
        }]
    );
    assert!(matches!(m.mode, Mode::Browse));
    assert!(m.notice.as_ref().unwrap().text.contains("vim -u NONE"));
}

#[test]
fn an_edited_reply_records_a_correction_and_an_implied_negative() {
    let mut m = with_editor();
    update(&mut m, cmd(Command::Correct));
    let fx = edited(&mut m, A4, Ok("There are 41 videos.\n".into()));
    assert_eq!(fx[0], save_correction("There are 41 videos."));
    assert!(
        matches!(&fx[1], Effect::Rate { message_id, rating: Rating::Negative, text: None, .. } if message_id == "a4"),
        "{fx:?}"
    );
    assert_eq!(fx.len(), 2, "{fx:?}");
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Saving {
            rating: Rating::Negative,
            ..
        })
    ));
    assert_eq!(
        m.transcripts["ses_a"].corrections["a4"],
        "There are 41 videos."
    );
    let notice = &m.notice.as_ref().unwrap().text;
    assert!(notice.contains("implies a negative rating"), "{notice}");
    // The server's receipt says it too.
    let e = entry(1, "ses_a", "a4", Rating::Negative);
    update(
        &mut m,
        Action::Outbox(OutboxEvent::Sent {
            entry: e,
            receipt: crate::review::fixtures::receipt("ses_a", "a4", Rating::Negative, false),
        }),
    );
    let notice = &m.notice.as_ref().unwrap().text;
    assert!(
        notice.contains("Negative rating of message 4 recorded"),
        "{notice}"
    );
    assert!(
        notice.contains("correction implies a negative rating"),
        "{notice}"
    );
    // The correction is never the rating's text.
    assert!(
        fx.iter()
            .all(|e| !matches!(e, Effect::Rate { text: Some(_), .. }))
    );
}

#[test]
fn a_rating_this_reviewer_made_is_kept() {
    let mut m = with_editor();
    update(&mut m, cmd(Command::RatePositive));
    let fx = edited(&mut m, A4, Ok("Better.".into()));
    assert_eq!(fx, vec![save_correction("Better.")]);
    assert_eq!(
        receipt(&m, "ses_a", "a4").unwrap().rating(),
        Rating::Positive
    );
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("rating of this reply is kept")
    );

    // A rating from an earlier run, known from the journal, is kept too.
    let mut m = with_editor();
    journaled_and_sent(&mut m, "a4", Rating::Positive);
    let fx = edited(&mut m, A4, Ok("Better.".into()));
    assert_eq!(fx, vec![save_correction("Better.")]);
}

#[test]
fn another_reviewers_rating_does_not_stop_the_implied_negative() {
    let mut m = with_editor();
    // Known from the server's listing only: not this reviewer's journal.
    m.transcripts.get_mut("ses_a").unwrap().receipts.insert(
        "a4".into(),
        Receipt::Sent {
            rating: Rating::Positive,
            stored: true,
            entry: None,
        },
    );
    let fx = edited(&mut m, A4, Ok("Better.".into()));
    assert_eq!(fx.len(), 2, "{fx:?}");
    // Unless this reviewer's journal says the rating is theirs.
    let mut m = with_editor();
    let t = m.transcripts.get_mut("ses_a").unwrap();
    t.receipts.insert(
        "a4".into(),
        Receipt::Sent {
            rating: Rating::Positive,
            stored: true,
            entry: None,
        },
    );
    t.rated_here.insert("a4".into());
    let fx = edited(&mut m, A4, Ok("Better.".into()));
    assert_eq!(fx, vec![save_correction("Better.")]);
}

#[test]
fn unchanged_empty_or_failed_edits_record_nothing() {
    let mut m = with_editor();
    // Editors add a final newline: still unchanged.
    let fx = edited(&mut m, A4, Ok(format!("{A4}\n")));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(m.notice.as_ref().unwrap().text.contains("unchanged"));
    let fx = edited(&mut m, A4, Ok("  \n\n".into()));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(m.notice.as_ref().unwrap().text.contains("empty"));
    let fx = edited(&mut m, A4, Err("vim exited with status 1".into()));
    assert!(fx.is_empty(), "{fx:?}");
    let notice = &m.notice.as_ref().unwrap().text;
    assert!(
        notice.contains("status 1") && notice.contains("nothing was recorded"),
        "{notice}"
    );
    let over = "x".repeat(crate::journal::corrections::MAX_CORRECTION_CHARS + 1);
    let fx = edited(&mut m, A4, Ok(over));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(m.notice.as_ref().unwrap().text.contains("at most 100000"));
    assert!(receipt(&m, "ses_a", "a4").is_none());
    assert!(m.transcripts["ses_a"].corrections.is_empty());
}

#[test]
fn without_an_editor_the_built_in_one_opens_with_the_reply() {
    let mut m = loaded(120, 40);
    let fx = update(&mut m, cmd(Command::Correct));
    assert!(fx.is_empty());
    let Mode::Correct(c) = &m.mode else {
        panic!("{:?}", m.mode)
    };
    assert_eq!(c.editor.text(), A4);
    // The editor's keys are the rating editor's: letters are text.
    let keymap = crate::review::keymap::Keymap::default();
    let e = keymap.action(crate::review::run::key_mode(&m), &key('e'));
    assert!(matches!(e, Some(Action::EditorKey(_))), "{e:?}");
    update(&mut m, Action::Paste("!".into()));
    let fx = update(&mut m, cmd(Command::Send));
    assert_eq!(fx[0], save_correction(&format!("{A4}!")));
    assert_eq!(fx.len(), 2);
    assert!(matches!(m.mode, Mode::Browse));

    // Esc records nothing; saving it unchanged records nothing.
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::Correct));
    assert!(update(&mut m, cmd(Command::Cancel)).is_empty());
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("nothing was recorded")
    );
    update(&mut m, cmd(Command::Correct));
    assert!(update(&mut m, cmd(Command::Send)).is_empty());
    assert!(m.notice.as_ref().unwrap().text.contains("unchanged"));
}

#[test]
fn e_on_a_user_message_says_what_can_be_corrected() {
    let mut m = with_editor();
    m.focus = Pane::Sessions;
    update(&mut m, cmd(Command::Down));
    m.focus = Pane::Transcript;
    let t = m.open_transcript_mut().unwrap();
    t.cursor = Some(0);
    let fx = update(&mut m, cmd(Command::Correct));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(m.notice.is_some());
}

#[test]
fn d_opens_the_diff_of_a_corrected_reply_and_esc_closes_it() {
    let mut m = with_editor();
    update(&mut m, cmd(Command::ShowDiff));
    assert!(matches!(m.mode, Mode::Browse));
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("press e to write one")
    );
    edited(&mut m, A4, Ok(A4.replace("42", "41")));
    update(&mut m, cmd(Command::Up));
    update(&mut m, cmd(Command::Down));
    m.open_transcript_mut().unwrap().cursor = Some(3);
    update(&mut m, cmd(Command::ShowDiff));
    let Mode::Diff(d) = &m.mode else {
        panic!("{:?}", m.mode)
    };
    let crate::review::typeset::diff::Diff::Ops(ops) = &d.diff else {
        panic!()
    };
    use crate::review::typeset::diff::Op;
    assert!(ops.contains(&Op::Deleted("**42**".into())), "{ops:?}");
    assert!(ops.contains(&Op::Inserted("**41**".into())), "{ops:?}");
    // Scrolling stays within the lines (this diff fits: nothing to scroll).
    update(&mut m, cmd(Command::Down));
    let Mode::Diff(d) = &m.mode else { panic!() };
    assert_eq!(d.scroll, 0);
    update(&mut m, Action::Dismiss);
    assert!(matches!(m.mode, Mode::Browse));
}

#[test]
fn corrections_from_the_journal_mark_their_replies() {
    let mut m = loaded(120, 40);
    let generation = m.transcripts["ses_a"].generation;
    let c = crate::journal::Correction {
        id: 1,
        target: crate::journal::Target {
            base_url: "http://127.0.0.1:8000".into(),
            namespace: "demo".into(),
            session_id: "ses_a".into(),
            message_id: "a4".into(),
        },
        prompt: None,
        original: A4.into(),
        corrected: "Fixed.".into(),
        reviewer: "ann".into(),
        made_at: "2026-11-23T11:00:00Z".into(),
    };
    update(
        &mut m,
        Action::CorrectionsLoaded {
            session_id: "ses_a".into(),
            generation,
            result: Ok(SessionCorrections {
                corrections: vec![c],
                rated: vec!["a6".into()],
            }),
        },
    );
    let t = &m.transcripts["ses_a"];
    assert_eq!(t.corrections["a4"], "Fixed.");
    assert!(t.rated_here.contains("a6"));
    // Opening a session asks for its corrections with its known ratings.
    m.focus = Pane::Sessions;
    let mut fx = update(&mut m, cmd(Command::Down));
    fx.extend(update(&mut m, Action::Tick));
    fx.extend(update(&mut m, cmd(Command::Open)));
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::LoadCorrections { session_id, .. } if session_id == "ses_b")
        ),
        "{fx:?}"
    );
}

#[test]
fn correct_and_show_diff_are_remapped_like_every_command() {
    use crate::config::KeyList;
    use crate::review::keymap::Keymap;
    let mut o = std::collections::BTreeMap::new();
    o.insert("correct".to_string(), KeyList::One("ctrl-e".into()));
    o.insert("show_diff".to_string(), KeyList::One("x".into()));
    let k = Keymap::from_config(&o).unwrap();
    assert_eq!(
        k.browse(&KeyEvent::new(KeyCode::Char('e'), KeyModifiers::CONTROL)),
        Some(Command::Correct)
    );
    assert_eq!(k.browse(&key('e')), None);
    assert_eq!(k.browse(&key('x')), Some(Command::ShowDiff));
    assert_eq!(k.browse(&key('D')), None);
    assert!(
        k.help()
            .iter()
            .flat_map(|s| &s.entries)
            .any(|e| e.keys == "Ctrl-E" && e.description == Command::Correct.description())
    );
    // The defaults: e and D, free of every other command.
    let d = Keymap::default();
    assert_eq!(d.browse(&key('e')), Some(Command::Correct));
    assert_eq!(d.browse(&key('D')), Some(Command::ShowDiff));
}
