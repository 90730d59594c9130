//! Tests of the effect runner's pure parts.

use super::*;
use crate::api::model::FeedbackRecord;
use crate::journal::Target;

fn entry(id: i64, msg: &str, rating: Rating, state: RatingState) -> Entry {
    Entry {
        id,
        target: Target {
            base_url: "http://127.0.0.1:1".into(),
            namespace: "demo".into(),
            session_id: "ses_1".into(),
            message_id: msg.into(),
        },
        rating,
        text: None,
        reviewer: "ann".into(),
        made_at: "2026-11-20T10:00:00Z".into(),
        state,
        stored: (state == RatingState::Sent).then_some(rating == Rating::Positive),
        recorded_at: None,
        last_error: (state == RatingState::Failed).then(|| "refused".to_string()),
        attempts: 1,
    }
}

fn record(msg: &str, rating: Rating, stored: bool) -> FeedbackRecord {
    FeedbackRecord {
        feedback_id: format!("fb_{msg}"),
        session_id: "ses_1".into(),
        message_id: msg.into(),
        rating,
        feedback_text: None,
        stored,
        recorded_at: "2026-11-20T10:00:00Z".into(),
    }
}

#[test]
fn server_listing_wins_over_sent_journal_but_not_over_pending() {
    let listing = ListFeedbackResponse {
        session_id: "ses_1".into(),
        feedback: vec![
            record("m1", Rating::Negative, false),
            record("m1", Rating::Positive, true),
            record("m2", Rating::Positive, true),
        ],
    };
    let journal = vec![
        entry(1, "m1", Rating::Positive, RatingState::Sent),
        entry(2, "m2", Rating::Negative, RatingState::Pending),
        entry(3, "m3", Rating::Negative, RatingState::Failed),
    ];
    let known = merge_known(Some(listing), journal);
    let find = |m: &str| known.iter().find(|k| k.message_id == m).map(|k| &k.receipt);
    assert_eq!(
        find("m1"),
        Some(&Receipt::Sent {
            rating: Rating::Negative,
            stored: false,
            entry: None
        })
    );
    assert_eq!(
        find("m2"),
        Some(&Receipt::Queued {
            rating: Rating::Negative,
            entry: 2
        })
    );
    assert!(matches!(find("m3"), Some(Receipt::Failed { error, .. }) if error == "refused"));
}

#[test]
fn a_known_rating_carries_the_note_sent_with_it() {
    let mut with_text = record("m1", Rating::Negative, false);
    with_text.feedback_text = Some("cites the wrong year".into());
    let listing = ListFeedbackResponse {
        session_id: "ses_1".into(),
        feedback: vec![with_text, record("m2", Rating::Positive, true)],
    };
    let mut pending = entry(4, "m3", Rating::Positive, RatingState::Pending);
    pending.text = Some("clear".into());
    let known = merge_known(Some(listing), vec![pending]);
    let note = |m: &str| {
        known
            .iter()
            .find(|k| k.message_id == m)
            .and_then(|k| k.note.as_deref())
    };
    assert_eq!(note("m1"), Some("cites the wrong year"));
    assert_eq!(note("m2"), None);
    assert_eq!(note("m3"), Some("clear"));
}

#[test]
fn without_a_listing_the_journal_is_the_record() {
    let known = merge_known(
        None,
        vec![entry(7, "m1", Rating::Positive, RatingState::Sent)],
    );
    assert_eq!(
        known,
        vec![KnownRating {
            message_id: "m1".into(),
            receipt: Receipt::Sent {
                rating: Rating::Positive,
                stored: true,
                entry: Some(7)
            },
            note: None,
        }]
    );
}
