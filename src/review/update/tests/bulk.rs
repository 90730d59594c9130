//! Deferring (`s`), marking (`v`, Space, `*`, Esc) and bulk judgments: one journal
//! write for every marked reply, the question before a bulk positive, the progress.

use super::helpers::*;
use crate::journal::defer::Deferral;

fn in_transcript() -> Model {
    let mut m = loaded(120, 40);
    m.focus = Pane::Transcript;
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    m
}

fn rate_many(fx: &[Effect]) -> Vec<(String, String, Rating)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::RateMany { items } => Some(
                items
                    .iter()
                    .map(|i| (i.session_id.clone(), i.message_id.clone(), i.rating))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

fn type_text(m: &mut Model, s: &str) {
    for c in s.chars() {
        update(m, Action::PromptKey(key(c)));
    }
}

#[test]
fn v_and_a_motion_mark_a_range_that_minus_rates_in_one_journal_write() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::MarkRange));
    update(&mut m, cmd(Command::Down));
    update(&mut m, cmd(Command::Down));
    assert_eq!(crate::review::update::marked_count(&m), (2, 0));
    let fx = update(&mut m, cmd(Command::RateNegative));
    let rated = rate_many(&fx);
    assert_eq!(
        rated,
        vec![
            ("ses_a".into(), "a4".into(), Rating::Negative),
            ("ses_a".into(), "a6".into(), Rating::Negative)
        ]
    );
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Rate { .. })),
        "one write, not one per reply: {fx:?}"
    );
    // The exchange goes with each rating, for export.
    let Some(Effect::RateMany { items }) = fx.iter().find(|e| matches!(e, Effect::RateMany { .. }))
    else {
        unreachable!()
    };
    assert_eq!(
        items[1].exchange.as_ref().and_then(|x| x.prompt.as_deref()),
        Some("Which is the longest?")
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a6"),
        Some(Receipt::Saving { .. })
    ));
    assert!(!m.bulk.selecting(), "the marks go once applied");
    assert!(m.bulk.progress.as_ref().is_some_and(|p| p.saving));
}

#[test]
fn space_marks_and_unmarks_and_esc_clears_marks_before_the_search() {
    let mut m = in_transcript();
    m.search = Some(Search {
        query: "videos".into(),
        matches: vec![],
        current: None,
    });
    update(&mut m, cmd(Command::Mark));
    assert!(m.bulk.is_marked("ses_a", "a4"));
    update(&mut m, cmd(Command::Mark));
    assert!(!m.bulk.is_marked("ses_a", "a4"));
    update(&mut m, cmd(Command::Mark));
    update(&mut m, Action::Dismiss);
    assert!(!m.bulk.selecting());
    assert!(m.search.is_some(), "Esc takes the marks first");
    update(&mut m, Action::Dismiss);
    assert!(m.search.is_none());
}

#[test]
fn space_on_a_tool_call_marks_nothing_and_says_why() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::Up));
    assert_eq!(cursor_id(&m).as_deref(), Some("a3"));
    update(&mut m, cmd(Command::Mark));
    assert!(!m.bulk.selecting());
    assert!(m.notice.as_ref().unwrap().text.contains("Only assistant"));
}

#[test]
fn star_marks_the_replies_the_search_matched() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::MarkMatches));
    assert!(m.notice.as_ref().unwrap().text.contains("search with /"));
    m.search = Some(Search {
        query: "video".into(),
        matches: vec![
            Match::Message {
                session_id: "ses_a".into(),
                index: 0,
            },
            Match::Message {
                session_id: "ses_a".into(),
                index: 5,
            },
        ],
        current: None,
    });
    update(&mut m, cmd(Command::MarkMatches));
    // The user message matched too; only the reply is marked.
    assert_eq!(m.bulk.marked, vec![("ses_a".into(), "a6".into())]);
}

#[test]
fn a_bulk_positive_asks_with_the_count_and_n_rates_nothing() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::MarkRange));
    update(&mut m, cmd(Command::Bottom));
    let fx = update(&mut m, cmd(Command::RatePositive));
    assert!(rate_many(&fx).is_empty(), "nothing before the answer");
    let Mode::ConfirmBulk(c) = &m.mode else {
        panic!("{:?}", m.mode)
    };
    assert_eq!(c.replies.len(), 2);
    assert!(screen(&m).contains("Store 2 exchanges to memory? y/n"));
    let fx = update(&mut m, Action::ConfirmNo);
    assert!(rate_many(&fx).is_empty());
    assert!(matches!(m.mode, Mode::Browse));
    assert!(receipt(&m, "ses_a", "a4").is_none());

    update(&mut m, cmd(Command::Mark));
    update(&mut m, cmd(Command::RatePositive));
    let fx = update(&mut m, Action::ConfirmYes);
    assert_eq!(
        rate_many(&fx),
        vec![("ses_a".into(), "a6".into(), Rating::Positive)]
    );
}

