//! The send window's countdown, undo and redo as the journal answers them, the walk on
//! to the next session, and `q` sending what waits.

use super::helpers::*;
use crate::journal::window::{Applied, Change, Rated, Step};
use crate::review::typeset::message::receipt_forms;

fn windowed() -> Model {
    let mut m = loaded(120, 40);
    m.window.send_delay = 5;
    m.window.next_session = true;
    m
}

fn recorded(m: &mut Model, id: i64, message: &str, rating: Rating) {
    apply(
        m,
        [Action::RateRecorded {
            session_id: "ses_a".into(),
            message_id: message.into(),
            rating,
            result: Ok(entry(id, "ses_a", message, rating)),
        }],
    );
}

fn words(m: &Model, message: &str) -> String {
    receipt_forms(receipt(m, "ses_a", message), m, 200)[0]
        .iter()
        .map(|s| s.content.to_string())
        .collect()
}

fn step(message: &str, wanted: Option<Rating>, left: Rating, applied: Applied) -> Step {
    Step {
        id: 1,
        deferrals: Vec::new(),
        changes: vec![Change {
            session_id: "ses_a".into(),
            message_id: message.into(),
            wanted: wanted.map(|rating| Rated { rating, text: None }),
            left: Some(Rated {
                rating: left,
                text: None,
            }),
            applied,
        }],
    }
}

#[test]
fn the_receipt_counts_down_the_send_window_and_offers_undo() {
    let mut m = windowed();
    update(&mut m, cmd(Command::RatePositive));
    recorded(&mut m, 1, "a4", Rating::Positive);
    assert!(m.animating(), "the countdown redraws every second");
    assert!(
        words(&m, "a4").contains("sending in 5s · u undo"),
        "{}",
        words(&m, "a4")
    );
    m.now += chrono::Duration::milliseconds(1500);
    assert!(
        words(&m, "a4").contains("sending in 4s"),
        "{}",
        words(&m, "a4")
    );
    m.now += chrono::Duration::seconds(4);
    assert!(!words(&m, "a4").contains("sending in"));
    assert!(!m.animating());
}

#[test]
fn amending_inside_the_window_is_one_rate_effect_per_key_and_says_what_it_changed_from() {
    let mut m = windowed();
    m.window.next_session = false;
    update(&mut m, cmd(Command::RatePositive));
    recorded(&mut m, 1, "a4", Rating::Positive);
    update(&mut m, cmd(Command::Up));
    update(&mut m, cmd(Command::Up));
    // Back on a4 (the cursor had moved on to a6): rated again, negative.
    let t = m.open_transcript_mut().unwrap();
    t.cursor = t.index_of("a4");
    let fx = update(&mut m, cmd(Command::RateNegative));
    assert!(matches!(
        fx.as_slice(),
        [Effect::Rate { message_id, rating: Rating::Negative, .. }] if message_id == "a4"
    ));
    recorded(&mut m, 2, "a4", Rating::Negative);
    let w = words(&m, "a4");
    assert!(w.contains("changed from positive"), "{w}");
    assert!(w.contains("sending in 5s"), "{w}");
}

#[test]
fn u_and_shift_u_go_through_the_journal_in_order() {
    let mut m = windowed();
    assert_eq!(
        update(&mut m, cmd(Command::Undo)),
        vec![Effect::Undo { redo: false }]
    );
    assert_eq!(
        update(&mut m, cmd(Command::Redo)),
        vec![Effect::Undo { redo: true }]
    );
    update(
        &mut m,
        Action::Undone {
            redo: false,
            result: Ok(None),
        },
    );
    assert!(m.notice.as_ref().unwrap().text.contains("Nothing to undo"));
}

#[test]
fn undo_inside_the_window_withdraws_and_puts_the_cursor_on_the_reply() {
    let mut m = windowed();
    update(&mut m, cmd(Command::RatePositive));
    recorded(&mut m, 1, "a4", Rating::Positive);
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    update(&mut m, cmd(Command::Undo));
    update(
        &mut m,
        Action::Undone {
            redo: false,
            result: Ok(Some(step(
                "a4",
                None,
                Rating::Positive,
                Applied::Withdrawn { server_keeps: None },
            ))),
        },
    );
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    assert_eq!(receipt(&m, "ses_a", "a4"), None);
    assert_eq!(m.run_counts(), (0, 0));
    let n = m.notice.as_ref().unwrap();
    assert!(n.text.contains("the server saw nothing"), "{}", n.text);
    assert!(n.text.contains("U redoes it"), "{}", n.text);
}

