//! Rating: journal then receipt, re-rating, retries and refusals, keys that cannot rate yet.

use super::helpers::*;

#[test]
fn rate_positive_journals_first_then_shows_the_server_receipt() {
    let mut m = loaded(120, 40);
    let fx = update(&mut m, cmd(Command::RatePositive));
    // The exchange on screen goes with the rating, for an export made offline.
    let exchange = crate::journal::Exchange {
        prompt: Some("How many videos are in the marketing bucket?".into()),
        completion: m.transcripts["ses_a"].messages[3].content.clone(),
    };
    assert_eq!(
        fx,
        vec![Effect::Rate {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Positive,
            text: None,
            exchange: Some(exchange),
        }]
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Saving {
            rating: Rating::Positive,
            after: None
        })
    ));
    // The selection moved on to the next unrated assistant message.
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    assert_eq!(m.sends_pending(), 1);

    let e = entry(1, "ses_a", "a4", Rating::Positive);
    apply(
        &mut m,
        [Action::RateRecorded {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Positive,
            result: Ok(e.clone()),
        }],
    );
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Queued {
            rating: Rating::Positive,
            entry: 1
        })
    );
    assert_eq!(m.run_counts(), (1, 0));

    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Sent {
            entry: e,
            receipt: crate::review::fixtures::receipt("ses_a", "a4", Rating::Positive, true),
        })],
    );
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Sent {
            rating: Rating::Positive,
            stored: true,
            entry: Some(1)
        })
    );
    assert_eq!(m.sends_pending(), 0);
    assert!(m.notice.as_ref().unwrap().text.contains("stored to memory"));
    assert_eq!(m.open_transcript().unwrap().rated, 1);
}

#[test]
fn rating_needs_an_assistant_message() {
    let mut m = loaded(120, 40);
    m.open_transcript_mut().unwrap().cursor = Some(1);
    let fx = update(&mut m, cmd(Command::RateNegative));
    assert!(fx.is_empty());
    assert_eq!(m.notice.as_ref().unwrap().level, Level::Warning);
}

#[test]
fn re_rating_follows_the_latest_and_drops_late_reports_of_the_older() {
    let mut m = loaded(120, 40);
    m.advance_after_rating = false;
    let first = entry(1, "ses_a", "a4", Rating::Positive);
    update(&mut m, cmd(Command::RatePositive));
    apply(
        &mut m,
        [Action::RateRecorded {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Positive,
            result: Ok(first.clone()),
        }],
    );
    // Changed mind before the first was sent.
    update(&mut m, cmd(Command::RateNegative));
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Saving {
            rating: Rating::Negative,
            after: Some(1)
        })
    );
    // The older rating's answer arrives late: it must not show.
    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Sent {
            entry: first,
            receipt: crate::review::fixtures::receipt("ses_a", "a4", Rating::Positive, true),
        })],
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Saving {
            rating: Rating::Negative,
            ..
        })
    ));

    let second = entry(2, "ses_a", "a4", Rating::Negative);
    apply(
        &mut m,
        [
            Action::Outbox(OutboxEvent::Sent {
                entry: second.clone(),
                receipt: crate::review::fixtures::receipt("ses_a", "a4", Rating::Negative, false),
            }),
            // The journal's answer can come after the send's: the receipt stays.
            Action::RateRecorded {
                session_id: "ses_a".into(),
                message_id: "a4".into(),
                rating: Rating::Negative,
                result: Ok(second),
            },
        ],
    );
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Sent {
            rating: Rating::Negative,
            stored: false,
            entry: Some(2)
        })
    );
    assert_eq!(m.run_counts(), (0, 1));
}