#[test]
fn a_bulk_positive_question_is_not_answered_by_q() {
    let keymap = crate::review::keymap::Keymap::default();
    use crate::review::keymap::KeyMode;
    assert!(keymap.action(KeyMode::Ask, &key('q')).is_none());
    assert!(matches!(
        keymap.action(KeyMode::Ask, &key('y')),
        Some(Action::ConfirmYes)
    ));
}

#[test]
fn the_journal_commit_queues_every_reply_and_the_status_bar_counts_the_sends() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::MarkRange));
    update(&mut m, cmd(Command::Bottom));
    update(&mut m, cmd(Command::RateNegative));
    let entries = vec![
        entry(11, "ses_a", "a4", Rating::Negative),
        entry(12, "ses_a", "a6", Rating::Negative),
    ];
    update(
        &mut m,
        Action::BulkRecorded {
            replies: vec![("ses_a".into(), "a4".into()), ("ses_a".into(), "a6".into())],
            rating: Rating::Negative,
            result: Ok(entries.clone()),
        },
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a6"),
        Some(Receipt::Queued { entry: 12, .. })
    ));
    assert_eq!(m.run_counts(), (0, 2));
    assert!(screen(&m).contains("sending 0/2"), "{}", screen(&m));
    update(&mut m, sent(&entries[0]));
    assert!(screen(&m).contains("sending 1/2"));
    update(&mut m, sent(&entries[1]));
    assert!(m.bulk.progress.is_none());
    assert!(m.notice.as_ref().unwrap().text.contains("2 replies rated"));
}

#[test]
fn a_journal_that_cannot_commit_the_bulk_says_so_on_every_reply() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::Mark));
    update(&mut m, cmd(Command::RateNegative));
    update(
        &mut m,
        Action::BulkRecorded {
            replies: vec![("ses_a".into(), "a4".into())],
            rating: Rating::Negative,
            result: Err("disk full".into()),
        },
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Failed { .. })
    ));
    assert!(m.bulk.progress.is_none());
}

#[test]
fn s_asks_a_reason_enter_defers_and_s_again_undefers() {
    let mut m = in_transcript();
    let fx = update(&mut m, cmd(Command::Defer));
    assert!(fx.is_empty());
    assert!(matches!(m.mode, Mode::Defer(_)));
    type_text(&mut m, "ask Bo");
    let fx = update(&mut m, Action::PromptSubmit);
    assert_eq!(
        fx,
        vec![Effect::Defer {
            replies: vec![("ses_a".into(), "a4".into())],
            reason: Some("ask Bo".into()),
            on: true,
        }]
    );
    let t = m.open_transcript().unwrap();
    assert_eq!(t.deferred.get("a4"), Some(&Some("ask Bo".to_string())));
    // On to the next unrated reply, as after a rating.
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    assert!(screen(&m).contains("deferred · ask Bo"), "{}", screen(&m));

    update(&mut m, cmd(Command::Up));
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    let fx = update(&mut m, cmd(Command::Defer));
    assert_eq!(
        fx,
        vec![Effect::Defer {
            replies: vec![("ses_a".into(), "a4".into())],
            reason: None,
            on: false,
        }]
    );
    assert!(m.open_transcript().unwrap().deferred.is_empty());
}

#[test]
fn esc_at_the_reason_prompt_defers_nothing_and_enter_alone_defers_without_reason() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::Defer));
    type_text(&mut m, "x");
    let fx = update(&mut m, Action::PromptCancel);
    assert!(fx.is_empty());
    assert!(m.bulk.deferred.is_empty());
    update(&mut m, cmd(Command::Defer));
    let fx = update(&mut m, Action::PromptSubmit);
    assert!(matches!(
        &fx[..],
        [Effect::Defer {
            reason: None,
            on: true,
            ..
        }]
    ));
}

#[test]
fn rating_a_deferred_reply_ends_its_deferral() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::Defer));
    update(&mut m, Action::PromptSubmit);
    update(&mut m, cmd(Command::Up));
    update(&mut m, cmd(Command::RateNegative));
    assert!(m.bulk.deferred.is_empty());
    assert!(m.open_transcript().unwrap().deferred.is_empty());
}

