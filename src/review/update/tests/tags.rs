//! Tags: digits, digits right after a rating, the picker, toggling off.

use super::helpers::*;

fn rate_effect(fx: &[Effect]) -> Option<(String, Rating, Option<String>)> {
    fx.iter().find_map(|e| match e {
        Effect::Rate {
            message_id,
            rating,
            text,
            ..
        } => Some((message_id.clone(), *rating, text.clone())),
        _ => None,
    })
}

fn notice(m: &Model) -> String {
    m.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_digit_right_after_a_rating_tags_the_reply_just_rated() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RateNegative));
    // The cursor moved on to the next unrated reply...
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    let fx = update(&mut m, cmd(Command::Tag1));
    // ...but the tag goes on the reply just rated: a re-rating with the tag line.
    assert_eq!(
        rate_effect(&fx),
        Some((
            "a4".into(),
            Rating::Negative,
            Some("tags: #hallucination".into())
        ))
    );
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"), "the cursor stays");
    assert!(
        notice(&m).contains("hallucination on message 4"),
        "{}",
        notice(&m)
    );
    // A second digit still goes there (the tag was the last thing done to it).
    let fx = update(&mut m, cmd(Command::Tag2));
    assert_eq!(
        rate_effect(&fx).unwrap().2.as_deref(),
        Some("tags: #hallucination #wrong_tool")
    );
    // After another key, a digit goes to the selected reply.
    update(&mut m, cmd(Command::FocusTranscript));
    let fx = update(&mut m, cmd(Command::Tag1));
    assert_eq!(rate_effect(&fx).unwrap().0, "a6");
}

#[test]
fn a_digit_on_an_unrated_reply_rates_it_negative_and_says_so() {
    let mut m = loaded(120, 40);
    let fx = update(&mut m, cmd(Command::Tag3));
    assert_eq!(
        rate_effect(&fx),
        Some((
            "a4".into(),
            Rating::Negative,
            Some("tags: #ignored_tool_error".into())
        ))
    );
    assert!(notice(&m).contains("rated negative"), "{}", notice(&m));
}

#[test]
fn a_tag_on_a_positive_reply_keeps_the_rating_and_the_note_and_toggles_off() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RatePositive));
    update(&mut m, cmd(Command::Up));
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    m.transcripts
        .get_mut("ses_a")
        .unwrap()
        .notes
        .insert("a4".into(), "good answer".into());
    let fx = update(&mut m, cmd(Command::Tag7));
    assert_eq!(
        rate_effect(&fx),
        Some((
            "a4".into(),
            Rating::Positive,
            Some("good answer\ntags: #verbose".into())
        ))
    );
    update(&mut m, cmd(Command::Down));
    update(&mut m, cmd(Command::Up));
    let fx = update(&mut m, cmd(Command::Tag7));
    assert_eq!(
        rate_effect(&fx).unwrap().2.as_deref(),
        Some("good answer"),
        "toggled off: the note stays"
    );
    assert!(notice(&m).contains("verbose off"), "{}", notice(&m));
}

#[test]
fn a_digit_past_the_taxonomy_says_so_and_sends_nothing() {
    let mut m = loaded(120, 40);
    m.tags.truncate(2);
    let fx = update(&mut m, cmd(Command::Tag5));
    assert!(rate_effect(&fx).is_none());
    assert!(notice(&m).contains("No tag 5"), "{}", notice(&m));
}

#[test]
fn the_picker_filters_counts_and_creates_a_tag() {
    let mut m = loaded(120, 40);
    m.transcripts
        .get_mut("ses_a")
        .unwrap()
        .notes
        .insert("a2".into(), "tags: #tone #slow_tool".into());
    update(&mut m, cmd(Command::TagPicker));
    let Mode::Tags(p) = &m.mode else {
        panic!("the picker opens")
    };
    assert_eq!(p.known[0], ("hallucination".to_string(), 0));
    assert!(p.known.contains(&("tone".to_string(), 1)));
    assert!(
        p.known.contains(&("slow_tool".to_string(), 1)),
        "used tags are offered"
    );
    for c in "to".chars() {
        update(&mut m, Action::PromptKey(key(c)));
    }
    let Mode::Tags(p) = &m.mode else { panic!() };
    let names: Vec<&str> = p.options().iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        names,
        ["wrong_tool", "ignored_tool_error", "tone", "slow_tool"]
    );
    update(
        &mut m,
        Action::PromptKey(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
    );
    let fx = update(&mut m, Action::PromptSubmit);
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(
        rate_effect(&fx).unwrap().2.as_deref(),
        Some("tags: #ignored_tool_error")
    );

    // A new word creates a tag.
    update(&mut m, cmd(Command::Up));
    update(&mut m, cmd(Command::Down));
    update(&mut m, cmd(Command::TagPicker));
    for c in "Made Up".chars() {
        update(&mut m, Action::PromptKey(key(c)));
    }
    let Mode::Tags(p) = &m.mode else { panic!() };
    assert_eq!(p.new_tag().as_deref(), Some("made_up"));
    let fx = update(&mut m, Action::PromptSubmit);
    assert!(
        rate_effect(&fx)
            .unwrap()
            .2
            .unwrap()
            .ends_with("tags: #made_up")
    );
}

