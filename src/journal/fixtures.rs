//! Ratings, receipts and journals for the journal's own tests.

use super::{Entry, Journal, Target};
use crate::api::model::{Rating, SubmitFeedbackResponse};

pub(super) fn target(message: &str) -> Target {
    Target {
        base_url: "http://127.0.0.1:1".into(),
        namespace: "ns".into(),
        session_id: "ses_a".into(),
        message_id: message.into(),
    }
}

pub(super) fn receipt(message: &str, rating: Rating, stored: bool) -> SubmitFeedbackResponse {
    SubmitFeedbackResponse {
        session_id: "ses_a".into(),
        message_id: message.into(),
        rating,
        stored,
        recorded_at: "2026-01-02T03:04:05Z".into(),
    }
}

/// A rating of `message` by "ann" with no text, recorded as pending.
pub(super) fn rate(j: &mut Journal, message: &str, rating: Rating) -> Entry {
    j.record(&target(message), rating, None, "ann").unwrap()
}

pub(super) fn open() -> (tempfile::TempDir, Journal) {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::open(&dir.path().join("sub").join("journal.db")).unwrap();
    (dir, j)
}