#[test]
fn next_unrated_passes_a_deferred_reply_then_comes_back_to_it() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::Defer));
    update(&mut m, Action::PromptSubmit);
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    let fx = update(&mut m, cmd(Command::RateNegative));
    serve_demo(&mut m, fx);
    // ses_b's reply is unrated: `]` goes there, not back to a4.
    let fx = update(&mut m, cmd(Command::NextUnrated));
    serve_demo(&mut m, fx);
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    assert_eq!(cursor_id(&m).as_deref(), Some("b2"));
    let fx = update(&mut m, cmd(Command::RateNegative));
    serve_demo(&mut m, fx);
    // Nothing else unrated: back to the deferred reply.
    let fx = update(&mut m, cmd(Command::NextUnrated));
    serve_demo(&mut m, fx);
    assert_eq!(m.open.as_deref(), Some("ses_a"));
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    assert!(m.notice.as_ref().unwrap().text.contains("deferred"));
}

#[test]
fn deferrals_from_the_journal_show_on_transcripts_loaded_later() {
    let mut m = in_transcript();
    update(
        &mut m,
        Action::DeferralsLoaded(Ok(vec![Deferral {
            session_id: "ses_b".into(),
            message_id: "b2".into(),
            reason: Some("later".into()),
        }])),
    );
    update(&mut m, cmd(Command::FocusSessions));
    let fx = update(&mut m, cmd(Command::Down));
    serve_demo(&mut m, fx);
    let fx = update(&mut m, cmd(Command::Open));
    serve_demo(&mut m, fx);
    let t = m.transcripts.get("ses_b").unwrap();
    assert!(t.is_deferred(1));
    assert!(!t.is_unrated(1));
}

#[test]
fn marked_sessions_load_then_rate_all_their_unrated_replies() {
    let mut m = loaded(120, 40);
    m.focus = Pane::Sessions;
    update(&mut m, cmd(Command::MarkRange));
    let fx = update(&mut m, cmd(Command::Bottom));
    serve_demo(&mut m, fx);
    assert_eq!(crate::review::update::marked_count(&m), (0, 3));
    assert!(screen(&m).contains("3 sessions marked"));
    // ses_b and ses_c may not be loaded: they load first, then the action applies.
    m.transcripts.remove("ses_b");
    let fx = update(&mut m, cmd(Command::RateNegative));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadHistory { session_id, .. } if session_id == "ses_b"))
    );
    let said = &m.notice.as_ref().unwrap().text;
    assert!(
        said.starts_with("loading ") && said.contains(" session"),
        "{said}"
    );
    let rest = serve_demo(&mut m, fx);
    let rated = rate_many(&rest);
    // ses_c's reply was rated already: only the unrated ones.
    assert_eq!(
        rated.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        vec!["a4", "a6", "b2"]
    );
}

#[test]
fn one_undo_of_a_bulk_action_ends_its_progress() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::Mark));
    update(&mut m, cmd(Command::RateNegative));
    assert!(m.bulk.progress.is_some());
    update(&mut m, cmd(Command::Undo));
    update(
        &mut m,
        Action::Undone {
            redo: false,
            result: Ok(None),
        },
    );
    assert!(m.bulk.progress.is_none());
}

#[test]
fn a_send_reported_before_the_journal_answer_still_counts() {
    let mut m = in_transcript();
    update(&mut m, cmd(Command::MarkRange));
    update(&mut m, cmd(Command::Bottom));
    update(&mut m, cmd(Command::RateNegative));
    let entries = vec![
        entry(11, "ses_a", "a4", Rating::Negative),
        entry(12, "ses_a", "a6", Rating::Negative),
    ];
    // The outbox sends as soon as the commit is done, so its report may come first.
    update(&mut m, sent(&entries[0]));
    update(
        &mut m,
        Action::BulkRecorded {
            replies: vec![("ses_a".into(), "a4".into()), ("ses_a".into(), "a6".into())],
            rating: Rating::Negative,
            result: Ok(entries.clone()),
        },
    );
    assert!(screen(&m).contains("sending 1/2"), "{}", screen(&m));
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Sent { .. })
    ));
    update(&mut m, sent(&entries[1]));
    assert!(m.bulk.progress.is_none());
}

/// The outbox's report that `e` was sent (not stored to memory).
fn sent(e: &crate::journal::Entry) -> Action {
    Action::Outbox(OutboxEvent::Sent {
        entry: e.clone(),
        receipt: crate::api::model::SubmitFeedbackResponse {
            session_id: e.target.session_id.clone(),
            message_id: e.target.message_id.clone(),
            rating: e.rating,
            stored: false,
            recorded_at: "2026-11-23T12:00:00Z".into(),
        },
    })
}