#[test]
fn the_picker_refuses_what_is_not_a_tag_and_esc_closes_it() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::TagPicker));
    for c in "b@d!".chars() {
        update(&mut m, Action::PromptKey(key(c)));
    }
    let fx = update(&mut m, Action::PromptSubmit);
    assert!(rate_effect(&fx).is_none());
    assert!(notice(&m).contains("not a tag"), "{}", notice(&m));
    assert!(matches!(m.mode, Mode::Tags(_)));
    update(&mut m, Action::PromptCancel);
    assert!(matches!(m.mode, Mode::Browse));
}

/// The journal's count at start: `slow_tool` on two replies of ses_b (never opened),
/// `tone` on one of ses_b and on a2 of ses_a (whose ratings are loaded, and show none).
fn journal_counts() -> crate::journal::tagcounts::TagCounts {
    let mut c = crate::journal::tagcounts::TagCounts::default();
    c.add("ses_b", Some("tags: #slow_tool #tone"));
    c.add("ses_b", Some("cites a stale page\ntags: #slow_tool"));
    c.add("ses_a", Some("tags: #tone"));
    c
}

fn offered(m: &Model) -> Vec<(String, usize)> {
    let Mode::Tags(p) = &m.mode else {
        panic!("the picker is open")
    };
    p.known.clone()
}

#[test]
fn the_picker_offers_tags_only_the_journal_knows_with_their_counts() {
    let mut m = loaded(120, 40);
    update(&mut m, Action::TagCountsLoaded(Ok(journal_counts())));
    update(&mut m, cmd(Command::TagPicker));
    let known = offered(&m);
    assert!(
        known.contains(&("slow_tool".to_string(), 2)),
        "a tag only the journal knows, with its count: {known:?}"
    );
    // ses_a's ratings are on screen and carry no tone any more: only ses_b's counts.
    assert!(known.contains(&("tone".to_string(), 1)), "{known:?}");
    // The taxonomy first, in its order, then the others by count.
    assert_eq!(known[0], ("hallucination".to_string(), 0));
    let slow = known.iter().position(|(t, _)| t == "slow_tool").unwrap();
    let tone = known.iter().position(|(t, _)| t == "tone").unwrap();
    assert!(tone < 9 && slow >= 9, "{known:?}");
    // A session never opened counts its tagged replies from the journal.
    assert_eq!(m.tagged_in("ses_b"), 2);
    assert_eq!(m.tagged_in("ses_a"), 0, "loaded: what is on screen");
    update(&mut m, Action::PromptCancel);
    let screen = crate::review::view::buffer_text(&draw(&m));
    assert!(screen.contains("2 tagged"), "{screen}");
}

#[test]
fn without_the_journal_the_picker_says_so() {
    let mut m = loaded(120, 40);
    update(
        &mut m,
        Action::TagCountsLoaded(Err("the journal: disk I/O error".into())),
    );
    update(&mut m, cmd(Command::TagPicker));
    let screen = crate::review::view::buffer_text(&draw(&m));
    assert!(screen.contains("Journal unreadable"), "{screen}");
}

#[test]
fn a_new_tag_typed_is_offered_next_time_with_its_count() {
    let mut m = loaded(120, 40);
    update(&mut m, Action::TagCountsLoaded(Ok(journal_counts())));
    update(&mut m, cmd(Command::TagPicker));
    for c in "stale_docs".chars() {
        update(&mut m, Action::PromptKey(key(c)));
    }
    let fx = update(&mut m, Action::PromptSubmit);
    assert_eq!(
        rate_effect(&fx).unwrap().2.as_deref(),
        Some("tags: #stale_docs")
    );
    // The journal is not read again: the count follows the rating in the model.
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::LoadTagCounts)),
        "{fx:?}"
    );
    let e = entry(7, "ses_a", "a4", Rating::Negative);
    update(
        &mut m,
        Action::RateRecorded {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Negative,
            result: Ok(e),
        },
    );
    update(&mut m, cmd(Command::Down));
    update(&mut m, cmd(Command::TagPicker));
    assert!(
        offered(&m).contains(&("stale_docs".to_string(), 1)),
        "{:?}",
        offered(&m)
    );
    for c in "stale_docs".chars() {
        update(&mut m, Action::PromptKey(key(c)));
    }
    let Mode::Tags(p) = &m.mode else { panic!() };
    assert_eq!(p.options().len(), 1, "offered...");
    assert_eq!(p.new_tag(), None, "...not new");
    update(&mut m, Action::PromptCancel);
    assert_eq!(m.tagged_in("ses_a"), 1);

    // A journal count that arrives late and already holds the rating counts it once.
    let mut late = journal_counts();
    late.add("ses_a", Some("tags: #stale_docs"));
    update(&mut m, Action::TagCountsLoaded(Ok(late)));
    update(&mut m, cmd(Command::TagPicker));
    assert!(offered(&m).contains(&("stale_docs".to_string(), 1)));
}
