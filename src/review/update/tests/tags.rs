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
