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

/// Every item of the bulk write: (message, rating, text).
fn rate_many(fx: &[Effect]) -> Vec<(String, Rating, Option<String>)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::RateMany { items } => Some(
                items
                    .iter()
                    .map(|i| (i.message_id.clone(), i.rating, i.text.clone()))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

/// a4 unrated, a6 rated positive with a note, b2 (another session) unrated: all marked.
fn three_marked() -> Model {
    let mut m = loaded(120, 40);
    if let Some(t) = m.transcripts.get_mut("ses_a") {
        t.receipts.insert(
            "a6".into(),
            Receipt::Sent {
                rating: Rating::Positive,
                stored: false,
                entry: None,
            },
        );
        t.notes.insert("a6".into(), "terse".into());
    }
    mark_all(&mut m);
    m
}

fn mark_all(m: &mut Model) {
    for (s, msg) in [("ses_a", "a4"), ("ses_a", "a6"), ("ses_b", "b2")] {
        m.bulk.mark((s.into(), msg.into()));
    }
}

fn tagged(note: Option<&str>, tag: &str) -> Option<String> {
    crate::api::tags::compose(note, &[tag.to_string()])
}

#[test]
fn a_digit_with_three_marked_replies_tags_all_three_and_again_takes_it_off() {
    let mut m = three_marked();
    let fx = update(&mut m, cmd(Command::Tag1));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Rate { .. })),
        "one bulk write, not one rating per reply: {fx:?}"
    );
    assert_eq!(
        rate_many(&fx),
        vec![
            ("a4".into(), Rating::Negative, tagged(None, "hallucination")),
            (
                "a6".into(),
                Rating::Positive,
                tagged(Some("terse"), "hallucination")
            ),
            ("b2".into(), Rating::Negative, tagged(None, "hallucination")),
        ],
        "a rated reply keeps its rating and note; an unrated one is rated negative"
    );
    let said = notice(&m);
    assert!(said.contains("Tag hallucination on 3 replies"), "{said}");
    assert!(said.contains("2 unrated rated negative"), "{said}");
    assert!(!m.bulk.selecting(), "the marks go once applied");
    assert!(m.bulk.progress.as_ref().is_some_and(|p| p.saving));

    // Every marked reply has it now: the same key takes it off all of them.
    mark_all(&mut m);
    let fx = update(&mut m, cmd(Command::Tag1));
    assert_eq!(
        rate_many(&fx),
        vec![
            ("a4".into(), Rating::Negative, None),
            ("a6".into(), Rating::Positive, Some("terse".into())),
            ("b2".into(), Rating::Negative, None),
        ]
    );
    let said = notice(&m);
    assert!(said.contains("Tag hallucination off 3 replies"), "{said}");
    assert!(said.contains("every marked reply had it"), "{said}");
}

#[test]
fn a_bulk_tag_adds_only_where_it_is_missing_when_some_marked_replies_have_it() {
    let mut m = three_marked();
    if let Some(t) = m.transcripts.get_mut("ses_a") {
        t.notes.insert("a6".into(), "tags: #hallucination".into());
    }
    let fx = update(&mut m, cmd(Command::Tag1));
    let sent: Vec<String> = rate_many(&fx).into_iter().map(|i| i.0).collect();
    assert_eq!(sent, vec!["a4".to_string(), "b2".to_string()]);
    assert!(notice(&m).contains("on 2 replies"), "{}", notice(&m));
}

#[test]
fn the_picker_enter_and_colon_tag_apply_to_every_marked_reply() {
    let mut m = three_marked();
    update(&mut m, cmd(Command::TagPicker));
    assert!(matches!(m.mode, Mode::Tags(_)));
    let fx = update(&mut m, Action::PromptSubmit);
    let items = rate_many(&fx);
    assert_eq!(items.len(), 3, "{fx:?}");
    assert!(
        items
            .iter()
            .all(|i| i.2.as_deref().is_some_and(|t| t.contains("#hallucination")))
    );

    let mut m = three_marked();
    let mut fx = update(&mut m, cmd(Command::Palette));
    for c in "tag wrong_tool".chars() {
        fx.extend(update(&mut m, Action::PromptKey(key(c))));
    }
    fx.extend(update(&mut m, Action::PromptSubmit));
    let items = rate_many(&fx);
    assert_eq!(items.len(), 3, "{fx:?}");
    assert!(
        items
            .iter()
            .all(|i| i.2.as_deref().is_some_and(|t| t.contains("#wrong_tool")))
    );
    assert!(notice(&m).contains("Tag wrong_tool on 3 replies"));
}

#[test]
fn a_bulk_tag_says_so_while_sending_and_a_failed_write_keeps_each_rating() {
    let mut m = three_marked();
    update(&mut m, cmd(Command::Tag1));
    let replies = vec![
        ("ses_a".to_string(), "a4".to_string()),
        ("ses_a".to_string(), "a6".to_string()),
        ("ses_b".to_string(), "b2".to_string()),
    ];
    update(
        &mut m,
        Action::BulkRecorded {
            replies: replies.clone(),
            rating: Rating::Negative,
            result: Ok(vec![
                crate::review::fixtures::entry(11, "ses_a", "a4", Rating::Negative),
                crate::review::fixtures::entry(12, "ses_a", "a6", Rating::Positive),
                crate::review::fixtures::entry(13, "ses_b", "b2", Rating::Negative),
            ]),
        },
    );
    let said = notice(&m);
    assert!(
        said.contains("Tag hallucination on 3 replies (one action"),
        "{said}"
    );

    let mut m = three_marked();
    update(&mut m, cmd(Command::Tag1));
    update(
        &mut m,
        Action::BulkRecorded {
            replies,
            rating: Rating::Negative,
            result: Err("disk full".into()),
        },
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a6"),
        Some(Receipt::Failed {
            rating: Rating::Positive,
            ..
        })
    ));
}
