//! Rating with text: the editor, drafts kept as typed and from earlier runs, overlong notes.

use super::helpers::*;

#[test]
fn rate_with_text_sends_the_text_and_the_rating_chosen_in_the_editor() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RateWithText));
    assert!(matches!(m.mode, Mode::Compose(_)));
    for c in "too vague".chars() {
        update(&mut m, Action::EditorKey(key(c)));
    }
    update(&mut m, cmd(Command::ToggleRating));
    let fx = update(&mut m, cmd(Command::Send));
    // The rating is journaled before the draft it came from is forgotten.
    assert_eq!(
        fx,
        vec![
            Effect::Rate {
                session_id: "ses_a".into(),
                message_id: "a4".into(),
                rating: Rating::Negative,
                text: Some("too vague".into()),
                exchange: crate::journal::Exchange::from_history(
                    &m.transcripts["ses_a"].messages,
                    "a4"
                ),
            },
            Effect::DeleteDraft {
                session_id: "ses_a".into(),
                message_id: "a4".into(),
            }
        ]
    );
    assert!(matches!(m.mode, Mode::Browse));
    assert!(m.drafts.is_empty());
}

#[test]
fn a_note_is_kept_as_it_is_typed_and_comes_back_after_esc() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RateWithText));
    let mut saves = Vec::new();
    for c in "wrong".chars() {
        saves.extend(update(&mut m, Action::EditorKey(key(c))));
    }
    // Every change is handed to the journal writer (which commits only the newest of a run).
    assert_eq!(saves.len(), 5);
    assert_eq!(
        saves.last(),
        Some(&Effect::SaveDraft {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            draft: crate::journal::Draft {
                rating: Rating::Positive,
                text: "wrong".into()
            }
        })
    );
    // Switching the rating is part of the draft.
    let fx = update(&mut m, cmd(Command::ToggleRating));
    assert!(
        matches!(&fx[..], [Effect::SaveDraft { draft, .. }] if draft.rating == Rating::Negative)
    );
    // A key that changes nothing (an arrow at the end) saves nothing.
    let right = KeyEvent::new(KeyCode::Right, KeyModifiers::NONE);
    assert!(update(&mut m, Action::EditorKey(right)).is_empty());

    // Esc sends nothing and keeps the note.
    assert!(update(&mut m, cmd(Command::Cancel)).is_empty());
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(receipt(&m, "ses_a", "a4"), None);
    assert!(m.notice.as_ref().unwrap().text.contains("kept as a draft"));

    // `c` on the same message brings back the text and the rating.
    update(&mut m, cmd(Command::RateWithText));
    let Mode::Compose(c) = &m.mode else {
        panic!("editor closed")
    };
    assert_eq!(c.editor.text(), "wrong");
    assert_eq!(c.rating, Rating::Negative);

    // Emptying the note forgets the draft.
    let back = KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE);
    let mut fx = Vec::new();
    for _ in 0..5 {
        fx = update(&mut m, Action::EditorKey(back));
    }
    assert_eq!(
        fx,
        vec![Effect::DeleteDraft {
            session_id: "ses_a".into(),
            message_id: "a4".into()
        }]
    );
    update(&mut m, cmd(Command::Cancel));
    assert!(m.drafts.is_empty());
    assert!(m.notice.as_ref().unwrap().text.contains("cancelled"));
}

#[test]
fn drafts_from_an_earlier_run_open_in_the_editor_and_this_runs_win() {
    let mut m = loaded(120, 40);
    let saved = |message: &str, text: &str| crate::journal::SavedDraft {
        session_id: "ses_a".into(),
        message_id: message.into(),
        draft: crate::journal::Draft {
            rating: Rating::Negative,
            text: text.into(),
        },
    };
    // A note typed in this run before the journal answered is newer than the stored one.
    keep_a_draft(&mut m);
    update(
        &mut m,
        Action::DraftsLoaded(Ok(vec![saved("a4", "old"), saved("a6", "from yesterday")])),
    );
    assert_eq!(m.drafts.len(), 2);
    assert_eq!(m.drafts[&("ses_a".to_string(), "a4".to_string())].text, "n");
    assert_eq!(
        m.drafts[&("ses_a".to_string(), "a6".to_string())].text,
        "from yesterday"
    );
    // A journal that cannot be read is said, not hidden.
    update(&mut m, Action::DraftsLoaded(Err("disk I/O error".into())));
    let notice = m.notice.as_ref().unwrap();
    assert_eq!(notice.level, Level::Warning);
    assert!(notice.text.contains("disk I/O error"), "{}", notice.text);
}

#[test]
fn cancelled_editor_sends_nothing_and_overlong_text_is_refused() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RateWithText));
    update(&mut m, Action::EditorKey(key('x')));
    assert!(update(&mut m, cmd(Command::Cancel)).is_empty());
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(receipt(&m, "ses_a", "a4"), None);

    // The kept "x" comes back; the paste goes after it.
    update(&mut m, cmd(Command::RateWithText));
    update(&mut m, Action::Paste("y".repeat(10_000)));
    let Mode::Compose(c) = &m.mode else {
        panic!("editor closed")
    };
    assert!(c.error.as_ref().unwrap().contains("10001"));
    assert!(update(&mut m, cmd(Command::Send)).is_empty());
    assert!(matches!(m.mode, Mode::Compose(_)));
    update(
        &mut m,
        Action::EditorKey(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
    );
    let fx = update(&mut m, cmd(Command::Send));
    assert!(
        matches!(&fx[..], [Effect::Rate { text: Some(t), .. }, Effect::DeleteDraft { .. }] if t.chars().count() == 10_000)
    );
}

#[test]
fn a_rating_key_on_a_message_with_a_draft_says_the_note_was_not_sent() {
    let mut m = loaded(120, 40);
    keep_a_draft(&mut m);
    update(&mut m, cmd(Command::RatePositive));
    let notice = m.notice.as_ref().unwrap();
    assert_eq!(notice.level, Level::Warning);
    assert!(
        notice.text.contains("without your draft note"),
        "{}",
        notice.text
    );
    assert_eq!(m.drafts.len(), 1, "the note is still there to send");
}

#[test]
fn the_receipt_of_a_rating_given_without_its_draft_note_says_so() {
    let mut m = loaded(120, 40);
    keep_a_draft(&mut m);
    update(&mut m, cmd(Command::RatePositive));
    journaled_and_sent(&mut m, "a4", Rating::Positive);
    let notice = m.notice.as_ref().unwrap();
    assert_eq!(notice.level, Level::Warning);
    assert!(notice.text.contains("stored to memory"), "{}", notice.text);
    assert!(
        notice.text.contains("draft note was not sent"),
        "{}",
        notice.text
    );
}