#[test]
fn retry_and_failure_reports_show_on_the_message() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RatePositive));
    let e = entry(3, "ses_a", "a4", Rating::Positive);
    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Retrying {
            entry: e.clone(),
            error: ApiError::Network("connection refused".into()),
            next_attempt_in: Duration::from_secs(8),
        })],
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Retrying { error, retry_at, .. }) if error == "offline" && (*retry_at - m.now).num_seconds() == 8
    ));
    assert!(m.animating());
    // A server answering errors: the receipt and the status bar say it is retried.
    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Retrying {
            entry: e.clone(),
            error: ApiError::Server(crate::api::ErrorInfo {
                status: 500,
                kind: "InternalError".into(),
                message: "boom".into(),
                retry_after: None,
            }),
            next_attempt_in: Duration::from_secs(4),
        })],
    );
    let screen = crate::review::fixtures::screen(&m);
    assert!(screen.contains("server 500"), "{screen}");
    assert!(screen.contains("1 pending, retrying"), "{screen}");
    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Failed {
            entry: e,
            error: ApiError::BadRequest(crate::api::ErrorInfo {
                status: 400,
                kind: "BadRequestError".into(),
                message: "Only assistant messages can be rated".into(),
                retry_after: None,
            }),
        })],
    );
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Failed { .. })
    ));
    assert_eq!(m.notice.as_ref().unwrap().level, Level::Error);
    // A refused rating leaves the message unrated for the next-unrated walk.
    assert!(m.open_transcript().unwrap().is_unrated(3));
}

#[test]
fn a_rating_key_while_the_open_session_first_loads_says_it_is_loading() {
    let mut m = model(120, 40);
    let fx = crate::review::update::start(&mut m);
    let Some(Effect::LoadSessions {
        generation, from, ..
    }) = fx.first().cloned()
    else {
        panic!("the list is asked for: {fx:?}");
    };
    update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from,
            result: Ok(listed(page(demo_sessions()))),
        },
    );
    let fx = update(&mut m, cmd(Command::RatePositive));
    assert!(fx.is_empty());
    let notice = m.notice.clone().unwrap().text;
    assert!(notice.contains("still loading"), "{notice}");
    let s = screen(&m);
    assert!(s.contains("Loading Counting marketing videos"), "{s}");
}

#[test]
fn rating_keys_wait_while_the_highlighted_session_is_still_opening() {
    let mut m = loaded(120, 40);
    // Search lands on a session name whose history is not here yet: the list
    // highlights it while the transcript still shows the first session.
    search_for(&mut m, "q3 summ");
    assert_eq!(m.open.as_deref(), Some("ses_a"));
    update(&mut m, cmd(Command::FocusTranscript));
    for c in [
        Command::RatePositive,
        Command::RateNegative,
        Command::RateWithText,
    ] {
        let fx = update(&mut m, cmd(c));
        assert!(fx.is_empty(), "{c:?} asked for {fx:?}");
    }
    assert!(matches!(m.mode, Mode::Browse));
    assert!(
        receipt(&m, "ses_a", "a4").is_none(),
        "rated the session not highlighted"
    );
    let notice = m.notice.as_ref().unwrap();
    assert!(
        notice.text.contains("Q3 summary is opening"),
        "{}",
        notice.text
    );
    // Once it shows, keys rate it.
    let fx = update(&mut m, Action::Tick);
    serve_demo(&mut m, fx);
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    update(&mut m, cmd(Command::FocusTranscript));
    let fx = update(&mut m, cmd(Command::RatePositive));
    assert!(matches!(&fx[..], [Effect::Rate { session_id, .. }] if session_id == "ses_b"));
}

#[test]
fn refresh_shows_a_later_rating_made_elsewhere_but_never_over_one_on_its_way() {
    let mut m = loaded(120, 40);
    let negative_elsewhere = || crate::review::action::KnownRating {
        message_id: "a4".into(),
        receipt: Receipt::Sent {
            rating: Rating::Negative,
            stored: false,
            entry: None,
        },
        note: None,
    };
    let known = |m: &mut Model| {
        let generation = m.transcripts["ses_a"].generation;
        let k = negative_elsewhere();
        update(
            m,
            Action::KnownRatingsLoaded {
                session_id: "ses_a".into(),
                generation,
                result: Ok(vec![k]),
            },
        );
    };
    update(&mut m, cmd(Command::RatePositive));
    // Loaded while this run's rating is still being written: this run's wins.
    known(&mut m);
    assert!(matches!(
        receipt(&m, "ses_a", "a4"),
        Some(Receipt::Saving { .. })
    ));
    journaled_and_sent(&mut m, "a4", Rating::Positive);
    // Another reviewer rates it negative afterwards; `r` asks again and shows that.
    let fx = update(&mut m, cmd(Command::Refresh));
    assert!(fx.iter().any(
        |e| matches!(e, Effect::LoadKnownRatings { session_id, .. } if session_id == "ses_a")
    ));
    known(&mut m);
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Sent {
            rating: Rating::Negative,
            stored: false,
            entry: None
        })
    );
}