#[test]
fn undo_after_sending_resends_the_earlier_rating_or_says_what_the_server_keeps() {
    let mut m = windowed();
    journaled_and_sent(&mut m, "a4", Rating::Negative);
    let queued = entry(7, "ses_a", "a4", Rating::Positive);
    update(
        &mut m,
        Action::Undone {
            redo: false,
            result: Ok(Some(step(
                "a4",
                Some(Rating::Positive),
                Rating::Negative,
                Applied::Queued(Box::new(queued)),
            ))),
        },
    );
    assert_eq!(
        receipt(&m, "ses_a", "a4"),
        Some(&Receipt::Queued {
            rating: Rating::Positive,
            entry: 7
        })
    );
    assert!(words(&m, "a4").contains("sending in 5s"));
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("goes back to positive")
    );

    // The earlier state was "unrated": the server keeps its rating, and the screen says so.
    let mut m = windowed();
    journaled_and_sent(&mut m, "a4", Rating::Negative);
    update(
        &mut m,
        Action::Undone {
            redo: false,
            result: Ok(Some(step(
                "a4",
                None,
                Rating::Negative,
                Applied::ServerKeeps(Rating::Negative),
            ))),
        },
    );
    assert_eq!(
        receipt(&m, "ses_a", "a4").unwrap().rating(),
        Rating::Negative
    );
    let n = m.notice.as_ref().unwrap();
    assert_eq!(n.level, Level::Warning);
    assert!(
        n.text.contains("server keeps the negative rating"),
        "{}",
        n.text
    );
    assert!(n.text.contains("cannot delete"), "{}", n.text);
}

#[test]
fn undo_of_a_reply_in_another_session_opens_it_at_that_reply() {
    let mut m = windowed();
    let fx = update(
        &mut m,
        Action::Undone {
            redo: false,
            result: Ok(Some(Step {
                id: 3,
                deferrals: Vec::new(),
                changes: vec![Change {
                    session_id: "ses_b".into(),
                    message_id: "b2".into(),
                    wanted: None,
                    left: Some(Rated {
                        rating: Rating::Positive,
                        text: None,
                    }),
                    applied: Applied::Withdrawn { server_keeps: None },
                }],
            })),
        },
    );
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    serve_demo(&mut m, fx);
    assert_eq!(cursor_id(&m).as_deref(), Some("b2"));
}

#[test]
fn the_last_unrated_reply_of_a_session_walks_on_to_the_next_session() {
    let mut m = windowed();
    update(&mut m, cmd(Command::RatePositive));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    // a6 was the last unrated reply of ses_a: the next key must not land on it again.
    let fx = update(&mut m, cmd(Command::RateNegative));
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    // A key typed while ses_b loads waits for it, and rates b2, not a6.
    let more = update(&mut m, cmd(Command::RatePositive));
    assert!(more.iter().all(|e| !matches!(e, Effect::Rate { .. })));
    let fx = serve_demo(&mut m, fx.into_iter().chain(more).collect());
    assert!(fx.iter().any(|e| matches!(e,
        Effect::Rate { message_id, rating: Rating::Positive, .. } if message_id == "b2")));
    assert_eq!(
        receipt(&m, "ses_a", "a6").map(Receipt::rating),
        Some(Rating::Negative)
    );

    // review.advance = "stay": the cursor stays on the last reply, as before.
    let mut m = windowed();
    m.window.next_session = false;
    update(&mut m, cmd(Command::RatePositive));
    update(&mut m, cmd(Command::RateNegative));
    assert_eq!(m.open.as_deref(), Some("ses_a"));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
}

#[test]
fn q_sends_what_waits_then_quits_once_the_outbox_is_empty() {
    let mut m = windowed();
    m.window.next_session = false;
    update(&mut m, cmd(Command::RatePositive));
    recorded(&mut m, 1, "a4", Rating::Positive);
    let counts = |pending| {
        Action::Outbox(OutboxEvent::Counts {
            counts: crate::journal::Counts { pending, failed: 0 },
            offline: false,
        })
    };
    update(&mut m, counts(1));
    let fx = update(&mut m, cmd(Command::Quit));
    assert_eq!(fx, vec![Effect::CloseWindows]);
    assert!(!m.quit);
    assert!(m.notice.as_ref().unwrap().text.contains("then quitting"));
    apply(
        &mut m,
        [Action::Outbox(OutboxEvent::Sent {
            entry: entry(1, "ses_a", "a4", Rating::Positive),
            receipt: crate::review::fixtures::receipt("ses_a", "a4", Rating::Positive, true),
        })],
    );
    update(&mut m, counts(0));
    assert!(m.quit);
}