/// A rating of this run that another verdict process on the same journal settled: the
/// receipt follows the journal, and the notice says where it was settled.
#[test]
fn a_rating_settled_by_another_process_shows_what_the_journal_says() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RatePositive));
    let mut e = entry(1, "ses_a", "a4", Rating::Positive);
    apply(
        &mut m,
        [Action::RateRecorded {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Positive,
            result: Ok(e.clone()),
        }],
    );
    e.state = crate::journal::RatingState::Sent;
    e.stored = Some(true);
    e.recorded_at = Some("2026-11-30T10:00:00Z".into());
    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Settled {
            entry: e.clone(),
            newer: None,
        })],
    );
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Sent {
            rating: Rating::Positive,
            stored: true,
            entry: Some(1)
        })
    );
    let notice = &m.notice.as_ref().unwrap().text;
    assert!(notice.contains("another verdict process"), "{notice}");

    // Replaced there by a newer negative before it went out: the message shows that one.
    let mut newer = entry(2, "ses_a", "a4", Rating::Negative);
    newer.reviewer = "bo".into();
    e.state = crate::journal::RatingState::Superseded;
    let mut m2 = loaded(120, 40);
    update(&mut m2, cmd(Command::RatePositive));
    apply(
        &mut m2,
        [
            Action::RateRecorded {
                session_id: "ses_a".into(),
                message_id: "a4".into(),
                rating: Rating::Positive,
                result: Ok(entry(1, "ses_a", "a4", Rating::Positive)),
            },
            Action::Outbox(OutboxEvent::Settled {
                entry: e,
                newer: Some(newer),
            }),
        ],
    );
    assert_eq!(
        receipt(&m2, "ses_a", "a4"),
        Some(&Receipt::Queued {
            rating: Rating::Negative,
            entry: 2
        })
    );
    let notice = &m2.notice.as_ref().unwrap().text;
    assert!(notice.contains("negative by bo"), "{notice}");
}

#[test]
fn after_the_cursor_moves_on_the_receipt_names_the_message_it_is_about() {
    let mut m = loaded(80, 24);
    update(&mut m, cmd(Command::FocusTranscript));
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    update(&mut m, cmd(Command::RatePositive));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"), "moved on");
    journaled_and_sent(&mut m, "a4", Rating::Positive);
    let notice = &m.notice.as_ref().unwrap().text;
    assert!(
        notice
            .starts_with("Positive rating of message 4 recorded by the server: stored to memory."),
        "{notice}"
    );
    insta::assert_snapshot!(
        "receipt_after_advance_80x24",
        crate::review::fixtures::screen(&m)
    );
}

#[test]
fn rating_the_last_unrated_reply_says_there_is_none_after_it() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::FocusTranscript));
    update(&mut m, cmd(Command::Bottom));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    update(&mut m, cmd(Command::RateNegative));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"), "nowhere to go");
    let says = |m: &Model| {
        m.notice.as_ref().is_some_and(|n| {
            n.text
                .contains("No unrated reply after this one in this session; ] goes on.")
        })
    };
    assert!(says(&m), "{:?}", m.notice);
    // Still said once the journal has it, and once the server has answered (a4 above is
    // still unrated, so the session is not done).
    journaled_and_sent(&mut m, "a6", Rating::Negative);
    assert!(says(&m), "{:?}", m.notice);
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("Negative rating recorded")
    );
}
